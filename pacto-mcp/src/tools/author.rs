//! Tools that write contracts: `pacto_generate_contract` (Go's generator, text only),
//! `pacto_create` (a new bundle) and `pacto_edit` (span-preserving changes to a pacto.yaml).

use super::{Args, Ctx, Output, ToolError, ToolResult};
use pacto_core::bundle::{Bundle, DirBundle, MemBundle, CONTRACT_FILE};
use pacto_core::edit;
use pacto_core::scaffold::yaml_scalar;
use pacto_core::schema::Generation;
use pacto_core::validate::{self, LocalResolver, NoResolver, Options};
use serde_json::{json, Map, Value};
use std::fmt::Write as _;
use std::path::Path;

fn ys(s: &str) -> String {
    yaml_scalar(s)
}

/// A JSON value as YAML text on one line (strings through [`yaml_scalar`], the rest as JSON,
/// which YAML reads the same).
fn yaml_value(v: &Value) -> String {
    match v {
        Value::String(s) => ys(s),
        other => other.to_string(),
    }
}

/// `pacto_generate_contract` (spec §9): Go Pacto's answers-to-YAML generator.
pub fn generate_contract(args: &Args<'_>) -> ToolResult {
    let name = args.str("service_name")?.trim();
    if name.is_empty() {
        return Err(ToolError::msg("service_name is required"));
    }
    let http = args.bool("exposes_http");
    let grpc = args.bool("exposes_grpc");
    let db = args.bool("needs_database");
    let cache = args.bool("needs_cache");
    let mut y = String::new();
    y.push_str("pactoVersion: \"1.0\"\n");
    let _ = write!(y, "service:\n  name: {}\n  version: \"0.1.0\"\n", ys(name));
    if http || grpc {
        y.push_str("interfaces:\n");
        if http {
            y.push_str(
                "  - name: http-api\n    type: http\n    port: 8080\n    visibility: public\n",
            );
        }
        if grpc {
            y.push_str(
                "  - name: grpc-api\n    type: grpc\n    port: 9090\n    visibility: internal\n",
            );
        }
    }
    if db || cache {
        y.push_str("dependencies:\n");
        if db {
            y.push_str("  - ref: postgres\n    required: true\n    compatibility: \"^1.0.0\"\n");
        }
        if cache {
            y.push_str("  - ref: redis\n    required: false\n    compatibility: \"^1.0.0\"\n");
        }
    }
    y.push_str("runtime:\n  workload: service\n  state:\n");
    if db {
        y.push_str("    type: stateful\n    persistence:\n      scope: shared\n      durability: persistent\n    dataCriticality: medium\n");
    } else {
        y.push_str("    type: stateless\n    persistence:\n      scope: local\n      durability: ephemeral\n    dataCriticality: low\n");
    }
    if http {
        y.push_str("  health:\n    interface: http-api\n    path: /health\n");
    }
    let language = args.str("language")?.trim();
    if !language.is_empty() {
        let _ = write!(y, "metadata:\n  language: {}\n", ys(language));
    }
    Ok(Output {
        structured: json!({"yaml": y}),
        text: y,
    })
}

/// An interface as given by the client, normalised.
struct Iface {
    name: String,
    kind: String,
    port: Option<i64>,
    visibility: Option<String>,
    contract: Option<String>,
}

fn field<'a>(o: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    o.get(k).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn iface_of(v: &Value) -> Result<Iface, ToolError> {
    let o = v
        .as_object()
        .ok_or_else(|| ToolError::msg(format!("an interface must be an object, got {v}")))?;
    let name = field(o, "name").ok_or_else(|| ToolError::msg("an interface needs a name"))?;
    Ok(Iface {
        name: name.to_string(),
        kind: field(o, "type").unwrap_or("http").to_string(),
        port: o.get("port").and_then(|p| {
            p.as_i64()
                .or_else(|| p.as_str().and_then(|s| s.parse().ok()))
        }),
        visibility: field(o, "visibility").map(str::to_string),
        contract: field(o, "contract").map(str::to_string),
    })
}

impl Iface {
    /// The 2.0 form: `type` is the spec kind (`openapi`, `asyncapi`, `grpc`; the 1.x kinds
    /// `http` and `event` are read as `openapi` and `asyncapi`), `ref` names the spec file
    /// (`interfaces/<name>.yaml`, `.proto` for gRPC, unless `ref` or `contract` is given) and
    /// there is no port (ports are a deployment matter in 2.0).
    fn into_v2(mut self) -> Result<Iface, ToolError> {
        self.kind = match self.kind.as_str() {
            "openapi" | "http" | "rest" => "openapi",
            "asyncapi" | "event" | "events" => "asyncapi",
            "grpc" => "grpc",
            other => {
                return Err(ToolError::msg(format!(
                    "interface {:?}: type {other:?} is not a Pacto 2.0 interface type (openapi, asyncapi or grpc)",
                    self.name
                )))
            }
        }
        .to_string();
        self.port = None;
        Ok(self)
    }

