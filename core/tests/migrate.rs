//! `pacto migrate` (core): data-driven cases under `fixtures/migrate/<case>/`, and the Go Pacto
//! demo corpus.
//!
//! A case holds a 1.x bundle (`pacto.yaml` and the files it names) and either
//! - `expected.yaml` (the migrated `pacto.yaml`, byte for byte) and `report.json` (the report and
//!   warnings as JSON), or
//! - `refused.txt`: a line the refusal's message must contain (nothing is produced),
//!
//! and optionally `options.txt` (`drop-uncontracted-http`: [`Options::drop_uncontracted_http`]).
//!
//! Every migrated result must validate under `schemas/pacto-v2.0.schema.json` (compiled as
//! `schema_v2.rs` does), and every comment line of the input must survive unless the report
//! names it as gone with a dropped section. `PACTO_BLESS=1` writes missing expectations.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use pacto_core::bundle::DirBundle;
use pacto_core::migrate::{migrate, migrate_with, MigrateError, Migration, Options};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo_root().join("schemas/pacto-v2.0.schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft202012::options()
        .should_validate_formats(false)
        .build(&schema)
        .unwrap()
}

fn as_json(text: &str) -> Value {
    let parsed = pacto_core::syntax::parse(text, &pacto_core::syntax::Limits::default());
    assert!(
        parsed.errors.is_empty(),
        "not readable YAML: {:?}\n{text}",
        parsed.errors
    );
    parsed.tree.unwrap().json_ref().into_owned()
}

