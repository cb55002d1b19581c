//! Validation of a `pacto.yaml` buffer against its bundle directory, as LSP diagnostics.

use crate::store::{ByteEdit, Cached};
use crate::to_proto::{self, Encoding};
use pacto_core::bundle::DirBundle;
use pacto_core::syntax::{parse, Parsed};
use pacto_core::validate::{validate, validate_parsed, LocalResolver, Options, RefResolver};
use pacto_core::Severity;
use tower_lsp_server::ls_types::{
    Diagnostic, DiagnosticSeverity, NumberOrString, Position, Range, Uri,
};

/// Files named `pacto.yaml` or `*.pacto.yaml` are contracts (the editors activate on both).
pub fn is_contract(uri: &Uri) -> bool {
    uri.path()
        .as_str()
        .rsplit('/')
        .next()
        .is_some_and(|name| name == "pacto.yaml" || name.ends_with(".pacto.yaml"))
}

/// The parse of `text`: the prior parse patched with `edits` when every edit stays inside one
/// value scalar (typing in a value), else a fresh parse.
pub fn reparse(text: &str, prior: Option<(Cached, Vec<ByteEdit>)>, options: &Options) -> Parsed {
    if let Some((cached, edits)) = prior {
        let Cached {
            text: mut old,
            mut parsed,
            ..
        } = cached;
        let patched = parsed.errors.is_empty()
            && parsed.tree.as_mut().is_some_and(|tree| {
                edits.iter().all(|e| {
                    let (Some(head), Some(tail)) =
                        (old.get(..e.range.start), old.get(e.range.end..))
                    else {
                        return false;
                    };
                    let new = format!("{head}{}{tail}", e.insert);
                    let ok = tree.patch_scalar(&old, e.range.clone(), &e.insert, &new);
                    old = new;
                    ok
                })
            });
        if patched && old == text {
            if let Some(tree) = &parsed.tree {
                parsed.line_index = tree.line_index().clone();
            }
            return parsed;
        }
    }
    parse(text, &options.limits)
}

/// Validate `text` as the `pacto.yaml` at `uri` (offline: the editor never waits on the
/// network), reusing the prior parse when the edits allow it; also returns the parse.
pub fn compute_with(
    uri: &Uri,
    text: &str,
    enc: Encoding,
    prior: Option<(Cached, Vec<ByteEdit>)>,
) -> (Vec<Diagnostic>, Parsed) {
    let dir = uri
        .to_file_path()
        .and_then(|p| p.parent().map(std::path::Path::to_path_buf));
    let options = Options {
        offline: true,
        ..Options::default()
    };
    let mut parsed = reparse(text, prior, &options);
    // Keep the document's JSON in the tree: the next keystroke patches it instead of converting
    // the whole document again.
    if let Some(tree) = parsed.tree.as_mut() {
        tree.json();
    }
    let bundle = dir.clone().map(DirBundle::new);
    let bundle_ref = bundle
        .as_ref()
        .map(|b| b as &dyn pacto_core::bundle::Bundle);
    let local;
    let resolver: &dyn RefResolver = match &dir {
        Some(dir) => {
            local = LocalResolver::new(dir.clone());
            &local
        }
        None => &pacto_core::validate::NoResolver,
    };
    let mut validation = validate_parsed(parsed, bundle_ref, resolver, &options);
    // What `pacto validate` adds for a bundle directory: referenced files `.pactoignore` leaves
    // out of the packed bundle.
    if let (Some(dir), Some(contract)) = (&dir, &validation.contract) {
        let ignored = ignored_references(contract, dir);
        if !ignored.is_empty() {
            validation.diagnostics.extend(ignored);
            pacto_core::validate::sort(&mut validation.diagnostics);
        }
    }
    if validation.parsed.tree.is_none() {
        let extra = partial(text, &validation.parsed, |t| {
            validate(t, bundle_ref, resolver, &options).diagnostics
        });
        validation.diagnostics.extend(extra);
    }
    let index = &validation.parsed.line_index;
    let diags = validation
        .diagnostics
        .iter()
        .map(|d| {
            let range = d
                .span
                .map_or(Range::new(Position::new(0, 0), Position::new(0, 0)), |s| {
                    to_proto::range(index, s, enc)
                });
            let message = match &d.help {
                Some(help) => format!("{}\nhelp: {help}", d.message),
                None => d.message.clone(),
            };
            Diagnostic {
                range,
                severity: Some(match d.severity {
                    Severity::Error => DiagnosticSeverity::ERROR,
                    Severity::Warning => DiagnosticSeverity::WARNING,
                }),
                code: Some(NumberOrString::String(d.code.to_string())),
                source: Some("pacto".to_string()),
                message,
                ..Default::default()
            }
        })
        .collect();
    (diags, validation.parsed)
}

