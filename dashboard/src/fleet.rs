//! The fleet (operational-graph) endpoints of spec §5.3, under `/api/fleet`.
//!
//! Three identities are kept apart, as the redesign plan asks: the **service** (logical, keyed
//! by name), the **revision** (one published contract, keyed by the sha256 of its `pacto.yaml`
//! once materialized, else `name@version`) and the **target** (a deployment as the operator
//! sees it, keyed `namespace/Pacto/resource`). Every answer carries the schema, the snapshot id,
//! its time, whether it is complete, the health of the sources and the limitations; lists are
//! paged with truthful totals.

use crate::api::{blocking, json_value, problem, AppState};
use crate::snapshot::{Service, Snapshot};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// The schema of every fleet answer.
pub const SCHEMA: &str = "pacto.dev/fleet/v1";
/// Default and largest page of `/api/fleet/services`.
pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 500;
/// Largest neighbourhood graph.
pub const MAX_NODES: usize = 2_000;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/fleet/status", get(status))
        .route("/api/fleet/snapshot", get(snapshot))
        .route("/api/fleet/services", get(services))
        .route("/api/fleet/service", get(service))
        .route("/api/fleet/target", get(target))
        .route("/api/fleet/services/{name}/graph", get(graph))
        .route(
            "/api/fleet/impact",
            get(impact).post(crate::fleet_product::impact_post),
        )
}

/// The common head of every answer.
fn envelope(snap: &Snapshot) -> Map<String, Value> {
    let degraded: Vec<&crate::snapshot::SourceStatus> = snap
        .sources
        .iter()
        .filter(|s| s.state == "degraded")
        .collect();
    let mut limitations: Vec<String> = degraded
        .iter()
        .map(|d| format!("Source {} is degraded: {}", d.kind.as_str(), d.reason))
        .collect();
    if !snap
        .sources
        .iter()
        .any(|s| s.kind == crate::source::SourceKind::K8s && s.state == "ok")
    {
        limitations.push("No runtime source: no targets (deployments) are known.".into());
    }
    match &snap.observed {
        None => {
            limitations.push("No observed traffic: only expected (declared) dependencies.".into())
        }
        Some(o) if !o.available => limitations.push(format!(
            "Observed traffic unavailable: {}; only expected (declared) dependencies.",
            o.reason
        )),
        Some(_) => {}
    }
    let mut m = Map::new();
    m.insert("schema".into(), json!(SCHEMA));
    m.insert("snapshotId".into(), json!(snap.id));
    m.insert("asOf".into(), json!(snap.built_at));
    m.insert(
        "complete".into(),
        json!(!snap.services.is_empty() && degraded.is_empty()),
    );
    m.insert("sources".into(), json!(snap.sources));
    m.insert("limitations".into(), json!(limitations));
    m
}

fn with(mut m: Map<String, Value>, fields: Value) -> Value {
    if let Value::Object(f) = fields {
        m.extend(f);
    }
    Value::Object(m)
}

/// A revision key: the contract digest when the bundle is materialized, else `name@version`.
fn revision_key(s: &Service, v: &crate::snapshot::VersionEntry) -> String {
    match &v.loaded {
        Some(l) => format!("sha256:{}", l.contract_hash),
        None => format!("{}@{}", s.name, v.version),
    }
}

fn revisions(s: &Service) -> Vec<Value> {
    s.versions
        .iter()
        .map(|v| {
            json!({
                "key": revision_key(s, v),
                "service": s.name,
                "version": v.version,
                "digest": v.loaded.as_ref().map(|l| format!("sha256:{}", l.contract_hash)),
                "source": v.source,
                "ref": v.reference,
                "retrievable": v.loaded.is_some() || v.source != crate::source::SourceKind::K8s,
                "fetched": v.loaded.is_some(),
                "classification": v.classification,
                "isCurrent": v.version == s.version,
            })
        })
        .collect()
}

fn target_key(r: &crate::k8s::RuntimeInfo) -> String {
    format!("{}/Pacto/{}", r.namespace, r.resource)
}

