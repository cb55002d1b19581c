//! Renders the Helm chart as `helm template` would (no `helm` binary here: `gotmpl` renders the
//! Go-template subset the chart uses and fails on anything else), for every documented values
//! combination, and checks what comes out:
//! - the merged values pass values.schema.json first, as Helm checks them before rendering;
//! - every document parses as YAML and is a valid object of its kind: the core kinds through a
//!   round trip of the Kubernetes OpenAPI types (k8s-openapi, v1.35): a missing required field
//!   or a wrong type fails to deserialize, an unknown field does not come back; the Gateway API
//!   HTTPRoute and the Prometheus operator ServiceMonitor against JSON Schemas of the fields
//!   the chart writes (taken from those CRDs); names, namespaces and labels as the API server
//!   validates them;
//! - what points at something points at something rendered (Ingress and HTTPRoute backends,
//!   Service selectors and named target ports, Deployment selectors);
//! - the operator Deployment's args are accepted by `pacto-operator`'s own parser.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "chart_render/gotmpl.rs"]
mod gotmpl;

use k8s_openapi::api::{
    apps::v1 as apps, core::v1 as core, networking::v1 as net, rbac::v1 as rbac,
};
use serde::{de::DeserializeOwned, Serialize};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

/// The release name the Go chart documents: fullname is then `pacto-operator`.
const RELEASE: &str = "pacto-operator";
const NAMESPACE: &str = "pacto-system";

fn chart_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("chart")
}

fn read_yaml(path: &Path) -> Value {
    serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

struct Chart {
    templates: gotmpl::Templates,
    files: Vec<String>,
    meta: Value,
    defaults: Value,
    schema: jsonschema::Validator,
}

fn chart() -> Chart {
    let mut templates = gotmpl::Templates::default();
    let mut files = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(chart_dir().join("templates"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        templates
            .add(&name, &text)
            .unwrap_or_else(|e| panic!("parsing {name}: {e}"));
        files.push(name);
    }
    // Helm exposes Chart.yaml with Go field names: name -> .Chart.Name.
    let mut meta = Map::new();
    for (k, v) in read_yaml(&chart_dir().join("Chart.yaml"))
        .as_object()
        .unwrap()
    {
        let mut key = k[..1].to_ascii_uppercase();
        key.push_str(&k[1..]);
        meta.insert(key, v.clone());
    }
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(chart_dir().join("values.schema.json")).unwrap(),
    )
    .unwrap();
    Chart {
        templates,
        files,
        meta: Value::Object(meta),
        defaults: read_yaml(&chart_dir().join("values.yaml")),
        schema: jsonschema::options().build(&schema).unwrap(),
    }
}

/// Helm's coalescing of `--set`/`-f` values over the defaults: maps merge, null deletes.
fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                if v.is_null() {
                    b.remove(k);
                } else if let Some(slot) = b.get_mut(k).filter(|s| s.is_object() && v.is_object()) {
                    merge(slot, v);
                } else {
                    b.insert(k.clone(), v.clone());
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

struct Rendered {
    docs: Vec<(String, Value)>,
    notes: String,
    values: Value,
}

impl Rendered {
    fn kinds(&self) -> Vec<String> {
        self.docs
            .iter()
            .map(|(_, d)| format!("{}/{}", d["kind"].as_str().unwrap(), name(d)))
            .collect()
    }
    fn find(&self, kind: &str, name_: &str) -> Option<&Value> {
        self.docs
            .iter()
            .map(|(_, d)| d)
            .find(|d| d["kind"] == kind && name(d) == name_)
    }
    fn of_kind(&self, kind: &str) -> Vec<&Value> {
        self.docs
            .iter()
            .map(|(_, d)| d)
            .filter(|d| d["kind"] == kind)
            .collect()
    }
    fn operator_args(&self) -> Vec<String> {
        let d = self.find("Deployment", &fullname(&self.values)).unwrap();
        d["spec"]["template"]["spec"]["containers"][0]["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect()
    }
}

fn name(d: &Value) -> &str {
    d["metadata"]["name"].as_str().unwrap_or("")
}

fn fullname(values: &Value) -> String {
    match values["fullnameOverride"].as_str() {
        Some(f) if !f.is_empty() => f.to_string(),
        _ => RELEASE.to_string(),
    }
}

impl Chart {
    fn render(&self, overrides: &Value) -> Result<Rendered, String> {
        let mut values = self.defaults.clone();
        merge(&mut values, overrides);
        let errors: Vec<String> = self
            .schema
            .iter_errors(&values)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        if !errors.is_empty() {
            return Err(format!(
                "values don't meet values.schema.json: {}",
                errors.join("; ")
            ));
        }
        let data = json!({
            "Values": values,
            "Chart": self.meta,
            "Release": {"Name": RELEASE, "Namespace": NAMESPACE, "Service": "Helm",
                        "IsInstall": true, "IsUpgrade": false, "Revision": 1},
            "Template": {"BasePath": "pacto-operator/templates"},
        });
        let mut docs = Vec::new();
        let mut notes = String::new();
        for file in &self.files {
            if file.starts_with('_') {
                continue;
            }
            let out = self.templates.render(file, &data)?;
            if file == "NOTES.txt" {
                notes = out;
                continue;
            }
            for doc in split_documents(&out) {
                let v: Value = serde_norway::from_str(&doc)
                    .map_err(|e| format!("{file}: rendered YAML does not parse: {e}\n{doc}"))?;
                if !v.is_null() {
                    docs.push((file.clone(), v));
                }
            }
        }
        Ok(Rendered {
            docs,
            notes,
            values: data["Values"].clone(),
        })
    }
}

/// Helm splits a template's output on `---` lines.
fn split_documents(out: &str) -> Vec<String> {
    let mut docs = vec![String::new()];
    for line in out.lines() {
        if line.trim_end() == "---" {
            docs.push(String::new());
        } else if let Some(d) = docs.last_mut() {
            d.push_str(line);
            d.push('\n');
        }
    }
    docs
}

// ---------------------------------------------------------------------------------------------
// Kubernetes validation

fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    None => return Some(format!("{path}.{k} is not a field of this kind")),
                    Some(w) => {
                        if let Some(d) = first_difference(v, w, &format!("{path}.{k}")) {
                            return Some(d);
                        }
                    }
                }
            }
            y.keys()
                .find(|k| !x.contains_key(*k))
                .map(|k| format!("{path}.{k} appeared"))
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (v, w))| first_difference(v, w, &format!("{path}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!("{path}: {a} came back as {b}")),
    }
}

