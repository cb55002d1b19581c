//! Live targets from Kubernetes (`--k8s`, Go's `fleetsrc.K8sSource`): each `Pacto` resource the
//! operator reconciled is one concrete deployed instance, so it becomes a target (never a
//! revision) carrying the status the operator already computed — compliance, findings,
//! coverage, the resolved contract reference and when it was last reconciled. Nothing is
//! re-evaluated here. Reading the cluster is the face's job (it owns the network client); this
//! module only maps the list the API answered.

use super::{status_rank, target_key, Coverage, TargetFinding, TargetRecord};
use serde_json::Value;
use std::collections::BTreeMap;

/// The source kind of a Kubernetes source (`sources[].kind`).
pub const KIND: &str = "kubernetes";
/// Most `Pacto` objects one list may contribute.
pub const MAX_OBJECTS: usize = 10_000;
/// Most findings kept per target.
const MAX_FINDINGS: usize = 200;

/// What one `Pacto` list contributes.
#[derive(Debug, Clone, Default)]
pub struct K8sTargets {
    pub targets: Vec<TargetRecord>,
    /// One message per object that could not be used (reported as `SOURCE_RECORD_INVALID`).
    pub invalid: Vec<String>,
}

/// Map a `Pacto` list (`{"items": [...]}`, as the API answers it) to targets, Go's
/// `targetFrom`: the service is `status.contract.serviceName` (else the object's name), the
/// scope its namespace, the kind `kubernetes`; the digest comes from the resolved reference's
/// `@sha256:…`, so the target links to the exact revision with that digest; `evidenceAt` and
/// `reconciledAt` are both `status.lastReconciledAt` (the operator observes and evaluates in
/// one pass). A missing or non-canonical `contractStatus` is `Unknown`.
pub fn targets_from_list(list: &Value) -> Result<K8sTargets, String> {
    let items = match list.get("items") {
        Some(Value::Array(a)) => a.as_slice(),
        Some(Value::Null) | None => &[],
        Some(_) => return Err("the list's items is not an array".into()),
    };
    if items.len() > MAX_OBJECTS {
        return Err(format!(
            "{} Pacto resources, more than the {MAX_OBJECTS} one source may contribute",
            items.len()
        ));
    }
    let mut out = K8sTargets::default();
    let mut seen = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        let name = text(item, &["metadata", "name"]);
        if name.is_empty() {
            out.invalid.push(format!(
                "items[{i}]: a Pacto resource without metadata.name"
            ));
            continue;
        }
        let namespace = text(item, &["metadata", "namespace"]);
        let key = target_key(&namespace, KIND, &name);
        if seen.insert(key.clone(), i).is_some() {
            out.invalid
                .push(format!("items[{i}]: target {key} is listed twice"));
            continue;
        }
        let status = item.get("status").unwrap_or(&Value::Null);
        let mut service = text(status, &["contract", "serviceName"]);
        if service.is_empty() {
            service = name.clone();
        }
        let resolved_ref = text(status, &["contract", "resolvedRef"]);
        let digest = resolved_ref
            .split_once('@')
            .map(|(_, d)| d.to_string())
            .unwrap_or_default();
        let compliance = text(status, &["contractStatus"]);
        let compliance = if status_rank(&compliance).is_some() {
            compliance
        } else {
            "Unknown".to_string()
        };
        let reconciled = text(status, &["lastReconciledAt"]);
        let reconciled = if super::time::parse_rfc3339(&reconciled).is_some() {
            reconciled
        } else {
            String::new()
        };
        let coverage = status.get("evaluationCoverage").and_then(|c| {
            Some(Coverage {
                evaluated: c.get("evaluated")?.as_u64()?,
                required: c.get("required")?.as_u64()?,
            })
        });
        let findings = status
            .get("findings")
            .and_then(Value::as_array)
            .map(|fs| {
                fs.iter()
                    .filter(|f| !text(f, &["code"]).is_empty())
                    .take(MAX_FINDINGS)
                    .map(|f| TargetFinding {
                        code: text(f, &["code"]),
                        severity: text(f, &["severity"]).to_lowercase(),
                        category: text(f, &["category"]),
                        subject_kind: String::new(),
                        subject_name: text(f, &["subject"]),
                        message: text(f, &["message"]),
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.targets.push(TargetRecord {
            key,
            scope: namespace,
            kind: KIND.into(),
            name,
            labels: BTreeMap::new(),
            service: service.clone(),
            service_key: service,
            contract_revision: String::new(),
            revision_match: String::new(),
            requested_ref: String::new(),
            resolved_ref,
            digest,
            compliance,
            findings,
            coverage,
            evidence_at: reconciled.clone(),
            reconciled_at: reconciled,
            source: String::new(),
            stale: false,
        });
    }
    Ok(out)
}

/// A string at `path` of a Kubernetes object (numbers and booleans as text; anything else
/// empty), as the faces that read Pacto resources (this module, the dashboard) take fields.
pub fn text(v: &Value, path: &[&str]) -> String {
    let mut cur = v;
    for p in path {
        match cur.get(p) {
            Some(n) => cur = n,
            None => return String::new(),
        }
    }
    match cur {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_pacto_resource_is_a_target_with_the_operators_status() {
        let list = json!({"items": [{
            "metadata": {"name": "payments-prod", "namespace": "shop"},
            "status": {
                "contractStatus": "NonCompliant",
                "contract": {"serviceName": "payments",
                    "resolvedRef": "oci://reg/payments:2.0.0@sha256:abc"},
                "evaluationCoverage": {"evaluated": 3, "required": 4},
                "findings": [{"code": "INTERFACE_ABSENT", "severity": "Error",
                    "category": "RuntimeDrift", "subject": "interface/api", "message": "no port"}],
                "lastReconciledAt": "2026-11-30T10:00:00Z"
            }
        }]});
        let t = &targets_from_list(&list).unwrap().targets[0];
        assert_eq!(t.key, "shop/kubernetes/payments-prod");
        assert_eq!(t.service, "payments");
        assert_eq!(t.digest, "sha256:abc");
        assert_eq!(t.compliance, "NonCompliant");
        assert_eq!(
            t.coverage,
            Some(Coverage {
                evaluated: 3,
                required: 4
            })
        );
        assert_eq!(t.findings[0].severity, "error");
        assert_eq!(t.findings[0].subject_name, "interface/api");
        assert_eq!(t.evidence_at, "2026-11-30T10:00:00Z");
        assert_eq!(t.reconciled_at, t.evidence_at);
    }

    #[test]
    fn an_unreconciled_resource_is_an_unknown_target_of_its_own_name() {
        let list = json!({"items": [
            {"metadata": {"name": "menu", "namespace": "a"}},
            {"metadata": {"name": "menu", "namespace": "a"}},
            {"metadata": {"namespace": "a"}},
            {"metadata": {"name": "x"}, "status": {"contractStatus": "Bogus", "lastReconciledAt": "yesterday"}}
        ]});
        let r = targets_from_list(&list).unwrap();
        assert_eq!(r.targets.len(), 2);
        assert_eq!(r.targets[0].service, "menu");
        assert_eq!(r.targets[0].compliance, "Unknown");
        assert_eq!(r.targets[1].key, "/kubernetes/x");
        assert_eq!(r.targets[1].compliance, "Unknown");
        assert_eq!(r.targets[1].evidence_at, "");
        assert_eq!(r.invalid.len(), 2, "{:?}", r.invalid);
        assert!(targets_from_list(&json!({"items": 3})).is_err());
        assert!(targets_from_list(&json!({})).unwrap().targets.is_empty());
    }
}
