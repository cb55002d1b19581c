//! `pacto migrate`: carry a 1.x contract (`pactoVersion` "1.0", "1.1" or "1.2") to Pacto 2.0
//! (Go Pacto 3.x), following the checklist of Go's `MIGRATION.md`.
//!
//! The result is computed as EDITS on the 1.x document: every line the migration does not touch
//! (comments, blank lines, quoting, key order) is kept byte for byte, and the comment lines
//! directly above a moved section move with it. The document is never re-serialised.
//!
//! The mapping, and the choices made where 2.0 asks for a fact 1.x did not state:
//!
//! | 1.x | 2.0 | report |
//! |---|---|---|
//! | `pactoVersion: "1.x"` | `"2.0"` | renamed |
//! | `service.image`, `service.chart` | none | dropped |
//! | `service.owner: "team/x"` (a string) | `owner: {team: team/x}` (or a contact when the string is no team name) | guessed |
//! | interface `type: http` | `openapi` or `asyncapi`, judged by the contract file's content | renamed |
//! | interface `type: event` | `asyncapi` | renamed |
//! | interface `type: grpc` | `grpc` | (unchanged) |
//! | interface `contract` | `ref` | renamed |
//! | interface `port` | none (the operator's `interfaceBindings`) | dropped |
//! | `runtime.workload`, `runtime.state` | top-level `workload`, `state` | moved |
//! | `runtime.health`, `runtime.metrics` | `capabilities[]` with `binding {type: http, interface, path}` | moved |
//! | `runtime.health.initialDelaySeconds`, `runtime.lifecycle`, `scaling` | none | dropped |
//! | `readiness.checks` | `readiness.claims` | renamed |
//! | a dependency without `required` | `required: false` (1.x's default: the meaning is kept) | guessed |
//! | a configuration without `required` | `required: true` (a 1.x configuration always applied) | guessed |
//! | `configuration` / `policy` (singular) | `configurations` / `policies` lists, item named `default` | moved |
//! | a dependency without `name` | named as Go's loader names it: the last segment of its `ref`, tag and digest cut | guessed |
//! | a policy without `name` | `default`, as Go's loader names it (a second one `default-2`) | guessed |
//!
//! Refused (nothing is written): input that is not readable YAML, a document that is not 1.x,
//! and an `http` interface without a contract file (2.0 needs a `ref` to an OpenAPI document, and
//! dropping the interface would silently lose it and any health or metrics bound to it), or whose
//! contract file is missing from the bundle.

mod text;

use crate::bundle::Bundle;
use crate::syntax::{parse, Limits, NodeRef};
use serde::Serialize;
use serde_json::Value;

use text::{
    append_key, entry, entry_lines, prepend_key, reindent, remove_entry, rename_key,
    set_scalar_styled, splice, tree_of, written,
};

/// What was done to one 1.x fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// The fact has no place in 2.0 and is gone.
    Dropped,
    /// The same fact, at another place.
    Moved,
    /// 2.0 needs a fact 1.x did not state: the migration chose it.
    Guessed,
    /// The same fact under a new name or type.
    Renamed,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Dropped => "dropped",
            Action::Moved => "moved",
            Action::Guessed => "guessed",
            Action::Renamed => "renamed",
        }
    }
}

/// One line of the migration report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportEntry {
    /// Where the fact was in the 1.x document (dotted, list indices as numbers).
    pub path: String,
    /// The 1.x value (JSON), `null` when 1.x did not state one.
    pub old: Value,
    pub action: Action,
    /// Where the fact lives in 2.0, if anywhere.
    pub where_in_2_0: Option<String>,
    pub note: String,
}

/// A migrated contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Migration {
    /// The new `pacto.yaml`.
    pub text: String,
    pub report: Vec<ReportEntry>,
    /// Choices a reader should check (an interface whose contract file is not recognised).
    pub warnings: Vec<String>,
}

/// Why a contract was not migrated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MigrateError {
    #[error("pacto.yaml is not readable YAML: {0}")]
    Unreadable(String),
    #[error("pacto.yaml is not a 1.x contract: {0}")]
    NotV1(String),
    #[error("interface {name:?} (interfaces[{index}]) cannot be expressed in Pacto 2.0: {reason}")]
    Inexpressible {
        name: String,
        index: usize,
        reason: String,
    },
    #[error("cannot edit {0}: {1}; rewrite it in block style and run pacto migrate again")]
    Edit(String, String),
}

