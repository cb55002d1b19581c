//! Diff and change classification (spec §4): contract fields, OpenAPI documents, configuration
//! JSON Schemas and SBOMs. Every change says why it has its classification and, where known,
//! where it sits in each side's source.

pub mod asyncapi;
pub mod contract;
mod contract_v2;
pub mod graph;
pub mod grpc;
pub mod json_schema;
pub mod openapi;
pub mod openapi_v2;
pub mod sbom;
pub mod walk;

pub use contract::{
    check_comparable, compare, supported_pacto_versions, ContractDiff, DiffError, Side, SideError,
    Which,
};

use crate::syntax::Span;
use serde::Serialize;
use serde_json::Value;
use std::fmt;

/// How much a change can hurt consumers, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Classification {
    NonBreaking,
    PotentialBreaking,
    Breaking,
}

impl Classification {
    pub fn as_str(self) -> &'static str {
        match self {
            Classification::NonBreaking => "NON_BREAKING",
            Classification::PotentialBreaking => "POTENTIAL_BREAKING",
            Classification::Breaking => "BREAKING",
        }
    }
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeType {
    Added,
    Removed,
    Modified,
}

impl ChangeType {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeType::Added => "added",
            ChangeType::Removed => "removed",
            ChangeType::Modified => "modified",
        }
    }
}

impl fmt::Display for ChangeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where one side of a change sits: a bundle-relative file, the byte span in it, and its 1-based
/// line (computed when the change is made, since the renderer no longer has the file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    pub file: String,
    #[serde(skip)]
    pub span: Span,
    pub line: u32,
}

/// One classified change.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// The rule key (`interfaces.port`) or a bracketed detail path
    /// (`openapi.paths[/users].methods[GET]`).
    pub path: String,
    #[serde(rename = "type")]
    pub change_type: ChangeType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_value: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_value: Option<Value>,
    pub classification: Classification,
    /// Go Pacto's reason text (`service.version modified`, `API path /x removed`), naming the
    /// list entry when the path alone is ambiguous (`interfaces[api].port modified`).
    pub reason: String,
    /// The entry of a list keyed by name the change is about (`interfaces[api]`,
    /// `dependencies[oci://reg/auth]`, `configurations[app]`, `policies[security]`), since `path`
    /// keeps Go Pacto's rule key (`interfaces.port`) and does not say which.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// Why this classification, in words a service owner understands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_source: Option<Source>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_source: Option<Source>,
}

impl Change {
    /// A change classified by the rule table ([`classify`]) under `rule`.
    pub fn new(
        rule: &str,
        path: impl Into<String>,
        change_type: ChangeType,
        old_value: Option<Value>,
        new_value: Option<Value>,
        reason: impl Into<String>,
    ) -> Change {
        Change {
            path: path.into(),
            change_type,
            old_value,
            new_value,
            classification: classify(rule, change_type),
            reason: reason.into(),
            item: None,
            explanation: None,
            old_source: None,
            new_source: None,
        }
    }

    /// The list entry the change is about (see [`Change::item`]).
    pub fn with_item(mut self, item: impl Into<String>) -> Change {
        self.item = Some(item.into());
        self
    }

    pub fn with_explanation(mut self, text: impl Into<String>) -> Change {
        self.explanation = Some(text.into());
        self
    }

    pub fn with_sources(mut self, old: Option<Source>, new: Option<Source>) -> Change {
        self.old_source = old;
        self.new_source = new;
        self
    }

    /// A change of a 2.0 contract, classified by Go Pacto 3.x's table ([`classify_v2`]).
    pub fn new_v2(
        rule: &str,
        path: impl Into<String>,
        change_type: ChangeType,
        old_value: Option<Value>,
        new_value: Option<Value>,
        reason: impl Into<String>,
    ) -> Change {
        Change::new(rule, path, change_type, old_value, new_value, reason)
            .with_classification(classify_v2(rule, change_type))
    }

    pub fn with_classification(mut self, c: Classification) -> Change {
        self.classification = c;
        self
    }
}

/// The rule table of spec §4.2. Pairs missing from the table are `POTENTIAL_BREAKING`.
pub fn classify(rule: &str, change: ChangeType) -> Classification {
    use ChangeType::{Added as A, Modified as M, Removed as R};
    use Classification::{Breaking as B, NonBreaking as N, PotentialBreaking as P};
    match (rule, change) {
        ("service.name", M) => B,
        ("service.version", M) => N,
        ("service.owner" | "service.image" | "service.chart", _) => N,
        ("interfaces", A) => N,
        ("interfaces", R) => B,
        ("interfaces.type", M) => B,
        ("interfaces.port", A) => P,
        ("interfaces.port", R | M) => B,
        ("interfaces.visibility" | "interfaces.contract", M) => P,
        ("configuration", A) => N,
        ("configuration", R) => B,
        ("configuration.schema" | "configuration.ref", A) => N,
        ("configuration.schema" | "configuration.ref", R) => B,
        ("configuration.schema" | "configuration.ref", M) => P,
        ("configurations", A) => N,
        ("configurations", R) => B,
        ("configurations.schema" | "configurations.ref", A) => N,
        ("configurations.schema" | "configurations.ref", R) => B,
        ("configurations.schema" | "configurations.ref", M) => P,
        ("policy", A) => N,
        ("policy", R) => P,
        ("policy.schema" | "policy.ref", M) => P,
        ("policies", A) => N,
        ("policies", R) => P,
        ("policies.schema" | "policies.ref", M) => P,
        ("policies.ref", A) => N,
        ("policies.ref", R) => P,
        (
            "runtime.workload"
            | "runtime.state.type"
            | "runtime.state.persistence.scope"
            | "runtime.state.persistence.durability",
            M,
        ) => B,
        ("runtime.state.dataCriticality", M) => P,
        ("runtime.lifecycle.upgradeStrategy", A) => N,
        ("runtime.lifecycle.upgradeStrategy", R | M) => P,
        ("runtime.lifecycle.gracefulShutdownSeconds", M) => N,
        ("runtime.health.interface" | "runtime.health.path", M) => P,
        ("runtime.health.initialDelaySeconds", M) => N,
        ("runtime.metrics.interface" | "runtime.metrics.path", M) => P,
        (
            "readiness"
            | "readiness.minScore"
            | "readiness.expires"
            | "readiness.partialCredit"
            | "readiness.checks",
            _,
        ) => N,
        ("scaling", A) => N,
        ("scaling", R) => P,
        ("scaling.min", M) => P,
        ("scaling.max", M) => N,
        ("dependencies", A) => N,
        ("dependencies", R) => B,
        ("dependencies.compatibility" | "dependencies.required", M) => P,
        ("openapi.paths" | "openapi.methods", A) => N,
        ("openapi.paths" | "openapi.methods", R) => B,
        ("openapi.parameters", A | M) => P,
        ("openapi.parameters", R) => B,
        ("openapi.request-body", _) => P,
        ("openapi.responses", A) => N,
        ("openapi.responses", R) => B,
        ("openapi.responses", M) => P,
        ("schema.properties", A) => N,
        ("schema.properties", R) => B,
        _ => P,
    }
}

