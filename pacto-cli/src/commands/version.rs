//! `pacto version`: Go Pacto's four fields (version, git commit, build date, OS/arch), as text
//! (Go's aligned lines) or JSON. The commit and the date are stamped at compile time by
//! `scripts/release` through `PACTO_GIT_COMMIT` and `PACTO_BUILD_DATE` (and the version through
//! `PACTO_BUILD_VERSION`, a release tag); a plain `cargo build` reports `unknown`, so the output
//! of a development build never depends on the clock or the checkout.

use pacto_core::report::OutputFormat;
use std::io::Write;
use std::process::ExitCode;

/// What `pacto version` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    pub version: &'static str,
    pub commit: &'static str,
    pub build_date: &'static str,
    /// `os/arch` with Go's names (`linux/amd64`, `darwin/arm64`, `windows/amd64`).
    pub platform: String,
}

/// A compile-time value, `unknown` when unset or empty.
fn stamped(value: Option<&'static str>) -> &'static str {
    value.filter(|v| !v.trim().is_empty()).unwrap_or("unknown")
}

impl Info {
    pub fn current() -> Info {
        Info {
            version: option_env!("PACTO_BUILD_VERSION")
                .filter(|v| !v.trim().is_empty())
                .unwrap_or(env!("CARGO_PKG_VERSION")),
            commit: stamped(option_env!("PACTO_GIT_COMMIT")),
            build_date: stamped(option_env!("PACTO_BUILD_DATE")),
            platform: format!(
                "{}/{}",
                go_os(std::env::consts::OS),
                go_arch(std::env::consts::ARCH)
            ),
        }
    }
}

/// Rust's `std::env::consts::OS` in Go's `GOOS` vocabulary.
pub fn go_os(os: &str) -> &str {
    match os {
        "macos" => "darwin",
        other => other,
    }
}

/// Rust's `std::env::consts::ARCH` in Go's `GOARCH` vocabulary.
pub fn go_arch(arch: &str) -> &str {
    match arch {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64",
        other => other,
    }
}

pub fn run(format: OutputFormat) -> anyhow::Result<ExitCode> {
    let info = Info::current();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        OutputFormat::Json => {
            let value = serde_json::json!({
                "Version": info.version,
                "GitCommit": info.commit,
                "BuildDate": info.build_date,
                "Platform": info.platform,
            });
            serde_json::to_writer_pretty(&mut out, &value)?;
            writeln!(out)?;
        }
        _ => {
            // Go's labels, padded to the same column.
            writeln!(out, "Pacto:                {}", info.version)?;
            writeln!(out, "Git Commit:           {}", info.commit)?;
            writeln!(out, "Build Date:           {}", info.build_date)?;
            writeln!(out, "OS/Arch:              {}", info.platform)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_names() {
        assert_eq!(go_os("macos"), "darwin");
        assert_eq!(go_os("linux"), "linux");
        assert_eq!(go_os("windows"), "windows");
        assert_eq!(go_arch("x86_64"), "amd64");
        assert_eq!(go_arch("aarch64"), "arm64");
    }

    #[test]
    fn unstamped_is_unknown() {
        assert_eq!(stamped(None), "unknown");
        assert_eq!(stamped(Some("  ")), "unknown");
        assert_eq!(stamped(Some("abc123")), "abc123");
    }
}
