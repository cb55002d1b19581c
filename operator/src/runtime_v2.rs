//! Pacto 2.0 runtime evaluation as Go's operator 5.x does it: the observer turns the live
//! Service, workload and bound ConfigMaps/Secrets into evidence, the stabilization window
//! holds back a negative observation until it has lasted, and the core's pure
//! [`pacto_core::evaluate::evaluate`] turns evidence into findings and coverage.
//!
//! What the observer does per assertion (what it cannot observe is never a pass):
//! - interface: needs a `spec.target.interfaceBindings` entry (or, with
//!   `--interface-name-match-discovery`, a Service port named like the interface); the bound
//!   port on the Service with at least one ready replica is available; an unbound interface has
//!   no observation (`EVIDENCE_MISSING`);
//! - capability `health`: with `--enable-probing`, a GET through the Service on the bound
//!   interface's port and the binding's path (2xx: present, another status: absent, no answer:
//!   `COLLECTION_FAILED`); without it, a container probe on that path is a passive sign of
//!   presence, its absence is `Insufficient`;
//! - capability `metrics`: only with `--enable-metrics-observation` (the same GET), otherwise
//!   `Unsupported`;
//! - dependency: reachability is not observed in the cluster (`Unsupported`);
//! - configuration (Go's `observeConfigurationsDim`): a required one without a
//!   `spec.target.configBindings` entry is `Unsupported`; a bound object that does not exist is
//!   absent; a Secret shows existence only (`Insufficient`: its data is never read); a
//!   ConfigMap's `key`, decoded per `format`, is validated against the configuration's JSON
//!   Schema (from the bundle, or inline), anything short of that is `Insufficient`;
//! - workload: the workload's type (`service` for Deployment/StatefulSet/DaemonSet/ReplicaSet,
//!   `job`, `scheduled` for a CronJob); a different type is a mismatch only when
//!   `workloadRef.kind` was written (Go's AR7), otherwise `Insufficient`;
//! - persistence: a PersistentVolumeClaim (volume or claim template) is durable storage.

use crate::checks::{observe_runtime, Check, Observed, ProbeResult, Severity, Workload};
use crate::crd::{
    ConfigBinding, ConfigBindingKind, ConfigFormat, ContractStatus, EvaluationCoverage,
    FindingSeverity, FindingStatus, ObservationWindow, PactoSpec, ServicePort, ValidationIssue,
};
use crate::reconcile::Prober;
use k8s_openapi::api::core::v1::{ConfigMap, Secret, Service};
use k8s_openapi::jiff::Timestamp;
use kube::{Api, Client};
use pacto_core::bundle::Bundle;
use pacto_core::evaluate::{
    self, Assertions, Observation, ObservationKind, Outcome, Payload, Severity as Sev,
};
use pacto_core::syntax::Tree;
use std::sync::Arc;
use std::time::Duration;

/// The operator flags of the 2.0 evaluation (Go's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// `-stabilization-window`: how long a negative observation must last to be a violation.
    pub stabilization_window: Duration,
    /// `-enable-probing`: actively GET the health capability through the Service.
    pub enable_probing: bool,
    /// `-enable-metrics-observation`: GET the metrics capability through the Service.
    pub enable_metrics_observation: bool,
    /// `-interface-name-match-discovery`: a Service port named like an unbound interface
    /// serves it.
    pub interface_name_match_discovery: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            stabilization_window: Duration::from_secs(120),
            enable_probing: false,
            enable_metrics_observation: false,
            interface_name_match_discovery: false,
        }
    }
}

/// A Go `time.Duration` string as `-stabilization-window` takes it: `2m0s`, `90s`, `1h30m`,
/// `500ms`, `0` (units `h`, `m`, `s`, `ms`, `us`/`µs`, `ns`; decimals allowed).
pub fn parse_go_duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("invalid duration {text:?} (e.g. 2m0s, 90s, 1h30m)");
    let t = text.trim();
    if t == "0" {
        return Ok(Duration::ZERO);
    }
    if t.is_empty() || t.starts_with('-') {
        return Err(bad());
    }
    let mut total = 0f64;
    let mut rest = t.strip_prefix('+').unwrap_or(t);
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let value: f64 = rest[..n].parse().map_err(|_| bad())?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..u] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" | "μs" => 1e-6,
            "ns" => 1e-9,
            _ => return Err(bad()),
        };
        total += value * scale;
        rest = &rest[u..];
    }
    Duration::try_from_secs_f64(total).map_err(|_| bad())
}

