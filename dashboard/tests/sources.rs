//! Sources under issue 15: policy references resolved against the fleet and the registry
//! (never "offline" without `--offline`), a `pacto.yaml` symlink that leaves its bundle,
//! Refresh seeing a tag pushed a second ago (the real registry of `scripts/test-infra`), and
//! one failing source next to working ones.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

#[path = "support/registry.rs"]
mod registry;
#[path = "support/server.rs"]
mod server;

use pacto_core::bundle::archive::pack_dir;
use pacto_core::registry::{auth::Anonymous, BundleMeta, Registry, RegistryOptions};
use pacto_dashboard::{Config, Dashboard};
use registry::{anonymous_registry, registry_or_skip, unique_prefix};
use serde_json::Value;
use server::{agent, start, Server};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

fn local_config(dir: &Path) -> Config {
    Config {
        dir: Some(dir.to_path_buf()),
        no_cache: true,
        kubernetes: false,
        refresh: Duration::from_secs(3600),
        ..Config::default()
    }
}

/// (status, body) of `GET path`.
fn get(s: &Server, path: &str) -> (u16, String) {
    let mut r = agent().get(format!("{}{path}", s.base)).call().unwrap();
    (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
}

fn ok_json(s: &Server, path: &str) -> Value {
    let (status, body) = get(s, path);
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// The Go Pacto demo corpus (`$PACTO_COMPAT_CORPUS` or `../shared/corpus`), when present.
fn corpus() -> Option<PathBuf> {
    let base = std::env::var_os("PACTO_COMPAT_CORPUS")
        .map(PathBuf::from)
        .or_else(|| {
            let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
            p.is_dir().then_some(p)
        });
    let Some(base) = base else {
        if std::env::var_os("CI").is_some() {
            panic!("CI must provide the compatibility corpus (PACTO_COMPAT_CORPUS)");
        }
        eprintln!("skipping: no compatibility corpus (set PACTO_COMPAT_CORPUS)");
        return None;
    };
    let demo = base.join("pacto-demo");
    Some(if demo.is_dir() { demo } else { base })
}

/// Every service's detail answer, by name.
fn details(s: &Server) -> Vec<(String, String)> {
    let list = ok_json(s, "/api/services");
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let name = e["name"].as_str().unwrap().to_string();
            let (status, body) = get(s, &format!("/api/services/{name}"));
            assert_eq!(status, 200, "{name}: {body}");
            (name, body)
        })
        .collect()
}

/// Issue 15: without `--offline`, the corpus's `oci://…/platform-http-policy` references were
/// all "not enforced: offline mode" (a false Warning on 6 of 15 services). The policy bundle
/// is in the same fleet: it is enforced, and no service says offline or unresolved.
#[test]
fn corpus_policy_refs_resolve_in_the_fleet_not_offline() {
    let Some(corpus) = corpus() else { return };
    let s = start(Arc::new(Dashboard::detect(local_config(&corpus), None)));
    let all = details(&s);
    assert!(all.len() >= 15, "{} services", all.len());
    let mut with_policy_refs = 0;
    for (name, body) in &all {
        assert!(
            !body.contains("POLICY_NOT_ENFORCED") && !body.contains("offline mode"),
            "{name} says offline without --offline: {body}"
        );
        assert!(
            !body.contains("POLICY_REF_UNRESOLVED"),
            "{name}: the policy bundle is in the fleet: {body}"
        );
        let text = std::fs::read_dir(&corpus)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy() == name.as_str())
            .map(|e| std::fs::read_to_string(e.path().join("pacto.yaml")).unwrap_or_default())
            .collect::<String>();
        if text.contains("ref: oci://ghcr.io/trianalab/pacto-demo/platform-http-policy") {
            with_policy_refs += 1;
        }
    }
    assert!(
        with_policy_refs >= 4,
        "{with_policy_refs} services with policy refs"
    );

    // With --offline the same references say so (and only then).
    let s = start(Arc::new(Dashboard::detect(
        Config {
            offline: true,
            ..local_config(&corpus)
        },
        None,
    )));
    let (_, body) = get(&s, "/api/services/auth-service");
    assert!(body.contains("POLICY_NOT_ENFORCED"), "{body}");
    assert!(body.contains("offline mode"), "{body}");
}

