//! Running the controller: watches, leader election on a `coordination.k8s.io` Lease, and the
//! HTTP server for `/metrics`, `/healthz` and `/readyz`.

use crate::apierror::{resource_of, scope};
use crate::crd::{ConfigBindingKind, Pacto, PactoRevision};
use crate::metrics::Metrics;
use crate::reconcile::{error_policy, reconcile, Context};
use crate::watches::{guarded, WatchHealth};
use futures::StreamExt;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::api::core::v1::{ConfigMap, Secret, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use kube::api::{Api, ObjectMeta, PostParams};
use kube::core::PartialObjectMeta;
use kube::runtime::controller::Controller;
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{watcher, WatchStreamExt};
use kube::{Client, Resource, ResourceExt};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The Pactos of `obj`'s namespace that target it by Service or workload name (the kind is not
/// compared, as in the Go operator).
pub fn pactos_targeting(
    store: &Store<Pacto>,
    namespace: &str,
    name: &str,
) -> Vec<ObjectRef<Pacto>> {
    let mut out: Vec<ObjectRef<Pacto>> = store
        .state()
        .iter()
        .filter(|p| p.namespace().as_deref() == Some(namespace))
        .filter(|p| {
            p.spec.service_name() == Some(name)
                || p.spec.resolved_workload().is_some_and(|(w, _)| w == name)
        })
        .map(|p| ObjectRef::from_obj(p.as_ref()))
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn sorted_refs<'a>(pactos: impl Iterator<Item = &'a Pacto>) -> Vec<ObjectRef<Pacto>> {
    let mut out: Vec<ObjectRef<Pacto>> = pactos.map(ObjectRef::from_obj).collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The Pactos of `namespace` whose `contractRef.pullSecretRef` names `secret`: a changed pull
/// secret re-reconciles them (a rotated password need not wait for the interval).
pub fn pactos_using_secret<'a>(
    pactos: impl IntoIterator<Item = &'a Pacto>,
    namespace: &str,
    secret: &str,
) -> Vec<ObjectRef<Pacto>> {
    sorted_refs(pactos.into_iter().filter(|p| {
        p.namespace().as_deref() == Some(namespace)
            && p.spec.contract_ref.pull_secret_ref.as_deref() == Some(secret)
    }))
}

/// The Pactos of `namespace` whose `spec.target.configBindings` name the `kind` object `name`:
/// an edited bound ConfigMap or Secret re-evaluates their configuration at once (a value that
/// no longer conforms is NonCompliant without waiting for the periodic resync).
pub fn pactos_binding<'a>(
    pactos: impl IntoIterator<Item = &'a Pacto>,
    namespace: &str,
    kind: ConfigBindingKind,
    name: &str,
) -> Vec<ObjectRef<Pacto>> {
    sorted_refs(pactos.into_iter().filter(|p| {
        p.namespace().as_deref() == Some(namespace)
            && p.spec.target.as_ref().is_some_and(|t| {
                t.config_bindings
                    .iter()
                    .any(|b| b.kind == kind && b.name == name)
            })
    }))
}

/// The Pactos a changed Secret concerns: those pulling with it (`pullSecretRef`) and those
/// whose configuration it backs (`configBindings`), each once.
pub fn pactos_using_secret_or_binding<'a>(
    pactos: impl IntoIterator<Item = &'a Pacto> + Clone,
    namespace: &str,
    secret: &str,
) -> Vec<ObjectRef<Pacto>> {
    let mut out = pactos_using_secret(pactos.clone(), namespace, secret);
    out.extend(pactos_binding(
        pactos,
        namespace,
        ConfigBindingKind::Secret,
        secret,
    ));
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out.dedup();
    out
}

/// The Pactos whose workload `hpa` scales (same namespace, `scaleTargetRef` name and kind equal
/// to the resolved workload): a changed HPA re-runs their `ScalingMatch`.
pub fn pactos_scaled_by<'a>(
    pactos: impl IntoIterator<Item = &'a Pacto>,
    hpa: &HorizontalPodAutoscaler,
) -> Vec<ObjectRef<Pacto>> {
    let Some(target) = hpa.spec.as_ref().map(|s| &s.scale_target_ref) else {
        return Vec::new();
    };
    let ns = hpa.namespace();
    sorted_refs(pactos.into_iter().filter(|p| {
        p.namespace() == ns
            && p.spec
                .resolved_workload()
                .is_some_and(|(w, kind)| w == target.name && kind.as_str() == target.kind)
    }))
}

