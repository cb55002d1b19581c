//! The Pacto 2.0 demo fleet (`fixtures/demo-v2/`, see its README): every bundle is a 2.0
//! contract that validates with no problem at all, except `notifications/1.1.0`, which is
//! invalid on purpose with exactly one `CAPABILITY_INTERFACE_UNKNOWN`; `dispatch/1.0.0` is the
//! one assessment below its readiness gate. The dashboards and `scripts/demo` rely on both.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use pacto_core::readiness::{self, Date};
use pacto_core::syntax::{parse, ColumnUnit, Limits};
use pacto_core::validate::{validate_dir, Options};
use std::path::{Path, PathBuf};

const INVALID: &str = "notifications/1.1.0";
const BELOW_GATE: &str = "dispatch/1.0.0";

fn fleet_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/demo-v2")
}

/// Every `<service>/<version>` directory holding a `pacto.yaml`, as `service/version`, sorted.
fn bundles() -> Vec<String> {
    let root = fleet_root();
    let mut out = Vec::new();
    for service in std::fs::read_dir(&root).unwrap() {
        let service = service.unwrap().path();
        if !service.is_dir() {
            continue;
        }
        for version in std::fs::read_dir(&service).unwrap() {
            let version = version.unwrap().path();
            if version.join("pacto.yaml").is_file() {
                let rel = version.strip_prefix(&root).unwrap();
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}

fn text(bundle: &str) -> String {
    std::fs::read_to_string(fleet_root().join(bundle).join("pacto.yaml")).unwrap()
}

#[test]
fn the_fleet_has_its_services_and_versions() {
    let all = bundles();
    let services: std::collections::BTreeSet<&str> =
        all.iter().filter_map(|b| b.split('/').next()).collect();
    assert!(
        (6..=8).contains(&services.len()),
        "6 to 8 services, got {services:?}"
    );
    assert!(all.contains(&INVALID.to_string()), "{all:?}");
    assert!(all.contains(&BELOW_GATE.to_string()), "{all:?}");
    for bundle in &all {
        assert!(
            text(bundle).contains("pactoVersion: \"2.0\""),
            "{bundle} is not a 2.0 contract"
        );
    }
}

#[test]
fn every_bundle_validates_clean_except_the_invalid_one() {
    let options = Options::default();
    let mut failures = Vec::new();
    for bundle in bundles() {
        let dir = fleet_root().join(&bundle);
        let report = validate_dir(dir.to_str().unwrap(), None, &options);
        let codes: Vec<(&str, &str, String)> = report
            .diagnostics
            .iter()
            .map(|d| (d.code, d.severity.as_str(), d.path.clone()))
            .collect();
        if bundle == INVALID {
            let want = vec![(
                "CAPABILITY_INTERFACE_UNKNOWN",
                "error",
                "capabilities[0].binding.interface".to_string(),
            )];
            if report.valid() || codes != want {
                failures.push(format!("{bundle}: got {codes:?}, want {want:?}"));
            }
            // Placed on the binding's interface name, line 38 of the contract.
            let span = report.diagnostics[0].span.unwrap();
            let at = report
                .line_index
                .as_ref()
                .unwrap()
                .line_col(span.start, ColumnUnit::Char);
            let line = text(&bundle)
                .lines()
                .nth(at.line as usize)
                .unwrap()
                .to_string();
            assert!(
                line.contains("interface: notify-api"),
                "{bundle}: placed on {line:?}"
            );
        } else if !report.valid() || !codes.is_empty() {
            failures.push(format!("{bundle}: expected no problem, got {codes:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn dispatch_is_the_one_service_below_its_readiness_gate() {
    // A fixed day before every expiry, so the test does not depend on the clock.
    let today = Date::from_ymd(2026, 12, 1).unwrap();
    for bundle in bundles() {
        let parsed = parse(&text(&bundle), &Limits::default());
        let tree = parsed.tree.as_ref().unwrap();
        let Some(declared) = readiness::of_tree(tree) else {
            assert!(
                bundle.starts_with("notifications/"),
                "{bundle} has no readiness"
            );
            continue;
        };
        let ev = readiness::evaluate(&declared, today);
        let gate = readiness::gate(tree, today);
        if bundle == BELOW_GATE {
            assert_eq!((ev.score, ev.min_score, ev.passing), (50, 80, false));
            assert_eq!(gate.map(|d| d.code), Some(readiness::GATE_UNMET));
        } else {
            assert!(
                ev.passing,
                "{bundle}: score {} < {}",
                ev.score, ev.min_score
            );
            assert!(gate.is_none(), "{bundle}: {gate:?}");
        }
    }
}
