//! Hand-built reports shared by the renderer tests.
//!
//! The texts mix CJK characters (1 char, 1 UTF-16 unit, 3 bytes) and an emoji (1 char, 2 UTF-16
//! units, 4 bytes) before the offending values, so char and UTF-16 columns differ.

use super::FileReport;
use crate::{Diagnostic, LineIndex, Span};

/// `svc/pacto.yaml`. Positions (1-based line:col, char / UTF-16, end exclusive):
/// - line 3 `"日本😀"`: 3:9-3:14 / 3:9-3:15
/// - line 4 `"x|y"`: 4:12-4:17 (ASCII line)
/// - line 5 `99999`: 5:34-5:39 / 5:35-5:40
pub(super) const SVC_YAML: &str = "pactoVersion: \"1.0\"\nservice:\n  name: \"日本😀\"\n  version: \"x|y\"\ninterfaces: [{name: \"日本😀\", port: 99999}]\n";

/// `other dir\pacto.yaml`: `bad` is at 3:12-3:15 in every unit.
pub(super) const OTHER_YAML: &str = "service:\n  name: \"😀\"\n  version: bad\n";

fn find(text: &str, needle: &str) -> Option<Span> {
    let start = text.find(needle).expect("needle in fixture");
    Some(Span::new(start as u32, (start + needle.len()) as u32))
}

/// An invalid report with two errors and two warnings, given out of order
/// (warning, error, warning, error).
pub(super) fn svc() -> FileReport {
    let text = SVC_YAML;
    let emoji_name = "\"日本😀\"";
    FileReport {
        path: "svc".into(),
        file: Some("svc/pacto.yaml".into()),
        line_index: Some(LineIndex::new(text)),
        diagnostics: vec![
            Diagnostic::warning(
                "VERSION_NOT_SEMVER",
                "service.version",
                "version \"x|y\" is not semver",
            )
            .with_span(find(text, "\"x|y\"")),
            Diagnostic::error("SCHEMA_VIOLATION", "interfaces.0.port", "must be <= 65535")
                .with_span(find(text, "99999"))
                .with_help("ports range from 1 to 65535"),
            Diagnostic::warning("NO_DEPENDENCIES", "", "no dependencies declared"),
            Diagnostic::error(
                "INVALID_NAME",
                "service.name",
                "name \"日本😀\" must match ^[a-z0-9-]+$ & be a DNS label",
            )
            .with_span(find(text, emoji_name)),
        ],
    }
}

/// An invalid report whose file has a Windows separator and a space; one SCHEMA_VIOLATION.
pub(super) fn other() -> FileReport {
    FileReport {
        path: "other".into(),
        file: Some("other dir\\pacto.yaml".into()),
        line_index: Some(LineIndex::new(OTHER_YAML)),
        diagnostics: vec![Diagnostic::error(
            "SCHEMA_VIOLATION",
            "service.version",
            "must match semver\nsee docs",
        )
        .with_span(find(OTHER_YAML, "bad"))],
    }
}

/// The contract could not be read: no file, no index, one PARSE_ERROR at the root.
pub(super) fn missing() -> FileReport {
    FileReport {
        path: "missing".into(),
        file: None,
        line_index: None,
        diagnostics: vec![Diagnostic::error(
            "PARSE_ERROR",
            "",
            "reading pacto.yaml: open missing/pacto.yaml: no such file or directory",
        )],
    }
}

/// A valid report without diagnostics.
pub(super) fn valid() -> FileReport {
    FileReport {
        path: ".".into(),
        file: Some("pacto.yaml".into()),
        line_index: Some(LineIndex::new("pactoVersion: \"1.0\"\n")),
        diagnostics: Vec::new(),
    }
}

/// Run a renderer into strings.
pub(super) fn capture(
    render: impl FnOnce(&mut dyn std::io::Write, &mut dyn std::io::Write) -> std::io::Result<()>,
) -> (String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    render(&mut out, &mut err).expect("render");
    (
        String::from_utf8(out).expect("utf-8 out"),
        String::from_utf8(err).expect("utf-8 err"),
    )
}

#[test]
fn fixture_positions() {
    use crate::syntax::ColumnUnit;
    let report = svc();
    let index = report.line_index.as_ref().expect("index");
    let at = |s: Option<Span>, unit| {
        let s = s.expect("span");
        let a = index.line_col(s.start, unit);
        let b = index.line_col(s.end, unit);
        (a.line + 1, a.col + 1, b.line + 1, b.col + 1)
    };
    let port = report.diagnostics[1].span;
    let name = report.diagnostics[3].span;
    assert_eq!(at(port, ColumnUnit::Char), (5, 34, 5, 39));
    assert_eq!(at(port, ColumnUnit::Utf16), (5, 35, 5, 40));
    assert_eq!(at(name, ColumnUnit::Char), (3, 9, 3, 14));
    assert_eq!(at(name, ColumnUnit::Utf16), (3, 9, 3, 15));
}