fn targets(s: &Service) -> Vec<Value> {
    let Some(r) = &s.runtime else {
        return Vec::new();
    };
    let linked = s.versions.iter().find(|v| v.version == r.version);
    let (certainty, revision) = match linked {
        Some(v) if !r.version.is_empty() => ("inferred", Some(revision_key(s, v))),
        _ => ("unresolved", None),
    };
    vec![json!({
        "key": target_key(r),
        "scope": r.namespace,
        "kind": "Pacto",
        "name": r.resource,
        "service": s.name,
        "version": r.version,
        "contractStatus": r.contract_status,
        "resolvedRef": r.resolved_ref,
        "currentRevision": r.current_revision,
        "versionPolicy": r.version_policy,
        "revisionLink": {"certainty": certainty, "revision": revision,
            "retrievable": linked.is_some_and(|v| v.loaded.is_some())},
    })]
}

fn summary(s: &Service) -> Value {
    json!({
        "key": format!("service:{}", s.name),
        "name": s.name,
        "version": s.version,
        "owner": s.owner,
        "contractStatus": s.contract_status,
        "health": crate::views::health(s),
        "source": s.source,
        "sources": s.sources,
        "scope": s.runtime.as_ref().map(|r| r.namespace.clone()),
        "blastRadius": s.blast_radius,
        "dependencyCount": s.edges.iter().filter(|e| e.kind == "dependency").count(),
        "dependentCount": s.dependents.len(),
        "revisionCount": s.versions.len(),
        "targetCount": usize::from(s.runtime.is_some()),
        "route": format!("#/services/{}", s.name),
    })
}

fn edges(s: &Service) -> Vec<Value> {
    s.edges
        .iter()
        .map(|e| {
            let mut v = json!({"from": s.name, "to": e.target_id, "type": e.kind, "required": e.required,
                "compatibility": e.compatibility, "resolved": e.resolved, "knowledge": "expected"});
            if let (Some(o), Some(n)) = (e.observed, e.observed_calls) {
                v["observed"] = json!(o);
                v["observedCalls"] = json!(n);
            }
            v
        })
        .collect()
}

/// Observed calls no dependency declares (`--traces`), as `observed` knowledge edges.
fn undeclared_edges(snap: &Snapshot) -> Vec<Value> {
    snap.observed
        .iter()
        .flat_map(|o| o.undeclared.iter())
        .map(|u| {
            json!({"from": u.caller, "to": u.callee, "type": "traffic", "required": false,
                "compatibility": "", "resolved": u.callee_known, "knowledge": "observed",
                "observedCalls": u.calls})
        })
        .collect()
}

async fn status(State(s): State<AppState>) -> Response {
    let snap = s.dashboard.snapshot();
    let targets: usize = snap
        .services
        .values()
        .filter(|x| x.runtime.is_some())
        .count();
    json_value(&with(
        envelope(&snap),
        json!({"counts": {
            "services": snap.services.len(),
            "revisions": snap.services.values().map(|x| x.versions.len()).sum::<usize>(),
            "targets": targets,
            "external": snap.externals.len(),
        }, "discovering": false}),
    ))
}

async fn snapshot(State(s): State<AppState>) -> Response {
    blocking(move || {
        let snap = s.dashboard.snapshot();
        let services: Vec<Value> = snap.services.values().map(summary).collect();
        let revs: Vec<Value> = snap.services.values().flat_map(revisions).collect();
        let tgts: Vec<Value> = snap.services.values().flat_map(targets).collect();
        let mut all_edges: Vec<Value> = snap.services.values().flat_map(edges).collect();
        all_edges.extend(undeclared_edges(&snap));
        json_value(&with(
            envelope(&snap),
            json!({"services": services, "revisions": revs, "targets": tgts, "edges": all_edges}),
        ))
    })
    .await
}

