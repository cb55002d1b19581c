//! Validation acceptance table: every row of spec §3.6, §12.3 item 1, and the cases where our
//! diagnostics go beyond Go Pacto's (help texts, exact spans, duplicate keys, parser limits).
//!
//! Each row is a minimal contract written from the row's description, the files of its bundle,
//! the verdict Go Pacto gives, the codes that must appear (a group lists codes of which at least
//! one must appear: Go's full pipeline says `SCHEMA_VIOLATION` where a more specific rule exists,
//! and the spec accepts either), and codes that must not appear. For every diagnostic of every
//! row the span must be present and lie inside the text; for error rows the first error's span
//! must cover the node the row is about.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use pacto_core::bundle::MemBundle;
use pacto_core::validate::{validate, NoResolver, Options};
use pacto_core::{Diagnostic, Severity};

/// One acceptance case.
struct Row {
    name: &'static str,
    yaml: &'static str,
    /// Files of the bundle, as (bundle path, content).
    files: &'static [(&'static str, &'static str)],
    valid: bool,
    /// Each group must be matched by at least one diagnostic (error or warning) with one of its
    /// codes.
    must: &'static [&'static [&'static str]],
    must_not: &'static [&'static str],
    /// The text under the span of the first error (the first warning for a valid row).
    focus: Option<&'static str>,
    /// The start of the text under that span (for problems with an empty or open-ended span).
    starts: Option<&'static str>,
    /// The Go-notation path of that same diagnostic.
    path: Option<&'static str>,
    /// (code, text) — a diagnostic with this code must carry a help containing the text.
    help: Option<(&'static str, &'static str)>,
}

const ROW: Row = Row {
    name: "",
    yaml: "",
    files: &[],
    valid: true,
    must: &[],
    must_not: &[],
    focus: None,
    starts: None,
    path: None,
    help: None,
};

const OPENAPI: (&str, &str) = ("interfaces/openapi.yaml", "openapi: 3.0.0\n");
const PROTO: (&str, &str) = ("interfaces/api.proto", "syntax = \"proto3\";\n");
const EVENTS: (&str, &str) = ("interfaces/events.yaml", "asyncapi: 2.6.0\n");
const CONFIG_SCHEMA: (&str, &str) = (
    "configuration/schema.json",
    r#"{
  "type": "object",
  "properties": {
    "LOG_LEVEL": { "type": "string", "enum": ["debug", "info", "warn", "error"] },
    "PORT": { "type": "integer" }
  }
}"#,
);

/// `internal/validation/testdata/valid_minimal.yaml`, restated.
const VALID_MINIMAL: &str = r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
interfaces:
  - name: api
    type: http
    port: 8080
runtime:
  workload: service
  state:
    type: stateless
    persistence:
      scope: local
      durability: ephemeral
    dataCriticality: low
  health:
    interface: api
    path: /health
"#;

/// A contract whose bundle holds its OpenAPI file (the docs/ rows).
const WITH_OPENAPI: &str = r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
interfaces:
  - name: api
    type: http
    port: 8080
    contract: interfaces/openapi.yaml
"#;

fn billion_laughs(levels: usize) -> String {
    let mut s = String::from("pactoVersion: \"1.0\"\nservice:\n  name: svc\n  version: 1.0.0\nmetadata:\n  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..levels {
        let prev = format!("*l{}", i - 1);
        let items = [prev.as_str(); 10].join(", ");
        s.push_str(&format!("  l{i}: &l{i} [{items}]\n"));
    }
    s
}

