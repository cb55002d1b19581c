//! Structural comparison of two nodes (one per document) with local `$ref`s followed, collecting
//! where they differ.
//!
//! Equality is Go Pacto's (deep equality of the decoded values: key order is irrelevant, sequence
//! order matters, `1` equals `1.0`, `"1"` does not equal `1`), except that references are compared
//! by what they point at. Recursive schemas are compared co-inductively: a pair of nodes already
//! being compared further up is assumed equal (if it is not, the difference is found where it is
//! compared first), so the comparison of `Node → children → items → $ref Node` terminates and two
//! recursive schemas that differ only in their component names are equal. Every pair is compared
//! once per diff where the answer allows ([`Memo`]), and recursion stops at the YAML depth limit: below it, the two
//! nodes are compared without recursion (an explicit work list of node pairs, each pair visited
//! once), which says whether they differ but not where. Past a work budget, nodes are compared by
//! their source text.

use super::resolve::{resolve, View};
use crate::syntax::{Limits, NodeId, NodeRef, Resolved, Scalar};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::hash::{BuildHasherDefault, Hasher};

/// FxHash (rustc's): node-pair keys are two small integers, so SipHash's strength buys nothing
/// and costs a large share of a diff.
#[derive(Default, Clone, Copy)]
struct PairHasher(u64);

impl Hasher for PairHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// A map keyed by node pairs.
type PairMap<V> = HashMap<(NodeId, NodeId), V, BuildHasherDefault<PairHasher>>;

/// Mappings with at most this many entries are matched by key with a linear scan.
const LINEAR_ENTRIES: usize = 16;

/// Most differences described in one explanation.
pub(super) const MAX_REPORTED: usize = 8;

/// Most differences collected in one comparison (before removing repeats).
const MAX_COLLECTED: usize = 64;

/// Most node pairs visited in one comparison before falling back to text comparison.
const MAX_STEPS: usize = 1_000_000;

/// One step of a path inside a compared value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Seg {
    Key(String),
    Index(usize),
    /// A `$ref` followed on both sides (old and new reference text; `None` when the same): the
    /// rest of the path is inside the referenced component.
    Ref(String, Option<String>),
    /// Steps left out between two references (a memoised difference met again elsewhere).
    Elided,
}

/// A path relative to a memoised pair, shortened to what explanations use: from the last
/// reference on (the component and the path inside it).
fn compress(rel: &[Seg]) -> Vec<Seg> {
    match rel.iter().rposition(|s| matches!(s, Seg::Ref(..))) {
        Some(last) if last > 0 => {
            let mut out = Vec::with_capacity(rel.len() - last + 1);
            out.push(Seg::Elided);
            out.extend_from_slice(&rel[last..]);
            out
        }
        _ => rel.to_vec(),
    }
}

/// The mapping keys of a path, without indices and references.
fn keys(path: &[Seg]) -> impl Iterator<Item = &str> {
    path.iter().filter_map(|s| match s {
        Seg::Key(k) => Some(k.as_str()),
        _ => None,
    })
}

/// Whether `path` leads through exactly the keys of `prefix` first, and how many steps follow
/// (references are transparent, an index or an elision never matches).
fn starts_with_keys(path: &[Seg], prefix: &[impl AsRef<str>]) -> Option<usize> {
    let mut it = path.iter().filter(|s| !matches!(s, Seg::Ref(..)));
    for want in prefix {
        match it.next() {
            Some(Seg::Key(k)) if k == want.as_ref() => {}
            _ => return None,
        }
    }
    Some(it.count())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum DiffKind {
    /// Present only in the new value (with a short rendering for scalars and lists).
    Added(Option<String>),
    /// Present only in the old value.
    Removed(Option<String>),
    /// Different on both sides (old and new renderings, when they say something).
    Changed(Option<(String, String)>),
}

/// One place where the two values differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Difference {
    pub at: Vec<Seg>,
    pub kind: DiffKind,
}

