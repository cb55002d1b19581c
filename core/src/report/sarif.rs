//! SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`).

use super::{locate, FileReport, Location};
use crate::syntax::ColumnUnit;
use crate::{Diagnostic, Severity};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{self, Write};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/TrianaLab/pacto";

/// Write one SARIF 2.1.0 log with one run for all `reports`.
///
/// `tool.driver.rules` has one rule per distinct code, sorted by id. Each result points at the
/// file of its report with a region whose columns are 1-based UTF-16 code units (SARIF's default,
/// stated by `columnKind`); a diagnostic without a position gets an artifact location only (the
/// report's file, or its path joined with `pacto.yaml`). Results are sorted by
/// (uri, startLine, startColumn, ruleId); the output has no timestamps, so it is deterministic.
pub fn render_sarif(reports: &[FileReport], out: &mut dyn Write) -> io::Result<()> {
    // Rule id -> level; the level is `error` if the code is ever an error.
    let mut rules: BTreeMap<&str, Severity> = BTreeMap::new();
    for diag in reports.iter().flat_map(|r| &r.diagnostics) {
        rules
            .entry(diag.code)
            .and_modify(|s| *s = (*s).min(diag.severity))
            .or_insert(diag.severity);
    }
    let rule_index: BTreeMap<&str, usize> =
        rules.keys().enumerate().map(|(i, id)| (*id, i)).collect();
    // Rule id -> its help, when every use of the rule has the same one (GitHub shows a rule's
    // help beside each of its alerts); otherwise the help stays on each result.
    let mut rule_help: BTreeMap<&str, Option<&str>> = BTreeMap::new();
    for diag in reports.iter().flat_map(|r| &r.diagnostics) {
        let help = diag.help.as_deref();
        rule_help
            .entry(diag.code)
            .and_modify(|h| {
                if *h != help {
                    *h = None;
                }
            })
            .or_insert(help);
    }

    let mut results: Vec<(ResultKey, Value)> = Vec::new();
    for report in reports {
        for diag in super::ordered(report) {
            let index = rule_index.get(diag.code).copied().unwrap_or_default();
            results.push(result(report, diag, index));
        }
    }
    results.sort_by(|a, b| a.0.cmp(&b.0));

    let rules: Vec<Value> = rules
        .iter()
        .map(|(id, severity)| {
            let mut rule = json!({
                "id": id,
                "name": camel_case(id),
                "shortDescription": { "text": describe(id) },
                "defaultConfiguration": { "level": level(*severity) },
            });
            if let Some(Some(help)) = rule_help.get(id) {
                rule["help"] = json!({ "text": help });
            }
            rule
        })
        .collect();

    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "pacto",
                    "informationUri": INFORMATION_URI,
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "columnKind": "utf16CodeUnits",
            "results": results.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &log).map_err(io::Error::other)?;
    writeln!(out)
}

