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
    assert_eq!(err(&ctx, "pacto_validate", json!({})), "path is required");
    assert_eq!(
        err(&ctx, "pacto_validate", json!({"path": 7})),
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
    assert_eq!(
        err(&ctx, "pacto_generate_contract", json!({})),
        "service_name is required"
    );
    let g = ok(
        &ctx,
        "pacto_generate_contract",
        json!({"service_name": "orders", "language": "go", "exposes_http": true, "needs_database": true, "needs_cache": "yes"}),
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
    let s = ok(&ctx, "pacto_schema", json!({}));
    assert_conforms("pacto_schema", &s);
    assert_eq!(s.structured["jsonSchema"], pacto_core::schema::SCHEMA_JSON);
    assert_eq!(s.structured["docs"], "https://trianalab.github.io/pacto");
}

#[test]
fn create_then_edit_keeps_comments() {
    let t = tempfile::tempdir().unwrap();
    let ctx = ctx_at(t.path());
    let args = json!({
        "name": "orders", "description": "REST API storing orders in PostgreSQL, caching in Redis",
        "owner": "team/orders", "config_properties": "[{\"name\":\"LOG_LEVEL\",\"required\":true}]",
        "data_loss_impact": "high", "min_replicas": 2, "max_replicas": 5,
        "metadata": {"tier": "gold"}, "dry_run": true,
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