struct Ctx {
    text: String,
    report: Vec<ReportEntry>,
    warnings: Vec<String>,
}

impl Ctx {
    fn note(
        &mut self,
        path: &str,
        old: Value,
        action: Action,
        place: Option<&str>,
        note: impl Into<String>,
    ) {
        self.report.push(ReportEntry {
            path: path.to_string(),
            old,
            action,
            where_in_2_0: place.map(str::to_string),
            note: note.into(),
        });
    }

    /// The JSON value at `path` in the current text.
    fn value(&self, path: &[&str]) -> Value {
        let Ok(tree) = tree_of(&self.text) else {
            return Value::Null;
        };
        let (n, used) = tree.walk(path);
        if used == path.len() {
            n.to_json()
        } else {
            Value::Null
        }
    }

    fn drop_entry(
        &mut self,
        path: &[&str],
        place: Option<&str>,
        note: &str,
    ) -> Result<(), MigrateError> {
        let old = self.value(path);
        let (t, comments) = remove_entry(&self.text, path)?;
        self.text = t;
        let mut note = note.to_string();
        if !comments.is_empty() {
            note.push_str(&format!(
                " (its comment went with it: {})",
                comments.join(" / ")
            ));
        }
        self.note(&path.join("."), old, Action::Dropped, place, note);
        Ok(())
    }
}

/// Choices the caller may make.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Drop an `http` interface that has no contract file (2.0 cannot express it) with a
    /// warning naming it, instead of refusing the contract. Health and metrics bound to it
    /// become capabilities without a binding.
    pub drop_uncontracted_http: bool,
}

/// Migrate the 1.x `pacto.yaml` `text` of a bundle; interface contract files are read from
/// `bundle` to judge their kind. Refuses an `http` interface without a contract file.
pub fn migrate(text: &str, bundle: &dyn Bundle) -> Result<Migration, MigrateError> {
    migrate_with(text, bundle, Options::default())
}

/// [`migrate`] with [`Options`].
pub fn migrate_with(
    text: &str,
    bundle: &dyn Bundle,
    options: Options,
) -> Result<Migration, MigrateError> {
    // A file written with CRLF line ends throughout is migrated as LF and written back as
    // CRLF, so the lines added match the file's own.
    let lines = text.matches('\n').count();
    if lines > 0 && text.matches("\r\n").count() == lines {
        let mut m = migrate_lf(&text.replace("\r\n", "\n"), bundle, options)?;
        m.text = m.text.replace('\n', "\r\n");
        return Ok(m);
    }
    migrate_lf(text, bundle, options)
}

fn migrate_lf(
    text: &str,
    bundle: &dyn Bundle,
    options: Options,
) -> Result<Migration, MigrateError> {
    let parsed = parse(text, &Limits::default());
    if let Some(e) = parsed.errors.iter().find(|e| e.fatal) {
        return Err(MigrateError::Unreadable(e.message.clone()));
    }
    let Some(tree) = parsed.tree else {
        return Err(MigrateError::Unreadable("the document is empty".into()));
    };
    let root = tree.root();
    if !root.is_mapping() {
        return Err(MigrateError::NotV1("the document is not a mapping".into()));
    }
    let version = root
        .get("pactoVersion")
        .and_then(|n| n.as_str().map(str::to_string));
    match version.as_deref() {
        Some("1.0" | "1.1" | "1.2") => {}
        Some("2.0") => {
            return Err(MigrateError::NotV1(
                "it is already pactoVersion \"2.0\"".into(),
            ))
        }
        Some(v) => {
            return Err(MigrateError::NotV1(format!(
                "pactoVersion {v:?} is not \"1.0\", \"1.1\" or \"1.2\""
            )))
        }
        None => return Err(MigrateError::NotV1("it has no pactoVersion".into())),
    }
    let plan = Plan::read(root, bundle, options)?;
    // The input reads: a document that stops reading on the way is the migration's failure,
    // never reported as the user's unreadable file.
    edit(text, &plan, version).map_err(|e| match e {
        MigrateError::Unreadable(why) => MigrateError::Edit(
            "the contract".into(),
            format!("the migrated document would not read as YAML ({why}); this is a bug in pacto migrate, please report it with the file"),
        ),
        other => other,
    })
}

