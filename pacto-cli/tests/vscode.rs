#![allow(clippy::unwrap_used)]
//! The VS Code extension (`editors/vscode`): built and packaged the way a release would be (`npm ci`,
//! type-check, lint, unit tests, `vsce package`), then installed into a real VS Code (code-server,
//! VS Code OSS from npm, installed by `scripts/test-infra`) and driven in headless Debian Chromium
//! with playwright-core (`editors/vscode/test/e2e/driver.cjs`). The driver writes what the editor
//! showed as JSON; this file asserts it against `pacto validate`, `pacto graph` and the schema.
//!
//! Environment (from `eval "$(scripts/test-infra start)"`): PACTO_TEST_CODE_SERVER,
//! PACTO_TEST_PLAYWRIGHT, PACTO_TEST_CHROMIUM. Missing: the tests skip with a reason, unless CI is
//! set. PACTO_UPDATE_MEDIA=1 refreshes `editors/vscode/media/diagnostic.png`.

use serde_json::{json, Value};
use std::fs::File;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const PACTO: &str = env!("CARGO_BIN_EXE_pacto");
/// The contract schemas the extension ships (copied from the repository's `schemas/`).
const SCHEMAS: [&str; 2] = ["pacto-v1.0.schema.json", "pacto-v2.0.schema.json"];
/// Bound on every wait inside the browser.
const WAIT_MS: u64 = 45_000;
/// Bound on the whole browser run.
const DRIVER_LIMIT: Duration = Duration::from_secs(240);

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn ext_dir() -> PathBuf {
    repo().join("editors/vscode")
}

fn skip_or_fail(reason: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{reason} (run: eval \"$(scripts/test-infra start)\")");
    }
    eprintln!("skipping: {reason} (eval \"$(scripts/test-infra start)\")");
}

fn env_path(name: &str) -> Option<PathBuf> {
    let p = PathBuf::from(std::env::var_os(name).filter(|v| !v.is_empty())?);
    assert!(p.exists(), "{name}={} does not exist", p.display());
    Some(p)
}

fn has_npm() -> bool {
    let ok = Command::new("npm")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        skip_or_fail("npm is not installed");
    }
    ok
}

/// Runs `cmd` to completion, killing it (and failing the test) after `limit`.
fn run_bounded(cmd: &mut Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    // Drain the pipes while waiting, so a chatty child cannot block on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{cmd:?} did not finish within {limit:?}\nstdout: {}\nstderr: {}",
                String::from_utf8_lossy(&out_t.join().unwrap()),
                String::from_utf8_lossy(&err_t.join().unwrap())
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out_t.join().unwrap(),
        stderr: err_t.join().unwrap(),
    }
}

