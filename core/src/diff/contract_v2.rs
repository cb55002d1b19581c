//! The diff of two `pactoVersion: "2.0"` contracts with Go Pacto 3.x's rules
//! (`pkg/diff/{contract,dependency,interfaces,readiness}.go`, table [`super::classify_v2`]):
//! the structured owner field by field, top-level `workload` and `state`, `capabilities`,
//! dependencies, interfaces, configurations and policies keyed by name, configuration values key
//! by key, readiness claims by id, and the content of each interface's spec (OpenAPI, AsyncAPI,
//! `.proto`) and of each schema. Read from the span tree, so every change carries its lines.

use super::contract::{explain, read_problem, source, unreadable, Loaded};
use super::walk::{self, At, Direction};
use super::{
    asyncapi, grpc, openapi, openapi_v2, overall, sbom, sort_changes, Change, ChangeType,
    ContractDiff, DiffError, Side, Which,
};
use crate::syntax::NodeRef;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Go's fixed path of a policy-provider bundle's schema.
const POLICY_SCHEMA_PATH: &str = "policy/schema.json";

/// Compare two 2.0 contracts with their bundles.
pub(super) fn compare(old: &Side<'_>, new: &Side<'_>) -> Result<ContractDiff, DiffError> {
    let mut d = V2 {
        old,
        new,
        out: Vec::new(),
        warnings: Vec::new(),
    };
    d.root();
    d.dependencies();
    d.interfaces()?;
    d.sources("configurations")?;
    d.sources("policies")?;
    d.policy_schema_file();
    d.readiness();
    let mut changes = d.out;
    let mut warnings = d.warnings;
    sort_changes(&mut changes);
    let sbom = sbom::diff(
        super::contract::load_sbom(old, Which::Old, &mut warnings).as_ref(),
        super::contract::load_sbom(new, Which::New, &mut warnings).as_ref(),
    );
    Ok(ContractDiff {
        classification: overall(&changes),
        changes,
        sbom,
        warnings,
    })
}

struct V2<'s, 'a> {
    old: &'s Side<'a>,
    new: &'s Side<'a>,
    out: Vec<Change>,
    warnings: Vec<String>,
}

/// A scalar's text, `""` when absent or not a scalar (Go's zero string).
fn text(n: Option<NodeRef<'_>>) -> &str {
    n.and_then(|n| n.as_str()).unwrap_or("")
}

/// Go's `strChangeType`: added when the old text is empty, removed when the new one is.
fn presence(old: &str, new: &str) -> ChangeType {
    if old.is_empty() {
        ChangeType::Added
    } else if new.is_empty() {
        ChangeType::Removed
    } else {
        ChangeType::Modified
    }
}

/// The mapping entries of the list under `key`, keyed by `field` (a later duplicate wins, as in
/// Go's map index), sorted.
fn keyed<'t>(parent: Option<NodeRef<'t>>, key: &str, field: &str) -> BTreeMap<String, NodeRef<'t>> {
    parent
        .and_then(|p| p.get(key))
        .into_iter()
        .flat_map(|l| l.items())
        .filter(|n| n.is_mapping())
        .map(|n| (text(n.get(field)).to_string(), n))
        .collect()
}

