//! `pacto-plugin-k8s` on every bundle in `fixtures/valid/`, through its real stdin/stdout
//! protocol: each file deserializes as its `k8s-openapi` type, and the kinds, ports, probes,
//! replicas, strategy, grace period and image are the ones the contract asks for — checked
//! the way the Pacto operator checks a workload against its contract
//! (OPERATOR-DASHBOARD.md §2.3).

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{PodTemplateSpec, Service};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use pacto_core::plugin::{contract_json, Response};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

fn run_plugin(request: &Value) -> (bool, Vec<u8>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pacto-plugin-k8s"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn request(bundle: &Path, options: Value) -> (Value, pacto_core::graph::Resolved) {
    let loaded = pacto_core::graph::load_local(bundle.to_str().unwrap()).unwrap();
    let req = json!({
        "protocolVersion": "1",
        "contract": contract_json(&loaded.contract, &loaded.tree),
        "bundleDir": bundle.display().to_string(),
        "outputDir": "k8s-output",
        "options": options,
    });
    (req, loaded)
}

#[derive(Default)]
struct Generated {
    kinds: BTreeSet<String>,
    deployment: Option<Deployment>,
    statefulset: Option<StatefulSet>,
    job: Option<Job>,
    cronjob: Option<CronJob>,
    service: Option<Service>,
    hpa: Option<HorizontalPodAutoscaler>,
}

impl Generated {
    fn parse(resp: &Response, json: bool) -> Generated {
        let mut g = Generated::default();
        for f in &resp.files {
            let value: Value = if json {
                serde_json::from_str(&f.content).unwrap()
            } else {
                serde_norway::from_str(&f.content).unwrap()
            };
            let kind = value["kind"].as_str().unwrap().to_string();
            // Each manifest deserializes as the real Kubernetes type (apiVersion/kind checked).
            match kind.as_str() {
                "Deployment" => g.deployment = Some(serde_json::from_value(value).unwrap()),
                "StatefulSet" => g.statefulset = Some(serde_json::from_value(value).unwrap()),
                "Job" => g.job = Some(serde_json::from_value(value).unwrap()),
                "CronJob" => g.cronjob = Some(serde_json::from_value(value).unwrap()),
                "Service" => g.service = Some(serde_json::from_value(value).unwrap()),
                "HorizontalPodAutoscaler" => g.hpa = Some(serde_json::from_value(value).unwrap()),
                other => panic!("unexpected kind {other} in {}", f.path),
            }
            assert!(g.kinds.insert(kind), "one file per kind");
        }
        g
    }

    fn template(&self) -> &PodTemplateSpec {
        if let Some(d) = &self.deployment {
            return &d.spec.as_ref().unwrap().template;
        }
        if let Some(s) = &self.statefulset {
            return &s.spec.as_ref().unwrap().template;
        }
        if let Some(j) = &self.job {
            return &j.spec.as_ref().unwrap().template;
        }
        let c = self.cronjob.as_ref().unwrap();
        &c.spec
            .as_ref()
            .unwrap()
            .job_template
            .spec
            .as_ref()
            .unwrap()
            .template
    }

    fn replicas(&self) -> Option<i32> {
        self.deployment
            .as_ref()
            .and_then(|d| d.spec.as_ref().unwrap().replicas)
            .or_else(|| {
                self.statefulset
                    .as_ref()
                    .and_then(|s| s.spec.as_ref().unwrap().replicas)
            })
    }
}

/// What a fixture must produce: (workload kind, replicas, HPA min/max).
type Expectation = (&'static str, Option<i32>, Option<(i32, i32)>);

/// What each fixture must produce.
fn expected() -> BTreeMap<&'static str, Expectation> {
    BTreeMap::from([
        ("cron-worker", ("CronJob", None, None)),
        ("nginx", ("Deployment", Some(2), Some((2, 20)))),
        ("payments-api", ("StatefulSet", Some(2), Some((2, 10)))),
        ("postgres", ("StatefulSet", Some(1), None)),
        ("rabbitmq", ("StatefulSet", Some(3), Some((3, 5)))),
        ("redis", ("StatefulSet", Some(1), None)),
    ])
}

