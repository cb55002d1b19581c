//! The dashboard on Pacto 2.0 contracts (issue 18): the 2.0 demo fleet (`fixtures/demo-v2`,
//! whose README states what each bundle shows) over a real loopback socket, and a fleet that
//! mixes it with the 1.x demo (`fixtures/demo`). 2.0 sections (`workload`, `state`,
//! `capabilities` with bindings, interface `ref`s of every kind, the structured owner,
//! `readiness.claims`) on the detail pages, 2.0 validation, the readiness gate and 2.0 diffs;
//! bundles of both generations from the real registry of `scripts/test-infra`
//! (`PACTO_TEST_REGISTRY`; skipped with a reason when it is not set, unless `CI` is set).

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

#[path = "support/registry.rs"]
mod registry;
#[path = "support/server.rs"]
mod server;

use pacto_core::bundle::archive::pack_dir;
use pacto_core::registry::BundleMeta;
use pacto_dashboard::k8s::{RuntimeInfo, RuntimeSource};
use pacto_dashboard::{Config, Dashboard};
use registry::{anonymous_registry, registry_or_skip, unique_prefix};
use serde_json::{json, Value};
use server::{agent, start, Server};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn demo_v2() -> PathBuf {
    repo_root().join("fixtures/demo-v2")
}

fn server_on(dir: &Path) -> Server {
    start(Arc::new(Dashboard::detect(
        Config {
            dir: Some(dir.to_path_buf()),
            no_cache: true,
            kubernetes: false,
            refresh: Duration::from_secs(3600),
            ..Config::default()
        },
        None,
    )))
}

fn ok_json(s: &Server, path: &str) -> Value {
    let mut r = agent().get(format!("{}{path}", s.base)).call().unwrap();
    let status = r.status().as_u16();
    let body = r.body_mut().read_to_string().unwrap();
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
}

fn find<'a>(list: &'a Value, key: &str, name: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|x| x[key] == name)
        .unwrap_or_else(|| panic!("no {key} = {name} in {list}"))
}

