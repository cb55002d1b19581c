//! `pacto mcp` end to end with real clients:
//!
//! * the official Python MCP SDK client (`mcp` 2.x, `PACTO_TEST_PYTHON` from
//!   `scripts/test-infra`) over stdio and over streamable HTTP, driving
//!   `pacto-mcp/tests/py/mcp_e2e.py`: every tool on the fixtures, structured results checked,
//!   path escapes refused; with `PACTO_TEST_REGISTRY`, `pacto_list_versions` and an `oci://`
//!   inspect against the loopback registry;
//! * the MCP Inspector CLI (`PACTO_TEST_MCP_INSPECTOR`) listing the tools;
//! * raw JSON-RPC over stdio and HTTP (no client needed): oversized messages answered with an
//!   error for their id and the next request served, and the HTTP `Origin` check.
//!
//! Without the tools these tests print "skipping" and pass, unless `CI` is set.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn env_or_skip(var: &str, test: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            if std::env::var_os("CI").is_some() {
                panic!("{var} is not set: run `eval \"$(scripts/test-infra start)\"` first");
            }
            eprintln!(
                "skipping {test}: {var} is not set (run `eval \"$(scripts/test-infra start)\"`)"
            );
            None
        }
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixtures() -> PathBuf {
    std::fs::canonicalize(repo_root().join("fixtures")).unwrap()
}

fn driver() -> PathBuf {
    repo_root().join("pacto-mcp/tests/py/mcp_e2e.py")
}

