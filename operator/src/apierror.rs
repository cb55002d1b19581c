//! Kubernetes API errors in words a person can act on: the HTTP status, the verb and the
//! resource ("HTTP 403 Forbidden on list deployments.apps/v1 in namespace shop"), never kube's
//! `ApiError: :  (Status { status: None, code: 0, … })`.
//!
//! Not every error answer of an API server is a `metav1.Status`: an API path that is not served
//! answers a plain-text `404 page not found`, a proxy may answer HTML, and a JSON body of another
//! shape parses as an empty `Status` whose `code` is 0. [`StatusCodeLayer`] sits in the client's
//! stack and rewrites such answers into a `Status` that carries the real HTTP status code, so
//! every error the operator sees knows its code.

use bytes::Bytes;
use http_body_util::{BodyExt, Either, Full, Limited};
use hyper::{Request, Response};
use kube::core::Status;
use kube::Resource;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// At most this many bytes of an error answer are read.
const MAX_ERROR_BODY: usize = 64 * 1024;
/// At most this many characters of the server's own message are quoted.
const MAX_MESSAGE: usize = 300;

/// `services/v1`, `deployments.apps/v1`: the resource of `K` as an API path names it.
pub fn resource_of<K: Resource<DynamicType = ()>>() -> String {
    let (plural, group, version) = (K::plural(&()), K::group(&()), K::version(&()));
    if group.is_empty() {
        format!("{plural}/{version}")
    } else {
        format!("{plural}.{group}/{version}")
    }
}

/// Where a request went: `in namespace shop` or `in all namespaces`.
pub fn scope(namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) => format!("in namespace {ns}"),
        None => "in all namespaces".to_string(),
    }
}

/// The HTTP status of an API error, when the server answered one.
pub fn http_code(err: &kube::Error) -> Option<u16> {
    match err {
        kube::Error::Api(s) if s.code != 0 => Some(s.code),
        _ => None,
    }
}

fn status_text(code: u16) -> String {
    let phrase = hyper::StatusCode::from_u16(code)
        .ok()
        .and_then(|c| c.canonical_reason())
        .unwrap_or("");
    if phrase.is_empty() {
        format!("HTTP {code}")
    } else {
        format!("HTTP {code} {phrase}")
    }
}

fn quoted(message: &str) -> Option<String> {
    let m = message.trim();
    if m.is_empty() {
        return None;
    }
    let mut out: String = m
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_MESSAGE)
        .collect();
    if m.chars().count() > MAX_MESSAGE {
        out.push('…');
    }
    Some(out)
}

/// The sentence for a failed Status: `HTTP 404 Not Found on get services/v1 "web" in
/// namespace shop: services "web" not found`.
pub fn describe_status(status: &Status, verb: &str, target: &str) -> String {
    let head = if status.code == 0 {
        "API error (no HTTP status reported)".to_string()
    } else {
        status_text(status.code)
    };
    let mut out = format!("{head} on {verb} {target}");
    if let Some(m) = quoted(&status.message) {
        out.push_str(": ");
        out.push_str(&m);
    }
    out
}

/// An error when the request is named elsewhere: `HTTP 403 Forbidden: <the server's message>`.
pub fn brief(err: &kube::Error) -> String {
    match err {
        kube::Error::Api(s) => {
            let head = if s.code == 0 {
                "API error (no HTTP status reported)".to_string()
            } else {
                status_text(s.code)
            };
            match quoted(&s.message) {
                Some(m) => format!("{head}: {m}"),
                None => head,
            }
        }
        other => other.to_string(),
    }
}

/// The sentence for any client error of `verb` on `target` (e.g. `list deployments.apps/v1 in
/// namespace shop`).
pub fn describe(err: &kube::Error, verb: &str, target: &str) -> String {
    match err {
        kube::Error::Api(s) => describe_status(s, verb, target),
        other => format!("{verb} {target} failed: {other}"),
    }
}

/// The sentence for a failed watch of `target` (`deployments.apps/v1 in namespace shop`).
pub fn describe_watch(err: &kube::runtime::watcher::Error, target: &str) -> String {
    use kube::runtime::watcher::Error as W;
    match err {
        W::InitialListFailed(e) => describe(e, "list", target),
        W::WatchStartFailed(e) | W::WatchFailed(e) => describe(e, "watch", target),
        W::WatchError(s) => describe_status(s, "watch", target),
        W::NoResourceVersion => {
            format!("watch {target}: the list answer had no metadata.resourceVersion")
        }
    }
}

/// The HTTP status of a failed watch, when the server answered one.
pub fn watch_code(err: &kube::runtime::watcher::Error) -> Option<u16> {
    use kube::runtime::watcher::Error as W;
    match err {
        W::InitialListFailed(e) | W::WatchStartFailed(e) | W::WatchFailed(e) => http_code(e),
        W::WatchError(s) if s.code != 0 => Some(s.code),
        _ => None,
    }
}

/// The `reason` the API server uses for `code`.
fn reason_for(code: u16) -> &'static str {
    match code {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        409 => "Conflict",
        410 => "Expired",
        422 => "Invalid",
        429 => "TooManyRequests",
        500 => "InternalError",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "Unknown",
    }
}

