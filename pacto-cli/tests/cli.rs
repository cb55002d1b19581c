//! End-to-end tests of the `pacto` binary: exit codes, output formats, init, and the Go Pacto
//! compatibility corpus.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pacto() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pacto"));
    c.env_remove("PACTO_OUTPUT_FORMAT")
        .env_remove("PACTO_OFFLINE");
    c
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixture(p: &str) -> String {
    root()
        .join("fixtures")
        .join(p)
        .to_string_lossy()
        .into_owned()
}

fn run(args: &[&str], cwd: &Path) -> Output {
    pacto()
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run pacto")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn valid_bundle_exits_zero_and_says_so() {
    let dir = fixture("valid/postgres");
    let out = run(&["validate", &dir], &root());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("{dir} is valid\n"));
}

#[test]
fn invalid_bundle_prints_go_lines_with_locations_and_exits_one() {
    let out = run(
        &["validate", "fixtures/invalid/health-interface-not-found"],
        &root(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout),
        "fixtures/invalid/health-interface-not-found is invalid\n"
    );
    let err = text(&out.stderr);
    assert!(
        err.contains("  ERROR [HEALTH_INTERFACE_NOT_FOUND] runtime.health.interface: health interface \"ap\" does not match any declared interface (fixtures/invalid/health-interface-not-found/pacto.yaml:25:16)"),
        "{err}"
    );
    assert!(err.contains("did you mean \"api\"?"), "{err}");
    assert!(
        err.ends_with("validation failed with 1 error(s)\n"),
        "{err}"
    );
}

#[test]
fn warnings_do_not_fail_and_use_go_warn_prefix() {
    let out = run(&["validate", "fixtures/warnings/port-ignored"], &root());
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("  WARN  [PORT_IGNORED] interfaces[0].port: port is not applicable for event interface \"events\""));
}

#[test]
fn json_keeps_go_keys_and_adds_positions() {
    let out = run(
        &[
            "validate",
            "--output-format",
            "json",
            "fixtures/invalid/port-required",
        ],
        &root(),
    );
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["Path"], "fixtures/invalid/port-required");
    assert_eq!(v["Valid"], false);
    assert_eq!(v["Warnings"], Value::Null);
    let e = &v["Errors"][0];
    assert_eq!(e["Code"], "PORT_REQUIRED");
    assert_eq!(e["Path"], "interfaces[0].port");
    assert_eq!(e["Severity"], "error");
    assert_eq!(
        (e["Line"].as_u64(), e["Column"].as_u64()),
        (Some(7), Some(11))
    );
    let keys: Vec<&String> = e.as_object().unwrap().keys().collect();
    assert_eq!(&keys[..3], &["Path", "Code", "Message"]);
}

#[test]
fn several_paths_give_one_result_each() {
    let out = run(
        &[
            "validate",
            "--output-format=json",
            "fixtures/valid/nginx",
            "fixtures/invalid/job-scaling",
        ],
        &root(),
    );
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let arr = v.as_array().expect("array");
    assert_eq!(arr.len(), 2);
    assert_eq!(arr[0]["Valid"], true);
    assert_eq!(arr[1]["Errors"][0]["Code"], "JOB_SCALING_NOT_ALLOWED");
}

#[test]
fn sarif_and_markdown_render() {
    let out = run(
        &[
            "validate",
            "--output-format",
            "sarif",
            "fixtures/invalid/invalid-semver",
        ],
        &root(),
    );
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).expect("sarif json");
    assert_eq!(v["version"], "2.1.0");
    let result = &v["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "INVALID_SEMVER");
    assert_eq!(result["level"], "error");
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 4);
    let out = run(
        &[
            "validate",
            "--output-format",
            "markdown",
            "fixtures/invalid/invalid-semver",
        ],
        &root(),
    );
    let md = text(&out.stdout);
    assert!(
        md.contains("| Severity | Code | Location | Path | Message |"),
        "{md}"
    );
    assert!(md.contains("INVALID_SEMVER"), "{md}");
}

#[test]
fn usage_errors_exit_two() {
    let out = run(&["validate", "--output-format", "yaml"], &root());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown output format"));
    let out = run(&["frobnicate"], &root());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn missing_directory_is_one_parse_error() {
    let out = run(
        &["validate", "--output-format", "json", "does-not-exist"],
        &root(),
    );
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["Errors"][0]["Code"], "PARSE_ERROR");
    assert_eq!(v["Errors"][0]["Path"], "");
    assert!(v["Errors"][0]["Message"]
        .as_str()
        .unwrap()
        .starts_with("failed to access does-not-exist"));
}

