//! The OpenAPI diff of `pactoVersion: "2.0"` contracts: Go Pacto 3.3's rules
//! (`pkg/diff/openapi.go`), beside the 1.x differ ([`super::openapi`]), which keeps Go v1's.
//!
//! What Go 3.3 compares, and so what is compared here:
//!
//! - `paths`, read as a map: a path on one side only is `openapi.paths` removed (BREAKING) or
//!   added (NON_BREAKING). Unquoted keys are their text.
//! - Under a path, only the eight lowercase HTTP methods (`get`, `post`, `put`, `delete`, `patch`,
//!   `options`, `head`, `trace`) are operations; `summary`, `servers`, `x-…` and `GET` are not.
//!   A method on one side only is `openapi.methods` removed (BREAKING) or added (NON_BREAKING).
//! - The effective parameters of an operation: the path item's `parameters` overlaid by the
//!   operation's, keyed `name:in` (the operation's wins). Removed is BREAKING; added is
//!   POTENTIAL_BREAKING, BREAKING when `required: true`; modified is POTENTIAL_BREAKING,
//!   BREAKING when `required` goes from anything but `true` to `true`. A modified parameter's
//!   values are Go's `mapDelta` summaries (`required=false` / `required=true`). An entry with
//!   neither a string `name` nor a string `in` (a `$ref`) is skipped.
//! - `requestBody`: on one side only, added or removed (POTENTIAL_BREAKING); on both sides and
//!   different, deep-diffed ([`walk::diff`], [`Direction::Request`]).
//! - `responses`, by status code (`200:` unquoted reads as `200`): removed (BREAKING), added
//!   (NON_BREAKING), present on both sides and different, deep-diffed ([`Direction::Response`]).
//! - `$ref`s are not followed (Go does not resolve them): a `$ref` is compared as written.
//!
//! Paths, reasons, values and classifications are Go's; the changes come in Go's order. Every
//! change also carries the line of each side (the path key, the method key, the parameter entry,
//! the `requestBody` key, the status code key; for a node on one side only, the other side's
//! nearest existing parent) and a short explanation.
//!
//! A document Go's reader refuses (`paths`, or a path item, that is neither a mapping nor empty)
//! gives no changes, as in Go; a document that does not parse is refused earlier, by
//! [`OpenApiDoc::parse`].

use super::openapi::OpenApiDoc;
use super::walk::{self, At, Direction};
use super::{Change, ChangeType, Classification, Source};
use crate::syntax::{NodeKind, NodeRef, Resolved, Scalar, Style};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Go's `httpMethods`: the path item keys that are operations.
const HTTP_METHODS: [&str; 8] = [
    "get", "post", "put", "delete", "patch", "options", "head", "trace",
];

/// Compare two OpenAPI documents with Go Pacto 3.3's rules. The changes are in Go's order.
pub fn diff(old: &OpenApiDoc, new: &OpenApiDoc) -> Vec<Change> {
    let (Some(o), Some(n)) = (Spec::read(old), Spec::read(new)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (path, oi) in &o.paths {
        match n.paths.get(path) {
            None => out.push(
                Change::new_v2(
                    "openapi.paths",
                    format!("openapi.paths[{path}]"),
                    ChangeType::Removed,
                    Some(Value::String(path.clone())),
                    None,
                    format!("API path {path} removed"),
                )
                .with_explanation(
                    "Every operation under this path is gone: clients calling it get errors.",
                )
                .with_sources(Some(o.source(oi.key)), Some(n.paths_anchor())),
            ),
            Some(ni) => path_methods(&o, &n, path, oi, ni, &mut out),
        }
    }
    for (path, ni) in &n.paths {
        if !o.paths.contains_key(path) {
            out.push(
                Change::new_v2(
                    "openapi.paths",
                    format!("openapi.paths[{path}]"),
                    ChangeType::Added,
                    None,
                    Some(Value::String(path.clone())),
                    format!("API path {path} added"),
                )
                .with_explanation(
                    "A new path: existing clients do not call it, so nothing they do changes.",
                )
                .with_sources(Some(o.paths_anchor()), Some(n.source(ni.key))),
            );
        }
    }
    out
}

/// One side: its file and its `paths`, as Go's reader decodes them.
struct Spec<'t> {
    file: &'t str,
    /// The `paths` key, or the document when there is none (an OpenAPI 3.1 document may leave
    /// it out).
    paths_key: NodeRef<'t>,
    paths: BTreeMap<String, PathItem<'t>>,
}