    fn v2_ref(&self) -> String {
        match &self.contract {
            Some(c) => c.clone(),
            None if self.kind == "grpc" => format!("interfaces/{}.proto", self.name),
            None => format!("interfaces/{}.yaml", self.name),
        }
    }

    fn v2_yaml(&self) -> String {
        let mut y = format!(
            "name: {}\ntype: {}\nref: {}\n",
            ys(&self.name),
            ys(&self.kind),
            ys(&self.v2_ref())
        );
        if let Some(v) = &self.visibility {
            let _ = writeln!(y, "visibility: {}", ys(v));
        }
        y
    }

    /// The spec file a 2.0 interface refers to, as a stub to write when it does not exist: the
    /// OpenAPI document `pacto init` scaffolds, an empty AsyncAPI 3.0 document, an empty proto
    /// service.
    fn v2_stub(&self, service: &str) -> (String, String) {
        let path = self.v2_ref();
        let text = match self.kind.as_str() {
            "openapi" => pacto_core::scaffold::scaffold(service, Generation::V2)
                .files
                .into_iter()
                .find(|(p, _)| *p == "interfaces/openapi.yaml")
                .map(|(_, t)| t)
                .unwrap_or_default(),
            "grpc" => format!(
                "syntax = \"proto3\";\n\npackage {};\n\nservice {} {{\n}}\n",
                self.name.replace('-', "_"),
                camel(&self.name)
            ),
            _ => format!(
                "asyncapi: 3.0.0\ninfo:\n  title: {}\n  version: 0.1.0\nchannels: {{}}\n",
                ys(&self.name)
            ),
        };
        (path, text)
    }

    fn yaml(&self) -> String {
        let mut y = format!("name: {}\ntype: {}\n", ys(&self.name), ys(&self.kind));
        if let Some(p) = self.port {
            let _ = writeln!(y, "port: {p}");
        }
        if let Some(v) = &self.visibility {
            let _ = writeln!(y, "visibility: {}", ys(v));
        }
        if let Some(c) = &self.contract {
            let _ = writeln!(y, "contract: {}", ys(c));
        }
        y
    }

    /// grpc and event interfaces need a contract file: name a stub one when none is given.
    fn stub(&mut self) -> Option<(String, String)> {
        if self.contract.is_some() {
            return None;
        }
        let (path, text) = match self.kind.as_str() {
            "grpc" => (
                format!("interfaces/{}.proto", self.name),
                format!(
                    "syntax = \"proto3\";\n\npackage {};\n\nservice {} {{\n}}\n",
                    self.name.replace('-', "_"),
                    camel(&self.name)
                ),
            ),
            "event" => (
                format!("interfaces/{}.yaml", self.name),
                format!(
                    "asyncapi: 3.0.0\ninfo:\n  title: {}\n  version: 0.1.0\nchannels: {{}}\n",
                    ys(&self.name)
                ),
            ),
            _ => return None,
        };
        self.contract = Some(path.clone());
        Some((path, text))
    }
}

