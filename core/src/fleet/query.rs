//! Queries over a [`Snapshot`]: search, get, graph, status, explain (Go's `fleet.Query`).
//! Pure and network-free; every answer carries a [`Meta`] with the snapshot's `asOf`,
//! completeness and limitations, and every list is bounded.

use super::{
    status_rank, Completeness, Limitation, Relationship, Revision, ServiceRecord, Snapshot,
    SourceState, TargetRecord, EVIDENCE_MISSING, RELATIONSHIP_DEPENDENCY, SOURCE_STALE,
    UNRESOLVED_DEPENDENCY,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};

pub const DEFAULT_SEARCH_LIMIT: usize = 100;
pub const MAX_SEARCH_LIMIT: usize = 500;
pub const DEFAULT_STATUS_LIMIT: usize = 200;
/// Most nodes a graph answer lists.
pub const MAX_GRAPH_NODES: usize = 10_000;

/// The completeness envelope of every answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    pub schema_version: String,
    pub snapshot_id: String,
    pub as_of: String,
    pub completeness: Completeness,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub limitations: Vec<Limitation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceState>,
}

/// Why a query cannot be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// Absence under partial completeness is not proof the thing does not exist.
    #[error("{kind} {id:?} not found in the fleet snapshot")]
    NotFound { kind: String, id: String },
    #[error("{kind} {id:?} is ambiguous: matches {}", matches.join(", "))]
    Ambiguous {
        kind: String,
        id: String,
        matches: Vec<String>,
    },
    #[error("invalid {field} {value:?}: {reason}")]
    Invalid {
        field: String,
        value: String,
        reason: String,
    },
}

fn invalid(field: &str, value: impl ToString, reason: &str) -> QueryError {
    QueryError::Invalid {
        field: field.into(),
        value: value.to_string(),
        reason: reason.into(),
    }
}

/// A service search. The default matches everything (bounded by the default limit).
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    /// Case-insensitive substring of the name or an owner string.
    pub text: String,
    /// Case-insensitive substring of the team, DRI or a contact value.
    pub owner: String,
    /// An interface name or type some revision declares (exact, case-insensitive).
    pub interface: String,
    pub status: String,
    pub compliance: String,
    pub source: String,
    pub workload: String,
    pub scope: String,
    pub labels: BTreeMap<String, String>,
    pub has_capability: bool,
    pub has_dependency: bool,
    pub ready: bool,
    pub not_ready: bool,
    /// 0: [`DEFAULT_SEARCH_LIMIT`]; at most [`MAX_SEARCH_LIMIT`].
    pub limit: usize,
    pub offset: usize,
}

/// One search row.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceHit {
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub owner: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status: String,
    pub revision_count: usize,
    pub target_count: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResult {
    pub meta: Meta,
    pub total: usize,
    pub count: usize,
    pub offset: usize,
    pub limit: usize,
    pub services: Vec<ServiceHit>,
}

/// A service with its revisions, targets and edges.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceView {
    pub meta: Meta,
    pub service: ServiceRecord,
    pub revisions: Vec<Revision>,
    pub targets: Vec<TargetRecord>,
    pub dependencies: Vec<Relationship>,
    pub dependents: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetView {
    pub meta: Meta,
    pub target: TargetRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<Revision>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    #[default]
    Dependencies,
    Dependents,
}

