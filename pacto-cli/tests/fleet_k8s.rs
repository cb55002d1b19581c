//! `pacto fleet --k8s [--namespace NS]` end to end against a scripted Kubernetes API server
//! (`dashboard/tests/support/kube_api.rs`: plain HTTP on loopback, reached through a kubeconfig
//! like any cluster). It is a FAKE: no real API server can run on this machine
//! (TEST-INFRA.md §2); it answers discovery and the Pacto lists the way the API does.
//!
//! What a user meets: the cluster's Pacto resources become targets with the operator's status,
//! linked to the exact revision their resolved reference names; `--namespace` narrows the list;
//! an unreachable cluster, a refused list or no kubeconfig is a SOURCE_UNAVAILABLE limitation
//! (the answer partial, the local records kept), never a crash, and within a bounded time; a
//! cluster without the CRD is reachable with nothing declared.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

#[path = "../../dashboard/tests/support/kube_api.rs"]
mod kube_api;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const AS_OF: &str = "2026-12-01T00:00:00Z";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `pacto fleet <args> --local fixtures/demo-v2 --as-of … --output-format json` with
/// `KUBECONFIG` (when given); returns the output.
fn pacto(kubeconfig: Option<&Path>, args: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_pacto"));
    for k in [
        "PACTO_OUTPUT_FORMAT",
        "PACTO_NO_CACHE",
        "PACTO_PLAIN_HTTP",
        "KUBECONFIG",
        "KUBERNETES_SERVICE_HOST",
        "KUBERNETES_SERVICE_PORT",
    ] {
        c.env_remove(k);
    }
    if let Some(k) = kubeconfig {
        c.env("KUBECONFIG", k);
    }
    c.env("HOME", home.path())
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("PACTO_OFFLINE", "1")
        .arg("fleet")
        .args(args)
        .args([
            "--local",
            "fixtures/demo-v2",
            "--as-of",
            AS_OF,
            "--output-format",
            "json",
        ])
        .current_dir(root())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn json(out: &Output) -> Value {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The revision key of `service` at `version` in the local demo fleet.
fn revision_key(service: &str, version: &str) -> String {
    let v = json(&pacto(None, &["get", service]));
    v["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["version"] == version)
        .unwrap()["key"]
        .as_str()
        .unwrap()
        .to_string()
}

fn source<'a>(snapshot: &'a Value, id: &str) -> &'a Value {
    snapshot["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no source {id}: {}", snapshot["sources"]))
}

/// A fake cluster with a reconciled storefront (running 1.0.0, by digest) in `shop` and an
/// orders resource the operator has not reconciled yet in `ops`.
fn cluster(storefront_key: &str) -> kube_api::KubeApi {
    let api = kube_api::KubeApi::start();
    let digest = storefront_key.split_once('@').unwrap().1;
    api.add(
        "pactos",
        &format!(
            r#"{{"apiVersion":"pacto.trianalab.io/v1alpha1","kind":"Pacto","metadata":{{"name":"storefront-prod","namespace":"shop"}},"status":{{"contractStatus":"NonCompliant","contract":{{"serviceName":"storefront","resolvedRef":"oci://ghcr.io/larkspur/storefront:1.0.0@{digest}"}},"evaluationCoverage":{{"evaluated":3,"required":4}},"findings":[{{"code":"INTERFACE_ABSENT","severity":"error","category":"RuntimeDrift","subject":"interface/web","message":"port 8080 is not exposed"}}],"lastReconciledAt":"2026-11-30T12:00:00Z"}}}}"#
        ),
    );
    api.add(
        "pactos",
        r#"{"apiVersion":"pacto.trianalab.io/v1alpha1","kind":"Pacto","metadata":{"name":"orders","namespace":"ops"}}"#,
    );
    api
}

#[test]
fn pacto_resources_are_targets_linked_to_the_revision_they_run() {
    let key = revision_key("storefront", "1.0.0");
    let api = cluster(&key);
    let tmp = tempfile::tempdir().unwrap();
    let kubeconfig = api.kubeconfig(tmp.path());

    let snap = json(&pacto(Some(&kubeconfig), &["snapshot", "--k8s"]));
    assert_eq!(snap["completeness"], "complete", "{}", snap["limitations"]);
    let src = source(&snap, "fake");
    assert_eq!(src["kind"], "kubernetes");
    assert_eq!(src["status"], "available");
    assert_eq!(src["targetCount"], 2);
    let t = &snap["targets"]["shop/kubernetes/storefront-prod"];
    assert_eq!(t["service"], "storefront");
    assert_eq!(t["compliance"], "NonCompliant");
    assert_eq!(t["contractRevision"], key.as_str());
    assert_eq!(t["revisionMatch"], "exact");
    assert_eq!(t["coverage"]["evaluated"], 3);
    assert_eq!(t["findings"][0]["code"], "INTERFACE_ABSENT");
    assert_eq!(t["evidenceAt"], "2026-11-30T12:00:00Z");
    assert_eq!(t["source"], "fake");
    let orders = &snap["targets"]["ops/kubernetes/orders"];
    assert_eq!(orders["service"], "orders");
    assert_eq!(orders["compliance"], "Unknown");
    assert_eq!(snap["services"]["storefront"]["status"], "NonCompliant");

    // The same target answers get, status and a graph rooted at it (storefront 1.0.0 does
    // not depend on dispatch; 1.1.0 does).
    let g = json(&pacto(
        Some(&kubeconfig),
        &["graph", "--target", "storefront-prod", "--k8s"],
    ));
    assert_eq!(g["root"], "storefront");
    assert_eq!(g["revision"], key.as_str());
    assert_eq!(g["aggregated"], false);
    let nodes: Vec<&str> = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(nodes, ["menu", "orders"]);
    let status = json(&pacto(
        Some(&kubeconfig),
        &["status", "--non-compliant", "--k8s"],
    ));
    assert_eq!(
        status["items"][0]["name"],
        "shop/kubernetes/storefront-prod"
    );

    // Freshness applies to the operator's lastReconciledAt (12h before --as-of).
    let stale = json(&pacto(
        Some(&kubeconfig),
        &["status", "--stale", "--freshness", "6h", "--k8s"],
    ));
    assert_eq!(stale["items"][0]["code"], "STALE_EVIDENCE");
    assert_eq!(stale["items"][0]["name"], "shop/kubernetes/storefront-prod");

    // --namespace reads one namespace only.
    let one = json(&pacto(
        Some(&kubeconfig),
        &["snapshot", "--k8s", "--namespace", "shop"],
    ));
    assert_eq!(source(&one, "fake")["targetCount"], 1);
    assert!(one["targets"].get("ops/kubernetes/orders").is_none());
    assert!(
        api.requests()
            .iter()
            .any(|r| r.starts_with("GET /apis/pacto.trianalab.io/v1alpha1/namespaces/shop/pactos")),
        "{:?}",
        api.requests()
    );
    assert!(
        api.requests().iter().all(|r| r.starts_with("GET ")),
        "read-only: {:?}",
        api.requests()
    );
}

