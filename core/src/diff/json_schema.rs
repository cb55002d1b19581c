//! Configuration JSON Schema diff (spec §4.5), plus the refinements a careful reviewer would make.
//!
//! Go Pacto compares only the **top-level** `properties` keys of the two schema files. That part is
//! reproduced exactly, including how Go's `encoding/json` reads the file into
//! `struct { Properties map[string]any "json:\"properties\"" }`: the key `properties` is matched
//! case-insensitively (`Properties`, `PROPERTIES`, even `propertieſ` with a long s), every matching
//! key is decoded in document order into the same map (entries merge, a later one wins, `null`
//! resets the map), and a `properties` value that is not an object or `null` makes the whole file
//! unreadable. A top-level `null` document is readable and has no properties.
//!
//! Everything else below is beyond Go. Each rule gives one change with an explicit
//! classification, a Go-style `reason` and a plain-words `explanation`:
//!
//! | Change | Path | Type | Classification | Why |
//! |---|---|---|---|---|
//! | property removed (Go) | `schema.properties[k]` | removed | BREAKING | values files that set it lose the setting or are rejected |
//! | optional property added (Go) | `schema.properties[k]` | added | NON_BREAKING | existing values files stay valid |
//! | **required** property added | `schema.properties[k]` | added | BREAKING | existing values files lack it |
//! | property became required | `schema.properties[k].required` | modified (`false`→`true`) | BREAKING | values files that omit it now fail |
//! | property no longer required | `schema.properties[k].required` | modified (`true`→`false`) | NON_BREAKING | every file valid before stays valid |
//! | type widened to a superset (`integer`→`[integer, string]`, `integer`→`number`, any `type` removed) | `schema.properties[k].type` | modified | NON_BREAKING | every value accepted before is still accepted |
//! | any other type change (narrowed, replaced, `type` added) | `schema.properties[k].type` | modified | BREAKING | values of a dropped type are rejected |
//! | enum narrowed (a value dropped, or an `enum` added) | `schema.properties[k].enum` | modified | BREAKING | a value allowed before is rejected |
//! | enum widened (values only added, or the `enum` removed) | `schema.properties[k].enum` | modified | NON_BREAKING | every value accepted before is still accepted |
//! | default added, removed or changed | `schema.properties[k].default` | added / removed / modified | POTENTIAL_BREAKING | deployments relying on the default behave differently |
//! | `additionalProperties` became `false` (from absent, `true` or a schema) | `schema.additionalProperties`, `schema.properties[k].additionalProperties` | modified | BREAKING | values files with unlisted keys are rejected |
//! | `additionalProperties` no longer `false` | same | modified | NON_BREAKING | the object accepts more than before |
//! | nested property removed / added / refined | `schema.properties[a].properties[b]…` | as above | as above | the same rules one level down |
//!
//! Details:
//! - Nested object properties are compared recursively (reasons name them `a.b`). Local `$ref`s
//!   (`#`, `#/$defs/…`, `#/definitions/…`, any JSON pointer into the same file) are followed; the
//!   referencing object's own keywords take precedence over the referenced ones. Reference chains
//!   stop at a cycle or after [`MAX_REF_HOPS`] hops; the recursion stops at a reference cycle
//!   (a pair of definitions already being compared higher up), at depth [`MAX_NESTING`], and after
//!   [`MAX_VISITS`] compared property pairs, so no schema can make the diff loop or explode.
//! - Root-level `required` and `additionalProperties` are read from the root object as written
//!   (a root `$ref` is not followed, matching Go's top-level reading).
//! - Types: `type` is a string or an array of strings; anything else counts as "no constraint"
//!   (`any`). `number` covers `integer`.
//! - Enums and defaults are compared by JSON value (`1` equals `1.0`, object key order ignored);
//!   reordering an enum is not a change.
//! - `additionalProperties` changes are reported only for properties that can be objects (no
//!   `type`, or a `type` that includes `object`).
//! - Each change carries `old_source`/`new_source`: the property key in each file (for the root
//!   `additionalProperties`, that key), found through the span-preserving syntax tree. When the
//!   tree cannot be built (a JSON file YAML cannot read, or one over the syntax limits) the change
//!   simply has no source.

use super::{sort_changes, Change, ChangeType, Classification, Source};
use crate::syntax::{self, ColumnUnit, Limits, NodeKind, NodeRef, Span, Tree};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Largest schema file read, in bytes.
pub const MAX_SCHEMA_BYTES: usize = 64 * 1024 * 1024;
/// Deepest nesting of object properties compared.
pub const MAX_NESTING: usize = 32;
/// Longest `$ref` chain followed from one schema.
pub const MAX_REF_HOPS: usize = 64;
/// Most nested property pairs compared in one diff (guards reference DAGs that fan out).
pub const MAX_VISITS: usize = 20_000;

