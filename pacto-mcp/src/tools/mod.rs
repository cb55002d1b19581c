//! The tools: their catalog (names, input and output schemas) and a synchronous dispatcher.
//!
//! Every tool is a plain function `(&Ctx, &Args) -> Result<Output, ToolError>` over
//! `pacto-core`, so the tools are tested in-process without a transport. Arguments are read
//! leniently, as Go Pacto does: a missing or mistyped argument counts as empty or false.

mod author;
mod explain;
mod migrate;
mod read;

use crate::roots::{RootError, Roots};
use pacto_core::bundle::{self, CONTRACT_FILE};
use pacto_core::graph::{self, Fetched, Fetcher, Resolved};
use pacto_core::registry::{parse_dependency_ref, RefScheme, Registry};
use pacto_core::version::Constraint;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// Largest accepted `arguments` object, serialised.
pub const MAX_ARGUMENTS_BYTES: usize = 1024 * 1024;
/// Largest accepted string argument (inline YAML included).
pub const MAX_STRING_BYTES: usize = 512 * 1024;

/// What the tools share.
#[derive(Clone)]
pub struct Ctx {
    pub roots: Roots,
    /// The registry for `oci://` refs; `None` refuses them.
    pub registry: Option<Arc<Registry>>,
}

/// A successful result: the structured value and the text block shown to people.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub structured: Value,
    pub text: String,
}

impl Output {
    /// Structured value whose text block is the value as pretty JSON (two-space indent).
    pub fn json(value: Value) -> Output {
        let text = serde_json::to_string_pretty(&value).unwrap_or_default();
        Output {
            structured: value,
            text,
        }
    }
}

/// A tool failure, returned to the client as an `isError` result.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("{0}")]
    Message(String),
    #[error(transparent)]
    Root(#[from] RootError),
    /// The arguments do not match the tool's input schema (Go Pacto 3.3 validates every call):
    /// answered with a JSON-RPC invalid-params error naming the fields, before the tool runs.
    #[error("{message}")]
    InvalidParams {
        message: String,
        /// The argument names at fault (dotted for nested ones).
        fields: Vec<String>,
    },
}

impl ToolError {
    pub fn msg(m: impl Into<String>) -> ToolError {
        ToolError::Message(m.into())
    }
}

pub type ToolResult = Result<Output, ToolError>;

/// The arguments of one call.
pub struct Args<'a>(pub &'a Map<String, Value>);

impl Args<'_> {
    /// A string argument; missing or not a string is `""`. Too long is an error.
    pub fn str(&self, key: &str) -> Result<&str, ToolError> {
        let s = self.0.get(key).and_then(Value::as_str).unwrap_or("");
        if s.len() > MAX_STRING_BYTES {
            return Err(ToolError::msg(format!(
                "{key} is too long ({} bytes; at most {MAX_STRING_BYTES})",
                s.len()
            )));
        }
        Ok(s)
    }

    /// A required string argument.
    pub fn required(&self, key: &str) -> Result<&str, ToolError> {
        let s = self.str(key)?;
        if s.trim().is_empty() {
            return Err(ToolError::msg(format!("{key} is required")));
        }
        Ok(s)
    }

    pub fn opt_str(&self, key: &str) -> Result<Option<&str>, ToolError> {
        let s = self.str(key)?;
        Ok((!s.is_empty()).then_some(s))
    }

    /// `true` only for JSON `true` (or the strings "true"/"1").
    pub fn bool(&self, key: &str) -> bool {
        match self.0.get(key) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => matches!(s.as_str(), "true" | "1"),
            _ => false,
        }
    }

    /// Whether the argument was given as a boolean at all (to tell `false` from absent).
    pub fn opt_bool(&self, key: &str) -> Option<bool> {
        match self.0.get(key) {
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::String(s)) if s == "true" => Some(true),
            Some(Value::String(s)) if s == "false" => Some(false),
            _ => None,
        }
    }

    /// The contract generation asked for with `pactoVersion`: 2.0 unless "1.0", "1.1", "1.2"
    /// (or "1", "1.x") is given.
    pub fn generation(&self) -> Result<pacto_core::schema::Generation, ToolError> {
        use pacto_core::schema::Generation;
        match self.str("pactoVersion")?.trim() {
            "" | "2.0" | "2" | "2.x" => Ok(Generation::V2),
            "1.0" | "1.1" | "1.2" | "1" | "1.x" => Ok(Generation::V1),
            other => Err(ToolError::msg(format!(
                "pactoVersion {other:?} is not a Pacto contract version: use \"2.0\" (the default) or \"1.0\""
            ))),
        }
    }

    pub fn int(&self, key: &str) -> Option<i64> {
        match self.0.get(key) {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A list given as a JSON array, or as a string holding a JSON array (Go Pacto's inputs are
    /// JSON strings), or a comma-separated string of names.
    pub fn list(&self, key: &str) -> Result<Vec<Value>, ToolError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(a)) => Ok(a.clone()),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(Vec::new()),
            Some(Value::String(s)) => {
                let _ = self.str(key)?;
                match serde_json::from_str::<Value>(s) {
                    Ok(Value::Array(a)) => Ok(a),
                    Ok(v @ Value::Object(_)) => Ok(vec![v]),
                    _ => Ok(s
                        .split(',')
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(|p| Value::String(p.to_string()))
                        .collect()),
                }
            }
            Some(v @ Value::Object(_)) => Ok(vec![v.clone()]),
            Some(other) => Err(ToolError::msg(format!(
                "{key} must be a JSON array, got {other}"
            ))),
        }
    }

    /// An object given as a JSON object or a string holding one.
    pub fn object(&self, key: &str) -> Result<Map<String, Value>, ToolError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(Map::new()),
            Some(Value::Object(o)) => Ok(o.clone()),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(Map::new()),
            Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
                Ok(Value::Object(o)) => Ok(o),
                _ => Err(ToolError::msg(format!("{key} must be a JSON object"))),
            },
            Some(other) => Err(ToolError::msg(format!(
                "{key} must be a JSON object, got {other}"
            ))),
        }
    }
}

