//! `pacto lock [DIR] [--check] [--update] [--update-name NAME]...`: write or check `pacto.lock`
//! (Go Pacto 3.x's lockVersion 3).
//!
//! Plain `pacto lock` leaves a consistent lock untouched (so a second run is byte-identical)
//! and otherwise rewrites it keeping the pins of dependencies whose constraint is unchanged;
//! `--update` re-resolves everything, `--update-name` only the named dependencies; `--check`
//! writes nothing and fails (exit 1) with Go's `LOCK_*` code when the lock is missing or stale.

use pacto_core::lock::{self, LockError, Mode, OciPinner};
use pacto_core::report::OutputFormat;
use pacto_core::syntax::{ColumnUnit, LineIndex};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Bundle directory (default: the current directory).
    #[arg(value_name = "DIR", default_value = ".")]
    dir: String,

    /// Verify that pacto.lock is up to date without writing it (exit 1 when it is not).
    #[arg(long)]
    check: bool,

    /// Re-resolve every dependency and reference, ignoring existing pins.
    #[arg(long)]
    update: bool,

    /// Re-resolve only this dependency (repeatable), keeping every other pin.
    #[arg(long = "update-name", value_name = "NAME")]
    update_name: Vec<String>,

    #[command(flatten)]
    overrides: super::overrides::OverrideArgs,
}

pub fn run(args: &Args, format: OutputFormat) -> anyhow::Result<ExitCode> {
    if args.dir.starts_with("oci://") {
        anyhow::bail!("pacto lock requires a local directory, not an OCI reference");
    }
    let registry: Arc<dyn OciPinner> = crate::net::registry();
    let mode = Mode {
        check: args.check,
        update: args.update,
        update_names: args.update_name.clone(),
    };
    let dir = Path::new(&args.dir);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // Go locks the contract as the command evaluates it: overrides first.
    let overrides = args.overrides.read()?;
    let root = if overrides.is_empty() {
        None
    } else {
        let loaded = pacto_core::graph::load_local(&args.dir).map_err(anyhow::Error::msg)?;
        let (root, marks) =
            pacto_core::overrides::resolve(loaded, &overrides).map_err(anyhow::Error::msg)?;
        super::overrides::announce(&marks);
        Some(root)
    };
    match lock::run_with_root(dir, root.as_ref(), Some(registry), &mode) {
        Ok(o) => {
            // Go's path: filepath.Join(dir, "pacto.lock"), cleaned (`pacto.lock` for `.`).
            let shown = pacto_core::graph::clean_path(&o.path).display().to_string();
            let (deps, refs) = (o.lock.dependencies.len(), o.lock.references.len());
            match format {
                OutputFormat::Json => {
                    // Go's LockResult, keys in its order.
                    let mut m = serde_json::Map::new();
                    m.insert("path".into(), shown.clone().into());
                    m.insert("lock".into(), serde_json::to_value(&o.lock)?);
                    if o.written {
                        m.insert("written".into(), true.into());
                    }
                    if o.up_to_date {
                        m.insert("upToDate".into(), true.into());
                    }
                    m.insert("dependencies".into(), deps.into());
                    m.insert("references".into(), refs.into());
                    serde_json::to_writer_pretty(&mut out, &m)?;
                    writeln!(out)?;
                }
                _ => {
                    let counts = format!("({deps} dependencies, {refs} references)");
                    if o.up_to_date {
                        writeln!(out, "pacto.lock is up to date {counts}")?;
                    } else {
                        writeln!(out, "wrote {shown} {counts}")?;
                    }
                }
            }
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            let places = places(&e, dir);
            if format == OutputFormat::Json {
                let value = serde_json::json!({
                    "path": pacto_core::graph::clean_path(&dir.join(lock::FILE_NAME)).display().to_string(),
                    "error": {
                        "code": e.code,
                        "message": e.message,
                        "detail": e.detail,
                        "locations": places,
                    },
                });
                serde_json::to_writer_pretty(&mut out, &value)?;
                writeln!(out)?;
                out.flush()?;
            }
            let stderr = std::io::stderr();
            let mut err = stderr.lock();
            writeln!(err, "Error: {}", e.message)?;
            for p in &places {
                writeln!(err, "  --> {p}")?;
            }
            if let Some(d) = &e.detail {
                writeln!(err, "  = {d}")?;
            }
            Ok(ExitCode::from(1))
        }
    }
}

