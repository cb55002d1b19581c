//! A small, synchronous OCI distribution client over `ureq`.
//!
//! * Scheme: plain HTTP for loopback registries (`localhost`, 127.0.0.0/8, `::1`) or with
//!   [`ClientOptions::plain_http`], HTTPS otherwise. Loopback requests never use a proxy.
//! * Auth: a request goes out with the `Authorization` remembered for its registry and scope;
//!   on 401 the `WWW-Authenticate` challenge is answered (Basic with the credential, or Bearer:
//!   a token fetched from the realm with the credential) and the request is retried once.
//!   `Authorization` is only ever sent to the registry's own origin.
//! * Bounds: connect 10 s, 60 s per read or write (a stalled connection), 5 minutes per
//!   operation (a whole pull, push, tag listing or ping, however slowly the registry trickles;
//!   `PACTO_REGISTRY_TIMEOUT`), manifest 4 MiB, config 1 MiB, layer 50 MiB, error bodies 16 KiB,
//!   tag listings bounded in pages and tags.
//! * Blobs are verified against their digest and announced size as they stream in.
//!
//! HTTP statuses map to Go Pacto's errors (§6.3): 401/403 authentication, 404 not found,
//! anything else (and network errors) unreachable.

use super::auth::{basic_header, parse_challenge, Challenge, Credential, Keychain};
use super::cache::sha256_hex;
use super::error::RegistryError;
use super::name::{is_loopback, Repo};
use sha2::{Digest as _, Sha256};
use std::cell::Cell;
use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use ureq::http::{self, Response};

/// OCI image manifest media type.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index media type.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// Docker image manifest v2 schema 2.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker manifest list.
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";

const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json";

/// Largest error body read.
const MAX_ERROR_BODY: u64 = 16 * 1024;
/// Largest token response read.
const MAX_TOKEN_BODY: u64 = 1024 * 1024;
/// Most tags accepted from one repository (default of [`ClientOptions::max_tags`]).
pub const MAX_TAGS: usize = 100_000;
/// Default of [`ClientOptions::operation_timeout`].
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(300);

/// Size caps on what the client reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeLimits {
    pub manifest: u64,
    pub config: u64,
    pub layer: u64,
}

impl Default for SizeLimits {
    fn default() -> Self {
        SizeLimits {
            manifest: 4 * 1024 * 1024,
            config: 1024 * 1024,
            layer: 50 * 1024 * 1024,
        }
    }
}

/// Client settings.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Use plain HTTP for every registry (loopback registries always use it).
    pub plain_http: bool,
    pub connect_timeout: Duration,
    /// Per read or write on the connection: how long a stalled connection is waited for.
    pub io_timeout: Duration,
    /// The overall deadline of one operation (a pull with its tag resolution, manifest and
    /// layer; a push; a tag listing; a ping), so a registry trickling bytes cannot keep a
    /// command running: `PACTO_REGISTRY_TIMEOUT` seconds, default 5 minutes.
    pub operation_timeout: Duration,
    pub limits: SizeLimits,
    /// `n` in tag listing requests.
    pub tag_page_size: usize,
    /// Most tag listing pages followed.
    pub max_tag_pages: usize,
    /// Most tags accepted from one repository.
    pub max_tags: usize,
    pub user_agent: String,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            plain_http: false,
            connect_timeout: Duration::from_secs(10),
            io_timeout: Duration::from_secs(60),
            operation_timeout: DEFAULT_OPERATION_TIMEOUT,
            limits: SizeLimits::default(),
            tag_page_size: 1000,
            max_tag_pages: 1000,
            max_tags: MAX_TAGS,
            user_agent: format!("pacto-rs/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

thread_local! {
    /// The deadline of the operation running on this thread (see [`Client::operation`]).
    static DEADLINE: Cell<Option<(Instant, Duration)>> = const { Cell::new(None) };
}

/// Ends the operation started by [`Client::operation`] (the outermost one clears the deadline).
#[derive(Debug)]
pub struct OperationGuard {
    outermost: bool,
}

impl Drop for OperationGuard {
    fn drop(&mut self) {
        if self.outermost {
            DEADLINE.with(|d| d.set(None));
        }
    }
}

/// Receives transfer progress (the CLI draws bars with it).
pub trait Progress: Send + Sync {
    /// A transfer of `total` bytes starts; `label` is e.g. `pushing svc:1.0.0`.
    fn start(&self, label: &str, total: u64) -> Box<dyn Transfer>;
}

/// One transfer's progress.
pub trait Transfer: Send {
    fn advance(&mut self, bytes: u64);
    fn finish(&mut self);
}

/// What a request needs the token to allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// `GET /v2/`: no repository scope.
    Registry,
    Pull,
    Push,
}

