//! Line diffs of two texts and their unified rendering (`diff -u`), for `pacto migrate
//! --dry-run --diff` and any face that shows what an edit changes.
//!
//! The line alignment is Myers' O(ND) algorithm in its linear-space form (the "middle snake"
//! bisection): memory is O(N + M) whatever the texts, and time O((N + M) · D) for D differing
//! lines. Each bisection explores at most [`MAX_COST`] edit steps; past that, it splits at the
//! furthest point its forward search reached (a valid, possibly not minimal, alignment), so two
//! texts that share almost nothing still diff in O((N + M) · MAX_COST) time rather than
//! quadratic. Texts that differ in a few places (a migration, an edit) get the minimal diff.
//!
//! The unified output follows GNU diff and git: `--- <old>` / `+++ <new>` headers, hunks with
//! `@@ -l,n +l,n @@` (`,n` left out when a range has exactly one line; an empty range names the
//! line before it), `context` lines around each change, hunks merged when their context would
//! touch, and `\ No newline at end of file` after a last line without one.

use std::collections::HashMap;
use std::fmt::Write as _;

/// The most edit steps one bisection explores before it settles for a heuristic split.
pub const MAX_COST: usize = 1024;

/// One line of an alignment: the same in both texts, only in the old one, or only in the new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Old line `.0` equals new line `.1` (0-based).
    Equal(usize, usize),
    /// Old line `.0` is removed.
    Delete(usize),
    /// New line `.0` is inserted.
    Insert(usize),
}

/// The lines of `text`, each with its `\n` (the last one may lack it).
pub fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// Align the lines of `old` and `new` (as split by [`lines`]; a line compares with its
/// terminator, so a last line that gains or loses its `\n` is a change, as in GNU diff).
pub fn diff_lines<'t>(old: &[&'t str], new: &[&'t str]) -> Vec<Op> {
    // Lines as small integers: equal text, equal id.
    let mut ids: HashMap<&'t str, usize> = HashMap::new();
    let mut id = |l: &'t str| -> usize {
        let next = ids.len();
        *ids.entry(l).or_insert(next)
    };
    let a: Vec<usize> = old.iter().map(|l| id(l)).collect();
    let b: Vec<usize> = new.iter().map(|l| id(l)).collect();
    // A line with no equal on the other side is in no common subsequence: mark it now and
    // align only the others (GNU diff's discarding, which keeps the diff minimal and makes
    // texts with little in common cheap).
    let mut in_a = vec![false; ids.len()];
    let mut in_b = vec![false; ids.len()];
    a.iter().for_each(|&x| in_a[x] = true);
    b.iter().for_each(|&x| in_b[x] = true);
    let keep_a: Vec<usize> = (0..a.len()).filter(|&i| in_b[a[i]]).collect();
    let keep_b: Vec<usize> = (0..b.len()).filter(|&j| in_a[b[j]]).collect();
    let a2: Vec<usize> = keep_a.iter().map(|&i| a[i]).collect();
    let b2: Vec<usize> = keep_b.iter().map(|&j| b[j]).collect();
    let mut deleted2 = vec![false; a2.len()];
    let mut inserted2 = vec![false; b2.len()];
    mark(&a2, &b2, &mut deleted2, &mut inserted2);
    let mut deleted = vec![true; a.len()];
    let mut inserted = vec![true; b.len()];
    for (k, &i) in keep_a.iter().enumerate() {
        deleted[i] = deleted2[k];
    }
    for (k, &j) in keep_b.iter().enumerate() {
        inserted[j] = inserted2[k];
    }
    let mut ops = Vec::with_capacity(a.len().max(b.len()));
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && deleted[i] {
            ops.push(Op::Delete(i));
            i += 1;
        } else if j < b.len() && inserted[j] {
            ops.push(Op::Insert(j));
            j += 1;
        } else if i < a.len() && j < b.len() {
            ops.push(Op::Equal(i, j));
            i += 1;
            j += 1;
        } else if i < a.len() {
            // Unreachable when the marks come from an alignment; kept total all the same.
            ops.push(Op::Delete(i));
            i += 1;
        } else {
            ops.push(Op::Insert(j));
            j += 1;
        }
    }
    ops
}

