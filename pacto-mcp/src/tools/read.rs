//! Tools that only read: validate, inspect, explain, docs, graph, diff, versions, check, schema.

use super::explain;
use super::{Args, Ctx, Opened, Output, ToolError, ToolResult};
use pacto_core::bundle::{MemBundle, CONTRACT_FILE};
use pacto_core::diff::graph::diff_report;
use pacto_core::diff::Which;
use pacto_core::graph::{self, Fetched, Fetcher, ResolveOptions};
use pacto_core::report::{self, FileReport, OutputFormat};
use pacto_core::validate::{self, NoResolver, Options, RefResolver};
use pacto_core::version::Version;
use serde_json::{json, Map, Value};
use std::sync::Arc;

fn options(ctx: &Ctx) -> Options {
    Options {
        offline: ctx.registry.as_ref().is_none_or(|r| r.is_offline()),
        ..Options::default()
    }
}

/// The report of a bundle path or `oci://` ref, as `pacto validate` makes it.
fn validate_report(ctx: &Ctx, given: &str) -> Result<FileReport, ToolError> {
    let given = given.trim();
    let options = options(ctx);
    if given.starts_with("oci://") {
        let registry = ctx
            .registry
            .clone()
            .ok_or_else(|| ToolError::msg("oci:// refs are disabled: no registry client"))?;
        return Ok(pacto_core::registry::validate_oci(
            &registry, given, &options,
        ));
    }
    let dir = ctx.bundle_dir(given)?;
    let dir_s = dir.to_string_lossy().into_owned();
    // A pacto.yaml linked from outside the bundle is refused before anything reads it; other
    // load failures (no pacto.yaml, not UTF-8) are the report's diagnostics, as in the CLI.
    match pacto_core::bundle::load_dir(&dir_s) {
        Ok(loaded) => {
            // Refuse local references that leave the roots before validation follows them.
            if let Ok(r) = graph::parse_fetched(Fetched {
                bundle: Arc::new(loaded.bundle),
                contract_text: loaded.text,
                resolved_ref: dir_s.clone(),
            }) {
                ctx.check_local_refs(&dir, &r.contract)?;
            }
        }
        Err(pacto_core::bundle::LoadError::Escapes { path }) => {
            return Err(ctx.escapes(&dir, &path))
        }
        Err(_) => {}
    }
    let oci: Option<&dyn RefResolver> = ctx.registry.as_deref().map(|r| r as &dyn RefResolver);
    let mut report = validate::validate_dir(&dir_s, oci, &options);
    report.path = given.to_string();
    Ok(report)
}

/// Go Pacto's `{Path, Valid, Errors, Warnings}` object for one report.
fn report_json(report: &FileReport) -> Result<Value, ToolError> {
    let mut buf = Vec::new();
    report::render_json(std::slice::from_ref(report), &mut buf)
        .map_err(|e| ToolError::msg(e.to_string()))?;
    serde_json::from_slice(&buf).map_err(|e| ToolError::msg(e.to_string()))
}

pub fn validate(ctx: &Ctx, args: &Args<'_>) -> ToolResult {
    let path = args.required("path")?;
    let report = validate_report(ctx, path)?;
    Ok(Output::json(report_json(&report)?))
}

fn open_ref(ctx: &Ctx, args: &Args<'_>, key: &str) -> Result<Opened, ToolError> {
    ctx.open(args.required(key)?)
}

pub fn inspect(ctx: &Ctx, args: &Args<'_>) -> ToolResult {
    let o = open_documentable(ctx, args, "ref")?;
    let e = pacto_core::doc::explain(&o.resolved.contract, &o.resolved.tree);
    Ok(Output::json(
        serde_json::to_value(e).map_err(|e| ToolError::msg(e.to_string()))?,
    ))
}

fn resolve(o: &Opened) -> graph::Graph {
    graph::resolve(
        &o.resolved.contract,
        o.fetcher.as_ref(),
        &ResolveOptions::default(),
    )
}

fn graph_value(g: &graph::Graph) -> Result<Value, ToolError> {
    serde_json::from_str(&graph::render_json(g)).map_err(|e| ToolError::msg(e.to_string()))
}

pub fn resolve_dependencies(ctx: &Ctx, args: &Args<'_>) -> ToolResult {
    let o = open_ref(ctx, args, "ref")?;
    Ok(Output::json(graph_value(&resolve(&o))?))
}

pub fn graph(ctx: &Ctx, args: &Args<'_>) -> ToolResult {
    let o = open_documentable(ctx, args, "ref")?;
    let g = resolve(&o);
    let tree = graph::render_text(&g);
    Ok(Output {
        structured: json!({"tree": tree, "graph": graph_value(&g)?}),
        text: tree,
    })
}

