//! The artifact format (spec §6.1), as Go Pacto writes it, plus OCI 1.1 extras Go ignores:
//!
//! ```json
//! {"schemaVersion":2,
//!  "mediaType":"application/vnd.oci.image.manifest.v1+json",
//!  "artifactType":"application/vnd.pacto.bundle.v1",
//!  "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":…,"digest":"sha256:…"},
//!  "layers":[{"mediaType":"application/vnd.pacto.bundle.layer.v1.tar+gzip","size":…,"digest":"sha256:…",
//!             "annotations":{"org.opencontainers.image.title":"<name>-<version>.tar.gz"}}],
//!  "annotations":{"org.opencontainers.image.created":"1970-01-01T00:00:00Z",
//!                 "org.opencontainers.image.title":"<name>","org.opencontainers.image.version":"<version>"}}
//! ```
//!
//! The config is go-containerregistry's empty image config with the `io.pacto.*` labels and the
//! layer's `diff_id`, field for field as Go serialises it. Both documents are compact JSON with
//! a fixed key order, and `created` is the Unix epoch (the same instant the canonical tar
//! headers use), so the manifest digest depends on the bundle's files alone: pushing the same
//! bundle twice gives the same digest. The layer title annotation lets `oras pull` save the
//! layer as the file `pacto pack` would write.

use super::client::{DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST};
use super::error::RegistryError;
use super::name::check_digest;
use crate::bundle::archive::Packed;
use serde_json::json;

/// The layer media type Go Pacto writes and reads.
pub const LAYER_MEDIA_TYPE: &str = "application/vnd.pacto.bundle.layer.v1.tar+gzip";
/// The config media type Go Pacto writes (inherited from go-containerregistry's empty image).
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.docker.container.image.v1+json";
/// OCI 1.1 `artifactType` we set (Go Pacto sets none and ignores it).
pub const ARTIFACT_TYPE: &str = "application/vnd.pacto.bundle.v1";
/// `org.opencontainers.image.created`: fixed, so manifests are reproducible.
pub const CREATED: &str = "1970-01-01T00:00:00Z";

/// What the config labels and annotations say about the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleMeta {
    pub name: String,
    pub version: String,
    pub pacto_version: String,
}

/// The documents and blobs of one artifact, ready to push.
#[derive(Debug, Clone)]
pub struct Artifact {
    pub config: Vec<u8>,
    pub config_digest: String,
    pub layer: Vec<u8>,
    pub layer_digest: String,
    pub manifest: Vec<u8>,
    pub manifest_digest: String,
}

fn digest_of(bytes: &[u8]) -> String {
    format!("sha256:{}", super::cache::sha256_hex(bytes))
}

/// go-containerregistry's config JSON for a one-layer image with Pacto's labels.
pub fn config_json(meta: &BundleMeta, diff_id: &str) -> Vec<u8> {
    let v = json!({
        "architecture": "",
        "created": "0001-01-01T00:00:00Z",
        "history": [{ "created": "0001-01-01T00:00:00Z" }],
        "os": "",
        "rootfs": { "type": "layers", "diff_ids": [diff_id] },
        "config": {
            "Labels": {
                "io.pacto.name": meta.name,
                "io.pacto.pactoVersion": meta.pacto_version,
                "io.pacto.version": meta.version,
            }
        }
    });
    v.to_string().into_bytes()
}

/// Build the artifact for a packed bundle.
pub fn build(packed: &Packed, meta: &BundleMeta) -> Artifact {
    let config = config_json(meta, &packed.tar_sha256);
    let config_digest = digest_of(&config);
    let layer_digest = digest_of(&packed.tar_gz);
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": ARTIFACT_TYPE,
        "config": {
            "mediaType": CONFIG_MEDIA_TYPE,
            "size": config.len(),
            "digest": config_digest,
        },
        "layers": [{
            "mediaType": LAYER_MEDIA_TYPE,
            "size": packed.tar_gz.len(),
            "digest": layer_digest,
            "annotations": {
                "org.opencontainers.image.title": format!("{}-{}.tar.gz", meta.name, meta.version),
            },
        }],
        "annotations": {
            "org.opencontainers.image.created": CREATED,
            "org.opencontainers.image.title": meta.name,
            "org.opencontainers.image.version": meta.version,
        }
    })
    .to_string()
    .into_bytes();
    let manifest_digest = digest_of(&manifest);
    Artifact {
        config,
        config_digest,
        layer: packed.tar_gz.clone(),
        layer_digest,
        manifest,
        manifest_digest,
    }
}

/// A descriptor from a manifest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Descriptor {
    #[serde(rename = "mediaType", default)]
    pub media_type: String,
    pub digest: String,
    pub size: u64,
}

#[derive(Debug, serde::Deserialize)]
struct RawManifest {
    #[serde(rename = "mediaType", default)]
    media_type: Option<String>,
    #[serde(default)]
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Option<Vec<Descriptor>>,
    #[serde(default)]
    manifests: Option<serde_json::Value>,
}