fn npm_run(args: &[&str], limit: Duration) -> (Output, u128) {
    let t = Instant::now();
    let out = run_bounded(
        Command::new("npm")
            .args(args)
            .current_dir(ext_dir())
            .env("npm_config_update_notifier", "false"),
        limit,
    );
    let ms = t.elapsed().as_millis();
    assert!(
        out.status.success(),
        "npm {args:?} failed\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, ms)
}

/// What the build produced and measured.
struct Build {
    vsix: PathBuf,
    /// Steps run, with wall-clock milliseconds (empty when an identical earlier build was reused).
    steps: Vec<(&'static str, u128)>,
    unit_tap: String,
    vsce_ls: String,
    /// Held while the build is in use: another test process may rebuild the tree otherwise.
    _lock: File,
}

/// A hash of every input of the package, to reuse an identical build.
fn inputs_hash() -> String {
    use std::hash::{Hash, Hasher};
    let mut files = Vec::new();
    let dir = ext_dir();
    for name in [
        "package.json",
        "package-lock.json",
        "tsconfig.json",
        "eslint.config.mjs",
        ".vscodeignore",
    ] {
        files.push(dir.join(name));
    }
    for sub in ["src", "test/unit", "test/e2e", "test/yaml", "scripts"] {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        files.extend(entries);
    }
    for schema in SCHEMAS {
        files.push(repo().join("schemas").join(schema));
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for f in files {
        f.hash(&mut h);
        std::fs::read(&f).unwrap_or_default().hash(&mut h);
    }
    format!("{:016x}", h.finish())
}

/// Builds `editors/vscode` into `pacto-vscode.vsix`: npm ci, type-check, lint, unit tests, package.
/// Serialised across test processes with a file lock (the steps write into the source tree).
/// `reuse`: skip the steps when the inputs are the same as in the last successful build.
fn build_vsix(reuse: bool) -> Build {
    let target = repo().join("target");
    std::fs::create_dir_all(&target).unwrap();
    let lock = File::create(target.join("vscode-build.lock")).unwrap();
    lock.lock().unwrap();
    let vsix = ext_dir().join("pacto-vscode.vsix");
    let stamp = target.join("vscode-build.stamp");
    let hash = inputs_hash();
    if reuse && vsix.exists() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == hash) {
        eprintln!("reusing {} (inputs unchanged)", vsix.display());
        return Build {
            vsix,
            steps: Vec::new(),
            unit_tap: String::new(),
            vsce_ls: String::new(),
            _lock: lock,
        };
    }
    let _ = std::fs::remove_file(&stamp);
    let _ = std::fs::remove_file(&vsix);
    let long = Duration::from_secs(600);
    let mut steps = Vec::new();
    let (_, ms) = npm_run(&["ci", "--no-audit", "--no-fund"], long);
    steps.push(("npm ci", ms));
    let (_, ms) = npm_run(&["run", "typecheck"], long);
    steps.push(("tsc --noEmit", ms));
    let (_, ms) = npm_run(&["run", "lint"], long);
    steps.push(("eslint", ms));
    let (unit, ms) = npm_run(&["run", "test:unit"], long);
    steps.push(("unit tests", ms));
    let (_, ms) = npm_run(&["run", "package"], long);
    steps.push(("vsce package", ms));
    let (ls, _) = npm_run(&["exec", "--", "vsce", "ls"], long);
    assert!(vsix.exists(), "vsce package wrote no {}", vsix.display());
    std::fs::write(&stamp, &hash).unwrap();
    Build {
        vsix,
        steps,
        unit_tap: String::from_utf8_lossy(&unit.stdout).into_owned(),
        vsce_ls: String::from_utf8_lossy(&ls.stdout).into_owned(),
        _lock: lock,
    }
}

#[test]
fn vscode_extension_builds_and_packages() {
    if !has_npm() {
        return;
    }
    let b = build_vsix(false);
    eprintln!("vscode extension build steps (ms): {:?}", b.steps);

    // node:test's TAP summary: every unit test ran and passed.
    let count = |key: &str| -> u64 {
        b.unit_tap
            .lines()
            .find_map(|l| l.strip_prefix(&format!("# {key} ")))
            .unwrap_or_else(|| panic!("no '# {key}' in the unit test output:\n{}", b.unit_tap))
            .trim()
            .parse()
            .unwrap()
    };
    assert!(count("tests") >= 10, "{}", b.unit_tap);
    assert_eq!(count("pass"), count("tests"), "{}", b.unit_tap);
    assert_eq!(count("fail"), 0);

    // The package: a zip with the compiled extension, the client library and the schema copies.
    let bytes = std::fs::read(&b.vsix).unwrap();
    assert_eq!(&bytes[..4], b"PK\x03\x04", "not a zip");
    let files: Vec<&str> = b.vsce_ls.lines().map(str::trim).collect();
    for want in [
        "package.json",
        "README.md",
        "out/src/extension.js",
        "out/src/serverPath.js",
        "out/src/schemas.js",
        "schemas/pacto-v1.0.schema.json",
        "schemas/pacto-v2.0.schema.json",
        "node_modules/vscode-languageclient/package.json",
    ] {
        assert!(files.contains(&want), "{want} not packaged: {files:?}");
    }
    assert!(
        !files
            .iter()
            .any(|f| f.starts_with("src/") || f.starts_with("test/")),
        "sources packaged: {files:?}"
    );
    // The schema copies are the repository's schemas, byte for byte (generated, not maintained
    // by hand), both generations.
    for schema in SCHEMAS {
        assert_eq!(
            std::fs::read(ext_dir().join("schemas").join(schema)).unwrap(),
            std::fs::read(repo().join("schemas").join(schema)).unwrap(),
            "{schema}"
        );
    }
    // No static `yamlValidation`: it associates one schema by file name, and a pacto.yaml may be
    // 1.x or 2.0. The extension hands Red Hat YAML the schema of each document's pactoVersion
    // through YAML's registerContributor API instead (src/schemas.ts, unit-tested above).
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(ext_dir().join("package.json")).unwrap()).unwrap();
    assert!(
        manifest["contributes"].get("yamlValidation").is_none(),
        "a static yamlValidation gives 2.0 contracts the 1.x schema (or 1.x ones the 2.0 one)"
    );
    let commands: Vec<&str> = manifest["contributes"]["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        commands,
        [
            "Validate",
            "Show diff against published",
            "Show dependency graph",
            "Restart server"
        ]
    );
}

/// code-server in its own process group; the whole group (extension host, file watcher, the
/// `pacto lsp` it spawned) is ended on drop.
struct CodeServer {
    child: Child,
}

impl CodeServer {
    fn signal(&self, sig: &str) {
        let _ = Command::new("kill")
            .args([sig, "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for CodeServer {
    fn drop(&mut self) {
        self.signal("-TERM");
        let limit = Instant::now() + Duration::from_secs(5);
        while Instant::now() < limit {
            if self.child.try_wait().ok().flatten().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // Stragglers in the group (code-server's children outlive it on TERM).
        std::thread::sleep(Duration::from_millis(200));
        self.signal("-KILL");
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// True once `GET /healthz` answers 200.
fn healthy(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    buf.starts_with(b"HTTP/1.1 200") || buf.starts_with(b"HTTP/1.0 200")
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to);
        } else if entry.file_name() != "expected.json" {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
}

fn pacto(args: &[&str], cwd: &Path) -> Output {
    run_bounded(
        Command::new(PACTO)
            .args(args)
            .current_dir(cwd)
            .env("PACTO_OFFLINE", "1"),
        Duration::from_secs(30),
    )
}

/// Width and height from a PNG's IHDR chunk.
fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

#[test]
fn vscode_extension_end_to_end_in_code_server() {
    let (Some(code_server), Some(playwright), Some(chromium)) = (
        env_path("PACTO_TEST_CODE_SERVER"),
        env_path("PACTO_TEST_PLAYWRIGHT"),
        env_path("PACTO_TEST_CHROMIUM"),
    ) else {
        skip_or_fail(
            "PACTO_TEST_CODE_SERVER, PACTO_TEST_PLAYWRIGHT or PACTO_TEST_CHROMIUM is not set",
        );
        return;
    };
    if !has_npm() {
        return;
    }
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let build = build_vsix(true);
    let build_ms = started.elapsed().as_millis();
    // A private copy, so that the lock can go (the other test may rebuild the tree meanwhile).
    let vsix = tmp.path().join("pacto-vscode.vsix");
    std::fs::copy(&build.vsix, &vsix).unwrap();
    let build_steps = build.steps.clone();
    drop(build);
    let home = tmp.path().join("home");
    let user_data = tmp.path().join("user-data");
    let extensions = tmp.path().join("extensions");
    let ws = tmp.path().join("workspace");
    copy_dir(
        &repo().join("fixtures/invalid/health-interface-not-found"),
        &ws,
    );
    let text = std::fs::read_to_string(ws.join("pacto.yaml")).unwrap();
    std::fs::create_dir_all(user_data.join("User")).unwrap();
    std::fs::create_dir_all(&home).unwrap();

    // With the test registry: publish the previous version (health on `api`), for "Show diff
    // against published". Without it the server runs offline and that step is left out.
    let registry = std::env::var("PACTO_TEST_REGISTRY")
        .ok()
        .filter(|r| !r.is_empty());
    let repository = registry.as_ref().map(|reg| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let repo = format!("oci://{reg}/vscode-e2e-{}-{nanos}/svc", std::process::id());
        let old = tmp.path().join("published");
        copy_dir(&ws, &old);
        let yaml = std::fs::read_to_string(old.join("pacto.yaml")).unwrap();
        assert!(yaml.contains("interface: ap\n"));
        std::fs::write(
            old.join("pacto.yaml"),
            yaml.replace("interface: ap\n", "interface: api\n"),
        )
        .unwrap();
        let push = run_bounded(
            Command::new(PACTO)
                .args(["push", &format!("{repo}:1.0.0"), "-p"])
                .arg(&old)
                .env("HOME", &home),
            Duration::from_secs(60),
        );
        assert!(push.status.success(), "push: {push:?}");
        repo
    });
    if repository.is_none() {
        eprintln!("PACTO_TEST_REGISTRY is not set: not checking Show diff against published");
    }
    let settings = json!({
        "pacto.server.path": PACTO,
        "pacto.offline": repository.is_none(),
        "pacto.repository": repository.clone().unwrap_or_default(),
        "pacto.plainHttp": true,
        "workbench.startupEditor": "none",
        "security.workspace.trust.enabled": false,
        "telemetry.telemetryLevel": "off",
        "extensions.autoCheckUpdates": false,
        "extensions.autoUpdate": false,
        "update.mode": "none",
        "workbench.tips.enabled": false,
        "workbench.enableExperiments": false,
        "chat.disableAIFeatures": true,
        "editor.hover.delay": 200,
        // Completion lists the server's items only (no words picked from open documents).
        "editor.wordBasedSuggestions": "off",
        // Whole lines in the DOM, for reading documents back (Markdown soft-wraps by default).
        "editor.wordWrap": "off",
        "[markdown]": { "editor.wordWrap": "off" },
    });
    std::fs::write(
        user_data.join("User/settings.json"),
        serde_json::to_string_pretty(&settings).unwrap(),
    )
    .unwrap();
    let isolate = |c: &mut Command| {
        c.env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env_remove("PACTO_OFFLINE");
    };

    // Ground truth: what the CLI reports for the same bundle.
    let cli = pacto(
        &["validate", "--output-format", "json", ws.to_str().unwrap()],
        tmp.path(),
    );
    let cli: Value = serde_json::from_slice(&cli.stdout).unwrap();
    let errors = cli["Errors"].as_array().cloned().unwrap_or_default();
    let codes: Vec<&str> = errors.iter().map(|d| d["Code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        ["HEALTH_INTERFACE_NOT_FOUND"],
        "fixture changed: {cli}"
    );
    let diag = &errors[0];
    let (message, help) = (
        diag["Message"].as_str().unwrap(),
        diag["Help"].as_str().unwrap(),
    );
    let (line, column) = (
        diag["Line"].as_u64().unwrap(),
        diag["Column"].as_u64().unwrap(),
    );
    let error_line = text.lines().nth(line as usize - 1).unwrap().trim();
    assert_eq!(error_line, "interface: ap");
    let doc = pacto_core::schema::description(&["runtime", "health", "interface"]).unwrap();
    let graph = pacto(&["graph", ws.to_str().unwrap()], tmp.path());
    assert!(graph.status.success());
    let graph = String::from_utf8_lossy(&graph.stdout).trim().to_string();
    assert!(!graph.is_empty());

    // A mixed workspace: a Pacto 2.0 contract beside the 1.x one (v2/pacto.yaml, its own bundle).
    let v2_dir = ws.join("v2");
    copy_dir(
        &repo().join("fixtures/v2/invalid/capability-interface-unknown"),
        &v2_dir,
    );
    let v2_text = std::fs::read_to_string(v2_dir.join("pacto.yaml")).unwrap();
    let v2_cli = pacto(
        &[
            "validate",
            "--output-format",
            "json",
            v2_dir.to_str().unwrap(),
        ],
        tmp.path(),
    );
    let v2_cli: Value = serde_json::from_slice(&v2_cli.stdout).unwrap();
    let v2_errors = v2_cli["Errors"].as_array().cloned().unwrap_or_default();
    let v2_codes: Vec<&str> = v2_errors
        .iter()
        .map(|d| d["Code"].as_str().unwrap())
        .collect();
    assert_eq!(
        v2_codes,
        ["CAPABILITY_INTERFACE_UNKNOWN"],
        "fixture changed: {v2_cli}"
    );
    let v2_diag = &v2_errors[0];
    let v2_message = v2_diag["Message"].as_str().unwrap();
    let (v2_line, v2_column) = (
        v2_diag["Line"].as_u64().unwrap(),
        v2_diag["Column"].as_u64().unwrap(),
    );
    let v2_expected: Value = serde_json::from_str(
        &std::fs::read_to_string(
            repo().join("fixtures/v2/invalid/capability-interface-unknown/expected.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(v2_expected["diagnostics"][0]["line"], json!(v2_line));
    assert_eq!(v2_expected["diagnostics"][0]["column"], json!(v2_column));
    let v2_error_line = v2_text.lines().nth(v2_line as usize - 1).unwrap().trim();
    assert_eq!(v2_error_line, "interface: apy");
    // Top-level keys: the 2.0 schema's, less those the file has; 1.x-only keys never.
    let present: Vec<&str> = v2_text
        .lines()
        .filter_map(|l| l.split_once(':').map(|(k, _)| k))
        .filter(|k| !k.starts_with([' ', '#', '-']))
        .collect();
    let v2_keys: Vec<&str> =
        pacto_core::schema::object_keys_in(pacto_core::schema::Generation::V2, "")
            .into_iter()
            .filter(|k| !present.contains(k))
            .collect();
    assert!(v2_keys.contains(&"workload"), "{v2_keys:?}");

    // Install the .vsix into code-server, as a user would.
    let t = Instant::now();
    let mut install = Command::new(&code_server);
    install
        .arg("--user-data-dir")
        .arg(&user_data)
        .arg("--extensions-dir")
        .arg(&extensions)
        .arg("--install-extension")
        .arg(&vsix);
    isolate(&mut install);
    let out = run_bounded(&mut install, Duration::from_secs(120));
    let install_ms = t.elapsed().as_millis();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.contains("was successfully installed"),
        "install failed: {said}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(ext_dir().join("package.json")).unwrap()).unwrap();
    let installed = extensions.join(format!(
        "pacto.pacto-vscode-{}",
        manifest["version"].as_str().unwrap()
    ));
    for schema in SCHEMAS {
        assert_eq!(
            std::fs::read(installed.join("schemas").join(schema)).unwrap(),
            std::fs::read(repo().join("schemas").join(schema)).unwrap(),
            "the installed extension carries the repository's {schema}"
        );
    }

    // code-server on a free loopback port, without auth, in its own process group.
    let port = free_port();
    let log = File::create(tmp.path().join("code-server.log")).unwrap();
    let mut cmd = Command::new(&code_server);
    cmd.arg("--bind-addr")
        .arg(format!("127.0.0.1:{port}"))
        .args([
            "--auth",
            "none",
            "--disable-telemetry",
            "--disable-update-check",
        ])
        .args([
            "--disable-workspace-trust",
            "--disable-getting-started-override",
        ])
        .arg("--user-data-dir")
        .arg(&user_data)
        .arg("--extensions-dir")
        .arg(&extensions)
        .arg(&ws)
        .current_dir(tmp.path())
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .process_group(0);
    isolate(&mut cmd);
    let t = Instant::now();
    let server = CodeServer {
        child: cmd.spawn().unwrap(),
    };
    let limit = Instant::now() + Duration::from_secs(60);
    while !healthy(port) {
        assert!(
            Instant::now() < limit,
            "code-server did not come up: {}",
            std::fs::read_to_string(tmp.path().join("code-server.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let server_ms = t.elapsed().as_millis();

    let shot = tmp.path().join("diagnostic.png");
    let v2_shot = tmp.path().join("diagnostic-v2.png");
    let out = tmp.path().join("result.json");
    let spec = json!({
        "playwright": playwright,
        "chromium": chromium,
        "chromeProfile": tmp.path().join("chromium-profile"),
        "url": format!("http://127.0.0.1:{port}/?folder={}", ws.display()),
        "fileName": "pacto.yaml",
        "errorLineText": error_line,
        "errorWord": "ap",
        "errorMessage": message,
        "keyLineText": error_line,
        "keyWord": "interface",
        "keyHoverMustContain": "runtime.health.interface",
        "expectStatus": "Pacto: 1 error",
        "graphFirstLine": graph.lines().next().unwrap(),
        "diffMustContain": repository.as_ref().map(|_| "POTENTIAL_BREAKING"),
        "v2": {
            "path": "v2/pacto.yaml",
            "errorLineText": v2_error_line,
            "errorWord": "apy",
            "errorMessage": v2_message,
            "expectStatus": "Pacto: 1 error",
            "completionBefore": "interfaces:",
            "screenshot": v2_shot,
        },
        "screenshot": shot,
        "workspaceSettings": ws.join(".vscode/settings.json"),
        "missingServer": tmp.path().join("no/such/pacto"),
        "out": out,
        "timeoutMs": WAIT_MS,
        "totalTimeoutMs": DRIVER_LIMIT.as_millis() as u64 - 10_000,
    });
    let spec_path = tmp.path().join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let t = Instant::now();
    let run = run_bounded(
        Command::new("node")
            .arg(ext_dir().join("test/e2e/driver.cjs"))
            .arg(&spec_path)
            .current_dir(tmp.path()),
        DRIVER_LIMIT,
    );
    let driver_ms = t.elapsed().as_millis();
    drop(server);
    let raw = std::fs::read_to_string(&out).unwrap_or_else(|e| {
        panic!(
            "no result from the driver ({e}); status {:?}\nstderr: {}\ncode-server log: {}",
            run.status,
            String::from_utf8_lossy(&run.stderr),
            std::fs::read_to_string(tmp.path().join("code-server.log")).unwrap_or_default()
        )
    });
    let r: Value = serde_json::from_str(&raw).unwrap();
    let failure_shot = out.with_extension("json.failure.png");
    if failure_shot.exists() {
        let keep = repo().join("target/vscode-e2e-failure.png");
        let _ = std::fs::copy(&failure_shot, &keep);
        eprintln!("the browser at the failure: {}", keep.display());
    }
    eprintln!(
        "vscode e2e: build {build_ms} ms (steps {:?}), install {install_ms} ms, code-server up {server_ms} ms, browser run {driver_ms} ms; driver timings {}",
        build_steps, r["timings_ms"]
    );
    assert_eq!(r["errors"], json!([]), "driver reported problems: {raw}");

    // The error squiggle, and the status bar item counting the contract's errors.
    assert_eq!(r["squiggles"], json!(errors.len()), "{raw}");
    assert_eq!(r["status"], "Pacto: 1 error");

    // Hovering the squiggle shows the server's diagnostic, with its code.
    let error_hover = r["error_hover"].as_str().unwrap();
    assert!(error_hover.contains(message), "{error_hover}");
    assert!(
        error_hover.contains(&format!("help: {help}")),
        "{error_hover}"
    );
    assert!(
        error_hover.contains("pacto(HEALTH_INTERFACE_NOT_FOUND)"),
        "{error_hover}"
    );

    // The Problems panel: the file, then the entry with the CLI's message, line and column.
    let problems = r["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 2, "{raw}");
    assert!(
        problems[0]["label"]
            .as_str()
            .unwrap()
            .starts_with("1 problems in file pacto.yaml"),
        "{raw}"
    );
    assert_eq!(
        problems[1]["label"],
        format!("Error: {message}\nhelp: {help} at line {line} and character {column}. generated by pacto")
    );
    let entry = problems[1]["text"].as_str().unwrap();
    assert!(
        entry.contains(&format!("[Ln {line}, Col {column}]")),
        "{entry}"
    );
    assert!(entry.contains("HEALTH_INTERFACE_NOT_FOUND"), "{entry}");

    // Hovering a key shows the contract documentation from the schema (rendered Markdown).
    let key_hover = r["key_hover"].as_str().unwrap();
    assert!(
        key_hover.starts_with("runtime.health.interface"),
        "{key_hover}"
    );
    let plain_doc = doc.replace('`', "");
    assert!(
        key_hover.replace('\n', " ").contains(&plain_doc),
        "hover {key_hover:?} lacks {plain_doc:?}"
    );

    // Pacto: Show dependency graph shows what `pacto graph` prints.
    assert_eq!(r["graph"].as_str().unwrap().trim(), graph);

    // Pacto: Show diff against published: the buffer against the published 1.0.0 (one change,
    // the health interface, classified POTENTIAL_BREAKING), through the server's pacto.showDiff or
    // the `pacto diff` fallback.
    if repository.is_some() {
        let diff = r["diff"].as_str().unwrap();
        assert!(diff.contains("POTENTIAL_BREAKING"), "{diff}");
        assert!(diff.contains("runtime.health.interface"), "{diff}");
        // Rendered: a Markdown preview, not the Markdown source.
        assert_eq!(r["diff_tab"], "Preview diff.md", "{raw}");
        assert!(!diff.contains("**"), "rendered, not source: {diff}");
        // The code lens on service.version runs the server's command; the client shows the same,
        // once: one preview, no second document opened by the server.
        let lens = r["lens"].as_str().unwrap();
        assert!(lens.starts_with("vs published 1.0.0"), "{lens}");
        assert_eq!(r["lens_diff"].as_str().unwrap(), diff);
        let tabs: Vec<&str> = r["lens_tabs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        let md: Vec<&str> = tabs.iter().copied().filter(|t| t.contains(".md")).collect();
        assert_eq!(md, ["Preview diff.md"], "tabs after one click: {tabs:?}");
    }

    // pacto.server.path pointing nowhere: an error notification naming the setting and the fix.
    let note = r["missing_notification"].as_str().unwrap();
    assert!(note.contains("pacto.server.path"), "{note}");
    assert!(note.contains("no/such/pacto"), "{note}");
    assert!(note.contains("Fix:"), "{note}");
    assert!(note.contains("Open Settings"), "{note}");
    eprintln!("notification for a missing server: {note:?}");
    assert_eq!(r["missing_status"], "Pacto: no server");

    // The Pacto 2.0 contract of the same workspace: its diagnostic once, at the CLI's place, the
    // 1.x one still there with its own; completion from the 2.0 schema.
    let v2 = &r["v2"];
    assert_eq!(v2["squiggles"], json!(1), "{raw}");
    assert_eq!(v2["status"], "Pacto: 1 error", "{raw}");
    let v2_hover = v2["error_hover"].as_str().unwrap();
    assert!(v2_hover.contains(v2_message), "{v2_hover}");
    assert!(
        v2_hover.contains("pacto(CAPABILITY_INTERFACE_UNKNOWN)"),
        "{v2_hover}"
    );
    // The hover documents the key from the 2.0 schema (the 1.x file's from the 1.x one, above).
    let v2_schema: Value = serde_json::from_slice(
        &std::fs::read(repo().join("schemas/pacto-v2.0.schema.json")).unwrap(),
    )
    .unwrap();
    let v2_doc = v2_schema
        .pointer(
            "/properties/capabilities/items/properties/binding/properties/interface/description",
        )
        .and_then(Value::as_str)
        .unwrap()
        .replace('`', "");
    assert!(
        v2_hover.replace('\n', " ").contains(&v2_doc),
        "hover {v2_hover:?} lacks the 2.0 schema's {v2_doc:?}"
    );
    let rows = v2["problems"].as_array().unwrap();
    let label = |r: &Value| r["label"].as_str().unwrap().to_string();
    let headers: Vec<String> = rows
        .iter()
        .map(label)
        .filter(|l| l.contains(" problems in file "))
        .collect();
    assert_eq!(headers.len(), 2, "one header per contract: {rows:?}");
    assert!(
        headers
            .iter()
            .any(|h| h.ends_with("pacto.yaml of folder v2")),
        "{headers:?}"
    );
    // The errors (the server also shows the breaking changes against the published version as
    // information on their lines: not errors, not counted here).
    let texts: Vec<&str> = rows
        .iter()
        .filter(|r| label(r).starts_with("Error: "))
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts.len(), 2, "each error exactly once: {rows:?}");
    let once = |code: &str, at: String| {
        let hits: Vec<&&str> = texts.iter().filter(|t| t.contains(code)).collect();
        assert_eq!(
            hits.len(),
            1,
            "{code} shown {} times: {texts:?}",
            hits.len()
        );
        assert!(hits[0].contains(&at), "{code} not at {at}: {texts:?}");
    };
    once(
        "CAPABILITY_INTERFACE_UNKNOWN",
        format!("[Ln {v2_line}, Col {v2_column}]"),
    );
    once(
        "HEALTH_INTERFACE_NOT_FOUND",
        format!("[Ln {line}, Col {column}]"),
    );
    let completion = &v2["completion"];
    let labels = strs(&completion["labels"]);
    assert_eq!(
        completion["total"],
        json!(labels.len()),
        "every suggestion read: {completion}"
    );
    for k in &v2_keys {
        assert!(
            labels.iter().any(|l| l == k),
            "{k} not offered in the 2.0 contract: {labels:?}"
        );
    }
    for k in ["runtime", "scaling", "configuration", "policy"] {
        assert!(
            !labels.iter().any(|l| l == k),
            "1.x key {k} offered in the 2.0 contract: {labels:?}"
        );
    }
    let v2_png = std::fs::read(&v2_shot).unwrap();
    assert_eq!(png_size(&v2_png), (1280, 800));
    let keep = repo().join("target/vscode-e2e-v2.png");
    let _ = std::fs::write(&keep, &v2_png);
    eprintln!("the 2.0 contract in code-server: {}", keep.display());

    // The screenshot for the README.
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(png_size(&png), (1280, 800));
    let media = ext_dir().join("media/diagnostic.png");
    let media_v2 = ext_dir().join("media/diagnostic-v2.png");
    for (media, png) in [(media, &png), (media_v2, &v2_png)] {
        if std::env::var_os("PACTO_UPDATE_MEDIA").is_some() || !media.exists() {
            std::fs::create_dir_all(media.parent().unwrap()).unwrap();
            std::fs::write(&media, png).unwrap();
            eprintln!("wrote {}", media.display());
        }
    }
    eprintln!(
        "vscode_extension_end_to_end_in_code_server: {} ms",
        started.elapsed().as_millis()
    );
}

/// yaml-language-server, the server inside Red Hat's YAML extension: `npm ci` of the version
/// pinned in `scripts/bench-lsp.d` into `target/nvim-yamlls` (shared with the Neovim test), once.
fn yamlls() -> PathBuf {
    let dest = repo().join("target/nvim-yamlls");
    let bin = dest.join("node_modules/yaml-language-server/bin/yaml-language-server");
    std::fs::create_dir_all(&dest).unwrap();
    let lock = File::create(dest.join(".lock")).unwrap();
    lock.lock().unwrap();
    let spec = repo().join("scripts/bench-lsp.d");
    let pinned = std::fs::read(spec.join("package-lock.json")).unwrap();
    if bin.exists() && std::fs::read(dest.join("package-lock.json")).ok() == Some(pinned.clone()) {
        return bin;
    }
    std::fs::copy(spec.join("package.json"), dest.join("package.json")).unwrap();
    std::fs::write(dest.join("package-lock.json"), &pinned).unwrap();
    let out = run_bounded(
        Command::new("npm")
            .args([
                "ci",
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                "--loglevel=error",
            ])
            .current_dir(&dest),
        Duration::from_secs(300),
    );
    assert!(
        out.status.success() && bin.exists(),
        "npm ci of yaml-language-server failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    bin
}

/// The schema contributor the extension registers with Red Hat YAML (`src/schemas.ts`, compiled),
/// behind the real yaml-language-server, through the messages Red Hat YAML's client exchanges for
/// `registerContributor` (`test/yaml/contributor.cjs`). In a mixed workspace each contract is
/// validated and completed with the schema of its pactoVersion, served from the `pacto-schema://`
/// URIs; other YAML files get nothing from it; an edit of pactoVersion switches the schema; and
/// every schema error `pacto lsp` reports (the codes the client drops when YAML owns them) is
/// reported by YAML on the same line, so dropping them loses nothing and shows nothing twice.
#[test]
fn vscode_schema_contributor_with_yaml_language_server() {
    if !has_npm() {
        return;
    }
    let build = build_vsix(true);
    let yls = yamlls();
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    let (v1, v2) = (ws.join("v1"), ws.join("v2"));
    copy_dir(
        &repo().join("fixtures/invalid/health-interface-not-found"),
        &v1,
    );
    copy_dir(
        &repo().join("fixtures/v2/invalid/capability-interface-unknown"),
        &v2,
    );
    let mut v2_text = std::fs::read_to_string(v2.join("pacto.yaml")).unwrap();
    v2_text.push_str("runtime:\n  workload: service\n");
    std::fs::write(v2.join("pacto.yaml"), &v2_text).unwrap();
    let v1_text = std::fs::read_to_string(v1.join("pacto.yaml")).unwrap();
    assert!(v1_text.starts_with("pactoVersion: \"1.0\"\n"));
    let uri = |p: &Path| format!("file://{}", p.display());
    let (v1_uri, v2_uri) = (uri(&v1.join("pacto.yaml")), uri(&v2.join("pacto.yaml")));
    let other_uri = uri(&ws.join("ci.yaml"));

    let out = tmp.path().join("result.json");
    let spec = json!({
        "nodeModules": yls.ancestors().nth(3).unwrap(),
        "yamlls": yls,
        "schemasModule": ext_dir().join("out/src/schemas.js"),
        "schemasDir": ext_dir().join("schemas"),
        "rootUri": uri(&ws),
        "documents": [
            {"uri": v2_uri, "text": v2_text},
            {"uri": v1_uri, "text": v1_text},
            {"uri": other_uri, "text": "pactoVersion: \"2.0\"\nruntime: 1\n"},
        ],
        "switch": {"uri": v1_uri, "text": v1_text.replacen("pactoVersion: \"1.0\"", "pactoVersion: \"2.0\"", 1)},
        "out": out,
        "timeoutMs": WAIT_MS,
        "totalTimeoutMs": 90_000,
    });
    let spec_path = tmp.path().join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let run = run_bounded(
        Command::new("node")
            .arg(ext_dir().join("test/yaml/contributor.cjs"))
            .arg(&spec_path),
        Duration::from_secs(120),
    );
    drop(build);
    let raw = std::fs::read_to_string(&out)
        .unwrap_or_else(|e| panic!("no result ({e}): {}", String::from_utf8_lossy(&run.stderr)));
    let r: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(r["errors"], json!([]), "{raw}");

    // The schema each file was given.
    let asked = |u: &str| -> Vec<Value> {
        r["schemaRequests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|q| q["resource"] == u)
            .map(|q| q["uri"].clone())
            .collect()
    };
    let v2_schema = json!("pacto-schema://schemas/pacto-v2.0.schema.json");
    let v1_schema = json!("pacto-schema://schemas/pacto-v1.0.schema.json");
    assert!(asked(&v2_uri).iter().all(|u| *u == v2_schema), "{raw}");
    assert!(!asked(&v2_uri).is_empty());
    assert_eq!(asked(&v1_uri).first(), Some(&v1_schema), "{raw}");
    assert_eq!(
        asked(&v1_uri).last(),
        Some(&v2_schema),
        "after the switch: {raw}"
    );
    assert!(asked(&other_uri).iter().all(Value::is_null), "{raw}");
    for c in r["contentRequests"].as_array().unwrap() {
        assert!(c == &v1_schema || c == &v2_schema, "{c}");
    }

    // Diagnostics: the 2.0 contract against the 2.0 schema (its 1.x `runtime` only), the 1.x
    // contract clean against the 1.x schema, the other YAML file untouched.
    let initial = &r["initial"];
    let v2_diags = initial[&v2_uri].as_array().unwrap();
    assert!(!v2_diags.is_empty(), "{raw}");
    for d in v2_diags {
        assert_eq!(
            d["source"], "yaml-schema: Pacto Service Contract v2.0",
            "{raw}"
        );
        assert!(d["message"].as_str().unwrap().contains("runtime"), "{raw}");
    }
    assert_eq!(initial[&v1_uri], json!([]), "{raw}");
    assert_eq!(initial[&other_uri], json!([]), "{raw}");
    // Every structure-layer error of `pacto validate` (what the client drops when YAML owns
    // schema errors: diagnostics.ts SCHEMA_CODES) has a YAML error on its line.
    const SCHEMA_CODES: [&str; 3] = [
        "SCHEMA_VIOLATION",
        "UNKNOWN_FIELD",
        "MISSING_REQUIRED_FIELD",
    ];
    let cli = pacto(
        &["validate", "--output-format", "json", v2.to_str().unwrap()],
        tmp.path(),
    );
    let cli: Value = serde_json::from_slice(&cli.stdout).unwrap();
    let schema_errors: Vec<&Value> = cli["Errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| SCHEMA_CODES.contains(&d["Code"].as_str().unwrap()))
        .collect();
    assert!(!schema_errors.is_empty(), "{cli}");
    for e in schema_errors {
        let line = e["Line"].as_u64().unwrap() - 1;
        assert!(
            v2_diags.iter().any(|d| d["line"] == json!(line)),
            "pacto's {e} has no YAML counterpart: {v2_diags:?}"
        );
    }

    // Completion from YAML follows the generation.
    let labels = |u: &str| strs(&r["completion"][u]);
    let v2_keys = labels(&v2_uri);
    assert!(v2_keys.iter().any(|k| k == "workload"), "{v2_keys:?}");
    assert!(!v2_keys.iter().any(|k| k == "scaling"), "{v2_keys:?}");
    let v1_keys = labels(&v1_uri);
    assert!(v1_keys.iter().any(|k| k == "scaling"), "{v1_keys:?}");
    assert!(!v1_keys.iter().any(|k| k == "workload"), "{v1_keys:?}");

    // pactoVersion edited to "2.0": the same file is now checked against the 2.0 schema.
    let switched = r["switched"].as_array().unwrap();
    assert!(
        switched.iter().any(
            |d| d["source"] == "yaml-schema: Pacto Service Contract v2.0"
                && d["message"].as_str().unwrap().contains("runtime")
        ),
        "{switched:?}"
    );
}
