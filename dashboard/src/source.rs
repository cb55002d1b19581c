//! Where contracts come from (spec §5.2): local directories, OCI repositories and the disk
//! cache. Each [`ContractSource`] scans into a [`Scan`] (every service it knows, every version,
//! the bundles it has materialized) and loads further versions on demand. All calls block; the
//! server runs them on the blocking pool.

use pacto_core::bundle::{Bundle, CONTRACT_FILE};
use pacto_core::graph::{self, Fetched, Resolved};
use pacto_core::registry::{cache::sha256_hex, Registry, RegistryOptions};
use pacto_core::validate::{self, LocalResolver, Options};
use pacto_core::version::Version;
use pacto_core::Diagnostic;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::UNIX_EPOCH;

/// Most bundles one source materializes in a scan (a bound on memory and time).
pub const MAX_BUNDLES: usize = 20_000;
/// Most repositories the OCI discovery visits.
pub const MAX_REPOSITORIES: usize = 2_000;

/// The kind of a source, in the spec's priority order for contract content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Local,
    Oci,
    Cache,
    K8s,
    /// Observed traffic from an OpenTelemetry trace file (`--traces`); never contract content.
    Traces,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Local => "local",
            SourceKind::Oci => "oci",
            SourceKind::Cache => "cache",
            SourceKind::K8s => "k8s",
            SourceKind::Traces => "traces",
        }
    }
}

/// One materialized bundle: parsed, validated, hashed.
pub struct Loaded {
    pub resolved: Resolved,
    pub contract_text: String,
    /// Hex sha256 of `pacto.yaml`.
    pub contract_hash: String,
    pub diagnostics: Vec<Diagnostic>,
    pub source: SourceKind,
    /// The directory or `oci://` reference it was loaded from.
    pub reference: String,
    /// Seconds since the epoch when it was materialized.
    pub loaded_at: u64,
}

impl std::fmt::Debug for Loaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loaded")
            .field("reference", &self.reference)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl Loaded {
    pub fn name(&self) -> &str {
        self.resolved.contract.service_name()
    }
    pub fn version(&self) -> &str {
        self.resolved.contract.service_version()
    }
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// How the dashboard resolves `oci://` policy references (issue 15: they were all reported
/// "not enforced: offline mode" without `--offline`): a bundle of the same fleet (the local
/// directory) first, then the live registry. Only `offline` (`--offline`) skips them.
#[derive(Clone, Default)]
pub struct Policies {
    /// The local source's directory: policy bundles of the same fleet.
    pub local_root: Option<PathBuf>,
    /// The live registry (absent: references outside the fleet stay unresolved, with why).
    pub registry: Option<Arc<Registry>>,
    /// `--offline`: remote policies are reported as not enforced, never fetched.
    pub offline: bool,
}

impl std::fmt::Debug for Policies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policies")
            .field("local_root", &self.local_root)
            .field("registry", &self.registry.is_some())
            .field("offline", &self.offline)
            .finish()
    }
}

/// `host/path/name[:tag][@digest]` → (`name`, the tag when given).
fn ref_name_and_tag(location: &str) -> (String, Option<String>) {
    let no_digest = location.split('@').next().unwrap_or(location);
    let tag = match (no_digest.rfind(':'), no_digest.rfind('/')) {
        (Some(c), Some(s)) if c > s => Some(no_digest[c + 1..].to_string()),
        (Some(c), None) => Some(no_digest[c + 1..].to_string()),
        _ => None,
    };
    (graph::oci_ref_name(no_digest), tag)
}

impl Policies {
    /// The fleet's bundle named `name` (at `tag` when given, else its highest version).
    fn in_fleet(&self, name: &str, tag: Option<&str>) -> Option<validate::ResolvedBundle> {
        let root = self.local_root.as_ref()?;
        let mut best: Option<(Version, pacto_core::bundle::LoadedDir)> = None;
        for dir in bundle_dirs(root) {
            // Cheap filter first: the service's directory (or its parent, for version dirs).
            let parent = dir.parent().map(dir_name).unwrap_or_default();
            if dir_name(&dir) != name && parent != name && root.as_path() != dir.as_path() {
                continue;
            }
            let Ok(loaded) = pacto_core::bundle::load_dir(&dir.to_string_lossy()) else {
                continue;
            };
            let parsed = pacto_core::syntax::parse(&loaded.text, &Default::default());
            let Some(tree) = parsed.tree else { continue };
            let contract = pacto_core::model::Contract::from_tree(&tree);
            if contract.service_name() != name {
                continue;
            }
            let version = contract.service_version().to_string();
            if let Some(t) = tag {
                if t == version || t.strip_prefix('v') == Some(version.as_str()) {
                    return Some(validate::ResolvedBundle {
                        bundle: Box::new(loaded.bundle),
                        contract_text: loaded.text,
                    });
                }
                continue;
            }
            if let Ok(v) = Version::parse(&version) {
                if best.as_ref().is_none_or(|(b, _)| v > *b) {
                    best = Some((v, loaded));
                }
            }
        }
        best.map(|(_, loaded)| validate::ResolvedBundle {
            bundle: Box::new(loaded.bundle),
            contract_text: loaded.text,
        })
    }
}

