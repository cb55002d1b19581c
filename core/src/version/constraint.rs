//! Version constraints: Masterminds' `NewConstraint` and `Constraints.Check`.
//!
//! Parsing follows the Go steps one by one:
//!
//! 1. hyphen ranges `A - B` are rewritten to `>= A, <= B ` (`rewrite_ranges`);
//! 2. the result is split on `||` into OR groups;
//! 3. each group must match `^(\s*(OPS)\s*(CV)\s*)((?:\s+|,\s*)(OPS)\s*(CV)\s*)*$`, or the
//!    error is `improper constraint: <group>` (`split_terms`);
//! 4. each term's version is normalised (wildcards and missing parts become `0` and mark the
//!    term "dirty") and parsed as a [`Version`].

use std::fmt;
use std::str::FromStr;

use super::grammar::{self, Parts};
use super::{SemverError, Version, MAX_INPUT_LEN};

/// A parsed version constraint such as `^1.2`, `>= 1.0, < 2 || 3.x` or `1.2 - 1.4.5`.
#[derive(Clone, Debug)]
pub struct Constraint {
    original: String,
    groups: Vec<Group>,
}

/// One OR alternative: terms that must all hold.
#[derive(Clone, Debug)]
struct Group {
    terms: Vec<Term>,
    /// Whether some term has a prerelease; only then may prerelease versions match the group.
    include_pre: bool,
}

/// The operator of a term.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// No operator or `=`: exact, or tilde when the version is dirty.
    TildeOrEqual,
    /// `!=`.
    NotEqual,
    /// `>`.
    Greater,
    /// `<`.
    Less,
    /// `>=` or `=>`.
    GreaterEqual,
    /// `<=` or `=<`.
    LessEqual,
    /// `~` or `~>`.
    Tilde,
    /// `^`.
    Caret,
}

impl Op {
    fn from_text(op: &str) -> Option<Op> {
        Some(match op {
            "" | "=" => Op::TildeOrEqual,
            "!=" => Op::NotEqual,
            ">" => Op::Greater,
            "<" => Op::Less,
            ">=" | "=>" => Op::GreaterEqual,
            "<=" | "=<" => Op::LessEqual,
            "~" | "~>" => Op::Tilde,
            "^" => Op::Caret,
            _ => return None,
        })
    }
}

/// One operator-and-version term.
#[derive(Clone, Debug)]
struct Term {
    op: Op,
    /// The version compared against, wildcards and missing parts replaced by 0.
    con: Version,
    /// Some part is a wildcard or missing.
    dirty: bool,
    /// The minor part (and so the patch part) is a wildcard or missing.
    minor_dirty: bool,
    /// The patch part (only) is a wildcard or missing.
    patch_dirty: bool,
}

impl Constraint {
    /// Parse a constraint. OR groups are separated by `||`; the terms of a group by commas
    /// and/or whitespace. Operators: none, `=`, `!=`, `>`, `<`, `>=`, `=>`, `<=`, `=<`, `~`, `~>`,
    /// `^`. Versions may use `x`, `X` or `*` as wildcards and may leave out minor and patch.
    pub fn parse(s: &str) -> Result<Constraint, SemverError> {
        if s.len() > MAX_INPUT_LEN {
            return Err(SemverError::TooLong);
        }
        let rewritten = rewrite_ranges(s);
        let mut groups = Vec::new();
        for segment in rewritten.split("||") {
            let parsed = split_terms(segment)
                .ok_or_else(|| SemverError::ImproperConstraint(segment.to_owned()))?;
            let terms = parsed
                .into_iter()
                .map(|(op, parts)| Term::new(segment, op, parts))
                .collect::<Result<Vec<_>, _>>()?;
            let include_pre = terms.iter().any(|t| !t.con.pre.is_empty());
            groups.push(Group { terms, include_pre });
        }
        Ok(Constraint {
            original: s.to_owned(),
            groups,
        })
    }

    /// Whether `v` satisfies the constraint: every term of at least one OR group holds.
    ///
    /// A version with a prerelease can only satisfy a group in which some term has a
    /// prerelease itself, so `*` does not match `2.0.0-rc1` but `>=2.0.0-alpha` does.
    pub fn matches(&self, v: &Version) -> bool {
        self.groups
            .iter()
            .any(|g| g.terms.iter().all(|t| t.check(v, g.include_pre)))
    }

    /// The text this constraint was parsed from.
    pub fn as_str(&self) -> &str {
        &self.original
    }

    /// The number of terms in each OR group.
    #[cfg(test)]
    pub(super) fn shape(&self) -> Vec<usize> {
        self.groups.iter().map(|g| g.terms.len()).collect()
    }
}

