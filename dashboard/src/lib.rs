//! `pacto dashboard`: a read-only web view of a fleet of Pacto contracts (spec §5).
//!
//! * [`source`]: contract sources (local directories, OCI repositories, the disk cache);
//! * [`k8s`]: runtime state from the operator's `Pacto` resources, read with kube-rs (never
//!   contract content);
//! * [`snapshot`]: the merge of all sources, the global graph, blast radius and insights;
//! * [`views`]: the JSON answers; [`api`]: the axum router with its security headers;
//! * [`fleet`]: the `/api/fleet/*` views (services, revisions and targets kept apart);
//! * [`traces`]: observed traffic from an OTLP/JSON trace file (`--traces`), shown next to the
//!   declared dependencies;
//! * [`ui`]: the browser app (plain ES modules, CSS and a vendored D3), embedded in the binary.
//!
//! The server never writes contract content anywhere. Its only `POST`s (`/api/refresh`,
//! `/api/versions`, `/api/resolve`) re-read sources or pull into the local cache, and are
//! refused cross-origin, even from the `--cors-origin`, which may only read.

pub mod api;
pub mod fleet;
pub mod fleet_product;
pub mod k8s;
pub mod k8s_fleet;
pub mod openapi;
pub mod server;
pub mod snapshot;
pub mod source;
pub mod traces;
pub mod ui;
pub mod views;

use k8s::{KubeSource, RuntimeSource};
use pacto_core::registry::Registry;
use serde_json::Value;
use snapshot::{Inputs, Snapshot};
use source::{lock, CacheSource, ContractSource, Loaded, LocalSource, OciSource, SourceKind};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// How the dashboard is set up (flags and environment of spec §5.1).
#[derive(Debug, Clone)]
pub struct Config {
    /// The local directory argument; `None` means "auto-detect the working directory".
    pub dir: Option<PathBuf>,
    /// OCI repositories (`oci://` stripped or not).
    pub repos: Vec<String>,
    /// Kubernetes namespace; empty = all.
    pub namespace: String,
    /// Skip the disk cache source.
    pub no_cache: bool,
    /// The cache directory the cache source reads (default: the registry's).
    pub cache_dir: Option<PathBuf>,
    /// Look for a Kubernetes cluster.
    pub kubernetes: bool,
    /// How often sources are re-read in the background.
    pub refresh: Duration,
    /// Serve `/api/debug/*` (`--diagnostics`).
    pub diagnostics: bool,
    /// The one other origin allowed to read the API (`--cors-origin`, GET/HEAD only).
    pub cors_origin: Option<String>,
    /// An OTLP/JSON trace file whose observed calls are shown next to the declared
    /// dependencies (`--traces`); re-read on refresh when it changes.
    pub traces: Option<PathBuf>,
    /// Connection limits: header-read, idle and request timeouts, the connection cap.
    pub limits: server::Limits,
    /// `--offline`: remote (`oci://`) policy references are not fetched (and reported as not
    /// enforced). Otherwise they are resolved against the fleet, then the registry.
    pub offline: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            dir: None,
            repos: Vec::new(),
            namespace: String::new(),
            no_cache: false,
            cache_dir: None,
            kubernetes: true,
            refresh: Duration::from_secs(10),
            diagnostics: false,
            cors_origin: None,
            traces: None,
            limits: server::Limits::default(),
            offline: false,
        }
    }
}

/// A detected source, as printed at startup and served by `/api/sources`.
#[derive(Debug, Clone)]
pub struct Detected {
    pub kind: SourceKind,
    pub location: String,
    pub reason: String,
    pub enabled: bool,
}

/// The running dashboard: sources, the current snapshot, lazy loads.
pub struct Dashboard {
    sources: Vec<Arc<dyn ContractSource>>,
    oci: Mutex<Option<Arc<OciSource>>>,
    runtime: Option<Arc<dyn RuntimeSource>>,
    registry: Option<Arc<Registry>>,
    traces: Option<Arc<traces::TraceFile>>,
    /// How `oci://` policy references are resolved (the fleet, the registry, `--offline`).
    policies: source::Policies,
    detected: Mutex<Vec<Detected>>,
    snapshot: RwLock<Arc<Snapshot>>,
    next_id: AtomicU64,
    refreshing: Mutex<()>,
    /// What Kubernetes detection found (diagnostics), when it found no usable cluster.
    k8s_detection: Value,
    pub config: Config,
}

