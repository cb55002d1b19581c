//! Dependency graphs of the bundles under `fixtures/graph/`: golden text, JSON, DOT and Mermaid
//! output, local-path cycles, root-relative transitive refs, and the graph and dependency diffs
//! of spec §4.10 case 3.
//!
//! Absolute paths in the output are written as `<FIXTURES>` in the golden files. Run with
//! `PACTO_UPDATE_GOLDEN=1` to rewrite them.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use pacto_core::diff::graph::{dependency_diffs, diff_graphs};
use pacto_core::diff::{compare, Classification};
use pacto_core::graph::{
    clean_path, load_local, render, resolve, Format, Graph, LocalFetcher, ResolveOptions,
};
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    clean_path(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/graph"))
}

fn resolve_dir(rel: &str, parallelism: usize) -> Graph {
    let dir = fixtures().join(rel);
    let root = load_local(dir.to_str().unwrap()).unwrap();
    resolve(
        &root.contract,
        &LocalFetcher::new(dir),
        &ResolveOptions { parallelism },
    )
}

fn golden(file: &str, actual: &str) {
    let actual = actual.replace(fixtures().to_str().unwrap(), "<FIXTURES>");
    let path = fixtures().join(file);
    if std::env::var_os("PACTO_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (PACTO_UPDATE_GOLDEN=1 writes it)", path.display()));
    assert_eq!(actual, expected, "{file}");
}

#[test]
fn payments_goldens() {
    let g = resolve_dir("payments/payments-api", 8);
    golden("payments/expected.txt", &render(&g, Format::Tree));
    golden("payments/expected.json", &render(&g, Format::Json));
    golden("payments/expected.dot", &render(&g, Format::Dot));
    golden("payments/expected.mmd", &render(&g, Format::Mermaid));
    // Seven bundles, each fetched once, plus the missing one.
    assert_eq!(g.stats.fetches, 8);
    let seq = resolve_dir("payments/payments-api", 1);
    assert_eq!(render(&seq, Format::Json), render(&g, Format::Json));
}

#[test]
fn payments_flags_missing_unsatisfied_shared_and_conflicts() {
    let text = render(&resolve_dir("payments/payments-api", 8), Format::Tree);
    assert!(text.starts_with("payments-api@2.1.0\n├─ auth-service@2.3.0 [local]\n"));
    assert!(text.contains("└─ fraud-check (error: failed to access "));
    assert!(text.contains("queue@1.4.0 [local] (unsatisfied: 1.4.0 does not satisfy ^2.0.0)"));
    assert!(text.contains("│  └─ auth-service@2.3.0 [local] (shared)\n"));
    assert!(text.ends_with("\nConflicts (1):\n  postgres: [postgres@15.6.0 postgres@16.4.0]\n"));
}

/// Spec §12.3 case 5: A → B → A through local paths. The root sits in the path under its
/// service name, so the cycle closes one level later, on `../b`.
#[test]
fn local_cycle() {
    let g = resolve_dir("cycle/a", 8);
    golden("cycle/expected.txt", &render(&g, Format::Tree));
    assert_eq!(g.cycles, [["svc-a", "../b", "../a", "../b"]]);
    let text = render(&g, Format::Tree);
    assert!(text.contains("(error: cycle detected: ../b)"));
    assert!(text.contains("\nCycles (1):\n  svc-a -> ../b -> ../a -> ../b\n"));
    golden("cycle/expected.dot", &render(&g, Format::Dot));
}

/// A local ref inside a dependency resolves against the root's directory, not its own.
#[test]
fn transitive_local_refs_are_root_relative() {
    let g = resolve_dir("transitive/root", 8);
    golden("transitive/expected.txt", &render(&g, Format::Tree));
    let b = g.root.dependencies[0].node.as_ref().unwrap();
    assert_eq!(b.dependencies[0].node.as_ref().unwrap().name, "c");
}

