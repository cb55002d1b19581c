//! OCI distribution: references, a registry client, credentials, a disk cache, and the
//! push/pull of Pacto bundles in Go Pacto's artifact format (spec §6).
//!
//! The entry point is [`Registry`]: one per process (it is `Send + Sync` and caches tag lists,
//! credentials, tokens and pulled bundles in memory), built from [`RegistryOptions`]:
//!
//! * [`Registry::pull`] / [`Registry::fetch`]: a bundle by tag, by digest (verified) or untagged
//!   (the highest semver tag, satisfying a dependency's `compatibility` when given);
//! * [`Registry::push`]: a packed bundle, tagged with its version when the ref has no tag,
//!   skipped when the tag exists unless forced;
//! * [`Registry::resolve_tag`], [`Registry::list_tags`];
//! * it implements [`crate::validate::RefResolver`] (policy refs) and [`crate::graph::Fetcher`]
//!   (dependencies), so both resolve `oci://` refs through the same caches.
//!
//! Lower layers: [`client`] (HTTP, auth challenges, bounds), [`auth`] (where credentials come
//! from), [`cache`] (content-addressed blobs, expiring tag answers), [`artifact`] (the manifest
//! and config documents), [`name`] (strict reference checks before anything reaches a URL).

pub mod artifact;
pub mod auth;
pub mod cache;
pub mod client;
pub mod error;
pub mod name;
pub mod reference;

pub use artifact::BundleMeta;
pub use auth::{Credential, DefaultKeychain, Keychain, KeychainSources};
pub use cache::Cache;
pub use client::{Client, ClientOptions, Progress, SizeLimits, Transfer};
pub use error::RegistryError;
pub use name::{Repo, Target};
pub use reference::{
    parse_dependency_ref, parse_oci_reference, DependencyRef, OciReference, RefScheme,
};

use crate::bundle::archive::{self, ArchiveLimits, Packed};
use crate::bundle::{decode_utf8, Bundle, MemBundle, CONTRACT_FILE};
use crate::version::{highest_matching, Constraint};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How a [`Registry`] behaves.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// HTTP settings; `client.plain_http` allows plain HTTP to non-loopback registries.
    pub client: ClientOptions,
    /// Use the disk cache only (expired tag answers included); never touch the network.
    pub offline: bool,
    /// Neither read nor write the disk cache.
    pub no_cache: bool,
    /// The cache directory (default `$XDG_CACHE_HOME/pacto` or `~/.cache/pacto`).
    pub cache_dir: Option<PathBuf>,
    /// Lifetime of cached tag answers (default `PACTO_CACHE_TAG_TTL` or 5 minutes).
    pub tag_ttl: Option<Duration>,
    /// Bounds on the bundle archive inside the layer.
    pub archive_limits: ArchiveLimits,
}

impl RegistryOptions {
    /// Defaults plus the environment: `PACTO_PLAIN_HTTP`, `PACTO_OFFLINE`, `PACTO_NO_CACHE`
    /// (`1` or `true`), `PACTO_REGISTRY_TIMEOUT` (seconds per registry operation, default 300)
    /// and `PACTO_REGISTRY_STALL_TIMEOUT` (seconds a connection may stall, default 60).
    pub fn from_env() -> RegistryOptions {
        let flag = |k: &str| {
            std::env::var(k)
                .map(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true"))
                .unwrap_or(false)
        };
        let mut o = RegistryOptions::default();
        o.client.plain_http = flag("PACTO_PLAIN_HTTP");
        o.offline = flag("PACTO_OFFLINE");
        o.no_cache = flag("PACTO_NO_CACHE");
        if let Some(t) = seconds_from_env("PACTO_REGISTRY_TIMEOUT") {
            o.client.operation_timeout = t;
        }
        if let Some(t) = seconds_from_env("PACTO_REGISTRY_STALL_TIMEOUT") {
            o.client.io_timeout = t;
        }
        o
    }
}

/// A positive number of seconds (fractions allowed) from the environment; unset, empty or
/// unreadable values keep the default (with a warning for unreadable ones).
fn seconds_from_env(var: &str) -> Option<Duration> {
    let v = std::env::var(var).ok()?;
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    match v.trim_end_matches('s').parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s < 1.0e9 => Some(Duration::from_secs_f64(s)),
        _ => {
            eprintln!(
                "Warning: {var}={v:?} is not a positive number of seconds; using the default"
            );
            None
        }
    }
}

