//! Go's fleet product endpoints (`/api/fleet/overview|attention|entities|entities/{kind}|
//! neighborhood|revisions/document`, `POST /api/fleet/impact`) over the 2.0 demo fleet
//! (`fixtures/demo-v2`) on a real loopback socket: the overview's counts agree with the lists
//! they count, and bad input is a located problem, never a 500. That they answer as
//! `pacto fleet ... --output-format json` is checked in `pacto-cli/tests/dashboard.rs`.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

#[path = "support/server.rs"]
mod server;

use pacto_dashboard::{Config, Dashboard};
use serde_json::{json, Value};
use server::{agent, start, Server};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn demo_v2_server() -> Server {
    start(Arc::new(Dashboard::detect(
        Config {
            dir: Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/demo-v2")),
            no_cache: true,
            kubernetes: false,
            refresh: Duration::from_secs(3600),
            ..Config::default()
        },
        None,
    )))
}

fn get(s: &Server, path: &str) -> (u16, String) {
    let mut r = agent().get(format!("{}{path}", s.base)).call().unwrap();
    (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
}

fn post(s: &Server, path: &str, body: &str) -> (u16, String) {
    let mut r = agent()
        .post(format!("{}{path}", s.base))
        .header("content-type", "application/json")
        .send(body.as_bytes())
        .unwrap();
    (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
}

fn ok_json(s: &Server, path: &str) -> Value {
    let (status, body) = get(s, path);
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

#[test]
fn overview_counts_agree_with_the_lists_they_count() {
    let s = demo_v2_server();
    let o = ok_json(&s, "/api/fleet/overview");
    let c = &o["counts"];
    let total =
        |kinds: &str| ok_json(&s, &format!("/api/fleet/entities?kinds={kinds}"))["total"].clone();
    assert_eq!(c["services"], 7);
    assert_eq!(c["services"], total("service"));
    assert_eq!(c["revisions"], total("revision"));
    assert_eq!(c["owners"], total("owner"));
    assert_eq!(c["targets"], total("target"));
    let attention = ok_json(&s, "/api/fleet/attention?limit=500");
    assert_eq!(c["needsAttention"], attention["total"]);
    assert_eq!(
        attention["items"].as_array().unwrap().len() as u64,
        attention["total"].as_u64().unwrap()
    );
    // The overview shows the head of the same list, in the same order.
    let head: Vec<&Value> = attention["items"]
        .as_array()
        .unwrap()
        .iter()
        .take(10)
        .collect();
    let shown: Vec<&Value> = o["attention"].as_array().unwrap().iter().collect();
    assert_eq!(head, shown);
    // The invalid notifications 1.1.0 is there, linked to its revision.
    let invalid = shown
        .iter()
        .find(|i| i["code"] == "INVALID_CONTRACT")
        .unwrap();
    assert_eq!(invalid["entity"]["kind"], "revision");
    let key = invalid["entity"]["key"].as_str().unwrap();
    let enc = key.replace('@', "%40").replace(':', "%3A");
    let rev = ok_json(&s, &format!("/api/fleet/entities/revision?key={enc}"));
    assert_eq!(rev["detail"]["version"], "1.1.0");
    assert_eq!(rev["detail"]["valid"], false);
    // Every count in byStatus adds up to the services.
    let by: u64 = c["byStatus"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(Some(by), c["services"].as_u64());
    // Every entry point is a service with a route of this app.
    for e in o["entryPoints"].as_array().unwrap() {
        assert!(
            e["route"].as_str().unwrap().starts_with("#/services/"),
            "{e}"
        );
    }
}

#[test]
fn entities_pages_and_details_are_navigable() {
    let s = demo_v2_server();
    let page1 = ok_json(&s, "/api/fleet/entities?limit=3");
    let page2 = ok_json(&s, "/api/fleet/entities?limit=3&offset=3");
    assert_eq!(page1["count"], 3);
    assert_eq!(page1["total"], page2["total"]);
    assert_ne!(page1["entities"][0], page2["entities"][0]);
    let owner = ok_json(&s, "/api/fleet/entities/owner?key=commerce");
    assert_eq!(owner["services"][0]["key"], "orders");
    let n = ok_json(
        &s,
        "/api/fleet/neighborhood?kind=service&key=orders&direction=dependents",
    );
    let names: Vec<&str> = n["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["dispatch", "storefront"]);
}

#[test]
fn bad_input_is_a_located_problem() {
    let s = demo_v2_server();
    for (path, status, needle) in [
        ("/api/fleet/entities?kinds=service,bogus", 422, "bogus"),
        ("/api/fleet/entities/bogus?key=x", 422, "bogus"),
        ("/api/fleet/entities/service", 422, "key"),
        ("/api/fleet/entities/service?key=nope", 404, "nope"),
        ("/api/fleet/neighborhood", 422, "key"),
        (
            "/api/fleet/neighborhood?key=orders&direction=sideways",
            422,
            "direction",
        ),
        ("/api/fleet/neighborhood?key=nope", 404, "nope"),
        ("/api/fleet/revisions/document?key=nope", 404, "nope"),
    ] {
        let (got, body) = get(&s, path);
        assert_eq!(got, status, "{path}: {body}");
        assert!(body.contains(needle), "{path}: {body}");
    }
    let (got, body) = post(&s, "/api/fleet/impact", "not json");
    assert_eq!(got, 422, "{body}");
    let (got, body) = post(
        &s,
        "/api/fleet/impact",
        r#"{"fromRevisionKey":"orders@1.0.0"}"#,
    );
    assert_eq!(got, 422, "{body}");
    assert!(body.contains("toRevisionKey"), "{body}");
    let snap = ok_json(&s, "/api/fleet/overview")["meta"]["snapshotId"].clone();
    let body = format!(
        r#"{{"snapshotId":{snap},"fromRevisionKey":"payments@2.0.0","toRevisionKey":"payments@2.1.0"}}"#
    );
    let (got, out) = post(&s, "/api/fleet/impact", &body);
    assert_eq!(got, 200, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["classification"], "POTENTIAL_BREAKING");
    assert_eq!(v["result"]["schemaVersion"], "pacto.dev/impact/v1");
    assert_eq!(
        v["limitations"],
        json!([]),
        "no limitations is a list, not null"
    );
    // The same pair again (here without the snapshot id) is the same answer, byte for byte.
    let (got, again) = post(
        &s,
        "/api/fleet/impact",
        r#"{"fromRevisionKey":"payments@2.0.0","toRevisionKey":"payments@2.1.0"}"#,
    );
    assert_eq!(got, 200);
    assert_eq!(again, out);
}

/// The dashboard's own overview (`/api/overview`) and the fleet product overview count the
/// same fleet, and the classic overview's count of what needs attention is its list's length.
#[test]
fn both_overviews_agree_with_their_lists_and_each_other() {
    let s = demo_v2_server();
    let o = ok_json(&s, "/api/overview");
    let services = ok_json(&s, "/api/services");
    let need: Vec<&Value> = services
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["health"] != "ok")
        .collect();
    assert_eq!(o["attentionTotal"].as_u64(), Some(need.len() as u64));
    assert_eq!(o["counts"]["attention"], o["attentionTotal"]);
    let listed = o["attention"].as_array().unwrap();
    assert_eq!(listed.len(), need.len().min(10));
    for x in listed {
        assert!(need.iter().any(|n| n["name"] == x["name"]), "{x}");
    }
    let p = ok_json(&s, "/api/fleet/overview");
    assert_eq!(p["counts"]["services"], o["counts"]["services"]);
    assert_eq!(
        p["counts"]["services"].as_u64(),
        Some(services.as_array().unwrap().len() as u64)
    );
}

/// A refresh that changed nothing keeps the core snapshot (its `asOf` stays: nothing is
/// rebuilt on every background refresh); an edited contract is a new snapshot.
#[test]
fn a_refresh_rebuilds_the_core_snapshot_only_when_a_contract_changed() {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/demo-v2/menu/1.0.0");
    let dst = dir.path().join("menu/1.0.0");
    copy_dir(&src, &dst);
    let s = start(Arc::new(Dashboard::detect(
        Config {
            dir: Some(dir.path().to_path_buf()),
            no_cache: true,
            kubernetes: false,
            refresh: Duration::from_secs(3600),
            ..Config::default()
        },
        None,
    )));
    let before = ok_json(&s, "/api/fleet/overview")["meta"].clone();
    let impact = |s: &Server| -> Value {
        let (got, out) = post(
            s,
            "/api/fleet/impact",
            r#"{"fromRevisionKey":"menu@1.0.0","toRevisionKey":"menu@1.0.0"}"#,
        );
        assert_eq!(got, 200, "{out}");
        serde_json::from_str(&out).unwrap()
    };
    assert_eq!(impact(&s)["snapshotId"], before["snapshotId"]);
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(post(&s, "/api/refresh", "").0, 200);
    let same = ok_json(&s, "/api/fleet/overview")["meta"].clone();
    assert_eq!(
        same["asOf"], before["asOf"],
        "rebuilt although nothing changed"
    );
    assert_eq!(same["snapshotId"], before["snapshotId"]);
    let file = dst.join("pacto.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("{text}\n# edited\n")).unwrap();
    assert_eq!(post(&s, "/api/refresh", "").0, 200);
    let after = ok_json(&s, "/api/fleet/overview")["meta"].clone();
    assert_ne!(
        after["snapshotId"], before["snapshotId"],
        "an edited contract is a new snapshot"
    );
    // An impact answer kept for the old snapshot is not served for the new one.
    assert_eq!(impact(&s)["snapshotId"], after["snapshotId"]);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &p);
        } else {
            std::fs::copy(e.path(), p).unwrap();
        }
    }
}
