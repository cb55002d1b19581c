//! `pacto doc`: Markdown documentation of a service (spec §8), plus the sections this port
//! adds (policy, scaling, the bundle's `docs/` pages).
//!
//! Everything taken from a contract or a bundle file is escaped for the place it lands in
//! ([`super::escape`]); the output is a pure function of the contract, its bundle and the
//! resolved graph, so it is deterministic.

use super::escape::{anchor, code, html, md, mermaid, mermaid_id, prose};
use super::DocSource;
use crate::bundle::Bundle;
use crate::diff::openapi::OpenApiDoc;
use crate::graph::{short_ref, Graph, Node};
use crate::model::{Contract, Interface};
use crate::syntax::{self, Limits};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt::Write as _;

/// Where the contract reference lives (linked under the concept table).
pub const REFERENCE_URL: &str = "https://trianalab.github.io/pacto/contract-reference/";

/// Largest `docs/` page included, in bytes; larger pages are linked, not inlined.
pub const MAX_DOC_PAGE_BYTES: usize = 1024 * 1024;

/// Most configuration properties listed per schema.
const MAX_PROPERTIES: usize = 2_000;

/// Deepest nesting followed when flattening a configuration schema or its `$ref`s.
const MAX_SCHEMA_DEPTH: usize = 16;

const METHODS: [&str; 8] = [
    "get", "post", "put", "patch", "delete", "head", "options", "trace",
];

/// Render the documentation of `root`. `graph` is its resolved dependency graph, when one was
/// resolved: dependencies that resolved get their own collapsible section and appear in the
/// architecture diagram; the others are listed as declared.
pub fn markdown(root: &DocSource<'_>, graph: Option<&Graph>) -> String {
    let normalized = super::v2::with_runtime(root.contract, root.tree);
    let c = &normalized;
    let root = &DocSource {
        contract: c,
        tree: root.tree,
        bundle: root.bundle,
    };
    let capabilities = super::v2::capabilities(root.tree);
    let readiness = super::v2::readiness(root.tree);
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", md(c.service_name()));
    let _ = writeln!(out, "{}\n", summary(c));
    if let Some(line) = super::v2::owner(root.tree).and_then(|o| owner_line(&o)) {
        let _ = writeln!(out, "{line}\n");
    }
    if let Some(table) = concept_table(c) {
        out.push_str(&table);
        let _ = writeln!(
            out,
            "\nSee the [contract reference]({REFERENCE_URL}) for the meaning of every field.\n"
        );
    }

    let deps = dependency_nodes(graph);
    let docs = doc_pages(root.bundle);

    // Section plan: (title, children) in order; numbers follow.
    let mut sections: Vec<(&str, Vec<String>)> = vec![("Architecture", Vec::new())];
    if !c.interfaces.is_empty() {
        sections.push((
            "Interfaces",
            c.interfaces.iter().map(interface_heading).collect(),
        ));
    }
    if has_configuration(c) {
        sections.push(("Configuration", Vec::new()));
    }
    if !c.all_policies().is_empty() {
        sections.push(("Policy", Vec::new()));
    }
    if c.scaling.is_some() {
        sections.push(("Scaling", Vec::new()));
    }
    if !capabilities.is_empty() {
        sections.push(("Capabilities", Vec::new()));
    }
    if readiness.is_some() {
        sections.push(("Readiness", Vec::new()));
    }
    if !c.dependencies.is_empty() {
        sections.push((
            "Dependencies",
            deps.iter()
                .map(|(n, _)| format!("{} v{}", n.name, n.version))
                .collect(),
        ));
    }
    if !docs.is_empty() {
        sections.push((
            "Documentation",
            docs.iter().map(|(title, _, _)| title.clone()).collect(),
        ));
    }

    out.push_str("## Table of Contents\n\n");
    for (i, (title, children)) in sections.iter().enumerate() {
        let n = i + 1;
        let heading = format!("{n}. {title}");
        let _ = writeln!(out, "- [{}](#{})", md(&heading), anchor(&heading));
        for (j, child) in children.iter().enumerate() {
            let sub = format!("{n}.{}. {child}", j + 1);
            let target = if *title == "Dependencies" {
                format!("dep-{}", dep_anchor(&deps[j].0.name))
            } else {
                anchor(&sub)
            };
            let _ = writeln!(out, "  - [{}](#{target})", md(&sub));
        }
    }
    out.push('\n');

    for (i, (title, _)) in sections.iter().enumerate() {
        let n = format!("{}", i + 1);
        let _ = writeln!(out, "## {n}. {title}\n");
        match *title {
            "Architecture" => {
                out.push_str("```mermaid\n");
                out.push_str(&architecture(c, graph));
                out.push_str("```\n\n");
            }
            "Interfaces" => out.push_str(&interfaces(root, &n, &Style::Markdown)),
            "Configuration" => out.push_str(&configuration(root.contract, root.bundle)),
            "Policy" => out.push_str(&policy(root.contract, root.bundle)),
            "Scaling" => out.push_str(&scaling(c)),
            "Capabilities" => out.push_str(&capability_table(&capabilities)),
            "Readiness" => {
                if let Some(r) = &readiness {
                    out.push_str(&readiness_section(r));
                }
            }
            "Dependencies" => {
                out.push_str(&dependency_table(c));
                for (j, (node, resolved)) in deps.iter().enumerate() {
                    out.push_str(&dependency_block(&format!("{n}.{}", j + 1), node, resolved));
                }
            }
            "Documentation" => {
                for (j, (title, path, body)) in docs.iter().enumerate() {
                    let _ = writeln!(out, "### {n}.{}. {}\n", j + 1, md(title));
                    let _ = writeln!(out, "_From {}._\n", code(path));
                    out.push_str(&demote_headings(body, 2));
                    out.push_str("\n\n");
                }
            }
            _ => {}
        }
    }

    out.push_str("---\n\n");
    let meta = metadata_line(c, root.tree);
    if !meta.is_empty() {
        let _ = writeln!(out, "{meta}\n");
    }
    out.push_str("Generated by [Pacto](https://trianalab.github.io/pacto)\n");
    out
}

