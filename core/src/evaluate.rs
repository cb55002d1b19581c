//! Runtime evaluation of a Pacto 2.0 contract as Go Pacto 3.x does it
//! (`pkg/validation/evaluate.go`, `pkg/evidence`, `pkg/finding`, `DeriveStatus`): the
//! contract's assertions x a set of observations -> typed findings and an evaluation
//! coverage. Pure and stateless: the caller (the operator) stamps each observation's
//! outcome, including "a negative still inside the stabilization window" as `Insufficient`.
//!
//! The rule, per declared assertion: no usable observation (absent, or not `Observed`) is an
//! `unknown` finding when the assertion is required (never a pass); an `Observed` payload
//! that contradicts the contract is an `error` (a `warning` when the assertion is optional);
//! coverage counts required assertions and those of them that were `Observed`.

use crate::syntax::Tree;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What an observation is about (Go's `evidence.ObservationKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ObservationKind {
    CapabilityObserved,
    ConfigurationPresent,
    DependencyReachable,
    InterfaceObserved,
    PersistenceObserved,
    WorkloadObserved,
}

/// The collection verdict (Go's `evidence.Outcome`). Only `Observed` carries a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Observed,
    /// The collector cannot observe this dimension here.
    Unsupported,
    /// Collection was attempted and errored.
    Failed,
    /// The last known data is too old to trust.
    Stale,
    /// Partial or ambiguous, including a negative still inside the stabilization window.
    Insufficient,
}

/// The observed facts (set only with `Outcome::Observed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Payload {
    Capability {
        present: bool,
    },
    Configuration {
        present: bool,
        conformant: bool,
    },
    Dependency {
        reachable: bool,
    },
    Interface {
        present: bool,
    },
    Persistence {
        durable: bool,
    },
    /// The observed workload type (`service`, `job`, `scheduled`).
    Workload {
        workload: String,
    },
}

/// One observation: `(kind, subject)` names the assertion; `subject` is the interface,
/// configuration or dependency name, the capability key (`health`, `metrics`) or, for
/// workload and persistence, the service name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    pub kind: ObservationKind,
    pub subject: String,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Payload>,
}

impl Observation {
    pub fn observed(kind: ObservationKind, subject: &str, payload: Payload) -> Observation {
        Observation {
            kind,
            subject: subject.to_string(),
            outcome: Outcome::Observed,
            payload: Some(payload),
        }
    }

    pub fn not_observed(kind: ObservationKind, subject: &str, outcome: Outcome) -> Observation {
        Observation {
            kind,
            subject: subject.to_string(),
            outcome,
            payload: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
    Unknown,
}

/// A typed conclusion (Go's `finding.Finding` without evidence references).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub code: &'static str,
    pub severity: Severity,
    /// `RuntimeDrift` for a contradiction, `Inconclusive` for what could not be told.
    pub category: &'static str,
    /// `interface`, `capability`, `dependency`, `configuration` or `service`.
    pub subject_kind: &'static str,
    pub subject: String,
    pub contract_path: String,
    pub message: String,
}

/// How many required assertions were evaluated; explanatory, it never changes the status
/// beyond "not all evaluated is Unknown".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub required: u32,
    pub evaluated: u32,
}

/// The runtime assertions of a 2.0 contract.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assertions {
    pub service: String,
    /// Interface names: availability is always required.
    pub interfaces: Vec<String>,
    /// Capability keys: `health`/`metrics`, or the `ref` of an `extension` (no evaluator).
    pub capabilities: Vec<(String, bool)>,
    /// Dependency names with `required`.
    pub dependencies: Vec<(String, bool)>,
    /// Configuration names with `required`.
    pub configurations: Vec<(String, bool)>,
    /// Declared `workload`.
    pub workload: Option<String>,
    /// `state.persistence.durability: persistent`.
    pub persistent: bool,
}