fn camel(s: &str) -> String {
    s.split(['-', '_'])
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

struct Dep {
    name: Option<String>,
    reference: String,
    required: bool,
    compatibility: String,
}

fn dep_of(v: &Value) -> Result<Dep, ToolError> {
    let o = v
        .as_object()
        .ok_or_else(|| ToolError::msg(format!("a dependency must be an object, got {v}")))?;
    let reference = field(o, "ref").ok_or_else(|| ToolError::msg("a dependency needs a ref"))?;
    Ok(Dep {
        name: field(o, "name").map(str::to_string),
        reference: reference.to_string(),
        required: o.get("required").and_then(Value::as_bool).unwrap_or(true),
        compatibility: field(o, "compatibility").unwrap_or("^1.0.0").to_string(),
    })
}

/// A dependency's name when none is given: the last path segment of its ref, without the
/// `oci://` scheme, tag or digest (Go Pacto 3.x's `dependencyName`; 2.0 requires a name).
fn dependency_name(reference: &str) -> String {
    let mut r = reference.strip_prefix("oci://").unwrap_or(reference);
    if let Some(at) = r.find('@') {
        r = &r[..at];
    }
    let slash = r.rfind('/');
    if let Some(colon) = r.rfind(':') {
        if slash.is_none_or(|s| colon > s) {
            r = &r[..colon];
        }
    }
    r.rsplit('/').next().unwrap_or(r).to_string()
}

impl Dep {
    /// The 2.0 form: `name`, `ref`, `required` and `compatibility` are all required.
    fn v2_yaml(&self) -> String {
        let name = self
            .name
            .clone()
            .unwrap_or_else(|| dependency_name(&self.reference));
        let mut y = format!("name: {}\n", ys(&name));
        let _ = writeln!(y, "ref: {}", ys(&self.reference));
        let _ = writeln!(y, "required: {}", self.required);
        let _ = writeln!(y, "compatibility: {}", quote(&self.compatibility));
        y
    }

    fn yaml(&self) -> String {
        let mut y = String::new();
        if let Some(n) = &self.name {
            let _ = writeln!(y, "name: {}", ys(n));
        }
        let _ = writeln!(y, "ref: {}", ys(&self.reference));
        let _ = writeln!(y, "required: {}", self.required);
        let _ = writeln!(y, "compatibility: {}", quote(&self.compatibility));
        y
    }
}

/// Always double-quote (constraints like `^1.0.0` read fine plain, but Go writes them quoted).
fn quote(s: &str) -> String {
    let q = ys(s);
    if q.starts_with('"') {
        q
    } else {
        format!("\"{s}\"")
    }
}

/// The runtime answers of `pacto_create` / `pacto_edit` (spec §9 mapping).
struct RuntimeAnswers {
    workload: Option<String>,
    stores_data: Option<bool>,
    survives: bool,
    shared: bool,
    impact: Option<String>,
}

fn runtime_answers(args: &Args<'_>) -> Result<RuntimeAnswers, ToolError> {
    Ok(RuntimeAnswers {
        workload: args.opt_str("workload")?.map(str::to_string),
        stores_data: args.opt_bool("stores_data"),
        survives: args.bool("data_survives_restart"),
        shared: args.bool("data_shared_across_instances"),
        impact: args.opt_str("data_loss_impact")?.map(str::to_string),
    })
}

impl RuntimeAnswers {
    /// (type, scope, durability, criticality) when any state answer was given.
    fn state(&self) -> Option<(&'static str, &'static str, &'static str, String)> {
        let stateful = self.stores_data?;
        let (t, scope, durability, mut crit) = if stateful {
            (
                "stateful",
                if self.shared { "shared" } else { "local" },
                if self.survives {
                    "persistent"
                } else {
                    "ephemeral"
                },
                "medium".to_string(),
            )
        } else {
            ("stateless", "local", "ephemeral", "low".to_string())
        };
        if let Some(i) = &self.impact {
            if matches!(i.as_str(), "low" | "medium" | "high") {
                crit = i.clone();
            }
        }
        Some((t, scope, durability, crit))
    }
}

struct Scaling {
    replicas: Option<i64>,
    min: Option<i64>,
    max: Option<i64>,
}

fn scaling(args: &Args<'_>) -> Scaling {
    let replicas = args.int("replicas");
    Scaling {
        replicas,
        min: replicas
            .is_none()
            .then(|| args.int("min_replicas"))
            .flatten(),
        max: replicas
            .is_none()
            .then(|| args.int("max_replicas"))
            .flatten(),
    }
}

/// `{name, type?, description?, required?}` items into a JSON Schema (draft 2020-12).
fn add_properties(schema: &mut Value, props: &[Value]) -> Result<(), ToolError> {
    let Some(root) = schema.as_object_mut() else {
        return Err(ToolError::msg(
            "the configuration schema is not a JSON object",
        ));
    };
    for p in props {
        let (name, o) = match p {
            Value::String(s) => (s.clone(), Map::new()),
            Value::Object(o) => (
                field(o, "name")
                    .ok_or_else(|| ToolError::msg("a config property needs a name"))?
                    .to_string(),
                o.clone(),
            ),
            other => {
                return Err(ToolError::msg(format!(
                    "a config property must be an object or a name, got {other}"
                )))
            }
        };
        let mut prop = Map::new();
        prop.insert(
            "type".into(),
            field(&o, "type").unwrap_or("string").to_string().into(),
        );
        if let Some(d) = field(&o, "description") {
            prop.insert("description".into(), d.into());
        }
        if let Some(d) = o.get("default") {
            prop.insert("default".into(), d.clone());
        }
        let props = root
            .entry("properties")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(m) = props.as_object_mut() {
            m.insert(name.clone(), Value::Object(prop));
        }
        if o.get("required").and_then(Value::as_bool) == Some(true) {
            let req = root
                .entry("required")
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Some(a) = req.as_array_mut() {
                if !a.iter().any(|x| x == &Value::String(name.clone())) {
                    a.push(name.into());
                }
            }
        }
    }
    Ok(())
}

fn empty_config_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {},
    })
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default() + "\n"
}

/// Keyword inference from a free-text description.
fn infer(description: &str) -> (Vec<Iface>, Vec<Dep>, Option<bool>) {
    let d = description.to_ascii_lowercase();
    let has = |w: &[&str]| w.iter().any(|k| d.contains(k));
    let mut ifaces = Vec::new();
    let mut deps = Vec::new();
    let mut stateful = None;
    if has(&["rest", "http", "api", "web"]) {
        ifaces.push(Iface {
            name: "http-api".into(),
            kind: "http".into(),
            port: Some(8080),
            visibility: Some("internal".into()),
            contract: None,
        });
    }
    if has(&["grpc"]) {
        ifaces.push(Iface {
            name: "grpc-api".into(),
            kind: "grpc".into(),
            port: Some(9090),
            visibility: Some("internal".into()),
            contract: None,
        });
    }
    if has(&["kafka", "event", "queue", "rabbitmq", "nats"]) {
        ifaces.push(Iface {
            name: "events".into(),
            kind: "event".into(),
            port: None,
            visibility: Some("internal".into()),
            contract: None,
        });
    }
    let dep = |name: &str| Dep {
        name: Some(name.to_string()),
        reference: format!("oci://ghcr.io/my-org/{name}-pacto:1.0.0"),
        required: true,
        compatibility: "^1.0.0".to_string(),
    };
    if has(&["postgres", "mysql", "database", "sql"]) {
        deps.push(dep("postgres"));
        stateful = Some(true);
    }
    if has(&["redis", "cache"]) {
        deps.push(dep("redis"));
    }
    if has(&["kafka"]) {
        deps.push(dep("kafka"));
    }
    (ifaces, deps, stateful)
}