/// A policy reference neither the fleet nor a registry has is "unresolved" with the reason,
/// not "offline".
#[test]
fn an_unknown_policy_ref_is_unresolved_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("svc")).unwrap();
    std::fs::write(
        tmp.path().join("svc/pacto.yaml"),
        "pactoVersion: \"1.0\"\nservice:\n  name: svc\n  version: 1.0.0\npolicies:\n  - name: p\n    ref: oci://registry.invalid/acme/missing-policy:1.0.0\n",
    )
    .unwrap();
    let s = start(Arc::new(Dashboard::detect(local_config(tmp.path()), None)));
    let (status, body) = get(&s, "/api/services/svc");
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("offline mode"), "{body}");
    assert!(body.contains("POLICY_REF_UNRESOLVED"), "{body}");
    assert!(
        body.contains("no bundle missing-policy 1.0.0 in the local fleet")
            && body.contains("no registry client"),
        "{body}"
    );
}

const MARKER: &str = "TOPSECRET-7f3a9c-OUTSIDE-THE-BUNDLE";

/// Issue 15: a bundle's `pacto.yaml` (or a doc page) that is a symbolic link out of the bundle
/// is reported as escaping, and the target's content never appears in any answer.
#[cfg(unix)]
#[test]
fn a_symlink_out_of_the_bundle_is_reported_and_never_read() {
    use std::os::unix::fs::symlink;
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(
        outside.join("secret.yaml"),
        format!("pactoVersion: \"1.0\"\nservice:\n  name: leaked\n  version: 9.9.9\nmetadata:\n  secret: {MARKER}\n"),
    )
    .unwrap();
    std::fs::write(outside.join("secret.md"), format!("# {MARKER}\n")).unwrap();
    let fleet = tmp.path().join("fleet");
    std::fs::create_dir_all(fleet.join("leak")).unwrap();
    symlink(outside.join("secret.yaml"), fleet.join("leak/pacto.yaml")).unwrap();
    std::fs::create_dir_all(fleet.join("ok/docs")).unwrap();
    std::fs::write(
        fleet.join("ok/pacto.yaml"),
        "pactoVersion: \"1.0\"\nservice:\n  name: ok\n  version: 1.0.0\ninterfaces:\n  - name: http\n    type: http\n    port: 8080\n    contract: interfaces/openapi.json\n",
    )
    .unwrap();
    symlink(outside.join("secret.md"), fleet.join("ok/docs/readme.md")).unwrap();
    std::fs::write(
        outside.join("openapi.json"),
        format!("{{\"openapi\":\"3.0.0\",\"info\":{{\"title\":\"{MARKER}\",\"version\":\"1\"}},\"paths\":{{}}}}"),
    )
    .unwrap();
    std::fs::create_dir_all(fleet.join("ok/interfaces")).unwrap();
    symlink(
        outside.join("openapi.json"),
        fleet.join("ok/interfaces/openapi.json"),
    )
    .unwrap();
    std::fs::write(fleet.join("ok/docs/own.md"), "# own page\n").unwrap();

    let s = start(Arc::new(Dashboard::detect(
        Config {
            diagnostics: true,
            ..local_config(&fleet)
        },
        None,
    )));
    let sources = ok_json(&s, "/api/sources");
    let local = &sources["sources"][0];
    assert_eq!(local["state"], "degraded", "{local}");
    let problems = local["problems"].to_string();
    assert!(
        problems.contains("leaves the bundle") && problems.contains("leak"),
        "{problems}"
    );
    assert!(!problems.contains("FILE_NOT_FOUND"), "{problems}");
    // The doc page behind a link is refused as escaping, not "not found"; its own page is served.
    let (status, body) = get(&s, "/api/services/ok/docs?path=docs/readme.md");
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("leaves the bundle"), "{body}");
    let (status, body) = get(&s, "/api/services/ok/docs?path=docs/own.md");
    assert_eq!(status, 200, "{body}");
    // An interface file behind a link is a diagnostic on that service that says it escapes.
    let (status, body) = get(&s, "/api/services/ok");
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("escapes the bundle through a symbolic link"),
        "{body}"
    );
    // Nothing anywhere carries the target's content.
    let mut paths: Vec<String> = [
        "/api/sources",
        "/api/overview",
        "/api/services",
        "/api/graph",
        "/api/owners",
        "/api/debug/sources",
        "/api/debug/services",
        "/api/services/ok",
        "/api/services/ok/versions",
        "/api/services/ok/sources",
        "/api/services/ok/docs?path=docs/readme.md",
        "/api/services/leaked",
        "/api/fleet/services",
    ]
    .iter()
    .map(|p| p.to_string())
    .collect();
    paths.push("/api/services/ok/graph".into());
    for p in &paths {
        let (_, body) = get(&s, p);
        assert!(
            !body.contains(MARKER),
            "{p} leaks the link's target: {body}"
        );
        assert!(
            !body.contains("9.9.9"),
            "{p} shows the target's version: {body}"
        );
    }
}

