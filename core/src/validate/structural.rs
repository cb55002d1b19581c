//! Layer 1: the contract document against the embedded JSON Schema.
//!
//! Each leaf cause becomes one diagnostic placed on the exact node: the key for an unknown or a
//! missing key, the value for a bad value. Where Go Pacto says `PARSE_ERROR` or
//! `SCHEMA_VIOLATION` for a problem we can name, we name it (`UNKNOWN_FIELD`,
//! `MISSING_REQUIRED_FIELD`); the verdict is the same.

use super::path::{dotted, json_pointer_tokens};
use crate::diagnostic::Diagnostic;
use crate::schema::{self, Generation};
use crate::syntax::{excerpt, ColumnUnit, NodeRef, Resolved, Span, Style, Tree};
use jsonschema::error::ValidationErrorKind;
use jsonschema::ValidationError;
use serde_json::Value;
use std::collections::HashMap;

pub(crate) const SCHEMA_VIOLATION: &str = "SCHEMA_VIOLATION";
pub(crate) const UNKNOWN_FIELD: &str = "UNKNOWN_FIELD";
pub(crate) const MISSING_REQUIRED_FIELD: &str = "MISSING_REQUIRED_FIELD";

/// A schema finding, and whether it is about the shape of a whole object (a `oneOf`/`anyOf` that
/// no form matched) rather than one node.
pub struct Finding {
    pub diagnostic: Diagnostic,
    pub shape: bool,
}

/// Validate the document (as JSON) against the schema of its generation.
pub fn check(tree: &Tree, doc: &Value, generation: Generation) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut shapes = Vec::new();
    for error in generation.validator().iter_errors(doc) {
        leaves(tree, &error, &mut out, &mut shapes, 0, generation);
    }
    // One problem per node: a value that is both of the wrong type and outside the enum is
    // reported once, by the first (most basic) finding.
    let mut seen = std::collections::HashSet::new();
    out.retain(|d| d.code != SCHEMA_VIOLATION || seen.insert((d.path.clone(), d.span)));
    let mut findings: Vec<Finding> = out
        .into_iter()
        .map(|diagnostic| Finding {
            diagnostic,
            shape: false,
        })
        .collect();
    findings.extend(shapes.into_iter().map(|diagnostic| Finding {
        diagnostic,
        shape: true,
    }));
    findings
}

/// Validate `instance` against a user schema (configuration values, policies) and report each leaf
/// as `code` with `prefix` before the message. Spans are found by following the instance path
/// from `base` (the node that `instance` was made from).
pub(crate) fn check_with(
    validator: &jsonschema::Validator,
    instance: &Value,
    base: NodeRef<'_>,
    mut describe: impl FnMut(&str, &str) -> (String, String),
) -> Vec<(String, String, crate::syntax::Span)> {
    let mut out = Vec::new();
    for error in validator.iter_errors(instance) {
        let tokens = json_pointer_tokens(error.instance_path().as_str());
        let (node, _) = walk_from(base, &tokens);
        let pointer = error.instance_path().as_str().to_string();
        let (path, message) = describe(&pointer, &excerpt::bound_message(&error.to_string()));
        out.push((path, message, node.span()));
    }
    out.sort_by(|a, b| (a.2.start, &a.1).cmp(&(b.2.start, &b.1)));
    out
}

fn walk_from<'t>(base: NodeRef<'t>, tokens: &[String]) -> (NodeRef<'t>, usize) {
    let mut node = base;
    for (i, tok) in tokens.iter().enumerate() {
        let next = if node.is_mapping() {
            node.get(tok)
        } else {
            tok.parse::<usize>().ok().and_then(|i| node.item(i))
        };
        match next {
            Some(n) => node = n,
            None => return (node, i),
        }
    }
    (node, tokens.len())
}

