//! Tables ported from Masterminds/semver v3.4.0's tests and the Pacto spec (section 1.4).

use std::cmp::Ordering;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use super::constraint::rewrite_ranges;
use super::*;

fn v(s: &str) -> Version {
    Version::parse(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
}

fn c(s: &str) -> Constraint {
    Constraint::parse(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
}

fn hash_of(v: &Version) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

#[test]
fn version_parse_accepts() {
    // input, major, minor, patch, prerelease, metadata, Display
    let table: &[(&str, u64, u64, u64, &str, &str, &str)] = &[
        ("1", 1, 0, 0, "", "", "1.0.0"),
        ("1.2", 1, 2, 0, "", "", "1.2.0"),
        ("1.2.3", 1, 2, 3, "", "", "1.2.3"),
        ("v1.2.3", 1, 2, 3, "", "", "1.2.3"),
        ("v1", 1, 0, 0, "", "", "1.0.0"),
        ("0.0.0", 0, 0, 0, "", "", "0.0.0"),
        ("2024.01.01", 2024, 1, 1, "", "", "2024.1.1"),
        ("01.002.0003", 1, 2, 3, "", "", "1.2.3"),
        (
            "1.0.0-rc.1+build.5",
            1,
            0,
            0,
            "rc.1",
            "build.5",
            "1.0.0-rc.1+build.5",
        ),
        ("1.2-beta", 1, 2, 0, "beta", "", "1.2.0-beta"),
        ("1+meta", 1, 0, 0, "", "meta", "1.0.0+meta"),
        ("1.2.3-alpha-1", 1, 2, 3, "alpha-1", "", "1.2.3-alpha-1"),
        ("1.2.3--", 1, 2, 3, "-", "", "1.2.3--"),
        ("1.2.3-0", 1, 2, 3, "0", "", "1.2.3-0"),
        ("1.2.3-0a.00a", 1, 2, 3, "0a.00a", "", "1.2.3-0a.00a"),
        ("1.2.3+001.-", 1, 2, 3, "", "001.-", "1.2.3+001.-"),
        ("1.2.3-x.7.z.92", 1, 2, 3, "x.7.z.92", "", "1.2.3-x.7.z.92"),
        (
            "v2.3.5-20161202202307-sha.e8fc5e5",
            2,
            3,
            5,
            "20161202202307-sha.e8fc5e5",
            "",
            "2.3.5-20161202202307-sha.e8fc5e5",
        ),
        (
            "1.2.3-99999999999999999999",
            1,
            2,
            3,
            "99999999999999999999",
            "",
            "1.2.3-99999999999999999999",
        ),
        (
            "18446744073709551615.18446744073709551615.18446744073709551615",
            u64::MAX,
            u64::MAX,
            u64::MAX,
            "",
            "",
            "18446744073709551615.18446744073709551615.18446744073709551615",
        ),
        ("0000000000000000000000000001", 1, 0, 0, "", "", "1.0.0"),
    ];
    for &(input, major, minor, patch, pre, meta, display) in table {
        let got = v(input);
        assert_eq!(
            (got.major(), got.minor(), got.patch()),
            (major, minor, patch),
            "{input}"
        );
        assert_eq!(got.prerelease(), pre, "{input}");
        assert_eq!(got.metadata(), meta, "{input}");
        assert_eq!(got.original(), input, "{input}");
        assert_eq!(got.to_string(), display, "{input}");
        let via_from_str: Version = input.parse().expect("FromStr agrees with parse");
        assert_eq!(via_from_str, got, "{input}");
    }
}

#[test]
fn version_parse_rejects() {
    const INVALID: &str = "invalid semantic version";
    const ZERO: &str = "version segment starts with 0";
    let table: &[(&str, &str)] = &[
        ("", INVALID),
        ("latest", INVALID),
        ("v", INVALID),
        ("V1.2.3", INVALID),
        ("vv1", INVALID),
        (" 1.2.3", INVALID),
        ("1.2.3 ", INVALID),
        ("1.2.3\n", INVALID),
        ("1.2.3.4", INVALID),
        ("1..2", INVALID),
        ("1.", INVALID),
        (".1", INVALID),
        ("-1.2.3", INVALID),
        ("1.x", INVALID),
        ("*", INVALID),
        ("1.0.0-", INVALID),
        ("1.0.0+", INVALID),
        ("1.0.0-+meta", INVALID),
        ("1.0.0-rc_1", INVALID),
        ("1.0.0-rc..1", INVALID),
        ("1.0.0-rc.", INVALID),
        ("1.0.0+a..b", INVALID),
        ("1.0.0+a+b", INVALID),
        ("1.0.0-é", INVALID),
        ("1.0.0-01", ZERO),
        ("1.0.0-rc.01", ZERO),
        ("1.0.0-00", ZERO),
        ("1.0.0-rc.1.007+build", ZERO),
        (
            "18446744073709551616",
            "error parsing version segment: strconv.ParseUint: parsing \"18446744073709551616\": value out of range",
        ),
        (
            "1.99999999999999999999.0",
            "error parsing version segment: strconv.ParseUint: parsing \"99999999999999999999\": value out of range",
        ),
        (
            "1.0.99999999999999999999-01",
            "error parsing version segment: strconv.ParseUint: parsing \"99999999999999999999\": value out of range",
        ),
    ];
    for &(input, message) in table {
        match Version::parse(input) {
            Ok(got) => panic!("{input:?} parsed as {got}"),
            Err(e) => assert_eq!(e.to_string(), message, "{input:?}"),
        }
        assert!(input.parse::<Version>().is_err(), "{input:?}");
    }
}

#[test]
fn version_length_limit() {
    let max = format!("1.0.0-{}", "a".repeat(MAX_INPUT_LEN - 6));
    assert_eq!(max.len(), MAX_INPUT_LEN);
    assert!(Version::parse(&max).is_ok());
    let over = format!("{max}a");
    assert_eq!(Version::parse(&over), Err(SemverError::TooLong));
    assert_eq!(
        SemverError::TooLong.to_string(),
        "input is longer than 4096 bytes"
    );
}

#[test]
fn error_messages() {
    let table = [
        (SemverError::InvalidSemVer, "invalid semantic version"),
        (SemverError::InvalidPrerelease, "invalid prerelease string"),
        (SemverError::InvalidMetadata, "invalid metadata string"),
        (
            SemverError::SegmentStartsZero,
            "version segment starts with 0",
        ),
        (
            SemverError::ImproperConstraint("x y z".into()),
            "improper constraint: x y z",
        ),
        (SemverError::ConstraintParser, "constraint parser error"),
    ];
    for (e, message) in table {
        assert_eq!(e.to_string(), message);
    }
}

#[test]
fn version_ordering() {
    use Ordering::{Equal, Greater, Less};
    let table: &[(&str, &str, Ordering)] = &[
        // Masterminds' TestCompare.
        ("1.2.3", "1.5.1", Less),
        ("2.2.3", "1.5.1", Greater),
        ("2.2.3", "2.2.2", Greater),
        ("3.2-beta", "3.2-beta", Equal),
        ("1.3", "1.1.4", Greater),
        ("4.2", "4.2-beta", Greater),
        ("4.2-beta", "4.2", Less),
        ("4.2-alpha", "4.2-beta", Less),
        ("4.2-alpha", "4.2-alpha", Equal),
        ("4.2-beta.2", "4.2-beta.1", Greater),
        ("4.2-beta2", "4.2-beta1", Greater),
        ("4.2-beta", "4.2-beta.2", Less),
        ("4.2-beta", "4.2-beta.foo", Less),
        ("4.2-beta.2", "4.2-beta", Greater),
        ("4.2-beta.foo", "4.2-beta", Greater),
        ("1.2+bar", "1.2+baz", Equal),
        ("1.0.0-beta.4", "1.0.0-beta.-2", Less),
        ("1.0.0-beta.-2", "1.0.0-beta.-3", Less),
        ("1.0.0-beta.-3", "1.0.0-beta.5", Greater),
        // Numbers compare as numbers, not text.
        ("1.0.0-beta.11", "1.0.0-beta.2", Greater),
        ("1.0.0-rc.10", "1.0.0-rc.9", Greater),
        ("10.0.0", "9.0.0", Greater),
        ("1.10.0", "1.9.0", Greater),
        // Numeric identifiers sort below alphanumeric ones.
        ("1.0.0-1", "1.0.0-a", Less),
        ("1.0.0-999", "1.0.0-0a", Less),
        // Alphanumerics compare by bytes: upper case sorts before lower case.
        ("1.0.0-Beta", "1.0.0-alpha", Less),
        // Too large for u64: compared as text, so above every number.
        ("1.0.0-99999999999999999999", "1.0.0-5", Greater),
        ("1.0.0-99999999999999999999", "1.0.0-a", Less),
        // Metadata and the text form do not matter.
        ("v1.2.3", "1.2.3", Equal),
        ("1.2.3+a", "1.2.3+b", Equal),
        ("1.2.3-rc.1+a", "1.2.3-rc.1", Equal),
        ("01.02.03", "1.2.3", Equal),
        ("1", "1.0.0", Equal),
    ];
    for &(a, b, want) in table {
        let (va, vb) = (v(a), v(b));
        assert_eq!(va.cmp(&vb), want, "{a} vs {b}");
        assert_eq!(vb.cmp(&va), want.reverse(), "{b} vs {a}");
        assert_eq!(va.partial_cmp(&vb), Some(want), "{a} vs {b}");
        assert_eq!(va == vb, want == Equal, "{a} == {b}");
        if want == Equal {
            assert_eq!(hash_of(&va), hash_of(&vb), "hash of {a} and {b}");
        }
    }
}

#[test]
fn version_sorting_follows_semver_precedence() {
    let sorted = [
        "0.9.9",
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.1.0",
        "2.0.0",
    ];
    let mut shuffled: Vec<Version> = sorted.iter().rev().map(|s| v(s)).collect();
    shuffled.swap(0, 5);
    shuffled.swap(3, 9);
    shuffled.sort();
    let got: Vec<String> = shuffled.iter().map(ToString::to_string).collect();
    assert_eq!(got, sorted);
}

#[test]
fn constraint_parse_accepts() {
    // input, number of terms in each OR group
    let table: &[(&str, &[usize])] = &[
        ("^16.0.0", &[1]),
        (">=1.0.0 <2.0.0", &[2]),
        (">= 1.2, < 3.0.0 || >= 4.2.3", &[2, 1]),
        ("1.2 - 1.4.5", &[2]),
        ("~1", &[1]),
        ("*", &[1]),
        ("1.x", &[1]),
        ("!=1.5.0", &[1]),
        // Masterminds' TestNewConstraint.
        (">= 1.1", &[1]),
        (">40.50.60, < 50.70", &[2]),
        ("2.0", &[1]),
        ("v2.3.5-20161202202307-sha.e8fc5e5", &[1]),
        (">= 1.2.3 < 2.0", &[2]),
        (">= 1.2.3 < 2.0 || => 3.0 < 4", &[2, 2]),
        (">= 1.2.3, < 2.0", &[2]),
        (">= 1.2.3, < 2.0 || => 3.0, < 4", &[2, 2]),
        ("3 - 4 || => 3.0, < 4", &[2, 2]),
        ("12.3.34 ~1.2.3", &[2]),
        ("1.0.0 - 2.0.0, <=2.0.0", &[3]),
        ("1.0.0 - 2.0.0 <=2.0.0", &[3]),
        // Every operator spelling, with and without spaces.
        ("=1 !=2 >3 <4 >=5 =>6 <=7 =<8 ~9 ~>10 ^11 12", &[12]),
        (
            "= 1, != 2, > 3, < 4, >= 5, => 6, <= 7, =< 8, ~ 9, ~> 10, ^ 11",
            &[11],
        ),
        // Separators: any \s, a comma with spaces around it.
        ("\t>=1.0\n<2\r\x0c!=1.5 ", &[3]),
        (">=1.0 ,<2", &[2]),
        ("  1  ||  2  ", &[1, 1]),
        ("1||2||3", &[1, 1, 1]),
        // Wildcards, prerelease and metadata in every position.
        ("x", &[1]),
        ("X.x.*", &[1]),
        ("1.*.3", &[1]),
        ("^1.2.x-beta+meta", &[1]),
        ("v1.2.3+build.7", &[1]),
        ("1.1-3", &[1]),
        // `|` counts as a wildcard character, so a range can swallow a following `||`.
        ("1 - 2||3", &[2, 1]),
    ];
    for &(input, shape) in table {
        let parsed = c(input);
        assert_eq!(parsed.shape(), shape, "{input:?}");
        assert_eq!(parsed.as_str(), input);
        assert_eq!(parsed.to_string(), input);
        let via_from_str: Constraint = input.parse().expect("FromStr agrees with parse");
        assert_eq!(via_from_str.shape(), shape, "{input:?}");
    }
}

#[test]
fn constraint_parse_rejects() {
    const PARSER: &str = "constraint parser error";
    let table: &[(&str, &str)] = &[
        ("not-a-range", "improper constraint: not-a-range"),
        ("", "improper constraint: "),
        ("   ", "improper constraint:    "),
        (">= bar", "improper constraint: >= bar"),
        ("foo", "improper constraint: foo"),
        ("BAR >= 1.2.3", "improper constraint: BAR >= 1.2.3"),
        ("latest", "improper constraint: latest"),
        ("12.3.4.1234", "improper constraint: 12.3.4.1234"),
        ("12.23.4.1234", "improper constraint: 12.23.4.1234"),
        ("12.3.34~ 1.2.3", "improper constraint: 12.3.34~ 1.2.3"),
        ("1 ||", "improper constraint: "),
        ("|| 1", "improper constraint: "),
        ("1 || || 2", "improper constraint:  "),
        ("1,,2", "improper constraint: 1,,2"),
        ("1,", "improper constraint: 1,"),
        (",1", "improper constraint: ,1"),
        ("> = 1", "improper constraint: > = 1"),
        ("~ >1", "improper constraint: ~ >1"),
        (">==1", "improper constraint: >==1"),
        ("<>1", "improper constraint: <>1"),
        ("1 >=", "improper constraint: 1 >="),
        ("1.2.3-", "improper constraint: 1.2.3-"),
        ("1.2.3+", "improper constraint: 1.2.3+"),
        ("1.2.3-rc_1", "improper constraint: 1.2.3-rc_1"),
        ("V1.2.3", "improper constraint: V1.2.3"),
        ("1.2.3 - ", "improper constraint: 1.2.3 - "),
        ("1 -2", "improper constraint: 1 -2"),
        ("1- 2", "improper constraint: 1- 2"),
        // `|` alone is a wildcard-class version that cannot be built.
        ("1.0 | 2.0", PARSER),
        // Go rewrites the first range only; the rest is left over.
        ("1 - 2 - 3", "improper constraint: >= 1, <= 2 - 3"),
        // The range regex is not anchored: it starts inside `1.2.3.4`.
        ("1.2.3.4 - 2", "improper constraint: 1.>= 2.3.4, <= 2 "),
        ("first || 1.x || last", "improper constraint: first "),
        // Well-formed terms whose version cannot be built.
        (">=1.0.0-01", PARSER),
        ("1|2", PARSER),
        ("xx", PARSER),
        ("1.2x.3", PARSER),
        ("99999999999999999999", PARSER),
        ("1.2.99999999999999999999", PARSER),
        ("1.x-01", PARSER),
        // Parse errors come in group order.
        ("1|2 || nope", PARSER),
        ("nope || 1|2", "improper constraint: nope "),
    ];
    for &(input, message) in table {
        match Constraint::parse(input) {
            Ok(got) => panic!("{input:?} parsed as {:?}", got.shape()),
            Err(e) => assert_eq!(e.to_string(), message, "{input:?}"),
        }
    }
}

#[test]
fn constraint_length_limit() {
    let max = format!("{}1", " ".repeat(MAX_INPUT_LEN - 1));
    assert!(Constraint::parse(&max).is_ok());
    let over = format!(" {max}");
    assert!(matches!(
        Constraint::parse(&over),
        Err(SemverError::TooLong)
    ));
}

#[test]
fn hyphen_range_rewriting() {
    let table: &[(&str, &str)] = &[
        // Masterminds' TestRewriteRange.
        ("2 - 3", ">= 2, <= 3 "),
        ("2 - 3, 2 - 3", ">= 2, <= 3 ,>= 2, <= 3 "),
        ("2 - 3, 4.0.0 - 5.1", ">= 2, <= 3 ,>= 4.0.0, <= 5.1 "),
        ("2 - 3 4.0.0 - 5.1", ">= 2, <= 3 >= 4.0.0, <= 5.1 "),
        ("1.0.0 - 2.0.0 <=2.0.0", ">= 1.0.0, <= 2.0.0 <=2.0.0"),
        // More whitespace, prereleases, wildcards.
        ("1.2\t-\n1.4.5", ">= 1.2, <= 1.4.5 "),
        ("  1.0.0-rc.1 - 2.x  ", ">= 1.0.0-rc.1, <= 2.x "),
        ("v1 - v2+meta", ">= v1, <= v2+meta "),
        // No range.
        ("1 -2", "1 -2"),
        ("1- 2", "1- 2"),
        ("1.0.0-2.0.0", "1.0.0-2.0.0"),
        (">= 1 - 2", ">=>= 1, <= 2 "),
        // Quirks of the unanchored Go regex.
        ("1 - 2||3", ">= 1, <= 2||3 "),
        ("a1 - 2", "a>= 1, <= 2 "),
        ("1 - 2 - 3", ">= 1, <= 2 - 3"),
        ("1.2.3.4 - 2", "1.>= 2.3.4, <= 2 "),
        ("1 - 2.", ">= 1, <= 2 ."),
        // Each match replaces the first occurrence of its text in the string rewritten so far,
        // which can straddle an earlier replacement.
        ("1 - 2 - 3 2 - 3", ">= 1, <=>= 2, <= 3  2 - 3"),
    ];
    for &(input, want) in table {
        assert_eq!(rewrite_ranges(input), want, "{input:?}");
    }
}

#[test]
fn constraint_matching() {
    let table: &[(&str, &str, bool)] = &[
        // Pacto spec, section 1.4.
        ("^1.2.3", "1.2.3", true),
        ("^1.2.3", "1.9.9", true),
        ("^1.2.3", "2.0.0", false),
        ("^1.2.3", "1.2.2", false),
        ("^0.2.3", "0.2.3", true),
        ("^0.2.3", "0.2.9", true),
        ("^0.2.3", "0.3.0", false),
        ("^0.2.3", "0.2.2", false),
        ("^0.0.3", "0.0.3", true),
        ("^0.0.3", "0.0.4", false),
        ("^0.0.3", "0.0.2", false),
        ("^0", "0.0.0", true),
        ("^0", "0.9.9", true),
        ("^0", "1.0.0", false),
        ("^0.0", "0.0.9", true),
        ("^0.0", "0.1.0", false),
        ("~1.2.3", "1.2.9", true),
        ("~1.2.3", "1.3.0", false),
        ("~1.2.3", "1.2.2", false),
        ("~1.2", "1.2.0", true),
        ("~1.2", "1.3.0", false),
        ("~1", "1.9.0", true),
        ("~1", "2.0.0", false),
        ("~1", "0.9.0", false),
        ("~>1.2", "1.2.7", true),
        ("~>1.2", "1.3.0", false),
        ("1.2.3", "1.2.3", true),
        ("1.2.3", "1.2.3+build.1", true),
        ("1.2.3", "1.2.4", false),
        ("=1.2.3", "1.2.3", true),
        ("=1.2.3", "1.2.4", false),
        ("v1.2.3+meta", "1.2.3", true),
        ("1.2", "1.2.5", true),
        ("1.2", "1.3.0", false),
        ("1", "1.5.0", true),
        ("1", "2.0.0", false),
        ("1.x", "1.0.0", true),
        ("1.x", "1.99.0", true),
        ("1.x", "2.0.0", false),
        ("1.x", "0.9.0", false),
        ("1.*.3", "1.5.0", true),
        ("x.1.2", "3.0.0", true),
        ("*", "0.0.0", true),
        ("*", "99.0.0", true),
        ("*", "2.0.0-rc1", false),
        (">1.x", "1.9.9", false),
        (">1.x", "2.0.0", true),
        (">1.2.x", "1.2.9", false),
        (">1.2.x", "1.3.0", true),
        ("<=1.x", "1.99.99", true),
        ("<=1.x", "0.1.0", true),
        ("<=1.x", "2.0.0", false),
        ("<=1.2.x", "1.2.99", true),
        ("<=1.2.x", "1.3.0", false),
        ("!=1.x", "1.5.0", false),
        ("!=1.x", "1.0.0", false),
        ("!=1.x", "2.0.0", true),
        ("!=1.x", "0.9.0", true),
        ("!=1.5.0", "1.5.0", false),
        ("!=1.5.0", "1.5.1", true),
        ("!=1.5.0", "1.5.0+meta", false),
        (">=2.0.0-alpha", "2.0.0-rc1", true),
        (">=2.0.0-alpha", "2.0.0", true),
        (">=2.0.0-alpha", "1.9.0", false),
        (">=1.0.0 <2.0.0", "1.0.0", true),
        (">=1.0.0 <2.0.0", "1.9.9", true),
        (">=1.0.0 <2.0.0", "2.0.0", false),
        (">=1.0.0 <2.0.0", "1.5.0-beta", false),
        (">= 1.2, < 3.0.0 || >= 4.2.3", "2.9.0", true),
        (">= 1.2, < 3.0.0 || >= 4.2.3", "3.5.0", false),
        (">= 1.2, < 3.0.0 || >= 4.2.3", "4.2.3", true),
        (">= 1.2, < 3.0.0 || >= 4.2.3", "1.1.9", false),
        ("1.2 - 1.4.5", "1.2.0", true),
        ("1.2 - 1.4.5", "1.4.5", true),
        ("1.2 - 1.4.5", "1.4.6", false),
        ("1.2 - 1.4.5", "1.1.9", false),
        ("^16.0.0", "16.3.1", true),
        ("^16.0.0", "17.0.0", false),
        // Prereleases: a group lets them through when one of its terms has one, and then the
        // ordinary comparisons apply, across releases too (unlike npm).
        (">=1.0.0-alpha <2.0.0", "1.5.0-beta", true),
        // 2.0.0-beta sorts below 2.0.0, so it is inside the range.
        (">=1.0.0-alpha <2.0.0", "2.0.0-beta", true),
        ("<2.0.0 >=1.0.0-0", "1.5.0-beta", true),
        ("^1.0.0 || >=2.0.0-alpha", "2.0.0-rc1", true),
        ("^1.0.0 || >=2.0.0-alpha", "1.5.0-rc1", false),
        ("<2.0.0 || >=3.0.0-rc.1", "1.5.0-beta", false),
        (">=3.0.0-rc.1", "3.1.0-alpha", true),
        (">1.0.0-alpha.1", "1.0.0-alpha.beta", true),
        ("<1.2.3-beta", "1.2.3-alpha", true),
        ("<1.2.3-beta", "1.2.3", false),
        ("1.2.x-beta", "1.2.0-rc", true),
        ("1.2.x-beta", "1.2.5", true),
        ("1.2.x-beta", "1.3.0", false),
        // `<=` with a wildcard does not look at prereleases.
        ("<=1.x-beta", "1.5.0-alpha", true),
        // Quirks kept from Go: a `|` in a hyphen range's upper bound splits it into groups.
        ("1 - 2||3", "2.5.0", true),
        ("1 - 2||3", "3.7.0", true),
        ("1 - 2||3", "4.0.0", false),
        ("1 - 2||3", "0.5.0", false),
        // Quirks kept from Go: a leading wildcard behaves like 0.0.0 with only `dirty` set.
        ("^*", "0.0.0", true),
        ("^*", "0.0.1", false),
        ("^*", "1.0.0", false),
        (">*", "0.0.0", false),
        (">*", "0.0.1", true),
        (">*", "1.0.0", true),
        ("<=*", "0.0.5", true),
        ("<=*", "0.1.0", false),
        ("<=*", "1.0.0", false),
        ("!=*", "0.0.0", false),
        ("!=*", "1.0.0", true),
        ("<*", "0.0.0", false),
        (">=*", "5.0.0", true),
        ("~0", "0.5.0", true),
        ("~0", "1.0.0", false),
        ("~0.0.0", "7.0.0", true),
        // Masterminds' TestConstraintCheck (single terms).
        ("=2.0.0", "1.2.3", false),
        ("=2.0.0", "2.0.0", true),
        ("=2.0", "1.2.3", false),
        ("=2.0", "2.0.0", true),
        ("=2.0", "2.0.1", true),
        ("4.1", "4.1.0", true),
        ("!=4.1.0", "4.1.0", false),
        ("!=4.1.0", "4.1.1", true),
        ("!=4.1", "4.1.0", false),
        ("!=4.1", "4.1.1", false),
        ("!=4.1", "5.1.0-alpha.1", false),
        ("!=4.1-alpha", "4.1.0", true),
        ("!=4.1", "5.1.0", true),
        ("<11", "0.1.0", true),
        ("<11", "11.1.0", false),
        ("<1.1", "0.1.0", true),
        ("<1.1", "1.1.0", false),
        ("<1.1", "1.1.1", false),
        ("<=11", "1.2.3", true),
        ("<=11", "12.2.3", false),
        ("<=11", "11.2.3", true),
        ("<=1.1", "1.2.3", false),
        ("<=1.1", "0.1.0", true),
        ("<=1.1", "1.1.0", true),
        ("<=1.1", "1.1.1", true),
        (">1.1", "4.1.0", true),
        (">1.1", "1.1.0", false),
        (">0", "0", false),
        (">0", "1", true),
        (">0", "0.0.1-alpha", false),
        (">0.0", "0.0.1-alpha", false),
        (">0-0", "0.0.1-alpha", false),
        (">0.0-0", "0.0.1-alpha", false),
        (">0", "0.0.0-alpha", false),
        (">0-0", "0.0.0-alpha", false),
        (">0.0.0-0", "0.0.0-alpha", true),
        (">1.2.3-alpha.1", "1.2.3-alpha.2", true),
        (">1.2.3-alpha.1", "1.3.3-alpha.2", true),
        (">11", "11.1.0", false),
        (">11.1", "11.1.0", false),
        (">11.1", "11.1.1", false),
        (">11.1", "11.2.1", true),
        (">=11", "11.1.2", true),
        (">=11.1", "11.1.2", true),
        (">=11.1", "11.0.2", false),
        (">=1.1", "4.1.0", true),
        (">=1.1", "1.1.0", true),
        (">=1.1", "0.0.9", false),
        (">=0", "0.0.1-alpha", false),
        (">=0.0", "0.0.1-alpha", false),
        (">=0-0", "0.0.1-alpha", true),
        (">=0.0-0", "0.0.1-alpha", true),
        (">=0", "0.0.0-alpha", false),
        (">=0-0", "0.0.0-alpha", true),
        (">=0.0.0-0", "0.0.0-alpha", true),
        (">=0.0.0-0", "1.2.3", true),
        (">=0.0.0-0", "3.4.5-beta.1", true),
        ("<0", "0.0.0-alpha", false),
        ("<0-z", "0.0.0-alpha", true),
        (">=0", "0", true),
        ("=0", "1", false),
        ("*", "1", true),
        ("*", "4.5.6", true),
        ("*", "1.2.3-alpha.1", false),
        ("*-0", "1.2.3-alpha.1", true),
        ("2.*", "1", false),
        ("2.*", "3.4.5", false),
        ("2.*", "2.1.1", true),
        ("2.1.*", "2.1.1", true),
        ("2.1.*", "2.2.1", false),
        ("2", "1", false),
        ("2", "3.4.5", false),
        ("2", "2.1.1", true),
        ("2.1", "2.1.1", true),
        ("2.1", "2.2.1", false),
        ("~1.2.3", "1.2.4", true),
        ("~1.2.3", "1.3.4", false),
        ("~1.2", "1.2.4", true),
        ("~1.2", "1.3.4", false),
        ("~1", "1.2.4", true),
        ("~1", "2.3.4", false),
        ("~0.2.3", "0.2.5", true),
        ("~0.2.3", "0.3.5", false),
        ("~1.2.3-beta.2", "1.2.3-beta.4", true),
        ("~1.2.3-beta.2", "1.2.4-beta.2", true),
        ("~1.2.3-beta.2", "1.3.4-beta.2", false),
        ("^1.2.3", "1.8.9", true),
        ("^1.2.3", "2.8.9", false),
        ("^1.2.3", "1.2.1", false),
        ("^1.1.0", "2.1.0", false),
        ("^1.2.0", "2.2.1", false),
        ("^1.2.0", "1.2.1-alpha.1", false),
        ("^1.2.0-alpha.0", "1.2.1-alpha.1", true),
        ("^1.2.0-alpha.0", "1.2.1-alpha.0", true),
        ("^1.2.0-alpha.2", "1.2.0-alpha.1", false),
        ("^1.2", "1.8.9", true),
        ("^1.2", "2.8.9", false),
        ("^1", "1.8.9", true),
        ("^1", "2.8.9", false),
        ("^0.2.3", "0.2.5", true),
        ("^0.2.3", "0.5.6", false),
        ("^0.2", "0.2.5", true),
        ("^0.2", "0.5.6", false),
        ("^0.0.3", "0.0.3", true),
        ("^0.0.3", "0.0.4", false),
        ("^0.0", "0.0.3", true),
        ("^0.0", "0.1.4", false),
        ("^0.0", "1.0.4", false),
        ("^0", "0.2.3", true),
        ("^0", "1.1.4", false),
        ("^0.2.3-beta.2", "0.2.3-beta.4", true),
        ("^0.2.3-beta.2", "0.2.4-beta.2", true),
        ("^0.2.3-beta.2", "0.3.4-beta.2", false),
        ("^0.2.3-beta.2", "0.2.3-beta.2", true),
        // Masterminds' TestConstraintsCheck (whole constraints).
        ("*", "1.2.3", true),
        ("~0.0.0", "1.2.3", true),
        ("0.x.x", "1.2.3", false),
        ("0.0.x", "1.2.3", false),
        ("0.0.0", "1.2.3", false),
        ("^0.0.0", "1.2.3", false),
        ("= 2.0", "1.2.3", false),
        ("= 2.0", "2.0.0", true),
        ("4.1.x", "4.1.3", true),
        ("1.x", "1.4", true),
        ("!=4.1-alpha", "4.1.0-alpha", false),
        ("!=4.1-alpha", "4.1.1-alpha", false),
        ("!=4.x", "5.1.0", true),
        ("!=4.x", "4.1.0", false),
        ("!=4.1.x", "4.2.0", true),
        ("!=4.2.x", "4.2.3", false),
        ("<1.x", "1.1.1", false),
        ("<1.x", "0.1.1", true),
        ("<1.x", "2.0.0", false),
        ("<2.x", "1.1.1", true),
        ("<1.1.x", "1.2.1", false),
        ("<1.1.x", "1.1.500", false),
        ("<1.1.x", "1.0.500", true),
        ("<1.2.x", "1.1.1", true),
        (">=1.1", "4.1.0-beta", false),
        ("<=1.1", "0.1.0-alpha", false),
        ("<=1.1-a", "0.1.0-alpha", true),
        ("<=1.x", "1.1.0", true),
        ("<=2.x", "3.0.0", false),
        ("<=1.1.x", "1.2.500", false),
        ("<=4.5", "3.4.0", true),
        ("<=4.5", "3.7.0", true),
        ("<=4.5", "4.6.3", false),
        (">1.1, <2", "1.1.1", false),
        (">1.1, <2", "1.2.1", true),
        (">1.1, <3", "4.3.2", false),
        (">=1.1, <2, !=1.2.3", "1.2.3", false),
        (">1.1 <2", "1.1.1", false),
        (">1.1 <2", "1.2.1", true),
        (">1.1    <3", "4.3.2", false),
        (">=1.1    <2    !=1.2.3", "1.2.3", false),
        (">=1.1, <2, !=1.2.3 || > 3", "4.1.2", true),
        (">=1.1, <2, !=1.2.3 || > 3", "3.1.2", false),
        (">=1.1, <2, !=1.2.3 || >= 3", "3.0.0", true),
        (">=1.1, <2, !=1.2.3 || > 3", "3.0.0", false),
        (">=1.1, <2, !=1.2.3 || > 3", "1.2.3", false),
        (">=1.1 <2 !=1.2.3", "1.2.3", false),
        (">=1.1 <2 !=1.2.3 || > 3", "4.1.2", true),
        (">=1.1 <2 !=1.2.3 || > 3", "3.1.2", false),
        (">=1.1 <2 !=1.2.3 || >= 3", "3.0.0", true),
        (">=1.1 <2 !=1.2.3 || > 3", "3.0.0", false),
        (">=1.1 <2 !=1.2.3 || > 3", "1.2.3", false),
        ("> 1.1, <     2", "1.1.1", false),
        (">   1.1, <2", "1.2.1", true),
        (">1.1, <  3", "4.3.2", false),
        (">= 1.1, <     2, !=1.2.3", "1.2.3", false),
        ("> 1.1 < 2", "1.1.1", false),
        (">1.1 < 2", "1.2.1", true),
        ("> 1.1    <3", "4.3.2", false),
        (">=1.1    < 2    != 1.2.3", "1.2.3", false),
        (">= 1.1, <2, !=1.2.3 || > 3", "4.1.2", true),
        (">= 1.1, <2, != 1.2.3 || > 3", "3.1.2", false),
        (">= 1.1, <2, != 1.2.3 || >= 3", "3.0.0", true),
        (">= 1.1, <2, !=1.2.3 || > 3", "3.0.0", false),
        (">= 1.1, <2, !=1.2.3 || > 3", "1.2.3", false),
        (">= 1.1 <2 != 1.2.3", "1.2.3", false),
        (">= 1.1 <2 != 1.2.3 || > 3", "4.1.2", true),
        (">= 1.1 <2 != 1.2.3 || > 3", "3.1.2", false),
        (">= 1.1 <2 != 1.2.3 || >= 3", "3.0.0", true),
        (">= 1.1 < 2 !=1.2.3 || > 3", "3.0.0", false),
        (">=1.1 < 2 !=1.2.3 || > 3", "1.2.3", false),
        ("1.1 - 2", "1.1.1", true),
        ("1.5.0 - 4.5", "3.7.0", true),
        ("1.1-3", "4.3.2", false),
        ("^1.1", "1.1.1", true),
        ("^1.1", "4.3.2", false),
        ("^1.x", "1.1.1", true),
        ("^2.x", "1.1.1", false),
        ("^1.x", "2.1.1", false),
        ("^1.x", "1.1.1-beta1", false),
        ("^1.1.2-alpha", "1.2.1-beta1", true),
        ("^1.2.x-alpha", "1.1.1-beta1", false),
        ("^0.0.1", "0.0.1", true),
        ("^0.0.1", "0.3.1", false),
        ("^0.0.1", "0.1.3", false),
        ("~*", "2.1.1", true),
        ("~1", "2.1.1", false),
        ("~1", "1.3.5", true),
        ("~1", "1.4", true),
        ("~1", "1.3.5-beta", false),
        ("~1.x", "2.1.1", false),
        ("~1.x", "1.3.5", true),
        ("~1.x", "1.4", true),
        ("~1.x", "1.3.5-beta", false),
        ("~1.1", "1.1.1", true),
        ("~1.1", "1.1.1-alpha", false),
        ("~1.1-alpha", "1.1.1-beta", true),
        ("~1.1.1-beta", "1.1.1-alpha", false),
        ("~1.1.1-beta", "1.1.1", true),
        ("~1.3.6-alpha", "1.3.5-beta", false),
        ("~1.3.5-alpha", "1.3.5-beta", true),
        ("~1.3.5-beta", "1.3.5-alpha", false),
        ("~1.2.3", "1.2.5", true),
        ("~1.2.3", "1.2.2", false),
        ("~1.2.3", "1.3.2", false),
        ("~1.1", "1.2.3", false),
        ("~1.3", "2.4.5", false),
        ("^1.1", "1.1.1-alpha", false),
        ("^1.1.1-alpha", "1.1.1-beta", true),
        ("^1.1.1-beta", "1.1.1-alpha", false),
        ("1.0.0 - 2.0.0 <=2.0.0", "1.5.0", true),
        ("1.0.0 - 2.0.0, <=2.0.0", "1.5.0", true),
    ];
    for &(constraint, version, want) in table {
        assert_eq!(
            c(constraint).matches(&v(version)),
            want,
            "{constraint:?} against {version:?}"
        );
    }
}

#[test]
fn highest_matching_picks_the_newest_satisfying_tag() {
    let tags = ["1.0.0", "2.0.0", "2.3.0", "3.0.0", "latest"];
    let caret = c("^2.0.0");
    let (tag, version) = highest_matching(tags, Some(&caret)).expect("2.x tags exist");
    assert_eq!(tag, "2.3.0");
    assert_eq!(version, v("2.3.0"));

    let (tag, _) = highest_matching(tags, None).expect("there are tags");
    assert_eq!(tag, "3.0.0");

    assert!(highest_matching(tags, Some(&c("^4"))).is_none());
    assert!(highest_matching(["latest", "main"], None).is_none());
    assert!(highest_matching(std::iter::empty::<&str>(), None).is_none());

    // Prereleases only when the constraint (or no constraint) allows them.
    let with_pre = ["2.3.0", "2.4.0-rc.1", "v2.2.9"];
    assert_eq!(
        highest_matching(with_pre, Some(&caret)).map(|h| h.0),
        Some("2.3.0")
    );
    assert_eq!(
        highest_matching(with_pre, None).map(|h| h.0),
        Some("2.4.0-rc.1")
    );
    assert_eq!(
        highest_matching(with_pre, Some(&c(">=2.0.0-0"))).map(|h| h.0),
        Some("2.4.0-rc.1")
    );

    // The original text is returned; among equal versions the first one wins.
    let tied = ["v1.2.0", "1.2.0+build.2", "1.2", "1.1.0"];
    assert_eq!(highest_matching(tied, None).map(|h| h.0), Some("v1.2.0"));

    // Works over owned strings too.
    let owned: Vec<String> = vec!["0.1.0".into(), "0.2.0".into()];
    let (tag, _) = highest_matching(owned.iter().map(String::as_str), Some(&c("~0.1")))
        .expect("0.1.0 matches");
    assert_eq!(tag, "0.1.0");
}

/// A small deterministic generator (no extra dependencies) for robustness checks.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn string(&mut self, alphabet: &[&str], max_len: u64) -> String {
        let len = self.next() % (max_len + 1);
        (0..len)
            .map(|_| {
                let i = usize::try_from(self.next()).unwrap_or_default() % alphabet.len();
                alphabet[i]
            })
            .collect()
    }
}

