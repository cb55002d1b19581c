//! The JSON answers of the API, built from a [`Snapshot`]. Field names follow the spec's
//! `ServiceListEntry`, `ServiceDetails`, `GlobalGraph`, `Version` and `DiffResult` shapes.

use crate::snapshot::{compliance, Insight, Service, Snapshot};
use crate::source::Loaded;
use pacto_core::bundle::Bundle;
use pacto_core::diff::sbom::{pick_sbom_file, Sbom};
use pacto_core::model::Owner;
use pacto_core::syntax::{parse, Limits};
use serde_json::{json, Map, Value};

/// Bytes of an interface or schema file the dashboard parses.
const MAX_DOC_BYTES: usize = 4 * 1024 * 1024;
/// Most OpenAPI operations listed per interface.
const MAX_OPERATIONS: usize = 2_000;

fn owner_json(l: &Loaded) -> Value {
    match l
        .resolved
        .contract
        .service
        .as_ref()
        .and_then(|s| s.owner.as_ref())
    {
        None => Value::Null,
        Some(Owner::Text(t)) => json!(t.as_str()),
        Some(Owner::Structured {
            team,
            dri,
            contacts,
            ..
        }) => json!({
            "team": team.as_ref().map(|t| t.as_str()),
            "dri": dri.as_ref().map(|t| t.as_str()),
            "contacts": contacts.iter().map(|c| json!({
                "type": c.kind.as_ref().map(|t| t.as_str()),
                "value": c.value.as_ref().map(|t| t.as_str()),
                "purpose": c.purpose.as_ref().map(|t| t.as_str()),
            })).collect::<Vec<_>>(),
        }),
    }
}

fn latest_available(s: &Service) -> Option<String> {
    s.versions
        .iter()
        .map(|v| v.version.as_str())
        .find(|v| Snapshot::is_semver(v))
        .map(str::to_string)
}

fn update_available(s: &Service) -> bool {
    let cur = pacto_core::version::Version::parse(&s.version);
    match (
        cur,
        latest_available(s).map(|l| pacto_core::version::Version::parse(&l)),
    ) {
        (Ok(c), Some(Ok(l))) => l > c,
        _ => false,
    }
}

/// The one definition of "needs attention", used by the overview's count and list, the status
/// every page shows and the `health=problem` filter: the service's own problems (validation
/// errors or warnings, unsatisfied dependencies, a runtime the operator finds non-compliant or
/// drifting, no contract content), a deployment that differs from the declared runtime, and a
/// readiness assessment that does not pass its gate (score below `minScore`, or expired).
/// Most serious first; empty when the service is healthy. `info` insights are not reasons, nor
/// is a runtime verdict of `Unknown` (the service is shown as unknown, never as OK).
pub fn attention(s: &Service) -> Vec<Insight> {
    let mut out: Vec<Insight> = s
        .insights
        .iter()
        .filter(|i| i.severity != "info" && i.severity != "unknown")
        .cloned()
        .collect();
    if let Value::Array(rows) = runtime_diff(s) {
        for r in rows.iter().filter(|r| r["status"] == "mismatch") {
            out.push(Insight {
                severity: "warning",
                title: format!(
                    "Deployment drifts from the contract: {}",
                    r["field"].as_str().unwrap_or("")
                ),
                description: format!(
                    "declared {}, observed {}",
                    r["declaredValue"].as_str().unwrap_or(""),
                    r["observedValue"].as_str().unwrap_or("")
                ),
            });
        }
    }
    let r = &s.readiness;
    if r.get("passing").and_then(Value::as_bool) == Some(false) {
        let score = r.get("score").and_then(Value::as_i64).unwrap_or(0);
        let min = r.get("minScore").and_then(Value::as_i64).unwrap_or(0);
        let title = if r.get("expired").and_then(Value::as_bool) == Some(true) {
            format!("Readiness assessment expired (score {score}, gate {min})")
        } else {
            format!("Readiness {score} below its gate {min}")
        };
        out.push(Insight {
            severity: "warning",
            title,
            description: r
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        });
    }
    out.sort_by_key(|i| severity_rank(i.severity));
    out
}

fn severity_rank(severity: &str) -> u8 {
    match severity {
        "critical" => 0,
        "warning" => 1,
        _ => 2,
    }
}

/// The status shown for a service: `error` when a reason is critical, `warning` when any other
/// reason makes it need attention, `unknown` when nothing needs attention but the operator
/// could not decide (runtime verdict `Unknown`), `ok` otherwise (never `ok` below a readiness
/// gate, never `ok` when unknown).
pub fn health(s: &Service) -> &'static str {
    health_of(s, &attention(s))
}

fn health_of(s: &Service, reasons: &[Insight]) -> &'static str {
    match status_of(reasons) {
        "ok" if s.insights.iter().any(|i| i.severity == "unknown") => "unknown",
        h => h,
    }
}

fn status_of(reasons: &[Insight]) -> &'static str {
    match reasons.first().map(|i| i.severity) {
        Some("critical") => "error",
        Some(_) => "warning",
        None => "ok",
    }
}

fn list_entry(s: &Service) -> Value {
    let reasons = attention(s);
    let comp = compliance(s);
    let (errors, warnings) = s
        .current
        .as_ref()
        .map(|c| (c.errors(), c.warnings()))
        .unwrap_or((0, 0));
    let summary = &comp["summary"];
    json!({
        "name": s.name,
        "version": s.version,
        "owner": s.owner,
        "contractStatus": s.contract_status,
        "health": health_of(s, &reasons),
        "attention": reasons,
        "source": s.source,
        "sources": s.sources,
        "namespace": s.runtime.as_ref().map(|r| r.namespace.clone()),
        "blastRadius": s.blast_radius,
        "dependencyCount": s.edges.iter().filter(|e| e.kind == "dependency").count(),
        "dependentCount": s.dependents.len(),
        "checksPassed": summary.get("passed").cloned().unwrap_or(Value::Null),
        "checksTotal": summary.get("total").cloned().unwrap_or(Value::Null),
        "checksFailed": summary.get("failed").cloned().unwrap_or(Value::Null),
        "complianceStatus": comp["status"],
        "complianceScore": comp["score"],
        "complianceErrors": errors,
        "complianceWarnings": warnings,
        "topInsight": reasons.first().or(s.insights.first()).map(|i| json!({"severity": i.severity, "title": i.title, "description": i.description})),
        "versionCount": s.versions.len(),
        "latestAvailable": latest_available(s),
        "updateAvailable": update_available(s),
        "runtimeEvaluated": s.runtime.is_some(),
        "evaluationCoverage": s.runtime.as_ref().filter(|r| r.evaluated_v2).map(|r| r.evaluation_coverage.clone()),
        "readiness": s.readiness,
        "pactoVersion": pacto_version(s),
    })
}

