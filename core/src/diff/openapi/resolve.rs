//! Local `$ref` resolution inside one OpenAPI document.
//!
//! A [`View`] is a node with its `$ref` chain followed: the node as written, the node the chain
//! ends at, and the mapping layers whose keys make up the view (OpenAPI 3.1 lets a reference carry
//! sibling keys such as `description`; they win over the target's). Only same-document references
//! (`#/...` JSON pointers, percent-encoded or not) are followed. A chain is followed for at most
//! [`MAX_REF_HOPS`] hops and never twice through the same node, so a looping chain terminates; a
//! reference that cannot be followed (external file, missing target, loop) stays as written and
//! is compared by its text.

use crate::syntax::{NodeId, NodeRef, Tree};

/// Most `$ref` hops followed from one node.
pub(super) const MAX_REF_HOPS: usize = 32;

/// A node with its local `$ref` chain followed.
#[derive(Clone, Debug)]
pub(super) struct View<'t> {
    /// The node as written.
    pub written: NodeRef<'t>,
    /// Where the `$ref` chain ends (`written` when there is no reference).
    pub target: NodeRef<'t>,
    /// The last reference followed (the one naming `target`), if any.
    pub via: Option<&'t str>,
    /// When `target` is a mapping: every mapping of the chain, earliest first. Empty otherwise.
    layers: Vec<NodeRef<'t>>,
}

impl<'t> View<'t> {
    pub fn is_mapping(&self) -> bool {
        self.target.is_mapping()
    }

    /// A stable identity for memoising comparisons: the target, unless sibling keys of a
    /// reference contribute to the view, in which case the node as written.
    pub fn identity(&self) -> NodeId {
        if self.layers.len() <= 1 {
            return self.target.id();
        }
        let siblings = self
            .layers
            .iter()
            .take(self.layers.len().saturating_sub(1))
            .any(|l| l.entries().any(|(k, _)| k.as_str() != Some("$ref")));
        if siblings {
            self.written.id()
        } else {
            self.target.id()
        }
    }

    /// The view's key/value pairs (key text, key node, value node): sibling keys of references
    /// first, then the target's. `$ref` keys are dropped except on the last layer, where one is
    /// left only when it could not be followed.
    pub fn entries(&self) -> Vec<(&'t str, NodeRef<'t>, NodeRef<'t>)> {
        if let [only] = self.layers.as_slice() {
            // One layer: no reference was followed, and the parse refuses duplicate keys.
            return only
                .entries()
                .filter_map(|(k, v)| Some((k.as_scalar()?.text.as_str(), k, v)))
                .collect();
        }
        let mut out: Vec<(&'t str, NodeRef<'t>, NodeRef<'t>)> = Vec::new();
        let last = self.layers.len().saturating_sub(1);
        for (i, layer) in self.layers.iter().enumerate() {
            for (k, v) in layer.entries() {
                let Some(text) = k.as_scalar().map(|s| s.text.as_str()) else {
                    continue;
                };
                if (text == "$ref" && i != last) || out.iter().any(|(t, _, _)| *t == text) {
                    continue;
                }
                out.push((text, k, v));
            }
        }
        out
    }

    /// The entry under `key` (key node, value node).
    pub fn get(&self, key: &str) -> Option<(NodeRef<'t>, NodeRef<'t>)> {
        let last = self.layers.len().saturating_sub(1);
        self.layers
            .iter()
            .enumerate()
            .filter(|(i, _)| key != "$ref" || *i == last)
            .find_map(|(_, layer)| layer.entry(key))
    }

    /// The value under `key`.
    pub fn value(&self, key: &str) -> Option<NodeRef<'t>> {
        self.get(key).map(|(_, v)| v)
    }

    /// The text of a `$ref` that could not be followed, if the view ends at one.
    pub fn broken_ref(&self) -> Option<&'t str> {
        self.layers
            .last()
            .and_then(|l| l.get("$ref"))
            .and_then(|r| r.as_str())
    }
}

/// Follow `node`'s local `$ref` chain.
pub(super) fn resolve(node: NodeRef<'_>) -> View<'_> {
    if !node.is_mapping() {
        return View {
            written: node,
            target: node,
            via: None,
            layers: Vec::new(),
        };
    }
    let tree = node.tree();
    let mut layers = vec![node];
    let mut cur = node;
    let mut via = None;
    while cur.is_mapping() && layers.len() <= MAX_REF_HOPS {
        let Some(reference) = cur.get("$ref").and_then(|r| r.as_string_typed()) else {
            break;
        };
        match pointer(tree, reference) {
            Some(next) if !layers.iter().any(|l| l.id() == next.id()) => {
                layers.push(next);
                cur = next;
                via = Some(reference);
            }
            _ => break,
        }
    }
    if !cur.is_mapping() {
        layers.clear();
    }
    View {
        written: node,
        target: cur,
        via,
        layers,
    }
}

/// The node a same-document reference (`#`, `#/a/b~1c`, percent-encoding allowed) points at.
pub(super) fn pointer<'t>(tree: &'t Tree, reference: &str) -> Option<NodeRef<'t>> {
    let fragment = percent_decode(reference.strip_prefix('#')?)?;
    let mut node = tree.root();
    if fragment.is_empty() {
        return Some(node);
    }
    for raw in fragment.strip_prefix('/')?.split('/') {
        let token = raw.replace("~1", "/").replace("~0", "~");
        node = if node.is_mapping() {
            node.get(&token)?
        } else if node.is_sequence() {
            node.item(token.parse::<usize>().ok()?)?
        } else {
            return None;
        };
    }
    Some(node)
}

fn percent_decode(text: &str) -> Option<String> {
    if !text.contains('%') {
        return Some(text.to_string());
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}
