//! OpenAPI deep diff (spec §4.4): paths, methods, parameters, request bodies and responses of two
//! OpenAPI documents (2.0, 3.0 or 3.1; YAML or JSON, which the same YAML parser reads).
//!
//! Everything Go Pacto detects is detected with the same `path`, `oldValue`/`newValue` and `reason`
//! strings, classified by the rule table (`openapi.paths`, `openapi.methods`, `openapi.parameters`,
//! `openapi.request-body`, `openapi.responses`). Every change also carries an `explanation` and
//! `old_source`/`new_source`: the node in each file (path key, method key, parameter item as
//! written, `requestBody` key, media type key, response code key). When a node exists on one side
//! only, the other side's source is its nearest existing parent (the `paths` key, the path key,
//! the operation's `parameters` or `responses` key, the method key), so both files can be shown.
//!
//! # Beyond Go Pacto
//!
//! | Situation | Go Pacto | Here |
//! |---|---|---|
//! | A document does not parse, or has no `paths` | silently no changes | [`OpenApiDoc::parse`] returns an [`OpenApiError`] naming the file, line and column |
//! | Duplicate mapping keys | yaml.v3 refuses the file: no changes | a parse error |
//! | `responses` (or any operation mapping) with unquoted numeric keys (`200:`) | not a string-keyed map: no changes | keys are their text: `200` and `"200"` are the same code |
//! | A parameter `name` that YAML reads as a number | key `:in` | its text |
//! | `$ref` to `#/...` (parameters, request bodies, responses, schemas, path items, anything) | compared as the literal `$ref` mapping; a `$ref` parameter is skipped | followed (at most 32 hops, never twice through one node); a parameter is keyed by its resolved `name:in`; a change inside a referenced component is a change of every body, response or parameter using it, and the explanation names the component (`` `#/components/schemas/User`: `properties.email` added ``). Renaming a component is not a change. External or unresolvable references are compared by their text (an unresolvable `$ref` parameter is skipped, as in Go) |
//! | Recursive schemas | n/a (no resolution) | compared co-inductively, so the comparison terminates; below the YAML depth limit the comparison continues without recursion (a work list), past a work budget it compares source text |
//! | OpenAPI 3.1 `$ref` with sibling keys | n/a | siblings override the target's keys |
//! | Path-level `parameters` | ignored | merged into every operation of the path; the operation's own parameter wins on the same `name:in` |
//! | Parameter added, optional | POTENTIAL_BREAKING | POTENTIAL_BREAKING (kept: spec §4.10 case 2) |
//! | Parameter added, required (`required: true` or `in: path`) | POTENTIAL_BREAKING | **BREAKING** |
//! | Parameter modified, `required` false → true | POTENTIAL_BREAKING | **BREAKING** |
//! | Parameter modified, `schema.type` narrowed (an old type no longer accepted; `integer` counts as accepted by `number`; 3.0 `nullable: true` counts as type `null`; no `type` means any) | POTENTIAL_BREAKING | **BREAKING** |
//! | Parameter modified otherwise (including a widened type, `required` true → false) | POTENTIAL_BREAKING | POTENTIAL_BREAKING, explanation lists what changed |
//! | Request body added with `required: true` | POTENTIAL_BREAKING | **BREAKING** |
//! | Request body `required` false → true | POTENTIAL_BREAKING (`request-body` modified) | **BREAKING** (`request-body` modified) |
//! | Request body media type removed | `request-body` modified, POTENTIAL_BREAKING | `request-body.content[<media>]` removed, **BREAKING** (reason `<M> <p> request body media type <media> removed`) |
//! | Request body media type added | `request-body` modified, POTENTIAL_BREAKING | `request-body.content[<media>]` added, **NON_BREAKING** |
//! | Request body changed otherwise (schema, description, …) | `request-body` modified, POTENTIAL_BREAKING | same, explanation lists what changed (media type additions and removals alone no longer make it "modified") |
//! | Response modified | POTENTIAL_BREAKING | same, explanation lists what changed |
//! | OpenAPI 3.1 document without `paths` (webhooks only) | no changes | no path changes |
//!
//! Bounds: documents over [`MAX_DOCUMENT_BYTES`] are refused; the YAML parser's depth, node and
//! alias-expansion limits apply; comparisons never recurse deeper than the YAML depth limit.

