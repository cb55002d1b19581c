//! Bundle file paths for `contract` / `schema` values: the files under the bundle directory,
//! relative, `/`-separated, sorted, skipping hidden entries, `target` and `node_modules`, bounded.

use std::path::Path;
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, Range, TextEdit,
};

/// Most files listed.
pub const MAX_FILES: usize = 2_000;
/// Deepest directory level walked.
pub const MAX_DEPTH: usize = 12;
/// Most directory entries read in total (bounds the time spent in huge trees).
pub const MAX_ENTRIES_READ: usize = 20_000;

/// The bundle-relative paths of the files under `dir` (not `pacto.yaml` itself).
pub fn list(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut read = 0usize;
    // Breadth-first so shallow files survive the cap; each level sorted for determinism.
    let mut level: Vec<(std::path::PathBuf, String)> = vec![(dir.to_path_buf(), String::new())];
    for _ in 0..=MAX_DEPTH {
        let mut next = Vec::new();
        for (path, prefix) in level {
            let Ok(entries) = std::fs::read_dir(&path) else {
                continue;
            };
            let mut names: Vec<(String, bool)> = Vec::new();
            for entry in entries.flatten() {
                read += 1;
                if read > MAX_ENTRIES_READ {
                    break;
                }
                let Ok(name) = entry.file_name().into_string() else {
                    continue;
                };
                if name.starts_with('.') || name == "target" || name == "node_modules" {
                    continue;
                }
                let Ok(ft) = entry.file_type() else {
                    continue;
                };
                // Symlinked directories are not followed (no cycles, no escaping the bundle).
                let is_dir = ft.is_dir();
                if is_dir || ft.is_file() || ft.is_symlink() {
                    names.push((name, is_dir));
                }
            }
            names.sort();
            for (name, is_dir) in names {
                let rel = format!("{prefix}{name}");
                if is_dir {
                    next.push((path.join(&name), format!("{rel}/")));
                } else if rel != "pacto.yaml" {
                    out.push(rel);
                }
            }
        }
        if next.is_empty() || out.len() >= MAX_FILES || read > MAX_ENTRIES_READ {
            break;
        }
        level = next;
    }
    out.sort();
    out.truncate(MAX_FILES);
    out
}

/// Completion items replacing `range` (the value typed so far) with each file path.
pub fn complete(dir: &Path, range: Range) -> Vec<CompletionItem> {
    list(dir)
        .into_iter()
        .map(|rel| CompletionItem {
            label: rel.clone(),
            kind: Some(CompletionItemKind::FILE),
            detail: Some("bundle file".to_string()),
            filter_text: Some(rel.clone()),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                range,
                new_text: rel,
            })),
            ..Default::default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_relative_files_skipping_hidden_and_target() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        for f in [
            "pacto.yaml",
            "interfaces/openapi.yaml",
            "interfaces/deep/x.proto",
            ".git/config",
            "target/debug/x",
            "schema.json",
            ".hidden",
        ] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, "x").expect("write");
        }
        assert_eq!(
            list(root),
            [
                "interfaces/deep/x.proto",
                "interfaces/openapi.yaml",
                "schema.json"
            ]
        );
    }
}
