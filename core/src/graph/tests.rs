#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use super::*;
use crate::diff::graph::{diff_graphs, GraphChangeType};
use crate::syntax::{parse, Limits};
use std::time::Duration;

/// A contract with `deps` as `(ref, compatibility)`; an empty compatibility is left out.
fn contract(name: &str, version: &str, deps: &[(&str, &str)]) -> String {
    let mut s = format!(
        "pactoVersion: \"1.0\"\nservice:\n  name: {name}\n  version: {version}\n  owner: team/x\n"
    );
    if !deps.is_empty() {
        s.push_str("dependencies:\n");
        for (r, c) in deps {
            s.push_str(&format!("  - ref: {r}\n    required: true\n"));
            if !c.is_empty() {
                s.push_str(&format!("    compatibility: \"{c}\"\n"));
            }
        }
    }
    s
}

fn model(text: &str) -> Contract {
    let parsed = parse(text, &Limits::default());
    Contract::from_tree(&parsed.tree.unwrap())
}

fn seq() -> ResolveOptions {
    ResolveOptions { parallelism: 1 }
}

fn par() -> ResolveOptions {
    ResolveOptions { parallelism: 8 }
}

fn diamond() -> (Contract, MemFetcher) {
    let root = model(&contract(
        "app",
        "1.0.0",
        &[("oci://r/a:1.0.0", "^1.0.0"), ("oci://r/b:1.0.0", "^1.0.0")],
    ));
    let f = MemFetcher::new()
        .with(
            "oci://r/a:1.0.0",
            &contract("a", "1.0.0", &[("oci://r/c:1.0.0", "")]),
        )
        .with(
            "oci://r/b:1.0.0",
            &contract("b", "1.0.0", &[("oci://r/c:1.0.0", "")]),
        )
        .with("oci://r/c:1.0.0", &contract("c", "1.0.0", &[]));
    (root, f)
}

#[test]
fn graph_diamond_is_shared_and_fetched_once() {
    let (root, f) = diamond();
    for opts in [seq(), par()] {
        let f = MemFetcher::new()
            .with(
                "oci://r/a:1.0.0",
                &contract("a", "1.0.0", &[("oci://r/c:1.0.0", "")]),
            )
            .with(
                "oci://r/b:1.0.0",
                &contract("b", "1.0.0", &[("oci://r/c:1.0.0", "")]),
            )
            .with("oci://r/c:1.0.0", &contract("c", "1.0.0", &[]));
        let g = resolve(&root, &f, &opts);
        assert_eq!(
            render_text(&g),
            "app@1.0.0\n├─ a@1.0.0\n│  └─ c@1.0.0\n└─ b@1.0.0\n   └─ c@1.0.0 (shared)\n"
        );
        assert_eq!(f.calls(), 3);
        assert_eq!(g.stats.fetches, 3);
        assert!(g.cycles.is_empty() && g.conflicts.is_empty());
    }
    let g = resolve(&root, &f, &seq());
    let shared = &g.root.dependencies[1].node.as_ref().unwrap().dependencies[0];
    assert!(shared.shared);
    assert!(shared.node.as_ref().unwrap().resolved.is_none());
    assert!(shared.node.as_ref().unwrap().dependencies.is_empty());
}

#[test]
fn graph_json_has_go_keys() {
    let (root, f) = diamond();
    let g = resolve(&root, &f, &par());
    let v: serde_json::Value = serde_json::from_str(&render_json(&g)).unwrap();
    assert_eq!(v["root"]["name"], "app");
    assert_eq!(v["root"]["version"], "1.0.0");
    assert!(v["root"].get("ref").is_none());
    let e = &v["root"]["dependencies"][1];
    assert_eq!(e["ref"], "oci://r/b:1.0.0");
    assert_eq!(e["required"], true);
    assert_eq!(e["compatibility"], "^1.0.0");
    let shared = &e["node"]["dependencies"][0];
    assert_eq!(shared["shared"], true);
    assert_eq!(shared["compatibility"], "");
    assert_eq!(shared["node"]["ref"], "oci://r/c:1.0.0");
    assert!(shared["node"].get("dependencies").is_none());
    assert!(v.get("cycles").is_none() && v.get("conflicts").is_none());
    let keys: Vec<&str> = v["root"]["dependencies"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["ref", "required", "compatibility", "node"]);
}