fn s(v: &Option<crate::model::Spanned<String>>) -> &str {
    v.as_ref().map_or("", |v| v.as_str())
}

/// The summary paragraph and its details sentence.
pub fn summary(c: &Contract) -> String {
    let mut out = format!(
        "**{}** {}",
        md(c.service_name()),
        code(&format!("v{}", c.service_version()))
    );
    if let Some(r) = &c.runtime {
        let state = r.state.as_ref().map_or("", |st| s(&st.kind));
        let _ = write!(
            out,
            " is a {} {} workload",
            code(state),
            code(s(&r.workload))
        );
    }
    let n = c.interfaces.len();
    if n > 0 {
        let noun = if n == 1 { "interface" } else { "interfaces" };
        let _ = write!(out, " exposing {n} {noun}");
    }
    let d = c.dependencies.len();
    if d > 0 {
        let noun = if d == 1 { "dependency" } else { "dependencies" };
        let _ = write!(out, " with {d} {noun}");
    }
    out.push('.');
    let mut details = Vec::new();
    if let Some(owner) = c
        .service
        .as_ref()
        .and_then(|s| s.owner.as_ref())
        .and_then(|o| o.display())
        .filter(|o| !o.is_empty())
    {
        details.push(format!("owned by {}", code(owner)));
    }
    if let Some(image) = c.service.as_ref().and_then(|s| s.image.as_ref()) {
        if let Some(r) = image.reference.as_ref().filter(|r| !r.value.is_empty()) {
            let private = image.private.as_ref().is_some_and(|p| p.value);
            let vis = if private { "private" } else { "public" };
            details.push(format!("packaged as {} ({})", code(r.as_str()), code(vis)));
        }
    }
    if let Some(sc) = &c.scaling {
        match (sc.replicas.as_ref(), sc.effective_min(), sc.effective_max()) {
            (Some(r), _, _) => {
                details.push(format!("runs {} replicas", code(&r.value.to_string())))
            }
            (None, Some(min), Some(max)) => details.push(format!(
                "scales from {} to {} replicas",
                code(&min.to_string()),
                code(&max.to_string())
            )),
            _ => {}
        }
    }
    if !details.is_empty() {
        let joined = details.join(", ");
        let mut chars = joined.chars();
        if let Some(first) = chars.next() {
            let _ = write!(out, " {}{}.", first.to_uppercase(), chars.as_str());
        }
    }
    out
}

/// The schema's `x-enum-descriptions` entry for `value` of the field at `pointer`.
pub fn enum_description(pointer: &str, value: &str) -> Option<&'static str> {
    crate::schema::at_pointer(pointer)?
        .get("x-enum-descriptions")?
        .get(value)?
        .as_str()
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(f) => f.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The concept table: runtime values explained in words from the schema.
fn concept_table(c: &Contract) -> Option<String> {
    let r = c.runtime.as_ref()?;
    let state = r.state.as_ref();
    let lifecycle = r.lifecycle.as_ref();
    const RT: &str = "/properties/runtime/properties";
    let rows: Vec<(&str, &str, String)> = vec![
        ("Workload", s(&r.workload), format!("{RT}/workload")),
        (
            "State",
            state.map_or("", |st| s(&st.kind)),
            format!("{RT}/state/properties/type"),
        ),
        (
            "Persistence scope",
            state.map_or("", |st| s(&st.scope)),
            format!("{RT}/state/properties/persistence/properties/scope"),
        ),
        (
            "Persistence durability",
            state.map_or("", |st| s(&st.durability)),
            format!("{RT}/state/properties/persistence/properties/durability"),
        ),
        (
            "Data criticality",
            state.map_or("", |st| s(&st.data_criticality)),
            format!("{RT}/state/properties/dataCriticality"),
        ),
        (
            "Upgrade strategy",
            lifecycle.map_or("", |l| s(&l.upgrade_strategy)),
            format!("{RT}/lifecycle/properties/upgradeStrategy"),
        ),
    ];
    let mut out = String::from("| Concept | Value | Description |\n|---|---|---|\n");
    let mut any = false;
    for (label, value, pointer) in rows {
        if value.is_empty() {
            continue;
        }
        if let Some(d) = enum_description(&pointer, value) {
            let _ = writeln!(out, "| **{label}** | {} | {} |", code(value), capitalise(d));
            any = true;
        }
    }
    if let Some(g) = lifecycle.and_then(|l| l.graceful_shutdown_seconds.as_ref()) {
        let _ = writeln!(
            out,
            "| **Graceful shutdown** | {} | Time an instance gets to let in-flight requests finish before it is stopped. |",
            code(&format!("{}s", g.value))
        );
        any = true;
    }
    any.then_some(out)
}

