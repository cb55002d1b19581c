//! Where dependency bundles come from: the [`Fetcher`] trait and its implementations.
//!
//! * [`LocalFetcher`]: local refs (`../auth`, `file://../auth`), always resolved against the
//!   **root** contract's directory, even for transitive dependencies (spec §7).
//! * [`GitFetcher`]: local refs read from a git revision (the `git:REV[:DIR]` sides of `diff`).
//! * [`Router`]: local refs to a local fetcher, `oci://` refs to an optional OCI fetcher (the
//!   registry client plugs in there).
//! * [`LocalOverride`]: `pacto diff`'s new side, which prefers a sibling directory named after
//!   an OCI dependency's repository (spec §4.6).
//! * [`MemFetcher`]: bundles in memory, with tag lists for untagged `oci://` refs, simulated
//!   latency and counters, for tests and benchmarks.

use super::Resolved;
use crate::bundle::{self, Bundle, MemBundle, CONTRACT_FILE};
use crate::diff::{SideError, Which};
use crate::registry::{parse_dependency_ref, RefScheme};
use crate::syntax::{parse, ColumnUnit, Limits};
use crate::version::{highest_matching, Constraint, Version};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// A fetched dependency bundle, before its contract is parsed.
#[derive(Clone)]
pub struct Fetched {
    pub bundle: Arc<dyn Bundle>,
    /// The text of the bundle's `pacto.yaml`.
    pub contract_text: String,
    /// The reference actually loaded: the tagged ref chosen for an untagged `oci://` ref, the
    /// directory for a local ref.
    pub resolved_ref: String,
}

impl std::fmt::Debug for Fetched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetched")
            .field("bundle", &self.bundle.describe())
            .field("resolved_ref", &self.resolved_ref)
            .finish_non_exhaustive()
    }
}

/// Loads the bundle a dependency reference points to.
///
/// `compatibility` is the dependency's constraint. Only untagged `oci://` refs use it, to pick
/// the highest satisfying tag (spec §6.4); explicit tags and digests are used as written.
/// Errors are plain texts: the resolver records them on the edge and carries on.
pub trait Fetcher: Send + Sync {
    fn fetch(&self, reference: &str, compatibility: Option<&Constraint>)
        -> Result<Fetched, String>;
}

impl<F: Fetcher + ?Sized> Fetcher for Arc<F> {
    fn fetch(
        &self,
        reference: &str,
        compatibility: Option<&Constraint>,
    ) -> Result<Fetched, String> {
        (**self).fetch(reference, compatibility)
    }
}

impl<F: Fetcher + ?Sized> Fetcher for &F {
    fn fetch(
        &self,
        reference: &str,
        compatibility: Option<&Constraint>,
    ) -> Result<Fetched, String> {
        (**self).fetch(reference, compatibility)
    }
}

/// Parse a fetched bundle's contract. A contract that is not readable YAML is an error
/// (`failed to parse <file>:<line>:<col>: <message>`); everything else is left to validation.
pub fn parse_fetched(fetched: Fetched) -> Result<Resolved, String> {
    let describe = fetched.bundle.describe();
    let file = format!("{}/{CONTRACT_FILE}", describe.trim_end_matches('/'));
    let parsed = parse(&fetched.contract_text, &Limits::default());
    let fatal = parsed.errors.iter().find(|e| e.fatal);
    let tree = match (parsed.tree, fatal) {
        (Some(t), None) => t,
        (_, e) => {
            let (pos, msg) = match e.or(parsed.errors.first()) {
                Some(e) => {
                    let lc = parsed.line_index.line_col(e.span.start, ColumnUnit::Char);
                    (
                        format!(":{}:{}", lc.line + 1, lc.col + 1),
                        e.message.clone(),
                    )
                }
                None => (String::new(), "cannot be read".to_string()),
            };
            return Err(format!("failed to parse {file}{pos}: {msg}"));
        }
    };
    let contract = crate::model::Contract::from_tree(&tree);
    Ok(Resolved {
        contract,
        tree,
        bundle: fetched.bundle,
        file,
        resolved_ref: fetched.resolved_ref,
    })
}

