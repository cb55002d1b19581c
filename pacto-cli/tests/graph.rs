//! End-to-end tests of `pacto graph` (formats, exit codes) and of the dependency-graph part of
//! `pacto diff` (spec §4.6, §4.7, §4.10 case 3), on the bundles under `fixtures/graph/`.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

fn pacto(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pacto"))
        .args(args)
        .current_dir(cwd)
        .env_remove("PACTO_OUTPUT_FORMAT")
        .env("PACTO_NO_CACHE", "1")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Stdout with the absolute fixtures directory written as in the golden files.
fn normalized(out: &Output) -> String {
    let dir = root().join("fixtures/graph");
    text(&out.stdout).replace(dir.to_str().unwrap(), "<FIXTURES>")
}

fn expected(file: &str) -> String {
    std::fs::read_to_string(root().join("fixtures/graph").join(file)).unwrap()
}

const PAYMENTS: &str = "fixtures/graph/payments/payments-api";

#[test]
fn graph_text_is_the_tree() {
    let out = pacto(&["graph", PAYMENTS], &root());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(normalized(&out), expected("payments/expected.txt"));
    assert!(out.stderr.is_empty());
    // Markdown is no format of graph's: a usage error, not a silent tree.
    let out = pacto(&["graph", PAYMENTS, "--output-format", "markdown"], &root());
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("it supports text, json"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn graph_formats() {
    let json = pacto(&["graph", PAYMENTS, "--output-format", "json"], &root());
    assert_eq!(json.status.code(), Some(0));
    assert_eq!(normalized(&json), expected("payments/expected.json"));
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["root"]["name"], "payments-api");
    for (flag, file) in [
        ("json", "payments/expected.json"),
        ("dot", "payments/expected.dot"),
        ("mermaid", "payments/expected.mmd"),
        ("tree", "payments/expected.txt"),
    ] {
        // --format wins over --output-format.
        let out = pacto(
            &[
                "graph",
                PAYMENTS,
                "--format",
                flag,
                "--output-format",
                "json",
            ],
            &root(),
        );
        assert_eq!(out.status.code(), Some(0), "{flag}");
        assert_eq!(normalized(&out), expected(file), "{flag}");
    }
    let seq = pacto(
        &["graph", PAYMENTS, "--jobs", "1", "--format", "json"],
        &root(),
    );
    assert_eq!(normalized(&seq), expected("payments/expected.json"));
    let bad = pacto(&["graph", PAYMENTS, "--jobs", "0"], &root());
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn graph_defaults_to_the_current_directory() {
    let dir = root().join(PAYMENTS);
    let out = pacto(&["graph"], &dir);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("payments-api@2.1.0\n"));
}

#[test]
fn graph_cycle_via_local_paths() {
    let out = pacto(&["graph", "fixtures/graph/cycle/a"], &root());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(normalized(&out), expected("cycle/expected.txt"));
}

#[test]
fn graph_root_errors_exit_one() {
    let out = pacto(&["graph", "fixtures/graph/nope"], &root());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("failed to access fixtures/graph/nope"));
    assert!(out.stdout.is_empty());
    let out = pacto(&["graph", "fixtures/graph/payments"], &root());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no pacto.yaml found in fixtures/graph/payments"));
}

/// An unreachable registry (a closed loopback port) is an error on the edge, not a failure.
#[test]
fn graph_oci_dependencies_fail_on_the_edge_only() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pacto.yaml"),
        "pactoVersion: \"1.0\"\nservice:\n  name: app\n  version: 1.0.0\ndependencies:\n  - ref: oci://127.0.0.1:1/acme/redis:1.0.0\n    required: true\n    compatibility: ^1.0.0\n",
    )
    .unwrap();
    let out = pacto(&["graph", "."], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("app@1.0.0\n└─ redis:1.0.0 (error: registry unreachable for 127.0.0.1:1/acme/redis:1.0.0: "),
        "{stdout}"
    );
    // The root itself from an unreachable registry is a load error.
    let out = pacto(&["graph", "oci://127.0.0.1:1/acme/app:1.0.0"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("registry unreachable for 127.0.0.1:1/acme/app:1.0.0"));
}

#[test]
fn diff_shows_graph_changes_and_dependency_diffs() {
    let (old, new) = (
        "fixtures/graph/diff-case3/v1",
        "fixtures/graph/diff-case3/v2",
    );
    let out = pacto(&["diff", old, new], &root());
    assert_eq!(out.status.code(), Some(1), "root dependencies were removed");
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("Classification: BREAKING\nChanges (5):\n"),
        "{stdout}"
    );
    assert!(stdout.contains(
        "\n\nDependency redis-pacto [POTENTIAL_BREAKING] (4):\n\
         \x20 [POTENTIAL_BREAKING] runtime.state.dataCriticality (modified): runtime.state.dataCriticality modified [medium -> high]\n\
         \x20 [NON_BREAKING] scaling.max (modified): scaling.max modified [3 -> 6]\n\
         \x20 [POTENTIAL_BREAKING] scaling.min (modified): scaling.min modified [1 -> 2]\n\
         \x20 [NON_BREAKING] service.version (modified): service.version modified [1.0.0 -> 2.0.0]\n"
    ), "{stdout}");
    assert!(stdout.ends_with(
        "\n\nDependency graph changes:\nmy-app\n├─ redis-pacto   1.0.0 → 2.0.0\n└─ postgres-pacto-1.0.0\n"
    ), "{stdout}");

    let out = pacto(&["diff", "--output-format", "json", old, new], &root());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["classification"], "BREAKING");
    assert_eq!(v["dependencyDiffs"][0]["name"], "redis-pacto");
    assert_eq!(
        v["dependencyDiffs"][0]["classification"],
        "POTENTIAL_BREAKING"
    );
    assert_eq!(v["graphDiff"]["root"]["name"], "my-app");
    assert_eq!(
        v["graphDiff"]["changes"],
        serde_json::json!([
            {"name": "postgres-pacto", "changeType": "removed", "oldVersion": "1.0.0"},
            {"name": "redis-pacto", "changeType": "version_changed", "oldVersion": "1.0.0", "newVersion": "2.0.0"}
        ])
    );

    let out = pacto(&["diff", "--output-format", "markdown", old, new], &root());
    let md = text(&out.stdout);
    assert!(md.contains("### Dependency: redis-pacto (`POTENTIAL_BREAKING`)"));
    assert!(md.contains("### Dependency Graph Changes\n\n```\nmy-app\n"));
}

