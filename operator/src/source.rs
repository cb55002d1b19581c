//! Where contracts come from: `contractRef.inline`, or `contractRef.oci` through the core's
//! [`Registry`] (digest, tag, or the highest semver tag), with the credentials of a pull secret.

use crate::crd::{ContractRef, ResolutionPolicy};
use base64::Engine;
use k8s_openapi::api::core::v1::Secret;
use pacto_core::bundle::MemBundle;
use pacto_core::registry::auth::Static;
use pacto_core::registry::{Credential, Registry, RegistryError, RegistryOptions, Target};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A contract fetched from a registry.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub text: String,
    pub bundle: Option<MemBundle>,
    /// The reference loaded (with the chosen tag), without `oci://`.
    pub resolved_ref: String,
    pub digest: String,
}

/// Fetches contracts by OCI reference. The reconciler only sees this trait, so tests can hand it
/// an in-memory source; [`RegistrySource`] is the real one.
pub trait Source: Send + Sync + 'static {
    /// Fetch `reference` (no tag: the highest semver tag). Blocking: called on a blocking thread.
    fn fetch(
        &self,
        reference: &str,
        credential: Option<&Credential>,
    ) -> Result<Fetched, RegistryError>;
    /// The semver tags of the repository of `reference`, in any order.
    fn tags(
        &self,
        reference: &str,
        credential: Option<&Credential>,
    ) -> Result<Vec<String>, RegistryError>;
}

/// The core registry client. One shared [`Registry`] (default keychain: `PACTO_REGISTRY_*`,
/// pacto and Docker config) whose in-memory tag lists are dropped every `tag_ttl`; a fresh one
/// for each reconcile that brings its own pull secret.
pub struct RegistrySource {
    options: RegistryOptions,
    tag_ttl: Duration,
    shared: Mutex<(Arc<Registry>, Instant)>,
}

impl RegistrySource {
    pub fn new(options: RegistryOptions, tag_ttl: Duration) -> RegistrySource {
        let shared = Arc::new(Registry::from_env(options.clone()));
        RegistrySource {
            options,
            tag_ttl,
            shared: Mutex::new((shared, Instant::now())),
        }
    }

    fn registry(&self, credential: Option<&Credential>) -> Arc<Registry> {
        if let Some(c) = credential {
            let mut o = self.options.clone();
            o.no_cache = true;
            return Arc::new(Registry::new(o, Arc::new(Static(c.clone()))));
        }
        let mut g = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        if g.1.elapsed() >= self.tag_ttl {
            g.0.forget();
            g.1 = Instant::now();
        }
        g.0.clone()
    }
}

impl Source for RegistrySource {
    fn fetch(
        &self,
        reference: &str,
        credential: Option<&Credential>,
    ) -> Result<Fetched, RegistryError> {
        let p = self.registry(credential).pull(reference)?;
        Ok(Fetched {
            text: p.contract_text,
            bundle: Some(p.bundle),
            resolved_ref: p.resolved_ref,
            digest: p.digest,
        })
    }

    fn tags(
        &self,
        reference: &str,
        credential: Option<&Credential>,
    ) -> Result<Vec<String>, RegistryError> {
        let tags = self.registry(credential).list_tags(reference)?;
        Ok(tags
            .into_iter()
            .filter(|t| pacto_core::version::Version::parse(t).is_ok())
            .collect())
    }
}

impl std::fmt::Debug for RegistrySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistrySource").finish_non_exhaustive()
    }
}

