//! Go Pacto's Helm-style overrides (`pkg/override`): `-f/--values FILE` (YAML files deep-merged
//! into the contract in order: mappings merge, anything else replaces) then `--set key=value`
//! (dot paths, `name[i]` indexes an existing list item, missing mappings are created; the value
//! typed as Go types it: integer, float, boolean, else string).
//!
//! The merged contract is what every command reads. Its problems are reported where the user
//! can fix them: a problem in a part an override wrote names that override (the `--set`
//! argument, or the values file and line); any other keeps its exact place in `pacto.yaml`.

use crate::bundle::{Bundle, BundleError, CONTRACT_FILE};
use crate::diagnostic::Diagnostic;
use crate::graph::Resolved;
use crate::report::FileReport;
use crate::syntax::{parse, ColumnUnit, Limits, NodeKind, NodeRef, Span, Tree};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Most values files and `--set`s one command takes.
pub const MAX_SOURCES: usize = 256;

/// One values file: a display name (as given) and its text.
#[derive(Debug, Clone)]
pub struct ValuesFile {
    pub name: String,
    pub text: String,
}

/// The overrides of one contract, lowest precedence first within each kind.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub values: Vec<ValuesFile>,
    pub set: Vec<String>,
}

impl Overrides {
    pub fn is_empty(&self) -> bool {
        self.values.is_empty() && self.set.is_empty()
    }
}

/// Why overrides could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverrideError {
    #[error("values file {file}:{line}:{column}: {message}")]
    ValuesSyntax {
        file: String,
        line: u32,
        column: u32,
        message: String,
    },
    #[error(
        "values file {file}: the top level must be a mapping of contract keys (like pacto.yaml)"
    )]
    ValuesNotMapping { file: String },
    #[error("invalid --set format {0:?}: expected key=value")]
    SetFormat(String),
    #[error("failed to set {key:?}: {message}")]
    Set { key: String, message: String },
    #[error("pacto.yaml is not readable YAML, so overrides cannot be applied: {0}")]
    Base(String),
    #[error(
        "too many overrides ({0}); at most {MAX_SOURCES} values files and --set flags are read"
    )]
    TooMany(usize),
}

/// What an override wrote: a path in the contract (keys and list indexes) and who wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub path: Vec<String>,
    /// `--set service.version=2.0.0`, or `values file staging.yaml:4`.
    pub by: String,
}

impl Mark {
    /// The path in Go's notation (`configurations[0].values.DB_HOST`).
    pub fn dotted(&self) -> String {
        let mut out = String::new();
        for seg in &self.path {
            if seg.parse::<usize>().is_ok() && !out.is_empty() {
                out.push_str(&format!("[{seg}]"));
            } else {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(seg);
            }
        }
        out
    }
}

/// The contract after overrides.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The merged `pacto.yaml` (block YAML; the base's key order kept).
    pub text: String,
    /// What the overrides wrote, in the order they were applied.
    pub marks: Vec<Mark>,
}

/// Go's `--set` typing: integer, then float, then boolean, else the string itself.
pub fn typed(s: &str) -> Value {
    if let Some(i) = go_int(s) {
        return Value::from(i);
    }
    if let Some(f) = go_float(s) {
        // A float JSON cannot hold (NaN, infinities) stays the text Go's YAML writes for it.
        return serde_json::Number::from_f64(f).map_or_else(
            || {
                Value::String(if f.is_nan() {
                    ".nan".into()
                } else if f > 0.0 {
                    ".inf".into()
                } else {
                    "-.inf".into()
                })
            },
            Value::Number,
        );
    }
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Value::Bool(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Value::Bool(false),
        _ => Value::String(s.to_string()),
    }
}

/// `strconv.ParseInt(s, 10, 64)`: optional sign, decimal digits only.
fn go_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.strip_prefix('+').unwrap_or(s).parse().ok()
}

