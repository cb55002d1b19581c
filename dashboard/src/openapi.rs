//! The OpenAPI 3.1 document of the dashboard API, served at `/api/openapi.json`.

use serde_json::{json, Value};

fn name_param() -> Value {
    json!({"name": "name", "in": "path", "required": true, "schema": {"type": "string", "maxLength": 255}})
}

fn ok(schema: Value, description: &str) -> Value {
    json!({"200": {"description": description, "content": {"application/json": {"schema": schema}}},
           "default": {"description": "Problem", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}})
}

fn get(summary: &str, params: Vec<Value>, schema: Value) -> Value {
    json!({"get": {"summary": summary, "parameters": params, "responses": ok(schema, summary)}})
}

fn r(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn arr(items: Value) -> Value {
    json!({"type": "array", "items": items})
}

/// A fleet answer: the common envelope plus `props`.
fn fleet(props: Value) -> Value {
    let mut p = json!({"schema": {"const": crate::fleet::SCHEMA}, "snapshotId": {"type": "integer"}, "asOf": {"type": "integer"},
        "complete": {"type": "boolean"}, "sources": arr(r("Source")), "limitations": arr(json!({"type": "string"}))});
    if let (Some(m), Value::Object(extra)) = (p.as_object_mut(), props) {
        m.extend(extra);
    }
    json!({"type": "object", "required": ["schema", "snapshotId", "asOf", "complete", "sources", "limitations"], "properties": p})
}

fn more_paths() -> Value {
    let mut m = json!({
            "/api/services/{name}/sources": get("What each source knows of a service, and the merged entry", vec![name_param()], r("AggregatedService")),
            "/api/services/{name}/refs": get("Configuration and policy cross-references", vec![name_param()], r("CrossReferences")),
            "/api/capabilities": get("Optional features of this server", vec![], json!({"type": "object", "properties": {
                "fleet": {"type": "boolean"}, "impact": {"type": "boolean"}, "observed": {"type": "boolean"},
                "fleetProduct": {"type": "boolean"}, "changeAnalysis": {"type": "boolean"},
                "resolve": {"type": "boolean"}, "diagnostics": {"type": "boolean"}}})),
            "/api/debug/sources": get("Source detection and Kubernetes diagnostics (only with --diagnostics; 404 otherwise)", vec![], json!({"type": "object", "properties": {
                "detected": arr(json!({"type": "object"})), "sources": arr(r("Source")), "kubernetes": {"type": ["object", "null"], "properties": {
                    "clientConfigured": {"type": "boolean"}, "kubeconfigPath": {"type": "string"}, "clusterReachable": {"type": "boolean"},
                    "crdExists": {"type": "boolean"}, "namespace": {"type": "string"}, "allNamespaces": {"type": "boolean"},
                    "resourceCount": {"type": ["integer", "null"]}, "detectedGroup": {"type": "string"}, "detectedVersions": arr(json!({"type": "string"})),
                    "chosenVersion": {"type": "string"}, "resourceName": {"type": "string"}, "error": {"type": "string"}}},
                "config": {"type": "object"}}})),
            "/api/debug/services": get("Per-source breakdown of every service (only with --diagnostics; 404 otherwise)", vec![],
                json!({"type": "object", "properties": {"snapshotId": {"type": "integer"}, "services": arr(r("AggregatedService"))}})),
            "/api/resolve": {"post": {"summary": "Resolve a remote dependency (oci:// only) to ServiceDetails. 422 invalid ref, no matching version or invalid bundle; 403 auth; 404 not found; 502 other",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["ref"], "properties": {
                    "ref": {"type": "string", "maxLength": 1024}, "compatibility": {"type": "string", "maxLength": 256}}}}}},
                "responses": ok(r("ServiceDetails"), "Resolved")}}
    });
    if let (Some(m), Value::Object(f)) = (m.as_object_mut(), fleet_paths()) {
        m.extend(f);
    }
    if let (Some(m), Value::Object(f)) = (m.as_object_mut(), product_paths()) {
        m.extend(f);
    }
    if let Some(Value::Object(i)) = m.get_mut("/api/fleet/impact") {
        i.insert("post".into(), impact_post());
    }
    m
}

/// The core fleet envelope (`pacto fleet ... --output-format json`'s `meta`).
fn meta() -> Value {
    json!({"type": "object", "required": ["schemaVersion", "snapshotId", "asOf", "completeness"], "properties": {
        "schemaVersion": {"type": "string"}, "snapshotId": {"type": "string"}, "asOf": {"type": "string"},
        "completeness": {"enum": ["complete", "partial", "unknown"]}, "limitations": arr(json!({"type": "object"})),
        "sources": arr(json!({"type": "object"}))}})
}