/// A contract opened for a tool: the parsed bundle and the fetcher for its dependencies.
pub struct Opened {
    pub resolved: Resolved,
    pub fetcher: Arc<dyn Fetcher>,
    /// The ref as the client gave it.
    pub given: String,
}

impl Ctx {
    fn oci(&self) -> Result<Arc<Registry>, ToolError> {
        self.registry
            .clone()
            .ok_or_else(|| ToolError::msg("oci:// refs are disabled: no registry client"))
    }

    /// Open a bundle: a directory (or its `pacto.yaml`) inside the roots, or `oci://REF`.
    pub fn open(&self, given: &str) -> Result<Opened, ToolError> {
        let given = given.trim();
        if given.is_empty() {
            return Err(ToolError::msg("a path or oci:// ref is required"));
        }
        if given.starts_with("oci://") {
            let registry = self.oci()?;
            let fetcher: Arc<dyn Fetcher> = registry.clone();
            let resolved = graph::open(given, self.roots.base(), Some(fetcher.as_ref()))
                .map_err(ToolError::Message)?;
            let deps = graph::fetcher_for(given, self.roots.base(), Some(fetcher), false);
            return Ok(Opened {
                resolved,
                fetcher: Arc::new(RootGuard {
                    inner: deps,
                    roots: self.roots.clone(),
                    base: None,
                }),
                given: given.to_string(),
            });
        }
        let dir = self.bundle_dir(given)?;
        let dir_s = dir.to_string_lossy().into_owned();
        let loaded = self.load_bundle(&dir)?;
        let resolved = graph::parse_fetched(Fetched {
            bundle: Arc::new(loaded.bundle),
            contract_text: loaded.text,
            resolved_ref: dir_s.clone(),
        })
        .map_err(ToolError::Message)?;
        let oci: Option<Arc<dyn Fetcher>> = self.registry.clone().map(|r| r as Arc<dyn Fetcher>);
        let deps = graph::fetcher_for(&dir_s, self.roots.base(), oci, false);
        Ok(Opened {
            resolved,
            fetcher: Arc::new(RootGuard {
                inner: deps,
                roots: self.roots.clone(),
                base: Some(dir),
            }),
            given: given.to_string(),
        })
    }

