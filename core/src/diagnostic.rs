//! The one problem type every face renders: CLI text/JSON/SARIF, LSP diagnostics, MCP results,
//! dashboard lists and operator conditions.

use crate::syntax::Span;
use serde::Serialize;

/// How bad a problem is. A contract is valid when it has no [`Severity::Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem in a contract, located by a byte span of `pacto.yaml`.
///
/// A diagnostic never carries pre-formatted positions: renderers compute line and column from
/// [`Diagnostic::span`] through the [`crate::LineIndex`] of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Stable code, e.g. `HEALTH_INTERFACE_NOT_FOUND`. Go Pacto's code wherever it has one.
    pub code: &'static str,
    pub severity: Severity,
    /// Dotted path of the node, in Go Pacto's notation for this code
    /// (`interfaces[0].port` for rules, `interfaces.0.port` for schema violations, `""` for the root).
    pub path: String,
    pub message: String,
    /// Byte range of the exact node in `pacto.yaml`: the key for unknown or missing keys, the value
    /// for bad values. `None` when the problem has no place in the file (missing file, I/O).
    pub span: Option<Span>,
    /// What to do about it, when there is something better to say than the message.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            path: path.into(),
            message: message.into(),
            span: None,
            help: None,
        }
    }

    pub fn warning(
        code: &'static str,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, path, message)
        }
    }

    pub fn with_span(mut self, span: Option<Span>) -> Self {
        self.span = span;
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// How many errors this diagnostic stands for: 1 for an error, 0 for a warning, and for a
    /// [`TOO_MANY_PROBLEMS`] summary the number of errors it sums up (so that `validation failed
    /// with <N> error(s)` counts every error of a capped file).
    pub fn error_count(&self) -> usize {
        self.counts().0
    }

    /// How many errors and warnings this diagnostic stands for: itself, or for a
    /// [`TOO_MANY_PROBLEMS`] summary the problems it sums up.
    pub fn counts(&self) -> (usize, usize) {
        if self.code == TOO_MANY_PROBLEMS {
            if let Some(counts) = omitted(&self.message) {
                return counts;
            }
        }
        if self.is_error() {
            (1, 0)
        } else {
            (0, 1)
        }
    }
}

/// The code of the diagnostic that stands for the problems of a file past the first
/// [`crate::validate::MAX_DIAGNOSTICS`].
pub const TOO_MANY_PROBLEMS: &str = "TOO_MANY_PROBLEMS";

/// The [`TOO_MANY_PROBLEMS`] diagnostic for `errors` errors and `warnings` warnings left out
/// after the first `shown` problems: an error when any left out is one (the verdict does not
/// change), without a span (it stands for problems all over the file).
pub fn too_many(shown: usize, errors: usize, warnings: usize) -> Diagnostic {
    let message = format!(
        "and {} more problems not shown ({errors} errors, {warnings} warnings): only the first {shown} problems of a file are reported",
        errors + warnings
    );
    let d = if errors > 0 {
        Diagnostic::error(TOO_MANY_PROBLEMS, "", message)
    } else {
        Diagnostic::warning(TOO_MANY_PROBLEMS, "", message)
    };
    d.with_help("fix the problems shown (they are often one mistake repeated) and validate again")
}

/// The error and warning counts written by [`too_many`] into its message.
fn omitted(message: &str) -> Option<(usize, usize)> {
    let (_, rest) = message.split_once(" more problems not shown (")?;
    let (errors, rest) = rest.split_once(" errors, ")?;
    let (warnings, _) = rest.split_once(" warnings)")?;
    Some((errors.parse().ok()?, warnings.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_counts_the_errors_it_stands_for() {
        let d = too_many(1000, 63_000, 12);
        assert!(d.is_error());
        assert_eq!(d.code, TOO_MANY_PROBLEMS);
        assert!(
            d.message
                .starts_with("and 63012 more problems not shown (63000 errors, 12 warnings)"),
            "{}",
            d.message
        );
        assert_eq!(d.error_count(), 63_000);
        assert_eq!(d.counts(), (63_000, 12));
        let w = too_many(1000, 0, 5);
        assert!(!w.is_error());
        assert_eq!(w.error_count(), 0);
        assert_eq!(Diagnostic::error("X", "", "m").error_count(), 1);
        assert_eq!(Diagnostic::warning("X", "", "m").error_count(), 0);
    }
}
