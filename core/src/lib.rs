//! `pacto-core`: the only crate that knows what a Pacto contract is.
//!
//! Data flows one way:
//! bytes --[`syntax`]--> [`syntax::Tree`] (byte spans) --[`model`]--> [`model::Contract`]
//! --[`validate`]--> [`Diagnostic`]s, rendered by [`report`].
//!
//! The modules here are synchronous and do no I/O beyond the [`bundle::Bundle`] they are handed.

pub mod bundle;
pub mod diagnostic;
pub mod diff;
pub mod doc;
pub mod edit;
pub mod evaluate;
pub mod fleet;
pub mod graph;
pub mod impact;
pub mod lock;
pub mod migrate;
pub mod model;
pub mod overrides;
pub mod plugin;
pub mod plugin_v2;
pub mod readiness;
pub mod registry;
pub mod report;
pub mod scaffold;
pub mod schema;
pub mod syntax;
pub mod textdiff;
pub mod tool_names;
pub mod validate;
pub mod version;

pub use diagnostic::{Diagnostic, Severity};
pub use syntax::{LineIndex, Span};
