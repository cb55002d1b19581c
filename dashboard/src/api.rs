//! The HTTP surface: the JSON API under `/api` (spec §5.3, described by `/api/openapi.json`),
//! `/health`, `/metrics`, and the embedded UI.
//!
//! Every response carries a Content-Security-Policy (scripts from this origin only, no
//! framing except the sandboxed documentation frame), `nosniff` and `no-referrer`. Only `GET`
//! and `HEAD` are served, except three `POST`s that re-read sources or pull a remote bundle;
//! those must be same-origin JSON requests (bodies up to [`MAX_BODY_BYTES`]). With
//! `--cors-origin`, that one origin may read (`Access-Control-Allow-Origin` on GET/HEAD and
//! their preflights) and is still refused every write. On a loopback bind the `Host` header
//! must name a loopback host, which closes DNS-rebinding attacks.

use crate::snapshot::Snapshot;
use crate::source::Loaded;
use crate::{views, Dashboard, LoadError};
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use pacto_core::graph::{self, Fetched, Fetcher, ResolveOptions};
use pacto_core::version::Constraint;
use serde::Deserialize;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;

/// The policy of every page and API answer.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/// The policy of rendered documentation, shown in a sandboxed frame: no script at all.
pub const DOCS_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox";

/// The largest request body accepted (the POSTs carry a name or a reference).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) dashboard: Arc<Dashboard>,
    bound: SocketAddr,
    /// The core fleet snapshot the product endpoints answer from.
    pub(crate) product: Arc<crate::fleet_product::Cache>,
}

/// The router for `dashboard`, bound at `bound` (for the Host and Origin checks).
pub fn router(dashboard: Arc<Dashboard>, bound: SocketAddr) -> Router {
    let state = AppState {
        dashboard,
        bound,
        product: Arc::default(),
    };
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/api/openapi.json", get(openapi))
        .route("/api/sources", get(sources))
        .route("/api/overview", get(overview))
        .route("/api/services", get(services))
        .route("/api/services/{name}", get(service))
        .route("/api/services/{name}/versions", get(versions))
        .route(
            "/api/services/{name}/versions/{version}",
            get(service_version),
        )
        .route("/api/services/{name}/dependents", get(dependents))
        .route("/api/services/{name}/sources", get(service_sources))
        .route("/api/services/{name}/refs", get(service_refs))
        .route("/api/services/{name}/graph", get(service_graph))
        .route("/api/services/{name}/docs", get(docs))
        .route("/api/graph", get(global_graph))
        .route("/api/diff", get(diff))
        .route("/api/owners", get(owners))
        .route("/api/refresh", post(refresh))
        .route("/api/versions", post(fetch_versions))
        .route("/api/resolve", post(resolve))
        .route("/api/capabilities", get(capabilities))
        .route("/api/debug/sources", get(debug_sources))
        .route("/api/debug/services", get(debug_services))
        .merge(crate::fleet::routes())
        .merge(crate::fleet_product::routes())
        .route("/", get(crate::ui::index))
        .route("/ui/{file}", get(crate::ui::asset))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// problem+json.
pub fn problem(status: StatusCode, detail: impl Into<String>) -> Response {
    let body = json!({"title": status.canonical_reason().unwrap_or(""), "status": status.as_u16(), "detail": detail.into()});
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    r
}

pub(crate) fn json_bytes(bytes: impl Into<Body>) -> Response {
    let mut r = Response::new(bytes.into());
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

pub(crate) fn json_value(v: &Value) -> Response {
    json_bytes(serde_json::to_vec(v).unwrap_or_else(|_| b"null".to_vec()))
}

fn host_allowed(host: &str, bound: SocketAddr) -> bool {
    if !bound.ip().is_loopback() {
        return true;
    }
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host)
    };
    matches!(name, "localhost" | "127.0.0.1" | "::1")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn same_origin(headers: &HeaderMap) -> Result<(), &'static str> {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if site != "same-origin" && site != "none" {
            return Err("cross-site request refused");
        }
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        let ok = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
            .is_some_and(|o| o == host);
        if !ok {
            return Err("cross-origin request refused");
        }
    }
    // A JSON body cannot be sent cross-origin without a preflight, which this server never
    // answers: requiring it makes simple-form CSRF impossible.
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.starts_with("application/json") {
        return Err("POST requests must be application/json");
    }
    Ok(())
}

