//! The structural walk Go Pacto 3.x runs over two JSON/YAML values (`diffJSON` in
//! `pkg/diff/schema.go`): objects key by key in sorted order, arrays of strings as sets, other
//! arrays by position, and anything else as one `modified` change. Each difference is classified
//! from the shape of its path and from which side of an exchange supplies the data
//! ([`Direction`]), so a `required` entry added to a request body is breaking and the same entry
//! added to a response is not.
//!
//! The walk runs on the span tree, so every change carries the line of each side; paths, reasons
//! and classifications are Go's.

use super::{Change, ChangeType, Classification, Source};
use crate::syntax::{ColumnUnit, NodeKind, NodeRef, Resolved};
use serde_json::Value;
use std::collections::BTreeSet;

/// Which side of an exchange supplies the data a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A configuration or policy schema, an AsyncAPI channel (one service publishes, another
    /// subscribes): `required` changes take the conservative reading both ways.
    Unknown,
    /// Data the consumer sends: an OpenAPI request body.
    Request,
    /// Data the provider returns: an OpenAPI response.
    Response,
}

/// One side of the walk: a node and the bundle-relative file it sits in.
#[derive(Clone, Copy)]
pub struct At<'t> {
    pub file: &'t str,
    pub node: NodeRef<'t>,
}

impl<'t> At<'t> {
    pub fn new(file: &'t str, node: NodeRef<'t>) -> At<'t> {
        At { file, node }
    }

    fn with(self, node: NodeRef<'t>) -> At<'t> {
        At {
            file: self.file,
            node,
        }
    }

    /// Where the node sits, with its 1-based line.
    pub fn source(self) -> Source {
        let span = self.node.span();
        let line = self
            .node
            .tree()
            .line_index()
            .line_col(span.start, ColumnUnit::Char)
            .line
            + 1;
        Source {
            file: self.file.to_string(),
            span,
            line,
        }
    }
}

/// Whether two nodes hold the same data (as decoded values: quoting, flow style, key order and
/// comments do not count; `1` and `1.0` are the same number, as in Go's JSON comparison).
pub fn same(a: NodeRef<'_>, b: NodeRef<'_>) -> bool {
    match (a.kind(), b.kind()) {
        (NodeKind::Scalar(x), NodeKind::Scalar(y)) => match (&x.resolved, &y.resolved) {
            (Resolved::Str, Resolved::Str) => x.text == y.text,
            (l, r) => match (number(l), number(r)) {
                (Some(p), Some(q)) => p == q || (p.is_nan() && q.is_nan()),
                _ => l == r && (l != &Resolved::Str || x.text == y.text),
            },
        },
        (NodeKind::Sequence(x), NodeKind::Sequence(y)) => {
            x.len() == y.len() && a.items().zip(b.items()).all(|(p, q)| same(p, q))
        }
        (NodeKind::Mapping(_), NodeKind::Mapping(_)) => {
            let (ka, kb) = (keyed(a), keyed(b));
            ka.len() == kb.len()
                && ka
                    .iter()
                    .zip(kb.iter())
                    .all(|((k1, v1), (k2, v2))| k1 == k2 && same(*v1, *v2))
        }
        _ => false,
    }
}

fn number(r: &Resolved) -> Option<f64> {
    match r {
        Resolved::Int(i) => Some(*i as f64),
        Resolved::UInt(u) => Some(*u as f64),
        Resolved::Float(f) => Some(*f),
        _ => None,
    }
}

/// A mapping's entries by key text, sorted (byte order, as Go's `sort.Strings`); for a repeated
/// key the last one wins, as in a decoded Go map.
pub fn keyed(n: NodeRef<'_>) -> Vec<(String, NodeRef<'_>)> {
    let mut map = std::collections::BTreeMap::new();
    for (k, v) in n.entries() {
        let key = match k.as_scalar() {
            Some(s) if s.resolved == Resolved::Null => "<nil>".to_string(),
            Some(s) => s.text.clone(),
            None => k.to_json().to_string(),
        };
        map.insert(key, v);
    }
    map.into_iter().collect()
}

/// Compare two values under `prefix` (`schema`, `openapi.paths[/x].methods[GET].request-body`).
/// Equal values give no change.
pub fn diff(dir: Direction, prefix: &str, old: At<'_>, new: At<'_>) -> Vec<Change> {
    let mut out = Vec::new();
    walk(dir, prefix, old, new, &mut out);
    out
}

