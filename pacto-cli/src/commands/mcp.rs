//! `pacto mcp [-t stdio|http] [--port 8585] [--host 127.0.0.1] [--root DIR]...
//! [--allowed-origin ORIGIN]...`: the MCP server
//! (spec §9). Stdio is the default; any transport other than `http` means stdio, as in Go Pacto.
//! Logs go to stderr only: stdout carries nothing but protocol messages.

use anyhow::Context;
use pacto_mcp::roots::Roots;
use pacto_mcp::tools::Ctx;
use pacto_mcp::PactoServer;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Transport: stdio (default) or http (streamable HTTP at /mcp).
    #[arg(short, long, default_value = "stdio")]
    transport: String,
    /// Port of the HTTP transport.
    #[arg(long, default_value_t = 8585)]
    port: u16,
    /// Address the HTTP transport binds to (loopback unless you change it).
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// A directory tools may read and write; repeatable. Default: the current directory.
    /// Roots the client offers are allowed too.
    #[arg(long = "root", value_name = "DIR")]
    roots: Vec<PathBuf>,
    /// A browser origin (scheme://host[:port]) the HTTP transport accepts besides loopback
    /// ones; repeatable. Requests with any other Origin header are refused (403).
    #[arg(long = "allowed-origin", value_name = "ORIGIN")]
    allowed_origins: Vec<String>,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let dirs = if args.roots.is_empty() {
        vec![std::env::current_dir()?]
    } else {
        args.roots.clone()
    };
    let roots = Roots::new(&dirs).context("invalid --root")?;
    let ctx = Ctx {
        roots,
        registry: Some(crate::net::registry()),
    };
    let server = PactoServer::new(ctx, env!("CARGO_PKG_VERSION"));
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