fn validation_json(diags: &[pacto_core::Diagnostic]) -> (bool, Vec<Value>, Vec<Value>) {
    let (mut errors, mut warnings) = (Vec::new(), Vec::new());
    for d in diags {
        let v = json!({"code": d.code, "path": d.path, "message": d.message});
        if d.is_error() {
            errors.push(v);
        } else {
            warnings.push(v);
        }
    }
    (errors.is_empty(), errors, warnings)
}

fn files_output(
    path: &Path,
    dry_run: bool,
    files: &[(String, String)],
    diags: &[pacto_core::Diagnostic],
    verb: &str,
) -> Output {
    let (valid, errors, warnings) = validation_json(diags);
    let mut text = format!(
        "{} {} ({} file(s)){}\n",
        if dry_run { "Would write" } else { verb },
        path.display(),
        files.len(),
        if valid {
            ""
        } else {
            "; the contract is INVALID"
        }
    );
    for e in errors.iter().chain(&warnings) {
        let _ = writeln!(
            text,
            "  [{}] {}: {}",
            e["code"].as_str().unwrap_or(""),
            e["path"].as_str().unwrap_or(""),
            e["message"].as_str().unwrap_or("")
        );
    }
    for (p, c) in files {
        if p == CONTRACT_FILE {
            let _ = write!(text, "--- {p}\n{c}");
        }
    }
    Output {
        structured: json!({
            "path": path.display().to_string(),
            "dry_run": dry_run,
            "files": files.iter().map(|(p, c)| json!({"path": p, "content": c})).collect::<Vec<_>>(),
            "valid": valid, "errors": errors, "warnings": warnings,
        }),
        text,
    }
}

/// Write the files of a bundle, each atomically and never through a symbolic link (a linked
/// file or directory in the bundle is refused, its target left as it was).
fn write_files(dir: &Path, files: &[(String, String)]) -> Result<(), ToolError> {
    for (p, c) in files {
        pacto_core::bundle::write_inside(dir, p, c.as_bytes())
            .map_err(|e| ToolError::msg(format!("cannot write {}: {e}", dir.join(p).display())))?;
    }
    Ok(())
}

/// Create the directory `dir` (canonical, inside the roots, as [`crate::roots::Roots::check`]
/// returns it) and check that no link was planted on the way since it was checked.
fn create_bundle_dir(ctx: &Ctx, dir: &Path) -> Result<(), ToolError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| ToolError::msg(format!("cannot create {}: {e}", dir.display())))?;
    let again = ctx.roots.check(&dir.to_string_lossy())?;
    if again != dir {
        return Err(ToolError::msg(format!(
            "refused: {} changed into a symbolic link while it was created",
            dir.display()
        )));
    }
    Ok(())
}

