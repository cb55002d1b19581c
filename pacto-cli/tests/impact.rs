//! `pacto impact OLD NEW` end to end on the 2.0 demo fleet (`fixtures/demo-v2`) with the
//! target-state and trace fixtures of `fixtures/fleet`: the consumers, verdicts, confidences
//! and depths, the `pacto.dev/impact/v1` envelope, text and Markdown, and Go's exit rule (1
//! only when BREAKING and an incompatible consumer is active).

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const AS_OF: &str = "2026-12-01T00:00:00Z";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn pacto(args: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_pacto"));
    for k in ["PACTO_OUTPUT_FORMAT", "PACTO_NO_CACHE", "PACTO_PLAIN_HTTP"] {
        c.env_remove(k);
    }
    c.env("HOME", home.path())
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("PACTO_OFFLINE", "1")
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const ORDERS: [&str; 2] = [
    "fixtures/demo-v2/orders/1.0.0",
    "fixtures/demo-v2/orders/2.0.0",
];

fn impact(extra: &[&str]) -> Output {
    let mut args = vec![
        "impact",
        ORDERS[0],
        ORDERS[1],
        "--local",
        "fixtures/demo-v2",
        "--as-of",
        AS_OF,
    ];
    args.extend_from_slice(extra);
    pacto(&args)
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)))
}

fn consumer<'v>(v: &'v Value, name: &str) -> &'v Value {
    v["consumers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["service"] == name)
        .unwrap_or_else(|| panic!("{name} not a consumer: {}", v["consumers"]))
}

