//! Local `$ref` resolution inside one OpenAPI document.
//!
//! A [`View`] is a node with its `$ref` chain followed: the node as written, the node the chain
//! ends at, and the mapping layers whose keys make up the view (OpenAPI 3.1 lets a reference carry
//! sibling keys such as `description`; they win over the target's). Only same-document references
//! (`#/...` JSON pointers, percent-encoded or not) are followed. A chain is followed for at most
//! [`MAX_REF_HOPS`] hops and never twice through the same node, so a looping chain terminates; a
//! reference that cannot be followed (external file, missing target, loop) stays as written and
//! is compared by its text.

use crate::syntax::{NodeId, NodeKind, NodeRef, Style, Tree};
use std::cell::RefCell;
use std::collections::HashMap;
use std::marker::PhantomData;

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
    /// When `target` is a mapping and a reference was followed: every mapping of the chain,
    /// earliest first. Empty otherwise (see [`View::layers`]).
    layers: Vec<NodeRef<'t>>,
}

impl<'t> View<'t> {
    pub fn is_mapping(&self) -> bool {
        self.target.is_mapping()
    }

    /// When `target` is a mapping: every mapping of the chain, earliest first (just `target`
    /// when no reference was followed: most views, so that case allocates nothing). Empty
    /// otherwise.
    fn layers(&self) -> &[NodeRef<'t>] {
        if self.layers.is_empty() && self.target.is_mapping() {
            std::slice::from_ref(&self.target)
        } else {
            &self.layers
        }
    }

    /// A stable identity for memoising comparisons: the target, unless sibling keys of a
    /// reference contribute to the view, in which case the node as written.
    pub fn identity(&self) -> NodeId {
        let layers = self.layers();
        if layers.len() <= 1 {
            return self.target.id();
        }
        let siblings = layers
            .iter()
            .take(layers.len().saturating_sub(1))
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
        let layers = self.layers();
        if let [only] = layers {
            // One layer: no reference was followed, and the parse refuses duplicate keys.
            return only
                .entries()
                .filter_map(|(k, v)| Some((k.as_scalar()?.text.as_str(), k, v)))
                .collect();
        }
        let mut out: Vec<(&'t str, NodeRef<'t>, NodeRef<'t>)> = Vec::new();
        let last = layers.len().saturating_sub(1);
        for (i, layer) in layers.iter().enumerate() {
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
        let layers = self.layers();
        let last = layers.len().saturating_sub(1);
        layers
            .iter()
            .enumerate()
            .filter(|(i, _)| key != "$ref" || *i == last)
            .find_map(|(_, layer)| entry(*layer, key))
    }

    /// The value under `key`.
    pub fn value(&self, key: &str) -> Option<NodeRef<'t>> {
        self.get(key).map(|(_, v)| v)
    }

    /// The text of a `$ref` that could not be followed, if the view ends at one.
    pub fn broken_ref(&self) -> Option<&'t str> {
        self.layers()
            .last()
            .and_then(|l| entry(*l, "$ref"))
            .map(|(_, v)| v)
            .and_then(|r| r.as_str())
    }
}