/// `contractRef.oci` as the registry client wants it: `oci://` stripped, URL-encoding decoded.
pub fn normalize_oci(raw: &str) -> String {
    let r = raw.trim();
    let r = r.strip_prefix("oci://").unwrap_or(r);
    percent_decode(r)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// Which OCI reference shape a Pacto uses; `None` for inline contracts.
pub fn resolution_policy(contract_ref: &ContractRef) -> Option<ResolutionPolicy> {
    if contract_ref
        .inline
        .as_deref()
        .is_some_and(|s| !s.is_empty())
    {
        return None;
    }
    let oci = normalize_oci(contract_ref.oci.as_deref()?);
    if oci.is_empty() {
        return None;
    }
    let last = oci.rsplit('/').next().unwrap_or("");
    Some(if oci.contains('@') {
        ResolutionPolicy::PinnedDigest
    } else if last.contains(':') {
        ResolutionPolicy::PinnedTag
    } else {
        ResolutionPolicy::Latest
    })
}

/// Why a pull secret cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("pull secret {0} not found")]
    NotFound(String),
    #[error("pull secret {name}: {reason}")]
    Invalid { name: String, reason: String },
}

fn data(secret: &Secret, key: &str) -> Option<String> {
    if let Some(v) = secret.data.as_ref().and_then(|d| d.get(key)) {
        return String::from_utf8(v.0.clone()).ok();
    }
    secret
        .string_data
        .as_ref()
        .and_then(|d| d.get(key))
        .cloned()
}

/// The registry host of `reference` as credential stores key it (`docker.io` → `index.docker.io`).
pub fn registry_host(reference: &str) -> Option<String> {
    Target::parse(&normalize_oci(reference))
        .ok()
        .map(|t| t.repo.registry)
}

/// `https://host/v1/` → `host`; `docker.io` → `index.docker.io`.
fn normalize_host(key: &str) -> String {
    let k = key
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let k = k.split('/').next().unwrap_or(k);
    match k {
        "docker.io" | "registry-1.docker.io" => "index.docker.io".to_string(),
        _ => k.to_string(),
    }
}

/// The credential a pull secret gives for `reference`: Opaque `token` (bearer, first), Opaque
/// `username`+`password`, or a `kubernetes.io/dockerconfigjson` entry chosen by registry host
/// (`username`/`password` win over `auth`).
pub fn credential_from_secret(secret: &Secret, reference: &str) -> Result<Credential, SecretError> {
    let name = secret.metadata.name.clone().unwrap_or_default();
    let invalid = |reason: &str| SecretError::Invalid {
        name: name.clone(),
        reason: reason.to_string(),
    };
    if secret.type_.as_deref() == Some("kubernetes.io/dockerconfigjson") {
        let raw =
            data(secret, ".dockerconfigjson").ok_or_else(|| invalid("no .dockerconfigjson key"))?;
        let json: serde_json::Value = serde_json::from_str(&raw)
            .map_err(|e| invalid(&format!("bad .dockerconfigjson: {e}")))?;
        let host = registry_host(reference)
            .ok_or_else(|| invalid("the contract reference has no registry host"))?;
        let auths = json
            .get("auths")
            .and_then(|a| a.as_object())
            .ok_or_else(|| invalid("no auths in .dockerconfigjson"))?;
        let mut keys: Vec<&String> = auths.keys().collect();
        keys.sort();
        let entry = keys
            .into_iter()
            .find(|k| normalize_host(k) == host)
            .and_then(|k| auths.get(k))
            .ok_or_else(|| invalid(&format!("no entry for registry {host}")))?;
        let field = |k: &str| {
            entry
                .get(k)
                .and_then(|v| v.as_str())
                .filter(|v| !v.is_empty())
        };
        if let (Some(u), Some(p)) = (field("username"), field("password")) {
            return Ok(Credential::Basic {
                username: u.to_string(),
                password: p.to_string(),
            });
        }
        if let Some(a) = field("auth") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(a)
                .map_err(|_| invalid("auth is not base64"))?;
            let decoded = String::from_utf8(decoded).map_err(|_| invalid("auth is not UTF-8"))?;
            let (u, p) = decoded
                .split_once(':')
                .ok_or_else(|| invalid("auth is not user:password"))?;
            return Ok(Credential::Basic {
                username: u.to_string(),
                password: p.to_string(),
            });
        }
        return Err(invalid(&format!("the entry for {host} has no credentials")));
    }
    if let Some(t) = data(secret, "token").filter(|t| !t.is_empty()) {
        return Ok(Credential::RegistryToken(t));
    }
    match (data(secret, "username"), data(secret, "password")) {
        (Some(u), Some(p)) if !u.is_empty() => Ok(Credential::Basic {
            username: u,
            password: p,
        }),
        _ => Err(invalid(
            "expected a token, username and password, or a kubernetes.io/dockerconfigjson secret",
        )),
    }
}