/// Mark the lines of `a` to delete and of `b` to insert so that the rest is a common
/// subsequence. Works through an explicit stack of sub-ranges (no recursion).
fn mark(a: &[usize], b: &[usize], deleted: &mut [bool], inserted: &mut [bool]) {
    let mut stack = vec![(0, a.len(), 0, b.len())];
    while let Some((mut a0, mut a1, mut b0, mut b1)) = stack.pop() {
        while a0 < a1 && b0 < b1 && a[a0] == b[b0] {
            a0 += 1;
            b0 += 1;
        }
        while a0 < a1 && b0 < b1 && a[a1 - 1] == b[b1 - 1] {
            a1 -= 1;
            b1 -= 1;
        }
        if a0 == a1 || b0 == b1 {
            deleted[a0..a1].iter_mut().for_each(|d| *d = true);
            inserted[b0..b1].iter_mut().for_each(|d| *d = true);
            continue;
        }
        let (x, y) = bisect(&a[a0..a1], &b[b0..b1]);
        let whole = (x == 0 && y == 0) || (x == a1 - a0 && y == b1 - b0);
        if whole {
            // No split that makes progress: replace the range.
            deleted[a0..a1].iter_mut().for_each(|d| *d = true);
            inserted[b0..b1].iter_mut().for_each(|d| *d = true);
            continue;
        }
        stack.push((a0 + x, a1, b0 + y, b1));
        stack.push((a0, a0 + x, b0, b0 + y));
    }
}

/// Where to split `a` × `b` (both non-empty, no common first or last line): a point on an
/// optimal alignment (Myers' middle snake), or after [`MAX_COST`] steps the furthest point the
/// forward search reached, or `(0, 0)` when there is none.
fn bisect(a: &[usize], b: &[usize]) -> (usize, usize) {
    let n = a.len() as isize;
    let m = b.len() as isize;
    let max_d = ((n + m + 1) / 2).min(MAX_COST as isize);
    let offset = max_d + 1;
    let len = (2 * offset + 1) as usize;
    // v[offset + k]: the furthest x on diagonal k (x - y = k forward, measured from the end
    // backward); -1 when not reached.
    let mut v1 = vec![-1isize; len];
    let mut v2 = vec![-1isize; len];
    v1[(offset + 1) as usize] = 0;
    v2[(offset + 1) as usize] = 0;
    let delta = n - m;
    let odd = delta % 2 != 0;
    let (mut k1start, mut k1end, mut k2start, mut k2end) = (0isize, 0isize, 0isize, 0isize);
    let mut best = (0isize, 0isize);
    let at = |v: &[isize], i: isize| -> isize {
        usize::try_from(i)
            .ok()
            .and_then(|i| v.get(i).copied())
            .unwrap_or(-1)
    };
    for d in 0..max_d {
        let mut k1 = -d + k1start;
        while k1 <= d - k1end {
            let i = offset + k1;
            let mut x1 = if k1 == -d || (k1 != d && at(&v1, i - 1) < at(&v1, i + 1)) {
                at(&v1, i + 1)
            } else {
                at(&v1, i - 1) + 1
            };
            let mut y1 = x1 - k1;
            while x1 < n && y1 < m && a[x1 as usize] == b[y1 as usize] {
                x1 += 1;
                y1 += 1;
            }
            if let Some(slot) = v1.get_mut(i as usize) {
                *slot = x1;
            }
            if x1 > n {
                k1end += 2;
            } else if y1 > m {
                k1start += 2;
            } else {
                if x1 + y1 > best.0 + best.1 {
                    best = (x1, y1);
                }
                if odd {
                    let i2 = offset + delta - k1;
                    let r = at(&v2, i2);
                    if r != -1 && x1 >= n - r {
                        return (x1 as usize, y1 as usize);
                    }
                }
            }
            k1 += 2;
        }
        let mut k2 = -d + k2start;
        while k2 <= d - k2end {
            let i = offset + k2;
            let mut x2 = if k2 == -d || (k2 != d && at(&v2, i - 1) < at(&v2, i + 1)) {
                at(&v2, i + 1)
            } else {
                at(&v2, i - 1) + 1
            };
            let mut y2 = x2 - k2;
            while x2 < n && y2 < m && a[(n - x2 - 1) as usize] == b[(m - y2 - 1) as usize] {
                x2 += 1;
                y2 += 1;
            }
            if let Some(slot) = v2.get_mut(i as usize) {
                *slot = x2;
            }
            if x2 > n {
                k2end += 2;
            } else if y2 > m {
                k2start += 2;
            } else if !odd {
                let i1 = offset + delta - k2;
                let x1 = at(&v1, i1);
                if x1 != -1 {
                    let y1 = x1 - (i1 - offset);
                    if x1 >= n - x2 {
                        return (x1 as usize, y1 as usize);
                    }
                }
            }
            k2 += 2;
        }
    }
    (best.0 as usize, best.1 as usize)
}

