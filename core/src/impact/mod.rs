//! Impact: the contract diff of two revisions projected onto the fleet (Go's `pkg/impact`,
//! wire model `pacto.dev/impact/v1`). Who depends on the changed service, directly and
//! transitively, whether the new version still satisfies what each declared, and how strong
//! the evidence is. It lists what to review; it never acts.
//!
//! Confidence: `contractual` (declared with a usable compatibility range), `declared` (declared
//! without one), `observed` (seen in traces only, with `include_observed`), `corroborated`
//! (declared and observed), `inferred` (transitive, depth > 1), `unknown` (a direct edge with
//! neither). Verdict: `compatible`/`incompatible` against the declared range, `unknown` without
//! a range or with one that does not parse.

use crate::diff::{compare, Change, Classification, DiffError, Side};
use crate::fleet::{
    traces::ObservedEdges, Completeness, Limitation, Snapshot, OBSERVED_IDENTITY_UNRESOLVED,
    PROVENANCE_OBSERVED, RELATIONSHIP_DEPENDENCY, SERVICE_NOT_IN_FLEET,
};
use crate::version::{Constraint, Version};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// The impact wire model's version.
pub const SCHEMA_VERSION: &str = "pacto.dev/impact/v1";
/// Most limitations an answer carries (the rest are counted by `limitationsTruncated`).
pub const MAX_LIMITATIONS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Contractual,
    Declared,
    Observed,
    Corroborated,
    Inferred,
    Unknown,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Contractual => "contractual",
            Confidence::Declared => "declared",
            Confidence::Observed => "observed",
            Confidence::Corroborated => "corroborated",
            Confidence::Inferred => "inferred",
            Confidence::Unknown => "unknown",
        }
    }
}

pub const COMPATIBLE: &str = "compatible";
pub const INCOMPATIBLE: &str = "incompatible";
pub const UNKNOWN: &str = "unknown";

/// How the analysis runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Let observed edges raise confidence and surface observed-only consumers.
    pub include_observed: bool,
    /// Ad-hoc observed edges (`--traces`), caller → callee by service name.
    pub observed: Option<ObservedEdges>,
}

/// One affected consumer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AffectedConsumer {
    pub service: String,
    /// 1: a direct dependent; more: transitive.
    pub depth: usize,
    pub direct: bool,
    /// The chain from the consumer to the changed service.
    pub path: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub owner: String,
    pub required: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub compatibility: String,
    pub compatibility_verdict: String,
    /// `declared`, `observed`, `declared+observed` or `inferred`.
    pub provenance: String,
    pub confidence: Confidence,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
}

/// The impact answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImpactResult {
    pub schema_version: String,
    pub snapshot_id: String,
    pub as_of: String,
    pub service: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub old_version: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub new_version: String,
    pub classification: Classification,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub breaking_changes: Vec<Change>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub potentially_breaking_changes: Vec<Change>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub non_breaking_changes: Vec<Change>,
    pub consumers: Vec<AffectedConsumer>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub active_targets: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub owners: Vec<String>,
    pub completeness: Completeness,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub limitations: Vec<Limitation>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub limitations_truncated: bool,
}

impl ImpactResult {
    /// Go's exit rule: BREAKING and at least one incompatible consumer that runs somewhere.
    pub fn blocks(&self) -> bool {
        self.classification == Classification::Breaking
            && self
                .consumers
                .iter()
                .any(|c| c.compatibility_verdict == INCOMPATIBLE && !c.targets.is_empty())
    }
}

/// Compare `old` → `new` and project the change onto `snap`.
pub fn analyze(
    old: &Side<'_>,
    new: &Side<'_>,
    snap: &Snapshot,
    options: &Options,
) -> Result<ImpactResult, DiffError> {
    let diff = compare(old, new)?;
    let mut res = ImpactResult {
        schema_version: SCHEMA_VERSION.into(),
        snapshot_id: snap.snapshot_id.clone(),
        as_of: snap.generated_at.clone(),
        service: new.contract.service_name().to_string(),
        old_version: old.contract.service_version().to_string(),
        new_version: new.contract.service_version().to_string(),
        classification: diff.classification,
        breaking_changes: Vec::new(),
        potentially_breaking_changes: Vec::new(),
        non_breaking_changes: Vec::new(),
        consumers: Vec::new(),
        active_targets: Vec::new(),
        owners: Vec::new(),
        completeness: snap.completeness,
        limitations: snap.limitations.clone(),
        limitations_truncated: false,
    };
    for ch in diff.changes {
        match ch.classification {
            Classification::Breaking => res.breaking_changes.push(ch),
            Classification::PotentialBreaking => res.potentially_breaking_changes.push(ch),
            Classification::NonBreaking => res.non_breaking_changes.push(ch),
        }
    }
    project(&mut res, snap, options);
    if res.limitations.len() > MAX_LIMITATIONS {
        res.limitations.truncate(MAX_LIMITATIONS);
        res.limitations_truncated = true;
    }
    Ok(res)
}

