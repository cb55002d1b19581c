//! `pacto fleet snapshot|status|search|get|graph|explain` end to end on the 2.0 demo fleet
//! (`fixtures/demo-v2`) and the target-state fixture (`fixtures/fleet/targets.yaml`): every
//! answer's envelope (`asOf`, `completeness`, `limitations`), bounded lists, subject misses
//! (exit 1, nothing on stdout) and unsupported sources reported as limitations.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const AS_OF: &str = "2026-12-01T00:00:00Z";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn pacto(args: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_pacto"));
    for k in [
        "PACTO_OUTPUT_FORMAT",
        "PACTO_NO_CACHE",
        "PACTO_PLAIN_HTTP",
        "KUBECONFIG",
        "KUBERNETES_SERVICE_HOST",
    ] {
        c.env_remove(k);
    }
    c.env("HOME", home.path())
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("PACTO_OFFLINE", "1")
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `pacto fleet <args> --local fixtures/demo-v2 --as-of … --output-format json`.
fn fleet_json(args: &[&str]) -> Value {
    let mut a = vec!["fleet"];
    a.extend_from_slice(args);
    a.extend_from_slice(&[
        "--local",
        "fixtures/demo-v2",
        "--as-of",
        AS_OF,
        "--output-format",
        "json",
    ]);
    let out = pacto(&a);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn assert_envelope(meta: &Value) {
    assert_eq!(meta["schemaVersion"], "pacto.dev/fleet/v1");
    assert_eq!(meta["asOf"], AS_OF);
    assert_eq!(meta["completeness"], "complete");
    assert!(meta["snapshotId"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(meta["sources"][0]["id"], "local");
}

#[test]
fn search_is_bounded_with_offsets_and_carries_the_envelope() {
    let v = fleet_json(&["search", "--limit", "3", "--offset", "1"]);
    assert_envelope(&v["meta"]);
    assert_eq!(v["total"], 7);
    assert_eq!(v["count"], 3);
    let names: Vec<&str> = v["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["inventory", "menu", "notifications"]);
    let v = fleet_json(&["search", "ORD"]);
    assert_eq!(v["services"][0]["name"], "orders");
    assert_eq!(v["services"][0]["owner"], "commerce");
    assert_eq!(v["services"][0]["revisionCount"], 2);
    let v = fleet_json(&["search", "--owner", "web"]);
    assert_eq!(v["total"], 1);
    let v = fleet_json(&["search", "--interface", "asyncapi"]);
    let names: Vec<&str> = v["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["inventory", "orders"]);
    let v = fleet_json(&["search", "--not-ready"]);
    assert_eq!(v["services"][0]["name"], "dispatch");
}

#[test]
fn graph_of_dependents_with_depth() {
    let v = fleet_json(&[
        "graph",
        "inventory",
        "--direction",
        "dependents",
        "--transitive",
    ]);
    assert_envelope(&v["meta"]);
    assert_eq!(v["root"], "inventory");
    assert_eq!(v["direction"], "dependents");
    assert_eq!(v["aggregated"], true);
    let nodes: Vec<(&str, u64)> = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["name"].as_str().unwrap(), n["depth"].as_u64().unwrap()))
        .collect();
    assert_eq!(nodes, [("orders", 1), ("dispatch", 2), ("storefront", 2)]);
    assert_eq!(
        v["nodes"][1]["path"],
        serde_json::json!(["inventory", "orders", "dispatch"])
    );
    let direct = fleet_json(&["graph", "inventory", "--direction", "dependents"]);
    assert_eq!(direct["nodes"].as_array().unwrap().len(), 1);
    let deps = fleet_json(&["graph", "payments"]);
    assert_eq!(
        deps["unresolved"][0]["to"],
        "oci://ghcr.io/northwind/payment-gateway"
    );
    // Text.
    let out = pacto(&[
        "fleet",
        "--local",
        "fixtures/demo-v2",
        "graph",
        "inventory",
        "--direction",
        "dependents",
        "--transitive",
    ]);
    let t = text(&out.stdout);
    assert!(t.starts_with("dependents of inventory (aggregated across revisions) (3 node(s)):\n    orders (depth 1)\n"), "{t}");
}

fn node_names(v: &Value) -> Vec<&str> {
    v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect()
}

#[test]
fn graph_roots_by_revision_and_by_target() {
    // A service aggregates its revisions: storefront 1.1.0 added an optional dispatch.
    let svc = fleet_json(&["graph", "storefront"]);
    assert_eq!(svc["aggregated"], true);
    assert!(svc.get("revision").is_none());
    assert_eq!(node_names(&svc), ["dispatch", "menu", "orders"]);
    // A revision by service@version: only that revision's edges at the root.
    let old = fleet_json(&["graph", "--revision", "storefront@1.0.0"]);
    assert_eq!(old["root"], "storefront");
    assert_eq!(old["aggregated"], false);
    let key = old["revision"].as_str().unwrap().to_string();
    assert!(key.starts_with("storefront@sha256:"), "{key}");
    assert_eq!(node_names(&old), ["menu", "orders"]);
    assert!(old["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["fromService"] == "storefront")
        .all(|e| e["fromRevision"] == key.as_str()));
    let new = fleet_json(&["graph", "--revision", "storefront@1.1.0"]);
    assert_eq!(node_names(&new), ["dispatch", "menu", "orders"]);
    // The exact key (Go's form), transitive with depth: beyond the root, service-level edges.
    let exact = fleet_json(&[
        "graph",
        "--revision",
        &key,
        "--transitive",
        "--max-depth",
        "2",
    ]);
    assert_eq!(exact["revision"], key.as_str());
    let deep: Vec<(&str, u64)> = exact["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["name"].as_str().unwrap(), n["depth"].as_u64().unwrap()))
        .collect();
    assert!(deep.contains(&("orders", 1)), "{deep:?}");
    assert!(deep.iter().all(|(_, d)| *d <= 2), "{deep:?}");
    assert!(deep.iter().any(|(_, d)| *d == 2), "{deep:?}");
    // A target the snapshot links to no revision roots its service, not aggregated.
    let mut a = vec!["fleet", "graph", "--target", "web/storefront"];
    a.extend_from_slice(&[
        "--local",
        "fixtures/demo-v2",
        "--target-state",
        "fixtures/fleet/targets.yaml",
        "--as-of",
        AS_OF,
        "--output-format",
        "json",
    ]);
    let out = pacto(&a);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let t: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(t["root"], "storefront");
    assert_eq!(t["aggregated"], false);
    assert_eq!(node_names(&t), ["dispatch", "menu", "orders"]);
    // Text names the revision.
    let out = pacto(&[
        "fleet",
        "--local",
        "fixtures/demo-v2",
        "graph",
        "--revision",
        "storefront@1.0.0",
    ]);
    let t = text(&out.stdout);
    assert!(
        t.starts_with(&format!(
            "dependencies of storefront (revision {key}) (2 node(s)):\n"
        )),
        "{t}"
    );
}

#[test]
fn an_unknown_graph_root_is_a_located_error() {
    for (args, want) in [
        (
            vec!["graph", "--revision", "storefront@9.9.9"],
            "revision \"storefront@9.9.9\" not found in the fleet snapshot",
        ),
        (
            vec!["graph", "--revision", "nope"],
            "revision \"nope\" not found in the fleet snapshot",
        ),
        (
            vec!["graph", "--target", "ghost"],
            "target \"ghost\" not found in the fleet snapshot",
        ),
        (
            vec!["graph"],
            "provide a root: a service name, --revision or --target",
        ),
    ] {
        let mut a = vec![
            "fleet",
            "--local",
            "fixtures/demo-v2",
            "--output-format",
            "json",
        ];
        a.extend_from_slice(&args);
        let out = pacto(&a);
        assert_ne!(out.status.code(), Some(0), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: {}", text(&out.stdout));
        assert!(
            text(&out.stderr).contains(want),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn status_reports_what_needs_attention() {
    let v = fleet_json(&["status"]);
    assert_envelope(&v["meta"]);
    let codes: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "INVALID_CONTRACT",
            "MISSING_READINESS",
            "MISSING_READINESS",
            "READINESS_GATE_UNMET",
            "UNRESOLVED_DEPENDENCY"
        ]
    );
    let v = fleet_json(&["status", "--invalid"]);
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    let v = fleet_json(&["status", "--limit", "2"]);
    assert_eq!(
        (v["items"].as_array().unwrap().len(), v["total"].as_u64()),
        (2, Some(5))
    );
    // With targets: a NonCompliant and an Unknown target too.
    let out = pacto(&[
        "fleet",
        "status",
        "--local",
        "fixtures/demo-v2",
        "--target-state",
        "fixtures/fleet/targets.yaml",
    ]);
    let t = text(&out.stdout);
    assert!(
        t.contains("[NON_COMPLIANT] target production-eu/kubernetes-workload/commerce%2Forders"),
        "{t}"
    );
    assert!(
        t.contains("[UNKNOWN] target staging/kubernetes-workload/logistics%2Fdispatch"),
        "{t}"
    );
}

#[test]
fn get_and_explain_a_service_and_a_target() {
    let v = fleet_json(&["get", "orders"]);
    assert_envelope(&v["meta"]);
    assert_eq!(v["service"]["name"], "orders");
    assert_eq!(v["revisions"].as_array().unwrap().len(), 2);
    assert_eq!(
        v["dependents"],
        serde_json::json!(["dispatch", "storefront"])
    );
    assert_eq!(v["revisions"][1]["version"], "2.0.0");
    assert_eq!(v["revisions"][1]["contract"]["workload"], "service");
    let out = pacto(&[
        "fleet",
        "--local",
        "fixtures/demo-v2",
        "--target-state",
        "fixtures/fleet/targets.yaml",
        "--output-format",
        "json",
        "explain",
        "orders",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"], "NonCompliant");
    assert_eq!(v["reasons"][0]["code"], "PERSISTENCE_MISMATCH");
    let out = pacto(&[
        "fleet",
        "--local",
        "fixtures/demo-v2",
        "--target-state",
        "fixtures/fleet/targets.yaml",
        "get",
        "--target",
        "web/storefront",
    ]);
    assert!(text(&out.stdout).starts_with("Target: production-eu/kubernetes-workload/web%2Fstorefront\nService: storefront\nCompliance: Compliant\n"), "{}", text(&out.stdout));
}

#[test]
fn a_missing_subject_is_exit_1_with_nothing_on_stdout() {
    for args in [["get", "ghost"], ["graph", "ghost"], ["explain", "ghost"]] {
        let mut a = vec![
            "fleet",
            "--local",
            "fixtures/demo-v2",
            "--output-format",
            "json",
        ];
        a.extend_from_slice(&args);
        let out = pacto(&a);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: {}", text(&out.stdout));
        assert!(
            text(&out.stderr).contains("\"ghost\" not found in the fleet snapshot"),
            "{}",
            text(&out.stderr)
        );
    }
}

#[test]
fn unsupported_and_missing_sources_are_limitations_not_empty_answers() {
    let out = pacto(&[
        "fleet",
        "search",
        "--local",
        "fixtures/demo-v2",
        "--k8s",
        "--output-format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["meta"]["completeness"], "partial");
    assert_eq!(v["meta"]["limitations"][0]["code"], "SOURCE_UNAVAILABLE");
    assert_eq!(v["meta"]["limitations"][0]["source"], "k8s");
    assert_eq!(v["total"], 7, "the local records are still there");
    // Go's source order: local, target-state, traces, oci, cache, k8s.
    let out = pacto(&[
        "fleet",
        "snapshot",
        "--local",
        "fixtures/demo-v2",
        "--k8s",
        "--cache",
        "--oci",
        "oci://127.0.0.1:1/ghost:1.0.0",
        "--output-format",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["local", "oci", "cache", "k8s"]);
    let out = pacto(&["fleet", "search", "--local", "fixtures/no-such-dir"]);
    assert!(
        text(&out.stderr).contains("warning: answer is partial"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn snapshot_is_deterministic_with_as_of() {
    let a = fleet_json(&["snapshot"]);
    let b = fleet_json(&["snapshot"]);
    assert_eq!(a, b);
    assert_eq!(a["generatedAt"], AS_OF);
    assert_eq!(a["services"].as_object().unwrap().len(), 7);
    let out = pacto(&[
        "fleet",
        "snapshot",
        "--local",
        "fixtures/demo-v2",
        "--output-format",
        "markdown",
    ]);
    let md = text(&out.stdout);
    assert!(
        md.contains("| orders | commerce | NotEvaluated | 1.0.0, 2.0.0 | 0 |"),
        "{md}"
    );
}

/// `PACTO_TEST_REGISTRY` from `scripts/test-infra start`; skipped without it unless `CI`.
fn registry_or_skip(test: &str) -> Option<String> {
    match std::env::var("PACTO_TEST_REGISTRY") {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            if std::env::var_os("CI").is_some() {
                panic!("PACTO_TEST_REGISTRY is not set: run `eval \"$(scripts/test-infra start)\"` first");
            }
            eprintln!("skipping {test}: PACTO_TEST_REGISTRY is not set");
            None
        }
    }
}

#[test]
fn oci_sources_join_the_snapshot_and_a_missing_ref_is_partial() {
    let Some(reg) = registry_or_skip("fleet --oci") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let repo = format!("{reg}/pacto-cli-test/fleet-{}-{nanos}", std::process::id());
    let run = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_pacto"));
        for k in [
            "PACTO_OUTPUT_FORMAT",
            "PACTO_OFFLINE",
            "PACTO_NO_CACHE",
            "PACTO_PLAIN_HTTP",
        ] {
            c.env_remove(k);
        }
        c.env("HOME", home.path())
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .env("DOCKER_CONFIG", home.path().join("docker"))
            .args(args)
            .current_dir(root())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    for b in ["orders/2.0.0", "storefront/1.1.0"] {
        let service = b.split('/').next().unwrap();
        let o = run(&[
            "push",
            &format!("oci://{repo}/{service}"),
            "-p",
            &format!("fixtures/demo-v2/{b}"),
        ]);
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    let local = empty.path().display().to_string();
    let o = run(&[
        "fleet",
        "--local",
        &local,
        "--oci",
        &format!("oci://{repo}/orders:2.0.0"),
        "--oci",
        &format!("oci://{repo}/storefront:1.1.0"),
        "--oci",
        &format!("oci://{repo}/nope:1.0.0"),
        "--output-format",
        "json",
        "get",
        "orders",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["revisions"][0]["version"], "2.0.0");
    assert_eq!(v["revisions"][0]["source"], "oci");
    assert_eq!(v["dependents"], serde_json::json!(["storefront"]));
    assert_eq!(v["meta"]["completeness"], "partial");
    assert_eq!(v["meta"]["limitations"][0]["code"], "SOURCE_PARTIAL");
    assert!(v["meta"]["limitations"][0]["message"]
        .as_str()
        .unwrap()
        .contains("nope:1.0.0"));
}

#[test]
fn a_text_warning_lists_at_most_20_limitations() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..25 {
        let d = dir.path().join(format!("svc-{i:02}"));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("pacto.yaml"), "service:\n  name: x\n").unwrap();
    }
    let out = pacto(&[
        "fleet",
        "search",
        "--local",
        &dir.path().display().to_string(),
    ]);
    let err = text(&out.stderr);
    assert_eq!(err.matches("[SOURCE_RECORD_INVALID]").count(), 20, "{err}");
    assert!(err.contains("pactoVersion is missing"), "{err}");
    assert!(err.contains("… and 5 more limitation(s)"), "{err}");
}

#[test]
fn get_and_explain_render_markdown() {
    let out = pacto(&[
        "fleet",
        "--local",
        "fixtures/demo-v2",
        "--target-state",
        "fixtures/fleet/targets.yaml",
        "--output-format",
        "markdown",
        "get",
        "orders",
    ]);
    let md = text(&out.stdout);
    assert!(
        md.starts_with("# orders\n\nOwner: commerce · Status: NonCompliant"),
        "{md}"
    );
    assert!(md.contains("**Dependents:** dispatch, storefront"), "{md}");
    let out = pacto(&[
        "fleet",
        "--local",
        "fixtures/demo-v2",
        "--target-state",
        "fixtures/fleet/targets.yaml",
        "--output-format",
        "markdown",
        "explain",
        "orders",
    ]);
    let md = text(&out.stdout);
    assert!(md.starts_with("# service orders: NonCompliant\n"), "{md}");
    assert!(
        md.contains("- `PERSISTENCE_MISMATCH` declared stateless"),
        "{md}"
    );
}