/// The 2.0 part of a status.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome2 {
    pub findings: Vec<FindingStatus>,
    pub coverage: EvaluationCoverage,
    pub windows: Vec<ObservationWindow>,
    pub verdict: ContractStatus,
    /// `ContractValid` and `RuntimeObserved`.
    pub checks: Vec<Check>,
}

/// Observe, stabilize, evaluate. `warnings` are the contract's validation warnings (Go passes
/// structural findings too: a warning makes the contract `Warning`).
#[allow(clippy::too_many_arguments)]
pub async fn run(
    client: &Client,
    ns: &str,
    spec: &PactoSpec,
    tree: &Tree,
    bundle: Option<&dyn Bundle>,
    observed: &Observed,
    warnings: &[ValidationIssue],
    prev_windows: &[ObservationWindow],
    now: Timestamp,
    opts: Options,
    prober: Option<&Arc<dyn Prober>>,
) -> Outcome2 {
    let a = Assertions::of_tree(tree);
    let mut evidence = collect(&a, tree, spec, observed, opts, prober, ns).await;
    evidence.extend(configurations(client, ns, spec, &a, tree, bundle).await);
    let windows = stabilize(&mut evidence, prev_windows, now, opts.stabilization_window);
    let (found, cov) = evaluate::evaluate(&a, &evidence);
    let mut findings: Vec<FindingStatus> = warnings
        .iter()
        .map(|w| FindingStatus {
            code: w.code.clone(),
            severity: FindingSeverity::Warning,
            category: category_of(&w.code).to_string(),
            subject: String::new(),
            contract_path: w.path.clone(),
            message: w.message.clone(),
        })
        .collect();
    findings.extend(found.iter().map(|f| FindingStatus {
        code: f.code.to_string(),
        severity: match f.severity {
            Sev::Error => FindingSeverity::Error,
            Sev::Warning => FindingSeverity::Warning,
            Sev::Info => FindingSeverity::Info,
            Sev::Unknown => FindingSeverity::Unknown,
        },
        category: f.category.to_string(),
        subject: format!("{}/{}", f.subject_kind, f.subject),
        contract_path: f.contract_path.clone(),
        message: f.message.clone(),
    }));
    let verdict = verdict(&findings, cov);
    let i = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    let coverage = EvaluationCoverage {
        required: i(cov.required),
        evaluated: i(cov.evaluated),
    };
    let runtime = if cov.evaluated == cov.required {
        Check::pass(
            "RuntimeObserved",
            "Observed",
            format!(
                "{}/{} required assertions evaluated",
                cov.evaluated, cov.required
            ),
        )
    } else {
        Check {
            status: "Unknown",
            ..Check::fail(
                "RuntimeObserved",
                "Incomplete",
                format!(
                    "{}/{} required assertions evaluated; see status.findings",
                    cov.evaluated, cov.required
                ),
                Severity::Warning,
            )
        }
    };
    Outcome2 {
        findings,
        coverage,
        windows,
        verdict,
        checks: vec![
            Check::pass("ContractValid", "Parsed", "contract parsed and validated"),
            runtime,
        ],
    }
}

/// Go's `summarizeFindings`: any error is NonCompliant, else any unknown (or coverage short of
/// required) Unknown, else any warning Warning, else Compliant. `Invalid` and `Reference` are
/// decided before evaluating.
pub fn verdict(findings: &[FindingStatus], cov: evaluate::Coverage) -> ContractStatus {
    let has = |s: FindingSeverity| findings.iter().any(|f| f.severity == s);
    if has(FindingSeverity::Error) {
        ContractStatus::NonCompliant
    } else if has(FindingSeverity::Unknown) || cov.evaluated < cov.required {
        ContractStatus::Unknown
    } else if has(FindingSeverity::Warning) {
        ContractStatus::Warning
    } else {
        ContractStatus::Compliant
    }
}

fn category_of(code: &str) -> &'static str {
    match code {
        "TAG_NOT_DIGEST" => "InvalidReference",
        "POLICY_REF_NOT_ENFORCED" => "UnresolvedReference",
        _ => "SchemaViolation",
    }
}

/// The window kind of an observation (`None`: service-scoped kinds are not windowed).
fn window_kind(k: ObservationKind) -> Option<&'static str> {
    match k {
        ObservationKind::InterfaceObserved => Some("interface"),
        ObservationKind::DependencyReachable => Some("dependency"),
        ObservationKind::ConfigurationPresent => Some("configuration"),
        ObservationKind::CapabilityObserved => Some("capability"),
        _ => None,
    }
}

