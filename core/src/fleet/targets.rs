//! Offline target-state files (`--target-state`, Go's `pacto.dev/fleet-targets/v1`): the
//! operational targets a cluster-free demo or test supplies. Strict: a second document, an
//! unknown field or another `schemaVersion` rejects the whole file; an entry that fails
//! validation is skipped and reported, the rest are kept.

use super::{status_rank, target_key, Coverage, TargetFinding, TargetRecord};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

pub const SCHEMA_VERSION: &str = "pacto.dev/fleet-targets/v1";
/// Most targets one file may declare.
pub const MAX_TARGETS: usize = 5000;
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

const TOP_KEYS: [&str; 3] = ["schemaVersion", "targets", "state"];
const TARGET_KEYS: [&str; 15] = [
    "service",
    "name",
    "scope",
    "kind",
    "labels",
    "requestedRef",
    "resolvedRef",
    "digest",
    "compliance",
    "coverage",
    "evidenceAt",
    "reconciledAt",
    "observedRuntime",
    "findings",
    "contractRevision",
];
const FINDING_KEYS: [&str; 6] = [
    "code",
    "severity",
    "category",
    "subjectKind",
    "subjectName",
    "message",
];

/// A target-state file read.
#[derive(Debug, Clone, Default)]
pub struct TargetFile {
    pub targets: Vec<TargetRecord>,
    /// One message per skipped entry.
    pub invalid: Vec<String>,
    /// `state.status` as the file reports it (`available` when unknown).
    pub status: Option<String>,
}

/// Why the file contributes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("target-state file {path}: {message}")]
pub struct TargetFileError {
    pub path: String,
    pub message: String,
}

/// Read and check a target-state file.
pub fn read_file(path: &Path) -> Result<TargetFile, TargetFileError> {
    use std::io::Read;
    let shown = path.display().to_string();
    let fail = |message: String| TargetFileError {
        path: shown.clone(),
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(fail(format!("more than {MAX_FILE_BYTES} bytes")));
    }
    let text = String::from_utf8(bytes).map_err(|_| fail("not UTF-8 text".into()))?;
    parse(&text).map_err(fail)
}

/// Parse a target-state document (YAML or JSON).
pub fn parse(text: &str) -> Result<TargetFile, String> {
    let parsed = crate::syntax::parse(text, &crate::syntax::Limits::default());
    if let Some(e) = parsed
        .errors
        .iter()
        .find(|e| e.fatal)
        .or(parsed.errors.first())
    {
        let lc = parsed
            .line_index
            .line_col(e.span.start, crate::syntax::ColumnUnit::Char);
        return Err(format!("{}:{}: {}", lc.line + 1, lc.col + 1, e.message));
    }
    let Some(tree) = parsed.tree else {
        return Err("empty document".into());
    };
    let doc = tree.root().to_json();
    let Value::Object(top) = &doc else {
        return Err("the document is not a mapping".into());
    };
    if let Some(k) = top.keys().find(|k| !TOP_KEYS.contains(&k.as_str())) {
        return Err(format!("unknown field {k:?}"));
    }
    match top.get("schemaVersion").and_then(Value::as_str) {
        Some(SCHEMA_VERSION) => {}
        other => {
            return Err(format!(
                "schemaVersion {:?} is not {SCHEMA_VERSION:?}",
                other.unwrap_or("")
            ))
        }
    }
    let status = top
        .get("state")
        .and_then(|s| s.get("status"))
        .and_then(Value::as_str)
        .map(|s| match s {
            "partial" | "stale" | "unavailable" => s.to_string(),
            _ => "available".to_string(),
        });
    let items = match top.get("targets") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return Err("targets is not a list".into()),
    };
    if items.len() > MAX_TARGETS {
        return Err(format!(
            "{} targets, more than the {MAX_TARGETS} a file may declare",
            items.len()
        ));
    }
    let mut out = TargetFile {
        status,
        ..TargetFile::default()
    };
    let mut seen = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        let Value::Object(t) = item else {
            out.invalid.push(format!("targets[{i}]: not a mapping"));
            continue;
        };
        if let Some(k) = t.keys().find(|k| !TARGET_KEYS.contains(&k.as_str())) {
            return Err(format!("targets[{i}]: unknown field {k:?}"));
        }
        let s = |k: &str| {
            t.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let (service, name) = (s("service"), s("name"));
        if service.is_empty() || name.is_empty() {
            out.invalid
                .push(format!("targets[{i}]: service and name are required"));
            continue;
        }
        let compliance = s("compliance");
        if !compliance.is_empty() && status_rank(&compliance).is_none() {
            out.invalid.push(format!(
                "targets[{i}] ({name}): compliance {compliance:?} is not a canonical status"
            ));
            continue;
        }
        let mut findings = Vec::new();
        let mut bad = None;
        for (j, f) in t
            .get("findings")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let Value::Object(f) = f else { continue };
            if let Some(k) = f.keys().find(|k| !FINDING_KEYS.contains(&k.as_str())) {
                return Err(format!("targets[{i}].findings[{j}]: unknown field {k:?}"));
            }
            let g = |k: &str| {
                f.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            let severity = g("severity");
            if g("code").is_empty()
                || !["", "error", "warning", "info", "unknown"].contains(&severity.as_str())
            {
                bad = Some(format!(
                    "targets[{i}].findings[{j}]: a finding needs a code and a known severity"
                ));
                break;
            }
            findings.push(TargetFinding {
                code: g("code"),
                severity,
                category: g("category"),
                subject_kind: g("subjectKind"),
                subject_name: g("subjectName"),
                message: g("message"),
            });
        }
        if let Some(b) = bad {
            out.invalid.push(b);
            continue;
        }
        let (scope, kind) = (s("scope"), s("kind"));
        let key = target_key(&scope, &kind, &name);
        if seen.insert(key.clone(), i).is_some() {
            out.invalid
                .push(format!("targets[{i}]: target {key} is declared twice"));
            continue;
        }
        let labels = t
            .get("labels")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                        (k.clone(), v)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let coverage = t.get("coverage").and_then(|c| {
            Some(Coverage {
                evaluated: c.get("evaluated")?.as_u64()?,
                required: c.get("required")?.as_u64()?,
            })
        });
        out.targets.push(TargetRecord {
            key,
            scope,
            kind,
            name,
            labels,
            service: service.clone(),
            service_key: service,
            contract_revision: String::new(),
            revision_match: String::new(),
            requested_ref: s("requestedRef"),
            resolved_ref: s("resolvedRef"),
            digest: s("digest"),
            compliance: if compliance.is_empty() {
                "Unknown".into()
            } else {
                compliance
            },
            findings,
            coverage,
            evidence_at: s("evidenceAt"),
            reconciled_at: s("reconciledAt"),
            source: String::new(),
            stale: false,
        });
    }
    Ok(out)
}