impl validate::RefResolver for Policies {
    fn resolve(&self, reference: &str) -> Result<validate::ResolvedBundle, String> {
        let parsed = pacto_core::registry::parse_dependency_ref(reference);
        if parsed.scheme != pacto_core::registry::RefScheme::Oci {
            return Err(format!(
                "the local reference {reference:?} cannot be resolved inside a bundle pulled from a registry"
            ));
        }
        let (name, tag) = ref_name_and_tag(&parsed.location);
        if let Some(found) = self.in_fleet(&name, tag.as_deref()) {
            return Ok(found);
        }
        let fleet = match (&self.local_root, &tag) {
            (Some(_), Some(t)) => format!("no bundle {name} {t} in the local fleet"),
            (Some(_), None) => format!("no bundle {name} in the local fleet"),
            (None, _) => "no local fleet".to_string(),
        };
        match &self.registry {
            Some(reg) => validate::RefResolver::resolve(reg.as_ref(), reference)
                .map_err(|e| format!("{fleet}, and the registry failed: {e}")),
            None => Err(format!("{fleet}, and no registry client is configured")),
        }
    }
}

/// Parse and validate a fetched bundle. `base` resolves local policy/config refs; `policies`
/// resolves `oci://` ones.
pub fn materialize(
    fetched: Fetched,
    source: SourceKind,
    reference: &str,
    base: Option<&Path>,
    policies: &Policies,
) -> Result<Loaded, String> {
    let text = fetched.contract_text.clone();
    let bundle = fetched.bundle.clone();
    let resolved = graph::parse_fetched(fetched)?;
    let options = Options {
        offline: policies.offline,
        ..Options::default()
    };
    let v = match base {
        Some(dir) => validate::validate(
            &text,
            Some(bundle.as_ref()),
            &LocalResolver::new(dir).with_registry(policies),
            &options,
        ),
        None => validate::validate(&text, Some(bundle.as_ref()), policies, &options),
    };
    Ok(Loaded {
        contract_hash: sha256_hex(text.as_bytes()),
        contract_text: text,
        resolved,
        diagnostics: v.diagnostics,
        source,
        reference: reference.to_string(),
        loaded_at: now_secs(),
    })
}

/// One version of one service as a source knows it.
#[derive(Clone, Debug)]
pub struct Slot {
    pub version: String,
    /// Directory or `oci://repo:tag`.
    pub reference: String,
    pub loaded: Option<Arc<Loaded>>,
}

/// What a scan found.
#[derive(Default, Debug, Clone)]
pub struct Scan {
    /// service name → version → slot.
    pub services: BTreeMap<String, BTreeMap<String, Slot>>,
    /// Problems that did not stop the scan (one repository down, a broken bundle).
    pub problems: Vec<String>,
}

impl Scan {
    fn add(&mut self, name: &str, slot: Slot) {
        self.services
            .entry(name.to_string())
            .or_default()
            .entry(slot.version.clone())
            .or_insert(slot);
    }
}

/// A source of contract content.
pub trait ContractSource: Send + Sync {
    fn kind(&self) -> SourceKind;
    /// Where it reads from, for people.
    fn describe(&self) -> String;
    /// Everything the source knows now. `Err` means the source failed as a whole (degraded).
    fn scan(&self) -> Result<Scan, String>;
    /// Materialize the version at `reference` (a slot's reference).
    fn load(&self, reference: &str) -> Result<Arc<Loaded>, String>;
    /// Forget remembered answers, so the next scan asks again (the refresh button).
    fn invalidate(&self) {}
}

