//! The fleet: an immutable snapshot of many contracts and where they run, and queries on it
//! (Go Pacto 3.x's `pkg/fleet`, wire model `pacto.dev/fleet/v1`).
//!
//! A snapshot is built from sources — local bundle roots (`--local`), registry references
//! (`--oci`), offline target-state files (`--target-state`) and OTLP/JSON trace exports
//! (`--traces`) — into logical services (by name), immutable revisions (by content digest),
//! operational targets and typed relationships (declared dependencies of both generations,
//! observed calls). Every snapshot and every answer carries `asOf`, `completeness` and
//! `limitations`: a source that could not be read is never an empty result. The CLI, the MCP
//! server and the dashboard all ask this one engine, so they give the identical answer for the
//! same snapshot. [`crate::impact`] composes it with the contract diff.

pub mod k8s;
pub mod query;
pub mod targets;
pub mod time;
pub mod traces;

use crate::bundle::Bundle;
use crate::graph::{parse_fetched, Fetched, Fetcher};
use crate::model::{Contract, Owner};
use crate::registry::{parse_dependency_ref, RefScheme};
use crate::schema::Generation;
use crate::version::Version;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use query::*;

/// The fleet wire model's version, on every snapshot and answer.
pub const SCHEMA_VERSION: &str = "pacto.dev/fleet/v1";

/// Limitation codes (Go's `pkg/fleet`): stable, agents branch on them.
pub const NO_SOURCES_CONFIGURED: &str = "NO_SOURCES_CONFIGURED";
pub const SOURCE_UNAVAILABLE: &str = "SOURCE_UNAVAILABLE";
pub const SOURCE_STALE: &str = "SOURCE_STALE";
pub const SOURCE_PARTIAL: &str = "SOURCE_PARTIAL";
pub const UNRESOLVED_DEPENDENCY: &str = "UNRESOLVED_DEPENDENCY";
pub const EVIDENCE_MISSING: &str = "EVIDENCE_MISSING";
pub const SOURCE_RECORD_INVALID: &str = "SOURCE_RECORD_INVALID";
pub const DUPLICATE_SOURCE_ID: &str = "DUPLICATE_SOURCE_ID";
pub const SERVICE_NOT_IN_FLEET: &str = "SERVICE_NOT_IN_FLEET";
pub const REVISION_IDENTITY_UNRESOLVED: &str = "REVISION_IDENTITY_UNRESOLVED";
pub const OBSERVED_IDENTITY_UNRESOLVED: &str = "OBSERVED_IDENTITY_UNRESOLVED";

/// Most bundles one local root contributes, and how deep it is searched for them.
pub const MAX_LOCAL_BUNDLES: usize = 100_000;
pub const MAX_LOCAL_DEPTH: usize = 6;

/// The canonical status vocabulary, most severe first (Go's `severityRank`).
pub const STATUSES: [&str; 7] = [
    "Invalid",
    "NonCompliant",
    "Unknown",
    "Warning",
    "Compliant",
    "Reference",
    "NotEvaluated",
];

/// Severity rank of a status (lower is worse); `None` when it is not canonical.
pub fn status_rank(s: &str) -> Option<usize> {
    STATUSES.iter().position(|x| *x == s)
}

fn is_empty_str(s: &str) -> bool {
    s.is_empty()
}
fn is_false(b: &bool) -> bool {
    !*b
}
fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Whether a snapshot or answer covers everything it meant to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Completeness {
    Complete,
    Partial,
    Empty,
}

impl Completeness {
    pub fn as_str(self) -> &'static str {
        match self {
            Completeness::Complete => "complete",
            Completeness::Partial => "partial",
            Completeness::Empty => "empty",
        }
    }
}

/// A structured reason an answer is incomplete. Agents branch on `code`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Limitation {
    pub code: String,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub source: String,
    pub message: String,
}

impl Limitation {
    pub fn new(code: &str, source: &str, message: impl Into<String>) -> Limitation {
        Limitation {
            code: code.to_string(),
            source: source.to_string(),
            message: message.into(),
        }
    }
}

/// A sanitized source failure: a category code and a generic message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceError {
    pub code: String,
    pub message: String,
}

/// The health of one source in a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceState {
    pub id: String,
    pub kind: String,
    /// `available`, `partial`, `stale` or `unavailable`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<SourceError>,
    pub revision_count: usize,
    pub target_count: usize,
}

/// A logical service: who owns it, its revisions, where it runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceRecord {
    pub key: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// The most severe compliance of its targets; `NotEvaluated` when nothing runs it.
    #[serde(skip_serializing_if = "is_empty_str")]
    pub status: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

impl ServiceRecord {
    /// One line for people: the team, else the DRI, else the first contact.
    pub fn owner_display(&self) -> String {
        owner_display(self.owner.as_ref())
    }
}

