//! Go Pacto's JSON result object (`{"Path","Valid","Errors","Warnings"}`), plus our additions per
//! issue: `Severity`, a position and `Help`.

use super::{locate, FileReport};
use crate::syntax::ColumnUnit;
use crate::Diagnostic;
use serde_json::{Map, Value};
use std::io::{self, Write};

/// Write one report as Go Pacto's result object, or several as a JSON array of them, indented by
/// two spaces with a trailing newline, escaping like Go's `encoding/json` (`<`, `>`, `&`, U+2028
/// and U+2029 as `\uXXXX`).
///
/// Each issue has Go's `Path`, `Code`, `Message`, then `Severity` (`error`/`warning`), then, when
/// it has a position, `File`, `Line`, `Column`, `EndLine`, `EndColumn` (1-based, columns in
/// chars, the end exclusive), then `Help` when present. An empty `Errors` or `Warnings` is `null`.
pub fn render_json(reports: &[FileReport], out: &mut dyn Write) -> io::Result<()> {
    let value = match reports {
        [report] => report_value(report),
        _ => Value::Array(reports.iter().map(report_value).collect()),
    };
    write_go_json(&value, out)
}

fn report_value(report: &FileReport) -> Value {
    let mut object = Map::new();
    object.insert("Path".into(), report.path.clone().into());
    object.insert("Valid".into(), report.valid().into());
    object.insert("Errors".into(), issues(report, report.errors()));
    object.insert("Warnings".into(), issues(report, report.warnings()));
    Value::Object(object)
}

/// A Go nil slice prints `null`, not `[]`.
fn issues<'a>(report: &FileReport, diags: impl Iterator<Item = &'a Diagnostic>) -> Value {
    let list: Vec<Value> = diags.map(|d| issue(report, d)).collect();
    if list.is_empty() {
        Value::Null
    } else {
        Value::Array(list)
    }
}

fn issue(report: &FileReport, diag: &Diagnostic) -> Value {
    let mut object = Map::new();
    object.insert("Path".into(), diag.path.clone().into());
    object.insert("Code".into(), diag.code.into());
    object.insert("Message".into(), diag.message.clone().into());
    object.insert("Severity".into(), diag.severity.as_str().into());
    if let Some(loc) = locate(report, diag, ColumnUnit::Char) {
        object.insert("File".into(), loc.file.into());
        object.insert("Line".into(), loc.start.line.into());
        object.insert("Column".into(), loc.start.col.into());
        object.insert("EndLine".into(), loc.end.line.into());
        object.insert("EndColumn".into(), loc.end.col.into());
    }
    if let Some(help) = &diag.help {
        object.insert("Help".into(), help.clone().into());
    }
    Value::Object(object)
}

