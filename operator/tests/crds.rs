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

/// The printer columns of Go operator 5.x's CRDs, exactly (name, JSONPath, type; Go sets no
/// priority, so `kubectl get` shows them all): `config/crd/bases/pacto.trianalab.io_pactos.yaml`
/// (Errors and Warnings count the findings by severity) and the PactoRevision markers in
/// `api/v1alpha1`.
#[test]
fn printer_columns_are_gos() {
    use serde_json::json;
    let cols =
        |crd: serde_json::Value| crd["spec"]["versions"][0]["additionalPrinterColumns"].clone();
    let col = |name: &str, path: &str, type_: &str| json!({"name": name, "jsonPath": path, "type": type_});
    assert_eq!(
        cols(serde_json::to_value(Pacto::crd()).unwrap()),
        json!([
            col("Status", ".status.contractStatus", "string"),
            col("Service", ".spec.target.serviceName", "string"),
            col("Version", ".status.contractVersion", "string"),
            col("Errors", ".status.summary.errorCount", "integer"),
            col("Warnings", ".status.summary.warningCount", "integer"),
            col("Last Reconciled", ".status.lastReconciledAt", "date"),
            col("Age", ".metadata.creationTimestamp", "date"),
        ])
    );
    assert_eq!(
        cols(serde_json::to_value(PactoRevision::crd()).unwrap()),
        json!([
            col("Version", ".spec.version", "string"),
            col("Pacto", ".spec.pactoRef", "string"),
            col("Resolved", ".status.resolved", "boolean"),
            col("Age", ".metadata.creationTimestamp", "date"),
        ])
    );
    // The columns' paths exist in the status schema (a column on a pruned field is empty).
    let p = serde_json::to_value(Pacto::crd()).unwrap();
    let summary = &p["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"]
        ["properties"]["summary"]["properties"];
    for f in ["errorCount", "warningCount", "infoCount", "unknownCount"] {
        assert_eq!(summary[f]["type"], "integer", "{f}: {summary:#}");
    }
}
