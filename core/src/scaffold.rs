//! The files of a new bundle (`pacto init`), shared by the CLI and the MCP server.

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

pub fn scaffold(name: &str) -> Scaffold {
    let n = yaml_scalar(name);
    let image = yaml_scalar(&format!("ghcr.io/my-org/{name}:0.1.0"));
    let contract = format!(
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
    );
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
    Scaffold {
        dirs: vec!["interfaces", "configuration"],
        files: vec![
            ("pacto.yaml", contract),
            ("interfaces/openapi.yaml", openapi),
            ("configuration/schema.json", schema),
        ],
    }
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
}
