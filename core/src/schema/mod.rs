//! The embedded JSON Schemas, one per contract generation: `pactoVersion` "1.0", "1.1" and "1.2"
//! (`schemas/pacto-v1.0.schema.json`) and "2.0" (`schemas/pacto-v2.0.schema.json`), and the
//! documentation they carry for every field.

use serde_json::Value;
use std::sync::OnceLock;

/// The schema file, verbatim (the MCP `pacto_schema` tool and `pacto doc` hand it out as is).
pub const SCHEMA_JSON: &str = include_str!("../../../schemas/pacto-v1.0.schema.json");

/// Its `$id`.
pub const SCHEMA_ID: &str = "https://pacto.trianalab.com/schema/v1.0";

/// The parsed schema document.
pub fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        // The file is ours and checked by tests; a broken build would fail every test.
        serde_json::from_str(SCHEMA_JSON).unwrap_or(Value::Bool(true))
    })
}

/// The compiled validator (draft 2020-12, format assertions off, as Go Pacto's validator).
pub fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        compile(schema()).unwrap_or_else(|_| {
            // Unreachable with the shipped schema (a test compiles it); accept-all keeps the other
            // layers running rather than panicking.
            #[allow(clippy::unwrap_used)]
            compile(&Value::Bool(true)).unwrap()
        })
    })
}

/// The 2.0 schema file, verbatim (Go Pacto 3.x's constraints, our documentation).
pub const SCHEMA_V2_JSON: &str = include_str!("../../../schemas/pacto-v2.0.schema.json");

/// Its `$id`.
pub const SCHEMA_V2_ID: &str = "https://pacto.trianalab.com/schema/v2.0";

/// The `pactoVersion` values of the first generation (one schema with version conditionals).
pub const V1_VERSIONS: [&str; 3] = ["1.0", "1.1", "1.2"];

/// The `pactoVersion` values of the second generation (Go Pacto 3.x).
pub const V2_VERSIONS: [&str; 1] = ["2.0"];

/// Every `pactoVersion` this build validates, oldest first.
pub const SUPPORTED_VERSIONS: [&str; 4] = ["1.0", "1.1", "1.2", "2.0"];

/// A contract generation: which model, schema and rule set a document is read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Generation {
    /// `pactoVersion` "1.0", "1.1", "1.2" (Go Pacto 1.x and 2.x).
    V1,
    /// `pactoVersion` "2.0" (Go Pacto 3.x).
    V2,
}

impl Generation {
    /// The generation of a `pactoVersion` value, `None` for one this build does not know.
    pub fn of(version: &str) -> Option<Generation> {
        if V1_VERSIONS.contains(&version) {
            Some(Generation::V1)
        } else if V2_VERSIONS.contains(&version) {
            Some(Generation::V2)
        } else {
            None
        }
    }

    /// The parsed schema document of this generation.
    pub fn schema(self) -> &'static Value {
        match self {
            Generation::V1 => schema(),
            Generation::V2 => schema_v2(),
        }
    }

    /// The compiled validator of this generation's schema.
    pub fn validator(self) -> &'static jsonschema::Validator {
        match self {
            Generation::V1 => validator(),
            Generation::V2 => validator_v2(),
        }
    }
}

/// The parsed 2.0 schema document.
pub fn schema_v2() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| serde_json::from_str(SCHEMA_V2_JSON).unwrap_or(Value::Bool(true)))
}

/// The compiled 2.0 validator (draft 2020-12, format assertions off, as Go Pacto's validator).
pub fn validator_v2() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        compile(schema_v2()).unwrap_or_else(|_| {
            // Unreachable with the shipped schema (core/tests/schema_v2.rs compiles it).
            #[allow(clippy::unwrap_used)]
            compile(&Value::Bool(true)).unwrap()
        })
    })
}

/// Compile a user-supplied schema (configuration or policy) the way Go Pacto does: draft 2020-12
/// unless the schema says otherwise, formats not asserted, no network or file resolution.
pub fn compile(schema: &Value) -> Result<jsonschema::Validator, String> {
    jsonschema::options()
        .should_validate_formats(false)
        .build(schema)
        .map_err(|e| e.to_string())
}

