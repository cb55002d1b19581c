//! The dashboard's HTTP API over a real loopback socket: the demo fleet (`fixtures/demo`), the
//! hostile fixture, security headers, degraded sources, runtime merging, and an OCI source
//! against the real registry of `scripts/test-infra` (`PACTO_TEST_REGISTRY`; skipped with a
//! reason when it is not set, unless `CI` is set).

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use pacto_core::bundle::archive::pack_dir;
use pacto_core::registry::{auth::Anonymous, BundleMeta, Registry, RegistryOptions};
use pacto_dashboard::k8s::{Kubectl, RuntimeInfo, RuntimeSource};
use pacto_dashboard::{Config, Dashboard};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn demo() -> PathBuf {
    repo_root().join("fixtures/demo")
}

fn hostile() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile")
}

struct Server {
    base: String,
    addr: SocketAddr,
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

fn start(d: Arc<Dashboard>) -> Server {
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

fn local_config(dir: &Path) -> Config {
    Config {
        dir: Some(dir.to_path_buf()),
        no_cache: true,
        kubernetes: false,
        refresh: Duration::from_secs(3600),
        ..Config::default()
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .new_agent()
}

struct Got {
    status: u16,
    headers: BTreeMap<String, String>,
    body: String,
}

impl Got {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

fn get(s: &Server, path: &str) -> Got {
    let mut r = agent().get(format!("{}{path}", s.base)).call().unwrap();
    let headers = r
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    Got {
        status: r.status().as_u16(),
        headers,
        body: r.body_mut().read_to_string().unwrap(),
    }
}

fn post(s: &Server, path: &str, headers: &[(&str, &str)], body: &str) -> Got {
    let mut req = agent().post(format!("{}{path}", s.base));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut r = req.send(body.as_bytes()).unwrap();
    Got {
        status: r.status().as_u16(),
        headers: BTreeMap::new(),
        body: r.body_mut().read_to_string().unwrap(),
    }
}

fn ok_json(s: &Server, path: &str) -> Value {
    let g = get(s, path);
    assert_eq!(g.status, 200, "{path}: {}", g.body);
    g.json()
}

/// The demo's services and versions, read from the directory layout.
fn demo_layout() -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(demo()).unwrap().flatten() {
        if e.path().is_dir() {
            let mut versions: Vec<String> = std::fs::read_dir(e.path())
                .unwrap()
                .flatten()
                .filter(|v| v.path().join("pacto.yaml").is_file())
                .map(|v| v.file_name().to_string_lossy().into_owned())
                .collect();
            versions.sort();
            out.insert(e.file_name().to_string_lossy().into_owned(), versions);
        }
    }
    out
}

fn demo_server() -> Server {
    start(Arc::new(Dashboard::detect(local_config(&demo()), None)))
}

/// Services transitively hit when `name` fails, from the graph answer (reverse required edges).
fn blast_from_graph(graph: &Value, name: &str) -> BTreeSet<String> {
    let mut rev: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for n in graph["nodes"].as_array().unwrap() {
        for e in n["edges"].as_array().unwrap() {
            if e["type"] == "dependency" && e["required"] == true {
                rev.entry(e["targetId"].as_str().unwrap().to_string())
                    .or_default()
                    .push(n["id"].as_str().unwrap().to_string());
            }
        }
    }
    let mut seen = BTreeSet::new();
    let mut q = VecDeque::from([name.to_string()]);
    while let Some(x) = q.pop_front() {
        for d in rev.get(&x).cloned().unwrap_or_default() {
            if d != name && seen.insert(d.clone()) {
                q.push_back(d);
            }
        }
    }
    seen
}

#[test]
fn demo_fleet_lists_every_service_with_its_versions() {
    let s = demo_server();
    let layout = demo_layout();
    let list = ok_json(&s, "/api/services");
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        layout.keys().map(String::as_str).collect::<Vec<_>>(),
        "one entry per service, sorted"
    );
    assert!((10..=15).contains(&names.len()));
    for e in list.as_array().unwrap() {
        let name = e["name"].as_str().unwrap();
        assert_eq!(e["versionCount"], layout[name].len(), "{name}");
        assert_eq!(e["source"], "local");
        // The current version is the highest one.
        let versions = ok_json(&s, &format!("/api/services/{name}/versions"));
        assert_eq!(versions[0]["version"], e["version"], "{name}");
        assert_eq!(versions[0]["isCurrent"], true);
    }
    // The one invalid contract needs attention first; nothing is "all clear".
    let o = ok_json(&s, "/api/overview");
    assert_eq!(o["complete"], true);
    assert_eq!(o["allClear"], false);
    assert_eq!(o["attention"][0]["name"], "api-gateway");
    assert_eq!(o["attention"][0]["contractStatus"], "Invalid");
    assert_eq!(o["counts"]["services"], layout.len());
    let h = ok_json(&s, "/health");
    assert_eq!(h["status"], "ok");
    assert_eq!(ok_json(&s, "/metrics")["serviceCount"], layout.len());
}

#[test]
fn detail_shows_interfaces_configuration_dependencies_sbom_and_docs() {
    let s = demo_server();
    let d = ok_json(&s, "/api/services/billing");
    assert_eq!(d["version"], "2.0.0");
    let ops: Vec<String> = d["interfaces"][0]["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            format!(
                "{} {}",
                o["method"].as_str().unwrap(),
                o["path"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        ops.contains(&"POST /payment-intents/{id}/confirm".to_string()),
        "{ops:?}"
    );
    assert!(!ops.iter().any(|o| o.contains("/charges")));
    let props: BTreeMap<String, Value> = d["configurations"][0]["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["key"].as_str().unwrap().to_string(), p.clone()))
        .collect();
    assert_eq!(props["REFUND_WINDOW_DAYS"]["required"], true);
    assert_eq!(props["REFUND_WINDOW_DAYS"]["value"], 30);
    assert_eq!(props["REFUND_WINDOW_DAYS"]["type"], "integer");
    let fraud = d["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["targetName"] == "fraud-check")
        .unwrap();
    assert_eq!(fraud["required"], true);
    assert_eq!(fraud["resolved"], true);
    assert_eq!(fraud["resolvedVersion"], "1.0.0");
    let pkgs: Vec<&str> = d["sbom"]["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(pkgs.contains(&"gateway-sdk"));
    assert_eq!(d["validation"]["valid"], true);
    assert_eq!(d["runtimeEvaluated"], false);
    let dependents: Vec<&str> = d["dependents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(dependents, vec!["api-gateway", "shipments"]);

    // Docs are listed and served rendered, under a script-free sandbox policy.
    let sh = ok_json(&s, "/api/services/shipments");
    assert_eq!(sh["docs"][0]["path"], "docs/runbook.md");
    let page = get(&s, "/api/services/shipments/docs?path=docs/runbook.md");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<h1"), "{}", page.body);
    let csp = &page.headers["content-security-policy"];
    assert!(
        csp.contains("sandbox") && !csp.contains("script-src"),
        "{csp}"
    );
    assert_eq!(
        get(&s, "/api/services/shipments/docs?path=pacto.yaml").status,
        422
    );

    // A historical version, and the invalid contract's diagnostics.
    let old = ok_json(&s, "/api/services/billing/versions/1.0.0");
    assert_eq!(old["isCurrent"], false);
    assert!(old["interfaces"][0]["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["path"] == "/charges"));
    let gw = ok_json(&s, "/api/services/api-gateway");
    assert_eq!(gw["validation"]["valid"], false);
    assert_eq!(
        gw["validation"]["errors"][0]["code"],
        "CONFIG_VALUES_VALIDATION_FAILED"
    );
    assert_eq!(get(&s, "/api/services/nope").status, 404);
    assert_eq!(get(&s, "/api/services/billing/versions/9.9.9").status, 404);
    let p = get(&s, "/api/services/nope");
    assert!(p.headers["content-type"].starts_with("application/problem+json"));
}

#[test]
fn versions_and_diffs_are_classified_by_the_core_diff() {
    let s = demo_server();
    let versions = ok_json(&s, "/api/services/billing/versions");
    let got: Vec<(String, Value)> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_str().unwrap().to_string(),
                v["classification"].clone(),
            )
        })
        .collect();
    // The expected classifications, straight from the core on the directories.
    let classify = |a: &str, b: &str| {
        let old = pacto_core::graph::load_local(demo().join("billing").join(a).to_str().unwrap())
            .unwrap();
        let new = pacto_core::graph::load_local(demo().join("billing").join(b).to_str().unwrap())
            .unwrap();
        pacto_core::diff::compare(&old.side(), &new.side())
            .unwrap()
            .classification
            .as_str()
            .to_string()
    };
    assert_eq!(
        got,
        vec![
            ("2.0.0".to_string(), json!(classify("1.1.0", "2.0.0"))),
            ("1.1.0".to_string(), json!(classify("1.0.0", "1.1.0"))),
            ("1.0.0".to_string(), Value::Null),
        ]
    );
    assert_eq!(got[0].1, "BREAKING");
    let d = ok_json(
        &s,
        "/api/diff?from_name=billing&from_version=1.1.0&to_name=billing&to_version=2.0.0",
    );
    assert_eq!(d["classification"], "BREAKING");
    let changes = d["changes"].as_array().unwrap();
    assert!(changes
        .iter()
        .any(|c| c["path"] == "openapi.paths[/charges]"
            && c["type"] == "removed"
            && c["classification"] == "BREAKING"));
    assert!(d["sbomDiff"]["changes"].as_array().unwrap().len() >= 2);
    let nb = ok_json(
        &s,
        "/api/diff?from_name=shipments&from_version=1.0.0&to_version=1.1.0",
    );
    assert_eq!(nb["classification"], "NON_BREAKING");
    // Cross-service compare (defaults to current versions).
    let x = ok_json(&s, "/api/diff?from_name=ledger-db&to_name=tracking-db");
    assert_eq!(x["from"]["name"], "ledger-db");
    assert!(x["changes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["path"] == "service.name"));
    assert_eq!(
        get(&s, "/api/diff?from_name=billing&from_version=0.0.1").status,
        404
    );
}

#[test]
fn graph_has_one_node_per_service_and_blast_radius() {
    let s = demo_server();
    let graph = ok_json(&s, "/api/graph");
    let layout = demo_layout();
    let nodes = graph["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), layout.len(), "every demo dependency resolves");
    let list = ok_json(&s, "/api/services");
    for n in nodes {
        let name = n["id"].as_str().unwrap();
        // One edge per dependency of the current contract.
        let current = list
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .unwrap()["version"]
            .as_str()
            .unwrap()
            .to_string();
        let loaded =
            pacto_core::graph::load_local(demo().join(name).join(&current).to_str().unwrap())
                .unwrap();
        assert_eq!(
            n["edges"].as_array().unwrap().len(),
            loaded.contract.dependencies.len(),
            "{name}"
        );
        // Blast radius matches a BFS over the graph answer.
        assert_eq!(
            n["blastRadius"],
            blast_from_graph(&graph, name).len(),
            "{name}"
        );
    }
    let ss = blast_from_graph(&graph, "session-store");
    assert_eq!(
        ss.into_iter().collect::<Vec<_>>(),
        vec![
            "api-gateway",
            "billing",
            "fraud-check",
            "identity",
            "shipments",
            "web-portal"
        ]
    );
    // The per-service tree resolves through the core resolver against the fleet.
    let tree = ok_json(&s, "/api/services/web-portal/graph");
    assert_eq!(tree["root"]["name"], "web-portal");
    let gw = &tree["root"]["dependencies"][0]["node"];
    assert_eq!(gw["name"], "api-gateway");
    assert_eq!(gw["version"], "1.1.0", "^1.0.0 picks the highest 1.x");
    let owners = ok_json(&s, "/api/owners");
    assert!(owners
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["owner"] == "finance" && o["services"][0]["name"] == "billing"));
}

#[test]
fn openapi_document_describes_every_route() {
    let s = demo_server();
    let doc = ok_json(&s, "/api/openapi.json");
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 16);
    for (p, item) in paths {
        let url = p.replace("{name}", "billing").replace("{version}", "1.0.0");
        if item.get("get").is_some() {
            let url = match p.as_str() {
                "/api/diff" => "/api/diff?from_name=billing".to_string(),
                "/api/services/{name}/docs" => {
                    "/api/services/shipments/docs?path=docs/runbook.md".to_string()
                }
                _ => url.clone(),
            };
            let g = get(&s, &url);
            assert_eq!(g.status, 200, "GET {url}: {}", g.body);
        }
        if item.get("post").is_some() {
            let body = if p == "/api/versions" {
                r#"{"name":"billing"}"#
            } else {
                "{}"
            };
            let g = post(&s, &url, &[("content-type", "application/json")], body);
            // /api/versions answers 422 for a local-only service: routed and described.
            assert!(
                g.status == 200 || g.status == 422,
                "POST {url}: {} {}",
                g.status,
                g.body
            );
        }
    }
}

fn raw(addr: SocketAddr, request: &str) -> String {
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    c.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    let _ = c.read_to_string(&mut out);
    out
}

#[test]
fn security_headers_read_only_and_same_origin() {
    let s = demo_server();
    for path in [
        "/",
        "/ui/app.js",
        "/api/services",
        "/api/services/nope",
        "/nope",
    ] {
        let g = get(&s, path);
        let csp = g
            .headers
            .get("content-security-policy")
            .unwrap_or_else(|| panic!("{path}: no CSP"));
        let script = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src"))
            .unwrap();
        assert_eq!(script, "script-src 'self'", "{path}");
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
        assert_eq!(g.headers["x-content-type-options"], "nosniff");
    }
    let index = get(&s, "/").body;
    assert!(index.contains("<script type=\"module\" src=\"/ui/app.js\">"));
    assert!(!index.contains("<script>"), "no inline script");
    assert_eq!(
        get(&s, "/ui/d3.min.js").headers["content-type"],
        "text/javascript; charset=utf-8"
    );

    // Read-only: other methods are refused.
    for m in ["PUT", "DELETE", "PATCH"] {
        let r = raw(s.addr, &format!("{m} /api/services HTTP/1.1\r\nHost: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", s.addr));
        assert!(r.starts_with("HTTP/1.1 405"), "{m}: {r}");
    }
    // POSTs: same-origin JSON only.
    let json_ct = ("content-type", "application/json");
    assert_eq!(post(&s, "/api/refresh", &[json_ct], "{}").status, 200);
    assert_eq!(
        post(&s, "/api/refresh", &[("content-type", "text/plain")], "{}").status,
        403
    );
    assert_eq!(
        post(
            &s,
            "/api/refresh",
            &[("content-type", "application/x-www-form-urlencoded")],
            "a=b"
        )
        .status,
        403
    );
    assert_eq!(
        post(
            &s,
            "/api/refresh",
            &[json_ct, ("origin", "http://evil.example")],
            "{}"
        )
        .status,
        403
    );
    assert_eq!(
        post(
            &s,
            "/api/refresh",
            &[json_ct, ("sec-fetch-site", "cross-site")],
            "{}"
        )
        .status,
        403
    );
    let same = format!("http://{}", s.addr);
    assert_eq!(
        post(
            &s,
            "/api/refresh",
            &[json_ct, ("origin", same.as_str())],
            "{}"
        )
        .status,
        200
    );
    // No CORS grant.
    let g = get(&s, "/api/services");
    assert!(!g.headers.contains_key("access-control-allow-origin"));
    // DNS rebinding: a loopback server answers loopback Host names only.
    let r = raw(
        s.addr,
        "GET /api/services HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
    );
    assert!(r.starts_with("HTTP/1.1 421"), "{r}");
    let r = raw(
        s.addr,
        &format!(
            "GET /health HTTP/1.1\r\nHost: localhost:{}\r\nConnection: close\r\n\r\n",
            s.addr.port()
        ),
    );
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
}

#[test]
fn hostile_contract_text_stays_text() {
    let s = start(Arc::new(Dashboard::detect(local_config(&hostile()), None)));
    let list = ok_json(&s, "/api/services");
    let evil = list
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"].as_str().unwrap().contains("<script>"))
        .unwrap()["name"]
        .as_str()
        .unwrap()
        .to_string();
    // Names with `/` and `<` round-trip through the path.
    let enc: String = evil
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let d = ok_json(&s, &format!("/api/services/{enc}"));
    assert_eq!(d["name"], evil);
    assert_eq!(
        d["validation"]["valid"], false,
        "the name is not a valid service name"
    );
    // The rendered docs keep no script, no event handler, no javascript: link.
    let page = get(&s, &format!("/api/services/{enc}/docs?path=docs/readme.md"));
    assert_eq!(page.status, 200, "{}", page.body);
    let body = page.body.to_ascii_lowercase();
    assert!(!body.contains("<script"), "{body}");
    assert!(!body.contains("<img"), "{body}");
    assert!(!body.contains("href=\"javascript:"), "{body}");
    assert!(body.contains("&lt;script&gt;"), "shown as text: {body}");
    assert!(page.headers["content-security-policy"].contains("sandbox"));
    // The UI builds its DOM from text only.
    for f in ["app.js", "dom.js", "pages.js", "graph.js"] {
        let js = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ui").join(f))
            .unwrap();
        for sink in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "new Function",
        ] {
            assert!(!js.contains(sink), "{f} uses {sink}");
        }
    }
}

#[test]
fn the_vendored_d3_is_the_pinned_npm_release() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lock: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("e2e/package-lock.json")).unwrap())
            .unwrap();
    let version = lock["packages"]["node_modules/d3"]["version"]
        .as_str()
        .unwrap();
    let vendored = std::fs::read_to_string(root.join("ui/vendor/d3.min.js")).unwrap();
    assert!(
        vendored.starts_with(&format!("// https://d3js.org v{version} ")),
        "banner names {version}"
    );
    assert!(root.join("ui/vendor/d3.LICENSE").is_file());
    // Byte for byte, when the npm packages are installed (scripts/test-infra).
    match std::env::var("PACTO_TEST_DASHBOARD_NPM") {
        Ok(nm) if !nm.is_empty() => {
            let installed = std::fs::read(Path::new(&nm).join("d3/dist/d3.min.js")).unwrap();
            assert!(installed == vendored.as_bytes(), "ui/vendor/d3.min.js differs from npm d3@{version}");
        }
        _ if std::env::var_os("CI").is_some() => panic!("PACTO_TEST_DASHBOARD_NPM is not set"),
        _ => eprintln!("skipping the byte comparison: PACTO_TEST_DASHBOARD_NPM is not set (scripts/test-infra start)"),
    }
}

#[test]
fn failing_sources_are_degraded_and_never_all_clear() {
    // A registry that refuses connections, next to a working local source.
    let cfg = Config {
        repos: vec!["oci://127.0.0.1:9/nothing/here".into()],
        ..local_config(&demo())
    };
    let reg = Arc::new(Registry::new(
        RegistryOptions {
            no_cache: true,
            ..RegistryOptions::default()
        },
        Arc::new(Anonymous),
    ));
    let s = start(Arc::new(Dashboard::detect(cfg, Some(reg))));
    let src = ok_json(&s, "/api/sources");
    let oci = src["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["type"] == "oci")
        .unwrap();
    assert_eq!(oci["state"], "degraded");
    assert!(
        oci["reason"].as_str().unwrap().contains("127.0.0.1:9"),
        "{oci}"
    );
    let o = ok_json(&s, "/api/overview");
    assert_eq!(o["complete"], false);
    assert_eq!(o["allClear"], false);
    assert!(o["limitations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l.as_str().unwrap().contains("oci")));
    assert_eq!(
        o["counts"]["services"],
        demo_layout().len(),
        "the local source keeps working"
    );

    // A broken bundle degrades its source but the rest is served.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("ok")).unwrap();
    std::fs::write(
        tmp.path().join("ok/pacto.yaml"),
        "pactoVersion: \"1.0\"\nservice:\n  name: ok\n  version: 1.0.0\n",
    )
    .unwrap();
    std::fs::create_dir_all(tmp.path().join("broken")).unwrap();
    std::fs::write(tmp.path().join("broken/pacto.yaml"), "service: [unclosed\n").unwrap();
    let s = start(Arc::new(Dashboard::detect(local_config(tmp.path()), None)));
    let o = ok_json(&s, "/api/overview");
    assert_eq!(o["counts"]["services"], 1);
    assert_eq!(o["sources"][0]["state"], "degraded");
    assert!(o["sources"][0]["problems"][0]
        .as_str()
        .unwrap()
        .contains("broken"));
    assert_eq!(o["allClear"], false);

    // An empty snapshot (a runtime source that sees nothing) is not an all-clear.
    struct Empty;
    impl RuntimeSource for Empty {
        fn describe(&self) -> String {
            "empty".into()
        }
        fn snapshot(&self) -> Result<Vec<RuntimeInfo>, String> {
            Ok(Vec::new())
        }
    }
    let empty = tempfile::tempdir().unwrap();
    let d = Dashboard::with_runtime(local_config(empty.path()), None, Some(Arc::new(Empty)));
    assert!(d.has_sources());
    let s = start(Arc::new(d));
    let o = ok_json(&s, "/api/overview");
    assert_eq!(o["counts"]["services"], 0);
    assert_eq!(o["allClear"], false);
    assert_eq!(o["complete"], false);
    // And nothing at all is no source.
    assert!(!Dashboard::detect(local_config(empty.path()), None).has_sources());
}

fn runtime_info(name: &str, status: &str) -> RuntimeInfo {
    RuntimeInfo {
        name: name.into(),
        namespace: "shop".into(),
        resource: name.into(),
        contract_status: status.into(),
        version: "2.0.0".into(),
        resolved_ref: String::new(),
        current_revision: String::new(),
        last_reconciled_at: String::new(),
        version_policy: "pinned-tag".into(),
        summary: json!({"total": 3, "passed": 2, "failed": 1}),
        conditions: vec![
            json!({"type": "ServiceExists", "status": "True", "reason": "Found"}),
            json!({"type": "WorkloadExists", "status": "True", "reason": "Found"}),
            json!({"type": "UpgradeStrategyMatch", "status": "False", "reason": "Mismatch", "message": "recreate vs RollingUpdate"}),
        ],
        endpoints: vec![],
        resources: Value::Null,
        ports: Value::Null,
        observed_runtime: json!({"workloadKind": "Deployment", "hasPVC": false}),
        declared_runtime: Value::Null,
        revisions: vec!["2.0.0".into(), "1.1.0".into()],
    }
}

#[test]
fn kubernetes_runtime_enriches_but_never_replaces_contracts() {
    struct Fake;
    impl RuntimeSource for Fake {
        fn describe(&self) -> String {
            "fake cluster".into()
        }
        fn snapshot(&self) -> Result<Vec<RuntimeInfo>, String> {
            Ok(vec![
                runtime_info("billing", "Warning"),
                runtime_info("legacy-batch", "Compliant"),
            ])
        }
    }
    let d = Dashboard::with_runtime(local_config(&demo()), None, Some(Arc::new(Fake)));
    let s = start(Arc::new(d));
    let b = ok_json(&s, "/api/services/billing");
    assert_eq!(b["contractStatus"], "Warning", "status from k8s");
    assert_eq!(b["version"], "2.0.0");
    assert_eq!(
        b["interfaces"][0]["name"], "http",
        "content from the local source"
    );
    assert_eq!(b["sources"], json!(["local", "k8s"]));
    assert_eq!(b["compliance"]["status"], "WARNING");
    assert_eq!(b["compliance"]["score"], 67);
    let diff = b["runtimeDiff"].as_array().unwrap();
    assert_eq!(diff[0]["status"], "match", "service → Deployment");
    assert_eq!(diff[1]["status"], "mismatch", "stateful without a PVC");
    let legacy = ok_json(&s, "/api/services/legacy-batch");
    assert_eq!(legacy["sources"], json!(["k8s"]));
    assert_eq!(
        legacy["interfaces"],
        Value::Null,
        "no contract content from Kubernetes"
    );
    assert_eq!(
        get(&s, "/api/services/legacy-batch/versions/1.1.0").status,
        422
    );

    // A cluster that cannot be read is degraded; contracts are still served.
    struct Down;
    impl RuntimeSource for Down {
        fn describe(&self) -> String {
            "down".into()
        }
        fn snapshot(&self) -> Result<Vec<RuntimeInfo>, String> {
            Err("connection refused".into())
        }
    }
    let s = start(Arc::new(Dashboard::with_runtime(
        local_config(&demo()),
        None,
        Some(Arc::new(Down)),
    )));
    let o = ok_json(&s, "/api/overview");
    let k = o["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["type"] == "k8s")
        .unwrap();
    assert_eq!(k["state"], "degraded");
    assert_eq!(k["reason"], "connection refused");
    assert_eq!(o["counts"]["services"], demo_layout().len());
}

#[cfg(unix)]
#[test]
fn kubectl_source_reads_pactos_and_revisions() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("kubectl");
    std::fs::write(
        &script,
        r#"#!/bin/sh
# A stand-in for kubectl: records its arguments, answers like the API server.
echo "$@" >> "$(dirname "$0")/calls"
case "$2" in
  pactos.pacto.trianalab.io) cat <<'EOF'
{"items":[{"metadata":{"name":"billing","namespace":"shop"},"status":{"contractStatus":"NonCompliant","contractVersion":"2.0.0","contract":{"serviceName":"billing","resolvedRef":"reg.example/billing:2.0.0"},"conditions":[{"type":"ImageMatch","status":"False","reason":"Mismatch"}]}}]}
EOF
  ;;
  pactorevisions.pacto.trianalab.io) echo '{"items":[{"spec":{"serviceName":"billing","version":"1.0.0"}}]}' ;;
  *) echo "unknown resource" >&2; exit 1 ;;
esac
"#,
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let k = Kubectl {
        program: script.clone(),
        namespace: "shop".into(),
        timeout: Duration::from_secs(5),
    };
    let got = k.snapshot().unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].contract_status, "NonCompliant");
    assert_eq!(got[0].revisions, vec!["1.0.0"]);
    let calls = std::fs::read_to_string(tmp.path().join("calls")).unwrap();
    assert!(
        calls.contains("get pactos.pacto.trianalab.io -o json -n shop"),
        "{calls}"
    );
    // A failing kubectl gives its message as the reason.
    std::fs::write(
        &script,
        "#!/bin/sh\necho 'error: You must be logged in to the server (Unauthorized)' >&2\nexit 1\n",
    )
    .unwrap();
    let e = k.snapshot().unwrap_err();
    assert!(e.contains("Unauthorized"), "{e}");
    // A hanging kubectl is cut off.
    std::fs::write(&script, "#!/bin/sh\nexec sleep 30\n").unwrap();
    let k = Kubectl {
        program: script,
        namespace: String::new(),
        timeout: Duration::from_secs(1),
    };
    let t = std::time::Instant::now();
    assert!(k.snapshot().unwrap_err().contains("timed out"));
    assert!(t.elapsed() < Duration::from_secs(10));
}

fn registry_or_skip(test: &str) -> Option<String> {
    match std::env::var("PACTO_TEST_REGISTRY") {
        Ok(v) if !v.is_empty() => Some(v),
        _ if std::env::var_os("CI").is_some() => panic!("PACTO_TEST_REGISTRY is not set"),
        _ => {
            eprintln!("skipping {test}: PACTO_TEST_REGISTRY is not set (run `eval \"$(scripts/test-infra start)\"`)");
            None
        }
    }
}

#[test]
fn oci_source_against_a_real_registry_lists_lazily_and_fetches_on_demand() {
    let Some(reg) = registry_or_skip("oci_source_against_a_real_registry") else {
        return;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let prefix = format!(
        "{reg}/pacto-dashboard-test/{}-{}",
        std::process::id(),
        nanos % 1_000_000_000
    );
    let cache = tempfile::tempdir().unwrap();
    let registry = Arc::new(Registry::new(
        RegistryOptions {
            cache_dir: Some(cache.path().to_path_buf()),
            ..RegistryOptions::default()
        },
        Arc::new(Anonymous),
    ));
    // Push every demo bundle as <prefix>/<service>:<version>.
    let layout = demo_layout();
    let mut repos = Vec::new();
    for (svc, versions) in &layout {
        for v in versions {
            let dir = demo().join(svc).join(v);
            let packed = pack_dir(&dir).unwrap();
            let meta = BundleMeta {
                name: svc.clone(),
                version: v.clone(),
                pacto_version: "1.0".into(),
            };
            registry
                .push(&format!("{prefix}/{svc}:{v}"), &packed, &meta, false)
                .unwrap();
        }
        repos.push(format!("oci://{prefix}/{svc}"));
    }
    registry.forget();
    let empty = tempfile::tempdir().unwrap();
    let cfg = Config {
        repos: repos.clone(),
        cache_dir: Some(cache.path().to_path_buf()),
        ..local_config(empty.path())
    };
    let s = start(Arc::new(Dashboard::detect(cfg, Some(registry.clone()))));
    let list = ok_json(&s, "/api/services");
    assert_eq!(list.as_array().unwrap().len(), layout.len());
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["source"] == "oci"));
    // Only the latest version is pulled at first.
    let v = ok_json(&s, "/api/services/billing/versions");
    let fetched: Vec<bool> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["fetched"].as_bool().unwrap())
        .collect();
    assert_eq!(fetched, vec![true, false, false]);
    assert_eq!(v[0]["ref"], format!("oci://{prefix}/billing:2.0.0"));
    assert_eq!(
        v[0]["classification"],
        Value::Null,
        "not comparable before the older one is fetched"
    );
    // Older versions and diffs load on demand.
    let old = ok_json(&s, "/api/services/billing/versions/1.0.0");
    assert_eq!(old["version"], "1.0.0");
    assert_eq!(old["source"], "oci");
    let d = ok_json(
        &s,
        "/api/diff?from_name=billing&from_version=1.1.0&to_version=2.0.0",
    );
    assert_eq!(d["classification"], "BREAKING");
    assert_eq!(d["from"]["source"], "oci");
    // "Fetch all versions": every tag is pulled and classified.
    let g = post(
        &s,
        "/api/versions",
        &[("content-type", "application/json")],
        r#"{"name":"shipments"}"#,
    );
    assert_eq!(g.status, 200, "{}", g.body);
    let r = g.json();
    assert_eq!(r["fetched"], 3);
    let cls: Vec<Value> = r["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["classification"].clone())
        .collect();
    assert_eq!(
        cls,
        vec![
            json!("POTENTIAL_BREAKING"),
            json!("NON_BREAKING"),
            Value::Null
        ]
    );
    // The graph is the same as from the directories.
    assert_eq!(
        ok_json(&s, "/api/graph")["nodes"].as_array().unwrap().len(),
        layout.len()
    );
    drop(s);

    // The disk cache alone (offline) serves what was pulled.
    let cfg = Config {
        cache_dir: Some(cache.path().to_path_buf()),
        no_cache: false,
        ..local_config(empty.path())
    };
    let d = Dashboard::detect(cfg, None);
    assert!(d
        .detected()
        .iter()
        .any(|x| x.kind.as_str() == "cache" && x.enabled));
    let s = start(Arc::new(d));
    let list = ok_json(&s, "/api/services");
    let names: BTreeSet<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert!(names.contains("billing") && names.contains("shipments"));
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["source"] == "cache"));
    let v = ok_json(&s, "/api/services/shipments/versions");
    assert_eq!(v.as_array().unwrap().len(), 3, "every cached tag");
}

#[test]
fn large_answers_are_served_gzip_when_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    for i in 0..60 {
        let d = tmp.path().join(format!("svc-{i:02}"));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join("pacto.yaml"),
            format!("pactoVersion: \"1.0\"\nservice:\n  name: svc-{i:02}\n  version: 1.0.0\n  owner: team/t{i}\n"),
        )
        .unwrap();
    }
    let s = start(Arc::new(Dashboard::detect(local_config(tmp.path()), None)));
    let plain = get(&s, "/api/services");
    assert!(!plain.headers.contains_key("content-encoding"));
    let mut r = agent()
        .get(format!("{}/api/services", s.base))
        .header("accept-encoding", "gzip, deflate")
        .call()
        .unwrap();
    assert_eq!(r.headers().get("content-encoding").unwrap(), "gzip");
    assert_eq!(r.headers().get("vary").unwrap(), "Accept-Encoding");
    let gz = r.body_mut().read_to_vec().unwrap();
    assert!(
        gz.len() * 3 < plain.body.len(),
        "{} vs {}",
        gz.len(),
        plain.body.len()
    );
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, plain.body);
}
