//! Secure `/metrics` (`--metrics-secure`), served the way controller-runtime serves it with
//! `filters.WithAuthenticationAndAuthorization`:
//!
//! - **HTTPS** (rustls, ring provider, TLS 1.2 and 1.3, ALPN `http/1.1` only): the certificate
//!   and key of `--metrics-cert-path` (files `tls.crt` / `tls.key` by default), re-read when the
//!   files change; without a path, a self-signed certificate for `localhost` and `127.0.0.1`
//!   generated at startup.
//! - **Authentication**: the `Authorization: Bearer <token>` header is checked with a
//!   `TokenReview` (authentication.k8s.io/v1). No token, or a token the API server does not
//!   authenticate → 401 `Unauthorized`.
//! - **Authorization**: a `SubjectAccessReview` (authorization.k8s.io/v1) with the reviewed
//!   user, uid, groups (plus `system:authenticated`, as the API server adds it) and extra, and
//!   `nonResourceAttributes` {path: the request path, verb: the lowercased HTTP method, so
//!   `get` for a scrape}. Not allowed → 403 `Authorization denied for user <name>`.
//! - **Caching** with controller-runtime's TTLs: token reviews 1 min (authenticated or not),
//!   allowed decisions 5 min, denied decisions 30 s; each cache holds at most
//!   [`AuthSettings::capacity`] entries (expired ones are dropped first, then the oldest).
//!   Tokens are cached by their SHA-256, never in clear.
//! - Every API call has a timeout (10 s); an API error or a timeout answers 500 with the reason
//!   logged, and is not cached.
//!
//! Only `/metrics` is served on this listener (other paths: 404); `/healthz` and `/readyz`
//! stay plain HTTP on the health address.

use crate::metrics::Metrics;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Request, Response, StatusCode};
use k8s_openapi::api::authentication::v1::{TokenReview, TokenReviewSpec};
use k8s_openapi::api::authorization::v1::{
    NonResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec,
};
use kube::api::{Api, PostParams};
use kube::Client;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};
use tokio_rustls::rustls;
use tokio_rustls::rustls::crypto::CryptoProvider;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::{ClientHello, ResolvesServerCert};
use tokio_rustls::rustls::sign::CertifiedKey;

/// Certificate and key files are read up to this size.
const MAX_PEM_BYTES: u64 = 1 << 20;
/// Longer bearer tokens are refused without a review (service account tokens are ~1 KiB).
const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Why the TLS setup failed.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("reading {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is larger than {MAX_PEM_BYTES} bytes")]
    TooLarge { path: PathBuf },
    #[error("{path}: no PEM certificate ({detail})")]
    NoCertificate { path: PathBuf, detail: String },
    #[error("{path}: no PEM private key ({detail})")]
    NoKey { path: PathBuf, detail: String },
    #[error("the certificate and key do not form a usable pair")]
    Key(#[source] rustls::Error),
    #[error("generating the self-signed certificate")]
    Generate(#[from] rcgen::Error),
    #[error("TLS configuration")]
    Config(#[source] rustls::Error),
}

/// Where the serving certificate comes from: `--metrics-cert-path`, `--metrics-cert-name`,
/// `--metrics-cert-key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertFiles {
    pub dir: PathBuf,
    pub cert_name: String,
    pub key_name: String,
}

impl CertFiles {
    pub fn new(dir: impl Into<PathBuf>, cert_name: &str, key_name: &str) -> CertFiles {
        CertFiles {
            dir: dir.into(),
            cert_name: cert_name.to_string(),
            key_name: key_name.to_string(),
        }
    }

    pub fn cert(&self) -> PathBuf {
        self.dir.join(&self.cert_name)
    }

    pub fn key(&self) -> PathBuf {
        self.dir.join(&self.key_name)
    }

    /// Modification time and size of both files: a change triggers a reload.
    fn stamp(&self) -> Option<[(SystemTime, u64); 2]> {
        let one = |p: PathBuf| {
            let m = std::fs::metadata(p).ok()?;
            Some((m.modified().ok()?, m.len()))
        };
        Some([one(self.cert())?, one(self.key())?])
    }

    /// Read and check the pair (the key must match the first certificate).
    pub fn load(&self) -> Result<CertifiedKey, TlsError> {
        let (cert_path, key_path) = (self.cert(), self.key());
        let cert_pem = read_bounded(&cert_path)?;
        let key_pem = read_bounded(&key_path)?;
        let chain = CertificateDer::pem_slice_iter(&cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TlsError::NoCertificate {
                path: cert_path.clone(),
                detail: e.to_string(),
            })?;
        if chain.is_empty() {
            return Err(TlsError::NoCertificate {
                path: cert_path,
                detail: "no CERTIFICATE section".to_string(),
            });
        }
        let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| TlsError::NoKey {
            path: key_path,
            detail: e.to_string(),
        })?;
        CertifiedKey::from_der(chain, key, &provider()).map_err(TlsError::Key)
    }
}