pub fn list_interfaces(ctx: &Ctx, args: &Args<'_>) -> ToolResult {
    let o = open_ref(ctx, args, "ref")?;
    Ok(Output::json(
        json!({"interfaces": explain::interfaces(&o.resolved.contract)}),
    ))
}

/// Open a contract for a tool that documents it (docs, explain, inspect, graph): a document
/// that is not a contract with a `service` (a scalar such as a stray text file, a list, a
/// mapping without `service`) is refused with the diagnostics `pacto_validate` gives for it,
/// instead of rendering an empty or garbled page.
fn open_documentable(ctx: &Ctx, args: &Args<'_>, key: &str) -> Result<Opened, ToolError> {
    let o = open_ref(ctx, args, key)?;
    if let Some(report) = pacto_core::doc::refuse_undocumentable(&o.given, &o.resolved) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        report::render(
            OutputFormat::Text,
            std::slice::from_ref(&report),
            &mut out,
            &mut err,
        )
        .map_err(|e| ToolError::msg(e.to_string()))?;
        return Err(ToolError::msg(format!(
            "{} is not a contract that can be documented (validate it with pacto_validate):\n{}{}",
            o.given,
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&err)
        )));
    }
    Ok(o)
}

pub fn generate_docs(ctx: &Ctx, args: &Args<'_>) -> ToolResult {
    let o = open_documentable(ctx, args, "ref")?;
    let g = resolve(&o);
    let md = pacto_core::doc::markdown(&pacto_core::doc::DocSource::of(&o.resolved), Some(&g));
    Ok(Output {
        structured: json!({"serviceName": explain::name(&o.resolved.contract), "markdown": md}),
        text: md,
    })
}

pub fn explain(ctx: &Ctx, args: &Args<'_>) -> ToolResult {
    let o = open_documentable(ctx, args, "ref")?;
    // A 2.0 contract's workload and state are top-level: read them as the 1.x runtime.
    Ok(Output::json(explain::explain_sentences(
        &pacto_core::doc::v2::with_runtime(&o.resolved.contract, &o.resolved.tree),
    )))
}

pub fn suggest_dependencies(ctx: &Ctx, args: &Args<'_>) -> ToolResult {
    let o = open_ref(ctx, args, "contract")?;
    Ok(Output::json(json!({"suggested": explain::suggestions(
        &pacto_core::doc::v2::with_runtime(&o.resolved.contract, &o.resolved.tree)
    )})))
}

/// `pacto_schema`: the contract JSON Schema of the generation asked for (2.0 unless
/// `pactoVersion` says 1.x).
pub fn schema(args: &Args<'_>) -> ToolResult {
    use pacto_core::schema::Generation;
    let (version, description, json_schema) = match args.generation()? {
        Generation::V2 => (
            "2.0",
            "JSON Schema of pacto.yaml for pactoVersion \"2.0\" (Go Pacto 3.x): service (name, version, owner object), interfaces (openapi, asyncapi or grpc, each with a ref to its spec file in the bundle), configurations, policies, dependencies (name, ref, compatibility, required), workload, state, capabilities, readiness, metadata, extensions. No runtime, scaling, ports or image: those are deployment matters. Use it to write or edit contracts; check them with pacto_check. Pass pactoVersion \"1.0\" for the 1.x schema.",
            pacto_core::schema::SCHEMA_V2_JSON,
        ),
        Generation::V1 => (
            "1.0",
            "JSON Schema of pacto.yaml for pactoVersion \"1.0\"/\"1.1\"/\"1.2\" (Go Pacto 1.x/2.x): service, interfaces (http, grpc, event with ports), configuration, dependencies, runtime, scaling, metadata. Use it to write or edit 1.x contracts; check them with pacto_check or pacto_validate. pacto_migrate carries a 1.x contract to 2.0.",
            pacto_core::schema::SCHEMA_JSON,
        ),
    };
    Ok(Output::json(json!({
        "pactoVersion": version,
        "description": description,
        "docs": "https://trianalab.github.io/pacto",
        "jsonSchema": json_schema,
    })))
}

/// Lower-camel issue objects from Go's capitalised ones.
fn lower_issues(v: &Value) -> Vec<Value> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|i| {
                    let mut o = Map::new();
                    if let Some(m) = i.as_object() {
                        for (k, v) in m {
                            let mut c = k.chars();
                            let lk = match c.next() {
                                Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
                                None => String::new(),
                            };
                            o.insert(lk, v.clone());
                        }
                    }
                    Value::Object(o)
                })
                .collect()
        })
        .unwrap_or_default()
}