#[test]
fn graph_cycle_is_reported_with_its_path() {
    let root = model(&contract("app", "1.0.0", &[("oci://r/a:1.0.0", "")]));
    let f = MemFetcher::new()
        .with(
            "oci://r/a:1.0.0",
            &contract("a", "1.0.0", &[("oci://r/b:1.0.0", "")]),
        )
        .with(
            "oci://r/b:1.0.0",
            &contract("b", "1.0.0", &[("oci://r/a:1.0.0", "")]),
        );
    let g = resolve(&root, &f, &par());
    assert_eq!(
        render_text(&g),
        "app@1.0.0\n└─ a@1.0.0\n   └─ b@1.0.0\n      └─ a:1.0.0 (error: cycle detected: oci://r/a:1.0.0)\n\nCycles (1):\n  app -> oci://r/a:1.0.0 -> oci://r/b:1.0.0 -> oci://r/a:1.0.0\n"
    );
    assert_eq!(f.calls(), 2);
    let dot = render_dot(&g);
    assert!(
        dot.contains("n2 -> n1 [color=red, fontcolor=red, label=\"cycle\"];"),
        "{dot}"
    );
}

#[test]
fn graph_ref_named_like_the_root_is_a_cycle_without_fetching() {
    let root = model(&contract("app", "1.0.0", &[("app", "")]));
    let f = MemFetcher::new();
    let g = resolve(&root, &f, &par());
    assert_eq!(g.cycles, vec![vec!["app".to_string(), "app".to_string()]]);
    assert_eq!(f.calls(), 0);
}

#[test]
fn graph_conflicts_list_every_version() {
    let root = model(&contract(
        "my-app",
        "1.0.0",
        &[
            ("oci://r/redis-pacto:1.0.0", ""),
            ("oci://r/redis-pacto:2.0.0", ""),
        ],
    ));
    let f = MemFetcher::new()
        .with(
            "oci://r/redis-pacto:1.0.0",
            &contract("redis-pacto", "1.0.0", &[]),
        )
        .with(
            "oci://r/redis-pacto:2.0.0",
            &contract("redis-pacto", "2.0.0", &[]),
        );
    let g = resolve(&root, &f, &par());
    assert_eq!(
        g.conflicts,
        vec![Conflict {
            name: "redis-pacto".into(),
            versions: vec!["redis-pacto@1.0.0".into(), "redis-pacto@2.0.0".into()],
        }]
    );
    assert!(render_text(&g)
        .ends_with("\n\nConflicts (1):\n  redis-pacto: [redis-pacto@1.0.0 redis-pacto@2.0.0]\n"));
}

#[test]
fn graph_missing_dependency_is_an_error_edge() {
    let root = model(&contract(
        "app",
        "1.0.0",
        &[
            ("oci://r/missing:1.0.0", ""),
            ("oci://r/a:1.0.0", ""),
            ("oci://r/missing:1.0.0", ""),
        ],
    ));
    let f = MemFetcher::new().with(
        "oci://r/a:1.0.0",
        &contract("a", "1.0.0", &[("oci://r/x@sha256:0123456789abcdef", "")]),
    );
    let g = resolve(&root, &f, &par());
    assert_eq!(
        render_text(&g),
        "app@1.0.0\n\
         ├─ missing:1.0.0 (error: artifact not found: r/missing:1.0.0)\n\
         ├─ a@1.0.0\n\
         │  └─ x@sha256:0123456 (error: artifact not found: r/x@sha256:0123456789abcdef)\n\
         └─ missing:1.0.0 (error: artifact not found: r/missing:1.0.0)\n"
    );
    assert_eq!(f.calls(), 3, "the failed ref is fetched once");
    assert!(!g.root.dependencies[2].shared);
}

#[test]
fn graph_unreadable_contract_is_an_error_edge() {
    let root = model(&contract("app", "1.0.0", &[("oci://r/bad:1", "")]));
    let f = MemFetcher::new().with("oci://r/bad:1", "a: [\n");
    let g = resolve(&root, &f, &seq());
    let err = g.root.dependencies[0].error.as_deref().unwrap();
    assert!(
        err.starts_with("failed to parse oci://r/bad:1/pacto.yaml:"),
        "{err}"
    );
}

