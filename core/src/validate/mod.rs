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
mod v2;

pub use path::{dotted, json_pointer_tokens, subject};
pub use policy::POLICY_FILE;
pub use structural::nearest;

use crate::bundle::{self, Bundle, DirBundle, LoadError};
use crate::diagnostic::Diagnostic;
use crate::model::Contract;
use crate::registry::{parse_dependency_ref, RefScheme};
use crate::report::FileReport;
use crate::schema::{Generation, SUPPORTED_VERSIONS};
use crate::syntax::excerpt::bound_message;
use crate::syntax::{self, parse, Limits, NodeRef, Parsed, Span, Tree};
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
        diagnostics.extend(parsed.errors.iter().map(|e| {
            // No tree: the reader says which keys it was inside (the nearest preceding key).
            let d = Diagnostic::error(e.code, dotted(&e.path), bound_message(&e.message))
                .with_span(Some(e.span));
            match e.help {
                Some(help) => d.with_help(help),
                None => d,
            }
        }));
        cap(&mut diagnostics, MAX_DIAGNOSTICS);
        return Validation {
            parsed,
            contract: None,
            diagnostics,
        };
    };
    let key_paths = paths_of_keys(tree, parsed.errors.iter().map(|e| e.span));
    for e in &parsed.errors {
        let path = key_paths.get(&e.span).cloned().unwrap_or_default();
        diagnostics.push(
            Diagnostic::error(e.code, path, bound_message(&e.message))
                .with_span(Some(e.span))
                .with_help("remove one of the two keys: YAML keeps only one of them"),
        );
    }
    // The tree's kept JSON when the caller asked for it (the language server keeps it between
    // keystrokes: see [`crate::syntax::Tree::json`]), else converted for this run only.
    let contract = Contract::from_tree(tree);
    // `pactoVersion` picks the schema and the rule set; a version no generation knows is
    // refused before any layer runs, as Go Pacto refuses it.
    let generation = match declared_generation(tree) {
        Ok(g) => g,
        Err(refusal) => {
            diagnostics.push(*refusal);
            sort(&mut diagnostics);
            return Validation {
                parsed,
                contract: Some(contract),
                diagnostics,
            };
        }
    };
    let doc = tree.json_ref();
    let structural = structural::check(tree, &doc, generation);
    let rules = match generation {
        Generation::V1 => {
            let mut r = cross_field::check(&contract, tree, bundle);
            r.extend(semantic::check(&contract));
            r.extend(policy::enforce(
                &contract, tree, &doc, bundle, resolver, options,
            ));
            r
        }
        Generation::V2 => {
            let mut r = v2::check(tree, bundle);
            // A policy whose schema file layer 2 refused is not enforced (Go Pacto stops
            // after layer 2): its problem is reported once, by layer 2's code.
            let refused: std::collections::HashSet<String> = r
                .iter()
                .filter(|d| d.is_error())
                .map(|d| subject(&d.path))
                .collect();
            r.extend(
                policy::enforce(&contract, tree, &doc, bundle, resolver, options)
                    .into_iter()
                    .filter(|d| !refused.contains(&subject(&d.path)))
                    .map(|mut d| {
                        // Go Pacto 3.x's name for a policy ref left unenforced offline.
                        if d.code == "POLICY_NOT_ENFORCED" {
                            d.code = "POLICY_REF_NOT_ENFORCED";
                        }
                        d
                    }),
            );
            r
        }
    };
    // A schema finding about a node that a rule also reports is the same problem: keep the rule.
    let covered: std::collections::HashSet<String> = rules
        .iter()
        .filter(|d| d.is_error())
        .map(|d| subject(&d.path))
        .collect();
    // A "no allowed form matched" finding on an object is explained by a rule about one of its
    // fields (`VALUES_WITHOUT_SCHEMA` under a `configuration` that matches neither form). Every
    // proper prefix of a covered subject, once, so the check is a lookup.
    let covered_parents: std::collections::HashSet<&str> = covered
        .iter()
        .flat_map(|c| c.match_indices('.').map(move |(i, _)| &c[..i]))
        .collect();
    let covered_within = |s: &str| covered_parents.contains(s);
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
    for d in &mut diagnostics {
        if d.message.len() > syntax::excerpt::MAX_CHARS {
            d.message = bound_message(&d.message);
        }
    }
    sort(&mut diagnostics);
    diagnostics.dedup();
    cap(&mut diagnostics, MAX_DIAGNOSTICS);
    Validation {
        parsed,
        contract: Some(contract),
        diagnostics,
    }
}