/// 2.0 structured owner: the DRI and the contacts (the team is in the summary), or `None` when
/// it names neither.
fn owner_line(owner: &Value) -> Option<String> {
    let field = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let mut parts = Vec::new();
    let dri = field(owner, "dri");
    if !dri.is_empty() {
        parts.push(format!("DRI: {}", code(&dri)));
    }
    let contacts: Vec<String> = owner
        .get("contacts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| {
            let mut s = format!("{} {}", md(&field(c, "type")), code(&field(c, "value")));
            let purpose = field(c, "purpose");
            if !purpose.is_empty() {
                let _ = write!(s, " ({})", md(&purpose));
            }
            s
        })
        .collect();
    if !contacts.is_empty() {
        parts.push(format!("Contacts: {}", contacts.join(", ")));
    }
    (!parts.is_empty()).then(|| format!("{}.", parts.join(". ")))
}

/// 2.0 `capabilities`: what each declares and where it is bound.
fn capability_table(caps: &[super::v2::Capability]) -> String {
    let mut out = String::from(
        "| Capability | Binding | Interface | Path | Reference |\n|---|---|---|---|---|\n",
    );
    for c in caps {
        let b = c.binding.as_ref();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            dash_or(Some(md(&c.kind))),
            dash_or(b.map(|b| md(&b.kind))),
            dash_or(b.map(|b| md(&b.interface))),
            dash_or(b.filter(|b| !b.path.is_empty()).map(|b| code(&b.path))),
            dash_or(c.reference.as_deref().map(code)),
        );
    }
    out.push('\n');
    out
}

/// 2.0 `readiness`: the gate (`minScore`, `partialCredit`, `expires`) and the claims, as
/// declared (the score depends on the day; `pacto explain` evaluates it).
fn readiness_section(r: &crate::readiness::Readiness) -> String {
    let mut out = String::from("| Gate | Value |\n|---|---|\n");
    let min = r.min_score.unwrap_or(crate::readiness::DEFAULT_MIN_SCORE);
    let credit = r
        .partial_credit
        .unwrap_or(crate::readiness::DEFAULT_PARTIAL_CREDIT);
    let _ = writeln!(out, "| **Minimum score** | {} |", code(&min.to_string()));
    let _ = writeln!(
        out,
        "| **Partial credit** | {} |",
        code(&credit.to_string())
    );
    let _ = writeln!(out, "| **Expires** | {} |", dash_or(Some(code(&r.expires))));
    out.push('\n');
    out.push_str(
        "| Claim | Type | Status | Category | Weight | Evidence |\n|---|---|---|---|---|---|\n",
    );
    for c in &r.checks {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            dash_or(Some(code(&c.id))),
            dash_or(Some(md(&c.kind))),
            dash_or(Some(md(&c.status))),
            dash_or((!c.category.is_empty()).then(|| md(&c.category))),
            c.weight,
            dash_or((!c.evidence.is_empty()).then(|| md(&c.evidence))),
        );
    }
    out.push('\n');
    let described: Vec<_> = r
        .checks
        .iter()
        .filter(|c| !c.description.is_empty())
        .collect();
    for c in described {
        let _ = writeln!(out, "- {}: {}", code(&c.id), md(&c.description));
    }
    if r.checks.iter().any(|c| !c.description.is_empty()) {
        out.push('\n');
    }
    if !r.history.is_empty() {
        out.push_str("| Date | Version | Author | Description |\n|---|---|---|---|\n");
        for h in &r.history {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                dash_or(Some(md(&h.date))),
                dash_or(Some(md(&h.version))),
                dash_or(Some(md(&h.author))),
                dash_or(Some(md(&h.description))),
            );
        }
        out.push('\n');
    }
    out
}

fn interface_heading(i: &Interface) -> String {
    let kind = match i.kind() {
        "http" => "HTTP Interface",
        "openapi" => "OpenAPI Interface",
        "asyncapi" => "AsyncAPI Interface",
        "grpc" => "gRPC Interface",
        "event" => "Event Interface",
        _ => "Interface",
    };
    format!("{kind}: {}", i.name())
}

/// How sub-headings are written: Markdown at the top level, HTML inside a dependency's
/// `<details>` block (Markdown headings there would leave the block).
enum Style {
    Markdown,
    Html { id_prefix: String },
}

impl Style {
    fn heading(&self, level: usize, number: &str, title: &str) -> String {
        let text = format!("{number}. {title}");
        match self {
            Style::Markdown => format!("{} {}\n\n", "#".repeat(level), md(&text)),
            Style::Html { id_prefix } => {
                let tag = level.min(6);
                format!(
                    "<h{tag} id=\"{id_prefix}-{}\">{}</h{tag}>\n\n",
                    anchor(title),
                    html(&text)
                )
            }
        }
    }
}

fn dash_or(v: Option<String>) -> String {
    v.filter(|v| !v.is_empty())
        .unwrap_or_else(|| "—".to_string())
}

