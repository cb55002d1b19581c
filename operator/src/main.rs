//! `pacto-operator`: run the controller, or print the CRDs.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use pacto_core::registry::RegistryOptions;
use pacto_operator::controller::{self, LeaderElection};
use pacto_operator::dashboard::{self, Dashboard, Settings as DashboardSettings};
use pacto_operator::metrics::Metrics;
use pacto_operator::metrics_auth::{self, Authorizer, CertFiles, MetricsTls};
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
    /// Address of /metrics ("0" disables it; :8443 is the usual port with --metrics-secure).
    #[arg(long, default_value = ":8080")]
    metrics_bind_address: String,
    /// Serve /metrics over HTTPS, authenticated (TokenReview) and authorized
    /// (SubjectAccessReview for GET on the non-resource URL /metrics).
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true", value_parser = go_bool)]
    metrics_secure: bool,
    /// Directory with the metrics server certificate (default: a self-signed certificate
    /// generated at startup). Re-read when the files change.
    #[arg(long, default_value = "")]
    metrics_cert_path: String,
    /// Certificate file name in --metrics-cert-path.
    #[arg(long, default_value = "tls.crt")]
    metrics_cert_name: String,
    /// Private key file name in --metrics-cert-path.
    #[arg(long, default_value = "tls.key")]
    metrics_cert_key: String,
    /// Accepted for compatibility with the Go operator; unused (no webhooks are registered).
    #[arg(long, default_value = "")]
    webhook_cert_path: String,
    /// Accepted for compatibility; unused.
    #[arg(long, default_value = "tls.crt")]
    webhook_cert_name: String,
    /// Accepted for compatibility; unused.
    #[arg(long, default_value = "tls.key")]
    webhook_cert_key: String,
    /// Accepted for compatibility with the Go operator; the servers speak HTTP/1.1 only, so
    /// HTTP/2 stays disabled (the Go operator's default) whatever the value.
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true", value_parser = go_bool)]
    enable_http2: bool,
    /// Address of /healthz and /readyz.
    #[arg(long, default_value = ":8081")]
    health_probe_bind_address: String,
    /// Elect a leader through a Lease before reconciling.
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true", value_parser = go_bool)]
    leader_elect: bool,
    /// Watch one namespace only (default: the whole cluster).
    #[arg(long, env = "PACTO_WATCH_NAMESPACE", default_value = "")]
    watch_namespace: String,
    /// Probe the live health and metrics endpoints of targeted Services.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true", value_parser = go_bool)]
    probe_endpoints: bool,
    /// Pacto 2.0: how long a negative observation (interface, dependency, configuration,
    /// capability) must last before it is a violation; until then it reads Unknown. A Go
    /// duration (2m0s, 90s, 0 for none).
    #[arg(long, default_value = "2m0s", value_parser = pacto_operator::runtime_v2::parse_go_duration)]
    stabilization_window: std::time::Duration,
    /// Pacto 2.0: actively GET the `health` capability through the Service (Tier A); without
    /// it a container probe on the capability's path is the (passive) evidence.
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true", value_parser = go_bool)]
    enable_probing: bool,
    /// Pacto 2.0: GET the `metrics` capability through the Service; without it metrics are
    /// not observed (OBSERVATION_UNSUPPORTED).
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true", value_parser = go_bool)]
    enable_metrics_observation: bool,
    /// Pacto 2.0: an interface without an interfaceBinding is served by the Service port
    /// named like it.
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true", value_parser = go_bool)]
    interface_name_match_discovery: bool,
    /// Keep one PactoRevision per published semver tag of unpinned references.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true", value_parser = go_bool)]
    sync_all_tags: bool,
    /// Deploy and keep up the `pacto-dashboard` Deployment, Service and RBAC in POD_NAMESPACE.
    /// When off, dashboard objects a previous run created are deleted.
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true", value_parser = go_bool)]
    enable_dashboard: bool,
    /// Dashboard image (needs a version tag; `latest` is refused).
    #[arg(long, env = "PACTO_DASHBOARD_IMAGE", default_value_t = pacto_operator::dashboard::default_image())]
    dashboard_image: String,
    /// Secret (in POD_NAMESPACE) with OCI credentials for the dashboard.
    #[arg(long, default_value = "")]
    dashboard_oci_secret: String,
    /// Comma-separated Secrets with OCI credentials (wins over --dashboard-oci-secret).
    #[arg(long, default_value = "")]
    dashboard_oci_secrets: String,
    /// Dashboard CPU request (default 50m).
    #[arg(long)]
    dashboard_cpu_request: Option<String>,
    /// Dashboard CPU limit (default none).
    #[arg(long)]
    dashboard_cpu_limit: Option<String>,
    /// Dashboard memory request (default 128Mi).
    #[arg(long)]
    dashboard_memory_request: Option<String>,
    /// Dashboard memory limit (default 512Mi).
    #[arg(long)]
    dashboard_memory_limit: Option<String>,
    #[command(flatten)]
    log: LogArgs,
}