#[test]
fn declared_only_breaking_release_lists_its_consumers_and_exits_0() {
    let out = impact(&["--output-format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(v["schemaVersion"], "pacto.dev/impact/v1");
    assert_eq!(v["service"], "orders");
    assert_eq!(v["oldVersion"], "1.0.0");
    assert_eq!(v["newVersion"], "2.0.0");
    assert_eq!(v["classification"], "BREAKING");
    assert_eq!(v["asOf"], AS_OF);
    assert_eq!(v["completeness"], "complete");
    assert!(v["snapshotId"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(v["breakingChanges"].as_array().unwrap().len(), 6);
    assert_eq!(v["potentiallyBreakingChanges"].as_array().unwrap().len(), 1);
    assert_eq!(
        v["potentiallyBreakingChanges"][0]["classification"],
        "POTENTIAL_BREAKING"
    );
    let names: Vec<&str> = v["consumers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["service"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["dispatch", "storefront"]);
    let sf = consumer(&v, "storefront");
    assert_eq!(sf["depth"], 1);
    assert_eq!(sf["direct"], true);
    assert_eq!(sf["required"], true);
    assert_eq!(sf["path"], serde_json::json!(["storefront", "orders"]));
    assert_eq!(sf["compatibility"], "^1.0.0");
    assert_eq!(sf["compatibilityVerdict"], "incompatible");
    assert_eq!(sf["provenance"], "declared");
    assert_eq!(sf["confidence"], "contractual");
    assert_eq!(sf["owner"], "web");
    assert_eq!(
        consumer(&v, "dispatch")["compatibilityVerdict"],
        "compatible"
    );
    assert_eq!(v["owners"], serde_json::json!(["logistics", "web"]));
    assert!(v.get("activeTargets").is_none());
}

#[test]
fn an_incompatible_active_consumer_blocks_with_exit_1() {
    let out = impact(&["--target-state", "fixtures/fleet/targets.yaml"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Classification: BREAKING"), "{stdout}");
    assert!(stdout.contains("Active targets (3): ["), "{stdout}");
    assert!(
        text(&out.stderr).contains("breaking changes affect active consumers"),
        "{}",
        text(&out.stderr)
    );
    // The same targets, a release that breaks nobody's range: exit 0.
    let out = pacto(&[
        "impact",
        "fixtures/demo-v2/inventory/3.0.0",
        "fixtures/demo-v2/inventory/4.0.0",
        "--local",
        "fixtures/demo-v2",
        "--target-state",
        "fixtures/fleet/targets.yaml",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn text_output_is_gos_layout() {
    let out = impact(&[]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(
            "Impact: orders 1.0.0 -> 2.0.0\nClassification: BREAKING\nBreaking changes: 6\n"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("Affected consumers (2):\n"), "{stdout}");
    assert!(stdout.contains(
        "  storefront                   direct     confidence=contractual  compat=incompatible owner=web\n"
    ), "{stdout}");
    assert!(!stdout.contains("Active targets"), "{stdout}");
    assert!(
        text(&out.stderr).is_empty(),
        "complete answer, no warning: {}",
        text(&out.stderr)
    );
}

#[test]
fn traces_corroborate_and_surface_shadow_consumers() {
    let out = impact(&[
        "--traces",
        "fixtures/fleet/traces.json",
        "--output-format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    let sf = consumer(&v, "storefront");
    assert_eq!(sf["confidence"], "corroborated");
    assert_eq!(sf["provenance"], "declared+observed");
    let n = consumer(&v, "notifications");
    assert_eq!(n["confidence"], "observed");
    assert_eq!(n["provenance"], "observed");
    assert_eq!(n["depth"], 1);
    assert!(v["limitations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["code"] == "OBSERVED_IDENTITY_UNRESOLVED"));
}

#[test]
fn transitive_consumers_have_depth_2_and_inferred_confidence() {
    let out = pacto(&[
        "impact",
        "fixtures/demo-v2/inventory/3.0.0",
        "fixtures/demo-v2/inventory/4.0.0",
        "--local",
        "fixtures/demo-v2",
        "--output-format",
        "json",
    ]);
    let v = json(&out);
    let st = consumer(&v, "storefront");
    assert_eq!(st["depth"], 2);
    assert_eq!(st["direct"], false);
    assert_eq!(st["confidence"], "inferred");
    assert_eq!(st["compatibilityVerdict"], "unknown");
    assert_eq!(
        st["path"],
        serde_json::json!(["storefront", "orders", "inventory"])
    );
    assert_eq!(consumer(&v, "orders")["confidence"], "contractual");
}

#[test]
fn a_service_not_in_the_fleet_says_so() {
    let out = pacto(&[
        "impact",
        ORDERS[0],
        ORDERS[1],
        "--local",
        "fixtures/demo",
        "--output-format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["completeness"], "partial");
    assert_eq!(v["consumers"], serde_json::json!([]));
    assert_eq!(v["limitations"][0]["code"], "SERVICE_NOT_IN_FLEET");
    // Text warns on stderr.
    let out = pacto(&["impact", ORDERS[0], ORDERS[1], "--local", "fixtures/demo"]);
    let err = text(&out.stderr);
    assert!(
        err.contains("warning: answer is partial") && err.contains("[SERVICE_NOT_IN_FLEET]"),
        "{err}"
    );
}

#[test]
fn markdown_lists_consumers_in_a_table() {
    let out = impact(&["--output-format", "markdown"]);
    let md = text(&out.stdout);
    assert!(md.starts_with("# Impact: orders 1.0.0 → 2.0.0\n"), "{md}");
    assert!(md.contains("| storefront | 1 | storefront → orders | yes | ^1.0.0 | incompatible | contractual | web | 0 |"), "{md}");
    assert!(md.contains("## Breaking changes (6)"), "{md}");
}

#[test]
fn overrides_and_unreadable_sides() {
    // --new-set changes what the new side declares: a new version inside storefront's range.
    let out = impact(&[
        "--new-set",
        "service.version=1.5.0",
        "--output-format",
        "json",
    ]);
    let v = json(&out);
    assert_eq!(v["newVersion"], "1.5.0");
    assert_eq!(
        consumer(&v, "storefront")["compatibilityVerdict"],
        "compatible"
    );
    assert_eq!(
        consumer(&v, "dispatch")["compatibilityVerdict"],
        "incompatible"
    );
    let out = pacto(&[
        "impact",
        "fixtures/nope",
        ORDERS[1],
        "--local",
        "fixtures/demo-v2",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("old contract"),
        "{}",
        text(&out.stderr)
    );
    let out = impact(&["--as-of", "yesterday"]);
    assert_ne!(out.status.code(), Some(0));
    // impact takes offline sources only, as Go.
    let out = impact(&["--oci", "oci://example.test/x"]);
    assert_eq!(out.status.code(), Some(2), "unknown flag");
}