mod compare;
mod resolve;
#[cfg(test)]
mod tests;

use super::{sort_changes, Change, ChangeType, Classification, Source};
use crate::syntax::{self, ColumnUnit, Limits, NodeRef, Resolved, Tree};
use compare::{compare, Memo, Outcome};
use resolve::{resolve, RefCache, View};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Largest OpenAPI document accepted, in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 32 * 1024 * 1024;

/// The keys of a path item that are operations (`M` is their uppercase form).
const METHODS: [&str; 8] = [
    "get", "post", "put", "delete", "patch", "options", "head", "trace",
];

/// Why a document cannot be diffed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenApiError {
    #[error("{file}: the document is {size} bytes, more than the {limit} bytes Pacto reads")]
    TooLarge {
        file: String,
        size: usize,
        limit: usize,
    },
    #[error("{file}: not valid YAML/JSON at line {line}, column {column}: {message}")]
    Syntax {
        file: String,
        /// 1-based.
        line: u32,
        /// 1-based, in characters.
        column: u32,
        message: String,
    },
    #[error("{file}: refused at line {line}, column {column}: {message}")]
    LimitExceeded {
        file: String,
        line: u32,
        column: u32,
        message: String,
    },
    #[error("{file}: not an OpenAPI document ({reason})")]
    NotOpenApi { file: String, reason: String },
}

impl OpenApiError {
    /// Whether the file parsed but is not an OpenAPI document (an AsyncAPI file, an empty file):
    /// callers that diff any interface contract skip it, as Go Pacto does.
    pub fn is_not_openapi(&self) -> bool {
        matches!(self, OpenApiError::NotOpenApi { .. })
    }

    /// The file the error is about.
    pub fn file(&self) -> &str {
        match self {
            OpenApiError::TooLarge { file, .. }
            | OpenApiError::Syntax { file, .. }
            | OpenApiError::LimitExceeded { file, .. }
            | OpenApiError::NotOpenApi { file, .. } => file,
        }
    }
}

/// A parsed OpenAPI document: its span-preserving tree, its text and its bundle-relative file name.
#[derive(Debug, Clone)]
pub struct OpenApiDoc {
    file: String,
    text: String,
    tree: Tree,
}

impl OpenApiDoc {
    /// Parse `text` (YAML or JSON). `file` is the bundle-relative path used in messages and sources.
    pub fn parse(file: &str, text: &str) -> Result<OpenApiDoc, OpenApiError> {
        if text.len() > MAX_DOCUMENT_BYTES {
            return Err(OpenApiError::TooLarge {
                file: file.to_string(),
                size: text.len(),
                limit: MAX_DOCUMENT_BYTES,
            });
        }
        let tree = match parse_spec(text) {
            Ok(Some(tree)) => tree,
            Ok(None) => return Err(not_openapi(file, "the document is empty")),
            Err(e) => {
                let file = file.to_string();
                let SpecSyntax {
                    line,
                    column,
                    message,
                    ..
                } = e;
                return Err(if e.limit {
                    OpenApiError::LimitExceeded {
                        file,
                        line,
                        column,
                        message,
                    }
                } else {
                    OpenApiError::Syntax {
                        file,
                        line,
                        column,
                        message,
                    }
                });
            }
        };
        let root = tree.root();
        if !root.is_mapping() {
            return Err(not_openapi(file, "the top level is not a mapping"));
        }
        match root.get("paths") {
            Some(p) if p.is_mapping() || p.is_null() => {}
            Some(_) => return Err(not_openapi(file, "`paths` is not a mapping")),
            None => {
                // OpenAPI 3.1 makes `paths` optional (a document may hold only webhooks or
                // components); earlier versions require it.
                let version = root.get("openapi").and_then(|v| v.as_str()).unwrap_or("");
                let optional = version.starts_with("3.") && !version.starts_with("3.0");
                if !optional {
                    return Err(not_openapi(file, "no `paths` mapping"));
                }
            }
        }
        Ok(OpenApiDoc {
            file: file.to_string(),
            text: text.to_string(),
            tree,
        })
    }

