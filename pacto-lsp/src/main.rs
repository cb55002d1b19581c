//! `pacto-lsp`: the language server over stdio.

use std::process::ExitCode;

const USAGE: &str = "\
pacto-lsp: the language server for pacto.yaml (LSP over stdin/stdout; logs on stderr)

Usage: pacto-lsp [--stdio]

Options:
      --stdio    Serve over stdin/stdout (the default and only transport)
  -h, --help     Print this help
  -V, --version  Print the version
";

fn main() -> ExitCode {
    for arg in std::env::args_os().skip(1) {
        match arg.to_str() {
            Some("--stdio") => {}
            Some("-h" | "--help") => {
                print!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            Some("-V" | "--version") => {
                println!("pacto-lsp {}", env!("CARGO_PKG_VERSION"));
                return ExitCode::SUCCESS;
            }
            _ => {
                eprintln!(
                    "pacto-lsp: unexpected argument {:?}\n\n{USAGE}",
                    arg.to_string_lossy()
                );
                return ExitCode::from(2);
            }
        }
    }
    match pacto_lsp::run_stdio() {
        Ok(status) => ExitCode::from(status),
        Err(e) => {
            eprintln!("pacto-lsp: {e}");
            ExitCode::FAILURE
        }
    }
}