impl Difference {
    pub fn render(&self) -> String {
        // Inside a referenced component, say which one and the path inside it.
        let last_ref = self.at.iter().rposition(|s| matches!(s, Seg::Ref(..)));
        let (component, rest) = match last_ref {
            Some(i) => {
                let name = match &self.at[i] {
                    Seg::Ref(old, Some(new)) => format!("`{old}` → `{new}`"),
                    Seg::Ref(old, None) => format!("`{old}`"),
                    _ => String::new(),
                };
                (Some(name), &self.at[i + 1..])
            }
            None => (None, &self.at[..]),
        };
        let at = render_path(rest);
        let subject = match (&component, at.is_empty()) {
            (Some(c), true) => c.clone(),
            (Some(c), false) => format!("{c}: `{at}`"),
            (None, true) => "the value".to_string(),
            (None, false) => format!("`{at}`"),
        };
        match &self.kind {
            DiffKind::Added(Some(v)) => format!("{subject} added ({v})"),
            DiffKind::Added(None) => format!("{subject} added"),
            DiffKind::Removed(Some(v)) => format!("{subject} removed (was {v})"),
            DiffKind::Removed(None) => format!("{subject} removed"),
            DiffKind::Changed(Some((a, b))) => format!("{subject} changed from {a} to {b}"),
            DiffKind::Changed(None) => format!("{subject} changed"),
        }
    }

    /// Whether this difference sits exactly at `path` (given as keys; references are
    /// transparent).
    pub fn is_at(&self, path: &[&str]) -> bool {
        starts_with_keys(&self.at, path) == Some(0)
    }
}

pub(super) fn render_path(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => {
                let _ = write!(s, "[{i}]");
            }
            Seg::Ref(..) | Seg::Elided => {}
        }
    }
    s
}

/// The outcome of comparing two values.
#[derive(Debug, Clone, Default)]
pub(super) struct Outcome {
    pub equal: bool,
    /// Up to [`MAX_REPORTED`] differences, in document order.
    pub differences: Vec<Difference>,
    /// Whether there are more differences than those listed.
    pub more: bool,
}

/// Results of node-pair comparisons shared by every comparison of one diff (the same two
/// documents): a pair found different, or found equal without assuming anything about the pairs
/// being compared around it, has the same answer wherever it is met again. So a component used by
/// a thousand operations is compared once.
#[derive(Debug, Default)]
pub(super) struct Memo {
    pairs: PairMap<Known>,
}

#[derive(Debug, Clone)]
struct Known {
    equal: bool,
    /// Where the pair differs, relative to the pair.
    differences: Vec<Difference>,
    /// The depth of the outermost pair assumed equal while comparing this one (see [`NONE`]).
    assumed: usize,
    /// Whether there are more differences than those kept.
    more: bool,
}

/// "No assumption about enclosing pairs was used."
const NONE: usize = usize::MAX;

/// Compare `old` and `new`, ignoring the subtrees at the `ignore` paths (given as keys from the
/// compared values).
pub(super) fn compare(
    memo: &mut Memo,
    old: NodeRef<'_>,
    old_text: &str,
    new: NodeRef<'_>,
    new_text: &str,
    ignore: &[Vec<String>],
) -> Outcome {
    let mut c = Comparer {
        old_text,
        new_text,
        ignore,
        shared: memo,
        local: PairMap::default(),
        active: PairMap::default(),
        steps: 0,
        out: Vec::new(),
        more: false,
        max_depth: Limits::default().max_depth,
    };
    let mut path = Vec::new();
    let (equal, _) = c.node(old, new, &mut path, 0);
    // The same component can be reached along several paths: say each difference once.
    let mut seen = HashSet::new();
    let mut differences: Vec<Difference> = Vec::new();
    for d in &c.out {
        if seen.insert(d.render()) {
            differences.push(d.clone());
        }
    }
    let more = differences.len() > MAX_REPORTED || c.full() || c.more;
    differences.truncate(MAX_REPORTED);
    Outcome {
        equal,
        differences,
        more,
    }
}

struct Comparer<'a> {
    old_text: &'a str,
    new_text: &'a str,
    ignore: &'a [Vec<String>],
    /// Final results, valid across comparisons.
    shared: &'a mut Memo,
    /// Results that relied on an enclosing pair being equal: valid in this comparison only.
    local: PairMap<Known>,
    /// Pairs being compared further up, with their depth (assumed equal: co-induction for
    /// recursive schemas).
    active: PairMap<usize>,
    steps: usize,
    /// Collected differences, at most [`MAX_COLLECTED`].
    out: Vec<Difference>,
    /// Whether a memoised result met had more differences than it kept.
    more: bool,
    max_depth: usize,
}

