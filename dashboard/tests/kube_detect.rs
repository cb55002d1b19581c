//! Cluster detection as the command does it: kube's `Config::infer` reads `KUBECONFIG`, probes
//! the API server, discovers the CRD. One test in its own binary, because it sets process
//! environment variables.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

#[path = "support/kube_api.rs"]
mod kube_api;

use pacto_dashboard::{Config, Dashboard};
use std::sync::Arc;
use std::time::Duration;

fn config(dir: &std::path::Path) -> Config {
    Config {
        dir: Some(dir.to_path_buf()),
        no_cache: true,
        kubernetes: true,
        diagnostics: true,
        refresh: Duration::from_secs(3600),
        ..Config::default()
    }
}

#[test]
fn kubeconfig_from_the_environment_is_detected_probed_and_diagnosed() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let api = kube_api::KubeApi::start();
    api.add(
        "pactos",
        r#"{"apiVersion":"pacto.trianalab.io/v1alpha1","kind":"Pacto","metadata":{"name":"billing","namespace":"shop"},"status":{"contractStatus":"Compliant","contractVersion":"1.0.0"}}"#,
    );
    let kubeconfig = api.kubeconfig(tmp.path());
    // Edition 2021: setting the environment is safe; this binary runs this one test only.
    std::env::set_var("KUBECONFIG", &kubeconfig);
    std::env::remove_var("KUBERNETES_SERVICE_HOST");
    let d = Arc::new(Dashboard::detect(config(empty.path()), None));
    let k8s = d
        .detected()
        .into_iter()
        .find(|x| x.kind.as_str() == "k8s")
        .unwrap();
    assert!(k8s.enabled, "{}", k8s.reason);
    assert!(k8s.location.contains(kubeconfig.to_str().unwrap()));
    assert!(d.has_sources(), "a cluster alone is a source");
    assert!(api.requests().iter().any(|r| r == "GET /version"), "probed");
    let snap = d.refresh();
    assert_eq!(snap.services.len(), 1);
    assert_eq!(snap.services["billing"].contract_status, "Compliant");
    let diag = d.diagnostics()["kubernetes"].clone();
    assert_eq!(diag["clusterReachable"], true);
    assert_eq!(diag["crdExists"], true);
    assert_eq!(diag["detectedGroup"], "pacto.trianalab.io");
    assert_eq!(diag["resourceCount"], 1);
    assert_eq!(diag["kubeconfigPath"], kubeconfig.to_str().unwrap());

    // A kubeconfig whose server does not answer: disabled, with the reason and diagnostics.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = dead.local_addr().unwrap();
    drop(dead);
    let cfg = tmp.path().join("dead");
    std::fs::write(
        &cfg,
        format!("apiVersion: v1\nkind: Config\nclusters:\n- name: d\n  cluster:\n    server: http://{addr}\ncontexts:\n- name: d\n  context:\n    cluster: d\n    user: d\ncurrent-context: d\nusers:\n- name: d\n  user: {{}}\n"),
    )
    .unwrap();
    std::env::set_var("KUBECONFIG", &cfg);
    let d = Dashboard::detect(config(empty.path()), None);
    let k8s = d
        .detected()
        .into_iter()
        .find(|x| x.kind.as_str() == "k8s")
        .unwrap();
    assert!(!k8s.enabled);
    assert!(k8s.reason.contains("unreachable"), "{}", k8s.reason);
    assert!(!d.has_sources());
    let diag = d.diagnostics()["kubernetes"].clone();
    assert_eq!(diag["clientConfigured"], true);
    assert_eq!(diag["clusterReachable"], false);

    // A kubeconfig that cannot be used says so (not "no kubeconfig").
    std::fs::write(tmp.path().join("broken"), "clusters: [").unwrap();
    std::env::set_var("KUBECONFIG", tmp.path().join("broken"));
    let d = Dashboard::detect(config(empty.path()), None);
    let k8s = d
        .detected()
        .into_iter()
        .find(|x| x.kind.as_str() == "k8s")
        .unwrap();
    assert!(!k8s.enabled);
    assert!(
        k8s.reason.contains("cannot use the kubeconfig"),
        "{}",
        k8s.reason
    );

    // No configuration at all.
    std::env::set_var("KUBECONFIG", tmp.path().join("missing"));
    std::env::set_var("HOME", tmp.path());
    let d = Dashboard::detect(config(empty.path()), None);
    let k8s = d
        .detected()
        .into_iter()
        .find(|x| x.kind.as_str() == "k8s")
        .unwrap();
    assert!(!k8s.enabled);
    assert!(k8s.reason.contains("no kubeconfig"), "{}", k8s.reason);
}