fn walk(dir: Direction, prefix: &str, old: At<'_>, new: At<'_>, out: &mut Vec<Change>) {
    if same(old.node, new.node) {
        return;
    }
    match (old.node.kind(), new.node.kind()) {
        // Go descends only into mappings whose keys are all strings (yaml.v3 decodes any other
        // into a map it does not walk): such a mapping is one value.
        (NodeKind::Mapping(_), NodeKind::Mapping(_))
            if string_keys(old.node) && string_keys(new.node) =>
        {
            objects(dir, prefix, old, new, out)
        }
        (NodeKind::Sequence(_), NodeKind::Sequence(_)) => arrays(dir, prefix, old, new, out),
        _ => out.push(
            change(
                dir,
                prefix,
                prefix,
                ChangeType::Modified,
                Some(json(old.node)),
                Some(json(new.node)),
                format!("{prefix} changed"),
            )
            .with_sources(Some(old.source()), Some(new.source())),
        ),
    }
}

fn string_keys(n: NodeRef<'_>) -> bool {
    n.entries()
        .all(|(k, _)| k.as_scalar().is_some_and(|s| s.resolved == Resolved::Str))
}

fn find<'t>(list: &[(String, NodeRef<'t>)], k: &str) -> Option<NodeRef<'t>> {
    list.binary_search_by(|(x, _)| x.as_str().cmp(k))
        .ok()
        .map(|i| list[i].1)
}

fn objects(dir: Direction, prefix: &str, old: At<'_>, new: At<'_>, out: &mut Vec<Change>) {
    let (o, n) = (keyed(old.node), keyed(new.node));
    let keys: BTreeSet<&str> = o.iter().chain(n.iter()).map(|(k, _)| k.as_str()).collect();
    for k in keys {
        let path = format!("{prefix}.{k}");
        match (find(&o, k), find(&n, k)) {
            (None, Some(nv)) => out.push(
                change(
                    dir,
                    &path,
                    &path,
                    ChangeType::Added,
                    None,
                    Some(json(nv)),
                    format!("{path} added"),
                )
                .with_sources(Some(old.source()), Some(new.with(nv).source())),
            ),
            (Some(ov), None) => out.push(
                change(
                    dir,
                    &path,
                    &path,
                    ChangeType::Removed,
                    Some(json(ov)),
                    None,
                    format!("{path} removed"),
                )
                .with_sources(Some(old.with(ov).source()), Some(new.source())),
            ),
            (Some(ov), Some(nv)) => walk(dir, &path, old.with(ov), new.with(nv), out),
            (None, None) => {}
        }
    }
}

/// The items of a sequence when every one is a string (an empty sequence qualifies).
fn strings<'t>(n: NodeRef<'t>) -> Option<Vec<(&'t str, NodeRef<'t>)>> {
    n.items()
        .map(|i| match i.as_scalar() {
            Some(s) if s.resolved == Resolved::Str => Some((s.text.as_str(), i)),
            _ => None,
        })
        .collect()
}

fn arrays(dir: Direction, prefix: &str, old: At<'_>, new: At<'_>, out: &mut Vec<Change>) {
    if let (Some(os), Some(ns)) = (strings(old.node), strings(new.node)) {
        let oset: BTreeSet<&str> = os.iter().map(|(s, _)| *s).collect();
        let nset: BTreeSet<&str> = ns.iter().map(|(s, _)| *s).collect();
        for (s, node) in &ns {
            if !oset.contains(s) {
                out.push(
                    change(
                        dir,
                        prefix,
                        &format!("{prefix}[{s}]"),
                        ChangeType::Added,
                        None,
                        Some(Value::String(s.to_string())),
                        format!("{prefix} {s} added"),
                    )
                    .with_sources(Some(old.source()), Some(new.with(*node).source())),
                );
            }
        }
        for (s, node) in &os {
            if !nset.contains(s) {
                out.push(
                    change(
                        dir,
                        prefix,
                        &format!("{prefix}[{s}]"),
                        ChangeType::Removed,
                        Some(Value::String(s.to_string())),
                        None,
                        format!("{prefix} {s} removed"),
                    )
                    .with_sources(Some(old.with(*node).source()), Some(new.source())),
                );
            }
        }
        return;
    }
    let (oi, ni): (Vec<_>, Vec<_>) = (old.node.items().collect(), new.node.items().collect());
    for i in 0..oi.len().max(ni.len()) {
        let path = format!("{prefix}[{i}]");
        match (oi.get(i), ni.get(i)) {
            (None, Some(nv)) => out.push(
                change(
                    dir,
                    prefix,
                    &path,
                    ChangeType::Added,
                    None,
                    Some(json(*nv)),
                    format!("{path} added"),
                )
                .with_sources(Some(old.source()), Some(new.with(*nv).source())),
            ),
            (Some(ov), None) => out.push(
                change(
                    dir,
                    prefix,
                    &path,
                    ChangeType::Removed,
                    Some(json(*ov)),
                    None,
                    format!("{path} removed"),
                )
                .with_sources(Some(old.with(*ov).source()), Some(new.source())),
            ),
            (Some(ov), Some(nv)) => walk(dir, &path, old.with(*ov), new.with(*nv), out),
            (None, None) => {}
        }
    }
}

