//! A Markdown summary for pull-request comments.
//!
//! ```markdown
//! ### `svc` is invalid ❌
//!
//! | Severity | Code | Location | Path | Message |
//! |---|---|---|---|---|
//! | error | `SCHEMA_VIOLATION` | `svc/pacto.yaml:5:34` | `interfaces.0.port` | must be &lt;= 65535 |
//!
//! **1 error(s), 0 warning(s)**
//! ```

use super::{locate, ordered, FileReport};
use crate::syntax::ColumnUnit;
use crate::Diagnostic;
use std::io::{self, Write};

/// Write, per report, a heading `` ### `<path>` is valid ✅ `` (or `is invalid ❌`), a table of its
/// diagnostics (errors first; omitted when there are none) and a line
/// `**N error(s), M warning(s)**`. Reports are separated by a blank line. Locations are
/// `file:line:col` (1-based, columns in chars); cells escape `|`, and newlines become `<br>`.
pub fn render_markdown(reports: &[FileReport], out: &mut dyn Write) -> io::Result<()> {
    for (i, report) in reports.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        let verdict = if report.valid() {
            "is valid ✅"
        } else {
            "is invalid ❌"
        };
        writeln!(out, "### {} {verdict}", code_span(&report.path))?;
        writeln!(out)?;
        if !report.diagnostics.is_empty() {
            writeln!(out, "| Severity | Code | Location | Path | Message |")?;
            writeln!(out, "|---|---|---|---|---|")?;
            for diag in ordered(report) {
                let location = locate(report, diag, ColumnUnit::Char)
                    .map(|l| format!("{}:{}:{}", l.file, l.start.line, l.start.col))
                    .unwrap_or_default();
                let mut message = diag.message.clone();
                if let Some(help) = &diag.help {
                    message.push_str("\nhelp: ");
                    message.push_str(help);
                }
                writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    diag.severity.as_str(),
                    code_cell(diag.code),
                    code_cell(&location),
                    code_cell(&diag.path),
                    text_cell(&message),
                )?;
            }
            writeln!(out)?;
        }
        // Counting the problems a capped report sums up in its last line.
        let (errors, warnings) = report
            .diagnostics
            .iter()
            .map(Diagnostic::counts)
            .fold((0, 0), |(e, w), (de, dw)| (e + de, w + dw));
        writeln!(out, "**{errors} error(s), {warnings} warning(s)**")?;
    }
    Ok(())
}

/// Plain text in a table cell: `|` escaped, HTML-significant characters as entities (GitHub would
/// otherwise swallow `<tag>`-like text), newlines as `<br>`.
pub(crate) fn text_cell(text: &str) -> String {
    let mut cell = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '|' => cell.push_str("\\|"),
            '&' => cell.push_str("&amp;"),
            '<' => cell.push_str("&lt;"),
            '>' => cell.push_str("&gt;"),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\n' => cell.push_str("<br>"),
            c => cell.push(c),
        }
    }
    cell.trim().to_string()
}

/// A code span in a table cell, empty for empty text. `|` is escaped even inside the span (GFM
/// splits table rows before parsing code spans); a newline cannot occur in a cell and becomes a
/// space.
pub(crate) fn code_cell(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let flat: String = text
        .chars()
        .map(|c| if matches!(c, '\r' | '\n') { ' ' } else { c })
        .collect();
    code_span(&flat).replace('|', "\\|")
}

/// `` `text` ``, with a fence longer than any run of backticks inside and padding when the text
/// starts or ends with a backtick.
fn code_span(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{missing, other, svc, valid};
    use super::*;

    fn render(reports: &[FileReport]) -> String {
        let mut out = Vec::new();
        render_markdown(reports, &mut out).expect("render");
        String::from_utf8(out).expect("utf-8")
    }

    const SVC: &str = concat!(
        "### `svc` is invalid ❌\n",
        "\n",
        "| Severity | Code | Location | Path | Message |\n",
        "|---|---|---|---|---|\n",
        "| error | `SCHEMA_VIOLATION` | `svc/pacto.yaml:5:34` | `interfaces.0.port` | must be &lt;= 65535<br>help: ports range from 1 to 65535 |\n",
        "| error | `INVALID_NAME` | `svc/pacto.yaml:3:9` | `service.name` | name \"日本😀\" must match ^[a-z0-9-]+$ &amp; be a DNS label |\n",
        "| warning | `VERSION_NOT_SEMVER` | `svc/pacto.yaml:4:12` | `service.version` | version \"x\\|y\" is not semver |\n",
        "| warning | `NO_DEPENDENCIES` |  |  | no dependencies declared |\n",
        "\n",
        "**2 error(s), 2 warning(s)**\n",
    );

    #[test]
    fn one_report() {
        assert_eq!(render(&[svc()]), SVC);
    }

    #[test]
    fn valid_report_has_no_table() {
        assert_eq!(
            render(&[valid()]),
            "### `.` is valid ✅\n\n**0 error(s), 0 warning(s)**\n"
        );
    }

    #[test]
    fn several_reports() {
        let expected = [
            SVC,
            concat!(
                "### `other` is invalid ❌\n",
                "\n",
                "| Severity | Code | Location | Path | Message |\n",
                "|---|---|---|---|---|\n",
                "| error | `SCHEMA_VIOLATION` | `other dir\\pacto.yaml:3:12` | `service.version` | must match semver<br>see docs |\n",
                "\n",
                "**1 error(s), 0 warning(s)**\n",
            ),
            concat!(
                "### `missing` is invalid ❌\n",
                "\n",
                "| Severity | Code | Location | Path | Message |\n",
                "|---|---|---|---|---|\n",
                "| error | `PARSE_ERROR` |  |  | reading pacto.yaml: open missing/pacto.yaml: no such file or directory |\n",
                "\n",
                "**1 error(s), 0 warning(s)**\n",
            ),
            "### `.` is valid ✅\n\n**0 error(s), 0 warning(s)**\n",
        ]
        .join("\n");
        assert_eq!(render(&[svc(), other(), missing(), valid()]), expected);
    }

    #[test]
    fn a_capped_report_counts_every_problem() {
        let mut report = svc();
        report
            .diagnostics
            .push(crate::diagnostic::too_many(4, 3_000, 7));
        let md = render(&[report]);
        assert!(md.contains("| error | `TOO_MANY_PROBLEMS` |"), "{md}");
        assert!(md.ends_with("**3002 error(s), 9 warning(s)**\n"), "{md}");
    }

    #[test]
    fn escaping() {
        assert_eq!(text_cell("a|b\r\nc\nd"), "a\\|b<br>c<br>d");
        assert_eq!(code_cell("a|b"), "`a\\|b`");
        assert_eq!(code_cell("x`y"), "``x`y``");
        assert_eq!(code_cell("`x"), "`` `x ``");
        assert_eq!(code_cell(""), "");
        assert_eq!(code_span("oci://r/a:1"), "`oci://r/a:1`");
    }
}
