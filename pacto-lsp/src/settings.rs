//! Server settings: read from `initializationOptions`, then from `workspace/configuration`
//! (section `"pacto"`) after `initialized` when the client supports it, and refreshed on
//! `workspace/didChangeConfiguration`.
//!
//! Every source may give the settings object itself or wrap it as `{"pacto": {...}}`. Keys are
//! camelCase. A key with a value of the wrong type is ignored (and logged), the other keys still
//! apply. Later sources override earlier ones key by key: defaults, then `initializationOptions`,
//! then the latest `workspace/configuration` answer or `didChangeConfiguration` payload.
//!
//! ```json
//! { "pacto": { "repository": "oci://ghcr.io/acme/payments",
//!              "offline": false, "plainHttp": false, "registryTimeoutMs": 5000,
//!              "cacheDir": null, "diffDiagnostics": true } }
//! ```

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The configuration section name (`workspace/configuration`, `initializationOptions`).
pub const SECTION: &str = "pacto";

/// What the user configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// The OCI repository this contract is published to (`oci://host/path`), used to find the
    /// highest published version for the breaking-change code lens. Unset: no lens.
    pub repository: Option<String>,
    /// Never touch the network: registry-backed hover, completion, lenses and hints stay empty.
    pub offline: bool,
    /// Talk plain HTTP to registries (local test registries only).
    pub plain_http: bool,
    /// Time limit for one registry request, in milliseconds.
    pub registry_timeout_ms: u64,
    /// The pacto cache directory (default: `$XDG_CACHE_HOME/pacto` or `~/.cache/pacto`, shared
    /// with the CLI, so what `pacto pull`/`graph` fetched is known to the editor).
    pub cache_dir: Option<std::path::PathBuf>,
    /// Show each breaking or potentially breaking change against the published version (see
    /// `repository`) as a diagnostic on the line that made it (source `pacto diff`).
    pub diff_diagnostics: bool,
}

/// Default for [`Settings::registry_timeout_ms`].
pub const DEFAULT_REGISTRY_TIMEOUT_MS: u64 = 5_000;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            repository: None,
            offline: false,
            plain_http: false,
            registry_timeout_ms: DEFAULT_REGISTRY_TIMEOUT_MS,
            cache_dir: None,
            diff_diagnostics: true,
        }
    }
}

/// Where the settings came from, to recompute them when one source changes.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// The `initializationOptions` settings object (unwrapped).
    pub init: Option<Value>,
    /// The latest `workspace/configuration` / `didChangeConfiguration` object (unwrapped).
    pub workspace: Option<Value>,
}

impl Sources {
    /// Defaults, overridden by `init`, overridden by `workspace`.
    pub fn settings(&self) -> Settings {
        let mut s = Settings::default();
        for source in [&self.init, &self.workspace].into_iter().flatten() {
            s.apply(source);
        }
        s
    }
}

/// The settings object inside `value`: `value["pacto"]` when it is an object, else `value`
/// itself when it is an object; `None` for null and other shapes.
pub fn unwrap_section(value: &Value) -> Option<Value> {
    let obj = value.as_object()?;
    match obj.get(SECTION) {
        Some(inner @ Value::Object(_)) => Some(inner.clone()),
        Some(_) => None,
        None => Some(value.clone()),
    }
}

impl Settings {
    /// Override the keys present in `obj` (an unwrapped settings object).
    pub fn apply(&mut self, obj: &Value) {
        let Some(map) = obj.as_object() else {
            return;
        };
        for (key, v) in map {
            let ok = match key.as_str() {
                "repository" => match v {
                    Value::Null => {
                        self.repository = None;
                        true
                    }
                    Value::String(s) if s.trim().is_empty() => {
                        self.repository = None;
                        true
                    }
                    Value::String(s) => {
                        self.repository = Some(s.trim().to_string());
                        true
                    }
                    _ => false,
                },
                "cacheDir" => match v {
                    Value::Null => {
                        self.cache_dir = None;
                        true
                    }
                    Value::String(s) if !s.trim().is_empty() => {
                        self.cache_dir = Some(s.trim().into());
                        true
                    }
                    _ => false,
                },
                "offline" => set(&mut self.offline, v.as_bool()),
                "plainHttp" => set(&mut self.plain_http, v.as_bool()),
                "diffDiagnostics" => set(&mut self.diff_diagnostics, v.as_bool()),
                "registryTimeoutMs" => set(
                    &mut self.registry_timeout_ms,
                    v.as_u64().filter(|ms| (1..=600_000).contains(ms)),
                ),
                _ => true,
            };
            if !ok {
                crate::log(&format!(
                    "ignoring setting {SECTION}.{key}: invalid value {v}"
                ));
            }
        }
    }
}

fn set<T>(slot: &mut T, v: Option<T>) -> bool {
    match v {
        Some(v) => {
            *slot = v;
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sources_layer_key_by_key_and_skip_bad_values() {
        let mut src = Sources {
            init: unwrap_section(&json!({"pacto": {"repository": "oci://r/a", "offline": true}})),
            workspace: None,
        };
        assert_eq!(
            src.settings(),
            Settings {
                repository: Some("oci://r/a".into()),
                offline: true,
                ..Settings::default()
            }
        );
        src.workspace =
            unwrap_section(&json!({"plainHttp": true, "offline": "yes", "registryTimeoutMs": 250}));
        assert_eq!(
            src.settings(),
            Settings {
                repository: Some("oci://r/a".into()),
                offline: true,
                plain_http: true,
                registry_timeout_ms: 250,
                cache_dir: None,
                diff_diagnostics: true,
            }
        );
        assert_eq!(unwrap_section(&json!(null)), None);
        assert_eq!(unwrap_section(&json!({"pacto": 3})), None);
    }

    #[test]
    fn serde_shape_is_camel_case() {
        let s: Settings = serde_json::from_value(json!({"plainHttp": true})).expect("deserialize");
        assert!(s.plain_http);
        assert_eq!(s.registry_timeout_ms, DEFAULT_REGISTRY_TIMEOUT_MS);
        assert_eq!(
            serde_json::to_value(Settings::default()).expect("serialize"),
            json!({"repository": null, "offline": false, "plainHttp": false, "registryTimeoutMs": 5000, "cacheDir": null, "diffDiagnostics": true})
        );
    }
}