impl Assertions {
    /// The assertions of a 2.x document (empty for 1.x or a non-mapping root).
    pub fn of_tree(tree: &Tree) -> Assertions {
        if !crate::doc::v2::is_v2(tree) {
            return Assertions::default();
        }
        let root = tree.root().to_json();
        let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let list = |k: &str| match root.get(k) {
            Some(Value::Array(items)) => items.iter().filter(|i| i.is_object()).collect(),
            _ => Vec::new(),
        };
        let named_required = |k: &str| -> Vec<(String, bool)> {
            list(k)
                .into_iter()
                .map(|i| {
                    let required = i.get("required").and_then(Value::as_bool).unwrap_or(false);
                    (s(i, "name"), required)
                })
                .filter(|(n, _)| !n.is_empty())
                .collect()
        };
        Assertions {
            service: root
                .get("service")
                .map(|v| s(v, "name"))
                .unwrap_or_default(),
            interfaces: list("interfaces")
                .into_iter()
                .map(|i| s(i, "name"))
                .filter(|n| !n.is_empty())
                .collect(),
            capabilities: list("capabilities")
                .into_iter()
                .filter_map(|c| match s(c, "type").as_str() {
                    "" => None,
                    "extension" => Some((s(c, "ref"), true)),
                    t => Some((t.to_string(), false)),
                })
                .collect(),
            dependencies: named_required("dependencies"),
            configurations: named_required("configurations"),
            workload: Some(s(&root, "workload")).filter(|w| !w.is_empty()),
            persistent: root
                .get("state")
                .and_then(|st| st.get("persistence"))
                .is_some_and(|p| s(p, "durability") == "persistent"),
        }
    }
}

/// `evaluate(contract, evidence) -> (findings, coverage)`, in Go's order: interfaces,
/// capabilities, dependencies, configurations, workload, persistence.
pub fn evaluate(a: &Assertions, evidence: &[Observation]) -> (Vec<Finding>, Coverage) {
    let mut out = Eval {
        evidence,
        findings: Vec::new(),
        cov: Coverage::default(),
    };
    for name in &a.interfaces {
        out.assert(
            ObservationKind::InterfaceObserved,
            "interface",
            name,
            format!("interfaces[name={name}]"),
            true,
            |p| match p {
                Payload::Interface { present: false } => Some((
                    "INTERFACE_ABSENT",
                    format!("interface {name:?} is not available (zero ready endpoints beyond the stabilization window)"),
                )),
                _ => None,
            },
        );
    }
    for (key, extension) in &a.capabilities {
        if *extension {
            out.cov.required += 1;
            out.findings.push(unknown(
                "EXTENSION_EVALUATOR_UNAVAILABLE",
                "capability",
                key,
                format!("capabilities[ref={key}]"),
                format!("extension capability {key:?} has no registered evaluator"),
            ));
            continue;
        }
        out.assert(
            ObservationKind::CapabilityObserved,
            "capability",
            key,
            format!("capabilities[type={key}]"),
            true,
            |p| match p {
                Payload::Capability { present: false } => Some((
                    "CAPABILITY_ABSENT",
                    format!("capability {key:?} is absent at runtime"),
                )),
                _ => None,
            },
        );
    }
    for (name, required) in &a.dependencies {
        out.assert(
            ObservationKind::DependencyReachable,
            "dependency",
            name,
            format!("dependencies[name={name}]"),
            *required,
            |p| match p {
                Payload::Dependency { reachable: false } => Some((
                    "DEPENDENCY_UNREACHABLE",
                    format!("dependency {name:?} is unreachable"),
                )),
                _ => None,
            },
        );
    }
    for (name, required) in &a.configurations {
        out.assert(
            ObservationKind::ConfigurationPresent,
            "configuration",
            name,
            format!("configurations[name={name}]"),
            *required,
            |p| match p {
                Payload::Configuration { present: false, .. } => Some((
                    "CONFIGURATION_ABSENT",
                    format!("required configuration {name:?} is absent at runtime"),
                )),
                Payload::Configuration {
                    conformant: false, ..
                } => Some((
                    "CONFIGURATION_MISMATCH",
                    format!(
                        "configuration {name:?} exists but does not conform to the declared schema"
                    ),
                )),
                _ => None,
            },
        );
    }
    if let Some(declared) = &a.workload {
        out.assert(
            ObservationKind::WorkloadObserved,
            "service",
            &a.service,
            "workload".to_string(),
            true,
            |p| match p {
                Payload::Workload { workload } if workload != declared => Some((
                    "WORKLOAD_MISMATCH",
                    format!("workload type is {declared:?} but observed as {workload:?}"),
                )),
                _ => None,
            },
        );
    }
    if a.persistent {
        out.assert(
            ObservationKind::PersistenceObserved,
            "service",
            &a.service,
            "state.persistence.durability".to_string(),
            true,
            |p| match p {
                Payload::Persistence { durable: false } => Some((
                    "PERSISTENCE_MISMATCH",
                    "contract declares persistent durability but no persistent storage binding was observed"
                        .to_string(),
                )),
                _ => None,
            },
        );
    }
    (out.findings, out.cov)
}

