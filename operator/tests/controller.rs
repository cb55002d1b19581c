//! The reconciler against kube's client over a scripted API (no API server can run here): the
//! exact requests it makes (server-side apply of revisions and status, events, ownership) and
//! the statuses it writes, scenario by scenario. The registry is an in-memory `Source`.

#![allow(clippy::unwrap_used)]

mod fake;

use fake::{FakeApi, MemSource, Recorded, PACTOS};
use pacto_operator::crd::Pacto;
use pacto_operator::metrics::Metrics;
use pacto_operator::reconcile::{self, Context};
use serde_json::{json, Value};
use std::sync::Arc;

const NS: &str = "shop";

const SIMPLE: &str = "pactoVersion: \"1.0\"\nservice: {name: simple-svc, version: 1.0.0}\ninterfaces:\n  - {name: api, type: http, port: 8080}\n";

fn pacto(name: &str, spec: Value) -> Pacto {
    serde_json::from_value(json!({
        "apiVersion": "pacto.trianalab.io/v1alpha1",
        "kind": "Pacto",
        "metadata": {"name": name, "namespace": NS, "uid": format!("uid-{name}"), "generation": 3},
        "spec": spec
    }))
    .unwrap()
}

struct Harness {
    api: FakeApi,
    source: Arc<MemSource>,
    ctx: Arc<Context>,
}

fn harness() -> Harness {
    let api = FakeApi::new();
    let source = Arc::new(MemSource::default());
    let ctx = Arc::new(Context::new(
        api.client(),
        source.clone(),
        Arc::new(Metrics::default()),
    ));
    Harness { api, source, ctx }
}

impl Harness {
    async fn reconcile(
        &self,
        p: &Pacto,
    ) -> Result<kube::runtime::controller::Action, reconcile::Error> {
        // The Pacto exists in the cluster (the status subresource answers 404 otherwise).
        let path = format!("{PACTOS}/{NS}/pactos/{}", p.metadata.name.clone().unwrap());
        if self.api.get(&path).is_none() {
            self.api.put(&path, serde_json::to_value(p).unwrap());
        }
        reconcile::reconcile(Arc::new(p.clone()), self.ctx.clone()).await
    }

    /// The status the last apply wrote for `name`.
    fn status(&self, name: &str) -> Value {
        self.api
            .get(&format!("{PACTOS}/{NS}/pactos/{name}"))
            .map(|o| o["status"].clone())
            .unwrap_or(Value::Null)
    }

    fn lines(&self) -> Vec<String> {
        self.api.requests().iter().map(Recorded::line).collect()
    }

    /// The notes (messages) of the events published with `reason`.
    fn notes(&self, reason: &str) -> Vec<String> {
        self.api
            .requests()
            .iter()
            .filter(|r| {
                r.path.ends_with("/events") && r.method == "POST" && r.body["reason"] == reason
            })
            .map(|r| r.body["note"].as_str().unwrap_or("").to_string())
            .collect()
    }

    fn events(&self) -> Vec<(String, String)> {
        self.api
            .requests()
            .iter()
            .filter(|r| r.path.ends_with("/events") && r.method == "POST")
            .map(|r| {
                (
                    r.body["type"].as_str().unwrap_or("").to_string(),
                    r.body["reason"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    }
}

fn condition<'a>(status: &'a Value, t: &str) -> &'a Value {
    status["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == t)
        .unwrap_or_else(|| panic!("no condition {t} in {status:#}"))
}

fn put_service(api: &FakeApi, name: &str, ports: &[i32]) {
    api.put(
        &format!("/api/v1/namespaces/{NS}/services/{name}"),
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": NS},
               "spec": {"ports": ports.iter().map(|p| json!({"port": p})).collect::<Vec<_>>()}}),
    );
}

fn put_deployment(api: &FakeApi, name: &str, port: i32) {
    api.put(
        &format!("/apis/apps/v1/namespaces/{NS}/deployments/{name}"),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": NS},
               "spec": {"replicas": 1, "selector": {}, "template": {"spec": {"containers": [
                   {"name": "app", "image": "x:1", "ports": [{"containerPort": port}]}]}}}}),
    );
}

#[tokio::test]
async fn scenario_1_reference_contract_creates_an_owned_revision() {
    let h = harness();
    let p = pacto("simple", json!({"contractRef": {"inline": SIMPLE}}));
    let action = h.reconcile(&p).await.unwrap();
    assert_eq!(
        action,
        kube::runtime::controller::Action::requeue(std::time::Duration::from_secs(300))
    );

    let hash = pacto_operator::contract::contract_hash(SIMPLE);
    let rev = format!("simple-1-0-0-{}", &hash[..7]);
    let rev_path = format!("{PACTOS}/{NS}/pactorevisions/{rev}");
    assert_eq!(
        h.lines(),
        [
            format!("GET {rev_path}"),
            format!("PATCH {rev_path}"),
            format!("PATCH {rev_path}/status"),
            format!("PATCH {PACTOS}/{NS}/pactos/simple/status"),
            format!("POST /apis/events.k8s.io/v1/namespaces/{NS}/events"),
        ]
    );
    let reqs = h.api.requests();
    // Server-side apply, forced, by our field manager.
    for r in reqs.iter().filter(|r| r.method == "PATCH") {
        assert_eq!(
            r.content_type,
            "application/apply-patch+yaml",
            "{}",
            r.line()
        );
        assert!(
            r.query.contains("fieldManager=pacto-operator") && r.query.contains("force=true"),
            "{}",
            r.query
        );
    }
    let applied = &reqs[1].body;
    assert_eq!(applied["kind"], "PactoRevision");
    assert_eq!(
        applied["metadata"]["ownerReferences"],
        json!([{"apiVersion": "pacto.trianalab.io/v1alpha1", "kind": "Pacto", "name": "simple",
                "uid": "uid-simple", "controller": true, "blockOwnerDeletion": true}])
    );
    assert_eq!(
        applied["metadata"]["labels"],
        json!({"pacto.trianalab.io/pacto": "simple", "pacto.trianalab.io/version": "1.0.0"})
    );
    assert_eq!(
        applied["spec"],
        json!({"version": "1.0.0", "source": {"inline": true}, "pactoRef": "simple"})
    );
    assert_eq!(reqs[2].body["status"]["resolved"], true);
    assert_eq!(reqs[2].body["status"]["contractHash"], hash);

    let st = h.status("simple");
    assert_eq!(st["contractStatus"], "Reference");
    assert_eq!(
        st["summary"],
        json!({"total": 1, "passed": 1, "failed": 0, "errorCount": 0, "warningCount": 0, "infoCount": 0, "unknownCount": 0})
    );
    let cv = condition(&st, "ContractValid");
    assert_eq!(
        (cv["status"].as_str(), cv["reason"].as_str()),
        (Some("True"), Some("ReferenceOnly"))
    );
    assert_eq!(cv["observedGeneration"], 3);
    assert_eq!(st["currentRevision"], rev);
    assert_eq!(st["observedGeneration"], 3);
    assert!(st.get("resources").is_none() && st.get("ports").is_none());
    assert_eq!(st["conditions"].as_array().unwrap().len(), 1);
    assert_eq!(
        st["interfaces"],
        json!([{"name": "api", "type": "http", "port": 8080, "hasContractFile": false}])
    );
    assert_eq!(
        h.events(),
        [("Normal".to_string(), "RevisionCreated".to_string())]
    );
}

