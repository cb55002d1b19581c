//! Runtime state from Kubernetes (spec §5.2): the operator's `Pacto` resources
//! (`pacto.trianalab.io/v1alpha1`) and their `PactoRevision`s. Contract content never comes
//! from here.
//!
//! The cluster is read with kube-rs ([`KubeSource`]): the configuration comes from
//! `KUBECONFIG`, `~/.kube/config` or the in-cluster service account (`Config::infer`), the
//! CRD is discovered (group, versions, resource names, falling back to `pactos`), and both
//! lists are read page by page with a time bound. Resources are read as dynamic objects, so the
//! dashboard does not link the operator's controller. The parsing is lenient, as the spec
//! asks: list fields accept one object or an array, and `endpoints` may be the operator's map
//! keyed by name.

use kube::api::{Api, ApiResource, DynamicObject, ListParams};
use pacto_core::fleet::k8s::text as s;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// The operator's API group.
pub const GROUP: &str = "pacto.trianalab.io";
/// The version used when discovery cannot tell.
pub const DEFAULT_VERSION: &str = "v1alpha1";
/// Objects asked for per list page.
const PAGE: u32 = 200;
/// Most pages read per list (a bound on memory: 10,000 objects).
const MAX_PAGES: usize = 50;

/// What the runtime side knows about one service.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeInfo {
    pub name: String,
    pub namespace: String,
    pub resource: String,
    pub contract_status: String,
    pub version: String,
    pub resolved_ref: String,
    pub current_revision: String,
    pub last_reconciled_at: String,
    pub version_policy: String,
    pub summary: Value,
    pub conditions: Vec<Value>,
    pub endpoints: Vec<Value>,
    pub resources: Value,
    pub ports: Value,
    pub observed_runtime: Value,
    pub declared_runtime: Value,
    /// Versions from the PactoRevisions of this service.
    pub revisions: Vec<String>,
    /// Pacto 2.0: the operator evaluated the contract against evidence (it wrote
    /// `evaluationCoverage`, `findings` or `observationWindows`), so the verdict is Go's
    /// summary of the findings, not the 1.x checks.
    pub evaluated_v2: bool,
    /// Pacto 2.0 `status.findings[]`: `{code, severity (error|warning|info|unknown), category,
    /// subject, contractPath, message}`, most serious first (bounded).
    pub findings: Vec<Value>,
    /// Pacto 2.0 `status.evaluationCoverage` `{required, evaluated}`; `null` when absent.
    pub evaluation_coverage: Value,
    /// Pacto 2.0 `status.observationWindows[]` `{kind, subject, firstObservedNegativeAt}`.
    pub observation_windows: Vec<Value>,
}

/// A source of runtime state.
pub trait RuntimeSource: Send + Sync {
    fn describe(&self) -> String;
    /// Every service the cluster reports, or why it cannot be read.
    fn snapshot(&self) -> Result<Vec<RuntimeInfo>, String>;
    /// What detection and the last read found (`/api/debug/sources`).
    fn diagnostics(&self) -> Value {
        Value::Null
    }
}

/// A tokio runtime owned by a blocking caller, shut down without blocking when dropped (it
/// may be dropped from inside another runtime).
struct OwnedRuntime(Option<tokio::runtime::Runtime>);

impl Drop for OwnedRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// The CRD as discovery found it.
#[derive(Debug, Clone)]
struct Discovered {
    group_found: bool,
    versions: Vec<String>,
    version: String,
    pactos: String,
    revisions: Option<String>,
}

impl Default for Discovered {
    fn default() -> Self {
        Discovered {
            group_found: false,
            versions: Vec::new(),
            version: DEFAULT_VERSION.into(),
            pactos: "pactos".into(),
            revisions: Some("pactorevisions".into()),
        }
    }
}