#[test]
fn graph_unsatisfied_compatibility_is_flagged_not_fatal() {
    let root = model(&contract(
        "app",
        "1.0.0",
        &[("oci://r/a:1.4.0", "^2.0.0"), ("oci://r/b:2.1.0", "^2.0.0")],
    ));
    let f = MemFetcher::new()
        .with("oci://r/a:1.4.0", &contract("a", "1.4.0", &[]))
        .with("oci://r/b:2.1.0", &contract("b", "2.1.0", &[]));
    let g = resolve(&root, &f, &par());
    assert_eq!(
        render_text(&g),
        "app@1.0.0\n├─ a@1.4.0 (unsatisfied: 1.4.0 does not satisfy ^2.0.0)\n└─ b@2.1.0\n"
    );
    let v: serde_json::Value = serde_json::from_str(&render_json(&g)).unwrap();
    assert_eq!(
        v["root"]["dependencies"][0]["unsatisfied"],
        "1.4.0 does not satisfy ^2.0.0"
    );
    assert!(v["root"]["dependencies"][1].get("unsatisfied").is_none());
    assert!(render_dot(&g).contains(
        "n0 -> n1 [color=red, fontcolor=red, label=\"unsatisfied: 1.4.0 does not satisfy ^2.0.0\"];"
    ));
    assert!(render_mermaid(&g).contains("linkStyle 0 stroke:#d00"));
}

#[test]
fn graph_untagged_ref_resolves_highest_satisfying_tag() {
    let tags = ["1.0.0", "2.0.0", "2.3.0", "3.0.0", "latest"];
    let mut f = MemFetcher::new().with_tags("oci://r/redis", &tags);
    for t in &tags[..4] {
        f.insert(&format!("oci://r/redis:{t}"), &contract("redis", t, &[]));
    }
    let root = model(&contract(
        "app",
        "1.0.0",
        &[("oci://r/redis", "^2.0.0"), ("oci://r/redis", "^9.0.0")],
    ));
    let g = resolve(&root, &f, &par());
    let e = &g.root.dependencies[0];
    let n = e.node.as_ref().unwrap();
    assert_eq!(n.version, "2.3.0");
    assert_eq!(n.reference, "oci://r/redis");
    assert_eq!(
        n.resolved.as_ref().unwrap().resolved_ref,
        "oci://r/redis:2.3.0"
    );
    assert!(e.unsatisfied.is_none());
    // The same ref with another constraint is shared with the first (as Go keys by ref), and
    // the mismatch is flagged.
    let e2 = &g.root.dependencies[1];
    assert!(e2.shared);
    assert_eq!(
        e2.unsatisfied.as_deref(),
        Some("2.3.0 does not satisfy ^9.0.0")
    );

    let root = model(&contract("app", "1.0.0", &[("oci://r/redis", "^9.0.0")]));
    let g = resolve(&root, &f, &seq());
    assert_eq!(
        g.root.dependencies[0].error.as_deref(),
        Some("no tags satisfy constraint \"^9.0.0\"")
    );
    let f = MemFetcher::new().with_tags("oci://r/redis", &["latest", "main"]);
    let g = resolve(&root, &f, &seq());
    assert_eq!(
        g.root.dependencies[0].error.as_deref(),
        Some("no semver tags found")
    );
}

/// xorshift: reproducible pseudo-random numbers without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// `n` services in layers; each depends on up to three later ones, some missing, some shared,
/// one cycle, one conflict, with random per-ref delays.
fn generated(n: usize, seed: u64) -> (Contract, MemFetcher) {
    let mut rng = Rng(seed);
    let mut f = MemFetcher::new();
    let r = |i: usize| format!("oci://reg/svc-{i}:1.{}.0", i % 3);
    for i in 0..n {
        let mut deps: Vec<(String, String)> = Vec::new();
        for _ in 0..3 {
            let j = i + 1 + (rng.next() as usize % 7);
            if j < n + 2 {
                deps.push((r(j), String::new()));
            }
        }
        if i == n / 2 {
            deps.push((r(1), String::new())); // a cycle back up
            deps.push(("oci://reg/svc-3:9.9.9".into(), String::new())); // a conflict
        }
        let deps_ref: Vec<(&str, &str)> =
            deps.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        f.insert(
            &r(i),
            &contract(&format!("svc-{i}"), &format!("1.{}.0", i % 3), &deps_ref),
        );
        f.set_delay(&r(i), Duration::from_micros(rng.next() % 3000));
    }
    f.insert("oci://reg/svc-3:9.9.9", &contract("svc-3", "9.9.9", &[]));
    let root = model(&contract(
        "root",
        "1.0.0",
        &[(&r(0), ""), (&r(1), ""), (&r(2), "")],
    ));
    (root, f)
}

