//! Runtime state through kube-rs against a scripted API server (`support/kube_api.rs`, plain
//! HTTP on loopback, reached through a kubeconfig like any cluster): the `Pacto` and
//! `PactoRevision` lists, namespaces, failures and time bounds, and hybrid mode, where the
//! repositories named by the operator's resolved refs become an OCI source read from the real
//! registry of `scripts/test-infra` (`PACTO_TEST_REGISTRY`; skipped with a reason when it is
//! not set, unless `CI` is set).

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

#[path = "support/kube_api.rs"]
mod kube_api;

use kube_api::KubeApi;
#[path = "support/registry.rs"]
mod registry;

use pacto_core::bundle::archive::pack_dir;
use pacto_core::registry::BundleMeta;
use pacto_dashboard::k8s::{KubeSource, RuntimeSource};
use pacto_dashboard::{Config, Dashboard};
use registry::{anonymous_registry, registry_or_skip, unique_prefix};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/demo")
}

fn pacto(ns: &str, name: &str, status: &str) -> String {
    format!(
        r#"{{"apiVersion":"pacto.trianalab.io/v1alpha1","kind":"Pacto","metadata":{{"name":"{name}","namespace":"{ns}","uid":"u-{name}"}},"spec":{{"contractRef":{{"oci":"x"}}}},"status":{status}}}"#
    )
}

fn revision(ns: &str, name: &str, service: &str, version: &str) -> String {
    format!(
        r#"{{"apiVersion":"pacto.trianalab.io/v1alpha1","kind":"PactoRevision","metadata":{{"name":"{name}","namespace":"{ns}"}},"spec":{{"serviceName":"{service}","version":"{version}"}}}}"#
    )
}

#[test]
fn kube_source_reads_pactos_and_revisions_through_the_api() {
    let api = KubeApi::start();
    api.add(
        "pactos",
        &pacto(
            "shop",
            "billing",
            r#"{"contractStatus":"NonCompliant","contractVersion":"2.0.0","resolutionPolicy":"PinnedTag",
              "contract":{"serviceName":"billing","resolvedRef":"reg.example/billing:2.0.0"},
              "endpoints":{"health":{"url":"http://billing/healthz","reachable":true,"statusCode":200}},
              "conditions":[{"type":"ImageMatch","status":"False","reason":"Mismatch"}]}"#,
        ),
    );
    api.add(
        "pactos",
        &pacto("ops", "legacy", r#"{"contractStatus":"Compliant"}"#),
    );
    api.add(
        "pactorevisions",
        &revision("shop", "billing-1", "billing", "1.0.0"),
    );
    api.add(
        "pactorevisions",
        &revision("shop", "billing-2", "billing", "2.0.0"),
    );
    let tmp = tempfile::tempdir().unwrap();
    let kubeconfig = api.kubeconfig(tmp.path());

    let shop = KubeSource::from_kubeconfig(&kubeconfig, "shop").unwrap();
    let got = shop.snapshot().unwrap();
    assert_eq!(got.len(), 1, "namespace shop only");
    let b = &got[0];
    assert_eq!((b.name.as_str(), b.namespace.as_str()), ("billing", "shop"));
    assert_eq!(b.contract_status, "NonCompliant");
    assert_eq!(b.version, "2.0.0");
    assert_eq!(b.version_policy, "pinned-tag");
    assert_eq!(b.resolved_ref, "reg.example/billing:2.0.0");
    assert_eq!(b.revisions, vec!["2.0.0", "1.0.0"], "newest first");
    assert_eq!(b.endpoints[0]["type"], "health");
    assert_eq!(b.endpoints[0]["healthy"], true);
    let reqs = api.requests();
    assert!(
        reqs.iter().any(|r| r
            .starts_with("GET /apis/pacto.trianalab.io/v1alpha1/namespaces/shop/pactos?")
            && r.contains("limit=")),
        "{reqs:?}"
    );
    assert!(
        reqs.iter().any(|r| r == "GET /apis"),
        "CRD discovery: {reqs:?}"
    );
    let d = shop.diagnostics();
    assert_eq!(d["crdExists"], true);
    assert_eq!(d["resourceName"], "pactos");
    assert_eq!(d["chosenVersion"], "v1alpha1");
    assert_eq!(d["resourceCount"], 1);
    assert_eq!(d["allNamespaces"], false);

    // All namespaces: both, sorted by name.
    let all = KubeSource::from_kubeconfig(&kubeconfig, "").unwrap();
    let got = all.snapshot().unwrap();
    let names: Vec<&str> = got.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, vec!["billing", "legacy"]);
    assert!(api
        .requests()
        .iter()
        .any(|r| r.starts_with("GET /apis/pacto.trianalab.io/v1alpha1/pactos?")));
    assert!(
        api.requests().iter().all(|r| r.starts_with("GET ")),
        "the dashboard only reads"
    );

    // A refused list is the source's reason (degraded), not a crash.
    api.fail_lists(403);
    let e = all.snapshot().unwrap_err();
    assert!(e.contains("403"), "{e}");
    assert_eq!(all.diagnostics()["error"], e);
}