/// The `pactoVersion` of the service's current contract (`None` without contract content).
fn pacto_version(s: &Service) -> Option<&str> {
    s.current
        .as_ref()
        .and_then(|c| c.resolved.contract.pacto_version.as_ref())
        .map(|v| v.as_str())
}

/// Whether a `pactoVersion` is of the 2.x generation.
fn is_v2_version(v: &str) -> bool {
    v == "2" || v.starts_with("2.")
}

/// `GET /api/services`.
pub fn services(snap: &Snapshot) -> Value {
    Value::Array(snap.services.values().map(list_entry).collect())
}

/// `GET /api/graph`: one node per service plus unresolved targets.
pub fn graph(snap: &Snapshot) -> Value {
    let mut nodes: Vec<Value> = snap
        .services
        .values()
        .map(|s| {
            json!({
                "id": s.name,
                "serviceName": s.name,
                "status": s.contract_status,
                "health": health(s),
                "version": s.version,
                "source": s.source,
                "owner": s.owner,
                "blastRadius": s.blast_radius,
                "edges": s.edges,
            })
        })
        .collect();
    nodes.extend(snap.externals.values().map(|e| {
        json!({
            "id": e.id,
            "serviceName": e.name,
            "status": "external",
            "health": "external",
            "version": "",
            "source": null,
            "reason": e.reason,
            "blastRadius": 0,
            "edges": [],
        })
    }));
    let mut out = json!({ "nodes": nodes });
    if let (Some(o), Value::Object(m)) = (&snap.observed, &mut out) {
        // The node an end of an observed edge is drawn at: a service, or an external node
        // some contract already declares; `null` when the graph has none.
        let node_id = |name: &str, known: bool| {
            if known {
                Some(name.to_string())
            } else {
                let id = format!("external:{name}");
                snap.externals.contains_key(&id).then_some(id)
            }
        };
        m.insert("traffic".into(), traffic_summary(o));
        m.insert(
            "undeclared".into(),
            Value::Array(
                o.undeclared
                    .iter()
                    .map(|u| {
                        let mut v = json!(u);
                        v["callerId"] = json!(node_id(&u.caller, u.caller_known));
                        v["calleeId"] = json!(node_id(&u.callee, u.callee_known));
                        v
                    })
                    .collect(),
            ),
        );
    }
    out
}

/// What the trace file (`--traces`) gave: counts, or why it is unavailable.
pub fn traffic_summary(o: &crate::snapshot::Observed) -> Value {
    json!({
        "available": o.available,
        "file": o.file,
        "reason": o.reason,
        "spans": o.stats.spans,
        "edgeSpans": o.stats.edge_spans,
        "skippedSpans": o.stats.skipped_spans,
        "droppedSpans": o.stats.dropped_spans,
        "truncated": o.stats.truncated,
        "edgeCount": o.edges.len(),
        "declaredObserved": o.declared_observed,
        "declaredUnobserved": o.declared_unobserved,
        "undeclaredCount": o.undeclared.len(),
    })
}

/// A service's "Expected dependencies / Observed traffic / Differences" (spec §5.7): its
/// declared dependencies with what the traces show of each, the calls it makes and receives,
/// and the two differences (calls no dependency declares, dependencies never called).
pub fn traffic(snap: &Snapshot, s: &Service, o: &crate::snapshot::Observed) -> Value {
    let declares = |from: &str, to: &str| {
        snap.services.get(from).is_some_and(|f| {
            f.edges
                .iter()
                .any(|e| e.kind == "dependency" && e.target_name == to)
        })
    };
    let known = |name: &str| snap.services.contains_key(name);
    let expected: Vec<Value> = s
        .edges
        .iter()
        .filter(|e| e.kind == "dependency")
        .map(|e| {
            json!({"name": e.target_name, "targetId": e.target_id, "required": e.required,
                "observed": e.observed, "calls": e.observed_calls})
        })
        .collect();
    let observed: Vec<Value> = o
        .edges
        .iter()
        .filter(|((a, _), _)| *a == s.name)
        .map(|((_, b), n)| {
            json!({"name": b, "calls": n, "declared": declares(&s.name, b), "known": known(b)})
        })
        .collect();
    let callers: Vec<Value> = o
        .edges
        .iter()
        .filter(|((_, b), _)| *b == s.name)
        .map(|((a, _), n)| {
            json!({"name": a, "calls": n, "declared": declares(a, &s.name), "known": known(a)})
        })
        .collect();
    let undeclared: Vec<Value> = o
        .undeclared
        .iter()
        .filter(|u| u.caller == s.name)
        .map(|u| json!({"name": u.callee, "calls": u.calls, "known": u.callee_known}))
        .collect();
    let unobserved: Vec<Value> = s
        .edges
        .iter()
        .filter(|e| e.kind == "dependency" && e.observed == Some(false))
        .map(|e| json!({"name": e.target_name, "targetId": e.target_id, "required": e.required}))
        .collect();
    json!({
        "available": o.available,
        "reason": o.reason,
        "expected": expected,
        "observed": observed,
        "callers": callers,
        "differences": {"undeclared": undeclared, "unobserved": unobserved},
    })
}