    /// The bundle directory for a local path, inside the roots (a path ending in `pacto.yaml`
    /// names its directory: the file itself is checked when it is read, by [`Self::load_bundle`],
    /// so a linked `pacto.yaml` is reported as escaping its bundle).
    pub fn bundle_dir(&self, given: &str) -> Result<std::path::PathBuf, ToolError> {
        let trimmed = given.trim();
        let p = std::path::Path::new(trimmed);
        if p.file_name().is_some_and(|n| n == CONTRACT_FILE) {
            let parent = p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            let dir = self.roots.check(&parent.to_string_lossy())?;
            if !dir.join(CONTRACT_FILE).is_dir() {
                return Ok(dir);
            }
        }
        Ok(self.roots.check(trimmed)?)
    }

    /// Read the `pacto.yaml` of bundle directory `dir` (already inside the roots): it must be a
    /// regular file that stays inside `dir` after symbolic links are followed. A linked one that
    /// leaves the bundle is refused without being read, so nothing of its target reaches the
    /// client.
    pub fn load_bundle(&self, dir: &std::path::Path) -> Result<bundle::LoadedDir, ToolError> {
        let dir_s = dir.to_string_lossy();
        bundle::load_dir(&dir_s).map_err(|e| match e {
            bundle::LoadError::Escapes { path } => self.escapes(dir, &path),
            other => ToolError::msg(other.to_string()),
        })
    }

    /// The error for a bundle file at `dir/rel` whose link leaves its bundle.
    pub fn escapes(&self, dir: &std::path::Path, shown: &str) -> ToolError {
        let rel = shown
            .strip_prefix(&*dir.to_string_lossy())
            .map(|r| r.trim_start_matches('/'))
            .filter(|r| !r.is_empty())
            .unwrap_or(shown);
        let outside_roots = std::fs::canonicalize(dir.join(rel))
            .map(|t| self.roots.check(&t.to_string_lossy()).is_err())
            .unwrap_or(true);
        ToolError::msg(format!(
            "refused: {shown} is a symbolic link that escapes {} (after links are followed it \
             lies outside {}); the server reads and writes only files inside the bundle and the \
             allowed roots, so it was neither read nor written: copy the file into the bundle \
             instead of linking to it",
            if outside_roots {
                "the allowed roots"
            } else {
                "its bundle"
            },
            dir.display()
        ))
    }

    /// Refuse a contract whose local references (dependencies, policies, configurations)
    /// point outside the roots, before validation reads them.
    pub fn check_local_refs(
        &self,
        dir: &std::path::Path,
        contract: &pacto_core::model::Contract,
    ) -> Result<(), ToolError> {
        let mut refs: Vec<String> = contract
            .dependencies
            .iter()
            .map(|d| d.reference().to_string())
            .collect();
        for (_, p) in contract.all_policies() {
            if let Some(r) = &p.reference {
                refs.push(r.value.clone());
            }
        }
        for (_, c) in contract.all_configurations() {
            if let Some(r) = &c.reference {
                refs.push(r.value.clone());
            }
        }
        for r in refs {
            let parsed = parse_dependency_ref(&r);
            if parsed.scheme != RefScheme::Local || parsed.location.is_empty() {
                continue;
            }
            let full = graph::LocalFetcher::new(dir).path_of(&r);
            self.roots.check(&full.to_string_lossy()).map_err(|e| {
                ToolError::msg(format!(
                    "the contract references {r:?}, which is refused: {e}"
                ))
            })?;
        }
        Ok(())
    }
}

/// Fetches dependencies, refusing local refs that resolve outside the roots.
struct RootGuard {
    inner: Arc<dyn Fetcher>,
    roots: Roots,
    /// The root bundle's directory (local refs resolve against it); `None` for an oci:// root,
    /// whose local refs are never read from disk.
    base: Option<std::path::PathBuf>,
}

impl Fetcher for RootGuard {
    fn fetch(&self, reference: &str, compat: Option<&Constraint>) -> Result<Fetched, String> {
        if parse_dependency_ref(reference).scheme == RefScheme::Local {
            let Some(base) = &self.base else {
                return Err(format!(
                    "the local reference {reference:?} cannot be resolved inside a bundle pulled from a registry"
                ));
            };
            let full = graph::LocalFetcher::new(base.clone()).path_of(reference);
            self.roots
                .check(&full.to_string_lossy())
                .map_err(|e| e.to_string())?;
        }
        self.inner.fetch(reference, compat)
    }
}