impl Comparer<'_> {
    fn full(&self) -> bool {
        self.out.len() >= MAX_COLLECTED
    }

    fn push(&mut self, path: &[Seg], kind: DiffKind) {
        if !self.full() {
            self.out.push(Difference {
                at: path.to_vec(),
                kind,
            });
        }
    }

    fn ignored(&self, path: &[Seg]) -> bool {
        self.ignore
            .iter()
            .any(|p| starts_with_keys(path, p) == Some(0))
    }

    /// Whether the result at `path` depends on the ignored paths (it encloses one).
    fn encloses_ignored(&self, path: &[Seg]) -> bool {
        let depth = keys(path).count();
        let on_path = path.iter().all(|s| matches!(s, Seg::Key(_) | Seg::Ref(..)));
        on_path
            && self
                .ignore
                .iter()
                .any(|p| p.len() > depth && keys(path).zip(p.iter()).all(|(k, want)| k == want))
    }

    /// Compare two nodes at `path`. Returns whether they are equal and the depth of the outermost
    /// enclosing pair assumed equal on the way ([`NONE`] when none was).
    fn node(
        &mut self,
        old: NodeRef<'_>,
        new: NodeRef<'_>,
        path: &mut Vec<Seg>,
        depth: usize,
    ) -> (bool, usize) {
        if self.full() {
            // The values already differ; there is no room to say more.
            return (false, NONE);
        }
        let a = resolve(old);
        let b = resolve(new);
        let key = (a.identity(), b.identity());
        let memoable = !self.encloses_ignored(path);
        if memoable {
            if let Some(known) = self.shared.pairs.get(&key).or_else(|| self.local.get(&key)) {
                let (equal, assumed) = (known.equal, known.assumed);
                self.more |= known.more;
                for d in known.differences.clone() {
                    let mut at = path.clone();
                    at.extend(d.at);
                    self.push(&at, d.kind);
                }
                return (equal, assumed);
            }
        }
        if let Some(&at) = self.active.get(&key) {
            return (true, at);
        }
        self.steps += 1;
        if self.steps > MAX_STEPS {
            let equal = self.by_text(&a, &b, path);
            return (equal, if equal { 0 } else { NONE });
        }
        if depth >= self.max_depth {
            let equal = match bisimilar(old, new, MAX_STEPS) {
                Some(equal) => equal,
                None => {
                    let equal = self.by_text(&a, &b, path);
                    return (equal, if equal { 0 } else { NONE });
                }
            };
            if !equal {
                self.push(path, DiffKind::Changed(None));
            }
            return (equal, NONE);
        }
        self.active.insert(key, depth);
        let start = self.out.len();
        let entry_len = path.len();
        if let (Some(x), Some(y)) = (a.via, b.via) {
            let new_name = (x != y).then(|| y.to_string());
            path.push(Seg::Ref(x.to_string(), new_name));
        }
        let (equal, assumed) = if a.is_mapping() && b.is_mapping() {
            self.mappings(&a, &b, path, depth)
        } else if a.target.is_sequence() && b.target.is_sequence() {
            self.sequences(a.target, b.target, path, depth)
        } else {
            match (a.target.as_scalar(), b.target.as_scalar()) {
                (Some(x), Some(y)) if scalar_eq(x, y) => (true, NONE),
                _ => {
                    let kind = DiffKind::Changed(Some((describe(&a, true), describe(&b, true))));
                    self.push(path, kind);
                    (false, NONE)
                }
            }
        };
        path.truncate(entry_len);
        self.active.remove(&key);
        // A difference is a difference whatever was assumed; equality is final when it assumed
        // nothing about enclosing pairs.
        let assumed = if !equal || assumed >= depth {
            NONE
        } else {
            assumed
        };
        if memoable {
            let differences = self.out[start..]
                .iter()
                .take(MAX_REPORTED + 1)
                .map(|d| Difference {
                    at: compress(&d.at[path.len()..]),
                    kind: d.kind.clone(),
                })
                .collect();
            let known = Known {
                equal,
                differences,
                assumed,
                more: self.out.len() - start > MAX_REPORTED + 1 || self.full(),
            };
            if assumed == NONE {
                self.shared.pairs.insert(key, known);
            } else {
                self.local.insert(key, known);
            }
        }
        (equal, assumed)
    }

    fn mappings(
        &mut self,
        a: &View<'_>,
        b: &View<'_>,
        path: &mut Vec<Seg>,
        depth: usize,
    ) -> (bool, usize) {
        let old_entries = a.entries();
        let new_entries = b.entries();
        let old_keys = Keys::new(&old_entries);
        let new_keys = Keys::new(&new_entries);
        let (mut equal, mut assumed) = (true, NONE);
        for (k, _, v) in &old_entries {
            path.push(Seg::Key((*k).to_string()));
            if !self.ignored(path) {
                match new_keys.get(&new_entries, k) {
                    None => {
                        self.push(path, DiffKind::Removed(short(*v)));
                        equal = false;
                    }
                    Some(w) => {
                        let (e, at) = self.node(*v, w, path, depth + 1);
                        equal &= e;
                        assumed = assumed.min(at);
                    }
                }
            }
            path.pop();
            if self.full() {
                return (false, NONE);
            }
        }
        for (k, _, w) in &new_entries {
            if old_keys.get(&old_entries, k).is_some() {
                continue;
            }
            path.push(Seg::Key((*k).to_string()));
            if !self.ignored(path) {
                self.push(path, DiffKind::Added(short(*w)));
                equal = false;
            }
            path.pop();
        }
        (equal, assumed)
    }

    fn sequences(
        &mut self,
        a: NodeRef<'_>,
        b: NodeRef<'_>,
        path: &mut Vec<Seg>,
        depth: usize,
    ) -> (bool, usize) {
        let old_items: Vec<NodeRef<'_>> = a.items().collect();
        let new_items: Vec<NodeRef<'_>> = b.items().collect();
        let (mut equal, mut assumed) = (true, NONE);
        for (i, (v, w)) in old_items.iter().zip(&new_items).enumerate() {
            path.push(Seg::Index(i));
            let (e, at) = self.node(*v, *w, path, depth + 1);
            equal &= e;
            assumed = assumed.min(at);
            path.pop();
            if self.full() {
                return (false, NONE);
            }
        }
        for (i, v) in old_items.iter().enumerate().skip(new_items.len()) {
            path.push(Seg::Index(i));
            self.push(path, DiffKind::Removed(short(*v)));
            path.pop();
            equal = false;
        }
        for (i, w) in new_items.iter().enumerate().skip(old_items.len()) {
            path.push(Seg::Index(i));
            self.push(path, DiffKind::Added(short(*w)));
            path.pop();
            equal = false;
        }
        (equal, assumed)
    }

    /// Past the work bound: compare what is written (the node and its reference target).
    fn by_text(&mut self, a: &View<'_>, b: &View<'_>, path: &[Seg]) -> bool {
        let text = |t: &str, n: NodeRef<'_>| t.get(n.span().range()).map(str::to_string);
        let equal = text(self.old_text, a.written) == text(self.new_text, b.written)
            && text(self.old_text, a.target) == text(self.new_text, b.target);
        if !equal {
            self.push(path, DiffKind::Changed(None));
        }
        equal
    }
}