/// Registry errors that say nothing about the contract: the registry could not be asked.
pub fn is_transient(e: &RegistryError) -> bool {
    matches!(
        e,
        RegistryError::Unreachable { .. }
            | RegistryError::Truncated { .. }
            | RegistryError::Cache { .. }
            | RegistryError::NotCached { .. }
            | RegistryError::Auth { .. }
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use k8s_openapi::ByteString;
    use std::collections::BTreeMap;

    fn secret(type_: Option<&str>, kv: &[(&str, &str)]) -> Secret {
        Secret {
            metadata: kube::api::ObjectMeta {
                name: Some("creds".into()),
                ..Default::default()
            },
            type_: type_.map(str::to_string),
            data: Some(
                kv.iter()
                    .map(|(k, v)| (k.to_string(), ByteString(v.as_bytes().to_vec())))
                    .collect::<BTreeMap<_, _>>(),
            ),
            ..Default::default()
        }
    }

    #[test]
    fn the_three_secret_shapes() {
        let r = "ghcr.io/acme/svc";
        assert_eq!(
            credential_from_secret(
                &secret(
                    None,
                    &[("token", "t"), ("username", "u"), ("password", "p")]
                ),
                r
            )
            .unwrap(),
            Credential::RegistryToken("t".into())
        );
        assert_eq!(
            credential_from_secret(
                &secret(Some("Opaque"), &[("username", "u"), ("password", "p")]),
                r
            )
            .unwrap(),
            Credential::Basic {
                username: "u".into(),
                password: "p".into()
            }
        );
        let auth = base64::engine::general_purpose::STANDARD.encode("a:b");
        let cfg = format!(
            r#"{{"auths":{{"https://ghcr.io/v2/":{{"auth":"{auth}"}},"docker.io":{{"username":"hub","password":"x"}}}}}}"#
        );
        let s = secret(
            Some("kubernetes.io/dockerconfigjson"),
            &[(".dockerconfigjson", &cfg)],
        );
        assert_eq!(
            credential_from_secret(&s, r).unwrap(),
            Credential::Basic {
                username: "a".into(),
                password: "b".into()
            }
        );
        assert_eq!(
            credential_from_secret(&s, "docker.io/acme/svc:1.0.0").unwrap(),
            Credential::Basic {
                username: "hub".into(),
                password: "x".into()
            }
        );
        assert!(credential_from_secret(&s, "quay.io/acme/svc").is_err());
        assert!(credential_from_secret(&secret(None, &[("password", "p")]), r).is_err());
    }

    #[test]
    fn resolution_policies_and_normalisation() {
        let p = |oci: &str| {
            resolution_policy(&ContractRef {
                oci: Some(oci.into()),
                ..Default::default()
            })
        };
        assert_eq!(p("oci://ghcr.io/org/svc"), Some(ResolutionPolicy::Latest));
        assert_eq!(p("localhost:5000/org/svc"), Some(ResolutionPolicy::Latest));
        assert_eq!(
            p("ghcr.io/org/svc:1.2.3"),
            Some(ResolutionPolicy::PinnedTag)
        );
        assert_eq!(
            p(&format!("ghcr.io/org/svc@sha256:{}", "a".repeat(64))),
            Some(ResolutionPolicy::PinnedDigest)
        );
        assert_eq!(
            normalize_oci("oci://ghcr.io/org/svc%3A1.0.0"),
            "ghcr.io/org/svc:1.0.0"
        );
        assert_eq!(
            resolution_policy(&ContractRef {
                oci: Some("ghcr.io/x".into()),
                inline: Some("a: b".into()),
                ..Default::default()
            }),
            None
        );
    }
}