    /// The bundle-relative file name given to [`OpenApiDoc::parse`].
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The document's span-preserving tree (for the 2.0 differ, [`super::openapi_v2`]).
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// The `paths` key and its entries (path text, key node, path item).
    fn paths(&self) -> (Option<NodeRef<'_>>, Vec<(&str, NodeRef<'_>, NodeRef<'_>)>) {
        match self.tree.root().entry("paths") {
            Some((key, value)) => (Some(key), keyed_entries(value)),
            None => (None, Vec::new()),
        }
    }

    fn source(&self, node: Option<NodeRef<'_>>) -> Option<Source> {
        let span = node?.span();
        let line = self
            .tree
            .line_index()
            .line_col(span.start, ColumnUnit::Char)
            .line
            + 1;
        Some(Source {
            file: self.file.clone(),
            span,
            line,
        })
    }
}

/// Why a spec document did not parse: where, what, and whether a parse limit refused it.
pub(super) struct SpecSyntax {
    pub limit: bool,
    /// 1-based.
    pub line: u32,
    /// 1-based, in characters.
    pub column: u32,
    pub message: String,
}

/// Parse a spec document (OpenAPI, AsyncAPI; YAML or JSON) with the bounds every spec differ
/// uses (twice the node limits of a contract, at most [`MAX_DOCUMENT_BYTES`]): its tree, `None`
/// for an empty document, or where it fails. The caller checks the size first.
pub(super) fn parse_spec(text: &str) -> Result<Option<Tree>, SpecSyntax> {
    let defaults = Limits::default();
    let limits = Limits {
        max_bytes: MAX_DOCUMENT_BYTES,
        max_nodes: defaults.max_nodes * 2,
        max_expanded_nodes: defaults.max_expanded_nodes * 2,
        ..defaults
    };
    let parsed = syntax::parse(text, &limits);
    let first = parsed
        .errors
        .iter()
        .find(|e| e.fatal)
        .or_else(|| parsed.errors.first());
    if let Some(e) = first {
        if parsed.tree.is_none() && e.message.starts_with("the document is empty") {
            return Ok(None);
        }
        let at = parsed.line_index.line_col(e.span.start, ColumnUnit::Char);
        return Err(SpecSyntax {
            limit: e.code == "YAML_LIMIT_EXCEEDED",
            line: at.line + 1,
            column: at.col + 1,
            message: e
                .message
                .strip_prefix("invalid YAML: ")
                .unwrap_or(&e.message)
                .to_string(),
        });
    }
    Ok(parsed.tree)
}

fn not_openapi(file: &str, reason: &str) -> OpenApiError {
    OpenApiError::NotOpenApi {
        file: file.to_string(),
        reason: reason.to_string(),
    }
}

/// A mapping's entries keyed by their text (a numeric key such as an unquoted `200` is its text).
/// Keys that are not scalars are skipped; a later duplicate cannot occur (the parse refuses it).
fn keyed_entries(node: NodeRef<'_>) -> Vec<(&str, NodeRef<'_>, NodeRef<'_>)> {
    node.entries()
        .filter_map(|(k, v)| Some((k.as_scalar()?.text.as_str(), k, v)))
        .collect()
}

/// Compare two OpenAPI documents. The changes are sorted ([`sort_changes`]).
pub fn diff(old: &OpenApiDoc, new: &OpenApiDoc) -> Vec<Change> {
    if old.text == new.text {
        return Vec::new();
    }
    let _targets = RefCache::new(&[&old.tree, &new.tree]);
    let mut d = Differ {
        old,
        new,
        memo: Memo::default(),
        changes: Vec::new(),
    };
    d.paths();
    sort_changes(&mut d.changes);
    d.changes
}

/// One operation on one side.
struct Op<'t> {
    /// The path item (references followed).
    item: View<'t>,
    /// The method key.
    key: NodeRef<'t>,
    /// The operation (references followed).
    op: View<'t>,
}