/// A bundle fetched from a registry.
#[derive(Debug, Clone)]
pub struct Pulled {
    /// The bundle's files; its name (`describe`) is `oci://<resolved_ref>`.
    pub bundle: MemBundle,
    /// The text of its `pacto.yaml`.
    pub contract_text: String,
    /// The reference loaded, without `oci://`: as written when it pinned a tag or digest,
    /// with the chosen tag appended when it did not.
    pub resolved_ref: String,
    /// The manifest digest.
    pub digest: String,
    /// The layer digest.
    pub layer_digest: String,
    /// Offline mode served a tag answer older than the TTL.
    pub stale_tag: bool,
}

/// What [`Registry::push`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushResult {
    /// The tagged reference, without `oci://`.
    pub reference: String,
    /// The manifest digest (the existing one when skipped, if the registry sent it).
    pub digest: String,
    pub name: String,
    pub version: String,
    /// The tag existed and `force` was off: nothing was pushed.
    pub skipped: bool,
}

/// The registry client, cache and in-process memory of one `pacto` run.
pub struct Registry {
    client: Client,
    cache: Cache,
    offline: bool,
    archive_limits: ArchiveLimits,
    tags: Mutex<HashMap<Repo, Arc<Vec<String>>>>,
    pulled: Mutex<HashMap<String, Pulled>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("client", &self.client)
            .field("cache", &self.cache)
            .field("offline", &self.offline)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Registry {
    /// A registry with the given credentials source.
    pub fn new(options: RegistryOptions, keychain: Arc<dyn Keychain>) -> Registry {
        let cache = if options.no_cache {
            Cache::disabled()
        } else {
            let ttl = options.tag_ttl.unwrap_or_else(cache::tag_ttl_from_env);
            match options.cache_dir.clone().or_else(cache::default_cache_dir) {
                Some(dir) => Cache::new(dir, ttl),
                None => Cache::disabled(),
            }
        };
        Registry {
            client: Client::new(options.client.clone(), keychain),
            cache,
            offline: options.offline,
            archive_limits: options.archive_limits,
            tags: Mutex::new(HashMap::new()),
            pulled: Mutex::new(HashMap::new()),
        }
    }

    /// A registry using the standard keychain ([`DefaultKeychain::from_env`]).
    pub fn from_env(options: RegistryOptions) -> Registry {
        Registry::new(options, Arc::new(DefaultKeychain::from_env()))
    }

    /// Report transfers (progress bars).
    pub fn with_progress(mut self, progress: Arc<dyn Progress>) -> Registry {
        self.client = self.client.with_progress(progress);
        self
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    pub fn is_offline(&self) -> bool {
        self.offline
    }

    /// Pull a bundle (no constraint: an untagged ref takes the highest semver tag).
    pub fn pull(&self, reference: &str) -> Result<Pulled, RegistryError> {
        self.fetch(reference, None)
    }

    /// Fetch a bundle; `compatibility` narrows the tag chosen for an untagged ref (§6.4).
    pub fn fetch(
        &self,
        reference: &str,
        compatibility: Option<&Constraint>,
    ) -> Result<Pulled, RegistryError> {
        let _operation = self.client.operation();
        let target = Target::parse(reference)?;
        let target = if target.is_pinned() {
            target
        } else {
            let tag = self.resolve_tag(&target, compatibility)?;
            target.with_tag(&tag)
        };
        let key = target.canonical();
        if let Some(p) = lock(&self.pulled).get(&key) {
            let mut p = p.clone();
            p.resolved_ref = target.original.clone();
            return Ok(p);
        }
        let pulled = self.pull_target(&target)?;
        lock(&self.pulled).insert(key, pulled.clone());
        Ok(pulled)
    }

    /// [`Registry::fetch`] with the constraint as text (a dependency's `compatibility`).
    pub fn fetch_compatible(
        &self,
        reference: &str,
        compatibility: Option<&str>,
    ) -> Result<Pulled, RegistryError> {
        let constraint = match compatibility.filter(|c| !c.trim().is_empty()) {
            Some(c) => Some(Constraint::parse(c).map_err(|e| {
                RegistryError::InvalidConstraint {
                    reference: reference
                        .strip_prefix("oci://")
                        .unwrap_or(reference)
                        .to_string(),
                    constraint: c.to_string(),
                    detail: e.to_string(),
                }
            })?),
            None => None,
        };
        self.fetch(reference, constraint.as_ref())
    }

    /// Every tag of the repository of `reference` (memoised for the process).
    pub fn list_tags(&self, reference: &str) -> Result<Vec<String>, RegistryError> {
        let _operation = self.client.operation();
        let target = Target::parse(reference)?;
        Ok(self.tags_of(&target)?.as_ref().clone())
    }

    fn tags_of(&self, target: &Target) -> Result<Arc<Vec<String>>, RegistryError> {
        if let Some(t) = lock(&self.tags).get(&target.repo) {
            return Ok(t.clone());
        }
        let cached = self.cache.get_tag_list(&target.repo);
        let tags = if self.offline {
            // Offline: the last listing, however old, else the tags pulled before.
            match cached {
                Some((t, _)) => t,
                None => {
                    let t = self.cache.cached_tags(&target.repo);
                    if t.is_empty() {
                        return Err(RegistryError::NotCached {
                            reference: target.original.clone(),
                        });
                    }
                    t
                }
            }
        } else {
            match cached {
                Some((t, false)) => t,
                _ => {
                    let t = self.client.list_tags(&target.repo, &target.original)?;
                    let _ = self.cache.put_tag_list(&target.repo, &t);
                    t
                }
            }
        };
        let tags = Arc::new(tags);
        lock(&self.tags).insert(target.repo.clone(), tags.clone());
        Ok(tags)
    }

    /// The tag an untagged ref resolves to: the highest semver tag (its original text),
    /// within `constraint` when given. Offline, the tags with a cached answer are used.
    pub fn resolve_tag(
        &self,
        target: &Target,
        constraint: Option<&Constraint>,
    ) -> Result<String, RegistryError> {
        let tags = self.tags_of(target)?;
        match highest_matching(tags.iter().map(String::as_str), constraint) {
            Some((tag, _)) => Ok(tag.to_string()),
            None => match constraint {
                Some(c) => {
                    let mut semver: Vec<&str> = tags
                        .iter()
                        .map(String::as_str)
                        .filter(|t| crate::version::Version::parse(t).is_ok())
                        .collect();
                    let total = semver.len();
                    semver.truncate(20);
                    let mut available = if semver.is_empty() {
                        "none".to_string()
                    } else {
                        semver.join(", ")
                    };
                    if total > semver.len() {
                        available.push_str(&format!(", … ({total} in all)"));
                    }
                    Err(RegistryError::NoMatchingTags {
                        reference: target.original.clone(),
                        constraint: c.as_str().to_string(),
                        available,
                    })
                }
                None => Err(RegistryError::NoSemverTags {
                    reference: target.original.clone(),
                }),
            },
        }
    }

    /// Pull a pinned target through the cache. Nothing is written to the cache unless the
    /// whole artifact was fetched, verified and unpacked.
    fn pull_target(&self, target: &Target) -> Result<Pulled, RegistryError> {
        let reference = target.original.as_str();
        let limits = self.client.options().limits;
        let repo = &target.repo;
        let not_cached = || RegistryError::NotCached {
            reference: reference.to_string(),
        };
        let mut manifest: Option<(Vec<u8>, String)> = None;
        let mut new_tag: Option<(&str, String)> = None;
        let mut stale_tag = false;
        let digest = match (&target.digest, &target.tag) {
            (Some(d), _) => d.clone(),
            (None, Some(tag)) => {
                let cached = self.cache.get_tag(repo, tag);
                match cached {
                    Some(e) if self.offline || !e.expired => {
                        stale_tag = e.expired;
                        e.digest
                    }
                    _ if self.offline => return Err(not_cached()),
                    _ => {
                        let m = self.client.get_manifest(repo, tag, reference)?;
                        new_tag = Some((tag.as_str(), m.digest.clone()));
                        manifest = Some((m.bytes, m.media_type));
                        m.digest
                    }
                }
            }
            (None, None) => {
                return Err(RegistryError::InvalidReference {
                    reference: reference.to_string(),
                    reason: "no tag or digest".to_string(),
                })
            }
        };
        let (manifest_bytes, content_type) = match manifest {
            Some(m) => m,
            None => match self.cache.get_blob(&digest, limits.manifest) {
                Some(b) => (b, String::new()),
                None if self.offline => return Err(not_cached()),
                None => {
                    let m = self.client.get_manifest(repo, &digest, reference)?;
                    (m.bytes, m.media_type)
                }
            },
        };
        let layer = artifact::bundle_layer(&manifest_bytes, &content_type, reference)?;
        if layer.size > limits.layer {
            return Err(RegistryError::TooLarge {
                reference: reference.to_string(),
                what: "layer".to_string(),
                size: format!("{} bytes", layer.size),
                limit: limits.layer,
                unit: "bytes",
            });
        }
        let layer_bytes = match self.cache.get_blob(&layer.digest, limits.layer) {
            Some(b) if b.len() as u64 == layer.size => b,
            Some(_) => {
                return Err(RegistryError::InvalidArtifact {
                    reference: reference.to_string(),
                    detail: format!(
                        "the manifest announces a {}-byte layer but {} has a different size",
                        layer.size, layer.digest
                    ),
                })
            }
            None if self.offline => return Err(not_cached()),
            None => self.client.get_blob(
                repo,
                &layer.digest,
                Some(layer.size),
                limits.layer,
                "layer",
                reference,
            )?,
        };
        let name = format!("oci://{reference}");
        let bundle =
            archive::unpack_named(&layer_bytes, &self.archive_limits, &name).map_err(|e| {
                RegistryError::InvalidArtifact {
                    reference: reference.to_string(),
                    detail: e.to_string(),
                }
            })?;
        let contract_text = bundle
            .read(CONTRACT_FILE)
            .map_err(|e| RegistryError::InvalidArtifact {
                reference: reference.to_string(),
                detail: format!("bundle missing pacto.yaml: {e}"),
            })
            .and_then(|bytes| {
                decode_utf8(bytes).map_err(|offset| RegistryError::InvalidArtifact {
                    reference: reference.to_string(),
                    detail: format!(
                        "pacto.yaml is not valid UTF-8 (first bad byte at offset {offset})"
                    ),
                })
            })?;
        // Everything checked: remember it (best effort; a read-only cache is not an error).
        let _ = self.cache.put_blob(&digest, &manifest_bytes);
        let _ = self.cache.put_blob(&layer.digest, &layer_bytes);
        if let Some((tag, d)) = new_tag {
            let _ = self.cache.put_tag(repo, tag, &d);
        }
        Ok(Pulled {
            bundle,
            contract_text,
            resolved_ref: reference.to_string(),
            digest,
            layer_digest: layer.digest,
            stale_tag,
        })
    }

    /// Push a packed bundle to `reference` (tagged with `meta.version` when it has no tag).
    /// Unless `force`, an existing tag is left alone and the result says `skipped`.
    pub fn push(
        &self,
        reference: &str,
        packed: &Packed,
        meta: &BundleMeta,
        force: bool,
    ) -> Result<PushResult, RegistryError> {
        let _operation = self.client.operation();
        let target = Target::parse(reference)?;
        if target.digest.is_some() {
            return Err(RegistryError::InvalidReference {
                reference: target.original,
                reason: "a push needs a tag, not a digest".to_string(),
            });
        }
        let target = match &target.tag {
            Some(_) => target,
            None => {
                name::check_tag(&meta.version).map_err(|e| RegistryError::InvalidReference {
                    reference: target.original.clone(),
                    reason: format!("service.version cannot be used as the tag: {e}"),
                })?;
                target.with_tag(&meta.version)
            }
        };
        let reference = target.original.clone();
        let tag = target.tag.clone().unwrap_or_default();
        if self.offline {
            return Err(RegistryError::Unreachable {
                reference,
                detail: "--offline forbids network access".to_string(),
            });
        }
        let result = |digest: String, skipped: bool| PushResult {
            reference: reference.clone(),
            digest,
            name: meta.name.clone(),
            version: meta.version.clone(),
            skipped,
        };
        if !force {
            if let Some(digest) = self.client.head_manifest(&target.repo, &tag, &reference)? {
                return Ok(result(digest, true));
            }
        }
        let art = artifact::build(packed, meta);
        let repo = &target.repo;
        self.client
            .upload_blob(repo, &art.config_digest, &art.config, None, &reference)?;
        let label = format!("pushing {}", name_and_tag(&target));
        self.client.upload_blob(
            repo,
            &art.layer_digest,
            &art.layer,
            Some(&label),
            &reference,
        )?;
        let digest = self.client.put_manifest(
            repo,
            &tag,
            &art.manifest,
            client::OCI_MANIFEST,
            &reference,
        )?;
        let _ = self.cache.put_blob(&art.manifest_digest, &art.manifest);
        let _ = self.cache.put_blob(&art.layer_digest, &art.layer);
        let _ = self.cache.put_tag(repo, &tag, &digest);
        // The repository has a new tag: the cached listing no longer tells the truth.
        self.cache.drop_tag_list(repo);
        lock(&self.tags).remove(repo);
        lock(&self.pulled).remove(&target.canonical());
        Ok(result(digest, false))
    }

    /// Whether `reference` (tag or digest) exists.
    pub fn exists(&self, reference: &str) -> Result<bool, RegistryError> {
        let _operation = self.client.operation();
        let target = Target::parse(reference)?;
        let Some(r) = target.manifest_ref() else {
            return Err(RegistryError::InvalidReference {
                reference: target.original,
                reason: "no tag or digest".to_string(),
            });
        };
        Ok(self
            .client
            .head_manifest(&target.repo, r, &target.original)?
            .is_some())
    }

    /// Check that the registry answers and accepts this registry's credentials (`GET /v2/`).
    pub fn ping(&self, registry: &str) -> Result<(), RegistryError> {
        let _operation = self.client.operation();
        let target = Target::parse(&format!("{registry}/x"))?;
        self.client.ping(&target.repo, registry)
    }

    /// Drop in-memory answers (tag lists and pulled bundles), e.g. after pushes in tests.
    pub fn forget(&self) {
        lock(&self.tags).clear();
        lock(&self.pulled).clear();
    }
}

/// `repo-last-segment:tag` for progress labels.
fn name_and_tag(target: &Target) -> String {
    let last = target
        .repo
        .repository
        .rsplit('/')
        .next()
        .unwrap_or(&target.repo.repository);
    format!("{last}:{}", target.tag.as_deref().unwrap_or(""))
}

impl crate::validate::RefResolver for Registry {
    fn resolve(&self, reference: &str) -> Result<crate::validate::ResolvedBundle, String> {
        let p = self.pull(reference).map_err(|e| e.to_string())?;
        Ok(crate::validate::ResolvedBundle {
            bundle: Box::new(p.bundle),
            contract_text: p.contract_text,
        })
    }
}

impl crate::graph::Fetcher for Registry {
    fn fetch(
        &self,
        reference: &str,
        compatibility: Option<&Constraint>,
    ) -> Result<crate::graph::Fetched, String> {
        let p = Registry::fetch(self, reference, compatibility).map_err(|e| e.to_string())?;
        Ok(crate::graph::Fetched {
            bundle: Arc::new(p.bundle) as Arc<dyn Bundle>,
            contract_text: p.contract_text,
            resolved_ref: format!("oci://{}", p.resolved_ref),
        })
    }
}

/// The name [`crate::validate::RefResolver`] users look for.
pub type OciResolver = Registry;

/// Resolves the references of a pulled bundle: `oci://` through the registry; local paths
/// cannot be resolved (there is no directory to resolve them against).
struct PulledResolver<'a>(&'a Registry);

impl crate::validate::RefResolver for PulledResolver<'_> {
    fn resolve(&self, reference: &str) -> Result<crate::validate::ResolvedBundle, String> {
        match parse_dependency_ref(reference).scheme {
            RefScheme::Oci => crate::validate::RefResolver::resolve(self.0, reference),
            RefScheme::Local => Err(format!(
                "the local reference {reference:?} cannot be resolved inside a bundle pulled from a registry"
            )),
        }
    }
}