/// The cluster through kube-rs. All methods block (they run on the source's own small
/// runtime), like every other source.
pub struct KubeSource {
    rt: OwnedRuntime,
    client: kube::Client,
    namespace: String,
    location: String,
    timeout: Duration,
    discovered: Mutex<Option<Discovered>>,
    diagnostics: Mutex<Value>,
}

fn kube_error(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => format!(
            "kubernetes API answered {}: {}",
            s.code,
            truncate(&s.message, 300)
        ),
        other => truncate(&other.to_string(), 300),
    }
}

impl KubeSource {
    /// The cluster of `KUBECONFIG`, `~/.kube/config` or the in-cluster service account, when
    /// one is configured and reachable. Otherwise the reason, and what was found (diagnostics).
    pub fn detect(namespace: &str) -> Result<KubeSource, (String, Value)> {
        let location = match std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
            Some(p) => p.to_string_lossy().into_owned(),
            None => match std::env::var_os("HOME")
                .map(|h| std::path::PathBuf::from(h).join(".kube/config"))
                .filter(|p| p.is_file())
            {
                Some(p) => p.display().to_string(),
                None => "in-cluster".into(),
            },
        };
        let diag = |error: &str| {
            json!({"clientConfigured": false, "kubeconfigPath": location, "clusterReachable": false,
                "crdExists": false, "namespace": namespace, "allNamespaces": namespace.is_empty(),
                "error": error})
        };
        let rt = match new_runtime() {
            Ok(rt) => rt,
            Err(e) => return Err((e.clone(), diag(&e))),
        };
        let config = rt.0.as_ref().map(|r| {
            r.block_on(async {
                tokio::time::timeout(Duration::from_secs(5), kube::Config::infer()).await
            })
        });
        let config = match config {
            Some(Ok(Ok(c))) => c,
            Some(Ok(Err(err))) => {
                let e = if std::path::Path::new(&location).is_file() {
                    truncate(&format!("cannot use the kubeconfig {location}: {err}"), 500)
                } else {
                    "no kubeconfig (KUBECONFIG, ~/.kube/config) and not in a cluster".to_string()
                };
                return Err((e.clone(), diag(&e)));
            }
            _ => {
                let e = "reading the Kubernetes configuration timed out".to_string();
                return Err((e.clone(), diag(&e)));
            }
        };
        let k = KubeSource::with_runtime(rt, config, namespace, &location)
            .map_err(|e| (e.clone(), diag(&e)))?;
        k.probe()?;
        Ok(k)
    }

    /// The cluster of one kubeconfig file (its current context).
    pub fn from_kubeconfig(path: &std::path::Path, namespace: &str) -> Result<KubeSource, String> {
        let kc = kube::config::Kubeconfig::read_from(path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let rt = new_runtime()?;
        let config =
            rt.0.as_ref()
                .map(|r| {
                    r.block_on(kube::Config::from_custom_kubeconfig(
                        kc,
                        &kube::config::KubeConfigOptions::default(),
                    ))
                })
                .ok_or("no runtime")?
                .map_err(|e| format!("{}: {e}", path.display()))?;
        KubeSource::with_runtime(rt, config, namespace, &path.display().to_string())
    }

    fn with_runtime(
        rt: OwnedRuntime,
        mut config: kube::Config,
        namespace: &str,
        location: &str,
    ) -> Result<KubeSource, String> {
        config.connect_timeout = Some(Duration::from_secs(5));
        config.read_timeout = Some(Duration::from_secs(15));
        let client =
            rt.0.as_ref()
                .ok_or("no runtime")?
                .block_on(async { kube::Client::try_from(config) })
                .map_err(|e| format!("kubernetes client: {e}"))?;
        Ok(KubeSource {
            rt,
            client,
            namespace: namespace.to_string(),
            location: location.to_string(),
            timeout: Duration::from_secs(20),
            discovered: Mutex::new(None),
            diagnostics: Mutex::new(Value::Null),
        })
    }

    /// Bound every read (discovery, each list with all its pages) by `timeout`.
    pub fn with_timeout(mut self, timeout: Duration) -> KubeSource {
        self.timeout = timeout;
        self
    }

    fn block_on<T>(
        &self,
        f: impl std::future::Future<Output = Result<T, String>>,
    ) -> Result<T, String> {
        let rt = self
            .rt
            .0
            .as_ref()
            .ok_or("the Kubernetes runtime is shut down")?;
        rt.block_on(async { tokio::time::timeout(self.timeout, f).await })
            .unwrap_or_else(|_| {
                Err(format!(
                    "kubernetes: no answer within {}s",
                    self.timeout.as_secs()
                ))
            })
    }

    /// Is the API server there? Then discover the CRD (its absence is not fatal: "may still
    /// work"). Fills the diagnostics.
    fn probe(&self) -> Result<(), (String, Value)> {
        let client = self.client.clone();
        let reachable = self
            .block_on(async move { client.apiserver_version().await.map_err(|e| kube_error(&e)) });
        if let Err(e) = reachable {
            let d = self.diag(false, &Discovered::default(), None, &e);
            return Err((format!("cluster unreachable: {e}"), d));
        }
        let d = self.discover();
        *crate::source::lock(&self.diagnostics) = self.diag(true, &d, None, "");
        Ok(())
    }

    fn diag(&self, reachable: bool, d: &Discovered, count: Option<usize>, error: &str) -> Value {
        json!({"clientConfigured": true, "kubeconfigPath": self.location, "clusterReachable": reachable,
            "crdExists": d.group_found, "namespace": self.namespace, "allNamespaces": self.namespace.is_empty(),
            "resourceCount": count, "detectedGroup": if d.group_found { GROUP } else { "" },
            "detectedVersions": d.versions, "chosenVersion": d.version, "resourceName": d.pactos,
            "error": error})
    }

    /// Group, versions and resource names of the operator's CRDs (remembered once found).
    fn discover(&self) -> Discovered {
        if let Some(d) = crate::source::lock(&self.discovered).clone() {
            return d;
        }
        let client = self.client.clone();
        let found = self.block_on(async move {
            let groups = client.list_api_groups().await.map_err(|e| kube_error(&e))?;
            let Some(g) = groups.groups.into_iter().find(|g| g.name == GROUP) else {
                return Ok(None);
            };
            let versions: Vec<String> = g.versions.iter().map(|v| v.version.clone()).collect();
            let preferred = g
                .preferred_version
                .map(|p| p.version)
                .or_else(|| versions.first().cloned())
                .unwrap_or_else(|| DEFAULT_VERSION.into());
            let resources = client
                .list_api_group_resources(&format!("{GROUP}/{preferred}"))
                .await
                .map_err(|e| kube_error(&e))?;
            let named = |kind: &str| {
                resources
                    .resources
                    .iter()
                    .find(|r| r.kind == kind && !r.name.contains('/'))
                    .map(|r| r.name.clone())
            };
            Ok(Some(Discovered {
                group_found: true,
                versions,
                version: preferred,
                pactos: named("Pacto").unwrap_or_else(|| "pactos".into()),
                revisions: named("PactoRevision"),
            }))
        });
        match found {
            Ok(Some(d)) => {
                *crate::source::lock(&self.discovered) = Some(d.clone());
                d
            }
            // Not installed (yet), or discovery refused: try the defaults, ask again later.
            _ => Discovered::default(),
        }
    }

    /// Every object of one resource, page by page (bounded).
    fn list(&self, version: &str, kind: &str, plural: &str) -> Result<Vec<Value>, String> {
        let ar = ApiResource {
            group: GROUP.into(),
            version: version.into(),
            api_version: format!("{GROUP}/{version}"),
            kind: kind.into(),
            plural: plural.into(),
        };
        let api: Api<DynamicObject> = if self.namespace.is_empty() {
            Api::all_with(self.client.clone(), &ar)
        } else {
            Api::namespaced_with(self.client.clone(), &self.namespace, &ar)
        };
        self.block_on(async move {
            let mut items = Vec::new();
            let mut params = ListParams::default().limit(PAGE);
            for _ in 0..MAX_PAGES {
                let page = api.list(&params).await.map_err(|e| kube_error(&e))?;
                for o in page.items {
                    items.push(serde_json::to_value(o).map_err(|e| e.to_string())?);
                }
                match page.metadata.continue_.filter(|c| !c.is_empty()) {
                    Some(c) => params = params.continue_token(&c),
                    None => return Ok(items),
                }
            }
            Err(format!(
                "more than {} {plural}: list truncated",
                PAGE as usize * MAX_PAGES
            ))
        })
    }
}

