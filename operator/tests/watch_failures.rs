//! A cluster where the secondary kinds (Services, workloads, Secrets, HPAs, …) are not served
//! (HTTP 404) or forbidden (HTTP 403), as on an API server that serves only the CRDs, or under a
//! narrow Role: the running controller against the scripted API.
//!
//! Each watch backs off on its own, so the Pacto watch is never delayed: the first reconcile
//! comes within seconds and so does a spec edit (`observedGeneration` advances). The Pacto's
//! status names the kinds it could not read, with HTTP status, verb and resource, and the checks
//! left out; every failing watch is logged at WARN once per kind and change of state.
//!
//! Its own test binary: the log capture is process-wide.

#![allow(clippy::unwrap_used)]

mod fake;

use fake::{FakeApi, MemSource, PACTOS};
use pacto_operator::metrics::Metrics;
use pacto_operator::reconcile::Context;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

const NS: &str = "shop";

/// Every log line of the process (all levels), for assertions.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logs() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let c = Captured::default();
        let w = c.clone();
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(move || w.clone())
            .init();
        c
    })
}

fn log_lines() -> Vec<String> {
    String::from_utf8_lossy(&logs().0.lock().unwrap())
        .lines()
        .map(str::to_string)
        .collect()
}

const CONTRACT: &str = "pactoVersion: \"1.0\"\nservice: {name: web, version: 1.0.0}\ninterfaces:\n  - {name: api, type: http, port: 8080}\nscaling: {min: 2, max: 6}\n";
const CONTRACT_V2: &str = "pactoVersion: \"1.0\"\nservice: {name: web, version: 2.0.0}\ninterfaces:\n  - {name: api, type: http, port: 8080}\n";

fn pacto(generation: i64, rv: &str, contract: &str) -> Value {
    json!({
        "apiVersion": "pacto.trianalab.io/v1alpha1",
        "kind": "Pacto",
        "metadata": {"name": "web", "namespace": NS, "uid": "uid-web",
                     "generation": generation, "resourceVersion": rv},
        "spec": {"contractRef": {"inline": contract},
                 "target": {"serviceName": "web", "workloadRef": {"kind": "Deployment", "name": "web"}}}
    })
}

/// The collections of every secondary kind the controller watches or reads.
const SECONDARY: &[&str] = &[
    "/api/v1/namespaces/shop/services",
    "/api/v1/namespaces/shop/secrets",
    "/api/v1/namespaces/shop/configmaps",
    "/apis/apps/v1/namespaces/shop/deployments",
    "/apis/apps/v1/namespaces/shop/statefulsets",
    "/apis/apps/v1/namespaces/shop/daemonsets",
    "/apis/apps/v1/namespaces/shop/replicasets",
    "/apis/batch/v1/namespaces/shop/jobs",
    "/apis/batch/v1/namespaces/shop/cronjobs",
    "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers",
];

/// The kinds of the controller's failing watches, as logged.
const KINDS: &[&str] = &[
    "Service",
    "Secret",
    "ConfigMap",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "HorizontalPodAutoscaler",
];

fn secondary(path: &str) -> bool {
    SECONDARY
        .iter()
        .any(|c| path == *c || path.starts_with(&format!("{c}/")))
}

fn status(api: &FakeApi) -> Value {
    api.get(&format!("{PACTOS}/{NS}/pactos/web"))
        .map(|o| o["status"].clone())
        .unwrap_or(Value::Null)
}