/// Whether top-level key `key` may be written under `pactoVersion: version` (`None`: not
/// declared): the schema's version conditionals, for editors offering keys. `readiness` exists
/// from "1.2" on; the singular `configuration` and `policy` only in "1.0".
pub fn top_level_key_in_version(key: &str, version: Option<&str>) -> bool {
    match key {
        "readiness" => version == Some("1.2"),
        "configuration" | "policy" => !matches!(version, Some("1.1" | "1.2")),
        _ => true,
    }
}

/// Why a user-supplied schema file could not be compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompileError {
    /// The bytes are not JSON.
    Json(String),
    /// The JSON is not a schema jsonschema can compile.
    Schema(String),
}

/// [`compile`] the schema file `bytes`, remembering the last compiled files: a language server
/// validates the same configuration and policy schemas on every keystroke, and compiling them
/// costs far more than checking values against them. Keyed by the exact bytes, so an edited
/// file is compiled again; at most [`COMPILED_KEPT`] files of at most [`COMPILED_MAX_BYTES`]
/// each are kept.
pub fn compile_file(bytes: &[u8]) -> Result<std::sync::Arc<jsonschema::Validator>, CompileError> {
    use std::sync::{Arc, Mutex};
    type Kept = Vec<(Vec<u8>, Arc<jsonschema::Validator>)>;
    static KEPT: Mutex<Kept> = Mutex::new(Vec::new());
    let kept = || {
        KEPT.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    {
        let mut k = kept();
        if let Some(i) = k.iter().position(|(b, _)| b == bytes) {
            // Most recently used last.
            let entry = k.remove(i);
            let validator = Arc::clone(&entry.1);
            k.push(entry);
            return Ok(validator);
        }
    }
    let json: Value =
        serde_json::from_slice(bytes).map_err(|e| CompileError::Json(e.to_string()))?;
    let validator = Arc::new(compile(&json).map_err(CompileError::Schema)?);
    if bytes.len() <= COMPILED_MAX_BYTES {
        let mut k = kept();
        if k.len() >= COMPILED_KEPT {
            k.remove(0);
        }
        k.push((bytes.to_vec(), Arc::clone(&validator)));
    }
    Ok(validator)
}

/// How many compiled schema files [`compile_file`] keeps.
pub const COMPILED_KEPT: usize = 32;
/// The largest schema file [`compile_file`] keeps (larger ones are compiled every time).
pub const COMPILED_MAX_BYTES: usize = 1 << 20;

/// The sub-schema at a JSON pointer into the schema document (`/properties/service`).
pub fn at_pointer(pointer: &str) -> Option<&'static Value> {
    schema().pointer(pointer)
}

/// The documented keys of the object described at `pointer`, following a local `$ref`.
pub fn object_keys(pointer: &str) -> Vec<&'static str> {
    object_keys_in(Generation::V1, pointer)
}

/// [`object_keys`] in the schema of `generation`.
pub fn object_keys_in(generation: Generation, pointer: &str) -> Vec<&'static str> {
    let doc = generation.schema();
    let Some(mut node) = doc.pointer(pointer) else {
        return Vec::new();
    };
    for _ in 0..8 {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) if r.starts_with("#/") => match doc.pointer(&r[1..]) {
                Some(n) => node = n,
                None => break,
            },
            _ => break,
        }
    }
    node.get("properties")
        .and_then(Value::as_object)
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// The `description` of the property at a dotted instance path (`runtime.state.type`), walking
/// `properties`, `items` and local `$ref`s. Used by hovers and documentation.
pub fn description(path: &[&str]) -> Option<&'static str> {
    fn deref(mut node: &'static Value) -> &'static Value {
        for _ in 0..8 {
            match node.get("$ref").and_then(Value::as_str) {
                Some(r) if r.starts_with("#/") => match at_pointer(&r[1..]) {
                    Some(n) => node = n,
                    None => break,
                },
                _ => break,
            }
        }
        node
    }
    let mut node = deref(schema());
    for seg in path {
        if seg.parse::<usize>().is_ok() {
            node = deref(node.get("items")?);
            continue;
        }
        let props = node.get("properties")?;
        node = deref(props.get(*seg)?);
    }
    node.get("description").and_then(Value::as_str)
}