fn scope_for(repo: &Repo, access: Access) -> String {
    match access {
        Access::Registry => String::new(),
        Access::Pull => format!("repository:{}:pull", repo.repository),
        Access::Push => format!("repository:{}:pull,push", repo.repository),
    }
}

/// A manifest as fetched.
#[derive(Debug, Clone)]
pub struct FetchedManifest {
    pub bytes: Vec<u8>,
    /// `sha256:<hex>` of `bytes`.
    pub digest: String,
    /// The `Content-Type` the registry sent (may be empty).
    pub media_type: String,
}

/// The OCI distribution client. Cheap to share between threads.
pub struct Client {
    options: ClientOptions,
    proxied: ureq::Agent,
    direct: ureq::Agent,
    keychain: Arc<dyn Keychain>,
    credentials: Mutex<HashMap<String, Credential>>,
    /// `(registry, scope)` → `Authorization` value.
    authorizations: Mutex<HashMap<(String, String), String>>,
    progress: Option<Arc<dyn Progress>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

struct Request<'a> {
    method: http::Method,
    url: String,
    headers: Vec<(&'static str, String)>,
    body: Option<&'a [u8]>,
    /// Progress label for the upload body.
    progress: Option<&'a str>,
}

impl<'a> Request<'a> {
    fn new(method: http::Method, url: String) -> Self {
        Request {
            method,
            url,
            headers: Vec::new(),
            body: None,
            progress: None,
        }
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// Reads a byte slice and reports progress.
struct ProgressReader<'a> {
    data: &'a [u8],
    pos: usize,
    transfer: Option<Box<dyn Transfer>>,
}

impl Read for ProgressReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.data.len() - self.pos).min(64 * 1024);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        if let Some(t) = self.transfer.as_mut() {
            t.advance(n as u64);
            if self.pos == self.data.len() && n > 0 {
                t.finish();
            }
        }
        Ok(n)
    }
}

impl Client {
    pub fn new(options: ClientOptions, keychain: Arc<dyn Keychain>) -> Client {
        let build = |proxy: bool| {
            let b = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_connect(Some(options.connect_timeout))
                .timeout_per_read(Some(options.io_timeout))
                .timeout_per_write(Some(options.io_timeout))
                .max_redirects(5)
                .user_agent(options.user_agent.as_str());
            // A resolve timeout makes ureq resolve on a new thread for every request: only worth
            // it for names (the proxied agent); the direct agent serves loopback and IPs.
            let b = if proxy {
                b.timeout_resolve(Some(options.connect_timeout))
            } else {
                b.proxy(None)
            };
            ureq::Agent::new_with_config(b.build())
        };
        Client {
            proxied: build(true),
            direct: build(false),
            options,
            keychain,
            credentials: Mutex::new(HashMap::new()),
            authorizations: Mutex::new(HashMap::new()),
            progress: None,
        }
    }

    /// Report transfers to `progress`.
    pub fn with_progress(mut self, progress: Arc<dyn Progress>) -> Client {
        self.progress = Some(progress);
        self
    }

    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// Start an operation on this thread: every request until the guard is dropped shares one
    /// deadline, [`ClientOptions::operation_timeout`] from now. Nested calls keep the outer
    /// deadline. Requests made outside an operation each get the whole timeout.
    pub fn operation(&self) -> OperationGuard {
        let timeout = self.options.operation_timeout;
        DEADLINE.with(|d| {
            if d.get().is_some() {
                OperationGuard { outermost: false }
            } else {
                d.set(Some((Instant::now() + timeout, timeout)));
                OperationGuard { outermost: true }
            }
        })
    }

    /// Time left before the current operation's deadline (the whole timeout outside one), or
    /// the error saying it passed.
    fn time_left(&self, reference: &str, doing: &str) -> Result<Duration, RegistryError> {
        let (deadline, timeout) = DEADLINE.with(Cell::get).unwrap_or((
            Instant::now() + self.options.operation_timeout,
            self.options.operation_timeout,
        ));
        match deadline.checked_duration_since(Instant::now()) {
            Some(left) if !left.is_zero() => Ok(left),
            _ => Err(deadline_error(reference, doing, timeout)),
        }
    }

    /// Whether the current operation's deadline has passed.
    fn past_deadline(&self) -> Option<Duration> {
        let (deadline, timeout) = DEADLINE.with(Cell::get)?;
        (Instant::now() >= deadline).then_some(timeout)
    }

