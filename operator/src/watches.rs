//! The health of each watch, kept apart: a kind the API server does not serve (404) or the
//! operator may not read (403) backs off on its own stream and never delays the others, above
//! all not the Pacto watch.
//!
//! kube's `Controller` merges every trigger stream into one and puts one backoff around the
//! merge: a single failing watch would stall them all (the first reconcile of a Pacto came
//! minutes late and spec edits went unseen). Each stream here has its own backoff, and its
//! errors are taken out of the stream ([`guarded`]) after being recorded in [`WatchHealth`],
//! which logs a WARN once per kind and change of state, and an INFO when the watch recovers.

use crate::apierror;
use futures::{Stream, StreamExt};
use kube::runtime::watcher;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The state of one kind's watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchState {
    /// The last list or watch answered.
    Healthy,
    /// HTTP 404: the API server does not serve the kind.
    Missing,
    /// HTTP 403: the operator may not list or watch the kind.
    Forbidden,
    /// Any other failure, with its HTTP status (0 when there was none, e.g. a connection error).
    Failing(u16),
}

impl WatchState {
    /// The state a watch error puts its kind in.
    pub fn of_error(err: &watcher::Error) -> WatchState {
        match apierror::watch_code(err) {
            Some(404) => WatchState::Missing,
            Some(403) => WatchState::Forbidden,
            Some(code) => WatchState::Failing(code),
            None => WatchState::Failing(0),
        }
    }

    /// What it means for the Pactos, in the log line.
    fn consequence(&self) -> &'static str {
        match self {
            WatchState::Healthy => "",
            WatchState::Missing => "the API server does not serve this kind",
            WatchState::Forbidden => "the operator may not list or watch this kind (RBAC)",
            WatchState::Failing(_) => "the watch is retried with backoff",
        }
    }
}

/// What recording a state changed, for the one log line it deserves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// Same state as before (or a first healthy answer): nothing to log.
    Unchanged,
    /// The watch entered a failing state (WARN).
    Failed,
    /// The watch answers again after failing (INFO).
    Recovered,
}

/// The state of every watch, by kind.
#[derive(Debug, Default)]
pub struct WatchHealth {
    states: Mutex<BTreeMap<String, WatchState>>,
}

impl WatchHealth {
    /// Record `state` for `kind`; says whether (and how) it changed.
    pub fn record(&self, kind: &str, state: WatchState) -> Transition {
        let mut states = self
            .states
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let prev = states.insert(kind.to_string(), state.clone());
        match (prev, state) {
            (Some(p), s) if p == s => Transition::Unchanged,
            (None | Some(WatchState::Healthy), WatchState::Healthy) => Transition::Unchanged,
            (Some(_), WatchState::Healthy) => Transition::Recovered,
            (_, _) => Transition::Failed,
        }
    }

    /// The current state of `kind`'s watch (`None` before its first answer).
    pub fn state(&self, kind: &str) -> Option<WatchState> {
        self.states
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(kind)
            .cloned()
    }

    /// The kinds whose watch is not healthy, with their state, sorted by kind.
    pub fn unhealthy(&self) -> Vec<(String, WatchState)> {
        self.states
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .filter(|(_, s)| **s != WatchState::Healthy)
            .map(|(k, s)| (k.clone(), s.clone()))
            .collect()
    }

    /// A watch of `kind` (`target` names its resource and scope) answered.
    pub fn answered(&self, kind: &str, target: &str) {
        if self.record(kind, WatchState::Healthy) == Transition::Recovered {
            tracing::info!(kind, resource = target, "watch recovered");
        }
    }

    /// A watch of `kind` failed: WARN on a change of state, DEBUG on a repeat.
    pub fn failed(&self, kind: &str, target: &str, err: &watcher::Error) {
        let state = WatchState::of_error(err);
        let detail = apierror::describe_watch(err, target);
        match self.record(kind, state.clone()) {
            Transition::Failed => tracing::warn!(
                kind,
                error = %detail,
                "watch failing: {}; checks that need this kind are degraded, Pactos are still reconciled",
                state.consequence()
            ),
            _ => tracing::debug!(kind, error = %detail, "watch still failing"),
        }
    }
}

/// `stream` (a watcher with its own backoff) without its errors: each is recorded in `health`
/// under `kind` and dropped, so a merge of streams never sees one; every answer (any event but
/// `Init`, which the watcher emits before each list) marks the kind healthy again.
pub fn guarded<S, K>(
    stream: S,
    kind: String,
    target: String,
    health: Arc<WatchHealth>,
) -> impl Stream<Item = Result<watcher::Event<K>, watcher::Error>> + Send + 'static
where
    S: Stream<Item = Result<watcher::Event<K>, watcher::Error>> + Send + 'static,
    K: Send + 'static,
{
    stream.filter_map(move |r| {
        let out = match r {
            Ok(ev) => {
                // `Init` comes before the list is even sent: only what follows is an answer.
                if !matches!(ev, watcher::Event::Init) {
                    health.answered(&kind, &target);
                }
                Some(Ok(ev))
            }
            Err(e) => {
                health.failed(&kind, &target, &e);
                None
            }
        };
        futures::future::ready(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_log_per_kind_and_change_of_state() {
        let h = WatchHealth::default();
        // A first healthy answer is no news.
        assert_eq!(
            h.record("Secret", WatchState::Healthy),
            Transition::Unchanged
        );
        assert_eq!(h.record("Service", WatchState::Missing), Transition::Failed);
        // Repeats of the same failure, however many, log nothing more.
        for _ in 0..50 {
            assert_eq!(
                h.record("Service", WatchState::Missing),
                Transition::Unchanged
            );
        }
        // Another kind has a state of its own.
        assert_eq!(
            h.record("Deployment", WatchState::Forbidden),
            Transition::Failed
        );
        // A different failure of the same kind is a change.
        assert_eq!(
            h.record("Service", WatchState::Forbidden),
            Transition::Failed
        );
        assert_eq!(
            h.record("Service", WatchState::Healthy),
            Transition::Recovered
        );
        assert_eq!(
            h.record("Service", WatchState::Healthy),
            Transition::Unchanged
        );
        assert_eq!(
            h.record("Service", WatchState::Failing(500)),
            Transition::Failed
        );
        assert_eq!(
            h.record("Service", WatchState::Failing(503)),
            Transition::Failed
        );
        assert_eq!(
            h.unhealthy(),
            vec![
                ("Deployment".to_string(), WatchState::Forbidden),
                ("Service".to_string(), WatchState::Failing(503)),
            ]
        );
        assert_eq!(h.state("Secret"), Some(WatchState::Healthy));
    }

    #[test]
    fn states_of_errors() {
        let api = |code| {
            watcher::Error::InitialListFailed(kube::Error::Api(
                kube::core::Status::failure("x", "y")
                    .with_code(code)
                    .boxed(),
            ))
        };
        assert_eq!(WatchState::of_error(&api(404)), WatchState::Missing);
        assert_eq!(WatchState::of_error(&api(403)), WatchState::Forbidden);
        assert_eq!(WatchState::of_error(&api(500)), WatchState::Failing(500));
        assert_eq!(
            WatchState::of_error(&watcher::Error::NoResourceVersion),
            WatchState::Failing(0)
        );
    }
}