#[test]
fn init_scaffolds_a_bundle_that_validates_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(&["init", "orders"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "Created orders/\n  orders/pacto.yaml\n  orders/interfaces/\n  orders/configuration/\n"
    );
    for f in [
        "pacto.yaml",
        "interfaces/openapi.yaml",
        "configuration/schema.json",
    ] {
        assert!(tmp.path().join("orders").join(f).is_file(), "{f}");
    }
    let out = run(
        &["validate", "--output-format", "json", "orders"],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["Errors"], Value::Null);
    assert_eq!(v["Warnings"], Value::Null, "the scaffold must not warn");

    // An existing directory is refused, unless --force.
    let out = run(&["init", "orders"], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("directory \"orders\" already exists"));
    let out = run(
        &["--output-format", "json", "init", "orders", "--force"],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["Dir"], "orders");
}

#[test]
fn init_with_a_bad_name_scaffolds_a_contract_that_fails() {
    for version in ["2.0", "1.0"] {
        let tmp = tempfile::tempdir().unwrap();
        let init = run(&["init", "My_Svc", "--pacto-version", version], tmp.path());
        assert_eq!(init.status.code(), Some(0), "{version}");
        let out = run(&["validate", "My_Svc"], tmp.path());
        assert_eq!(out.status.code(), Some(1), "{version}");
        assert!(
            text(&out.stderr).contains("[SCHEMA_VIOLATION] service.name"),
            "{version}: {}",
            text(&out.stderr)
        );
    }
}

/// `pacto init` writes a Pacto 2.0 bundle by default (Go Pacto 3.x's layout), and
/// `--pacto-version 1.0` the 1.0 one; both validate with no errors and no warnings.
#[test]
fn init_writes_2_0_by_default_and_1_0_on_request() {
    let tmp = tempfile::tempdir().unwrap();
    for (args, dir, version) in [
        (vec!["init", "orders"], "orders", "2.0"),
        (
            vec!["init", "--pacto-version", "2.0", "billing"],
            "billing",
            "2.0",
        ),
        (
            vec!["init", "legacy", "--pacto-version", "1.0"],
            "legacy",
            "1.0",
        ),
    ] {
        let out = run(&args, tmp.path());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        let contract = std::fs::read_to_string(tmp.path().join(dir).join("pacto.yaml")).unwrap();
        assert!(
            contract.starts_with(&format!("pactoVersion: \"{version}\"\n")),
            "{args:?}: {contract}"
        );
        assert!(contract.contains(&format!("  name: {dir}\n")), "{contract}");
        if version == "2.0" {
            // 2.0's forms: a structured owner, an OpenAPI interface by `ref`, named
            // configurations, top-level workload and capabilities, readiness.
            for part in [
                "  owner:\n    team: my-team\n",
                "    type: openapi\n    ref: interfaces/openapi.yaml\n",
                "configurations:\n  - name: default\n    schema: configuration/schema.json\n",
                "\nworkload: service\n",
                "capabilities:\n  - type: health\n  - type: metrics\n",
                "\nreadiness:\n",
            ] {
                assert!(contract.contains(part), "{part:?} in {contract}");
            }
            assert!(!contract.contains("runtime:"), "{contract}");
        } else {
            for part in [
                "  owner: team/my-team\n",
                "    type: http\n",
                "\nruntime:\n  workload: service\n",
            ] {
                assert!(contract.contains(part), "{part:?} in {contract}");
            }
        }
        for f in ["interfaces/openapi.yaml", "configuration/schema.json"] {
            assert!(tmp.path().join(dir).join(f).is_file(), "{dir}/{f}");
        }
        let out = run(&["validate", "--output-format", "json", dir], tmp.path());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stdout)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["Errors"], Value::Null, "{args:?}");
        assert_eq!(
            v["Warnings"],
            Value::Null,
            "{args:?}: the scaffold must not warn"
        );
    }
}

/// Any other `--pacto-version` is a usage error (exit 2) naming the two it takes, and
/// writes nothing.
#[test]
fn init_refuses_an_unknown_pacto_version() {
    let tmp = tempfile::tempdir().unwrap();
    for bad in ["1.2", "3.0", "2", ""] {
        let out = run(&["init", "orders", "--pacto-version", bad], tmp.path());
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let err = text(&out.stderr);
        assert!(
            err.contains("--pacto-version") && err.contains("2.0") && err.contains("1.0"),
            "{bad:?}: {err}"
        );
        assert!(!tmp.path().join("orders").exists(), "{bad:?}");
    }
}

