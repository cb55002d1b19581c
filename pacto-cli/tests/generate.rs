//! `pacto generate` (spec §10) against the test plugin in `fixtures/plugins/`: discovery on
//! PATH and in the config dir, the request, success output, plugin failures, invalid JSON, the
//! timeout, the output cap, and paths that leave the output directory. Plus the first-party
//! `pacto-plugin-k8s` end to end when it is built.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

struct Env {
    tmp: tempfile::TempDir,
}

impl Env {
    /// A temp dir with `bin/pacto-plugin-test` (a copy of the fixture) and an empty config dir.
    fn new() -> Env {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("bin")).unwrap();
        std::fs::create_dir_all(tmp.path().join("config")).unwrap();
        std::fs::copy(
            root().join("fixtures/plugins/pacto-plugin-test"),
            tmp.path().join("bin/pacto-plugin-test"),
        )
        .unwrap();
        Env { tmp }
    }

    fn path(&self) -> &Path {
        self.tmp.path()
    }

    fn run(&self, args: &[&str], mode: &str) -> Output {
        let path = format!(
            "{}:{}",
            self.path().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Command::new(env!("CARGO_BIN_EXE_pacto"))
            .args(args)
            .current_dir(self.path())
            .env_remove("PACTO_OUTPUT_FORMAT")
            .env_remove("PACTO_PLUGIN_TIMEOUT")
            .env("PATH", path)
            .env("XDG_CONFIG_HOME", self.path().join("config"))
            .env("PACTO_TEST_PLUGIN_MODE", mode)
            .env("PACTO_TEST_CAPTURE", self.path().join("request.json"))
            .output()
            .unwrap()
    }
}

fn bundle() -> String {
    root()
        .join("fixtures/valid/payments-api")
        .display()
        .to_string()
}

#[test]
fn success_writes_files_and_sends_the_go_request() {
    let env = Env::new();
    let b = bundle();
    let out = env.run(
        &[
            "generate", "test", &b, "--option", "a=1", "--option", "b=x=y", "--option", "bare",
        ],
        "ok",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "Generated 2 file(s) using test\nOutput: test-output/\nMessage: made 2 files\n"
    );
    let dir = env.path().join("test-output");
    assert_eq!(
        std::fs::read_to_string(dir.join("deployment.yaml")).unwrap(),
        "kind: Deployment\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("nested/dir/service.yaml")).unwrap(),
        "kind: Service\n"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("deployment.yaml"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644);
    }
    let req: Value =
        serde_json::from_str(&std::fs::read_to_string(env.path().join("request.json")).unwrap())
            .unwrap();
    assert_eq!(req["protocolVersion"], "1");
    assert_eq!(req["bundleDir"], b.as_str());
    assert_eq!(req["outputDir"], "test-output");
    assert_eq!(req["options"], serde_json::json!({"a": "1", "b": "x=y"}));
    assert_eq!(req["contract"]["service"]["name"], "payments-api");
    assert_eq!(
        req["contract"]["scaling"],
        serde_json::json!({"min": 2, "max": 10})
    );
    let keys: Vec<&str> = req["contract"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "pactoVersion",
            "service",
            "interfaces",
            "configuration",
            "policy",
            "dependencies",
            "runtime",
            "scaling",
            "metadata"
        ]
    );
}

#[test]
fn json_output_and_options_are_omitted_when_empty() {
    let env = Env::new();
    let out = env.run(
        &[
            "--output-format",
            "json",
            "generate",
            "test",
            &bundle(),
            "-o",
            "gen",
        ],
        "ok",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"plugin": "test", "outputDir": "gen", "filesCount": 2, "message": "made 2 files"})
    );
    let req: Value =
        serde_json::from_str(&std::fs::read_to_string(env.path().join("request.json")).unwrap())
            .unwrap();
    assert!(req.get("options").is_none(), "{req}");
}

#[test]
fn discovery_falls_back_to_the_config_dir_and_reports_missing_plugins() {
    let env = Env::new();
    let plugins = env.path().join("config/pacto/plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    std::fs::rename(
        env.path().join("bin/pacto-plugin-test"),
        plugins.join("pacto-plugin-test"),
    )
    .unwrap();
    let out = env.run(&["generate", "test", &bundle()], "ok");
    assert!(out.status.success(), "{}", text(&out.stderr));

    let out = env.run(&["generate", "nope", &bundle()], "ok");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).trim(),
        "Error: plugin \"nope\" not found (looked for pacto-plugin-nope in $PATH and ~/.config/pacto/plugins/)"
    );
}

