//! Registry-backed knowledge: resolved dependencies, tag listings, the published version of the
//! contract being edited, and the repositories seen in the disk cache.
//!
//! Handlers never wait on the network. They ask [`Remote`] for what it knows; a miss starts one
//! background fetch (on the blocking pool, bounded by the configured timeout) and answers
//! [`Lookup::Pending`]. When a fetch lands, the [`Events`] listener hears about it so the server
//! can ask the client to refresh inlay hints and code lenses, and report `$/progress`. Answers are
//! kept for five minutes; failures for thirty seconds, so a registry that is down is not asked
//! on every keystroke.

use pacto_core::graph::Resolved;
use pacto_core::registry::{Registry, RegistryOptions, Target};
use pacto_core::version::Version;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long an answer is reused.
const KEEP: Duration = Duration::from_secs(300);
/// How long a failure is remembered before the registry is asked again.
const KEEP_FAILURE: Duration = Duration::from_secs(30);
/// Most entries per table before the oldest are dropped.
const MAX_ENTRIES: usize = 512;

/// What the registry said about a dependency reference.
#[derive(Debug, Clone)]
pub struct DepInfo {
    /// `service.name` of the resolved contract.
    pub name: String,
    /// `service.version` of the resolved contract.
    pub version: String,
    /// The reference loaded (with the chosen tag when the ref had none), without `oci://`.
    pub resolved_ref: String,
    /// The manifest digest.
    pub digest: String,
    pub owner: Option<String>,
    /// `(name, type, port)` of each interface.
    pub interfaces: Vec<(String, String, Option<i64>)>,
    /// The resolved `pacto.yaml`, written under the cache for go-to-definition.
    pub contract_file: Option<PathBuf>,
}

/// The highest version of this contract already published to its repository.
pub struct Published {
    /// The published contract, or why it cannot be read as one (a diff against it would
    /// otherwise say "no changes" for everything it does not understand).
    pub resolved: std::result::Result<Resolved, String>,
    /// The reference loaded, without `oci://`.
    pub reference: String,
    pub version: String,
}

/// The answer to a question about the registry.
#[derive(Debug, Clone)]
pub enum Lookup<T> {
    Ready(Arc<T>),
    /// A fetch is running (or was just started).
    Pending,
    Failed(String),
}

impl<T> Lookup<T> {
    pub fn ready(&self) -> Option<&Arc<T>> {
        match self {
            Lookup::Ready(t) => Some(t),
            _ => None,
        }
    }
}

/// Told when background fetches start and end (progress reporting, client refreshes).
pub trait Events: Send + Sync {
    /// A fetch began; `id` identifies it in [`Events::finished`].
    fn started(&self, id: u64, title: &str);
    /// A fetch ended (`ok` false for a failure or timeout).
    fn finished(&self, id: u64, ok: bool);
}

struct NoEvents;
impl Events for NoEvents {
    fn started(&self, _: u64, _: &str) {}
    fn finished(&self, _: u64, _: bool) {}
}

enum State<T> {
    Pending,
    Ready(Arc<T>),
    Failed(String),
}

struct Entry<T> {
    state: State<T>,
    at: Instant,
}

type Table<T> = Mutex<HashMap<String, Entry<T>>>;

