//! `.pactoignore`: which files of a bundle directory `pacto pack` and `pacto push` leave out.
//!
//! The syntax is gitignore's (spec §11.4):
//!
//! - blank lines and lines starting with `#` are skipped (`\#` is a literal `#`);
//! - trailing spaces are dropped unless escaped with a backslash;
//! - `*` matches any run of characters but `/`, `?` one character but `/`, `[abc]`, `[a-z]`,
//!   `[!a]` and `[^a]` are character classes, and a backslash escapes the next character;
//! - `**` as a whole path segment matches any number of directories: `**/x` anywhere,
//!   `a/**/b` zero or more levels, `a/**` everything inside `a` (not `a` itself);
//! - a pattern with a `/` at its start or in its middle is anchored to the bundle root (a leading
//!   `/` is dropped); one without matches a file or directory of that name at any depth;
//! - a trailing `/` matches directories only;
//! - `!` negates: a path matched by it is kept again (`\!` is a literal `!`);
//! - the last matching pattern wins.
//!
//! As in git, a file inside an ignored directory cannot be kept by a negation: the directory is
//! never entered ([`IgnoreRules::excludes`] checks the parents).
//!
//! Always left out, whatever the file says: any `.git` (directory or file, so `.git` worktree
//! links too), `.pactoignore` and `.DS_Store`. `pacto.yaml` at the root is never left out.

use super::CONTRACT_FILE;

/// Names that never go into a bundle, at any depth, and the pattern reported for them.
const ALWAYS_IGNORED: [(&str, &str); 3] = [
    (".git", ".git/"),
    (".pactoignore", ".pactoignore"),
    (".DS_Store", ".DS_Store"),
];

/// Parsed `.pactoignore` patterns, plus the built-in ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IgnoreRules {
    rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    /// The pattern as written (without trailing spaces), for messages.
    text: String,
    negated: bool,
    dir_only: bool,
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// `**`: any number of path segments.
    AnyDirs,
    /// One path segment matched by a glob.
    Glob(Vec<Token>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(char),
    /// `?`
    AnyChar,
    /// `*`
    Star,
    /// `[...]`
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

impl IgnoreRules {
    /// Only the built-in rules: `.git`, `.pactoignore` and `.DS_Store` are still left out.
    pub fn none() -> IgnoreRules {
        IgnoreRules::default()
    }

    /// Parse the text of a `.pactoignore` file. Never fails: a line that is not a sensible
    /// pattern simply matches nothing (an unclosed `[` is a literal `[`, as in git).
    pub fn parse(text: &str) -> IgnoreRules {
        IgnoreRules {
            rules: text.lines().filter_map(parse_line).collect(),
        }
    }

    /// Whether the path itself is matched by the rules (last match wins), without looking at its
    /// parent directories. `rel_path` is slash-separated and relative to the bundle root;
    /// `is_dir` tells whether it names a directory (for patterns ending in `/`).
    pub fn is_ignored(&self, rel_path: &str, is_dir: bool) -> bool {
        self.own_verdict(rel_path, is_dir).is_some()
    }

    /// Whether the path is left out of a pack: it, or one of its parent directories, is ignored.
    pub fn excludes(&self, rel_path: &str, is_dir: bool) -> bool {
        self.excluding_pattern(rel_path, is_dir).is_some()
    }

    /// The pattern that leaves the path out of a pack (matching the path itself or one of its
    /// parent directories), as written in `.pactoignore`; `None` when the path is packed.
    pub fn excluding_pattern(&self, rel_path: &str, is_dir: bool) -> Option<&str> {
        let path = normalise(rel_path);
        let mut end = 0;
        while let Some(slash) = path[end..].find('/') {
            let parent = &path[..end + slash];
            if let Some(pattern) = self.own_verdict(parent, true) {
                return Some(pattern);
            }
            end += slash + 1;
        }
        self.own_verdict(path, is_dir)
    }

    /// The pattern that ignores the path itself, if any.
    fn own_verdict(&self, rel_path: &str, is_dir: bool) -> Option<&str> {
        let path = normalise(rel_path);
        if path.is_empty() || path == CONTRACT_FILE {
            return None;
        }
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let name = parts.last().copied().unwrap_or("");
        if let Some((_, pattern)) = ALWAYS_IGNORED.iter().find(|(n, _)| *n == name) {
            return Some(pattern);
        }
        let rule = self
            .rules
            .iter()
            .rev()
            .find(|r| (is_dir || !r.dir_only) && match_path(&r.segments, &parts))?;
        (!rule.negated).then_some(rule.text.as_str())
    }
}

/// Drop a leading `./` and a trailing `/`, so callers may pass either form.
fn normalise(rel_path: &str) -> &str {
    let p = rel_path.strip_prefix("./").unwrap_or(rel_path);
    p.trim_end_matches('/')
}

fn parse_line(line: &str) -> Option<Rule> {
    let line = trim_trailing_spaces(line);
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let (negated, body) = match line.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, line),
    };
    let (dir_only, body) = match body.strip_suffix('/') {
        Some(rest) if !rest.ends_with('\\') => (true, rest),
        _ => (false, body),
    };
    let anchored = body.contains('/');
    let body = body.strip_prefix('/').unwrap_or(body);
    let mut segments: Vec<Segment> = Vec::new();
    if !anchored {
        segments.push(Segment::AnyDirs);
    }
    for seg in body.split('/').filter(|s| !s.is_empty()) {
        if seg == "**" {
            // `a/**/**/b` means the same as `a/**/b`.
            if segments.last() != Some(&Segment::AnyDirs) {
                segments.push(Segment::AnyDirs);
            }
        } else {
            segments.push(Segment::Glob(tokenise(seg)));
        }
    }
    if segments.is_empty() || segments == [Segment::AnyDirs] && body.is_empty() {
        return None;
    }
    Some(Rule {
        text: line.to_string(),
        negated,
        dir_only,
        segments,
    })
}

