#![allow(clippy::unwrap_used)]

use super::*;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn ctx_at(root: &Path) -> Ctx {
    Ctx {
        roots: Roots::new(&[root.to_path_buf()]).unwrap(),
        registry: None,
    }
}

fn run(ctx: &Ctx, name: &str, args: Value) -> ToolResult {
    let Value::Object(m) = args else {
        panic!("args")
    };
    call(ctx, name, &m)
}

fn ok(ctx: &Ctx, name: &str, args: Value) -> Output {
    match run(ctx, name, args) {
        Ok(o) => o,
        Err(e) => panic!("{name} failed: {e}"),
    }
}

fn err(ctx: &Ctx, name: &str, args: Value) -> String {
    match run(ctx, name, args) {
        Ok(o) => panic!("{name} should fail, got {}", o.text),
        Err(e) => e.to_string(),
    }
}

#[test]
fn catalog_has_both_generations_with_schemas() {
    let c = catalog();
    let names: Vec<&str> = c.iter().map(|t| t.name).collect();
    assert_eq!(
        names,
        [
            "pacto_validate",
            "pacto_inspect",
            "pacto_resolve_dependencies",
            "pacto_list_interfaces",
            "pacto_generate_docs",
            "pacto_explain",
            "pacto_generate_contract",
            "pacto_suggest_dependencies",
            "pacto_schema",
            "pacto_create",
            "pacto_edit",
            "pacto_check",
            "pacto_diff",
            "pacto_list_versions",
            "pacto_graph",
            "pacto_migrate",
        ]
    );
    for t in &c {
        assert_eq!(t.input_schema["type"], "object", "{}", t.name);
        assert_eq!(t.output_schema["type"], "object", "{}", t.name);
        let props = t.input_schema["properties"].as_object().unwrap();
        for r in t.input_schema["required"].as_array().unwrap() {
            assert!(
                props.contains_key(r.as_str().unwrap()),
                "{} requires {r}",
                t.name
            );
        }
        for schema in [&t.input_schema, &t.output_schema] {
            let text = schema.to_string();
            assert!(
                !text.contains("\"type\":["),
                "{}: type arrays are not portable: {text}",
                t.name
            );
        }
        // The output schema compiles: clients validate structuredContent against it.
        pacto_core::schema::compile(&t.output_schema).unwrap();
    }
    let req = |n: &str| c.iter().find(|t| t.name == n).unwrap().input_schema["required"].clone();
    assert_eq!(req("pacto_validate"), json!(["path"]));
    assert_eq!(req("pacto_inspect"), json!(["ref"]));
    assert_eq!(req("pacto_generate_contract"), json!(["service_name"]));
    assert_eq!(req("pacto_suggest_dependencies"), json!(["contract"]));
    assert_eq!(req("pacto_create"), json!(["name"]));
}

/// Every successful structured result matches the tool's output schema.
fn assert_conforms(name: &str, out: &Output) {
    let def = catalog().into_iter().find(|t| t.name == name).unwrap();
    let v = pacto_core::schema::compile(&def.output_schema).unwrap();
    let errors: Vec<String> = v
        .iter_errors(&out.structured)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:?}\n{}", out.structured);
}

#[test]
fn validate_reports_go_shape() {
    let ctx = ctx_at(&fixtures());
    let out = ok(
        &ctx,
        "pacto_validate",
        json!({"path": "valid/payments-api"}),
    );
    assert_conforms("pacto_validate", &out);
    assert_eq!(out.structured["Valid"], true);
    assert_eq!(out.structured["Path"], "valid/payments-api");
    assert_eq!(out.structured["Errors"], Value::Null);
    assert_eq!(out.structured["Warnings"][0]["Code"], "TAG_NOT_DIGEST");
    assert!(out.text.starts_with("{\n  \"Path\""));
    let bad = ok(
        &ctx,
        "pacto_validate",
        json!({"path": "invalid/port-required/pacto.yaml"}),
    );
    assert_eq!(bad.structured["Valid"], false);
    assert_eq!(bad.structured["Errors"][0]["Code"], "PORT_REQUIRED");
    assert!(err(&ctx, "pacto_validate", json!({})).contains("path: is required"));
    assert!(err(&ctx, "pacto_validate", json!({"path": 7})).contains("path: 7 is not of type"));
    assert_eq!(
        err(&ctx, "pacto_validate", json!({"path": " "})),
        "path is required"
    );
}

#[test]
fn paths_outside_the_roots_are_refused() {
    let ctx = ctx_at(&fixtures().join("valid"));
    for (tool, key) in [
        ("pacto_validate", "path"),
        ("pacto_inspect", "ref"),
        ("pacto_graph", "ref"),
        ("pacto_check", "path"),
        ("pacto_edit", "path"),
        ("pacto_suggest_dependencies", "contract"),
    ] {
        let e = err(&ctx, tool, json!({key: "../invalid/port-required"}));
        assert!(e.contains("outside the allowed roots"), "{tool}: {e}");
        let e = err(&ctx, tool, json!({key: "/etc"}));
        assert!(e.contains("outside the allowed roots"), "{tool}: {e}");
    }
    let e = err(
        &ctx,
        "pacto_create",
        json!({"name": "x", "path": "../x", "dry_run": true}),
    );
    assert!(e.contains("outside the allowed roots"), "{e}");
    let e = err(
        &ctx,
        "pacto_diff",
        json!({"old": "nginx", "new": "../invalid/port-required"}),
    );
    assert!(e.contains("outside the allowed roots"), "{e}");
}

#[test]
fn local_dependencies_leaving_the_roots_are_not_read() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("root");
    std::fs::create_dir_all(root.join("svc")).unwrap();
    std::fs::create_dir_all(t.path().join("secret")).unwrap();
    std::fs::write(
        t.path().join("secret/pacto.yaml"),
        "pactoVersion: \"1.0\"\nservice:\n  name: secret\n  version: 9.9.9\n",
    )
    .unwrap();
    std::fs::write(
        root.join("svc/pacto.yaml"),
        "pactoVersion: \"1.0\"\nservice:\n  name: svc\n  version: 1.0.0\ndependencies:\n  - ref: ../../secret\n    required: true\n    compatibility: \"^9.0.0\"\n",
    )
    .unwrap();
    let ctx = ctx_at(&root);
    let g = ok(&ctx, "pacto_resolve_dependencies", json!({"ref": "svc"}));
    let edge = &g.structured["root"]["dependencies"][0];
    assert!(edge["node"].is_null(), "{edge}");
    assert!(
        edge["error"]
            .as_str()
            .unwrap()
            .contains("outside the allowed roots"),
        "{edge}"
    );
    let e = err(&ctx, "pacto_validate", json!({"path": "svc"}));
    assert!(e.contains("../../secret"), "{e}");
}

