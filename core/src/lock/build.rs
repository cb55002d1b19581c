//! Building the lock of a bundle directory (Go's `buildLock`), `pacto lock` itself (Go's
//! `Service.Lock`) and the check the verifying commands run (Go's `verifyLockIfPresent`).

use super::closure::Closure;
use super::hash::hash_dir;
use super::{
    compare, merge_preserving_pins, parse, Entry, Lock, LockError, Occurrence, PactoInfo,
    Reference, RootInfo, CURRENT_LOCK_VERSION, FILE_NAME, LOCK_AMBIGUOUS_REFERENCE, LOCK_CONFLICT,
    LOCK_DUPLICATE_DECLARATION, LOCK_MISSING,
};
use crate::graph::{self, Fetched, Resolved};
use crate::model::Contract;
use crate::registry::{parse_dependency_ref, RefScheme};
use crate::syntax::Span;
use crate::Diagnostic;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A bundle pulled from a registry with its manifest digest.
pub struct Pinned {
    pub digest: String,
    pub fetched: Fetched,
}

/// Where `oci://` bundles and their digests come from (the registry client, or a stand-in).
pub trait OciPinner: Send + Sync {
    /// Pull `reference`; `compatibility` picks the tag of an untagged ref (the highest that
    /// satisfies it), as for dependency resolution.
    fn pin(&self, reference: &str, compatibility: Option<&str>) -> Result<Pinned, String>;
}

impl OciPinner for crate::registry::Registry {
    fn pin(&self, reference: &str, compatibility: Option<&str>) -> Result<Pinned, String> {
        let p = self
            .fetch_compatible(reference, compatibility)
            .map_err(|e| e.to_string())?;
        Ok(Pinned {
            digest: p.digest.clone(),
            fetched: Fetched {
                bundle: Arc::new(p.bundle),
                contract_text: p.contract_text,
                resolved_ref: format!("oci://{}", p.resolved_ref),
            },
        })
    }
}

/// A freshly resolved lock and the root contract it was built from.
pub struct Built {
    pub lock: Lock,
    pub root: Resolved,
}

/// The version written to `pacto.version`.
pub const WRITER_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Resolve the closure of the bundle directory `dir` into a lock (Go's `buildLock`): fails
/// closed on a conflict, on any dependency edge that did not resolve, on a digest or content
/// hash that cannot be computed, and on a declaration the lock cannot represent.
pub fn build(dir: &Path, oci: Option<Arc<dyn OciPinner>>) -> Result<Built, LockError> {
    let abs = absolute(dir);
    let root = graph::load_local(&abs.to_string_lossy()).map_err(LockError::other)?;
    let lock = build_for(&root, &abs, oci)?;
    Ok(Built { lock, root })
}

/// [`build`] for `root`, the contract of `dir` as the command evaluates it (after `--set` and
/// `--values` overrides, which Go applies before locking); its dependencies and references
/// still resolve from `dir`.
pub fn build_with_root(
    dir: &Path,
    root: &Resolved,
    oci: Option<Arc<dyn OciPinner>>,
) -> Result<Lock, LockError> {
    build_for(root, &absolute(dir), oci)
}

fn absolute(dir: &Path) -> PathBuf {
    let joined = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(dir)
    };
    graph::clean_path(&joined)
}

