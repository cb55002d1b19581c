//! Layer 3: advice that never makes a contract invalid (spec §3.3).

use crate::diagnostic::Diagnostic;
use crate::model::Contract;

pub fn check(contract: &Contract) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(rt) = &contract.runtime else {
        return out;
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
    out
}
