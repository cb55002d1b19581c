//! One test per alignment scenario: the Go operator's acceptance scenarios (spec §4.2) and the
//! checks it documented but never implemented. Pure: a contract and `k8s-openapi` objects in,
//! checks and a contract status out.

#![allow(clippy::unwrap_used)]

use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::Service;
use pacto_core::model::Contract;
use pacto_core::syntax::{parse, Limits};
use pacto_operator::checks::{self, Check, Observed, ProbeResult, Workload};
use pacto_operator::crd::{ContractStatus, WorkloadKind};
use serde_json::{json, Value};

fn contract(yaml: &str) -> Contract {
    Contract::from_tree(&parse(yaml, &Limits::default()).tree.unwrap())
}

const SIMPLE: &str = r#"
pactoVersion: "1.0"
service: {name: simple-svc, version: 1.0.0}
interfaces:
  - {name: api, type: http, port: 8080}
"#;

const RUNTIME: &str = r#"
pactoVersion: "1.0"
service:
  name: runtime-svc
  version: 2.0.0
  image: {ref: docker.io/library/nginx:latest}
interfaces:
  - {name: api, type: http, port: 8080}
runtime:
  workload: service
  state: {type: stateless, persistence: {scope: local, durability: ephemeral}, dataCriticality: low}
  lifecycle: {upgradeStrategy: rolling, gracefulShutdownSeconds: 30}
  health: {interface: api, path: /healthz, initialDelaySeconds: 5}
scaling: {min: 2, max: 4}
"#;

const STATEFUL: &str = r#"
pactoVersion: "1.0"
service: {name: db, version: 1.0.0}
runtime:
  workload: service
  state: {type: stateful, persistence: {scope: local, durability: persistent}, dataCriticality: high}
  lifecycle: {upgradeStrategy: ordered, gracefulShutdownSeconds: 60}
"#;

fn service(name: &str, ports: &[i32]) -> Service {
    serde_json::from_value(json!({
        "metadata": {"name": name},
        "spec": {"ports": ports.iter().map(|p| json!({"port": p})).collect::<Vec<_>>()}
    }))
    .unwrap()
}

fn pod(image: &str, grace: i64, port: i32, probe_path: &str, delay: i32) -> Value {
    json!({
        "spec": {
            "terminationGracePeriodSeconds": grace,
            "containers": [{
                "name": "app",
                "image": image,
                "ports": [{"containerPort": port, "name": "http"}],
                "readinessProbe": {"httpGet": {"path": probe_path, "port": "http"}, "initialDelaySeconds": delay}
            }]
        }
    })
}

fn deployment(name: &str, replicas: i32, strategy: &str, template: Value) -> Workload {
    Workload::Deployment(Box::new(
        serde_json::from_value(json!({
            "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {}, "strategy": {"type": strategy}, "template": template}
        }))
        .unwrap(),
    ))
}

fn statefulset(name: &str, claims: bool, template: Value) -> Workload {
    let mut spec = json!({"selector": {}, "serviceName": name, "template": template, "podManagementPolicy": "OrderedReady"});
    if claims {
        spec["volumeClaimTemplates"] = json!([{"metadata": {"name": "data"}}]);
    }
    Workload::StatefulSet(Box::new(
        serde_json::from_value(json!({"metadata": {"name": name}, "spec": spec})).unwrap(),
    ))
}

/// The checks of the `RUNTIME` contract against workload `w` behind its Service (port 8080).
fn run_on_runtime_svc(w: Workload) -> checks::Outcome {
    checks::run(
        &contract(RUNTIME),
        &observed(
            Some(service("runtime-svc", &[8080])),
            Some("runtime-svc"),
            Some(w),
            ("runtime-svc", WorkloadKind::Deployment),
        ),
    )
}

fn observed(
    svc: Option<Service>,
    svc_name: Option<&str>,
    w: Option<Workload>,
    wref: (&str, WorkloadKind),
) -> Observed {
    Observed {
        service_name: svc_name.map(str::to_string),
        service: svc,
        workload_ref: Some((wref.0.to_string(), wref.1)),
        workload: w,
        hpa: None,
        unavailable: vec![],
    }
}

