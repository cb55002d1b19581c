//! The two custom resources, `Pacto` and `PactoRevision` (`pacto.trianalab.io/v1alpha1`), with
//! the same spec and status fields as the Go operator so existing manifests and the dashboard
//! keep working. The CRD YAML in `schemas/crds/` is generated from these types
//! (`pacto-operator crds --write schemas/crds`) and a test keeps it in step.

// `printcolumn(type_ = "string", …)` repeats per column: not a duplicated attribute.
#![allow(clippy::duplicated_attributes)]

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const GROUP: &str = "pacto.trianalab.io";
pub const VERSION: &str = "v1alpha1";
pub const LABEL_PACTO: &str = "pacto.trianalab.io/pacto";
pub const LABEL_VERSION: &str = "pacto.trianalab.io/version";

/// Desired state of a Pacto: where its contract comes from and what it describes in the cluster.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "pacto.trianalab.io",
    version = "v1alpha1",
    kind = "Pacto",
    plural = "pactos",
    namespaced,
    status = "PactoStatus",
    doc = "A service contract tracked in the cluster and checked against its workload",
    printcolumn(
        name = "Status",
        type_ = "string",
        json_path = ".status.contractStatus"
    ),
    printcolumn(
        name = "Service",
        type_ = "string",
        json_path = ".spec.target.serviceName"
    ),
    printcolumn(
        name = "Version",
        type_ = "string",
        json_path = ".status.contractVersion"
    ),
    printcolumn(
        name = "Errors",
        type_ = "integer",
        json_path = ".status.summary.errorCount"
    ),
    printcolumn(
        name = "Warnings",
        type_ = "integer",
        json_path = ".status.summary.warningCount"
    ),
    printcolumn(
        name = "Last Reconciled",
        type_ = "date",
        json_path = ".status.lastReconciledAt"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct PactoSpec {
    /// Where the contract comes from.
    pub contract_ref: ContractRef,
    /// The Service and workload the contract describes; absent for a reference-only Pacto.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<TargetRef>,
    /// Values merged over the contract's configurations before validation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overrides: Option<Overrides>,
    /// Requeue delay after each reconcile, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 30), extend("default" = 300))]
    pub check_interval_seconds: Option<i32>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContractRef {
    /// OCI reference: unversioned (highest semver tag), `:tag` (pinned) or `@sha256:…` (immutable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oci: Option<String>,
    /// Contract YAML embedded directly (development and tests); wins over `oci`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline: Option<String>,
    /// Secret in the same namespace with registry credentials: Opaque `token`, Opaque
    /// `username`+`password`, or `kubernetes.io/dockerconfigjson`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_secret_ref: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TargetRef {
    /// The Kubernetes Service to observe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    /// The workload; defaults to the Deployment named like the Service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_ref: Option<WorkloadRef>,
    /// Pacto 2.0: which Service port serves each contract interface (the contract itself
    /// carries no ports).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interface_bindings: Vec<InterfaceBinding>,
    /// Pacto 2.0: which ConfigMap or Secret backs each contract configuration.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_bindings: Vec<ConfigBinding>,
}

/// Maps a contract interface to the Service port that serves it.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InterfaceBinding {
    /// The contract's `interfaces[].name` (2.0: the interface's key).
    pub interface: String,
    /// The Service port name or number that serves the interface.
    #[schemars(schema_with = "int_or_string")]
    pub service_port: ServicePort,
}

/// A Service port by number or by name (`IntOrString`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(untagged)]
pub enum ServicePort {
    Number(i32),
    Name(String),
}

impl Default for ServicePort {
    fn default() -> Self {
        ServicePort::Name(String::new())
    }
}

fn int_or_string(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "anyOf": [{"type": "integer"}, {"type": "string"}],
        "x-kubernetes-int-or-string": true
    })
}

/// Maps a contract configuration to the ConfigMap or Secret that backs it.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigBinding {
    /// The contract's `configurations[].name` this binding backs.
    pub configuration: String,
    pub kind: ConfigBindingKind,
    /// The ConfigMap or Secret in the Pacto's namespace.
    pub name: String,
    /// The single key to decode and validate; omitted: existence only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Format of the value at `key` (needed with `key` for conformance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<ConfigFormat>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
