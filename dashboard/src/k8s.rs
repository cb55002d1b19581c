//! Runtime state from Kubernetes (spec §5.2): the operator's `Pacto` resources
//! (`pacto.trianalab.io/v1alpha1`) and their `PactoRevision`s. Contract content never comes
//! from here.
//!
//! The cluster is read through `kubectl get … -o json` (`PACTO_KUBECTL`, default `kubectl`),
//! which brings kubeconfig, in-cluster config and every auth plugin for free, with a time
//! bound. The parsing is lenient, as the spec asks: list fields accept one object or an array,
//! and `endpoints` may be the operator's map keyed by name.

use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// What the runtime side knows about one service.
#[derive(Debug, Clone, Serialize, PartialEq)]
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
}

/// A source of runtime state.
pub trait RuntimeSource: Send + Sync {
    fn describe(&self) -> String;
    /// Every service the cluster reports, or why it cannot be read.
    fn snapshot(&self) -> Result<Vec<RuntimeInfo>, String>;
}

/// `kubectl` with a namespace (empty = all namespaces).
pub struct Kubectl {
    pub program: PathBuf,
    pub namespace: String,
    pub timeout: Duration,
}

impl Kubectl {
    /// The configured client, when a cluster configuration is present (`KUBECONFIG`,
    /// `~/.kube/config`, or the in-cluster service account). `None` with the reason otherwise.
    pub fn detect(namespace: &str) -> Result<Kubectl, String> {
        let program = std::env::var_os("PACTO_KUBECTL")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("kubectl"));
        let configured = std::env::var_os("KUBECONFIG").is_some_and(|v| !v.is_empty())
            || std::env::var_os("HOME")
                .map(|h| PathBuf::from(h).join(".kube/config").is_file())
                .unwrap_or(false)
            || std::env::var_os("KUBERNETES_SERVICE_HOST").is_some();
        if !configured {
            return Err("no kubeconfig (KUBECONFIG, ~/.kube/config) and not in a cluster".into());
        }
        Ok(Kubectl {
            program,
            namespace: namespace.to_string(),
            timeout: Duration::from_secs(8),
        })
    }

    fn get(&self, resource: &str) -> Result<Value, String> {
        let mut cmd = std::process::Command::new(&self.program);
        cmd.arg("get").arg(resource).arg("-o").arg("json");
        if self.namespace.is_empty() {
            cmd.arg("--all-namespaces");
        } else {
            cmd.arg("-n").arg(&self.namespace);
        }
        cmd.arg(format!(
            "--request-timeout={}s",
            self.timeout.as_secs().max(1)
        ));
        cmd.stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.program.display()))?;
        let output = wait_bounded(child, self.timeout + Duration::from_secs(2))?;
        if !output.status.success() {
            let err = String::from_utf8_lossy(&output.stderr);
            let line = err
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            return Err(format!(
                "kubectl get {resource} failed: {}",
                truncate(line.trim(), 300)
            ));
        }
        if output.stdout.len() > 64 * 1024 * 1024 {
            return Err(format!("kubectl get {resource}: answer too large"));
        }
        serde_json::from_slice(&output.stdout)
            .map_err(|e| format!("kubectl get {resource}: not JSON: {e}"))
    }
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

fn wait_bounded(
    mut child: std::process::Child,
    limit: Duration,
) -> Result<std::process::Output, String> {
    use std::io::Read;
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out_thread = std::thread::spawn(move || {
        let mut b = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.take(64 * 1024 * 1024 + 1).read_to_end(&mut b);
        }
        b
    });
    let err_thread = std::thread::spawn(move || {
        let mut b = Vec::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.take(1024 * 1024).read_to_end(&mut b);
        }
        b
    });
    let start = std::time::Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() < limit => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("kubectl timed out after {}s", limit.as_secs()));
            }
            Err(e) => return Err(e.to_string()),
        }
    };
    Ok(std::process::Output {
        status,
        stdout: out_thread.join().unwrap_or_default(),
        stderr: err_thread.join().unwrap_or_default(),
    })
}

impl RuntimeSource for Kubectl {
    fn describe(&self) -> String {
        if self.namespace.is_empty() {
            "kubernetes (all namespaces)".into()
        } else {
            format!("kubernetes (namespace {})", self.namespace)
        }
    }

    fn snapshot(&self) -> Result<Vec<RuntimeInfo>, String> {
        let pactos = self.get("pactos.pacto.trianalab.io")?;
        // Revisions are optional: an operator without them still gives runtime state.
        let revisions = self
            .get("pactorevisions.pacto.trianalab.io")
            .unwrap_or_else(|_| json!({"items": []}));
        Ok(parse_lists(&pactos, &revisions))
    }
}

fn s(v: &Value, path: &[&str]) -> String {
    let mut cur = v;
    for p in path {
        match cur.get(p) {
            Some(n) => cur = n,
            None => return String::new(),
        }
    }
    match cur {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
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

/// Parse `kubectl get pactos -o json` and `kubectl get pactorevisions -o json`.
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
            revisions,
            resource,
            name,
        });
    }
    out.sort_by(|a, b| (&a.name, &a.namespace).cmp(&(&b.name, &b.namespace)));
    out
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