/// One path item: its key and its entries by key text.
struct PathItem<'t> {
    key: NodeRef<'t>,
    entries: BTreeMap<String, (NodeRef<'t>, NodeRef<'t>)>,
}

impl<'t> PathItem<'t> {
    fn get(&self, key: &str) -> Option<(NodeRef<'t>, NodeRef<'t>)> {
        self.entries.get(key).copied()
    }
}

impl<'t> Spec<'t> {
    /// Go's `readOpenAPISpec`: `yaml.Unmarshal` into `struct{ Paths map[string]map[string]any }`.
    /// `None` where that decode fails (Go then reports no changes at all).
    fn read(doc: &'t OpenApiDoc) -> Option<Spec<'t>> {
        let root = doc.tree().root();
        let mut spec = Spec {
            file: doc.file(),
            paths_key: root,
            paths: BTreeMap::new(),
        };
        let Some((key, value)) = root.entry("paths") else {
            return Some(spec);
        };
        spec.paths_key = key;
        if value.is_null() {
            return Some(spec);
        }
        if !value.is_mapping() {
            return None;
        }
        for (k, v) in value.entries() {
            let Some(name) = typed_key(k)? else { continue };
            let entries = if v.is_null() {
                BTreeMap::new()
            } else if v.is_mapping() {
                let mut entries = BTreeMap::new();
                for (mk, mv) in v.entries() {
                    if let Some(name) = typed_key(mk)? {
                        entries.insert(name, (mk, mv));
                    }
                }
                entries
            } else {
                return None;
            };
            // A later key of the same text replaces an earlier one, as in a decoded Go map.
            spec.paths.insert(name, PathItem { key: k, entries });
        }
        Some(spec)
    }

    fn source(&self, node: NodeRef<'_>) -> Source {
        At::new(self.file, node).source()
    }

    /// Where a path missing on this side would be.
    fn paths_anchor(&self) -> Source {
        self.source(self.paths_key)
    }
}

/// A mapping key decoded into a Go `string`: yaml.v3 sets a string from any scalar's text and
/// skips the entry of a null key (`Some(None)`); a collection key fails the decode (`None`).
fn typed_key(k: NodeRef<'_>) -> Option<Option<String>> {
    let s = k.as_scalar()?;
    Some((s.resolved != Resolved::Null).then(|| s.text.clone()))
}

/// Go's `diffPathMethods`: the operations of one path present on both sides.
fn path_methods<'t>(
    o: &Spec<'t>,
    n: &Spec<'t>,
    path: &str,
    oi: &PathItem<'t>,
    ni: &PathItem<'t>,
    out: &mut Vec<Change>,
) {
    let shared = (oi.get("parameters"), ni.get("parameters"));
    for (method, (okey, oop)) in &oi.entries {
        if !HTTP_METHODS.contains(&method.as_str()) {
            continue;
        }
        let upper = method.to_ascii_uppercase();
        match ni.get(method) {
            None => out.push(
                Change::new_v2(
                    "openapi.methods",
                    format!("openapi.paths[{path}].methods[{upper}]"),
                    ChangeType::Removed,
                    Some(Value::String(format!("{upper} {path}"))),
                    None,
                    format!("{upper} {path} method removed"),
                )
                .with_explanation("Clients calling this operation can no longer call it.")
                .with_sources(Some(o.source(*okey)), Some(n.source(ni.key))),
            ),
            Some((nkey, nop)) => {
                let ops = Ops {
                    path,
                    method: &upper,
                    old: Op {
                        spec: o,
                        key: *okey,
                        op: go_map(*oop),
                        shared: shared.0,
                    },
                    new: Op {
                        spec: n,
                        key: nkey,
                        op: go_map(nop),
                        shared: shared.1,
                    },
                };
                ops.diff(out);
            }
        }
    }
    for (method, (nkey, _)) in &ni.entries {
        if !HTTP_METHODS.contains(&method.as_str()) || oi.entries.contains_key(method) {
            continue;
        }
        let upper = method.to_ascii_uppercase();
        out.push(
            Change::new_v2(
                "openapi.methods",
                format!("openapi.paths[{path}].methods[{upper}]"),
                ChangeType::Added,
                None,
                Some(Value::String(format!("{upper} {path}"))),
                format!("{upper} {path} method added"),
            )
            .with_explanation(
                "A new operation: existing clients do not call it, so nothing they do changes.",
            )
            .with_sources(Some(o.source(oi.key)), Some(n.source(*nkey))),
        );
    }
}