/// Deserialize into the Kubernetes type and serialize back: required fields and types are
/// checked by the first step, unknown fields by the comparison.
fn round_trip<T: DeserializeOwned + Serialize>(doc: &Value) -> Result<(), String> {
    let typed: T = serde_json::from_value(doc.clone()).map_err(|e| e.to_string())?;
    let back = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
    match first_difference(doc, &back, "") {
        None => Ok(()),
        Some(d) => Err(d),
    }
}

fn crd_schema(kind: &str) -> Value {
    let name_253 = json!({"type": "string", "minLength": 1, "maxLength": 253});
    let port = json!({"type": "integer", "minimum": 1, "maximum": 65535});
    let head = |spec: Value| {
        json!({
            "type": "object",
            "required": ["apiVersion", "kind", "metadata", "spec"],
            "additionalProperties": false,
            "properties": {
                "apiVersion": {"type": "string"}, "kind": {"type": "string"},
                "metadata": {"type": "object"}, "spec": spec
            }
        })
    };
    match kind {
        // gateway.networking.k8s.io/v1 HTTPRoute (Gateway API standard channel CRD).
        "HTTPRoute" => head(json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "parentRefs": {"type": "array", "maxItems": 32, "items": {
                    "type": "object", "required": ["name"], "additionalProperties": false,
                    "properties": {
                        "group": {"type": "string", "maxLength": 253},
                        "kind": {"type": "string", "minLength": 1, "maxLength": 63},
                        "namespace": {"type": "string", "minLength": 1, "maxLength": 63},
                        "name": name_253, "sectionName": {"type": "string"}, "port": port}}},
                "hostnames": {"type": "array", "maxItems": 16, "items": {
                    "type": "string", "maxLength": 253,
                    "pattern": "^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"}},
                "rules": {"type": "array", "maxItems": 16, "items": {
                    "type": "object", "additionalProperties": false,
                    "properties": {
                        "name": {"type": "string"},
                        "matches": {"type": "array", "maxItems": 64, "items": {
                            "type": "object", "additionalProperties": false,
                            "properties": {
                                "path": {"type": "object", "additionalProperties": false, "properties": {
                                    "type": {"enum": ["Exact", "PathPrefix", "RegularExpression"]},
                                    "value": {"type": "string", "maxLength": 1024}}},
                                "headers": {"type": "array"}, "queryParams": {"type": "array"},
                                "method": {"type": "string"}}}},
                        "filters": {"type": "array", "maxItems": 16},
                        "backendRefs": {"type": "array", "maxItems": 16, "items": {
                            "type": "object", "required": ["name"], "additionalProperties": false,
                            "properties": {
                                "group": {"type": "string"}, "kind": {"type": "string"},
                                "name": name_253, "namespace": {"type": "string"}, "port": port,
                                "weight": {"type": "integer", "minimum": 0, "maximum": 1000000},
                                "filters": {"type": "array"}}}},
                        "timeouts": {"type": "object"}}}}
            }
        })),
        // monitoring.coreos.com/v1 ServiceMonitor (Prometheus operator CRD).
        "ServiceMonitor" => {
            let duration = json!({"type": "string",
                "pattern": "^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$"});
            head(json!({
                "type": "object",
                "required": ["selector"],
                "additionalProperties": false,
                "properties": {
                    "selector": {"type": "object", "additionalProperties": false, "properties": {
                        "matchLabels": {"type": "object", "additionalProperties": {"type": "string"}},
                        "matchExpressions": {"type": "array"}}},
                    "namespaceSelector": {"type": "object"},
                    "jobLabel": {"type": "string"},
                    "endpoints": {"type": "array", "items": {
                        "type": "object", "additionalProperties": false,
                        "properties": {
                            "port": {"type": "string"}, "path": {"type": "string"},
                            "scheme": {"enum": ["http", "https", "HTTP", "HTTPS"]},
                            "interval": duration, "scrapeTimeout": duration,
                            "bearerTokenFile": {"type": "string"},
                            "tlsConfig": {"type": "object", "additionalProperties": false, "properties": {
                                "insecureSkipVerify": {"type": "boolean"},
                                "serverName": {"type": "string"}, "caFile": {"type": "string"}}},
                            "honorLabels": {"type": "boolean"}}}}
                }
            }))
        }
        _ => Value::Bool(false),
    }
}

fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

fn is_dns_label(s: &str) -> bool {
    s.len() <= 63 && !s.contains('.') && is_dns_subdomain(s)
}

/// A label value or the name part of a label key (qualified name).
fn is_label_value(s: &str) -> bool {
    s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        && s.bytes().next().is_none_or(|b| b.is_ascii_alphanumeric())
        && s.bytes().last().is_none_or(|b| b.is_ascii_alphanumeric())
}

fn check_metadata(doc: &Value, cluster_scoped: bool) -> Result<(), String> {
    let meta = &doc["metadata"];
    let n = name(doc);
    let name_ok = match doc["kind"].as_str() {
        Some("Service") => is_dns_label(n),
        Some("ClusterRole" | "ClusterRoleBinding" | "Role" | "RoleBinding") => {
            !n.is_empty() && !n.contains('/') && !n.contains('%')
        }
        _ => is_dns_subdomain(n),
    };
    if !name_ok {
        return Err(format!("invalid name {n:?}"));
    }
    match (cluster_scoped, meta.get("namespace")) {
        (true, Some(ns)) => return Err(format!("cluster-scoped object with namespace {ns}")),
        (false, Some(Value::String(ns))) if is_dns_label(ns) => {}
        (false, other) => return Err(format!("namespaced object with namespace {other:?}")),
        (true, None) => {}
    }
    let labels = meta["labels"].as_object().cloned().unwrap_or_default();
    let template_labels = doc["spec"]["template"]["metadata"]["labels"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for (k, v) in labels.iter().chain(template_labels.iter()) {
        let (prefix, key) = k.rsplit_once('/').unwrap_or(("", k));
        let ok = (prefix.is_empty() || is_dns_subdomain(prefix))
            && !key.is_empty()
            && is_label_value(key)
            && v.as_str().is_some_and(is_label_value);
        if !ok {
            return Err(format!("invalid label {k}: {v}"));
        }
    }
    Ok(())
}

fn validate_object(doc: &Value) -> Result<(), String> {
    let api = doc["apiVersion"].as_str().unwrap_or("");
    let kind = doc["kind"].as_str().unwrap_or("");
    let cluster_scoped = matches!(kind, "ClusterRole" | "ClusterRoleBinding");
    check_metadata(doc, cluster_scoped)?;
    match (api, kind) {
        ("v1", "ServiceAccount") => round_trip::<core::ServiceAccount>(doc),
        ("v1", "Service") => round_trip::<core::Service>(doc),
        ("apps/v1", "Deployment") => round_trip::<apps::Deployment>(doc),
        ("rbac.authorization.k8s.io/v1", "ClusterRole") => round_trip::<rbac::ClusterRole>(doc),
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding") => {
            round_trip::<rbac::ClusterRoleBinding>(doc)
        }
        ("rbac.authorization.k8s.io/v1", "Role") => round_trip::<rbac::Role>(doc),
        ("rbac.authorization.k8s.io/v1", "RoleBinding") => round_trip::<rbac::RoleBinding>(doc),
        ("networking.k8s.io/v1", "Ingress") => round_trip::<net::Ingress>(doc),
        ("gateway.networking.k8s.io/v1", "HTTPRoute")
        | ("monitoring.coreos.com/v1", "ServiceMonitor") => {
            let schema = crd_schema(kind);
            let v = jsonschema::options().build(&schema).unwrap();
            let errors: Vec<String> = v
                .iter_errors(doc)
                .map(|e| format!("{}: {e}", e.instance_path()))
                .collect();
            if errors.is_empty() {
                Ok(())
            } else {
                Err(errors.join("; "))
            }
        }
        _ => Err(format!("{api} {kind} is not a kind this test can validate")),
    }
}

fn labels_match(selector: &Value, labels: &Value) -> bool {
    selector
        .as_object()
        .is_some_and(|s| !s.is_empty() && s.iter().all(|(k, v)| labels.get(k) == Some(v)))
}

