//! Layer 2 for `pactoVersion: "2.0"`: the cross-field rules of Go Pacto 3.x
//! (`pkg/validation/crossfield.go`), with its codes, paths and messages, placed on the exact
//! node of the span tree.
//!
//! The rules read the tree directly, so a document that the schema rejects (a missing key, a
//! value of the wrong type) is still checked as far as it can be; a rule never reports what the
//! schema already names (an interface type outside the enum, a missing `ref`).

use super::cross_field::file_help;
use crate::bundle::{Bundle, BundleError};
use crate::diagnostic::Diagnostic;
use crate::registry::{parse_dependency_ref, parse_oci_reference, RefScheme};
use crate::syntax::{Limits, NodeRef, Span, Tree};
use crate::version::{Constraint, Version};
use std::collections::HashMap;
use std::rc::Rc;

/// Run every rule. `bundle` is `None` when no file tree is available (file checks are skipped,
/// as Go Pacto does without a bundle FS).
pub fn check(tree: &Tree, bundle: Option<&dyn Bundle>) -> Vec<Diagnostic> {
    let mut c = Checker {
        root: tree.root(),
        bundle,
        out: Vec::new(),
        files: HashMap::new(),
        specs: HashMap::new(),
    };
    c.service_version();
    for (list, what, code) in [
        ("interfaces", "interface", "DUPLICATE_INTERFACE_NAME"),
        (
            "configurations",
            "configuration",
            "DUPLICATE_CONFIGURATION_NAME",
        ),
        ("policies", "policy", "DUPLICATE_POLICY_NAME"),
        ("dependencies", "dependency", "DUPLICATE_DEPENDENCY_NAME"),
    ] {
        c.unique_names(list, what, code);
    }
    c.interfaces();
    c.capabilities();
    c.configurations();
    c.policies();
    c.dependencies();
    c.state();
    c.readiness();
    c.out
}

/// Why a spec's bytes do not parse, if they do not. An editor validates on every keystroke while
/// the specs stay the same, so verdicts are kept across runs by content (kind, length and hash of
/// the bytes; at most [`MAX_KEPT_VERDICTS`], then forgotten all at once).
fn spec_verdict(kind: SpecKind, bytes: &[u8]) -> Option<String> {
    use std::hash::{Hash, Hasher};
    use std::sync::{Mutex, OnceLock};
    type Key = (u8, usize, u64);
    static KEPT: OnceLock<Mutex<HashMap<Key, Option<String>>>> = OnceLock::new();
    let tag = match kind {
        SpecKind::Yaml => 1,
        SpecKind::Json => 2,
        SpecKind::Other => return None,
    };
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    let key = (tag, bytes.len(), h.finish());
    let kept = KEPT.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(v) = kept.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return v;
    }
    let verdict = match kind {
        SpecKind::Yaml => yaml_problem(bytes),
        SpecKind::Json => serde_json::from_slice::<serde_json::Value>(bytes)
            .err()
            .map(|e| e.to_string()),
        SpecKind::Other => None,
    };
    if let Ok(mut m) = kept.lock() {
        if m.len() >= MAX_KEPT_VERDICTS {
            m.clear();
        }
        m.insert(key, verdict.clone());
    }
    verdict
}

/// How many spec verdicts [`spec_verdict`] keeps.
const MAX_KEPT_VERDICTS: usize = 512;

/// A bundle file's bytes, or why it could not be read (the message after "<what> file", a help).
type FileOutcome = Result<Rc<Vec<u8>>, (String, String)>;

struct Checker<'t> {
    root: NodeRef<'t>,
    bundle: Option<&'t dyn Bundle>,
    out: Vec<Diagnostic>,
    /// Bundle files already read, or why they could not be (message, help): a large contract
    /// names the same files many times.
    files: HashMap<String, FileOutcome>,
    /// Interface specs already parsed: why each does not parse, if it does not.
    specs: HashMap<String, Option<String>>,
}

/// A string value and its span.
fn text(node: Option<NodeRef<'_>>) -> Option<(&str, Span)> {
    let n = node?;
    n.as_str().map(|s| (s, n.span()))
}

/// A string value that is not empty.
fn non_empty(node: Option<NodeRef<'_>>) -> Option<(&str, Span)> {
    text(node).filter(|(s, _)| !s.is_empty())
}

