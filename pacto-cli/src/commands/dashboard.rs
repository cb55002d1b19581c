//! `pacto dashboard [DIR] [oci://REPO...] [--repo oci://REPO...] [--namespace NS]
//! [--host 127.0.0.1] [--port 3000] [--diagnostics] [--cors-origin ORIGIN] [--traces FILE]`:
//! the read-only web dashboard (spec §5). With no argument the working directory, a
//! Kubernetes cluster (the operator's `Pacto` resources) and the disk cache are detected.

use anyhow::Context;
use pacto_dashboard::{Config, Dashboard};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Sources: at most one local directory (default: the current directory) and any number
    /// of oci://REGISTRY/REPO repositories.
    #[arg(value_name = "DIR|oci://REPO")]
    sources: Vec<String>,
    /// An OCI repository to read (oci://REGISTRY/REPO), like a positional oci:// argument;
    /// repeatable. Without any repository, PACTO_DASHBOARD_REPO (comma-separated) is read.
    #[arg(long = "repo", value_name = "oci://REPO")]
    repo: Vec<String>,
    /// Address to bind (loopback unless you change it).
    #[arg(long, env = "PACTO_DASHBOARD_HOST", default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "PACTO_DASHBOARD_PORT", default_value_t = 3000)]
    port: u16,
    /// Kubernetes namespace to read Pacto resources from (default: all namespaces).
    #[arg(long, env = "PACTO_DASHBOARD_NAMESPACE", default_value = "")]
    namespace: String,
    /// Do not look for a Kubernetes cluster.
    #[arg(long, env = "PACTO_DASHBOARD_NO_KUBERNETES", value_parser = clap::builder::BoolishValueParser::new())]
    no_kubernetes: bool,
    /// Most connections served at once; a new one beyond it closes the oldest idle
    /// connection. (A connection must send its request head within 10 s and is closed after
    /// 30 s without traffic.)
    #[arg(long, env = "PACTO_DASHBOARD_MAX_CONNECTIONS", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    max_connections: u32,
    /// Seconds between background re-reads of the sources.
    #[arg(long, env = "PACTO_DASHBOARD_REFRESH", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    refresh: u64,
    /// Serve /api/debug/sources and /api/debug/services (source detection details).
    #[arg(long, env = "PACTO_DASHBOARD_DIAGNOSTICS", value_parser = clap::builder::BoolishValueParser::new())]
    diagnostics: bool,
    /// One other origin (scheme://host[:port]) allowed to read the API cross-origin; GET and
    /// HEAD only, never writes. Default: same-origin only.
    #[arg(long, env = "PACTO_DASHBOARD_CORS_ORIGIN", default_value = "")]
    cors_origin: String,
    /// An OpenTelemetry trace export (OTLP/JSON: one request object or JSON Lines, as the
    /// Collector's file exporter writes): observed calls are shown next to the declared
    /// dependencies. Re-read when it changes.
    #[arg(long, env = "PACTO_DASHBOARD_TRACES", value_name = "FILE")]
    traces: Option<PathBuf>,
}

/// `scheme://host[:port]`, as browsers send it in `Origin`.
fn check_origin(origin: &str) -> anyhow::Result<String> {
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(|| {
            anyhow::anyhow!("--cors-origin {origin:?}: must start with http:// or https://")
        })?;
    if rest.is_empty()
        || rest.contains(['/', '?', '#', '@', ' ', '*'])
        || rest.chars().any(|c| c.is_control())
    {
        anyhow::bail!(
            "--cors-origin {origin:?}: must be scheme://host[:port], without a path or wildcard"
        );
    }
    Ok(origin.to_string())
}

/// The local directory and OCI repositories: positional arguments (`oci://` ones are
/// repositories), `--repo` (Go Pacto's documented spelling, repeatable), and, when neither
/// names a repository, `PACTO_DASHBOARD_REPO` (comma-separated).
fn sources(
    positional: &[String],
    repo_flags: &[String],
    env: Option<&str>,
) -> anyhow::Result<(Option<PathBuf>, Vec<String>)> {
    let mut dir: Option<PathBuf> = None;
    let mut repos = Vec::new();
    for s in positional {
        if s.starts_with("oci://") {
            repos.push(s.clone());
        } else if dir.replace(PathBuf::from(s)).is_some() {
            anyhow::bail!("at most one local directory may be given");
        }
    }
    for r in repo_flags {
        let r = r.trim();
        if r.is_empty() || r == "oci://" || r.chars().any(|c| c.is_whitespace() || c.is_control()) {
            anyhow::bail!("--repo {r:?}: expected an OCI repository, oci://REGISTRY/REPO");
        }
        repos.push(r.to_string());
    }
    if repos.is_empty() {
        if let Some(env) = env {
            repos.extend(
                env.split(',')
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(str::to_string),
            );
        }
    }
    Ok((dir, repos))
}

