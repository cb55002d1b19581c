//! `pacto.lock` (Go Pacto 3.x's lockVersion 3): the committed record of a contract's resolved
//! dependency closure and config/policy reference closure.
//!
//! * [`Lock`] and its entries are Go's `pkg/lock` types, field for field; [`Lock::render`] is
//!   Go's `Marshal` (sorted, then yaml.v3), byte for byte.
//! * [`parse`] reads a lock (YAML or JSON) through the span-preserving tree, keeping where each
//!   entry is, so that a problem points at its line of `pacto.lock`.
//! * [`build`] resolves the closure of a bundle directory ([`crate::graph`] for dependencies,
//!   the registry through [`OciPinner`] for digests); [`compare`] is Go's `compareLocks`.
//! * [`run`] is `pacto lock [--check] [--update] [--update-name]`; [`verify_committed`] is what
//!   `validate`, `graph`, `diff` and `push` call on a directory that holds a lock.
//!
//! Every failure is a [`LockError`] with Go's code and message (`LOCK_STALE: …; run
//! \`pacto lock\``), plus where it is in `pacto.yaml` and in `pacto.lock` when we know.

mod build;
mod closure;
mod emit;
pub mod hash;

pub use build::{
    build, build_with_root, run, run_with_root, to_diagnostic, verify_committed,
    verify_committed_with_root, Built, Mode, OciPinner, Outcome, Pinned,
};

use crate::syntax::{parse as parse_yaml, ColumnUnit, Limits, LineIndex, NodeRef, Span};
use serde::Serialize;

/// The lockfile's name, next to `pacto.yaml`.
pub const FILE_NAME: &str = "pacto.lock";
/// The schema version this build writes.
pub const CURRENT_LOCK_VERSION: i64 = 3;
/// The oldest schema version this build still reads.
pub const MIN_LOCK_VERSION: i64 = 1;

pub const LOCK_DIGEST_MISMATCH: &str = "LOCK_DIGEST_MISMATCH";
pub const LOCK_LOCAL_DRIFT: &str = "LOCK_LOCAL_DRIFT";
pub const LOCK_STALE: &str = "LOCK_STALE";
pub const LOCK_CONFLICT: &str = "LOCK_CONFLICT";
pub const LOCK_UNRESOLVED: &str = "LOCK_UNRESOLVED";
pub const LOCK_MISSING: &str = "LOCK_MISSING";
pub const LOCK_AMBIGUOUS_REFERENCE: &str = "LOCK_AMBIGUOUS_REFERENCE";
pub const LOCK_DUPLICATE_DECLARATION: &str = "LOCK_DUPLICATE_DECLARATION";
pub const LOCK_ERROR: &str = "LOCK_ERROR";

/// The root document of `pacto.lock`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Lock {
    pub lock_version: i64,
    pub pacto: PactoInfo,
    pub root: RootInfo,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Entry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    /// Where `lockVersion` is written (parsed locks only).
    #[serde(skip)]
    pub version_span: Option<Span>,
}

/// The CLI version that wrote the lock.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PactoInfo {
    pub version: String,
}

/// The contract the lock belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct RootInfo {
    pub name: String,
    pub version: String,
}

/// One resolved dependency of the closure.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub name: String,
    /// `oci` or `local`.
    pub source: String,
    #[serde(rename = "ref", skip_serializing_if = "String::is_empty")]
    pub reference: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub path: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub constraint: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub digest: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub content_hash: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// Where the entry and its pin are written (parsed locks only).
    #[serde(skip)]
    pub at: Place,
}

/// One resolved config/policy declaration of the closure.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reference {
    /// The content identity of the declaring contract: empty for the root, else
    /// `oci:<digest>` or `local:<contentHash>`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub from: String,
    /// `config` or `policy`.
    pub kind: String,
    pub name: String,
    pub source: String,
    #[serde(rename = "ref", skip_serializing_if = "String::is_empty")]
    pub reference: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub path: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub digest: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub content_hash: String,
    #[serde(skip)]
    pub at: Place,
}

/// Where a parsed entry is in `pacto.lock`: the whole item and its pinned value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Place {
    pub item: Option<Span>,
    pub pin: Option<Span>,
}

/// The identity of one declared reference: the declaring contract, the kind and the name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Occurrence {
    pub from: String,
    pub kind: String,
    pub name: String,
}