/// Why a schema file could not be read. Go Pacto silently skips the property diff in all of these
/// cases; the CLI reports them instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    #[error("{file}: the schema is {size} bytes, more than the {limit} bytes Pacto reads")]
    TooLarge {
        file: String,
        size: usize,
        limit: usize,
    },
    #[error("{file}:{line}:{column}: not valid JSON: {message}")]
    Json {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: a JSON Schema must be a JSON object, found {found}")]
    NotAnObject { file: String, found: &'static str },
    #[error("{file}: `{key}` must be an object of property schemas, found {found}")]
    PropertiesNotAnObject {
        file: String,
        key: String,
        found: &'static str,
    },
}

/// One parsed configuration schema file.
#[derive(Debug, Clone)]
pub struct SchemaDoc {
    file: String,
    /// The whole document (an object, or `null`), duplicate keys resolved last-wins.
    root: Value,
    /// Go's view of the top-level properties: key → (definition, the spelling of the
    /// `properties` key it was last read from).
    top: BTreeMap<String, (Value, String)>,
    /// The span-preserving tree, for sources; `None` when it could not be built.
    tree: Option<Tree>,
}

impl SchemaDoc {
    /// Parse a schema file's text as JSON (Go reads it as JSON only; a YAML schema is an error).
    pub fn parse(file: &str, text: &str) -> Result<SchemaDoc, SchemaError> {
        if text.len() > MAX_SCHEMA_BYTES {
            return Err(SchemaError::TooLarge {
                file: file.to_string(),
                size: text.len(),
                limit: MAX_SCHEMA_BYTES,
            });
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let json_err = |e: serde_json::Error| SchemaError::Json {
            file: file.to_string(),
            line: e.line(),
            column: e.column(),
            message: strip_position(&e.to_string()),
        };
        let top_level = TopLevel::deserialize(&mut de).map_err(json_err)?;
        de.end().map_err(json_err)?;
        let (is_object, entries) = match top_level {
            TopLevel::Null => (false, Vec::new()),
            TopLevel::Object(entries) => (true, entries),
            TopLevel::Other(found) => {
                return Err(SchemaError::NotAnObject {
                    file: file.to_string(),
                    found,
                })
            }
        };
        // Go: every key matching `properties` case-insensitively decodes into the same map.
        let mut top: Option<BTreeMap<String, (Value, String)>> = None;
        for (key, value) in &entries {
            if !go_field_matches(key, "properties") {
                continue;
            }
            match value {
                Value::Null => top = None,
                Value::Object(props) => {
                    let map = top.get_or_insert_with(BTreeMap::new);
                    for (k, v) in props {
                        map.insert(k.clone(), (v.clone(), key.clone()));
                    }
                }
                other => {
                    return Err(SchemaError::PropertiesNotAnObject {
                        file: file.to_string(),
                        key: key.clone(),
                        found: json_type(other),
                    })
                }
            }
        }
        let root = if is_object {
            Value::Object(entries.into_iter().collect::<Map<String, Value>>())
        } else {
            Value::Null
        };
        let tree = syntax::parse(text, &Limits::default()).tree;
        Ok(SchemaDoc {
            file: file.to_string(),
            root,
            top: top.unwrap_or_default(),
            tree,
        })
    }

    /// The file name given to [`SchemaDoc::parse`].
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The top-level property names, as Go Pacto reads them, sorted.
    pub fn property_names(&self) -> impl Iterator<Item = &str> {
        self.top.keys().map(String::as_str)
    }

    fn source(&self, loc: &[String]) -> Option<Source> {
        let tree = self.tree.as_ref()?;
        let mut budget = 4096usize;
        let span = find_key_span(tree.root(), loc, &mut budget)?;
        let line = tree
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

/// serde_json appends " at line L column C" to its messages; the error carries them separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Whether a JSON object key selects the Go struct field tagged `field` (an ASCII lowercase
/// name): Go's `encoding/json` prefers an exact match and otherwise folds case, where the long s
/// `ſ` folds to `s`, the Kelvin sign to `k`, and dotted/dotless i to `i`.
pub(crate) fn go_field_matches(key: &str, field: &str) -> bool {
    fn fold(c: char) -> char {
        match c {
            'ſ' => 's',
            '\u{212A}' => 'k',
            'ı' | 'İ' => 'i',
            c => c.to_ascii_lowercase(),
        }
    }
    key == field || key.chars().map(fold).eq(field.chars())
}

/// The document's top level, entries kept in order with duplicates.
enum TopLevel {
    Null,
    Object(Vec<(String, Value)>),
    Other(&'static str),
}

impl<'de> Deserialize<'de> for TopLevel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TopLevel;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON document")
            }
            fn visit_unit<E: de::Error>(self) -> Result<TopLevel, E> {
                Ok(TopLevel::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<TopLevel, E> {
                Ok(TopLevel::Null)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<TopLevel, E> {
                Ok(TopLevel::Other("a boolean"))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<TopLevel, E> {
                Ok(TopLevel::Other("a number"))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<TopLevel, E> {
                Ok(TopLevel::Other("a number"))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<TopLevel, E> {
                Ok(TopLevel::Other("a number"))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<TopLevel, E> {
                Ok(TopLevel::Other("a string"))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TopLevel, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(TopLevel::Other("an array"))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopLevel, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value = map.next_value_seed(ValueSeed)?;
                    entries.push((key, value));
                }
                Ok(TopLevel::Object(entries))
            }
        }
        d.deserialize_any(V)
    }
}

/// Reads one value as a `serde_json::Value`.
struct ValueSeed;

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
}

/// Find the span of the key at the end of `loc` (JSON-pointer tokens). With duplicate keys the
/// last one that leads to the whole path wins, as JSON readers do.
fn find_key_span(node: NodeRef<'_>, loc: &[String], budget: &mut usize) -> Option<Span> {
    let (first, rest) = loc.split_first()?;
    if *budget == 0 {
        return None;
    }
    *budget -= 1;
    match node.kind() {
        NodeKind::Mapping(_) => {
            let matches: Vec<_> = node
                .entries()
                .filter(|(k, _)| k.as_scalar().is_some_and(|s| s.text == *first))
                .collect();
            for (k, v) in matches.into_iter().rev() {
                if rest.is_empty() {
                    return Some(k.span());
                }
                if let Some(span) = find_key_span(v, rest, budget) {
                    return Some(span);
                }
            }
            None
        }
        NodeKind::Sequence(_) => {
            let item = node.item(first.parse::<usize>().ok()?)?;
            if rest.is_empty() {
                Some(item.span())
            } else {
                find_key_span(item, rest, budget)
            }
        }
        _ => None,
    }
}

/// The tokens of a local JSON-pointer reference (`#`, `#/$defs/a`), or `None` for anything else.
fn local_ref_tokens(r: &str) -> Option<Vec<String>> {
    let pointer = r.strip_prefix('#')?;
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let pointer = pointer.strip_prefix('/')?;
    Some(
        pointer
            .split('/')
            .map(|t| percent_decode(t).replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(b) = hex {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn pointer<'a>(root: &'a Value, tokens: &[String]) -> Option<&'a Value> {
    let mut cur = root;
    for t in tokens {
        cur = match cur {
            Value::Object(m) => m.get(t)?,
            Value::Array(a) => a.get(t.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// One schema object on a `$ref` chain and where it sits.
struct Layer<'a> {
    obj: &'a Map<String, Value>,
    loc: Vec<String>,
}

/// A schema with its local `$ref` chain followed: the referencing object first.
struct View<'a> {
    layers: Vec<Layer<'a>>,
    /// Where the chain ended: identifies the definition for cycle detection.
    target: Vec<String>,
}

impl<'a> View<'a> {
    fn resolve(root: &'a Value, value: &'a Value, loc: Vec<String>) -> View<'a> {
        let mut layers = Vec::new();
        let mut seen = BTreeSet::new();
        seen.insert(loc.clone());
        let mut cur = value;
        let mut cur_loc = loc;
        for _ in 0..MAX_REF_HOPS {
            let Some(obj) = cur.as_object() else { break };
            layers.push(Layer {
                obj,
                loc: cur_loc.clone(),
            });
            let Some(tokens) = obj
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(local_ref_tokens)
            else {
                break;
            };
            if !seen.insert(tokens.clone()) {
                break;
            }
            let Some(target) = pointer(root, &tokens) else {
                break;
            };
            cur = target;
            cur_loc = tokens;
        }
        View {
            layers,
            target: cur_loc,
        }
    }

    /// The root object as written, without following a root `$ref`.
    fn literal(value: &'a Value) -> View<'a> {
        View {
            layers: value
                .as_object()
                .map(|obj| Layer {
                    obj,
                    loc: Vec::new(),
                })
                .into_iter()
                .collect(),
            target: Vec::new(),
        }
    }

    /// A keyword's value and the location of the object holding it.
    fn get(&self, keyword: &str) -> Option<(&'a Value, &[String])> {
        self.layers
            .iter()
            .find_map(|l| l.obj.get(keyword).map(|v| (v, l.loc.as_slice())))
    }

    fn value(&self, keyword: &str) -> Option<&'a Value> {
        self.get(keyword).map(|(v, _)| v)
    }

    fn required(&self) -> BTreeSet<&'a str> {
        match self.value("required") {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => BTreeSet::new(),
        }
    }

    /// The `type` constraint; `None` when absent or malformed (no constraint).
    fn types(&self) -> Option<Vec<&'a str>> {
        match self.value("type")? {
            Value::String(s) => Some(vec![s.as_str()]),
            Value::Array(items) => {
                let mut out: Vec<&str> = Vec::new();
                for item in items {
                    let s = item.as_str()?;
                    if !out.contains(&s) {
                        out.push(s);
                    }
                }
                Some(out)
            }
            _ => None,
        }
    }

    /// The `properties` map and the location of the object holding it.
    fn properties(&self) -> Option<(&'a Map<String, Value>, &[String])> {
        self.layers
            .iter()
            .find_map(|l| match l.obj.get("properties") {
                Some(Value::Object(m)) => Some((m, l.loc.as_slice())),
                _ => None,
            })
    }
}

/// `additionalProperties` as far as a values file cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Extra {
    /// Absent, `true` or anything unreadable: unlisted keys are accepted.
    Open,
    /// A schema: unlisted keys are accepted if they match it.
    Constrained,
    /// `false`: unlisted keys are rejected.
    Closed,
}

fn extra(v: Option<&Value>) -> Extra {
    match v {
        Some(Value::Bool(false)) => Extra::Closed,
        Some(Value::Object(m)) if !m.is_empty() => Extra::Constrained,
        _ => Extra::Open,
    }
}

/// A JSON value in a canonical text form: numbers compared by value, object keys sorted.
fn canon(v: &Value) -> String {
    match v {
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{}", f as i64),
            (_, _, Some(f)) => format!("{f:e}"),
            _ => n.to_string(),
        },
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(canon).collect();
            format!("[{}]", parts.join(","))
        }
        Value::Object(m) => {
            let mut parts: Vec<(String, String)> = m
                .iter()
                .map(|(k, v)| (Value::String(k.clone()).to_string(), canon(v)))
                .collect();
            parts.sort();
            let parts: Vec<String> = parts.into_iter().map(|(k, v)| format!("{k}:{v}")).collect();
            format!("{{{}}}", parts.join(","))
        }
        other => other.to_string(),
    }
}

/// A value for a reason or explanation: compact JSON, shortened past 60 characters.
fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        let head: String = s.chars().take(57).collect();
        format!("{head}...")
    } else {
        s
    }
}

fn show_types(t: &Option<Vec<&str>>) -> String {
    match t {
        None => "any".to_string(),
        Some(t) if t.len() == 1 => t[0].to_string(),
        Some(t) => format!("[{}]", t.join(", ")),
    }
}

fn show_values(values: &[&Value]) -> String {
    values
        .iter()
        .map(|v| show(v))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether every type in `old` is accepted by `new` (`number` covers `integer`).
fn widens(old: &Option<Vec<&str>>, new: &Option<Vec<&str>>) -> bool {
    match (old, new) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(old), Some(new)) => old
            .iter()
            .all(|t| new.contains(t) || (*t == "integer" && new.contains(&"number"))),
    }
}

fn same_types(old: &Option<Vec<&str>>, new: &Option<Vec<&str>>) -> bool {
    match (old, new) {
        (None, None) => true,
        (Some(o), Some(n)) => {
            o.iter().collect::<BTreeSet<_>>() == n.iter().collect::<BTreeSet<_>>()
        }
        _ => false,
    }
}

fn may_be_object(t: &Option<Vec<&str>>) -> bool {
    t.as_ref().is_none_or(|t| t.contains(&"object"))
}

const RULE: &str = "schema.properties";

/// One side of a property being compared: its definition and the location of its key.
struct Side<'a> {
    value: &'a Value,
    loc: Vec<String>,
}