/// `GET /api/overview`: what needs attention first, and whether the picture is complete.
pub fn overview(snap: &Snapshot) -> Value {
    let degraded: Vec<&crate::snapshot::SourceStatus> = snap
        .sources
        .iter()
        .filter(|s| s.state == "degraded")
        .collect();
    // One pass: each service's status from the one definition of "needs attention".
    let mut attention_list: Vec<(&Service, &'static str)> = Vec::new();
    let (mut errors, mut warnings, mut oks, mut unknowns) = (0, 0, 0, 0);
    for s in snap.services.values() {
        match health(s) {
            "unknown" => unknowns += 1,
            "error" => {
                errors += 1;
                attention_list.push((s, "error"));
            }
            "warning" => {
                warnings += 1;
                attention_list.push((s, "warning"));
            }
            _ => oks += 1,
        }
    }
    // Most serious first, then the widest blast radius, then by name (the UI's order too).
    let rank = |h: &str| u8::from(h != "error");
    attention_list.sort_by(|(a, ha), (b, hb)| {
        rank(ha)
            .cmp(&rank(hb))
            .then(b.blast_radius.cmp(&a.blast_radius))
            .then(a.name.cmp(&b.name))
    });
    let attention: Vec<&Service> = attention_list.iter().map(|(s, _)| *s).collect();
    let attention_total = attention.len();
    let mut limitations = Vec::new();
    if snap.services.is_empty() {
        limitations.push("No services: no source returned any contract.".to_string());
    }
    for d in &degraded {
        limitations.push(format!(
            "Source {} is degraded: {}",
            d.kind.as_str(),
            d.reason
        ));
    }
    if !snap
        .sources
        .iter()
        .any(|s| s.kind == crate::source::SourceKind::K8s && s.state == "ok")
    {
        limitations.push(
            "No runtime source: contracts are checked, deployments are not evaluated.".to_string(),
        );
    }
    let not_materialized: usize = snap
        .services
        .values()
        .map(|s| s.versions.iter().filter(|v| v.loaded.is_none()).count())
        .sum();
    let complete = !snap.services.is_empty() && degraded.is_empty();
    let problems = errors + warnings;
    json!({
        "snapshotId": snap.id,
        "asOf": snap.built_at,
        "complete": complete,
        "allClear": complete && problems == 0 && unknowns == 0,
        "counts": {
            "services": snap.services.len(),
            "versions": snap.services.values().map(|s| s.versions.len()).sum::<usize>(),
            "versionsNotFetched": not_materialized,
            "error": errors,
            "warning": warnings,
            "ok": oks,
            "unknown": unknowns,
            "attention": problems,
            "external": snap.externals.len(),
            "runtimeEvaluated": snap.services.values().filter(|s| s.runtime.is_some()).count(),
            "highImpact": snap.services.values().filter(|s| s.blast_radius >= 3).count(),
            // Generations of a mixed fleet: services on Pacto 2.0 and on 1.x (the rest have
            // no contract content, or a pactoVersion no generation reads).
            "pactoV2": snap.services.values().filter(|s| pacto_version(s).is_some_and(is_v2_version)).count(),
            "pactoV1": snap.services.values().filter(|s| pacto_version(s).is_some_and(|v| v.starts_with("1."))).count(),
        },
        "attention": attention.iter().take(10).map(|s| list_entry(s)).collect::<Vec<_>>(),
        "attentionTotal": attention_total,
        "sources": snap.sources,
        "limitations": limitations,
    })
}

/// `GET /api/owners`.
pub fn owners(snap: &Snapshot) -> Value {
    let mut by: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    for s in snap.services.values() {
        let key = if s.owner.is_empty() {
            "(no owner)".to_string()
        } else {
            s.owner.clone()
        };
        by.entry(key).or_default().push(json!({
            "name": s.name, "version": s.version, "health": health(s),
            "contractStatus": s.contract_status, "blastRadius": s.blast_radius,
        }));
    }
    Value::Array(
        by.into_iter()
            .map(|(owner, services)| {
                let contact = snap
                    .services
                    .values()
                    .find(|s| s.owner == owner)
                    .and_then(|s| s.current.as_ref())
                    .map(|c| owner_json(c))
                    .unwrap_or(Value::Null);
                json!({"owner": owner, "details": contact, "services": services})
            })
            .collect(),
    )
}

/// `GET /api/services/{name}/versions`.
pub fn versions(s: &Service) -> Value {
    Value::Array(
        s.versions
            .iter()
            .map(|v| {
                json!({
                    "version": v.version,
                    "ref": v.reference,
                    "contractHash": v.loaded.as_ref().map(|l| l.contract_hash.clone()),
                    "createdAt": v.loaded.as_ref().map(|l| l.loaded_at),
                    "source": v.source,
                    "classification": v.classification,
                    "isCurrent": v.version == s.version,
                    "fetched": v.loaded.is_some(),
                })
            })
            .collect(),
    )
}

fn read_text(bundle: &dyn Bundle, path: &str) -> Option<String> {
    let bytes = bundle.read(path).ok()?;
    if bytes.len() > MAX_DOC_BYTES {
        return None;
    }
    String::from_utf8(bytes).ok()
}

/// A JSON or YAML document as JSON (through the core parser, bounded).
fn read_doc(bundle: &dyn Bundle, path: &str) -> Option<Value> {
    let text = read_text(bundle, path)?;
    let parsed = parse(&text, &Limits::default());
    parsed.tree.map(|t| t.root().to_json())
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn operations(doc: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for m in METHODS {
                if let Some(op) = item.get(m) {
                    out.push(json!({
                        "method": m.to_ascii_uppercase(),
                        "path": path,
                        "summary": op.get("summary").and_then(Value::as_str).unwrap_or(""),
                        "operationId": op.get("operationId").and_then(Value::as_str),
                    }));
                    if out.len() >= MAX_OPERATIONS {
                        return out;
                    }
                }
            }
        }
    }
    out
}