impl std::fmt::Display for Occurrence {
    /// For a human reader, as Go's `Occurrence.String`: `config "x" declared by the root contract`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let who = if self.from.is_empty() {
            "the root contract"
        } else {
            &self.from
        };
        write!(
            f,
            "{} {} declared by {who}",
            self.kind,
            go_quote(&self.name)
        )
    }
}

/// Go's `%q` for the texts a lock holds.
pub(crate) fn go_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

impl Reference {
    pub fn occurrence(&self) -> Occurrence {
        Occurrence {
            from: self.from.clone(),
            kind: self.kind.clone(),
            name: self.name.clone(),
        }
    }

    /// The content identity of what this reference resolved to, in the namespace of `from`.
    pub fn destination_id(&self) -> String {
        match self.source.as_str() {
            "local" if !self.content_hash.is_empty() => format!("local:{}", self.content_hash),
            "oci" if !self.digest.is_empty() => format!("oci:{}", self.digest),
            _ => String::new(),
        }
    }

    /// The pinned fields only (what a resolution decides), for comparing two resolutions.
    fn pinned(&self) -> (&str, &str, &str, &str, &str, &str) {
        (
            &self.source,
            &self.reference,
            &self.path,
            &self.version,
            &self.digest,
            &self.content_hash,
        )
    }
}

impl Lock {
    /// The dependency entry named `name`.
    pub fn dependency(&self, name: &str) -> Option<&Entry> {
        self.dependencies.iter().find(|e| e.name == name)
    }

    /// Go's `Marshal`: lockVersion set to the current one, dependencies sorted by name (their
    /// `dependsOn` sorted), references by (from, kind, name, ref, path), written as yaml.v3.
    pub fn render(&self) -> String {
        use emit::Value;
        let s = |v: &str| Value::Str(v.to_string());
        let mut deps = self.dependencies.clone();
        deps.sort_by(|a, b| a.name.cmp(&b.name));
        let mut refs = self.references.clone();
        refs.sort_by(|a, b| {
            (&a.from, &a.kind, &a.name, &a.reference, &a.path).cmp(&(
                &b.from,
                &b.kind,
                &b.name,
                &b.reference,
                &b.path,
            ))
        });
        let mut doc = vec![
            ("lockVersion", Value::Int(CURRENT_LOCK_VERSION)),
            (
                "pacto",
                Value::Map(vec![("version", s(&self.pacto.version))]),
            ),
            (
                "root",
                Value::Map(vec![
                    ("name", s(&self.root.name)),
                    ("version", s(&self.root.version)),
                ]),
            ),
        ];
        let opt = |m: &mut Vec<(&'static str, Value)>, k: &'static str, v: &str| {
            if !v.is_empty() {
                m.push((k, Value::Str(v.to_string())));
            }
        };
        if !deps.is_empty() {
            let items = deps
                .iter()
                .map(|e| {
                    let mut m = vec![("name", s(&e.name)), ("source", s(&e.source))];
                    opt(&mut m, "ref", &e.reference);
                    opt(&mut m, "path", &e.path);
                    opt(&mut m, "constraint", &e.constraint);
                    opt(&mut m, "version", &e.version);
                    opt(&mut m, "digest", &e.digest);
                    opt(&mut m, "contentHash", &e.content_hash);
                    if !e.depends_on.is_empty() {
                        let mut d = e.depends_on.clone();
                        d.sort();
                        m.push(("dependsOn", Value::Seq(d.iter().map(|x| s(x)).collect())));
                    }
                    Value::Map(m)
                })
                .collect();
            doc.push(("dependencies", Value::Seq(items)));
        }
        if !refs.is_empty() {
            let items = refs
                .iter()
                .map(|r| {
                    let mut m = Vec::new();
                    opt(&mut m, "from", &r.from);
                    m.push(("kind", s(&r.kind)));
                    m.push(("name", s(&r.name)));
                    m.push(("source", s(&r.source)));
                    opt(&mut m, "ref", &r.reference);
                    opt(&mut m, "path", &r.path);
                    opt(&mut m, "version", &r.version);
                    opt(&mut m, "digest", &r.digest);
                    opt(&mut m, "contentHash", &r.content_hash);
                    Value::Map(m)
                })
                .collect();
            doc.push(("references", Value::Seq(items)));
        }
        emit::to_yaml(&Value::Map(doc))
    }
}

/// A lock problem: Go's code and message, and where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LockError {
    pub code: &'static str,
    /// Go's whole message, code first (`LOCK_STALE: new dependency auth; run \`pacto lock\``).
    pub message: String,
    /// The node of `pacto.yaml` it concerns.
    pub contract_span: Option<Span>,
    /// The node of `pacto.lock` it concerns.
    pub lock_span: Option<Span>,
    /// A detail that is not part of Go's message (why a lock could not be read).
    pub detail: Option<String>,
}