/// How long an OCI scan is reused before the registry is asked again (spec §5.1: 5 min per
/// source, 60 s rediscovery; pulling a new version on demand refreshes it at once).
pub const OCI_RESCAN: std::time::Duration = std::time::Duration::from_secs(60);

/// Highest semver first; non-semver versions last, by text.
pub fn sort_versions_desc(versions: &mut [String]) {
    versions.sort_by(|a, b| match (Version::parse(a), Version::parse(b)) {
        (Ok(x), Ok(y)) => y.cmp(&x).then_with(|| a.cmp(b)),
        (Ok(_), Err(_)) => std::cmp::Ordering::Less,
        (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
        (Err(_), Err(_)) => a.cmp(b),
    });
}

/// The highest version among `slots` (semver order).
pub fn highest<'a>(versions: impl Iterator<Item = &'a String>) -> Option<String> {
    let mut v: Vec<String> = versions.cloned().collect();
    sort_versions_desc(&mut v);
    v.into_iter().next()
}

// ---------------------------------------------------------------------------------------------
// Local directories

/// A directory holding bundles: `DIR/pacto.yaml`, `DIR/<svc>/pacto.yaml`, or
/// `DIR/<svc>/<version>/pacto.yaml` (one directory per published version).
pub struct LocalSource {
    root: PathBuf,
    /// bundle dir → (fingerprint, loaded), so unchanged bundles are not re-read.
    memo: Mutex<HashMap<PathBuf, (u64, Arc<Loaded>)>>,
    policies: Policies,
}

impl LocalSource {
    pub fn new(root: impl Into<PathBuf>) -> LocalSource {
        let root = root.into();
        LocalSource {
            policies: Policies {
                local_root: Some(root.clone()),
                ..Policies::default()
            },
            root,
            memo: Mutex::new(HashMap::new()),
        }
    }

    /// Resolve `oci://` policy references with `policies` (its fleet defaults to this root).
    pub fn with_policies(mut self, mut policies: Policies) -> LocalSource {
        if policies.local_root.is_none() {
            policies.local_root = Some(self.root.clone());
        }
        self.policies = policies;
        self
    }

    /// Whether `dir` holds bundles as this source reads them, and where (the reason text).
    pub fn detect(dir: &Path) -> Option<String> {
        if has_contract(dir) {
            return Some(format!("{} contains {CONTRACT_FILE}", dir.display()));
        }
        let n = bundle_dirs(dir).len();
        (n > 0).then(|| format!("{n} bundle(s) under {}", dir.display()))
    }
}

fn sorted_subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Whether `dir` has a `pacto.yaml` entry of any kind. A symbolic link counts without being
/// followed, so one that leaves the bundle (or dangles) is loaded and reported as escaping
/// instead of being skipped silently.
fn has_contract(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir.join(CONTRACT_FILE)).is_ok()
}

/// The bundle directories under `root` (at most two levels deep), sorted, bounded.
pub fn bundle_dirs(root: &Path) -> Vec<PathBuf> {
    if has_contract(root) {
        return vec![root.to_path_buf()];
    }
    let mut out = Vec::new();
    for sub in sorted_subdirs(root) {
        if has_contract(&sub) {
            out.push(sub);
        } else {
            for version_dir in sorted_subdirs(&sub) {
                if has_contract(&version_dir) {
                    out.push(version_dir);
                }
                if out.len() >= MAX_BUNDLES {
                    return out;
                }
            }
        }
        if out.len() >= MAX_BUNDLES {
            break;
        }
    }
    out
}

/// A cheap change detector for a bundle directory: paths, sizes and mtimes of its files.
fn fingerprint(dir: &Path) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let mut stack = vec![(dir.to_path_buf(), 0usize)];
    let mut files = 0usize;
    while let Some((d, depth)) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut entries: Vec<_> = rd.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            files += 1;
            if files > 5_000 {
                return h.finish();
            }
            let Ok(meta) = e.metadata() else { continue };
            e.file_name().hash(&mut h);
            meta.len().hash(&mut h);
            if let Ok(m) = meta.modified() {
                m.hash(&mut h);
            }
            if meta.is_dir() && depth < 8 {
                stack.push((e.path(), depth + 1));
            }
        }
    }
    h.finish()
}

