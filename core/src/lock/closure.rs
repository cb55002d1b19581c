//! The dependency closure a lock pins, resolved as Go Pacto 3.3's lock builder resolves it: a
//! relative local reference against the directory of the contract that DECLARED it (Go's
//! `depFetcher.FetchFrom`), an `oci://` one through the registry (the constraint picks the tag
//! of an untagged ref), every bundle fetched once, cycles against the ancestors.

use super::OciPinner;
use crate::graph::{self, clean_path};
use crate::model::Contract;
use crate::registry::{parse_dependency_ref, RefScheme};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// One resolved bundle of the closure.
pub(crate) struct DepNode {
    pub name: String,
    pub version: String,
    /// The directory of a local bundle (its content hash, and the base of its own refs).
    pub dir: Option<PathBuf>,
    /// The manifest digest of a registry bundle.
    pub digest: String,
    pub edges: Vec<DepEdge>,
}

/// One declared dependency and what it resolved to.
pub(crate) struct DepEdge {
    pub reference: String,
    pub compatibility: String,
    pub target: Result<usize, String>,
}

pub(crate) struct Closure {
    pub nodes: Vec<DepNode>,
    pub root_edges: Vec<DepEdge>,
}

/// Deepest dependency chain followed.
const MAX_DEPTH: usize = 256;

impl Closure {
    pub(crate) fn resolve(root: &Contract, dir: &Path, oci: Option<&dyn OciPinner>) -> Closure {
        let mut w = Walker {
            oci,
            nodes: Vec::new(),
            by_identity: HashMap::new(),
        };
        let mut ancestors = Vec::new();
        let root_edges = w.edges(root, Some(dir), &mut ancestors);
        Closure {
            nodes: w.nodes,
            root_edges,
        }
    }

    /// Every edge, depth first in declaration order, each bundle's edges once.
    pub(crate) fn edges(&self) -> Vec<&DepEdge> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        self.walk(&self.root_edges, &mut seen, &mut |e| out.push(e));
        out
    }

    fn walk<'a>(
        &'a self,
        edges: &'a [DepEdge],
        seen: &mut BTreeSet<usize>,
        f: &mut dyn FnMut(&'a DepEdge),
    ) {
        for e in edges {
            f(e);
            if let Ok(i) = e.target {
                if seen.insert(i) {
                    if let Some(n) = self.nodes.get(i) {
                        self.walk(&n.edges, seen, f);
                    }
                }
            }
        }
    }

    /// Service names resolved at more than one version, sorted.
    pub(crate) fn conflicts(&self) -> Vec<String> {
        let mut versions: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for e in self.edges() {
            if let Ok(i) = e.target {
                if let Some(n) = self.nodes.get(i) {
                    versions.entry(&n.name).or_default().insert(&n.version);
                }
            }
        }
        versions
            .into_iter()
            .filter(|(_, v)| v.len() > 1)
            .map(|(n, _)| n.to_string())
            .collect()
    }
}

struct Walker<'a> {
    oci: Option<&'a dyn OciPinner>,
    nodes: Vec<DepNode>,
    /// Resolved identity (`local:<dir>`, `oci:<digest>`) -> node.
    by_identity: HashMap<String, usize>,
}

impl Walker<'_> {
    fn edges(
        &mut self,
        contract: &Contract,
        dir: Option<&Path>,
        ancestors: &mut Vec<String>,
    ) -> Vec<DepEdge> {
        contract
            .dependencies
            .iter()
            .map(|d| {
                let reference = d.reference().to_string();
                let compatibility = d
                    .compatibility
                    .as_ref()
                    .map_or("", |c| c.as_str())
                    .to_string();
                let target = self.node(&reference, &compatibility, dir, ancestors);
                DepEdge {
                    reference,
                    compatibility,
                    target,
                }
            })
            .collect()
    }

    fn node(
        &mut self,
        reference: &str,
        compatibility: &str,
        dir: Option<&Path>,
        ancestors: &mut Vec<String>,
    ) -> Result<usize, String> {
        let parsed = parse_dependency_ref(reference);
        let (identity, loaded, node_dir, digest) = match parsed.scheme {
            RefScheme::Local => {
                let Some(dir) = dir else {
                    return Err("local reference inside an OCI bundle cannot be resolved".into());
                };
                let p = Path::new(&parsed.location);
                let path = if p.is_absolute() {
                    clean_path(p)
                } else {
                    clean_path(&dir.join(p))
                };
                let identity = format!("local:{}", path.display());
                if ancestors.contains(&identity) {
                    return Err(format!("cycle detected: {reference}"));
                }
                if let Some(&i) = self.by_identity.get(&identity) {
                    return Ok(i);
                }
                let loaded = graph::load_local(&path.to_string_lossy())?;
                (identity, loaded, Some(path), String::new())
            }
            RefScheme::Oci => {
                let Some(oci) = self.oci else {
                    return Err(format!(
                        "cannot fetch {reference}: no registry client is configured"
                    ));
                };
                let compat = Some(compatibility).filter(|c| !c.trim().is_empty());
                let pinned = oci.pin(reference, compat)?;
                let identity = format!("oci:{}", pinned.digest);
                if ancestors.contains(&identity) {
                    return Err(format!("cycle detected: {reference}"));
                }
                if let Some(&i) = self.by_identity.get(&identity) {
                    return Ok(i);
                }
                let digest = pinned.digest.clone();
                (
                    identity,
                    graph::parse_fetched(pinned.fetched)?,
                    None,
                    digest,
                )
            }
        };
        if ancestors.len() >= MAX_DEPTH {
            return Err(format!(
                "dependency chain deeper than {MAX_DEPTH} at {reference}"
            ));
        }
        let index = self.nodes.len();
        self.nodes.push(DepNode {
            name: loaded.contract.service_name().to_string(),
            version: loaded.contract.service_version().to_string(),
            dir: node_dir.clone(),
            digest,
            edges: Vec::new(),
        });
        self.by_identity.insert(identity.clone(), index);
        ancestors.push(identity);
        let edges = self.edges(&loaded.contract, node_dir.as_deref(), ancestors);
        ancestors.pop();
        if let Some(n) = self.nodes.get_mut(index) {
            n.edges = edges;
        }
        Ok(index)
    }
}