/// References between the rendered objects: selectors select, backends exist.
fn check_references(r: &Rendered) -> Result<(), String> {
    let deployments = r.of_kind("Deployment");
    for d in &deployments {
        let pod_labels = &d["spec"]["template"]["metadata"]["labels"];
        if !labels_match(&d["spec"]["selector"]["matchLabels"], pod_labels) {
            return Err(format!(
                "Deployment {}: selector does not select its pods",
                name(d)
            ));
        }
    }
    let services = r.of_kind("Service");
    for s in &services {
        let selector = &s["spec"]["selector"];
        let pods: Vec<&&Value> = deployments
            .iter()
            .filter(|d| labels_match(selector, &d["spec"]["template"]["metadata"]["labels"]))
            .collect();
        let managed = r.values["dashboard"]["managedByOperator"] == true
            && *selector
                == serde_json::to_value(pacto_operator::dashboard::selector_labels()).unwrap();
        if pods.is_empty() && !managed {
            return Err(format!("Service {} selects no rendered pods", name(s)));
        }
        for p in s["spec"]["ports"].as_array().unwrap() {
            if let Some(target) = p["targetPort"].as_str() {
                let found = pods.iter().any(|d| {
                    d["spec"]["template"]["spec"]["containers"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|c| {
                            c["ports"]
                                .as_array()
                                .is_some_and(|ps| ps.iter().any(|cp| cp["name"] == target))
                        })
                });
                if !found && !managed {
                    return Err(format!(
                        "Service {}: no container port named {target}",
                        name(s)
                    ));
                }
            }
        }
    }
    let service_port = |svc: &str, port: &Value| {
        r.find("Service", svc).is_some_and(|s| {
            s["spec"]["ports"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["port"] == *port)
        })
    };
    for ing in r.of_kind("Ingress") {
        for rule in ing["spec"]["rules"].as_array().unwrap() {
            for p in rule["http"]["paths"].as_array().unwrap() {
                let svc = &p["backend"]["service"];
                if !service_port(svc["name"].as_str().unwrap(), &svc["port"]["number"]) {
                    return Err(format!(
                        "Ingress backend {svc} is not a rendered Service port"
                    ));
                }
            }
        }
    }
    for route in r.of_kind("HTTPRoute") {
        for rule in route["spec"]["rules"].as_array().unwrap() {
            for b in rule["backendRefs"].as_array().into_iter().flatten() {
                if !service_port(b["name"].as_str().unwrap(), &b["port"]) {
                    return Err(format!(
                        "HTTPRoute backend {b} is not a rendered Service port"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// `pacto-operator ARGS… --help` exits 0 only when clap accepted every ARG (names and values)
/// before reaching `--help`.
fn binary_accepts(args: &[String]) -> Result<(), String> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pacto-operator"))
        .args(args)
        .arg("--help")
        .output()
        .unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "pacto-operator refuses {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn check_all(r: &Rendered) -> Result<(), String> {
    for (file, doc) in &r.docs {
        validate_object(doc).map_err(|e| {
            format!(
                "{file}: {} {}: {e}",
                doc["kind"].as_str().unwrap_or("?"),
                name(doc)
            )
        })?;
    }
    check_references(r)?;
    binary_accepts(&r.operator_args())
}

// ---------------------------------------------------------------------------------------------
// The documented values combinations

fn combinations() -> Vec<(&'static str, Value)> {
    vec![
        ("defaults", json!({})),
        (
            "dashboard on (chart-managed)",
            json!({"dashboard": {"enabled": true}}),
        ),
        (
            "dashboard on, NodePort",
            json!({"dashboard": {"enabled": true, "service": {"type": "NodePort", "nodePort": 30300}}}),
        ),
        (
            "dashboard managed by the operator",
            json!({"fullnameOverride": "pacto-op", "dashboard": {"enabled": true, "managedByOperator": true,
                   "ociSecrets": ["ghcr-creds", "ecr-creds"], "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}}),
        ),
        (
            "managed dashboard, one OCI secret",
            json!({"fullnameOverride": "pacto-op", "dashboard": {"enabled": true, "managedByOperator": true, "ociSecret": "oci-creds"}}),
        ),
        (
            "metrics secure with a ServiceMonitor",
            json!({"metrics": {"serviceMonitor": {"enabled": true, "labels": {"release": "prom"}}}}),
        ),
        (
            "metrics insecure",
            json!({"metrics": {"secure": false, "service": {"port": 8080}, "serviceMonitor": {"enabled": true}}}),
        ),
        ("metrics off", json!({"metrics": {"enabled": false}})),
        (
            "Ingress on",
            json!({"dashboard": {"enabled": true, "ingress": {"enabled": true, "className": "nginx",
                   "annotations": {"cert-manager.io/cluster-issuer": "letsencrypt"},
                   "hosts": [{"host": "pacto.example.com", "paths": [{"path": "/", "pathType": "Prefix"}, {"path": "/api", "pathType": "Exact"}]}],
                   "tls": [{"secretName": "pacto-tls", "hosts": ["pacto.example.com"]}]}}}),
        ),
        (
            "Ingress on, defaults",
            json!({"dashboard": {"enabled": true, "ingress": {"enabled": true}}}),
        ),
        (
            "HTTPRoute on",
            json!({"dashboard": {"enabled": true, "httpRoute": {"enabled": true,
                   "parentRefs": [{"name": "main-gateway", "namespace": "gateway-system"}],
                   "hostnames": ["pacto.example.com"]}}}),
        ),
        (
            "HTTPRoute with rules",
            json!({"dashboard": {"enabled": true, "service": {"port": 8080}, "httpRoute": {"enabled": true,
                   "parentRefs": [{"name": "gw", "sectionName": "https"}],
                   "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/pacto"}}],
                              "backendRefs": [{"name": "pacto-operator-dashboard", "port": 8080}]}]}}}),
        ),
        (
            "Ingress and HTTPRoute with a managed dashboard",
            json!({"fullnameOverride": "pacto-op", "dashboard": {"enabled": true, "managedByOperator": true,
                   "ingress": {"enabled": true}, "httpRoute": {"enabled": true, "parentRefs": [{"name": "gw"}]}}}),
        ),
        (
            "watchNamespace set",
            json!({"controller": {"watchNamespace": "production"}, "dashboard": {"enabled": true}}),
        ),
        (
            "stabilizationWindow",
            json!({"controller": {"stabilizationWindow": "90s"}}),
        ),
        (
            "enableProbing",
            json!({"controller": {"enableProbing": true}}),
        ),
        (
            "enableMetricsObservation",
            json!({"controller": {"enableMetricsObservation": true}}),
        ),
        (
            "interfaceNameMatchDiscovery",
            json!({"controller": {"interfaceNameMatchDiscovery": true}}),
        ),
        (
            "probeEndpoints off",
            json!({"controller": {"probeEndpoints": false}}),
        ),
        (
            "syncAllTags off",
            json!({"controller": {"syncAllTags": false}}),
        ),
        (
            "registry settings",
            json!({"controller": {"registrySecret": "oci-creds", "plainHttp": true,
                   "extraEnv": [{"name": "RUST_LOG", "value": "debug"}]}}),
        ),
        (
            // Valid names that YAML would read as numbers unless the chart quotes them.
            "numeric names",
            json!({"controller": {"watchNamespace": "2024", "registrySecret": "42"},
                   "dashboard": {"enabled": true}}),
        ),
        (
            "leader election off",
            json!({"leaderElection": {"enabled": false}}),
        ),
        (
            "pod placement and metadata",
            json!({"imagePullSecrets": [{"name": "regcred"}], "podAnnotations": {"a.example/b": "c"},
                   "podLabels": {"team": "platform"}, "nodeSelector": {"kubernetes.io/os": "linux"},
                   "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "ops", "effect": "NoSchedule"}],
                   "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                       {"matchExpressions": [{"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]}]}]}}},
                   "image": {"tag": "0.2.0", "pullPolicy": "Always"}, "replicaCount": 2}),
        ),
        (
            "existing ServiceAccount",
            json!({"serviceAccount": {"create": false, "name": "pacto-sa"}}),
        ),
        (
            "ServiceAccount annotations, name override",
            json!({"nameOverride": "pacto", "serviceAccount": {"annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/x"}, "automount": false}}),
        ),
    ]
}