fn edit(text: &str, plan: &Plan, version: Option<String>) -> Result<Migration, MigrateError> {
    let mut cx = Ctx {
        text: text.to_string(),
        report: Vec::new(),
        warnings: plan.warnings.clone(),
    };
    // Bottom-up would keep offsets, but each step re-reads the text, so the order is free:
    // it follows the document's sections.
    let old_version = Value::String(version.unwrap_or_default());
    cx.text = set_scalar_styled(&cx.text, &["pactoVersion"], "2.0")?;
    cx.note(
        "pactoVersion",
        old_version,
        Action::Renamed,
        Some("pactoVersion"),
        "set to \"2.0\"",
    );
    service(&mut cx)?;
    interfaces(&mut cx, plan)?;
    singular(&mut cx, "configuration", "configurations")?;
    singular(&mut cx, "policy", "policies")?;
    configurations(&mut cx)?;
    policies(&mut cx)?;
    dependencies(&mut cx)?;
    runtime(&mut cx, &plan.dropped)?;
    if has(&cx.text, &["scaling"]) {
        cx.drop_entry(
            &["scaling"],
            None,
            "scaling has no place in 2.0: replicas are the deployment's business",
        )?;
    }
    readiness(&mut cx)?;
    bundle_paths(&mut cx)?;
    // The result must read back as YAML.
    tree_of(&cx.text)?;
    Ok(Migration {
        text: cx.text,
        report: cx.report,
        warnings: cx.warnings,
    })
}

/// 2.0 reads a bundle file's path from the bundle root, as Go's `fs.FS` does: `./x` is not a
/// valid path there (`FILE_NOT_FOUND`), though 1.x accepted it. The leading `./` of an interface
/// `ref` and of a configuration or policy `schema` is dropped (the quoting is kept).
fn bundle_paths(cx: &mut Ctx) -> Result<(), MigrateError> {
    for (list, key) in [
        ("interfaces", "ref"),
        ("configurations", "schema"),
        ("policies", "schema"),
    ] {
        for i in 0..len_at(&cx.text, &[list]) {
            let index = i.to_string();
            let path = [list, index.as_str(), key];
            let Value::String(old) = cx.value(&path) else {
                continue;
            };
            let mut new = old.as_str();
            while let Some(rest) = new.strip_prefix("./") {
                new = rest;
            }
            if new == old || new.is_empty() {
                continue;
            }
            let new = new.to_string();
            cx.text = set_scalar_styled(&cx.text, &path, &new)?;
            cx.note(
                &format!("{list}.{i}.{key}"),
                Value::String(old.clone()),
                Action::Renamed,
                Some(&format!("{list}.{i}.{key}")),
                format!(
                    "{old:?} is written {new:?}: 2.0 reads bundle paths from the bundle root, without a leading ./"
                ),
            );
        }
    }
    Ok(())
}

fn has(text: &str, path: &[&str]) -> bool {
    tree_of(text).is_ok_and(|t| t.walk(path).1 == path.len())
}

fn len_at(text: &str, path: &[&str]) -> usize {
    tree_of(text).map_or(0, |t| {
        let (n, used) = t.walk(path);
        if used == path.len() {
            n.items().count()
        } else {
            0
        }
    })
}

/// What the 1.x document says, read once before editing: interface kinds need the bundle.
struct Plan {
    /// Per interface: the 2.0 type, or None to keep the written one.
    kinds: Vec<Option<&'static str>>,
    /// Interfaces dropped (by index, with their name) under [`Options::drop_uncontracted_http`].
    dropped: Vec<(usize, String)>,
    warnings: Vec<String>,
}

/// What a contract file is, by its content.
fn judge(bytes: &[u8], path: &str) -> Option<&'static str> {
    let text = String::from_utf8_lossy(bytes);
    if path.ends_with(".proto") || text.contains("syntax = \"proto") {
        return Some("grpc");
    }
    let parsed = parse(&text, &Limits::default());
    let tree = parsed.tree?;
    let root = tree.root();
    if root.get("openapi").is_some() || root.get("swagger").is_some() {
        Some("openapi")
    } else if root.get("asyncapi").is_some() {
        Some("asyncapi")
    } else {
        None
    }
}