impl fmt::Display for Constraint {
    /// The text this constraint was parsed from.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

impl FromStr for Constraint {
    type Err = SemverError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Constraint::parse(s)
    }
}

/// Masterminds' `isX`.
fn is_x(part: &str) -> bool {
    matches!(part, "x" | "X" | "*")
}

impl Term {
    /// Masterminds' `parseConstraint` for a term found in `segment`.
    fn new(segment: &str, op: Op, parts: Parts) -> Result<Term, SemverError> {
        let text = |r| grammar::text(segment, r);
        let major = text(parts.major);
        let pre = parts
            .pre
            .map_or_else(String::new, |r| format!("-{}", text(r)));
        let minor = parts.minor.map(text);
        let patch = parts.patch.map(text);

        let mut dirty = true;
        let mut minor_dirty = false;
        let mut patch_dirty = false;
        let normalised = if is_x(major) {
            format!("0.0.0{pre}")
        } else {
            match (minor, patch) {
                (None, _) | (Some("x" | "X" | "*"), _) => {
                    minor_dirty = true;
                    format!("{major}.0.0{pre}")
                }
                (Some(minor), None) | (Some(minor), Some("x" | "X" | "*")) => {
                    patch_dirty = true;
                    format!("{major}.{minor}.0{pre}")
                }
                (Some(_), Some(_)) => {
                    dirty = false;
                    text((parts.start, parts.end)).to_owned()
                }
            }
        };
        let con =
            Version::parse_unbounded(&normalised).map_err(|_| SemverError::ConstraintParser)?;
        Ok(Term {
            op,
            con,
            dirty,
            minor_dirty,
            patch_dirty,
        })
    }

    /// Masterminds' constraint functions; `include_pre` says whether the term's group lets
    /// prereleases through.
    fn check(&self, v: &Version, include_pre: bool) -> bool {
        if !v.pre.is_empty() && !include_pre {
            return false;
        }
        let c = &self.con;
        match self.op {
            Op::TildeOrEqual => {
                if self.dirty {
                    self.tilde(v)
                } else {
                    v == c
                }
            }
            Op::NotEqual => self.not_equal(v),
            Op::Greater => self.greater(v),
            Op::Less => v < c,
            Op::GreaterEqual => v >= c,
            Op::LessEqual => self.less_equal(v),
            Op::Tilde => self.tilde(v),
            Op::Caret => self.caret(v),
        }
    }

    /// `!=`: with a wildcard, excludes the whole wildcard range.
    fn not_equal(&self, v: &Version) -> bool {
        let c = &self.con;
        if self.dirty {
            if c.major != v.major {
                return true;
            }
            if c.minor != v.minor && !self.minor_dirty {
                return true;
            } else if self.minor_dirty {
                return false;
            } else if c.patch != v.patch && !self.patch_dirty {
                return true;
            } else if self.patch_dirty {
                if !v.pre.is_empty() || !c.pre.is_empty() {
                    return super::compare_prerelease(&v.pre, &c.pre).is_ne();
                }
                return false;
            }
        }
        v != c
    }

    /// `>`: with a wildcard, the whole wildcard range must be exceeded (`>1.x` needs 2.0.0).
    fn greater(&self, v: &Version) -> bool {
        let c = &self.con;
        if !self.dirty {
            return v > c;
        }
        if v.major != c.major {
            v.major > c.major
        } else if self.minor_dirty {
            false
        } else if self.patch_dirty {
            v.minor > c.minor
        } else {
            v > c
        }
    }

    /// `<=`: with a wildcard, anything up to the end of the wildcard range (`<=1.x` allows every
    /// 1.y.z). Prereleases are not compared in that case.
    fn less_equal(&self, v: &Version) -> bool {
        let c = &self.con;
        if !self.dirty {
            return v <= c;
        }
        !(v.major > c.major || (v.major == c.major && v.minor > c.minor && !self.minor_dirty))
    }

    /// `~`: at least the version, same major, and same minor unless the minor was left out.
    /// `~0.0.0` (but not `~0`) accepts everything.
    fn tilde(&self, v: &Version) -> bool {
        let c = &self.con;
        if v < c {
            return false;
        }
        if c.major == 0 && c.minor == 0 && c.patch == 0 && !self.minor_dirty && !self.patch_dirty {
            return true;
        }
        if v.major != c.major {
            return false;
        }
        self.minor_dirty || v.minor == c.minor
    }