fn api<K>(client: &Client, namespace: Option<&str>) -> Api<K>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    <K as Resource>::DynamicType: Default,
{
    match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

/// The watch of one kind, with a backoff of its own: its errors are recorded in `health` (and
/// logged once per change of state) and taken out of the stream, so the controller's merge of
/// trigger streams never stalls on them (see [`crate::watches`]).
fn trigger<K>(
    client: &Client,
    ns: Option<&str>,
    health: &Arc<WatchHealth>,
) -> impl futures::Stream<Item = Result<K, watcher::Error>> + Send + 'static
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug
        + Send
        + 'static,
{
    let (kind, target) = watch_target::<K>(ns);
    guarded(
        watcher(api::<K>(client, ns), cfg()).default_backoff(),
        kind,
        target,
        health.clone(),
    )
    .touched_objects()
}

fn cfg() -> watcher::Config {
    watcher::Config::default().any_semantic()
}

/// The kind of `K` and the resource and scope its watch reads (`deployments.apps/v1 in
/// namespace shop`).
fn watch_target<K: Resource<DynamicType = ()>>(ns: Option<&str>) -> (String, String) {
    (
        K::kind(&()).to_string(),
        format!("{} {}", resource_of::<K>(), scope(ns)),
    )
}

/// A client for the cluster (kubeconfig or in-cluster), whose every API error carries its HTTP
/// status code (see [`crate::apierror::StatusCodeLayer`]).
pub async fn connect() -> Result<Client, kube::Error> {
    let config = kube::Config::infer()
        .await
        .map_err(kube::Error::InferConfig)?;
    Ok(kube::client::ClientBuilder::try_from(config)?
        .with_layer(&crate::apierror::StatusCodeLayer)
        .build())
}

/// Run the controller until shutdown (SIGTERM/SIGINT).
pub async fn run(ctx: Arc<Context>, namespace: Option<String>) {
    let client = ctx.client.clone();
    let ns = namespace.as_deref();
    let health = ctx.watch_health.clone();
    // The Pacto watch: its own backoff too, so nothing else ever delays it.
    let (store, writer) = reflector::store::<Pacto>();
    let pactos = {
        let (kind, target) = watch_target::<Pacto>(ns);
        guarded(
            reflector::reflector(
                writer,
                watcher(api::<Pacto>(&client, ns), cfg()).default_backoff(),
            ),
            kind,
            target,
            health.clone(),
        )
        .applied_objects()
    };
    let controller = Controller::for_stream(pactos, store.clone());
    macro_rules! mapper {
        ($t:ty) => {{
            let store = store.clone();
            move |o: $t| {
                let ns = o.namespace().unwrap_or_default();
                pactos_targeting(&store, &ns, &o.name_any())
            }
        }};
    }
    // Deleted Pactos are never reconciled again: prune their metrics every minute.
    let (pruned, metrics) = (store.clone(), ctx.metrics.clone());
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(60)).await;
            if pruned.is_empty() {
                continue;
            }
            let live = pruned
                .state()
                .iter()
                .map(|p| format!("{}/{}", p.namespace().unwrap_or_default(), p.name_any()))
                .collect();
            metrics.retain(&live);
        }
    });
    // Pull secrets and bound Secrets: metadata only (a data change bumps the resourceVersion,
    // so it is seen), so the operator never holds the contents of the cluster's Secrets in
    // memory.
    let secrets = {
        let store = store.clone();
        move |s: PartialObjectMeta<Secret>| {
            let ns = s.namespace().unwrap_or_default();
            let state = store.state();
            pactos_using_secret_or_binding(state.iter().map(|p| p.as_ref()), &ns, &s.name_any())
        }
    };
    // Bound ConfigMaps (Pacto 2.0 `configBindings`): metadata only too; the reconcile reads
    // the one it needs by name.
    let configmaps = {
        let store = store.clone();
        move |c: PartialObjectMeta<ConfigMap>| {
            let ns = c.namespace().unwrap_or_default();
            pactos_binding(
                store.state().iter().map(|p| p.as_ref()),
                &ns,
                ConfigBindingKind::ConfigMap,
                &c.name_any(),
            )
        }
    };
    // HPAs: one cache, read by `observe` (no list per reconcile) and mapped to the Pactos whose
    // workload they scale.
    let (hpa_reader, hpa_writer) = reflector::store::<HorizontalPodAutoscaler>();
    let _ = ctx.hpas.set(hpa_reader);
    let hpas = {
        let store = store.clone();
        let (kind, target) = watch_target::<HorizontalPodAutoscaler>(ns);
        let stream = guarded(
            reflector::reflector(
                hpa_writer,
                watcher(api(&client, ns), cfg()).default_backoff(),
            ),
            kind,
            target,
            health.clone(),
        )
        .touched_objects();
        (stream, move |h: HorizontalPodAutoscaler| {
            pactos_scaled_by(store.state().iter().map(|p| p.as_ref()), &h)
        })
    };
    controller
        .owns_stream(trigger::<PactoRevision>(&client, ns, &health))
        .watches_stream(
            trigger::<PartialObjectMeta<Secret>>(&client, ns, &health),
            secrets,
        )
        .watches_stream(
            trigger::<PartialObjectMeta<ConfigMap>>(&client, ns, &health),
            configmaps,
        )
        .watches_stream(hpas.0, hpas.1)
        .watches_stream(trigger::<Service>(&client, ns, &health), mapper!(Service))
        .watches_stream(
            trigger::<Deployment>(&client, ns, &health),
            mapper!(Deployment),
        )
        .watches_stream(
            trigger::<StatefulSet>(&client, ns, &health),
            mapper!(StatefulSet),
        )
        .watches_stream(
            trigger::<DaemonSet>(&client, ns, &health),
            mapper!(DaemonSet),
        )
        .watches_stream(
            trigger::<ReplicaSet>(&client, ns, &health),
            mapper!(ReplicaSet),
        )
        .watches_stream(trigger::<Job>(&client, ns, &health), mapper!(Job))
        .watches_stream(trigger::<CronJob>(&client, ns, &health), mapper!(CronJob))
        .shutdown_on_signal()
        .run(reconcile, error_policy, ctx)
        .for_each(|r| async move {
            if let Err(e) = r {
                tracing::debug!(error = %e, "controller");
            }
        })
        .await;
}

