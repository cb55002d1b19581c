//! The dependency graph (spec §7, §6.7): resolve a contract's dependencies recursively, then
//! render the tree as text, JSON, DOT or Mermaid.
//!
//! Resolution runs in two phases, so that its result never depends on timing:
//!
//! 1. **Fetch.** A bounded pool of threads fetches every reachable reference exactly once:
//!    a finished fetch queues the dependencies of its contract, so siblings (and cousins) are
//!    fetched concurrently. A reference is keyed by its text, plus the constraint for an
//!    untagged `oci://` ref, since that picks the tag.
//! 2. **Assemble.** A depth-first walk in declaration order builds the tree from the fetched
//!    bundles exactly as Go Pacto's resolver does when it runs sequentially: cycles against the
//!    ancestor path, the first occurrence of a ref as the full node and later ones as `shared`
//!    shallow copies, fetch errors on the edge.
//!
//! Every edge is also checked against its `compatibility`: a resolved version outside the
//! constraint is flagged in [`Edge::unsatisfied`], never fatal.

mod fetch;
mod render;

pub use fetch::{
    clean_path, fetcher_for, has_explicit_tag, load_local, oci_ref_name, open, open_side,
    parse_fetched, parse_side, uses_constraint, Fetched, Fetcher, GitFetcher, LocalFetcher,
    LocalOverride, MemFetcher, Router,
};
pub use render::{render, render_dot, render_json, render_mermaid, render_text, short_ref, Format};

use crate::bundle::Bundle;
use crate::diff::Side;
use crate::model::{Contract, Dependency};
use crate::registry::{parse_dependency_ref, RefScheme};
use crate::syntax::Tree;
use crate::version::{Constraint, Version};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

/// How many fetches run at once by default.
pub const DEFAULT_PARALLELISM: usize = 8;

/// A dependency bundle that was fetched and whose contract was parsed.
pub struct Resolved {
    pub contract: Contract,
    pub tree: Tree,
    pub bundle: Arc<dyn Bundle>,
    /// Display path of its `pacto.yaml`.
    pub file: String,
    /// What was actually loaded (the chosen tag of an untagged ref, a directory).
    pub resolved_ref: String,
}

impl Resolved {
    /// This bundle as one side of a contract diff.
    pub fn side(&self) -> Side<'_> {
        Side {
            contract: &self.contract,
            tree: &self.tree,
            bundle: self.bundle.as_ref(),
            file: &self.file,
        }
    }
}

impl std::fmt::Debug for Resolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolved")
            .field("file", &self.file)
            .field("resolved_ref", &self.resolved_ref)
            .finish_non_exhaustive()
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A service in the graph. JSON keys and omissions are Go Pacto's.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub name: String,
    pub version: String,
    /// The reference as written by the parent; empty for the root.
    #[serde(rename = "ref", skip_serializing_if = "String::is_empty")]
    pub reference: String,
    #[serde(skip_serializing_if = "is_false")]
    pub local: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Edge>,
    /// The fetched bundle and contract; absent for the root and for shared copies.
    #[serde(skip)]
    pub resolved: Option<Arc<Resolved>>,
}

impl Node {
    fn shallow(&self) -> Node {
        Node {
            name: self.name.clone(),
            version: self.version.clone(),
            reference: self.reference.clone(),
            local: self.local,
            dependencies: Vec::new(),
            resolved: None,
        }
    }
}

/// A dependency of a node, as declared, with what it resolved to.
#[derive(Debug, Clone, Serialize)]
pub struct Edge {
    #[serde(rename = "ref")]
    pub reference: String,
    pub required: bool,
    pub compatibility: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<Node>,
    /// Why the dependency could not be resolved (a fetch error, `cycle detected: <ref>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The node was resolved elsewhere in the graph; `node` is a copy without children.
    #[serde(skip_serializing_if = "is_false")]
    pub shared: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub local: bool,
    /// The resolved version does not satisfy `compatibility` (`1.4.0 does not satisfy ^2.0.0`).
    /// Not part of Go Pacto's output; omitted when satisfied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsatisfied: Option<String>,
    /// The edge closes a cycle (its error is `cycle detected: <ref>`).
    #[serde(skip)]
    pub cycle: bool,
}

