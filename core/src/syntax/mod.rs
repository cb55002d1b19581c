//! Span-preserving YAML: parse once into a [`Tree`] whose every node keeps its byte range.

mod line_index;

pub use line_index::{ColumnUnit, LineCol, LineIndex};

use serde::Serialize;

/// A half-open byte range `[start, end)` into the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: u32, end: u32) -> Span {
        Span {
            start,
            end: end.max(start),
        }
    }

    pub fn len(self) -> u32 {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    pub fn contains(self, offset: u32) -> bool {
        self.start <= offset && offset < self.end
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

pub mod excerpt;
mod json;
mod tree;

/// The YAML reader alone, without the JSON fast path: only in fuzz builds (`core/fuzz`, target
/// `json_differential`), which check that both readers build the same tree.
#[cfg(fuzzing)]
pub fn parse_yaml_only(text: &str, limits: &Limits) -> Parsed {
    tree::parse_yaml(text, limits)
}

pub use tree::{
    parse, resolve, Entries, Entry, Limits, NodeId, NodeKind, NodeRef, Parsed, Resolved, Scalar,
    Style, SyntaxError, Tree,
};
