//! Runtime alignment checks: pure functions from a contract and the `k8s-openapi` objects found
//! in the cluster to one [`Check`] per rule. No I/O, no clock: the reconciler fetches the
//! objects, these functions judge them.
//!
//! Go operator checks (same types and reasons): `ServiceExists`, `WorkloadExists`, `PortsValid`,
//! `WorkloadTypeMatch`, `StateModelMatch`, `UpgradeStrategyMatch`, `GracefulShutdownMatch`,
//! `ImageMatch`, `HealthTimingMatch`, and the endpoint probes `HealthEndpointValid` /
//! `MetricsEndpointValid`. Checks the Go operator documents but never implemented:
//! `ContainerPortsValid` (every contract port is a container port), `HealthProbeMatch` (a probe
//! on the health interface's port and path) and `ScalingMatch` (replicas, or the HPA's range,
//! within `scaling`).

use crate::crd::{
    Condition, ContractStatus, ObservedRuntime, PortsStatus, ResourceState, Resources, Summary,
    WorkloadKind,
};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Container, PodTemplateSpec, Probe, Service};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use pacto_core::model::{Contract, Spanned};

/// How much a failed check matters (metrics and the dashboard; not the contract status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// The outcome of one check, before it becomes a status condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub type_: &'static str,
    /// `True`, `False` or `Unknown`.
    pub status: &'static str,
    pub reason: &'static str,
    pub message: String,
    pub severity: Severity,
}

impl Check {
    pub fn pass(type_: &'static str, reason: &'static str, message: impl Into<String>) -> Check {
        Check {
            type_,
            status: "True",
            reason,
            message: message.into(),
            severity: Severity::Error,
        }
    }

    pub fn fail(
        type_: &'static str,
        reason: &'static str,
        message: impl Into<String>,
        severity: Severity,
    ) -> Check {
        Check {
            type_,
            status: "False",
            reason,
            message: message.into(),
            severity,
        }
    }

    pub fn passed(&self) -> bool {
        self.status == "True"
    }

    /// The status condition (the caller sets the transition time).
    pub fn to_condition(&self, generation: Option<i64>) -> Condition {
        Condition {
            type_: self.type_.to_string(),
            status: self.status.to_string(),
            reason: self.reason.to_string(),
            message: self.message.clone(),
            last_transition_time: None,
            observed_generation: generation,
            severity: Some(self.severity.as_str().to_string()),
        }
    }
}

/// A workload object of any supported kind.
#[derive(Debug, Clone)]
pub enum Workload {
    Deployment(Box<Deployment>),
    StatefulSet(Box<StatefulSet>),
    DaemonSet(Box<DaemonSet>),
    ReplicaSet(Box<ReplicaSet>),
    Job(Box<Job>),
    CronJob(Box<CronJob>),
}

impl Workload {
    pub fn kind(&self) -> WorkloadKind {
        match self {
            Workload::Deployment(_) => WorkloadKind::Deployment,
            Workload::StatefulSet(_) => WorkloadKind::StatefulSet,
            Workload::DaemonSet(_) => WorkloadKind::DaemonSet,
            Workload::ReplicaSet(_) => WorkloadKind::ReplicaSet,
            Workload::Job(_) => WorkloadKind::Job,
            Workload::CronJob(_) => WorkloadKind::CronJob,
        }
    }

    pub fn name(&self) -> &str {
        let m = match self {
            Workload::Deployment(w) => &w.metadata,
            Workload::StatefulSet(w) => &w.metadata,
            Workload::DaemonSet(w) => &w.metadata,
            Workload::ReplicaSet(w) => &w.metadata,
            Workload::Job(w) => &w.metadata,
            Workload::CronJob(w) => &w.metadata,
        };
        m.name.as_deref().unwrap_or("")
    }

    /// The pod template (`jobTemplate.spec.template` for a CronJob).
    pub fn template(&self) -> Option<&PodTemplateSpec> {
        match self {
            Workload::Deployment(w) => w.spec.as_ref().map(|s| &s.template),
            Workload::StatefulSet(w) => w.spec.as_ref().map(|s| &s.template),
            Workload::DaemonSet(w) => w.spec.as_ref().map(|s| &s.template),
            Workload::ReplicaSet(w) => w.spec.as_ref().and_then(|s| s.template.as_ref()),
            Workload::Job(w) => w.spec.as_ref().map(|s| &s.template),
            Workload::CronJob(w) => w
                .spec
                .as_ref()
                .and_then(|s| s.job_template.spec.as_ref())
                .map(|s| &s.template),
        }
    }