/// A 2.0 service page: workload and state (top-level in 2.0), capabilities with their
/// bindings, the extension capability's ref, interfaces by their `ref` with the operations
/// of the OpenAPI document, the structured owner. Before, all of these were missing (the
/// detail read the 1.x shape only: no runtime, no interface documents, no capabilities).
#[test]
fn a_2_0_service_shows_workload_state_capabilities_and_interface_refs() {
    let s = server_on(&demo_v2());
    // payments 2.0.0: health and metrics bound to payments-api, an extension capability.
    let d = ok_json(&s, "/api/services/payments/versions/2.0.0");
    assert_eq!(d["pactoVersion"], "2.0");
    assert_eq!(d["workload"], "service");
    assert_eq!(
        d["state"],
        json!({"type": "stateful", "persistenceScope": "shared", "persistenceDurability": "persistent", "dataCriticality": "high"})
    );
    assert_eq!(
        d["capabilities"],
        json!([
            {"type": "health", "binding": {"type": "http", "interface": "payments-api", "path": "/healthz"}, "bindingResolved": true},
            {"type": "metrics", "binding": {"type": "http", "interface": "payments-api", "path": "/metrics"}, "bindingResolved": true},
            {"type": "extension", "ref": "larkspur.example/pci-audit", "bindingResolved": null},
        ])
    );
    assert_eq!(
        d["extensions"],
        json!({"larkspur.example/pci-audit": {"retentionDays": 400}})
    );
    assert_eq!(d["owner"]["team"], "finance");
    assert_eq!(d["owner"]["dri"], "ade.okafor");
    assert_eq!(d["owner"]["contacts"].as_array().unwrap().len(), 2);
    // The declared runtime (contract vs runtime) is the 2.0 workload and state.
    assert_eq!(d["runtime"]["workloadType"], "service");
    assert_eq!(d["runtime"]["stateType"], "stateful");
    assert_eq!(d["runtime"]["scope"], "shared");
    assert_eq!(d["lifecycle"]["health"]["interface"], "payments-api");
    assert_eq!(d["lifecycle"]["health"]["path"], "/healthz");
    let api = find(&d["interfaces"], "name", "payments-api");
    assert_eq!(api["type"], "openapi");
    assert_eq!(api["contractFile"], "interfaces/openapi.yaml");
    assert_eq!(api["hasContractFile"], true);
    let endpoints = api["endpoints"].as_array().unwrap();
    assert!(
        endpoints
            .iter()
            .any(|e| e["method"] == "GET" && e["path"] == "/healthz"),
        "{endpoints:?}"
    );
    // The agent tools of its OpenAPI operations, named as `pacto mcp BUNDLE` names them.
    let mut tools: Vec<(String, bool)> = d["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["mutating"] == true,
            )
        })
        .collect();
    tools.sort();
    assert_eq!(
        tools,
        [
            ("createCharge".to_string(), true),
            ("health".to_string(), false),
            ("metrics".to_string(), false),
            ("refundCharge".to_string(), true),
        ]
    );
    let health = find(&d["tools"], "name", "health");
    assert_eq!(
        (&health["method"], &health["path"], &health["interface"]),
        (&json!("GET"), &json!("/healthz"), &json!("payments-api"))
    );
    assert_eq!(d["sectionMeta"]["capabilities"]["state"], "present");
    assert_eq!(d["sectionMeta"]["runtime"]["state"], "present");
    // Dependencies carry their declared 2.0 name next to the service they resolve to.
    let gw = find(&d["dependencies"], "name", "payment-gateway");
    assert_eq!(gw["ref"], "oci://ghcr.io/northwind/payment-gateway");
    assert_eq!(
        find(&d["dependencies"], "name", "notifications")["targetName"],
        "notifications"
    );
    assert_eq!(d["validation"]["valid"], true, "{}", d["validation"]);
    // The current version (2.1.0) dropped the extension capability and its block.
    let cur = ok_json(&s, "/api/services/payments");
    assert_eq!(cur["version"], "2.1.0");
    let kinds: Vec<&str> = cur["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["health", "metrics"]);
    assert_eq!(cur["extensions"], Value::Null);
}

/// Interface kinds of 2.0: a gRPC `.proto` lists its rpcs, an AsyncAPI 3.0 document its
/// channels with the top-level operations that use them (3.0 has no publish/subscribe).
#[test]
fn grpc_and_asyncapi_3_interfaces_list_their_surface() {
    let s = server_on(&demo_v2());
    let d = ok_json(&s, "/api/services/inventory");
    assert_eq!(d["version"], "4.0.0");
    let grpc = find(&d["interfaces"], "name", "stock-api");
    assert_eq!(grpc["type"], "grpc");
    assert_eq!(grpc["contractFile"], "interfaces/stock.proto");
    assert_eq!(
        grpc["rpcs"],
        json!([
            {"service": "Stock", "rpc": "GetStock", "signature": "(GetStockRequest) returns (StockLevel)"},
            {"service": "Stock", "rpc": "Reserve", "signature": "(ReserveRequest) returns (Reservation)"},
        ])
    );
    let feed = find(&d["interfaces"], "name", "stock-feed");
    assert_eq!(feed["type"], "asyncapi");
    assert_eq!(feed["contractFile"], "interfaces/stock-events.yaml");
    let ch = find(&feed["channels"], "channel", "stockChanged");
    assert_eq!(ch["address"], "inventory.stock.changed");
    assert_eq!(ch["operations"], json!(["publishStockChanged (send)"]));
    // The version before: rpc ReleaseReservation is still there.
    let old = ok_json(&s, "/api/services/inventory/versions/3.0.0");
    let rpcs = find(&old["interfaces"], "name", "stock-api")["rpcs"].clone();
    assert!(
        rpcs.as_array()
            .unwrap()
            .iter()
            .any(|r| r["rpc"] == "ReleaseReservation"),
        "{rpcs}"
    );
    let orders = ok_json(&s, "/api/services/orders/versions/1.0.0");
    let events = find(&orders["interfaces"], "name", "order-events");
    let cancelled = find(&events["channels"], "channel", "orderCancelled");
    assert_eq!(
        cancelled["operations"],
        json!(["publishOrderCancelled (send)"])
    );
}