/// The consumers of `res.service` in `snap`, with their verdicts, targets and owners.
fn project(res: &mut ImpactResult, snap: &Snapshot, options: &Options) {
    let changed = res.service.clone();
    if !snap.services.contains_key(&changed) {
        // No consumer can be ruled in or out: never an empty blast radius read as "nothing".
        res.completeness = Completeness::Partial;
        res.limitations.push(Limitation::new(
            SERVICE_NOT_IN_FLEET,
            "impact",
            "the changed service is not present in the operational graph; consumers cannot be determined",
        ));
        return;
    }
    // Observed caller → callee edges, by fleet service name (opt-in only).
    let mut observed: BTreeSet<(String, String)> = BTreeSet::new();
    if options.include_observed {
        let mut unresolved = BTreeSet::new();
        for (a, b) in options.observed.iter().flat_map(|o| o.edges.keys()) {
            let (ka, kb) = (snap.services.contains_key(a), snap.services.contains_key(b));
            if !ka {
                unresolved.insert(a.clone());
            }
            if !kb {
                unresolved.insert(b.clone());
            }
            if ka && kb {
                observed.insert((a.clone(), b.clone()));
            }
        }
        for r in &snap.relationships {
            if r.kind == RELATIONSHIP_DEPENDENCY
                && r.provenance == PROVENANCE_OBSERVED
                && r.resolved
            {
                observed.insert((r.from_service.clone(), r.to_service.clone()));
            }
        }
        for name in unresolved {
            res.limitations.push(Limitation::new(
                OBSERVED_IDENTITY_UNRESOLVED,
                "impact",
                format!("observed service {name} could not be mapped to a unique fleet service (unknown); it does not corroborate or affect any service"),
            ));
        }
    }
    // Dependents, breadth first: the shortest chain to each consumer.
    let mut found: BTreeMap<String, (usize, Vec<String>)> = BTreeMap::new();
    let mut queue = VecDeque::from([(changed.clone(), vec![changed.clone()])]);
    while let Some((name, path)) = queue.pop_front() {
        for next in snap.dependents(&name) {
            if *next == changed || found.contains_key(next) {
                continue;
            }
            let mut p = path.clone();
            p.push(next.clone());
            found.insert(next.clone(), (p.len() - 1, p.clone()));
            queue.push_back((next.clone(), p));
        }
    }
    // Observed-only (shadow) callers are direct consumers.
    for (a, b) in &observed {
        if *b == changed && *a != changed && !found.contains_key(a) {
            found.insert(a.clone(), (1, vec![changed.clone(), a.clone()]));
        }
    }
    let mut owners = BTreeSet::new();
    let mut targets: BTreeSet<String> = snap
        .services
        .get(&changed)
        .map(|s| s.targets.iter().cloned().collect())
        .unwrap_or_default();
    for (name, (depth, path)) in found {
        let c = consumer(
            snap,
            &changed,
            &name,
            depth,
            path,
            &res.new_version,
            &observed,
        );
        if !c.owner.is_empty() {
            owners.insert(c.owner.clone());
        }
        targets.extend(c.targets.iter().cloned());
        res.consumers.push(c);
    }
    res.owners = owners.into_iter().collect();
    res.active_targets = targets.into_iter().collect();
}

fn consumer(
    snap: &Snapshot,
    changed: &str,
    name: &str,
    depth: usize,
    mut path: Vec<String>,
    new_version: &str,
    observed: &BTreeSet<(String, String)>,
) -> AffectedConsumer {
    path.reverse();
    let svc = snap.services.get(name);
    // The declared edge of the consumer's newest revision that declares one.
    let edges = snap.declared_edges(name, changed);
    let edge = svc.and_then(|s| {
        s.revisions
            .iter()
            .rev()
            .find_map(|rk| edges.iter().find(|e| &e.from_revision == rk))
    });
    let edge = edge.or(edges.last());
    let declared = edge.is_some();
    let is_observed = observed.contains(&(name.to_string(), changed.to_string()));
    let compatibility = edge.map(|e| e.compatibility.clone()).unwrap_or_default();
    let provenance = match (declared, is_observed) {
        (true, true) => "declared+observed",
        (false, true) => "observed",
        (true, false) => "declared",
        (false, false) => "inferred",
    };
    let confidence = if depth > 1 {
        Confidence::Inferred
    } else {
        match (declared, is_observed) {
            (true, true) => Confidence::Corroborated,
            (false, true) => Confidence::Observed,
            (true, false) if !compatibility.is_empty() => Confidence::Contractual,
            (true, false) => Confidence::Declared,
            (false, false) => Confidence::Unknown,
        }
    };
    let mut targets: Vec<String> = svc.map(|s| s.targets.clone()).unwrap_or_default();
    targets.sort();
    AffectedConsumer {
        service: name.to_string(),
        depth,
        direct: depth == 1,
        path,
        owner: svc.map(|s| s.owner_display()).unwrap_or_default(),
        required: edge.is_some_and(|e| e.required),
        compatibility_verdict: verdict(&compatibility, new_version, declared).into(),
        compatibility,
        provenance: provenance.into(),
        confidence,
        status: svc.map(|s| s.status.clone()).unwrap_or_default(),
        targets,
    }
}

/// The new version against a declared range.
pub fn verdict(constraint: &str, version: &str, declared: bool) -> &'static str {
    if !declared || constraint.is_empty() || version.is_empty() {
        return UNKNOWN;
    }
    match (Constraint::parse(constraint), Version::parse(version)) {
        (Ok(c), Ok(v)) if c.matches(&v) => COMPATIBLE,
        (Ok(_), Ok(_)) => INCOMPATIBLE,
        _ => UNKNOWN,
    }
}