fn read_bounded(path: &Path) -> Result<Vec<u8>, TlsError> {
    let read_err = |source| TlsError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let mut out = Vec::new();
    file.take(MAX_PEM_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(read_err)?;
    if out.len() as u64 > MAX_PEM_BYTES {
        return Err(TlsError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    Ok(out)
}

fn provider() -> CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// The certificate currently served (swapped on reload).
#[derive(Debug)]
struct Resolver {
    current: RwLock<Arc<CertifiedKey>>,
}

impl Resolver {
    fn get(&self) -> Arc<CertifiedKey> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set(&self, key: CertifiedKey) {
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(key);
    }
}

impl ResolvesServerCert for Resolver {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.get())
    }
}

/// The TLS side of the secure metrics server.
pub struct MetricsTls {
    config: Arc<rustls::ServerConfig>,
    resolver: Arc<Resolver>,
    files: Option<CertFiles>,
    reload_interval: Duration,
}

impl MetricsTls {
    /// A self-signed certificate for `localhost` and `127.0.0.1`, generated now (what
    /// controller-runtime does without a certificate directory).
    pub fn self_signed() -> Result<MetricsTls, TlsError> {
        let generated = rcgen::generate_simple_self_signed(vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
        ])?;
        let key = PrivateKeyDer::Pkcs8(generated.signing_key.serialize_der().into());
        let key = CertifiedKey::from_der(vec![generated.cert.der().clone()], key, &provider())
            .map_err(TlsError::Key)?;
        MetricsTls::with_key(key, None)
    }

    /// The certificate and key in `files`; they are re-read when they change (see
    /// [`MetricsTls::reload_interval`]). Unreadable or mismatched files fail here, at startup.
    pub fn from_files(files: CertFiles) -> Result<MetricsTls, TlsError> {
        let key = files.load()?;
        MetricsTls::with_key(key, Some(files))
    }

    fn with_key(key: CertifiedKey, files: Option<CertFiles>) -> Result<MetricsTls, TlsError> {
        let resolver = Arc::new(Resolver {
            current: RwLock::new(Arc::new(key)),
        });
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(provider()))
            .with_safe_default_protocol_versions()
            .map_err(TlsError::Config)?
            .with_no_client_auth()
            .with_cert_resolver(resolver.clone());
        // HTTP/1.1 only: `--enable-http2` is accepted but not implemented (see main.rs).
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(MetricsTls {
            config: Arc::new(config),
            resolver,
            files,
            reload_interval: Duration::from_secs(10),
        })
    }

    /// How often the certificate files are checked for changes (default 10 s).
    pub fn reload_interval(mut self, every: Duration) -> MetricsTls {
        self.reload_interval = every;
        self
    }

    /// The end-entity certificate currently served (DER).
    pub fn certificate(&self) -> Option<CertificateDer<'static>> {
        self.resolver.get().cert.first().cloned()
    }

    /// Watch the certificate files (by modification time and size) and swap in a new pair when
    /// they change. A pair that fails to load is logged and the previous one kept.
    fn spawn_reload(&self) -> Option<tokio::task::JoinHandle<()>> {
        let files = self.files.clone()?;
        let (resolver, every) = (self.resolver.clone(), self.reload_interval);
        Some(tokio::spawn(async move {
            let mut last = files.stamp();
            loop {
                tokio::time::sleep(every).await;
                let now = files.stamp();
                if now.is_none() || now == last {
                    continue;
                }
                last = now;
                match files.load() {
                    Ok(key) => {
                        resolver.set(key);
                        tracing::info!(path = %files.dir.display(), "reloaded the metrics certificate");
                    }
                    Err(e) => tracing::warn!(
                        error = %e,
                        "the metrics certificate changed but cannot be loaded; serving the previous one"
                    ),
                }
            }
        }))
    }
}

/// Cache TTLs, capacity and the API call timeout of the [`Authorizer`].
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// TokenReview results, authenticated or not (controller-runtime: 1 min).
    pub token_ttl: Duration,
    /// Allowed SubjectAccessReview results (5 min).
    pub allow_ttl: Duration,
    /// Denied SubjectAccessReview results (30 s).
    pub deny_ttl: Duration,
    /// Entries per cache.
    pub capacity: usize,
    /// Timeout of one TokenReview or SubjectAccessReview call.
    pub timeout: Duration,
}