/// Drop trailing spaces (and a `\r` left by CRLF files), keeping a space escaped by `\`.
fn trim_trailing_spaces(line: &str) -> &str {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut end = line.len();
    while line[..end].ends_with(' ') {
        let before = &line[..end - 1];
        let backslashes = before.len() - before.trim_end_matches('\\').len();
        if backslashes % 2 == 1 {
            break;
        }
        end -= 1;
    }
    &line[..end]
}

fn tokenise(seg: &str) -> Vec<Token> {
    let chars: Vec<char> = seg.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                // A trailing lone backslash matches nothing in git; keep it literal.
                let lit = chars.get(i + 1).copied().unwrap_or('\\');
                tokens.push(Token::Literal(lit));
                i += 2;
            }
            '?' => {
                tokens.push(Token::AnyChar);
                i += 1;
            }
            '*' => {
                if tokens.last() != Some(&Token::Star) {
                    tokens.push(Token::Star);
                }
                i += 1;
            }
            '[' => match parse_class(&chars, i + 1) {
                Some((token, next)) => {
                    tokens.push(token);
                    i = next;
                }
                None => {
                    tokens.push(Token::Literal('['));
                    i += 1;
                }
            },
            _ => {
                tokens.push(Token::Literal(c));
                i += 1;
            }
        }
    }
    tokens
}

/// Parse a class body starting after `[`; returns the token and the index after `]`, or `None`
/// when the class is not closed.
fn parse_class(chars: &[char], start: usize) -> Option<(Token, usize)> {
    let mut i = start;
    let negated = matches!(chars.get(i), Some('!') | Some('^'));
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let mut c = *chars.get(i)?;
        if c == ']' && !first {
            return Some((Token::Class { negated, ranges }, i + 1));
        }
        first = false;
        if c == '\\' {
            i += 1;
            c = *chars.get(i)?;
        }
        i += 1;
        // A range `a-z`, unless the `-` is last (`[a-]`).
        if chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(|&n| n != ']') {
            let mut hi = *chars.get(i + 1)?;
            i += 2;
            if hi == '\\' {
                hi = *chars.get(i)?;
                i += 1;
            }
            ranges.push((c, hi));
        } else {
            ranges.push((c, c));
        }
    }
}

