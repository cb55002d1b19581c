//! The registry layer against real registries and a scripted fake one.
//!
//! Real registries come from `scripts/test-infra start` (Debian's docker-registry on loopback):
//! `PACTO_TEST_REGISTRY` (anonymous), `PACTO_TEST_REGISTRY_AUTH` (htpasswd `pacto`/`secret`),
//! `PACTO_TEST_ORAS` (the oras binary); `skopeo` is on `PATH`. When they are missing the tests
//! that need them print "skipping" and pass, unless `CI` is set, where they fail.
//!
//! Faults (500, truncated blob, digest mismatch, oversized layer, refused connection, token
//! flow) are injected by a tiny HTTP server in this file.
//!
//! Every test uses its own repository names (test name, process id, time), so runs can be
//! repeated and run in parallel against the same registries.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use pacto_core::bundle::archive::{pack_bundle, Packed};
use pacto_core::bundle::{Bundle, MemBundle};
use pacto_core::registry::artifact::{self, BundleMeta, LAYER_MEDIA_TYPE};
use pacto_core::registry::auth::{self, Anonymous, Static};
use pacto_core::registry::cache::sha256_hex;
use pacto_core::registry::{
    Cache, ClientOptions, Credential, DefaultKeychain, Keychain, KeychainSources, Registry,
    RegistryError, RegistryOptions, SizeLimits, Target,
};
use pacto_core::validate::{validate, NoResolver, Options, RefResolver};
use pacto_core::version::Constraint;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

// ---------------------------------------------------------------------------------------------
// Environment

fn env_or_skip(var: &str, test: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            if std::env::var_os("CI").is_some() {
                panic!("{var} is not set: run `eval \"$(scripts/test-infra start)\"` first");
            }
            eprintln!(
                "skipping {test}: {var} is not set (run `eval \"$(scripts/test-infra start)\"`)"
            );
            None
        }
    }
}

/// A repository name unique to this test, process and moment.
fn unique_repo(test: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "pacto-test/{}-{}-{}-{}",
        test.replace('_', "-"),
        std::process::id(),
        nanos % 1_000_000_000,
        N.fetch_add(1, Ordering::SeqCst)
    )
}

fn contract(name: &str, version: &str) -> String {
    format!(
        r#"pactoVersion: "1.0"
service:
  name: {name}
  version: {version}
  owner: team/test
interfaces:
  - name: api
    type: http
    port: 8080
    visibility: internal
    contract: interfaces/openapi.yaml
"#
    )
}

fn bundle(name: &str, version: &str) -> MemBundle {
    MemBundle::new(name)
        .with("pacto.yaml", contract(name, version))
        .with(
            "interfaces/openapi.yaml",
            format!("openapi: 3.0.0\ninfo:\n  title: {name}\n  version: {version}\npaths: {{}}\n"),
        )
        .with("docs/README.md", "# docs\n")
}

fn meta(name: &str, version: &str) -> BundleMeta {
    BundleMeta {
        name: name.into(),
        version: version.into(),
        pacto_version: "1.0".into(),
    }
}

fn packed(name: &str, version: &str) -> Packed {
    pack_bundle(&bundle(name, version)).unwrap()
}

fn options(cache: &Path) -> RegistryOptions {
    RegistryOptions {
        cache_dir: Some(cache.to_path_buf()),
        tag_ttl: Some(Duration::from_secs(300)),
        ..RegistryOptions::default()
    }
}

fn registry(cache: &Path) -> Registry {
    Registry::new(options(cache), Arc::new(Anonymous))
}

/// Every regular file under `dir`.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn assert_valid(text: &str, b: &dyn Bundle) {
    let v = validate(text, Some(b), &NoResolver, &Options::default());
    assert!(v.valid(), "{:?}", v.diagnostics);
}

// ---------------------------------------------------------------------------------------------
// Round trips against the real registry

#[test]
fn push_pull_round_trip_by_tag_digest_and_semver() {
    let Some(reg) = env_or_skip("PACTO_TEST_REGISTRY", "round trip") else {
        return;
    };
    let cache = tempfile::tempdir().unwrap();
    let r = registry(cache.path());
    let repo = format!("{reg}/{}", unique_repo("round_trip"));
    let mut digests = std::collections::HashMap::new();
    for v in ["1.0.0", "1.2.0", "2.0.0", "v2.3.0", "3.0.0-rc.1"] {
        let version = v.trim_start_matches('v');
        let refr = format!("oci://{repo}:{v}");
        let res = r
            .push(&refr, &packed("svc", version), &meta("svc", version), false)
            .unwrap();
        assert!(!res.skipped);
        assert_eq!(res.reference, format!("{repo}:{v}"));
        assert!(res.digest.starts_with("sha256:"));
        digests.insert(v, res.digest);
    }
    // A tag without a tag in the ref: service.version.
    let res = r
        .push(
            &format!("oci://{repo}"),
            &packed("svc", "0.9.0"),
            &meta("svc", "0.9.0"),
            false,
        )
        .unwrap();
    assert_eq!(res.reference, format!("{repo}:0.9.0"));
    // A non-semver tag is ignored by resolution.
    r.push(
        &format!("oci://{repo}:latest"),
        &packed("svc", "9.9.9"),
        &meta("svc", "9.9.9"),
        false,
    )
    .unwrap();

    // By tag.
    let p = r.pull(&format!("oci://{repo}:1.2.0")).unwrap();
    assert_eq!(p.resolved_ref, format!("{repo}:1.2.0"));
    assert_eq!(p.digest, digests["1.2.0"]);
    assert!(p.contract_text.contains("version: 1.2.0"));
    assert_eq!(p.bundle.describe(), format!("oci://{repo}:1.2.0"));
    assert_valid(&p.contract_text, &p.bundle);
    assert_eq!(
        p.bundle.read("docs/README.md").unwrap(),
        b"# docs\n".to_vec()
    );

    // By digest, with a fresh process-level memory (new Registry, same disk cache).
    let fresh = registry(tempfile::tempdir().unwrap().path());
    let by_digest = format!("oci://{repo}@{}", digests["1.0.0"]);
    let p = fresh.pull(&by_digest).unwrap();
    assert!(p.contract_text.contains("version: 1.0.0"));
    assert_eq!(p.resolved_ref, by_digest.trim_start_matches("oci://"));

    // A digest that names nothing in the repository.
    let missing = format!("oci://{repo}@sha256:{}", "0".repeat(64));
    let err = fresh.pull(&missing).unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "artifact not found: {}",
            missing.trim_start_matches("oci://")
        )
    );

    // Untagged: the highest semver tag, prerelease included (no constraint), original text.
    let p = r.pull(&format!("oci://{repo}")).unwrap();
    assert_eq!(p.resolved_ref, format!("{repo}:3.0.0-rc.1"));
    // With a dependency's constraint: prereleases skipped, `v2.3.0` kept as written.
    let c = Constraint::parse("^2.0.0").unwrap();
    let p = r.fetch(&format!("oci://{repo}"), Some(&c)).unwrap();
    assert_eq!(p.resolved_ref, format!("{repo}:v2.3.0"));
    let p = r
        .fetch_compatible(&format!("oci://{repo}"), Some("~1.0"))
        .unwrap();
    assert_eq!(p.resolved_ref, format!("{repo}:1.0.0"));
    let err = r
        .fetch_compatible(&format!("oci://{repo}"), Some("^5"))
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("no tags satisfy constraint \"^5\" for {repo}")),
        "{err}"
    );
    assert!(err.to_string().contains("1.0.0"), "{err}");
    // Pinned tags ignore the constraint (§6.4).
    let p = r.fetch(&format!("oci://{repo}:1.0.0"), Some(&c)).unwrap();
    assert!(p.contract_text.contains("version: 1.0.0"));

    // An empty repository: not found.
    let err = r
        .pull(&format!("oci://{reg}/{}", unique_repo("empty")))
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
}