#[test]
fn inspect_explain_interfaces_docs() {
    let ctx = ctx_at(&fixtures());
    let i = ok(&ctx, "pacto_inspect", json!({"ref": "valid/payments-api"}));
    assert_conforms("pacto_inspect", &i);
    assert_eq!(i.structured["name"], "payments-api");
    assert_eq!(i.structured["runtime"]["stateType"], "stateful");
    assert_eq!(
        i.structured["dependencies"][1]["ref"],
        "oci://ghcr.io/acme/redis-pacto:7.4.0"
    );
    let e = ok(&ctx, "pacto_explain", json!({"ref": "valid/payments-api"}));
    assert_conforms("pacto_explain", &e);
    assert_eq!(
        e.structured["summary"],
        "payments-api@2.1.0 is a stateful service workload (pacto 1.0), owned by payments-team"
    );
    assert_eq!(
        e.structured["interfaces"],
        "rest-api (http, port 8080, public); grpc-api (grpc, port 9090, internal); events (event, internal)"
    );
    assert!(e.structured["dependencies"]
        .as_str()
        .unwrap()
        .ends_with("oci://ghcr.io/acme/redis-pacto:7.4.0 (^7.0.0, optional)"));
    let l = ok(&ctx, "pacto_list_interfaces", json!({"ref": "valid/nginx"}));
    assert_conforms("pacto_list_interfaces", &l);
    assert_eq!(
        l.structured["interfaces"][0],
        json!({"name": "http", "type": "http", "port": 80, "visibility": "public"})
    );
    let d = ok(&ctx, "pacto_generate_docs", json!({"ref": "valid/nginx"}));
    assert_conforms("pacto_generate_docs", &d);
    assert!(d.text.starts_with("# nginx"), "{}", d.text);
    assert_eq!(d.structured["serviceName"], "nginx");
    let e = err(&ctx, "pacto_inspect", json!({"ref": "valid/nope"}));
    assert!(e.contains("nope"), "{e}");
    let e = err(
        &ctx,
        "pacto_inspect",
        json!({"ref": "oci://example.com/x:1.0.0"}),
    );
    assert!(e.contains("no registry client"), "{e}");
}

#[test]
fn graph_and_dependencies() {
    let ctx = ctx_at(&fixtures());
    let g = ok(
        &ctx,
        "pacto_graph",
        json!({"ref": "graph/payments/payments-api"}),
    );
    assert_conforms("pacto_graph", &g);
    assert!(
        g.text
            .starts_with("payments-api@2.1.0\n├─ auth-service@2.3.0 [local]"),
        "{}",
        g.text
    );
    assert_eq!(g.structured["graph"]["root"]["name"], "payments-api");
    assert!(g.text.contains("Conflicts (1):"));
    let r = ok(
        &ctx,
        "pacto_resolve_dependencies",
        json!({"ref": "graph/payments/payments-api"}),
    );
    assert_eq!(r.structured, g.structured["graph"]);
}

#[test]
fn suggestions_follow_the_rules() {
    let ctx = ctx_at(&fixtures());
    let s = ok(
        &ctx,
        "pacto_suggest_dependencies",
        json!({"contract": "valid/nginx"}),
    );
    assert_conforms("pacto_suggest_dependencies", &s);
    let refs: Vec<&str> = s.structured["suggested"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["ref"].as_str().unwrap())
        .collect();
    assert_eq!(refs, ["api-gateway", "redis", "prometheus"]);
    // payments-api declares redis already; stateful + persistent suggests postgres only if missing.
    let s = ok(
        &ctx,
        "pacto_suggest_dependencies",
        json!({"contract": "valid/payments-api"}),
    );
    let refs: Vec<&str> = s.structured["suggested"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["ref"].as_str().unwrap())
        .collect();
    assert_eq!(refs, ["api-gateway", "prometheus"]);
}

#[test]
fn generate_contract_and_schema() {
    let ctx = ctx_at(&fixtures());
    assert!(err(&ctx, "pacto_generate_contract", json!({})).contains("service_name: is required"));
    assert_eq!(
        err(
            &ctx,
            "pacto_generate_contract",
            json!({"service_name": " "})
        ),
        "service_name is required"
    );
    let g = ok(
        &ctx,
        "pacto_generate_contract",
        json!({"service_name": "orders", "language": "go", "exposes_http": true, "needs_database": true, "needs_cache": false}),
    );
    assert_conforms("pacto_generate_contract", &g);
    let tree = pacto_core::syntax::parse(&g.text, &Default::default())
        .tree
        .unwrap();
    let v = tree.root().to_json();
    assert_eq!(v["service"], json!({"name": "orders", "version": "0.1.0"}));
    assert_eq!(v["interfaces"][0]["name"], "http-api");
    assert_eq!(
        v["dependencies"],
        json!([{"ref": "postgres", "required": true, "compatibility": "^1.0.0"}])
    );
    assert_eq!(v["runtime"]["state"]["type"], "stateful");
    assert_eq!(
        v["runtime"]["health"],
        json!({"interface": "http-api", "path": "/health"})
    );
    assert_eq!(v["metadata"]["language"], "go");
    let s = ok(&ctx, "pacto_schema", json!({"pactoVersion": "1.0"}));
    assert_conforms("pacto_schema", &s);
    assert_eq!(s.structured["jsonSchema"], pacto_core::schema::SCHEMA_JSON);
    assert_eq!(s.structured["pactoVersion"], "1.0");
    assert_eq!(s.structured["docs"], "https://trianalab.github.io/pacto");
}

