//! Renderers of `pacto diff` (spec §4.9): Go Pacto's text, JSON and Markdown, plus the source
//! line of each side and a plain-words explanation of every classification.

use super::json::write_go_json;
use super::markdown::{code_cell, text_cell};
use super::OutputFormat;
use crate::diff::graph::GraphDiff;
use crate::diff::sbom::SbomDiff;
use crate::diff::{Change, ChangeType, Classification};
use serde::Serialize;
use serde_json::Value;
use std::io::{self, Write};

/// The diff of one dependency present in both graphs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DependencyDiff {
    pub name: String,
    pub classification: Classification,
    pub changes: Vec<Change>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sbom_diff: Option<SbomDiff>,
}

/// Everything `pacto diff` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiffReport {
    pub old_path: String,
    pub new_path: String,
    pub classification: Classification,
    /// `null` when empty, as Go Pacto prints a nil slice.
    #[serde(serialize_with = "null_if_empty")]
    pub changes: Vec<Change>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependency_diffs: Vec<DependencyDiff>,
    pub graph_diff: GraphDiff,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sbom_diff: Option<SbomDiff>,
    /// What could not be compared (an SBOM over the read limit, a dependency that did not
    /// resolve, an unreadable file): shown in every format so a gate never passes silently on
    /// something it skipped.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

fn null_if_empty<S: serde::Serializer>(changes: &[Change], s: S) -> Result<S::Ok, S::Error> {
    if changes.is_empty() {
        s.serialize_none()
    } else {
        s.collect_seq(changes)
    }
}

impl DiffReport {
    fn is_empty(&self) -> bool {
        self.changes.is_empty()
            && self.dependency_diffs.is_empty()
            && !self.graph_diff.has_changes()
            && self.sbom_diff.is_none()
    }
}

/// Render in `format`. `explain` adds a `why:` line under each change in text output (JSON and
/// Markdown always carry the explanation). SARIF is not a diff format and renders as JSON.
pub fn render_diff(
    format: OutputFormat,
    report: &DiffReport,
    explain: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        OutputFormat::Text => render_text(report, explain, out),
        OutputFormat::Markdown => render_markdown(report, out),
        OutputFormat::Json | OutputFormat::Sarif => {
            let value = serde_json::to_value(report).map_err(io::Error::other)?;
            write_go_json(&value, out)
        }
    }
}

/// Go's `%v` of a JSON value: strings bare, `<nil>` for null.
fn go_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "<nil>".to_string(),
        other => other.to_string(),
    }
}

fn change_line(c: &Change) -> String {
    let vals = match (c.change_type, &c.old_value, &c.new_value) {
        (ChangeType::Modified, Some(o), Some(n)) => {
            format!(" [{} -> {}]", go_value(o), go_value(n))
        }
        (ChangeType::Added, _, Some(n)) => format!(" [+ {}]", go_value(n)),
        (ChangeType::Removed, Some(o), _) => format!(" [- {}]", go_value(o)),
        _ => String::new(),
    };
    format!(
        "  [{}] {} ({}): {}{vals}",
        c.classification, c.path, c.change_type, c.reason
    )
}

fn write_changes(changes: &[Change], explain: bool, out: &mut dyn Write) -> io::Result<()> {
    for c in changes {
        writeln!(out, "{}", change_line(c))?;
        if explain {
            if let Some(e) = &c.explanation {
                writeln!(out, "      why: {e}")?;
            }
        }
    }
    Ok(())
}

fn write_sbom_text(sbom: &SbomDiff, out: &mut dyn Write) -> io::Result<()> {
    for c in &sbom.changes {
        let old = c.old_value.as_deref().unwrap_or("");
        let new = c.new_value.as_deref().unwrap_or("");
        match c.change_type {
            ChangeType::Added => writeln!(out, "  + {}@{new}", c.package)?,
            ChangeType::Removed => writeln!(out, "  - {}@{old}", c.package)?,
            ChangeType::Modified => writeln!(
                out,
                "  ~ {} {}: {old} -> {new}",
                c.package,
                c.field.as_deref().unwrap_or("")
            )?,
        }
    }
    Ok(())
}

fn write_warnings_text(r: &DiffReport, out: &mut dyn Write) -> io::Result<()> {
    if r.warnings.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "Warnings ({}):", r.warnings.len())?;
    for w in &r.warnings {
        writeln!(out, "  ! {w}")?;
    }
    Ok(())
}