/// The unified diff of `old` and `new` with `context` lines around each change, headed
/// `--- <old_name>` / `+++ <new_name>`; empty when the texts are equal.
pub fn unified(old: &str, new: &str, old_name: &str, new_name: &str, context: usize) -> String {
    if old == new {
        return String::new();
    }
    let a = lines(old);
    let b = lines(new);
    let ops = diff_lines(&a, &b);
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    for (start, end) in hunks(&ops, context) {
        let slice = &ops[start..end];
        let old_first = slice.iter().find_map(|op| match op {
            Op::Equal(i, _) | Op::Delete(i) => Some(*i),
            Op::Insert(_) => None,
        });
        let new_first = slice.iter().find_map(|op| match op {
            Op::Equal(_, j) | Op::Insert(j) => Some(*j),
            Op::Delete(_) => None,
        });
        let old_len = slice
            .iter()
            .filter(|op| !matches!(op, Op::Insert(_)))
            .count();
        let new_len = slice
            .iter()
            .filter(|op| !matches!(op, Op::Delete(_)))
            .count();
        // An empty range names the line before it: the lines of that side before the hunk.
        let old_before = ops[..start]
            .iter()
            .filter(|op| !matches!(op, Op::Insert(_)))
            .count();
        let new_before = ops[..start]
            .iter()
            .filter(|op| !matches!(op, Op::Delete(_)))
            .count();
        let _ = writeln!(
            out,
            "@@ -{} +{} @@",
            range(old_first, old_before, old_len),
            range(new_first, new_before, new_len)
        );
        for op in slice {
            let (mark, line) = match *op {
                Op::Equal(i, _) => (' ', a[i]),
                Op::Delete(i) => ('-', a[i]),
                Op::Insert(j) => ('+', b[j]),
            };
            out.push(mark);
            out.push_str(line);
            if !line.ends_with('\n') {
                out.push_str("\n\\ No newline at end of file\n");
            }
        }
    }
    out
}

/// `l,n` (1-based start) or `l` when `n` is 1; an empty range is `before,0`.
fn range(first: Option<usize>, before: usize, len: usize) -> String {
    match (first, len) {
        (Some(i), 1) => format!("{}", i + 1),
        (Some(i), n) => format!("{},{n}", i + 1),
        (None, _) => format!("{before},0"),
    }
}

