//! The fleet snapshot and impact engine (`pacto_core::fleet`, `pacto_core::impact`) on the 2.0
//! demo fleet (`fixtures/demo-v2`), its target-state and trace fixtures (`fixtures/fleet`), the
//! 1.x fleet (`fixtures/demo`) and a mixed one: consumers, depths, paths, verdicts,
//! confidences, the envelope and Go's limitation codes.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use pacto_core::fleet::{
    self, BuildOptions, Completeness, Direction, GraphQuery, SearchFilter, Snapshot, SourceSpec,
    StatusQuery,
};
use pacto_core::graph::load_local;
use pacto_core::impact::{self, AffectedConsumer, Confidence, ImpactResult};
use std::path::{Path, PathBuf};

const AS_OF: &str = "2026-12-01T00:00:00Z";

fn fixtures(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(p)
}

fn options() -> BuildOptions {
    BuildOptions {
        as_of: Some(AS_OF.into()),
        freshness_secs: None,
        validate: true,
    }
}

fn snapshot(specs: &[SourceSpec]) -> Snapshot {
    fleet::build(specs, None, &options())
}

fn demo_v2() -> Snapshot {
    snapshot(&[SourceSpec::Local(fixtures("demo-v2"))])
}

fn run(old: &str, new: &str, snap: &Snapshot, options: &impact::Options) -> ImpactResult {
    let o = load_local(&fixtures(old).display().to_string()).unwrap();
    let n = load_local(&fixtures(new).display().to_string()).unwrap();
    impact::analyze(&o.side(), &n.side(), snap, options).unwrap()
}

fn consumer<'r>(r: &'r ImpactResult, name: &str) -> &'r AffectedConsumer {
    r.consumers
        .iter()
        .find(|c| c.service == name)
        .unwrap_or_else(|| panic!("{name} is not a consumer: {:?}", r.consumers))
}

#[test]
fn snapshot_of_the_demo_v2_fleet() {
    let s = demo_v2();
    assert_eq!(s.schema_version, "pacto.dev/fleet/v1");
    assert_eq!(s.generated_at, AS_OF);
    assert_eq!(s.completeness, Completeness::Complete);
    assert!(s.limitations.is_empty(), "{:?}", s.limitations);
    assert_eq!(s.services.len(), 7);
    assert_eq!(s.revisions.len(), 12);
    let orders = &s.services["orders"];
    assert_eq!(orders.owner_display(), "commerce");
    // Nothing runs it: NotEvaluated (Go's service roll-up), not an empty status.
    assert_eq!(orders.status, "NotEvaluated");
    let versions: Vec<&str> = orders
        .revisions
        .iter()
        .map(|k| s.revisions[k].version.as_str())
        .collect();
    assert_eq!(versions, ["1.0.0", "2.0.0"], "oldest first");
    assert!(orders.revisions[0].starts_with("orders@sha256:"));
    // Dependency edges by name from `oci://…/<service>` refs; the external 1.x one is unresolved.
    assert_eq!(s.dependents("orders"), ["dispatch", "storefront"]);
    assert_eq!(s.dependencies("orders"), ["inventory", "menu", "payments"]);
    let unresolved: Vec<_> = s.relationships.iter().filter(|r| !r.resolved).collect();
    assert_eq!(
        unresolved.len(),
        2,
        "payments 2.0.0 and 2.1.0 -> payment-gateway"
    );
    assert!(unresolved
        .iter()
        .all(|r| r.to == "oci://ghcr.io/northwind/payment-gateway"));
    // Deterministic: the same sources give the same snapshot id.
    assert_eq!(s.snapshot_id, demo_v2().snapshot_id);
    assert!(s.snapshot_id.starts_with("sha256:"));
}

#[test]
fn status_lists_the_invalid_contract_the_unmet_gate_and_the_unresolved_dependency() {
    let s = demo_v2();
    let r = s.status(&StatusQuery::default());
    let codes: Vec<(&str, &str)> = r
        .items
        .iter()
        .map(|i| (i.code.as_str(), i.name.split('@').next().unwrap()))
        .collect();
    assert_eq!(
        codes,
        [
            ("INVALID_CONTRACT", "notifications"),
            ("MISSING_READINESS", "notifications"),
            ("MISSING_READINESS", "notifications"),
            ("READINESS_GATE_UNMET", "dispatch"),
            (
                "UNRESOLVED_DEPENDENCY",
                "payments→oci://ghcr.io/northwind/payment-gateway"
            ),
        ]
    );
    assert!(r.items[0].reason.contains("CAPABILITY_INTERFACE_UNKNOWN"));
    let only = s.status(&StatusQuery {
        invalid: true,
        ..StatusQuery::default()
    });
    assert_eq!(only.items.len(), 1);
}