    /// Desired replicas for the kinds that have them (the API server defaults a missing value to 1).
    pub fn replicas(&self) -> Option<i32> {
        match self {
            Workload::Deployment(w) => Some(w.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)),
            Workload::StatefulSet(w) => Some(w.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)),
            Workload::ReplicaSet(w) => Some(w.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)),
            _ => None,
        }
    }

    fn has_volume_claim_templates(&self) -> bool {
        matches!(self, Workload::StatefulSet(s) if s
            .spec
            .as_ref()
            .and_then(|s| s.volume_claim_templates.as_ref())
            .is_some_and(|v| !v.is_empty()))
    }
}

/// What the reconciler found for a Pacto's target.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// The Service was looked for (the Pacto names one).
    pub service_name: Option<String>,
    /// The Service, when it exists.
    pub service: Option<Service>,
    /// The workload looked for.
    pub workload_ref: Option<(String, WorkloadKind)>,
    /// The workload, when it exists.
    pub workload: Option<Workload>,
    /// The HorizontalPodAutoscaler whose `scaleTargetRef` is the workload.
    pub hpa: Option<HorizontalPodAutoscaler>,
    /// Kinds that could not be read (not served, or forbidden): the checks that need them are
    /// left out and one `RuntimeObserved` condition names them.
    pub unavailable: Vec<Unavailable>,
}

/// A kind the operator could not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable {
    /// `Service`, `Deployment`, `HorizontalPodAutoscaler`, …
    pub kind: String,
    /// The HTTP status: 404 (the API server does not serve the kind) or 403 (forbidden).
    pub code: u16,
    /// The failed request: HTTP status, verb, resource (see [`crate::apierror`]).
    pub detail: String,
}

/// The checks that need the Service.
pub const SERVICE_CHECKS: &[&str] = &[
    "ServiceExists",
    "PortsValid",
    "HealthEndpointValid",
    "MetricsEndpointValid",
];

/// The checks that need the workload.
pub const WORKLOAD_CHECKS: &[&str] = &[
    "WorkloadExists",
    "ContainerPortsValid",
    "WorkloadTypeMatch",
    "StateModelMatch",
    "UpgradeStrategyMatch",
    "GracefulShutdownMatch",
    "ImageMatch",
    "HealthProbeMatch",
    "HealthTimingMatch",
    "ScalingMatch",
];

/// The checks that need HorizontalPodAutoscalers.
pub const HPA_CHECKS: &[&str] = &["ScalingMatch"];

/// The condition type that reports a failed or degraded observation.
pub const RUNTIME_OBSERVED: &str = "RuntimeObserved";

impl Observed {
    fn unavailable(&self, kind: &str) -> Option<&Unavailable> {
        self.unavailable.iter().find(|u| u.kind == kind)
    }
}

/// The `RuntimeObserved` check for kinds that could not be read: one sentence per kind, with
/// what happened and which checks it leaves out.
pub fn degraded_check(observed: &Observed) -> Option<Check> {
    if observed.unavailable.is_empty() {
        return None;
    }
    let workload_kind = observed.workload_ref.as_ref().map(|(_, k)| k.as_str());
    let parts: Vec<String> = observed
        .unavailable
        .iter()
        .map(|u| {
            let what = match u.code {
                404 => "is not served by the API server",
                403 => "is forbidden to the operator",
                _ => "could not be read",
            };
            let checks = if u.kind == "Service" {
                SERVICE_CHECKS
            } else if Some(u.kind.as_str()) == workload_kind {
                WORKLOAD_CHECKS
            } else if u.kind == "HorizontalPodAutoscaler" {
                HPA_CHECKS
            } else {
                &[]
            };
            format!(
                "{} {what} ({}); degraded checks: {}",
                u.kind,
                u.detail,
                checks.join(", ")
            )
        })
        .collect();
    Some(Check::fail(
        RUNTIME_OBSERVED,
        "ObservationFailed",
        parts.join("; "),
        Severity::Warning,
    ))
}

/// Every check's result plus the status fields they fill.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub checks: Vec<Check>,
    pub resources: Option<Resources>,
    pub ports: Option<PortsStatus>,
    pub observed_runtime: Option<ObservedRuntime>,
}

fn s(v: &Option<Spanned<String>>) -> &str {
    v.as_ref().map_or("", |v| v.as_str())
}

