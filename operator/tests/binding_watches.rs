//! Pacto 2.0 `configBindings` are watched: an edit of a bound ConfigMap or Secret re-reconciles
//! the Pactos that bind it, and only those, at once (not at the next `checkIntervalSeconds`
//! resync, 300 s by default). The running controller against the scripted API.

#![allow(clippy::unwrap_used)]

mod fake;

use fake::{FakeApi, MemSource, PACTOS};
use pacto_operator::metrics::Metrics;
use pacto_operator::reconcile::Context;
use pacto_operator::runtime_v2::Options;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

const NS: &str = "shop";
const CONFIGMAPS: &str = "/api/v1/namespaces/shop/configmaps";
const SECRETS: &str = "/api/v1/namespaces/shop/secrets";

const ORDERS: &str = r#"pactoVersion: "2.0"
service: {name: orders-api, version: 1.2.0, owner: {team: orders}}
interfaces:
  - {name: http, type: openapi, ref: interfaces/openapi.yaml}
configurations:
  - {name: default, schema: configuration/schema.json, required: true}
workload: service
"#;
const SCHEMA: &str =
    r#"{"type": "object", "properties": {"port": {"type": "number"}}, "required": ["port"]}"#;
const OCI: &str = "ghcr.io/acme/orders-api-pacto:1.2.0";

fn publish(src: &MemSource) {
    let openapi = "openapi: 3.0.3\ninfo: {title: orders, version: 1.2.0}\npaths: {}\n";
    let bundle = pacto_core::bundle::MemBundle::new(OCI)
        .with("pacto.yaml", ORDERS)
        .with("configuration/schema.json", SCHEMA)
        .with("interfaces/openapi.yaml", openapi);
    src.publish_bundle(
        "ghcr.io/acme/orders-api-pacto",
        "1.2.0",
        ORDERS,
        &fake::digest_of(ORDERS),
        bundle,
    );
}

/// A Pacto of the orders contract whose configuration `default` is bound by `binding`.
fn pacto(name: &str, binding: Value) -> Value {
    json!({
        "apiVersion": "pacto.trianalab.io/v1alpha1",
        "kind": "Pacto",
        "metadata": {"name": name, "namespace": NS, "uid": format!("uid-{name}"),
                     "generation": 1, "resourceVersion": "10"},
        "spec": {
            "contractRef": {"oci": OCI},
            "target": {
                "serviceName": "orders-api",
                "interfaceBindings": [{"interface": "http", "servicePort": "http"}],
                "configBindings": [binding]
            }
        }
    })
}

fn configmap(name: &str, rv: &str, text: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": name, "namespace": NS, "resourceVersion": rv},
           "data": {"app.yaml": text}})
}

fn status(api: &FakeApi, name: &str) -> Value {
    api.get(&format!("{PACTOS}/{NS}/pactos/{name}"))
        .map(|o| o["status"].clone())
        .unwrap_or(Value::Null)
}

/// Status writes (server-side apply of `/status`) of Pacto `name` so far.
fn writes(api: &FakeApi, name: &str) -> usize {
    let path = format!("{PACTOS}/{NS}/pactos/{name}/status");
    api.requests()
        .iter()
        .filter(|r| r.method == "PATCH" && r.path == path)
        .count()
}