#[test]
fn every_valid_fixture_yields_aligned_manifests() {
    let dir = root().join("fixtures/valid");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let expected = expected();
    assert_eq!(
        names.iter().map(String::as_str).collect::<Vec<_>>(),
        expected.keys().copied().collect::<Vec<_>>(),
        "a new fixture needs an expectation here"
    );
    for name in &names {
        for json_format in [false, true] {
            let options = if json_format {
                json!({"format": "json"})
            } else {
                json!({})
            };
            let (req, loaded) = request(&dir.join(name), options);
            let (ok, stdout, stderr) = run_plugin(&req);
            assert!(ok, "{name}: {stderr}");
            let resp: Response = serde_json::from_slice(&stdout).unwrap();
            let g = Generated::parse(&resp, json_format);
            let c = &loaded.contract;
            let (kind, replicas, hpa) = expected[name.as_str()];
            assert!(g.kinds.contains(kind), "{name}: {:?}", g.kinds);

            // WorkloadTypeMatch / StateModelMatch.
            let rt = c.runtime.as_ref().unwrap();
            let workload = rt.workload.as_ref().unwrap().as_str();
            let state = rt.state.as_ref().unwrap();
            let state_type = state.kind.as_ref().unwrap().as_str();
            let persistent = state
                .durability
                .as_ref()
                .is_some_and(|d| d.value == "persistent");
            match workload {
                "service" => assert!(g.deployment.is_some() || g.statefulset.is_some(), "{name}"),
                "job" => assert!(g.job.is_some(), "{name}"),
                "scheduled" => assert!(g.cronjob.is_some(), "{name}"),
                w => panic!("{w}"),
            }
            if state_type == "stateful" {
                let sts = g.statefulset.as_ref().unwrap();
                if persistent {
                    let claims = sts
                        .spec
                        .as_ref()
                        .unwrap()
                        .volume_claim_templates
                        .as_ref()
                        .unwrap();
                    assert_eq!(claims[0].metadata.name.as_deref(), Some("data"), "{name}");
                    let mounts = g.template().spec.as_ref().unwrap().containers[0]
                        .volume_mounts
                        .as_ref()
                        .unwrap();
                    assert_eq!(mounts[0].name, "data");
                }
            }
            if state_type == "stateless" {
                assert!(
                    g.statefulset.is_none(),
                    "{name}: a stateless service has no PVC"
                );
            }

            // PortsValid: the Service carries every interface port.
            let want: BTreeSet<i32> = c
                .interfaces
                .iter()
                .filter_map(|i| i.port.as_ref())
                .map(|p| p.value as i32)
                .collect();
            let svc_ports: BTreeSet<i32> = g
                .service
                .as_ref()
                .map(|s| {
                    s.spec
                        .as_ref()
                        .unwrap()
                        .ports
                        .as_ref()
                        .unwrap()
                        .iter()
                        .map(|p| p.port)
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(svc_ports, want, "{name}");
            assert_eq!(
                g.service.as_ref().unwrap().metadata.name.as_deref(),
                Some(c.service_name())
            );
            let pod = g.template().spec.as_ref().unwrap();
            let container = &pod.containers[0];
            let container_ports: BTreeSet<i32> = container
                .ports
                .iter()
                .flatten()
                .map(|p| p.container_port)
                .collect();
            assert_eq!(container_ports, want, "{name}");
            // The Service selects the pods.
            let selector = g
                .service
                .as_ref()
                .unwrap()
                .spec
                .as_ref()
                .unwrap()
                .selector
                .clone()
                .unwrap();
            let labels = g
                .template()
                .metadata
                .as_ref()
                .unwrap()
                .labels
                .clone()
                .unwrap();
            assert!(
                selector.iter().all(|(k, v)| labels.get(k) == Some(v)),
                "{name}"
            );

            // ImageMatch.
            let image = c
                .service
                .as_ref()
                .unwrap()
                .image
                .as_ref()
                .unwrap()
                .reference
                .as_ref()
                .unwrap();
            assert_eq!(container.image.as_deref(), Some(image.as_str()), "{name}");

            // Probes and HealthTimingMatch.
            let health = rt.health.as_ref().unwrap();
            let iface = c
                .interfaces
                .iter()
                .find(|i| Some(i.name()) == health.interface.as_ref().map(|h| h.as_str()))
                .unwrap();
            let port = iface.port.as_ref().unwrap().value as i32;
            for probe in [&container.readiness_probe, &container.liveness_probe] {
                let probe = probe
                    .as_ref()
                    .unwrap_or_else(|| panic!("{name}: probe missing"));
                assert_eq!(
                    probe.initial_delay_seconds.map(i64::from),
                    health.initial_delay_seconds.as_ref().map(|d| d.value),
                    "{name}"
                );
                if iface.kind() == "grpc" {
                    assert_eq!(probe.grpc.as_ref().unwrap().port, port);
                } else {
                    let get = probe.http_get.as_ref().unwrap();
                    assert_eq!(get.port, IntOrString::Int(port), "{name}");
                    assert_eq!(
                        get.path.as_deref(),
                        health.path.as_ref().map(|p| p.as_str()),
                        "{name}"
                    );
                }
            }

            // GracefulShutdownMatch and UpgradeStrategyMatch.
            let lifecycle = rt.lifecycle.as_ref();
            assert_eq!(
                pod.termination_grace_period_seconds,
                lifecycle
                    .and_then(|l| l.graceful_shutdown_seconds.as_ref())
                    .map(|g| g.value),
                "{name}"
            );
            match lifecycle
                .and_then(|l| l.upgrade_strategy.as_ref())
                .map(|s| s.as_str())
            {
                Some("ordered") => assert_eq!(
                    g.statefulset
                        .as_ref()
                        .unwrap()
                        .spec
                        .as_ref()
                        .unwrap()
                        .pod_management_policy
                        .as_deref(),
                    Some("OrderedReady"),
                    "{name}"
                ),
                Some("rolling") if g.deployment.is_some() => assert_eq!(
                    g.deployment
                        .as_ref()
                        .unwrap()
                        .spec
                        .as_ref()
                        .unwrap()
                        .strategy
                        .as_ref()
                        .unwrap()
                        .type_
                        .as_deref(),
                    Some("RollingUpdate")
                ),
                _ => {}
            }

            // Replicas and autoscaling.
            assert_eq!(g.replicas(), replicas, "{name}");
            match (hpa, &g.hpa) {
                (None, None) => {}
                (Some((min, max)), Some(h)) => {
                    let spec = h.spec.as_ref().unwrap();
                    assert_eq!(
                        (spec.min_replicas, spec.max_replicas),
                        (Some(min), max),
                        "{name}"
                    );
                    assert_eq!(spec.scale_target_ref.kind, kind);
                    assert_eq!(spec.scale_target_ref.name, c.service_name());
                }
                (want, got) => panic!("{name}: HPA {want:?} vs {got:?}"),
            }
        }
    }
}

#[test]
fn cron_schedule_comes_from_metadata_or_the_option() {
    let dir = root().join("fixtures/valid/cron-worker");
    let (req, _) = request(&dir, json!({}));
    let (ok, stdout, _) = run_plugin(&req);
    assert!(ok);
    let resp: Response = serde_json::from_slice(&stdout).unwrap();
    let g = Generated::parse(&resp, false);
    assert_eq!(g.template_owned_restart().as_deref(), Some("OnFailure"));
    assert_eq!(g.cronjob.unwrap().spec.unwrap().schedule, "0 2 * * *");

    let (req, _) = request(
        &dir,
        json!({"schedule": "*/5 * * * *", "namespace": "batch"}),
    );
    let (_, stdout, _) = run_plugin(&req);
    let resp: Response = serde_json::from_slice(&stdout).unwrap();
    let g = Generated::parse(&resp, false);
    let cj = g.cronjob.unwrap();
    assert_eq!(cj.metadata.namespace.as_deref(), Some("batch"));
    assert_eq!(cj.spec.unwrap().schedule, "*/5 * * * *");
}

impl Generated {
    fn template_owned_restart(&self) -> Option<String> {
        self.template()
            .spec
            .as_ref()
            .unwrap()
            .restart_policy
            .clone()
    }
}

#[test]
fn job_and_stateless_recreate_contracts() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("pacto.yaml"),
        "pactoVersion: \"1.0\"\nservice: {name: migrate, version: 1.0.0, image: {ref: ghcr.io/a/m:1}}\nruntime:\n  workload: job\n  state: {type: stateless, persistence: {scope: local, durability: ephemeral}, dataCriticality: low}\n  lifecycle: {gracefulShutdownSeconds: 5}\n",
    )
    .unwrap();
    let (req, _) = request(tmp.path(), json!({}));
    let (ok, stdout, stderr) = run_plugin(&req);
    assert!(ok, "{stderr}");
    let resp: Response = serde_json::from_slice(&stdout).unwrap();
    let g = Generated::parse(&resp, false);
    assert_eq!(
        g.kinds,
        BTreeSet::from(["Job".to_string()]),
        "no ports: no Service"
    );
    assert_eq!(
        g.template()
            .spec
            .as_ref()
            .unwrap()
            .termination_grace_period_seconds,
        Some(5)
    );

    std::fs::write(
        tmp.path().join("pacto.yaml"),
        "pactoVersion: \"1.0\"\nservice: {name: web, version: 1.0.0}\ninterfaces: [{name: api, type: http, port: 8080}]\nruntime:\n  workload: service\n  state: {type: stateless, persistence: {scope: local, durability: ephemeral}, dataCriticality: low}\n  lifecycle: {upgradeStrategy: recreate}\nscaling: {replicas: 4}\n",
    )
    .unwrap();
    let (req, _) = request(tmp.path(), json!({"image": "registry.local/web:dev"}));
    let (ok, stdout, _) = run_plugin(&req);
    assert!(ok);
    let resp: Response = serde_json::from_slice(&stdout).unwrap();
    let g = Generated::parse(&resp, false);
    let d = g.deployment.as_ref().unwrap().spec.as_ref().unwrap();
    assert_eq!(
        d.strategy.as_ref().unwrap().type_.as_deref(),
        Some("Recreate")
    );
    assert_eq!(d.replicas, Some(4));
    assert!(g.hpa.is_none());
    assert_eq!(
        g.template().spec.as_ref().unwrap().containers[0]
            .image
            .as_deref(),
        Some("registry.local/web:dev")
    );
}

