//! The real registry from `scripts/test-infra`, for the dashboard's tests (shared by `api.rs`
//! and `kube.rs`).

use pacto_core::registry::{auth::Anonymous, Registry, RegistryOptions};
use std::path::Path;
use std::sync::Arc;

/// The registry's `host:port`, or `None` (with the reason on stderr) when the infrastructure is
/// not running; under `CI` a missing registry is a failure, never a skip.
pub fn registry_or_skip(test: &str) -> Option<String> {
    match std::env::var("PACTO_TEST_REGISTRY") {
        Ok(v) if !v.is_empty() => Some(v),
        _ if std::env::var_os("CI").is_some() => panic!("PACTO_TEST_REGISTRY is not set"),
        _ => {
            eprintln!(
                "skipping {test}: PACTO_TEST_REGISTRY is not set (run `scripts/test-infra start`, then `eval \"$(scripts/test-infra env)\"`)"
            );
            None
        }
    }
}

/// A repository prefix no other run uses: `<reg>/<area>/<pid>-<nanos>`.
pub fn unique_prefix(reg: &str, area: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{reg}/{area}/{}-{}",
        std::process::id(),
        nanos % 1_000_000_000
    )
}

/// An anonymous client caching under `cache`.
pub fn anonymous_registry(cache: &Path) -> Arc<Registry> {
    Arc::new(Registry::new(
        RegistryOptions {
            cache_dir: Some(cache.to_path_buf()),
            ..RegistryOptions::default()
        },
        Arc::new(Anonymous),
    ))
}