impl Plan {
    fn read(
        root: NodeRef<'_>,
        bundle: &dyn Bundle,
        options: Options,
    ) -> Result<Plan, MigrateError> {
        let mut kinds = Vec::new();
        let mut warnings = Vec::new();
        let mut dropped = Vec::new();
        let Some(list) = root.get("interfaces") else {
            return Ok(Plan {
                kinds,
                dropped,
                warnings,
            });
        };
        for (index, item) in list.items().enumerate() {
            let name = item
                .get("name")
                .and_then(|n| n.as_str())
                .unwrap_or("")
                .to_string();
            let ty = item.get("type").and_then(|n| n.as_str()).unwrap_or("");
            let contract = item.get("contract").and_then(|n| n.as_str());
            let refuse = |reason: String| MigrateError::Inexpressible {
                name: name.clone(),
                index,
                reason,
            };
            let Some(contract) = contract else {
                if ty == "http" && options.drop_uncontracted_http {
                    warnings.push(format!(
                        "interface {name:?} (interfaces[{index}]) was dropped: an http interface \
                         without a contract file cannot be expressed in 2.0 (it needs a `ref` to \
                         an OpenAPI document); its port belongs in the operator's interfaceBindings"
                    ));
                    dropped.push((index, name.clone()));
                    kinds.push(None);
                    continue;
                }
                if ty == "http" {
                    return Err(refuse(
                        "an http interface without a contract file: 2.0 needs a `ref` to its \
                         OpenAPI document; add `contract: <path to openapi>` to the 1.x contract \
                         (or remove the interface) and run pacto migrate again"
                            .into(),
                    ));
                }
                return Err(refuse(format!(
                    "a {ty} interface without a contract file: 2.0 needs a `ref`"
                )));
            };
            let rel = contract.trim_start_matches("./");
            let judged = match bundle.read(rel) {
                Ok(bytes) => judge(&bytes, rel),
                Err(e) if ty == "http" => {
                    return Err(refuse(format!(
                        "its contract file cannot be read, so its kind (OpenAPI or AsyncAPI) \
                         cannot be judged: {e}"
                    )))
                }
                Err(_) => None,
            };
            let kind = match (ty, judged) {
                ("http", Some(k @ ("openapi" | "asyncapi"))) => Some(k),
                ("http", Some(other)) => {
                    warnings.push(format!(
                        "interface {name:?}: type http with a {other} contract file \
                         ({contract}); written as type openapi, check the file"
                    ));
                    Some("openapi")
                }
                ("http", None) => {
                    warnings.push(format!(
                        "interface {name:?}: the contract file {contract} is neither OpenAPI nor \
                         AsyncAPI; written as type openapi (the 1.x type http), check the file"
                    ));
                    Some("openapi")
                }
                ("event", k) => {
                    if k != Some("asyncapi") {
                        warnings.push(format!(
                            "interface {name:?}: type event, but the contract file {contract} is \
                             not an AsyncAPI document; written as type asyncapi (2.0's only \
                             event type), check the file"
                        ));
                    }
                    Some("asyncapi")
                }
                _ => None,
            };
            kinds.push(kind);
        }
        Ok(Plan {
            kinds,
            dropped,
            warnings,
        })
    }
}

fn service(cx: &mut Ctx) -> Result<(), MigrateError> {
    for (key, note) in [
        (
            "image",
            "the container image is the deployment's business in 2.0",
        ),
        (
            "chart",
            "the Helm chart is the deployment's business in 2.0",
        ),
    ] {
        if has(&cx.text, &["service", key]) {
            cx.drop_entry(&["service", key], None, note)?;
        }
    }
    let tree = tree_of(&cx.text)?;
    let Ok((k, v)) = entry(&tree, &["service", "owner"]) else {
        return Ok(());
    };
    let Some(owner) = v.as_str().map(str::to_string) else {
        return Ok(());
    };
    let raw = written(&cx.text, v);
    let col = text::column(&cx.text, k.span().start as usize) + 2;
    let pad = " ".repeat(col);
    let team_like = owner
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-'));
    let (block, place, note) = if team_like && !owner.is_empty() {
        (
            format!("\n{pad}team: {raw}"),
            "service.owner.team",
            "a string owner became the owner's team",
        )
    } else {
        let ty = if owner.contains('@') && !owner.contains(' ') {
            "email"
        } else {
            "other"
        };
        (
            format!("\n{pad}contacts:\n{pad}  - type: {ty}\n{pad}    value: {raw}"),
            "service.owner.contacts[0]",
            "a string owner that is not a team name became the owner's only contact",
        )
    };
    let key_end = k.span().end as usize;
    let colon = cx.text[key_end..]
        .find(':')
        .map_or(key_end, |i| key_end + i + 1);
    let vend = v.span().end as usize;
    cx.text = splice(&cx.text, colon, vend, &block);
    cx.note(
        "service.owner",
        Value::String(owner),
        Action::Guessed,
        Some(place),
        note,
    );
    Ok(())
}