/// Open the bundle a command-line argument names — a directory, `git:REV[:DIR]` (read from the
/// repository at `cwd`) or `oci://REF` (through `oci`) — and parse its contract. The same for
/// every face, so `pacto diff`, `pacto graph` and the MCP tools name sides alike.
pub fn open(arg: &str, cwd: &Path, oci: Option<&dyn Fetcher>) -> Result<Resolved, String> {
    if let Some((rev, dir)) = bundle::parse_git_spec(arg) {
        let (b, text) = bundle::load_git(cwd, &rev, &dir).map_err(|e| e.to_string())?;
        return parse_fetched(Fetched {
            bundle: Arc::new(b),
            contract_text: text,
            resolved_ref: arg.to_string(),
        });
    }
    if arg.starts_with("oci://") {
        let Some(oci) = oci else {
            return Err(format!(
                "cannot fetch {arg}: no registry client is configured"
            ));
        };
        return parse_fetched(oci.fetch(arg, None)?);
    }
    load_local(arg)
}

/// [`parse_fetched`], then check that the contract is one this build can compare
/// ([`crate::diff::check_comparable`]): the one way every face (the CLI's `pacto diff`, the MCP
/// `pacto_diff` tool, the language server's lens) turns a fetched bundle — or inline YAML in a
/// [`MemBundle`] — into a diff side, or an error naming the side and the file.
pub fn parse_side(fetched: Fetched, side: Which) -> Result<Resolved, SideError> {
    let describe = fetched.bundle.describe();
    let file = format!("{}/{CONTRACT_FILE}", describe.trim_end_matches('/'));
    let resolved = parse_fetched(fetched).map_err(|message| SideError {
        side,
        file: file.clone(),
        message,
    })?;
    crate::diff::check_comparable(&resolved.tree, &resolved.file).map_err(|message| SideError {
        side,
        file: resolved.file.clone(),
        message,
    })?;
    Ok(resolved)
}

/// Load one side of a diff or fail: [`open`] the bundle `arg` names (directory,
/// `git:REV[:DIR]`, `oci://REF`), then [`parse_side`]. A side that is missing, unreadable, not
/// YAML, not a mapping, escapes its directory through a link, or is written in an unsupported
/// `pactoVersion` is a [`SideError`] naming `side` and the file — never an empty contract that
/// compares as "no changes".
pub fn open_side(
    arg: &str,
    cwd: &Path,
    oci: Option<&dyn Fetcher>,
    side: Which,
) -> Result<Resolved, SideError> {
    let fail = |file: String, message: String| SideError {
        side,
        file,
        message,
    };
    let fetched = if let Some((rev, dir)) = bundle::parse_git_spec(arg) {
        let (b, text) =
            bundle::load_git(cwd, &rev, &dir).map_err(|e| fail(arg.to_string(), e.to_string()))?;
        Fetched {
            bundle: Arc::new(b),
            contract_text: text,
            resolved_ref: arg.to_string(),
        }
    } else if arg.starts_with("oci://") {
        let Some(oci) = oci else {
            return Err(fail(
                arg.to_string(),
                format!("cannot fetch {arg}: no registry client is configured"),
            ));
        };
        oci.fetch(arg, None).map_err(|e| fail(arg.to_string(), e))?
    } else {
        let file = if Path::new(arg).is_dir() {
            Path::new(arg).join(CONTRACT_FILE).display().to_string()
        } else {
            arg.to_string()
        };
        fetch_dir(arg).map_err(|e| fail(file, e))?
    };
    parse_side(fetched, side)
}