    /// `http://host` or `https://host` for the registry.
    pub fn base_url(&self, repo: &Repo) -> String {
        let host = repo.api_host();
        let scheme = if self.options.plain_http || is_loopback(host) {
            "http"
        } else {
            "https"
        };
        format!("{scheme}://{host}")
    }

    fn repo_url(&self, repo: &Repo, rest: &str) -> String {
        format!("{}/v2/{}/{rest}", self.base_url(repo), repo.repository)
    }

    fn credential(&self, registry: &str) -> Result<Credential, String> {
        if let Some(c) = lock(&self.credentials).get(registry) {
            return Ok(c.clone());
        }
        let c = self.keychain.credential(registry)?;
        lock(&self.credentials).insert(registry.to_string(), c.clone());
        Ok(c)
    }

    /// Send once; `Authorization` only to the registry's origin.
    fn send_once(
        &self,
        repo: &Repo,
        req: &Request<'_>,
        authorization: Option<&str>,
        reference: &str,
    ) -> Result<Response<ureq::Body>, RegistryError> {
        let base = self.base_url(repo);
        let same_origin = req.url.starts_with(&format!("{base}/"));
        let mut builder = http::Request::builder()
            .method(req.method.clone())
            .uri(req.url.as_str());
        for (k, v) in &req.headers {
            builder = builder.header(*k, v.as_str());
        }
        if let (Some(a), true) = (authorization, same_origin) {
            builder = builder.header("Authorization", a);
        }
        let agent = if is_loopback(repo.api_host()) {
            &self.direct
        } else {
            &self.proxied
        };
        let network = |e: String| RegistryError::Unreachable {
            reference: reference.to_string(),
            detail: format!("{} {}: {e}", req.method, req.url),
        };
        let doing = format!("{} {}", req.method, req.url);
        let left = self.time_left(reference, &doing)?;
        let result = match req.body {
            Some(body) => {
                let transfer = req.progress.and_then(|label| {
                    Some(self.progress.as_ref()?.start(label, body.len() as u64))
                });
                let mut reader = ProgressReader {
                    data: body,
                    pos: 0,
                    transfer,
                };
                let request = builder
                    .header("Content-Length", body.len().to_string())
                    .body(ureq::SendBody::from_reader(&mut reader))
                    .map_err(|e| network(e.to_string()))?;
                let request = agent
                    .configure_request(request)
                    .timeout_global(Some(left))
                    .build();
                agent.run(request)
            }
            None => {
                let request = builder
                    .body(ureq::SendBody::none())
                    .map_err(|e| network(e.to_string()))?;
                let request = agent
                    .configure_request(request)
                    .timeout_global(Some(left))
                    .build();
                agent.run(request)
            }
        };
        result.map_err(|e| match self.past_deadline() {
            Some(timeout) => deadline_error(reference, &doing, timeout),
            None => network(describe_ureq(&e)),
        })
    }

    /// Send with authentication: a 401 is answered once.
    fn execute(
        &self,
        repo: &Repo,
        access: Access,
        req: &Request<'_>,
        reference: &str,
    ) -> Result<Response<ureq::Body>, RegistryError> {
        let scope = scope_for(repo, access);
        let key = (repo.registry.clone(), scope.clone());
        let mut authorization = lock(&self.authorizations).get(&key).cloned();
        let mut answered = false;
        loop {
            let resp = self.send_once(repo, req, authorization.as_deref(), reference)?;
            if resp.status() != 401 || answered {
                return Ok(resp);
            }
            answered = true;
            let challenge = header(&resp, "www-authenticate");
            drop(resp);
            let value = self.answer_challenge(repo, &scope, challenge.as_deref(), reference)?;
            lock(&self.authorizations).insert(key.clone(), value.clone());
            authorization = Some(value);
        }
    }