/// Lease-based leader election (the Go operator's ID is `a4917283.pacto.io`).
pub struct LeaderElection {
    pub api: Api<Lease>,
    pub name: String,
    pub identity: String,
    pub lease_duration: Duration,
    pub retry_period: Duration,
}

impl LeaderElection {
    /// One attempt: take or renew the lease. `Ok(true)` when we hold it afterwards.
    pub async fn try_acquire(&self) -> Result<bool, kube::Error> {
        let now = Timestamp::now();
        let secs = i32::try_from(self.lease_duration.as_secs()).unwrap_or(i32::MAX);
        let ours = |transitions: Option<i32>, acquired: Option<MicroTime>| LeaseSpec {
            holder_identity: Some(self.identity.clone()),
            lease_duration_seconds: Some(secs),
            acquire_time: acquired.or(Some(MicroTime(now))),
            renew_time: Some(MicroTime(now)),
            lease_transitions: transitions,
            ..Default::default()
        };
        match self.api.get_opt(&self.name).await? {
            None => {
                let lease = Lease {
                    metadata: ObjectMeta {
                        name: Some(self.name.clone()),
                        ..Default::default()
                    },
                    spec: Some(ours(Some(0), None)),
                };
                match self.api.create(&PostParams::default(), &lease).await {
                    Ok(_) => Ok(true),
                    Err(kube::Error::Api(e)) if e.code == 409 => Ok(false),
                    Err(e) => Err(e),
                }
            }
            Some(mut lease) => {
                let spec = lease.spec.clone().unwrap_or_default();
                let holder = spec.holder_identity.clone().unwrap_or_default();
                let duration = i64::from(spec.lease_duration_seconds.unwrap_or(secs));
                let expired = spec.renew_time.as_ref().is_none_or(|t| {
                    t.0.checked_add(SignedDuration::from_secs(duration))
                        .is_ok_and(|end| end < now)
                });
                let mine = holder == self.identity;
                if !(mine || holder.is_empty() || expired) {
                    return Ok(false);
                }
                let transitions = spec.lease_transitions.unwrap_or(0) + i32::from(!mine);
                lease.spec = Some(ours(
                    Some(transitions),
                    if mine { spec.acquire_time } else { None },
                ));
                match self
                    .api
                    .replace(&self.name, &PostParams::default(), &lease)
                    .await
                {
                    Ok(_) => Ok(true),
                    Err(kube::Error::Api(e)) if e.code == 409 => Ok(false),
                    Err(e) => Err(e),
                }
            }
        }
    }

