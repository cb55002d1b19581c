//! Validation: syntax, structural (JSON Schema), cross-field, semantic and policy layers.
//!
//! Go Pacto stops at the first layer that finds an error; we run every layer so an editor sees
//! every problem at once, and report a problem once, by its most specific rule (a
//! `PORT_REQUIRED` hides the schema's "port is required" for the same node). The verdict is the
//! same as Go Pacto's: a contract is invalid exactly when some layer finds an error.

mod cross_field;
mod path;
mod policy;
mod semantic;
mod structural;

pub use path::{dotted, json_pointer_tokens, subject};
pub use policy::POLICY_FILE;

use crate::bundle::{self, Bundle, DirBundle, LoadError};
use crate::diagnostic::Diagnostic;
use crate::model::Contract;
use crate::registry::{parse_dependency_ref, RefScheme};
use crate::report::FileReport;
use crate::syntax::{parse, Limits, NodeRef, Parsed, Span, Tree};
use std::path::{Path, PathBuf};

/// Switches that change what validation may reach.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Do not fetch `oci://` references: remote policies become one warning each.
    pub offline: bool,
    /// Parser bounds.
    pub limits: Limits,
}

/// A bundle fetched for a reference, with the text of its `pacto.yaml`.
pub struct ResolvedBundle {
    pub bundle: Box<dyn Bundle>,
    pub contract_text: String,
}

/// Fetches the bundle behind a reference (`oci://…`, `file://…` or a path) for policy refs.
pub trait RefResolver {
    fn resolve(&self, reference: &str) -> Result<ResolvedBundle, String>;
}

/// Resolves local references against the root contract's directory, as Go Pacto does, and
/// delegates `oci://` references to a registry resolver when one is given.
pub struct LocalResolver<'r> {
    base: PathBuf,
    oci: Option<&'r dyn RefResolver>,
}

impl<'r> LocalResolver<'r> {
    pub fn new(base: impl Into<PathBuf>) -> Self {
        LocalResolver {
            base: base.into(),
            oci: None,
        }
    }

    /// Use `oci` for `oci://` references.
    pub fn with_registry(mut self, oci: &'r dyn RefResolver) -> Self {
        self.oci = Some(oci);
        self
    }
}

impl RefResolver for LocalResolver<'_> {
    fn resolve(&self, reference: &str) -> Result<ResolvedBundle, String> {
        let r = parse_dependency_ref(reference);
        match r.scheme {
            RefScheme::Oci => match self.oci {
                Some(oci) => oci.resolve(reference),
                None => Err("no registry client is configured to fetch it".to_string()),
            },
            RefScheme::Local => {
                let p = Path::new(&r.location);
                let dir = if p.is_absolute() {
                    p.to_path_buf()
                } else {
                    self.base.join(p)
                };
                let loaded = bundle::load_dir(&dir.to_string_lossy()).map_err(|e| e.to_string())?;
                Ok(ResolvedBundle {
                    bundle: Box::new(loaded.bundle),
                    contract_text: loaded.text,
                })
            }
        }
    }
}

/// A resolver that resolves nothing (in-memory validation without file access).
pub struct NoResolver;

impl RefResolver for NoResolver {
    fn resolve(&self, _reference: &str) -> Result<ResolvedBundle, String> {
        Err("no resolver is configured".to_string())
    }
}