#[test]
fn a_cluster_without_the_crd_or_without_answers_is_bounded_and_explained() {
    let api = KubeApi::start();
    api.without_crd();
    let tmp = tempfile::tempdir().unwrap();
    let k = KubeSource::from_kubeconfig(&api.kubeconfig(tmp.path()), "").unwrap();
    let e = k.snapshot().unwrap_err();
    assert!(e.contains("404"), "{e}");
    assert_eq!(k.diagnostics()["crdExists"], false);

    // An API server that accepts connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    let _keep = std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in silent.incoming().flatten() {
            held.push(c);
        }
    });
    let cfg = tmp.path().join("silent");
    std::fs::write(
        &cfg,
        format!("apiVersion: v1\nkind: Config\nclusters:\n- name: s\n  cluster:\n    server: http://{addr}\ncontexts:\n- name: s\n  context:\n    cluster: s\n    user: s\ncurrent-context: s\nusers:\n- name: s\n  user: {{}}\n"),
    )
    .unwrap();
    let k = KubeSource::from_kubeconfig(&cfg, "")
        .unwrap()
        .with_timeout(Duration::from_secs(1));
    let t = std::time::Instant::now();
    let e = k.snapshot().unwrap_err();
    assert!(e.contains("no answer within"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    // A kubeconfig that does not parse.
    std::fs::write(tmp.path().join("broken"), "clusters: [").unwrap();
    assert!(KubeSource::from_kubeconfig(&tmp.path().join("broken"), "").is_err());
}

fn get(base: &str, path: &str) -> Value {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .new_agent();
    let mut r = agent.get(format!("{base}{path}")).call().unwrap();
    let body = r.body_mut().read_to_string().unwrap();
    assert_eq!(r.status().as_u16(), 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

#[test]
fn hybrid_mode_discovers_repositories_from_resolved_refs_and_merges_runtime_state() {
    let Some(reg) = registry_or_skip("hybrid_mode_discovers_repositories") else {
        return;
    };
    let prefix = unique_prefix(&reg, "pacto-dashboard-kube");
    let cache = tempfile::tempdir().unwrap();
    let registry = anonymous_registry(cache.path());
    for (svc, versions) in [
        ("billing", &["1.0.0", "1.1.0", "2.0.0"][..]),
        ("identity", &["1.0.0"][..]),
    ] {
        for v in versions {
            let packed = pack_dir(&demo().join(svc).join(v)).unwrap();
            let meta = BundleMeta {
                name: svc.into(),
                version: (*v).into(),
                pacto_version: "1.0".into(),
            };
            registry
                .push(&format!("{prefix}/{svc}:{v}"), &packed, &meta, false)
                .unwrap();
        }
    }
    registry.forget();

    // The operator resolved billing (pinned tag, bare ref) and identity (oci://, by digest-less
    // tag); legacy has no contract ref at all.
    let api = KubeApi::start();
    api.add(
        "pactos",
        &pacto(
            "shop",
            "billing",
            &format!(
                r#"{{"contractStatus":"Warning","contractVersion":"2.0.0",
                  "contract":{{"serviceName":"billing","resolvedRef":"{prefix}/billing:2.0.0"}},
                  "observedRuntime":{{"workloadKind":"Deployment","hasPVC":false}},
                  "conditions":[{{"type":"ServiceExists","status":"True"}},{{"type":"UpgradeStrategyMatch","status":"False","reason":"Mismatch"}}]}}"#
            ),
        ),
    );
    api.add(
        "pactos",
        &pacto(
            "shop",
            "identity",
            &format!(
                r#"{{"contractStatus":"Compliant","contractVersion":"1.0.0",
                  "contract":{{"serviceName":"identity","resolvedRef":"oci://{prefix}/identity:1.0.0"}},
                  "conditions":[{{"type":"ServiceExists","status":"True"}}]}}"#
            ),
        ),
    );
    api.add(
        "pactos",
        &pacto(
            "ops",
            "legacy-batch",
            r#"{"contractStatus":"Compliant","contractVersion":"0.9.0"}"#,
        ),
    );
    api.add(
        "pactorevisions",
        &revision("shop", "billing-a", "billing", "1.1.0"),
    );
    let tmp = tempfile::tempdir().unwrap();
    let kube = KubeSource::from_kubeconfig(&api.kubeconfig(tmp.path()), "").unwrap();

    let empty = tempfile::tempdir().unwrap();
    let config = Config {
        dir: Some(empty.path().to_path_buf()),
        no_cache: true,
        kubernetes: true,
        refresh: Duration::from_secs(3600),
        ..Config::default()
    };
    let d = Arc::new(Dashboard::with_runtime(
        config,
        Some(registry),
        Some(Arc::new(kube)),
    ));
    assert!(d.has_sources());
    let snap = d.refresh();
    let oci = snap
        .sources
        .iter()
        .find(|s| s.kind.as_str() == "oci")
        .expect("an OCI source from the resolved refs");
    assert_eq!(oci.state, "ok", "{:?}", oci.problems);
    assert_eq!(
        oci.location,
        format!("oci://{prefix}/billing, oci://{prefix}/identity"),
        "tags stripped, deduplicated, sorted"
    );
    assert!(d
        .detected()
        .iter()
        .any(|x| x.reason == "repositories discovered from Kubernetes"));

    // Serve it and check the merge over HTTP.
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let (btx, brx) = std::sync::mpsc::channel();
    let dd = d.clone();
    let server = std::thread::spawn(move || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(pacto_dashboard::serve(
                dd,
                "127.0.0.1:0".parse().unwrap(),
                move |a| btx.send(a).unwrap(),
                async {
                    let _ = rx.await;
                },
            ))
            .unwrap();
    });
    let base = format!(
        "http://{}",
        brx.recv_timeout(Duration::from_secs(120)).unwrap()
    );
    let b = get(&base, "/api/services/billing");
    assert_eq!(b["source"], "oci", "contract content from the registry");
    assert_eq!(b["sources"], serde_json::json!(["oci", "k8s"]));
    assert_eq!(b["contractStatus"], "Warning", "status from Kubernetes");
    assert_eq!(b["version"], "2.0.0");
    assert_eq!(b["interfaces"][0]["name"], "http");
    assert_eq!(b["ref"], format!("oci://{prefix}/billing:2.0.0"));
    assert_eq!(b["compliance"]["score"], 50);
    assert_eq!(b["sectionMeta"]["conditions"]["source"], "k8s");
    assert_eq!(b["sectionMeta"]["interfaces"]["source"], "oci");
    let versions = get(&base, "/api/services/billing/versions");
    let vs: Vec<&str> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(vs, vec!["2.0.0", "1.1.0", "1.0.0"], "every tag listed");
    // An older version is pulled from the discovered repository on demand.
    let old = get(&base, "/api/services/billing/versions/1.0.0");
    assert_eq!(old["version"], "1.0.0");
    assert_eq!(old["source"], "oci");
    let i = get(&base, "/api/services/identity");
    assert_eq!(i["contractStatus"], "Compliant");
    assert_eq!(i["source"], "oci");
    let legacy = get(&base, "/api/services/legacy-batch");
    assert_eq!(legacy["sources"], serde_json::json!(["k8s"]));
    assert_eq!(legacy["sectionMeta"]["interfaces"]["state"], "unavailable");
    // Fleet targets keep the deployment identity apart from the service and revision.
    let t = get(&base, "/api/fleet/target?key=shop/Pacto/billing");
    assert_eq!(t["target"]["service"], "billing");
    assert_eq!(t["target"]["revisionLink"]["certainty"], "inferred");
    assert_eq!(t["target"]["revisionLink"]["retrievable"], true);
    assert!(t["target"]["revisionLink"]["revision"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
    let _ = tx.send(());
    server.join().unwrap();
}
