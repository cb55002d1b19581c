//! Timing and table helpers shared by the benchmarks (each bench uses a subset).

#![allow(dead_code)]

use std::time::Duration;

pub struct Sample {
    pub min: Duration,
    pub median: Duration,
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn fmt_dur(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1e-3 {
        format!("{:.1} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{s:.3} s")
    }
}

pub struct Table {
    rows: Vec<[String; 4]>,
}

impl Table {
    pub fn new() -> Self {
        Table {
            rows: vec![[
                "case".to_string(),
                "min".to_string(),
                "median".to_string(),
                "derived (from median)".to_string(),
            ]],
        }
    }

    pub fn row(&mut self, case: &str, s: &Sample, derived: String) {
        self.rows
            .push([case.to_string(), fmt_dur(s.min), fmt_dur(s.median), derived]);
    }

    pub fn note(&mut self, case: &str, d: Duration, derived: String) {
        self.rows
            .push([case.to_string(), fmt_dur(d), "-".to_string(), derived]);
    }

    pub fn print(&self) {
        let width = |c: usize| {
            self.rows
                .iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        };
        let w = [width(0), width(1), width(2)];
        for (i, r) in self.rows.iter().enumerate() {
            println!(
                "{:<w0$}  {:>w1$}  {:>w2$}  {}",
                r[0],
                r[1],
                r[2],
                r[3],
                w0 = w[0],
                w1 = w[1],
                w2 = w[2]
            );
            if i == 0 {
                println!("{}", "-".repeat(w[0] + w[1] + w[2] + 6 + r[3].len()));
            }
        }
    }
}