impl Default for AuthSettings {
    fn default() -> AuthSettings {
        AuthSettings {
            token_ttl: Duration::from_secs(60),
            allow_ttl: Duration::from_secs(300),
            deny_ttl: Duration::from_secs(30),
            capacity: 1024,
            timeout: Duration::from_secs(10),
        }
    }
}

/// An authenticated user, as the TokenReview returned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub uid: String,
    pub groups: Vec<String>,
    pub extra: BTreeMap<String, Vec<String>>,
}

/// The outcome of checking one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Allowed(User),
    /// No usable bearer token, or the API server did not authenticate it: 401.
    Unauthorized,
    /// Authenticated, but the SubjectAccessReview did not allow the request: 403.
    Forbidden {
        user: String,
        reason: String,
    },
    /// The review could not be made (API error, timeout): 500 with `message`.
    Failed {
        message: String,
    },
}

/// A small TTL map with a size bound.
struct TtlCache<K, V> {
    entries: HashMap<K, (Instant, V)>,
    capacity: usize,
}

impl<K: Eq + Hash + Clone, V: Clone> TtlCache<K, V> {
    fn new(capacity: usize) -> TtlCache<K, V> {
        TtlCache {
            entries: HashMap::new(),
            capacity,
        }
    }

    fn get(&mut self, key: &K, now: Instant) -> Option<V> {
        match self.entries.get(key) {
            Some((until, v)) if *until > now => Some(v.clone()),
            Some(_) => {
                self.entries.remove(key);
                None
            }
            None => None,
        }
    }

    fn insert(&mut self, key: K, value: V, ttl: Duration, now: Instant) {
        if self.capacity == 0 || ttl.is_zero() {
            return;
        }
        if !self.entries.contains_key(&key) && self.entries.len() >= self.capacity {
            self.entries.retain(|_, (until, _)| *until > now);
            while self.entries.len() >= self.capacity {
                let oldest = self
                    .entries
                    .iter()
                    .min_by_key(|(_, (until, _))| *until)
                    .map(|(k, _)| k.clone());
                match oldest {
                    Some(k) => self.entries.remove(&k),
                    None => break,
                };
            }
        }
        self.entries.insert(key, (now + ttl, value));
    }

    fn len(&self) -> usize {
        self.entries.len()
    }
}

type Decision = (bool, String);

