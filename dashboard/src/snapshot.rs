//! The merged view of every source (spec §5.2 merge rules, §5.4 graph, §5.6 insights): built
//! in one blocking pass, then served read-only until the next refresh.

use crate::k8s::{condition_severity, RuntimeInfo};
use crate::source::{sort_versions_desc, Loaded, Scan, SourceKind};
use crate::traces::Traffic;
use pacto_core::graph::oci_ref_name;
use pacto_core::registry::{parse_dependency_ref, RefScheme};
use pacto_core::version::{highest_matching, Constraint, Version};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::Arc;

/// How a source fared in the last refresh.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SourceStatus {
    #[serde(rename = "type")]
    pub kind: SourceKind,
    pub enabled: bool,
    /// `ok`, `degraded` (failed or partly failed) or `disabled` (not detected).
    pub state: String,
    pub reason: String,
    pub location: String,
    pub problems: Vec<String>,
    pub service_count: usize,
    /// The whole source failed in the last refresh (nothing of it is shown; the other sources
    /// still are). `state` is then `degraded`.
    pub failed: bool,
    /// Why it failed, when `failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One version of a service across sources.
#[derive(Debug, Clone)]
pub struct VersionEntry {
    pub version: String,
    pub source: SourceKind,
    pub reference: String,
    pub loaded: Option<Arc<Loaded>>,
    /// Classification of the change from the next lower materialized version.
    pub classification: Option<String>,
}

/// A dependency edge of a service's current contract.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DepEdge {
    /// The target node id: a service name, or `external:<name>`.
    pub target_id: String,
    pub target_name: String,
    /// The dependency's declared `name` (Pacto 2.0 keys dependencies by it), when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "ref")]
    pub reference: String,
    pub required: bool,
    pub compatibility: String,
    pub resolved: bool,
    /// The highest known version satisfying the constraint.
    pub resolved_version: Option<String>,
    /// Why the edge is a problem (`no version of x satisfies ^2`), if it is.
    pub problem: Option<String>,
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// For `reference` edges: `config` or `policy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ref_type: Option<&'static str>,
    /// For `dependency` edges, when a trace file is loaded (`--traces`): whether the traces
    /// show the caller calling the target. Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed: Option<bool>,
    /// With `observed`: how many calls the traces show (0 when not observed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_calls: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Insight {
    pub severity: &'static str,
    pub title: String,
    pub description: String,
}

/// What one source knows of a service (spec `AggregatedService.sources[]`).
#[derive(Debug, Clone)]
pub struct Seen {
    pub kind: SourceKind,
    /// The highest version this source has.
    pub version: String,
    pub reference: String,
    pub loaded: Option<Arc<Loaded>>,
    pub version_count: usize,
}

/// A merged service.
#[derive(Debug, Clone)]
pub struct Service {
    /// Every contract source that has it, in priority order.
    pub seen: Vec<Seen>,
    pub name: String,
    pub source: SourceKind,
    pub sources: Vec<SourceKind>,
    /// The contract shown: the best contract source's highest version. `None` when the
    /// service is only known to Kubernetes.
    pub current: Option<Arc<Loaded>>,
    pub version: String,
    pub versions: Vec<VersionEntry>,
    pub runtime: Option<RuntimeInfo>,
    pub edges: Vec<DepEdge>,
    pub dependents: Vec<(String, bool, String)>,
    pub blast_radius: usize,
    pub contract_status: String,
    /// Contract-level health: `error`, `warning` or `ok`.
    pub health: &'static str,
    pub insights: Vec<Insight>,
    pub owner: String,
    /// The readiness evaluation of the current contract on the snapshot's day (`null` when it
    /// declares none).
    pub readiness: Value,
}

/// An unresolved dependency target (spec §5.4 external nodes).
#[derive(Debug, Clone, Serialize)]
pub struct External {
    pub id: String,
    pub name: String,
    pub reason: String,
    pub referenced_by: Vec<String>,
}

/// The whole merged state.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub id: u64,
    pub built_at: u64,
    pub sources: Vec<SourceStatus>,
    pub services: BTreeMap<String, Service>,
    pub externals: BTreeMap<String, External>,
    /// Image-name aliases of services (for ref resolution).
    pub aliases: HashMap<String, String>,
    /// Observed traffic (`--traces`); `None` when no trace file is configured.
    pub observed: Option<Observed>,
    /// Pre-rendered answers of the hot endpoints.
    pub services_json: Prebuilt,
    pub graph_json: Prebuilt,
    pub overview_json: Prebuilt,
}