/// One service name resolved at several versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    pub name: String,
    /// `<name>@<version>`, sorted.
    pub versions: Vec<String>,
}

/// What resolution cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResolveStats {
    /// Calls made to the fetcher (each reference once).
    pub fetches: usize,
    /// Threads that fetched (1 when sequential).
    pub workers: usize,
}

/// A resolved dependency graph (Go Pacto's `graph.Result`).
#[derive(Debug, Clone, Serialize)]
pub struct Graph {
    pub root: Node,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cycles: Vec<Vec<String>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<Conflict>,
    #[serde(skip)]
    pub stats: ResolveStats,
}

impl Graph {
    /// Every node by service name, the first one met in a depth-first walk (root included), as
    /// Go Pacto's `collectNodes`.
    pub fn nodes_by_name(&self) -> BTreeMap<&str, &Node> {
        fn walk<'a>(n: &'a Node, out: &mut BTreeMap<&'a str, &'a Node>) {
            if out.contains_key(n.name.as_str()) {
                return;
            }
            out.insert(&n.name, n);
            for e in &n.dependencies {
                if let Some(c) = &e.node {
                    walk(c, out);
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(&self.root, &mut out);
        out
    }

    /// Every edge, depth first, in declaration order.
    pub fn edges(&self) -> Vec<&Edge> {
        fn walk<'a>(n: &'a Node, out: &mut Vec<&'a Edge>) {
            for e in &n.dependencies {
                out.push(e);
                if let Some(c) = &e.node {
                    walk(c, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out
    }
}

/// How to resolve.
#[derive(Debug, Clone, Copy)]
pub struct ResolveOptions {
    /// Most fetches at once; 1 fetches sequentially on the calling thread.
    pub parallelism: usize,
}

impl Default for ResolveOptions {
    fn default() -> Self {
        ResolveOptions {
            parallelism: DEFAULT_PARALLELISM,
        }
    }
}

/// Resolve the dependency graph of `root` (spec §7). Missing or broken dependencies become
/// edge errors; resolution itself never fails.
pub fn resolve(root: &Contract, fetcher: &dyn Fetcher, options: &ResolveOptions) -> Graph {
    let root_name = root.service_name().to_string();
    let seeds = jobs_for(&root.dependencies, &root_name);
    let fetched = fetch_all(seeds, fetcher, options.parallelism.max(1), &root_name);
    let mut asm = Assembler {
        results: &fetched.results,
        path: vec![root_name.clone()],
        visited: HashMap::new(),
        failed: HashMap::new(),
        cycles: Vec::new(),
    };
    let dependencies = asm.edges(&root.dependencies);
    let cycles = asm.cycles;
    let root = Node {
        name: root_name,
        version: root.service_version().to_string(),
        reference: String::new(),
        local: false,
        dependencies,
        resolved: None,
    };
    let conflicts = detect_conflicts(&root);
    Graph {
        root,
        cycles,
        conflicts,
        stats: ResolveStats {
            fetches: fetched.fetches,
            workers: fetched.workers,
        },
    }
}

fn compatibility_of(dep: &Dependency) -> &str {
    dep.compatibility.as_ref().map_or("", |c| c.as_str())
}

/// The fetch key: the ref, plus the constraint when it picks the tag.
fn fetch_key(reference: &str, compatibility: &str) -> String {
    if uses_constraint(reference) && !compatibility.is_empty() {
        format!("{reference}\u{0}{compatibility}")
    } else {
        reference.to_string()
    }
}

struct Job {
    key: String,
    reference: String,
    compatibility: String,
}

/// The fetches a contract's dependencies need. A ref equal to the root's service name is
/// always on the ancestor path (Go keeps the root there by name), so it is never fetched.
fn jobs_for(deps: &[Dependency], root_name: &str) -> Vec<Job> {
    deps.iter()
        .filter(|d| d.reference() != root_name)
        .map(|d| Job {
            key: fetch_key(d.reference(), compatibility_of(d)),
            reference: d.reference().to_string(),
            compatibility: compatibility_of(d).to_string(),
        })
        .collect()
}

type Outcome = Result<Arc<Resolved>, String>;

struct FetchResults {
    results: HashMap<String, Outcome>,
    fetches: usize,
    workers: usize,
}

struct Pool {
    queue: VecDeque<Job>,
    seen: HashSet<String>,
    in_flight: usize,
    results: HashMap<String, Outcome>,
    fetches: usize,
}

fn lock(m: &Mutex<Pool>) -> MutexGuard<'_, Pool> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn fetch_one(fetcher: &dyn Fetcher, job: &Job) -> Outcome {
    let constraint = if job.compatibility.trim().is_empty() {
        None
    } else {
        match Constraint::parse(&job.compatibility) {
            Ok(c) => Some(c),
            Err(e) if uses_constraint(&job.reference) => {
                return Err(format!(
                    "invalid compatibility constraint {:?}: {e}",
                    job.compatibility
                ))
            }
            Err(_) => None,
        }
    };
    let fetched = catch_unwind(AssertUnwindSafe(|| {
        fetcher.fetch(&job.reference, constraint.as_ref())
    }))
    .unwrap_or_else(|_| Err(format!("fetching {} failed unexpectedly", job.reference)))?;
    parse_fetched(fetched).map(Arc::new)
}

fn worker(state: &Mutex<Pool>, cv: &Condvar, fetcher: &dyn Fetcher, root_name: &str) {
    loop {
        let job = {
            let mut pool = lock(state);
            loop {
                if let Some(job) = pool.queue.pop_front() {
                    pool.in_flight += 1;
                    pool.fetches += 1;
                    break job;
                }
                if pool.in_flight == 0 {
                    cv.notify_all();
                    return;
                }
                pool = cv.wait(pool).unwrap_or_else(PoisonError::into_inner);
            }
        };
        let outcome = fetch_one(fetcher, &job);
        let children = match &outcome {
            Ok(r) => jobs_for(&r.contract.dependencies, root_name),
            Err(_) => Vec::new(),
        };
        let mut pool = lock(state);
        pool.results.insert(job.key, outcome);
        for c in children {
            if pool.seen.insert(c.key.clone()) {
                pool.queue.push_back(c);
            }
        }
        pool.in_flight -= 1;
        cv.notify_all();
    }
}

/// Phase 1: fetch every reachable reference once, `parallelism` at a time.
fn fetch_all(
    seeds: Vec<Job>,
    fetcher: &dyn Fetcher,
    parallelism: usize,
    root: &str,
) -> FetchResults {
    let mut pool = Pool {
        queue: VecDeque::new(),
        seen: HashSet::new(),
        in_flight: 0,
        results: HashMap::new(),
        fetches: 0,
    };
    for job in seeds {
        if pool.seen.insert(job.key.clone()) {
            pool.queue.push_back(job);
        }
    }
    let workers = if pool.queue.is_empty() {
        0
    } else {
        parallelism
    };
    let state = Mutex::new(pool);
    let cv = Condvar::new();
    if workers == 1 {
        worker(&state, &cv, fetcher, root);
    } else if workers > 1 {
        std::thread::scope(|s| {
            for _ in 1..workers {
                s.spawn(|| worker(&state, &cv, fetcher, root));
            }
            worker(&state, &cv, fetcher, root);
        });
    }
    let pool = state.into_inner().unwrap_or_else(PoisonError::into_inner);
    FetchResults {
        results: pool.results,
        fetches: pool.fetches,
        workers,
    }
}

/// Phase 2: Go's resolution walk over the fetched bundles.
struct Assembler<'a> {
    results: &'a HashMap<String, Outcome>,
    /// The root's service name, then the refs of the ancestors.
    path: Vec<String>,
    /// Nodes already placed in full, by ref (their shallow copies).
    visited: HashMap<String, Node>,
    /// Refs whose fetch failed, with the error.
    failed: HashMap<String, String>,
    cycles: Vec<Vec<String>>,
}

impl Assembler<'_> {
    fn edges(&mut self, deps: &[Dependency]) -> Vec<Edge> {
        deps.iter().map(|d| self.edge(d)).collect()
    }

    fn edge(&mut self, dep: &Dependency) -> Edge {
        let reference = dep.reference().to_string();
        let compatibility = compatibility_of(dep).to_string();
        let local = parse_dependency_ref(&reference).scheme == RefScheme::Local;
        let mut edge = Edge {
            reference: reference.clone(),
            required: dep.is_required(),
            compatibility,
            node: None,
            error: None,
            shared: false,
            local,
            unsatisfied: None,
            cycle: false,
        };
        if self.path.contains(&reference) {
            let mut cycle = self.path.clone();
            cycle.push(reference.clone());
            self.cycles.push(cycle);
            edge.error = Some(format!("cycle detected: {reference}"));
            edge.cycle = true;
            return edge;
        }
        if let Some(prev) = self.visited.get(&reference) {
            edge.shared = true;
            edge.node = Some(prev.shallow());
        } else if let Some(err) = self.failed.get(&reference) {
            edge.error = Some(err.clone());
        } else {
            match self
                .results
                .get(&fetch_key(&reference, &edge.compatibility))
            {
                None => {
                    edge.error = Some(format!(
                        "resolution completed without result for {reference}"
                    ))
                }
                Some(Err(e)) => {
                    self.failed.insert(reference.clone(), e.clone());
                    edge.error = Some(e.clone());
                }
                Some(Ok(r)) => {
                    let mut node = Node {
                        name: r.contract.service_name().to_string(),
                        version: r.contract.service_version().to_string(),
                        reference: reference.clone(),
                        local,
                        dependencies: Vec::new(),
                        resolved: Some(r.clone()),
                    };
                    self.visited.insert(reference.clone(), node.shallow());
                    self.path.push(reference);
                    node.dependencies = self.edges(&r.contract.dependencies);
                    self.path.pop();
                    edge.node = Some(node);
                }
            }
        }
        if let Some(n) = &edge.node {
            edge.unsatisfied = unsatisfied(&edge.compatibility, &n.version);
        }
        edge
    }
}

/// Why `version` does not satisfy `compatibility`, if it does not. An empty constraint accepts
/// anything.
pub fn unsatisfied(compatibility: &str, version: &str) -> Option<String> {
    if compatibility.trim().is_empty() {
        return None;
    }
    let c = match Constraint::parse(compatibility) {
        Ok(c) => c,
        Err(e) => return Some(format!("invalid constraint {compatibility:?}: {e}")),
    };
    match Version::parse(version) {
        Ok(v) if c.matches(&v) => None,
        Ok(_) => Some(format!("{version} does not satisfy {compatibility}")),
        Err(_) => Some(format!(
            "version {version:?} is not a semantic version (needs {compatibility})"
        )),
    }
}

/// Names resolved at more than one version, root excluded, sorted by name.
fn detect_conflicts(root: &Node) -> Vec<Conflict> {
    fn walk(n: &Node, out: &mut BTreeMap<String, BTreeSet<String>>) {
        for e in &n.dependencies {
            if let Some(c) = &e.node {
                out.entry(c.name.clone())
                    .or_default()
                    .insert(format!("{}@{}", c.name, c.version));
                walk(c, out);
            }
        }
    }
    let mut versions = BTreeMap::new();
    walk(root, &mut versions);
    versions
        .into_iter()
        .filter(|(_, vs)| vs.len() > 1)
        .map(|(name, vs)| Conflict {
            name,
            versions: vs.into_iter().collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests;
