//! `pacto-operator`: run the controller, or print the CRDs.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use pacto_core::registry::RegistryOptions;
use pacto_operator::controller::{self, LeaderElection};
use pacto_operator::metrics::Metrics;
use pacto_operator::reconcile::{Context, HttpProber};
use pacto_operator::source::RegistrySource;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "pacto-operator",
    version,
    about = "Kubernetes operator for Pacto contracts"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Print the CRDs (YAML), or write them to a directory.
    Crds {
        /// Write pacto.trianalab.io_{pactos,pactorevisions}.yaml into this directory.
        #[arg(long)]
        write: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// Address of /metrics ("0" disables it).
    #[arg(long, default_value = ":8080")]
    metrics_bind_address: String,
    /// Address of /healthz and /readyz.
    #[arg(long, default_value = ":8081")]
    health_probe_bind_address: String,
    /// Elect a leader through a Lease before reconciling.
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    leader_elect: bool,
    /// Watch one namespace only (default: the whole cluster).
    #[arg(long, env = "PACTO_WATCH_NAMESPACE", default_value = "")]
    watch_namespace: String,
    /// Probe the live health and metrics endpoints of targeted Services.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    probe_endpoints: bool,
    /// Keep one PactoRevision per published semver tag of unpinned references.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    sync_all_tags: bool,
}

fn addr(a: &str) -> Option<String> {
    match a {
        "" | "0" => None,
        a if a.starts_with(':') => Some(format!("0.0.0.0{a}")),
        a => Some(a.to_string()),
    }
}

fn main() -> std::process::ExitCode {
    match real_main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn real_main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::Crds { write }) = cli.command {
        let files = pacto_operator::crd::crd_files().context("serializing the CRDs")?;
        match write {
            Some(dir) => {
                std::fs::create_dir_all(&dir)?;
                for (name, text) in files {
                    std::fs::write(dir.join(name), text)?;
                }
            }
            None => {
                for (i, (_, text)) in files.iter().enumerate() {
                    if i > 0 {
                        println!("---");
                    }
                    print!("{text}");
                }
            }
        }
        return Ok(());
    }
    tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(std::io::stderr)
        .init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(run(cli.run))
}

async fn run(args: RunArgs) -> anyhow::Result<()> {
    let pod_namespace = std::env::var("POD_NAMESPACE")
        .ok()
        .filter(|s| !s.is_empty())
        .context("POD_NAMESPACE is not set (set it from the downward API)")?;
    let client = kube::Client::try_default()
        .await
        .context("connecting to the Kubernetes API")?;
    let metrics = Arc::new(Metrics::default());
    let ready = Arc::new(AtomicBool::new(false));
    if let Some(a) = addr(&args.metrics_bind_address) {
        let l = tokio::net::TcpListener::bind(&a)
            .await
            .with_context(|| format!("binding {a}"))?;
        tokio::spawn(controller::serve(l, metrics.clone(), ready.clone()));
    }
    if let Some(a) = addr(&args.health_probe_bind_address) {
        if Some(&a) != addr(&args.metrics_bind_address).as_ref() {
            let l = tokio::net::TcpListener::bind(&a)
                .await
                .with_context(|| format!("binding {a}"))?;
            tokio::spawn(controller::serve(l, metrics.clone(), ready.clone()));
        }
    }
    let mut options = RegistryOptions::from_env();
    if std::env::var_os("XDG_CACHE_HOME").is_none() {
        options.no_cache = true;
    }
    let source = Arc::new(RegistrySource::new(options, Duration::from_secs(300)));
    let mut ctx = Context::new(client.clone(), source, metrics);
    if args.probe_endpoints {
        ctx.prober = Some(Arc::new(HttpProber));
    }
    ctx.sync_all_tags = args.sync_all_tags;
    let ctx = Arc::new(ctx);
    let namespace = Some(args.watch_namespace).filter(|s| !s.is_empty());

    if args.leader_elect {
        let identity = std::env::var("POD_NAME")
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| format!("pacto-operator-{}", std::process::id()));
        let le = LeaderElection {
            api: kube::Api::namespaced(client, &pod_namespace),
            name: "a4917283.pacto.io".to_string(),
            identity,
            lease_duration: Duration::from_secs(15),
            retry_period: Duration::from_secs(2),
        };
        ready.store(true, Ordering::Relaxed);
        le.acquire().await;
        tracing::info!("became leader");
        tokio::select! {
            () = controller::run(ctx, namespace) => {}
            () = le.hold() => anyhow::bail!("lost the leader lease"),
        }
    } else {
        ready.store(true, Ordering::Relaxed);
        controller::run(ctx, namespace).await;
    }
    Ok(())
}
