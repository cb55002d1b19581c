//! The GitOps gates shipped in `operator/gitops/` read the statuses this operator writes:
//! Compliant -> healthy; NonCompliant, Invalid -> degraded (failed); Unknown -> progressing.
//! The statuses are recorded from real reconciles against the scripted API; the Argo CD
//! health check runs in a real Lua interpreter (`lua5.4`, or `$PACTO_TEST_LUA`, or Neovim's
//! LuaJIT through `$PACTO_TEST_NVIM -l` from scripts/test-infra).

#![allow(clippy::unwrap_used)]

mod fake;

use fake::{FakeApi, MemSource, PACTOS};
use pacto_core::syntax::{parse, Limits};
use pacto_operator::crd::Pacto;
use pacto_operator::metrics::Metrics;
use pacto_operator::reconcile::{self, Context};
use pacto_operator::runtime_v2::Options;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

const NS: &str = "shop";

fn gitops(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("gitops")
        .join(file)
}

fn docs(file: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(gitops(file)).unwrap();
    text.split("\n---\n")
        .filter_map(|d| parse(d, &Limits::default()).tree)
        .map(|t| t.root().to_json())
        .filter(|v| v.is_object())
        .collect()
}

const V2: &str = r#"pactoVersion: "2.0"
service: {name: orders-api, version: 1.2.0, owner: {team: orders}}
interfaces:
  - {name: http, type: openapi, ref: interfaces/openapi.yaml}
configurations:
  - {name: default, schema: configuration/schema.json, required: true}
workload: service
"#;

fn pacto(contract: &str, target: bool) -> Pacto {
    let mut spec = json!({"contractRef": {"inline": contract}});
    if target {
        spec["target"] = json!({
            "serviceName": "orders-api",
            "interfaceBindings": [{"interface": "http", "servicePort": "http"}],
            "configBindings": [{"configuration": "default", "kind": "ConfigMap",
                "name": "orders-api-config", "key": "app.yaml", "format": "yaml"}]
        });
    }
    serde_json::from_value(json!({
        "apiVersion": "pacto.trianalab.io/v1alpha1", "kind": "Pacto",
        "metadata": {"name": "orders-api", "namespace": NS, "uid": "u", "generation": 2},
        "spec": spec
    }))
    .unwrap()
}

/// The Pacto object (metadata and status) after one reconcile of `p` in a cluster where the
/// workload has `ready` replicas and the ConfigMap holds `config`.
/// A targeted Pacto's contract is published with its bundle (the configuration schema), so
/// the bound ConfigMap can be validated as Go's collector does.
async fn record(mut p: Pacto, window: Duration, ready: i32, config: Option<&str>) -> Value {
    let api = FakeApi::new();
    let src = Arc::new(MemSource::default());
    if let (Some(text), Some(_)) = (p.spec.contract_ref.inline.clone(), &p.spec.target) {
        let oci = "ghcr.io/acme/orders-api-pacto:1.2.0";
        let schema = r#"{"type": "object", "required": ["port"]}"#;
        let bundle = pacto_core::bundle::MemBundle::new(oci)
            .with("pacto.yaml", text.as_str())
            .with("configuration/schema.json", schema)
            .with(
                "interfaces/openapi.yaml",
                "openapi: 3.0.3\ninfo: {title: o, version: 1.2.0}\npaths: {}\n",
            );
        src.publish_bundle(
            "ghcr.io/acme/orders-api-pacto",
            "1.2.0",
            &text,
            &fake::digest_of(&text),
            bundle,
        );
        p.spec.contract_ref.inline = None;
        p.spec.contract_ref.oci = Some(oci.to_string());
    }
    let mut ctx = Context::new(api.client(), src, Arc::new(Metrics::default()));
    ctx.v2 = Options {
        stabilization_window: window,
        ..Options::default()
    };
    api.put(
        &format!("/api/v1/namespaces/{NS}/services/orders-api"),
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "orders-api", "namespace": NS},
               "spec": {"ports": [{"name": "http", "port": 80}]}}),
    );
    api.put(
        &format!("/apis/apps/v1/namespaces/{NS}/deployments/orders-api"),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "orders-api", "namespace": NS},
               "spec": {"selector": {}, "template": {"spec": {"containers": [{"name": "app", "image": "o:1"}]}}},
               "status": {"readyReplicas": ready}}),
    );
    if let Some(c) = config {
        api.put(
            &format!("/api/v1/namespaces/{NS}/configmaps/orders-api-config"),
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "orders-api-config", "namespace": NS}, "data": {"app.yaml": c}}),
        );
    }
    let path = format!("{PACTOS}/{NS}/pactos/orders-api");
    api.put(&path, serde_json::to_value(&p).unwrap());
    reconcile::reconcile(Arc::new(p), Arc::new(ctx))
        .await
        .unwrap();
    let mut obj = api.get(&path).unwrap();
    obj["metadata"]["generation"] = json!(2);
    obj
}