/// Every bundle of the Go Pacto demo corpus is valid for Go Pacto, so it must be for us.
/// The corpus comes from `$PACTO_COMPAT_CORPUS` (set by scripts/test) or `../shared/corpus`.
#[test]
fn go_pacto_corpus_is_valid() {
    let corpus = std::env::var_os("PACTO_COMPAT_CORPUS")
        .map(PathBuf::from)
        .or_else(|| {
            let p = root().join("../shared/corpus");
            p.is_dir().then_some(p)
        });
    let Some(corpus) = corpus else {
        if std::env::var_os("CI").is_some() {
            panic!("CI must provide the compatibility corpus (PACTO_COMPAT_CORPUS)");
        }
        eprintln!("skipping: no compatibility corpus (set PACTO_COMPAT_CORPUS)");
        return;
    };
    let mut bundles = Vec::new();
    let mut stack = vec![corpus.clone()];
    while let Some(dir) = stack.pop() {
        if dir.join("pacto.yaml").is_file() {
            bundles.push(dir.clone());
        }
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                stack.push(e.path());
            }
        }
    }
    bundles.sort();
    assert!(
        bundles.len() >= 10,
        "found only {} bundles in {}",
        bundles.len(),
        corpus.display()
    );
    let mut args = vec![
        "validate".to_string(),
        "--offline".into(),
        "--output-format".into(),
        "json".into(),
    ];
    args.extend(bundles.iter().map(|b| b.to_string_lossy().into_owned()));
    let out = pacto().args(&args).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let invalid: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["Valid"] != true)
        .map(|r| format!("{}: {}", r["Path"], r["Errors"]))
        .collect();
    assert!(
        invalid.is_empty(),
        "corpus bundles judged invalid:\n{}",
        invalid.join("\n")
    );
    assert_eq!(out.status.code(), Some(0));
    eprintln!("{} corpus bundles valid", bundles.len());
}

/// A bundle directory in a temporary directory with `pacto.yaml` holding `contract`.
fn bundle_with(contract: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pacto.yaml"), contract).unwrap();
    dir
}

#[test]
fn sixty_four_thousand_problems_are_capped_and_counted() {
    let mut contract =
        String::from("pactoVersion: \"1.0\"\nservice:\n  name: svc\n  version: 1.0.0\n");
    for i in 0..64_000 {
        contract.push_str(&format!("unknown{i}: {i}\n"));
    }
    let dir = bundle_with(&contract);
    let path = dir.path().to_string_lossy().into_owned();
    let out = run(&["validate", &path], &root());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), format!("{path} is invalid\n"));
    let err = text(&out.stderr);
    let shown = err.lines().filter(|l| l.starts_with("  ERROR [")).count();
    assert_eq!(shown, 1_001, "1,000 problems and one summary");
    let first = err.lines().find(|l| l.starts_with("  ERROR [")).unwrap();
    assert!(
        first.starts_with("  ERROR [UNKNOWN_FIELD] unknown0: "),
        "{first}"
    );
    let last = err.lines().rfind(|l| l.starts_with("  ERROR [")).unwrap();
    assert!(
        last.starts_with("  ERROR [TOO_MANY_PROBLEMS] "),
        "the summary comes last: {last}"
    );
    assert!(
        err.contains("  ERROR [TOO_MANY_PROBLEMS] : and 63000 more problems not shown (63000 errors, 0 warnings)"),
        "{}",
        err.lines().rev().take(4).collect::<Vec<_>>().join("\n")
    );
    // The failure line counts every error, not only those shown.
    assert!(
        err.ends_with("validation failed with 64000 error(s)\n"),
        "{}",
        &err[err.len() - 200..]
    );
    // JSON: the same cap, and the verdict.
    let out = run(&["validate", "--output-format", "json", &path], &root());
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["Valid"], false);
    assert_eq!(v["Errors"].as_array().unwrap().len(), 1_001);
}

#[test]
fn a_tab_used_as_indentation_is_reported_at_the_tab() {
    let dir = bundle_with("pactoVersion: \"1.0\"\nservice:\n  name: svc\n\tversion: 1.0.0\n");
    let path = dir.path().to_string_lossy().into_owned();
    let out = run(&["validate", &path], &root());
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("  ERROR [PARSE_ERROR] service.name: invalid YAML: "),
        "the nearest key, not an empty path: {err}"
    );
    assert!(
        err.contains(&format!("({path}/pacto.yaml:4:1)\n")),
        "at the tab: {err}"
    );
    assert!(err.contains("help: YAML indentation uses spaces"), "{err}");
}

