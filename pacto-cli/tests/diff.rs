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
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("Classification: NON_BREAKING\nNo changes detected.\n"),
        "{stdout}"
    );
    // The fixture's digest-pinned dependency cannot resolve: said once, for both sides.
    assert!(
        stdout.contains("\nWarnings (1):\n  ! both sides: dependency oci://ghcr.io/acme/postgres@sha256:aaaa not resolved"),
        "{stdout}"
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
        "  [BREAKING] interfaces.port (modified): interfaces[api].port modified [8080 -> 9090]\n"
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

/// Run `pacto` with a bound: a command that has not finished after `secs` is killed and the
/// test fails (a FIFO or a stalled read must never hang the command).
fn pacto_bounded(args: &[&str], cwd: &Path, secs: u64) -> Output {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_pacto"))
        .args(args)
        .current_dir(cwd)
        .env_remove("PACTO_OUTPUT_FORMAT")
        .env("PACTO_OFFLINE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = stdout.read_to_end(&mut b);
        b
    });
    let err_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = stderr.read_to_end(&mut b);
        b
    });
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > std::time::Duration::from_secs(secs) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("pacto {args:?} did not finish within {secs} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out_t.join().unwrap(),
        stderr: err_t.join().unwrap(),
    }
}

fn write(dir: &Path, rel: &str, data: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

const V2_BODY: &str =
    "service:\n  name: orders\n  version: 2.0.0\ncapabilities:\n  - name: api\n    port: 8080\n";

/// Issue 15: a side that does not load as a contract (a newer pactoVersion, not YAML, not a
/// mapping, missing, no pacto.yaml, a pacto.yaml leaving the bundle through a link) used to
/// compare as an empty contract: `No changes detected`, exit 0, in a CI gate. Now it is exit 2
/// with the side and the file named, in every format; JSON and SARIF give an error object.
#[test]
fn unreadable_sides_fail_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let good = root().join(case("identical", "old"));
    let good = good.to_str().unwrap();
    write(
        t,
        "v20/pacto.yaml",
        &format!("pactoVersion: \"2.0\"\n{V2_BODY}"),
    );
    write(
        t,
        "v99/pacto.yaml",
        &format!("pactoVersion: \"9.9\"\n{V2_BODY}"),
    );
    write(t, "noversion/pacto.yaml", V2_BODY);
    write(t, "broken/pacto.yaml", "service: [oops\n");
    write(t, "list/pacto.yaml", "- pactoVersion: \"1.0\"\n");
    write(t, "scalar/pacto.yaml", "just text\n");
    write(t, "empty/pacto.yaml", "");
    std::fs::create_dir_all(t.join("nocontract")).unwrap();
    write(
        t,
        "outside/pacto.yaml",
        "pactoVersion: \"1.0\"\nservice:\n  name: secret\n",
    );
    std::fs::create_dir_all(t.join("escape")).unwrap();
    std::os::unix::fs::symlink(t.join("outside/pacto.yaml"), t.join("escape/pacto.yaml")).unwrap();
    let cases: &[(&str, &str)] = &[
        ("v99", "v99/pacto.yaml"),
        ("noversion", "noversion/pacto.yaml"),
        ("broken", "broken/pacto.yaml"),
        ("list", "list/pacto.yaml"),
        ("scalar", "scalar/pacto.yaml"),
        ("empty", "empty/pacto.yaml"),
        ("missing", "missing"),
        ("nocontract", "nocontract"),
        ("escape", "escape/pacto.yaml"),
    ];
    for &(dir, file) in cases {
        for (old, new, side) in [(dir, good, "old"), (good, dir, "new")] {
            // Both sides unreadable the same way must not compare equal either.
            for format in ["text", "json", "markdown", "sarif"] {
                let out = pacto(&["diff", "--output-format", format, old, new], t);
                let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
                assert_eq!(
                    out.status.code(),
                    Some(2),
                    "{dir} as {side}, {format}: {stdout}{stderr}"
                );
                assert!(
                    !stdout.contains("No changes detected"),
                    "{dir} {format}: {stdout}"
                );
                assert!(
                    stderr.contains(&format!("{side} contract: ")) && stderr.contains(file),
                    "{dir} as {side}, {format}: {stderr}"
                );
                assert!(
                    !stderr.contains("secret"),
                    "the link target is never echoed: {stderr}"
                );
                if format == "json" || format == "sarif" {
                    let v: Value =
                        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
                    assert_eq!(v["error"]["side"], side, "{stdout}");
                    assert!(
                        v["error"]["file"].as_str().unwrap().contains(file),
                        "{stdout}"
                    );
                    assert!(
                        v["error"]["message"].as_str().unwrap().contains(file),
                        "{stdout}"
                    );
                }
                if format == "markdown" {
                    assert!(stdout.contains("**Error:** "), "{stdout}");
                }
            }
        }
        let out = pacto(&["diff", dir, dir], t);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{dir} twice: {}",
            text(&out.stdout)
        );
    }
    // 2.0 is compared now (issue 16); a version this build does not know still is not, and the
    // message names the versions it reads.
    let out = pacto(&["diff", "v20", "v99"], t);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("pactoVersion \"9.9\", which this version of pacto cannot read (supported: 1.0, 1.1, 1.2, 2.0)"),
        "{}",
        text(&out.stderr)
    );
    let out = pacto(&["diff", "v20", "v20"], t);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("No changes detected"));
}