/// Why a 2.0 rule classifies as it does, for the rules 1.x does not have.
fn explain_v2(rule: &str, t: ChangeType) -> String {
    let why = match (rule, t) {
        ("service.owner.team" | "service.owner.dri" | "service.owner.contacts", _) => {
            "ownership does not change how consumers call the service"
        }
        ("workload", ChangeType::Modified) => "platforms schedule and operate the service differently",
        ("workload", _) => "declaring or dropping the workload kind documents, it does not change, how the service runs",
        ("state.type" | "state.persistence.scope" | "state.persistence.durability", _) => {
            "storage and data guarantees change; operators and data consumers must adapt"
        }
        ("state.dataCriticality", ChangeType::Modified) => "backup, alerting and handling expectations change",
        ("state.dataCriticality", _) => "the data's criticality is now stated or no longer stated",
        ("capabilities", ChangeType::Added) => "a new capability adds what the platform can use without taking anything away",
        ("capabilities", _) => "probes, scrapers or tooling relying on the capability lose it",
        ("interfaces.ref", _) => "the interface's spec moved; callers should re-check it",
        ("dependencies.ref", _) => "the dependency now points at another contract",
        ("readiness.claims", _) => "readiness records operational maturity, not what consumers rely on",
        ("configurations.values", _) => "values are the provider's own defaults, not part of what consumers rely on",
        (POLICY_SCHEMA_PATH, _) => "the rules contracts referencing this policy are held to change",
        ("pactoVersion", _) => "the contract format changed, not the service",
        _ => return explain(rule, t),
    };
    let mut chars = why.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// The entry a change is about, and the nodes of each side it sits at.
struct At2<'t> {
    item: Option<String>,
    old: Option<NodeRef<'t>>,
    new: Option<NodeRef<'t>>,
}