impl LockError {
    pub(crate) fn new(code: &'static str, message: String) -> LockError {
        LockError {
            code,
            message,
            contract_span: None,
            lock_span: None,
            detail: None,
        }
    }

    pub(crate) fn at_lock(mut self, span: Option<Span>) -> LockError {
        self.lock_span = self.lock_span.or(span);
        self
    }

    pub(crate) fn at_contract(mut self, span: Option<Span>) -> LockError {
        self.contract_span = self.contract_span.or(span);
        self
    }

    pub(crate) fn stale(detail: impl std::fmt::Display) -> LockError {
        LockError::new(
            LOCK_STALE,
            format!("{LOCK_STALE}: {detail}; run `pacto lock`"),
        )
    }

    pub(crate) fn unresolved(reference: &str, reason: impl std::fmt::Display) -> LockError {
        LockError::new(
            LOCK_UNRESOLVED,
            format!("{LOCK_UNRESOLVED}: cannot resolve {reference}: {reason}"),
        )
    }

    /// Anything that is not one of the typed lock errors (Go's `LOCK_ERROR` fallback).
    pub(crate) fn other(message: impl Into<String>) -> LockError {
        LockError::new(LOCK_ERROR, message.into())
    }

    /// `pacto.lock:LINE:COL` of [`LockError::lock_span`] in `lock_text`.
    pub fn lock_position(&self, lock_text: &str) -> Option<(usize, usize)> {
        let span = self.lock_span?;
        let lc = LineIndex::new(lock_text).line_col(span.start, ColumnUnit::Char);
        Some((lc.line as usize + 1, lc.col as usize + 1))
    }
}

/// Read `pacto.lock` text as Go's `lock.Parse` does (yaml.v3 into the lock struct, unknown keys
/// ignored, lockVersion 1 to 3), keeping where each entry is.
pub fn parse(text: &str) -> Result<Lock, LockError> {
    // Nothing but blanks and comments: yaml.v3 decodes the zero lock.
    let blank = text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "---"
    });
    if blank {
        return Err(LockError::other(format!(
            "unsupported lockVersion 0 (want {MIN_LOCK_VERSION}..{CURRENT_LOCK_VERSION})"
        )));
    }
    let parsed = parse_yaml(text, &Limits::default());
    let fatal = parsed.errors.iter().find(|e| e.fatal);
    let tree = match (parsed.tree, fatal) {
        (Some(t), None) => Some(t),
        (_, Some(e)) => {
            let lc = parsed.line_index.line_col(e.span.start, ColumnUnit::Char);
            return Err(LockError::other(format!(
                "parse pacto.lock: yaml: line {}: {}",
                lc.line + 1,
                e.message
            ))
            .at_lock(Some(e.span)));
        }
        // An empty document decodes to the zero lock, as yaml.v3's Unmarshal does.
        (None, None) => None,
    };
    let mut lock = Lock::default();
    if let Some(tree) = &tree {
        let root = tree.root();
        if !root.is_null() {
            read_lock(root, &mut lock, &parsed.line_index)?;
        }
    }
    if lock.lock_version < MIN_LOCK_VERSION || lock.lock_version > CURRENT_LOCK_VERSION {
        return Err(LockError::other(format!(
            "unsupported lockVersion {} (want {MIN_LOCK_VERSION}..{CURRENT_LOCK_VERSION})",
            lock.lock_version
        ))
        .at_lock(lock.version_span));
    }
    Ok(lock)
}

fn unmarshal_error(index: &LineIndex, node: NodeRef<'_>, want: &str) -> LockError {
    let lc = index.line_col(node.span().start, ColumnUnit::Char);
    let (tag, text) = match node.as_scalar() {
        Some(s) => (
            match s.resolved {
                crate::syntax::Resolved::Int(_) | crate::syntax::Resolved::UInt(_) => "!!int",
                crate::syntax::Resolved::Float(_) => "!!float",
                crate::syntax::Resolved::Bool(_) => "!!bool",
                crate::syntax::Resolved::Null => "!!null",
                crate::syntax::Resolved::Str => "!!str",
            },
            format!(" `{}`", s.text),
        ),
        None if node.is_mapping() => ("!!map", String::new()),
        None => ("!!seq", String::new()),
    };
    LockError::other(format!(
        "parse pacto.lock: yaml: unmarshal errors:\n  line {}: cannot unmarshal {tag}{text} into {want}",
        lc.line + 1
    ))
    .at_lock(Some(node.span()))
}

