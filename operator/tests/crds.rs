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

/// Pacto 2.0 fields with the Go operator's names and shapes (its CRD
/// `config/crd/bases/pacto.trianalab.io_pactos.yaml`): bindings on the target, findings with
/// coverage and observation windows in the status, and the seven `contractStatus` values.
#[test]
fn crds_carry_the_pacto_2_fields_of_the_go_operator() {
    let p = serde_json::to_value(Pacto::crd()).unwrap();
    let root = &p["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"];
    let target = &root["spec"]["properties"]["target"]["properties"];
    let ib = &target["interfaceBindings"]["items"];
    assert_eq!(
        ib["required"],
        serde_json::json!(["interface", "servicePort"])
    );
    assert_eq!(
        ib["properties"]["servicePort"]["x-kubernetes-int-or-string"],
        true
    );
    let cb = &target["configBindings"]["items"];
    assert_eq!(
        cb["required"],
        serde_json::json!(["configuration", "kind", "name"])
    );
    assert_eq!(
        cb["properties"]["kind"]["enum"],
        serde_json::json!(["ConfigMap", "Secret"])
    );
    let formats = cb["properties"]["format"]["enum"].as_array().unwrap();
    assert!(formats.contains(&"yaml".into()) && formats.contains(&"json".into()));
    assert!(cb["properties"]["key"]["type"] == "string");

    let status = &root["status"]["properties"];
    let f = &status["findings"]["items"];
    for k in ["code", "severity", "category", "subject", "message"] {
        assert!(f["properties"][k].is_object(), "findings[].{k}");
    }
    assert_eq!(
        f["properties"]["severity"]["enum"],
        serde_json::json!(["error", "warning", "info", "unknown"])
    );
    assert_eq!(
        status["evaluationCoverage"]["required"],
        serde_json::json!(["evaluated", "required"])
    );
    let w = &status["observationWindows"]["items"];
    assert_eq!(
        w["properties"]["firstObservedNegativeAt"]["format"],
        "date-time"
    );
    let mut values: Vec<&str> = status["contractStatus"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    values.sort_unstable();
    assert_eq!(
        values,
        [
            "Compliant",
            "Invalid",
            "NonCompliant",
            "NotEvaluated",
            "Reference",
            "Unknown",
            "Warning"
        ]
    );
}
