//! Pacto 2.0 Pactos reconciled against the scripted API: bindings -> evidence -> findings,
//! coverage and `contractStatus` as Go's operator 5.x gives them (Go's docs:
//! `integrations/kubernetes/docs/generated/contract-bindings.md` "Example",
//! `runtime-observations.md` outcomes and precedence).

#![allow(clippy::unwrap_used)]

mod fake;

use fake::{FakeApi, MemSource, PACTOS};
use pacto_operator::crd::{ObservationWindow, Pacto};
use pacto_operator::metrics::Metrics;
use pacto_operator::reconcile::{self, Context};
use pacto_operator::runtime_v2::{self, Options};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

const NS: &str = "shop";

/// The contract of Go's contract-bindings example (`orders-api`, interface `http`,
/// configuration `default`), in Pacto 2.0.
const ORDERS: &str = r#"pactoVersion: "2.0"
service: {name: orders-api, version: 1.2.0, owner: {team: orders}}
interfaces:
  - {name: http, type: openapi, ref: interfaces/openapi.yaml}
configurations:
  - {name: default, schema: configuration/schema.json, required: true}
workload: service
"#;

/// The configuration schema of the `orders-api` bundle: an object with a numeric `port`.
const SCHEMA: &str =
    r#"{"type": "object", "properties": {"port": {"type": "number"}}, "required": ["port"]}"#;

/// Go's example: `contractRef.oci: ghcr.io/acme/orders-api-pacto:1.2.0`.
const OCI: &str = "ghcr.io/acme/orders-api-pacto:1.2.0";

/// Go's example `spec.target`: interface `http` on the Service port named `http`,
/// configuration `default` in ConfigMap `orders-api-config`, key `app.yaml`, YAML; the
/// contract is published (with its bundle: the configuration schema, the interface files) at
/// Go's example reference.
fn orders_pacto(src: &MemSource, contract: &str) -> Pacto {
    let openapi = "openapi: 3.0.3\ninfo: {title: orders, version: 1.2.0}\npaths: {}\n";
    let bundle = pacto_core::bundle::MemBundle::new(OCI)
        .with("pacto.yaml", contract)
        .with("configuration/schema.json", SCHEMA)
        .with("interfaces/openapi.yaml", openapi)
        .with("interfaces/admin.yaml", openapi);
    src.publish_bundle(
        "ghcr.io/acme/orders-api-pacto",
        "1.2.0",
        contract,
        &fake::digest_of(contract),
        bundle,
    );
    let mut p = inline_pacto(contract);
    p.spec.contract_ref = pacto_operator::crd::ContractRef {
        oci: Some(OCI.to_string()),
        ..Default::default()
    };
    p
}

/// The same Pacto with the contract inline (no bundle).
fn inline_pacto(contract: &str) -> Pacto {
    serde_json::from_value(json!({
        "apiVersion": "pacto.trianalab.io/v1alpha1",
        "kind": "Pacto",
        "metadata": {"name": "orders-api", "namespace": NS, "uid": "uid-orders", "generation": 1},
        "spec": {
            "contractRef": {"inline": contract},
            "target": {
                "serviceName": "orders-api",
                "interfaceBindings": [{"interface": "http", "servicePort": "http"}],
                "configBindings": [{"configuration": "default", "kind": "ConfigMap",
                    "name": "orders-api-config", "key": "app.yaml", "format": "yaml"}]
            }
        }
    }))
    .unwrap()
}

fn harness(opts: Options) -> (FakeApi, Arc<Context>, Arc<MemSource>) {
    let api = FakeApi::new();
    let src = Arc::new(MemSource::default());
    let mut ctx = Context::new(api.client(), src.clone(), Arc::new(Metrics::default()));
    ctx.v2 = opts;
    (api, Arc::new(ctx), src)
}

fn cluster(api: &FakeApi, ready: i32, config: Option<&str>) {
    api.put(
        &format!("/api/v1/namespaces/{NS}/services/orders-api"),
        json!({"apiVersion": "v1", "kind": "Service",
               "metadata": {"name": "orders-api", "namespace": NS},
               "spec": {"ports": [{"name": "http", "port": 80, "targetPort": 8080}]}}),
    );
    api.put(
        &format!("/apis/apps/v1/namespaces/{NS}/deployments/orders-api"),
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "orders-api", "namespace": NS},
               "spec": {"replicas": 1, "selector": {}, "template": {"spec": {"containers": [
                   {"name": "app", "image": "orders:1.2.0", "ports": [{"containerPort": 8080}]}]}}},
               "status": {"readyReplicas": ready}}),
    );
    if let Some(text) = config {
        api.put(
            &format!("/api/v1/namespaces/{NS}/configmaps/orders-api-config"),
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "orders-api-config", "namespace": NS},
                   "data": {"app.yaml": text}}),
        );
    }
}