/// Isolated cache and config for the server, so tests never share registry state.
fn isolate(c: &mut Command, home: &Path) {
    for k in [
        "PACTO_OUTPUT_FORMAT",
        "PACTO_OFFLINE",
        "PACTO_NO_CACHE",
        "PACTO_REGISTRY_TOKEN",
        "PACTO_REGISTRY_USERNAME",
        "PACTO_REGISTRY_PASSWORD",
    ] {
        c.env_remove(k);
    }
    c.env("HOME", home.join("home"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("DOCKER_CONFIG", home.join("docker"));
}

/// Push `orders` 1.0.0, 1.1.0 and 2.0.0 (plus a non-semver tag) to a fresh repository and
/// return `oci://<registry>/<repo>`.
fn pushed_repo(registry: &str, home: &Path) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let repo = format!(
        "{registry}/pacto-mcp-test/orders-{}-{}",
        std::process::id(),
        nanos % 1_000_000_000
    );
    for version in ["1.0.0", "2.0.0", "1.1.0"] {
        let dir = home.join(format!("bundle-{version}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("pacto.yaml"),
            format!("pactoVersion: \"1.0\"\nservice:\n  name: orders\n  version: {version}\n  owner: team/orders\n"),
        )
        .unwrap();
        let mut c = Command::new(env!("CARGO_BIN_EXE_pacto"));
        isolate(&mut c, home);
        let o = c
            .args(["push", &format!("oci://{repo}"), "-p"])
            .arg(&dir)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "push {version}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    format!("oci://{repo}")
}

fn run_driver(python: &str, args: &[String], home: &Path) -> serde_json::Value {
    let mut c = Command::new(python);
    isolate(&mut c, home);
    let start = Instant::now();
    let o = c
        .arg(driver())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.success(),
        "python MCP client failed:\n{stdout}\n{stderr}"
    );
    let summary: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    eprintln!("python client: {summary} ({:?} wall)", start.elapsed());
    summary
}

/// `modes`: the stdio run also drives bundle mode, catalog mode and the old `--root` spelling
/// (issue 18), and fleet mode (issue 20).
fn check_summary(summary: &serde_json::Value, with_registry: bool, modes: bool) {
    assert_eq!(summary["tools"], 16);
    assert_eq!(summary["server"], "pacto");
    let checked: Vec<&str> = summary["checked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let expected = if with_registry { 16 } else { 15 } + if modes { 4 } else { 0 };
    assert_eq!(checked.len(), expected, "{checked:?}");
    if modes {
        for m in [
            "bundle mode",
            "catalog mode",
            "fleet mode",
            "old --root refused",
        ] {
            assert!(checked.contains(&m), "{m}: {checked:?}");
        }
    }
    // Issue 15's attacks, each driven by the official client (see `attacks` in the driver).
    assert_eq!(
        summary["defended"],
        serde_json::json!([
            "symlinked pacto.yaml refused",
            "no tool returns a linked file",
            "no write through a link",
            "linked resource refused",
            "oversized requests answered"
        ])
    );
}

fn common_args(work: &Path) -> Vec<String> {
    let mut a = vec![
        "--fixtures".to_string(),
        fixtures().to_string_lossy().into_owned(),
        "--work".to_string(),
        work.to_string_lossy().into_owned(),
    ];
    if let Ok(reg) = std::env::var("PACTO_TEST_REGISTRY") {
        if !reg.is_empty() {
            a.push("--registry-ref".to_string());
            a.push(String::new()); // filled by the caller
        }
    }
    a
}

fn with_registry(args: &mut [String], home: &Path) -> bool {
    let Some(last) = args.last_mut() else {
        return false;
    };
    if !last.is_empty() {
        return false;
    }
    let reg = std::env::var("PACTO_TEST_REGISTRY").unwrap();
    *last = pushed_repo(&reg, home);
    true
}

#[test]
fn python_sdk_client_over_stdio() {
    let Some(python) = env_or_skip("PACTO_TEST_PYTHON", "mcp stdio") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let work = std::fs::canonicalize(home.path()).unwrap().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let mut args = vec![
        "--stdio".to_string(),
        env!("CARGO_BIN_EXE_pacto").to_string(),
    ];
    args.extend(common_args(&work));
    let registry = with_registry(&mut args, home.path());
    let summary = run_driver(&python, &args, home.path());
    check_summary(&summary, registry, true);
}

/// A `pacto mcp -t http` child, killed on drop.
struct HttpServer {
    child: Child,
    url: String,
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_http(home: &Path, work: &Path) -> HttpServer {
    start_http_with(home, work, &[])
}

fn start_http_with(home: &Path, work: &Path, extra: &[&str]) -> HttpServer {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pacto"));
    isolate(&mut c, home);
    let mut child = c
        .args(["mcp", "-t", "http", "--port", "0", "--workspace-root"])
        .arg(fixtures())
        .arg("--workspace-root")
        .arg(work)
        .args(extra)
        .current_dir(fixtures())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("MCP server listening on ")
        .unwrap_or_else(|| panic!("unexpected first stderr line: {line:?}"))
        .to_string();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/mcp"),
        "{url}"
    );
    HttpServer { child, url }
}

#[test]
fn python_sdk_client_over_streamable_http() {
    let Some(python) = env_or_skip("PACTO_TEST_PYTHON", "mcp http") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let work = std::fs::canonicalize(home.path()).unwrap().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let server = start_http(home.path(), &work);
    let mut args = vec!["--url".to_string(), server.url.clone()];
    args.extend(common_args(&work));
    let registry = with_registry(&mut args, home.path());
    let summary = run_driver(&python, &args, home.path());
    check_summary(&summary, registry, false);
}

/// Other paths are 404 and the server binds loopback only (no Python needed).
#[test]
fn http_serves_only_mcp_on_loopback() {
    let home = tempfile::tempdir().unwrap();
    let work = std::fs::canonicalize(home.path()).unwrap();
    let server = start_http(home.path(), &work);
    let addr = server
        .url
        .trim_start_matches("http://")
        .trim_end_matches("/mcp")
        .to_string();
    let get = |path: &str| {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    };
    assert!(
        get("/other").starts_with("HTTP/1.1 404"),
        "{}",
        get("/other")
    );
    assert!(get("/").starts_with("HTTP/1.1 404"));
    // The MCP endpoint answers (a GET without a session is refused by the transport, not 404).
    assert!(!get("/mcp").starts_with("HTTP/1.1 404"), "{}", get("/mcp"));
    let port = addr.rsplit(':').next().unwrap();
    // Not reachable through a non-loopback address of this host, if it has one.
    if let Ok(ip) = non_loopback_ip() {
        assert!(std::net::TcpStream::connect_timeout(
            &format!("{ip}:{port}").parse().unwrap(),
            Duration::from_secs(2)
        )
        .is_err());
    }
}

fn non_loopback_ip() -> Result<std::net::IpAddr, ()> {
    // The address the host would use to reach the outside (no packet is sent for UDP connect).
    let s = std::net::UdpSocket::bind("0.0.0.0:0").map_err(|_| ())?;
    s.connect("10.255.255.1:9").map_err(|_| ())?;
    let ip = s.local_addr().map_err(|_| ())?.ip();
    if ip.is_loopback() || ip.is_unspecified() {
        Err(())
    } else {
        Ok(ip)
    }
}

#[test]
fn inspector_cli_lists_the_tools() {
    let Some(inspector) = env_or_skip("PACTO_TEST_MCP_INSPECTOR", "mcp inspector") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let mut c = Command::new(&inspector);
    isolate(&mut c, home.path());
    let o = c
        .args([
            "--cli",
            env!("CARGO_BIN_EXE_pacto"),
            "mcp",
            "--method",
            "tools/list",
        ])
        .current_dir(fixtures())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "inspector failed: {stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let names: Vec<&str> = v["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 16, "{names:?}");
    assert!(names.contains(&"pacto_validate") && names.contains(&"pacto_edit"));
    // And a call through the inspector: a structured result, not an error.
    let o = Command::new(&inspector)
        .args([
            "--cli",
            env!("CARGO_BIN_EXE_pacto"),
            "mcp",
            "--method",
            "tools/call",
            "--tool-name",
            "pacto_explain",
            "--tool-arg",
            "ref=valid/nginx",
        ])
        .current_dir(fixtures())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_ne!(v["isError"], true, "{v}");
    assert_eq!(
        v["structuredContent"]["summary"],
        "nginx@1.27.3 is a stateless service workload (pacto 1.0), owned by infra/networking"
    );
}

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#;

/// One HTTP/1.1 POST to `/mcp` with `headers`; returns (status, content type, body).
fn post(addr: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut head = format!(
        "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let ctype = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-type")
                .then(|| v.trim().to_string())
        })
        .unwrap_or_default();
    (status, ctype, body.to_string())
}