fn interfaces(cx: &mut Ctx, plan: &Plan) -> Result<(), MigrateError> {
    for (i, kind) in plan.kinds.iter().enumerate() {
        let idx = i.to_string();
        let base = ["interfaces", idx.as_str()];
        let path = |k: &'static str| [base[0], base[1], k];
        if plan.dropped.iter().any(|(d, _)| *d == i) {
            continue;
        }
        // The index in 2.0, after the dropped interfaces before it.
        let j = i - plan.dropped.iter().filter(|(d, _)| *d < i).count();
        let name = cx.value(&[base[0], base[1], "name"]);
        if let Some(kind) = kind {
            let old = cx.value(&path("type"));
            cx.text = set_scalar_styled(&cx.text, &path("type"), kind)?;
            cx.note(
                &format!("interfaces.{i}.type"),
                old,
                Action::Renamed,
                Some(&format!("interfaces.{j}.type")),
                format!("interface {name}: type {kind}, judged by its contract file"),
            );
        }
        if has(&cx.text, &path("contract")) {
            let old = cx.value(&path("contract"));
            cx.text = rename_key(&cx.text, &path("contract"), "ref")?;
            cx.note(
                &format!("interfaces.{i}.contract"),
                old,
                Action::Renamed,
                Some(&format!("interfaces.{j}.ref")),
                "contract is called ref in 2.0",
            );
        }
        if has(&cx.text, &path("port")) {
            cx.drop_entry(
                &path("port"),
                Some("the operator's interfaceBindings"),
                "ports are bound by the operator in 2.0, not declared in the contract",
            )?;
        }
    }
    for (i, name) in plan.dropped.iter().rev() {
        let old = cx.value(&["interfaces", &i.to_string()]);
        let (t, comments) = text::remove_item_comments(&cx.text, &["interfaces"], *i)?;
        cx.text = t;
        let gone = if comments.is_empty() {
            String::new()
        } else {
            format!(" (its comment went with it: {})", comments.join(" / "))
        };
        cx.text = crate::edit::remove_item(&cx.text, &["interfaces"], *i)
            .map_err(|e| MigrateError::Edit(format!("interfaces[{i}]"), e.to_string()))?;
        cx.note(
            &format!("interfaces.{i}"),
            old,
            Action::Dropped,
            Some("the operator's interfaceBindings (its port)"),
            format!(
                "interface {name:?}: an http interface without a contract file has no place in \
                 2.0 (dropped as asked){gone}"
            ),
        );
    }
    Ok(())
}

/// `configuration:`/`policy:` (one mapping) → a one-item list named `default`.
fn singular(cx: &mut Ctx, one: &str, many: &str) -> Result<(), MigrateError> {
    if !has(&cx.text, &[one]) {
        return Ok(());
    }
    let old = cx.value(&[one]);
    let flow = tree_of(&cx.text).ok().and_then(|t| {
        let (n, _) = t.walk(&[one]);
        cx.text.as_bytes().get(n.span().start as usize).copied()
    }) == Some(b'{');
    if !old.is_object() || flow {
        return Err(MigrateError::Edit(
            one.into(),
            "is not a block mapping".into(),
        ));
    }
    if has(&cx.text, &[many]) {
        // Both forms: the singular joins the list.
        let tree = tree_of(&cx.text)?;
        let (_, key_line, end) = entry_lines(&cx.text, &tree, &[one], false)?;
        let (k, v) = entry(&tree, &[one])?;
        let _ = k;
        let body_start = text::line_start(&cx.text, first_key_start(v));
        let body = cx.text[body_start..end].to_string();
        let col = text::column(&cx.text, first_key_start(v));
        let item = format!("name: default\n{}", reindent(&body, col, 0));
        let (t, _) = remove_entry(&cx.text, &[one])?;
        let _ = key_line;
        cx.text = crate::edit::append_item(&t, &[many], &item)
            .map_err(|e| MigrateError::Edit(many.into(), e.to_string()))?;
    } else {
        let tree = tree_of(&cx.text)?;
        let (k, v) = entry(&tree, &[one])?;
        let key_start = k.span().start as usize;
        let (_, _, end) = entry_lines(&cx.text, &tree, &[one], false)?;
        let vstart = first_key_start(v);
        let col = text::column(&cx.text, vstart);
        let body_start = text::line_start(&cx.text, vstart);
        let head_end = body_start; // the key line (with any comment) stays, renamed
        let body = cx.text[body_start..end].to_string();
        let kcol = text::column(&cx.text, key_start);
        let item_col = kcol + 2;
        let new_body = format!(
            "{}- name: default\n{}",
            " ".repeat(item_col),
            reindent(&body, col, item_col + 2)
        );
        cx.text = splice(&cx.text, head_end, end, &new_body);
        cx.text = rename_key(&cx.text, &[one], many)?;
    }
    cx.note(
        one,
        old,
        Action::Moved,
        Some(&format!("{many}[] (named default)")),
        format!("the singular {one} became a one-item {many} list, its item named \"default\""),
    );
    Ok(())
}