/// Issue 15: Refresh showed a newly pushed tag only after minutes (the tag listing came from the
/// disk cache). Against the real registry: push, Refresh, see it at once.
#[test]
fn refresh_lists_a_tag_pushed_a_moment_ago() {
    let Some(reg) = registry_or_skip("refresh_lists_a_tag_pushed_a_moment_ago") else {
        return;
    };
    let prefix = unique_prefix(&reg, "pacto-dashboard-refresh");
    let cache = tempfile::tempdir().unwrap();
    let publisher_cache = tempfile::tempdir().unwrap();
    let publisher = anonymous_registry(publisher_cache.path());
    let tmp = tempfile::tempdir().unwrap();
    let push = |version: &str| {
        let dir = tmp.path().join(version);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("pacto.yaml"),
            format!("pactoVersion: \"1.0\"\nservice:\n  name: fresh\n  version: {version}\n"),
        )
        .unwrap();
        let meta = BundleMeta {
            name: "fresh".into(),
            version: version.into(),
            pacto_version: "1.0".into(),
        };
        publisher
            .push(
                &format!("{prefix}/fresh:{version}"),
                &pack_dir(&dir).unwrap(),
                &meta,
                false,
            )
            .unwrap();
    };
    push("1.0.0");
    let empty = tempfile::tempdir().unwrap();
    // The dashboard's client with its own disk cache (tag listings kept for minutes).
    let dashboard_registry = anonymous_registry(cache.path());
    let s = start(Arc::new(Dashboard::detect(
        Config {
            repos: vec![format!("oci://{prefix}/fresh")],
            cache_dir: Some(cache.path().to_path_buf()),
            ..local_config(empty.path())
        },
        Some(dashboard_registry),
    )));
    let versions = |s: &Server| -> Vec<String> {
        ok_json(s, "/api/services/fresh/versions")
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["version"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(versions(&s), ["1.0.0"]);
    push("1.1.0");
    let mut r = agent()
        .post(format!("{}/api/refresh", s.base))
        .header("content-type", "application/json")
        .send("{}".as_bytes())
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        200,
        "{}",
        r.body_mut().read_to_string().unwrap()
    );
    assert_eq!(
        versions(&s),
        ["1.1.0", "1.0.0"],
        "Refresh must list the new tag at once"
    );
    assert_eq!(ok_json(&s, "/api/services/fresh")["version"], "1.1.0");
}