fn build_for(
    root: &Resolved,
    dir: &Path,
    oci: Option<Arc<dyn OciPinner>>,
) -> Result<Lock, LockError> {
    let closure = Closure::resolve(&root.contract, dir, oci.as_deref());
    if let Some(name) = closure.conflicts().first() {
        return Err(LockError::new(
            LOCK_CONFLICT,
            format!("{LOCK_CONFLICT}: {name} required at conflicting versions"),
        )
        .at_contract(conflict_span(&root.contract, &closure, name)));
    }
    let edges = closure.edges();
    if let Some(e) = edges.iter().find(|e| e.target.is_err()) {
        let reason = e.target.as_ref().err().cloned().unwrap_or_default();
        return Err(LockError::unresolved(&e.reference, reason)
            .at_contract(ref_span(&root.contract, &e.reference)));
    }
    let mut lock = Lock {
        lock_version: CURRENT_LOCK_VERSION,
        pacto: PactoInfo {
            version: WRITER_VERSION.to_string(),
        },
        root: RootInfo {
            name: root.contract.service_name().to_string(),
            version: root.contract.service_version().to_string(),
        },
        ..Lock::default()
    };
    let mut seen = HashSet::new();
    for e in edges {
        let Some(node) = e.target.as_ref().ok().and_then(|&i| closure.nodes.get(i)) else {
            continue;
        };
        // Go's walkClosure: each node once, keyed by the ref as written (the name without one).
        let key = if e.reference.is_empty() {
            node.name.clone()
        } else {
            e.reference.clone()
        };
        if !seen.insert(key) {
            continue;
        }
        let mut entry = Entry {
            name: node.name.clone(),
            constraint: e.compatibility.clone(),
            version: node.version.clone(),
            depends_on: node
                .edges
                .iter()
                .filter_map(|c| c.target.as_ref().ok().and_then(|&i| closure.nodes.get(i)))
                .map(|n| n.name.clone())
                .collect(),
            ..Entry::default()
        };
        let parsed = parse_dependency_ref(&e.reference);
        match (parsed.scheme, &node.dir) {
            (RefScheme::Local, Some(d)) => {
                entry.source = "local".to_string();
                entry.path = parsed.location.clone();
                entry.content_hash =
                    hash_dir(d).map_err(|err| LockError::unresolved(&e.reference, err))?;
            }
            _ => {
                entry.source = "oci".to_string();
                entry.reference = e.reference.clone();
                entry.digest = node.digest.clone();
            }
        }
        lock.dependencies.push(entry);
    }
    lock.references = reference_closure(&root.contract, dir, oci.as_deref())?;
    Ok(lock)
}

/// The span of the root dependency whose ref is `reference`.
fn ref_span(contract: &Contract, reference: &str) -> Option<Span> {
    contract
        .dependencies
        .iter()
        .find(|d| d.reference() == reference)
        .and_then(|d| d.reference.as_ref().map(|r| r.span).or(Some(d.span)))
}

/// The span of the last root dependency whose closure holds the service `name`.
fn conflict_span(contract: &Contract, closure: &Closure, name: &str) -> Option<Span> {
    fn reaches(c: &Closure, i: usize, name: &str, seen: &mut HashSet<usize>) -> bool {
        let Some(n) = c.nodes.get(i) else {
            return false;
        };
        if n.name == name {
            return true;
        }
        seen.insert(i)
            && n.edges.iter().any(|e| match e.target {
                Ok(j) => reaches(c, j, name, seen),
                Err(_) => false,
            })
    }
    closure
        .root_edges
        .iter()
        .rev()
        .find(|e| matches!(e.target, Ok(i) if reaches(closure, i, name, &mut HashSet::new())))
        .and_then(|e| ref_span(contract, &e.reference))
}

/// A declared config/policy reference of one contract (Go's `ReferenceRef`).
struct Declared {
    kind: &'static str,
    name: String,
    reference: String,
    span: Option<Span>,
}

/// Policies first, then configurations, those with a `ref` only (Go's `ReferenceRefs`).
fn reference_refs(c: &Contract) -> Vec<Declared> {
    let mut out = Vec::new();
    for (_, p) in c.all_policies() {
        if let Some(r) = p.reference.as_ref().filter(|r| !r.as_str().is_empty()) {
            out.push(Declared {
                kind: "policy",
                name: p.name.as_ref().map_or("", |n| n.as_str()).to_string(),
                reference: r.value.clone(),
                span: Some(r.span),
            });
        }
    }
    for (_, cfg) in c.all_configurations() {
        if let Some(r) = cfg.reference.as_ref().filter(|r| !r.as_str().is_empty()) {
            out.push(Declared {
                kind: "config",
                name: cfg.name.as_ref().map_or("", |n| n.as_str()).to_string(),
                reference: r.value.clone(),
                span: Some(r.span),
            });
        }
    }
    out
}

/// The first (kind, name) declared twice, policies first (Go's `DuplicateDeclarations`), with
/// the span of the repeat.
fn first_duplicate(c: &Contract) -> Option<(&'static str, String, Option<Span>)> {
    let mut seen = HashSet::new();
    for (_, p) in c.all_policies() {
        let name = p.name.as_ref().map_or("", |n| n.as_str()).to_string();
        if !seen.insert(("policy", name.clone())) {
            return Some(("policy", name, p.name.as_ref().map(|n| n.span)));
        }
    }
    for (_, cfg) in c.all_configurations() {
        let name = cfg.name.as_ref().map_or("", |n| n.as_str()).to_string();
        if !seen.insert(("config", name.clone())) {
            return Some(("config", name, cfg.name.as_ref().map(|n| n.span)));
        }
    }
    None
}

