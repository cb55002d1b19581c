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
}
