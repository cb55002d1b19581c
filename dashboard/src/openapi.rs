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

/// The document.
pub fn document() -> Value {
    let q = |n: &str, required: bool| json!({"name": n, "in": "query", "required": required, "schema": {"type": "string"}});
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Pacto dashboard API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Read-only view of a fleet of Pacto contracts. Only /api/refresh and /api/versions accept POST, same-origin JSON only."},
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
                "responses": {"200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}}}},
            "/api/graph": get("Global dependency graph", vec![], r("GlobalGraph")),
            "/api/diff": get("Classified diff between two versions or two services", vec![q("from_name", true), q("from_version", false), q("to_name", false), q("to_version", false)], r("DiffResult")),
            "/api/owners": get("Services grouped by owner", vec![], arr(json!({"type": "object"}))),
            "/api/refresh": {"post": {"summary": "Re-read every source", "responses": ok(json!({"type": "object"}), "Refreshed")}},
            "/api/versions": {"post": {"summary": "Fetch every published version of a service from its OCI repository",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}}},
                "responses": ok(json!({"type": "object", "properties": {"versions": arr(r("Version"))}}), "Fetched")}}
        },
        "components": {"schemas": {
            "Problem": {"type": "object", "properties": {"title": {"type": "string"}, "status": {"type": "integer"}, "detail": {"type": "string"}}},
            "Source": {"type": "object", "properties": {"type": {"enum": ["local", "oci", "cache", "k8s"]}, "enabled": {"type": "boolean"},
                "state": {"enum": ["ok", "degraded", "disabled"]}, "reason": {"type": "string"}, "location": {"type": "string"},
                "problems": arr(json!({"type": "string"})), "serviceCount": {"type": "integer"}}},
            "Sources": {"type": "object", "properties": {"sources": arr(r("Source")), "detected": arr(json!({"type": "object"})), "discovering": {"type": "boolean"}}},
            "Overview": {"type": "object", "required": ["complete", "allClear", "counts", "attention", "sources", "limitations"], "properties": {
                "snapshotId": {"type": "integer"}, "asOf": {"type": "integer"}, "complete": {"type": "boolean"}, "allClear": {"type": "boolean"},
                "counts": {"type": "object"}, "attention": arr(r("ServiceListEntry")), "attentionTotal": {"type": "integer"},
                "sources": arr(r("Source")), "limitations": arr(json!({"type": "string"}))}},
            "ServiceListEntry": {"type": "object", "required": ["name", "version", "contractStatus", "health", "source", "sources", "blastRadius"], "properties": {
                "name": {"type": "string"}, "version": {"type": "string"}, "owner": {"type": "string"},
                "contractStatus": {"enum": ["Compliant", "Warning", "NonCompliant", "Unknown", "Reference", "Invalid", "NotEvaluated"]},
                "health": {"enum": ["ok", "warning", "error"]}, "source": {"type": "string"}, "sources": arr(json!({"type": "string"})),
                "namespace": {"type": ["string", "null"]}, "blastRadius": {"type": "integer"}, "dependencyCount": {"type": "integer"},
                "dependentCount": {"type": "integer"}, "complianceStatus": {"enum": ["OK", "WARNING", "ERROR", "REFERENCE", "UNKNOWN"]},
                "complianceScore": {"type": ["integer", "null"]}, "complianceErrors": {"type": "integer"}, "complianceWarnings": {"type": "integer"},
                "topInsight": {"type": ["object", "null"]}, "versionCount": {"type": "integer"}, "latestAvailable": {"type": ["string", "null"]},
                "updateAvailable": {"type": "boolean"}, "runtimeEvaluated": {"type": "boolean"}}},
            "ServiceDetails": {"type": "object", "required": ["name", "version", "interfaces", "configurations", "dependencies", "dependents", "validation"], "properties": {
                "name": {"type": "string"}, "version": {"type": "string"}, "isCurrent": {"type": "boolean"}, "owner": {},
                "interfaces": arr(json!({"type": "object", "properties": {"name": {"type": "string"}, "type": {"type": "string"}, "port": {"type": ["integer", "null"]},
                    "visibility": {"type": ["string", "null"]}, "contractFile": {"type": ["string", "null"]},
                    "endpoints": arr(json!({"type": "object", "properties": {"method": {"type": "string"}, "path": {"type": "string"}, "summary": {"type": "string"}}}))}})),
                "configurations": arr(json!({"type": "object"})), "policies": arr(json!({"type": "object"})),
                "dependencies": arr(json!({"type": "object"})), "dependents": arr(r("Dependent")),
                "validation": {"type": "object", "properties": {"valid": {"type": "boolean"}, "errors": arr(json!({"type": "object"})), "warnings": arr(json!({"type": "object"}))}},
                "docs": arr(json!({"type": "object"})), "sbom": {"type": ["object", "null"]}, "versions": arr(r("Version")),
                "runtimeState": {"type": ["object", "null"]}, "runtimeDiff": arr(json!({"type": "object"})), "insights": arr(json!({"type": "object"}))}},
            "Version": {"type": "object", "properties": {"version": {"type": "string"}, "ref": {"type": "string"}, "contractHash": {"type": ["string", "null"]},
                "createdAt": {"type": ["integer", "null"]}, "source": {"type": "string"}, "classification": {"type": ["string", "null"]},
                "isCurrent": {"type": "boolean"}, "fetched": {"type": "boolean"}}},
            "Dependent": {"type": "object", "properties": {"name": {"type": "string"}, "version": {"type": ["string", "null"]}, "contractStatus": {"type": ["string", "null"]},
                "required": {"type": "boolean"}, "compatibility": {"type": "string"}}},
            "GlobalGraph": {"type": "object", "properties": {"nodes": arr(json!({"type": "object", "properties": {
                "id": {"type": "string"}, "serviceName": {"type": "string"}, "status": {"type": "string"}, "version": {"type": "string"},
                "edges": arr(json!({"type": "object", "properties": {"targetId": {"type": "string"}, "required": {"type": "boolean"},
                    "compatibility": {"type": "string"}, "resolved": {"type": "boolean"}, "type": {"enum": ["dependency", "reference"]}}}))}}))}},
            "DiffResult": {"type": "object", "properties": {"from": {"type": "object"}, "to": {"type": "object"},
                "classification": {"enum": ["NON_BREAKING", "POTENTIAL_BREAKING", "BREAKING"]},
                "changes": arr(json!({"type": "object", "properties": {"path": {"type": "string"}, "type": {"enum": ["added", "removed", "modified"]},
                    "oldValue": {}, "newValue": {}, "classification": {"type": "string"}, "reason": {"type": "string"}}}))}}
        }}
    })
}