/// `pacto validate oci://…`: pull the bundle and validate it like a directory. A bundle that
/// cannot be pulled gives one `PARSE_ERROR` with path `""` (the registry error, then its hint),
/// as a directory that cannot be loaded does.
pub fn validate_oci(
    registry: &Registry,
    reference: &str,
    options: &crate::validate::Options,
) -> crate::report::FileReport {
    let pulled = match registry.pull(reference) {
        Ok(p) => p,
        Err(e) => {
            let mut d = crate::Diagnostic::error("PARSE_ERROR", "", e.to_string());
            if let Some(h) = e.hint() {
                d = d.with_help(h);
            }
            return crate::report::FileReport {
                path: reference.to_string(),
                file: None,
                line_index: None,
                diagnostics: vec![d],
            };
        }
    };
    let v = crate::validate::validate(
        &pulled.contract_text,
        Some(&pulled.bundle),
        &PulledResolver(registry),
        options,
    );
    crate::report::FileReport {
        path: reference.to_string(),
        file: Some(format!("oci://{}/{CONTRACT_FILE}", pulled.resolved_ref)),
        line_index: Some(v.parsed.line_index),
        diagnostics: v.diagnostics,
    }
}

/// [`validate_oci`] with overrides applied to the pulled contract; each problem placed in its
/// `pacto.yaml` or on the override that wrote it ([`crate::overrides::place`]).
pub fn validate_oci_with(
    registry: &Registry,
    reference: &str,
    options: &crate::validate::Options,
    overrides: &crate::overrides::Overrides,
) -> Result<crate::report::FileReport, crate::overrides::OverrideError> {
    if overrides.is_empty() {
        return Ok(validate_oci(registry, reference, options));
    }
    let pulled = match registry.pull(reference) {
        Ok(p) => p,
        Err(_) => return Ok(validate_oci(registry, reference, options)),
    };
    let applied = crate::overrides::apply(&pulled.contract_text, overrides)?;
    let v = crate::validate::validate(
        &applied.text,
        Some(&pulled.bundle),
        &PulledResolver(registry),
        options,
    );
    Ok(crate::report::FileReport {
        path: reference.to_string(),
        file: Some(format!("oci://{}/{CONTRACT_FILE}", pulled.resolved_ref)),
        line_index: Some(crate::syntax::LineIndex::new(&pulled.contract_text)),
        diagnostics: crate::overrides::place(v.diagnostics, &applied, &pulled.contract_text),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_shareable_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Registry>();
        assert_send_sync::<Client>();
        assert_send_sync::<Pulled>();
    }
}
