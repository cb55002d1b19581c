//! The "Migrate to Pacto 2.0" code action (issue 17): on a 1.x `pacto.yaml` whose migration
//! succeeds, one workspace edit carrying the document to the text `pacto migrate` writes
//! ([`pacto_core::migrate::migrate`], so byte for byte the CLI's), as per-line edits (a diff of
//! the old and new lines) so the client keeps the cursor and the undo granularity of untouched
//! lines. The report rides in the action's `data` and, through the [`MIGRATE_REPORT`] command
//! the client runs after applying the edit, in a `window/showMessage`.
//!
//! A refused migration (an interface 2.0 cannot express) is a disabled action with the reason
//! when the client shows disabled actions, else no action; a 2.0 document, a document that is
//! not a contract and unreadable YAML get none.

use crate::to_proto::{self, Encoding};
use pacto_core::bundle::DirBundle;
use pacto_core::migrate::{migrate, render_report, MigrateError};
use pacto_core::syntax::{LineIndex, Span};
use serde_json::json;
use std::collections::HashMap;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionDisabled, CodeActionKind, CodeActionOrCommand, Command, TextEdit, Uri,
    WorkspaceEdit,
};

/// The command that shows the migration report (its one argument) as a message.
pub const MIGRATE_REPORT: &str = "pacto.migrateReport";

pub const TITLE: &str = "Migrate to Pacto 2.0";

/// Larger documents are not migrated on a code-action request (it runs as the cursor moves).
const MAX_BYTES: usize = 512 * 1024;

/// Largest line-diff table (old lines x new lines, after the common head and tail are
/// trimmed); beyond it the changed middle is one edit.
const MAX_DIFF_CELLS: usize = 1 << 20;

/// Longest report shown in a message.
pub const MAX_REPORT_BYTES: usize = 64 * 1024;

/// Whether a request's `context.only` lets a `refactor.rewrite` action through.
pub fn wanted(only: Option<&[CodeActionKind]>) -> bool {
    let ours = CodeActionKind::REFACTOR_REWRITE;
    only.is_none_or(|kinds| {
        kinds.iter().any(|k| {
            let k = k.as_str();
            ours.as_str() == k || ours.as_str().starts_with(&format!("{k}."))
        })
    })
}

/// The migrate action for the document `text` at `uri`, if it is a 1.x contract.
pub fn action(
    uri: &Uri,
    text: &str,
    enc: Encoding,
    disabled_support: bool,
) -> Option<CodeActionOrCommand> {
    if text.len() > MAX_BYTES || !mentions_v1(text) {
        return None;
    }
    let dir = uri.to_file_path()?.parent()?.to_path_buf();
    let bundle = DirBundle::new(dir);
    let kind = Some(CodeActionKind::REFACTOR_REWRITE);
    let m = match migrate(text, &bundle) {
        Ok(m) => m,
        Err(e @ (MigrateError::Inexpressible { .. } | MigrateError::Edit(..))) => {
            return disabled_support.then(|| {
                CodeActionOrCommand::CodeAction(CodeAction {
                    title: TITLE.to_string(),
                    kind,
                    disabled: Some(CodeActionDisabled {
                        reason: format!("pacto migrate refuses this contract: {e}"),
                    }),
                    ..Default::default()
                })
            });
        }
        Err(MigrateError::NotV1(_) | MigrateError::Unreadable(_)) => return None,
    };
    let index = LineIndex::new(text);
    let edits: Vec<TextEdit> = line_edits(text, &m.text)
        .into_iter()
        .map(|(span, new_text)| TextEdit {
            range: to_proto::range(&index, span, enc),
            new_text,
        })
        .collect();
    let mut report = format!(
        "Migrated to Pacto 2.0 ({} report entries)\n",
        m.report.len()
    );
    report.push_str(&render_report(&m));
    Some(CodeActionOrCommand::CodeAction(CodeAction {
        title: TITLE.to_string(),
        kind,
        edit: Some(WorkspaceEdit {
            changes: Some(HashMap::from([(uri.clone(), edits)])),
            ..Default::default()
        }),
        command: Some(Command {
            title: "Show the migration report".to_string(),
            command: MIGRATE_REPORT.to_string(),
            arguments: Some(vec![json!(bounded(report))]),
        }),
        data: Some(json!({"report": m.report, "warnings": m.warnings})),
        ..Default::default()
    }))
}

