//! Go Pacto's fleet product endpoints (`/api/fleet/overview`, `/api/fleet/attention`,
//! `/api/fleet/entities`, `/api/fleet/entities/{kind}`, `/api/fleet/neighborhood`,
//! `/api/fleet/revisions/document`, `POST /api/fleet/impact`), answered by the one engine the
//! CLI and the MCP server use: a [`pacto_core::fleet::Snapshot`] built from the dashboard's
//! local directory (and `--traces` file) exactly as `pacto fleet --local DIR [--traces F]`
//! builds it, and [`pacto_core::impact::analyze`]. For the same snapshot the answers are those
//! of `pacto fleet ... --output-format json` (only `asOf` differs: it is the build time).
//!
//! The core snapshot is rebuilt when what the dashboard read changes (a contract edited, added
//! or removed), not on every background refresh.

use crate::api::{blocking, json_bytes, json_value, problem, AppState};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use pacto_core::diff::Which;
use pacto_core::fleet::{
    self, BuildOptions, Direction, GraphQuery, QueryError, SearchFilter, Snapshot, SourceSpec,
    StatusQuery,
};
use pacto_core::impact;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Largest page of `/api/fleet/entities` and `/api/fleet/attention`.
pub const MAX_LIMIT: usize = 500;
/// Default page.
pub const DEFAULT_LIMIT: usize = 50;
/// Largest contract document served by `/api/fleet/revisions/document`.
pub const MAX_DOCUMENT_BYTES: usize = 4 << 20;

/// The core snapshot of the current dashboard snapshot (keyed by its [`fingerprint`]), and the
/// last answers of `POST /api/fleet/impact` over it.
#[derive(Default)]
pub(crate) struct Cache(Mutex<Option<(u64, Arc<Snapshot>)>>, Mutex<Answers>);

/// The last [`ANSWERS`] impact answers (at most [`ANSWER_BYTES`] in all), keyed by snapshot id
/// and the two revision keys: a
/// snapshot never changes, so neither does an answer over it (the Change analysis page asks
/// again on every visit, and a shared link is opened by many). Answers that read the traces
/// file (`includeObserved`) are not kept: that file is read at request time.
#[derive(Default)]
struct Answers(std::collections::VecDeque<(String, axum::body::Bytes)>);

const ANSWERS: usize = 16;
/// The bytes the kept answers may hold together (the root of a 10,000-service fleet answers
/// several MB); an answer larger than this is not kept.
const ANSWER_BYTES: usize = 64 << 20;

impl Answers {
    fn get(&mut self, key: &str) -> Option<axum::body::Bytes> {
        let i = self.0.iter().position(|(k, _)| k == key)?;
        let hit = self.0.remove(i)?;
        let bytes = hit.1.clone();
        self.0.push_front(hit);
        Some(bytes)
    }

    fn put(&mut self, key: String, bytes: axum::body::Bytes) {
        self.0.retain(|(k, _)| *k != key);
        if bytes.len() > ANSWER_BYTES {
            return;
        }
        self.0.push_front((key, bytes));
        self.0.truncate(ANSWERS);
        while self.0.iter().map(|(_, b)| b.len()).sum::<usize>() > ANSWER_BYTES {
            self.0.pop_back();
        }
    }
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/fleet/overview", get(overview))
        .route("/api/fleet/attention", get(attention))
        .route("/api/fleet/entities", get(entities))
        .route("/api/fleet/entities/{kind}", get(entity))
        .route("/api/fleet/neighborhood", get(neighborhood))
        .route("/api/fleet/revisions/document", get(document))
}

/// The sources `pacto fleet` would be given for this dashboard: `--local DIR` (when a local
/// directory is a source) and `--traces FILE`.
fn specs(s: &AppState) -> Vec<SourceSpec> {
    let mut specs: Vec<SourceSpec> = s
        .dashboard
        .detected()
        .into_iter()
        .filter(|d| d.enabled && d.kind == crate::source::SourceKind::Local)
        .map(|d| SourceSpec::Local(d.location.into()))
        .collect();
    if let Some(t) = &s.dashboard.config.traces {
        specs.push(SourceSpec::Traces(t.clone()));
    }
    specs
}

