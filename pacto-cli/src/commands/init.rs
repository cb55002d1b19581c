//! `pacto init NAME`

use anyhow::{bail, Context};
use pacto_core::report::OutputFormat;
use pacto_core::scaffold::scaffold;
use std::path::Path;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Name of the service; also the directory to create.
    name: String,

    /// Write into an existing directory, overwriting the scaffold's files.
    #[arg(long)]
    force: bool,
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
    let s = scaffold(&service);
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