/// The compliance verdict of a finding set (Go's `DeriveStatus`; `Invalid` is decided before
/// evaluating): an error is NonCompliant, then uncertainty (an unknown finding, or coverage
/// short of required) is Unknown, then a warning is Warning, else Compliant.
pub fn derive_status(findings: &[Finding], cov: Coverage) -> &'static str {
    if findings.iter().any(|f| f.severity == Severity::Error) {
        "NonCompliant"
    } else if cov.evaluated < cov.required
        || findings.iter().any(|f| f.severity == Severity::Unknown)
    {
        "Unknown"
    } else if findings.iter().any(|f| f.severity == Severity::Warning) {
        "Warning"
    } else {
        "Compliant"
    }
}

struct Eval<'e> {
    evidence: &'e [Observation],
    findings: Vec<Finding>,
    cov: Coverage,
}

impl Eval<'_> {
    fn assert(
        &mut self,
        kind: ObservationKind,
        subject_kind: &'static str,
        name: &str,
        contract_path: String,
        required: bool,
        contradicted: impl Fn(&Payload) -> Option<(&'static str, String)>,
    ) {
        let obs = self
            .evidence
            .iter()
            .find(|o| o.kind == kind && o.subject == name);
        let payload = obs
            .filter(|o| o.outcome == Outcome::Observed)
            .and_then(|o| o.payload.as_ref());
        let Some(payload) = payload else {
            if required {
                self.cov.required += 1;
                let code = match obs.map(|o| o.outcome) {
                    None => "EVIDENCE_MISSING",
                    Some(Outcome::Unsupported) => "OBSERVATION_UNSUPPORTED",
                    Some(Outcome::Failed) => "COLLECTION_FAILED",
                    Some(Outcome::Stale) => "EVIDENCE_STALE",
                    // Insufficient, or Observed without its payload.
                    Some(_) => "EVIDENCE_INSUFFICIENT",
                };
                let message = match code {
                    "EVIDENCE_MISSING" => {
                        format!("no observation was produced for required {subject_kind} {name:?}")
                    }
                    "OBSERVATION_UNSUPPORTED" => {
                        format!("{subject_kind} {name:?} cannot be observed in this environment")
                    }
                    "COLLECTION_FAILED" => format!("collection failed for {subject_kind} {name:?}"),
                    "EVIDENCE_STALE" => format!("evidence for {subject_kind} {name:?} is stale"),
                    _ => format!(
                        "evidence for {subject_kind} {name:?} is insufficient to satisfy or contradict the contract"
                    ),
                };
                self.findings
                    .push(unknown(code, subject_kind, name, contract_path, message));
            }
            return;
        };
        if required {
            self.cov.required += 1;
            self.cov.evaluated += 1;
        }
        if let Some((code, message)) = contradicted(payload) {
            self.findings.push(Finding {
                code,
                severity: if required {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                category: "RuntimeDrift",
                subject_kind,
                subject: name.to_string(),
                contract_path,
                message,
            });
        }
    }
}

fn unknown(
    code: &'static str,
    subject_kind: &'static str,
    name: &str,
    contract_path: String,
    message: String,
) -> Finding {
    Finding {
        code,
        severity: Severity::Unknown,
        category: "Inconclusive",
        subject_kind,
        subject: name.to_string(),
        contract_path,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ObservationKind::*;

    fn contract() -> Assertions {
        Assertions {
            service: "payments-api".into(),
            interfaces: vec!["rest-api".into()],
            capabilities: vec![("health".into(), false)],
            dependencies: vec![("auth".into(), true), ("notifications".into(), false)],
            configurations: vec![("default".into(), true)],
            workload: Some("service".into()),
            persistent: true,
        }
    }

    fn all_observed() -> Vec<Observation> {
        vec![
            Observation::observed(
                InterfaceObserved,
                "rest-api",
                Payload::Interface { present: true },
            ),
            Observation::observed(
                CapabilityObserved,
                "health",
                Payload::Capability { present: true },
            ),
            Observation::observed(
                DependencyReachable,
                "auth",
                Payload::Dependency { reachable: true },
            ),
            Observation::observed(
                DependencyReachable,
                "notifications",
                Payload::Dependency { reachable: true },
            ),
            Observation::observed(
                ConfigurationPresent,
                "default",
                Payload::Configuration {
                    present: true,
                    conformant: true,
                },
            ),
            Observation::observed(
                WorkloadObserved,
                "payments-api",
                Payload::Workload {
                    workload: "service".into(),
                },
            ),
            Observation::observed(
                PersistenceObserved,
                "payments-api",
                Payload::Persistence { durable: true },
            ),
        ]
    }

    fn codes(f: &[Finding]) -> Vec<(&str, Severity)> {
        f.iter().map(|f| (f.code, f.severity)).collect()
    }

    fn replace(ev: &mut [Observation], kind: ObservationKind, subject: &str, new: Observation) {
        if let Some(o) = ev
            .iter_mut()
            .find(|o| o.kind == kind && o.subject == subject)
        {
            *o = new;
        }
    }

    /// Go evaluate_test.go "all observed and conformant": no findings, full coverage, Compliant.
    #[test]
    fn all_observed_and_conformant_is_compliant_with_full_coverage() {
        let (f, cov) = evaluate(&contract(), &all_observed());
        assert!(f.is_empty(), "{f:?}");
        assert_eq!(
            cov,
            Coverage {
                required: 6,
                evaluated: 6
            }
        );
        assert_eq!(derive_status(&f, cov), "Compliant");
    }

    /// Go: "a required assertion with no usable observation yields a SeverityUnknown finding"
    /// (EVIDENCE_MISSING) and coverage short by one: Unknown, never a pass.
    #[test]
    fn missing_evidence_is_unknown_never_a_pass() {
        let ev: Vec<_> = all_observed()
            .into_iter()
            .filter(|o| o.kind != CapabilityObserved)
            .collect();
        let (f, cov) = evaluate(&contract(), &ev);
        assert_eq!(codes(&f), [("EVIDENCE_MISSING", Severity::Unknown)]);
        assert_eq!(f[0].category, "Inconclusive");
        assert_eq!(f[0].contract_path, "capabilities[type=health]");
        assert_eq!(
            cov,
            Coverage {
                required: 6,
                evaluated: 5
            }
        );
        assert_eq!(derive_status(&f, cov), "Unknown");
    }

    /// Go's unknownCode: each non-Observed outcome maps to its own family-2 code.
    #[test]
    fn each_outcome_has_its_unknown_code() {
        for (outcome, code) in [
            (Outcome::Unsupported, "OBSERVATION_UNSUPPORTED"),
            (Outcome::Failed, "COLLECTION_FAILED"),
            (Outcome::Stale, "EVIDENCE_STALE"),
            (Outcome::Insufficient, "EVIDENCE_INSUFFICIENT"),
        ] {
            let mut ev = all_observed();
            replace(
                &mut ev,
                InterfaceObserved,
                "rest-api",
                Observation::not_observed(InterfaceObserved, "rest-api", outcome),
            );
            let (f, _) = evaluate(&contract(), &ev);
            assert_eq!(codes(&f), [(code, Severity::Unknown)], "{outcome:?}");
        }
    }

    /// Go: a contradiction of a required assertion is an error (RuntimeDrift) and NonCompliant,
    /// which outranks an unknown elsewhere.
    #[test]
    fn contradictions_are_errors_with_go_codes() {
        let cases = [
            (
                InterfaceObserved,
                "rest-api",
                Payload::Interface { present: false },
                "INTERFACE_ABSENT",
            ),
            (
                CapabilityObserved,
                "health",
                Payload::Capability { present: false },
                "CAPABILITY_ABSENT",
            ),
            (
                DependencyReachable,
                "auth",
                Payload::Dependency { reachable: false },
                "DEPENDENCY_UNREACHABLE",
            ),
            (
                ConfigurationPresent,
                "default",
                Payload::Configuration {
                    present: false,
                    conformant: false,
                },
                "CONFIGURATION_ABSENT",
            ),
            (
                ConfigurationPresent,
                "default",
                Payload::Configuration {
                    present: true,
                    conformant: false,
                },
                "CONFIGURATION_MISMATCH",
            ),
            (
                WorkloadObserved,
                "payments-api",
                Payload::Workload {
                    workload: "job".into(),
                },
                "WORKLOAD_MISMATCH",
            ),
            (
                PersistenceObserved,
                "payments-api",
                Payload::Persistence { durable: false },
                "PERSISTENCE_MISMATCH",
            ),
        ];
        for (kind, subject, payload, code) in cases {
            let mut ev = all_observed();
            replace(
                &mut ev,
                kind,
                subject,
                Observation::observed(kind, subject, payload),
            );
            // and something else unobservable: NonCompliant still wins
            ev.retain(|o| !(o.kind == DependencyReachable && o.subject == "notifications"));
            let (f, cov) = evaluate(&contract(), &ev);
            assert_eq!(codes(&f), [(code, Severity::Error)], "{code}");
            assert_eq!(f[0].category, "RuntimeDrift");
            assert_eq!(cov.evaluated, cov.required);
            assert_eq!(derive_status(&f, cov), "NonCompliant");
        }
    }

    /// Go: an optional dependency contradicted is a warning, and its absence is not charged to
    /// coverage; Warning ranks below Unknown.
    #[test]
    fn optional_assertions_warn_and_are_not_required() {
        let mut ev = all_observed();
        replace(
            &mut ev,
            DependencyReachable,
            "notifications",
            Observation::observed(
                DependencyReachable,
                "notifications",
                Payload::Dependency { reachable: false },
            ),
        );
        let (f, cov) = evaluate(&contract(), &ev);
        assert_eq!(codes(&f), [("DEPENDENCY_UNREACHABLE", Severity::Warning)]);
        assert_eq!(cov.required, 6);
        assert_eq!(derive_status(&f, cov), "Warning");
        ev.retain(|o| o.kind != InterfaceObserved);
        let (f, cov) = evaluate(&contract(), &ev);
        assert_eq!(derive_status(&f, cov), "Unknown");
    }

    /// Go: an extension capability has no evaluator: EXTENSION_EVALUATOR_UNAVAILABLE, required.
    #[test]
    fn extension_capability_has_no_evaluator() {
        let mut a = contract();
        a.capabilities.push(("example.com/tracing".into(), true));
        let (f, cov) = evaluate(&a, &all_observed());
        assert_eq!(
            codes(&f),
            [("EXTENSION_EVALUATOR_UNAVAILABLE", Severity::Unknown)]
        );
        assert_eq!(f[0].contract_path, "capabilities[ref=example.com/tracing]");
        assert_eq!(
            cov,
            Coverage {
                required: 7,
                evaluated: 6
            }
        );
    }

    #[test]
    fn assertions_read_a_2_0_contract_and_nothing_of_1_x() {
        let src = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/v2/valid/payments-api/pacto.yaml"
        ))
        .unwrap_or_default();
        let limits = crate::syntax::Limits::default();
        let tree = crate::syntax::parse(&src, &limits).tree.expect("a tree");
        let a = Assertions::of_tree(&tree);
        assert_eq!(a.service, "payments-api");
        assert_eq!(a.interfaces, ["rest-api", "grpc-api", "order-events"]);
        assert_eq!(
            a.capabilities,
            [
                ("health".to_string(), false),
                ("metrics".to_string(), false),
                ("example.com/tracing".to_string(), true)
            ]
        );
        assert_eq!(
            a.dependencies,
            [
                ("auth".to_string(), true),
                ("notifications".to_string(), false)
            ]
        );
        assert_eq!(
            a.configurations,
            [
                ("default".to_string(), true),
                ("platform".to_string(), false)
            ]
        );
        assert_eq!(a.workload.as_deref(), Some("service"));
        assert!(a.persistent);
        let v1 = crate::syntax::parse("pactoVersion: \"1.0\"\nservice: {name: x}\n", &limits)
            .tree
            .expect("a tree");
        assert_eq!(Assertions::of_tree(&v1), Assertions::default());
    }
}
