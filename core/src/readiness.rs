//! Production readiness (`readiness`, pactoVersion "1.2"): the declared self-assessment and its
//! evaluation on a given day.
//!
//! The contract lists weighted checks, each with a status and a pointer to its evidence, a pass
//! mark (`minScore`, default 100), the share of weight a `partial` check earns (`partialCredit`,
//! default 0.5) and an expiry date. [`evaluate`] turns that into a score:
//!
//! - `deferred` checks are left out of both the earned and the total weight;
//! - `done` earns the full weight, `partial` earns `round(weight × partialCredit)`, `not-done`
//!   (and any status this version does not know) earns nothing;
//! - `score = round(earned / total × 100)`, 0 when the total is 0;
//! - the assessment holds through the whole `expires` day (UTC); after it, or when the date cannot
//!   be read, it is expired and every check earns nothing;
//! - the gate passes when the assessment is not expired and `score ≥ minScore`.
//!
//! Evidence is never fetched or verified. The evaluation is pure: the caller passes "today", so
//! the same contract on the same day always gives the same result.

use crate::diagnostic::Diagnostic;
use crate::model::{Contract, Spanned};
use crate::schema::Generation;
use crate::syntax::Tree;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The pass mark when the contract does not set `minScore`: every weighted check done.
pub const DEFAULT_MIN_SCORE: i64 = 100;
/// The share of its weight a `partial` check earns when the contract does not set
/// `partialCredit`.
pub const DEFAULT_PARTIAL_CREDIT: f64 = 0.5;

/// The declared readiness section, as plain values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Readiness {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_score: Option<i64>,
    pub expires: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial_credit: Option<f64>,
    #[serde(default)]
    pub history: Vec<Revision>,
    pub checks: Vec<Check>,
}

/// One declared check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub category: String,
    pub status: String,
    pub evidence: String,
    #[serde(default)]
    pub description: String,
    pub weight: i64,
}

/// One entry of the review history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Revision {
    pub date: String,
    pub version: String,
    pub author: String,
    pub description: String,
}

fn text(v: &Option<Spanned<String>>) -> String {
    v.as_ref().map(|s| s.value.clone()).unwrap_or_default()
}

impl Readiness {
    /// The contract's readiness section, or `None` when it declares none or lists no checks
    /// (then there is nothing to evaluate, and consumers show no readiness at all).
    pub fn from_contract(contract: &Contract) -> Option<Readiness> {
        let r = contract.readiness.as_ref()?;
        if r.checks.is_empty() {
            return None;
        }
        Some(Readiness {
            min_score: r.min_score.as_ref().map(|v| v.value),
            expires: text(&r.expires),
            partial_credit: r.partial_credit.as_ref().map(|v| v.value),
            history: r
                .history
                .iter()
                .map(|h| Revision {
                    date: text(&h.date),
                    version: text(&h.version),
                    author: text(&h.author),
                    description: text(&h.description),
                })
                .collect(),
            checks: r
                .checks
                .iter()
                .map(|c| Check {
                    id: text(&c.id),
                    kind: text(&c.kind),
                    category: text(&c.category),
                    status: text(&c.status),
                    evidence: text(&c.evidence),
                    description: text(&c.description),
                    weight: c.weight.as_ref().map_or(0, |w| w.value),
                })
                .collect(),
        })
    }
}