fn schema_errors(v: &jsonschema::Validator, text: &str) -> Vec<String> {
    let doc = as_json(text);
    v.iter_errors(&doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn report_json(m: &Migration) -> Value {
    json!({"report": m.report, "warnings": m.warnings})
}

/// Every comment line of `input` is in `output`, or named by the report as dropped.
fn lost_comments(input: &str, m: &Migration) -> Vec<String> {
    let out: Vec<&str> = m.text.lines().map(str::trim).collect();
    let notes: Vec<&str> = m.report.iter().map(|e| e.note.as_str()).collect();
    input
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with('#'))
        .filter(|l| !out.contains(l) && !notes.iter().any(|n| n.contains(l)))
        .map(str::to_string)
        .collect()
}

fn run(dir: &Path) -> (String, Result<Migration, MigrateError>) {
    let text = std::fs::read_to_string(dir.join("pacto.yaml")).unwrap();
    let bundle = DirBundle::new(dir);
    // `options.txt`: `drop-uncontracted-http` asks to drop such interfaces instead of refusing.
    let options = Options {
        drop_uncontracted_http: std::fs::read_to_string(dir.join("options.txt"))
            .is_ok_and(|o| o.contains("drop-uncontracted-http")),
    };
    let r = migrate_with(&text, &bundle, options);
    (text, r)
}

#[test]
fn migration_cases() {
    let v = validator();
    let bless = std::env::var_os("PACTO_BLESS").is_some();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(repo_root().join("fixtures/migrate"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("pacto.yaml").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() >= 4, "too few cases: {cases:?}");
    let mut failures = Vec::new();
    for dir in &cases {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let (input, result) = run(dir);
        let refused = dir.join("refused.txt");
        if refused.is_file() {
            let want = std::fs::read_to_string(&refused).unwrap();
            match result {
                Err(e) if e.to_string().contains(want.trim()) => {}
                other => failures.push(format!("{name}: want refusal {want:?}, got {other:?}")),
            }
            continue;
        }
        let m = match result {
            Ok(m) => m,
            Err(e) => {
                failures.push(format!("{name}: refused: {e}"));
                continue;
            }
        };
        let expected = dir.join("expected.yaml");
        let report = dir.join("report.json");
        let got_report = serde_json::to_string_pretty(&report_json(&m)).unwrap() + "\n";
        if bless && !expected.exists() {
            std::fs::write(&expected, &m.text).unwrap();
            std::fs::write(&report, &got_report).unwrap();
        }
        let want = std::fs::read_to_string(&expected).unwrap_or_default();
        if want != m.text {
            failures.push(format!(
                "{name}: output differs from expected.yaml:\n{}",
                m.text
            ));
        }
        let want_report = std::fs::read_to_string(&report).unwrap_or_default();
        if want_report != got_report {
            failures.push(format!(
                "{name}: report differs from report.json:\n{got_report}"
            ));
        }
        let errs = schema_errors(&v, &m.text);
        if !errs.is_empty() {
            failures.push(format!("{name}: not valid 2.0: {errs:#?}"));
        }
        let lost = lost_comments(&input, &m);
        if !lost.is_empty() {
            failures.push(format!("{name}: comments lost: {lost:?}"));
        }
        // Migration is idempotent in the sense that a 2.0 result is refused as already 2.0.
        let again = migrate(&m.text, &DirBundle::new(dir));
        if !matches!(again, Err(MigrateError::NotV1(_))) {
            failures.push(format!(
                "{name}: migrating the result again was not refused"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn untouched_lines_survive_byte_for_byte() {
    let dir = repo_root().join("fixtures/migrate/full");
    let (input, m) = run(&dir);
    let m = m.unwrap();
    // The metadata section and the interface visibility lines are not migrated: kept as written.
    let meta_at = input.find("metadata:\n").unwrap();
    assert!(m.text.ends_with(&input[meta_at..]), "{}", m.text);
    assert!(m
        .text
        .contains("  version: \"3.1.0\"   # keep in step with the release\n"));
    assert!(m
        .text
        .starts_with("# Orders service: a 1.x contract with every section.\n"));
    assert!(m.text.contains("pactoVersion: '2.0'\n"), "quote style kept");
}

#[test]
fn refusals() {
    let b = pacto_core::bundle::MemBundle::new("mem");
    assert!(matches!(
        migrate("a: [", &b),
        Err(MigrateError::Unreadable(_))
    ));
    assert!(matches!(
        migrate("", &b),
        Err(MigrateError::Unreadable(_)) | Err(MigrateError::NotV1(_))
    ));
    let two = "pactoVersion: \"2.0\"\nservice:\n  name: a\n  version: 1.0.0\n";
    assert!(matches!(migrate(two, &b), Err(MigrateError::NotV1(_))));
    // An http interface whose contract file is missing: its kind cannot be judged.
    let missing = "pactoVersion: \"1.0\"\nservice:\n  name: a\n  version: 1.0.0\ninterfaces:\n  - name: api\n    type: http\n    port: 80\n    contract: openapi.yaml\n";
    let e = migrate(missing, &b).unwrap_err();
    assert!(e.to_string().contains("\"api\""), "{e}");
}

/// Every bundle of the Go Pacto demo corpus migrates and validates under 2.0 keeping its
/// comments, or is refused because it has an http interface without a contract file.
#[test]
fn go_pacto_corpus_migrates() {
    let corpus = std::env::var_os("PACTO_COMPAT_CORPUS")
        .map(PathBuf::from)
        .or_else(|| {
            let p = repo_root().join("../shared/corpus");
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
    assert!(bundles.len() >= 10, "found only {} bundles", bundles.len());
    let v = validator();
    let (mut migrated, mut refused, mut failures) = (0, Vec::new(), Vec::new());
    for dir in &bundles {
        let (input, r) = run(dir);
        match r {
            Ok(m) => {
                migrated += 1;
                let errs = schema_errors(&v, &m.text);
                if !errs.is_empty() {
                    failures.push(format!("{}: {errs:#?}\n{}", dir.display(), m.text));
                }
                let lost = lost_comments(&input, &m);
                if !lost.is_empty() {
                    failures.push(format!("{}: comments lost {lost:?}", dir.display()));
                }
            }
            Err(MigrateError::Inexpressible { name, reason, .. })
                if reason.contains("http interface without a contract file") =>
            {
                refused.push(format!("{} ({name})", dir.display()));
                // Asked to drop such interfaces, it migrates, with a warning naming it.
                let options = Options {
                    drop_uncontracted_http: true,
                };
                let m = migrate_with(&input, &DirBundle::new(dir), options).unwrap();
                assert!(
                    m.warnings
                        .iter()
                        .any(|w| w.contains(&format!("interface {name:?}"))),
                    "{:?}",
                    m.warnings
                );
                let errs = schema_errors(&v, &m.text);
                if !errs.is_empty() {
                    failures.push(format!("{} (dropped {name}): {errs:#?}", dir.display()));
                }
            }
            Err(e) => failures.push(format!("{}: {e}", dir.display())),
        }
    }
    eprintln!(
        "migrated {migrated}, refused {}: {refused:?}",
        refused.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(migrated >= 10, "only {migrated} migrated");
}

/// Awkward inputs: no panic; a result reads back as YAML, a refusal says why.
#[test]
fn awkward_inputs_migrate_or_are_refused_without_panicking() {
    let b = pacto_core::bundle::MemBundle::new("mem");
    let base = "pactoVersion: \"1.0\"\nservice:\n  name: a\n  version: 1.0.0\n";
    let cases = [
        // Multi-byte text right before a dropped section.
        format!("{base}metadata:\n  k: é\nscaling:\n  min: 1\n  max: 2\n"),
        format!("{base}metadata:\n  k: 日本\n\nscaling:\n  replicas: 1\n"),
        // Flow style sections.
        format!("{base}runtime: {{workload: service, state: {{type: stateless, persistence: {{scope: local, durability: ephemeral}}, dataCriticality: low}}}}\n"),
        format!("{base}dependencies: [{{ref: oci://r/x:1.0.0, compatibility: ^1.0.0}}]\n"),
        format!("{base}configuration: {{schema: c.json}}\n"),
        // Keys first in a list item, anchors and aliases.
        format!("{base}interfaces:\n  - port: 80\n    name: g\n    type: grpc\n    contract: x.proto\n"),
        format!("{base}runtime:\n  workload: &w service\n  state: &s\n    type: stateless\n    persistence: {{scope: local, durability: ephemeral}}\n    dataCriticality: low\nmetadata:\n  w: *w\n"),
        // Nothing after the last key, no final newline.
        format!("{base}scaling:\n  min: 1\n  max: 2"),
        format!("{base}runtime:"),
        "pactoVersion: 1.0\nservice: x\n".to_string(),
        "- a\n- b\n".to_string(),
    ];
    for input in &cases {
        match migrate(input, &b) {
            Ok(m) => {
                let p = pacto_core::syntax::parse(&m.text, &pacto_core::syntax::Limits::default());
                assert!(
                    p.errors.iter().all(|e| !e.fatal),
                    "{input:?} -> {:?}",
                    m.text
                );
            }
            // Every input reads: a refusal must not blame the user's YAML.
            Err(e) => assert!(!matches!(e, MigrateError::Unreadable(_)), "{input:?}: {e}"),
        }
    }
    // The first case drops scaling and keeps the rest.
    let m = migrate(&cases[0], &b).unwrap();
    assert!(m.text.ends_with("metadata:\n  k: é\n"), "{}", m.text);
}

/// A CRLF file stays CRLF, every untouched line byte for byte.
#[test]
fn crlf_line_ends_are_kept() {
    let dir = repo_root().join("fixtures/migrate/full");
    let input = std::fs::read_to_string(dir.join("pacto.yaml"))
        .unwrap()
        .replace('\n', "\r\n");
    let m = migrate(&input, &DirBundle::new(&dir)).unwrap();
    let want = std::fs::read_to_string(dir.join("expected.yaml"))
        .unwrap()
        .replace('\n', "\r\n");
    assert_eq!(m.text, want);
}

/// Unnamed dependencies: a tagged or digested ref is named as Go's loader names it (the last
/// segment, tag cut); an untagged `oci://host/repo`, which Go's loader would name "oci" (then
/// oci-2, ...), is named after its repository, and the report says so.
#[test]
fn unnamed_dependencies_get_readable_names() {
    let text = "pactoVersion: \"1.0\"\nservice:\n  name: a\n  version: 1.0.0\ndependencies:\n  - ref: oci://ghcr.io/acme/billing\n    compatibility: \"^1.0.0\"\n  - ref: oci://ghcr.io/acme/notifier\n    compatibility: \"^1.0.0\"\n  - ref: oci://localhost:5000/acme/maps:2.0.0\n    compatibility: \"^2.0.0\"\n  - ref: oci://ghcr.io/acme/billing:1.2.0\n    compatibility: \"^1.0.0\"\n";
    let b = pacto_core::bundle::MemBundle::new("t");
    let m = migrate(text, &b).unwrap();
    let tree = pacto_core::syntax::parse(&m.text, &pacto_core::syntax::Limits::default())
        .tree
        .unwrap();
    let names: Vec<String> = tree
        .root()
        .get("dependencies")
        .unwrap()
        .items()
        .map(|d| d.get("name").unwrap().as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["billing", "notifier", "maps", "billing-2"]);
    let notes: Vec<&str> = m
        .report
        .iter()
        .filter(|e| e.path.ends_with(".name"))
        .map(|e| e.note.as_str())
        .collect();
    assert!(
        notes[0].contains("would name an untagged oci:// reference \"oci\""),
        "{notes:?}"
    );
    assert!(
        notes[2].contains("as Go Pacto's loader names it"),
        "{notes:?}"
    );
}