/// `team`, else `dri`, else the first contact's value of an owner object.
pub fn owner_display(owner: Option<&Value>) -> String {
    let Some(o) = owner else {
        return String::new();
    };
    if let Some(s) = o.as_str() {
        return s.to_string();
    }
    for k in ["team", "dri"] {
        if let Some(s) = o.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()) {
            return s.to_string();
        }
    }
    o.get("contacts")
        .and_then(Value::as_array)
        .and_then(|c| c.first())
        .and_then(|c| c.get("value"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Every string of an owner (team, DRI, contact values), lowercased, for filters.
fn owner_haystack(owner: Option<&Value>) -> Vec<String> {
    let mut out = Vec::new();
    let Some(o) = owner else { return out };
    if let Some(s) = o.as_str() {
        out.push(s.to_lowercase());
    }
    for k in ["team", "dri"] {
        if let Some(s) = o.get(k).and_then(Value::as_str) {
            out.push(s.to_lowercase());
        }
    }
    for c in o
        .get("contacts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(s) = c.get("value").and_then(Value::as_str) {
            out.push(s.to_lowercase());
        }
    }
    out
}

/// An interface a revision declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterfaceSummary {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// A dependency a revision declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DependencySummary {
    #[serde(skip_serializing_if = "is_empty_str")]
    pub name: String,
    #[serde(rename = "ref")]
    pub reference: String,
    pub required: bool,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub compatibility: String,
}

/// What a revision declares, as the fleet reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevisionContract {
    #[serde(skip_serializing_if = "is_empty_str")]
    pub workload: String,
    pub interfaces: Vec<InterfaceSummary>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<String>,
    pub dependencies: Vec<DependencySummary>,
}

/// A readiness assessment's outcome on the snapshot's day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadinessSummary {
    pub score: i64,
    pub min_score: i64,
    pub passing: bool,
    pub expires: String,
}

/// One validation problem of a revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: String,
    pub severity: String,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub path: String,
    pub message: String,
}

/// An immutable revision: `service@sha256:<content digest>`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Revision {
    pub key: String,
    pub service: String,
    pub service_key: String,
    pub pacto_version: String,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub version: String,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub resolved_ref: String,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub digest: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<Value>,
    pub contract: RevisionContract,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readiness: Option<ReadinessSummary>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub validation: Vec<Finding>,
    pub valid: bool,
    /// Whether the revision was run through the validator (`valid` means nothing otherwise).
    #[serde(skip)]
    pub validated: bool,
    pub source: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

/// Evaluated-of-required assertions of a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coverage {
    pub evaluated: u64,
    pub required: u64,
}

/// A finding a target-state source reports for a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetFinding {
    pub code: String,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub severity: String,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub category: String,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub subject_kind: String,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub subject_name: String,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub message: String,
}

/// A concrete operational target: `scope/kind/name`, each part percent-escaped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetRecord {
    pub key: String,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub scope: String,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub kind: String,
    pub name: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    pub service: String,
    pub service_key: String,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub contract_revision: String,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub revision_match: String,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub requested_ref: String,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub resolved_ref: String,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub digest: String,
    pub compliance: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<TargetFinding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Coverage>,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub evidence_at: String,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub reconciled_at: String,
    pub source: String,
    pub stale: bool,
}

/// `escape(scope)/escape(kind)/escape(name)` (`%` → `%25`, `/` → `%2F`).
pub fn target_key(scope: &str, kind: &str, name: &str) -> String {
    let esc = |s: &str| s.replace('%', "%25").replace('/', "%2F");
    format!("{}/{}/{}", esc(scope), esc(kind), esc(name))
}

/// A typed, directed edge. Declared edges come from one revision; observed ones from traces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Relationship {
    pub from_service: String,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub from_revision: String,
    /// The dependency as declared: its `ref` (or its name when it has none).
    pub to: String,
    /// The fleet service it resolves to; empty when unresolved.
    #[serde(skip_serializing_if = "is_empty_str")]
    pub to_service: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// `declared` or `observed`.
    pub provenance: String,
    #[serde(skip_serializing_if = "is_false")]
    pub required: bool,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub compatibility: String,
    pub resolved: bool,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub requested_ref: String,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub reason: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub observed_count: u64,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub source: String,
}

pub const RELATIONSHIP_DEPENDENCY: &str = "dependency";
pub const PROVENANCE_DECLARED: &str = "declared";
pub const PROVENANCE_OBSERVED: &str = "observed";

/// The immutable read model. Maps serialize sorted; lists are sorted when built.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub schema_version: String,
    /// `sha256:` of the content (services, revisions, targets, relationships, sources): two
    /// answers with the same id came from the same view of the fleet.
    pub snapshot_id: String,
    pub generated_at: String,
    pub services: BTreeMap<String, ServiceRecord>,
    pub revisions: BTreeMap<String, Revision>,
    pub targets: BTreeMap<String, TargetRecord>,
    pub relationships: Vec<Relationship>,
    pub sources: Vec<SourceState>,
    pub completeness: Completeness,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub limitations: Vec<Limitation>,
    #[serde(skip)]
    index: Index,
}

/// Lookup structures built once with the snapshot.
#[derive(Debug, Clone, Default)]
struct Index {
    /// Service → services that declare a resolved dependency on it (sorted, unique).
    reverse: HashMap<String, Vec<String>>,
    /// Service → services it declares a resolved dependency on (sorted, unique).
    forward: HashMap<String, Vec<String>>,
    /// Every service name in order, with its lowercased name and owner strings.
    search: Vec<SearchRow>,
    /// Service → its highest-version revision key.
    latest: HashMap<String, String>,
    /// (from, to) → index into `relationships` of declared edges, for impact.
    declared: HashMap<(String, String), Vec<usize>>,
}

