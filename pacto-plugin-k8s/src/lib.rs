//! Kubernetes manifests from a Pacto contract, for `pacto generate k8s` (spec §10).
//!
//! The workload kind follows the contract so that the Pacto operator's alignment checks pass:
//! - `runtime.workload: job` → Job, `scheduled` → CronJob;
//! - otherwise a StatefulSet when `state.type` is `stateful`, or `hybrid` with `persistent`
//!   durability (with a volume claim template when durability is `persistent`), else a
//!   Deployment;
//! - one Service named after the service, with a port per interface that declares one (the
//!   operator compares the ports of that one Service with the contract's);
//! - readiness and liveness probes from `runtime.health` (HTTP GET on the interface's port and
//!   path, gRPC for a `grpc` interface), `initialDelaySeconds` as declared;
//! - `replicas` from `scaling.replicas` (or equal `min`/`max`), else `min` replicas plus a
//!   HorizontalPodAutoscaler from `min` to `max`;
//! - the Deployment strategy (`rolling` → RollingUpdate, `recreate` → Recreate) or the
//!   StatefulSet's pod management (`ordered` → OrderedReady) and the termination grace period
//!   from `runtime.lifecycle`;
//! - the container image from `service.image.ref`.
//!
//! A Pacto 2.0 contract (top-level `workload` and `state`, `capabilities` with bindings) has no
//! ports, image or scaling: those come from `--option` values or an operator `Pacto` resource's
//! `interfaceBindings` (see [`facts`] and the README), and a port the manifests need but nobody
//! gave is an error naming the interface, its line and the option to pass.
//!
//! Every object is a `k8s-openapi` value, serialized to YAML (or JSON with `format=json`).

use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment, StatefulSet,
    StatefulSetSpec, StatefulSetUpdateStrategy,
};
use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, MetricSpec,
    MetricTarget, ResourceMetricSource,
};
use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, Job, JobSpec, JobTemplateSpec};
use k8s_openapi::api::core::v1::{
    Container, ContainerPort, GRPCAction, HTTPGetAction, PersistentVolumeClaim,
    PersistentVolumeClaimSpec, PodSpec, PodTemplateSpec, Probe, Service, ServicePort, ServiceSpec,
    VolumeMount, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use pacto_core::model::{Contract, Interface};
use pacto_core::plugin::{GeneratedFile, Response};
use pacto_core::syntax::{parse, Limits, Tree};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub mod facts;

pub use facts::{MissingPort, PortSource};

/// Why no manifests could be generated.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the request is not valid JSON: {0}")]
    Request(String),
    #[error("unsupported protocol version {0:?} (this plugin speaks \"1\")")]
    Protocol(String),
    #[error("the request has no contract")]
    NoContract,
    #[error("the contract has no service name")]
    NoName,
    #[error("option {name}: {reason}")]
    Option { name: String, reason: String },
    #[error("{}", facts::missing_ports_message(.0))]
    MissingPorts(Vec<MissingPort>),
    #[error("failed to serialize {kind}: {reason}")]
    Serialize { kind: String, reason: String },
}

/// The label every object and selector carries.
pub const NAME_LABEL: &str = "app.kubernetes.io/name";

/// Options the plugin understands (`--option key=value`).
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub namespace: Option<String>,
    /// `yaml` (default) or `json`.
    pub json: bool,
    /// Size of the volume claim of a persistent StatefulSet.
    pub storage: String,
    pub storage_class: Option<String>,
    pub mount_path: String,
    /// CronJob schedule; default: the contract's `metadata.schedule`, else `0 0 * * *`.
    pub schedule: Option<String>,
    /// Target average CPU utilisation of the autoscaler, in percent.
    pub cpu_utilization: i32,
    /// Image when the contract names none.
    pub image: Option<String>,
    /// `port.<interface>=PORT`: the port of an interface that declares none (every 2.0 one).
    pub ports: BTreeMap<String, i32>,
    /// `bindings=FILE`: the `interfaceBindings` of an operator `Pacto` resource, by interface.
    pub bindings: BTreeMap<String, PortSource>,
    /// `replicas=N` when the contract has no `scaling` (2.0: default 1).
    pub replicas: Option<i32>,
    /// `maxReplicas=M`: a HorizontalPodAutoscaler from `replicas` to `M`.
    pub max_replicas: Option<i32>,
}

