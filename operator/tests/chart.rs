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
    // Pacto 2.0 configBindings: get by name, plus the metadata-only watch of bound ConfigMaps.
    assert_eq!(verbs_of("", "configmaps"), ["get", "list", "watch"]);
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
    assert_eq!(pactos, 10);
}

/// The lines of a template without template actions, parsed per YAML document.
fn plain_docs(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    text.split("\n---\n")
        .map(|doc| {
            let plain: String = doc
                .lines()
                .filter(|l| !l.contains("{{"))
                .map(|l| format!("{l}\n"))
                .collect();
            parse(&plain, &Limits::default())
                .tree
                .unwrap()
                .root()
                .to_json()
        })
        .collect()
}

#[test]
fn secure_metrics_are_on_by_default_like_the_go_chart() {
    let values = yaml(&chart().join("values.yaml"));
    assert_eq!(values["metrics"]["secure"], true);
    assert_eq!(values["metrics"]["service"]["port"], 8443);
    let deployment = std::fs::read_to_string(chart().join("templates/deployment.yaml")).unwrap();
    let metrics_on = deployment
        .split("{{- if .Values.metrics.enabled }}")
        .nth(1)
        .unwrap()
        .split("{{- else }}")
        .next()
        .unwrap();
    assert!(
        metrics_on.contains("- --metrics-secure={{ .Values.metrics.secure }}"),
        "{metrics_on}"
    );
    // The ServiceMonitor scrapes https with Prometheus's token when metrics are secure.
    let monitor = std::fs::read_to_string(chart().join("templates/metrics.yaml")).unwrap();
    let secure = monitor
        .split("{{- if .Values.metrics.secure }}")
        .nth(1)
        .unwrap()
        .split("{{- else }}")
        .next()
        .unwrap();
    for line in [
        "scheme: https",
        "insecureSkipVerify: true",
        "bearerTokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token",
    ] {
        assert!(secure.contains(line), "{line} missing from\n{secure}");
    }
}