/// A tool's description for `tools/list`.
#[derive(Debug, Clone)]
pub struct ToolDef {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub input_schema: Value,
    pub output_schema: Value,
    pub read_only: bool,
    /// Reaches a registry (open world).
    pub network: bool,
}

fn schema(props: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": props, "required": required})
}

fn string(desc: &str) -> Value {
    json!({"type": "string", "description": desc})
}

fn boolean(desc: &str) -> Value {
    json!({"type": "boolean", "description": desc})
}

fn integer(desc: &str) -> Value {
    json!({"type": "integer", "description": desc})
}

fn json_list(desc: &str) -> Value {
    json!({"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": ["object", "string"]}}],
           "description": desc})
}

/// Rewrite `type: [a, b]` into `anyOf` branches of one type each, everywhere: clients that map
/// tool schemas onto a single-type dialect (Gemini function declarations) reject type arrays.
fn portable(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Array(types)) = m.get("type").cloned() {
                m.remove("type");
                let branches: Vec<Value> = types
                    .into_iter()
                    .map(|t| {
                        let mut b = json!({"type": t});
                        if t == "array" {
                            if let Some(items) = m.remove("items") {
                                b["items"] = items;
                            } else {
                                b["items"] = json!({"type": "object"});
                            }
                        }
                        b
                    })
                    .collect();
                m.insert("anyOf".into(), Value::Array(branches));
            }
            for (_, child) in m.iter_mut() {
                portable(child);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(portable),
        _ => {}
    }
}

const REF: &str =
    "A bundle directory (or its pacto.yaml) inside the allowed roots, or an oci:// reference";

fn out(props: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": props, "required": required})
}

/// Every tool, in a fixed order, with portable schemas.
pub fn catalog() -> Vec<ToolDef> {
    let mut tools = raw_catalog();
    for t in &mut tools {
        portable(&mut t.input_schema);
        portable(&mut t.output_schema);
    }
    tools
}

