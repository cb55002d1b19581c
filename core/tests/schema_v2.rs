//! Checks on the JSON Schema of `pactoVersion: "2.0"`, `schemas/pacto-v2.0.schema.json`.
//!
//! The file carries Go Pacto 3.x's constraints (required fields, types, enums, patterns,
//! `additionalProperties`, `oneOf`, `if`/`then`) with our own documentation. It is not wired
//! into the validator yet; this test reads it directly with `jsonschema`, compiled the way the
//! core compiles the 1.0 schema (draft 2020-12, formats not asserted, as Go Pacto does), and:
//!
//! - checks its identity, that it is a valid draft 2020-12 schema, and that every property and
//!   every enum value is documented for editors (yaml-language-server, VS Code);
//! - validates every contract under `fixtures/v2/valid/<name>/pacto.yaml` (it must pass);
//! - validates every case under `fixtures/v2/schema-invalid/<case>/`: `pacto.yaml` must fail, and
//!   the set of instance paths of the errors must equal `expected.txt` (one JSON pointer a line,
//!   `(root)` for the document itself, `#` starts a comment). Adding a case adds no code;
//! - checks that 1.x contracts (our `fixtures/valid/` bundles) are rejected.
//!
//! YAML is read with the core's own reader (`pacto_core::syntax::parse`), so the JSON the schema
//! sees is the one `pacto validate` will give it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const SCHEMA_PATH: &str = "schemas/pacto-v2.0.schema.json";
const VALID_DIR: &str = "fixtures/v2/valid";
const INVALID_DIR: &str = "fixtures/v2/schema-invalid";
const ROOT_MARKER: &str = "(root)";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("crate directory has a parent")
        .to_path_buf()
}

fn load_schema() -> Value {
    let path = repo_root().join(SCHEMA_PATH);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{SCHEMA_PATH} is not JSON: {e}"))
}

fn compile(schema: &Value) -> jsonschema::Validator {
    jsonschema::draft202012::options()
        .should_validate_formats(false)
        .build(schema)
        .unwrap_or_else(|e| panic!("{SCHEMA_PATH} does not compile: {e}"))
}

/// A YAML file as JSON, through the core's span-preserving reader.
fn yaml_file_as_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let parsed = pacto_core::syntax::parse(&text, &pacto_core::syntax::Limits::default());
    assert!(
        parsed.errors.is_empty(),
        "{} is not readable YAML: {:?}",
        path.display(),
        parsed.errors
    );
    let tree = parsed
        .tree
        .unwrap_or_else(|| panic!("{} gave no document", path.display()));
    tree.json_ref().into_owned()
}

/// Every error the schema reports for `doc`, as `(instance path, message)`, in a stable order.
fn errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = validator
        .iter_errors(doc)
        .map(|e| (e.instance_path().as_str().to_string(), e.to_string()))
        .collect();
    out.sort();
    out
}

fn show(errors: &[(String, String)]) -> String {
    errors
        .iter()
        .map(|(path, message)| format!("    {}: {message}", display_path(path)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn display_path(pointer: &str) -> &str {
    if pointer.is_empty() {
        ROOT_MARKER
    } else {
        pointer
    }
}

/// The case directories under `dir`, sorted, each with a `pacto.yaml`.
fn case_dirs(dir: &str) -> Vec<PathBuf> {
    let root = repo_root().join(dir);
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", root.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    for case in &dirs {
        assert!(
            case.join("pacto.yaml").is_file(),
            "{} has no pacto.yaml",
            case.display()
        );
    }
    dirs
}

fn name_of(case: &Path) -> String {
    case.file_name().unwrap().to_string_lossy().into_owned()
}

// ---------------------------------------------------------------------------------------------
// The file itself
// ---------------------------------------------------------------------------------------------

#[test]
fn schema_is_draft_2020_12_with_the_v2_identity_and_compiles() {
    let schema = load_schema();
    assert_eq!(
        schema["$schema"],
        json!("https://json-schema.org/draft/2020-12/schema")
    );
    assert_eq!(
        schema["$id"],
        json!("https://pacto.trianalab.com/schema/v2.0")
    );
    assert_eq!(schema["title"], json!("Pacto Service Contract v2.0"));
    assert_eq!(schema["type"], json!("object"));
    assert_eq!(schema["additionalProperties"], json!(false));
    assert_eq!(schema["required"], json!(["pactoVersion", "service"]));
    assert_eq!(schema["properties"]["pactoVersion"]["enum"], json!(["2.0"]));

    if let Err(e) = jsonschema::draft202012::meta::validate(&schema) {
        panic!("{SCHEMA_PATH} violates the draft 2020-12 meta-schema: {e}");
    }
    compile(&schema);
}

#[test]
fn top_level_properties_are_exactly_the_v2_set() {
    let schema = load_schema();
    let mut keys: Vec<&str> = schema["properties"]
        .as_object()
        .expect("root has properties")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "capabilities",
            "configurations",
            "dependencies",
            "extensions",
            "interfaces",
            "metadata",
            "pactoVersion",
            "policies",
            "readiness",
            "service",
            "state",
            "workload",
        ]
    );
}