/// `node.entry(key)` in one pass over the entries when the mapping has no merge key (`<<`),
/// which every JSON document and nearly every YAML one satisfies: [`NodeRef::entry`] first looks
/// through all the keys for merge keys, then for `key`.
fn entry<'t>(node: NodeRef<'t>, key: &str) -> Option<(NodeRef<'t>, NodeRef<'t>)> {
    let NodeKind::Mapping(entries) = node.kind() else {
        return None;
    };
    let tree = node.tree();
    for e in entries {
        let k = tree.node(e.key);
        match k.as_scalar() {
            Some(s) if s.style == Style::Plain && s.text == "<<" => return node.entry(key),
            // Before any merge key, the first explicit key wins, as with merges applied.
            Some(s) if s.text == key => return Some((k, tree.node(e.value))),
            _ => {}
        }
    }
    None
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
    // Filled when the first reference is followed (see `View::layers`).
    let mut layers: Vec<NodeRef<'_>> = Vec::new();
    let mut cur = node;
    let mut via = None;
    while cur.is_mapping() && layers.len() <= MAX_REF_HOPS {
        let Some(reference) = entry(cur, "$ref").and_then(|(_, r)| r.as_string_typed()) else {
            break;
        };
        match cached_pointer(tree, reference) {
            Some(next) if next.id() != node.id() && !layers.iter().any(|l| l.id() == next.id()) => {
                if layers.is_empty() {
                    layers.push(node);
                }
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

/// Reference text → target, for one tree.
type Targets = HashMap<String, Option<NodeId>>;

thread_local! {
    /// The targets of the references followed so far in each tree registered by a live
    /// [`RefCache`], by tree address.
    static TARGETS: RefCell<Vec<(usize, Targets)>> = const { RefCell::new(Vec::new()) };
}

/// While alive, [`resolve`] remembers where the references of the given trees point. A diff
/// follows the same few component references thousands of times, and each [`pointer`] lookup
/// scans the mappings on the way (`components.schemas` can have thousands of entries).
///
/// The trees stay borrowed while the cache lives, so their addresses identify them; the
/// remembered targets are dropped with the cache. Caches nest (the last created is dropped first).
pub(super) struct RefCache<'t> {
    registered: usize,
    _trees: PhantomData<&'t Tree>,
}

impl<'t> RefCache<'t> {
    pub(super) fn new(trees: &[&'t Tree]) -> RefCache<'t> {
        TARGETS.with(|t| {
            let mut t = t.borrow_mut();
            for tree in trees {
                t.push((address(tree), HashMap::new()));
            }
        });
        RefCache {
            registered: trees.len(),
            _trees: PhantomData,
        }
    }
}

impl Drop for RefCache<'_> {
    fn drop(&mut self) {
        TARGETS.with(|t| {
            let mut t = t.borrow_mut();
            let keep = t.len().saturating_sub(self.registered);
            t.truncate(keep);
        });
    }
}

fn address(tree: &Tree) -> usize {
    tree as *const Tree as usize
}

/// [`pointer`], remembered when a [`RefCache`] holds `tree`.
fn cached_pointer<'t>(tree: &'t Tree, reference: &str) -> Option<NodeRef<'t>> {
    TARGETS.with(|t| {
        let mut t = t.borrow_mut();
        let Some((_, targets)) = t.iter_mut().rev().find(|(a, _)| *a == address(tree)) else {
            return pointer(tree, reference);
        };
        if let Some(known) = targets.get(reference) {
            return known.map(|id| tree.node(id));
        }
        let found = pointer(tree, reference);
        targets.insert(reference.to_string(), found.map(|n| n.id()));
        found
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{parse, Limits};

    fn tree(text: &str) -> Tree {
        let p = parse(text, &Limits::default());
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        p.tree.unwrap()
    }

    #[test]
    fn one_pass_entry_lookup_agrees_with_merge_aware_lookup() {
        let t = tree(
            "base: &b {$ref: '#/x', k: base}\n\
             a: {k: 1, $ref: '#/y', k2: 2}\n\
             merged: {<<: *b, k: own}\n\
             late: {k: own, <<: *b}\n\
             x: {v: 1}\n\
             y: {v: 2}\n",
        );
        for mapping in ["base", "a", "merged", "late"] {
            let m = t.root().get(mapping).unwrap();
            for key in ["$ref", "k", "k2", "missing", "<<"] {
                let fast = entry(m, key).map(|(k, v)| (k.id(), v.id()));
                let slow = m.entry(key).map(|(k, v)| (k.id(), v.id()));
                assert_eq!(fast, slow, "{mapping}.{key}");
            }
        }
        // A merged `$ref` is followed like a written one.
        let merged = resolve(t.root().get("merged").unwrap());
        assert_eq!(merged.via, Some("#/x"));
    }

    #[test]
    fn remembered_targets_are_the_targets_and_are_forgotten() {
        let a = tree("x: {$ref: '#/y'}\ny: {$ref: '#/z'}\nz: {v: 1}\nw: {$ref: '#/nowhere'}\n");
        let b = tree("x: {$ref: '#/z'}\nz: {v: 2}\n");
        let ids = |t: &Tree| {
            ["#/y", "#/z", "#/nowhere", "#/x/$ref"].map(|r| cached_pointer(t, r).map(|n| n.id()))
        };
        let plain = |t: &Tree| {
            ["#/y", "#/z", "#/nowhere", "#/x/$ref"].map(|r| pointer(t, r).map(|n| n.id()))
        };
        {
            let _outer = RefCache::new(&[&a]);
            {
                let _inner = RefCache::new(&[&b]);
                for _ in 0..2 {
                    assert_eq!(ids(&a), plain(&a));
                    assert_eq!(ids(&b), plain(&b));
                }
                TARGETS.with(|t| assert_eq!(t.borrow().len(), 2));
            }
            TARGETS.with(|t| assert_eq!(t.borrow().len(), 1));
            assert_eq!(ids(&b), plain(&b));
            let v = resolve(a.root().get("x").unwrap());
            assert_eq!(v.via, Some("#/z"));
            assert_eq!(v.layers().len(), 3);
        }
        TARGETS.with(|t| assert!(t.borrow().is_empty()));
        let v = resolve(a.root().get("z").unwrap());
        assert_eq!(v.layers().len(), 1);
        assert!(v.layers.is_empty(), "no allocation without a reference");
    }
}