/// The logging flags of controller-runtime's zap options, so Go operator Deployment args
/// keep working. Logs go to stderr either way.
#[derive(clap::Args)]
struct LogArgs {
    /// Development defaults: debug level (unless --zap-log-level says otherwise).
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true", value_parser = go_bool)]
    zap_devel: bool,
    /// Log format.
    #[arg(long, value_parser = ["json", "console"])]
    zap_encoder: Option<String>,
    /// Minimum level: debug, info, error, panic, or an integer verbosity (1 = debug, 2+ = trace).
    #[arg(long, value_parser = zap_level)]
    zap_log_level: Option<tracing::Level>,
    /// Accepted for compatibility (no stack traces are logged).
    #[arg(long, value_parser = ["debug", "info", "warn", "error", "dpanic", "panic", "fatal"])]
    zap_stacktrace_level: Option<String>,
    /// Accepted for compatibility (timestamps are RFC 3339).
    #[arg(long, value_parser = ["epoch", "millis", "nano", "iso8601", "rfc3339", "rfc3339nano"])]
    zap_time_encoding: Option<String>,
}

/// Booleans as Go's `strconv.ParseBool` reads them.
fn go_bool(s: &str) -> Result<bool, String> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(format!("invalid boolean {s:?} (use true or false)")),
    }
}

/// A zap level name or verbosity, as `--zap-log-level` takes it.
fn zap_level(s: &str) -> Result<tracing::Level, String> {
    match s {
        "debug" => Ok(tracing::Level::DEBUG),
        "info" => Ok(tracing::Level::INFO),
        "warn" => Ok(tracing::Level::WARN),
        "error" | "dpanic" | "panic" | "fatal" => Ok(tracing::Level::ERROR),
        n => match n.parse::<u8>() {
            Ok(0) => Ok(tracing::Level::INFO),
            Ok(1) => Ok(tracing::Level::DEBUG),
            Ok(_) => Ok(tracing::Level::TRACE),
            Err(_) => Err(format!(
                "invalid level {n:?} (debug, info, error, panic, or an integer verbosity)"
            )),
        },
    }
}

impl LogArgs {
    fn init(&self) {
        let level = self.zap_log_level.unwrap_or(if self.zap_devel {
            tracing::Level::DEBUG
        } else {
            tracing::Level::INFO
        });
        let builder = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(level)
            .with_writer(std::io::stderr);
        if self.zap_encoder.as_deref() == Some("json") {
            builder.json().init();
        } else {
            builder.init();
        }
    }
}

fn addr(a: &str) -> Option<String> {
    match a {
        "" | "0" => None,
        a if a.starts_with(':') => Some(format!("0.0.0.0{a}")),
        a => Some(a.to_string()),
    }
}