/// Authenticates and authorizes `/metrics` requests against the API server.
pub struct Authorizer {
    client: Client,
    settings: AuthSettings,
    tokens: Mutex<TtlCache<[u8; 32], Option<User>>>,
    decisions: Mutex<TtlCache<String, Decision>>,
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), as the
/// API server's bearer-token authenticator reads it.
pub fn bearer_token(header: Option<&str>) -> Option<&str> {
    let mut parts = header?.trim().splitn(3, ' ');
    let scheme = parts.next()?;
    let token = parts.next()?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

impl Authorizer {
    pub fn new(client: Client) -> Authorizer {
        Authorizer::with_settings(client, AuthSettings::default())
    }

    pub fn with_settings(client: Client, settings: AuthSettings) -> Authorizer {
        Authorizer {
            client,
            tokens: Mutex::new(TtlCache::new(settings.capacity)),
            decisions: Mutex::new(TtlCache::new(settings.capacity)),
            settings,
        }
    }

    /// Cached entries: (token reviews, access decisions).
    pub fn cached(&self) -> (usize, usize) {
        (
            self.tokens.lock().unwrap_or_else(|p| p.into_inner()).len(),
            self.decisions
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .len(),
        )
    }

    /// Check a request: its `Authorization` header, HTTP method and path.
    pub async fn check(&self, authorization: Option<&str>, method: &str, path: &str) -> Outcome {
        let Some(token) = bearer_token(authorization) else {
            return Outcome::Unauthorized;
        };
        if token.len() > MAX_TOKEN_BYTES {
            return Outcome::Unauthorized;
        }
        let user = match self.authenticate(token).await {
            Ok(Some(user)) => user,
            Ok(None) => return Outcome::Unauthorized,
            Err(reason) => {
                tracing::error!(%reason, "metrics: authentication failed");
                return Outcome::Failed {
                    message: "Authentication failed".to_string(),
                };
            }
        };
        match self
            .authorize(&user, &method.to_ascii_lowercase(), path)
            .await
        {
            Ok((true, _)) => Outcome::Allowed(user),
            Ok((false, reason)) => {
                tracing::debug!(user = %user.name, %reason, "metrics: authorization denied");
                Outcome::Forbidden {
                    user: user.name,
                    reason,
                }
            }
            Err(reason) => {
                tracing::error!(user = %user.name, %reason, "metrics: authorization failed");
                Outcome::Failed {
                    message: format!("Authorization for user {} failed", user.name),
                }
            }
        }
    }

    async fn authenticate(&self, token: &str) -> Result<Option<User>, String> {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let cached = self
            .tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key, Instant::now());
        if let Some(user) = cached {
            return Ok(user);
        }
        let review = TokenReview {
            spec: TokenReviewSpec {
                token: Some(token.to_string()),
                audiences: None,
            },
            ..Default::default()
        };
        let api: Api<TokenReview> = Api::all(self.client.clone());
        let answer = tokio::time::timeout(
            self.settings.timeout,
            api.create(&PostParams::default(), &review),
        )
        .await
        .map_err(|_| format!("TokenReview timed out after {:?}", self.settings.timeout))?
        .map_err(|e| format!("TokenReview: {e}"))?;
        let status = answer.status.unwrap_or_default();
        let user = match (status.authenticated, status.user) {
            (Some(true), Some(info)) => {
                let mut groups = info.groups.unwrap_or_default();
                let name = info.username.unwrap_or_default();
                // The API server's authenticated-group adder.
                if name != "system:anonymous"
                    && !groups
                        .iter()
                        .any(|g| g == "system:authenticated" || g == "system:unauthenticated")
                {
                    groups.push("system:authenticated".to_string());
                }
                Some(User {
                    name,
                    uid: info.uid.unwrap_or_default(),
                    groups,
                    extra: info.extra.unwrap_or_default(),
                })
            }
            _ => {
                if let Some(e) = status.error.filter(|e| !e.is_empty()) {
                    tracing::debug!(error = %e, "metrics: token not authenticated");
                }
                None
            }
        };
        self.tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, user.clone(), self.settings.token_ttl, Instant::now());
        Ok(user)
    }

    async fn authorize(&self, user: &User, verb: &str, path: &str) -> Result<Decision, String> {
        let spec = SubjectAccessReviewSpec {
            user: Some(user.name.clone()),
            uid: Some(user.uid.clone()).filter(|u| !u.is_empty()),
            groups: Some(user.groups.clone()).filter(|g| !g.is_empty()),
            extra: Some(user.extra.clone()).filter(|e| !e.is_empty()),
            non_resource_attributes: Some(NonResourceAttributes {
                path: Some(path.to_string()),
                verb: Some(verb.to_string()),
            }),
            resource_attributes: None,
        };
        let key = serde_json::to_string(&spec).map_err(|e| e.to_string())?;
        let cached = self
            .decisions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key, Instant::now());
        if let Some(d) = cached {
            return Ok(d);
        }
        let review = SubjectAccessReview {
            spec,
            ..Default::default()
        };
        let api: Api<SubjectAccessReview> = Api::all(self.client.clone());
        let answer = tokio::time::timeout(
            self.settings.timeout,
            api.create(&PostParams::default(), &review),
        )
        .await
        .map_err(|_| {
            format!(
                "SubjectAccessReview timed out after {:?}",
                self.settings.timeout
            )
        })?
        .map_err(|e| format!("SubjectAccessReview: {e}"))?;
        let status = answer.status.unwrap_or_default();
        let reason = status.reason.unwrap_or_default();
        let decision = (status.allowed, reason);
        let ttl = if decision.0 {
            self.settings.allow_ttl
        } else {
            self.settings.deny_ttl
        };
        self.decisions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, decision.clone(), ttl, Instant::now());
        Ok(decision)
    }
}

fn text(code: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = code;
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp.headers_mut().insert(
        "x-content-type-options",
        hyper::header::HeaderValue::from_static("nosniff"),
    );
    resp
}

/// Answer one request of the secure listener.
pub async fn handle<B>(
    req: &Request<B>,
    auth: &Authorizer,
    metrics: &Metrics,
) -> Response<Full<Bytes>> {
    let path = req.uri().path();
    if path != "/metrics" {
        return text(StatusCode::NOT_FOUND, "404 page not found\n".to_string());
    }
    let header = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    match auth.check(header, req.method().as_str(), path).await {
        Outcome::Allowed(_) => {
            let mut resp = text(StatusCode::OK, metrics.render());
            resp.headers_mut().insert(
                hyper::header::CONTENT_TYPE,
                hyper::header::HeaderValue::from_static("text/plain; version=0.0.4"),
            );
            resp
        }
        Outcome::Unauthorized => text(StatusCode::UNAUTHORIZED, "Unauthorized\n".to_string()),
        Outcome::Forbidden { user, .. } => text(
            StatusCode::FORBIDDEN,
            format!("Authorization denied for user {user}\n"),
        ),
        Outcome::Failed { message } => {
            text(StatusCode::INTERNAL_SERVER_ERROR, format!("{message}\n"))
        }
    }
}