#[derive(Deserialize, Default)]
struct Search {
    text: Option<String>,
    owner: Option<String>,
    scope: Option<String>,
    status: Option<String>,
    source: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

async fn services(State(s): State<AppState>, Query(q): Query<Search>) -> Response {
    let snap = s.dashboard.snapshot();
    let text = q.text.as_deref().unwrap_or("").to_lowercase();
    let matches = |x: &&Service| {
        (text.is_empty()
            || x.name.to_lowercase().contains(&text)
            || x.owner.to_lowercase().contains(&text))
            && q.owner.as_deref().is_none_or(|o| x.owner == o)
            && q.scope
                .as_deref()
                .is_none_or(|sc| x.runtime.as_ref().is_some_and(|r| r.namespace == sc))
            && q.status.as_deref().is_none_or(|st| {
                x.contract_status.eq_ignore_ascii_case(st) || crate::views::health(x) == st
            })
            && q.source
                .as_deref()
                .is_none_or(|src| x.sources.iter().any(|k| k.as_str() == src))
    };
    let found: Vec<&Service> = snap.services.values().filter(matches).collect();
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let offset = q.offset.unwrap_or(0);
    let items: Vec<Value> = found
        .iter()
        .skip(offset)
        .take(limit)
        .map(|x| summary(x))
        .collect();
    json_value(&with(
        envelope(&snap),
        json!({"total": found.len(), "offset": offset, "limit": limit,
            "truncated": offset + items.len() < found.len(), "items": items}),
    ))
}

#[derive(Deserialize)]
struct KeyQuery {
    key: String,
}

async fn service(State(s): State<AppState>, Query(q): Query<KeyQuery>) -> Response {
    let snap = s.dashboard.snapshot();
    let name = q.key.strip_prefix("service:").unwrap_or(&q.key);
    let Some(svc) = snap.services.get(name) else {
        return problem(
            StatusCode::NOT_FOUND,
            format!("no service with key {:?}", q.key),
        );
    };
    json_value(&with(
        envelope(&snap),
        json!({"service": summary(svc), "revisions": revisions(svc), "targets": targets(svc),
            "dependencies": edges(svc), "dependents": crate::views::dependents(&snap, svc),
            "insights": svc.insights}),
    ))
}

async fn target(State(s): State<AppState>, Query(q): Query<KeyQuery>) -> Response {
    let snap = s.dashboard.snapshot();
    let parts: Vec<&str> = q.key.split('/').collect();
    if parts.len() != 3 || parts[1] != "Pacto" || parts[2].is_empty() {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "a target key is namespace/Pacto/name",
        );
    }
    let found = snap
        .services
        .values()
        .find(|x| x.runtime.as_ref().is_some_and(|r| target_key(r) == q.key));
    match found {
        Some(svc) => json_value(&with(
            envelope(&snap),
            json!({"target": targets(svc).into_iter().next(), "service": summary(svc),
                "runtime": svc.runtime}),
        )),
        None => problem(
            StatusCode::NOT_FOUND,
            format!("no target with key {:?}", q.key),
        ),
    }
}