/// The generation `pactoVersion` selects. A missing or non-scalar `pactoVersion` is read as 1.x,
/// whose schema says what is wrong with it; an unquoted `2.0` is a 2.0 contract whose schema
/// asks for the quotes. A scalar naming no version we know is refused with `PARSE_ERROR` on
/// its value, naming the versions we read (Go Pacto 3.x: `unsupported pactoVersion "2.1"`).
fn declared_generation(tree: &Tree) -> Result<Generation, Box<Diagnostic>> {
    let root = tree.root();
    let Some(node) = root.get("pactoVersion").filter(|_| root.is_mapping()) else {
        return Ok(Generation::V1);
    };
    let Some(version) = node.as_str() else {
        return Ok(Generation::V1);
    };
    if let Some(g) = Generation::of(version) {
        return Ok(g);
    }
    let list = SUPPORTED_VERSIONS
        .iter()
        .map(|v| format!("\"{v}\""))
        .collect::<Vec<_>>()
        .join(", ");
    Err(Box::new(
        Diagnostic::error(
            "PARSE_ERROR",
            "",
            bound_message(&format!(
                "unsupported pactoVersion {}; supported versions are {list}",
                syntax::excerpt::quoted(version)
            )),
        )
        .with_span(Some(node.span()))
        .with_help(
            "write pactoVersion: \"2.0\" (Go Pacto 3.x contracts) or \"1.2\" (1.x contracts)",
        ),
    ))
}

/// Stable order: by position, then code, then message; unlocated problems first, and the
/// [`TOO_MANY_PROBLEMS`](crate::diagnostic::TOO_MANY_PROBLEMS) summary of a capped file last.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            (
                d.code == crate::diagnostic::TOO_MANY_PROBLEMS,
                d.span.map(|s| (s.start, s.end)),
            )
        };
        (key(a), a.code, &a.path, &a.message).cmp(&(key(b), b.code, &b.path, &b.message))
    });
}

/// The most diagnostics one file reports; the rest are summed up in one more (see [`cap`]).
/// Editors, terminals and CI logs gain nothing from the 1,001st problem of a file, and each one
/// costs its rendering in every face.
pub const MAX_DIAGNOSTICS: usize = 1_000;

/// Keep the first `max` diagnostics (in their sorted order) and replace the rest with one
/// [`TOO_MANY_PROBLEMS`](crate::diagnostic::TOO_MANY_PROBLEMS) diagnostic that counts them: an
/// error when any of them is one, so the verdict stays the same.
pub fn cap(diagnostics: &mut Vec<Diagnostic>, max: usize) {
    if diagnostics.len() <= max {
        return;
    }
    let rest = diagnostics.split_off(max);
    let errors = rest.iter().filter(|d| d.is_error()).count();
    diagnostics.push(crate::diagnostic::too_many(
        max,
        errors,
        rest.len() - errors,
    ));
}

