//! Views of one contract that only MCP has (spec §9): the `pacto_explain` sentences, the
//! interface list and dependency suggestions. `pacto explain` JSON and `pacto doc` Markdown come
//! from `pacto_core::doc`.

use pacto_core::model::Contract;
use serde_json::{json, Map, Value};

fn s(v: &Option<pacto_core::model::Spanned<String>>) -> String {
    v.as_ref().map(|x| x.value.clone()).unwrap_or_default()
}

pub fn name(c: &Contract) -> String {
    c.service.as_ref().map(|x| s(&x.name)).unwrap_or_default()
}

pub fn version(c: &Contract) -> String {
    c.service
        .as_ref()
        .map(|x| s(&x.version))
        .unwrap_or_default()
}

pub fn owner(c: &Contract) -> Option<String> {
    c.service
        .as_ref()
        .and_then(|x| x.owner.as_ref())
        .and_then(|o| o.display())
        .map(str::to_string)
}

struct RuntimeView {
    workload: String,
    state: String,
    scope: String,
    durability: String,
}

fn runtime(c: &Contract) -> RuntimeView {
    let r = c.runtime.as_ref();
    let st = r.and_then(|r| r.state.as_ref());
    RuntimeView {
        workload: r.map(|r| s(&r.workload)).unwrap_or_default(),
        state: st.map(|x| s(&x.kind)).unwrap_or_default(),
        scope: st.map(|x| s(&x.scope)).unwrap_or_default(),
        durability: st.map(|x| s(&x.durability)).unwrap_or_default(),
    }
}

/// `{"name","type","port"?,"visibility"?}` per interface.
pub fn interfaces(c: &Contract) -> Vec<Value> {
    c.interfaces
        .iter()
        .map(|i| {
            let mut o = Map::new();
            o.insert("name".into(), i.name().into());
            o.insert("type".into(), i.kind().into());
            if let Some(p) = &i.port {
                o.insert("port".into(), p.value.into());
            }
            if let Some(v) = &i.visibility {
                o.insert("visibility".into(), v.value.clone().into());
            }
            Value::Object(o)
        })
        .collect()
}

fn compat(d: &pacto_core::model::Dependency) -> String {
    s(&d.compatibility)
}

/// `pacto_explain`: `{"summary","interfaces","dependencies"}` (spec §9).
pub fn explain_sentences(c: &Contract) -> Value {
    let r = runtime(c);
    let mut summary = format!(
        "{}@{} is a {} {} workload (pacto {})",
        name(c),
        version(c),
        r.state,
        r.workload,
        s(&c.pacto_version)
    );
    if let Some(o) = owner(c) {
        summary.push_str(&format!(", owned by {o}"));
    }
    let interfaces: Vec<String> = c
        .interfaces
        .iter()
        .map(|i| {
            let mut t = format!("{} ({}", i.name(), i.kind());
            if let Some(p) = &i.port {
                t.push_str(&format!(", port {}", p.value));
            }
            if let Some(v) = &i.visibility {
                t.push_str(&format!(", {}", v.value));
            }
            t.push(')');
            t
        })
        .collect();
    let deps: Vec<String> = c
        .dependencies
        .iter()
        .map(|d| {
            format!(
                "{} ({}, {})",
                d.reference(),
                compat(d),
                if d.is_required() {
                    "required"
                } else {
                    "optional"
                }
            )
        })
        .collect();
    json!({"summary": summary, "interfaces": interfaces.join("; "), "dependencies": deps.join("; ")})
}

/// Dependencies the contract probably needs (spec §9 rules), skipping declared refs.
pub fn suggestions(c: &Contract) -> Vec<Value> {
    let declared: Vec<String> = c
        .dependencies
        .iter()
        .flat_map(|d| {
            let r = d.reference().to_string();
            let n = d.name.as_ref().map(|n| n.value.clone()).unwrap_or_default();
            [r, n]
        })
        .collect();
    let has = |name: &str| {
        declared.iter().any(|d| {
            d == name
                || d.rsplit('/').next().is_some_and(|last| {
                    let last = last.split([':', '@']).next().unwrap_or(last);
                    last == name || last == format!("{name}-pacto")
                })
        })
    };
    let r = runtime(c);
    let mut out: Vec<Value> = Vec::new();
    let mut push = |name: &str, reason: &str, required: bool| {
        if !has(name) && !out.iter().any(|v| v["ref"] == name) {
            out.push(json!({"ref": name, "reason": reason, "compatibility": "^1.0.0", "required": required}));
        }
    };
    let public_http = c
        .interfaces
        .iter()
        .any(|i| i.kind() == "http" && i.visibility.as_ref().is_some_and(|v| v.value == "public"));
    if public_http {
        push(
            "api-gateway",
            "a public http interface is usually exposed through an API gateway",
            false,
        );
    }
    if r.state == "stateful" && r.durability == "persistent" {
        push(
            "postgres",
            "stateful with persistent data needs a durable datastore",
            true,
        );
    }
    if r.state == "stateful" && r.scope == "shared" {
        push(
            "redis",
            "state shared across instances needs a shared store",
            true,
        );
    }
    if r.state == "stateless" {
        push(
            "redis",
            "a stateless service often keeps sessions or a cache outside the process",
            false,
        );
    }
    if r.workload == "service" {
        push(
            "prometheus",
            "a long-running service should have its metrics scraped",
            false,
        );
    }
    out
}
