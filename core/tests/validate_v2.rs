//! `pactoVersion: "2.0"` through the validator (not the bare schema, as in `schema_v2.rs`):
//! every case of `fixtures/v2/schema-invalid/` is invalid, every problem the schema finds there is
//! reported on a node at or below the place `expected.txt` names, every error is placed, and an
//! unknown key is placed on the key itself.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use pacto_core::validate::{subject, validate, NoResolver, Options};
use std::path::{Path, PathBuf};

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/v2/schema-invalid");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("pacto.yaml").is_file())
        .collect();
    out.sort();
    assert!(!out.is_empty());
    out
}

#[test]
fn schema_invalid_cases_are_invalid_and_placed() {
    let mut failures = Vec::new();
    for case in cases() {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(case.join("pacto.yaml")).unwrap();
        let v = validate(&text, None, &NoResolver, &Options::default());
        // Only 2.0 documents are held to the 2.0 schema (a 1.x-shaped contract is a valid 1.x
        // one; an unknown version is refused).
        let declared = text
            .lines()
            .find_map(|l| l.strip_prefix("pactoVersion:"))
            .map(|v| {
                v.split('#')
                    .next()
                    .unwrap()
                    .trim()
                    .trim_matches('"')
                    .to_string()
            });
        if v.valid() && declared.as_deref() != Some("2.0") {
            continue;
        }
        if v.valid() {
            failures.push(format!("{name}: valid"));
            continue;
        }
        let errors: Vec<_> = v.diagnostics.iter().filter(|d| d.is_error()).collect();
        for d in &errors {
            let Some(span) = d.span else {
                failures.push(format!("{name}: {} {} has no place", d.code, d.path));
                continue;
            };
            if d.code == "UNKNOWN_FIELD" {
                let last = subject(&d.path).rsplit('.').next().unwrap().to_string();
                if text[span.range()] != last {
                    failures.push(format!(
                        "{name}: UNKNOWN_FIELD {} placed on {:?}",
                        d.path,
                        &text[span.range()]
                    ));
                }
            }
        }
        if declared.as_deref() != Some("2.0") {
            continue;
        }
        let expected = std::fs::read_to_string(case.join("expected.txt")).unwrap();
        for pointer in expected
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#') && *l != "(root)")
        {
            let want = pointer.trim_start_matches('/').replace('/', ".");
            let found = errors.iter().any(|d| {
                let s = subject(&d.path);
                s == want || s.starts_with(&format!("{want}."))
            });
            if !found {
                let got: Vec<String> = errors
                    .iter()
                    .map(|d| format!("{} {}", d.code, d.path))
                    .collect();
                failures.push(format!(
                    "{name}: nothing reported at {pointer}; got {got:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `pactoVersion` picks the generation: the same 2.0 body is valid as "2.0", and under "1.0" it
/// gets 1.x's verdict (its 2.0-only keys are unknown there).
#[test]
fn the_declared_version_picks_the_rules() {
    let body = "service:\n  name: svc\n  version: 1.0.0\nworkload: service\ncapabilities:\n  - type: health\n";
    let v2 = validate(
        &format!("pactoVersion: \"2.0\"\n{body}"),
        None,
        &NoResolver,
        &Options::default(),
    );
    assert!(v2.valid(), "{:?}", v2.diagnostics);
    let v1 = validate(
        &format!("pactoVersion: \"1.0\"\n{body}"),
        None,
        &NoResolver,
        &Options::default(),
    );
    let unknown: Vec<&str> = v1
        .diagnostics
        .iter()
        .filter(|d| d.code == "UNKNOWN_FIELD")
        .map(|d| d.path.as_str())
        .collect();
    assert_eq!(
        unknown,
        ["workload", "capabilities"],
        "{:?}",
        v1.diagnostics
    );
}

/// A 1.x key under `pactoVersion: "2.0"` is unknown there; the help says where 2.0 put it.
#[test]
fn a_v1_key_in_a_v2_contract_says_where_it_went() {
    let text = "pactoVersion: \"2.0\"\nservice:\n  name: svc\n  version: 1.0.0\n  image:\n    ref: ghcr.io/acme/svc:1.0.0\ninterfaces:\n  - name: api\n    type: openapi\n    ref: openapi.yaml\n    port: 8080\nruntime:\n  workload: service\n";
    let v = validate(text, None, &NoResolver, &Options::default());
    let help = |path: &str| {
        let d = v
            .diagnostics
            .iter()
            .find(|d| d.code == "UNKNOWN_FIELD" && d.path == path)
            .unwrap_or_else(|| panic!("no UNKNOWN_FIELD at {path}: {:?}", v.diagnostics));
        d.help.clone().unwrap_or_default()
    };
    assert!(help("runtime").contains("`workload` and `state` are top-level"));
    assert!(help("interfaces[0].port").contains("no `port`"));
    assert!(help("service.image").contains("no `service.image`"));
    // Under 1.0 the same keys are known: no such help there.
    let v1 = validate(
        &text.replace("\"2.0\"", "\"1.0\""),
        None,
        &NoResolver,
        &Options::default(),
    );
    assert!(v1
        .diagnostics
        .iter()
        .all(|d| !d.help.as_deref().unwrap_or_default().contains("2.0")));
}

/// Go stops at the first failing layer: an empty review field is the schema's
/// (`SCHEMA_VIOLATION`), a blank one is layer 2's `INVALID_READINESS_REVISION`.
#[test]
fn an_empty_review_field_is_the_schemas_a_blank_one_layer_twos() {
    let text = |version: &str| {
        format!("pactoVersion: \"2.0\"\nservice:\n  name: svc\n  version: 1.0.0\nreadiness:\n  expires: \"2027-01-31\"\n  claims:\n    - {{id: a, type: url, status: done, evidence: e, weight: 10}}\n  history:\n    - {{date: \"2026-06-21\", version: \"{version}\", author: ed, description: init}}\n")
    };
    let codes = |version: &str| -> Vec<&'static str> {
        validate(&text(version), None, &NoResolver, &Options::default())
            .diagnostics
            .iter()
            .map(|d| d.code)
            .collect()
    };
    assert_eq!(codes(""), ["SCHEMA_VIOLATION"]);
    assert_eq!(codes("  "), ["INVALID_READINESS_REVISION"]);
    assert!(codes("1.0.0").is_empty());
}

/// A capability that matches neither form says what each form takes, not the whole object.
#[test]
fn a_capability_of_neither_form_says_what_each_takes() {
    let text = "pactoVersion: \"2.0\"\nservice:\n  name: svc\n  version: 1.0.0\ncapabilities:\n  - type: metrics\n    ref: example.com/prometheus\n";
    let v = validate(text, None, &NoResolver, &Options::default());
    let d = v
        .diagnostics
        .iter()
        .find(|d| d.code == "SCHEMA_VIOLATION")
        .unwrap();
    assert_eq!(d.path, "capabilities.0");
    assert!(d.message.contains("takes no `ref`"), "{}", d.message);
    assert!(!d.message.contains("prometheus"), "{}", d.message);
}

/// Every 2.0 fixture with each line removed, and cut after each line, still gets a verdict
/// with every error placed (no panic on half-written contracts, as an editor sends them).
#[test]
fn half_written_v2_contracts_get_a_verdict() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/v2");
    let mut dirs = Vec::new();
    for group in ["valid", "invalid", "schema-invalid"] {
        for e in std::fs::read_dir(root.join(group)).unwrap() {
            let p = e.unwrap().path();
            if p.join("pacto.yaml").is_file() {
                dirs.push(p);
            }
        }
    }
    dirs.sort();
    let mut runs = 0;
    for dir in dirs {
        let text = std::fs::read_to_string(dir.join("pacto.yaml")).unwrap();
        let bundle = pacto_core::bundle::DirBundle::new(&dir);
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        for i in 0..lines.len() {
            let cut: String = lines[..i].concat();
            let removed: String = lines
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, l)| *l)
                .collect();
            for variant in [cut, removed] {
                let v = validate(&variant, Some(&bundle), &NoResolver, &Options::default());
                runs += 1;
                for d in v.diagnostics.iter().filter(|d| d.is_error()) {
                    assert!(
                        d.span.is_some() || d.code == "PARSE_ERROR" || d.code.starts_with("POLICY"),
                        "{}: {} {} unplaced in {variant:?}",
                        dir.display(),
                        d.code,
                        d.path
                    );
                }
            }
        }
    }
    assert!(runs > 1_000, "{runs}");
}

/// Spec verdicts are kept across runs by content: a spec edited between two runs (an editor
/// validates on every keystroke) is judged again, never by its old verdict.
#[test]
fn an_edited_spec_is_judged_again() {
    use pacto_core::bundle::MemBundle;
    let text = "pactoVersion: \"2.0\"\nservice:\n  name: a\n  version: 1.0.0\ninterfaces:\n  - name: api\n    type: openapi\n    ref: api.yaml\n";
    let codes = |spec: &str| -> Vec<&'static str> {
        let b = MemBundle::new("mem")
            .with("pacto.yaml", text)
            .with("api.yaml", spec);
        validate(text, Some(&b), &NoResolver, &Options::default())
            .diagnostics
            .iter()
            .map(|d| d.code)
            .filter(|c| *c == "INVALID_INTERFACE_SPEC")
            .collect()
    };
    let broken = "openapi: 3.0.3\npaths: [\n";
    let fixed = "openapi: 3.0.3\ninfo: {title: a, version: '1'}\npaths: {}\n";
    assert_eq!(codes(broken), ["INVALID_INTERFACE_SPEC"]);
    assert!(codes(fixed).is_empty());
    assert_eq!(codes(broken), ["INVALID_INTERFACE_SPEC"]);
    assert!(codes(fixed).is_empty());
}