fn leaves(
    tree: &Tree,
    error: &ValidationError<'_>,
    out: &mut Vec<Diagnostic>,
    shapes: &mut Vec<Diagnostic>,
    depth: usize,
    generation: Generation,
) {
    let tokens = json_pointer_tokens(error.instance_path().as_str());
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            let schema_path = error.schema_path().as_str();
            let parent_pointer = schema_path.rsplit_once('/').map_or("", |(p, _)| p);
            let known = schema::object_keys_in(generation, parent_pointer);
            // One error lists every unknown key of one object: find the object and index its
            // keys once, not once per key (64,000 unknown keys must not cost 64,000 scans).
            let (parent, used) = tree.walk(&tokens);
            let mut key_spans: HashMap<&str, Span> = HashMap::new();
            if used == tokens.len() {
                for (k, _) in parent.entries() {
                    if let Some(s) = k.as_scalar() {
                        key_spans.entry(s.text.as_str()).or_insert(k.span());
                    }
                }
            }
            let where_ = if tokens.is_empty() {
                "the contract".to_string()
            } else {
                format!("`{}`", dotted(&tokens))
            };
            let parent_path = dotted(&tokens);
            let all_known = known.join(", ");
            for key in unexpected {
                let span = match key_spans.get(key.as_str()) {
                    Some(span) => *span,
                    None => {
                        let mut key_tokens = tokens.clone();
                        key_tokens.push(key.clone());
                        tree.key_span(&key_tokens)
                    }
                };
                let path = dotted(&[parent_path.as_str(), key.as_str()]);
                let mut d = Diagnostic::error(
                    UNKNOWN_FIELD,
                    path,
                    format!("unknown field {} in {where_}", excerpt::quoted(key)),
                )
                .with_span(Some(span));
                if let Some(best) = nearest(key, &known) {
                    d = d.with_help(format!("did you mean \"{best}\"?"));
                } else if !known.is_empty() {
                    d = d.with_help(format!("valid fields here: {all_known}"));
                }
                if generation == Generation::V2 {
                    if let Some(help) = moved_in_v2(&tokens, key) {
                        d = d.with_help(help);
                    }
                }
                out.push(d);
            }
        }
        // A key the schema forbids with a `false` subschema: a section that the declared
        // pactoVersion does not have (`readiness` before "1.2"). To the author it is an unknown
        // field, reported as one, on the key.
        ValidationErrorKind::FalseSchema
            if tokens.last().is_some_and(|t| t.parse::<usize>().is_err()) =>
        {
            let (parent, key) = tokens.split_at(tokens.len() - 1);
            let key = &key[0];
            let where_ = if parent.is_empty() {
                "the contract".to_string()
            } else {
                format!("`{}`", dotted(parent))
            };
            let mut d = Diagnostic::error(
                UNKNOWN_FIELD,
                dotted(&tokens),
                format!("unknown field {} in {where_}", excerpt::quoted(key)),
            )
            .with_span(Some(tree.key_span(&tokens)));
            // Sections that depend on the declared pactoVersion.
            let help = match (generation == Generation::V1 && parent.is_empty(), key.as_str()) {
                (true, "readiness") => Some("`readiness` needs pactoVersion: \"1.2\""),
                (true, "configuration") => Some(
                    "from pactoVersion \"1.1\" on, write `configurations:` (a list of named entries)",
                ),
                (true, "policy") => Some(
                    "from pactoVersion \"1.1\" on, write `policies:` (a list of named entries)",
                ),
                _ => None,
            };
            if let Some(help) = help {
                d = d.with_help(help);
            }
            out.push(d);
        }
        ValidationErrorKind::Required { property } => {
            let prop = property.as_str().unwrap_or_default().to_string();
            let mut full = tokens.clone();
            full.push(prop.clone());
            let span = tree.key_span(&tokens);
            let d = Diagnostic::error(
                MISSING_REQUIRED_FIELD,
                dotted(&full),
                format!("{} is required", dotted(&full)),
            )
            .with_span(Some(span))
            .with_help(if tokens.is_empty() {
                format!("add `{prop}:` at the top level")
            } else {
                format!("add `{prop}:` under `{}`", dotted(&tokens))
            });
            out.push(d);
        }
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context }
            if depth < 8 =>
        {
            // Drop the branches that expect another type for this very node: when exactly one
            // branch is left, its leaves are the real problem (e.g. an `owner` object with an
            // unknown key). Otherwise say which forms are allowed.
            let here = error.instance_path().as_str();
            let matching: Vec<&Vec<ValidationError<'static>>> = context
                .iter()
                .filter(|branch| {
                    !branch.iter().any(|e| {
                        e.instance_path().as_str() == here
                            && matches!(e.kind(), ValidationErrorKind::Type { .. })
                    })
                })
                .collect();
            if let [only] = matching.as_slice() {
                if !only.is_empty() {
                    for e in only.iter() {
                        leaves(tree, e, out, shapes, depth + 1, generation);
                    }
                    return;
                }
            }
            shapes.push(violation(
                tree,
                &tokens,
                one_of_message(tree, &tokens, error),
            ));
        }
        _ => {
            let mut message = message_of(tree, &tokens, error);
            let (node, used) = tree.walk(&tokens);
            let mut d = violation(tree, &tokens, std::mem::take(&mut message));
            if used == tokens.len() {
                if let Some(hint) = quote_hint(node, error) {
                    d = d.with_help(hint);
                }
            }
            out.push(d);
        }
    }
}