#[test]
fn the_manifest_is_reproducible_and_existing_tags_are_skipped() {
    let Some(reg) = env_or_skip("PACTO_TEST_REGISTRY", "reproducible") else {
        return;
    };
    let cache = tempfile::tempdir().unwrap();
    let r = registry(cache.path());
    let repo = format!("{reg}/{}", unique_repo("reproducible"));
    let a = r
        .push(
            &format!("oci://{repo}:a"),
            &packed("svc", "1.0.0"),
            &meta("svc", "1.0.0"),
            false,
        )
        .unwrap();
    // Packed again from scratch: same bytes, same manifest.
    let b = r
        .push(
            &format!("oci://{repo}:b"),
            &packed("svc", "1.0.0"),
            &meta("svc", "1.0.0"),
            false,
        )
        .unwrap();
    assert_eq!(a.digest, b.digest);
    assert_eq!(
        a.digest,
        artifact::build(&packed("svc", "1.0.0"), &meta("svc", "1.0.0")).manifest_digest
    );
    // The tag exists: skipped, nothing pushed, the existing digest reported.
    let other = packed("svc", "1.0.1");
    let s = r
        .push(
            &format!("oci://{repo}:a"),
            &other,
            &meta("svc", "1.0.1"),
            false,
        )
        .unwrap();
    assert!(s.skipped);
    assert_eq!(s.digest, a.digest);
    assert!(r.exists(&format!("oci://{repo}:a")).unwrap());
    assert!(!r.exists(&format!("oci://{repo}:zzz")).unwrap());
    // Forced: overwritten.
    let f = r
        .push(
            &format!("oci://{repo}:a"),
            &other,
            &meta("svc", "1.0.1"),
            true,
        )
        .unwrap();
    assert!(!f.skipped);
    assert_ne!(f.digest, a.digest);
    let fresh = registry(tempfile::tempdir().unwrap().path());
    let p = fresh.pull(&format!("oci://{repo}:a")).unwrap();
    assert_eq!(p.digest, f.digest);
    // Pushing to a digest makes no sense.
    let err = r
        .push(
            &format!("oci://{repo}@{}", a.digest),
            &other,
            &meta("svc", "1.0.1"),
            false,
        )
        .unwrap_err();
    assert!(
        matches!(err, RegistryError::InvalidReference { .. }),
        "{err}"
    );
}

#[test]
fn tag_listing_follows_pagination() {
    let Some(reg) = env_or_skip("PACTO_TEST_REGISTRY", "pagination") else {
        return;
    };
    let cache = tempfile::tempdir().unwrap();
    let repo = format!("{reg}/{}", unique_repo("pagination"));
    let r = registry(cache.path());
    let first = r
        .push(
            &format!("oci://{repo}:0.0.0"),
            &packed("svc", "0.0.0"),
            &meta("svc", "0.0.0"),
            false,
        )
        .unwrap();
    // 129 more tags on the same manifest: PUT the manifest bytes directly.
    let art = artifact::build(&packed("svc", "0.0.0"), &meta("svc", "0.0.0"));
    assert_eq!(art.manifest_digest, first.digest);
    let target = Target::parse(&format!("oci://{repo}")).unwrap();
    for i in 1..130 {
        r.client()
            .put_manifest(
                &target.repo,
                &format!("1.{i}.0"),
                &art.manifest,
                pacto_core::registry::client::OCI_MANIFEST,
                &repo,
            )
            .unwrap();
    }
    let small_pages = Registry::new(
        RegistryOptions {
            client: ClientOptions {
                tag_page_size: 50,
                ..ClientOptions::default()
            },
            ..options(cache.path())
        },
        Arc::new(Anonymous),
    );
    let tags = small_pages.list_tags(&format!("oci://{repo}")).unwrap();
    assert_eq!(tags.len(), 130, "{tags:?}");
    assert!(tags.contains(&"1.129.0".to_string()));
    let p = small_pages.pull(&format!("oci://{repo}")).unwrap();
    assert_eq!(p.resolved_ref, format!("{repo}:1.129.0"));
    // Debian's docker-registry (distribution 2.8) ignores `n` on tag lists and answers in one
    // page; the `Link` pagination itself is exercised by `tag_pages_are_followed` below.
}

// ---------------------------------------------------------------------------------------------
// Authentication against the htpasswd registry

fn push_one(r: &Registry, repo: &str) -> Result<pacto_core::registry::PushResult, RegistryError> {
    r.push(
        &format!("oci://{repo}:1.0.0"),
        &packed("svc", "1.0.0"),
        &meta("svc", "1.0.0"),
        false,
    )
}

fn with_keychain(cache: &Path, k: impl Keychain + 'static) -> Registry {
    Registry::new(options(cache), Arc::new(k))
}

#[test]
fn auth_registry_needs_credentials() {
    let Some(reg) = env_or_skip("PACTO_TEST_REGISTRY_AUTH", "auth") else {
        return;
    };
    let cache = tempfile::tempdir().unwrap();
    let repo = format!("{reg}/{}", unique_repo("auth"));

    // No credentials: Go's message, naming the ref.
    let err = push_one(&with_keychain(cache.path(), Anonymous), &repo).unwrap_err();
    let msg = err.to_string();
    assert!(err.is_auth(), "{msg}");
    assert!(
        msg.starts_with(&format!("authentication failed for {repo}:1.0.0: ")),
        "{msg}"
    );
    assert!(
        msg.ends_with("— run `pacto login` or check PACTO_REGISTRY_TOKEN"),
        "{msg}"
    );
    assert!(msg.contains("no credentials were found"), "{msg}");

    // Wrong password: refused by the registry.
    let wrong = Static(Credential::Basic {
        username: "pacto".into(),
        password: "wrong".into(),
    });
    let err = push_one(&with_keychain(cache.path(), wrong), &repo).unwrap_err();
    assert!(err.is_auth(), "{err}");
    assert!(err.to_string().contains("401"), "{err}");

    // Environment-style credentials.
    let env = DefaultKeychain::new(KeychainSources {
        username: Some("pacto".into()),
        password: Some("secret".into()),
        ..KeychainSources::default()
    });
    let r = with_keychain(cache.path(), env);
    let pushed = push_one(&r, &repo).unwrap();
    let p = r.pull(&format!("oci://{repo}:1.0.0")).unwrap();
    assert_eq!(p.digest, pushed.digest);
    r.ping(&reg).unwrap();

    // Anonymous pull of that artifact: refused, and nothing cached.
    let empty = tempfile::tempdir().unwrap();
    let err = with_keychain(empty.path(), Anonymous)
        .pull(&format!("oci://{repo}:1.0.0"))
        .unwrap_err();
    assert!(err.is_auth(), "{err}");
    assert!(files_under(empty.path()).is_empty());
}