fn first_key_start(v: NodeRef<'_>) -> usize {
    v.entries()
        .next()
        .map_or(v.span().start as usize, |(k, _)| k.span().start as usize)
}

fn configurations(cx: &mut Ctx) -> Result<(), MigrateError> {
    for i in 0..len_at(&cx.text, &["configurations"]) {
        let idx = i.to_string();
        let item = ["configurations", idx.as_str()];
        if !has(&cx.text, &["configurations", &idx, "required"]) {
            let name = cx.value(&["configurations", &idx, "name"]);
            cx.text = append_key(&cx.text, &item, "required: true")?;
            cx.note(
                &format!("configurations.{i}.required"),
                Value::Null,
                Action::Guessed,
                Some(&format!("configurations.{i}.required")),
                format!(
                    "configuration {name}: required: true (a 1.x configuration always applied; \
                     set false if the service runs without it)"
                ),
            );
        }
    }
    Ok(())
}

/// Go Pacto's loader's name for an unnamed dependency (`deriveNameFromRef` in
/// `pkg/contract/migrate.go`): cut at the last `@`, then at the last `:`, then keep what follows
/// the last `/`; `default` when nothing is left. The same name Go 1.x gave it, so graphs and
/// diffs keep their keys. (For an untagged `oci://host/repo` the last `:` is the scheme's, and Go
/// names it `oci`: kept, with a warning.)
fn go_name_from_ref(reference: &str) -> String {
    let mut name = reference;
    if let Some(i) = name.rfind('@') {
        name = &name[..i];
    }
    if let Some(i) = name.rfind(':') {
        name = &name[..i];
    }
    if let Some(i) = name.rfind('/') {
        name = &name[i + 1..];
    }
    if name.is_empty() {
        "default".to_string()
    } else {
        name.to_string()
    }
}

/// The last segment of a reference's repository path: scheme, digest and tag cut.
fn repository_name(reference: &str) -> String {
    let mut name = reference
        .split_once("://")
        .map_or(reference, |(_, rest)| rest);
    if let Some(i) = name.rfind('@') {
        name = &name[..i];
    }
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    if let Some(i) = name[slash..].rfind(':') {
        name = &name[..slash + i];
    }
    match name.rsplit('/').next() {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => "default".to_string(),
    }
}

fn name_unnamed(cx: &mut Ctx, list: &str, what: &str) -> Result<(), MigrateError> {
    let mut taken: Vec<String> = Vec::new();
    let n = len_at(&cx.text, &[list]);
    for i in 0..n {
        if let Value::String(s) = cx.value(&[list, &i.to_string(), "name"]) {
            taken.push(s);
        }
    }
    for i in 0..n {
        let idx = i.to_string();
        if has(&cx.text, &[list, &idx, "name"]) {
            continue;
        }
        // As Go's loader: a dependency is named after its ref, a policy `default`.
        let r = cx.value(&[list, &idx, "ref"]);
        let base = match (list, r.as_str()) {
            ("dependencies", Some(r)) => go_name_from_ref(r),
            _ => "default".to_string(),
        };
        // Go's loader cuts at the last `:`, which for an untagged `oci://host/repo` is the
        // scheme's: every such dependency would be named "oci" (then oci-2, oci-3...). In 2.0
        // the name is what people read and what diffs key by, so the repository's last
        // segment is used instead, and the report says so.
        let go_base = base.clone();
        let base = match (list, r.as_str()) {
            ("dependencies", Some(r)) if base == "oci" => repository_name(r),
            _ => base,
        };
        let mut name = base.clone();
        let mut k = 2;
        while taken.contains(&name) {
            name = format!("{base}-{k}");
            k += 1;
        }
        taken.push(name.clone());
        cx.text = prepend_key(
            &cx.text,
            &[list, &idx],
            &format!("name: {}", crate::scaffold::yaml_scalar(&name)),
        )?;
        cx.note(
            &format!("{list}.{i}.name"),
            Value::Null,
            Action::Guessed,
            Some(&format!("{list}.{i}.name")),
            if base != go_base {
                format!(
                    "an unnamed {what} was named {name:?} after its repository (Go Pacto's loader \
                     would name an untagged oci:// reference {go_base:?})"
                )
            } else if name == base {
                format!("an unnamed {what} was named {name:?}, as Go Pacto's loader names it")
            } else {
                format!(
                    "an unnamed {what} was named {name:?}: Go Pacto's loader names it {base:?}, \
                     which another entry already has"
                )
            },
        );
    }
    Ok(())
}