/// A calendar day (proleptic Gregorian, UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// A valid calendar day, or `None`.
    pub fn from_ymd(year: i32, month: u8, day: u8) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Strict `YYYY-MM-DD` (four-digit year, two-digit month and day, a real calendar day).
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = s.get(r)?;
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        let year = i32::try_from(digits(0..4)?).ok()?;
        let month = u8::try_from(digits(5..7)?).ok()?;
        let day = u8::try_from(digits(8..10)?).ok()?;
        Date::from_ymd(year, month, day)
    }

    /// The UTC day of a Unix timestamp in seconds (for callers that read a clock).
    pub fn from_unix_seconds(secs: i64) -> Date {
        Date::from_days(secs.div_euclid(86_400))
    }

    /// Days since 1970-01-01.
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let m = i64::from(self.month);
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    fn from_days(days: i64) -> Date {
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date {
            year: i32::try_from(year).unwrap_or(if year < 0 { i32::MIN } else { i32::MAX }),
            month: u8::try_from(month).unwrap_or(1),
            day: u8::try_from(day).unwrap_or(1),
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// The readiness of a contract on one day.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    pub score: i64,
    pub min_score: i64,
    pub total_weight: i64,
    pub earned_weight: i64,
    pub partial_credit: f64,
    pub passing: bool,
    pub expires: String,
    pub expired: bool,
    /// Whole days left until `expires` (0 on the day itself); `None` once expired.
    pub days_remaining: Option<i64>,
    pub done_count: u32,
    pub partial_count: u32,
    pub not_done_count: u32,
    pub deferred_count: u32,
    pub revisions: Vec<Revision>,
    pub checks: Vec<CheckResult>,
}

/// One check with what it earned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckResult {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub category: String,
    pub status: String,
    pub evidence: String,
    pub description: String,
    pub weight: i64,
    pub earned_weight: i64,
    /// Deferred: not counted in the score.
    pub excluded: bool,
}

/// The outcome of the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Gate {
    /// Current and `score ≥ minScore`.
    Satisfied,
    /// Current, but the score is below the pass mark.
    BelowMinScore,
    /// Past its `expires` day (or the date cannot be read).
    Expired,
}

impl Gate {
    pub const ALL: [Gate; 3] = [Gate::Satisfied, Gate::BelowMinScore, Gate::Expired];

    pub fn as_str(self) -> &'static str {
        match self {
            Gate::Satisfied => "Satisfied",
            Gate::BelowMinScore => "BelowMinScore",
            Gate::Expired => "Expired",
        }
    }
}

impl Evaluation {
    pub fn gate(&self) -> Gate {
        if self.passing {
            Gate::Satisfied
        } else if self.expired {
            Gate::Expired
        } else {
            Gate::BelowMinScore
        }
    }

    /// One line for people (condition messages, events).
    pub fn message(&self) -> String {
        match self.gate() {
            Gate::Satisfied => format!(
                "readiness score {} meets minScore {}",
                self.score, self.min_score
            ),
            Gate::Expired => format!(
                "readiness assessment expired (expires {}); score {} below minScore {}",
                self.expires, self.score, self.min_score
            ),
            Gate::BelowMinScore => format!(
                "readiness score {} below minScore {} ({} done, {} partial, {} not-done, {} deferred)",
                self.score,
                self.min_score,
                self.done_count,
                self.partial_count,
                self.not_done_count,
                self.deferred_count
            ),
        }
    }
}

/// Evaluate `readiness` on `today` (UTC).
pub fn evaluate(readiness: &Readiness, today: Date) -> Evaluation {
    let min_score = readiness.min_score.unwrap_or(DEFAULT_MIN_SCORE);
    let credit = readiness.partial_credit.unwrap_or(DEFAULT_PARTIAL_CREDIT);
    let days_left = Date::parse(&readiness.expires)
        .map(|e| e.days_since_epoch() - today.days_since_epoch())
        .filter(|d| *d >= 0);
    let expired = days_left.is_none();
    let mut ev = Evaluation {
        score: 0,
        min_score,
        total_weight: 0,
        earned_weight: 0,
        partial_credit: credit,
        passing: false,
        expires: readiness.expires.clone(),
        expired,
        days_remaining: days_left,
        done_count: 0,
        partial_count: 0,
        not_done_count: 0,
        deferred_count: 0,
        revisions: readiness.history.clone(),
        checks: Vec::with_capacity(readiness.checks.len()),
    };
    for c in &readiness.checks {
        let mut earned = 0;
        let mut excluded = false;
        match c.status.as_str() {
            "deferred" => {
                excluded = true;
                ev.deferred_count += 1;
            }
            "done" => {
                ev.done_count += 1;
                earned = c.weight;
            }
            "partial" => {
                ev.partial_count += 1;
                earned = round(c.weight as f64 * credit);
            }
            _ => ev.not_done_count += 1,
        }
        if expired {
            earned = 0;
        }
        if !excluded {
            ev.total_weight = ev.total_weight.saturating_add(c.weight);
            ev.earned_weight = ev.earned_weight.saturating_add(earned);
        }
        ev.checks.push(CheckResult {
            id: c.id.clone(),
            kind: c.kind.clone(),
            category: c.category.clone(),
            status: c.status.clone(),
            evidence: c.evidence.clone(),
            description: c.description.clone(),
            weight: c.weight,
            earned_weight: earned,
            excluded,
        });
    }
    if ev.total_weight > 0 {
        ev.score = round(ev.earned_weight as f64 / ev.total_weight as f64 * 100.0);
    }
    ev.passing = !expired && ev.score >= min_score;
    ev
}