fn find<'a>(checks: &'a [Check], t: &str) -> &'a Check {
    checks
        .iter()
        .find(|c| c.type_ == t)
        .unwrap_or_else(|| panic!("no {t} in {checks:#?}"))
}

fn types(checks: &[Check]) -> Vec<&str> {
    checks.iter().map(|c| c.type_).collect()
}

fn runtime_ok_deployment() -> Workload {
    deployment(
        "runtime-svc",
        3,
        "RollingUpdate",
        pod("nginx:latest", 30, 8080, "/healthz", 5),
    )
}

#[test]
fn scenario_2_missing_service_and_workload_is_non_compliant() {
    let c = contract(SIMPLE);
    let o = checks::run(
        &c,
        &observed(
            None,
            Some("nonexistent-svc"),
            None,
            ("nonexistent-svc", WorkloadKind::Deployment),
        ),
    );
    assert_eq!(find(&o.checks, "ServiceExists").reason, "NotFound");
    assert_eq!(find(&o.checks, "WorkloadExists").reason, "NotFound");
    assert_eq!(o.ports.as_ref().unwrap().expected, vec![8080]);
    assert_eq!(
        checks::derive_status(&o.checks),
        ContractStatus::NonCompliant
    );
    let r = o.resources.unwrap();
    assert!(!r.service.unwrap().exists && !r.workload.unwrap().exists);
}

#[test]
fn scenario_3_compliant() {
    let c = contract(SIMPLE);
    let w = deployment(
        "compliant-svc",
        1,
        "RollingUpdate",
        pod("x:1", 30, 8080, "/", 0),
    );
    let o = checks::run(
        &c,
        &observed(
            Some(service("compliant-svc", &[8080])),
            Some("compliant-svc"),
            Some(w),
            ("compliant-svc", WorkloadKind::Deployment),
        ),
    );
    assert!(o.checks.iter().all(Check::passed), "{:#?}", o.checks);
    assert_eq!(
        types(&o.checks),
        [
            "ServiceExists",
            "WorkloadExists",
            "PortsValid",
            "ContainerPortsValid"
        ]
    );
    assert_eq!(checks::derive_status(&o.checks), ContractStatus::Compliant);
    let s = checks::summarize(&o.checks);
    assert_eq!((s.total, s.failed), (4, 0));
}

#[test]
fn scenario_4_service_port_mismatch_is_a_warning() {
    let c = contract(SIMPLE);
    let w = deployment("svc", 1, "RollingUpdate", pod("x:1", 30, 8080, "/", 0));
    let o = checks::run(
        &c,
        &observed(
            Some(service("svc", &[9090])),
            Some("svc"),
            Some(w),
            ("svc", WorkloadKind::Deployment),
        ),
    );
    let p = find(&o.checks, "PortsValid");
    assert_eq!((p.status, p.reason), ("False", "MissingPorts"));
    let ports = o.ports.unwrap();
    assert_eq!((ports.missing, ports.unexpected), (vec![8080], vec![9090]));
    assert_eq!(checks::derive_status(&o.checks), ContractStatus::Warning);
}

#[test]
fn scenario_5_runtime_match_through_image_normalisation() {
    let c = contract(RUNTIME);
    let o = checks::run(
        &c,
        &observed(
            Some(service("runtime-svc", &[8080])),
            Some("runtime-svc"),
            Some(runtime_ok_deployment()),
            ("runtime-svc", WorkloadKind::Deployment),
        ),
    );
    assert!(o.checks.iter().all(Check::passed), "{:#?}", o.checks);
    for t in [
        "WorkloadTypeMatch",
        "StateModelMatch",
        "UpgradeStrategyMatch",
        "GracefulShutdownMatch",
        "ImageMatch",
        "HealthTimingMatch",
        "HealthProbeMatch",
        "ScalingMatch",
    ] {
        assert!(find(&o.checks, t).passed());
    }
    assert_eq!(o.observed_runtime.unwrap().workload_kind, "Deployment");
    assert_eq!(checks::derive_status(&o.checks), ContractStatus::Compliant);
}