/// The input of a build.
pub struct Inputs {
    /// Contract sources in priority order, with their scan results.
    pub scans: Vec<(SourceKind, Result<Scan, String>)>,
    pub runtime: Option<Result<Vec<RuntimeInfo>, String>>,
    /// The trace file (`--traces`): where it is and what its last read gave.
    pub traffic: Option<(String, Result<Arc<Traffic>, String>)>,
}

/// An observed call with no declared dependency behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Undeclared {
    pub caller: String,
    pub callee: String,
    pub calls: u64,
    /// Whether the caller is a service of the snapshot.
    pub caller_known: bool,
    /// Whether the callee is a service of the snapshot.
    pub callee_known: bool,
}

/// Observed traffic next to the declared dependencies (spec §5.7 "Expected dependencies /
/// Observed traffic / Differences").
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// Whether the last read of the trace file succeeded. When it did not, no edge says
    /// anything about traffic.
    pub available: bool,
    /// The trace file.
    pub file: String,
    /// Why it is unavailable.
    pub reason: String,
    /// What the read counted.
    pub stats: Traffic,
    /// Calls per (caller, callee), trace names mapped to service names where they match one
    /// (exactly or through an image alias), sorted; no self-calls.
    pub edges: BTreeMap<(String, String), u64>,
    /// Declared dependency edges the traces show, and those they do not.
    pub declared_observed: usize,
    pub declared_unobserved: usize,
    /// Observed edges no dependency declares, sorted by caller then callee.
    pub undeclared: Vec<Undeclared>,
}

fn owner_display(l: &Loaded) -> String {
    l.resolved
        .contract
        .service
        .as_ref()
        .and_then(|s| s.owner.as_ref())
        .and_then(|o| o.display())
        .unwrap_or("")
        .to_string()
}

/// Resolve a dependency ref to a service name (exact, alias, `-pacto` suffix).
fn target_name(
    reference: &str,
    names: &BTreeSet<String>,
    aliases: &HashMap<String, String>,
) -> (String, bool) {
    let parsed = parse_dependency_ref(reference);
    let raw = match parsed.scheme {
        RefScheme::Oci => oci_ref_name(&parsed.location),
        RefScheme::Local => {
            let loc = parsed.location.trim_end_matches('/');
            loc.rsplit('/').next().unwrap_or(loc).to_string()
        }
    };
    if names.contains(&raw) {
        return (raw, true);
    }
    if let Some(a) = aliases.get(&raw) {
        return (a.clone(), true);
    }
    if let Some(stripped) = raw.strip_suffix("-pacto") {
        if names.contains(stripped) {
            return (stripped.to_string(), true);
        }
    }
    (raw, false)
}

type ClassifyMemo = HashMap<(usize, usize), (Arc<Loaded>, Arc<Loaded>, Option<String>)>;

/// Classifications already computed, by the identity of the two materialized bundles (sources
/// reuse a bundle until it changes, so a refresh does not diff the same pair again). The pair
/// is kept alive with its answer, so the addresses cannot be reused meanwhile.
static CLASSIFY_MEMO: std::sync::LazyLock<std::sync::Mutex<ClassifyMemo>> =
    std::sync::LazyLock::new(Default::default);

fn classify(old: &Arc<Loaded>, new: &Arc<Loaded>) -> Option<String> {
    let key = (Arc::as_ptr(old) as usize, Arc::as_ptr(new) as usize);
    if let Some((_, _, c)) = crate::source::lock(&CLASSIFY_MEMO).get(&key) {
        return c.clone();
    }
    let c = pacto_core::diff::compare(&old.resolved.side(), &new.resolved.side())
        .ok()
        .map(|d| d.classification.as_str().to_string());
    let mut memo = crate::source::lock(&CLASSIFY_MEMO);
    if memo.len() > 20_000 {
        memo.clear();
    }
    memo.insert(key, (old.clone(), new.clone(), c.clone()));
    c
}

/// A service while merging: its best source, every source that has it, its versions.
type Merged = (SourceKind, Vec<SourceKind>, BTreeMap<String, VersionEntry>);