impl Direction {
    pub fn parse(s: &str) -> Result<Direction, QueryError> {
        match s {
            "" | "dependencies" => Ok(Direction::Dependencies),
            "dependents" => Ok(Direction::Dependents),
            _ => Err(invalid(
                "direction",
                s,
                "must be dependencies or dependents",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Dependencies => "dependencies",
            Direction::Dependents => "dependents",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct GraphQuery {
    pub service: String,
    pub direction: Direction,
    pub transitive: bool,
    /// 0: unlimited (still cycle-safe).
    pub max_depth: usize,
}

/// Where a traversal starts (Go's `GraphQuery` perspective). A service aggregates the edges of
/// all its revisions; a revision (its exact key, or `service@version` when one revision of the
/// service has that version) uses only that revision's declared dependencies at the root; a
/// target (key, or unique name) uses the revision it runs, when the snapshot links one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphRoot {
    Service(String),
    Revision(String),
    Target(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct GraphNode {
    pub name: String,
    pub depth: usize,
    /// From the root to this node.
    pub path: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GraphResult {
    pub meta: Meta,
    pub root: String,
    /// The revision the root's edges come from (a revision or target root).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub revision: String,
    pub aggregated: bool,
    pub direction: Direction,
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<Relationship>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cycles: Vec<Vec<String>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unresolved: Vec<Relationship>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

#[derive(Debug, Clone, Default)]
pub struct StatusQuery {
    pub needs_attention: bool,
    pub non_compliant: bool,
    pub unknown: bool,
    pub invalid: bool,
    pub stale: bool,
    pub missing_readiness: bool,
    pub unresolved_deps: bool,
    pub not_ready: bool,
    pub limit: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusItem {
    pub kind: String,
    pub name: String,
    pub code: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusResult {
    pub meta: Meta,
    pub total: usize,
    pub items: Vec<StatusItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AssertionRef {
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Reason {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assertion: Option<AssertionRef>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExplainResult {
    pub meta: Meta,
    pub subject: String,
    pub kind: String,
    pub status: String,
    pub reasons: Vec<Reason>,
}

impl Snapshot {
    /// The envelope every answer carries.
    pub fn meta(&self) -> Meta {
        Meta {
            schema_version: self.schema_version.clone(),
            snapshot_id: self.snapshot_id.clone(),
            as_of: self.generated_at.clone(),
            completeness: self.completeness,
            limitations: self.limitations.clone(),
            sources: self.sources.clone(),
        }
    }

    /// Services matching `f`, by name, bounded.
    pub fn search(&self, f: &SearchFilter) -> Result<SearchResult, QueryError> {
        for (field, v) in [("status", &f.status), ("compliance", &f.compliance)] {
            if !v.is_empty() && status_rank(v).is_none() {
                return Err(invalid(field, v, "not a canonical status"));
            }
        }
        let limit = match f.limit {
            0 => DEFAULT_SEARCH_LIMIT,
            n => n.min(MAX_SEARCH_LIMIT),
        };
        let text = f.text.to_lowercase();
        let owner = f.owner.to_lowercase();
        let iface = f.interface.to_lowercase();
        let mut res = SearchResult {
            meta: self.meta(),
            total: 0,
            count: 0,
            offset: f.offset,
            limit,
            services: Vec::new(),
        };
        for row in &self.index.search {
            if !text.is_empty()
                && !row.lower.contains(&text)
                && !row.owners.iter().any(|o| o.contains(&text))
            {
                continue;
            }
            if !owner.is_empty() && !row.owners.iter().any(|o| o.contains(&owner)) {
                continue;
            }
            let Some(s) = self.services.get(&row.name) else {
                continue;
            };
            if !self.service_matches(s, f, &iface) {
                continue;
            }
            res.total += 1;
            if res.total <= f.offset || res.services.len() >= limit {
                continue;
            }
            res.services.push(ServiceHit {
                name: s.name.clone(),
                owner: s.owner_display(),
                status: s.status.clone(),
                revision_count: s.revisions.len(),
                target_count: s.targets.len(),
                sources: s.sources.clone(),
                labels: s.labels.clone(),
            });
        }
        res.count = res.services.len();
        Ok(res)
    }

    fn service_matches(&self, s: &ServiceRecord, f: &SearchFilter, iface: &str) -> bool {
        let any_rev = |pred: &dyn Fn(&Revision) -> bool| {
            s.revisions
                .iter()
                .filter_map(|k| self.revisions.get(k))
                .any(pred)
        };
        let ready = |r: &Revision| r.readiness.as_ref().is_some_and(|x| x.passing);
        if !f.status.is_empty() && s.status != f.status {
            return false;
        }
        if !f.source.is_empty() && !s.sources.contains(&f.source) {
            return false;
        }
        if !f.workload.is_empty() && !any_rev(&|r| r.contract.workload == f.workload) {
            return false;
        }
        if !iface.is_empty()
            && !any_rev(&|r| {
                r.contract
                    .interfaces
                    .iter()
                    .any(|i| i.name.to_lowercase() == iface || i.kind.to_lowercase() == iface)
            })
        {
            return false;
        }
        if f.has_capability && !any_rev(&|r| !r.contract.capabilities.is_empty()) {
            return false;
        }
        if f.has_dependency && !any_rev(&|r| !r.contract.dependencies.is_empty()) {
            return false;
        }
        let target_pred = !f.labels.is_empty() || !f.scope.is_empty() || !f.compliance.is_empty();
        if !target_pred {
            if f.ready && !any_rev(&ready) {
                return false;
            }
            if f.not_ready && !any_rev(&|r| !ready(r)) {
                return false;
            }
            return true;
        }
        s.targets
            .iter()
            .filter_map(|k| self.targets.get(k))
            .any(|t| {
                f.labels.iter().all(|(k, v)| t.labels.get(k) == Some(v))
                    && (f.scope.is_empty() || t.scope == f.scope)
                    && (f.compliance.is_empty() || t.compliance == f.compliance)
                    && {
                        let rev = self.revisions.get(&t.contract_revision);
                        (!f.ready || rev.is_some_and(ready))
                            && (!f.not_ready || !rev.is_some_and(ready))
                    }
            })
    }

    /// A service with everything the snapshot knows of it.
    pub fn get_service(&self, name: &str) -> Result<ServiceView, QueryError> {
        let s = self
            .services
            .get(name)
            .ok_or_else(|| QueryError::NotFound {
                kind: "service".into(),
                id: name.into(),
            })?;
        Ok(ServiceView {
            meta: self.meta(),
            service: s.clone(),
            revisions: s
                .revisions
                .iter()
                .filter_map(|k| self.revisions.get(k).cloned())
                .collect(),
            targets: s
                .targets
                .iter()
                .filter_map(|k| self.targets.get(k).cloned())
                .collect(),
            dependencies: self
                .relationships
                .iter()
                .filter(|r| r.from_service == s.name && r.kind == RELATIONSHIP_DEPENDENCY)
                .cloned()
                .collect(),
            dependents: self.dependents(name).to_vec(),
        })
    }

    /// A target by key, or by name when that is unique.
    pub fn get_target(&self, id: &str) -> Result<TargetView, QueryError> {
        let t = match self.targets.get(id) {
            Some(t) => t,
            None => {
                let matches: Vec<&TargetRecord> =
                    self.targets.values().filter(|t| t.name == id).collect();
                match matches.len() {
                    0 => {
                        return Err(QueryError::NotFound {
                            kind: "target".into(),
                            id: id.into(),
                        })
                    }
                    1 => matches[0],
                    _ => {
                        return Err(QueryError::Ambiguous {
                            kind: "target".into(),
                            id: id.into(),
                            matches: matches.iter().map(|t| t.key.clone()).collect(),
                        })
                    }
                }
            }
        };
        Ok(TargetView {
            meta: self.meta(),
            target: t.clone(),
            revision: self.revisions.get(&t.contract_revision).cloned(),
        })
    }

    /// Breadth-first traversal from a service (shortest depth first, cycle-safe, bounded).
    pub fn graph(&self, q: &GraphQuery) -> Result<GraphResult, QueryError> {
        self.graph_from(&GraphRoot::Service(q.service.clone()), q)
    }

    /// The revision a `--revision` root names: its exact key, else `service@version` when
    /// exactly one revision of that service has that version.
    pub fn resolve_revision(&self, id: &str) -> Result<&Revision, QueryError> {
        if let Some(r) = self.revisions.get(id) {
            return Ok(r);
        }
        let not_found = || QueryError::NotFound {
            kind: "revision".into(),
            id: id.into(),
        };
        let (service, version) = id.rsplit_once('@').ok_or_else(not_found)?;
        let matches: Vec<&Revision> = self
            .services
            .get(service)
            .map(|s| {
                s.revisions
                    .iter()
                    .filter_map(|k| self.revisions.get(k))
                    .filter(|r| r.version == version)
                    .collect()
            })
            .unwrap_or_default();
        match matches.as_slice() {
            [] => Err(not_found()),
            [one] => Ok(one),
            many => Err(QueryError::Ambiguous {
                kind: "revision".into(),
                id: id.into(),
                matches: many.iter().map(|r| r.key.clone()).collect(),
            }),
        }
    }

    /// [`Snapshot::graph`] from an explicit root: a service (aggregated across its
    /// revisions), an exact revision, or the revision a target runs (Go's precedence is the
    /// caller's: target, then revision, then service).
    pub fn graph_from(&self, from: &GraphRoot, q: &GraphQuery) -> Result<GraphResult, QueryError> {
        let service_named = |name: &str| {
            self.services.get(name).ok_or_else(|| QueryError::NotFound {
                kind: "service".into(),
                id: name.into(),
            })
        };
        let (root, scope) = match from {
            GraphRoot::Service(name) => (service_named(name)?, None),
            GraphRoot::Revision(id) => {
                let rev = self.resolve_revision(id)?;
                (service_named(&rev.service)?, Some(rev.key.clone()))
            }
            GraphRoot::Target(id) => {
                let t = self.get_target(id)?.target;
                let scope = (!t.contract_revision.is_empty()).then_some(t.contract_revision);
                (service_named(&t.service)?, scope)
            }
        };
        let aggregated = matches!(from, GraphRoot::Service(_)) && root.revisions.len() > 1;
        // The root's own dependencies come from the scoping revision only.
        let root_deps: Vec<String> = match &scope {
            None => Vec::new(),
            Some(rev) => {
                let mut v: Vec<String> = self
                    .relationships
                    .iter()
                    .filter(|r| {
                        r.kind == RELATIONSHIP_DEPENDENCY
                            && r.provenance == super::PROVENANCE_DECLARED
                            && &r.from_revision == rev
                            && !r.to_service.is_empty()
                    })
                    .map(|r| r.to_service.clone())
                    .collect();
                v.sort();
                v.dedup();
                v
            }
        };
        let neighbours = |n: &str| -> &[String] {
            match q.direction {
                Direction::Dependencies if scope.is_some() && n == root.name => &root_deps,
                Direction::Dependencies => self.dependencies(n),
                Direction::Dependents => self.dependents(n),
            }
        };
        let mut nodes = Vec::new();
        let mut cycles = BTreeSet::new();
        let mut seen: HashSet<&str> = HashSet::from([root.name.as_str()]);
        let mut queue = VecDeque::from([(root.name.as_str(), vec![root.name.clone()])]);
        let mut truncated = false;
        while let Some((name, path)) = queue.pop_front() {
            let depth = path.len();
            for next in neighbours(name) {
                if path.contains(next) {
                    let mut c = path.clone();
                    c.push(next.clone());
                    cycles.insert(c);
                    continue;
                }
                if !seen.insert(next.as_str()) {
                    continue;
                }
                if nodes.len() >= MAX_GRAPH_NODES {
                    truncated = true;
                    break;
                }
                let mut p = path.clone();
                p.push(next.clone());
                nodes.push(GraphNode {
                    name: next.clone(),
                    depth,
                    path: p.clone(),
                });
                if q.transitive && (q.max_depth == 0 || depth < q.max_depth) {
                    queue.push_back((next.as_str(), p));
                }
            }
        }
        let in_set: HashSet<&str> = nodes
            .iter()
            .map(|n| n.name.as_str())
            .chain([root.name.as_str()])
            .collect();
        let mut edges = Vec::new();
        let mut unresolved = Vec::new();
        for r in &self.relationships {
            if r.kind != RELATIONSHIP_DEPENDENCY || r.provenance != super::PROVENANCE_DECLARED {
                continue;
            }
            let keep = match q.direction {
                Direction::Dependents => {
                    !r.to_service.is_empty()
                        && in_set.contains(r.to_service.as_str())
                        && in_set.contains(r.from_service.as_str())
                }
                Direction::Dependencies => {
                    in_set.contains(r.from_service.as_str())
                        && (r.from_service != root.name
                            || scope.as_ref().is_none_or(|rev| &r.from_revision == rev))
                }
            };
            if !keep {
                continue;
            }
            if !r.resolved {
                unresolved.push(r.clone());
            }
            edges.push(r.clone());
        }
        Ok(GraphResult {
            meta: self.meta(),
            root: root.name.clone(),
            revision: scope.clone().unwrap_or_default(),
            aggregated,
            direction: q.direction,
            nodes,
            edges,
            cycles: cycles.into_iter().collect(),
            unresolved,
            truncated,
        })
    }

    /// What needs attention, by code then name, bounded.
    pub fn status(&self, q: &StatusQuery) -> StatusResult {
        let all = q.needs_attention
            || !(q.non_compliant
                || q.unknown
                || q.invalid
                || q.stale
                || q.missing_readiness
                || q.unresolved_deps
                || q.not_ready);
        let mut items = Vec::new();
        let mut item = |kind: &str, name: &str, code: &str, reason: String| {
            items.push(StatusItem {
                kind: kind.into(),
                name: name.into(),
                code: code.into(),
                reason,
            })
        };
        for t in self.targets.values() {
            if (all || q.non_compliant) && t.compliance == "NonCompliant" {
                item(
                    "target",
                    &t.key,
                    "NON_COMPLIANT",
                    "target has confirmed drift".into(),
                );
            }
            if (all || q.unknown) && t.compliance == "Unknown" {
                item(
                    "target",
                    &t.key,
                    "UNKNOWN",
                    "target compliance is unknown (insufficient evidence)".into(),
                );
            }
            if (all || q.stale) && t.stale {
                item(
                    "target",
                    &t.key,
                    "STALE_EVIDENCE",
                    "target evidence is older than the freshness window".into(),
                );
            }
        }
        for r in self.revisions.values() {
            if (all || q.invalid) && r.validated && !r.valid {
                let codes: BTreeSet<&str> = r
                    .validation
                    .iter()
                    .filter(|f| f.severity == "error")
                    .map(|f| f.code.as_str())
                    .collect();
                item(
                    "revision",
                    &r.key,
                    "INVALID_CONTRACT",
                    format!(
                        "contract is invalid ({}; version {})",
                        codes.into_iter().collect::<Vec<_>>().join(", "),
                        r.version
                    ),
                );
            }
            if (all || q.missing_readiness) && r.readiness.is_none() {
                item(
                    "revision",
                    &r.key,
                    "MISSING_READINESS",
                    "revision declares no readiness assessment".into(),
                );
            }
            if all || q.not_ready {
                if let Some(rd) = r.readiness.as_ref().filter(|x| !x.passing) {
                    item(
                        "revision",
                        &r.key,
                        "READINESS_GATE_UNMET",
                        format!(
                            "readiness score {} below minScore {} (version {})",
                            rd.score, rd.min_score, r.version
                        ),
                    );
                }
            }
        }
        if all || q.unresolved_deps {
            for r in &self.relationships {
                if r.kind == RELATIONSHIP_DEPENDENCY
                    && r.provenance == super::PROVENANCE_DECLARED
                    && !r.resolved
                {
                    item(
                        "relationship",
                        &format!("{}→{}", r.from_service, r.to),
                        UNRESOLVED_DEPENDENCY,
                        "declared dependency is not resolved in the fleet".into(),
                    );
                }
            }
        }
        items.sort_by(|a, b| (&a.code, &a.name).cmp(&(&b.code, &b.name)));
        items.dedup_by(|a, b| a.code == b.code && a.name == b.name);
        let total = items.len();
        let limit = if q.limit == 0 {
            DEFAULT_STATUS_LIMIT
        } else {
            q.limit
        };
        items.truncate(limit);
        StatusResult {
            meta: self.meta(),
            total,
            items,
        }
    }

    /// Deterministic reasons for a service's or target's state.
    pub fn explain(&self, subject: &str) -> Result<ExplainResult, QueryError> {
        if let Some(s) = self.services.get(subject) {
            let mut reasons = Vec::new();
            for t in s.targets.iter().filter_map(|k| self.targets.get(k)) {
                reasons.extend(target_reasons(t));
            }
            for r in &self.relationships {
                if r.from_service == s.name
                    && r.kind == RELATIONSHIP_DEPENDENCY
                    && r.provenance == super::PROVENANCE_DECLARED
                    && !r.resolved
                {
                    reasons.push(Reason {
                        code: UNRESOLVED_DEPENDENCY.into(),
                        message: "declared dependency is not resolved in the fleet".into(),
                        assertion: Some(AssertionRef {
                            kind: "dependency".into(),
                            name: r.to.clone(),
                        }),
                        source: String::new(),
                    });
                }
            }
            for rev in s.revisions.iter().filter_map(|k| self.revisions.get(k)) {
                for f in rev.validation.iter().filter(|f| f.severity == "error") {
                    reasons.push(Reason {
                        code: f.code.clone(),
                        message: format!("{} (version {}): {}", f.path, rev.version, f.message),
                        assertion: Some(AssertionRef {
                            kind: "revision".into(),
                            name: rev.key.clone(),
                        }),
                        source: rev.source.clone(),
                    });
                }
            }
            sort_reasons(&mut reasons);
            reasons.dedup_by(|a, b| a.code == b.code && a.message == b.message);
            return Ok(ExplainResult {
                meta: self.meta(),
                subject: s.name.clone(),
                kind: "service".into(),
                status: s.status.clone(),
                reasons,
            });
        }
        match self.get_target(subject) {
            Ok(tv) => {
                let mut reasons = target_reasons(&tv.target);
                sort_reasons(&mut reasons);
                Ok(ExplainResult {
                    meta: self.meta(),
                    subject: tv.target.key.clone(),
                    kind: "target".into(),
                    status: tv.target.compliance.clone(),
                    reasons,
                })
            }
            Err(QueryError::NotFound { .. }) => Err(QueryError::NotFound {
                kind: "subject".into(),
                id: subject.into(),
            }),
            Err(e) => Err(e),
        }
    }
}

fn target_reasons(t: &TargetRecord) -> Vec<Reason> {
    let mut out: Vec<Reason> = t
        .findings
        .iter()
        .map(|f| Reason {
            code: f.code.clone(),
            message: f.message.clone(),
            assertion: Some(AssertionRef {
                kind: f.subject_kind.clone(),
                name: f.subject_name.clone(),
            }),
            source: t.source.clone(),
        })
        .collect();
    if t.evidence_at.is_empty() && t.compliance == "Unknown" {
        out.push(Reason {
            code: EVIDENCE_MISSING.into(),
            message: "no evidence has been observed for this target".into(),
            assertion: None,
            source: t.source.clone(),
        });
    }
    if t.stale {
        out.push(Reason {
            code: SOURCE_STALE.into(),
            message: "the most recent evidence is older than the freshness window".into(),
            assertion: None,
            source: t.source.clone(),
        });
    }
    out
}

fn sort_reasons(r: &mut [Reason]) {
    r.sort_by(|a, b| (&a.code, &a.message).cmp(&(&b.code, &b.message)));
}