#[derive(Debug, Clone)]
struct SearchRow {
    name: String,
    lower: String,
    owners: Vec<String>,
}

/// Where a snapshot's records come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// A bundle directory, or a directory searched for bundles (`<svc>/<version>/pacto.yaml`).
    Local(PathBuf),
    /// A registry reference, fetched through the caller's [`Fetcher`].
    Oci(String),
    /// An offline target-state file (`schemaVersion: pacto.dev/fleet-targets/v1`).
    TargetState(PathBuf),
    /// An OTLP/JSON trace export: observed dependency edges.
    Traces(PathBuf),
    /// Targets a face already read (`--k8s`: the `Pacto` resources of a cluster, mapped by
    /// [`k8s::targets_from_list`]); `invalid` holds one message per record that was skipped.
    Targets {
        id: String,
        kind: String,
        targets: Vec<TargetRecord>,
        invalid: Vec<String>,
    },
    /// A source that could not be read (or a kind this build cannot read): reported as
    /// `SOURCE_UNAVAILABLE`, never silent.
    Unsupported {
        id: String,
        kind: String,
        reason: String,
    },
}

/// How a snapshot is built.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// `asOf` of the snapshot and every answer (RFC 3339); the clock when `None`.
    pub as_of: Option<String>,
    /// Targets whose evidence is older than this many seconds before `asOf` are stale.
    pub freshness_secs: Option<i64>,
    /// Run every revision through the validator (`valid`, `validation`, status `INVALID_CONTRACT`).
    pub validate: bool,
}

/// Build a snapshot from `specs`. A source that cannot be read becomes a limitation and
/// makes the snapshot partial; it never fails the build.
pub fn build(specs: &[SourceSpec], oci: Option<&dyn Fetcher>, options: &BuildOptions) -> Snapshot {
    let mut b = Builder::new(options.clone());
    let count = |pred: fn(&SourceSpec) -> bool| specs.iter().filter(|s| pred(s)).count();
    let n_local = count(|s| matches!(s, SourceSpec::Local(_)));
    let n_targets = count(|s| matches!(s, SourceSpec::TargetState(_)));
    let n_traces = count(|s| matches!(s, SourceSpec::Traces(_)));
    let (mut i_local, mut i_targets, mut i_traces) = (0, 0, 0);
    let mut oci_added = false;
    let oci_refs: Vec<&String> = specs
        .iter()
        .filter_map(|s| match s {
            SourceSpec::Oci(r) => Some(r),
            _ => None,
        })
        .collect();
    for spec in specs {
        match spec {
            SourceSpec::Local(dir) => {
                i_local += 1;
                b.add_local(&source_id("local", i_local, n_local), dir);
            }
            SourceSpec::TargetState(path) => {
                i_targets += 1;
                let id = source_id("target-state", i_targets, n_targets);
                b.add_target_state(&id, path);
            }
            SourceSpec::Traces(path) => {
                i_traces += 1;
                let id = source_id("observation", i_traces, n_traces);
                b.add_traces(&id, path);
            }
            // Every reference is one source, at the place of the first (Go's order: local,
            // target-state, traces, oci, cache, k8s).
            SourceSpec::Oci(_) => {
                if !oci_added {
                    oci_added = true;
                    b.add_oci("oci", &oci_refs, oci);
                }
            }
            SourceSpec::Targets {
                id,
                kind,
                targets,
                invalid,
            } => b.add_targets(id, kind, targets.clone(), invalid.clone()),
            SourceSpec::Unsupported { id, kind, reason } => b.add_unavailable(id, kind, reason),
        }
    }
    b.finish()
}

/// Go's `sourceID`: the index is suffixed only when a kind has more than one source.
fn source_id(kind: &str, i: usize, total: usize) -> String {
    if total <= 1 {
        kind.to_string()
    } else {
        format!("{kind}-{i}")
    }
}

/// Assembles a snapshot record by record. [`build`] drives it from source specs; a face with
/// bundles already in hand (the dashboard, a benchmark) feeds it directly.
pub struct Builder {
    options: BuildOptions,
    as_of: String,
    today: crate::readiness::Date,
    services: BTreeMap<String, ServiceRecord>,
    revisions: BTreeMap<String, Revision>,
    /// Declared dependencies per revision, resolved to services in `finish`.
    deps: BTreeMap<String, Vec<DependencySummary>>,
    targets: BTreeMap<String, TargetRecord>,
    observed: BTreeMap<(String, String), (u64, BTreeSet<String>)>,
    sources: Vec<SourceState>,
    limitations: Vec<Limitation>,
}

impl Builder {
    pub fn new(options: BuildOptions) -> Builder {
        let as_of = options
            .as_of
            .clone()
            .filter(|s| time::parse_rfc3339(s).is_some())
            .unwrap_or_else(time::now_rfc3339);
        let today = as_of
            .get(..10)
            .and_then(crate::readiness::Date::parse)
            .unwrap_or_else(crate::readiness::Date::today);
        Builder {
            options,
            as_of,
            today,
            services: BTreeMap::new(),
            revisions: BTreeMap::new(),
            deps: BTreeMap::new(),
            targets: BTreeMap::new(),
            observed: BTreeMap::new(),
            sources: Vec::new(),
            limitations: Vec::new(),
        }
    }

