//! Contract resolution through the real registries of `scripts/test-infra start`
//! (`PACTO_TEST_REGISTRY`, `PACTO_TEST_REGISTRY_AUTH`) and the core registry client, with the
//! cluster side scripted. Without the registries these tests print "skipping" and pass, unless
//! `CI` is set.

#![allow(clippy::unwrap_used)]

mod fake;

use base64::Engine;
use fake::{FakeApi, PACTOS};
use pacto_core::bundle::archive::pack_bundle;
use pacto_core::bundle::MemBundle;
use pacto_core::registry::auth::Static;
use pacto_core::registry::{BundleMeta, Credential, Registry, RegistryOptions};
use pacto_operator::crd::Pacto;
use pacto_operator::metrics::Metrics;
use pacto_operator::reconcile::{self, Context};
use pacto_operator::source::RegistrySource;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const NS: &str = "reg";

fn env_or_skip(var: &str, test: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            if std::env::var_os("CI").is_some() {
                panic!("{var} is not set: run `eval \"$(scripts/test-infra start)\"` first");
            }
            eprintln!(
                "skipping {test}: {var} is not set (run `eval \"$(scripts/test-infra start)\"`)"
            );
            None
        }
    }
}

fn unique_repo(host: &str, test: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{host}/pacto-operator-test/{test}-{}-{}-{}",
        std::process::id(),
        nanos % 1_000_000_000,
        N.fetch_add(1, Ordering::SeqCst)
    )
}

fn contract(version: &str) -> String {
    format!("pactoVersion: \"1.0\"\nservice: {{name: pay, version: {version}}}\ninterfaces:\n  - {{name: api, type: http, port: 8080}}\n")
}

/// Push `pacto.yaml` for `version` to `repo:version`; returns the manifest digest.
fn push(registry: &Registry, repo: &str, version: &str) -> String {
    let bundle = MemBundle::new("test").with("pacto.yaml", contract(version).into_bytes());
    let packed = pack_bundle(&bundle).unwrap();
    let meta = BundleMeta {
        name: "pay".into(),
        version: version.into(),
        pacto_version: "1.0".into(),
    };
    registry
        .push(&format!("{repo}:{version}"), &packed, &meta, true)
        .unwrap()
        .digest
}

fn options() -> RegistryOptions {
    RegistryOptions {
        no_cache: true,
        ..Default::default()
    }
}

fn harness() -> (FakeApi, Arc<Context>) {
    let api = FakeApi::new();
    let source = Arc::new(RegistrySource::new(options(), Duration::from_secs(300)));
    let ctx = Arc::new(Context::new(
        api.client(),
        source,
        Arc::new(Metrics::default()),
    ));
    (api, ctx)
}

