//! The diagnostics worker: one long-lived thread runs every validation, in the order asked.
//!
//! Why not `spawn_blocking`: tokio hands each job to whichever pooled thread is free, and every
//! new thread gets a fresh malloc arena, so the first runs on each of them pay hundreds of page
//! faults for the tree, JSON document and findings of a large contract (measured: 6–7 ms instead
//! of 3.4 ms on a 10,000-line file, for the first edit on each of four pool threads). One thread
//! keeps its arena warm, and validations of several documents never compete for the two cores
//! the editor also needs.

use std::sync::mpsc;
use std::sync::Mutex;

type Job = Box<dyn FnOnce() + Send>;

#[derive(Default)]
pub struct Worker {
    tx: Mutex<Option<mpsc::Sender<Job>>>,
}

impl Worker {
    /// Run `f` on the worker thread (started on first use). `None` when `f` panicked; the worker
    /// survives it. If the thread cannot be started, `f` runs on tokio's blocking pool instead.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let (done, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok();
            let _ = done.send(out);
        });
        match self.send(job) {
            Ok(()) => answer.await.ok().flatten(),
            Err(job) => {
                tokio::task::spawn_blocking(job).await.ok()?;
                answer.await.ok().flatten()
            }
        }
    }

    fn send(&self, job: Job) -> Result<(), Job> {
        let mut tx = self
            .tx
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if tx.is_none() {
            let (sender, jobs) = mpsc::channel::<Job>();
            let started = std::thread::Builder::new()
                .name("pacto-validate".to_string())
                .spawn(move || {
                    for job in jobs {
                        job();
                    }
                });
            if started.is_err() {
                return Err(job);
            }
            *tx = Some(sender);
        }
        let Some(sender) = tx.as_ref() else {
            return Err(job);
        };
        sender.send(job).map_err(|mpsc::SendError(job)| {
            // The thread is gone (it cannot panic: jobs catch their panics); start another next
            // time.
            *tx = None;
            job
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn jobs_run_in_order_on_one_thread_and_a_panic_does_not_kill_it() {
        let w = Worker::default();
        let a = w.run(|| std::thread::current().id()).await.unwrap();
        assert_eq!(w.run(|| -> u8 { panic!("boom") }).await, None);
        let b = w.run(|| std::thread::current().id()).await.unwrap();
        assert_eq!(a, b, "the same thread after a panic");
        assert_ne!(a, std::thread::current().id());
        let order = std::sync::Arc::new(Mutex::new(Vec::new()));
        let runs: Vec<_> = (0..20)
            .map(|i| {
                let order = order.clone();
                w.run(move || order.lock().unwrap().push(i))
            })
            .collect();
        futures::future::join_all(runs).await;
        assert_eq!(*order.lock().unwrap(), (0..20).collect::<Vec<_>>());
    }
}