/// The dotted paths of the mapping keys whose spans are in `spans`, found in one walk of the
/// tree (one walk per key would be quadratic in a document full of duplicate keys).
fn paths_of_keys(
    tree: &Tree,
    spans: impl Iterator<Item = Span>,
) -> std::collections::HashMap<Span, String> {
    fn walk(
        node: NodeRef<'_>,
        wanted: &std::collections::HashSet<Span>,
        bounds: Span,
        tokens: &mut Vec<String>,
        out: &mut std::collections::HashMap<Span, String>,
        depth: usize,
    ) {
        let span = node.span();
        // Only nodes that can hold a wanted key: this also keeps merge keys (`<<: *x`) from
        // walking their anchors' entries again and again.
        if depth > 64
            || out.len() == wanted.len()
            || span.end < bounds.start
            || bounds.end < span.start
        {
            return;
        }
        if node.is_mapping() {
            for (k, v) in node.entries() {
                let key = k.as_str().unwrap_or_default().to_string();
                tokens.push(key);
                if wanted.contains(&k.span()) {
                    out.entry(k.span()).or_insert_with(|| dotted(tokens));
                }
                walk(v, wanted, bounds, tokens, out, depth + 1);
                tokens.pop();
            }
        } else if node.is_sequence() {
            for (i, item) in node.items().enumerate() {
                tokens.push(i.to_string());
                walk(item, wanted, bounds, tokens, out, depth + 1);
                tokens.pop();
            }
        }
    }
    let wanted: std::collections::HashSet<Span> = spans.collect();
    let mut out = std::collections::HashMap::new();
    let start = wanted.iter().map(|s| s.start).min();
    let end = wanted.iter().map(|s| s.end).max();
    if let (Some(start), Some(end)) = (start, end) {
        let bounds = Span::new(start, end);
        walk(tree.root(), &wanted, bounds, &mut Vec::new(), &mut out, 0);
    }
    out
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
    validate_dir_text(dir, &loaded, &loaded.text, resolver_oci, options)
}