pub fn run(args: &Args, net: &crate::net::NetArgs) -> anyhow::Result<ExitCode> {
    let env = std::env::var("PACTO_DASHBOARD_REPO").ok();
    let (dir, repos) = sources(&args.sources, &args.repo, env.as_deref())?;
    let namespace = if args.namespace.is_empty() {
        // The operator passes PACTO_WATCH_NAMESPACE to the dashboard it manages (spec §8.3).
        std::env::var("PACTO_WATCH_NAMESPACE").unwrap_or_default()
    } else {
        args.namespace.clone()
    };
    let config = Config {
        dir,
        repos,
        namespace,
        no_cache: net.no_cache,
        cache_dir: std::env::var_os("PACTO_CACHE_DIR")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from),
        kubernetes: !args.no_kubernetes,
        refresh: Duration::from_secs(args.refresh),
        diagnostics: args.diagnostics,
        cors_origin: match args.cors_origin.trim() {
            "" => None,
            o => Some(check_origin(o)?),
        },
        traces: args.traces.clone().filter(|p| !p.as_os_str().is_empty()),
        offline: net.offline,
        limits: pacto_dashboard::server::Limits {
            max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
            ..pacto_dashboard::server::Limits::default()
        },
    };
    let ip: std::net::IpAddr = args
        .host
        .parse()
        .with_context(|| format!("--host {:?} is not an IP address", args.host))?;
    let dashboard = Arc::new(Dashboard::detect(config, Some(crate::net::registry())));
    eprintln!("Detected sources:");
    for d in dashboard.detected() {
        let mark = if d.enabled { "+" } else { "-" };
        let at = if d.location.is_empty() {
            String::new()
        } else {
            format!(" {}", d.location)
        };
        eprintln!("  {mark} {}{at}: {}", d.kind.as_str(), d.reason);
    }
    // A trace file that cannot be used stops the start (its error names line and column);
    // once running, a broken re-read only degrades the `traces` source.
    dashboard
        .check_traces()
        .map_err(|e| anyhow::anyhow!("--traces: {e}"))?;
    if !dashboard.has_sources() {
        anyhow::bail!(
            "no source is active: give a directory with pacto.yaml bundles or an oci:// repository"
        );
    }
    if !ip.is_loopback() {
        eprintln!("warning: listening on {ip}, not loopback: anyone who can reach it can read every contract");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(pacto_dashboard::serve(
        dashboard,
        std::net::SocketAddr::new(ip, args.port),
        |bound| {
            let host = if bound.ip().is_unspecified() {
                "127.0.0.1".to_string()
            } else {
                bound.ip().to_string()
            };
            let host = if host.contains(':') {
                format!("[{host}]")
            } else {
                host
            };
            println!("Pacto Dashboard running at http://{host}:{}/", bound.port());
        },
        pacto_dashboard::shutdown_signal(),
    ))?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use clap::Parser;

    #[derive(Debug, clap::Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    fn parse(argv: &[&str]) -> Result<Args, clap::Error> {
        Cli::try_parse_from(std::iter::once("dashboard").chain(argv.iter().copied()))
            .map(|c| c.args)
    }

    /// Go Pacto's documented `--repo oci://...` is accepted (issue 15), repeatable, beside
    /// positional arguments.
    #[test]
    fn repo_flag_is_accepted_beside_positional_arguments() {
        let a = parse(&[
            "fleet",
            "oci://localhost:5000/a",
            "--repo",
            "oci://localhost:5000/b",
            "--repo=oci://localhost:5000/c",
        ])
        .unwrap();
        let (dir, repos) = sources(&a.sources, &a.repo, None).unwrap();
        assert_eq!(dir, Some(PathBuf::from("fleet")));
        assert_eq!(
            repos,
            [
                "oci://localhost:5000/a",
                "oci://localhost:5000/b",
                "oci://localhost:5000/c"
            ]
        );
    }

    #[test]
    fn the_environment_gives_repositories_only_when_none_are_named() {
        let a = parse(&[]).unwrap();
        let (dir, repos) = sources(&a.sources, &a.repo, Some(" oci://r/a, ,oci://r/b,")).unwrap();
        assert_eq!(dir, None);
        assert_eq!(repos, ["oci://r/a", "oci://r/b"]);
        let a = parse(&["--repo", "oci://r/c"]).unwrap();
        let (_, repos) = sources(&a.sources, &a.repo, Some("oci://r/a")).unwrap();
        assert_eq!(repos, ["oci://r/c"]);
    }

    #[test]
    fn max_connections_is_bounded() {
        assert_eq!(parse(&[]).unwrap().max_connections, 1024);
        assert_eq!(
            parse(&["--max-connections", "64"]).unwrap().max_connections,
            64
        );
        assert!(parse(&["--max-connections", "0"]).is_err());
    }

    #[test]
    fn an_empty_repo_flag_is_refused_with_its_value() {
        let a = parse(&["--repo", "oci://"]).unwrap();
        let e = sources(&a.sources, &a.repo, None).unwrap_err().to_string();
        assert!(e.contains("--repo \"oci://\""), "{e}");
        let a = parse(&["a", "b"]).unwrap();
        assert!(sources(&a.sources, &a.repo, None).is_err());
    }
}