#[test]
fn every_documented_values_combination_renders_valid_kubernetes_objects() {
    let chart = chart();
    let mut failures = Vec::new();
    for (what, overrides) in combinations() {
        match chart.render(&overrides).and_then(|r| check_all(&r)) {
            Ok(()) => {}
            Err(e) => failures.push(format!("{what}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn defaults_render_the_operator_and_nothing_optional() {
    let r = chart().render(&json!({})).unwrap();
    assert_eq!(
        r.kinds(),
        [
            "Deployment/pacto-operator",
            "ClusterRole/pacto-operator-metrics-auth",
            "ClusterRoleBinding/pacto-operator-metrics-auth",
            "ClusterRole/pacto-operator-metrics-reader",
            "Service/pacto-operator-metrics",
            "ClusterRole/pacto-operator-manager",
            "ClusterRoleBinding/pacto-operator-manager",
            "Role/pacto-operator-leader-election",
            "RoleBinding/pacto-operator-leader-election",
            "ServiceAccount/pacto-operator",
        ]
    );
    assert_eq!(
        r.operator_args(),
        [
            "--leader-elect=true",
            "--health-probe-bind-address=:8081",
            "--metrics-bind-address=:8443",
            "--metrics-secure=true",
            "--probe-endpoints=true",
            "--sync-all-tags=true",
            "--stabilization-window=2m0s",
            "--enable-probing=false",
            "--enable-metrics-observation=false",
            "--interface-name-match-discovery=false",
        ]
    );
    assert!(r.notes.contains("kubectl get pactos -A"), "{}", r.notes);
    let d = r.find("Deployment", "pacto-operator").unwrap();
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["image"],
        "ghcr.io/pacto-rs/pacto-operator:0.1.0"
    );
    assert_eq!(
        d["spec"]["template"]["spec"]["securityContext"],
        json!({"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}})
    );
}

#[test]
fn dashboard_ingress_routes_to_the_dashboard_service_like_the_go_chart() {
    let chart = chart();
    // Off by default, and off without the dashboard even when asked for.
    for overrides in [
        json!({"dashboard": {"enabled": true}}),
        json!({"dashboard": {"ingress": {"enabled": true}}}),
    ] {
        assert!(chart
            .render(&overrides)
            .unwrap()
            .of_kind("Ingress")
            .is_empty());
    }
    let r = chart
        .render(&json!({"dashboard": {"enabled": true, "ingress": {"enabled": true}}}))
        .unwrap();
    let ing = r.find("Ingress", "pacto-operator-dashboard").unwrap();
    // Go's defaults: host pacto-dashboard.local, path / Prefix, no class, no TLS.
    assert_eq!(
        ing["spec"],
        json!({"rules": [{"host": "pacto-dashboard.local", "http": {"paths": [{
            "path": "/", "pathType": "Prefix",
            "backend": {"service": {"name": "pacto-operator-dashboard", "port": {"number": 3000}}}}]}}]})
    );
    assert_eq!(ing["metadata"]["namespace"], NAMESPACE);
    check_all(&r).unwrap();

    let r = chart
        .render(
            &json!({"dashboard": {"enabled": true, "ingress": {"enabled": true,
            "className": "nginx", "annotations": {"a.example/x": "y"},
            "tls": [{"secretName": "pacto-tls", "hosts": ["pacto.example.com"]}]}}}),
        )
        .unwrap();
    let ing = r.find("Ingress", "pacto-operator-dashboard").unwrap();
    assert_eq!(ing["spec"]["ingressClassName"], "nginx");
    assert_eq!(ing["metadata"]["annotations"], json!({"a.example/x": "y"}));
    assert_eq!(
        ing["spec"]["tls"],
        json!([{"hosts": ["pacto.example.com"], "secretName": "pacto-tls"}])
    );
}

#[test]
fn dashboard_httproute_defaults_to_one_catch_all_rule_like_the_go_chart() {
    let chart = chart();
    assert!(chart
        .render(&json!({"dashboard": {"enabled": true}}))
        .unwrap()
        .of_kind("HTTPRoute")
        .is_empty());
    let r = chart
        .render(
            &json!({"dashboard": {"enabled": true, "httpRoute": {"enabled": true,
            "parentRefs": [{"name": "main-gateway", "namespace": "gateway-system"}],
            "hostnames": ["pacto.example.com"]}}}),
        )
        .unwrap();
    let route = r.find("HTTPRoute", "pacto-operator-dashboard").unwrap();
    assert_eq!(route["apiVersion"], "gateway.networking.k8s.io/v1");
    assert_eq!(
        route["spec"],
        json!({
            "parentRefs": [{"name": "main-gateway", "namespace": "gateway-system"}],
            "hostnames": ["pacto.example.com"],
            "rules": [{"backendRefs": [{"name": "pacto-operator-dashboard", "port": 3000}]}]
        })
    );
    let rules = json!([{"matches": [{"path": {"type": "PathPrefix", "value": "/pacto"}}],
                        "backendRefs": [{"name": "pacto-operator-dashboard", "port": 3000}]}]);
    let r = chart
        .render(
            &json!({"dashboard": {"enabled": true, "httpRoute": {"enabled": true,
            "parentRefs": [{"name": "gw"}], "rules": rules}}}),
        )
        .unwrap();
    assert_eq!(
        r.find("HTTPRoute", "pacto-operator-dashboard").unwrap()["spec"]["rules"],
        rules
    );
    check_all(&r).unwrap();
}

#[test]
fn each_evaluation_flag_reaches_the_operator_args() {
    let chart = chart();
    for (overrides, arg) in [
        (
            json!({"controller": {"watchNamespace": "prod"}}),
            "--watch-namespace=prod",
        ),
        (
            json!({"controller": {"stabilizationWindow": "90s"}}),
            "--stabilization-window=90s",
        ),
        (
            json!({"controller": {"enableProbing": true}}),
            "--enable-probing=true",
        ),
        (
            json!({"controller": {"enableMetricsObservation": true}}),
            "--enable-metrics-observation=true",
        ),
        (
            json!({"controller": {"interfaceNameMatchDiscovery": true}}),
            "--interface-name-match-discovery=true",
        ),
        (
            json!({"controller": {"probeEndpoints": false}}),
            "--probe-endpoints=false",
        ),
        (
            json!({"controller": {"syncAllTags": false}}),
            "--sync-all-tags=false",
        ),
        (
            json!({"leaderElection": {"enabled": false}}),
            "--leader-elect=false",
        ),
        (
            json!({"metrics": {"secure": false}}),
            "--metrics-secure=false",
        ),
        (
            json!({"metrics": {"enabled": false}}),
            "--metrics-bind-address=0",
        ),
    ] {
        let args = chart.render(&overrides).unwrap().operator_args();
        assert!(args.iter().any(|a| a == arg), "{arg} not in {args:?}");
        binary_accepts(&args).unwrap();
    }
    // The watched namespace also scopes the chart's dashboard.
    let r = chart
        .render(&json!({"controller": {"watchNamespace": "prod"}, "dashboard": {"enabled": true}}))
        .unwrap();
    let d = r.find("Deployment", "pacto-operator-dashboard").unwrap();
    let env = &d["spec"]["template"]["spec"]["containers"][0]["env"];
    assert!(env
        .as_array()
        .unwrap()
        .contains(&json!({"name": "PACTO_WATCH_NAMESPACE", "value": "prod"})));
}

#[test]
fn metrics_modes_render_the_matching_objects() {
    let chart = chart();
    let secure = chart
        .render(&json!({"metrics": {"serviceMonitor": {"enabled": true}}}))
        .unwrap();
    let sm = &secure.of_kind("ServiceMonitor")[0]["spec"]["endpoints"][0];
    assert_eq!(sm["scheme"], "https");
    assert_eq!(sm["tlsConfig"]["insecureSkipVerify"], true);
    assert!(secure
        .find("ClusterRole", "pacto-operator-metrics-reader")
        .is_some());

    let plain = chart
        .render(&json!({"metrics": {"secure": false, "service": {"port": 8080}, "serviceMonitor": {"enabled": true}}}))
        .unwrap();
    assert_eq!(
        plain.of_kind("ServiceMonitor")[0]["spec"]["endpoints"][0]["scheme"],
        "http"
    );
    assert!(plain
        .find("ClusterRole", "pacto-operator-metrics-reader")
        .is_none());
    assert!(plain
        .operator_args()
        .contains(&"--metrics-bind-address=:8080".to_string()));

    let off = chart
        .render(&json!({"metrics": {"enabled": false}}))
        .unwrap();
    assert!(off.of_kind("Service").is_empty());
    assert!(off.of_kind("ServiceMonitor").is_empty());
}

#[test]
fn managed_dashboard_renders_the_operator_flags_and_no_chart_pods() {
    let r = chart()
        .render(&json!({"fullnameOverride": "pacto-op", "dashboard": {"enabled": true, "managedByOperator": true,
            "ociSecrets": ["a", "b"], "ociSecret": "ignored"}}))
        .unwrap();
    let args = r.operator_args();
    for a in [
        "--enable-dashboard",
        "--dashboard-image=ghcr.io/pacto-rs/pacto-dashboard:0.1.0",
        "--dashboard-oci-secrets=a,b",
        "--dashboard-cpu-request=50m",
        "--dashboard-memory-request=128Mi",
        "--dashboard-memory-limit=512Mi",
    ] {
        assert!(args.iter().any(|x| x == a), "{a} not in {args:?}");
    }
    assert!(!args
        .iter()
        .any(|x| x.starts_with("--dashboard-oci-secret=")));
    assert!(!args.iter().any(|x| x.starts_with("--dashboard-cpu-limit")));
    assert!(r.find("Deployment", "pacto-op-dashboard").is_none());
    assert!(r.find("Service", "pacto-op-dashboard").is_some());
    assert!(r
        .find("ClusterRole", "pacto-op-dashboard-manager")
        .is_some());
    check_all(&r).unwrap();
}

#[test]
fn chart_failures_and_schema_refusals_stop_the_render() {
    let chart = chart();
    let err = chart
        .render(&json!({"dashboard": {"enabled": true, "image": {"tag": "latest"}}}))
        .err()
        .unwrap();
    assert!(err.contains("latest"), "{err}");
    for bad in [
        json!({"controller": {"stabilizationWindow": "2 minutes"}}),
        json!({"controller": {"enableProbing": "yes"}}),
        json!({"dashboard": {"ingress": {"enabled": true, "hosts": [{"host": "x", "paths": [{"path": "/"}]}]}}}),
        json!({"dashboard": {"httpRoute": {"parentRefs": [{"namespace": "gw"}]}}}),
        json!({"dashboard": {"ingres": {"enabled": true}}}),
    ] {
        let err = chart
            .render(&bad)
            .err()
            .unwrap_or_else(|| panic!("{bad} rendered"));
        assert!(err.contains("values.schema.json"), "{err}");
    }
    // The schema-free failure the fullname guard catches.
    let err = chart
        .render(&json!({"fullnameOverride": "pacto", "dashboard": {"enabled": true, "managedByOperator": true}}))
        .err()
        .unwrap();
    assert!(err.contains("choose another fullnameOverride"), "{err}");
}

/// The validation itself must refuse what the API server refuses.
#[test]
fn the_object_checks_refuse_broken_objects() {
    let r = chart()
        .render(&json!({"dashboard": {"enabled": true, "ingress": {"enabled": true}}}))
        .unwrap();
    let ing = r
        .find("Ingress", "pacto-operator-dashboard")
        .unwrap()
        .clone();
    let mut typo = ing.clone();
    typo["spec"]["rules"][0]["http"]["paths"][0]["pathTyp"] = json!("Prefix");
    assert!(validate_object(&typo).unwrap_err().contains("pathTyp"));
    let mut missing = ing.clone();
    missing["spec"]["rules"][0]["http"]["paths"][0]
        .as_object_mut()
        .unwrap()
        .remove("pathType");
    assert!(validate_object(&missing).is_err());
    let mut wrong_type = ing;
    wrong_type["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"]["number"] =
        json!("3000");
    assert!(validate_object(&wrong_type).is_err());

    let d = r.find("Deployment", "pacto-operator").unwrap().clone();
    let mut bad_label = d.clone();
    bad_label["metadata"]["labels"]["x"] = json!("not valid!");
    assert!(validate_object(&bad_label).unwrap_err().contains("label"));
    let mut no_ns = d;
    no_ns["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("namespace");
    assert!(validate_object(&no_ns).is_err());

    let route = json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
        "metadata": {"name": "r", "namespace": "ns"},
        "spec": {"rules": [{"backendRefs": [{"port": 3000}]}]}});
    assert!(
        validate_object(&route).is_err(),
        "a backendRef needs a name"
    );

    let mut broken = r;
    broken
        .docs
        .retain(|(_, d)| d["kind"] != "Deployment" || name(d) != "pacto-operator-dashboard");
    assert!(check_references(&broken)
        .unwrap_err()
        .contains("selects no rendered pods"));
    assert!(binary_accepts(&["--stabilization-window=2 minutes".into()]).is_err());
    assert!(binary_accepts(&["--no-such-flag".into()]).is_err());
}

// ---------------------------------------------------------------------------------------------
// The renderer

fn render_one(src: &str, data: &Value) -> Result<String, String> {
    let mut t = gotmpl::Templates::default();
    t.add("t.yaml", src)?;
    t.render("t.yaml", data)
}

#[test]
fn renderer_follows_go_template_semantics_for_the_chart_subset() {
    let data = json!({"Values": {"a": "x", "n": 3, "list": ["p", "q"], "m": {"k": "v", "e": ""}, "off": false}});
    let cases = [
        ("a\n  {{- .Values.a }}\n", "ax\n"),
        ("{{ .Values.a -}}  \n b", "xb"),
        (
            "{{ if .Values.off }}1{{ else if .Values.n }}2{{ else }}3{{ end }}",
            "2",
        ),
        ("{{ with .Values.m }}{{ .k }}{{ end }}", "v"),
        ("{{ with .Values.m.e }}x{{ else }}empty{{ end }}", "empty"),
        ("{{ range .Values.list }}[{{ . }}]{{ end }}", "[p][q]"),
        ("{{ range .Values.none }}x{{ else }}none{{ end }}", "none"),
        ("{{ .Values.missing }}", ""),
        ("{{ $x := .Values.a }}{{ $x }}{{ $.Values.n }}", "x3"),
        ("{{ .Values.missing | default \"d\" }}", "d"),
        (
            "{{ printf \"%s-%d\" .Values.a .Values.n | quote }}",
            "\"x-3\"",
        ),
        (
            "{{ and .Values.a .Values.off }}|{{ or .Values.off .Values.a }}",
            "false|x",
        ),
        (
            "{{ not .Values.off }}{{ eq .Values.n 3 }}{{ eq .Values.a \"y\" \"x\" }}",
            "truetruetrue",
        ),
        (
            "{{ \"abcdef-\" | trunc 4 }}{{ \"ab-\" | trimSuffix \"-\" }}",
            "abcdab",
        ),
        (
            "{{ contains \"b\" \"abc\" }}{{ replace \"+\" \"_\" \"1+2\" }}",
            "true1_2",
        ),
        ("{{ join \",\" .Values.list }}", "p,q"),
        (
            "x:{{ toYaml .Values.m | nindent 2 }}",
            "x:\n  e: \"\"\n  k: v",
        ),
        ("{{ toYaml .Values.list | indent 2 }}", "  - p\n  - q"),
    ];
    for (src, want) in cases {
        assert_eq!(render_one(src, &data).unwrap(), want, "{src}");
    }
    // include renders a define with its argument as `.` and `$`.
    let mut t = gotmpl::Templates::default();
    t.add(
        "_h.tpl",
        "{{- define \"n\" -}}{{ .a }}/{{ $.a }}{{- end -}}",
    )
    .unwrap();
    t.add("t.yaml", "{{ include \"n\" .Values }}").unwrap();
    assert_eq!(t.render("t.yaml", &data).unwrap(), "x/x");
}

#[test]
fn renderer_refuses_what_it_does_not_know() {
    let data = json!({"Values": {"a": "x", "m": {"k": "v"}}});
    for src in [
        "{{ .Values.a | upper }}",
        "{{ template \"x\" . }}",
        "{{/* a comment */}}",
        "{{ range $i, $v := .Values.m }}{{ end }}",
        "{{ .Values.none.deeper }}",
        "{{ .Values.a.b }}",
        "{{ if .Values.a }}unterminated",
        "{{ .Values.m }}",
        "{{ eq .Values.a 1 }}",
        "{{ include \"undefined\" . }}",
        "{{ fail \"stop\" }}",
        "{{ block \"b\" . }}{{ end }}",
    ] {
        assert!(render_one(src, &data).is_err(), "{src} rendered");
    }
    let err = render_one("line\n{{ .Values.a | upper }}", &data).unwrap_err();
    assert!(
        err.starts_with("t.yaml:2:") && err.contains("upper"),
        "{err}"
    );
}

#[test]
fn to_yaml_round_trips_values() {
    let v = json!({"z": [{"b": 1, "a": ["x", {"k": "true"}]}, "yes", "3", ""], "a": {"empty": {}, "list": []},
                   "s": "with: colon", "q": "say \"hi\"\nbye", "n": null, "f": 1.5});
    let text = gotmpl::to_yaml(&v);
    let back: Value = serde_norway::from_str(&text).unwrap();
    assert_eq!(back, v, "{text}");
}