fn addr_of(server: &HttpServer) -> String {
    server
        .url
        .trim_start_matches("http://")
        .trim_end_matches("/mcp")
        .to_string()
}

/// The MCP spec's Origin rule: a browser origin that is not loopback (or allowed with
/// --allowed-origin) is refused with 403; a request without Origin is served.
#[test]
fn http_checks_the_origin() {
    let home = tempfile::tempdir().unwrap();
    let work = std::fs::canonicalize(home.path()).unwrap();
    let server = start_http_with(
        home.path(),
        &work,
        &["--allowed-origin", "https://app.example.com"],
    );
    let addr = addr_of(&server);
    for (origin, want) in [
        (None, 200),
        (Some("http://localhost:6274"), 200),
        (Some("http://127.0.0.1:3000"), 200),
        (Some("https://app.example.com"), 200),
        (Some("http://evil.example"), 403),
        (Some("https://app.example.com.evil.example"), 403),
        (Some("null"), 403),
    ] {
        let headers: Vec<(&str, &str)> = origin.iter().map(|o| ("Origin", *o)).collect();
        let (status, ctype, body) = post(&addr, &headers, INITIALIZE.as_bytes());
        assert_eq!(status, want, "{origin:?}: {body}");
        if want == 403 {
            assert!(ctype.starts_with("application/json"), "{ctype}");
            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert!(
                v["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("--allowed-origin"),
                "{v}"
            );
        }
    }
}

fn big_call(id: u64, bytes: usize) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"pacto_check","arguments":{{"content":"{}"}}}}}}"#,
        "x".repeat(bytes)
    )
}

/// An HTTP body over the limit (at any size) is a 413 with a JSON-RPC error for its id, and
/// the server keeps serving.
#[test]
fn http_answers_oversized_bodies_and_keeps_serving() {
    let home = tempfile::tempdir().unwrap();
    let work = std::fs::canonicalize(home.path()).unwrap();
    let server = start_http(home.path(), &work);
    let addr = addr_of(&server);
    for (id, size) in [(7u64, 5 << 20), (8, 20 << 20)] {
        let start = Instant::now();
        let (status, ctype, body) = post(&addr, &[], big_call(id, size).as_bytes());
        assert_eq!(status, 413, "{body}");
        assert!(ctype.starts_with("application/json"), "{ctype}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["id"], id, "{v}");
        assert_eq!(v["error"]["code"], -32600);
        assert!(v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("too large"));
        eprintln!("{size}-byte body refused in {:?}", start.elapsed());
        let (status, _, body) = post(&addr, &[], INITIALIZE.as_bytes());
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("\"serverInfo\""), "{body}");
    }
}