pub fn create(ctx: &Ctx, args: &Args<'_>) -> ToolResult {
    let name = args.required("name")?.trim().to_string();
    let description = args.str("description")?;
    let dry_run = args.bool("dry_run");
    let target = match args.opt_str("path")? {
        Some(p) => p.to_string(),
        None => name.clone(),
    };
    let dir = ctx.roots.check(&target)?;
    // `symlink_metadata`: a dangling link named pacto.yaml is something there too.
    if std::fs::symlink_metadata(dir.join(CONTRACT_FILE)).is_ok() {
        return Err(ToolError::msg(format!(
            "{} already has a {CONTRACT_FILE}; use pacto_edit to change it",
            dir.display()
        )));
    }
    let (mut ifaces, mut deps, inferred_state) = infer(description);
    let given_ifaces = args.list("interfaces")?;
    if !given_ifaces.is_empty() {
        ifaces = given_ifaces
            .iter()
            .map(iface_of)
            .collect::<Result<_, _>>()?;
    }
    let given_deps = args.list("dependencies")?;
    if !given_deps.is_empty() {
        deps = given_deps.iter().map(dep_of).collect::<Result<_, _>>()?;
    }
    if args.generation()? == Generation::V2 {
        // Go Pacto 3.x never infers dependencies from the description: a made-up
        // `oci://ghcr.io/my-org/...` ref would be a dependency nobody declared.
        if given_deps.is_empty() {
            deps.clear();
        }
        let ifaces = ifaces
            .into_iter()
            .map(Iface::into_v2)
            .collect::<Result<Vec<_>, _>>()?;
        return create_v2(ctx, args, &dir, &name, &ifaces, &deps, inferred_state);
    }
    let mut files: Vec<(String, String)> = Vec::new();
    for i in &mut ifaces {
        if let Some(f) = i.stub() {
            files.push(f);
        }
    }
    let mut rt = runtime_answers(args)?;
    if rt.stores_data.is_none() {
        rt.stores_data = Some(inferred_state.unwrap_or(false));
        if inferred_state == Some(true) {
            rt.survives = true;
        }
    }
    let workload = rt.workload.clone().unwrap_or_else(|| "service".to_string());
    let version = args.opt_str("version")?.unwrap_or("0.1.0").to_string();

    let mut y = String::from("pactoVersion: \"1.0\"\n\nservice:\n");
    let _ = writeln!(y, "  name: {}", ys(&name));
    let _ = writeln!(y, "  version: {}", ys(&version));
    if let Some(o) = args.opt_str("owner")? {
        let _ = writeln!(y, "  owner: {}", ys(o));
    }
    if !ifaces.is_empty() {
        y.push_str("\ninterfaces:\n");
        for i in &ifaces {
            y.push_str(&indent_item(&i.yaml()));
        }
    }
    let props = args.list("config_properties")?;
    if !props.is_empty() {
        let mut schema = empty_config_schema();
        add_properties(&mut schema, &props)?;
        files.push(("configuration/schema.json".to_string(), pretty(&schema)));
        y.push_str("\nconfiguration:\n  schema: configuration/schema.json\n");
    }
    if !deps.is_empty() {
        y.push_str("\ndependencies:\n");
        for d in &deps {
            y.push_str(&indent_item(&d.yaml()));
        }
    }
    let _ = write!(y, "\nruntime:\n  workload: {}\n", ys(&workload));
    if let Some((t, scope, dur, crit)) = rt.state() {
        let _ = write!(
            y,
            "  state:\n    type: {t}\n    persistence:\n      scope: {scope}\n      durability: {dur}\n    dataCriticality: {crit}\n"
        );
    }
    if workload == "service" {
        if let Some(h) = ifaces.iter().find(|i| i.kind == "http") {
            let _ = write!(
                y,
                "  health:\n    interface: {}\n    path: /health\n",
                ys(&h.name)
            );
        }
    }
    let sc = scaling(args);
    if let Some(r) = sc.replicas {
        let _ = write!(y, "\nscaling:\n  replicas: {r}\n");
    } else if sc.min.is_some() || sc.max.is_some() {
        y.push_str("\nscaling:\n");
        if let Some(m) = sc.min {
            let _ = writeln!(y, "  min: {m}");
        }
        if let Some(m) = sc.max {
            let _ = writeln!(y, "  max: {m}");
        }
    }
    let meta = args.object("metadata")?;
    if !meta.is_empty() {
        y.push_str("\nmetadata:\n");
        for (k, v) in &meta {
            let _ = writeln!(y, "  {}: {}", ys(k), yaml_value(v));
        }
    }
    files.insert(0, (CONTRACT_FILE.to_string(), y.clone()));
    finish_create(ctx, &dir, dry_run, &y, &files)
}

/// Refuse the 1.x-only inputs (`replicas`, `min_replicas`, `max_replicas`) on a 2.0 contract,
/// which has no scaling section: a silently dropped argument reads as done.
fn refuse_scaling_v2(args: &Args<'_>) -> Result<(), ToolError> {
    for k in ["replicas", "min_replicas", "max_replicas"] {
        if args.0.get(k).is_some_and(|v| !v.is_null()) {
            return Err(ToolError::msg(format!(
                "{k}: a Pacto 2.0 contract has no scaling section (replicas are a deployment \
                 matter); leave {k} out, or pass pactoVersion \"1.0\" for a 1.x contract"
            )));
        }
    }
    Ok(())
}

