//! Dependency-graph diff data (spec §4.6) and its tree rendering. Resolving both graphs needs
//! distribution; until then a diff carries only the new root.

use serde::Serialize;

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