fn entity_ref() -> Value {
    json!({"type": "object", "required": ["kind", "key", "label", "route"], "properties": {
        "kind": {"enum": ["service", "revision", "target", "owner", "source"]}, "key": {"type": "string"},
        "label": {"type": "string"}, "route": {"type": "string"}}})
}

/// Go's fleet product endpoints, answered by `pacto_core::fleet` (the CLI's engine).
fn product_paths() -> Value {
    let q = |n: &str, required: bool| json!({"name": n, "in": "query", "required": required, "schema": {"type": "string"}});
    let qi = |n: &str| json!({"name": n, "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0}});
    let obj = |props: Value| json!({"type": "object", "properties": props});
    json!({
        "/api/fleet/overview": get("Operational overview: counts, what needs attention (the count is the attention list's total), incomplete sources, entry points", vec![],
            obj(json!({"meta": meta(), "counts": obj(json!({"services": {"type": "integer"}, "revisions": {"type": "integer"}, "targets": {"type": "integer"},
                "owners": {"type": "integer"}, "relationships": {"type": "integer"}, "needsAttention": {"type": "integer"}, "byStatus": {"type": "object"}})),
                "attention": arr(json!({"type": "object"})), "incompleteSources": arr(json!({"type": "object"})), "entryPoints": arr(entity_ref())}))),
        "/api/fleet/attention": get("What needs attention (pacto fleet status --needs-attention), each item navigable", vec![qi("limit"), q("service", false)],
            obj(json!({"meta": meta(), "total": {"type": "integer"}, "count": {"type": "integer"}, "items": arr(obj(json!({
                "kind": {"type": "string"}, "name": {"type": "string"}, "code": {"type": "string"}, "reason": {"type": "string"}, "entity": entity_ref()})))}))),
        "/api/fleet/entities": get("Search services (pacto fleet search), revisions, targets, owners and sources", vec![q("text", false), q("kinds", false), q("owner", false), q("status", false), qi("limit"), qi("offset")],
            obj(json!({"meta": meta(), "total": {"type": "integer"}, "count": {"type": "integer"}, "offset": {"type": "integer"}, "limit": {"type": "integer"}, "entities": arr(entity_ref())}))),
        "/api/fleet/entities/{kind}": get("One entity's detail (service and target as pacto fleet get)", vec![
                json!({"name": "kind", "in": "path", "required": true, "schema": {"enum": ["service", "revision", "target", "owner", "source"]}}), q("key", true)],
            obj(json!({"kind": {"type": "string"}, "ref": entity_ref(), "detail": {"type": "object"}}))),
        "/api/fleet/neighborhood": get("A service's neighbourhood (pacto fleet graph; depth > 1 is transitive)", vec![q("kind", false), q("key", true), q("direction", false), qi("depth")],
            obj(json!({"meta": meta(), "root": {"type": "string"}, "direction": {"type": "string"}, "nodes": arr(json!({"type": "object"})), "edges": arr(json!({"type": "object"}))}))),
        "/api/fleet/revisions/document": get("The contract document (pacto.yaml) of a revision", vec![q("key", true)],
            obj(json!({"meta": meta(), "revision": entity_ref(), "service": {"type": "string"}, "version": {"type": "string"},
                "pactoVersion": {"type": "string"}, "mediaType": {"type": "string"}, "document": {"type": "string"}})))
    })
}

fn impact_post() -> Value {
    json!({"summary": "Impact of two revisions of the snapshot (pacto impact): 409 when snapshotId is stale, 422 for an unknown revision",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["fromRevisionKey", "toRevisionKey"], "properties": {
            "snapshotId": {"type": "string"}, "fromRevisionKey": {"type": "string", "description": "A revision key or name@version"},
            "toRevisionKey": {"type": "string"}, "includeObserved": {"type": "boolean"}}}}}},
        "responses": ok(json!({"type": "object", "properties": {"meta": meta(), "snapshotId": {"type": "string"}, "snapshotMatch": {"type": "boolean"}, "service": entity_ref(),
            "oldRevision": entity_ref(), "newRevision": entity_ref(), "classification": {"type": "string"},
            "consumers": arr(json!({"type": "object"})), "owners": arr(entity_ref()), "activeTargets": arr(entity_ref()),
            "result": {"type": "object", "description": "pacto impact --output-format json"},
            "limitations": arr(json!({"type": "object", "description": "the result's limitations (empty when none)"}))}}), "Impact")})
}

