//! Reconcile one Pacto: resolve its contract, validate it, keep one `PactoRevision` per published
//! version, observe its target, run the checks and write the status with server-side apply.
//!
//! Every failure that concerns one Pacto (registry down, bad secret, invalid contract, an API
//! error while observing) ends in a status for that Pacto and a normal requeue: only a failed
//! status write is an error (and is retried with backoff).

use crate::apierror::{self, resource_of, scope};
use crate::checks::Unavailable;
use crate::checks::{self, Check, EndpointPlan, Observed, ProbeResult, Workload};
use crate::contract::{self, Prepared};
use crate::crd::{
    Condition, ContractStatus, EndpointStatus, Pacto, PactoRevision, PactoRevisionSpec,
    PactoRevisionStatus, PactoStatus, ReadinessStatus, RevisionSource, WorkloadKind, LABEL_PACTO,
    LABEL_VERSION,
};
use crate::metrics::Metrics;
use crate::source::{self, Source};
use crate::watches::WatchHealth;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Secret, Service};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, ListParams, Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use kube::runtime::reflector::Store;
use kube::{Client, Resource, ResourceExt};
use pacto_core::readiness::{self, Date, Evaluation, Gate, Readiness};
use pacto_core::registry::Credential;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Field manager of every server-side apply.
pub const MANAGER: &str = "pacto-operator";

/// The readiness gate's condition type.
pub const READINESS_CONDITION: &str = "ReadinessSatisfied";

/// Probes a URL (the live health and metrics checks).
pub trait Prober: Send + Sync + 'static {
    /// Blocking GET; called on a blocking thread.
    fn get(&self, url: &str) -> ProbeResult;
}

/// HTTP GET with a 5 s timeout, no redirects, at most 4096 bytes of body read.
pub struct HttpProber;

impl Prober for HttpProber {
    fn get(&self, url: &str) -> ProbeResult {
        use std::io::Read;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(5)))
            .max_redirects(0)
            .http_status_as_error(false)
            .build()
            .into();
        match agent.get(url).call() {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                let mut buf = Vec::new();
                let _ = resp.body_mut().as_reader().take(4096).read_to_end(&mut buf);
                ProbeResult::Response {
                    status,
                    non_empty_body: !buf.iter().all(u8::is_ascii_whitespace),
                }
            }
            Err(e) => ProbeResult::ConnectionFailed(e.to_string()),
        }
    }
}

/// What every reconcile shares.
pub struct Context {
    pub client: Client,
    pub source: Arc<dyn Source>,
    pub prober: Option<Arc<dyn Prober>>,
    pub metrics: Arc<Metrics>,
    pub reporter: Reporter,
    pub recorder: Recorder,
    /// Re-pull every semver tag of unpinned refs to keep one revision per published version.
    pub sync_all_tags: bool,
    /// The day readiness is evaluated on; `None` reads the UTC day from the clock at each
    /// reconcile (tests pin it).
    pub today: Option<Date>,
    /// The HPAs, kept by the controller's HPA watch; until it is set and synced, `observe`
    /// lists the namespace's HPAs instead.
    pub hpas: std::sync::OnceLock<Store<HorizontalPodAutoscaler>>,
    /// The state of each watch of the controller (a failing one is logged once per change).
    pub watch_health: Arc<WatchHealth>,
    /// The Pacto 2.0 evaluation flags (`-stabilization-window`, `-enable-probing`, …).
    pub v2: crate::runtime_v2::Options,
}

impl Context {
    pub fn new(client: Client, source: Arc<dyn Source>, metrics: Arc<Metrics>) -> Context {
        let reporter = Reporter {
            controller: "pacto-controller".into(),
            instance: std::env::var("POD_NAME").ok(),
        };
        Context {
            recorder: Recorder::new(client.clone(), reporter.clone()),
            client,
            source,
            prober: None,
            metrics,
            reporter,
            sync_all_tags: true,
            today: None,
            hpas: std::sync::OnceLock::new(),
            watch_health: Arc::new(WatchHealth::default()),
            v2: crate::runtime_v2::Options::default(),
        }
    }