impl<'a> V2<'_, 'a> {
    fn old_root(&self) -> NodeRef<'a> {
        self.old.tree.root()
    }

    fn new_root(&self) -> NodeRef<'a> {
        self.new.tree.root()
    }

    /// A change under `rule` at `path`, Go's reason `<shown> <type>` where `shown` names the
    /// list entry (`interfaces[api].type`), classified by the 2.0 table.
    fn push(
        &mut self,
        rule: &str,
        path: &str,
        t: ChangeType,
        values: (Option<Value>, Option<Value>),
        at: At2<'_>,
    ) {
        let shown = match (&at.item, rule.split_once('.')) {
            (Some(item), Some((_, rest))) if path == rule => format!("{item}.{rest}"),
            (Some(item), None) if path == rule => item.clone(),
            _ => path.to_string(),
        };
        let mut c = Change::new_v2(rule, path, t, values.0, values.1, format!("{shown} {t}"))
            .with_explanation(explain_v2(rule, t))
            .with_sources(
                source(self.old, at.old.map(|n| n.span())),
                source(self.new, at.new.map(|n| n.span())),
            );
        c.item = at.item;
        self.out.push(c);
    }

    /// A string field compared as Go compares it: any difference of the texts, typed by presence.
    fn string_field(
        &mut self,
        rule: &str,
        item: Option<&str>,
        o: Option<NodeRef<'_>>,
        n: Option<NodeRef<'_>>,
    ) {
        let (ov, nv) = (text(o), text(n));
        if ov != nv {
            self.push(
                rule,
                rule,
                presence(ov, nv),
                (Some(json!(ov)), Some(json!(nv))),
                At2 {
                    item: item.map(str::to_string),
                    old: o,
                    new: n,
                },
            );
        }
    }

    /// `pactoVersion`, the service's identity and owner, `workload`, `state`, `capabilities`.
    fn root(&mut self) {
        let (o, n) = (self.old_root(), self.new_root());
        self.string_field(
            "pactoVersion",
            None,
            o.get("pactoVersion"),
            n.get("pactoVersion"),
        );
        let (os, ns) = (o.get("service"), n.get("service"));
        for key in ["name", "version"] {
            let (ov, nv) = (os.and_then(|s| s.get(key)), ns.and_then(|s| s.get(key)));
            if text(ov) != text(nv) {
                let rule = format!("service.{key}");
                self.push(
                    &rule,
                    &rule,
                    ChangeType::Modified,
                    (Some(json!(text(ov))), Some(json!(text(nv)))),
                    At2 {
                        item: None,
                        old: ov,
                        new: nv,
                    },
                );
            }
        }
        let (oo, no) = (
            os.and_then(|s| s.get("owner")),
            ns.and_then(|s| s.get("owner")),
        );
        for key in ["team", "dri"] {
            let rule = format!("service.owner.{key}");
            self.string_field(
                &rule,
                None,
                oo.and_then(|x| x.get(key)),
                no.and_then(|x| x.get(key)),
            );
        }
        self.contacts(oo, no);
        self.string_field("workload", None, o.get("workload"), n.get("workload"));
        self.state(o.get("state"), n.get("state"));
        self.capabilities(o.get("capabilities"), n.get("capabilities"));
    }

    /// Owner contacts keyed by `type:value`; a purpose change is a modification.
    fn contacts(&mut self, oo: Option<NodeRef<'_>>, no: Option<NodeRef<'_>>) {
        fn index(owner: Option<NodeRef<'_>>) -> BTreeMap<String, NodeRef<'_>> {
            owner
                .and_then(|o| o.get("contacts"))
                .into_iter()
                .flat_map(|c| c.items())
                .filter(|c| c.is_mapping())
                .map(|c| {
                    (
                        format!("{}:{}", text(c.get("type")), text(c.get("value"))),
                        c,
                    )
                })
                .collect()
        }
        fn format(key: &str, c: NodeRef<'_>) -> Value {
            match text(c.get("purpose")) {
                "" => json!(key),
                p => json!(format!("{key} ({p})")),
            }
        }
        let (oc, nc) = (index(oo), index(no));
        for (k, o) in &oc {
            let path = format!("service.owner.contacts[{k}]");
            match nc.get(k) {
                None => self.push(
                    "service.owner.contacts",
                    &path,
                    ChangeType::Removed,
                    (Some(format(k, *o)), None),
                    At2 {
                        item: None,
                        old: Some(*o),
                        new: no,
                    },
                ),
                Some(n) if text(o.get("purpose")) != text(n.get("purpose")) => self.push(
                    "service.owner.contacts",
                    &path,
                    ChangeType::Modified,
                    (Some(format(k, *o)), Some(format(k, *n))),
                    At2 {
                        item: None,
                        old: Some(*o),
                        new: Some(*n),
                    },
                ),
                Some(_) => {}
            }
        }
        for (k, n) in &nc {
            if !oc.contains_key(k) {
                self.push(
                    "service.owner.contacts",
                    &format!("service.owner.contacts[{k}]"),
                    ChangeType::Added,
                    (None, Some(format(k, *n))),
                    At2 {
                        item: None,
                        old: oo,
                        new: Some(*n),
                    },
                );
            }
        }
    }

    fn state(&mut self, o: Option<NodeRef<'_>>, n: Option<NodeRef<'_>>) {
        fn persistence<'t>(s: Option<NodeRef<'t>>, key: &str) -> Option<NodeRef<'t>> {
            s.and_then(|s| s.get("persistence"))
                .and_then(|p| p.get(key))
        }
        if o.is_none() && n.is_none() {
            return;
        }
        self.string_field(
            "state.type",
            None,
            o.and_then(|s| s.get("type")),
            n.and_then(|s| s.get("type")),
        );
        for key in ["scope", "durability"] {
            let rule = format!("state.persistence.{key}");
            self.string_field(&rule, None, persistence(o, key), persistence(n, key));
        }
        self.string_field(
            "state.dataCriticality",
            None,
            o.and_then(|s| s.get("dataCriticality")),
            n.and_then(|s| s.get("dataCriticality")),
        );
    }

    /// Capabilities keyed by `type` (or `type:ref` for an extension): added or removed only, as
    /// Go compares them (a binding's interface or path is not diffed).
    fn capabilities(&mut self, o: Option<NodeRef<'_>>, n: Option<NodeRef<'_>>) {
        fn index(list: Option<NodeRef<'_>>) -> BTreeMap<String, (String, NodeRef<'_>)> {
            list.into_iter()
                .flat_map(|l| l.items())
                .filter(|c| c.is_mapping())
                .map(|c| {
                    let (t, r) = (text(c.get("type")), text(c.get("ref")));
                    if r.is_empty() {
                        (t.to_string(), (t.to_string(), c))
                    } else {
                        (format!("{t}:{r}"), (format!("{t} ({r})"), c))
                    }
                })
                .collect()
        }
        let (oc, nc) = (index(o), index(n));
        for (k, (shown, node)) in &oc {
            if !nc.contains_key(k) {
                self.push(
                    "capabilities",
                    "capabilities",
                    ChangeType::Removed,
                    (Some(json!(shown)), None),
                    At2 {
                        item: Some(format!("capabilities[{k}]")),
                        old: Some(*node),
                        new: n,
                    },
                );
            }
        }
        for (k, (shown, node)) in &nc {
            if !oc.contains_key(k) {
                self.push(
                    "capabilities",
                    "capabilities",
                    ChangeType::Added,
                    (None, Some(json!(shown))),
                    At2 {
                        item: Some(format!("capabilities[{k}]")),
                        old: o,
                        new: Some(*node),
                    },
                );
            }
        }
    }

    /// Dependencies keyed by name: `ref`, `compatibility` and `required`.
    fn dependencies(&mut self) {
        let (o, n) = (
            keyed(Some(self.old_root()), "dependencies", "name"),
            keyed(Some(self.new_root()), "dependencies", "name"),
        );
        for (name, od) in &o {
            let item = format!("dependencies[{name}]");
            let Some(nd) = n.get(name) else {
                self.push(
                    "dependencies",
                    "dependencies",
                    ChangeType::Removed,
                    (Some(json!(name)), None),
                    At2 {
                        item: Some(item),
                        old: Some(*od),
                        new: None,
                    },
                );
                continue;
            };
            for key in ["ref", "compatibility"] {
                let (ov, nv) = (od.get(key), nd.get(key));
                if text(ov) != text(nv) {
                    let rule = format!("dependencies.{key}");
                    self.push(
                        &rule,
                        &rule,
                        ChangeType::Modified,
                        (
                            Some(json!(format!("{name}: {}", text(ov)))),
                            Some(json!(format!("{name}: {}", text(nv)))),
                        ),
                        At2 {
                            item: Some(item.clone()),
                            old: ov.or(Some(*od)),
                            new: nv.or(Some(*nd)),
                        },
                    );
                }
            }
            let required =
                |d: NodeRef<'_>| d.get("required").and_then(|r| r.as_bool()) == Some(true);
            if required(*od) != required(*nd) {
                self.push(
                    "dependencies.required",
                    "dependencies.required",
                    ChangeType::Modified,
                    (
                        Some(json!(format!("{name}: required={}", required(*od)))),
                        Some(json!(format!("{name}: required={}", required(*nd)))),
                    ),
                    At2 {
                        item: Some(item),
                        old: od.get("required").or(Some(*od)),
                        new: nd.get("required").or(Some(*nd)),
                    },
                );
            }
        }
        for (name, nd) in &n {
            if !o.contains_key(name) {
                self.push(
                    "dependencies",
                    "dependencies",
                    ChangeType::Added,
                    (None, Some(json!(name))),
                    At2 {
                        item: Some(format!("dependencies[{name}]")),
                        old: None,
                        new: Some(*nd),
                    },
                );
            }
        }
    }

    /// Interfaces keyed by name: `type`, `visibility`, `ref`, then the spec's content when both
    /// sides are of the same kind and name a spec.
    fn interfaces(&mut self) -> Result<(), DiffError> {
        let (o, n) = (
            keyed(Some(self.old_root()), "interfaces", "name"),
            keyed(Some(self.new_root()), "interfaces", "name"),
        );
        for (name, oi) in &o {
            let item = format!("interfaces[{name}]");
            let Some(ni) = n.get(name) else {
                self.push(
                    "interfaces",
                    "interfaces",
                    ChangeType::Removed,
                    (Some(json!(name)), None),
                    At2 {
                        item: Some(item),
                        old: oi.get("name").or(Some(*oi)),
                        new: None,
                    },
                );
                continue;
            };
            for key in ["type", "visibility", "ref"] {
                let (ov, nv) = (oi.get(key), ni.get(key));
                if text(ov) != text(nv) {
                    let rule = format!("interfaces.{key}");
                    self.push(
                        &rule,
                        &rule,
                        ChangeType::Modified,
                        (
                            Some(json!(format!("{name}: {}", text(ov)))),
                            Some(json!(format!("{name}: {}", text(nv)))),
                        ),
                        At2 {
                            item: Some(item.clone()),
                            old: ov.or(Some(*oi)),
                            new: nv.or(Some(*ni)),
                        },
                    );
                }
            }
            let (kind, ok) = (text(oi.get("type")), text(ni.get("type")));
            let (oref, nref) = (text(oi.get("ref")), text(ni.get("ref")));
            if kind == ok && !oref.is_empty() && !nref.is_empty() {
                let before = self.out.len();
                self.spec(kind, oref, nref)?;
                for c in &mut self.out[before..] {
                    c.reason = format!("{item}: {}", c.reason);
                    c.item = Some(item.clone());
                }
            }
        }
        for (name, ni) in &n {
            if !o.contains_key(name) {
                self.push(
                    "interfaces",
                    "interfaces",
                    ChangeType::Added,
                    (None, Some(json!(name))),
                    At2 {
                        item: Some(format!("interfaces[{name}]")),
                        old: None,
                        new: ni.get("name").or(Some(*ni)),
                    },
                );
            }
        }
        Ok(())
    }

    /// Read one side's bundle file: `None` when missing (validation reports it; Go compares
    /// nothing), a warning when it cannot be read.
    fn read(&mut self, which: Which, what: &str, path: &str) -> Option<String> {
        let side = match which {
            Which::Old => self.old,
            Which::New => self.new,
        };
        match side.bundle.read(path) {
            Ok(b) => Some(String::from_utf8_lossy(&b).into_owned()),
            Err(e) => {
                let skipped: Option<Loaded<()>> = unreadable(which, what, path, &e);
                if let Some(Err(w)) = skipped {
                    self.warnings.push(w);
                }
                None
            }
        }
    }

    /// The content diff of one interface's two specs.
    fn spec(&mut self, kind: &str, old_path: &str, new_path: &str) -> Result<(), DiffError> {
        let (Some(ot), Some(nt)) = (
            self.read(Which::Old, "interface spec", old_path),
            self.read(Which::New, "interface spec", new_path),
        ) else {
            return Ok(());
        };
        let fail = |side: Which, file: &str, message: String| DiffError::OpenApi {
            side,
            file: file.to_string(),
            message,
        };
        match kind {
            "openapi" => {
                let mut load = |which: Which, path: &str, text: &str| {
                    match openapi::OpenApiDoc::parse(path, text) {
                        Ok(doc) => Ok(Some(doc)),
                        // No `paths` (Go reads no operations from it): nothing to compare.
                        Err(e) if e.is_not_openapi() => {
                            self.warnings.push(format!(
                                "{which} side: interface spec {path} not compared: {e}"
                            ));
                            Ok(None)
                        }
                        Err(e) => Err(fail(which, path, e.to_string())),
                    }
                };
                let o = load(Which::Old, old_path, &ot)?;
                let n = load(Which::New, new_path, &nt)?;
                if let (Some(o), Some(n)) = (o, n) {
                    self.out.extend(openapi_v2::diff(&o, &n));
                }
            }
            "asyncapi" => {
                let o = asyncapi::AsyncApiDoc::parse(old_path, &ot)
                    .map_err(|e| fail(Which::Old, old_path, e.to_string()))?;
                let n = asyncapi::AsyncApiDoc::parse(new_path, &nt)
                    .map_err(|e| fail(Which::New, new_path, e.to_string()))?;
                self.out.extend(asyncapi::diff(&o, &n));
            }
            "grpc" => {
                let o = grpc::ProtoDoc::parse(old_path, &ot);
                let n = grpc::ProtoDoc::parse(new_path, &nt);
                for (which, doc) in [(Which::Old, &o), (Which::New, &n)] {
                    if let Some(size) = doc.too_large() {
                        self.warnings.push(format!(
                            "{which} side: interface spec {} not compared: it is {size} bytes, over the {} MiB Pacto reads",
                            doc.file(),
                            openapi::MAX_DOCUMENT_BYTES / (1024 * 1024)
                        ));
                    }
                }
                self.out.extend(grpc::diff(&o, &n));
            }
            _ => {}
        }
        Ok(())
    }

    /// Configurations or policies keyed by name: `schema` and `ref` by presence, the schema
    /// files' content, and (configurations) the inline values key by key.
    fn sources(&mut self, field: &str) -> Result<(), DiffError> {
        let (o, n) = (
            keyed(Some(self.old_root()), field, "name"),
            keyed(Some(self.new_root()), field, "name"),
        );
        let summary = |name: &str, s: NodeRef<'_>| {
            let (r, sc) = (text(s.get("ref")), text(s.get("schema")));
            json!(if !r.is_empty() {
                format!("{name}: {r}")
            } else if !sc.is_empty() {
                format!("{name}: {sc}")
            } else {
                name.to_string()
            })
        };
        for (name, os) in &o {
            let item = format!("{field}[{name}]");
            let Some(ns) = n.get(name) else {
                self.push(
                    field,
                    field,
                    ChangeType::Removed,
                    (Some(summary(name, *os)), None),
                    At2 {
                        item: Some(item),
                        old: os.get("name").or(Some(*os)),
                        new: None,
                    },
                );
                continue;
            };
            for key in ["schema", "ref"] {
                let (ov, nv) = (os.get(key), ns.get(key));
                let (ot, nt) = (text(ov), text(nv));
                if ot != nt {
                    let rule = format!("{field}.{key}");
                    self.push(
                        &rule,
                        &rule,
                        presence(ot, nt),
                        (
                            Some(json!(format!("{name}: {ot}"))),
                            Some(json!(format!("{name}: {nt}"))),
                        ),
                        At2 {
                            item: Some(item.clone()),
                            old: ov.or(Some(*os)),
                            new: nv.or(Some(*ns)),
                        },
                    );
                }
            }
            let (osc, nsc) = (text(os.get("schema")), text(ns.get("schema")));
            if !osc.is_empty() && !nsc.is_empty() {
                let before = self.out.len();
                self.schema(osc, nsc)?;
                for c in &mut self.out[before..] {
                    c.reason = format!("{item}: {}", c.reason);
                    c.item = Some(item.clone());
                }
            }
            if field == "configurations" {
                self.values(name, &item, os.get("values"), ns.get("values"));
            }
        }
        for (name, ns) in &n {
            if !o.contains_key(name) {
                self.push(
                    field,
                    field,
                    ChangeType::Added,
                    (None, Some(summary(name, *ns))),
                    At2 {
                        item: Some(format!("{field}[{name}]")),
                        old: None,
                        new: ns.get("name").or(Some(*ns)),
                    },
                );
            }
        }
        Ok(())
    }

    /// Inline configuration values, key by key, every change NON_BREAKING (the provider's
    /// defaults). A side without `values` compares as an empty mapping, as in Go.
    fn values(&mut self, name: &str, item: &str, o: Option<NodeRef<'_>>, n: Option<NodeRef<'_>>) {
        let prefix = format!("configurations[{name}].values");
        let (old_file, new_file) = (self.old.file, self.new.file);
        let mut found = match (o, n) {
            (Some(o), Some(n)) => walk::diff(
                Direction::Unknown,
                &prefix,
                At::new(old_file, o),
                At::new(new_file, n),
            ),
            (None, None) => Vec::new(),
            (only_old, only_new) => {
                // Every key of the one side is added or removed.
                let (node, added) = match (only_old, only_new) {
                    (Some(x), None) => (x, false),
                    (None, Some(x)) => (x, true),
                    _ => return,
                };
                walk::keyed(node)
                    .into_iter()
                    .map(|(k, v)| {
                        let path = format!("{prefix}.{k}");
                        let at = if added {
                            At::new(new_file, v)
                        } else {
                            At::new(old_file, v)
                        };
                        let (t, old, new, src) = if added {
                            (
                                ChangeType::Added,
                                None,
                                Some(v.to_json()),
                                (None, Some(at.source())),
                            )
                        } else {
                            (
                                ChangeType::Removed,
                                Some(v.to_json()),
                                None,
                                (Some(at.source()), None),
                            )
                        };
                        Change::new_v2(
                            "configurations.values",
                            &path,
                            t,
                            old,
                            new,
                            format!("{path} {t}"),
                        )
                        .with_sources(src.0, src.1)
                    })
                    .collect()
            }
        };
        for c in &mut found {
            c.classification = super::Classification::NonBreaking;
            c.explanation = Some(explain_v2("configurations.values", c.change_type));
            c.item = Some(item.to_string());
        }
        self.out.extend(found);
    }

    /// The content diff of two schema files (Go's `diffSchema`: the walk under `schema`, the
    /// data's direction unknown). A schema that does not parse is skipped with a warning.
    fn schema(&mut self, old_path: &str, new_path: &str) -> Result<(), DiffError> {
        let (Some(ot), Some(nt)) = (
            self.read(Which::Old, "schema", old_path),
            self.read(Which::New, "schema", new_path),
        ) else {
            return Ok(());
        };
        let parse = |which: Which, path: &str, text: &str| {
            let parsed = crate::syntax::parse(text, &crate::syntax::Limits::default());
            match (parsed.tree, parsed.errors.first()) {
                (Some(t), None) => Ok(t),
                (_, Some(e)) => Err(format!(
                    "{which} side: schema {path} not compared: {}",
                    e.message
                )),
                (None, None) => Err(format!(
                    "{which} side: schema {path} not compared: it is empty"
                )),
            }
        };
        let (o, n) = match (
            parse(Which::Old, old_path, &ot),
            parse(Which::New, new_path, &nt),
        ) {
            (Ok(o), Ok(n)) => (o, n),
            (o, n) => {
                self.warnings.extend(o.err());
                self.warnings.extend(n.err());
                return Ok(());
            }
        };
        self.out.extend(walk::diff(
            Direction::Unknown,
            "schema",
            At::new(old_path, o.root()),
            At::new(new_path, n.root()),
        ));
        Ok(())
    }

    /// A policy-provider bundle (no `policies` on either side) that ships `policy/schema.json`:
    /// its appearance, disappearance or content change.
    fn policy_schema_file(&mut self) {
        let has = |side: &Side<'_>| {
            side.tree
                .root()
                .get("policies")
                .is_some_and(|p| p.items().next().is_some())
        };
        if has(self.old) || has(self.new) {
            return;
        }
        let exists = |side: &Side<'_>| side.bundle.read(POLICY_SCHEMA_PATH);
        match (exists(self.old), exists(self.new)) {
            (Ok(_), Ok(_)) => {
                if let Err(e) = self.schema(POLICY_SCHEMA_PATH, POLICY_SCHEMA_PATH) {
                    self.warnings.push(e.to_string());
                }
            }
            (Err(_), Ok(_)) => self.out.push(
                Change::new_v2(
                    POLICY_SCHEMA_PATH,
                    POLICY_SCHEMA_PATH,
                    ChangeType::Added,
                    None,
                    Some(json!(POLICY_SCHEMA_PATH)),
                    format!("{POLICY_SCHEMA_PATH} added"),
                )
                .with_explanation(explain_v2(POLICY_SCHEMA_PATH, ChangeType::Added)),
            ),
            (Ok(_), Err(_)) => self.out.push(
                Change::new_v2(
                    POLICY_SCHEMA_PATH,
                    POLICY_SCHEMA_PATH,
                    ChangeType::Removed,
                    Some(json!(POLICY_SCHEMA_PATH)),
                    None,
                    format!("{POLICY_SCHEMA_PATH} removed"),
                )
                .with_explanation(explain_v2(POLICY_SCHEMA_PATH, ChangeType::Removed)),
            ),
            (Err(o), Err(n)) => {
                for (which, e) in [(Which::Old, o), (Which::New, n)] {
                    if !matches!(
                        e,
                        crate::bundle::BundleError::NotFound(_)
                            | crate::bundle::BundleError::InvalidPath(_)
                    ) {
                        self.warnings.push(format!(
                            "{which} side: {POLICY_SCHEMA_PATH} not compared: {}",
                            read_problem(&e)
                        ));
                    }
                }
            }
        }
    }

    /// `readiness`: every change NON_BREAKING but reported; claims keyed by id, any field
    /// differing makes a claim modified; the history is not diffed.
    fn readiness(&mut self) {
        let (o, n) = (
            self.old_root().get("readiness"),
            self.new_root().get("readiness"),
        );
        let (o, n) = match (o, n) {
            (None, None) => return,
            (None, Some(n)) => {
                return self.push(
                    "readiness",
                    "readiness",
                    ChangeType::Added,
                    (None, Some(json!("readiness"))),
                    At2 {
                        item: None,
                        old: None,
                        new: Some(n),
                    },
                )
            }
            (Some(o), None) => {
                return self.push(
                    "readiness",
                    "readiness",
                    ChangeType::Removed,
                    (Some(json!("readiness")), None),
                    At2 {
                        item: None,
                        old: Some(o),
                        new: None,
                    },
                )
            }
            (Some(o), Some(n)) => (o, n),
        };
        // Optional numbers: absent is not zero.
        for key in ["minScore", "partialCredit"] {
            let (ov, nv) = (o.get(key), n.get(key));
            let num = |v: Option<NodeRef<'_>>| v.map(|v| v.to_json());
            let changed = match (ov, nv) {
                (None, None) => false,
                (Some(a), Some(b)) => !walk::same(a, b),
                _ => true,
            };
            if changed {
                let t = match (ov, nv) {
                    (None, _) => ChangeType::Added,
                    (_, None) => ChangeType::Removed,
                    _ => ChangeType::Modified,
                };
                let zero = json!(0);
                let rule = format!("readiness.{key}");
                self.push(
                    &rule,
                    &rule,
                    t,
                    (
                        Some(num(ov).unwrap_or_else(|| zero.clone())),
                        Some(num(nv).unwrap_or(zero)),
                    ),
                    At2 {
                        item: None,
                        old: ov.or(Some(o)),
                        new: nv.or(Some(n)),
                    },
                );
            }
        }
        self.string_field(
            "readiness.expires",
            None,
            o.get("expires"),
            n.get("expires"),
        );
        let (oc, nc) = (
            keyed(Some(o), "claims", "id"),
            keyed(Some(n), "claims", "id"),
        );
        let summary = |c: NodeRef<'_>| {
            json!(format!(
                "status={} weight={} evidence={}",
                text(c.get("status")),
                c.get("weight").and_then(|w| w.as_i64()).unwrap_or(0),
                text(c.get("evidence"))
            ))
        };
        let fields = |c: NodeRef<'_>| {
            (
                ["type", "category", "status", "evidence", "description"]
                    .map(|k| text(c.get(k)).to_string()),
                c.get("weight").and_then(|w| w.as_i64()).unwrap_or(0),
            )
        };
        for (id, c) in &oc {
            let path = format!("readiness.claims[{id}]");
            match nc.get(id) {
                None => self.push(
                    "readiness.claims",
                    &path,
                    ChangeType::Removed,
                    (Some(summary(*c)), None),
                    At2 {
                        item: None,
                        old: Some(*c),
                        new: None,
                    },
                ),
                Some(nn) if fields(*c) != fields(*nn) => self.push(
                    "readiness.claims",
                    &path,
                    ChangeType::Modified,
                    (Some(summary(*c)), Some(summary(*nn))),
                    At2 {
                        item: None,
                        old: Some(*c),
                        new: Some(*nn),
                    },
                ),
                Some(_) => {}
            }
        }
        for (id, c) in &nc {
            if !oc.contains_key(id) {
                self.push(
                    "readiness.claims",
                    &format!("readiness.claims[{id}]"),
                    ChangeType::Added,
                    (None, Some(summary(*c))),
                    At2 {
                        item: None,
                        old: None,
                        new: Some(*c),
                    },
                );
            }
        }
    }
}