/// The ports the contract's interfaces declare, sorted and unique.
pub fn contract_ports(contract: &Contract) -> Vec<i32> {
    let mut p: Vec<i32> = contract
        .interfaces
        .iter()
        .filter_map(|i| i32::try_from(i.port.as_ref()?.value).ok())
        .collect();
    p.sort_unstable();
    p.dedup();
    p
}

fn containers(w: &Workload) -> &[Container] {
    w.template()
        .and_then(|t| t.spec.as_ref())
        .map_or(&[], |s| s.containers.as_slice())
}

/// The Go operator's read-only snapshot of a workload (`status.observedRuntime`).
pub fn observe_runtime(w: &Workload) -> ObservedRuntime {
    let pod = w.template().and_then(|t| t.spec.as_ref());
    let first = containers(w).first();
    let delay = first.and_then(|c| {
        c.readiness_probe
            .as_ref()
            .or(c.liveness_probe.as_ref())
            .and_then(|p| p.initial_delay_seconds)
    });
    let volumes = pod.and_then(|p| p.volumes.as_ref());
    let has_pvc = w.has_volume_claim_templates()
        || volumes.is_some_and(|v| v.iter().any(|v| v.persistent_volume_claim.is_some()));
    let has_empty_dir = volumes.is_some_and(|v| v.iter().any(|v| v.empty_dir.is_some()));
    ObservedRuntime {
        workload_kind: w.kind().as_str().to_string(),
        deployment_strategy: match w {
            Workload::Deployment(d) => d
                .spec
                .as_ref()
                .and_then(|s| s.strategy.as_ref())
                .and_then(|s| s.type_.clone()),
            _ => None,
        },
        pod_management_policy: match w {
            Workload::StatefulSet(st) => st
                .spec
                .as_ref()
                .and_then(|s| s.pod_management_policy.clone()),
            _ => None,
        },
        termination_grace_period_seconds: pod.and_then(|p| p.termination_grace_period_seconds),
        container_images: containers(w)
            .iter()
            .map(|c| c.image.clone().unwrap_or_default())
            .collect(),
        has_pvc,
        has_empty_dir,
        health_probe_initial_delay_seconds: delay,
        replicas: w.replicas(),
    }
}

/// Run every check that applies, in the Go operator's order, then the added ones.
pub fn run(contract: &Contract, observed: &Observed) -> Outcome {
    let mut checks = Vec::new();
    let mut resources = Resources::default();
    let expected = contract_ports(contract);

    let service_unavailable = observed.unavailable("Service").is_some();
    let workload_unavailable = observed
        .workload_ref
        .as_ref()
        .is_some_and(|(_, k)| observed.unavailable(k.as_str()).is_some());
    let hpa_unavailable = observed.unavailable("HorizontalPodAutoscaler").is_some();
    if let Some(name) = observed
        .service_name
        .as_ref()
        .filter(|_| !service_unavailable)
    {
        let exists = observed.service.is_some();
        resources.service = Some(ResourceState {
            name: name.clone(),
            kind: None,
            exists,
        });
        checks.push(if exists {
            Check::pass("ServiceExists", "Found", format!("Service {name} exists"))
        } else {
            Check::fail(
                "ServiceExists",
                "NotFound",
                format!("Service {name} not found"),
                Severity::Error,
            )
        });
    }
    if let Some((name, kind)) = observed
        .workload_ref
        .as_ref()
        .filter(|_| !workload_unavailable)
    {
        let exists = observed.workload.is_some();
        resources.workload = Some(ResourceState {
            name: name.clone(),
            kind: Some(kind.as_str().to_string()),
            exists,
        });
        checks.push(if exists {
            Check::pass(
                "WorkloadExists",
                "Found",
                format!("{} {name} exists", kind.as_str()),
            )
        } else {
            Check::fail(
                "WorkloadExists",
                "NotFound",
                format!("{} {name} not found", kind.as_str()),
                Severity::Error,
            )
        });
    }

    let mut ports = None;
    if let Some(svc) = &observed.service {
        let mut seen: Vec<i32> = svc
            .spec
            .as_ref()
            .and_then(|s| s.ports.as_ref())
            .map(|p| p.iter().map(|p| p.port).collect())
            .unwrap_or_default();
        seen.sort_unstable();
        seen.dedup();
        let missing: Vec<i32> = expected
            .iter()
            .copied()
            .filter(|p| !seen.contains(p))
            .collect();
        let unexpected: Vec<i32> = seen
            .iter()
            .copied()
            .filter(|p| !expected.contains(p))
            .collect();
        checks.push(if missing.is_empty() {
            Check::pass(
                "PortsValid",
                "AllPortsMatch",
                "all contract ports are exposed by the Service",
            )
        } else {
            Check::fail(
                "PortsValid",
                "MissingPorts",
                format!(
                    "Service {} does not expose contract port(s) {}",
                    svc.metadata.name.as_deref().unwrap_or(""),
                    join(&missing)
                ),
                Severity::Error,
            )
        });
        if !expected.is_empty() || !seen.is_empty() {
            ports = Some(PortsStatus {
                expected: expected.clone(),
                observed: seen,
                missing,
                unexpected,
            });
        }
    } else if !expected.is_empty() && !service_unavailable {
        ports = Some(PortsStatus {
            expected: expected.clone(),
            ..Default::default()
        });
    }

    let mut observed_runtime = None;
    if let Some(w) = &observed.workload {
        let obs = observe_runtime(w);
        if !expected.is_empty() {
            checks.push(container_ports(&expected, w));
        }
        if contract.runtime.is_some() {
            checks.extend(runtime_checks(contract, w, &obs));
        }
        if let Some(c) = image_check(contract, &obs) {
            checks.push(c);
        }
        if let Some(c) = health_probe_check(contract, w) {
            checks.push(c);
        }
        if let Some(c) =
            scaling_check(contract, w, observed.hpa.as_ref()).filter(|_| !hpa_unavailable)
        {
            checks.push(c);
        }
        observed_runtime = Some(obs);
    }

    checks.extend(degraded_check(observed));
    let any = resources.service.is_some() || resources.workload.is_some();
    Outcome {
        checks,
        resources: any.then_some(resources),
        ports,
        observed_runtime,
    }
}