#[test]
fn scenario_6_runtime_drift_is_a_warning_not_non_compliant() {
    let w = deployment(
        "runtime-svc",
        3,
        "Recreate",
        pod("nginx:latest", 10, 8080, "/healthz", 5),
    );
    let o = run_on_runtime_svc(w);
    assert_eq!(find(&o.checks, "UpgradeStrategyMatch").reason, "Mismatch");
    assert_eq!(find(&o.checks, "GracefulShutdownMatch").reason, "Mismatch");
    assert_eq!(checks::derive_status(&o.checks), ContractStatus::Warning);
}

#[test]
fn scenario_7_stateful_contract_on_a_deployment() {
    let c = contract(STATEFUL);
    let w = deployment("db", 1, "RollingUpdate", pod("pg:16", 60, 5432, "/", 0));
    let o = checks::run(
        &c,
        &observed(None, None, Some(w), ("db", WorkloadKind::Deployment)),
    );
    assert!(find(&o.checks, "WorkloadTypeMatch").passed());
    let s = find(&o.checks, "StateModelMatch");
    assert_eq!((s.status, s.reason), ("False", "Mismatch"));
    assert!(s.message.contains("expected StatefulSet"), "{}", s.message);
    assert_eq!(find(&o.checks, "UpgradeStrategyMatch").reason, "Mismatch");
    assert_eq!(checks::derive_status(&o.checks), ContractStatus::Warning);
}

#[test]
fn scenario_7_stateful_contract_on_a_statefulset_with_claims_is_compliant() {
    let c = contract(STATEFUL);
    let o = checks::run(
        &c,
        &observed(
            None,
            None,
            Some(statefulset("db", true, pod("pg:16", 60, 5432, "/", 0))),
            ("db", WorkloadKind::StatefulSet),
        ),
    );
    assert!(o.checks.iter().all(Check::passed), "{:#?}", o.checks);
    assert!(o.observed_runtime.unwrap().has_pvc);
    assert_eq!(checks::derive_status(&o.checks), ContractStatus::Compliant);
}

#[test]
fn scenario_7_persistent_statefulset_without_claims_is_missing() {
    let c = contract(STATEFUL);
    let o = checks::run(
        &c,
        &observed(
            None,
            None,
            Some(statefulset("db", false, pod("pg:16", 60, 5432, "/", 0))),
            ("db", WorkloadKind::StatefulSet),
        ),
    );
    let s = find(&o.checks, "StateModelMatch");
    assert_eq!((s.status, s.reason), ("False", "Missing"));
}

const SCHEDULED: &str = r#"
pactoVersion: "1.0"
service: {name: cj, version: 1.0.0}
runtime: {workload: scheduled, state: {type: stateless, persistence: {scope: local, durability: ephemeral}, dataCriticality: low}}
"#;

fn cronjob(name: &str) -> Workload {
    Workload::CronJob(Box::new(serde_json::from_value(json!({
        "metadata": {"name": name},
        "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": pod("x:1", 30, 80, "/", 0)}}}
    })).unwrap()))
}

#[test]
fn scenario_8_batch_workloads() {
    let c = contract(SCHEDULED);
    let o = checks::run(
        &c,
        &observed(
            None,
            None,
            Some(cronjob("cj")),
            ("cj", WorkloadKind::CronJob),
        ),
    );
    assert_eq!(
        checks::derive_status(&o.checks),
        ContractStatus::Compliant,
        "{:#?}",
        o.checks
    );
    assert_eq!(o.observed_runtime.unwrap().workload_kind, "CronJob");
    assert!(
        !types(&o.checks).contains(&"ServiceExists") && !types(&o.checks).contains(&"PortsValid")
    );

    let job = contract(&SCHEDULED.replace("scheduled", "job"));
    let j = Workload::Job(Box::new(
        serde_json::from_value(
            json!({"metadata": {"name": "cj"}, "spec": {"template": pod("x:1", 30, 80, "/", 0)}}),
        )
        .unwrap(),
    ));
    assert_eq!(
        checks::derive_status(
            &checks::run(
                &job,
                &observed(None, None, Some(j), ("cj", WorkloadKind::Job))
            )
            .checks
        ),
        ContractStatus::Compliant
    );

    let missing = checks::run(
        &c,
        &observed(None, None, None, ("cj", WorkloadKind::CronJob)),
    );
    assert_eq!(
        checks::derive_status(&missing.checks),
        ContractStatus::NonCompliant
    );

    let d = deployment("cj", 1, "RollingUpdate", pod("x:1", 30, 80, "/", 0));
    let o = checks::run(
        &job,
        &observed(None, None, Some(d), ("cj", WorkloadKind::Deployment)),
    );
    let t = find(&o.checks, "WorkloadTypeMatch");
    assert_eq!((t.status, t.reason), ("False", "Mismatch"));
    assert_eq!(checks::derive_status(&o.checks), ContractStatus::Warning);
}