fn policies(cx: &mut Ctx) -> Result<(), MigrateError> {
    name_unnamed(cx, "policies", "policy")
}

fn dependencies(cx: &mut Ctx) -> Result<(), MigrateError> {
    name_unnamed(cx, "dependencies", "dependency")?;
    for i in 0..len_at(&cx.text, &["dependencies"]) {
        let idx = i.to_string();
        if !has(&cx.text, &["dependencies", &idx, "required"]) {
            let name = cx.value(&["dependencies", &idx, "name"]);
            cx.text = append_key(&cx.text, &["dependencies", &idx], "required: false")?;
            cx.note(
                &format!("dependencies.{i}.required"),
                Value::Null,
                Action::Guessed,
                Some(&format!("dependencies.{i}.required")),
                format!(
                    "dependency {name}: required: false, 1.x's default, so the meaning is kept"
                ),
            );
        }
    }
    Ok(())
}

/// `runtime`: `workload` and `state` hoisted to the top level (with their comments),
/// `health`/`metrics` turned into `capabilities`, `lifecycle` dropped, `runtime` removed.
fn runtime(cx: &mut Ctx, dropped: &[(usize, String)]) -> Result<(), MigrateError> {
    if !has(&cx.text, &["runtime"]) {
        return Ok(());
    }
    let old = cx.value(&["runtime"]);
    let tree = tree_of(&cx.text)?;
    let (rk, rv) = entry(&tree, &["runtime"])?;
    if !rv.is_mapping() {
        return Err(MigrateError::Edit(
            "runtime".into(),
            "is not a mapping".into(),
        ));
    }
    let (_, key_line, end) = entry_lines(&cx.text, &tree, &["runtime"], false)?;
    let rcol = text::column(&cx.text, rk.span().start as usize);
    // A comment on the `runtime:` line itself is kept as a comment line.
    let key_line_text = &cx.text[key_line..text::after_line(&cx.text, key_line)];
    let mut out = String::new();
    if let Some(c) = key_line_text.find('#') {
        if key_line_text[..c].trim_end().ends_with(':') {
            out.push_str(&" ".repeat(rcol));
            out.push_str(key_line_text[c..].trim_end());
            out.push('\n');
        }
    }
    let mut moved = Vec::new();
    let mut others = Vec::new();
    for (k, _) in rv.entries() {
        let Some(key) = k.as_str() else { continue };
        match key {
            "workload" | "state" => {
                let (start, _, e) = entry_lines(&cx.text, &tree, &["runtime", key], true)?;
                let col = text::column(&cx.text, k.span().start as usize);
                out.push_str(&reindent(&cx.text[start..e], col, rcol));
                moved.push(key.to_string());
            }
            other => others.push(other.to_string()),
        }
    }
    for key in &moved {
        cx.note(
            &format!("runtime.{key}"),
            old.get(key).cloned().unwrap_or(Value::Null),
            Action::Moved,
            Some(key),
            format!("runtime.{key} is the top-level {key} in 2.0"),
        );
    }
    let mut caps = String::new();
    for key in ["health", "metrics"] {
        let Some(v) = old.get(key) else { continue };
        let mut iface = v.get("interface").and_then(Value::as_str);
        if let Some(name) = iface.filter(|n| dropped.iter().any(|(_, d)| d == n)) {
            cx.warnings.push(format!(
                "runtime.{key} was bound to the dropped interface {name:?}: the {key} \
                 capability is written without a binding"
            ));
            iface = None;
        }
        let path = v.get("path").and_then(Value::as_str);
        // The comments above `health:`/`metrics:` go above the capability.
        if let Ok((start, kl, _)) = entry_lines(&cx.text, &tree, &["runtime", key], true) {
            for line in cx.text[start..kl].lines() {
                caps.push_str(line.trim());
                caps.push('\n');
            }
        }
        caps.push_str(&format!("- type: {key}\n"));
        if let Some(iface) = iface {
            caps.push_str("  binding:\n    type: http\n");
            caps.push_str(&format!(
                "    interface: {}\n",
                crate::scaffold::yaml_scalar(iface)
            ));
            if let Some(p) = path {
                let p = if p.starts_with('/') {
                    p.to_string()
                } else {
                    cx.warnings.push(format!(
                        "runtime.{key}.path {p:?} does not start with '/': written as \"/{p}\""
                    ));
                    format!("/{p}")
                };
                caps.push_str(&format!("    path: {}\n", crate::scaffold::yaml_scalar(&p)));
            }
        }
        cx.note(
            &format!("runtime.{key}"),
            v.clone(),
            Action::Moved,
            Some(&format!("capabilities[type={key}].binding")),
            format!("runtime.{key} is a {key} capability bound over http in 2.0"),
        );
        if let Some(d) = v.get("initialDelaySeconds") {
            cx.note(
                &format!("runtime.{key}.initialDelaySeconds"),
                d.clone(),
                Action::Dropped,
                None,
                "a probe's initial delay has no place in 2.0",
            );
        }
    }
    if !caps.is_empty() {
        out.push_str(&" ".repeat(rcol));
        out.push_str("capabilities:\n");
        out.push_str(&reindent(&caps, 0, rcol + 2));
    }
    for key in others {
        if key == "health" || key == "metrics" {
            continue;
        }
        let (start, kl, _) = entry_lines(&cx.text, &tree, &["runtime", &key], true)?;
        let comments: Vec<String> = cx.text[start..kl]
            .lines()
            .map(|l| l.trim().to_string())
            .collect();
        let mut note = if key == "lifecycle" {
            "upgrade strategy and shutdown grace have no place in 2.0".to_string()
        } else {
            format!("runtime.{key} has no place in 2.0")
        };
        if !comments.is_empty() {
            note.push_str(&format!(
                " (its comment went with it: {})",
                comments.join(" / ")
            ));
        }
        cx.note(
            &format!("runtime.{key}"),
            old.get(&key).cloned().unwrap_or(Value::Null),
            Action::Dropped,
            None,
            note,
        );
    }
    cx.text = splice(&cx.text, key_line, end, &out);
    Ok(())
}