/// Files the contract references that `.pactoignore` excludes from the packed bundle: the
/// `FILE_IGNORED` errors `pacto validate DIR` reports (an unreadable `.pactoignore` is its
/// `INVALID_PACTOIGNORE`).
fn ignored_references(
    contract: &pacto_core::model::Contract,
    root: &std::path::Path,
) -> Vec<pacto_core::Diagnostic> {
    if !root.join(".pactoignore").exists() {
        return Vec::new();
    }
    let rules = match pacto_core::bundle::archive::load_ignore_file(root) {
        Ok(r) => r,
        Err(e) => {
            return vec![pacto_core::Diagnostic::error(
                "INVALID_PACTOIGNORE",
                "",
                e.to_string(),
            )]
        }
    };
    contract
        .referenced_files()
        .into_iter()
        .filter(|(_, f)| {
            pacto_core::bundle::is_valid_path(&f.value) && root.join(&f.value).exists()
        })
        .filter_map(|(path, f)| {
            let is_dir = root.join(&f.value).is_dir();
            rules.excluding_pattern(&f.value, is_dir).map(|pattern| {
                pacto_core::Diagnostic::error(
                    "FILE_IGNORED",
                    path,
                    format!(
                        "\"{}\" is excluded from the bundle by the .pactoignore pattern {pattern:?}",
                        f.value
                    ),
                )
                .with_span(Some(f.span))
                .with_help(
                    "change .pactoignore so the files the contract references ship in the bundle",
                )
            })
        })
        .collect()
}

/// Codes that speak only about the node they point at, so they stay true when other top-level
/// sections are not read.
const LOCAL_CODES: [&str; 2] = ["SCHEMA_VIOLATION", "UNKNOWN_FIELD"];