#[test]
fn graph_output_is_deterministic_under_random_latency() {
    let (root, f) = generated(40, 0x9e3779b97f4a7c15);
    let expected = resolve(&root, &f, &seq());
    let (text, json) = (render_text(&expected), render_json(&expected));
    assert!(
        text.contains("(shared)") && text.contains("(error: "),
        "{text}"
    );
    assert!(!expected.cycles.is_empty() && !expected.conflicts.is_empty());
    for _ in 0..20 {
        let (root, f) = generated(40, 0x9e3779b97f4a7c15);
        let g = resolve(&root, &f, &par());
        assert_eq!(render_text(&g), text);
        assert_eq!(render_json(&g), json);
        assert_eq!(render_dot(&g), render_dot(&expected));
        assert_eq!(g.stats.fetches, expected.stats.fetches);
        assert_eq!(f.calls(), g.stats.fetches);
    }
}

#[test]
fn graph_parallel_fetches_overlap_and_sequential_do_not() {
    let deps: Vec<String> = (0..6).map(|i| format!("oci://r/s{i}:1.0.0")).collect();
    let pairs: Vec<(&str, &str)> = deps.iter().map(|d| (d.as_str(), "")).collect();
    let root = model(&contract("app", "1.0.0", &pairs));
    let make = || {
        let mut f = MemFetcher::new().with_delay(Duration::from_millis(20));
        for (i, d) in deps.iter().enumerate() {
            f.insert(d, &contract(&format!("s{i}"), "1.0.0", &[]));
        }
        f
    };
    let f = make();
    let g = resolve(&root, &f, &par());
    assert!(f.max_in_flight() >= 2, "{}", f.max_in_flight());
    assert!(f.max_in_flight() <= 8);
    assert_eq!(g.stats.fetches, 6);
    assert_eq!(g.stats.workers, 8);
    let f = make();
    let g = resolve(&root, &f, &seq());
    assert_eq!(f.max_in_flight(), 1);
    assert_eq!(g.stats.workers, 1);
    let f = make();
    let g = resolve(&root, &f, &ResolveOptions { parallelism: 2 });
    assert_eq!(f.max_in_flight(), 2);
    assert_eq!(g.stats.fetches, 6);
}

#[test]
fn graph_no_dependencies_starts_no_threads() {
    let root = model(&contract("app", "0.1.0", &[]));
    let g = resolve(&root, &MemFetcher::new(), &par());
    assert_eq!(render_text(&g), "app@0.1.0\n");
    assert_eq!(g.stats, ResolveStats::default());
    assert_eq!(
        render_json(&g),
        "{\n  \"root\": {\n    \"name\": \"app\",\n    \"version\": \"0.1.0\"\n  }\n}\n"
    );
}

#[test]
fn graph_short_refs() {
    assert_eq!(short_ref("oci://ghcr.io/acme/redis:1.0.0"), "redis:1.0.0");
    assert_eq!(
        short_ref("oci://ghcr.io/acme/pg@sha256:abcdef0123456789"),
        "pg@sha256:abcdef0"
    );
    assert_eq!(
        short_ref("oci://ghcr.io/acme/pg@sha256:abc"),
        "pg@sha256:abc"
    );
    assert_eq!(short_ref("../auth"), "auth");
    assert_eq!(short_ref("auth"), "auth");
}

