//! `pacto init NAME`

use anyhow::{bail, Context};
use pacto_core::report::OutputFormat;
use pacto_core::scaffold::scaffold;
use pacto_core::schema::Generation;
use std::path::Path;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Name of the service; also the directory to create.
    name: String,

    /// Write into an existing directory, overwriting the scaffold's files.
    #[arg(long)]
    force: bool,

    /// Contract version to write: 2.0 (Go Pacto 3.x) or 1.0 (Go Pacto 1.x/2.x).
    #[arg(long, value_name = "VERSION", default_value = "2.0", value_parser = ["2.0", "1.0"])]
    pacto_version: String,
}

pub fn run(args: &Args, format: OutputFormat) -> anyhow::Result<ExitCode> {
    let name = &args.name;
    let dir = Path::new(name);
    if dir.exists() && !args.force {
        bail!("directory \"{name}\" already exists (use --force to write into it)");
    }
    let service = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.clone());
    let generation = if args.pacto_version == "1.0" {
        Generation::V1
    } else {
        Generation::V2
    };
    let s = scaffold(&service, generation);
    for d in &s.dirs {
        std::fs::create_dir_all(dir.join(d))
            .with_context(|| format!("failed to create {}", dir.join(d).display()))?;
    }
    for (path, contents) in &s.files {
        let full = dir.join(path);
        std::fs::write(&full, contents)
            .with_context(|| format!("failed to write {}", full.display()))?;
    }
    let shown = name.trim_end_matches('/');
    match format {
        OutputFormat::Json => {
            let v = serde_json::json!({"Dir": shown, "Path": format!("{shown}/pacto.yaml")});
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
        _ => {
            println!("Created {shown}/");
            println!("  {shown}/pacto.yaml");
            println!("  {shown}/interfaces/");
            println!("  {shown}/configuration/");
        }
    }
    Ok(ExitCode::SUCCESS)
}