/// Issue 18: an assistant asking for the schema gets the 2.0 one (what Go Pacto 3.x and
/// pacto_create write), and the 1.x one only on request.
#[test]
fn schema_is_2_0_by_default() {
    let ctx = ctx_at(&fixtures());
    let s = ok(&ctx, "pacto_schema", json!({}));
    assert_conforms("pacto_schema", &s);
    assert_eq!(
        s.structured["jsonSchema"],
        pacto_core::schema::SCHEMA_V2_JSON
    );
    assert_eq!(s.structured["pactoVersion"], "2.0");
    let v: Value = serde_json::from_str(s.structured["jsonSchema"].as_str().unwrap()).unwrap();
    assert_eq!(v["$id"], pacto_core::schema::SCHEMA_V2_ID);
    assert!(s.structured["description"]
        .as_str()
        .unwrap()
        .contains("2.0"));
    let e = err(&ctx, "pacto_schema", json!({"pactoVersion": "3.0"}));
    assert!(e.contains("pactoVersion"), "{e}");
    let e = err(
        &ctx,
        "pacto_create",
        json!({"name": "x", "pactoVersion": "1.x"}),
    );
    assert!(e.contains("pactoVersion"), "{e}");
}

fn tree_json(text: &str) -> Value {
    pacto_core::syntax::parse(text, &Default::default())
        .tree
        .unwrap()
        .root()
        .to_json()
}

/// Issue 18: pacto_create writes a 2.0 bundle by default (Go Pacto 3.x's layout) that
/// validates under 2.0 rules, with a spec file for every interface.
#[test]
fn create_writes_a_2_0_bundle_by_default() {
    let t = tempfile::tempdir().unwrap();
    let ctx = ctx_at(t.path());
    let out = ok(
        &ctx,
        "pacto_create",
        json!({"name": "orders", "description": "REST API storing orders in PostgreSQL",
               "owner": "orders", "interfaces": "[{\"name\":\"api\",\"type\":\"openapi\"},{\"name\":\"events\",\"type\":\"event\"},{\"name\":\"rpc\",\"type\":\"grpc\"}]",
               "dependencies": [{"ref": "oci://ghcr.io/acme/auth-pacto:1.2.0"}],
               "config_properties": [{"name": "LOG_LEVEL", "required": true}],
               "stores_data": true, "data_survives_restart": true}),
    );
    assert_conforms("pacto_create", &out);
    assert_eq!(out.structured["valid"], true, "{}", out.text);
    let text = std::fs::read_to_string(t.path().join("orders/pacto.yaml")).unwrap();
    let v = tree_json(&text);
    assert_eq!(v["pactoVersion"], "2.0", "{text}");
    assert_eq!(v["service"]["owner"], json!({"team": "orders"}));
    assert_eq!(v["workload"], "service");
    assert_eq!(v["state"]["type"], "stateful");
    assert_eq!(v["state"]["persistence"]["durability"], "persistent");
    assert!(
        v.get("runtime").is_none() && v.get("scaling").is_none(),
        "{text}"
    );
    assert_eq!(
        v["interfaces"],
        json!([
            {"name": "api", "type": "openapi", "ref": "interfaces/api.yaml"},
            {"name": "events", "type": "asyncapi", "ref": "interfaces/events.yaml"},
            {"name": "rpc", "type": "grpc", "ref": "interfaces/rpc.proto"},
        ])
    );
    assert_eq!(
        v["dependencies"],
        json!([{"name": "auth-pacto", "ref": "oci://ghcr.io/acme/auth-pacto:1.2.0",
                "required": true, "compatibility": "^1.0.0"}])
    );
    assert_eq!(
        v["configurations"][0]["schema"],
        "configuration/schema.json"
    );
    for f in [
        "interfaces/api.yaml",
        "interfaces/events.yaml",
        "interfaces/rpc.proto",
        "configuration/schema.json",
    ] {
        assert!(t.path().join("orders").join(f).is_file(), "{f}");
    }
    // The bundle is valid under 2.0 as the CLI reads it.
    let c = ok(&ctx, "pacto_check", json!({"path": "orders"}));
    assert_eq!(c.structured["valid"], true, "{}", c.text);
    let c = ok(&ctx, "pacto_validate", json!({"path": "orders"}));
    assert_eq!(c.structured["Valid"], true, "{}", c.text);
    // 2.0 has no scaling: a replica count is refused, not dropped.
    let e = err(&ctx, "pacto_create", json!({"name": "web", "replicas": 3}));
    assert!(
        e.contains("no scaling section") && e.contains("pactoVersion"),
        "{e}"
    );
    let e = err(
        &ctx,
        "pacto_create",
        json!({"name": "web", "interfaces": [{"name": "x", "type": "soap"}]}),
    );
    assert!(e.contains("openapi, asyncapi or grpc"), "{e}");
    // As in Go 3.x, a description infers interfaces and state, never dependencies.
    let inferred = ok(
        &ctx,
        "pacto_create",
        json!({"name": "db-api", "description": "REST API on PostgreSQL and Redis", "dry_run": true}),
    );
    let v = tree_json(inferred.structured["files"][0]["content"].as_str().unwrap());
    assert_eq!(v["interfaces"][0]["type"], "openapi");
    assert_eq!(v["state"]["type"], "stateful");
    assert!(v.get("dependencies").is_none(), "{v}");
    // 1.x on request.
    let old = ok(
        &ctx,
        "pacto_create",
        json!({"name": "legacy", "pactoVersion": "1.0", "dry_run": true, "description": "REST API"}),
    );
    let v = tree_json(old.structured["files"][0]["content"].as_str().unwrap());
    assert_eq!(v["pactoVersion"], "1.0");
    assert_eq!(v["interfaces"][0]["type"], "http");
}

