//! The operator's Pacto 2.0 status read through the Kubernetes source (kube-rs against the
//! scripted API server of `support/kube_api.rs`, reached through a kubeconfig like any cluster):
//! `status.findings[]`, `status.evaluationCoverage`, `status.observationWindows[]`, the seven
//! `contractStatus` values and the conditions `ContractValid`, `RuntimeObserved` and
//! `ReadinessSatisfied` (issue 21), next to a 1.x Pacto that keeps its checks. The JSON API and
//! its OpenAPI document, the overview's one definition of "needs attention" (NonCompliant and
//! Invalid need attention, Unknown is shown as unknown and never as OK), and the service page
//! in headless Chromium (`dashboard/e2e/e2e.cjs` mode `runtime-v2`; needs
//! `PACTO_TEST_DASHBOARD_NPM` and `PACTO_TEST_DASHBOARD_CHROMIUM` from `scripts/test-infra`,
//! skipped with a reason when missing unless `CI` is set).

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

#[path = "support/kube_api.rs"]
mod kube_api;
#[path = "support/server.rs"]
mod server;

use kube_api::KubeApi;
use pacto_core::fleet::time::format_rfc3339;
use pacto_dashboard::k8s::{KubeSource, RuntimeSource};
use pacto_dashboard::{Config, Dashboard};
use serde_json::{json, Value};
use server::{agent, start, Server};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn pacto(ns: &str, name: &str, status: &Value) -> String {
    json!({"apiVersion": "pacto.trianalab.io/v1alpha1", "kind": "Pacto",
        "metadata": {"name": name, "namespace": ns, "uid": format!("u-{name}")},
        "spec": {"contractRef": {"oci": format!("ghcr.io/larkspur/{name}")}},
        "status": status})
    .to_string()
}

fn now() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

/// The statuses the operator writes (operator/src/runtime_v2.rs, Go's `summarizeFindings`):
/// - payments: an interface with zero ready endpoints beyond the stabilization window (error,
///   RuntimeDrift), an optional dependency unreachable (warning), a required configuration
///   that could not be read (unknown), and a dependency that has just turned negative (still
///   inside the window): NonCompliant, 3 of 4 required assertions evaluated.
/// - orders: a required interface never observed: Unknown, 2 of 3.
/// - menu: everything observed: Compliant, 2 of 2.
/// - dispatch: the contract does not validate in the cluster: Invalid.
/// - legacy-batch: a 1.x Pacto with its checks (conditions), no findings.
fn cluster(api: &KubeApi, first_negative: &str) {
    let cond = |t: &str, s: &str, reason: &str, msg: &str| {
        json!({"type": t, "status": s, "reason": reason, "message": msg,
            "lastTransitionTime": "2026-12-07T09:00:00Z", "observedGeneration": 1})
    };
    api.add(
        "pactos",
        &pacto(
            "shop",
            "payments",
            &json!({
                "contractStatus": "NonCompliant", "contractVersion": "2.1.0",
                "contract": {"serviceName": "payments", "version": "2.1.0"},
                "evaluationCoverage": {"required": 4, "evaluated": 3},
                "findings": [
                    {"code": "CONFIGURATION_ABSENT", "severity": "unknown", "category": "Inconclusive",
                     "subject": "configuration/default", "contractPath": "configurations[name=default]",
                     "message": "no observation was produced for required configuration \"default\""},
                    {"code": "DEPENDENCY_UNREACHABLE", "severity": "warning", "category": "RuntimeDrift",
                     "subject": "dependency/notifications", "contractPath": "dependencies[name=notifications]",
                     "message": "optional dependency \"notifications\" is not reachable"},
                    {"code": "INTERFACE_ABSENT", "severity": "error", "category": "RuntimeDrift",
                     "subject": "interface/payments-api", "contractPath": "interfaces[name=payments-api]",
                     "message": "interface \"payments-api\" is not available (zero ready endpoints beyond the stabilization window)"},
                    {"code": "EVIDENCE_INSUFFICIENT", "severity": "Sparkly", "category": "Inconclusive",
                     "subject": "dependency/payment-gateway", "message": "evidence for dependency \"payment-gateway\" is insufficient"}
                ],
                "observationWindows": [
                    {"kind": "dependency", "subject": "payment-gateway", "firstObservedNegativeAt": first_negative},
                    {"kind": "interface", "subject": "payments-api", "firstObservedNegativeAt": "2026-12-07T08:00:00Z"}
                ],
                "conditions": [
                    cond("ContractValid", "True", "Parsed", "contract parsed and validated"),
                    cond("RuntimeObserved", "Unknown", "Incomplete", "3/4 required assertions evaluated; see status.findings"),
                    cond("ReadinessSatisfied", "True", "Satisfied", "readiness gate met")
                ]
            }),
        ),
    );
    api.add(
        "pactos",
        &pacto(
            "shop",
            "orders",
            &json!({
                "contractStatus": "Unknown", "contractVersion": "2.0.0",
                "contract": {"serviceName": "orders"},
                "evaluationCoverage": {"required": 3, "evaluated": 2},
                "findings": [{"code": "EVIDENCE_MISSING", "severity": "unknown", "category": "Inconclusive",
                    "subject": "interface/orders-api", "message": "no observation was produced for required interface \"orders-api\""}],
                "conditions": [
                    cond("ContractValid", "True", "Parsed", "contract parsed and validated"),
                    cond("RuntimeObserved", "Unknown", "Incomplete", "2/3 required assertions evaluated; see status.findings")
                ]
            }),
        ),
    );
    api.add(
        "pactos",
        &pacto(
            "shop",
            "menu",
            &json!({
                "contractStatus": "Compliant", "contractVersion": "1.0.0",
                "contract": {"serviceName": "menu"},
                "evaluationCoverage": {"required": 2, "evaluated": 2},
                "conditions": [
                    cond("ContractValid", "True", "Parsed", "contract parsed and validated"),
                    cond("RuntimeObserved", "True", "Observed", "2/2 required assertions evaluated")
                ]
            }),
        ),
    );
    api.add(
        "pactos",
        &pacto(
            "shop",
            "dispatch",
            &json!({
                "contractStatus": "Invalid", "contractVersion": "1.0.0",
                "contract": {"serviceName": "dispatch"},
                "evaluationCoverage": {"required": 0, "evaluated": 0},
                "conditions": [cond("ContractValid", "False", "Invalid", "dependencies[0].ref: not an OCI reference")]
            }),
        ),
    );
    api.add(
        "pactos",
        &pacto(
            "ops",
            "legacy-batch",
            &json!({
                "contractStatus": "Warning", "contractVersion": "0.9.0",
                "contract": {"serviceName": "legacy-batch"},
                "conditions": [
                    cond("ServiceExists", "True", "Found", "Service exists"),
                    cond("UpgradeStrategyMatch", "False", "Mismatch", "recreate vs RollingUpdate")
                ]
            }),
        ),
    );
}

