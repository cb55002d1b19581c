//! `pacto graph` on Pacto 2.0 bundles and on graphs that mix 2.0 and 1.x bundles: the tree,
//! JSON, DOT and Mermaid of `fixtures/graph/v2` (a 2.0 root, a `file://` ref, 2.0 → 1.x and
//! 1.x → 2.0 edges, an unsatisfied constraint), and the same mix pulled from the loopback
//! registry of `scripts/test-infra start` (`PACTO_TEST_REGISTRY`; skipped without it unless
//! `CI` is set).

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

fn pacto_in(args: &[&str], cwd: &Path, envs: &[(&str, &Path)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pacto"));
    c.args(args)
        .current_dir(cwd)
        .env_remove("PACTO_OUTPUT_FORMAT")
        .env_remove("PACTO_OFFLINE")
        .env("PACTO_NO_CACHE", "1");
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn pacto(args: &[&str]) -> Output {
    pacto_in(args, &root(), &[])
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn expected(file: &str) -> String {
    std::fs::read_to_string(root().join("fixtures/graph/v2").join(file)).unwrap()
}

const CHECKOUT: &str = "fixtures/graph/v2/checkout";

#[test]
fn a_2_0_root_with_mixed_generations_is_the_tree() {
    let out = pacto(&["graph", CHECKOUT]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    let tree = text(&out.stdout);
    assert_eq!(tree, expected("expected.txt"));
    // name@version on every node, whichever generation it is written in.
    for node in [
        "checkout@3.0.0",
        "payments@2.1.0",
        "ledger@1.5.2",
        "tokens@2.0.1",
        "legacy-auth@1.2.0",
        "search@2.4.0 [local] (unsatisfied: 2.4.0 does not satisfy ^3.0.0)",
    ] {
        assert!(tree.contains(node), "{node} in\n{tree}");
    }
}

#[test]
fn a_1_x_root_reaches_a_2_0_bundle() {
    let out = pacto(&["graph", "fixtures/graph/v2/legacy-auth"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), expected("expected-legacy-auth.txt"));
    assert_eq!(
        text(&out.stdout),
        "legacy-auth@1.2.0\n└─ tokens@2.0.1 [local]\n"
    );
}

#[test]
fn json_carries_required_and_compatibility_of_each_edge() {
    let out = pacto(&["graph", CHECKOUT, "--output-format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), expected("expected.json"));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let deps = &v["root"]["dependencies"];
    let edge = |e: &Value| {
        (
            e["ref"].as_str().unwrap().to_string(),
            e["required"].as_bool().unwrap(),
            e["compatibility"].as_str().unwrap().to_string(),
            format!(
                "{}@{}",
                e["node"]["name"].as_str().unwrap(),
                e["node"]["version"].as_str().unwrap()
            ),
        )
    };
    let got: Vec<_> = deps.as_array().unwrap().iter().map(edge).collect();
    assert_eq!(
        got,
        vec![
            (
                "../payments".into(),
                true,
                "^2.0.0".into(),
                "payments@2.1.0".into()
            ),
            // 2.0 `required: false`, through a file:// ref.
            (
                "file://../legacy-auth".into(),
                false,
                "^1.0.0".into(),
                "legacy-auth@1.2.0".into()
            ),
            (
                "../search".into(),
                true,
                "^3.0.0".into(),
                "search@2.4.0".into()
            ),
        ]
    );
    // 2.0 -> 1.x (required) and 1.x -> 2.0 (a 1.x dependency without `required` is optional).
    let ledger = &deps[0]["node"]["dependencies"][0];
    assert!(edge(ledger).1);
    assert_eq!(edge(&ledger["node"]["dependencies"][0]).3, "tokens@2.0.1");
    let tokens_via_auth = &deps[1]["node"]["dependencies"][0];
    assert_eq!(tokens_via_auth["required"], false);
    assert_eq!(tokens_via_auth["shared"], true);
    assert_eq!(deps[2]["unsatisfied"], "2.4.0 does not satisfy ^3.0.0");
    assert!(
        v.get("conflicts").is_none() && v.get("cycles").is_none(),
        "{v}"
    );
}

#[test]
fn dot_and_mermaid_draw_optional_edges_apart() {
    for (flag, file) in [("dot", "expected.dot"), ("mermaid", "expected.mmd")] {
        let out = pacto(&["graph", CHECKOUT, "--format", flag]);
        assert_eq!(out.status.code(), Some(0), "{flag}");
        assert_eq!(text(&out.stdout), expected(file), "{flag}");
    }
    let dot = expected("expected.dot");
    assert!(dot.contains("n0 -> n1;\n"), "{dot}"); // required 2.0 edge: solid
    assert!(dot.contains("n0 -> n4 [style=dashed];\n"), "{dot}"); // optional 2.0 edge
    let mmd = expected("expected.mmd");
    assert!(mmd.contains("  n0 -.-> n4\n"), "{mmd}");
    assert!(mmd.contains("  n1 --> n2\n"), "{mmd}");
}

/// The Mermaid of `pacto graph` parses with the real Mermaid parser (when the test
/// infrastructure's jsdom is installed): the mixed graph and the 1.x payments graph, both with
/// red (unsatisfied, missing) edges. Their `linkStyle … color:#d00;` did not parse: Mermaid reads
/// `#d00;` as an entity.
#[test]
fn the_mermaid_parses() {
    let root = root();
    let modules = root.join("target/test-infra/mermaid/node_modules");
    let have_node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_node || !modules.join("jsdom").is_dir() {
        let reason = format!(
            "node or jsdom missing ({}); run scripts/test-infra start",
            modules.display()
        );
        assert!(std::env::var_os("CI").is_none(), "{reason}");
        eprintln!("skipped: {reason}");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, bundle) in [
        ("v2", CHECKOUT),
        ("payments", "fixtures/graph/payments/payments-api"),
    ] {
        let out = pacto(&["graph", bundle, "--format", "mermaid"]);
        assert_eq!(out.status.code(), Some(0));
        let mmd = text(&out.stdout);
        assert!(mmd.contains("linkStyle"), "{mmd}");
        let md = tmp.path().join(format!("{name}.md"));
        std::fs::write(&md, format!("```mermaid\n{mmd}```\n")).unwrap();
        files.push(md);
    }
    let out = Command::new("node")
        .arg(root.join("pacto-cli/tests/support/mermaid-parse.cjs"))
        .arg(root.join("pacto-cli/assets/mermaid.min.js"))
        .args(&files)
        .env("NODE_PATH", &modules)
        .output()
        .unwrap();
    let report = text(&out.stdout);
    assert!(out.status.success(), "{report}{}", text(&out.stderr));
    assert_eq!(report.matches(": ok flowchart").count(), 2, "{report}");
}

/// The published 2.0 example: its OCI dependencies fail on their edges only (offline), and the
/// root still shows as name@version.
#[test]
fn the_2_0_example_bundle_graphs_offline() {
    let out = pacto(&["--offline", "graph", "fixtures/v2/valid/payments-api"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let tree = text(&out.stdout);
    assert!(
        tree.starts_with("payments-api@2.1.0\n├─ auth-pacto@sha256:0123456 (error: "),
        "{tree}"
    );
    assert!(
        tree.contains("└─ notifications-pacto:1.0.0 (error: "),
        "{tree}"
    );
    let out = pacto(&[
        "--offline",
        "graph",
        "fixtures/v2/valid/payments-api",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["root"]["dependencies"][1]["required"], false);
    assert_eq!(v["root"]["dependencies"][1]["compatibility"], "~1.0.0");
}

/// The same mix from a registry: a 2.0 root pulled by tag, a 1.x bundle whose untagged ref to a
/// 2.0 bundle resolves to the highest tag its constraint allows (2.0.1, not 3.0.0), and the
/// same service at two versions across generations reported as a conflict.
#[test]
fn mixed_generations_from_a_registry() {
    let reg = match std::env::var("PACTO_TEST_REGISTRY") {
        Ok(v) if !v.is_empty() => v,
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "PACTO_TEST_REGISTRY is not set: run `eval \"$(scripts/test-infra start)\"` first"
            );
            eprintln!("skipping: PACTO_TEST_REGISTRY is not set");
            return;
        }
    };
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    let cache = tmp.path().join("cache");
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&work).unwrap();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let base = format!(
        "{reg}/pacto-cli-test/graph-v2-{}-{}",
        std::process::id(),
        nanos % 1_000_000_000
    );
    let envs: [(&str, &Path); 3] = [
        ("XDG_CACHE_HOME", &cache),
        ("HOME", &home),
        ("DOCKER_CONFIG", &home),
    ];
    let write = |dir: &str, yaml: String| {
        let d = work.join(dir);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("pacto.yaml"), yaml).unwrap();
        d.to_string_lossy().into_owned()
    };
    let v2 = |name: &str, version: &str, deps: &str| {
        format!("pactoVersion: \"2.0\"\nservice:\n  name: {name}\n  version: {version}\n  owner:\n    team: t\nworkload: service\n{deps}")
    };
    let v1 = |name: &str, version: &str, deps: &str| {
        format!("pactoVersion: \"1.0\"\nservice:\n  name: {name}\n  version: {version}\n  owner: team/t\nruntime:\n  workload: service\n  state:\n    type: stateless\n    persistence: {{ scope: local, durability: ephemeral }}\n    dataCriticality: low\n{deps}")
    };
    let push = |repo: &str, dir: &str| {
        let out = pacto_in(
            &["push", &format!("oci://{base}/{repo}"), "-p", dir],
            &work,
            &envs,
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "push {repo}: {}",
            text(&out.stderr)
        );
    };
    push("tokens", &write("tokens-2.0.1", v2("tokens", "2.0.1", "")));
    push("tokens", &write("tokens-3.0.0", v2("tokens", "3.0.0", "")));
    let auth_deps = format!(
        "dependencies:\n  - ref: oci://{base}/tokens\n    required: true\n    compatibility: ^2.0.0\n"
    );
    push("auth", &write("auth", v1("auth", "1.2.0", &auth_deps)));
    let root_deps = format!(
        "dependencies:\n  - name: auth\n    ref: oci://{base}/auth:1.2.0\n    required: false\n    compatibility: ^1.0.0\n  - name: tokens\n    ref: oci://{base}/tokens:3.0.0\n    required: true\n    compatibility: \">=2.0.0\"\n"
    );
    push(
        "checkout",
        &write("checkout", v2("checkout", "3.0.0", &root_deps)),
    );

    let out = pacto_in(
        &["graph", &format!("oci://{base}/checkout:3.0.0")],
        &work,
        &envs,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "checkout@3.0.0\n├─ auth@1.2.0\n│  └─ tokens@2.0.1\n└─ tokens@3.0.0\n\nConflicts (1):\n  tokens: [tokens@2.0.1 tokens@3.0.0]\n"
    );
    let out = pacto_in(
        &[
            "graph",
            &format!("oci://{base}/checkout:3.0.0"),
            "--format",
            "json",
        ],
        &work,
        &envs,
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["root"]["dependencies"][0]["required"], false);
    assert_eq!(v["root"]["dependencies"][1]["required"], true);
    assert_eq!(v["conflicts"][0]["name"], "tokens");
}