impl Options {
    /// The options of a request; `bindings=FILE` is read here.
    pub fn from_map(map: &BTreeMap<String, String>) -> Result<Options, Error> {
        let bad = |name: &str, reason: &str| Error::Option {
            name: name.to_string(),
            reason: reason.to_string(),
        };
        let json = match map.get("format").map(String::as_str) {
            None | Some("yaml") => false,
            Some("json") => true,
            Some(_) => return Err(bad("format", "use yaml or json")),
        };
        let cpu_utilization = match map.get("cpu") {
            None => 80,
            Some(v) => match v.trim_end_matches('%').parse::<i32>() {
                Ok(n) if (1..=1000).contains(&n) => n,
                _ => return Err(bad("cpu", "a percentage from 1 to 1000")),
            },
        };
        Ok(Options {
            namespace: map.get("namespace").cloned().filter(|v| !v.is_empty()),
            json,
            storage: map
                .get("storage")
                .cloned()
                .unwrap_or_else(|| "1Gi".to_string()),
            storage_class: map.get("storageClass").cloned().filter(|v| !v.is_empty()),
            mount_path: map
                .get("mountPath")
                .cloned()
                .unwrap_or_else(|| "/data".to_string()),
            schedule: map.get("schedule").cloned().filter(|v| !v.is_empty()),
            cpu_utilization,
            image: map.get("image").cloned().filter(|v| !v.is_empty()),
            ports: facts::port_options(map)?,
            bindings: match map.get("bindings").filter(|v| !v.is_empty()) {
                Some(file) => facts::read_bindings(file)?,
                None => BTreeMap::new(),
            },
            replicas: facts::count_option(map, "replicas", 0)?,
            max_replicas: facts::count_option(map, "maxReplicas", 1)?,
        })
    }
}

/// Handle one protocol request (the JSON read from stdin).
pub fn handle(request: &[u8]) -> Result<Response, Error> {
    let req: Value = serde_json::from_slice(request).map_err(|e| Error::Request(e.to_string()))?;
    if let Some(v) = req.get("protocolVersion").and_then(Value::as_str) {
        if v != "1" {
            return Err(Error::Protocol(v.to_string()));
        }
    }
    let contract = req
        .get("contract")
        .filter(|c| c.is_object())
        .ok_or(Error::NoContract)?;
    let options: BTreeMap<String, String> = req
        .get("options")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let options = Options::from_map(&options)?;
    // The contract JSON is also YAML: reuse the core's span tree and model.
    let text = serde_json::to_string(contract).map_err(|e| Error::Request(e.to_string()))?;
    let limits = Limits {
        max_bytes: text.len().max(Limits::default().max_bytes),
        ..Limits::default()
    };
    let tree = parse(&text, &limits).tree.ok_or(Error::NoContract)?;
    let model = Contract::from_tree(&tree);
    generate(&model, &tree, &options).map_err(|e| match e {
        Error::MissingPorts(mut missing) => {
            // Point at each interface in the bundle's pacto.yaml when it can be read.
            if let Some(dir) = req.get("bundleDir").and_then(Value::as_str) {
                for m in &mut missing {
                    m.location = facts::interface_location(dir, m.index);
                }
            }
            Error::MissingPorts(missing)
        }
        e => e,
    })
}

/// The manifests of `contract` as files.
pub fn generate(contract: &Contract, tree: &Tree, options: &Options) -> Result<Response, Error> {
    let m = Manifests::build(contract, tree, options)?;
    let mut files = Vec::new();
    let ext = if options.json { "json" } else { "yaml" };
    let header = format!(
        "# Generated by pacto-plugin-k8s from {}@{}\n",
        contract.service_name(),
        contract.service_version()
    );
    let mut push = |stem: &str, kind: &str, value: Result<String, String>| -> Result<(), Error> {
        let body = value.map_err(|reason| Error::Serialize {
            kind: kind.to_string(),
            reason,
        })?;
        let content = if options.json {
            body
        } else {
            format!("{header}{body}")
        };
        files.push(GeneratedFile {
            path: format!("{stem}.{ext}"),
            content,
        });
        Ok(())
    };
    let ser = |v: &dyn erased::Ser| v.render(options.json);
    match &m.workload {
        Workload::Deployment(d) => push("deployment", "Deployment", ser(d))?,
        Workload::StatefulSet(s) => push("statefulset", "StatefulSet", ser(s))?,
        Workload::Job(j) => push("job", "Job", ser(j))?,
        Workload::CronJob(c) => push("cronjob", "CronJob", ser(c))?,
    }
    if let Some(s) = &m.service {
        push("service", "Service", ser(s))?;
    }
    if let Some(h) = &m.hpa {
        push("hpa", "HorizontalPodAutoscaler", ser(h))?;
    }
    let mut message = format!(
        "{} for {}@{}",
        m.summary(),
        contract.service_name(),
        contract.service_version()
    );
    for note in &m.notes {
        message.push_str("; ");
        message.push_str(note);
    }
    Ok(Response {
        files,
        message: Some(message),
    })
}