struct Differ<'a> {
    old: &'a SchemaDoc,
    new: &'a SchemaDoc,
    out: Vec<Change>,
    /// Definition pairs being compared on the current recursion path.
    stack: Vec<(Vec<String>, Vec<String>)>,
    visits: usize,
}

/// Compare two configuration schemas. The changes are sorted with [`sort_changes`].
pub fn diff(old: &SchemaDoc, new: &SchemaDoc) -> Vec<Change> {
    let mut d = Differ {
        old,
        new,
        out: Vec::new(),
        stack: Vec::new(),
        visits: 0,
    };
    let old_root = View::literal(&old.root);
    let new_root = View::literal(&new.root);
    let (old_req, new_req) = (old_root.required(), new_root.required());
    let keys: BTreeSet<&String> = old.top.keys().chain(new.top.keys()).collect();
    for key in keys {
        let path = format!("schema.properties[{key}]");
        let old_side = old.top.get(key).map(|(v, spelling)| Side {
            value: v,
            loc: vec![spelling.clone(), key.clone()],
        });
        let new_side = new.top.get(key).map(|(v, spelling)| Side {
            value: v,
            loc: vec![spelling.clone(), key.clone()],
        });
        d.property(
            key,
            &path,
            old_side,
            new_side,
            (
                old_req.contains(key.as_str()),
                new_req.contains(key.as_str()),
            ),
            1,
        );
    }
    // The root object's own additionalProperties.
    let loc = vec!["additionalProperties".to_string()];
    let sources = (old.source(&loc), new.source(&loc));
    d.additional("schema", None, &old_root, &new_root, sources);
    let mut changes = d.out;
    sort_changes(&mut changes);
    changes
}