#[test]
fn impact_of_a_breaking_orders_release_on_its_consumers() {
    let s = demo_v2();
    let r = run(
        "demo-v2/orders/1.0.0",
        "demo-v2/orders/2.0.0",
        &s,
        &impact::Options::default(),
    );
    assert_eq!(r.schema_version, "pacto.dev/impact/v1");
    assert_eq!(r.snapshot_id, s.snapshot_id);
    assert_eq!(r.as_of, AS_OF);
    assert_eq!(
        (r.old_version.as_str(), r.new_version.as_str()),
        ("1.0.0", "2.0.0")
    );
    assert_eq!(r.classification.as_str(), "BREAKING");
    assert_eq!(r.breaking_changes.len(), 6);
    assert_eq!(r.potentially_breaking_changes.len(), 1);
    let names: Vec<&str> = r.consumers.iter().map(|c| c.service.as_str()).collect();
    assert_eq!(names, ["dispatch", "storefront"]);
    let d = consumer(&r, "dispatch");
    assert_eq!((d.depth, d.direct, d.required), (1, true, true));
    assert_eq!(d.path, ["dispatch", "orders"]);
    assert_eq!(d.compatibility, "^2.0.0");
    assert_eq!(d.compatibility_verdict, "compatible");
    assert_eq!(
        (d.provenance.as_str(), d.confidence),
        ("declared", Confidence::Contractual)
    );
    let sf = consumer(&r, "storefront");
    assert_eq!(sf.compatibility, "^1.0.0");
    assert_eq!(sf.compatibility_verdict, "incompatible");
    assert_eq!(sf.confidence, Confidence::Contractual);
    assert_eq!(r.owners, ["logistics", "web"]);
    assert!(r.active_targets.is_empty());
    assert_eq!(r.completeness, Completeness::Complete);
    // Declared-only, no targets: nothing is active, so it does not block.
    assert!(!r.blocks());
}

#[test]
fn transitive_consumers_are_inferred_with_their_path() {
    let r = run(
        "demo-v2/inventory/3.0.0",
        "demo-v2/inventory/4.0.0",
        &demo_v2(),
        &impact::Options::default(),
    );
    let o = consumer(&r, "orders");
    // orders' newest revision (2.0.0) asks ^4.0.0.
    assert_eq!((o.depth, o.compatibility.as_str()), (1, "^4.0.0"));
    assert_eq!(o.compatibility_verdict, "compatible");
    for name in ["dispatch", "storefront"] {
        let c = consumer(&r, name);
        assert_eq!((c.depth, c.direct), (2, false));
        assert_eq!(c.path, [name, "orders", "inventory"]);
        assert_eq!(c.confidence, Confidence::Inferred);
        assert_eq!(c.provenance, "inferred");
        assert_eq!(c.compatibility_verdict, "unknown");
        assert!(!c.required && c.compatibility.is_empty());
    }
}

#[test]
fn targets_make_consumers_active_and_the_release_blocking() {
    let s = snapshot(&[
        SourceSpec::Local(fixtures("demo-v2")),
        SourceSpec::TargetState(fixtures("fleet/targets.yaml")),
    ]);
    assert_eq!(s.completeness, Completeness::Complete);
    assert_eq!(s.targets.len(), 3);
    assert_eq!(s.services["orders"].status, "NonCompliant");
    let r = run(
        "demo-v2/orders/1.0.0",
        "demo-v2/orders/2.0.0",
        &s,
        &impact::Options::default(),
    );
    assert_eq!(
        consumer(&r, "storefront").targets,
        ["production-eu/kubernetes-workload/web%2Fstorefront"]
    );
    assert_eq!(
        r.active_targets,
        [
            "production-eu/kubernetes-workload/commerce%2Forders",
            "production-eu/kubernetes-workload/web%2Fstorefront",
            "staging/kubernetes-workload/logistics%2Fdispatch",
        ]
    );
    assert!(
        r.blocks(),
        "storefront is incompatible and runs in production"
    );
    // A compatible active consumer alone does not block: inventory's release breaks nobody's range.
    let r = run(
        "demo-v2/inventory/3.0.0",
        "demo-v2/inventory/4.0.0",
        &s,
        &impact::Options::default(),
    );
    assert!(!r.blocks());
}

