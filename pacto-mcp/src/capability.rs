//! Bundle mode, `pacto mcp BUNDLE_OR_REF` (Go Pacto 3.x's agent capabilities): every OpenAPI
//! operation of the bundle's interfaces becomes a tool that calls the live service, and
//! `pacto_skill` serves the bundle's `skills/*.md`.
//!
//! * Interfaces: 2.0 `type: openapi` with a `ref`, 1.x `type: http` with a `contract`.
//! * Names: the `operationId`, else `<method>_<path>` with every run of characters other than
//!   ASCII letters and digits collapsed to one `_` (`GET /health` is `get_health`); a repeated
//!   name gets `_2`, `_3`; with several interfaces each name is prefixed `<interface>_`. Names
//!   starting `pacto_` belong to Pacto's own tools: such an operation is skipped and said so on
//!   stderr.
//! * Input schema: the path, query and header parameters (cookie ones are left out) and a
//!   `body` property for a request body; `#/components/schemas/X` becomes `#/$defs/X`.
//! * Writes: only GET and HEAD (and OPTIONS) operations are tools unless `--allow-writes`; the
//!   count of hidden mutating operations is logged per interface, and calling one explains.
//! * Calls: to `--base-url` (else the document's first absolute `servers` URL, never when
//!   credentials are given), no redirect followed, 30 s per call, a response body of at most
//!   [`MAX_RESPONSE_BYTES`]; the result is Go's `{StatusCode, Headers, Body}`.
//! * `--auth name=value`: applied as the security scheme `name` declares (apiKey header or
//!   query, bearer, basic); a name that is no security scheme of the document is sent as the
//!   header `name: value`.

use crate::tools::{check_arguments, check_size, compile_input, Output, ToolError};
use pacto_core::bundle::Bundle;
use serde_json::{json, Map, Value};
use std::io::{Read as _, Write};
use std::sync::Arc;
use std::time::Duration;

/// Largest response body returned to the client.
pub const MAX_RESPONSE_BYTES: u64 = 1024 * 1024;
/// Largest skill file served.
pub const MAX_SKILL_BYTES: usize = 512 * 1024;
/// Bound of one call to the live service (Go Pacto's fixed 30 seconds).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// Name of the skills tool.
pub const SKILL_TOOL: &str = "pacto_skill";

/// The flags of bundle mode.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub base_url: Option<String>,
    /// `--auth name=value`, in order.
    pub auth: Vec<(String, String)>,
    pub allow_writes: bool,
}

/// Why bundle mode cannot start.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("--auth requires an explicit --base-url (refusing to send credentials to a host named by the bundle)")]
    AuthWithoutBaseUrl,
    #[error("--base-url {0:?} is not an http:// or https:// URL")]
    BadBaseUrl(String),
    #[error("--auth {0:?} is not name=value")]
    BadAuth(String),
    #[error("interface {interface:?}: {message}")]
    Interface { interface: String, message: String },
}

#[derive(Debug, Clone)]
struct Param {
    name: String,
    location: String,
}

/// One operation projected into a tool.
pub struct OperationTool {
    pub name: String,
    pub description: String,
    pub method: String,
    pub path: String,
    pub input_schema: Value,
    validator: Option<jsonschema::Validator>,
    params: Vec<Param>,
    has_body: bool,
    /// Security requirement scheme names in effect (the operation's, else the document's).
    security: Vec<String>,
    iface: usize,
}

/// What one interface's document says about credentials and where it lives.
struct IfaceInfo {
    /// Scheme name -> its declaration.
    schemes: Map<String, Value>,
    base_url: Option<String>,
}

/// The bundle's projected tools and its skills.
pub struct Capabilities {
    pub service: String,
    pub tools: Vec<OperationTool>,
    /// Mutating operations hidden without `--allow-writes`: their would-be names.
    pub hidden: Vec<String>,
    ifaces: Vec<IfaceInfo>,
    options: Options,
    bundle: Arc<dyn Bundle>,
    agent: ureq::Agent,
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn is_mutating(method: &str) -> bool {
    pacto_core::tool_names::is_mutating(method)
}

/// `<method>_<path>` with every run of non-alphanumeric characters collapsed to one `_`.
pub fn derived_name(method: &str, path: &str) -> String {
    pacto_core::tool_names::derived(method, path)
}

/// Resolve a local `$ref` (`#/a/b`) in `doc`, once per level, at most 16 deep.
fn deref<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..16 {
        let Some(r) = v.get("$ref").and_then(Value::as_str) else {
            return v;
        };
        let Some(ptr) = r.strip_prefix('#') else {
            return v;
        };
        match doc.pointer(ptr) {
            Some(t) => v = t,
            None => return v,
        }
    }
    v
}

