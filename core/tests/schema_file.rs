//! Checks on the shipped JSON Schema file, `schemas/pacto-v1.0.schema.json`.
//!
//! - it is a draft 2020-12 schema with the identity the spec requires (§1.6) and it compiles;
//! - it is documented for editors: every property has a `description`, and every `enum` has
//!   `x-enum-descriptions` (read by `pacto doc`) and `enumDescriptions` (read by VS Code and
//!   yaml-language-server);
//! - it gives the structural verdicts of spec §3.6, plus the V1-EXT and LATE-V1 shapes;
//! - the JSON files inside `fixtures/valid/` are well formed.
//!
//! This test reads the file directly with `jsonschema`, independently of the validation
//! pipeline, so a mistake in the file itself shows up here first.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

const SCHEMA_PATH: &str = "schemas/pacto-v1.0.schema.json";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("crate directory has a parent")
        .to_path_buf()
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn load_schema() -> Value {
    read_json(&repo_root().join(SCHEMA_PATH))
}

fn compile(schema: &Value) -> jsonschema::Validator {
    jsonschema::draft202012::options()
        .should_validate_formats(false)
        .build(schema)
        .unwrap_or_else(|e| panic!("{SCHEMA_PATH} does not compile: {e}"))
}

// ---------------------------------------------------------------------------------------------
// (a) identity and compilation
// ---------------------------------------------------------------------------------------------

#[test]
fn schema_is_draft_2020_12_and_compiles() {
    let schema = load_schema();
    assert_eq!(
        schema["$schema"],
        json!("https://json-schema.org/draft/2020-12/schema")
    );
    assert_eq!(
        schema["$id"],
        json!("https://pacto.trianalab.com/schema/v1.0")
    );
    assert_eq!(schema["title"], json!("Pacto Service Contract v1.0"));
    assert_eq!(schema["type"], json!("object"));
    assert_eq!(schema["additionalProperties"], json!(false));
    assert_eq!(schema["required"], json!(["pactoVersion", "service"]));

    if let Err(e) = jsonschema::draft202012::meta::validate(&schema) {
        panic!("{SCHEMA_PATH} violates the draft 2020-12 meta-schema: {e}");
    }
    compile(&schema);
}

#[test]
fn top_level_properties_are_exactly_the_v1_set() {
    let schema = load_schema();
    let keys: Vec<&str> = schema["properties"]
        .as_object()
        .expect("root has properties")
        .keys()
        .map(String::as_str)
        .collect();
    let mut keys_sorted = keys.clone();
    keys_sorted.sort_unstable();
    assert_eq!(
        keys_sorted,
        [
            "configuration",
            "configurations",
            "dependencies",
            "interfaces",
            "metadata",
            "pactoVersion",
            "policies",
            "policy",
            "readiness",
            "runtime",
            "scaling",
            "service",
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// (b) editor documentation
// ---------------------------------------------------------------------------------------------

/// Keywords whose value is one subschema.
const SUBSCHEMA: &[&str] = &[
    "items",
    "additionalProperties",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
];
/// Keywords whose value is an array of subschemas.
const SUBSCHEMA_ARRAY: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];
/// Keywords whose value maps names to subschemas.
const SUBSCHEMA_MAP: &[&str] = &[
    "properties",
    "$defs",
    "patternProperties",
    "dependentSchemas",
];
/// Keywords whose subschemas only restate already-declared properties as conditions
/// (`if stateless then durability const ephemeral`). Properties named there are described at
/// their declaration, so they are not required to repeat a description.
const CONDITIONAL: &[&str] = &["if", "then", "else", "not"];

struct Visited<'a> {
    /// JSON pointer of the subschema inside the schema file.
    pointer: String,
    schema: &'a Map<String, Value>,
    /// False inside `if`/`then`/`else`/`not`.
    declares: bool,
}

fn walk<'a>(schema: &'a Value, pointer: String, declares: bool, out: &mut Vec<Visited<'a>>) {
    let Some(obj) = schema.as_object() else {
        return; // boolean schema
    };
    for (key, value) in obj {
        let child = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
        if SUBSCHEMA.contains(&key.as_str()) {
            walk(value, child, declares, out);
        } else if CONDITIONAL.contains(&key.as_str()) {
            walk(value, child, false, out);
        } else if SUBSCHEMA_ARRAY.contains(&key.as_str()) {
            for (i, sub) in value.as_array().into_iter().flatten().enumerate() {
                walk(sub, format!("{child}/{i}"), declares, out);
            }
        } else if SUBSCHEMA_MAP.contains(&key.as_str()) {
            for (name, sub) in value.as_object().into_iter().flatten() {
                walk(sub, format!("{child}/{name}"), declares, out);
            }
        }
    }
    out.push(Visited {
        pointer,
        schema: obj,
        declares,
    });
}

