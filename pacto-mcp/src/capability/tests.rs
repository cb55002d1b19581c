#![allow(clippy::unwrap_used)]

use super::*;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Mutex;

const CONTRACT: &str = r#"pactoVersion: "2.0"
service:
  name: payments
  version: 1.0.0
interfaces:
  - name: api
    type: openapi
    ref: interfaces/openapi.yaml
workload: service
"#;

const OPENAPI: &str = r##"openapi: 3.0.3
info: {title: payments, version: 1.0.0}
servers:
  - url: /relative-only
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
    apiKey: {type: apiKey, in: header, name: X-Api-Key}
  schemas:
    Refund:
      type: object
      required: [amount]
      properties:
        amount: {type: integer}
security:
  - bearerAuth: []
paths:
  /users/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
    get:
      operationId: getUser
      summary: Read one user
      parameters:
        - {name: verbose, in: query, schema: {type: boolean}}
        - {name: X-Trace, in: header, schema: {type: string}}
        - {name: session, in: cookie, schema: {type: string}}
  /health:
    get:
      responses: {"200": {description: ok}}
  /health/:
    get:
      description: the same, with a slash
  /refunds:
    post:
      operationId: createRefund
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Refund"}
  /check:
    get:
      operationId: pacto_check
  /keyed:
    get:
      operationId: keyed
      security:
        - apiKey: []
  /big:
    get:
      operationId: big
  /moved:
    get:
      operationId: moved
"##;

fn bundle(dir: &Path) {
    std::fs::create_dir_all(dir.join("interfaces")).unwrap();
    std::fs::create_dir_all(dir.join("skills")).unwrap();
    std::fs::write(dir.join("pacto.yaml"), CONTRACT).unwrap();
    std::fs::write(dir.join("interfaces/openapi.yaml"), OPENAPI).unwrap();
    std::fs::write(
        dir.join("skills/refund_customer.md"),
        "# Refund a customer\n\nCheck the order first.\n",
    )
    .unwrap();
    std::fs::write(dir.join("skills/notes.txt"), "not a skill").unwrap();
}

fn load(dir: &Path, options: Options) -> (Capabilities, String) {
    let resolved = pacto_core::graph::open(&dir.to_string_lossy(), dir, None).unwrap();
    let mut log = Vec::new();
    let caps = Capabilities::load(&resolved, options, &mut log).unwrap();
    (caps, String::from_utf8(log).unwrap())
}

/// A loopback HTTP server that records each request (request line, headers, body) and answers
/// JSON 200, a 302 on /moved and a 2 MiB body on /big.
/// The requests a test server saw: (request line, headers, body).
type Seen = Arc<Mutex<Vec<(String, Vec<String>, String)>>>;

fn server() -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let rec = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut headers = Vec::new();
            let mut len = 0usize;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
                let h = h.trim_end().to_string();
                if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
                headers.push(h);
            }
            let mut body = vec![0u8; len];
            let _ = std::io::Read::read_exact(&mut reader, &mut body);
            let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
            rec.lock().unwrap().push((
                line.trim_end().to_string(),
                headers,
                String::from_utf8_lossy(&body).into_owned(),
            ));
            let reply = if target == "/moved" {
                "HTTP/1.1 302 Found\r\nLocation: http://example.invalid/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()
            } else if target == "/big" {
                let body = "x".repeat(2 * 1024 * 1024);
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
            } else {
                let body = "{\"ok\":true}";
                format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())
            };
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    (addr, seen)
}

fn args(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => panic!("args"),
    }
}

#[test]
fn names_follow_go() {
    assert_eq!(derived_name("GET", "/health"), "get_health");
    assert_eq!(
        derived_name("get", "/users/{id}/orders"),
        "get_users_id_orders"
    );
    assert_eq!(derived_name("delete", "/a-b.c/"), "delete_a_b_c");
}