/// Whether two nodes are equal (references followed), without recursion: a work list of node
/// pairs, each visited once; a pair met again is assumed equal, which is sound because any
/// difference is found where the pair is first expanded. `None` when `budget` pairs do not
/// suffice.
fn bisimilar(old: NodeRef<'_>, new: NodeRef<'_>, budget: usize) -> Option<bool> {
    let mut seen: HashSet<(NodeId, NodeId), BuildHasherDefault<PairHasher>> = HashSet::default();
    let mut work = vec![(old, new)];
    while let Some((a, b)) = work.pop() {
        let (a, b) = (resolve(a), resolve(b));
        if !seen.insert((a.identity(), b.identity())) {
            continue;
        }
        if seen.len() > budget {
            return None;
        }
        if a.is_mapping() && b.is_mapping() {
            let old_entries = a.entries();
            let new_entries = b.entries();
            if old_entries.len() != new_entries.len() {
                return Some(false);
            }
            let new_keys = Keys::new(&new_entries);
            for (k, _, v) in &old_entries {
                match new_keys.get(&new_entries, k) {
                    Some(w) => work.push((*v, w)),
                    None => return Some(false),
                }
            }
        } else if a.target.is_sequence() && b.target.is_sequence() {
            let old_items: Vec<NodeRef<'_>> = a.target.items().collect();
            let new_items: Vec<NodeRef<'_>> = b.target.items().collect();
            if old_items.len() != new_items.len() {
                return Some(false);
            }
            work.extend(old_items.into_iter().zip(new_items));
        } else {
            match (a.target.as_scalar(), b.target.as_scalar()) {
                (Some(x), Some(y)) if scalar_eq(x, y) => {}
                _ => return Some(false),
            }
        }
    }
    Some(true)
}