async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    // `--cors-origin`: that one origin may read (GET/HEAD); nobody else, and never write.
    let cors = cors_origin(&state, req.headers());
    let read = req.method() == Method::GET || req.method() == Method::HEAD;
    let mut response = if !host_allowed(&host, state.bound) {
        problem(StatusCode::MISDIRECTED_REQUEST, "unexpected Host header")
    } else if read {
        next.run(req).await
    } else if req.method() == Method::OPTIONS {
        preflight(cors.as_ref(), req.headers())
    } else if req.method() == Method::POST {
        match same_origin(req.headers()) {
            Ok(()) => next.run(req).await,
            Err(e) => problem(StatusCode::FORBIDDEN, e),
        }
    } else {
        let mut r = problem(StatusCode::METHOD_NOT_ALLOWED, "the dashboard is read-only");
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        r
    };
    let h = response.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.dashboard.config.cors_origin.is_some() {
        h.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    if let (true, Some(origin)) = (read, cors) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    response
}

/// The request's `Origin` when it is the configured `--cors-origin`.
fn cors_origin(state: &AppState, headers: &HeaderMap) -> Option<HeaderValue> {
    let allowed = state.dashboard.config.cors_origin.as_deref()?;
    let origin = headers.get(header::ORIGIN)?;
    (origin.to_str().ok()? == allowed).then(|| origin.clone())
}

/// A CORS preflight: allowed only for the configured origin asking to read.
fn preflight(origin: Option<&HeaderValue>, headers: &HeaderMap) -> Response {
    let method = headers
        .get(header::ACCESS_CONTROL_REQUEST_METHOD)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match origin {
        Some(o) if method == "GET" || method == "HEAD" => {
            let mut r = StatusCode::NO_CONTENT.into_response();
            let h = r.headers_mut();
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o.clone());
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, HEAD"),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
            r
        }
        Some(_) => problem(
            StatusCode::FORBIDDEN,
            "cross-origin requests may only read (GET, HEAD)",
        ),
        None if headers.contains_key(header::ORIGIN) => {
            problem(StatusCode::FORBIDDEN, "cross-origin request refused")
        }
        None => {
            let mut r = problem(StatusCode::METHOD_NOT_ALLOWED, "the dashboard is read-only");
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            r
        }
    }
}

async fn not_found() -> Response {
    problem(StatusCode::NOT_FOUND, "no such page")
}

async fn health() -> Response {
    json_value(&json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}))
}

async fn metrics(State(s): State<AppState>) -> Response {
    let snap = s.dashboard.snapshot();
    json_value(&json!({"serviceCount": snap.services.len(),
        "sourceCount": snap.sources.iter().filter(|s| s.enabled).count(),
        "snapshotId": snap.id}))
}

async fn openapi() -> Response {
    json_value(&crate::openapi::document())
}

async fn sources(State(s): State<AppState>) -> Response {
    let snap = s.dashboard.snapshot();
    let detected: Vec<Value> = s
        .dashboard
        .detected()
        .into_iter()
        .map(|d| json!({"type": d.kind, "enabled": d.enabled, "reason": d.reason, "location": d.location}))
        .collect();
    json_value(
        &json!({"sources": snap.sources, "detected": detected, "discovering": false,
        "snapshotId": snap.id, "asOf": snap.built_at}),
    )
}

/// A pre-rendered answer, gzip-compressed when the client accepts it.
fn prebuilt(p: &crate::snapshot::Prebuilt, headers: &HeaderMap) -> Response {
    let gzip_ok = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let mut r = match (&p.gzip, gzip_ok) {
        (Some(gz), true) => {
            let mut r = json_bytes(gz.clone());
            r.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            r
        }
        _ => json_bytes(p.plain.clone()),
    };
    r.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    r
}

async fn overview(State(s): State<AppState>, headers: HeaderMap) -> Response {
    prebuilt(&s.dashboard.snapshot().overview_json, &headers)
}