/// [`validate_dir`] of a bundle already loaded, with `text` standing for its `pacto.yaml` (the
/// contract after overrides, say); spans point into `text`.
pub fn validate_dir_text(
    dir: &str,
    loaded: &bundle::LoadedDir,
    text: &str,
    resolver_oci: Option<&dyn RefResolver>,
    options: &Options,
) -> FileReport {
    let mut resolver = LocalResolver::new(dir);
    if let Some(oci) = resolver_oci {
        resolver = resolver.with_registry(oci);
    }
    let bundle: &DirBundle = &loaded.bundle;
    let mut v = validate(text, Some(bundle), &resolver, options);
    if let Some(contract) = &v.contract {
        v.diagnostics
            .extend(ignored_references(contract, Path::new(dir)));
        sort(&mut v.diagnostics);
    }
    FileReport {
        path: dir.to_string(),
        file: Some(loaded.contract_path.clone()),
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
        LoadError::Escapes { .. } => (
            "PARSE_ERROR",
            Some("replace the link with the file itself: a bundle ships only what is inside it"),
        ),
        _ => ("PARSE_ERROR", None),
    };
    // The file the problem is about, when there is one (never its content: a link that leaves
    // the bundle may point at anything).
    let file = match e {
        LoadError::Escapes { path }
        | LoadError::Read { path, .. }
        | LoadError::NotUtf8 { path, .. } => Some(path.clone()),
        _ => None,
    };
    let mut d = Diagnostic::error(code, "", bound_message(&e.to_string()));
    if let Some(h) = help {
        d = d.with_help(h);
    }
    FileReport {
        path: dir.to_string(),
        file,
        line_index: None,
        diagnostics: vec![d],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::TOO_MANY_PROBLEMS;

    fn contract_with_unknown_keys(n: usize) -> String {
        let mut text =
            String::from("pactoVersion: \"1.0\"\nservice:\n  name: svc\n  version: 1.0.0\n");
        for i in 0..n {
            text.push_str(&format!("unknown{i}: {i}\n"));
        }
        text
    }

    #[test]
    fn diagnostics_are_capped_per_file_and_the_rest_counted() {
        let errors = |v: &Validation| {
            v.diagnostics
                .iter()
                .map(Diagnostic::error_count)
                .sum::<usize>()
        };
        // Under the cap nothing changes; it gives the errors that are not unknown keys.
        let small = validate(
            &contract_with_unknown_keys(10),
            None,
            &NoResolver,
            &Options::default(),
        );
        assert!(small
            .diagnostics
            .iter()
            .all(|d| d.code != TOO_MANY_PROBLEMS));
        let others = errors(&small) - 10;

        let n = 5_000;
        let v = validate(
            &contract_with_unknown_keys(n),
            None,
            &NoResolver,
            &Options::default(),
        );
        assert!(!v.valid());
        assert_eq!(v.diagnostics.len(), MAX_DIAGNOSTICS + 1);
        let last = v.diagnostics.last().unwrap();
        assert_eq!(last.code, TOO_MANY_PROBLEMS);
        assert!(last.is_error());
        assert_eq!(last.span, None);
        // Every error is counted once: those shown plus those the summary stands for.
        assert_eq!(errors(&v), n + others, "{}", last.message);
        let shown = v.diagnostics[..MAX_DIAGNOSTICS].len();
        let all = n + small.diagnostics.len() - 10;
        assert!(
            last.message
                .starts_with(&format!("and {} more problems not shown", all - shown)),
            "{}",
            last.message
        );
        // Sorting again (validate_dir adds its bundle checks and sorts) keeps the summary last.
        let mut again = v.diagnostics.clone();
        sort(&mut again);
        assert_eq!(again.last().map(|d| d.code), Some(TOO_MANY_PROBLEMS));
        // The first problems are the first unknown keys, in document order, on their keys.
        let first = &v.diagnostics[0];
        assert_eq!(first.code, "UNKNOWN_FIELD");
        assert_eq!(first.path, "unknown0");
    }

    #[test]
    fn a_summary_of_warnings_only_keeps_a_contract_valid() {
        let mut d: Vec<Diagnostic> = (0..5)
            .map(|i| Diagnostic::warning("W", format!("p{i}"), "w"))
            .collect();
        cap(&mut d, 3);
        assert_eq!(d.len(), 4);
        assert_eq!(d[3].code, TOO_MANY_PROBLEMS);
        assert!(!d[3].is_error());
        assert!(d[3]
            .message
            .starts_with("and 2 more problems not shown (0 errors, 2 warnings)"));
    }

    #[test]
    fn unknown_keys_in_a_one_line_flow_mapping_are_placed_on_their_keys() {
        let text = "{pactoVersion: \"1.0\", service: {name: svc, version: 1.0.0}, k1: 1, k2: 2}";
        let v = validate(text, None, &NoResolver, &Options::default());
        let k2 = v.diagnostics.iter().find(|d| d.path == "k2").unwrap();
        let span = k2.span.unwrap();
        assert_eq!(&text[span.range()], "k2");
    }

    #[test]
    fn a_parse_error_names_the_nearest_key_and_a_tab_says_spaces() {
        let v = validate(
            "pactoVersion: \"1.0\"\nservice:\n\tname: x\n",
            None,
            &NoResolver,
            &Options::default(),
        );
        let d = &v.diagnostics[0];
        assert_eq!(d.code, "PARSE_ERROR");
        assert_eq!(d.span, Some(Span::new(29, 30)));
        assert!(d
            .help
            .as_deref()
            .unwrap()
            .contains("YAML indentation uses spaces"));
        let v = validate(
            "pactoVersion: \"1.0\"\nservice:\n  name: x\n  version: [1, 2\n",
            None,
            &NoResolver,
            &Options::default(),
        );
        assert_eq!(v.diagnostics[0].path, "service.version");
    }

    #[test]
    fn messages_never_echo_a_whole_file() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nSECRET_TOKEN=hunter2\n";
        let v = validate(passwd, None, &NoResolver, &Options::default());
        assert!(!v.valid());
        for d in &v.diagnostics {
            assert!(!d.message.contains("SECRET_TOKEN"), "{}", d.message);
            assert!(!d.message.contains("daemon"), "{}", d.message);
        }
        let long = format!("service:\n  name: \"{}\"\n", "a".repeat(10_000));
        let v = validate(&long, None, &NoResolver, &Options::default());
        for d in &v.diagnostics {
            assert!(d.message.len() < 400, "{}", d.message);
        }
    }
}