#[derive(Clone)]
struct Resolution {
    entry: Reference,
    child: Option<Arc<Contract>>,
    child_dir: Option<PathBuf>,
    identity: String,
}

/// Go's `buildReferenceClosure`: one entry per declaration of every contract reached through
/// config/policy refs, tagged with the declaring contract's content identity.
fn reference_closure(
    root: &Contract,
    dir: &Path,
    oci: Option<&dyn OciPinner>,
) -> Result<Vec<Reference>, LockError> {
    struct Walk<'a> {
        oci: Option<&'a dyn OciPinner>,
        walked: HashSet<String>,
        resolved: HashMap<(Option<PathBuf>, String), Resolution>,
        seen: HashMap<Occurrence, Reference>,
        out: Vec<Reference>,
    }
    impl Walk<'_> {
        fn walk(
            &mut self,
            c: &Contract,
            dir: Option<&Path>,
            from: &str,
            depth: usize,
        ) -> Result<(), LockError> {
            if let Some((kind, name, span)) = first_duplicate(c) {
                let occ = Occurrence {
                    from: from.to_string(),
                    kind: kind.to_string(),
                    name,
                };
                let e = LockError::new(
                    LOCK_DUPLICATE_DECLARATION,
                    format!("{LOCK_DUPLICATE_DECLARATION}: {occ} more than once; a name is unique within its kind in one contract, and a lock has no way to tell two declarations of it apart"),
                );
                return Err(if from.is_empty() {
                    e.at_contract(span)
                } else {
                    e
                });
            }
            if depth > 256 {
                return Err(LockError::other("reference closure is nested too deeply"));
            }
            for d in reference_refs(c) {
                let key = (dir.map(Path::to_path_buf), d.reference.clone());
                let memo = match self.resolved.get(&key) {
                    Some(m) => m.clone(),
                    None => {
                        let m = resolve_reference(&d.reference, dir, self.oci).map_err(|e| {
                            if from.is_empty() {
                                e.at_contract(d.span)
                            } else {
                                e
                            }
                        })?;
                        self.resolved.insert(key, m.clone());
                        m
                    }
                };
                let mut entry = memo.entry.clone();
                entry.from = from.to_string();
                entry.kind = d.kind.to_string();
                entry.name = d.name.clone();
                let occ = entry.occurrence();
                if let Some(prev) = self.seen.get(&occ) {
                    if prev.pinned() != entry.pinned() {
                        let e = LockError::new(
                            LOCK_AMBIGUOUS_REFERENCE,
                            format!(
                                "{LOCK_AMBIGUOUS_REFERENCE}: {occ} resolves to both {} and {}; a lock records one resolution per declared reference, so these cannot both be pinned",
                                origin(prev),
                                origin(&entry)
                            ),
                        );
                        return Err(if from.is_empty() {
                            e.at_contract(d.span)
                        } else {
                            e
                        });
                    }
                    continue;
                }
                self.seen.insert(occ, entry.clone());
                self.out.push(entry.clone());
                let Some(child) = memo.child.clone() else {
                    continue;
                };
                if !self.walked.insert(memo.identity.clone()) {
                    continue;
                }
                self.walk(
                    &child,
                    memo.child_dir.as_deref(),
                    &entry.destination_id(),
                    depth + 1,
                )?;
            }
            Ok(())
        }
    }
    let mut w = Walk {
        oci,
        walked: HashSet::new(),
        resolved: HashMap::new(),
        seen: HashMap::new(),
        out: Vec::new(),
    };
    w.walk(root, Some(dir), "", 0)?;
    Ok(w.out)
}

fn origin(r: &Reference) -> String {
    let at = if r.reference.is_empty() {
        &r.path
    } else {
        &r.reference
    };
    format!("{at} ({})", r.destination_id())
}

