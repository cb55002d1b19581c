//! Dependency-graph diff (spec §4.6), its tree rendering, and the recursive dependency contract
//! diffs (spec §4.7).

use super::{compare, Classification, DiffError, SideError, Which};
use crate::graph::{Fetcher, Graph, Node, ResolveOptions, Resolved};
use crate::report::{DependencyDiff, DiffReport};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GraphChangeType {
    Added,
    Removed,
    VersionChanged,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphNode {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<GraphChange>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<GraphNode>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphChange {
    pub name: String,
    pub change_type: GraphChangeType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GraphDiff {
    pub root: GraphNode,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<GraphChange>,
}

impl GraphDiff {
    /// A diff with only the new root and no changes.
    pub fn root_only(name: &str, version: &str) -> GraphDiff {
        GraphDiff {
            root: GraphNode {
                name: name.to_string(),
                version: (!version.is_empty()).then(|| version.to_string()),
                change: None,
                children: Vec::new(),
            },
            changes: Vec::new(),
        }
    }

    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty()
    }

    /// The tree as Go Pacto prints it: the root's name, then only children with changes below.
    pub fn render_tree(&self) -> String {
        fn has(n: &GraphNode) -> bool {
            n.change.is_some() || n.children.iter().any(has)
        }
        fn label(n: &GraphNode) -> String {
            match &n.change {
                Some(c) => {
                    let padded = format!("{:<14}", n.name);
                    match c.change_type {
                        GraphChangeType::VersionChanged => format!(
                            "{padded}{} → {}",
                            c.old_version.as_deref().unwrap_or(""),
                            c.new_version.as_deref().unwrap_or("")
                        ),
                        GraphChangeType::Added => {
                            format!("{padded}+{}", c.new_version.as_deref().unwrap_or(""))
                        }
                        GraphChangeType::Removed => {
                            format!("{padded}-{}", c.old_version.as_deref().unwrap_or(""))
                        }
                    }
                }
                None => n.name.clone(),
            }
        }
        fn walk(n: &GraphNode, prefix: &str, out: &mut String) {
            let shown: Vec<&GraphNode> = n.children.iter().filter(|c| has(c)).collect();
            for (i, c) in shown.iter().enumerate() {
                let last = i + 1 == shown.len();
                out.push_str(prefix);
                out.push_str(if last { "└─ " } else { "├─ " });
                out.push_str(&label(c));
                out.push('\n');
                let next = format!("{prefix}{}", if last { "   " } else { "│  " });
                walk(c, &next, out);
            }
        }
        let mut out = format!("{}\n", self.root.name);
        walk(&self.root, "", &mut out);
        out
    }
}

fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn change(name: &str, change_type: GraphChangeType, old: &str, new: &str) -> GraphChange {
    GraphChange {
        name: name.to_string(),
        change_type,
        old_version: opt(old),
        new_version: opt(new),
    }
}

/// `DiffGraphs` (spec §4.6): compare two resolved graphs by service name, level by level.
///
/// * Neither graph: an empty diff. Only one: every node `added` (or `removed`).
/// * Otherwise, under each node, children of the new graph are `version_changed` or `added`
///   against the old children of the same name, and old children missing from the new level
///   are `removed` (per level, so a dropped direct dependency shows even if it is still reached
///   transitively). Recursion skips shared edges and names already visited, and compares with
///   the old graph's fully resolved node of that name. Unresolved edges are ignored.
/// * `changes` keeps the first change met per name in a depth-first walk, sorted by name.
pub fn diff_graphs(old: Option<&Graph>, new: Option<&Graph>) -> GraphDiff {
    let root = match (old, new) {
        (None, None) => return GraphDiff::root_only("", ""),
        (None, Some(n)) => mark_all(&n.root, GraphChangeType::Added, &mut HashSet::new()),
        (Some(o), None) => mark_all(&o.root, GraphChangeType::Removed, &mut HashSet::new()),
        (Some(o), Some(n)) => {
            let mut full = HashMap::new();
            full_node_index(&o.root, &mut full);
            diff_trees(&o.root, &n.root, &full, &mut HashSet::new())
        }
    };
    let mut changes = Vec::new();
    collect_changes(&root, &mut changes, &mut HashSet::new());
    changes.sort_by(|a, b| a.name.cmp(&b.name));
    GraphDiff { root, changes }
}

fn resolved_children(n: &Node) -> impl Iterator<Item = (&Node, bool)> {
    n.dependencies
        .iter()
        .filter_map(|e| e.node.as_ref().map(|c| (c, e.shared)))
}

fn child_map(n: &Node) -> HashMap<&str, &Node> {
    let mut m = HashMap::new();
    for (c, _) in resolved_children(n) {
        m.insert(c.name.as_str(), c);
    }
    m
}

fn diff_trees<'a>(
    old: &'a Node,
    new: &'a Node,
    old_full: &HashMap<&'a str, &'a Node>,
    visited: &mut HashSet<String>,
) -> GraphNode {
    let mut dn = GraphNode {
        name: new.name.clone(),
        version: opt(&new.version),
        change: None,
        children: Vec::new(),
    };
    let old_by_name = child_map(old);
    let new_by_name = child_map(new);
    for (child, shared) in resolved_children(new) {
        let name = child.name.as_str();
        match old_by_name.get(name) {
            Some(&old_child) => {
                let mut c = GraphNode {
                    name: name.to_string(),
                    version: opt(&child.version),
                    change: None,
                    children: Vec::new(),
                };
                if old_child.version != child.version {
                    c.change = Some(change(
                        name,
                        GraphChangeType::VersionChanged,
                        &old_child.version,
                        &child.version,
                    ));
                }
                if !shared && visited.insert(name.to_string()) {
                    let old_child = old_full.get(name).copied().unwrap_or(old_child);
                    c.children = diff_trees(old_child, child, old_full, visited).children;
                }
                dn.children.push(c);
            }
            None => dn.children.push(GraphNode {
                name: name.to_string(),
                version: opt(&child.version),
                change: Some(change(name, GraphChangeType::Added, "", &child.version)),
                children: Vec::new(),
            }),
        }
    }
    for (child, _) in resolved_children(old) {
        if !new_by_name.contains_key(child.name.as_str()) {
            dn.children.push(GraphNode {
                name: child.name.clone(),
                version: opt(&child.version),
                change: Some(change(
                    &child.name,
                    GraphChangeType::Removed,
                    &child.version,
                    "",
                )),
                children: Vec::new(),
            });
        }
    }
    dn
}

fn mark_all(n: &Node, kind: GraphChangeType, visited: &mut HashSet<String>) -> GraphNode {
    let mut dn = GraphNode {
        name: n.name.clone(),
        version: opt(&n.version),
        change: None,
        children: Vec::new(),
    };
    for (child, shared) in resolved_children(n) {
        let (old, new) = match kind {
            GraphChangeType::Added => ("", child.version.as_str()),
            _ => (child.version.as_str(), ""),
        };
        let mut c = GraphNode {
            name: child.name.clone(),
            version: opt(&child.version),
            change: Some(change(&child.name, kind, old, new)),
            children: Vec::new(),
        };
        if !shared && visited.insert(child.name.clone()) {
            c.children = mark_all(child, kind, visited).children;
        }
        dn.children.push(c);
    }
    dn
}

/// Every fully resolved node by name: a node with children wins over a shallow copy.
fn full_node_index<'a>(n: &'a Node, idx: &mut HashMap<&'a str, &'a Node>) {
    if idx
        .get(n.name.as_str())
        .is_some_and(|prev| !prev.dependencies.is_empty())
    {
        return;
    }
    idx.insert(&n.name, n);
    for (c, _) in resolved_children(n) {
        full_node_index(c, idx);
    }
}

