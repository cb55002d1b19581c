//! Pacto 2.0 sections for `explain` and `doc`: top-level `workload`/`state`, `capabilities`,
//! interface `ref`s, the structured owner and `readiness` with `claims`. Read from the parsed
//! tree (the contract model reads the 1.x shape), only when `pactoVersion` is 2.x, so that 1.x
//! output stays as it was.

use crate::model::{Contract, Probe, Runtime, Spanned, State};
use crate::readiness::{Check, Readiness, Revision};
use crate::syntax::{NodeRef, Tree};
use serde_json::Value;

/// Whether the document declares a 2.x `pactoVersion`.
pub fn is_v2(tree: &Tree) -> bool {
    tree.root()
        .get("pactoVersion")
        .and_then(|v| v.as_str())
        .is_some_and(|v| v == "2" || v.starts_with("2."))
}

fn string(n: Option<NodeRef<'_>>) -> Option<Spanned<String>> {
    n.and_then(|n| n.as_str()).map(|s| Spanned {
        value: s.to_string(),
        span: n.map(|n| n.span()).unwrap_or_default(),
    })
}

/// For a 2.x contract, `contract` in the 1.x shape the renderers read: a `runtime` built from
/// the top-level `workload` and `state` with the `health`/`metrics` capability bindings as its
/// probes, and each interface's `ref` as its contract document. A 1.x contract is returned as is.
pub fn with_runtime(contract: &Contract, tree: &Tree) -> Contract {
    let mut c = contract.clone();
    if !is_v2(tree) {
        return c;
    }
    for (i, r) in c.interfaces.iter_mut().zip(interface_refs(tree)) {
        if i.contract.is_none() {
            i.contract = r.map(|value| Spanned {
                value,
                span: Default::default(),
            });
        }
    }
    if c.runtime.is_some() {
        return c;
    }
    let root = tree.root();
    let workload = string(root.get("workload"));
    let state = root.get("state").filter(|s| s.is_mapping()).map(|s| {
        let persistence = s.get("persistence");
        State {
            place: Default::default(),
            kind: string(s.get("type")),
            scope: string(persistence.and_then(|p| p.get("scope"))),
            durability: string(persistence.and_then(|p| p.get("durability"))),
            data_criticality: string(s.get("dataCriticality")),
        }
    });
    let caps = capabilities(tree);
    let probe = |kind: &str| {
        caps.iter()
            .filter(|c| c.kind == kind)
            .find_map(|c| c.binding.as_ref())
            .filter(|b| !b.interface.is_empty())
            .map(|b| Probe {
                place: Default::default(),
                interface: Some(Spanned {
                    value: b.interface.clone(),
                    span: Default::default(),
                }),
                path: (!b.path.is_empty()).then(|| Spanned {
                    value: b.path.clone(),
                    span: Default::default(),
                }),
                initial_delay_seconds: None,
            })
    };
    if workload.is_some() || state.is_some() {
        c.runtime = Some(Runtime {
            place: Default::default(),
            workload,
            state,
            lifecycle: None,
            health: probe("health"),
            metrics: probe("metrics"),
        });
    }
    c
}

fn json(tree: &Tree, key: &str) -> Value {
    tree.root()
        .get(key)
        .map(|n| n.to_json())
        .unwrap_or(Value::Null)
}

fn str_of(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// One 2.0 capability: `health`/`metrics` with an optional `binding`, or an `extension` `ref`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Capability {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding: Option<Binding>,
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Binding {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub interface: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub path: String,
}

/// The capabilities of a 2.x contract (empty for 1.x).
pub fn capabilities(tree: &Tree) -> Vec<Capability> {
    if !is_v2(tree) {
        return Vec::new();
    }
    let Value::Array(items) = json(tree, "capabilities") else {
        return Vec::new();
    };
    items
        .iter()
        .filter(|c| c.is_object())
        .map(|c| Capability {
            kind: str_of(c, "type"),
            binding: c.get("binding").filter(|b| b.is_object()).map(|b| Binding {
                kind: str_of(b, "type"),
                interface: str_of(b, "interface"),
                path: str_of(b, "path"),
            }),
            reference: c.get("ref").and_then(Value::as_str).map(str::to_string),
        })
        .collect()
}

/// The `ref` of each interface of a 2.x contract, by position (`None` for 1.x).
pub fn interface_refs(tree: &Tree) -> Vec<Option<String>> {
    if !is_v2(tree) {
        return Vec::new();
    }
    match json(tree, "interfaces") {
        Value::Array(items) => items
            .iter()
            .map(|i| i.get("ref").and_then(Value::as_str).map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// The structured owner of a 2.x contract as written (`team`, `dri`, `contacts`).
pub fn owner(tree: &Tree) -> Option<Value> {
    if !is_v2(tree) {
        return None;
    }
    let service = tree.root().get("service")?;
    let owner = service.get("owner")?.to_json();
    owner.is_object().then_some(owner)
}

/// The readiness of a 2.x contract, its `claims` read as checks (`None` for 1.x, or when it
/// lists no claims).
pub fn readiness(tree: &Tree) -> Option<Readiness> {
    if !is_v2(tree) {
        return None;
    }
    let r = json(tree, "readiness");
    let claims = r.get("claims")?.as_array()?;
    if claims.is_empty() {
        return None;
    }
    Some(Readiness {
        min_score: r.get("minScore").and_then(Value::as_i64),
        expires: str_of(&r, "expires"),
        partial_credit: r.get("partialCredit").and_then(Value::as_f64),
        history: r
            .get("history")
            .and_then(Value::as_array)
            .map(|h| {
                h.iter()
                    .map(|h| Revision {
                        date: str_of(h, "date"),
                        version: str_of(h, "version"),
                        author: str_of(h, "author"),
                        description: str_of(h, "description"),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        checks: claims
            .iter()
            .map(|c| Check {
                id: str_of(c, "id"),
                kind: str_of(c, "type"),
                category: str_of(c, "category"),
                status: str_of(c, "status"),
                evidence: str_of(c, "evidence"),
                description: str_of(c, "description"),
                weight: c.get("weight").and_then(Value::as_i64).unwrap_or(0),
            })
            .collect(),
    })
}