fn new_runtime() -> Result<OwnedRuntime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("pacto-kube")
        .enable_all()
        .build()
        .map(|rt| OwnedRuntime(Some(rt)))
        .map_err(|e| format!("cannot start the Kubernetes client runtime: {e}"))
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

impl RuntimeSource for KubeSource {
    fn describe(&self) -> String {
        if self.namespace.is_empty() {
            format!("kubernetes {} (all namespaces)", self.location)
        } else {
            format!(
                "kubernetes {} (namespace {})",
                self.location, self.namespace
            )
        }
    }

    fn snapshot(&self) -> Result<Vec<RuntimeInfo>, String> {
        let d = self.discover();
        let pactos = match self.list(&d.version, "Pacto", &d.pactos) {
            Ok(p) => p,
            Err(e) => {
                *crate::source::lock(&self.diagnostics) = self.diag(true, &d, None, &e);
                return Err(e);
            }
        };
        // Revisions are optional: an operator without them still gives runtime state.
        let revisions = d
            .revisions
            .as_deref()
            .and_then(|plural| self.list(&d.version, "PactoRevision", plural).ok())
            .unwrap_or_default();
        let out = parse_lists(&json!({ "items": pactos }), &json!({ "items": revisions }));
        *crate::source::lock(&self.diagnostics) = self.diag(true, &d, Some(out.len()), "");
        Ok(out)
    }

