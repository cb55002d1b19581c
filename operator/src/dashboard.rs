//! The operator-managed dashboard (`--enable-dashboard`), compatible with the Go operator's
//! `internal/dashboard` runnable (spec OPERATOR-DASHBOARD.md §2.11).
//!
//! - The objects (Namespace, ServiceAccount, ClusterRole, ClusterRoleBinding, the merged OCI
//!   credentials Secret, Deployment, Service, all named `pacto-dashboard`) are built by pure
//!   functions returning `k8s-openapi` types;
//! - [`Dashboard::sync`] applies them with server-side apply (field manager
//!   [`FIELD_MANAGER`], force) in dependency order, or, when the dashboard is disabled, deletes
//!   the ones carrying our labels (Service, Deployment, Secret, ClusterRoleBinding, ClusterRole,
//!   ServiceAccount, foreground propagation);
//! - [`Dashboard::run`] syncs once, then every [`DEFAULT_INTERVAL`] while enabled. Errors are
//!   logged and retried; they never stop the operator.

use base64::Engine as _;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort, EmptyDirVolumeSource, EnvVar, HTTPGetAction, KeyToPath,
    Namespace, PodSecurityContext, PodSpec, PodTemplateSpec, Probe, ResourceRequirements,
    SeccompProfile, Secret, SecretVolumeSource, SecurityContext, Service, ServiceAccount,
    ServicePort, ServiceSpec, Volume, VolumeMount,
};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, PolicyRule, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, OwnerReference};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use k8s_openapi::ByteString;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use kube::Client;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::Mutex;
use std::time::Duration;

/// Name of every dashboard object.
pub const NAME: &str = "pacto-dashboard";
/// The managed Secret holding the merged OCI credentials (`kubernetes.io/dockerconfigjson`).
pub const SECRET_NAME: &str = "pacto-dashboard-oci-creds";
/// Server-side apply field manager.
pub const FIELD_MANAGER: &str = "pacto-operator-dashboard";
/// Re-sync period while enabled.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(300);
/// Dashboard HTTP port (container, probes and Service).
pub const PORT: i32 = 3000;

pub const LABEL_MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const LABEL_COMPONENT: &str = "app.kubernetes.io/component";
pub const LABEL_NAME: &str = "app.kubernetes.io/name";
pub const MANAGED_BY: &str = "pacto-operator";
pub const COMPONENT: &str = "dashboard";

/// Bound on each API call of a sync.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// Bound on a source OCI Secret's `.dockerconfigjson` (the API server caps Secrets at 1 MiB).
const MAX_DOCKER_CONFIG: usize = 1024 * 1024;

/// The image the operator deploys unless `--dashboard-image` says otherwise: set at build
/// time with `PACTO_DASHBOARD_IMAGE`, else the dashboard image of the same release as the
/// chart (`operator/chart/values.yaml`, `dashboard.image.repository`).
pub fn default_image() -> String {
    match option_env!("PACTO_DASHBOARD_IMAGE") {
        Some(i) if !i.is_empty() => i.to_string(),
        _ => format!(
            "ghcr.io/pacto-rs/pacto-dashboard:{}",
            env!("CARGO_PKG_VERSION")
        ),
    }
}

/// Invalid dashboard settings (reported at startup).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("the dashboard image is empty")]
    EmptyImage,
    #[error("dashboard image {0:?} has no tag: use a version tag (implicit latest is refused)")]
    UntaggedImage(String),
    #[error("dashboard image {0:?} uses the latest tag: use a version tag")]
    LatestImage(String),
    #[error("--{flag}={value:?} is not a valid quantity: {reason}")]
    Quantity {
        flag: &'static str,
        value: String,
        reason: String,
    },
    #[error("dashboard {resource} request {request} is greater than its limit {limit}")]
    RequestAboveLimit {
        resource: &'static str,
        request: String,
        limit: String,
    },
    #[error("{0:?} is not a valid Secret name (lowercase letters, digits, '-' and '.')")]
    SecretName(String),
    #[error("POD_NAMESPACE is empty")]
    EmptyNamespace,
}

/// Why a string is not a Kubernetes quantity.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QuantityError {
    #[error("empty")]
    Empty,
    #[error("longer than 64 characters")]
    TooLong,
    #[error("negative")]
    Negative,
    #[error("no number")]
    NoNumber,
    #[error("unknown suffix {0:?} (use n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent)")]
    Suffix(String),
    #[error("out of range")]
    Range,
}