#[test]
fn failing_plugins_report_their_stderr_or_exit_status() {
    let env = Env::new();
    let out = env.run(&["generate", "test", &bundle()], "fail");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).trim(),
        "Error: plugin test: something broke"
    );

    let out = env.run(&["generate", "test", &bundle()], "silent-fail");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("plugin test: exit status: 4"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn invalid_json_is_refused() {
    let env = Env::new();
    let out = env.run(&["generate", "test", &bundle()], "invalid");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with("Error: plugin test returned invalid output: "),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_hanging_plugin_is_stopped_at_the_timeout() {
    let env = Env::new();
    let start = Instant::now();
    let out = env.run(&["generate", "test", &bundle(), "--timeout", "1"], "sleep");
    let took = start.elapsed();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("plugin test timed out after 1s"),
        "{}",
        text(&out.stderr)
    );
    assert!(took.as_secs_f64() < 5.0, "took {took:?}");
}

#[test]
fn output_over_the_cap_is_refused() {
    let env = Env::new();
    let out = env.run(&["generate", "test", &bundle()], "big");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("plugin test printed more than 67108864 bytes on stdout"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn paths_leaving_the_output_directory_are_refused_and_nothing_is_written() {
    let env = Env::new();
    let out = env.run(
        &["generate", "test", &bundle(), "-o", "out/inner"],
        "escape",
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).trim(),
        "Error: plugin file path \"../escaped.yaml\" escapes output directory"
    );
    assert!(!env.path().join("out/escaped.yaml").exists());
    assert!(!env.path().join("out/inner/ok.yaml").exists());

    let out = env.run(&["generate", "test", &bundle()], "absolute");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("escapes output directory"));
    assert!(!Path::new("/tmp/pacto-absolute.yaml").exists());
}

/// The first-party k8s plugin through the real protocol, when cargo built it.
#[test]
fn k8s_plugin_end_to_end() {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_pacto"))
        .parent()
        .unwrap()
        .to_path_buf();
    if !bin_dir.join("pacto-plugin-k8s").is_file() {
        let reason = "pacto-plugin-k8s is not built (cargo build -p pacto-plugin-k8s)";
        assert!(std::env::var_os("CI").is_none(), "{reason}");
        eprintln!("skipped: {reason}");
        return;
    }
    let env = Env::new();
    std::fs::copy(
        bin_dir.join("pacto-plugin-k8s"),
        env.path().join("bin/pacto-plugin-k8s"),
    )
    .unwrap();
    let out = env.run(
        &[
            "generate",
            "k8s",
            &bundle(),
            "-o",
            "k8s",
            "--option",
            "namespace=pay",
        ],
        "ok",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("Generated 3 file(s) using k8s\n"),
        "{}",
        text(&out.stdout)
    );
    let sts = std::fs::read_to_string(env.path().join("k8s/statefulset.yaml")).unwrap();
    assert!(
        sts.contains("kind: StatefulSet") && sts.contains("namespace: pay"),
        "{sts}"
    );
}

/// A 2.0 bundle reaches the plugin as Go Pacto 3.x sends it: its 2.0 model, in Go's field
/// order, with `workload`, `state`, `capabilities`, `readiness` and `extensions` (the 1.x
/// shape dropped them all, so a plugin saw a contract with no workload).
#[test]
fn a_v2_bundle_is_sent_with_its_2_0_sections() {
    let env = Env::new();
    let b = root()
        .join("fixtures/v2/valid/payments-api")
        .display()
        .to_string();
    let out = env.run(&["generate", "test", &b], "ok");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let req: Value =
        serde_json::from_str(&std::fs::read_to_string(env.path().join("request.json")).unwrap())
            .unwrap();
    let c = &req["contract"];
    let keys: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "pactoVersion",
            "service",
            "interfaces",
            "configurations",
            "dependencies",
            "state",
            "workload",
            "capabilities",
            "policies",
            "readiness",
            "metadata",
            "extensions"
        ]
    );
    assert_eq!(c["pactoVersion"], "2.0");
    assert_eq!(c["workload"], "service");
    assert_eq!(c["state"]["persistence"]["durability"], "persistent");
    assert_eq!(
        c["capabilities"][0],
        serde_json::json!({"type": "health", "binding": {"type": "http", "interface": "rest-api", "path": "/health"}})
    );
    assert_eq!(c["readiness"]["minScore"], 80);
}

/// The k8s plugin on a 2.0 bundle through the real `pacto generate`: without ports it fails
/// naming each interface, its line and the option; with them it writes the StatefulSet, the
/// Service and the autoscaler.
#[test]
fn k8s_plugin_on_a_v2_bundle() {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_pacto"))
        .parent()
        .unwrap()
        .to_path_buf();
    if !bin_dir.join("pacto-plugin-k8s").is_file() {
        let reason = "pacto-plugin-k8s is not built (cargo build -p pacto-plugin-k8s)";
        assert!(std::env::var_os("CI").is_none(), "{reason}");
        eprintln!("skipped: {reason}");
        return;
    }
    let env = Env::new();
    std::fs::copy(
        bin_dir.join("pacto-plugin-k8s"),
        env.path().join("bin/pacto-plugin-k8s"),
    )
    .unwrap();
    let b = root()
        .join("fixtures/v2/valid/payments-api")
        .display()
        .to_string();
    let out = env.run(&["generate", "k8s", &b, "-o", "k8s"], "ok");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("Error: plugin k8s: a 2.0 contract declares no ports")
            && err.contains(&format!(
                "{b}/pacto.yaml:20:5: interfaces[0] (rest-api, openapi) has no port and the health capability binds it: pass --option port.rest-api=PORT"
            ))
            && err.contains("pass --option port.grpc-api=PORT"),
        "{err}"
    );
    assert!(!env.path().join("k8s/statefulset.yaml").exists());

    let out = env.run(
        &[
            "generate",
            "k8s",
            &b,
            "-o",
            "k8s",
            "--option",
            "port.rest-api=8080",
            "--option",
            "port.grpc-api=9090",
            "--option",
            "image=ghcr.io/acme/payments-api:2.1.0",
            "--option",
            "replicas=2",
            "--option",
            "maxReplicas=6",
        ],
        "ok",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "Generated 3 file(s) using k8s\nOutput: k8s/\nMessage: StatefulSet, Service and HorizontalPodAutoscaler for payments-api@2.1.0\n"
    );
    let sts = std::fs::read_to_string(env.path().join("k8s/statefulset.yaml")).unwrap();
    for want in [
        "kind: StatefulSet",
        "replicas: 2",
        "image: ghcr.io/acme/payments-api:2.1.0",
        "containerPort: 9090",
        "path: /health",
        "prometheus.io/path: /metrics",
    ] {
        assert!(sts.contains(want), "{want} missing in\n{sts}");
    }
    let hpa = std::fs::read_to_string(env.path().join("k8s/hpa.yaml")).unwrap();
    assert!(hpa.contains("maxReplicas: 6"), "{hpa}");
}