/// `pacto_create` for a Pacto 2.0 bundle, laid out as Go Pacto 3.x's: `service` (with
/// `owner.team`), `interfaces` with a `ref` to a spec file written beside it, `configurations`,
/// `dependencies`, top-level `workload` and `state`, `metadata`.
fn create_v2(
    ctx: &Ctx,
    args: &Args<'_>,
    dir: &Path,
    name: &str,
    ifaces: &[Iface],
    deps: &[Dep],
    inferred_state: Option<bool>,
) -> ToolResult {
    refuse_scaling_v2(args)?;
    let dry_run = args.bool("dry_run");
    let mut rt = runtime_answers(args)?;
    if rt.stores_data.is_none() {
        rt.stores_data = Some(inferred_state.unwrap_or(false));
        if inferred_state == Some(true) {
            rt.survives = true;
        }
    }
    let workload = rt.workload.clone().unwrap_or_else(|| "service".to_string());
    let version = args.opt_str("version")?.unwrap_or("0.1.0").to_string();
    let mut files: Vec<(String, String)> = Vec::new();
    let mut y = String::from("pactoVersion: \"2.0\"\n\nservice:\n");
    let _ = writeln!(y, "  name: {}", ys(name));
    let _ = writeln!(y, "  version: {}", ys(&version));
    if let Some(o) = args.opt_str("owner")? {
        let _ = write!(y, "  owner:\n    team: {}\n", ys(o));
    }
    if !ifaces.is_empty() {
        y.push_str("\ninterfaces:\n");
        for i in ifaces {
            y.push_str(&indent_item(&i.v2_yaml()));
            let (p, t) = i.v2_stub(name);
            if !files.iter().any(|(q, _)| *q == p) {
                files.push((p, t));
            }
        }
    }
    let props = args.list("config_properties")?;
    if !props.is_empty() {
        let mut schema = empty_config_schema();
        add_properties(&mut schema, &props)?;
        files.push(("configuration/schema.json".to_string(), pretty(&schema)));
        y.push_str(
            "\nconfigurations:\n  - name: default\n    schema: configuration/schema.json\n    required: true\n",
        );
    }
    if !deps.is_empty() {
        y.push_str("\ndependencies:\n");
        for d in deps {
            y.push_str(&indent_item(&d.v2_yaml()));
        }
    }
    let _ = write!(y, "\nworkload: {}\n", ys(&workload));
    if let Some((t, scope, dur, crit)) = rt.state() {
        let _ = write!(
            y,
            "\nstate:\n  type: {t}\n  persistence:\n    scope: {scope}\n    durability: {dur}\n  dataCriticality: {crit}\n"
        );
    }
    let meta = args.object("metadata")?;
    if !meta.is_empty() {
        y.push_str("\nmetadata:\n");
        for (k, v) in &meta {
            let _ = writeln!(y, "  {}: {}", ys(k), yaml_value(v));
        }
    }
    files.insert(0, (CONTRACT_FILE.to_string(), y.clone()));
    finish_create(ctx, dir, dry_run, &y, &files)
}

/// Validate the new bundle in memory, then write it unless this is a dry run.
fn finish_create(
    ctx: &Ctx,
    dir: &Path,
    dry_run: bool,
    contract: &str,
    files: &[(String, String)],
) -> ToolResult {
    let mut bundle = MemBundle::new(dir.display().to_string());
    for (p, c) in files {
        bundle.insert(p, c.as_bytes().to_vec());
    }
    let v = validate::validate(
        contract,
        Some(&bundle),
        &NoResolver,
        &Options {
            offline: true,
            ..Options::default()
        },
    );
    let out = files_output(dir, dry_run, files, &v.diagnostics, "Created");
    if !v.valid() {
        return Err(ToolError::msg(format!(
            "the generated contract does not validate, nothing was written:\n{}",
            out.text
        )));
    }
    if !dry_run {
        create_bundle_dir(ctx, dir)?;
        write_files(dir, files)?;
    }
    Ok(out)
}