fn readiness(cx: &mut Ctx) -> Result<(), MigrateError> {
    if !has(&cx.text, &["readiness", "checks"]) {
        return Ok(());
    }
    for i in 0..len_at(&cx.text, &["readiness", "checks"]) {
        let idx = i.to_string();
        if has(&cx.text, &["readiness", "checks", &idx, "expires"]) {
            cx.drop_entry(
                &["readiness", "checks", &idx, "expires"],
                Some("readiness.expires"),
                "2.0 has no per-claim expiry: the assessment's readiness.expires applies",
            )?;
        }
    }
    let old = cx.value(&["readiness", "checks"]);
    cx.text = rename_key(&cx.text, &["readiness", "checks"], "claims")?;
    cx.note(
        "readiness.checks",
        Value::from(old.as_array().map_or(0, Vec::len)),
        Action::Renamed,
        Some("readiness.claims"),
        "readiness checks are called claims in 2.0",
    );
    Ok(())
}

/// What a migration changes in `pacto.yaml`, as a unified diff (`--- a/pacto.yaml` /
/// `+++ b/pacto.yaml`, 3 lines of context) of `old` (the 1.x text migrated) against the new
/// text; empty when they are equal.
pub fn unified_diff(old: &str, m: &Migration) -> String {
    crate::textdiff::unified(old, &m.text, "a/pacto.yaml", "b/pacto.yaml", 3)
}

/// The report as text, one line an entry, then the warnings.
pub fn render_report(m: &Migration) -> String {
    let mut out = String::new();
    for e in &m.report {
        let old = match &e.old {
            Value::Null => "-".to_string(),
            v => {
                let s = v.to_string();
                crate::syntax::excerpt::excerpt(&s)
            }
        };
        out.push_str(&format!("{:<8} {}  (was {old})", e.action.as_str(), e.path));
        match &e.where_in_2_0 {
            Some(w) => out.push_str(&format!(" -> {w}")),
            None => out.push_str(" -> nowhere in 2.0"),
        }
        out.push_str(&format!(": {}\n", e.note));
    }
    for w in &m.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out
}
