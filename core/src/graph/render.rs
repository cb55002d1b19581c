//! Renderers of a resolved [`Graph`]: Go Pacto's text tree and JSON (spec §7), plus Graphviz
//! DOT and Mermaid flowcharts.

use super::{Edge, Graph, Node};
use std::collections::HashMap;
use std::fmt::Write as _;

/// An output format of `pacto graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Tree,
    Json,
    Dot,
    Mermaid,
}

/// Render `graph` in `format`. Every format ends with a newline.
pub fn render(graph: &Graph, format: Format) -> String {
    match format {
        Format::Tree => render_text(graph),
        Format::Json => render_json(graph),
        Format::Dot => render_dot(graph),
        Format::Mermaid => render_mermaid(graph),
    }
}

/// The last `/` segment of a reference, with a `@sha256:` digest cut to 7 characters.
pub fn short_ref(reference: &str) -> String {
    let name = reference.rsplit('/').next().unwrap_or(reference);
    match name.find("@sha256:") {
        Some(at) => {
            let digest = &name[at + 8..];
            let cut = digest
                .char_indices()
                .nth(7)
                .map_or(digest.len(), |(i, _)| i);
            format!("{}@sha256:{}", &name[..at], &digest[..cut])
        }
        None => name.to_string(),
    }
}

fn node_label(n: &Node) -> String {
    format!("{}@{}", n.name, n.version)
}

/// The tree of spec §7: `<root>@<version>`, then one line per edge with `├─ `/`└─ ` connectors,
/// `[local]`, `(shared)`, `(error: …)` and this port's `(unsatisfied: …)` marker; then the
/// `Cycles (n):` and `Conflicts (n):` blocks.
pub fn render_text(graph: &Graph) -> String {
    fn children(out: &mut String, edges: &[Edge], prefix: &str) {
        for (i, e) in edges.iter().enumerate() {
            let last = i + 1 == edges.len();
            let (conn, child_prefix) = if last {
                ("└─ ", "   ")
            } else {
                ("├─ ", "│  ")
            };
            out.push_str(prefix);
            out.push_str(conn);
            if let Some(err) = &e.error {
                let _ = writeln!(out, "{} (error: {err})", short_ref(&e.reference));
                continue;
            }
            let Some(n) = &e.node else {
                let _ = writeln!(out, "{}", short_ref(&e.reference));
                continue;
            };
            out.push_str(&node_label(n));
            if n.local {
                out.push_str(" [local]");
            }
            if e.shared {
                out.push_str(" (shared)");
            }
            if let Some(u) = &e.unsatisfied {
                let _ = write!(out, " (unsatisfied: {u})");
            }
            out.push('\n');
            if !e.shared {
                children(out, &n.dependencies, &format!("{prefix}{child_prefix}"));
            }
        }
    }
    let mut out = format!("{}\n", node_label(&graph.root));
    children(&mut out, &graph.root.dependencies, "");
    if !graph.cycles.is_empty() {
        let _ = writeln!(out, "\nCycles ({}):", graph.cycles.len());
        for c in &graph.cycles {
            let _ = writeln!(out, "  {}", c.join(" -> "));
        }
    }
    if !graph.conflicts.is_empty() {
        let _ = writeln!(out, "\nConflicts ({}):", graph.conflicts.len());
        for c in &graph.conflicts {
            let _ = writeln!(out, "  {}: [{}]", c.name, c.versions.join(" "));
        }
    }
    out
}

/// Go's `json.Encoder` with a two-space indent: HTML-safe escapes, a final newline.
pub fn render_json(graph: &Graph) -> String {
    let text = serde_json::to_string_pretty(graph).unwrap_or_else(|e| format!("{e}"));
    let mut out = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('\n');
    out
}

/// One node of the flattened graph drawn by DOT and Mermaid.
struct FlatNode {
    id: String,
    label: String,
    /// A dependency that did not resolve (drawn in red).
    error: bool,
}

struct FlatEdge {
    from: usize,
    to: usize,
    optional: bool,
    /// Red: a fetch error, a cycle or an unsatisfied constraint.
    bad: bool,
    label: Option<String>,
}