/// The outcome of validating one contract text.
pub struct Validation {
    pub parsed: Parsed,
    pub contract: Option<Contract>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Validation {
    pub fn valid(&self) -> bool {
        !self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Validate a contract text. `bundle` gives the files its paths point to (`None` skips the file
/// checks, as Go Pacto does without a bundle FS).
pub fn validate(
    text: &str,
    bundle: Option<&dyn Bundle>,
    resolver: &dyn RefResolver,
    options: &Options,
) -> Validation {
    validate_parsed(parse(text, &options.limits), bundle, resolver, options)
}

/// [`validate`] on a document already parsed (an editor keeps the tree between edits and
/// patches it: see [`crate::syntax::Tree::patch_scalar`]).
pub fn validate_parsed(
    parsed: crate::syntax::Parsed,
    bundle: Option<&dyn Bundle>,
    resolver: &dyn RefResolver,
    options: &Options,
) -> Validation {
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let Some(tree) = parsed.tree.as_ref() else {
        diagnostics.extend(
            parsed
                .errors
                .iter()
                .map(|e| Diagnostic::error(e.code, "", e.message.clone()).with_span(Some(e.span))),
        );
        return Validation {
            parsed,
            contract: None,
            diagnostics,
        };
    };
    for e in &parsed.errors {
        let path = path_of_key(tree, e.span).unwrap_or_default();
        diagnostics.push(
            Diagnostic::error(e.code, path, e.message.clone())
                .with_span(Some(e.span))
                .with_help("remove one of the two keys: YAML keeps only one of them"),
        );
    }
    // The tree's kept JSON when the caller asked for it (the language server keeps it between
    // keystrokes: see [`crate::syntax::Tree::json`]), else converted for this run only.
    let doc = tree.json_ref();
    let contract = Contract::from_tree(tree);
    let structural = structural::check(tree, &doc);
    let rules = {
        let mut r = cross_field::check(&contract, tree, bundle);
        r.extend(semantic::check(&contract));
        r.extend(policy::enforce(
            &contract, tree, &doc, bundle, resolver, options,
        ));
        r
    };
    // A schema finding about a node that a rule also reports is the same problem: keep the rule.
    let covered: std::collections::HashSet<String> = rules
        .iter()
        .filter(|d| d.is_error())
        .map(|d| subject(&d.path))
        .collect();
    // A "no allowed form matched" finding on an object is explained by a rule about one of its
    // fields (`VALUES_WITHOUT_SCHEMA` under a `configuration` that matches neither form).
    let covered_within = |s: &str| {
        let prefix = format!("{s}.");
        covered.iter().any(|c| c.starts_with(&prefix))
    };
    diagnostics.extend(
        structural
            .into_iter()
            .filter(|f| {
                let s = subject(&f.diagnostic.path);
                !(covered.contains(&s) || f.shape && covered_within(&s))
            })
            .map(|f| f.diagnostic),
    );
    diagnostics.extend(rules);
    sort(&mut diagnostics);
    diagnostics.dedup();
    Validation {
        parsed,
        contract: Some(contract),
        diagnostics,
    }
}

/// Stable order: by position, then code, then message; unlocated problems first.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| d.span.map(|s| (s.start, s.end));
        (key(a), a.code, &a.path, &a.message).cmp(&(key(b), b.code, &b.path, &b.message))
    });
}

/// The dotted path of the mapping key whose span is `span`.
fn path_of_key(tree: &Tree, span: Span) -> Option<String> {
    fn walk(node: NodeRef<'_>, span: Span, tokens: &mut Vec<String>, depth: usize) -> bool {
        if depth > 64 || !(node.span().start <= span.start && span.end <= node.span().end) {
            return false;
        }
        if node.is_mapping() {
            for (k, v) in node.entries() {
                let key = k.as_str().unwrap_or_default().to_string();
                if k.span() == span {
                    tokens.push(key);
                    return true;
                }
                tokens.push(key);
                if walk(v, span, tokens, depth + 1) {
                    return true;
                }
                tokens.pop();
            }
        } else if node.is_sequence() {
            for (i, item) in node.items().enumerate() {
                tokens.push(i.to_string());
                if walk(item, span, tokens, depth + 1) {
                    return true;
                }
                tokens.pop();
            }
        }
        false
    }
    let mut tokens = Vec::new();
    walk(tree.root(), span, &mut tokens, 0).then(|| dotted(&tokens))
}

/// Validate the bundle directory `dir` (as the user wrote it) into a report for the renderers.
/// A directory that cannot be loaded gives one `PARSE_ERROR` with path `""`, as in Go Pacto.
pub fn validate_dir(
    dir: &str,
    resolver_oci: Option<&dyn RefResolver>,
    options: &Options,
) -> FileReport {
    let loaded = match bundle::load_dir(dir) {
        Ok(l) => l,
        Err(e) => return load_failure(dir, &e),
    };
    let mut resolver = LocalResolver::new(dir);
    if let Some(oci) = resolver_oci {
        resolver = resolver.with_registry(oci);
    }
    let bundle: &DirBundle = &loaded.bundle;
    let mut v = validate(&loaded.text, Some(bundle), &resolver, options);
    if let Some(contract) = &v.contract {
        v.diagnostics
            .extend(ignored_references(contract, Path::new(dir)));
        sort(&mut v.diagnostics);
    }
    FileReport {
        path: dir.to_string(),
        file: Some(loaded.contract_path),
        line_index: Some(v.parsed.line_index),
        diagnostics: v.diagnostics,
    }
}

/// Files the contract references that `.pactoignore` would leave out of the packed bundle
/// (spec §11.4: an error in validate, pack and push).
fn ignored_references(contract: &Contract, root: &Path) -> Vec<Diagnostic> {
    let rules = match bundle::archive::load_ignore_file(root) {
        Ok(r) => r,
        Err(e) => {
            return vec![Diagnostic::error("INVALID_PACTOIGNORE", "", e.to_string())];
        }
    };
    contract
        .referenced_files()
        .into_iter()
        .filter(|(_, f)| bundle::is_valid_path(&f.value) && root.join(&f.value).exists())
        .filter_map(|(path, f)| {
            let is_dir = root.join(&f.value).is_dir();
            rules.excluding_pattern(&f.value, is_dir).map(|pattern| {
                Diagnostic::error(
                    "FILE_IGNORED",
                    path,
                    format!(
                        "\"{}\" is excluded from the bundle by the .pactoignore pattern {pattern:?}",
                        f.value
                    ),
                )
                .with_span(Some(f.span))
                .with_help("change .pactoignore so the files the contract references ship in the bundle")
            })
        })
        .collect()
}

fn load_failure(dir: &str, e: &LoadError) -> FileReport {
    let (code, help) = match e {
        LoadError::NoContract(_) => (
            "PARSE_ERROR",
            Some("run `pacto init <name>` to create a bundle, or pass the directory that holds pacto.yaml"),
        ),
        _ => ("PARSE_ERROR", None),
    };
    let mut d = Diagnostic::error(code, "", e.to_string());
    if let Some(h) = help {
        d = d.with_help(h);
    }
    FileReport {
        path: dir.to_string(),
        file: None,
        line_index: None,
        diagnostics: vec![d],
    }
}