impl std::fmt::Debug for Dashboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dashboard")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Dashboard {
    /// Detect sources (local → k8s → oci → cache, spec §5.2) without reading them yet.
    pub fn detect(config: Config, registry: Option<Arc<Registry>>) -> Dashboard {
        Dashboard::with_runtime(config, registry, None)
    }

    /// [`Dashboard::detect`] with an explicit runtime source (tests, other clients).
    pub fn with_runtime(
        config: Config,
        registry: Option<Arc<Registry>>,
        runtime: Option<Arc<dyn RuntimeSource>>,
    ) -> Dashboard {
        let mut detected = Vec::new();
        let mut sources: Vec<Arc<dyn ContractSource>> = Vec::new();
        let dir = config
            .dir
            .clone()
            .unwrap_or_else(|| std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")));
        let local = LocalSource::detect(&dir);
        let policies = source::Policies {
            local_root: local.is_some().then(|| dir.clone()),
            registry: registry.clone(),
            offline: config.offline,
        };
        match local {
            Some(reason) => {
                sources.push(Arc::new(
                    LocalSource::new(dir.clone()).with_policies(policies.clone()),
                ));
                detected.push(Detected {
                    kind: SourceKind::Local,
                    location: dir.display().to_string(),
                    reason,
                    enabled: true,
                });
            }
            None => detected.push(Detected {
                kind: SourceKind::Local,
                location: dir.display().to_string(),
                reason: format!("no pacto.yaml in {} or its subdirectories", dir.display()),
                enabled: false,
            }),
        }
        let mut k8s_detection = Value::Null;
        let runtime = match runtime {
            Some(r) => {
                detected.push(Detected {
                    kind: SourceKind::K8s,
                    location: r.describe(),
                    reason: "runtime source configured".into(),
                    enabled: true,
                });
                Some(r)
            }
            None if config.kubernetes => match KubeSource::detect(&config.namespace) {
                Ok(k) => {
                    detected.push(Detected {
                        kind: SourceKind::K8s,
                        location: k.describe(),
                        reason: "cluster configuration found".into(),
                        enabled: true,
                    });
                    Some(Arc::new(k) as Arc<dyn RuntimeSource>)
                }
                Err((reason, diag)) => {
                    k8s_detection = diag;
                    detected.push(Detected {
                        kind: SourceKind::K8s,
                        location: String::new(),
                        reason,
                        enabled: false,
                    });
                    None
                }
            },
            None => None,
        };
        let mut oci = None;
        match (&registry, config.repos.is_empty()) {
            (Some(reg), false) => {
                let o = Arc::new(
                    OciSource::new(reg.clone(), &config.repos).with_policies(policies.clone()),
                );
                detected.push(Detected {
                    kind: SourceKind::Oci,
                    location: o.describe(),
                    reason: format!("{} repositories given", o.repos().len()),
                    enabled: true,
                });
                sources.push(o.clone());
                oci = Some(o);
            }
            (None, false) => detected.push(Detected {
                kind: SourceKind::Oci,
                location: String::new(),
                reason: "no registry client".into(),
                enabled: false,
            }),
            (_, true) => detected.push(Detected {
                kind: SourceKind::Oci,
                location: String::new(),
                reason: "no oci:// repository given".into(),
                enabled: false,
            }),
        }
        let cache_dir = config.cache_dir.clone().or_else(|| {
            registry
                .as_ref()
                .and_then(|r| r.cache().root().map(PathBuf::from))
        });
        match (config.no_cache, oci.is_some(), cache_dir) {
            (true, _, _) => detected.push(Detected {
                kind: SourceKind::Cache,
                location: String::new(),
                reason: "--no-cache".into(),
                enabled: false,
            }),
            (false, true, _) => detected.push(Detected {
                kind: SourceKind::Cache,
                location: String::new(),
                reason: "backs the live OCI source".into(),
                enabled: false,
            }),
            (false, false, Some(d)) => match CacheSource::detect(&d) {
                Some(reason) => {
                    sources.push(Arc::new(
                        CacheSource::new(d.clone()).with_policies(policies.clone()),
                    ));
                    detected.push(Detected {
                        kind: SourceKind::Cache,
                        location: d.display().to_string(),
                        reason,
                        enabled: true,
                    });
                }
                None => detected.push(Detected {
                    kind: SourceKind::Cache,
                    location: d.display().to_string(),
                    reason: "no cached bundles".into(),
                    enabled: false,
                }),
            },
            (false, false, None) => detected.push(Detected {
                kind: SourceKind::Cache,
                location: String::new(),
                reason: "no cache directory".into(),
                enabled: false,
            }),
        }
        // Observed traffic: read now, so a broken file is reported before the server starts.
        let traces = config.traces.clone().map(|p| {
            let t = Arc::new(traces::TraceFile::new(p));
            let (reason, enabled) = match t.read() {
                Ok(read) => (traces::describe(&read), true),
                Err(e) => (e.to_string(), false),
            };
            detected.push(Detected {
                kind: SourceKind::Traces,
                location: t.path().display().to_string(),
                reason,
                enabled,
            });
            t
        });
        Dashboard {
            sources,
            oci: Mutex::new(oci),
            runtime,
            registry,
            traces,
            policies,
            detected: Mutex::new(detected),
            snapshot: RwLock::new(Arc::new(Snapshot::default())),
            next_id: AtomicU64::new(1),
            refreshing: Mutex::new(()),
            k8s_detection,
            config,
        }
    }

    /// What detection found, enabled or not.
    pub fn detected(&self) -> Vec<Detected> {
        lock(&self.detected).clone()
    }

    /// Read the trace file (`--traces`) now: the command refuses to start on a file it cannot
    /// use (missing, too large, malformed: located by line and column). `Ok` without one.
    pub fn check_traces(&self) -> Result<(), traces::TraceError> {
        match &self.traces {
            Some(t) => t.read().map(|_| ()),
            None => Ok(()),
        }
    }

    /// Whether any source is active (the command refuses to start otherwise).
    pub fn has_sources(&self) -> bool {
        !self.sources.is_empty() || self.runtime.is_some()
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn all_sources(&self) -> Vec<Arc<dyn ContractSource>> {
        let mut v = self.sources.clone();
        if let Some(o) = lock(&self.oci).clone() {
            if !v.iter().any(|s| s.kind() == SourceKind::Oci) {
                // Discovered from Kubernetes: after local, before the cache.
                let at = v
                    .iter()
                    .position(|s| s.kind() == SourceKind::Cache)
                    .unwrap_or(v.len());
                v.insert(at, o);
            }
        }
        v
    }

    /// [`Dashboard::refresh`] after dropping every source's remembered answers (the refresh
    /// button, `POST /api/refresh`).
    pub fn refresh_now(&self) -> Arc<Snapshot> {
        for s in self.all_sources() {
            s.invalidate();
        }
        if let Some(t) = &self.traces {
            t.invalidate();
        }
        self.refresh()
    }

    /// Re-read every source and swap in a new snapshot (blocking; one at a time).
    pub fn refresh(&self) -> Arc<Snapshot> {
        let _guard = lock(&self.refreshing);
        let runtime = self.runtime.as_ref().map(|r| r.snapshot());
        // Hybrid mode: repositories discovered from the operator's resolved refs.
        // (The lock is released before the branch, which takes it again.)
        let no_oci = lock(&self.oci).is_none();
        if let (Some(Ok(list)), Some(reg), true) = (&runtime, &self.registry, no_oci) {
            let mut repos: Vec<String> = list
                .iter()
                .filter(|r| !r.resolved_ref.is_empty())
                .map(|r| source::strip_tag(&r.resolved_ref))
                .collect();
            repos.sort();
            repos.dedup();
            if !repos.is_empty() {
                let o = Arc::new(
                    OciSource::new(reg.clone(), &repos).with_policies(self.policies.clone()),
                );
                lock(&self.detected).push(Detected {
                    kind: SourceKind::Oci,
                    location: o.describe(),
                    reason: "repositories discovered from Kubernetes".into(),
                    enabled: true,
                });
                *lock(&self.oci) = Some(o);
            }
        }
        let sources = self.all_sources();
        let scans: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = sources
                .iter()
                .map(|s| scope.spawn(move || (s.kind(), s.scan())))
                .collect();
            handles
                .into_iter()
                .zip(sources.iter())
                .map(|(h, s)| {
                    h.join()
                        .unwrap_or_else(|_| (s.kind(), Err("source scan panicked".to_string())))
                })
                .collect()
        });
        let detected = self.detected();
        let meta: Vec<(SourceKind, String, String)> = sources
            .iter()
            .map(|s| {
                let reason = detected
                    .iter()
                    .rev()
                    .find(|d| d.kind == s.kind() && d.enabled)
                    .map(|d| d.reason.clone())
                    .unwrap_or_default();
                (s.kind(), s.describe(), reason)
            })
            .chain(self.runtime.iter().map(|r| {
                (
                    SourceKind::K8s,
                    r.describe(),
                    "runtime state only".to_string(),
                )
            }))
            .collect();
        let traffic = self.traces.as_ref().map(|t| {
            (
                t.path().display().to_string(),
                t.read().map_err(|e| e.to_string()),
            )
        });
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let snap = Arc::new(snapshot::build(
            id,
            Inputs {
                scans,
                runtime,
                traffic,
            },
            meta,
        ));
        *self.snapshot.write().unwrap_or_else(|p| p.into_inner()) = snap.clone();
        snap
    }

    /// Materialize one version of a service (lazily, from the source that listed it).
    pub fn load_version(&self, name: &str, version: &str) -> Result<Arc<Loaded>, LoadError> {
        let snap = self.snapshot();
        let s = snap
            .services
            .get(name)
            .ok_or_else(|| LoadError::NotFound(format!("service {name:?} not found")))?;
        let v = s
            .versions
            .iter()
            .find(|v| v.version == version)
            .ok_or_else(|| {
                LoadError::NotFound(format!("service {name:?} has no version {version:?}"))
            })?;
        if let Some(l) = &v.loaded {
            return Ok(l.clone());
        }
        if v.source == SourceKind::K8s {
            return Err(LoadError::Unsupported(
                "versions known only to Kubernetes have no contract content".into(),
            ));
        }
        let src = self
            .all_sources()
            .into_iter()
            .find(|s| s.kind() == v.source)
            .ok_or_else(|| LoadError::Source("the source of this version is gone".into()))?;
        src.load(&v.reference).map_err(LoadError::Source)
    }

    /// Pull every published version of a service's OCI repository ("fetch all versions").
    pub fn fetch_all_versions(&self, name: &str) -> Result<serde_json::Value, LoadError> {
        let snap = self.snapshot();
        let s = snap
            .services
            .get(name)
            .ok_or_else(|| LoadError::NotFound(format!("service {name:?} not found")))?;
        let repo = s
            .versions
            .iter()
            .find(|v| v.reference.starts_with("oci://"))
            .map(|v| source::strip_tag(&v.reference))
            .ok_or_else(|| {
                LoadError::Unsupported(format!("{name} has no OCI repository to fetch from"))
            })?;
        let oci = lock(&self.oci).clone().ok_or_else(|| {
            LoadError::Unsupported("no live OCI source (the cache is read offline)".into())
        })?;
        let (fetched, failed) = oci.fetch_all(&repo).map_err(LoadError::Source)?;
        let snap = self.refresh();
        let versions = snap
            .services
            .get(name)
            .map(views::versions)
            .unwrap_or_default();
        Ok(
            serde_json::json!({"repository": format!("oci://{repo}"), "fetched": fetched,
            "failed": failed, "versions": versions}),
        )
    }
}