/// Issue 18: pacto_edit edits a 2.0 contract in 2.0 terms (top-level workload and state,
/// interfaces with refs, configurations, owner object) and keeps it valid.
#[test]
fn edit_a_2_0_contract_in_its_own_generation() {
    let t = tempfile::tempdir().unwrap();
    let ctx = ctx_at(t.path());
    ok(
        &ctx,
        "pacto_create",
        json!({"name": "orders", "description": "REST API"}),
    );
    let file = t.path().join("orders/pacto.yaml");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("service:\n", "# keep me\nservice:\n");
    std::fs::write(&file, &text).unwrap();
    let out = ok(
        &ctx,
        "pacto_edit",
        json!({"path": "orders", "owner": "platform", "workload": "job", "stores_data": true,
               "add_interfaces": [{"name": "events", "type": "asyncapi"}],
               "add_dependencies": [{"ref": "oci://ghcr.io/acme/kafka-pacto:3.0.0", "compatibility": "^3.0.0"}],
               "add_config_properties": [{"name": "PORT", "type": "integer"}]}),
    );
    assert_conforms("pacto_edit", &out);
    assert_eq!(out.structured["valid"], true, "{}", out.text);
    let edited = std::fs::read_to_string(&file).unwrap();
    assert!(edited.contains("# keep me\nservice:"), "{edited}");
    let v = tree_json(&edited);
    assert_eq!(v["pactoVersion"], "2.0");
    assert_eq!(v["service"]["owner"]["team"], "platform");
    assert_eq!(v["workload"], "job");
    assert_eq!(v["state"]["type"], "stateful");
    assert!(v.get("runtime").is_none(), "{edited}");
    assert_eq!(
        v["interfaces"][1],
        json!({"name": "events", "type": "asyncapi", "ref": "interfaces/events.yaml"})
    );
    assert_eq!(v["dependencies"][0]["name"], "kafka-pacto");
    assert_eq!(v["configurations"][0]["name"], "default");
    assert!(t.path().join("orders/interfaces/events.yaml").is_file());
    let c = ok(&ctx, "pacto_check", json!({"path": "orders"}));
    assert_eq!(c.structured["valid"], true, "{}", c.text);
    let e = err(&ctx, "pacto_edit", json!({"path": "orders", "replicas": 2}));
    assert!(e.contains("no scaling section"), "{e}");
}

/// Go Pacto 3.3: every call is checked against the tool's input schema before it runs; a
/// wrong type or a missing required argument names the field.
#[test]
fn calls_are_validated_against_the_input_schema() {
    let t = tempfile::tempdir().unwrap();
    let ctx = ctx_at(t.path());
    let invalid = |name: &str, args: Value| match run(&ctx, name, args) {
        Err(ToolError::InvalidParams { message, fields }) => (message, fields),
        other => panic!("{name}: expected invalid params, got {other:?}"),
    };
    let (m, f) = invalid("pacto_create", json!({"description": "x"}));
    assert_eq!(f, ["name"]);
    assert!(
        m.contains("name: is required") && m.contains("pacto_create"),
        "{m}"
    );
    let (m, f) = invalid("pacto_create", json!({"name": "svc", "dry_run": "yes"}));
    assert_eq!(f, ["dry_run"], "{m}");
    assert!(m.contains("boolean"), "{m}");
    let (_, f) = invalid("pacto_check", json!({"path": 5}));
    assert_eq!(f, ["path"]);
    let (_, f) = invalid("pacto_schema", json!({"pactoVersion": "9.9"}));
    assert_eq!(f, ["pactoVersion"]);
    let (_, f) = invalid("pacto_create", json!({"name": "svc", "replicas": "three"}));
    assert_eq!(f, ["replicas"]);
    // Nothing ran: no bundle was written.
    assert!(!t.path().join("svc").exists());
    // Valid calls still run; the JSON-string forms Go's inputs use are accepted.
    ok(
        &ctx,
        "pacto_create",
        json!({"name": "svc", "dry_run": true,
        "interfaces": "[{\"name\":\"api\",\"type\":\"openapi\"}]"}),
    );
}

/// pacto_check judges each generation by its own rules.
#[test]
fn check_reads_both_generations() {
    let ctx = ctx_at(&fixtures());
    let c = ok(
        &ctx,
        "pacto_check",
        json!({"path": "v2/valid/payments-api"}),
    );
    assert_eq!(c.structured["valid"], true, "{}", c.text);
    // No 1.x advice (runtime, scaling) for a 2.0 contract.
    let sug = c.structured["suggestions"].to_string();
    assert!(
        !sug.contains("scaling") && !sug.contains("runtime"),
        "{sug}"
    );
    let c = ok(
        &ctx,
        "pacto_check",
        json!({"content": "pactoVersion: \"2.0\"\nservice:\n  name: svc\n  version: 1.0.0\n"}),
    );
    let sug = c.structured["suggestions"].to_string();
    assert!(
        sug.contains("add an interface") && sug.contains("declare state"),
        "{sug}"
    );
    assert!(!sug.contains("scaling"), "{sug}");
    // explain reads a 2.0 contract's top-level workload and state.
    let e = ok(
        &ctx,
        "pacto_explain",
        json!({"ref": "v2/valid/payments-api"}),
    );
    assert!(
        e.structured["summary"]
            .as_str()
            .unwrap()
            .contains("is a stateful service workload (pacto 2.0)"),
        "{}",
        e.structured["summary"]
    );
    let c = ok(
        &ctx,
        "pacto_check",
        json!({"path": "v2/invalid/duplicate-interface-name"}),
    );
    assert_eq!(c.structured["valid"], false, "{}", c.text);
    assert!(c.text.contains("DUPLICATE_INTERFACE_NAME"), "{}", c.text);
    let c = ok(
        &ctx,
        "pacto_check",
        json!({"content": "pactoVersion: \"2.0\"\nservice:\n  name: svc\n  version: 1.0.0\nruntime: {}\n"}),
    );
    assert_eq!(c.structured["valid"], false, "{}", c.text);
}