    /// The day readiness is evaluated on.
    pub fn today(&self) -> Date {
        self.today.unwrap_or_else(|| {
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
            Date::from_unix_seconds(secs)
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The Pacto (`namespace/name`) and what the API server answered.
    #[error("writing the status of {0}: {1}")]
    Status(String, String),
    #[error("the Pacto has no namespace")]
    NoNamespace,
}

/// The state of one reconcile, turned into a status at the end.
struct Run {
    status: PactoStatus,
    checks: Vec<Check>,
    verdict: ContractStatus,
    events: Vec<Event>,
    /// The readiness evaluation, when the contract declares readiness. It never changes the
    /// verdict: it becomes `status.readiness`, the `ReadinessSatisfied` condition (outside the
    /// summary) and the readiness metrics.
    readiness: Option<Evaluation>,
}

fn now() -> String {
    Timestamp::now().to_string()
}

/// `<pacto>-<version with . → ->-<first 7 hex of sha256(raw)>`, at most 253 characters.
pub fn revision_name(pacto: &str, version: &str, hash: &str) -> String {
    let v: String = version
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut name = format!("{pacto}-{v}-{}", &hash[..hash.len().min(7)]);
    name.truncate(253);
    name
}

fn warn(reason: &str, note: String) -> Event {
    Event {
        type_: EventType::Warning,
        reason: reason.to_string(),
        note: Some(note.chars().take(1000).collect()),
        action: "Reconcile".to_string(),
        secondary: None,
    }
}

fn normal(reason: &str, note: String) -> Event {
    Event {
        type_: EventType::Normal,
        ..warn(reason, note)
    }
}

fn invalid_check(reason: &'static str, message: String) -> Check {
    Check::fail("ContractValid", reason, message, checks::Severity::Error)
}

/// Reconcile one Pacto (the `kube::runtime::Controller` callback).
pub async fn reconcile(pacto: Arc<Pacto>, ctx: Arc<Context>) -> Result<Action, Error> {
    let started = Instant::now();
    let ns = pacto.namespace().ok_or(Error::NoNamespace)?;
    let name = pacto.name_any();
    let prev = pacto.status.clone().unwrap_or_default();
    let run = evaluate(&pacto, &ns, &name, &ctx).await;
    let result = write(&pacto, &ns, &name, &prev, run, &ctx).await;
    ctx.metrics.reconciled(
        if result.is_ok() { "ok" } else { "error" },
        started.elapsed().as_secs_f64(),
    );
    result?;
    Ok(Action::requeue(Duration::from_secs(
        pacto.spec.interval_seconds(),
    )))
}

async fn evaluate(pacto: &Pacto, ns: &str, name: &str, ctx: &Context) -> Run {
    let spec = &pacto.spec;
    let prev = pacto.status.clone().unwrap_or_default();
    let mut status = PactoStatus {
        current_revision: prev.current_revision.clone(),
        resolution_policy: source::resolution_policy(&spec.contract_ref),
        ..Default::default()
    };
    let fail = |status: PactoStatus, verdict, check: Check, event: Event| Run {
        status,
        checks: vec![check],
        verdict,
        events: vec![event],
        readiness: None,
    };

    // 1. Load the contract.
    let inline = spec
        .contract_ref
        .inline
        .as_deref()
        .filter(|s| !s.trim().is_empty());
    let oci = spec
        .contract_ref
        .oci
        .as_deref()
        .map(source::normalize_oci)
        .filter(|s| !s.is_empty());
    let mut credential: Option<Credential> = None;
    let (raw, bundle, resolved, digest) = if let Some(text) = inline {
        (text.to_string(), None, None, None)
    } else if let Some(oci) = &oci {
        if let Some(secret) = spec.contract_ref.pull_secret_ref.as_deref() {
            let api: Api<Secret> = Api::namespaced(ctx.client.clone(), ns);
            let cred = match api.get_opt(secret).await {
                Ok(Some(s)) => source::credential_from_secret(&s, oci).map_err(|e| e.to_string()),
                Ok(None) => Err(source::SecretError::NotFound(secret.to_string()).to_string()),
                Err(e) => {
                    let msg = format!(
                        "reading pull secret {secret}: {}",
                        apierror::describe(
                            &e,
                            "get",
                            &format!("{} {secret:?} {}", resource_of::<Secret>(), scope(Some(ns)))
                        )
                    );
                    return fail(
                        status,
                        ContractStatus::Unknown,
                        Check {
                            status: "Unknown",
                            ..invalid_check("ObservationFailed", msg.clone())
                        },
                        warn("ObservationFailed", msg),
                    );
                }
            };
            match cred {
                Ok(c) => credential = Some(c),
                Err(msg) => {
                    return fail(
                        status,
                        ContractStatus::NonCompliant,
                        invalid_check("Invalid", msg.clone()),
                        warn("ContractInvalid", msg),
                    )
                }
            }
        }
        let src = ctx.source.clone();
        let (r, c) = (oci.clone(), credential.clone());
        let fetched = tokio::task::spawn_blocking(move || src.fetch(&r, c.as_ref())).await;
        match fetched {
            Ok(Ok(f)) => (f.text, f.bundle, Some(f.resolved_ref), Some(f.digest)),
            Ok(Err(e)) if source::is_transient(&e) => {
                let msg = e.to_string();
                let reason = if e.is_auth() {
                    "RegistryAuthFailed"
                } else {
                    "RegistryUnreachable"
                };
                return fail(
                    status,
                    ContractStatus::Unknown,
                    Check {
                        status: "Unknown",
                        ..invalid_check(reason, msg.clone())
                    },
                    warn(reason, msg),
                );
            }
            Ok(Err(e)) => {
                let msg = e.to_string();
                return fail(
                    status,
                    ContractStatus::NonCompliant,
                    invalid_check("Invalid", msg.clone()),
                    warn("ContractInvalid", msg),
                );
            }
            Err(e) => {
                let msg = format!("registry task failed: {e}");
                return fail(
                    status,
                    ContractStatus::Unknown,
                    Check {
                        status: "Unknown",
                        ..invalid_check("RegistryUnreachable", msg.clone())
                    },
                    warn("RegistryUnreachable", msg),
                );
            }
        }
    } else {
        let msg = "no contract source specified".to_string();
        return fail(
            status,
            ContractStatus::NonCompliant,
            invalid_check("Invalid", msg.clone()),
            warn("ContractInvalid", msg),
        );
    };

    // 2. Overrides and validation.
    let overrides = spec
        .overrides
        .as_ref()
        .map(|o| o.configurations.as_slice())
        .unwrap_or(&[]);
    let prepared = match contract::prepare(
        &raw,
        bundle
            .as_ref()
            .map(|b| b as &dyn pacto_core::bundle::Bundle),
        overrides,
    ) {
        Ok(p) => p,
        Err(inv) => {
            status.validation = Some(inv.validation);
            return fail(
                status,
                ContractStatus::Invalid,
                invalid_check("Invalid", inv.message.clone()),
                warn("ContractInvalid", inv.message),
            );
        }
    };
    contract::fill_status(&prepared, &mut status);
    if let Some(c) = status.contract.as_mut() {
        c.resolved_ref = resolved.clone();
    }
    // Readiness: for every valid contract, reference-only ones included.
    // (2.0 declares `readiness.claims`, which the 1.x model does not read.)
    let readiness = Readiness::from_contract(&prepared.contract)
        .or_else(|| readiness::of_tree(&prepared.tree))
        .map(|r| readiness::evaluate(&r, ctx.today()));
    status.readiness = readiness.as_ref().map(ReadinessStatus::from_evaluation);
    let mut events = Vec::new();

    // 3. Revisions.
    match ensure_revision(
        pacto,
        ns,
        name,
        &prepared,
        resolved.clone(),
        digest.clone(),
        inline.is_some(),
        ctx,
    )
    .await
    {
        Ok((rev, created)) => {
            if created {
                events.push(normal(
                    "RevisionCreated",
                    format!("Created PactoRevision {rev}"),
                ));
            }
            status.current_revision = Some(rev);
        }
        Err(e) => {
            tracing::warn!(pacto = %name, namespace = %ns, error = %apierror::brief(&e), "ensuring the revision failed")
        }
    }
    if ctx.sync_all_tags && inline.is_none() {
        if let Some(oci) = oci.as_deref().filter(|o| !o.contains('@')) {
            events.extend(sync_all_tags(pacto, ns, name, oci, credential.as_ref(), ctx).await);
        }
    }

    // 4. Reference-only Pactos stop here.
    if spec.is_reference_only() {
        return Run {
            status,
            checks: vec![Check::pass(
                "ContractValid",
                "ReferenceOnly",
                "contract is valid; no target to observe",
            )],
            verdict: ContractStatus::Reference,
            events,
            readiness,
        };
    }
    let mut all = vec![Check::pass(
        "ContractValid",
        "Parsed",
        "contract parsed and validated",
    )];

    // 5. Observe the target.
    let observed = match observe(&ctx.client, ns, spec, ctx.hpas.get()).await {
        Ok(o) => o,
        Err(e) => {
            let msg = format!("observing the target failed: {e}");
            tracing::warn!(pacto = %name, namespace = %ns, error = %e, "observing the target failed");
            events.push(warn("ObservationFailed", msg.clone()));
            return Run {
                status,
                checks: vec![Check::fail(
                    "RuntimeObserved",
                    "ObservationFailed",
                    msg,
                    checks::Severity::Error,
                )],
                verdict: ContractStatus::Unknown,
                events,
                readiness,
            };
        }
    };
    let outcome = checks::run(&prepared.contract, &observed);
    status.resources = outcome.resources;
    status.observed_runtime = outcome.observed_runtime;
    // 2.0: evidence -> findings and coverage (Go's model) instead of the 1.x checks.
    if pacto_core::doc::v2::is_v2(&prepared.tree) {
        let v2 = crate::runtime_v2::run(
            &ctx.client,
            ns,
            spec,
            &prepared.tree,
            bundle
                .as_ref()
                .map(|b| b as &dyn pacto_core::bundle::Bundle),
            &observed,
            &prepared.validation.warnings,
            &prev.observation_windows,
            Timestamp::now(),
            ctx.v2,
            ctx.prober.as_ref(),
        )
        .await;
        status.findings = v2.findings;
        status.evaluation_coverage = Some(v2.coverage);
        status.observation_windows = v2.windows;
        return Run {
            status,
            checks: v2.checks,
            verdict: v2.verdict,
            events,
            readiness,
        };
    }
    status.ports = outcome.ports;
    all.extend(outcome.checks);

    // 6. Live endpoint probes, through the Service.
    if let (Some(prober), Some(svc)) = (&ctx.prober, spec.service_name()) {
        if observed.service.is_some() {
            let mut endpoints = std::collections::BTreeMap::new();
            for health in [true, false] {
                match checks::endpoint_plan(&prepared.contract, health, svc, ns) {
                    None => {}
                    Some(EndpointPlan::Fail(c)) => all.push(c),
                    Some(EndpointPlan::Probe { url }) => {
                        let (p, u) = (prober.clone(), url.clone());
                        let t = Instant::now();
                        let r = tokio::task::spawn_blocking(move || p.get(&u))
                            .await
                            .unwrap_or_else(|e| ProbeResult::ConnectionFailed(e.to_string()));
                        let ms = i64::try_from(t.elapsed().as_millis()).unwrap_or(i64::MAX);
                        let c = if health {
                            checks::health_endpoint(&url, &r)
                        } else {
                            checks::metrics_endpoint(&url, &r)
                        };
                        endpoints.insert(
                            if health { "health" } else { "metrics" }.to_string(),
                            EndpointStatus {
                                url,
                                reachable: matches!(r, ProbeResult::Response { .. }),
                                status_code: match &r {
                                    ProbeResult::Response { status, .. } => {
                                        Some(i32::from(*status))
                                    }
                                    _ => None,
                                },
                                latency_ms: Some(ms),
                                error: match &r {
                                    ProbeResult::ConnectionFailed(e) => Some(e.clone()),
                                    _ => None,
                                },
                            },
                        );
                        all.push(c);
                    }
                }
            }
            if !endpoints.is_empty() {
                status.endpoints = Some(endpoints);
            }
        }
    }
    let verdict = checks::derive_status(&all);
    Run {
        status,
        checks: all,
        verdict,
        events,
        readiness,
    }
}

/// A cluster read that failed for a reason other than a missing or forbidden kind (e.g. HTTP
/// 500, a broken connection): the observation as a whole fails.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ObserveError(pub String);

/// Get `name` of kind `K` in `ns`. `Ok(None)` when the object does not exist. A kind the API
/// server does not serve (HTTP 404 that names no object) or that the operator may not read
/// (HTTP 403) is pushed onto `unavailable` (the checks that need it are degraded) and is
/// `Ok(None)` too; any other error fails the observation.
async fn get_or_degrade<K>(
    client: &Client,
    ns: &str,
    name: &str,
    unavailable: &mut Vec<Unavailable>,
) -> Result<Option<K>, ObserveError>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug,
{
    let target = format!("{} {name:?} {}", resource_of::<K>(), scope(Some(ns)));
    match Api::<K>::namespaced(client.clone(), ns).get(name).await {
        Ok(o) => Ok(Some(o)),
        Err(e) => degrade_or_fail::<K>(e, "get", &target, unavailable).map(|()| None),
    }
}

/// A read error of kind `K`: 404 on a named object is "not found" (`Ok`), a missing or
/// forbidden kind is recorded in `unavailable` (`Ok`), anything else an [`ObserveError`].
fn degrade_or_fail<K: Resource<DynamicType = ()>>(
    e: kube::Error,
    verb: &str,
    target: &str,
    unavailable: &mut Vec<Unavailable>,
) -> Result<(), ObserveError> {
    let object_not_found = matches!(&e, kube::Error::Api(s)
        if s.code == 404 && s.details.as_ref().is_some_and(|d| !d.name.is_empty()));
    if object_not_found {
        return Ok(());
    }
    match apierror::http_code(&e) {
        Some(code @ (403 | 404)) => {
            unavailable.push(Unavailable {
                kind: K::kind(&()).to_string(),
                code,
                detail: apierror::describe(&e, verb, target),
            });
            Ok(())
        }
        _ => Err(ObserveError(apierror::describe(&e, verb, target))),
    }
}

/// Read the Service, the workload and an HPA that scales it. NotFound is an answer, and so is a
/// kind that is missing or forbidden (`Observed::unavailable`); any other API error fails the
/// observation. The HPA comes from `hpas` (the controller's watch cache) once it has synced;
/// without it, the namespace's HPAs are listed.
pub async fn observe(
    client: &Client,
    ns: &str,
    spec: &crate::crd::PactoSpec,
    hpas: Option<&Store<HorizontalPodAutoscaler>>,
) -> Result<Observed, ObserveError> {
    let mut o = Observed {
        service_name: spec.service_name().map(str::to_string),
        workload_ref: spec.resolved_workload(),
        ..Default::default()
    };
    let mut un = Vec::new();
    if let Some(s) = &o.service_name {
        o.service = get_or_degrade::<Service>(client, ns, s, &mut un).await?;
    }
    if let Some((w, kind)) = o.workload_ref.clone() {
        let c = client;
        o.workload = match kind {
            WorkloadKind::Deployment => get_or_degrade::<Deployment>(c, ns, &w, &mut un)
                .await?
                .map(|x| Workload::Deployment(Box::new(x))),
            WorkloadKind::StatefulSet => get_or_degrade::<StatefulSet>(c, ns, &w, &mut un)
                .await?
                .map(|x| Workload::StatefulSet(Box::new(x))),
            WorkloadKind::DaemonSet => get_or_degrade::<DaemonSet>(c, ns, &w, &mut un)
                .await?
                .map(|x| Workload::DaemonSet(Box::new(x))),
            WorkloadKind::ReplicaSet => get_or_degrade::<ReplicaSet>(c, ns, &w, &mut un)
                .await?
                .map(|x| Workload::ReplicaSet(Box::new(x))),
            WorkloadKind::Job => get_or_degrade::<Job>(c, ns, &w, &mut un)
                .await?
                .map(|x| Workload::Job(Box::new(x))),
            WorkloadKind::CronJob => get_or_degrade::<CronJob>(c, ns, &w, &mut un)
                .await?
                .map(|x| Workload::CronJob(Box::new(x))),
        };
        let scalable = matches!(
            kind,
            WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::ReplicaSet
        );
        if o.workload.is_some() && scalable {
            let scales = |h: &HorizontalPodAutoscaler| {
                h.metadata.namespace.as_deref().is_none_or(|n| n == ns)
                    && h.spec.as_ref().is_some_and(|s| {
                        s.scale_target_ref.name == w && s.scale_target_ref.kind == kind.as_str()
                    })
            };
            let synced = hpas.filter(|s| {
                futures::FutureExt::now_or_never(s.wait_until_ready()).is_some_and(|r| r.is_ok())
            });
            o.hpa = match synced {
                Some(store) => {
                    let mut found = store.state_filter(|h| scales(h));
                    found.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
                    found.first().map(|h| h.as_ref().clone())
                }
                None => match Api::<HorizontalPodAutoscaler>::namespaced(client.clone(), ns)
                    .list(&ListParams::default())
                    .await
                {
                    Ok(list) => list.items.into_iter().find(|h| scales(h)),
                    Err(e) => {
                        let target = format!(
                            "{} {}",
                            resource_of::<HorizontalPodAutoscaler>(),
                            scope(Some(ns))
                        );
                        degrade_or_fail::<HorizontalPodAutoscaler>(e, "list", &target, &mut un)?;
                        None
                    }
                },
            };
        }
    }
    o.unavailable = un;
    Ok(o)
}

fn owner_reference(pacto: &Pacto) -> Option<serde_json::Value> {
    let uid = pacto.meta().uid.clone()?;
    Some(json!({
        "apiVersion": Pacto::api_version(&()),
        "kind": Pacto::kind(&()),
        "name": pacto.name_any(),
        "uid": uid,
        "controller": true,
        "blockOwnerDeletion": true,
    }))
}

/// Create (server-side apply) the revision for one loaded version when it is missing or has no
/// resolved status yet. Returns its name and whether it was written.
#[allow(clippy::too_many_arguments)]
async fn apply_revision(
    pacto: &Pacto,
    ns: &str,
    name: &str,
    version: &str,
    raw: &str,
    resolved: Option<String>,
    digest: Option<String>,
    inline: bool,
    ctx: &Context,
) -> Result<(String, bool), kube::Error> {
    let hash = contract::contract_hash(raw);
    let version = if version.is_empty() {
        "unknown"
    } else {
        version
    };
    let rev = revision_name(name, version, &hash);
    let api: Api<PactoRevision> = Api::namespaced(ctx.client.clone(), ns);
    if let Some(existing) = api.get_opt(&rev).await? {
        if existing
            .status
            .as_ref()
            .and_then(|s| s.contract_hash.as_ref())
            .is_some()
        {
            return Ok((rev, false));
        }
    }
    let spec = PactoRevisionSpec {
        version: version.to_string(),
        source: RevisionSource {
            oci: if inline {
                None
            } else {
                resolved.or_else(|| pacto.spec.contract_ref.oci.clone())
            },
            digest,
            inline,
        },
        pacto_ref: name.to_string(),
        service_name: pacto.spec.service_name().map(str::to_string),
    };
    let mut meta = json!({
        "name": rev,
        "namespace": ns,
        "labels": { LABEL_PACTO: name, LABEL_VERSION: label_value(version) },
    });
    if let Some(o) = owner_reference(pacto) {
        meta["ownerReferences"] = json!([o]);
    }
    let body = json!({
        "apiVersion": PactoRevision::api_version(&()),
        "kind": PactoRevision::kind(&()),
        "metadata": meta,
        "spec": spec,
    });
    let pp = PatchParams::apply(MANAGER).force();
    api.patch(&rev, &pp, &Patch::Apply(&body)).await?;
    let status = PactoRevisionStatus {
        resolved: true,
        contract_hash: Some(hash),
        created_at: Some(now()),
        conditions: vec![],
    };
    let body = json!({
        "apiVersion": PactoRevision::api_version(&()),
        "kind": PactoRevision::kind(&()),
        "status": status,
    });
    api.patch_status(&rev, &pp, &Patch::Apply(&body)).await?;
    Ok((rev, true))
}

fn label_value(v: &str) -> String {
    let s: String = v
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
    s.trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string()
}

#[allow(clippy::too_many_arguments)]
async fn ensure_revision(
    pacto: &Pacto,
    ns: &str,
    name: &str,
    p: &Prepared,
    resolved: Option<String>,
    digest: Option<String>,
    inline: bool,
    ctx: &Context,
) -> Result<(String, bool), kube::Error> {
    let version = p.contract.service_version().to_string();
    apply_revision(
        pacto, ns, name, &version, &p.raw, resolved, digest, inline, ctx,
    )
    .await
}

/// The first 12 characters of a digest (`sha256:abcde`), as Go's `TagOverwritten` message
/// shows them.
fn short_digest(d: &str) -> &str {
    d.char_indices().nth(12).map_or(d, |(i, _)| &d[..i])
}

/// One revision per published semver tag; a tag whose digest changed (force-push) gets a new
/// revision and a `TagOverwritten` Warning event naming the old and new digests, as Go's.
/// Errors are logged and skipped.
async fn sync_all_tags(
    pacto: &Pacto,
    ns: &str,
    name: &str,
    oci: &str,
    credential: Option<&Credential>,
    ctx: &Context,
) -> Vec<Event> {
    let mut events = Vec::new();
    let base = match pacto_core::registry::Target::parse(oci) {
        Ok(t) => t.repo.to_string(),
        Err(_) => return events,
    };
    let src = ctx.source.clone();
    let (r, c) = (oci.to_string(), credential.cloned());
    let tags = match tokio::task::spawn_blocking(move || src.tags(&r, c.as_ref())).await {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => {
            tracing::debug!(pacto = %name, error = %e, "listing tags failed");
            return events;
        }
        Err(_) => return events,
    };
    let api: Api<PactoRevision> = Api::namespaced(ctx.client.clone(), ns);
    let existing = match api
        .list(&ListParams::default().labels(&format!("{LABEL_PACTO}={name}")))
        .await
    {
        Ok(l) => l.items,
        Err(e) => {
            tracing::debug!(pacto = %name, error = %apierror::brief(&e), "listing revisions failed");
            return events;
        }
    };
    // The newest revision of each tagged reference, keyed by the reference it was loaded from
    // (`spec.source.oci`), as Go's `revisionsBySourceRef`: keying on the version label compared
    // a registry tag (`v1.2.0`) with the contract's `service.version` (`1.2.0`), and the
    // force-push check never ran for such tags.
    let newest = |tagged: &str| -> Option<&PactoRevision> {
        existing
            .iter()
            .filter(|r| r.spec.source.oci.as_deref() == Some(tagged))
            .max_by(|a, b| a.creation_timestamp().cmp(&b.creation_timestamp()))
    };
    let mut tags = tags;
    tags.sort();
    for tag in tags {
        let tagged = format!("{base}:{tag}");
        let stored = match newest(&tagged) {
            // A revision from before digests were recorded: no drift check (as Go).
            Some(r) => match r.spec.source.digest.as_deref() {
                Some(d) if !d.is_empty() => Some(d.to_string()),
                _ => continue,
            },
            None => None,
        };
        let src = ctx.source.clone();
        let (r, c) = (tagged.clone(), credential.cloned());
        let fetched = match tokio::task::spawn_blocking(move || src.fetch(&r, c.as_ref())).await {
            Ok(Ok(f)) => f,
            _ => continue,
        };
        if stored.as_deref() == Some(fetched.digest.as_str()) {
            continue;
        }
        if let Some(old) = &stored {
            // Go's event, word for word.
            events.push(warn(
                "TagOverwritten",
                format!(
                    "Tag {tag} was force-pushed (digest changed from {} to {})",
                    short_digest(old),
                    short_digest(&fetched.digest)
                ),
            ));
        }
        let version = contract::prepare(&fetched.text, None, &[])
            .map(|p| p.contract.service_version().to_string())
            .unwrap_or_else(|_| tag.clone());
        match apply_revision(
            pacto,
            ns,
            name,
            &version,
            &fetched.text,
            Some(fetched.resolved_ref.clone()),
            Some(fetched.digest.clone()),
            false,
            ctx,
        )
        .await
        {
            Ok((rev, created)) => {
                if created && stored.is_none() {
                    events.push(normal(
                        "RevisionCreated",
                        format!("Created PactoRevision {rev}"),
                    ));
                }
            }
            Err(e) => {
                tracing::debug!(pacto = %name, tag = %tag, error = %apierror::brief(&e), "revision failed")
            }
        }
    }
    events
}

/// Turn the run into conditions (keeping transition times of unchanged ones), apply the status,
/// publish the events, record metrics.
async fn write(
    pacto: &Pacto,
    ns: &str,
    name: &str,
    prev: &PactoStatus,
    run: Run,
    ctx: &Context,
) -> Result<(), Error> {
    let Run {
        mut status,
        checks,
        verdict,
        mut events,
        readiness,
    } = run;
    let generation = pacto.meta().generation;
    let stamp = now();
    status.conditions = checks
        .iter()
        .map(|c| {
            let mut cond: Condition = c.to_condition(generation);
            let same = prev
                .conditions
                .iter()
                .find(|p| p.type_ == cond.type_ && p.status == cond.status);
            cond.last_transition_time = same
                .and_then(|p| p.last_transition_time.clone())
                .or_else(|| Some(stamp.clone()));
            cond
        })
        .collect();
    // The readiness gate: a condition of its own, outside the summary and the verdict.
    let was_unmet = prev
        .conditions
        .iter()
        .any(|c| c.type_ == READINESS_CONDITION && c.status == "False");
    let mut readiness_events = Vec::new();
    if let Some(ev) = &readiness {
        let gate = ev.gate();
        let cond_status = if gate == Gate::Satisfied {
            "True"
        } else {
            "False"
        };
        let same = prev
            .conditions
            .iter()
            .find(|p| p.type_ == READINESS_CONDITION && p.status == cond_status);
        status.conditions.push(Condition {
            type_: READINESS_CONDITION.to_string(),
            status: cond_status.to_string(),
            reason: gate.as_str().to_string(),
            message: ev.message(),
            last_transition_time: same
                .and_then(|p| p.last_transition_time.clone())
                .or_else(|| Some(stamp.clone())),
            observed_generation: generation,
            severity: None,
        });
        match (gate == Gate::Satisfied, was_unmet) {
            (false, false) => readiness_events.push(warn("ReadinessGateUnmet", ev.message())),
            (true, true) => readiness_events.push(normal("ReadinessRecovered", ev.message())),
            _ => {}
        }
    }
    let mut summary = checks::summarize(&checks);
    if status.evaluation_coverage.is_some() {
        // 2.0: Go counts the findings by severity.
        summary.count_findings(&status.findings);
    }
    status.summary = Some(summary);
    status.contract_status = Some(verdict);
    status.last_reconciled_at = Some(stamp);
    status.observed_generation = generation;
    if status.configurations.is_none() && status.contract.is_some() {
        status.configurations = Some(vec![]);
    }

    let body = json!({
        "apiVersion": Pacto::api_version(&()),
        "kind": Pacto::kind(&()),
        "status": status,
    });
    let api: Api<Pacto> = Api::namespaced(ctx.client.clone(), ns);
    api.patch_status(
        name,
        &PatchParams::apply(MANAGER).force(),
        &Patch::Apply(&body),
    )
    .await
    .map_err(|e| {
        Error::Status(
            format!("{ns}/{name}"),
            apierror::describe(
                &e,
                "patch (apply)",
                &format!(
                    "{}/status {name:?} {}",
                    resource_of::<Pacto>(),
                    scope(Some(ns))
                ),
            ),
        )
    })?;

    // Events on changes of the verdict only (a steady state does not repeat itself).
    if prev.contract_status != Some(verdict) {
        let failed = checks.iter().filter(|c| !c.passed()).count();
        if !matches!(
            verdict,
            ContractStatus::Compliant | ContractStatus::Reference
        ) && !events.iter().any(|e| e.type_ == EventType::Warning)
        {
            events.push(warn(
                "ValidationFailed",
                format!(
                    "ContractStatus: {}, {failed}/{} checks failed",
                    verdict.as_str(),
                    checks.len()
                ),
            ));
        }
    } else {
        // Same verdict: only revision events are news.
        events.retain(|e| matches!(e.reason.as_str(), "RevisionCreated" | "TagOverwritten"));
    }
    // Readiness events are transition-only already.
    events.extend(readiness_events);
    let reference = pacto.object_ref(&());
    for e in &events {
        if let Err(err) = ctx.recorder.publish(e, &reference).await {
            tracing::debug!(pacto = %name, error = %apierror::brief(&err), "publishing an event failed");
        }
    }
    let service = status
        .contract
        .as_ref()
        .and_then(|c| c.service_name.clone())
        .unwrap_or_else(|| name.to_string());
    ctx.metrics.record(ns, name, &service, verdict, &checks);
    ctx.metrics.record_readiness(ns, name, readiness.as_ref());
    Ok(())
}

/// Requeue after an error (a failed status write).
pub fn error_policy(_pacto: Arc<Pacto>, error: &Error, _ctx: Arc<Context>) -> Action {
    tracing::warn!(error = %error, "reconcile failed");
    Action::requeue(Duration::from_secs(15))
}