impl Dashboard {
    /// Resolve a remote dependency (`POST /api/resolve`): the highest tag of an `oci://` ref
    /// satisfying `compatibility` (or its pinned tag or digest), pulled through the registry
    /// client and its cache. Never reads the local file system.
    pub fn resolve(
        &self,
        reference: &str,
        compatibility: Option<&str>,
    ) -> Result<Arc<Loaded>, ResolveError> {
        use pacto_core::registry::{parse_dependency_ref, RefScheme, RegistryError};
        if reference.is_empty() || reference.len() > 1024 {
            return Err(ResolveError::Invalid(
                "a reference has 1 to 1024 characters".into(),
            ));
        }
        if parse_dependency_ref(reference).scheme != RefScheme::Oci {
            return Err(ResolveError::Invalid(format!(
                "{reference:?}: only oci:// references can be resolved"
            )));
        }
        let registry = self.registry.as_ref().ok_or_else(|| {
            ResolveError::NotFound(
                "no registry client: remote references cannot be resolved".into(),
            )
        })?;
        let key = reference.strip_prefix("oci://").unwrap_or(reference);
        let pulled = registry
            .fetch_compatible(key, compatibility)
            .map_err(|e| match e {
                RegistryError::Auth { .. } => ResolveError::Auth(e.to_string()),
                RegistryError::NotFound { .. } => ResolveError::NotFound(e.to_string()),
                RegistryError::InvalidReference { .. }
                | RegistryError::NoMatchingTags { .. }
                | RegistryError::NoSemverTags { .. }
                | RegistryError::InvalidConstraint { .. }
                | RegistryError::InvalidArtifact { .. }
                | RegistryError::TooLarge { .. } => ResolveError::Invalid(e.to_string()),
                other => ResolveError::Upstream(other.to_string()),
            })?;
        let resolved = pulled
            .resolved_ref
            .strip_prefix("oci://")
            .unwrap_or(&pulled.resolved_ref)
            .to_string();
        let fetched = pacto_core::graph::Fetched {
            bundle: Arc::new(pulled.bundle) as Arc<dyn pacto_core::bundle::Bundle>,
            contract_text: pulled.contract_text,
            resolved_ref: format!("oci://{resolved}"),
        };
        source::materialize(
            fetched,
            SourceKind::Oci,
            &format!("oci://{resolved}"),
            None,
            &self.policies,
        )
        .map(Arc::new)
        .map_err(|e| ResolveError::Invalid(format!("invalid bundle {reference}: {e}")))
    }

