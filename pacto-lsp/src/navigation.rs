//! Go-to-definition, references and rename.
//!
//! - `runtime.health.interface` / `runtime.metrics.interface` (1.x) and
//!   `capabilities[].binding.interface` (2.0) values name an interface: definition
//!   jumps to that interface's `name:` value; references and rename work from either end.
//! - `interfaces[].contract` (2.0: `interfaces[].ref`), `configuration.schema`, `configurations[].schema`, `policy.schema`
//!   and `policies[].schema` are bundle-relative paths: definition opens the file (at 0:0) when
//!   it exists under the bundle directory (the directory of `pacto.yaml`).
//! - `dependencies[].ref`: answered by `registry_features::definition` (the registry cache).

use crate::to_proto::{self, Encoding};
use pacto_core::syntax::{parse, resolve, Limits, LineIndex, NodeRef, Resolved, Span, Style, Tree};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use tower_lsp_server::ls_types::{
    GotoDefinitionResponse, Location, Position, PrepareRenameResponse, Range, TextEdit, Uri,
    WorkspaceEdit,
};

/// What the cursor is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An interface name: its declaration (`interfaces[i].name`) or a reference to it.
    Interface { name: String, declaration: bool },
    /// A bundle-relative file path.
    File { path: String },
}

/// The scalar under the cursor and what it means.
pub struct At {
    pub target: Target,
    /// The scalar's content span (inside quotes).
    pub span: Span,
}

/// A scalar's content span: its span without the quotes of a quoted scalar.
pub fn inner(node: NodeRef<'_>) -> Span {
    let span = node.span();
    match node.as_scalar().map(|s| s.style) {
        Some(Style::SingleQuoted | Style::DoubleQuoted) if span.len() >= 2 => {
            Span::new(span.start + 1, span.end - 1)
        }
        _ => span,
    }
}

fn touches(span: Span, offset: u32) -> bool {
    span.start <= offset && offset <= span.end
}

/// A scalar worth navigating from (not a block scalar, not an alias to elsewhere).
fn name_node(node: NodeRef<'_>) -> Option<&str> {
    let s = node.as_scalar()?;
    if matches!(s.style, Style::Literal | Style::Folded) {
        return None;
    }
    node.as_str()
}

/// Every interface-name occurrence: `(node, is_declaration)`, in document order.
pub fn interface_occurrences(tree: &Tree) -> Vec<(NodeRef<'_>, bool)> {
    let root = tree.root();
    let mut out = Vec::new();
    if let Some(list) = root.get("interfaces") {
        for item in list.items() {
            if let Some(n) = item.get("name").filter(|n| name_node(*n).is_some()) {
                out.push((n, true));
            }
        }
    }
    if let Some(runtime) = root.get("runtime") {
        for section in ["health", "metrics"] {
            if let Some(n) = runtime
                .get(section)
                .and_then(|s| s.get("interface"))
                .filter(|n| name_node(*n).is_some())
            {
                out.push((n, false));
            }
        }
    }
    // 2.0: `capabilities[].binding.interface`.
    if let Some(list) = root.get("capabilities") {
        for cap in list.items() {
            if let Some(n) = cap
                .get("binding")
                .and_then(|b| b.get("interface"))
                .filter(|n| name_node(*n).is_some())
            {
                out.push((n, false));
            }
        }
    }
    out
}

/// The file-path values of the contract.
fn file_nodes(tree: &Tree) -> Vec<NodeRef<'_>> {
    let root = tree.root();
    let mut out = Vec::new();
    if let Some(list) = root.get("interfaces") {
        out.extend(list.items().filter_map(|i| i.get("contract")));
        // 2.0 names an interface's spec file with `ref` (a bundle path, never a URL).
        out.extend(
            list.items()
                .filter_map(|i| i.get("ref"))
                .filter(|r| r.as_str().is_some_and(|r| !r.contains("://"))),
        );
    }
    for (single, many) in [("configuration", "configurations"), ("policy", "policies")] {
        out.extend(root.get(single).and_then(|c| c.get("schema")));
        if let Some(list) = root.get(many) {
            out.extend(list.items().filter_map(|i| i.get("schema")));
        }
    }
    out
}

/// What the cursor at byte `offset` is on.
pub fn target_at(tree: &Tree, offset: u32) -> Option<At> {
    for (node, declaration) in interface_occurrences(tree) {
        if touches(node.span(), offset) {
            return Some(At {
                target: Target::Interface {
                    name: name_node(node)?.to_string(),
                    declaration,
                },
                span: inner(node),
            });
        }
    }
    for node in file_nodes(tree) {
        if touches(node.span(), offset) {
            return Some(At {
                target: Target::File {
                    path: name_node(node)?.to_string(),
                },
                span: inner(node),
            });
        }
    }
    None
}

