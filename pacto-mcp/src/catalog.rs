//! Catalog mode, `pacto mcp --root REF...` (Go Pacto 3.x's contract catalog discovery): the
//! roots named, plus their dependency closure, resolved once at startup with the core's graph
//! resolver and then frozen.
//!
//! * `pacto://catalog` (resource `pacto_catalog`): schema version `pacto.dev/catalog/v1`, the
//!   catalog id, the generation time, the bounds, the completeness and every requested root,
//!   resolved or not (with a category: `NOT_FOUND`, `AUTH_FAILED`, `UNAVAILABLE`, `INVALID`).
//! * `pacto://catalog/closure` (resource `pacto_catalog_closure`): the same metadata plus every
//!   deduplicated revision (service name and domain, content scheme and digest, rank, the first
//!   path that reached it), every resolved edge, every dependency that did not resolve, the
//!   version conflicts and the cycles.
//! * Tool `pacto_catalog_revision` (`name`, `domain`, `scheme`, `digest`): one revision.
//!
//! Identity is content: an OCI revision is its manifest digest (scheme `oci`), a local one the
//! SHA-256 of its files (scheme `local`: every path and its bytes, in path order), so two
//! byte-identical directories are one revision and a path is never an identity. Catalog mode
//! has no authoring tools: a server started for read-only discovery must not modify contracts.

use crate::tools::{check_arguments, check_size, compile_input, Output, ToolError};
use pacto_core::bundle::Bundle;
use pacto_core::graph::{self, Fetched, Fetcher, Node, ResolveOptions};
use pacto_core::registry::Registry;
use pacto_core::version::Constraint;
use rmcp::model::{Resource, Tool, ToolAnnotations};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};

pub const SCHEMA_VERSION: &str = "pacto.dev/catalog/v1";
pub const CATALOG_URI: &str = "pacto://catalog";
pub const CLOSURE_URI: &str = "pacto://catalog/closure";
pub const REVISION_TOOL: &str = "pacto_catalog_revision";
/// Most revisions a catalog holds; past it the catalog is `partial`.
pub const MAX_REVISIONS: usize = 2000;
/// Most files hashed for a local revision's identity.
const MAX_HASHED_FILES: usize = 10_000;

pub const INSTRUCTIONS: &str = "This server is a read-only Pacto contract catalog: the roots it \
was started with and their dependency closure, resolved once at startup. Read pacto://catalog \
first (what the catalog is, its completeness and every requested root), then \
pacto://catalog/closure (every revision, edge, unresolved dependency, conflict and cycle). Look up \
one revision with pacto_catalog_revision using the name, domain, scheme and digest taken from a \
revision's service and content objects in the closure. A catalog marked partial does not prove \
that a revision is absent.";

/// A revision's identity: service name, domain, content scheme, content digest.
type Identity = (String, Option<String>, String, String);

/// A frozen catalog.
pub struct Catalog {
    catalog: Value,
    closure: Value,
    completeness: &'static str,
    /// (name, domain, scheme, digest) -> the revision object.
    revisions: Vec<(Identity, Value)>,
    validator: Option<jsonschema::Validator>,
}

/// Records the manifest digest of every OCI bundle fetched through it.
struct Recording {
    registry: Arc<Registry>,
    digests: Mutex<HashMap<String, String>>,
}

impl Fetcher for Recording {
    fn fetch(&self, reference: &str, compat: Option<&Constraint>) -> Result<Fetched, String> {
        let p = Registry::fetch(self.registry.as_ref(), reference, compat)
            .map_err(|e| e.to_string())?;
        let resolved = format!("oci://{}", p.resolved_ref);
        if let Ok(mut d) = self.digests.lock() {
            d.insert(resolved.clone(), p.digest.clone());
        }
        Ok(Fetched {
            bundle: Arc::new(p.bundle) as Arc<dyn Bundle>,
            contract_text: p.contract_text,
            resolved_ref: resolved,
        })
    }
}

/// Why a reference did not resolve, in Go's closed vocabulary.
fn category(message: &str) -> &'static str {
    let m = message.to_ascii_lowercase();
    if m.contains("unauthorized")
        || m.contains("denied")
        || m.contains("401")
        || m.contains("403")
        || m.contains("credential")
    {
        "AUTH_FAILED"
    } else if m.contains("not found")
        || m.contains("no such file")
        || m.contains("404")
        || m.contains("unknown")
        || m.contains("does not exist")
        || m.contains("no pacto.yaml")
    {
        "NOT_FOUND"
    } else if m.contains("parse") || m.contains("invalid") || m.contains("yaml") {
        "INVALID"
    } else {
        "UNAVAILABLE"
    }
}

