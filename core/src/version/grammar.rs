//! Byte-level recognisers for the version grammars that Masterminds/semver writes as regexes.
//!
//! Both the lenient version regex and the constraint-version regex have the same shape,
//!
//! ```text
//! v?(N+)(\.N+)?(\.N+)?(-I+(\.I+)*)?(\+I+(\.I+)*)?
//! ```
//!
//! where `N` is `[0-9]` for versions and `[0-9|xX*]` inside constraints, and `I` is
//! `[0-9A-Za-z-]`. Every part starts with a byte no earlier part can contain, so the greedy,
//! leftmost-first match that Go's `regexp` picks is found by taking the longest run for each part
//! in turn, and a string matches the anchored regex exactly when that greedy scan consumes all
//! of it.

/// Go RE2's `\s`: `[\t\n\f\r ]` (no vertical tab).
pub(super) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0c' | b'\r')
}

/// `[0-9]`: a number in a version.
pub(super) fn is_digit(b: u8) -> bool {
    b.is_ascii_digit()
}

/// `[0-9|x|X|\*]`: a number or wildcard in a constraint (the `|` is part of the class).
pub(super) fn is_wild(b: u8) -> bool {
    b.is_ascii_digit() || matches!(b, b'|' | b'x' | b'X' | b'*')
}

/// `[0-9A-Za-z-]`: a prerelease or metadata identifier character.
fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// End of the run of bytes satisfying `pred` that starts at `i`.
pub(super) fn run(b: &[u8], mut i: usize, pred: impl Fn(u8) -> bool) -> usize {
    while b.get(i).is_some_and(|&c| pred(c)) {
        i += 1;
    }
    i
}

/// End of the run of `\s` bytes starting at `i`.
pub(super) fn skip_space(b: &[u8], i: usize) -> usize {
    run(b, i, is_space)
}

/// A half-open byte range.
pub(super) type Range = (usize, usize);

/// Where the parts of a version-like string are, as greedy matching found them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Parts {
    /// Start of the match (the `v`, when there is one).
    pub start: usize,
    /// The major number.
    pub major: Range,
    /// The minor number, without its dot.
    pub minor: Option<Range>,
    /// The patch number, without its dot.
    pub patch: Option<Range>,
    /// The prerelease, without its `-`.
    pub pre: Option<Range>,
    /// The build metadata, without its `+`.
    pub meta: Option<Range>,
    /// End of the match.
    pub end: usize,
}

/// Match `v?(N+)(\.N+)?(\.N+)?(-I+(\.I+)*)?(\+I+(\.I+)*)?` at `start`, greedily, with `N` given
/// by `number`. `None` when not even the major number is there.
pub(super) fn scan(b: &[u8], start: usize, number: fn(u8) -> bool) -> Option<Parts> {
    let mut i = start;
    if b.get(i) == Some(&b'v') {
        i += 1;
    }
    let major_end = run(b, i, number);
    if major_end == i {
        return None;
    }
    let major = (i, major_end);
    i = major_end;

    let minor = dotted_number(b, i, number);
    if let Some((_, end)) = minor {
        i = end;
    }
    let patch = minor.and_then(|_| dotted_number(b, i, number));
    if let Some((_, end)) = patch {
        i = end;
    }
    let pre = tagged_identifiers(b, i, b'-');
    if let Some((_, end)) = pre {
        i = end;
    }
    let meta = tagged_identifiers(b, i, b'+');
    if let Some((_, end)) = meta {
        i = end;
    }
    Some(Parts {
        start,
        major,
        minor,
        patch,
        pre,
        meta,
        end: i,
    })
}

/// For every `p` in `start..end`, whether `b[p..end]` is a whole constraint version
/// (`v?(N+)(\.N+)?(\.N+)?(-I+(\.I+)*)?(\+I+(\.I+)*)?` with `N = [0-9|xX*]`).
///
/// One right-to-left pass over the automaton of that regex, so all suffixes cost O(end - start)
/// together instead of one scan each.
pub(super) fn wild_version_suffixes(b: &[u8], start: usize, end: usize) -> Vec<bool> {
    // States: 0 before the optional `v`, 1 before the major number, 2 in it, 3/4 after the
    // first dot and in the minor number, 5/6 the same for the patch number, 7 after `-`, 8 in a
    // prerelease identifier, 9 after a dot there, 10 after `+`, 11 in a metadata identifier,
    // 12 after a dot there.
    fn step(state: u32, c: u8) -> Option<u32> {
        match state {
            0 => (c == b'v').then_some(1),
            1 | 3 | 5 => is_wild(c).then_some(state + 1),
            2 | 4 | 6 if is_wild(c) => Some(state),
            2 | 4 if c == b'.' => Some(state + 1),
            2 | 4 | 6 if c == b'-' => Some(7),
            7 | 9 => is_ident(c).then_some(8),
            8 if is_ident(c) => Some(8),
            8 if c == b'.' => Some(9),
            2 | 4 | 6 | 8 if c == b'+' => Some(10),
            10 | 12 => is_ident(c).then_some(11),
            11 if is_ident(c) => Some(11),
            11 if c == b'.' => Some(12),
            _ => None,
        }
    }
    const ACCEPTING: u32 = 1 << 2 | 1 << 4 | 1 << 6 | 1 << 8 | 1 << 11;
    const STATES: u32 = 13;

    let mut out = vec![false; end.saturating_sub(start)];
    // Bit k of `accepts`: from state k, the rest of the input leads to acceptance.
    let mut accepts = ACCEPTING;
    for (slot, &c) in out
        .iter_mut()
        .zip(b.get(start..end).unwrap_or_default())
        .rev()
    {
        accepts = (0..STATES)
            .filter(|&k| step(k, c).is_some_and(|next| accepts & 1 << next != 0))
            .fold(0, |acc, k| acc | 1 << k);
        // The `v` is optional: starting in state 0 or directly in state 1.
        *slot = accepts & 0b11 != 0;
    }
    out
}

/// `\.N+` at `i`: the range of the number after the dot.
fn dotted_number(b: &[u8], i: usize, number: fn(u8) -> bool) -> Option<Range> {
    if b.get(i) != Some(&b'.') {
        return None;
    }
    let end = run(b, i + 1, number);
    (end > i + 1).then_some((i + 1, end))
}

/// `<tag>I+(\.I+)*` at `i`: the range of the identifiers after the tag byte.
fn tagged_identifiers(b: &[u8], i: usize, tag: u8) -> Option<Range> {
    if b.get(i) != Some(&tag) {
        return None;
    }
    let first = i + 1;
    let mut end = run(b, first, is_ident);
    if end == first {
        return None;
    }
    while b.get(end) == Some(&b'.') {
        let next = run(b, end + 1, is_ident);
        if next == end + 1 {
            break;
        }
        end = next;
    }
    Some((first, end))
}

/// The text of `r` in `s`. Ranges come from [`scan`] and sit on ASCII bytes, so the fallback
/// is never taken; it only keeps the function total.
pub(super) fn text(s: &str, r: Range) -> &str {
    s.get(r.0..r.1).unwrap_or_default()
}

/// `s` as an unsigned decimal, as Go's `strconv.ParseUint(s, 10, 64)` reads it: `None` when it
/// is empty, holds a non-digit or does not fit `u64`. Leading zeros are fine.
pub(super) fn to_u64(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    s.bytes().try_fold(0u64, |acc, d| {
        let digit = char::from(d).to_digit(10)?;
        acc.checked_mul(10)?.checked_add(u64::from(digit))
    })
}