/// A node's value as Go's `jsonSafe` leaves it: a NaN or an infinity (legal YAML, no JSON form)
/// is its Go text (`+Inf`, `-Inf`, `NaN`), never null.
pub fn json(node: NodeRef<'_>) -> Value {
    match node.kind() {
        NodeKind::Scalar(s) => match s.resolved {
            Resolved::Float(f) if f.is_nan() => Value::String("NaN".into()),
            Resolved::Float(f) if f.is_infinite() => {
                Value::String(if f > 0.0 { "+Inf" } else { "-Inf" }.into())
            }
            _ => node.to_json(),
        },
        NodeKind::Sequence(_) => Value::Array(node.items().map(json).collect()),
        NodeKind::Mapping(_) => {
            Value::Object(keyed(node).into_iter().map(|(k, v)| (k, json(v))).collect())
        }
        NodeKind::Alias(_) => node.to_json(),
    }
}

/// A change at `path`, classified from `rule_path` (Go classifies an array entry by the array's
/// path, not the entry's).
fn change(
    dir: Direction,
    rule_path: &str,
    path: &str,
    t: ChangeType,
    old: Option<Value>,
    new: Option<Value>,
    reason: String,
) -> Change {
    // Go leaves a nil value out of the change.
    let present = |v: Option<Value>| v.filter(|v| !v.is_null());
    Change {
        path: path.to_string(),
        change_type: t,
        old_value: present(old),
        new_value: present(new),
        classification: classify(dir, rule_path, t),
        reason,
        item: None,
        explanation: Some(explain(dir, rule_path, t).to_string()),
        old_source: None,
        new_source: None,
    }
}

/// Go's `classifySchemaChange`: the classification of one difference the walk found.
pub fn classify(dir: Direction, path: &str, t: ChangeType) -> Classification {
    use Classification::{Breaking, NonBreaking, PotentialBreaking};
    // A whole response header removed is potentially breaking, so nothing inside one may be
    // graded worse.
    let in_header = dir == Direction::Response && path.contains(".headers.");
    // Checked before `.required`: a property may itself be named `required`.
    if is_property(path) {
        if dir == Direction::Response && t == ChangeType::Removed && !in_header {
            return Breaking;
        }
        return PotentialBreaking;
    }
    if path.ends_with(".required") {
        let relaxed = (dir == Direction::Request && t == ChangeType::Removed)
            || (dir == Direction::Response && t == ChangeType::Added);
        return if relaxed { NonBreaking } else { Breaking };
    }
    if dir == Direction::Response && t == ChangeType::Removed && !in_header && is_payload(path) {
        return Breaking;
    }
    PotentialBreaking
}

/// Why [`classify`] said what it said, in words.
fn explain(dir: Direction, path: &str, t: ChangeType) -> &'static str {
    match classify(dir, path, t) {
        Classification::Breaking if path.ends_with(".required") => match dir {
            Direction::Request => "Callers must now send a field they could omit before.",
            Direction::Response => "Readers relied on a field the response no longer promises.",
            Direction::Unknown => {
                "The document does not say who supplies the data, so a changed `required` list is breaking either way."
            }
        },
        Classification::Breaking => "Readers of the response lose data they received before.",
        Classification::NonBreaking if dir == Direction::Request => {
            "Callers are asked for less than before."
        }
        Classification::NonBreaking => "The response promises more than before.",
        Classification::PotentialBreaking => {
            "A structural change consumers may depend on: review it."
        }
    }
}

/// Whether `path` names one entry of a `properties` map.
fn is_property(path: &str) -> bool {
    match path.rfind('.') {
        Some(i) if i > 0 => path[..i].ends_with(".properties"),
        _ => false,
    }
}

/// The keys OpenAPI allows inside a media type object.
const MEDIA_TYPE_FIELDS: [&str; 4] = ["schema", "example", "examples", "encoding"];

fn has_media_type_field(s: &str) -> bool {
    MEDIA_TYPE_FIELDS
        .iter()
        .any(|f| s.ends_with(&format!(".{f}")) || s.contains(&format!(".{f}.")))
}

