//! A `pacto dashboard` server on a loopback port for the API tests (its own runtime thread,
//! stopped on drop), and an HTTP client that returns error statuses instead of failing.

#![allow(dead_code)] // each test file uses its part

use pacto_dashboard::Dashboard;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub struct Server {
    pub base: String,
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub fn start(d: Arc<Dashboard>) -> Server {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let (btx, brx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(pacto_dashboard::serve(
            d,
            "127.0.0.1:0".parse().unwrap(),
            move |a| btx.send(a).unwrap(),
            async {
                let _ = rx.await;
            },
        ))
        .unwrap();
    });
    let addr = brx.recv_timeout(Duration::from_secs(120)).unwrap();
    Server {
        base: format!("http://{addr}"),
        addr,
        stop: Some(tx),
        thread: Some(thread),
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .new_agent()
}
