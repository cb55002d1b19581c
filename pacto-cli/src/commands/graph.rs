//! `pacto graph [DIR|oci://REF]`: resolve the dependency tree and print it (spec §7).

use pacto_core::bundle;
use pacto_core::graph::{
    self, Fetcher, GitFetcher, LocalFetcher, LocalOverride, ResolveOptions, Router,
};
use pacto_core::report::OutputFormat;
use std::io::Write;
use std::path::PathBuf;
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
}

fn parse_jobs(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=256).contains(&n) => Ok(n),
        _ => Err(format!("{s:?} is not a number from 1 to 256")),
    }
}

/// The registry client for `oci://` refs: one per process, shared by every graph (and both
/// sides of a diff) so tag lists and pulled bundles are fetched once. Credentials, cache and
/// plain-HTTP settings come from the environment.
pub fn oci_fetcher() -> Option<Arc<dyn Fetcher>> {
    let registry: Arc<dyn Fetcher> = crate::net::registry();
    Some(registry)
}

/// The fetcher for the dependencies of the bundle named by a command-line argument: local refs
/// against the bundle's directory (made absolute, as Go does), against the revision for a
/// `git:REV[:DIR]` side, against the working directory for an `oci://` root. With
/// `sibling_override` (`pacto diff`'s new side, spec §4.6), an `oci://` dependency is first looked
/// for in a directory next to the bundle named after its repository.
pub fn fetcher_for(arg: &str, sibling_override: bool) -> Arc<dyn Fetcher> {
    if let Some((rev, dir)) = bundle::parse_git_spec(arg) {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        return Arc::new(Router {
            local: Arc::new(GitFetcher {
                cwd,
                rev,
                base: dir,
            }),
            oci: oci_fetcher(),
        });
    }
    if arg.starts_with("oci://") {
        return Arc::new(Router {
            local: Arc::new(LocalFetcher::default()),
            oci: oci_fetcher(),
        });
    }
    let base = std::path::absolute(arg).unwrap_or_else(|_| PathBuf::from(arg));
    let base = graph::clean_path(&base);
    let router: Arc<dyn Fetcher> = Arc::new(Router {
        local: Arc::new(LocalFetcher::new(base.clone())),
        oci: oci_fetcher(),
    });
    match (sibling_override, base.parent()) {
        (true, Some(parent)) => Arc::new(LocalOverride {
            parent: parent.to_path_buf(),
            inner: router,
        }),
        _ => router,
    }
}

pub fn run(args: &Args, output: OutputFormat) -> anyhow::Result<ExitCode> {
    let format = match args.format {
        Some(Format::Tree) => graph::Format::Tree,
        Some(Format::Json) => graph::Format::Json,
        Some(Format::Dot) => graph::Format::Dot,
        Some(Format::Mermaid) => graph::Format::Mermaid,
        None => match output {
            OutputFormat::Json | OutputFormat::Sarif => graph::Format::Json,
            OutputFormat::Text | OutputFormat::Markdown => graph::Format::Tree,
        },
    };
    let root = if args.path.starts_with("oci://") {
        let Some(oci) = oci_fetcher() else {
            anyhow::bail!(
                "cannot resolve {}: this build has no OCI registry client",
                args.path
            );
        };
        let fetched = oci.fetch(&args.path, None).map_err(anyhow::Error::msg)?;
        graph::parse_fetched(fetched).map_err(anyhow::Error::msg)?
    } else {
        graph::load_local(&args.path).map_err(anyhow::Error::msg)?
    };
    let fetcher = fetcher_for(&args.path, false);
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