fn interfaces(src: &DocSource<'_>, number: &str, style: &Style) -> String {
    let c = src.contract;
    let mut out = String::from("| Name | Type | Port | Visibility |\n|---|---|---|---|\n");
    for i in &c.interfaces {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            dash_or(Some(md(i.name()))),
            dash_or(Some(md(i.kind()))),
            dash_or(i.port.as_ref().map(|p| p.value.to_string())),
            dash_or(i.visibility.as_ref().map(|v| md(v.as_str()))),
        );
    }
    out.push('\n');
    let level = match style {
        Style::Markdown => 3,
        Style::Html { .. } => 5,
    };
    let health = c.runtime.as_ref().and_then(|r| r.health.as_ref());
    for (j, i) in c.interfaces.iter().enumerate() {
        out.push_str(&style.heading(level, &format!("{number}.{}", j + 1), &interface_heading(i)));
        let mut sentence = format!("The {} interface", code(i.name()));
        match (i.visibility.as_ref(), i.port.as_ref()) {
            (Some(v), Some(p)) => {
                let _ = write!(
                    sentence,
                    " is {} and exposes port {}",
                    code(v.as_str()),
                    code(&p.value.to_string())
                );
            }
            (Some(v), None) => {
                let _ = write!(sentence, " is {}", code(v.as_str()));
            }
            (None, Some(p)) => {
                let _ = write!(sentence, " exposes port {}", code(&p.value.to_string()));
            }
            (None, None) => {}
        }
        if let Some(contract) = i.contract.as_ref().filter(|c| !c.value.is_empty()) {
            let _ = write!(
                sentence,
                ". Its contract is defined in {}",
                file_link(contract.as_str())
            );
        }
        sentence.push('.');
        if let Some(h) = health.filter(|h| s(&h.interface) == i.name() && !i.name().is_empty()) {
            let _ = write!(
                sentence,
                " It owns the health path under {}",
                code(s(&h.path))
            );
            if let Some(d) = &h.initial_delay_seconds {
                let _ = write!(
                    sentence,
                    " and requires an initial delay of {}",
                    code(&format!("{}s", d.value))
                );
            }
            sentence.push('.');
        }
        if let Some(m) = c
            .runtime
            .as_ref()
            .and_then(|r| r.metrics.as_ref())
            .filter(|m| s(&m.interface) == i.name() && !i.name().is_empty())
        {
            let _ = write!(sentence, " It serves metrics under {}.", code(s(&m.path)));
        }
        let _ = writeln!(out, "{sentence}\n");
        if i.kind() == "http" || i.kind() == "openapi" {
            if let Some(contract) = i.contract.as_ref().filter(|c| !c.value.is_empty()) {
                out.push_str(&endpoints(src.bundle, contract.as_str()));
            }
        }
    }
    out
}

/// A link to a bundle file (relative, so it works next to the bundle), shown as code.
fn file_link(path: &str) -> String {
    let target: String = path
        .chars()
        .map(|c| match c {
            ' ' => "%20".to_string(),
            '(' => "%28".to_string(),
            ')' => "%29".to_string(),
            '<' => "%3C".to_string(),
            '>' => "%3E".to_string(),
            c => c.to_string(),
        })
        .collect();
    format!("[{}](<{}>)", code(path), target)
}

/// The OpenAPI operations table of an HTTP interface.
fn endpoints(bundle: &dyn Bundle, file: &str) -> String {
    let text = match bundle.read(file).map_err(|e| e.to_string()).and_then(|b| {
        crate::bundle::decode_utf8(b).map_err(|o| format!("{file:?} is not UTF-8 (byte {o})"))
    }) {
        Ok(t) => t,
        Err(e) => return format!("_Could not read OpenAPI spec: {}_\n\n", md(&e)),
    };
    // The diff's parser decides what counts as an OpenAPI document and words its errors.
    if let Err(e) = OpenApiDoc::parse(file, &text) {
        return format!("_Could not read OpenAPI spec: {}_\n\n", md(&e.to_string()));
    }
    let limits = Limits {
        max_bytes: text.len().max(1),
        ..Limits::default()
    };
    let parsed = syntax::parse(&text, &limits);
    let Some(tree) = parsed.tree else {
        return "_Could not read OpenAPI spec: the document is empty_\n\n".to_string();
    };
    let mut rows: Vec<(String, &str, String)> = Vec::new();
    if let Some(paths) = tree.root().get("paths") {
        let mut entries: Vec<(String, syntax::NodeRef<'_>)> = paths
            .entries()
            .filter_map(|(k, v)| Some((k.as_scalar()?.text.clone(), v)))
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (path, item) in entries {
            for m in METHODS {
                if let Some(op) = item.get(m).filter(|op| op.is_mapping()) {
                    let summary = op
                        .get("summary")
                        .and_then(|s| s.as_str())
                        .filter(|s| !s.trim().is_empty())
                        .map_or_else(|| "—".to_string(), prose);
                    rows.push((path.clone(), m, summary));
                }
            }
        }
    }
    if rows.is_empty() {
        return String::new();
    }
    let mut out = String::from("| Method | Path | Summary |\n|---|---|---|\n");
    for (path, method, summary) in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            code(&method.to_uppercase()),
            code(&path),
            summary
        );
    }
    out.push('\n');
    out
}

fn has_configuration(c: &Contract) -> bool {
    c.all_configurations()
        .iter()
        .any(|(_, cfg)| !s(&cfg.schema).is_empty() || !s(&cfg.reference).is_empty())
}

