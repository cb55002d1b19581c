//! The process around the reconciler: the metrics/health server, Lease leader election against
//! the scripted API, and the watch mapping from workloads to the Pactos that target them.

#![allow(clippy::unwrap_used)]

mod fake;

use fake::FakeApi;
use pacto_operator::checks::Check;
use pacto_operator::controller::{self, LeaderElection};
use pacto_operator::crd::{ContractStatus, Pacto};
use pacto_operator::metrics::Metrics;
use serde_json::json;
use std::io::{Read, Write};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

fn http_get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let code = out[9..12].parse().unwrap();
    let body = out.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (code, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_and_health_endpoints() {
    let metrics = Arc::new(Metrics::default());
    metrics.record(
        "prod",
        "pay",
        "payments",
        ContractStatus::Warning,
        &[
            Check::pass("ServiceExists", "Found", ""),
            Check::fail(
                "ImageMatch",
                "Mismatch",
                "",
                pacto_operator::checks::Severity::Error,
            ),
        ],
    );
    let ready = Arc::new(AtomicBool::new(false));
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(controller::serve(l, metrics.clone(), ready.clone()));
    let (code, body) = tokio::task::spawn_blocking(move || http_get(addr, "/metrics"))
        .await
        .unwrap();
    assert_eq!(code, 200);
    for line in [
        "pacto_contract_status{name=\"pay\",namespace=\"prod\",status=\"Warning\"} 1",
        "pacto_contract_status{name=\"pay\",namespace=\"prod\",status=\"Compliant\"} 0",
        "pacto_contract_compliance_status{service=\"payments\",namespace=\"prod\"} 0",
        "pacto_contract_validation_errors{service=\"payments\",namespace=\"prod\"} 1",
        "pacto_contract_validation_warnings{service=\"payments\",namespace=\"prod\"} 0",
        "pacto_contract_validation_result{service=\"payments\",namespace=\"prod\",check=\"ImageMatch\"} 0",
    ] {
        assert!(body.contains(line), "{line} missing from\n{body}");
    }
    assert_eq!(
        tokio::task::spawn_blocking(move || http_get(addr, "/healthz"))
            .await
            .unwrap()
            .0,
        200
    );
    assert_eq!(
        tokio::task::spawn_blocking(move || http_get(addr, "/readyz"))
            .await
            .unwrap()
            .0,
        503
    );
    ready.store(true, std::sync::atomic::Ordering::Relaxed);
    assert_eq!(
        tokio::task::spawn_blocking(move || http_get(addr, "/readyz"))
            .await
            .unwrap()
            .0,
        200
    );
    // A deleted Pacto leaves no series behind.
    metrics.forget("prod", "pay");
    assert!(!metrics.render().contains("name=\"pay\""));
}

#[tokio::test]
async fn lease_leader_election() {
    let api = FakeApi::new();
    let client = api.client();
    let le = |id: &str, secs: u64| LeaderElection {
        api: kube::Api::namespaced(client.clone(), "ops"),
        name: "a4917283.pacto.io".into(),
        identity: id.into(),
        lease_duration: Duration::from_secs(secs),
        retry_period: Duration::from_millis(10),
    };
    let path = "/apis/coordination.k8s.io/v1/namespaces/ops/leases/a4917283.pacto.io";
    assert!(le("a", 15).try_acquire().await.unwrap());
    let lease = api.get(path).unwrap();
    assert_eq!(lease["spec"]["holderIdentity"], "a");
    assert_eq!(lease["spec"]["leaseDurationSeconds"], 15);
    // Held and fresh: b waits; a renews.
    assert!(!le("b", 15).try_acquire().await.unwrap());
    assert!(le("a", 15).try_acquire().await.unwrap());
    // Expired (renewed long ago): b takes over and the transition is counted.
    let mut stale = api.get(path).unwrap();
    stale["spec"]["renewTime"] = json!("2020-01-01T00:00:00.000000Z");
    api.put(path, stale);
    assert!(le("b", 15).try_acquire().await.unwrap());
    let lease = api.get(path).unwrap();
    assert_eq!(lease["spec"]["holderIdentity"], "b");
    assert_eq!(lease["spec"]["leaseTransitions"], 1);
    // a has lost it: hold() returns.
    tokio::time::timeout(Duration::from_secs(5), le("a", 15).hold())
        .await
        .unwrap();
    let methods: Vec<String> = api.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods[..2], ["GET".to_string(), "POST".to_string()]);
    assert!(methods.contains(&"PUT".to_string()));
}

