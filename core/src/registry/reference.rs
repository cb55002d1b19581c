//! References to bundles: `oci://host/repo[:tag][@digest]`, `file://path` or a bare path.
//!
//! [`parse_oci_reference`] is Go Pacto's `ParseOCIReference` (BASE): lenient about the tag and the
//! digest, strict about `registry/repository`. Its error texts are Go's, because validation
//! messages embed them.

use std::fmt;

/// Where a dependency, configuration, policy or chart reference points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefScheme {
    Oci,
    Local,
}

/// A parsed `ParseDependencyRef` result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyRef {
    pub scheme: RefScheme,
    /// Without the `oci://` or `file://` prefix.
    pub location: String,
}

/// `oci://…` is OCI, `file://…` and anything else is a local path.
pub fn parse_dependency_ref(raw: &str) -> DependencyRef {
    if let Some(rest) = raw.strip_prefix("oci://") {
        DependencyRef {
            scheme: RefScheme::Oci,
            location: rest.to_string(),
        }
    } else if let Some(rest) = raw.strip_prefix("file://") {
        DependencyRef {
            scheme: RefScheme::Local,
            location: rest.to_string(),
        }
    } else {
        DependencyRef {
            scheme: RefScheme::Local,
            location: raw.to_string(),
        }
    }
}

/// `registry/repository[:tag][@digest]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OciReference {
    pub registry: String,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl fmt::Display for OciReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OciRefError {
    #[error("empty OCI reference")]
    Empty,
    #[error("invalid OCI reference: missing repository in {0:?}")]
    MissingRepository(String),
    #[error("invalid OCI reference: empty registry in {0:?}")]
    EmptyRegistry(String),
    #[error("invalid OCI reference: empty repository in {0:?}")]
    EmptyRepository(String),
}

/// Go Pacto's `ParseOCIReference`: everything after the first `@` is the digest (unchecked); a
/// `:` after the last `/` starts the tag (unchecked); the rest must be `registry/repository`.
pub fn parse_oci_reference(s: &str) -> Result<OciReference, OciRefError> {
    if s.is_empty() {
        return Err(OciRefError::Empty);
    }
    let (rest, digest) = match s.split_once('@') {
        Some((r, d)) => (r, Some(d.to_string())),
        None => (s, None),
    };
    let (name, tag) = match (rest.rfind(':'), rest.rfind('/')) {
        (Some(c), Some(sl)) if c > sl => (&rest[..c], Some(rest[c + 1..].to_string())),
        (Some(c), None) => (&rest[..c], Some(rest[c + 1..].to_string())),
        _ => (rest, None),
    };
    let Some((registry, repository)) = name.split_once('/') else {
        return Err(OciRefError::MissingRepository(s.to_string()));
    };
    if registry.is_empty() {
        return Err(OciRefError::EmptyRegistry(s.to_string()));
    }
    if repository.is_empty() {
        return Err(OciRefError::EmptyRepository(s.to_string()));
    }
    Ok(OciReference {
        registry: registry.to_string(),
        repository: repository.to_string(),
        tag,
        digest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oci_references_parse_like_go() {
        let r = parse_oci_reference("ghcr.io/org/svc:1.0@sha256:abc").unwrap();
        assert_eq!(r.registry, "ghcr.io");
        assert_eq!(r.repository, "org/svc");
        assert_eq!(r.tag.as_deref(), Some("1.0"));
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
        let r = parse_oci_reference("host:5000/repo:1.0").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.tag.as_deref()),
            ("host:5000", Some("1.0"))
        );
        let r = parse_oci_reference("host:5000/repo").unwrap();
        assert_eq!(r.tag, None);
        assert!(parse_oci_reference("ghcr.io/x@sha256:abc123def456").is_ok());
        assert_eq!(
            parse_oci_reference("redis:7").unwrap_err().to_string(),
            "invalid OCI reference: missing repository in \"redis:7\""
        );
        assert_eq!(
            parse_oci_reference("ghcr.io").unwrap_err().to_string(),
            "invalid OCI reference: missing repository in \"ghcr.io\""
        );
        assert_eq!(parse_oci_reference("").unwrap_err(), OciRefError::Empty);
        assert!(matches!(
            parse_oci_reference("/repo"),
            Err(OciRefError::EmptyRegistry(_))
        ));
        assert!(matches!(
            parse_oci_reference("host/"),
            Err(OciRefError::EmptyRepository(_))
        ));
    }

    #[test]
    fn dependency_refs_split_scheme() {
        assert_eq!(parse_dependency_ref("oci://a/b").scheme, RefScheme::Oci);
        assert_eq!(parse_dependency_ref("file://../x").location, "../x");
        assert_eq!(parse_dependency_ref("../x").scheme, RefScheme::Local);
    }
}