#[test]
fn protocol_errors_exit_non_zero_with_a_message() {
    let (ok, stdout, stderr) =
        run_plugin(&json!({"protocolVersion": "1", "contract": {"service": {}}}));
    assert!(!ok);
    assert!(stdout.is_empty());
    assert_eq!(stderr.trim(), "the contract has no service name");
}

/// For a 1.x contract the 2.0 options only fill what it leaves out: an interface without a
/// port gets `port.<interface>`, a declared port wins (and the message says so), a missing
/// `scaling` takes `replicas`/`maxReplicas`.
#[test]
fn v1_options_fill_only_what_the_contract_leaves_out() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("pacto.yaml"),
        "pactoVersion: \"1.0\"\nservice: {name: web, version: 1.0.0, image: {ref: ghcr.io/a/web:1}}\ninterfaces:\n  - {name: api, type: http, port: 8080}\n  - {name: events, type: event}\nruntime:\n  workload: service\n  state: {type: stateless, persistence: {scope: local, durability: ephemeral}, dataCriticality: low}\n",
    )
    .unwrap();
    let (req, _) = request(
        tmp.path(),
        json!({"port.api": "9999", "port.events": "7000", "replicas": "2", "maxReplicas": "4"}),
    );
    let (ok, stdout, stderr) = run_plugin(&req);
    assert!(ok, "{stderr}");
    let resp: Response = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(
        resp.message.as_deref(),
        Some("Deployment, Service and HorizontalPodAutoscaler for web@1.0.0; the port given for api is ignored: the contract declares 8080")
    );
    let g = Generated::parse(&resp, false);
    let ports: Vec<i32> = g
        .service
        .as_ref()
        .unwrap()
        .spec
        .as_ref()
        .unwrap()
        .ports
        .as_ref()
        .unwrap()
        .iter()
        .map(|p| p.port)
        .collect();
    assert_eq!(ports, [8080, 7000]);
    assert_eq!(g.replicas(), Some(2));
    assert_eq!(g.hpa.unwrap().spec.unwrap().max_replicas, 4);

    // Without options a 1.x interface without a port is simply left out (no error).
    let (req, _) = request(tmp.path(), json!({}));
    let (ok, stdout, stderr) = run_plugin(&req);
    assert!(ok, "{stderr}");
    let resp: Response = serde_json::from_slice(&stdout).unwrap();
    let g = Generated::parse(&resp, false);
    assert_eq!(g.replicas(), None);
    assert_eq!(g.service.unwrap().spec.unwrap().ports.unwrap().len(), 1);
}