/// What the dashboard's snapshot holds that the core snapshot is built from: every service's
/// versions with the references and contract hashes they were loaded from. A background
/// refresh that changed nothing keeps the same fingerprint, so the core snapshot (and its
/// `asOf`) stays; an edited contract changes it.
fn fingerprint(snap: &crate::snapshot::Snapshot) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for (name, svc) in &snap.services {
        name.hash(&mut h);
        svc.version.hash(&mut h);
        svc.current.as_ref().map(|c| &c.contract_hash).hash(&mut h);
        for v in &svc.versions {
            v.version.hash(&mut h);
            v.reference.hash(&mut h);
            v.loaded.as_ref().map(|l| &l.contract_hash).hash(&mut h);
        }
    }
    snap.externals.len().hash(&mut h);
    h.finish()
}

/// The core snapshot for the dashboard's current snapshot, built again only when what it is
/// built from changed.
pub(crate) fn core_snapshot(s: &AppState) -> Arc<Snapshot> {
    let id = fingerprint(&s.dashboard.snapshot());
    let mut cache = s.product.0.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((cached, snap)) = cache.as_ref() {
        if *cached == id {
            return snap.clone();
        }
    }
    let snap = Arc::new(fleet::build(
        &specs(s),
        None,
        &BuildOptions {
            as_of: None,
            freshness_secs: None,
            validate: true,
        },
    ));
    *cache = Some((id, snap.clone()));
    snap
}