fn join(ports: &[i32]) -> String {
    ports
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every contract port is a `containerPort` of some container of the pod template.
pub fn container_ports(expected: &[i32], w: &Workload) -> Check {
    let declared: Vec<i32> = containers(w)
        .iter()
        .flat_map(|c| c.ports.iter().flatten().map(|p| p.container_port))
        .collect();
    let missing: Vec<i32> = expected
        .iter()
        .copied()
        .filter(|p| !declared.contains(p))
        .collect();
    if missing.is_empty() {
        Check::pass(
            "ContainerPortsValid",
            "AllPortsMatch",
            "all contract ports are container ports",
        )
    } else {
        Check::fail(
            "ContainerPortsValid",
            "MissingPorts",
            format!(
                "{} {} declares no container port {}",
                w.kind().as_str(),
                w.name(),
                join(&missing)
            ),
            Severity::Warning,
        )
    }
}

fn runtime_checks(contract: &Contract, w: &Workload, obs: &ObservedRuntime) -> Vec<Check> {
    let mut out = Vec::new();
    let Some(rt) = &contract.runtime else {
        return out;
    };
    let kind = w.kind();
    let declared = match s(&rt.workload) {
        "" => "service",
        x => x,
    };
    let ok = match declared {
        "service" => matches!(
            kind,
            WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::DaemonSet
        ),
        "job" => kind == WorkloadKind::Job,
        "scheduled" => kind == WorkloadKind::CronJob,
        _ => false,
    };
    out.push(if ok {
        Check::pass(
            "WorkloadTypeMatch",
            "Match",
            format!("workload {declared} runs as a {}", kind.as_str()),
        )
    } else {
        let want = match declared {
            "job" => "Job",
            "scheduled" => "CronJob",
            _ => "Deployment or StatefulSet",
        };
        Check::fail(
            "WorkloadTypeMatch",
            "Mismatch",
            format!(
                "contract workload {declared} expects a {want}, found a {}",
                kind.as_str()
            ),
            Severity::Error,
        )
    });

    let state = rt.state.as_ref();
    let st = state.map_or("", |x| s(&x.kind));
    let persistent = state.is_some_and(|x| s(&x.durability) == "persistent");
    let is_sts = kind == WorkloadKind::StatefulSet;
    out.push(match st {
        "stateful" if !is_sts => Check::fail(
            "StateModelMatch",
            "Mismatch",
            format!(
                "stateful contract: expected StatefulSet, found {}",
                kind.as_str()
            ),
            Severity::Error,
        ),
        "stateful" if persistent && !obs.has_pvc => Check::fail(
            "StateModelMatch",
            "Missing",
            "persistent state declared but the StatefulSet has no volume claim",
            Severity::Error,
        ),
        "stateless" if obs.has_pvc => Check::fail(
            "StateModelMatch",
            "Mismatch",
            format!(
                "stateless contract but the {} mounts a persistent volume claim",
                kind.as_str()
            ),
            Severity::Warning,
        ),
        "hybrid" if persistent && !obs.has_pvc => Check::fail(
            "StateModelMatch",
            "Missing",
            "persistent state declared but the workload has no volume claim",
            Severity::Error,
        ),
        _ => Check::pass(
            "StateModelMatch",
            "Match",
            format!(
                "state model {} matches the {}",
                if st.is_empty() { "(unset)" } else { st },
                kind.as_str()
            ),
        ),
    });

    let lifecycle = rt.lifecycle.as_ref();
    let strategy = lifecycle.map_or("", |l| s(&l.upgrade_strategy));
    if !strategy.is_empty() {
        let sts = kind == WorkloadKind::StatefulSet;
        let want = match strategy {
            "rolling" => "RollingUpdate",
            "recreate" if sts => "OnDelete",
            "recreate" => "Recreate",
            "ordered" => "OrderedReady",
            other => other,
        };
        // The API server defaults both fields; an absent value is the default.
        let seen = match w {
            Workload::Deployment(_) => Some(
                obs.deployment_strategy
                    .clone()
                    .unwrap_or_else(|| "RollingUpdate".to_string()),
            ),
            // A StatefulSet has two knobs: `ordered` is its pod management policy, `rolling`
            // and `recreate` its update strategy (RollingUpdate / OnDelete). The Go operator
            // compared every strategy with the policy, so `rolling` could never match.
            Workload::StatefulSet(st) => Some(if strategy == "ordered" {
                obs.pod_management_policy
                    .clone()
                    .unwrap_or_else(|| "OrderedReady".to_string())
            } else {
                st.spec
                    .as_ref()
                    .and_then(|s| s.update_strategy.as_ref())
                    .and_then(|u| u.type_.clone())
                    .unwrap_or_else(|| "RollingUpdate".to_string())
            }),
            _ => None,
        };
        out.push(match seen {
            None => Check::pass(
                "UpgradeStrategyMatch",
                "Skipped",
                format!("a {} has no upgrade strategy", kind.as_str()),
            ),
            Some(seen) if seen == want => Check::pass(
                "UpgradeStrategyMatch",
                "Match",
                format!("upgrade strategy {seen}"),
            ),
            Some(seen) => Check::fail(
                "UpgradeStrategyMatch",
                "Mismatch",
                format!("contract upgradeStrategy {strategy} expects {want}, found {seen}"),
                Severity::Warning,
            ),
        });
    }

    if let Some(g) = lifecycle.and_then(|l| l.graceful_shutdown_seconds.as_ref()) {
        out.push(match obs.termination_grace_period_seconds {
            None => Check::fail(
                "GracefulShutdownMatch",
                "Missing",
                "the pod template sets no terminationGracePeriodSeconds",
                Severity::Warning,
            ),
            Some(v) if v == g.value => Check::pass(
                "GracefulShutdownMatch",
                "Match",
                format!("terminationGracePeriodSeconds {v}"),
            ),
            Some(v) => Check::fail(
                "GracefulShutdownMatch",
                "Mismatch",
                format!(
                    "contract gracefulShutdownSeconds {} but terminationGracePeriodSeconds {v}",
                    g.value
                ),
                Severity::Warning,
            ),
        });
    }

    if let Some(d) = rt
        .health
        .as_ref()
        .and_then(|h| h.initial_delay_seconds.as_ref())
    {
        out.push(match obs.health_probe_initial_delay_seconds {
            None => Check::fail(
                "HealthTimingMatch",
                "Missing",
                "the first container has no readiness or liveness probe with initialDelaySeconds",
                Severity::Warning,
            ),
            Some(v) if i64::from(v) == d.value => Check::pass(
                "HealthTimingMatch",
                "Match",
                format!("initialDelaySeconds {v}"),
            ),
            Some(v) => Check::fail(
                "HealthTimingMatch",
                "Mismatch",
                format!(
                    "contract initialDelaySeconds {} but the probe waits {v}",
                    d.value
                ),
                Severity::Warning,
            ),
        });
    }
    out
}

/// `service.image.ref` against the first container's image.
fn image_check(contract: &Contract, obs: &ObservedRuntime) -> Option<Check> {
    let want = contract
        .service
        .as_ref()
        .and_then(|s| s.image.as_ref())
        .map(|i| s(&i.reference))
        .filter(|r| !r.is_empty())?;
    Some(match obs.container_images.first() {
        None => Check::fail(
            "ImageMatch",
            "Missing",
            "the pod template has no container",
            Severity::Error,
        ),
        Some(got) if image_matches(want, got) => {
            Check::pass("ImageMatch", "Match", format!("image {got}"))
        }
        Some(got) => Check::fail(
            "ImageMatch",
            "Mismatch",
            format!("contract image {want} but the first container runs {got}"),
            Severity::Error,
        ),
    })
}

/// Docker's normalisation: `nginx` → `docker.io/library/nginx`, `user/app` → `docker.io/user/app`.
fn normalize_image(r: &str) -> String {
    let first = r.split('/').next().unwrap_or("");
    let has_host =
        r.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    if has_host {
        r.to_string()
    } else if r.contains('/') {
        format!("docker.io/{r}")
    } else {
        format!("docker.io/library/{r}")
    }
}

/// Split `repo[:tag][@digest]` (the tag is looked for after the last `/` only).
fn split_image(r: &str) -> (&str, bool) {
    let (no_digest, digest) = match r.split_once('@') {
        Some((a, _)) => (a, true),
        None => (r, false),
    };
    let slash = no_digest.rfind('/').map_or(0, |i| i + 1);
    match no_digest[slash..].rfind(':') {
        Some(i) => (&no_digest[..slash + i], true),
        None => (no_digest, digest),
    }
}

/// The Go operator's `imageMatches`: exact, or equal after normalisation; when the expected
/// reference pins a tag or digest the match must be exact, otherwise only the repository counts.
pub fn image_matches(expected: &str, actual: &str) -> bool {
    if expected == actual {
        return true;
    }
    let (e, a) = (normalize_image(expected), normalize_image(actual));
    if e == a {
        return true;
    }
    let (e_repo, e_pinned) = split_image(&e);
    if e_pinned {
        return false;
    }
    let (a_repo, _) = split_image(&a);
    e_repo == a_repo
}

fn norm_path(p: &str) -> String {
    if p.is_empty() {
        "/".to_string()
    } else if p.starts_with('/') {
        p.to_string()
    } else {
        format!("/{p}")
    }
}

/// A probe port: a number, or the name of a container port.
fn probe_port(port: &IntOrString, c: &Container) -> Option<i32> {
    match port {
        IntOrString::Int(p) => Some(*p),
        IntOrString::String(name) => c
            .ports
            .iter()
            .flatten()
            .find(|p| p.name.as_deref() == Some(name.as_str()))
            .map(|p| p.container_port)
            .or_else(|| name.parse().ok()),
    }
}

/// The health interface's port and path against the containers' probes.
fn health_probe_check(contract: &Contract, w: &Workload) -> Option<Check> {
    let health = contract.runtime.as_ref()?.health.as_ref()?;
    let iface_name = s(&health.interface);
    let iface = contract
        .interfaces
        .iter()
        .find(|i| i.name() == iface_name)?;
    let port = i32::try_from(iface.port.as_ref()?.value).ok()?;
    let grpc = iface.kind() == "grpc";
    let want_path = norm_path(s(&health.path));
    let mut seen = Vec::new();
    for c in containers(w) {
        let probes: [&Option<Probe>; 3] = [&c.readiness_probe, &c.liveness_probe, &c.startup_probe];
        for p in probes.into_iter().flatten() {
            if let Some(h) = &p.http_get {
                let got_port = probe_port(&h.port, c);
                let got_path = norm_path(h.path.as_deref().unwrap_or(""));
                if !grpc && got_port == Some(port) && got_path == want_path {
                    return Some(Check::pass(
                        "HealthProbeMatch",
                        "Match",
                        format!("container {} probes {got_path} on port {port}", c.name),
                    ));
                }
                seen.push(format!(
                    "GET {got_path} on port {}",
                    got_port.map_or_else(|| "?".to_string(), |p| p.to_string())
                ));
            }
            if let Some(g) = &p.grpc {
                if grpc && g.port == port {
                    return Some(Check::pass(
                        "HealthProbeMatch",
                        "Match",
                        format!("container {} probes gRPC on port {port}", c.name),
                    ));
                }
                seen.push(format!("gRPC on port {}", g.port));
            }
            if let Some(t) = &p.tcp_socket {
                seen.push(format!(
                    "TCP on port {}",
                    probe_port(&t.port, c).map_or_else(|| "?".to_string(), |p| p.to_string())
                ));
            }
        }
    }
    let want = if grpc {
        format!("gRPC on port {port}")
    } else {
        format!("GET {want_path} on port {port}")
    };
    Some(if seen.is_empty() {
        Check::fail(
            "HealthProbeMatch",
            "Missing",
            format!("no container probes the health endpoint (expected {want})"),
            Severity::Warning,
        )
    } else {
        seen.sort();
        seen.dedup();
        Check::fail(
            "HealthProbeMatch",
            "Mismatch",
            format!(
                "expected a probe {want}, the containers probe {}",
                seen.join("; ")
            ),
            Severity::Warning,
        )
    })
}

/// Replicas (or the HPA's min/max) within the contract's `scaling`.
fn scaling_check(
    contract: &Contract,
    w: &Workload,
    hpa: Option<&HorizontalPodAutoscaler>,
) -> Option<Check> {
    let scaling = contract.scaling.as_ref()?;
    let (min, max) = (scaling.effective_min(), scaling.effective_max());
    if min.is_none() && max.is_none() {
        return None;
    }
    let range = match (min, max) {
        (Some(a), Some(b)) if a == b => format!("{a}"),
        (Some(a), Some(b)) => format!("{a}..{b}"),
        (Some(a), None) => format!(">= {a}"),
        (None, Some(b)) => format!("<= {b}"),
        (None, None) => String::new(),
    };
    let within = |v: i64| min.is_none_or(|m| v >= m) && max.is_none_or(|m| v <= m);
    if let Some(h) = hpa.and_then(|h| h.spec.as_ref()) {
        let hmin = i64::from(h.min_replicas.unwrap_or(1));
        let hmax = i64::from(h.max_replicas);
        return Some(if within(hmin) && within(hmax) {
            Check::pass(
                "ScalingMatch",
                "Match",
                format!("autoscaler {hmin}..{hmax} within scaling {range}"),
            )
        } else {
            Check::fail(
                "ScalingMatch",
                "Mismatch",
                format!("autoscaler range {hmin}..{hmax} is outside scaling {range}"),
                Severity::Warning,
            )
        });
    }
    let Some(replicas) = w.replicas() else {
        return Some(Check::pass(
            "ScalingMatch",
            "Skipped",
            format!("a {} has no replica count", w.kind().as_str()),
        ));
    };
    Some(if within(i64::from(replicas)) {
        Check::pass(
            "ScalingMatch",
            "Match",
            format!("{replicas} replica(s) within scaling {range}"),
        )
    } else {
        Check::fail(
            "ScalingMatch",
            "Mismatch",
            format!("{replicas} replica(s) outside scaling {range}"),
            Severity::Warning,
        )
    })
}

/// What an HTTP probe of an endpoint saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeResult {
    /// Status code and whether the body was non-empty.
    Response {
        status: u16,
        non_empty_body: bool,
    },
    ConnectionFailed(String),
}