/// The dashboard settings from the flags, checked at startup (quantities, image tag, names).
fn dashboard_settings(args: &RunArgs, pod_namespace: &str) -> anyhow::Result<DashboardSettings> {
    let set = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let settings = DashboardSettings {
        enabled: args.enable_dashboard,
        image: args.dashboard_image.trim().to_string(),
        namespace: pod_namespace.to_string(),
        watch_namespace: Some(args.watch_namespace.clone()).filter(|s| !s.is_empty()),
        oci_secrets: dashboard::effective_oci_secrets(
            &args.dashboard_oci_secret,
            &args.dashboard_oci_secrets,
        ),
        resources: dashboard::ResourceOverrides {
            cpu_request: set(&args.dashboard_cpu_request),
            cpu_limit: set(&args.dashboard_cpu_limit),
            memory_request: set(&args.dashboard_memory_request),
            memory_limit: set(&args.dashboard_memory_limit),
        },
        owner_deployment: std::env::var("OPERATOR_DEPLOYMENT_NAME")
            .ok()
            .filter(|s| !s.is_empty()),
    };
    settings
        .validate()
        .context("invalid dashboard configuration")?;
    Ok(settings)
}

/// The certificate of the secure metrics server: `--metrics-cert-path` or self-signed.
fn metrics_tls(args: &RunArgs) -> anyhow::Result<MetricsTls> {
    if args.metrics_cert_path.is_empty() {
        tracing::info!("no --metrics-cert-path: /metrics uses a self-signed certificate");
        return MetricsTls::self_signed().context("--metrics-secure");
    }
    let files = CertFiles::new(
        &args.metrics_cert_path,
        &args.metrics_cert_name,
        &args.metrics_cert_key,
    );
    tracing::info!(
        cert = %files.cert().display(),
        key = %files.key().display(),
        "/metrics uses the provided certificate (re-read when it changes)"
    );
    MetricsTls::from_files(files).context("loading the metrics certificate")
}

/// Flags of the Go operator that are accepted but change nothing here.
fn log_compat_flags(args: &RunArgs) {
    if !args.webhook_cert_path.is_empty() {
        tracing::info!(
            path = %args.webhook_cert_path,
            name = %args.webhook_cert_name,
            key = %args.webhook_cert_key,
            "--webhook-cert-* is unused: the operator registers no webhooks"
        );
    }
    if args.enable_http2 {
        tracing::info!(
            "--enable-http2 is accepted, but the metrics and health servers speak HTTP/1.1 only"
        );
    }
    if !args.metrics_secure && !args.metrics_cert_path.is_empty() {
        tracing::info!("--metrics-cert-path is unused without --metrics-secure");
    }
}