/// Parse a Kubernetes resource quantity (`50m`, `128Mi`, `1.5`, `2e3`, `1G`) into its value in
/// base units (cores or bytes). Only non-negative quantities are accepted: a resource request
/// or limit cannot be negative.
pub fn parse_quantity(s: &str) -> Result<f64, QuantityError> {
    if s.is_empty() {
        return Err(QuantityError::Empty);
    }
    if s.len() > 64 {
        return Err(QuantityError::TooLong);
    }
    let (negative, rest) = match s.as_bytes()[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(end);
    let digits = number.chars().filter(char::is_ascii_digit).count();
    if digits == 0 || number.matches('.').count() > 1 {
        return Err(QuantityError::NoNumber);
    }
    if negative {
        return Err(QuantityError::Negative);
    }
    let value: f64 = number.parse().map_err(|_| QuantityError::NoNumber)?;
    let multiplier = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        s if s.starts_with(['e', 'E']) => {
            let exp = &s[1..];
            let body = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
                return Err(QuantityError::Suffix(s.to_string()));
            }
            let e: i32 = exp.parse().map_err(|_| QuantityError::Range)?;
            if !(-30..=30).contains(&e) {
                return Err(QuantityError::Range);
            }
            10f64.powi(e)
        }
        s => return Err(QuantityError::Suffix(s.to_string())),
    };
    let v = value * multiplier;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(QuantityError::Range)
    }
}

/// The Go operator's image rule: a tag is required and must not be `latest`. A digest
/// (`repo@sha256:…`) counts as pinned.
pub fn validate_image(image: &str) -> Result<(), ConfigError> {
    let image = image.trim();
    if image.is_empty() {
        return Err(ConfigError::EmptyImage);
    }
    if image.contains('@') {
        return Ok(());
    }
    // The tag is after the last ':' that follows the last '/' (a registry port is not a tag).
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        None | Some((_, "")) => Err(ConfigError::UntaggedImage(image.to_string())),
        Some((_, "latest")) => Err(ConfigError::LatestImage(image.to_string())),
        Some(_) => Ok(()),
    }
}

fn valid_secret_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 253
        && n.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && n.starts_with(|c: char| c.is_ascii_alphanumeric())
        && n.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// `--dashboard-oci-secrets` (comma-separated) wins over `--dashboard-oci-secret`.
pub fn effective_oci_secrets(single: &str, list: &str) -> Vec<String> {
    let many: Vec<String> = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if !many.is_empty() {
        return many;
    }
    Some(single.trim())
        .filter(|s| !s.is_empty())
        .map(|s| vec![s.to_string()])
        .unwrap_or_default()
}

/// Resource overrides; `None` keeps the default (requests cpu 50m / memory 128Mi, limit
/// memory 512Mi, no cpu limit).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceOverrides {
    pub cpu_request: Option<String>,
    pub cpu_limit: Option<String>,
    pub memory_request: Option<String>,
    pub memory_limit: Option<String>,
}

impl ResourceOverrides {
    /// The container resources: defaults with the overrides applied.
    pub fn requirements(&self) -> ResourceRequirements {
        let q = |s: &str| Quantity(s.to_string());
        let mut requests = BTreeMap::from([
            ("cpu".to_string(), q("50m")),
            ("memory".to_string(), q("128Mi")),
        ]);
        let mut limits = BTreeMap::from([("memory".to_string(), q("512Mi"))]);
        if let Some(v) = &self.cpu_request {
            requests.insert("cpu".to_string(), q(v));
        }
        if let Some(v) = &self.memory_request {
            requests.insert("memory".to_string(), q(v));
        }
        if let Some(v) = &self.cpu_limit {
            limits.insert("cpu".to_string(), q(v));
        }
        if let Some(v) = &self.memory_limit {
            limits.insert("memory".to_string(), q(v));
        }
        ResourceRequirements {
            requests: Some(requests),
            limits: Some(limits),
            ..Default::default()
        }
    }

    /// Every override is a quantity, and no request exceeds its limit (the API server would
    /// refuse the Deployment; better to say so at startup).
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (flag, v) in [
            ("dashboard-cpu-request", &self.cpu_request),
            ("dashboard-cpu-limit", &self.cpu_limit),
            ("dashboard-memory-request", &self.memory_request),
            ("dashboard-memory-limit", &self.memory_limit),
        ] {
            if let Some(v) = v {
                parse_quantity(v).map_err(|e| ConfigError::Quantity {
                    flag,
                    value: v.clone(),
                    reason: e.to_string(),
                })?;
            }
        }
        let r = self.requirements();
        for resource in ["cpu", "memory"] {
            let get = |m: &Option<BTreeMap<String, Quantity>>| {
                m.as_ref()
                    .and_then(|m| m.get(resource))
                    .map(|q| q.0.clone())
            };
            if let (Some(req), Some(lim)) = (get(&r.requests), get(&r.limits)) {
                if let (Ok(a), Ok(b)) = (parse_quantity(&req), parse_quantity(&lim)) {
                    if a > b {
                        return Err(ConfigError::RequestAboveLimit {
                            resource,
                            request: req,
                            limit: lim,
                        });
                    }
                }
            }
        }
        Ok(())
    }
}

/// What the dashboard runnable is told at startup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `--enable-dashboard`; when false the runnable only cleans up.
    pub enabled: bool,
    pub image: String,
    /// The operator's namespace (`POD_NAMESPACE`): every namespaced object goes there.
    pub namespace: String,
    /// `--watch-namespace`, passed on as `PACTO_WATCH_NAMESPACE`.
    pub watch_namespace: Option<String>,
    /// Source Secrets (operator namespace) merged into [`SECRET_NAME`], in order.
    pub oci_secrets: Vec<String>,
    pub resources: ResourceOverrides,
    /// `OPERATOR_DEPLOYMENT_NAME`: the operator Deployment that owns the namespaced objects.
    pub owner_deployment: Option<String>,
}