/// A cheap filter before the migration: a top-level `pactoVersion` whose value starts with 1.
fn mentions_v1(text: &str) -> bool {
    text.lines().any(|l| {
        l.strip_prefix("pactoVersion:").is_some_and(|v| {
            v.trim_start()
                .trim_start_matches(['"', '\''])
                .starts_with('1')
        })
    })
}

/// `s` cut at a character boundary at most [`MAX_REPORT_BYTES`] long.
pub fn bounded(mut s: String) -> String {
    if s.len() > MAX_REPORT_BYTES {
        let mut end = MAX_REPORT_BYTES;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push_str("\n...");
    }
    s
}

/// The edits that turn `old` into `new`, line by line: each run of changed lines is one edit
/// (byte span of `old` -> replacement); unchanged lines are not touched.
pub fn line_edits(old: &str, new: &str) -> Vec<(Span, String)> {
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    // Byte offset of each old line's start (and of the end).
    let mut starts = Vec::with_capacity(a.len() + 1);
    let mut at = 0usize;
    for l in &a {
        starts.push(at);
        at += l.len();
    }
    starts.push(at);
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    let (n, m) = (am.len(), bm.len());
    let mut out = Vec::new();
    let mut push = |i0: usize, i1: usize, j0: usize, j1: usize| {
        if i0 == i1 && j0 == j1 {
            return;
        }
        let span = Span::new(starts[head + i0] as u32, starts[head + i1] as u32);
        out.push((span, bm[j0..j1].concat()));
    };
    if n == 0 && m == 0 {
        return Vec::new();
    }
    if n.saturating_mul(m) > MAX_DIFF_CELLS || n == 0 || m == 0 {
        push(0, n, 0, m);
        return out;
    }
    // lcs[i][j]: the longest common subsequence of am[i..] and bm[j..].
    let w = m + 1;
    let mut lcs = vec![0u32; (n + 1) * w];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * w + j] = if am[i] == bm[j] {
                lcs[(i + 1) * w + j + 1] + 1
            } else {
                lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let (mut i0, mut j0) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && am[i] == bm[j] {
            push(i0, i, j0, j);
            i += 1;
            j += 1;
            (i0, j0) = (i, j);
        } else if j < m && (i == n || lcs[i * w + j + 1] >= lcs[(i + 1) * w + j]) {
            j += 1;
        } else {
            i += 1;
        }
    }
    push(i0, n, j0, m);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn apply(old: &str, edits: &[(Span, String)]) -> String {
        let mut out = old.to_string();
        for (span, t) in edits.iter().rev() {
            out.replace_range(span.start as usize..span.end as usize, t);
        }
        out
    }

    #[test]
    fn line_edits_touch_only_changed_lines() {
        let old = "# keep\na: 1\nb: 2\n# keep too\nc: 3\nd: 4";
        let new = "# keep\na: 1\nx: 9\nb: 2\n# keep too\nd: 5\ne: 6\n";
        let edits = line_edits(old, new);
        assert_eq!(apply(old, &edits), new);
        // Inserted x, then replaced the tail from c on; "# keep", "a", "b" and "# keep too"
        // are never inside an edit.
        assert_eq!(edits.len(), 2, "{edits:?}");
        assert_eq!(edits[0].0, Span::new(12, 12));
        for (old, new) in [
            ("", "a\n"),
            ("a\n", ""),
            ("a\nb\n", "a\nb\n"),
            ("a\r\nb\r\n", "a\r\nc\r\nb\r\n"),
            ("x", "y"),
        ] {
            assert_eq!(apply(old, &line_edits(old, new)), new, "{old:?} -> {new:?}");
        }
        assert!(line_edits("a\nb\n", "a\nb\n").is_empty());
    }

    #[test]
    fn only_filters_by_kind() {
        assert!(wanted(None));
        assert!(wanted(Some(&[CodeActionKind::REFACTOR])));
        assert!(wanted(Some(&[CodeActionKind::REFACTOR_REWRITE])));
        assert!(!wanted(Some(&[CodeActionKind::QUICKFIX])));
        assert!(!wanted(Some(&[CodeActionKind::REFACTOR_EXTRACT])));
        assert!(mentions_v1("pactoVersion: \"1.0\"\n"));
        assert!(mentions_v1("a: 1\npactoVersion: 1.2\n"));
        assert!(!mentions_v1("pactoVersion: \"2.0\"\n"));
    }
}