/// Merge scans and runtime state into a snapshot.
pub fn build(id: u64, inputs: Inputs, source_meta: Vec<(SourceKind, String, String)>) -> Snapshot {
    let mut sources = Vec::new();
    // name → (best source, versions by version string in merge order)
    let mut merged: BTreeMap<String, Merged> = BTreeMap::new();
    let mut seen: BTreeMap<String, Vec<Seen>> = BTreeMap::new();
    for ((kind, scan), (_, location, reason)) in inputs.scans.iter().zip(source_meta.iter()) {
        match scan {
            Ok(scan) => {
                sources.push(SourceStatus {
                    kind: *kind,
                    enabled: true,
                    state: if scan.problems.is_empty() {
                        "ok"
                    } else {
                        "degraded"
                    }
                    .into(),
                    reason: reason.clone(),
                    location: location.clone(),
                    problems: scan.problems.iter().take(50).cloned().collect(),
                    service_count: scan.services.len(),
                    failed: false,
                    error: None,
                });
                for (name, versions) in &scan.services {
                    let mut order: Vec<String> = versions.keys().cloned().collect();
                    sort_versions_desc(&mut order);
                    if let Some(slot) = order.first().and_then(|v| versions.get(v)) {
                        let list = seen.entry(name.clone()).or_default();
                        if !list.iter().any(|x| x.kind == *kind) {
                            list.push(Seen {
                                kind: *kind,
                                version: slot.version.clone(),
                                reference: slot.reference.clone(),
                                loaded: slot.loaded.clone(),
                                version_count: versions.len(),
                            });
                        }
                    }
                    let e = merged
                        .entry(name.clone())
                        .or_insert_with(|| (*kind, Vec::new(), BTreeMap::new()));
                    if !e.1.contains(kind) {
                        e.1.push(*kind);
                    }
                    for (v, slot) in versions {
                        let entry = e.2.entry(v.clone()).or_insert_with(|| VersionEntry {
                            version: v.clone(),
                            source: *kind,
                            reference: slot.reference.clone(),
                            loaded: None,
                            classification: None,
                        });
                        if entry.loaded.is_none() {
                            entry.loaded = slot.loaded.clone();
                        }
                    }
                }
            }
            Err(e) => sources.push(SourceStatus {
                kind: *kind,
                enabled: true,
                state: "degraded".into(),
                reason: e.clone(),
                location: location.clone(),
                problems: vec![e.clone()],
                service_count: 0,
                failed: true,
                error: Some(e.clone()),
            }),
        }
    }
    let mut runtime_by_name: BTreeMap<String, RuntimeInfo> = BTreeMap::new();
    match inputs.runtime {
        Some(Ok(list)) => {
            sources.push(SourceStatus {
                kind: SourceKind::K8s,
                enabled: true,
                state: "ok".into(),
                reason: source_meta
                    .iter()
                    .find(|m| m.0 == SourceKind::K8s)
                    .map(|m| m.2.clone())
                    .unwrap_or_default(),
                location: source_meta
                    .iter()
                    .find(|m| m.0 == SourceKind::K8s)
                    .map(|m| m.1.clone())
                    .unwrap_or_default(),
                problems: Vec::new(),
                service_count: list.len(),
                failed: false,
                error: None,
            });
            for r in list {
                runtime_by_name.entry(r.name.clone()).or_insert(r);
            }
        }
        Some(Err(e)) => sources.push(SourceStatus {
            kind: SourceKind::K8s,
            enabled: true,
            state: "degraded".into(),
            reason: e.clone(),
            location: source_meta
                .iter()
                .find(|m| m.0 == SourceKind::K8s)
                .map(|m| m.1.clone())
                .unwrap_or_default(),
            problems: vec![e.clone()],
            service_count: 0,
            failed: true,
            error: Some(e.clone()),
        }),
        None => {}
    }

    // Services: contract ones, then runtime-only ones.
    let mut services: BTreeMap<String, Service> = BTreeMap::new();
    for (name, (best, kinds, versions)) in merged {
        let mut list: Vec<VersionEntry> = versions.into_values().collect();
        let mut order: Vec<String> = list.iter().map(|v| v.version.clone()).collect();
        sort_versions_desc(&mut order);
        list.sort_by_key(|v| {
            order
                .iter()
                .position(|o| *o == v.version)
                .unwrap_or(usize::MAX)
        });
        // Current: the best source's highest materialized version.
        let current = list
            .iter()
            .find(|v| v.source == best && v.loaded.is_some())
            .or_else(|| list.iter().find(|v| v.loaded.is_some()))
            .and_then(|v| v.loaded.clone());
        // Classification between consecutive materialized versions.
        for i in 0..list.len() {
            let Some(new) = list[i].loaded.clone() else {
                continue;
            };
            if let Some(old) = list[i + 1..].iter().find_map(|v| v.loaded.clone()) {
                list[i].classification = classify(&old, &new);
            }
        }
        let mut sources = kinds;
        let runtime = runtime_by_name.remove(&name);
        if runtime.is_some() {
            sources.push(SourceKind::K8s);
        }
        let version = current
            .as_ref()
            .map(|c| c.version().to_string())
            .unwrap_or_default();
        services.insert(
            name.clone(),
            Service {
                seen: seen.remove(&name).unwrap_or_default(),
                owner: current.as_deref().map(owner_display).unwrap_or_default(),
                name,
                source: best,
                sources,
                current,
                version,
                versions: list,
                runtime,
                edges: Vec::new(),
                dependents: Vec::new(),
                blast_radius: 0,
                contract_status: String::new(),
                health: "ok",
                insights: Vec::new(),
                readiness: Value::Null,
            },
        );
    }
    for (name, r) in runtime_by_name {
        let versions = r
            .revisions
            .iter()
            .map(|v| VersionEntry {
                version: v.clone(),
                source: SourceKind::K8s,
                reference: r.resolved_ref.clone(),
                loaded: None,
                classification: None,
            })
            .collect();
        services.insert(
            name.clone(),
            Service {
                seen: Vec::new(),
                name,
                source: SourceKind::K8s,
                sources: vec![SourceKind::K8s],
                current: None,
                version: r.version.clone(),
                versions,
                runtime: Some(r),
                edges: Vec::new(),
                dependents: Vec::new(),
                blast_radius: 0,
                contract_status: String::new(),
                health: "ok",
                insights: Vec::new(),
                owner: String::new(),
                readiness: Value::Null,
            },
        );
    }

    // Edges.
    let names: BTreeSet<String> = services.keys().cloned().collect();
    let mut aliases: HashMap<String, String> = HashMap::new();
    // Image names two or more services share: a trace naming one cannot tell them apart.
    let mut shared_images: HashSet<String> = HashSet::new();
    for s in services.values() {
        if let Some(img) = s
            .current
            .as_ref()
            .and_then(|c| c.resolved.contract.service.as_ref())
            .and_then(|sv| sv.image.as_ref())
            .and_then(|i| i.reference.as_ref())
        {
            let alias = oci_ref_name(img.as_str());
            if !alias.is_empty() && !names.contains(&alias) {
                let first = aliases
                    .entry(alias.clone())
                    .or_insert_with(|| s.name.clone());
                if *first != s.name {
                    shared_images.insert(alias);
                }
            }
        }
    }
    let versions_of: HashMap<String, Vec<String>> = services
        .iter()
        .map(|(n, s)| {
            (
                n.clone(),
                s.versions.iter().map(|v| v.version.clone()).collect(),
            )
        })
        .collect();
    let mut externals: BTreeMap<String, External> = BTreeMap::new();
    let mut all_edges: Vec<(String, Vec<DepEdge>)> = Vec::new();
    for s in services.values() {
        let Some(cur) = &s.current else {
            all_edges.push((s.name.clone(), Vec::new()));
            continue;
        };
        let c = &cur.resolved.contract;
        let mut edges = Vec::new();
        for d in &c.dependencies {
            let reference = d.reference().to_string();
            let compat = d
                .compatibility
                .as_ref()
                .map(|c| c.as_str().to_string())
                .unwrap_or_default();
            let (target, found) = target_name(&reference, &names, &aliases);
            let (resolved_version, problem) = if found {
                let vs = versions_of.get(&target).cloned().unwrap_or_default();
                match Constraint::parse(&compat) {
                    Ok(con) if !compat.trim().is_empty() => {
                        match highest_matching(vs.iter().map(String::as_str), Some(&con)) {
                            Some((v, _)) => (Some(v.to_string()), None),
                            None => (
                                None,
                                Some(format!("no known version of {target} satisfies {compat}")),
                            ),
                        }
                    }
                    Ok(_) => (crate::source::highest(vs.iter()), None),
                    Err(e) => (None, Some(format!("invalid constraint {compat:?}: {e}"))),
                }
            } else {
                (None, Some(format!("{target} is not in any source")))
            };
            let target_id = if found {
                target.clone()
            } else {
                let id = format!("external:{target}");
                let ext = externals.entry(id.clone()).or_insert_with(|| External {
                    id: id.clone(),
                    name: target.clone(),
                    reason: if parse_dependency_ref(&reference).scheme == RefScheme::Oci {
                        "not_found".into()
                    } else {
                        "non_oci_ref".into()
                    },
                    referenced_by: Vec::new(),
                });
                if !ext.referenced_by.contains(&s.name) {
                    ext.referenced_by.push(s.name.clone());
                }
                id
            };
            edges.push(DepEdge {
                target_id,
                target_name: target,
                name: d.name.as_ref().map(|n| n.as_str().to_string()),
                reference,
                required: d.is_required(),
                compatibility: compat,
                resolved: found,
                resolved_version,
                problem,
                kind: "dependency",
                ref_type: None,
                observed: None,
                observed_calls: None,
            });
        }
        // Configuration and policy references (reference edges, no self-references).
        for (r, ref_type) in contract_refs(c) {
            let (target, found) = target_name(&r, &names, &aliases);
            if found && target != s.name {
                edges.push(DepEdge {
                    target_id: target.clone(),
                    target_name: target,
                    name: None,
                    reference: r,
                    required: false,
                    compatibility: String::new(),
                    resolved: true,
                    resolved_version: None,
                    problem: None,
                    kind: "reference",
                    ref_type: Some(ref_type),
                    observed: None,
                    observed_calls: None,
                });
            }
        }
        all_edges.push((s.name.clone(), edges));
    }
    // Dependents and blast radius (reverse required dependency edges, transitively).
    let mut reverse_required: HashMap<String, Vec<String>> = HashMap::new();
    let mut dependents: HashMap<String, Vec<(String, bool, String)>> = HashMap::new();
    for (from, edges) in &all_edges {
        for e in edges
            .iter()
            .filter(|e| e.kind == "dependency" && e.resolved)
        {
            dependents.entry(e.target_id.clone()).or_default().push((
                from.clone(),
                e.required,
                e.compatibility.clone(),
            ));
            if e.required {
                reverse_required
                    .entry(e.target_id.clone())
                    .or_default()
                    .push(from.clone());
            }
        }
    }
    for (name, edges) in all_edges {
        if let Some(s) = services.get_mut(&name) {
            s.edges = edges;
        }
    }
    for s in services.values_mut() {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut queue: VecDeque<&str> = VecDeque::from([s.name.as_str()]);
        while let Some(n) = queue.pop_front() {
            for d in reverse_required.get(n).map(Vec::as_slice).unwrap_or(&[]) {
                if d != &s.name && seen.insert(d.as_str()) {
                    queue.push_back(d.as_str());
                }
            }
        }
        s.blast_radius = seen.len();
        let mut deps = dependents.remove(&s.name).unwrap_or_default();
        deps.sort();
        s.dependents = deps;
    }
    let observed = inputs.traffic.map(|(file, t)| {
        let unique: HashMap<String, String> = aliases
            .iter()
            .filter(|(a, _)| !shared_images.contains(*a))
            .map(|(a, n)| (a.clone(), n.clone()))
            .collect();
        fold_traffic(file, t, &mut services, &unique, &mut sources)
    });
    for s in services.values_mut() {
        assess(s);
    }
    if let Some(o) = observed.as_ref().filter(|o| o.available) {
        traffic_insights(o, &mut services);
    }

    let built_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    for s in services.values_mut() {
        s.readiness = s
            .current
            .as_deref()
            .map(|c| readiness(c, built_at))
            .unwrap_or(Value::Null);
    }
    let mut snap = Snapshot {
        id,
        built_at,
        sources,
        services,
        externals,
        aliases,
        observed,
        ..Snapshot::default()
    };
    snap.services_json = to_bytes(&crate::views::services(&snap));
    snap.graph_json = to_bytes(&crate::views::graph(&snap));
    snap.overview_json = to_bytes(&crate::views::overview(&snap));
    snap
}