/// Where a 1.x key went in 2.0 (Go Pacto's MIGRATION.md), for an unknown key under
/// `pactoVersion: "2.0"`: `parent` is the instance path of the object holding `key`.
fn moved_in_v2(parent: &[String], key: &str) -> Option<&'static str> {
    let parent: Vec<&str> = parent
        .iter()
        .map(|t| {
            if t.bytes().all(|b| b.is_ascii_digit()) {
                "#"
            } else {
                t.as_str()
            }
        })
        .collect();
    Some(match (parent.as_slice(), key) {
        ([], "runtime") => "2.0 has no `runtime`: `workload` and `state` are top-level keys, and health and metrics are `capabilities` entries with a `binding` (`pacto migrate` converts a 1.x bundle)",
        ([], "scaling") => "2.0 has no `scaling` (replicas are a deployment concern): remove it",
        ([], "configuration") => "2.0 writes `configurations:`, a list of named entries with `required`",
        ([], "policy") => "2.0 writes `policies:`, a list of named entries",
        (["service"], "image" | "chart") => "2.0 has no `service.image` or `service.chart` (deployment concerns): remove it",
        (["interfaces", "#"], "port") => "2.0 interfaces have no `port` (a deployment concern): remove it",
        (["interfaces", "#"], "contract") => "2.0 names the spec file with `ref:`",
        (["readiness"], "checks") => "2.0 renamed `checks` to `claims`",
        (["readiness", "claims", "#"], "expires") => "a 2.0 claim has no expiry of its own: `readiness.expires` covers every claim",
        _ => return None,
    })
}

fn violation(tree: &Tree, tokens: &[String], message: String) -> Diagnostic {
    let (node, used) = tree.walk(tokens);
    let span = if used == tokens.len() {
        node.span()
    } else {
        tree.key_span(&tokens[..used])
    };
    // Go Pacto's schema paths join instance tokens with dots: `interfaces.0.port`.
    Diagnostic::error(SCHEMA_VIOLATION, tokens.join("."), message).with_span(Some(span))
}

/// The validator's message for `error`, quoting no more of the value than its first source line
/// (a plain scalar folds its lines into one: a text file read as a contract is one long value)
/// and at most [`excerpt::MAX_CHARS`] characters of it.
fn message_of(tree: &Tree, tokens: &[String], error: &ValidationError<'_>) -> String {
    let message = error.to_string();
    let (node, used) = tree.walk(tokens);
    let Some(scalar) = node.as_scalar().filter(|_| used == tokens.len()) else {
        return excerpt::bound_message(&message);
    };
    let span = node.span();
    let index = tree.line_index();
    let first_line = index.line_col(span.start, ColumnUnit::Utf8).line;
    if index.line_col(span.end, ColumnUnit::Utf8).line == first_line {
        return excerpt::bound_message(&message);
    }
    // The characters of the value written on its first line (for a block scalar, whose first
    // line is its `|` or `>`, the first line of its content).
    let on_first_line = index
        .line_start(first_line + 1)
        .map_or(span.len(), |next| next.saturating_sub(span.start + 1))
        as usize;
    let limit = match scalar.style {
        Style::Literal | Style::Folded => usize::MAX,
        _ => on_first_line,
    };
    let first = scalar.text.split('\n').next().unwrap_or_default();
    let mut kept: String = first.chars().take(limit.min(excerpt::MAX_CHARS)).collect();
    kept.push('…');
    let shown = serde_json::to_string(&kept).unwrap_or_default();
    let whole = error.instance().to_string();
    excerpt::bound_message(&message.replacen(&whole, &shown, 1))
}