/// An absence (Go's gitops.md "Timing": an absence waits out the window; a mismatch, such as
/// a configuration that does not conform, counts at the first reconcile).
fn negative(p: &Payload) -> bool {
    matches!(
        p,
        Payload::Interface { present: false }
            | Payload::Capability { present: false }
            | Payload::Dependency { reachable: false }
            | Payload::Configuration { present: false, .. }
    )
}

/// The stabilization window: an absence whose streak began less than `window` ago
/// becomes `Insufficient` (Unknown, "stabilizing"); the streak's start is kept in
/// `status.observationWindows` and dropped once the observation is no longer negative.
pub fn stabilize(
    evidence: &mut [Observation],
    prev: &[ObservationWindow],
    now: Timestamp,
    window: Duration,
) -> Vec<ObservationWindow> {
    let mut out = Vec::new();
    for o in evidence.iter_mut() {
        let Some(kind) = window_kind(o.kind) else {
            continue;
        };
        if o.outcome != Outcome::Observed || !o.payload.as_ref().is_some_and(negative) {
            continue;
        }
        let started = prev
            .iter()
            .find(|w| w.kind == kind && w.subject == o.subject)
            .and_then(|w| {
                w.first_observed_negative_at
                    .parse::<Timestamp>()
                    .ok()
                    .map(|t| (t, w.first_observed_negative_at.clone()))
            });
        let (since, text) = started.unwrap_or_else(|| (now, now.to_string()));
        let lasted = now
            .duration_since(since)
            .try_into()
            .unwrap_or(Duration::ZERO);
        if lasted < window {
            o.outcome = Outcome::Insufficient;
            o.payload = None;
        }
        out.push(ObservationWindow {
            kind: kind.to_string(),
            subject: o.subject.clone(),
            first_observed_negative_at: text,
        });
    }
    out.sort_by(|a, b| (&a.kind, &a.subject).cmp(&(&b.kind, &b.subject)));
    out
}

fn ready_replicas(w: &Workload) -> Option<i32> {
    match w {
        Workload::Deployment(d) => Some(d.status.as_ref().and_then(|s| s.ready_replicas)?),
        Workload::StatefulSet(s) => Some(s.status.as_ref().and_then(|s| s.ready_replicas)?),
        Workload::ReplicaSet(r) => Some(r.status.as_ref().and_then(|s| s.ready_replicas)?),
        Workload::DaemonSet(d) => d.status.as_ref().map(|s| s.number_ready),
        Workload::Job(_) | Workload::CronJob(_) => None,
    }
}

/// The Service port number that serves `interface`: its binding, or with name-match discovery
/// a Service port of that name. `None`: unbound; `Some(None)`: bound but not on the Service.
fn bound_port(
    spec: &PactoSpec,
    service: Option<&Service>,
    interface: &str,
    discovery: bool,
) -> Option<Option<i32>> {
    let ports = service
        .and_then(|s| s.spec.as_ref())
        .and_then(|s| s.ports.as_ref());
    let binding = spec.target.as_ref().and_then(|t| {
        t.interface_bindings
            .iter()
            .find(|b| b.interface == interface)
    });
    let by_name = |n: &str| {
        ports.and_then(|ps| {
            ps.iter()
                .find(|p| p.name.as_deref() == Some(n))
                .map(|p| p.port)
        })
    };
    match binding.map(|b| &b.service_port) {
        Some(ServicePort::Number(n)) => {
            Some(ports.and_then(|ps| ps.iter().find(|p| p.port == *n).map(|p| p.port)))
        }
        Some(ServicePort::Name(n)) => Some(by_name(n)),
        None if discovery => by_name(interface).map(Some),
        None => None,
    }
}