#[tokio::test]
async fn second_reconcile_reuses_the_revision_and_stays_quiet() {
    let h = harness();
    let p = pacto("simple", json!({"contractRef": {"inline": SIMPLE}}));
    h.reconcile(&p).await.unwrap();
    let mut again = p.clone();
    again.status = serde_json::from_value(h.status("simple")).unwrap();
    h.api.clear_requests();
    h.reconcile(&again).await.unwrap();
    // The revision exists with its hash: one GET, no apply, no event.
    assert_eq!(h.lines().len(), 2, "{:?}", h.lines());
    assert!(h.lines()[0].starts_with("GET ") && h.lines()[1].ends_with("/pactos/simple/status"));
    assert!(h.events().is_empty());
    // Unchanged conditions keep their transition time.
    let before = again.status.unwrap().conditions[0]
        .last_transition_time
        .clone();
    assert_eq!(
        condition(&h.status("simple"), "ContractValid")["lastTransitionTime"].as_str(),
        before.as_deref()
    );
}

#[tokio::test]
async fn scenario_2_missing_service_is_non_compliant() {
    let h = harness();
    let p = pacto(
        "miss",
        json!({"contractRef": {"inline": SIMPLE}, "target": {"serviceName": "nonexistent-svc"}}),
    );
    h.reconcile(&p).await.unwrap();
    let st = h.status("miss");
    assert_eq!(st["contractStatus"], "NonCompliant");
    assert_eq!(condition(&st, "ContractValid")["reason"], "Parsed");
    assert_eq!(condition(&st, "ServiceExists")["reason"], "NotFound");
    assert_eq!(condition(&st, "WorkloadExists")["reason"], "NotFound");
    assert_eq!(st["ports"]["expected"], json!([8080]));
    assert!(h.lines().contains(&format!(
        "GET /api/v1/namespaces/{NS}/services/nonexistent-svc"
    )));
    assert!(h.lines().contains(&format!(
        "GET /apis/apps/v1/namespaces/{NS}/deployments/nonexistent-svc"
    )));
    assert!(h
        .events()
        .contains(&("Warning".to_string(), "ValidationFailed".to_string())));
}

#[tokio::test]
async fn scenario_3_compliant_service_and_deployment() {
    let h = harness();
    put_service(&h.api, "web", &[8080]);
    put_deployment(&h.api, "web", 8080);
    let p = pacto(
        "web",
        json!({"contractRef": {"inline": SIMPLE}, "target": {"serviceName": "web"}}),
    );
    h.reconcile(&p).await.unwrap();
    let st = h.status("web");
    assert_eq!(st["contractStatus"], "Compliant", "{st:#}");
    let n = st["conditions"].as_array().unwrap().len();
    assert_eq!(
        st["summary"],
        json!({"total": n, "passed": n, "failed": 0, "errorCount": 0, "warningCount": 0, "infoCount": 0, "unknownCount": 0})
    );
    assert_eq!(st["resources"]["service"]["exists"], true);
    assert_eq!(
        st["resources"]["workload"],
        json!({"name": "web", "kind": "Deployment", "exists": true})
    );
    assert_eq!(st["observedRuntime"]["workloadKind"], "Deployment");
    // The HPA list is read to judge scaling.
    assert!(h.lines().contains(&format!(
        "GET /apis/autoscaling/v2/namespaces/{NS}/horizontalpodautoscalers"
    )));
}

#[tokio::test]
async fn scenario_4_port_mismatch_is_a_warning() {
    let h = harness();
    put_service(&h.api, "web", &[9090]);
    put_deployment(&h.api, "web", 8080);
    let p = pacto(
        "web",
        json!({"contractRef": {"inline": SIMPLE}, "target": {"serviceName": "web"}}),
    );
    h.reconcile(&p).await.unwrap();
    let st = h.status("web");
    assert_eq!(st["contractStatus"], "Warning");
    assert_eq!(condition(&st, "PortsValid")["reason"], "MissingPorts");
    assert_eq!(condition(&st, "PortsValid")["severity"], "error");
    assert_eq!(st["ports"]["missing"], json!([8080]));
    assert_eq!(st["ports"]["unexpected"], json!([9090]));
}

#[tokio::test]
async fn scenario_9_invalid_contract() {
    let h = harness();
    for (name, inline) in [
        ("broken", "not valid yaml: [[["),
        (
            "badver",
            "pactoVersion: \"1.0\"\nservice: {name: x, version: not-semver}\n",
        ),
    ] {
        let p = pacto(
            name,
            json!({"contractRef": {"inline": inline}, "target": {"serviceName": "x"}}),
        );
        h.reconcile(&p).await.unwrap();
        let st = h.status(name);
        assert_eq!(st["contractStatus"], "Invalid", "{st:#}");
        assert_eq!(
            st["summary"],
            json!({"total": 1, "passed": 0, "failed": 1, "errorCount": 1, "warningCount": 0, "infoCount": 0, "unknownCount": 0})
        );
        let cv = condition(&st, "ContractValid");
        assert_eq!(
            (cv["status"].as_str(), cv["reason"].as_str()),
            (Some("False"), Some("Invalid"))
        );
        assert_eq!(st["validation"]["valid"], false);
        assert!(!st["validation"]["errors"].as_array().unwrap().is_empty());
        assert!(st.get("resources").is_none() && st.get("observedRuntime").is_none());
    }
    // No revision for an invalid contract, one ContractInvalid event each.
    assert!(!h.lines().iter().any(|l| l.contains("pactorevisions")));
    assert_eq!(
        h.events(),
        vec![("Warning".to_string(), "ContractInvalid".to_string()); 2]
    );

    let empty = pacto("empty", json!({"contractRef": {}}));
    h.reconcile(&empty).await.unwrap();
    assert_eq!(h.status("empty")["contractStatus"], "NonCompliant");
    assert!(condition(&h.status("empty"), "ContractValid")["message"]
        .as_str()
        .unwrap()
        .contains("no contract source specified"));
}

