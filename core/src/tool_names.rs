//! How `pacto mcp BUNDLE` names the tool of each OpenAPI operation of a bundle's interfaces (Go
//! Pacto 3.x's `BuildTools`), so the MCP server and the dashboard's list of agent tools agree:
//! the `operationId`, else `<method>_<path>` with every run of characters other than ASCII
//! letters and digits made one `_`; a repeated name within one document gets `_2`, `_3`; with
//! several OpenAPI interfaces each name is prefixed `<interface>_`; a name starting `pacto_`
//! belongs to a Pacto tool and the operation is left out.

use std::collections::HashMap;

/// `<method>_<path>` (`GET /users/{id}` is `get_users_id`).
pub fn derived(method: &str, path: &str) -> String {
    let raw = format!("{}_{}", method.to_ascii_lowercase(), path);
    let mut out = String::with_capacity(raw.len());
    let mut gap = false;
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('_');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    out
}

/// Whether an operation of this (lowercase) method changes state: POST, PUT, PATCH, DELETE
/// (hidden by `pacto mcp` unless `--allow-writes`).
pub fn is_mutating(method: &str) -> bool {
    matches!(method, "post" | "put" | "patch" | "delete")
}

/// Names the operations of one OpenAPI document, in document order.
#[derive(Debug, Default)]
pub struct Namer {
    prefix: Option<String>,
    seen: HashMap<String, usize>,
}

impl Namer {
    /// `interface` is the prefix when the bundle has several OpenAPI interfaces (`prefixed`).
    pub fn new(interface: &str, prefixed: bool) -> Namer {
        Namer {
            prefix: prefixed.then(|| interface.to_string()),
            seen: HashMap::new(),
        }
    }

    /// The tool name of the next operation; `Err(name)` when that name would be a Pacto tool's.
    pub fn name(
        &mut self,
        operation_id: Option<&str>,
        method: &str,
        path: &str,
    ) -> Result<String, String> {
        let base = operation_id
            .filter(|s| !s.is_empty())
            .map_or_else(|| derived(method, path), str::to_string);
        let n = self.seen.entry(base.clone()).or_insert(0);
        *n += 1;
        let name = if *n > 1 { format!("{base}_{n}") } else { base };
        let name = match &self.prefix {
            Some(p) => format!("{p}_{name}"),
            None => name,
        };
        if name.starts_with("pacto_") {
            Err(name)
        } else {
            Ok(name)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_go() {
        assert_eq!(derived("GET", "/health"), "get_health");
        assert_eq!(derived("get", "/users/{id}/orders"), "get_users_id_orders");
        assert_eq!(derived("post", "/"), "post");
        let mut n = Namer::new("api", false);
        assert_eq!(n.name(Some("list"), "get", "/a"), Ok("list".into()));
        assert_eq!(n.name(Some("list"), "get", "/b"), Ok("list_2".into()));
        assert_eq!(n.name(None, "get", "/c"), Ok("get_c".into()));
        assert_eq!(
            n.name(Some("pacto_validate"), "get", "/d"),
            Err("pacto_validate".into())
        );
        let mut p = Namer::new("admin", true);
        assert_eq!(
            p.name(Some(""), "delete", "/x"),
            Ok("admin_delete_x".into())
        );
        assert!(is_mutating("patch") && !is_mutating("get"));
    }
}