/// Whether `path` names a response's payload as a whole: `content`, one media type, that media
/// type's own schema or the schema's `properties` block.
fn is_payload(path: &str) -> bool {
    if path.ends_with(".content") {
        return true;
    }
    let Some(i) = path.find(".content.") else {
        return false;
    };
    let tail = &path[i + ".content.".len()..];
    if !tail.contains('/') {
        return false;
    }
    if let Some(j) = tail.rfind(".schema") {
        let rest = &tail[j + ".schema".len()..];
        if (rest.is_empty() || rest.ends_with(".properties")) && !has_media_type_field(&tail[..j]) {
            return true;
        }
    }
    !has_media_type_field(tail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{parse, Limits, Tree};

    fn tree(s: &str) -> Tree {
        parse(s, &Limits::default()).tree.expect("parses")
    }

    fn run(dir: Direction, old: &str, new: &str) -> Vec<(String, ChangeType, Classification)> {
        let (o, n) = (tree(old), tree(new));
        diff(
            dir,
            "x",
            At::new("old.yaml", o.root()),
            At::new("new.yaml", n.root()),
        )
        .into_iter()
        .map(|c| (c.path, c.change_type, c.classification))
        .collect()
    }

    #[test]
    fn equal_values_in_other_spellings_give_nothing() {
        assert!(run(
            Direction::Unknown,
            "{a: 1, b: [x, y]}",
            "b: ['x', \"y\"]\na: 1.0\n"
        )
        .is_empty());
    }

    #[test]
    fn required_reads_by_direction() {
        let (old, new) = ("required: [a]", "required: [a, b]");
        assert_eq!(
            run(Direction::Request, old, new),
            vec![(
                "x.required[b]".into(),
                ChangeType::Added,
                Classification::Breaking
            )]
        );
        assert_eq!(
            run(Direction::Response, old, new)[0].2,
            Classification::NonBreaking
        );
        assert_eq!(
            run(Direction::Unknown, old, new)[0].2,
            Classification::Breaking
        );
        assert_eq!(
            run(Direction::Request, new, old)[0].2,
            Classification::NonBreaking
        );
    }

    #[test]
    fn a_property_named_required_is_a_property() {
        let got = run(
            Direction::Request,
            "properties: {required: {type: string}}",
            "properties: {}",
        );
        assert_eq!(
            got,
            vec![(
                "x.properties.required".into(),
                ChangeType::Removed,
                Classification::PotentialBreaking
            )]
        );
    }

    #[test]
    fn response_payload_and_property_removal_is_breaking_but_not_in_headers() {
        let old = "content: {application/json: {schema: {properties: {id: {type: string}}}}}\nheaders: {X-A: {schema: {properties: {p: {type: string}}}}}";
        let new = "content: {application/json: {schema: {properties: {}}}}\nheaders: {X-A: {schema: {properties: {}}}}";
        let got = run(Direction::Response, old, new);
        assert!(got.contains(&(
            "x.content.application/json.schema.properties.id".into(),
            ChangeType::Removed,
            Classification::Breaking
        )));
        assert!(got.contains(&(
            "x.headers.X-A.schema.properties.p".into(),
            ChangeType::Removed,
            Classification::PotentialBreaking
        )));
        let whole = run(
            Direction::Response,
            "content: {application/json: {schema: {type: object}}}",
            "content: {}",
        );
        assert_eq!(whole[0].2, Classification::Breaking);
        let example = run(
            Direction::Response,
            "content: {application/json: {example: {a: 1}}}",
            "content: {application/json: {}}",
        );
        assert_eq!(example[0].2, Classification::PotentialBreaking);
    }

    #[test]
    fn scalars_and_positional_arrays() {
        let got = run(
            Direction::Unknown,
            "{t: string, e: [1, 2]}",
            "{t: integer, e: [1]}",
        );
        assert_eq!(
            got,
            vec![
                (
                    "x.e[1]".into(),
                    ChangeType::Removed,
                    Classification::PotentialBreaking
                ),
                (
                    "x.t".into(),
                    ChangeType::Modified,
                    Classification::PotentialBreaking
                ),
            ]
        );
    }

    #[test]
    fn a_mapping_with_other_keys_is_one_value() {
        let got = run(
            Direction::Unknown,
            "example: {200: ok}",
            "example: {200: fine}",
        );
        assert_eq!(
            got,
            vec![(
                "x.example".into(),
                ChangeType::Modified,
                Classification::PotentialBreaking
            )]
        );
        let (o, n) = (tree("a: ~"), tree("a: 1"));
        let c = diff(
            Direction::Unknown,
            "v",
            At::new("o", o.root()),
            At::new("n", n.root()),
        );
        assert_eq!(c[0].old_value, None);
    }

    #[test]
    fn changes_carry_lines() {
        let (o, n) = (tree("a: 1\nb: 2\n"), tree("a: 1\nb: 3\n"));
        let c = diff(
            Direction::Unknown,
            "v",
            At::new("o", o.root()),
            At::new("n", n.root()),
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].old_source.as_ref().map(|s| s.line), Some(2));
        assert_eq!(c[0].new_source.as_ref().map(|s| s.line), Some(2));
        assert_eq!(c[0].reason, "v.b changed");
    }
}
