//! The fleet's live Kubernetes source (`pacto fleet --k8s`, Go's `fleetsrc.K8sSource` over
//! `k8sclient`): read the operator's `Pacto` resources through the kubeconfig (`KUBECONFIG`,
//! `~/.kube/config`, else the in-cluster service account), read-only and time-bounded. The list
//! is mapped to targets by the core (`pacto_core::fleet::k8s`); here only the cluster is read.
//!
//! As Go: the source id is the kubeconfig's current context (`k8s` when there is none); a
//! cluster without the Pacto CRD is reachable with nothing declared (an empty list, not an
//! error); no configuration, an unreachable API server or a refused list is an error the
//! snapshot records as an unavailable source (`SOURCE_UNAVAILABLE`), never a crash.

use kube::api::{Api, ApiResource, DynamicObject, ListParams};
use serde_json::{json, Value};
use std::time::Duration;

/// The operator's API group.
const GROUP: &str = "pacto.trianalab.io";
/// The version used when discovery does not name a preferred one.
const DEFAULT_VERSION: &str = "v1alpha1";
/// Objects asked for per page.
const PAGE: u32 = 500;
/// Most objects read (the core's per-source bound).
const MAX_OBJECTS: usize = pacto_core::fleet::k8s::MAX_OBJECTS;
/// The whole read (configuration, discovery, every page) by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// What reading the cluster gave.
#[derive(Debug, Clone)]
pub struct PactoList {
    /// The source id: the kubeconfig's current context, or `k8s`.
    pub source_id: String,
    /// `{"items": [...]}` (empty when the CRD is not installed), or why it could not be read.
    pub result: Result<Value, String>,
}

/// Read every `Pacto` in `namespace` (empty: all namespaces), bounded by `timeout`.
pub fn read_pactos(namespace: &str, timeout: Duration) -> PactoList {
    let kubeconfig = kube::config::Kubeconfig::read();
    let source_id = kubeconfig
        .as_ref()
        .ok()
        .and_then(|k| k.current_context.clone())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "k8s".to_string());
    let namespace = namespace.to_string();
    // A thread of its own with its own runtime: callers may or may not be inside one.
    let worker = std::thread::Builder::new()
        .name("pacto-k8s-fleet".into())
        .spawn(move || -> Result<Value, String> {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the Kubernetes client runtime: {e}"))?;
            rt.block_on(async move {
                match tokio::time::timeout(timeout, read(kubeconfig, &namespace)).await {
                    Ok(r) => r,
                    Err(_) => Err(format!(
                        "kubernetes: no answer within {}s",
                        timeout.as_secs().max(1)
                    )),
                }
            })
        });
    let result = match worker {
        Ok(handle) => handle
            .join()
            .unwrap_or_else(|_| Err("the Kubernetes reader stopped unexpectedly".into())),
        Err(e) => Err(format!("cannot start the Kubernetes reader: {e}")),
    };
    PactoList { source_id, result }
}

async fn read(
    kubeconfig: Result<kube::config::Kubeconfig, kube::config::KubeconfigError>,
    namespace: &str,
) -> Result<Value, String> {
    let mut config = match kubeconfig {
        Ok(kc) => {
            kube::Config::from_custom_kubeconfig(kc, &kube::config::KubeConfigOptions::default())
                .await
                .map_err(|e| format!("loading kubeconfig: {}", clip(&e.to_string())))?
        }
        Err(_) => kube::Config::incluster().map_err(|_| no_kubeconfig())?,
    };
    let server = config.cluster_url.to_string();
    config.connect_timeout = Some(Duration::from_secs(5));
    config.read_timeout = Some(Duration::from_secs(15));
    let client = kube::Client::try_from(config).map_err(|e| format!("kubernetes client: {e}"))?;

    // Discovery (Go's DiscoverCRD): the group, its preferred version, the resource of kind Pacto.
    let groups = client.list_api_groups().await.map_err(|e| {
        format!(
            "discovering pacto crd: listing API groups: {}",
            api_error(&e, &server)
        )
    })?;
    let Some(group) = groups.groups.into_iter().find(|g| g.name == GROUP) else {
        return Ok(json!({ "items": [] }));
    };
    let version = group
        .preferred_version
        .map(|p| p.version)
        .filter(|v| !v.is_empty())
        .or_else(|| group.versions.first().map(|v| v.version.clone()))
        .unwrap_or_else(|| DEFAULT_VERSION.into());
    let gv = format!("{GROUP}/{version}");
    let resources = client.list_api_group_resources(&gv).await.map_err(|e| {
        format!(
            "discovering pacto crd: listing resources for {gv}: {}",
            api_error(&e, &server)
        )
    })?;
    let plural = resources
        .resources
        .iter()
        .find(|r| r.kind.eq_ignore_ascii_case("Pacto") && !r.name.contains('/'))
        .map(|r| r.name.clone())
        .unwrap_or_else(|| "pactos".into());

    let ar = ApiResource {
        group: GROUP.into(),
        version: version.clone(),
        api_version: gv,
        kind: "Pacto".into(),
        plural: plural.clone(),
    };
    let api: Api<DynamicObject> = if namespace.is_empty() {
        Api::all_with(client, &ar)
    } else {
        Api::namespaced_with(client, namespace, &ar)
    };
    let mut items = Vec::new();
    let mut params = ListParams::default().limit(PAGE);
    loop {
        let page = api
            .list(&params)
            .await
            .map_err(|e| format!("listing {plural}: {}", api_error(&e, &server)))?;
        for o in page.items {
            if items.len() >= MAX_OBJECTS {
                return Err(format!(
                    "listing {plural}: more than {MAX_OBJECTS} resources; narrow it with --namespace"
                ));
            }
            items.push(serde_json::to_value(o).map_err(|e| e.to_string())?);
        }
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(c) => params = params.continue_token(&c),
            None => return Ok(json!({ "items": items })),
        }
    }
}

/// Why there is no configuration, naming where it was looked for and what to do.
fn no_kubeconfig() -> String {
    match std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        Some(p) => format!(
            "loading kubeconfig: KUBECONFIG={} cannot be read and pacto is not running in a cluster; point KUBECONFIG at a kubeconfig file",
            p.to_string_lossy()
        ),
        None => "loading kubeconfig: no kubeconfig (KUBECONFIG is unset, ~/.kube/config is absent) and pacto is not running in a cluster; set KUBECONFIG or create ~/.kube/config".into(),
    }
}

/// An API answer with its status, or a transport failure with the server and its cause chain
/// (kube's own text, `client error (Connect)`, alone says nothing).
fn api_error(e: &kube::Error, server: &str) -> String {
    match e {
        kube::Error::Api(s) => format!(
            "the API server answered {} {}: {}",
            s.code,
            s.reason,
            clip(&s.message)
        ),
        other => {
            let mut parts = vec![other.to_string()];
            let mut cur = std::error::Error::source(other);
            while let Some(c) = cur {
                let t = c.to_string();
                if !parts.iter().any(|p| p.contains(&t)) {
                    parts.push(t);
                }
                cur = c.source();
            }
            clip(&format!("cannot reach {server}: {}", parts.join(": ")))
        }
    }
}

/// At most 300 bytes of a message (on a character boundary).
fn clip(s: &str) -> String {
    const MAX: usize = 300;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}
