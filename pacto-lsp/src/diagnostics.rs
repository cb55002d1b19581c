//! Validation of a `pacto.yaml` buffer against its bundle directory, as LSP diagnostics.

use crate::to_proto::{self, Encoding};
use pacto_core::bundle::DirBundle;
use pacto_core::validate::{validate, LocalResolver, Options};
use pacto_core::Severity;
use tower_lsp_server::ls_types::{
    Diagnostic, DiagnosticSeverity, NumberOrString, Position, Range, Uri,
};

/// Only files named `pacto.yaml` are contracts.
pub fn is_contract(uri: &Uri) -> bool {
    uri.path().as_str().rsplit('/').next() == Some("pacto.yaml")
}

/// Validate `text` as the `pacto.yaml` at `uri` (offline: the editor never waits on the network).
pub fn compute(uri: &Uri, text: &str, enc: Encoding) -> Vec<Diagnostic> {
    let dir = uri
        .to_file_path()
        .and_then(|p| p.parent().map(std::path::Path::to_path_buf));
    let options = Options {
        offline: true,
        ..Options::default()
    };
    let validation = match &dir {
        Some(dir) => {
            let bundle = DirBundle::new(dir.clone());
            let resolver = LocalResolver::new(dir.clone());
            validate(text, Some(&bundle), &resolver, &options)
        }
        None => validate(text, None, &pacto_core::validate::NoResolver, &options),
    };
    let index = &validation.parsed.line_index;
    validation
        .diagnostics
        .iter()
        .map(|d| {
            let range = d
                .span
                .map_or(Range::new(Position::new(0, 0), Position::new(0, 0)), |s| {
                    to_proto::range(index, s, enc)
                });
            let message = match &d.help {
                Some(help) => format!("{}\nhelp: {help}", d.message),
                None => d.message.clone(),
            };
            Diagnostic {
                range,
                severity: Some(match d.severity {
                    Severity::Error => DiagnosticSeverity::ERROR,
                    Severity::Warning => DiagnosticSeverity::WARNING,
                }),
                code: Some(NumberOrString::String(d.code.to_string())),
                source: Some("pacto".to_string()),
                message,
                ..Default::default()
            }
        })
        .collect()
}