fn get(s: &Server, path: &str) -> Value {
    let mut r = agent().get(format!("{}{path}", s.base)).call().unwrap();
    let body = r.body_mut().read_to_string().unwrap();
    assert_eq!(r.status().as_u16(), 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

fn serve(api: &KubeApi, kubeconfig_dir: &Path) -> Server {
    let kube = KubeSource::from_kubeconfig(&api.kubeconfig(kubeconfig_dir), "").unwrap();
    let d = Dashboard::with_runtime(
        Config {
            dir: Some(repo_root().join("fixtures/demo-v2")),
            no_cache: true,
            kubernetes: true,
            refresh: Duration::from_secs(3600),
            ..Config::default()
        },
        None,
        Some(Arc::new(kube)),
    );
    start(Arc::new(d))
}

#[test]
fn the_kubernetes_source_reads_the_2_0_status_fields() {
    let api = KubeApi::start();
    cluster(&api, "2026-12-07T10:00:00Z");
    let tmp = tempfile::tempdir().unwrap();
    let k = KubeSource::from_kubeconfig(&api.kubeconfig(tmp.path()), "").unwrap();
    let got = k.snapshot().unwrap();
    let by = |n: &str| got.iter().find(|r| r.name == n).unwrap();
    let p = by("payments");
    assert!(p.evaluated_v2);
    assert_eq!(p.contract_status, "NonCompliant");
    assert_eq!(
        p.evaluation_coverage,
        json!({"required": 4, "evaluated": 3})
    );
    let sev: Vec<(&str, &str)> = p
        .findings
        .iter()
        .map(|f| (f["code"].as_str().unwrap(), f["severity"].as_str().unwrap()))
        .collect();
    assert_eq!(
        sev,
        [
            ("INTERFACE_ABSENT", "error"),
            ("DEPENDENCY_UNREACHABLE", "warning"),
            ("CONFIGURATION_ABSENT", "unknown"),
            // A severity the dashboard does not know is unknown, never a pass.
            ("EVIDENCE_INSUFFICIENT", "unknown"),
        ],
        "most serious first"
    );
    assert_eq!(p.findings[0]["subject"], "interface/payments-api");
    assert_eq!(p.findings[0]["category"], "RuntimeDrift");
    assert_eq!(
        p.findings[0]["contractPath"],
        "interfaces[name=payments-api]"
    );
    assert_eq!(
        p.observation_windows[0],
        json!({"kind": "dependency", "subject": "payment-gateway", "firstObservedNegativeAt": "2026-12-07T10:00:00Z"})
    );
    let types: Vec<&str> = p
        .conditions
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["ContractValid", "RuntimeObserved", "ReadinessSatisfied"]
    );
    // The seven contractStatus values.
    assert_eq!(by("orders").contract_status, "Unknown");
    assert_eq!(by("menu").contract_status, "Compliant");
    assert_eq!(by("dispatch").contract_status, "Invalid");
    assert!(by("dispatch").evaluated_v2, "coverage 0 of 0 is still 2.0");
    for st in [
        "Compliant",
        "Warning",
        "NonCompliant",
        "Reference",
        "Invalid",
        "Unknown",
        "NotEvaluated",
    ] {
        assert_eq!(pacto_dashboard::k8s::normalize_status(st), st);
    }
    // 1.x keeps its checks and has no 2.0 fields.
    let l = by("legacy-batch");
    assert!(!l.evaluated_v2);
    assert!(l.findings.is_empty() && l.evaluation_coverage.is_null());
    assert_eq!(l.conditions.len(), 2);
}

#[test]
fn findings_and_coverage_on_the_service_page_api_and_one_definition_of_attention() {
    let api = KubeApi::start();
    // A dependency that turned negative 30 s ago: the operator waits out its 2m window.
    let first = now() - 30;
    cluster(&api, &format_rfc3339(first));
    let tmp = tempfile::tempdir().unwrap();
    let s = serve(&api, tmp.path());

    let p = get(&s, "/api/services/payments");
    assert_eq!(p["contractStatus"], "NonCompliant");
    assert_eq!(p["health"], "error");
    assert_eq!(
        p["evaluationCoverage"],
        json!({"required": 4, "evaluated": 3})
    );
    let e = &p["evaluation"];
    assert_eq!(e["verdict"], "NonCompliant");
    assert_eq!(
        e["findingCounts"],
        json!({"error": 1, "warning": 1, "unknown": 2, "info": 0})
    );
    assert_eq!(e["findings"]["error"][0]["code"], "INTERFACE_ABSENT");
    assert_eq!(
        e["findings"]["warning"][0]["code"],
        "DEPENDENCY_UNREACHABLE"
    );
    assert_eq!(e["findings"]["unknown"][0]["code"], "CONFIGURATION_ABSENT");
    assert_eq!(e["stabilizationWindowSeconds"], 120);
    let w = &e["observationWindows"];
    assert_eq!(w[0]["subject"], "payment-gateway");
    assert_eq!(w[0]["pending"], true, "{w}");
    assert_eq!(
        w[0]["waitingUntil"],
        format_rfc3339(first + 120).as_str(),
        "first negative + 2m"
    );
    assert_eq!(w[1]["pending"], false, "long past its window: {w}");
    assert_eq!(w[1]["waitingUntil"], "2026-12-07T08:02:00Z");
    let conds: Vec<&str> = e["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        conds,
        ["ContractValid", "RuntimeObserved", "ReadinessSatisfied"]
    );
    // The error and warning findings are the reasons; the unknown ones are not passes either.
    let why: Vec<&str> = p["attention"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert!(
        why.contains(&"INTERFACE_ABSENT on interface/payments-api"),
        "{why:?}"
    );
    assert!(
        why.contains(&"DEPENDENCY_UNREACHABLE on dependency/notifications"),
        "{why:?}"
    );

    // Unknown: shown as unknown, not OK, and not counted as needing attention.
    let o = get(&s, "/api/services/orders");
    assert_eq!(o["contractStatus"], "Unknown");
    assert_eq!(o["evaluation"]["verdict"], "Unknown");
    assert_eq!(
        o["evaluation"]["coverage"],
        json!({"required": 3, "evaluated": 2})
    );
    assert_ne!(o["health"], "ok", "Unknown is never a pass");
    let m = get(&s, "/api/services/menu");
    assert_eq!(m["evaluation"]["verdict"], "Compliant");
    assert_eq!(
        m["evaluation"]["findings"],
        json!({"error": [], "warning": [], "unknown": [], "info": []})
    );
    let d = get(&s, "/api/services/dispatch");
    assert_eq!(d["contractStatus"], "Invalid");
    assert_eq!(d["health"], "error", "Invalid needs attention");
    // 1.x: its checks, no 2.0 evaluation.
    let l = get(&s, "/api/services/legacy-batch");
    assert!(l["evaluation"].is_null());
    assert_eq!(l["runtimeState"]["conditions"].as_array().unwrap().len(), 2);
    assert!(l["attention"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["title"] == "UpgradeStrategyMatch failed"));

    // One definition: the overview's counts, its list and the services' health agree.
    let list = get(&s, "/api/services");
    let list = list.as_array().unwrap();
    let health = |n: &str| {
        list.iter().find(|x| x["name"] == n).unwrap()["health"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(health("payments"), "error");
    assert_eq!(health("dispatch"), "error");
    let need: Vec<&str> = list
        .iter()
        .filter(|x| x["health"] == "error" || x["health"] == "warning")
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    let unknown = list.iter().filter(|x| x["health"] == "unknown").count();
    let ov = get(&s, "/api/overview");
    assert_eq!(ov["counts"]["attention"], need.len());
    assert_eq!(ov["attentionTotal"], need.len());
    assert_eq!(ov["counts"]["unknown"], unknown);
    assert_eq!(ov["allClear"], false);
    let listed: Vec<&str> = ov["attention"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert!(listed.iter().all(|n| need.contains(n)), "{listed:?}");
    assert!(!listed.contains(&"menu"));
    assert_eq!(
        health("orders"),
        "unknown",
        "Unknown: neither OK nor attention"
    );
    assert!(!need.contains(&"orders") && !listed.contains(&"orders"));
    assert_eq!(unknown, 1);
    assert_eq!(
        list.iter().find(|x| x["name"] == "orders").unwrap()["evaluationCoverage"],
        json!({"required": 3, "evaluated": 2})
    );

    // The OpenAPI document describes the fields.
    let doc = get(&s, "/api/openapi.json");
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["Finding"]["properties"]["severity"]["enum"],
        json!(["error", "warning", "unknown", "info"])
    );
    assert!(schemas["ServiceDetails"]["properties"]["evaluation"].is_object());
    assert!(schemas["ServiceDetails"]["properties"]["evaluationCoverage"].is_object());
    assert!(schemas["ServiceListEntry"]["properties"]["evaluationCoverage"].is_object());
    assert_eq!(
        schemas["Evaluation"]["properties"]["verdict"]["enum"]
            .as_array()
            .unwrap()
            .len(),
        7
    );
    assert!(schemas["ObservationWindow"]["properties"]["waitingUntil"].is_object());
    assert!(schemas["ServiceListEntry"]["properties"]["health"]["enum"]
        .as_array()
        .unwrap()
        .contains(&json!("unknown")));
}

struct Browser {
    node_modules: PathBuf,
    chromium: PathBuf,
}

fn browser_or_skip(test: &str) -> Option<Browser> {
    match (
        std::env::var_os("PACTO_TEST_DASHBOARD_NPM"),
        std::env::var_os("PACTO_TEST_DASHBOARD_CHROMIUM"),
    ) {
        (Some(npm), Some(chromium)) => Some(Browser {
            node_modules: PathBuf::from(npm),
            chromium: PathBuf::from(chromium),
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

/// The service page in headless Chromium: the verdict with Go's colours and wording, "3 of 4"
/// coverage, findings grouped by severity, the pending observation window, Unknown never
/// drawn as a pass, and the overview's count and list agreeing. Screenshots go to
/// `target/dashboard-e2e/runtime-v2/`.
#[test]
fn browser_service_page_shows_findings_with_coverage() {
    let Some(b) = browser_or_skip("browser_service_page_shows_findings_with_coverage") else {
        return;
    };
    let api = KubeApi::start();
    cluster(&api, &format_rfc3339(now() - 30));
    let tmp = tempfile::tempdir().unwrap();
    let s = serve(&api, tmp.path());
    let shots = repo_root().join("target/dashboard-e2e/runtime-v2");
    std::fs::create_dir_all(&shots).unwrap();
    let out = Command::new("node")
        .arg(repo_root().join("dashboard/e2e/e2e.cjs"))
        .env("PLAYWRIGHT_CORE", b.node_modules.join("playwright-core"))
        .env("CHROMIUM", &b.chromium)
        .env("DASHBOARD_URL", &s.base)
        .env("MODE", "runtime-v2")
        .env("SHOTS", &shots)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "e2e failed:\n{stderr}\n{stdout}");
    let facts: Value = serde_json::from_str(stdout.lines().last().unwrap_or("{}")).unwrap();
    assert_eq!(facts["runtimeV2"], "ok", "{facts}");
    assert_eq!(facts["pageErrors"], json!([]));
}