/// Walk the property tree (`properties` and `items`, not the constraint-only subschemas under
/// `oneOf`/`allOf`/`if`/`then`/`not`) and report every property without a description and every
/// enum whose values are not all described for editors.
fn undocumented(node: &Value, at: &str, out: &mut Vec<String>) {
    let Some(object) = node.as_object() else {
        return;
    };
    if let Some(values) = object.get("enum").and_then(Value::as_array) {
        let names: Vec<String> = values
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .collect();
        let described: Vec<String> = object
            .get("x-enum-descriptions")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        let mut sorted_names = names.clone();
        sorted_names.sort();
        let mut sorted_described = described.clone();
        sorted_described.sort();
        if sorted_names != sorted_described {
            out.push(format!(
                "{at}: x-enum-descriptions has {described:?}, enum has {names:?}"
            ));
        }
        let in_order = object
            .get("enumDescriptions")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if in_order != names.len() {
            out.push(format!(
                "{at}: enumDescriptions has {in_order} entries for {} enum values",
                names.len()
            ));
        }
    }
    if let Some(properties) = object.get("properties").and_then(Value::as_object) {
        for (key, property) in properties {
            let here = format!("{at}.{key}");
            let documented = property
                .get("description")
                .and_then(Value::as_str)
                .is_some_and(|d| !d.trim().is_empty());
            if !documented {
                out.push(format!("{here}: no description"));
            }
            undocumented(property, &here, out);
        }
    }
    if let Some(items) = object.get("items") {
        undocumented(items, &format!("{at}[]"), out);
    }
}

#[test]
fn every_property_and_enum_value_is_documented_for_editors() {
    let schema = load_schema();
    let mut missing = Vec::new();
    undocumented(&schema, "$", &mut missing);
    assert!(
        missing.is_empty(),
        "{SCHEMA_PATH} lacks documentation:\n  {}",
        missing.join("\n  ")
    );
}

// ---------------------------------------------------------------------------------------------
// Valid contracts
// ---------------------------------------------------------------------------------------------

#[test]
fn valid_fixtures_pass_the_v2_schema() {
    let validator = compile(&load_schema());
    let cases = case_dirs(VALID_DIR);
    let names: Vec<String> = cases.iter().map(|c| name_of(c)).collect();
    // The two examples from Go Pacto's documentation must stay among them.
    for required in ["checkout", "payments-api"] {
        assert!(
            names.iter().any(|n| n == required),
            "{VALID_DIR}/{required} is missing (have {names:?})"
        );
    }

    let mut failures = Vec::new();
    for case in &cases {
        let doc = yaml_file_as_json(&case.join("pacto.yaml"));
        assert_eq!(
            doc["pactoVersion"],
            json!("2.0"),
            "{} is not a 2.0 contract",
            case.display()
        );
        let found = errors(&validator, &doc);
        if !found.is_empty() {
            failures.push(format!("{}:\n{}", name_of(case), show(&found)));
        }
    }
    assert!(
        failures.is_empty(),
        "valid 2.0 contracts rejected by {SCHEMA_PATH}:\n{}",
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Invalid contracts: data-driven
// ---------------------------------------------------------------------------------------------

fn expected_paths(case: &Path) -> BTreeSet<String> {
    let path = case.join("expected.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let paths: BTreeSet<String> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            if line == ROOT_MARKER {
                String::new()
            } else {
                assert!(
                    line.starts_with('/'),
                    "{}: `{line}` is not a JSON pointer (write {ROOT_MARKER} for the root)",
                    path.display()
                );
                line.to_string()
            }
        })
        .collect();
    assert!(
        !paths.is_empty(),
        "{} names no instance path",
        path.display()
    );
    paths
}