mod erased {
    /// Serialize any manifest to YAML or JSON text.
    pub trait Ser {
        fn render(&self, json: bool) -> Result<String, String>;
    }

    impl<T: serde::Serialize> Ser for T {
        fn render(&self, json: bool) -> Result<String, String> {
            if json {
                serde_json::to_string_pretty(self)
                    .map(|s| s + "\n")
                    .map_err(|e| e.to_string())
            } else {
                serde_norway::to_string(self).map_err(|e| e.to_string())
            }
        }
    }
}

/// The workload object.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Workload {
    Deployment(Box<Deployment>),
    StatefulSet(Box<StatefulSet>),
    Job(Box<Job>),
    CronJob(Box<CronJob>),
}

/// Everything generated for one contract.
#[derive(Debug, Clone)]
pub struct Manifests {
    pub workload: Workload,
    pub service: Option<Service>,
    pub hpa: Option<HorizontalPodAutoscaler>,
    /// Defaults the plugin had to choose (reported in the message).
    pub notes: Vec<String>,
}

fn s(v: &Option<pacto_core::model::Spanned<String>>) -> &str {
    v.as_ref().map_or("", |v| v.as_str())
}

/// A port name: IANA service-name rules (lowercase letters, digits and inner `-`, at most 15
/// characters, at least one letter), made unique within the pod.
fn port_name(name: &str, used: &mut Vec<String>) -> String {
    let mut n: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    while n.contains("--") {
        n = n.replace("--", "-");
    }
    let mut n = n.trim_matches('-').chars().take(15).collect::<String>();
    n = n.trim_end_matches('-').to_string();
    if !n.chars().any(|c| c.is_ascii_lowercase()) {
        n = format!("p-{n}").chars().take(15).collect();
        n = n.trim_end_matches('-').to_string();
    }
    let base = n.clone();
    let mut k = 2;
    while used.contains(&n) {
        let suffix = format!("-{k}");
        n = format!("{}{suffix}", &base[..base.len().min(15 - suffix.len())]);
        k += 1;
    }
    used.push(n.clone());
    n
}

