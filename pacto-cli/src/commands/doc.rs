//! `pacto doc [DIR|oci://REF] [-o DIR] [--serve [--port 8484]]`: Markdown documentation of a
//! service (spec §8), written to stdout or `DIR/<name>.md`, or served as an HTML page on
//! 127.0.0.1 with every asset embedded in the binary.

use anyhow::{bail, Context};
use pacto_core::bundle::{is_valid_path, Bundle};
use pacto_core::doc::{self, html, DocSource};
use pacto_core::graph::{self, Fetcher, ResolveOptions};
use pacto_core::report::OutputFormat;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Mermaid 11 (npm `mermaid`, `dist/mermaid.min.js`, MIT), vendored so the page fetches nothing
/// from elsewhere.
const MERMAID_JS: &[u8] = include_bytes!("../../assets/mermaid.min.js");

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bundle directory (default: the current directory) or oci://REF.
    #[arg(default_value = ".")]
    path: String,
    /// Also write the Markdown to DIR/<service-name>.md.
    #[arg(short, long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// Serve the documentation as an HTML page on 127.0.0.1 until interrupted.
    #[arg(long)]
    serve: bool,
    /// Port for --serve (0 picks a free one).
    #[arg(long, default_value_t = 8484)]
    port: u16,

    #[command(flatten)]
    overrides: super::overrides::OverrideArgs,
}

pub fn run(args: &Args, output: OutputFormat) -> anyhow::Result<ExitCode> {
    if args.serve && args.output.is_some() {
        bail!("--serve and --output are mutually exclusive");
    }
    let cwd = std::env::current_dir()?;
    let registry: Arc<dyn Fetcher> = crate::net::registry();
    let root =
        graph::open(&args.path, &cwd, Some(registry.as_ref())).map_err(anyhow::Error::msg)?;
    let (root, marks) = pacto_core::overrides::resolve(root, &args.overrides.read()?)
        .map_err(anyhow::Error::msg)?;
    super::overrides::announce(&marks);
    if let Some(code) = super::validate::refuse_undocumentable(&args.path, &root, output)? {
        return Ok(code);
    }
    let fetcher = graph::fetcher_for(&args.path, &cwd, Some(registry), false);
    let g = graph::resolve(&root.contract, fetcher.as_ref(), &ResolveOptions::default());
    let markdown = doc::markdown(&DocSource::of(&root), Some(&g));
    let name = root.contract.service_name().to_string();

    if args.serve {
        return serve(args.port, &name, &markdown, root.bundle.as_ref());
    }

    let mut written = None;
    if let Some(dir) = &args.output {
        if name.is_empty()
            || name.starts_with('.')
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        {
            bail!("the service name {name:?} cannot be used as a file name");
        }
        std::fs::create_dir_all(dir)
            .with_context(|| format!("failed to create {}", dir.display()))?;
        let path = dir.join(format!("{name}.md"));
        pacto_core::bundle::archive::write_file_atomic(&path, markdown.as_bytes())?;
        eprintln!("Wrote {}", path.display());
        written = Some(path.display().to_string());
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match output {
        OutputFormat::Json => {
            let mut v = serde_json::json!({ "serviceName": name, "markdown": markdown });
            if let Some(p) = written {
                v["path"] = serde_json::Value::String(p);
            }
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        }
        _ => out.write_all(markdown.as_bytes())?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Serve the page (and the bundle's files, as plain text, for the page's links) until the
/// process is interrupted.
fn serve(port: u16, name: &str, markdown: &str, bundle: &dyn Bundle) -> anyhow::Result<ExitCode> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
        .with_context(|| format!("failed to listen on 127.0.0.1:{port}"))?;
    let port = listener.local_addr()?.port();
    let page = html::page(&format!("{name} — Pacto"), markdown);
    // Announce on stderr; a reader that went away (a closed pipe) must not stop the server.
    let _ = writeln!(
        std::io::stderr(),
        "Serving documentation at http://127.0.0.1:{port}\nPress Ctrl+C to stop"
    );
    std::thread::scope(|scope| {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let page = page.as_str();
            scope.spawn(move || {
                // A client that goes away is not an error worth reporting.
                let _ = handle(stream, page, bundle);
            });
        }
    });
    Ok(ExitCode::SUCCESS)
}

const MAX_HEADER_BYTES: u64 = 16 * 1024;

fn handle(stream: TcpStream, page: &str, bundle: &dyn Bundle) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?.take(MAX_HEADER_BYTES));
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Skip the headers (bounded by the take above).
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("/");
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let mut stream = stream;
    if method != "GET" && method != "HEAD" {
        return respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain; charset=utf-8",
            b"method not allowed\n",
            false,
        );
    }
    let head = method == "HEAD";
    match path {
        html::MERMAID_PATH => respond(
            &mut stream,
            "200 OK",
            "text/javascript; charset=utf-8",
            MERMAID_JS,
            head,
        ),
        html::INIT_PATH => respond(
            &mut stream,
            "200 OK",
            "text/javascript; charset=utf-8",
            html::INIT_JS.as_bytes(),
            head,
        ),
        html::STYLE_PATH => respond(
            &mut stream,
            "200 OK",
            "text/css; charset=utf-8",
            html::STYLE_CSS.as_bytes(),
            head,
        ),
        _ => {
            let rel = percent_decode(path.trim_start_matches('/'));
            let file = rel
                .filter(|r| !r.is_empty() && is_valid_path(r) && !r.starts_with('.'))
                .and_then(|r| bundle.read(&r).ok());
            match file {
                Some(bytes) => respond(
                    &mut stream,
                    "200 OK",
                    "text/plain; charset=utf-8",
                    &bytes,
                    head,
                ),
                None => respond(
                    &mut stream,
                    "200 OK",
                    "text/html; charset=utf-8",
                    page.as_bytes(),
                    head,
                ),
            }
        }
    }
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &[u8],
    head: bool,
) -> std::io::Result<()> {
    let header = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nContent-Security-Policy: {}\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len(),
        html::CONTENT_SECURITY_POLICY
    );
    stream.write_all(header.as_bytes())?;
    if !head {
        stream.write_all(body)?;
    }
    stream.flush()?;
    // Close gracefully: stop writing, then read what the client still sends (bounded) before
    // dropping the socket. Closing with unread input makes the kernel send a reset, which can
    // destroy the response before the client has read it.
    stream.shutdown(std::net::Shutdown::Write)?;
    stream.set_read_timeout(Some(Duration::from_millis(500)))?;
    let mut sink = [0u8; 4096];
    let mut drained = 0;
    while drained < 64 * 1024 {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
    Ok(())
}

/// `%XX` decoding of a URL path; `None` for malformed escapes or non-UTF-8 results.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}
