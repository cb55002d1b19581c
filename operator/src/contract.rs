//! From contract text to the contract-derived status fields: overrides, core validation, and
//! the copies of the contract the dashboard reads (`contract`, `interfaces`, `configurations`,
//! `dependencies`, `policies`, `runtime`, `scaling`, `metadata`).

use crate::crd::{
    CapabilityInfo, ConfigurationOverride, ConfigurationStatus, ContactInfo, ContractInfo,
    DependencyStatus, InterfaceStatus, OwnerInfo, PactoStatus, PolicyStatus, PropertyStatus,
    RuntimeStatus, ScalingStatus, ValidationIssue, ValidationStatus,
};
use pacto_core::bundle::Bundle;
use pacto_core::model::{Contract, Owner, Spanned};
use pacto_core::syntax::{parse, Limits, Tree};
use pacto_core::validate::{self, NoResolver, Options};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// A contract that parsed and validated, with its overrides applied.
pub struct Prepared {
    /// The text as fetched (its hash names the revision).
    pub raw: String,
    pub tree: Tree,
    pub contract: Contract,
    pub validation: ValidationStatus,
    /// Configuration name → keys set by `spec.overrides`, sorted.
    pub overridden: BTreeMap<String, Vec<String>>,
}

/// Why a contract cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    pub validation: ValidationStatus,
    pub message: String,
}