/// A trace name as a service of the snapshot: exact, else the image name of exactly one
/// service (`aliases` holds only those).
fn observed_name(
    name: &str,
    services: &BTreeMap<String, Service>,
    aliases: &HashMap<String, String>,
) -> (String, bool) {
    if services.contains_key(name) {
        return (name.to_string(), true);
    }
    match aliases.get(name) {
        Some(a) => (a.clone(), true),
        None => (name.to_string(), false),
    }
}

/// Fold a trace read into the services' dependency edges (`observed` on each dependency edge)
/// and list the observed edges no dependency declares; adds the `traces` source status.
fn fold_traffic(
    file: String,
    traffic: Result<Arc<Traffic>, String>,
    services: &mut BTreeMap<String, Service>,
    aliases: &HashMap<String, String>,
    sources: &mut Vec<SourceStatus>,
) -> Observed {
    let t = match traffic {
        Ok(t) => t,
        Err(e) => {
            sources.push(SourceStatus {
                kind: SourceKind::Traces,
                enabled: true,
                state: "degraded".into(),
                reason: e.clone(),
                location: file.clone(),
                problems: vec![e.clone()],
                service_count: 0,
                failed: true,
                error: Some(e.clone()),
            });
            return Observed {
                file,
                reason: e,
                ..Observed::default()
            };
        }
    };
    let mut problems = Vec::new();
    if t.truncated {
        problems.push(format!(
            "more than {} distinct edges: {} spans of further edges were dropped",
            crate::traces::MAX_EDGES,
            t.dropped_spans
        ));
    }
    sources.push(SourceStatus {
        kind: SourceKind::Traces,
        enabled: true,
        state: if problems.is_empty() {
            "ok"
        } else {
            "degraded"
        }
        .into(),
        reason: crate::traces::describe(&t),
        location: file.clone(),
        problems,
        service_count: t.services().len(),
        failed: false,
        error: None,
    });
    let mut edges: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut known: BTreeMap<String, bool> = BTreeMap::new();
    for ((caller, callee), calls) in &t.edges {
        let (a, ak) = observed_name(caller, services, aliases);
        let (b, bk) = observed_name(callee, services, aliases);
        if a == b {
            continue;
        }
        known.insert(a.clone(), ak);
        known.insert(b.clone(), bk);
        *edges.entry((a, b)).or_default() += calls;
    }
    let mut declared: BTreeSet<(String, String)> = BTreeSet::new();
    let (mut seen, mut unseen) = (0, 0);
    for s in services.values_mut() {
        for e in s.edges.iter_mut().filter(|e| e.kind == "dependency") {
            let key = (s.name.clone(), e.target_name.clone());
            let calls = edges.get(&key).copied();
            e.observed = Some(calls.is_some());
            e.observed_calls = Some(calls.unwrap_or(0));
            if calls.is_some() {
                seen += 1;
            } else {
                unseen += 1;
            }
            declared.insert(key);
        }
    }
    let undeclared = edges
        .iter()
        .filter(|(k, _)| !declared.contains(*k))
        .map(|((a, b), calls)| Undeclared {
            caller_known: known.get(a).copied().unwrap_or(false),
            callee_known: known.get(b).copied().unwrap_or(false),
            caller: a.clone(),
            callee: b.clone(),
            calls: *calls,
        })
        .collect();
    Observed {
        available: true,
        file,
        reason: String::new(),
        stats: Traffic {
            edges: BTreeMap::new(),
            ..*t
        },
        edges,
        declared_observed: seen,
        declared_unobserved: unseen,
        undeclared,
    }
}

