//! Go Pacto's text output, plus a position and a help line per diagnostic.
//!
//! ```text
//! svc is invalid                                     (stdout)
//!   ERROR [CODE] path: message (svc/pacto.yaml:5:34)   (stderr)
//!         help: what to do
//!   WARN  [CODE] path: message
//! validation failed with 1 error(s)
//! ```

use super::{locate, write_failure_line, FileReport};
use crate::syntax::ColumnUnit;
use crate::Diagnostic;
use std::io::{self, Write};

/// Write `<path> is valid|invalid` per report to `out`, and its errors then its warnings to
/// `err` in Go Pacto's format, each followed by ` (<file>:<line>:<col>)` when it has a position
/// (1-based, columns in chars) and by a `        help: …` line when it has help. When any report
/// is invalid, finish with `validation failed with <N> error(s)` on `err`, `N` counting the errors
/// of all reports.
pub fn render_text(
    reports: &[FileReport],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<()> {
    for report in reports {
        let verdict = if report.valid() { "valid" } else { "invalid" };
        writeln!(out, "{} is {verdict}", report.path)?;
        for diag in report.errors() {
            write_diagnostic(report, diag, "ERROR", err)?;
        }
        for diag in report.warnings() {
            write_diagnostic(report, diag, "WARN ", err)?;
        }
    }
    write_failure_line(reports, err)
}

fn write_diagnostic(
    report: &FileReport,
    diag: &Diagnostic,
    label: &str,
    err: &mut dyn Write,
) -> io::Result<()> {
    write!(
        err,
        "  {label} [{}] {}: {}",
        diag.code, diag.path, diag.message
    )?;
    if let Some(loc) = locate(report, diag, ColumnUnit::Char) {
        write!(err, " ({}:{}:{})", loc.file, loc.start.line, loc.start.col)?;
    }
    writeln!(err)?;
    if let Some(help) = &diag.help {
        writeln!(err, "        help: {help}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{capture, missing, other, svc, valid};
    use super::*;

    #[test]
    fn one_invalid_report() {
        let (out, err) = capture(|o, e| render_text(&[svc()], o, e));
        assert_eq!(out, "svc is invalid\n");
        assert_eq!(
            err,
            concat!(
                "  ERROR [SCHEMA_VIOLATION] interfaces.0.port: must be <= 65535 (svc/pacto.yaml:5:34)\n",
                "        help: ports range from 1 to 65535\n",
                "  ERROR [INVALID_NAME] service.name: name \"日本😀\" must match ^[a-z0-9-]+$ & be a DNS label (svc/pacto.yaml:3:9)\n",
                "  WARN  [VERSION_NOT_SEMVER] service.version: version \"x|y\" is not semver (svc/pacto.yaml:4:12)\n",
                "  WARN  [NO_DEPENDENCIES] : no dependencies declared\n",
                "validation failed with 2 error(s)\n",
            )
        );
    }

    #[test]
    fn valid_report_prints_no_failure_line() {
        let (out, err) = capture(|o, e| render_text(&[valid()], o, e));
        assert_eq!(out, ". is valid\n");
        assert_eq!(err, "");
    }

    #[test]
    fn warnings_only_is_valid() {
        let mut report = svc();
        report.diagnostics.retain(|d| !d.is_error());
        let (out, err) = capture(|o, e| render_text(&[report], o, e));
        assert_eq!(out, "svc is valid\n");
        assert_eq!(
            err,
            concat!(
                "  WARN  [VERSION_NOT_SEMVER] service.version: version \"x|y\" is not semver (svc/pacto.yaml:4:12)\n",
                "  WARN  [NO_DEPENDENCIES] : no dependencies declared\n",
            )
        );
    }

    #[test]
    fn load_failure_keeps_go_format() {
        let (out, err) = capture(|o, e| render_text(&[missing()], o, e));
        assert_eq!(out, "missing is invalid\n");
        assert_eq!(
            err,
            concat!(
                "  ERROR [PARSE_ERROR] : reading pacto.yaml: open missing/pacto.yaml: no such file or directory\n",
                "validation failed with 1 error(s)\n",
            )
        );
    }

    #[test]
    fn span_without_line_index_has_no_position() {
        let mut report = svc();
        report.line_index = None;
        report.diagnostics.truncate(2);
        let (_, err) = capture(|o, e| render_text(&[report], o, e));
        assert_eq!(
            err,
            concat!(
                "  ERROR [SCHEMA_VIOLATION] interfaces.0.port: must be <= 65535\n",
                "        help: ports range from 1 to 65535\n",
                "  WARN  [VERSION_NOT_SEMVER] service.version: version \"x|y\" is not semver\n",
                "validation failed with 1 error(s)\n",
            )
        );
    }

    #[test]
    fn several_reports_fail_once_with_the_total() {
        let reports = [valid(), svc(), other(), missing()];
        let (out, err) = capture(|o, e| render_text(&reports, o, e));
        assert_eq!(
            out,
            ". is valid\nsvc is invalid\nother is invalid\nmissing is invalid\n"
        );
        assert_eq!(
            err,
            concat!(
                "  ERROR [SCHEMA_VIOLATION] interfaces.0.port: must be <= 65535 (svc/pacto.yaml:5:34)\n",
                "        help: ports range from 1 to 65535\n",
                "  ERROR [INVALID_NAME] service.name: name \"日本😀\" must match ^[a-z0-9-]+$ & be a DNS label (svc/pacto.yaml:3:9)\n",
                "  WARN  [VERSION_NOT_SEMVER] service.version: version \"x|y\" is not semver (svc/pacto.yaml:4:12)\n",
                "  WARN  [NO_DEPENDENCIES] : no dependencies declared\n",
                "  ERROR [SCHEMA_VIOLATION] service.version: must match semver\nsee docs (other dir\\pacto.yaml:3:12)\n",
                "  ERROR [PARSE_ERROR] : reading pacto.yaml: open missing/pacto.yaml: no such file or directory\n",
                "validation failed with 4 error(s)\n",
            )
        );
    }

    #[test]
    fn no_reports_print_nothing() {
        let (out, err) = capture(|o, e| render_text(&[], o, e));
        assert_eq!((out.as_str(), err.as_str()), ("", ""));
    }
}