/// Readiness claims (2.0) are scored and gated as 1.2 checks are: dispatch 50 against 80 is
/// below its gate and needs attention; every other assessment passes. Before, a 2.0 contract
/// had no readiness at all ("readiness needs pactoVersion 1.2").
#[test]
fn readiness_claims_have_a_score_and_a_gate() {
    let s = server_on(&demo_v2());
    let list = ok_json(&s, "/api/services");
    let dispatch = find(&list, "name", "dispatch");
    let r = &dispatch["readiness"];
    assert_eq!(r["score"], 50);
    assert_eq!(r["minScore"], 80);
    assert_eq!(r["gate"], "BelowMinScore");
    assert_eq!(r["passing"], false);
    assert_eq!(r["declaredAs"], "claims");
    // runbook done 30, load test partial 15 of 30, failover 0 of 30, second region deferred.
    assert_eq!(
        (&r["earnedWeight"], &r["totalWeight"]),
        (&json!(45), &json!(90))
    );
    assert_eq!(r["deferredCount"], 1);
    let deferred = find(&r["checks"], "id", "second-region");
    assert_eq!(deferred["excluded"], true);
    assert_ne!(dispatch["health"], "ok", "below its gate is never OK");
    assert!(
        dispatch["attention"].to_string().contains("below its gate"),
        "{}",
        dispatch["attention"]
    );
    let menu = find(&list, "name", "menu");
    assert_eq!(
        (
            &menu["readiness"]["score"],
            &menu["readiness"]["minScore"],
            &menu["readiness"]["gate"]
        ),
        (&json!(85), &json!(70), &json!("Satisfied"))
    );
    let declared: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| !x["readiness"].is_null())
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        declared,
        [
            "dispatch",
            "inventory",
            "menu",
            "orders",
            "payments",
            "storefront"
        ]
    );
    for name in &declared {
        let g = &find(&list, "name", name)["readiness"]["gate"];
        assert_eq!(
            *g,
            if *name == "dispatch" {
                "BelowMinScore"
            } else {
                "Satisfied"
            },
            "{name}"
        );
    }
    let d = ok_json(&s, "/api/services/dispatch");
    assert_eq!(d["readiness"], *r);
    assert_eq!(d["sectionMeta"]["readiness"]["state"], "present");
    // notifications declares no claims: an empty section, not "not applicable".
    let n = ok_json(&s, "/api/services/notifications/versions/1.0.0");
    assert_eq!(n["readiness"], Value::Null);
    assert_eq!(n["sectionMeta"]["readiness"]["state"], "empty");
}

/// Judged by 2.0 rules: the one invalid bundle shows its code at its path and its binding is
/// flagged; every other bundle of the fleet validates clean.
#[test]
fn the_invalid_2_0_bundle_shows_its_code_and_the_others_are_clean() {
    let s = server_on(&demo_v2());
    let d = ok_json(&s, "/api/services/notifications");
    assert_eq!(d["version"], "1.1.0");
    assert_eq!(d["contractStatus"], "Invalid");
    assert_eq!(d["validation"]["valid"], false);
    assert_eq!(
        d["validation"]["errors"],
        json!([{
            "code": "CAPABILITY_INTERFACE_UNKNOWN",
            "path": "capabilities[0].binding.interface",
            "message": d["validation"]["errors"][0]["message"],
        }])
    );
    let health = &d["capabilities"][0];
    assert_eq!(health["binding"]["interface"], "notify-api");
    assert_eq!(health["bindingResolved"], false);
    let list = ok_json(&s, "/api/services");
    for entry in list.as_array().unwrap() {
        let name = entry["name"].as_str().unwrap();
        for v in ok_json(&s, &format!("/api/services/{name}/versions"))
            .as_array()
            .unwrap()
        {
            let version = v["version"].as_str().unwrap();
            let at = ok_json(&s, &format!("/api/services/{name}/versions/{version}"));
            let invalid = name == "notifications" && version == "1.1.0";
            assert_eq!(
                at["validation"]["valid"], !invalid,
                "{name} {version}: {}",
                at["validation"]
            );
            if !invalid {
                assert_eq!(at["validation"]["warnings"], json!([]), "{name} {version}");
            }
        }
    }
}