/// (name, recorded Pacto object, its contractStatus).
async fn recorded() -> Vec<(&'static str, Value)> {
    let long = Duration::from_secs(120);
    let mut out = vec![
        (
            "compliant",
            record(pacto(V2, true), long, 1, Some("port: 8080\n")).await,
        ),
        (
            "noncompliant",
            record(pacto(V2, true), Duration::ZERO, 0, Some("host: x\n")).await,
        ),
        ("unknown", record(pacto(V2, true), long, 1, None).await),
        (
            "invalid",
            record(
                pacto("pactoVersion: \"2.0\"\nservice: {}\n", true),
                long,
                1,
                None,
            )
            .await,
        ),
        ("reference", record(pacto(V2, false), long, 1, None).await),
    ];
    // A verdict about an older generation, and a Pacto with no status yet.
    let mut stale = out[0].1.clone();
    stale["metadata"]["generation"] = json!(3);
    out.push(("stale", stale));
    let mut fresh = out[0].1.clone();
    fresh.as_object_mut().unwrap().remove("status");
    out.push(("nostatus", fresh));
    for (name, obj) in &out[..5] {
        let want = match *name {
            "compliant" => "Compliant",
            "noncompliant" => "NonCompliant",
            "unknown" => "Unknown",
            "invalid" => "Invalid",
            _ => "Reference",
        };
        assert_eq!(obj["status"]["contractStatus"], want, "{name}: {obj:#}");
    }
    out
}