#[tokio::test]
async fn scenario_10_overrides() {
    let h = harness();
    let contract = "pactoVersion: \"1.0\"\nservice: {name: cfg, version: 1.0.0}\nconfigurations:\n  - name: default\n    schema: config.schema.json\n    values: {db_host: dev-db, port: 5432}\n";
    let ok = pacto(
        "cfg",
        json!({"contractRef": {"inline": contract},
        "overrides": {"configurations": [{"name": "default", "values": {"db_host": "prod-db"}}]}}),
    );
    h.reconcile(&ok).await.unwrap();
    let st = h.status("cfg");
    assert_eq!(st["contractStatus"], "Reference", "{st:#}");
    let cfg = &st["configurations"][0];
    assert_eq!(cfg["overriddenKeys"], json!(["db_host"]));
    let db = cfg["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == "db_host")
        .unwrap();
    assert_eq!(db["value"], "prod-db");

    let bad = pacto(
        "cfg2",
        json!({"contractRef": {"inline": contract},
        "overrides": {"configurations": [{"name": "nope", "values": {"a": "b"}}]}}),
    );
    h.reconcile(&bad).await.unwrap();
    let st = h.status("cfg2");
    assert_eq!(st["contractStatus"], "Invalid");
    assert_eq!(st["validation"]["errors"][0]["path"], "spec.overrides");
}

#[tokio::test]
async fn registry_unreachable_is_unknown_with_a_reason_and_requeues() {
    let h = harness();
    h.source.make_unreachable("ghcr.io/acme/down");
    let p = pacto(
        "down",
        json!({"contractRef": {"oci": "oci://ghcr.io/acme/down"}, "target": {"serviceName": "down"}, "checkIntervalSeconds": 60}),
    );
    let action = h.reconcile(&p).await.unwrap();
    assert_eq!(
        action,
        kube::runtime::controller::Action::requeue(std::time::Duration::from_secs(60))
    );
    let st = h.status("down");
    assert_eq!(st["contractStatus"], "Unknown");
    assert_eq!(st["resolutionPolicy"], "Latest");
    let cv = condition(&st, "ContractValid");
    assert_eq!(
        (cv["status"].as_str(), cv["reason"].as_str()),
        (Some("Unknown"), Some("RegistryUnreachable"))
    );
    assert!(cv["message"]
        .as_str()
        .unwrap()
        .contains("registry unreachable"));
    assert_eq!(
        h.events(),
        [("Warning".to_string(), "RegistryUnreachable".to_string())]
    );
    // Nothing else was touched.
    assert_eq!(
        h.lines(),
        [
            format!("PATCH {PACTOS}/{NS}/pactos/down/status"),
            format!("POST /apis/events.k8s.io/v1/namespaces/{NS}/events")
        ]
    );
}

#[tokio::test]
async fn cluster_error_while_observing_is_unknown() {
    let h = harness();
    h.api
        .fail(|m, p| m == "GET" && p.contains("/services/"), 500);
    let p = pacto(
        "obs",
        json!({"contractRef": {"inline": SIMPLE}, "target": {"serviceName": "obs"}}),
    );
    h.reconcile(&p).await.unwrap();
    let st = h.status("obs");
    assert_eq!(st["contractStatus"], "Unknown");
    assert_eq!(
        condition(&st, "RuntimeObserved")["reason"],
        "ObservationFailed"
    );
    assert!(h
        .events()
        .contains(&("Warning".to_string(), "ObservationFailed".to_string())));
}

/// A kind the operator may not read (403) or the API server does not serve (404 naming no
/// object) leaves out only the checks that need it, and one `RuntimeObserved` condition says
/// which kind, how (HTTP status, verb, resource) and which checks.
#[tokio::test]
async fn a_forbidden_or_missing_kind_degrades_only_the_checks_that_need_it() {
    for code in [403, 404] {
        let h = harness();
        put_deployment(&h.api, "web", 8080);
        h.api.fail(
            |m, p| m == "GET" && p.starts_with(&format!("/api/v1/namespaces/{NS}/services")),
            code,
        );
        let p = pacto(
            "web",
            json!({"contractRef": {"inline": SIMPLE},
                   "target": {"serviceName": "web", "workloadRef": {"kind": "Deployment", "name": "web"}}}),
        );
        h.reconcile(&p).await.unwrap();
        let st = h.status("web");
        let types: Vec<&str> = st["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["type"].as_str().unwrap())
            .collect();
        assert!(
            !types.contains(&"ServiceExists") && !types.contains(&"PortsValid"),
            "{types:?}"
        );
        // The Deployment was read and checked as usual.
        assert_eq!(condition(&st, "WorkloadExists")["status"], "True");
        assert_eq!(condition(&st, "ContainerPortsValid")["status"], "True");
        let ro = condition(&st, "RuntimeObserved");
        assert_eq!(
            (&ro["status"], &ro["reason"]),
            (&json!("False"), &json!("ObservationFailed"))
        );
        let (phrase, what) = if code == 403 {
            ("403 Forbidden", "is forbidden to the operator")
        } else {
            ("404 Not Found", "is not served by the API server")
        };
        assert_eq!(
            ro["message"],
            format!(
                "Service {what} (HTTP {phrase} on get services/v1 \"web\" in namespace shop: injected failure); degraded checks: ServiceExists, PortsValid, HealthEndpointValid, MetricsEndpointValid"
            )
        );
        // Nothing failed that could be checked: the verdict is Unknown, not NonCompliant.
        assert_eq!(st["contractStatus"], "Unknown", "{code}");
    }
}

/// An error answer that is not a `Status` (HTML, JSON of another shape) is described by its
/// HTTP status, verb and resource, never as kube's `ApiError: :  (Status { … code: 0 … })`.
#[tokio::test]
async fn api_errors_name_the_http_status_verb_and_resource() {
    for (body, quoted) in [
        (r#"{"paths": ["/apis"]}"#, ""),
        (
            "<html>upstream timed out</html>",
            ": <html>upstream timed out</html>",
        ),
    ] {
        let h = harness();
        h.api
            .fail_with_body(|m, p| m == "GET" && p.contains("/services/"), 504, body);
        let p = pacto(
            "obs",
            json!({"contractRef": {"inline": SIMPLE}, "target": {"serviceName": "obs"}}),
        );
        h.reconcile(&p).await.unwrap();
        let st = h.status("obs");
        assert_eq!(st["contractStatus"], "Unknown");
        assert_eq!(
            condition(&st, "RuntimeObserved")["message"],
            format!(
                "observing the target failed: HTTP 504 Gateway Timeout on get services/v1 \"obs\" in namespace shop{quoted}"
            )
        );
    }
}

#[tokio::test]
async fn a_failed_status_write_is_an_error_for_backoff() {
    let h = harness();
    h.api
        .fail(|m, p| m == "PATCH" && p.ends_with("/pactos/w/status"), 500);
    let p = pacto("w", json!({"contractRef": {"inline": SIMPLE}}));
    let err = h.reconcile(&p).await.unwrap_err();
    assert!(matches!(err, reconcile::Error::Status(..)));
    assert_eq!(
        err.to_string(),
        "writing the status of shop/w: HTTP 500 Internal Server Error on patch (apply) pactos.pacto.trianalab.io/v1alpha1/status \"w\" in namespace shop: injected failure"
    );
}

const V1: &str = "pactoVersion: \"1.0\"\nservice: {name: pay, version: 1.0.0}\n";
const V11: &str = "pactoVersion: \"1.0\"\nservice: {name: pay, version: 1.1.0}\n";

#[tokio::test]
async fn latest_tag_is_tracked_and_every_tag_gets_a_revision() {
    let h = harness();
    h.source
        .publish("ghcr.io/acme/pay", "1.0.0", V1, "sha256:aaa");
    h.source
        .publish("ghcr.io/acme/pay", "1.1.0", V11, "sha256:bbb");
    let p = pacto("pay", json!({"contractRef": {"oci": "ghcr.io/acme/pay"}}));
    h.reconcile(&p).await.unwrap();
    let st = h.status("pay");
    assert_eq!(st["contractVersion"], "1.1.0");
    assert_eq!(st["resolutionPolicy"], "Latest");
    assert_eq!(st["contract"]["resolvedRef"], "ghcr.io/acme/pay:1.1.0");
    let revs = h.api.list(&format!("{PACTOS}/{NS}/pactorevisions/"));
    let mut versions: Vec<(String, String)> = revs
        .iter()
        .map(|(_, r)| {
            (
                r["spec"]["version"].as_str().unwrap().to_string(),
                r["spec"]["source"]["digest"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    versions.sort();
    assert_eq!(
        versions,
        [
            ("1.0.0".into(), "sha256:aaa".into()),
            ("1.1.0".into(), "sha256:bbb".into())
        ]
    );
    assert!(st["currentRevision"]
        .as_str()
        .unwrap()
        .starts_with("pay-1-1-0-"));

    // Force-push of 1.0.0: a TagOverwritten warning and a new revision (the hash differs).
    h.api.clear_requests();
    h.source.publish(
        "ghcr.io/acme/pay",
        "1.0.0",
        &format!("{V1}# rebuilt\n"),
        "sha256:ccc",
    );
    h.reconcile(&p).await.unwrap();
    assert!(
        h.events()
            .contains(&("Warning".to_string(), "TagOverwritten".to_string())),
        "{:?}",
        h.events()
    );
    assert_eq!(
        h.notes("TagOverwritten"),
        ["Tag 1.0.0 was force-pushed (digest changed from sha256:aaa to sha256:ccc)"]
    );
    assert_eq!(
        h.api.list(&format!("{PACTOS}/{NS}/pactorevisions/")).len(),
        3
    );
    // Nothing changed since: no event again.
    h.api.clear_requests();
    h.reconcile(&p).await.unwrap();
    assert!(h.notes("TagOverwritten").is_empty(), "{:?}", h.events());
}

/// Go's `TagOverwritten` (contract-bindings.md "Choosing a reference form": "If someone
/// force-pushes that tag the operator notices ...: it records a new `PactoRevision` and emits
/// a `TagOverwritten` Warning Event naming the old and new digests"), with Go's message and
/// its 12-character digests; the everyday `v1.2.0` tag of a `1.2.0` contract is checked too
/// (revisions are keyed by the reference they were loaded from, not by the version label).
#[tokio::test]
async fn a_force_pushed_v_tag_is_a_tag_overwritten_warning_with_gos_message() {
    let h = harness();
    let (a, b) = (
        format!("sha256:{}", "a1".repeat(32)),
        format!("sha256:{}", "b2".repeat(32)),
    );
    h.source.publish("ghcr.io/acme/pay", "v1.0.0", V1, &a);
    let p = pacto("pay", json!({"contractRef": {"oci": "ghcr.io/acme/pay"}}));
    h.reconcile(&p).await.unwrap();
    assert!(h.notes("TagOverwritten").is_empty(), "{:?}", h.events());
    h.source.publish(
        "ghcr.io/acme/pay",
        "v1.0.0",
        &format!("{V1}# rebuilt\n"),
        &b,
    );
    h.api.clear_requests();
    h.reconcile(&p).await.unwrap();
    assert_eq!(
        h.notes("TagOverwritten"),
        ["Tag v1.0.0 was force-pushed (digest changed from sha256:a1a1a to sha256:b2b2b)"]
    );
    let warning = h
        .api
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/events") && r.body["reason"] == "TagOverwritten")
        .unwrap();
    assert_eq!(warning.body["type"], "Warning");
    assert_eq!(warning.body["regarding"]["name"], "pay");
    let digests: Vec<String> = h
        .api
        .list(&format!("{PACTOS}/{NS}/pactorevisions/"))
        .iter()
        .map(|(_, r)| r["spec"]["source"]["digest"].as_str().unwrap().to_string())
        .collect();
    assert!(digests.contains(&a) && digests.contains(&b), "{digests:?}");
}

#[tokio::test]
async fn pull_secrets_reach_the_registry_and_a_missing_one_is_non_compliant() {
    let h = harness();
    h.source
        .publish("ghcr.io/acme/pay", "1.0.0", V1, "sha256:aaa");
    h.api.put(
        &format!("/api/v1/namespaces/{NS}/secrets/creds"),
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds"}, "type": "Opaque",
               "data": {"token": "czNjcjN0"}}),
    );
    let p = pacto(
        "pay",
        json!({"contractRef": {"oci": "ghcr.io/acme/pay:1.0.0", "pullSecretRef": "creds"}}),
    );
    h.reconcile(&p).await.unwrap();
    assert_eq!(h.status("pay")["resolutionPolicy"], "PinnedTag");
    assert_eq!(h.status("pay")["contractStatus"], "Reference");
    let creds = h.source.credentials.lock().unwrap().clone();
    assert!(!creds.is_empty());
    assert!(creds.iter().all(|c| *c
        == Some(pacto_core::registry::Credential::RegistryToken(
            "s3cr3t".into()
        ))));

    let p = pacto(
        "pay2",
        json!({"contractRef": {"oci": "ghcr.io/acme/pay:1.0.0", "pullSecretRef": "absent"}}),
    );
    h.reconcile(&p).await.unwrap();
    let st = h.status("pay2");
    assert_eq!(st["contractStatus"], "NonCompliant");
    assert!(condition(&st, "ContractValid")["message"]
        .as_str()
        .unwrap()
        .contains("pull secret absent not found"));
}

/// 1,000 Pactos against the fake: every 10th has an unreachable registry and degrades alone;
/// every odd one declares readiness (1.2), which must not change its verdict. HPAs come from a
/// synced (empty) watch cache, as in the running controller. Prints the time and the peak RSS
/// (`VmHWM`) for the notes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_pactos_reconcile_and_one_failure_stays_local() {
    use kube::runtime::{reflector, watcher::Event};
    let h = harness();
    h.source.make_unreachable("ghcr.io/acme/down");
    let (hpas, mut writer) = reflector::store();
    writer.apply_watcher_event(&Event::Init);
    writer.apply_watcher_event(&Event::InitDone);
    assert!(h.ctx.hpas.set(hpas).is_ok());
    let ready = ready_contract("not-done");
    let mut pactos = Vec::new();
    for i in 0..1000 {
        let name = format!("svc-{i:04}");
        put_service(&h.api, &name, &[8080]);
        put_deployment(&h.api, &name, 8080);
        let spec = if i % 10 == 0 {
            json!({"contractRef": {"oci": "ghcr.io/acme/down"}, "target": {"serviceName": name}})
        } else if i % 2 == 1 {
            json!({"contractRef": {"inline": ready}, "target": {"serviceName": name}})
        } else {
            json!({"contractRef": {"inline": SIMPLE}, "target": {"serviceName": name}})
        };
        pactos.push(pacto(&name, spec));
    }
    let start = std::time::Instant::now();
    for p in &pactos {
        h.reconcile(p).await.unwrap();
    }
    let elapsed = start.elapsed();
    let mut counts = std::collections::BTreeMap::new();
    for p in &pactos {
        *counts
            .entry(
                h.status(&p.metadata.name.clone().unwrap())["contractStatus"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
            .or_insert(0) += 1;
    }
    assert_eq!(
        counts,
        [("Compliant".to_string(), 900), ("Unknown".to_string(), 100)]
            .into_iter()
            .collect()
    );
    let hwm = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(str::to_string)
        })
        .unwrap_or_default();
    eprintln!(
        "1000 Pactos reconciled in {elapsed:?} ({:.2} ms each); requests {}; {hwm}",
        elapsed.as_secs_f64(),
        h.api.requests().len()
    );
    let metrics = h.ctx.metrics.render();
    assert!(metrics.contains(
        "pacto_contract_status{name=\"svc-0001\",namespace=\"shop\",status=\"Compliant\"} 1"
    ));
    assert!(metrics.contains(
        "pacto_contract_status{name=\"svc-0000\",namespace=\"shop\",status=\"Unknown\"} 1"
    ));
    assert_eq!(metrics.matches("pacto_readiness_score{").count(), 500);
    assert!(!h
        .api
        .requests()
        .iter()
        .any(|r| r.path.contains("horizontalpodautoscalers")));
}

struct ScriptedProber;

impl reconcile::Prober for ScriptedProber {
    fn get(&self, url: &str) -> pacto_operator::checks::ProbeResult {
        use pacto_operator::checks::ProbeResult;
        if url.ends_with("/health") {
            ProbeResult::Response {
                status: 503,
                non_empty_body: true,
            }
        } else {
            ProbeResult::Response {
                status: 200,
                non_empty_body: false,
            }
        }
    }
}

#[tokio::test]
async fn scenario_14_endpoint_probes_through_the_service() {
    let api = FakeApi::new();
    let source = Arc::new(MemSource::default());
    let mut ctx = Context::new(api.client(), source.clone(), Arc::new(Metrics::default()));
    ctx.prober = Some(Arc::new(ScriptedProber));
    let h = Harness {
        api,
        source,
        ctx: Arc::new(ctx),
    };
    put_service(&h.api, "web", &[8080]);
    put_deployment(&h.api, "web", 8080);
    let contract = "pactoVersion: \"1.0\"\nservice: {name: web, version: 1.0.0}\ninterfaces:\n  - {name: api, type: http, port: 8080}\nruntime:\n  workload: service\n  state: {type: stateless, persistence: {scope: local, durability: ephemeral}, dataCriticality: low}\n  health: {interface: api, path: health}\n  metrics: {interface: api, path: /metrics}\n";
    let p = pacto(
        "web",
        json!({"contractRef": {"inline": contract}, "target": {"serviceName": "web"}}),
    );
    h.reconcile(&p).await.unwrap();
    let st = h.status("web");
    assert_eq!(st["contractStatus"], "Warning", "{st:#}");
    assert_eq!(
        condition(&st, "HealthEndpointValid")["reason"],
        "InvalidStatusCode"
    );
    assert_eq!(
        condition(&st, "MetricsEndpointValid")["reason"],
        "EmptyResponse"
    );
    assert_eq!(
        st["endpoints"]["health"]["url"],
        "http://web.shop.svc:8080/health"
    );
    assert_eq!(st["endpoints"]["health"]["statusCode"], 503);
    assert_eq!(st["endpoints"]["metrics"]["reachable"], true);
    // The health probe in the pod template is missing too: a separate, static check.
    assert_eq!(condition(&st, "HealthProbeMatch")["reason"], "Missing");
}

// ---------------------------------------------------------------------------------------------
// Readiness (scenario 11): status.readiness, ReadinessSatisfied, transition-only events, metrics.
// Readiness never changes contractStatus or the summary.
// ---------------------------------------------------------------------------------------------

fn harness_on(today: &str) -> Harness {
    let api = FakeApi::new();
    let source = Arc::new(MemSource::default());
    let mut ctx = Context::new(api.client(), source.clone(), Arc::new(Metrics::default()));
    ctx.today = Some(pacto_core::readiness::Date::parse(today).unwrap());
    Harness {
        api,
        source,
        ctx: Arc::new(ctx),
    }
}

fn ready_contract(security_review: &str) -> String {
    format!(
        "pactoVersion: \"1.2\"\nservice: {{name: ready-svc, version: 1.0.0}}\ninterfaces:\n  - {{name: api, type: http, port: 8080}}\nreadiness:\n  expires: \"2099-12-31\"\n  history:\n    - {{date: \"2026-01-10\", version: 1.0.0, author: sre, description: first review}}\n  checks:\n    - {{id: dashboard, type: url, category: observability, status: done, evidence: \"https://grafana.example/d/ready\", weight: 60}}\n    - {{id: security-review, type: ticket, category: security, status: {security_review}, evidence: SEC-42, weight: 40}}\n"
    )
}

impl Harness {
    /// Reconcile `p` as the cluster would hand it back after the previous write.
    async fn reconcile_again(&self, p: &Pacto) -> Pacto {
        let mut again = p.clone();
        again.status =
            serde_json::from_value(self.status(p.metadata.name.as_deref().unwrap())).unwrap();
        self.api.clear_requests();
        self.reconcile(&again).await.unwrap();
        again
    }
}

#[tokio::test]
async fn scenario_11_readiness_gate_on_a_reference_contract() {
    let h = harness_on("2026-06-08");
    let p = pacto(
        "ready",
        json!({"contractRef": {"inline": ready_contract("not-done")}}),
    );
    h.reconcile(&p).await.unwrap();
    let st = h.status("ready");
    // Readiness does not touch the verdict or the summary.
    assert_eq!(st["contractStatus"], "Reference");
    assert_eq!(
        st["summary"],
        json!({"total": 1, "passed": 1, "failed": 0, "errorCount": 0, "warningCount": 0, "infoCount": 0, "unknownCount": 0})
    );
    let r = &st["readiness"];
    assert_eq!(r["score"], 60);
    assert_eq!(r["minScore"], 100);
    assert_eq!(r["passing"], false);
    assert_eq!(
        (r["totalWeight"].as_i64(), r["earnedWeight"].as_i64()),
        (Some(100), Some(60))
    );
    assert_eq!(r["expires"], "2099-12-31");
    assert_eq!(r["expired"], false);
    assert_eq!(r["daysRemaining"], 26_869);
    assert_eq!(
        (r["doneCount"].as_i64(), r["notDoneCount"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(r["partialCredit"], 0.5);
    assert_eq!(
        r["revisions"],
        json!([{"date": "2026-01-10", "version": "1.0.0", "author": "sre", "description": "first review"}])
    );
    assert_eq!(
        r["checks"][1],
        json!({"id": "security-review", "type": "ticket", "category": "security", "status": "not-done",
               "evidence": "SEC-42", "weight": 40, "earnedWeight": 0, "excluded": false})
    );
    let rc = condition(&st, "ReadinessSatisfied");
    assert_eq!(
        (rc["status"].as_str(), rc["reason"].as_str()),
        (Some("False"), Some("BelowMinScore"))
    );
    assert_eq!(rc["observedGeneration"], 3);
    assert!(rc["message"]
        .as_str()
        .unwrap()
        .contains("score 60 below minScore 100"));
    assert_eq!(
        h.events(),
        [
            ("Normal".to_string(), "RevisionCreated".to_string()),
            ("Warning".to_string(), "ReadinessGateUnmet".to_string())
        ]
    );
    let metrics = h.ctx.metrics.render();
    for line in [
        "pacto_readiness_score{name=\"ready\",namespace=\"shop\"} 60",
        "pacto_readiness_gate{name=\"ready\",namespace=\"shop\"} 0",
        "pacto_readiness_status{name=\"ready\",namespace=\"shop\",status=\"BelowMinScore\"} 1",
        "pacto_readiness_status{name=\"ready\",namespace=\"shop\",status=\"Satisfied\"} 0",
        "pacto_readiness_checks{name=\"ready\",namespace=\"shop\",status=\"not-done\"} 1",
        "pacto_readiness_checks{name=\"ready\",namespace=\"shop\",status=\"deferred\"} 0",
    ] {
        assert!(metrics.contains(line), "{line} missing from\n{metrics}");
    }

    // Still unmet: no repeated event, and the condition keeps its transition time.
    let again = h.reconcile_again(&p).await;
    assert!(h.events().is_empty(), "{:?}", h.events());
    let before = again
        .status
        .as_ref()
        .unwrap()
        .conditions
        .iter()
        .find(|c| c.type_ == "ReadinessSatisfied")
        .unwrap()
        .last_transition_time
        .clone();
    assert_eq!(
        condition(&h.status("ready"), "ReadinessSatisfied")["lastTransitionTime"].as_str(),
        before.as_deref()
    );

    // Every check done: the gate recovers, once.
    let mut done = p.clone();
    done.spec.contract_ref.inline = Some(ready_contract("done"));
    let done = h.reconcile_again(&done).await;
    let st = h.status("ready");
    assert_eq!(st["contractStatus"], "Reference");
    assert_eq!(st["readiness"]["score"], 100);
    assert_eq!(st["readiness"]["passing"], true);
    let rc = condition(&st, "ReadinessSatisfied");
    assert_eq!(
        (rc["status"].as_str(), rc["reason"].as_str()),
        (Some("True"), Some("Satisfied"))
    );
    assert!(h
        .events()
        .contains(&("Normal".to_string(), "ReadinessRecovered".to_string())));
    assert!(!h.events().iter().any(|(_, r)| r == "ReadinessGateUnmet"));
    assert!(h.ctx.metrics.render().contains(
        "pacto_readiness_status{name=\"ready\",namespace=\"shop\",status=\"Satisfied\"} 1"
    ));
    h.reconcile_again(&done).await;
    assert!(
        !h.events().iter().any(|(_, r)| r.starts_with("Readiness")),
        "{:?}",
        h.events()
    );
}

#[tokio::test]
async fn scenario_11_no_readiness_means_no_field_no_condition_no_series() {
    let h = harness_on("2026-06-08");
    let p = pacto("plain", json!({"contractRef": {"inline": SIMPLE}}));
    h.reconcile(&p).await.unwrap();
    let st = h.status("plain");
    assert!(st.get("readiness").is_none(), "{st:#}");
    assert!(!st["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["type"] == "ReadinessSatisfied"));
    assert!(!h.ctx.metrics.render().contains("pacto_readiness"));

    // A Pacto that drops its readiness section loses the field, condition and series.
    let r = pacto(
        "dropping",
        json!({"contractRef": {"inline": ready_contract("done")}}),
    );
    h.reconcile(&r).await.unwrap();
    assert!(h
        .ctx
        .metrics
        .render()
        .contains("pacto_readiness_score{name=\"dropping\""));
    let mut plain = r.clone();
    plain.spec.contract_ref.inline = Some(SIMPLE.to_string());
    h.reconcile_again(&plain).await;
    let st = h.status("dropping");
    assert!(st.get("readiness").is_none());
    assert_eq!(st["conditions"].as_array().unwrap().len(), 1);
    assert!(!h
        .ctx
        .metrics
        .render()
        .contains("pacto_readiness_score{name=\"dropping\""));
}

#[tokio::test]
async fn readiness_expires_with_the_injected_day() {
    let h = harness_on("2100-01-01");
    let p = pacto(
        "stale",
        json!({"contractRef": {"inline": ready_contract("done")}}),
    );
    h.reconcile(&p).await.unwrap();
    let st = h.status("stale");
    assert_eq!(st["readiness"]["expired"], true);
    assert_eq!(st["readiness"]["score"], 0);
    assert!(st["readiness"].get("daysRemaining").is_none());
    let rc = condition(&st, "ReadinessSatisfied");
    assert_eq!(
        (rc["status"].as_str(), rc["reason"].as_str()),
        (Some("False"), Some("Expired"))
    );
    assert_eq!(st["contractStatus"], "Reference");
}

/// The decision on spec §2.6: a failing gate on a targeted, otherwise compliant Pacto leaves it
/// Compliant (Go's scan would say Warning), and the summary counts the checks only.
#[tokio::test]
async fn readiness_never_changes_the_verdict_of_a_targeted_pacto() {
    let h = harness_on("2026-06-08");
    put_service(&h.api, "web", &[8080]);
    put_deployment(&h.api, "web", 8080);
    let p = pacto(
        "web",
        json!({"contractRef": {"inline": ready_contract("not-done")}, "target": {"serviceName": "web"}}),
    );
    h.reconcile(&p).await.unwrap();
    let st = h.status("web");
    assert_eq!(st["contractStatus"], "Compliant", "{st:#}");
    assert_eq!(condition(&st, "ReadinessSatisfied")["status"], "False");
    let n = st["conditions"].as_array().unwrap().len() as i64;
    assert_eq!(st["summary"]["total"].as_i64(), Some(n - 1));
    assert_eq!(st["summary"]["failed"], 0);
    // The gate's event is sent; a compliant verdict sends no ValidationFailed.
    let events = h.events();
    assert!(events.contains(&("Warning".to_string(), "ReadinessGateUnmet".to_string())));
    assert!(!events.iter().any(|(_, r)| r == "ValidationFailed"));
    assert!(h
        .ctx
        .metrics
        .render()
        .contains("pacto_contract_compliance_status{service=\"ready-svc\",namespace=\"shop\"} 1"));
}

#[tokio::test]
async fn readiness_needs_pacto_version_1_2() {
    let h = harness_on("2026-06-08");
    let old = ready_contract("done").replace("\"1.2\"", "\"1.0\"");
    let p = pacto("old", json!({"contractRef": {"inline": old}}));
    h.reconcile(&p).await.unwrap();
    let st = h.status("old");
    assert_eq!(st["contractStatus"], "Invalid");
    assert_eq!(st["validation"]["errors"][0]["code"], "UNKNOWN_FIELD");
    assert_eq!(st["validation"]["errors"][0]["path"], "readiness");
    assert!(st.get("readiness").is_none());
    // 1.1 is accepted (without readiness) as the Go operator does.
    let v11 = SIMPLE.replace("\"1.0\"", "\"1.1\"");
    let p = pacto("v11", json!({"contractRef": {"inline": v11}}));
    h.reconcile(&p).await.unwrap();
    assert_eq!(h.status("v11")["contractStatus"], "Reference");
}

// ---------------------------------------------------------------------------------------------
// HPA cache: once the controller's HPA watch has synced, observe reads it instead of listing.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn observe_reads_hpas_from_the_watch_cache() {
    use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
    use kube::runtime::reflector;
    use kube::runtime::watcher::Event;
    let h = harness();
    put_service(&h.api, "web", &[8080]);
    put_deployment(&h.api, "web", 8080);
    let hpa = |name: &str, ns: &str, target: &str, min: i32, max: i32| -> HorizontalPodAutoscaler {
        serde_json::from_value(json!({
            "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
                     "minReplicas": min, "maxReplicas": max}}))
        .unwrap()
    };
    let (reader, mut writer) = reflector::store::<HorizontalPodAutoscaler>();
    writer.apply_watcher_event(&Event::Init);
    for obj in [
        hpa("web", NS, "web", 2, 5),
        hpa("elsewhere", "other", "web", 50, 90),
        hpa("api", NS, "api", 50, 90),
    ] {
        writer.apply_watcher_event(&Event::InitApply(obj));
    }
    writer.apply_watcher_event(&Event::InitDone);
    assert!(h.ctx.hpas.set(reader).is_ok());
    let contract = "pactoVersion: \"1.0\"\nservice: {name: web, version: 1.0.0}\ninterfaces:\n  - {name: api, type: http, port: 8080}\nscaling: {min: 2, max: 6}\n";
    let p = pacto(
        "web",
        json!({"contractRef": {"inline": contract}, "target": {"serviceName": "web"}}),
    );
    h.reconcile(&p).await.unwrap();
    assert!(
        !h.lines()
            .iter()
            .any(|l| l.contains("horizontalpodautoscalers")),
        "{:?}",
        h.lines()
    );
    let st = h.status("web");
    let sm = condition(&st, "ScalingMatch");
    assert_eq!(sm["status"], "True", "{sm}");
    assert!(
        sm["message"].as_str().unwrap().contains("autoscaler 2..5"),
        "{sm}"
    );
}

// ---------------------------------------------------------------------------------------------
// Watch wiring: the running controller against the scripted API's watches.
// ---------------------------------------------------------------------------------------------

/// Status writes of one Pacto so far.
fn status_writes(api: &FakeApi, name: &str) -> usize {
    let path = format!("{PACTOS}/{NS}/pactos/{name}/status");
    api.requests()
        .iter()
        .filter(|r| r.method == "PATCH" && r.path == path)
        .count()
}

/// Wait until no request other than a watch has come in for a while.
async fn settle(api: &FakeApi) {
    let busy = || {
        api.requests()
            .iter()
            .filter(|r| r.method != "WATCH")
            .count()
    };
    let mut last = usize::MAX;
    for _ in 0..60 {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let now = busy();
        if now == last {
            return;
        }
        last = now;
    }
    panic!("the controller never settled");
}

async fn wait_for(what: &str, cond: impl Fn() -> bool) {
    for _ in 0..200 {
        if cond() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_and_hpa_watches_re_reconcile_the_pactos_they_concern() {
    let h = harness();
    h.source
        .publish("ghcr.io/acme/pay", "1.0.0", V1, "sha256:aaa");
    let secret = |rv: &str, token: &str| {
        json!({"apiVersion": "v1", "kind": "Secret",
               "metadata": {"name": "creds", "namespace": NS, "resourceVersion": rv},
               "type": "Opaque", "data": {"token": token}})
    };
    h.api.put(
        &format!("/api/v1/namespaces/{NS}/secrets/creds"),
        secret("1", "czNjcjN0"),
    );
    put_service(&h.api, "web", &[8080]);
    put_deployment(&h.api, "web", 8080);
    let scaled = "pactoVersion: \"1.0\"\nservice: {name: web, version: 1.0.0}\ninterfaces:\n  - {name: api, type: http, port: 8080}\nscaling: {min: 2, max: 6}\n";
    for p in [
        pacto(
            "pay",
            json!({"contractRef": {"oci": "ghcr.io/acme/pay:1.0.0", "pullSecretRef": "creds"}}),
        ),
        pacto(
            "web",
            json!({"contractRef": {"inline": scaled}, "target": {"serviceName": "web"}}),
        ),
        pacto("other", json!({"contractRef": {"inline": SIMPLE}})),
    ] {
        let path = format!("{PACTOS}/{NS}/pactos/{}", p.metadata.name.clone().unwrap());
        h.api.put(&path, serde_json::to_value(&p).unwrap());
    }
    let run = tokio::spawn(pacto_operator::controller::run(
        h.ctx.clone(),
        Some(NS.to_string()),
    ));
    wait_for("the first reconciles", || {
        ["pay", "web", "other"]
            .iter()
            .all(|n| status_writes(&h.api, n) >= 1)
    })
    .await;
    settle(&h.api).await;
    let before = |n: &str| status_writes(&h.api, n);
    let (pay0, web0, other0) = (before("pay"), before("web"), before("other"));
    // Without an HPA the deployment's single replica is outside 2..6.
    assert_eq!(
        condition(&h.status("web"), "ScalingMatch")["status"],
        "False"
    );

    // A rotated pull secret re-reconciles the Pacto that uses it, with the new credential.
    h.api.put(
        &format!("/api/v1/namespaces/{NS}/secrets/creds"),
        secret("2", "bmV3"),
    );
    h.api.push_watch_event(
        &format!("/api/v1/namespaces/{NS}/secrets"),
        "MODIFIED",
        secret("2", "bmV3"),
    );
    wait_for("the secret's Pacto", || status_writes(&h.api, "pay") > pay0).await;
    let last = h.source.credentials.lock().unwrap().last().cloned();
    assert_eq!(
        last,
        Some(Some(pacto_core::registry::Credential::RegistryToken(
            "new".into()
        )))
    );

    // A new HPA re-reconciles the Pacto whose Deployment it scales, read from the watch cache.
    h.api.push_watch_event(
        &format!("/apis/autoscaling/v2/namespaces/{NS}/horizontalpodautoscalers"),
        "ADDED",
        json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
               "metadata": {"name": "web", "namespace": NS, "resourceVersion": "3"},
               "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                        "minReplicas": 2, "maxReplicas": 5}}),
    );
    wait_for("the HPA's Pacto", || status_writes(&h.api, "web") > web0).await;
    let st = h.status("web");
    let sm = condition(&st, "ScalingMatch");
    assert_eq!(sm["status"], "True", "{sm}");
    assert!(sm["message"].as_str().unwrap().contains("autoscaler 2..5"));
    settle(&h.api).await;
    run.abort();

    // Each event touched its own Pacto only.
    assert_eq!(status_writes(&h.api, "pay"), pay0 + 1);
    assert_eq!(status_writes(&h.api, "web"), web0 + 1);
    assert_eq!(status_writes(&h.api, "other"), other0);
    // Reconciles read HPAs from the cache: the only HPA list is the watcher's own.
    let lists: Vec<String> = h
        .api
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/horizontalpodautoscalers"))
        .map(|r| r.query.clone())
        .collect();
    assert_eq!(lists.len(), 1, "{lists:?}");
}