pub fn check(ctx: &Ctx, args: &Args<'_>) -> ToolResult {
    let content = args.str("content")?;
    let path = args.str("path")?;
    let (report, contract_text) = if !content.trim().is_empty() {
        let v = validate::validate(content, None, &NoResolver, &options(ctx));
        (
            FileReport {
                path: "<inline>".to_string(),
                file: Some(CONTRACT_FILE.to_string()),
                line_index: Some(v.parsed.line_index.clone()),
                diagnostics: v.diagnostics,
            },
            Some(content.to_string()),
        )
    } else if !path.trim().is_empty() {
        let report = validate_report(ctx, path)?;
        let text = if path.trim().starts_with("oci://") {
            None
        } else {
            ctx.bundle_dir(path)
                .ok()
                .and_then(|d| ctx.load_bundle(&d).ok())
                .map(|l| l.text)
        };
        (report, text)
    } else {
        return Err(ToolError::msg("path or content is required"));
    };
    let go = report_json(&report)?;
    let errors = lower_issues(&go["Errors"]);
    let warnings = lower_issues(&go["Warnings"]);
    let mut suggestions: Vec<String> = Vec::new();
    for d in &report.diagnostics {
        if let Some(h) = &d.help {
            let s = format!("{}: {h}", d.code);
            if !suggestions.contains(&s) {
                suggestions.push(s);
            }
        }
    }
    let parsed = contract_text
        .as_deref()
        .map(|t| pacto_core::syntax::parse(t, &pacto_core::syntax::Limits::default()));
    let v2 = parsed
        .as_ref()
        .and_then(|p| p.tree.as_ref())
        .is_some_and(pacto_core::doc::v2::is_v2);
    if let Some(tree) = parsed.as_ref().and_then(|p| p.tree.as_ref()).filter(|_| v2) {
        // 2.0 (Go Pacto 3.x's pacto_check): one suggestion per absent section; no runtime or
        // scaling advice, which 2.0 has no place for.
        let root = tree.root();
        let absent = |k: &str| {
            root.get(k)
                .is_none_or(|n| n.items().next().is_none() && !n.is_mapping())
        };
        if root.get("service").and_then(|s| s.get("owner")).is_none() {
            suggestions.push(
                "set service.owner (team, dri, contacts) so people know who runs the service"
                    .to_string(),
            );
        }
        if absent("interfaces") {
            suggestions.push("add an interface (openapi, asyncapi or grpc, with a ref to its spec): pacto_edit add_interfaces".to_string());
        }
        if root.get("state").is_none() {
            suggestions.push("declare state (type, persistence, dataCriticality) so consumers know what a restart loses: pacto_edit stores_data".to_string());
        }
        if absent("configurations") {
            suggestions.push("declare a configuration scope with a JSON Schema: pacto_edit add_config_properties".to_string());
        }
        if absent("dependencies") {
            suggestions.push(
                "declare the services this one calls as dependencies: pacto_edit add_dependencies"
                    .to_string(),
            );
        }
    }
    if let Some(tree) = parsed
        .as_ref()
        .and_then(|p| p.tree.as_ref())
        .filter(|_| !v2)
    {
        let c = pacto_core::model::Contract::from_tree(tree);
        if c.service.as_ref().is_some_and(|s| s.owner.is_none()) {
            suggestions.push("set service.owner so people know who runs the service".to_string());
        }
        if let Some(r) = &c.runtime {
            if r.health.is_none() && r.workload.as_ref().is_some_and(|w| w.value == "service") {
                suggestions.push(
                    "add runtime.health (an http interface and a path) so the platform can probe the service"
                        .to_string(),
                );
            }
        }
        if c.scaling.is_none() {
            suggestions.push("declare scaling (replicas, or min and max)".to_string());
        }
        for s in explain::suggestions(&c) {
            if let (Some(r), Some(why)) = (s["ref"].as_str(), s["reason"].as_str()) {
                suggestions.push(format!("consider a dependency on {r}: {why}"));
            }
        }
    }
    let valid = report.valid();
    let summary = format!(
        "{} is {} ({} error(s), {} warning(s))",
        report.path,
        if valid { "valid" } else { "invalid" },
        errors.len(),
        warnings.len()
    );
    let structured = json!({
        "valid": valid, "errors": errors, "warnings": warnings,
        "summary": summary, "suggestions": suggestions,
    });
    let mut text = summary.clone();
    for e in errors.iter().chain(&warnings) {
        text.push_str(&format!(
            "\n  [{}] {}: {}",
            e["code"].as_str().unwrap_or(""),
            e["path"].as_str().unwrap_or(""),
            e["message"].as_str().unwrap_or("")
        ));
    }
    if !suggestions.is_empty() {
        text.push_str("\nSuggestions:");
        for s in &suggestions {
            text.push_str(&format!("\n  - {s}"));
        }
    }
    Ok(Output { structured, text })
}