#[test]
fn auth_from_pacto_login_docker_config_and_credential_helper() {
    let Some(reg) = env_or_skip("PACTO_TEST_REGISTRY_AUTH", "auth sources") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let repo = format!("{reg}/{}", unique_repo("auth_sources"));

    // `pacto login` writes Pacto's config file.
    let pacto_config = dir.path().join("config/pacto/config.json");
    auth::store_login(&pacto_config, &reg, "pacto", "secret").unwrap();
    let k = DefaultKeychain::new(KeychainSources {
        pacto_config: Some(pacto_config.clone()),
        ..KeychainSources::default()
    });
    push_one(&with_keychain(&cache, k), &repo).unwrap();

    // Docker's config.json with `auths`.
    let docker = dir.path().join("docker/config.json");
    std::fs::create_dir_all(docker.parent().unwrap()).unwrap();
    std::fs::write(
        &docker,
        format!(r#"{{"auths":{{"http://{reg}":{{"auth":"cGFjdG86c2VjcmV0"}}}}}}"#),
    )
    .unwrap();
    let k = DefaultKeychain::new(KeychainSources {
        docker_config: Some(docker.clone()),
        ..KeychainSources::default()
    });
    let r = with_keychain(&cache, k);
    r.pull(&format!("oci://{repo}:1.0.0")).unwrap();

    // A credential helper (`credHelpers`), asked with the registry on stdin.
    let helpers = dir.path().join("bin");
    std::fs::create_dir_all(&helpers).unwrap();
    let asked = dir.path().join("asked");
    let script = helpers.join("docker-credential-test");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 3\ncat > '{}'\necho '{{\"ServerURL\":\"x\",\"Username\":\"pacto\",\"Secret\":\"secret\"}}'\n",
            asked.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::write(
        &docker,
        format!(r#"{{"auths":{{}},"credHelpers":{{"{reg}":"test"}}}}"#),
    )
    .unwrap();
    let k = DefaultKeychain::new(KeychainSources {
        docker_config: Some(docker.clone()),
        helper_dir: Some(helpers.clone()),
        ..KeychainSources::default()
    });
    let fresh_cache = dir.path().join("cache2");
    with_keychain(&fresh_cache, k)
        .pull(&format!("oci://{repo}:1.0.0"))
        .unwrap();
    assert_eq!(std::fs::read_to_string(&asked).unwrap(), reg);

    // `credsStore` with a helper that has nothing: anonymous, so the registry refuses.
    let empty_helper = helpers.join("docker-credential-empty");
    std::fs::write(
        &empty_helper,
        "#!/bin/sh\necho 'credentials not found in native keychain'\nexit 1\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&empty_helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::write(&docker, r#"{"credsStore":"empty"}"#).unwrap();
    let k = DefaultKeychain::new(KeychainSources {
        docker_config: Some(docker.clone()),
        helper_dir: Some(helpers.clone()),
        ..KeychainSources::default()
    });
    let err = with_keychain(&dir.path().join("cache3"), k)
        .pull(&format!("oci://{repo}:1.0.0"))
        .unwrap_err();
    assert!(err.is_auth(), "{err}");

    // A helper that fails: its message is in the error.
    std::fs::write(&docker, r#"{"credsStore":"missing-helper"}"#).unwrap();
    let k = DefaultKeychain::new(KeychainSources {
        docker_config: Some(docker),
        helper_dir: Some(helpers),
        ..KeychainSources::default()
    });
    let err = with_keychain(&dir.path().join("cache4"), k)
        .pull(&format!("oci://{repo}:1.0.0"))
        .unwrap_err();
    assert!(err.is_auth(), "{err}");
    assert!(
        err.to_string().contains("docker-credential-missing-helper"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// Cache behaviour against the real registry

#[test]
fn tag_answers_expire_and_corrupt_blobs_are_refetched() {
    let Some(reg) = env_or_skip("PACTO_TEST_REGISTRY", "cache") else {
        return;
    };
    let cache = tempfile::tempdir().unwrap();
    let repo = format!("{reg}/{}", unique_repo("cache"));
    let refr = format!("oci://{repo}:1.0.0");
    let pusher = registry(tempfile::tempdir().unwrap().path());
    let v1 = pusher
        .push(&refr, &packed("svc", "1.0.0"), &meta("svc", "1.0.0"), false)
        .unwrap();

    // Warm the cache.
    let p = registry(cache.path()).pull(&refr).unwrap();
    assert_eq!(p.digest, v1.digest);
    let layer_file = cache
        .path()
        .join("blobs/sha256")
        .join(p.layer_digest.trim_start_matches("sha256:"));
    assert!(layer_file.is_file());

    // The tag moves.
    let v2 = pusher
        .push(
            &refr,
            &packed("svc", "1.0.0-moved"),
            &meta("svc", "1.0.0"),
            true,
        )
        .unwrap();
    assert_ne!(v1.digest, v2.digest);

    // Within the TTL the cached answer is used (no silent staleness beyond the TTL)…
    let p = registry(cache.path()).pull(&refr).unwrap();
    assert_eq!(p.digest, v1.digest);
    // …after it, the tag is asked again.
    let expired = Registry::new(
        RegistryOptions {
            tag_ttl: Some(Duration::ZERO),
            ..options(cache.path())
        },
        Arc::new(Anonymous),
    );
    let p = expired.pull(&refr).unwrap();
    assert_eq!(p.digest, v2.digest);
    // And the fresh answer is now cached.
    let p = registry(cache.path()).pull(&refr).unwrap();
    assert_eq!(p.digest, v2.digest);

    // A corrupted cached layer is detected, deleted and fetched again.
    let layer_file = cache
        .path()
        .join("blobs/sha256")
        .join(p.layer_digest.trim_start_matches("sha256:"));
    let mut bytes = std::fs::read(&layer_file).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&layer_file, &bytes).unwrap();
    let p2 = registry(cache.path()).pull(&refr).unwrap();
    assert_eq!(p2.layer_digest, p.layer_digest);
    assert_eq!(
        sha256_hex(&std::fs::read(&layer_file).unwrap()),
        p.layer_digest.trim_start_matches("sha256:")
    );

    // Offline: served from the cache, no network.
    let offline = Registry::new(
        RegistryOptions {
            offline: true,
            tag_ttl: Some(Duration::ZERO),
            ..options(cache.path())
        },
        Arc::new(Anonymous),
    );
    let p = offline.pull(&refr).unwrap();
    assert_eq!(p.digest, v2.digest);
    assert!(p.stale_tag, "expired answer served offline is flagged");
    // Untagged offline: the cached tags.
    let p = offline.pull(&format!("oci://{repo}")).unwrap();
    assert_eq!(p.resolved_ref, format!("{repo}:1.0.0"));
    let err = offline.pull(&format!("oci://{repo}:2.0.0")).unwrap_err();
    assert!(matches!(err, RegistryError::NotCached { .. }), "{err}");

    // --no-cache: nothing read or written.
    let nc_dir = tempfile::tempdir().unwrap();
    let nc = Registry::new(
        RegistryOptions {
            no_cache: true,
            ..options(nc_dir.path())
        },
        Arc::new(Anonymous),
    );
    assert!(!nc.cache().is_enabled());
    assert_eq!(nc.pull(&refr).unwrap().digest, v2.digest);
    assert!(files_under(nc_dir.path()).is_empty());
}

#[test]
fn concurrent_pulls_share_one_cache_safely() {
    let Some(reg) = env_or_skip("PACTO_TEST_REGISTRY", "concurrency") else {
        return;
    };
    let cache = tempfile::tempdir().unwrap();
    let repo = format!("{reg}/{}", unique_repo("concurrent"));
    let refr = format!("oci://{repo}:1.0.0");
    registry(tempfile::tempdir().unwrap().path())
        .push(&refr, &packed("svc", "1.0.0"), &meta("svc", "1.0.0"), false)
        .unwrap();
    // Separate Registry values (like separate processes) and threads sharing one Registry.
    let shared = Arc::new(registry(cache.path()));
    let mut handles = Vec::new();
    for i in 0..8 {
        let refr = refr.clone();
        let dir = cache.path().to_path_buf();
        let shared = shared.clone();
        handles.push(std::thread::spawn(move || {
            let p = if i % 2 == 0 {
                registry(&dir).pull(&refr).unwrap()
            } else {
                shared.pull(&refr).unwrap()
            };
            p.digest
        }));
    }
    let digests: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(digests.windows(2).all(|w| w[0] == w[1]));
    // No temporary files left, every blob whole.
    for f in files_under(cache.path()) {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        assert!(!name.starts_with(".tmp"), "{}", f.display());
        if f.parent().unwrap().ends_with("blobs/sha256") {
            assert_eq!(sha256_hex(&std::fs::read(&f).unwrap()), name);
        }
    }
}

#[test]
fn policy_refs_resolve_through_the_registry() {
    let Some(reg) = env_or_skip("PACTO_TEST_REGISTRY", "policy refs") else {
        return;
    };
    let repo = format!("{reg}/{}", unique_repo("policy"));
    let policy = MemBundle::new("policy")
        .with("pacto.yaml", contract("platform-policy", "1.0.0"))
        .with("interfaces/openapi.yaml", "openapi: 3.0.0\n")
        .with(
            "policy/schema.json",
            r#"{"type":"object","required":["service"],"properties":{"service":{"type":"object","required":["owner"]}}}"#,
        );
    let r = registry(tempfile::tempdir().unwrap().path());
    r.push(
        &format!("oci://{repo}:1.0.0"),
        &pack_bundle(&policy).unwrap(),
        &meta("platform-policy", "1.0.0"),
        false,
    )
    .unwrap();
    let resolved = RefResolver::resolve(&r, &format!("oci://{repo}:1.0.0")).unwrap();
    assert!(resolved.bundle.exists("policy/schema.json"));
    assert!(resolved.contract_text.contains("platform-policy"));
    let err = RefResolver::resolve(&r, &format!("oci://{repo}:9.9.9"))
        .err()
        .unwrap();
    assert!(err.starts_with("artifact not found"), "{err}");

    // A contract whose policy lives in the registry: enforced through the registry.
    let dir = tempfile::tempdir().unwrap();
    let write = |with_owner: bool| {
        let text = contract("orders", "1.0.0").replace(
            "  owner: team/test\n",
            if with_owner {
                "  owner: team/test\n"
            } else {
                ""
            },
        );
        std::fs::create_dir_all(dir.path().join("interfaces")).unwrap();
        std::fs::write(
            dir.path().join("interfaces/openapi.yaml"),
            "openapi: 3.0.0\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("pacto.yaml"),
            format!("{text}policy:\n  ref: oci://{repo}:1.0.0\n"),
        )
        .unwrap();
    };
    let d = dir.path().to_str().unwrap();
    write(true);
    let report = pacto_core::validate::validate_dir(d, Some(&r), &Options::default());
    assert!(report.valid(), "{:?}", report.diagnostics);
    write(false);
    let report = pacto_core::validate::validate_dir(d, Some(&r), &Options::default());
    assert!(!report.valid(), "the remote policy requires an owner");

    // `pacto validate oci://…`.
    let report =
        pacto_core::registry::validate_oci(&r, &format!("oci://{repo}:1.0.0"), &Options::default());
    assert!(report.valid(), "{:?}", report.diagnostics);
    assert_eq!(
        report.file.as_deref(),
        Some(format!("oci://{repo}:1.0.0/pacto.yaml").as_str())
    );
    let report =
        pacto_core::registry::validate_oci(&r, &format!("oci://{repo}:9.9.9"), &Options::default());
    assert!(!report.valid());
    assert_eq!(report.diagnostics[0].code, "PARSE_ERROR");

    // The graph's fetcher.
    let f = pacto_core::graph::Fetcher::fetch(&r, &format!("oci://{repo}"), None).unwrap();
    assert_eq!(f.resolved_ref, format!("oci://{repo}:1.0.0"));
}

// ---------------------------------------------------------------------------------------------
// Interoperability with independent clients

fn oras() -> Option<String> {
    env_or_skip("PACTO_TEST_ORAS", "oras interop")
}

#[test]
fn skopeo_and_oras_read_our_artifact() {
    let Some(reg) = env_or_skip("PACTO_TEST_REGISTRY", "interop") else {
        return;
    };
    let repo = unique_repo("interop_out");
    let r = registry(tempfile::tempdir().unwrap().path());
    let pk = packed("svc", "1.0.0");
    let pushed = r
        .push(
            &format!("oci://{reg}/{repo}:1.0.0"),
            &pk,
            &meta("svc", "1.0.0"),
            false,
        )
        .unwrap();

    match Command::new("skopeo")
        .args([
            "inspect",
            "--raw",
            "--tls-verify=false",
            &format!("docker://{reg}/{repo}:1.0.0"),
        ])
        .output()
    {
        Ok(out) => {
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(
                format!("sha256:{}", sha256_hex(&out.stdout)),
                pushed.digest,
                "skopeo sees our exact manifest bytes"
            );
            let m: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(m["layers"][0]["mediaType"], LAYER_MEDIA_TYPE);
            assert_eq!(m["layers"].as_array().unwrap().len(), 1);
            assert_eq!(m["mediaType"], "application/vnd.oci.image.manifest.v1+json");
            assert_eq!(
                m["config"]["mediaType"],
                "application/vnd.docker.container.image.v1+json"
            );
            assert_eq!(m["artifactType"], "application/vnd.pacto.bundle.v1");
            assert_eq!(
                m["annotations"]["org.opencontainers.image.version"],
                "1.0.0"
            );
        }
        Err(e) if std::env::var_os("CI").is_none() => eprintln!("skipping skopeo: {e}"),
        Err(e) => panic!("skopeo: {e}"),
    }

    let Some(oras) = oras() else { return };
    let out_dir = tempfile::tempdir().unwrap();
    let out = Command::new(&oras)
        .args(["pull", "--plain-http", &format!("{reg}/{repo}:1.0.0"), "-o"])
        .arg(out_dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = std::fs::read(out_dir.path().join("svc-1.0.0.tar.gz")).unwrap();
    assert_eq!(
        got, pk.tar_gz,
        "oras pulls the layer as pacto pack writes it"
    );
    // The config blob, as oras fetches it, carries Go Pacto's labels.
    let out = Command::new(&oras)
        .args([
            "manifest",
            "fetch-config",
            "--plain-http",
            &format!("{reg}/{repo}:1.0.0"),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(config["config"]["Labels"]["io.pacto.name"], "svc");
    assert_eq!(config["config"]["Labels"]["io.pacto.version"], "1.0.0");
    assert_eq!(config["config"]["Labels"]["io.pacto.pactoVersion"], "1.0");
    assert_eq!(config["rootfs"]["diff_ids"][0], pk.tar_sha256.as_str());
}

#[test]
fn an_artifact_pushed_by_oras_in_go_layout_is_pulled_and_validated() {
    let Some(reg) = env_or_skip("PACTO_TEST_REGISTRY", "interop") else {
        return;
    };
    let Some(oras) = oras() else { return };
    let repo = unique_repo("interop_in");
    let dir = tempfile::tempdir().unwrap();
    let pk = packed("go-svc", "2.1.0");
    std::fs::write(dir.path().join("bundle.tar.gz"), &pk.tar_gz).unwrap();
    std::fs::write(
        dir.path().join("config.json"),
        String::from_utf8(artifact::config_json(
            &meta("go-svc", "2.1.0"),
            &pk.tar_sha256,
        ))
        .unwrap(),
    )
    .unwrap();
    let out = Command::new(&oras)
        .current_dir(dir.path())
        .args([
            "push",
            "--plain-http",
            &format!("{reg}/{repo}:2.1.0"),
            "--config",
            "config.json:application/vnd.docker.container.image.v1+json",
            &format!("bundle.tar.gz:{LAYER_MEDIA_TYPE}"),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = registry(tempfile::tempdir().unwrap().path());
    let p = r.pull(&format!("oci://{reg}/{repo}")).unwrap();
    assert_eq!(p.resolved_ref, format!("{reg}/{repo}:2.1.0"));
    assert_valid(&p.contract_text, &p.bundle);
    assert!(p.contract_text.contains("name: go-svc"));

    // A layer written by Go's archive/tar + compress/gzip (PAX names, `./` prefixes).
    let go_layer = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/archive/go-written.tar.gz"),
    )
    .unwrap();
    let mut tar = Vec::new();
    flate2::read::MultiGzDecoder::new(&go_layer[..])
        .read_to_end(&mut tar)
        .unwrap();
    std::fs::write(dir.path().join("go.tar.gz"), &go_layer).unwrap();
    std::fs::write(
        dir.path().join("go-config.json"),
        artifact::config_json(
            &meta("go-written", "0.1.0"),
            &format!("sha256:{}", sha256_hex(&tar)),
        ),
    )
    .unwrap();
    let out = Command::new(&oras)
        .current_dir(dir.path())
        .args([
            "push",
            "--plain-http",
            &format!("{reg}/{repo}:0.1.0"),
            "--config",
            "go-config.json:application/vnd.docker.container.image.v1+json",
            &format!("go.tar.gz:{LAYER_MEDIA_TYPE}"),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let p = r.pull(&format!("oci://{reg}/{repo}:0.1.0")).unwrap();
    assert!(p.bundle.exists("docs/ünïcødé ☃.md"));
    assert!(p.bundle.exists("interfaces/openapi.yaml"));

    // oras with two layers: not a Pacto bundle, in Go's words.
    std::fs::write(dir.path().join("extra.txt"), "x").unwrap();
    let out = Command::new(&oras)
        .current_dir(dir.path())
        .args([
            "push",
            "--plain-http",
            &format!("{reg}/{repo}:two"),
            &format!("bundle.tar.gz:{LAYER_MEDIA_TYPE}"),
            "extra.txt:text/plain",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = r.pull(&format!("oci://{reg}/{repo}:two")).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("invalid artifact {reg}/{repo}:two: expected 1 layer, got 2")
    );
}

// ---------------------------------------------------------------------------------------------
// A scripted fake registry for faults

#[derive(Clone)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Send only this many body bytes, then close (Content-Length still says all).
    cut_at: Option<usize>,
}

impl Reply {
    fn new(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.into(),
            cut_at: None,
        }
    }

    fn header(mut self, k: &str, v: &str) -> Reply {
        self.headers.push((k.into(), v.into()));
        self
    }
}

type Handler = Arc<dyn Fn(&str, &str, &[(String, String)]) -> Reply + Send + Sync>;

struct FakeServer {
    addr: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl FakeServer {
    fn start(handler: Handler) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let handler = handler.clone();
                let log = log.clone();
                std::thread::spawn(move || serve(stream, &handler, &log));
            }
        });
        FakeServer { addr, requests }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(mut stream: TcpStream, handler: &Handler, log: &Mutex<Vec<String>>) {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    loop {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            match stream.read(&mut byte) {
                Ok(1) => head.push(byte[0]),
                _ => return,
            }
            if head.len() > 64 * 1024 {
                return;
            }
        }
        let text = String::from_utf8_lossy(&head).to_string();
        let mut lines = text.split("\r\n");
        let first = lines.next().unwrap_or_default().to_string();
        let mut parts = first.split(' ');
        let method = parts.next().unwrap_or_default().to_string();
        let path = parts.next().unwrap_or_default().to_string();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let len: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; len];
        if stream.read_exact(&mut body).is_err() {
            return;
        }
        log.lock().unwrap().push(format!("{method} {path}"));
        let reply = handler(&method, &path, &headers);
        let mut out = format!(
            "HTTP/1.1 {} X\r\nContent-Length: {}\r\n",
            reply.status,
            reply.body.len()
        );
        for (k, v) in &reply.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        let close = reply.cut_at.is_some();
        if close {
            out.push_str("Connection: close\r\n");
        }
        out.push_str("\r\n");
        let _ = stream.write_all(out.as_bytes());
        if method != "HEAD" {
            let n = reply.cut_at.unwrap_or(reply.body.len());
            let _ = stream.write_all(&reply.body[..n]);
        }
        let _ = stream.flush();
        if close {
            let _ = stream.shutdown(std::net::Shutdown::Both);
            return;
        }
    }
}

/// A fake registry serving one artifact at `<repo>:1.0.0`, with `fault` applied.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fault {
    None,
    ManifestStatus(u16),
    TruncatedLayer,
    CorruptLayer,
    HugeLayerDescriptor,
    Bearer,
    /// The layer is served with bytes beyond the size its descriptor declares.
    LongLayer,
}

struct FakeArtifact {
    server: FakeServer,
    reference: String,
    manifest_digest: String,
}

fn fake_registry(fault: Fault) -> FakeArtifact {
    let pk = packed("svc", "1.0.0");
    let art = artifact::build(&pk, &meta("svc", "1.0.0"));
    let mut manifest = art.manifest.clone();
    if fault == Fault::HugeLayerDescriptor {
        let mut v: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
        v["layers"][0]["size"] = serde_json::json!(60u64 * 1024 * 1024);
        manifest = v.to_string().into_bytes();
    }
    let manifest_digest = format!("sha256:{}", sha256_hex(&manifest));
    let repo = "acme/svc";
    let layer_path = format!("/v2/{repo}/blobs/{}", art.layer_digest);
    let manifest_paths = [
        format!("/v2/{repo}/manifests/1.0.0"),
        format!("/v2/{repo}/manifests/{manifest_digest}"),
    ];
    let layer = art.layer.clone();
    let md = manifest_digest.clone();
    let handler: Handler = Arc::new(move |method, path, headers| {
        if fault == Fault::Bearer {
            if path.starts_with("/token") {
                let ok = headers
                    .iter()
                    .any(|(k, v)| k == "authorization" && v == "Basic dTpw");
                return if ok && path.contains("scope=repository%3Aacme%2Fsvc%3Apull") {
                    Reply::new(200, r#"{"token":"T0K"}"#)
                } else {
                    Reply::new(401, "{}")
                };
            }
            let authed = headers
                .iter()
                .any(|(k, v)| k == "authorization" && v == "Bearer T0K");
            if !authed {
                // The realm names this server, as the client reached it.
                let host = headers
                    .iter()
                    .find(|(k, _)| k == "host")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                return Reply::new(401, r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#)
                    .header(
                        "WWW-Authenticate",
                        &format!("Bearer realm=\"http://{host}/token\",service=\"fake\",scope=\"repository:acme/svc:pull\""),
                    );
            }
        }
        if method != "GET" && method != "HEAD" {
            return Reply::new(405, "");
        }
        if manifest_paths.iter().any(|p| p == path) {
            if let Fault::ManifestStatus(s) = fault {
                return Reply::new(s, "oops");
            }
            return Reply::new(200, manifest.clone())
                .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                .header("Docker-Content-Digest", &md);
        }
        if path == layer_path {
            let mut body = layer.clone();
            let mut r = Reply::new(200, Vec::new());
            match fault {
                Fault::TruncatedLayer => r.cut_at = Some(body.len() / 2),
                Fault::CorruptLayer => {
                    let i = body.len() / 2;
                    body[i] ^= 0x55;
                }
                Fault::LongLayer => body.extend_from_slice(b"trailing bytes"),
                _ => {}
            }
            r.body = body;
            return r;
        }
        if path.starts_with(&format!("/v2/{repo}/tags/list")) {
            return Reply::new(200, r#"{"name":"acme/svc","tags":["1.0.0"]}"#);
        }
        Reply::new(
            404,
            r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#,
        )
    });
    let server = FakeServer::start(handler);
    FakeArtifact {
        reference: format!("oci://{}/{repo}:1.0.0", server.addr),
        manifest_digest,
        server,
    }
}

fn fault_registry(cache: &Path, limits: Option<SizeLimits>) -> Registry {
    Registry::new(
        RegistryOptions {
            client: ClientOptions {
                limits: limits.unwrap_or_default(),
                ..ClientOptions::default()
            },
            ..options(cache)
        },
        Arc::new(Static(Credential::Basic {
            username: "u".into(),
            password: "p".into(),
        })),
    )
}

#[test]
fn fake_registry_serves_a_pull_and_an_offline_pull_after_it_is_gone() {
    let cache = tempfile::tempdir().unwrap();
    let fake = fake_registry(Fault::None);
    let p = fault_registry(cache.path(), None)
        .pull(&fake.reference)
        .unwrap();
    assert_eq!(p.digest, fake.manifest_digest);
    assert!(!files_under(cache.path()).is_empty());
    // A closed port with the same name cannot be arranged, so go offline with the same ref:
    // no request reaches the server.
    let before = fake.server.requests().len();
    let offline = Registry::new(
        RegistryOptions {
            offline: true,
            ..options(cache.path())
        },
        Arc::new(Anonymous),
    );
    let p = offline.pull(&fake.reference).unwrap();
    assert_eq!(p.digest, fake.manifest_digest);
    let by_digest = format!(
        "{}@{}",
        fake.reference.rsplit_once(':').unwrap().0,
        fake.manifest_digest
    );
    offline.pull(&by_digest).unwrap();
    assert_eq!(fake.server.requests().len(), before);
}

fn assert_fault(fault: Fault, limits: Option<SizeLimits>, check: impl Fn(&RegistryError, &str)) {
    let cache = tempfile::tempdir().unwrap();
    let fake = fake_registry(fault);
    let err = fault_registry(cache.path(), limits)
        .pull(&fake.reference)
        .unwrap_err();
    let reference = fake.reference.trim_start_matches("oci://").to_string();
    let msg = err.to_string();
    assert!(msg.contains(&reference), "{fault:?}: {msg}");
    check(&err, &msg);
    assert!(
        files_under(cache.path()).is_empty(),
        "{fault:?}: the cache holds {:?}",
        files_under(cache.path())
    );
}

#[test]
fn server_errors_are_reported_as_unreachable() {
    assert_fault(Fault::ManifestStatus(500), None, |e, msg| {
        assert!(matches!(e, RegistryError::Unreachable { .. }), "{msg}");
        assert!(msg.starts_with("registry unreachable for "), "{msg}");
        assert!(msg.contains("500"), "{msg}");
        assert!(e.hint().is_some());
    });
    assert_fault(Fault::ManifestStatus(403), None, |e, msg| {
        assert!(e.is_auth(), "{msg}");
        assert!(msg.contains("403"), "{msg}");
    });
    assert_fault(Fault::ManifestStatus(404), None, |e, msg| {
        assert!(e.is_not_found(), "{msg}");
        assert!(msg.starts_with("artifact not found: "), "{msg}");
    });
}

#[test]
fn a_truncated_layer_is_refused() {
    assert_fault(Fault::TruncatedLayer, None, |e, msg| {
        assert!(matches!(e, RegistryError::Truncated { .. }), "{msg}");
        assert!(msg.contains("retry"), "{msg}");
    });
}

#[test]
fn a_corrupt_layer_is_refused() {
    assert_fault(Fault::CorruptLayer, None, |e, msg| {
        assert!(matches!(e, RegistryError::DigestMismatch { .. }), "{msg}");
        assert!(msg.starts_with("digest mismatch for layer of "), "{msg}");
    });
}

#[test]
fn layers_over_the_cap_are_refused_before_download() {
    assert_fault(Fault::HugeLayerDescriptor, None, |e, msg| {
        assert!(matches!(e, RegistryError::TooLarge { .. }), "{msg}");
        assert!(msg.contains("52428800"), "{msg}");
    });
    // A small cap: the real layer is over it.
    assert_fault(
        Fault::None,
        Some(SizeLimits {
            layer: 100,
            ..SizeLimits::default()
        }),
        |e, msg| assert!(matches!(e, RegistryError::TooLarge { .. }), "{msg}"),
    );
    // A small manifest cap.
    assert_fault(
        Fault::None,
        Some(SizeLimits {
            manifest: 10,
            ..SizeLimits::default()
        }),
        |e, msg| {
            assert!(matches!(e, RegistryError::TooLarge { .. }), "{msg}");
            assert!(msg.starts_with("manifest of "), "{msg}");
        },
    );
}

#[test]
fn a_closed_port_is_unreachable() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let cache = tempfile::tempdir().unwrap();
    let reference = format!("127.0.0.1:{port}/acme/svc:1.0.0");
    let err = registry(cache.path())
        .pull(&format!("oci://{reference}"))
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("registry unreachable for {reference}: ")),
        "{msg}"
    );
    assert!(msg.to_lowercase().contains("refused"), "{msg}");
    assert!(files_under(cache.path()).is_empty());
    // Offline with nothing cached: says so.
    let offline = Registry::new(
        RegistryOptions {
            offline: true,
            ..options(cache.path())
        },
        Arc::new(Anonymous),
    );
    let err = offline.pull(&format!("oci://{reference}")).unwrap_err();
    assert!(matches!(err, RegistryError::NotCached { .. }), "{err}");
    assert!(err.to_string().contains(&reference));
}

#[test]
fn bearer_token_challenges_are_answered() {
    let cache = tempfile::tempdir().unwrap();
    let fake = fake_registry(Fault::Bearer);
    let p = fault_registry(cache.path(), None)
        .pull(&fake.reference)
        .unwrap();
    assert_eq!(p.digest, fake.manifest_digest);
    let reqs = fake.server.requests();
    assert!(
        reqs.iter().any(|r| r.starts_with("GET /token?")),
        "{reqs:?}"
    );
    // One token for the manifest and the layer (same scope).
    assert_eq!(
        reqs.iter().filter(|r| r.contains("/token")).count(),
        1,
        "{reqs:?}"
    );
    // Anonymous: the token endpoint refuses, and the error says authentication failed.
    let err = Registry::new(options(cache.path()), Arc::new(Anonymous))
        .pull(&format!(
            "{}@{}",
            fake.reference.rsplit_once(':').unwrap().0,
            fake.manifest_digest
        ))
        .err();
    // The digest pull is served from the cache: no auth needed for cached content.
    assert!(err.is_none());
    let fresh = tempfile::tempdir().unwrap();
    let err = Registry::new(options(fresh.path()), Arc::new(Anonymous))
        .pull(&fake.reference)
        .unwrap_err();
    assert!(err.is_auth(), "{err}");
}

/// A registry that pages its 130 tags like distribution v3 and GHCR: `?n=&last=` and a
/// `Link: <…>; rel="next"` header, relative or absolute.
fn paging_server(absolute: bool, foreign_link: bool) -> FakeServer {
    let tags: Vec<String> = (0..130).map(|i| format!("1.{i}.0")).collect();
    FakeServer::start(Arc::new(move |_m, path, headers| {
        let Some(query) = path.strip_prefix("/v2/acme/svc/tags/list?") else {
            return Reply::new(404, "");
        };
        let mut n = 1000;
        let mut last = None;
        for kv in query.split('&') {
            match kv.split_once('=') {
                Some(("n", v)) => n = v.parse().unwrap(),
                Some(("last", v)) => last = Some(v.to_string()),
                _ => {}
            }
        }
        let start = last
            .map(|l| tags.iter().position(|t| *t == l).unwrap() + 1)
            .unwrap_or(0);
        let end = (start + n).min(tags.len());
        let body = serde_json::json!({"name": "acme/svc", "tags": &tags[start..end]}).to_string();
        let mut r = Reply::new(200, body);
        if end < tags.len() {
            let host = headers
                .iter()
                .find(|(k, _)| k == "host")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let rel = format!("/v2/acme/svc/tags/list?last={}&n={n}", tags[end - 1]);
            let target = if foreign_link {
                format!("http://elsewhere.example{rel}")
            } else if absolute {
                format!("http://{host}{rel}")
            } else {
                rel
            };
            r = r.header("Link", &format!("<{target}>; rel=\"next\""));
        }
        r
    }))
}

#[test]
fn tag_pages_are_followed() {
    let cache = tempfile::tempdir().unwrap();
    let paged = |max_pages: usize| {
        Registry::new(
            RegistryOptions {
                client: ClientOptions {
                    tag_page_size: 50,
                    max_tag_pages: max_pages,
                    ..ClientOptions::default()
                },
                // Every call lists again (a cached listing would answer the second call).
                no_cache: true,
                ..options(cache.path())
            },
            Arc::new(Anonymous),
        )
    };
    for absolute in [false, true] {
        let server = paging_server(absolute, false);
        let refr = format!("oci://{}/acme/svc", server.addr);
        let tags = paged(100).list_tags(&refr).unwrap();
        assert_eq!(tags.len(), 130);
        assert_eq!(tags.last().unwrap(), "1.129.0");
        let reqs = server.requests();
        assert_eq!(reqs.len(), 3, "{reqs:?}");
        assert_eq!(reqs[0], "GET /v2/acme/svc/tags/list?n=50");
        assert_eq!(reqs[1], "GET /v2/acme/svc/tags/list?last=1.49.0&n=50");
        // Too few pages allowed: a clear error rather than a partial answer.
        let err = paged(2).list_tags(&refr).unwrap_err();
        assert!(matches!(err, RegistryError::TooLarge { .. }), "{err}");
        assert!(err.to_string().contains("tag list"), "{err}");
    }
    // A next link to another host is not followed (credentials stay with the registry).
    let server = paging_server(true, true);
    let err = paged(100)
        .list_tags(&format!("oci://{}/acme/svc", server.addr))
        .unwrap_err();
    assert!(err.to_string().contains("leaves the registry"), "{err}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn invalid_references_are_refused_before_any_request() {
    let cache = tempfile::tempdir().unwrap();
    let r = registry(cache.path());
    for bad in [
        "oci://redis:7",
        "oci://127.0.0.1:1/UPPER/case:1",
        "oci://127.0.0.1:1/a/b@sha256:short",
        "oci://127.0.0.1:1/a/b:bad*tag",
    ] {
        let err = r.pull(bad).unwrap_err();
        assert!(
            matches!(err, RegistryError::InvalidReference { .. }),
            "{bad}: {err}"
        );
        assert!(err.to_string().contains(bad.trim_start_matches("oci://")));
    }
    let _ = Cache::disabled();
}

/// A new process over a warm cache does not list tags again until the listing expires.
#[test]
fn tag_listings_are_cached_on_disk_with_a_ttl() {
    let cache = tempfile::tempdir().unwrap();
    let server = paging_server(false, false);
    let refr = format!("oci://{}/acme/svc", server.addr);
    let registry = |ttl: u64| {
        Registry::new(
            RegistryOptions {
                tag_ttl: Some(std::time::Duration::from_secs(ttl)),
                ..options(cache.path())
            },
            Arc::new(Anonymous),
        )
    };
    assert_eq!(registry(300).list_tags(&refr).unwrap().len(), 130);
    let first = server.requests().len();
    assert!(first >= 1);
    // A second registry (a new process) answers from the disk cache.
    assert_eq!(registry(300).list_tags(&refr).unwrap().len(), 130);
    assert_eq!(server.requests().len(), first);
    // Expired: listed again.
    assert_eq!(registry(0).list_tags(&refr).unwrap().len(), 130);
    assert!(server.requests().len() > first);
}

/// Issue 15: a layer longer than its declared size was reported as a digest mismatch.
#[test]
fn a_layer_longer_than_declared_is_a_size_mismatch() {
    assert_fault(Fault::LongLayer, None, |e, msg| {
        assert!(matches!(e, RegistryError::InvalidArtifact { .. }), "{msg}");
        assert!(msg.contains("size mismatch: the layer is"), "{msg}");
        assert!(!msg.contains("digest mismatch"), "{msg}");
    });
}

/// Issue 15: the tag-list limit was reported in bytes.
#[test]
fn the_tag_list_limit_is_counted_in_tags() {
    let handler: Handler = Arc::new(|_, path, _| {
        if path.contains("/tags/list") {
            Reply::new(
                200,
                r#"{"name":"acme/svc","tags":["1.0.0","1.1.0","1.2.0"]}"#,
            )
        } else {
            Reply::new(404, "{}")
        }
    });
    let server = FakeServer::start(handler);
    let cache = tempfile::tempdir().unwrap();
    let r = Registry::new(
        RegistryOptions {
            client: ClientOptions {
                max_tags: 2,
                ..ClientOptions::default()
            },
            ..options(cache.path())
        },
        Arc::new(Anonymous),
    );
    let msg = r
        .list_tags(&format!("oci://{}/acme/svc", server.addr))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("tag list of ") && msg.contains("3 tags exceeds the limit of 2 tags"),
        "{msg}"
    );
}

/// A loopback server that answers every request with a 200 whose body trickles one byte every
/// `every` (or, with `None`, sends the headers and then nothing).
fn trickling_server(every: Option<Duration>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut b = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match stream.read(&mut b) {
                        Ok(1) => head.push(b[0]),
                        _ => return,
                    }
                }
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: 100000\r\n\r\n",
                );
                for _ in 0..100_000 {
                    match every {
                        Some(d) => {
                            std::thread::sleep(d);
                            if stream.write_all(b" ").is_err() {
                                return;
                            }
                        }
                        None => std::thread::sleep(Duration::from_secs(3600)),
                    }
                }
            });
        }
    });
    addr
}