/// Issue 15: a configuration schema written as YAML validated (no values to check) but made
/// `diff` exit 2. The diff reads schemas as the validator does and skips one it cannot read with
/// a warning, so a bundle that validates always diffs.
#[test]
fn a_bundle_that_validates_always_diffs() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let contract = "pactoVersion: \"1.1\"\nservice:\n  name: a\n  version: VERSION\nconfigurations:\n  - name: app\n    schema: configuration/schema.yaml\n";
    for (dir, v) in [("a", "1.0.0"), ("b", "1.1.0")] {
        write(
            t,
            &format!("{dir}/pacto.yaml"),
            &contract.replace("VERSION", v),
        );
        write(
            t,
            &format!("{dir}/configuration/schema.yaml"),
            "type: object\nproperties:\n  port:\n    type: integer\n",
        );
        let out = pacto(&["validate", dir], t);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    for format in ["text", "json", "markdown", "sarif"] {
        let out = pacto(&["diff", "--output-format", format, "a", "b"], t);
        let stdout = text(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{format}: {stdout}{}",
            text(&out.stderr)
        );
        assert!(stdout.contains("service.version"), "{stdout}");
        assert!(
            stdout
                .contains("old side: configuration schema configuration/schema.yaml not compared"),
            "{format}: {stdout}"
        );
    }
}

/// Issue 15: `pacto diff X X` reported `inventory +1.0.0` because only the new side looked for
/// a sibling directory named after an oci:// dependency, and the old side's failed fetch was
/// hidden. Both sides now resolve the same way and failures are listed.
#[test]
fn the_same_directory_twice_has_no_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    write(
        t,
        "orders/pacto.yaml",
        "pactoVersion: \"1.0\"\nservice:\n  name: orders\n  version: 1.0.0\ndependencies:\n  - ref: oci://127.0.0.1:1/acme/inventory:1.0.0\n    required: true\n    compatibility: ^1.0.0\n  - ref: oci://127.0.0.1:1/acme/billing:1.0.0\n    required: false\n    compatibility: ^1.0.0\n",
    );
    write(
        t,
        "inventory/pacto.yaml",
        "pactoVersion: \"1.0\"\nservice:\n  name: inventory\n  version: 1.0.0\n",
    );
    let out = pacto_bounded(&["diff", "orders", "orders"], t, 60);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.starts_with("Classification: NON_BREAKING\nNo changes detected.\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("Dependency graph changes"), "{stdout}");
    // billing has no sibling and no registry: its failure is shown, once, for both sides.
    assert!(
        stdout.contains(
            "  ! both sides: dependency oci://127.0.0.1:1/acme/billing:1.0.0 not resolved"
        ),
        "{stdout}"
    );
    let out = pacto_bounded(
        &["diff", "--output-format", "json", "orders", "orders"],
        t,
        60,
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["graphDiff"]["changes"], Value::Null, "{v}");
    assert_eq!(v["warnings"].as_array().unwrap().len(), 1, "{v}");
}

