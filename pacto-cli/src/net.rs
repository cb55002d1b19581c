//! What every command shares: the network flags (global, one registry per process) and the
//! printing of a validation report before a command refuses to go on.

use pacto_core::registry::{Progress, Registry, RegistryOptions, Transfer};
use pacto_core::report;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, OnceLock};

/// Registry and cache flags, accepted by every command.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct NetArgs {
    /// Never contact a registry: use the local cache only (remote policies are not enforced).
    #[arg(long, global = true, env = "PACTO_OFFLINE", value_parser = clap::builder::BoolishValueParser::new())]
    pub offline: bool,

    /// Neither read nor write the local cache.
    #[arg(long, global = true, env = "PACTO_NO_CACHE", value_parser = clap::builder::BoolishValueParser::new())]
    pub no_cache: bool,

    /// Talk plain HTTP to registries (loopback registries always use it).
    #[arg(long, global = true, env = "PACTO_PLAIN_HTTP", value_parser = clap::builder::BoolishValueParser::new())]
    pub plain_http: bool,
}

static NET: OnceLock<NetArgs> = OnceLock::new();
static REGISTRY: OnceLock<Arc<Registry>> = OnceLock::new();

/// Record the global flags (once, from `main`).
pub fn init(net: NetArgs) {
    let _ = NET.set(net);
}

pub fn args() -> NetArgs {
    NET.get().cloned().unwrap_or_default()
}

pub fn offline() -> bool {
    args().offline
}

/// The process's registry: environment defaults, the global flags, progress bars when stderr is
/// a terminal.
pub fn registry() -> Arc<Registry> {
    REGISTRY
        .get_or_init(|| {
            let net = args();
            let mut options = RegistryOptions::from_env();
            options.client.plain_http |= net.plain_http;
            options.no_cache |= net.no_cache;
            options.offline |= net.offline;
            // The standard keychain, then `gh auth token` for GitHub's registries (as Go).
            let registry = Registry::new(
                options,
                Arc::new(crate::commands::login::GhFallback::from_env()),
            );
            Arc::new(if std::io::stderr().is_terminal() {
                registry.with_progress(Arc::new(Bars))
            } else {
                registry
            })
        })
        .clone()
}

/// The validation report on stderr, as `pacto validate` prints it in text, without its closing
/// `validation failed` line (the command's own error replaces it).
pub fn print_diagnostics(report: &report::FileReport) -> anyhow::Result<()> {
    let mut verdict = Vec::new();
    let mut diagnostics = Vec::new();
    report::render_text(std::slice::from_ref(report), &mut verdict, &mut diagnostics)?;
    let diagnostics = String::from_utf8_lossy(&diagnostics);
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    err.write_all(&verdict)?;
    for line in diagnostics.lines() {
        if !line.starts_with("validation failed with ") {
            writeln!(err, "{line}")?;
        }
    }
    Ok(())
}

/// indicatif bars on stderr.
struct Bars;

struct Bar(indicatif::ProgressBar);

impl Progress for Bars {
    fn start(&self, label: &str, total: u64) -> Box<dyn Transfer> {
        let bar = indicatif::ProgressBar::new(total);
        let style =
            indicatif::ProgressStyle::with_template("{msg} [{wide_bar}] {bytes}/{total_bytes}")
                .map(|s| s.progress_chars("=> "))
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_message(label.to_string());
        Box::new(Bar(bar))
    }
}

impl Transfer for Bar {
    fn advance(&mut self, bytes: u64) {
        self.0.inc(bytes);
    }

    fn finish(&mut self) {
        self.0.finish_and_clear();
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if !self.0.is_finished() {
            self.0.finish_and_clear();
        }
    }
}