/// Deep copy with `#/components/schemas/X` rewritten to `#/$defs/X`; `used` set when any was.
fn rewrite_refs(v: &Value, used: &mut bool) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, val) in m {
                if k == "$ref" {
                    if let Some(name) = val
                        .as_str()
                        .and_then(|s| s.strip_prefix("#/components/schemas/"))
                    {
                        *used = true;
                        out.insert(k.clone(), Value::String(format!("#/$defs/{name}")));
                        continue;
                    }
                }
                out.insert(k.clone(), rewrite_refs(val, used));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| rewrite_refs(x, used)).collect()),
        other => other.clone(),
    }
}

/// Read a spec file of the bundle as JSON (a `.json` file as JSON, anything else as YAML).
fn read_doc(bundle: &dyn Bundle, path: &str) -> Result<Value, String> {
    let bytes = bundle.read(path).map_err(|e| e.to_string())?;
    let text = pacto_core::bundle::decode_utf8(bytes)
        .map_err(|at| format!("{path} is not UTF-8 text (first bad byte at offset {at})"))?;
    if path.ends_with(".json") {
        return serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"));
    }
    let parsed = pacto_core::syntax::parse(&text, &pacto_core::syntax::Limits::default());
    match parsed.tree {
        Some(t) if !parsed.errors.iter().any(|e| e.fatal) => Ok(t.root().to_json()),
        _ => Err(format!(
            "{path} is not a YAML document: {}",
            parsed
                .errors
                .first()
                .map_or_else(|| "empty".to_string(), |e| e.message.clone())
        )),
    }
}

fn security_names(v: Option<&Value>) -> Option<Vec<String>> {
    let a = v?.as_array()?;
    Some(
        a.iter()
            .filter_map(Value::as_object)
            .flat_map(|o| o.keys().cloned())
            .collect(),
    )
}

