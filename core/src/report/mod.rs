//! Renderers shared by the CLI and MCP: text, JSON, Markdown, SARIF.
//!
//! A renderer gets [`FileReport`]s (one per validated path) and computes positions from spans
//! through each file's [`LineIndex`]; diagnostics never carry pre-formatted positions.

use crate::{Diagnostic, LineIndex};

/// The validation result of one path given on the command line (or one MCP call).
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The path as the user gave it (`.` by default, or `oci://…`), printed in `<path> is valid`.
    pub path: String,
    /// The file that spans point into, as a display path (e.g. `svc/pacto.yaml`); `None` when the
    /// contract could not be read at all.
    pub file: Option<String>,
    /// Line index of `file`'s text, used to turn spans into line/column.
    pub line_index: Option<LineIndex>,
    /// Every problem, errors and warnings, in a stable order.
    pub diagnostics: Vec<Diagnostic>,
}

impl FileReport {
    /// Valid means no error; warnings are allowed.
    pub fn valid(&self) -> bool {
        !self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The number of errors, counting those a capped report sums up in one
    /// [`crate::diagnostic::TOO_MANY_PROBLEMS`] diagnostic.
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().map(Diagnostic::error_count).sum()
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| !d.is_error())
    }
}

mod diff;
mod json;
mod markdown;
mod sarif;
mod text;

pub use diff::{render_diff, render_diff_error, DependencyDiff, DiffReport};
pub use json::render_json;
pub use markdown::render_markdown;
pub use sarif::render_sarif;
pub use text::render_text;

use crate::syntax::ColumnUnit;
use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

/// The output formats of `pacto validate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OutputFormat {
    /// Go Pacto's text output, plus positions and help lines.
    #[default]
    Text,
    /// Go Pacto's JSON result object, plus severities, positions and help.
    Json,
    /// A Markdown summary for pull-request comments.
    Markdown,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
}

impl OutputFormat {
    /// Every format, in the order they are listed to users.
    pub const ALL: [OutputFormat; 4] = [
        OutputFormat::Text,
        OutputFormat::Json,
        OutputFormat::Markdown,
        OutputFormat::Sarif,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OutputFormat::Text => "text",
            OutputFormat::Json => "json",
            OutputFormat::Markdown => "markdown",
            OutputFormat::Sarif => "sarif",
        }
    }
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An `--output-format` value that names no [`OutputFormat`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown output format {given:?} (valid: text, json, markdown, sarif)")]
pub struct UnknownOutputFormat {
    pub given: String,
}

impl FromStr for OutputFormat {
    type Err = UnknownOutputFormat;

    /// Case-insensitive: `json`, `JSON` and `Json` are all [`OutputFormat::Json`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OutputFormat::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownOutputFormat {
                given: s.to_string(),
            })
    }
}

/// Render `reports` in `format`: the document goes to `out`; text diagnostics and the final
/// `validation failed with <N> error(s)` line go to `err`.
///
/// Like Go Pacto, which returns that error whatever the format, the failure line is written to
/// `err` for every format when any report is invalid; the caller only has to pick the exit code
/// (1 when [`total_errors`] is non-zero).
pub fn render(
    format: OutputFormat,
    reports: &[FileReport],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<()> {
    match format {
        OutputFormat::Text => return render_text(reports, out, err),
        OutputFormat::Json => render_json(reports, out)?,
        OutputFormat::Markdown => render_markdown(reports, out)?,
        OutputFormat::Sarif => render_sarif(reports, out)?,
    }
    write_failure_line(reports, err)
}

/// The number of errors over all reports (the `<N>` of `validation failed with <N> error(s)`).
pub fn total_errors(reports: &[FileReport]) -> usize {
    reports.iter().map(FileReport::error_count).sum()
}

/// Go Pacto's closing line on stderr, written once when any report is invalid.
fn write_failure_line(reports: &[FileReport], err: &mut dyn Write) -> io::Result<()> {
    if reports.iter().all(FileReport::valid) {
        return Ok(());
    }
    writeln!(
        err,
        "validation failed with {} error(s)",
        total_errors(reports)
    )
}

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Position {
    line: u32,
    col: u32,
}

/// Where a diagnostic sits: its file and the 1-based start and (exclusive) end of its span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Location<'a> {
    file: &'a str,
    start: Position,
    end: Position,
}

/// The location of `diag`, with columns in `unit`; `None` unless the diagnostic has a span and
/// the report has both a file and its line index.
fn locate<'a>(report: &'a FileReport, diag: &Diagnostic, unit: ColumnUnit) -> Option<Location<'a>> {
    let span = diag.span?;
    let file = report.file.as_deref()?;
    let index = report.line_index.as_ref()?;
    let position = |offset| {
        let lc = index.line_col(offset, unit);
        Position {
            line: lc.line.saturating_add(1),
            col: lc.col.saturating_add(1),
        }
    };
    Some(Location {
        file,
        start: position(span.start),
        end: position(span.end),
    })
}

/// Errors first, then warnings, each in the report's order (the order Go Pacto prints them).
fn ordered(report: &FileReport) -> impl Iterator<Item = &Diagnostic> {
    report.errors().chain(report.warnings())
}

#[cfg(test)]
mod fixture;

#[cfg(test)]
mod tests {
    use super::fixture::{capture, missing, svc, valid};
    use super::*;

    #[test]
    fn output_format_parses_case_insensitively() {
        assert_eq!("text".parse(), Ok(OutputFormat::Text));
        assert_eq!("JSON".parse(), Ok(OutputFormat::Json));
        assert_eq!("Markdown".parse(), Ok(OutputFormat::Markdown));
        assert_eq!("sArIf".parse(), Ok(OutputFormat::Sarif));
        for format in OutputFormat::ALL {
            assert_eq!(format.to_string().parse(), Ok(format));
        }
        let err = "yaml".parse::<OutputFormat>().expect_err("unknown");
        assert_eq!(
            err.to_string(),
            "unknown output format \"yaml\" (valid: text, json, markdown, sarif)"
        );
        assert_eq!(OutputFormat::default(), OutputFormat::Text);
    }

    #[test]
    fn render_dispatches_and_reports_failure_once() {
        let reports = [svc(), missing()];
        for format in OutputFormat::ALL {
            let (out, err) = capture(|o, e| render(format, &reports, o, e));
            assert!(
                err.ends_with("validation failed with 3 error(s)\n"),
                "{format}: {err}"
            );
            assert_eq!(err.matches("validation failed").count(), 1, "{format}");
            let (expected, _) = capture(|o, e| match format {
                OutputFormat::Text => render_text(&reports, o, e),
                OutputFormat::Json => render_json(&reports, o),
                OutputFormat::Markdown => render_markdown(&reports, o),
                OutputFormat::Sarif => render_sarif(&reports, o),
            });
            assert_eq!(out, expected, "{format}");
            if format != OutputFormat::Text {
                assert_eq!(err, "validation failed with 3 error(s)\n");
            }
        }
        for format in OutputFormat::ALL {
            let (_, err) = capture(|o, e| render(format, &[valid()], o, e));
            assert_eq!(err, "", "{format}");
        }
        assert_eq!(total_errors(&reports), 3);
    }
}