#[test]
fn drifted_replicas_outside_scaling() {
    let w = deployment(
        "runtime-svc",
        7,
        "RollingUpdate",
        pod("nginx:latest", 30, 8080, "/healthz", 5),
    );
    let o = run_on_runtime_svc(w);
    let s = find(&o.checks, "ScalingMatch");
    assert_eq!((s.status, s.reason), ("False", "Mismatch"));
    assert!(
        s.message.contains("7 replica(s) outside scaling 2..4"),
        "{}",
        s.message
    );
    assert_eq!(checks::derive_status(&o.checks), ContractStatus::Warning);
}

#[test]
fn hpa_range_is_judged_instead_of_replicas() {
    let c = contract(RUNTIME);
    let hpa = |min: i32, max: i32| -> HorizontalPodAutoscaler {
        serde_json::from_value(json!({"metadata": {"name": "h"}, "spec": {
            "scaleTargetRef": {"kind": "Deployment", "name": "runtime-svc", "apiVersion": "apps/v1"},
            "minReplicas": min, "maxReplicas": max}})).unwrap()
    };
    // Replicas 7 would fail, but an HPA owns the count: its range is what counts.
    let w = deployment(
        "runtime-svc",
        7,
        "RollingUpdate",
        pod("nginx:latest", 30, 8080, "/healthz", 5),
    );
    let mut obs = observed(
        Some(service("runtime-svc", &[8080])),
        Some("runtime-svc"),
        Some(w),
        ("runtime-svc", WorkloadKind::Deployment),
    );
    obs.hpa = Some(hpa(2, 4));
    assert!(find(&checks::run(&c, &obs).checks, "ScalingMatch").passed());
    obs.hpa = Some(hpa(2, 20));
    let s = checks::run(&c, &obs);
    let s = find(&s.checks, "ScalingMatch");
    assert_eq!(s.reason, "Mismatch");
    assert!(s.message.contains("2..20"), "{}", s.message);
}

#[test]
fn missing_container_port() {
    let c = contract(SIMPLE);
    let w = deployment("svc", 1, "RollingUpdate", pod("x:1", 30, 3000, "/", 0));
    let o = checks::run(
        &c,
        &observed(
            Some(service("svc", &[8080])),
            Some("svc"),
            Some(w),
            ("svc", WorkloadKind::Deployment),
        ),
    );
    assert!(find(&o.checks, "PortsValid").passed());
    let p = find(&o.checks, "ContainerPortsValid");
    assert_eq!((p.status, p.reason), ("False", "MissingPorts"));
    assert!(p.message.contains("8080"));
    assert_eq!(checks::derive_status(&o.checks), ContractStatus::Warning);
}

#[test]
fn wrong_probe_path() {
    let w = deployment(
        "runtime-svc",
        3,
        "RollingUpdate",
        pod("nginx:latest", 30, 8080, "/ready", 5),
    );
    let o = run_on_runtime_svc(w);
    let h = find(&o.checks, "HealthProbeMatch");
    assert_eq!((h.status, h.reason), ("False", "Mismatch"));
    assert!(
        h.message.contains("GET /healthz on port 8080")
            && h.message.contains("GET /ready on port 8080"),
        "{}",
        h.message
    );
    assert_eq!(checks::derive_status(&o.checks), ContractStatus::Warning);
}