/// A JSON value as a Lua expression (null -> nil).
fn lua(v: &Value) -> String {
    match v {
        Value::Null => "nil".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            let mut o = String::from("\"");
            for c in s.chars() {
                match c {
                    '"' => o.push_str("\\\""),
                    '\\' => o.push_str("\\\\"),
                    '\n' => o.push_str("\\n"),
                    '\r' => o.push_str("\\r"),
                    c => o.push(c),
                }
            }
            o.push('"');
            o
        }
        Value::Array(a) => format!("{{{}}}", a.iter().map(lua).collect::<Vec<_>>().join(", ")),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| format!("[{}] = {}", lua(&Value::String(k.clone())), lua(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A real Lua interpreter: `$PACTO_TEST_LUA`, `lua5.4`/`lua` on PATH, or Neovim's LuaJIT.
fn interpreter() -> Vec<String> {
    if let Ok(l) = std::env::var("PACTO_TEST_LUA") {
        return vec![l];
    }
    for l in ["lua5.4", "lua"] {
        if std::process::Command::new(l)
            .arg("-v")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return vec![l.to_string()];
        }
    }
    if let Ok(n) = std::env::var("PACTO_TEST_NVIM") {
        return vec![n, "-l".to_string()];
    }
    panic!(
        "no Lua interpreter: install lua5.4 (apt-get install lua5.4), set PACTO_TEST_LUA, or \
         run scripts/test-infra start and eval \"$(scripts/test-infra env)\" for PACTO_TEST_NVIM"
    );
}

#[tokio::test]
async fn argo_cd_health_check_maps_recorded_statuses_in_real_lua() {
    let cm = &docs("argocd-cm-pacto-health.yaml")[0];
    assert_eq!(
        (&cm["kind"], &cm["metadata"]["name"]),
        (&json!("ConfigMap"), &json!("argocd-cm"))
    );
    let script = cm["data"]["resource.customizations.health.pacto.trianalab.io_Pacto"]
        .as_str()
        .expect("the data key Argo reads, spelled exactly");
    let cases = recorded().await;
    let mut program = String::from(
        "-- As Argo CD runs it: no string library.\nlocal io_write = io.write\nstring = nil\n\
         local function health(obj)\n",
    );
    program.push_str(script);
    program.push_str("end\nlocal cases = {\n");
    for (name, obj) in &cases {
        program.push_str(&format!("  {{{}, {}}},\n", lua(&json!(name)), lua(obj)));
    }
    program.push_str(
        "}\nfor _, c in ipairs(cases) do\n  local r = health(c[2])\n  \
         io_write(c[1], \"\\t\", r.status, \"\\t\", r.message, \"\\n\")\nend\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("health.lua");
    std::fs::write(&file, &program).unwrap();
    let mut cmd = interpreter();
    let exe = cmd.remove(0);
    let out = std::process::Command::new(&exe)
        .args(&cmd)
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{exe}: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Vec<(&str, &str, &str)> = stdout
        .lines()
        .map(|l| {
            let mut p = l.splitn(3, '\t');
            (p.next().unwrap(), p.next().unwrap(), p.next().unwrap_or(""))
        })
        .collect();
    let status = |n: &str| got.iter().find(|g| g.0 == n).map(|g| g.1).unwrap();
    assert_eq!(status("compliant"), "Healthy", "{stdout}");
    assert_eq!(status("reference"), "Healthy", "{stdout}");
    assert_eq!(status("noncompliant"), "Degraded", "{stdout}");
    assert_eq!(status("invalid"), "Degraded", "{stdout}");
    assert_eq!(status("unknown"), "Progressing", "{stdout}");
    assert_eq!(status("stale"), "Progressing", "{stdout}");
    assert_eq!(status("nostatus"), "Progressing", "{stdout}");
    // The first error finding names the violation in the Argo UI.
    let msg = got.iter().find(|g| g.0 == "noncompliant").unwrap().2;
    assert!(
        msg.starts_with("contract violated: INTERFACE_ABSENT: "),
        "{msg}"
    );
}

/// `status.contractStatus in ['A', 'B']`, the only CEL form the snippet uses (a change of form
/// fails here rather than being misread).
fn cel_in(expr: &str, obj: &Value) -> Option<bool> {
    let list = expr
        .strip_prefix("status.contractStatus in [")?
        .strip_suffix(']')?;
    let values: Vec<&str> = list
        .split(',')
        .map(|v| v.trim().trim_matches('\''))
        .collect();
    // CEL errors on a missing field; Flux reads an error as not yet healthy.
    let s = obj.get("status")?.get("contractStatus")?.as_str()?;
    Some(values.contains(&s))
}

#[tokio::test]
async fn flux_health_check_exprs_map_recorded_statuses() {
    let ks = docs("flux-kustomization.yaml");
    let staging = &ks[0];
    assert_eq!(staging["apiVersion"], "kustomize.toolkit.fluxcd.io/v1");
    assert_eq!(staging["spec"]["wait"], true);
    let check = &staging["spec"]["healthCheckExprs"][0];
    assert_eq!(
        (&check["apiVersion"], &check["kind"]),
        (&json!("pacto.trianalab.io/v1alpha1"), &json!("Pacto"))
    );
    // Fails closed: no inProgress expression, so anything unmatched keeps waiting.
    assert!(check.get("inProgress").is_none());
    let current = check["current"].as_str().unwrap();
    let failed = check["failed"].as_str().unwrap();
    assert!(cel_in(current, &json!({"status": {"contractStatus": "x"}})).is_some());
    let verdict = |obj: &Value| match (cel_in(failed, obj), cel_in(current, obj)) {
        (Some(true), _) => "Failed",
        (_, Some(true)) => "Current",
        _ => "InProgress",
    };
    for (name, obj) in recorded().await {
        let want = match name {
            "compliant" | "reference" | "stale" => "Current", // Flux checks generations itself
            "noncompliant" | "invalid" => "Failed",
            _ => "InProgress",
        };
        assert_eq!(verdict(&obj), want, "{name}");
    }
    assert_eq!(
        verdict(&json!({"status": {"contractStatus": "Warning"}})),
        "Current"
    );
    assert_eq!(
        verdict(&json!({"status": {"contractStatus": "NotEvaluated"}})),
        "InProgress"
    );
    // The promotion gate: production depends on staging, with a timeout over the 2m window.
    assert_eq!(ks[1]["spec"]["dependsOn"][0]["name"], "orders-staging");
    for k in &ks {
        let t = k["spec"]["timeout"].as_str().unwrap();
        let d = pacto_operator::runtime_v2::parse_go_duration(t).unwrap();
        assert!(d > Duration::from_secs(120), "{t}");
    }
}

/// The keys of `v` that a structural CRD schema would prune (not declared in `schema`).
fn pruned(v: &Value, schema: &Value, at: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if schema.get("x-kubernetes-preserve-unknown-fields") == Some(&json!(true)) {
                return;
            }
            let props = schema.get("properties");
            let extra = schema.get("additionalProperties");
            for (k, val) in m {
                match props.and_then(|p| p.get(k)).or(extra) {
                    Some(s) => pruned(val, s, &format!("{at}.{k}"), out),
                    None => out.push(format!("{at}.{k}")),
                }
            }
        }
        Value::Array(a) => {
            if let Some(items) = schema.get("items") {
                for (i, x) in a.iter().enumerate() {
                    pruned(x, items, &format!("{at}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

/// The API server prunes what the CRD's structural schema does not declare: every field the
/// operator writes (1.x and 2.0 statuses) and every binding of the spec is declared, so none
/// is silently dropped on a real cluster.
#[tokio::test]
async fn recorded_specs_and_statuses_survive_the_crd_pruning() {
    use kube::CustomResourceExt;
    let crd = serde_json::to_value(Pacto::crd()).unwrap();
    let schema = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
    let mut objects: Vec<Value> = recorded().await.into_iter().map(|(_, o)| o).collect();
    let v1 = "pactoVersion: \"1.0\"\nservice: {name: orders-api, version: 1.0.0}\ninterfaces:\n  - {name: api, type: http, port: 80}\n";
    objects.push(record(pacto(v1, true), Duration::ZERO, 1, None).await);
    for obj in &objects {
        let mut out = Vec::new();
        pruned(
            &obj["spec"],
            &schema["properties"]["spec"],
            "spec",
            &mut out,
        );
        pruned(
            &obj["status"],
            &schema["properties"]["status"],
            "status",
            &mut out,
        );
        assert!(out.is_empty(), "pruned by the CRD: {out:?}");
    }
    // A field the CRD does not know is pruned (the walker sees it).
    let mut out = Vec::new();
    pruned(
        &json!({"target": {"interfaceBinding": []}}),
        &schema["properties"]["spec"],
        "spec",
        &mut out,
    );
    assert_eq!(out, ["spec.target.interfaceBinding"]);
}
