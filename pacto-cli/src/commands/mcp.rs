//! `pacto mcp [BUNDLE_OR_REF] [-t stdio|http] [--port 8585] [--host 127.0.0.1]
//! [--workspace-root DIR]... [--root REF]... [--base-url URL] [--auth NAME=VALUE]...
//! [--allow-writes] [--allowed-origin ORIGIN]...`: the MCP server (spec §9, Go Pacto 3.x's modes).
//!
//! * No bundle, no `--root`: Pacto's tools (authoring and the rest).
//! * `BUNDLE_OR_REF` (a directory or `oci://`): those tools plus one tool per OpenAPI operation of
//!   the bundle's interfaces and `pacto_skill`.
//! * `--root REF` (repeatable): Go's read-only contract catalog (`pacto://catalog`,
//!   `pacto://catalog/closure`, `pacto_catalog_revision`).
//!
//! * `--fleet` with `pacto fleet`'s source flags (`--local`, `--oci`, `--target-state`,
//!   `--traces`, `--k8s`, `--namespace`, `--cache`, `--evidence-url`, `--freshness`, `--as-of`):
//!   those tools plus the read-only fleet tools (`pacto_fleet_search|get|graph|status|explain`,
//!   `pacto_impact`) over one snapshot built at startup, answering what `pacto fleet` and
//!   `pacto impact` print as JSON for the same sources.
//!
//! `--workspace-root DIR` is the filesystem sandbox of the tools (it was `--root` before Go Pacto
//! 3.x gave that flag to the catalog; a directory without a `pacto.yaml` given to `--root` is
//! refused with a message naming the new flag). Stdio is the default; any transport other than
//! `http` means stdio, as in Go Pacto. Logs go to stderr only: stdout carries nothing but
//! protocol messages.

use anyhow::{bail, Context};
use pacto_mcp::capability::{Capabilities, Options};
use pacto_mcp::catalog::Catalog;
use pacto_mcp::roots::Roots;
use pacto_mcp::tools::Ctx;
use pacto_mcp::{Mode, PactoServer};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A bundle (directory or oci:// reference) whose OpenAPI operations become tools that call
    /// the live service, with pacto_skill serving its skills/*.md.
    #[arg(value_name = "BUNDLE_OR_REF")]
    bundle: Option<String>,
    /// Transport: stdio (default) or http (streamable HTTP at /mcp).
    #[arg(short, long, default_value = "stdio")]
    transport: String,
    /// Port of the HTTP transport.
    #[arg(long, default_value_t = 8585)]
    port: u16,
    /// Address the HTTP transport binds to (loopback unless you change it).
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// A directory the tools may read and write; repeatable. Default: the current directory.
    /// Roots the client offers are allowed too. (Before Go Pacto 3.x's catalog this was --root.)
    #[arg(long = "workspace-root", value_name = "DIR")]
    workspace_roots: Vec<PathBuf>,
    /// A catalog root (a bundle directory or an oci:// reference); repeatable. Serves the
    /// read-only contract catalog of the roots and their dependency closure (pacto://catalog,
    /// pacto://catalog/closure, pacto_catalog_revision) instead of the authoring tools.
    #[arg(long = "root", value_name = "REF")]
    catalog_roots: Vec<String>,
    /// Bundle mode: the live service the operation tools call (default: the OpenAPI document's
    /// first servers URL; required with --auth).
    #[arg(long = "base-url", value_name = "URL")]
    base_url: Option<String>,
    /// Bundle mode: a credential NAME=VALUE, applied as the OpenAPI security scheme NAME says
    /// (apiKey, bearer, basic), or sent as the header NAME when no scheme has that name;
    /// repeatable.
    #[arg(long = "auth", value_name = "NAME=VALUE")]
    auth: Vec<String>,
    /// Bundle mode: expose mutating operations (POST, PUT, PATCH, DELETE) too.
    #[arg(long = "allow-writes")]
    allow_writes: bool,
    /// A browser origin (scheme://host[:port]) the HTTP transport accepts besides loopback
    /// ones; repeatable. Requests with any other Origin header are refused (403).
    #[arg(long = "allowed-origin", value_name = "ORIGIN")]
    allowed_origins: Vec<String>,
    /// Also serve the read-only fleet tools (pacto_fleet_search, pacto_fleet_get,
    /// pacto_fleet_graph, pacto_fleet_status, pacto_fleet_explain, pacto_impact) over a snapshot
    /// of the fleet sources below, built once at startup.
    #[arg(long)]
    fleet: bool,
    /// --fleet: a local bundle root (a bundle, or a directory of `<service>/<version>/` bundles; repeatable; default .).
    #[arg(long, value_name = "DIR", requires = "fleet")]
    local: Vec<PathBuf>,
    /// --fleet: a registry reference to include as a published revision (repeatable).
    #[arg(long, value_name = "REF", requires = "fleet")]
    oci: Vec<String>,
    /// --fleet: an offline target-state file (`schemaVersion: pacto.dev/fleet-targets/v1`; repeatable).
    #[arg(long = "target-state", value_name = "FILE", requires = "fleet")]
    target_state: Vec<PathBuf>,
    /// --fleet: an OTLP/JSON trace file of observed dependency edges (repeatable).
    #[arg(long, value_name = "FILE", requires = "fleet")]
    traces: Vec<PathBuf>,
    /// --fleet: the live Pacto resources of the current Kubernetes cluster as targets (as `pacto fleet --k8s`).
    #[arg(long, requires = "fleet")]
    k8s: bool,
    /// --fleet: the namespace for --k8s (empty: all).
    #[arg(long, value_name = "NS", requires = "fleet")]
    namespace: Option<String>,
    /// --fleet: every bundle of the local OCI cache (not supported here: a limitation says so).
    #[arg(long, requires = "fleet")]
    cache: bool,
    /// --fleet: an Evidence Server URL (not supported here: a limitation says so; repeatable).
    #[arg(long = "evidence-url", value_name = "URL", requires = "fleet")]
    evidence_url: Vec<String>,
    /// --fleet: mark target evidence older than this as stale (`24h`, `90m`; 0 disables).
    #[arg(long, value_name = "DURATION", requires = "fleet")]
    freshness: Option<String>,
    /// --fleet: the snapshot's `asOf` (RFC 3339) instead of the clock: deterministic answers.
    #[arg(long = "as-of", value_name = "TIME", requires = "fleet")]
    as_of: Option<String>,
}

