//! The files of a new bundle (`pacto init`), shared by the CLI and the MCP server.

use crate::schema::Generation;

/// Files of a new bundle named `name`, as (bundle-relative path, contents), plus the directories
/// to create. The contract validates clean, without warnings, whenever `name` is a valid service
/// name (Go Pacto does not check the name: `My_Svc` scaffolds a contract that then fails).
pub struct Scaffold {
    pub dirs: Vec<&'static str>,
    pub files: Vec<(&'static str, String)>,
}

/// Quote a YAML scalar when writing it plain would change its meaning.
pub fn yaml_scalar(s: &str) -> String {
    let plain_safe = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-'))
        && !s.starts_with(['-', '.'])
        && crate::syntax::resolve(s, crate::syntax::Style::Plain, None)
            == crate::syntax::Resolved::Str;
    if plain_safe {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The files of a new bundle named `name` written in `generation`'s contract form: 2.0 (Go
/// Pacto 3.x's `pacto init`) or 1.0 (Go Pacto 1.x/2.x's). Both share the OpenAPI document and
/// the configuration schema; only `pacto.yaml` differs.
pub fn scaffold(name: &str, generation: Generation) -> Scaffold {
    let contract = match generation {
        Generation::V1 => contract_v1(name),
        Generation::V2 => contract_v2(name),
    };
    let (openapi, schema) = companions(name);
    Scaffold {
        dirs: vec!["interfaces", "configuration"],
        files: vec![
            ("pacto.yaml", contract),
            ("interfaces/openapi.yaml", openapi),
            ("configuration/schema.json", schema),
        ],
    }
}

/// The 2.0 contract, laid out as Go Pacto 3.x's scaffold: a structured owner, an OpenAPI
/// interface, a default configuration, the health and metrics capabilities and a readiness
/// section whose claims are still to be done (so the score starts at 0 of 80).
fn contract_v2(name: &str) -> String {
    let n = yaml_scalar(name);
    format!(
        r#"pactoVersion: "2.0"

service:
  name: {n}
  version: 0.1.0
  owner:
    team: my-team
    dri: my.handle
    contacts:
      - type: email
        value: my-team@example.com
        purpose: ownership

interfaces:
  - name: api
    type: openapi
    ref: interfaces/openapi.yaml
    visibility: internal

configurations:
  - name: default
    schema: configuration/schema.json
    required: true

# dependencies:
#   - name: other-service
#     ref: oci://ghcr.io/my-org/other-service-pacto:1.0.0
#     required: true
#     compatibility: "^1.0.0"

workload: service

state:
  type: stateless
  persistence:
    scope: local
    durability: ephemeral
  dataCriticality: low

capabilities:
  - type: health
  - type: metrics

readiness:
  minScore: 80
  expires: 2099-12-31
  partialCredit: 0.5
  history:
    - date: 2099-01-01
      version: 0.1.0
      author: my.handle
      description: Initial readiness assessment
  claims:
    - id: runbook
      type: document
      category: documentation
      status: not-done
      evidence: docs/runbook.md
      weight: 40
    - id: security-review
      type: ticket
      category: security
      status: not-done
      evidence: SEC-0000
      weight: 60

metadata:
  team: my-team
  tier: standard
"#
    )
}

/// The 1.0 contract, byte for byte what `pacto init` wrote before 2.0.
fn contract_v1(name: &str) -> String {
    let n = yaml_scalar(name);
    let image = yaml_scalar(&format!("ghcr.io/my-org/{name}:0.1.0"));
    format!(
        r#"pactoVersion: "1.0"

service:
  name: {n}
  version: 0.1.0
  owner: team/my-team
  image:
    ref: {image}
    private: false

interfaces:
  - name: api
    type: http
    port: 8080
    visibility: internal
    contract: interfaces/openapi.yaml

configuration:
  schema: configuration/schema.json

# dependencies:
#   - name: postgres
#     ref: oci://ghcr.io/my-org/postgres-pacto@sha256:<digest>
#     required: true
#     compatibility: "^16.0.0"

runtime:
  workload: service
  state:
    type: stateless
    persistence:
      scope: local
      durability: ephemeral
    dataCriticality: low
  lifecycle:
    upgradeStrategy: rolling
    gracefulShutdownSeconds: 30
  health:
    interface: api
    path: /health
    initialDelaySeconds: 5

scaling:
  min: 1
  max: 3

metadata:
  team: my-team
  tier: standard
"#
    )
}

/// The OpenAPI document and the configuration schema every scaffold carries.
fn companions(name: &str) -> (String, String) {
    let title = serde_json::to_string(name).unwrap_or_else(|_| "\"service\"".to_string());
    let openapi = format!(
        r#"openapi: "3.0.0"
info:
  title: {title}
  version: 0.1.0
paths:
  /health:
    get:
      summary: Health check
      responses:
        "200":
          description: OK
"#
    );
    let schema = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {},
  "additionalProperties": false
}
"#
    .to_string();
    (openapi, schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_keeps_meaning() {
        assert_eq!(yaml_scalar("svc"), "svc");
        assert_eq!(yaml_scalar("ghcr.io/a/b:0.1.0"), "\"ghcr.io/a/b:0.1.0\"");
        assert_eq!(yaml_scalar("true"), "\"true\"");
        assert_eq!(yaml_scalar("123"), "\"123\"");
        assert_eq!(yaml_scalar("a #b"), "\"a #b\"");
        assert_eq!(yaml_scalar(""), "\"\"");
    }

    /// Write the scaffold of `name` into a fresh directory and validate it as `pacto validate`
    /// does, returning every diagnostic as `CODE path: message`.
    fn validate_scaffold(name: &str, generation: Generation) -> Vec<String> {
        let tmp = tempfile::tempdir().unwrap();
        let s = scaffold(name, generation);
        for d in &s.dirs {
            std::fs::create_dir_all(tmp.path().join(d)).unwrap();
        }
        for (path, contents) in &s.files {
            std::fs::write(tmp.path().join(path), contents).unwrap();
        }
        let dir = tmp.path().to_str().unwrap();
        let report = crate::validate::validate_dir(dir, None, &crate::validate::Options::default());
        report
            .diagnostics
            .iter()
            .map(|d| format!("{} {}: {}", d.code, d.path, d.message))
            .collect()
    }

    #[test]
    fn the_2_0_scaffold_validates_without_errors_or_warnings() {
        let s = scaffold("orders", Generation::V2);
        assert!(s.files[0].1.starts_with("pactoVersion: \"2.0\"\n"));
        assert_eq!(
            validate_scaffold("orders", Generation::V2),
            Vec::<String>::new()
        );
    }

    #[test]
    fn the_1_0_scaffold_still_validates_without_errors_or_warnings() {
        assert_eq!(
            validate_scaffold("orders", Generation::V1),
            Vec::<String>::new()
        );
    }

    /// The 1.0 scaffold is byte-identical to the one `pacto init` wrote before 2.0 existed
    /// (sha256 of the three files of `orders`, joined in order, taken from that version).
    #[test]
    fn the_1_0_scaffold_is_unchanged() {
        use sha2::{Digest, Sha256};
        let s = scaffold("orders", Generation::V1);
        let mut h = Sha256::new();
        for (path, contents) in &s.files {
            h.update(path.as_bytes());
            h.update([0]);
            h.update(contents.as_bytes());
            h.update([0]);
        }
        let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, PINNED_V1);
        assert_eq!(s.dirs, ["interfaces", "configuration"]);
    }

    const PINNED_V1: &str = "61f07cf8adc6df1f5b90c15f84b5200b10b83df2e2f3c48bffc36ae4c3bc345b";
}