/// Match pattern segments against path segments. `**` matches zero or more segments, except
/// at the end of a pattern, where it needs at least one (`a/**` is what is inside `a`).
fn match_path(segments: &[Segment], parts: &[&str]) -> bool {
    let (n, m) = (segments.len(), parts.len());
    // ok[i][j]: segments[i..] match parts[j..]. Filled backwards; small tables (path depth).
    let mut ok = vec![vec![false; m + 1]; n + 1];
    ok[n][m] = true;
    for i in (0..n).rev() {
        for j in (0..=m).rev() {
            ok[i][j] = match &segments[i] {
                Segment::AnyDirs if i + 1 == n => j < m,
                Segment::AnyDirs => ok[i + 1][j] || (j < m && ok[i][j + 1]),
                Segment::Glob(tokens) => j < m && ok[i + 1][j + 1] && match_glob(tokens, parts[j]),
            };
        }
    }
    ok[0][0]
}

/// Match one path segment against glob tokens (`*` backtracks to its last position).
fn match_glob(tokens: &[Token], name: &str) -> bool {
    let chars: Vec<char> = name.chars().collect();
    let (mut t, mut c) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while c < chars.len() {
        match tokens.get(t) {
            Some(Token::Star) => {
                star = Some((t, c));
                t += 1;
                continue;
            }
            Some(tok) if token_matches(tok, chars[c]) => {
                t += 1;
                c += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((st, sc)) => {
                t = st + 1;
                c = sc + 1;
                star = Some((st, sc + 1));
            }
            None => return false,
        }
    }
    tokens[t.min(tokens.len())..]
        .iter()
        .all(|tok| *tok == Token::Star)
}

fn token_matches(token: &Token, c: char) -> bool {
    match token {
        Token::Literal(l) => *l == c,
        Token::AnyChar => true,
        Token::Star => false,
        Token::Class { negated, ranges } => {
            ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (patterns, path, is_dir, ignored by the path's own rules, excluded from a pack)
    #[test]
    fn gitignore_cases() {
        let cases: &[(&str, &str, bool, bool, bool)] = &[
            // plain names match at any depth
            ("*.log", "build.log", false, true, true),
            ("*.log", "out/build.log", false, true, true),
            ("*.log", "build.log.txt", false, false, false),
            ("*.log", ".log", false, true, true),
            ("tmp", "tmp", true, true, true),
            ("tmp", "a/tmp", false, true, true),
            ("tmp", "a/tmp/x", false, false, true),
            // comments and blank lines
            ("# *.log\n\n", "a.log", false, false, false),
            ("\\#x", "#x", false, true, true),
            // ? and classes
            ("file?.txt", "file1.txt", false, true, true),
            ("file?.txt", "file10.txt", false, false, false),
            ("file?.txt", "file/.txt", false, false, false),
            ("[abc].md", "b.md", false, true, true),
            ("[abc].md", "d.md", false, false, false),
            ("[a-c]x", "cx", false, true, true),
            ("[!a-c]x", "cx", false, false, false),
            ("[!a-c]x", "dx", false, true, true),
            ("[^a]x", "bx", false, true, true),
            ("[]]", "]", false, true, true),
            ("[a", "[a", false, true, true),
            // anchoring
            ("/docs", "docs", true, true, true),
            ("/docs", "sub/docs", true, false, false),
            ("docs/*.md", "docs/a.md", false, true, true),
            ("docs/*.md", "sub/docs/a.md", false, false, false),
            ("docs/*.md", "docs/x/a.md", false, false, false),
            // directories only
            ("tmp/", "tmp", true, true, true),
            ("tmp/", "tmp", false, false, false),
            ("tmp/", "x/tmp", true, true, true),
            ("tmp/", "tmp/file", false, false, true),
            ("/build/", "build/out/a.bin", false, false, true),
            // **
            ("**/foo", "foo", false, true, true),
            ("**/foo", "a/b/foo", false, true, true),
            ("a/**/b", "a/b", false, true, true),
            ("a/**/b", "a/x/y/b", false, true, true),
            ("a/**/b", "x/a/b", false, false, false),
            ("a/**", "a", true, false, false),
            ("a/**", "a/x", false, true, true),
            ("a/**", "a/x/y", false, true, true),
            ("**/*.bin", "data/x/y.bin", false, true, true),
            ("a**b", "axxb", false, true, true),
            ("**", "anything/at/all", false, true, true),
            // negation, last match wins
            ("*.md\n!README.md", "README.md", false, false, false),
            ("*.md\n!README.md", "CHANGES.md", false, true, true),
            ("!README.md\n*.md", "README.md", false, true, true),
            (
                "data/*.bin\n!data/config.bin",
                "data/config.bin",
                false,
                false,
                false,
            ),
            (
                "data/*.bin\n!data/config.bin",
                "data/x.bin",
                false,
                true,
                true,
            ),
            // a negation cannot re-include a file inside an ignored directory
            ("tmp/\n!tmp/keep", "tmp/keep", false, false, true),
            // but can when only the contents are ignored
            ("tmp/*\n!tmp/keep", "tmp/keep", false, false, false),
            ("a/**\n!a/keep", "a/keep", false, false, false),
            // trailing spaces, escapes
            ("*.log   ", "a.log", false, true, true),
            ("a\\ ", "a ", false, true, true),
            ("\\!important", "!important", false, true, true),
            ("*.txt\r\n", "a.txt", false, true, true),
            // built-ins
            ("", ".git", true, true, true),
            ("", ".git", false, true, true),
            ("", ".git/config", false, false, true),
            ("", "sub/.git/HEAD", false, false, true),
            ("!.git", ".git", true, true, true),
            ("", ".pactoignore", false, true, true),
            ("", "x/.DS_Store", false, true, true),
            ("", "pacto.lock", false, false, false),
            // pacto.yaml at the root is never ignored, elsewhere it is a plain name
            ("pacto.yaml\n*", "pacto.yaml", false, false, false),
            ("*.yaml", "sub/pacto.yaml", false, true, true),
            ("", "./pacto.yaml", false, false, false),
        ];
        for &(patterns, path, is_dir, ignored, excluded) in cases {
            let rules = IgnoreRules::parse(patterns);
            assert_eq!(
                rules.is_ignored(path, is_dir),
                ignored,
                "is_ignored({path:?}, dir={is_dir}) with {patterns:?}"
            );
            assert_eq!(
                rules.excludes(path, is_dir),
                excluded,
                "excludes({path:?}, dir={is_dir}) with {patterns:?}"
            );
        }
    }

    #[test]
    fn reports_the_excluding_pattern() {
        let rules = IgnoreRules::parse("# build\nbuild/\n*.log\n");
        assert_eq!(
            rules.excluding_pattern("build/x.json", false),
            Some("build/")
        );
        assert_eq!(rules.excluding_pattern("a/b.log", false), Some("*.log"));
        assert_eq!(rules.excluding_pattern(".git/HEAD", false), Some(".git/"));
        assert_eq!(rules.excluding_pattern("pacto.yaml", false), None);
        assert_eq!(rules.excluding_pattern("interfaces/a.yaml", false), None);
    }

    #[test]
    fn none_keeps_only_the_built_ins() {
        let rules = IgnoreRules::none();
        assert!(rules.is_ignored(".git", true));
        assert!(rules.is_ignored(".DS_Store", false));
        assert!(!rules.is_ignored("docs/readme.md", false));
        assert_eq!(
            IgnoreRules::parse("# only comments\n\n"),
            IgnoreRules::none()
        );
    }

    #[test]
    fn odd_patterns_do_not_panic() {
        for text in [
            "[", "[!", "[a-", "\\", "!", "/", "//", "!/", "**/", "[\\", "a[]b", "é*ü?",
        ] {
            let rules = IgnoreRules::parse(text);
            for path in ["a", "é/ü", "[", "a/b/c", "\\"] {
                let _ = rules.excludes(path, false);
                let _ = rules.excludes(path, true);
            }
        }
        assert!(IgnoreRules::parse("é*").is_ignored("éclair", false));
    }
}
