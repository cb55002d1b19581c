//! `pacto-lsp`: the language server over stdio.

fn main() -> std::process::ExitCode {
    match pacto_lsp::run_stdio() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pacto-lsp: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