/// `HealthEndpointValid`: any status 200–399 passes.
pub fn health_endpoint(url: &str, r: &ProbeResult) -> Check {
    match r {
        ProbeResult::ConnectionFailed(e) => Check::fail(
            "HealthEndpointValid",
            "ConnectionFailed",
            format!("GET {url}: {e}"),
            Severity::Warning,
        ),
        ProbeResult::Response { status, .. } if (200..400).contains(status) => {
            Check::pass("HealthEndpointValid", "OK", format!("GET {url}: {status}"))
        }
        ProbeResult::Response { status, .. } => Check::fail(
            "HealthEndpointValid",
            "InvalidStatusCode",
            format!("GET {url}: {status}"),
            Severity::Warning,
        ),
    }
}

/// `MetricsEndpointValid`: status 200 with a non-empty body.
pub fn metrics_endpoint(url: &str, r: &ProbeResult) -> Check {
    match r {
        ProbeResult::ConnectionFailed(e) => Check::fail(
            "MetricsEndpointValid",
            "ConnectionFailed",
            format!("GET {url}: {e}"),
            Severity::Warning,
        ),
        ProbeResult::Response {
            status: 200,
            non_empty_body: true,
        } => Check::pass("MetricsEndpointValid", "OK", format!("GET {url}: 200")),
        ProbeResult::Response { status: 200, .. } => Check::fail(
            "MetricsEndpointValid",
            "EmptyResponse",
            format!("GET {url}: empty body"),
            Severity::Warning,
        ),
        ProbeResult::Response { status, .. } => Check::fail(
            "MetricsEndpointValid",
            "InvalidStatusCode",
            format!("GET {url}: {status}"),
            Severity::Warning,
        ),
    }
}

