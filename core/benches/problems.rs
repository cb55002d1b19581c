//! Validation of contracts full of problems (issue 15: 64,000 unknown keys took 61 s, a 1.4 MB
//! one-line mapping over a minute; validation must be linear in the number of problems).
//!
//! Cases, each validated in process and rendered as text (what `pacto validate` does):
//!   1. 64,000 unknown top-level keys, one per line;
//!   2. a 1.4 MB one-line flow mapping `{pactoVersion: "1.0", service: {...}, k0: 0, ...}`;
//!   3. 64,000 keys each written twice (64,000 duplicate keys), in YAML and in JSON.
//!
//! Run with `cargo bench -p pacto-core --bench problems` (`scripts/bench-problems` times the
//! release CLI on the same inputs). Figures are printed, never asserted; the only assertion is
//! the verdict (invalid). Without `--bench` (as under `cargo test --benches`) the inputs are small.

use pacto_core::report::{render_text, FileReport};
use pacto_core::validate::{validate, NoResolver, Options};
use std::time::{Duration, Instant};

const HEADER: &str = "pactoVersion: \"1.0\"\nservice:\n  name: svc\n  version: 1.0.0\n";

fn unknown_keys(n: usize) -> String {
    let mut text = String::from(HEADER);
    for i in 0..n {
        text.push_str(&format!("unknown{i}: {i}\n"));
    }
    text
}

fn one_line(bytes: usize) -> String {
    let mut text = String::from("{pactoVersion: \"1.0\", service: {name: svc, version: 1.0.0}");
    let mut i = 0;
    while text.len() < bytes {
        text.push_str(&format!(", k{i}: {i}"));
        i += 1;
    }
    text.push_str("}\n");
    text
}

fn duplicates(n: usize) -> String {
    let mut text = String::from(HEADER);
    for round in 0..2 {
        for i in 0..n {
            text.push_str(&format!("x-{i}: {round}\n"));
        }
    }
    text
}

fn json_duplicates(n: usize) -> String {
    let mut text = String::from(
        "{\n\"pactoVersion\": \"1.0\",\n\"service\": {\"name\": \"svc\", \"version\": \"1.0.0\"}",
    );
    for round in 0..2 {
        for i in 0..n {
            text.push_str(&format!(",\n\"x-{i}\": {round}"));
        }
    }
    text.push_str("\n}\n");
    text
}

/// Validate and render as text; the time and the number of lines written to stderr.
fn run(text: &str) -> (Duration, usize, String) {
    let start = Instant::now();
    let v = validate(text, None, &NoResolver, &Options::default());
    assert!(!v.valid(), "the generated contract must be invalid");
    let report = FileReport {
        path: "bench".to_string(),
        file: Some("bench/pacto.yaml".to_string()),
        line_index: Some(v.parsed.line_index),
        diagnostics: v.diagnostics,
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    render_text(std::slice::from_ref(&report), &mut out, &mut err).expect("render");
    let elapsed = start.elapsed();
    let err = String::from_utf8_lossy(&err).into_owned();
    let last = err.lines().last().unwrap_or_default().to_string();
    (elapsed, err.lines().count(), last)
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let (n, bytes) = if bench {
        (64_000, 1_400_000)
    } else {
        (2_000, 50_000)
    };
    println!("validation + text rendering of contracts full of problems (best of up to 3 runs)");
    for (name, text) in [
        (format!("{n} unknown keys"), unknown_keys(n)),
        (
            format!("{:.1} MB one-line mapping", bytes as f64 / 1e6),
            one_line(bytes),
        ),
        (format!("{n} duplicate keys"), duplicates(n)),
        (format!("{n} duplicate keys, JSON"), json_duplicates(n)),
    ] {
        let mut best = Duration::MAX;
        let mut lines = 0;
        let mut last = String::new();
        for _ in 0..3 {
            let (t, l, s) = run(&text);
            best = best.min(t);
            lines = l;
            last = s;
            // A run of more than 5 s is not worth repeating.
            if t > Duration::from_secs(5) {
                break;
            }
        }
        println!(
            "  {name:<28} {:>9} bytes {:>10.1} ms  {lines} stderr lines; {last}",
            text.len(),
            best.as_secs_f64() * 1e3
        );
    }
}