/// Half-typed YAML: the findings for what does parse. The top-level section holding the syntax
/// error is blanked (every byte but newlines becomes a space, so all other offsets and lines
/// stay exact), up to three sections back when the error was only noticed later, and the rest
/// is validated; only findings located outside the blanked lines and about their own node are
/// kept, next to the syntax error itself.
fn partial(
    text: &str,
    parsed: &Parsed,
    check: impl Fn(&str) -> Vec<pacto_core::Diagnostic>,
) -> Vec<pacto_core::Diagnostic> {
    let Some(err) = parsed.errors.iter().find(|e| e.fatal) else {
        return Vec::new();
    };
    // Starts of top-level entries: lines that begin with neither space, `#`, `-` nor a newline.
    let mut starts: Vec<usize> = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with(|c: char| !(c.is_whitespace() || c == '#' || c == '-')) {
            starts.push(at);
        }
        at += line.len();
    }
    let e = (err.span.start as usize).min(text.len());
    let Some(first) = starts.iter().rposition(|&s| s <= e) else {
        return Vec::new();
    };
    let end = starts.get(first + 1).copied().unwrap_or(text.len());
    for back in 0..3 {
        let Some(&from) = first.checked_sub(back).and_then(|i| starts.get(i)) else {
            break;
        };
        if from == 0 {
            break;
        }
        let mut bytes = text.as_bytes().to_vec();
        for b in &mut bytes[from..end] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
        let Ok(blanked) = String::from_utf8(bytes) else {
            return Vec::new();
        };
        let found = check(&blanked);
        if found
            .iter()
            .any(|d| d.code == "PARSE_ERROR" || d.code == err.code)
        {
            continue;
        }
        return found
            .into_iter()
            .filter(|d| LOCAL_CODES.contains(&d.code) && !d.path.is_empty())
            .filter(|d| {
                d.span
                    .is_some_and(|s| (s.end as usize) <= from || s.start as usize >= end)
            })
            .collect();
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cached(text: &str) -> Cached {
        Cached {
            seq: 1,
            text: text.to_string(),
            parsed: parse(text, &Options::default().limits),
        }
    }

    fn edit(text: &str, old: &str, new: &str) -> (ByteEdit, String) {
        let at = text.find(old).expect("in text");
        let e = ByteEdit {
            range: at..at + old.len(),
            insert: new.to_string(),
        };
        (e, text.replacen(old, new, 1))
    }

    #[test]
    fn value_edits_reuse_the_tree_and_structural_edits_parse_again() {
        let text = "pactoVersion: \"1.0\"\nservice:\n  name: svc\n  version: 1.0.0\n";
        let o = Options::default();
        // Two value edits in a row: patched, and identical to a fresh parse.
        let (e1, t1) = edit(text, "1.0.0", "1.0.1");
        let (e2, t2) = edit(&t1, "svc", "payments");
        let got = reparse(&t2, Some((cached(text), vec![e1, e2])), &o);
        let fresh = parse(&t2, &o.limits);
        let (g, f) = (got.tree.expect("tree"), fresh.tree.expect("tree"));
        assert!(g.same_as(&f));
        assert_eq!(got.line_index.len(), fresh.line_index.len());
        // A key edit cannot be patched: the fresh parse sees the new key.
        let (e3, t3) = edit(text, "name", "nam");
        let got = reparse(&t3, Some((cached(text), vec![e3])), &o);
        assert!(got
            .tree
            .expect("tree")
            .root()
            .get("service")
            .and_then(|s| s.get("nam"))
            .is_some());
        // Edits that do not lead to the text given: parsed again, never trusted.
        let (e4, _) = edit(text, "svc", "other");
        let got = reparse(&t2, Some((cached(text), vec![e4])), &o);
        assert!(got
            .tree
            .expect("tree")
            .same_as(&parse(&t2, &o.limits).tree.expect("tree")));
    }

    #[test]
    fn half_typed_yaml_still_reports_what_parses() {
        let text = "pactoVersion: \"1.0\"\nservice:\n  name: svc\n  version: 1.0.0\ninterfaces:\n  - name: api\n    type: htp\n    port: 8080\nruntime:\n  workload: [service\n";
        let uri: Uri = "file:///nowhere/pacto.yaml".parse().expect("uri");
        let (diags, _) = compute_with(&uri, text, Encoding::Utf16, None);
        let codes: Vec<String> = diags
            .iter()
            .map(|d| match &d.code {
                Some(NumberOrString::String(c)) => c.clone(),
                _ => String::new(),
            })
            .collect();
        assert_eq!(codes, ["PARSE_ERROR", "SCHEMA_VIOLATION"], "{diags:?}");
        // The enum finding points at `htp`, line 7 (0-based 6), columns 10-13.
        assert_eq!(
            diags[1].range,
            Range::new(Position::new(6, 10), Position::new(6, 13))
        );
        // A document that only fails at the very top gets the syntax error alone.
        let (diags, _) = compute_with(&uri, "pactoVersion: [1\n", Encoding::Utf16, None);
        assert_eq!(diags.len(), 1);
    }
}