    fn diagnostics(&self) -> Value {
        crate::source::lock(&self.diagnostics).clone()
    }
}

/// One object or an array → a list (the spec's `flexSlice`).
fn flex(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::Array(a)) => a.clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(o) => vec![o.clone()],
    }
}

/// Endpoints: an array, one object, or the operator's map `{health:{url,reachable,…}}`.
fn endpoints(v: Option<&Value>) -> Vec<Value> {
    let items: Vec<(String, Value)> = match v {
        Some(Value::Object(m)) if m.contains_key("url") => {
            vec![(String::new(), Value::Object(m.clone()))]
        }
        Some(Value::Object(m)) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        other => flex(other)
            .into_iter()
            .map(|v| (String::new(), v))
            .collect(),
    };
    items
        .into_iter()
        .map(|(kind, e)| {
            let healthy = e
                .get("healthy")
                .or_else(|| e.get("reachable"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            json!({
                "type": if kind.is_empty() { s(&e, &["type"]) } else { kind },
                "url": s(&e, &["url"]),
                "healthy": healthy,
                "statusCode": e.get("statusCode").cloned().unwrap_or(Value::Null),
                "latencyMs": e.get("latencyMs").cloned().unwrap_or(Value::Null),
                "error": s(&e, &["error"]),
            })
        })
        .collect()
}

fn policy(status: &Value, resolved_ref: &str) -> String {
    let p = {
        let top = s(status, &["resolutionPolicy"]);
        if top.is_empty() {
            s(status, &["contract", "resolutionPolicy"])
        } else {
            top
        }
    };
    match p.as_str() {
        "Latest" => "tracking".into(),
        "PinnedTag" => "pinned-tag".into(),
        "PinnedDigest" => "pinned-digest".into(),
        _ if resolved_ref.contains('@') => "pinned-digest".into(),
        _ if resolved_ref.is_empty() => String::new(),
        _ => "tracking".into(),
    }
}

/// Parse the `Pacto` and `PactoRevision` lists (`{"items": [...]}`, as the API answers).
pub fn parse_lists(pactos: &Value, revisions: &Value) -> Vec<RuntimeInfo> {
    let mut by_service: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in flex(revisions.get("items")) {
        let svc = s(&r, &["spec", "serviceName"]);
        let v = s(&r, &["spec", "version"]);
        if !svc.is_empty() && !v.is_empty() {
            by_service.entry(svc).or_default().push(v);
        }
    }
    let mut out = Vec::new();
    for item in flex(pactos.get("items")) {
        let status = item.get("status").cloned().unwrap_or(Value::Null);
        let resource = s(&item, &["metadata", "name"]);
        let mut name = s(&status, &["contract", "serviceName"]);
        if name.is_empty() {
            name = resource.clone();
        }
        if name.is_empty() {
            continue;
        }
        let mut version = s(&status, &["contractVersion"]);
        if version.is_empty() {
            version = s(&status, &["contract", "version"]);
        }
        let resolved_ref = s(&status, &["contract", "resolvedRef"]);
        let mut current_revision = s(&status, &["currentRevision"]);
        if current_revision.is_empty() {
            current_revision = s(&status, &["contract", "currentRevision"]);
        }
        let mut revisions = by_service.get(&name).cloned().unwrap_or_default();
        crate::source::sort_versions_desc(&mut revisions);
        revisions.dedup();
        out.push(RuntimeInfo {
            namespace: s(&item, &["metadata", "namespace"]),
            contract_status: normalize_status(&s(&status, &["contractStatus"])),
            version,
            version_policy: policy(&status, &resolved_ref),
            resolved_ref,
            current_revision,
            last_reconciled_at: s(&status, &["lastReconciledAt"]),
            summary: status.get("summary").cloned().unwrap_or(Value::Null),
            conditions: flex(status.get("conditions")),
            endpoints: endpoints(status.get("endpoints")),
            resources: status.get("resources").cloned().unwrap_or(Value::Null),
            ports: status.get("ports").cloned().unwrap_or(Value::Null),
            observed_runtime: status
                .get("observedRuntime")
                .cloned()
                .unwrap_or(Value::Null),
            declared_runtime: status.get("runtime").cloned().unwrap_or(Value::Null),
            evaluated_v2: ["evaluationCoverage", "findings", "observationWindows"]
                .iter()
                .any(|k| status.get(*k).is_some_and(|v| !v.is_null())),
            findings: findings(status.get("findings")),
            evaluation_coverage: coverage(status.get("evaluationCoverage")),
            observation_windows: windows(status.get("observationWindows")),
            revisions,
            resource,
            name,
        });
    }
    out.sort_by(|a, b| (&a.name, &a.namespace).cmp(&(&b.name, &b.namespace)));
    out
}

/// Most findings kept per Pacto (a bound on memory and on the page).
pub const MAX_FINDINGS: usize = 200;
/// Longest text kept from one finding field.
const MAX_TEXT: usize = 1000;

fn text(v: &Value, key: &str) -> String {
    truncate(&s(v, &[key]), MAX_TEXT)
}

/// A finding's severity; anything the dashboard does not know is `unknown` (never a pass).
pub fn finding_severity(s: &str) -> &'static str {
    match s.to_ascii_lowercase().as_str() {
        "error" => "error",
        "warning" => "warning",
        "info" => "info",
        _ => "unknown",
    }
}

fn severity_order(s: &str) -> u8 {
    match s {
        "error" => 0,
        "warning" => 1,
        "unknown" => 2,
        _ => 3,
    }
}

/// `status.findings[]` (one object or an array), normalized, most serious first, bounded.
fn findings(v: Option<&Value>) -> Vec<Value> {
    let mut out: Vec<Value> = flex(v)
        .iter()
        .filter(|f| f.is_object())
        .map(|f| {
            json!({
                "code": text(f, "code"),
                "severity": finding_severity(&s(f, &["severity"])),
                "category": text(f, "category"),
                "subject": text(f, "subject"),
                "contractPath": text(f, "contractPath"),
                "message": text(f, "message"),
            })
        })
        .collect();
    // Stable: the operator's order within one severity.
    out.sort_by_key(|f| severity_order(f["severity"].as_str().unwrap_or("")));
    out.truncate(MAX_FINDINGS);
    out
}

fn count(v: &Value, key: &str) -> Option<i64> {
    match v.get(key)? {
        Value::Number(n) => n.as_i64().filter(|n| *n >= 0),
        Value::String(s) => s.trim().parse().ok().filter(|n: &i64| *n >= 0),
        _ => None,
    }
}

/// `status.evaluationCoverage` as `{required, evaluated}`; `null` when absent or unreadable.
fn coverage(v: Option<&Value>) -> Value {
    let Some(v) = v.filter(|v| v.is_object()) else {
        return Value::Null;
    };
    match (count(v, "required"), count(v, "evaluated")) {
        (Some(required), Some(evaluated)) => json!({"required": required, "evaluated": evaluated}),
        (Some(required), None) => json!({"required": required, "evaluated": 0}),
        _ => Value::Null,
    }
}

/// `status.observationWindows[]`, bounded, each `{kind, subject, firstObservedNegativeAt}`.
fn windows(v: Option<&Value>) -> Vec<Value> {
    flex(v)
        .iter()
        .filter(|w| w.is_object())
        .take(MAX_FINDINGS)
        .map(|w| {
            json!({
                "kind": text(w, "kind"),
                "subject": text(w, "subject"),
                "firstObservedNegativeAt": text(w, "firstObservedNegativeAt"),
            })
        })
        .collect()
}

/// The dashboard's contract statuses; anything else is `Unknown`.
pub fn normalize_status(s: &str) -> String {
    match s {
        "Compliant" | "Warning" | "NonCompliant" | "Reference" | "Unknown" | "Invalid"
        | "NotEvaluated" => s.to_string(),
        _ => "Unknown".to_string(),
    }
}

/// The severity the dashboard gives a condition type (spec §5.6 catalog).
pub fn condition_severity(kind: &str) -> &'static str {
    match kind {
        "UpgradeStrategyMatch" | "GracefulShutdownMatch" | "HealthTimingMatch" => "warning",
        _ => "error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_operator_status_leniently() {
        let pactos = json!({"items": [
            {"metadata": {"name": "billing", "namespace": "shop"},
             "status": {"contractStatus": "Warning", "contractVersion": "2.0.0",
                "resolutionPolicy": "PinnedTag",
                "contract": {"serviceName": "billing", "resolvedRef": "reg/billing:2.0.0"},
                "endpoints": {"health": {"url": "http://x/healthz", "reachable": true, "statusCode": 200}},
                "conditions": {"type": "ImageMatch", "status": "False", "reason": "Mismatch"}}},
            {"metadata": {"name": "odd"}, "status": {"contractStatus": "Sparkly"}}
        ]});
        let revs = json!({"items": [
            {"spec": {"serviceName": "billing", "version": "1.0.0"}},
            {"spec": {"serviceName": "billing", "version": "2.0.0"}}
        ]});
        let got = parse_lists(&pactos, &revs);
        assert_eq!(got.len(), 2);
        let b = &got[0];
        assert_eq!(b.name, "billing");
        assert_eq!(b.contract_status, "Warning");
        assert_eq!(b.version_policy, "pinned-tag");
        assert_eq!(b.revisions, vec!["2.0.0", "1.0.0"]);
        assert_eq!(b.conditions.len(), 1);
        assert_eq!(b.endpoints[0]["type"], "health");
        assert_eq!(b.endpoints[0]["healthy"], true);
        assert_eq!(got[1].contract_status, "Unknown");
    }
}
