//! Registry errors. The first three texts are Go Pacto's (§6.3) and are matched by users' scripts;
//! the others are ours. Every message names the reference it is about, and [`RegistryError::hint`]
//! says what to do when the message itself does not.

/// Everything that can go wrong while talking to a registry or its cache.
///
/// `reference` is always the reference as the user wrote it, without `oci://` (with the tag
/// that was resolved for it, when one was).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// The reference cannot be used to address a registry.
    #[error("invalid OCI reference {reference:?}: {reason}")]
    InvalidReference { reference: String, reason: String },

    /// HTTP 401/403, or credentials that could not be obtained.
    #[error("authentication failed for {reference}: {detail} — run `pacto login` or check PACTO_REGISTRY_TOKEN")]
    Auth { reference: String, detail: String },

    /// HTTP 404 for a manifest, blob or repository.
    #[error("artifact not found: {reference}")]
    NotFound { reference: String, detail: String },

    /// Network errors and any other HTTP status.
    #[error("registry unreachable for {reference}: {detail}")]
    Unreachable { reference: String, detail: String },

    /// Content whose sha256 is not the digest it was addressed by.
    #[error("digest mismatch for {what} of {reference}: expected {expected}, got {actual} — the registry or a proxy returned corrupted content; retry, and push the artifact again if it persists")]
    DigestMismatch {
        reference: String,
        what: String,
        expected: String,
        actual: String,
    },

    /// A download that ended before its announced size.
    #[error("truncated {what} of {reference}: received {got} of {expected} bytes — the connection was cut; retry")]
    Truncated {
        reference: String,
        what: String,
        got: u64,
        expected: u64,
    },

    /// A manifest, config or layer over its size cap.
    #[error("{what} of {reference} is too large: {size} exceeds the limit of {limit} {unit} — Pacto bundles are small; check that the reference points to a Pacto bundle")]
    TooLarge {
        reference: String,
        what: String,
        /// `"<n> bytes"`, `"<n> tags"`, or `"the download"` when the size is not announced.
        size: String,
        limit: u64,
        /// What `limit` counts: `bytes`, `tags` (a tag listing) or `pages`.
        unit: &'static str,
    },

    /// The manifest is not a Pacto bundle (no layer, several layers, not an image manifest…).
    #[error("invalid artifact {reference}: {detail}")]
    InvalidArtifact { reference: String, detail: String },

    /// Untagged reference, constraint given, no tag satisfies it (Go's text plus the ref).
    #[error(
        "no tags satisfy constraint \"{constraint}\" for {reference} (semver tags: {available})"
    )]
    NoMatchingTags {
        reference: String,
        constraint: String,
        available: String,
    },

    /// Untagged reference, no semver tag at all.
    #[error("no semver tags found for {reference} — push a version tag, or pin a tag (:1.2.3) or a digest (@sha256:…)")]
    NoSemverTags { reference: String },

    /// A dependency's `compatibility` that does not parse.
    #[error("invalid constraint {constraint:?} for {reference}: {detail}")]
    InvalidConstraint {
        reference: String,
        constraint: String,
        detail: String,
    },

    /// Offline mode and the answer is not in the cache.
    #[error("{reference} is not in the local cache and --offline forbids network access — run the command once without --offline to fill the cache")]
    NotCached { reference: String },

    /// The cache could not be written or read (not a content problem: those are refetched).
    #[error("cache error for {reference} at {path}: {detail}")]
    Cache {
        reference: String,
        path: String,
        detail: String,
    },
}

impl RegistryError {
    /// What to do, for the messages that must keep Go Pacto's exact text.
    pub fn hint(&self) -> Option<String> {
        match self {
            RegistryError::NotFound { reference, .. } => Some(format!(
                "check the repository and tag of {reference} (list the tags with `oras repo tags` or `skopeo list-tags`); a private repository may also answer \"not found\" without credentials: run `pacto login`"
            )),
            // A deadline or a stall: the message already says what to do.
            RegistryError::Unreachable { detail, .. }
                if detail.contains("PACTO_REGISTRY_TIMEOUT")
                    || detail.contains("PACTO_REGISTRY_STALL_TIMEOUT") =>
            {
                None
            }
            RegistryError::Unreachable { .. } => Some(
                "check the registry host and port, that it is running and that the network allows it; a registry served over plain HTTP needs --plain-http (loopback registries use HTTP automatically)"
                    .to_string(),
            ),
            RegistryError::InvalidReference { .. } => Some(
                "write references as oci://host/repository[:tag][@sha256:<64 hex digits>], with a lowercase repository"
                    .to_string(),
            ),
            _ => None,
        }
    }

    /// The message followed by its hint on a second line, for CLI output.
    pub fn with_hint(&self) -> String {
        match self.hint() {
            Some(h) => format!("{self}\n{h}"),
            None => self.to_string(),
        }
    }

    /// Whether this is the HTTP 404 case.
    pub fn is_not_found(&self) -> bool {
        matches!(self, RegistryError::NotFound { .. })
    }

    /// Whether the error is the user's credentials (401/403).
    pub fn is_auth(&self) -> bool {
        matches!(self, RegistryError::Auth { .. })
    }
}