async fn reconcile(api: &FakeApi, ctx: &Arc<Context>, p: &Pacto) -> Value {
    let path = format!("{PACTOS}/{NS}/pactos/orders-api");
    if api.get(&path).is_none() {
        api.put(&path, serde_json::to_value(p).unwrap());
    }
    reconcile::reconcile(Arc::new(p.clone()), ctx.clone())
        .await
        .unwrap();
    api.get(&path).unwrap()["status"].clone()
}

fn codes(st: &Value) -> Vec<(String, String)> {
    st["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["code"].as_str().unwrap().to_string(),
                        f["severity"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn condition<'a>(st: &'a Value, t: &str) -> &'a Value {
    st["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == t)
        .unwrap_or_else(|| panic!("no {t} in {st:#}"))
}

/// Go's contract-bindings example, everything in place: the bound port serves ready replicas,
/// the ConfigMap key decodes as YAML, the Deployment is a `service`: Compliant, no findings,
/// every required assertion evaluated.
#[tokio::test]
async fn go_bindings_example_all_bound_and_present_is_compliant() {
    let (api, ctx, src) = harness(Options::default());
    cluster(&api, 1, Some("port: 8080\n"));
    let st = reconcile(&api, &ctx, &orders_pacto(&src, ORDERS)).await;
    assert_eq!(st["contractStatus"], "Compliant", "{st:#}");
    assert_eq!(codes(&st), Vec::<(String, String)>::new());
    assert_eq!(
        st["evaluationCoverage"],
        json!({"required": 3, "evaluated": 3})
    );
    assert_eq!(condition(&st, "ContractValid")["status"], "True");
    assert_eq!(condition(&st, "RuntimeObserved")["status"], "True");
    // 2.0 has no ports in the contract: no 1.x port check.
    assert!(st.get("ports").is_none(), "{st:#}");
    assert!(api.requests().iter().any(|r| r.method == "GET"
        && r.path == format!("/api/v1/namespaces/{NS}/configmaps/orders-api-config")));
}

/// runtime-observations.md: "Insufficient: … includes within-stabilization-window negatives";
/// a sustained negative becomes a confirmed violation. A missing ConfigMap reads Unknown
/// (EVIDENCE_INSUFFICIENT) first, with its window recorded; once the window has passed it is
/// CONFIGURATION_ABSENT, an error: NonCompliant.
#[tokio::test]
async fn a_missing_configmap_is_unknown_inside_the_window_then_non_compliant() {
    let (api, ctx, src) = harness(Options::default());
    cluster(&api, 1, None);
    let p = orders_pacto(&src, ORDERS);
    let st = reconcile(&api, &ctx, &p).await;
    assert_eq!(st["contractStatus"], "Unknown", "{st:#}");
    assert_eq!(
        codes(&st),
        [("EVIDENCE_INSUFFICIENT".into(), "unknown".into())]
    );
    assert_eq!(st["findings"][0]["subject"], "configuration/default");
    assert_eq!(
        st["evaluationCoverage"],
        json!({"required": 3, "evaluated": 2})
    );
    assert_eq!(condition(&st, "RuntimeObserved")["status"], "Unknown");
    let w = &st["observationWindows"][0];
    assert_eq!(
        (&w["kind"], &w["subject"]),
        (&json!("configuration"), &json!("default"))
    );
    // The streak began three minutes ago (longer than the default 2m window).
    let mut aged = p.clone();
    let started = (k8s_openapi::jiff::Timestamp::now()
        - k8s_openapi::jiff::SignedDuration::from_secs(180))
    .to_string();
    aged.status = Some(pacto_operator::crd::PactoStatus {
        observation_windows: vec![ObservationWindow {
            kind: "configuration".into(),
            subject: "default".into(),
            first_observed_negative_at: started.clone(),
        }],
        ..Default::default()
    });
    let st = reconcile(&api, &ctx, &aged).await;
    assert_eq!(st["contractStatus"], "NonCompliant", "{st:#}");
    assert_eq!(
        codes(&st),
        [("CONFIGURATION_ABSENT".into(), "error".into())]
    );
    assert_eq!(st["findings"][0]["category"], "RuntimeDrift");
    assert_eq!(
        st["observationWindows"][0]["firstObservedNegativeAt"],
        json!(started)
    );
    // Present again: the window is gone and the Pacto is Compliant.
    cluster(&api, 1, Some("port: 8080\n"));
    let st = reconcile(&api, &ctx, &aged).await;
    assert_eq!(st["contractStatus"], "Compliant", "{st:#}");
    assert!(st.get("observationWindows").is_none(), "{st:#}");
}

/// With no window, an unready interface and a config value that breaks the configuration's
/// schema are errors at once; NonCompliant outranks everything (Go's precedence).
#[tokio::test]
async fn zero_window_contradictions_are_errors_with_go_codes() {
    let (api, ctx, src) = harness(Options {
        stabilization_window: Duration::ZERO,
        ..Options::default()
    });
    cluster(&api, 0, Some("port: eighty\n"));
    let st = reconcile(&api, &ctx, &orders_pacto(&src, ORDERS)).await;
    assert_eq!(st["contractStatus"], "NonCompliant", "{st:#}");
    // Go's `Errors`/`Warnings` printer columns read the findings counted by severity.
    assert_eq!(st["summary"]["errorCount"], 2, "{st:#}");
    assert_eq!(st["summary"]["warningCount"], 0);
    assert_eq!(st["summary"]["unknownCount"], 0);
    assert_eq!(
        codes(&st),
        [
            ("INTERFACE_ABSENT".into(), "error".into()),
            ("CONFIGURATION_MISMATCH".into(), "error".into())
        ]
    );
}

/// What cannot be observed is never a pass: an unbound interface is EVIDENCE_MISSING, a
/// health capability without probing or a container probe is EVIDENCE_INSUFFICIENT, metrics
/// without `-enable-metrics-observation` OBSERVATION_UNSUPPORTED, a required dependency
/// OBSERVATION_UNSUPPORTED, an extension EXTENSION_EVALUATOR_UNAVAILABLE: Unknown.
#[tokio::test]
async fn what_cannot_be_observed_is_unknown_never_a_pass() {
    let (api, ctx, src) = harness(Options::default());
    cluster(&api, 1, Some("port: 8080\n"));
    let contract = r#"pactoVersion: "2.0"
service: {name: orders-api, version: 1.2.0, owner: {team: orders}}
interfaces:
  - {name: http, type: openapi, ref: interfaces/openapi.yaml}
  - {name: admin, type: openapi, ref: interfaces/admin.yaml}
capabilities:
  - {type: health, binding: {type: http, interface: http, path: /healthz}}
  - {type: metrics, binding: {type: http, interface: http, path: /metrics}}
  - {type: extension, ref: example.com/tracing}
dependencies:
  - {name: auth, ref: "oci://ghcr.io/acme/auth-pacto:1.0.0", required: true, compatibility: "^1.0.0"}
configurations:
  - {name: default, schema: configuration/schema.json, required: true}
workload: service
extensions:
  example.com/tracing: {}
"#;
    let st = reconcile(&api, &ctx, &orders_pacto(&src, contract)).await;
    assert_eq!(st["contractStatus"], "Unknown", "{st:#}");
    let got = codes(&st);
    for want in [
        "EVIDENCE_MISSING",
        "EVIDENCE_INSUFFICIENT",
        "OBSERVATION_UNSUPPORTED",
        "EXTENSION_EVALUATOR_UNAVAILABLE",
    ] {
        assert!(
            got.iter().any(|(c, s)| c == want && s == "unknown"),
            "{want} in {got:?}"
        );
    }
    // The structural warning (a tag, not a digest) is passed along, as Go does; Unknown
    // outranks it.
    assert_eq!(got[0], ("TAG_NOT_DIGEST".into(), "warning".into()));
    assert!(got[1..].iter().all(|(_, s)| s == "unknown"), "{got:?}");
    let cov = &st["evaluationCoverage"];
    assert!(
        cov["evaluated"].as_i64() < cov["required"].as_i64(),
        "{cov}"
    );
}

/// Precedence below NonCompliant: a validation warning alone is Warning; Go passes the
/// structural findings with the runtime ones.
#[test]
fn verdict_precedence_is_gos() {
    use pacto_core::evaluate::Coverage;
    use pacto_operator::crd::{ContractStatus, FindingSeverity, FindingStatus};
    let f = |s| FindingStatus {
        code: "X".into(),
        severity: s,
        category: "c".into(),
        subject: String::new(),
        contract_path: String::new(),
        message: String::new(),
    };
    let full = Coverage {
        required: 1,
        evaluated: 1,
    };
    let short = Coverage {
        required: 2,
        evaluated: 1,
    };
    use FindingSeverity::*;
    assert_eq!(runtime_v2::verdict(&[], full), ContractStatus::Compliant);
    assert_eq!(runtime_v2::verdict(&[], short), ContractStatus::Unknown);
    assert_eq!(
        runtime_v2::verdict(&[f(Warning)], full),
        ContractStatus::Warning
    );
    assert_eq!(
        runtime_v2::verdict(&[f(Warning), f(Unknown)], full),
        ContractStatus::Unknown
    );
    assert_eq!(
        runtime_v2::verdict(&[f(Unknown), f(Error), f(Warning)], full),
        ContractStatus::NonCompliant
    );
}

/// A 1.x Pacto next to a 2.0 one keeps today's checks (ports, per-check conditions) and gets
/// no findings.
#[tokio::test]
async fn a_1_x_pacto_beside_keeps_the_1_x_checks() {
    let (api, ctx, src) = harness(Options::default());
    cluster(&api, 1, Some("port: 8080\n"));
    let v1 = "pactoVersion: \"1.0\"\nservice: {name: orders-api, version: 1.0.0}\ninterfaces:\n  - {name: api, type: http, port: 80}\n";
    let st = reconcile(&api, &ctx, &orders_pacto(&src, v1)).await;
    assert!(st["ports"].is_object(), "{st:#}");
    // The `Errors` column of a 1.x Pacto counts its failed error checks.
    let failed_errors = st["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "False" && c["severity"] != "warning")
        .count();
    assert_eq!(st["summary"]["errorCount"], failed_errors, "{st:#}");
    assert!(st.get("findings").is_none() && st.get("evaluationCoverage").is_none());
    assert!(st["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["type"] == "ServiceExists"));
}

#[test]
fn go_durations_parse() {
    use runtime_v2::parse_go_duration as d;
    assert_eq!(d("2m0s"), Ok(Duration::from_secs(120)));
    assert_eq!(d("90s"), Ok(Duration::from_secs(90)));
    assert_eq!(d("1h30m"), Ok(Duration::from_secs(5400)));
    assert_eq!(d("500ms"), Ok(Duration::from_millis(500)));
    assert_eq!(d("0"), Ok(Duration::ZERO));
    assert_eq!(d("1.5m"), Ok(Duration::from_secs(90)));
    for bad in ["", "2", "soon", "-1s", "1x"] {
        assert!(d(bad).is_err(), "{bad}");
    }
}

/// A reference-only 2.0 Pacto (Go: "Reference-only contracts short-circuit to Reference"):
/// its status carries the 2.0 runtime (top-level workload/state, capability bindings), the
/// capabilities, and the readiness of its `claims` with the `ReadinessSatisfied` condition.
#[tokio::test]
async fn a_reference_2_0_pacto_reads_runtime_capabilities_and_readiness_claims() {
    let (api, ctx, _src) = harness(Options::default());
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/v2/valid/payments-api/pacto.yaml"
    ))
    .unwrap();
    let mut p = inline_pacto(&text);
    p.spec.target = None;
    let st = reconcile(&api, &ctx, &p).await;
    assert_eq!(st["contractStatus"], "Reference", "{st:#}");
    assert_eq!(st["runtime"]["workload"], "service");
    assert_eq!(st["runtime"]["persistenceDurability"], "persistent");
    assert_eq!(st["runtime"]["healthPath"], "/health");
    assert_eq!(
        st["capabilities"],
        json!([{"type": "health"}, {"type": "metrics"},
               {"type": "extension", "ref": "example.com/tracing"}])
    );
    assert_eq!(st["readiness"]["minScore"], 80, "{st:#}");
    assert_eq!(st["readiness"]["checks"].as_array().unwrap().len(), 3);
    let cond = condition(&st, "ReadinessSatisfied");
    assert!(cond["status"] == "True" || cond["status"] == "False");
    assert!(st.get("findings").is_none());
}

/// A prober that answers each URL from a script and records what it was asked.
struct Scripted(
    std::sync::Mutex<Vec<String>>,
    fn(&str) -> pacto_operator::checks::ProbeResult,
);

impl pacto_operator::reconcile::Prober for Scripted {
    fn get(&self, url: &str) -> pacto_operator::checks::ProbeResult {
        self.0.lock().unwrap().push(url.to_string());
        (self.1)(url)
    }
}

const WITH_CAPS: &str = r#"pactoVersion: "2.0"
service: {name: orders-api, version: 1.2.0, owner: {team: orders}}
interfaces:
  - {name: http, type: openapi, ref: interfaces/openapi.yaml}
capabilities:
  - {type: health, binding: {type: http, interface: http, path: /healthz}}
  - {type: metrics, binding: {type: http, interface: http, path: /metrics}}
"#;

async fn with_prober(
    answer: fn(&str) -> pacto_operator::checks::ProbeResult,
) -> (Value, Vec<String>) {
    let api = FakeApi::new();
    let prober = Arc::new(Scripted(Default::default(), answer));
    let src = Arc::new(MemSource::default());
    let mut ctx = Context::new(api.client(), src.clone(), Arc::new(Metrics::default()));
    ctx.prober = Some(prober.clone());
    ctx.v2 = Options {
        stabilization_window: Duration::ZERO,
        enable_probing: true,
        enable_metrics_observation: true,
        ..Options::default()
    };
    let ctx = Arc::new(ctx);
    cluster(&api, 1, Some("a: 1\n"));
    let st = reconcile(&api, &ctx, &orders_pacto(&src, WITH_CAPS)).await;
    let asked = prober.0.lock().unwrap().clone();
    (st, asked)
}

/// `-enable-probing` / `-enable-metrics-observation`: the capabilities are GET through the
/// Service on the bound interface's port and the binding's path; 2xx is present, another
/// status a CAPABILITY_ABSENT error, no answer COLLECTION_FAILED (unknown).
#[tokio::test]
async fn probing_flags_get_the_capabilities_through_the_bound_service_port() {
    use pacto_operator::checks::ProbeResult;
    let (st, asked) = with_prober(|_| ProbeResult::Response {
        status: 200,
        non_empty_body: true,
    })
    .await;
    assert_eq!(
        asked,
        [
            "http://orders-api.shop.svc:80/healthz",
            "http://orders-api.shop.svc:80/metrics"
        ]
    );
    assert_eq!(st["contractStatus"], "Compliant", "{st:#}");
    assert_eq!(
        st["evaluationCoverage"],
        json!({"required": 3, "evaluated": 3})
    );

    let (st, _) = with_prober(|u| {
        if u.ends_with("/healthz") {
            ProbeResult::Response {
                status: 503,
                non_empty_body: false,
            }
        } else {
            ProbeResult::ConnectionFailed("refused".into())
        }
    })
    .await;
    assert_eq!(st["contractStatus"], "NonCompliant", "{st:#}");
    assert_eq!(
        codes(&st),
        [
            ("CAPABILITY_ABSENT".into(), "error".into()),
            ("COLLECTION_FAILED".into(), "unknown".into())
        ]
    );
    assert_eq!(st["findings"][0]["subject"], "capability/health");
}

/// Without the flags: health is read passively from a container probe on its path (none
/// here: EVIDENCE_INSUFFICIENT), metrics are not observed (OBSERVATION_UNSUPPORTED).
#[tokio::test]
async fn without_probing_health_is_passive_and_metrics_unsupported() {
    let (api, ctx, src) = harness(Options::default());
    cluster(&api, 1, None);
    let st = reconcile(&api, &ctx, &orders_pacto(&src, WITH_CAPS)).await;
    assert_eq!(
        codes(&st),
        [
            ("EVIDENCE_INSUFFICIENT".into(), "unknown".into()),
            ("OBSERVATION_UNSUPPORTED".into(), "unknown".into())
        ]
    );
    // A readiness probe on /healthz is the passive evidence.
    api.put(
        &format!("/apis/apps/v1/namespaces/{NS}/deployments/orders-api"),
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "orders-api", "namespace": NS},
               "spec": {"selector": {}, "template": {"spec": {"containers": [
                   {"name": "app", "image": "o:1",
                    "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}}}]}}},
               "status": {"readyReplicas": 1}}),
    );
    let st = reconcile(&api, &ctx, &orders_pacto(&src, WITH_CAPS)).await;
    assert_eq!(
        codes(&st),
        [("OBSERVATION_UNSUPPORTED".into(), "unknown".into())]
    );
}

/// Go's AR7: with `workloadRef.kind` written, a workload of another type is WORKLOAD_MISMATCH
/// at the first reconcile (a mismatch waits for no window); with the kind defaulted it is
/// only EVIDENCE_INSUFFICIENT.
#[tokio::test]
async fn workload_mismatch_needs_an_explicit_kind() {
    let (api, ctx, src) = harness(Options::default());
    cluster(&api, 1, Some("port: 8080\n"));
    let job = ORDERS.replace("workload: service", "workload: job");
    let mut p = orders_pacto(&src, &job);
    let st = reconcile(&api, &ctx, &p).await;
    assert_eq!(
        codes(&st),
        [("EVIDENCE_INSUFFICIENT".into(), "unknown".into())]
    );
    p.spec.target.as_mut().unwrap().workload_ref = Some(pacto_operator::crd::WorkloadRef {
        name: "orders-api".into(),
        kind: Some(pacto_operator::crd::WorkloadKind::Deployment),
    });
    let st = reconcile(&api, &ctx, &p).await;
    assert_eq!(st["contractStatus"], "NonCompliant", "{st:#}");
    assert_eq!(codes(&st), [("WORKLOAD_MISMATCH".into(), "error".into())]);
    assert_eq!(st["findings"][0]["subject"], "service/orders-api");
}

/// A ConfigMap the operator may not read is COLLECTION_FAILED (unknown), not absent.
#[tokio::test]
async fn a_forbidden_configmap_is_collection_failed() {
    let (api, ctx, src) = harness(Options {
        stabilization_window: Duration::ZERO,
        ..Options::default()
    });
    cluster(&api, 1, Some("a: 1\n"));
    api.fail(|m, p| m == "GET" && p.contains("/configmaps/"), 403);
    let st = reconcile(&api, &ctx, &orders_pacto(&src, ORDERS)).await;
    assert_eq!(st["contractStatus"], "Unknown", "{st:#}");
    assert_eq!(codes(&st), [("COLLECTION_FAILED".into(), "unknown".into())]);
}

/// A conflicting status apply (HTTP 409) of a 2.0 Pacto is an error for backoff, naming it.
#[tokio::test]
async fn a_conflicting_status_apply_is_an_error_for_backoff() {
    let (api, ctx, src) = harness(Options::default());
    cluster(&api, 1, Some("a: 1\n"));
    api.fail(
        |m, p| m == "PATCH" && p.ends_with("/pactos/orders-api/status"),
        409,
    );
    let p = orders_pacto(&src, ORDERS);
    api.put(
        &format!("{PACTOS}/{NS}/pactos/orders-api"),
        serde_json::to_value(&p).unwrap(),
    );
    let err = reconcile::reconcile(Arc::new(p), ctx.clone())
        .await
        .unwrap_err();
    assert!(matches!(err, reconcile::Error::Status(..)));
    assert!(err.to_string().contains("HTTP 409"), "{err}");
}

/// Go's gitops.md "Timing": a mismatch (configuration conformance) is NonCompliant at the
/// first reconcile; only an absence waits out the stabilization window. The value decodes but
/// breaks the schema (`port` is required), as Go's `TestConfigurationsDim_ConfigMapNotConform`.
#[tokio::test]
async fn a_config_mismatch_does_not_wait_for_the_window() {
    let (api, ctx, src) = harness(Options::default());
    cluster(&api, 1, Some("host: localhost\n"));
    let st = reconcile(&api, &ctx, &orders_pacto(&src, ORDERS)).await;
    assert_eq!(st["contractStatus"], "NonCompliant", "{st:#}");
    assert_eq!(
        codes(&st),
        [("CONFIGURATION_MISMATCH".into(), "error".into())]
    );
    assert!(st.get("observationWindows").is_none(), "{st:#}");
}

/// Go's collector (`observeConfigurationsDim`, its tests `TestConfigurationsDim_*`): only a
/// ConfigMap value that decodes per `format` and is validated against the configuration's
/// schema is a conclusive observation; everything short of that is EVIDENCE_INSUFFICIENT
/// (unknown), never a pass and never a violation: a Secret (existence only, its data is never
/// read), a binding without `key`/`format`, a missing key, a value that does not decode, a
/// contract whose schema the operator cannot read (inline: no bundle). A required
/// configuration without a binding is OBSERVATION_UNSUPPORTED.
#[tokio::test]
async fn configuration_outcomes_are_gos() {
    let (api, ctx, src) = harness(Options {
        stabilization_window: Duration::ZERO,
        ..Options::default()
    });
    let bind = |p: &mut Pacto, b: Value| {
        p.spec.target.as_mut().unwrap().config_bindings = vec![serde_json::from_value(b).unwrap()];
    };
    let config_code = |st: &Value| -> Vec<(String, String)> {
        let findings = st["findings"].as_array().cloned().unwrap_or_default();
        codes(st)
            .into_iter()
            .zip(findings)
            .filter(|(_, f)| f["subject"] == "configuration/default")
            .map(|(c, _)| c)
            .collect()
    };
    let insufficient = vec![("EVIDENCE_INSUFFICIENT".to_string(), "unknown".to_string())];

    // A Secret: existence only, and its data is never read (a metadata GET).
    cluster(&api, 1, None);
    api.put(
        &format!("/api/v1/namespaces/{NS}/secrets/orders-api-secret"),
        json!({"apiVersion": "v1", "kind": "Secret",
               "metadata": {"name": "orders-api-secret", "namespace": NS},
               "data": {"app.yaml": "cG9ydDogODA4MAo="}}),
    );
    let mut p = orders_pacto(&src, ORDERS);
    bind(
        &mut p,
        json!({"configuration": "default", "kind": "Secret",
                        "name": "orders-api-secret", "key": "app.yaml", "format": "yaml"}),
    );
    api.clear_requests();
    let st = reconcile(&api, &ctx, &p).await;
    assert_eq!(config_code(&st), insufficient, "{st:#}");
    assert_eq!(st["contractStatus"], "Unknown");
    let secret_get = api
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/secrets/orders-api-secret"))
        .unwrap();
    assert!(secret_get.query.is_empty(), "{secret_get:?}");
    // A deleted Secret is absent (no window here): CONFIGURATION_ABSENT.
    bind(
        &mut p,
        json!({"configuration": "default", "kind": "Secret", "name": "gone"}),
    );
    let st = reconcile(&api, &ctx, &p).await;
    assert_eq!(
        config_code(&st),
        [("CONFIGURATION_ABSENT".into(), "error".into())]
    );

    // A ConfigMap without key and format: existence only.
    cluster(&api, 1, Some("port: 8080\n"));
    bind(
        &mut p,
        json!({"configuration": "default", "kind": "ConfigMap",
                        "name": "orders-api-config"}),
    );
    let st = reconcile(&api, &ctx, &p).await;
    assert_eq!(config_code(&st), insufficient, "{st:#}");
    // The key is not there.
    bind(
        &mut p,
        json!({"configuration": "default", "kind": "ConfigMap",
                        "name": "orders-api-config", "key": "other.yaml", "format": "yaml"}),
    );
    let st = reconcile(&api, &ctx, &p).await;
    assert_eq!(config_code(&st), insufficient, "{st:#}");
    // The value does not decode as the format says.
    bind(
        &mut p,
        json!({"configuration": "default", "kind": "ConfigMap",
                        "name": "orders-api-config", "key": "app.yaml", "format": "json"}),
    );
    let st = reconcile(&api, &ctx, &p).await;
    assert_eq!(config_code(&st), insufficient, "{st:#}");

    // An inline contract has no bundle, so no schema to validate against.
    let st = reconcile(&api, &ctx, &inline_pacto(ORDERS)).await;
    assert_eq!(config_code(&st), insufficient, "{st:#}");

    // A required configuration nobody bound.
    let mut p = orders_pacto(&src, ORDERS);
    p.spec.target.as_mut().unwrap().config_bindings.clear();
    let st = reconcile(&api, &ctx, &p).await;
    assert_eq!(
        config_code(&st),
        [("OBSERVATION_UNSUPPORTED".into(), "unknown".into())]
    );
    // An optional one is not asserted at all.
    let optional = ORDERS.replace("required: true", "required: false");
    let mut p = orders_pacto(&src, &optional);
    p.spec.target.as_mut().unwrap().config_bindings.clear();
    let st = reconcile(&api, &ctx, &p).await;
    assert_eq!(config_code(&st), Vec::<(String, String)>::new(), "{st:#}");
    assert_eq!(st["contractStatus"], "Compliant", "{st:#}");
}
