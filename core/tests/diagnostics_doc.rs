//! `docs/diagnostics.md` lists every code the core can emit, and its table of all codes lists
//! only codes the core emits.
//!
//! How the codes are found: `Diagnostic::error` and `Diagnostic::warning` take the code as a
//! `&'static str` (checked below), and so do the parser's errors, so every code the core can emit
//! is a string literal in `core/src`: passed straight to a constructor, to a helper that forwards
//! it, kept in a `const`, a rule table or a `match`. The test lexes the files of every module the
//! library compiles, from `src/lib.rs` down its `mod x;` declarations (strings, raw strings,
//! comments, attributes), leaves out test-only code (`#[cfg(test)]` items, and so the files of
//! test-only modules), and keeps each literal shaped like a code (`UPPER_SNAKE_CASE` with at least
//! one `_`, as every Pacto code). It then drops what is not a code: environment variable names
//! (`PACTO_…`, `XDG_…`, `DOCKER_…`, `GIT_…`, `CARGO_…`), the three diff classifications, and
//! fragments that a rule completes into a longer code (`"NOT_FOUND"` in
//! `HEALTH_INTERFACE_NOT_FOUND`).

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn core_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn doc_text() -> String {
    std::fs::read_to_string(core_dir().join("../docs/diagnostics.md")).unwrap()
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Str(String),
    Ident(String),
    Punct(char),
}

/// A small Rust lexer: enough to tell string literals from code, comments and char literals.
fn lex(src: &str) -> Vec<Tok> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if ch == '"' {
            let (s, next) = quoted(&c, i + 1);
            out.push(Tok::Str(s));
            i = next;
        } else if (ch == 'r' || ch == 'b')
            && raw_start(&c, i).is_some()
            && (i == 0 || !is_ident(c[i - 1]))
        {
            let (hashes, open) = raw_start(&c, i).unwrap();
            let mut j = open + 1;
            let mut s = String::new();
            while j < c.len() {
                if c[j] == '"' && (0..hashes).all(|k| c.get(j + 1 + k) == Some(&'#')) {
                    break;
                }
                s.push(c[j]);
                j += 1;
            }
            out.push(Tok::Str(s));
            i = j + 1 + hashes;
        } else if ch == 'b' && c.get(i + 1) == Some(&'"') && (i == 0 || !is_ident(c[i - 1])) {
            let (s, next) = quoted(&c, i + 2);
            out.push(Tok::Str(s));
            i = next;
        } else if ch == '\'' {
            // A char literal ('x', '\n', '\u{..}', '"') or a lifetime ('a).
            if c.get(i + 1) == Some(&'\\') {
                let mut j = i + 2;
                while j < c.len() && c[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else if is_ident(ch) {
            let start = i;
            while i < c.len() && is_ident(c[i]) {
                i += 1;
            }
            out.push(Tok::Ident(c[start..i].iter().collect()));
        } else {
            out.push(Tok::Punct(ch));
            i += 1;
        }
    }
    out
}

fn is_ident(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_'
}

/// A `"…"` body starting at `i`: its text and the index after the closing quote.
fn quoted(c: &[char], mut i: usize) -> (String, usize) {
    let mut s = String::new();
    while i < c.len() && c[i] != '"' {
        if c[i] == '\\' {
            s.push(c[i]);
            i += 1;
        }
        if i < c.len() {
            s.push(c[i]);
        }
        i += 1;
    }
    (s, i + 1)
}

/// `r"`, `r#"`, `br##"`…: the number of `#` and the index of the opening quote.
fn raw_start(c: &[char], i: usize) -> Option<(usize, usize)> {
    let mut j = i;
    if c[j] == 'b' {
        j += 1;
    }
    if c.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while c.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    (c.get(j) == Some(&'"')).then_some((hashes, j))
}

/// The tokens of `src` outside attributes and outside `#[cfg(test)]` items; also the names of
/// modules declared `#[cfg(test)] mod name;` (their files are test-only).
fn non_test_tokens(src: &str) -> (Vec<Tok>, Vec<String>) {
    let toks = lex(src);
    let mut out = Vec::new();
    let mut test_mods = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if toks[i] == Tok::Punct('#') {
            let mut j = i + 1;
            if toks.get(j) == Some(&Tok::Punct('!')) {
                j += 1;
            }
            if toks.get(j) == Some(&Tok::Punct('[')) {
                let end = matching(&toks, j, '[', ']');
                let inner = &toks[j + 1..end];
                let cfg_test = inner.first() == Some(&Tok::Ident("cfg".into()))
                    && inner.contains(&Tok::Ident("test".into()))
                    && !inner.contains(&Tok::Ident("not".into()));
                i = end + 1;
                if cfg_test {
                    i = skip_item(&toks, i, &mut test_mods);
                }
                continue;
            }
        }
        out.push(toks[i].clone());
        i += 1;
    }
    (out, test_mods)
}