#[test]
fn observed_traffic_corroborates_and_surfaces_shadow_consumers_only_when_asked() {
    let s = demo_v2();
    let traces = fleet::traces::read_file(&fixtures("fleet/traces.json")).unwrap();
    let declared_only = run(
        "demo-v2/orders/1.0.0",
        "demo-v2/orders/2.0.0",
        &s,
        &impact::Options {
            include_observed: false,
            observed: Some(traces.clone()),
        },
    );
    assert_eq!(
        declared_only.consumers.len(),
        2,
        "no opt-in, no observed evidence"
    );
    let r = run(
        "demo-v2/orders/1.0.0",
        "demo-v2/orders/2.0.0",
        &s,
        &impact::Options {
            include_observed: true,
            observed: Some(traces),
        },
    );
    let sf = consumer(&r, "storefront");
    assert_eq!(
        (sf.provenance.as_str(), sf.confidence),
        ("declared+observed", Confidence::Corroborated)
    );
    let n = consumer(&r, "notifications");
    assert_eq!((n.depth, n.direct), (1, true));
    assert_eq!(
        (n.provenance.as_str(), n.confidence),
        ("observed", Confidence::Observed)
    );
    assert_eq!(n.compatibility_verdict, "unknown");
    assert_eq!(n.path, ["notifications", "orders"]);
    assert!(r
        .limitations
        .iter()
        .any(|l| l.code == "OBSERVED_IDENTITY_UNRESOLVED" && l.message.contains("legacy-batch")));
    // Folded into the snapshot by a --traces source, the same edges count when opted in.
    let s = snapshot(&[
        SourceSpec::Local(fixtures("demo-v2")),
        SourceSpec::Traces(fixtures("fleet/traces.json")),
    ]);
    let r = run(
        "demo-v2/orders/1.0.0",
        "demo-v2/orders/2.0.0",
        &s,
        &impact::Options {
            include_observed: true,
            observed: None,
        },
    );
    assert_eq!(
        consumer(&r, "notifications").confidence,
        Confidence::Observed
    );
}

#[test]
fn a_service_absent_from_the_fleet_is_a_limitation_not_an_empty_blast_radius() {
    let s = snapshot(&[SourceSpec::Local(fixtures("demo"))]);
    let r = run(
        "demo-v2/orders/1.0.0",
        "demo-v2/orders/2.0.0",
        &s,
        &impact::Options::default(),
    );
    assert!(r.consumers.is_empty());
    assert_eq!(r.completeness, Completeness::Partial);
    assert!(r
        .limitations
        .iter()
        .any(|l| l.code == "SERVICE_NOT_IN_FLEET"));
}

#[test]
fn one_x_fleet_and_mixed_generations() {
    let s = snapshot(&[SourceSpec::Local(fixtures("demo"))]);
    assert_eq!(s.completeness, Completeness::Complete);
    assert_eq!(s.dependents("payment-gateway"), ["billing"]);
    let mixed = snapshot(&[
        SourceSpec::Local(fixtures("demo")),
        SourceSpec::Local(fixtures("demo-v2")),
    ]);
    assert_eq!(
        mixed
            .sources
            .iter()
            .map(|s| s.id.as_str())
            .collect::<Vec<_>>(),
        ["local-1", "local-2"]
    );
    // The 2.0 payments now resolves its 1.x dependency.
    assert_eq!(mixed.dependents("payment-gateway"), ["billing", "payments"]);
    let g = mixed
        .graph(&GraphQuery {
            service: "payment-gateway".into(),
            direction: Direction::Dependents,
            transitive: true,
            max_depth: 2,
        })
        .unwrap();
    let nodes: Vec<(&str, usize)> = g.nodes.iter().map(|n| (n.name.as_str(), n.depth)).collect();
    assert!(nodes.contains(&("payments", 1)) && nodes.contains(&("orders", 2)));
    assert!(
        nodes.iter().all(|(_, d)| *d <= 2),
        "max depth honoured: {nodes:?}"
    );
}