#[test]
fn create_then_edit_keeps_comments() {
    let t = tempfile::tempdir().unwrap();
    let ctx = ctx_at(t.path());
    let args = json!({
        "name": "orders", "description": "REST API storing orders in PostgreSQL, caching in Redis",
        "owner": "team/orders", "config_properties": "[{\"name\":\"LOG_LEVEL\",\"required\":true}]",
        "data_loss_impact": "high", "min_replicas": 2, "max_replicas": 5,
        "metadata": {"tier": "gold"}, "dry_run": true, "pactoVersion": "1.0",
    });
    let dry = ok(&ctx, "pacto_create", args.clone());
    assert_conforms("pacto_create", &dry);
    assert_eq!(dry.structured["valid"], true, "{}", dry.text);
    assert!(!t.path().join("orders").exists(), "dry run writes nothing");
    let mut real = args;
    real["dry_run"] = json!(false);
    let out = ok(&ctx, "pacto_create", real);
    assert_eq!(out.structured["files"].as_array().unwrap().len(), 2);
    let v = ok(&ctx, "pacto_validate", json!({"path": "orders"}));
    assert_eq!(v.structured["Valid"], true, "{}", v.text);
    let i = ok(&ctx, "pacto_inspect", json!({"ref": "orders"}));
    assert_eq!(i.structured["runtime"]["dataCriticality"], "high");
    assert_eq!(i.structured["runtime"]["durability"], "persistent");
    assert_eq!(i.structured["scaling"], json!({"min": 2, "max": 5}));
    let e = err(&ctx, "pacto_create", json!({"name": "orders"}));
    assert!(e.contains("use pacto_edit"), "{e}");

    // A comment the edit must keep.
    let file = t.path().join("orders/pacto.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let text = text.replace("service:\n", "# owned by the orders team\nservice:\n");
    std::fs::write(&file, &text).unwrap();
    let edit_args = json!({"path": "orders/pacto.yaml", "version": "0.2.0",
        "add_dependencies": [{"ref": "oci://ghcr.io/acme/kafka-pacto:3.0.0", "compatibility": "^3.0.0"}],
        "remove_dependencies": "redis", "set_metadata": "{\"lang\": \"rust\"}",
        "remove_metadata": ["tier"], "replicas": 3,
        "add_config_properties": [{"name": "PORT", "type": "integer"}]});
    let mut dry_args = edit_args.clone();
    dry_args["dry_run"] = json!(true);
    let dry = ok(&ctx, "pacto_edit", dry_args);
    assert_conforms("pacto_edit", &dry);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        text,
        "dry run writes nothing"
    );
    let edited = dry.structured["files"][0]["content"].as_str().unwrap();
    assert!(
        edited.contains("# owned by the orders team\nservice:\n"),
        "{edited}"
    );
    assert_eq!(dry.structured["valid"], true, "{}", dry.text);
    let out = ok(&ctx, "pacto_edit", edit_args);
    assert_eq!(
        out.structured["files"][0]["content"].as_str().unwrap(),
        edited
    );
    let i = ok(&ctx, "pacto_inspect", json!({"ref": "orders"}));
    assert_eq!(i.structured["version"], "0.2.0");
    assert_eq!(
        i.structured["scaling"],
        json!({"replicas": 3, "min": 3, "max": 3})
    );
    assert_eq!(i.structured["metadata"], json!({"lang": "rust"}));
    let deps: Vec<&str> = i.structured["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["ref"].as_str().unwrap())
        .collect();
    assert_eq!(
        deps,
        [
            "oci://ghcr.io/my-org/postgres-pacto:1.0.0",
            "oci://ghcr.io/acme/kafka-pacto:3.0.0"
        ]
    );
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(t.path().join("orders/configuration/schema.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(schema["properties"]["PORT"]["type"], "integer");
    assert_eq!(schema["required"], json!(["LOG_LEVEL"]));
    let e = err(&ctx, "pacto_edit", json!({"path": "orders"}));
    assert!(e.contains("nothing to change"), "{e}");
    let e = err(
        &ctx,
        "pacto_edit",
        json!({"path": "orders", "remove_interfaces": ["nope"]}),
    );
    assert!(e.contains("no interface named"), "{e}");
}

#[test]
fn check_inline_and_path() {
    let ctx = ctx_at(&fixtures());
    let c = ok(
        &ctx,
        "pacto_check",
        json!({"content": "pactoVersion: \"1.0\"\nservice:\n  name: Bad_Name\n  version: 1.0.0\n"}),
    );
    assert_conforms("pacto_check", &c);
    assert_eq!(c.structured["valid"], false);
    assert!(!c.structured["errors"].as_array().unwrap().is_empty());
    assert!(c.structured["summary"]
        .as_str()
        .unwrap()
        .contains("invalid"));
    assert!(!c.structured["suggestions"].as_array().unwrap().is_empty());
    let c = ok(&ctx, "pacto_check", json!({"path": "valid/redis"}));
    assert_eq!(c.structured["valid"], true, "{}", c.text);
    assert_eq!(
        err(&ctx, "pacto_check", json!({})),
        "path or content is required"
    );
}

#[test]
fn diff_refs_and_inline() {
    let ctx = ctx_at(&fixtures());
    let d = ok(
        &ctx,
        "pacto_diff",
        json!({"old": "diff/contract/interfaces-port-modified/old", "new": "diff/contract/interfaces-port-modified/new"}),
    );
    assert_conforms("pacto_diff", &d);
    assert_eq!(d.structured["classification"], "BREAKING");
    assert_eq!(d.structured["changes"][0]["path"], "interfaces.port");
    assert!(d.text.starts_with("Classification: BREAKING"), "{}", d.text);
    let base = "pactoVersion: \"1.0\"\nservice:\n  name: s\n  version: 1.0.0\n";
    let d = ok(
        &ctx,
        "pacto_diff",
        json!({"old_yaml": base, "new_yaml": base.replace("1.0.0", "1.1.0")}),
    );
    assert_eq!(d.structured["classification"], "NON_BREAKING");
    assert_eq!(d.structured["changes"][0]["path"], "service.version");
    let e = err(&ctx, "pacto_diff", json!({"old_yaml": base}));
    assert!(e.contains("new is required"), "{e}");
}

#[test]
fn list_versions_needs_an_oci_ref() {
    let ctx = ctx_at(&fixtures());
    let e = err(&ctx, "pacto_list_versions", json!({"ref": "valid/nginx"}));
    assert!(e.contains("not an oci:// reference"), "{e}");
    let e = err(
        &ctx,
        "pacto_list_versions",
        json!({"ref": "oci://localhost:1/x"}),
    );
    assert!(e.contains("no registry client"), "{e}");
}

#[test]
fn oversized_and_unknown_inputs_are_errors() {
    let ctx = ctx_at(&fixtures());
    let big = "x".repeat(MAX_STRING_BYTES + 1);
    let e = err(&ctx, "pacto_check", json!({"content": big}));
    assert!(e.contains("too long"), "{e}");
    let huge: Vec<String> = (0..3)
        .map(|_| "y".repeat(MAX_ARGUMENTS_BYTES / 2))
        .collect();
    let e = err(&ctx, "pacto_schema", json!({"pad": huge}));
    assert!(e.contains("too large"), "{e}");
    assert!(err(&ctx, "pacto_nope", json!({})).contains("unknown tool"));
}

/// Issue 15: bundles whose files are symbolic links to files outside the roots. Nothing of
/// the targets may reach a result, and no write may go through a link.
#[cfg(unix)]
mod symlinks {
    use super::*;
    use std::os::unix::fs::symlink;

    const PASSWD: &str =
        "root:x:0:0:root:/root:/bin/bash\nSECRET-MARKER-passwd:x:1000:1000::/home/s:/bin/sh\n";
    const KUBE: &str = "apiVersion: v1\nkind: Config\nusers:\n  - name: admin\n    user:\n      token: SECRET-MARKER-kube\nservice:\n  name: victim\n  version: 1.0.0\n";
    const DOCKER: &str = "{\"auths\": {\"ghcr.io\": {\"auth\": \"SECRET-MARKER-docker\"}}, \"service\": {\"name\": \"victim\", \"version\": \"1.0.0\"}}\n";
    const OPENAPI: &str = "openapi: 3.0.0\ninfo:\n  title: SECRET-MARKER-openapi\n  version: 1.0.0\npaths:\n  /SECRET-MARKER-path:\n    get:\n      responses:\n        '200':\n          description: ok\n";
    const SCHEMA: &str = "{\"type\": \"object\", \"properties\": {\"SECRET-MARKER-schema\": {\"type\": \"string\"}}}\n";
    const DOC: &str = "# SECRET-MARKER-doc\n\nprivate notes\n";

    struct Setup {
        _t: tempfile::TempDir,
        outside: PathBuf,
        ctx: Ctx,
    }

    fn setup() -> Setup {
        let t = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(t.path()).unwrap();
        let root = base.join("root");
        let outside = base.join("outside");
        std::fs::create_dir_all(outside.join("ifdir")).unwrap();
        for (name, text) in [
            ("passwd", PASSWD),
            ("kube.yaml", KUBE),
            ("config.json", DOCKER),
            ("openapi.yaml", OPENAPI),
            ("schema.json", SCHEMA),
            ("doc.md", DOC),
        ] {
            std::fs::write(outside.join(name), text).unwrap();
        }
        for (bundle, target) in [
            ("linkbundle", "passwd"),
            ("svc", "kube.yaml"),
            ("docker", "config.json"),
            ("dangling", "new.yaml"),
        ] {
            std::fs::create_dir_all(root.join(bundle)).unwrap();
            symlink(outside.join(target), root.join(bundle).join("pacto.yaml")).unwrap();
        }
        let files = root.join("files");
        std::fs::create_dir_all(files.join("interfaces")).unwrap();
        std::fs::create_dir_all(files.join("docs")).unwrap();
        std::fs::create_dir_all(files.join("configuration")).unwrap();
        std::fs::write(
            files.join("pacto.yaml"),
            "pactoVersion: \"1.0\"\nservice:\n  name: files\n  version: 1.0.0\n  owner: team/x\ninterfaces:\n  - name: api\n    type: http\n    port: 8080\n    contract: interfaces/openapi.yaml\nconfiguration:\n  schema: configuration/schema.json\nruntime:\n  workload: service\n  state:\n    type: stateless\n    persistence:\n      scope: local\n      durability: ephemeral\n    dataCriticality: low\n",
        )
        .unwrap();
        symlink(
            outside.join("openapi.yaml"),
            files.join("interfaces/openapi.yaml"),
        )
        .unwrap();
        symlink(
            outside.join("schema.json"),
            files.join("configuration/schema.json"),
        )
        .unwrap();
        symlink(outside.join("doc.md"), files.join("docs/secret.md")).unwrap();
        let dirlink = root.join("dirlink");
        std::fs::create_dir_all(&dirlink).unwrap();
        std::fs::write(
            dirlink.join("pacto.yaml"),
            "pactoVersion: \"1.0\"\nservice:\n  name: dirlink\n  version: 1.0.0\n",
        )
        .unwrap();
        symlink(outside.join("ifdir"), dirlink.join("interfaces")).unwrap();
        let ctx = ctx_at(&root);
        Setup {
            _t: t,
            outside,
            ctx,
        }
    }

    fn leaks(text: &str) -> bool {
        text.contains("SECRET-MARKER") || text.contains("root:x:0")
    }

    /// Every read tool on every bundle: a result or an error, never a target's content.
    #[test]
    fn no_tool_returns_a_linked_file() {
        let s = setup();
        for bundle in [
            "linkbundle",
            "svc",
            "docker",
            "dangling",
            "files",
            "dirlink",
        ] {
            for p in [bundle.to_string(), format!("{bundle}/pacto.yaml")] {
                for (tool, key) in [
                    ("pacto_validate", "path"),
                    ("pacto_check", "path"),
                    ("pacto_inspect", "ref"),
                    ("pacto_explain", "ref"),
                    ("pacto_list_interfaces", "ref"),
                    ("pacto_generate_docs", "ref"),
                    ("pacto_resolve_dependencies", "ref"),
                    ("pacto_graph", "ref"),
                    ("pacto_suggest_dependencies", "contract"),
                    ("pacto_diff", "old"),
                    ("pacto_diff", "new"),
                    ("pacto_edit", "path"),
                ] {
                    let mut args = json!({key: p, "dry_run": true});
                    if tool == "pacto_diff" {
                        let other = if key == "old" { "new" } else { "old" };
                        args[other] = json!("files");
                    }
                    if tool == "pacto_edit" {
                        args["version"] = json!("6.6.6");
                    }
                    let shown = match run(&s.ctx, tool, args.clone()) {
                        Ok(o) => format!("{}\n{}", o.text, o.structured),
                        Err(e) => e.to_string(),
                    };
                    assert!(!leaks(&shown), "{tool} {args} leaked:\n{shown}");
                }
            }
        }
    }

    #[test]
    fn a_linked_pacto_yaml_is_refused_as_escaping() {
        let s = setup();
        for p in ["linkbundle", "svc", "docker"] {
            let e = err(&s.ctx, "pacto_validate", json!({"path": p}));
            assert!(
                e.contains("escapes the allowed roots") && e.contains("symbolic link"),
                "{e}"
            );
            assert!(!e.contains("not found"), "{e}");
            let e = err(&s.ctx, "pacto_inspect", json!({"ref": p}));
            assert!(e.contains("escapes the allowed roots"), "{e}");
        }
    }

    #[test]
    fn edit_never_writes_through_a_link() {
        let s = setup();
        for (p, file, text) in [
            ("svc", "kube.yaml", KUBE),
            ("docker", "config.json", DOCKER),
        ] {
            let e = err(&s.ctx, "pacto_edit", json!({"path": p, "version": "6.6.6"}));
            assert!(e.contains("escapes the allowed roots"), "{e}");
            assert_eq!(
                std::fs::read(s.outside.join(file)).unwrap(),
                text.as_bytes()
            );
        }
        // A linked configuration schema is neither read nor rewritten.
        let e = err(
            &s.ctx,
            "pacto_edit",
            json!({"path": "files", "add_config_properties": [{"name": "x"}]}),
        );
        assert!(e.contains("escapes") && !leaks(&e), "{e}");
        assert_eq!(
            std::fs::read(s.outside.join("schema.json")).unwrap(),
            SCHEMA.as_bytes()
        );
        // A stub written into a linked directory is refused.
        let e = err(
            &s.ctx,
            "pacto_edit",
            json!({"path": "dirlink", "add_interfaces": [{"name": "g", "type": "grpc"}]}),
        );
        assert!(e.contains("symbolic link"), "{e}");
        assert_eq!(
            std::fs::read_dir(s.outside.join("ifdir")).unwrap().count(),
            0
        );
        // A dangling link named pacto.yaml is not written through by create.
        let e = err(
            &s.ctx,
            "pacto_create",
            json!({"name": "x", "path": "dangling"}),
        );
        assert!(e.contains("already has"), "{e}");
        assert!(!s.outside.join("new.yaml").exists());
    }

    #[test]
    fn linked_files_inside_a_bundle_are_reported_not_read() {
        let s = setup();
        let v = ok(&s.ctx, "pacto_validate", json!({"path": "files"}));
        assert_eq!(v.structured["Valid"], false, "{}", v.text);
        assert!(v.text.contains("symbolic link"), "{}", v.text);
        let d = ok(&s.ctx, "pacto_generate_docs", json!({"ref": "files"}));
        assert!(!leaks(&d.text), "{}", d.text);
    }
}

/// Issue 15: a "contract" that is a YAML scalar, a list or a mapping without `service` is
/// refused by the tools that document it, with validate's diagnostics, not rendered as garbage.
#[test]
fn undocumentable_contracts_are_refused_with_diagnostics() {
    let t = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(t.path()).unwrap();
    for (name, text) in [
        ("scalar", "just some text in a file\n"),
        ("list", "- a\n- b\n"),
        (
            "noservice",
            "pactoVersion: \"1.0\"\nruntime:\n  workload: service\n",
        ),
    ] {
        std::fs::create_dir_all(root.join(name)).unwrap();
        std::fs::write(root.join(name).join("pacto.yaml"), text).unwrap();
    }
    let ctx = ctx_at(&root);
    for name in ["scalar", "list", "noservice"] {
        for tool in [
            "pacto_generate_docs",
            "pacto_explain",
            "pacto_inspect",
            "pacto_graph",
        ] {
            let e = err(&ctx, tool, json!({"ref": name}));
            assert!(
                e.contains("is not a contract that can be documented") && e.contains("error"),
                "{tool} {name}: {e}"
            );
        }
        let v = ok(&ctx, "pacto_validate", json!({"path": name}));
        assert_eq!(v.structured["Valid"], false);
        let e = err(&ctx, "pacto_generate_docs", json!({"ref": name}));
        let first_code = v.structured["Errors"][0]["Code"].as_str().unwrap();
        assert!(e.contains(first_code), "{name}: {e}\nvs {}", v.text);
    }
    // A real contract still documents.
    let ctx = ctx_at(&fixtures());
    let d = ok(&ctx, "pacto_generate_docs", json!({"ref": "valid/nginx"}));
    assert!(d.text.starts_with("# nginx"));
}

/// Issue 15: a diff side that cannot be read is an error naming the side and the file, never
/// "no changes".
#[test]
fn diff_sides_that_cannot_be_read_are_named_errors() {
    let t = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(t.path()).unwrap();
    let good = "pactoVersion: \"1.0\"\nservice:\n  name: svc\n  version: 1.0.0\n";
    for (name, text) in [
        ("good", good),
        (
            "future",
            "pactoVersion: \"9.0\"\nservice:\n  name: svc\n  version: 1.0.0\n",
        ),
        ("broken", "pactoVersion: \"1.0\"\nservice: [unclosed\n"),
        ("scalar", "just text\n"),
        ("empty", ""),
    ] {
        std::fs::create_dir_all(root.join(name)).unwrap();
        std::fs::write(root.join(name).join("pacto.yaml"), text).unwrap();
    }
    std::fs::create_dir_all(root.join("nofile")).unwrap();
    let ctx = ctx_at(&root);
    let same = ok(&ctx, "pacto_diff", json!({"old": "good", "new": "good"}));
    assert_eq!(same.structured["classification"], "NON_BREAKING");
    for bad in ["future", "broken", "scalar", "empty", "missing", "nofile"] {
        for (which, args) in [
            ("old", json!({"old": bad, "new": "good"})),
            ("new", json!({"old": "good", "new": bad})),
        ] {
            let e = err(&ctx, "pacto_diff", args);
            assert!(e.starts_with(&format!("{which} contract: ")), "{bad}: {e}");
            assert!(e.contains(bad), "{bad}: the file is not named: {e}");
            assert!(!e.contains("No changes"), "{e}");
        }
    }
    let e = err(
        &ctx,
        "pacto_diff",
        json!({"old_yaml": good, "new_yaml": "pactoVersion: \"7.1\"\nservice: {}\n"}),
    );
    assert!(
        e.starts_with("new contract: ") && e.contains("<inline new>") && e.contains("7.1"),
        "{e}"
    );
}

/// A copy of `fixtures/migrate/<case>` (without its expectation files) as `<root>/bundle`.
fn migrate_case(case: &str, root: &Path) -> PathBuf {
    let src = fixtures().join("migrate").join(case);
    let dst = root.join("bundle");
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        std::fs::create_dir_all(dst.join(&rel)).unwrap();
        for e in std::fs::read_dir(src.join(&rel)).unwrap().flatten() {
            let r = rel.join(e.file_name());
            if e.file_type().unwrap().is_dir() {
                stack.push(r);
            } else if !["expected.yaml", "report.json", "refused.txt", "options.txt"]
                .contains(&e.file_name().to_str().unwrap())
            {
                std::fs::copy(e.path(), dst.join(&r)).unwrap();
            }
        }
    }
    dst
}

/// Issue 17: `pacto_migrate` is a dry run unless asked to write, returns the CLI's text and
/// the structured report, and writes exactly that text when asked.
#[test]
fn migrate_dry_run_then_write() {
    let t = tempfile::tempdir().unwrap();
    let ctx = ctx_at(t.path());
    let bundle = migrate_case("full", t.path());
    let file = bundle.join("pacto.yaml");
    let original = std::fs::read_to_string(&file).unwrap();
    let expected = std::fs::read_to_string(fixtures().join("migrate/full/expected.yaml")).unwrap();
    let dry = ok(&ctx, "pacto_migrate", json!({"path": "bundle"}));
    assert_conforms("pacto_migrate", &dry);
    assert_eq!(dry.structured["dryRun"], true);
    assert_eq!(dry.structured["written"], false);
    assert_eq!(dry.structured["text"], expected.as_str());
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        original,
        "a dry run writes nothing"
    );
    // The report is the engine's, entry for entry (the CLI's JSON report).
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("migrate/full/report.json")).unwrap(),
    )
    .unwrap();
    let want = report.get("report").unwrap_or(&report);
    assert_eq!(&dry.structured["report"], want);
    assert!(
        dry.text.contains("dry run: nothing written"),
        "{}",
        dry.text
    );
    let out = ok(
        &ctx,
        "pacto_migrate",
        json!({"path": "bundle/pacto.yaml", "write": true}),
    );
    assert_conforms("pacto_migrate", &out);
    assert_eq!(out.structured["written"], true);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), expected);
    // Migrated, the contract is 2.0: migrating again is refused and changes nothing.
    let e = err(
        &ctx,
        "pacto_migrate",
        json!({"path": "bundle", "write": true}),
    );
    assert!(
        e.contains("not a 1.x contract") && e.contains("nothing was written"),
        "{e}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), expected);
    let e = err(&ctx, "pacto_migrate", json!({"path": "../x"}));
    assert!(e.contains("outside the allowed roots"), "{e}");
    let e = err(
        &ctx,
        "pacto_migrate",
        json!({"path": "oci://ghcr.io/acme/orders:1.0.0"}),
    );
    assert!(e.contains("local bundle directory"), "{e}");
}