    fn state(&mut self, id: &str, kind: &str) -> usize {
        if self.sources.iter().any(|s| s.id == id) {
            self.limitations.push(Limitation::new(
                DUPLICATE_SOURCE_ID,
                id,
                format!("two sources share the id {id:?}"),
            ));
        }
        self.sources.push(SourceState {
            id: id.to_string(),
            kind: kind.to_string(),
            status: "available".into(),
            error: None,
            revision_count: 0,
            target_count: 0,
        });
        self.sources.len() - 1
    }

    fn degrade(&mut self, i: usize, status: &str) {
        let s = &mut self.sources[i];
        if s.status != "unavailable" {
            s.status = status.to_string();
        }
    }

    /// A source that could not be read at all.
    pub fn add_unavailable(&mut self, id: &str, kind: &str, reason: &str) {
        let i = self.state(id, kind);
        self.degrade(i, "unavailable");
        self.sources[i].error = Some(SourceError {
            code: "UNAVAILABLE".into(),
            message: reason.to_string(),
        });
        self.limitations
            .push(Limitation::new(SOURCE_UNAVAILABLE, id, reason));
    }

    /// Every bundle under `dir` (or `dir` itself when it is one).
    pub fn add_local(&mut self, id: &str, dir: &Path) {
        let i = self.state(id, "local");
        let shown = dir.display().to_string();
        if !dir.is_dir() {
            self.degrade(i, "unavailable");
            let message = format!("local source {shown}: not a directory that can be read");
            self.sources[i].error = Some(SourceError {
                code: "NOT_FOUND".into(),
                message: message.clone(),
            });
            self.limitations
                .push(Limitation::new(SOURCE_UNAVAILABLE, id, message));
            return;
        }
        let (bundles, truncated) = scan_local(dir);
        if truncated {
            self.degrade(i, "partial");
            self.limitations.push(Limitation::new(
                SOURCE_PARTIAL,
                id,
                format!("local source {shown}: more than {MAX_LOCAL_BUNDLES} bundles; the rest were not read"),
            ));
        }
        self.add_many(i, bundles.into_iter().map(Loader::Dir).collect());
    }

    /// Registry references through `oci` (the caller's registry client).
    pub fn add_oci(&mut self, id: &str, refs: &[&String], oci: Option<&dyn Fetcher>) {
        let Some(oci) = oci else {
            self.add_unavailable(id, "oci", "no registry client is configured");
            return;
        };
        let i = self.state(id, "oci");
        let mut failed = 0;
        for r in refs {
            match oci.fetch(r, None) {
                Ok(f) => {
                    let digest = f
                        .resolved_ref
                        .split_once('@')
                        .map(|(_, d)| d.to_string())
                        .unwrap_or_default();
                    self.add_fetched(i, f, &digest);
                }
                Err(e) => {
                    failed += 1;
                    self.limitations.push(Limitation::new(
                        SOURCE_PARTIAL,
                        id,
                        format!("{r}: cannot be fetched: {e}"),
                    ));
                }
            }
        }
        if failed == refs.len() {
            self.degrade(i, "unavailable");
            self.sources[i].error = Some(SourceError {
                code: "UNAVAILABLE".into(),
                message: "no reference could be fetched".into(),
            });
        } else if failed > 0 {
            self.degrade(i, "partial");
        }
    }

    fn invalid_record(&mut self, i: usize, message: String) {
        let id = self.sources[i].id.clone();
        self.degrade(i, "partial");
        self.limitations
            .push(Limitation::new(SOURCE_RECORD_INVALID, &id, message));
    }

    /// Add one fetched bundle as a revision of source `i` (`digest`: the registry's, if any).
    fn add_fetched(&mut self, i: usize, fetched: Fetched, digest: &str) {
        let prepared = prepare(fetched, digest, self.today, self.options.validate);
        self.ingest(i, prepared);
    }

    /// Add a revision prepared (possibly on another thread) by [`prepare`].
    fn ingest(&mut self, i: usize, prepared: Result<Revision, String>) {
        let mut rev = match prepared {
            Ok(r) => r,
            Err(e) => return self.invalid_record(i, e),
        };
        let source = self.sources[i].id.clone();
        self.sources[i].revision_count += 1;
        let (name, key) = (rev.service.clone(), rev.key.clone());
        if let Some(existing) = self.revisions.get_mut(&key) {
            if !existing.sources.contains(&source) {
                existing.sources.push(source.clone());
                existing.sources.sort();
            }
            self.touch_service(&name, None, &source, Some(&key));
            return;
        }
        rev.source = source.clone();
        rev.sources = vec![source.clone()];
        let owner = rev.owner.clone();
        self.deps
            .insert(key.clone(), rev.contract.dependencies.clone());
        self.revisions.insert(key.clone(), rev);
        self.touch_service(&name, owner, &source, Some(&key));
    }