/// Issue 15: one failing source must not blank the Graph or Compare pages: every answer they
/// read is 200 with what the other sources have, and the failed source is marked failed with
/// its error.
#[test]
fn one_failing_source_leaves_the_others_served_and_marked() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/demo");
    let registry = Arc::new(Registry::new(
        RegistryOptions {
            no_cache: true,
            ..RegistryOptions::default()
        },
        Arc::new(Anonymous),
    ));
    let s = start(Arc::new(Dashboard::detect(
        Config {
            repos: vec!["oci://127.0.0.1:9/nothing/here".into()],
            ..local_config(&demo)
        },
        Some(registry),
    )));
    let sources = ok_json(&s, "/api/sources");
    let list = sources["sources"].as_array().unwrap();
    let oci = list.iter().find(|x| x["type"] == "oci").unwrap();
    assert_eq!(oci["failed"], true, "{oci}");
    assert!(
        oci["error"].as_str().unwrap().contains("127.0.0.1:9"),
        "{oci}"
    );
    let local = list.iter().find(|x| x["type"] == "local").unwrap();
    assert_eq!(local["failed"], false, "{local}");
    assert!(local.get("error").is_none(), "{local}");
    // Graph and Compare read these: all answered from the local source.
    let graph = ok_json(&s, "/api/graph");
    assert!(!graph["nodes"].as_array().unwrap().is_empty());
    let services = ok_json(&s, "/api/services");
    let name = services[0]["name"].as_str().unwrap().to_string();
    ok_json(&s, &format!("/api/services/{name}/versions"));
    ok_json(&s, &format!("/api/services/{name}/graph"));
    ok_json(&s, &format!("/api/diff?from_name={name}&to_name={name}"));
    let overview = ok_json(&s, "/api/overview");
    assert_eq!(overview["complete"], false);
}

/// Issue 15: a policy reference outside the fleet is fetched from the live registry and
/// enforced (the real registry of `scripts/test-infra`): a violation is reported, not
/// "offline mode".
#[test]
fn a_policy_ref_in_the_registry_is_fetched_and_enforced() {
    let Some(reg) = registry_or_skip("a_policy_ref_in_the_registry_is_fetched_and_enforced") else {
        return;
    };
    let prefix = unique_prefix(&reg, "pacto-dashboard-policy");
    let cache = tempfile::tempdir().unwrap();
    let registry = anonymous_registry(cache.path());
    let policy = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(policy.path().join("policy")).unwrap();
    std::fs::write(
        policy.path().join("pacto.yaml"),
        "pactoVersion: \"1.0\"\nservice:\n  name: gold-policy\n  version: 1.0.0\n",
    )
    .unwrap();
    std::fs::write(
        policy.path().join("policy/schema.json"),
        r#"{"type":"object","required":["metadata"],"properties":{"metadata":{"type":"object","required":["tier"],"properties":{"tier":{"const":"gold"}}}}}"#,
    )
    .unwrap();
    let meta = BundleMeta {
        name: "gold-policy".into(),
        version: "1.0.0".into(),
        pacto_version: "1.0".into(),
    };
    registry
        .push(
            &format!("{prefix}/gold-policy:1.0.0"),
            &pack_dir(policy.path()).unwrap(),
            &meta,
            false,
        )
        .unwrap();
    let fleet = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(fleet.path().join("svc")).unwrap();
    std::fs::write(
        fleet.path().join("svc/pacto.yaml"),
        format!("pactoVersion: \"1.0\"\nservice:\n  name: svc\n  version: 1.0.0\nmetadata:\n  tier: bronze\npolicies:\n  - name: gold\n    ref: oci://{prefix}/gold-policy:1.0.0\n"),
    )
    .unwrap();
    let s = start(Arc::new(Dashboard::detect(
        local_config(fleet.path()),
        Some(registry),
    )));
    let (status, body) = get(&s, "/api/services/svc");
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("offline mode"), "{body}");
    assert!(!body.contains("POLICY_REF_UNRESOLVED"), "{body}");
    assert!(
        body.contains("POLICY_VIOLATION"),
        "the policy was not enforced: {body}"
    );
}