fn collect_changes(n: &GraphNode, out: &mut Vec<GraphChange>, seen: &mut HashSet<String>) {
    if let Some(c) = &n.change {
        if seen.insert(n.name.clone()) {
            out.push(c.clone());
        }
    }
    for c in &n.children {
        collect_changes(c, out, seen);
    }
}

/// The recursive dependency contract diffs of spec §4.7, and the dependencies whose diff
/// failed (an unreadable OpenAPI document or schema), which are left out of `diffs`.
#[derive(Debug, Clone, Default)]
pub struct DependencyDiffs {
    /// Sorted by name.
    pub diffs: Vec<DependencyDiff>,
    pub errors: Vec<(String, DiffError)>,
    /// What could not be compared inside the dependency diffs (an SBOM skipped, a file that
    /// could not be read), prefixed with the dependency's name.
    pub warnings: Vec<String>,
}

impl DependencyDiffs {
    /// The highest classification among the dependency diffs.
    pub fn classification(&self) -> Classification {
        self.diffs
            .iter()
            .map(|d| d.classification)
            .max()
            .unwrap_or(Classification::NonBreaking)
    }
}

/// For every service name in both graphs except the old root's, where both sides were
/// fetched, compare the two contracts with their own bundles; keep the diffs with changes or
/// SBOM changes. Their classification counts toward the overall one.
pub fn dependency_diffs(old: &Graph, new: &Graph) -> DependencyDiffs {
    let old_nodes = old.nodes_by_name();
    let new_nodes = new.nodes_by_name();
    let mut out = DependencyDiffs::default();
    for (name, new_node) in new_nodes {
        if name == old.root.name {
            continue;
        }
        let Some(old_node) = old_nodes.get(name) else {
            continue;
        };
        let (Some(o), Some(n)) = (&old_node.resolved, &new_node.resolved) else {
            continue;
        };
        match compare(&o.side(), &n.side()) {
            Ok(d) => {
                out.warnings
                    .extend(d.warnings.iter().map(|w| format!("dependency {name}: {w}")));
                let sbom_changes = d.sbom.as_ref().is_some_and(|s| !s.changes.is_empty());
                if d.changes.is_empty() && !sbom_changes {
                    continue;
                }
                out.diffs.push(DependencyDiff {
                    name: name.to_string(),
                    classification: d.classification,
                    changes: d.changes,
                    sbom_diff: d.sbom,
                });
            }
            Err(e) => out.errors.push((name.to_string(), e)),
        }
    }
    out
}