/// `--fleet`: the query snapshot (as `pacto fleet` builds it) and how to build the impact
/// snapshot (as `pacto impact` builds it: local bundles and target states, contracts not
/// validated) on the first `pacto_impact` call.
fn fleet_mode(args: &Args) -> anyhow::Result<pacto_mcp::fleet::Fleet> {
    let sources = super::fleet::SourceArgs {
        local: if args.local.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            args.local.clone()
        },
        oci: args.oci.clone(),
        target_state: args.target_state.clone(),
        traces: args.traces.clone(),
        k8s: args.k8s,
        namespace: args.namespace.clone(),
        cache: args.cache,
        root: Vec::new(),
        evidence_url: args.evidence_url.clone(),
        freshness: args.freshness.clone(),
        as_of: args.as_of.clone(),
    };
    let snapshot = sources.snapshot(true)?;
    let mut specs: Vec<pacto_core::fleet::SourceSpec> = sources
        .local
        .iter()
        .cloned()
        .map(pacto_core::fleet::SourceSpec::Local)
        .collect();
    specs.extend(
        sources
            .target_state
            .iter()
            .cloned()
            .map(pacto_core::fleet::SourceSpec::TargetState),
    );
    let options = pacto_core::fleet::BuildOptions {
        validate: false,
        ..sources.options()?
    };
    Ok(pacto_mcp::fleet::Fleet::new(
        snapshot,
        Box::new(move || pacto_core::fleet::build(&specs, None, &options)),
    ))
}

/// `--root DIR` where DIR is a directory without a `pacto.yaml`: the sandbox spelling from
/// before `--root` meant a catalog root.
fn old_root_spelling(root: &str) -> Option<String> {
    if root.starts_with("oci://") || root.trim().is_empty() {
        return None;
    }
    let p = Path::new(root);
    if p.is_dir() && !p.join("pacto.yaml").exists() {
        return Some(format!(
            "--root {root:?}: --root now names a catalog root, as in Go Pacto 3.x (a bundle directory with a pacto.yaml, or an oci:// reference), and {root:?} is a directory without a pacto.yaml. To let the tools read and write under it, use --workspace-root {root:?}"
        ));
    }
    None
}