    /// `e` with HTTP status, verb and the lease.
    fn describe(&self, e: &kube::Error) -> String {
        let target = format!(
            "{} {:?} {}",
            resource_of::<Lease>(),
            self.name,
            scope(self.api.namespace())
        );
        crate::apierror::describe(e, "get/create/update", &target)
    }

    /// Wait until we lead.
    pub async fn acquire(&self) {
        loop {
            match self.try_acquire().await {
                Ok(true) => return,
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %self.describe(&e), "leader election"),
            }
            tokio::time::sleep(self.retry_period).await;
        }
    }

    /// Renew every `retry_period`; returns when the lease was lost (or could not be renewed
    /// before it would expire).
    pub async fn hold(&self) {
        let mut last_ok = tokio::time::Instant::now();
        loop {
            tokio::time::sleep(self.retry_period).await;
            match self.try_acquire().await {
                Ok(true) => last_ok = tokio::time::Instant::now(),
                Ok(false) => return,
                Err(e) => {
                    tracing::warn!(error = %self.describe(&e), "renewing the lease");
                    if last_ok.elapsed() >= self.lease_duration {
                        return;
                    }
                }
            }
        }
    }
}

/// Serve `/metrics`, `/healthz` and `/readyz` on `listener`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    metrics: Arc<Metrics>,
    ready: Arc<AtomicBool>,
) {
    serve_plain(listener, Some(metrics), ready).await;
}

/// Serve only `/healthz` and `/readyz` on `listener` (with `--metrics-secure`, `/metrics` is
/// served over HTTPS and never unauthenticated on the health address).
pub async fn serve_health(listener: tokio::net::TcpListener, ready: Arc<AtomicBool>) {
    serve_plain(listener, None, ready).await;
}

async fn serve_plain(
    listener: tokio::net::TcpListener,
    metrics: Option<Arc<Metrics>>,
    ready: Arc<AtomicBool>,
) {
    use http_body_util::Full;
    use hyper::body::Bytes;
    use hyper::{Request, Response};
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let (metrics, ready) = (metrics.clone(), ready.clone());
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                let (metrics, ready) = (metrics.clone(), ready.clone());
                async move {
                    let (code, ctype, body) = match req.uri().path() {
                        "/metrics" => match &metrics {
                            Some(m) => (200, "text/plain; version=0.0.4", m.render()),
                            None => (404, "text/plain", "not found".to_string()),
                        },
                        "/healthz" => (200, "text/plain", "ok".to_string()),
                        "/readyz" if ready.load(Ordering::Relaxed) => {
                            (200, "text/plain", "ok".to_string())
                        }
                        "/readyz" => (503, "text/plain", "not ready".to_string()),
                        _ => (404, "text/plain", "not found".to_string()),
                    };
                    let mut resp = Response::new(Full::new(Bytes::from(body)));
                    *resp.status_mut() =
                        hyper::StatusCode::from_u16(code).unwrap_or(hyper::StatusCode::OK);
                    if let Ok(v) = hyper::header::HeaderValue::from_str(ctype) {
                        resp.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
                    }
                    Ok::<_, std::convert::Infallible>(resp)
                }
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(Duration::from_secs(10))
                .serve_connection(io, svc);
            let _ = tokio::time::timeout(Duration::from_secs(60), conn).await;
        });
    }
}
