//! Semantic versions and version constraints, with exactly the behaviour of Go's
//! [Masterminds/semver](https://github.com/Masterminds/semver) v3.4.0 as Go Pacto uses it
//! (`semver.NewVersion` and `semver.NewConstraint` with default settings).
//!
//! * [`Version::parse`] is the lenient parser: a leading `v`, missing minor or patch numbers and
//!   leading zeros in the numbers are accepted (`v1`, `1.2`, `2024.01.01`).
//! * [`Constraint::parse`] reads ranges such as `^1.2`, `>= 1.0, < 2 || 3.x` or `1.2 - 1.4.5`;
//!   [`Constraint::matches`] checks a version against them, skipping prereleases unless the
//!   AND group asks for one.
//! * [`highest_matching`] picks the newest tag satisfying a constraint.
//!
//! The parsers are hand-written but recognise the same language as the Go regexes, including
//! their quirks (for instance `|` counts as a wildcard character inside constraint versions). All
//! work is linear or near-linear in the input, and inputs longer than [`MAX_INPUT_LEN`] bytes are
//! refused.

mod constraint;
mod grammar;

#[cfg(test)]
mod tests;

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

pub use constraint::Constraint;

/// Longest version or constraint string accepted, in bytes.
pub const MAX_INPUT_LEN: usize = 4096;

/// Why a version or a constraint failed to parse. The messages are those of Masterminds/semver.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SemverError {
    /// The text is not a version at all (Masterminds' `ErrInvalidSemVer`). Malformed
    /// prerelease or metadata parts (`1.0.0-`, `1.0.0+`, `1.0.0-rc_1`) also end up here, as
    /// they do in Go, because the version grammar rejects them first.
    #[error("invalid semantic version")]
    InvalidSemVer,
    /// Masterminds' `ErrInvalidPrerelease`. Kept for parity with the Go error set;
    /// [`Version::parse`] reports malformed prereleases as [`SemverError::InvalidSemVer`].
    #[error("invalid prerelease string")]
    InvalidPrerelease,
    /// Masterminds' `ErrInvalidMetadata`. Kept for parity with the Go error set;
    /// [`Version::parse`] reports malformed metadata as [`SemverError::InvalidSemVer`].
    #[error("invalid metadata string")]
    InvalidMetadata,
    /// A numeric prerelease identifier has a leading zero (`1.0.0-01`).
    #[error("version segment starts with 0")]
    SegmentStartsZero,
    /// The major, minor or patch number (the digits given) does not fit in 64 bits. The
    /// message is the one Go's `strconv.ParseUint` error produces inside Masterminds.
    #[error(
        "error parsing version segment: strconv.ParseUint: parsing \"{0}\": value out of range"
    )]
    SegmentOutOfRange(String),
    /// An OR group of a constraint (the text given, after hyphen ranges were rewritten) is
    /// not a list of operator-and-version terms.
    #[error("improper constraint: {0}")]
    ImproperConstraint(String),
    /// A constraint term is well-formed but its version cannot be built (a number too large, a
    /// prerelease with a leading zero, a wildcard such as `xx` or `1|2`).
    #[error("constraint parser error")]
    ConstraintParser,
    /// The input is longer than [`MAX_INPUT_LEN`] bytes.
    #[error("input is longer than 4096 bytes")]
    TooLong,
}

/// A semantic version, as Masterminds' `NewVersion` reads it.
///
/// Equality, ordering and hashing ignore build metadata, like Masterminds' `Equal` and
/// `Compare`: `1.2.3+a == 1.2.3+b`.
#[derive(Clone, Debug)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
    metadata: String,
    original: String,
}

impl Version {
    /// Parse a version leniently: `v?MAJOR(.MINOR)?(.PATCH)?(-PRERELEASE)?(+METADATA)?`.
    ///
    /// Missing minor and patch numbers read as 0, numbers may have leading zeros but must fit
    /// in `u64`, and a numeric prerelease identifier must not start with 0.
    pub fn parse(s: &str) -> Result<Version, SemverError> {
        if s.len() > MAX_INPUT_LEN {
            return Err(SemverError::TooLong);
        }
        Self::parse_unbounded(s)
    }