fn visit_all(schema: &Value) -> Vec<Visited<'_>> {
    let mut out = Vec::new();
    walk(schema, String::new(), true, &mut out);
    out
}

fn non_empty_str(v: Option<&Value>) -> bool {
    v.and_then(Value::as_str)
        .is_some_and(|s| !s.trim().is_empty())
}

#[test]
fn every_property_has_a_description() {
    let schema = load_schema();
    let mut missing = Vec::new();
    let mut checked = 0;
    for v in visit_all(&schema).iter().filter(|v| v.declares) {
        let Some(props) = v.schema.get("properties").and_then(Value::as_object) else {
            continue;
        };
        for (name, prop) in props {
            checked += 1;
            if !non_empty_str(prop.get("description")) {
                missing.push(format!("{}/properties/{name}", v.pointer));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "properties without a description: {missing:#?}"
    );
    // Guard against the walker silently skipping the schema.
    assert!(checked >= 60, "only {checked} properties were checked");
}

#[test]
fn every_enum_has_both_description_forms() {
    let schema = load_schema();
    let mut problems = Vec::new();
    let mut enums = 0;
    for v in visit_all(&schema) {
        let Some(values) = v.schema.get("enum") else {
            continue;
        };
        enums += 1;
        let at = &v.pointer;
        let Some(values) = values.as_array() else {
            problems.push(format!("{at}: enum is not an array"));
            continue;
        };
        let x_desc = v
            .schema
            .get("x-enum-descriptions")
            .and_then(Value::as_object);
        let list = v.schema.get("enumDescriptions").and_then(Value::as_array);
        let (Some(x_desc), Some(list)) = (x_desc, list) else {
            problems.push(format!(
                "{at}: needs both x-enum-descriptions (object) and enumDescriptions (array)"
            ));
            continue;
        };
        if list.len() != values.len() {
            problems.push(format!(
                "{at}: enumDescriptions has {} entries for {} enum values",
                list.len(),
                values.len()
            ));
        }
        if x_desc.len() != values.len() {
            problems.push(format!(
                "{at}: x-enum-descriptions has {} entries for {} enum values",
                x_desc.len(),
                values.len()
            ));
        }
        for (i, value) in values.iter().enumerate() {
            let Some(value) = value.as_str() else {
                problems.push(format!("{at}: enum value {value} is not a string"));
                continue;
            };
            let described = x_desc.get(value);
            if !non_empty_str(described) {
                problems.push(format!("{at}: x-enum-descriptions lacks `{value}`"));
            }
            let listed = list.get(i);
            if !non_empty_str(listed) {
                problems.push(format!("{at}: enumDescriptions[{i}] (`{value}`) is empty"));
            } else if listed != described {
                problems.push(format!(
                    "{at}: enumDescriptions[{i}] differs from x-enum-descriptions.{value}"
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "enum documentation problems: {problems:#?}"
    );
    // pactoVersion, interface type and visibility, workload, state type, scope, durability,
    // data criticality, upgrade strategy, contact type and purpose.
    assert!(enums >= 11, "only {enums} enums found");
}

#[test]
fn defaults_and_examples_are_declared() {
    let schema = load_schema();
    let at = |pointer: &str| {
        schema
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{pointer} not found in {SCHEMA_PATH}"))
    };
    assert_eq!(
        at("/properties/interfaces/items/properties/visibility/default"),
        &json!("internal")
    );
    assert_eq!(
        at("/properties/dependencies/items/properties/required/default"),
        &json!(false)
    );
    for pointer in [
        "/properties/service/properties/name/examples",
        "/properties/service/properties/version/examples",
        "/properties/service/properties/image/properties/ref/examples",
        "/properties/dependencies/items/properties/ref/examples",
        "/properties/dependencies/items/properties/compatibility/examples",
    ] {
        let examples = at(pointer).as_array().expect("examples is an array");
        assert!(!examples.is_empty(), "{pointer} is empty");
    }
    // The documented examples must themselves be acceptable values.
    let validator = compile(&schema);
    for name in at("/properties/service/properties/name/examples")
        .as_array()
        .into_iter()
        .flatten()
    {
        let c = json!({"pactoVersion": "1.0", "service": {"name": name, "version": "1.0.0"}});
        assert!(validator.is_valid(&c), "example name {name} is rejected");
    }
}

// ---------------------------------------------------------------------------------------------
// (c) structural verdicts
// ---------------------------------------------------------------------------------------------

/// `{pactoVersion: "1.0", service: {name: svc, version: 1.0.0}}` plus the given top-level keys.
fn contract(extra: Value) -> Value {
    let mut c = json!({"pactoVersion": "1.0", "service": {"name": "svc", "version": "1.0.0"}});
    let (Some(c_obj), Some(extra)) = (c.as_object_mut(), extra.as_object()) else {
        panic!("contract() takes an object");
    };
    for (k, v) in extra {
        c_obj.insert(k.clone(), v.clone());
    }
    c
}

/// The minimal contract with `service` replaced.
fn with_service(service: Value) -> Value {
    contract(json!({ "service": service }))
}

fn stateless_state() -> Value {
    json!({
        "type": "stateless",
        "persistence": {"scope": "local", "durability": "ephemeral"},
        "dataCriticality": "low"
    })
}

enum Verdict {
    Valid,
    /// Invalid, with at least one error reported at this instance location (JSON pointer).
    InvalidAt(&'static str),
}
use Verdict::{InvalidAt, Valid};

fn cases() -> Vec<(&'static str, Value, Verdict)> {
    vec![
        // --- spec §3.6 -------------------------------------------------------------------------
        ("minimal contract", contract(json!({})), Valid),
        (
            "valid_minimal: http api with health",
            contract(json!({
                "interfaces": [{"name": "api", "type": "http", "port": 8080}],
                "runtime": {
                    "workload": "service",
                    "state": {
                        "type": "stateless",
                        "persistence": {"scope": "local", "durability": "ephemeral"},
                        "dataCriticality": "low"
                    },
                    "health": {"interface": "api", "path": "/health"}
                }
            })),
            Valid,
        ),
        (
            "valid_stateful",
            contract(json!({
                "service": {
                    "name": "db-service",
                    "version": "2.0.0",
                    "image": {"ref": "ghcr.io/acme/db-service:2.0.0"}
                },
                "runtime": {
                    "workload": "service",
                    "state": {
                        "type": "stateful",
                        "persistence": {"scope": "local", "durability": "persistent"},
                        "dataCriticality": "high"
                    },
                    "lifecycle": {"upgradeStrategy": "ordered"}
                }
            })),
            Valid,
        ),
        (
            "state.type not in enum",
            contract(json!({"runtime": {
                "workload": "service",
                "state": {
                    "type": "invalid",
                    "persistence": {"scope": "local", "durability": "ephemeral"},
                    "dataCriticality": "low"
                }
            }})),
            InvalidAt("/runtime/state/type"),
        ),
        (
            "pactoVersion 2.0",
            json!({"pactoVersion": "2.0", "service": {"name": "svc", "version": "1.0.0"}}),
            InvalidAt("/pactoVersion"),
        ),
        (
            "pactoVersion as the number 1.0",
            json!({"pactoVersion": 1.0, "service": {"name": "svc", "version": "1.0.0"}}),
            InvalidAt("/pactoVersion"),
        ),
        (
            "service.version as a number",
            with_service(json!({"name": "svc", "version": 1.0})),
            InvalidAt("/service/version"),
        ),
        (
            "name INVALID_NAME!",
            with_service(json!({"name": "INVALID_NAME!", "version": "1.0.0"})),
            InvalidAt("/service/name"),
        ),
        (
            "name with a trailing hyphen",
            with_service(json!({"name": "svc-", "version": "1.0.0"})),
            InvalidAt("/service/name"),
        ),
        (
            "single-character name",
            with_service(json!({"name": "a", "version": "1.0.0"})),
            Valid,
        ),
        (
            "http interface without port",
            contract(json!({"interfaces": [{"name": "api", "type": "http"}]})),
            InvalidAt("/interfaces/0"),
        ),
        (
            "grpc interface without contract",
            contract(json!({"interfaces": [{"name": "rpc", "type": "grpc", "port": 9090}]})),
            InvalidAt("/interfaces/0"),
        ),
        (
            "grpc interface without port",
            contract(json!({"interfaces": [
                {"name": "rpc", "type": "grpc", "contract": "interfaces/svc.proto"}
            ]})),
            InvalidAt("/interfaces/0"),
        ),
        (
            "event interface without contract",
            contract(json!({"interfaces": [{"name": "events", "type": "event"}]})),
            InvalidAt("/interfaces/0"),
        ),
        (
            "event interface with port and contract",
            contract(json!({"interfaces": [
                {"name": "events", "type": "event", "port": 9092, "contract": "interfaces/events.yaml"}
            ]})),
            Valid,
        ),
        (
            "stateless with persistent durability",
            contract(json!({"runtime": {
                "workload": "service",
                "state": {
                    "type": "stateless",
                    "persistence": {"scope": "local", "durability": "persistent"},
                    "dataCriticality": "low"
                }
            }})),
            InvalidAt("/runtime/state/persistence/durability"),
        ),
        (
            "hybrid with persistent durability",
            contract(json!({"runtime": {
                "workload": "service",
                "state": {
                    "type": "hybrid",
                    "persistence": {"scope": "shared", "durability": "persistent"},
                    "dataCriticality": "medium"
                }
            }})),
            Valid,
        ),
        (
            "scaling replicas and min",
            contract(json!({"scaling": {"replicas": 2, "min": 1}})),
            InvalidAt("/scaling"),
        ),
        (
            "scaling {}",
            contract(json!({"scaling": {}})),
            InvalidAt("/scaling"),
        ),
        (
            "scaling min without max",
            contract(json!({"scaling": {"min": 1}})),
            InvalidAt("/scaling"),
        ),
        (
            "scaling replicas",
            contract(json!({"scaling": {"replicas": 3}})),
            Valid,
        ),
        (
            "scaling min/max",
            contract(json!({"scaling": {"min": 1, "max": 3}})),
            Valid,
        ),
        (
            "scaling negative replicas",
            contract(json!({"scaling": {"replicas": -1}})),
            InvalidAt("/scaling/replicas"),
        ),
        (
            "unknown top-level key",
            contract(json!({"foo": 1})),
            InvalidAt(""),
        ),
        (
            "unknown nested key runtime.foo",
            contract(json!({"runtime": {
                "workload": "service",
                "state": {
                    "type": "stateless",
                    "persistence": {"scope": "local", "durability": "ephemeral"},
                    "dataCriticality": "low"
                },
                "foo": true
            }})),
            InvalidAt("/runtime"),
        ),
        (
            "unknown key inside metadata",
            contract(json!({"metadata": {"anything": {"nested": [1, 2, 3]}, "tier": "gold"}})),
            Valid,
        ),
        (
            "runtime is optional",
            contract(json!({"interfaces": [{"name": "api", "type": "http", "port": 80}]})),
            Valid,
        ),
        // --- ports and lifecycle -------------------------------------------------------------
        (
            "port 0",
            contract(json!({"interfaces": [{"name": "api", "type": "http", "port": 0}]})),
            InvalidAt("/interfaces/0/port"),
        ),
        (
            "port 65536",
            contract(json!({"interfaces": [{"name": "api", "type": "http", "port": 65536}]})),
            InvalidAt("/interfaces/0/port"),
        ),
        (
            "port 65535",
            contract(json!({"interfaces": [{"name": "api", "type": "http", "port": 65535}]})),
            Valid,
        ),
        (
            "interface type soap",
            contract(json!({"interfaces": [{"name": "api", "type": "soap", "port": 80}]})),
            InvalidAt("/interfaces/0/type"),
        ),
        (
            "negative graceful shutdown",
            contract(json!({"runtime": {
                "workload": "job",
                "state": {
                    "type": "stateless",
                    "persistence": {"scope": "local", "durability": "ephemeral"},
                    "dataCriticality": "low"
                },
                "lifecycle": {"gracefulShutdownSeconds": -1}
            }})),
            InvalidAt("/runtime/lifecycle/gracefulShutdownSeconds"),
        ),
        (
            "health with an empty interface name (no minLength)",
            contract(json!({"runtime": {
                "workload": "service",
                "state": {
                    "type": "stateless",
                    "persistence": {"scope": "local", "durability": "ephemeral"},
                    "dataCriticality": "low"
                },
                "health": {"interface": "", "path": ""}
            }})),
            Valid,
        ),
        // --- owner ---------------------------------------------------------------------------
        (
            "owner string",
            with_service(json!({"name": "svc", "version": "1.0.0", "owner": "team/payments"})),
            Valid,
        ),
        (
            "owner empty string",
            with_service(json!({"name": "svc", "version": "1.0.0", "owner": ""})),
            InvalidAt("/service/owner"),
        ),
        (
            "owner object with contacts",
            with_service(json!({"name": "svc", "version": "1.0.0", "owner": {
                "team": "payments-team",
                "dri": "jane.doe@acme.com",
                "contacts": [
                    {"type": "email", "value": "payments@acme.com", "purpose": "escalation"},
                    {"type": "chat", "value": "#payments"}
                ]
            }})),
            Valid,
        ),
        (
            "owner {}",
            with_service(json!({"name": "svc", "version": "1.0.0", "owner": {}})),
            InvalidAt("/service/owner"),
        ),
        (
            "owner with empty contacts",
            with_service(json!({"name": "svc", "version": "1.0.0", "owner": {"contacts": []}})),
            InvalidAt("/service/owner"),
        ),
        (
            "owner contact with unknown type",
            with_service(json!({"name": "svc", "version": "1.0.0", "owner": {
                "contacts": [{"type": "pager", "value": "x"}]
            }})),
            InvalidAt("/service/owner"),
        ),
        (
            "owner team with a space",
            with_service(json!({"name": "svc", "version": "1.0.0", "owner": {"team": "a team"}})),
            InvalidAt("/service/owner"),
        ),
        // --- service.image / service.chart -----------------------------------------------------
        (
            "image without ref",
            with_service(json!({"name": "svc", "version": "1.0.0", "image": {"private": true}})),
            InvalidAt("/service/image"),
        ),
        (
            "chart with ref and version",
            with_service(json!({"name": "svc", "version": "1.0.0",
                "chart": {"ref": "oci://ghcr.io/acme/charts/svc", "version": "1.2.3"}})),
            Valid,
        ),
        (
            "chart without version",
            with_service(json!({"name": "svc", "version": "1.0.0",
                "chart": {"ref": "oci://ghcr.io/acme/charts/svc"}})),
            InvalidAt("/service/chart"),
        ),
        // --- configuration / configurations --------------------------------------------------
        (
            "configuration with schema and values",
            contract(json!({"configuration": {
                "schema": "configuration/schema.json",
                "values": {"LOG_LEVEL": "info", "nested": {"x": 1}}
            }})),
            Valid,
        ),
        (
            "configuration with ref",
            contract(json!({"configuration": {"ref": "oci://ghcr.io/acme/config:1.0.0"}})),
            Valid,
        ),
        (
            "configuration with ref and values",
            contract(json!({"configuration": {
                "ref": "oci://ghcr.io/acme/config:1.0.0",
                "values": {"LOG_LEVEL": "info"}
            }})),
            InvalidAt("/configuration"),
        ),
        (
            "configuration with schema and ref",
            contract(json!({"configuration": {
                "schema": "configuration/schema.json",
                "ref": "oci://ghcr.io/acme/config:1.0.0"
            }})),
            InvalidAt("/configuration"),
        ),
        (
            "configuration {}",
            contract(json!({"configuration": {}})),
            InvalidAt("/configuration"),
        ),
        (
            "configurations entry with ref only",
            contract(json!({"configurations": [
                {"name": "platform", "ref": "oci://ghcr.io/acme/platform-config"}
            ]})),
            Valid,
        ),
        (
            "configurations entries with schema and values",
            contract(json!({"configurations": [
                {"name": "platform", "ref": "../platform-config"},
                {"name": "app", "schema": "configuration/schema.json", "values": {"PORT": 8080}}
            ]})),
            Valid,
        ),
        (
            "configurations entry with schema and ref",
            contract(json!({"configurations": [{
                "name": "app",
                "schema": "configuration/schema.json",
                "ref": "oci://ghcr.io/acme/config"
            }]})),
            InvalidAt("/configurations/0"),
        ),
        (
            "configurations entry with ref and values",
            contract(json!({"configurations": [{
                "name": "app",
                "ref": "oci://ghcr.io/acme/config",
                "values": {"A": 1}
            }]})),
            InvalidAt("/configurations/0"),
        ),
        (
            "configurations entry without name",
            contract(json!({"configurations": [{"schema": "configuration/schema.json"}]})),
            InvalidAt("/configurations/0"),
        ),
        (
            "configurations entry with empty name",
            contract(
                json!({"configurations": [{"name": "", "schema": "configuration/schema.json"}]}),
            ),
            InvalidAt("/configurations/0/name"),
        ),
        // --- policy / policies ---------------------------------------------------------------
        (
            "policy with schema",
            contract(json!({"policy": {"schema": "policy/schema.json"}})),
            Valid,
        ),
        (
            "policy with schema and ref",
            contract(json!({"policy": {
                "schema": "policy/schema.json",
                "ref": "oci://ghcr.io/acme/policy:1.0.0"
            }})),
            InvalidAt("/policy"),
        ),
        (
            "policy {}",
            contract(json!({"policy": {}})),
            InvalidAt("/policy"),
        ),
        (
            "policy with a name (only policies[] entries are named)",
            contract(json!({"policy": {"name": "p", "schema": "policy/schema.json"}})),
            InvalidAt("/policy"),
        ),
        (
            "policies with and without names",
            contract(json!({"policies": [
                {"name": "http-security", "ref": "oci://ghcr.io/acme/http-policy"},
                {"schema": "policy/schema.json"}
            ]})),
            Valid,
        ),
        (
            "policies entry with schema and ref",
            contract(json!({"policies": [
                {"schema": "policy/schema.json", "ref": "oci://ghcr.io/acme/http-policy"}
            ]})),
            InvalidAt("/policies/0"),
        ),
        // --- dependencies --------------------------------------------------------------------
        (
            "named dependency",
            contract(json!({"dependencies": [{
                "name": "postgres",
                "ref": "oci://ghcr.io/acme/postgres-pacto:16.4.0",
                "required": true,
                "compatibility": "^16.0.0"
            }]})),
            Valid,
        ),
        (
            "dependency with empty name",
            contract(json!({"dependencies": [
                {"name": "", "ref": "../db", "compatibility": "^1.0.0"}
            ]})),
            InvalidAt("/dependencies/0/name"),
        ),
        (
            "dependency with empty compatibility",
            contract(json!({"dependencies": [{"ref": "../db", "compatibility": ""}]})),
            InvalidAt("/dependencies/0/compatibility"),
        ),
        (
            "dependency without compatibility",
            contract(json!({"dependencies": [{"ref": "../db"}]})),
            InvalidAt("/dependencies/0"),
        ),
        // --- metrics -------------------------------------------------------------------------
        (
            "metrics with interface and path",
            contract(json!({
                "interfaces": [{"name": "api", "type": "http", "port": 8080}],
                "runtime": {
                    "workload": "service",
                    "state": stateless_state(),
                    "metrics": {"interface": "api", "path": "/metrics"}
                }
            })),
            Valid,
        ),
        (
            "metrics without interface",
            contract(json!({"runtime": {
                "workload": "service",
                "state": stateless_state(),
                "metrics": {"path": "/metrics"}
            }})),
            InvalidAt("/runtime/metrics"),
        ),
        (
            "metrics with initialDelaySeconds (health only)",
            contract(json!({"runtime": {
                "workload": "service",
                "state": stateless_state(),
                "metrics": {"interface": "api", "initialDelaySeconds": 5}
            }})),
            InvalidAt("/runtime/metrics"),
        ),
        // --- a full LATE-V1 contract, shaped like the pacto-demo corpus -------------------------
        ("full contract", full_contract(), Valid),
    ]
}

fn full_contract() -> Value {
    json!({
        "pactoVersion": "1.0",
        "service": {
            "name": "payments-api",
            "version": "2.1.0",
            "owner": {
                "team": "payments-team",
                "dri": "jane.doe",
                "contacts": [{"type": "oncall", "value": "payments-primary", "purpose": "oncall"}]
            },
            "image": {"ref": "ghcr.io/acme/payments-api:2.1.0", "private": true},
            "chart": {"ref": "oci://ghcr.io/acme/charts/payments-api", "version": "2.1.0"}
        },
        "interfaces": [
            {"name": "rest-api", "type": "http", "port": 8080, "visibility": "public",
             "contract": "interfaces/openapi.yaml"},
            {"name": "grpc-api", "type": "grpc", "port": 9090, "visibility": "internal",
             "contract": "interfaces/payments.proto"},
            {"name": "events", "type": "event", "contract": "interfaces/events.yaml"}
        ],
        "configurations": [
            {"name": "platform", "ref": "oci://ghcr.io/acme/platform-config"},
            {"name": "app", "schema": "configuration/schema.json", "values": {"LOG_LEVEL": "info"}}
        ],
        "policies": [{"name": "http-security", "ref": "oci://ghcr.io/acme/http-policy"}],
        "dependencies": [
            {"name": "postgres", "ref": "oci://ghcr.io/acme/postgres-pacto@sha256:711f98b5f921f9b8870da6c720cc48566a74557b9f11bcd4d6958f63120563d3",
             "required": true, "compatibility": "^16.0.0"},
            {"ref": "oci://ghcr.io/acme/redis-pacto:7.4.0", "compatibility": "^7.0.0"}
        ],
        "runtime": {
            "workload": "service",
            "state": {
                "type": "stateful",
                "persistence": {"scope": "local", "durability": "persistent"},
                "dataCriticality": "high"
            },
            "lifecycle": {"upgradeStrategy": "rolling", "gracefulShutdownSeconds": 30},
            "health": {"interface": "rest-api", "path": "/health", "initialDelaySeconds": 15},
            "metrics": {"interface": "rest-api", "path": "/metrics"}
        },
        "scaling": {"min": 2, "max": 10},
        "metadata": {"tier": "critical", "tags": ["payments"]}
    })
}

#[test]
fn structural_verdicts() {
    let validator = compile(&load_schema());
    let mut failures = Vec::new();
    for (name, instance, verdict) in cases() {
        let errors: Vec<(String, String)> = validator
            .iter_errors(&instance)
            .map(|e| (e.instance_path().to_string(), e.to_string()))
            .collect();
        match verdict {
            Valid if !errors.is_empty() => {
                failures.push(format!("{name}: expected valid, got {errors:?}"));
            }
            InvalidAt(_) if errors.is_empty() => {
                failures.push(format!("{name}: expected invalid, but it validated"));
            }
            InvalidAt(path) if !errors.iter().any(|(p, _)| p == path) => {
                failures.push(format!(
                    "{name}: expected an error at `{path}`, got {errors:?}"
                ));
            }
            _ => {}
        }
        assert_eq!(
            validator.is_valid(&instance),
            errors.is_empty(),
            "{name}: is_valid disagrees with iter_errors"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// (d) fixtures: the JSON side (the YAML contracts need the parser and are covered elsewhere)
// ---------------------------------------------------------------------------------------------

fn json_files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            json_files_under(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "json") {
            out.push(path);
        }
    }
}

#[test]
fn valid_fixtures_have_expectations_and_compiling_schemas() {
    let valid = repo_root().join("fixtures/valid");
    let mut bundles: Vec<PathBuf> = std::fs::read_dir(&valid)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", valid.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    bundles.sort();
    assert!(bundles.len() >= 6, "expected at least six valid fixtures");

    for bundle in &bundles {
        assert!(
            bundle.join("pacto.yaml").is_file(),
            "{} has no pacto.yaml",
            bundle.display()
        );
        let expected = read_json(&bundle.join("expected.json"));
        assert_eq!(expected["valid"], json!(true), "{}", bundle.display());
        let warnings = expected["warnings"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: warnings must be an array", bundle.display()));
        assert!(
            warnings
                .iter()
                .all(|w| w.as_str().is_some_and(|s| !s.is_empty())),
            "{}: warnings must be codes",
            bundle.display()
        );

        let mut files = Vec::new();
        json_files_under(bundle, &mut files);
        for file in files.iter().filter(|f| !f.ends_with("expected.json")) {
            let doc = read_json(file);
            let is_schema_dir = file
                .parent()
                .and_then(Path::file_name)
                .is_some_and(|d| d == "configuration" || d == "policy");
            if is_schema_dir {
                if let Err(e) = jsonschema::draft202012::meta::validate(&doc) {
                    panic!("{} is not a draft 2020-12 schema: {e}", file.display());
                }
                if let Err(e) = jsonschema::draft202012::options()
                    .should_validate_formats(false)
                    .build(&doc)
                {
                    panic!("{} does not compile: {e}", file.display());
                }
            }
        }
    }
}
