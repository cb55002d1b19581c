//! End-to-end tests of `pacto explain` and `pacto doc` (spec §5.2, §8): golden outputs for
//! every bundle in `fixtures/valid/` and the cases in `fixtures/doc/`, the Mermaid diagrams
//! checked by the real Mermaid parser, `-o`, JSON, and the `--serve` HTTP page.
//!
//! `PACTO_UPDATE_GOLDEN=1 cargo nextest run -p pacto-cli --test doc` rewrites the golden files.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

fn pacto(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pacto"))
        .args(args)
        .current_dir(cwd)
        .env_remove("PACTO_OUTPUT_FORMAT")
        .env("PACTO_NO_CACHE", "1")
        .env("PACTO_OFFLINE", "1")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// (bundle dir relative to the repository, golden file prefix relative to the repository).
fn cases() -> Vec<(String, String)> {
    let root = root();
    let mut out = Vec::new();
    let mut valid: Vec<_> = std::fs::read_dir(root.join("fixtures/valid"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    valid.sort();
    for name in valid {
        out.push((
            format!("fixtures/valid/{name}"),
            format!("fixtures/doc/valid/{name}"),
        ));
    }
    let mut dirs: Vec<_> = std::fs::read_dir(root.join("fixtures/doc"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("root").is_file())
        .collect();
    dirs.sort();
    for dir in dirs {
        let sub = std::fs::read_to_string(dir.join("root")).unwrap();
        let name = dir.file_name().unwrap().to_str().unwrap().to_string();
        let bundle = if sub.trim() == "." {
            format!("fixtures/doc/{name}")
        } else {
            format!("fixtures/doc/{name}/{}", sub.trim())
        };
        out.push((bundle, format!("fixtures/doc/{name}/expected")));
    }
    out
}

fn check_golden(file: &str, actual: &str, failures: &mut Vec<String>) {
    let path = root().join(file);
    if std::env::var_os("PACTO_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    match std::fs::read_to_string(&path) {
        Ok(expected) if expected == actual => {}
        Ok(expected) => failures.push(format!(
            "{file} differs:\n--- expected\n{expected}\n--- actual\n{actual}"
        )),
        Err(e) => failures.push(format!("{file}: {e} (run with PACTO_UPDATE_GOLDEN=1)")),
    }
}

#[test]
fn golden_explain_and_doc() {
    let root = root();
    let mut failures = Vec::new();
    let cases = cases();
    assert!(cases.len() >= 8, "{cases:?}");
    for (bundle, golden) in &cases {
        let doc = pacto(&["doc", bundle], &root);
        assert!(doc.status.success(), "{bundle}: {}", text(&doc.stderr));
        check_golden(&format!("{golden}.md"), &text(&doc.stdout), &mut failures);

        let explain = pacto(&["explain", bundle], &root);
        assert!(
            explain.status.success(),
            "{bundle}: {}",
            text(&explain.stderr)
        );
        check_golden(
            &format!("{golden}.explain.txt"),
            &text(&explain.stdout),
            &mut failures,
        );

        let json = pacto(&["--output-format", "json", "explain", bundle], &root);
        assert!(json.status.success(), "{bundle}: {}", text(&json.stderr));
        let v: Value = serde_json::from_slice(&json.stdout).unwrap();
        assert!(
            v["runtime"].is_object(),
            "{bundle}: runtime is always present"
        );
        check_golden(
            &format!("{golden}.explain.json"),
            &text(&json.stdout),
            &mut failures,
        );

        // Deterministic: a second run prints the same bytes.
        assert_eq!(
            pacto(&["doc", bundle], &root).stdout,
            doc.stdout,
            "{bundle}"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The Pacto 2.0 bundles (bundle dir, golden file prefix), their goldens written by
/// `core/tests/doc_v2.rs`.
fn v2_cases() -> Vec<(String, String)> {
    ["checkout", "payments-api", "job-with-readiness"]
        .iter()
        .map(|n| {
            (
                format!("fixtures/v2/valid/{n}"),
                format!("fixtures/doc/v2/{n}"),
            )
        })
        .collect()
}

/// `pacto doc` prints the same 2.0 page as the core renderer, and `pacto explain` shows the 2.0
/// sections in text and JSON (readiness is evaluated on the day, so those are checked by content).
#[test]
fn v2_contracts_explain_and_doc() {
    let root = root();
    let mut failures = Vec::new();
    for (bundle, golden) in v2_cases() {
        let doc = pacto(&["doc", &bundle], &root);
        assert!(doc.status.success(), "{bundle}: {}", text(&doc.stderr));
        check_golden(&format!("{golden}.md"), &text(&doc.stdout), &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));

    let out = pacto(&["explain", "fixtures/v2/valid/payments-api"], &root);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    for want in [
        "  DRI: alice\n",
        "  Contact: email payments@acme.com (ownership)\n",
        "  Workload: service\n",
        "  State: stateful\n",
        "  - grpc-api (grpc, internal): interfaces/service.proto\n",
        "Capabilities (3):\n",
        "  - metrics (http on rest-api /metrics)\n",
        "Readiness: ",
        "  - dashboard (url, done, weight 20, observability): https://grafana.example.com/d/payments\n",
    ] {
        assert!(t.contains(want), "{want:?} missing from\n{t}");
    }

    let out = pacto(
        &[
            "--output-format",
            "json",
            "explain",
            "fixtures/v2/valid/job-with-readiness",
        ],
        &root,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["runtime"]["workloadType"], "scheduled");
    assert_eq!(v["runtime"]["stateType"], "hybrid");
    assert_eq!(v["owner"]["contacts"][0]["type"], "oncall");
    assert_eq!(v["capabilities"][0]["type"], "health");
    assert_eq!(v["dependencies"][0]["name"], "warehouse");
    assert_eq!(v["readiness"]["minScore"], 100);
    assert_eq!(v["readiness"]["checks"][0]["id"], "backups.restore-test");
    assert_eq!(v["readiness"]["checks"][0]["status"], "not-done");
}

#[test]
fn explain_json_without_runtime_has_empty_runtime_strings() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("pacto.yaml"),
        "pactoVersion: \"1.0\"\nservice: {name: bare, version: 0.1.0}\nscaling: {replicas: 2}\n",
    )
    .unwrap();
    let out = pacto(
        &[
            "--output-format",
            "json",
            "explain",
            tmp.path().to_str().unwrap(),
        ],
        &root(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["runtime"],
        serde_json::json!({"workloadType": "", "stateType": "", "scope": "", "durability": "", "dataCriticality": ""})
    );
    assert_eq!(
        v["scaling"],
        serde_json::json!({"replicas": 2, "min": 2, "max": 2})
    );
    assert!(v.get("interfaces").is_none() && v.get("owner").is_none());
    let txt = pacto(&["explain", tmp.path().to_str().unwrap()], &root());
    assert_eq!(
        text(&txt.stdout),
        "Service: bare@0.1.0\nPacto Version: 1.0\n\nScaling: 2 replicas\n"
    );
}

#[test]
fn explain_reports_a_missing_bundle() {
    let out = pacto(&["explain", "does-not-exist"], &root());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("does-not-exist"),
        "{}",
        text(&out.stderr)
    );
}

/// Every Mermaid block of the golden documents parses with Mermaid itself (jsdom + the
/// vendored mermaid.min.js). Needs node and `target/test-infra/mermaid/node_modules` (jsdom),
/// installed by `scripts/test-infra`.
#[test]
fn mermaid_blocks_parse_with_mermaid() {
    let root = root();
    let modules = root.join("target/test-infra/mermaid/node_modules");
    let have_node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_node || !modules.join("jsdom").is_dir() {
        let reason = format!(
            "node or jsdom missing ({}); run scripts/test-infra start",
            modules.display()
        );
        assert!(std::env::var_os("CI").is_none(), "{reason}");
        eprintln!("skipped: {reason}");
        return;
    }
    let docs: Vec<String> = cases()
        .into_iter()
        .chain(v2_cases())
        .map(|(bundle, _)| {
            let out = pacto(&["doc", &bundle], &root);
            let file = root
                .join("target/test-infra/mermaid")
                .join(format!("{}.md", bundle.replace('/', "_")));
            std::fs::write(&file, &out.stdout).unwrap();
            file.display().to_string()
        })
        .collect();
    let mut cmd = Command::new("node");
    cmd.arg(root.join("pacto-cli/tests/support/mermaid-parse.cjs"))
        .arg(root.join("pacto-cli/assets/mermaid.min.js"))
        .args(&docs)
        .env("NODE_PATH", &modules);
    let out = cmd.output().unwrap();
    let report = text(&out.stdout);
    assert!(out.status.success(), "{report}{}", text(&out.stderr));
    assert_eq!(
        report.matches(": ok flowchart").count(),
        docs.len(),
        "{report}"
    );

    // The checker is not vacuous: a broken diagram fails.
    let bad = root.join("target/test-infra/mermaid/broken.md");
    std::fs::write(&bad, "```mermaid\ngraph TB\n  a[\"x\"] --> b[\"y\n```\n").unwrap();
    let out = Command::new("node")
        .arg(root.join("pacto-cli/tests/support/mermaid-parse.cjs"))
        .arg(root.join("pacto-cli/assets/mermaid.min.js"))
        .arg(&bad)
        .env("NODE_PATH", &modules)
        .output()
        .unwrap();
    assert!(!out.status.success(), "{}", text(&out.stdout));
}

#[test]
fn output_dir_gets_the_markdown_and_json_names_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("site/docs");
    let out = pacto(
        &[
            "--output-format",
            "json",
            "doc",
            "fixtures/doc/shop/storefront",
            "-o",
            dir.to_str().unwrap(),
        ],
        &root(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let file = dir.join("storefront.md");
    assert!(text(&out.stderr).contains(&format!("Wrote {}", file.display())));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["serviceName"], "storefront");
    assert_eq!(v["path"], file.display().to_string());
    assert_eq!(
        v["markdown"].as_str().unwrap(),
        std::fs::read_to_string(&file).unwrap()
    );
}

#[test]
fn serve_and_output_are_exclusive() {
    let out = pacto(
        &["doc", "fixtures/valid/nginx", "--serve", "-o", "x"],
        &root(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("--serve and --output are mutually exclusive"));
}

fn get(port: u16, path: &str) -> (String, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").as_bytes())
        .unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let split = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    (text(&all[..split]), all[split + 4..].to_vec())
}

struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start `pacto doc --serve --port 0` and read the port it announces.
fn serve(bundle: &str) -> (Server, u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pacto"))
        .args(["doc", bundle, "--serve", "--port", "0"])
        .current_dir(root())
        .env("PACTO_OFFLINE", "1")
        .env("PACTO_NO_CACHE", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let server = Server(child);
    let mut line = String::new();
    BufReader::new(stderr).read_line(&mut line).unwrap();
    let port = line
        .trim()
        .strip_prefix("Serving documentation at http://127.0.0.1:")
        .unwrap_or_else(|| panic!("unexpected: {line}"))
        .parse()
        .unwrap();
    (server, port)
}

#[test]
fn serve_renders_a_self_contained_page() {
    let (_server, port) = serve("fixtures/doc/shop/storefront");
    let (head, body) = get(port, "/");
    let page = text(&body);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.contains("Content-Security-Policy: default-src 'none'; script-src 'self'"),
        "{head}"
    );
    assert!(head.contains("Content-Type: text/html"));
    assert!(
        page.contains("<h2 id=\"1-architecture\">1. Architecture</h2>"),
        "{page}"
    );
    assert!(page.contains("<pre class=\"mermaid\">graph TB"));
    assert!(page.contains("<table>"));
    assert!(page.contains("<details id=\"dep-catalog\">"));
    // The runbook's <script> is shown, not run; no external URL is loaded.
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(page.contains("&lt;script&gt;alert"));
    for tag in page.split("<script").skip(1) {
        assert!(tag.starts_with(" src=\"/_pacto/"), "{tag}");
    }
    assert!(!page.contains("src=\"http"));

    let (head, js) = get(port, "/_pacto/mermaid.min.js");
    assert!(head.contains("text/javascript"), "{head}");
    assert!(
        js.len() > 1_000_000 && text(&js[..200]).contains("mermaid")
            || text(&js).contains("mermaid")
    );
    let (_, init) = get(port, "/_pacto/init.js");
    assert!(text(&init).contains("mermaid.initialize"));
    // Bundle files the page links to are served as text.
    let (head, spec) = get(port, "/interfaces/openapi.json");
    assert!(head.contains("text/plain"), "{head}");
    assert!(text(&spec).contains("\"openapi\""));
    // Paths outside the bundle fall back to the page.
    let (_, other) = get(port, "/../../etc/passwd");
    assert!(text(&other).starts_with("<!DOCTYPE html>"));
}
