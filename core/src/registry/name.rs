//! Registry addressing: from a Pacto reference to the registry host, repository, tag and digest
//! that go into request URLs.
//!
//! [`super::parse_oci_reference`] is Go Pacto's lenient validator. Before a reference reaches a
//! URL it is normalised the way go-containerregistry does it (a first segment without `.` or `:`
//! that is not `localhost` means Docker Hub) and checked strictly: repository components are
//! lowercase `[a-z0-9]+([._-][a-z0-9]+)*`, tags `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`, digests
//! `sha256:<64 lowercase hex>`. Nothing else can reach a URL or a cache path.

use super::error::RegistryError;
use super::reference::parse_oci_reference;
use std::fmt;
use std::net::IpAddr;

/// Docker Hub's canonical registry name (the key in credential stores).
pub const DOCKER_HUB: &str = "index.docker.io";
/// The host that serves Docker Hub's registry API.
const DOCKER_HUB_API: &str = "registry-1.docker.io";

/// A repository in a registry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Repo {
    /// Registry name as written (after Docker Hub normalisation), e.g. `127.0.0.1:5000`,
    /// `ghcr.io`, `index.docker.io`. Used for credentials and cache keys.
    pub registry: String,
    /// Repository path, e.g. `acme/svc`.
    pub repository: String,
}

impl Repo {
    /// The host (with port) that serves the API.
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB {
            DOCKER_HUB_API
        } else {
            &self.registry
        }
    }
}

impl fmt::Display for Repo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)
    }
}

/// A parsed, checked reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub repo: Repo,
    pub tag: Option<String>,
    pub digest: Option<String>,
    /// The reference as given, without `oci://`, for messages.
    pub original: String,
}

impl Target {
    /// Parse `oci://host/repo[:tag][@sha256:…]` (the `oci://` is optional).
    pub fn parse(reference: &str) -> Result<Target, RegistryError> {
        let original = reference
            .strip_prefix("oci://")
            .unwrap_or(reference)
            .to_string();
        let invalid = |reason: String| RegistryError::InvalidReference {
            reference: original.clone(),
            reason,
        };
        let r = parse_oci_reference(&original).map_err(|e| invalid(e.to_string()))?;
        let (registry, repository) = normalize(&r.registry, &r.repository);
        check_registry(&registry).map_err(invalid)?;
        check_repository(&repository).map_err(invalid)?;
        if let Some(t) = &r.tag {
            check_tag(t).map_err(invalid)?;
        }
        if let Some(d) = &r.digest {
            check_digest(d).map_err(invalid)?;
        }
        Ok(Target {
            repo: Repo {
                registry,
                repository,
            },
            tag: r.tag,
            digest: r.digest,
            original,
        })
    }

    /// Whether the reference pins a tag or a digest (Go: `@` present or `:` after the last `/`).
    pub fn is_pinned(&self) -> bool {
        self.tag.is_some() || self.digest.is_some()
    }

    /// The manifest reference to request: the digest when there is one, else the tag.
    pub fn manifest_ref(&self) -> Option<&str> {
        self.digest.as_deref().or(self.tag.as_deref())
    }

    /// The same repository with `tag` (and no digest).
    pub fn with_tag(&self, tag: &str) -> Target {
        Target {
            repo: self.repo.clone(),
            tag: Some(tag.to_string()),
            digest: None,
            original: format!("{}:{tag}", self.original),
        }
    }

    /// `registry/repo[:tag][@digest]`, normalised.
    pub fn canonical(&self) -> String {
        let mut s = self.repo.to_string();
        if let Some(t) = &self.tag {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = &self.digest {
            s.push('@');
            s.push_str(d);
        }
        s
    }
}

/// go-containerregistry's defaulting: `foo/bar` is Docker Hub's `foo/bar`, `docker.io/x` is
/// `index.docker.io/library/x`.
fn normalize(registry: &str, repository: &str) -> (String, String) {
    let hub = registry == "docker.io"
        || registry == DOCKER_HUB
        || registry == DOCKER_HUB_API
        || (!registry.contains('.') && !registry.contains(':') && registry != "localhost");
    if !hub {
        return (registry.to_string(), repository.to_string());
    }
    let repository = if registry.contains('.') {
        repository.to_string()
    } else {
        format!("{registry}/{repository}")
    };
    let repository = if repository.contains('/') {
        repository
    } else {
        format!("library/{repository}")
    };
    (DOCKER_HUB.to_string(), repository)
}

fn check_registry(registry: &str) -> Result<(), String> {
    let ok = registry
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'[')
        && registry.len() <= 255
        && registry
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(format!("{registry:?} is not a registry host[:port]"))
    }
}