fn configuration(c: &Contract, bundle: &dyn Bundle) -> String {
    let mut out = String::new();
    let configs = c.all_configurations();
    let several = configs.len() > 1;
    for (_, cfg) in configs {
        let name = s(&cfg.name);
        if several || !name.is_empty() {
            let label = if name.is_empty() {
                "configuration"
            } else {
                name
            };
            let _ = writeln!(out, "**{}**\n", md(label));
        }
        if !s(&cfg.reference).is_empty() {
            let _ = writeln!(
                out,
                "The schema is provided by {}.\n",
                code(s(&cfg.reference))
            );
        }
        let schema_path = s(&cfg.schema);
        if schema_path.is_empty() {
            continue;
        }
        let _ = writeln!(out, "Schema: {}\n", file_link(schema_path));
        match read_json(bundle, schema_path) {
            Err(e) => {
                let _ = writeln!(out, "_Could not read configuration schema: {}_\n", md(&e));
            }
            Ok(schema) => {
                let props = flatten_properties(&schema);
                if props.is_empty() {
                    out.push_str("The schema declares no properties.\n\n");
                    continue;
                }
                out.push_str(
                    "| Property | Type | Description | Default | Required |\n|---|---|---|---|---|\n",
                );
                for p in &props {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {} | {} |",
                        code(&p.name),
                        dash_or(Some(md(&p.types))),
                        dash_or(p.description.as_deref().map(prose)),
                        p.default.as_ref().map_or_else(
                            || "—".to_string(),
                            |d| code(&d.as_str().map_or_else(|| d.to_string(), str::to_string))
                        ),
                        if p.required { "Yes" } else { "No" }
                    );
                }
                if props.len() >= MAX_PROPERTIES {
                    let _ = writeln!(
                        out,
                        "\n_Only the first {MAX_PROPERTIES} properties are listed._"
                    );
                }
                out.push('\n');
            }
        }
    }
    out
}

fn read_json(bundle: &dyn Bundle, path: &str) -> Result<Value, String> {
    let bytes = bundle.read(path).map_err(|e| e.to_string())?;
    serde_json::from_slice(&bytes).map_err(|e| format!("failed to parse {path}: {e}"))
}

/// One configuration property, flattened (`a.b` for nested objects).
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub name: String,
    pub types: String,
    pub description: Option<String>,
    pub default: Option<Value>,
    pub required: bool,
}