#[test]
fn graph_ref_helpers() {
    assert!(has_explicit_tag("host:5000/repo:1.0"));
    assert!(has_explicit_tag("host/repo@sha256:abc"));
    assert!(!has_explicit_tag("host:5000/repo"));
    assert!(uses_constraint("oci://ghcr.io/acme/redis"));
    assert!(!uses_constraint("oci://ghcr.io/acme/redis:1"));
    assert!(!uses_constraint("../redis"));
    assert_eq!(oci_ref_name("ghcr.io/org/pactos/my-svc:1.0.0"), "my-svc");
    assert_eq!(oci_ref_name("ghcr.io/org/my-svc"), "my-svc");
    assert_eq!(oci_ref_name("host:5000/svc"), "svc");
    assert_eq!(
        clean_path(std::path::Path::new("/a/b/../c/./d")),
        std::path::PathBuf::from("/a/c/d")
    );
    assert_eq!(
        clean_path(std::path::Path::new("../x/../../y")),
        std::path::PathBuf::from("../../y")
    );
    assert_eq!(
        clean_path(std::path::Path::new("/..")),
        std::path::PathBuf::from("/")
    );
}

#[test]
fn graph_router_sends_oci_refs_to_the_oci_fetcher() {
    let oci: Arc<dyn Fetcher> =
        Arc::new(MemFetcher::new().with("oci://r/a:1", &contract("a", "1", &[])));
    let router = Router {
        local: Arc::new(LocalFetcher::new("/nonexistent-base/root")),
        oci: Some(oci),
    };
    assert!(router.fetch("oci://r/a:1", None).is_ok());
    let err = router.fetch("../b", None).unwrap_err();
    assert!(err.contains("/nonexistent-base/b:"), "{err}");
    let router = Router {
        local: Arc::new(LocalFetcher::default()),
        oci: None,
    };
    let err = router.fetch("oci://r/a:1", None).unwrap_err();
    assert!(err.contains("cannot pull from OCI registries"), "{err}");
}

#[test]
fn graph_local_fetcher_resolves_against_the_base() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("auth")).unwrap();
    std::fs::write(
        dir.path().join("auth/pacto.yaml"),
        contract("auth", "2.3.0", &[]),
    )
    .unwrap();
    let f = LocalFetcher::new(dir.path().join("root"));
    for r in ["../auth", "file://../auth"] {
        let got = f.fetch(r, None).unwrap();
        assert!(got.contract_text.contains("auth"));
        assert_eq!(
            std::path::Path::new(&got.resolved_ref),
            dir.path().join("auth")
        );
    }
    let abs = dir.path().join("auth");
    assert!(f.fetch(abs.to_str().unwrap(), None).is_ok());
    let err = f.fetch("../nope", None).unwrap_err();
    assert!(err.starts_with("failed to access "), "{err}");
    assert!(f.fetch("oci://x/y:1", None).is_err());
}

#[test]
fn graph_local_override_prefers_siblings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("redis-pacto")).unwrap();
    std::fs::write(
        dir.path().join("redis-pacto/pacto.yaml"),
        contract("redis-pacto", "2.0.0-local", &[]),
    )
    .unwrap();
    let inner: Arc<dyn Fetcher> = Arc::new(
        MemFetcher::new()
            .with(
                "oci://r/redis-pacto:2.0.0",
                &contract("redis-pacto", "2.0.0", &[]),
            )
            .with("oci://r/pg:1.0.0", &contract("pg", "1.0.0", &[])),
    );
    let f = LocalOverride {
        parent: dir.path().to_path_buf(),
        inner,
    };
    let got = parse_fetched(f.fetch("oci://r/redis-pacto:2.0.0", None).unwrap()).unwrap();
    assert_eq!(got.contract.service_version(), "2.0.0-local");
    let got = parse_fetched(f.fetch("oci://r/pg:1.0.0", None).unwrap()).unwrap();
    assert_eq!(got.contract.service_version(), "1.0.0");
}

// ---- graph diff (spec §4.6) ----

fn app(version: &str, deps: &[(&str, &str)]) -> Contract {
    model(&contract("my-app", version, deps))
}

fn registry() -> MemFetcher {
    MemFetcher::new()
        .with(
            "oci://r/postgres-pacto:1.0.0",
            &contract("postgres-pacto", "1.0.0", &[]),
        )
        .with(
            "oci://r/redis-pacto:1.0.0",
            &contract("redis-pacto", "1.0.0", &[("oci://r/base:1.0.0", "")]),
        )
        .with(
            "oci://r/redis-pacto:2.0.0",
            &contract("redis-pacto", "2.0.0", &[("oci://r/base:2.0.0", "")]),
        )
        .with("oci://r/base:1.0.0", &contract("base", "1.0.0", &[]))
        .with("oci://r/base:2.0.0", &contract("base", "2.0.0", &[]))
}