#[test]
fn image_tag_drift() {
    let c = contract(&RUNTIME.replace("nginx:latest", "nginx:1.27"));
    let o = checks::run(
        &c,
        &observed(
            Some(service("runtime-svc", &[8080])),
            Some("runtime-svc"),
            Some(runtime_ok_deployment()),
            ("runtime-svc", WorkloadKind::Deployment),
        ),
    );
    let i = find(&o.checks, "ImageMatch");
    assert_eq!((i.status, i.reason), ("False", "Mismatch"));
    assert_eq!(i.severity, checks::Severity::Error);
    // Severity error still only gives Warning, as in the Go operator.
    assert_eq!(checks::derive_status(&o.checks), ContractStatus::Warning);
}

#[test]
fn stateless_contract_on_a_statefulset_with_claims() {
    let c = contract(&RUNTIME.replace("upgradeStrategy: rolling", "upgradeStrategy: ordered"));
    let w = statefulset(
        "runtime-svc",
        true,
        pod("nginx:latest", 30, 8080, "/healthz", 5),
    );
    let o = checks::run(
        &c,
        &observed(
            Some(service("runtime-svc", &[8080])),
            Some("runtime-svc"),
            Some(w),
            ("runtime-svc", WorkloadKind::StatefulSet),
        ),
    );
    let s = find(&o.checks, "StateModelMatch");
    assert_eq!(
        (s.status, s.reason, s.severity),
        ("False", "Mismatch", checks::Severity::Warning)
    );
    assert_eq!(checks::derive_status(&o.checks), ContractStatus::Warning);
}

#[test]
fn missing_service_alone_is_non_compliant() {
    let c = contract(RUNTIME);
    let o = checks::run(
        &c,
        &observed(
            None,
            Some("runtime-svc"),
            Some(runtime_ok_deployment()),
            ("runtime-svc", WorkloadKind::Deployment),
        ),
    );
    assert_eq!(find(&o.checks, "ServiceExists").reason, "NotFound");
    assert!(find(&o.checks, "WorkloadExists").passed());
    assert!(!types(&o.checks).contains(&"PortsValid"));
    assert_eq!(
        checks::derive_status(&o.checks),
        ContractStatus::NonCompliant
    );
}

#[test]
fn scenario_14_endpoint_probe_evaluation() {
    let u = "http://s.ns.svc:8080/health";
    let c = checks::health_endpoint(
        u,
        &ProbeResult::Response {
            status: 503,
            non_empty_body: true,
        },
    );
    assert_eq!((c.status, c.reason), ("False", "InvalidStatusCode"));
    assert!(checks::health_endpoint(
        u,
        &ProbeResult::Response {
            status: 302,
            non_empty_body: false
        }
    )
    .passed());
    assert_eq!(
        checks::health_endpoint(u, &ProbeResult::ConnectionFailed("refused".into())).reason,
        "ConnectionFailed"
    );
    assert_eq!(
        checks::metrics_endpoint(
            u,
            &ProbeResult::Response {
                status: 200,
                non_empty_body: false
            }
        )
        .reason,
        "EmptyResponse"
    );
    assert!(checks::metrics_endpoint(
        u,
        &ProbeResult::Response {
            status: 200,
            non_empty_body: true
        }
    )
    .passed());

    let no_iface =
        contract(&RUNTIME.replace("health: {interface: api", "health: {interface: nope"));
    match checks::endpoint_plan(&no_iface, true, "s", "ns") {
        Some(checks::EndpointPlan::Fail(c)) => assert_eq!(c.reason, "InterfaceNotFound"),
        _ => panic!("expected InterfaceNotFound"),
    }
    let no_port = contract(&RUNTIME.replace(
        "{name: api, type: http, port: 8080}",
        "{name: api, type: http}",
    ));
    match checks::endpoint_plan(&no_port, true, "s", "ns") {
        Some(checks::EndpointPlan::Fail(c)) => assert_eq!(c.reason, "InterfaceHasNoPort"),
        _ => panic!("expected InterfaceHasNoPort"),
    }
    match checks::endpoint_plan(&contract(RUNTIME), true, "runtime-svc", "prod") {
        Some(checks::EndpointPlan::Probe { url }) => {
            assert_eq!(url, "http://runtime-svc.prod.svc:8080/healthz")
        }
        _ => panic!("expected a probe"),
    }
    // A failed probe is a Warning, never NonCompliant.
    assert_eq!(
        checks::derive_status(&[Check::pass("ServiceExists", "Found", ""), c]),
        ContractStatus::Warning
    );
}