impl Manifests {
    pub fn build(contract: &Contract, tree: &Tree, options: &Options) -> Result<Manifests, Error> {
        let name = contract.service_name().to_string();
        if name.is_empty() {
            return Err(Error::NoName);
        }
        let v2 = pacto_core::doc::v2::is_v2(tree);
        // A 2.0 contract in the 1.x shape, with the ports and scaling the options give.
        let (resolved, mut notes) = facts::resolve(contract, tree, options)?;
        let contract = &resolved;
        let version = contract.service_version().to_string();
        let mut labels = BTreeMap::from([(NAME_LABEL.to_string(), name.clone())]);
        let selector = LabelSelector {
            match_labels: Some(labels.clone()),
            ..Default::default()
        };
        if !version.is_empty() {
            labels.insert(
                "app.kubernetes.io/version".to_string(),
                label_value(&version),
            );
        }
        labels.insert(
            "app.kubernetes.io/managed-by".to_string(),
            "pacto".to_string(),
        );
        let meta = |n: &str| ObjectMeta {
            name: Some(n.to_string()),
            namespace: options.namespace.clone(),
            labels: Some(labels.clone()),
            ..Default::default()
        };

        let runtime = contract.runtime.as_ref();
        let workload = runtime.map_or("service", |r| match s(&r.workload) {
            "" => "service",
            w => w,
        });
        let state = runtime.and_then(|r| r.state.as_ref());
        let state_type = state.map_or("", |st| s(&st.kind));
        let persistent = state.is_some_and(|st| s(&st.durability) == "persistent");
        let lifecycle = runtime.and_then(|r| r.lifecycle.as_ref());
        let strategy = lifecycle.map_or("", |l| s(&l.upgrade_strategy));
        let grace = lifecycle
            .and_then(|l| l.graceful_shutdown_seconds.as_ref())
            .map(|g| g.value);

        // Container ports, one per interface with a port.
        let mut used = Vec::new();
        let ports: Vec<(&Interface, i32, String)> = contract
            .interfaces
            .iter()
            .filter_map(|i| {
                let p = i32::try_from(i.port.as_ref()?.value).ok()?;
                Some((i, p, port_name(i.name(), &mut used)))
            })
            .collect();

        let image = contract
            .service
            .as_ref()
            .and_then(|s| s.image.as_ref())
            .map(|i| s(&i.reference).to_string())
            .filter(|i| !i.is_empty())
            .or_else(|| options.image.clone())
            .unwrap_or_else(|| {
                notes.push(if v2 {
                    "a 2.0 contract names no image: pass --option image=REF".to_string()
                } else {
                    "the contract names no image: set service.image.ref or --option image=REF"
                        .to_string()
                });
                if version.is_empty() {
                    name.clone()
                } else {
                    format!("{name}:{version}")
                }
            });

        let health_binding_kind = pacto_core::doc::v2::capabilities(tree)
            .into_iter()
            .filter(|c| c.kind == "health")
            .find_map(|c| c.binding)
            .map(|b| b.kind);
        let probe = runtime.and_then(|r| r.health.as_ref()).and_then(|h| {
            let iface = s(&h.interface);
            let (i, port, _) = ports.iter().find(|(i, _, _)| i.name() == iface)?;
            let delay = h
                .initial_delay_seconds
                .as_ref()
                .and_then(|d| i32::try_from(d.value).ok());
            // 2.0: the binding's transport decides (Go implements `http`); 1.x: the interface.
            let grpc = if v2 {
                health_binding_kind.as_deref() == Some("grpc")
            } else {
                i.kind() == "grpc"
            };
            Some(if grpc {
                Probe {
                    grpc: Some(GRPCAction {
                        port: *port,
                        service: None,
                    }),
                    initial_delay_seconds: delay,
                    ..Default::default()
                }
            } else {
                let path = match s(&h.path) {
                    "" => "/".to_string(),
                    p if p.starts_with('/') => p.to_string(),
                    p => format!("/{p}"),
                };
                Probe {
                    http_get: Some(HTTPGetAction {
                        path: Some(path),
                        port: IntOrString::Int(*port),
                        ..Default::default()
                    }),
                    initial_delay_seconds: delay,
                    ..Default::default()
                }
            })
        });

        let stateful_set = matches!(workload, "service")
            && (state_type == "stateful" || (state_type == "hybrid" && persistent));
        let volume = "data".to_string();
        let container = Container {
            name: name.clone(),
            image: Some(image),
            ports: (!ports.is_empty()).then(|| {
                ports
                    .iter()
                    .map(|(_, p, n)| ContainerPort {
                        name: Some(n.clone()),
                        container_port: *p,
                        protocol: Some("TCP".to_string()),
                        ..Default::default()
                    })
                    .collect()
            }),
            readiness_probe: probe.clone(),
            liveness_probe: probe,
            volume_mounts: (stateful_set && persistent).then(|| {
                vec![VolumeMount {
                    name: volume.clone(),
                    mount_path: options.mount_path.clone(),
                    ..Default::default()
                }]
            }),
            ..Default::default()
        };
        let mut annotations = BTreeMap::new();
        if let Some(m) = runtime.and_then(|r| r.metrics.as_ref()) {
            if let Some((_, port, _)) = ports.iter().find(|(i, _, _)| i.name() == s(&m.interface)) {
                annotations.insert("prometheus.io/scrape".to_string(), "true".to_string());
                annotations.insert("prometheus.io/port".to_string(), port.to_string());
                if !s(&m.path).is_empty() {
                    annotations.insert("prometheus.io/path".to_string(), s(&m.path).to_string());
                }
            }
        }
        let job_like = matches!(workload, "job" | "scheduled");
        let template = PodTemplateSpec {
            metadata: Some(ObjectMeta {
                labels: Some(labels.clone()),
                annotations: (!annotations.is_empty()).then_some(annotations),
                ..Default::default()
            }),
            spec: Some(PodSpec {
                containers: vec![container],
                termination_grace_period_seconds: grace,
                restart_policy: job_like.then(|| "OnFailure".to_string()),
                ..Default::default()
            }),
        };

        // Replicas and autoscaling.
        let scaling = contract.scaling.as_ref();
        let (min, max) = (
            scaling.and_then(|s| s.effective_min()),
            scaling.and_then(|s| s.effective_max()),
        );
        let replicas = min.and_then(|m| i32::try_from(m).ok());
        let autoscale = match (min, max) {
            (Some(a), Some(b)) if b > a => i32::try_from(b).ok(),
            (None, Some(b)) => i32::try_from(b).ok(),
            _ => None,
        };

        let (workload_obj, kind) = match workload {
            "job" => (
                Workload::Job(Box::new(Job {
                    metadata: meta(&name),
                    spec: Some(JobSpec {
                        template,
                        ..Default::default()
                    }),
                    ..Default::default()
                })),
                "Job",
            ),
            "scheduled" => {
                let schedule = options
                    .schedule
                    .clone()
                    .or_else(|| metadata_string(contract, tree, "schedule"))
                    .unwrap_or_else(|| {
                        notes.push(
                            "no schedule given: using \"0 0 * * *\" (set --option schedule=CRON)"
                                .to_string(),
                        );
                        "0 0 * * *".to_string()
                    });
                (
                    Workload::CronJob(Box::new(CronJob {
                        metadata: meta(&name),
                        spec: Some(CronJobSpec {
                            schedule,
                            job_template: JobTemplateSpec {
                                metadata: None,
                                spec: Some(JobSpec {
                                    template,
                                    ..Default::default()
                                }),
                            },
                            ..Default::default()
                        }),
                        ..Default::default()
                    })),
                    "CronJob",
                )
            }
            _ if stateful_set => {
                let claims = persistent.then(|| {
                    vec![PersistentVolumeClaim {
                        metadata: ObjectMeta {
                            name: Some(volume.clone()),
                            ..Default::default()
                        },
                        spec: Some(PersistentVolumeClaimSpec {
                            access_modes: Some(vec!["ReadWriteOnce".to_string()]),
                            storage_class_name: options.storage_class.clone(),
                            resources: Some(VolumeResourceRequirements {
                                requests: Some(BTreeMap::from([(
                                    "storage".to_string(),
                                    Quantity(options.storage.clone()),
                                )])),
                                ..Default::default()
                            }),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }]
                });
                let (policy, update) = match strategy {
                    "ordered" => ("OrderedReady", "RollingUpdate"),
                    "recreate" => ("Parallel", "OnDelete"),
                    _ => ("Parallel", "RollingUpdate"),
                };
                (
                    Workload::StatefulSet(Box::new(StatefulSet {
                        metadata: meta(&name),
                        spec: Some(StatefulSetSpec {
                            service_name: Some(name.clone()),
                            replicas,
                            selector: selector.clone(),
                            template,
                            volume_claim_templates: claims,
                            pod_management_policy: (!strategy.is_empty())
                                .then(|| policy.to_string()),
                            update_strategy: (!strategy.is_empty()).then(|| {
                                StatefulSetUpdateStrategy {
                                    type_: Some(update.to_string()),
                                    ..Default::default()
                                }
                            }),
                            ..Default::default()
                        }),
                        ..Default::default()
                    })),
                    "StatefulSet",
                )
            }
            _ => {
                let strategy = match strategy {
                    "recreate" => Some(DeploymentStrategy {
                        type_: Some("Recreate".to_string()),
                        rolling_update: None,
                    }),
                    "rolling" => Some(DeploymentStrategy {
                        type_: Some("RollingUpdate".to_string()),
                        rolling_update: None,
                    }),
                    // One pod at a time: the closest a Deployment gets to an ordered upgrade.
                    "ordered" => Some(DeploymentStrategy {
                        type_: Some("RollingUpdate".to_string()),
                        rolling_update: Some(RollingUpdateDeployment {
                            max_surge: Some(IntOrString::Int(1)),
                            max_unavailable: Some(IntOrString::Int(0)),
                        }),
                    }),
                    _ => None,
                };
                (
                    Workload::Deployment(Box::new(Deployment {
                        metadata: meta(&name),
                        spec: Some(DeploymentSpec {
                            replicas,
                            selector: selector.clone(),
                            template,
                            strategy,
                            ..Default::default()
                        }),
                        ..Default::default()
                    })),
                    "Deployment",
                )
            }
        };

        let service = (!ports.is_empty()).then(|| Service {
            metadata: meta(&name),
            spec: Some(ServiceSpec {
                selector: selector.match_labels.clone(),
                ports: Some(
                    ports
                        .iter()
                        .map(|(i, p, n)| ServicePort {
                            name: Some(n.clone()),
                            port: *p,
                            target_port: Some(IntOrString::String(n.clone())),
                            protocol: Some("TCP".to_string()),
                            app_protocol: match i.kind() {
                                "http" => Some("http".to_string()),
                                "openapi" if v2 => Some("http".to_string()),
                                "grpc" => Some("grpc".to_string()),
                                _ => None,
                            },
                            ..Default::default()
                        })
                        .collect(),
                ),
                ..Default::default()
            }),
            ..Default::default()
        });

        let hpa = match (kind, autoscale) {
            ("Deployment" | "StatefulSet", Some(max)) => Some(HorizontalPodAutoscaler {
                metadata: meta(&name),
                spec: Some(HorizontalPodAutoscalerSpec {
                    scale_target_ref: CrossVersionObjectReference {
                        api_version: Some("apps/v1".to_string()),
                        kind: kind.to_string(),
                        name: name.clone(),
                    },
                    min_replicas: replicas,
                    max_replicas: max,
                    metrics: Some(vec![MetricSpec {
                        type_: "Resource".to_string(),
                        resource: Some(ResourceMetricSource {
                            name: "cpu".to_string(),
                            target: MetricTarget {
                                type_: "Utilization".to_string(),
                                average_utilization: Some(options.cpu_utilization),
                                ..Default::default()
                            },
                        }),
                        ..Default::default()
                    }]),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            _ => None,
        };

        Ok(Manifests {
            workload: workload_obj,
            service,
            hpa,
            notes,
        })
    }

    /// `StatefulSet, Service and HorizontalPodAutoscaler`.
    pub fn summary(&self) -> String {
        let mut kinds = vec![match self.workload {
            Workload::Deployment(_) => "Deployment",
            Workload::StatefulSet(_) => "StatefulSet",
            Workload::Job(_) => "Job",
            Workload::CronJob(_) => "CronJob",
        }];
        if self.service.is_some() {
            kinds.push("Service");
        }
        if self.hpa.is_some() {
            kinds.push("HorizontalPodAutoscaler");
        }
        match kinds.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => kinds.join(""),
        }
    }
}

/// A label value: at most 63 characters of `[A-Za-z0-9._-]`, alphanumeric at both ends.
fn label_value(v: &str) -> String {
    let cleaned: String = v
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(63)
        .collect();
    cleaned
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string()
}

fn metadata_string(contract: &Contract, tree: &Tree, key: &str) -> Option<String> {
    let node = tree.node(contract.metadata?).get(key)?;
    node.as_str().map(str::to_string).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_names_follow_iana_rules_and_stay_unique() {
        let mut used = Vec::new();
        assert_eq!(port_name("rest-api", &mut used), "rest-api");
        assert_eq!(
            port_name("Very_Long_Interface_Name", &mut used),
            "very-long-inter"
        );
        assert_eq!(port_name("8080", &mut used), "p-8080");
        assert_eq!(port_name("rest api", &mut used), "rest-api-2");
        for n in &used {
            assert!(
                n.len() <= 15 && !n.starts_with('-') && !n.ends_with('-'),
                "{n}"
            );
        }
    }

    #[test]
    fn label_values_are_valid() {
        assert_eq!(label_value("1.2.3+build"), "1.2.3_build");
        assert_eq!(label_value("-x-"), "x");
    }

    #[test]
    fn bad_requests_are_errors() {
        assert!(matches!(handle(b"not json"), Err(Error::Request(_))));
        assert!(matches!(
            handle(b"{\"protocolVersion\":\"2\",\"contract\":{}}"),
            Err(Error::Protocol(_))
        ));
        assert!(matches!(
            handle(b"{\"protocolVersion\":\"1\"}"),
            Err(Error::NoContract)
        ));
        assert!(matches!(
            handle(b"{\"protocolVersion\":\"1\",\"contract\":{\"service\":{}}}"),
            Err(Error::NoName)
        ));
        assert!(matches!(
            handle(b"{\"contract\":{\"service\":{\"name\":\"a\"}},\"options\":{\"cpu\":\"x\"}}"),
            Err(Error::Option { .. })
        ));
    }
}