/// Round half away from zero; NaN and out-of-range values saturate instead of failing.
fn round(v: f64) -> i64 {
    v.round() as i64
}

impl Date {
    /// Today (UTC) from the system clock; 1970-01-01 when the clock is before the epoch.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        Date::from_unix_seconds(secs)
    }
}

/// The code of the opt-in readiness gate (`pacto validate --readiness`), Go Pacto's name.
pub const GATE_UNMET: &str = "READINESS_GATE_UNMET";

/// The declared readiness of a contract of either generation, read from its tree: 2.0
/// `readiness.claims`, 1.x (1.2) `readiness.checks`. `None` without readiness, with no
/// claims/checks, or when `pactoVersion` names no generation this build reads (validation
/// reports that).
pub fn of_tree(tree: &Tree) -> Option<Readiness> {
    let version = tree.root().get("pactoVersion")?.as_str()?;
    match Generation::of(version)? {
        Generation::V2 => crate::doc::v2::readiness(tree),
        Generation::V1 => Readiness::from_contract(&Contract::from_tree(tree)),
    }
}

/// The readiness gate of `pacto validate --readiness` on `today`: `None` when the contract
/// declares no readiness (nothing to gate, as Go Pacto) or when it passes; otherwise Go Pacto
/// 3.x's `READINESS_GATE_UNMET` error, path `readiness`, message
/// `score below gate: score S, minScore M (D done, P partial, N not-done, F deferred)` (or
/// `assessment expired: …`). It is placed on the key to change: `expires` when the assessment
/// is expired, else `minScore` when the contract sets it, else `readiness`.
pub fn gate(tree: &Tree, today: Date) -> Option<Diagnostic> {
    let ev = evaluate(&of_tree(tree)?, today);
    if ev.passing {
        return None;
    }
    let (state, key, help) = if ev.expired {
        (
            "assessment expired",
            "expires",
            format!(
                "review the claims and move readiness.expires ({}) to a future YYYY-MM-DD date: an expired assessment scores 0",
                if ev.expires.is_empty() { "missing" } else { ev.expires.as_str() }
            ),
        )
    } else {
        (
            "score below gate",
            "minScore",
            format!(
                "mark more weighted claims done (or partial) until the score reaches {}, or lower readiness.minScore",
                ev.min_score
            ),
        )
    };
    let readiness = tree.root().get("readiness");
    let span = match readiness.and_then(|r| r.entry(key)) {
        Some((k, _)) => k.span(),
        None => tree.key_span(&["readiness"]),
    };
    Some(
        Diagnostic::error(
            GATE_UNMET,
            "readiness",
            format!(
                "{state}: score {}, minScore {} ({} done, {} partial, {} not-done, {} deferred)",
                ev.score,
                ev.min_score,
                ev.done_count,
                ev.partial_count,
                ev.not_done_count,
                ev.deferred_count
            ),
        )
        .with_span(Some(span))
        .with_help(help),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{parse, Limits};

    fn day(s: &str) -> Date {
        Date::parse(s).expect("test date")
    }

    fn check(id: &str, status: &str, weight: i64) -> Check {
        Check {
            id: id.into(),
            kind: "url".into(),
            category: String::new(),
            status: status.into(),
            evidence: "e".into(),
            description: String::new(),
            weight,
        }
    }

    fn readiness(expires: &str, min: Option<i64>, credit: Option<f64>, c: Vec<Check>) -> Readiness {
        Readiness {
            min_score: min,
            expires: expires.into(),
            partial_credit: credit,
            history: vec![],
            checks: c,
        }
    }

    const TODAY: &str = "2026-06-08";

    #[test]
    fn scenario_11_score_60_is_below_the_default_pass_mark() {
        let r = readiness(
            "2099-12-31",
            None,
            None,
            vec![
                check("dashboard", "done", 60),
                check("security-review", "not-done", 40),
            ],
        );
        let ev = evaluate(&r, day(TODAY));
        assert_eq!((ev.score, ev.min_score), (60, 100));
        assert_eq!((ev.total_weight, ev.earned_weight), (100, 60));
        assert!(!ev.passing && !ev.expired);
        assert_eq!(ev.gate(), Gate::BelowMinScore);
        assert_eq!((ev.done_count, ev.not_done_count), (1, 1));
        assert_eq!(ev.checks[0].earned_weight, 60);
        assert_eq!(ev.checks[1].earned_weight, 0);
        assert_eq!(
            ev.message(),
            "readiness score 60 below minScore 100 (1 done, 0 partial, 1 not-done, 0 deferred)"
        );
    }

    #[test]
    fn all_done_is_satisfied() {
        let r = readiness(
            "2099-12-31",
            None,
            None,
            vec![
                check("dashboard", "done", 60),
                check("security-review", "done", 40),
            ],
        );
        let ev = evaluate(&r, day(TODAY));
        assert_eq!(ev.score, 100);
        assert!(ev.passing);
        assert_eq!(ev.gate(), Gate::Satisfied);
    }

    #[test]
    fn statuses_score_and_deferred_exclusion() {
        let r = readiness(
            "2026-12-31",
            Some(80),
            None,
            vec![
                check("a", "done", 30),
                check("b", "partial", 20),
                check("c", "not-done", 10),
                check("d", "deferred", 40),
            ],
        );
        let ev = evaluate(&r, day(TODAY));
        // 30 + round(20 × 0.5) of 60 (the deferred 40 is out) → 67.
        assert_eq!((ev.total_weight, ev.earned_weight, ev.score), (60, 40, 67));
        assert_eq!(
            (
                ev.done_count,
                ev.partial_count,
                ev.not_done_count,
                ev.deferred_count
            ),
            (1, 1, 1, 1)
        );
        assert!(!ev.passing);
        let d = &ev.checks[3];
        assert!(d.excluded && d.earned_weight == 0);
        assert!(!ev.checks[0].excluded);

        // Without the not-done check: 40 of 50 → 80, which meets 80.
        let mut r2 = r.clone();
        r2.checks.remove(2);
        let ev2 = evaluate(&r2, day(TODAY));
        assert_eq!(ev2.score, 80);
        assert!(ev2.passing);
    }

    #[test]
    fn partial_credit_is_configurable_and_rounded() {
        let r = readiness(
            "2026-12-31",
            Some(0),
            Some(0.25),
            vec![check("b", "partial", 40)],
        );
        let ev = evaluate(&r, day(TODAY));
        assert_eq!((ev.earned_weight, ev.score), (10, 25));
        assert_eq!(ev.partial_credit, 0.25);
        // Defaults: 0.5, and round half away from zero (5 × 0.5 = 2.5 → 3).
        let r = readiness("2026-12-31", None, None, vec![check("b", "partial", 5)]);
        let ev = evaluate(&r, day(TODAY));
        assert_eq!((ev.earned_weight, ev.partial_credit), (3, 0.5));
        assert_eq!(ev.score, 60);
        assert_eq!(ev.min_score, DEFAULT_MIN_SCORE);
    }

    #[test]
    fn expiry_is_inclusive_and_zeroes_every_check() {
        let r = readiness("2026-06-08", Some(0), None, vec![check("a", "done", 10)]);
        let ev = evaluate(&r, day("2026-06-08"));
        assert!(!ev.expired && ev.passing);
        assert_eq!(ev.days_remaining, Some(0));
        let ev = evaluate(&r, day("2026-06-01"));
        assert_eq!(ev.days_remaining, Some(7));

        let ev = evaluate(&r, day("2026-06-09"));
        assert!(ev.expired && !ev.passing);
        assert_eq!((ev.score, ev.earned_weight, ev.total_weight), (0, 0, 10));
        assert_eq!(ev.days_remaining, None);
        assert_eq!(ev.checks[0].earned_weight, 0);
        assert_eq!(ev.gate(), Gate::Expired);
        assert!(ev.message().starts_with("readiness assessment expired"));
    }

    #[test]
    fn an_unreadable_expiry_fails_closed() {
        for bad in [
            "2026-13-40",
            "2026-02-30",
            "26-06-08",
            "2026/06/08",
            "",
            "2026-6-8",
        ] {
            let r = readiness(bad, Some(0), None, vec![check("a", "done", 10)]);
            let ev = evaluate(&r, day(TODAY));
            assert!(ev.expired && !ev.passing, "{bad:?}");
            assert_eq!(ev.score, 0, "{bad:?}");
        }
    }

    #[test]
    fn zero_total_weight_scores_zero() {
        let all_deferred = readiness(
            "2026-12-31",
            Some(100),
            None,
            vec![check("a", "deferred", 50)],
        );
        let ev = evaluate(&all_deferred, day(TODAY));
        assert_eq!((ev.total_weight, ev.score), (0, 0));
        assert!(!ev.passing);
        // A zero pass mark with nothing to earn still passes (0 ≥ 0), as in Go Pacto.
        let zero = readiness("2026-12-31", Some(0), None, vec![check("a", "done", 0)]);
        let ev = evaluate(&zero, day(TODAY));
        assert_eq!((ev.total_weight, ev.score), (0, 0));
        assert!(ev.passing);
    }

    #[test]
    fn unknown_status_earns_nothing_but_counts() {
        let r = readiness(
            "2026-12-31",
            Some(0),
            None,
            vec![check("a", "done", 50), check("b", "maybe", 50)],
        );
        let ev = evaluate(&r, day(TODAY));
        assert_eq!((ev.score, ev.not_done_count), (50, 1));
    }

    /// Readiness is a pactoVersion "1.2" section: 1.2 validates clean, 1.0 and 1.1 report the
    /// key as an unknown field, and versions other than 1.0–1.2 stay rejected.
    #[test]
    fn validation_allows_readiness_only_in_1_2() {
        use crate::validate::{validate, NoResolver, Options};
        let body = "service: {name: svc, version: 1.0.0}\nreadiness:\n  expires: \"2099-12-31\"\n  checks:\n    - {id: dashboard, type: url, status: done, evidence: x, weight: 60}\n";
        let run = |version: &str, text: &str| {
            let text = format!("pactoVersion: \"{version}\"\n{text}");
            validate(&text, None, &NoResolver, &Options::default()).diagnostics
        };
        assert!(run("1.2", body).is_empty(), "{:?}", run("1.2", body));
        for v in ["1.0", "1.1"] {
            let d = run(v, body);
            assert_eq!(d.len(), 1, "{v}: {d:?}");
            assert_eq!(
                (d[0].code, d[0].path.as_str()),
                ("UNKNOWN_FIELD", "readiness")
            );
            assert!(d[0].is_error());
            // Without readiness, 1.1 is an ordinary contract.
            let plain = "service: {name: svc, version: 1.0.0}\n";
            assert!(run(v, plain).is_empty(), "{v}");
        }
        // "2.0" is the other generation; a version neither has is refused.
        let d = run("2.1", "service: {name: svc, version: 1.0.0}\n");
        assert!(
            d.iter().any(|d| d.code == "PARSE_ERROR" && d.is_error()),
            "{d:?}"
        );
    }

    #[test]
    fn sections_follow_the_declared_pacto_version() {
        use crate::validate::{validate, NoResolver, Options};
        let errors = |version: &str, text: &str| {
            let text = format!("pactoVersion: \"{version}\"\n{text}");
            validate(&text, None, &NoResolver, &Options::default())
                .diagnostics
                .into_iter()
                .filter(|d| d.is_error())
                .map(|d| (d.code, d.path, d.help))
                .collect::<Vec<_>>()
        };
        let svc = "service: {name: svc, version: 1.0.0}\n";
        let singular = format!("{svc}configuration:\n  ref: oci://ghcr.io/acme/config:1.0.0\n");
        let unnamed = format!(
            "{svc}dependencies:\n  - ref: oci://ghcr.io/acme/db@sha256:{}\n    compatibility: ^1.0.0\n",
            "a".repeat(64)
        );
        let owner = "service: {name: svc, version: 1.0.0, owner: team/payments}\n";
        // 1.0 has the singular sections, optional dependency names and a string owner.
        for text in [&singular, &unnamed, owner] {
            assert_eq!(errors("1.0", text), vec![], "{text}");
        }
        for v in ["1.1", "1.2"] {
            let d = errors(v, &singular);
            assert_eq!(d.len(), 1, "{v}: {d:?}");
            assert_eq!(
                (d[0].0, d[0].1.as_str()),
                ("UNKNOWN_FIELD", "configuration")
            );
            assert!(d[0]
                .2
                .as_deref()
                .is_some_and(|h| h.contains("configurations")));
            let d = errors(v, &unnamed);
            assert_eq!(d.len(), 1, "{v}: {d:?}");
            assert!(d[0].1.starts_with("dependencies"), "{v}: {d:?}");
        }
        // 1.2 owners are structured.
        assert_eq!(errors("1.1", owner), vec![]);
        let d = errors("1.2", owner);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].1, "service.owner");
    }

    #[test]
    fn top_level_keys_by_version_follow_the_schema() {
        use crate::validate::{validate, NoResolver, Options};
        let bodies = [
            ("readiness", "readiness:\n  expires: \"2099-12-31\"\n  checks:\n    - {id: a, type: url, status: done, evidence: x, weight: 1}\n"),
            ("configuration", "configuration:\n  ref: oci://ghcr.io/acme/config:1.0.0\n"),
            ("policy", "policy:\n  ref: oci://ghcr.io/acme/policy:1.0.0\n"),
        ];
        for version in ["1.0", "1.1", "1.2"] {
            for (key, body) in bodies {
                let text = format!(
                    "pactoVersion: \"{version}\"\nservice: {{name: svc, version: 1.0.0}}\n{body}"
                );
                let d = validate(&text, None, &NoResolver, &Options::default()).diagnostics;
                let refused = d.iter().any(|d| d.code == "UNKNOWN_FIELD" && d.path == key);
                assert_eq!(
                    crate::schema::top_level_key_in_version(key, Some(version)),
                    !refused,
                    "{key} in {version}: {d:?}"
                );
            }
        }
    }

    #[test]
    fn dates_round_trip() {
        assert_eq!(day("1970-01-01").days_since_epoch(), 0);
        assert_eq!(day("2000-03-01").days_since_epoch(), 11_017);
        assert_eq!(day("2024-02-29").to_string(), "2024-02-29");
        assert!(Date::parse("2023-02-29").is_none());
        assert_eq!(Date::from_unix_seconds(0), day("1970-01-01"));
        assert_eq!(Date::from_unix_seconds(-1), day("1969-12-31"));
        // 2026-06-08T12:00:00Z
        assert_eq!(Date::from_unix_seconds(1_780_920_000), day("2026-06-08"));
        for d in [-800_000_i64, -1, 0, 59, 10_957, 20_612, 2_932_896] {
            assert_eq!(Date::from_days(d).days_since_epoch(), d);
        }
    }

    #[test]
    fn read_from_a_contract_and_serialised_in_camel_case() {
        let text = r#"pactoVersion: "1.2"
service: {name: svc, version: 1.0.0}
readiness:
  minScore: 50
  expires: "2099-12-31"
  partialCredit: 0.4
  history:
    - {date: "2026-01-02", version: 1.0.0, author: ops, description: first review}
  checks:
    - id: dashboard
      type: url
      category: observability
      status: done
      evidence: https://grafana.example/d/svc
      weight: 60
      description: Service dashboard
    - id: security-review
      type: ticket
      status: partial
      evidence: SEC-1
      weight: 40
"#;
        let tree = parse(text, &Limits::default()).tree.expect("parses");
        let contract = Contract::from_tree(&tree);
        let r = Readiness::from_contract(&contract).expect("declared");
        assert_eq!(r.min_score, Some(50));
        assert_eq!(r.partial_credit, Some(0.4));
        assert_eq!(r.history[0].author, "ops");
        assert_eq!(r.checks[1].kind, "ticket");
        let ev = evaluate(&r, day(TODAY));
        // 60 + round(40 × 0.4) = 76.
        assert_eq!(ev.score, 76);
        let json = serde_json::to_value(&ev).expect("serialises");
        let keys: Vec<&str> = json
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        for k in [
            "score",
            "minScore",
            "totalWeight",
            "earnedWeight",
            "partialCredit",
            "passing",
            "expires",
            "expired",
            "daysRemaining",
            "doneCount",
            "partialCount",
            "notDoneCount",
            "deferredCount",
            "revisions",
            "checks",
        ] {
            assert!(keys.contains(&k), "missing {k} in {keys:?}");
        }
        assert_eq!(json["revisions"][0]["description"], "first review");
        assert_eq!(json["checks"][0]["type"], "url");
        assert_eq!(json["checks"][0]["earnedWeight"], 60);
        assert_eq!(json["checks"][1]["excluded"], false);

        let none = parse("pactoVersion: \"1.0\"\n", &Limits::default())
            .tree
            .expect("parses");
        assert!(Readiness::from_contract(&Contract::from_tree(&none)).is_none());
        let empty = parse(
            "readiness: {expires: \"2099-12-31\", checks: []}\n",
            &Limits::default(),
        )
        .tree
        .expect("parses");
        assert!(Readiness::from_contract(&Contract::from_tree(&empty)).is_none());
    }

    fn gate_of(text: &str, today: &str) -> Option<Diagnostic> {
        let tree = parse(text, &Limits::default()).tree.expect("parses");
        gate(&tree, day(today))
    }

    /// The text at the span of `d`.
    fn at<'a>(text: &'a str, d: &Diagnostic) -> &'a str {
        &text[d.span.expect("placed").range()]
    }

    const V2_HEAD: &str = "pactoVersion: \"2.0\"\nservice:\n  name: svc\n  version: 1.0.0\n";

    #[test]
    fn gate_below_min_score_is_go_s_error_on_min_score() {
        let text = format!(
            "{V2_HEAD}readiness:\n  minScore: 80\n  expires: \"2099-12-31\"\n  claims:\n    - {{id: runbook, type: url, status: done, evidence: x, weight: 40}}\n    - {{id: sec, type: url, status: not-done, evidence: x, weight: 30}}\n    - {{id: load, type: url, status: partial, evidence: x, weight: 30}}\n    - {{id: chaos, type: url, status: deferred, evidence: x, weight: 50}}\n"
        );
        let d = gate_of(&text, TODAY).expect("unmet");
        assert_eq!(
            (d.code, d.path.as_str()),
            ("READINESS_GATE_UNMET", "readiness")
        );
        assert!(d.is_error());
        // 40 + round(30 × 0.5) = 55 of 100 (the deferred 50 left out).
        assert_eq!(
            d.message,
            "score below gate: score 55, minScore 80 (1 done, 1 partial, 1 not-done, 1 deferred)"
        );
        assert_eq!(at(&text, &d), "minScore");
        assert!(d.help.as_deref().is_some_and(|h| h.contains("80")), "{d:?}");
    }

    #[test]
    fn gate_default_min_score_is_placed_on_the_readiness_key() {
        let text = format!(
            "{V2_HEAD}readiness:\n  expires: \"2099-12-31\"\n  claims:\n    - {{id: a, type: url, status: done, evidence: x, weight: 90}}\n    - {{id: b, type: url, status: not-done, evidence: x, weight: 10}}\n"
        );
        let d = gate_of(&text, TODAY).expect("unmet");
        assert_eq!(
            d.message,
            "score below gate: score 90, minScore 100 (1 done, 0 partial, 1 not-done, 0 deferred)"
        );
        assert_eq!(at(&text, &d), "readiness");
    }

    #[test]
    fn gate_passing_and_absent_readiness_give_nothing() {
        let passing = format!(
            "{V2_HEAD}readiness:\n  minScore: 50\n  expires: \"2026-06-08\"\n  claims:\n    - {{id: a, type: url, status: partial, evidence: x, weight: 10}}\n"
        );
        // The expires day itself still holds; 5 of 10 = 50 meets 50.
        assert_eq!(gate_of(&passing, TODAY), None);
        assert_eq!(gate_of(V2_HEAD, TODAY), None);
        assert_eq!(
            gate_of(
                "pactoVersion: \"1.0\"\nservice: {name: s, version: 1.0.0}\n",
                TODAY
            ),
            None
        );
        // A version no generation has is validation's problem, not the gate's.
        let unknown = passing.replace("\"2.0\"", "\"2.1\"");
        assert_eq!(gate_of(&unknown, "2099-01-01"), None);
    }

    #[test]
    fn gate_expired_scores_zero_and_points_at_expires() {
        let text = format!(
            "{V2_HEAD}readiness:\n  minScore: 0\n  expires: \"2026-06-07\"\n  claims:\n    - {{id: a, type: url, status: done, evidence: x, weight: 10}}\n"
        );
        // minScore 0 is met by any score, but an expired assessment never passes.
        let d = gate_of(&text, TODAY).expect("expired");
        assert_eq!(
            d.message,
            "assessment expired: score 0, minScore 0 (1 done, 0 partial, 0 not-done, 0 deferred)"
        );
        assert_eq!(at(&text, &d), "expires");
        assert!(d.help.as_deref().is_some_and(|h| h.contains("2026-06-07")));
        // The day before, the same contract passes.
        assert_eq!(gate_of(&text, "2026-06-07"), None);
    }

    #[test]
    fn gate_reads_1_2_checks() {
        let text = "pactoVersion: \"1.2\"\nservice: {name: svc, version: 1.0.0}\nreadiness:\n  minScore: 70\n  expires: \"2099-12-31\"\n  checks:\n    - {id: a, type: url, status: done, evidence: x, weight: 60}\n    - {id: b, type: url, status: not-done, evidence: x, weight: 40}\n";
        let d = gate_of(text, TODAY).expect("unmet");
        assert_eq!(
            d.message,
            "score below gate: score 60, minScore 70 (1 done, 0 partial, 1 not-done, 0 deferred)"
        );
        assert_eq!(at(text, &d), "minScore");
        let met = text.replace("minScore: 70", "minScore: 60");
        assert_eq!(gate_of(&met, TODAY), None);
    }
}