async fn collect(
    a: &Assertions,
    tree: &Tree,
    spec: &PactoSpec,
    observed: &Observed,
    opts: Options,
    prober: Option<&Arc<dyn Prober>>,
    ns: &str,
) -> Vec<Observation> {
    use ObservationKind::*;
    let mut ev = Vec::new();
    let service = observed.service.as_ref();
    let workload = observed.workload.as_ref();
    let ready = workload.and_then(ready_replicas).unwrap_or(0) > 0;
    let service_read = observed
        .unavailable
        .iter()
        .all(|u| u.kind != "Service" && u.kind != observed_kind(observed));
    for name in &a.interfaces {
        match bound_port(spec, service, name, opts.interface_name_match_discovery) {
            None => {}
            Some(_) if !service_read => {
                ev.push(Observation::not_observed(
                    InterfaceObserved,
                    name,
                    Outcome::Failed,
                ));
            }
            Some(port) => ev.push(Observation::observed(
                InterfaceObserved,
                name,
                Payload::Interface {
                    present: port.is_some() && ready,
                },
            )),
        }
    }
    let caps = pacto_core::doc::v2::capabilities(tree);
    for (key, extension) in &a.capabilities {
        if *extension {
            continue;
        }
        let binding = caps
            .iter()
            .find(|c| &c.kind == key)
            .and_then(|c| c.binding.as_ref());
        let active = match key.as_str() {
            "health" => opts.enable_probing,
            "metrics" => opts.enable_metrics_observation,
            _ => false,
        };
        let url = binding.and_then(|b| {
            let port = bound_port(
                spec,
                service,
                &b.interface,
                opts.interface_name_match_discovery,
            )
            .flatten()?;
            let svc = spec.service_name()?;
            let path = if b.path.starts_with('/') {
                b.path.clone()
            } else {
                format!("/{}", b.path)
            };
            Some(format!("http://{svc}.{ns}.svc:{port}{path}"))
        });
        let obs = match (active, prober, url) {
            (true, Some(p), Some(url)) => {
                let p = p.clone();
                let r = tokio::task::spawn_blocking(move || p.get(&url))
                    .await
                    .unwrap_or_else(|e| ProbeResult::ConnectionFailed(e.to_string()));
                match r {
                    ProbeResult::Response { status, .. } => Observation::observed(
                        CapabilityObserved,
                        key,
                        Payload::Capability {
                            present: (200..300).contains(&status),
                        },
                    ),
                    ProbeResult::ConnectionFailed(_) => {
                        Observation::not_observed(CapabilityObserved, key, Outcome::Failed)
                    }
                }
            }
            (true, _, _) => {
                Observation::not_observed(CapabilityObserved, key, Outcome::Insufficient)
            }
            (false, _, _) if key == "health" => {
                let path = binding.map(|b| b.path.as_str()).unwrap_or("");
                if workload.is_some_and(|w| has_probe_on(w, path)) {
                    Observation::observed(
                        CapabilityObserved,
                        key,
                        Payload::Capability { present: true },
                    )
                } else {
                    Observation::not_observed(CapabilityObserved, key, Outcome::Insufficient)
                }
            }
            (false, _, _) => {
                Observation::not_observed(CapabilityObserved, key, Outcome::Unsupported)
            }
        };
        ev.push(obs);
    }
    for (name, _) in &a.dependencies {
        ev.push(Observation::not_observed(
            DependencyReachable,
            name,
            Outcome::Unsupported,
        ));
    }
    let kind_explicit = spec
        .target
        .as_ref()
        .and_then(|t| t.workload_ref.as_ref())
        .is_some_and(|w| w.kind.is_some());
    if a.workload.is_some() {
        // Go's AR7: a type that differs counts only when the author wrote the kind; a
        // defaulted kind that finds a workload of the declared type satisfies the assertion.
        let declared = a.workload.as_deref().unwrap_or("");
        ev.push(match workload {
            Some(w) if kind_explicit || workload_type(w) == declared => Observation::observed(
                WorkloadObserved,
                &a.service,
                Payload::Workload {
                    workload: workload_type(w).to_string(),
                },
            ),
            _ => Observation::not_observed(WorkloadObserved, &a.service, Outcome::Insufficient),
        });
    }
    if a.persistent {
        ev.push(match workload {
            Some(w) => Observation::observed(
                PersistenceObserved,
                &a.service,
                Payload::Persistence {
                    durable: observe_runtime(w).has_pvc,
                },
            ),
            None => {
                Observation::not_observed(PersistenceObserved, &a.service, Outcome::Insufficient)
            }
        });
    }
    ev
}

fn observed_kind(o: &Observed) -> &'static str {
    o.workload_ref.as_ref().map_or("", |(_, k)| k.as_str())
}

fn workload_type(w: &Workload) -> &'static str {
    match w {
        Workload::Job(_) => "job",
        Workload::CronJob(_) => "scheduled",
        _ => "service",
    }
}

fn has_probe_on(w: &Workload, path: &str) -> bool {
    let norm = |p: &str| p.trim_start_matches('/').to_string();
    w.template().and_then(|t| t.spec.as_ref()).is_some_and(|s| {
        s.containers.iter().any(|c| {
            [&c.readiness_probe, &c.liveness_probe, &c.startup_probe]
                .into_iter()
                .flatten()
                .filter_map(|p| p.http_get.as_ref())
                .any(|g| norm(g.path.as_deref().unwrap_or("")) == norm(path))
        })
    })
}

