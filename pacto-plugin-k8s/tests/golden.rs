//! Golden output of `pacto-plugin-k8s`, byte for byte, through its real stdin/stdout protocol:
//! every 1.x bundle in `fixtures/valid/` (YAML, and JSON for one) must keep producing exactly
//! the files recorded in `tests/golden/v1/`, and the 2.0 bundles in `fixtures/v2/valid/` with
//! the options of `cases_v2()` the files in `tests/golden/v2/`. Each case directory also holds
//! `message.txt`, the response's message. The 2.0 error cases record the plugin's stderr in
//! `tests/golden/v2-errors/<case>.txt`.
//!
//! After an intended change, regenerate with `PACTO_UPDATE_GOLDEN=1 cargo test -p
//! pacto-plugin-k8s --test golden` and review the diff.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use pacto_core::plugin::Response;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// The request `pacto generate` sends for `bundle` (relative to the repository root).
fn request(bundle: &str, options: &Value) -> Value {
    let dir = root().join(bundle);
    let loaded = pacto_core::graph::load_local(dir.to_str().unwrap()).unwrap();
    json!({
        "protocolVersion": "1",
        "contract": pacto_core::plugin_v2::contract_json(&loaded.contract, &loaded.tree),
        "bundleDir": bundle,
        "outputDir": "k8s-output",
        "options": options,
    })
}

fn run_plugin(request: &Value) -> (bool, String, String) {
    // From the repository root, as `pacto generate` runs it from where the user is: the
    // request's relative bundleDir and bindings file resolve there.
    let mut child = Command::new(env!("CARGO_BIN_EXE_pacto-plugin-k8s"))
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The files of one case, by name (`message.txt` for the message).
fn generate(bundle: &str, options: &Value) -> BTreeMap<String, String> {
    let (ok, stdout, stderr) = run_plugin(&request(bundle, options));
    assert!(ok, "{bundle}: {stderr}");
    let resp: Response = serde_json::from_str(&stdout).unwrap();
    let mut files: BTreeMap<String, String> = resp
        .files
        .into_iter()
        .map(|f| (f.path, f.content))
        .collect();
    files.insert(
        "message.txt".to_string(),
        format!("{}\n", resp.message.unwrap_or_default()),
    );
    files
}

/// Compare (or, with `PACTO_UPDATE_GOLDEN=1`, rewrite) one case directory.
fn check(case: &Path, got: &BTreeMap<String, String>) {
    if std::env::var_os("PACTO_UPDATE_GOLDEN").is_some() {
        let _ = std::fs::remove_dir_all(case);
        std::fs::create_dir_all(case).unwrap();
        for (name, content) in got {
            std::fs::write(case.join(name), content).unwrap();
        }
        return;
    }
    let mut want = BTreeMap::new();
    for e in std::fs::read_dir(case).unwrap_or_else(|e| panic!("{}: {e}", case.display())) {
        let e = e.unwrap();
        want.insert(
            e.file_name().into_string().unwrap(),
            std::fs::read_to_string(e.path()).unwrap(),
        );
    }
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "{}: the files differ",
        case.display()
    );
    for (name, content) in got {
        assert!(
            &want[name] == content,
            "{}/{name} differs from the golden file:\n--- want\n{}\n--- got\n{content}",
            case.display(),
            want[name]
        );
    }
}

#[test]
fn v1_bundles_are_byte_identical_to_the_golden_files() {
    let dir = root().join("fixtures/valid");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert!(names.len() >= 6, "{names:?}");
    for name in &names {
        let bundle = format!("fixtures/valid/{name}");
        check(
            &golden_dir().join("v1").join(name),
            &generate(&bundle, &json!({})),
        );
    }
    check(
        &golden_dir().join("v1").join("payments-api.json"),
        &generate(
            "fixtures/valid/payments-api",
            &json!({"format": "json", "namespace": "prod"}),
        ),
    );
}

/// 2.0 cases: (golden directory, bundle, options).
fn cases_v2() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        // Every section: a persistent StatefulSet, a Service with both served interfaces, the
        // health probe and metrics annotations from the capability bindings, an autoscaler.
        (
            "payments-api",
            "fixtures/v2/valid/payments-api",
            json!({
                "port.rest-api": "8080",
                "port.grpc-api": "9090",
                "image": "ghcr.io/acme/payments-api:2.1.0",
                "replicas": "2",
                "maxReplicas": "5",
            }),
        ),
        // Ports from an operator Pacto resource's interfaceBindings (rest-api: 8080), the one
        // bound by name given as an option; the asyncapi interface gets a port when asked.
        (
            "payments-api-bindings",
            "fixtures/v2/valid/payments-api",
            json!({
                "bindings": "pacto-plugin-k8s/tests/data/payments-api-pacto.yaml",
                "port.grpc-api": "9090",
                "port.order-events": "9092",
                "image": "ghcr.io/acme/payments-api:2.1.0",
                "namespace": "payments",
                "format": "json",
            }),
        ),
        // Stateless service: a Deployment with the default one replica (noted).
        (
            "checkout",
            "fixtures/v2/valid/checkout",
            json!({"port.checkout-api": "8080", "image": "ghcr.io/acme/checkout:4.2.0"}),
        ),
        // scheduled workload: a CronJob; no interfaces, so no ports needed.
        (
            "job-with-readiness",
            "fixtures/v2/valid/job-with-readiness",
            json!({"schedule": "0 3 * * *"}),
        ),
        // No workload, state or interfaces: a Deployment, the image defaulted (noted).
        ("minimal", "fixtures/v2/valid/minimal", json!({})),
    ]
}

#[test]
fn v2_bundles_with_options_match_the_golden_files() {
    for (case, bundle, options) in cases_v2() {
        check(
            &golden_dir().join("v2").join(case),
            &generate(bundle, &options),
        );
    }
}

/// 2.0 requests the plugin refuses, with the exact message (stderr), exit status 1.
#[test]
fn v2_missing_facts_are_located_errors_naming_the_option() {
    let cases = [
        // No ports at all: every interface that needs one, with its line in pacto.yaml.
        (
            "payments-api-no-ports",
            "fixtures/v2/valid/payments-api",
            json!({}),
        ),
        // A binding by port name gives no number.
        (
            "payments-api-named-binding",
            "fixtures/v2/valid/payments-api",
            json!({"bindings": "pacto-plugin-k8s/tests/data/payments-api-pacto.yaml"}),
        ),
        ("checkout-no-port", "fixtures/v2/valid/checkout", json!({})),
        (
            "unknown-interface",
            "fixtures/v2/valid/checkout",
            json!({"port.checkout": "8080"}),
        ),
        (
            "bad-port",
            "fixtures/v2/valid/checkout",
            json!({"port.checkout-api": "http"}),
        ),
        (
            "max-below-replicas",
            "fixtures/v2/valid/checkout",
            json!({"port.checkout-api": "8080", "replicas": "3", "maxReplicas": "2"}),
        ),
    ];
    for (case, bundle, options) in cases {
        let (ok, stdout, stderr) = run_plugin(&request(bundle, &options));
        assert!(!ok && stdout.is_empty(), "{case}: {stdout}");
        let path = golden_dir().join("v2-errors").join(format!("{case}.txt"));
        if std::env::var_os("PACTO_UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &stderr).unwrap();
            continue;
        }
        assert_eq!(
            stderr,
            std::fs::read_to_string(&path).unwrap(),
            "{case}: stderr differs from {}",
            path.display()
        );
    }
}
