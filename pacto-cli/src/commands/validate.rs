//! `pacto validate [PATH...]`

use pacto_core::report::{self, OutputFormat};
use pacto_core::validate::{validate_dir, Options};
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Bundle directories to validate (default: the current directory).
    #[arg(value_name = "PATH")]
    paths: Vec<String>,

    /// Do not fetch oci:// references; remote policies are reported as not enforced.
    #[arg(long, env = "PACTO_OFFLINE")]
    offline: bool,
}

pub fn run(args: &Args, format: OutputFormat) -> anyhow::Result<ExitCode> {
    let paths = if args.paths.is_empty() {
        vec![".".to_string()]
    } else {
        args.paths.clone()
    };
    let options = Options {
        offline: args.offline,
        ..Options::default()
    };
    let reports: Vec<_> = paths
        .iter()
        .map(|p| {
            if p.starts_with("oci://") {
                oci_not_yet(p)
            } else {
                validate_dir(p, None, &options)
            }
        })
        .collect();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    report::render(format, &reports, &mut out, &mut err)?;
    out.flush()?;
    Ok(if reports.iter().all(|r| r.valid()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn oci_not_yet(path: &str) -> report::FileReport {
    report::FileReport {
        path: path.to_string(),
        file: None,
        line_index: None,
        diagnostics: vec![pacto_core::Diagnostic::error(
            "PARSE_ERROR",
            "",
            format!("cannot fetch {path}: this build cannot pull from OCI registries yet"),
        )],
    }
}