/// Print like Go's `json.Encoder` with `SetIndent("", "  ")`: two-space indent, a newline at the
/// end, and HTML-safe escapes. The escaped characters can only occur inside strings, so escaping
/// them in the serialized text is exact.
pub(crate) fn write_go_json(value: &Value, out: &mut dyn Write) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    let mut escaped = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        match c {
            '<' => escaped.push_str("\\u003c"),
            '>' => escaped.push_str("\\u003e"),
            '&' => escaped.push_str("\\u0026"),
            '\u{2028}' => escaped.push_str("\\u2028"),
            '\u{2029}' => escaped.push_str("\\u2029"),
            c => escaped.push(c),
        }
    }
    escaped.push('\n');
    out.write_all(escaped.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{missing, other, svc, valid};
    use super::*;
    use serde_json::json;

    fn render(reports: &[FileReport]) -> String {
        let mut out = Vec::new();
        render_json(reports, &mut out).expect("render");
        String::from_utf8(out).expect("utf-8")
    }

    fn parse(text: &str) -> Value {
        serde_json::from_str(text).expect("valid JSON")
    }

    fn svc_json() -> Value {
        json!({
            "Path": "svc",
            "Valid": false,
            "Errors": [
                {
                    "Path": "interfaces.0.port",
                    "Code": "SCHEMA_VIOLATION",
                    "Message": "must be <= 65535",
                    "Severity": "error",
                    "File": "svc/pacto.yaml",
                    "Line": 5, "Column": 34, "EndLine": 5, "EndColumn": 39,
                    "Help": "ports range from 1 to 65535"
                },
                {
                    "Path": "service.name",
                    "Code": "INVALID_NAME",
                    "Message": "name \"日本😀\" must match ^[a-z0-9-]+$ & be a DNS label",
                    "Severity": "error",
                    "File": "svc/pacto.yaml",
                    "Line": 3, "Column": 9, "EndLine": 3, "EndColumn": 14
                }
            ],
            "Warnings": [
                {
                    "Path": "service.version",
                    "Code": "VERSION_NOT_SEMVER",
                    "Message": "version \"x|y\" is not semver",
                    "Severity": "warning",
                    "File": "svc/pacto.yaml",
                    "Line": 4, "Column": 12, "EndLine": 4, "EndColumn": 17
                },
                {
                    "Path": "",
                    "Code": "NO_DEPENDENCIES",
                    "Message": "no dependencies declared",
                    "Severity": "warning"
                }
            ]
        })
    }

    fn keys(value: &Value) -> Vec<&str> {
        value
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect()
    }

    #[test]
    fn one_report_is_an_object() {
        let text = render(&[svc()]);
        let value = parse(&text);
        assert_eq!(value, svc_json());
        assert_eq!(keys(&value), ["Path", "Valid", "Errors", "Warnings"]);
        assert_eq!(
            keys(&value["Errors"][0]),
            [
                "Path",
                "Code",
                "Message",
                "Severity",
                "File",
                "Line",
                "Column",
                "EndLine",
                "EndColumn",
                "Help"
            ]
        );
        assert_eq!(
            keys(&value["Warnings"][1]),
            ["Path", "Code", "Message", "Severity"]
        );
        // Go's encoder escapes HTML characters and leaves other non-ASCII text alone.
        assert!(text.contains(r#""Message": "must be \u003c= 65535","#));
        assert!(text.contains(r#"name \"日本😀\" must match ^[a-z0-9-]+$ \u0026 be a DNS label"#));
        assert!(!text.contains('<') && !text.contains('&'));
        assert!(text.starts_with("{\n  \"Path\": \"svc\",\n  \"Valid\": false,\n  \"Errors\": [\n    {\n      \"Path\": \"interfaces.0.port\",\n"));
        assert!(text.ends_with("\n  ]\n}\n"));
    }

    #[test]
    fn valid_report_prints_exactly_like_go() {
        assert_eq!(
            render(&[valid()]),
            "{\n  \"Path\": \".\",\n  \"Valid\": true,\n  \"Errors\": null,\n  \"Warnings\": null\n}\n"
        );
    }

    #[test]
    fn load_failure_has_no_position() {
        assert_eq!(
            render(&[missing()]),
            concat!(
                "{\n",
                "  \"Path\": \"missing\",\n",
                "  \"Valid\": false,\n",
                "  \"Errors\": [\n",
                "    {\n",
                "      \"Path\": \"\",\n",
                "      \"Code\": \"PARSE_ERROR\",\n",
                "      \"Message\": \"reading pacto.yaml: open missing/pacto.yaml: no such file or directory\",\n",
                "      \"Severity\": \"error\"\n",
                "    }\n",
                "  ],\n",
                "  \"Warnings\": null\n",
                "}\n",
            )
        );
    }

    #[test]
    fn several_reports_are_an_array() {
        let text = render(&[svc(), other(), missing(), valid()]);
        assert!(text.starts_with("[\n  {\n    \"Path\": \"svc\",\n"));
        assert!(text.ends_with("\n]\n"));
        assert_eq!(
            parse(&text),
            json!([
                svc_json(),
                {
                    "Path": "other",
                    "Valid": false,
                    "Errors": [{
                        "Path": "service.version",
                        "Code": "SCHEMA_VIOLATION",
                        "Message": "must match semver\nsee docs",
                        "Severity": "error",
                        "File": "other dir\\pacto.yaml",
                        "Line": 3, "Column": 12, "EndLine": 3, "EndColumn": 15
                    }],
                    "Warnings": null
                },
                {
                    "Path": "missing",
                    "Valid": false,
                    "Errors": [{
                        "Path": "",
                        "Code": "PARSE_ERROR",
                        "Message": "reading pacto.yaml: open missing/pacto.yaml: no such file or directory",
                        "Severity": "error"
                    }],
                    "Warnings": null
                },
                { "Path": ".", "Valid": true, "Errors": null, "Warnings": null }
            ])
        );
    }

    #[test]
    fn go_escapes_line_separators() {
        let mut report = missing();
        report.diagnostics[0].message = "a\u{2028}b\u{2029}c>d".into();
        let text = render(&[report]);
        assert!(text.contains(r#""Message": "a\u2028b\u2029c\u003ed","#));
        assert_eq!(
            parse(&text)["Errors"][0]["Message"],
            "a\u{2028}b\u{2029}c>d"
        );
    }
}