/// Registry answers for one language server.
pub struct Remote {
    registry: Arc<Registry>,
    timeout: Duration,
    /// Where resolved dependency contracts are written for go-to-definition.
    files_dir: Option<PathBuf>,
    events: Arc<dyn Events>,
    next_id: Mutex<u64>,
    deps: Table<DepInfo>,
    tags: Table<Vec<String>>,
    published: Table<Published>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Remote {
    /// A remote over `options` (the environment's keychain and cache), each fetch bounded by
    /// `timeout`.
    pub fn new(mut options: RegistryOptions, timeout: Duration) -> Remote {
        options.client.connect_timeout = options.client.connect_timeout.min(timeout);
        options.client.io_timeout = options.client.io_timeout.min(timeout);
        let registry = Registry::from_env(options);
        let files_dir = registry.cache().root().map(|r| r.join("lsp"));
        Remote {
            registry: Arc::new(registry),
            timeout,
            files_dir,
            events: Arc::new(NoEvents),
            next_id: Mutex::new(0),
            deps: Mutex::default(),
            tags: Mutex::default(),
            published: Mutex::default(),
        }
    }

    pub fn with_events(mut self, events: Arc<dyn Events>) -> Remote {
        self.events = events;
        self
    }

    /// The dependency `reference` (with its `compatibility`), resolved.
    pub fn dependency(
        self: &Arc<Self>,
        reference: &str,
        compatibility: Option<&str>,
    ) -> Lookup<DepInfo> {
        let compat = compatibility.map(str::trim).filter(|c| !c.is_empty());
        let key = format!("{reference}\u{0}{}", compat.unwrap_or(""));
        let (reference, compat) = (reference.to_string(), compat.map(str::to_string));
        let files_dir = self.files_dir.clone();
        self.lookup(
            |r| &r.deps,
            key,
            format!("Resolving {reference}"),
            move |registry| {
                let pulled = registry
                    .fetch_compatible(&reference, compat.as_deref())
                    .map_err(|e| e.to_string())?;
                Ok(dep_info(&pulled, files_dir.as_deref()))
            },
        )
    }

    /// The tags of the repository of `reference`, newest semantic version first, then the
    /// other tags in reverse lexical order.
    pub fn tags(self: &Arc<Self>, reference: &str) -> Lookup<Vec<String>> {
        let Ok(target) = Target::parse(reference) else {
            return Lookup::Failed(format!("{reference} is not an OCI reference"));
        };
        let repo = target.repo.to_string();
        self.lookup(
            |r| &r.tags,
            repo.clone(),
            format!("Listing tags of {repo}"),
            move |registry| {
                let mut tags = registry.list_tags(&repo).map_err(|e| e.to_string())?;
                sort_newest_first(&mut tags);
                Ok(tags)
            },
        )
    }

    /// The highest semantic version published to `repository`.
    pub fn published(self: &Arc<Self>, repository: &str) -> Lookup<Published> {
        let repository = repository.trim().to_string();
        self.lookup(
            |r| &r.published,
            repository.clone(),
            format!("Fetching the published version of {repository}"),
            move |registry| {
                let pulled = registry.pull(&repository).map_err(|e| e.to_string())?;
                let reference = pulled.resolved_ref.clone();
                let resolved = pacto_core::graph::parse_fetched(pacto_core::graph::Fetched {
                    bundle: Arc::new(pulled.bundle),
                    contract_text: pulled.contract_text,
                    resolved_ref: format!("oci://{reference}"),
                })
                .and_then(|r| {
                    pacto_core::diff::check_comparable(&r.tree, &r.file)?;
                    Ok(r)
                });
                let version = match &resolved {
                    Ok(r) => r
                        .contract
                        .service
                        .as_ref()
                        .and_then(|s| s.version.as_ref())
                        .map(|v| v.value.clone())
                        .unwrap_or_default(),
                    // The tag that was pulled.
                    Err(_) => reference
                        .split('@')
                        .next()
                        .and_then(|r| r.rsplit_once(':'))
                        .map(|(_, tag)| tag)
                        .filter(|t| !t.contains('/'))
                        .unwrap_or_default()
                        .to_string(),
                };
                Ok(Published {
                    resolved,
                    reference,
                    version,
                })
            },
        )
    }

    /// Repositories seen in the disk cache, as `oci://registry/repository`.
    pub fn cached_repositories(&self, max: usize) -> Vec<String> {
        self.registry
            .cache()
            .repositories(max)
            .into_iter()
            .map(|r| format!("oci://{r}"))
            .collect()
    }

    /// Wait until `f` stops answering [`Lookup::Pending`], at most `limit`.
    pub async fn settle<T>(&self, limit: Duration, mut f: impl FnMut() -> Lookup<T>) -> Lookup<T> {
        let deadline = Instant::now() + limit;
        loop {
            let l = f();
            if !matches!(l, Lookup::Pending) || Instant::now() >= deadline {
                return l;
            }
            tokio::time::sleep(Duration::from_millis(15)).await;
        }
    }

    /// The cached answer for `key`, or start computing it in the background.
    fn lookup<T: Send + Sync + 'static>(
        self: &Arc<Self>,
        table: fn(&Remote) -> &Table<T>,
        key: String,
        title: String,
        work: impl FnOnce(&Registry) -> Result<T, String> + Send + 'static,
    ) -> Lookup<T> {
        {
            let mut t = lock(table(self));
            if let Some(e) = t.get(&key) {
                let age = e.at.elapsed();
                match &e.state {
                    State::Pending => return Lookup::Pending,
                    State::Ready(v) if age < KEEP => return Lookup::Ready(v.clone()),
                    State::Failed(m) if age < KEEP_FAILURE => return Lookup::Failed(m.clone()),
                    _ => {}
                }
            }
            if t.len() >= MAX_ENTRIES {
                if let Some(oldest) = t
                    .iter()
                    .filter(|(_, e)| !matches!(e.state, State::Pending))
                    .min_by_key(|(_, e)| e.at)
                    .map(|(k, _)| k.clone())
                {
                    t.remove(&oldest);
                }
            }
            t.insert(
                key.clone(),
                Entry {
                    state: State::Pending,
                    at: Instant::now(),
                },
            );
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            lock(table(self)).remove(&key);
            return Lookup::Failed("no runtime to fetch on".to_string());
        };
        let id = {
            let mut n = lock(&self.next_id);
            *n += 1;
            *n
        };
        self.events.started(id, &title);
        let this = Arc::clone(self);
        handle.spawn(async move {
            let registry = Arc::clone(&this.registry);
            let job = tokio::task::spawn_blocking(move || {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&registry)))
                    .unwrap_or_else(|_| Err("the fetch panicked".to_string()))
            });
            let result = match tokio::time::timeout(this.timeout, job).await {
                Ok(Ok(r)) => r,
                Ok(Err(e)) => Err(format!("the fetch failed: {e}")),
                Err(_) => Err(format!(
                    "the registry did not answer within {} ms",
                    this.timeout.as_millis()
                )),
            };
            let ok = result.is_ok();
            if let Err(e) = &result {
                crate::log(&format!("{title}: {e}"));
            }
            lock(table(&this)).insert(
                key,
                Entry {
                    state: match result {
                        Ok(v) => State::Ready(Arc::new(v)),
                        Err(e) => State::Failed(e),
                    },
                    at: Instant::now(),
                },
            );
            this.events.finished(id, ok);
        });
        Lookup::Pending
    }
}

