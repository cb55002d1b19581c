//! `pacto dashboard` end to end: the command (sources printed, URL, refusal without sources),
//! the browser app in headless Debian Chromium driven by playwright-core
//! (`dashboard/e2e/e2e.cjs`; needs `PACTO_TEST_DASHBOARD_NPM` and `PACTO_TEST_DASHBOARD_CHROMIUM`
//! from `scripts/test-infra`, skipped with a reason when missing unless `CI` is set), with
//! runtime state from a scripted Kubernetes API server (`dashboard/tests/support/kube_api.rs`)
//! and auto-reload over a directory the browser script changes, and the load check on 1,000
//! generated services.
//!
//! Screenshots go to `target/dashboard-e2e/`, or to `docs/dashboard/` with
//! `PACTO_UPDATE_SCREENSHOTS=1`.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

#[path = "../../dashboard/tests/support/kube_api.rs"]
mod kube_api;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A running `pacto dashboard` with an isolated home; killed (by its own PID) on drop.
struct Running {
    child: Child,
    url: String,
    stderr: String,
    _home: tempfile::TempDir,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn pacto(home: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pacto"));
    c.args(args)
        .env("HOME", home.join("home"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("PACTO_DASHBOARD_REPO")
        .env_remove("PACTO_DASHBOARD_PORT")
        .env_remove("PACTO_DASHBOARD_HOST")
        .env_remove("PACTO_DASHBOARD_TRACES")
        .env_remove("PACTO_CACHE_DIR");
    c
}

fn start(args: &[&str]) -> Running {
    let home = tempfile::tempdir().unwrap();
    let cmd = pacto(home.path(), args);
    start_cmd(cmd, home)
}

fn start_cmd(mut cmd: Command, home: tempfile::TempDir) -> Running {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let mut stderr = String::new();
    if !line.contains("running at") {
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        panic!("no URL printed: {line:?}\n{stderr}");
    }
    // The detected sources are printed before the URL, so they are all in the pipe by now.
    let mut err = child.stderr.take().unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let n = {
        // Non-blocking enough: the server writes nothing else to stderr.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let n = err.read(&mut buf).unwrap_or(0);
            let _ = tx.send(String::from_utf8_lossy(&buf[..n]).into_owned());
        });
        rx.recv_timeout(Duration::from_secs(10)).unwrap_or_default()
    };
    stderr.push_str(&n);
    let url = line
        .trim()
        .rsplit(' ')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    Running {
        child,
        url,
        stderr,
        _home: home,
    }
}

fn http_get(url: &str) -> (u16, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap_or((rest, "/".into()));
    let mut c = std::net::TcpStream::connect(host).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        c,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut s = String::new();
    c.read_to_string(&mut s).unwrap();
    let status = s[9..12].parse().unwrap();
    let body = s
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn prints_detected_sources_and_the_url_and_serves() {
    let demo = repo_root().join("fixtures/demo");
    let r = start(&[
        "dashboard",
        demo.to_str().unwrap(),
        "--port",
        "0",
        "--no-kubernetes",
    ]);
    assert!(
        r.url.starts_with("http://127.0.0.1:"),
        "loopback by default: {}",
        r.url
    );
    assert!(r.stderr.contains("Detected sources:"), "{}", r.stderr);
    assert!(r.stderr.contains("+ local"), "{}", r.stderr);
    assert!(r.stderr.contains("- oci"), "{}", r.stderr);
    let (status, body) = http_get(&format!("{}/health", r.url));
    assert_eq!(status, 200);
    assert!(body.contains("\"status\":\"ok\""));
    let (status, body) = http_get(&format!("{}/api/services", r.url));
    assert_eq!(status, 200);
    assert!(body.contains("\"name\":\"billing\""));
}

#[test]
fn refuses_to_start_without_any_source() {
    let home = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let out = pacto(
        home.path(),
        &[
            "dashboard",
            empty.path().to_str().unwrap(),
            "--port",
            "0",
            "--no-kubernetes",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no source is active"), "{err}");
    let out = pacto(home.path(), &["dashboard", "a", "b", "--no-kubernetes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at most one local directory"));
}

/// `--traces`: the source is printed at startup and served; a file that cannot be used (given
/// by flag or by `PACTO_DASHBOARD_TRACES`) stops the start with its line and column.
#[test]
fn traces_flag_is_printed_served_and_a_broken_file_refused() {
    let demo = repo_root().join("fixtures/demo");
    let traces = demo.join("traces.json");
    let r = start(&[
        "dashboard",
        demo.to_str().unwrap(),
        "--port",
        "0",
        "--no-kubernetes",
        "--traces",
        traces.to_str().unwrap(),
    ]);
    assert!(
        r.stderr
            .contains(&format!("+ traces {}: 16 observed edges", traces.display())),
        "{}",
        r.stderr
    );
    let (status, body) = http_get(&format!("{}/api/graph", r.url));
    assert_eq!(status, 200);
    let graph: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(graph["traffic"]["available"], true);
    assert_eq!(graph["undeclared"][0]["caller"], "shipments");
    drop(r);

    let home = tempfile::tempdir().unwrap();
    let bad = home.path().join("broken.jsonl");
    std::fs::write(&bad, "{\"resourceSpans\": []}\n{\"resourceSpans\": [1]}\n").unwrap();
    let out = pacto(
        home.path(),
        &[
            "dashboard",
            demo.to_str().unwrap(),
            "--port",
            "0",
            "--no-kubernetes",
            "--traces",
            bad.to_str().unwrap(),
        ],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("--traces: {}:2:20: ", bad.display())),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "never started serving");
    let out = pacto(
        home.path(),
        &[
            "dashboard",
            demo.to_str().unwrap(),
            "--port",
            "0",
            "--no-kubernetes",
        ],
    )
    .env("PACTO_DASHBOARD_TRACES", &bad)
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--traces: "));
}

struct Browser {
    node_modules: PathBuf,
    chromium: String,
}

fn browser_or_skip(test: &str) -> Option<Browser> {
    let nm = std::env::var("PACTO_TEST_DASHBOARD_NPM")
        .ok()
        .filter(|v| !v.is_empty());
    let chromium = std::env::var("PACTO_TEST_DASHBOARD_CHROMIUM")
        .or_else(|_| std::env::var("PACTO_TEST_CHROMIUM"))
        .ok()
        .filter(|v| !v.is_empty());
    match (nm, chromium) {
        (Some(nm), Some(chromium)) => Some(Browser {
            node_modules: PathBuf::from(nm),
            chromium,
        }),
        _ if std::env::var_os("CI").is_some() => {
            panic!("PACTO_TEST_DASHBOARD_NPM / PACTO_TEST_DASHBOARD_CHROMIUM are not set")
        }
        _ => {
            eprintln!("skipping {test}: PACTO_TEST_DASHBOARD_NPM or PACTO_TEST_DASHBOARD_CHROMIUM is not set (run `eval \"$(scripts/test-infra start)\"`)");
            None
        }
    }
}

fn shots_dir(mode: &str) -> PathBuf {
    let dir = if std::env::var_os("PACTO_UPDATE_SCREENSHOTS").is_some() && mode == "demo" {
        repo_root().join("docs/dashboard")
    } else {
        repo_root().join("target/dashboard-e2e").join(mode)
    };
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Run the e2e script in `mode` against `url`; returns its JSON facts.
fn e2e(b: &Browser, url: &str, mode: &str) -> serde_json::Value {
    let out = Command::new("node")
        .arg(repo_root().join("dashboard/e2e/e2e.cjs"))
        .env("PLAYWRIGHT_CORE", b.node_modules.join("playwright-core"))
        .env("CHROMIUM", &b.chromium)
        .env("DASHBOARD_URL", url)
        .env("MODE", mode)
        .env("SHOTS", shots_dir(mode))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "e2e {mode} failed:\n{stderr}\n{stdout}"
    );
    eprintln!("e2e {mode}: {stdout}");
    serde_json::from_str(stdout.lines().last().unwrap_or("{}")).unwrap()
}

#[test]
fn browser_demo_overview_list_graph_detail_and_diff() {
    let Some(b) = browser_or_skip("browser_demo") else {
        return;
    };
    let demo = repo_root().join("fixtures/demo");
    let r = start(&[
        "dashboard",
        demo.to_str().unwrap(),
        "--port",
        "0",
        "--no-kubernetes",
    ]);
    let facts = e2e(&b, &r.url, "demo");
    assert_eq!(facts["diffClassification"], "BREAKING");
    assert_eq!(facts["graph"]["nodes"], facts["listRows"]);
    assert_eq!(facts["dialogs"], 0);
}

/// Pacto 2.0 in the browser (issue 18): `pacto dashboard fixtures/demo-v2` shows a 2.0
/// service with its capabilities, bindings, workload/state and readiness score and gate, the
/// invalid bundle's 2.0 code and a 2.0 diff; with the 1.x demo in the same directory, the 2.0
/// payments' edge to the 1.x payment-gateway is drawn.
#[test]
fn browser_pacto_2_0_fleet_and_a_mixed_one() {
    let Some(b) = browser_or_skip("browser_pacto_2_0") else {
        return;
    };
    let v2 = repo_root().join("fixtures/demo-v2");
    let r = start(&[
        "dashboard",
        v2.to_str().unwrap(),
        "--port",
        "0",
        "--no-kubernetes",
    ]);
    let facts = e2e(&b, &r.url, "v2");
    assert_eq!(facts["diffClassification"], "BREAKING");
    assert_eq!(facts["v2"]["capabilities"], 2);
    assert_eq!(facts["v2"]["readiness"], 100);
    assert_eq!(facts["dialogs"], 0);
    drop(r);
    let mixed = tempfile::tempdir().unwrap();
    for fleet in ["fixtures/demo", "fixtures/demo-v2"] {
        copy_services(&repo_root().join(fleet), mixed.path());
    }
    let r = start(&[
        "dashboard",
        mixed.path().to_str().unwrap(),
        "--port",
        "0",
        "--no-kubernetes",
    ]);
    let facts = e2e(&b, &r.url, "mixed");
    assert_eq!(
        facts["mixed"]["edge"],
        "payments → payment-gateway: required dependency"
    );
}

/// Copy the `<service>/<version>/` bundles of `from` into `to`.
fn copy_services(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_services(&e.path(), &target);
        } else if !target.exists() {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

#[test]
fn browser_hostile_fixture_stays_inert() {
    let Some(b) = browser_or_skip("browser_hostile") else {
        return;
    };
    let hostile = repo_root().join("dashboard/tests/fixtures/hostile");
    let r = start(&[
        "dashboard",
        hostile.to_str().unwrap(),
        "--port",
        "0",
        "--no-kubernetes",
        "--traces",
        hostile.join("traces.json").to_str().unwrap(),
    ]);
    let facts = e2e(&b, &r.url, "hostile");
    assert_eq!(
        facts["hostileV2"], true,
        "the 2.0 contract of markup was visited"
    );
    assert_eq!(facts["dialogs"], 0);
    assert_eq!(facts["pageErrors"], serde_json::json!([]));
}

#[test]
fn browser_contract_versus_runtime_from_kubernetes() {
    let Some(b) = browser_or_skip("browser_runtime") else {
        return;
    };
    // A scripted Kubernetes API server answering like a cluster that runs the operator, reached
    // through a kubeconfig like any cluster.
    let api = kube_api::KubeApi::start();
    api.add(
        "pactos",
        r#"{"apiVersion":"pacto.trianalab.io/v1alpha1","kind":"Pacto","metadata":{"name":"billing","namespace":"shop","uid":"u-billing"},
  "spec":{"contractRef":{"oci":"ghcr.io/northwind/billing"}},
  "status":{"contractStatus":"Warning","contractVersion":"2.0.0",
  "contract":{"serviceName":"billing"},"observedRuntime":{"workloadKind":"Deployment","hasPVC":false},
  "conditions":[{"type":"ServiceExists","status":"True","reason":"Found"},
                {"type":"UpgradeStrategyMatch","status":"False","reason":"Mismatch","message":"recreate vs RollingUpdate"}]}}"#,
    );
    api.add(
        "pactos",
        r#"{"apiVersion":"pacto.trianalab.io/v1alpha1","kind":"Pacto","metadata":{"name":"legacy-batch","namespace":"ops","uid":"u-legacy"},
  "spec":{"contractRef":{"oci":"x"}},"status":{"contractStatus":"Compliant","contractVersion":"0.9.0"}}"#,
    );
    let tmp = tempfile::tempdir().unwrap();
    let kubeconfig = api.kubeconfig(tmp.path());
    let demo = repo_root().join("fixtures/demo");
    let home = tempfile::tempdir().unwrap();
    let mut cmd = pacto(
        home.path(),
        &["dashboard", demo.to_str().unwrap(), "--port", "0"],
    );
    cmd.env("KUBECONFIG", &kubeconfig);
    let r = start_cmd(cmd, home);
    assert!(r.stderr.contains("+ k8s"), "{}", r.stderr);
    let facts = e2e(&b, &r.url, "runtime");
    assert_eq!(facts["runtime"], "ok");
    assert!(
        api.requests().iter().any(|l| l.contains("/pactos")),
        "the dashboard listed the Pactos: {:?}",
        api.requests()
    );
}

/// Observed traffic in the browser: undeclared calls drawn dashed and labelled, declared but
/// unobserved edges marked, and the detail page's "Observed traffic" differences.
#[test]
fn browser_traces_draw_undeclared_calls_dashed() {
    let Some(b) = browser_or_skip("browser_traces") else {
        return;
    };
    let demo = repo_root().join("fixtures/demo");
    let r = start(&[
        "dashboard",
        demo.to_str().unwrap(),
        "--port",
        "0",
        "--no-kubernetes",
        "--traces",
        demo.join("traces.json").to_str().unwrap(),
    ]);
    let facts = e2e(&b, &r.url, "traces");
    assert_eq!(facts["traces"]["undeclared"], 1);
    assert_eq!(facts["traces"]["unobserved"], 1);
    assert_eq!(facts["traces"]["caller"], "shipments");
    assert_eq!(facts["traces"]["quiet"], "route-planner");
    assert_eq!(facts["dialogs"], 0);
}

/// Auto-reload: the browser script adds services to the served directory (re-read every
/// second) and checks the open view follows, keeping focus, and stops when switched off.
#[test]
fn browser_auto_reload_follows_the_sources() {
    let Some(b) = browser_or_skip("browser_auto_reload") else {
        return;
    };
    let fleet = tempfile::tempdir().unwrap();
    generate_fleet(fleet.path(), 3);
    let r = start(&[
        "dashboard",
        fleet.path().to_str().unwrap(),
        "--port",
        "0",
        "--no-kubernetes",
        "--refresh",
        "1",
    ]);
    let facts = e2e(&b, &r.url, "reload");
    assert_eq!(facts["reload"], "ok");
    assert!(fleet.path().join("svc-later/pacto.yaml").is_file());
}

/// One source fails (an OCI repository on a closed loopback port) next to a local directory of
/// 30 services, 15 of them healthy but below their readiness gate: the Graph and Compare pages
/// name the failed source and its error in a banner while the local services still render, and
/// the overview's count and (paged) list agree, none of them OK.
#[test]
fn browser_failed_source_is_named_while_the_others_render() {
    let Some(b) = browser_or_skip("browser_failed_source") else {
        return;
    };
    let fleet = tempfile::tempdir().unwrap();
    generate_fleet(fleet.path(), 30);
    for i in (0..30).filter(|i| i % 2 == 1) {
        below_readiness_gate(&fleet.path().join(format!("svc-{i:04}/pacto.yaml")));
    }
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let repo = format!("oci://127.0.0.1:{port}/fleet/gone");
    let r = start(&[
        "dashboard",
        fleet.path().to_str().unwrap(),
        &repo,
        "--port",
        "0",
        "--no-kubernetes",
        "--refresh",
        "3600",
    ]);
    let facts = e2e(&b, &r.url, "partial");
    assert_eq!(facts["partial"]["services"], 30);
    assert_eq!(facts["attention"]["count"], 15);
    assert_eq!(facts["attention"]["pages"], 1, "10 rows, then 5 more");
    assert_eq!(
        facts["attention"]["belowGate"].as_array().unwrap().len(),
        15
    );
}

/// Turn a generated contract into a valid 1.2 one (owner as an object, named dependencies)
/// with a readiness assessment scoring 50 against a gate of 80, and nothing else wrong with it.
fn below_readiness_gate(file: &Path) {
    let mut y = String::new();
    for line in std::fs::read_to_string(file).unwrap().lines() {
        if line == "pactoVersion: \"1.0\"" {
            y.push_str("pactoVersion: \"1.2\"\n");
        } else if let Some(team) = line.strip_prefix("  owner: ") {
            y.push_str(&format!("  owner:\n    team: {team}\n"));
        } else if let Some(r) = line.strip_prefix("  - ref: oci://reg.example/fleet/") {
            y.push_str(&format!(
                "  - name: {r}\n    ref: oci://reg.example/fleet/{r}\n"
            ));
        } else {
            y.push_str(line);
            y.push('\n');
        }
    }
    y.push_str("readiness:\n  minScore: 80\n  expires: \"2099-12-31\"\n  checks:\n    - id: runbook\n      type: document\n      category: documentation\n      status: done\n      evidence: docs/runbook.md\n      weight: 50\n      description: On-call runbook.\n    - id: load-test\n      type: report\n      category: resilience\n      status: not-done\n      evidence: reports/load.html\n      weight: 50\n      description: Peak load test.\n");
    std::fs::write(file, y).unwrap();
}

/// 1,000 services in layers: each depends on up to three services of lower index.
fn generate_fleet(dir: &Path, n: usize) {
    for i in 0..n {
        let name = format!("svc-{i:04}");
        let d = dir.join(&name);
        std::fs::create_dir_all(d.join("interfaces")).unwrap();
        let mut y = format!(
            "pactoVersion: \"1.0\"\nservice:\n  name: {name}\n  version: 1.{}.0\n  owner: team/t{}\ninterfaces:\n  - name: api\n    type: http\n    port: 8080\n    contract: interfaces/openapi.json\n",
            i % 7,
            i % 23
        );
        let deps: Vec<usize> = if i == 0 {
            vec![]
        } else {
            let mut v = vec![(i * 7 + 3) % i, (i * 13 + 5) % i, i / 2];
            v.sort();
            v.dedup();
            v
        };
        if !deps.is_empty() {
            y.push_str("dependencies:\n");
            for (k, t) in deps.iter().enumerate() {
                y.push_str(&format!(
                    "  - ref: oci://reg.example/fleet/svc-{t:04}\n    required: {}\n    compatibility: \"^1.0.0\"\n",
                    k % 2 == 0
                ));
            }
        }
        y.push_str("runtime:\n  workload: service\n  state:\n    type: stateless\n    persistence:\n      scope: local\n      durability: ephemeral\n    dataCriticality: low\n");
        std::fs::write(d.join("pacto.yaml"), y).unwrap();
        let paths: Vec<String> = (0..5)
            .map(|p| format!("\"/r{p}/{{id}}\": {{\"get\": {{\"summary\": \"Read {p}\", \"responses\": {{\"200\": {{\"description\": \"ok\"}}}}}}}}"))
            .collect();
        std::fs::write(
            d.join("interfaces/openapi.json"),
            format!("{{\"openapi\": \"3.0.3\", \"info\": {{\"title\": \"{name}\", \"version\": \"1.0.0\"}}, \"paths\": {{{}}}}}", paths.join(", ")),
        )
        .unwrap();
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[idx]
}

#[test]
fn load_one_thousand_services() {
    let fleet = tempfile::tempdir().unwrap();
    generate_fleet(fleet.path(), 1000);
    let t = Instant::now();
    let r = start(&[
        "dashboard",
        fleet.path().to_str().unwrap(),
        "--port",
        "0",
        "--no-kubernetes",
        "--refresh",
        "3600",
    ]);
    let startup = t.elapsed();
    let (status, body) = http_get(&format!("{}/api/services", r.url));
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1000
    );
    // 4 clients × 250 requests over the hot endpoints and service details.
    let paths: Vec<String> = [
        "/api/services",
        "/api/graph",
        "/api/overview",
        "/api/services/svc-0500",
        "/api/services/svc-0999/versions",
        "/health",
    ]
    .iter()
    .map(|p| p.to_string())
    .collect();
    let mut handles = Vec::new();
    for c in 0..4 {
        let url = r.url.clone();
        let paths = paths.clone();
        handles.push(std::thread::spawn(move || {
            let mut lat = Vec::new();
            for i in 0..250 {
                let p = &paths[(i + c) % paths.len()];
                let t = Instant::now();
                let (status, _) = http_get(&format!("{url}{p}"));
                lat.push(t.elapsed());
                assert_eq!(status, 200, "{p}");
            }
            lat
        }));
    }
    let mut all: Vec<Duration> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    all.sort();
    let p50 = percentile(&all, 0.50);
    let p99 = percentile(&all, 0.99);
    eprintln!(
        "load: 1000 services, startup {startup:?}, {} requests, p50 {p50:?}, p99 {p99:?}, max {:?}",
        all.len(),
        all[all.len() - 1]
    );
    // Speed is measured by the benchmarks (`scripts/bench-dashboard`, wrk in the README), never
    // asserted here: this test checks that 1,000 services load and answer, and prints figures.
    if let Some(b) = browser_or_skip("load_one_thousand_services (browser part)") {
        let facts = e2e(&b, &r.url, "load");
        let worst = facts["graphReadyMs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .max()
            .unwrap();
        eprintln!(
            "load: graph of {} nodes and {} edges ready in {:?} ms",
            facts["nodes"], facts["edges"], facts["graphReadyMs"]
        );
        assert_eq!(facts["nodes"], 1000);
        eprintln!("load: slowest graph page ready in {worst} ms");
        // Issue 15: 186 ms per keystroke before; the target is 50 ms (input event to the second
        // animation frame after it). `scripts/bench-dashboard` measures it; here it is printed.
        let keys = &facts["keystrokeMs"];
        eprintln!(
            "load: graph search per keystroke {keys}, to the match count {}",
            facts["matchCountMs"]
        );
        assert!(
            keys["median"].as_f64().is_some(),
            "no keystroke figures: {keys}"
        );
    }
}

fn http_post_json(url: &str, body: &str) -> (u16, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut c = std::net::TcpStream::connect(host).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        c,
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut s = String::new();
    c.read_to_string(&mut s).unwrap();
    let status = s[9..12].parse().unwrap();
    let body = s
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn json_of(status_body: (u16, String), what: &str) -> serde_json::Value {
    assert_eq!(status_body.0, 200, "{what}: {}", status_body.1);
    serde_json::from_str(&status_body.1).unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// `pacto ... --output-format json` run in `cwd`.
fn cli_json(cwd: &Path, args: &[&str]) -> serde_json::Value {
    let home = tempfile::tempdir().unwrap();
    let out = pacto(home.path(), args)
        .args(["--output-format", "json"])
        .current_dir(cwd)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: {e}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The answer without what depends on the moment it was built (`asOf`).
fn timeless(mut v: serde_json::Value) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                m.remove("asOf");
                m.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v
}

/// Go's fleet product endpoints answer from the CLI's engine: for the same `--local` fleet the
/// dashboard's `/api/fleet/neighborhood`, `/api/fleet/entities/service`, `/api/fleet/entities`,
/// `/api/fleet/attention` and `POST /api/fleet/impact` give what `pacto fleet graph|get|search|
/// status` and `pacto impact` print with `--output-format json` (only `asOf` differs), and the
/// overview's count of what needs attention is the attention list's total.
#[test]
fn fleet_product_endpoints_answer_as_pacto_fleet_json() {
    let v2 = repo_root().join("fixtures/demo-v2");
    let d = v2.to_str().unwrap();
    let r = start(&["dashboard", d, "--port", "0", "--no-kubernetes"]);
    let api = |p: &str| json_of(http_get(&format!("{}{p}", r.url)), p);

    // pacto fleet graph orders --direction dependents --transitive --max-depth 3
    let dash = api("/api/fleet/neighborhood?kind=service&key=orders&direction=dependents&depth=3");
    let cli = cli_json(
        &v2,
        &[
            "fleet",
            "graph",
            "orders",
            "--direction",
            "dependents",
            "--transitive",
            "--max-depth",
            "3",
            "--local",
            d,
        ],
    );
    assert_eq!(timeless(dash.clone()), timeless(cli));
    assert!(!dash["nodes"].as_array().unwrap().is_empty(), "{dash}");

    // pacto fleet get orders
    let dash = api("/api/fleet/entities/service?key=orders");
    let cli = cli_json(&v2, &["fleet", "get", "orders", "--local", d]);
    assert_eq!(timeless(dash["detail"].clone()), timeless(cli));
    assert_eq!(dash["ref"]["route"], "#/services/orders");

    // pacto fleet search --text or
    let dash = api("/api/fleet/entities?kinds=service&text=or&limit=500");
    let cli = cli_json(
        &v2,
        &["fleet", "search", "or", "--limit", "500", "--local", d],
    );
    let names = |v: &serde_json::Value, list: &str, key: &str| -> Vec<String> {
        v[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x[key].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(&dash, "entities", "key"),
        names(&cli, "services", "name")
    );
    assert_eq!(dash["total"], cli["total"]);
    assert_eq!(dash["meta"]["snapshotId"], cli["meta"]["snapshotId"]);

    // pacto fleet status --needs-attention; the overview agrees with its list
    let attention = api("/api/fleet/attention?limit=500");
    let cli = cli_json(&v2, &["fleet", "status", "--needs-attention", "--local", d]);
    assert_eq!(attention["total"], cli["total"]);
    assert_eq!(
        names(&attention, "items", "name"),
        names(&cli, "items", "name")
    );
    let overview = api("/api/fleet/overview");
    assert_eq!(overview["counts"]["needsAttention"], attention["total"]);
    let shown = overview["attention"].as_array().unwrap().len();
    assert_eq!(shown as u64, attention["total"].as_u64().unwrap().min(10));
    assert_eq!(overview["counts"]["services"], 7);

    // pacto impact orders/1.0.0 orders/2.0.0 --local DIR
    let (status, body) = http_post_json(
        &format!("{}/api/fleet/impact", r.url),
        r#"{"fromRevisionKey":"orders@1.0.0","toRevisionKey":"orders@2.0.0"}"#,
    );
    let dash = json_of((status, body), "POST /api/fleet/impact");
    let old = v2.join("orders/1.0.0");
    let new = v2.join("orders/2.0.0");
    let cli = cli_json(
        &v2,
        &[
            "impact",
            old.to_str().unwrap(),
            new.to_str().unwrap(),
            "--local",
            d,
        ],
    );
    let mut result = timeless(dash["result"].clone());
    let mut cli = timeless(cli);
    // `pacto impact` builds its snapshot without validating (a different id); the rest is one answer.
    result.as_object_mut().unwrap().remove("snapshotId");
    cli.as_object_mut().unwrap().remove("snapshotId");
    assert_eq!(result, cli);
    assert_eq!(dash["classification"], "BREAKING");
    assert!(dash["consumers"].as_array().unwrap().iter().any(|c| c["service"]["key"] == "dispatch"
        && c["compatibilityVerdict"] == "compatible"), "{dash}");
    // A stale snapshot id is refused; an unknown revision is a located 422.
    let (status, _) = http_post_json(
        &format!("{}/api/fleet/impact", r.url),
        r#"{"snapshotId":"sha256:0","fromRevisionKey":"orders@1.0.0","toRevisionKey":"orders@2.0.0"}"#,
    );
    assert_eq!(status, 409);
    let (status, body) = http_post_json(
        &format!("{}/api/fleet/impact", r.url),
        r#"{"fromRevisionKey":"orders@9.9.9","toRevisionKey":"orders@2.0.0"}"#,
    );
    assert_eq!(status, 422);
    assert!(body.contains("fromRevisionKey"), "{body}");

    // The revision document is the bundle's pacto.yaml.
    let key = dash["oldRevision"]["key"]
        .as_str()
        .unwrap()
        .replace('@', "%40")
        .replace(':', "%3A");
    let doc = api(&format!("/api/fleet/revisions/document?key={key}"));
    assert_eq!(
        doc["document"],
        std::fs::read_to_string(v2.join("orders/1.0.0/pacto.yaml")).unwrap()
    );
}

/// Change analysis in Chromium: from `orders`' versions, `#/change?service=orders&from=1.0.0&to=2.0.0`
/// shows the 2.0 diff (BREAKING) and its impact on the fleet (one row per affected consumer of
/// `POST /api/fleet/impact`) on one screen; reloading the URL restores the pair. Then the command
/// palette (Ctrl+K) jumps to a service, an owner and a page by keyboard.
#[test]
fn browser_change_analysis_diff_and_impact_on_one_screen() {
    let Some(b) = browser_or_skip("browser_change_analysis") else {
        return;
    };
    let v2 = repo_root().join("fixtures/demo-v2");
    let r = start(&[
        "dashboard",
        v2.to_str().unwrap(),
        "--port",
        "0",
        "--no-kubernetes",
    ]);
    let facts = e2e(&b, &r.url, "change");
    assert_eq!(facts["change"]["classification"], "BREAKING");
    assert!(
        facts["change"]["consumers"].as_u64().unwrap() >= 1,
        "{facts}"
    );
    assert_eq!(facts["dialogs"], 0);
}