fn to_json<T: serde::Serialize>(v: &T) -> Response {
    match serde_json::to_value(v) {
        Ok(v) => json_value(&v),
        Err(e) => problem(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

fn query_error(e: &QueryError) -> Response {
    match e {
        QueryError::NotFound { .. } => problem(StatusCode::NOT_FOUND, e.to_string()),
        _ => problem(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
    }
}

fn limit_of(l: Option<usize>) -> usize {
    match l {
        None | Some(0) => DEFAULT_LIMIT,
        Some(n) => n.min(MAX_LIMIT),
    }
}

/// The dashboard route of an entity.
fn route(kind: &str, key: &str) -> String {
    let enc = encode(key);
    match kind {
        "service" => format!("#/services/{enc}"),
        "owner" => format!("#/owners?owner={enc}"),
        _ => format!("#/fleet/{kind}?key={enc}"),
    }
}

/// Percent-encode everything but unreserved characters.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `entity_ref` as a typed value, for answers serialized without a JSON tree.
#[derive(Serialize)]
struct EntityRef<'a> {
    kind: &'a str,
    key: &'a str,
    label: String,
    route: String,
}

impl<'a> EntityRef<'a> {
    fn new(kind: &'a str, key: &'a str, label: &str) -> Self {
        EntityRef {
            kind,
            key,
            label: label.to_string(),
            route: route(kind, key),
        }
    }
}

/// One affected consumer of `POST /api/fleet/impact`, with navigable references.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConsumerRef<'a> {
    service: EntityRef<'a>,
    path: Vec<EntityRef<'a>>,
    depth: usize,
    direct: bool,
    confidence: &'a impact::Confidence,
    compatibility_verdict: &'a str,
    owner: &'a str,
}

/// The answer of `POST /api/fleet/impact`: `pacto impact`'s JSON (`result`) and its parts as
/// references the UI navigates.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ImpactAnswer<'a> {
    meta: fleet::Meta,
    snapshot_id: &'a str,
    snapshot_match: bool,
    service: EntityRef<'a>,
    old_revision: EntityRef<'a>,
    new_revision: EntityRef<'a>,
    classification: &'a pacto_core::diff::Classification,
    consumers: Vec<ConsumerRef<'a>>,
    owners: Vec<EntityRef<'a>>,
    active_targets: Vec<EntityRef<'a>>,
    result: &'a impact::ImpactResult,
    limitations: &'a [fleet::Limitation],
}

fn entity_ref(kind: &str, key: &str, label: &str) -> Value {
    json!({"kind": kind, "key": key, "label": label, "route": route(kind, key)})
}

/// Owner display string → services it owns.
fn owners(snap: &Snapshot) -> BTreeMap<String, Vec<String>> {
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in snap.services.values() {
        let o = s.owner_display();
        if !o.is_empty() {
            m.entry(o).or_default().push(s.name.clone());
        }
    }
    m
}

/// The attention list: `pacto fleet status --needs-attention`, each item navigable.
fn attention_items(snap: &Snapshot, limit: usize) -> (fleet::StatusResult, Vec<Value>) {
    let r = snap.status(&StatusQuery {
        needs_attention: true,
        limit,
        ..StatusQuery::default()
    });
    let items = r
        .items
        .iter()
        .map(|i| {
            let kind = match i.kind.as_str() {
                "target" => "target",
                "revision" => "revision",
                _ => "service",
            };
            json!({"kind": i.kind, "name": i.name, "code": i.code, "reason": i.reason,
                   "entity": entity_ref(kind, &i.name, &i.name)})
        })
        .collect();
    (r, items)
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct AttentionQuery {
    limit: Option<usize>,
    service: Option<String>,
}

async fn attention(State(s): State<AppState>, Query(q): Query<AttentionQuery>) -> Response {
    blocking(move || {
        let snap = core_snapshot(&s);
        let (r, mut items) = attention_items(&snap, limit_of(q.limit));
        if let Some(svc) = q.service.as_deref().filter(|x| !x.is_empty()) {
            items.retain(|i| i["name"] == svc);
        }
        json_value(&json!({"meta": r.meta, "total": r.total, "count": items.len(), "items": items}))
    })
    .await
}

async fn overview(State(s): State<AppState>) -> Response {
    blocking(move || {
        let snap = core_snapshot(&s);
        // The counts and the lists come from the same queries: the attention count is the
        // total of the attention list, never a separate tally.
        let (r, items) = attention_items(&snap, 10);
        let owners = owners(&snap);
        let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
        for svc in snap.services.values() {
            *by_status.entry(svc.status.clone()).or_default() += 1;
        }
        let incomplete: Vec<&fleet::SourceState> = snap
            .sources
            .iter()
            .filter(|x| x.status != "available")
            .collect();
        let mut entry: Vec<&fleet::ServiceRecord> = snap.services.values().collect();
        entry.sort_by(|a, b| {
            snap.dependents(&b.name)
                .len()
                .cmp(&snap.dependents(&a.name).len())
                .then_with(|| a.name.cmp(&b.name))
        });
        let entry_points: Vec<Value> = entry
            .iter()
            .take(5)
            .map(|svc| {
                let mut e = entity_ref("service", &svc.name, &svc.name);
                e["dependents"] = json!(snap.dependents(&svc.name).len());
                e
            })
            .collect();
        json_value(&json!({
            "meta": r.meta,
            "counts": {"services": snap.services.len(), "revisions": snap.revisions.len(),
                       "targets": snap.targets.len(), "owners": owners.len(),
                       "relationships": snap.relationships.len(), "needsAttention": r.total,
                       "byStatus": by_status},
            "attention": items,
            "incompleteSources": incomplete,
            "entryPoints": entry_points,
        }))
    })
    .await
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct EntitiesQuery {
    #[serde(default)]
    text: String,
    #[serde(default)]
    kinds: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    status: String,
    limit: Option<usize>,
    offset: Option<usize>,
}

const KINDS: [&str; 5] = ["service", "revision", "target", "owner", "source"];

async fn entities(State(s): State<AppState>, Query(q): Query<EntitiesQuery>) -> Response {
    blocking(move || {
        let kinds: Vec<&str> = q
            .kinds
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .collect();
        if let Some(bad) = kinds.iter().find(|k| !KINDS.contains(k)) {
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "kinds: unknown entity kind {bad:?} (one of {})",
                    KINDS.join(", ")
                ),
            );
        }
        let want = |k: &str| kinds.is_empty() || kinds.contains(&k);
        let snap = core_snapshot(&s);
        let text = q.text.to_lowercase();
        let mut all: Vec<Value> = Vec::new();
        if want("service") {
            // The CLI's `pacto fleet search`: the same filter, the same order.
            let r = match snap.search(&SearchFilter {
                text: q.text.clone(),
                owner: q.owner.clone(),
                status: q.status.clone(),
                limit: usize::MAX,
                ..SearchFilter::default()
            }) {
                Ok(r) => r,
                Err(e) => return query_error(&e),
            };
            all.extend(r.services.iter().map(|h| {
                let mut e = entity_ref("service", &h.name, &h.name);
                e["status"] = json!(h.status);
                e["owner"] = json!(h.owner);
                e
            }));
        }
        if want("owner") && q.status.is_empty() {
            for (o, svcs) in owners(&snap) {
                let lo = o.to_lowercase();
                if lo.contains(&text) && lo.contains(&q.owner.to_lowercase()) {
                    let mut e = entity_ref("owner", &o, &o);
                    e["services"] = json!(svcs.len());
                    all.push(e);
                }
            }
        }
        if want("revision") && q.owner.is_empty() && q.status.is_empty() {
            for r in snap.revisions.values() {
                let label = format!("{}@{}", r.service, r.version);
                if label.to_lowercase().contains(&text) || r.key.to_lowercase().contains(&text) {
                    let mut e = entity_ref("revision", &r.key, &label);
                    e["service"] = json!(r.service);
                    e["version"] = json!(r.version);
                    all.push(e);
                }
            }
        }
        if want("target") && q.owner.is_empty() {
            for (k, t) in &snap.targets {
                if k.to_lowercase().contains(&text)
                    && (q.status.is_empty() || t.compliance == q.status)
                {
                    all.push(entity_ref("target", k, k));
                }
            }
        }
        if want("source") && q.owner.is_empty() && q.status.is_empty() {
            for src in &snap.sources {
                if src.id.to_lowercase().contains(&text) {
                    let mut e = entity_ref("source", &src.id, &src.id);
                    e["status"] = json!(src.status);
                    all.push(e);
                }
            }
        }
        let total = all.len();
        let offset = q.offset.unwrap_or(0).min(total);
        let limit = limit_of(q.limit);
        let page: Vec<Value> = all.into_iter().skip(offset).take(limit).collect();
        json_value(
            &json!({"meta": snap.meta(), "total": total, "count": page.len(),
            "offset": offset, "limit": limit, "entities": page}),
        )
    })
    .await
}

#[derive(Debug, Deserialize, Default)]
struct KeyQuery {
    #[serde(default)]
    key: String,
}

async fn entity(
    State(s): State<AppState>,
    Path(kind): Path<String>,
    Query(q): Query<KeyQuery>,
) -> Response {
    blocking(move || {
        if q.key.is_empty() {
            return problem(StatusCode::UNPROCESSABLE_ENTITY, "key: required");
        }
        let snap = core_snapshot(&s);
        match kind.as_str() {
            // `pacto fleet get SERVICE`
            "service" => match snap.get_service(&q.key) {
                Ok(v) => to_json(&json!({"kind": "service", "ref": entity_ref("service", &q.key, &q.key), "detail": v})),
                Err(e) => query_error(&e),
            },
            // `pacto fleet get TARGET`
            "target" => match snap.get_target(&q.key) {
                Ok(v) => to_json(&json!({"kind": "target", "ref": entity_ref("target", &q.key, &q.key), "detail": v})),
                Err(e) => query_error(&e),
            },
            "revision" => match snap.revisions.get(&q.key) {
                Some(r) => json_value(&json!({"kind": "revision", "meta": snap.meta(),
                    "ref": entity_ref("revision", &r.key, &format!("{}@{}", r.service, r.version)),
                    "service": entity_ref("service", &r.service, &r.service), "detail": r})),
                None => problem(StatusCode::NOT_FOUND, format!("revision {:?} not found in the fleet snapshot", q.key)),
            },
            "owner" => match owners(&snap).remove(&q.key) {
                Some(svcs) => json_value(&json!({"kind": "owner", "meta": snap.meta(),
                    "ref": entity_ref("owner", &q.key, &q.key),
                    "services": svcs.iter().map(|n| entity_ref("service", n, n)).collect::<Vec<_>>()})),
                None => problem(StatusCode::NOT_FOUND, format!("owner {:?} not found in the fleet snapshot", q.key)),
            },
            "source" => match snap.sources.iter().find(|x| x.id == q.key) {
                Some(src) => json_value(&json!({"kind": "source", "meta": snap.meta(),
                    "ref": entity_ref("source", &src.id, &src.id), "detail": src})),
                None => problem(StatusCode::NOT_FOUND, format!("source {:?} not found in the fleet snapshot", q.key)),
            },
            other => problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("kind: unknown entity kind {other:?} (one of {})", KINDS.join(", ")),
            ),
        }
    })
    .await
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct NeighborhoodQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    direction: String,
    depth: Option<usize>,
}