/// An `info` insight on each caller for each undeclared callee (health does not change: traffic
/// is evidence to look at, not a contract violation).
fn traffic_insights(o: &Observed, services: &mut BTreeMap<String, Service>) {
    for u in &o.undeclared {
        if let Some(s) = services.get_mut(&u.caller) {
            s.insights.push(Insight {
                severity: "info",
                title: format!("Undeclared dependency {}", u.callee),
                description: format!(
                    "The traces show {} call(s) to {}, which the contract does not declare.",
                    u.calls, u.callee
                ),
            });
        }
    }
}

/// The configuration and policy refs of a contract, in order, with their kind.
pub fn contract_refs(c: &pacto_core::model::Contract) -> Vec<(String, &'static str)> {
    let mut refs: Vec<(String, &'static str)> = c
        .all_configurations()
        .into_iter()
        .filter_map(|(_, cfg)| {
            cfg.reference
                .as_ref()
                .map(|r| (r.as_str().to_string(), "config"))
        })
        .collect();
    refs.extend(c.all_policies().into_iter().filter_map(|(_, p)| {
        p.reference
            .as_ref()
            .map(|r| (r.as_str().to_string(), "policy"))
    }));
    refs
}

/// Resolve a ref to a service of the snapshot, as the graph does (exact, alias, `-pacto`).
pub fn resolve_target(snap: &Snapshot, reference: &str) -> (String, bool) {
    let names: BTreeSet<String> = snap.services.keys().cloned().collect();
    target_name(reference, &names, &snap.aliases)
}

/// A JSON answer rendered once per snapshot, plain and gzip-compressed.
#[derive(Debug, Clone, Default)]
pub struct Prebuilt {
    pub plain: bytes::Bytes,
    pub gzip: Option<bytes::Bytes>,
}

fn to_bytes(v: &Value) -> Prebuilt {
    use std::io::Write;
    let plain = serde_json::to_vec(v).unwrap_or_else(|_| b"null".to_vec());
    // Only worth it for the big answers (the service list and graph of a large fleet).
    let gzip = (plain.len() > 8 * 1024)
        .then(|| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(&plain).ok()?;
            e.finish().ok()
        })
        .flatten()
        .map(bytes::Bytes::from);
    Prebuilt {
        plain: bytes::Bytes::from(plain),
        gzip,
    }
}