impl<'a> Differ<'a> {
    /// A property present on at least one side.
    fn property(
        &mut self,
        name: &str,
        path: &str,
        old: Option<Side<'a>>,
        new: Option<Side<'a>>,
        (old_req, new_req): (bool, bool),
        depth: usize,
    ) {
        match (old, new) {
            (Some(o), None) => {
                let c = Change::new(
                    RULE,
                    path,
                    ChangeType::Removed,
                    Some(Value::String(name.to_string())),
                    None,
                    format!("configuration property {name} removed"),
                )
                .with_explanation(format!(
                    "The schema no longer defines `{name}`. Values files that still set it will have \
                     the setting ignored or rejected, so deployments can lose configuration they rely on."
                ))
                .with_sources(self.old.source(&o.loc), None);
                self.out.push(c);
            }
            (None, Some(n)) => {
                let c = Change::new(
                    RULE,
                    path,
                    ChangeType::Added,
                    None,
                    Some(Value::String(name.to_string())),
                    format!("configuration property {name} added"),
                )
                .with_sources(None, self.new.source(&n.loc));
                let c = if new_req {
                    c.with_classification(Classification::Breaking)
                        .with_explanation(format!(
                        "The schema adds `{name}` as a required setting. Existing values files do \
                             not set it, so they fail validation until they do."
                    ))
                } else {
                    c.with_explanation(format!(
                        "The schema adds an optional setting `{name}`. Existing values files stay valid."
                    ))
                };
                self.out.push(c);
            }
            (Some(o), Some(n)) => self.both(name, path, o, n, (old_req, new_req), depth),
            (None, None) => {}
        }
    }

    fn both(
        &mut self,
        name: &str,
        path: &str,
        o: Side<'a>,
        n: Side<'a>,
        (old_req, new_req): (bool, bool),
        depth: usize,
    ) {
        let ov = View::resolve(&self.old.root, o.value, o.loc.clone());
        let nv = View::resolve(&self.new.root, n.value, n.loc.clone());
        let sources = (self.old.source(&o.loc), self.new.source(&n.loc));

        if old_req != new_req {
            let (class, reason, why) = if new_req {
                (
                    Classification::Breaking,
                    format!("configuration property {name} became required"),
                    format!(
                        "`{name}` must now be set. Existing values files that leave it out fail validation."
                    ),
                )
            } else {
                (
                    Classification::NonBreaking,
                    format!("configuration property {name} is no longer required"),
                    format!(
                        "`{name}` may now be left out. Every values file valid before stays valid."
                    ),
                )
            };
            self.push(
                format!("{path}.required"),
                ChangeType::Modified,
                (Some(Value::Bool(old_req)), Some(Value::Bool(new_req))),
                class,
                reason,
                why,
                &sources,
            );
        }

        let (ot, nt) = (ov.types(), nv.types());
        if !same_types(&ot, &nt) {
            let (from, to) = (show_types(&ot), show_types(&nt));
            let (class, why) = if widens(&ot, &nt) {
                (
                    Classification::NonBreaking,
                    format!(
                        "`{name}` now accepts {to} (before: {from}). Every value accepted before is still accepted."
                    ),
                )
            } else {
                (
                    Classification::Breaking,
                    format!(
                        "`{name}` now accepts {to} (before: {from}). Values files that set it to a type no \
                         longer accepted fail validation."
                    ),
                )
            };
            self.push(
                format!("{path}.type"),
                ChangeType::Modified,
                (ov.value("type").cloned(), nv.value("type").cloned()),
                class,
                format!("configuration property {name} type changed from {from} to {to}"),
                why,
                &sources,
            );
        }

        self.enumeration(name, path, &ov, &nv, &sources);
        self.default(name, path, &ov, &nv, &sources);
        if may_be_object(&nt) {
            self.additional(path, Some(name), &ov, &nv, sources);
        }
        self.nested(name, path, &ov, &nv, depth);
    }