/// Sort key of a result: (uri, startLine, startColumn, ruleId); results without a region sort
/// before those with one in the same file.
type ResultKey = (String, Option<(u32, u32)>, &'static str);

fn result(report: &FileReport, diag: &Diagnostic, rule_index: usize) -> (ResultKey, Value) {
    let loc = locate(report, diag, ColumnUnit::Utf16);
    let uri = match (loc, &report.file) {
        (Some(Location { file, .. }), _) => file_uri(file),
        (None, Some(file)) => file_uri(file),
        (None, None) => file_uri(&contract_path(&report.path)),
    };
    let mut physical = serde_json::Map::new();
    physical.insert("artifactLocation".into(), json!({ "uri": uri }));
    if let Some(loc) = loc {
        physical.insert(
            "region".into(),
            json!({
                "startLine": loc.start.line,
                "startColumn": loc.start.col,
                "endLine": loc.end.line,
                "endColumn": loc.end.col,
            }),
        );
    }
    // The message says what is wrong; the help (what to do) is kept apart, in the result's
    // property bag (and in the rule's `help` when the rule always gives the same one).
    let mut value = json!({
        "ruleId": diag.code,
        "ruleIndex": rule_index,
        "level": level(diag.severity),
        "message": { "text": diag.message },
        "locations": [{ "physicalLocation": physical }],
    });
    if let Some(help) = &diag.help {
        value["properties"] = json!({ "help": help });
    }
    let key = (uri, loc.map(|l| (l.start.line, l.start.col)), diag.code);
    (key, value)
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// `pacto.yaml` inside the path the user gave (`.` and `` give `pacto.yaml`); a path that already
/// names a YAML file is kept.
fn contract_path(path: &str) -> String {
    let trimmed = path.trim_end_matches(['/', '\\']);
    if trimmed.is_empty() || trimmed == "." {
        "pacto.yaml".into()
    } else if trimmed.ends_with(".yaml") || trimmed.ends_with(".yml") {
        trimmed.into()
    } else {
        format!("{trimmed}/pacto.yaml")
    }
}

/// A display path as an RFC 3986 URI reference: forward slashes, percent-encoded bytes outside
/// the unreserved and sub-delimiter sets. Relative paths stay relative (GitHub resolves them
/// against the repository root), with `./` in front when the first segment has a colon so it
/// cannot read as a scheme; absolute paths become `file://` URIs.
fn file_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let bytes = path.as_bytes();
    let drive =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    let (prefix, rest) = if drive {
        ("file:///", path.as_str())
    } else if path.starts_with('/') {
        ("file://", path.as_str())
    } else if path.split('/').next().is_some_and(|seg| seg.contains(':')) {
        ("./", path.as_str())
    } else {
        ("", path.as_str())
    };
    let mut uri = String::with_capacity(prefix.len() + rest.len());
    uri.push_str(prefix);
    for &b in rest.as_bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&b);
        if keep {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

/// `HEALTH_INTERFACE_NOT_FOUND` -> `HealthInterfaceNotFound`.
fn camel_case(code: &str) -> String {
    code.split(['_', '-'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            let mut chars = lower.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// `HEALTH_INTERFACE_NOT_FOUND` -> `Health interface not found`.
fn describe(code: &str) -> String {
    let words = code.replace(['_', '-'], " ").to_ascii_lowercase();
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{missing, other, svc, valid};
    use super::*;

    fn render(reports: &[FileReport]) -> Value {
        let mut out = Vec::new();
        render_sarif(reports, &mut out).expect("render");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(text.ends_with("}\n"));
        serde_json::from_str(&text).expect("valid JSON")
    }

    fn region(start_line: u32, start_col: u32, end_line: u32, end_col: u32) -> Value {
        json!({
            "startLine": start_line,
            "startColumn": start_col,
            "endLine": end_line,
            "endColumn": end_col,
        })
    }

    #[test]
    fn header_and_driver() {
        let log = render(&[svc()]);
        assert_eq!(log["$schema"], SCHEMA);
        assert_eq!(log["version"], "2.1.0");
        assert_eq!(log["runs"].as_array().map(Vec::len), Some(1));
        let run = &log["runs"][0];
        assert_eq!(run["columnKind"], "utf16CodeUnits");
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "pacto");
        assert_eq!(driver["informationUri"], INFORMATION_URI);
        assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
        let keys: Vec<&String> = log.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["$schema", "version", "runs"]);
    }

    #[test]
    fn one_report_in_full() {
        let log = render(&[svc()]);
        let run = &log["runs"][0];
        assert_eq!(
            run["tool"]["driver"]["rules"],
            json!([
                {
                    "id": "INVALID_NAME",
                    "name": "InvalidName",
                    "shortDescription": { "text": "Invalid name" },
                    "defaultConfiguration": { "level": "error" }
                },
                {
                    "id": "NO_DEPENDENCIES",
                    "name": "NoDependencies",
                    "shortDescription": { "text": "No dependencies" },
                    "defaultConfiguration": { "level": "warning" }
                },
                {
                    "id": "SCHEMA_VIOLATION",
                    "name": "SchemaViolation",
                    "shortDescription": { "text": "Schema violation" },
                    "defaultConfiguration": { "level": "error" },
                    "help": { "text": "ports range from 1 to 65535" }
                },
                {
                    "id": "VERSION_NOT_SEMVER",
                    "name": "VersionNotSemver",
                    "shortDescription": { "text": "Version not semver" },
                    "defaultConfiguration": { "level": "warning" }
                }
            ])
        );
        let uri = json!({ "uri": "svc/pacto.yaml" });
        assert_eq!(
            run["results"],
            json!([
                {
                    "ruleId": "NO_DEPENDENCIES",
                    "ruleIndex": 1,
                    "level": "warning",
                    "message": { "text": "no dependencies declared" },
                    "locations": [{ "physicalLocation": { "artifactLocation": uri } }]
                },
                {
                    "ruleId": "INVALID_NAME",
                    "ruleIndex": 0,
                    "level": "error",
                    "message": { "text": "name \"日本😀\" must match ^[a-z0-9-]+$ & be a DNS label" },
                    "locations": [{ "physicalLocation": {
                        "artifactLocation": uri,
                        // Char columns would be 9..14: the emoji is two UTF-16 units.
                        "region": region(3, 9, 3, 15)
                    } }]
                },
                {
                    "ruleId": "VERSION_NOT_SEMVER",
                    "ruleIndex": 3,
                    "level": "warning",
                    "message": { "text": "version \"x|y\" is not semver" },
                    "locations": [{ "physicalLocation": {
                        "artifactLocation": uri,
                        "region": region(4, 12, 4, 17)
                    } }]
                },
                {
                    "ruleId": "SCHEMA_VIOLATION",
                    "ruleIndex": 2,
                    "level": "error",
                    // The help is not part of the message.
                    "message": { "text": "must be <= 65535" },
                    "properties": { "help": "ports range from 1 to 65535" },
                    "locations": [{ "physicalLocation": {
                        "artifactLocation": uri,
                        // Char columns would be 34..39.
                        "region": region(5, 35, 5, 40)
                    } }]
                }
            ])
        );
    }

    #[test]
    fn several_reports_share_deduplicated_rules_and_sort_results() {
        let log = render(&[svc(), missing(), valid(), other()]);
        let run = &log["runs"][0];
        let rule_ids: Vec<&str> = run["tool"]["driver"]["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .filter_map(|r| r["id"].as_str())
            .collect();
        assert_eq!(
            rule_ids,
            [
                "INVALID_NAME",
                "NO_DEPENDENCIES",
                "PARSE_ERROR",
                "SCHEMA_VIOLATION",
                "VERSION_NOT_SEMVER"
            ]
        );
        let results = run["results"].as_array().expect("results");
        let summary: Vec<(String, String, i64, String)> = results
            .iter()
            .map(|r| {
                let loc = &r["locations"][0]["physicalLocation"];
                (
                    loc["artifactLocation"]["uri"]
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                    r["ruleId"].as_str().unwrap_or("").to_string(),
                    r["ruleIndex"].as_i64().unwrap_or(-1),
                    r["level"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        let row = |uri: &str, rule: &str, index: i64, level: &str| {
            (uri.to_string(), rule.to_string(), index, level.to_string())
        };
        assert_eq!(
            summary,
            [
                row("missing/pacto.yaml", "PARSE_ERROR", 2, "error"),
                row("other%20dir/pacto.yaml", "SCHEMA_VIOLATION", 3, "error"),
                row("svc/pacto.yaml", "NO_DEPENDENCIES", 1, "warning"),
                row("svc/pacto.yaml", "INVALID_NAME", 0, "error"),
                row("svc/pacto.yaml", "VERSION_NOT_SEMVER", 4, "warning"),
                row("svc/pacto.yaml", "SCHEMA_VIOLATION", 3, "error"),
            ]
        );
        // The load failure has no region; the Windows path got forward slashes.
        assert_eq!(
            results[0]["locations"][0]["physicalLocation"],
            json!({ "artifactLocation": { "uri": "missing/pacto.yaml" } })
        );
        assert_eq!(
            results[1]["locations"][0]["physicalLocation"]["region"],
            region(3, 12, 3, 15)
        );
        assert_eq!(results[1]["message"]["text"], "must match semver\nsee docs");
        // Same input, same bytes, whatever the report order.
        assert_eq!(log, render(&[other(), valid(), missing(), svc()]));
    }

    #[test]
    fn rule_level_is_error_if_any_use_is_an_error() {
        let mut report = svc();
        report
            .diagnostics
            .push(Diagnostic::error("NO_DEPENDENCIES", "", "required here"));
        let log = render(&[report]);
        assert_eq!(
            log["runs"][0]["tool"]["driver"]["rules"][1]["defaultConfiguration"]["level"],
            "error"
        );
    }

    #[test]
    fn valid_reports_give_an_empty_run() {
        let log = render(&[valid()]);
        assert_eq!(log["runs"][0]["tool"]["driver"]["rules"], json!([]));
        assert_eq!(log["runs"][0]["results"], json!([]));
    }

    #[test]
    fn uris() {
        assert_eq!(file_uri("svc/pacto.yaml"), "svc/pacto.yaml");
        assert_eq!(file_uri("./svc\\pacto.yaml"), "./svc/pacto.yaml");
        assert_eq!(file_uri("a b/日.yaml"), "a%20b/%E6%97%A5.yaml");
        assert_eq!(file_uri("100%#?.yaml"), "100%25%23%3F.yaml");
        assert_eq!(file_uri("/abs/pacto.yaml"), "file:///abs/pacto.yaml");
        assert_eq!(file_uri("C:\\x\\pacto.yaml"), "file:///C:/x/pacto.yaml");
        assert_eq!(
            file_uri("oci://ghcr.io/a/b:1.0/pacto.yaml"),
            "./oci://ghcr.io/a/b:1.0/pacto.yaml"
        );
        assert_eq!(contract_path("."), "pacto.yaml");
        assert_eq!(contract_path(""), "pacto.yaml");
        assert_eq!(contract_path("svc/"), "svc/pacto.yaml");
        assert_eq!(contract_path("svc/pacto.yaml"), "svc/pacto.yaml");
    }

    #[test]
    fn names() {
        assert_eq!(
            camel_case("HEALTH_INTERFACE_NOT_FOUND"),
            "HealthInterfaceNotFound"
        );
        assert_eq!(camel_case("PARSE_ERROR"), "ParseError");
        assert_eq!(
            describe("HEALTH_INTERFACE_NOT_FOUND"),
            "Health interface not found"
        );
    }
}