/// The readiness of a contract evaluated on the day of `now` (seconds since the epoch, UTC):
/// the core's evaluation plus the gate, a message and, for checks whose evidence is a
/// Markdown page of the bundle, its `docPath`. `null` when the contract declares none.
pub fn readiness(l: &Loaded, now: u64) -> Value {
    use pacto_core::readiness::{evaluate, Date, Readiness};
    // 2.0 `readiness.claims` from the tree; 1.2 `readiness.checks` from the model.
    let v2 = pacto_core::doc::v2::is_v2(&l.resolved.tree);
    let declared = if v2 {
        pacto_core::doc::v2::readiness(&l.resolved.tree)
    } else {
        Readiness::from_contract(&l.resolved.contract)
    };
    let Some(r) = declared else {
        return Value::Null;
    };
    let e = evaluate(
        &r,
        Date::from_unix_seconds(i64::try_from(now).unwrap_or(i64::MAX)),
    );
    let mut v = serde_json::to_value(&e).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert("gate".into(), json!(e.gate().as_str()));
        // What the contract calls its items: 2.0 `claims`, 1.2 `checks`.
        m.insert(
            "declaredAs".into(),
            json!(if v2 { "claims" } else { "checks" }),
        );
        m.insert("message".into(), json!(e.message()));
        if let Some(Value::Array(checks)) = m.get_mut("checks") {
            for c in checks.iter_mut() {
                let evidence = c.get("evidence").and_then(Value::as_str).unwrap_or("");
                let doc = (evidence.ends_with(".md")
                    && !evidence.starts_with('/')
                    && !evidence.contains("..")
                    && l.resolved.bundle.exists(evidence))
                .then(|| evidence.to_string());
                if let Value::Object(cm) = c {
                    cm.insert("docPath".into(), json!(doc));
                }
            }
        }
    }
    v
}

