//! Contract diff (spec §4.3): service, scaling, runtime, dependencies, interfaces (with the
//! OpenAPI deep diff), configuration (with the schema property diff) and policies, for every
//! contract shape the model reads. Changes carry the source line of each side.

use super::{
    json_schema, openapi, overall, sbom, sort_changes, Change, ChangeType, Classification, Source,
};
use crate::bundle::{Bundle, BundleError};
use crate::model::{Configuration, Contract, Owner, Policy, Probe, Spanned};
use crate::schema::Generation;
use crate::syntax::{ColumnUnit, Span, Tree};
use serde_json::{json, Value};

/// One side of a diff: the contract, its tree, its bundle, and the display path of its
/// `pacto.yaml`.
pub struct Side<'a> {
    pub contract: &'a Contract,
    pub tree: &'a Tree,
    pub bundle: &'a dyn Bundle,
    pub file: &'a str,
}

/// Which side a problem came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Old,
    New,
}

impl std::fmt::Display for Which {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Which::Old => "old",
            Which::New => "new",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiffError {
    #[error("{side} contract: interface contract {file}: {message}")]
    OpenApi {
        side: Which,
        file: String,
        message: String,
    },
    #[error("{side} contract: configuration schema {file}: {message}")]
    Schema {
        side: Which,
        file: String,
        message: String,
    },
    /// The two sides are of different generations and the 1.x one cannot be carried to 2.0.
    #[error("{side} contract: {file} is a 1.x contract and the other side is 2.0, but it cannot be migrated to 2.0 to compare them: {message}")]
    Migrate {
        side: Which,
        file: String,
        message: String,
    },
}

impl DiffError {
    /// The side whose file could not be read.
    pub fn side(&self) -> Which {
        match self {
            DiffError::OpenApi { side, .. }
            | DiffError::Schema { side, .. }
            | DiffError::Migrate { side, .. } => *side,
        }
    }

    /// The bundle file that could not be read.
    pub fn file(&self) -> &str {
        match self {
            DiffError::OpenApi { file, .. }
            | DiffError::Schema { file, .. }
            | DiffError::Migrate { file, .. } => file,
        }
    }
}

/// One side of a diff that does not load as a contract Pacto can compare: missing, unreadable,
/// not YAML, not a mapping, or written in a `pactoVersion` this build does not read. Comparing
/// such a side would report "no changes" for anything it does not understand, so it is an error
/// naming the side and the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{side} contract: {message}")]
pub struct SideError {
    pub side: Which,
    /// The file (or directory, or reference) that could not be read.
    pub file: String,
    /// What is wrong, naming the file, and what to do.
    pub message: String,
}

impl From<DiffError> for SideError {
    fn from(e: DiffError) -> SideError {
        SideError {
            side: e.side(),
            file: e.file().to_string(),
            message: e.to_string(),
        }
        .strip_side_prefix()
    }
}

impl SideError {
    /// `message` without a leading `old contract: ` (the Display adds it).
    fn strip_side_prefix(mut self) -> SideError {
        let prefix = format!("{} contract: ", self.side);
        if let Some(rest) = self.message.strip_prefix(&prefix) {
            self.message = rest.to_string();
        }
        self
    }

    /// The machine-readable form (`pacto diff -o json`, the MCP tool):
    /// `{"error": {"side": "old", "file": "...", "message": "old contract: ..."}}`.
    pub fn to_json(&self) -> Value {
        json!({
            "error": {
                "side": self.side.to_string(),
                "file": self.file,
                "message": self.to_string(),
            }
        })
    }
}

/// The `pactoVersion`s whose shape [`Contract::from_tree`] reads, so the diff compares every
/// field of them. A version added to a schema before the model reads it stays unsupported here
/// (a failed diff, never a silent "no changes"): extend this list with the model.
const MODEL_READS: [&str; 4] = ["1.0", "1.1", "1.2", "2.0"];

/// The `pactoVersion`s this build can compare: the ones the model reads that the embedded
/// schema also lists.
pub fn supported_pacto_versions() -> Vec<&'static str> {
    let mut listed: Vec<&str> = crate::schema::at_pointer("/properties/pactoVersion/enum")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    listed.extend(crate::schema::V2_VERSIONS);
    MODEL_READS
        .into_iter()
        .filter(|v| listed.contains(v))
        .collect()
}

/// Whether a parsed `pacto.yaml` is a contract this build can compare: its root is a mapping and
/// its `pactoVersion` is one it reads. `file` names the file in the message.
pub fn check_comparable(tree: &Tree, file: &str) -> Result<(), String> {
    let root = tree.root();
    if !root.is_mapping() {
        let found = match root.kind() {
            crate::syntax::NodeKind::Sequence(_) => "a list",
            _ if root.is_null() => "an empty document",
            _ => "a single value",
        };
        return Err(format!(
            "{file} is {found}, not a contract: a pacto.yaml is a mapping with pactoVersion and service"
        ));
    }
    let supported = supported_pacto_versions();
    let list = supported.join(", ");
    match root.get("pactoVersion") {
        None => Err(format!(
            "{file} has no pactoVersion, so it cannot be read as a contract: add `pactoVersion: \"{}\"` (supported: {list})",
            supported.last().copied().unwrap_or("1.0")
        )),
        Some(v) => match v.as_str() {
            Some(s) if supported.contains(&s) => Ok(()),
            Some(s) => Err(format!(
                "{file} is written in pactoVersion {s:?}, which this version of pacto cannot read (supported: {list}); comparing it would miss every change, so upgrade pacto or compare contracts in a supported version"
            )),
            None => Err(format!(
                "{file}: pactoVersion must be a string such as \"1.0\" (supported: {list})"
            )),
        },
    }
}

/// The diff of two contracts.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractDiff {
    pub classification: Classification,
    pub changes: Vec<Change>,
    /// Informational: never raises the classification.
    pub sbom: Option<sbom::SbomDiff>,
    /// What could not be compared and was skipped (an SBOM over the read limit or not a regular
    /// file, an interface contract or schema that cannot be read), naming the side and file.
    pub warnings: Vec<String>,
}