fn dep_info(pulled: &pacto_core::registry::Pulled, files_dir: Option<&std::path::Path>) -> DepInfo {
    let parsed = pacto_core::syntax::parse(
        &pulled.contract_text,
        &pacto_core::syntax::Limits::default(),
    );
    let contract = parsed
        .tree
        .as_ref()
        .map(pacto_core::model::Contract::from_tree);
    let service = contract.as_ref().and_then(|c| c.service.as_ref());
    let text = |s: Option<&pacto_core::model::Spanned<String>>| {
        s.map(|v| v.value.clone()).unwrap_or_default()
    };
    let interfaces = contract
        .as_ref()
        .map(|c| {
            c.interfaces
                .iter()
                .map(|i| {
                    (
                        text(i.name.as_ref()),
                        text(i.kind.as_ref()),
                        i.port.as_ref().map(|p| p.value),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let contract_file = files_dir.and_then(|dir| {
        let hex = pulled.digest.strip_prefix("sha256:")?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let path = dir.join(hex).join("pacto.yaml");
        if !path.exists() {
            std::fs::create_dir_all(path.parent()?).ok()?;
            pacto_core::registry::cache::write_atomic(&path, pulled.contract_text.as_bytes())
                .ok()?;
        }
        Some(path)
    });
    DepInfo {
        name: text(service.and_then(|s| s.name.as_ref())),
        version: text(service.and_then(|s| s.version.as_ref())),
        resolved_ref: pulled.resolved_ref.clone(),
        digest: pulled.digest.clone(),
        owner: service
            .and_then(|s| s.owner.as_ref())
            .and_then(|o| o.display())
            .map(str::to_string),
        interfaces,
        contract_file,
    }
}

/// Semantic versions first, highest first; then the other tags, reverse lexical.
pub fn sort_newest_first(tags: &mut [String]) {
    tags.sort_by(|a, b| match (Version::parse(a), Version::parse(b)) {
        (Ok(x), Ok(y)) => y.cmp(&x).then_with(|| b.cmp(a)),
        (Ok(_), Err(_)) => std::cmp::Ordering::Less,
        (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
        (Err(_), Err(_)) => b.cmp(a),
    });
}

/// Compatibility ranges worth suggesting for a dependency whose repository has `tags`
/// (newest first): caret and tilde ranges of the newest version, and of the newest version of
/// each older major.
pub fn compatibility_suggestions(tags: &[String]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut majors_seen = Vec::new();
    for t in tags {
        let Ok(v) = Version::parse(t) else {
            continue;
        };
        if !v.prerelease().is_empty() || majors_seen.contains(&v.major()) {
            continue;
        }
        majors_seen.push(v.major());
        let (ma, mi, pa) = (v.major(), v.minor(), v.patch());
        out.push((
            format!("^{ma}.{mi}.{pa}"),
            format!("{t} and later {ma}.x releases (no breaking changes)"),
        ));
        out.push((
            format!("~{ma}.{mi}.{pa}"),
            format!("{t} and later {ma}.{mi}.x patch releases"),
        ));
        if majors_seen.len() >= 3 {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_sort_newest_semver_first() {
        let mut t: Vec<String> = ["1.2.0", "latest", "1.10.0", "v2.0.0-rc.1", "0.9.1", "dev"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        sort_newest_first(&mut t);
        assert_eq!(
            t,
            ["v2.0.0-rc.1", "1.10.0", "1.2.0", "0.9.1", "latest", "dev"]
        );
    }

    #[test]
    fn compatibility_suggestions_follow_the_majors() {
        let tags: Vec<String> = ["2.1.0", "2.0.0", "1.4.2", "1.3.0", "latest"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let s: Vec<String> = compatibility_suggestions(&tags)
            .into_iter()
            .map(|(r, _)| r)
            .collect();
        assert_eq!(s, ["^2.1.0", "~2.1.0", "^1.4.2", "~1.4.2"]);
    }
}