/// The fetcher for the dependencies of the bundle named by `arg`: local refs against the
/// bundle's directory (made absolute, as Go does), against the revision for a `git:REV[:DIR]`
/// side, against `cwd` for an `oci://` root; `oci://` refs through `oci`. With
/// `sibling_override` (`pacto diff`'s new side, spec §4.6), an `oci://` dependency is first
/// looked for in a directory next to the bundle named after its repository.
pub fn fetcher_for(
    arg: &str,
    cwd: &Path,
    oci: Option<Arc<dyn Fetcher>>,
    sibling_override: bool,
) -> Arc<dyn Fetcher> {
    if let Some((rev, dir)) = bundle::parse_git_spec(arg) {
        return Arc::new(Router {
            local: Arc::new(GitFetcher {
                cwd: cwd.to_path_buf(),
                rev,
                base: dir,
            }),
            oci,
        });
    }
    if arg.starts_with("oci://") {
        return Arc::new(Router {
            local: Arc::new(LocalFetcher::default()),
            oci,
        });
    }
    let base = clean_path(&cwd.join(arg));
    let router: Arc<dyn Fetcher> = Arc::new(Router {
        local: Arc::new(LocalFetcher::new(base.clone())),
        oci,
    });
    match (sibling_override, base.parent()) {
        (true, Some(parent)) => Arc::new(LocalOverride {
            parent: parent.to_path_buf(),
            inner: router,
        }),
        _ => router,
    }
}

/// Load a bundle directory from disk and parse its contract (a root, or a local dependency).
/// The messages are Go Pacto's: `failed to access <dir>: …`, `no pacto.yaml found in <dir>`.
pub fn load_local(dir: &str) -> Result<Resolved, String> {
    parse_fetched(fetch_dir(dir)?)
}

fn fetch_dir(dir: &str) -> Result<Fetched, String> {
    let loaded = bundle::load_dir(dir).map_err(|e| e.to_string())?;
    Ok(Fetched {
        bundle: Arc::new(loaded.bundle),
        contract_text: loaded.text,
        resolved_ref: dir.to_string(),
    })
}