/// The generation of a side's document (1.x when it says nothing we know: such a side was
/// refused by [`check_comparable`] before it got here).
fn generation(tree: &Tree) -> Generation {
    tree.root()
        .get("pactoVersion")
        .and_then(|v| v.as_str())
        .and_then(Generation::of)
        .unwrap_or(Generation::V1)
}

/// Compare two contracts with their bundles. Two 2.0 contracts are compared with Go Pacto 3.x's
/// rules, two 1.x contracts with Go Pacto 1.x's. When one side is 1.x and the other 2.0 (which
/// Go cannot compare at all), the 1.x side is migrated in memory exactly as `pacto migrate`
/// would, and the two are compared as 2.0: what remains are the real changes, not the format's.
pub fn compare(old: &Side<'_>, new: &Side<'_>) -> Result<ContractDiff, DiffError> {
    match (generation(old.tree), generation(new.tree)) {
        (Generation::V2, Generation::V2) => super::contract_v2::compare(old, new),
        (Generation::V1, Generation::V1) => compare_v1(old, new),
        (Generation::V1, Generation::V2) => across(old, Which::Old, new),
        (Generation::V2, Generation::V1) => across(new, Which::New, old),
    }
}

/// Compare a 1.x side (`v1`, the `which` side) with a 2.0 one by migrating the 1.x side first.
fn across(v1: &Side<'_>, which: Which, v2: &Side<'_>) -> Result<ContractDiff, DiffError> {
    let fail = |message: String| DiffError::Migrate {
        side: which,
        file: v1.file.to_string(),
        message,
    };
    let bytes = v1.bundle.read(crate::bundle::CONTRACT_FILE).map_err(|e| {
        fail(format!(
            "its pacto.yaml cannot be read from the bundle: {e}"
        ))
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let tree_of = |t: &str| crate::syntax::parse(t, &crate::syntax::Limits::default()).tree;
    // The text read back must be the document compared (an editor buffer may differ from disk).
    if tree_of(&text).map(|t| t.root().to_json()) != Some(v1.tree.root().to_json()) {
        return Err(fail(
            "the pacto.yaml in its bundle differs from the document being compared (save the file and compare again)".into(),
        ));
    }
    let options = crate::migrate::Options {
        drop_uncontracted_http: true,
    };
    let m =
        crate::migrate::migrate_with(&text, v1.bundle, options).map_err(|e| fail(e.to_string()))?;
    let tree =
        tree_of(&m.text).ok_or_else(|| fail("the migrated document does not parse".into()))?;
    let contract = Contract::from_tree(&tree);
    let migrated = Side {
        contract: &contract,
        tree: &tree,
        bundle: v1.bundle,
        file: v1.file,
    };
    let mut d = match which {
        Which::Old => super::contract_v2::compare(&migrated, v2)?,
        Which::New => super::contract_v2::compare(v2, &migrated)?,
    };
    // Lines in the migrated text are not lines of the user's file: leave them out.
    for c in &mut d.changes {
        let src = match which {
            Which::Old => &mut c.old_source,
            Which::New => &mut c.new_source,
        };
        if src.as_ref().is_some_and(|s| s.file == v1.file) {
            *src = None;
        }
    }
    // An http interface without a contract file has no 2.0 form: it cannot be compared, but
    // when the 2.0 side has no interface of that name it is gone, which is a real change.
    let names = |tree: &Tree| -> Vec<String> {
        tree.root()
            .get("interfaces")
            .into_iter()
            .flat_map(|l| l.items())
            .filter_map(|i| i.get("name").and_then(|n| n.as_str()).map(str::to_string))
            .collect()
    };
    let (kept, other) = (names(&tree), names(v2.tree));
    for i in &v1.contract.interfaces {
        let name = i.name();
        if kept.iter().any(|k| k == name) {
            continue;
        }
        if other.iter().any(|k| k == name) {
            d.warnings.push(format!(
                "{which} side: interface {name:?} is an http interface without a contract file, which 2.0 cannot express; its content was not compared"
            ));
        } else if which == Which::Old {
            let item = format!("interfaces[{name}]");
            d.changes.push(
                Change::new_v2(
                    "interfaces",
                    "interfaces",
                    ChangeType::Removed,
                    Some(json!(name)),
                    None,
                    format!("{item} removed"),
                )
                .with_item(item)
                .with_explanation(explain("interfaces", ChangeType::Removed))
                .with_sources(None, None),
            );
        } else {
            let item = format!("interfaces[{name}]");
            d.changes.push(
                Change::new_v2(
                    "interfaces",
                    "interfaces",
                    ChangeType::Added,
                    None,
                    Some(json!(name)),
                    format!("{item} added"),
                )
                .with_item(item)
                .with_explanation(explain("interfaces", ChangeType::Added)),
            );
        }
    }
    sort_changes(&mut d.changes);
    d.classification = overall(&d.changes);
    d.warnings.insert(
        0,
        format!(
            "{which} side {} is a 1.x contract: it was migrated in memory to 2.0, as `pacto migrate` would, and compared with 2.0's rules (its pacto.yaml lines are not shown)",
            v1.file
        ),
    );
    Ok(d)
}

/// Compare two 1.x contracts with their bundles.
fn compare_v1(old: &Side<'_>, new: &Side<'_>) -> Result<ContractDiff, DiffError> {
    let mut d = Differ {
        old,
        new,
        out: Vec::new(),
        warnings: Vec::new(),
    };
    d.service();
    d.scaling();
    d.runtime();
    d.dependencies();
    d.interfaces()?;
    d.configuration()?;
    d.configurations()?;
    d.policy();
    d.policies();
    d.readiness();
    let mut changes = d.out;
    let mut warnings = d.warnings;
    sort_changes(&mut changes);
    let sbom = sbom::diff(
        load_sbom(old, Which::Old, &mut warnings).as_ref(),
        load_sbom(new, Which::New, &mut warnings).as_ref(),
    );
    Ok(ContractDiff {
        classification: overall(&changes),
        changes,
        sbom,
        warnings,
    })
}

/// The side's SBOM. One that cannot be read (over the read limit, not a regular file) is skipped
/// with a warning, so a missing SBOM diff is never silent; a parse failure only suppresses the
/// SBOM diff (spec §2).
pub(super) fn load_sbom(
    side: &Side<'_>,
    which: Which,
    warnings: &mut Vec<String>,
) -> Option<sbom::Sbom> {
    let names = side.bundle.list("sbom");
    let name = sbom::pick_sbom_file(names.iter().map(String::as_str))?;
    let path = format!("sbom/{name}");
    let bytes = match side.bundle.read(&path) {
        Ok(b) => b,
        Err(e) => {
            warnings.push(format!(
                "{which} side: SBOM {path} not compared: {}",
                read_problem(&e)
            ));
            return None;
        }
    };
    sbom::Sbom::parse(name, &bytes).ok()
}

/// Why a bundle file could not be read, in words.
pub(super) fn read_problem(e: &BundleError) -> String {
    match e {
        BundleError::TooLarge { limit, .. } => format!(
            "it is larger than the {} MiB Pacto reads from a bundle file",
            limit / (1024 * 1024)
        ),
        BundleError::NotAFile { .. } => {
            "it is not a regular file (a FIFO, socket or device)".to_string()
        }
        other => other.to_string(),
    }
}

/// A field of a keyed list entry: its name, how to read it, and whether any difference counts as
/// "modified" (rather than added/removed/modified by presence).
type KeyedField<T> = (&'static str, fn(&T) -> &Option<Spanned<String>>, bool);

struct Differ<'s, 'a> {
    old: &'s Side<'a>,
    new: &'s Side<'a>,
    out: Vec<Change>,
    warnings: Vec<String>,
}

pub(super) fn source(side: &Side<'_>, span: Option<Span>) -> Option<Source> {
    let span = span?;
    let line = side
        .tree
        .line_index()
        .line_col(span.start, ColumnUnit::Char)
        .line
        + 1;
    Some(Source {
        file: side.file.to_string(),
        span,
        line,
    })
}

fn text(s: &Option<Spanned<String>>) -> &str {
    s.as_ref().map_or("", |s| s.as_str())
}

fn span<T>(s: &Option<Spanned<T>>) -> Option<Span> {
    s.as_ref().map(|s| s.span)
}

fn int(s: &Option<Spanned<i64>>) -> i64 {
    s.as_ref().map_or(0, |s| s.value)
}

/// added / removed / modified from the emptiness of each side.
fn presence(old_empty: bool, new_empty: bool) -> ChangeType {
    match (old_empty, new_empty) {
        (true, _) => ChangeType::Added,
        (_, true) => ChangeType::Removed,
        _ => ChangeType::Modified,
    }
}

/// Plain-words explanation of a classification for simple field rules.
pub(super) fn explain(rule: &str, t: ChangeType) -> String {
    let why = match (rule, t) {
        ("service.name", _) => "consumers find the service by its name; renaming it breaks every reference",
        ("service.version", _) => "a version bump by itself changes nothing for consumers",
        ("service.owner" | "service.image" | "service.chart", _) => {
            "ownership and packaging metadata do not change how consumers call the service"
        }
        ("interfaces", ChangeType::Removed) => "consumers of a removed interface can no longer reach it",
        ("interfaces", ChangeType::Added) => "a new interface adds capability without affecting existing callers",
        ("interfaces.type", _) => "callers speak the old protocol and will fail against the new one",
        ("interfaces.port", ChangeType::Added) => "a port now declared may differ from what callers assumed",
        ("interfaces.port", _) => "callers connecting to the old port will fail",
        ("interfaces.visibility", _) => "reachability changes: callers outside the new boundary may lose access",
        ("interfaces.contract", _) => "the API description moved or changed; callers should re-check it",
        ("runtime.workload", _) => "platforms schedule and operate the service differently",
        ("runtime.state.type" | "runtime.state.persistence.scope" | "runtime.state.persistence.durability", _) => {
            "storage and data guarantees change; operators and data consumers must adapt"
        }
        ("runtime.state.dataCriticality", _) => "backup, alerting and handling expectations change",
        ("runtime.lifecycle.upgradeStrategy", ChangeType::Added) => "declaring a strategy documents existing behaviour",
        ("runtime.lifecycle.upgradeStrategy", _) => "rollouts behave differently during upgrades",
        ("runtime.lifecycle.gracefulShutdownSeconds", ChangeType::Modified) => "only the shutdown grace period changes",
        ("runtime.health.initialDelaySeconds", _) => "only the probe timing changes",
        ("runtime.health.interface" | "runtime.health.path" | "runtime.metrics.interface" | "runtime.metrics.path", _) => {
            "probes and scrapers configured for the old endpoint will miss it"
        }
        ("readiness" | "readiness.minScore" | "readiness.expires" | "readiness.partialCredit" | "readiness.checks", _) => {
            "readiness records operational maturity, not what consumers rely on"
        }
        ("scaling", ChangeType::Added) => "declaring scaling documents capacity without reducing it",
        ("scaling.max", _) => "only the upper bound of capacity changes",
        ("scaling.min", _) | ("scaling.replicas", _) | ("scaling", _) => "the guaranteed capacity may drop",
        ("dependencies", ChangeType::Added) => "a new dependency must be deployed, but nothing existing breaks",
        ("dependencies", ChangeType::Removed) => {
            "the dependency (or its pinned version) is gone; whatever relied on it through this service loses it"
        }
        ("dependencies.compatibility", _) => "a different range of dependency versions is accepted",
        ("dependencies.required", _) => "whether the service can start without this dependency changes",
        ("configuration" | "configurations", ChangeType::Added) => "new configuration does not affect existing deployments",
        ("configuration" | "configurations", ChangeType::Removed) => "deployments that pass this configuration will be rejected",
        ("configuration.schema" | "configuration.ref" | "configurations.schema" | "configurations.ref", ChangeType::Removed) => {
            "deployments validated against the removed schema lose that contract"
        }
        ("configuration.schema" | "configuration.ref" | "configurations.schema" | "configurations.ref", _) => {
            "configuration is validated against a different schema; existing values may no longer pass"
        }
        ("policy" | "policies", ChangeType::Added) => "a new policy constrains future versions, not consumers",
        ("policy" | "policies" | "policy.schema" | "policy.ref" | "policies.schema" | "policies.ref", _) => {
            "the rules this contract is held to change"
        }
        _ => "not in the rule table: treated as potentially breaking",
    };
    let mut chars = why.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// A side file that was read, or the warning saying why it was skipped.
pub(super) type Loaded<T> = Result<T, String>;

/// A bundle file that could not be read: nothing when it is missing (Go Pacto compares nothing
/// then, and validation reports the missing file), a warning otherwise (too large, a FIFO, ...).
pub(super) fn unreadable<T>(
    which: Which,
    what: &str,
    path: &str,
    e: &BundleError,
) -> Option<Loaded<T>> {
    match e {
        BundleError::NotFound(_) | BundleError::InvalidPath(_) => None,
        e => Some(Err(format!(
            "{which} side: {what} {path} not compared: {}",
            read_problem(e)
        ))),
    }
}

impl Differ<'_, '_> {
    /// Record the warning of a skipped file; pass a read one through.
    fn warn<T>(&mut self, loaded: Option<Loaded<T>>) -> Option<Loaded<T>> {
        if let Some(Err(w)) = &loaded {
            self.warnings.push(w.clone());
        }
        loaded
    }

    /// A simple field change: path = rule, Go's reason `<path> <type>`.
    fn field(
        &mut self,
        rule: &str,
        t: ChangeType,
        old: Option<Value>,
        new: Option<Value>,
        spans: (Option<Span>, Option<Span>),
    ) {
        self.field_at(rule, rule, t, old, new, spans);
    }

    /// A field change under `rule`, reported at `path` (`configurations[app].schema`).
    fn field_at(
        &mut self,
        rule: &str,
        path: &str,
        t: ChangeType,
        old: Option<Value>,
        new: Option<Value>,
        spans: (Option<Span>, Option<Span>),
    ) {
        let c = Change::new(rule, path, t, old, new, format!("{path} {}", t.as_str()))
            .with_explanation(explain(rule, t))
            .with_sources(source(self.old, spans.0), source(self.new, spans.1));
        self.out.push(c);
    }

    /// A change to the entry `item` (`interfaces[api]`) of a keyed list under `rule`: the path
    /// stays Go's rule key (`interfaces.port`), the reason names the entry
    /// (`interfaces[api].port modified`).
    fn field_in(
        &mut self,
        rule: &str,
        item: &str,
        t: ChangeType,
        old: Option<Value>,
        new: Option<Value>,
        spans: (Option<Span>, Option<Span>),
    ) {
        let shown = match rule.split_once('.') {
            Some((_, rest)) => format!("{item}.{rest}"),
            None => item.to_string(),
        };
        let c = Change::new(rule, rule, t, old, new, format!("{shown} {}", t.as_str()))
            .with_item(item)
            .with_explanation(explain(rule, t))
            .with_sources(source(self.old, spans.0), source(self.new, spans.1));
        self.out.push(c);
    }

    fn service(&mut self) {
        let (o, n) = (
            self.old.contract.service.as_ref(),
            self.new.contract.service.as_ref(),
        );
        let os = o.map(|s| (&s.name, &s.version));
        let ns = n.map(|s| (&s.name, &s.version));
        let empty = &None;
        let (oname, over) = os.unwrap_or((empty, empty));
        let (nname, nver) = ns.unwrap_or((empty, empty));
        if text(oname) != text(nname) {
            self.field(
                "service.name",
                ChangeType::Modified,
                Some(json!(text(oname))),
                Some(json!(text(nname))),
                (span(oname), span(nname)),
            );
        }
        if text(over) != text(nver) {
            self.field(
                "service.version",
                ChangeType::Modified,
                Some(json!(text(over))),
                Some(json!(text(nver))),
                (span(over), span(nver)),
            );
        }
        // Owner: a string, or for the object form its JSON (compared structurally).
        let owner = |side: &Side<'_>| -> (Value, Option<Span>) {
            match side
                .contract
                .service
                .as_ref()
                .and_then(|s| s.owner.as_ref())
            {
                None => (json!(""), None),
                Some(Owner::Text(t)) => (json!(t.value), Some(t.span)),
                Some(Owner::Structured { span, .. }) => {
                    let node = side
                        .tree
                        .root()
                        .get("service")
                        .and_then(|s| s.get("owner"))
                        .map_or(Value::Null, |n| n.to_json());
                    (node, Some(*span))
                }
            }
        };
        let ((ov, osp), (nv, nsp)) = (owner(self.old), owner(self.new));
        if ov != nv {
            let t = presence(ov == json!(""), nv == json!(""));
            self.field("service.owner", t, Some(ov), Some(nv), (osp, nsp));
        }
        let image = |side: &Side<'_>| {
            side.contract
                .service
                .as_ref()
                .and_then(|s| s.image.as_ref())
                .map(|i| {
                    (
                        text(&i.reference).to_string(),
                        span(&i.reference).or(Some(i.place.key)),
                    )
                })
        };
        let (oi, ni) = (image(self.old), image(self.new));
        let (oref, nref) = (
            oi.as_ref().map_or("", |i| i.0.as_str()),
            ni.as_ref().map_or("", |i| i.0.as_str()),
        );
        if oref != nref {
            let t = presence(oi.is_none(), ni.is_none());
            self.field(
                "service.image",
                t,
                Some(json!(oref)),
                Some(json!(nref)),
                (oi.as_ref().and_then(|i| i.1), ni.as_ref().and_then(|i| i.1)),
            );
        }
        let chart = |side: &Side<'_>| {
            side.contract
                .service
                .as_ref()
                .and_then(|s| s.chart.as_ref())
                .map(|c| {
                    (
                        format!("{}:{}", text(&c.reference), text(&c.version)),
                        c.place.key,
                    )
                })
        };
        let (oc, nc) = (chart(self.old), chart(self.new));
        let (ocs, ncs) = (
            oc.as_ref().map_or(String::new(), |c| c.0.clone()),
            nc.as_ref().map_or(String::new(), |c| c.0.clone()),
        );
        if ocs != ncs {
            let t = presence(oc.is_none(), nc.is_none());
            self.field(
                "service.chart",
                t,
                Some(json!(ocs)),
                Some(json!(ncs)),
                (oc.map(|c| c.1), nc.map(|c| c.1)),
            );
        }
    }

    fn scaling(&mut self) {
        let (o, n) = (
            self.old.contract.scaling.as_ref(),
            self.new.contract.scaling.as_ref(),
        );
        let summary = |s: &crate::model::Scaling| match &s.replicas {
            Some(r) => format!("replicas={}", r.value),
            None => format!("min={} max={}", int(&s.min), int(&s.max)),
        };
        match (o, n) {
            (None, None) => {}
            (None, Some(n)) => self.field(
                "scaling",
                ChangeType::Added,
                None,
                Some(json!(summary(n))),
                (None, Some(n.place.key)),
            ),
            (Some(o), None) => self.field(
                "scaling",
                ChangeType::Removed,
                Some(json!(summary(o))),
                None,
                (Some(o.place.key), None),
            ),
            (Some(o), Some(n)) => {
                if o.replicas.is_some() != n.replicas.is_some() {
                    self.field(
                        "scaling",
                        ChangeType::Modified,
                        Some(json!(summary(o))),
                        Some(json!(summary(n))),
                        (Some(o.place.key), Some(n.place.key)),
                    );
                } else if o.replicas.is_some() {
                    if int(&o.replicas) != int(&n.replicas) {
                        self.field(
                            "scaling.replicas",
                            ChangeType::Modified,
                            Some(json!(int(&o.replicas))),
                            Some(json!(int(&n.replicas))),
                            (span(&o.replicas), span(&n.replicas)),
                        );
                    }
                } else {
                    if int(&o.min) != int(&n.min) {
                        self.field(
                            "scaling.min",
                            ChangeType::Modified,
                            Some(json!(int(&o.min))),
                            Some(json!(int(&n.min))),
                            (span(&o.min), span(&n.min)),
                        );
                    }
                    if int(&o.max) != int(&n.max) {
                        self.field(
                            "scaling.max",
                            ChangeType::Modified,
                            Some(json!(int(&o.max))),
                            Some(json!(int(&n.max))),
                            (span(&o.max), span(&n.max)),
                        );
                    }
                }
            }
        }
    }

    /// `readiness` (pactoVersion "1.2"), as Go Pacto diffs it: every change is NON_BREAKING but
    /// reported (a check regressing, the gate moving, the assessment expiring); checks are keyed
    /// by id; the review history is not diffed (it changes on every release).
    fn readiness(&mut self) {
        use crate::model::{Readiness, ReadinessCheck};
        let (o, n) = (
            self.old.contract.readiness.as_ref(),
            self.new.contract.readiness.as_ref(),
        );
        let (o, n) = match (o, n) {
            (None, None) => return,
            (None, Some(n)) => {
                let span = Some(n.place.key);
                return self.field(
                    "readiness",
                    ChangeType::Added,
                    None,
                    Some(json!("readiness")),
                    (None, span),
                );
            }
            (Some(o), None) => {
                let span = Some(o.place.key);
                return self.field(
                    "readiness",
                    ChangeType::Removed,
                    Some(json!("readiness")),
                    None,
                    (span, None),
                );
            }
            (Some(o), Some(n)) => (o, n),
        };
        let min = |r: &Readiness| r.min_score.as_ref().map(|s| s.value);
        if min(o) != min(n) {
            self.field(
                "readiness.minScore",
                presence(min(o).is_none(), min(n).is_none()),
                Some(json!(min(o).unwrap_or(0))),
                Some(json!(min(n).unwrap_or(0))),
                (span(&o.min_score), span(&n.min_score)),
            );
        }
        let (oe, ne) = (text(&o.expires), text(&n.expires));
        if oe != ne {
            self.field(
                "readiness.expires",
                presence(oe.is_empty(), ne.is_empty()),
                Some(json!(oe)),
                Some(json!(ne)),
                (span(&o.expires), span(&n.expires)),
            );
        }
        let credit = |r: &Readiness| r.partial_credit.as_ref().map(|s| s.value);
        if credit(o) != credit(n) {
            self.field(
                "readiness.partialCredit",
                presence(credit(o).is_none(), credit(n).is_none()),
                Some(json!(credit(o).unwrap_or(0.0))),
                Some(json!(credit(n).unwrap_or(0.0))),
                (span(&o.partial_credit), span(&n.partial_credit)),
            );
        }
        // Keyed by id; a later duplicate id wins, as a Go map does.
        fn by_id(r: &Readiness) -> std::collections::BTreeMap<&str, &ReadinessCheck> {
            r.checks.iter().map(|c| (text(&c.id), c)).collect()
        }
        let summary = |c: &ReadinessCheck| {
            format!(
                "status={} weight={} evidence={}",
                text(&c.status),
                int(&c.weight),
                text(&c.evidence)
            )
        };
        fn fields(c: &ReadinessCheck) -> ([&str; 5], i64) {
            (
                [&c.kind, &c.category, &c.status, &c.evidence, &c.description].map(text),
                int(&c.weight),
            )
        }
        let (oc, nc) = (by_id(o), by_id(n));
        for (id, c) in &oc {
            let path = format!("readiness.checks[{id}]");
            match nc.get(id) {
                None => self.field_at(
                    "readiness.checks",
                    &path,
                    ChangeType::Removed,
                    Some(json!(summary(c))),
                    None,
                    (Some(c.span), None),
                ),
                // Any field differing makes the check modified (Go compares the whole struct).
                Some(n) if fields(c) != fields(n) => self.field_at(
                    "readiness.checks",
                    &path,
                    ChangeType::Modified,
                    Some(json!(summary(c))),
                    Some(json!(summary(n))),
                    (Some(c.span), Some(n.span)),
                ),
                Some(_) => {}
            }
        }
        for (id, c) in &nc {
            if !oc.contains_key(id) {
                self.field_at(
                    "readiness.checks",
                    &format!("readiness.checks[{id}]"),
                    ChangeType::Added,
                    None,
                    Some(json!(summary(c))),
                    (None, Some(c.span)),
                );
            }
        }
    }

    fn runtime(&mut self) {
        let (o, n) = (
            self.old.contract.runtime.as_ref(),
            self.new.contract.runtime.as_ref(),
        );
        if o.is_none() && n.is_none() {
            return;
        }
        type Get = fn(&crate::model::Runtime) -> &Option<Spanned<String>>;
        let none: &Option<Spanned<String>> = &None;
        let fields: [(&str, Get); 5] = [
            ("runtime.workload", |r| &r.workload),
            ("runtime.state.type", |r| {
                r.state.as_ref().map_or(&None, |s| &s.kind)
            }),
            ("runtime.state.persistence.scope", |r| {
                r.state.as_ref().map_or(&None, |s| &s.scope)
            }),
            ("runtime.state.persistence.durability", |r| {
                r.state.as_ref().map_or(&None, |s| &s.durability)
            }),
            ("runtime.state.dataCriticality", |r| {
                r.state.as_ref().map_or(&None, |s| &s.data_criticality)
            }),
        ];
        for (rule, get) in fields {
            let ov = o.map_or(none, get);
            let nv = n.map_or(none, get);
            if text(ov) != text(nv) {
                self.field(
                    rule,
                    ChangeType::Modified,
                    Some(json!(text(ov))),
                    Some(json!(text(nv))),
                    (span(ov), span(nv)),
                );
            }
        }
        let (ol, nl) = (
            o.and_then(|r| r.lifecycle.as_ref()),
            n.and_then(|r| r.lifecycle.as_ref()),
        );
        if ol.is_some() || nl.is_some() {
            let (os, ns) = (
                ol.map_or(none, |l| &l.upgrade_strategy),
                nl.map_or(none, |l| &l.upgrade_strategy),
            );
            if text(os) != text(ns) {
                self.field(
                    "runtime.lifecycle.upgradeStrategy",
                    presence(text(os).is_empty(), text(ns).is_empty()),
                    Some(json!(text(os))),
                    Some(json!(text(ns))),
                    (span(os), span(ns)),
                );
            }
            let (og, ng) = (
                ol.and_then(|l| l.graceful_shutdown_seconds.as_ref()),
                nl.and_then(|l| l.graceful_shutdown_seconds.as_ref()),
            );
            if og.map(|g| g.value) != ng.map(|g| g.value) {
                self.field(
                    "runtime.lifecycle.gracefulShutdownSeconds",
                    presence(og.is_none(), ng.is_none()),
                    Some(json!(og.map_or(0, |g| g.value))),
                    Some(json!(ng.map_or(0, |g| g.value))),
                    (og.map(|g| g.span), ng.map(|g| g.span)),
                );
            }
        }
        self.probe(
            "health",
            o.and_then(|r| r.health.as_ref()),
            n.and_then(|r| r.health.as_ref()),
        );
        self.probe(
            "metrics",
            o.and_then(|r| r.metrics.as_ref()),
            n.and_then(|r| r.metrics.as_ref()),
        );
    }

    /// Health and metrics: every difference is "modified", even from absent (Go Pacto).
    fn probe(&mut self, what: &str, o: Option<&Probe>, n: Option<&Probe>) {
        if o.is_none() && n.is_none() {
            return;
        }
        let none: &Option<Spanned<String>> = &None;
        for (field, get) in [
            (
                "interface",
                (|p: &Probe| &p.interface) as fn(&Probe) -> &Option<Spanned<String>>,
            ),
            ("path", |p: &Probe| &p.path),
        ] {
            let (ov, nv) = (o.map_or(none, get), n.map_or(none, get));
            if text(ov) != text(nv) {
                self.field(
                    &format!("runtime.{what}.{field}"),
                    ChangeType::Modified,
                    Some(json!(text(ov))),
                    Some(json!(text(nv))),
                    (span(ov), span(nv)),
                );
            }
        }
        if what == "health" {
            let (od, nd) = (
                o.and_then(|p| p.initial_delay_seconds.as_ref()),
                n.and_then(|p| p.initial_delay_seconds.as_ref()),
            );
            let (ov, nv) = (od.map_or(0, |d| d.value), nd.map_or(0, |d| d.value));
            if ov != nv {
                self.field(
                    "runtime.health.initialDelaySeconds",
                    ChangeType::Modified,
                    Some(json!(ov)),
                    Some(json!(nv)),
                    (od.map(|d| d.span), nd.map(|d| d.span)),
                );
            }
        }
    }

    fn dependencies(&mut self) {
        let (o, n) = (
            &self.old.contract.dependencies,
            &self.new.contract.dependencies,
        );
        for od in o {
            let r = od.reference();
            let item = format!("dependencies[{r}]");
            match n.iter().find(|nd| nd.reference() == r) {
                None => self.field_in(
                    "dependencies",
                    &item,
                    ChangeType::Removed,
                    Some(json!(r)),
                    None,
                    (span(&od.reference).or(Some(od.span)), None),
                ),
                Some(nd) => {
                    let (oc, nc) = (text(&od.compatibility), text(&nd.compatibility));
                    if oc != nc {
                        self.field_in(
                            "dependencies.compatibility",
                            &item,
                            ChangeType::Modified,
                            Some(json!(format!("{r}: {oc}"))),
                            Some(json!(format!("{r}: {nc}"))),
                            (span(&od.compatibility), span(&nd.compatibility)),
                        );
                    }
                    if od.is_required() != nd.is_required() {
                        self.field_in(
                            "dependencies.required",
                            &item,
                            ChangeType::Modified,
                            Some(json!(format!("{r}: required={}", od.is_required()))),
                            Some(json!(format!("{r}: required={}", nd.is_required()))),
                            (
                                span(&od.required).or(Some(od.span)),
                                span(&nd.required).or(Some(nd.span)),
                            ),
                        );
                    }
                }
            }
        }
        for nd in n {
            let r = nd.reference();
            let item = format!("dependencies[{r}]");
            if !o.iter().any(|od| od.reference() == r) {
                self.field_in(
                    "dependencies",
                    &item,
                    ChangeType::Added,
                    None,
                    Some(json!(r)),
                    (None, span(&nd.reference).or(Some(nd.span))),
                );
            }
        }
    }

    fn interfaces(&mut self) -> Result<(), DiffError> {
        let (o, n) = (&self.old.contract.interfaces, &self.new.contract.interfaces);
        for oi in o {
            let name = oi.name();
            let item = format!("interfaces[{name}]");
            let Some(ni) = n.iter().find(|ni| ni.name() == name) else {
                self.field_in(
                    "interfaces",
                    &item,
                    ChangeType::Removed,
                    Some(json!(name)),
                    None,
                    (span(&oi.name).or(Some(oi.span)), None),
                );
                continue;
            };
            if oi.kind() != ni.kind() {
                self.field_in(
                    "interfaces.type",
                    &item,
                    ChangeType::Modified,
                    Some(json!(format!("{name}: {}", oi.kind()))),
                    Some(json!(format!("{name}: {}", ni.kind()))),
                    (span(&oi.kind), span(&ni.kind)),
                );
            }
            let (op, np) = (
                oi.port.as_ref().map(|p| p.value),
                ni.port.as_ref().map(|p| p.value),
            );
            if op != np {
                self.field_in(
                    "interfaces.port",
                    &item,
                    presence(op.is_none(), np.is_none()),
                    Some(json!(op.unwrap_or(0))),
                    Some(json!(np.unwrap_or(0))),
                    (span(&oi.port), span(&ni.port)),
                );
            }
            let (ov, nv) = (text(&oi.visibility), text(&ni.visibility));
            if ov != nv {
                self.field_in(
                    "interfaces.visibility",
                    &item,
                    ChangeType::Modified,
                    Some(json!(format!("{name}: {ov}"))),
                    Some(json!(format!("{name}: {nv}"))),
                    (span(&oi.visibility), span(&ni.visibility)),
                );
            }
            let (oc, nc) = (text(&oi.contract), text(&ni.contract));
            match (oc.is_empty(), nc.is_empty()) {
                (false, false) => {
                    if oc != nc {
                        self.field_in(
                            "interfaces.contract",
                            &item,
                            ChangeType::Modified,
                            Some(json!(format!("{name}: {oc}"))),
                            Some(json!(format!("{name}: {nc}"))),
                            (span(&oi.contract), span(&ni.contract)),
                        );
                    }
                    let before = self.out.len();
                    self.openapi(oc, nc)?;
                    // The OpenAPI changes of this interface: say which one.
                    for c in &mut self.out[before..] {
                        c.reason = format!("{item}: {}", c.reason);
                        c.item = Some(item.clone());
                    }
                }
                (true, true) => {}
                _ => self.field_in(
                    "interfaces.contract",
                    &item,
                    ChangeType::Modified,
                    Some(json!(oc)),
                    Some(json!(nc)),
                    (span(&oi.contract), span(&ni.contract)),
                ),
            }
        }
        for ni in n {
            if !o.iter().any(|oi| oi.name() == ni.name()) {
                let item = format!("interfaces[{}]", ni.name());
                self.field_in(
                    "interfaces",
                    &item,
                    ChangeType::Added,
                    None,
                    Some(json!(ni.name())),
                    (None, span(&ni.name).or(Some(ni.span))),
                );
            }
        }
        Ok(())
    }

    /// The OpenAPI deep diff of two interface contract files. Files that are not OpenAPI
    /// (`.proto`, AsyncAPI, missing files) give nothing, as in Go Pacto; an OpenAPI-looking file
    /// (`.yaml`, `.yml`, `.json`) that does not parse is an error naming the side and file.
    fn openapi(&mut self, old_path: &str, new_path: &str) -> Result<(), DiffError> {
        let load = |side: &Side<'_>,
                    which: Which,
                    path: &str|
         -> Result<Option<Loaded<openapi::OpenApiDoc>>, DiffError> {
            let lower = path.to_ascii_lowercase();
            if !(lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json")) {
                return Ok(None);
            }
            let bytes = match side.bundle.read(path) {
                Ok(b) => b,
                Err(e) => return Ok(unreadable(which, "interface contract", path, &e)),
            };
            let text = String::from_utf8_lossy(&bytes);
            match openapi::OpenApiDoc::parse(path, &text) {
                Ok(doc) => Ok(Some(Ok(doc))),
                Err(e) if e.is_not_openapi() => Ok(None),
                Err(e) => Err(DiffError::OpenApi {
                    side: which,
                    file: path.to_string(),
                    message: e.to_string(),
                }),
            }
        };
        let (o, n) = (
            load(self.old, Which::Old, old_path)?,
            load(self.new, Which::New, new_path)?,
        );
        let (Some(Ok(o)), Some(Ok(n))) = (self.warn(o), self.warn(n)) else {
            return Ok(());
        };
        self.out.extend(openapi::diff(&o, &n));
        Ok(())
    }

    fn schema_diff(
        &mut self,
        prefix: &str,
        old_path: &str,
        new_path: &str,
    ) -> Result<(), DiffError> {
        let load = |side: &Side<'_>,
                    which: Which,
                    path: &str|
         -> Result<Option<Loaded<json_schema::SchemaDoc>>, DiffError> {
            let bytes = match side.bundle.read(path) {
                Ok(b) => b,
                Err(e) => return Ok(unreadable(which, "configuration schema", path, &e)),
            };
            // Read as `pacto validate` reads it (JSON): a schema it cannot read is skipped with a
            // warning, never a failed diff, since validation accepts it when the bundle has no
            // values to check against it — a bundle that validates always diffs.
            Ok(Some(
                json_schema::SchemaDoc::parse(path, &String::from_utf8_lossy(&bytes)).map_err(
                    |e| {
                        format!(
                            "{which} side: configuration schema {path} not compared: {e} (configuration schemas are read as JSON, as `pacto validate` reads them)"
                        )
                    },
                ),
            ))
        };
        let (o, n) = (
            load(self.old, Which::Old, old_path)?,
            load(self.new, Which::New, new_path)?,
        );
        let (Some(Ok(o)), Some(Ok(n))) = (self.warn(o), self.warn(n)) else {
            return Ok(());
        };
        for mut c in json_schema::diff(&o, &n) {
            if !prefix.is_empty() {
                c.path = format!("{prefix}.{}", c.path);
                c.item = Some(prefix.to_string());
            }
            self.out.push(c);
        }
        Ok(())
    }

    fn configuration(&mut self) -> Result<(), DiffError> {
        let (o, n) = (
            self.old.contract.configuration.as_ref(),
            self.new.contract.configuration.as_ref(),
        );
        let value = |c: &Configuration| {
            let r = text(&c.reference);
            json!(if r.is_empty() { text(&c.schema) } else { r })
        };
        match (o, n) {
            (None, None) => Ok(()),
            (None, Some(n)) => {
                self.field(
                    "configuration",
                    ChangeType::Added,
                    None,
                    Some(value(n)),
                    (None, Some(n.place.key)),
                );
                Ok(())
            }
            (Some(o), None) => {
                self.field(
                    "configuration",
                    ChangeType::Removed,
                    Some(value(o)),
                    None,
                    (Some(o.place.key), None),
                );
                Ok(())
            }
            (Some(o), Some(n)) => {
                let (os, ns) = (text(&o.schema), text(&n.schema));
                if os != ns {
                    self.field(
                        "configuration.schema",
                        ChangeType::Modified,
                        Some(json!(os)),
                        Some(json!(ns)),
                        (span(&o.schema), span(&n.schema)),
                    );
                }
                let (or, nr) = (text(&o.reference), text(&n.reference));
                if or != nr {
                    self.field(
                        "configuration.ref",
                        presence(or.is_empty(), nr.is_empty()),
                        Some(json!(or)),
                        Some(json!(nr)),
                        (span(&o.reference), span(&n.reference)),
                    );
                }
                if !os.is_empty() && !ns.is_empty() {
                    self.schema_diff("", os, ns)?;
                }
                Ok(())
            }
        }
    }

    /// Entries of a keyed list (`configurations[]`, `policies[]`): an entry missing on one side is
    /// `<section>` removed or added; for entries on both sides each of `fields` that differs is
    /// `<section>.<field>` at `<section>[<key>].<field>` — added/removed/modified by presence,
    /// or always modified when the field's flag says so. Returns the entries on both sides.
    fn keyed<'e, T>(
        &mut self,
        section: &str,
        (old, new): (&'e [T], &'e [T]),
        key: impl Fn(&T) -> String,
        place: impl Fn(&T) -> Span,
        fields: &[KeyedField<T>],
    ) -> Vec<(String, &'e T, &'e T)> {
        let mut both = Vec::new();
        for o in old {
            let k = key(o);
            let item = format!("{section}[{k}]");
            let Some(n) = new.iter().find(|n| key(n) == k) else {
                let spans = (Some(place(o)), None);
                self.field_in(
                    section,
                    &item,
                    ChangeType::Removed,
                    Some(json!(k)),
                    None,
                    spans,
                );
                continue;
            };
            for &(field, get, always_modified) in fields {
                let (ov, nv) = (text(get(o)), text(get(n)));
                if ov == nv {
                    continue;
                }
                let t = if always_modified {
                    ChangeType::Modified
                } else {
                    presence(ov.is_empty(), nv.is_empty())
                };
                self.field_at(
                    &format!("{section}.{field}"),
                    &format!("{item}.{field}"),
                    t,
                    Some(json!(ov)),
                    Some(json!(nv)),
                    (span(get(o)), span(get(n))),
                );
                if let Some(c) = self.out.last_mut() {
                    c.item = Some(item.clone());
                }
            }
            both.push((k, o, n));
        }
        for n in new {
            let k = key(n);
            if !old.iter().any(|o| key(o) == k) {
                let spans = (None, Some(place(n)));
                let item = format!("{section}[{k}]");
                self.field_in(
                    section,
                    &item,
                    ChangeType::Added,
                    None,
                    Some(json!(k)),
                    spans,
                );
            }
        }
        both
    }

    /// LATE-V1 `configurations[]`, keyed by name.
    fn configurations(&mut self) -> Result<(), DiffError> {
        let lists = (
            self.old.contract.configurations.as_slice(),
            self.new.contract.configurations.as_slice(),
        );
        let both = self.keyed(
            "configurations",
            lists,
            |c: &Configuration| text(&c.name).to_string(),
            |c| c.place.key,
            &[
                ("schema", |c| &c.schema, false),
                ("ref", |c| &c.reference, false),
            ],
        );
        for (key, oc, nc) in both {
            let (os, ns) = (text(&oc.schema), text(&nc.schema));
            if !os.is_empty() && !ns.is_empty() {
                self.schema_diff(&format!("configurations[{key}]"), os, ns)?;
            }
        }
        Ok(())
    }

    fn policy(&mut self) {
        let (o, n) = (
            self.old.contract.policy.as_ref(),
            self.new.contract.policy.as_ref(),
        );
        let value = |p: &Policy| {
            let r = text(&p.reference);
            json!(if r.is_empty() { text(&p.schema) } else { r })
        };
        match (o, n) {
            (None, None) => {}
            (None, Some(n)) => self.field(
                "policy",
                ChangeType::Added,
                None,
                Some(value(n)),
                (None, Some(n.place.key)),
            ),
            (Some(o), None) => self.field(
                "policy",
                ChangeType::Removed,
                Some(value(o)),
                None,
                (Some(o.place.key), None),
            ),
            (Some(o), Some(n)) => {
                for (field, get) in [
                    (
                        "policy.schema",
                        (|p: &Policy| &p.schema) as fn(&Policy) -> &Option<Spanned<String>>,
                    ),
                    ("policy.ref", |p: &Policy| &p.reference),
                ] {
                    let (ov, nv) = (text(get(o)), text(get(n)));
                    if ov != nv {
                        self.field(
                            field,
                            ChangeType::Modified,
                            Some(json!(ov)),
                            Some(json!(nv)),
                            (span(get(o)), span(get(n))),
                        );
                    }
                }
            }
        }
    }

    /// LATE-V1 `policies[]`, keyed by name (or by what they point at when unnamed); a changed
    /// schema is always "modified" (spec §11.3).
    fn policies(&mut self) {
        let key = |p: &Policy| {
            let n = text(&p.name);
            if !n.is_empty() {
                return n.to_string();
            }
            let r = text(&p.reference);
            if r.is_empty() { text(&p.schema) } else { r }.to_string()
        };
        let lists = (
            self.old.contract.policies.as_slice(),
            self.new.contract.policies.as_slice(),
        );
        self.keyed(
            "policies",
            lists,
            key,
            |p| p.place.key,
            &[
                ("schema", |p| &p.schema, true),
                ("ref", |p| &p.reference, false),
            ],
        );
    }
}