#[test]
fn one_tool_per_operation_reads_only_by_default() {
    let t = tempfile::tempdir().unwrap();
    bundle(t.path());
    let (caps, log) = load(t.path(), Options::default());
    let names: Vec<&str> = caps.tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "getUser",
            "get_health",
            "get_health_2",
            "keyed",
            "big",
            "moved"
        ]
    );
    assert_eq!(caps.hidden, ["createRefund"]);
    assert!(log.contains("skipped operation \"pacto_check\""), "{log}");
    assert!(
        log.contains(
            "skipped 1 mutating operation(s) in interface \"api\" (use --allow-writes to expose)"
        ),
        "{log}"
    );
    let get_user = caps.find("getUser").unwrap();
    assert_eq!(get_user.description, "Read one user");
    assert_eq!(
        get_user.input_schema,
        json!({"type": "object", "properties": {
            "id": {"type": "string"}, "verbose": {"type": "boolean"}, "X-Trace": {"type": "string"}},
            "required": ["id"]})
    );
    assert_eq!(caps.find("get_health").unwrap().description, "GET /health");
    // Hidden without --allow-writes, and the call says how to get it.
    let e = caps
        .call("createRefund", &args(json!({})))
        .unwrap_err()
        .to_string();
    assert!(e.contains("--allow-writes"), "{e}");

    let (caps, _) = load(
        t.path(),
        Options {
            allow_writes: true,
            ..Options::default()
        },
    );
    let refund = caps.find("createRefund").unwrap();
    assert_eq!(refund.input_schema["required"], json!(["body"]));
    assert_eq!(
        refund.input_schema["properties"]["body"],
        json!({"$ref": "#/$defs/Refund"})
    );
    assert_eq!(
        refund.input_schema["$defs"]["Refund"]["required"],
        json!(["amount"])
    );
}

#[test]
fn calls_reach_the_service_with_parameters_auth_and_bounds() {
    let t = tempfile::tempdir().unwrap();
    bundle(t.path());
    // No --base-url and no absolute servers URL: the tool explains.
    let (caps, _) = load(t.path(), Options::default());
    let e = caps
        .call("getUser", &args(json!({"id": "u1"})))
        .unwrap_err()
        .to_string();
    assert!(e.contains("--base-url"), "{e}");

    let (base, seen) = server();
    let (caps, _) = load(
        t.path(),
        Options {
            base_url: Some(format!("{base}/")),
            auth: vec![
                ("bearerAuth".into(), "tok".into()),
                ("apiKey".into(), "k1".into()),
                ("X-Tenant".into(), "acme".into()),
            ],
            allow_writes: true,
        },
    );
    let out = caps
        .call(
            "getUser",
            &args(json!({"id": "a b/c", "verbose": true, "X-Trace": "t-1"})),
        )
        .unwrap();
    assert_eq!(out.structured["StatusCode"], 200);
    assert_eq!(out.structured["Body"], "{\"ok\":true}");
    assert_eq!(
        out.structured["Headers"]["Content-Type"],
        "application/json"
    );
    let out = caps
        .call("createRefund", &args(json!({"body": {"amount": 5}})))
        .unwrap();
    assert_eq!(out.structured["StatusCode"], 200);
    caps.call("keyed", &args(json!({}))).unwrap();
    {
        let seen = seen.lock().unwrap();
        let (line, headers, _) = &seen[0];
        assert_eq!(line, "GET /users/a%20b%2Fc?verbose=true HTTP/1.1");
        let has = |hs: &Vec<String>, h: &str| hs.iter().any(|x| x.eq_ignore_ascii_case(h));
        assert!(has(headers, "x-trace: t-1"), "{headers:?}");
        assert!(has(headers, "authorization: Bearer tok"), "{headers:?}");
        assert!(has(headers, "x-tenant: acme"), "{headers:?}");
        assert!(
            !has(headers, "x-api-key: k1"),
            "the op needs bearer only: {headers:?}"
        );
        let (line, headers, body) = &seen[1];
        assert_eq!(line, "POST /refunds HTTP/1.1");
        assert_eq!(body, "{\"amount\":5}");
        assert!(
            has(headers, "content-type: application/json"),
            "{headers:?}"
        );
        let (_, headers, _) = &seen[2];
        assert!(has(headers, "x-api-key: k1"), "{headers:?}");
        assert!(!has(headers, "authorization: Bearer tok"), "{headers:?}");
    }
    // Arguments are checked against the operation's schema before any request.
    let before = seen.lock().unwrap().len();
    match caps.call("getUser", &args(json!({"verbose": "yes"}))) {
        Err(ToolError::InvalidParams { fields, .. }) => {
            assert!(fields.contains(&"id".to_string()), "{fields:?}");
            assert!(fields.contains(&"verbose".to_string()), "{fields:?}");
        }
        other => panic!("{other:?}"),
    }
    match caps.call("createRefund", &args(json!({"body": {"amount": "five"}}))) {
        Err(ToolError::InvalidParams { fields, .. }) => assert_eq!(fields, ["body.amount"]),
        other => panic!("{other:?}"),
    }
    assert_eq!(seen.lock().unwrap().len(), before, "nothing was sent");
    // No redirect is followed: the 3xx is the answer.
    let out = caps.call("moved", &args(json!({}))).unwrap();
    assert_eq!(out.structured["StatusCode"], 302);
    // A response larger than the bound is an error, not 2 MiB in the client's context.
    let e = caps.call("big", &args(json!({}))).unwrap_err().to_string();
    assert!(e.contains("larger than"), "{e}");
}