    fn enumeration(
        &mut self,
        name: &str,
        path: &str,
        ov: &View<'a>,
        nv: &View<'a>,
        sources: &(Option<Source>, Option<Source>),
    ) {
        let as_enum = |v: &View<'a>| match v.value("enum") {
            Some(Value::Array(items)) => Some(items),
            _ => None,
        };
        let (oe, ne) = (as_enum(ov), as_enum(nv));
        let (class, reason, why) = match (oe, ne) {
            (None, None) => return,
            (None, Some(ne)) => (
                Classification::Breaking,
                format!("configuration property {name} enum narrowed"),
                format!(
                    "`{name}` now only accepts {}. Values files that set anything else fail validation.",
                    show_values(&ne.iter().collect::<Vec<_>>())
                ),
            ),
            (Some(_), None) => (
                Classification::NonBreaking,
                format!("configuration property {name} enum widened"),
                format!(
                    "`{name}` is no longer limited to a list of values. Every value accepted before is \
                     still accepted."
                ),
            ),
            (Some(oe), Some(ne)) => {
                let old_set: BTreeSet<String> = oe.iter().map(canon).collect();
                let new_set: BTreeSet<String> = ne.iter().map(canon).collect();
                let removed: Vec<&Value> = oe.iter().filter(|v| !new_set.contains(&canon(v))).collect();
                let added: Vec<&Value> = ne.iter().filter(|v| !old_set.contains(&canon(v))).collect();
                if removed.is_empty() && added.is_empty() {
                    return;
                }
                if removed.is_empty() {
                    (
                        Classification::NonBreaking,
                        format!("configuration property {name} enum widened"),
                        format!(
                            "`{name}` now also accepts {}. Every value accepted before is still accepted.",
                            show_values(&added)
                        ),
                    )
                } else {
                    let also = if added.is_empty() {
                        String::new()
                    } else {
                        format!(" It now also accepts {}.", show_values(&added))
                    };
                    (
                        Classification::Breaking,
                        format!("configuration property {name} enum narrowed"),
                        format!(
                            "`{name}` no longer accepts {}. Values files that use it fail validation.{also}",
                            show_values(&removed)
                        ),
                    )
                }
            }
        };
        self.push(
            format!("{path}.enum"),
            ChangeType::Modified,
            (ov.value("enum").cloned(), nv.value("enum").cloned()),
            class,
            reason,
            why,
            sources,
        );
    }

    fn default(
        &mut self,
        name: &str,
        path: &str,
        ov: &View<'a>,
        nv: &View<'a>,
        sources: &(Option<Source>, Option<Source>),
    ) {
        let (od, nd) = (ov.value("default"), nv.value("default"));
        let (change_type, reason, why) = match (od, nd) {
            (None, None) => return,
            (Some(a), Some(b)) if canon(a) == canon(b) => return,
            (None, Some(b)) => (
                ChangeType::Added,
                format!("configuration property {name} default added"),
                format!(
                    "`{name}` now defaults to {}. Deployments that do not set it get this value instead \
                     of none.",
                    show(b)
                ),
            ),
            (Some(a), None) => (
                ChangeType::Removed,
                format!("configuration property {name} default removed"),
                format!(
                    "`{name}` no longer defaults to {}. Deployments that relied on the default get no \
                     value.",
                    show(a)
                ),
            ),
            (Some(a), Some(b)) => (
                ChangeType::Modified,
                format!(
                    "configuration property {name} default changed from {} to {}",
                    show(a),
                    show(b)
                ),
                format!(
                    "The default of `{name}` changed from {} to {}. Deployments that do not set it \
                     behave differently.",
                    show(a),
                    show(b)
                ),
            ),
        };
        self.push(
            format!("{path}.default"),
            change_type,
            (od.cloned(), nd.cloned()),
            Classification::PotentialBreaking,
            reason,
            why,
            sources,
        );
    }

    /// `additionalProperties` of the root (`name` is `None`) or of a property.
    fn additional(
        &mut self,
        path: &str,
        name: Option<&str>,
        ov: &View<'a>,
        nv: &View<'a>,
        sources: (Option<Source>, Option<Source>),
    ) {
        let (oa, na) = (
            ov.value("additionalProperties"),
            nv.value("additionalProperties"),
        );
        let (before, after) = (extra(oa), extra(na));
        let subject = match name {
            Some(n) => format!("configuration property {n}"),
            None => "configuration schema".to_string(),
        };
        let what = match name {
            Some(n) => format!("`{n}`"),
            None => "The configuration".to_string(),
        };
        let (class, reason, why) = match (before, after) {
            (Extra::Open | Extra::Constrained, Extra::Closed) => (
                Classification::Breaking,
                format!("{subject} no longer allows additional properties"),
                format!(
                    "{what} no longer accepts keys the schema does not list. Values files with extra \
                     keys there fail validation."
                ),
            ),
            (Extra::Closed, Extra::Open | Extra::Constrained) => (
                Classification::NonBreaking,
                format!("{subject} now allows additional properties"),
                format!(
                    "{what} now accepts keys the schema does not list. Every values file valid before \
                     stays valid."
                ),
            ),
            _ => return,
        };
        self.push(
            format!("{path}.additionalProperties"),
            ChangeType::Modified,
            (oa.cloned(), na.cloned()),
            class,
            reason,
            why,
            &sources,
        );
    }

    fn nested(&mut self, name: &str, path: &str, ov: &View<'a>, nv: &View<'a>, depth: usize) {
        if depth >= MAX_NESTING || self.visits >= MAX_VISITS {
            return;
        }
        let key = (ov.target.clone(), nv.target.clone());
        if self.stack.contains(&key) {
            return;
        }
        let (op, np) = (ov.properties(), nv.properties());
        if op.is_none() && np.is_none() {
            return;
        }
        let (old_req, new_req) = (ov.required(), nv.required());
        let keys: BTreeSet<&String> = op
            .iter()
            .flat_map(|(m, _)| m.keys())
            .chain(np.iter().flat_map(|(m, _)| m.keys()))
            .collect();
        self.stack.push(key);
        for k in keys {
            if self.visits >= MAX_VISITS {
                break;
            }
            self.visits += 1;
            let side = |p: &Option<(&'a Map<String, Value>, &[String])>| {
                p.as_ref().and_then(|(m, loc)| {
                    m.get(k).map(|value| {
                        let mut loc = loc.to_vec();
                        loc.push("properties".to_string());
                        loc.push(k.clone());
                        Side { value, loc }
                    })
                })
            };
            let (o, n) = (side(&op), side(&np));
            self.property(
                &format!("{name}.{k}"),
                &format!("{path}.properties[{k}]"),
                o,
                n,
                (old_req.contains(k.as_str()), new_req.contains(k.as_str())),
                depth + 1,
            );
        }
        self.stack.pop();
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        path: String,
        change_type: ChangeType,
        (old, new): (Option<Value>, Option<Value>),
        class: Classification,
        reason: String,
        why: String,
        sources: &(Option<Source>, Option<Source>),
    ) {
        self.out.push(
            Change::new(RULE, path, change_type, old, new, reason)
                .with_classification(class)
                .with_explanation(why)
                .with_sources(sources.0.clone(), sources.1.clone()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(file: &str, v: Value) -> SchemaDoc {
        SchemaDoc::parse(file, &serde_json::to_string_pretty(&v).unwrap()).unwrap()
    }

    fn run(old: Value, new: Value) -> Vec<Change> {
        diff(&doc("old.json", old), &doc("new.json", new))
    }

    /// (path, type, classification) triples.
    fn summary(changes: &[Change]) -> Vec<(String, ChangeType, Classification)> {
        changes
            .iter()
            .map(|c| (c.path.clone(), c.change_type, c.classification))
            .collect()
    }

    fn one(changes: &[Change]) -> &Change {
        assert_eq!(changes.len(), 1, "{changes:#?}");
        &changes[0]
    }

    use ChangeType::{Added as A, Modified as M, Removed as R};
    use Classification::{Breaking as B, NonBreaking as N, PotentialBreaking as P};

    // ---- Go's behaviour (spec §4.5) ----

    #[test]
    fn go_removed_and_added_top_level_properties() {
        let changes = run(
            json!({"properties": {"a": {"type": "string"}, "b": {}}}),
            json!({"properties": {"b": {}, "c": {"type": "integer"}}}),
        );
        assert_eq!(
            summary(&changes),
            vec![
                ("schema.properties[a]".to_string(), R, B),
                ("schema.properties[c]".to_string(), A, N),
            ]
        );
        let removed = &changes[0];
        assert_eq!(removed.old_value, Some(json!("a")));
        assert_eq!(removed.new_value, None);
        assert_eq!(removed.reason, "configuration property a removed");
        assert!(removed.explanation.is_some());
        let added = &changes[1];
        assert_eq!(added.new_value, Some(json!("c")));
        assert_eq!(added.reason, "configuration property c added");
    }

    #[test]
    fn identical_schemas_give_nothing() {
        let v = json!({"type": "object", "properties": {"a": {"type": "string", "enum": ["x"]}}});
        assert!(run(v.clone(), v).is_empty());
    }

    #[test]
    fn adding_a_property_is_non_breaking_case_4() {
        // §4.10 case 4: adding a config schema property → NON_BREAKING.
        let changes = run(
            json!({"type": "object", "properties": {"port": {"type": "integer"}}}),
            json!({"type": "object", "properties": {"port": {"type": "integer"}, "host": {"type": "string"}}}),
        );
        let c = one(&changes);
        assert_eq!((c.change_type, c.classification), (A, N));
        assert_eq!(super::super::overall(&changes), N);
    }

    #[test]
    fn go_properties_key_matches_case_insensitively_and_merges() {
        let old = SchemaDoc::parse(
            "old.json",
            r#"{"Properties": {"a": {}}, "properties": {"b": {}}, "PROPERTIEſ": {"c": {}}}"#,
        )
        .unwrap();
        assert_eq!(old.property_names().collect::<Vec<_>>(), ["a", "b", "c"]);
        // `null` resets the map, like decoding null into a Go map.
        let reset =
            SchemaDoc::parse("x.json", r#"{"properties": {"a": {}}, "properties": null}"#).unwrap();
        assert_eq!(reset.property_names().count(), 0);
        let new = SchemaDoc::parse("new.json", r#"{"properties": {"b": {}}}"#).unwrap();
        let changes = diff(&old, &new);
        assert_eq!(
            summary(&changes),
            vec![
                ("schema.properties[a]".to_string(), R, B),
                ("schema.properties[c]".to_string(), R, B),
            ]
        );
        // The source points at the key inside the differently-spelled block.
        let src = changes[0].old_source.as_ref().unwrap();
        assert_eq!(src.file, "old.json");
        assert_eq!(&r#"{"Properties": {"a": {}}"#[src.span.range()], "\"a\"");
    }

    #[test]
    fn null_document_and_missing_properties_read_as_empty() {
        let null = SchemaDoc::parse("a.json", "null").unwrap();
        assert_eq!(null.property_names().count(), 0);
        let changes = diff(&null, &doc("b.json", json!({"properties": {"x": {}}})));
        assert_eq!(
            summary(&changes),
            vec![("schema.properties[x]".to_string(), A, N)]
        );
    }

    // ---- parse errors ----

    #[test]
    fn parse_errors() {
        let e = SchemaDoc::parse("s.json", "{\"properties\": ").unwrap_err();
        assert!(matches!(e, SchemaError::Json { .. }), "{e:?}");
        assert!(e.to_string().starts_with("s.json:1:"), "{e}");
        // A YAML schema is not read (Go parses JSON only).
        let e = SchemaDoc::parse("s.yaml", "properties:\n  a: {}\n").unwrap_err();
        assert!(matches!(e, SchemaError::Json { .. }), "{e:?}");
        // Trailing data.
        let e = SchemaDoc::parse("s.json", "{} {}").unwrap_err();
        assert!(matches!(e, SchemaError::Json { .. }), "{e:?}");
        let e = SchemaDoc::parse("s.json", "[1, 2]").unwrap_err();
        assert_eq!(
            e,
            SchemaError::NotAnObject {
                file: "s.json".into(),
                found: "an array"
            }
        );
        let e = SchemaDoc::parse("s.json", r#"{"properties": ["a"]}"#).unwrap_err();
        assert!(
            matches!(
                e,
                SchemaError::PropertiesNotAnObject {
                    found: "an array",
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(SchemaDoc::parse("s.json", "").is_err());
        let big = " ".repeat(MAX_SCHEMA_BYTES + 1);
        assert!(matches!(
            SchemaDoc::parse("s.json", &big),
            Err(SchemaError::TooLarge { .. })
        ));
    }

    #[test]
    fn arbitrary_input_never_panics() {
        let inputs = [
            "{",
            "}",
            "\"",
            "[[[[",
            "{\"properties\":{\"a\":{\"$ref\":\"#/\"}}}",
            "{\"$ref\":\"#\"}",
            "{\"properties\":{\"a\":{\"$ref\":\"#%zz/%\"}}}",
            "\u{feff}{}",
            "1e999",
            "{\"a\":1,\"a\":2}",
        ];
        for old in inputs {
            for new in inputs {
                if let (Ok(o), Ok(n)) = (SchemaDoc::parse("o", old), SchemaDoc::parse("n", new)) {
                    let _ = diff(&o, &n);
                }
            }
        }
        let deep = format!("{{\"properties\": {{\"a\": {}", "[".repeat(100_000));
        assert!(matches!(
            SchemaDoc::parse("d", &deep),
            Err(SchemaError::Json { .. })
        ));
    }

    // ---- refinements ----

    #[test]
    fn became_required_is_breaking() {
        let changes = run(
            json!({"properties": {"a": {"type": "string"}}}),
            json!({"properties": {"a": {"type": "string"}}, "required": ["a"]}),
        );
        let c = one(&changes);
        assert_eq!(c.path, "schema.properties[a].required");
        assert_eq!((c.change_type, c.classification), (M, B));
        assert_eq!(
            (c.old_value.clone(), c.new_value.clone()),
            (Some(json!(false)), Some(json!(true)))
        );
        assert_eq!(c.reason, "configuration property a became required");
    }

    #[test]
    fn no_longer_required_is_non_breaking() {
        let changes = run(
            json!({"properties": {"a": {}}, "required": ["a"]}),
            json!({"properties": {"a": {}}}),
        );
        let c = one(&changes);
        assert_eq!(
            (c.path.as_str(), c.classification),
            ("schema.properties[a].required", N)
        );
        assert_eq!(c.reason, "configuration property a is no longer required");
    }

    #[test]
    fn added_required_property_is_breaking() {
        let changes = run(
            json!({"properties": {}}),
            json!({"properties": {"a": {"type": "string"}}, "required": ["a"]}),
        );
        let c = one(&changes);
        assert_eq!(
            (c.path.as_str(), c.change_type, c.classification),
            ("schema.properties[a]", A, B)
        );
        assert_eq!(c.reason, "configuration property a added");
        assert!(c.explanation.as_deref().unwrap().contains("required"));
    }

    #[test]
    fn type_change_is_breaking() {
        let changes = run(
            json!({"properties": {"a": {"type": "integer"}}}),
            json!({"properties": {"a": {"type": "string"}}}),
        );
        let c = one(&changes);
        assert_eq!(
            (c.path.as_str(), c.classification),
            ("schema.properties[a].type", B)
        );
        assert_eq!(
            c.reason,
            "configuration property a type changed from integer to string"
        );
        assert_eq!(
            (c.old_value.clone(), c.new_value.clone()),
            (Some(json!("integer")), Some(json!("string")))
        );
    }

    #[test]
    fn type_widening_is_non_breaking() {
        for (old, new, reason) in [
            (
                json!("integer"),
                json!(["integer", "string"]),
                "from integer to [integer, string]",
            ),
            (json!("integer"), json!("number"), "from integer to number"),
            (
                json!(["string", "null"]),
                json!(["null", "string", "boolean"]),
                "from [string, null] to [null, string, boolean]",
            ),
        ] {
            let changes = run(
                json!({"properties": {"a": {"type": old}}}),
                json!({"properties": {"a": {"type": new}}}),
            );
            let c = one(&changes);
            assert_eq!(c.classification, N, "{c:?}");
            assert_eq!(
                c.reason,
                format!("configuration property a type changed {reason}")
            );
        }
        // Removing `type` accepts anything; adding one narrows.
        let c = run(
            json!({"properties": {"a": {"type": "string"}}}),
            json!({"properties": {"a": {}}}),
        );
        assert_eq!(one(&c).classification, N);
        assert_eq!(
            one(&c).reason,
            "configuration property a type changed from string to any"
        );
        let c = run(
            json!({"properties": {"a": {}}}),
            json!({"properties": {"a": {"type": "string"}}}),
        );
        assert_eq!(one(&c).classification, B);
        // number → integer narrows; reordering a type list is no change.
        let c = run(
            json!({"properties": {"a": {"type": "number"}}}),
            json!({"properties": {"a": {"type": "integer"}}}),
        );
        assert_eq!(one(&c).classification, B);
        let c = run(
            json!({"properties": {"a": {"type": ["string", "null"]}}}),
            json!({"properties": {"a": {"type": ["null", "string"]}}}),
        );
        assert!(c.is_empty());
    }

    #[test]
    fn enum_narrowed_is_breaking() {
        let changes = run(
            json!({"properties": {"lvl": {"enum": ["debug", "info"]}}}),
            json!({"properties": {"lvl": {"enum": ["info", "trace"]}}}),
        );
        let c = one(&changes);
        assert_eq!(
            (c.path.as_str(), c.classification),
            ("schema.properties[lvl].enum", B)
        );
        assert_eq!(c.reason, "configuration property lvl enum narrowed");
        let why = c.explanation.as_deref().unwrap();
        assert!(
            why.contains("\"debug\"") && why.contains("\"trace\""),
            "{why}"
        );
        // Adding an enum where there was none narrows too.
        let c = run(
            json!({"properties": {"a": {}}}),
            json!({"properties": {"a": {"enum": [1]}}}),
        );
        assert_eq!(one(&c).classification, B);
    }

    #[test]
    fn enum_widened_is_non_breaking() {
        let changes = run(
            json!({"properties": {"lvl": {"enum": ["info", 1]}}}),
            json!({"properties": {"lvl": {"enum": [1.0, "info", "debug"]}}}),
        );
        let c = one(&changes);
        assert_eq!(
            (c.path.as_str(), c.classification),
            ("schema.properties[lvl].enum", N)
        );
        assert_eq!(c.reason, "configuration property lvl enum widened");
        // Dropping the enum altogether widens; reordering is no change.
        let c = run(
            json!({"properties": {"a": {"enum": [1]}}}),
            json!({"properties": {"a": {}}}),
        );
        assert_eq!(one(&c).classification, N);
        let c = run(
            json!({"properties": {"a": {"enum": [1, 2]}}}),
            json!({"properties": {"a": {"enum": [2, 1]}}}),
        );
        assert!(c.is_empty());
    }

    #[test]
    fn default_changed_is_potentially_breaking() {
        let changes = run(
            json!({"properties": {"port": {"type": "integer", "default": 8080}}}),
            json!({"properties": {"port": {"type": "integer", "default": 9090}}}),
        );
        let c = one(&changes);
        assert_eq!(
            (c.path.as_str(), c.change_type, c.classification),
            ("schema.properties[port].default", M, P)
        );
        assert_eq!(
            c.reason,
            "configuration property port default changed from 8080 to 9090"
        );
        assert_eq!(
            (c.old_value.clone(), c.new_value.clone()),
            (Some(json!(8080)), Some(json!(9090)))
        );
        let c = run(
            json!({"properties": {"a": {}}}),
            json!({"properties": {"a": {"default": "x"}}}),
        );
        assert_eq!((one(&c).change_type, one(&c).classification), (A, P));
        let c = run(
            json!({"properties": {"a": {"default": {"k": 1, "j": 2}}}}),
            json!({"properties": {"a": {}}}),
        );
        assert_eq!((one(&c).change_type, one(&c).classification), (R, P));
        // Same value written differently is no change.
        let c = run(
            json!({"properties": {"a": {"default": {"k": 1, "j": 2.0}}}}),
            json!({"properties": {"a": {"default": {"j": 2, "k": 1.0}}}}),
        );
        assert!(c.is_empty());
    }

    #[test]
    fn additional_properties_closed_is_breaking() {
        let changes = run(
            json!({"type": "object", "properties": {"a": {}}}),
            json!({"type": "object", "properties": {"a": {}}, "additionalProperties": false}),
        );
        let c = one(&changes);
        assert_eq!(
            (c.path.as_str(), c.classification),
            ("schema.additionalProperties", B)
        );
        assert_eq!(
            c.reason,
            "configuration schema no longer allows additional properties"
        );
        assert_eq!(c.new_source.as_ref().map(|s| s.line), Some(6));
        // Nested, from `true`.
        let changes = run(
            json!({"properties": {"db": {"type": "object", "additionalProperties": true}}}),
            json!({"properties": {"db": {"type": "object", "additionalProperties": false}}}),
        );
        let c = one(&changes);
        assert_eq!(
            (c.path.as_str(), c.classification),
            ("schema.properties[db].additionalProperties", B)
        );
        assert_eq!(
            c.reason,
            "configuration property db no longer allows additional properties"
        );
        // Reopening is non-breaking.
        let changes = run(
            json!({"properties": {"db": {"additionalProperties": false}}}),
            json!({"properties": {"db": {}}}),
        );
        assert_eq!(one(&changes).classification, N);
        // Not reported for a property that cannot be an object.
        let changes = run(
            json!({"properties": {"s": {"type": "string"}}}),
            json!({"properties": {"s": {"type": "string", "additionalProperties": false}}}),
        );
        assert!(changes.is_empty());
    }

    // ---- nesting, $ref, cycles ----

    #[test]
    fn nested_properties_are_compared() {
        let changes = run(
            json!({"properties": {"db": {"type": "object", "properties": {
                "host": {"type": "string"}, "port": {"type": "integer"}}}}}),
            json!({"properties": {"db": {"type": "object", "required": ["name"], "properties": {
                "host": {"type": "string"}, "name": {"type": "string"},
                "tls": {"type": "object", "properties": {"ca": {}}}}}}}),
        );
        assert_eq!(
            summary(&changes),
            vec![
                ("schema.properties[db].properties[name]".to_string(), A, B),
                ("schema.properties[db].properties[port]".to_string(), R, B),
                ("schema.properties[db].properties[tls]".to_string(), A, N),
            ]
        );
        assert_eq!(changes[1].reason, "configuration property db.port removed");
        assert_eq!(changes[1].old_value, Some(json!("db.port")));
    }

    #[test]
    fn local_refs_are_resolved() {
        let changes = run(
            json!({"properties": {"db": {"$ref": "#/$defs/db"}},
                   "$defs": {"db": {"properties": {"port": {"type": "integer"}}}}}),
            json!({"properties": {"db": {"$ref": "#/definitions/database"}},
                   "definitions": {"database": {"properties": {"port": {"$ref": "#/definitions/port"}}},
                                   "port": {"type": "string"}}}),
        );
        let c = one(&changes);
        assert_eq!(
            (c.path.as_str(), c.classification),
            ("schema.properties[db].properties[port].type", B)
        );
        assert_eq!(
            c.reason,
            "configuration property db.port type changed from integer to string"
        );
        // Sources point at the key inside each definition.
        assert_eq!(
            c.old_source.as_ref().map(|s| s.file.as_str()),
            Some("old.json")
        );
        assert!(c.old_source.is_some() && c.new_source.is_some());
        // Inline vs. $ref with the same content: no change.
        let changes = run(
            json!({"properties": {"db": {"properties": {"port": {"type": "integer"}}}}}),
            json!({"properties": {"db": {"$ref": "#/$defs/db"}}, "$defs": {"db": {"properties": {"port": {"type": "integer"}}}}}),
        );
        assert!(changes.is_empty(), "{changes:#?}");
        // Escaped pointer tokens.
        let changes = run(
            json!({"properties": {"a": {"$ref": "#/$defs/a~1b"}}, "$defs": {"a/b": {"type": "string"}}}),
            json!({"properties": {"a": {"$ref": "#/$defs/a%7E1b"}}, "$defs": {"a/b": {"type": "integer"}}}),
        );
        assert_eq!(one(&changes).path, "schema.properties[a].type");
    }

    #[test]
    fn ref_cycles_terminate() {
        // A recursive tree definition on both sides, changed deep inside.
        let tree = |leaf: &str| {
            json!({"properties": {"root": {"$ref": "#/$defs/node"}},
                   "$defs": {"node": {"type": "object", "properties": {
                       "value": {"type": leaf},
                       "children": {"type": "object", "properties": {"first": {"$ref": "#/$defs/node"}}}}}}})
        };
        let changes = run(tree("string"), tree("integer"));
        assert_eq!(
            summary(&changes),
            vec![(
                "schema.properties[root].properties[value].type".to_string(),
                M,
                B
            )]
        );
        // Self-referencing and mutually-referencing chains.
        let changes = run(
            json!({"properties": {"a": {"$ref": "#/$defs/x"}}, "$defs": {"x": {"$ref": "#/$defs/y"}, "y": {"$ref": "#/$defs/x"}}}),
            json!({"properties": {"a": {"$ref": "#/$defs/x"}}, "$defs": {"x": {"$ref": "#/$defs/x"}}}),
        );
        assert!(changes.is_empty());
        // The root referenced from a property.
        let changes = run(
            json!({"properties": {"self": {"$ref": "#"}, "a": {"type": "string"}}}),
            json!({"properties": {"self": {"$ref": "#"}, "a": {"type": "integer"}}}),
        );
        assert_eq!(
            summary(&changes),
            vec![
                ("schema.properties[a].type".to_string(), M, B),
                (
                    "schema.properties[self].properties[a].type".to_string(),
                    M,
                    B
                ),
            ]
        );
    }

    #[test]
    fn fan_out_is_bounded() {
        // Each definition refers to the next twice: 2^28 paths without a budget.
        let mut defs = Map::new();
        for i in 0..28 {
            let next = format!("#/$defs/d{}", i + 1);
            defs.insert(
                format!("d{i}"),
                json!({"properties": {"l": {"$ref": next}, "r": {"$ref": next}, "v": {"type": "string"}}}),
            );
        }
        let old = json!({"properties": {"top": {"$ref": "#/$defs/d0"}}, "$defs": defs});
        let mut new = old.clone();
        new["$defs"]["d27"]["properties"]["v"]["type"] = json!("integer");
        let changes = run(old, new);
        assert!(!changes.is_empty());
        assert!(changes.len() <= MAX_VISITS);
    }

    // ---- sources and the fixture pair ----

    #[test]
    fn sources_point_at_property_keys() {
        let old = SchemaDoc::parse(
            "configuration/schema.json",
            "{\n  \"properties\": {\n    \"a\": {}\n  }\n}\n",
        )
        .unwrap();
        let new = SchemaDoc::parse("configuration/schema.json", "{\"properties\": {}}").unwrap();
        let c = diff(&old, &new);
        let src = one(&c).old_source.as_ref().unwrap();
        assert_eq!(
            (src.file.as_str(), src.line),
            ("configuration/schema.json", 3)
        );
        assert!(one(&c).new_source.is_none());
    }

    #[test]
    fn fixture_pair() {
        let old = SchemaDoc::parse(
            "v1.schema.json",
            include_str!("../../../fixtures/diff/schema/v1.schema.json"),
        )
        .unwrap();
        let new = SchemaDoc::parse(
            "v2.schema.json",
            include_str!("../../../fixtures/diff/schema/v2.schema.json"),
        )
        .unwrap();
        let changes = diff(&old, &new);
        assert_eq!(
            summary(&changes),
            vec![
                ("schema.additionalProperties".to_string(), M, B),
                (
                    "schema.properties[database].properties[name]".to_string(),
                    A,
                    B
                ),
                (
                    "schema.properties[database].properties[sslMode].enum".to_string(),
                    M,
                    N
                ),
                ("schema.properties[legacyMode]".to_string(), R, B),
                ("schema.properties[logLevel].enum".to_string(), M, B),
                ("schema.properties[port].default".to_string(), M, P),
                ("schema.properties[region]".to_string(), A, B),
                ("schema.properties[timeout].type".to_string(), M, N),
            ]
        );
        for c in &changes {
            assert!(c.explanation.is_some(), "{c:?}");
            assert!(c.old_source.is_some() || c.new_source.is_some(), "{c:?}");
        }
        let legacy = &changes[3];
        assert_eq!(legacy.old_source.as_ref().map(|s| s.line), Some(9));
    }
}
