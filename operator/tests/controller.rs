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
    assert_eq!(st["summary"], json!({"total": 1, "passed": 1, "failed": 0}));
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
    assert_eq!(st["summary"], json!({"total": n, "passed": n, "failed": 0}));
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
        assert_eq!(st["summary"], json!({"total": 1, "passed": 0, "failed": 1}));
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

#[tokio::test]
async fn a_failed_status_write_is_an_error_for_backoff() {
    let h = harness();
    h.api
        .fail(|m, p| m == "PATCH" && p.ends_with("/pactos/w/status"), 500);
    let p = pacto("w", json!({"contractRef": {"inline": SIMPLE}}));
    assert!(matches!(
        h.reconcile(&p).await,
        Err(reconcile::Error::Status(..))
    ));
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
        h.api.list(&format!("{PACTOS}/{NS}/pactorevisions/")).len(),
        3
    );
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

/// 1,000 Pactos against the fake: every 10th has an unreachable registry and degrades alone.
/// Prints the time and the peak RSS (`VmHWM`) for the notes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_pactos_reconcile_and_one_failure_stays_local() {
    let h = harness();
    h.source.make_unreachable("ghcr.io/acme/down");
    let mut pactos = Vec::new();
    for i in 0..1000 {
        let name = format!("svc-{i:04}");
        put_service(&h.api, &name, &[8080]);
        put_deployment(&h.api, &name, 8080);
        let spec = if i % 10 == 0 {
            json!({"contractRef": {"oci": "ghcr.io/acme/down"}, "target": {"serviceName": name}})
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