fn resolve_reference(
    reference: &str,
    dir: Option<&Path>,
    oci: Option<&dyn OciPinner>,
) -> Result<Resolution, LockError> {
    let parsed = parse_dependency_ref(reference);
    let mut r = Reference::default();
    match parsed.scheme {
        RefScheme::Local => {
            let Some(dir) = dir else {
                return Err(LockError::unresolved(
                    reference,
                    "local reference inside an OCI bundle cannot be resolved",
                ));
            };
            let p = Path::new(&parsed.location);
            let path = if p.is_absolute() {
                graph::clean_path(p)
            } else {
                graph::clean_path(&dir.join(p))
            };
            let loaded = graph::load_local(&path.to_string_lossy())
                .map_err(|e| LockError::unresolved(reference, e))?;
            let h = hash_dir(&path).map_err(|e| LockError::unresolved(reference, e))?;
            r.source = "local".to_string();
            r.path = parsed.location.clone();
            r.content_hash = h;
            r.version = loaded.contract.service_version().to_string();
            Ok(Resolution {
                entry: r,
                child: Some(Arc::new(loaded.contract)),
                identity: format!("local:{}", path.display()),
                child_dir: Some(path),
            })
        }
        RefScheme::Oci => {
            let Some(oci) = oci else {
                return Err(LockError::unresolved(
                    reference,
                    "no registry client is configured",
                ));
            };
            let pinned = oci
                .pin(reference, None)
                .map_err(|e| LockError::unresolved(reference, e))?;
            let loaded = graph::parse_fetched(pinned.fetched)
                .map_err(|e| LockError::unresolved(reference, e))?;
            r.source = "oci".to_string();
            r.reference = reference.to_string();
            r.digest = pinned.digest.clone();
            r.version = loaded.contract.service_version().to_string();
            Ok(Resolution {
                entry: r,
                child: Some(Arc::new(loaded.contract)),
                child_dir: None,
                identity: format!("oci:{}", pinned.digest),
            })
        }
    }
}

fn clone_resolved(r: &Resolved) -> Resolved {
    Resolved {
        contract: r.contract.clone(),
        tree: r.tree.clone(),
        bundle: r.bundle.clone(),
        file: r.file.clone(),
        resolved_ref: r.resolved_ref.clone(),
    }
}

/// What `pacto lock` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct Mode {
    /// `--check`: compare, write nothing.
    pub check: bool,
    /// `--update`: re-resolve everything, ignoring existing pins.
    pub update: bool,
    /// `--update-name`: re-resolve only these dependencies.
    pub update_names: Vec<String>,
}

/// What `pacto lock` did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The lock file's path.
    pub path: PathBuf,
    /// The lock now on disk (the existing one when it was up to date).
    pub lock: Lock,
    pub written: bool,
    pub up_to_date: bool,
}

/// Span the error in `pacto.yaml` when it names a root declaration we can find.
fn locate(err: LockError, root: &Contract) -> LockError {
    if err.contract_span.is_some() {
        return err;
    }
    // `new dependency NAME`, `... local dependency NAME content changed`, `NAME locked at`:
    // point at the root dependency whose name (2.0) or whose resolved service is NAME.
    for d in &root.dependencies {
        let name = d.name.as_ref().map(|n| n.as_str()).unwrap_or("");
        if !name.is_empty()
            && (err.message.contains(&format!(" {name} "))
                || err.message.contains(&format!(" {name};")))
        {
            let span = d.reference.as_ref().map(|r| r.span).or(Some(d.span));
            return err.at_contract(span);
        }
    }
    // A root reference: `config "x" declared by the root contract`.
    for decl in reference_refs(root) {
        let occ = Occurrence {
            from: String::new(),
            kind: decl.kind.to_string(),
            name: decl.name.clone(),
        };
        if err.message.contains(&occ.to_string()) {
            return err.at_contract(decl.span);
        }
    }
    err
}

/// `pacto lock [--check] [--update] [--update-name NAME]...` on the bundle directory `dir`.
pub fn run(dir: &Path, oci: Option<Arc<dyn OciPinner>>, mode: &Mode) -> Result<Outcome, LockError> {
    run_with_root(dir, None, oci, mode)
}

/// [`run`] with the root contract as the command evaluates it (see [`build_with_root`]);
/// `None` reads it from `dir`.
pub fn run_with_root(
    dir: &Path,
    root: Option<&Resolved>,
    oci: Option<Arc<dyn OciPinner>>,
    mode: &Mode,
) -> Result<Outcome, LockError> {
    let path = dir.join(FILE_NAME);
    let built = match root {
        Some(r) => Built {
            lock: build_with_root(dir, r, oci)?,
            root: clone_resolved(r),
        },
        None => build(dir, oci)?,
    };
    let fresh = built.lock;
    let existing = read_lock_file(&path);
    if mode.check {
        let existing = match existing {
            Some(Ok(l)) => l,
            other => {
                let mut e = LockError::new(
                    LOCK_MISSING,
                    format!("{LOCK_MISSING}: no {FILE_NAME} found"),
                );
                if let Some(Err(parse_err)) = other {
                    e.detail = Some(format!("{FILE_NAME} cannot be read: {}", parse_err.message));
                    e.lock_span = parse_err.lock_span;
                }
                return Err(e);
            }
        };
        compare(&existing, &fresh).map_err(|e| locate(e, &built.root.contract))?;
        return Ok(Outcome {
            path,
            lock: existing,
            written: false,
            up_to_date: true,
        });
    }
    let mut to_write = fresh;
    if let Some(Ok(existing)) = &existing {
        if !mode.update {
            if compare(existing, &to_write).is_ok() {
                return Ok(Outcome {
                    path,
                    lock: existing.clone(),
                    written: false,
                    up_to_date: true,
                });
            }
            to_write = merge_preserving_pins(existing, &to_write, &mode.update_names);
        }
    }
    let text = to_write.render();
    crate::bundle::archive::write_file_atomic(&path, text.as_bytes())
        .map_err(|e| LockError::other(format!("write {}: {e}", path.display())))?;
    Ok(Outcome {
        path,
        lock: to_write,
        written: true,
        up_to_date: false,
    })
}