impl Capabilities {
    /// Project the OpenAPI interfaces of `resolved` into tools. Messages about skipped
    /// operations go to `log`.
    pub fn load(
        resolved: &pacto_core::graph::Resolved,
        options: Options,
        log: &mut dyn Write,
    ) -> Result<Capabilities, LoadError> {
        if let Some(b) = &options.base_url {
            if !(b.starts_with("http://") || b.starts_with("https://")) {
                return Err(LoadError::BadBaseUrl(b.clone()));
            }
        } else if !options.auth.is_empty() {
            return Err(LoadError::AuthWithoutBaseUrl);
        }
        let contract = resolved.tree.root().to_json();
        let service = contract["service"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let specs: Vec<(String, String)> = contract["interfaces"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|i| {
                        let name = i["name"].as_str()?.to_string();
                        let path = match i["type"].as_str()? {
                            "openapi" => i["ref"].as_str(),
                            "http" => i["contract"].as_str(),
                            _ => None,
                        }?;
                        Some((name, path.to_string()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let prefixed = specs.len() > 1;
        let mut tools: Vec<OperationTool> = Vec::new();
        let mut hidden = Vec::new();
        let mut ifaces = Vec::new();
        for (idx, (iface, path)) in specs.iter().enumerate() {
            // Repeated names are numbered per document, as Go's BuildTools does.
            let mut namer = pacto_core::tool_names::Namer::new(iface, prefixed);
            let err = |message: String| LoadError::Interface {
                interface: iface.clone(),
                message,
            };
            let doc = read_doc(resolved.bundle.as_ref(), path).map_err(err)?;
            let schemes = doc
                .pointer("/components/securitySchemes")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let base_url = doc["servers"]
                .as_array()
                .and_then(|s| s.first())
                .and_then(|s| s["url"].as_str())
                .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
                .map(str::to_string);
            ifaces.push(IfaceInfo { schemes, base_url });
            let doc_security = security_names(doc.get("security")).unwrap_or_default();
            let mut mutating = 0usize;
            let Some(paths) = doc["paths"].as_object() else {
                continue;
            };
            for (p, item) in paths {
                let item = deref(&doc, item);
                for m in METHODS {
                    let Some(op) = item.get(m).filter(|o| o.is_object()) else {
                        continue;
                    };
                    let name = match namer.name(op["operationId"].as_str(), m, p) {
                        Ok(name) => name,
                        Err(name) => {
                            let _ = writeln!(
                                log,
                                "pacto mcp: skipped operation {name:?} in interface {iface:?} (that name belongs to a Pacto tool)"
                            );
                            continue;
                        }
                    };
                    if is_mutating(m) && !options.allow_writes {
                        mutating += 1;
                        hidden.push(name);
                        continue;
                    }
                    tools.push(project(&doc, item, op, m, p, name, idx, &doc_security));
                }
            }
            if mutating > 0 {
                let _ = writeln!(
                    log,
                    "pacto mcp: skipped {mutating} mutating operation(s) in interface {iface:?} (use --allow-writes to expose)"
                );
            }
        }
        let agent = ureq::Agent::new_with_config(
            ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .timeout_global(Some(CALL_TIMEOUT))
                .user_agent(concat!("pacto-mcp/", env!("CARGO_PKG_VERSION")))
                .build(),
        );
        Ok(Capabilities {
            service,
            tools,
            hidden,
            ifaces,
            options,
            bundle: resolved.bundle.clone(),
            agent,
        })
    }

    /// The server instructions that tell an assistant what these tools do.
    pub fn instructions(&self) -> String {
        let mut s = format!(
            "This server also exposes the operations of the {:?} service as executable tools derived from its OpenAPI interface: call a tool to invoke the live endpoint and read the returned status and body.",
            self.service
        );
        if self.options.allow_writes {
            s.push_str(" Both read and mutating (POST/PUT/PATCH/DELETE) operations are available.");
        } else {
            s.push_str(" Only read-only (GET/HEAD) operations are available; mutating operations are hidden unless the server was started with --allow-writes.");
        }
        s.push_str(" Call pacto_skill with no arguments to list the service's domain skills (workflows and business rules the interface cannot express), or with a skill name to read one.");
        s
    }

    /// The skills tool's input schema.
    pub fn skill_schema() -> Value {
        json!({"type": "object", "properties": {"name": {"type": "string",
            "description": "Skill file name (e.g. refund_customer.md). Omit to list all skills."}}})
    }

    pub fn find(&self, name: &str) -> Option<&OperationTool> {
        self.tools.iter().find(|t| t.name == name)
    }

    /// Whether `name` is one of this bundle's tools (or `pacto_skill`, or a hidden one).
    pub fn handles(&self, name: &str) -> bool {
        name == SKILL_TOOL || self.find(name).is_some() || self.hidden.iter().any(|h| h == name)
    }

    /// Run tool `name` (blocking: the HTTP call).
    pub fn call(&self, name: &str, args: &Map<String, Value>) -> Result<Output, ToolError> {
        check_size(args)?;
        if name == SKILL_TOOL {
            if let Some(v) = args.get("name") {
                if !v.is_string() && !v.is_null() {
                    return Err(ToolError::InvalidParams {
                        message: format!("invalid arguments for {SKILL_TOOL}: name: {v} is not of type \"string\""),
                        fields: vec!["name".into()],
                    });
                }
            }
            return self.skill(args.get("name").and_then(Value::as_str).unwrap_or(""));
        }
        if self.hidden.iter().any(|h| h == name) {
            return Err(ToolError::msg(format!(
                "{name} changes the service's state and is not exposed: start `pacto mcp` with --allow-writes to call it"
            )));
        }
        let tool = self
            .find(name)
            .ok_or_else(|| ToolError::msg(format!("unknown tool {name:?}")))?;
        if let Some(v) = &tool.validator {
            check_arguments(name, v, args)?;
        }
        let iface = self.ifaces.get(tool.iface);
        let base = match (&self.options.base_url, iface.and_then(|i| i.base_url.as_ref())) {
            (Some(b), _) => b.clone(),
            (None, Some(b)) => b.clone(),
            (None, None) => {
                return Err(ToolError::msg(format!(
                    "{name} has no service to call: start `pacto mcp` with --base-url URL (the interface's OpenAPI document names no absolute servers URL)"
                )))
            }
        };
        self.invoke(tool, &base, args)
    }

    fn invoke(
        &self,
        tool: &OperationTool,
        base: &str,
        args: &Map<String, Value>,
    ) -> Result<Output, ToolError> {
        let mut path = tool.path.clone();
        let mut query: Vec<(String, String)> = Vec::new();
        let mut headers: Vec<(String, String)> = Vec::new();
        for p in &tool.params {
            let Some(v) = args.get(&p.name) else { continue };
            let s = scalar(v);
            match p.location.as_str() {
                "path" => path = path.replace(&format!("{{{}}}", p.name), &encode(&s, false)),
                "query" => query.push((p.name.clone(), s)),
                "header" => headers.push((p.name.clone(), s)),
                _ => {}
            }
        }
        let schemes = self
            .ifaces
            .get(tool.iface)
            .map(|i| &i.schemes)
            .cloned()
            .unwrap_or_default();
        for (name, value) in &self.options.auth {
            match schemes.get(name) {
                Some(s) if tool.security.contains(name) => match s["type"].as_str().unwrap_or("") {
                    "apiKey" if s["in"] == "query" => query.push((
                        s["name"].as_str().unwrap_or(name).to_string(),
                        value.clone(),
                    )),
                    "apiKey" => headers.push((
                        s["name"].as_str().unwrap_or(name).to_string(),
                        value.clone(),
                    )),
                    "http"
                        if s["scheme"]
                            .as_str()
                            .is_some_and(|x| x.eq_ignore_ascii_case("basic")) =>
                    {
                        headers.push(("Authorization".into(), format!("Basic {value}")));
                    }
                    _ => headers.push(("Authorization".into(), format!("Bearer {value}"))),
                },
                Some(_) => {}
                None => headers.push((name.clone(), value.clone())),
            }
        }
        let mut url = format!("{}{}", base.trim_end_matches('/'), path);
        if !query.is_empty() {
            url.push('?');
            let q: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k, true), encode(v, true)))
                .collect();
            url.push_str(&q.join("&"));
        }
        let method = tool.method.to_ascii_uppercase();
        let mut builder = ureq::http::Request::builder()
            .method(method.as_str())
            .uri(url.as_str());
        for (k, v) in &headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let body = if tool.has_body {
            args.get("body").map(|b| b.to_string())
        } else {
            None
        };
        let fail = |e: String| ToolError::msg(format!("request {method} {}: {e}", tool.path));
        let result = match body {
            Some(b) => {
                let req = builder
                    .header("Content-Type", "application/json")
                    .body(b.into_bytes())
                    .map_err(|e| fail(e.to_string()))?;
                self.agent.run(req)
            }
            None => {
                let req = builder
                    .body(ureq::SendBody::none())
                    .map_err(|e| fail(e.to_string()))?;
                self.agent.run(req)
            }
        };
        let mut resp = result.map_err(|e| fail(e.to_string()))?;
        let status = resp.status().as_u16();
        let mut hdrs = Map::new();
        for (k, v) in resp.headers() {
            let key = canonical_header(k.as_str());
            if !hdrs.contains_key(&key) {
                hdrs.insert(
                    key,
                    Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()),
                );
            }
        }
        let mut buf = Vec::new();
        resp.body_mut()
            .as_reader()
            .take(MAX_RESPONSE_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(|e| fail(format!("reading the response: {e}")))?;
        if buf.len() as u64 > MAX_RESPONSE_BYTES {
            return Err(fail(format!(
                "the response body is larger than {MAX_RESPONSE_BYTES} bytes (status {status}); narrow the request"
            )));
        }
        let value = json!({
            "StatusCode": status,
            "Headers": hdrs,
            "Body": String::from_utf8_lossy(&buf),
        });
        Ok(Output::json(value))
    }

    fn skill(&self, name: &str) -> Result<Output, ToolError> {
        let name = name.trim();
        if name.is_empty() {
            let names: Vec<Value> = self
                .bundle
                .list("skills")
                .into_iter()
                .filter(|n| n.ends_with(".md"))
                .map(Value::String)
                .collect();
            let value = Value::Array(names);
            return Ok(Output {
                text: serde_json::to_string_pretty(&value).unwrap_or_default(),
                structured: json!({ "skills": value }),
            });
        }
        if name.contains('/') || name.contains('\\') || name.starts_with('.') {
            return Err(ToolError::msg(format!(
                "skill {name:?} is not a file name in skills/ (call pacto_skill without arguments to list them)"
            )));
        }
        let file = if name.ends_with(".md") {
            name.to_string()
        } else {
            format!("{name}.md")
        };
        let path = format!("skills/{file}");
        let bytes = self.bundle.read(&path).map_err(|e| {
            ToolError::msg(format!(
                "skill {name:?} cannot be read ({e}); call pacto_skill without arguments to list the skills"
            ))
        })?;
        if bytes.len() > MAX_SKILL_BYTES {
            return Err(ToolError::msg(format!(
                "skill {file} is larger than {MAX_SKILL_BYTES} bytes"
            )));
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Ok(Output {
            structured: json!({"name": file, "markdown": text}),
            text,
        })
    }
}

#[allow(clippy::too_many_arguments)]
fn project(
    doc: &Value,
    item: &Value,
    op: &Value,
    method: &str,
    path: &str,
    name: String,
    iface: usize,
    doc_security: &[String],
) -> OperationTool {
    let mut props = Map::new();
    let mut required: Vec<Value> = Vec::new();
    let mut used = false;
    let mut params: Vec<Param> = Vec::new();
    // Path-level parameters, overridden by the operation's own (same name and location).
    let mut all: Vec<&Value> = Vec::new();
    for list in [item.get("parameters"), op.get("parameters")] {
        for p in list.and_then(Value::as_array).into_iter().flatten() {
            let p = deref(doc, p);
            let key = (p["name"].as_str(), p["in"].as_str());
            all.retain(|q| (q["name"].as_str(), q["in"].as_str()) != key);
            all.push(p);
        }
    }
    for p in all {
        let (Some(pname), Some(loc)) = (p["name"].as_str(), p["in"].as_str()) else {
            continue;
        };
        if loc == "cookie" {
            continue;
        }
        let mut s = p
            .get("schema")
            .map_or_else(|| json!({"type": "string"}), |s| rewrite_refs(s, &mut used));
        if let (Some(d), Some(o)) = (p["description"].as_str(), s.as_object_mut()) {
            o.entry("description").or_insert_with(|| d.into());
        }
        props.insert(pname.to_string(), s);
        if p["required"] == true || loc == "path" {
            required.push(pname.into());
        }
        params.push(Param {
            name: pname.to_string(),
            location: loc.to_string(),
        });
    }
    let mut has_body = false;
    if let Some(rb) = op.get("requestBody").map(|b| deref(doc, b)) {
        let content = rb["content"].as_object();
        let schema = content.and_then(|c| {
            c.get("application/json")
                .or_else(|| c.values().next())
                .and_then(|m| m.get("schema"))
        });
        if let Some(s) = schema {
            has_body = true;
            props.insert("body".into(), rewrite_refs(s, &mut used));
            if rb["required"] == true {
                required.push("body".into());
            }
        }
    }
    let mut schema = json!({"type": "object", "properties": props});
    if !required.is_empty() {
        schema["required"] = Value::Array(required);
    }
    if used {
        if let Some(c) = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        {
            let mut unused = false;
            let defs: Map<String, Value> = c
                .iter()
                .map(|(k, v)| (k.clone(), rewrite_refs(v, &mut unused)))
                .collect();
            schema["$defs"] = Value::Object(defs);
        }
    }
    let description = op["summary"]
        .as_str()
        .filter(|s| !s.is_empty())
        .or_else(|| op["description"].as_str().filter(|s| !s.is_empty()))
        .map_or_else(
            || format!("{} {path}", method.to_ascii_uppercase()),
            str::to_string,
        );
    let security = security_names(op.get("security")).unwrap_or_else(|| doc_security.to_vec());
    OperationTool {
        validator: compile_input(&schema),
        name,
        description,
        method: method.to_string(),
        path: path.to_string(),
        input_schema: schema,
        params,
        has_body,
        security,
        iface,
    }
}

/// A parameter value as text (numbers without exponent where they are integers).
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Percent-encode everything but unreserved characters (`query`: a space is `%20` too).
fn encode(s: &str, _query: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `content-type` -> `Content-Type`, as Go's `http.Header` prints keys.
fn canonical_header(k: &str) -> String {
    k.split('-')
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + &c.as_str().to_ascii_lowercase())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests;