    /// Prepare many bundles on all available cores, then ingest them in order (the result does
    /// not depend on the number of threads).
    fn add_many(&mut self, i: usize, items: Vec<Loader>) {
        let (today, validate) = (self.today, self.options.validate);
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 8);
        let prepared: Vec<Result<Revision, String>> = if threads == 1 || items.len() < 64 {
            items.into_iter().map(|l| l.run(today, validate)).collect()
        } else {
            let chunk = items.len().div_ceil(threads);
            let mut chunks: Vec<Vec<Loader>> = Vec::new();
            let mut items = items.into_iter().peekable();
            while items.peek().is_some() {
                chunks.push(items.by_ref().take(chunk).collect());
            }
            std::thread::scope(|scope| {
                let handles: Vec<_> = chunks
                    .into_iter()
                    .map(|c| {
                        scope.spawn(move || {
                            c.into_iter()
                                .map(|l| l.run(today, validate))
                                .collect::<Vec<_>>()
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| {
                        h.join()
                            .unwrap_or_else(|_| vec![Err("a revision could not be read".into())])
                    })
                    .collect()
            })
        };
        for p in prepared {
            self.ingest(i, p);
        }
    }

    /// Add bundles already in memory as revisions from source `source_id` (created on first
    /// use, kind `memory`), prepared in parallel.
    pub fn add_bundles(&mut self, source_id: &str, bundles: Vec<(Arc<dyn Bundle>, String)>) {
        let i = match self.sources.iter().position(|s| s.id == source_id) {
            Some(i) => i,
            None => self.state(source_id, "memory"),
        };
        let items = bundles
            .into_iter()
            .map(|(bundle, text)| Loader::Fetched(bundle, text))
            .collect();
        self.add_many(i, items);
    }

    fn touch_service(
        &mut self,
        name: &str,
        owner: Option<Value>,
        source: &str,
        revision: Option<&str>,
    ) {
        let s = self
            .services
            .entry(name.to_string())
            .or_insert_with(|| ServiceRecord {
                key: name.to_string(),
                name: name.to_string(),
                owner: None,
                revisions: Vec::new(),
                targets: Vec::new(),
                labels: BTreeMap::new(),
                status: String::new(),
                sources: Vec::new(),
            });
        if s.owner.is_none() {
            s.owner = owner;
        }
        if !s.sources.iter().any(|x| x == source) {
            s.sources.push(source.to_string());
            s.sources.sort();
        }
        if let Some(r) = revision {
            if !s.revisions.iter().any(|x| x == r) {
                s.revisions.push(r.to_string());
            }
        }
    }

    /// An offline target-state file.
    pub fn add_target_state(&mut self, id: &str, path: &Path) {
        let i = self.state(id, "target-state");
        match targets::read_file(path) {
            Err(e) => {
                self.degrade(i, "unavailable");
                self.sources[i].error = Some(SourceError {
                    code: "UNAVAILABLE".into(),
                    message: "the target-state file could not be read".into(),
                });
                self.limitations
                    .push(Limitation::new(SOURCE_UNAVAILABLE, id, e.to_string()));
            }
            Ok(file) => {
                if let Some(status) = file.status.as_deref() {
                    if status != "available" {
                        self.degrade(i, status);
                        let code = if status == "stale" {
                            SOURCE_STALE
                        } else if status == "unavailable" {
                            SOURCE_UNAVAILABLE
                        } else {
                            SOURCE_PARTIAL
                        };
                        self.limitations.push(Limitation::new(
                            code,
                            id,
                            format!("the target-state source reports itself {status}"),
                        ));
                    }
                }
                self.add_target_records(i, id, file.targets, file.invalid);
            }
        }
    }

    /// Targets already read by a face (a live cluster's `Pacto` resources): source `id` of
    /// `kind`, each target linked to its service and, through its digest, to a revision.
    pub fn add_targets(
        &mut self,
        id: &str,
        kind: &str,
        targets: Vec<TargetRecord>,
        invalid: Vec<String>,
    ) {
        let i = self.state(id, kind);
        self.add_target_records(i, id, targets, invalid);
    }

    fn add_target_records(
        &mut self,
        i: usize,
        id: &str,
        targets: Vec<TargetRecord>,
        invalid: Vec<String>,
    ) {
        for problem in invalid {
            self.invalid_record(i, problem);
        }
        for mut t in targets {
            t.source = id.to_string();
            if let (Some(window), Some(at)) = (
                self.options.freshness_secs.filter(|w| *w > 0),
                time::parse_rfc3339(&t.evidence_at),
            ) {
                let now = time::parse_rfc3339(&self.as_of).unwrap_or(i64::MAX);
                t.stale = now.saturating_sub(at) > window;
            }
            self.sources[i].target_count += 1;
            let key = t.key.clone();
            let service = t.service.clone();
            self.touch_service(&service, None, id, None);
            if let Some(s) = self.services.get_mut(&service) {
                if !s.targets.contains(&key) {
                    s.targets.push(key.clone());
                }
            }
            self.targets.insert(key, t);
        }
    }

    /// An OTLP/JSON trace file: observed caller → callee edges.
    pub fn add_traces(&mut self, id: &str, path: &Path) {
        let i = self.state(id, "observation");
        match traces::read_file(path) {
            Err(e) => {
                self.degrade(i, "unavailable");
                self.sources[i].error = Some(SourceError {
                    code: "UNAVAILABLE".into(),
                    message: "the trace file could not be read".into(),
                });
                self.limitations
                    .push(Limitation::new(SOURCE_UNAVAILABLE, id, e.to_string()));
            }
            Ok(edges) => self.add_observed(id, &edges),
        }
    }

    /// Observed edges already parsed (from [`traces`]).
    pub fn add_observed(&mut self, source: &str, edges: &traces::ObservedEdges) {
        if edges.truncated {
            self.limitations.push(Limitation::new(
                SOURCE_PARTIAL,
                source,
                format!(
                    "more than {} distinct observed edges; the rest were dropped",
                    traces::MAX_EDGES
                ),
            ));
        }
        for ((a, b), n) in &edges.edges {
            let e = self
                .observed
                .entry((a.clone(), b.clone()))
                .or_insert((0, BTreeSet::new()));
            e.0 += n;
            e.1.insert(source.to_string());
        }
    }

    /// Add one bundle already in memory (see [`Builder::add_bundles`]).
    pub fn add_bundle(&mut self, source_id: &str, bundle: Arc<dyn Bundle>, contract_text: String) {
        self.add_bundles(source_id, vec![(bundle, contract_text)]);
    }

    /// Resolve relationships, derive statuses and indexes, and seal the snapshot.
    pub fn finish(mut self) -> Snapshot {
        if self.sources.is_empty() {
            self.limitations.push(Limitation::new(
                NO_SOURCES_CONFIGURED,
                "",
                "no fleet source is configured",
            ));
        }
        // Revisions of a service, oldest version first (then by key).
        let revisions = &self.revisions;
        for s in self.services.values_mut() {
            if s.revisions.len() > 1 {
                // Unparseable versions first, then by version, then by key.
                let mut keyed: Vec<(Option<Version>, String)> = s
                    .revisions
                    .drain(..)
                    .map(|k| (Version::parse(&revisions[&k].version).ok(), k))
                    .collect();
                keyed.sort_by(|(va, a), (vb, b)| va.cmp(vb).then_with(|| a.cmp(b)));
                s.revisions = keyed.into_iter().map(|(_, k)| k).collect();
            }
            s.targets.sort();
            // Aggregate status: the most severe compliance of its targets.
            s.status = s
                .targets
                .iter()
                .filter_map(|t| self.targets.get(t))
                .filter_map(|t| status_rank(&t.compliance).map(|r| (r, t.compliance.clone())))
                .min()
                .map(|(_, c)| c)
                .unwrap_or_else(|| "NotEvaluated".into());
        }
        // Targets link to a revision when their digest names one exactly.
        for t in self.targets.values_mut() {
            if t.digest.is_empty() {
                continue;
            }
            let hit = self.services.get(&t.service).and_then(|s| {
                s.revisions.iter().find(|k| {
                    k.ends_with(&format!("@{}", t.digest)) || revisions[*k].digest == t.digest
                })
            });
            if let Some(k) = hit {
                t.contract_revision = k.clone();
                t.revision_match = "exact".into();
            }
        }
        let mut relationships = Vec::new();
        for (rev_key, deps) in &self.deps {
            let from = &self.revisions[rev_key].service;
            for d in deps {
                let target = dependency_service(d, &self.services);
                let to = if d.reference.is_empty() {
                    d.name.clone()
                } else {
                    d.reference.clone()
                };
                let (resolved, to_service, reason) = match target {
                    Some(t) => (true, t, String::new()),
                    None => (
                        false,
                        String::new(),
                        format!("no service for {to} in the fleet"),
                    ),
                };
                relationships.push(Relationship {
                    from_service: from.clone(),
                    from_revision: rev_key.clone(),
                    to,
                    to_service,
                    kind: RELATIONSHIP_DEPENDENCY.into(),
                    provenance: PROVENANCE_DECLARED.into(),
                    required: d.required,
                    compatibility: d.compatibility.clone(),
                    resolved,
                    requested_ref: d.reference.clone(),
                    reason,
                    observed_count: 0,
                    source: String::new(),
                });
            }
        }
        for ((a, b), (n, srcs)) in &self.observed {
            let (ka, kb) = (self.services.contains_key(a), self.services.contains_key(b));
            relationships.push(Relationship {
                from_service: a.clone(),
                from_revision: String::new(),
                to: b.clone(),
                to_service: if kb { b.clone() } else { String::new() },
                kind: RELATIONSHIP_DEPENDENCY.into(),
                provenance: PROVENANCE_OBSERVED.into(),
                required: false,
                compatibility: String::new(),
                resolved: ka && kb,
                requested_ref: String::new(),
                reason: if ka && kb {
                    String::new()
                } else {
                    "an observed endpoint is not a service of the fleet".into()
                },
                observed_count: *n,
                source: if srcs.len() == 1 {
                    srcs.iter().next().cloned().unwrap_or_default()
                } else {
                    String::new()
                },
            });
        }
        relationships.sort_by(|x, y| {
            (&x.from_service, &x.from_revision, &x.to, &x.provenance).cmp(&(
                &y.from_service,
                &y.from_revision,
                &y.to,
                &y.provenance,
            ))
        });
        self.limitations.sort();
        self.limitations.dedup();
        let any_record = !self.revisions.is_empty() || !self.targets.is_empty();
        let completeness =
            if self.sources.iter().any(|s| s.status != "available") || self.sources.is_empty() {
                Completeness::Partial
            } else if !any_record {
                Completeness::Empty
            } else {
                Completeness::Complete
            };
        let mut snap = Snapshot {
            schema_version: SCHEMA_VERSION.into(),
            snapshot_id: String::new(),
            generated_at: self.as_of,
            services: self.services,
            revisions: self.revisions,
            targets: self.targets,
            relationships,
            sources: self.sources,
            completeness,
            limitations: self.limitations,
            index: Index::default(),
        };
        snap.snapshot_id = snap.content_id();
        snap.index = Index::of(&snap);
        snap
    }
}

impl Index {
    fn of(s: &Snapshot) -> Index {
        let mut ix = Index::default();
        for (i, r) in s.relationships.iter().enumerate() {
            if r.kind != RELATIONSHIP_DEPENDENCY || r.to_service.is_empty() {
                continue;
            }
            if r.provenance == PROVENANCE_DECLARED {
                ix.forward
                    .entry(r.from_service.clone())
                    .or_default()
                    .push(r.to_service.clone());
                ix.reverse
                    .entry(r.to_service.clone())
                    .or_default()
                    .push(r.from_service.clone());
                ix.declared
                    .entry((r.from_service.clone(), r.to_service.clone()))
                    .or_default()
                    .push(i);
            }
        }
        for v in ix.forward.values_mut().chain(ix.reverse.values_mut()) {
            v.sort();
            v.dedup();
        }
        for s in s.services.values() {
            ix.search.push(SearchRow {
                name: s.name.clone(),
                lower: s.name.to_lowercase(),
                owners: owner_haystack(s.owner.as_ref()),
            });
            if let Some(last) = s.revisions.last() {
                ix.latest.insert(s.name.clone(), last.clone());
            }
        }
        ix
    }
}

impl Snapshot {
    /// `sha256:` over the content, excluding the time it was built.
    fn content_id(&self) -> String {
        use sha2::{Digest, Sha256};
        /// Streams the serialization into the hash (no intermediate JSON value or buffer).
        struct HashWriter(Sha256);
        impl std::io::Write for HashWriter {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.update(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        #[derive(Serialize)]
        struct Content<'a> {
            services: &'a BTreeMap<String, ServiceRecord>,
            revisions: &'a BTreeMap<String, Revision>,
            targets: &'a BTreeMap<String, TargetRecord>,
            relationships: &'a [Relationship],
            sources: &'a [SourceState],
            limitations: &'a [Limitation],
        }
        let mut w = HashWriter(Sha256::new());
        // Serializing plain data into a hasher cannot fail.
        let _ = serde_json::to_writer(
            &mut w,
            &Content {
                services: &self.services,
                revisions: &self.revisions,
                targets: &self.targets,
                relationships: &self.relationships,
                sources: &self.sources,
                limitations: &self.limitations,
            },
        );
        format!(
            "sha256:{}",
            crate::registry::cache::lower_hex(&w.0.finalize())
        )
    }

    /// The services that declare a resolved dependency on `service`.
    pub fn dependents(&self, service: &str) -> &[String] {
        self.index.reverse.get(service).map_or(&[], Vec::as_slice)
    }

    /// The services `service` declares a resolved dependency on.
    pub fn dependencies(&self, service: &str) -> &[String] {
        self.index.forward.get(service).map_or(&[], Vec::as_slice)
    }

    /// The highest-version revision of `service`.
    pub fn latest_revision(&self, service: &str) -> Option<&Revision> {
        self.index
            .latest
            .get(service)
            .and_then(|k| self.revisions.get(k))
    }

    /// The declared edges `from` → `to` (any revision of `from`).
    pub fn declared_edges(&self, from: &str, to: &str) -> Vec<&Relationship> {
        self.index
            .declared
            .get(&(from.to_string(), to.to_string()))
            .into_iter()
            .flatten()
            .filter_map(|i| self.relationships.get(*i))
            .collect()
    }
}

/// Directories holding a `pacto.yaml` under `dir` (or `dir` itself), sorted; whether the
/// search stopped at [`MAX_LOCAL_BUNDLES`].
fn scan_local(dir: &Path) -> (Vec<PathBuf>, bool) {
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), 0usize)];
    while let Some((d, depth)) = stack.pop() {
        if d.join(crate::bundle::CONTRACT_FILE).is_file() {
            out.push(d);
            if out.len() >= MAX_LOCAL_BUNDLES {
                return (out, true);
            }
            continue;
        }
        if depth >= MAX_LOCAL_DEPTH {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut children: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .map(|e| e.path())
            .collect();
        children.sort();
        for c in children.into_iter().rev() {
            stack.push((c, depth + 1));
        }
    }
    out.sort();
    (out, false)
}

/// The owner as written: a 2.0 (or late 1.x) object, a 1.x string as `{"team": …}`.
fn owner_of(tree: &crate::syntax::Tree, contract: &Contract) -> Option<Value> {
    let node = tree.root().get("service")?.get("owner")?.to_json();
    match node {
        Value::Object(_) => Some(node),
        Value::String(s) if !s.is_empty() => Some(json!({ "team": s })),
        _ => match contract.service.as_ref()?.owner.as_ref()? {
            Owner::Text(t) => Some(json!({ "team": t.as_str() })),
            Owner::Structured { .. } => None,
        },
    }
}

fn revision_contract(contract: &Contract, tree: &crate::syntax::Tree) -> RevisionContract {
    let root = tree.root();
    let workload = root
        .get("workload")
        .and_then(|w| w.as_str().map(str::to_string))
        .or_else(|| {
            root.get("runtime")?
                .get("workload")?
                .as_str()
                .map(str::to_string)
        })
        .unwrap_or_default();
    RevisionContract {
        workload,
        interfaces: contract
            .interfaces
            .iter()
            .map(|i| InterfaceSummary {
                name: i.name().to_string(),
                kind: i.kind().to_string(),
            })
            .collect(),
        capabilities: crate::doc::v2::capabilities(tree)
            .into_iter()
            .map(|c| c.kind)
            .collect(),
        dependencies: contract
            .dependencies
            .iter()
            .map(|d| DependencySummary {
                name: d
                    .name
                    .as_ref()
                    .map(|n| n.as_str().to_string())
                    .unwrap_or_default(),
                reference: d.reference().to_string(),
                required: d.is_required(),
                compatibility: d
                    .compatibility
                    .as_ref()
                    .map(|c| c.as_str().to_string())
                    .unwrap_or_default(),
            })
            .collect(),
    }
}

/// The fleet service a dependency names: the repository of an `oci://` ref, the directory of
/// a local ref, or (2.0) its `name`, whichever is a service of the fleet.
fn dependency_service(
    d: &DependencySummary,
    services: &BTreeMap<String, ServiceRecord>,
) -> Option<String> {
    let mut candidates = Vec::new();
    if !d.reference.is_empty() {
        let r = parse_dependency_ref(&d.reference);
        match r.scheme {
            RefScheme::Oci => {
                let loc = r.location.split('@').next().unwrap_or_default();
                candidates.push(crate::graph::oci_ref_name(loc));
            }
            RefScheme::Local => {
                let p = r.location.trim_end_matches('/');
                if let Some(last) = p
                    .rsplit('/')
                    .find(|s| !s.is_empty() && *s != "." && *s != "..")
                {
                    candidates.push(last.to_string());
                }
            }
        }
    }
    if !d.name.is_empty() {
        candidates.push(d.name.clone());
    }
    candidates.into_iter().find(|c| services.contains_key(c))
}

/// Validate a revision offline (no registry): its findings.
fn validate(text: &str, bundle: &dyn Bundle) -> Vec<Finding> {
    let options = crate::validate::Options {
        offline: true,
        ..Default::default()
    };
    let v = crate::validate::validate(text, Some(bundle), &crate::validate::NoResolver, &options);
    v.diagnostics
        .iter()
        .map(|d| Finding {
            code: d.code.to_string(),
            severity: if d.is_error() { "error" } else { "warning" }.to_string(),
            path: d.path.to_string(),
            message: d.message.to_string(),
        })
        .collect()
}

/// What [`Builder::add_many`] prepares: a bundle directory to load, or a bundle in memory.
enum Loader {
    Dir(PathBuf),
    Fetched(Arc<dyn Bundle>, String),
}

impl Loader {
    fn run(self, today: crate::readiness::Date, validate: bool) -> Result<Revision, String> {
        let fetched = match self {
            Loader::Dir(path) => {
                let p = path.display().to_string();
                let loaded = crate::bundle::load_dir(&p).map_err(|e| format!("{p}: {e}"))?;
                Fetched {
                    bundle: Arc::new(loaded.bundle),
                    contract_text: loaded.text,
                    resolved_ref: p,
                }
            }
            Loader::Fetched(bundle, contract_text) => Fetched {
                resolved_ref: bundle.describe(),
                bundle,
                contract_text,
            },
        };
        prepare(fetched, "", today, validate)
    }
}

/// Parse and summarise one revision (pure; `source`/`sources` are filled when it is ingested).
fn prepare(
    fetched: Fetched,
    digest: &str,
    today: crate::readiness::Date,
    run_validation: bool,
) -> Result<Revision, String> {
    let shown = fetched.resolved_ref.clone();
    let text = fetched.contract_text.clone();
    let resolved = parse_fetched(fetched)?;
    let tree = &resolved.tree;
    let version_text = tree
        .root()
        .get("pactoVersion")
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    if version_text.is_empty() {
        return Err(format!(
            "{}: pactoVersion is missing (add pactoVersion: \"2.0\")",
            resolved.file
        ));
    }
    if Generation::of(&version_text).is_none() {
        return Err(format!(
            "{}: pactoVersion {version_text:?} is not one this build reads (1.0, 1.1, 1.2, 2.0)",
            resolved.file
        ));
    }
    let name = resolved.contract.service_name().to_string();
    if name.is_empty() {
        return Err(format!("{}: service.name is missing", resolved.file));
    }
    let content = format!(
        "sha256:{}",
        crate::registry::cache::sha256_hex(text.as_bytes())
    );
    let readiness = crate::readiness::of_tree(tree).map(|r| {
        let ev = crate::readiness::evaluate(&r, today);
        ReadinessSummary {
            score: ev.score,
            min_score: ev.min_score,
            passing: ev.passing,
            expires: ev.expires,
        }
    });
    let validation = if run_validation {
        validate(&text, resolved.bundle.as_ref())
    } else {
        Vec::new()
    };
    Ok(Revision {
        key: format!("{name}@{content}"),
        service: name.clone(),
        service_key: name,
        pacto_version: version_text,
        version: resolved.contract.service_version().to_string(),
        resolved_ref: shown,
        digest: digest.to_string(),
        owner: owner_of(tree, &resolved.contract),
        contract: revision_contract(&resolved.contract, tree),
        readiness,
        valid: !validation.iter().any(|f| f.severity == "error"),
        validation,
        validated: run_validation,
        source: String::new(),
        sources: Vec::new(),
    })
}
