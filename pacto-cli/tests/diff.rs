//! End-to-end tests of `pacto diff`: formats, exit codes, --fail-on, git: sides and bad input.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn pacto(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pacto"))
        .args(args)
        .current_dir(cwd)
        .env_remove("PACTO_OUTPUT_FORMAT")
        .output()
        .unwrap()
}

fn case(name: &str, side: &str) -> String {
    format!("fixtures/diff/contract/{name}/{side}")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn same_bundle_has_no_changes() {
    let d = case("identical", "old");
    let out = pacto(&["diff", &d, &d], &root());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        "Classification: NON_BREAKING\nNo changes detected.\n"
    );
}

#[test]
fn breaking_changes_exit_one_with_go_lines() {
    let out = pacto(
        &[
            "diff",
            &case("readme-example", "old"),
            &case("readme-example", "new"),
        ],
        &root(),
    );
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("Classification: BREAKING\nChanges (4):\n"),
        "{stdout}"
    );
    assert!(stdout.contains(
        "  [BREAKING] interfaces.port (modified): interfaces.port modified [8080 -> 9090]\n"
    ));
    assert!(stdout.contains(
        "  [NON_BREAKING] service.version (modified): service.version modified [1.0.0 -> 1.1.0]\n"
    ));
    assert!(!stdout.contains("why:"), "explanations only with --explain");
    assert!(text(&out.stderr).contains("breaking changes detected"));
}

#[test]
fn fail_on_tunes_the_gate() {
    let (o, n) = (
        case("scaling-min-modified", "old"),
        case("scaling-min-modified", "new"),
    );
    assert_eq!(pacto(&["diff", &o, &n], &root()).status.code(), Some(0));
    let out = pacto(&["diff", "--fail-on", "potential", &o, &n], &root());
    assert_eq!(out.status.code(), Some(1));
    let (o, n) = (
        case("interfaces-removed", "old"),
        case("interfaces-removed", "new"),
    );
    assert_eq!(
        pacto(&["diff", "--fail-on", "none", &o, &n], &root())
            .status
            .code(),
        Some(0)
    );
    assert_eq!(pacto(&["diff", &o, &n], &root()).status.code(), Some(1));
}

#[test]
fn json_is_sorted_with_sources_and_explanations() {
    let out = pacto(
        &[
            "diff",
            "--output-format",
            "json",
            &case("readme-example", "old"),
            &case("readme-example", "new"),
        ],
        &root(),
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["classification"], "BREAKING");
    let changes = v["changes"].as_array().unwrap();
    let paths: Vec<&str> = changes
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    let port = changes
        .iter()
        .find(|c| c["path"] == "interfaces.port")
        .unwrap();
    assert_eq!(port["oldValue"], 8080);
    assert_eq!(port["newValue"], 9090);
    assert!(port["oldSource"]["line"].as_u64().unwrap() > 0);
    assert!(port["explanation"].as_str().unwrap().len() > 10);
    assert!(v["graphDiff"]["root"]["name"].is_string());
}

#[test]
fn markdown_has_the_table() {
    let out = pacto(
        &[
            "diff",
            "--output-format",
            "markdown",
            &case("readme-example", "old"),
            &case("readme-example", "new"),
        ],
        &root(),
    );
    let md = text(&out.stdout);
    assert!(
        md.starts_with("## Contract Diff\n\n**Classification:** `BREAKING`\n"),
        "{md}"
    );
    assert!(md.contains("| Classification | Path | Change | Old | New | Why |"));
    assert!(
        md.contains("| BREAKING | `openapi.paths[/predict]` |"),
        "{md}"
    );
}

#[test]
fn bad_sides_are_clear_errors_with_exit_two() {
    let out = pacto(&["diff", "no-such-dir", &case("identical", "new")], &root());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("old contract: failed to access no-such-dir"));

    let tmp = tempfile::tempdir().unwrap();
    let broken = tmp.path().join("broken");
    std::fs::create_dir_all(broken.join("interfaces")).unwrap();
    std::fs::write(broken.join("pacto.yaml"), "service: [oops\n").unwrap();
    let out = pacto(
        &[
            "diff",
            &root().join(case("identical", "old")).to_string_lossy(),
            broken.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("new contract: ") && err.contains("pacto.yaml:"),
        "{err}"
    );

    // An OpenAPI file that does not parse names the side and the file.
    let bad_api = tmp.path().join("bad-api");
    copy_dir(&root().join(case("identical", "new")), &bad_api);
    std::fs::write(
        bad_api.join("interfaces/openapi.yaml"),
        "openapi: 3.0.0\npaths: [\n",
    )
    .unwrap();
    let out = pacto(
        &[
            "diff",
            &root().join(case("identical", "old")).to_string_lossy(),
            bad_api.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("new contract") && err.contains("interfaces/openapi.yaml"),
        "{err}"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

#[test]
fn git_revisions_are_sides() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .current_dir(repo)
            .args(args)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@t")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@t")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    git(&["init", "-q"]);
    copy_dir(
        &root().join(case("scaling-max-modified", "old")),
        &repo.join("svc"),
    );
    git(&["add", "."]);
    git(&["commit", "-qm", "v1"]);
    copy_dir(
        &root().join(case("scaling-max-modified", "new")),
        &repo.join("svc"),
    );
    let out = pacto(&["diff", "git:HEAD:svc", "svc"], repo);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("[NON_BREAKING] scaling.max (modified)"));
    let out = pacto(&["diff", "git:no-such-rev", "svc"], repo);
    assert_eq!(out.status.code(), Some(2));
}
