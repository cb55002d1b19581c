//! Layer 3: advice that never makes a contract invalid (spec §3.3).

use crate::diagnostic::Diagnostic;
use crate::model::Contract;

pub fn check(contract: &Contract) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    upgrade_strategy(contract, &mut out);
    readiness_ids(contract, &mut out);
    out
}

fn upgrade_strategy(contract: &Contract, out: &mut Vec<Diagnostic>) {
    let Some(rt) = &contract.runtime else {
        return;
    };
    let strategy = rt
        .lifecycle
        .as_ref()
        .and_then(|l| l.upgrade_strategy.as_ref());
    let stateless = rt
        .state
        .as_ref()
        .and_then(|s| s.kind.as_ref())
        .is_some_and(|k| k.value == "stateless");
    if let Some(s) = strategy.filter(|s| s.value == "ordered") {
        if stateless {
            out.push(
                Diagnostic::warning(
                    "UPGRADE_STRATEGY_STATE_MISMATCH",
                    "runtime.lifecycle.upgradeStrategy",
                    "ordered upgrade strategy is typically used with stateful services, but state is stateless",
                )
                .with_span(Some(s.span))
                .with_help("use `rolling` for stateless services, or declare the state as stateful"),
            );
        }
    }
}

/// Readiness checks are told apart by `id`: `pacto diff` pairs them by id, and the operator's
/// status and the dashboard show them by id. A repeated id makes the second one shadow the
/// first there, so say so (the score itself still counts both, as Go does).
fn readiness_ids(contract: &Contract, out: &mut Vec<Diagnostic>) {
    let Some(r) = &contract.readiness else {
        return;
    };
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, check) in r.checks.iter().enumerate() {
        let Some(id) = &check.id else { continue };
        match seen.get(id.value.as_str()) {
            Some(first) => out.push(
                Diagnostic::warning(
                    "DUPLICATE_READINESS_CHECK_ID",
                    format!("readiness.checks[{i}].id"),
                    format!(
                        "readiness check id \"{}\" is already used by readiness.checks[{first}]",
                        id.value
                    ),
                )
                .with_span(Some(id.span))
                .with_help("give each check its own id: diffs, the operator's status and the dashboard pair checks by id"),
            ),
            None => {
                seen.insert(id.value.as_str(), i);
            }
        }
    }
}
