//! `--metrics-secure`: the HTTPS `/metrics` server, with a real TLS client (ureq + rustls)
//! verifying the served certificate, and the TokenReview / SubjectAccessReview calls answered by
//! the scripted API.

#![allow(clippy::unwrap_used)]

mod fake;

use base64::Engine as _;
use fake::FakeApi;
use pacto_operator::checks::Check;
use pacto_operator::crd::ContractStatus;
use pacto_operator::metrics::Metrics;
use pacto_operator::metrics_auth::{self, AuthSettings, Authorizer, CertFiles, MetricsTls};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

const TOKEN_REVIEWS: &str = "/apis/authentication.k8s.io/v1/tokenreviews";
const ACCESS_REVIEWS: &str = "/apis/authorization.k8s.io/v1/subjectaccessreviews";
const PROMETHEUS: &str = "system:serviceaccount:monitoring:prometheus";
const NOBODY: &str = "system:serviceaccount:default:nobody";
const METRIC_LINE: &str =
    "pacto_contract_status{name=\"pay\",namespace=\"prod\",status=\"Compliant\"} 1";

/// An API server that authenticates `good-token` (Prometheus) and `denied-token` (nobody), and
/// allows only Prometheus to `get` the non-resource URL `/metrics`.
fn review_api() -> FakeApi {
    let api = FakeApi::new();
    api.respond(|method, path, body| {
        if method != "POST" || path != TOKEN_REVIEWS {
            return None;
        }
        let user = match body["spec"]["token"].as_str() {
            Some("good-token") => json!({
                "username": PROMETHEUS,
                "uid": "uid-1",
                "groups": ["system:serviceaccounts", "system:serviceaccounts:monitoring"],
                "extra": {"authentication.kubernetes.io/pod-name": ["prometheus-0"]}
            }),
            Some("denied-token") => json!({
                "username": NOBODY,
                "groups": ["system:serviceaccounts", "system:authenticated"]
            }),
            _ => {
                return Some((
                    201,
                    json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
                        "metadata": {}, "spec": body["spec"],
                        "status": {"authenticated": false, "error": "invalid bearer token"}}),
                ))
            }
        };
        Some((
            201,
            json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
                "metadata": {}, "spec": body["spec"],
                "status": {"authenticated": true, "user": user,
                    "audiences": ["https://kubernetes.default.svc"]}}),
        ))
    });
    api.respond(|method, path, body| {
        if method != "POST" || path != ACCESS_REVIEWS {
            return None;
        }
        let spec = &body["spec"];
        let allowed = spec["user"] == PROMETHEUS
            && spec["nonResourceAttributes"] == json!({"path": "/metrics", "verb": "get"});
        let reason = if allowed {
            "RBAC: allowed by ClusterRoleBinding \"prometheus-metrics\""
        } else {
            ""
        };
        Some((
            201,
            json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                "metadata": {}, "spec": spec, "status": {"allowed": allowed, "reason": reason}}),
        ))
    });
    api
}

fn metrics() -> Arc<Metrics> {
    let m = Arc::new(Metrics::default());
    m.record(
        "prod",
        "pay",
        "payments",
        ContractStatus::Compliant,
        &[Check::pass("ServiceExists", "Found", "")],
    );
    m
}

async fn start(tls: MetricsTls, auth: Arc<Authorizer>) -> SocketAddr {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(metrics_auth::serve(l, tls, auth, metrics()));
    addr
}

/// GET `path` over HTTPS, trusting only `root` (the certificate must also name 127.0.0.1).
fn https_get_blocking(
    addr: SocketAddr,
    root: &[u8],
    path: &str,
    authorization: Option<&str>,
) -> Result<(u16, String), ureq::Error> {
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![
            ureq::tls::Certificate::from_der(root).to_owned(),
        ])))
        .build();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .tls_config(tls)
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(15)))
        .build()
        .into();
    let mut req = agent.get(format!("https://127.0.0.1:{}{path}", addr.port()));
    if let Some(a) = authorization {
        req = req.header("Authorization", a);
    }
    let mut resp = req.call()?;
    let code = resp.status().as_u16();
    let body = resp.body_mut().read_to_string()?;
    Ok((code, body))
}

async fn https_get(
    addr: SocketAddr,
    root: &[u8],
    path: &str,
    authorization: Option<&str>,
) -> Result<(u16, String), ureq::Error> {
    let (root, path, authorization) = (
        root.to_vec(),
        path.to_string(),
        authorization.map(str::to_string),
    );
    tokio::task::spawn_blocking(move || {
        https_get_blocking(addr, &root, &path, authorization.as_deref())
    })
    .await
    .unwrap()
}