impl LocalSource {
    fn load_dir(&self, dir: &Path) -> Result<Arc<Loaded>, String> {
        let fp = fingerprint(dir);
        if let Some((f, l)) = lock(&self.memo).get(dir) {
            if *f == fp {
                return Ok(l.clone());
            }
        }
        let display = dir.display().to_string();
        let loaded = pacto_core::bundle::load_dir(&display).map_err(|e| e.to_string())?;
        let fetched = Fetched {
            bundle: Arc::new(loaded.bundle) as Arc<dyn Bundle>,
            contract_text: loaded.text,
            resolved_ref: display.clone(),
        };
        let l = Arc::new(materialize(
            fetched,
            SourceKind::Local,
            &display,
            Some(dir),
            &self.policies,
        )?);
        lock(&self.memo).insert(dir.to_path_buf(), (fp, l.clone()));
        Ok(l)
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn dir_name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl ContractSource for LocalSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Local
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    fn scan(&self) -> Result<Scan, String> {
        if !self.root.is_dir() {
            return Err(format!("{} is not a directory", self.root.display()));
        }
        let dirs = bundle_dirs(&self.root);
        if dirs.is_empty() {
            return Err(format!("no {CONTRACT_FILE} under {}", self.root.display()));
        }
        let mut scan = Scan::default();
        for dir in dirs {
            match self.load_dir(&dir) {
                Ok(l) => {
                    let mut name = l.name().to_string();
                    if name.is_empty() {
                        // A contract without a name still shows, under its directory's name.
                        let parent = dir.parent().map(dir_name).unwrap_or_default();
                        name = if dir_name(&dir).parse::<f64>().is_ok() || parent.is_empty() {
                            parent
                        } else {
                            dir_name(&dir)
                        };
                    }
                    let version = match l.version() {
                        "" => "unknown".to_string(),
                        v => v.to_string(),
                    };
                    let dup = scan
                        .services
                        .get(&name)
                        .is_some_and(|v| v.contains_key(&version));
                    if dup {
                        scan.problems.push(format!(
                            "{}: {name} {version} is also defined elsewhere; ignored",
                            dir.display()
                        ));
                        continue;
                    }
                    scan.add(
                        &name,
                        Slot {
                            version,
                            reference: l.reference.clone(),
                            loaded: Some(l),
                        },
                    );
                }
                Err(e) => scan.problems.push(format!("{}: {e}", dir.display())),
            }
        }
        Ok(scan)
    }

    fn load(&self, reference: &str) -> Result<Arc<Loaded>, String> {
        self.load_dir(Path::new(reference))
    }
}

// ---------------------------------------------------------------------------------------------
// OCI repositories

/// `oci://host/repo[:tag|@digest]` → `host/repo`.
pub fn strip_tag(reference: &str) -> String {
    let r = reference.strip_prefix("oci://").unwrap_or(reference);
    let r = r.split('@').next().unwrap_or(r);
    match (r.rfind(':'), r.rfind('/')) {
        (Some(c), Some(s)) if c > s => r[..c].to_string(),
        _ => r.to_string(),
    }
}

fn host_of(repo: &str) -> &str {
    repo.split('/').next().unwrap_or(repo)
}

/// OCI repositories: the latest version of each is pulled at scan time, the others are listed
/// and pulled on demand ([`ContractSource::load`]). Dependencies that point to other
/// repositories on the same registry host are discovered breadth first.
pub struct OciSource {
    registry: Arc<Registry>,
    repos: Vec<String>,
    kind: SourceKind,
    loaded: Mutex<HashMap<String, Arc<Loaded>>>,
    last: Mutex<Option<(std::time::Instant, Scan)>>,
    policies: Policies,
}

impl OciSource {
    pub fn new(registry: Arc<Registry>, repos: &[String]) -> OciSource {
        let mut r: Vec<String> = repos.iter().map(|r| strip_tag(r)).collect();
        r.dedup();
        OciSource {
            policies: Policies {
                registry: Some(registry.clone()),
                offline: registry.is_offline(),
                ..Policies::default()
            },
            registry,
            repos: r,
            kind: SourceKind::Oci,
            loaded: Mutex::new(HashMap::new()),
            last: Mutex::new(None),
        }
    }

    pub fn repos(&self) -> &[String] {
        &self.repos
    }

    /// Resolve `oci://` policy references with `policies` (the fleet, then this registry).
    pub fn with_policies(mut self, policies: Policies) -> OciSource {
        self.policies = Policies {
            registry: policies.registry.or_else(|| Some(self.registry.clone())),
            ..policies
        };
        self
    }