/// Go's `filepath.Clean` for joined paths: drop `.` segments and fold `..` into the segment
/// before it (never above the root of an absolute path). Purely lexical.
pub fn clean_path(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

/// Whether an OCI location (without `oci://`) pins a tag or digest: it contains `@`, or its last
/// `:` comes after its last `/` (spec §6.4). Untagged refs are resolved against the tag list.
pub fn has_explicit_tag(location: &str) -> bool {
    if location.contains('@') {
        return true;
    }
    match (location.rfind(':'), location.rfind('/')) {
        (Some(c), Some(s)) => c > s,
        (Some(_), None) => true,
        _ => false,
    }
}

/// Whether fetching `reference` depends on the compatibility constraint: an `oci://` ref with
/// neither tag nor digest.
pub fn uses_constraint(reference: &str) -> bool {
    let parsed = parse_dependency_ref(reference);
    parsed.scheme == RefScheme::Oci && !has_explicit_tag(&parsed.location)
}

/// The directory name `pacto diff` looks for next to the new bundle: the last path segment of
/// an OCI location with the tag stripped (`ghcr.io/org/my-svc:1.0.0` → `my-svc`).
pub fn oci_ref_name(location: &str) -> String {
    let mut loc = location;
    if let (Some(c), s) = (loc.rfind(':'), loc.rfind('/')) {
        if s.is_none_or(|s| c > s) {
            loc = &loc[..c];
        }
    }
    let loc = loc.trim_end_matches('/');
    match loc.rfind('/') {
        Some(i) => loc[i + 1..].to_string(),
        None => loc.to_string(),
    }
}

fn not_local(reference: &str) -> String {
    format!("{reference} is not a local reference")
}

/// Local refs resolved against `base`, the root contract's directory (Go makes it absolute; an
/// empty base means the working directory, as for an OCI root).
#[derive(Debug, Clone, Default)]
pub struct LocalFetcher {
    pub base: PathBuf,
}

impl LocalFetcher {
    pub fn new(base: impl Into<PathBuf>) -> LocalFetcher {
        LocalFetcher { base: base.into() }
    }

    /// Where a local location lives: absolute as written, else joined to the base and cleaned.
    pub fn path_of(&self, location: &str) -> PathBuf {
        let p = Path::new(location);
        if p.is_absolute() || self.base.as_os_str().is_empty() {
            clean_path(p)
        } else {
            clean_path(&self.base.join(p))
        }
    }
}

impl Fetcher for LocalFetcher {
    fn fetch(&self, reference: &str, _: Option<&Constraint>) -> Result<Fetched, String> {
        let parsed = parse_dependency_ref(reference);
        if parsed.scheme != RefScheme::Local {
            return Err(not_local(reference));
        }
        let path = self.path_of(&parsed.location);
        fetch_dir(&path.to_string_lossy())
    }
}

/// Local refs read from a git revision: the dependency's directory as of `rev`, relative to
/// `base` (the root bundle's directory inside the work tree, relative to `cwd`). Absolute paths
/// are read from disk.
#[derive(Debug, Clone)]
pub struct GitFetcher {
    pub cwd: PathBuf,
    pub rev: String,
    pub base: String,
}

impl Fetcher for GitFetcher {
    fn fetch(&self, reference: &str, _: Option<&Constraint>) -> Result<Fetched, String> {
        let parsed = parse_dependency_ref(reference);
        if parsed.scheme != RefScheme::Local {
            return Err(not_local(reference));
        }
        if Path::new(&parsed.location).is_absolute() {
            return LocalFetcher::default().fetch(reference, None);
        }
        let dir = clean_path(&Path::new(&self.base).join(&parsed.location));
        let dir = dir.to_string_lossy().replace('\\', "/");
        let (b, text): (MemBundle, String) =
            bundle::load_git(&self.cwd, &self.rev, &dir).map_err(|e| e.to_string())?;
        Ok(Fetched {
            bundle: Arc::new(b),
            contract_text: text,
            resolved_ref: format!("git:{}:{dir}", self.rev),
        })
    }
}

/// Sends `oci://` refs to the OCI fetcher, everything else to the local one.
#[derive(Clone)]
pub struct Router {
    pub local: Arc<dyn Fetcher>,
    /// The registry client, when this build has one.
    pub oci: Option<Arc<dyn Fetcher>>,
}

impl Fetcher for Router {
    fn fetch(
        &self,
        reference: &str,
        compatibility: Option<&Constraint>,
    ) -> Result<Fetched, String> {
        match parse_dependency_ref(reference).scheme {
            RefScheme::Local => self.local.fetch(reference, compatibility),
            RefScheme::Oci => match &self.oci {
                Some(oci) => oci.fetch(reference, compatibility),
                None => Err(format!(
                    "cannot fetch {reference}: this build cannot pull from OCI registries yet"
                )),
            },
        }
    }
}

/// `pacto diff`'s fetcher for a local new side (spec §4.6): for an `oci://` dependency, first
/// try `<parent>/<last segment of the repository, tag stripped>/pacto.yaml`, so that locally
/// edited dependencies next to the new bundle win over their published versions.
#[derive(Clone)]
pub struct LocalOverride {
    pub parent: PathBuf,
    pub inner: Arc<dyn Fetcher>,
}

impl Fetcher for LocalOverride {
    fn fetch(
        &self,
        reference: &str,
        compatibility: Option<&Constraint>,
    ) -> Result<Fetched, String> {
        let parsed = parse_dependency_ref(reference);
        if parsed.scheme == RefScheme::Oci {
            let name = oci_ref_name(&parsed.location);
            if !name.is_empty() {
                let dir = clean_path(&self.parent.join(name));
                if let Ok(f) = fetch_dir(&dir.to_string_lossy()) {
                    return Ok(f);
                }
            }
        }
        self.inner.fetch(reference, compatibility)
    }
}

/// Bundles in memory, keyed by the reference exactly as written (`oci://reg/redis:1.0.0`,
/// `../auth`). Untagged `oci://` refs are resolved against the tag list given with
/// [`MemFetcher::with_tags`], like a registry's. Fetches can be slowed down to simulate a
/// network, and every call is counted.
#[derive(Default)]
pub struct MemFetcher {
    bundles: HashMap<String, Arc<MemBundle>>,
    tags: HashMap<String, Vec<String>>,
    delays: HashMap<String, Duration>,
    default_delay: Duration,
    calls: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    log: Mutex<Vec<String>>,
}

impl std::fmt::Debug for MemFetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemFetcher")
            .field("refs", &self.bundles.len())
            .field("calls", &self.calls())
            .finish_non_exhaustive()
    }
}

