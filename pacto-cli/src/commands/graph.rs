//! `pacto graph [DIR|git:REV[:DIR]|oci://REF]`: resolve the dependency tree and print it (spec §7).

use pacto_core::graph::{self, Fetcher, ResolveOptions};
use pacto_core::report::OutputFormat;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The tree (the same as --output-format text).
    Tree,
    /// The graph result as JSON (the same as --output-format json).
    Json,
    /// A Graphviz digraph.
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bundle directory (default: the current directory) or oci://REF.
    #[arg(default_value = ".")]
    path: String,
    /// Output format; overrides --output-format (which offers text and json).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// How many dependencies to fetch at once.
    #[arg(long, default_value_t = graph::DEFAULT_PARALLELISM, value_parser = parse_jobs)]
    jobs: usize,

    #[command(flatten)]
    overrides: super::overrides::OverrideArgs,
}

fn parse_jobs(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=256).contains(&n) => Ok(n),
        _ => Err(format!("{s:?} is not a number from 1 to 256")),
    }
}

impl Args {
    /// The `--output-format` values this command renders: all of them when `--format` overrides
    /// it, else text (the tree) and json.
    pub fn output_formats(&self) -> &'static [OutputFormat] {
        match self.format {
            Some(_) => &OutputFormat::ALL,
            None => &[OutputFormat::Text, OutputFormat::Json],
        }
    }
}

pub fn run(args: &Args, output: OutputFormat) -> anyhow::Result<ExitCode> {
    let format = match args.format {
        Some(Format::Tree) => graph::Format::Tree,
        Some(Format::Json) => graph::Format::Json,
        Some(Format::Dot) => graph::Format::Dot,
        Some(Format::Mermaid) => graph::Format::Mermaid,
        None => match output {
            // Markdown and SARIF are refused before `run` (see `output_formats`).
            OutputFormat::Json | OutputFormat::Sarif => graph::Format::Json,
            OutputFormat::Text | OutputFormat::Markdown => graph::Format::Tree,
        },
    };
    let cwd = std::env::current_dir()?;
    let registry: Arc<dyn Fetcher> = crate::net::registry();
    let root =
        graph::open(&args.path, &cwd, Some(registry.as_ref())).map_err(anyhow::Error::msg)?;
    let (root, marks) = pacto_core::overrides::resolve(root, &args.overrides.read()?)
        .map_err(anyhow::Error::msg)?;
    super::overrides::announce(&marks);
    let report_format = match output {
        OutputFormat::Json => OutputFormat::Json,
        _ => OutputFormat::Text,
    };
    if let Some(code) = super::validate::refuse_undocumentable(&args.path, &root, report_format)? {
        return Ok(code);
    }
    // A committed pacto.lock must match the closure before the graph is shown (as Go).
    super::lock::verify_or_fail(&args.path, Some(&root))?;
    let fetcher = graph::fetcher_for(&args.path, &cwd, Some(registry), false);
    let g = graph::resolve(
        &root.contract,
        fetcher.as_ref(),
        &ResolveOptions {
            parallelism: args.jobs,
        },
    );
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    out.write_all(graph::render(&g, format).as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