/// An endpoint to probe, or the check that fails before probing.
pub enum EndpointPlan {
    Probe { url: String },
    Fail(Check),
}

/// Where `runtime.health` (`health == true`) or `runtime.metrics` is served, through the Service.
pub fn endpoint_plan(
    contract: &Contract,
    health: bool,
    service: &str,
    namespace: &str,
) -> Option<EndpointPlan> {
    let rt = contract.runtime.as_ref()?;
    let (probe, type_) = if health {
        (rt.health.as_ref()?, "HealthEndpointValid")
    } else {
        (rt.metrics.as_ref()?, "MetricsEndpointValid")
    };
    let name = s(&probe.interface);
    if name.is_empty() {
        return None;
    }
    let Some(iface) = contract.interfaces.iter().find(|i| i.name() == name) else {
        return Some(EndpointPlan::Fail(Check::fail(
            type_,
            "InterfaceNotFound",
            format!("interface {name} is not declared"),
            Severity::Warning,
        )));
    };
    let Some(port) = iface.port.as_ref() else {
        return Some(EndpointPlan::Fail(Check::fail(
            type_,
            "InterfaceHasNoPort",
            format!("interface {name} has no port"),
            Severity::Warning,
        )));
    };
    Some(EndpointPlan::Probe {
        url: format!(
            "http://{service}.{namespace}.svc:{}{}",
            port.value,
            norm_path(s(&probe.path))
        ),
    })
}