fn main() -> std::process::ExitCode {
    match real_main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // Not `eprintln!`: a closed stderr must not turn an error into a panic.
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Write `bytes` to stdout. A reader that went away (`pacto-operator crds | head`) is not an
/// error: the output is simply no longer wanted (`print!` would panic on the broken pipe).
fn write_stdout(bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Go's `flag` package (the Go operator's) reads `-name` as `--name`: Deployment args copied
/// from Go's docs (`-watch-namespace=shop`) are rewritten to the double-dash form when `name`
/// is one of our long options. Short flags and values are untouched.
fn go_style_args(args: impl IntoIterator<Item = std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    use clap::CommandFactory as _;
    let cmd = Cli::command();
    let long: std::collections::HashSet<String> = cmd
        .get_arguments()
        .filter_map(|a| a.get_long().map(str::to_string))
        .chain(
            cmd.get_subcommands()
                .flat_map(|c| {
                    c.get_arguments()
                        .filter_map(|a| a.get_long().map(str::to_string))
                })
                .collect::<Vec<_>>(),
        )
        .collect();
    let mut past_separator = false;
    args.into_iter()
        .map(|a| {
            let Some(text) = a.to_str() else { return a };
            if text == "--" {
                past_separator = true;
            }
            if past_separator || text.starts_with("--") || !text.starts_with('-') {
                return a;
            }
            let name = text[1..].split('=').next().unwrap_or("");
            if name.len() > 1 && long.contains(name) {
                format!("-{text}").into()
            } else {
                a
            }
        })
        .collect()
}

fn real_main() -> anyhow::Result<()> {
    let cli = Cli::parse_from(go_style_args(std::env::args_os()));
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
                let mut text = String::new();
                for (i, (_, t)) in files.iter().enumerate() {
                    if i > 0 {
                        text.push_str("---\n");
                    }
                    text.push_str(t);
                }
                write_stdout(text.as_bytes()).context("writing the CRDs to stdout")?;
            }
        }
        return Ok(());
    }
    cli.run.log.init();
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
    let dashboard_settings = dashboard_settings(&args, &pod_namespace)?;
    log_compat_flags(&args);
    let (metrics_addr, health_addr) = (
        addr(&args.metrics_bind_address),
        addr(&args.health_probe_bind_address),
    );
    // Checked before connecting: a bad certificate or address is a clear startup error.
    let secure_tls = match &metrics_addr {
        Some(a) if args.metrics_secure => {
            anyhow::ensure!(
                health_addr.as_ref() != Some(a),
                "--metrics-secure needs a --health-probe-bind-address other than the metrics address {a}: the health probes stay plain HTTP"
            );
            Some(metrics_tls(&args)?)
        }
        _ => None,
    };
    let client = controller::connect()
        .await
        .context("connecting to the Kubernetes API")?;
    let metrics = Arc::new(Metrics::default());
    let ready = Arc::new(AtomicBool::new(false));
    if let Some(a) = &metrics_addr {
        if let Some(tls) = secure_tls {
            let l = tokio::net::TcpListener::bind(a)
                .await
                .with_context(|| format!("binding {a}"))?;
            tracing::info!(address = %a, "serving /metrics over HTTPS (TokenReview + SubjectAccessReview)");
            let auth = Arc::new(Authorizer::new(client.clone()));
            tokio::spawn(metrics_auth::serve(l, tls, auth, metrics.clone()));
        } else {
            let l = tokio::net::TcpListener::bind(a)
                .await
                .with_context(|| format!("binding {a}"))?;
            tokio::spawn(controller::serve(l, metrics.clone(), ready.clone()));
        }
    }
    if let Some(a) = health_addr {
        if Some(&a) != metrics_addr.as_ref() {
            let l = tokio::net::TcpListener::bind(&a)
                .await
                .with_context(|| format!("binding {a}"))?;
            if args.metrics_secure {
                tokio::spawn(controller::serve_health(l, ready.clone()));
            } else {
                tokio::spawn(controller::serve(l, metrics.clone(), ready.clone()));
            }
        }
    }
    let mut options = RegistryOptions::from_env();
    if std::env::var_os("XDG_CACHE_HOME").is_none() {
        options.no_cache = true;
    }
    let source = Arc::new(RegistrySource::new(options, Duration::from_secs(300)));
    let mut ctx = Context::new(client.clone(), source, metrics);
    if args.probe_endpoints || args.enable_probing || args.enable_metrics_observation {
        ctx.prober = Some(Arc::new(HttpProber));
    }
    ctx.v2 = pacto_operator::runtime_v2::Options {
        stabilization_window: args.stabilization_window,
        enable_probing: args.enable_probing,
        enable_metrics_observation: args.enable_metrics_observation,
        interface_name_match_discovery: args.interface_name_match_discovery,
    };
    ctx.sync_all_tags = args.sync_all_tags;
    let ctx = Arc::new(ctx);
    let namespace = Some(args.watch_namespace).filter(|s| !s.is_empty());
    let dashboard = Dashboard::new(client.clone(), dashboard_settings);

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
        // Only the leader manages (or cleans up) the dashboard.
        tokio::spawn(dashboard.run());
        tokio::select! {
            () = controller::run(ctx, namespace) => {}
            () = le.hold() => anyhow::bail!("lost the leader lease"),
        }
    } else {
        ready.store(true, Ordering::Relaxed);
        tokio::spawn(dashboard.run());
        controller::run(ctx, namespace).await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The args a Go operator Deployment passes (its chart's, plus controller-runtime's zap
    /// flags) parse unchanged, with Go's spelling of booleans.
    #[test]
    fn go_operator_args_parse() {
        let cli = Cli::try_parse_from([
            "manager",
            "--leader-elect=True",
            "--health-probe-bind-address=:8081",
            "--metrics-bind-address=:8443",
            "--metrics-secure=t",
            "--enable-dashboard",
            "--dashboard-oci-secrets=a,b",
            "--zap-devel=false",
            "--zap-encoder=json",
            "--zap-log-level=2",
            "--zap-stacktrace-level=panic",
            "--zap-time-encoding=rfc3339nano",
        ])
        .unwrap();
        let run = cli.run;
        assert!(run.leader_elect && run.metrics_secure && run.enable_dashboard);
        assert!(!run.log.zap_devel);
        assert_eq!(run.log.zap_log_level, Some(tracing::Level::TRACE));
        assert_eq!(run.log.zap_encoder.as_deref(), Some("json"));

        let off =
            Cli::try_parse_from(["manager", "--leader-elect=0", "--sync-all-tags=F"]).unwrap();
        assert!(!off.run.leader_elect && !off.run.sync_all_tags);
    }

    #[test]
    fn bad_values_are_refused_with_the_flag_named() {
        for bad in [
            "--leader-elect=yes",
            "--zap-log-level=loud",
            "--zap-encoder=xml",
            "--zap-time-encoding=unix",
        ] {
            let err = Cli::try_parse_from(["manager", bad])
                .err()
                .unwrap()
                .to_string();
            let flag = bad.split('=').next().unwrap();
            assert!(err.contains(flag), "{bad}: {err}");
        }
    }

    /// Args as Go's `flag` package takes them: one dash before a long name.
    #[test]
    fn go_single_dash_flags_parse_as_gos_flag_package_reads_them() {
        let args = go_style_args(
            [
                "manager",
                "-watch-namespace=shop",
                "-stabilization-window",
                "45s",
                "-enable-probing",
                "-leader-elect=true",
            ]
            .map(std::ffi::OsString::from),
        );
        let run = Cli::try_parse_from(args).unwrap().run;
        assert_eq!(run.watch_namespace, "shop");
        assert!(run.leader_elect);
        assert!(run.enable_probing);
        assert_eq!(run.stabilization_window, std::time::Duration::from_secs(45));
        // Unknown single-dash words stay as they are, so clap still names them.
        let err = Cli::try_parse_from(go_style_args(
            ["manager", "-no-such-flag"].map(std::ffi::OsString::from),
        ))
        .err()
        .unwrap()
        .to_string();
        assert!(err.contains("-n"), "{err}");
    }

    /// Go operator 5.x's evaluation flags, with Go's duration and boolean spellings.
    #[test]
    fn go_evaluation_flags_parse() {
        let cli = Cli::try_parse_from([
            "manager",
            "--stabilization-window=1m30s",
            "--enable-probing",
            "--enable-metrics-observation=true",
            "--interface-name-match-discovery=t",
            "--watch-namespace=shop",
        ])
        .unwrap();
        let run = cli.run;
        assert_eq!(run.stabilization_window, std::time::Duration::from_secs(90));
        assert!(run.enable_probing && run.enable_metrics_observation);
        assert!(run.interface_name_match_discovery);
        assert_eq!(run.watch_namespace, "shop");
        let d = Cli::try_parse_from(["manager"]).unwrap().run;
        assert_eq!(d.stabilization_window, std::time::Duration::from_secs(120));
        assert!(!d.enable_probing && !d.enable_metrics_observation);
        let err = Cli::try_parse_from(["manager", "--stabilization-window=soon"])
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("--stabilization-window"), "{err}");
    }

    #[test]
    fn zap_levels() {
        assert_eq!(zap_level("debug"), Ok(tracing::Level::DEBUG));
        assert_eq!(zap_level("panic"), Ok(tracing::Level::ERROR));
        assert_eq!(zap_level("0"), Ok(tracing::Level::INFO));
        assert_eq!(zap_level("1"), Ok(tracing::Level::DEBUG));
        assert_eq!(zap_level("5"), Ok(tracing::Level::TRACE));
        assert!(zap_level("-1").is_err());
    }
}