impl MemFetcher {
    pub fn new() -> MemFetcher {
        MemFetcher::default()
    }

    /// Add a bundle holding only `pacto.yaml` with `contract` under `reference`.
    pub fn insert(&mut self, reference: &str, contract: &str) {
        let b = MemBundle::new(reference).with(CONTRACT_FILE, contract);
        self.insert_bundle(reference, b);
    }

    /// Add a whole bundle (it should hold a `pacto.yaml`) under `reference`.
    pub fn insert_bundle(&mut self, reference: &str, bundle: MemBundle) {
        self.bundles.insert(reference.to_string(), Arc::new(bundle));
    }

    pub fn with(mut self, reference: &str, contract: &str) -> MemFetcher {
        self.insert(reference, contract);
        self
    }

    /// The tags of an untagged `oci://` ref (written as dependencies write it, without a tag).
    /// The bundle for tag `t` is looked up as `<reference>:<t>`.
    pub fn with_tags(mut self, reference: &str, tags: &[&str]) -> MemFetcher {
        self.tags.insert(
            reference.to_string(),
            tags.iter().map(|t| t.to_string()).collect(),
        );
        self
    }

    /// Every fetch sleeps this long.
    pub fn with_delay(mut self, delay: Duration) -> MemFetcher {
        self.default_delay = delay;
        self
    }

    /// Fetches of `reference` sleep this long (instead of the default delay).
    pub fn set_delay(&mut self, reference: &str, delay: Duration) {
        self.delays.insert(reference.to_string(), delay);
    }

    /// How many fetches were made.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// The most fetches that were running at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }

    /// The references fetched, in the order the fetches started.
    pub fn fetched(&self) -> Vec<String> {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn lookup(
        &self,
        reference: &str,
        compatibility: Option<&Constraint>,
    ) -> Result<Fetched, String> {
        let found = |r: &str| {
            self.bundles.get(r).map(|b| {
                let text = b
                    .read(CONTRACT_FILE)
                    .ok()
                    .and_then(|bytes| bundle::decode_utf8(bytes).ok())
                    .unwrap_or_default();
                Fetched {
                    bundle: b.clone() as Arc<dyn Bundle>,
                    contract_text: text,
                    resolved_ref: r.to_string(),
                }
            })
        };
        if let Some(f) = found(reference) {
            return Ok(f);
        }
        let parsed = parse_dependency_ref(reference);
        if parsed.scheme == RefScheme::Local {
            return Err(format!(
                "failed to access {}: no such file or directory",
                parsed.location
            ));
        }
        if has_explicit_tag(&parsed.location) {
            return Err(format!("artifact not found: {}", parsed.location));
        }
        let Some(tags) = self.tags.get(reference) else {
            return Err(format!("artifact not found: {}", parsed.location));
        };
        let tag = match highest_matching(tags.iter().map(String::as_str), compatibility) {
            Some((tag, _)) => tag,
            None if tags.iter().any(|t| Version::parse(t).is_ok()) => {
                return Err(format!(
                    "no tags satisfy constraint {:?}",
                    compatibility.map_or("", |c| c.as_str())
                ))
            }
            None => return Err("no semver tags found".to_string()),
        };
        let tagged = format!("{reference}:{tag}");
        found(&tagged).ok_or_else(|| format!("artifact not found: {}:{tag}", parsed.location))
    }
}

impl Fetcher for MemFetcher {
    fn fetch(
        &self,
        reference: &str,
        compatibility: Option<&Constraint>,
    ) -> Result<Fetched, String> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(reference.to_string());
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let delay = self
            .delays
            .get(reference)
            .copied()
            .unwrap_or(self.default_delay);
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        let result = self.lookup(reference, compatibility);
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        result
    }
}