/// Issue 15: `interfaces.port modified [9090 -> 9091]` with two interfaces did not say which.
/// The path stays Go's rule key; the reason and `item` name the entry, in every renderer.
#[test]
fn list_entries_are_named_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let contract = |port: u16, compat: &str, policy: &str| {
        format!(
            "pactoVersion: \"1.1\"\nservice:\n  name: a\n  version: 1.0.0\ninterfaces:\n  - name: api\n    type: http\n    port: 9000\n  - name: admin\n    type: http\n    port: {port}\ndependencies:\n  - ref: oci://127.0.0.1:1/acme/x:1.0.0\n    compatibility: \"{compat}\"\n  - ref: oci://127.0.0.1:1/acme/y:1.0.0\n    compatibility: ^1.0.0\npolicies:\n  - name: sec\n    schema: {policy}\n  - name: other\n    schema: policy/o.json\n"
        )
    };
    write(
        t,
        "a/pacto.yaml",
        &contract(9090, "^1.0.0", "policy/a.json"),
    );
    write(
        t,
        "b/pacto.yaml",
        &contract(9091, "^1.2.0", "policy/b.json"),
    );
    let out = pacto_bounded(&["diff", "a", "b"], t, 60);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("  [BREAKING] interfaces.port (modified): interfaces[admin].port modified [9090 -> 9091]\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("dependencies[oci://127.0.0.1:1/acme/x:1.0.0].compatibility modified"),
        "{stdout}"
    );
    assert!(stdout.contains("policies[sec].schema modified"), "{stdout}");
    let out = pacto_bounded(&["diff", "--output-format", "markdown", "a", "b"], t, 60);
    let md = text(&out.stdout);
    assert!(
        md.contains("| BREAKING | `interfaces.port` | interfaces[admin].port modified |"),
        "{md}"
    );
    for format in ["json", "sarif"] {
        let out = pacto_bounded(&["diff", "--output-format", format, "a", "b"], t, 60);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let port = v["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["path"] == "interfaces.port")
            .unwrap();
        assert_eq!(port["item"], "interfaces[admin]", "{format}: {port}");
        assert_eq!(
            port["reason"], "interfaces[admin].port modified",
            "{format}"
        );
    }
}

/// Issue 15: a FIFO in a bundle blocked `diff` and `doc` forever. They finish within the test's
/// bound, with the FIFO skipped and said so (diff) or refused with a clear error.
#[test]
fn a_fifo_in_a_bundle_never_blocks_diff_or_doc() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    for dir in ["a", "b"] {
        copy_dir(&root().join(case("identical", "old")), &t.join(dir));
        let mk = |rel: &str| {
            let p = t.join(dir).join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            let _ = std::fs::remove_file(&p);
            let st = Command::new("mkfifo").arg(&p).status().unwrap();
            assert!(st.success());
        };
        mk("interfaces/openapi.yaml");
        mk("configuration/schema.json");
        mk("sbom/bom.spdx.json");
        mk("docs/README.md");
    }
    let out = pacto_bounded(&["diff", "a", "b"], t, 30);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    for what in [
        "interface contract interfaces/openapi.yaml not compared: it is not a regular file",
        "configuration schema configuration/schema.json not compared: it is not a regular file",
        "SBOM sbom/bom.spdx.json not compared: it is not a regular file",
    ] {
        assert!(
            stdout.contains(&format!("old side: {what}")),
            "{what}: {stdout}"
        );
    }
    let out = pacto_bounded(&["doc", "a"], t, 30);
    // Finishing is the point; validation refuses the bundle, naming the FIFO.
    let stderr = text(&out.stderr);
    assert!(
        out.status.success() || stderr.contains("interfaces/openapi.yaml"),
        "doc: {stderr}"
    );
    // A valid bundle with an unreferenced FIFO: doc documents it, pack refuses the FIFO.
    copy_dir(&root().join(case("identical", "old")), &t.join("c"));
    let st = Command::new("mkfifo")
        .arg(t.join("c/notes.md"))
        .status()
        .unwrap();
    assert!(st.success());
    let out = pacto_bounded(&["doc", "c"], t, 30);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = pacto_bounded(&["pack", "c", "-o", "c.tar.gz"], t, 30);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("notes.md is a FIFO"),
        "{}",
        text(&out.stderr)
    );
    // The contract itself a FIFO: an unreadable side (exit 2), and doc refuses it.
    std::fs::create_dir_all(t.join("d")).unwrap();
    let st = Command::new("mkfifo")
        .arg(t.join("d/pacto.yaml"))
        .status()
        .unwrap();
    assert!(st.success());
    let out = pacto_bounded(&["diff", "d", "c"], t, 30);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("old contract: failed to read d/pacto.yaml"));
    let out = pacto_bounded(&["doc", "d"], t, 30);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("not a regular file"),
        "{}",
        text(&out.stderr)
    );
}

/// Issue 15: an SBOM over the 16 MiB read limit was skipped without a word.
#[test]
fn an_sbom_too_large_to_read_is_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    for dir in ["a", "b"] {
        copy_dir(&root().join(case("identical", "old")), &t.join(dir));
    }
    std::fs::create_dir_all(t.join("b/sbom")).unwrap();
    let f = std::fs::File::create(t.join("b/sbom/bom.spdx.json")).unwrap();
    f.set_len(17 * 1024 * 1024).unwrap();
    for format in ["text", "json", "markdown"] {
        let out = pacto_bounded(&["diff", "--output-format", format, "a", "b"], t, 60);
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{stdout}");
        assert!(
            stdout.contains(
                "new side: SBOM sbom/bom.spdx.json not compared: it is larger than the 16 MiB"
            ),
            "{format}: {stdout}"
        );
    }
}