async fn services(State(s): State<AppState>, headers: HeaderMap) -> Response {
    prebuilt(&s.dashboard.snapshot().services_json, &headers)
}

async fn global_graph(State(s): State<AppState>, headers: HeaderMap) -> Response {
    prebuilt(&s.dashboard.snapshot().graph_json, &headers)
}

async fn owners(State(s): State<AppState>) -> Response {
    json_value(&views::owners(&s.dashboard.snapshot()))
}

/// A problem answer when `name` cannot be a service name.
fn bad_name(name: &str) -> Option<Response> {
    (name.is_empty() || name.len() > 255).then(|| {
        problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "a service name has 1 to 255 characters",
        )
    })
}

pub(crate) async fn blocking<F: FnOnce() -> Response + Send + 'static>(f: F) -> Response {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| problem(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

async fn service(State(s): State<AppState>, Path(name): Path<String>) -> Response {
    if let Some(r) = bad_name(&name) {
        return r;
    }
    blocking(move || {
        let snap = s.dashboard.snapshot();
        match snap.services.get(&name) {
            Some(svc) => json_value(&views::details(&snap, svc, None)),
            None => problem(StatusCode::NOT_FOUND, format!("service {name:?} not found")),
        }
    })
    .await
}

fn load_error(e: LoadError) -> Response {
    match e {
        LoadError::NotFound(m) => problem(StatusCode::NOT_FOUND, m),
        LoadError::Unsupported(m) => problem(StatusCode::UNPROCESSABLE_ENTITY, m),
        LoadError::Source(m) => problem(StatusCode::BAD_GATEWAY, m),
    }
}

async fn service_version(
    State(s): State<AppState>,
    Path((name, version)): Path<(String, String)>,
) -> Response {
    if let Some(r) = bad_name(&name) {
        return r;
    }
    blocking(move || {
        let loaded = match s.dashboard.load_version(&name, &version) {
            Ok(l) => l,
            Err(e) => return load_error(e),
        };
        let snap = s.dashboard.snapshot();
        match snap.services.get(&name) {
            Some(svc) => json_value(&views::details(&snap, svc, Some(&loaded))),
            None => problem(StatusCode::NOT_FOUND, format!("service {name:?} not found")),
        }
    })
    .await
}

async fn versions(State(s): State<AppState>, Path(name): Path<String>) -> Response {
    let snap = s.dashboard.snapshot();
    match snap.services.get(&name) {
        Some(svc) => json_value(&views::versions(svc)),
        None => problem(StatusCode::NOT_FOUND, format!("service {name:?} not found")),
    }
}

async fn dependents(State(s): State<AppState>, Path(name): Path<String>) -> Response {
    let snap = s.dashboard.snapshot();
    match snap.services.get(&name) {
        Some(svc) => json_value(&views::dependents(&snap, svc)),
        None => problem(StatusCode::NOT_FOUND, format!("service {name:?} not found")),
    }
}

/// Resolves dependency refs against the snapshot: by service name, the highest materialized
/// version satisfying the constraint. Never touches the network.
struct SnapshotFetcher(Arc<Snapshot>);

impl Fetcher for SnapshotFetcher {
    fn fetch(&self, reference: &str, compat: Option<&Constraint>) -> Result<Fetched, String> {
        let parsed = pacto_core::registry::parse_dependency_ref(reference);
        let name = match parsed.scheme {
            pacto_core::registry::RefScheme::Oci => graph::oci_ref_name(&parsed.location),
            pacto_core::registry::RefScheme::Local => parsed
                .location
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_string(),
        };
        let v = self.0.pick(&name, compat).ok_or_else(|| {
            format!("{reference}: no known version of {name} satisfies the constraint")
        })?;
        let l: &Arc<Loaded> = v
            .loaded
            .as_ref()
            .ok_or_else(|| format!("{reference}: not fetched"))?;
        Ok(Fetched {
            bundle: l.resolved.bundle.clone(),
            contract_text: l.contract_text.clone(),
            resolved_ref: l.reference.clone(),
        })
    }
}

