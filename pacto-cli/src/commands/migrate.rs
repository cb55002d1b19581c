//! `pacto migrate [DIR] [-o OUT] [--dry-run [--diff]]`: carry a 1.x contract to Pacto 2.0.
//!
//! In place by default (an atomic write of `DIR/pacto.yaml`); `-o OUT` writes a migrated copy
//! of the whole bundle instead and leaves `DIR` alone; `--dry-run` prints the new `pacto.yaml`
//! (with `--diff`, a unified diff of the old one against it) and writes nothing. The report of everything dropped, moved, renamed or guessed goes to
//! stderr as text, or with the result to stdout as JSON.
//!
//! An `http` interface without a contract file is refused (2.0 needs a `ref`), unless
//! `--drop-http-without-contract` asks to drop it with a warning naming it.
//!
//! Exit 0 when migrated, 1 when the contract is refused (nothing is written), 2 on a usage or
//! I/O error.

use pacto_core::bundle::{load_dir, read_bounded, write_inside};
use pacto_core::migrate::{
    migrate_with, render_report, unified_diff, MigrateError, Migration, Options,
};
use pacto_core::report::OutputFormat;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The 1.x bundle directory.
    #[arg(default_value = ".")]
    dir: String,

    /// Write a migrated copy of the whole bundle to this directory instead of migrating in place.
    #[arg(short, long)]
    output: Option<PathBuf>,

    /// Print the new pacto.yaml and write nothing.
    #[arg(long, conflicts_with = "output")]
    dry_run: bool,

    /// With --dry-run: print a unified diff of the old pacto.yaml against the migrated one
    /// (--- a/pacto.yaml, +++ b/pacto.yaml, 3 lines of context) instead of the whole new file.
    #[arg(long)]
    diff: bool,

    /// Drop an http interface that has no contract file (2.0 cannot express it) with a warning
    /// naming it, instead of refusing the contract.
    #[arg(long)]
    drop_http_without_contract: bool,

    /// With -o: write into a directory that is not empty.
    #[arg(long, requires = "output")]
    force: bool,
}

/// A usage or I/O failure: exit 2.
fn io_error(format: OutputFormat, message: String) -> ExitCode {
    fail(format, &message, false);
    ExitCode::from(2)
}

fn fail(format: OutputFormat, message: &str, refused: bool) {
    if format == OutputFormat::Json {
        let v = serde_json::json!({"migrated": false, "refused": refused, "error": message});
        println!(
            "{}",
            serde_json::to_string_pretty(&v).unwrap_or_else(|_| v.to_string())
        );
    } else {
        eprintln!("Error: {message}");
    }
}

pub fn run(args: &Args, format: OutputFormat) -> anyhow::Result<ExitCode> {
    if args.diff && !args.dry_run {
        return Ok(io_error(
            format,
            "--diff shows what a dry run would change and needs --dry-run: \
             pacto migrate --dry-run --diff [DIR] (nothing was written)"
                .to_string(),
        ));
    }
    let loaded = match load_dir(&args.dir) {
        Ok(l) => l,
        Err(e) => return Ok(io_error(format, e.to_string())),
    };
    let options = Options {
        drop_uncontracted_http: args.drop_http_without_contract,
    };
    let m = match migrate_with(&loaded.text, &loaded.bundle, options) {
        Ok(m) => m,
        Err(e) => {
            let hint = match &e {
                MigrateError::Inexpressible { reason, .. }
                    if reason.contains("http interface without a contract file") =>
                {
                    " (or pass --drop-http-without-contract to drop it with a warning)"
                }
                _ => "",
            };
            fail(
                format,
                &format!("{}: {e}{hint}; nothing was written", loaded.contract_path),
                true,
            );
            return Ok(ExitCode::from(1));
        }
    };
    let written = if args.dry_run {
        None
    } else if let Some(out) = &args.output {
        if let Err(e) = copy_bundle(Path::new(&args.dir), out, &m, args.force) {
            return Ok(io_error(format, e));
        }
        Some(out.join("pacto.yaml").display().to_string())
    } else {
        if let Err(e) = write_inside(Path::new(&args.dir), "pacto.yaml", m.text.as_bytes()) {
            return Ok(io_error(
                format,
                format!("cannot write {}: {e}", loaded.contract_path),
            ));
        }
        Some(loaded.contract_path.clone())
    };
    let diff = args.diff.then(|| unified_diff(&loaded.text, &m));
    let problems = check(&args.dir, &loaded.bundle, &m.text);
    print(
        format,
        &loaded.contract_path,
        written.as_deref(),
        args.dry_run,
        diff.as_deref(),
        &m,
        &problems,
    )?;
    Ok(ExitCode::SUCCESS)
}

/// One error the migrated contract has under 2.0.
struct Problem {
    code: &'static str,
    path: String,
    message: String,
    line: Option<u32>,
}