/// The channels of an AsyncAPI document with their operations: 2.x `publish`/`subscribe`
/// inside the channel, 3.0 top-level `operations` naming the channel (`<operationId> (send)`),
/// and the 3.0 `address` when set.
fn channels(doc: &Value) -> Vec<Value> {
    let ops3: Vec<(&str, &Value)> = doc
        .get("operations")
        .and_then(Value::as_object)
        .map(|o| o.iter().map(|(k, v)| (k.as_str(), v)).collect())
        .unwrap_or_default();
    doc.get("channels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .take(MAX_OPERATIONS)
                .map(|(name, ch)| {
                    let mut ops: Vec<String> = ["publish", "subscribe"]
                        .into_iter()
                        .filter(|d| ch.get(d).is_some())
                        .map(str::to_string)
                        .collect();
                    let target = format!("#/channels/{}", name.replace('~', "~0").replace('/', "~1"));
                    for (id, op) in &ops3 {
                        let on = op
                            .get("channel")
                            .and_then(|c| c.get("$ref"))
                            .and_then(Value::as_str)
                            == Some(target.as_str());
                        if on && ops.len() < MAX_OPERATIONS {
                            match op.get("action").and_then(Value::as_str) {
                                Some(a) => ops.push(format!("{id} ({a})")),
                                None => ops.push((*id).to_string()),
                            }
                        }
                    }
                    json!({"channel": name, "address": ch.get("address").and_then(Value::as_str), "operations": ops})
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The agent tools an assistant gets from this contract's OpenAPI operations (Go's
/// `ServiceDetails.tools`), named as `pacto mcp BUNDLE` names them: the `operationId`, else
/// `<method>_<path>` with every run of other characters than ASCII letters and digits made
/// one `_`; a repeated name in one document gets `_2`, `_3`; with several OpenAPI interfaces
/// each name is prefixed `<interface>_`; names starting `pacto_` are Pacto's own and left out.
/// `mutating`: POST, PUT, PATCH and DELETE (hidden by `pacto mcp` unless `--allow-writes`).
fn tools(interfaces: &[Value]) -> Vec<Value> {
    let apis: Vec<&Value> = interfaces
        .iter()
        .filter(|i| matches!(i["type"].as_str(), Some("openapi" | "http")))
        .filter(|i| i["endpoints"].as_array().is_some_and(|e| !e.is_empty()))
        .collect();
    let prefixed = apis.len() > 1;
    let mut out = Vec::new();
    for i in apis {
        let mut namer =
            pacto_core::tool_names::Namer::new(i["name"].as_str().unwrap_or_default(), prefixed);
        for e in i["endpoints"].as_array().into_iter().flatten() {
            let method = e["method"]
                .as_str()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let path = e["path"].as_str().unwrap_or_default();
            let Ok(name) = namer.name(e["operationId"].as_str(), &method, path) else {
                continue;
            };
            if out.len() >= MAX_OPERATIONS {
                continue;
            }
            out.push(json!({
                "name": name,
                "interface": i["name"],
                "method": e["method"],
                "path": path,
                "summary": e["summary"],
                "mutating": pacto_core::tool_names::is_mutating(&method),
            }));
        }
    }
    out
}

/// A 2.0 `state` in Go's dashboard shape: `{type, persistenceScope, persistenceDurability,
/// dataCriticality}` (`null` without one).
fn state(v: &Value) -> Value {
    if !v.is_object() {
        return Value::Null;
    }
    let p = &v["persistence"];
    json!({
        "type": v["type"],
        "persistenceScope": p["scope"],
        "persistenceDurability": p["durability"],
        "dataCriticality": v["dataCriticality"],
    })
}

/// The rpcs of a `.proto` file, `{service, rpc, signature}` in file order of services, bounded.
fn rpcs(file: &str, text: &str) -> Vec<Value> {
    let doc = pacto_core::diff::grpc::ProtoDoc::parse(file, text);
    doc.services()
        .flat_map(|svc| {
            doc.rpcs(svc)
                .into_iter()
                .map(move |(rpc, sig)| json!({"service": svc, "rpc": rpc, "signature": sig}))
        })
        .take(MAX_OPERATIONS)
        .collect()
}

/// The capabilities of a 2.0 contract, each with its binding and whether the binding's
/// interface is declared (`bindingResolved`; `null` without a binding).
fn capabilities(
    tree: &pacto_core::syntax::Tree,
    interfaces: &[pacto_core::model::Interface],
) -> Value {
    let names: std::collections::BTreeSet<&str> = interfaces.iter().map(|i| i.name()).collect();
    Value::Array(
        pacto_core::doc::v2::capabilities(tree)
            .into_iter()
            .map(|cap| {
                let resolved = cap
                    .binding
                    .as_ref()
                    .filter(|b| !b.interface.is_empty())
                    .map(|b| names.contains(b.interface.as_str()));
                let mut v = json!(cap);
                if let Value::Object(o) = &mut v {
                    o.insert("bindingResolved".into(), json!(resolved));
                }
                v
            })
            .collect(),
    )
}

/// Bytes of one skill's Markdown shown; a longer one is cut there (`truncated`).
const MAX_SKILL_BYTES: usize = 64 * 1024;
/// Most skills listed.
const MAX_SKILLS: usize = 100;

/// The bundle's `skills/*.md` (Go Pacto 3.x's domain skills, what `pacto mcp BUNDLE` serves
/// as `pacto_skill`): `{name, content, truncated}`, sorted by name, bounded.
fn skills(bundle: &dyn Bundle) -> Vec<Value> {
    let mut names: Vec<String> = bundle
        .list("skills")
        .into_iter()
        .filter(|n| n.ends_with(".md") && !n.starts_with('.'))
        .collect();
    names.sort();
    names
        .into_iter()
        .take(MAX_SKILLS)
        .filter_map(|name| {
            let bytes = bundle.read(&format!("skills/{name}")).ok()?;
            let truncated = bytes.len() > MAX_SKILL_BYTES;
            let end = bytes.len().min(MAX_SKILL_BYTES);
            let mut content = String::from_utf8_lossy(&bytes[..end]).into_owned();
            if truncated {
                // A character cut in two at the limit is dropped, not shown as U+FFFD.
                while content.ends_with('\u{FFFD}') {
                    content.pop();
                }
            }
            Some(json!({"name": name, "content": content, "truncated": truncated}))
        })
        .collect()
}

fn docs_list(bundle: &dyn Bundle) -> Vec<Value> {
    let mut out = Vec::new();
    let mut stack = vec![("docs".to_string(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        for name in bundle.list(&dir) {
            let path = format!("{dir}/{name}");
            if name.ends_with(".md") {
                let text = read_text(bundle, &path).unwrap_or_default();
                let title = text
                    .lines()
                    .find_map(|l| l.strip_prefix("# "))
                    .unwrap_or(&name)
                    .trim()
                    .to_string();
                out.push(json!({"path": path, "title": title, "size": text.len()}));
            } else if depth < 4 && !bundle.list(&path).is_empty() {
                stack.push((path, depth + 1));
            }
            if out.len() >= 200 {
                return out;
            }
        }
    }
    out.sort_by(|a, b| a["path"].as_str().cmp(&b["path"].as_str()));
    out
}

fn sbom(bundle: &dyn Bundle) -> Value {
    let names = bundle.list("sbom");
    let Some(name) = pick_sbom_file(names.iter().map(String::as_str)) else {
        return Value::Null;
    };
    let Ok(bytes) = bundle.read(&format!("sbom/{name}")) else {
        return Value::Null;
    };
    match Sbom::parse(name, &bytes) {
        Ok(s) => json!({"file": format!("sbom/{name}"), "format": s.format.as_str(),
            "packages": s.packages.values().collect::<Vec<_>>()}),
        Err(e) => json!({"file": format!("sbom/{name}"), "error": e.to_string(), "packages": []}),
    }
}

fn diagnostics(l: &Loaded) -> Value {
    let to = |errs: bool| {
        l.diagnostics
            .iter()
            .filter(|d| d.is_error() == errs)
            .map(|d| json!({"code": d.code, "path": d.path, "message": d.message}))
            .collect::<Vec<_>>()
    };
    json!({"valid": l.errors() == 0, "errors": to(true), "warnings": to(false)})
}

/// The contract content of one materialized version (`ServiceDetails` minus the merged parts).
pub fn contract_details(l: &Loaded) -> Map<String, Value> {
    let tree = &l.resolved.tree;
    let v2 = pacto_core::doc::v2::is_v2(tree);
    // A 2.0 contract read in the 1.x shape the sections below use: its top-level `workload`
    // and `state` as the runtime, the health/metrics bindings as probes, each interface's `ref`
    // as its document. A 1.x contract is used as it is.
    let lifted;
    let c = if v2 {
        lifted = pacto_core::doc::v2::with_runtime(&l.resolved.contract, tree);
        &lifted
    } else {
        &l.resolved.contract
    };
    let bundle = l.resolved.bundle.as_ref();
    let mut m = Map::new();
    m.insert("owner".into(), owner_json(l));
    m.insert(
        "imageRef".into(),
        json!(c
            .service
            .as_ref()
            .and_then(|s| s.image.as_ref())
            .and_then(|i| i.reference.as_ref())
            .map(|r| r.as_str())),
    );
    m.insert(
        "pactoVersion".into(),
        json!(c.pacto_version.as_ref().map(|v| v.as_str())),
    );
    m.insert("contractHash".into(), json!(l.contract_hash));
    m.insert("ref".into(), json!(l.reference));
    m.insert("source".into(), json!(l.source));
    let interfaces: Vec<Value> = c
        .interfaces
        .iter()
        .map(|i| {
            let file = i.contract.as_ref().map(|f| f.as_str().to_string());
            let proto =
                file.as_deref().is_some_and(|f| f.ends_with(".proto")) || i.kind() == "grpc";
            let doc = file
                .as_deref()
                .filter(|_| !proto)
                .and_then(|f| read_doc(bundle, f));
            let (endpoints, chans) = match &doc {
                Some(d) => (operations(d), channels(d)),
                None => (Vec::new(), Vec::new()),
            };
            let rpcs = file
                .as_deref()
                .filter(|_| proto)
                .and_then(|f| read_text(bundle, f).map(|t| rpcs(f, &t)))
                .unwrap_or_default();
            json!({
                "name": i.name(),
                "type": i.kind(),
                "port": i.port.as_ref().map(|p| p.value),
                "visibility": i.visibility.as_ref().map(|v| v.as_str()),
                "hasContractFile": file.as_deref().is_some_and(|f| bundle.exists(f)),
                "contractFile": file,
                "endpoints": endpoints,
                "channels": chans,
                "rpcs": rpcs,
            })
        })
        .collect();
    m.insert("tools".into(), Value::Array(tools(&interfaces)));
    m.insert("interfaces".into(), Value::Array(interfaces));
    let configurations: Vec<Value> = c
        .all_configurations()
        .into_iter()
        .map(|(path, cfg)| {
            let schema_path = cfg.schema.as_ref().map(|s| s.as_str().to_string());
            let schema = schema_path.as_deref().and_then(|p| read_doc(bundle, p));
            let values = cfg
                .values
                .as_ref()
                .map(|v| tree.node(v.value).to_json())
                .unwrap_or(Value::Null);
            let props: Vec<Value> = schema
                .as_ref()
                .map(|s| {
                    pacto_core::doc::flatten_properties(s)
                        .into_iter()
                        .map(|p| {
                            let value = values.get(&p.name).cloned();
                            let secret = value
                                .as_ref()
                                .and_then(Value::as_str)
                                .is_some_and(|v| v.starts_with("secret://"));
                            json!({"key": p.name, "type": p.types, "description": p.description,
                                "default": p.default, "required": p.required, "value": value, "secret": secret})
                        })
                        .collect()
                })
                .unwrap_or_default();
            json!({
                "path": path,
                "name": cfg.name.as_ref().map(|n| n.as_str()),
                "schema": schema_path,
                "hasSchema": schema.is_some(),
                "ref": cfg.reference.as_ref().map(|r| r.as_str()),
                "properties": props,
                "values": values,
            })
        })
        .collect();
    m.insert("configurations".into(), Value::Array(configurations));
    let policies: Vec<Value> = c
        .all_policies()
        .into_iter()
        .map(|(path, p)| {
            let schema_path = p.schema.as_ref().map(|s| s.as_str().to_string());
            let schema = schema_path.as_deref().and_then(|s| read_doc(bundle, s));
            json!({
                "path": path,
                "name": p.name.as_ref().map(|n| n.as_str()),
                "schema": schema_path,
                "ref": p.reference.as_ref().map(|r| r.as_str()),
                "title": schema.as_ref().and_then(|s| s.get("title")).and_then(Value::as_str),
                "description": schema.as_ref().and_then(|s| s.get("description")).and_then(Value::as_str),
                "content": schema,
            })
        })
        .collect();
    m.insert("policies".into(), Value::Array(policies));
    let explain = pacto_core::doc::explain(c, tree);
    m.insert(
        "runtime".into(),
        if c.runtime.is_some() {
            json!(explain.runtime)
        } else {
            Value::Null
        },
    );
    if let Some(r) = &c.runtime {
        let lc = r.lifecycle.as_ref();
        m.insert(
            "lifecycle".into(),
            json!({
                "upgradeStrategy": lc.and_then(|l| l.upgrade_strategy.as_ref()).map(|s| s.as_str()),
                "gracefulShutdownSeconds": lc.and_then(|l| l.graceful_shutdown_seconds.as_ref()).map(|s| s.value),
                "health": r.health.as_ref().map(|h| json!({"interface": h.interface.as_ref().map(|s| s.as_str()), "path": h.path.as_ref().map(|s| s.as_str())})),
                "metrics": r.metrics.as_ref().map(|h| json!({"interface": h.interface.as_ref().map(|s| s.as_str()), "path": h.path.as_ref().map(|s| s.as_str())})),
            }),
        );
    }
    m.insert("scaling".into(), json!(explain.scaling));
    // The 2.0 sections as written (`null` for a 1.x contract, which has none of them).
    let root = tree.root();
    let top = |key: &str| {
        root.get(key)
            .filter(|_| v2)
            .map(|n| n.to_json())
            .unwrap_or(Value::Null)
    };
    m.insert("workload".into(), top("workload"));
    m.insert("state".into(), state(&top("state")));
    m.insert("extensions".into(), top("extensions"));
    m.insert(
        "capabilities".into(),
        if v2 {
            capabilities(tree, &c.interfaces)
        } else {
            Value::Null
        },
    );
    m.insert(
        "metadata".into(),
        explain.metadata.clone().unwrap_or(Value::Null),
    );
    m.insert("validation".into(), diagnostics(l));
    m.insert("docs".into(), Value::Array(docs_list(bundle)));
    m.insert("skills".into(), Value::Array(skills(bundle)));
    m.insert("sbom".into(), sbom(bundle));
    m
}

fn runtime_diff(s: &Service) -> Value {
    let (Some(r), Some(cur)) = (&s.runtime, &s.current) else {
        return Value::Array(Vec::new());
    };
    // 2.0: `workload` and `state` are top-level; read them as the 1.x runtime.
    let v2 = pacto_core::doc::v2::is_v2(&cur.resolved.tree);
    let c = &pacto_core::doc::v2::with_runtime(&cur.resolved.contract, &cur.resolved.tree);
    let (workload_path, state_path) = if v2 {
        ("workload", "state.type")
    } else {
        ("runtime.workload", "runtime.state.type")
    };
    let declared_kind = match c
        .runtime
        .as_ref()
        .and_then(|r| r.workload.as_ref())
        .map(|w| w.as_str())
    {
        Some("service") => "Deployment",
        Some("job") => "Job",
        Some("scheduled") => "CronJob",
        _ => "",
    };
    let observed_kind = r
        .observed_runtime
        .get("workloadKind")
        .and_then(Value::as_str)
        .unwrap_or("");
    let state = c
        .runtime
        .as_ref()
        .and_then(|r| r.state.as_ref())
        .and_then(|s| s.kind.as_ref())
        .map(|k| k.as_str())
        .unwrap_or("");
    let observed_state = if r.observed_runtime.is_null() {
        ""
    } else if r.observed_runtime.get("hasPVC").and_then(Value::as_bool) == Some(true) {
        "PVC"
    } else if r
        .observed_runtime
        .get("hasEmptyDir")
        .and_then(Value::as_bool)
        == Some(true)
    {
        "emptyDir"
    } else {
        "stateless"
    };
    let row = |field: &str, path: &str, d: &str, o: &str, matches: bool| {
        let status = if d.is_empty() || o.is_empty() {
            "skipped"
        } else if matches {
            "match"
        } else {
            "mismatch"
        };
        json!({"field": field, "contractPath": path, "declaredValue": d, "observedValue": o, "status": status})
    };
    let state_ok = match state {
        "stateful" => observed_state == "PVC",
        "stateless" => observed_state != "PVC",
        _ => true,
    };
    json!([
        row(
            "Workload Type",
            workload_path,
            declared_kind,
            observed_kind,
            declared_kind.eq_ignore_ascii_case(observed_kind)
        ),
        row(
            "State / Storage",
            state_path,
            state,
            observed_state,
            state_ok
        ),
    ])
}

/// `GET /api/services/{name}/dependents`.
pub fn dependents(snap: &Snapshot, s: &Service) -> Value {
    Value::Array(
        s.dependents
            .iter()
            .map(|(n, req, compat)| {
                let d = snap.services.get(n);
                json!({"name": n, "version": d.map(|d| d.version.clone()),
                    "contractStatus": d.map(|d| d.contract_status.clone()),
                    "required": req, "compatibility": compat})
            })
            .collect(),
    )
}

/// [`details`] of a bundle resolved from a registry: merged with the service when the
/// snapshot knows it, else the contract alone.
pub fn resolved_details(snap: &Snapshot, l: &Loaded) -> Value {
    match snap.services.get(l.name()) {
        Some(s) => details(snap, s, Some(l)),
        None => {
            let mut m = contract_details(l);
            m.insert("name".into(), json!(l.name()));
            m.insert("version".into(), json!(l.version()));
            m.insert("isCurrent".into(), json!(false));
            m.insert(
                "contractStatus".into(),
                json!(if l.errors() > 0 {
                    "Invalid"
                } else {
                    "NotEvaluated"
                }),
            );
            m.insert("sources".into(), json!(["oci"]));
            m.insert("dependencies".into(), json!(l.resolved.contract.dependencies.iter().map(|d| json!({"ref": d.reference(), "required": d.is_required(), "compatibility": d.compatibility.as_ref().map(|c| c.as_str())})).collect::<Vec<_>>()));
            m.insert("dependents".into(), json!([]));
            m.insert("runtimeEvaluated".into(), json!(false));
            m.insert(
                "readiness".into(),
                crate::snapshot::readiness(l, snap.built_at),
            );
            let meta = section_meta(&m, Some(l), None, false);
            m.insert("sectionMeta".into(), meta);
            Value::Object(m)
        }
    }
}

/// `GET /api/services/{name}` (current) or `.../versions/{version}` (`at`).
pub fn details(snap: &Snapshot, s: &Service, at: Option<&Loaded>) -> Value {
    let mut m = match at.or(s.current.as_deref()) {
        Some(l) => contract_details(l),
        None => Map::new(),
    };
    let version = at
        .map(|l| l.version().to_string())
        .unwrap_or_else(|| s.version.clone());
    m.insert("name".into(), json!(s.name));
    m.insert("version".into(), json!(version));
    m.insert("isCurrent".into(), json!(version == s.version));
    m.insert("currentVersion".into(), json!(s.version));
    m.insert("contractStatus".into(), json!(s.contract_status));
    let reasons = attention(s);
    m.insert("health".into(), json!(health_of(s, &reasons)));
    m.insert("attention".into(), json!(reasons));
    m.insert("sources".into(), json!(s.sources));
    if !m.contains_key("source") {
        m.insert("source".into(), json!(s.source));
    }
    m.insert("blastRadius".into(), json!(s.blast_radius));
    // The service's insights plus the reasons only the views know (readiness, drift).
    let mut insights = s.insights.clone();
    for r in attention(s) {
        if !insights
            .iter()
            .any(|i| i.title == r.title && i.severity == r.severity)
        {
            insights.push(r);
        }
    }
    insights.sort_by_key(|i| severity_rank(i.severity));
    m.insert("insights".into(), json!(insights));
    m.insert("compliance".into(), compliance(s));
    m.insert("latestAvailable".into(), json!(latest_available(s)));
    m.insert("updateAvailable".into(), json!(update_available(s)));
    m.insert("dependencies".into(), json!(s.edges));
    m.insert("dependents".into(), dependents(snap, s));
    m.insert("versions".into(), versions(s));
    m.insert("runtimeEvaluated".into(), json!(s.runtime.is_some()));
    m.insert("runtimeState".into(), json!(s.runtime));
    let eval = evaluation(s, snap.built_at);
    m.insert(
        "evaluationCoverage".into(),
        eval.get("coverage").cloned().unwrap_or(Value::Null),
    );
    m.insert("evaluation".into(), eval);
    m.insert("runtimeDiff".into(), runtime_diff(s));
    if let Some(o) = &snap.observed {
        m.insert("traffic".into(), traffic(snap, s, o));
    }
    let readiness = match at {
        Some(l) => crate::snapshot::readiness(l, snap.built_at),
        None => s.readiness.clone(),
    };
    m.insert("readiness".into(), readiness);
    let k8s_active = snap
        .sources
        .iter()
        .any(|x| x.kind == crate::source::SourceKind::K8s);
    let meta = section_meta(
        &m,
        at.or(s.current.as_deref()),
        s.runtime.as_ref(),
        k8s_active,
    );
    m.insert("sectionMeta".into(), meta);
    Value::Object(m)
}

/// The operator's stabilization window when `PACTO_DASHBOARD_STABILIZATION_WINDOW` does not say
/// otherwise (the operator's `--stabilization-window` default, 2m).
pub const DEFAULT_STABILIZATION_WINDOW_SECS: i64 = 120;

/// A Go duration (`90s`, `2m`, `1m30s`, `1h`) in whole seconds; `None` when it is not one.
pub fn parse_duration_secs(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let (mut total, mut num) = (0i64, String::new());
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: i64 = num.parse().ok()?;
        num.clear();
        total = total.checked_add(n.checked_mul(match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        })?)?;
    }
    num.is_empty().then_some(total)
}

/// The stabilization window the observation windows are read with, in seconds.
pub fn stabilization_window_secs() -> i64 {
    std::env::var("PACTO_DASHBOARD_STABILIZATION_WINDOW")
        .ok()
        .and_then(|v| parse_duration_secs(&v))
        .unwrap_or(DEFAULT_STABILIZATION_WINDOW_SECS)
}

/// The operator's Pacto 2.0 evaluation of a service (`null` without one, and for 1.x Pactos,
/// which keep their checks): the verdict, the coverage, the findings grouped by severity, the
/// three conditions, and each observation window with the time the operator waits until
/// before a negative observation counts (`waitingUntil`, `pending` while that is later than
/// the snapshot).
pub fn evaluation(s: &Service, now: u64) -> Value {
    let Some(r) = s.runtime.as_ref().filter(|r| r.evaluated_v2) else {
        return Value::Null;
    };
    let window = stabilization_window_secs();
    let now = i64::try_from(now).unwrap_or(i64::MAX);
    let by =
        |sev: &str| -> Vec<&Value> { r.findings.iter().filter(|f| f["severity"] == sev).collect() };
    let windows: Vec<Value> = r
        .observation_windows
        .iter()
        .map(|w| {
            let since = w["firstObservedNegativeAt"]
                .as_str()
                .and_then(pacto_core::fleet::time::parse_rfc3339);
            let until = since.map(|t| t.saturating_add(window));
            let mut w = w.clone();
            w["waitingUntil"] = json!(until.map(pacto_core::fleet::time::format_rfc3339));
            w["pending"] = json!(until.is_some_and(|u| u > now));
            w
        })
        .collect();
    let conditions: Vec<&Value> = r
        .conditions
        .iter()
        .filter(|c| {
            matches!(
                c["type"].as_str(),
                Some("ContractValid" | "RuntimeObserved" | "ReadinessSatisfied")
            )
        })
        .collect();
    json!({
        "verdict": r.contract_status,
        "coverage": r.evaluation_coverage,
        "findingCounts": {
            "error": by("error").len(), "warning": by("warning").len(),
            "unknown": by("unknown").len(), "info": by("info").len(),
        },
        "findings": {
            "error": by("error"), "warning": by("warning"),
            "unknown": by("unknown"), "info": by("info"),
        },
        "observationWindows": windows,
        "stabilizationWindowSeconds": window,
        "conditions": conditions,
    })
}

/// The contract sections of `ServiceDetails` and the runtime ones (spec §5.3 `sectionMeta`).
pub const CONTRACT_SECTIONS: [&str; 10] = [
    "interfaces",
    "configurations",
    "policies",
    "capabilities",
    "dependencies",
    "readiness",
    "docs",
    "sbom",
    "runtime",
    "validation",
];
pub const RUNTIME_SECTIONS: [&str; 6] = [
    "observedRuntime",
    "runtimeDiff",
    "resources",
    "ports",
    "endpoints",
    "conditions",
];

fn filled(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(Value::String(t)) => !t.is_empty(),
        Some(_) => true,
    }
}

/// `sectionMeta`: for every section, whether it is `present`, `empty`, `not_applicable` or
/// `unavailable`, why, and which source it comes from.
pub fn section_meta(
    m: &Map<String, Value>,
    contract: Option<&Loaded>,
    runtime: Option<&crate::k8s::RuntimeInfo>,
    k8s_active: bool,
) -> Value {
    let entry = |state: &str, reason: &str, source: Option<&str>| json!({"state": state, "reason": reason, "source": source});
    let version = m.get("pactoVersion").and_then(Value::as_str);
    let v2 = version.is_some_and(is_v2_version);
    let mut out = Map::new();
    for id in CONTRACT_SECTIONS {
        let v = match contract {
            None => entry(
                "unavailable",
                "no contract source has this service (Kubernetes never supplies contract content)",
                None,
            ),
            Some(l) => {
                let src = Some(l.source.as_str());
                match id {
                    "capabilities" if !v2 => entry(
                        "not_applicable",
                        "pactoVersion 1.x contracts declare no capabilities",
                        None,
                    ),
                    "readiness" => match m.get("readiness") {
                        Some(r) if !r.is_null() => entry("present", "", src),
                        _ if !v2 && version != Some("1.2") => entry(
                            "not_applicable",
                            "readiness needs pactoVersion \"1.2\" or \"2.0\"",
                            src,
                        ),
                        _ if v2 => entry("empty", "the contract declares no readiness claims", src),
                        _ => entry("empty", "the contract declares no readiness checks", src),
                    },
                    "validation" => entry("present", "", src),
                    "runtime" if v2 && m.get("runtime").is_none_or(Value::is_null) => {
                        entry("empty", "the contract declares no workload or state", src)
                    }
                    "runtime" if m.get("runtime").is_none_or(Value::is_null) => {
                        entry("empty", "the contract declares no runtime section", src)
                    }
                    _ if filled(m.get(id)) => entry("present", "", src),
                    "docs" => entry("empty", "the bundle has no docs/**/*.md page", src),
                    "sbom" => entry("empty", "the bundle has no sbom/ document", src),
                    _ => entry("empty", &format!("the contract declares no {id}"), src),
                }
            }
        };
        out.insert(id.to_string(), v);
    }
    for id in RUNTIME_SECTIONS {
        let v = match (runtime, id) {
            (None, _) if !k8s_active => entry(
                "unavailable",
                "no runtime source: the dashboard is not connected to Kubernetes",
                None,
            ),
            (None, _) => entry(
                "unavailable",
                "Kubernetes has no Pacto resource for this service",
                None,
            ),
            (Some(_), "runtimeDiff") if contract.is_none() => entry(
                "not_applicable",
                "no contract to compare the runtime with",
                Some("k8s"),
            ),
            (Some(_), "runtimeDiff") => entry("present", "", Some("k8s")),
            (Some(r), _) => {
                let v = match id {
                    "observedRuntime" => r.observed_runtime.clone(),
                    "resources" => r.resources.clone(),
                    "ports" => r.ports.clone(),
                    "endpoints" => json!(r.endpoints),
                    _ => json!(r.conditions),
                };
                if filled(Some(&v)) {
                    entry("present", "", Some("k8s"))
                } else {
                    entry("empty", "the operator reported none", Some("k8s"))
                }
            }
        };
        out.insert(id.to_string(), v);
    }
    Value::Object(out)
}

/// `GET /api/services/{name}/sources`: what each source knows, and the merged entry.
pub fn aggregated(s: &Service) -> Value {
    let mut sources: Vec<Value> = s
        .seen
        .iter()
        .map(|x| {
            let service = match &x.loaded {
                Some(l) => json!({
                    "name": s.name,
                    "version": x.version,
                    "owner": owner_json(l),
                    "contractStatus": if l.errors() > 0 { "Invalid" } else { "NotEvaluated" },
                    "source": x.kind,
                    "ref": x.reference,
                    "contractHash": l.contract_hash,
                    "versionCount": x.version_count,
                    "fetched": true,
                }),
                None => json!({
                    "name": s.name,
                    "version": x.version,
                    "owner": null,
                    "contractStatus": "Unknown",
                    "source": x.kind,
                    "ref": x.reference,
                    "contractHash": null,
                    "versionCount": x.version_count,
                    "fetched": false,
                }),
            };
            json!({"sourceType": x.kind, "service": service})
        })
        .collect();
    if let Some(r) = &s.runtime {
        sources.push(json!({"sourceType": "k8s", "service": {
            "name": s.name,
            "version": r.version,
            "contractStatus": r.contract_status,
            "source": "k8s",
            "namespace": r.namespace,
            "resource": r.resource,
            "resolvedRef": r.resolved_ref,
            "currentRevision": r.current_revision,
            "versionPolicy": r.version_policy,
            "lastReconciledAt": r.last_reconciled_at,
            "revisions": r.revisions,
        }}));
    }
    json!({"name": s.name, "sources": sources, "merged": list_entry(s)})
}

/// `GET /api/services/{name}/refs`: configuration and policy cross-references.
pub fn refs(snap: &Snapshot, s: &Service) -> Value {
    let references: Vec<Value> = s
        .current
        .as_ref()
        .map(|c| {
            crate::snapshot::contract_refs(&c.resolved.contract)
                .into_iter()
                .map(|(r, kind)| {
                    let (target, found) = crate::snapshot::resolve_target(snap, &r);
                    let status = found
                        .then(|| snap.services.get(&target))
                        .flatten()
                        .map(|t| t.contract_status.clone());
                    json!({"name": target, "refType": kind, "ref": r, "contractStatus": status,
                        "resolved": found})
                })
                .collect()
        })
        .unwrap_or_default();
    let mut referenced_by: Vec<Value> = Vec::new();
    for t in snap.services.values().filter(|t| t.name != s.name) {
        for e in t
            .edges
            .iter()
            .filter(|e| e.kind == "reference" && e.target_id == s.name)
        {
            referenced_by.push(
                json!({"name": t.name, "refType": e.ref_type, "ref": e.reference,
                "contractStatus": t.contract_status}),
            );
        }
    }
    json!({"references": references, "referencedBy": referenced_by})
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::source::SourceKind;

    fn service(name: &str, blast_radius: usize, readiness: Value) -> Service {
        Service {
            seen: Vec::new(),
            name: name.into(),
            source: SourceKind::Local,
            sources: vec![SourceKind::Local],
            current: None,
            version: "1.0.0".into(),
            versions: Vec::new(),
            runtime: None,
            edges: Vec::new(),
            dependents: Vec::new(),
            blast_radius,
            contract_status: "NotEvaluated".into(),
            health: "ok",
            insights: Vec::new(),
            owner: "team".into(),
            readiness,
        }
    }

    fn gate(score: i64, min: i64, expired: bool) -> Value {
        json!({"score": score, "minScore": min, "passing": !expired && score >= min, "expired": expired,
            "message": format!("readiness score {score} below minScore {min}")})
    }

    /// A tool without an operationId is named `<method>_<path>` as `pacto mcp` names it; a
    /// repeated name is numbered, and with two OpenAPI interfaces each name is prefixed.
    #[test]
    fn tool_names_follow_pacto_mcp() {
        assert_eq!(
            pacto_core::tool_names::derived("get", "/v1/orders/{orderId}"),
            "get_v1_orders_orderId"
        );
        assert_eq!(pacto_core::tool_names::derived("post", "/"), "post");
        let op = |m: &str, p: &str, id: Option<&str>| json!({"method": m, "path": p, "summary": "", "operationId": id});
        let api = |name: &str, ops: Vec<Value>| json!({"name": name, "type": "openapi", "endpoints": ops});
        let one = tools(&[api(
            "a",
            vec![
                op("GET", "/x", Some("x")),
                op("PUT", "/x", Some("x")),
                op("GET", "/pacto", Some("pacto_list")),
            ],
        )]);
        let names: Vec<&str> = one.iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["x", "x_2"]);
        assert_eq!(one[1]["mutating"], true);
        let two = tools(&[
            api("a", vec![op("GET", "/h", None)]),
            api("b", vec![op("DELETE", "/h", None)]),
            json!({"name": "c", "type": "asyncapi", "endpoints": [op("GET", "/z", None)]}),
        ]);
        let names: Vec<&str> = two.iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["a_get_h", "b_delete_h"]);
    }

    /// Issue 15: a service whose readiness is below its gate (56 against 80) showed OK.
    #[test]
    fn below_its_readiness_gate_is_not_ok() {
        let s = service("route-planner", 0, gate(56, 80, false));
        assert_eq!(health(&s), "warning");
        let why = attention(&s);
        assert_eq!(why.len(), 1);
        assert_eq!(why[0].title, "Readiness 56 below its gate 80");
        let e = list_entry(&s);
        assert_eq!(e["health"], "warning");
        assert_eq!(e["topInsight"]["title"], "Readiness 56 below its gate 80");
        assert_eq!(health(&service("x", 0, gate(80, 80, false))), "ok");
        assert_eq!(health(&service("x", 0, Value::Null)), "ok");
        let expired = attention(&service("x", 0, gate(90, 80, true)));
        assert!(expired[0].title.starts_with("Readiness assessment expired"));
    }

    /// Issue 15: "0 need attention" above "Needs attention first (627)" listing healthy
    /// services with a high blast radius. One definition: the count is the list's length.
    #[test]
    fn overview_counts_exactly_the_services_it_lists() {
        let mut snap = Snapshot::default();
        let mut invalid = service("invalid", 0, Value::Null);
        invalid.insights.push(Insight {
            severity: "critical",
            title: "1 validation error(s)".into(),
            description: String::new(),
        });
        let mut noted = service("noted", 0, Value::Null);
        noted.insights.push(Insight {
            severity: "info",
            title: "observed".into(),
            description: String::new(),
        });
        for s in [
            invalid,
            noted,
            service("hub", 40, Value::Null),
            service("below", 1, gate(56, 80, false)),
        ] {
            snap.services.insert(s.name.clone(), s);
        }
        let o = overview(&snap);
        let listed: Vec<&str> = o["attention"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap())
            .collect();
        assert_eq!(listed, ["invalid", "below"], "errors first; healthy never");
        assert_eq!(o["attentionTotal"], 2);
        assert_eq!(o["counts"]["attention"], 2);
        assert_eq!(o["counts"]["error"], 1);
        assert_eq!(o["counts"]["warning"], 1);
        assert_eq!(o["counts"]["ok"], 2);
        assert_eq!(o["allClear"], false);
        let problems = services(&snap)
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["health"] != "ok")
            .count();
        assert_eq!(problems, 2, "the services list's filter counts the same");
    }
}