impl<'t> Op<'t> {
    /// Where a missing parameter would go: the operation's `parameters` key, the path item's, or
    /// the method key.
    fn parameters_anchor(&self) -> NodeRef<'t> {
        self.op
            .get("parameters")
            .or_else(|| self.item.get("parameters"))
            .map_or(self.key, |(k, _)| k)
    }
}

/// One parameter of an operation, keyed by `name:in`.
struct Param<'t> {
    name: String,
    location: String,
    /// The list item as written (perhaps a `$ref`).
    written: NodeRef<'t>,
    view: View<'t>,
}

impl Param<'_> {
    fn label(&self, method: &str, path: &str) -> String {
        format!("{method} {path} {} param '{}'", self.location, self.name)
    }

    /// `required: true`, or a path parameter (which OpenAPI makes required).
    fn required(&self) -> bool {
        self.location == "path" || bool_at(&self.view, "required")
    }

    /// The accepted `schema.type`s; `None` when any type is accepted (no schema or no `type`).
    fn types(&self) -> Option<BTreeSet<String>> {
        let schema = resolve(self.view.value("schema")?);
        let ty = schema.value("type")?;
        let name = |n: NodeRef<'_>| {
            n.as_scalar().map(|s| {
                if s.resolved == Resolved::Null {
                    "null".to_string()
                } else {
                    s.text.clone()
                }
            })
        };
        let mut set: BTreeSet<String> = if ty.is_sequence() {
            ty.items().filter_map(name).collect()
        } else {
            name(ty).into_iter().collect()
        };
        if bool_at(&schema, "nullable") {
            set.insert("null".to_string());
        }
        Some(set)
    }
}

fn bool_at(view: &View<'_>, key: &str) -> bool {
    view.value(key).and_then(|v| v.as_bool()) == Some(true)
}

/// Parameters of an operation: the path item's, then the operation's (which win on the same
/// `name:in`); within one list a later duplicate wins, as in Go. Items that are not mappings,
/// unresolvable references and items with neither `name` nor `in` are skipped.
fn parameters<'t>(op: &Op<'t>) -> BTreeMap<String, Param<'t>> {
    let mut out = BTreeMap::new();
    for list in [op.item.value("parameters"), op.op.value("parameters")]
        .into_iter()
        .flatten()
    {
        for written in list.items() {
            let view = resolve(written);
            if !view.is_mapping() || view.broken_ref().is_some() {
                continue;
            }
            let text = |k: &str| {
                view.value(k)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string()
            };
            let (name, location) = (text("name"), text("in"));
            if name.is_empty() && location.is_empty() {
                continue;
            }
            out.insert(
                format!("{name}:{location}"),
                Param {
                    name,
                    location,
                    written,
                    view,
                },
            );
        }
    }
    out
}

/// `string`, `[string, null]`, or `any type`.
fn render_types(types: &Option<BTreeSet<String>>) -> String {
    match types {
        None => "any type".to_string(),
        Some(set) if set.len() == 1 => format!("`{}`", set.iter().next().map_or("", |s| s)),
        Some(set) => format!(
            "`[{}]`",
            set.iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Whether some type accepted by `old` is no longer accepted by `new`.
fn narrowed(old: &Option<BTreeSet<String>>, new: &Option<BTreeSet<String>>) -> bool {
    match (old, new) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(o), Some(n)) => o
            .iter()
            .any(|t| !(n.contains(t) || (t == "integer" && n.contains("number")))),
    }
}

/// An explanation: the specific findings, then the remaining differences, then `tail`.
fn explain(notes: &[String], outcome: &Outcome, covered: &[&[&str]], tail: &str) -> String {
    let others: Vec<String> = outcome
        .differences
        .iter()
        .filter(|d| !covered.iter().any(|c| d.is_at(c)))
        .map(|d| d.render())
        .collect();
    let mut s = String::new();
    if !notes.is_empty() {
        s.push_str(&notes.join("; "));
        s.push('.');
    }
    if !others.is_empty() {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(if notes.is_empty() {
            "Changed: "
        } else {
            "Also changed: "
        });
        s.push_str(&others.join("; "));
        if outcome.more {
            s.push_str("; and more");
        }
        s.push('.');
    }
    if s.is_empty() {
        s.push_str("The definition changed.");
    }
    if !tail.is_empty() {
        s.push(' ');
        s.push_str(tail);
    }
    s
}

struct Differ<'a> {
    old: &'a OpenApiDoc,
    new: &'a OpenApiDoc,
    /// Node-pair comparison results shared by every comparison of this diff.
    memo: Memo,
    changes: Vec<Change>,
}

