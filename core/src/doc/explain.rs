//! `pacto explain`: the short human summary of a contract (spec §5.2), as text and as JSON.

use super::v2;
use crate::model::Contract;
use crate::readiness::{self, Date, Evaluation};
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
    /// The owner in one line (the text form).
    #[serde(skip)]
    pub owner: Option<String>,
    /// JSON `owner`: that line for 1.x; for 2.0 the structured owner as written (`team`, `dri`,
    /// `contacts`), as Go prints it.
    #[serde(rename = "owner", skip_serializing_if = "Option::is_none")]
    pub owner_json: Option<serde_json::Value>,
    pub pacto_version: String,
    pub runtime: ExplainRuntime,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interfaces: Vec<ExplainInterface>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<ExplainDependency>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scaling: Option<ExplainScaling>,
    /// 2.0: `capabilities` with their bindings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<v2::Capability>,
    /// 2.0: the readiness claims evaluated on the day of the run (Go's `readiness`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readiness: Option<ExplainReadiness>,
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
    /// 2.0: the interface document (`ref`).
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExplainDependency {
    /// 2.0: the dependency's name (Go's `name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "ref")]
    pub reference: String,
    pub required: bool,
    pub compatibility: String,
}

/// Go's `ExplainReadiness`: the evaluation with Go's field names, order and omissions.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExplainReadiness {
    pub score: i64,
    pub min_score: i64,
    pub passing: bool,
    pub total_weight: i64,
    pub earned_weight: i64,
    pub partial_credit: f64,
    pub expires: String,
    pub expired: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_remaining: Option<i64>,
    pub done_count: u32,
    pub partial_count: u32,
    pub not_done_count: u32,
    pub deferred_count: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<readiness::Revision>,
    pub checks: Vec<ExplainReadinessCheck>,
    /// The gate (not in JSON, which has `passing`): Satisfied, BelowMinScore or Expired.
    #[serde(skip)]
    pub gate: &'static str,
}

/// Go's `ExplainReadinessCheck`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExplainReadinessCheck {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub category: String,
    pub status: String,
    pub weight: i64,
    pub earned_weight: i64,
    pub excluded: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub evidence: String,
}

impl From<Evaluation> for ExplainReadiness {
    fn from(e: Evaluation) -> Self {
        ExplainReadiness {
            gate: e.gate().as_str(),
            score: e.score,
            min_score: e.min_score,
            passing: e.passing,
            total_weight: e.total_weight,
            earned_weight: e.earned_weight,
            partial_credit: e.partial_credit,
            expires: e.expires,
            expired: e.expired,
            days_remaining: e.days_remaining,
            done_count: e.done_count,
            partial_count: e.partial_count,
            not_done_count: e.not_done_count,
            deferred_count: e.deferred_count,
            revisions: e.revisions,
            checks: e
                .checks
                .into_iter()
                .map(|c| ExplainReadinessCheck {
                    id: c.id,
                    kind: c.kind,
                    category: c.category,
                    status: c.status,
                    weight: c.weight,
                    earned_weight: c.earned_weight,
                    excluded: c.excluded,
                    evidence: c.evidence,
                })
                .collect(),
        }
    }
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

/// Today (UTC) from the system clock.
fn today() -> Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    Date::from_unix_seconds(secs)
}

/// Summarise `contract` (with `tree`, which holds its metadata), a 2.0 readiness evaluated today.
pub fn explain(contract: &Contract, tree: &Tree) -> Explain {
    explain_on(contract, tree, today())
}