#[test]
fn arbitrary_input_never_panics_and_round_trips() {
    let alphabet = [
        "0",
        "1",
        "2",
        "9",
        "00",
        ".",
        "-",
        "+",
        "v",
        "x",
        "X",
        "*",
        "|",
        "||",
        "^",
        "~",
        "<",
        ">",
        "=",
        "!",
        ",",
        " ",
        "\t",
        " - ",
        "a",
        "Z",
        "_",
        "é",
        "rc",
        "18446744073709551616",
    ];
    let mut rng = Lcg(0x5eed);
    let mut parsed_versions = Vec::new();
    for _ in 0..20_000 {
        let s = rng.string(&alphabet, 12);
        if let Ok(version) = Version::parse(&s) {
            // The canonical form parses back to an equal version with the same parts.
            let again = v(&version.to_string());
            assert_eq!(again, version, "{s:?}");
            assert_eq!(again.metadata(), version.metadata(), "{s:?}");
            parsed_versions.push(version);
        }
        if let Ok(constraint) = Constraint::parse(&s) {
            for version in parsed_versions.iter().rev().take(8) {
                let _ = constraint.matches(version);
            }
        }
    }
    assert!(
        parsed_versions.len() > 100,
        "the generator should hit valid versions"
    );
    // The order is total and consistent with Eq and Hash.
    for a in parsed_versions.iter().take(200) {
        for b in parsed_versions.iter().take(200) {
            assert_eq!(a.cmp(b), b.cmp(a).reverse(), "{a} vs {b}");
            if a == b {
                assert_eq!(hash_of(a), hash_of(b), "{a} vs {b}");
            }
        }
    }
}