impl<'a> Differ<'a> {
    fn push(&mut self, change: Change, old: Option<NodeRef<'_>>, new: Option<NodeRef<'_>>) {
        let sources = (self.old.source(old), self.new.source(new));
        self.changes.push(change.with_sources(sources.0, sources.1));
    }

    fn compare(&mut self, old: NodeRef<'_>, new: NodeRef<'_>, ignore: &[Vec<String>]) -> Outcome {
        compare(
            &mut self.memo,
            old,
            &self.old.text,
            new,
            &self.new.text,
            ignore,
        )
    }

    fn paths(&mut self) {
        let (old_anchor, old_paths) = self.old.paths();
        let (new_anchor, new_paths) = self.new.paths();
        let new_by_path: HashMap<&str, (NodeRef<'a>, NodeRef<'a>)> =
            new_paths.iter().map(|(p, k, v)| (*p, (*k, *v))).collect();
        let old_by_path: HashMap<&str, (NodeRef<'a>, NodeRef<'a>)> =
            old_paths.iter().map(|(p, k, v)| (*p, (*k, *v))).collect();
        for (p, key, item) in &old_paths {
            match new_by_path.get(p) {
                None => {
                    let change = Change::new(
                        "openapi.paths",
                        format!("openapi.paths[{p}]"),
                        ChangeType::Removed,
                        Some(Value::from(*p)),
                        None,
                        format!("API path {p} removed"),
                    )
                    .with_explanation(format!(
                        "Every operation under `{p}` is gone: clients calling it get an error."
                    ));
                    self.push(change, Some(*key), new_anchor);
                }
                Some((new_key, new_item)) => {
                    self.methods(p, (*key, resolve(*item)), (*new_key, resolve(*new_item)));
                }
            }
        }
        for (p, key, _) in &new_paths {
            if old_by_path.contains_key(p) {
                continue;
            }
            let change = Change::new(
                "openapi.paths",
                format!("openapi.paths[{p}]"),
                ChangeType::Added,
                None,
                Some(Value::from(*p)),
                format!("API path {p} added"),
            )
            .with_explanation("A new path: existing clients are unaffected.");
            self.push(change, old_anchor, Some(*key));
        }
    }