fn rows() -> Vec<Row> {
    vec![
        // ---- §3.6 ----
        Row {
            name: "valid_minimal: http api 8080, health api /health, stateless",
            yaml: VALID_MINIMAL,
            ..ROW
        },
        Row {
            name: "valid_stateful: stateful/local/persistent/high, ordered, image ref",
            yaml: r#"pactoVersion: "1.0"
service:
  name: db-service
  version: 2.0.0
  image:
    ref: ghcr.io/acme/db-service:2.0.0
interfaces:
  - name: db
    type: grpc
    port: 5432
    contract: interfaces/api.proto
runtime:
  workload: service
  state:
    type: stateful
    persistence:
      scope: local
      durability: persistent
    dataCriticality: high
  lifecycle:
    upgradeStrategy: ordered
  health:
    interface: db
"#,
            files: &[PROTO],
            ..ROW
        },
        Row {
            name: "invalid_bad_kind: state.type invalid",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
runtime:
  workload: service
  state:
    type: invalid
    persistence:
      scope: local
      durability: ephemeral
    dataCriticality: low
"#,
            valid: false,
            must: &[&["SCHEMA_VIOLATION"]],
            focus: Some("invalid"),
            path: Some("runtime.state.type"),
            ..ROW
        },
        Row {
            name: "invalid_state_conflict: stateless + persistent",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
runtime:
  workload: service
  state:
    type: stateless
    persistence:
      scope: shared
      durability: persistent
    dataCriticality: low
"#,
            valid: false,
            must: &[&["SCHEMA_VIOLATION", "STATELESS_PERSISTENT_CONFLICT"]],
            focus: Some("persistent"),
            ..ROW
        },
        Row {
            name: "invalid_missing_runtime: no runtime is valid",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
interfaces:
  - name: api
    type: http
    port: 8080
"#,
            ..ROW
        },
        Row {
            name: "service name INVALID_NAME! breaks the pattern",
            yaml: r#"pactoVersion: "1.0"
service:
  name: "INVALID_NAME!"
  version: 1.0.0
"#,
            valid: false,
            must: &[&["SCHEMA_VIOLATION"]],
            focus: Some(r#""INVALID_NAME!""#),
            path: Some("service.name"),
            ..ROW
        },
        Row {
            name: "http health interface without path",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
interfaces:
  - name: api
    type: http
    port: 8080
runtime:
  workload: service
  state:
    type: stateless
    persistence:
      scope: local
      durability: ephemeral
    dataCriticality: low
  health:
    interface: api
"#,
            valid: false,
            must: &[&["HEALTH_PATH_REQUIRED"]],
            focus: Some("health"),
            path: Some("runtime.health.path"),
            ..ROW
        },
        Row {
            name: "health interface wrong-name (e2e brokenContract)",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
interfaces:
  - name: api
    type: http
    port: 8080
runtime:
  workload: service
  state:
    type: stateless
    persistence:
      scope: local
      durability: ephemeral
    dataCriticality: low
  health:
    interface: wrong-name
    path: /health
"#,
            valid: false,
            must: &[&["HEALTH_INTERFACE_NOT_FOUND"]],
            focus: Some("wrong-name"),
            path: Some("runtime.health.interface"),
            ..ROW
        },
        Row {
            name: "http interface without port",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
interfaces:
  - name: api
    type: http
"#,
            valid: false,
            must: &[&["SCHEMA_VIOLATION", "PORT_REQUIRED"]],
            focus: Some("http"),
            ..ROW
        },
        Row {
            name: "event interface with port and contract",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
interfaces:
  - name: events
    type: event
    port: 9000
    contract: interfaces/events.yaml
"#,
            files: &[EVENTS],
            must: &[&["PORT_IGNORED"]],
            focus: Some("9000"),
            path: Some("interfaces[0].port"),
            ..ROW
        },
        Row {
            name: "grpc interface without contract",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
interfaces:
  - name: rpc
    type: grpc
    port: 9090
"#,
            valid: false,
            must: &[&["SCHEMA_VIOLATION", "CONTRACT_REQUIRED"]],
            focus: Some("grpc"),
            ..ROW
        },
        Row {
            name: "scaling min 5 max 2",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
scaling:
  min: 5
  max: 2
"#,
            valid: false,
            must: &[&["SCALING_MIN_EXCEEDS_MAX"]],
            focus: Some("5\n  max: 2"),
            path: Some("scaling"),
            ..ROW
        },
        Row {
            name: "two interfaces both named api",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
interfaces:
  - name: api
    type: http
    port: 8080
  - name: api
    type: http
    port: 8081
"#,
            valid: false,
            must: &[&["DUPLICATE_INTERFACE_NAME"]],
            focus: Some("api"),
            path: Some("interfaces[1].name"),
            ..ROW
        },
        Row {
            name: "workload job with scaling",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
runtime:
  workload: job
  state:
    type: stateless
    persistence:
      scope: local
      durability: ephemeral
    dataCriticality: low
scaling:
  replicas: 2
"#,
            valid: false,
            must: &[&["JOB_SCALING_NOT_ALLOWED"]],
            focus: Some("scaling"),
            path: Some("scaling"),
            ..ROW
        },
        Row {
            name: "grpc health interface with path (e2e postgres)",
            yaml: r#"pactoVersion: "1.0"
service:
  name: postgres-pacto
  version: 1.0.0
  owner: team/data
interfaces:
  - name: db
    type: grpc
    port: 5432
    contract: interfaces/api.proto
runtime:
  workload: service
  state:
    type: stateful
    persistence:
      scope: local
      durability: persistent
    dataCriticality: high
  health:
    interface: db
    path: /health
"#,
            files: &[PROTO],
            must: &[&["HEALTH_PATH_IGNORED"]],
            focus: Some("/health"),
            path: Some("runtime.health.path"),
            ..ROW
        },
        Row {
            name: "dependency pinned by tag",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
dependencies:
  - ref: oci://ghcr.io/acme/x:1.0.0
    compatibility: "^1.0.0"
"#,
            must: &[&["TAG_NOT_DIGEST"]],
            focus: Some("oci://ghcr.io/acme/x:1.0.0"),
            path: Some("dependencies[0].ref"),
            ..ROW
        },
        Row {
            name: "dependency pinned by digest",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
dependencies:
  - ref: oci://ghcr.io/acme/x@sha256:abc
    compatibility: "^1.0.0"
"#,
            must_not: &["TAG_NOT_DIGEST"],
            ..ROW
        },
        Row {
            name: "dependency oci://redis has no repository",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
dependencies:
  - ref: oci://redis
    compatibility: "^7.0.0"
"#,
            valid: false,
            must: &[&["INVALID_OCI_REF"]],
            must_not: &["TAG_NOT_DIGEST"],
            focus: Some("oci://redis"),
            path: Some("dependencies[0].ref"),
            ..ROW
        },
        Row {
            name: "compatibility not-a-range",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
dependencies:
  - ref: oci://ghcr.io/acme/x@sha256:abc
    compatibility: not-a-range
"#,
            valid: false,
            must: &[&["INVALID_COMPATIBILITY"]],
            focus: Some("not-a-range"),
            path: Some("dependencies[0].compatibility"),
            ..ROW
        },
        Row {
            name: "unknown top-level key foo",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
foo: 1
"#,
            valid: false,
            must: &[&["UNKNOWN_FIELD"]],
            must_not: &["SCHEMA_VIOLATION"],
            focus: Some("foo"),
            path: Some("foo"),
            ..ROW
        },
        Row {
            // A version no generation has is refused before any layer runs, as Go Pacto 3.x
            // refuses it (`unsupported pactoVersion "2.1"`), on the value.
            name: "pactoVersion 2.1",
            yaml: r#"pactoVersion: "2.1"
service:
  name: svc
  version: 1.0.0
"#,
            valid: false,
            must: &[&["PARSE_ERROR"]],
            must_not: &["SCHEMA_VIOLATION"],
            focus: Some(r#""2.1""#),
            path: Some(""),
            ..ROW
        },
        Row {
            name: "pactoVersion 1.0 unquoted is a number",
            yaml: r#"pactoVersion: 1.0
service:
  name: svc
  version: 1.0.0
"#,
            valid: false,
            must: &[&["SCHEMA_VIOLATION"]],
            focus: Some("1.0"),
            path: Some("pactoVersion"),
            help: Some(("SCHEMA_VIOLATION", "quote")),
            ..ROW
        },
        Row {
            name: "service.version latest",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: "latest"
"#,
            valid: false,
            must: &[&["INVALID_SEMVER"]],
            focus: Some(r#""latest""#),
            path: Some("service.version"),
            ..ROW
        },
        Row {
            name: "service.version v1.2 (lenient semver)",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: "v1.2"
"#,
            must_not: &["INVALID_SEMVER"],
            ..ROW
        },
        Row {
            name: "contract ./interfaces/openapi.yaml is not an io/fs path",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
interfaces:
  - name: api
    type: http
    port: 8080
    contract: ./interfaces/openapi.yaml
"#,
            files: &[OPENAPI],
            valid: false,
            must: &[&["FILE_NOT_FOUND"]],
            focus: Some("./interfaces/openapi.yaml"),
            path: Some("interfaces[0].contract"),
            ..ROW
        },
        Row {
            name: "ordered upgrade strategy on a stateless service",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
runtime:
  workload: service
  state:
    type: stateless
    persistence:
      scope: local
      durability: ephemeral
    dataCriticality: low
  lifecycle:
    upgradeStrategy: ordered
"#,
            must: &[&["UPGRADE_STRATEGY_STATE_MISMATCH"]],
            focus: Some("ordered"),
            path: Some("runtime.lifecycle.upgradeStrategy"),
            ..ROW
        },
        Row {
            name: "scaling replicas and min mixed",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
scaling: {replicas: 2, min: 1}
"#,
            valid: false,
            must: &[&["SCHEMA_VIOLATION"]],
            focus: Some("{replicas: 2, min: 1}"),
            path: Some("scaling"),
            ..ROW
        },
        Row {
            name: "minimal pactoVersion + service",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
"#,
            ..ROW
        },
        Row {
            name: "bundle without docs/",
            yaml: WITH_OPENAPI,
            files: &[OPENAPI],
            ..ROW
        },
        Row {
            name: "bundle with docs/",
            yaml: WITH_OPENAPI,
            files: &[
                OPENAPI,
                ("docs/README.md", "# svc\n"),
                ("docs/runbook.md", "oncall\n"),
            ],
            ..ROW
        },
        // ---- §12.3 item 1: strict parsing at any depth, except metadata ----
        Row {
            name: "unknown nested key runtime.foo",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
runtime:
  workload: service
  foo: bar
  state:
    type: stateless
    persistence:
      scope: local
      durability: ephemeral
    dataCriticality: low
"#,
            valid: false,
            must: &[&["UNKNOWN_FIELD"]],
            must_not: &["SCHEMA_VIOLATION"],
            focus: Some("foo"),
            path: Some("runtime.foo"),
            ..ROW
        },
        Row {
            name: "unknown keys inside metadata are fine",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
metadata:
  foo: bar
  nested:
    anything: [1, two, {three: 3}]
"#,
            must_not: &["UNKNOWN_FIELD"],
            ..ROW
        },
        // ---- §1.1 parse failures (Go: PARSE_ERROR) ----
        Row {
            name: "missing service.name",
            yaml: r#"pactoVersion: "1.0"
service:
  version: 1.0.0
"#,
            valid: false,
            must: &[&["MISSING_REQUIRED_FIELD", "PARSE_ERROR"]],
            focus: Some("service"),
            path: Some("service.name"),
            ..ROW
        },
        Row {
            name: "missing pactoVersion",
            yaml: r#"service:
  name: svc
  version: 1.0.0
"#,
            valid: false,
            must: &[&["MISSING_REQUIRED_FIELD", "PARSE_ERROR"]],
            path: Some("pactoVersion"),
            ..ROW
        },
        Row {
            name: "port of the wrong type (port: abc)",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
interfaces:
  - name: api
    type: http
    port: abc
"#,
            valid: false,
            must: &[&["SCHEMA_VIOLATION", "PARSE_ERROR"]],
            must_not: &["PORT_REQUIRED"],
            focus: Some("abc"),
            ..ROW
        },
        Row {
            name: "empty document",
            yaml: "",
            valid: false,
            must: &[&["PARSE_ERROR"]],
            focus: Some(""),
            ..ROW
        },
        Row {
            name: "comment-only document",
            yaml: "# nothing here\n",
            valid: false,
            must: &[&["PARSE_ERROR"]],
            ..ROW
        },
        Row {
            name: "YAML syntax error",
            yaml: "pactoVersion: \"1.0\nservice: [\n",
            valid: false,
            must: &[&["PARSE_ERROR"]],
            starts: Some("\"1.0\n"),
            ..ROW
        },
        // ---- §1.1 item 5 and §3.2 rules not named in §3.6 ----
        Row {
            name: "service.version 1.0 unquoted is a number",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0
"#,
            valid: false,
            must: &[&["SCHEMA_VIOLATION"]],
            must_not: &["INVALID_SEMVER"],
            focus: Some("1.0"),
            path: Some("service.version"),
            help: Some(("SCHEMA_VIOLATION", "quote")),
            ..ROW
        },
        Row {
            name: "empty compatibility",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
dependencies:
  - ref: oci://ghcr.io/acme/x@sha256:abc
    compatibility: ""
"#,
            valid: false,
            must: &[&["SCHEMA_VIOLATION", "EMPTY_COMPATIBILITY"]],
            focus: Some(r#""""#),
            ..ROW
        },
        Row {
            name: "dependency with neither tag nor digest gets no warning",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
dependencies:
  - ref: oci://ghcr.io/acme/x
    compatibility: "^1.0.0"
  - ref: oci://ghcr.io/acme/y:1.0.0@sha256:abc
    compatibility: "^1.0.0"
  - ref: ../local-svc
    compatibility: "1.x"
"#,
            must_not: &["TAG_NOT_DIGEST", "INVALID_OCI_REF"],
            ..ROW
        },
        Row {
            name: "image ref redis:7 has no registry",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
  image:
    ref: redis:7
"#,
            valid: false,
            must: &[&["INVALID_IMAGE_REF"]],
            focus: Some("redis:7"),
            path: Some("service.image.ref"),
            ..ROW
        },
        Row {
            name: "health on an event interface",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
interfaces:
  - name: events
    type: event
    contract: interfaces/events.yaml
runtime:
  workload: service
  state:
    type: stateless
    persistence:
      scope: local
      durability: ephemeral
    dataCriticality: low
  health:
    interface: events
    path: /health
"#,
            files: &[EVENTS],
            valid: false,
            must: &[&["HEALTH_INTERFACE_INVALID"]],
            must_not: &["HEALTH_PATH_REQUIRED", "HEALTH_PATH_IGNORED"],
            focus: Some("events"),
            path: Some("runtime.health.interface"),
            ..ROW
        },
        Row {
            name: "grpc health interface without path",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
interfaces:
  - name: rpc
    type: grpc
    port: 9090
    contract: interfaces/api.proto
runtime:
  workload: service
  state:
    type: stateless
    persistence:
      scope: local
      durability: ephemeral
    dataCriticality: low
  health:
    interface: rpc
"#,
            files: &[PROTO],
            ..ROW
        },
        Row {
            name: "scaling replicas alone",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
scaling:
  replicas: 3
"#,
            ..ROW
        },
        Row {
            name: "scaling empty",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
scaling: {}
"#,
            valid: false,
            must: &[&["SCHEMA_VIOLATION"]],
            focus: Some("{}"),
            ..ROW
        },
        Row {
            name: "scheduled workload may scale",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
runtime:
  workload: scheduled
  state:
    type: stateless
    persistence:
      scope: local
      durability: ephemeral
    dataCriticality: low
scaling:
  min: 1
  max: 1
"#,
            ..ROW
        },
        Row {
            name: "port out of range",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
interfaces:
  - name: api
    type: http
    port: 70000
"#,
            valid: false,
            must: &[&["SCHEMA_VIOLATION"]],
            focus: Some("70000"),
            path: Some("interfaces.0.port"),
            ..ROW
        },
        Row {
            name: "configuration schema file missing",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
configuration:
  schema: configuration/schema.json
  values:
    LOG_LEVEL: loud
"#,
            valid: false,
            must: &[&["FILE_NOT_FOUND"]],
            must_not: &["CONFIG_VALUES_VALIDATION_FAILED"],
            focus: Some("configuration/schema.json"),
            path: Some("configuration.schema"),
            ..ROW
        },
        Row {
            name: "configuration values without a schema",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
configuration:
  values:
    LOG_LEVEL: info
"#,
            valid: false,
            must: &[&["VALUES_WITHOUT_SCHEMA", "SCHEMA_VIOLATION"]],
            starts: Some("LOG_LEVEL"),
            ..ROW
        },
        // ---- beyond Go: names, help texts, exact spans, limits ----
        Row {
            name: "unknown key interface: suggests interfaces",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
interface:
  - name: api
    type: http
    port: 8080
"#,
            valid: false,
            must: &[&["UNKNOWN_FIELD"]],
            must_not: &["SCHEMA_VIOLATION"],
            focus: Some("interface"),
            path: Some("interface"),
            help: Some(("UNKNOWN_FIELD", "interfaces")),
            ..ROW
        },
        Row {
            name: "duplicate mapping key",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
  name: other
"#,
            valid: false,
            must: &[&["DUPLICATE_KEY", "PARSE_ERROR"]],
            focus: Some("name"),
            path: Some("service.name"),
            ..ROW
        },
        Row {
            name: "alias bomb (billion laughs, 10 levels)",
            yaml: "", // filled in by `all_rows`
            valid: false,
            must: &[&["YAML_LIMIT_EXCEEDED"]],
            starts: Some("&l"),
            ..ROW
        },
        Row {
            name: "document is a sequence",
            yaml: "- a\n- b\n",
            valid: false,
            must: &[&["SCHEMA_VIOLATION", "PARSE_ERROR"]],
            focus: Some("- a\n- b"),
            ..ROW
        },
        Row {
            name: "document is only a scalar",
            yaml: "hello\n",
            valid: false,
            must: &[&["SCHEMA_VIOLATION", "PARSE_ERROR"]],
            focus: Some("hello"),
            ..ROW
        },
        Row {
            name: "service.version 2024.01.01 unquoted (a string, lenient semver)",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 2024.01.01
"#,
            must_not: &["INVALID_SEMVER", "SCHEMA_VIOLATION"],
            ..ROW
        },
        Row {
            name: "configuration values that match their schema",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
configuration:
  schema: configuration/schema.json
  values:
    LOG_LEVEL: info
    PORT: 8080
"#,
            files: &[CONFIG_SCHEMA],
            ..ROW
        },
        Row {
            name: "configuration value outside its enum",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
configuration:
  schema: configuration/schema.json
  values:
    LOG_LEVEL: loud
    PORT: 8080
"#,
            files: &[CONFIG_SCHEMA],
            valid: false,
            must: &[&["CONFIG_VALUES_VALIDATION_FAILED"]],
            focus: Some("loud"),
            path: Some("configuration.values"),
            ..ROW
        },
        Row {
            name: "configuration value of the wrong type",
            yaml: r#"pactoVersion: "1.0"
service:
  name: svc
  version: 1.0.0
configuration:
  schema: configuration/schema.json
  values:
    LOG_LEVEL: info
    PORT: "8080"
"#,
            files: &[CONFIG_SCHEMA],
            valid: false,
            must: &[&["CONFIG_VALUES_VALIDATION_FAILED"]],
            focus: Some(r#""8080""#),
            path: Some("configuration.values"),
            ..ROW
        },
    ]
}

fn all_rows() -> Vec<(Row, String)> {
    rows()
        .into_iter()
        .map(|r| {
            let text = if r.name.starts_with("alias bomb") {
                billion_laughs(10)
            } else {
                r.yaml.to_string()
            };
            (r, text)
        })
        .collect()
}

fn dump(text: &str, diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| {
            let at = d
                .span
                .filter(|s| s.end as usize <= text.len())
                .and_then(|s| text.get(s.range()))
                .unwrap_or("<none>");
            format!(
                "  {:?} {} [{}] {} @ {:?} {:?} help={:?}",
                d.severity, d.code, d.path, d.message, d.span, at, d.help
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Check one row; returns the problems found (empty when the row passes).
fn check(row: &Row, text: &str) -> Vec<String> {
    let mut bundle = MemBundle::new("acceptance");
    for (path, content) in row.files {
        assert!(
            bundle.insert(path, *content),
            "{}: bad path {path}",
            row.name
        );
    }
    let v = validate(text, Some(&bundle), &NoResolver, &Options::default());
    let diags = &v.diagnostics;
    let mut problems = Vec::new();
    let has = |code: &str| diags.iter().any(|d| d.code == code);

    if v.valid() != row.valid {
        problems.push(format!(
            "verdict: valid() = {}, want {}",
            v.valid(),
            row.valid
        ));
    }
    if v.valid() == diags.iter().any(Diagnostic::is_error) {
        problems.push("valid() disagrees with the error diagnostics".to_string());
    }
    for group in row.must {
        if !group.iter().any(|c| has(c)) {
            problems.push(format!("missing one of {group:?}"));
        }
    }
    for code in row.must_not {
        if has(code) {
            problems.push(format!("unexpected {code}"));
        }
    }
    let allowed = |code: &str| row.must.iter().any(|g| g.contains(&code));
    if row.valid {
        // A valid row has exactly the warnings it names.
        for d in diags {
            if d.severity == Severity::Warning && !allowed(d.code) {
                problems.push(format!("unexpected warning {}", d.code));
            }
        }
    } else {
        // A minimal invalid row reports its one problem, by the codes it names.
        for d in diags.iter().filter(|d| d.is_error()) {
            if !allowed(d.code) {
                problems.push(format!("unexpected error {}", d.code));
            }
        }
    }
    // Every diagnostic is placed inside the text.
    for d in diags {
        match d.span {
            None => problems.push(format!("{} has no span", d.code)),
            Some(s) => {
                if s.start > s.end || s.end as usize > text.len() {
                    problems.push(format!("{} span {s:?} outside the text", d.code));
                } else if !text.is_char_boundary(s.start as usize)
                    || !text.is_char_boundary(s.end as usize)
                {
                    problems.push(format!("{} span {s:?} not on char boundaries", d.code));
                }
            }
        }
    }
    // The first error (the first warning of a valid row) is about the row's node.
    let first = if row.valid {
        diags.iter().find(|d| d.severity == Severity::Warning)
    } else {
        diags.iter().find(|d| d.is_error())
    };
    if row.focus.is_some() || row.starts.is_some() || row.path.is_some() {
        match first {
            None => problems.push("no diagnostic to check the place of".to_string()),
            Some(d) => {
                if let Some(want) = row.focus {
                    let got = d
                        .span
                        .filter(|s| s.end as usize <= text.len())
                        .and_then(|s| text.get(s.range()));
                    if got != Some(want) {
                        problems.push(format!(
                            "first {} span covers {got:?}, want {want:?}",
                            d.code
                        ));
                    }
                }
                if let Some(want) = row.starts {
                    let got = d
                        .span
                        .filter(|s| s.start as usize <= text.len())
                        .and_then(|s| text.get(s.start as usize..));
                    if !got.is_some_and(|t| t.starts_with(want)) {
                        problems.push(format!(
                            "first {} span starts at {:?}, want {want:?}",
                            d.code,
                            got.map(|t| t.chars().take(20).collect::<String>())
                        ));
                    }
                }
                if let Some(want) = row.path {
                    if d.path != want {
                        problems.push(format!("first {} path {:?}, want {want:?}", d.code, d.path));
                    }
                }
            }
        }
    }
    if let Some((code, needle)) = row.help {
        let ok = diags
            .iter()
            .any(|d| d.code == code && d.help.as_deref().is_some_and(|h| h.contains(needle)));
        if !ok {
            problems.push(format!("no {code} with a help containing {needle:?}"));
        }
    }
    if !problems.is_empty() {
        problems.push(format!("diagnostics:\n{}", dump(text, diags)));
    }
    problems
}

#[test]
fn acceptance_table() {
    let rows = all_rows();
    let mut failures = Vec::new();
    for (row, text) in &rows {
        let problems = check(row, text);
        if !problems.is_empty() {
            failures.push(format!("── {}\n{}", row.name, problems.join("\n")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n\n")
    );
}

/// Each §3.6 row names a distinct case; a copy-paste slip would silently test a row twice.
#[test]
fn rows_are_distinct() {
    let rows = all_rows();
    let mut names: Vec<&str> = rows.iter().map(|(r, _)| r.name).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "duplicate row names");
    let mut inputs: Vec<(String, Vec<&str>)> = rows
        .iter()
        .map(|(r, t)| (t.clone(), r.files.iter().map(|f| f.0).collect()))
        .collect();
    inputs.sort();
    let before = inputs.len();
    inputs.dedup();
    assert_eq!(before, inputs.len(), "two rows validate the same input");
}

/// Verdicts do not depend on the bundle being present, except for the file checks.
#[test]
fn without_a_bundle_file_checks_are_skipped() {
    for (row, text) in all_rows() {
        let v = validate(&text, None, &NoResolver, &Options::default());
        let file_check = v.diagnostics.iter().any(|d| d.code == "FILE_NOT_FOUND");
        assert!(!file_check, "{}: FILE_NOT_FOUND without a bundle", row.name);
        let needs_files = row.must.iter().any(|g| {
            g.iter()
                .any(|c| c.starts_with("FILE_NOT_FOUND") || c.starts_with("CONFIG_VALUES"))
        });
        if !needs_files {
            assert_eq!(
                v.valid(),
                row.valid,
                "{}: verdict without a bundle",
                row.name
            );
        }
    }
}