    fn pull(&self, reference: &str) -> Result<Arc<Loaded>, String> {
        let key = reference.strip_prefix("oci://").unwrap_or(reference);
        if let Some(l) = lock(&self.loaded).get(key) {
            return Ok(l.clone());
        }
        let p = self.registry.pull(key).map_err(|e| e.to_string())?;
        let fetched = Fetched {
            bundle: Arc::new(p.bundle) as Arc<dyn Bundle>,
            contract_text: p.contract_text,
            resolved_ref: format!("oci://{}", p.resolved_ref),
        };
        let l = Arc::new(materialize(
            fetched,
            self.kind,
            &format!("oci://{key}"),
            None,
            &self.policies,
        )?);
        lock(&self.loaded).insert(key.to_string(), l.clone());
        // The remembered scan does not know this bundle yet.
        *lock(&self.last) = None;
        Ok(l)
    }

    /// Pull every version of `repo` (the "fetch all versions" action). Returns how many failed.
    pub fn fetch_all(&self, repo: &str) -> Result<(usize, Vec<String>), String> {
        let tags = self.registry.list_tags(repo).map_err(|e| e.to_string())?;
        let mut ok = 0;
        let mut failed = Vec::new();
        for t in tags {
            match self.pull(&format!("{repo}:{t}")) {
                Ok(_) => ok += 1,
                Err(e) => failed.push(format!("{repo}:{t}: {e}")),
            }
        }
        Ok((ok, failed))
    }
}

impl ContractSource for OciSource {
    fn kind(&self) -> SourceKind {
        self.kind
    }

