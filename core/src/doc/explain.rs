//! `pacto explain`: the short human summary of a contract (spec §5.2), as text and as JSON.

use crate::model::Contract;
use crate::syntax::Tree;
use serde::Serialize;
use std::fmt::Write as _;

/// The explain result. JSON keys are Go Pacto's (lowerCamel); `runtime` is always present, its
/// strings empty when the contract has no runtime.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Explain {
    pub name: String,
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub pacto_version: String,
    pub runtime: ExplainRuntime,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interfaces: Vec<ExplainInterface>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<ExplainDependency>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scaling: Option<ExplainScaling>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
    /// Whether the contract declares a `runtime` section (drives the text form only).
    #[serde(skip)]
    pub has_runtime: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExplainRuntime {
    pub workload_type: String,
    pub state_type: String,
    pub scope: String,
    pub durability: String,
    pub data_criticality: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExplainInterface {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExplainDependency {
    #[serde(rename = "ref")]
    pub reference: String,
    pub required: bool,
    pub compatibility: String,
}

/// `replicas` as written; `min` and `max` after Go's normalisation (`replicas` sets both).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExplainScaling {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
}

fn text(s: &Option<crate::model::Spanned<String>>) -> String {
    s.as_ref().map(|v| v.value.clone()).unwrap_or_default()
}

/// Summarise `contract` (with `tree`, which holds its metadata).
pub fn explain(contract: &Contract, tree: &Tree) -> Explain {
    let service = contract.service.as_ref();
    let runtime = contract.runtime.as_ref().map(|r| {
        let state = r.state.as_ref();
        ExplainRuntime {
            workload_type: text(&r.workload),
            state_type: state.map(|s| text(&s.kind)).unwrap_or_default(),
            scope: state.map(|s| text(&s.scope)).unwrap_or_default(),
            durability: state.map(|s| text(&s.durability)).unwrap_or_default(),
            data_criticality: state.map(|s| text(&s.data_criticality)).unwrap_or_default(),
        }
    });
    Explain {
        name: contract.service_name().to_string(),
        version: contract.service_version().to_string(),
        owner: service
            .and_then(|s| s.owner.as_ref())
            .and_then(|o| o.display())
            .filter(|o| !o.is_empty())
            .map(str::to_string),
        pacto_version: text(&contract.pacto_version),
        has_runtime: runtime.is_some(),
        runtime: runtime.unwrap_or_default(),
        interfaces: contract
            .interfaces
            .iter()
            .map(|i| ExplainInterface {
                name: i.name().to_string(),
                kind: i.kind().to_string(),
                port: i.port.as_ref().map(|p| p.value),
                visibility: i.visibility.as_ref().map(|v| v.value.clone()),
            })
            .collect(),
        dependencies: contract
            .dependencies
            .iter()
            .map(|d| ExplainDependency {
                reference: d.reference().to_string(),
                required: d.is_required(),
                compatibility: text(&d.compatibility),
            })
            .collect(),
        scaling: contract.scaling.as_ref().map(|s| ExplainScaling {
            replicas: s.replicas.as_ref().map(|r| r.value),
            min: s.effective_min(),
            max: s.effective_max(),
        }),
        metadata: contract
            .metadata
            .map(|id| tree.node(id).to_json())
            .filter(|v| !v.is_null()),
    }
}

impl Explain {
    /// The text form of spec §5.2, ending with a newline.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Service: {}@{}", self.name, self.version);
        if let Some(owner) = &self.owner {
            let _ = writeln!(out, "Owner: {owner}");
        }
        let _ = writeln!(out, "Pacto Version: {}", self.pacto_version);
        if self.has_runtime {
            let r = &self.runtime;
            let _ = write!(
                out,
                "\nRuntime:\n  Workload: {}\n  State: {}\n  Persistence: {}/{}\n  Data Criticality: {}\n",
                r.workload_type, r.state_type, r.scope, r.durability, r.data_criticality
            );
        }
        if !self.interfaces.is_empty() {
            let _ = writeln!(out, "\nInterfaces ({}):", self.interfaces.len());
            for i in &self.interfaces {
                let mut detail = i.kind.clone();
                if let Some(p) = i.port {
                    let _ = write!(detail, ", port {p}");
                }
                if let Some(v) = &i.visibility {
                    let _ = write!(detail, ", {v}");
                }
                let _ = writeln!(out, "  - {} ({detail})", i.name);
            }
        }
        if !self.dependencies.is_empty() {
            let _ = writeln!(out, "\nDependencies ({}):", self.dependencies.len());
            for d in &self.dependencies {
                let need = if d.required { "required" } else { "optional" };
                let _ = writeln!(out, "  - {} ({}, {need})", d.reference, d.compatibility);
            }
        }
        if let Some(s) = &self.scaling {
            match (s.replicas, s.min, s.max) {
                (Some(n), _, _) => {
                    let _ = writeln!(out, "\nScaling: {n} replicas");
                }
                (None, min, max) => {
                    let show = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
                    let _ = writeln!(out, "\nScaling: {}-{}", show(min), show(max));
                }
            }
        }
        out
    }

    /// Two-space indented JSON, ending with a newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".to_string());
        s.push('\n');
        s
    }
}
