//! The JSON fast path of `parse` must build what the YAML reader builds for the same text
//! (core/src/syntax/json.rs): whenever both readers return a tree, the trees are the same node
//! for node (kind, span, scalar text, style and resolution) and the errors are the same. Where
//! only one of them reads the text, the module documents why (surrogate pairs, a tab after `:`).
#![no_main]
use libfuzzer_sys::fuzz_target;
use pacto_core::syntax::{parse, parse_yaml_only, Limits, NodeKind, NodeRef};

fn same(a: NodeRef<'_>, b: NodeRef<'_>, text: &str) {
    assert_eq!(a.span(), b.span(), "span differs in {text:?}");
    match (a.kind(), b.kind()) {
        (NodeKind::Scalar(x), NodeKind::Scalar(y)) => {
            // Debug, not ==: a YAML `.nan` is not equal to itself.
            assert_eq!(format!("{x:?}"), format!("{y:?}"), "scalar differs in {text:?}");
        }
        (NodeKind::Sequence(_), NodeKind::Sequence(_)) => {
            let (xs, ys): (Vec<_>, Vec<_>) = (a.items().collect(), b.items().collect());
            assert_eq!(xs.len(), ys.len(), "sequence length differs in {text:?}");
            for (x, y) in xs.into_iter().zip(ys) {
                same(x, y, text);
            }
        }
        (NodeKind::Mapping(_), NodeKind::Mapping(_)) => {
            let (xs, ys): (Vec<_>, Vec<_>) = (a.entries().collect(), b.entries().collect());
            assert_eq!(xs.len(), ys.len(), "mapping length differs in {text:?}");
            for ((xk, xv), (yk, yv)) in xs.into_iter().zip(ys) {
                same(xk, yk, text);
                same(xv, yv, text);
            }
        }
        (x, y) => panic!("kinds differ in {text:?}: {x:?} / {y:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let limits = Limits::default();
    let fast = parse(text, &limits);
    let yaml = parse_yaml_only(text, &limits);
    if let (Some(a), Some(b)) = (&fast.tree, &yaml.tree) {
        same(a.root(), b.root(), text);
        assert_eq!(fast.errors, yaml.errors, "errors differ in {text:?}");
    }
});