/// Edges that failed to resolve (a fetch error or a cycle), depth-first in declaration order:
/// `(ref, error)`. Spec §4.6 leaves them out of the graph diff, so `pacto diff` lists them.
pub fn unresolved_edges(graph: &Graph) -> Vec<(String, String)> {
    fn walk(node: &Node, out: &mut Vec<(String, String)>) {
        for e in &node.dependencies {
            if let Some(err) = &e.error {
                if !e.cycle {
                    out.push((e.reference.clone(), err.clone()));
                }
            }
            if let (Some(child), false) = (&e.node, e.shared) {
                walk(child, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&graph.root, &mut out);
    out
}

/// Everything `pacto diff` reports about two loaded sides (spec §4.3-4.8), the same for every
/// face: the contract diff, both dependency graphs resolved through `old_deps` / `new_deps`,
/// their diff, the dependency contract diffs, and warnings for everything that could not be
/// compared (an unresolved dependency on either side, an unreadable file, a skipped SBOM).
/// A side file that cannot be read at all (an OpenAPI document or schema that does not parse)
/// is a [`SideError`].
#[allow(clippy::too_many_arguments)]
pub fn diff_report(
    old: &Resolved,
    old_path: &str,
    old_deps: &dyn Fetcher,
    new: &Resolved,
    new_path: &str,
    new_deps: &dyn Fetcher,
    options: &ResolveOptions,
) -> Result<DiffReport, SideError> {
    let diff = compare(&old.side(), &new.side())?;
    let old_graph = crate::graph::resolve(&old.contract, old_deps, options);
    let new_graph = crate::graph::resolve(&new.contract, new_deps, options);
    let deps = dependency_diffs(&old_graph, &new_graph);
    let mut warnings = diff.warnings;
    let (old_failed, new_failed) = (unresolved_edges(&old_graph), unresolved_edges(&new_graph));
    for (which, failed, other) in [
        (Which::Old, &old_failed, &new_failed),
        (Which::New, &new_failed, &old_failed),
    ] {
        for f @ (reference, error) in failed {
            let both = other.contains(f);
            if both && which == Which::New {
                continue; // said once, for both sides
            }
            let sides = if both {
                "both sides".to_string()
            } else {
                format!("{which} side")
            };
            warnings.push(format!(
                "{sides}: dependency {reference} not resolved, so it is left out of the graph diff: {error}"
            ));
        }
    }
    for (name, e) in &deps.errors {
        warnings.push(format!("dependency {name} not compared: {e}"));
    }
    for w in &deps.warnings {
        warnings.push(w.clone());
    }
    Ok(DiffReport {
        old_path: old_path.to_string(),
        new_path: new_path.to_string(),
        classification: diff.classification.max(deps.classification()),
        changes: diff.changes,
        dependency_diffs: deps.diffs,
        graph_diff: diff_graphs(Some(&old_graph), Some(&new_graph)),
        sbom_diff: diff.sbom,
        warnings,
    })
}