#[test]
fn secure_metrics_rbac_grants_exactly_the_reviews_and_the_reader() {
    let path = chart().join("templates/metrics-rbac.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("{{- if and .Values.metrics.enabled .Values.metrics.secure }}"));
    let docs = plain_docs(&path);
    assert_eq!(docs.len(), 3);
    let (auth, binding, reader) = (&docs[0], &docs[1], &docs[2]);
    assert_eq!(auth["kind"], "ClusterRole");
    assert_eq!(
        auth["rules"],
        serde_json::json!([
            {"apiGroups": ["authentication.k8s.io"], "resources": ["tokenreviews"], "verbs": ["create"]},
            {"apiGroups": ["authorization.k8s.io"], "resources": ["subjectaccessreviews"], "verbs": ["create"]}
        ])
    );
    assert_eq!(binding["kind"], "ClusterRoleBinding");
    assert_eq!(binding["roleRef"]["kind"], "ClusterRole");
    assert_eq!(binding["subjects"][0]["kind"], "ServiceAccount");
    assert!(
        text.contains("name: {{ include \"pacto-operator.fullname\" . }}-metrics-auth\nsubjects:")
    );
    assert_eq!(reader["kind"], "ClusterRole");
    assert_eq!(
        reader["rules"],
        serde_json::json!([{"nonResourceURLs": ["/metrics"], "verbs": ["get"]}])
    );
}

#[test]
fn the_binary_accepts_every_flag_the_chart_passes() {
    let deployment = std::fs::read_to_string(chart().join("templates/deployment.yaml")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pacto-operator"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    let mut flags = 0;
    for line in deployment.lines() {
        let Some(arg) = line.trim().strip_prefix("- --") else {
            continue;
        };
        let name = arg.split(['=', ' ']).next().unwrap();
        assert!(
            help.contains(&format!("--{name}")),
            "--{name} is passed by the chart but unknown to the binary:\n{help}"
        );
        flags += 1;
    }
    assert!(flags >= 5, "{flags}");
    // The Go operator's manager flags that Helm values and Deployment args carry over.
    for flag in [
        "--metrics-secure",
        "--metrics-cert-path",
        "--metrics-cert-name",
        "--metrics-cert-key",
        "--webhook-cert-path",
        "--webhook-cert-name",
        "--webhook-cert-key",
        "--enable-http2",
    ] {
        assert!(help.contains(flag), "{flag} missing from\n{help}");
    }
    // Go operator 5.x's evaluation flags: in the binary, and passed by the chart.
    for flag in [
        "--stabilization-window",
        "--enable-probing",
        "--enable-metrics-observation",
        "--interface-name-match-discovery",
        "--watch-namespace",
    ] {
        assert!(help.contains(flag), "{flag} missing from\n{help}");
        assert!(deployment.contains(flag), "{flag} not passed by the chart");
    }
}

/// `dashboard.managedByOperator`: the operator, not the chart, deploys the dashboard.
#[test]
fn managed_dashboard_values_become_the_go_flags() {
    let values = yaml(&chart().join("values.yaml"));
    assert_eq!(values["dashboard"]["managedByOperator"], false);
    assert_eq!(values["dashboard"]["ociSecret"], "");
    assert_eq!(values["dashboard"]["ociSecrets"], serde_json::json!([]));
    let deployment = std::fs::read_to_string(chart().join("templates/deployment.yaml")).unwrap();
    let managed = deployment
        .split("{{- if and .Values.dashboard.enabled .Values.dashboard.managedByOperator }}")
        .nth(1)
        .expect("the operator flags are gated by dashboard.enabled and managedByOperator");
    for line in [
        "- --enable-dashboard\n",
        "- --dashboard-image={{ .Values.dashboard.image.repository }}:{{ .Values.dashboard.image.tag | default .Chart.AppVersion }}\n",
        "- --dashboard-oci-secrets={{ join \",\" .Values.dashboard.ociSecrets }}\n",
        "- --dashboard-oci-secret={{ .Values.dashboard.ociSecret }}\n",
        "- --dashboard-cpu-request={{ . }}\n",
        "- --dashboard-memory-request={{ . }}\n",
        "- --dashboard-cpu-limit={{ . }}\n",
        "- --dashboard-memory-limit={{ . }}\n",
    ] {
        assert!(managed.contains(line), "{line} missing from\n{managed}");
    }
    // The list form wins, as in the binary.
    assert!(
        managed.find("--dashboard-oci-secrets=").unwrap()
            < managed.find("--dashboard-oci-secret=").unwrap()
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pacto-operator"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--enable-dashboard",
        "--dashboard-image",
        "--dashboard-oci-secret ",
        "--dashboard-oci-secrets",
        "--dashboard-cpu-request",
        "--dashboard-cpu-limit",
        "--dashboard-memory-request",
        "--dashboard-memory-limit",
    ] {
        assert!(help.contains(flag), "{flag} missing from\n{help}");
    }

    // The chart renders its own dashboard only when the operator does not; its Service stays
    // and selects the operator's pods by the Go labels.
    let dash = std::fs::read_to_string(chart().join("templates/dashboard.yaml")).unwrap();
    let (own, service) = dash
        .split_once("{{- if not .Values.dashboard.managedByOperator }}")
        .unwrap()
        .1
        .split_once("{{- end }}\n---\n")
        .unwrap();
    for kind in [
        "kind: ServiceAccount",
        "kind: ClusterRole\n",
        "kind: ClusterRoleBinding",
        "kind: Deployment",
    ] {
        assert!(own.contains(kind), "{kind}");
        assert!(!service.contains(kind), "{kind}");
    }
    assert!(service.contains("kind: Service\n"));
    let managed_selector = service
        .split("{{- if .Values.dashboard.managedByOperator }}")
        .nth(1)
        .unwrap()
        .split("{{- else }}")
        .next()
        .unwrap();
    let selector = pacto_operator::dashboard::selector_labels();
    assert_eq!(selector.len(), 2);
    for (k, v) in selector {
        assert!(managed_selector.contains(&format!("{k}: {v}\n")), "{k}");
    }
}

/// The built-in dashboard image is the chart's (same repository, tag = appVersion).
#[test]
fn operator_default_dashboard_image_matches_the_chart() {
    if option_env!("PACTO_DASHBOARD_IMAGE").is_some() {
        println!("skipped: the image was set at build time (PACTO_DASHBOARD_IMAGE)");
        return;
    }
    let values = yaml(&chart().join("values.yaml"));
    let chart_yaml = yaml(&chart().join("Chart.yaml"));
    assert_eq!(
        pacto_operator::dashboard::default_image(),
        format!(
            "{}:{}",
            values["dashboard"]["image"]["repository"].as_str().unwrap(),
            chart_yaml["appVersion"].as_str().unwrap()
        )
    );
}

/// The extra RBAC of the operator-managed dashboard covers every object the operator applies
/// or deletes, by name wherever RBAC allows it, and nothing else.
#[test]
fn managed_dashboard_rbac_is_scoped_to_its_objects() {
    use pacto_operator::dashboard::{NAME, SECRET_NAME};
    let path = chart().join("templates/dashboard-rbac.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("{{- if .Values.dashboard.managedByOperator }}"));
    assert!(text.contains("resourceNames: [{{ .Release.Namespace | quote }}]"));
    let docs = plain_docs(&path);
    let kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"]
    );
    // (group, resource, verb) → the names it is limited to (empty: any name).
    let mut grants: Vec<(String, String, String, Vec<String>)> = Vec::new();
    for role in [&docs[0], &docs[2]] {
        for r in role["rules"].as_array().unwrap() {
            let names: Vec<String> = r["resourceNames"]
                .as_array()
                .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
                .unwrap_or_default();
            for g in r["apiGroups"].as_array().unwrap() {
                for res in r["resources"].as_array().unwrap() {
                    for v in r["verbs"].as_array().unwrap() {
                        let v = v.as_str().unwrap();
                        assert!(v != "*" && res != "*", "{r}");
                        // Only create may go without names (RBAC cannot restrict it).
                        assert!(
                            v == "create" || !names.is_empty() || res == "namespaces",
                            "{r}"
                        );
                        grants.push((
                            g.as_str().unwrap().to_string(),
                            res.as_str().unwrap().to_string(),
                            v.to_string(),
                            names.clone(),
                        ));
                    }
                }
            }
        }
    }
    let has = |g: &str, res: &str, v: &str, name: &str| {
        grants.iter().any(|(gg, rr, vv, nn)| {
            gg == g && rr == res && vv == v && (nn.is_empty() || nn.iter().any(|n| n == name))
        })
    };
    for (g, res, name) in [
        ("", "serviceaccounts", NAME),
        ("", "services", NAME),
        ("", "secrets", SECRET_NAME),
        ("apps", "deployments", NAME),
        ("rbac.authorization.k8s.io", "clusterroles", NAME),
        ("rbac.authorization.k8s.io", "clusterrolebindings", NAME),
    ] {
        for v in ["create", "patch", "get", "delete"] {
            assert!(has(g, res, v, name), "{v} {g}/{res} {name}");
        }
        // Nothing beyond that: no list, watch, update, escalate or bind.
        for v in [
            "list",
            "watch",
            "update",
            "deletecollection",
            "escalate",
            "bind",
        ] {
            assert!(!has(g, res, v, name), "{v} {g}/{res}");
        }
    }
    // Namespaced objects are granted in the release namespace only (a Role), the namespace is
    // only read.
    assert!(docs[0]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["resources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| { x == "namespaces" || x == "clusterroles" || x == "clusterrolebindings" })));
    assert!(grants
        .iter()
        .filter(|(_, r, _, _)| r == "namespaces")
        .all(|(_, _, v, _)| v == "get"));
    assert_eq!(docs[1]["roleRef"]["kind"], "ClusterRole");
    assert_eq!(docs[3]["roleRef"]["kind"], "Role");
}

// ---------------------------------------------------------------------------------------------
// values.schema.json (Helm validates every install's values against it before rendering)

fn values_schema() -> Value {
    serde_json::from_str(&std::fs::read_to_string(chart().join("values.schema.json")).unwrap())
        .unwrap()
}

fn schema_errors(values: &Value) -> Vec<String> {
    let validator = jsonschema::options().build(&values_schema()).unwrap();
    validator
        .iter_errors(values)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn values_yaml_meets_its_draft_07_schema() {
    let schema = values_schema();
    // Draft-07, as Helm reads it.
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    let errors = schema_errors(&yaml(&chart().join("values.yaml")));
    assert!(errors.is_empty(), "{errors:#?}");
    // As a subchart it is given the parent's `global` values, which must not be refused.
    let mut as_subchart = yaml(&chart().join("values.yaml"));
    as_subchart["global"] = serde_json::json!({"imageRegistry": "registry.example"});
    let errors = schema_errors(&as_subchart);
    assert!(errors.is_empty(), "{errors:#?}");
}

/// Every key of values.yaml is declared (typed and described) in the schema, and the schema
/// declares nothing values.yaml does not have. Free-form maps (annotations, labels, rules...)
/// are declared without `properties` and not descended into.
#[test]
fn values_yaml_and_its_schema_declare_the_same_keys() {
    fn walk(values: &Value, schema: &Value, path: &str, problems: &mut Vec<String>) {
        assert!(
            schema["description"].as_str().is_some_and(|d| d.len() > 3),
            "{path}: no description in values.schema.json"
        );
        assert!(
            schema.get("type").is_some() || schema.get("enum").is_some(),
            "{path}: no type in values.schema.json"
        );
        let Some(props) = schema["properties"].as_object() else {
            return;
        };
        let Some(map) = values.as_object() else {
            problems.push(format!(
                "{path}: an object in the schema, {values} in values.yaml"
            ));
            return;
        };
        for (k, v) in map {
            let p = format!("{path}.{k}");
            match props.get(k) {
                Some(s) => walk(v, s, &p, problems),
                None => problems.push(format!("{p} is in values.yaml, not in values.schema.json")),
            }
        }
        for k in props.keys() {
            // Helm's `global` comes from a parent chart, never from this chart's values.yaml.
            let helm_global = path.is_empty() && k == "global";
            if !map.contains_key(k) && !helm_global {
                problems.push(format!(
                    "{path}.{k} is in values.schema.json, not in values.yaml"
                ));
            }
        }
    }
    let mut problems = Vec::new();
    walk(
        &yaml(&chart().join("values.yaml")),
        &values_schema(),
        "",
        &mut problems,
    );
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn wrong_values_are_refused_by_the_schema() {
    let defaults = yaml(&chart().join("values.yaml"));
    let with = |pointer: &str, v: Value| {
        let mut values = defaults.clone();
        *values.pointer_mut(pointer).unwrap() = v;
        values
    };
    let add = |pointer: &str, key: &str, v: Value| {
        let mut values = defaults.clone();
        values
            .pointer_mut(pointer)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .insert(key.to_string(), v);
        values
    };
    for (what, values, expected) in [
        (
            "wrong type",
            with("/replicaCount", "2".into()),
            "/replicaCount",
        ),
        (
            "wrong type",
            with("/controller/enableProbing", "true".into()),
            "/controller/enableProbing",
        ),
        (
            "wrong type",
            with("/metrics/service/port", "8443".into()),
            "/metrics/service/port",
        ),
        ("unknown key", add("", "replicas", 2.into()), "replicas"),
        (
            "unknown key",
            add("/controller", "watchNamespaces", "a".into()),
            "watchNamespaces",
        ),
        (
            "unknown key",
            add("/dashboard", "ingres", serde_json::json!({})),
            "ingres",
        ),
        (
            "unknown key",
            add("/dashboard/ingress", "class", "nginx".into()),
            "class",
        ),
        (
            "bad enum",
            with("/image/pullPolicy", "Sometimes".into()),
            "/image/pullPolicy",
        ),
        (
            "bad enum",
            with("/dashboard/service/type", "ExternalName".into()),
            "/dashboard/service/type",
        ),
        (
            "bad duration",
            with("/controller/stabilizationWindow", "2 minutes".into()),
            "/controller/stabilizationWindow",
        ),
        (
            "bad namespace",
            with("/controller/watchNamespace", "Prod_NS".into()),
            "/controller/watchNamespace",
        ),
        (
            "port out of range",
            with("/dashboard/service/port", 70000.into()),
            "/dashboard/service/port",
        ),
        (
            "latest dashboard",
            with("/dashboard/image/tag", "latest".into()),
            "/dashboard/image/tag",
        ),
        (
            "ingress path without pathType",
            with(
                "/dashboard/ingress/hosts",
                serde_json::json!([{"host": "a", "paths": [{"path": "/"}]}]),
            ),
            "pathType",
        ),
        (
            "parentRef without name",
            with(
                "/dashboard/httpRoute/parentRefs",
                serde_json::json!([{"namespace": "gw"}]),
            ),
            "name",
        ),
    ] {
        let errors = schema_errors(&values);
        assert!(
            errors.iter().any(|e| e.contains(expected)),
            "{what} ({expected}) accepted: {errors:?}"
        );
    }
}