/// The index of the bracket closing the one opened at `open`.
fn matching(toks: &[Tok], open: usize, l: char, r: char) -> usize {
    let mut depth = 0;
    for (k, t) in toks.iter().enumerate().skip(open) {
        if *t == Tok::Punct(l) {
            depth += 1;
        } else if *t == Tok::Punct(r) {
            depth -= 1;
            if depth == 0 {
                return k;
            }
        }
    }
    toks.len() - 1
}

/// Skip the item starting at `i` (further attributes included): up to a `;` outside brackets,
/// or through its `{ … }` body. Records `mod name;`.
fn skip_item(toks: &[Tok], mut i: usize, test_mods: &mut Vec<String>) -> usize {
    let mut depth = 0i32;
    let mut prev_mod = false;
    while i < toks.len() {
        match &toks[i] {
            Tok::Punct('(') | Tok::Punct('[') => depth += 1,
            Tok::Punct(')') | Tok::Punct(']') => depth -= 1,
            Tok::Punct('{') if depth == 0 => return matching(toks, i, '{', '}') + 1,
            Tok::Punct(';') if depth == 0 => return i + 1,
            Tok::Ident(name) if prev_mod => test_mods.push(name.clone()),
            _ => {}
        }
        prev_mod = toks[i] == Tok::Ident("mod".into());
        i += 1;
    }
    i
}

/// The directory holding the files of `file`'s child modules.
fn child_dir(file: &Path) -> PathBuf {
    let parent = file.parent().unwrap();
    let stem = file.file_stem().unwrap().to_string_lossy();
    if stem == "mod" || stem == "lib" || stem == "main" {
        parent.to_path_buf()
    } else {
        parent.join(&*stem)
    }
}

fn code_shaped(s: &str) -> bool {
    s.len() >= 4
        && s.contains('_')
        && !s.starts_with('_')
        && !s.ends_with('_')
        && !s.contains("__")
        && s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

const ENV_PREFIXES: [&str; 5] = ["PACTO_", "XDG_", "DOCKER_", "GIT_", "CARGO_"];
const CLASSIFICATIONS: [&str; 3] = ["BREAKING", "NON_BREAKING", "POTENTIAL_BREAKING"];

/// The files of the modules the library compiles outside tests: from `src/lib.rs`, every
/// `mod name;` that is not `#[cfg(test)]`, as `name.rs` or `name/mod.rs` (a stray file that no
/// `mod` names is not part of the core).
fn compiled_files() -> Vec<(PathBuf, Vec<Tok>)> {
    let mut out = Vec::new();
    let mut queue = vec![core_dir().join("src/lib.rs")];
    while let Some(file) = queue.pop() {
        let src = std::fs::read_to_string(&file).unwrap();
        let (toks, _) = non_test_tokens(&src);
        for w in toks.windows(3) {
            if let [Tok::Ident(m), Tok::Ident(name), Tok::Punct(';')] = w {
                if m == "mod" {
                    let dir = child_dir(&file);
                    let flat = dir.join(format!("{name}.rs"));
                    let nested = dir.join(name).join("mod.rs");
                    let child = if flat.is_file() { flat } else { nested };
                    assert!(
                        child.is_file(),
                        "{}: mod {name} has no file",
                        file.display()
                    );
                    queue.push(child);
                }
            }
        }
        out.push((file, toks));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Every code the non-test code of `core/src` can emit.
/// The modules whose codes are not contract diagnostics but fleet limitations, impact and
/// runtime findings and attention reasons: documented in their own section.
const FLEET_MODULES: [&str; 3] = ["src/fleet", "src/impact", "src/evaluate.rs"];

fn is_fleet_module(file: &std::path::Path) -> bool {
    let rel = file.strip_prefix(core_dir()).unwrap_or(file);
    FLEET_MODULES.iter().any(|m| rel.starts_with(m))
}

/// Codes a contract diagnostic can carry (every module but [`FLEET_MODULES`]).
fn emitted_codes() -> BTreeSet<String> {
    codes_in(|f| !is_fleet_module(f))
}

/// Codes of the fleet, impact and runtime evaluation answers.
fn fleet_codes() -> BTreeSet<String> {
    codes_in(is_fleet_module)
        .into_iter()
        // OTLP span kinds the trace reader matches, not codes.
        .filter(|c| !c.starts_with("SPAN_KIND_"))
        .collect()
}

fn codes_in(keep: impl Fn(&std::path::Path) -> bool) -> BTreeSet<String> {
    let mut literals = BTreeSet::new();
    for (file, toks) in compiled_files() {
        if !keep(&file) {
            continue;
        }
        for t in toks {
            if let Tok::Str(s) = t {
                if code_shaped(&s) {
                    literals.insert(s);
                }
            }
        }
    }
    let candidates: BTreeSet<String> = literals
        .into_iter()
        .filter(|s| !ENV_PREFIXES.iter().any(|p| s.starts_with(p)))
        .filter(|s| !CLASSIFICATIONS.contains(&s.as_str()))
        .collect();
    candidates
        .iter()
        .filter(|s| {
            !candidates
                .iter()
                .any(|longer| longer.len() > s.len() && longer.ends_with(&format!("_{s}")))
        })
        .cloned()
        .collect()
}

/// Every `` `CODE` `` mentioned anywhere in the document.
fn documented_codes(doc: &str) -> BTreeSet<String> {
    doc.split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| code_shaped(s))
        .map(str::to_string)
        .collect()
}

/// The first-column codes of the "All codes" table, with their row.
fn index_rows(doc: &str) -> Vec<(String, Vec<String>)> {
    let start = doc
        .find("## All codes")
        .expect("docs/diagnostics.md has an \"All codes\" section");
    let section = &doc[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<String> = l
                .trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_string())
                .collect();
            (cells[0].trim_matches('`').to_string(), cells)
        })
        .collect()
}

