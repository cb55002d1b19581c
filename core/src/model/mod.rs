//! The typed contract model for `pactoVersion: "1.0"`, built from the span tree.
//!
//! It accepts every shape found in the wild: BASE, the V1-EXT additions (`configuration.ref/values`,
//! singular `policy`, `service.chart`, `runtime.metrics`) and the later shapes (`configurations[]`,
//! `policies[]`, object `owner` with contacts, named dependencies).
//!
//! Building is lenient: a field of the wrong type is simply absent or empty here, because the
//! structural layer ([`crate::validate`]) reports it against the JSON Schema with its exact place.
//! Like Go's decoder, string fields take any scalar's source text (`version: 1.0` reads "1.0").
//! Every field remembers its span.

use crate::syntax::{NodeId, NodeRef, Span, Tree};

/// A value with the byte span of the YAML node it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

impl Spanned<String> {
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

/// Where a section sits: the span of its key and of its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Place {
    pub key: Span,
    pub value: Span,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Contract {
    pub pacto_version: Option<Spanned<String>>,
    pub service: Option<Service>,
    pub interfaces: Vec<Interface>,
    pub configuration: Option<Configuration>,
    /// LATE-V1: named configurations.
    pub configurations: Vec<Configuration>,
    /// V1-EXT: one policy.
    pub policy: Option<Policy>,
    /// LATE-V1: several policies.
    pub policies: Vec<Policy>,
    pub dependencies: Vec<Dependency>,
    pub runtime: Option<Runtime>,
    pub scaling: Option<Scaling>,
    /// Free-form metadata (the YAML node, to read as JSON through the tree).
    pub metadata: Option<NodeId>,
    /// `readiness` (pactoVersion "1.2"): the production-readiness self-assessment. Evaluated by
    /// [`crate::readiness`].
    pub readiness: Option<Readiness>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Service {
    pub place: Place,
    pub name: Option<Spanned<String>>,
    pub version: Option<Spanned<String>>,
    pub owner: Option<Owner>,
    pub image: Option<Image>,
    pub chart: Option<Chart>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Owner {
    /// `owner: team/payments`
    Text(Spanned<String>),
    /// `owner: {team, dri, contacts}` (LATE-V1).
    Structured {
        span: Span,
        team: Option<Spanned<String>>,
        dri: Option<Spanned<String>>,
        contacts: Vec<Contact>,
    },
}

impl Owner {
    /// One line for people: the text, or `team` (falling back to `dri`).
    pub fn display(&self) -> Option<&str> {
        match self {
            Owner::Text(t) => Some(t.as_str()),
            Owner::Structured { team, dri, .. } => {
                team.as_ref().or(dri.as_ref()).map(|s| s.as_str())
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub span: Span,
    pub kind: Option<Spanned<String>>,
    pub value: Option<Spanned<String>>,
    pub purpose: Option<Spanned<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    pub place: Place,
    pub reference: Option<Spanned<String>>,
    pub private: Option<Spanned<bool>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub place: Place,
    pub reference: Option<Spanned<String>>,
    pub version: Option<Spanned<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Interface {
    pub span: Span,
    pub name: Option<Spanned<String>>,
    pub kind: Option<Spanned<String>>,
    pub port: Option<Spanned<i64>>,
    /// Span of the `port` key when present, even if its value is not an integer.
    pub port_key: Option<Span>,
    pub visibility: Option<Spanned<String>>,
    pub contract: Option<Spanned<String>>,
    /// `ref` (pactoVersion "2.0"): the spec file in the bundle.
    pub reference: Option<Spanned<String>>,
}

impl Interface {
    pub fn name(&self) -> &str {
        self.name.as_ref().map_or("", |n| n.as_str())
    }

    pub fn kind(&self) -> &str {
        self.kind.as_ref().map_or("", |n| n.as_str())
    }
}

/// `configuration` (V1-EXT) or one entry of `configurations[]` (LATE-V1, where `name` is set).
#[derive(Debug, Clone, PartialEq)]
pub struct Configuration {
    pub place: Place,
    pub name: Option<Spanned<String>>,
    pub schema: Option<Spanned<String>>,
    pub reference: Option<Spanned<String>>,
    /// The `values` mapping node.
    pub values: Option<Spanned<NodeId>>,
}

/// `policy` (V1-EXT) or one entry of `policies[]` (LATE-V1).
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub place: Place,
    pub name: Option<Spanned<String>>,
    pub schema: Option<Spanned<String>>,
    pub reference: Option<Spanned<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dependency {
    pub span: Span,
    pub name: Option<Spanned<String>>,
    pub reference: Option<Spanned<String>>,
    pub required: Option<Spanned<bool>>,
    pub compatibility: Option<Spanned<String>>,
}

impl Dependency {
    pub fn reference(&self) -> &str {
        self.reference.as_ref().map_or("", |r| r.as_str())
    }

    pub fn is_required(&self) -> bool {
        self.required.as_ref().is_some_and(|r| r.value)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Runtime {
    pub place: Place,
    pub workload: Option<Spanned<String>>,
    pub state: Option<State>,
    pub lifecycle: Option<Lifecycle>,
    pub health: Option<Probe>,
    pub metrics: Option<Probe>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub place: Place,
    pub kind: Option<Spanned<String>>,
    pub scope: Option<Spanned<String>>,
    pub durability: Option<Spanned<String>>,
    pub data_criticality: Option<Spanned<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Lifecycle {
    pub place: Place,
    pub upgrade_strategy: Option<Spanned<String>>,
    pub graceful_shutdown_seconds: Option<Spanned<i64>>,
}

/// `runtime.health` or `runtime.metrics`.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub place: Place,
    pub interface: Option<Spanned<String>>,
    pub path: Option<Spanned<String>>,
    pub initial_delay_seconds: Option<Spanned<i64>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scaling {
    pub place: Place,
    pub replicas: Option<Spanned<i64>>,
    pub min: Option<Spanned<i64>>,
    pub max: Option<Spanned<i64>>,
}

impl Scaling {
    /// Go Pacto's normalisation: `replicas` sets both min and max.
    pub fn effective_min(&self) -> Option<i64> {
        self.replicas
            .as_ref()
            .or(self.min.as_ref())
            .map(|v| v.value)
    }

    pub fn effective_max(&self) -> Option<i64> {
        self.replicas
            .as_ref()
            .or(self.max.as_ref())
            .map(|v| v.value)
    }
}

/// `readiness` (pactoVersion "1.2").
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Readiness {
    pub place: Place,
    pub min_score: Option<Spanned<i64>>,
    pub expires: Option<Spanned<String>>,
    pub partial_credit: Option<Spanned<f64>>,
    pub history: Vec<ReadinessRevision>,
    pub checks: Vec<ReadinessCheck>,
}

/// One entry of `readiness.history`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadinessRevision {
    pub span: Span,
    pub date: Option<Spanned<String>>,
    pub version: Option<Spanned<String>>,
    pub author: Option<Spanned<String>>,
    pub description: Option<Spanned<String>>,
}

/// One entry of `readiness.checks`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadinessCheck {
    pub span: Span,
    pub id: Option<Spanned<String>>,
    pub kind: Option<Spanned<String>>,
    pub category: Option<Spanned<String>>,
    pub status: Option<Spanned<String>>,
    pub evidence: Option<Spanned<String>>,
    pub weight: Option<Spanned<i64>>,
    pub description: Option<Spanned<String>>,
}

fn string(node: Option<NodeRef<'_>>) -> Option<Spanned<String>> {
    let n = node?;
    n.as_str().map(|s| Spanned::new(s.to_string(), n.span()))
}

fn int(node: Option<NodeRef<'_>>) -> Option<Spanned<i64>> {
    let n = node?;
    n.as_i64().map(|v| Spanned::new(v, n.span()))
}

fn number(node: Option<NodeRef<'_>>) -> Option<Spanned<f64>> {
    use crate::syntax::Resolved;
    let n = node?;
    let v = match n.as_scalar()?.resolved {
        Resolved::Int(i) => i as f64,
        Resolved::UInt(u) => u as f64,
        Resolved::Float(f) => f,
        _ => return None,
    };
    Some(Spanned::new(v, n.span()))
}

fn boolean(node: Option<NodeRef<'_>>) -> Option<Spanned<bool>> {
    let n = node?;
    n.as_bool().map(|v| Spanned::new(v, n.span()))
}

/// The mapping under `key` with its place, if it is a mapping.
fn section<'t>(parent: NodeRef<'t>, key: &str) -> Option<(Place, NodeRef<'t>)> {
    let (k, v) = parent.entry(key)?;
    v.is_mapping().then(|| {
        (
            Place {
                key: k.span(),
                value: v.span(),
            },
            v,
        )
    })
}

fn items<'t>(parent: NodeRef<'t>, key: &str) -> impl Iterator<Item = NodeRef<'t>> + 't {
    parent
        .get(key)
        .into_iter()
        .flat_map(|n| n.items())
        .filter(|n| n.is_mapping())
}

impl Contract {
    /// Build the model from a parsed tree. Never fails: missing or mistyped fields are `None`.
    pub fn from_tree(tree: &Tree) -> Contract {
        let root = tree.root();
        Contract {
            pacto_version: string(root.get("pactoVersion")),
            service: section(root, "service").map(|(place, n)| Service {
                place,
                name: string(n.get("name")),
                version: string(n.get("version")),
                owner: n.get("owner").and_then(owner),
                image: section(n, "image").map(|(place, i)| Image {
                    place,
                    reference: string(i.get("ref")),
                    private: boolean(i.get("private")),
                }),
                chart: section(n, "chart").map(|(place, c)| Chart {
                    place,
                    reference: string(c.get("ref")),
                    version: string(c.get("version")),
                }),
            }),
            interfaces: items(root, "interfaces")
                .map(|n| Interface {
                    span: n.span(),
                    name: string(n.get("name")),
                    kind: string(n.get("type")),
                    port: int(n.get("port")),
                    port_key: n.entry("port").map(|(k, _)| k.span()),
                    visibility: string(n.get("visibility")),
                    contract: string(n.get("contract")),
                    reference: string(n.get("ref")),
                })
                .collect(),
            configuration: section(root, "configuration").map(|(place, n)| configuration(place, n)),
            configurations: items(root, "configurations")
                .map(|n| {
                    let place = Place {
                        key: n.span(),
                        value: n.span(),
                    };
                    configuration(place, n)
                })
                .collect(),
            policy: section(root, "policy").map(|(place, n)| policy(place, n)),
            policies: items(root, "policies")
                .map(|n| {
                    let place = Place {
                        key: n.span(),
                        value: n.span(),
                    };
                    policy(place, n)
                })
                .collect(),
            dependencies: items(root, "dependencies")
                .map(|n| Dependency {
                    span: n.span(),
                    name: string(n.get("name")),
                    reference: string(n.get("ref")),
                    required: boolean(n.get("required")),
                    compatibility: string(n.get("compatibility")),
                })
                .collect(),
            runtime: section(root, "runtime").map(|(place, n)| Runtime {
                place,
                workload: string(n.get("workload")),
                state: section(n, "state").map(|(place, s)| {
                    let persistence = s.get("persistence");
                    State {
                        place,
                        kind: string(s.get("type")),
                        scope: string(persistence.and_then(|p| p.get("scope"))),
                        durability: string(persistence.and_then(|p| p.get("durability"))),
                        data_criticality: string(s.get("dataCriticality")),
                    }
                }),
                lifecycle: section(n, "lifecycle").map(|(place, l)| Lifecycle {
                    place,
                    upgrade_strategy: string(l.get("upgradeStrategy")),
                    graceful_shutdown_seconds: int(l.get("gracefulShutdownSeconds")),
                }),
                health: section(n, "health").map(|(place, h)| probe(place, h)),
                metrics: section(n, "metrics").map(|(place, h)| probe(place, h)),
            }),
            scaling: section(root, "scaling").map(|(place, n)| Scaling {
                place,
                replicas: int(n.get("replicas")),
                min: int(n.get("min")),
                max: int(n.get("max")),
            }),
            metadata: root.get("metadata").map(|n| n.id()),
            readiness: section(root, "readiness").map(|(place, n)| readiness(place, n)),
        }
    }

    pub fn service_name(&self) -> &str {
        self.service
            .as_ref()
            .and_then(|s| s.name.as_ref())
            .map_or("", |n| n.as_str())
    }

    pub fn service_version(&self) -> &str {
        self.service
            .as_ref()
            .and_then(|s| s.version.as_ref())
            .map_or("", |n| n.as_str())
    }

    /// Every policy source, the singular `policy` first, each with its Go-style path prefix.
    pub fn all_policies(&self) -> Vec<(String, &Policy)> {
        let mut out: Vec<(String, &Policy)> = Vec::new();
        if let Some(p) = &self.policy {
            out.push(("policy".to_string(), p));
        }
        for (i, p) in self.policies.iter().enumerate() {
            out.push((format!("policies[{i}]"), p));
        }
        out
    }

    /// Every bundle file the contract names, with the Go-style path of the field that names it:
    /// interface contracts (2.0: interface refs), configuration schemas and policy schemas.
    pub fn referenced_files(&self) -> Vec<(String, &Spanned<String>)> {
        let mut out = Vec::new();
        for (i, interface) in self.interfaces.iter().enumerate() {
            if let Some(c) = &interface.contract {
                out.push((format!("interfaces[{i}].contract"), c));
            }
            // A 2.0 interface names its spec with `ref` (in 1.x the key is unknown).
            let v2 = self
                .pacto_version
                .as_ref()
                .is_some_and(|v| v.value == "2.0");
            if let (true, Some(r)) = (v2, &interface.reference) {
                out.push((format!("interfaces[{i}].ref"), r));
            }
        }
        for (prefix, configuration) in self.all_configurations() {
            if let Some(s) = &configuration.schema {
                out.push((format!("{prefix}.schema"), s));
            }
        }
        for (prefix, policy) in self.all_policies() {
            if let Some(s) = &policy.schema {
                out.push((format!("{prefix}.schema"), s));
            }
        }
        out.retain(|(_, v)| !v.value.is_empty());
        out
    }

    /// Every configuration, the singular `configuration` first, each with its Go-style path prefix.
    pub fn all_configurations(&self) -> Vec<(String, &Configuration)> {
        let mut out: Vec<(String, &Configuration)> = Vec::new();
        if let Some(c) = &self.configuration {
            out.push(("configuration".to_string(), c));
        }
        for (i, c) in self.configurations.iter().enumerate() {
            out.push((format!("configurations[{i}]"), c));
        }
        out
    }
}

fn configuration(place: Place, n: NodeRef<'_>) -> Configuration {
    Configuration {
        place,
        name: string(n.get("name")),
        schema: string(n.get("schema")),
        reference: string(n.get("ref")),
        values: n
            .get("values")
            .filter(|v| !v.is_null())
            .map(|v| Spanned::new(v.id(), v.span())),
    }
}

fn policy(place: Place, n: NodeRef<'_>) -> Policy {
    Policy {
        place,
        name: string(n.get("name")),
        schema: string(n.get("schema")),
        reference: string(n.get("ref")),
    }
}

fn readiness(place: Place, n: NodeRef<'_>) -> Readiness {
    Readiness {
        place,
        min_score: int(n.get("minScore")),
        expires: string(n.get("expires")),
        partial_credit: number(n.get("partialCredit")),
        history: items(n, "history")
            .map(|h| ReadinessRevision {
                span: h.span(),
                date: string(h.get("date")),
                version: string(h.get("version")),
                author: string(h.get("author")),
                description: string(h.get("description")),
            })
            .collect(),
        checks: items(n, "checks")
            .map(|c| ReadinessCheck {
                span: c.span(),
                id: string(c.get("id")),
                kind: string(c.get("type")),
                category: string(c.get("category")),
                status: string(c.get("status")),
                evidence: string(c.get("evidence")),
                weight: int(c.get("weight")),
                description: string(c.get("description")),
            })
            .collect(),
    }
}

fn probe(place: Place, n: NodeRef<'_>) -> Probe {
    Probe {
        place,
        interface: string(n.get("interface")),
        path: string(n.get("path")),
        initial_delay_seconds: int(n.get("initialDelaySeconds")),
    }
}

fn owner(n: NodeRef<'_>) -> Option<Owner> {
    if n.is_mapping() {
        return Some(Owner::Structured {
            span: n.span(),
            team: string(n.get("team")),
            dri: string(n.get("dri")),
            contacts: n
                .get("contacts")
                .into_iter()
                .flat_map(|c| c.items())
                .filter(|c| c.is_mapping())
                .map(|c| Contact {
                    span: c.span(),
                    kind: string(c.get("type")),
                    value: string(c.get("value")),
                    purpose: string(c.get("purpose")),
                })
                .collect(),
        });
    }
    string(Some(n)).map(Owner::Text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{parse, Limits};

    fn contract(text: &str) -> (Tree, Contract) {
        let tree = parse(text, &Limits::default()).tree.unwrap();
        let c = Contract::from_tree(&tree);
        (tree, c)
    }

    #[test]
    fn reads_every_section_with_spans() {
        let text = r#"pactoVersion: "1.0"
service:
  name: payments
  version: 1.0
  owner:
    team: pay
    contacts:
      - type: email
        value: a@b.c
interfaces:
  - name: api
    type: http
    port: 8080
configurations:
  - name: app
    schema: configuration/schema.json
    values: {A: 1}
policies:
  - ref: oci://r.io/p
dependencies:
  - name: db
    ref: oci://r.io/db:1.0.0
    required: true
    compatibility: ^1
runtime:
  workload: service
  state:
    type: stateless
    persistence: {scope: local, durability: ephemeral}
    dataCriticality: low
  health: {interface: api, path: /h}
scaling:
  replicas: 3
metadata: {x: 1}
"#;
        let (tree, c) = contract(text);
        assert_eq!(c.pacto_version.as_ref().unwrap().value, "1.0");
        assert_eq!(c.service_name(), "payments");
        // Go's decoder reads the float 1.0 into a string field as its source text.
        assert_eq!(c.service_version(), "1.0");
        let owner = c.service.as_ref().unwrap().owner.as_ref().unwrap();
        assert_eq!(owner.display(), Some("pay"));
        assert_eq!(c.interfaces[0].port.as_ref().unwrap().value, 8080);
        assert_eq!(
            &text[c.interfaces[0].port.as_ref().unwrap().span.range()],
            "8080"
        );
        assert_eq!(c.configurations[0].name.as_ref().unwrap().value, "app");
        let values = c.configurations[0].values.as_ref().unwrap();
        assert_eq!(
            tree.node(values.value).to_json(),
            serde_json::json!({"A": 1})
        );
        assert_eq!(
            c.policies[0].reference.as_ref().unwrap().value,
            "oci://r.io/p"
        );
        assert!(c.dependencies[0].is_required());
        let state = c.runtime.as_ref().unwrap().state.as_ref().unwrap();
        assert_eq!(state.durability.as_ref().unwrap().value, "ephemeral");
        let scaling = c.scaling.as_ref().unwrap();
        assert_eq!(
            (scaling.effective_min(), scaling.effective_max()),
            (Some(3), Some(3))
        );
        assert!(c.metadata.is_some());
        assert_eq!(c.all_policies()[0].0, "policies[0]");
    }

    #[test]
    fn mistyped_fields_are_absent_not_errors() {
        let (_, c) = contract("service: 3\ninterfaces: {a: 1}\nscaling: {min: abc}\n");
        assert!(c.service.is_none());
        assert!(c.interfaces.is_empty());
        assert!(c.scaling.as_ref().unwrap().min.is_none());
    }
}