/// Finds a mapping's entries by key text: a linear scan for small mappings, an index otherwise.
enum Keys<'e> {
    Scan,
    Index(HashMap<&'e str, usize>),
}

impl<'e> Keys<'e> {
    fn new<'t>(entries: &'e [(&'t str, NodeRef<'t>, NodeRef<'t>)]) -> Keys<'e> {
        if entries.len() <= LINEAR_ENTRIES {
            return Keys::Scan;
        }
        let mut index = HashMap::with_capacity(entries.len());
        for (i, (k, _, _)) in entries.iter().enumerate() {
            // The last entry of a key wins (views have unique keys; this keeps the old rule).
            index.insert(*k, i);
        }
        Keys::Index(index)
    }

    /// The value of the last entry whose key is `key`.
    fn get<'t>(
        &self,
        entries: &[(&'t str, NodeRef<'t>, NodeRef<'t>)],
        key: &str,
    ) -> Option<NodeRef<'t>> {
        match self {
            Keys::Scan => entries
                .iter()
                .rev()
                .find(|(k, _, _)| *k == key)
                .map(|e| e.2),
            Keys::Index(index) => index.get(key).map(|&i| entries[i].2),
        }
    }
}

/// Scalar equality on decoded values, as Go's comparison of YAML re-serialisations sees it.
pub(super) fn scalar_eq(a: &Scalar, b: &Scalar) -> bool {
    use Resolved::{Bool, Float, Int, Null, Str, UInt};
    match (a.resolved, b.resolved) {
        (Null, Null) => true,
        (Bool(x), Bool(y)) => x == y,
        (Str, Str) => a.text == b.text,
        (Int(x), Int(y)) => x == y,
        (UInt(x), UInt(y)) => x == y,
        (Float(x), Float(y)) => x == y || (x.is_nan() && y.is_nan()),
        (Int(x), Float(y)) | (Float(y), Int(x)) => y.fract() == 0.0 && (x as f64) == y,
        (UInt(x), Float(y)) | (Float(y), UInt(x)) => y.fract() == 0.0 && (x as f64) == y,
        _ => false,
    }
}

/// A short rendering of a value for explanations: scalars as JSON-ish text, lists by size,
/// mappings as "an object" (or by their unresolvable `$ref`).
fn describe(v: &View<'_>, objects: bool) -> String {
    if let Some(r) = v.broken_ref() {
        return format!("a reference to `{}`", truncate(r));
    }
    let n = v.target;
    if n.is_mapping() {
        return if objects { "an object" } else { "" }.to_string();
    }
    if n.is_sequence() {
        let count = n.items().count();
        return match count {
            0 => "an empty list".to_string(),
            1 => "a list of 1 item".to_string(),
            _ => format!("a list of {count} items"),
        };
    }
    match n.as_scalar() {
        Some(s) => scalar_text(s),
        None => String::new(),
    }
}

/// A short rendering of a scalar or list; `None` for objects (saying "an object" adds nothing).
fn short(n: NodeRef<'_>) -> Option<String> {
    let v = resolve(n);
    let text = describe(&v, false);
    (!text.is_empty()).then_some(text)
}

pub(super) fn scalar_text(s: &Scalar) -> String {
    match s.resolved {
        Resolved::Str => serde_json::Value::String(truncate(&s.text)).to_string(),
        Resolved::Null => "null".to_string(),
        _ => truncate(&s.text),
    }
}

fn truncate(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(MAX).collect();
        s.push('…');
        s
    }
}