    /// The `Authorization` value that answers `challenge`.
    fn answer_challenge(
        &self,
        repo: &Repo,
        scope: &str,
        challenge: Option<&str>,
        reference: &str,
    ) -> Result<String, RegistryError> {
        let auth_err = |detail: String| RegistryError::Auth {
            reference: reference.to_string(),
            detail,
        };
        let cred = self.credential(&repo.registry).map_err(auth_err)?;
        let no_creds = || {
            auth_err(format!(
                "{} requires authentication and no credentials were found (looked at PACTO_REGISTRY_TOKEN, PACTO_REGISTRY_USERNAME/PASSWORD, pacto login and the Docker config)",
                repo.registry
            ))
        };
        let parsed = challenge.and_then(parse_challenge);
        match (parsed, &cred) {
            (_, Credential::RegistryToken(t)) => Ok(format!("Bearer {t}")),
            (
                Some(Challenge::Bearer {
                    realm,
                    service,
                    scope: challenge_scope,
                }),
                _,
            ) => self
                .fetch_token(
                    repo,
                    &realm,
                    service.as_deref(),
                    scope,
                    challenge_scope.as_deref(),
                    &cred,
                    reference,
                )
                .map(|t| format!("Bearer {t}")),
            (_, Credential::Basic { username, password }) => Ok(basic_header(username, password)),
            (_, Credential::IdentityToken { username, token }) => Ok(basic_header(username, token)),
            (Some(Challenge::Basic { .. }), Credential::Anonymous) => Err(no_creds()),
            (None, Credential::Anonymous) => Err(match challenge {
                Some(c) => auth_err(format!(
                    "unsupported authentication challenge {:?}",
                    truncate(c, 200)
                )),
                None => no_creds(),
            }),
        }
    }

    /// Get a bearer token from `realm` (Docker token protocol; OAuth2 refresh for identity
    /// tokens).
    #[allow(clippy::too_many_arguments)]
    fn fetch_token(
        &self,
        repo: &Repo,
        realm: &str,
        service: Option<&str>,
        scope: &str,
        challenge_scope: Option<&str>,
        cred: &Credential,
        reference: &str,
    ) -> Result<String, RegistryError> {
        if !(realm.starts_with("https://") || realm.starts_with("http://")) {
            return Err(RegistryError::Auth {
                reference: reference.to_string(),
                detail: format!("the token realm {realm:?} is not an http(s) URL"),
            });
        }
        let mut params: Vec<(&str, &str)> = Vec::new();
        if let Some(s) = service {
            params.push(("service", s));
        }
        if !scope.is_empty() {
            params.push(("scope", scope));
        }
        if let Some(cs) = challenge_scope.filter(|cs| *cs != scope && !cs.is_empty()) {
            params.push(("scope", cs));
        }
        let realm_host = realm
            .split("://")
            .nth(1)
            .and_then(|r| r.split(['/', '?']).next())
            .unwrap_or_default();
        if realm.starts_with("http://")
            && !cred.is_anonymous()
            && !is_loopback(realm_host)
            && !self.options.plain_http
        {
            return Err(RegistryError::Auth {
                reference: reference.to_string(),
                detail: format!(
                    "refusing to send credentials to the plain-HTTP token realm {realm} (pass --plain-http to allow it)"
                ),
            });
        }
        let agent = if is_loopback(realm_host) {
            &self.direct
        } else {
            &self.proxied
        };
        let net = |e: String| RegistryError::Unreachable {
            reference: reference.to_string(),
            detail: format!("token request to {realm}: {e}"),
        };
        let left = self.time_left(reference, &format!("token request to {realm}"))?;
        let result = match cred {
            Credential::IdentityToken { token, .. } => {
                let mut form: Vec<(&str, &str)> = vec![
                    ("grant_type", "refresh_token"),
                    ("refresh_token", token),
                    ("client_id", "pacto"),
                ];
                form.extend(params.iter().copied());
                let body = form
                    .iter()
                    .map(|(k, v)| format!("{k}={}", urlencode(v)))
                    .collect::<Vec<_>>()
                    .join("&");
                agent
                    .post(realm)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .config()
                    .timeout_global(Some(left))
                    .build()
                    .send(body.as_bytes())
            }
            _ => {
                let sep = if realm.contains('?') { '&' } else { '?' };
                let query = params
                    .iter()
                    .map(|(k, v)| format!("{k}={}", urlencode(v)))
                    .collect::<Vec<_>>()
                    .join("&");
                let url = if query.is_empty() {
                    realm.to_string()
                } else {
                    format!("{realm}{sep}{query}")
                };
                let mut r = agent.get(&url).config().timeout_global(Some(left)).build();
                if let Credential::Basic { username, password } = cred {
                    r = r.header("Authorization", basic_header(username, password));
                }
                r.call()
            }
        };
        let mut resp = result.map_err(|e| net(describe_ureq(&e)))?;
        let status = resp.status().as_u16();
        if status != 200 {
            let body = read_error_body(&mut resp);
            let detail = format!(
                "token request to {realm} for {}: {status}{}",
                repo.registry,
                if body.is_empty() {
                    String::new()
                } else {
                    format!(": {body}")
                }
            );
            return Err(if matches!(status, 400 | 401 | 403) {
                RegistryError::Auth {
                    reference: reference.to_string(),
                    detail,
                }
            } else {
                net(detail)
            });
        }
        let mut buf = Vec::new();
        resp.body_mut()
            .as_reader()
            .take(MAX_TOKEN_BODY)
            .read_to_end(&mut buf)
            .map_err(|e| net(e.to_string()))?;
        let v: serde_json::Value = serde_json::from_slice(&buf)
            .map_err(|e| net(format!("the token response is not JSON: {e}")))?;
        v.get("token")
            .or_else(|| v.get("access_token"))
            .and_then(|t| t.as_str())
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .ok_or_else(|| net("the token response has no token".to_string()))
    }