#[test]
fn an_output_format_a_command_cannot_render_is_a_usage_error() {
    let dir = fixture("valid/postgres");
    for (args, supported) in [
        (
            vec!["explain", "--output-format", "sarif", &dir],
            "text, json",
        ),
        (
            vec!["explain", "--output-format", "markdown", &dir],
            "text, json",
        ),
        (
            vec!["graph", "--output-format", "markdown", &dir],
            "text, json",
        ),
        (
            vec!["graph", "--output-format", "sarif", &dir],
            "text, json",
        ),
        (
            vec!["doc", "--output-format", "sarif", &dir],
            "text, markdown, json",
        ),
        (vec!["init", "--output-format", "sarif", "x"], "text, json"),
    ] {
        let out = run(&args, &root());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!("`pacto {}` cannot render", args[0]))
                && err.contains(&format!("it supports {supported}")),
            "{args:?}: {err}"
        );
    }
    // From the environment (set once for every step of a pipeline) it falls back to the
    // command's own format, as Go does, and says so.
    let out = pacto()
        .args(["explain", &dir])
        .env("PACTO_OUTPUT_FORMAT", "sarif")
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("PACTO_OUTPUT_FORMAT=sarif"));
    assert!(text(&out.stderr).contains("using text"));
    assert!(!out.stdout.is_empty());
    // What a command can render still works.
    let out = run(&["explain", "--output-format", "json", &dir], &root());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(&["doc", "--output-format", "markdown", &dir], &root());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // --format overrides --output-format for graph.
    let out = run(
        &["graph", "--output-format", "sarif", "--format", "dot", &dir],
        &root(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn doc_graph_and_explain_refuse_what_is_not_a_documentable_contract() {
    for (contract, code) in [
        ("just a line of text\n", "SCHEMA_VIOLATION"),
        (
            "pactoVersion: \"1.0\"\nowner: team-a\n",
            "MISSING_REQUIRED_FIELD",
        ),
        ("- a\n- b\n", "SCHEMA_VIOLATION"),
    ] {
        let dir = bundle_with(contract);
        let path = dir.path().to_string_lossy().into_owned();
        let validate = run(&["validate", &path], &root());
        assert_eq!(validate.status.code(), Some(1));
        let expected = text(&validate.stderr);
        assert!(expected.contains(&format!("[{code}]")), "{expected}");
        for command in ["doc", "graph", "explain"] {
            let out = run(&[command, &path], &root());
            assert_eq!(out.status.code(), Some(1), "{command} {contract:?}");
            assert_eq!(text(&out.stderr), expected, "{command} {contract:?}");
            assert_eq!(
                text(&out.stdout),
                format!("{path} is invalid\n"),
                "{command}"
            );
        }
        let out = run(&["explain", "--output-format", "json", &path], &root());
        assert_eq!(out.status.code(), Some(1));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["Valid"], false);
    }
}

#[test]
fn messages_do_not_echo_a_file_that_is_not_a_contract() {
    let dir = bundle_with(
        "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG\n",
    );
    let path = dir.path().to_string_lossy().into_owned();
    for format in ["text", "json", "sarif", "markdown"] {
        let out = run(&["validate", "--output-format", format, &path], &root());
        assert_eq!(out.status.code(), Some(1), "{format}");
        let all = text(&out.stdout) + &text(&out.stderr);
        assert!(!all.contains("wJalrXUtnFEMI"), "{format}: {all}");
        assert!(!all.contains("daemon"), "{format}: {all}");
    }
    let long = format!(
        "pactoVersion: \"1.0\"\nservice:\n  name: \"{}\"\n",
        "a".repeat(100_000)
    );
    let dir = bundle_with(&long);
    let path = dir.path().to_string_lossy().into_owned();
    let out = run(&["validate", &path], &root());
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stderr.len() < 4_000, "{}", text(&out.stderr));
}

#[cfg(unix)]
#[test]
fn a_pacto_yaml_symlinked_out_of_the_bundle_is_refused_without_its_content() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("credentials");
    std::fs::write(
        &secret,
        "pactoVersion: \"1.0\"\nservice:\n  name: svc\n  version: 1.0.0\n# AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG\nnot: [valid\n",
    )
    .unwrap();
    let bundle = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(&secret, bundle.path().join("pacto.yaml")).unwrap();
    let path = bundle.path().to_string_lossy().into_owned();
    for format in ["text", "json", "sarif"] {
        let out = run(&["validate", "--output-format", format, &path], &root());
        assert_eq!(out.status.code(), Some(1), "{format}");
        let all = text(&out.stdout) + &text(&out.stderr);
        assert!(!all.contains("wJalrXUtnFEMI"), "{format}: {all}");
        assert!(all.contains("leaves the bundle"), "{format}: {all}");
        assert!(
            all.contains(&format!("{path}/pacto.yaml")),
            "located: {format}: {all}"
        );
    }
    for command in ["doc", "graph", "explain"] {
        let out = run(&[command, &path], &root());
        assert_ne!(out.status.code(), Some(0), "{command}");
        let all = text(&out.stdout) + &text(&out.stderr);
        assert!(!all.contains("wJalrXUtnFEMI"), "{command}: {all}");
        assert!(all.contains("leaves the bundle"), "{command}: {all}");
    }
}