/// A dependency's own classification raises the overall one: only the dependency changes here.
#[test]
fn diff_dependency_classification_counts() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let write = |rel: &str, body: &str| {
        std::fs::create_dir_all(p.join(rel).parent().unwrap()).unwrap();
        std::fs::write(p.join(rel), body).unwrap();
    };
    let app = "pactoVersion: \"1.0\"\nservice:\n  name: app\n  version: 1.0.0\ndependencies:\n  - ref: ../db\n    required: true\n    compatibility: ^1.0.0\n";
    write("old/app/pacto.yaml", app);
    write("new/app/pacto.yaml", app);
    let db = |ty: &str| {
        format!(
            "pactoVersion: \"1.0\"\nservice:\n  name: db\n  version: 1.0.0\nruntime:\n  workload: service\n  state:\n    type: {ty}\n    persistence:\n      scope: local\n      durability: persistent\n    dataCriticality: high\n"
        )
    };
    write("old/db/pacto.yaml", &db("stateful"));
    write("new/db/pacto.yaml", &db("stateless"));
    let out = pacto(&["diff", "old/app", "new/app"], p);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.starts_with("Classification: BREAKING\n\nDependency db [BREAKING] (1):\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("Dependency graph changes:"));
    assert!(text(&out.stderr).contains("breaking changes detected"));
}

/// Spec §4.6: the new side prefers a sibling directory named after an OCI dependency. (The
/// registry is a closed loopback port, so the old side's fetch fails at once.)
#[test]
fn diff_new_side_uses_local_sibling_for_oci_dependencies() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let write = |rel: &str, body: &str| {
        std::fs::create_dir_all(p.join(rel).parent().unwrap()).unwrap();
        std::fs::write(p.join(rel), body).unwrap();
    };
    let app = |v: &str| {
        format!("pactoVersion: \"1.0\"\nservice:\n  name: app\n  version: {v}\ndependencies:\n  - ref: oci://127.0.0.1:1/acme/cache:2.0.0\n    required: true\n    compatibility: ^2.0.0\n")
    };
    write("old/pacto.yaml", &app("1.0.0"));
    write("work/app/pacto.yaml", &app("1.1.0"));
    write(
        "work/cache/pacto.yaml",
        "pactoVersion: \"1.0\"\nservice:\n  name: cache\n  version: 2.0.0\n",
    );
    let out = pacto(&["diff", "old", "work/app"], p);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    // The old side cannot fetch the OCI ref (and says so); the new side found ../cache: cache
    // is added.
    assert!(
        stdout.contains("Dependency graph changes:\napp\n└─ cache         +2.0.0\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  ! old side: dependency oci://127.0.0.1:1/acme/cache:2.0.0 not resolved"),
        "{stdout}"
    );
}

/// A `git:REV:DIR` side reads its local dependencies from the same revision.
#[test]
fn diff_git_side_reads_dependencies_at_the_revision() {
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
    let write = |rel: &str, body: &str| {
        std::fs::create_dir_all(repo.join(rel).parent().unwrap()).unwrap();
        std::fs::write(repo.join(rel), body).unwrap();
    };
    let svc = |name: &str, v: &str, deps: &str| {
        format!("pactoVersion: \"1.0\"\nservice:\n  name: {name}\n  version: {v}\n{deps}")
    };
    let deps = "dependencies:\n  - ref: ../db\n    required: true\n    compatibility: ^1.0.0\n";
    git(&["init", "-q"]);
    write("svc/app/pacto.yaml", &svc("app", "1.0.0", deps));
    write("svc/db/pacto.yaml", &svc("db", "1.0.0", ""));
    git(&["add", "."]);
    git(&["commit", "-qm", "v1"]);
    write("svc/db/pacto.yaml", &svc("db", "1.1.0", ""));
    let out = pacto(&["diff", "git:HEAD:svc/app", "svc/app"], repo);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("Dependency db [NON_BREAKING] (1):\n  [NON_BREAKING] service.version (modified): service.version modified [1.0.0 -> 1.1.0]\n"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("Dependency graph changes:\napp\n└─ db            1.0.0 → 1.1.0\n"),
        "{stdout}"
    );
}