fn string_of(index: &LineIndex, node: NodeRef<'_>) -> Result<String, LockError> {
    if node.is_null() {
        return Ok(String::new());
    }
    match node.as_str() {
        Some(s) => Ok(s.to_string()),
        None => Err(unmarshal_error(index, node, "string")),
    }
}

fn mapping<'t>(
    index: &LineIndex,
    node: NodeRef<'t>,
    want: &str,
) -> Result<Vec<(String, NodeRef<'t>)>, LockError> {
    if node.is_null() {
        return Ok(Vec::new());
    }
    if !node.is_mapping() {
        return Err(unmarshal_error(index, node, want));
    }
    Ok(node
        .entries()
        .filter_map(|(k, v)| k.as_str().map(|k| (k.to_string(), v)))
        .collect())
}

fn sequence<'t>(
    index: &LineIndex,
    node: NodeRef<'t>,
    want: &str,
) -> Result<Vec<NodeRef<'t>>, LockError> {
    if node.is_null() {
        return Ok(Vec::new());
    }
    if !node.is_sequence() {
        return Err(unmarshal_error(index, node, want));
    }
    Ok(node.items().collect())
}

fn read_lock(root: NodeRef<'_>, lock: &mut Lock, ix: &LineIndex) -> Result<(), LockError> {
    for (key, value) in mapping(ix, root, "lock.Lock")? {
        match key.as_str() {
            "lockVersion" => {
                lock.version_span = Some(value.span());
                if value.is_null() {
                    continue;
                }
                match value.as_scalar().map(|s| s.resolved) {
                    Some(crate::syntax::Resolved::Int(i)) => lock.lock_version = i,
                    _ => return Err(unmarshal_error(ix, value, "int")),
                }
            }
            "pacto" => {
                for (k, v) in mapping(ix, value, "lock.PactoInfo")? {
                    if k == "version" {
                        lock.pacto.version = string_of(ix, v)?;
                    }
                }
            }
            "root" => {
                for (k, v) in mapping(ix, value, "lock.RootInfo")? {
                    match k.as_str() {
                        "name" => lock.root.name = string_of(ix, v)?,
                        "version" => lock.root.version = string_of(ix, v)?,
                        _ => {}
                    }
                }
            }
            "dependencies" => {
                lock.dependencies.clear();
                for item in sequence(ix, value, "[]lock.Entry")? {
                    let mut e = Entry {
                        at: Place {
                            item: Some(item.span()),
                            pin: None,
                        },
                        ..Entry::default()
                    };
                    for (k, v) in mapping(ix, item, "lock.Entry")? {
                        match k.as_str() {
                            "name" => e.name = string_of(ix, v)?,
                            "source" => e.source = string_of(ix, v)?,
                            "ref" => e.reference = string_of(ix, v)?,
                            "path" => e.path = string_of(ix, v)?,
                            "constraint" => e.constraint = string_of(ix, v)?,
                            "version" => e.version = string_of(ix, v)?,
                            "digest" => {
                                e.digest = string_of(ix, v)?;
                                e.at.pin = e.at.pin.or(Some(v.span()));
                            }
                            "contentHash" => {
                                e.content_hash = string_of(ix, v)?;
                                e.at.pin = Some(v.span());
                            }
                            "dependsOn" => {
                                e.depends_on = sequence(ix, v, "[]string")?
                                    .into_iter()
                                    .map(|n| string_of(ix, n))
                                    .collect::<Result<_, _>>()?
                            }
                            _ => {}
                        }
                    }
                    lock.dependencies.push(e);
                }
            }
            "references" => {
                lock.references.clear();
                for item in sequence(ix, value, "[]lock.Reference")? {
                    let mut r = Reference {
                        at: Place {
                            item: Some(item.span()),
                            pin: None,
                        },
                        ..Reference::default()
                    };
                    for (k, v) in mapping(ix, item, "lock.Reference")? {
                        match k.as_str() {
                            "from" => r.from = string_of(ix, v)?,
                            "kind" => r.kind = string_of(ix, v)?,
                            "name" => r.name = string_of(ix, v)?,
                            "source" => r.source = string_of(ix, v)?,
                            "ref" => r.reference = string_of(ix, v)?,
                            "path" => r.path = string_of(ix, v)?,
                            "version" => r.version = string_of(ix, v)?,
                            "digest" => {
                                r.digest = string_of(ix, v)?;
                                r.at.pin = r.at.pin.or(Some(v.span()));
                            }
                            "contentHash" => {
                                r.content_hash = string_of(ix, v)?;
                                r.at.pin = Some(v.span());
                            }
                            _ => {}
                        }
                    }
                    lock.references.push(r);
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Go's `compareLocks`: the first way `existing` (the committed lock) diverges from `fresh` (the
/// closure resolved now). Dependencies are matched by name, references by occurrence; a lock
/// below the current schema is stale without being compared.
pub fn compare(existing: &Lock, fresh: &Lock) -> Result<(), LockError> {
    if existing.lock_version != CURRENT_LOCK_VERSION {
        return Err(LockError::stale(format!(
            "lockVersion {} predates the current schema ({CURRENT_LOCK_VERSION})",
            existing.lock_version
        ))
        .at_lock(existing.version_span));
    }
    if existing.dependencies.len() != fresh.dependencies.len() {
        let extra = fresh
            .dependencies
            .iter()
            .find(|f| existing.dependency(&f.name).is_none())
            .map(|f| f.name.clone());
        let gone = existing
            .dependencies
            .iter()
            .find(|e| fresh.dependency(&e.name).is_none());
        let mut err = LockError::stale("dependency set changed");
        err.detail = match (&extra, gone) {
            (Some(n), _) => Some(format!("{n} is not in pacto.lock")),
            (None, Some(e)) => Some(format!(
                "{} is in pacto.lock but no longer in the closure",
                e.name
            )),
            _ => None,
        };
        return Err(err.at_lock(gone.and_then(|e| e.at.item)));
    }
    for f in &fresh.dependencies {
        let Some(e) = existing.dependency(&f.name) else {
            return Err(LockError::stale(format!("new dependency {}", f.name)));
        };
        compare_pin(
            &f.name,
            &f.source,
            &e.digest,
            &e.content_hash,
            &f.digest,
            &f.content_hash,
        )
        .map_err(|err| err.at_lock(e.at.pin.or(e.at.item)))?;
    }
    if existing.references.len() != fresh.references.len() {
        return Err(LockError::stale("reference set changed"));
    }
    for f in &fresh.references {
        let id = f.occurrence();
        let Some(e) = existing
            .references
            .iter()
            .rev()
            .find(|e| e.occurrence() == id)
        else {
            return Err(LockError::stale(format!("new reference: {id}")));
        };
        if e.source != f.source || e.reference != f.reference || e.path != f.path {
            return Err(
                LockError::stale(format!("{id} now points at a different source"))
                    .at_lock(e.at.item),
            );
        }
        compare_pin(
            &id.to_string(),
            &f.source,
            &e.digest,
            &e.content_hash,
            &f.digest,
            &f.content_hash,
        )
        .map_err(|err| err.at_lock(e.at.pin.or(e.at.item)))?;
    }
    Ok(())
}

fn compare_pin(
    name: &str,
    source: &str,
    locked_digest: &str,
    locked_hash: &str,
    fresh_digest: &str,
    fresh_hash: &str,
) -> Result<(), LockError> {
    if source == "local" {
        if locked_hash != fresh_hash {
            let mut e = LockError::new(
                LOCK_LOCAL_DRIFT,
                format!(
                    "{LOCK_LOCAL_DRIFT}: local dependency {name} content changed since lock; run `pacto lock --update`"
                ),
            );
            e.detail = Some(format!("locked {locked_hash}, now {fresh_hash}"));
            return Err(e);
        }
        return Ok(());
    }
    if locked_digest != fresh_digest {
        return Err(LockError::new(
            LOCK_DIGEST_MISMATCH,
            format!(
                "{LOCK_DIGEST_MISMATCH}: {name} locked at {locked_digest} but resolves to {fresh_digest}; run `pacto lock --update` to re-pin"
            ),
        ));
    }
    Ok(())
}

/// Go's `mergePreservingPins`: keep the pins of `existing` dependencies whose constraint is
/// unchanged and that are not named for update; everything else from `fresh`.
pub fn merge_preserving_pins(existing: &Lock, fresh: &Lock, update_names: &[String]) -> Lock {
    let mut out = fresh.clone();
    for f in &mut out.dependencies {
        if update_names.iter().any(|n| n == &f.name) {
            continue;
        }
        if let Some(e) = existing.dependency(&f.name) {
            if e.constraint == f.constraint {
                f.version = e.version.clone();
                f.digest = e.digest.clone();
                f.content_hash = e.content_hash.clone();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