    fn methods(&mut self, p: &str, old: (NodeRef<'a>, View<'a>), new: (NodeRef<'a>, View<'a>)) {
        let ops = |item: &View<'a>| -> Vec<(&'a str, NodeRef<'a>, NodeRef<'a>)> {
            item.entries()
                .into_iter()
                .filter(|(k, _, _)| METHODS.contains(k))
                .collect()
        };
        let old_ops = ops(&old.1);
        let new_ops = ops(&new.1);
        for (method, key, value) in &old_ops {
            let m = method.to_uppercase();
            match new_ops.iter().find(|(n, _, _)| n == method) {
                None => {
                    let change = Change::new(
                        "openapi.methods",
                        format!("openapi.paths[{p}].methods[{m}]"),
                        ChangeType::Removed,
                        Some(Value::from(format!("{m} {p}"))),
                        None,
                        format!("{m} {p} method removed"),
                    )
                    .with_explanation(format!(
                        "The operation `{m} {p}` is gone: clients calling it get an error."
                    ));
                    self.push(change, Some(*key), Some(new.0));
                }
                Some((_, new_key, new_value)) => {
                    let old_op = Op {
                        item: old.1.clone(),
                        key: *key,
                        op: resolve(*value),
                    };
                    let new_op = Op {
                        item: new.1.clone(),
                        key: *new_key,
                        op: resolve(*new_value),
                    };
                    self.operation(p, &m, &old_op, &new_op);
                }
            }
        }
        for (method, key, _) in &new_ops {
            if old_ops.iter().any(|(o, _, _)| o == method) {
                continue;
            }
            let m = method.to_uppercase();
            let change = Change::new(
                "openapi.methods",
                format!("openapi.paths[{p}].methods[{m}]"),
                ChangeType::Added,
                None,
                Some(Value::from(format!("{m} {p}"))),
                format!("{m} {p} method added"),
            )
            .with_explanation("A new operation: existing clients are unaffected.");
            self.push(change, Some(old.0), Some(*key));
        }
    }

    fn operation(&mut self, p: &str, m: &str, old: &Op<'a>, new: &Op<'a>) {
        // Go compares operations only when at least one side is a mapping.
        if !old.op.is_mapping() && !new.op.is_mapping() {
            return;
        }
        self.parameters(p, m, old, new);
        self.request_body(p, m, old, new);
        self.responses(p, m, old, new);
    }

    fn parameters(&mut self, p: &str, m: &str, old: &Op<'a>, new: &Op<'a>) {
        let old_params = parameters(old);
        let new_params = parameters(new);
        for (key, param) in &old_params {
            let path = format!("openapi.paths[{p}].methods[{m}].parameters[{key}]");
            let label = param.label(m, p);
            let Some(new_param) = new_params.get(key) else {
                let change = Change::new(
                    "openapi.parameters",
                    path,
                    ChangeType::Removed,
                    Some(Value::from(label.clone())),
                    None,
                    format!("{label} removed"),
                )
                .with_explanation(format!(
                    "The operation no longer declares the {} parameter `{}`: clients that still \
                     send it may be rejected, or have it silently ignored.",
                    param.location, param.name
                ));
                self.push(change, Some(param.written), Some(new.parameters_anchor()));
                continue;
            };
            let outcome = self.compare(param.written, new_param.written, &[]);
            if outcome.equal {
                continue;
            }
            let mut notes = Vec::new();
            let mut covered: Vec<&[&str]> = Vec::new();
            let mut breaking = false;
            match (param.required(), new_param.required()) {
                (false, true) => {
                    notes.push(format!(
                        "`required` changed from false to true: requests that omit `{}` are now \
                         rejected",
                        param.name
                    ));
                    covered.push(&["required"]);
                    breaking = true;
                }
                (true, false) => {
                    notes.push(
                        "`required` changed from true to false: requests without it are now \
                         accepted too"
                            .to_string(),
                    );
                    covered.push(&["required"]);
                }
                _ => {}
            }
            let (old_types, new_types) = (param.types(), new_param.types());
            if old_types != new_types {
                covered.push(&["schema", "type"]);
                covered.push(&["schema", "nullable"]);
                if narrowed(&old_types, &new_types) {
                    notes.push(format!(
                        "`schema.type` changed from {} to {}: values existing clients send may \
                         no longer be accepted",
                        render_types(&old_types),
                        render_types(&new_types)
                    ));
                    breaking = true;
                } else {
                    notes.push(format!(
                        "`schema.type` widened from {} to {}",
                        render_types(&old_types),
                        render_types(&new_types)
                    ));
                }
            }
            let tail = if breaking {
                ""
            } else {
                "Whether existing clients break depends on how they use the parameter."
            };
            let mut change = Change::new(
                "openapi.parameters",
                path,
                ChangeType::Modified,
                Some(Value::from(label.clone())),
                Some(Value::from(new_param.label(m, p))),
                format!("{label} modified"),
            )
            .with_explanation(explain(&notes, &outcome, &covered, tail));
            if breaking {
                change = change.with_classification(Classification::Breaking);
            }
            self.push(change, Some(param.written), Some(new_param.written));
        }
        for (key, param) in &new_params {
            if old_params.contains_key(key) {
                continue;
            }
            let label = param.label(m, p);
            let (classification, explanation) = if param.required() {
                (
                    Classification::Breaking,
                    format!(
                        "A new required {} parameter: requests from existing clients, which do \
                         not send `{}`, are rejected.",
                        param.location, param.name
                    ),
                )
            } else {
                (
                    Classification::PotentialBreaking,
                    format!(
                        "A new optional {} parameter: existing requests stay valid, but the \
                         server may now behave differently when clients start sending it.",
                        param.location
                    ),
                )
            };
            let change = Change::new(
                "openapi.parameters",
                format!("openapi.paths[{p}].methods[{m}].parameters[{key}]"),
                ChangeType::Added,
                None,
                Some(Value::from(label.clone())),
                format!("{label} added"),
            )
            .with_classification(classification)
            .with_explanation(explanation);
            self.push(change, Some(old.parameters_anchor()), Some(param.written));
        }
    }

    fn request_body(&mut self, p: &str, m: &str, old: &Op<'a>, new: &Op<'a>) {
        let path = format!("openapi.paths[{p}].methods[{m}].request-body");
        let value = Value::from(format!("{m} {p}"));
        match (old.op.get("requestBody"), new.op.get("requestBody")) {
            (None, None) => {}
            (Some((key, _)), None) => {
                let change = Change::new(
                    "openapi.request-body",
                    path,
                    ChangeType::Removed,
                    Some(value),
                    None,
                    format!("{m} {p} request body removed"),
                )
                .with_explanation(
                    "The operation no longer declares a request body: clients that send one may \
                     be rejected, or have it ignored.",
                );
                self.push(change, Some(key), Some(new.key));
            }
            (None, Some((key, body))) => {
                let change = Change::new(
                    "openapi.request-body",
                    path,
                    ChangeType::Added,
                    None,
                    Some(value),
                    format!("{m} {p} request body added"),
                );
                let change = if bool_at(&resolve(body), "required") {
                    change
                        .with_classification(Classification::Breaking)
                        .with_explanation(
                            "A new required request body: existing clients, which send none, are \
                             rejected.",
                        )
                } else {
                    change.with_explanation(
                        "A new optional request body: existing requests stay valid if the server \
                         treats a missing body as before.",
                    )
                };
                self.push(change, Some(old.key), Some(key));
            }
            (Some((old_key, old_body)), Some((new_key, new_body))) => {
                self.body_modified(p, m, (old_key, old_body), (new_key, new_body), &path, value);
            }
        }
    }

    fn body_modified(
        &mut self,
        p: &str,
        m: &str,
        old: (NodeRef<'a>, NodeRef<'a>),
        new: (NodeRef<'a>, NodeRef<'a>),
        path: &str,
        value: Value,
    ) {
        let (old_view, new_view) = (resolve(old.1), resolve(new.1));
        let (old_content, new_content) = (old_view.get("content"), new_view.get("content"));
        let media = |c: Option<(NodeRef<'a>, NodeRef<'a>)>| -> Vec<(&'a str, NodeRef<'a>)> {
            c.map(|(_, v)| {
                resolve(v)
                    .entries()
                    .into_iter()
                    .map(|(t, k, _)| (t, k))
                    .collect()
            })
            .unwrap_or_default()
        };
        let (old_media, new_media) = (media(old_content), media(new_content));
        let mut ignore: Vec<Vec<String>> = Vec::new();
        if old_content.is_some() != new_content.is_some() {
            ignore.push(vec!["content".to_string()]);
        }
        for (name, key) in &old_media {
            if new_media.iter().any(|(n, _)| n == name) {
                continue;
            }
            ignore.push(vec!["content".to_string(), (*name).to_string()]);
            let change = Change::new(
                "openapi.request-body",
                format!("{path}.content[{name}]"),
                ChangeType::Removed,
                Some(Value::from(format!("{m} {p} {name}"))),
                None,
                format!("{m} {p} request body media type {name} removed"),
            )
            .with_classification(Classification::Breaking)
            .with_explanation(format!(
                "Clients sending `{name}` request bodies are rejected."
            ));
            let anchor = new_content.map_or(new.0, |(k, _)| k);
            self.push(change, Some(*key), Some(anchor));
        }
        for (name, key) in &new_media {
            if old_media.iter().any(|(n, _)| n == name) {
                continue;
            }
            ignore.push(vec!["content".to_string(), (*name).to_string()]);
            let change = Change::new(
                "openapi.request-body",
                format!("{path}.content[{name}]"),
                ChangeType::Added,
                None,
                Some(Value::from(format!("{m} {p} {name}"))),
                format!("{m} {p} request body media type {name} added"),
            )
            .with_classification(Classification::NonBreaking)
            .with_explanation(format!(
                "Clients may now also send `{name}`; existing requests are unaffected."
            ));
            let anchor = old_content.map_or(old.0, |(k, _)| k);
            self.push(change, Some(anchor), Some(*key));
        }
        let outcome = self.compare(old.1, new.1, &ignore);
        if outcome.equal {
            return;
        }
        let mut notes = Vec::new();
        let mut covered: Vec<&[&str]> = Vec::new();
        let mut breaking = false;
        match (
            bool_at(&old_view, "required"),
            bool_at(&new_view, "required"),
        ) {
            (false, true) => {
                notes.push(
                    "`required` changed from false to true: requests without a body are now \
                     rejected"
                        .to_string(),
                );
                covered.push(&["required"]);
                breaking = true;
            }
            (true, false) => {
                notes.push(
                    "`required` changed from true to false: requests without a body are now \
                     accepted too"
                        .to_string(),
                );
                covered.push(&["required"]);
            }
            _ => {}
        }
        let tail = if breaking {
            ""
        } else {
            "Whether existing clients break depends on the change."
        };
        let mut change = Change::new(
            "openapi.request-body",
            path,
            ChangeType::Modified,
            Some(value.clone()),
            Some(value),
            format!("{m} {p} request body modified"),
        )
        .with_explanation(explain(&notes, &outcome, &covered, tail));
        if breaking {
            change = change.with_classification(Classification::Breaking);
        }
        self.push(change, Some(old.0), Some(new.0));
    }

    fn responses(&mut self, p: &str, m: &str, old: &Op<'a>, new: &Op<'a>) {
        let codes = |op: &Op<'a>| -> (
            Option<NodeRef<'a>>,
            Vec<(&'a str, NodeRef<'a>, NodeRef<'a>)>,
        ) {
            match op.op.get("responses") {
                Some((key, value)) => (Some(key), resolve(value).entries()),
                None => (None, Vec::new()),
            }
        };
        let (old_anchor, old_codes) = codes(old);
        let (new_anchor, new_codes) = codes(new);
        for (code, key, value) in &old_codes {
            let path = format!("openapi.paths[{p}].methods[{m}].responses[{code}]");
            let label = Value::from(format!("{m} {p} {code}"));
            match new_codes.iter().find(|(c, _, _)| c == code) {
                None => {
                    let change = Change::new(
                        "openapi.responses",
                        path,
                        ChangeType::Removed,
                        Some(label),
                        None,
                        format!("{m} {p} response {code} removed"),
                    )
                    .with_explanation(format!(
                        "The operation no longer documents response `{code}`: clients that rely on \
                         it may break."
                    ));
                    self.push(change, Some(*key), Some(new_anchor.unwrap_or(new.key)));
                }
                Some((_, new_key, new_value)) => {
                    let outcome = self.compare(*value, *new_value, &[]);
                    if outcome.equal {
                        continue;
                    }
                    let change = Change::new(
                        "openapi.responses",
                        path,
                        ChangeType::Modified,
                        Some(label.clone()),
                        Some(label),
                        format!("{m} {p} response {code} modified"),
                    )
                    .with_explanation(explain(
                        &[],
                        &outcome,
                        &[],
                        "Whether existing clients break depends on how they read the response.",
                    ));
                    self.push(change, Some(*key), Some(*new_key));
                }
            }
        }
        for (code, key, _) in &new_codes {
            if old_codes.iter().any(|(c, _, _)| c == code) {
                continue;
            }
            let change = Change::new(
                "openapi.responses",
                format!("openapi.paths[{p}].methods[{m}].responses[{code}]"),
                ChangeType::Added,
                None,
                Some(Value::from(format!("{m} {p} {code}"))),
                format!("{m} {p} response {code} added"),
            )
            .with_explanation(format!(
                "A new response `{code}`: clients that do not expect it may need to handle it."
            ));
            self.push(change, Some(old_anchor.unwrap_or(old.key)), Some(*key));
        }
    }
}
