//! Static checks of the Helm chart (no `helm` binary here): its CRDs are the generated ones,
//! its YAML files parse, every `.Values.…` a template reads is declared (and documented) in
//! values.yaml, and the operator's RBAC stays least-privilege.

#![allow(clippy::unwrap_used)]

use pacto_core::syntax::{parse, Limits};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn chart() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("chart")
}

fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    parse(&text, &Limits::default())
        .tree
        .unwrap()
        .root()
        .to_json()
}

#[test]
fn chart_crds_are_the_generated_ones() {
    for (name, text) in pacto_operator::crd::crd_files().unwrap() {
        let in_chart = std::fs::read_to_string(chart().join("crds").join(name)).unwrap_or_default();
        assert!(
            in_chart == text,
            "operator/chart/crds/{name} is out of date: copy schemas/crds/{name}"
        );
    }
}

#[test]
fn every_value_a_template_reads_is_declared() {
    let values = yaml(&chart().join("values.yaml"));
    let values_text = std::fs::read_to_string(chart().join("values.yaml")).unwrap();
    assert_eq!(yaml(&chart().join("Chart.yaml"))["name"], "pacto-operator");
    let mut seen = 0;
    for entry in std::fs::read_dir(chart().join("templates")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, _) in text.match_indices(".Values.") {
            let rest = &text[i + ".Values.".len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
                .unwrap_or(rest.len());
            let keys: Vec<&str> = rest[..end].trim_end_matches('.').split('.').collect();
            let mut v = &values;
            for k in &keys {
                v = v.get(k).unwrap_or_else(|| {
                    panic!(
                        "{}: .Values.{} is not in values.yaml",
                        path.display(),
                        keys.join(".")
                    )
                });
            }
            seen += 1;
        }
    }
    assert!(seen > 30, "only {seen} value references found");
    // Values are documented with `# --` comments (helm-docs style).
    assert!(values_text.matches("# --").count() >= 30);
}

#[test]
fn operator_rbac_is_least_privilege() {
    let text = std::fs::read_to_string(chart().join("templates/rbac.yaml")).unwrap();
    let manager = text.split("---").next().unwrap();
    // Drop the template lines so the ClusterRole parses as YAML.
    let plain: String = manager
        .lines()
        .filter(|l| !l.contains("{{"))
        .map(|l| format!("{l}\n"))
        .collect();
    let role = parse(&plain, &Limits::default())
        .tree
        .unwrap()
        .root()
        .to_json();
    let rules = role["rules"].as_array().unwrap();
    let verbs_of = |group: &str, resource: &str| -> Vec<String> {
        rules
            .iter()
            .filter(|r| {
                r["apiGroups"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|g| g == group)
            })
            .filter(|r| {
                r["resources"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x == resource)
            })
            .flat_map(|r| {
                r["verbs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
            })
            .collect()
    };
    for r in rules {
        for field in ["apiGroups", "resources", "verbs"] {
            assert!(
                !r[field].as_array().unwrap().iter().any(|v| v == "*"),
                "wildcard in {r}"
            );
        }
        assert!(
            !r["verbs"]
                .as_array()
                .unwrap()
                .iter()
                .any(|v| v == "delete" || v == "deletecollection"),
            "{r}"
        );
    }
    assert_eq!(
        verbs_of("pacto.trianalab.io", "pactos"),
        ["get", "list", "watch"]
    );
    assert_eq!(
        verbs_of("pacto.trianalab.io", "pactos/status"),
        ["get", "patch"]
    );
    // Secrets: get by name, plus the metadata-only watch of pull secrets.
    assert_eq!(verbs_of("", "secrets"), ["get", "list", "watch"]);
    assert_eq!(verbs_of("apps", "deployments"), ["get", "list", "watch"]);
    assert_eq!(verbs_of("events.k8s.io", "events"), ["create", "patch"]);
    assert_eq!(
        verbs_of("autoscaling", "horizontalpodautoscalers"),
        ["list", "watch"]
    );
}

#[test]
fn e2e_scenarios_are_valid_objects_for_the_types() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e/scenarios.yaml"))
            .unwrap();
    let mut pactos = 0;
    for doc in text.split("\n---\n") {
        let v = parse(doc, &Limits::default())
            .tree
            .unwrap()
            .root()
            .to_json();
        if v["kind"] == "Pacto" {
            let p: pacto_operator::crd::Pacto = serde_json::from_value(v).unwrap();
            assert!(p.spec.contract_ref.inline.is_some() || p.spec.contract_ref.oci.is_some());
            pactos += 1;
        }
    }
    assert_eq!(pactos, 9);
}