/// A mapping decoded as Go's `toStringMap` sees it: entries by key text.
type GoMap<'t> = BTreeMap<String, (NodeRef<'t>, NodeRef<'t>)>;

/// One side of an operation present on both sides.
struct Op<'s, 't> {
    spec: &'s Spec<'t>,
    /// The method key.
    key: NodeRef<'t>,
    /// The operation, when it is a mapping.
    op: Option<GoMap<'t>>,
    /// The path item's `parameters` entry.
    shared: Option<(NodeRef<'t>, NodeRef<'t>)>,
}

impl<'t> Op<'_, 't> {
    fn get(&self, key: &str) -> Option<(NodeRef<'t>, NodeRef<'t>)> {
        self.op.as_ref().and_then(|m| m.get(key).copied())
    }

    fn source(&self, node: NodeRef<'_>) -> Source {
        self.spec.source(node)
    }

    /// The effective parameters: the path item's, then the operation's; the last of one
    /// `name:in` wins (Go's `indexParams`).
    fn parameters(&self) -> BTreeMap<String, Param<'t>> {
        let mut out = BTreeMap::new();
        let lists = [self.shared, self.get("parameters")];
        for (_, list) in lists.into_iter().flatten() {
            // Go's `toSlice`: anything but a sequence is no parameters.
            for item in list.items() {
                let Some(map) = go_map(item) else { continue };
                let p = Param { item, map };
                let key = format!("{}:{}", p.name(), p.location());
                if key != ":" {
                    out.insert(key, p);
                }
            }
        }
        out
    }

    /// Where a parameter missing on this side would be: the operation's `parameters` key, the
    /// path item's, or the method key.
    fn parameters_anchor(&self) -> Source {
        let key = self
            .get("parameters")
            .or(self.shared)
            .map_or(self.key, |(k, _)| k);
        self.source(key)
    }

    /// Where a response missing on this side would be: the `responses` key or the method key.
    fn responses_anchor(&self) -> Source {
        self.source(self.get("responses").map_or(self.key, |(k, _)| k))
    }

    /// The operation's `responses`, by status code (Go's `toStringMap`).
    fn responses(&self) -> GoMap<'t> {
        self.get("responses")
            .and_then(|(_, v)| go_map(v))
            .unwrap_or_default()
    }
}

/// One parameter entry: the list item and its entries.
struct Param<'t> {
    item: NodeRef<'t>,
    map: GoMap<'t>,
}

impl Param<'_> {
    /// `param["name"].(string)`: the name when YAML reads it as a string, else empty.
    fn name(&self) -> &str {
        self.string("name")
    }

    fn location(&self) -> &str {
        self.string("in")
    }

    fn string(&self, key: &str) -> &str {
        self.map
            .get(key)
            .and_then(|(_, v)| v.as_string_typed())
            .unwrap_or("")
    }

    /// `param["required"].(bool)`: only a YAML `true`.
    fn required(&self) -> bool {
        self.map
            .get("required")
            .and_then(|(_, v)| v.as_bool())
            .unwrap_or(false)
    }

    /// Go's `paramLabel`: `query param 'filter'`.
    fn label(&self) -> String {
        format!("{} param '{}'", self.location(), self.name())
    }

    /// Go's `flattenMap`: nested string-keyed mappings as dotted keys, everything else as
    /// `fmt`'s `%v`.
    fn flat(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for (k, (_, v)) in &self.map {
            flatten(k, *v, &mut out);
        }
        out
    }
}