#[test]
fn graph_diff_reports_version_changes_additions_and_removals() {
    let f = registry();
    let old = resolve(
        &app(
            "1.0.0",
            &[
                ("oci://r/postgres-pacto:1.0.0", ""),
                ("oci://r/redis-pacto:1.0.0", ""),
            ],
        ),
        &f,
        &par(),
    );
    let new = resolve(
        &app("2.0.0", &[("oci://r/redis-pacto:2.0.0", "")]),
        &f,
        &par(),
    );
    let d = diff_graphs(Some(&old), Some(&new));
    assert_eq!(
        d.render_tree(),
        "my-app\n├─ redis-pacto   1.0.0 → 2.0.0\n│  └─ base          1.0.0 → 2.0.0\n└─ postgres-pacto-1.0.0\n"
    );
    let names: Vec<(&str, GraphChangeType)> = d
        .changes
        .iter()
        .map(|c| (c.name.as_str(), c.change_type))
        .collect();
    assert_eq!(
        names,
        [
            ("base", GraphChangeType::VersionChanged),
            ("postgres-pacto", GraphChangeType::Removed),
            ("redis-pacto", GraphChangeType::VersionChanged),
        ]
    );
    let v = serde_json::to_value(&d).unwrap();
    assert_eq!(v["root"]["name"], "my-app");
    assert_eq!(v["root"]["version"], "2.0.0");
    assert_eq!(
        v["changes"][1],
        serde_json::json!({"name": "postgres-pacto", "changeType": "removed", "oldVersion": "1.0.0"})
    );

    let same = diff_graphs(Some(&old), Some(&old));
    assert!(!same.has_changes());
    assert_eq!(same.render_tree(), "my-app\n");
}

#[test]
fn graph_diff_one_sided() {
    let (root, f) = diamond();
    let g = resolve(&root, &f, &par());
    let d = diff_graphs(None, Some(&g));
    assert_eq!(
        d.render_tree(),
        "app\n├─ a             +1.0.0\n│  └─ c             +1.0.0\n└─ b             +1.0.0\n   └─ c             +1.0.0\n"
    );
    assert_eq!(d.changes.len(), 3);
    let d = diff_graphs(Some(&g), None);
    assert!(d
        .changes
        .iter()
        .all(|c| c.change_type == GraphChangeType::Removed && c.new_version.is_none()));
    let d = diff_graphs(None, None);
    assert!(!d.has_changes());
    assert_eq!(d.root.name, "");
}

#[test]
fn graph_diff_uses_the_full_old_node_behind_a_shared_copy() {
    // Old: c is resolved under a and shared under b. New: b comes first, so c is resolved under
    // b. Without the full-node index, b's old copy of c has no children: a phantom `added`.
    let f = MemFetcher::new()
        .with("oci://r/a:1", &contract("a", "1", &[("oci://r/c:1", "")]))
        .with("oci://r/b:1", &contract("b", "1", &[("oci://r/c:1", "")]))
        .with("oci://r/c:1", &contract("c", "1", &[("oci://r/d:1", "")]))
        .with("oci://r/d:1", &contract("d", "1", &[]));
    let old = resolve(
        &app("1", &[("oci://r/a:1", ""), ("oci://r/b:1", "")]),
        &f,
        &par(),
    );
    let new = resolve(
        &app("1", &[("oci://r/b:1", ""), ("oci://r/a:1", "")]),
        &f,
        &par(),
    );
    let d = diff_graphs(Some(&old), Some(&new));
    assert!(!d.has_changes(), "{:?}", d.changes);
}

