//! `pacto-plugin-k8s`: a `pacto generate` plugin (spec §10). Reads one JSON request on stdin,
//! prints one JSON response (the manifest files) on stdout; errors go to stderr with exit 1.

use std::io::{Read, Write};
use std::process::ExitCode;

/// Largest request read from stdin.
const MAX_REQUEST_BYTES: u64 = 64 * 1024 * 1024;

fn main() -> ExitCode {
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin()
        .take(MAX_REQUEST_BYTES + 1)
        .read_to_end(&mut input)
    {
        eprintln!("pacto-plugin-k8s: failed to read the request: {e}");
        return ExitCode::from(1);
    }
    if input.len() as u64 > MAX_REQUEST_BYTES {
        eprintln!("pacto-plugin-k8s: the request is larger than {MAX_REQUEST_BYTES} bytes");
        return ExitCode::from(1);
    }
    match pacto_plugin_k8s::handle(&input).and_then(|r| {
        serde_json::to_string(&r).map_err(|e| pacto_plugin_k8s::Error::Serialize {
            kind: "response".to_string(),
            reason: e.to_string(),
        })
    }) {
        Ok(json) => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            if writeln!(out, "{json}").and_then(|_| out.flush()).is_err() {
                return ExitCode::from(1);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}