#[test]
fn credentials_need_an_explicit_base_url() {
    let t = tempfile::tempdir().unwrap();
    bundle(t.path());
    let resolved = pacto_core::graph::open(&t.path().to_string_lossy(), t.path(), None).unwrap();
    let e = Capabilities::load(
        &resolved,
        Options {
            auth: vec![("bearerAuth".into(), "x".into())],
            ..Options::default()
        },
        &mut Vec::new(),
    )
    .err()
    .unwrap();
    assert!(matches!(e, LoadError::AuthWithoutBaseUrl));
}

#[test]
fn skills_are_listed_and_read_from_the_bundle() {
    let t = tempfile::tempdir().unwrap();
    bundle(t.path());
    let (caps, _) = load(t.path(), Options::default());
    let list = caps.call(SKILL_TOOL, &args(json!({}))).unwrap();
    assert_eq!(list.structured["skills"], json!(["refund_customer.md"]));
    let one = caps
        .call(SKILL_TOOL, &args(json!({"name": "refund_customer.md"})))
        .unwrap();
    assert!(one.text.starts_with("# Refund a customer"), "{}", one.text);
    assert_eq!(
        caps.call(SKILL_TOOL, &args(json!({"name": "refund_customer"})))
            .unwrap()
            .text,
        one.text
    );
    // Read on every call: an edited skill is served as it is now.
    std::fs::write(t.path().join("skills/refund_customer.md"), "# v2\n").unwrap();
    let again = caps
        .call(SKILL_TOOL, &args(json!({"name": "refund_customer.md"})))
        .unwrap();
    assert_eq!(again.text, "# v2\n");
    for bad in ["../pacto.yaml", "/etc/passwd", "missing.md"] {
        assert!(
            caps.call(SKILL_TOOL, &args(json!({"name": bad}))).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn a_1x_http_interface_with_a_contract_is_projected_too() {
    let t = tempfile::tempdir().unwrap();
    bundle(t.path());
    std::fs::write(
        t.path().join("pacto.yaml"),
        "pactoVersion: \"1.0\"\nservice:\n  name: payments\n  version: 1.0.0\ninterfaces:\n  - name: api\n    type: http\n    port: 8080\n    contract: interfaces/openapi.yaml\n  - name: admin\n    type: http\n    port: 9090\n    contract: interfaces/openapi.yaml\nruntime:\n  workload: service\n  state:\n    type: stateless\n    persistence: {scope: local, durability: ephemeral}\n    dataCriticality: low\n",
    )
    .unwrap();
    let (caps, _) = load(t.path(), Options::default());
    let names: Vec<&str> = caps.tools.iter().map(|t| t.name.as_str()).collect();
    // Two interfaces: each name is prefixed with its interface.
    assert!(
        names.contains(&"api_getUser") && names.contains(&"admin_getUser"),
        "{names:?}"
    );
}