#[test]
fn search_is_bounded_and_filters_by_owner_interface_and_text() {
    let s = demo_v2();
    let all = s.search(&SearchFilter::default()).unwrap();
    assert_eq!((all.total, all.count), (7, 7));
    let page = s
        .search(&SearchFilter {
            limit: 2,
            offset: 2,
            ..SearchFilter::default()
        })
        .unwrap();
    let names: Vec<&str> = page.services.iter().map(|h| h.name.as_str()).collect();
    assert_eq!((page.total, names), (7, vec!["menu", "notifications"]));
    let by_owner = s
        .search(&SearchFilter {
            owner: "LOGISTICS".into(),
            ..SearchFilter::default()
        })
        .unwrap();
    assert_eq!(by_owner.services[0].name, "dispatch");
    let grpc = s
        .search(&SearchFilter {
            interface: "grpc".into(),
            ..SearchFilter::default()
        })
        .unwrap();
    assert_eq!(
        grpc.services
            .iter()
            .map(|h| h.name.as_str())
            .collect::<Vec<_>>(),
        ["inventory"]
    );
    let bad = s.search(&SearchFilter {
        status: "Broken".into(),
        ..SearchFilter::default()
    });
    assert!(bad
        .unwrap_err()
        .to_string()
        .contains("not a canonical status"));
}

#[test]
fn unreadable_sources_make_the_snapshot_partial() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("svc/1.0.0")).unwrap();
    std::fs::write(
        dir.path().join("svc/1.0.0/pacto.yaml"),
        "pactoVersion: \"9.9\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("bad.yaml"), "schemaVersion: nope\n").unwrap();
    let s = snapshot(&[
        SourceSpec::Local(dir.path().to_path_buf()),
        SourceSpec::Local(dir.path().join("missing")),
        SourceSpec::TargetState(dir.path().join("bad.yaml")),
        SourceSpec::Unsupported {
            id: "k8s".into(),
            kind: "kubernetes".into(),
            reason: "not here".into(),
        },
    ]);
    assert_eq!(s.completeness, Completeness::Partial);
    let codes: Vec<&str> = s.limitations.iter().map(|l| l.code.as_str()).collect();
    assert!(codes.contains(&"SOURCE_RECORD_INVALID"), "{codes:?}");
    assert_eq!(
        codes.iter().filter(|c| **c == "SOURCE_UNAVAILABLE").count(),
        3
    );
    let statuses: Vec<&str> = s.sources.iter().map(|s| s.status.as_str()).collect();
    assert_eq!(
        statuses,
        ["partial", "unavailable", "unavailable", "unavailable"]
    );
    let empty = snapshot(&[]);
    assert!(empty
        .limitations
        .iter()
        .any(|l| l.code == "NO_SOURCES_CONFIGURED"));
}

#[test]
fn target_state_files_are_strict() {
    let ok = fleet::targets::parse(
        "schemaVersion: pacto.dev/fleet-targets/v1\ntargets:\n  - service: a\n    name: n\n  - service: b\n",
    )
    .unwrap();
    assert_eq!(ok.targets.len(), 1);
    assert_eq!(
        ok.invalid.len(),
        1,
        "an entry without a name is skipped and reported"
    );
    assert!(
        fleet::targets::parse("schemaVersion: pacto.dev/fleet-targets/v1\nextra: 1\n")
            .unwrap_err()
            .contains("unknown field")
    );
    assert!(fleet::targets::parse("schemaVersion: v2\n").is_err());
}

#[test]
fn freshness_marks_old_evidence_stale() {
    let s = fleet::build(
        &[SourceSpec::TargetState(fixtures("fleet/targets.yaml"))],
        None,
        &BuildOptions {
            as_of: Some(AS_OF.into()),
            freshness_secs: Some(3600),
            validate: false,
        },
    );
    let stale: Vec<&str> = s
        .targets
        .values()
        .filter(|t| t.stale)
        .map(|t| t.service.as_str())
        .collect();
    assert_eq!(stale, ["orders", "storefront"]);
    let e = s.explain("orders").unwrap();
    let codes: Vec<&str> = e.reasons.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, ["PERSISTENCE_MISMATCH", "SOURCE_STALE"]);
}