    /// Turn a non-success response into the §6.3 error.
    fn status_error(
        &self,
        req: &Request<'_>,
        mut resp: Response<ureq::Body>,
        reference: &str,
    ) -> RegistryError {
        let status = resp.status();
        let body = read_error_body(&mut resp);
        let detail = format!(
            "{} {}: {} {}{}",
            req.method,
            req.url,
            status.as_u16(),
            status.canonical_reason().unwrap_or(""),
            if body.is_empty() {
                String::new()
            } else {
                format!(": {body}")
            }
        );
        let reference = reference.to_string();
        match status.as_u16() {
            401 | 403 => RegistryError::Auth { reference, detail },
            404 => RegistryError::NotFound { reference, detail },
            _ => RegistryError::Unreachable { reference, detail },
        }
    }

    /// `GET /v2/` with authentication: checks that the registry answers and accepts the
    /// credentials (used by `pacto login`).
    pub fn ping(&self, repo: &Repo, reference: &str) -> Result<(), RegistryError> {
        let req = Request::new(http::Method::GET, format!("{}/v2/", self.base_url(repo)));
        let resp = self.execute(repo, Access::Registry, &req, reference)?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(self.status_error(&req, resp, reference))
        }
    }

    /// `HEAD` a manifest: `Ok(Some(digest))` when it exists (the digest may be empty when
    /// the registry does not send one), `Ok(None)` on 404.
    pub fn head_manifest(
        &self,
        repo: &Repo,
        reference_part: &str,
        reference: &str,
    ) -> Result<Option<String>, RegistryError> {
        let req = Request::new(
            http::Method::HEAD,
            self.repo_url(repo, &format!("manifests/{reference_part}")),
        )
        .header("Accept", MANIFEST_ACCEPT);
        let resp = self.execute(repo, Access::Pull, &req, reference)?;
        if resp.status().is_success() {
            return Ok(Some(
                header(&resp, "docker-content-digest").unwrap_or_default(),
            ));
        }
        match self.status_error(&req, resp, reference) {
            RegistryError::NotFound { .. } => Ok(None),
            e => Err(e),
        }
    }

    /// `GET` a manifest by tag or digest (bounded). When `reference_part` is a digest, the
    /// content is verified against it.
    pub fn get_manifest(
        &self,
        repo: &Repo,
        reference_part: &str,
        reference: &str,
    ) -> Result<FetchedManifest, RegistryError> {
        let req = Request::new(
            http::Method::GET,
            self.repo_url(repo, &format!("manifests/{reference_part}")),
        )
        .header("Accept", MANIFEST_ACCEPT);
        let mut resp = self.execute(repo, Access::Pull, &req, reference)?;
        if !resp.status().is_success() {
            return Err(self.status_error(&req, resp, reference));
        }
        let media_type = header(&resp, "content-type").unwrap_or_default();
        let announced = header(&resp, "docker-content-digest");
        let expected = if reference_part.starts_with("sha256:") {
            Some(reference_part.to_string())
        } else {
            None
        };
        let bytes = self.read_body(
            &mut resp,
            self.options.limits.manifest,
            None,
            expected.as_deref(),
            "manifest",
            None,
            reference,
        )?;
        let digest = format!("sha256:{}", sha256_hex(&bytes));
        if let Some(a) = announced.filter(|a| a.starts_with("sha256:")) {
            if a != digest {
                return Err(RegistryError::DigestMismatch {
                    reference: reference.to_string(),
                    what: "manifest".to_string(),
                    expected: a,
                    actual: digest,
                });
            }
        }
        Ok(FetchedManifest {
            bytes,
            digest,
            media_type,
        })
    }

    /// `PUT` a manifest under `tag`; returns its digest.
    pub fn put_manifest(
        &self,
        repo: &Repo,
        tag: &str,
        bytes: &[u8],
        media_type: &str,
        reference: &str,
    ) -> Result<String, RegistryError> {
        let mut req = Request::new(
            http::Method::PUT,
            self.repo_url(repo, &format!("manifests/{tag}")),
        )
        .header("Content-Type", media_type);
        req.body = Some(bytes);
        let resp = self.execute(repo, Access::Push, &req, reference)?;
        if !resp.status().is_success() {
            return Err(self.status_error(&req, resp, reference));
        }
        let digest = format!("sha256:{}", sha256_hex(bytes));
        match header(&resp, "docker-content-digest") {
            Some(d) if d.starts_with("sha256:") && d != digest => {
                Err(RegistryError::DigestMismatch {
                    reference: reference.to_string(),
                    what: "pushed manifest".to_string(),
                    expected: digest,
                    actual: d,
                })
            }
            _ => Ok(digest),
        }
    }

    /// Whether the repository has the blob.
    pub fn blob_exists(
        &self,
        repo: &Repo,
        digest: &str,
        access: Access,
        reference: &str,
    ) -> Result<bool, RegistryError> {
        let req = Request::new(
            http::Method::HEAD,
            self.repo_url(repo, &format!("blobs/{digest}")),
        );
        let resp = self.execute(repo, access, &req, reference)?;
        if resp.status().is_success() {
            return Ok(true);
        }
        match self.status_error(&req, resp, reference) {
            RegistryError::NotFound { .. } => Ok(false),
            e => Err(e),
        }
    }

    /// `GET` a blob: at most `cap` bytes, exactly `size` bytes when given, hashing to `digest`.
    pub fn get_blob(
        &self,
        repo: &Repo,
        digest: &str,
        size: Option<u64>,
        cap: u64,
        what: &str,
        reference: &str,
    ) -> Result<Vec<u8>, RegistryError> {
        if let Some(s) = size.filter(|s| *s > cap) {
            return Err(RegistryError::TooLarge {
                reference: reference.to_string(),
                what: what.to_string(),
                size: format!("{s} bytes"),
                limit: cap,
                unit: "bytes",
            });
        }
        let req = Request::new(
            http::Method::GET,
            self.repo_url(repo, &format!("blobs/{digest}")),
        );
        let mut resp = self.execute(repo, Access::Pull, &req, reference)?;
        if !resp.status().is_success() {
            return Err(self.status_error(&req, resp, reference));
        }
        let label = format!("pulling {}", short_ref(reference));
        self.read_body(
            &mut resp,
            cap,
            size,
            Some(digest),
            what,
            Some(&label),
            reference,
        )
    }

    /// Read a body: refuse over `cap` (by `Content-Length` first), check the announced `size`
    /// and the `digest`.
    #[allow(clippy::too_many_arguments)]
    fn read_body(
        &self,
        resp: &mut Response<ureq::Body>,
        cap: u64,
        size: Option<u64>,
        digest: Option<&str>,
        what: &str,
        progress: Option<&str>,
        reference: &str,
    ) -> Result<Vec<u8>, RegistryError> {
        let too_large = |size: String| RegistryError::TooLarge {
            reference: reference.to_string(),
            what: what.to_string(),
            size,
            limit: cap,
            unit: "bytes",
        };
        let content_length = header(resp, "content-length").and_then(|v| v.parse::<u64>().ok());
        if let Some(cl) = content_length.filter(|cl| *cl > cap) {
            return Err(too_large(format!("{cl} bytes")));
        }
        let expected = size.or(content_length);
        // Read one byte past what is allowed to notice excess.
        let limit = expected.map_or(cap, |e| e.min(cap)) + 1;
        let mut transfer = progress.and_then(|label| {
            let p = self.progress.as_ref()?;
            Some(p.start(label, expected.unwrap_or(0)))
        });
        let mut hasher = Sha256::new();
        let mut out = Vec::with_capacity(expected.unwrap_or(0).min(cap) as usize);
        let mut reader = resp.body_mut().as_reader().take(limit);
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            match reader.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    hasher.update(&chunk[..n]);
                    out.extend_from_slice(&chunk[..n]);
                    if let Some(t) = transfer.as_mut() {
                        t.advance(n as u64);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    if let Some(timeout) = self.past_deadline() {
                        return Err(deadline_error(
                            reference,
                            &format!("reading the {what} ({} bytes received)", out.len()),
                            timeout,
                        ));
                    }
                    let text = e.to_string().to_ascii_lowercase();
                    if e.kind() == std::io::ErrorKind::TimedOut || text.contains("timeout") {
                        return Err(RegistryError::Unreachable {
                            reference: reference.to_string(),
                            detail: format!(
                                "the registry stopped sending the {what} ({} bytes received): nothing arrived for {} s; retry, or set PACTO_REGISTRY_STALL_TIMEOUT (seconds) to wait longer",
                                out.len(),
                                self.options.io_timeout.as_secs_f64()
                            ),
                        });
                    }
                    if let Some(exp) = expected.filter(|exp| (out.len() as u64) < *exp) {
                        return Err(RegistryError::Truncated {
                            reference: reference.to_string(),
                            what: what.to_string(),
                            got: out.len() as u64,
                            expected: exp,
                        });
                    }
                    return Err(RegistryError::Unreachable {
                        reference: reference.to_string(),
                        detail: format!("reading the {what}: {e}"),
                    });
                }
            }
        }
        if let Some(t) = transfer.as_mut() {
            t.finish();
        }
        let got = out.len() as u64;
        if got > cap {
            return Err(too_large("the download".to_string()));
        }
        if let Some(exp) = expected.filter(|e| got < *e) {
            return Err(RegistryError::Truncated {
                reference: reference.to_string(),
                what: what.to_string(),
                got,
                expected: exp,
            });
        }
        if let Some(exp) = expected.filter(|e| got > *e) {
            // More bytes than announced: a size mismatch, whatever the digest of the excess.
            return Err(RegistryError::InvalidArtifact {
                reference: reference.to_string(),
                detail: format!(
                    "size mismatch: the {what} is {got}+ bytes but was announced as {exp} bytes — the registry or a proxy returned different content; retry, and push the artifact again if it persists"
                ),
            });
        }
        let actual = format!("sha256:{}", super::cache::lower_hex(&hasher.finalize()));
        if let Some(d) = digest {
            if d != actual {
                return Err(RegistryError::DigestMismatch {
                    reference: reference.to_string(),
                    what: what.to_string(),
                    expected: d.to_string(),
                    actual,
                });
            }
        }
        Ok(out)
    }

    /// Upload a blob unless the repository has it: `POST` an upload, then `PUT ?digest=`.
    pub fn upload_blob(
        &self,
        repo: &Repo,
        digest: &str,
        bytes: &[u8],
        label: Option<&str>,
        reference: &str,
    ) -> Result<(), RegistryError> {
        if self.blob_exists(repo, digest, Access::Push, reference)? {
            if let Some(mut t) = label.and_then(|l| Some(self.progress.as_ref()?.start(l, 0))) {
                t.finish();
            }
            return Ok(());
        }
        let post = Request::new(http::Method::POST, self.repo_url(repo, "blobs/uploads/"))
            .header("Content-Length", "0");
        let resp = self.execute(repo, Access::Push, &post, reference)?;
        if resp.status().as_u16() != 202 && !resp.status().is_success() {
            return Err(self.status_error(&post, resp, reference));
        }
        let location = header(&resp, "location").ok_or_else(|| RegistryError::Unreachable {
            reference: reference.to_string(),
            detail: format!("POST {}: the upload response has no Location", post.url),
        })?;
        let base = self.base_url(repo);
        let url = if location.starts_with("http://") || location.starts_with("https://") {
            location
        } else if location.starts_with('/') {
            format!("{base}{location}")
        } else {
            format!("{base}/{location}")
        };
        let sep = if url.contains('?') { '&' } else { '?' };
        let mut put = Request::new(http::Method::PUT, format!("{url}{sep}digest={digest}"))
            .header("Content-Type", "application/octet-stream");
        put.body = Some(bytes);
        put.progress = label;
        let resp = self.execute(repo, Access::Push, &put, reference)?;
        if !resp.status().is_success() {
            return Err(self.status_error(&put, resp, reference));
        }
        Ok(())
    }

    /// Every tag of the repository, following `Link: <…>; rel="next"` pages.
    pub fn list_tags(&self, repo: &Repo, reference: &str) -> Result<Vec<String>, RegistryError> {
        let base = self.base_url(repo);
        let mut url = self.repo_url(
            repo,
            &format!("tags/list?n={}", self.options.tag_page_size.max(1)),
        );
        let mut tags = Vec::new();
        for _ in 0..self.options.max_tag_pages.max(1) {
            let req =
                Request::new(http::Method::GET, url.clone()).header("Accept", "application/json");
            let mut resp = self.execute(repo, Access::Pull, &req, reference)?;
            if !resp.status().is_success() {
                return Err(self.status_error(&req, resp, reference));
            }
            let next = header(&resp, "link").and_then(|l| next_link(&l));
            let body = self.read_body(
                &mut resp,
                self.options.limits.manifest,
                None,
                None,
                "tag list",
                None,
                reference,
            )?;
            #[derive(serde::Deserialize)]
            struct TagList {
                tags: Option<Vec<String>>,
            }
            let page: TagList =
                serde_json::from_slice(&body).map_err(|e| RegistryError::Unreachable {
                    reference: reference.to_string(),
                    detail: format!("GET {url}: the tag list is not valid JSON: {e}"),
                })?;
            tags.extend(page.tags.unwrap_or_default());
            if tags.len() > self.options.max_tags {
                return Err(RegistryError::TooLarge {
                    reference: reference.to_string(),
                    what: "tag list".to_string(),
                    size: format!("{} tags", tags.len()),
                    limit: self.options.max_tags as u64,
                    unit: "tags",
                });
            }
            let Some(next) = next else {
                return Ok(tags);
            };
            url = if next.starts_with('/') {
                format!("{base}{next}")
            } else if next.starts_with(&format!("{base}/")) {
                next
            } else {
                return Err(RegistryError::Unreachable {
                    reference: reference.to_string(),
                    detail: format!(
                        "GET {url}: the next page link {next:?} leaves the registry {base}"
                    ),
                });
            };
        }
        Err(RegistryError::TooLarge {
            reference: reference.to_string(),
            what: "tag list".to_string(),
            size: format!("more than {} pages", self.options.max_tag_pages),
            limit: self.options.max_tag_pages as u64,
            unit: "pages",
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn header<B>(resp: &Response<B>, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_string())
}

fn truncate(s: &str, n: usize) -> String {
    if s.len() <= n {
        return s.to_string();
    }
    let mut end = n;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// `host/repo:tag` → `repo:tag`, for progress labels.
fn short_ref(reference: &str) -> &str {
    reference.split_once('/').map_or(reference, |(_, r)| r)
}

/// The registry's error body in one line: `CODE: message; …`, or the text.
fn read_error_body(resp: &mut Response<ureq::Body>) -> String {
    let mut buf = Vec::new();
    let _ = resp
        .body_mut()
        .as_reader()
        .take(MAX_ERROR_BODY)
        .read_to_end(&mut buf);
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&buf) {
        if let Some(errors) = v.get("errors").and_then(|e| e.as_array()) {
            let parts: Vec<String> = errors
                .iter()
                .take(5)
                .map(|e| {
                    let code = e.get("code").and_then(|c| c.as_str()).unwrap_or("");
                    let msg = e.get("message").and_then(|c| c.as_str()).unwrap_or("");
                    format!("{code}: {msg}")
                })
                .collect();
            if !parts.is_empty() {
                return truncate(&parts.join("; "), 500);
            }
        }
    }
    let text = String::from_utf8_lossy(&buf);
    truncate(&text.split_whitespace().collect::<Vec<_>>().join(" "), 300)
}

/// The `rel="next"` target of a `Link` header.
pub fn next_link(link: &str) -> Option<String> {
    for part in link.split(',') {
        let part = part.trim();
        let (target, params) = part.split_once(';').unwrap_or((part, ""));
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        let is_next = params.split(';').any(|p| {
            let p = p.trim().replace(' ', "");
            p.eq_ignore_ascii_case("rel=\"next\"") || p.eq_ignore_ascii_case("rel=next")
        });
        if is_next {
            return Some(target.to_string());
        }
    }
    None
}

/// The operation's deadline passed while `doing`.
fn deadline_error(reference: &str, doing: &str, timeout: Duration) -> RegistryError {
    RegistryError::Unreachable {
        reference: reference.to_string(),
        detail: format!(
            "timed out after {} s (the deadline of one registry operation) while {doing}: the registry is too slow or stalled; set PACTO_REGISTRY_TIMEOUT (seconds) to wait longer",
            timeout.as_secs_f64()
        ),
    }
}

fn describe_ureq(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) => io.to_string(),
        ureq::Error::HostNotFound => "host not found (DNS)".to_string(),
        ureq::Error::ConnectionFailed => "connection failed".to_string(),
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        other => other.to_string(),
    }
}

/// Percent-encode a query value.
fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers() {
        assert_eq!(
            next_link(r#"</v2/r/tags/list?last=b&n=2>; rel="next""#).as_deref(),
            Some("/v2/r/tags/list?last=b&n=2")
        );
        assert_eq!(
            next_link(r#"<http://x/a>; rel="prev", <http://x/b>; rel=next"#).as_deref(),
            Some("http://x/b")
        );
        assert_eq!(next_link("garbage"), None);
    }

    #[test]
    fn encoding() {
        assert_eq!(
            urlencode("repository:a/b:pull,push"),
            "repository%3Aa%2Fb%3Apull%2Cpush"
        );
    }
}