/// A stdio line over the limit (here 20 MiB, over the SDK's own 16 MiB cut that used to drop
/// it silently) is answered with an error for its id, and the next request is served.
#[test]
fn stdio_answers_oversized_lines_and_keeps_serving() {
    use std::io::Write;
    let home = tempfile::tempdir().unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_pacto"));
    isolate(&mut c, home.path());
    let mut child = c
        .args(["mcp", "--workspace-root"])
        .arg(fixtures())
        .current_dir(fixtures())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel::<serde_json::Value>();
    std::thread::spawn(move || {
        let mut line = String::new();
        while out.read_line(&mut line).unwrap_or(0) > 0 {
            if let Ok(v) = serde_json::from_str(&line) {
                let _ = tx.send(v);
            }
            line.clear();
        }
    });
    let recv = |what: &str| {
        rx.recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no answer to {what} in 60 s"))
    };
    writeln!(stdin, "{INITIALIZE}").unwrap();
    assert_eq!(recv("initialize")["id"], 1);
    writeln!(
        stdin,
        r#"{{"jsonrpc":"2.0","method":"notifications/initialized"}}"#
    )
    .unwrap();
    for (id, size) in [(2u64, 5 << 20), (3, 20 << 20)] {
        let start = Instant::now();
        writeln!(stdin, "{}", big_call(id, size)).unwrap();
        let v = recv("an oversized request");
        assert_eq!(v["id"], id, "{v}");
        assert_eq!(v["error"]["code"], -32600, "{v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("too large"),
            "{v}"
        );
        eprintln!("{size}-byte line refused in {:?}", start.elapsed());
        writeln!(
            stdin,
            r#"{{"jsonrpc":"2.0","id":{},"method":"tools/call","params":{{"name":"pacto_validate","arguments":{{"path":"valid/nginx"}}}}}}"#,
            id + 100
        )
        .unwrap();
        let v = recv("the call after it");
        assert_eq!(v["id"], id + 100, "{v}");
        assert_eq!(v["result"]["structuredContent"]["Valid"], true, "{v}");
    }
    drop(stdin);
    let _ = child.wait();
}