    /// Whether a trace file is configured (`--traces`).
    pub fn has_traces(&self) -> bool {
        self.traces.is_some()
    }

    /// Whether `POST /api/resolve` and `POST /api/versions` can reach a registry.
    pub fn has_resolver(&self) -> bool {
        self.registry.is_some()
    }

    /// `GET /api/debug/sources`: detection, Kubernetes diagnostics and the last refresh.
    pub fn diagnostics(&self) -> Value {
        let snap = self.snapshot();
        let detected: Vec<Value> = self
            .detected()
            .into_iter()
            .map(|d| serde_json::json!({"type": d.kind, "enabled": d.enabled, "reason": d.reason, "location": d.location}))
            .collect();
        let k8s = match &self.runtime {
            Some(r) => r.diagnostics(),
            None => self.k8s_detection.clone(),
        };
        let mut v = serde_json::json!({
            "snapshotId": snap.id,
            "asOf": snap.built_at,
            "detected": detected,
            "sources": snap.sources,
            "kubernetes": k8s,
            "config": {
                "namespace": self.config.namespace,
                "allNamespaces": self.config.namespace.is_empty(),
                "noCache": self.config.no_cache,
                "refreshSeconds": self.config.refresh.as_secs(),
                "corsOrigin": self.config.cors_origin,
                "repositories": lock(&self.oci).as_ref().map(|o| o.repos().to_vec()).unwrap_or_default(),
                "resolver": self.registry.is_some(),
            },
        });
        if let (Some(t), Some(c)) = (&self.traces, v.get_mut("config")) {
            c["traces"] = serde_json::json!(t.path().display().to_string());
        }
        v
    }
}