fn parse_auth(list: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    list.iter()
        .map(|a| match a.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
            _ => bail!("--auth {a:?} is not NAME=VALUE (e.g. --auth bearerAuth=$TOKEN)"),
        })
        .collect()
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir()?;
    let dirs = if args.workspace_roots.is_empty() {
        vec![cwd.clone()]
    } else {
        args.workspace_roots.clone()
    };
    let roots = Roots::new(&dirs).context("invalid --workspace-root")?;
    let registry = crate::net::registry();
    let ctx = Ctx {
        roots,
        registry: Some(registry.clone()),
    };
    let bundle_flags = args.base_url.is_some() || !args.auth.is_empty() || args.allow_writes;
    if args.fleet && (args.bundle.is_some() || !args.catalog_roots.is_empty()) {
        bail!("--fleet cannot be combined with a bundle or --root (the contract catalog): start one server per mode");
    }
    let mode = if !args.catalog_roots.is_empty() {
        for r in &args.catalog_roots {
            if let Some(msg) = old_root_spelling(r) {
                bail!(msg);
            }
        }
        if args.bundle.is_some() || bundle_flags {
            bail!("--root (the contract catalog) cannot be combined with a bundle or --base-url/--auth/--allow-writes: start one server per mode");
        }
        let catalog = Catalog::build(&args.catalog_roots, &cwd, Some(registry))
            .map_err(anyhow::Error::msg)?;
        eprintln!(
            "pacto mcp: catalog of {} root(s), {}",
            args.catalog_roots.len(),
            catalog.catalog_json()["completeness"]
                .as_str()
                .unwrap_or("")
        );
        Mode::Catalog(catalog)
    } else if let Some(bundle) = &args.bundle {
        let fetcher: &dyn pacto_core::graph::Fetcher = registry.as_ref();
        let resolved = pacto_core::graph::open(bundle, &cwd, Some(fetcher))
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("cannot open the bundle {bundle}"))?;
        let options = Options {
            base_url: args.base_url.clone(),
            auth: parse_auth(&args.auth)?,
            allow_writes: args.allow_writes,
        };
        let caps = Capabilities::load(&resolved, options, &mut std::io::stderr())?;
        eprintln!(
            "pacto mcp: {} operation tool(s) from {bundle}",
            caps.tools.len()
        );
        Mode::Bundle(caps)
    } else if args.fleet {
        if bundle_flags {
            bail!("--base-url, --auth and --allow-writes apply to bundle mode, not --fleet: start one server per mode");
        }
        let fleet = fleet_mode(args)?;
        let snap = fleet.snapshot();
        eprintln!(
            "pacto mcp: fleet of {} service(s), {} revision(s), {} target(s), {}",
            snap.services.len(),
            snap.revisions.len(),
            snap.targets.len(),
            snap.completeness.as_str()
        );
        Mode::Fleet(Box::new(fleet))
    } else {
        if bundle_flags {
            bail!("--base-url, --auth and --allow-writes apply to bundle mode: pass the bundle (a directory or oci:// reference) as `pacto mcp BUNDLE_OR_REF`");
        }
        Mode::Authoring
    };
    let server = PactoServer::new(ctx, env!("CARGO_PKG_VERSION")).with_mode(mode);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if args.transport == "http" {
        let ip: std::net::IpAddr = args
            .host
            .parse()
            .with_context(|| format!("--host {:?} is not an IP address", args.host))?;
        let addr = std::net::SocketAddr::new(ip, args.port);
        runtime.block_on(pacto_mcp::serve_http(
            server,
            addr,
            &args.allowed_origins,
            |bound| eprintln!("MCP server listening on http://{bound}/mcp"),
            std::future::pending(),
        ))?;
    } else {
        runtime.block_on(pacto_mcp::serve_stdio(server))?;
    }
    Ok(ExitCode::SUCCESS)
}