pub enum ConfigBindingKind {
    #[default]
    ConfigMap,
    Secret,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ConfigFormat {
    Yaml,
    Json,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadRef {
    #[schemars(length(min = 1))]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<WorkloadKind>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
#[schemars(extend("default" = "Deployment"))]
pub enum WorkloadKind {
    #[default]
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    Job,
    CronJob,
}

impl WorkloadKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::ReplicaSet => "ReplicaSet",
            WorkloadKind::Job => "Job",
            WorkloadKind::CronJob => "CronJob",
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Overrides {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub configurations: Vec<ConfigurationOverride>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigurationOverride {
    /// Must match a `configurations[].name` of the contract.
    #[schemars(length(min = 1))]
    pub name: String,
    #[schemars(extend("minProperties" = 1))]
    pub values: BTreeMap<String, String>,
}

impl PactoSpec {
    /// The workload to observe: `workloadRef` (kind defaulting to Deployment), else the
    /// Deployment named like `serviceName`, else none.
    pub fn resolved_workload(&self) -> Option<(String, WorkloadKind)> {
        let t = self.target.as_ref()?;
        if let Some(w) = &t.workload_ref {
            return Some((w.name.clone(), w.kind.unwrap_or_default()));
        }
        t.service_name
            .as_ref()
            .filter(|s| !s.is_empty())
            .map(|s| (s.clone(), WorkloadKind::Deployment))
    }

    pub fn service_name(&self) -> Option<&str> {
        self.target
            .as_ref()
            .and_then(|t| t.service_name.as_deref())
            .filter(|s| !s.is_empty())
    }

    /// No Service and no workload: the Pacto only publishes its contract.
    pub fn is_reference_only(&self) -> bool {
        self.service_name().is_none() && self.resolved_workload().is_none()
    }

    /// `checkIntervalSeconds`, 300 when unset or not positive.
    pub fn interval_seconds(&self) -> u64 {
        match self.check_interval_seconds {
            Some(s) if s > 0 => u64::from(s.unsigned_abs()),
            _ => 300,
        }
    }
}

/// Observed state of a Pacto. Lists that the Go operator always writes as `[]` are never null.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PactoStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_status: Option<ContractStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_policy: Option<ResolutionPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<Summary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract: Option<ContractInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<ValidationStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ports: Option<PortsStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<BTreeMap<String, EndpointStatus>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interfaces: Option<Vec<InterfaceStatus>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configurations: Option<Vec<ConfigurationStatus>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependencies: Option<Vec<DependencyStatus>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policies: Option<Vec<PolicyStatus>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<RuntimeStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_runtime: Option<ObservedRuntime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaling: Option<ScalingStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    /// The contract's readiness assessment evaluated today; absent when it declares none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readiness: Option<ReadinessStatus>,
    /// Pacto 2.0: the contract's declared capabilities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<CapabilityInfo>,
    /// Pacto 2.0: the typed conclusions of the evaluation (contract x evidence).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<FindingStatus>,
    /// Pacto 2.0: how many required assertions were evaluated; never changes `contractStatus`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation_coverage: Option<EvaluationCoverage>,
    /// Pacto 2.0: per-assertion negative-observation streaks (the stabilization window).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observation_windows: Vec<ObservationWindow>,
    /// One condition per check, keyed by type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    pub conditions: Vec<Condition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_revision: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    pub last_reconciled_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
}

/// A declared capability (Go's `CapabilityInfo`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct CapabilityInfo {
    /// `health`, `metrics` or `extension`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The extension's namespaced reference.
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// A typed conclusion of the evaluation (Go's `FindingStatus`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FindingStatus {
    /// Stable identifier, e.g. `INTERFACE_ABSENT`, `EVIDENCE_MISSING`.
    pub code: String,
    pub severity: FindingSeverity,
    /// `RuntimeDrift` (a contradiction) or `Inconclusive` (could not tell).
    pub category: String,
    /// What the finding is about, `<kind>/<name>`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub subject: String,
    /// Path of the contract field, e.g. `interfaces[name=api]`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub contract_path: String,
    pub message: String,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FindingSeverity {
    #[default]
    Error,
    Warning,
    Info,
    Unknown,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct EvaluationCoverage {
    /// Required assertions with a conclusive (Observed) observation.
    pub evaluated: i32,
    /// Required assertions the contract declares.
    pub required: i32,
}

/// The first sustained negative observation of one assertion.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObservationWindow {
    /// `interface`, `dependency`, `configuration` or `capability`.
    pub kind: String,
    pub subject: String,
    #[schemars(extend("format" = "date-time"))]
    pub first_observed_negative_at: String,
}

/// The compliance verdict (not runtime health).
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, JsonSchema,
)]
pub enum ContractStatus {
    Compliant,
    Warning,
    NonCompliant,
    Reference,
    /// The contract does not parse or does not validate.
    Invalid,
    /// The operator could not tell (registry or cluster unreachable, or a required assertion
    /// could not be observed).
    Unknown,
    /// Nothing was evaluated (Go's roll-up for a service nothing runs).
    NotEvaluated,
}

impl ContractStatus {
    pub const ALL: [ContractStatus; 7] = [
        ContractStatus::Compliant,
        ContractStatus::Warning,
        ContractStatus::NonCompliant,
        ContractStatus::Reference,
        ContractStatus::Invalid,
        ContractStatus::Unknown,
        ContractStatus::NotEvaluated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContractStatus::Compliant => "Compliant",
            ContractStatus::Warning => "Warning",
            ContractStatus::NonCompliant => "NonCompliant",
            ContractStatus::Reference => "Reference",
            ContractStatus::Invalid => "Invalid",
            ContractStatus::Unknown => "Unknown",
            ContractStatus::NotEvaluated => "NotEvaluated",
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum ResolutionPolicy {
    Latest,
    PinnedTag,
    PinnedDigest,
}

/// Counts of the last reconcile: per check (`total`, `passed`, `failed`: the 1.x checks and
/// the 2.0 conditions) and, as Go's operator 5.x gives them (its `Errors` and `Warnings`
/// printer columns), per severity: of the 2.0 findings, or of the failed 1.x checks.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub total: i32,
    pub passed: i32,
    pub failed: i32,
    /// Error-severity findings (1.x: failed checks of severity error).
    #[serde(default)]
    pub error_count: i32,
    /// Warning-severity findings (1.x: failed checks of severity warning).
    #[serde(default)]
    pub warning_count: i32,
    /// Info-severity findings.
    #[serde(default)]
    pub info_count: i32,
    /// Unknown-severity findings: a required assertion could not be evaluated (1.x: checks
    /// whose status is Unknown).
    #[serde(default)]
    pub unknown_count: i32,
}

impl Summary {
    /// The severity counts of 2.0 `findings` (the check counts are left as they are).
    pub fn count_findings(&mut self, findings: &[FindingStatus]) {
        let n = |s: FindingSeverity| {
            i32::try_from(findings.iter().filter(|f| f.severity == s).count()).unwrap_or(i32::MAX)
        };
        self.error_count = n(FindingSeverity::Error);
        self.warning_count = n(FindingSeverity::Warning);
        self.info_count = n(FindingSeverity::Info);
        self.unknown_count = n(FindingSeverity::Unknown);
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContractInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<OwnerInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_display: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_ref: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("minProperties" = 1))]
pub struct OwnerInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dri: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<ContactInfo>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct ContactInfo {
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct ValidationStatus {
    pub valid: bool,
    #[serde(default)]
    pub errors: Vec<ValidationIssue>,
    #[serde(default)]
    pub warnings: Vec<ValidationIssue>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct ValidationIssue {
    pub code: String,
    pub path: String,
    pub message: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct Resources {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<ResourceState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<ResourceState>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct ResourceState {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub exists: bool,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct PortsStatus {
    #[serde(default)]
    pub expected: Vec<i32>,
    #[serde(default)]
    pub observed: Vec<i32>,
    #[serde(default)]
    pub missing: Vec<i32>,
    #[serde(default)]
    pub unexpected: Vec<i32>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EndpointStatus {
    pub url: String,
    pub reachable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InterfaceStatus {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
    pub has_contract_file: bool,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigurationStatus {
    pub name: String,
    pub has_schema: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    #[serde(default)]
    pub value_keys: Vec<String>,
    #[serde(default)]
    pub secret_keys: Vec<String>,
    #[serde(default)]
    pub overridden_keys: Vec<String>,
    #[serde(default)]
    pub properties: Vec<PropertyStatus>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct PropertyStatus {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct DependencyStatus {
    pub name: String,
    #[serde(rename = "ref")]
    pub reference: String,
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compatibility: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyStatus {
    pub name: String,
    pub has_schema: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "ref")]
    pub reference: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistence_scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistence_durability: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_criticality: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade_strategy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graceful_shutdown_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_interface: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_interface: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_initial_delay_seconds: Option<i64>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObservedRuntime {
    pub workload_kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_strategy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_management_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_grace_period_seconds: Option<i64>,
    #[serde(default)]
    pub container_images: Vec<String>,
    #[serde(rename = "hasPVC")]
    pub has_pvc: bool,
    pub has_empty_dir: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_probe_initial_delay_seconds: Option<i32>,
    /// Desired replicas (Deployment, StatefulSet, ReplicaSet); not in the Go operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct ScalingStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
}

/// `status.readiness`: the readiness gate of the contract (pactoVersion "1.2").
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReadinessStatus {
    /// Earned share of the weight of the checks that are not deferred, 0 to 100.
    pub score: i32,
    pub min_score: i32,
    /// Not expired and `score >= minScore`.
    pub passing: bool,
    pub total_weight: i32,
    pub earned_weight: i32,
    /// Share of its weight a `partial` check earns.
    pub partial_credit: f64,
    /// The assessment's last valid day (YYYY-MM-DD).
    pub expires: String,
    pub expired: bool,
    /// Whole days left; absent once expired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_remaining: Option<i32>,
    pub done_count: i32,
    pub partial_count: i32,
    pub not_done_count: i32,
    pub deferred_count: i32,
    #[serde(default)]
    pub revisions: Vec<ReadinessRevisionStatus>,
    #[serde(default)]
    pub checks: Vec<ReadinessCheckStatus>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct ReadinessRevisionStatus {
    pub date: String,
    pub version: String,
    pub author: String,
    pub description: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReadinessCheckStatus {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub category: String,
    /// `done`, `partial`, `not-done` or `deferred`.
    pub status: String,
    pub evidence: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub weight: i32,
    pub earned_weight: i32,
    /// Deferred: left out of the score.
    pub excluded: bool,
}

impl ReadinessStatus {
    /// The CRD form of a core evaluation (numbers saturate at the `int32` range).
    pub fn from_evaluation(ev: &pacto_core::readiness::Evaluation) -> ReadinessStatus {
        let i = |v: i64| i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX });
        let u = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        ReadinessStatus {
            score: i(ev.score),
            min_score: i(ev.min_score),
            passing: ev.passing,
            total_weight: i(ev.total_weight),
            earned_weight: i(ev.earned_weight),
            partial_credit: ev.partial_credit,
            expires: ev.expires.clone(),
            expired: ev.expired,
            days_remaining: ev.days_remaining.map(i),
            done_count: u(ev.done_count),
            partial_count: u(ev.partial_count),
            not_done_count: u(ev.not_done_count),
            deferred_count: u(ev.deferred_count),
            revisions: ev
                .revisions
                .iter()
                .map(|r| ReadinessRevisionStatus {
                    date: r.date.clone(),
                    version: r.version.clone(),
                    author: r.author.clone(),
                    description: r.description.clone(),
                })
                .collect(),
            checks: ev
                .checks
                .iter()
                .map(|c| ReadinessCheckStatus {
                    id: c.id.clone(),
                    kind: c.kind.clone(),
                    category: c.category.clone(),
                    status: c.status.clone(),
                    evidence: c.evidence.clone(),
                    description: c.description.clone(),
                    weight: i(c.weight),
                    earned_weight: i(c.earned_weight),
                    excluded: c.excluded,
                })
                .collect(),
        }
    }
}

/// A `metav1.Condition` plus the check's severity (the dashboard reads it when present).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    pub reason: String,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    pub last_transition_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// `error` or `warning`: how much a failure of this check matters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
}

/// An immutable snapshot of one published contract version, owned by its Pacto.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "pacto.trianalab.io",
    version = "v1alpha1",
    kind = "PactoRevision",
    plural = "pactorevisions",
    namespaced,
    status = "PactoRevisionStatus",
    doc = "One resolved version of a Pacto's contract",
    printcolumn(name = "Version", type_ = "string", json_path = ".spec.version"),
    printcolumn(name = "Pacto", type_ = "string", json_path = ".spec.pactoRef"),
    printcolumn(name = "Resolved", type_ = "boolean", json_path = ".status.resolved"),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct PactoRevisionSpec {
    /// `service.version` of the contract, `unknown` when empty.
    #[schemars(length(min = 1))]
    pub version: String,
    pub source: RevisionSource,
    /// Name of the parent Pacto.
    #[schemars(length(min = 1))]
    pub pacto_ref: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
pub struct RevisionSource {
    /// The fully resolved OCI reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oci: Option<String>,
    /// The manifest digest (`sha256:…`), to detect force-pushed tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inline: bool,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PactoRevisionStatus {
    #[serde(default)]
    pub resolved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date-time"))]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    pub conditions: Vec<Condition>,
}

/// The CRD documents as YAML, by file name (`pactos.yaml`, `pactorevisions.yaml`).
pub fn crd_files() -> Result<Vec<(&'static str, String)>, serde_norway::Error> {
    use kube::CustomResourceExt;
    let header = "# Generated by `pacto-operator crds` from operator/src/crd.rs. Do not edit.\n";
    Ok(vec![
        (
            "pacto.trianalab.io_pactos.yaml",
            format!("{header}{}", serde_norway::to_string(&Pacto::crd())?),
        ),
        (
            "pacto.trianalab.io_pactorevisions.yaml",
            format!(
                "{header}{}",
                serde_norway::to_string(&PactoRevision::crd())?
            ),
        ),
    ])
}