/// The bundle directory of the contract at `uri` (the directory holding `pacto.yaml`).
pub fn bundle_dir(uri: &Uri) -> Option<PathBuf> {
    if uri.scheme().as_str() != "file" {
        return None;
    }
    uri.to_file_path()
        .and_then(|p| p.parent().map(Path::to_path_buf))
}

/// `dir/rel` when `rel` is a relative path that stays inside `dir` (also after symbolic links are
/// followed: core's `resolve_inside`) and names an existing file.
pub fn bundle_file(dir: &Path, rel: &str) -> Option<PathBuf> {
    let rel = Path::new(rel);
    if rel.as_os_str().is_empty()
        || !rel
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return None;
    }
    // `./a/b` -> `a/b`, the form core's bundle paths use.
    let clean: Vec<&str> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => s.to_str(),
            _ => None,
        })
        .collect();
    if clean.len()
        != rel
            .components()
            .filter(|c| matches!(c, Component::Normal(_)))
            .count()
    {
        return None; // not UTF-8
    }
    let resolved = pacto_core::bundle::resolve_inside(dir, &clean.join("/")).ok()?;
    // The path as written (not the canonical one), so the editor shows it under the bundle.
    resolved.is_file().then(|| dir.join(rel))
}

/// A parsed buffer with its URI, for the handlers below.
pub struct Doc<'a> {
    pub uri: &'a Uri,
    pub text: &'a str,
    pub enc: Encoding,
}

fn range(index: &LineIndex, span: Span, enc: Encoding) -> Range {
    to_proto::range(index, span, enc)
}

fn file_location(path: &Path) -> Option<Location> {
    Some(Location {
        uri: Uri::from_file_path(path)?,
        range: Range::new(Position::new(0, 0), Position::new(0, 0)),
    })
}

pub fn definition(doc: &Doc<'_>, pos: Position) -> Option<GotoDefinitionResponse> {
    let parsed = parse(doc.text, &Limits::default());
    let tree = parsed.tree.as_ref()?;
    let index = &parsed.line_index;
    let offset = crate::guard::offset(index, doc.text, pos, doc.enc) as u32;
    let at = target_at(tree, offset)?;
    match at.target {
        Target::Interface { name, .. } => {
            let mut locs: Vec<Location> = interface_occurrences(tree)
                .into_iter()
                .filter(|(n, decl)| *decl && name_node(*n) == Some(name.as_str()))
                .map(|(n, _)| Location {
                    uri: doc.uri.clone(),
                    range: range(index, inner(n), doc.enc),
                })
                .collect();
            match locs.len() {
                0 => None,
                1 => locs.pop().map(GotoDefinitionResponse::Scalar),
                _ => Some(GotoDefinitionResponse::Array(locs)),
            }
        }
        Target::File { path } => {
            let dir = bundle_dir(doc.uri)?;
            file_location(&bundle_file(&dir, &path)?).map(GotoDefinitionResponse::Scalar)
        }
    }
}

/// The interface name under the cursor, with the parsed buffer.
fn interface_at(tree: &Tree, offset: u32) -> Option<(String, Span)> {
    match target_at(tree, offset)? {
        At {
            target: Target::Interface { name, .. },
            span,
        } => Some((name, span)),
        _ => None,
    }
}

pub fn references(
    doc: &Doc<'_>,
    pos: Position,
    include_declaration: bool,
) -> Option<Vec<Location>> {
    let parsed = parse(doc.text, &Limits::default());
    let tree = parsed.tree.as_ref()?;
    let index = &parsed.line_index;
    let offset = crate::guard::offset(index, doc.text, pos, doc.enc) as u32;
    let (name, _) = interface_at(tree, offset)?;
    Some(
        interface_occurrences(tree)
            .into_iter()
            .filter(|(n, decl)| {
                name_node(*n) == Some(name.as_str()) && (include_declaration || !decl)
            })
            .map(|(n, _)| Location {
                uri: doc.uri.clone(),
                range: range(index, inner(n), doc.enc),
            })
            .collect(),
    )
}

pub fn prepare_rename(doc: &Doc<'_>, pos: Position) -> Option<PrepareRenameResponse> {
    let parsed = parse(doc.text, &Limits::default());
    let tree = parsed.tree.as_ref()?;
    let index = &parsed.line_index;
    let offset = crate::guard::offset(index, doc.text, pos, doc.enc) as u32;
    let (name, span) = interface_at(tree, offset)?;
    Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: range(index, span, doc.enc),
        placeholder: name,
    })
}

/// Why a rename is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum RenameError {
    Invalid(String),
    InUse(String),
}

impl std::fmt::Display for RenameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RenameError::Invalid(why) => write!(f, "invalid interface name: {why}"),
            RenameError::InUse(name) => {
                write!(f, "an interface named \"{name}\" is already declared")
            }
        }
    }
}