fn flatten(key: &str, v: NodeRef<'_>, out: &mut BTreeMap<String, String>) {
    if is_string_map(v) {
        for (k, (_, sub)) in go_map(v).unwrap_or_default() {
            flatten(&format!("{key}.{k}"), sub, out);
        }
    } else {
        out.insert(key.to_string(), go_v(v));
    }
}

/// Go's `mapDelta` with `name` and `in` skipped: `k=v` pairs that differ, sorted, joined by
/// `, `, for each side.
fn map_delta(old: &Param<'_>, new: &Param<'_>) -> (String, String) {
    let (of, nf) = (old.flat(), new.flat());
    let keys: BTreeSet<&String> = of.keys().chain(nf.keys()).collect();
    let (mut op, mut np) = (Vec::new(), Vec::new());
    for k in keys {
        if k == "name" || k == "in" {
            continue;
        }
        let (ov, nv) = (of.get(k), nf.get(k));
        if ov.is_some() && ov == nv {
            continue;
        }
        if let Some(v) = ov {
            op.push(format!("{k}={v}"));
        }
        if let Some(v) = nv {
            np.push(format!("{k}={v}"));
        }
    }
    (op.join(", "), np.join(", "))
}

/// Both sides of one operation.
struct Ops<'a, 's, 't> {
    path: &'a str,
    /// The uppercase method.
    method: &'a str,
    old: Op<'s, 't>,
    new: Op<'s, 't>,
}