/// The op ranges `[start, end)` of the hunks: each change with up to `context` equal lines
/// either side, merged when two changes are at most `2 × context` equal lines apart.
fn hunks(ops: &[Op], context: usize) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < ops.len() {
        if matches!(ops[i], Op::Equal(..)) {
            i += 1;
            continue;
        }
        let mut end = i;
        while end < ops.len() && !matches!(ops[end], Op::Equal(..)) {
            end += 1;
        }
        let start = i.saturating_sub(context);
        let stop = (end + context).min(ops.len());
        match out.last_mut() {
            // The previous hunk's trailing context reaches this one's leading context.
            Some(last) if start <= last.1 => last.1 = stop,
            _ => out.push((start, stop)),
        }
        i = end;
    }
    // The leading context never reaches back over a change: a change stops the walk above.
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(old: &str, new: &str) -> String {
        unified(old, new, "a/pacto.yaml", "b/pacto.yaml", 3)
    }

    /// Apply `ops` to `old` to get back the new lines (checks an alignment is valid).
    fn apply<'t>(ops: &[Op], old: &[&'t str], new: &[&'t str]) -> Vec<&'t str> {
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        for op in ops {
            match *op {
                Op::Equal(x, y) => {
                    assert_eq!((x, y), (i, j));
                    assert_eq!(old[x], new[y]);
                    out.push(old[x]);
                    i += 1;
                    j += 1;
                }
                Op::Delete(x) => {
                    assert_eq!(x, i);
                    i += 1;
                }
                Op::Insert(y) => {
                    assert_eq!(y, j);
                    out.push(new[y]);
                    j += 1;
                }
            }
        }
        assert_eq!((i, j), (old.len(), new.len()));
        out
    }

    fn edits(ops: &[Op]) -> usize {
        ops.iter().filter(|o| !matches!(o, Op::Equal(..))).count()
    }

    /// The least number of deletions and insertions (n + m - 2·LCS), by dynamic programming.
    fn min_edits(a: &[&str], b: &[&str]) -> usize {
        let mut dp = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for i in (0..a.len()).rev() {
            for j in (0..b.len()).rev() {
                dp[i][j] = if a[i] == b[j] {
                    dp[i + 1][j + 1] + 1
                } else {
                    dp[i + 1][j].max(dp[i][j + 1])
                };
            }
        }
        a.len() + b.len() - 2 * dp[0][0]
    }

    #[test]
    fn identity_is_empty() {
        assert_eq!(u("", ""), "");
        assert_eq!(u("a\nb\n", "a\nb\n"), "");
        assert_eq!(u("no newline", "no newline"), "");
    }

    #[test]
    fn insertion_only() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n";
        let new = "1\n2\n3\n4\nnew\n5\n6\n7\n8\n";
        assert_eq!(
            u(old, new),
            "--- a/pacto.yaml\n+++ b/pacto.yaml\n@@ -2,6 +2,7 @@\n 2\n 3\n 4\n+new\n 5\n 6\n 7\n"
        );
        // Into an empty file: the old range is 0,0.
        assert_eq!(
            u("", "a\nb\n"),
            "--- a/pacto.yaml\n+++ b/pacto.yaml\n@@ -0,0 +1,2 @@\n+a\n+b\n"
        );
        // At the very start: no context before.
        assert_eq!(
            u("x\n", "new\nx\n"),
            "--- a/pacto.yaml\n+++ b/pacto.yaml\n@@ -1 +1,2 @@\n+new\n x\n"
        );
    }

    #[test]
    fn deletion_only() {
        let old = "1\n2\n3\n4\n5\n";
        let new = "1\n2\n4\n5\n";
        assert_eq!(
            u(old, new),
            "--- a/pacto.yaml\n+++ b/pacto.yaml\n@@ -1,5 +1,4 @@\n 1\n 2\n-3\n 4\n 5\n"
        );
        assert_eq!(
            u("a\nb\n", ""),
            "--- a/pacto.yaml\n+++ b/pacto.yaml\n@@ -1,2 +0,0 @@\n-a\n-b\n"
        );
        // Deleting the only line after 5 of context: the new range names the line before.
        let old = "1\n2\n3\n4\n5\n6\n7\nx\n";
        let new = "1\n2\n3\n4\n5\n6\n7\n";
        assert_eq!(
            u(old, new),
            "--- a/pacto.yaml\n+++ b/pacto.yaml\n@@ -5,4 +5,3 @@\n 5\n 6\n 7\n-x\n"
        );
    }

    /// Lines 1..=20, with `changes` as (line, new text).
    fn numbered(changes: &[(usize, &str)]) -> String {
        (1..=20)
            .map(|i| match changes.iter().find(|(l, _)| *l == i) {
                Some((_, t)) => format!("{t}\n"),
                None => format!("{i}\n"),
            })
            .collect()
    }

    #[test]
    fn hunks_merge_when_context_overlaps_and_split_when_not() {
        let old = numbered(&[]);
        // Changes at lines 5 and 11: 5 equal lines apart (<= 6), one hunk.
        let near = numbered(&[(5, "five"), (11, "eleven")]);
        assert_eq!(
            u(&old, &near),
            "--- a/pacto.yaml\n+++ b/pacto.yaml\n@@ -2,13 +2,13 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n 9\n 10\n-11\n+eleven\n 12\n 13\n 14\n"
        );
        // Changes at lines 2 and 12: 9 equal lines apart (> 6), two hunks.
        let d = u(&old, &numbered(&[(2, "two"), (12, "twelve")]));
        assert_eq!(
            d,
            "--- a/pacto.yaml\n+++ b/pacto.yaml\n@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n@@ -9,7 +9,7 @@\n 9\n 10\n 11\n-12\n+twelve\n 13\n 14\n 15\n"
        );
        // Exactly 6 equal lines between (2 x context): one hunk, as GNU diff joins them.
        let six = u(&old, &numbered(&[(3, "three"), (10, "ten")]));
        assert_eq!(six.matches("\n@@ -").count(), 1, "{six}");
        assert!(six.contains("@@ -1,13 +1,13 @@\n"), "{six}");
        // 7 equal lines between: two hunks.
        let seven = u(&old, &numbered(&[(3, "three"), (11, "eleven")]));
        assert_eq!(seven.matches("\n@@ -").count(), 2, "{seven}");
        // A change in the last line: the trailing context stops at the end.
        let last = u(&old, &numbered(&[(20, "twenty")]));
        assert!(
            last.ends_with("@@ -17,4 +17,4 @@\n 17\n 18\n 19\n-20\n+twenty\n"),
            "{last}"
        );
    }

    #[test]
    fn no_trailing_newline() {
        assert_eq!(
            u("a\nb", "a\nc"),
            "--- a/pacto.yaml\n+++ b/pacto.yaml\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"
        );
        // Only the final newline changes.
        assert_eq!(
            u("a\nb", "a\nb\n"),
            "--- a/pacto.yaml\n+++ b/pacto.yaml\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"
        );
        // The unchanged last line without newline is context.
        assert_eq!(
            u("a\nb\nc", "x\nb\nc"),
            "--- a/pacto.yaml\n+++ b/pacto.yaml\n@@ -1,3 +1,3 @@\n-a\n+x\n b\n c\n\\ No newline at end of file\n"
        );
    }

    /// Many pseudo-random pairs: every alignment is valid, and minimal (checked against the
    /// LCS by dynamic programming) while it stays under the cost bound.
    #[test]
    fn alignments_are_valid_and_minimal() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut rnd = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let alphabet = ["a\n", "b\n", "c\n", "d\n", "e", "f\n"];
        for _ in 0..3000 {
            let la = rnd(14) as usize;
            let lb = rnd(14) as usize;
            let k = 1 + rnd(alphabet.len() as u64);
            let a: Vec<&str> = (0..la).map(|_| alphabet[rnd(k) as usize]).collect();
            let b: Vec<&str> = (0..lb).map(|_| alphabet[rnd(k) as usize]).collect();
            let ops = diff_lines(&a, &b);
            assert_eq!(apply(&ops, &a, &b), b, "{a:?} -> {b:?}");
            assert_eq!(edits(&ops), min_edits(&a, &b), "{a:?} -> {b:?}: {ops:?}");
        }
    }

    /// Large texts stay bounded in memory (linear) and time: two 1 MiB texts with no line in
    /// common, a 1 MiB text with scattered edits (minimal), and two long texts over a two-line
    /// alphabet, where the cost bound applies (still a valid alignment).
    #[test]
    fn large_inputs_are_bounded() {
        let old: String = (0..80_000).map(|i| format!("line {i:08}\n")).collect();
        assert!(old.len() > 1 << 20);
        let other: String = (0..80_000).map(|i| format!("other {i:07}\n")).collect();
        let t = std::time::Instant::now();
        let (a, b) = (lines(&old), lines(&other));
        let ops = diff_lines(&a, &b);
        assert_eq!(apply(&ops, &a, &b), b);
        assert_eq!(edits(&ops), 160_000);
        eprintln!("1 MiB, nothing in common: {:?}", t.elapsed());
        let t1 = std::time::Instant::now();
        // Scattered edits: every 500th line replaced, one line inserted.
        let edited: String = (0..80_000)
            .map(|i| {
                if i % 500 == 0 {
                    format!("changed {i}\n")
                } else if i == 40_001 {
                    format!("line {i:08}\ninserted\n")
                } else {
                    format!("line {i:08}\n")
                }
            })
            .collect();
        let c = lines(&edited);
        let ops = diff_lines(&a, &c);
        assert_eq!(apply(&ops, &a, &c), c);
        assert_eq!(edits(&ops), 2 * 160 + 1);
        let d = unified(&old, &edited, "a", "b", 3);
        assert_eq!(d.matches("\n@@ -").count(), 160, "hunks");
        eprintln!("1 MiB, 161 scattered edits (two diffs): {:?}", t1.elapsed());
        let t2 = std::time::Instant::now();
        // Two-letter alphabet, 20,000 lines each, pseudo-random: far past MAX_COST.
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut coin = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            if seed.is_multiple_of(2) {
                "x\n"
            } else {
                "y\n"
            }
        };
        let p: Vec<&str> = (0..20_000).map(|_| coin()).collect();
        let q: Vec<&str> = (0..20_000).map(|_| coin()).collect();
        let ops = diff_lines(&p, &q);
        assert_eq!(apply(&ops, &p, &q), q);
        eprintln!(
            "2 x 20,000 lines over two letters, {} edits: {:?}",
            edits(&ops),
            t2.elapsed()
        );
        assert!(
            t.elapsed() < std::time::Duration::from_secs(30),
            "{:?}",
            t.elapsed()
        );
    }
}