/// Failed-check counts and the `contractStatus` for a targeted Pacto whose contract loaded:
/// a missing Service or workload is NonCompliant, any other failure is Warning, a check that
/// could not be decided (or left out because its kind could not be read: `RuntimeObserved`) is
/// Unknown.
pub fn derive_status(checks: &[Check]) -> ContractStatus {
    let not_true = |c: &&Check| !c.passed();
    if checks
        .iter()
        .filter(not_true)
        .any(|c| matches!(c.type_, "ServiceExists" | "WorkloadExists"))
    {
        ContractStatus::NonCompliant
    } else if checks
        .iter()
        .any(|c| c.status == "False" && c.type_ != RUNTIME_OBSERVED)
    {
        ContractStatus::Warning
    } else if checks
        .iter()
        .any(|c| c.status == "Unknown" || c.type_ == RUNTIME_OBSERVED)
    {
        ContractStatus::Unknown
    } else {
        ContractStatus::Compliant
    }
}

/// `summary`: one entry per check; the severity counts of the failed ones (Go's printer
/// columns `Errors` and `Warnings`).
pub fn summarize(checks: &[Check]) -> Summary {
    let passed = checks.iter().filter(|c| c.passed()).count();
    let total = checks.len();
    let n = |f: &dyn Fn(&Check) -> bool| {
        i32::try_from(checks.iter().filter(|c| f(c)).count()).unwrap_or(i32::MAX)
    };
    Summary {
        total: i32::try_from(total).unwrap_or(i32::MAX),
        passed: i32::try_from(passed).unwrap_or(i32::MAX),
        failed: i32::try_from(total - passed).unwrap_or(i32::MAX),
        error_count: n(&|c| c.status == "False" && c.severity == Severity::Error),
        warning_count: n(&|c| c.status == "False" && c.severity == Severity::Warning),
        info_count: 0,
        unknown_count: n(&|c| c.status == "Unknown"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_matching_table() {
        let cases = [
            ("ghcr.io/org/svc", "ghcr.io/org/svc:v1", true),
            ("ghcr.io/org/svc:v1", "ghcr.io/org/svc:v2", false),
            ("nginx", "docker.io/library/nginx:latest", true),
            ("user/app", "docker.io/user/app:v1", true),
            ("ghcr.io/org/svc@sha256:abc", "ghcr.io/org/svc:v1", false),
            ("localhost:5000/svc", "localhost:5000/svc:v1", true),
            ("registry:5000/org/svc:v1", "registry:5000/org/svc:v1", true),
            ("docker.io/library/nginx:latest", "nginx:latest", true),
            ("postgres:16", "docker.io/library/postgres:16", true),
            ("ghcr.io/org/svc", "ghcr.io/org/other:v1", false),
        ];
        for (e, a, want) in cases {
            assert_eq!(image_matches(e, a), want, "{e} vs {a}");
        }
    }
}
