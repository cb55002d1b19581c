//! The checked-in CRDs (`schemas/crds/`) are exactly what the Rust types generate, and keep the
//! Go operator's API: group, kinds, scope, status subresource, printer columns.

#![allow(clippy::unwrap_used)]

use kube::CustomResourceExt;
use pacto_operator::crd::{crd_files, Pacto, PactoRevision};
use std::path::Path;

#[test]
fn checked_in_crds_match_the_types() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/crds");
    for (name, text) in crd_files().unwrap() {
        let on_disk = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        assert!(
            on_disk == text,
            "schemas/crds/{name} is out of date: run `cargo run -p pacto-operator -- crds --write schemas/crds`"
        );
    }
}

#[test]
fn crds_keep_the_go_operator_api() {
    let p = serde_json::to_value(Pacto::crd()).unwrap();
    assert_eq!(p["metadata"]["name"], "pactos.pacto.trianalab.io");
    assert_eq!(p["spec"]["scope"], "Namespaced");
    let v = &p["spec"]["versions"][0];
    assert_eq!(v["name"], "v1alpha1");
    assert!(v["subresources"]["status"].is_object());
    let cols: Vec<&str> = v["additionalPrinterColumns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        cols,
        [
            "Status",
            "Service",
            "Version",
            "Passed",
            "Failed",
            "Last Reconciled",
            "Age"
        ]
    );
    let spec = &v["schema"]["openAPIV3Schema"]["properties"]["spec"];
    assert_eq!(spec["required"], serde_json::json!(["contractRef"]));
    assert_eq!(spec["properties"]["checkIntervalSeconds"]["default"], 300);
    assert_eq!(spec["properties"]["checkIntervalSeconds"]["minimum"], 30.0);
    let status = &v["schema"]["openAPIV3Schema"]["properties"]["status"]["properties"];
    let enum_: Vec<&str> = status["contractStatus"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    for s in [
        "Compliant",
        "Warning",
        "NonCompliant",
        "Reference",
        "Unknown",
    ] {
        assert!(enum_.contains(&s), "{enum_:?}");
    }
    assert_eq!(status["conditions"]["x-kubernetes-list-type"], "map");

    let r = serde_json::to_value(PactoRevision::crd()).unwrap();
    assert_eq!(r["metadata"]["name"], "pactorevisions.pacto.trianalab.io");
    let cols: Vec<&str> = r["spec"]["versions"][0]["additionalPrinterColumns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(cols, ["Version", "Pacto", "Resolved", "Age"]);
}