/// `FILE:LINE:COL` of the error in `pacto.yaml` and in `pacto.lock`.
fn places(e: &LockError, dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = |file: &str, span: Option<pacto_core::Span>| {
        let Some(span) = span else { return };
        let path = pacto_core::graph::clean_path(&dir.join(file));
        let Ok(text) = std::fs::read_to_string(&path) else {
            return;
        };
        let lc = LineIndex::new(&text).line_col(span.start, ColumnUnit::Char);
        out.push(format!("{}:{}:{}", path.display(), lc.line + 1, lc.col + 1));
    };
    at(pacto_core::bundle::CONTRACT_FILE, e.contract_span);
    at(lock::FILE_NAME, e.lock_span);
    out
}

/// For `validate`: verify the committed `pacto.lock` of the directory `path` (nothing for an
/// `oci://` path, a directory without a lock, or a contract that did not load: its
/// `PARSE_ERROR` comes first, as in Go). On a lock error the report holds that error alone, as
/// Go's `ValidateResult` does; returns whether it did.
pub fn verify_into(
    report: &mut pacto_core::report::FileReport,
    path: &str,
    registry: &Arc<pacto_core::registry::Registry>,
    overrides: &pacto_core::overrides::Overrides,
) -> bool {
    if path.starts_with("oci://")
        || report.line_index.is_none()
        || report.diagnostics.iter().any(|d| d.code == "PARSE_ERROR")
    {
        return false;
    }
    let root = overridden_root(path, overrides);
    let oci = Some(registry.clone() as Arc<dyn OciPinner>);
    let diagnostics = lock::verify_committed_with_root(path, root.as_ref(), oci);
    if diagnostics.is_empty() {
        return false;
    }
    report.diagnostics = diagnostics;
    true
}

/// For `graph`, `diff` and `push`: the committed `pacto.lock` of the directory `path` as an
/// error (Go fails these commands with the lock's error), with where it is. `root`: the
/// contract after the command's overrides, when it has any.
pub fn verify_or_fail(
    path: &str,
    root: Option<&pacto_core::graph::Resolved>,
) -> anyhow::Result<()> {
    let registry: Arc<dyn OciPinner> = crate::net::registry();
    let diagnostics = lock::verify_committed_with_root(path, root, Some(registry));
    let Some(d) = diagnostics.into_iter().next() else {
        return Ok(());
    };
    let mut message = d.message.clone();
    if let Some(span) = d.span {
        let file = Path::new(path).join(pacto_core::bundle::CONTRACT_FILE);
        if let Ok(text) = std::fs::read_to_string(&file) {
            let lc = LineIndex::new(&text).line_col(span.start, ColumnUnit::Char);
            message.push_str(&format!(
                "\n  --> {}:{}:{}",
                file.display(),
                lc.line + 1,
                lc.col + 1
            ));
        }
    }
    if let Some(h) = &d.help {
        message.push_str(&format!("\n  = {h}"));
    }
    anyhow::bail!(message)
}

/// The contract of the directory `path` after `overrides` (`None` without overrides, or when
/// they do not apply: the command has already reported that).
pub fn overridden_root(
    path: &str,
    overrides: &pacto_core::overrides::Overrides,
) -> Option<pacto_core::graph::Resolved> {
    if overrides.is_empty() {
        return None;
    }
    pacto_core::graph::load_local(path)
        .ok()
        .and_then(|r| pacto_core::overrides::resolve(r, overrides).ok())
        .map(|(r, _)| r)
}