/// The one layer of a Pacto artifact, from its manifest: exactly one layer whose media type
/// is a gzip tar (Go's messages `image has no layers` / `expected 1 layer, got <n>`).
pub fn bundle_layer(
    manifest: &[u8],
    content_type: &str,
    reference: &str,
) -> Result<Descriptor, RegistryError> {
    let invalid = |detail: String| RegistryError::InvalidArtifact {
        reference: reference.to_string(),
        detail,
    };
    let m: RawManifest = serde_json::from_slice(manifest)
        .map_err(|e| invalid(format!("the manifest is not valid JSON: {e}")))?;
    let media_type = m
        .media_type
        .clone()
        .unwrap_or_else(|| content_type.to_string());
    let media_type = media_type.split(';').next().unwrap_or("").trim();
    if media_type == OCI_INDEX || media_type == DOCKER_MANIFEST_LIST || m.manifests.is_some() {
        return Err(invalid(
            "it is an image index (several platforms), not a Pacto bundle".to_string(),
        ));
    }
    if !(media_type.is_empty() || media_type == OCI_MANIFEST || media_type == DOCKER_MANIFEST) {
        return Err(invalid(format!(
            "unsupported manifest media type {media_type:?}"
        )));
    }
    if m.config.is_none() && m.layers.is_none() {
        return Err(invalid(
            "the manifest has no config and no layers".to_string(),
        ));
    }
    let mut layers = m.layers.unwrap_or_default();
    match layers.len() {
        0 => return Err(invalid("image has no layers".to_string())),
        1 => {}
        n => return Err(invalid(format!("expected 1 layer, got {n}"))),
    }
    let layer = layers.remove(0);
    if !(layer.media_type.ends_with("tar+gzip") || layer.media_type.ends_with("tar.gzip")) {
        return Err(invalid(format!(
            "the layer media type {:?} is not a gzip-compressed tar (Pacto bundles use {LAYER_MEDIA_TYPE})",
            layer.media_type
        )));
    }
    check_digest(&layer.digest).map_err(|e| invalid(format!("layer: {e}")))?;
    Ok(layer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packed() -> Packed {
        Packed {
            tar_gz: vec![0x1f, 0x8b, 1, 2, 3],
            tar_sha256: format!("sha256:{}", "b".repeat(64)),
            gz_sha256: String::new(),
            files: vec!["pacto.yaml".into()],
        }
    }

    #[test]
    fn manifest_is_reproducible_and_readable() {
        let meta = BundleMeta {
            name: "svc".into(),
            version: "1.0.0".into(),
            pacto_version: "1.0".into(),
        };
        let a = build(&packed(), &meta);
        let b = build(&packed(), &meta);
        assert_eq!(a.manifest, b.manifest);
        assert_eq!(a.manifest_digest, b.manifest_digest);
        let text = String::from_utf8(a.manifest.clone()).unwrap();
        assert!(text.starts_with(r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.pacto.bundle.v1","config":{"mediaType":"application/vnd.docker.container.image.v1+json""#), "{text}");
        let config = String::from_utf8(a.config.clone()).unwrap();
        assert_eq!(
            config,
            format!(
                r#"{{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{{"created":"0001-01-01T00:00:00Z"}}],"os":"","rootfs":{{"type":"layers","diff_ids":["sha256:{}"]}},"config":{{"Labels":{{"io.pacto.name":"svc","io.pacto.pactoVersion":"1.0","io.pacto.version":"1.0.0"}}}}}}"#,
                "b".repeat(64)
            )
        );
        let layer = bundle_layer(&a.manifest, "", "r").unwrap();
        assert_eq!(layer.digest, a.layer_digest);
        assert_eq!(layer.size, 5);
    }

    #[test]
    fn layer_count_and_type_are_checked() {
        let d = format!("sha256:{}", "a".repeat(64));
        let m = |layers: &str| {
            format!(
                r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{{"mediaType":"x","digest":"{d}","size":1}},"layers":[{layers}]}}"#
            )
        };
        let l = |t: &str| format!(r#"{{"mediaType":"{t}","digest":"{d}","size":1}}"#);
        let err = |s: String| bundle_layer(s.as_bytes(), "", "r").unwrap_err().to_string();
        assert_eq!(err(m("")), "invalid artifact r: image has no layers");
        assert_eq!(
            err(m(&format!(
                "{},{}",
                l(LAYER_MEDIA_TYPE),
                l(LAYER_MEDIA_TYPE)
            ))),
            "invalid artifact r: expected 1 layer, got 2"
        );
        assert!(err(m(&l("text/plain"))).contains("not a gzip-compressed tar"));
        assert!(bundle_layer(
            m(&l("application/vnd.oci.image.layer.v1.tar+gzip")).as_bytes(),
            "",
            "r"
        )
        .is_ok());
        assert!(err(format!(r#"{{"mediaType":"{OCI_INDEX}","manifests":[]}}"#)).contains("index"));
    }
}