/// SHA-256 of a bundle's files: each path, a NUL, its length, a NUL and its bytes, in path order.
pub fn content_digest(bundle: &dyn Bundle) -> String {
    let mut files: Vec<String> = Vec::new();
    let mut dirs = vec![".".to_string()];
    while let Some(d) = dirs.pop() {
        for name in bundle.list(&d) {
            let p = if d == "." {
                name.clone()
            } else {
                format!("{d}/{name}")
            };
            if files.len() + dirs.len() > MAX_HASHED_FILES {
                break;
            }
            if !bundle.list(&p).is_empty() {
                dirs.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut h = Sha256::new();
    for f in &files {
        let Ok(bytes) = bundle.read(f) else { continue };
        h.update(f.as_bytes());
        h.update([0]);
        h.update(bytes.len().to_string().as_bytes());
        h.update([0]);
        h.update(&bytes);
    }
    format!("sha256:{}", hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `registry/namespace` of an `oci://` reference (the repository path without its last segment).
fn domain_of(reference: &str) -> Option<String> {
    let t = pacto_core::registry::name::Target::parse(reference).ok()?;
    let repo = t.repo.repository;
    Some(match repo.rfind('/') {
        Some(i) => format!("{}/{}", t.repo.registry, &repo[..i]),
        None => t.repo.registry,
    })
}

/// Seconds since the epoch as RFC 3339 UTC.
fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

struct Builder {
    digests: Option<Arc<Recording>>,
    has_registry: bool,
    /// identity key -> index in `revisions`.
    index: HashMap<(String, String), usize>,
    revisions: Vec<Value>,
    keys: Vec<Identity>,
    edges: Vec<Value>,
    unresolved: Vec<Value>,
    partial: bool,
}

impl Builder {
    fn identity(&self, node: &Node) -> Option<Identity> {
        let r = node.resolved.as_ref()?;
        let name = node.name.clone();
        if r.resolved_ref.starts_with("oci://") {
            let digest = self
                .digests
                .as_ref()
                .and_then(|rec| rec.digests.lock().ok()?.get(&r.resolved_ref).cloned())
                .unwrap_or_else(|| content_digest(r.bundle.as_ref()));
            Some((name, domain_of(&r.resolved_ref), "oci".into(), digest))
        } else {
            Some((
                name,
                None,
                "local".into(),
                content_digest(r.bundle.as_ref()),
            ))
        }
    }

    fn ident_json(key: &Identity) -> Value {
        let mut service = json!({"name": key.0});
        if let Some(d) = &key.1 {
            service["domain"] = json!(d);
        }
        json!({"service": service, "content": {"scheme": key.2, "digest": key.3}})
    }

    /// Add `node` (reached by `path`, at `rank`) and, once, its edges and their targets.
    fn walk(&mut self, node: &Node, rank: usize, path: &mut Vec<String>) -> Option<Value> {
        let key = self.identity(node)?;
        let ident = Self::ident_json(&key);
        let k = (key.2.clone(), key.3.clone());
        if let Some(&i) = self.index.get(&k) {
            if let Some(r) = self.revisions.get_mut(i) {
                if r["rank"].as_u64().is_some_and(|old| rank < old as usize) {
                    r["rank"] = json!(rank);
                }
            }
            return Some(ident);
        }
        if self.revisions.len() >= MAX_REVISIONS {
            self.partial = true;
            return Some(ident);
        }
        path.push(node.name.clone());
        let mut rev = ident.clone();
        rev["service"]["version"] = json!(node.version);
        rev["rank"] = json!(rank);
        rev["paths"] = json!([path.clone()]);
        if let Some(r) = &node.resolved {
            rev["resolvedRef"] = json!(r.resolved_ref);
        }
        self.index.insert(k, self.revisions.len());
        self.revisions.push(rev);
        self.keys.push(key);
        for e in &node.dependencies {
            let mut edge = json!({"from": ident, "ref": e.reference, "required": e.required,
                                  "compatibility": e.compatibility});
            match (&e.node, &e.error) {
                (_, Some(err)) => {
                    self.partial = true;
                    let cat = if e.reference.starts_with("oci://") && !self.has_registry {
                        "UNAVAILABLE"
                    } else {
                        category(err)
                    };
                    self.unresolved
                        .push(json!({"from": ident, "ref": e.reference,
                        "required": e.required, "category": cat}));
                    continue;
                }
                (Some(n), None) => {
                    if e.cycle {
                        edge["cycle"] = json!(true);
                    }
                    if let Some(u) = &e.unsatisfied {
                        edge["unsatisfied"] = json!(u);
                    }
                    if let Some(to) = self.walk(n, rank + 1, path) {
                        edge["to"] = to;
                    }
                    self.edges.push(edge);
                }
                (None, None) => {}
            }
        }
        path.pop();
        Some(ident)
    }
}

impl Catalog {
    /// Resolve `roots` (local bundle directories, relative to `cwd`, or `oci://` refs) and
    /// their closure. An empty root is refused: an empty catalog would read as an authoritative
    /// "there is nothing here".
    pub fn build(
        roots: &[String],
        cwd: &Path,
        registry: Option<Arc<Registry>>,
    ) -> Result<Catalog, String> {
        if roots.is_empty() || roots.iter().any(|r| r.trim().is_empty()) {
            return Err("--root needs a bundle directory or an oci:// reference (an empty catalog is never served)".into());
        }
        let has_registry = registry.is_some();
        let recording = registry.map(|registry| {
            Arc::new(Recording {
                registry,
                digests: Mutex::default(),
            })
        });
        let mut b = Builder {
            digests: recording.clone(),
            has_registry,
            index: HashMap::new(),
            revisions: Vec::new(),
            keys: Vec::new(),
            edges: Vec::new(),
            unresolved: Vec::new(),
            partial: false,
        };
        let mut root_entries = Vec::new();
        let mut conflicts: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut cycles: Vec<Value> = Vec::new();
        for requested in roots {
            let requested = requested.trim();
            // A local root is read relative to `cwd` (the server's working directory).
            let target = if requested.starts_with("oci://") || Path::new(requested).is_absolute() {
                requested.to_string()
            } else {
                cwd.join(requested).to_string_lossy().into_owned()
            };
            let oci: Option<Arc<dyn Fetcher>> = recording.clone().map(|r| r as Arc<dyn Fetcher>);
            let opened = if requested.starts_with("oci://") && oci.is_none() {
                Err("no registry client is configured".to_string())
            } else {
                graph::open(&target, cwd, oci.as_deref())
            };
            let resolved = match opened {
                Ok(r) => r,
                Err(e) => {
                    b.partial = true;
                    root_entries.push(json!({"requested": requested, "status": "unresolved",
                        "category": category(&e)}));
                    continue;
                }
            };
            let fetcher = graph::fetcher_for(&target, cwd, oci, false);
            let g = graph::resolve(
                &resolved.contract,
                fetcher.as_ref(),
                &ResolveOptions::default(),
            );
            let mut root = g.root.clone();
            if root.resolved.is_none() {
                root.resolved = Some(Arc::new(resolved));
            }
            let mut path = Vec::new();
            let ident = b.walk(&root, 0, &mut path);
            let mut entry = json!({"requested": requested, "status": "resolved"});
            if let Some(r) = &root.resolved {
                entry["resolved"] = json!(r.resolved_ref);
            }
            if let Some(i) = ident {
                entry["revision"] = i;
            }
            root_entries.push(entry);
            for c in &g.conflicts {
                let v = conflicts.entry(c.name.clone()).or_default();
                for x in &c.versions {
                    if !v.contains(x) {
                        v.push(x.clone());
                    }
                }
            }
            for c in &g.cycles {
                let c = json!(c);
                if !cycles.contains(&c) {
                    cycles.push(c);
                }
            }
        }
        let completeness = if b.partial { "partial" } else { "complete" };
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut id = Sha256::new();
        for r in roots {
            id.update(r.trim().as_bytes());
            id.update([0]);
        }
        for k in &b.keys {
            id.update(k.2.as_bytes());
            id.update(k.3.as_bytes());
        }
        let meta = json!({
            "schemaVersion": SCHEMA_VERSION,
            "catalogId": format!("sha256:{}", hex(&id.finalize())),
            "generatedAt": rfc3339(secs),
            "bounds": {"maxRevisions": MAX_REVISIONS, "parallelism": ResolveOptions::default().parallelism},
            "completeness": completeness,
            "roots": root_entries,
        });
        let mut closure = meta.clone();
        closure["revisions"] = Value::Array(b.revisions.clone());
        closure["edges"] = Value::Array(b.edges);
        closure["unresolved"] = Value::Array(b.unresolved);
        closure["conflicts"] = Value::Array(
            conflicts
                .into_iter()
                .map(|(name, versions)| json!({"name": name, "versions": versions}))
                .collect(),
        );
        closure["cycles"] = Value::Array(cycles);
        let revisions = b.keys.into_iter().zip(b.revisions).collect();
        Ok(Catalog {
            catalog: meta,
            closure,
            completeness,
            revisions,
            validator: compile_input(&revision_schema()),
        })
    }

    /// `pacto://catalog`.
    pub fn catalog_json(&self) -> &Value {
        &self.catalog
    }

    /// `pacto://catalog/closure`.
    pub fn closure_json(&self) -> &Value {
        &self.closure
    }

    /// The two resources, as `resources/list` shows them.
    pub fn resources() -> Vec<Resource> {
        vec![
            Resource::new(CATALOG_URI, "pacto_catalog")
                .with_description("What this catalog is: schema version, id, generation time, bounds, completeness and every requested root")
                .with_mime_type("application/json"),
            Resource::new(CLOSURE_URI, "pacto_catalog_closure")
                .with_description("What is in it: every revision, resolved edge, unresolved dependency, conflict and cycle, with the catalog metadata")
                .with_mime_type("application/json"),
        ]
    }

    /// The text of resource `uri`, if it is one of the catalog's.
    pub fn read(&self, uri: &str) -> Option<String> {
        let v = match uri {
            CATALOG_URI => &self.catalog,
            CLOSURE_URI => &self.closure,
            _ => return None,
        };
        serde_json::to_string_pretty(v).ok()
    }

    /// Run a tool: only `pacto_catalog_revision` exists in catalog mode.
    pub fn call(&self, name: &str, args: &Map<String, Value>) -> Result<Output, ToolError> {
        check_size(args)?;
        if name != REVISION_TOOL {
            return Err(ToolError::msg(format!(
                "unknown tool {name:?}: a catalog server (--root) has only {REVISION_TOOL}"
            )));
        }
        if let Some(v) = &self.validator {
            check_arguments(name, v, args)?;
        }
        let s = |k: &str| {
            args.get(k)
                .and_then(Value::as_str)
                .map(str::trim)
                .unwrap_or("")
                .to_string()
        };
        let (n, d, sc, dg) = (s("name"), s("domain"), s("scheme"), s("digest"));
        let mut requested = json!({"name": n, "scheme": sc, "digest": dg});
        if !d.is_empty() {
            requested["domain"] = json!(d);
        }
        let found = self
            .revisions
            .iter()
            .find(|(k, _)| k.0 == n && k.1.as_deref().unwrap_or("") == d && k.2 == sc && k.3 == dg);
        let mut out = json!({"requested": requested, "found": found.is_some(),
                             "completeness": self.completeness});
        if let Some((_, rev)) = found {
            out["revision"] = rev.clone();
        }
        Ok(Output::json(out))
    }
}

fn revision_schema() -> Value {
    json!({"type": "object", "properties": {
        "name": {"type": "string", "minLength": 1, "description": "The revision's service name (its service.name in pacto://catalog/closure)"},
        "domain": {"type": "string", "description": "The revision's service.domain (registry and namespace); omit for a local revision"},
        "scheme": {"type": "string", "enum": ["oci", "local"], "description": "content.scheme"},
        "digest": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$", "description": "content.digest"},
    }, "required": ["name", "scheme", "digest"]})
}

/// The tools of catalog mode.
pub fn tools() -> Vec<Tool> {
    let Value::Object(schema) = revision_schema() else {
        return Vec::new();
    };
    vec![Tool::new(
        REVISION_TOOL,
        "One revision of the catalog by its full identity: service name, domain, content scheme and digest (take them from a revision's service and content objects in pacto://catalog/closure). found: false with completeness partial means unknown, not absent.",
        Arc::new(schema),
    )
    .with_annotations(ToolAnnotations::new().read_only(true).open_world(false))]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn dates_are_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_798_675_200), "2026-12-31T00:00:00Z");
        assert_eq!(rfc3339(951_825_600 + 3661), "2000-02-29T13:01:01Z");
    }

    fn fixtures() -> std::path::PathBuf {
        std::fs::canonicalize(Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")).unwrap()
    }

    fn args(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => panic!("args"),
        }
    }

    /// The 2.0 graph fixture: six revisions (tokens reached twice is one), its edges with the
    /// unsatisfied constraint kept visible, complete, and each revision found by its identity.
    #[test]
    fn a_local_closure_is_complete_and_deduplicated() {
        let fx = fixtures();
        let cat = Catalog::build(&["graph/v2/checkout".to_string()], &fx, None).unwrap();
        let c = cat.closure_json();
        assert_eq!(c["schemaVersion"], SCHEMA_VERSION);
        assert_eq!(c["completeness"], "complete", "{c:#}");
        assert_eq!(cat.catalog_json()["roots"][0]["status"], "resolved");
        let revs = c["revisions"].as_array().unwrap();
        let names: Vec<&str> = revs
            .iter()
            .map(|r| r["service"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "checkout",
                "payments",
                "ledger",
                "tokens",
                "legacy-auth",
                "search"
            ]
        );
        let tokens = &revs[3];
        assert_eq!(tokens["rank"], 3);
        assert_eq!(tokens["content"]["scheme"], "local");
        assert_eq!(
            tokens["paths"],
            json!([["checkout", "payments", "ledger", "tokens"]])
        );
        // The content identity is the files' hash, the same from any path.
        let dir = pacto_core::bundle::DirBundle::new(fx.join("graph/v2/tokens"));
        assert_eq!(tokens["content"]["digest"], content_digest(&dir));
        assert_eq!(c["edges"].as_array().unwrap().len(), 6);
        assert!(c["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["unsatisfied"].is_string()));
        let found = cat
            .call(
                REVISION_TOOL,
                &args(json!({"name": "tokens", "scheme": "local",
                "digest": tokens["content"]["digest"]})),
            )
            .unwrap();
        assert_eq!(found.structured["found"], true);
        assert_eq!(found.structured["revision"]["service"]["version"], "2.0.1");
        let missing = cat
            .call(
                REVISION_TOOL,
                &args(json!({"name": "tokens", "scheme": "local",
                "digest": format!("sha256:{}", "0".repeat(64))})),
            )
            .unwrap();
        assert_eq!(missing.structured["found"], false);
        assert_eq!(missing.structured["completeness"], "complete");
        // Schema-checked: a malformed digest names the field.
        match cat.call(
            REVISION_TOOL,
            &args(json!({"name": "tokens", "scheme": "local", "digest": "abc"})),
        ) {
            Err(ToolError::InvalidParams { fields, .. }) => assert_eq!(fields, ["digest"]),
            other => panic!("{other:?}"),
        }
        assert!(cat
            .call("pacto_create", &args(json!({"name": "x"})))
            .is_err());
        assert!(cat.read(CLOSURE_URI).unwrap().contains("legacy-auth"));
    }

    /// A root that does not resolve stays visible with its category, and the catalog says
    /// partial; an empty root is refused outright.
    #[test]
    fn unresolved_roots_are_visible_and_partial() {
        let fx = fixtures();
        let cat = Catalog::build(
            &[
                "graph/v2/tokens".to_string(),
                "graph/nope".to_string(),
                "oci://127.0.0.1:1/x/y:1.0.0".to_string(),
            ],
            &fx,
            None,
        )
        .unwrap();
        let m = cat.catalog_json();
        assert_eq!(m["completeness"], "partial");
        assert_eq!(m["roots"][1]["status"], "unresolved");
        assert_eq!(m["roots"][1]["category"], "NOT_FOUND", "{m:#}");
        assert_eq!(m["roots"][2]["status"], "unresolved");
        assert_eq!(m["roots"][0]["revision"]["service"]["name"], "tokens");
        assert!(Catalog::build(&[String::new()], &fx, None).is_err());
        assert!(Catalog::build(&[], &fx, None).is_err());
    }

    #[test]
    fn categories() {
        assert_eq!(category("manifest unknown (404)"), "NOT_FOUND");
        assert_eq!(category("401 Unauthorized"), "AUTH_FAILED");
        assert_eq!(category("connection refused"), "UNAVAILABLE");
    }
}