/// Most characters an interface name may have.
pub const MAX_NAME_LEN: usize = 253;

/// Whether `name` can be an interface name (the schema only asks for a non-empty string; we also
/// refuse what would surely be a mistake: surrounding blanks, control characters, huge names).
pub fn check_name(name: &str) -> Result<(), RenameError> {
    if name.is_empty() {
        return Err(RenameError::Invalid("the name is empty".into()));
    }
    if name.trim() != name {
        return Err(RenameError::Invalid(
            "the name starts or ends with whitespace".into(),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(RenameError::Invalid(
            "the name contains a control character".into(),
        ));
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(RenameError::Invalid(format!(
            "the name is longer than {MAX_NAME_LEN} characters"
        )));
    }
    Ok(())
}

/// `name` written in the quoting style of `node`: quoted scalars stay quoted the same way, plain
/// ones stay plain when YAML would read the new text back as the same string, else get quotes.
fn written_as(node: NodeRef<'_>, name: &str) -> (Span, String) {
    let style = node.as_scalar().map_or(Style::Plain, |s| s.style);
    match style {
        Style::SingleQuoted => (inner(node), name.replace('\'', "''")),
        Style::DoubleQuoted => (inner(node), double_escape(name)),
        _ if plain_safe(name) => (node.span(), name.to_string()),
        _ => (node.span(), format!("\"{}\"", double_escape(name))),
    }
}

fn double_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn plain_safe(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '/')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
        && resolve(name, Style::Plain, None) == Resolved::Str
}

pub fn rename(
    doc: &Doc<'_>,
    pos: Position,
    new_name: &str,
) -> Result<Option<WorkspaceEdit>, RenameError> {
    let parsed = parse(doc.text, &Limits::default());
    let Some(tree) = parsed.tree.as_ref() else {
        return Ok(None);
    };
    let index = &parsed.line_index;
    let offset = crate::guard::offset(index, doc.text, pos, doc.enc) as u32;
    let Some((old, _)) = interface_at(tree, offset) else {
        return Ok(None);
    };
    check_name(new_name)?;
    let occurrences = interface_occurrences(tree);
    if new_name != old
        && occurrences
            .iter()
            .any(|(n, decl)| *decl && name_node(*n) == Some(new_name))
    {
        return Err(RenameError::InUse(new_name.to_string()));
    }
    let edits: Vec<TextEdit> = occurrences
        .into_iter()
        .filter(|(n, _)| name_node(*n) == Some(old.as_str()) && new_name != old)
        .map(|(n, _)| {
            let (span, text) = written_as(n, new_name);
            TextEdit {
                range: range(index, span, doc.enc),
                new_text: text,
            }
        })
        .collect();
    Ok(Some(WorkspaceEdit {
        changes: Some(HashMap::from([(doc.uri.clone(), edits)])),
        ..Default::default()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(check_name("api-v2").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name(" api").is_err());
        assert!(check_name("a\nb").is_err());
        assert!(check_name(&"x".repeat(MAX_NAME_LEN + 1)).is_err());
    }

    #[test]
    fn plain_names_needing_quotes_get_them() {
        assert!(plain_safe("api"));
        assert!(plain_safe("grpc.v1/api"));
        assert!(!plain_safe("true"));
        assert!(!plain_safe("123"));
        assert!(!plain_safe("a: b"));
        assert!(!plain_safe("-x"));
    }

    #[test]
    fn bundle_files_stay_inside_the_bundle() {
        let dir = std::env::temp_dir();
        assert_eq!(bundle_file(&dir, "../etc/passwd"), None);
        assert_eq!(bundle_file(&dir, "/etc/passwd"), None);
        assert_eq!(bundle_file(&dir, ""), None);
    }

    #[cfg(unix)]
    #[test]
    fn bundle_files_do_not_follow_links_out_of_the_bundle() {
        let outside = tempfile::tempdir().expect("tempdir");
        std::fs::write(outside.path().join("secret.yaml"), "x").expect("write");
        let bundle = tempfile::tempdir().expect("tempdir");
        let dir = bundle.path();
        std::fs::write(dir.join("api.yaml"), "x").expect("write");
        std::os::unix::fs::symlink(outside.path(), dir.join("out")).expect("link");
        std::os::unix::fs::symlink(outside.path().join("secret.yaml"), dir.join("s.yaml"))
            .expect("link");
        assert_eq!(bundle_file(dir, "api.yaml"), Some(dir.join("api.yaml")));
        assert_eq!(bundle_file(dir, "./api.yaml"), Some(dir.join("./api.yaml")));
        assert_eq!(bundle_file(dir, "out/secret.yaml"), None);
        assert_eq!(bundle_file(dir, "s.yaml"), None);
    }
}