fn raw_catalog() -> Vec<ToolDef> {
    let runtime_inputs = json!({
        "workload": string("service, job or scheduled"),
        "stores_data": boolean("The service keeps data: stateful with criticality medium"),
        "data_survives_restart": boolean("With stores_data: persistent (else ephemeral)"),
        "data_shared_across_instances": boolean("With stores_data: shared scope (else local)"),
        "data_loss_impact": string("low, medium or high (high sets dataCriticality high)"),
        "replicas": integer("1.x only: fixed replica count (min_replicas and max_replicas are then ignored); 2.0 has no scaling"),
        "min_replicas": integer("1.x only: minimum replicas"),
        "max_replicas": integer("1.x only: maximum replicas"),
    });
    let validate_out = out(
        json!({
            "Path": {"type": "string"},
            "Valid": {"type": "boolean"},
            "Errors": {"type": ["array", "null"], "items": {"type": "object"}},
            "Warnings": {"type": ["array", "null"], "items": {"type": "object"}},
        }),
        &["Path", "Valid", "Errors", "Warnings"],
    );
    let pacto_version = json!({"type": "string", "enum": ["2.0", "1.0", "1.1", "1.2"],
        "description": "Contract generation: \"2.0\" (the default, Go Pacto 3.x) or \"1.0\" for a 1.x contract"});
    let mut create_props = json!({
        "name": string("Service name (lowercase, digits and dashes)"),
        "pactoVersion": pacto_version.clone(),
        "description": string("What the service does; keywords (REST, gRPC, PostgreSQL, Redis, Kafka, ...) infer interfaces and dependencies"),
        "path": string("Directory to create (default: the name, under the first root)"),
        "version": string("Service version (default 0.1.0)"),
        "owner": string("Owning team, e.g. team/payments"),
        "interfaces": json_list("JSON array of {name, type, visibility?, ref?}: type openapi, asyncapi or grpc in 2.0 (a spec stub is written at ref, default interfaces/<name>.yaml); http, grpc or event with port? and contract? in 1.x"),
        "dependencies": json_list("JSON array of {ref, name?, required?, compatibility?}"),
        "config_properties": json_list("JSON array of {name, type?, description?, required?} for configuration/schema.json"),
        "metadata": {"type": ["string", "object"], "description": "JSON object of metadata"},
        "dry_run": boolean("Return the files without writing them"),
    });
    merge(&mut create_props, &runtime_inputs);
    let mut edit_props = json!({
        "path": string("The bundle directory (or its pacto.yaml) to edit"),
        "name": string("New service name"),
        "version": string("New service version"),
        "owner": string("New owner"),
        "add_interfaces": json_list("JSON array of interfaces to add (replaces one with the same name), in the contract's own generation: {name, type: openapi|asyncapi|grpc, visibility?, ref?} in 2.0 (a stub spec is written at ref when missing)"),
        "remove_interfaces": json_list("Names of interfaces to remove"),
        "add_dependencies": json_list("JSON array of dependencies to add (replaces one with the same ref)"),
        "remove_dependencies": json_list("Refs (or names) of dependencies to remove"),
        "add_config_properties": json_list("JSON array of {name, type?, description?, required?} added to the configuration schema"),
        "set_metadata": {"type": ["string", "object"], "description": "JSON object of metadata keys to set"},
        "remove_metadata": json_list("Metadata keys to remove"),
        "dry_run": boolean("Return the edited contract without writing it"),
    });
    merge(&mut edit_props, &runtime_inputs);
    let files_out = out(
        json!({
            "path": {"type": "string"},
            "dry_run": {"type": "boolean"},
            "files": {"type": "array", "items": {"type": "object", "properties": {
                "path": {"type": "string"}, "content": {"type": "string"}}}},
            "valid": {"type": "boolean"},
            "errors": {"type": "array"},
            "warnings": {"type": "array"},
        }),
        &["path", "dry_run", "files", "valid"],
    );
    vec![
        ToolDef {
            name: "pacto_validate",
            title: "Validate a contract",
            description: "Validate a Pacto contract bundle (syntax, schema, cross-field rules, semantics, policies). Returns Go Pacto's result object {Path, Valid, Errors, Warnings}.",
            input_schema: schema(json!({"path": string(REF)}), &["path"]),
            output_schema: validate_out.clone(),
            read_only: true,
            network: true,
        },
        ToolDef {
            name: "pacto_inspect",
            title: "Inspect a contract",
            description: "The contract's service, owner, runtime, interfaces, dependencies, scaling and metadata as JSON (the `pacto explain` result).",
            input_schema: schema(json!({"ref": string(REF)}), &["ref"]),
            output_schema: out(
                json!({
                    "name": {"type": "string"}, "version": {"type": "string"},
                    "owner": {"type": "string"}, "pactoVersion": {"type": "string"},
                    "runtime": {"type": "object"},
                    "interfaces": {"type": "array"}, "dependencies": {"type": "array"},
                    "scaling": {"type": "object"},
                    "metadata": {"type": "object", "additionalProperties": true},
                }),
                &["name", "version", "pactoVersion", "runtime"],
            ),
            read_only: true,
            network: true,
        },
        ToolDef {
            name: "pacto_resolve_dependencies",
            title: "Resolve dependencies",
            description: "Resolve the dependency graph recursively (local and oci:// refs) and return the graph result JSON: root node, edges with errors, cycles and conflicts.",
            input_schema: schema(json!({"ref": string(REF)}), &["ref"]),
            output_schema: out(json!({"root": {"type": "object"}}), &["root"]),
            read_only: true,
            network: true,
        },
        ToolDef {
            name: "pacto_list_interfaces",
            title: "List interfaces",
            description: "The interfaces the service exposes: name, type, port and visibility.",
            input_schema: schema(json!({"ref": string(REF)}), &["ref"]),
            output_schema: out(
                json!({"interfaces": {"type": "array", "items": {"type": "object", "properties": {
                    "name": {"type": "string"}, "type": {"type": "string"},
                    "port": {"type": "integer"}, "visibility": {"type": "string"}},
                    "required": ["name", "type"]}}}),
                &["interfaces"],
            ),
            read_only: true,
            network: true,
        },
        ToolDef {
            name: "pacto_generate_docs",
            title: "Generate documentation",
            description: "Markdown documentation of the contract (service, interfaces, configuration, dependencies, runtime, scaling).",
            input_schema: schema(json!({"ref": string(REF)}), &["ref"]),
            output_schema: out(
                json!({"serviceName": {"type": "string"}, "markdown": {"type": "string"}}),
                &["serviceName", "markdown"],
            ),
            read_only: true,
            network: true,
        },
        ToolDef {
            name: "pacto_explain",
            title: "Explain a contract",
            description: "A one-line summary of the service plus its interfaces and dependencies in words.",
            input_schema: schema(json!({"ref": string(REF)}), &["ref"]),
            output_schema: out(
                json!({"summary": {"type": "string"}, "interfaces": {"type": "string"},
                       "dependencies": {"type": "string"}}),
                &["summary", "interfaces", "dependencies"],
            ),
            read_only: true,
            network: true,
        },
        ToolDef {
            name: "pacto_generate_contract",
            title: "Generate a contract",
            description: "Generate a starting pactoVersion 1.0 pacto.yaml for a service from a few answers (Go Pacto 1.x/2.x's generator). Nothing is written; see pacto_create to write a bundle (Pacto 2.0 by default).",
            input_schema: schema(
                json!({
                    "service_name": string("Service name"),
                    "language": string("Implementation language, recorded in metadata.language"),
                    "exposes_http": boolean("Add an http interface on 8080 with a /health check"),
                    "exposes_grpc": boolean("Add a grpc interface on 9090"),
                    "needs_database": boolean("Depend on postgres; stateful and persistent"),
                    "needs_cache": boolean("Depend on redis (optional)"),
                }),
                &["service_name"],
            ),
            output_schema: out(json!({"yaml": {"type": "string"}}), &["yaml"]),
            read_only: true,
            network: false,
        },
        ToolDef {
            name: "pacto_suggest_dependencies",
            title: "Suggest dependencies",
            description: "Dependencies a contract probably needs but does not declare (api-gateway, postgres, redis, prometheus), with the reason for each.",
            input_schema: schema(json!({"contract": string(REF)}), &["contract"]),
            output_schema: out(
                json!({"suggested": {"type": "array", "items": {"type": "object", "properties": {
                    "ref": {"type": "string"}, "reason": {"type": "string"},
                    "compatibility": {"type": "string"}, "required": {"type": "boolean"}},
                    "required": ["ref", "reason"]}}}),
                &["suggested"],
            ),
            read_only: true,
            network: true,
        },
        ToolDef {
            name: "pacto_schema",
            title: "Contract JSON Schema",
            description: "The Pacto contract JSON Schema (pactoVersion 2.0 by default; pass pactoVersion \"1.0\" for the 1.x schema) and documentation link. Call this before creating or editing contracts.",
            input_schema: schema(json!({"pactoVersion": pacto_version.clone()}), &[]),
            output_schema: out(
                json!({"pactoVersion": {"type": "string"}, "description": {"type": "string"}, "docs": {"type": "string"},
                       "jsonSchema": {"type": "string"}}),
                &["pactoVersion", "description", "docs", "jsonSchema"],
            ),
            read_only: true,
            network: false,
        },
        ToolDef {
            name: "pacto_create",
            title: "Create a bundle",
            description: "Create a new contract bundle (pacto.yaml, interface spec stubs, configuration schema) inside the roots, validated before it is written. Writes a Pacto 2.0 contract (Go Pacto 3.x) unless pactoVersion \"1.0\" is given. Use dry_run to preview.",
            input_schema: schema(create_props, &["name"]),
            output_schema: files_out.clone(),
            read_only: false,
            network: false,
        },
        ToolDef {
            name: "pacto_edit",
            title: "Edit a contract",
            description: "Change an existing pacto.yaml (2.0 or 1.x, in its own generation) in place: service fields, interfaces, dependencies, workload and state, scaling (1.x only), metadata, configuration properties. Comments and the formatting of untouched lines are kept. Use dry_run to preview.",
            input_schema: schema(edit_props, &["path"]),
            output_schema: files_out,
            read_only: false,
            network: false,
        },
        ToolDef {
            name: "pacto_check",
            title: "Check a contract",
            description: "Validate a bundle (path) or inline YAML (content), Pacto 2.0 or 1.x (the contract's pactoVersion decides the rules), and return errors, warnings, a summary and concrete suggestions for fixing or improving the contract.",
            input_schema: schema(
                json!({"path": string(REF), "content": string("Inline pacto.yaml text (checked without bundle files)")}),
                &[],
            ),
            output_schema: out(
                json!({"valid": {"type": "boolean"}, "errors": {"type": "array"},
                       "warnings": {"type": "array"}, "summary": {"type": "string"},
                       "suggestions": {"type": "array", "items": {"type": "string"}}}),
                &["valid", "errors", "warnings", "summary", "suggestions"],
            ),
            read_only: true,
            network: true,
        },
        ToolDef {
            name: "pacto_diff",
            title: "Diff two contracts",
            description: "Compare two versions of a contract (paths or oci:// refs, or inline YAML) and classify every change as NON_BREAKING, POTENTIAL_BREAKING or BREAKING, with the reason for each.",
            input_schema: schema(
                json!({
                    "old": string(REF), "new": string(REF),
                    "old_yaml": string("Inline old pacto.yaml (instead of old)"),
                    "new_yaml": string("Inline new pacto.yaml (instead of new)"),
                }),
                &[],
            ),
            output_schema: out(
                json!({"oldPath": {"type": "string"}, "newPath": {"type": "string"},
                       "classification": {"type": "string"},
                       "changes": {"type": ["array", "null"]}}),
                &["classification"],
            ),
            read_only: true,
            network: true,
        },
        ToolDef {
            name: "pacto_list_versions",
            title: "List versions",
            description: "The tags of an OCI repository holding contract bundles, with the semver ones sorted highest first.",
            input_schema: schema(json!({"ref": string("oci://registry/repository (a tag, if given, is ignored)")}), &["ref"]),
            output_schema: out(
                json!({"ref": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}},
                       "versions": {"type": "array", "items": {"type": "string"}},
                       "latest": {"type": ["string", "null"]}}),
                &["ref", "tags", "versions", "latest"],
            ),
            read_only: true,
            network: true,
        },
        ToolDef {
            name: "pacto_graph",
            title: "Dependency graph",
            description: "The resolved dependency graph as a text tree and as JSON.",
            input_schema: schema(json!({"ref": string(REF)}), &["ref"]),
            output_schema: out(
                json!({"tree": {"type": "string"}, "graph": {"type": "object"}}),
                &["tree", "graph"],
            ),
            read_only: true,
            network: true,
        },
        ToolDef {
            name: "pacto_migrate",
            title: "Migrate a contract to Pacto 2.0",
            description: "Carry a 1.x bundle's pacto.yaml to Pacto 2.0 (Go Pacto's migration checklist) as edits that keep comments and quoting, with a report of everything dropped, moved, renamed or guessed. A dry run returning the new text unless write is true; writing is atomic and never through a link. An http interface without a contract file is refused unless dropHttpWithoutContract.",
            input_schema: schema(
                json!({
                    "path": string("The 1.x bundle directory (or its pacto.yaml) inside the allowed roots"),
                    "write": boolean("Write the migrated pacto.yaml in place (default false: a dry run)"),
                    "dropHttpWithoutContract": boolean("Drop an http interface that has no contract file (2.0 cannot express it) with a warning, instead of refusing"),
                }),
                &["path"],
            ),
            output_schema: out(
                json!({
                    "path": {"type": "string"},
                    "dryRun": {"type": "boolean"},
                    "written": {"type": "boolean"},
                    "text": {"type": "string"},
                    "report": {"type": "array", "items": {"type": "object", "properties": {
                        "path": {"type": "string"}, "old": {},
                        "action": {"type": "string", "enum": ["dropped", "moved", "guessed", "renamed"]},
                        "where_in_2_0": {"type": ["string", "null"]},
                        "note": {"type": "string"}},
                        "required": ["path", "action", "note"]}},
                    "warnings": {"type": "array", "items": {"type": "string"}},
                }),
                &["path", "dryRun", "written", "text", "report", "warnings"],
            ),
            read_only: false,
            network: false,
        },
    ]
}