/// Contract status, health and insights of one service.
fn assess(s: &mut Service) {
    let mut insights = Vec::new();
    let (errors, warnings) = s
        .current
        .as_ref()
        .map(|c| (c.errors(), c.warnings()))
        .unwrap_or((0, 0));
    if errors > 0 {
        insights.push(Insight {
            severity: "critical",
            title: format!("{errors} validation error(s)"),
            description: "The contract does not validate; see Validation.".into(),
        });
    }
    for e in &s.edges {
        if let Some(p) = &e.problem {
            insights.push(Insight {
                severity: if e.required { "warning" } else { "info" },
                title: if e.resolved {
                    format!("Unsatisfied dependency {}", e.target_name)
                } else {
                    format!("Unknown dependency {}", e.target_name)
                },
                description: p.clone(),
            });
        }
    }
    if warnings > 0 {
        insights.push(Insight {
            severity: "warning",
            title: format!("{warnings} validation warning(s)"),
            description: "The contract validates with warnings.".into(),
        });
    }
    // The runtime verdict: the operator's contractStatus. `Unknown` is kept as the service's
    // status (it is never a pass, and never replaced by the contract-only NotEvaluated).
    let runtime_status = s
        .runtime
        .as_ref()
        .map(|r| r.contract_status.clone())
        .filter(|st| !st.is_empty());
    if let Some(r) = &s.runtime {
        runtime_insights(r, &mut insights);
    }
    if s.current.is_none() {
        insights.push(Insight {
            severity: "warning",
            title: "No contract content".into(),
            description: "Only Kubernetes knows this service; no contract source has it.".into(),
        });
    }
    s.contract_status = match runtime_status {
        // A contract that does not validate stays Invalid when the operator could not tell.
        Some(st) if st == "Unknown" && errors > 0 => "Invalid".into(),
        Some(st) => st,
        None if errors > 0 => "Invalid".into(),
        None if s.current.is_none() => "Unknown".into(),
        None => "NotEvaluated".into(),
    };
    s.health = if insights.iter().any(|i| i.severity == "critical") {
        "error"
    } else if insights.iter().any(|i| i.severity == "warning") {
        "warning"
    } else if insights.iter().any(|i| i.severity == "unknown") {
        "unknown"
    } else {
        "ok"
    };
    insights.sort_by_key(|i| match i.severity {
        "critical" => 0,
        "warning" => 1,
        "unknown" => 2,
        _ => 3,
    });
    s.insights = insights;
}