/// An edge of a neighbourhood: from, to, type, required, compatibility.
type Edge = (String, String, &'static str, bool, String);

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct GraphQuery {
    direction: Option<String>,
    transitive: Option<bool>,
    max_depth: Option<usize>,
    max_nodes: Option<usize>,
}

async fn graph(
    State(s): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<GraphQuery>,
) -> Response {
    let snap = s.dashboard.snapshot();
    if !snap.services.contains_key(&name) {
        return problem(StatusCode::NOT_FOUND, format!("service {name:?} not found"));
    }
    let direction = q.direction.as_deref().unwrap_or("both");
    let (down, up) = match direction {
        "downstream" => (true, false),
        "upstream" => (false, true),
        "both" => (true, true),
        _ => {
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "direction is downstream, upstream or both",
            )
        }
    };
    let max_depth = if q.transitive.unwrap_or(true) {
        q.max_depth.unwrap_or(3).clamp(1, 50)
    } else {
        1
    };
    let max_nodes = q.max_nodes.unwrap_or(200).clamp(1, MAX_NODES);
    // Adjacency over every edge (dependency and reference), both ways.
    let mut fwd: BTreeMap<&str, Vec<&crate::snapshot::DepEdge>> = BTreeMap::new();
    let mut rev: BTreeMap<&str, Vec<(&str, &crate::snapshot::DepEdge)>> = BTreeMap::new();
    for svc in snap.services.values() {
        for e in &svc.edges {
            fwd.entry(svc.name.as_str()).or_default().push(e);
            rev.entry(e.target_id.as_str())
                .or_default()
                .push((svc.name.as_str(), e));
        }
    }
    let mut depth: BTreeMap<String, usize> = BTreeMap::from([(name.clone(), 0)]);
    let mut queue = VecDeque::from([name.clone()]);
    let mut out_edges: BTreeSet<Edge> = BTreeSet::new();
    let mut truncated = false;
    let mut reachable: BTreeSet<String> = BTreeSet::from([name.clone()]);
    while let Some(n) = queue.pop_front() {
        let d = depth.get(&n).copied().unwrap_or(0);
        if d >= max_depth {
            continue;
        }
        let mut next: Vec<(String, Edge)> = Vec::new();
        if down {
            for e in fwd.get(n.as_str()).map(Vec::as_slice).unwrap_or(&[]) {
                next.push((
                    e.target_id.clone(),
                    (
                        n.clone(),
                        e.target_id.clone(),
                        e.kind,
                        e.required,
                        e.compatibility.clone(),
                    ),
                ));
            }
        }
        if up {
            for (from, e) in rev.get(n.as_str()).map(Vec::as_slice).unwrap_or(&[]) {
                next.push((
                    from.to_string(),
                    (
                        from.to_string(),
                        n.clone(),
                        e.kind,
                        e.required,
                        e.compatibility.clone(),
                    ),
                ));
            }
        }
        for (id, edge) in next {
            reachable.insert(id.clone());
            if !depth.contains_key(&id) {
                if depth.len() >= max_nodes {
                    truncated = true;
                    continue;
                }
                depth.insert(id.clone(), d + 1);
                queue.push_back(id.clone());
            }
            out_edges.insert(edge);
        }
    }
    let nodes: Vec<Value> = depth
        .iter()
        .map(|(id, d)| match snap.services.get(id) {
            Some(x) => json!({"id": id, "serviceName": x.name, "status": x.contract_status,
                "health": crate::views::health(x), "version": x.version, "depth": d, "external": false}),
            None => json!({"id": id, "serviceName": id.strip_prefix("external:").unwrap_or(id),
                "status": "external", "health": "external", "version": "", "depth": d, "external": true}),
        })
        .collect();
    let edges: Vec<Value> = out_edges
        .into_iter()
        .filter(|e| depth.contains_key(&e.0) && depth.contains_key(&e.1))
        .map(|(from, to, kind, required, compat)| {
            json!({"from": from, "to": to, "type": kind, "required": required, "compatibility": compat})
        })
        .collect();
    json_value(&with(
        envelope(&snap),
        json!({"root": name, "direction": direction, "maxDepth": max_depth, "maxNodes": max_nodes,
            "nodes": nodes, "edges": edges, "totalNodes": reachable.len().max(depth.len()),
            "truncated": truncated}),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ImpactQuery {
    old: String,
    new: String,
    include_observed: Option<bool>,
}

/// `name@version`, or a revision digest key `sha256:…` of a materialized version.
fn find_revision(snap: &Snapshot, key: &str) -> Result<(String, String), Box<Response>> {
    if let Some(hash) = key.strip_prefix("sha256:") {
        for svc in snap.services.values() {
            for v in &svc.versions {
                if v.loaded.as_ref().is_some_and(|l| l.contract_hash == hash) {
                    return Ok((svc.name.clone(), v.version.clone()));
                }
            }
        }
        return Err(Box::new(problem(
            StatusCode::NOT_FOUND,
            format!("no revision {key:?}"),
        )));
    }
    match key.split_once('@') {
        Some((n, v)) if !n.is_empty() && !v.is_empty() => Ok((n.to_string(), v.to_string())),
        _ => Err(Box::new(problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "a revision is name@version or sha256:<contract digest>",
        ))),
    }
}

/// The observed callers of a service (`--traces`), for the impact answer when asked for.
fn observed_impact(snap: &Snapshot, name: &str, requested: bool) -> Value {
    match &snap.observed {
        None => json!({"included": false, "available": false, "requested": requested,
            "reason": "no observed-traffic source is configured"}),
        Some(o) if !o.available => json!({"included": false, "available": false,
            "requested": requested, "reason": o.reason}),
        Some(_) if !requested => json!({"included": false, "available": true,
            "requested": false, "reason": "includeObserved=true adds the observed callers"}),
        Some(o) => {
            let callers: Vec<Value> = o
                .edges
                .iter()
                .filter(|((_, b), _)| b == name)
                .map(|((a, _), n)| {
                    let declared = snap.services.get(a).is_some_and(|f| {
                        f.edges
                            .iter()
                            .any(|e| e.kind == "dependency" && e.target_name == name)
                    });
                    json!({"name": a, "calls": n, "declared": declared})
                })
                .collect();
            json!({"included": true, "available": true, "requested": true, "reason": "",
                "callers": callers})
        }
    }
}

async fn impact(State(s): State<AppState>, Query(q): Query<ImpactQuery>) -> Response {
    blocking(move || {
        let snap = s.dashboard.snapshot();
        let (old_name, old_v) = match find_revision(&snap, &q.old) {
            Ok(x) => x,
            Err(r) => return *r,
        };
        let (new_name, new_v) = match find_revision(&snap, &q.new) {
            Ok(x) => x,
            Err(r) => return *r,
        };
        let load = |n: &str, v: &str| {
            s.dashboard.load_version(n, v).map_err(|e| {
                Box::new(match e {
                    crate::LoadError::NotFound(m) => problem(StatusCode::NOT_FOUND, m),
                    crate::LoadError::Unsupported(m) => {
                        problem(StatusCode::UNPROCESSABLE_ENTITY, m)
                    }
                    crate::LoadError::Source(m) => problem(StatusCode::SERVICE_UNAVAILABLE, m),
                })
            })
        };
        let (old, new) = match (load(&old_name, &old_v), load(&new_name, &new_v)) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(r), _) | (_, Err(r)) => return *r,
        };
        let d = match pacto_core::diff::compare(&old.resolved.side(), &new.resolved.side()) {
            Ok(d) => d,
            Err(e) => return problem(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
        };
        let Some(svc) = snap.services.get(&old_name) else {
            return problem(StatusCode::NOT_FOUND, format!("service {old_name:?} not found"));
        };
        // Direct consumers: does the new version still satisfy what they ask for?
        let new_version = pacto_core::version::Version::parse(&new_v).ok();
        let consumers: Vec<Value> = svc
            .dependents
            .iter()
            .map(|(n, required, compat)| {
                let satisfied = match (pacto_core::version::Constraint::parse(compat), &new_version)
                {
                    _ if compat.trim().is_empty() => Some(true),
                    (Ok(c), Some(v)) => Some(c.matches(v)),
                    _ => None,
                };
                json!({"name": n, "required": required, "compatibility": compat,
                    "satisfiedByNew": satisfied})
            })
            .collect();
        json_value(&with(
            envelope(&snap),
            json!({
                "old": {"service": old_name, "version": old_v, "digest": format!("sha256:{}", old.contract_hash)},
                "new": {"service": new_name, "version": new_v, "digest": format!("sha256:{}", new.contract_hash)},
                "classification": d.classification.as_str(),
                "changeCount": d.changes.len(),
                "changes": d.changes,
                "consumers": consumers,
                "blastRadius": svc.blast_radius,
                "observed": observed_impact(&snap, &old_name, q.include_observed.unwrap_or(false)),
            }),
        ))
    })
    .await
}