/// Issue 15: a registry trickling a byte every little while kept a pull running for hours (each
/// read succeeded within the per-read timeout). The operation's deadline stops it.
#[test]
fn a_trickling_registry_hits_the_operation_deadline() {
    let addr = trickling_server(Some(Duration::from_millis(200)));
    let cache = tempfile::tempdir().unwrap();
    let r = Registry::new(
        RegistryOptions {
            client: ClientOptions {
                operation_timeout: Duration::from_secs(2),
                ..ClientOptions::default()
            },
            no_cache: true,
            ..options(cache.path())
        },
        Arc::new(Anonymous),
    );
    let start = std::time::Instant::now();
    let e = r.pull(&format!("oci://{addr}/acme/svc:1.0.0")).unwrap_err();
    let took = start.elapsed();
    let msg = e.to_string();
    assert!(matches!(e, RegistryError::Unreachable { .. }), "{msg}");
    assert!(msg.contains("timed out after 2 s"), "{msg}");
    assert!(msg.contains("PACTO_REGISTRY_TIMEOUT"), "{msg}");
    assert!(took < Duration::from_secs(6), "took {took:?}");
    // The untagged form lists tags first: the same deadline covers the whole operation.
    let start = std::time::Instant::now();
    let e = r.pull(&format!("oci://{addr}/acme/other")).unwrap_err();
    assert!(e.to_string().contains("timed out after 2 s"), "{e}");
    assert!(start.elapsed() < Duration::from_secs(6));
}

/// A connection that stalls (headers, then silence) is given up after the per-read timeout.
#[test]
fn a_stalled_registry_hits_the_read_timeout() {
    let addr = trickling_server(None);
    let cache = tempfile::tempdir().unwrap();
    let r = Registry::new(
        RegistryOptions {
            client: ClientOptions {
                io_timeout: Duration::from_secs(1),
                ..ClientOptions::default()
            },
            no_cache: true,
            ..options(cache.path())
        },
        Arc::new(Anonymous),
    );
    let start = std::time::Instant::now();
    let e = r.pull(&format!("oci://{addr}/acme/svc:1.0.0")).unwrap_err();
    assert!(matches!(e, RegistryError::Unreachable { .. }), "{e}");
    assert!(e.to_string().contains("nothing arrived for 1 s"), "{e}");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}