/// Issue 17: an interface 2.0 cannot express is a tool error with the reason (nothing written);
/// asked to, it is dropped with a warning naming it.
#[test]
fn migrate_refusal_is_a_tool_error() {
    let t = tempfile::tempdir().unwrap();
    let ctx = ctx_at(t.path());
    let bundle = migrate_case("refused-http-without-contract", t.path());
    let file = bundle.join("pacto.yaml");
    let original = std::fs::read_to_string(&file).unwrap();
    let e = err(
        &ctx,
        "pacto_migrate",
        json!({"path": "bundle", "write": true}),
    );
    assert!(e.contains("interface \"http\" (interfaces[0])"), "{e}");
    assert!(
        e.contains("dropHttpWithoutContract") && e.contains("nothing was written"),
        "{e}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original);
    let out = ok(
        &ctx,
        "pacto_migrate",
        json!({"path": "bundle", "dropHttpWithoutContract": true}),
    );
    assert_conforms("pacto_migrate", &out);
    let w = out.structured["warnings"][0].as_str().unwrap();
    assert!(
        w.contains("interface \"http\" (interfaces[0]) was dropped"),
        "{w}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original);
}

/// Issue 17: writing never goes through a link, and a pacto.yaml linked from outside the
/// bundle is refused unread.
#[cfg(unix)]
#[test]
fn migrate_refuses_links() {
    use std::os::unix::fs::symlink;
    let t = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(t.path()).unwrap();
    let root = base.join("root");
    std::fs::create_dir_all(&root).unwrap();
    let ctx = ctx_at(&root);
    let bundle = migrate_case("minimal", &root);
    // A link inside the bundle: readable, but the write is refused and the target kept.
    std::fs::rename(bundle.join("pacto.yaml"), bundle.join("real.yaml")).unwrap();
    symlink(bundle.join("real.yaml"), bundle.join("pacto.yaml")).unwrap();
    let original = std::fs::read_to_string(bundle.join("real.yaml")).unwrap();
    let dry = ok(&ctx, "pacto_migrate", json!({"path": "bundle"}));
    assert_eq!(dry.structured["dryRun"], true);
    let e = err(
        &ctx,
        "pacto_migrate",
        json!({"path": "bundle", "write": true}),
    );
    assert!(
        e.contains("symbolic link") && e.contains("nothing was written"),
        "{e}"
    );
    assert_eq!(
        std::fs::read_to_string(bundle.join("real.yaml")).unwrap(),
        original
    );
    assert!(std::fs::symlink_metadata(bundle.join("pacto.yaml"))
        .unwrap()
        .file_type()
        .is_symlink());
    // A link out of the roots: refused, nothing of the target shown.
    let outside = base.join("outside.yaml");
    std::fs::write(
        &outside,
        original.replace("service:", "# SECRET-MARKER\nservice:"),
    )
    .unwrap();
    std::fs::create_dir_all(root.join("out")).unwrap();
    symlink(&outside, root.join("out/pacto.yaml")).unwrap();
    for write in [false, true] {
        let e = err(
            &ctx,
            "pacto_migrate",
            json!({"path": "out", "write": write}),
        );
        assert!(e.contains("refused") && !e.contains("SECRET-MARKER"), "{e}");
    }
    assert!(std::fs::read_to_string(&outside)
        .unwrap()
        .contains("SECRET-MARKER"));
}
