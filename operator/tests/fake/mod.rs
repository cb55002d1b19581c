//! A scripted Kubernetes API for controller tests: kube's `Client` over a `tower-test` mock
//! service, answered by a tiny in-memory object store that records every request.
//!
//! It understands the few calls the reconciler makes: GET of an object or a collection (with an
//! equality `labelSelector`), server-side apply PATCH of an object or its `/status`, POST and PUT.
//! `fail` injects an HTTP error for matching requests.
//!
//! Watches (`?watch=true` on a collection) answer the events queued with `push_watch_event` for
//! that collection, or nothing after a short wait; the watcher then simply watches again.

#![allow(dead_code)]

use hyper::{Request, Response};
use kube::client::Body;
use pacto_core::registry::{Credential, RegistryError, Target};
use pacto_operator::source::{Fetched, Source};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// One request as the API saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub content_type: String,
    pub body: Value,
}

impl Recorded {
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// `(method, path)` → `Some((code, body))`: the answer of an injected failure (`None` as body:
/// a `Status` like the API server's).
type FailRule = Box<dyn Fn(&str, &str) -> Option<(u16, Option<Vec<u8>>)> + Send + Sync>;
/// `(method, path, body)` → `Some((code, answer))` to answer a request (see `FakeApi::respond`).
type Responder = Box<dyn Fn(&str, &str, &Value) -> Option<(u16, Value)> + Send + Sync>;

#[derive(Default)]
struct State {
    objects: BTreeMap<String, Value>,
    requests: Vec<Recorded>,
    fail: Vec<FailRule>,
    responders: Vec<Responder>,
    /// Collection path → queued watch events (`{"type": …, "object": …}`).
    watch_events: BTreeMap<String, Vec<Value>>,
}

/// The fake API server.
#[derive(Clone, Default)]
pub struct FakeApi {
    state: Arc<Mutex<State>>,
}

pub const PACTOS: &str = "/apis/pacto.trianalab.io/v1alpha1/namespaces";

impl FakeApi {
    pub fn new() -> FakeApi {
        FakeApi::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// Store `obj` at its API path.
    pub fn put(&self, path: &str, obj: Value) {
        self.lock().objects.insert(path.to_string(), obj);
    }

    /// Remove the object at `path` (as a deletion by someone else would).
    pub fn remove(&self, path: &str) -> Option<Value> {
        self.lock().objects.remove(path)
    }

    pub fn get(&self, path: &str) -> Option<Value> {
        self.lock().objects.get(path).cloned()
    }

    /// Objects whose path starts with `prefix`.
    pub fn list(&self, prefix: &str) -> Vec<(String, Value)> {
        self.lock()
            .objects
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Answer `code` to requests for which `rule(method, path)` holds.
    /// Watches (`WATCH` is not a method here: a watch is a `GET`) fail the same way. A `404`
    /// from this rule names no object: it is how an API server answers for a kind it does not
    /// serve (an object that does not exist gets a `Status` with `details.name`).
    pub fn fail(&self, rule: impl Fn(&str, &str) -> bool + Send + Sync + 'static, code: u16) {
        self.lock()
            .fail
            .push(Box::new(move |m, p| rule(m, p).then_some((code, None))));
    }

    /// Like [`FakeApi::fail`], but answer `body` as it is (plain text, HTML, JSON that is not a
    /// `Status`), as API paths that are not served and proxies do.
    pub fn fail_with_body(
        &self,
        rule: impl Fn(&str, &str) -> bool + Send + Sync + 'static,
        code: u16,
        body: &str,
    ) {
        let body = body.as_bytes().to_vec();
        self.lock().fail.push(Box::new(move |m, p| {
            rule(m, p).then(|| (code, Some(body.clone())))
        }));
    }

    /// Answer requests for which `rule(method, path, body)` returns `Some((code, answer))` with
    /// that JSON instead of the object store (checked after `fail`): e.g. TokenReview and
    /// SubjectAccessReview POSTs, which the API server answers without storing anything.
    pub fn respond(
        &self,
        rule: impl Fn(&str, &str, &Value) -> Option<(u16, Value)> + Send + Sync + 'static,
    ) {
        self.lock().responders.push(Box::new(rule));
    }

    /// Queue a watch event (`ADDED`, `MODIFIED`, `DELETED`) for the next watch of `collection`
    /// (e.g. `/api/v1/namespaces/shop/secrets`). The object needs a `metadata.resourceVersion`.
    pub fn push_watch_event(&self, collection: &str, kind: &str, object: Value) {
        self.lock()
            .watch_events
            .entry(collection.to_string())
            .or_default()
            .push(json!({"type": kind, "object": object}));
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    /// A kube client whose every request this fake answers, with the operator's client layers
    /// (as `controller::connect` builds them).
    pub fn client(&self) -> kube::Client {
        let (service, mut handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
        let me = self.clone();
        tokio::spawn(async move {
            while let Some((req, send)) = handle.next_request().await {
                // Concurrently: a watch waits for events without holding up other requests.
                let me = me.clone();
                tokio::spawn(async move {
                    let resp = me.answer(req).await;
                    send.send_response(resp);
                });
            }
        });
        kube::client::ClientBuilder::new(service, "default")
            .with_layer(&pacto_operator::apierror::StatusCodeLayer)
            .build()
    }

    async fn answer(&self, req: Request<Body>) -> Response<Body> {
        let method = req.method().to_string();
        let path = req.uri().path().to_string();
        let query = req.uri().query().unwrap_or("").to_string();
        let content_type = req
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let bytes = req.into_body().collect_bytes().await.unwrap_or_default();
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if method == "GET"
            && query
                .split('&')
                .any(|kv| kv == "watch=true" || kv == "watch=1")
        {
            return self.watch(&path, &query).await;
        }
        let mut st = self.lock();
        st.requests.push(Recorded {
            method: method.clone(),
            path: path.clone(),
            query: query.clone(),
            content_type,
            body: body.clone(),
        });
        if let Some((code, body)) = st.fail.iter().find_map(|f| f(&method, &path)) {
            return failure(code, body);
        }
        if let Some((code, answer)) = st.responders.iter().find_map(|r| r(&method, &path, &body)) {
            return Response::builder()
                .status(code)
                .header("content-type", "application/json")
                .body(Body::from(serde_json::to_vec(&answer).unwrap()))
                .unwrap();
        }
        let (obj_path, sub_status) = match path.strip_suffix("/status") {
            Some(p) => (p.to_string(), true),
            None => (path.clone(), false),
        };
        match method.as_str() {
            "GET" => {
                if let Some(o) = st.objects.get(&path) {
                    return ok(o.clone());
                }
                if let Some(name) = object_name(&path) {
                    return not_found(name);
                }
                // A collection: objects exactly one segment below.
                let prefix = format!("{path}/");
                let selector = label_selector(&query);
                let items: Vec<Value> = st
                    .objects
                    .iter()
                    .filter(|(k, _)| k.starts_with(&prefix) && !k[prefix.len()..].contains('/'))
                    .map(|(_, v)| v.clone())
                    .filter(|v| {
                        selector
                            .iter()
                            .all(|(k, want)| v["metadata"]["labels"][k].as_str() == Some(want))
                    })
                    .collect();
                ok(
                    json!({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": "1"}, "items": items}),
                )
            }
            "PATCH" => {
                if sub_status && !st.objects.contains_key(&obj_path) {
                    return status(404, "not found");
                }
                let mut obj = st.objects.get(&obj_path).cloned().unwrap_or_else(|| {
                    let mut b = body.clone();
                    if let Some(m) = b.as_object_mut() {
                        m.remove("status");
                    }
                    b
                });
                if sub_status {
                    obj["status"] = body["status"].clone();
                } else {
                    let status = obj.get("status").cloned();
                    obj = body.clone();
                    if let Some(s) = status {
                        obj["status"] = s;
                    }
                }
                st.objects.insert(obj_path, obj.clone());
                ok(obj)
            }
            "POST" => {
                let name = body["metadata"]["name"].as_str().unwrap_or("x").to_string();
                let key = format!("{path}/{name}");
                if st.objects.contains_key(&key) {
                    return status(409, "already exists");
                }
                st.objects.insert(key, body.clone());
                ok(body)
            }
            "PUT" => {
                st.objects.insert(path, body.clone());
                ok(body)
            }
            // Dashboard cleanup: delete one object (the DeleteOptions body is recorded).
            "DELETE" => match st.objects.remove(&path) {
                Some(o) => ok(o),
                None => status(404, "not found"),
            },
            _ => status(405, "method not allowed"),
        }
    }
}

/// `/apis/g/v/namespaces/ns/kind/name` (odd number of segments after `namespaces`).
impl FakeApi {
    async fn watch(&self, path: &str, query: &str) -> Response<Body> {
        let failed = {
            let mut st = self.lock();
            st.requests.push(Recorded {
                method: "WATCH".to_string(),
                path: path.to_string(),
                query: query.to_string(),
                content_type: String::new(),
                body: Value::Null,
            });
            st.fail.iter().find_map(|f| f("GET", path))
        };
        if let Some((code, body)) = failed {
            return failure(code, body);
        }
        let mut events = Vec::new();
        for _ in 0..10 {
            events = self.lock().watch_events.remove(path).unwrap_or_default();
            if !events.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        let mut text = String::new();
        for e in events {
            text.push_str(&e.to_string());
            text.push('\n');
        }
        Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(Body::from(text.into_bytes()))
            .unwrap()
    }
}

fn looks_like_object(path: &str) -> bool {
    match path.split_once("/namespaces/") {
        // `ns/kind/name`, or `/api/v1/namespaces/<name>` (a Namespace).
        Some((_, rest)) => matches!(rest.split('/').count(), 1 | 3),
        // Cluster-scoped objects: `/apis/g/v/kind/name`, `/api/v1/kind/name`.
        None => {
            let n = path.split('/').count();
            (path.starts_with("/apis/") && n == 6) || (path.starts_with("/api/") && n == 5)
        }
    }
}

fn label_selector(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter_map(|kv| kv.strip_prefix("labelSelector="))
        .flat_map(|s| {
            let s = s
                .replace("%2F", "/")
                .replace("%3D", "=")
                .replace("%2C", ",");
            s.split(',')
                .filter_map(|p| {
                    p.split_once('=')
                        .map(|(a, b)| (a.to_string(), b.to_string()))
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The name in an object path, when `path` is one (not a collection).
fn object_name(path: &str) -> Option<&str> {
    looks_like_object(path)
        .then(|| path.rsplit('/').next())
        .flatten()
}

/// The API server's answer for an object that does not exist: a `Status` naming it.
fn not_found(name: &str) -> Response<Body> {
    let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": format!("{name:?} not found"), "reason": "NotFound",
        "details": {"name": name}, "code": 404});
    Response::builder()
        .status(404)
        .header("content-type", "application/json")
        .body(Body::from(serde_json::to_vec(&body).unwrap()))
        .unwrap()
}

fn failure(code: u16, body: Option<Vec<u8>>) -> Response<Body> {
    match body {
        None => status(code, "injected failure"),
        Some(b) => Response::builder()
            .status(code)
            .body(Body::from(b))
            .unwrap(),
    }
}

fn ok(v: Value) -> Response<Body> {
    Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(Body::from(serde_json::to_vec(&v).unwrap()))
        .unwrap()
}

fn status(code: u16, msg: &str) -> Response<Body> {
    let reason = match code {
        403 => "Forbidden",
        404 => "NotFound",
        409 => "AlreadyExists",
        _ => "InternalError",
    };
    let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": msg, "reason": reason, "code": code});
    Response::builder()
        .status(code)
        .header("content-type", "application/json")
        .body(Body::from(serde_json::to_vec(&body).unwrap()))
        .unwrap()
}

/// A manifest digest for `text` (`sha256:` and 64 hex digits), as a registry gives one.
pub fn digest_of(text: &str) -> String {
    use sha2::Digest;
    let sum = sha2::Sha256::digest(text.as_bytes());
    let hex: String = sum.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Tag → (contract text, digest).
pub type Tags = BTreeMap<String, (String, String)>;

/// In-memory registry: repository → tags.
#[derive(Default)]
pub struct MemSource {
    pub repos: Mutex<BTreeMap<String, Tags>>,
    /// `repo:tag` → the bundle fetched with the contract (none: an OCI artifact of the contract
    /// alone).
    pub bundles: Mutex<BTreeMap<String, pacto_core::bundle::MemBundle>>,
    pub unreachable: Mutex<Vec<String>>,
    pub credentials: Mutex<Vec<Option<Credential>>>,
}

impl MemSource {
    pub fn publish(&self, repo: &str, tag: &str, text: &str, digest: &str) {
        self.repos
            .lock()
            .unwrap()
            .entry(repo.to_string())
            .or_default()
            .insert(tag.to_string(), (text.to_string(), digest.to_string()));
    }

    /// Publish `text` at `repo:tag` with its bundle (schemas, interface files).
    pub fn publish_bundle(
        &self,
        repo: &str,
        tag: &str,
        text: &str,
        digest: &str,
        bundle: pacto_core::bundle::MemBundle,
    ) {
        self.publish(repo, tag, text, digest);
        self.bundles
            .lock()
            .unwrap()
            .insert(format!("{repo}:{tag}"), bundle);
    }

    pub fn make_unreachable(&self, repo: &str) {
        self.unreachable.lock().unwrap().push(repo.to_string());
    }
}

impl Source for MemSource {
    fn fetch(
        &self,
        reference: &str,
        credential: Option<&Credential>,
    ) -> Result<Fetched, RegistryError> {
        self.credentials.lock().unwrap().push(credential.cloned());
        let t = Target::parse(reference)?;
        let repo = t.repo.to_string();
        if self.unreachable.lock().unwrap().contains(&repo) {
            return Err(RegistryError::Unreachable {
                reference: reference.to_string(),
                detail: "connection refused".to_string(),
            });
        }
        let repos = self.repos.lock().unwrap();
        let tags = repos.get(&repo).ok_or_else(|| RegistryError::NotFound {
            reference: reference.to_string(),
            detail: String::new(),
        })?;
        let tag = match &t.tag {
            Some(tag) => tag.clone(),
            None => pacto_core::version::highest_matching(tags.keys().map(String::as_str), None)
                .map(|(t, _)| t.to_string())
                .ok_or(RegistryError::NoSemverTags {
                    reference: reference.to_string(),
                })?,
        };
        let (text, digest) = tags.get(&tag).ok_or_else(|| RegistryError::NotFound {
            reference: reference.to_string(),
            detail: String::new(),
        })?;
        Ok(Fetched {
            text: text.clone(),
            bundle: self
                .bundles
                .lock()
                .unwrap()
                .get(&format!("{repo}:{tag}"))
                .cloned(),
            resolved_ref: format!("{repo}:{tag}"),
            digest: digest.clone(),
        })
    }

    fn tags(
        &self,
        reference: &str,
        _credential: Option<&Credential>,
    ) -> Result<Vec<String>, RegistryError> {
        let t = Target::parse(reference)?;
        let repo = t.repo.to_string();
        if self.unreachable.lock().unwrap().contains(&repo) {
            return Err(RegistryError::Unreachable {
                reference: reference.to_string(),
                detail: "connection refused".to_string(),
            });
        }
        Ok(self
            .repos
            .lock()
            .unwrap()
            .get(&repo)
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default())
    }
}
