//! Documentation of a contract: the `pacto explain` summary ([`explain()`]), the Markdown of
//! `pacto doc` with its Mermaid architecture diagram ([`markdown()`]) and the HTML page of
//! `pacto doc --serve` ([`html::page`]). Pure functions over a contract, its bundle and its
//! resolved dependency graph.

pub mod escape;
mod explain;
pub mod html;
mod markdown;
pub mod v2;

pub use explain::{
    explain, explain_on, Explain, ExplainDependency, ExplainInterface, ExplainReadiness,
    ExplainReadinessCheck, ExplainRuntime, ExplainScaling,
};
pub use markdown::{
    architecture, enum_description, flatten_properties, markdown, summary, Property,
    MAX_DOC_PAGE_BYTES, REFERENCE_URL,
};

use crate::bundle::Bundle;
use crate::model::Contract;
use crate::report::FileReport;
use crate::syntax::{Parsed, Tree};
use crate::validate::{self, NoResolver, Options};

/// Whether the document is a contract that can be explained, documented or graphed: a mapping
/// with a `service` mapping. Anything else (a scalar such as a stray text file, a list, a mapping
/// without `service`) would render as an empty or garbled page.
pub fn is_documentable(tree: &Tree) -> bool {
    let root = tree.root();
    root.is_mapping() && root.get("service").is_some_and(|s| s.is_mapping())
}

/// `None` when `resolved` can be documented ([`is_documentable`]); otherwise the report that
/// `pacto validate` gives for it (the same diagnostics, for `path` as the user wrote it), for
/// `explain`, `doc`, `graph` and the MCP tools to show instead of a page.
pub fn refuse_undocumentable(path: &str, resolved: &crate::graph::Resolved) -> Option<FileReport> {
    if is_documentable(&resolved.tree) {
        return None;
    }
    let line_index = resolved.tree.line_index().clone();
    let parsed = Parsed {
        tree: Some(resolved.tree.clone()),
        errors: Vec::new(),
        line_index: line_index.clone(),
    };
    let v = validate::validate_parsed(
        parsed,
        Some(resolved.bundle.as_ref()),
        &NoResolver,
        &Options {
            offline: true,
            ..Options::default()
        },
    );
    let mut diagnostics = v.diagnostics;
    if !diagnostics.iter().any(crate::Diagnostic::is_error) {
        // Unreachable with the embedded schemas (they require a `service` object); kept so that
        // a refusal is never silent.
        diagnostics.push(crate::Diagnostic::error(
            "MISSING_REQUIRED_FIELD",
            "service",
            "service is required",
        ));
    }
    Some(FileReport {
        path: path.to_string(),
        file: Some(resolved.file.clone()),
        line_index: Some(line_index),
        diagnostics,
    })
}

/// A contract with the tree it was built from (for metadata) and its bundle (for the files it
/// names: OpenAPI documents, configuration and policy schemas, `docs/` pages).
#[derive(Clone, Copy)]
pub struct DocSource<'a> {
    pub contract: &'a Contract,
    pub tree: &'a Tree,
    pub bundle: &'a dyn Bundle,
}

impl<'a> DocSource<'a> {
    /// The source of a loaded bundle ([`crate::graph::open`]).
    pub fn of(resolved: &'a crate::graph::Resolved) -> DocSource<'a> {
        DocSource {
            contract: &resolved.contract,
            tree: &resolved.tree,
            bundle: resolved.bundle.as_ref(),
        }
    }
}