impl<'t> Checker<'t> {
    fn items(&self, key: &str) -> Vec<NodeRef<'t>> {
        match self.root.get(key) {
            Some(list) if list.is_sequence() => list.items().collect(),
            _ => Vec::new(),
        }
    }

    fn push(&mut self, d: Diagnostic) {
        self.out.push(d);
    }

    fn error(&mut self, code: &'static str, path: String, message: String, span: Span) {
        self.out
            .push(Diagnostic::error(code, path, message).with_span(Some(span)));
    }

    /// `service.version`: lenient semver (Masterminds), and since 3.3.0 a safe single path
    /// component (it names directories in caches and registries).
    fn service_version(&mut self) {
        let Some((v, span)) = non_empty(self.root.get("service").and_then(|s| s.get("version")))
        else {
            return;
        };
        if let Err(e) = Version::parse(v) {
            self.push(
                Diagnostic::error(
                    "INVALID_SEMVER",
                    "service.version",
                    format!("\"{v}\" is not valid semver: {e}"),
                )
                .with_span(Some(span))
                .with_help("use a semantic version such as 1.2.3"),
            );
        } else if !safe_path_component(v) {
            self.push(
                Diagnostic::error(
                    "INVALID_SEMVER",
                    "service.version",
                    format!("\"{v}\" is not a safe path component"),
                )
                .with_span(Some(span))
                .with_help(
                    "a version names a directory: no \"/\", \"\\\", \"..\" or control characters",
                ),
            );
        }
    }

    fn unique_names(&mut self, list: &str, what: &str, code: &'static str) {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, item) in self.items(list).into_iter().enumerate() {
            let Some((name, span)) = text(item.get("name")) else {
                continue;
            };
            if let Some(prev) = seen.get(name) {
                let d = Diagnostic::error(
                    code,
                    format!("{list}[{i}].name"),
                    format!("{what} name \"{name}\" is already declared at {list}[{prev}]"),
                )
                .with_span(Some(span))
                .with_help(format!("give each entry of `{list}` its own name"));
                self.push(d);
            }
            seen.insert(name, i);
        }
    }

    /// A bundle file named at `path`: `FILE_NOT_FOUND` when it is missing (or leaves the bundle
    /// through a link, which is refused); its bytes otherwise. `None` without a bundle.
    fn bundle_file(
        &mut self,
        value: &str,
        span: Span,
        path: &str,
        what: &str,
    ) -> Option<Rc<Vec<u8>>> {
        let bundle = self.bundle?;
        let outcome = match self.files.get(value) {
            Some(known) => known.clone(),
            None => {
                let outcome = Self::read(bundle, value);
                self.files.insert(value.to_string(), outcome.clone());
                outcome
            }
        };
        match outcome {
            Ok(bytes) => Some(bytes),
            Err((why, help)) => {
                self.push(
                    Diagnostic::error("FILE_NOT_FOUND", path, format!("{what} file {why}"))
                        .with_span(Some(span))
                        .with_help(help),
                );
                None
            }
        }
    }

    /// A bundle file's bytes, or why not: the end of the message after "<what> file", and a
    /// help.
    fn read(bundle: &dyn Bundle, value: &str) -> FileOutcome {
        match bundle.read(value) {
            Ok(bytes) => Ok(Rc::new(bytes)),
            Err(e) => {
                Err(match e {
                    BundleError::Escapes { .. } => (
                        format!(
                            "\"{value}\" escapes the bundle through a symbolic link, so it was not read"
                        ),
                        "copy the file into the bundle instead of linking to it".to_string(),
                    ),
                    _ if !bundle.list(value).is_empty() => (
                        format!("\"{value}\" is a directory, not a file"),
                        "point it at the file inside the directory".to_string(),
                    ),
                    _ if bundle.exists(value) => (
                        format!("\"{value}\" could not be read: {e}"),
                        "make it a regular, readable file inside the bundle".to_string(),
                    ),
                    _ => (
                        format!("\"{value}\" not found in bundle"),
                        file_help(value),
                    ),
                })
            }
        }
    }

    /// Each interface's `ref` names a spec file in the bundle, and a `.json`, `.yaml` or `.yml`
    /// spec parses (`INVALID_INTERFACE_SPEC`).
    fn interfaces(&mut self) {
        for (i, iface) in self.items("interfaces").into_iter().enumerate() {
            let Some((reference, span)) = non_empty(iface.get("ref")) else {
                continue;
            };
            let path = format!("interfaces[{i}].ref");
            let Some(bytes) = self.bundle_file(reference, span, &path, "interface spec") else {
                continue;
            };
            let problem = match self.specs.get(reference) {
                Some(known) => known.clone(),
                None => {
                    let problem = spec_verdict(spec_kind(reference), &bytes);
                    self.specs.insert(reference.to_string(), problem.clone());
                    problem
                }
            };
            if let Some(problem) = problem {
                self.push(
                    Diagnostic::error(
                        "INVALID_INTERFACE_SPEC",
                        path,
                        format!("interface spec file \"{reference}\" is not valid: {problem}"),
                    )
                    .with_span(Some(span))
                    .with_help("fix the spec file so it parses, or point `ref` at the right file"),
                );
            }
        }
    }

    /// Capability bindings name declared interfaces and safe paths; extension refs are
    /// namespaced; one capability per assertion (a standard type, or an extension's ref).
    fn capabilities(&mut self) {
        let declared: Vec<&str> = self
            .items("interfaces")
            .into_iter()
            .filter_map(|i| i.get("name").and_then(|n| n.as_str()))
            .collect();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, cap) in self.items("capabilities").into_iter().enumerate() {
            if let Some(binding) = cap.get("binding").filter(|b| b.is_mapping()) {
                if let Some((iface, span)) = non_empty(binding.get("interface")) {
                    if !declared.contains(&iface) {
                        let mut d = Diagnostic::error(
                            "CAPABILITY_INTERFACE_UNKNOWN",
                            format!("capabilities[{i}].binding.interface"),
                            format!("capability binding references interface \"{iface}\", which is not declared in interfaces[]"),
                        )
                        .with_span(Some(span));
                        d = match super::nearest(iface, &declared) {
                            Some(best) => d.with_help(format!("did you mean \"{best}\"?")),
                            None if declared.is_empty() => d.with_help(
                                "declare the interface under `interfaces:` (name, type, ref)",
                            ),
                            None => {
                                d.with_help(format!("declared interfaces: {}", declared.join(", ")))
                            }
                        };
                        self.push(d);
                    }
                }
                if let Some((path, span)) = non_empty(binding.get("path")) {
                    if !valid_capability_path(path) {
                        self.push(
                            Diagnostic::error(
                                "CAPABILITY_PATH_INVALID",
                                format!("capabilities[{i}].binding.path"),
                                format!("capability binding path \"{path}\" must start with a single '/' and contain no scheme, host, userinfo or fragment"),
                            )
                            .with_span(Some(span))
                            .with_help("write the path only, such as /healthz"),
                        );
                    }
                }
            }
            let kind = cap.get("type").and_then(|t| t.as_str());
            let reference = non_empty(cap.get("ref"));
            if kind == Some("extension") {
                if let Some((r, span)) = reference {
                    if !namespaced(r) {
                        self.push(
                            Diagnostic::error(
                                "CAPABILITY_REF_INVALID",
                                format!("capabilities[{i}].ref"),
                                format!("extension capability ref \"{r}\" must be namespaced (e.g. example.com/custom)"),
                            )
                            .with_span(Some(span))
                            .with_help("prefix it with a domain you own: example.com/<name>"),
                        );
                    }
                }
            }
            // The assertion key: an extension's ref, a standard capability's type.
            let key = match kind {
                Some("extension") => reference,
                Some(_) => text(cap.get("type")),
                None => None,
            };
            if let Some((key, span)) = key.filter(|(k, _)| !k.is_empty()) {
                if let Some(prev) = seen.get(key) {
                    self.push(
                        Diagnostic::error(
                            "DUPLICATE_CAPABILITY",
                            format!("capabilities[{i}]"),
                            format!("duplicate capability assertion \"{key}\" (already declared at capabilities[{prev}])"),
                        )
                        .with_span(Some(span))
                        .with_help("declare each capability once"),
                    );
                }
                seen.insert(key, i);
            }
        }
    }

    /// A `schema` file that must exist, be JSON and compile as a JSON Schema.
    fn schema_file(
        &mut self,
        value: &str,
        span: Span,
        path: &str,
        what: &str,
        codes: (&'static str, &'static str),
    ) -> Option<std::sync::Arc<jsonschema::Validator>> {
        let bytes = self.bundle_file(value, span, path, what)?;
        match crate::schema::compile_file(&bytes) {
            Ok(v) => Some(v),
            Err(crate::schema::CompileError::Json(_)) => {
                self.push(
                    Diagnostic::error(codes.0, path, format!("file \"{value}\" is not valid JSON"))
                        .with_span(Some(span))
                        .with_help("a schema file is a JSON document"),
                );
                None
            }
            Err(crate::schema::CompileError::Schema(e)) => {
                self.push(
                    Diagnostic::error(
                        codes.1,
                        path,
                        format!("file \"{value}\" is not a valid JSON Schema: {e}"),
                    )
                    .with_span(Some(span)),
                );
                None
            }
        }
    }

    /// An `oci://` reference that does not parse.
    fn oci_ref(&mut self, node: Option<NodeRef<'_>>, code: &'static str, path: String) {
        let Some((value, span)) = text(node) else {
            return;
        };
        let r = parse_dependency_ref(value);
        if r.scheme != RefScheme::Oci {
            return;
        }
        if let Err(e) = parse_oci_reference(&r.location) {
            self.error(
                code,
                path,
                format!("invalid OCI reference \"{}\": {e}", r.location),
                span,
            );
        }
    }

    fn configurations(&mut self) {
        for (i, cfg) in self.items("configurations").into_iter().enumerate() {
            let prefix = format!("configurations[{i}]");
            let validator = match non_empty(cfg.get("schema")) {
                Some((schema, span)) => self.schema_file(
                    schema,
                    span,
                    &format!("{prefix}.schema"),
                    "configuration schema",
                    ("INVALID_CONFIG_JSON", "INVALID_CONFIG_SCHEMA"),
                ),
                None => None,
            };
            self.oci_ref(
                cfg.get("ref"),
                "INVALID_CONFIG_REF",
                format!("{prefix}.ref"),
            );
            let Some(values) = cfg.get("values").filter(|v| v.entries().next().is_some()) else {
                continue;
            };
            let path = format!("{prefix}.values");
            let has_schema = non_empty(cfg.get("schema")).is_some();
            if !has_schema && non_empty(cfg.get("ref")).is_none() {
                self.push(
                    Diagnostic::error(
                        "VALUES_WITHOUT_SCHEMA",
                        path,
                        "configuration values require a configuration schema to validate against",
                    )
                    .with_span(Some(values.span()))
                    .with_help(format!(
                        "add `schema: configuration/schema.json` to `{prefix}`"
                    )),
                );
                continue;
            }
            // With a `ref`, values are checked when the reference is resolved, as in Go Pacto.
            let Some(validator) = validator else { continue };
            for (p, m, span) in super::cross_field::config_value_problems(&validator, values, &path)
            {
                self.error("CONFIG_VALUES_VALIDATION_FAILED", p, m, span);
            }
        }
    }

    fn policies(&mut self) {
        for (i, pol) in self.items("policies").into_iter().enumerate() {
            let prefix = format!("policies[{i}]");
            if let Some((schema, span)) = non_empty(pol.get("schema")) {
                self.schema_file(
                    schema,
                    span,
                    &format!("{prefix}.schema"),
                    "policy schema",
                    ("INVALID_POLICY_JSON", "INVALID_POLICY_SCHEMA"),
                );
            }
            self.oci_ref(
                pol.get("ref"),
                "INVALID_POLICY_REF",
                format!("{prefix}.ref"),
            );
        }
    }

    fn dependencies(&mut self) {
        for (i, dep) in self.items("dependencies").into_iter().enumerate() {
            if let Some((r, span)) = text(dep.get("ref")) {
                let parsed = parse_dependency_ref(r);
                if parsed.scheme == RefScheme::Oci {
                    let path = format!("dependencies[{i}].ref");
                    match parse_oci_reference(&parsed.location) {
                        Err(e) => self.error(
                            "INVALID_OCI_REF",
                            path,
                            format!("invalid OCI reference \"{r}\": {e}"),
                            span,
                        ),
                        Ok(oci) if oci.tag.is_some() && oci.digest.is_none() => self.push(
                            Diagnostic::warning(
                                "TAG_NOT_DIGEST",
                                path,
                                format!("dependency \"{r}\" uses a tag instead of a digest; digest pinning is recommended"),
                            )
                            .with_span(Some(span))
                            .with_help("pin it as oci://host/repo@sha256:<digest> (the tag may stay before the @)"),
                        ),
                        Ok(_) => {}
                    }
                }
            }
            let Some((c, span)) = text(dep.get("compatibility")) else {
                continue;
            };
            let path = format!("dependencies[{i}].compatibility");
            if c.is_empty() {
                self.error(
                    "EMPTY_COMPATIBILITY",
                    path,
                    "compatibility range must not be empty".to_string(),
                    span,
                );
            } else if let Err(e) = Constraint::parse(c) {
                self.push(
                    Diagnostic::error(
                        "INVALID_COMPATIBILITY",
                        path,
                        format!("invalid compatibility range \"{c}\": invalid semver range \"{c}\": {e}"),
                    )
                    .with_span(Some(span))
                    .with_help("use a range such as ^1.2.0, ~1.2, >=1.0.0 <2.0.0 or 1.x"),
                );
            }
        }
    }

    /// A stateless service keeps no data across restarts.
    fn state(&mut self) {
        let Some(state) = self.root.get("state") else {
            return;
        };
        let stateless = state.get("type").and_then(|t| t.as_str()) == Some("stateless");
        let durability = state.get("persistence").and_then(|p| p.get("durability"));
        if let (true, Some(("persistent", span))) = (stateless, text(durability)) {
            self.push(
                Diagnostic::error(
                    "STATELESS_PERSISTENT_CONFLICT",
                    "state.persistence.durability",
                    "stateless services must use ephemeral durability; persistent durability requires stateful or hybrid",
                )
                .with_span(Some(span))
                .with_help("use `durability: ephemeral`, or declare `type: stateful` or `hybrid`"),
            );
        }
    }

    /// What JSON Schema cannot say about `readiness`: strict dates, non-blank revision fields,
    /// unique claim ids, non-blank evidence and descriptions.
    fn readiness(&mut self) {
        let Some(r) = self.root.get("readiness").filter(|r| r.is_mapping()) else {
            return;
        };
        if let Some((expires, span)) = text(r.get("expires")) {
            if !canonical_date(expires) {
                self.push(
                    Diagnostic::error(
                        "INVALID_READINESS_EXPIRES",
                        "readiness.expires",
                        format!("expires \"{expires}\" must be a valid YYYY-MM-DD date"),
                    )
                    .with_span(Some(span))
                    .with_help(
                        "write a calendar date with a four-digit year, such as \"2027-06-30\"",
                    ),
                );
            }
        }
        let history: Vec<NodeRef<'t>> = match r.get("history") {
            Some(h) if h.is_sequence() => h.items().collect(),
            _ => Vec::new(),
        };
        for (i, rev) in history.into_iter().enumerate() {
            let base = format!("readiness.history[{i}]");
            if let Some((date, span)) = text(rev.get("date")) {
                if !canonical_date(date) {
                    self.error(
                        "INVALID_READINESS_REVISION",
                        format!("{base}.date"),
                        "revision date must be YYYY-MM-DD".to_string(),
                        span,
                    );
                }
            }
            for field in ["version", "author", "description"] {
                // An empty value is the schema's (`minLength: 1`), as in Go, where layer 1
                // reports it first.
                if let Some((v, span)) = text(rev.get(field)) {
                    if !v.is_empty() && v.trim().is_empty() {
                        self.error(
                            "INVALID_READINESS_REVISION",
                            format!("{base}.{field}"),
                            format!("revision {field} must not be blank"),
                            span,
                        );
                    }
                }
            }
        }
        let claims: Vec<NodeRef<'t>> = match r.get("claims") {
            Some(c) if c.is_sequence() => c.items().collect(),
            _ => Vec::new(),
        };
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, claim) in claims.into_iter().enumerate() {
            let base = format!("readiness.claims[{i}]");
            let id = text(claim.get("id"));
            let id_text = id.map_or("", |(s, _)| s);
            if let Some((id, span)) = id {
                if let Some(prev) = seen.get(id) {
                    self.push(
                        Diagnostic::error(
                            "DUPLICATE_READINESS_ID",
                            format!("{base}.id"),
                            format!("readiness claim id \"{id}\" is already declared at readiness.claims[{prev}]"),
                        )
                        .with_span(Some(span))
                        .with_help("give each claim its own id"),
                    );
                }
                seen.insert(id, i);
            }
            if let Some((evidence, span)) = text(claim.get("evidence")) {
                if !evidence.is_empty() && evidence.trim().is_empty() {
                    self.error(
                        "EMPTY_READINESS_EVIDENCE",
                        format!("{base}.evidence"),
                        format!("readiness claim \"{id_text}\" has blank evidence"),
                        span,
                    );
                }
            }
            if let Some((description, span)) = text(claim.get("description")) {
                if !description.is_empty() && description.trim().is_empty() {
                    self.error(
                        "EMPTY_READINESS_DESCRIPTION",
                        format!("{base}.description"),
                        format!("readiness claim \"{id_text}\" has a blank description"),
                        span,
                    );
                }
            }
        }
    }
}