/// [`explain`] with the day a 2.0 readiness is evaluated on.
pub fn explain_on(contract: &Contract, tree: &Tree, today: Date) -> Explain {
    let is_v2 = v2::is_v2(tree);
    let contract = &v2::with_runtime(contract, tree);
    let refs = v2::interface_refs(tree);
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
    let owner = service
        .and_then(|s| s.owner.as_ref())
        .and_then(|o| o.display())
        .filter(|o| !o.is_empty())
        .map(str::to_string);
    Explain {
        name: contract.service_name().to_string(),
        version: contract.service_version().to_string(),
        owner_json: v2::owner(tree).or_else(|| owner.clone().map(serde_json::Value::String)),
        owner,
        pacto_version: text(&contract.pacto_version),
        capabilities: v2::capabilities(tree),
        readiness: v2::readiness(tree).map(|r| readiness::evaluate(&r, today).into()),
        has_runtime: runtime.is_some(),
        runtime: runtime.unwrap_or_default(),
        interfaces: contract
            .interfaces
            .iter()
            .enumerate()
            .map(|(n, i)| ExplainInterface {
                name: i.name().to_string(),
                kind: i.kind().to_string(),
                port: i.port.as_ref().map(|p| p.value),
                visibility: i.visibility.as_ref().map(|v| v.value.clone()),
                reference: refs.get(n).cloned().flatten(),
            })
            .collect(),
        dependencies: contract
            .dependencies
            .iter()
            .map(|d| ExplainDependency {
                name: is_v2.then(|| text(&d.name)).filter(|n| !n.is_empty()),
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
        if let Some(detail) = self.owner_json.as_ref().filter(|o| o.is_object()) {
            owner_lines(&mut out, detail);
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
                let _ = write!(out, "  - {} ({detail})", i.name);
                if let Some(r) = &i.reference {
                    let _ = write!(out, ": {r}");
                }
                out.push('\n');
            }
        }
        if !self.dependencies.is_empty() {
            let _ = writeln!(out, "\nDependencies ({}):", self.dependencies.len());
            for d in &self.dependencies {
                let need = if d.required { "required" } else { "optional" };
                if let Some(name) = &d.name {
                    let _ = write!(out, "  - {name}: ");
                } else {
                    out.push_str("  - ");
                }
                let _ = writeln!(out, "{} ({}, {need})", d.reference, d.compatibility);
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
        if !self.capabilities.is_empty() {
            let _ = writeln!(out, "\nCapabilities ({}):", self.capabilities.len());
            for c in &self.capabilities {
                let _ = write!(out, "  - {}", c.kind);
                if let Some(b) = &c.binding {
                    let _ = write!(out, " ({}", b.kind);
                    if !b.interface.is_empty() {
                        let _ = write!(out, " on {}", b.interface);
                    }
                    if !b.path.is_empty() {
                        let _ = write!(out, " {}", b.path);
                    }
                    out.push(')');
                }
                if let Some(r) = &c.reference {
                    let _ = write!(out, ": {r}");
                }
                out.push('\n');
            }
        }
        if let Some(r) = &self.readiness {
            let _ = writeln!(
                out,
                "\nReadiness: {} (score {}, minScore {}, partial credit {}), expires {}{}",
                r.gate,
                r.score,
                r.min_score,
                r.partial_credit,
                r.expires,
                if r.expired { " (expired)" } else { "" }
            );
            let _ = writeln!(
                out,
                "  {} done, {} partial, {} not-done, {} deferred; weight {}/{}",
                r.done_count,
                r.partial_count,
                r.not_done_count,
                r.deferred_count,
                r.earned_weight,
                r.total_weight
            );
            for c in &r.checks {
                let mut detail = format!("{}, {}, weight {}", c.kind, c.status, c.weight);
                if !c.category.is_empty() {
                    let _ = write!(detail, ", {}", c.category);
                }
                let _ = write!(out, "  - {} ({detail})", c.id);
                if !c.evidence.is_empty() {
                    let _ = write!(out, ": {}", c.evidence);
                }
                out.push('\n');
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

/// `  DRI: ...` and one `  Contact: ...` line per contact of a 2.0 structured owner.
fn owner_lines(out: &mut String, owner: &serde_json::Value) {
    let field = |v: &serde_json::Value, k: &str| {
        v.get(k)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let dri = field(owner, "dri");
    if !dri.is_empty() {
        let _ = writeln!(out, "  DRI: {dri}");
    }
    for c in owner
        .get("contacts")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
    {
        let _ = write!(out, "  Contact: {} {}", field(c, "type"), field(c, "value"));
        let purpose = field(c, "purpose");
        if !purpose.is_empty() {
            let _ = write!(out, " ({purpose})");
        }
        out.push('\n');
    }
}
