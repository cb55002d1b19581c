//! The dashboard's HTTP API over a real loopback socket: the demo fleet (`fixtures/demo`), the
//! hostile fixture, security headers, degraded sources, runtime merging, and an OCI source
//! against the real registry of `scripts/test-infra` (`PACTO_TEST_REGISTRY`; skipped with a
//! reason when it is not set, unless `CI` is set).

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

#[path = "support/registry.rs"]
mod registry;
#[path = "support/server.rs"]
mod server;

use pacto_core::bundle::archive::pack_dir;
use pacto_core::registry::{auth::Anonymous, BundleMeta, Registry, RegistryOptions};
use pacto_dashboard::k8s::{RuntimeInfo, RuntimeSource};
use pacto_dashboard::{Config, Dashboard};
use registry::{anonymous_registry, registry_or_skip, unique_prefix};
use serde_json::{json, Value};
use server::{agent, start, Server};
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

fn local_config(dir: &Path) -> Config {
    Config {
        dir: Some(dir.to_path_buf()),
        no_cache: true,
        kubernetes: false,
        refresh: Duration::from_secs(3600),
        ..Config::default()
    }
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
        let deps = n["edges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "dependency")
            .count();
        assert_eq!(deps, loaded.contract.dependencies.len(), "{name}");
        // Blast radius matches a BFS over the graph answer.
        assert_eq!(
            n["blastRadius"],
            blast_from_graph(&graph, name).len(),
            "{name}"
        );
    }
    // Configuration refs are reference edges (never required, so outside the blast radius).
    let rp = nodes.iter().find(|n| n["id"] == "route-planner").unwrap();
    let refs: Vec<&Value> = rp["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "reference")
        .collect();
    assert_eq!(refs.len(), 1);
    assert_eq!(refs[0]["targetId"], "identity");
    assert_eq!(refs[0]["refType"], "config");
    assert_eq!(refs[0]["required"], false);
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
    let s = start(Arc::new(Dashboard::detect(
        Config {
            diagnostics: true,
            ..local_config(&demo())
        },
        None,
    )));
    let doc = ok_json(&s, "/api/openapi.json");
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 30);
    for (p, item) in paths {
        let url = p.replace("{name}", "billing").replace("{version}", "1.0.0");
        if item.get("get").is_some() {
            let url = match p.as_str() {
                "/api/diff" => "/api/diff?from_name=billing".to_string(),
                "/api/fleet/service" => "/api/fleet/service?key=billing".to_string(),
                "/api/fleet/impact" => {
                    "/api/fleet/impact?old=billing@1.1.0&new=billing@2.0.0".to_string()
                }
                "/api/fleet/entities/{kind}" => {
                    "/api/fleet/entities/service?key=billing".to_string()
                }
                "/api/fleet/neighborhood" => "/api/fleet/neighborhood?key=billing".to_string(),
                "/api/fleet/revisions/document" => {
                    let e = ok_json(&s, "/api/fleet/entities?kinds=revision&text=billing@1.1.0");
                    let key = e["entities"][0]["key"]
                        .as_str()
                        .unwrap()
                        .replace('@', "%40")
                        .replace(':', "%3A");
                    format!("/api/fleet/revisions/document?key={key}")
                }
                "/api/fleet/target" => {
                    // No runtime source here: a well-formed key is simply not found.
                    let g = get(&s, "/api/fleet/target?key=shop/Pacto/billing");
                    assert_eq!(g.status, 404, "{}", g.body);
                    continue;
                }
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
            // /api/versions answers 422 for a local-only service, /api/resolve for a body
            // without a ref: routed and described.
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
    for f in [
        "app.js",
        "dom.js",
        "pages.js",
        "graph.js",
        "change.js",
        "palette.js",
    ] {
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
        ..RuntimeInfo::default()
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

#[test]
fn oci_source_against_a_real_registry_lists_lazily_and_fetches_on_demand() {
    let Some(reg) = registry_or_skip("oci_source_against_a_real_registry") else {
        return;
    };
    let prefix = unique_prefix(&reg, "pacto-dashboard-test");
    let cache = tempfile::tempdir().unwrap();
    let registry = anonymous_registry(cache.path());
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

#[test]
fn section_meta_says_what_each_section_holds_and_where_it_comes_from() {
    let s = demo_server();
    let ids = [
        "interfaces",
        "configurations",
        "policies",
        "capabilities",
        "dependencies",
        "readiness",
        "docs",
        "sbom",
        "runtime",
        "validation",
        "observedRuntime",
        "runtimeDiff",
        "resources",
        "ports",
        "endpoints",
        "conditions",
    ];
    let rp = ok_json(&s, "/api/services/route-planner");
    let meta = rp["sectionMeta"].as_object().unwrap();
    assert_eq!(meta.len(), ids.len());
    for id in ids {
        assert!(
            ["present", "empty", "not_applicable", "unavailable"]
                .contains(&meta[id]["state"].as_str().unwrap()),
            "{id}: {}",
            meta[id]
        );
    }
    for id in [
        "interfaces",
        "configurations",
        "dependencies",
        "readiness",
        "docs",
    ] {
        assert_eq!(meta[id]["state"], "present", "{id}");
        assert_eq!(meta[id]["source"], "local", "{id}");
    }
    assert_eq!(meta["policies"]["state"], "empty");
    assert_eq!(meta["capabilities"]["state"], "not_applicable");
    // Without a runtime source every runtime section is unavailable, and says why.
    for id in ["observedRuntime", "conditions", "endpoints"] {
        assert_eq!(meta[id]["state"], "unavailable", "{id}");
        assert!(meta[id]["reason"].as_str().unwrap().contains("runtime"));
    }
    // A 1.0 contract cannot declare readiness at all; an older version is judged by itself.
    let billing = ok_json(&s, "/api/services/billing");
    assert_eq!(
        billing["sectionMeta"]["readiness"]["state"],
        "not_applicable"
    );
    let old = ok_json(&s, "/api/services/route-planner/versions/1.0.0");
    assert_eq!(old["sectionMeta"]["readiness"]["state"], "not_applicable");
    assert_eq!(old["sectionMeta"]["configurations"]["state"], "empty");
    assert_eq!(old["readiness"], Value::Null);
}

#[test]
fn readiness_is_evaluated_and_one_service_is_below_its_gate() {
    let s = demo_server();
    let list = ok_json(&s, "/api/services");
    let with: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| !e["readiness"].is_null())
        .collect();
    assert_eq!(with.len(), 1, "only route-planner 1.0.1 declares readiness");
    let r = &with[0]["readiness"];
    assert_eq!(with[0]["name"], "route-planner");
    assert_eq!(with[0]["version"], "1.0.1");
    // done 20 + done 20 + partial 20×0.5 + not-done 30 = 50 of 90 (deferred 10 left out).
    assert_eq!(r["totalWeight"], 90);
    assert_eq!(r["earnedWeight"], 50);
    assert_eq!(r["score"], 56);
    assert_eq!(r["minScore"], 80);
    assert_eq!(r["passing"], false);
    assert_eq!(r["gate"], "BelowMinScore");
    assert_eq!(r["expired"], false);
    assert_eq!(
        (
            &r["doneCount"],
            &r["partialCount"],
            &r["notDoneCount"],
            &r["deferredCount"]
        ),
        (&json!(2), &json!(1), &json!(1), &json!(1))
    );
    let checks = r["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 5);
    let runbook = checks.iter().find(|c| c["id"] == "runbook").unwrap();
    assert_eq!(
        runbook["docPath"], "docs/runbook.md",
        "evidence in the bundle"
    );
    let dash = checks.iter().find(|c| c["id"] == "dashboards").unwrap();
    assert_eq!(dash["docPath"], Value::Null, "a URL is not a bundle page");
    let deferred = checks.iter().find(|c| c["id"] == "multi-region").unwrap();
    assert_eq!(deferred["excluded"], true);
    // The detail carries the same evaluation; the evidence page is served.
    let d = ok_json(&s, "/api/services/route-planner");
    assert_eq!(d["readiness"], *r);
    assert_eq!(
        get(&s, "/api/services/route-planner/docs?path=docs/runbook.md").status,
        200
    );
    // The new version validates and is a non-breaking patch of 1.0.0.
    assert_eq!(d["validation"]["valid"], true, "{}", d["validation"]);
    let diff = ok_json(
        &s,
        "/api/diff?from_name=route-planner&from_version=1.0.0&to_version=1.0.1",
    );
    assert_eq!(diff["classification"], "NON_BREAKING");
}

#[test]
fn per_source_breakdown_and_cross_references() {
    let s = demo_server();
    let agg = ok_json(&s, "/api/services/billing/sources");
    assert_eq!(agg["name"], "billing");
    let sources = agg["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 1);
    assert_eq!(sources[0]["sourceType"], "local");
    assert_eq!(sources[0]["service"]["version"], "2.0.0");
    assert_eq!(sources[0]["service"]["versionCount"], 3);
    let text = std::fs::read(demo().join("billing/2.0.0/pacto.yaml")).unwrap();
    let hash = pacto_core::registry::cache::sha256_hex(&text);
    assert_eq!(sources[0]["service"]["contractHash"], hash);
    assert_eq!(agg["merged"]["name"], "billing");
    assert_eq!(agg["merged"]["blastRadius"], 3);
    // With a runtime source, Kubernetes appears as a source of its own.
    struct One;
    impl RuntimeSource for One {
        fn describe(&self) -> String {
            "one".into()
        }
        fn snapshot(&self) -> Result<Vec<RuntimeInfo>, String> {
            Ok(vec![runtime_info("billing", "Warning")])
        }
    }
    let k = start(Arc::new(Dashboard::with_runtime(
        local_config(&demo()),
        None,
        Some(Arc::new(One)),
    )));
    let agg = ok_json(&k, "/api/services/billing/sources");
    let types: Vec<&str> = agg["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["sourceType"].as_str().unwrap())
        .collect();
    assert_eq!(types, vec!["local", "k8s"]);
    assert_eq!(agg["sources"][1]["service"]["namespace"], "shop");
    assert_eq!(agg["sources"][1]["service"]["contractStatus"], "Warning");
    assert_eq!(agg["merged"]["contractStatus"], "Warning");
    let meta = &ok_json(&k, "/api/services/billing")["sectionMeta"];
    assert_eq!(meta["conditions"]["state"], "present");
    assert_eq!(meta["conditions"]["source"], "k8s");
    assert_eq!(meta["endpoints"]["state"], "empty");
    assert_eq!(meta["runtimeDiff"]["state"], "present");
    let ship = &ok_json(&k, "/api/services/shipments")["sectionMeta"];
    assert_eq!(ship["conditions"]["state"], "unavailable");
    assert!(ship["conditions"]["reason"]
        .as_str()
        .unwrap()
        .contains("no Pacto resource"));

    // Cross-references, both ways.
    let r = ok_json(&s, "/api/services/route-planner/refs");
    assert_eq!(
        r["references"],
        json!([{"name": "identity", "refType": "config", "ref": "oci://ghcr.io/northwind/identity",
            "contractStatus": "NotEvaluated", "resolved": true}])
    );
    assert_eq!(r["referencedBy"], json!([]));
    let i = ok_json(&s, "/api/services/identity/refs");
    assert_eq!(i["references"], json!([]));
    assert_eq!(
        i["referencedBy"],
        json!([{"name": "route-planner", "refType": "config", "ref": "oci://ghcr.io/northwind/identity",
            "contractStatus": "NotEvaluated"}])
    );
    assert_eq!(get(&s, "/api/services/nope/refs").status, 404);
    assert_eq!(get(&s, "/api/services/nope/sources").status, 404);
}

#[test]
fn diagnostics_only_with_the_flag() {
    let s = demo_server();
    assert_eq!(get(&s, "/api/debug/sources").status, 404);
    assert_eq!(get(&s, "/api/debug/services").status, 404);
    assert_eq!(ok_json(&s, "/api/capabilities")["diagnostics"], false);
    let d = start(Arc::new(Dashboard::detect(
        Config {
            diagnostics: true,
            ..local_config(&demo())
        },
        None,
    )));
    let dbg = ok_json(&d, "/api/debug/sources");
    let detected = dbg["detected"].as_array().unwrap();
    assert!(detected
        .iter()
        .any(|x| x["type"] == "local" && x["enabled"] == true));
    assert!(detected
        .iter()
        .any(|x| x["type"] == "oci" && x["enabled"] == false));
    assert_eq!(dbg["config"]["resolver"], false);
    assert_eq!(dbg["sources"][0]["serviceCount"], demo_layout().len());
    let svcs = ok_json(&d, "/api/debug/services");
    assert_eq!(
        svcs["services"].as_array().unwrap().len(),
        demo_layout().len()
    );
    assert_eq!(svcs["services"][0]["sources"][0]["sourceType"], "local");
    assert_eq!(ok_json(&d, "/api/capabilities")["diagnostics"], true);
}

#[test]
fn cors_lets_one_origin_read_and_nobody_write() {
    let origin = "https://portal.example:8443";
    let d = start(Arc::new(Dashboard::detect(
        Config {
            cors_origin: Some(origin.into()),
            ..local_config(&demo())
        },
        None,
    )));
    let host = format!("127.0.0.1:{}", d.addr.port());
    // The configured origin may read.
    let r = raw(
        d.addr,
        &format!("GET /api/services HTTP/1.1\r\nHost: {host}\r\nOrigin: {origin}\r\nConnection: close\r\n\r\n"),
    );
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    assert!(r
        .to_ascii_lowercase()
        .contains(&format!("access-control-allow-origin: {origin}")));
    // Another origin gets no ACAO header (its browser will not let it read).
    let r = raw(
        d.addr,
        &format!("GET /api/services HTTP/1.1\r\nHost: {host}\r\nOrigin: https://evil.example\r\nConnection: close\r\n\r\n"),
    );
    assert!(
        !r.to_ascii_lowercase()
            .contains("access-control-allow-origin"),
        "{r}"
    );
    // Preflight: reading is allowed, writing is not.
    let r = raw(
        d.addr,
        &format!("OPTIONS /api/services HTTP/1.1\r\nHost: {host}\r\nOrigin: {origin}\r\nAccess-Control-Request-Method: GET\r\nConnection: close\r\n\r\n"),
    );
    assert!(r.starts_with("HTTP/1.1 204"), "{r}");
    assert!(r
        .to_ascii_lowercase()
        .contains("access-control-allow-methods: get, head"));
    let r = raw(
        d.addr,
        &format!("OPTIONS /api/refresh HTTP/1.1\r\nHost: {host}\r\nOrigin: {origin}\r\nAccess-Control-Request-Method: POST\r\nConnection: close\r\n\r\n"),
    );
    assert!(r.starts_with("HTTP/1.1 403"), "{r}");
    assert!(!r
        .to_ascii_lowercase()
        .contains("access-control-allow-origin"));
    // Even the configured origin cannot write.
    for path in ["/api/refresh", "/api/resolve", "/api/versions"] {
        let g = post(
            &d,
            path,
            &[("content-type", "application/json"), ("origin", origin)],
            r#"{"name":"billing","ref":"oci://reg.example/x"}"#,
        );
        assert_eq!(g.status, 403, "{path}: {}", g.body);
    }
    // Without --cors-origin, no origin is ever allowed.
    let s = demo_server();
    let r = raw(
        s.addr,
        &format!(
            "GET /api/services HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nOrigin: {origin}\r\nConnection: close\r\n\r\n",
            s.addr.port()
        ),
    );
    assert!(!r
        .to_ascii_lowercase()
        .contains("access-control-allow-origin"));
}

#[test]
fn resolve_refuses_what_it_cannot_resolve() {
    let s = demo_server();
    let json_ct = [("content-type", "application/json")];
    // Not JSON, no ref, a local path (never read), an over-long body.
    assert_eq!(post(&s, "/api/resolve", &json_ct, "nope").status, 422);
    assert_eq!(post(&s, "/api/resolve", &json_ct, "{}").status, 422);
    let g = post(
        &s,
        "/api/resolve",
        &json_ct,
        r#"{"ref":"../../etc/passwd"}"#,
    );
    assert_eq!(g.status, 422, "{}", g.body);
    assert!(g.body.contains("only oci://"));
    let big = format!(r#"{{"ref":"oci://r.example/{}"}}"#, "a".repeat(64 * 1024));
    assert_eq!(post(&s, "/api/resolve", &json_ct, &big).status, 413);
    // Without a registry client there is no resolver.
    assert_eq!(
        post(
            &s,
            "/api/resolve",
            &json_ct,
            r#"{"ref":"oci://r.example/x"}"#
        )
        .status,
        404
    );
    // Form posts are refused (CSRF).
    assert_eq!(
        post(
            &s,
            "/api/resolve",
            &[("content-type", "text/plain")],
            r#"{"ref":"oci://r.example/x"}"#
        )
        .status,
        403
    );
}

#[test]
fn fleet_endpoints_page_search_and_bound_their_answers() {
    let s = demo_server();
    let layout = demo_layout();
    let st = ok_json(&s, "/api/fleet/status");
    assert_eq!(st["schema"], "pacto.dev/fleet/v1");
    assert_eq!(st["counts"]["services"], layout.len());
    assert_eq!(
        st["counts"]["revisions"],
        layout.values().map(Vec::len).sum::<usize>()
    );
    assert_eq!(st["counts"]["targets"], 0);
    assert_eq!(st["complete"], true);
    assert!(st["limitations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l.as_str().unwrap().contains("No runtime source")));
    // Paging with truthful totals.
    let p1 = ok_json(&s, "/api/fleet/services?limit=5");
    assert_eq!(p1["total"], layout.len());
    assert_eq!(p1["items"].as_array().unwrap().len(), 5);
    assert_eq!(p1["truncated"], true);
    let last = ok_json(
        &s,
        &format!("/api/fleet/services?limit=5&offset={}", layout.len() - 2),
    );
    assert_eq!(last["items"].as_array().unwrap().len(), 2);
    assert_eq!(last["truncated"], false);
    let names: Vec<String> = (0..layout.len().div_ceil(5))
        .flat_map(|i| {
            ok_json(&s, &format!("/api/fleet/services?limit=5&offset={}", i * 5))["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["name"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(names, layout.keys().cloned().collect::<Vec<_>>());
    // Search: text, owner, status.
    let f = ok_json(&s, "/api/fleet/services?owner=finance");
    assert!(f["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["owner"] == "finance"));
    assert!(f["total"].as_u64().unwrap() >= 1);
    let inv = ok_json(&s, "/api/fleet/services?status=Invalid");
    assert_eq!(inv["total"], 1);
    assert_eq!(inv["items"][0]["name"], "api-gateway");
    // One service: revisions keyed by contract digest when materialized.
    let b = ok_json(&s, "/api/fleet/service?key=service:billing");
    let revs = b["revisions"].as_array().unwrap();
    assert_eq!(revs.len(), 3);
    let text = std::fs::read(demo().join("billing/1.0.0/pacto.yaml")).unwrap();
    let digest = format!("sha256:{}", pacto_core::registry::cache::sha256_hex(&text));
    let r100 = revs.iter().find(|r| r["version"] == "1.0.0").unwrap();
    assert_eq!(r100["key"], digest);
    assert_eq!(get(&s, "/api/fleet/service?key=nope").status, 404);
    assert_eq!(get(&s, "/api/fleet/target?key=bad").status, 422);
    // Neighbourhood: downstream one hop of billing is exactly its dependencies.
    let g = ok_json(
        &s,
        "/api/fleet/services/billing/graph?direction=downstream&maxDepth=1",
    );
    let ids: BTreeSet<&str> = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    let deps = pacto_core::graph::load_local(demo().join("billing/2.0.0").to_str().unwrap())
        .unwrap()
        .contract
        .dependencies
        .len();
    assert_eq!(ids.len(), deps + 1);
    assert!(ids.contains("billing"));
    assert_eq!(g["edges"].as_array().unwrap().len(), deps);
    // Upstream: who depends on session-store, transitively, bounded by maxNodes.
    let up = ok_json(
        &s,
        "/api/fleet/services/session-store/graph?direction=upstream&maxDepth=10",
    );
    let graph = ok_json(&s, "/api/graph");
    let blast = blast_from_graph(&graph, "session-store");
    let up_ids: BTreeSet<String> = up["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect();
    assert!(blast.iter().all(|b| up_ids.contains(b)), "{up_ids:?}");
    let small = ok_json(
        &s,
        "/api/fleet/services/session-store/graph?direction=upstream&maxDepth=10&maxNodes=3",
    );
    assert_eq!(small["nodes"].as_array().unwrap().len(), 3);
    assert_eq!(small["truncated"], true);
    assert_eq!(
        get(&s, "/api/fleet/services/billing/graph?direction=sideways").status,
        422
    );
    // Impact of billing 1.1.0 → 2.0.0: the core's BREAKING classification, and the consumers.
    let imp = ok_json(&s, "/api/fleet/impact?old=billing@1.1.0&new=billing@2.0.0");
    assert_eq!(imp["classification"], "BREAKING");
    assert!(imp["changeCount"].as_u64().unwrap() > 0);
    let dependents = ok_json(&s, "/api/services/billing/dependents");
    assert_eq!(
        imp["consumers"].as_array().unwrap().len(),
        dependents.as_array().unwrap().len()
    );
    let by_digest = ok_json(
        &s,
        &format!("/api/fleet/impact?old={digest}&new=billing@1.1.0"),
    );
    assert_eq!(by_digest["old"]["version"], "1.0.0");
    assert_eq!(get(&s, "/api/fleet/impact?old=billing&new=x@1").status, 422);
    assert_eq!(
        get(&s, "/api/fleet/impact?old=billing@9.9.9&new=billing@2.0.0").status,
        404
    );
    let snap = ok_json(&s, "/api/fleet/snapshot");
    assert_eq!(snap["services"].as_array().unwrap().len(), layout.len());
    assert_eq!(
        snap["revisions"].as_array().unwrap().len(),
        layout.values().map(Vec::len).sum::<usize>()
    );
}

#[test]
fn resolve_pulls_the_highest_compatible_version_from_a_real_registry() {
    let Some(reg) = registry_or_skip("resolve_against_a_real_registry") else {
        return;
    };
    let prefix = unique_prefix(&reg, "pacto-dashboard-resolve");
    let cache = tempfile::tempdir().unwrap();
    let registry = anonymous_registry(cache.path());
    for v in ["1.0.0", "1.1.0", "2.0.0"] {
        let packed = pack_dir(&demo().join("billing").join(v)).unwrap();
        let meta = BundleMeta {
            name: "billing".into(),
            version: v.into(),
            pacto_version: "1.0".into(),
        };
        registry
            .push(&format!("{prefix}/billing:{v}"), &packed, &meta, false)
            .unwrap();
    }
    registry.forget();
    // A fleet that does not have billing: the answer is the contract alone.
    let empty = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(empty.path().join("svc")).unwrap();
    std::fs::copy(
        demo().join("mail-relay/1.0.0/pacto.yaml"),
        empty.path().join("svc/pacto.yaml"),
    )
    .unwrap();
    let s = start(Arc::new(Dashboard::detect(
        local_config(empty.path()),
        Some(registry),
    )));
    let ct = [("content-type", "application/json")];
    let body = |r: &str, c: Option<&str>| match c {
        Some(c) => json!({"ref": r, "compatibility": c}).to_string(),
        None => json!({ "ref": r }).to_string(),
    };
    let repo = format!("oci://{prefix}/billing");
    let g = post(&s, "/api/resolve", &ct, &body(&repo, Some("^1.0.0")));
    assert_eq!(g.status, 200, "{}", g.body);
    let d = g.json();
    assert_eq!(d["name"], "billing");
    assert_eq!(d["version"], "1.1.0", "the highest 1.x");
    assert_eq!(d["ref"], format!("{repo}:1.1.0"));
    assert_eq!(d["source"], "oci");
    assert!(d["interfaces"][0]["endpoints"].as_array().unwrap().len() > 1);
    assert_eq!(d["sectionMeta"]["interfaces"]["source"], "oci");
    let latest = post(&s, "/api/resolve", &ct, &body(&repo, None)).json();
    assert_eq!(latest["version"], "2.0.0");
    let pinned = post(
        &s,
        "/api/resolve",
        &ct,
        &body(&format!("{repo}:1.0.0"), None),
    )
    .json();
    assert_eq!(pinned["version"], "1.0.0");
    // No matching version, an invalid constraint, an invalid reference: 422.
    for (r, c) in [
        (repo.as_str(), Some("^9.0.0")),
        (repo.as_str(), Some("not a constraint")),
        ("oci://UPPER/Case::bad", None),
    ] {
        let g = post(&s, "/api/resolve", &ct, &body(r, c));
        assert_eq!(g.status, 422, "{r} {c:?}: {}", g.body);
    }
    // A repository that does not exist: 404.
    let g = post(
        &s,
        "/api/resolve",
        &ct,
        &body(&format!("oci://{prefix}/nothing-here:1.0.0"), None),
    );
    assert_eq!(g.status, 404, "{}", g.body);
    // The registry that requires credentials, asked anonymously: 403.
    if let Ok(auth) = std::env::var("PACTO_TEST_REGISTRY_AUTH") {
        let g = post(
            &s,
            "/api/resolve",
            &ct,
            &body(&format!("oci://{auth}/private/billing:1.0.0"), None),
        );
        assert_eq!(g.status, 403, "{}", g.body);
    }
    // A registry nobody listens on: 502.
    let g = post(
        &s,
        "/api/resolve",
        &ct,
        &body("oci://127.0.0.1:9/nobody/home:1.0.0", None),
    );
    assert_eq!(g.status, 502, "{}", g.body);
}
