//! Any text as a `pacto.yaml` next to a small bundle: validation must return (no panic, no
//! hang), and every diagnostic span must lie inside the text on character boundaries.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pacto_core::bundle::MemBundle;
use pacto_core::validate::{validate, NoResolver, Options};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let bundle = MemBundle::new("fuzz")
        .with("interfaces/openapi.yaml", "openapi: 3.0.0\npaths: {}\n")
        .with("configuration/schema.json", r#"{"type":"object"}"#);
    let v = validate(text, Some(&bundle), &NoResolver, &Options::default());
    for d in &v.diagnostics {
        let Some(s) = d.span else { continue };
        let (start, end) = (s.start as usize, s.end as usize);
        assert!(start <= end && end <= text.len(), "{d:?}");
        assert!(text.is_char_boundary(start) && text.is_char_boundary(end), "{d:?}");
    }
});