async fn service_graph(State(s): State<AppState>, Path(name): Path<String>) -> Response {
    blocking(move || {
        let snap = s.dashboard.snapshot();
        let Some(cur) = snap.services.get(&name).and_then(|svc| svc.current.clone()) else {
            return problem(StatusCode::NOT_FOUND, format!("service {name:?} not found"));
        };
        let g = graph::resolve(
            &cur.resolved.contract,
            &SnapshotFetcher(snap.clone()),
            &ResolveOptions { parallelism: 1 },
        );
        json_bytes(graph::render_json(&g).into_bytes())
    })
    .await
}

#[derive(Deserialize)]
struct DocsQuery {
    path: String,
    version: Option<String>,
}

async fn docs(
    State(s): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<DocsQuery>,
) -> Response {
    blocking(move || {
        if !q.path.starts_with("docs/") || !q.path.ends_with(".md") {
            return problem(StatusCode::UNPROCESSABLE_ENTITY, "only docs/**/*.md pages are served");
        }
        let snap = s.dashboard.snapshot();
        let Some(svc) = snap.services.get(&name) else {
            return problem(StatusCode::NOT_FOUND, format!("service {name:?} not found"));
        };
        let loaded = match q.version.as_deref() {
            Some(v) if v != svc.version => match s.dashboard.load_version(&name, v) {
                Ok(l) => l,
                Err(e) => return load_error(e),
            },
            _ => match &svc.current {
                Some(c) => c.clone(),
                None => return problem(StatusCode::NOT_FOUND, "no contract content"),
            },
        };
        let bytes = match loaded.resolved.bundle.read(&q.path) {
            Ok(b) if b.len() <= pacto_core::doc::MAX_DOC_PAGE_BYTES => b,
            Ok(_) => return problem(StatusCode::PAYLOAD_TOO_LARGE, "documentation page too large"),
            Err(e) => return problem(bundle_error_status(&e), e.to_string()),
        };
        let text = String::from_utf8_lossy(&bytes);
        let body = format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{}</style></head><body><main>{}</main></body></html>\n",
            pacto_core::doc::escape::html(&q.path),
            crate::ui::DOCS_CSS,
            pacto_core::doc::html::render(&text)
        );
        let mut r = Response::new(Body::from(body));
        let h = r.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DOCS_CONTENT_SECURITY_POLICY),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
        r
    })
    .await
}

/// The status for a bundle file that cannot be served: a link out of the bundle is refused
/// (403, named as escaping), not reported as missing.
fn bundle_error_status(e: &pacto_core::bundle::BundleError) -> StatusCode {
    use pacto_core::bundle::BundleError;
    match e {
        BundleError::Escapes { .. } => StatusCode::FORBIDDEN,
        BundleError::InvalidPath(_) | BundleError::NotAFile { .. } => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        BundleError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::NOT_FOUND,
    }
}

#[derive(Deserialize)]
struct DiffQuery {
    from_name: String,
    from_version: Option<String>,
    to_name: Option<String>,
    to_version: Option<String>,
}

async fn diff(State(s): State<AppState>, Query(q): Query<DiffQuery>) -> Response {
    blocking(move || {
        let snap = s.dashboard.snapshot();
        let to_name = q.to_name.clone().unwrap_or_else(|| q.from_name.clone());
        let pick = |name: &str, v: &Option<String>| -> Result<String, Box<Response>> {
            let svc = snap.services.get(name).ok_or_else(|| {
                Box::new(problem(
                    StatusCode::NOT_FOUND,
                    format!("service {name:?} not found"),
                ))
            })?;
            Ok(v.clone()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| svc.version.clone()))
        };
        let (fv, tv) = match (
            pick(&q.from_name, &q.from_version),
            pick(&to_name, &q.to_version),
        ) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(r), _) | (_, Err(r)) => return *r,
        };
        let old = match s.dashboard.load_version(&q.from_name, &fv) {
            Ok(l) => l,
            Err(e) => return load_error(e),
        };
        let new = match s.dashboard.load_version(&to_name, &tv) {
            Ok(l) => l,
            Err(e) => return load_error(e),
        };
        match pacto_core::diff::compare(&old.resolved.side(), &new.resolved.side()) {
            Ok(d) => json_value(&json!({
                "from": {"name": q.from_name, "version": fv, "source": old.source},
                "to": {"name": to_name, "version": tv, "source": new.source},
                "classification": d.classification.as_str(),
                "changes": d.changes,
                "sbomDiff": d.sbom,
                // What the comparison says about itself: a 1.x side migrated in memory to be
                // compared with a 2.0 one, a document that could not be read.
                "warnings": d.warnings,
            })),
            Err(e) => problem(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
        }
    })
    .await
}