/// The version pages of 2.0 services: each release's verdict and its changes as
/// `fixtures/demo-v2/README.md` lists them (Go Pacto 3.x's classification).
#[test]
fn version_diffs_match_the_demo_readme() {
    let s = server_on(&demo_v2());
    let cases = [
        ("storefront", "1.0.0", "1.1.0", "NON_BREAKING"),
        ("payments", "2.0.0", "2.1.0", "POTENTIAL_BREAKING"),
        ("orders", "1.0.0", "2.0.0", "BREAKING"),
        ("inventory", "3.0.0", "4.0.0", "BREAKING"),
    ];
    for (name, from, to, verdict) in cases {
        let versions = ok_json(&s, &format!("/api/services/{name}/versions"));
        assert_eq!(
            find(&versions, "version", to)["classification"],
            verdict,
            "{name}"
        );
        let d = ok_json(
            &s,
            &format!("/api/diff?from_name={name}&from_version={from}&to_version={to}"),
        );
        assert_eq!(d["classification"], verdict, "{name}: {d}");
    }
    let changes = |name: &str, from: &str, to: &str| -> Vec<(String, String)> {
        let d = ok_json(
            &s,
            &format!("/api/diff?from_name={name}&from_version={from}&to_version={to}"),
        );
        d["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["path"].as_str().unwrap().to_string(),
                    c["classification"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let has = |list: &[(String, String)], path: &str, class: &str| {
        assert!(
            list.iter().any(|(p, c)| p == path && c == class),
            "{path} {class} not in {list:?}"
        );
    };
    let orders = changes("orders", "1.0.0", "2.0.0");
    for p in [
        "state.type",
        "state.persistence.scope",
        "state.persistence.durability",
        "openapi.paths[/v1/orders/{orderId}/cancel]",
        "asyncapi.channels[orderCancelled]",
        "asyncapi.operations[publishOrderCancelled]",
    ] {
        has(&orders, p, "BREAKING");
    }
    has(&orders, "dependencies.compatibility", "POTENTIAL_BREAKING");
    has(&orders, "readiness.claims[chaos-test]", "NON_BREAKING");
    let payments = changes("payments", "2.0.0", "2.1.0");
    has(&payments, "dependencies.required", "POTENTIAL_BREAKING");
    has(&payments, "readiness.claims[refund-replay]", "NON_BREAKING");
    has(&payments, "capabilities", "POTENTIAL_BREAKING");
    let inventory = changes("inventory", "3.0.0", "4.0.0");
    has(&inventory, "interfaces.type", "BREAKING");
    has(&inventory, "interfaces.ref", "POTENTIAL_BREAKING");
    has(
        &inventory,
        "grpc.rpcs[Stock.ReleaseReservation]",
        "BREAKING",
    );
    has(
        &inventory,
        "grpc.messages[ReleaseReservationRequest]",
        "BREAKING",
    );
    has(
        &inventory,
        "grpc.messages[ReserveRequest].fields[warehouse_hint]",
        "BREAKING",
    );
    let storefront = changes("storefront", "1.0.0", "1.1.0");
    assert!(
        storefront.iter().all(|(_, c)| c == "NON_BREAKING"),
        "{storefront:?}"
    );
}

/// A fleet of both generations: the 2.0 `payments` depends on Northwind's 1.x
/// `payment-gateway`, and the edge is drawn (resolved, in the graph); the 1.x services keep
/// their 1.x shape (no capabilities, their `runtime`).
#[test]
fn a_mixed_fleet_draws_the_edge_from_a_2_0_service_to_a_1_x_one() {
    let tmp = tempfile::tempdir().unwrap();
    for fleet in ["fixtures/demo", "fixtures/demo-v2"] {
        copy_dir(&repo_root().join(fleet), tmp.path());
    }
    let s = server_on(tmp.path());
    let pay = ok_json(&s, "/api/services/payments");
    let gw = find(&pay["dependencies"], "targetName", "payment-gateway");
    assert_eq!(gw["resolved"], true, "{gw}");
    assert_eq!(gw["problem"], Value::Null);
    assert_eq!(gw["targetId"], "payment-gateway");
    assert!(
        !pay["attention"].to_string().contains("payment-gateway"),
        "{}",
        pay["attention"]
    );
    let graph = ok_json(&s, "/api/graph");
    let node = find(&graph["nodes"], "id", "payments");
    assert!(
        node["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["targetId"] == "payment-gateway"),
        "{node}"
    );
    let dependents = ok_json(&s, "/api/services/payment-gateway/dependents");
    assert!(
        dependents.to_string().contains("\"payments\""),
        "{dependents}"
    );
    // The overview and the list say which generation each service is on.
    let counts = &ok_json(&s, "/api/overview")["counts"];
    assert_eq!(
        (&counts["pactoV2"], &counts["pactoV1"]),
        (&json!(7), &json!(14)),
        "{counts}"
    );
    let list = ok_json(&s, "/api/services");
    assert_eq!(find(&list, "name", "payments")["pactoVersion"], "2.0");
    assert_eq!(
        find(&list, "name", "payment-gateway")["pactoVersion"],
        "1.0"
    );
    // The 1.x side stays 1.x.
    let v1 = ok_json(&s, "/api/services/payment-gateway");
    assert_ne!(v1["pactoVersion"], "2.0");
    assert_eq!(v1["capabilities"], Value::Null);
    assert_eq!(v1["workload"], Value::Null);
    assert_eq!(v1["sectionMeta"]["capabilities"]["state"], "not_applicable");
    assert_eq!(v1["validation"]["valid"], true, "{}", v1["validation"]);
    let billing = ok_json(&s, "/api/services/billing");
    assert_eq!(billing["capabilities"], Value::Null);
    assert_eq!(billing["state"], Value::Null);
    assert!(!billing["runtime"].is_null(), "{}", billing["runtime"]);
    assert_eq!(billing["sectionMeta"]["runtime"]["state"], "present");
}

/// Contract vs runtime for a 2.0 service: the top-level `workload` and `state` are what the
/// deployment is compared with (before, a 2.0 contract declared "nothing" and every row was
/// skipped).
#[test]
fn a_2_0_contract_is_compared_with_its_runtime() {
    struct Cluster;
    impl RuntimeSource for Cluster {
        fn describe(&self) -> String {
            "fake cluster".into()
        }
        fn snapshot(&self) -> Result<Vec<RuntimeInfo>, String> {
            Ok(vec![RuntimeInfo {
                name: "payments".into(),
                namespace: "shop".into(),
                resource: "payments".into(),
                contract_status: "Warning".into(),
                version: "2.1.0".into(),
                resolved_ref: String::new(),
                current_revision: String::new(),
                last_reconciled_at: String::new(),
                version_policy: "pinned-tag".into(),
                summary: json!({"total": 2, "passed": 1, "failed": 1}),
                conditions: vec![],
                endpoints: vec![],
                resources: Value::Null,
                ports: Value::Null,
                // A Deployment without a volume claim: right kind, but not stateful.
                observed_runtime: json!({"workloadKind": "Deployment", "hasPVC": false}),
                declared_runtime: Value::Null,
                revisions: vec!["2.1.0".into()],
                ..RuntimeInfo::default()
            }])
        }
    }
    let d = Dashboard::with_runtime(
        Config {
            dir: Some(demo_v2()),
            no_cache: true,
            kubernetes: false,
            refresh: Duration::from_secs(3600),
            ..Config::default()
        },
        None,
        Some(Arc::new(Cluster)),
    );
    let s = start(Arc::new(d));
    let p = ok_json(&s, "/api/services/payments");
    assert_eq!(p["sources"], json!(["local", "k8s"]));
    assert_eq!(
        p["runtimeDiff"],
        json!([
            {"field": "Workload Type", "contractPath": "workload", "declaredValue": "Deployment", "observedValue": "Deployment", "status": "match"},
            {"field": "State / Storage", "contractPath": "state.type", "declaredValue": "stateful", "observedValue": "stateless", "status": "mismatch"},
        ])
    );
    assert_eq!(
        p["capabilities"][0]["type"], "health",
        "content from the local source"
    );
}

/// Generations across sources, through the real registry of `scripts/test-infra`: a local
/// 2.0 `payments` depends on Northwind's 1.x `payment-gateway` pushed as an OCI artifact (the
/// edge resolves), and the 2.0 `inventory` read from the registry shows its capabilities and
/// rpcs, and its two versions diff as the README says once the older one is fetched.
#[test]
fn a_local_2_0_fleet_with_oci_bundles_of_both_generations() {
    let Some(reg) = registry_or_skip("a_local_2_0_fleet_with_oci_bundles") else {
        return;
    };
    let prefix = unique_prefix(&reg, "pacto-dashboard-v2");
    let cache = tempfile::tempdir().unwrap();
    let registry = anonymous_registry(cache.path());
    let push = |dir: PathBuf, name: &str, version: &str, pacto_version: &str| {
        let meta = BundleMeta {
            name: name.into(),
            version: version.into(),
            pacto_version: pacto_version.into(),
        };
        registry
            .push(
                &format!("{prefix}/{name}:{version}"),
                &pack_dir(&dir).unwrap(),
                &meta,
                false,
            )
            .unwrap();
    };
    push(
        repo_root().join("fixtures/demo/payment-gateway/2024.6.0"),
        "payment-gateway",
        "2024.6.0",
        "1.0",
    );
    for v in ["3.0.0", "4.0.0"] {
        push(demo_v2().join("inventory").join(v), "inventory", v, "2.0");
    }
    registry.forget();
    let local = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(local.path().join("payments")).unwrap();
    copy_dir(&demo_v2().join("payments"), &local.path().join("payments"));
    let cfg = Config {
        dir: Some(local.path().to_path_buf()),
        repos: vec![
            format!("oci://{prefix}/payment-gateway"),
            format!("oci://{prefix}/inventory"),
        ],
        cache_dir: Some(cache.path().to_path_buf()),
        kubernetes: false,
        refresh: Duration::from_secs(3600),
        ..Config::default()
    };
    let s = start(Arc::new(Dashboard::detect(cfg, Some(registry.clone()))));
    let pay = ok_json(&s, "/api/services/payments");
    let gw = find(&pay["dependencies"], "targetName", "payment-gateway");
    assert_eq!(
        (&gw["resolved"], &gw["resolvedVersion"]),
        (&json!(true), &json!("2024.6.0")),
        "{gw}"
    );
    let v1 = ok_json(&s, "/api/services/payment-gateway");
    assert_eq!(
        (&v1["source"], &v1["pactoVersion"]),
        (&json!("oci"), &json!("1.0"))
    );
    assert_eq!(v1["capabilities"], Value::Null);
    let inv = ok_json(&s, "/api/services/inventory");
    assert_eq!(
        (&inv["source"], &inv["version"]),
        (&json!("oci"), &json!("4.0.0"))
    );
    assert_eq!(inv["capabilities"][0]["type"], "health");
    assert_eq!(inv["readiness"]["gate"], "Satisfied");
    assert_eq!(inv["validation"]["valid"], true, "{}", inv["validation"]);
    let rpcs = &find(&inv["interfaces"], "name", "stock-api")["rpcs"];
    assert_eq!(rpcs.as_array().unwrap().len(), 2, "{rpcs}");
    let d = ok_json(
        &s,
        "/api/diff?from_name=inventory&from_version=3.0.0&to_version=4.0.0",
    );
    assert_eq!(d["classification"], "BREAKING", "{d}");
    assert_eq!(d["from"]["source"], "oci");
}

/// A service that moved to Pacto 2.0: its 1.x version and its migrated 2.0 one (`pacto
/// migrate`, then a version bump) compare as the core compares them (the 1.x side migrated in
/// memory, so the format change is no change), and the answer says so.
#[test]
fn a_migrated_release_diffs_against_its_1_x_predecessor() {
    let tmp = tempfile::tempdir().unwrap();
    let old = tmp.path().join("billing/2.0.0");
    std::fs::create_dir_all(&old).unwrap();
    copy_dir(&repo_root().join("fixtures/demo/billing/2.0.0"), &old);
    let new = tmp.path().join("billing/2.1.0");
    std::fs::create_dir_all(&new).unwrap();
    copy_dir(&old, &new);
    let bundle = pacto_core::bundle::load_dir(old.to_str().unwrap()).unwrap();
    let m = pacto_core::migrate::migrate(&bundle.text, &bundle.bundle).unwrap();
    let text = m.text.replace("version: \"2.0.0\"", "version: \"2.1.0\"");
    assert_ne!(text, m.text, "the version was bumped");
    std::fs::write(new.join("pacto.yaml"), text).unwrap();
    let s = server_on(tmp.path());
    let cur = ok_json(&s, "/api/services/billing");
    assert_eq!(
        (&cur["version"], &cur["pactoVersion"]),
        (&json!("2.1.0"), &json!("2.0"))
    );
    assert_eq!(cur["validation"]["valid"], true, "{}", cur["validation"]);
    assert_eq!(cur["capabilities"][0]["type"], "health");
    let versions = ok_json(&s, "/api/services/billing/versions");
    assert_eq!(
        find(&versions, "version", "2.1.0")["classification"],
        "NON_BREAKING"
    );
    let d = ok_json(
        &s,
        "/api/diff?from_name=billing&from_version=2.0.0&to_version=2.1.0",
    );
    assert_eq!(d["classification"], "NON_BREAKING", "{d}");
    let paths: Vec<&str> = d["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["service.version"]);
    assert!(
        d["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("migrated in memory")),
        "{}",
        d["warnings"]
    );
}

/// A bundle's `skills/*.md` (Go 3.x, served by `pacto mcp BUNDLE` as `pacto_skill`) are on
/// its page, sorted, bounded; a bundle without any has an empty list.
#[test]
fn skills_of_a_bundle_are_listed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("payments/2.1.0");
    std::fs::create_dir_all(&dir).unwrap();
    copy_dir(&demo_v2().join("payments/2.1.0"), &dir);
    std::fs::create_dir_all(dir.join("skills")).unwrap();
    std::fs::write(
        dir.join("skills/refund_customer.md"),
        "# Refund\nCall refundCharge.\n",
    )
    .unwrap();
    std::fs::write(dir.join("skills/notes.txt"), "not a skill").unwrap();
    let big = format!("# Big\n{}é", "x".repeat(64 * 1024 - 7));
    std::fs::write(dir.join("skills/big.md"), &big).unwrap();
    let s = server_on(tmp.path());
    let d = ok_json(&s, "/api/services/payments");
    let skills = d["skills"].as_array().unwrap();
    let names: Vec<&str> = skills.iter().map(|k| k["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["big.md", "refund_customer.md"]);
    assert_eq!(skills[1]["content"], "# Refund\nCall refundCharge.\n");
    assert_eq!(skills[1]["truncated"], false);
    assert_eq!(skills[0]["truncated"], true);
    let cut = skills[0]["content"].as_str().unwrap();
    assert!(
        cut.len() <= 64 * 1024 && !cut.ends_with('\u{FFFD}'),
        "{}",
        cut.len()
    );
    let other = server_on(&demo_v2());
    assert_eq!(ok_json(&other, "/api/services/menu")["skills"], json!([]));
}

fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&e.path(), &target);
        } else if !target.exists() {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}