/// `pacto fleet graph KEY --direction D [--transitive --max-depth N]`: depth 1 (the default) is
/// the direct neighbourhood, a larger depth is transitive up to it.
async fn neighborhood(State(s): State<AppState>, Query(q): Query<NeighborhoodQuery>) -> Response {
    blocking(move || {
        if !q.kind.is_empty() && q.kind != "service" {
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("kind: {:?} has no neighbourhood here (use service)", q.kind),
            );
        }
        if q.key.is_empty() {
            return problem(StatusCode::UNPROCESSABLE_ENTITY, "key: required");
        }
        let direction = match q.direction.as_str() {
            "" => Direction::default(),
            d => match Direction::parse(d) {
                Ok(d) => d,
                Err(e) => return query_error(&e),
            },
        };
        let depth = q.depth.unwrap_or(1).min(64);
        let snap = core_snapshot(&s);
        match snap.graph(&GraphQuery {
            service: q.key.clone(),
            direction,
            transitive: depth > 1,
            max_depth: if depth > 1 { depth } else { 0 },
        }) {
            Ok(r) => to_json(&r),
            Err(e) => query_error(&e),
        }
    })
    .await
}

async fn document(State(s): State<AppState>, Query(q): Query<KeyQuery>) -> Response {
    blocking(move || {
        if q.key.is_empty() {
            return problem(StatusCode::UNPROCESSABLE_ENTITY, "key: required (a revision key)");
        }
        let snap = core_snapshot(&s);
        let Some(rev) = snap.revisions.get(&q.key) else {
            return problem(
                StatusCode::NOT_FOUND,
                format!("revision {:?} not found in the fleet snapshot", q.key),
            );
        };
        let cwd = std::env::current_dir().unwrap_or_else(|_| ".".into());
        match pacto_core::graph::open_side(&rev.resolved_ref, &cwd, None, Which::New) {
            Ok(r) => {
                let bytes = match r.bundle.read("pacto.yaml") {
                    Ok(b) => b,
                    Err(e) => return problem(StatusCode::BAD_GATEWAY, format!("revision {:?}: {e}", q.key)),
                };
                let text = String::from_utf8_lossy(&bytes).into_owned();
                if text.len() > MAX_DOCUMENT_BYTES {
                    return problem(StatusCode::PAYLOAD_TOO_LARGE, "the contract is larger than 4 MiB");
                }
                json_value(&json!({"meta": snap.meta(),
                    "revision": entity_ref("revision", &rev.key, &format!("{}@{}", rev.service, rev.version)),
                    "service": rev.service, "version": rev.version, "pactoVersion": rev.pacto_version,
                    "mediaType": "application/yaml", "document": text}))
            }
            Err(e) => problem(StatusCode::BAD_GATEWAY, format!("revision {:?}: {e}", q.key)),
        }
    })
    .await
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ImpactRequest {
    #[serde(default)]
    snapshot_id: String,
    #[serde(default)]
    from_revision_key: String,
    #[serde(default)]
    to_revision_key: String,
    #[serde(default)]
    include_observed: bool,
}

/// Resolve a revision key (or `name@version`) of the snapshot.
fn revision<'a>(snap: &'a Snapshot, key: &str) -> Option<&'a fleet::Revision> {
    snap.revisions.get(key).or_else(|| {
        let (n, v) = key.split_once('@')?;
        snap.revisions
            .values()
            .find(|r| r.service == n && r.version == v)
    })
}