/// What a spec file is parsed as, by its extension.
enum SpecKind {
    Yaml,
    Json,
    /// `.proto` and anything else: not parsed.
    Other,
}

fn spec_kind(path: &str) -> SpecKind {
    let ext = path
        .rsplit_once('.')
        .filter(|(_, e)| !e.contains('/'))
        .map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("yaml" | "yml") => SpecKind::Yaml,
        Some("json") => SpecKind::Json,
        _ => SpecKind::Other,
    }
}

/// Why `bytes` is not one YAML document, if it is not.
fn yaml_problem(bytes: &[u8]) -> Option<String> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => return Some(format!("not UTF-8: {e}")),
    };
    let parsed = crate::syntax::parse(text, &Limits::default());
    parsed.errors.first().map(|e| {
        let lc = parsed
            .line_index
            .line_col(e.span.start, crate::syntax::ColumnUnit::Char);
        format!(
            "line {}: {}",
            lc.line + 1,
            crate::syntax::excerpt::bound_message(&e.message)
        )
    })
}

/// A version usable as one directory name: not empty, `.` or `..`, and without separators or
/// control characters.
fn safe_path_component(v: &str) -> bool {
    !v.is_empty()
        && v != "."
        && v != ".."
        && !v.contains(['/', '\\'])
        && !v.chars().any(char::is_control)
}