#[test]
fn long_hostile_inputs_stay_cheap() {
    let inputs = [
        "1-".repeat(MAX_INPUT_LEN / 2),
        format!("{}_ - 2", "1-".repeat(MAX_INPUT_LEN / 2 - 3)),
        "1 - ".repeat(MAX_INPUT_LEN / 4),
        "1 ".repeat(MAX_INPUT_LEN / 2),
        "||".repeat(MAX_INPUT_LEN / 2),
        " ".repeat(MAX_INPUT_LEN),
        "1.".repeat(MAX_INPUT_LEN / 2),
        format!("{} - 2", "9".repeat(MAX_INPUT_LEN - 4)),
    ];
    for s in &inputs {
        assert!(s.len() <= MAX_INPUT_LEN);
        let _ = Version::parse(s);
        if let Ok(constraint) = Constraint::parse(s) {
            let _ = constraint.matches(&v("1.0.0"));
        }
    }
    // A long valid constraint: every term is checked.
    let many = ">=0.0.1 ".repeat(MAX_INPUT_LEN / 8);
    let constraint = c(&many);
    assert!(constraint.matches(&v("1.0.0")));
    assert!(!constraint.matches(&v("0.0.0")));
}

#[test]
fn suffix_automaton_agrees_with_greedy_scan() {
    let alphabet = ["1", "0", "x", "X", "|", "*", "v", ".", "-", "+", "a", "_"];
    let mut rng = Lcg(7);
    for _ in 0..5_000 {
        let s = rng.string(&alphabet, 10);
        let b = s.as_bytes();
        let fast = grammar::wild_version_suffixes(b, 0, b.len());
        assert_eq!(fast.len(), b.len());
        for (p, &is_version) in fast.iter().enumerate() {
            let slow = grammar::scan(b, p, grammar::is_wild).is_some_and(|m| m.end == b.len());
            assert_eq!(is_version, slow, "{s:?} from {p}");
        }
    }
}