fn posts(api: &FakeApi, path: &str) -> Vec<Value> {
    api.requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == path)
        .map(|r| r.body)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secure_metrics_answer_401_403_and_200_after_the_exact_reviews() {
    let api = review_api();
    let tls = MetricsTls::self_signed().unwrap();
    let cert = tls.certificate().unwrap().to_vec();
    let auth = Arc::new(Authorizer::new(api.client()));
    let addr = start(tls, auth).await;

    // No token, or not a bearer token: 401 without asking the API server.
    for header in [None, Some("Basic dXNlcjpwYXNz"), Some("Bearer ")] {
        let (code, body) = https_get(addr, &cert, "/metrics", header).await.unwrap();
        assert_eq!((code, body.as_str()), (401, "Unauthorized\n"), "{header:?}");
    }
    assert!(api.requests().is_empty(), "{:?}", api.requests());

    // A token the TokenReview rejects: 401, and no SubjectAccessReview.
    let (code, body) = https_get(addr, &cert, "/metrics", Some("Bearer bad-token"))
        .await
        .unwrap();
    assert_eq!((code, body.as_str()), (401, "Unauthorized\n"));
    assert_eq!(
        posts(&api, TOKEN_REVIEWS),
        [
            json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "metadata": {},
            "spec": {"token": "bad-token"}})
        ]
    );
    assert!(posts(&api, ACCESS_REVIEWS).is_empty());
    api.clear_requests();

    // Authenticated but not allowed: 403 naming the user.
    let (code, body) = https_get(addr, &cert, "/metrics", Some("Bearer denied-token"))
        .await
        .unwrap();
    assert_eq!(
        (code, body.as_str()),
        (
            403,
            format!("Authorization denied for user {NOBODY}\n").as_str()
        )
    );
    assert_eq!(
        posts(&api, ACCESS_REVIEWS),
        [
            json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
            "metadata": {}, "spec": {
                "user": NOBODY,
                // Already carries system:authenticated: not added twice.
                "groups": ["system:serviceaccounts", "system:authenticated"],
                "nonResourceAttributes": {"path": "/metrics", "verb": "get"}}})
        ]
    );
    api.clear_requests();

    // Allowed: the metrics, after exactly one review of each kind.
    let (code, body) = https_get(addr, &cert, "/metrics", Some("bearer good-token"))
        .await
        .unwrap();
    assert_eq!(code, 200, "{body}");
    assert!(body.contains(METRIC_LINE), "{body}");
    assert_eq!(
        posts(&api, TOKEN_REVIEWS),
        [
            json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "metadata": {},
            "spec": {"token": "good-token"}})
        ]
    );
    assert_eq!(
        posts(&api, ACCESS_REVIEWS),
        [
            json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
            "metadata": {}, "spec": {
                "user": PROMETHEUS,
                "uid": "uid-1",
                "groups": ["system:serviceaccounts", "system:serviceaccounts:monitoring",
                    "system:authenticated"],
                "extra": {"authentication.kubernetes.io/pod-name": ["prometheus-0"]},
                "nonResourceAttributes": {"path": "/metrics", "verb": "get"}}})
        ]
    );

    // Only /metrics lives on this listener; the health endpoints stay on the plain one.
    for path in ["/healthz", "/readyz", "/"] {
        let (code, _) = https_get(addr, &cert, path, Some("Bearer good-token"))
            .await
            .unwrap();
        assert_eq!(code, 404, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviews_are_cached_within_their_ttl() {
    let api = review_api();
    let tls = MetricsTls::self_signed().unwrap();
    let cert = tls.certificate().unwrap().to_vec();
    let ttl = Duration::from_millis(1500);
    let settings = AuthSettings {
        token_ttl: ttl,
        allow_ttl: ttl,
        deny_ttl: ttl,
        ..AuthSettings::default()
    };
    let auth = Arc::new(Authorizer::with_settings(api.client(), settings));
    let addr = start(tls, auth.clone()).await;
    let started = Instant::now();
    for _ in 0..3 {
        let (code, _) = https_get(addr, &cert, "/metrics", Some("Bearer good-token"))
            .await
            .unwrap();
        assert_eq!(code, 200);
        let (code, _) = https_get(addr, &cert, "/metrics", Some("Bearer denied-token"))
            .await
            .unwrap();
        assert_eq!(code, 403);
        let (code, _) = https_get(addr, &cert, "/metrics", Some("Bearer bad-token"))
            .await
            .unwrap();
        assert_eq!(code, 401);
    }
    assert!(
        started.elapsed() < ttl,
        "the scrapes took {:?}",
        started.elapsed()
    );
    // One review per token and per user, rejections included.
    assert_eq!(posts(&api, TOKEN_REVIEWS).len(), 3);
    assert_eq!(posts(&api, ACCESS_REVIEWS).len(), 2);
    assert_eq!(auth.cached(), (3, 2));

    tokio::time::sleep(ttl).await;
    let (code, _) = https_get(addr, &cert, "/metrics", Some("Bearer good-token"))
        .await
        .unwrap();
    assert_eq!(code, 200);
    assert_eq!(
        posts(&api, TOKEN_REVIEWS).len(),
        4,
        "expired: reviewed again"
    );
    assert_eq!(posts(&api, ACCESS_REVIEWS).len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_errors_answer_500_and_are_not_cached() {
    // The operator may not create TokenReviews (missing RBAC): 500, retried on the next scrape.
    let api = review_api();
    api.fail(|m, p| m == "POST" && p == TOKEN_REVIEWS, 403);
    let tls = MetricsTls::self_signed().unwrap();
    let cert = tls.certificate().unwrap().to_vec();
    let addr = start(tls, Arc::new(Authorizer::new(api.client()))).await;
    for _ in 0..2 {
        let (code, body) = https_get(addr, &cert, "/metrics", Some("Bearer good-token"))
            .await
            .unwrap();
        assert_eq!((code, body.as_str()), (500, "Authentication failed\n"));
    }
    assert_eq!(posts(&api, TOKEN_REVIEWS).len(), 2);

    // The SubjectAccessReview fails.
    let api = review_api();
    api.fail(|m, p| m == "POST" && p == ACCESS_REVIEWS, 500);
    let auth = Arc::new(Authorizer::new(api.client()));
    for _ in 0..2 {
        let outcome = auth
            .check(Some("Bearer good-token"), "GET", "/metrics")
            .await;
        assert_eq!(
            outcome,
            metrics_auth::Outcome::Failed {
                message: format!("Authorization for user {PROMETHEUS} failed")
            }
        );
    }
    assert_eq!(
        posts(&api, TOKEN_REVIEWS).len(),
        1,
        "the token review is cached"
    );
    assert_eq!(posts(&api, ACCESS_REVIEWS).len(), 2, "the failure is not");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_server_that_never_answers_times_out() {
    // A client whose requests are never answered (the handle is kept alive, never read).
    let (service, _handle) = tower_test::mock::pair::<
        hyper::Request<kube::client::Body>,
        hyper::Response<kube::client::Body>,
    >();
    let client = kube::Client::new(service, "default");
    let settings = AuthSettings {
        timeout: Duration::from_millis(300),
        ..AuthSettings::default()
    };
    let auth = Authorizer::with_settings(client, settings);
    let started = Instant::now();
    let outcome = auth
        .check(Some("Bearer good-token"), "GET", "/metrics")
        .await;
    assert_eq!(
        outcome,
        metrics_auth::Outcome::Failed {
            message: "Authentication failed".to_string()
        }
    );
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(5),
        "{took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_the_tls_port_gets_no_http_answer() {
    let api = review_api();
    let tls = MetricsTls::self_signed().unwrap();
    let addr = start(tls, Arc::new(Authorizer::new(api.client()))).await;
    let out = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
        write!(
            s,
            "GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good-token\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        out
    })
    .await
    .unwrap();
    assert!(
        !out.starts_with(b"HTTP/"),
        "{}",
        String::from_utf8_lossy(&out)
    );
    assert!(!String::from_utf8_lossy(&out).contains("pacto_"));
    // A TLS alert at most (content type 21), never application data.
    assert!(out.is_empty() || out[0] == 21, "{out:?}");
    assert!(api.requests().is_empty(), "no review for a non-TLS client");
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// A new certificate for localhost/127.0.0.1 written to `dir/name` and `dir/key`; returns its DER.
fn write_cert(dir: &std::path::Path, name: &str, key: &str) -> Vec<u8> {
    let generated =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let der = generated.cert.der().to_vec();
    std::fs::write(dir.join(name), pem("CERTIFICATE", &der)).unwrap();
    std::fs::write(
        dir.join(key),
        pem("PRIVATE KEY", &generated.signing_key.serialize_der()),
    )
    .unwrap();
    der
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_files_are_served_and_reloaded_when_they_change() {
    let dir = tempfile::tempdir().unwrap();
    // --metrics-cert-name / --metrics-cert-key other than tls.crt / tls.key.
    let first = write_cert(dir.path(), "metrics.pem", "metrics-key.pem");
    let files = CertFiles::new(dir.path(), "metrics.pem", "metrics-key.pem");
    let tls = MetricsTls::from_files(files.clone())
        .unwrap()
        .reload_interval(Duration::from_millis(100));
    assert_eq!(tls.certificate().unwrap().to_vec(), first);
    let api = review_api();
    let addr = start(tls, Arc::new(Authorizer::new(api.client()))).await;
    let (code, body) = https_get(addr, &first, "/metrics", Some("Bearer good-token"))
        .await
        .unwrap();
    assert_eq!(code, 200);
    assert!(body.contains(METRIC_LINE));

    // A client that trusts another certificate refuses the server.
    let stranger = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap();
    let refused = https_get(addr, stranger.cert.der(), "/metrics", None).await;
    assert!(refused.is_err(), "{refused:?}");

    // Rotate (as a cert-manager Secret update would): the new pair is served without restart.
    let second = write_cert(dir.path(), "metrics.pem", "metrics-key.pem");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok((200, _)) = https_get(addr, &second, "/metrics", Some("Bearer good-token")).await
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the new certificate was never served"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(https_get(addr, &first, "/metrics", None).await.is_err());

    // A broken update is ignored: the last good pair stays.
    std::fs::write(files.key(), "not a key").unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (code, _) = https_get(addr, &second, "/metrics", Some("Bearer good-token"))
        .await
        .unwrap();
    assert_eq!(code, 200);
}

#[test]
fn unusable_certificate_files_fail_at_startup() {
    let dir = tempfile::tempdir().unwrap();
    write_cert(dir.path(), "tls.crt", "unused.key");
    write_cert(dir.path(), "other.crt", "tls.key");
    // The key of another certificate.
    let err = MetricsTls::from_files(CertFiles::new(dir.path(), "tls.crt", "tls.key"))
        .err()
        .unwrap();
    assert!(
        matches!(err, metrics_auth::TlsError::Key(_)),
        "{err:?}: {err}"
    );
    // No certificate in the file.
    std::fs::write(dir.path().join("empty.crt"), "hello").unwrap();
    let err = MetricsTls::from_files(CertFiles::new(dir.path(), "empty.crt", "tls.key"))
        .err()
        .unwrap();
    assert!(
        matches!(err, metrics_auth::TlsError::NoCertificate { .. }),
        "{err}"
    );
    // A missing key file names the path.
    let err = MetricsTls::from_files(CertFiles::new(dir.path(), "tls.crt", "missing.key"))
        .err()
        .unwrap();
    assert!(err.to_string().contains("missing.key"), "{err}");
}

#[test]
fn the_binary_checks_the_secure_metrics_flags_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_pacto-operator"))
            .args(args)
            .env("POD_NAMESPACE", "pacto-system")
            .env("KUBECONFIG", dir.path().join("no-kubeconfig"))
            .env_remove("KUBERNETES_SERVICE_HOST")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let cert_dir = format!("--metrics-cert-path={}", dir.path().display());
    let (ok, err) = run(&[
        "--metrics-secure",
        &cert_dir,
        "--metrics-bind-address=127.0.0.1:0",
    ]);
    assert!(!ok);
    assert!(
        err.contains("loading the metrics certificate") && err.contains("tls.crt"),
        "{err}"
    );
    let (ok, err) = run(&[
        "--metrics-secure=true",
        "--metrics-bind-address=127.0.0.1:18099",
        "--health-probe-bind-address=127.0.0.1:18099",
    ]);
    assert!(!ok);
    assert!(err.contains("health probes stay plain HTTP"), "{err}");
    // The Go operator's other manager flags parse; the run then stops at the missing cluster.
    let (ok, err) = run(&[
        "--metrics-secure",
        "--metrics-bind-address=127.0.0.1:0",
        "--health-probe-bind-address=0",
        "--metrics-cert-name=tls.crt",
        "--metrics-cert-key=tls.key",
        "--webhook-cert-path=/tmp/k8s-webhook-server/serving-certs",
        "--webhook-cert-name=tls.crt",
        "--webhook-cert-key=tls.key",
        "--enable-http2=false",
    ]);
    assert!(!ok);
    assert!(err.contains("connecting to the Kubernetes API"), "{err}");
    assert!(err.contains("registers no webhooks"), "{err}");
}