/// `POST /api/fleet/impact`: `pacto impact OLD NEW --local DIR` for two revisions of the
/// snapshot, with navigable references added.
pub(crate) async fn impact_post(State(s): State<AppState>, body: axum::body::Bytes) -> Response {
    blocking(move || {
        let req: ImpactRequest = match serde_json::from_slice(&body) {
            Ok(r) => r,
            Err(e) => return problem(StatusCode::UNPROCESSABLE_ENTITY, format!("body: {e}")),
        };
        let snap = core_snapshot(&s);
        if !req.snapshot_id.is_empty() && req.snapshot_id != snap.snapshot_id {
            return problem(
                StatusCode::CONFLICT,
                "snapshot mismatch: the published snapshot changed; refetch and retry",
            );
        }
        let mut sides = Vec::new();
        for (field, key) in [
            ("fromRevisionKey", &req.from_revision_key),
            ("toRevisionKey", &req.to_revision_key),
        ] {
            match revision(&snap, key) {
                Some(r) => sides.push(r),
                None => {
                    return problem(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        format!("{field}: no revision {key:?} in the published snapshot"),
                    )
                }
            }
        }
        let (old_rev, new_rev) = (sides[0], sides[1]);
        let answer_key = format!("{}\n{}\n{}", snap.snapshot_id, old_rev.key, new_rev.key);
        let answers = || s.product.1.lock().unwrap_or_else(|p| p.into_inner());
        if !req.include_observed {
            if let Some(bytes) = answers().get(&answer_key) {
                return json_bytes(bytes);
            }
        }
        let cwd = std::env::current_dir().unwrap_or_else(|_| ".".into());
        let open =
            |r: &fleet::Revision, w| pacto_core::graph::open_side(&r.resolved_ref, &cwd, None, w);
        let (old, new) = match (open(old_rev, Which::Old), open(new_rev, Which::New)) {
            (Ok(o), Ok(n)) => (o, n),
            (Err(e), _) | (_, Err(e)) => {
                return problem(StatusCode::BAD_GATEWAY, e.to_string());
            }
        };
        let observed = match (&s.dashboard.config.traces, req.include_observed) {
            (Some(p), true) => fleet::traces::read_file(p).ok(),
            _ => None,
        };
        let options = impact::Options {
            include_observed: req.include_observed,
            observed,
        };
        let result = match impact::analyze(&old.side(), &new.side(), &snap, &options) {
            Ok(r) => r,
            Err(e) => return problem(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
        };
        // Serialized straight from the result (no intermediate JSON tree): at 1,000 consumers
        // the answer is ~700 KB and building it twice cost more than the analysis.
        let consumers: Vec<ConsumerRef> = result
            .consumers
            .iter()
            .map(|c| ConsumerRef {
                service: EntityRef::new("service", &c.service, &c.service),
                path: c
                    .path
                    .iter()
                    .map(|x| EntityRef::new("service", x, x))
                    .collect(),
                depth: c.depth,
                direct: c.direct,
                confidence: &c.confidence,
                compatibility_verdict: &c.compatibility_verdict,
                owner: &c.owner,
            })
            .collect();
        fn refs<'a>(kind: &'static str, xs: &'a [String]) -> Vec<EntityRef<'a>> {
            xs.iter().map(|x| EntityRef::new(kind, x, x)).collect()
        }
        let answer = ImpactAnswer {
            meta: snap.meta(),
            snapshot_id: &snap.snapshot_id,
            snapshot_match: true,
            service: EntityRef::new("service", &new_rev.service, &new_rev.service),
            old_revision: EntityRef::new(
                "revision",
                &old_rev.key,
                &format!("{}@{}", old_rev.service, old_rev.version),
            ),
            new_revision: EntityRef::new(
                "revision",
                &new_rev.key,
                &format!("{}@{}", new_rev.service, new_rev.version),
            ),
            classification: &result.classification,
            consumers,
            owners: refs("owner", &result.owners),
            active_targets: refs("target", &result.active_targets),
            result: &result,
            limitations: &result.limitations,
        };
        match serde_json::to_vec(&answer) {
            Ok(bytes) => {
                let bytes = axum::body::Bytes::from(bytes);
                if !req.include_observed {
                    answers().put(answer_key, bytes.clone());
                }
                json_bytes(bytes)
            }
            Err(e) => problem(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impact_answers_keep_the_most_recently_used_sixteen() {
        let mut a = Answers::default();
        for i in 0..ANSWERS {
            a.put(format!("k{i}"), axum::body::Bytes::from(format!("v{i}")));
        }
        // k0 is used again, so k1 is the least recently used when a 17th answer comes.
        assert_eq!(a.get("k0").as_deref(), Some(&b"v0"[..]));
        a.put("new".into(), axum::body::Bytes::from_static(b"n"));
        assert_eq!(a.0.len(), ANSWERS);
        assert!(a.get("k1").is_none());
        assert!(a.get("k0").is_some() && a.get("k2").is_some() && a.get("new").is_some());
        // Putting a key again replaces its answer rather than holding two.
        a.put("k2".into(), axum::body::Bytes::from_static(b"w"));
        assert_eq!(a.0.len(), ANSWERS);
        assert_eq!(a.get("k2").as_deref(), Some(&b"w"[..]));
        // Bytes bound the store too, least recently used out first: two answers of over half
        // the bound cannot both stay; an oversized one is not kept at all.
        let half = axum::body::Bytes::from(vec![b'x'; ANSWER_BYTES / 2 + 1]);
        a.put("big1".into(), half.clone());
        a.put("big2".into(), half);
        assert!(a.get("big2").is_some() && a.get("big1").is_none());
        assert!(a.0.iter().map(|(_, b)| b.len()).sum::<usize>() <= ANSWER_BYTES);
        a.put(
            "huge".into(),
            axum::body::Bytes::from(vec![b'x'; ANSWER_BYTES + 1]),
        );
        assert!(a.get("huge").is_none());
        assert!(a.get("big2").is_some());
    }
}