/// Issue 18: `--root` is Go Pacto 3.x's catalog root. The sandbox spelling from before (a
/// directory without a pacto.yaml) fails at once with a message naming `--workspace-root`, and
/// bundle-mode flags without a bundle say what they need.
#[test]
fn old_root_spelling_names_the_new_flag() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_pacto"));
        isolate(&mut c, home.path());
        c.args(args)
            .current_dir(fixtures())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let o = run(&["mcp", "--root", "valid"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("--root now names a catalog root")
            && err.contains("--workspace-root \"valid\""),
        "{err}"
    );
    let o = run(&["mcp", "--base-url", "http://127.0.0.1:1"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("pacto mcp BUNDLE_OR_REF"),
        "{err}"
    );
    let o = run(&["mcp", "v2/valid/payments-api", "--auth", "token=x"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("--auth requires an explicit --base-url"),
        "{err}"
    );
}

/// Send `requests` (after initialize) to `pacto mcp ARGS` over stdio and return the answers by id.
fn stdio_session(home: &Path, args: &[&str], requests: &[&str]) -> Vec<serde_json::Value> {
    use std::io::Write;
    let mut c = Command::new(env!("CARGO_BIN_EXE_pacto"));
    isolate(&mut c, home);
    let mut child = c
        .args(args)
        .current_dir(home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{INITIALIZE}").unwrap();
    writeln!(
        stdin,
        r#"{{"jsonrpc":"2.0","method":"notifications/initialized"}}"#
    )
    .unwrap();
    for r in requests {
        writeln!(stdin, "{r}").unwrap();
    }
    let out = BufReader::new(child.stdout.take().unwrap());
    let mut answers = Vec::new();
    for line in out.lines() {
        let Ok(line) = line else { break };
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        answers.push(v);
        if answers.len() == requests.len() + 1 {
            break;
        }
    }
    drop(stdin);
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        answers.len(),
        requests.len() + 1,
        "{answers:?}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    answers.sort_by_key(|a| a["id"].as_u64());
    answers
}

/// Issue 18: `pacto mcp oci://...` projects a pushed bundle's operations into tools, and
/// `--root oci://...` catalogs it under its manifest digest (loopback registry).
#[test]
fn bundle_and_catalog_modes_from_a_registry() {
    let Some(registry) = env_or_skip("PACTO_TEST_REGISTRY", "mcp bundle from oci") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("shop");
    std::fs::create_dir_all(dir.join("interfaces")).unwrap();
    std::fs::create_dir_all(dir.join("skills")).unwrap();
    std::fs::write(
        dir.join("pacto.yaml"),
        "pactoVersion: \"2.0\"\nservice:\n  name: shop\n  version: 1.0.0\ninterfaces:\n  - name: api\n    type: openapi\n    ref: interfaces/api.yaml\nworkload: service\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("interfaces/api.yaml"),
        "openapi: 3.0.3\ninfo: {title: shop, version: 1.0.0}\npaths:\n  /items/{id}:\n    get:\n      operationId: getItem\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n  /health:\n    get: {}\n  /items:\n    post:\n      operationId: createItem\n",
    )
    .unwrap();
    std::fs::write(dir.join("skills/restock.md"), "# Restock\n").unwrap();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let repo = format!(
        "{registry}/pacto-mcp-test/shop-{}-{}",
        std::process::id(),
        nanos % 1_000_000_000
    );
    let mut c = Command::new(env!("CARGO_BIN_EXE_pacto"));
    isolate(&mut c, home.path());
    let o = c
        .args(["push", &format!("oci://{repo}"), "-p"])
        .arg(&dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pushed =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    let manifest = pushed
        .lines()
        .find_map(|l| l.trim().strip_prefix("Digest: "))
        .unwrap_or_else(|| panic!("no digest in {pushed}"))
        .to_string();
    let reference = format!("oci://{repo}:1.0.0");

    let a = stdio_session(
        home.path(),
        &["mcp", &reference, "--allow-writes"],
        &[
            r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
            r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"pacto_skill","arguments":{"name":"restock"}}}"#,
            r#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"getItem","arguments":{}}}"#,
        ],
    );
    let names: Vec<&str> = a[1]["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .filter(|n| !n.starts_with("pacto_") || *n == "pacto_skill")
        .collect();
    assert_eq!(
        names,
        ["getItem", "get_health", "createItem", "pacto_skill"]
    );
    assert_eq!(
        a[2]["result"]["content"][0]["text"], "# Restock\n",
        "{}",
        a[2]
    );
    assert_eq!(a[3]["error"]["code"], -32602, "{}", a[3]);
    assert!(
        a[3]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("id: is required"),
        "{}",
        a[3]
    );

    let a = stdio_session(
        home.path(),
        &["mcp", "--root", &reference],
        &[
            r#"{"jsonrpc":"2.0","id":2,"method":"resources/read","params":{"uri":"pacto://catalog/closure"}}"#,
        ],
    );
    let closure: serde_json::Value =
        serde_json::from_str(a[1]["result"]["contents"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(closure["completeness"], "complete", "{closure:#}");
    let rev = &closure["revisions"][0];
    assert_eq!(rev["content"]["scheme"], "oci");
    // The content identity of a registry revision is its manifest digest.
    assert_eq!(rev["content"]["digest"], manifest.as_str());
    assert_eq!(
        rev["service"],
        serde_json::json!({"name": "shop", "domain": format!("{registry}/pacto-mcp-test"), "version": "1.0.0"})
    );
}

/// Issue 20: `pacto mcp --fleet` answers each fleet tool and `pacto_impact` with the very JSON
/// `pacto fleet ...`/`pacto impact ... --output-format json` prints for the same sources (one
/// engine), every answer with its asOf and completeness; bad arguments are invalid params.
#[test]
fn fleet_tools_answer_what_the_cli_prints() {
    let home = tempfile::tempdir().unwrap();
    let fx = fixtures();
    let fx_s = fx.to_string_lossy().into_owned();
    let sources = [
        "--local",
        "demo-v2",
        "--target-state",
        "fleet/targets.yaml",
        "--as-of",
        "2026-01-01T00:00:00Z",
    ];
    let cli = |args: &[&str]| -> serde_json::Value {
        let mut c = Command::new(env!("CARGO_BIN_EXE_pacto"));
        isolate(&mut c, home.path());
        let o = c
            .args(args)
            .args(["--output-format", "json"])
            .current_dir(&fx)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
            panic!(
                "pacto {args:?}: {e}\n{}",
                String::from_utf8_lossy(&o.stderr)
            )
        })
    };
    let fleet_cli = |sub: &[&str]| {
        let mut a = vec!["fleet"];
        a.extend(sources);
        a.extend(["--traces", "fleet/traces.json"]);
        a.extend(sub);
        cli(&a)
    };
    let expected = [
        fleet_cli(&["search", "--owner", "team"]),
        fleet_cli(&["get", "orders"]),
        fleet_cli(&[
            "get",
            "--target",
            "production-eu/kubernetes-workload/commerce%2Forders",
        ]),
        fleet_cli(&[
            "graph",
            "orders",
            "--direction",
            "dependents",
            "--transitive",
        ]),
        fleet_cli(&["status"]),
        fleet_cli(&["explain", "orders"]),
        {
            let mut a = vec![
                "impact",
                "demo-v2/orders/1.0.0",
                "demo-v2/orders/2.0.0",
                "--traces",
                "fleet/traces.json",
            ];
            a.extend(sources);
            cli(&a)
        },
    ];
    let call = |id: u32, name: &str, args: serde_json::Value| {
        serde_json::json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                           "params": {"name": name, "arguments": args}})
        .to_string()
    };
    let requests = [
        call(
            1,
            "pacto_fleet_search",
            serde_json::json!({"owner": "team"}),
        ),
        call(
            2,
            "pacto_fleet_get",
            serde_json::json!({"service": "orders"}),
        ),
        call(
            3,
            "pacto_fleet_get",
            serde_json::json!({"target": "production-eu/kubernetes-workload/commerce%2Forders"}),
        ),
        call(
            4,
            "pacto_fleet_graph",
            serde_json::json!({"service": "orders", "direction": "dependents", "transitive": true}),
        ),
        call(5, "pacto_fleet_status", serde_json::json!({})),
        call(
            6,
            "pacto_fleet_explain",
            serde_json::json!({"subject": "orders"}),
        ),
        call(
            7,
            "pacto_impact",
            serde_json::json!({"old_ref": "demo-v2/orders/1.0.0", "new_ref": "demo-v2/orders/2.0.0",
                               "traces": "fleet/traces.json"}),
        ),
        call(
            8,
            "pacto_fleet_graph",
            serde_json::json!({"direction": "up"}),
        ),
        call(
            9,
            "pacto_fleet_explain",
            serde_json::json!({"subject": "nope"}),
        ),
        call(
            10,
            "pacto_impact",
            serde_json::json!({"old_ref": "/etc", "new_ref": "demo-v2/orders/2.0.0"}),
        ),
        r#"{"jsonrpc":"2.0","id":11,"method":"tools/list"}"#.to_string(),
    ];
    let requests: Vec<&str> = requests.iter().map(String::as_str).collect();
    let mut args = vec!["mcp", "--workspace-root", &fx_s, "--fleet"];
    args.extend(sources);
    args.extend(["--traces", "fleet/traces.json"]);
    // The session runs in the fixtures so relative sources resolve as for the CLI.
    let answers = stdio_session_in(home.path(), &fx, &args, &requests);
    for (i, want) in expected.iter().enumerate() {
        let a = &answers[i + 1];
        assert_eq!(a["result"]["isError"], false, "call {}: {a}", i + 1);
        let got = &a["result"]["structuredContent"];
        assert_eq!(got, want, "call {} differs from the CLI", i + 1);
        let text: serde_json::Value =
            serde_json::from_str(a["result"]["content"][0]["text"].as_str().unwrap()).unwrap();
        assert_eq!(&text, want, "call {}: text block", i + 1);
        let envelope = if got.get("meta").is_some() {
            &got["meta"]
        } else {
            got
        };
        assert_eq!(envelope["asOf"], "2026-01-01T00:00:00Z", "call {}", i + 1);
        assert_eq!(envelope["completeness"], "complete", "call {}", i + 1);
        assert!(envelope["limitations"].is_array() || envelope.get("limitations").is_none());
    }
    // The impact answer really is the interesting one: storefront incompatible and active,
    // corroborated by the traces, notifications an observed consumer.
    let impact = &answers[7]["result"]["structuredContent"];
    assert_eq!(impact["classification"], "BREAKING");
    let consumers: Vec<(String, String)> = impact["consumers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["service"].as_str().unwrap().to_string(),
                c["confidence"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        consumers.contains(&("storefront".into(), "corroborated".into())),
        "{consumers:?}"
    );
    assert!(
        consumers.contains(&("notifications".into(), "observed".into())),
        "{consumers:?}"
    );
    // Bad arguments: invalid params naming the field, before the query runs.
    assert_eq!(answers[8]["error"]["code"], -32602, "{}", answers[8]);
    let fields = answers[8]["error"]["data"]["fields"].to_string();
    assert!(
        fields.contains("service") && fields.contains("direction"),
        "{fields}"
    );
    // Unknown subject: a tool error, not a crash.
    assert_eq!(answers[9]["result"]["isError"], true, "{}", answers[9]);
    assert!(answers[9]["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .contains("not found"));
    // A revision outside the workspace roots is refused.
    assert_eq!(answers[10]["result"]["isError"], true, "{}", answers[10]);
    // tools/list: the authoring tools plus the six fleet tools, all read-only.
    let tools = answers[11]["result"]["tools"].as_array().unwrap();
    for name in [
        "pacto_fleet_search",
        "pacto_fleet_get",
        "pacto_fleet_graph",
        "pacto_fleet_status",
        "pacto_fleet_explain",
        "pacto_impact",
    ] {
        let t = tools.iter().find(|t| t["name"] == name).expect(name);
        assert_eq!(t["annotations"]["readOnlyHint"], true, "{name}");
        assert_eq!(t["inputSchema"]["type"], "object", "{name}");
    }
    assert!(tools.iter().any(|t| t["name"] == "pacto_create"));
}

/// `stdio_session` with the server started in `cwd`.
fn stdio_session_in(
    home: &Path,
    cwd: &Path,
    args: &[&str],
    requests: &[&str],
) -> Vec<serde_json::Value> {
    use std::io::Write;
    let mut c = Command::new(env!("CARGO_BIN_EXE_pacto"));
    isolate(&mut c, home);
    let mut child = c
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{INITIALIZE}").unwrap();
    writeln!(
        stdin,
        r#"{{"jsonrpc":"2.0","method":"notifications/initialized"}}"#
    )
    .unwrap();
    for r in requests {
        writeln!(stdin, "{r}").unwrap();
    }
    let out = BufReader::new(child.stdout.take().unwrap());
    let mut answers = Vec::new();
    for line in out.lines() {
        let Ok(line) = line else { break };
        answers.push(serde_json::from_str::<serde_json::Value>(&line).unwrap());
        if answers.len() == requests.len() + 1 {
            break;
        }
    }
    drop(stdin);
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        answers.len(),
        requests.len() + 1,
        "{answers:?}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    answers.sort_by_key(|a| a["id"].as_u64());
    answers
}

/// `--fleet` and its source flags stay in their mode: a source flag without --fleet, or
/// --fleet with a catalog root, is a usage error naming the flags.
#[test]
fn fleet_flags_need_fleet_mode() {
    let o = Command::new(env!("CARGO_BIN_EXE_pacto"))
        .args(["mcp", "--target-state", "x.yaml"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("--fleet"), "{err}");
    let o = Command::new(env!("CARGO_BIN_EXE_pacto"))
        .args(["mcp", "--fleet", "--root", "oci://x/y"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("--fleet cannot"),
        "{err}"
    );
}