impl Settings {
    /// Startup checks (only the enabled dashboard needs an image and valid settings).
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.namespace.is_empty() {
            return Err(ConfigError::EmptyNamespace);
        }
        if !self.enabled {
            return Ok(());
        }
        validate_image(&self.image)?;
        self.resources.validate()?;
        if let Some(bad) = self.oci_secrets.iter().find(|n| !valid_secret_name(n)) {
            return Err(ConfigError::SecretName(bad.clone()));
        }
        Ok(())
    }
}

fn s(v: &str) -> String {
    v.to_string()
}

/// Labels of every dashboard object.
pub fn labels() -> BTreeMap<String, String> {
    BTreeMap::from([
        (s(LABEL_MANAGED_BY), s(MANAGED_BY)),
        (s(LABEL_COMPONENT), s(COMPONENT)),
        (s(LABEL_NAME), s(NAME)),
    ])
}

/// The Deployment selector and the Service selector.
pub fn selector_labels() -> BTreeMap<String, String> {
    BTreeMap::from([(s(LABEL_COMPONENT), s(COMPONENT)), (s(LABEL_NAME), s(NAME))])
}

fn meta(name: &str, namespace: Option<&str>, owner: Option<&OwnerReference>) -> ObjectMeta {
    ObjectMeta {
        name: Some(s(name)),
        namespace: namespace.map(s),
        labels: Some(labels()),
        owner_references: owner.map(|o| vec![o.clone()]),
        ..Default::default()
    }
}

/// The owner reference to the operator's Deployment.
pub fn owner_reference(deployment: &str, uid: &str) -> OwnerReference {
    OwnerReference {
        api_version: s("apps/v1"),
        kind: s("Deployment"),
        name: s(deployment),
        uid: s(uid),
        controller: Some(true),
        // No blockOwnerDeletion: it would need update on deployments/finalizers where the
        // OwnerReferencesPermissionEnforcement admission plugin runs.
        block_owner_deletion: None,
    }
}

/// The namespace, created only when missing (never applied: it is usually the operator's own).
pub fn namespace(settings: &Settings) -> Namespace {
    Namespace {
        metadata: meta(&settings.namespace, None, None),
        ..Default::default()
    }
}

pub fn service_account(settings: &Settings, owner: Option<&OwnerReference>) -> ServiceAccount {
    ServiceAccount {
        metadata: meta(NAME, Some(&settings.namespace), owner),
        ..Default::default()
    }
}

/// Read-only access to Pactos, PactoRevisions and Services.
pub fn cluster_role() -> ClusterRole {
    let rule = |group: &str, resources: &[&str]| PolicyRule {
        api_groups: Some(vec![s(group)]),
        resources: Some(resources.iter().map(|r| s(r)).collect()),
        verbs: vec![s("get"), s("list"), s("watch")],
        ..Default::default()
    };
    ClusterRole {
        metadata: meta(NAME, None, None),
        rules: Some(vec![
            rule("pacto.trianalab.io", &["pactos", "pactorevisions"]),
            rule("", &["services"]),
        ]),
        ..Default::default()
    }
}

pub fn cluster_role_binding(settings: &Settings) -> ClusterRoleBinding {
    ClusterRoleBinding {
        metadata: meta(NAME, None, None),
        role_ref: RoleRef {
            api_group: s("rbac.authorization.k8s.io"),
            kind: s("ClusterRole"),
            name: s(NAME),
        },
        subjects: Some(vec![Subject {
            kind: s("ServiceAccount"),
            name: s(NAME),
            namespace: Some(settings.namespace.clone()),
            ..Default::default()
        }]),
    }
}

/// The managed credentials Secret holding `config_json` (see [`merge_oci_secrets`]).
pub fn oci_secret(
    settings: &Settings,
    config_json: &[u8],
    owner: Option<&OwnerReference>,
) -> Secret {
    Secret {
        metadata: meta(SECRET_NAME, Some(&settings.namespace), owner),
        type_: Some(s("kubernetes.io/dockerconfigjson")),
        data: Some(BTreeMap::from([(
            s(".dockerconfigjson"),
            ByteString(config_json.to_vec()),
        )])),
        ..Default::default()
    }
}