/// Spec §4.10 case 3: my-app v1 (postgres-pacto 1.0.0, redis-pacto 1.0.0) → v2 (redis-pacto
/// 2.0.0 only).
#[test]
fn diff_case3_graph_and_dependency_diffs() {
    let old = resolve_dir("diff-case3/v1", 8);
    let new = resolve_dir("diff-case3/v2", 8);
    let gd = diff_graphs(Some(&old), Some(&new));
    assert_eq!(
        gd.render_tree(),
        "my-app\n├─ redis-pacto   1.0.0 → 2.0.0\n└─ postgres-pacto-1.0.0\n"
    );
    let deps = dependency_diffs(&old, &new);
    assert!(deps.errors.is_empty());
    assert_eq!(deps.diffs.len(), 1);
    let redis = &deps.diffs[0];
    assert_eq!(redis.name, "redis-pacto");
    assert_eq!(redis.classification, Classification::PotentialBreaking);
    let got: Vec<(&str, Classification, String, String)> = redis
        .changes
        .iter()
        .map(|c| {
            (
                c.path.as_str(),
                c.classification,
                c.old_value.as_ref().unwrap().to_string(),
                c.new_value.as_ref().unwrap().to_string(),
            )
        })
        .collect();
    use Classification::{NonBreaking as N, PotentialBreaking as P};
    let s = |v: &str| v.to_string();
    assert_eq!(
        got,
        [
            (
                "runtime.state.dataCriticality",
                P,
                s("\"medium\""),
                s("\"high\"")
            ),
            ("scaling.max", N, s("3"), s("6")),
            ("scaling.min", P, s("1"), s("2")),
            ("service.version", N, s("\"1.0.0\""), s("\"2.0.0\"")),
        ]
    );

    // The root diff of the same pair, for the overall classification.
    let dir = |s: &str| fixtures().join("diff-case3").join(s);
    let o = load_local(dir("v1").to_str().unwrap()).unwrap();
    let n = load_local(dir("v2").to_str().unwrap()).unwrap();
    let root = compare(&o.side(), &n.side()).unwrap();
    assert_eq!(root.classification, Classification::Breaking);
    let paths: Vec<&str> = root.changes.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "dependencies",
            "dependencies",
            "dependencies",
            "runtime.health.initialDelaySeconds",
            "service.version"
        ]
    );
}

/// The one way every face turns a bundle into a diff side (issue 15): inline YAML in a
/// `MemBundle` (the MCP tool, the language server's lens) is refused when it is not a contract
/// this build can compare, naming the side and the file; a directory the same way.
#[test]
fn parse_side_and_open_side_refuse_what_they_cannot_compare() {
    use pacto_core::bundle::MemBundle;
    use pacto_core::diff::Which;
    use pacto_core::graph::{open_side, parse_side, Fetched};
    use std::sync::Arc;
    let side = |text: &str, which| {
        let b = MemBundle::new("inline").with("pacto.yaml", text);
        parse_side(
            Fetched {
                bundle: Arc::new(b),
                contract_text: text.to_string(),
                resolved_ref: "inline".into(),
            },
            which,
        )
    };
    assert!(side("pactoVersion: \"1.2\"\nservice:\n  name: a\n", Which::Old).is_ok());
    assert!(side("pactoVersion: \"2.0\"\nservice:\n  name: a\n", Which::Old).is_ok());
    for (text, why) in [
        (
            "pactoVersion: \"2.1\"\nservice:\n  name: a\n",
            "pactoVersion \"2.1\"",
        ),
        ("service:\n  name: a\n", "has no pactoVersion"),
        ("- a\n", "is a list"),
        ("", "the document is empty"),
        ("service: [\n", "failed to parse inline/pacto.yaml"),
    ] {
        let e = side(text, Which::New).unwrap_err();
        assert_eq!(e.side, Which::New);
        assert_eq!(e.file, "inline/pacto.yaml");
        let msg = e.to_string();
        assert!(msg.starts_with("new contract: "), "{msg}");
        assert!(msg.contains(why), "{text:?}: {msg}");
        assert_eq!(e.to_json()["error"]["side"], "new");
    }
    let cwd = std::env::current_dir().unwrap();
    let e = open_side("no/such/dir", &cwd, None, Which::Old).unwrap_err();
    assert_eq!((e.side, e.file.as_str()), (Which::Old, "no/such/dir"));
    let e = open_side("oci://127.0.0.1:1/a/b:1.0.0", &cwd, None, Which::Old).unwrap_err();
    assert!(e.to_string().contains("no registry client"), "{e}");
}