/// Flatten a JSON Schema's properties: nested object properties become `a.b`, local `$ref`s
/// (`#/...`) are followed, the result is sorted by name. Bounded in depth and count.
pub fn flatten_properties(schema: &Value) -> Vec<Property> {
    fn deref<'a>(root: &'a Value, mut node: &'a Value) -> &'a Value {
        for _ in 0..MAX_SCHEMA_DEPTH {
            match node.get("$ref").and_then(Value::as_str) {
                Some(r) if r.starts_with('#') => match root.pointer(&r[1..]) {
                    Some(n) => node = n,
                    None => break,
                },
                _ => break,
            }
        }
        node
    }
    fn types(node: &Value) -> String {
        match node.get("type") {
            Some(Value::String(t)) => t.clone(),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", "),
            _ => String::new(),
        }
    }
    fn walk(root: &Value, node: &Value, prefix: &str, depth: usize, out: &mut Vec<Property>) {
        let node = deref(root, node);
        let Some(props) = node.get("properties").and_then(Value::as_object) else {
            return;
        };
        let required: HashSet<&str> = node
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (key, raw) in props {
            if out.len() >= MAX_PROPERTIES {
                return;
            }
            let name = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            let child = deref(root, raw);
            let description = raw
                .get("description")
                .or_else(|| child.get("description"))
                .and_then(Value::as_str)
                .map(str::to_string);
            let default = raw.get("default").or_else(|| child.get("default")).cloned();
            out.push(Property {
                name: name.clone(),
                types: types(child),
                description,
                default,
                required: required.contains(key.as_str()),
            });
            if depth < MAX_SCHEMA_DEPTH && child.get("properties").is_some() {
                walk(root, child, &name, depth + 1, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(schema, schema, "", 0, &mut out);
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn policy(c: &Contract, bundle: &dyn Bundle) -> String {
    let mut out = String::from(
        "The contract must satisfy these policies; `pacto validate` enforces them.\n\n| Policy | Source | Description |\n|---|---|---|\n",
    );
    for (path, p) in c.all_policies() {
        let name = if s(&p.name).is_empty() {
            path.as_str()
        } else {
            s(&p.name)
        };
        let (source, description) = if !s(&p.schema).is_empty() {
            let d = read_json(bundle, s(&p.schema)).ok().and_then(|v| {
                v.get("description")
                    .or_else(|| v.get("title"))
                    .and_then(Value::as_str)
                    .map(prose)
            });
            (file_link(s(&p.schema)), d)
        } else {
            (code(s(&p.reference)), None)
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            md(name),
            source,
            dash_or(description)
        );
    }
    out.push('\n');
    out
}

fn scaling(c: &Contract) -> String {
    let Some(sc) = &c.scaling else {
        return String::new();
    };
    let text = match (sc.replicas.as_ref(), sc.effective_min(), sc.effective_max()) {
        (Some(r), _, _) => format!(
            "The service runs a fixed number of {} replicas.",
            code(&r.value.to_string())
        ),
        (None, Some(min), Some(max)) if min == max => format!(
            "The service runs {} replicas (minimum and maximum are equal).",
            code(&min.to_string())
        ),
        (None, Some(min), Some(max)) => format!(
            "The service scales horizontally between {} and {} replicas.",
            code(&min.to_string()),
            code(&max.to_string())
        ),
        (None, Some(min), None) => format!(
            "The service runs at least {} replicas.",
            code(&min.to_string())
        ),
        (None, None, Some(max)) => format!(
            "The service runs at most {} replicas.",
            code(&max.to_string())
        ),
        (None, None, None) => "The scaling section sets no replica counts.".to_string(),
    };
    format!("{text}\n\n")
}

fn dependency_table(c: &Contract) -> String {
    let mut out = String::from("| Reference | Compatibility | Required |\n|---|---|---|\n");
    for d in &c.dependencies {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            code(d.reference()),
            dash_or(d.compatibility.as_ref().map(|c| code(c.as_str()))),
            if d.is_required() { "Yes" } else { "No" }
        );
    }
    out.push('\n');
    out
}

fn dep_anchor(name: &str) -> String {
    anchor(name)
}

/// One resolved dependency as a collapsible block.
fn dependency_block(number: &str, node: &Node, src: &DocSource<'_>) -> String {
    let id = format!("dep-{}", dep_anchor(&node.name));
    let normalized = super::v2::with_runtime(src.contract, src.tree);
    let c = &normalized;
    let src = &DocSource {
        contract: c,
        tree: src.tree,
        bundle: src.bundle,
    };
    let mut out = format!(
        "<details id=\"{id}\">\n<summary><h3>{} {} <code>v{}</code></h3></summary>\n\n",
        html(&format!("{number}.")),
        html(&node.name),
        html(&node.version)
    );
    let _ = writeln!(out, "{}\n", summary(c));
    let style = Style::Html {
        id_prefix: id.clone(),
    };
    let mut k = 0;
    let mut next = || {
        k += 1;
        format!("{number}.{k}")
    };
    if let Some(table) = concept_table(c) {
        out.push_str(&style.heading(4, &next(), "Runtime"));
        out.push_str(&table);
        out.push('\n');
    }
    if !c.interfaces.is_empty() {
        let n = next();
        out.push_str(&style.heading(4, &n, "Interfaces"));
        out.push_str(&interfaces(src, &n, &style));
    }
    if has_configuration(c) {
        out.push_str(&style.heading(4, &next(), "Configuration"));
        out.push_str(&configuration(c, src.bundle));
    }
    if !c.dependencies.is_empty() {
        out.push_str(&style.heading(4, &next(), "Dependencies"));
        out.push_str(&dependency_table(c));
    }
    out.push_str("</details>\n\n");
    out
}

/// Resolved dependency nodes, depth first, unique by name, each with its fetched bundle.
fn dependency_nodes(graph: Option<&Graph>) -> Vec<(&Node, DocSource<'_>)> {
    let Some(g) = graph else {
        return Vec::new();
    };
    let resolved = resolved_by_name(g);
    let mut seen = BTreeSet::new();
    seen.insert(g.root.name.as_str());
    let mut out = Vec::new();
    fn walk<'a>(
        n: &'a Node,
        resolved: &HashMap<&'a str, &'a Node>,
        seen: &mut BTreeSet<&'a str>,
        out: &mut Vec<(&'a Node, DocSource<'a>)>,
    ) {
        for e in &n.dependencies {
            let Some(child) = &e.node else { continue };
            if !seen.insert(child.name.as_str()) {
                continue;
            }
            if let Some(full) = resolved.get(child.name.as_str()) {
                if let Some(r) = &full.resolved {
                    out.push((
                        full,
                        DocSource {
                            contract: &r.contract,
                            tree: &r.tree,
                            bundle: r.bundle.as_ref(),
                        },
                    ));
                }
                walk(full, resolved, seen, out);
            }
        }
    }
    walk(&g.root, &resolved, &mut seen, &mut out);
    out
}

/// The node of each name that carries the fetched bundle (shared copies do not).
fn resolved_by_name(g: &Graph) -> HashMap<&str, &Node> {
    fn walk<'a>(n: &'a Node, out: &mut HashMap<&'a str, &'a Node>, depth: usize) {
        if depth > 256 {
            return;
        }
        for e in &n.dependencies {
            if let Some(child) = &e.node {
                if child.resolved.is_some() && !out.contains_key(child.name.as_str()) {
                    out.insert(&child.name, child);
                }
                walk(child, out, depth + 1);
            }
        }
    }
    let mut out = HashMap::new();
    walk(&g.root, &mut out, 0);
    out
}

/// The architecture diagram: each contract as a subgraph with its state and interfaces, then
/// the dependency edges labelled with requirement and compatibility range.
pub fn architecture(root: &Contract, graph: Option<&Graph>) -> String {
    // Contracts shown: the root, then resolved dependencies breadth first, unique by name.
    let mut shown: Vec<(String, String, Option<&Contract>)> = vec![(
        root.service_name().to_string(),
        root.service_version().to_string(),
        Some(root),
    )];
    let mut ids: HashMap<String, String> = HashMap::new();
    let mut used: HashSet<String> = HashSet::new();
    let mut id_for = |name: &str, ids: &mut HashMap<String, String>| -> String {
        if let Some(id) = ids.get(name) {
            return id.clone();
        }
        let base = mermaid_id("n_", name);
        let mut id = base.clone();
        let mut k = 2;
        while !used.insert(id.clone()) {
            id = format!("{base}_{k}");
            k += 1;
        }
        ids.insert(name.to_string(), id.clone());
        id
    };
    id_for(root.service_name(), &mut ids);
    let resolved = graph.map(resolved_by_name).unwrap_or_default();
    if let Some(g) = graph {
        let mut queue: VecDeque<&Node> = VecDeque::from([&g.root]);
        let mut seen: BTreeSet<&str> = BTreeSet::from([g.root.name.as_str()]);
        while let Some(n) = queue.pop_front() {
            let n = resolved.get(n.name.as_str()).copied().unwrap_or(n);
            for e in &n.dependencies {
                if let Some(child) = &e.node {
                    if seen.insert(child.name.as_str()) {
                        let full = resolved.get(child.name.as_str()).copied();
                        let contract = full.and_then(|f| f.resolved.as_ref()).map(|r| &r.contract);
                        shown.push((child.name.clone(), child.version.clone(), contract));
                        id_for(&child.name, &mut ids);
                        queue.push_back(child);
                    }
                }
            }
        }
    }

    let mut out = String::from("graph TB\n");
    let public = shown.iter().any(|(_, _, c)| {
        c.is_some_and(|c| {
            c.interfaces
                .iter()
                .any(|i| i.visibility.as_ref().is_some_and(|v| v.value == "public"))
        })
    });
    if public {
        out.push_str("  external([\"External User\"])\n");
    }
    let mut external_edges = Vec::new();
    for (name, version, contract) in &shown {
        let id = ids.get(name).cloned().unwrap_or_default();
        let _ = writeln!(
            out,
            "  subgraph {id}[\"{} v{}\"]\n    direction TB",
            mermaid(name),
            mermaid(version)
        );
        let mut drew = false;
        if let Some(c) = contract {
            if let Some(label) = state_label(c) {
                let _ = writeln!(out, "    {id}_state[(\"{}\")]", mermaid(&label));
                drew = true;
            }
            let health = c
                .runtime
                .as_ref()
                .and_then(|r| r.health.as_ref())
                .map(|h| s(&h.interface).to_string());
            for (k, i) in c.interfaces.iter().enumerate() {
                let iid = format!("{id}_iface_{k}");
                let mut label = mermaid(i.name());
                let _ = write!(label, "<br/>{}", mermaid(i.kind()));
                if let Some(p) = &i.port {
                    let _ = write!(label, " :{}", p.value);
                }
                if let Some(v) = &i.visibility {
                    let _ = write!(label, "<br/>{}", mermaid(v.as_str()));
                }
                if health.as_deref() == Some(i.name()) && !i.name().is_empty() {
                    label.push_str("<br/>♥ health");
                }
                let _ = writeln!(out, "    {iid}[\"{label}\"]");
                if i.visibility.as_ref().is_some_and(|v| v.value == "public") {
                    external_edges.push(iid);
                }
                drew = true;
            }
        }
        if !drew {
            let _ = writeln!(out, "    {id}_info[\"{}\"]", mermaid(name));
        }
        out.push_str("  end\n");
    }
    for iid in external_edges {
        let _ = writeln!(out, "  external --> {iid}");
    }

    // Edges: every declared dependency of every shown contract, deduplicated.
    let mut drawn: BTreeSet<(String, String)> = BTreeSet::new();
    let mut unresolved = 0usize;
    let edges_of = |name: &str| -> Vec<(String, bool, String, Option<String>)> {
        // (reference, required, compatibility, resolved child name)
        let node = match graph {
            Some(g) if g.root.name == name => Some(&g.root),
            _ => resolved.get(name).copied(),
        };
        match node {
            Some(n) => n
                .dependencies
                .iter()
                .map(|e| {
                    (
                        e.reference.clone(),
                        e.required,
                        e.compatibility.clone(),
                        e.node.as_ref().map(|c| c.name.clone()),
                    )
                })
                .collect(),
            None => Vec::new(),
        }
    };
    for (name, _, contract) in &shown {
        let from = ids.get(name).cloned().unwrap_or_default();
        let declared: Vec<(String, bool, String, Option<String>)> = if graph.is_some() {
            edges_of(name)
        } else {
            contract
                .map(|c| {
                    c.dependencies
                        .iter()
                        .map(|d| {
                            (
                                d.reference().to_string(),
                                d.is_required(),
                                s(&d.compatibility).to_string(),
                                None,
                            )
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        for (reference, required, compat, child) in declared {
            let arrow = if required { "-->" } else { "-.->" };
            let need = if required { "required" } else { "optional" };
            let label = if compat.is_empty() {
                need.to_string()
            } else {
                format!("{need} · {compat}")
            };
            let to = match child.as_ref().and_then(|c| ids.get(c)) {
                Some(to) => to.clone(),
                None => {
                    unresolved += 1;
                    let to = format!("{from}_dep_{unresolved}");
                    let short = short_name(&reference);
                    let _ = writeln!(out, "  {to}[\"{}\"]", mermaid(&short));
                    to
                }
            };
            if drawn.insert((from.clone(), to.clone())) {
                let _ = writeln!(out, "  {from} {arrow}|\"{}\"| {to}", mermaid(&label));
            }
        }
    }
    out
}

/// The last path segment of a reference, without tag or digest.
fn short_name(reference: &str) -> String {
    let short = short_ref(reference);
    let cut = short.find('@').unwrap_or(short.len());
    let name = &short[..cut];
    match name.rfind(':') {
        Some(i) => name[..i].to_string(),
        None => name.to_string(),
    }
}

fn state_label(c: &Contract) -> Option<String> {
    let r = c.runtime.as_ref()?;
    let st = r.state.as_ref();
    let kind = st.map_or("", |st| s(&st.kind));
    let crit = st.map_or("", |st| s(&st.data_criticality));
    let mut label = format!("{kind} · {crit} criticality");
    if let Some(st) = st.filter(|st| !s(&st.scope).is_empty()) {
        let _ = write!(label, " · {} {}", s(&st.scope), s(&st.durability));
    }
    if let Some(sc) = &c.scaling {
        match (sc.replicas.as_ref(), sc.effective_min(), sc.effective_max()) {
            (Some(r), _, _) => {
                let _ = write!(label, " · {} replicas", r.value);
            }
            (None, Some(min), Some(max)) => {
                let _ = write!(label, " · {min}–{max} replicas");
            }
            _ => {}
        }
    }
    Some(label)
}

/// Metadata as `` `k: v` `` items, keys sorted.
fn metadata_line(c: &Contract, tree: &crate::syntax::Tree) -> String {
    let Some(Value::Object(map)) = c.metadata.map(|id| tree.node(id).to_json()) else {
        return String::new();
    };
    let sorted: BTreeMap<&String, &Value> = map.iter().collect();
    sorted
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            code(&format!("{k}: {v}"))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The bundle's `docs/*.md` pages, sorted by path: (title, path, text). The title is the
/// page's first `# ` heading, else its file name.
fn doc_pages(bundle: &dyn Bundle) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for name in bundle.list("docs") {
        if !name.ends_with(".md") {
            continue;
        }
        let path = format!("docs/{name}");
        let Ok(bytes) = bundle.read(&path) else {
            continue;
        };
        let Ok(text) = crate::bundle::decode_utf8(bytes) else {
            continue;
        };
        let stem = name.trim_end_matches(".md").to_string();
        if text.len() > MAX_DOC_PAGE_BYTES {
            out.push((
                stem,
                path.clone(),
                format!(
                    "_The page is too large to include; see {}._",
                    file_link(&path)
                ),
            ));
            continue;
        }
        let mut title = stem;
        let mut body = text.clone();
        if let Some(first) = text.lines().find(|l| !l.trim().is_empty()) {
            if let Some(h) = first.strip_prefix("# ") {
                title = h.trim().to_string();
                body = text.split_once(first).map_or("", |(_, b)| b).to_string();
            }
        }
        out.push((title, path, body.trim().to_string()));
    }
    out
}

/// Push every ATX heading of `text` down by `by` levels (to at most 6), outside code fences.
fn demote_headings(text: &str, by: usize) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut fence: Option<&str> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(f) = fence {
            if trimmed.starts_with(f) {
                fence = None;
            }
        } else if trimmed.starts_with("```") {
            fence = Some("```");
        } else if trimmed.starts_with("~~~") {
            fence = Some("~~~");
        } else if line.starts_with('#') {
            let level = line.chars().take_while(|c| *c == '#').count();
            let rest = &line[level..];
            if level <= 6 && (rest.is_empty() || rest.starts_with(' ')) {
                let _ = writeln!(out, "{}{rest}", "#".repeat((level + by).min(6)));
                continue;
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn properties_flatten_nested_objects_and_refs() {
        let schema = json!({
            "$defs": {"port": {"type": "integer", "description": "A port.", "default": 80}},
            "type": "object",
            "required": ["server"],
            "properties": {
                "server": {
                    "type": "object",
                    "required": ["port"],
                    "properties": {"port": {"$ref": "#/$defs/port"}, "host": {"type": ["string", "null"]}}
                },
                "debug": {"type": "boolean", "default": false}
            }
        });
        let props = flatten_properties(&schema);
        let names: Vec<&str> = props.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["debug", "server", "server.host", "server.port"]);
        assert_eq!(props[3].types, "integer");
        assert_eq!(props[3].default, Some(json!(80)));
        assert_eq!(props[3].description.as_deref(), Some("A port."));
        assert!(props[3].required);
        assert!(props[1].required);
        assert!(!props[2].required);
        assert_eq!(props[2].types, "string, null");
    }

    #[test]
    fn self_referencing_schema_terminates() {
        let schema = json!({"$defs": {"n": {"type": "object", "properties": {"next": {"$ref": "#/$defs/n"}}}},
            "$ref": "#/$defs/n"});
        let props = flatten_properties(&schema);
        assert!(!props.is_empty());
        assert!(props.len() <= MAX_SCHEMA_DEPTH + 1);
    }

    #[test]
    fn headings_are_demoted_outside_fences() {
        let text = "# A\ntext\n```\n# not a heading\n```\n##### deep\n#hashtag";
        assert_eq!(
            demote_headings(text, 2),
            "### A\ntext\n```\n# not a heading\n```\n###### deep\n#hashtag"
        );
    }

    #[test]
    fn enum_descriptions_come_from_the_schema() {
        assert!(
            enum_description("/properties/runtime/properties/workload", "job")
                .is_some_and(|d| d.contains("completion"))
        );
        assert_eq!(
            enum_description("/properties/runtime/properties/workload", "nope"),
            None
        );
    }

    #[test]
    fn short_names_drop_tag_and_digest() {
        assert_eq!(
            short_name("oci://ghcr.io/acme/redis-pacto:7.4.0"),
            "redis-pacto"
        );
        assert_eq!(short_name("oci://ghcr.io/acme/pg@sha256:abcdef0123"), "pg");
        assert_eq!(short_name("../auth"), "auth");
        assert_eq!(short_name("localhost:5000/x"), "x");
    }
}
