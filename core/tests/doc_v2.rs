//! `pacto explain` and `pacto doc` on Pacto 2.0 contracts (issue 16): the top-level `workload`
//! and `state`, `capabilities` with their bindings, interface kinds with their `ref`, the
//! structured owner and `readiness` claims with their gate. Golden files in `fixtures/doc/v2/`
//! (readiness evaluated on a fixed day); run with `PACTO_UPDATE_GOLDEN=1` to rewrite them.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use pacto_core::doc::{self, DocSource};
use pacto_core::graph;
use pacto_core::readiness::Date;
use std::path::PathBuf;

const FIXTURES: [&str; 3] = ["checkout", "payments-api", "job-with-readiness"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn open(name: &str) -> graph::Resolved {
    let dir = root().join("fixtures/v2/valid").join(name);
    graph::open(dir.to_str().unwrap(), &root(), None).unwrap()
}

fn day() -> Date {
    Date::parse("2027-01-15").unwrap()
}

fn check_golden(file: &str, actual: &str, failures: &mut Vec<String>) {
    let path = root().join("fixtures/doc/v2").join(file);
    if std::env::var_os("PACTO_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    match std::fs::read_to_string(&path) {
        Ok(expected) if expected == actual => {}
        Ok(expected) => failures.push(format!(
            "{file} differs:\n--- expected\n{expected}\n--- actual\n{actual}"
        )),
        Err(e) => failures.push(format!("{file}: {e} (run with PACTO_UPDATE_GOLDEN=1)")),
    }
}

#[test]
fn golden_explain_and_doc_of_v2_contracts() {
    let mut failures = Vec::new();
    for name in FIXTURES {
        let r = open(name);
        let e = doc::explain_on(&r.contract, &r.tree, day());
        check_golden(&format!("{name}.explain.txt"), &e.to_text(), &mut failures);
        check_golden(&format!("{name}.explain.json"), &e.to_json(), &mut failures);
        let md = doc::markdown(&DocSource::of(&r), None);
        check_golden(&format!("{name}.md"), &md, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn explain_shows_workload_state_owner_interfaces_and_dependency_names() {
    let r = open("checkout");
    let e = doc::explain_on(&r.contract, &r.tree, day());
    let text = e.to_text();
    for want in [
        "Owner: commerce\n",
        "  DRI: maria.lopez\n",
        "  Workload: service\n",
        "  State: stateless\n",
        "  Persistence: local/ephemeral\n",
        "  Data Criticality: low\n",
        "  - checkout-api (openapi, public): interfaces/openapi.yaml\n",
        "  - payments-api: oci://ghcr.io/acme/payments-api-pacto:2.1.0 (^2.0.0, required)\n",
    ] {
        assert!(text.contains(want), "{want:?} missing from\n{text}");
    }
    let v: serde_json::Value = serde_json::from_str(&e.to_json()).unwrap();
    assert_eq!(v["owner"]["team"], "commerce");
    assert_eq!(v["owner"]["dri"], "maria.lopez");
    assert_eq!(v["runtime"]["workloadType"], "service");
    assert_eq!(v["runtime"]["stateType"], "stateless");
    assert_eq!(v["runtime"]["dataCriticality"], "low");
    assert_eq!(v["interfaces"][0]["type"], "openapi");
    assert_eq!(v["interfaces"][0]["ref"], "interfaces/openapi.yaml");
    assert_eq!(v["dependencies"][0]["name"], "payments-api");
    assert!(v.get("capabilities").is_none() && v.get("readiness").is_none());
}

#[test]
fn explain_shows_capabilities_with_bindings_and_readiness_with_its_gate() {
    let r = open("payments-api");
    let e = doc::explain_on(&r.contract, &r.tree, day());
    let v: serde_json::Value = serde_json::from_str(&e.to_json()).unwrap();
    let caps = v["capabilities"].as_array().unwrap();
    assert_eq!(caps.len(), 3);
    assert_eq!(caps[0]["type"], "health");
    assert_eq!(caps[0]["binding"]["type"], "http");
    assert_eq!(caps[0]["binding"]["interface"], "rest-api");
    assert_eq!(caps[0]["binding"]["path"], "/health");
    assert_eq!(caps[2]["type"], "extension");
    assert_eq!(caps[2]["ref"], "example.com/tracing");
    assert_eq!(v["owner"]["contacts"][0]["value"], "payments@acme.com");
    let kinds: Vec<_> = v["interfaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["openapi", "grpc", "asyncapi"]);

    // done 20 + partial 15 × 0.5 = 27.5 of 35 counted (deferred excluded) → Go's rounding.
    let rd = &v["readiness"];
    assert_eq!(rd["minScore"], 80);
    assert_eq!(rd["partialCredit"], 0.5);
    assert_eq!(rd["expires"], "2027-06-30");
    assert_eq!(rd["expired"], false);
    assert_eq!(rd["totalWeight"], 35);
    assert_eq!(rd["deferredCount"], 1);
    assert_eq!(rd["checks"][0]["id"], "dashboard");
    assert_eq!(rd["checks"][0]["status"], "done");
    assert_eq!(
        rd["checks"][0]["evidence"],
        "https://grafana.example.com/d/payments"
    );
    assert_eq!(rd["checks"][2]["excluded"], true);
    assert_eq!(rd["revisions"][0]["author"], "alice");

    let text = e.to_text();
    for want in [
        "Capabilities (3):\n",
        "  - health (http on rest-api /health)\n",
        "  - extension: example.com/tracing\n",
        "Readiness: ",
        "minScore 80, partial credit 0.5), expires 2027-06-30\n",
        "  - runbook (document, partial, weight 15, documentation): docs/runbook.md\n",
    ] {
        assert!(text.contains(want), "{want:?} missing from\n{text}");
    }

    // After `expires` the gate says so.
    let late = doc::explain_on(&r.contract, &r.tree, Date::parse("2027-07-01").unwrap());
    assert!(late.readiness.unwrap().expired);
}

/// Go's `ExplainReadiness` omits empty `revisions`, an empty check `category`/`evidence` and
/// `daysRemaining` once expired, and has no check `description`.
#[test]
fn explain_readiness_json_has_gos_fields() {
    let r = open("job-with-readiness");
    let e = doc::explain_on(&r.contract, &r.tree, Date::parse("2027-02-01").unwrap());
    let v: serde_json::Value = serde_json::from_str(&e.to_json()).unwrap();
    let rd = v["readiness"].as_object().unwrap();
    let keys: Vec<_> = rd.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "score",
            "minScore",
            "passing",
            "totalWeight",
            "earnedWeight",
            "partialCredit",
            "expires",
            "expired",
            "doneCount",
            "partialCount",
            "notDoneCount",
            "deferredCount",
            "checks"
        ]
    );
    assert_eq!(rd["expired"], true);
    let check = rd["checks"][0].as_object().unwrap();
    let keys: Vec<_> = check.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "id",
            "type",
            "status",
            "weight",
            "earnedWeight",
            "excluded",
            "evidence"
        ]
    );
    assert!(
        e.to_text().contains("Readiness: Expired ("),
        "{}",
        e.to_text()
    );
}

#[test]
fn doc_markdown_has_the_v2_sections() {
    let r = open("payments-api");
    let md = doc::markdown(&DocSource::of(&r), None);
    for want in [
        "is a `stateful` `service` workload",
        "DRI: `alice`. Contacts: email `payments@acme.com` (ownership), chat `#payments`.",
        "| **Data criticality** | `high` |",
        "### 2.1. OpenAPI Interface: rest-api",
        "### 2.3. AsyncAPI Interface: order-events",
        "Its contract is defined in [`interfaces/openapi.yaml`]",
        "It owns the health path under `/health`.",
        "## 5. Capabilities",
        "| health | http | rest-api | `/health` | — |",
        "| extension | — | — | — | `example.com/tracing` |",
        "## 6. Readiness",
        "| **Minimum score** | `80` |",
        "| **Partial credit** | `0.5` |",
        "| `legacy-cleanup` | ticket | deferred | code-quality | 10 | TECH-5678 |",
        "[(\"stateful · high criticality · shared persistent\")]",
    ] {
        assert!(md.contains(want), "{want:?} missing from\n{md}");
    }
    let job = open("job-with-readiness");
    let md = doc::markdown(&DocSource::of(&job), None);
    assert!(md.contains("| **Minimum score** | `100` |"), "{md}");
    assert!(md.contains("| health | — | — | — | — |"), "{md}");
}