fn one_of_message(tree: &Tree, tokens: &[String], error: &ValidationError<'_>) -> String {
    let last = tokens
        .iter()
        .rev()
        .find(|t| t.parse::<usize>().is_err())
        .map(String::as_str);
    match last {
        Some("scaling") => {
            "scaling takes either `replicas` alone or both `min` and `max`, not a mix".to_string()
        }
        Some("configuration") | Some("configurations") => {
            "a configuration takes either `schema` (with optional `values`) or `ref` (without `schema` or `values`)".to_string()
        }
        Some("capabilities") => {
            "a `health` or `metrics` capability takes no `ref` (it may take a `binding`); an `extension` capability takes a namespaced `ref` and no `binding`".to_string()
        }
        Some("policy") | Some("policies") => {
            "a policy takes exactly one of `schema` or `ref`".to_string()
        }
        Some("owner") => {
            "owner is either a non-empty string or an object with `team`, `dri` and/or `contacts`"
                .to_string()
        }
        _ => message_of(tree, tokens, error),
    }
}

/// An unquoted scalar that YAML read as a number or boolean where the schema wants a string.
fn quote_hint(node: NodeRef<'_>, error: &ValidationError<'_>) -> Option<String> {
    let scalar = node.as_scalar()?;
    if scalar.style != Style::Plain || scalar.resolved == Resolved::Str {
        return None;
    }
    let wants_string = match error.kind() {
        ValidationErrorKind::Type { .. } => error.to_string().contains("\"string\""),
        ValidationErrorKind::Enum { options } => options
            .as_array()
            .is_some_and(|o| o.iter().all(Value::is_string)),
        ValidationErrorKind::Constant { expected_value } => expected_value.is_string(),
        _ => false,
    };
    wants_string.then(|| {
        format!(
            "YAML reads the unquoted {} as a {}; quote it: \"{}\"",
            scalar.text,
            scalar.resolved.type_name(),
            scalar.text
        )
    })
}

/// The candidate closest to `key` by edit distance, if close enough to be a likely typo (the one
/// did-you-mean rule: unknown keys here, enum values in the language server's quick fixes).
pub fn nearest<'a>(key: &str, candidates: &[&'a str]) -> Option<&'a str> {
    // A likely typo is about as long as a field name; a longer key is no typo (and the edit
    // distance of a huge key would cost its length times each candidate's).
    if key.len() > 64 {
        return None;
    }
    let key_l = key.to_ascii_lowercase();
    let key_chars = key.chars().count();
    let limit = |c: &str| (c.len().max(key.len()) / 3).max(1);
    candidates
        .iter()
        // The distance is at least the difference in length: skip the candidates that cannot
        // be close enough before computing it (one unknown key per line of a large file).
        .filter(|c| key_chars.abs_diff(c.chars().count()) <= limit(c))
        .map(|c| (levenshtein(&key_l, &c.to_ascii_lowercase()), *c))
        .filter(|(d, c)| *d <= limit(c))
        .min()
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_finds_typos_only() {
        let keys = ["interfaces", "service", "runtime", "dependencies"];
        assert_eq!(nearest("interface", &keys), Some("interfaces"));
        assert_eq!(nearest("Servce", &keys), Some("service"));
        assert_eq!(nearest("xyz", &keys), None);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
    }
}