pub fn deployment(settings: &Settings, owner: Option<&OwnerReference>) -> Deployment {
    let env_var = |name: &str, value: &str| EnvVar {
        name: s(name),
        value: Some(s(value)),
        ..Default::default()
    };
    let mut env = vec![
        env_var("PACTO_DASHBOARD_PORT", &PORT.to_string()),
        env_var("PACTO_NO_UPDATE_CHECK", "1"),
    ];
    if let Some(ns) = settings
        .watch_namespace
        .as_deref()
        .filter(|n| !n.is_empty())
    {
        env.push(env_var("PACTO_WATCH_NAMESPACE", ns));
    }
    let mut mounts = vec![VolumeMount {
        name: s("cache"),
        mount_path: s("/home/pacto/.cache/pacto"),
        ..Default::default()
    }];
    let mut volumes = vec![Volume {
        name: s("cache"),
        empty_dir: Some(EmptyDirVolumeSource::default()),
        ..Default::default()
    }];
    if !settings.oci_secrets.is_empty() {
        // `.dockerconfigjson` becomes /home/pacto/.docker/config.json (HOME is /home/pacto).
        mounts.push(VolumeMount {
            name: s("oci-creds"),
            mount_path: s("/home/pacto/.docker"),
            read_only: Some(true),
            ..Default::default()
        });
        volumes.push(Volume {
            name: s("oci-creds"),
            secret: Some(SecretVolumeSource {
                secret_name: Some(s(SECRET_NAME)),
                items: Some(vec![KeyToPath {
                    key: s(".dockerconfigjson"),
                    path: s("config.json"),
                    ..Default::default()
                }]),
                optional: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        });
    }
    let probe = |initial: i32, period: i32| Probe {
        http_get: Some(HTTPGetAction {
            path: Some(s("/health")),
            port: IntOrString::Int(PORT),
            ..Default::default()
        }),
        initial_delay_seconds: Some(initial),
        period_seconds: Some(period),
        ..Default::default()
    };
    let container = Container {
        name: s("dashboard"),
        image: Some(settings.image.clone()),
        ports: Some(vec![ContainerPort {
            name: Some(s("http")),
            container_port: PORT,
            protocol: Some(s("TCP")),
            ..Default::default()
        }]),
        env: Some(env),
        volume_mounts: Some(mounts),
        liveness_probe: Some(probe(10, 30)),
        readiness_probe: Some(probe(5, 10)),
        security_context: Some(SecurityContext {
            read_only_root_filesystem: Some(true),
            allow_privilege_escalation: Some(false),
            capabilities: Some(Capabilities {
                drop: Some(vec![s("ALL")]),
                ..Default::default()
            }),
            ..Default::default()
        }),
        resources: Some(settings.resources.requirements()),
        ..Default::default()
    };
    Deployment {
        metadata: meta(NAME, Some(&settings.namespace), owner),
        spec: Some(DeploymentSpec {
            replicas: Some(1),
            selector: LabelSelector {
                match_labels: Some(selector_labels()),
                ..Default::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels()),
                    ..Default::default()
                }),
                spec: Some(PodSpec {
                    service_account_name: Some(s(NAME)),
                    security_context: Some(PodSecurityContext {
                        run_as_non_root: Some(true),
                        run_as_user: Some(65532),
                        seccomp_profile: Some(SeccompProfile {
                            type_: s("RuntimeDefault"),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }),
                    containers: vec![container],
                    volumes: Some(volumes),
                    termination_grace_period_seconds: Some(10),
                    ..Default::default()
                }),
            },
            ..Default::default()
        }),
        ..Default::default()
    }
}

pub fn service(settings: &Settings, owner: Option<&OwnerReference>) -> Service {
    Service {
        metadata: meta(NAME, Some(&settings.namespace), owner),
        spec: Some(ServiceSpec {
            type_: Some(s("ClusterIP")),
            selector: Some(selector_labels()),
            ports: Some(vec![ServicePort {
                name: Some(s("http")),
                port: PORT,
                target_port: Some(IntOrString::Int(PORT)),
                protocol: Some(s("TCP")),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A registry key as the Go operator writes it: no scheme, no path, `docker.io` →
/// `index.docker.io`.
pub fn normalize_registry(host: &str) -> String {
    let h = host.trim();
    let h = h.split_once("://").map_or(h, |(_, rest)| rest);
    let h = h.split('/').next().unwrap_or(h);
    if h == "docker.io" {
        "index.docker.io".to_string()
    } else {
        h.to_string()
    }
}

/// Merge source Secrets into one docker `config.json` (`{"auths": {host: entry}}`, keys
/// sorted). `kubernetes.io/dockerconfigjson` sources contribute every `auths` entry (only
/// `auth`, `username` and `password` are kept); Opaque sources need a `registry` key plus
/// `token` (written as `auth` = base64 `_token:<token>`) or `username` and `password`. A later
/// source wins for the same host. An unusable source is skipped with a warning (returned).
pub fn merge_oci_secrets(sources: &[Secret]) -> (Vec<u8>, Vec<String>) {
    let mut auths: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    let mut warnings = Vec::new();
    let b64 = base64::engine::general_purpose::STANDARD;
    for secret in sources {
        let name = secret.metadata.name.clone().unwrap_or_default();
        let data = secret.data.clone().unwrap_or_default();
        let text = |k: &str| {
            data.get(k)
                .and_then(|v| std::str::from_utf8(&v.0).ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        if secret.type_.as_deref() == Some("kubernetes.io/dockerconfigjson") {
            let Some(raw) = data.get(".dockerconfigjson") else {
                warnings.push(format!(
                    "OCI secret {name:?}: type kubernetes.io/dockerconfigjson but no .dockerconfigjson key; skipped"
                ));
                continue;
            };
            if raw.0.len() > MAX_DOCKER_CONFIG {
                warnings.push(format!(
                    "OCI secret {name:?}: .dockerconfigjson is larger than 1 MiB; skipped"
                ));
                continue;
            }
            let parsed: Result<serde_json::Value, _> = serde_json::from_slice(&raw.0);
            let Some(entries) = parsed
                .ok()
                .and_then(|v| v.get("auths").and_then(|a| a.as_object()).cloned())
            else {
                warnings.push(format!(
                    "OCI secret {name:?}: malformed .dockerconfigjson (no \"auths\" object); skipped"
                ));
                continue;
            };
            for (host, entry) in entries {
                let mut kept = serde_json::Map::new();
                for k in ["auth", "password", "username"] {
                    if let Some(v) = entry
                        .get(k)
                        .and_then(|v| v.as_str())
                        .filter(|v| !v.is_empty())
                    {
                        kept.insert(s(k), serde_json::Value::String(s(v)));
                    }
                }
                auths.insert(normalize_registry(&host), serde_json::Value::Object(kept));
            }
        } else {
            let Some(registry) = text("registry") else {
                warnings.push(format!(
                    "OCI secret {name:?}: an Opaque secret needs a \"registry\" key naming the registry host (e.g. ghcr.io); skipped"
                ));
                continue;
            };
            let entry = if let Some(token) = text("token") {
                serde_json::json!({"auth": b64.encode(format!("_token:{token}"))})
            } else if let (Some(u), Some(p)) = (text("username"), text("password")) {
                serde_json::json!({
                    "auth": b64.encode(format!("{u}:{p}")),
                    "password": p,
                    "username": u,
                })
            } else {
                warnings.push(format!(
                    "OCI secret {name:?}: needs a \"token\" key or \"username\" and \"password\"; skipped"
                ));
                continue;
            };
            auths.insert(normalize_registry(&registry), entry);
        }
    }
    let doc = serde_json::json!({ "auths": auths });
    (doc.to_string().into_bytes(), warnings)
}

/// What one sync did (every line is also logged).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// `Kind/name` of each object applied (or created), in order.
    pub applied: Vec<String>,
    /// `Kind/name` of each object deleted, in order.
    pub deleted: Vec<String>,
    /// Problems that did not stop the sync.
    pub warnings: Vec<String>,
    /// The failure that stopped it (retried at the next tick).
    pub error: Option<String>,
}

/// The dashboard runnable.
pub struct Dashboard {
    client: Client,
    settings: Settings,
    interval: Duration,
    owner: Mutex<Option<OwnerReference>>,
}

#[derive(Debug, thiserror::Error)]
enum CallError {
    #[error("{}", crate::apierror::brief(.0))]
    Kube(#[from] kube::Error),
    #[error("timed out after {}s", CALL_TIMEOUT.as_secs())]
    Timeout,
}

impl CallError {
    fn code(&self) -> Option<u16> {
        match self {
            CallError::Kube(kube::Error::Api(e)) => Some(e.code),
            _ => None,
        }
    }
}

async fn bounded<T>(
    f: impl std::future::Future<Output = Result<T, kube::Error>>,
) -> Result<T, CallError> {
    match tokio::time::timeout(CALL_TIMEOUT, f).await {
        Ok(r) => r.map_err(CallError::from),
        Err(_) => Err(CallError::Timeout),
    }
}

fn warn(report: &mut Report, msg: String) {
    tracing::warn!(component = "dashboard", "{msg}");
    report.warnings.push(msg);
}

impl Dashboard {
    pub fn new(client: Client, settings: Settings) -> Dashboard {
        Dashboard {
            client,
            settings,
            interval: DEFAULT_INTERVAL,
            owner: Mutex::new(None),
        }
    }

    /// Re-sync period (tests use a short one).
    pub fn with_interval(mut self, interval: Duration) -> Dashboard {
        self.interval = interval;
        self
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Sync once, then every interval while enabled; a failed sync is retried after at most a
    /// minute. Never returns while enabled; returns after the cleanup when disabled.
    pub async fn run(self) {
        tracing::info!(
            enabled = self.settings.enabled,
            image = %self.settings.image,
            namespace = %self.settings.namespace,
            "starting the dashboard reconciler"
        );
        loop {
            let report = self.sync().await;
            if !self.settings.enabled {
                return;
            }
            let wait = if report.error.is_some() {
                self.interval.min(Duration::from_secs(60))
            } else {
                self.interval
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// One pass: apply everything (enabled) or delete our objects (disabled).
    pub async fn sync(&self) -> Report {
        let mut report = Report::default();
        if self.settings.enabled {
            if let Err(e) = self.apply_all(&mut report).await {
                tracing::error!(component = "dashboard", error = %e, "dashboard reconciliation failed; retrying later");
                report.error = Some(e);
            } else {
                tracing::info!(component = "dashboard", "dashboard resources reconciled");
            }
        } else {
            self.cleanup(&mut report).await;
        }
        report
    }

    async fn owner(&self, report: &mut Report) -> Option<OwnerReference> {
        let name = self.settings.owner_deployment.as_deref()?;
        if let Ok(guard) = self.owner.lock() {
            if let Some(o) = guard.as_ref() {
                return Some(o.clone());
            }
        }
        let api: Api<Deployment> = Api::namespaced(self.client.clone(), &self.settings.namespace);
        match bounded(api.get(name)).await {
            Ok(d) => match d.metadata.uid.filter(|u| !u.is_empty()) {
                Some(uid) => {
                    let o = owner_reference(name, &uid);
                    if let Ok(mut guard) = self.owner.lock() {
                        *guard = Some(o.clone());
                    }
                    Some(o)
                }
                None => {
                    warn(report, format!("operator Deployment {name:?} has no uid; dashboard resources applied without an owner"));
                    None
                }
            },
            Err(e) => {
                warn(report, format!("looking up the operator Deployment {name:?} (OPERATOR_DEPLOYMENT_NAME) failed: {e}; dashboard resources applied without an owner"));
                None
            }
        }
    }

    async fn apply<K>(&self, api: Api<K>, obj: &K, report: &mut Report) -> Result<(), String>
    where
        K: kube::Resource + Clone + DeserializeOwned + Serialize + Debug,
        K::DynamicType: Default,
    {
        let kind = K::kind(&K::DynamicType::default()).to_string();
        let name = obj.meta().name.clone().unwrap_or_default();
        let pp = PatchParams::apply(FIELD_MANAGER).force();
        match bounded(api.patch(&name, &pp, &Patch::Apply(obj))).await {
            Ok(_) => {
                report.applied.push(format!("{kind}/{name}"));
                Ok(())
            }
            Err(e) if e.code() == Some(403) => Err(format!(
                "applying {kind}/{name} is forbidden (grant the operator the dashboard RBAC: chart value dashboard.managedByOperator=true): {e}"
            )),
            Err(e) => Err(format!("applying {kind}/{name}: {e}")),
        }
    }

    async fn ensure_namespace(&self, report: &mut Report) -> Result<(), String> {
        let api: Api<Namespace> = Api::all(self.client.clone());
        let ns = &self.settings.namespace;
        match bounded(api.get(ns)).await {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some(404) => {
                match bounded(api.create(&PostParams::default(), &namespace(&self.settings))).await
                {
                    Ok(_) => {
                        report.applied.push(format!("Namespace/{ns}"));
                        Ok(())
                    }
                    Err(e) if e.code() == Some(409) => Ok(()),
                    Err(e) => Err(format!("creating Namespace/{ns}: {e}")),
                }
            }
            // The operator runs in this namespace, so it exists; a missing `get` is no reason
            // to stop.
            Err(e) => {
                warn(
                    report,
                    format!("reading Namespace/{ns} failed ({e}); assuming it exists"),
                );
                Ok(())
            }
        }
    }

    async fn apply_all(&self, report: &mut Report) -> Result<(), String> {
        let st = &self.settings;
        let ns = st.namespace.as_str();
        let c = &self.client;
        self.ensure_namespace(report).await?;
        let owner = self.owner(report).await;
        let owner = owner.as_ref();
        self.apply(
            Api::<ServiceAccount>::namespaced(c.clone(), ns),
            &service_account(st, owner),
            report,
        )
        .await?;
        self.apply(Api::<ClusterRole>::all(c.clone()), &cluster_role(), report)
            .await?;
        self.apply(
            Api::<ClusterRoleBinding>::all(c.clone()),
            &cluster_role_binding(st),
            report,
        )
        .await?;
        self.oci_credentials(owner, report).await;
        self.apply(
            Api::<Deployment>::namespaced(c.clone(), ns),
            &deployment(st, owner),
            report,
        )
        .await?;
        self.apply(
            Api::<Service>::namespaced(c.clone(), ns),
            &service(st, owner),
            report,
        )
        .await?;
        Ok(())
    }

    /// Merge the source Secrets into [`SECRET_NAME`]; with none configured, delete ours. The
    /// mount is optional, so a problem here is a warning and the Deployment still goes out.
    async fn oci_credentials(&self, owner: Option<&OwnerReference>, report: &mut Report) {
        let st = &self.settings;
        let api: Api<Secret> = Api::namespaced(self.client.clone(), &st.namespace);
        if st.oci_secrets.is_empty() {
            self.prune(&api, "Secret", SECRET_NAME, report).await;
            return;
        }
        let mut sources = Vec::new();
        for name in &st.oci_secrets {
            match bounded(api.get(name)).await {
                Ok(secret) => sources.push(secret),
                Err(e) if e.code() == Some(404) => warn(
                    report,
                    format!(
                        "OCI secret {name:?} not found in namespace {}; skipped",
                        st.namespace
                    ),
                ),
                Err(e) => {
                    // Keep the managed Secret as it is rather than drop credentials because
                    // of a transient failure.
                    warn(
                        report,
                        format!(
                            "reading OCI secret {name:?} failed: {e}; {SECRET_NAME} left unchanged"
                        ),
                    );
                    return;
                }
            }
        }
        let (config, warnings) = merge_oci_secrets(&sources);
        for w in warnings {
            warn(report, w);
        }
        if let Err(e) = self
            .apply(api, &oci_secret(st, &config, owner), report)
            .await
        {
            warn(report, e);
        }
    }

    /// Delete `name` when it carries our managed-by and component labels. A missing object or
    /// a forbidden read means there is nothing of ours to delete; other failures are warnings.
    async fn prune<K>(&self, api: &Api<K>, kind: &str, name: &str, report: &mut Report)
    where
        K: kube::Resource + Clone + DeserializeOwned + Debug,
    {
        let obj = match bounded(api.get(name)).await {
            Ok(o) => o,
            Err(e) if e.code() == Some(404) => return,
            Err(e) if e.code() == Some(403) => {
                tracing::debug!(
                    kind,
                    name,
                    "dashboard cleanup: not allowed to read; skipped"
                );
                return;
            }
            Err(e) => {
                warn(
                    report,
                    format!("dashboard cleanup: reading {kind}/{name} failed: {e}"),
                );
                return;
            }
        };
        let l = obj.meta().labels.clone().unwrap_or_default();
        if l.get(LABEL_MANAGED_BY).map(String::as_str) != Some(MANAGED_BY)
            || l.get(LABEL_COMPONENT).map(String::as_str) != Some(COMPONENT)
        {
            tracing::debug!(kind, name, "dashboard cleanup: not managed by us; skipped");
            return;
        }
        match bounded(api.delete(name, &DeleteParams::foreground())).await {
            Ok(_) => {
                tracing::info!(kind, name, "deleted dashboard resource");
                report.deleted.push(format!("{kind}/{name}"));
            }
            Err(e) if e.code() == Some(404) => {}
            Err(e) => warn(
                report,
                format!("dashboard cleanup: deleting {kind}/{name} failed: {e}"),
            ),
        }
    }

    /// Disabled: delete our objects in reverse order of creation.
    async fn cleanup(&self, report: &mut Report) {
        let ns = self.settings.namespace.as_str();
        let c = &self.client;
        self.prune(
            &Api::<Service>::namespaced(c.clone(), ns),
            "Service",
            NAME,
            report,
        )
        .await;
        self.prune(
            &Api::<Deployment>::namespaced(c.clone(), ns),
            "Deployment",
            NAME,
            report,
        )
        .await;
        self.prune(
            &Api::<Secret>::namespaced(c.clone(), ns),
            "Secret",
            SECRET_NAME,
            report,
        )
        .await;
        self.prune(
            &Api::<ClusterRoleBinding>::all(c.clone()),
            "ClusterRoleBinding",
            NAME,
            report,
        )
        .await;
        self.prune(
            &Api::<ClusterRole>::all(c.clone()),
            "ClusterRole",
            NAME,
            report,
        )
        .await;
        self.prune(
            &Api::<ServiceAccount>::namespaced(c.clone(), ns),
            "ServiceAccount",
            NAME,
            report,
        )
        .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        let close = |s: &str, want: f64| {
            let got = parse_quantity(s).unwrap_or(f64::NAN);
            assert!(
                (got - want).abs() <= want.abs() * 1e-12,
                "{s}: {got} != {want}"
            );
        };
        close("50m", 0.05);
        close("1", 1.0);
        close("1.5", 1.5);
        close(".5", 0.5);
        close("2.", 2.0);
        close("+3", 3.0);
        close("128Mi", 128.0 * 1024.0 * 1024.0);
        close("1Gi", 1024f64.powi(3));
        close("1G", 1e9);
        close("2k", 2000.0);
        close("100u", 1e-4);
        close("5n", 5e-9);
        close("1E", 1e18);
        close("2e3", 2000.0);
        close("2E-3", 0.002);
        close("0", 0.0);
        for (bad, why) in [
            ("", QuantityError::Empty),
            ("-1", QuantityError::Negative),
            ("Mi", QuantityError::NoNumber),
            ("1.2.3", QuantityError::NoNumber),
            (".", QuantityError::NoNumber),
            ("10MB", QuantityError::Suffix("MB".into())),
            ("1 Gi", QuantityError::Suffix(" Gi".into())),
            ("1mi", QuantityError::Suffix("mi".into())),
            ("1e", QuantityError::Suffix("e".into())),
            ("1e3.5", QuantityError::Suffix("e3.5".into())),
            ("1e99", QuantityError::Range),
        ] {
            assert_eq!(parse_quantity(bad), Err(why), "{bad:?}");
        }
        assert_eq!(parse_quantity(&"1".repeat(65)), Err(QuantityError::TooLong));
    }

    #[test]
    fn resource_overrides_are_validated() {
        let ok = ResourceOverrides {
            cpu_limit: Some("200m".into()),
            memory_limit: Some("1Gi".into()),
            ..Default::default()
        };
        assert_eq!(ok.validate(), Ok(()));
        let bad = ResourceOverrides {
            memory_request: Some("12 8Mi".into()),
            ..Default::default()
        };
        let err = bad.validate().unwrap_err();
        assert!(
            err.to_string()
                .starts_with("--dashboard-memory-request=\"12 8Mi\" is not a valid quantity"),
            "{err}"
        );
        // The default memory request (128Mi) is above this limit.
        let above = ResourceOverrides {
            memory_limit: Some("64Mi".into()),
            ..Default::default()
        };
        assert_eq!(
            above.validate(),
            Err(ConfigError::RequestAboveLimit {
                resource: "memory",
                request: "128Mi".into(),
                limit: "64Mi".into()
            })
        );
        let cpu = ResourceOverrides {
            cpu_request: Some("1".into()),
            cpu_limit: Some("500m".into()),
            ..Default::default()
        };
        assert!(matches!(
            cpu.validate(),
            Err(ConfigError::RequestAboveLimit {
                resource: "cpu",
                ..
            })
        ));
    }

    #[test]
    fn image_tags() {
        for good in [
            "ghcr.io/pacto-rs/pacto-dashboard:0.1.0",
            "registry:5000/team/dash:v2",
            "dash:1",
            "ghcr.io/x/dash@sha256:0123abcd",
        ] {
            assert_eq!(validate_image(good), Ok(()), "{good}");
        }
        assert_eq!(
            validate_image("ghcr.io/x/dash:latest"),
            Err(ConfigError::LatestImage("ghcr.io/x/dash:latest".into()))
        );
        for untagged in ["ghcr.io/x/dash", "registry:5000/x/dash", "dash", "dash:"] {
            assert_eq!(
                validate_image(untagged),
                Err(ConfigError::UntaggedImage(untagged.into())),
                "{untagged}"
            );
        }
        assert_eq!(validate_image("  "), Err(ConfigError::EmptyImage));
        // The built-in default passes its own rule.
        assert_eq!(validate_image(&default_image()), Ok(()));
    }

    #[test]
    fn oci_secret_lists() {
        assert_eq!(effective_oci_secrets("one", ""), ["one"]);
        assert_eq!(effective_oci_secrets("one", " a, ,b "), ["a", "b"]);
        assert!(effective_oci_secrets(" ", ",").is_empty());
    }

    fn settings() -> Settings {
        Settings {
            enabled: true,
            image: default_image(),
            namespace: "pacto-system".into(),
            watch_namespace: None,
            oci_secrets: vec![],
            resources: ResourceOverrides::default(),
            owner_deployment: None,
        }
    }

    #[test]
    fn settings_validation() {
        assert_eq!(settings().validate(), Ok(()));
        let mut s = settings();
        s.oci_secrets = vec!["ok".into(), "../x".into()];
        assert_eq!(s.validate(), Err(ConfigError::SecretName("../x".into())));
        s.enabled = false;
        s.image = "x:latest".into();
        // Disabled: only the cleanup runs, nothing else to check.
        assert_eq!(s.validate(), Ok(()));
        s.namespace.clear();
        assert_eq!(s.validate(), Err(ConfigError::EmptyNamespace));
    }

    #[test]
    fn deployment_shape() {
        let mut st = settings();
        st.watch_namespace = Some("shop".into());
        st.oci_secrets = vec!["creds".into()];
        st.resources.cpu_limit = Some("250m".into());
        let owner = owner_reference("pacto-operator", "uid-1");
        let d = serde_json::to_value(deployment(&st, Some(&owner))).unwrap_or_default();
        assert_eq!(d["apiVersion"], "apps/v1");
        assert_eq!(d["metadata"]["ownerReferences"][0]["uid"], "uid-1");
        let pod = &d["spec"]["template"]["spec"];
        let c = &pod["containers"][0];
        assert_eq!(c["env"][2]["name"], "PACTO_WATCH_NAMESPACE");
        assert_eq!(c["env"][2]["value"], "shop");
        assert_eq!(c["resources"]["limits"]["cpu"], "250m");
        assert_eq!(c["resources"]["limits"]["memory"], "512Mi");
        assert_eq!(c["resources"]["requests"]["cpu"], "50m");
        assert_eq!(c["volumeMounts"][1]["mountPath"], "/home/pacto/.docker");
        assert_eq!(
            pod["volumes"][1]["secret"]["items"][0]["path"],
            "config.json"
        );
        // Without OCI secrets there is no credentials volume.
        let plain = serde_json::to_value(deployment(&settings(), None)).unwrap_or_default();
        assert_eq!(
            plain["spec"]["template"]["spec"]["volumes"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );
        assert!(plain["metadata"].get("ownerReferences").is_none());
    }

    #[test]
    fn registry_hosts() {
        assert_eq!(normalize_registry("https://ghcr.io/v2/"), "ghcr.io");
        assert_eq!(normalize_registry("docker.io"), "index.docker.io");
        assert_eq!(normalize_registry("http://h:5000"), "h:5000");
    }
}