/// `strconv.ParseFloat(s, 64)` for the decimal forms (and inf/nan, as Go accepts them).
fn go_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let lower = body.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity" | "nan") {
        return s
            .to_ascii_lowercase()
            .parse::<f64>()
            .ok()
            .or(match lower.as_str() {
                "nan" => Some(f64::NAN),
                _ if s.starts_with('-') => Some(f64::NEG_INFINITY),
                _ => Some(f64::INFINITY),
            });
    }
    let ok = !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && body.bytes().any(|b| b.is_ascii_digit());
    if !ok {
        return None;
    }
    s.parse::<f64>().ok()
}

fn tree_of(text: &str) -> Result<Tree, (u32, u32, String)> {
    let parsed = parse(text, &Limits::default());
    if let Some(e) = parsed.errors.iter().find(|e| e.fatal) {
        let at = parsed.line_index.line_col(e.span.start, ColumnUnit::Char);
        return Err((at.line + 1, at.col + 1, e.message.clone()));
    }
    match parsed.tree {
        Some(t) => Ok(t),
        None => {
            Ok(parse("{}", &Limits::default())
                .tree
                .ok_or((1, 1, "empty document".to_string()))?)
        }
    }
}

/// Apply `overrides` to the contract text `base`.
pub fn apply(base: &str, overrides: &Overrides) -> Result<Applied, OverrideError> {
    let count = overrides.values.len() + overrides.set.len();
    if count > MAX_SOURCES {
        return Err(OverrideError::TooMany(count));
    }
    let base_tree =
        tree_of(base).map_err(|(l, c, m)| OverrideError::Base(format!("{l}:{c}: {m}")))?;
    let mut doc = match base_tree.root().to_json() {
        Value::Object(m) => Value::Object(m),
        Value::Null => Value::Object(Map::new()),
        _ => return Err(OverrideError::Base("the top level is not a mapping".into())),
    };
    let mut marks = Vec::new();
    for f in &overrides.values {
        let tree =
            tree_of(&f.text).map_err(|(line, column, message)| OverrideError::ValuesSyntax {
                file: f.name.clone(),
                line,
                column,
                message,
            })?;
        let root = tree.root();
        if root.is_null() {
            continue;
        }
        if !root.is_mapping() {
            return Err(OverrideError::ValuesNotMapping {
                file: f.name.clone(),
            });
        }
        merge(&mut doc, root, &mut Vec::new(), &f.name, &tree, &mut marks);
    }
    for sv in &overrides.set {
        let (key, value) = sv
            .split_once('=')
            .ok_or_else(|| OverrideError::SetFormat(sv.clone()))?;
        let path = set(&mut doc, key, typed(value)).map_err(|message| OverrideError::Set {
            key: key.to_string(),
            message,
        })?;
        marks.push(Mark {
            path,
            by: format!("--set {sv}"),
        });
    }
    let mut text = String::new();
    render_mapping(&doc, 0, &mut text);
    Ok(Applied { text, marks })
}

/// Go's `deepMerge` of a values file node into `dst`, recording a mark per value written.
fn merge(
    dst: &mut Value,
    src: NodeRef<'_>,
    path: &mut Vec<String>,
    file: &str,
    tree: &Tree,
    marks: &mut Vec<Mark>,
) {
    for (k, v) in src.entries() {
        let key = match k.as_scalar() {
            Some(s) => s.text.clone(),
            None => k.to_json().to_string(),
        };
        path.push(key.clone());
        let Value::Object(map) = dst else {
            path.pop();
            return;
        };
        match map.get_mut(&key) {
            Some(existing @ Value::Object(_)) if v.is_mapping() => {
                merge(existing, v, path, file, tree, marks);
            }
            _ => {
                map.insert(key, v.to_json());
                let line = tree
                    .line_index()
                    .line_col(k.span().start, ColumnUnit::Char)
                    .line
                    + 1;
                marks.push(Mark {
                    path: path.clone(),
                    by: format!("values file {file}:{line}"),
                });
            }
        }
        path.pop();
    }
}

