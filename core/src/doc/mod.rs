//! Documentation of a contract: the `pacto explain` summary ([`explain()`]), the Markdown of
//! `pacto doc` with its Mermaid architecture diagram ([`markdown()`]) and the HTML page of
//! `pacto doc --serve` ([`html::page`]). Pure functions over a contract, its bundle and its
//! resolved dependency graph.

pub mod escape;
mod explain;
pub mod html;
mod markdown;

pub use explain::{
    explain, Explain, ExplainDependency, ExplainInterface, ExplainRuntime, ExplainScaling,
};
pub use markdown::{
    architecture, enum_description, flatten_properties, markdown, summary, Property,
    MAX_DOC_PAGE_BYTES, REFERENCE_URL,
};

use crate::bundle::Bundle;
use crate::model::Contract;
use crate::syntax::Tree;

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
