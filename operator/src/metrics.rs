//! Prometheus metrics (text exposition format 0.0.4), the Go operator's names and labels.
//! A small in-process registry: every series is a gauge, set per Pacto and dropped with it.

use crate::checks::{Check, Severity};
use crate::crd::ContractStatus;
use pacto_core::readiness::{Evaluation, Gate};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

type Labels = Vec<(&'static str, String)>;

#[derive(Default)]
struct Series {
    /// metric name → (labels → value); the owning Pacto is `namespace/name`.
    gauges: BTreeMap<&'static str, BTreeMap<Labels, (String, f64)>>,
    reconciles: BTreeMap<&'static str, u64>,
    reconcile_seconds_sum: f64,
}

/// The operator's metrics.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Series>,
}

const HELP: &[(&str, &str)] = &[
    (
        "pacto_contract_status",
        "Contract status of a Pacto (1 for the current status)",
    ),
    (
        "pacto_contract_compliance_status",
        "1 when every check of the Pacto passed",
    ),
    (
        "pacto_contract_validation_errors",
        "Failed checks of severity error",
    ),
    (
        "pacto_contract_validation_warnings",
        "Failed checks of severity warning",
    ),
    (
        "pacto_contract_validation_result",
        "Result of one check: 1 pass, 0 fail",
    ),
];

const READINESS_HELP: &[(&str, &str)] = &[
    (
        "pacto_readiness_score",
        "Readiness score of a Pacto, 0 to 100",
    ),
    (
        "pacto_readiness_gate",
        "1 when the readiness gate is met (current and score >= minScore)",
    ),
    (
        "pacto_readiness_status",
        "Readiness gate outcome of a Pacto (1 for the current outcome)",
    ),
    (
        "pacto_readiness_checks",
        "Declared readiness checks of a Pacto by status",
    ),
];