fn fleet_paths() -> Value {
    let q = |n: &str, required: bool| json!({"name": n, "in": "query", "required": required, "schema": {"type": "string"}});
    json!({
            "/api/fleet/status": get("Fleet counts and source health", vec![], fleet(json!({"counts": {"type": "object"}, "discovering": {"type": "boolean"}}))),
            "/api/fleet/snapshot": get("The whole fleet, unpaged: services, revisions, targets, expected edges", vec![], fleet(json!({
                "services": arr(r("FleetService")), "revisions": arr(r("Revision")), "targets": arr(r("Target")), "edges": arr(r("FleetEdge"))}))),
            "/api/fleet/services": get("Search services (paged)", vec![q("text", false), q("owner", false), q("scope", false), q("status", false), q("source", false),
                json!({"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}}),
                json!({"name": "offset", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0, "default": 0}})],
                fleet(json!({"total": {"type": "integer"}, "offset": {"type": "integer"}, "limit": {"type": "integer"}, "truncated": {"type": "boolean"}, "items": arr(r("FleetService"))}))),
            "/api/fleet/service": get("One service with its revisions, targets and edges (key: name or service:name)", vec![q("key", true)],
                fleet(json!({"service": r("FleetService"), "revisions": arr(r("Revision")), "targets": arr(r("Target")), "dependencies": arr(r("FleetEdge")), "dependents": arr(r("Dependent"))}))),
            "/api/fleet/target": get("One deployment target (key: namespace/Pacto/name); 404 when Kubernetes does not know it", vec![q("key", true)],
                fleet(json!({"target": r("Target"), "service": r("FleetService"), "runtime": {"type": ["object", "null"]}}))),
            "/api/fleet/services/{name}/graph": get("Neighbourhood of a service (bounded)", vec![name_param(), q("direction", false), q("transitive", false), q("maxDepth", false), q("maxNodes", false)],
                fleet(json!({"root": {"type": "string"}, "nodes": arr(json!({"type": "object"})), "edges": arr(r("FleetEdge")), "totalNodes": {"type": "integer"}, "truncated": {"type": "boolean"}}))),
            "/api/fleet/impact": get("Impact of moving from one revision to another (name@version or sha256:digest)", vec![q("old", true), q("new", true), q("includeObserved", false)],
                fleet(json!({"old": {"type": "object"}, "new": {"type": "object"}, "classification": {"enum": ["NON_BREAKING", "POTENTIAL_BREAKING", "BREAKING"]},
                    "changeCount": {"type": "integer"}, "changes": arr(json!({"type": "object"})), "consumers": arr(json!({"type": "object", "properties": {
                        "name": {"type": "string"}, "required": {"type": "boolean"}, "compatibility": {"type": "string"}, "satisfiedByNew": {"type": ["boolean", "null"]}}})),
                    "blastRadius": {"type": "integer"}, "observed": {"type": "object", "properties": {"included": {"type": "boolean"}, "available": {"type": "boolean"},
                        "requested": {"type": "boolean"}, "reason": {"type": "string"},
                        "callers": arr(json!({"type": "object", "description": "With --traces and includeObserved=true: the observed callers of the old service.", "properties": {
                            "name": {"type": "string"}, "calls": {"type": "integer"}, "declared": {"type": "boolean"}}}))}}})))
    })
}

fn more_schemas() -> Value {
    let mut m = readiness_schema();
    if let (Some(m), Value::Object(f)) = (m.as_object_mut(), other_schemas()) {
        m.extend(f);
    }
    m
}

fn readiness_schema() -> Value {
    let int = json!({"type": "integer"});
    let s = json!({"type": "string"});
    json!({"Readiness": {"type": ["object", "null"], "description": "The contract's readiness section (1.2 `checks`, 2.0 `claims`, both listed in `checks`) evaluated on the snapshot's day (UTC); null when it declares none.",
        "properties": {"declaredAs": {"enum": ["checks", "claims"]}, "score": int, "minScore": int, "totalWeight": int, "earnedWeight": int, "partialCredit": {"type": "number"},
            "passing": {"type": "boolean"}, "gate": {"enum": ["Satisfied", "BelowMinScore", "Expired"]}, "message": s,
            "expires": s, "expired": {"type": "boolean"}, "daysRemaining": {"type": ["integer", "null"]},
            "doneCount": int, "partialCount": int, "notDoneCount": int, "deferredCount": int,
            "revisions": arr(json!({"type": "object", "properties": {"date": s, "version": s, "author": s, "description": s}})),
            "checks": arr(json!({"type": "object", "properties": {"id": s, "type": s, "category": s,
                "status": {"enum": ["done", "partial", "not-done", "deferred"]}, "evidence": s, "description": s,
                "weight": int, "earnedWeight": int, "excluded": {"type": "boolean"}, "docPath": {"type": ["string", "null"]}}}))}}})
}

fn other_schemas() -> Value {
    json!({
            "SectionMeta": {"type": "object", "required": ["state"], "properties": {"state": {"enum": ["present", "empty", "not_applicable", "unavailable"]},
                "reason": {"type": "string"}, "source": {"type": ["string", "null"], "enum": ["k8s", "oci", "local", "cache", null]}, "overriddenBy": {"type": ["string", "null"]}}},
            "AggregatedService": {"type": "object", "properties": {"name": {"type": "string"},
                "sources": arr(json!({"type": "object", "properties": {"sourceType": {"enum": ["local", "oci", "cache", "k8s"]}, "service": {"type": "object"}}})),
                "merged": r("ServiceListEntry")}},
            "CrossReference": {"type": "object", "properties": {"name": {"type": "string"}, "refType": {"enum": ["config", "policy"]}, "ref": {"type": "string"},
                "contractStatus": {"type": ["string", "null"]}, "resolved": {"type": "boolean"}}},
            "CrossReferences": {"type": "object", "properties": {"references": arr(r("CrossReference")), "referencedBy": arr(r("CrossReference"))}},
            "FleetService": {"type": "object", "properties": {"key": {"type": "string"}, "name": {"type": "string"}, "version": {"type": "string"}, "owner": {"type": "string"},
                "contractStatus": {"type": "string"}, "health": {"type": "string"}, "source": {"type": "string"}, "sources": arr(json!({"type": "string"})),
                "scope": {"type": ["string", "null"]}, "blastRadius": {"type": "integer"}, "revisionCount": {"type": "integer"}, "targetCount": {"type": "integer"}, "route": {"type": "string"}}},
            "Revision": {"type": "object", "properties": {"key": {"type": "string"}, "service": {"type": "string"}, "version": {"type": "string"},
                "digest": {"type": ["string", "null"]}, "source": {"type": "string"}, "ref": {"type": "string"}, "retrievable": {"type": "boolean"},
                "fetched": {"type": "boolean"}, "classification": {"type": ["string", "null"]}, "isCurrent": {"type": "boolean"}}},
            "Target": {"type": "object", "properties": {"key": {"type": "string"}, "scope": {"type": "string"}, "kind": {"type": "string"}, "name": {"type": "string"},
                "service": {"type": "string"}, "version": {"type": "string"}, "contractStatus": {"type": "string"},
                "revisionLink": {"type": "object", "properties": {"certainty": {"enum": ["exact", "inferred", "ambiguous", "unresolved"]}, "revision": {"type": ["string", "null"]}, "retrievable": {"type": "boolean"}}}}},
            "FleetEdge": {"type": "object", "properties": {"from": {"type": "string"}, "to": {"type": "string"}, "type": {"enum": ["dependency", "reference", "traffic"]},
                "required": {"type": "boolean"}, "compatibility": {"type": "string"}, "resolved": {"type": "boolean"}, "knowledge": {"enum": ["expected", "observed"]},
                "observed": {"type": "boolean", "description": "Expected dependency edges, only with --traces: whether the traces show the call."},
                "observedCalls": {"type": "integer", "description": "Only with --traces: the calls the traces show."}}},
            "TrafficSummary": {"type": "object", "description": "Only with --traces: what the trace file gave, or why it is unavailable.", "properties": {
                "available": {"type": "boolean", "description": "Whether the last read succeeded; when false no edge carries observed."},
                "file": {"type": "string"}, "reason": {"type": "string", "description": "Why it is unavailable (empty when available)."},
                "spans": {"type": "integer", "description": "Spans read, of any kind."},
                "edgeSpans": {"type": "integer", "description": "CLIENT and PRODUCER spans counted on an edge."},
                "skippedSpans": {"type": "integer", "description": "CLIENT and PRODUCER spans without service.name or peer.service, self-calls, overlong names."},
                "droppedSpans": {"type": "integer", "description": "Spans of further edges dropped at the edge cap."},
                "truncated": {"type": "boolean", "description": "Whether the edge cap was reached."},
                "edgeCount": {"type": "integer", "description": "Distinct observed caller -> callee edges."},
                "declaredObserved": {"type": "integer", "description": "Declared dependency edges the traces show."},
                "declaredUnobserved": {"type": "integer", "description": "Declared dependency edges the traces never show."},
                "undeclaredCount": {"type": "integer", "description": "Observed edges no dependency declares."}}},
            "UndeclaredEdge": {"type": "object", "properties": {"caller": {"type": "string"}, "callee": {"type": "string"}, "calls": {"type": "integer"},
                "callerKnown": {"type": "boolean", "description": "Whether the caller is a service of the snapshot."},
                "calleeKnown": {"type": "boolean", "description": "Whether the callee is a service of the snapshot."},
                "callerId": {"type": ["string", "null"], "description": "The graph node of the caller, if there is one."},
                "calleeId": {"type": ["string", "null"], "description": "The graph node of the callee (a service, or an external node already declared), if there is one."}}},
            "ServiceTraffic": {"type": "object", "description": "Only with --traces: Expected dependencies / Observed traffic / Differences of the service.", "properties": {
                "available": {"type": "boolean"}, "reason": {"type": "string"},
                "expected": arr(json!({"type": "object", "description": "A declared dependency and what the traces show of it.", "properties": {
                    "name": {"type": "string"}, "targetId": {"type": "string"}, "required": {"type": "boolean"},
                    "observed": {"type": ["boolean", "null"]}, "calls": {"type": ["integer", "null"]}}})),
                "observed": arr(r("ObservedCall")), "callers": arr(r("ObservedCall")),
                "differences": {"type": "object", "properties": {
                    "undeclared": arr(json!({"type": "object", "description": "Called, but not declared.", "properties": {
                        "name": {"type": "string"}, "calls": {"type": "integer"}, "known": {"type": "boolean"}}})),
                    "unobserved": arr(json!({"type": "object", "description": "Declared, but never called in the traces.", "properties": {
                        "name": {"type": "string"}, "targetId": {"type": "string"}, "required": {"type": "boolean"}}}))}}}},
            "ObservedCall": {"type": "object", "description": "Observed calls to (observed) or from (callers) another service.", "properties": {
                "name": {"type": "string"}, "calls": {"type": "integer"},
                "declared": {"type": "boolean", "description": "Whether the caller's contract declares the dependency."},
                "known": {"type": "boolean", "description": "Whether the other end is a service of the snapshot."}}}
    })
}

/// The operator's Pacto 2.0 evaluation as the service page reads it.
fn evaluation_schemas() -> Value {
    json!({
            "EvaluationCoverage": {"type": "object", "required": ["required", "evaluated"], "properties": {
                "required": {"type": "integer", "minimum": 0, "description": "Required assertions the contract declares"},
                "evaluated": {"type": "integer", "minimum": 0, "description": "Required assertions with a conclusive observation"}}},
            "Finding": {"type": "object", "required": ["code", "severity", "category", "subject", "message"], "properties": {
                "code": {"type": "string", "description": "e.g. INTERFACE_ABSENT, DEPENDENCY_UNREACHABLE, EVIDENCE_MISSING"},
                "severity": {"enum": ["error", "warning", "unknown", "info"], "description": "A severity the dashboard does not know is read as unknown"},
                "category": {"type": "string", "description": "RuntimeDrift (a contradiction), Inconclusive (could not tell), SchemaViolation..."},
                "subject": {"type": "string", "description": "<kind>/<name>, e.g. interface/api"}, "contractPath": {"type": "string"}, "message": {"type": "string"}}},
            "ObservationWindow": {"type": "object", "properties": {
                "kind": {"enum": ["interface", "dependency", "configuration", "capability"]}, "subject": {"type": "string"},
                "firstObservedNegativeAt": {"type": "string", "format": "date-time"},
                "waitingUntil": {"type": ["string", "null"], "format": "date-time", "description": "firstObservedNegativeAt + the stabilization window: until then the negative observation is not an error"},
                "pending": {"type": "boolean", "description": "waitingUntil is later than the snapshot"}}},
            "Evaluation": {"type": "object", "required": ["verdict", "coverage", "findings", "findingCounts", "observationWindows", "conditions"], "properties": {
                "verdict": {"enum": ["Compliant", "Warning", "NonCompliant", "Reference", "Invalid", "Unknown", "NotEvaluated"], "description": "The operator's contractStatus"},
                "coverage": {"oneOf": [r("EvaluationCoverage"), {"type": "null"}]},
                "findings": {"type": "object", "description": "The operator's status.findings grouped by severity, in its order", "properties": {
                    "error": arr(r("Finding")), "warning": arr(r("Finding")), "unknown": arr(r("Finding")), "info": arr(r("Finding"))}},
                "findingCounts": {"type": "object", "properties": {"error": {"type": "integer"}, "warning": {"type": "integer"}, "unknown": {"type": "integer"}, "info": {"type": "integer"}}},
                "observationWindows": arr(r("ObservationWindow")),
                "stabilizationWindowSeconds": {"type": "integer", "description": "The window the dashboard assumes (the operator's default 2m; PACTO_DASHBOARD_STABILIZATION_WINDOW)"},
                "conditions": arr(json!({"type": "object", "description": "ContractValid, RuntimeObserved, ReadinessSatisfied"}))}}
    })
}

/// The document.
pub fn document() -> Value {
    let mut doc = base();
    for (key, extra) in [
        ("paths", more_paths()),
        ("schemas", more_schemas()),
        ("schemas", evaluation_schemas()),
    ] {
        let target = if key == "paths" {
            doc.get_mut("paths")
        } else {
            doc.get_mut("components").and_then(|c| c.get_mut("schemas"))
        };
        if let (Some(Value::Object(t)), Value::Object(e)) = (target, extra) {
            t.extend(e);
        }
    }
    // The Pacto 2.0 evaluation fields of the service list and the service page.
    let props = |doc: &mut Value, schema: &str, extra: Value| {
        if let (Some(Value::Object(t)), Value::Object(e)) = (
            doc.pointer_mut(&format!("/components/schemas/{schema}/properties")),
            extra,
        ) {
            t.extend(e);
        }
    };
    let coverage = json!({"oneOf": [r("EvaluationCoverage"), {"type": "null"}],
        "description": "Pacto 2.0: how many required assertions the operator evaluated (status.evaluationCoverage; never changes the verdict by itself)"});
    props(
        &mut doc,
        "ServiceListEntry",
        json!({"evaluationCoverage": coverage}),
    );
    props(
        &mut doc,
        "ServiceDetails",
        json!({"evaluationCoverage": coverage,
            "evaluation": {"oneOf": [r("Evaluation"), {"type": "null"}], "description": "Pacto 2.0: the operator's evaluation (null without a runtime source and for 1.x Pactos, which keep their checks in runtimeState.conditions)"},
            "runtimeState": {"type": ["object", "null"], "description": "The operator's status as read from the Pacto resource: contractStatus, conditions, endpoints, observedRuntime, and for 2.0 Pactos evaluatedV2, findings, evaluationCoverage, observationWindows"}}),
    );
    doc
}

fn base() -> Value {
    let q = |n: &str, required: bool| json!({"name": n, "in": "query", "required": required, "schema": {"type": "string"}});
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Pacto dashboard API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Read-only view of a fleet of Pacto contracts. Only /api/refresh, /api/versions and /api/resolve accept POST, same-origin JSON only (bodies up to 16 KiB). With --cors-origin, that one origin may read (GET, HEAD); cross-origin writes are always refused."},
        "paths": {
            "/health": get("Liveness", vec![], json!({"type": "object", "properties": {"status": {"type": "string"}, "version": {"type": "string"}}})),
            "/metrics": get("Counts", vec![], json!({"type": "object", "properties": {"serviceCount": {"type": "integer"}, "sourceCount": {"type": "integer"}}})),
            "/api/openapi.json": get("This document", vec![], json!({"type": "object"})),
            "/api/sources": get("Source status", vec![], r("Sources")),
            "/api/overview": get("What needs attention, and whether the snapshot is complete", vec![], r("Overview")),
            "/api/services": get("Every service", vec![], arr(r("ServiceListEntry"))),
            "/api/services/{name}": get("One service (current version)", vec![name_param()], r("ServiceDetails")),
            "/api/services/{name}/versions": get("Versions, newest first", vec![name_param()], arr(r("Version"))),
            "/api/services/{name}/versions/{version}": get("One service at one version", vec![name_param(),
                json!({"name": "version", "in": "path", "required": true, "schema": {"type": "string"}})], r("ServiceDetails")),
            "/api/services/{name}/dependents": get("Services that depend on this one", vec![name_param()], arr(r("Dependent"))),
            "/api/services/{name}/graph": get("Resolved dependency tree (pacto graph JSON)", vec![name_param()], json!({"type": "object"})),
            "/api/services/{name}/docs": {"get": {"summary": "One documentation page, rendered (HTML, sandboxed)",
                "parameters": [name_param(), q("path", true), q("version", false)],
                "responses": {"200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}},
                    "403": {"description": "The page is a symbolic link that leaves the bundle (never read)", "content": {"application/problem+json": {"schema": r("Problem")}}},
                    "404": {"description": "No such page", "content": {"application/problem+json": {"schema": r("Problem")}}}}}},
            "/api/graph": get("Global dependency graph", vec![], r("GlobalGraph")),
            "/api/diff": get("Classified diff between two versions or two services", vec![q("from_name", true), q("from_version", false), q("to_name", false), q("to_version", false)], r("DiffResult")),
            "/api/owners": get("Services grouped by owner", vec![], arr(json!({"type": "object"}))),
            "/api/refresh": {"post": {"summary": "Re-read every source (OCI tags are listed again, bypassing the tag-list cache)", "responses": ok(json!({"type": "object"}), "Refreshed")}},
            "/api/versions": {"post": {"summary": "Fetch every published version of a service from its OCI repository",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}}},
                "responses": ok(json!({"type": "object", "properties": {"versions": arr(r("Version"))}}), "Fetched")}}
        },
        "components": {"schemas": {
            "Problem": {"type": "object", "properties": {"title": {"type": "string"}, "status": {"type": "integer"}, "detail": {"type": "string"}}},
            "Source": {"type": "object", "properties": {"type": {"enum": ["local", "oci", "cache", "k8s", "traces"]}, "enabled": {"type": "boolean"},
                "state": {"enum": ["ok", "degraded", "disabled"]}, "reason": {"type": "string"}, "location": {"type": "string"},
                "problems": arr(json!({"type": "string"})), "serviceCount": {"type": "integer"},
                "failed": {"type": "boolean", "description": "The whole source failed in the last refresh: the answers hold what the other sources have"},
                "error": {"type": "string", "description": "Why the source failed (only when failed)"}}},
            "Sources": {"type": "object", "properties": {"sources": arr(r("Source")), "detected": arr(json!({"type": "object"})), "discovering": {"type": "boolean"}}},
            "Overview": {"type": "object", "required": ["complete", "allClear", "counts", "attention", "sources", "limitations"], "properties": {
                "snapshotId": {"type": "integer"}, "asOf": {"type": "integer"}, "complete": {"type": "boolean"}, "allClear": {"type": "boolean"},
                "counts": {"type": "object", "description": "services, versions, versionsNotFetched, error, warning, ok, unknown (the runtime verdict is Unknown: not OK, not counted in attention), attention, external, runtimeEvaluated, highImpact, and pactoV2 / pactoV1: services whose contract is on Pacto 2.0 / 1.x"}, "attention": arr(r("ServiceListEntry")),
                "attentionTotal": {"type": "integer", "description": "How many services need attention; `attention` holds the first 10, `/api/services` filtered by health lists them all"},
                "sources": arr(r("Source")), "limitations": arr(json!({"type": "string"}))}},
            "ServiceListEntry": {"type": "object", "required": ["name", "version", "contractStatus", "health", "source", "sources", "blastRadius"], "properties": {
                "name": {"type": "string"}, "version": {"type": "string"}, "owner": {"type": "string"},
                "contractStatus": {"enum": ["Compliant", "Warning", "NonCompliant", "Unknown", "Reference", "Invalid", "NotEvaluated"]},
                "health": {"enum": ["ok", "warning", "error", "unknown"], "description": "error/warning: needs attention; unknown: nothing needs attention but the operator's verdict is Unknown (never OK)"},
                "attention": {"type": "array", "description": "Why the service needs attention, most serious first (empty when healthy): the one definition the overview counts and lists", "items": {"type": "object", "properties": {
                    "severity": {"enum": ["error", "warning"]}, "title": {"type": "string"}, "description": {"type": "string"}}}},
                "source": {"type": "string"}, "sources": arr(json!({"type": "string"})),
                "namespace": {"type": ["string", "null"]}, "blastRadius": {"type": "integer"}, "dependencyCount": {"type": "integer"},
                "dependentCount": {"type": "integer"}, "complianceStatus": {"enum": ["OK", "WARNING", "ERROR", "REFERENCE", "UNKNOWN"]},
                "complianceScore": {"type": ["integer", "null"]}, "complianceErrors": {"type": "integer"}, "complianceWarnings": {"type": "integer"},
                "topInsight": {"type": ["object", "null"]}, "versionCount": {"type": "integer"}, "latestAvailable": {"type": ["string", "null"]},
                "updateAvailable": {"type": "boolean"}, "runtimeEvaluated": {"type": "boolean"}, "readiness": r("Readiness"),
                "pactoVersion": {"type": ["string", "null"], "description": "The current contract's pactoVersion (null without contract content)"}}},
            "ServiceDetails": {"type": "object", "required": ["name", "version", "interfaces", "configurations", "dependencies", "dependents", "validation"], "properties": {
                "name": {"type": "string"}, "version": {"type": "string"}, "isCurrent": {"type": "boolean"}, "owner": {},
                "pactoVersion": {"type": ["string", "null"]},
                "interfaces": arr(json!({"type": "object", "properties": {"name": {"type": "string"},
                    "type": {"type": "string", "description": "1.x: http, grpc, event; 2.0: openapi, asyncapi, grpc"}, "port": {"type": ["integer", "null"], "description": "1.x only"},
                    "visibility": {"type": ["string", "null"]}, "contractFile": {"type": ["string", "null"], "description": "1.x `contract`, 2.0 `ref`"},
                    "endpoints": arr(json!({"type": "object", "properties": {"method": {"type": "string"}, "path": {"type": "string"}, "summary": {"type": "string"}, "operationId": {"type": ["string", "null"]}}})),
                    "channels": arr(json!({"type": "object", "description": "AsyncAPI channels; operations are 2.x publish/subscribe or 3.0 `<operationId> (<action>)`",
                        "properties": {"channel": {"type": "string"}, "address": {"type": ["string", "null"]}, "operations": arr(json!({"type": "string"}))}})),
                    "rpcs": arr(json!({"type": "object", "description": "gRPC: the rpcs of the .proto",
                        "properties": {"service": {"type": "string"}, "rpc": {"type": "string"}, "signature": {"type": "string"}}}))}})),
                "workload": {"type": ["string", "null"], "description": "2.0 top-level workload (null for 1.x: see runtime)"},
                "state": {"type": ["object", "null"], "description": "2.0 top-level state (null for 1.x: see runtime)", "properties": {
                    "type": {"type": ["string", "null"]}, "persistenceScope": {"type": ["string", "null"]}, "persistenceDurability": {"type": ["string", "null"]},
                    "dataCriticality": {"type": ["string", "null"]}}},
                "capabilities": {"type": ["array", "null"], "description": "2.0 capabilities (null for 1.x); bindingResolved: whether the binding's interface is declared",
                    "items": {"type": "object", "properties": {"type": {"type": "string"}, "ref": {"type": "string"},
                        "binding": {"type": "object", "properties": {"type": {"type": "string"}, "interface": {"type": "string"}, "path": {"type": "string"}}},
                        "bindingResolved": {"type": ["boolean", "null"]}}}},
                "extensions": {"type": ["object", "null"], "description": "2.0 free-form extensions block as written"},
                "skills": arr(json!({"type": "object", "description": "The bundle's skills/*.md (what pacto mcp BUNDLE serves as pacto_skill), at most 64 KiB of each",
                    "properties": {"name": {"type": "string"}, "content": {"type": "string"}, "truncated": {"type": "boolean"}}})),
                "tools": arr(json!({"type": "object", "description": "Agent tools from the OpenAPI operations, named as `pacto mcp BUNDLE` names them",
                    "properties": {"name": {"type": "string"}, "interface": {"type": "string"}, "method": {"type": "string"}, "path": {"type": "string"},
                        "summary": {"type": "string"}, "mutating": {"type": "boolean"}}})),
                "configurations": arr(json!({"type": "object"})), "policies": arr(json!({"type": "object"})),
                "dependencies": arr(json!({"type": "object", "description": "targetId, targetName (the service the ref resolves to), name (the declared dependency name, 2.0), ref, required, compatibility, resolved, resolvedVersion, problem, type"})), "dependents": arr(r("Dependent")),
                "validation": {"type": "object", "properties": {"valid": {"type": "boolean"}, "errors": arr(json!({"type": "object"})), "warnings": arr(json!({"type": "object"}))}},
                "docs": arr(json!({"type": "object"})), "sbom": {"type": ["object", "null"]}, "versions": arr(r("Version")),
                "runtimeState": {"type": ["object", "null"]}, "runtimeDiff": arr(json!({"type": "object"})), "insights": arr(json!({"type": "object"})),
                "sectionMeta": {"type": "object", "additionalProperties": r("SectionMeta")}, "readiness": r("Readiness"),
                "traffic": r("ServiceTraffic")}},
            "Version": {"type": "object", "properties": {"version": {"type": "string"}, "ref": {"type": "string"}, "contractHash": {"type": ["string", "null"]},
                "createdAt": {"type": ["integer", "null"]}, "source": {"type": "string"}, "classification": {"type": ["string", "null"]},
                "isCurrent": {"type": "boolean"}, "fetched": {"type": "boolean"}}},
            "Dependent": {"type": "object", "properties": {"name": {"type": "string"}, "version": {"type": ["string", "null"]}, "contractStatus": {"type": ["string", "null"]},
                "required": {"type": "boolean"}, "compatibility": {"type": "string"}}},
            "GlobalGraph": {"type": "object", "required": ["nodes"], "properties": {"nodes": arr(json!({"type": "object", "properties": {
                "id": {"type": "string"}, "serviceName": {"type": "string"}, "status": {"type": "string"}, "version": {"type": "string"},
                "edges": arr(json!({"type": "object", "properties": {"targetId": {"type": "string"}, "required": {"type": "boolean"},
                    "compatibility": {"type": "string"}, "resolved": {"type": "boolean"}, "type": {"enum": ["dependency", "reference"]},
                    "observed": {"type": "boolean", "description": "Dependency edges, only with --traces: whether the traces show this call."},
                    "observedCalls": {"type": "integer", "description": "With observed: the calls the traces show (0 when not observed)."}}}))}})),
                "traffic": r("TrafficSummary"),
                "undeclared": {"type": "array", "description": "Only with --traces: observed calls no dependency declares (never part of a node's edges).",
                    "items": r("UndeclaredEdge")}}},
            "DiffResult": {"type": "object", "properties": {"from": {"type": "object"}, "to": {"type": "object"},
                "classification": {"enum": ["NON_BREAKING", "POTENTIAL_BREAKING", "BREAKING"]},
                "changes": arr(json!({"type": "object", "properties": {"path": {"type": "string"}, "type": {"enum": ["added", "removed", "modified"]},
                    "oldValue": {}, "newValue": {}, "classification": {"type": "string"}, "reason": {"type": "string"}}})),
                "warnings": arr(json!({"type": "string", "description": "What the comparison says about itself: a 1.x side migrated in memory to compare with a 2.0 one, a document that could not be read"}))}}
        }}
    })
}