async fn reconcile(api: &FakeApi, ctx: &Arc<Context>, name: &str, spec: Value) -> Value {
    let p: Pacto = serde_json::from_value(json!({
        "apiVersion": "pacto.trianalab.io/v1alpha1", "kind": "Pacto",
        "metadata": {"name": name, "namespace": NS, "uid": format!("uid-{name}")},
        "spec": spec
    }))
    .unwrap();
    let path = format!("{PACTOS}/{NS}/pactos/{name}");
    api.put(&path, serde_json::to_value(&p).unwrap());
    reconcile::reconcile(Arc::new(p), ctx.clone())
        .await
        .unwrap();
    api.get(&path).unwrap()["status"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn highest_semver_tag_is_resolved_and_each_tag_gets_its_digest() {
    let Some(host) = env_or_skip("PACTO_TEST_REGISTRY", "highest_semver_tag") else {
        return;
    };
    let repo = unique_repo(&host, "latest");
    let r = Registry::new(options(), Arc::new(pacto_core::registry::auth::Anonymous));
    let d1 = push(&r, &repo, "1.0.0");
    let d2 = push(&r, &repo, "1.10.0");
    let d3 = push(&r, &repo, "1.9.0");
    let (api, ctx) = harness();
    let st = reconcile(
        &api,
        &ctx,
        "pay",
        json!({"contractRef": {"oci": format!("oci://{repo}")}}),
    )
    .await;
    assert_eq!(st["contractStatus"], "Reference", "{st:#}");
    assert_eq!(st["contractVersion"], "1.10.0");
    assert_eq!(st["resolutionPolicy"], "Latest");
    assert_eq!(st["contract"]["resolvedRef"], format!("{repo}:1.10.0"));
    let mut revs: Vec<(String, String)> = api
        .list(&format!("{PACTOS}/{NS}/pactorevisions/"))
        .into_iter()
        .map(|(_, r)| {
            (
                r["spec"]["version"].as_str().unwrap().to_string(),
                r["spec"]["source"]["digest"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    revs.sort();
    assert_eq!(
        revs,
        [
            ("1.0.0".to_string(), d1),
            ("1.10.0".to_string(), d2.clone()),
            ("1.9.0".to_string(), d3)
        ]
    );

    // Pinned by digest: that exact manifest, and no tag sync.
    let (api, ctx) = harness();
    let st = reconcile(
        &api,
        &ctx,
        "pinned",
        json!({"contractRef": {"oci": format!("{repo}@{d2}")}}),
    )
    .await;
    assert_eq!(st["resolutionPolicy"], "PinnedDigest");
    assert_eq!(st["contractVersion"], "1.10.0");
    assert_eq!(api.list(&format!("{PACTOS}/{NS}/pactorevisions/")).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dockerconfigjson_pull_secret_against_an_authenticated_registry() {
    let Some(host) = env_or_skip("PACTO_TEST_REGISTRY_AUTH", "dockerconfigjson_pull_secret") else {
        return;
    };
    let user = std::env::var("PACTO_TEST_REGISTRY_USER").unwrap_or_else(|_| "pacto".into());
    let pass = std::env::var("PACTO_TEST_REGISTRY_PASSWORD").unwrap_or_else(|_| "secret".into());
    let repo = unique_repo(&host, "auth");
    let r = Registry::new(
        options(),
        Arc::new(Static(Credential::Basic {
            username: user.clone(),
            password: pass.clone(),
        })),
    );
    push(&r, &repo, "2.0.0");

    let (api, ctx) = harness();
    let secret = |name: &str, password: &str| {
        let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        let cfg = json!({"auths": {host.clone(): {"auth": auth}}}).to_string();
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name},
               "type": "kubernetes.io/dockerconfigjson",
               "data": {".dockerconfigjson": base64::engine::general_purpose::STANDARD.encode(cfg)}})
    };
    api.put(
        &format!("/api/v1/namespaces/{NS}/secrets/good"),
        secret("good", &pass),
    );
    api.put(
        &format!("/api/v1/namespaces/{NS}/secrets/bad"),
        secret("bad", "wrong"),
    );
    let st = reconcile(
        &api,
        &ctx,
        "ok",
        json!({"contractRef": {"oci": format!("{repo}:2.0.0"), "pullSecretRef": "good"}}),
    )
    .await;
    assert_eq!(st["contractStatus"], "Reference", "{st:#}");
    assert_eq!(st["contractVersion"], "2.0.0");

    let st = reconcile(
        &api,
        &ctx,
        "denied",
        json!({"contractRef": {"oci": format!("{repo}:2.0.0"), "pullSecretRef": "bad"}}),
    )
    .await;
    assert_eq!(st["contractStatus"], "Unknown", "{st:#}");
    assert_eq!(st["conditions"][0]["reason"], "RegistryAuthFailed");

    // Without any credential the registry refuses too: Unknown, never a crash.
    let st = reconcile(
        &api,
        &ctx,
        "anon",
        json!({"contractRef": {"oci": format!("{repo}:2.0.0")}}),
    )
    .await;
    assert_eq!(st["contractStatus"], "Unknown", "{st:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_port_is_registry_unreachable() {
    // No infrastructure needed: nothing listens on port 9 of loopback.
    let (api, ctx) = harness();
    let st = reconcile(&api, &ctx, "closed", json!({"contractRef": {"oci": "127.0.0.1:9/acme/svc:1.0.0"}, "target": {"serviceName": "svc"}})).await;
    assert_eq!(st["contractStatus"], "Unknown", "{st:#}");
    assert_eq!(st["conditions"][0]["reason"], "RegistryUnreachable");
    assert!(st["conditions"][0]["message"]
        .as_str()
        .unwrap()
        .contains("127.0.0.1:9"));
}