impl Metrics {
    fn lock(&self) -> std::sync::MutexGuard<'_, Series> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Record the outcome of one reconcile of `namespace/name` (`service` is the contract's
    /// service name, the Go operator's label).
    pub fn record(
        &self,
        namespace: &str,
        name: &str,
        service: &str,
        status: ContractStatus,
        checks: &[Check],
    ) {
        let owner = format!("{namespace}/{name}");
        let mut g = self.lock();
        for metric in HELP.iter().map(|(m, _)| *m) {
            if let Some(m) = g.gauges.get_mut(metric) {
                m.retain(|_, (o, _)| *o != owner);
            }
        }
        let mut set = |metric: &'static str, labels: Labels, v: f64| {
            g.gauges
                .entry(metric)
                .or_default()
                .insert(labels, (owner.clone(), v));
        };
        for s in ContractStatus::ALL {
            set(
                "pacto_contract_status",
                vec![
                    ("name", name.to_string()),
                    ("namespace", namespace.to_string()),
                    ("status", s.as_str().to_string()),
                ],
                if s == status { 1.0 } else { 0.0 },
            );
        }
        let svc = || {
            vec![
                ("service", service.to_string()),
                ("namespace", namespace.to_string()),
            ]
        };
        let failed = |sev: Severity| {
            checks
                .iter()
                .filter(|c| !c.passed() && c.severity == sev)
                .count() as f64
        };
        set(
            "pacto_contract_compliance_status",
            svc(),
            if checks.iter().all(Check::passed) {
                1.0
            } else {
                0.0
            },
        );
        set(
            "pacto_contract_validation_errors",
            svc(),
            failed(Severity::Error),
        );
        set(
            "pacto_contract_validation_warnings",
            svc(),
            failed(Severity::Warning),
        );
        for c in checks {
            let mut l = svc();
            l.push(("check", c.type_.to_string()));
            set(
                "pacto_contract_validation_result",
                l,
                if c.passed() { 1.0 } else { 0.0 },
            );
        }
    }

    /// Record the readiness of `namespace/name`; `None` (no readiness declared, or the contract
    /// could not be evaluated) drops its readiness series.
    pub fn record_readiness(&self, namespace: &str, name: &str, readiness: Option<&Evaluation>) {
        let owner = format!("{namespace}/{name}");
        let mut g = self.lock();
        for metric in READINESS_HELP.iter().map(|(m, _)| *m) {
            if let Some(m) = g.gauges.get_mut(metric) {
                m.retain(|_, (o, _)| *o != owner);
            }
        }
        let Some(ev) = readiness else {
            return;
        };
        let mut set = |metric: &'static str, extra: Option<&str>, v: f64| {
            let mut labels = vec![
                ("name", name.to_string()),
                ("namespace", namespace.to_string()),
            ];
            if let Some(status) = extra {
                labels.push(("status", status.to_string()));
            }
            g.gauges
                .entry(metric)
                .or_default()
                .insert(labels, (owner.clone(), v));
        };
        set("pacto_readiness_score", None, ev.score as f64);
        set(
            "pacto_readiness_gate",
            None,
            if ev.passing { 1.0 } else { 0.0 },
        );
        let gate = ev.gate();
        for g in Gate::ALL {
            set(
                "pacto_readiness_status",
                Some(g.as_str()),
                if g == gate { 1.0 } else { 0.0 },
            );
        }
        for (status, n) in [
            ("done", ev.done_count),
            ("partial", ev.partial_count),
            ("not-done", ev.not_done_count),
            ("deferred", ev.deferred_count),
        ] {
            set("pacto_readiness_checks", Some(status), f64::from(n));
        }
    }

    /// Forget a deleted Pacto.
    pub fn forget(&self, namespace: &str, name: &str) {
        let owner = format!("{namespace}/{name}");
        let mut g = self.lock();
        for m in g.gauges.values_mut() {
            m.retain(|_, (o, _)| *o != owner);
        }
    }

    /// Drop the series of every Pacto not in `live` (`namespace/name`): deleted Pactos are not
    /// reconciled, so their series are pruned against the controller's cache instead.
    pub fn retain(&self, live: &std::collections::HashSet<String>) {
        let mut g = self.lock();
        for m in g.gauges.values_mut() {
            m.retain(|_, (o, _)| live.contains(o));
        }
    }

    /// Count a reconcile by result (`ok`, `error`) and its duration.
    pub fn reconciled(&self, result: &'static str, seconds: f64) {
        let mut g = self.lock();
        *g.reconciles.entry(result).or_default() += 1;
        g.reconcile_seconds_sum += seconds;
    }

    /// The exposition text, sorted and stable.
    pub fn render(&self) -> String {
        let g = self.lock();
        let mut out = String::new();
        for (metric, help) in HELP.iter().chain(READINESS_HELP) {
            let Some(series) = g.gauges.get(metric) else {
                continue;
            };
            let _ = writeln!(out, "# HELP {metric} {help}\n# TYPE {metric} gauge");
            for (labels, (_, v)) in series {
                let l: Vec<String> = labels
                    .iter()
                    .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
                    .collect();
                let _ = writeln!(out, "{metric}{{{}}} {v}", l.join(","));
            }
        }
        let _ = writeln!(
            out,
            "# HELP pacto_operator_reconciles_total Reconciles by result\n# TYPE pacto_operator_reconciles_total counter"
        );
        for (r, n) in &g.reconciles {
            let _ = writeln!(out, "pacto_operator_reconciles_total{{result=\"{r}\"}} {n}");
        }
        let total: u64 = g.reconciles.values().sum();
        let _ = writeln!(
            out,
            "# HELP pacto_operator_reconcile_seconds Time spent reconciling\n# TYPE pacto_operator_reconcile_seconds summary\npacto_operator_reconcile_seconds_sum {}\npacto_operator_reconcile_seconds_count {total}",
            g.reconcile_seconds_sum
        );
        out
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
