//! The contract a generator plugin receives (`pacto generate`, spec §10), for every generation.
//!
//! [`crate::plugin::contract_json`] gives Go Pacto 1.x's shape and keeps only 1.x sections, so a
//! 2.0 contract lost `workload`, `state`, `capabilities`, `readiness` and `extensions` on the
//! way to the plugin. Go Pacto 3.x marshals its 2.0 model instead: the sections below, in its
//! field order, absent ones left out (`interfaces` too). A 1.x contract is sent as before.

use crate::model::Contract;
use crate::syntax::Tree;
use serde_json::{Map, Value};

/// The sections of Go Pacto's 2.0 `Contract`, in its JSON field order.
const V2_SECTIONS: [&str; 13] = [
    "pactoVersion",
    "service",
    "interfaces",
    "configurations",
    "dependencies",
    "state",
    "workload",
    "capabilities",
    "policies",
    "readiness",
    "verification",
    "metadata",
    "extensions",
];

/// The contract as Go Pacto sends it to a plugin: its 2.0 model for a 2.x `pactoVersion`
/// (values as written), else [`crate::plugin::contract_json`].
pub fn contract_json(contract: &Contract, tree: &Tree) -> Value {
    if !crate::doc::v2::is_v2(tree) {
        return crate::plugin::contract_json(contract, tree);
    }
    let root = tree.root().to_json();
    let src = root.as_object().cloned().unwrap_or_default();
    let mut out = Map::new();
    for key in V2_SECTIONS {
        if let Some(v) = src.get(key).filter(|v| !v.is_null()) {
            out.insert(key.to_string(), v.clone());
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code: a panic is a test failure
    use super::*;

    fn json_of(text: &str) -> String {
        let parsed = crate::syntax::parse(text, &crate::syntax::Limits::default());
        let tree = parsed.tree.unwrap();
        contract_json(&Contract::from_tree(&tree), &tree).to_string()
    }

    #[test]
    fn a_v2_contract_keeps_its_2_0_sections_in_go_order() {
        let text = "pactoVersion: \"2.0\"\ncapabilities: [{type: health, binding: {type: http, interface: api, path: /h}}]\nworkload: service\nstate: {type: stateless}\nservice: {name: a, version: 1.0.0}\ninterfaces: [{name: api, type: openapi, ref: x.yaml}]\nextra: 1\nextensions: {a.b/c: 1}\n";
        assert_eq!(
            json_of(text),
            r#"{"pactoVersion":"2.0","service":{"name":"a","version":"1.0.0"},"interfaces":[{"name":"api","type":"openapi","ref":"x.yaml"}],"state":{"type":"stateless"},"workload":"service","capabilities":[{"type":"health","binding":{"type":"http","interface":"api","path":"/h"}}],"extensions":{"a.b/c":1}}"#
        );
    }

    #[test]
    fn a_v1_contract_is_sent_as_before() {
        let text = "pactoVersion: \"1.0\"\nservice: {name: a, version: 1.0.0}\nscaling: {replicas: 3}\nworkload: x\n";
        assert_eq!(
            json_of(text),
            r#"{"pactoVersion":"1.0","service":{"name":"a","version":"1.0.0"},"interfaces":null,"scaling":{"replicas":3,"min":3,"max":3}}"#
        );
    }
}