/// Go's `setNestedValue`; returns the path written (keys and indexes).
fn set(doc: &mut Value, key: &str, value: Value) -> Result<Vec<String>, String> {
    let parts: Vec<&str> = key.split('.').collect();
    let mut path = Vec::new();
    let mut current = doc;
    let last = parts.len() - 1;
    for (i, part) in parts.iter().enumerate() {
        let (name, index) = array_index(part);
        let Value::Object(obj) = current else {
            return Err(if i == last {
                "cannot set key in non-object".to_string()
            } else {
                format!(
                    "cannot traverse into non-object at {:?}",
                    parts[..i].join(".")
                )
            });
        };
        path.push(name.to_string());
        match index {
            Some(idx) => {
                let Some(Value::Array(arr)) = obj.get_mut(name) else {
                    return Err(if i == last {
                        format!("expected array at {name:?}")
                    } else {
                        format!("expected array at {:?}", parts[..=i].join("."))
                    });
                };
                let len = arr.len();
                let Some(slot) = arr.get_mut(idx) else {
                    return Err(format!(
                        "index {idx} out of bounds at {:?} (length {len})",
                        if i == last {
                            name.to_string()
                        } else {
                            parts[..=i].join(".")
                        }
                    ));
                };
                path.push(idx.to_string());
                if i == last {
                    *slot = value;
                    return Ok(path);
                }
                current = slot;
            }
            None if i == last => {
                obj.insert(name.to_string(), value);
                return Ok(path);
            }
            None => {
                current = obj
                    .entry(name.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
            }
        }
    }
    Ok(path)
}

/// `interfaces[0]` → (`interfaces`, Some(0)); anything else is a plain key (as Go reads it).
fn array_index(part: &str) -> (&str, Option<usize>) {
    if let (Some(open), true) = (part.find('['), part.ends_with(']')) {
        if let Ok(i) = part[open + 1..part.len() - 1].parse::<usize>() {
            return (&part[..open], Some(i));
        }
    }
    (part, None)
}

/// A scalar as YAML text that reads back as the same value.
fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if matches!(s.as_str(), ".nan" | ".inf" | "-.inf") => s.clone(),
        Value::String(s) => crate::scaffold::yaml_scalar(s),
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Object(o) if o.is_empty() => "{}".into(),
        _ => String::new(),
    }
}

fn is_block(v: &Value) -> bool {
    matches!(v, Value::Array(a) if !a.is_empty()) || matches!(v, Value::Object(o) if !o.is_empty())
}

fn render_mapping(v: &Value, indent: usize, out: &mut String) {
    let Value::Object(map) = v else {
        return;
    };
    let pad = " ".repeat(indent);
    for (k, v) in map {
        out.push_str(&pad);
        out.push_str(&crate::scaffold::yaml_scalar(k));
        out.push(':');
        render_value(v, indent, out);
    }
}

/// The value after `key:` (a space and a scalar, or a newline and an indented block).
fn render_value(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Object(_) if is_block(v) => {
            out.push('\n');
            render_mapping(v, indent + 2, out);
        }
        Value::Array(items) if is_block(v) => {
            out.push('\n');
            render_items(items, indent, out);
        }
        _ => {
            out.push(' ');
            out.push_str(&scalar(v));
            out.push('\n');
        }
    }
}

fn render_items(items: &[Value], indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    for item in items {
        out.push_str(&pad);
        out.push('-');
        match item {
            Value::Object(_) if is_block(item) => {
                // The first entry on the dash's line, the rest under it.
                let mut block = String::new();
                render_mapping(item, indent + 2, &mut block);
                out.push(' ');
                out.push_str(block.trim_start());
            }
            Value::Array(inner) if is_block(item) => {
                out.push('\n');
                render_items(inner, indent + 2, out);
            }
            _ => {
                out.push(' ');
                out.push_str(&scalar(item));
                out.push('\n');
            }
        }
    }
}