#[test]
fn the_constructors_take_static_codes() {
    // What makes the literal scan complete: a code cannot be built at run time.
    let src = std::fs::read_to_string(core_dir().join("src/diagnostic.rs")).unwrap();
    assert!(
        src.contains("pub fn error(code: &'static str"),
        "Diagnostic::error changed"
    );
    let warning = src.find("pub fn warning(").expect("Diagnostic::warning");
    assert!(
        src[warning..warning + 120].contains("code: &'static str"),
        "Diagnostic::warning changed"
    );
    assert!(
        src.contains("pub code: &'static str"),
        "Diagnostic::code changed"
    );
}

#[test]
fn the_extraction_finds_codes_however_they_are_passed_and_skips_the_rest() {
    let codes = emitted_codes();
    for code in [
        "CAPABILITY_INTERFACE_UNKNOWN", // Diagnostic::error in a helper call
        "DUPLICATE_CONFIGURATION_NAME", // a rule table
        "HEALTH_INTERFACE_NOT_FOUND",   // a match arm
        "DUPLICATE_KEY",                // a parser error's `code:` field
        "TOO_MANY_PROBLEMS",            // a const
        "READINESS_GATE_UNMET",         // a const in readiness
        "INVALID_POLICY_REF",           // a non-first argument
        "SCHEMA_VIOLATION",
    ] {
        assert!(codes.contains(code), "{code} not found in {codes:?}");
    }
    for not_code in [
        "SCREAMING_SNAKE_CASE", // an attribute
        "INVALID_NAME",         // a #[cfg(test)] module's file (report/fixture.rs)
        "SECRET_TOKEN",         // a #[cfg(test)] mod tests
        "NON_BREAKING",         // a diff classification
        "NOT_FOUND",            // a fragment of HEALTH_INTERFACE_NOT_FOUND
        "PACTO_OFFLINE",        // an environment variable
    ] {
        assert!(!codes.contains(not_code), "{not_code} taken for a code");
    }
    // The lexer itself: literals in comments, raw strings and char literals.
    let toks = lex("// \"A_B\"\nlet x = r#\"C_D \"quoted\"\"#; let c = '\"'; f(\"E_F\");");
    let strs: Vec<&Tok> = toks.iter().filter(|t| matches!(t, Tok::Str(_))).collect();
    assert_eq!(
        strs,
        [&Tok::Str("C_D \"quoted\"".into()), &Tok::Str("E_F".into())]
    );
}

#[test]
fn every_code_the_core_emits_is_documented() {
    let doc = doc_text();
    let documented = documented_codes(&doc);
    let indexed: BTreeSet<String> = index_rows(&doc).into_iter().map(|(c, _)| c).collect();
    let missing: Vec<String> = emitted_codes()
        .into_iter()
        .filter(|c| !documented.contains(c) || !indexed.contains(c))
        .collect();
    assert!(
        missing.is_empty(),
        "codes the core can emit that docs/diagnostics.md does not list in its \"All codes\" table: {missing:?}"
    );
}

#[test]
fn the_index_lists_only_emitted_codes_with_every_column() {
    let emitted = emitted_codes();
    let rows = index_rows(&doc_text());
    assert!(rows.len() >= emitted.len(), "{} rows", rows.len());
    let mut seen = BTreeSet::new();
    for (code, cells) in rows {
        assert!(
            emitted.contains(&code),
            "{code} is in the table but the core never emits it"
        );
        assert!(seen.insert(code.clone()), "{code} is listed twice");
        assert_eq!(cells.len(), 7, "{code}: row {cells:?}");
        assert!(cells.iter().all(|c| !c.is_empty()), "{code}: an empty cell");
        assert!(
            cells[1].contains("1.x") || cells[1].contains("2.0"),
            "{code}: generation {:?}",
            cells[1]
        );
    }
}

#[test]
fn every_fleet_and_runtime_code_is_documented() {
    let doc = doc_text();
    let start = doc
        .find("## Fleet, impact and runtime codes")
        .expect("docs/diagnostics.md has a fleet section");
    let documented = documented_codes(&doc[start..]);
    let missing: Vec<String> = fleet_codes()
        .into_iter()
        .filter(|c| !documented.contains(c))
        .collect();
    assert!(
        missing.is_empty(),
        "fleet, impact or runtime codes docs/diagnostics.md does not list in its \"Fleet, impact and runtime codes\" section: {missing:?}"
    );
}