    fn describe(&self) -> String {
        self.repos
            .iter()
            .map(|r| format!("oci://{r}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn invalidate(&self) {
        *lock(&self.last) = None;
    }

    fn scan(&self) -> Result<Scan, String> {
        if let Some((at, scan)) = lock(&self.last).as_ref() {
            if at.elapsed() < OCI_RESCAN {
                return Ok(scan.clone());
            }
        }
        let result = self.scan_now();
        if let Ok(scan) = &result {
            *lock(&self.last) = Some((std::time::Instant::now(), scan.clone()));
        }
        result
    }

    fn load(&self, reference: &str) -> Result<Arc<Loaded>, String> {
        self.pull(reference)
    }
}

impl OciSource {
    fn scan_now(&self) -> Result<Scan, String> {
        // Tags move: ask the registry again (blobs stay in the disk cache). The disk cache's
        // tag listing (kept for minutes, PACTO_CACHE_TAG_TTL) is dropped too, so a refresh
        // sees a tag pushed a second ago; offline, the listing is all there is.
        self.registry.forget();
        if !self.registry.is_offline() {
            for repo in &self.repos {
                if let Ok(t) = pacto_core::registry::Target::parse(repo) {
                    self.registry.cache().drop_tag_list(&t.repo);
                }
            }
        }
        let hosts: BTreeSet<&str> = self.repos.iter().map(|r| host_of(r)).collect();
        let mut queue: VecDeque<String> = self.repos.iter().cloned().collect();
        let mut seen: BTreeSet<String> = queue.iter().cloned().collect();
        let mut scan = Scan::default();
        let mut failures = 0usize;
        while let Some(repo) = queue.pop_front() {
            let configured = self.repos.contains(&repo);
            let tags = match self.registry.list_tags(&repo) {
                Ok(t) => t,
                Err(e) => {
                    if configured {
                        failures += 1;
                    }
                    scan.problems.push(format!("oci://{repo}: {e}"));
                    continue;
                }
            };
            let mut versions: Vec<String> = tags
                .iter()
                .filter(|t| Version::parse(t).is_ok())
                .cloned()
                .collect();
            sort_versions_desc(&mut versions);
            let Some(latest) = versions.first().cloned() else {
                scan.problems.push(format!("oci://{repo}: no semver tags"));
                continue;
            };
            let latest_loaded = match self.pull(&format!("{repo}:{latest}")) {
                Ok(l) => l,
                Err(e) => {
                    if configured {
                        failures += 1;
                    }
                    scan.problems.push(format!("oci://{repo}:{latest}: {e}"));
                    continue;
                }
            };
            let name = match latest_loaded.name() {
                "" => repo.rsplit('/').next().unwrap_or(&repo).to_string(),
                n => n.to_string(),
            };
            for dep in &latest_loaded.resolved.contract.dependencies {
                let r = dep.reference();
                if r.starts_with("oci://") {
                    let dep_repo = strip_tag(r);
                    if hosts.contains(host_of(&dep_repo))
                        && seen.len() < MAX_REPOSITORIES
                        && seen.insert(dep_repo.clone())
                    {
                        queue.push_back(dep_repo);
                    }
                }
            }
            let cached = lock(&self.loaded).clone();
            for v in versions {
                let key = format!("{repo}:{v}");
                scan.add(
                    &name,
                    Slot {
                        version: v,
                        reference: format!("oci://{key}"),
                        loaded: cached.get(&key).cloned(),
                    },
                );
            }
        }
        if failures > 0 && failures >= self.repos.len() {
            return Err(scan.problems.join("; "));
        }
        Ok(scan)
    }
}

// ---------------------------------------------------------------------------------------------
// The disk cache

/// The bundles in the disk cache, read offline (`tags/<registry>/<repository>/@tags/<tag>.json`).
pub struct CacheSource {
    root: PathBuf,
    inner: OciSource,
}

impl CacheSource {
    pub fn new(root: impl Into<PathBuf>) -> CacheSource {
        let root = root.into();
        let options = RegistryOptions {
            offline: true,
            cache_dir: Some(root.clone()),
            ..RegistryOptions::default()
        };
        let registry = Arc::new(Registry::new(
            options,
            Arc::new(pacto_core::registry::auth::Anonymous),
        ));
        let mut inner = OciSource::new(registry, &[]);
        inner.kind = SourceKind::Cache;
        // Reading the cache is offline by design; its policy references are still resolved
        // (from the cache, the fleet, or the live registry given by `with_policies`).
        inner.policies.offline = false;
        CacheSource { root, inner }
    }

    /// Resolve `oci://` policy references with `policies` (the fleet, then its registry,
    /// else the cache).
    pub fn with_policies(mut self, policies: Policies) -> CacheSource {
        self.inner = self.inner.with_policies(policies);
        self
    }

    /// Repositories with at least one cached tag.
    pub fn repositories(&self) -> Vec<String> {
        let tags = self.root.join("tags");
        let mut out = Vec::new();
        // tags/<registry>/<repo path...>/@tags
        let mut stack = vec![(tags.clone(), 0usize)];
        while let Some((d, depth)) = stack.pop() {
            if depth > 10 || out.len() >= MAX_REPOSITORIES {
                continue;
            }
            for sub in sorted_subdirs(&d) {
                if dir_name(&sub) == "@tags" {
                    if let Ok(rel) = d.strip_prefix(&tags) {
                        let parts: Vec<String> = rel
                            .components()
                            .map(|c| c.as_os_str().to_string_lossy().into_owned())
                            .collect();
                        if parts.len() >= 2 {
                            let mut parts = parts;
                            parts[0] = unescape_registry(&parts[0]);
                            out.push(parts.join("/"));
                        }
                    }
                } else {
                    stack.push((sub, depth + 1));
                }
            }
        }
        out.sort();
        out
    }

    pub fn detect(root: &Path) -> Option<String> {
        let n = CacheSource::new(root).repositories().len();
        (n > 0).then(|| format!("{n} cached repositories in {}", root.display()))
    }
}

/// The cache writes `host:port` as `host_port` (portable file names); undo it.
fn unescape_registry(dir: &str) -> String {
    match dir.rsplit_once('_') {
        Some((host, port))
            if !host.is_empty() && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) =>
        {
            format!("{host}:{port}")
        }
        _ => dir.to_string(),
    }
}

impl ContractSource for CacheSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Cache
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    fn scan(&self) -> Result<Scan, String> {
        let repos = self.repositories();
        if repos.is_empty() {
            return Err(format!("no cached bundles in {}", self.root.display()));
        }
        let src = OciSource {
            registry: self.inner.registry.clone(),
            repos,
            kind: SourceKind::Cache,
            loaded: Mutex::new(lock(&self.inner.loaded).clone()),
            last: Mutex::new(None),
            policies: self.inner.policies.clone(),
        };
        let scan = src.scan_now();
        lock(&self.inner.loaded).extend(lock(&src.loaded).drain());
        scan
    }

    fn load(&self, reference: &str) -> Result<Arc<Loaded>, String> {
        self.inner.pull(reference)
    }
}