async fn refresh(State(s): State<AppState>) -> Response {
    let d = s.dashboard.clone();
    blocking(move || {
        let snap = d.refresh_now();
        json_value(&json!({"status": "ok", "snapshotId": snap.id}))
    })
    .await
}

#[derive(Deserialize)]
struct VersionsBody {
    name: String,
}

async fn fetch_versions(State(s): State<AppState>, body: axum::body::Bytes) -> Response {
    let req: VersionsBody = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("invalid body: {e}"),
            )
        }
    };
    if let Some(r) = bad_name(&req.name) {
        return r;
    }
    blocking(move || match s.dashboard.fetch_all_versions(&req.name) {
        Ok(v) => json_value(&v),
        Err(e) => load_error(e),
    })
    .await
}

async fn service_sources(State(s): State<AppState>, Path(name): Path<String>) -> Response {
    let snap = s.dashboard.snapshot();
    match snap.services.get(&name) {
        Some(svc) => json_value(&views::aggregated(svc)),
        None => problem(StatusCode::NOT_FOUND, format!("service {name:?} not found")),
    }
}

async fn service_refs(State(s): State<AppState>, Path(name): Path<String>) -> Response {
    let snap = s.dashboard.snapshot();
    match snap.services.get(&name) {
        Some(svc) => json_value(&views::refs(&snap, svc)),
        None => problem(StatusCode::NOT_FOUND, format!("service {name:?} not found")),
    }
}

async fn capabilities(State(s): State<AppState>) -> Response {
    let observed = s
        .dashboard
        .snapshot()
        .observed
        .as_ref()
        .is_some_and(|o| o.available);
    json_value(&json!({"fleet": true, "impact": true, "observed": observed,
        "resolve": s.dashboard.has_resolver(), "diagnostics": s.dashboard.config.diagnostics,
        "fleetProduct": true, "changeAnalysis": true}))
}

fn diagnostics_off() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "diagnostics are off (start with --diagnostics or PACTO_DASHBOARD_DIAGNOSTICS=true)",
    )
}

async fn debug_sources(State(s): State<AppState>) -> Response {
    if !s.dashboard.config.diagnostics {
        return diagnostics_off();
    }
    json_value(&s.dashboard.diagnostics())
}

async fn debug_services(State(s): State<AppState>) -> Response {
    if !s.dashboard.config.diagnostics {
        return diagnostics_off();
    }
    let snap = s.dashboard.snapshot();
    let per_source: Vec<Value> = snap.services.values().map(views::aggregated).collect();
    json_value(&json!({"snapshotId": snap.id, "services": per_source}))
}

#[derive(Deserialize)]
struct ResolveBody {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(default)]
    compatibility: Option<String>,
}

async fn resolve(State(s): State<AppState>, body: axum::body::Bytes) -> Response {
    let req: ResolveBody = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("invalid body: {e}"),
            )
        }
    };
    if req.compatibility.as_ref().is_some_and(|c| c.len() > 256) {
        return problem(StatusCode::UNPROCESSABLE_ENTITY, "compatibility too long");
    }
    blocking(move || {
        match s
            .dashboard
            .resolve(&req.reference, req.compatibility.as_deref())
        {
            Ok(l) => json_value(&views::resolved_details(&s.dashboard.snapshot(), &l)),
            Err(e) => {
                let status = match e {
                    crate::ResolveError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                    crate::ResolveError::Auth(_) => StatusCode::FORBIDDEN,
                    crate::ResolveError::NotFound(_) => StatusCode::NOT_FOUND,
                    crate::ResolveError::Upstream(_) => StatusCode::BAD_GATEWAY,
                };
                problem(status, e.to_string())
            }
        }
    })
    .await
}