async fn wait_until(limit: Duration, cond: impl Fn() -> bool) -> Option<Duration> {
    let t = Instant::now();
    while t.elapsed() < limit {
        if cond() {
            return Some(t.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_bound_configmap_or_secret_re_reconciles_only_the_pactos_binding_it() {
    let api = FakeApi::new();
    api.put(
        &format!("/api/v1/namespaces/{NS}/services/orders-api"),
        json!({"apiVersion": "v1", "kind": "Service",
               "metadata": {"name": "orders-api", "namespace": NS, "resourceVersion": "2"},
               "spec": {"ports": [{"name": "http", "port": 80, "targetPort": 8080}]}}),
    );
    api.put(
        &format!("/apis/apps/v1/namespaces/{NS}/deployments/orders-api"),
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "orders-api", "namespace": NS, "resourceVersion": "3"},
               "spec": {"replicas": 1, "selector": {}, "template": {"spec": {"containers": [
                   {"name": "app", "image": "orders:1.2.0"}]}}},
               "status": {"readyReplicas": 1}}),
    );
    api.put(
        &format!("{CONFIGMAPS}/orders-api-config"),
        configmap("orders-api-config", "4", "port: 8080\n"),
    );
    api.put(
        &format!("{CONFIGMAPS}/billing-config"),
        configmap("billing-config", "5", "port: 9090\n"),
    );
    api.put(
        &format!("{SECRETS}/ledger-config"),
        json!({"apiVersion": "v1", "kind": "Secret",
               "metadata": {"name": "ledger-config", "namespace": NS, "resourceVersion": "6"},
               "data": {"app.yaml": "cG9ydDogODA4MAo="}}),
    );
    let cm = |name: &str| {
        json!({"configuration": "default", "kind": "ConfigMap", "name": name,
               "key": "app.yaml", "format": "yaml"})
    };
    for (name, binding) in [
        ("orders-api", cm("orders-api-config")),
        ("billing", cm("billing-config")),
        (
            "ledger",
            json!({"configuration": "default", "kind": "Secret", "name": "ledger-config"}),
        ),
    ] {
        api.put(
            &format!("{PACTOS}/{NS}/pactos/{name}"),
            pacto(name, binding),
        );
    }
    let src = Arc::new(MemSource::default());
    publish(&src);
    let mut ctx = Context::new(api.client(), src, Arc::new(Metrics::default()));
    ctx.v2 = Options {
        stabilization_window: Duration::ZERO,
        ..Options::default()
    };
    ctx.sync_all_tags = false;
    let run = tokio::spawn(pacto_operator::controller::run(
        Arc::new(ctx),
        Some(NS.to_string()),
    ));

    // First reconciles: the ConfigMap-bound Pactos conform, the Secret-bound one shows
    // existence only (Go: a Secret's data is never read).
    wait_until(Duration::from_secs(20), || {
        ["orders-api", "billing", "ledger"]
            .iter()
            .all(|n| status(&api, n)["observedGeneration"] == 1)
    })
    .await
    .expect("no first reconcile within 20 s");
    assert_eq!(status(&api, "orders-api")["contractStatus"], "Compliant");
    assert_eq!(status(&api, "billing")["contractStatus"], "Compliant");
    assert_eq!(status(&api, "ledger")["contractStatus"], "Unknown");
    // Let the watches settle, then count the status writes.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let billing = writes(&api, "billing");

    // 1. The bound ConfigMap is edited to break the configuration's schema.
    let edited = configmap("orders-api-config", "21", "host: localhost\n");
    api.put(&format!("{CONFIGMAPS}/orders-api-config"), edited.clone());
    api.push_watch_event(CONFIGMAPS, "MODIFIED", edited);
    let took = wait_until(Duration::from_secs(10), || {
        status(&api, "orders-api")["contractStatus"] == "NonCompliant"
    })
    .await
    .unwrap_or_else(|| panic!("not re-reconciled: {:#}", status(&api, "orders-api")));
    println!("ConfigMap edit reconciled after {took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    let st = status(&api, "orders-api");
    assert_eq!(
        st["findings"][0]["code"], "CONFIGURATION_MISMATCH",
        "{st:#}"
    );
    assert_eq!(st["findings"][0]["subject"], "configuration/default");

    // 2. The bound Secret is deleted: the Pacto binding it sees it absent at once.
    let gone = api.remove(&format!("{SECRETS}/ledger-config")).unwrap();
    api.push_watch_event(SECRETS, "DELETED", gone);
    let took = wait_until(Duration::from_secs(10), || {
        status(&api, "ledger")["contractStatus"] == "NonCompliant"
    })
    .await
    .unwrap_or_else(|| panic!("not re-reconciled: {:#}", status(&api, "ledger")));
    println!("Secret deletion reconciled after {took:?}");
    assert_eq!(
        status(&api, "ledger")["findings"][0]["code"],
        "CONFIGURATION_ABSENT"
    );

    // 3. A Pacto binding neither object was not reconciled again.
    tokio::time::sleep(Duration::from_millis(500)).await;
    run.abort();
    assert_eq!(
        writes(&api, "billing"),
        billing,
        "billing was re-reconciled"
    );
    assert_eq!(status(&api, "billing")["contractStatus"], "Compliant");
}

/// The mapping itself: same namespace, same kind, same name.
#[test]
fn bindings_map_to_the_pactos_that_name_them() {
    use pacto_operator::controller::{pactos_binding, pactos_using_secret_or_binding};
    use pacto_operator::crd::{ConfigBindingKind, Pacto};
    let p = |name: &str, ns: &str, binding: Value| -> Pacto {
        let mut v = pacto(name, binding);
        v["metadata"]["namespace"] = json!(ns);
        serde_json::from_value(v).unwrap()
    };
    let mut pull = p(
        "puller",
        NS,
        json!({"configuration": "default", "kind": "ConfigMap", "name": "x"}),
    );
    pull.spec.contract_ref.pull_secret_ref = Some("creds".into());
    let pactos = [
        p(
            "a",
            NS,
            json!({"configuration": "default", "kind": "ConfigMap", "name": "creds"}),
        ),
        p(
            "b",
            NS,
            json!({"configuration": "default", "kind": "Secret", "name": "creds"}),
        ),
        p(
            "c",
            "other",
            json!({"configuration": "default", "kind": "Secret", "name": "creds"}),
        ),
        pull,
    ];
    let names = |refs: Vec<kube::runtime::reflector::ObjectRef<Pacto>>| -> Vec<String> {
        refs.into_iter().map(|r| r.name).collect()
    };
    assert_eq!(
        names(pactos_binding(
            &pactos,
            NS,
            ConfigBindingKind::ConfigMap,
            "creds"
        )),
        ["a"]
    );
    assert_eq!(
        names(pactos_binding(
            &pactos,
            NS,
            ConfigBindingKind::Secret,
            "creds"
        )),
        ["b"]
    );
    assert_eq!(
        names(pactos_using_secret_or_binding(&pactos, NS, "creds")),
        ["b", "puller"]
    );
    assert!(pactos_binding(&pactos, NS, ConfigBindingKind::ConfigMap, "x").len() == 1);
}