/// Validate the migrated text under 2.0 with the bundle's own files (offline: a remote policy is
/// not fetched). The migration is faithful, but the bundle may hold what was written for 1.x (a
/// local policy schema requiring `runtime`, say): such errors are shown, so nobody learns of
/// them from the next CI run.
fn check(dir: &str, bundle: &dyn pacto_core::bundle::Bundle, text: &str) -> Vec<Problem> {
    use pacto_core::validate::{validate, LocalResolver, Options as ValidateOptions};
    let options = ValidateOptions {
        offline: true,
        ..Default::default()
    };
    let v = validate(text, Some(bundle), &LocalResolver::new(dir), &options);
    let index = pacto_core::syntax::LineIndex::new(text);
    v.diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| Problem {
            code: d.code,
            path: d.path.clone(),
            message: d.message.clone(),
            line: d.span.map(|s| {
                index
                    .line_col(s.start, pacto_core::syntax::ColumnUnit::Char)
                    .line
                    + 1
            }),
        })
        .collect()
}

fn print(
    format: OutputFormat,
    source: &str,
    written: Option<&str>,
    dry_run: bool,
    diff: Option<&str>,
    m: &Migration,
    problems: &[Problem],
) -> anyhow::Result<()> {
    if format == OutputFormat::Json {
        let mut v = serde_json::json!({
            "migrated": true,
            "source": source,
            "written": written,
            "dryRun": dry_run,
            "report": m.report,
            "warnings": m.warnings,
            "invalidUnder2_0": problems
                .iter()
                .map(|p| serde_json::json!({
                    "code": p.code,
                    "path": p.path,
                    "message": p.message,
                    "line": p.line,
                }))
                .collect::<Vec<_>>(),
        });
        if dry_run {
            v["text"] = serde_json::Value::String(m.text.clone());
        }
        if let Some(d) = diff {
            v["diff"] = serde_json::Value::String(d.to_string());
        }
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    match diff {
        Some(d) => print!("{d}"),
        None if dry_run => print!("{}", m.text),
        None => {}
    }
    eprint!("{}", render_report(m));
    if !problems.is_empty() {
        eprintln!(
            "warning: the migrated contract does not validate under Pacto 2.0 ({} error(s)); the bundle holds something written for 1.x:",
            problems.len()
        );
        for p in problems {
            let at = p
                .line
                .map(|l| format!(" (pacto.yaml:{l})"))
                .unwrap_or_default();
            let path = if p.path.is_empty() { "(root)" } else { &p.path };
            eprintln!("  ERROR [{}] {path}: {}{at}", p.code, p.message);
        }
        eprintln!("  fix these, then run `pacto validate` on the migrated bundle");
    }
    match written {
        Some(path) => eprintln!("Migrated {source} to Pacto 2.0: wrote {path}"),
        None => eprintln!("Migrated {source} to Pacto 2.0 (dry run: nothing written)"),
    }
    Ok(())
}

/// Copy the bundle at `src` to `out` with the migrated `pacto.yaml`. Symbolic links are not
/// followed (a bundle's files are its own): they are refused. Every file is written
/// atomically; `out` must be empty (or missing) unless `force`.
fn copy_bundle(src: &Path, out: &Path, m: &Migration, force: bool) -> Result<(), String> {
    if let Ok(mut entries) = std::fs::read_dir(out) {
        if entries.next().is_some() && !force {
            return Err(format!(
                "{} is not empty (use --force to write into it)",
                out.display()
            ));
        }
    } else if out.exists() {
        return Err(format!("{} is not a directory", out.display()));
    }
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let mut files = Vec::new();
    let mut stack = vec![String::new()];
    while let Some(rel) = stack.pop() {
        let dir = if rel.is_empty() {
            src.to_path_buf()
        } else {
            src.join(&rel)
        };
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .flatten()
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name().to_string_lossy().into_owned();
            let child = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let t = e
                .file_type()
                .map_err(|err| format!("cannot read {}: {err}", e.path().display()))?;
            if t.is_symlink() {
                return Err(format!(
                    "{} is a symbolic link; pacto migrate -o copies only a bundle's own files",
                    e.path().display()
                ));
            } else if t.is_dir() {
                stack.push(child);
            } else if t.is_file() && child != "pacto.yaml" {
                files.push(child);
            }
        }
    }
    // The output may lie inside the source (`-o ./migrated`): never copy it into itself.
    let out_abs = out.canonicalize().ok();
    for rel in files {
        let path = src.join(&rel);
        if out_abs
            .as_ref()
            .is_some_and(|o| path.canonicalize().is_ok_and(|p| p.starts_with(o)))
        {
            continue;
        }
        let bytes = read_bounded(&path, &rel).map_err(|e| e.to_string())?;
        write_inside(out, &rel, &bytes).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    write_inside(out, "pacto.yaml", m.text.as_bytes())
        .map_err(|e| format!("{}: {e}", out.display()))
}