/// Go Pacto 3.x's rule table for `pactoVersion: "2.0"` (`pkg/diff/classification.go`). Pairs
/// missing from the table are `POTENTIAL_BREAKING`. Inner differences of request bodies,
/// responses, AsyncAPI entries and schemas are classified by [`walk::classify`] instead.
pub fn classify_v2(rule: &str, change: ChangeType) -> Classification {
    use ChangeType::{Added as A, Modified as M, Removed as R};
    use Classification::{Breaking as B, NonBreaking as N, PotentialBreaking as P};
    match (rule, change) {
        ("pactoVersion", _) => N,
        ("service.name", M) => B,
        ("service.version", M) => N,
        ("service.owner.team" | "service.owner.dri" | "service.owner.contacts", _) => N,
        ("workload", M) => B,
        ("workload", A | R) => N,
        ("state.type" | "state.persistence.scope" | "state.persistence.durability", M) => B,
        ("state.dataCriticality", M) => P,
        ("state.dataCriticality", A | R) => N,
        ("capabilities", A) => N,
        ("capabilities", R) => P,
        (
            "readiness"
            | "readiness.minScore"
            | "readiness.expires"
            | "readiness.partialCredit"
            | "readiness.claims",
            _,
        ) => N,
        ("interfaces", A) => N,
        ("interfaces", R) => B,
        ("interfaces.type", M) => B,
        ("interfaces.ref" | "interfaces.visibility", M) => P,
        ("configurations", A) => N,
        ("configurations", R) => B,
        ("configurations.schema", M) => P,
        ("configurations.schema", R) => B,
        ("configurations.ref", M) => P,
        ("configurations.ref", A) => N,
        ("configurations.ref", R) => B,
        ("configurations.values", _) => N,
        ("policies", A) => N,
        ("policies", R) => P,
        ("policies.schema" | "policies.ref", M) => P,
        ("policies.ref", A) => N,
        ("policies.ref", R) => P,
        ("dependencies", A) => N,
        ("dependencies", R) => B,
        ("dependencies.ref" | "dependencies.compatibility" | "dependencies.required", M) => P,
        ("openapi.paths" | "openapi.methods", A) => N,
        ("openapi.paths" | "openapi.methods", R) => B,
        ("openapi.parameters", A | M) => P,
        ("openapi.parameters", R) => B,
        ("openapi.responses", A) => N,
        ("openapi.responses", R) => B,
        ("asyncapi.channels" | "asyncapi.operations", A) => N,
        ("asyncapi.channels" | "asyncapi.operations", R) => B,
        ("grpc.services" | "grpc.rpcs" | "grpc.messages" | "grpc.messages.fields", A) => N,
        ("grpc.services" | "grpc.rpcs" | "grpc.messages" | "grpc.messages.fields", R) => B,
        ("grpc.rpcs" | "grpc.messages.fields", M) => B,
        _ => P,
    }
}

/// The overall classification: the highest of `changes`, `NON_BREAKING` when there are none.
pub fn overall<'a>(changes: impl IntoIterator<Item = &'a Change>) -> Classification {
    changes
        .into_iter()
        .map(|c| c.classification)
        .max()
        .unwrap_or(Classification::NonBreaking)
}

/// Deterministic order: by path, then type (removed, modified, added), then values.
pub fn sort_changes(changes: &mut [Change]) {
    fn rank(t: ChangeType) -> u8 {
        match t {
            ChangeType::Removed => 0,
            ChangeType::Modified => 1,
            ChangeType::Added => 2,
        }
    }
    changes.sort_by(|a, b| {
        (a.path.as_str(), rank(a.change_type))
            .cmp(&(b.path.as_str(), rank(b.change_type)))
            .then_with(|| {
                a.old_value
                    .as_ref()
                    .map(Value::to_string)
                    .cmp(&b.old_value.as_ref().map(Value::to_string))
            })
            .then_with(|| {
                a.new_value
                    .as_ref()
                    .map(Value::to_string)
                    .cmp(&b.new_value.as_ref().map(Value::to_string))
            })
    });
}