/// The graph as nodes (one per `name@version`, one per unresolved ref) and edges (one per
/// declared dependency), in depth-first declaration order. A cycle edge points back at the
/// ancestor it closes on.
fn flatten(graph: &Graph) -> (Vec<FlatNode>, Vec<FlatEdge>) {
    struct Flat<'a> {
        nodes: Vec<FlatNode>,
        edges: Vec<FlatEdge>,
        by_label: HashMap<String, usize>,
        by_ref: HashMap<&'a str, usize>,
        errors: HashMap<(String, String), usize>,
    }
    impl<'a> Flat<'a> {
        fn node(&mut self, n: &'a Node) -> usize {
            let label = node_label(n);
            let i = match self.by_label.get(&label) {
                Some(&i) => i,
                None => {
                    let i = self.nodes.len();
                    self.nodes.push(FlatNode {
                        id: format!("n{i}"),
                        label: label.clone(),
                        error: false,
                    });
                    self.by_label.insert(label, i);
                    i
                }
            };
            if !n.reference.is_empty() {
                self.by_ref.entry(&n.reference).or_insert(i);
            }
            i
        }

        fn error_node(&mut self, reference: &str, error: &str) -> usize {
            let key = (reference.to_string(), error.to_string());
            if let Some(&i) = self.errors.get(&key) {
                return i;
            }
            let i = self.nodes.len();
            self.nodes.push(FlatNode {
                id: format!("e{i}"),
                label: format!("{}\n(error: {error})", short_ref(reference)),
                error: true,
            });
            self.errors.insert(key, i);
            i
        }

        fn walk(&mut self, from: usize, n: &'a Node) {
            for e in &n.dependencies {
                let optional = !e.required;
                if let Some(child) = &e.node {
                    let to = self.node(child);
                    self.edges.push(FlatEdge {
                        from,
                        to,
                        optional,
                        bad: e.unsatisfied.is_some(),
                        label: e.unsatisfied.as_ref().map(|u| format!("unsatisfied: {u}")),
                    });
                    if !e.shared {
                        self.walk(to, child);
                    }
                    continue;
                }
                let error = e.error.as_deref().unwrap_or("unresolved");
                let to = match self.by_ref.get(e.reference.as_str()) {
                    Some(&ancestor) if e.cycle => ancestor,
                    _ => self.error_node(&e.reference, error),
                };
                self.edges.push(FlatEdge {
                    from,
                    to,
                    optional,
                    bad: true,
                    label: e.cycle.then(|| "cycle".to_string()),
                });
            }
        }
    }
    let mut flat = Flat {
        nodes: Vec::new(),
        edges: Vec::new(),
        by_label: HashMap::new(),
        by_ref: HashMap::new(),
        errors: HashMap::new(),
    };
    let root = flat.node(&graph.root);
    flat.walk(root, &graph.root);
    (flat.nodes, flat.edges)
}

fn dot_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Graphviz: `digraph pacto { … }` with `name@version` boxes, dashed edges for optional
/// dependencies, and red for errors, cycles and unsatisfied constraints.
pub fn render_dot(graph: &Graph) -> String {
    let (nodes, edges) = flatten(graph);
    let mut out = String::from("digraph pacto {\n  rankdir=LR;\n  node [shape=box];\n");
    for n in &nodes {
        let _ = write!(out, "  {} [label={}", n.id, dot_string(&n.label));
        if n.error {
            out.push_str(", color=red, fontcolor=red, style=dashed");
        }
        out.push_str("];\n");
    }
    for e in &edges {
        let _ = write!(out, "  {} -> {}", nodes[e.from].id, nodes[e.to].id);
        let mut attrs: Vec<String> = Vec::new();
        if e.optional {
            attrs.push("style=dashed".to_string());
        }
        if e.bad {
            attrs.push("color=red".to_string());
            attrs.push("fontcolor=red".to_string());
        }
        if let Some(l) = &e.label {
            attrs.push(format!("label={}", dot_string(l)));
        }
        if !attrs.is_empty() {
            let _ = write!(out, " [{}]", attrs.join(", "));
        }
        out.push_str(";\n");
    }
    out.push_str("}\n");
    out
}

fn mermaid_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '\n' => out.push_str("<br/>"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Mermaid: `graph TD` with `name@version` nodes, dotted links for optional dependencies, and
/// red for errors, cycles and unsatisfied constraints.
pub fn render_mermaid(graph: &Graph) -> String {
    let (nodes, edges) = flatten(graph);
    let mut out = String::from("graph TD\n");
    for n in &nodes {
        let _ = writeln!(out, "  {}[\"{}\"]", n.id, mermaid_text(&n.label));
    }
    let mut red = Vec::new();
    for (i, e) in edges.iter().enumerate() {
        let arrow = if e.optional { "-.->" } else { "-->" };
        let label = e
            .label
            .as_ref()
            .map(|l| format!("|\"{}\"|", mermaid_text(l)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {} {arrow}{label} {}",
            nodes[e.from].id, nodes[e.to].id
        );
        if e.bad {
            red.push(i.to_string());
        }
    }
    let errors: Vec<&str> = nodes
        .iter()
        .filter(|n| n.error)
        .map(|n| n.id.as_str())
        .collect();
    // No `;` after a style: Mermaid reads `#d00;` as an HTML entity (`#name;`) and the
    // statement no longer parses. A newline ends each statement.
    if !errors.is_empty() {
        out.push_str("  classDef error stroke:#d00,color:#d00,stroke-dasharray:4 2\n");
        let _ = writeln!(out, "  class {} error", errors.join(","));
    }
    if !red.is_empty() {
        let _ = writeln!(out, "  linkStyle {} stroke:#d00,color:#d00", red.join(","));
    }
    out
}