/// The body of an error answer as a `Status` that carries `code`: a `Status` with its code is
/// kept byte for byte; anything else (plain text, HTML, other JSON, a `Status` without code)
/// becomes a `Status` with the code, the usual reason and the server's text as its message.
pub fn normalize_error_body(code: u16, body: &[u8]) -> Option<Vec<u8>> {
    let parsed: Option<Status> = serde_json::from_slice(body).ok();
    let mut status = match parsed {
        Some(s) if s.code != 0 => return None,
        // A JSON `Status` without code: keep what it says.
        Some(s) if !s.message.is_empty() || !s.reason.is_empty() => s,
        // Other JSON (e.g. a list of paths): nothing worth quoting.
        Some(_) => Status::failure("", ""),
        None => {
            let is_json = serde_json::from_slice::<serde_json::Value>(body).is_ok();
            let text = if is_json {
                String::new()
            } else {
                quoted(&String::from_utf8_lossy(body)).unwrap_or_default()
            };
            Status::failure(&text, "")
        }
    };
    status.code = code;
    if status.reason.is_empty() {
        status.reason = reason_for(code).to_string();
    }
    status.status = Some(kube::core::response::StatusSummary::Failure);
    serde_json::to_vec(&status).ok()
}

/// A client layer giving every error answer a `Status` with the HTTP status code (see the
/// module documentation). `ClientBuilder::with_layer(&StatusCodeLayer)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct StatusCodeLayer;

impl<S> tower_layer::Layer<S> for StatusCodeLayer {
    type Service = StatusCodes<S>;

    fn layer(&self, inner: S) -> StatusCodes<S> {
        StatusCodes { inner }
    }
}

/// The service of [`StatusCodeLayer`].
#[derive(Debug, Clone)]
pub struct StatusCodes<S> {
    inner: S,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

impl<S, ReqBody, B> tower_service::Service<Request<ReqBody>> for StatusCodes<S>
where
    S: tower_service::Service<Request<ReqBody>, Response = Response<B>>,
    S::Future: Send + 'static,
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Response<Either<Full<Bytes>, B>>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let fut = self.inner.call(req);
        Box::pin(async move {
            let resp = fut.await?;
            let code = resp.status();
            if !(code.is_client_error() || code.is_server_error()) {
                return Ok(resp.map(Either::Right));
            }
            let (mut parts, body) = resp.into_parts();
            let bytes = Limited::new(body, MAX_ERROR_BODY)
                .collect()
                .await
                .map(|c| c.to_bytes())
                .unwrap_or_default();
            let bytes = match normalize_error_body(code.as_u16(), &bytes) {
                Some(fixed) => {
                    parts.headers.remove(hyper::header::CONTENT_LENGTH);
                    parts.headers.insert(
                        hyper::header::CONTENT_TYPE,
                        hyper::header::HeaderValue::from_static("application/json"),
                    );
                    Bytes::from(fixed)
                }
                None => bytes,
            };
            Ok(Response::from_parts(parts, Either::Left(Full::new(bytes))))
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn parse(b: &[u8]) -> Status {
        serde_json::from_slice(b).unwrap()
    }

    #[test]
    fn non_status_bodies_get_the_http_code() {
        let plain = parse(&normalize_error_body(404, b"404 page not found\n").unwrap());
        assert_eq!((plain.code, plain.reason.as_str()), (404, "NotFound"));
        assert_eq!(plain.message, "404 page not found");
        let other_json = parse(&normalize_error_body(404, br#"{"paths": ["/apis"]}"#).unwrap());
        assert_eq!((other_json.code, other_json.message.as_str()), (404, ""));
        let no_code =
            parse(&normalize_error_body(403, br#"{"message": "nope", "kind": "Status"}"#).unwrap());
        assert_eq!(
            (
                no_code.code,
                no_code.reason.as_str(),
                no_code.message.as_str()
            ),
            (403, "Forbidden", "nope")
        );
        // A proper Status is kept as it is.
        assert!(normalize_error_body(
            404,
            br#"{"kind":"Status","code":404,"reason":"NotFound","message":"x"}"#
        )
        .is_none());
    }

    #[test]
    fn descriptions_name_status_verb_and_resource() {
        use k8s_openapi::api::apps::v1::Deployment;
        use k8s_openapi::api::core::v1::Service;
        let target = format!("{} {}", resource_of::<Deployment>(), scope(Some("shop")));
        let err = kube::Error::Api(
            Status::failure(
                "deployments.apps is forbidden: User cannot list",
                "Forbidden",
            )
            .with_code(403)
            .boxed(),
        );
        assert_eq!(
            describe(&err, "list", &target),
            "HTTP 403 Forbidden on list deployments.apps/v1 in namespace shop: deployments.apps is forbidden: User cannot list"
        );
        // The empty Status of an unparsable answer says so instead of `Status { code: 0 … }`.
        let empty = kube::Error::Api(Status::default().boxed());
        let text = describe(&empty, "get", &resource_of::<Service>());
        assert_eq!(
            text,
            "API error (no HTTP status reported) on get services/v1"
        );
        assert!(!text.contains("Status {"));
    }
}