fn check_repository(repository: &str) -> Result<(), String> {
    let component_ok = |c: &str| {
        let b = c.as_bytes();
        !b.is_empty()
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter()
                .all(|&x| x.is_ascii_lowercase() || x.is_ascii_digit() || b"._-".contains(&x))
    };
    if repository.len() <= 255 && repository.split('/').all(component_ok) {
        Ok(())
    } else {
        Err(format!(
            "repository {repository:?} must be lowercase path components of letters, digits and . _ -"
        ))
    }
}

/// `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`.
pub fn check_tag(tag: &str) -> Result<(), String> {
    let b = tag.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter()
            .all(|&x| x.is_ascii_alphanumeric() || b"._-".contains(&x));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "tag {tag:?} must match [A-Za-z0-9_][A-Za-z0-9._-]{{0,127}}"
        ))
    }
}

/// `sha256:<64 lowercase hex>`; other algorithms are refused because they cannot be verified.
pub fn check_digest(digest: &str) -> Result<(), String> {
    match digest.split_once(':') {
        Some(("sha256", hex)) if is_sha256_hex(hex) => Ok(()),
        Some(("sha256", _)) => Err(format!(
            "digest {digest:?} must be sha256: followed by 64 lowercase hex digits"
        )),
        Some((alg, _)) => Err(format!(
            "digest algorithm {alg:?} is not supported (only sha256 can be verified)"
        )),
        None => Err(format!("digest {digest:?} has no algorithm (sha256:…)")),
    }
}

pub(crate) fn is_sha256_hex(hex: &str) -> bool {
    hex.len() == 64
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The host part of `host[:port]` / `[v6]:port`.
fn host_of(registry: &str) -> &str {
    if let Some(rest) = registry.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match registry.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) && !h.contains(':') => h,
        _ => registry,
    }
}

/// Loopback hosts (`localhost`, 127.0.0.0/8, ::1): served over plain HTTP and never through
/// a proxy. Every other registry uses HTTPS unless `--plain-http` is given.
pub fn is_loopback(registry: &str) -> bool {
    let host = host_of(registry);
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_normalised_and_checked() {
        let t = Target::parse("oci://127.0.0.1:5000/acme/svc:1.0.0").unwrap();
        assert_eq!(t.repo.registry, "127.0.0.1:5000");
        assert_eq!(t.repo.repository, "acme/svc");
        assert_eq!(t.tag.as_deref(), Some("1.0.0"));
        assert!(t.is_pinned());
        let t = Target::parse("foo/bar").unwrap();
        assert_eq!(
            (t.repo.registry.as_str(), t.repo.repository.as_str()),
            (DOCKER_HUB, "foo/bar")
        );
        assert_eq!(t.repo.api_host(), "registry-1.docker.io");
        let t = Target::parse("docker.io/redis").unwrap();
        assert_eq!(t.repo.repository, "library/redis");
        assert!(!Target::parse("localhost:5000/x").unwrap().is_pinned());
        let d = format!("sha256:{}", "a".repeat(64));
        let t = Target::parse(&format!("ghcr.io/a/b:1@{d}")).unwrap();
        assert_eq!(t.manifest_ref(), Some(d.as_str()));
        for bad in [
            "ghcr.io/A/b",
            "ghcr.io/a/../b",
            "ghcr.io/a/b:bad tag",
            "ghcr.io/a/b@sha256:abc",
            "ghcr.io/a/b@md5:abc",
            "ghcr.io/a?x/b",
            "ghcr.io/a/b?x=1",
            "../repo:1",
            ".x/repo:1",
        ] {
            assert!(
                matches!(
                    Target::parse(bad),
                    Err(RegistryError::InvalidReference { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn loopback_detection() {
        for yes in [
            "localhost:5000",
            "127.0.0.1:55000",
            "127.1.2.3",
            "[::1]:5000",
        ] {
            assert!(is_loopback(yes), "{yes}");
        }
        for no in [
            "ghcr.io",
            "192.168.1.2:5000",
            "10.0.0.1",
            "localhost.evil.com",
        ] {
            assert!(!is_loopback(no), "{no}");
        }
    }
}