#[test]
fn an_unreachable_cluster_or_a_refused_list_is_a_limitation_not_a_crash() {
    let tmp = tempfile::tempdir().unwrap();
    // Unreachable: the kubeconfig names a loopback port nothing listens on.
    let (kubeconfig, server) = {
        let api = kube_api::KubeApi::start();
        (api.kubeconfig(tmp.path()), format!("http://{}/", api.addr))
    };
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    let v = json(&pacto(Some(&kubeconfig), &["search", "--k8s"]));
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "bounded: {:?}",
        started.elapsed()
    );
    assert_eq!(v["meta"]["completeness"], "partial");
    let l = &v["meta"]["limitations"][0];
    assert_eq!(l["code"], "SOURCE_UNAVAILABLE");
    assert_eq!(l["source"], "fake");
    assert!(
        {
            let m = l["message"].as_str().unwrap();
            m.contains("discovering pacto crd")
                && m.contains(&format!("cannot reach {server}"))
                && m.contains("refused")
        },
        "{l}"
    );
    assert_eq!(v["total"], 7, "the local records are still there");

    // A list the API server refuses (RBAC): its status code in the limitation.
    let api = cluster(&revision_key("storefront", "1.0.0"));
    let kubeconfig = api.kubeconfig(tmp.path());
    api.fail_lists(403);
    let v = json(&pacto(Some(&kubeconfig), &["snapshot", "--k8s"]));
    assert_eq!(v["completeness"], "partial");
    let src = source(&v, "fake");
    assert_eq!(src["status"], "unavailable");
    let msg = v["limitations"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("listing pactos") && msg.contains("403"),
        "{msg}"
    );

    // No CRD installed: reachable, nothing declared, complete.
    api.without_crd();
    let v = json(&pacto(Some(&kubeconfig), &["snapshot", "--k8s"]));
    assert_eq!(v["completeness"], "complete", "{}", v["limitations"]);
    assert_eq!(source(&v, "fake")["targetCount"], 0);

    // No kubeconfig at all: the source is `k8s`, unavailable, and says why.
    let v = json(&pacto(None, &["snapshot", "--k8s"]));
    assert_eq!(v["completeness"], "partial");
    assert_eq!(v["limitations"][0]["source"], "k8s");
    assert!(
        v["limitations"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no kubeconfig (KUBECONFIG is unset, ~/.kube/config is absent)"),
        "{}",
        v["limitations"][0]
    );
}

/// `pacto mcp --fleet --k8s` reads the cluster as `pacto fleet --k8s` does: the MCP tool's
/// answer is the CLI's JSON.
#[test]
fn mcp_fleet_reads_the_cluster_as_the_cli_does() {
    use std::io::{BufRead, BufReader, Write};
    let api = cluster(&revision_key("storefront", "1.0.0"));
    let tmp = tempfile::tempdir().unwrap();
    let kubeconfig = api.kubeconfig(tmp.path());
    let cli = json(&pacto(
        Some(&kubeconfig),
        &["get", "--target", "storefront-prod", "--k8s"],
    ));
    assert_eq!(cli["target"]["compliance"], "NonCompliant");

    let home = tempfile::tempdir().unwrap();
    let root_dir = root();
    let root_s = root_dir.to_str().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pacto"))
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env("KUBECONFIG", &kubeconfig)
        .env("HOME", home.path())
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("PACTO_OFFLINE", "1")
        .args([
            "mcp",
            "--workspace-root",
            root_s,
            "--fleet",
            "--local",
            "fixtures/demo-v2",
            "--k8s",
            "--as-of",
            AS_OF,
        ])
        .current_dir(&root_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for line in [
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"pacto_fleet_get","arguments":{"target":"storefront-prod"}}}"#,
    ] {
        writeln!(stdin, "{line}").unwrap();
    }
    let mut answer = Value::Null;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let Ok(line) = line else { break };
        let v: Value = serde_json::from_str(&line).unwrap();
        if v["id"] == 2 {
            answer = v;
            break;
        }
    }
    drop(stdin);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(answer["result"]["isError"], false, "{answer}");
    assert_eq!(answer["result"]["structuredContent"], cli);
}