/// One side of a diff: a ref, or inline YAML. A side that does not load as a contract this
/// build can compare (missing, unreadable, not YAML, not a mapping, a link out of its bundle, an
/// unknown `pactoVersion`) is an error naming the side and the file, never an empty contract
/// that would compare as "no changes".
fn side(ctx: &Ctx, args: &Args<'_>, which: Which) -> Result<Opened, ToolError> {
    let inline = args.str(&format!("{which}_yaml"))?;
    if !inline.trim().is_empty() {
        let bundle = MemBundle::new(format!("<inline {which}>")).with(CONTRACT_FILE, inline);
        let resolved = graph::parse_side(
            Fetched {
                bundle: Arc::new(bundle),
                contract_text: inline.to_string(),
                resolved_ref: format!("<inline {which}>"),
            },
            which,
        )
        .map_err(|e| ToolError::msg(e.to_string()))?;
        let oci: Option<Arc<dyn Fetcher>> = ctx.registry.clone().map(|r| r as Arc<dyn Fetcher>);
        return Ok(Opened {
            resolved,
            fetcher: Arc::new(InlineFetcher(oci)),
            given: format!("<inline {which}>"),
        });
    }
    let r = args.str(&which.to_string())?;
    if r.trim().is_empty() {
        return Err(ToolError::msg(format!(
            "{which} is required (a path or oci:// ref), or {which}_yaml (inline YAML)"
        )));
    }
    let opened = ctx
        .open(r)
        .map_err(|e| ToolError::msg(format!("{which} contract: {e}")))?;
    pacto_core::diff::check_comparable(&opened.resolved.tree, &opened.resolved.file)
        .map_err(|message| ToolError::msg(format!("{which} contract: {message}")))?;
    Ok(opened)
}

/// Dependencies of an inline contract: `oci://` through the registry, local refs refused.
struct InlineFetcher(Option<Arc<dyn Fetcher>>);

impl Fetcher for InlineFetcher {
    fn fetch(
        &self,
        reference: &str,
        compat: Option<&pacto_core::version::Constraint>,
    ) -> Result<Fetched, String> {
        match (&self.0, reference.starts_with("oci://")) {
            (Some(f), true) => f.fetch(reference, compat),
            _ => Err(format!(
                "{reference} is not resolved for an inline contract (only oci:// refs are)"
            )),
        }
    }
}

pub fn diff(ctx: &Ctx, args: &Args<'_>) -> ToolResult {
    let old = side(ctx, args, Which::Old)?;
    let new = side(ctx, args, Which::New)?;
    let report = diff_report(
        &old.resolved,
        &old.given,
        old.fetcher.as_ref(),
        &new.resolved,
        &new.given,
        new.fetcher.as_ref(),
        &ResolveOptions::default(),
    )
    .map_err(|e| ToolError::msg(e.to_string()))?;
    let structured = serde_json::to_value(&report).map_err(|e| ToolError::msg(e.to_string()))?;
    let mut text = Vec::new();
    report::render_diff(OutputFormat::Text, &report, true, &mut text)
        .map_err(|e| ToolError::msg(e.to_string()))?;
    Ok(Output {
        structured,
        text: String::from_utf8_lossy(&text).into_owned(),
    })
}

pub fn list_versions(ctx: &Ctx, args: &Args<'_>) -> ToolResult {
    let r = args.required("ref")?.trim();
    if !r.starts_with("oci://") {
        return Err(ToolError::msg(format!(
            "{r:?} is not an oci:// reference (expected oci://registry/repository)"
        )));
    }
    let registry = ctx
        .registry
        .clone()
        .ok_or_else(|| ToolError::msg("oci:// refs are disabled: no registry client"))?;
    // A long-running server must not answer from the process memo of an earlier call.
    registry.forget();
    let mut tags = registry
        .list_tags(r)
        .map_err(|e| ToolError::msg(e.to_string()))?;
    tags.sort();
    let mut versions: Vec<(Version, String)> = tags
        .iter()
        .filter_map(|t| Version::parse(t).ok().map(|v| (v, t.clone())))
        .collect();
    versions.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let versions: Vec<String> = versions.into_iter().map(|(_, t)| t).collect();
    let latest = versions.first().cloned();
    let text = if tags.is_empty() {
        format!("{r} has no tags")
    } else {
        format!(
            "{r}: {} tag(s); latest version {}\n{}",
            tags.len(),
            latest.as_deref().unwrap_or("(none is semver)"),
            versions.join("\n")
        )
    };
    Ok(Output {
        structured: json!({"ref": r, "tags": tags, "versions": versions, "latest": latest}),
        text,
    })
}