/// Hex SHA-256 of the raw contract text (`PactoRevision.status.contractHash`).
pub fn contract_hash(raw: &str) -> String {
    let d = Sha256::digest(raw.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn s(v: &Option<Spanned<String>>) -> Option<String> {
    v.as_ref()
        .map(|v| v.value.clone())
        .filter(|v| !v.is_empty())
}

fn issues(v: &ValidationStatus) -> String {
    v.errors
        .iter()
        .map(|e| {
            if e.path.is_empty() {
                e.message.clone()
            } else {
                format!("{}: {}", e.path, e.message)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Merge `overrides` into the document's configurations (by name). An unknown name rejects the
/// whole set. Returns the merged document and the overridden keys per configuration.
fn apply_overrides(
    doc: &mut Value,
    overrides: &[ConfigurationOverride],
) -> Result<BTreeMap<String, Vec<String>>, String> {
    let mut out = BTreeMap::new();
    for o in overrides {
        let target = doc
            .get_mut("configurations")
            .and_then(Value::as_array_mut)
            .and_then(|list| {
                list.iter_mut()
                    .find(|c| c.get("name").and_then(Value::as_str) == Some(o.name.as_str()))
            });
        let Some(cfg) = target.and_then(Value::as_object_mut) else {
            return Err(format!(
                "configuration {:?} is not declared by the contract",
                o.name
            ));
        };
        let values = cfg
            .entry("values")
            .or_insert_with(|| Value::Object(Default::default()));
        if !values.is_object() {
            *values = Value::Object(Default::default());
        }
        if let Some(map) = values.as_object_mut() {
            for (k, v) in &o.values {
                map.insert(k.clone(), Value::String(v.clone()));
            }
        }
        let mut keys: Vec<String> = o.values.keys().cloned().collect();
        keys.sort();
        out.entry(o.name.clone())
            .or_insert_with(Vec::new)
            .extend(keys);
    }
    for keys in out.values_mut() {
        keys.sort();
        keys.dedup();
    }
    Ok(out)
}

/// Parse, apply overrides and validate with the core (offline: the operator never enforces
/// referenced policies). Inline contracts have no bundle, so file checks are skipped.
pub fn prepare(
    raw: &str,
    bundle: Option<&dyn Bundle>,
    overrides: &[ConfigurationOverride],
) -> Result<Prepared, Invalid> {
    let options = Options {
        offline: true,
        limits: Limits::default(),
    };
    let mut text = raw.to_string();
    let mut overridden = BTreeMap::new();
    if !overrides.is_empty() {
        let parsed = parse(raw, &options.limits);
        if let Some(tree) = parsed.tree {
            let mut doc = tree.root().to_json();
            match apply_overrides(&mut doc, overrides) {
                Ok(keys) => overridden = keys,
                Err(message) => {
                    let validation = ValidationStatus {
                        valid: false,
                        errors: vec![ValidationIssue {
                            code: "INVALID_OVERRIDE".to_string(),
                            path: "spec.overrides".to_string(),
                            message: message.clone(),
                        }],
                        warnings: vec![],
                    };
                    return Err(Invalid {
                        message: format!("Contract validation failed: spec.overrides: {message}"),
                        validation,
                    });
                }
            }
            // JSON is YAML: validate the merged document.
            text = serde_json::to_string_pretty(&doc).unwrap_or(text);
        }
    }
    let v = validate::validate(&text, bundle, &NoResolver, &options);
    let mut validation = ValidationStatus {
        valid: v.valid(),
        ..Default::default()
    };
    for d in &v.diagnostics {
        let issue = ValidationIssue {
            code: d.code.to_string(),
            path: d.path.clone(),
            message: d.message.clone(),
        };
        if d.is_error() {
            validation.errors.push(issue);
        } else {
            validation.warnings.push(issue);
        }
    }
    let tree = v.parsed.tree;
    match (validation.valid, tree, v.contract) {
        (true, Some(tree), Some(contract)) => Ok(Prepared {
            raw: raw.to_string(),
            tree,
            contract,
            validation,
            overridden,
        }),
        _ => {
            if validation.errors.is_empty() {
                validation.valid = false;
                validation.errors.push(ValidationIssue {
                    code: "PARSE_ERROR".to_string(),
                    path: String::new(),
                    message: "the contract could not be parsed".to_string(),
                });
            }
            Err(Invalid {
                message: format!("Contract validation failed: {}", issues(&validation)),
                validation,
            })
        }
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "string",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Null => "null",
    }
}

/// Fill the contract-derived status fields.
pub fn fill_status(p: &Prepared, status: &mut PactoStatus) {
    // 2.0: `runtime` from the top-level workload/state and the health/metrics capabilities,
    // interface contract files from their `ref`s (a 1.x contract is unchanged).
    let with = pacto_core::doc::v2::with_runtime(&p.contract, &p.tree);
    let c = &with;
    status.capabilities = pacto_core::doc::v2::capabilities(&p.tree)
        .into_iter()
        .map(|cap| CapabilityInfo {
            kind: cap.kind,
            reference: cap.reference,
        })
        .collect();
    let version = c.service_version().to_string();
    status.contract_version = Some(version.clone()).filter(|v| !v.is_empty());
    let service = c.service.as_ref();
    let owner = service.and_then(|s| s.owner.as_ref());
    status.contract = Some(ContractInfo {
        service_name: Some(c.service_name().to_string()).filter(|v| !v.is_empty()),
        version: status.contract_version.clone(),
        owner: owner.and_then(|o| match o {
            Owner::Text(t) => Some(OwnerInfo {
                team: Some(t.value.clone()),
                ..Default::default()
            }),
            Owner::Structured {
                team,
                dri,
                contacts,
                ..
            } => {
                let info = OwnerInfo {
                    team: s(team),
                    dri: s(dri),
                    contacts: contacts
                        .iter()
                        .map(|ct| ContactInfo {
                            kind: s(&ct.kind).unwrap_or_default(),
                            value: s(&ct.value).unwrap_or_default(),
                            purpose: s(&ct.purpose),
                        })
                        .collect(),
                };
                (info != OwnerInfo::default()).then_some(info)
            }
        }),
        owner_display: owner.and_then(|o| o.display()).map(str::to_string),
        image_ref: service
            .and_then(|s| s.image.as_ref())
            .and_then(|i| s(&i.reference)),
        resolved_ref: None,
    });
    status.interfaces = Some(
        c.interfaces
            .iter()
            .map(|i| InterfaceStatus {
                name: i.name().to_string(),
                kind: i.kind().to_string(),
                port: i.port.as_ref().and_then(|p| i32::try_from(p.value).ok()),
                visibility: s(&i.visibility),
                has_contract_file: s(&i.contract).is_some(),
            })
            .collect(),
    );
    let mut configurations = Vec::new();
    for (_, cfg) in c.all_configurations() {
        let name = s(&cfg.name).unwrap_or_else(|| "default".to_string());
        let values = cfg
            .values
            .as_ref()
            .map(|v| p.tree.node(v.value).to_json())
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default();
        let overridden = p.overridden.get(&name).cloned().unwrap_or_default();
        let mut value_keys: Vec<String> = values.keys().cloned().collect();
        for k in &overridden {
            if !value_keys.contains(k) {
                value_keys.push(k.clone());
            }
        }
        value_keys.sort();
        let mut props: BTreeMap<String, PropertyStatus> = values
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    PropertyStatus {
                        key: k.clone(),
                        value: Some(scalar_text(v)),
                        kind: Some(type_name(v).to_string()),
                    },
                )
            })
            .collect();
        for k in &overridden {
            props.entry(k.clone()).or_insert_with(|| PropertyStatus {
                key: k.clone(),
                value: None,
                kind: Some("string".to_string()),
            });
        }
        let secret_keys = values
            .iter()
            .filter(|(_, v)| v.as_str().is_some_and(|s| s.starts_with("secret://")))
            .map(|(k, _)| k.clone())
            .collect();
        configurations.push(ConfigurationStatus {
            name,
            has_schema: s(&cfg.schema).is_some(),
            reference: s(&cfg.reference),
            value_keys,
            secret_keys,
            overridden_keys: overridden,
            properties: props.into_values().collect(),
        });
    }
    status.configurations = Some(configurations);
    status.dependencies = Some(
        c.dependencies
            .iter()
            .map(|d| DependencyStatus {
                name: s(&d.name).unwrap_or_else(|| d.reference().to_string()),
                reference: d.reference().to_string(),
                required: d.is_required(),
                compatibility: s(&d.compatibility),
            })
            .collect(),
    );
    status.policies = Some(
        c.all_policies()
            .into_iter()
            .map(|(_, pol)| PolicyStatus {
                name: s(&pol.name)
                    .or_else(|| s(&pol.reference))
                    .or_else(|| s(&pol.schema))
                    .unwrap_or_default(),
                has_schema: s(&pol.schema).is_some(),
                schema: s(&pol.schema),
                reference: s(&pol.reference),
            })
            .collect(),
    );
    status.runtime = c.runtime.as_ref().map(|r| {
        let state = r.state.as_ref();
        let lifecycle = r.lifecycle.as_ref();
        RuntimeStatus {
            workload: s(&r.workload),
            state_type: state.and_then(|x| s(&x.kind)),
            persistence_scope: state.and_then(|x| s(&x.scope)),
            persistence_durability: state.and_then(|x| s(&x.durability)),
            data_criticality: state.and_then(|x| s(&x.data_criticality)),
            upgrade_strategy: lifecycle.and_then(|l| s(&l.upgrade_strategy)),
            graceful_shutdown_seconds: lifecycle
                .and_then(|l| l.graceful_shutdown_seconds.as_ref())
                .map(|g| g.value),
            health_interface: r.health.as_ref().and_then(|h| s(&h.interface)),
            health_path: r.health.as_ref().and_then(|h| s(&h.path)),
            metrics_interface: r.metrics.as_ref().and_then(|h| s(&h.interface)),
            metrics_path: r.metrics.as_ref().and_then(|h| s(&h.path)),
            health_initial_delay_seconds: r
                .health
                .as_ref()
                .and_then(|h| h.initial_delay_seconds.as_ref())
                .map(|d| d.value),
        }
    });
    status.scaling = c.scaling.as_ref().map(|sc| ScalingStatus {
        replicas: sc.replicas.as_ref().map(|v| v.value),
        min: sc.min.as_ref().map(|v| v.value),
        max: sc.max.as_ref().map(|v| v.value),
    });
    status.metadata = c.metadata.map(|m| {
        p.tree
            .node(m)
            .to_json()
            .as_object()
            .map(|o| o.iter().map(|(k, v)| (k.clone(), scalar_text(v))).collect())
            .unwrap_or_default()
    });
    status.validation = Some(p.validation.clone());
}
