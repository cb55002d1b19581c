//! A scripted Kubernetes API server for tests: plain HTTP on a loopback port, std only (so any
//! test crate can include it with `#[path = ".../dashboard/tests/support/kube_api.rs"] mod
//! kube_api;`). It answers the calls the dashboard makes (`/version`, discovery, and the list
//! of every stored object under a collection path), records each request line, and writes a
//! kubeconfig pointing at itself, which kube's `Config::infer` (`KUBECONFIG`) or
//! `KubeSource::from_kubeconfig` reads.

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

pub const GROUP: &str = "pacto.trianalab.io";

#[derive(Default)]
struct State {
    /// Collection path (`/apis/pacto.trianalab.io/v1alpha1/pactos`, namespaced or not) →
    /// objects (each with `metadata.namespace`).
    objects: BTreeMap<String, Vec<String>>,
    requests: Vec<String>,
    /// Install the CRD group in discovery.
    crd: bool,
    /// Answer every list with this status.
    fail_lists: Option<u16>,
}

/// The fake API server; stops when dropped.
pub struct KubeApi {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl Drop for KubeApi {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

impl KubeApi {
    /// Start with the operator's CRDs installed and no objects.
    pub fn start() -> KubeApi {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State {
            crd: true,
            ..State::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (state.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if sp.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(c) = conn {
                    let st = st.clone();
                    std::thread::spawn(move || serve(c, &st));
                }
            }
        });
        KubeApi { addr, state, stop }
    }

    /// Add a `Pacto` (`kind` "pactos") or `PactoRevision` ("pactorevisions") object, as JSON.
    pub fn add(&self, plural: &str, object: &str) {
        self.state
            .lock()
            .unwrap()
            .objects
            .entry(plural.to_string())
            .or_default()
            .push(object.to_string());
    }

    pub fn without_crd(&self) {
        self.state.lock().unwrap().crd = false;
    }

    pub fn fail_lists(&self, status: u16) {
        self.state.lock().unwrap().fail_lists = Some(status);
    }

    /// Every request line seen (`GET /apis/...?query`).
    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }

    /// Write a kubeconfig for this server into `dir`; returns its path.
    pub fn kubeconfig(&self, dir: &Path) -> PathBuf {
        let path = dir.join("kubeconfig");
        std::fs::write(
            &path,
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: http://{}\ncontexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\ncurrent-context: fake\nusers:\n- name: fake\n  user:\n    token: scripted\n",
                self.addr
            ),
        )
        .unwrap();
        path
    }
}

fn serve(mut c: TcpStream, state: &Mutex<State>) {
    let _ = c.set_read_timeout(Some(std::time::Duration::from_secs(10)));
    let mut reader = BufReader::new(c.try_clone().unwrap());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0usize;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            if h == "\r\n" || h == "\n" {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        let _ = reader.read_exact(&mut body);
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("").to_string();
        let (status, answer) = answer(state, &method, &target);
        let resp = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{answer}",
            answer.len()
        );
        if c.write_all(resp.as_bytes()).is_err() {
            return;
        }
    }
}

fn answer(state: &Mutex<State>, method: &str, target: &str) -> (u16, String) {
    let mut st = state.lock().unwrap();
    st.requests.push(format!("{method} {target}"));
    let path = target.split('?').next().unwrap_or("");
    let status = |code: u16, msg: &str| {
        (
            code,
            format!(
                r#"{{"kind":"Status","apiVersion":"v1","status":"Failure","message":"{msg}","code":{code}}}"#
            ),
        )
    };
    if method != "GET" {
        return status(405, "read only");
    }
    match path {
        "/version" => {
            return (
                200,
                r#"{"major":"1","minor":"35","gitVersion":"v1.35.0","gitCommit":"","gitTreeState":"","buildDate":"","goVersion":"","compiler":"","platform":"linux/amd64"}"#.into(),
            )
        }
        "/apis" => {
            let groups = if st.crd {
                format!(
                    r#"[{{"name":"{GROUP}","versions":[{{"groupVersion":"{GROUP}/v1alpha1","version":"v1alpha1"}}],"preferredVersion":{{"groupVersion":"{GROUP}/v1alpha1","version":"v1alpha1"}}}}]"#
                )
            } else {
                "[]".into()
            };
            return (
                200,
                format!(r#"{{"kind":"APIGroupList","apiVersion":"v1","groups":{groups}}}"#),
            );
        }
        _ => {}
    }
    let prefix = format!("/apis/{GROUP}/v1alpha1");
    if path == prefix {
        return (
            200,
            format!(
                r#"{{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"{GROUP}/v1alpha1","resources":[
                {{"name":"pactos","singularName":"pacto","namespaced":true,"kind":"Pacto","verbs":["get","list"]}},
                {{"name":"pactos/status","singularName":"","namespaced":true,"kind":"Pacto","verbs":["get"]}},
                {{"name":"pactorevisions","singularName":"pactorevision","namespaced":true,"kind":"PactoRevision","verbs":["get","list"]}}]}}"#
            ),
        );
    }
    let Some(rest) = path.strip_prefix(&prefix) else {
        return status(404, "not found");
    };
    // /pactos or /namespaces/<ns>/pactos
    let segs: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    let (ns, plural) = match segs.as_slice() {
        [plural] => (None, *plural),
        ["namespaces", ns, plural] => (Some(*ns), *plural),
        _ => return status(404, "not found"),
    };
    if !st.crd {
        return status(404, "the server could not find the requested resource");
    }
    if let Some(code) = st.fail_lists {
        return status(code, "injected failure");
    }
    let kind = if plural == "pactos" {
        "PactoList"
    } else {
        "PactoRevisionList"
    };
    let items: Vec<String> = st
        .objects
        .get(plural)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|o| ns.is_none_or(|n| o.contains(&format!(r#""namespace":"{n}""#))))
        .collect();
    (
        200,
        format!(
            r#"{{"kind":"{kind}","apiVersion":"{GROUP}/v1alpha1","metadata":{{"resourceVersion":"7"}},"items":[{}]}}"#,
            items.join(",")
        ),
    )
}