/// Serve `/metrics` over HTTPS on `listener`, every request authenticated and authorized by
/// `auth`. Runs until the task is dropped.
pub async fn serve(
    listener: tokio::net::TcpListener,
    tls: MetricsTls,
    auth: Arc<Authorizer>,
    metrics: Arc<Metrics>,
) {
    let acceptor = tokio_rustls::TlsAcceptor::from(tls.config.clone());
    let reload = tls.spawn_reload();
    let _abort_reload = AbortOnDrop(reload);
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                tracing::debug!(error = %e, "metrics: accept");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let (acceptor, auth, metrics) = (acceptor.clone(), auth.clone(), metrics.clone());
        tokio::spawn(async move {
            let stream = match tokio::time::timeout(
                Duration::from_secs(10),
                acceptor.accept(stream),
            )
            .await
            {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    tracing::debug!(%peer, error = %e, "metrics: TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!(%peer, "metrics: TLS handshake timed out");
                    return;
                }
            };
            let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                let (auth, metrics) = (auth.clone(), metrics.clone());
                async move { Ok::<_, std::convert::Infallible>(handle(&req, &auth, &metrics).await) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(Duration::from_secs(10))
                .serve_connection(hyper_util::rt::TokioIo::new(stream), svc);
            let _ = tokio::time::timeout(Duration::from_secs(60), conn).await;
        });
    }
}

struct AbortOnDrop(Option<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(h) = &self.0 {
            h.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_header_parsing_follows_the_api_server() {
        assert_eq!(bearer_token(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer_token(Some("bearer abc")), Some("abc"));
        assert_eq!(bearer_token(Some("  BEARER abc  ")), Some("abc"));
        assert_eq!(bearer_token(Some("Bearer abc extra")), Some("abc"));
        assert_eq!(bearer_token(Some("Bearer ")), None);
        assert_eq!(bearer_token(Some("Bearer")), None);
        assert_eq!(bearer_token(Some("Basic dXNlcjpwYXNz")), None);
        assert_eq!(bearer_token(Some("")), None);
        assert_eq!(bearer_token(None), None);
    }

    #[test]
    fn ttl_cache_expires_and_stays_bounded() {
        let t0 = Instant::now();
        let mut c: TtlCache<u32, &str> = TtlCache::new(3);
        c.insert(1, "a", Duration::from_secs(10), t0);
        assert_eq!(c.get(&1, t0 + Duration::from_secs(9)), Some("a"));
        assert_eq!(c.get(&1, t0 + Duration::from_secs(10)), None);
        assert_eq!(c.len(), 0, "an expired entry is dropped when read");
        for k in 0..3 {
            c.insert(k, "x", Duration::from_secs(10 + u64::from(k)), t0);
        }
        // Full: the entry closest to expiry (key 0) makes room.
        c.insert(7, "y", Duration::from_secs(60), t0);
        assert_eq!(c.len(), 3);
        assert_eq!(c.get(&0, t0), None);
        assert_eq!(c.get(&7, t0), Some("y"));
        // Expired entries go first.
        c.insert(
            8,
            "z",
            Duration::from_secs(60),
            t0 + Duration::from_secs(11),
        );
        assert_eq!(c.get(&1, t0), None);
        assert_eq!(c.get(&2, t0), Some("x"));
        assert_eq!(c.len(), 3);
        let mut off: TtlCache<u32, &str> = TtlCache::new(0);
        off.insert(1, "a", Duration::from_secs(1), t0);
        assert_eq!(off.len(), 0);
    }

    #[test]
    fn self_signed_certificate_is_usable() {
        let tls = MetricsTls::self_signed().unwrap();
        let der = tls.certificate().unwrap();
        assert!(der.len() > 100);
        assert_eq!(tls.config.alpn_protocols, vec![b"http/1.1".to_vec()]);
        // A fresh one each start.
        assert_ne!(MetricsTls::self_signed().unwrap().certificate(), Some(der));
    }

    #[test]
    fn missing_files_fail_at_startup() {
        let dir = std::env::temp_dir().join("pacto-metrics-auth-missing");
        let err = MetricsTls::from_files(CertFiles::new(&dir, "tls.crt", "tls.key"))
            .err()
            .unwrap();
        assert!(matches!(err, TlsError::Read { .. }), "{err}");
        assert!(err.to_string().contains("tls.crt"), "{err}");
    }
}