    /// [`Version::parse`] without the length limit, for versions built from constraint terms
    /// (already bounded by the constraint's own limit).
    fn parse_unbounded(s: &str) -> Result<Version, SemverError> {
        let parts = grammar::scan(s.as_bytes(), 0, grammar::is_digit)
            .filter(|p| p.end == s.len())
            .ok_or(SemverError::InvalidSemVer)?;
        let number = |digits: &str| {
            grammar::to_u64(digits).ok_or_else(|| SemverError::SegmentOutOfRange(digits.to_owned()))
        };
        let major = number(grammar::text(s, parts.major))?;
        let minor = match parts.minor {
            Some(r) => number(grammar::text(s, r))?,
            None => 0,
        };
        let patch = match parts.patch {
            Some(r) => number(grammar::text(s, r))?,
            None => 0,
        };
        let pre = parts.pre.map_or("", |r| grammar::text(s, r));
        // The grammar already guarantees non-empty identifiers of `[0-9A-Za-z-]`; what is left
        // of Masterminds' prerelease validation is the leading-zero rule. Metadata has nothing
        // left to check.
        if pre
            .split('.')
            .any(|id| id.len() > 1 && id.starts_with('0') && id.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(SemverError::SegmentStartsZero);
        }
        let metadata = parts.meta.map_or("", |r| grammar::text(s, r));
        Ok(Version {
            major,
            minor,
            patch,
            pre: pre.to_owned(),
            metadata: metadata.to_owned(),
            original: s.to_owned(),
        })
    }

    /// The major number.
    pub fn major(&self) -> u64 {
        self.major
    }

    /// The minor number (0 when the text left it out).
    pub fn minor(&self) -> u64 {
        self.minor
    }

    /// The patch number (0 when the text left it out).
    pub fn patch(&self) -> u64 {
        self.patch
    }

    /// The prerelease, without its `-`; empty when there is none.
    pub fn prerelease(&self) -> &str {
        &self.pre
    }

    /// The build metadata, without its `+`; empty when there is none.
    pub fn metadata(&self) -> &str {
        &self.metadata
    }

    /// The text this version was parsed from.
    pub fn original(&self) -> &str {
        &self.original
    }
}

impl fmt::Display for Version {
    /// The canonical form `MAJOR.MINOR.PATCH[-PRERELEASE][+METADATA]`, without any `v`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.metadata.is_empty() {
            write!(f, "+{}", self.metadata)?;
        }
        Ok(())
    }
}

impl FromStr for Version {
    type Err = SemverError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Version::parse(s)
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl Hash for Version {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Equal versions have equal numbers and identical prerelease strings (numeric
        // identifiers have no leading zeros), so hashing those agrees with `Eq`.
        self.major.hash(state);
        self.minor.hash(state);
        self.patch.hash(state);
        self.pre.hash(state);
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    /// Masterminds' `Compare`: numbers first, then a version with a prerelease below the same
    /// version without one, then the prereleases identifier by identifier. Metadata is ignored.
    fn cmp(&self, other: &Self) -> Ordering {
        self.major
            .cmp(&other.major)
            .then(self.minor.cmp(&other.minor))
            .then(self.patch.cmp(&other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => compare_prerelease(&self.pre, &other.pre),
            })
    }
}

/// Masterminds' `comparePrerelease`: identifier by identifier, a missing identifier (the shorter
/// list) sorting lowest.
fn compare_prerelease(a: &str, b: &str) -> Ordering {
    let mut left = a.split('.');
    let mut right = b.split('.');
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (l, r) => {
                let ord = compare_identifier(l.unwrap_or_default(), r.unwrap_or_default());
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

/// Masterminds' `comparePrePart`: empty (missing) lowest, then numbers (as `ParseUint` reads
/// them, so a numeric identifier too large for `u64` counts as alphanumeric) by value, then
/// alphanumerics by bytes.
fn compare_identifier(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    if a.is_empty() {
        return Ordering::Less;
    }
    if b.is_empty() {
        return Ordering::Greater;
    }
    match (grammar::to_u64(a), grammar::to_u64(b)) {
        (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.cmp(b)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.as_bytes().cmp(b.as_bytes()),
    }
}

/// The highest version among `candidates` that satisfies `c` (every version, prereleases
/// included, when `c` is `None`), with the candidate text it came from.
///
/// Candidates that are not versions (`latest`) are skipped. Among equal versions (`1.0.0` and
/// `v1.0.0`, or different build metadata) the first one wins.
pub fn highest_matching<'a>(
    candidates: impl IntoIterator<Item = &'a str>,
    c: Option<&Constraint>,
) -> Option<(&'a str, Version)> {
    let mut best: Option<(&'a str, Version)> = None;
    for candidate in candidates {
        let Ok(v) = Version::parse(candidate) else {
            continue;
        };
        if c.is_some_and(|c| !c.matches(&v)) {
            continue;
        }
        if best.as_ref().is_none_or(|(_, b)| v > *b) {
            best = Some((candidate, v));
        }
    }
    best
}
