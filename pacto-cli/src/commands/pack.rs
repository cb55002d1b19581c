//! `pacto pack [DIR] [-o|--output FILE]`: validate a bundle and write it as a reproducible
//! `.tar.gz` (spec §5.2, §6.2, §11.4).

use anyhow::bail;
use pacto_core::bundle::archive::{pack_dir_with, write_file_atomic, PackOptions};
use pacto_core::bundle::load_dir;
use pacto_core::model::Contract;
use pacto_core::report::OutputFormat;
use pacto_core::syntax::{parse, Limits};
use pacto_core::validate::Options;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Bundle directory (default: the current directory).
    #[arg(value_name = "DIR", default_value = ".")]
    dir: String,

    /// Where to write the archive (default: <name>-<version>.tar.gz in the current directory).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,

    #[command(flatten)]
    overrides: super::overrides::OverrideArgs,
}

pub fn run(args: &Args, format: OutputFormat) -> anyhow::Result<ExitCode> {
    let dir = args.dir.as_str();
    let overrides = args.overrides.read()?;
    let report = pacto_core::overrides::validate_dir(dir, None, &Options::default(), &overrides)
        .map_err(anyhow::Error::msg)?;
    if !report.valid() {
        crate::net::print_diagnostics(&report)?;
        bail!(
            "contract validation failed with {} error(s)",
            report.errors().count()
        );
    }

    let mut loaded = load_dir(dir)?;
    let mut marks = Vec::new();
    if !overrides.is_empty() {
        let applied =
            pacto_core::overrides::apply(&loaded.text, &overrides).map_err(anyhow::Error::msg)?;
        loaded.text = applied.text;
        marks = applied.marks;
    }
    super::overrides::announce(&marks);
    let parsed = parse(&loaded.text, &Limits::default());
    let Some(tree) = parsed.tree else {
        bail!("{} could not be parsed", loaded.contract_path);
    };
    let contract = Contract::from_tree(&tree);
    let name = contract.service_name();
    let version = contract.service_version();

    let root = Path::new(dir);
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{name}-{version}.tar.gz")));
    let mut options = PackOptions::default();
    if !overrides.is_empty() {
        // The archive carries the contract as the overrides made it, as Go Pacto packs it.
        options.contract = Some(loaded.text.clone().into_bytes());
    }
    if let Some(rel) = inside(root, &output) {
        // Never pack the archive being written (or the one a previous run wrote there).
        options.exclude.push(rel);
    }
    let packed = pack_dir_with(root, &options)?;
    write_file_atomic(&output, &packed.tar_gz)?;

    let shown = output.display().to_string();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        OutputFormat::Json => {
            let value = serde_json::json!({
                "Output": shown,
                "Name": name,
                "Version": version,
                "Digest": packed.gz_sha256,
            });
            serde_json::to_writer_pretty(&mut out, &value)?;
            writeln!(out)?;
        }
        _ => writeln!(out, "Packed {name}@{version} -> {shown}")?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The bundle-relative path of `file` when it lies inside `dir`.
fn inside(dir: &Path, file: &Path) -> Option<String> {
    let dir = dir.canonicalize().ok()?;
    let parent = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let full = parent.canonicalize().ok()?.join(file.file_name()?);
    let rel = full.strip_prefix(&dir).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_outputs_inside_the_bundle() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("sub")).unwrap();
        assert_eq!(
            inside(d.path(), &d.path().join("sub/x.tar.gz")),
            Some("sub/x.tar.gz".to_string())
        );
        assert_eq!(
            inside(&d.path().join("sub"), &d.path().join("x.tar.gz")),
            None
        );
        assert_eq!(inside(d.path(), &d.path().join("missing/x.tar.gz")), None);
    }
}