#[tokio::test]
async fn workload_changes_map_to_the_pactos_that_target_them() {
    use kube::runtime::reflector;
    use kube::runtime::watcher::Event;
    let (store, mut writer) = reflector::store::<Pacto>();
    let p = |name: &str, ns: &str, target: serde_json::Value| -> Pacto {
        serde_json::from_value(json!({"apiVersion": "pacto.trianalab.io/v1alpha1", "kind": "Pacto",
            "metadata": {"name": name, "namespace": ns}, "spec": {"contractRef": {"inline": "x"}, "target": target}}))
        .unwrap()
    };
    for obj in [
        p("by-service", "a", json!({"serviceName": "web"})),
        p(
            "by-workload",
            "a",
            json!({"serviceName": "svc", "workloadRef": {"name": "web", "kind": "StatefulSet"}}),
        ),
        p("other-ns", "b", json!({"serviceName": "web"})),
        p("unrelated", "a", json!({"serviceName": "api"})),
    ] {
        writer.apply_watcher_event(&Event::Apply(obj));
    }
    let names: Vec<String> = controller::pactos_targeting(&store, "a", "web")
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["by-service", "by-workload"]);
    assert!(controller::pactos_targeting(&store, "a", "nothing").is_empty());
}

#[test]
fn secret_and_hpa_changes_map_to_the_pactos_that_use_them() {
    use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
    let p = |name: &str, ns: &str, spec: serde_json::Value| -> Pacto {
        serde_json::from_value(
            json!({"apiVersion": "pacto.trianalab.io/v1alpha1", "kind": "Pacto",
            "metadata": {"name": name, "namespace": ns}, "spec": spec}),
        )
        .unwrap()
    };
    let oci = |secret: Option<&str>, target: serde_json::Value| {
        let mut r = json!({"oci": "ghcr.io/org/svc"});
        if let Some(s) = secret {
            r["pullSecretRef"] = json!(s);
        }
        json!({"contractRef": r, "target": target})
    };
    let pactos = [
        p(
            "b-uses",
            "a",
            oci(Some("creds"), json!({"serviceName": "web"})),
        ),
        p("a-uses", "a", oci(Some("creds"), json!({}))),
        p(
            "other-secret",
            "a",
            oci(Some("other"), json!({"serviceName": "web"})),
        ),
        p(
            "other-ns",
            "b",
            oci(Some("creds"), json!({"serviceName": "web"})),
        ),
        p(
            "no-secret",
            "a",
            oci(
                None,
                json!({"workloadRef": {"name": "db", "kind": "StatefulSet"}}),
            ),
        ),
        p("deploy-db", "a", oci(None, json!({"serviceName": "db"}))),
    ];
    let names = |refs: Vec<kube::runtime::reflector::ObjectRef<Pacto>>| -> Vec<String> {
        refs.into_iter().map(|r| r.name).collect()
    };
    assert_eq!(
        names(controller::pactos_using_secret(&pactos, "a", "creds")),
        ["a-uses", "b-uses"]
    );
    assert!(controller::pactos_using_secret(&pactos, "a", "nope").is_empty());
    assert_eq!(
        names(controller::pactos_using_secret(&pactos, "b", "creds")),
        ["other-ns"]
    );

    let hpa = |ns: &str, kind: &str, name: &str| -> HorizontalPodAutoscaler {
        serde_json::from_value(json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "h", "namespace": ns},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": kind, "name": name}, "maxReplicas": 3}}))
        .unwrap()
    };
    // The Deployment named like the Service (default workload) and an explicit StatefulSet.
    assert_eq!(
        names(controller::pactos_scaled_by(
            &pactos,
            &hpa("a", "Deployment", "web")
        )),
        ["b-uses", "other-secret"]
    );
    assert_eq!(
        names(controller::pactos_scaled_by(
            &pactos,
            &hpa("a", "StatefulSet", "db")
        )),
        ["no-secret"]
    );
    assert_eq!(
        names(controller::pactos_scaled_by(
            &pactos,
            &hpa("a", "Deployment", "db")
        )),
        ["deploy-db"]
    );
    assert!(controller::pactos_scaled_by(&pactos, &hpa("c", "Deployment", "web")).is_empty());
    let mut no_spec = hpa("a", "Deployment", "web");
    no_spec.spec = None;
    assert!(controller::pactos_scaled_by(&pactos, &no_spec).is_empty());
}