/// What the operator's verdict says about a service. One definition for every page:
/// NonCompliant and Invalid are critical, Warning is a warning, Unknown (or no verdict) is
/// `unknown` — never a pass, and not a reason that "needs attention" by itself.
/// 1.x Pactos add one reason per failed check (condition); 2.0 Pactos one per error or
/// warning finding (their conditions are ContractValid, RuntimeObserved, ReadinessSatisfied).
fn runtime_insights(r: &crate::k8s::RuntimeInfo, insights: &mut Vec<Insight>) {
    let count = |sev: &str| r.findings.iter().filter(|f| f["severity"] == sev).count();
    let coverage = || {
        let c = &r.evaluation_coverage;
        match (c["evaluated"].as_i64(), c["required"].as_i64()) {
            (Some(e), Some(q)) => format!(" ({e} of {q} required assertions evaluated)"),
            _ => String::new(),
        }
    };
    match r.contract_status.as_str() {
        "NonCompliant" => insights.push(Insight {
            severity: "critical",
            title: "Runtime does not comply with the contract".into(),
            description: if r.evaluated_v2 {
                format!(
                    "The operator reports NonCompliant: {} error finding(s).",
                    count("error")
                )
            } else {
                "The operator reports NonCompliant.".into()
            },
        }),
        "Invalid" => insights.push(Insight {
            severity: "critical",
            title: "The operator finds the contract invalid".into(),
            description: "The operator reports Invalid: the contract does not parse or validate."
                .into(),
        }),
        "Warning" => insights.push(Insight {
            severity: "warning",
            title: "Runtime drifts from the contract".into(),
            description: "The operator reports Warning.".into(),
        }),
        "Unknown" | "" => insights.push(Insight {
            severity: "unknown",
            title: "Runtime compliance is unknown".into(),
            description: if r.evaluated_v2 {
                format!(
                    "The operator could not decide{}: {} finding(s) could not be observed.",
                    coverage(),
                    count("unknown")
                )
            } else {
                "The operator has not evaluated this service.".into()
            },
        }),
        _ => {}
    }
    if r.evaluated_v2 {
        for f in &r.findings {
            let severity = match f["severity"].as_str() {
                Some("error") => "critical",
                Some("warning") => "warning",
                _ => continue,
            };
            let subject = f["subject"].as_str().unwrap_or("");
            insights.push(Insight {
                severity,
                title: if subject.is_empty() {
                    f["code"].as_str().unwrap_or("").to_string()
                } else {
                    format!("{} on {subject}", f["code"].as_str().unwrap_or(""))
                },
                description: f["message"].as_str().unwrap_or("").to_string(),
            });
        }
        return;
    }
    for c in &r.conditions {
        if c.get("status").and_then(Value::as_str) == Some("False") {
            let t = c.get("type").and_then(Value::as_str).unwrap_or("");
            let sev = if condition_severity(t) == "warning" {
                "warning"
            } else {
                "critical"
            };
            insights.push(Insight {
                severity: sev,
                title: format!("{t} failed"),
                description: c
                    .get("message")
                    .or_else(|| c.get("reason"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            });
        }
    }
}

/// Spec §5.6 `ComputeCompliance` over the runtime conditions, or the contract-only verdict.
pub fn compliance(s: &Service) -> Value {
    let Some(r) = &s.runtime else {
        let status = if s.contract_status == "Invalid" {
            "ERROR"
        } else {
            "REFERENCE"
        };
        return json!({"status": status, "score": null, "summary": null});
    };
    let (mut passed, mut errors, mut warnings, mut unknown) = (0u32, 0u32, 0u32, 0u32);
    for c in &r.conditions {
        match c.get("status").and_then(Value::as_str) {
            Some("True") => passed += 1,
            Some("False") => {
                let sev = c
                    .get("severity")
                    .and_then(Value::as_str)
                    .unwrap_or_else(|| {
                        condition_severity(c.get("type").and_then(Value::as_str).unwrap_or(""))
                    });
                if sev == "warning" {
                    warnings += 1
                } else {
                    errors += 1
                }
            }
            _ => unknown += 1,
        }
    }
    let total = passed + errors + warnings + unknown;
    let score = (total > 0).then(|| ((passed as f64 / total as f64) * 100.0).round() as u32);
    let st = r.contract_status.as_str();
    let status = match st {
        "Reference" | "NotEvaluated" => "REFERENCE",
        "Invalid" => "ERROR",
        _ if errors > 0 || st == "NonCompliant" => "ERROR",
        _ if unknown > 0 || st == "Unknown" => "UNKNOWN",
        _ if warnings > 0 || st == "Warning" => "WARNING",
        _ => "OK",
    };
    json!({"status": status, "score": score, "summary": {
        "total": total, "passed": passed, "failed": errors + warnings,
        "errors": errors, "warnings": warnings, "unknown": unknown}})
}

impl Snapshot {
    /// Highest known version of `name` satisfying `compat` (used by the graph fetcher).
    pub fn pick(&self, name: &str, compat: Option<&Constraint>) -> Option<&VersionEntry> {
        let s = self.services.get(name)?;
        let chosen = highest_matching(
            s.versions
                .iter()
                .filter(|v| v.loaded.is_some())
                .map(|v| v.version.as_str()),
            compat,
        )?;
        s.versions.iter().find(|v| v.version == chosen.0)
    }

    pub fn is_semver(v: &str) -> bool {
        Version::parse(v).is_ok()
    }
}
