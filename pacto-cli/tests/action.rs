//! The GitHub Action (`action.yml`), run by `scripts/test-action` as a runner runs a composite
//! action: per-step GITHUB_OUTPUT/GITHUB_STEP_SUMMARY/GITHUB_PATH files, RUNNER_TEMP, `if:`
//! conditions, the action's outputs; `setup` installs this build of pacto from a release laid out
//! by `scripts/release` on a loopback file server (checksum verified by scripts/install.sh), and
//! comment-on-pr talks to a fake GitHub API on the same server. Needs bash, python3 and PyYAML
//! (skipped with a message without them; CI has them).

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn available() -> Result<(), String> {
    let ok = |cmd: &mut Command| cmd.output().map(|o| o.status.success()).unwrap_or(false);
    if !ok(Command::new("bash").arg("-c").arg("true")) {
        return Err("bash is not installed".into());
    }
    if !ok(Command::new("python3").args(["-c", "import yaml"])) {
        return Err("python3 with PyYAML is not installed".into());
    }
    Ok(())
}

fn run_scenario() -> Option<Value> {
    if let Err(why) = available() {
        eprintln!("skipped: {why}");
        return None;
    }
    let out = Command::new(root().join("scripts/test-action"))
        .args(["--pacto", env!("CARGO_BIN_EXE_pacto"), "--json"])
        .env_remove("PACTO_OUTPUT_FORMAT")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "scripts/test-action printed no JSON ({e}):\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    Some(report)
}

fn run<'a>(report: &'a Value, label: &str) -> &'a Value {
    report["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["label"] == label)
        .unwrap_or_else(|| panic!("no run {label}"))
}

fn explain(r: &Value) -> String {
    serde_json::to_string_pretty(&r["steps"]).unwrap()
}

#[test]
fn action_steps_set_breaking_outputs_summary_and_comment() {
    let Some(report) = run_scenario() else {
        return;
    };
    for r in report["runs"].as_array().unwrap() {
        assert_eq!(
            r["outcome"],
            r["expected"],
            "run {} ended {}; steps:\n{}",
            r["label"],
            r["outcome"],
            explain(r)
        );
    }
    assert_eq!(report["ok"], true);

    // setup installs from the release and reports the version; the install dir goes on PATH.
    let setup = run(&report, "setup");
    let version = format!("v{}", env!("CARGO_PKG_VERSION"));
    assert_eq!(setup["outputs"]["version"], version.as_str());
    assert_eq!(
        run(&report, "setup-pinned")["outputs"]["version"],
        version.as_str()
    );
    assert!(report["installed"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p.as_str().unwrap().ends_with("/pacto/bin")));

    // A binary that does not match checksums.txt is not installed: setup fails on it.
    let tampered = run(&report, "setup-tampered");
    assert_eq!(tampered["outcome"], "failure");
    let log = tampered["steps"][2]["log"].as_str().unwrap();
    assert!(
        log.contains("checksum verification failed for pacto_linux_amd64"),
        "{log}"
    );
    assert_eq!(tampered["outputs"]["version"], "");

    // orders 1.0.0 -> 2.0.0 is BREAKING: the output says so, the Markdown diff is in the job
    // summary, and with fail-on-breaking false the step still succeeds.
    let diff = run(&report, "diff-breaking");
    assert_eq!(diff["outputs"]["has-breaking-changes"], "true");
    let text = diff["outputs"]["diff-output"].as_str().unwrap();
    assert!(
        text.starts_with("Classification: BREAKING"),
        "diff-output: {text}"
    );
    let summary = diff["summary"].as_str().unwrap();
    assert!(
        summary.contains("## Pacto diff: `demo-v2/orders/1.0.0` → `demo-v2/orders/2.0.0`"),
        "{summary}"
    );
    assert!(
        summary.contains("**Classification:** `BREAKING`"),
        "{summary}"
    );
    assert!(
        summary.contains(
            "| BREAKING | `state.type` | state.type modified | `stateless` | `stateful` |"
        ),
        "{summary}"
    );
    // output-format json gives JSON in diff-output, the summary stays Markdown.
    let json_run = run(&report, "diff-breaking-again");
    let v: Value = serde_json::from_str(json_run["outputs"]["diff-output"].as_str().unwrap())
        .expect("diff-output is JSON with output-format json");
    assert_eq!(v["classification"], "BREAKING", "{v}");
    assert!(json_run["summary"]
        .as_str()
        .unwrap()
        .contains("**Classification:** `BREAKING`"));

    // fail-on-breaking (the default) fails the action, after setting the outputs.
    let failing = run(&report, "diff-breaking-fails");
    assert_eq!(failing["outcome"], "failure");
    assert_eq!(failing["outputs"]["has-breaking-changes"], "true");
    let gate = failing["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Fail on breaking changes")
        .unwrap();
    assert_eq!(gate["outcome"], "failure", "{}", explain(failing));

    // A compatible release: false, success.
    let ok = run(&report, "diff-compatible");
    assert_eq!(ok["outputs"]["has-breaking-changes"], "false");
    assert!(ok["summary"]
        .as_str()
        .unwrap()
        .contains("**Classification:** `NON_BREAKING`"));

    // A side that cannot be read fails the step even with fail-on-breaking false.
    let unreadable = run(&report, "diff-unreadable");
    assert_eq!(unreadable["outcome"], "failure");

    // comment-on-pr: one comment on PR 7, updated (not duplicated) by the second run.
    let comments = report["comments"].as_array().unwrap();
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert_eq!(comments[0]["issue"], 7);
    assert_eq!(comments[0]["edits"], 1);
    let body = comments[0]["body"].as_str().unwrap();
    assert!(body.starts_with("<!-- pacto-action diff demo-v2/orders/2.0.0 -->\n## Contract Diff"));

    // doc: the Markdown as an output, in the summary and at output-path.
    let doc = run(&report, "doc");
    let md = doc["outputs"]["doc-output"].as_str().unwrap();
    assert!(md.starts_with("# orders"), "{md}");
    assert!(doc["summary"].as_str().unwrap().contains("# orders"));
    assert_eq!(report["doc_file"].as_str().unwrap().trim(), md.trim());

    // validate writes its report to the summary.
    let validate = run(&report, "validate");
    assert!(
        validate["summary"]
            .as_str()
            .unwrap()
            .contains("## Pacto validate: `demo-v2/orders/2.0.0`"),
        "{}",
        validate["summary"]
    );

    // values/set and the old-*/new-* pairs reach the CLI's override flags.
    if report["overrides"] == true {
        let new_set = run(&report, "diff-new-set");
        assert_eq!(new_set["outputs"]["has-breaking-changes"], "true");
        assert!(new_set["summary"]
            .as_str()
            .unwrap()
            .contains("| BREAKING | `state.type` |"));
        // `set` applies to both sides (and its lines are trimmed): nothing changes.
        let both = run(&report, "diff-set-both");
        assert_eq!(
            both["outputs"]["has-breaking-changes"],
            "false",
            "{}",
            explain(both)
        );
        let bad = run(&report, "validate-values");
        assert_eq!(bad["outcome"], "failure");
        assert!(
            bad["summary"].as_str().unwrap().contains("INVALID_SEMVER"),
            "{}",
            bad["summary"]
        );
        assert_eq!(run(&report, "validate-set")["outcome"], "success");
    } else {
        eprintln!("note: this pacto has no --new-set: the override inputs were not exercised");
    }

    // push (when scripts/test-infra's htpasswd registry runs): refused without credentials,
    // registry/username/password must come together, and with them login then push succeed.
    if std::env::var("PACTO_TEST_REGISTRY_AUTH").is_ok_and(|v| !v.is_empty()) {
        let step = |r: &Value, name: &str| -> String {
            r["steps"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["name"] == name)
                .map(|s| s["outcome"].as_str().unwrap().to_string())
                .unwrap_or_default()
        };
        let anonymous = run(&report, "push-anonymous");
        assert_eq!(
            step(anonymous, "Run pacto push"),
            "failure",
            "{}",
            explain(anonymous)
        );
        let half = run(&report, "push-half-credentials");
        assert_eq!(step(half, "Check inputs"), "failure", "{}", explain(half));
        let push = run(&report, "push");
        assert_eq!(
            step(push, "Log in to the registry"),
            "success",
            "{}",
            explain(push)
        );
        assert_eq!(step(push, "Run pacto push"), "success", "{}", explain(push));
    } else {
        eprintln!("note: PACTO_TEST_REGISTRY_AUTH is not set: the push command was not exercised");
    }

    // An unknown command stops at the first step.
    let bad = run(&report, "bad-command");
    assert_eq!(bad["steps"][0]["outcome"], "failure");
}