impl Ops<'_, '_, '_> {
    /// Go's `diffOperation`.
    fn diff(&self, out: &mut Vec<Change>) {
        if self.old.op.is_none() && self.new.op.is_none() {
            return;
        }
        self.parameters(out);
        self.request_body(out);
        self.responses(out);
    }

    fn prefix(&self) -> String {
        format!("openapi.paths[{}].methods[{}]", self.path, self.method)
    }

    /// Go's `diffParameters` over the effective parameters.
    fn parameters(&self, out: &mut Vec<Change>) {
        let (Ops { path, method, .. }, prefix) = (self, self.prefix());
        let (op, np) = (self.old.parameters(), self.new.parameters());
        for (key, o) in &op {
            let at = format!("{prefix}.parameters[{key}]");
            let Some(n) = np.get(key) else {
                let what = format!("{method} {path} {}", o.label());
                out.push(
                    Change::new_v2(
                        "openapi.parameters",
                        at,
                        ChangeType::Removed,
                        Some(Value::String(what.clone())),
                        None,
                        format!("{what} removed"),
                    )
                    .with_explanation(
                        "Clients that send this parameter may now be rejected, or have it ignored.",
                    )
                    .with_sources(
                        Some(self.old.source(o.item)),
                        Some(self.new.parameters_anchor()),
                    ),
                );
                continue;
            };
            if walk::same(o.item, n.item) {
                continue;
            }
            let (os, ns) = map_delta(o, n);
            let made_required = !o.required() && n.required();
            let mut c = Change::new_v2(
                "openapi.parameters",
                at,
                ChangeType::Modified,
                Some(Value::String(os)),
                Some(Value::String(ns)),
                format!("{method} {path} {} modified", o.label()),
            )
            .with_sources(Some(self.old.source(o.item)), Some(self.new.source(n.item)));
            c = if made_required {
                c.with_classification(Classification::Breaking)
                    .with_explanation("The parameter is now required: existing clients that omit it will be rejected.")
            } else {
                c.with_explanation("The parameter's definition changed: check that existing clients still send acceptable values.")
            };
            out.push(c);
        }
        for (key, n) in &np {
            if op.contains_key(key) {
                continue;
            }
            let what = format!("{method} {path} {}", n.label());
            let mut c = Change::new_v2(
                "openapi.parameters",
                format!("{prefix}.parameters[{key}]"),
                ChangeType::Added,
                None,
                Some(Value::String(what.clone())),
                format!("{what} added"),
            )
            .with_sources(
                Some(self.old.parameters_anchor()),
                Some(self.new.source(n.item)),
            );
            c = if n.required() {
                c.with_classification(Classification::Breaking).with_explanation(
                    "A new required parameter: existing clients do not send it and will be rejected.",
                )
            } else {
                c.with_explanation(
                    "A new optional parameter: existing clients can omit it, but check what the operation does without it.",
                )
            };
            out.push(c);
        }
    }

    /// The request body: added or removed, or deep-diffed as data the caller sends.
    fn request_body(&self, out: &mut Vec<Change>) {
        let (Ops { path, method, .. }, at) = (self, format!("{}.request-body", self.prefix()));
        match (self.old.get("requestBody"), self.new.get("requestBody")) {
            (Some((ok, _)), None) => out.push(
                Change::new_v2(
                    "openapi.request-body",
                    at,
                    ChangeType::Removed,
                    Some(Value::String(format!("{method} {path}"))),
                    None,
                    format!("{method} {path} request body removed"),
                )
                .with_explanation("The operation no longer takes a request body: clients that still send one may be rejected.")
                .with_sources(Some(self.old.source(ok)), Some(self.new.source(self.new.key))),
            ),
            (None, Some((nk, _))) => out.push(
                Change::new_v2(
                    "openapi.request-body",
                    at,
                    ChangeType::Added,
                    None,
                    Some(Value::String(format!("{method} {path}"))),
                    format!("{method} {path} request body added"),
                )
                .with_explanation("The operation now takes a request body: existing clients send none, so check whether it is required.")
                .with_sources(Some(self.old.source(self.old.key)), Some(self.new.source(nk))),
            ),
            (Some((_, ov)), Some((_, nv))) => out.extend(deep(
                Direction::Request,
                &at,
                At::new(self.old.spec.file, ov),
                At::new(self.new.spec.file, nv),
            )),
            (None, None) => {}
        }
    }

    /// Go's `diffResponses`.
    fn responses(&self, out: &mut Vec<Change>) {
        let (Ops { path, method, .. }, prefix) = (self, self.prefix());
        let (or, nr) = (self.old.responses(), self.new.responses());
        for (code, (okey, ov)) in &or {
            let at = format!("{prefix}.responses[{code}]");
            match nr.get(code) {
                None => out.push(
                    Change::new_v2(
                        "openapi.responses",
                        at,
                        ChangeType::Removed,
                        Some(Value::String(format!("{method} {path} {code}"))),
                        None,
                        format!("{method} {path} response {code} removed"),
                    )
                    .with_explanation(
                        "Clients that handle this response will no longer get it as documented.",
                    )
                    .with_sources(
                        Some(self.old.source(*okey)),
                        Some(self.new.responses_anchor()),
                    ),
                ),
                Some((_, nv)) => out.extend(deep(
                    Direction::Response,
                    &at,
                    At::new(self.old.spec.file, *ov),
                    At::new(self.new.spec.file, *nv),
                )),
            }
        }
        for (code, (nkey, _)) in &nr {
            if or.contains_key(code) {
                continue;
            }
            out.push(
                Change::new_v2(
                    "openapi.responses",
                    format!("{prefix}.responses[{code}]"),
                    ChangeType::Added,
                    None,
                    Some(Value::String(format!("{method} {path} {code}"))),
                    format!("{method} {path} response {code} added"),
                )
                .with_explanation("A newly documented response: what existing clients already receive is unchanged.")
                .with_sources(Some(self.old.responses_anchor()), Some(self.new.source(*nkey))),
            );
        }
    }
}

/// Go's `diffJSON` of two values present on both sides ([`walk::diff`]). A YAML null is Go's
/// `nil`, which its JSON leaves out (`omitempty`), so a null side carries no value here either.
fn deep(dir: Direction, prefix: &str, old: At<'_>, new: At<'_>) -> Vec<Change> {
    let mut changes = walk::diff(dir, prefix, old, new);
    for c in &mut changes {
        for v in [&mut c.old_value, &mut c.new_value] {
            if v.as_ref().is_some_and(Value::is_null) {
                *v = None;
            }
        }
    }
    changes
}