/// An extension ref is namespaced: `example.com/name` (a dotted first segment and a slash).
fn namespaced(r: &str) -> bool {
    r.contains('/') && r.split('/').next().is_some_and(|first| first.contains('.'))
}

/// A capability path is an application path: one leading `/`, no scheme, host, userinfo or
/// fragment, and no authority hidden in percent-escapes (`/%2Fevil.example`). Go Pacto's
/// `validCapabilityPath`, which parses it as a URL.
fn valid_capability_path(path: &str) -> bool {
    if !path.starts_with('/') || path.starts_with("//") {
        return false;
    }
    if path.contains('#') || path.chars().any(char::is_control) {
        return false;
    }
    let before_query = path.split('?').next().unwrap_or_default();
    match percent_decode(before_query) {
        Some(decoded) => !decoded.starts_with(b"//"),
        None => false,
    }
}

/// `%XX` escapes decoded; `None` for a malformed escape (a URL parser refuses it).
fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// A strict `YYYY-MM-DD` calendar date (Go's `time.Parse("2006-01-02")` that formats back to
/// the same text: `2026-1-1` and `2026-02-30` are refused).
fn canonical_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict() {
        assert!(canonical_date("2027-06-30"));
        assert!(canonical_date("2028-02-29"));
        assert!(!canonical_date("2027-02-29"));
        assert!(!canonical_date("2026-1-01"));
        assert!(!canonical_date("2026-13-01"));
        assert!(!canonical_date("2026-00-10"));
        assert!(!canonical_date("2026-01-32"));
        assert!(!canonical_date("+026-01-01"));
    }

    #[test]
    fn capability_paths_are_application_paths() {
        for ok in ["/", "/health", "/metrics?format=prom", "/a/b%20c"] {
            assert!(valid_capability_path(ok), "{ok}");
        }
        for bad in [
            "health",
            "//evil.example/x",
            "/%2Fevil.example",
            "/%2f%2fevil.example",
            "/a#frag",
            "/bad%zz",
            "http://x/y",
        ] {
            assert!(!valid_capability_path(bad), "{bad}");
        }
    }

    #[test]
    fn extension_refs_are_namespaced() {
        assert!(namespaced("example.com/tracing"));
        assert!(!namespaced("tracing"));
        assert!(!namespaced("acme/tracing"));
    }

    #[test]
    fn versions_are_safe_path_components() {
        assert!(safe_path_component("1.2.3-rc.1+build.5"));
        assert!(!safe_path_component(".."));
        assert!(!safe_path_component("1.0.0/evil"));
        assert!(!safe_path_component("1.0.0\\evil"));
    }
}