/// One observation per configuration, as Go's collector makes it (`observeConfigurationsDim`):
/// - a required configuration without a `configBindings` entry is `Unsupported` (an optional
///   one is not observed at all);
/// - the bound object cannot be read (403, 5xx): `Failed`;
/// - it does not exist: absent (a negative: it waits out the stabilization window);
/// - a Secret is read as metadata only (the operator never holds Secret data): existence is
///   all it shows, `Insufficient`;
/// - a ConfigMap without `key` and `format`, without that key, with a value that does not
///   decode, or whose configuration has no schema the operator can read (no bundle file, a
///   remote `ref`, a malformed schema): `Insufficient`;
/// - otherwise the decoded value is validated against the configuration's JSON Schema:
///   conformant, or present but not conformant (`CONFIGURATION_MISMATCH`).
async fn configurations(
    client: &Client,
    ns: &str,
    spec: &PactoSpec,
    a: &Assertions,
    tree: &Tree,
    bundle: Option<&dyn Bundle>,
) -> Vec<Observation> {
    let mut ev = Vec::new();
    let bindings = spec
        .target
        .as_ref()
        .map(|t| t.config_bindings.as_slice())
        .unwrap_or(&[]);
    let kind = ObservationKind::ConfigurationPresent;
    for (name, required) in &a.configurations {
        let Some(b) = bindings.iter().find(|b| &b.configuration == name) else {
            if *required {
                ev.push(Observation::not_observed(kind, name, Outcome::Unsupported));
            }
            continue;
        };
        let absent = || {
            Observation::observed(
                kind,
                name,
                Payload::Configuration {
                    present: false,
                    conformant: false,
                },
            )
        };
        let insufficient = || Observation::not_observed(kind, name, Outcome::Insufficient);
        let obs = match b.kind {
            ConfigBindingKind::Secret => {
                match Api::<Secret>::namespaced(client.clone(), ns)
                    .get_metadata_opt(&b.name)
                    .await
                {
                    Ok(Some(_)) => insufficient(),
                    Ok(None) => absent(),
                    Err(_) => Observation::not_observed(kind, name, Outcome::Failed),
                }
            }
            ConfigBindingKind::ConfigMap => {
                match Api::<ConfigMap>::namespaced(client.clone(), ns)
                    .get_opt(&b.name)
                    .await
                {
                    Err(_) => Observation::not_observed(kind, name, Outcome::Failed),
                    Ok(None) => absent(),
                    Ok(Some(cm)) => match conformance(&cm, b, config_schema(tree, name, bundle)) {
                        Some(conformant) => Observation::observed(
                            kind,
                            name,
                            Payload::Configuration {
                                present: true,
                                conformant,
                            },
                        ),
                        None => insufficient(),
                    },
                }
            }
        };
        ev.push(obs);
    }
    ev
}

/// Whether the bound key of `cm` conforms to `schema`; `None` when that cannot be told (no
/// key or format, no such key, a value that does not decode, no usable schema).
fn conformance(
    cm: &ConfigMap,
    b: &ConfigBinding,
    schema: Option<serde_json::Value>,
) -> Option<bool> {
    let (key, format) = (b.key.as_deref()?, b.format?);
    let bytes: Vec<u8> = match cm.data.as_ref().and_then(|d| d.get(key)) {
        Some(text) => text.clone().into_bytes(),
        None => cm.binary_data.as_ref()?.get(key)?.0.clone(),
    };
    let value: serde_json::Value = match format {
        ConfigFormat::Json => serde_json::from_slice(&bytes).ok()?,
        ConfigFormat::Yaml => serde_norway::from_slice(&bytes).ok()?,
    };
    let validator = pacto_core::schema::compile(&schema?).ok()?;
    Some(validator.is_valid(&value))
}

/// The JSON Schema of configuration `name`: its `schema` file in the bundle, or the `schema`
/// itself when it is inline JSON (a mapping, or JSON text); `None` for a remote `ref`, a file
/// the bundle does not have (an inline contract has no bundle), or a malformed schema.
fn config_schema(
    tree: &Tree,
    name: &str,
    bundle: Option<&dyn Bundle>,
) -> Option<serde_json::Value> {
    let root = tree.root().to_json();
    let entry = root
        .get("configurations")?
        .as_array()?
        .iter()
        .find(|c| c.get("name").and_then(serde_json::Value::as_str) == Some(name))?;
    match entry.get("schema")? {
        serde_json::Value::String(s) if s.trim().is_empty() => None,
        serde_json::Value::String(s) => {
            let path = s.trim_start_matches("./");
            match bundle.and_then(|b| b.read(path).ok()) {
                Some(bytes) => serde_json::from_slice(&bytes).ok(),
                None => serde_json::from_str(s).ok(),
            }
        }
        v @ serde_json::Value::Object(_) => Some(v.clone()),
        _ => None,
    }
}