/// An unindented item block as a `- ` sequence item indented by two (for new documents).
fn indent_item(block: &str) -> String {
    let mut out = String::new();
    for (i, line) in block.lines().enumerate() {
        out.push_str(if i == 0 { "  - " } else { "    " });
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn e(err: edit::EditError) -> ToolError {
    ToolError::msg(format!("cannot edit the contract: {err}"))
}

/// The index of the first item under `key` whose `field` (or `alt`) equals `value`.
fn find_item(text: &str, key: &str, fields: &[&str], value: &str) -> Option<usize> {
    let parsed = pacto_core::syntax::parse(text, &pacto_core::syntax::Limits::default());
    let tree = parsed.tree?;
    let seq = tree.root().get(key)?;
    let found = seq.items().position(|item| {
        fields
            .iter()
            .any(|f| item.get(f).and_then(|n| n.as_str()) == Some(value))
    });
    found
}

pub fn edit(ctx: &Ctx, args: &Args<'_>) -> ToolResult {
    let path = args.required("path")?;
    let dir = ctx.bundle_dir(path)?;
    let file = dir.join(CONTRACT_FILE);
    // Read through the one check every tool uses (a pacto.yaml linked from outside the bundle
    // is refused unread); writing refuses any link.
    let original = ctx.load_bundle(&dir)?.text;
    if std::fs::symlink_metadata(&file).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(ToolError::msg(format!(
            "refused: {} is a symbolic link; pacto_edit never writes through a link (replace the link with the file itself)",
            file.display()
        )));
    }
    if original.len() > super::MAX_STRING_BYTES {
        return Err(ToolError::msg(format!(
            "{} is too large to edit",
            file.display()
        )));
    }
    let dry_run = args.bool("dry_run");
    // The document's own generation decides where each answer goes: 2.0 has top-level
    // `workload` and `state`, `configurations`, interfaces with a `ref` and no scaling.
    let v2 = pacto_core::syntax::parse(&original, &pacto_core::syntax::Limits::default())
        .tree
        .as_ref()
        .is_some_and(pacto_core::doc::v2::is_v2);
    if v2 {
        refuse_scaling_v2(args)?;
    }
    let service_name = pacto_core::syntax::parse(&original, &pacto_core::syntax::Limits::default())
        .tree
        .as_ref()
        .and_then(|t| {
            t.root()
                .get("service")
                .and_then(|s| s.get("name"))
                .and_then(|n| n.as_str())
                .map(str::to_string)
        })
        .unwrap_or_default();
    let mut t = original.clone();
    if let Some(v) = args.opt_str("name")? {
        t = edit::set_scalar(&t, &["service", "name"], &ys(v)).map_err(e)?;
    }
    if let Some(v) = args.opt_str("version")? {
        t = edit::set_scalar(&t, &["service", "version"], &ys(v)).map_err(e)?;
    }
    if let Some(v) = args.opt_str("owner").ok().flatten().filter(|_| v2) {
        // 2.0 has no string owner: the team of the owner object.
        t = edit::set_scalar(&t, &["service", "owner", "team"], &ys(v)).map_err(e)?;
    } else if let Some(v) = args.opt_str("owner")? {
        t = match edit::set_scalar(&t, &["service", "owner"], &ys(v)) {
            Err(edit::EditError::NotScalar(_)) => {
                edit::set_scalar(&t, &["service", "owner", "team"], &ys(v)).map_err(e)?
            }
            r => r.map_err(e)?,
        };
    }
    let mut new_files: Vec<(String, String)> = Vec::new();
    for name in args.list("remove_interfaces")? {
        let name = name.as_str().unwrap_or_default().to_string();
        let i = find_item(&t, "interfaces", &["name"], &name)
            .ok_or_else(|| ToolError::msg(format!("no interface named {name:?}")))?;
        t = edit::remove_item(&t, &["interfaces"], i).map_err(e)?;
    }
    for v in args.list("add_interfaces")? {
        if v2 {
            let i = iface_of(&v)?.into_v2()?;
            let (p, c) = i.v2_stub(&service_name);
            if !pacto_core::bundle::is_valid_path(&p) {
                return Err(ToolError::msg(format!(
                    "interface {:?}: ref {p:?} is not a path inside the bundle",
                    i.name
                )));
            }
            if std::fs::symlink_metadata(dir.join(&p)).is_err()
                && !new_files.iter().any(|(q, _)| *q == p)
            {
                new_files.push((p, c));
            }
            if let Some(idx) = find_item(&t, "interfaces", &["name"], &i.name) {
                t = edit::remove_item(&t, &["interfaces"], idx).map_err(e)?;
            }
            t = edit::append_item(&t, &["interfaces"], &i.v2_yaml()).map_err(e)?;
            continue;
        }
        let mut i = iface_of(&v)?;
        if let Some((p, c)) = i.stub() {
            if std::fs::symlink_metadata(dir.join(&p)).is_err() {
                new_files.push((p, c));
            }
        }
        if let Some(idx) = find_item(&t, "interfaces", &["name"], &i.name) {
            t = edit::remove_item(&t, &["interfaces"], idx).map_err(e)?;
        }
        t = edit::append_item(&t, &["interfaces"], &i.yaml()).map_err(e)?;
    }
    for r in args.list("remove_dependencies")? {
        let r = r.as_str().unwrap_or_default().to_string();
        let i = find_item(&t, "dependencies", &["ref", "name"], &r)
            .ok_or_else(|| ToolError::msg(format!("no dependency with ref or name {r:?}")))?;
        t = edit::remove_item(&t, &["dependencies"], i).map_err(e)?;
    }
    for v in args.list("add_dependencies")? {
        let d = dep_of(&v)?;
        if let Some(idx) = find_item(&t, "dependencies", &["ref"], &d.reference) {
            t = edit::remove_item(&t, &["dependencies"], idx).map_err(e)?;
        }
        let item = if v2 { d.v2_yaml() } else { d.yaml() };
        t = edit::append_item(&t, &["dependencies"], &item).map_err(e)?;
    }
    let rt = runtime_answers(args)?;
    // 1.x keeps workload and state under `runtime`; 2.0 at the top.
    let at = |rest: &[&'static str]| -> Vec<&'static str> {
        let mut p: Vec<&'static str> = if v2 { Vec::new() } else { vec!["runtime"] };
        p.extend_from_slice(rest);
        p
    };
    if let Some(w) = &rt.workload {
        t = edit::set_scalar(&t, &at(&["workload"]), &ys(w)).map_err(e)?;
    }
    if let Some((ty, scope, dur, crit)) = rt.state() {
        for (p, v) in [
            (at(&["state", "type"]), ty.to_string()),
            (at(&["state", "persistence", "scope"]), scope.to_string()),
            (at(&["state", "persistence", "durability"]), dur.to_string()),
            (at(&["state", "dataCriticality"]), crit),
        ] {
            t = edit::set_scalar(&t, &p, &v).map_err(e)?;
        }
    } else if let Some(i) = &rt.impact {
        if matches!(i.as_str(), "low" | "medium" | "high") {
            t = edit::set_scalar(&t, &at(&["state", "dataCriticality"]), i).map_err(e)?;
        }
    }
    let sc = scaling(args);
    let drop = |t: String, k: &str| match edit::remove_key(&t, &["scaling", k]) {
        Ok(n) => n,
        Err(_) => t,
    };
    if let Some(r) = sc.replicas {
        t = drop(drop(t, "min"), "max");
        t = edit::set_scalar(&t, &["scaling", "replicas"], &r.to_string()).map_err(e)?;
    } else if sc.min.is_some() || sc.max.is_some() {
        t = drop(t, "replicas");
        if let Some(m) = sc.min {
            t = edit::set_scalar(&t, &["scaling", "min"], &m.to_string()).map_err(e)?;
        }
        if let Some(m) = sc.max {
            t = edit::set_scalar(&t, &["scaling", "max"], &m.to_string()).map_err(e)?;
        }
    }
    for (k, v) in args.object("set_metadata")? {
        t = edit::set_scalar(&t, &["metadata", &k], &yaml_value(&v)).map_err(e)?;
    }
    for k in args.list("remove_metadata")? {
        let k = k.as_str().unwrap_or_default().to_string();
        t = edit::remove_key(&t, &["metadata", &k]).map_err(e)?;
    }
    let props = args.list("add_config_properties")?;
    if !props.is_empty() {
        let parsed = pacto_core::syntax::parse(&t, &pacto_core::syntax::Limits::default());
        let existing = parsed.tree.as_ref().and_then(|tree| {
            if v2 {
                // The first configuration scope with a schema file in this bundle.
                tree.root().get("configurations").and_then(|c| {
                    c.items()
                        .find_map(|i| i.get("schema").and_then(|s| s.as_str()))
                        .map(str::to_string)
                })
            } else {
                tree.root()
                    .get("configuration")
                    .and_then(|c| c.get("schema"))
                    .and_then(|s| s.as_str())
                    .map(str::to_string)
            }
        });
        let schema_path = match existing {
            Some(p) => p,
            None if v2 => {
                let p = "configuration/schema.json".to_string();
                t = edit::append_item(
                    &t,
                    &["configurations"],
                    &format!("name: default\nschema: {p}\nrequired: true\n"),
                )
                .map_err(e)?;
                p
            }
            None => {
                let p = "configuration/schema.json".to_string();
                t = edit::set_scalar(&t, &["configuration", "schema"], &p).map_err(e)?;
                p
            }
        };
        if !pacto_core::bundle::is_valid_path(&schema_path) {
            return Err(ToolError::msg(format!(
                "configuration.schema {schema_path:?} is not a path inside the bundle"
            )));
        }
        let mut schema = match pacto_core::bundle::resolve_inside(&dir, &schema_path) {
            Ok(full) => {
                let bytes = pacto_core::bundle::read_bounded(&full, &schema_path)
                    .map_err(|e| ToolError::msg(format!("cannot read {schema_path}: {e}")))?;
                serde_json::from_slice(&bytes).map_err(|e| {
                    ToolError::msg(format!(
                        "{schema_path} is not valid JSON (line {}, column {}); fix it before adding properties",
                        e.line(),
                        e.column()
                    ))
                })?
            }
            Err(pacto_core::bundle::BundleError::NotFound(_)) => empty_config_schema(),
            Err(pacto_core::bundle::BundleError::Escapes { .. }) => {
                return Err(ctx.escapes(&dir, &format!("{}/{schema_path}", dir.display())))
            }
            Err(e) => return Err(ToolError::msg(format!("cannot read {schema_path}: {e}"))),
        };
        add_properties(&mut schema, &props)?;
        new_files.push((schema_path, pretty(&schema)));
    }
    if t == original && new_files.is_empty() {
        return Err(ToolError::msg(
            "nothing to change: pass at least one field to edit (see the tool's input schema)",
        ));
    }
    let mut files = vec![(CONTRACT_FILE.to_string(), t.clone())];
    files.extend(new_files);
    // Local references that leave the roots are refused before validation follows them.
    if let Some(tree) = pacto_core::syntax::parse(&t, &pacto_core::syntax::Limits::default()).tree {
        ctx.check_local_refs(&dir, &pacto_core::model::Contract::from_tree(&tree))?;
    }
    // Validate against the bundle as it will be: the directory plus the files written here.
    let overlay = Overlay {
        dir: DirBundle::new(&dir),
        files: files.clone(),
    };
    let resolver = LocalResolver::new(&dir);
    let v = validate::validate(
        &t,
        Some(&overlay),
        &resolver,
        &Options {
            offline: true,
            ..Options::default()
        },
    );
    if !dry_run {
        write_files(&dir, &files)?;
    }
    Ok(files_output(
        &dir,
        dry_run,
        &files,
        &v.diagnostics,
        "Edited",
    ))
}

/// A directory bundle with some files replaced (the edit's result, before it is written).
struct Overlay {
    dir: DirBundle,
    files: Vec<(String, String)>,
}

impl Bundle for Overlay {
    fn exists(&self, path: &str) -> bool {
        self.files.iter().any(|(p, _)| p == path) || self.dir.exists(path)
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, pacto_core::bundle::BundleError> {
        match self.files.iter().find(|(p, _)| p == path) {
            Some((_, c)) => Ok(c.as_bytes().to_vec()),
            None => self.dir.read(path),
        }
    }

    fn describe(&self) -> String {
        self.dir.describe()
    }

    fn list(&self, dir: &str) -> Vec<String> {
        self.dir.list(dir)
    }
}