/// `None` when there is no lock file; else the parsed lock or why it cannot be read.
fn read_lock_file(path: &Path) -> Option<Result<Lock, LockError>> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            return Some(Err(LockError::other(format!(
                "open {}: {e}",
                path.display()
            ))))
        }
        Ok(m) if m.len() > MAX_LOCK_BYTES => {
            return Some(Err(LockError::other(format!(
                "{} is larger than {MAX_LOCK_BYTES} bytes",
                path.display()
            ))))
        }
        Ok(_) => {}
    }
    Some(match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => parse(&text),
            Err(_) => Err(LockError::other(format!(
                "parse pacto.lock: yaml: invalid UTF-8 in {}",
                path.display()
            ))),
        },
        Err(e) => Err(LockError::other(format!("open {}: {e}", path.display()))),
    })
}

/// The largest `pacto.lock` read.
pub const MAX_LOCK_BYTES: u64 = 16 << 20;

/// Go's `verifyLockIfPresent` for the commands that resolve a local bundle (`validate`,
/// `graph`, `diff`, `push`): nothing when `dir` is not a directory holding `pacto.lock` (an
/// `oci://` or `git:` side, or no lock: opt-in); else the committed lock is compared with the
/// closure resolved now, and the first divergence is one error diagnostic (path `""`, Go's code
/// and message), on the offending node of `pacto.yaml`, its help naming the `pacto.lock` line.
pub fn verify_committed(dir: &str, oci: Option<Arc<dyn OciPinner>>) -> Vec<Diagnostic> {
    verify_committed_with_root(dir, None, oci)
}

/// [`verify_committed`] with the root contract as the command evaluates it (after overrides);
/// `None` reads it from `dir`.
pub fn verify_committed_with_root(
    dir: &str,
    root: Option<&Resolved>,
    oci: Option<Arc<dyn OciPinner>>,
) -> Vec<Diagnostic> {
    if dir.starts_with("oci://") || crate::bundle::parse_git_spec(dir).is_some() {
        return Vec::new();
    }
    let path = Path::new(dir).join(FILE_NAME);
    let Some(existing) = read_lock_file(&path) else {
        return Vec::new();
    };
    let lock_text = std::fs::read_to_string(&path).unwrap_or_default();
    let result = existing.and_then(|existing| {
        let (fresh, contract) = match root {
            Some(r) => (build_with_root(Path::new(dir), r, oci)?, None),
            None => {
                let b = build(Path::new(dir), oci)?;
                (b.lock, Some(b.root.contract))
            }
        };
        let contract = match (&contract, root) {
            (Some(c), _) => c,
            (None, Some(r)) => &r.contract,
            (None, None) => return compare(&existing, &fresh),
        };
        compare(&existing, &fresh).map_err(|e| locate(e, contract))
    });
    match result {
        Ok(()) => Vec::new(),
        Err(e) => vec![to_diagnostic(&e, &lock_text)],
    }
}

/// The diagnostic of a lock error: Go's code and message, our span and help.
pub fn to_diagnostic(e: &LockError, lock_text: &str) -> Diagnostic {
    let mut help = Vec::new();
    if let Some((line, col)) = e.lock_position(lock_text) {
        help.push(format!("see {FILE_NAME}:{line}:{col}"));
    }
    if let Some(d) = &e.detail {
        help.push(d.clone());
    }
    let mut d = Diagnostic::error(e.code, "", e.message.clone()).with_span(e.contract_span);
    if !help.is_empty() {
        d = d.with_help(help.join("; "));
    }
    d
}