async fn wait_until(limit: Duration, cond: impl Fn() -> bool) -> Option<Duration> {
    let t = Instant::now();
    while t.elapsed() < limit {
        if cond() {
            return Some(t.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

/// `(kind, state)` of the WARN lines of failing watches since `from`.
fn warns(from: usize) -> Vec<String> {
    log_lines()[from..]
        .iter()
        .filter(|l| l.contains("WARN") && l.contains("watch failing"))
        .cloned()
        .collect()
}

async fn scenario(code: u16) {
    let from = log_lines().len();
    let api = FakeApi::new();
    // Every secondary kind fails; the Service answers as a server that does not serve the
    // path at all (JSON that is not a Status, which kube used to turn into `code: 0`).
    api.fail_with_body(
        |_, p| p.starts_with("/api/v1/namespaces/shop/services"),
        code,
        r#"{"paths": ["/apis", "/apis/pacto.trianalab.io"]}"#,
    );
    api.fail(|_, p| secondary(p), code);
    api.put(
        &format!("{PACTOS}/{NS}/pactos/web"),
        pacto(3, "10", CONTRACT),
    );
    let ctx = Arc::new(Context::new(
        api.client(),
        Arc::new(MemSource::default()),
        Arc::new(Metrics::default()),
    ));
    let start = Instant::now();
    let run = tokio::spawn(pacto_operator::controller::run(
        ctx.clone(),
        Some(NS.to_string()),
    ));

    // 1. The first reconcile is not held up by the failing watches.
    let first = wait_until(Duration::from_secs(20), || {
        status(&api)["observedGeneration"] == 3
    })
    .await
    .unwrap_or_else(|| panic!("HTTP {code}: no reconcile within 20 s"));
    println!("HTTP {code}: first reconcile after {first:?}");
    assert!(
        first < Duration::from_secs(3),
        "HTTP {code}: first reconcile after {first:?}"
    );

    // 2. The status says which kinds could not be read, how, and which checks that leaves out.
    let st = status(&api);
    assert_eq!(st["contractStatus"], "Unknown", "{st:#}");
    let conds = st["conditions"].as_array().unwrap();
    let observed = conds
        .iter()
        .find(|c| c["type"] == "RuntimeObserved")
        .unwrap_or_else(|| panic!("no RuntimeObserved in {st:#}"));
    assert_eq!(observed["status"], "False");
    assert_eq!(observed["reason"], "ObservationFailed");
    assert_eq!(observed["observedGeneration"], 3);
    let msg = observed["message"].as_str().unwrap();
    let (phrase, what) = match code {
        404 => ("404 Not Found", "is not served by the API server"),
        _ => ("403 Forbidden", "is forbidden to the operator"),
    };
    for part in [
        format!("Service {what} (HTTP {phrase} on get services/v1 \"web\" in namespace shop"),
        "degraded checks: ServiceExists, PortsValid, HealthEndpointValid, MetricsEndpointValid"
            .to_string(),
        format!(
            "Deployment {what} (HTTP {phrase} on get deployments.apps/v1 \"web\" in namespace shop"
        ),
        "degraded checks: WorkloadExists, ContainerPortsValid, WorkloadTypeMatch".to_string(),
    ] {
        assert!(msg.contains(&part), "HTTP {code}: {part:?} not in {msg:?}");
    }
    assert!(
        !msg.contains("Status {") && !msg.contains("code: 0"),
        "{msg}"
    );
    // The checks that need the unreadable kinds are left out, not failed.
    for c in conds {
        assert!(
            !matches!(
                c["type"].as_str().unwrap(),
                "ServiceExists" | "WorkloadExists" | "PortsValid" | "ScalingMatch"
            ),
            "{c}"
        );
    }

    // 3. A spec edit is reconciled within seconds.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    api.put(&format!("{PACTOS}/{NS}/pactos/web"), {
        let mut p = pacto(4, "11", CONTRACT_V2);
        p["status"] = status(&api);
        p
    });
    api.push_watch_event(
        &format!("{PACTOS}/{NS}/pactos"),
        "MODIFIED",
        pacto(4, "11", CONTRACT_V2),
    );
    let edit = wait_until(Duration::from_secs(20), || {
        status(&api)["observedGeneration"] == 4
    })
    .await
    .unwrap_or_else(|| panic!("HTTP {code}: the spec edit was not reconciled within 20 s"));
    println!("HTTP {code}: spec edit reconciled after {edit:?}");
    assert!(
        edit < Duration::from_secs(3),
        "HTTP {code}: edit after {edit:?}"
    );
    assert_eq!(status(&api)["contract"]["version"], "2.0.0");

    // 4. Let the failing watches retry a few times, then count the WARN lines.
    tokio::time::sleep(Duration::from_secs(4).saturating_sub(start.elapsed())).await;
    run.abort();
    let lists = api
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path == "/apis/apps/v1/namespaces/shop/deployments")
        .count();
    assert!(
        lists >= 2,
        "the Deployment watch retried only {lists} times"
    );
    let warned = warns(from);
    for kind in KINDS {
        let n = warned
            .iter()
            .filter(|l| l.contains(&format!("kind=\"{kind}\"")))
            .count();
        assert_eq!(n, 1, "HTTP {code}: {n} WARN lines for {kind}:\n{warned:#?}");
    }
    let svc = warned
        .iter()
        .find(|l| l.contains("kind=\"Service\""))
        .unwrap();
    assert!(
        svc.contains(&format!(
            "HTTP {phrase} on list services/v1 in namespace shop"
        )),
        "{svc}"
    );
    assert!(!svc.contains("Status {"), "{svc}");
    // The Pacto and revision watches are healthy: no WARN for them.
    assert!(
        !warned.iter().any(|l| l.contains("kind=\"Pacto")),
        "{warned:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_and_forbidden_kinds_neither_delay_nor_stall_the_pactos() {
    logs();
    scenario(404).await;
    scenario(403).await;
}