/// Whether yaml.v3 decodes `n` into `map[string]any`: a mapping whose own keys are all strings
/// (or merge keys).
fn is_string_map(n: NodeRef<'_>) -> bool {
    let NodeKind::Mapping(entries) = n.kind() else {
        return false;
    };
    entries
        .iter()
        .all(|e| match n.tree().node(e.key).as_scalar() {
            Some(s) => s.resolved == Resolved::Str || is_merge(s),
            None => false,
        })
}

fn is_merge(s: &Scalar) -> bool {
    s.style == Style::Plain && s.text == "<<"
}

/// Go's `toStringMap` of a decoded value: a mapping's entries by key, a string-keyed mapping's
/// by their text, any other mapping's by `fmt.Sprint` of each key (`200:` is `200`, `~:` is
/// `<nil>`). `None` for anything but a mapping. Of two keys that print alike (`1:` and `1.0:`)
/// the first in document order is kept (Go keeps the first by its own value order).
fn go_map(n: NodeRef<'_>) -> Option<GoMap<'_>> {
    if !n.is_mapping() {
        return None;
    }
    let strings = is_string_map(n);
    let mut out = GoMap::new();
    for (k, v) in n.entries() {
        let key = match k.as_scalar() {
            Some(s) if strings => s.text.clone(),
            Some(s) => scalar_v(s),
            None => k.to_json().to_string(),
        };
        if strings {
            out.insert(key, (k, v));
        } else {
            out.entry(key).or_insert((k, v));
        }
    }
    Some(out)
}

/// `fmt.Sprintf("%v", v)` of the value yaml.v3 decodes `n` into: `<nil>`, `true`, `42`, `1.5`,
/// `1e+06`, `[a b]`, `map[k:v]`.
fn go_v(n: NodeRef<'_>) -> String {
    match n.kind() {
        NodeKind::Scalar(s) => scalar_v(s),
        NodeKind::Sequence(_) => {
            let items: Vec<String> = n.items().map(go_v).collect();
            format!("[{}]", items.join(" "))
        }
        NodeKind::Mapping(_) => {
            let parts: Vec<String> = go_map(n)
                .unwrap_or_default()
                .into_iter()
                .map(|(k, (_, v))| format!("{k}:{}", go_v(v)))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
        // `NodeRef`s come through `Tree::node`, which follows aliases.
        NodeKind::Alias(_) => "<nil>".to_string(),
    }
}

fn scalar_v(s: &Scalar) -> String {
    match s.resolved {
        Resolved::Null => "<nil>".to_string(),
        Resolved::Bool(b) => b.to_string(),
        Resolved::Int(i) => i.to_string(),
        Resolved::UInt(u) => u.to_string(),
        Resolved::Float(f) => go_float(f),
        Resolved::Str => s.text.clone(),
    }
}

/// Go's `%v` of a `float64` (`strconv.FormatFloat(f, 'g', -1, 64)`): the shortest digits that
/// read back the same, in exponent form when the decimal exponent is below -4 or at least 6
/// (`1e+06`, `123456`, `1e-05`, `0.0001`).
fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    // Rust's `{:e}` is the shortest round-trip form: `1.234e5`, `-1e-7`.
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if neg { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{frac}e{esign}{:02}", exp.abs());
    }
    // Plain decimal: the point sits after `exp + 1` digits.
    let point = exp + 1;
    let text = if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    };
    format!("{sign}{text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(file: &str, text: &str) -> OpenApiDoc {
        OpenApiDoc::parse(file, text).expect("parses")
    }

    fn run(old: &str, new: &str) -> Vec<Change> {
        diff(&doc("old.yaml", old), &doc("new.yaml", new))
    }

    #[test]
    fn go_float_matches_fmt_v() {
        for (f, want) in [
            (1.0, "1"),
            (1.5, "1.5"),
            (123456.0, "123456"),
            (1234567.0, "1.234567e+06"),
            (1e6, "1e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5e-7, "-2.5e-07"),
            (1e21, "1e+21"),
            (1e100, "1e+100"),
            (0.1, "0.1"),
            (-0.0, "-0"),
            (f64::INFINITY, "+Inf"),
            (f64::NAN, "NaN"),
        ] {
            assert_eq!(go_float(f), want, "{f}");
        }
    }

    #[test]
    fn map_delta_is_gos_summary() {
        let old = "paths:\n  /u:\n    get:\n      parameters:\n        - {name: f, in: query, required: false, schema: {type: string, maximum: 1000000.0}, x: [1, a], e: {}}\n";
        let new = "paths:\n  /u:\n    get:\n      parameters:\n        - {name: f, in: query, schema: {type: integer, maximum: 1e6}, x: [2, a], d: ~, e: {a: {b: c}}}\n";
        let c = run(old, new);
        assert_eq!(c.len(), 1);
        assert_eq!(
            c[0].old_value,
            Some(Value::String(
                "required=false, schema.type=string, x=[1 a]".into()
            ))
        );
        assert_eq!(
            c[0].new_value,
            Some(Value::String(
                "d=<nil>, e.a.b=c, schema.type=integer, x=[2 a]".into()
            ))
        );
        assert_eq!(c[0].classification, Classification::PotentialBreaking);
    }

    #[test]
    fn non_string_keys_print_like_go() {
        let old = "paths:\n  /u:\n    get:\n      parameters:\n        - {name: f, in: query, example: {200: ok, ~: n}}\n";
        let new = "paths:\n  /u:\n    get:\n      parameters:\n        - {name: f, in: query, example: {200: no, ~: n}}\n";
        let c = run(old, new);
        assert_eq!(
            c[0].old_value,
            Some(Value::String("example=map[200:ok <nil>:n]".into()))
        );
    }

    #[test]
    fn a_path_item_go_cannot_decode_gives_nothing() {
        let old = "paths:\n  /a: {get: {}}\n  /b: text\n";
        let new = "paths:\n  /c: {get: {}}\n";
        assert!(run(old, new).is_empty());
        assert!(run(new, old).is_empty());
    }

    #[test]
    fn a_document_without_paths_still_gives_both_lines() {
        let old = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n";
        let new = "openapi: 3.1.0\npaths:\n  /a: {}\n";
        let got = run(old, new);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].old_source.as_ref().map(|s| s.line), Some(1));
        assert_eq!(got[0].new_source.as_ref().map(|s| s.line), Some(3));
    }

    #[test]
    fn a_null_key_under_paths_or_a_path_is_skipped_as_yaml_v3_does() {
        let old = "paths:\n  ~: {get: {}}\n  /a:\n    ~: {}\n    get: {}\n";
        let new = "paths:\n  /a:\n    get: {}\n";
        assert!(run(old, new).is_empty());
    }

    #[test]
    fn a_null_operation_on_both_sides_hides_shared_parameters() {
        let old = "paths:\n  /a:\n    parameters: [{name: t, in: query}]\n    get:\n";
        let new = "paths:\n  /a:\n    get:\n";
        assert!(run(old, new).is_empty());
        let one = "paths:\n  /a:\n    get: {}\n";
        let got = run(old.replace("get:\n", "get: {}\n").as_str(), one);
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].path,
            "openapi.paths[/a].methods[GET].parameters[t:query]"
        );
    }

    #[test]
    fn identity_needs_a_string_name_or_in() {
        let old = "paths:\n  /a:\n    get:\n      parameters: [{$ref: '#/x'}, {name: 7, in: query}, {in: header, name: ''}]\n";
        let new = "paths:\n  /a:\n    get: {}\n";
        let got: Vec<String> = run(old, new).into_iter().map(|c| c.path).collect();
        assert_eq!(
            got,
            vec![
                "openapi.paths[/a].methods[GET].parameters[:header]",
                "openapi.paths[/a].methods[GET].parameters[:query]",
            ]
        );
    }

    #[test]
    fn required_must_be_a_yaml_bool() {
        let old = "paths:\n  /a:\n    get: {}\n";
        let new = "paths:\n  /a:\n    get:\n      parameters: [{name: q, in: query, required: 'true'}, {name: p, in: path}]\n";
        let got: Vec<Classification> = run(old, new)
            .into_iter()
            .map(|c| c.classification)
            .collect();
        assert_eq!(
            got,
            vec![
                Classification::PotentialBreaking,
                Classification::PotentialBreaking
            ]
        );
    }
}