#[test]
fn graph_dependency_diffs_compare_both_contracts() {
    let f = registry();
    let old = resolve(
        &app("1.0.0", &[("oci://r/redis-pacto:1.0.0", "")]),
        &f,
        &par(),
    );
    let new = resolve(
        &app("2.0.0", &[("oci://r/redis-pacto:2.0.0", "")]),
        &f,
        &par(),
    );
    let deps = crate::diff::graph::dependency_diffs(&old, &new);
    assert!(deps.errors.is_empty());
    let names: Vec<&str> = deps.diffs.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["base", "redis-pacto"]);
    let redis = &deps.diffs[1];
    let paths: Vec<&str> = redis.changes.iter().map(|c| c.path.as_str()).collect();
    assert!(paths.contains(&"service.version"), "{paths:?}");
    assert!(paths.contains(&"dependencies"), "{paths:?}");
}

/// A 2.0 contract with `deps` as `(name, ref, required, compatibility)`: 2.0 names each
/// dependency and always says whether it is required.
fn contract_v2(name: &str, version: &str, deps: &[(&str, &str, bool, &str)]) -> String {
    let mut s = format!(
        "pactoVersion: \"2.0\"\nservice:\n  name: {name}\n  version: {version}\n  owner:\n    team: x\nworkload: service\n"
    );
    if !deps.is_empty() {
        s.push_str("dependencies:\n");
        for (n, r, req, c) in deps {
            s.push_str(&format!(
                "  - name: {n}\n    ref: {r}\n    required: {req}\n    compatibility: \"{c}\"\n"
            ));
        }
    }
    s
}

/// 2.0 and 1.x bundles in one graph: a 2.0 root reaches a 1.x bundle that reaches a 2.0 one,
/// untagged refs pick their tag by the constraint whatever the generation, a 2.0 `required:
/// false` edge is optional, and one service met at two versions across generations is a
/// conflict.
#[test]
fn graph_mixes_generations() {
    let root = model(&contract_v2(
        "checkout",
        "3.0.0",
        &[
            ("payments", "oci://r/payments", true, "^2.0.0"),
            ("auth", "oci://r/auth:1.2.0", false, "^1.0.0"),
        ],
    ));
    for opts in [seq(), par()] {
        let f = MemFetcher::new()
            .with_tags("oci://r/payments", &["1.9.0", "2.1.0", "3.0.0"])
            .with(
                "oci://r/payments:2.1.0",
                &contract_v2(
                    "payments",
                    "2.1.0",
                    &[("ledger", "oci://r/ledger:1.5.2", true, "~1.5.0")],
                ),
            )
            .with(
                "oci://r/ledger:1.5.2",
                &contract("ledger", "1.5.2", &[("oci://r/tokens:2.0.1", "^2.0.0")]),
            )
            .with(
                "oci://r/auth:1.2.0",
                &contract("auth", "1.2.0", &[("oci://r/tokens:1.9.0", "^1.0.0")]),
            )
            .with("oci://r/tokens:2.0.1", &contract_v2("tokens", "2.0.1", &[]))
            .with("oci://r/tokens:1.9.0", &contract("tokens", "1.9.0", &[]));
        let g = resolve(&root, &f, &opts);
        assert_eq!(
            render_text(&g),
            "checkout@3.0.0\n├─ payments@2.1.0\n│  └─ ledger@1.5.2\n│     └─ tokens@2.0.1\n└─ auth@1.2.0\n   └─ tokens@1.9.0\n\nConflicts (1):\n  tokens: [tokens@1.9.0 tokens@2.0.1]\n"
        );
        let edges = g.edges();
        let req: Vec<(&str, bool, &str)> = edges
            .iter()
            .map(|e| (e.reference.as_str(), e.required, e.compatibility.as_str()))
            .collect();
        assert_eq!(
            req,
            vec![
                ("oci://r/payments", true, "^2.0.0"),
                ("oci://r/ledger:1.5.2", true, "~1.5.0"),
                ("oci://r/tokens:2.0.1", true, "^2.0.0"),
                ("oci://r/auth:1.2.0", false, "^1.0.0"),
                ("oci://r/tokens:1.9.0", true, "^1.0.0"),
            ]
        );
        assert!(edges
            .iter()
            .all(|e| e.unsatisfied.is_none() && e.error.is_none()));
        // The optional 2.0 edge is dashed/dotted in the diagrams.
        assert!(
            render_dot(&g).contains("n0 -> n4 [style=dashed];"),
            "{}",
            render_dot(&g)
        );
        assert!(render_mermaid(&g).contains("n0 -.-> n4"));
    }
}