/// Every key and value node of `tree` by its span, with its path and whether it is the key.
fn index_nodes(tree: &Tree) -> HashMap<Span, (Vec<String>, bool)> {
    fn walk(n: NodeRef<'_>, path: &mut Vec<String>, out: &mut HashMap<Span, (Vec<String>, bool)>) {
        out.entry(n.span()).or_insert_with(|| (path.clone(), false));
        match n.kind() {
            NodeKind::Mapping(_) => {
                for (k, v) in n.entries() {
                    let key = k
                        .as_scalar()
                        .map_or_else(|| k.to_json().to_string(), |s| s.text.clone());
                    path.push(key);
                    out.entry(k.span()).or_insert_with(|| (path.clone(), true));
                    walk(v, path, out);
                    path.pop();
                }
            }
            NodeKind::Sequence(_) => {
                for (i, item) in n.items().enumerate() {
                    path.push(i.to_string());
                    walk(item, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = HashMap::new();
    walk(tree.root(), &mut Vec::new(), &mut out);
    out
}

/// The node of `tree` at `path` (keys and indexes), its key's span when `key`.
fn span_at(tree: &Tree, path: &[String], key: bool) -> Option<Span> {
    let (node, used) = tree.walk(path);
    if used != path.len() {
        return None;
    }
    if key && !path.is_empty() {
        let (parent, _) = tree.walk(&path[..path.len() - 1]);
        if let Some((k, _)) = parent.entry(&path[path.len() - 1]) {
            return Some(k.span());
        }
    }
    Some(node.span())
}

/// Place the problems found in the merged text (`applied`) where the user can fix them: one in
/// a part an override wrote names the override (and has no place in `pacto.yaml`); any other
/// gets the span of the same node in `base`.
pub fn place(diagnostics: Vec<Diagnostic>, applied: &Applied, base: &str) -> Vec<Diagnostic> {
    let (Ok(merged), Ok(base_tree)) = (tree_of(&applied.text), tree_of(base)) else {
        return diagnostics;
    };
    let nodes = index_nodes(&merged);
    diagnostics
        .into_iter()
        .map(|mut d| {
            let Some(span) = d.span else {
                return d;
            };
            let Some((path, key)) = nodes.get(&span) else {
                d.span = None;
                return d;
            };
            // The last override that wrote this node or one above it decides.
            if let Some(m) = applied
                .marks
                .iter()
                .rev()
                .find(|m| path.starts_with(&m.path))
            {
                d.message = format!("{} (set by {})", d.message, m.by);
                d.span = None;
                return d;
            }
            d.span = span_at(&base_tree, path, *key);
            d
        })
        .collect()
}

/// A bundle whose `pacto.yaml` is the merged contract and whose other files are the original
/// bundle's: what every later step (a pack, a cross-generation diff) reads.
pub struct Overlaid {
    inner: std::sync::Arc<dyn Bundle>,
    contract: Vec<u8>,
}

impl Overlaid {
    pub fn new(inner: std::sync::Arc<dyn Bundle>, contract_text: &str) -> Overlaid {
        Overlaid {
            inner,
            contract: contract_text.as_bytes().to_vec(),
        }
    }
}

impl Bundle for Overlaid {
    fn exists(&self, path: &str) -> bool {
        path == CONTRACT_FILE || self.inner.exists(path)
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, BundleError> {
        if path == CONTRACT_FILE {
            return Ok(self.contract.clone());
        }
        self.inner.read(path)
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn list(&self, dir: &str) -> Vec<String> {
        self.inner.list(dir)
    }
}

/// `resolved` with `overrides` applied: the merged contract, its tree and a bundle serving it
/// (and the marks); unchanged when there are no overrides.
pub fn resolve(
    resolved: Resolved,
    overrides: &Overrides,
) -> Result<(Resolved, Vec<Mark>), OverrideError> {
    if overrides.is_empty() {
        return Ok((resolved, Vec::new()));
    }
    let base = resolved
        .bundle
        .read(CONTRACT_FILE)
        .map_err(|e| OverrideError::Base(e.to_string()))?;
    let applied = apply(&String::from_utf8_lossy(&base), overrides)?;
    let tree = parse(&applied.text, &Limits::default())
        .tree
        .ok_or_else(|| OverrideError::Base("the merged contract is empty".into()))?;
    let contract = crate::model::Contract::from_tree(&tree);
    let bundle: std::sync::Arc<dyn Bundle> =
        std::sync::Arc::new(Overlaid::new(resolved.bundle, &applied.text));
    Ok((
        Resolved {
            contract,
            tree,
            bundle,
            file: resolved.file,
            resolved_ref: resolved.resolved_ref,
        },
        applied.marks,
    ))
}

/// Validate the bundle directory `dir` with `overrides` applied: [`validate::validate_dir`]'s
/// report for the merged contract, each problem placed by [`place`] (in `pacto.yaml`, or on the
/// override that wrote it).
pub fn validate_dir(
    dir: &str,
    resolver_oci: Option<&dyn crate::validate::RefResolver>,
    options: &crate::validate::Options,
    overrides: &Overrides,
) -> Result<FileReport, OverrideError> {
    if overrides.is_empty() {
        return Ok(crate::validate::validate_dir(dir, resolver_oci, options));
    }
    let loaded = match crate::bundle::load_dir(dir) {
        Ok(l) => l,
        // The load failure report says what is wrong with the directory.
        Err(_) => return Ok(crate::validate::validate_dir(dir, resolver_oci, options)),
    };
    let applied = apply(&loaded.text, overrides)?;
    let mut report =
        crate::validate::validate_dir_text(dir, &loaded, &applied.text, resolver_oci, options);
    report.diagnostics = place(report.diagnostics, &applied, &loaded.text);
    report.line_index = Some(crate::syntax::LineIndex::new(&loaded.text));
    Ok(report)
}

/// The marks as JSON (`[{"path", "by"}]`), for the machine-readable outputs.
pub fn marks_json(marks: &[Mark]) -> Value {
    Value::Array(
        marks
            .iter()
            .map(|m| serde_json::json!({"path": m.dotted(), "by": m.by}))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(base: &str, values: &[&str], set: &[&str]) -> Applied {
        apply(
            base,
            &Overrides {
                values: values
                    .iter()
                    .enumerate()
                    .map(|(i, t)| ValuesFile {
                        name: format!("v{i}.yaml"),
                        text: t.to_string(),
                    })
                    .collect(),
                set: set.iter().map(|s| s.to_string()).collect(),
            },
        )
        .unwrap()
    }

    fn json(text: &str) -> Value {
        tree_of(text).unwrap().root().to_json()
    }

    #[test]
    fn typing_follows_go() {
        assert_eq!(typed("3"), Value::from(3));
        assert_eq!(typed("-3"), Value::from(-3));
        assert_eq!(typed("1.5"), serde_json::json!(1.5));
        assert_eq!(typed("1.0.0"), Value::from("1.0.0"));
        assert_eq!(typed("true"), Value::Bool(true));
        assert_eq!(typed("T"), Value::Bool(true));
        assert_eq!(typed("1"), Value::from(1));
        assert_eq!(typed("1e3"), serde_json::json!(1000.0));
        assert_eq!(typed("yes"), Value::from("yes"));
        assert_eq!(typed(""), Value::from(""));
        assert_eq!(typed("0x10"), Value::from("0x10"));
    }

    #[test]
    fn precedence_base_then_files_in_order_then_set() {
        let base = "service:\n  name: a\n  version: 1.0.0\nscaling:\n  replicas: 1\n";
        let a = run(
            base,
            &[
                "service:\n  version: 2.0.0\nscaling:\n  replicas: 2\n",
                "scaling:\n  replicas: 3\n",
            ],
            &["service.version=3.0.0"],
        );
        let v = json(&a.text);
        assert_eq!(v["service"]["name"], "a");
        assert_eq!(v["service"]["version"], "3.0.0");
        assert_eq!(v["scaling"]["replicas"], 3);
        assert_eq!(
            a.marks.last().map(|m| m.by.as_str()),
            Some("--set service.version=3.0.0")
        );
        assert_eq!(a.marks[0].by, "values file v0.yaml:2");
    }

    #[test]
    fn lists_are_replaced_and_indexes_set_items() {
        let base = "interfaces:\n  - name: a\n    port: 1\n  - name: b\n    port: 2\n";
        let a = run(base, &[], &["interfaces[1].port=9090"]);
        let v = json(&a.text);
        assert_eq!(v["interfaces"][1]["port"], 9090);
        assert_eq!(v["interfaces"][0]["port"], 1);
        assert_eq!(a.marks[0].dotted(), "interfaces[1].port");
        let b = run(base, &["interfaces:\n  - name: c\n"], &[]);
        assert_eq!(
            json(&b.text)["interfaces"],
            serde_json::json!([{"name": "c"}])
        );
        let e = apply(
            base,
            &Overrides {
                values: vec![],
                set: vec!["interfaces[5].port=1".into()],
            },
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "failed to set \"interfaces[5].port\": index 5 out of bounds at \"interfaces[5]\" (length 2)"
        );
    }

    #[test]
    fn missing_mappings_are_created_and_bad_input_is_an_error() {
        let a = run("service:\n  name: a\n", &[], &["metadata.labels.team=x"]);
        assert_eq!(json(&a.text)["metadata"]["labels"]["team"], "x");
        assert!(matches!(
            apply(
                "a: 1\n",
                &Overrides {
                    values: vec![],
                    set: vec!["novalue".into()]
                }
            ),
            Err(OverrideError::SetFormat(_))
        ));
        let e = apply(
            "a: 1\n",
            &Overrides {
                values: vec![ValuesFile {
                    name: "bad.yaml".into(),
                    text: "a: [\n".into(),
                }],
                set: vec![],
            },
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("values file bad.yaml:"), "{e}");
        let e = apply(
            "a: 1\n",
            &Overrides {
                values: vec![ValuesFile {
                    name: "list.yaml".into(),
                    text: "- a\n".into(),
                }],
                set: vec![],
            },
        )
        .unwrap_err();
        assert!(matches!(e, OverrideError::ValuesNotMapping { .. }));
    }

    #[test]
    fn the_rendered_text_reads_back_as_the_merged_value() {
        let base = "pactoVersion: \"1.0\"\nservice:\n  name: a\n  version: \"1.0\"\nlist:\n  - - x\n    - y\n  - {}\n  - a: 1\n    b: [1, 2]\nempty: []\nquoted: \"yes\"\ndate: 2027-01-01\n";
        let a = run(base, &["extra: {k: 'v: w'}\n"], &[]);
        let mut want = json(base);
        want["extra"] = serde_json::json!({"k": "v: w"});
        assert_eq!(json(&a.text), want);
    }

    #[test]
    fn problems_are_placed_in_pacto_yaml_or_on_the_override() {
        let base = "# c\nservice:\n  name: a\n  version: 1.0.0\nother: 1\n";
        let a = run(base, &[], &["service.version=x"]);
        let merged = tree_of(&a.text).unwrap();
        let at = |p: &[&str]| merged.walk(p).0.span();
        let d1 = Diagnostic::error("X", "service.version", "bad")
            .with_span(Some(at(&["service", "version"])));
        let d2 = Diagnostic::error("Y", "other", "bad").with_span(Some(at(&["other"])));
        let placed = place(vec![d1, d2], &a, base);
        assert_eq!(placed[0].span, None);
        assert_eq!(placed[0].message, "bad (set by --set service.version=x)");
        let s = placed[1].span.unwrap();
        assert_eq!(&base[s.start as usize..s.end as usize], "1");
    }
}