fn merge(into: &mut Value, from: &Value) {
    if let (Some(a), Some(b)) = (into.as_object_mut(), from.as_object()) {
        for (k, v) in b {
            a.insert(k.clone(), v.clone());
        }
    }
}

/// The compiled input schema of every tool of [`catalog`], by name.
fn input_validators() -> &'static std::collections::HashMap<&'static str, jsonschema::Validator> {
    static V: std::sync::OnceLock<std::collections::HashMap<&'static str, jsonschema::Validator>> =
        std::sync::OnceLock::new();
    V.get_or_init(|| {
        catalog()
            .into_iter()
            .filter_map(|t| compile_input(&t.input_schema).map(|v| (t.name, v)))
            .collect()
    })
}

/// Compile a tool's input schema (draft 2020-12, formats not asserted); `None` when it does
/// not compile (a bundle's OpenAPI schema we cannot read: the call is then not checked).
pub fn compile_input(schema: &Value) -> Option<jsonschema::Validator> {
    pacto_core::schema::compile(schema).ok()
}

/// Check `arguments` against tool `tool`'s input schema: an [`ToolError::InvalidParams`]
/// naming each wrong or missing argument (at most five) when they do not match.
pub fn check_arguments(
    tool: &str,
    validator: &jsonschema::Validator,
    arguments: &Map<String, Value>,
) -> Result<(), ToolError> {
    let instance = Value::Object(arguments.clone());
    let mut fields: Vec<String> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    for e in validator.iter_errors(&instance) {
        let mut field: String = e
            .instance_path()
            .as_str()
            .trim_start_matches('/')
            .split('/')
            .filter(|p| !p.is_empty())
            .map(|p| p.replace("~1", "/").replace("~0", "~"))
            .collect::<Vec<_>>()
            .join(".");
        let what = match e.kind() {
            jsonschema::error::ValidationErrorKind::Required { property } => {
                let name = property
                    .as_str()
                    .map_or_else(|| property.to_string(), str::to_string);
                field = if field.is_empty() {
                    name
                } else {
                    format!("{field}.{name}")
                };
                "is required".to_string()
            }
            _ => {
                let mut m = e.to_string();
                if m.len() > 300 {
                    let mut cut = 300;
                    while !m.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    m.truncate(cut);
                    m.push('…');
                }
                m
            }
        };
        if field.is_empty() {
            field = "arguments".to_string();
        }
        problems.push(format!("{field}: {what}"));
        if !fields.contains(&field) {
            fields.push(field);
        }
        if problems.len() == 5 {
            break;
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(ToolError::InvalidParams {
        message: format!(
            "invalid arguments for {tool}: {} (see the tool's input schema in tools/list)",
            problems.join("; ")
        ),
        fields,
    })
}

/// The size bound every call is held to before anything else reads its arguments.
pub fn check_size(arguments: &Map<String, Value>) -> Result<(), ToolError> {
    let size = serde_json::to_vec(arguments).map(|v| v.len()).unwrap_or(0);
    if size > MAX_ARGUMENTS_BYTES {
        return Err(ToolError::msg(format!(
            "arguments are too large ({size} bytes; at most {MAX_ARGUMENTS_BYTES})"
        )));
    }
    Ok(())
}

/// Run tool `name`. Unknown tools and oversized arguments are errors like any other; arguments
/// that do not match the tool's input schema are [`ToolError::InvalidParams`].
pub fn call(ctx: &Ctx, name: &str, arguments: &Map<String, Value>) -> ToolResult {
    check_size(arguments)?;
    if let Some(v) = input_validators().get(name) {
        check_arguments(name, v, arguments)?;
    }
    let args = Args(arguments);
    match name {
        "pacto_validate" => read::validate(ctx, &args),
        "pacto_inspect" => read::inspect(ctx, &args),
        "pacto_resolve_dependencies" => read::resolve_dependencies(ctx, &args),
        "pacto_list_interfaces" => read::list_interfaces(ctx, &args),
        "pacto_generate_docs" => read::generate_docs(ctx, &args),
        "pacto_explain" => read::explain(ctx, &args),
        "pacto_generate_contract" => author::generate_contract(&args),
        "pacto_suggest_dependencies" => read::suggest_dependencies(ctx, &args),
        "pacto_schema" => read::schema(&args),
        "pacto_create" => author::create(ctx, &args),
        "pacto_edit" => author::edit(ctx, &args),
        "pacto_check" => read::check(ctx, &args),
        "pacto_diff" => read::diff(ctx, &args),
        "pacto_list_versions" => read::list_versions(ctx, &args),
        "pacto_graph" => read::graph(ctx, &args),
        "pacto_migrate" => migrate::migrate(ctx, &args),
        other => Err(ToolError::msg(format!("unknown tool {other:?}"))),
    }
}

#[cfg(test)]
mod tests;