    /// `^`: at least the version, within the same major; for 0.y within the same minor; for
    /// 0.0.z exactly that patch.
    fn caret(&self, v: &Version) -> bool {
        let c = &self.con;
        if v < c {
            return false;
        }
        if c.major > 0 || self.minor_dirty {
            return v.major == c.major;
        }
        if v.major > 0 {
            return false;
        }
        if c.minor > 0 || self.patch_dirty {
            return v.minor == c.minor;
        }
        if v.minor > 0 {
            return false;
        }
        v.patch == c.patch
    }
}

/// The operators' characters; an operator is a whole run of them.
fn is_op_char(b: u8) -> bool {
    matches!(b, b'=' | b'!' | b'<' | b'>' | b'~' | b'^')
}

/// Recognise one OR group, `^\s*T((\s+|\s*,\s*)T)*\s*$` with `T = (OPS)\s*(CV)`, and return
/// its terms in order (what Masterminds' `findConstraintRegex` then finds in a valid group).
fn split_terms(segment: &str) -> Option<Vec<(Op, Parts)>> {
    let b = segment.as_bytes();
    let mut terms = Vec::new();
    let mut i = grammar::skip_space(b, 0);
    loop {
        // A version never starts with an operator character, so the operator is the whole run.
        let op_end = grammar::run(b, i, is_op_char);
        let op = Op::from_text(segment.get(i..op_end)?)?;
        let cv_start = grammar::skip_space(b, op_end);
        let parts = grammar::scan(b, cv_start, grammar::is_wild)?;
        // The version must fill its token: what follows is a separator or the end.
        if b.get(parts.end)
            .is_some_and(|&c| c != b',' && !grammar::is_space(c))
        {
            return None;
        }
        terms.push((op, parts));

        let after = grammar::skip_space(b, parts.end);
        match b.get(after) {
            None => return Some(terms),
            Some(b',') => i = grammar::skip_space(b, after + 1),
            Some(_) if after > parts.end => i = after,
            Some(_) => return None,
        }
    }
}

/// Masterminds' `rewriteRange`: every match of `\s*(CV)\s+-\s+(CV)\s*` in `s`, found left to
/// right without overlap, is replaced (first occurrence of the matched text in the string as
/// rewritten so far, like Go's `strings.Replace(o, match, t, 1)`) by `>= A, <= B `.
pub(super) fn rewrite_ranges(s: &str) -> String {
    let b = s.as_bytes();
    let mut replacements = Vec::new();
    let mut pos = 0;
    while let Some((start, end, low, high)) = find_range(b, pos) {
        let (Some(matched), Some(low), Some(high)) = (
            s.get(start..end),
            s.get(low.0..low.1),
            s.get(high.0..high.1),
        ) else {
            break;
        };
        replacements.push((matched, format!(">= {low}, <= {high} ")));
        pos = end;
    }
    let mut out = s.to_owned();
    for (matched, with) in replacements {
        out = out.replacen(matched, &with, 1);
    }
    out
}

/// The leftmost match of the range regex at or after `pos`: `(start, end, first CV, second CV)`.
///
/// The first version is followed by `\s+`, so it ends where its run of non-space bytes ends, and
/// the rest of the match depends on that end only. Each run is therefore looked at once: first
/// the tail after it, then (only when the tail matches) which of its suffixes is a version.
fn find_range(b: &[u8], pos: usize) -> Option<(usize, usize, grammar::Range, grammar::Range)> {
    let mut p = pos;
    while p < b.len() {
        // `\s*` is greedy and a version never starts with a space, so a start inside a run of
        // spaces behaves like the first byte after it.
        let first = grammar::skip_space(b, p);
        let token_end = grammar::run(b, first, |c| !grammar::is_space(c));
        if first == token_end {
            return None;
        }
        if let Some((end, high)) = range_tail(b, token_end) {
            let suffixes = grammar::wild_version_suffixes(b, first, token_end);
            if let Some(offset) = suffixes.iter().position(|&is_version| is_version) {
                let low = first + offset;
                let start = if offset == 0 { p } else { low };
                return Some((start, end, (low, token_end), high));
            }
        }
        p = token_end;
    }
    None
}

/// `\s+-\s+(CV)\s*` at `i`: the end of the match and the range of the version.
fn range_tail(b: &[u8], i: usize) -> Option<(usize, grammar::Range)> {
    let dash = grammar::skip_space(b, i);
    if dash == i || b.get(dash) != Some(&b'-') {
        return None;
    }
    let cv = grammar::skip_space(b, dash + 1);
    if cv == dash + 1 {
        return None;
    }
    let parts = grammar::scan(b, cv, grammar::is_wild)?;
    Some((grammar::skip_space(b, parts.end), (cv, parts.end)))
}