fn render_text(r: &DiffReport, explain: bool, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "Classification: {}", r.classification)?;
    if r.is_empty() {
        writeln!(out, "No changes detected.")?;
        return write_warnings_text(r, out);
    }
    if !r.changes.is_empty() {
        writeln!(out, "Changes ({}):", r.changes.len())?;
        write_changes(&r.changes, explain, out)?;
    }
    for d in &r.dependency_diffs {
        writeln!(out)?;
        writeln!(
            out,
            "Dependency {} [{}] ({}):",
            d.name,
            d.classification,
            d.changes.len()
        )?;
        write_changes(&d.changes, explain, out)?;
        if let Some(s) = &d.sbom_diff {
            writeln!(out)?;
            writeln!(out, "SBOM changes ({}):", s.changes.len())?;
            write_sbom_text(s, out)?;
        }
    }
    if r.graph_diff.has_changes() {
        writeln!(out)?;
        writeln!(out, "Dependency graph changes:")?;
        write!(out, "{}", r.graph_diff.render_tree())?;
    }
    if let Some(s) = &r.sbom_diff {
        writeln!(out)?;
        writeln!(out, "SBOM changes ({}):", s.changes.len())?;
        write_sbom_text(s, out)?;
    }
    write_warnings_text(r, out)
}

fn md_value(v: &Option<Value>) -> String {
    match v {
        None => String::new(),
        Some(Value::String(s)) if s.is_empty() => "``".to_string(),
        Some(v) => code_cell(&go_value(v)),
    }
}

fn write_change_table(changes: &[Change], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "| Classification | Path | Change | Old | New | Why |")?;
    writeln!(out, "|---|---|---|---|---|---|")?;
    for c in changes {
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            c.classification,
            code_cell(&c.path),
            text_cell(&c.reason),
            md_value(&c.old_value),
            md_value(&c.new_value),
            text_cell(c.explanation.as_deref().unwrap_or("")),
        )?;
    }
    writeln!(out)
}

fn write_sbom_table(s: &SbomDiff, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "| Package | Type | Field | Old | New |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    for c in &s.changes {
        writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            code_cell(&c.package),
            c.change_type,
            c.field.as_deref().unwrap_or(""),
            code_cell(c.old_value.as_deref().unwrap_or("")),
            code_cell(c.new_value.as_deref().unwrap_or("")),
        )?;
    }
    writeln!(out)
}

fn render_markdown(r: &DiffReport, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "## Contract Diff")?;
    writeln!(out)?;
    writeln!(out, "**Classification:** `{}`", r.classification)?;
    writeln!(out)?;
    if r.is_empty() {
        writeln!(out, "No changes detected.")?;
        writeln!(out)?;
        return write_warnings_markdown(r, out);
    }
    if !r.changes.is_empty() {
        writeln!(out, "### Changes ({})", r.changes.len())?;
        writeln!(out)?;
        write_change_table(&r.changes, out)?;
    }
    for d in &r.dependency_diffs {
        writeln!(out, "### Dependency: {} (`{}`)", d.name, d.classification)?;
        writeln!(out)?;
        if !d.changes.is_empty() {
            write_change_table(&d.changes, out)?;
        }
        if let Some(s) = &d.sbom_diff {
            writeln!(out, "#### SBOM Changes: {}", d.name)?;
            writeln!(out)?;
            write_sbom_table(s, out)?;
        }
    }
    if r.graph_diff.has_changes() {
        writeln!(out, "### Dependency Graph Changes")?;
        writeln!(out)?;
        writeln!(out, "```")?;
        write!(out, "{}", r.graph_diff.render_tree())?;
        writeln!(out, "```")?;
        writeln!(out)?;
    }
    if let Some(s) = &r.sbom_diff {
        writeln!(out, "### SBOM Changes")?;
        writeln!(out)?;
        write_sbom_table(s, out)?;
    }
    write_warnings_markdown(r, out)
}

fn write_warnings_markdown(r: &DiffReport, out: &mut dyn Write) -> io::Result<()> {
    if r.warnings.is_empty() {
        return Ok(());
    }
    writeln!(out, "### Warnings ({})", r.warnings.len())?;
    writeln!(out)?;
    for w in &r.warnings {
        writeln!(out, "- {}", text_cell(w))?;
    }
    writeln!(out)
}

/// Render why a diff could not be made (a side that does not load as a contract) on stdout:
/// JSON and SARIF as the machine-readable `{"error": {"side", "file", "message"}}` (so a CI step
/// parsing the output sees the failure, never an empty diff), Markdown as a `## Contract Diff`
/// block with the error (for pull-request comments). Text writes nothing: the CLI prints the
/// message on stderr in every format.
pub fn render_diff_error(
    format: OutputFormat,
    error: &crate::diff::SideError,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        OutputFormat::Json | OutputFormat::Sarif => write_go_json(&error.to_json(), out),
        OutputFormat::Markdown => {
            writeln!(out, "## Contract Diff")?;
            writeln!(out)?;
            writeln!(out, "**Error:** {}", text_cell(&error.to_string()))
        }
        OutputFormat::Text => Ok(()),
    }
}
