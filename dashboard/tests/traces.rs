//! Observed traffic (`--traces`) over the real HTTP API: the demo fleet with
//! `fixtures/demo/traces.json` (OTLP/JSON Lines written for it), the answers without a trace
//! file (unchanged), the OpenAPI description of every new field, and a trace file that breaks
//! and heals between refreshes.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

#[path = "support/server.rs"]
mod server;

use pacto_dashboard::traces::TraceError;
use pacto_dashboard::{views, Config, Dashboard};
use serde_json::{json, Value};
use server::{agent, start, Server};
use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn demo() -> PathBuf {
    repo_root().join("fixtures/demo")
}

fn demo_traces() -> PathBuf {
    demo().join("traces.json")
}

fn config(dir: &Path, traces: Option<PathBuf>) -> Config {
    Config {
        dir: Some(dir.to_path_buf()),
        no_cache: true,
        kubernetes: false,
        refresh: Duration::from_secs(3600),
        traces,
        ..Config::default()
    }
}

fn get(s: &Server, path: &str) -> Value {
    let mut r = agent().get(format!("{}{path}", s.base)).call().unwrap();
    let status = r.status().as_u16();
    let mut body = String::new();
    r.body_mut().as_reader().read_to_string(&mut body).unwrap();
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

fn server(traces: Option<PathBuf>) -> Server {
    start(Arc::new(Dashboard::detect(config(&demo(), traces), None)))
}

/// `(from, to, observed, calls)` of every dependency edge of the graph answer, sorted.
fn dependency_edges(graph: &Value) -> Vec<(String, String, Value, Value)> {
    let mut out = Vec::new();
    for n in graph["nodes"].as_array().unwrap() {
        for e in n["edges"].as_array().unwrap() {
            if e["type"] == "dependency" {
                out.push((
                    n["id"].as_str().unwrap().to_string(),
                    e["targetId"].as_str().unwrap().to_string(),
                    e.get("observed").cloned().unwrap_or(Value::Null),
                    e.get("observedCalls").cloned().unwrap_or(Value::Null),
                ));
            }
        }
    }
    out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    out
}

/// The graph answer with everything `--traces` adds taken out.
fn without_traffic(graph: &Value) -> Value {
    let mut g = graph.clone();
    let m = g.as_object_mut().unwrap();
    m.remove("traffic");
    m.remove("undeclared");
    for n in m["nodes"].as_array_mut().unwrap() {
        for e in n["edges"].as_array_mut().unwrap() {
            let e = e.as_object_mut().unwrap();
            e.remove("observed");
            e.remove("observedCalls");
        }
    }
    g
}

#[test]
fn demo_traces_mark_observed_dependencies_and_list_the_undeclared_call() {
    let s = server(Some(demo_traces()));
    let graph = get(&s, "/api/graph");

    // Every declared dependency is observed except route-planner -> session-store (optional);
    // identity calls session-store under its image name, `redis`.
    let edges = dependency_edges(&graph);
    let calls = |from: &str, to: &str| {
        edges
            .iter()
            .find(|e| e.0 == from && e.1 == to)
            .map(|e| (e.2.clone(), e.3.clone()))
            .unwrap_or_else(|| panic!("no edge {from} -> {to}"))
    };
    let unobserved: Vec<(&str, &str)> = edges
        .iter()
        .filter(|e| e.2 == false)
        .map(|e| (e.0.as_str(), e.1.as_str()))
        .collect();
    assert_eq!(unobserved, [("route-planner", "session-store")]);
    assert!(edges.iter().all(|e| e.2.is_boolean() && e.3.is_u64()));
    assert_eq!(
        calls("route-planner", "session-store"),
        (json!(false), json!(0))
    );
    assert_eq!(calls("identity", "session-store"), (json!(true), json!(4)));
    assert_eq!(calls("web-portal", "api-gateway"), (json!(true), json!(6)));
    assert_eq!(calls("api-gateway", "billing"), (json!(true), json!(2)));
    assert_eq!(calls("notifier", "mail-relay"), (json!(true), json!(3)));
    assert_eq!(edges.len(), 16);

    // The undeclared call is listed apart, never among a node's edges.
    assert_eq!(
        graph["undeclared"],
        json!([{"caller": "shipments", "callee": "maps-api", "calls": 2, "callerKnown": true,
            "calleeKnown": true, "callerId": "shipments", "calleeId": "maps-api"}])
    );
    let shipments = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == "shipments")
        .unwrap();
    assert!(shipments["edges"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["targetId"] != "maps-api"));
    let t = &graph["traffic"];
    assert_eq!(t["available"], true);
    assert_eq!(t["file"], demo_traces().display().to_string());
    assert_eq!(
        (
            &t["spans"],
            &t["edgeSpans"],
            &t["skippedSpans"],
            &t["edgeCount"]
        ),
        (&json!(54), &json!(46), &json!(0), &json!(16))
    );
    assert_eq!(
        (
            &t["declaredObserved"],
            &t["declaredUnobserved"],
            &t["undeclaredCount"]
        ),
        (&json!(15), &json!(1), &json!(1))
    );

    // The service detail: expected dependencies, observed traffic, differences.
    let d = get(&s, "/api/services/shipments");
    let tr = &d["traffic"];
    assert_eq!(tr["available"], true);
    assert_eq!(
        tr["differences"],
        json!({"undeclared": [{"name": "maps-api", "calls": 2, "known": true}], "unobserved": []})
    );
    let observed: Vec<(&str, bool)> = tr["observed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["name"].as_str().unwrap(),
                o["declared"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        observed,
        [
            ("billing", true),
            ("maps-api", false),
            ("notifier", true),
            ("route-planner", true),
            ("tracking-db", true)
        ]
    );
    assert_eq!(tr["expected"].as_array().unwrap().len(), 4);
    assert!(tr["expected"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["observed"] == true));
    assert!(d["insights"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["severity"] == "info" && i["title"] == "Undeclared dependency maps-api"));
    let rp = get(&s, "/api/services/route-planner");
    assert_eq!(
        rp["traffic"]["differences"]["unobserved"],
        json!([{"name": "session-store", "targetId": "session-store", "required": false}])
    );
    let maps = get(&s, "/api/services/maps-api");
    assert_eq!(
        maps["traffic"]["callers"],
        json!([{"name": "route-planner", "calls": 3, "declared": true, "known": true},
               {"name": "shipments", "calls": 2, "declared": false, "known": true}])
    );

    // The source is listed, and the fleet views know traffic is observed.
    let sources = get(&s, "/api/sources");
    let ts = sources["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["type"] == "traces")
        .unwrap();
    assert_eq!(ts["state"], "ok");
    assert_eq!(ts["location"], demo_traces().display().to_string());
    assert!(ts["reason"]
        .as_str()
        .unwrap()
        .starts_with("16 observed edges"));
    assert!(sources["detected"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["type"] == "traces" && x["enabled"] == true));
    assert_eq!(get(&s, "/api/capabilities")["observed"], true);
    let fleet = get(&s, "/api/fleet/snapshot");
    let observed_edges: Vec<&Value> = fleet["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["knowledge"] == "observed")
        .collect();
    assert_eq!(observed_edges.len(), 1);
    assert_eq!(
        (&observed_edges[0]["from"], &observed_edges[0]["to"]),
        (&json!("shipments"), &json!("maps-api"))
    );
    assert!(!fleet["limitations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l.as_str().unwrap().contains("observed traffic")));
    let impact = get(
        &s,
        "/api/fleet/impact?old=maps-api@3.0.0&new=maps-api@3.0.0&includeObserved=true",
    );
    assert_eq!(
        impact["observed"]["callers"],
        json!([{"name": "route-planner", "calls": 3, "declared": true},
               {"name": "shipments", "calls": 2, "declared": false}])
    );
    // An observation is evidence, not a violation: health and the overview do not change.
    let plain = server(None);
    assert_eq!(
        get(&s, "/api/overview")["counts"],
        get(&plain, "/api/overview")["counts"]
    );
}

#[test]
fn without_traces_no_answer_changes() {
    let plain = server(None);
    let traced = server(Some(demo_traces()));
    let graph = get(&plain, "/api/graph");
    assert_eq!(
        graph.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["nodes"]
    );
    assert!(dependency_edges(&graph)
        .iter()
        .all(|e| e.2.is_null() && e.3.is_null()));
    // The traced graph is the plain one plus the traffic fields, nothing else.
    let g2 = get(&traced, "/api/graph");
    assert_ne!(g2, graph);
    assert_eq!(without_traffic(&g2), graph);
    for name in ["shipments", "route-planner", "billing"] {
        let d = get(&plain, &format!("/api/services/{name}"));
        assert!(d.get("traffic").is_none(), "{name}");
        let mut t = get(&traced, &format!("/api/services/{name}"));
        assert!(t.get("traffic").is_some(), "{name}");
        let m = t.as_object_mut().unwrap();
        m.remove("traffic");
        for e in m["dependencies"].as_array_mut().unwrap() {
            e.as_object_mut().unwrap().remove("observed");
            e.as_object_mut().unwrap().remove("observedCalls");
        }
        m["insights"].as_array_mut().unwrap().retain(|i| {
            !i["title"]
                .as_str()
                .unwrap()
                .starts_with("Undeclared dependency")
        });
        // Two servers load the bundles at their own second.
        let mut d = d;
        for x in [&mut t, &mut d] {
            for v in x["versions"].as_array_mut().unwrap() {
                v["createdAt"] = Value::Null;
            }
        }
        assert_eq!(t, d, "{name}");
    }
    let sources = get(&plain, "/api/sources");
    assert!(!sources.to_string().contains("traces"));
    assert_eq!(get(&plain, "/api/capabilities")["observed"], false);
    let fleet = get(&plain, "/api/fleet/snapshot");
    assert!(fleet["edges"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["knowledge"] == "expected" && e.get("observed").is_none()));
}

/// Every key of `v` (recursively, through arrays) is a property of `schema` (resolving
/// `$ref`s against the document); returns the keys that are not.
fn undocumented(doc: &Value, schema: &Value, v: &Value, at: &str, out: &mut Vec<String>) {
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => &doc["components"]["schemas"][r.rsplit('/').next().unwrap()],
        None => schema,
    };
    match v {
        Value::Object(m) => {
            let props = &schema["properties"];
            for (k, x) in m {
                match props.get(k) {
                    Some(p) => undocumented(doc, p, x, &format!("{at}.{k}"), out),
                    None => out.push(format!("{at}.{k}")),
                }
            }
        }
        Value::Array(a) => {
            for x in a {
                undocumented(doc, &schema["items"], x, &format!("{at}[]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn openapi_documents_every_traffic_field() {
    let s = server(Some(demo_traces()));
    let doc = get(&s, "/api/openapi.json");
    let schemas = &doc["components"]["schemas"];
    // The graph: traffic, undeclared and the edge fields (nodes carry more than described;
    // check the parts this feature adds).
    let graph = get(&s, "/api/graph");
    let mut missing = Vec::new();
    let g = &schemas["GlobalGraph"]["properties"];
    undocumented(
        &doc,
        &g["traffic"],
        &graph["traffic"],
        "traffic",
        &mut missing,
    );
    undocumented(
        &doc,
        &g["undeclared"],
        &graph["undeclared"],
        "undeclared",
        &mut missing,
    );
    let edge_schema = &g["nodes"]["items"]["properties"]["edges"];
    for n in graph["nodes"].as_array().unwrap() {
        for e in n["edges"].as_array().unwrap() {
            for k in ["observed", "observedCalls"] {
                if e.get(k).is_some() && edge_schema["items"]["properties"].get(k).is_none() {
                    missing.push(format!("edges[].{k}"));
                }
            }
        }
    }
    for name in ["shipments", "route-planner", "maps-api"] {
        let d = get(&s, &format!("/api/services/{name}"));
        undocumented(
            &doc,
            &schemas["ServiceDetails"]["properties"]["traffic"],
            &d["traffic"],
            "traffic",
            &mut missing,
        );
    }
    let fleet = get(&s, "/api/fleet/snapshot");
    undocumented(
        &doc,
        &json!({"items": {"$ref": "#/components/schemas/FleetEdge"}}),
        &fleet["edges"],
        "fleet.edges",
        &mut missing,
    );
    let impact = get(
        &s,
        "/api/fleet/impact?old=maps-api@3.0.0&new=maps-api@3.0.0&includeObserved=true",
    );
    let impact_schema = &doc["paths"]["/api/fleet/impact"]["get"]["responses"]["200"]["content"]
        ["application/json"]["schema"]["properties"]["observed"];
    undocumented(
        &doc,
        impact_schema,
        &impact["observed"],
        "impact.observed",
        &mut missing,
    );
    missing.sort();
    missing.dedup();
    assert_eq!(missing, Vec::<String>::new());
    let types = &schemas["Source"]["properties"]["type"]["enum"];
    assert!(types.as_array().unwrap().contains(&json!("traces")));
    assert!(schemas["FleetEdge"]["properties"]["type"]["enum"]
        .as_array()
        .unwrap()
        .contains(&json!("traffic")));
}

fn otlp(service: &str, peers: &[&str]) -> String {
    let spans: Vec<Value> = peers
        .iter()
        .map(|p| {
            json!({"name": "call", "kind": "SPAN_KIND_CLIENT",
            "attributes": [{"key": "peer.service", "value": {"stringValue": p}}]})
        })
        .collect();
    json!({"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": service}}]},
        "scopeSpans": [{"spans": spans}]}]})
    .to_string()
}

#[test]
fn a_trace_file_that_breaks_degrades_the_source_and_heals() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("traces.jsonl");
    std::fs::write(&file, otlp("billing", &["ledger-db", "ledger-db"]) + "\n").unwrap();
    let d = Dashboard::detect(config(&demo(), Some(file.clone())), None);
    d.check_traces().unwrap();
    let snap = d.refresh();
    let g = views::graph(&snap);
    assert_eq!(g["traffic"]["available"], true);
    assert_eq!(g["traffic"]["declaredObserved"], 1);
    assert_eq!(g["undeclared"], json!([]));

    // Changed on disk: re-read at the next refresh. An unknown callee is listed, not drawn.
    std::fs::write(
        &file,
        [
            otlp("billing", &["ledger-db"]),
            otlp("billing", &["stripe-api", "stripe-api", "stripe-api"]),
            otlp("batch-export", &["billing"]),
        ]
        .join("\n"),
    )
    .unwrap();
    let g = views::graph(&d.refresh());
    assert_eq!(
        g["undeclared"],
        json!([
            {"caller": "batch-export", "callee": "billing", "calls": 1, "callerKnown": false,
             "calleeKnown": true, "callerId": null, "calleeId": "billing"},
            {"caller": "billing", "callee": "stripe-api", "calls": 3, "callerKnown": true,
             "calleeKnown": false, "callerId": "billing", "calleeId": null}
        ])
    );

    // Broken: the source is degraded with a located reason; no edge claims anything; the
    // overview is not complete. The server keeps running.
    let good = otlp("billing", &["ledger-db"]);
    std::fs::write(&file, format!("{good}\n{good}\n{{\"resourceSpans\": [}}\n")).unwrap();
    let snap = d.refresh();
    let ts = snap
        .sources
        .iter()
        .find(|s| s.kind.as_str() == "traces")
        .unwrap();
    assert_eq!(ts.state, "degraded");
    let located = format!("{}:3:20:", file.display());
    assert!(ts.reason.starts_with(&located), "{}", ts.reason);
    let g = views::graph(&snap);
    assert_eq!(g["traffic"]["available"], false);
    assert_eq!(g["traffic"]["reason"], ts.reason);
    assert_eq!(g["undeclared"], json!([]));
    assert!(dependency_edges(&g).iter().all(|e| e.2.is_null()));
    let o = views::overview(&snap);
    assert_eq!(o["complete"], false);
    assert!(o["limitations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l.as_str().unwrap().starts_with("Source traces is degraded")));
    let billing = snap.services.get("billing").unwrap();
    let detail = views::details(&snap, billing, None);
    assert_eq!(detail["traffic"]["available"], false);

    // Fixed again: back to ok without a restart.
    std::fs::write(&file, good).unwrap();
    let snap = d.refresh();
    assert_eq!(
        snap.sources
            .iter()
            .find(|s| s.kind.as_str() == "traces")
            .unwrap()
            .state,
        "ok"
    );
    assert_eq!(views::graph(&snap)["traffic"]["available"], true);
}

#[test]
fn a_broken_trace_file_is_refused_at_startup_with_its_location() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("traces.json");
    std::fs::write(&file, "{\"resourceSpans\": [\n  {\"scopeSpans\": 7}\n]}\n").unwrap();
    let d = Dashboard::detect(config(&demo(), Some(file.clone())), None);
    match d.check_traces() {
        Err(TraceError::Malformed { line, column, .. }) => assert_eq!((line, column), (2, 18)),
        other => panic!("{other:?}"),
    }
    let det = d
        .detected()
        .into_iter()
        .find(|x| x.kind.as_str() == "traces")
        .unwrap();
    assert!(!det.enabled);
    assert!(
        det.reason.starts_with(&format!("{}:2:18:", file.display())),
        "{}",
        det.reason
    );
    let missing = Dashboard::detect(config(&demo(), Some(tmp.path().join("nope.json"))), None);
    assert!(matches!(missing.check_traces(), Err(TraceError::Io { .. })));
    // Without --traces there is nothing to check and nothing detected.
    let none = Dashboard::detect(config(&demo(), None), None);
    none.check_traces().unwrap();
    assert!(none.detected().iter().all(|x| x.kind.as_str() != "traces"));
}

#[test]
fn hostile_trace_names_stay_data() {
    let hostile = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile");
    let s = start(Arc::new(Dashboard::detect(
        config(&hostile, Some(hostile.join("traces.json"))),
        None,
    )));
    let graph = get(&s, "/api/graph");
    let names: BTreeSet<String> = graph["undeclared"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|u| [u["caller"].clone(), u["callee"].clone()])
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let evil = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"].as_str().unwrap().contains("<script>"))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The hostile contract's name matched exactly (it is a known service), and the names only
    // the traces know came through byte for byte.
    assert!(names.contains(&evil), "{names:?}");
    assert!(names.contains("<img src=x onerror=\"window.__pwned='trace';alert('trace')\">"));
    assert!(graph["undeclared"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["caller"] == evil && u["callerKnown"] == true));
}

/// A trace names a callee by the image name of exactly one service (`redis` → session-store),
/// but an image name two services share (`postgres`: ledger-db and tracking-db) names neither:
/// the call is listed with an unknown callee rather than pinned on a guess.
#[test]
fn shared_image_names_are_not_guessed() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("traces.jsonl");
    std::fs::write(&file, otlp("billing", &["postgres", "redis"])).unwrap();
    let d = Dashboard::detect(config(&demo(), Some(file)), None);
    d.check_traces().unwrap();
    let g = views::graph(&d.refresh());
    let undeclared = g["undeclared"].as_array().unwrap();
    let by_callee = |c: &str| {
        undeclared
            .iter()
            .find(|u| u["callee"] == c)
            .unwrap_or_else(|| panic!("{c} not in {undeclared:?}"))
    };
    assert_eq!(by_callee("postgres")["calleeKnown"], false);
    assert_eq!(by_callee("postgres")["calleeId"], Value::Null);
    assert_eq!(by_callee("session-store")["calleeId"], "session-store");
}