/// Why `POST /api/resolve` failed (mapped to 422, 403, 404 and 502).
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Auth(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Upstream(String),
}

/// Why a version could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("{0}")]
    Source(String),
}

/// Run the server until `shutdown` resolves. `on_bound` gets the bound address (port 0 picks
/// one). Sources are read once before the first request, then every `config.refresh`.
pub async fn serve(
    dashboard: Arc<Dashboard>,
    addr: SocketAddr,
    on_bound: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let d = dashboard.clone();
    tokio::task::spawn_blocking(move || d.refresh())
        .await
        .map_err(std::io::Error::other)?;
    let listener = server::bind(addr)?;
    let bound = listener.local_addr()?;
    on_bound(bound);
    let d = dashboard.clone();
    let interval = dashboard.config.refresh;
    let refresher = tokio::spawn(async move {
        loop {
            tokio::time::sleep(interval).await;
            let d = d.clone();
            let _ = tokio::task::spawn_blocking(move || d.refresh()).await;
        }
    });
    let limits = dashboard.config.limits.clone();
    let app = api::router(dashboard, bound);
    let result = server::serve_app(listener, app, limits, shutdown).await;
    refresher.abort();
    result
}

/// Whether an address is loopback (the default bind, and the Host check it enables).
pub fn is_loopback(ip: IpAddr) -> bool {
    ip.is_loopback()
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM (container stop).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