#[test]
fn schema_invalid_fixtures_fail_at_the_expected_instance_paths() {
    let validator = compile(&load_schema());
    let cases = case_dirs(INVALID_DIR);
    assert!(
        cases.len() >= 20,
        "expected at least 20 cases under {INVALID_DIR}, found {}",
        cases.len()
    );

    let mut failures = Vec::new();
    for case in &cases {
        let expected = expected_paths(case);
        let doc = yaml_file_as_json(&case.join("pacto.yaml"));
        let found = errors(&validator, &doc);
        let actual: BTreeSet<String> = found.iter().map(|(path, _)| path.clone()).collect();
        if actual != expected {
            let want: Vec<&str> = expected.iter().map(|p| display_path(p)).collect();
            failures.push(format!(
                "{}: expected errors at {want:?}, the schema reported:\n{}",
                name_of(case),
                if found.is_empty() {
                    "    (nothing: the document passed)".to_string()
                } else {
                    show(&found)
                }
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases under {INVALID_DIR} did not fail as expected:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// 1.x contracts
// ---------------------------------------------------------------------------------------------

#[test]
fn v1_contracts_are_rejected_by_the_v2_schema() {
    let v2 = compile(&load_schema());
    let v1_path = repo_root().join("schemas/pacto-v1.0.schema.json");
    let v1_schema: Value =
        serde_json::from_str(&std::fs::read_to_string(&v1_path).expect("the 1.0 schema exists"))
            .expect("the 1.0 schema is JSON");
    let v1 = compile(&v1_schema);

    let cases = case_dirs("fixtures/valid");
    assert!(!cases.is_empty(), "no 1.x bundles under fixtures/valid");
    for case in &cases {
        let doc = yaml_file_as_json(&case.join("pacto.yaml"));
        // A real 1.x contract: the 1.0 schema accepts it ...
        let v1_errors = errors(&v1, &doc);
        assert!(
            v1_errors.is_empty(),
            "{} is not a valid 1.x contract:\n{}",
            case.display(),
            show(&v1_errors)
        );
        // ... and the 2.0 schema does not, starting with its version.
        let found = errors(&v2, &doc);
        assert!(
            found.iter().any(|(path, _)| path == "/pactoVersion"),
            "{}: the 2.0 schema did not reject pactoVersion {}:\n{}",
            case.display(),
            doc["pactoVersion"],
            show(&found)
        );
    }

    // The fields 2.0 removed are each reported where they are written.
    let payments = yaml_file_as_json(&repo_root().join("fixtures/valid/payments-api/pacto.yaml"));
    assert!(payments["service"].get("image").is_some());
    assert!(payments.get("runtime").is_some());
    let found = errors(&v2, &payments);
    let at = |pointer: &str, word: &str| {
        found
            .iter()
            .any(|(path, message)| path == pointer && message.contains(word))
    };
    assert!(at("", "runtime"), "runtime not rejected:\n{}", show(&found));
    assert!(
        at("/service", "image"),
        "service.image not rejected:\n{}",
        show(&found)
    );

    // Even with its version changed to "2.0", a 1.x document stays invalid.
    let mut relabelled = payments.clone();
    relabelled["pactoVersion"] = json!("2.0");
    let found = errors(&v2, &relabelled);
    assert!(
        !found.is_empty() && found.iter().all(|(path, _)| path != "/pactoVersion"),
        "a 1.x document relabelled 2.0 passed or failed on its version:\n{}",
        show(&found)
    );
}
