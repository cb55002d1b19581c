//! `pacto validate` on `pactoVersion: "2.0"` contracts (Go Pacto 3.x), end to end through the
//! binary: Go's examples validate clean, a broken one fails with Go 3.x's code on its line, a
//! version no generation has is refused naming the ones we read, and `pacto diff` still refuses
//! a 2.0 side rather than report "No changes detected".

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixture(p: &str) -> String {
    root()
        .join("fixtures/v2")
        .join(p)
        .to_string_lossy()
        .into_owned()
}

fn pacto(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pacto"))
        .env_remove("PACTO_OUTPUT_FORMAT")
        .env_remove("PACTO_OFFLINE")
        .args(args)
        .current_dir(root())
        .output()
        .expect("run pacto")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The checkout contract of Go Pacto's documentation home page (owner object, an `openapi`
/// interface with `ref`, a dependency with `compatibility`): Go 3.x says it is valid, with one
/// warning for its tag-pinned dependency.
#[test]
fn go_checkout_example_validates_clean() {
    let dir = fixture("valid/checkout");
    let out = pacto(&["validate", &dir]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(text(&out.stdout), format!("{dir} is valid\n"));
    assert!(!stderr.contains("ERROR"), "{stderr}");
    assert!(stderr.contains("[TAG_NOT_DIGEST]"), "{stderr}");

    let out = pacto(&["validate", "--output-format", "json", &dir]);
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["Valid"], true, "{v}");
}

#[test]
fn every_v2_example_validates() {
    for name in ["minimal", "job-with-readiness", "checkout"] {
        let out = pacto(&["validate", &fixture(&format!("valid/{name}"))]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", text(&out.stderr));
    }
    // Its remote policy is not fetched offline: a warning, as in Go 3.x.
    let out = pacto(&["validate", "--offline", &fixture("valid/payments-api")]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("[POLICY_REF_NOT_ENFORCED]"), "{stderr}");
}

#[test]
fn a_broken_v2_contract_fails_with_go_code_on_its_line() {
    let dir = fixture("invalid/capability-interface-unknown");
    let out = pacto(&["validate", &dir]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "[CAPABILITY_INTERFACE_UNKNOWN] capabilities[0].binding.interface: capability binding references interface \"apy\""
        ),
        "{stderr}"
    );
    assert!(stderr.contains("pacto.yaml:14:18)"), "{stderr}");
    assert!(stderr.contains("did you mean \"api\"?"), "{stderr}");
}

#[test]
fn an_unknown_pacto_version_is_refused_naming_the_supported_ones() {
    let out = pacto(&["validate", &fixture("invalid/pacto-version-unsupported")]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("[PARSE_ERROR]")
            && stderr.contains("unsupported pactoVersion \"2.1\"")
            && stderr.contains("\"1.0\", \"1.1\", \"1.2\", \"2.0\""),
        "{stderr}"
    );
    // Refused before any layer: nothing else is reported.
    assert_eq!(stderr.matches("ERROR [").count(), 1, "{stderr}");
}

/// A 2.0 contract diffs (issue 16; the rules are tested in core/tests/diff_v2.rs): the same
/// bundle twice has no changes.
#[test]
fn diff_compares_v2_sides() {
    let dir = fixture("valid/checkout");
    let out = pacto(&["diff", &dir, &dir]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("No changes detected"));
}