/// The inputs and outputs of Go's `TrianaLab/pacto-actions@v1` (docs/github-actions.md, v1.8.2),
/// so a workflow written for it runs unchanged with `uses:` pointing here.
#[test]
fn action_declares_go_actions_inputs_and_outputs() {
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let section = |name: &str| -> Vec<String> {
        let start = text.find(&format!("\n{name}:\n")).unwrap() + name.len() + 3;
        text[start..]
            .lines()
            .take_while(|l| l.is_empty() || l.starts_with(' '))
            .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && l.trim_end().ends_with(':'))
            .map(|l| l.trim().trim_end_matches(':').to_string())
            .collect()
    };
    let inputs = section("inputs");
    for go in [
        "command",
        "version",
        "github-token",
        "cache",
        "path",
        "old",
        "new",
        "output-format",
        "fail-on-breaking",
        "ref",
        "registry",
        "username",
        "password",
        "values",
        "set",
        "old-values",
        "old-set",
        "new-values",
        "new-set",
        "output-path",
        "comment-on-pr",
        "add-to-summary",
    ] {
        assert!(
            inputs.iter().any(|i| i == go),
            "input {go} missing: {inputs:?}"
        );
    }
    let outputs = section("outputs");
    assert_eq!(
        outputs,
        [
            "version",
            "has-breaking-changes",
            "diff-output",
            "doc-output"
        ]
    );
    assert!(text.contains("using: 'composite'"));
    // Inputs reach scripts through env only: no `${{ inputs.* }}` inside a run block.
    let mut in_run = false;
    for line in text.lines() {
        if line.trim_start().starts_with("run: |") {
            in_run = true;
            continue;
        }
        if in_run && !line.starts_with("        ") && !line.trim().is_empty() {
            in_run = false;
        }
        assert!(
            !(in_run && line.contains("${{")),
            "expression inside a run block: {line}"
        );
    }
}
