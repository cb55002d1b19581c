#![allow(clippy::unwrap_used)]
//! End-to-end in a real editor: the Neovim plugin from `editors/nvim`, loaded into headless Neovim
//! 0.10 (Debian trixie, installed by `scripts/test-infra`, path in `PACTO_TEST_NVIM`), starts
//! `pacto lsp` through Neovim's own LSP client. The Lua driver (`editors/nvim/test/e2e.lua`) writes
//! what the editor observed as JSON; this file asserts it against the CLI, the fixture's expected
//! diagnostics and the schema. A second test takes the tmux screenshot for `editors/nvim/media/`.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const PACTO: &str = env!("CARGO_BIN_EXE_pacto");
/// Bound on every wait inside Neovim.
const WAIT_MS: u64 = 20_000;
/// Bound on a whole Neovim run.
const RUN_LIMIT: Duration = Duration::from_secs(120);

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The Neovim wrapper from `scripts/test-infra`, or None (skip) when it is not configured.
fn nvim() -> Option<PathBuf> {
    match std::env::var_os("PACTO_TEST_NVIM").filter(|v| !v.is_empty()) {
        Some(p) => {
            let p = PathBuf::from(p);
            assert!(p.exists(), "PACTO_TEST_NVIM={} does not exist", p.display());
            Some(p)
        }
        None if std::env::var_os("CI").is_some() => {
            panic!("PACTO_TEST_NVIM is not set (run: eval \"$(scripts/test-infra start)\")")
        }
        None => {
            eprintln!(
                "skipping: PACTO_TEST_NVIM is not set (eval \"$(scripts/test-infra start)\")"
            );
            None
        }
    }
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
}

/// Runs `cmd` to completion, killing it (and failing the test) after `limit`.
fn run_bounded(cmd: &mut Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "{cmd:?} did not finish within {limit:?}\nstdout: {}\nstderr: {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The fixture bundle with a health-interface mismatch, plus an unquoted `pactoVersion` (the
/// classic YAML 1.0-is-a-number mistake) so that a quick fix applies.
fn bundle(tmp: &Path) -> (PathBuf, String) {
    let src = repo().join("fixtures/invalid/health-interface-not-found");
    let dir = tmp.join("bundle");
    copy_dir(&src, &dir);
    let text = std::fs::read_to_string(dir.join("pacto.yaml")).unwrap();
    let first = text.lines().next().unwrap();
    assert_eq!(first, "pactoVersion: \"1.0\"", "fixture changed");
    let text = text.replacen(first, "pactoVersion: 1.0", 1);
    std::fs::write(dir.join("pacto.yaml"), &text).unwrap();
    (dir, text)
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

/// The 0-based line whose text starts with `prefix` (the last one).
fn line_of(text: &str, prefix: &str) -> usize {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with(prefix))
        .map(|(i, _)| i)
        .last()
        .unwrap_or_else(|| panic!("no line starting with {prefix:?}"))
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn nvim_env(cmd: &mut Command, home: &Path) {
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("PACTO_OFFLINE", "1");
}

#[test]
fn neovim_plugin_end_to_end() {
    let Some(nvim) = nvim() else { return };
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let (dir, text) = bundle(tmp.path());
    let file = dir.join("pacto.yaml");

    // Ground truth: the CLI on the same bundle, and the fixture's own expectation.
    let cli = pacto(
        &["validate", "--output-format", "json", dir.to_str().unwrap()],
        tmp.path(),
    );
    let cli: Value = serde_json::from_slice(&cli.stdout).unwrap();
    let mut want = cli["Errors"].as_array().cloned().unwrap_or_default();
    want.extend(cli["Warnings"].as_array().cloned().unwrap_or_default());
    let codes: Vec<&str> = want.iter().map(|d| d["Code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["SCHEMA_VIOLATION", "HEALTH_INTERFACE_NOT_FOUND"]);
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(
            repo().join("fixtures/invalid/health-interface-not-found/expected.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let fixture_diag = &expected["diagnostics"][0];

    let health = line_of(&text, "    interface:");
    let health_line = text.lines().nth(health).unwrap();
    let service_version = line_of(&text, "  version:");
    let interfaces: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("  - name: "))
        .map(str::to_string)
        .collect();
    assert_eq!(interfaces.len(), 3);

    let out = tmp.path().join("out.json");
    let spec = json!({
        "plugin": repo().join("editors/nvim"),
        "pacto": PACTO,
        "file": file,
        "out": out,
        "min_diagnostics": want.len(),
        "hover": {"line": health, "character": 6},
        "value_completion": {"line": health, "character": health_line.len()},
        "code_action_for": "SCHEMA_VIOLATION",
        "key_completion": {"line": service_version + 1, "text": "  "},
        "diff_old": repo().join("fixtures/valid/nginx"),
        "timeout_ms": WAIT_MS,
    });
    let spec_path = tmp.path().join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();

    let driver = repo().join("editors/nvim/test/e2e.lua");
    let mut cmd = Command::new(&nvim);
    cmd.args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
        .arg(format!("luafile {}", driver.display()))
        .current_dir(tmp.path())
        .env("PACTO_NVIM_SPEC", &spec_path);
    nvim_env(&mut cmd, &tmp.path().join("home"));
    let t = Instant::now();
    let run = run_bounded(&mut cmd, RUN_LIMIT);
    let nvim_ms = t.elapsed().as_millis();
    let raw = std::fs::read_to_string(&out).unwrap_or_else(|e| {
        panic!(
            "no result from the driver ({e}); status {:?}\nstderr: {}",
            run.status,
            String::from_utf8_lossy(&run.stderr)
        )
    });
    let r: Value = serde_json::from_str(&raw).unwrap();
    eprintln!(
        "neovim {}: timings {} (nvim run {nvim_ms} ms)",
        r["nvim_version"], r["timings_ms"]
    );
    assert_eq!(r["errors"], json!([]), "driver reported problems: {raw}");

    // The plugin: filetype detection and the client it started.
    assert_eq!(r["nvim_version"].as_str().unwrap().get(..4), Some("0.10"));
    assert_eq!(r["filetype"], "yaml.pacto");
    assert_eq!(r["client"]["name"], "pacto");
    assert_eq!(r["client"]["root_dir"], dir.to_str().unwrap());

    // Diagnostics: exactly what the CLI reports, at the same places, through Neovim's client.
    let got = r["diagnostics"].as_array().unwrap();
    assert_eq!(got.len(), want.len(), "diagnostics: {raw}");
    for (g, w) in got.iter().zip(&want) {
        let mut message = w["Message"].as_str().unwrap().to_string();
        if let Some(help) = w["Help"].as_str() {
            message = format!("{message}\nhelp: {help}");
        }
        assert_eq!(g["code"], w["Code"]);
        assert_eq!(g["message"], message.as_str());
        assert_eq!(g["source"], "pacto");
        assert_eq!(g["severity"], 1, "an error");
        assert_eq!(g["lnum"].as_u64().unwrap() + 1, w["Line"].as_u64().unwrap());
        assert_eq!(
            g["col"].as_u64().unwrap() + 1,
            w["Column"].as_u64().unwrap()
        );
        assert_eq!(
            g["end_lnum"].as_u64().unwrap() + 1,
            w["EndLine"].as_u64().unwrap()
        );
        assert_eq!(
            g["end_col"].as_u64().unwrap() + 1,
            w["EndColumn"].as_u64().unwrap()
        );
    }
    let health_diag = &got[1];
    assert_eq!(health_diag["code"], fixture_diag["code"]);
    assert_eq!(
        health_diag["lnum"].as_u64().unwrap() + 1,
        fixture_diag["line"].as_u64().unwrap()
    );
    assert_eq!(
        health_diag["col"].as_u64().unwrap() + 1,
        fixture_diag["column"].as_u64().unwrap()
    );
    assert_eq!(health_diag["lnum"].as_u64().unwrap(), health as u64);

    // Hover on `interface:` shows the schema's documentation of runtime.health.interface.
    let doc = pacto_core::schema::description(&["runtime", "health", "interface"]).unwrap();
    let hover = r["hover"].as_str().unwrap();
    assert_eq!(r["hover_kind"], "markdown");
    assert!(hover.contains("runtime.health.interface"), "hover: {hover}");
    assert!(hover.contains(doc), "hover {hover:?} lacks {doc:?}");

    // Completion after `interface: ap` offers the declared interface names.
    let mut names = interfaces.clone();
    names.sort();
    assert_eq!(strs(&r["value_completion"]), names);
    // On a new line in `service:`: the schema's keys not already present.
    let keys = strs(&r["key_completion"]);
    let mut missing: Vec<&str> = pacto_core::schema::object_keys("/properties/service")
        .into_iter()
        .filter(|k| !["name", "version"].contains(k))
        .collect();
    missing.sort_unstable();
    assert!(!missing.is_empty());
    for k in &missing {
        assert!(keys.iter().any(|x| x == k), "key {k} not offered: {keys:?}");
    }
    assert!(
        !keys.iter().any(|k| k == "name" || k == "version"),
        "{keys:?}"
    );

    // The quick fix for the unquoted pactoVersion, applied by Neovim, clears that diagnostic only.
    let actions = r["code_actions"].as_array().unwrap();
    assert!(!actions.is_empty(), "no code action: {raw}");
    let applied = r["applied"].as_str().unwrap();
    assert!(!applied.is_empty());
    assert!(
        actions
            .iter()
            .any(|a| a["title"] == applied && a["kind"] == "quickfix"),
        "{actions:?}"
    );
    eprintln!("code actions at SCHEMA_VIOLATION: {actions:?}; applied {applied:?}");
    assert_eq!(r["fixed_line"], "pactoVersion: \"1.0\"");
    assert_eq!(strs(&r["codes_after_fix"]), ["HEALTH_INTERFACE_NOT_FOUND"]);

    // :PactoValidate: the quickfix list holds the CLI's diagnostics for the file on disk.
    let qf = r["quickfix"].as_array().unwrap();
    assert_eq!(qf.len(), want.len(), "quickfix: {qf:?}");
    for (q, w) in qf.iter().zip(&want) {
        assert_eq!(q["file"], file.to_str().unwrap());
        assert_eq!(q["lnum"], w["Line"]);
        assert_eq!(q["col"], w["Column"]);
        assert_eq!(q["type"], "E");
        let text = q["text"].as_str().unwrap();
        assert!(text.contains(w["Code"].as_str().unwrap()), "{text}");
        assert!(text.contains(w["Message"].as_str().unwrap()), "{text}");
    }

    // :PactoGraph shows what `pacto graph` prints, in a scratch buffer.
    let graph = pacto(&["graph", dir.to_str().unwrap()], tmp.path());
    let graph_lines: Vec<String> = String::from_utf8_lossy(&graph.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert!(!graph_lines.is_empty());
    assert_eq!(r["graph_buffer"], "pacto://graph");
    assert_eq!(strs(&r["graph"]), graph_lines);

    // :PactoDiff OLD shows what `pacto diff` prints for OLD against the bundle.
    let old = repo().join("fixtures/valid/nginx");
    let diff = pacto(
        &["diff", "--fail-on", "none", old.to_str().unwrap(), "."],
        &dir,
    );
    let diff_lines: Vec<String> = String::from_utf8_lossy(&diff.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert!(diff_lines.len() > 2, "{diff_lines:?}");
    assert_eq!(r["diff_buffer"], "pacto://diff");
    assert_eq!(r["diff_code"], 0);
    assert_eq!(strs(&r["diff"]), diff_lines);

    // lsp/pacto.lua: `pacto lsp` on yaml.pacto buffers, rooted at the contract's directory.
    assert_eq!(r["lsp_config"]["cmd"], json!(["pacto", "lsp"]));
    assert_eq!(r["lsp_config"]["filetypes"], json!(["yaml.pacto"]));
    assert_eq!(r["lsp_config"]["root"], dir.to_str().unwrap());

    // :checkhealth pacto finds the binary and reports its version.
    let health_report = strs(&r["health"]).join("\n");
    assert!(
        health_report.contains(&format!("OK binary: {PACTO}")),
        "{health_report}"
    );
    assert!(
        health_report.contains(&format!("OK version: pacto {}", env!("CARGO_PKG_VERSION"))),
        "{health_report}"
    );
    assert!(health_report.contains("OK client"), "{health_report}");
    eprintln!(
        "neovim_plugin_end_to_end: {} ms",
        started.elapsed().as_millis()
    );
}

/// A private tmux server and the headless Neovim its UI attaches to, both ended when dropped.
struct Screen {
    socket: String,
    server: Option<std::process::Child>,
}

impl Screen {
    fn tmux(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"]);
        c.env_remove("TMUX");
        c
    }
    fn capture(&self, ansi: bool) -> String {
        let mut c = self.tmux();
        c.args(["capture-pane", "-p", "-t", "shot"]);
        if ansi {
            c.arg("-e");
        }
        let out = run_bounded(&mut c, Duration::from_secs(10));
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = self
            .tmux()
            .arg("kill-server")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if let Some(mut server) = self.server.take() {
            let _ = server.kill();
            let _ = server.wait();
        }
    }
}

/// Neovim in a real terminal (tmux), with the diagnostics drawn; the capture is compared with the
/// committed `editors/nvim/media/diagnostics.plain.txt` (PACTO_UPDATE_MEDIA=1 rewrites it and the
/// ANSI `diagnostics.txt`). The trixie Neovim runs through a loader wrapper, and its TUI cannot
/// re-exec itself as `--embed`, so the contract is opened in a headless Neovim and the TUI in tmux
/// attaches to it with `--remote-ui`.
#[test]
fn neovim_tmux_screenshot() {
    let Some(nvim) = nvim() else { return };
    if Command::new("tmux").arg("-V").output().is_err() {
        if std::env::var_os("CI").is_some() {
            panic!("tmux is not installed (scripts/test-infra start installs it)");
        }
        eprintln!("skipping: tmux is not installed");
        return;
    }
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let (dir, _) = bundle(tmp.path());
    let ready = tmp.path().join("ready");
    let sock = tmp.path().join("nvim.sock");
    let home = tmp.path().join("home");

    // The file is opened by its relative name, so the screen holds no temporary path.
    let mut server = Command::new(&nvim);
    server
        .args(["--headless", "--listen"])
        .arg(&sock)
        .arg("-u")
        .arg(repo().join("editors/nvim/test/screenshot.lua"))
        .args(["-i", "NONE", "-n", "pacto.yaml"])
        .current_dir(&dir)
        .env("PACTO_NVIM_PLUGIN", repo().join("editors/nvim"))
        .env("PACTO_NVIM_PACTO", PACTO)
        .env("PACTO_NVIM_READY", &ready)
        .env("PACTO_NVIM_MIN_DIAGNOSTICS", "2")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    nvim_env(&mut server, &home);
    let mut screen = Screen {
        socket: format!("pacto-nvim-{}", std::process::id()),
        server: Some(server.spawn().unwrap()),
    };
    let limit = Instant::now() + Duration::from_millis(WAIT_MS);
    while !sock.exists() {
        assert!(Instant::now() < limit, "headless Neovim did not listen");
        std::thread::sleep(Duration::from_millis(20));
    }
    let ui = format!(
        "exec env HOME={home} {nvim} --remote-ui --server {sock}",
        home = home.display(),
        nvim = nvim.display(),
        sock = sock.display(),
    );
    let mut new = screen.tmux();
    new.args(["new-session", "-d", "-s", "shot", "-x", "100", "-y", "32"])
        .args(["-e", "TERM=tmux-256color"])
        .arg(ui);
    let out = run_bounded(&mut new, Duration::from_secs(10));
    assert!(out.status.success(), "tmux new-session: {out:?}");
    let mut set = screen.tmux();
    set.args(["set-option", "-t", "shot", "status", "off"]);
    run_bounded(&mut set, Duration::from_secs(10));

    while !ready.exists() {
        assert!(
            Instant::now() < limit,
            "no diagnostics in Neovim; screen:\n{}",
            screen.capture(false)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let diag_ms = started.elapsed().as_millis();
    // Settle: the float drawn, then two identical captures in a row.
    let mut plain = screen.capture(false);
    loop {
        std::thread::sleep(Duration::from_millis(200));
        let again = screen.capture(false);
        if again == plain && plain.contains("help: did you mean") {
            break;
        }
        assert!(
            Instant::now() < limit,
            "the screen does not settle:\n{again}"
        );
        plain = again;
    }
    let ansi = screen.capture(true);
    drop(screen.server.take().map(|mut s| {
        let _ = s.kill();
        s.wait()
    }));

    assert!(plain.contains("E  25     interface: ap"), "{plain}");
    assert!(
        plain.contains("health interface \"ap\" does not match any declared interface"),
        "{plain}"
    );
    assert!(plain.contains("1.0 is not of type \"string\""), "{plain}");
    assert!(plain.contains("pacto.yaml"), "{plain}");
    assert!(!plain.contains(tmp.path().to_str().unwrap()), "{plain}");
    assert!(ansi.contains("\u{1b}["), "no colours captured");

    let media = repo().join("editors/nvim/media");
    let plain_file = media.join("diagnostics.plain.txt");
    if std::env::var_os("PACTO_UPDATE_MEDIA").is_some() {
        std::fs::create_dir_all(&media).unwrap();
        std::fs::write(media.join("diagnostics.txt"), &ansi).unwrap();
        std::fs::write(&plain_file, &plain).unwrap();
        eprintln!("wrote {}", media.display());
    } else if let Ok(committed) = std::fs::read_to_string(&plain_file) {
        assert_eq!(
            plain,
            committed,
            "the Neovim screen differs from {}; rerun with PACTO_UPDATE_MEDIA=1 and review",
            plain_file.display()
        );
    }
    eprintln!(
        "neovim_tmux_screenshot: diagnostics drawn after {diag_ms} ms, {} ms in all",
        started.elapsed().as_millis()
    );
}

/// Runs `editors/nvim/test/lens.lua` with `spec` (plus the common keys) and returns what it saw.
fn run_lens_driver(nvim: &Path, tmp: &Path, name: &str, mut spec: Value, offline: bool) -> Value {
    let out = tmp.join(format!("{name}.json"));
    spec["plugin"] = json!(repo().join("editors/nvim"));
    spec["pacto"] = json!(PACTO);
    spec["out"] = json!(out);
    spec["timeout_ms"] = json!(WAIT_MS);
    let spec_path = tmp.join(format!("{name}.spec.json"));
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let driver = repo().join("editors/nvim/test/lens.lua");
    let mut cmd = Command::new(nvim);
    cmd.args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
        .arg(format!("luafile {}", driver.display()))
        .current_dir(tmp)
        .env("PACTO_NVIM_SPEC", &spec_path);
    nvim_env(&mut cmd, &tmp.join(format!("home-{name}")));
    if !offline {
        cmd.env_remove("PACTO_OFFLINE");
    }
    let run = run_bounded(&mut cmd, RUN_LIMIT);
    let raw = std::fs::read_to_string(&out).unwrap_or_else(|e| {
        panic!(
            "no result from the lens driver ({e}); status {:?}\nstderr: {}",
            run.status,
            String::from_utf8_lossy(&run.stderr)
        )
    });
    let r: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(r["errors"], json!([]), "driver reported problems: {raw}");
    r
}

/// Code lenses and inlay hints are on by default (setup options turn them off), the lens is
/// refreshed after an edit and after a save, and :PactoGraph, :PactoDiff and :PactoValidate work
/// when run from their own output windows (they use the last contract buffer).
#[test]
fn neovim_lens_hints_and_commands_from_output_windows() {
    let Some(nvim) = nvim() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let (dir, text) = bundle(tmp.path());
    // A valid contract (quoted pactoVersion, the health interface declared) that can be pushed.
    let text = text
        .replacen("pactoVersion: 1.0", "pactoVersion: \"1.0\"", 1)
        .replace("interface: ap\n", "interface: api\n");
    let file = dir.join("pacto.yaml");
    std::fs::write(&file, &text).unwrap();
    let port = line_of(&text, "    port: 8080");
    let cache = tmp.path().join("cache");

    let registry = std::env::var("PACTO_TEST_REGISTRY")
        .ok()
        .filter(|r| !r.is_empty());
    let repository = registry.as_ref().map(|reg| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let repo = format!("oci://{reg}/nvim-lens-{}-{nanos}/svc", std::process::id());
        let push = run_bounded(
            Command::new(PACTO)
                .args(["push", &format!("{repo}:1.0.0"), "-p"])
                .arg(&dir)
                .env("HOME", tmp.path().join("home-push")),
            Duration::from_secs(60),
        );
        assert!(push.status.success(), "push: {push:?}");
        repo
    });
    let settings = json!({"pacto": {
        "repository": repository,
        "plainHttp": true,
        "cacheDir": cache,
    }});

    // Defaults: hints on; with a repository, the lens shows and follows edits and saves.
    let r = run_lens_driver(
        &nvim,
        tmp.path(),
        "defaults",
        json!({
            "file": file,
            "setup": {"settings": settings},
            "expect_lens": repository.is_some(),
            "edit_line": port,
            "edit_text": "    port: 9999",
            "orig_text": "    port: 8080",
            "edit_lens": "1 breaking",
            "saved_lens": "0 breaking",
        }),
        false,
    );
    assert_eq!(r["hints_enabled"], true, "{r}");
    if repository.is_some() {
        let first = strs(&r["lens_open"]);
        assert_eq!(first.len(), 1, "{r}");
        assert!(
            first[0].starts_with("vs published 1.0.0: 0 breaking"),
            "{first:?}"
        );
        let edited = strs(&r["lens_edited"]);
        assert!(
            edited
                .iter()
                .any(|t| t.starts_with("vs published 1.0.0: 1 breaking")),
            "after the edit: {edited:?}"
        );
        let saved = strs(&r["lens_saved"]);
        assert!(
            saved
                .iter()
                .any(|t| t.starts_with("vs published 1.0.0: 0 breaking")),
            "after the save: {saved:?}"
        );
    } else {
        eprintln!("PACTO_TEST_REGISTRY is not set: the lens itself is not checked");
    }

    // Turned off in setup: no lens, no hints. Then the commands from their output windows.
    let old = repo().join("fixtures/valid/nginx");
    let r = run_lens_driver(
        &nvim,
        tmp.path(),
        "off",
        json!({
            "file": file,
            "setup": {"settings": settings, "codelens": false, "inlay_hints": false},
            "expect_lens": false,
            "output_windows": true,
            "diff_old": old,
        }),
        false,
    );
    assert_eq!(r["hints_enabled"], false, "{r}");
    assert_eq!(r["lens_open"], json!([]), "{r}");

    let graph = pacto(&["graph", dir.to_str().unwrap()], tmp.path());
    let graph_lines: Vec<String> = String::from_utf8_lossy(&graph.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert!(!graph_lines.is_empty());
    assert_eq!(strs(&r["graph_first"]), graph_lines);
    assert_eq!(strs(&r["graph_again"]), graph_lines, "from pacto://graph");
    assert_eq!(r["graph_buffer"], "pacto://graph");

    let diff = pacto(
        &["diff", "--fail-on", "none", old.to_str().unwrap(), "."],
        &dir,
    );
    let diff_lines: Vec<String> = String::from_utf8_lossy(&diff.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert!(diff_lines.len() > 2, "{diff_lines:?}");
    assert_eq!(strs(&r["diff_first"]), diff_lines, "from pacto://graph");
    assert_eq!(strs(&r["diff_again"]), diff_lines, "from pacto://diff");
    assert_eq!(r["diff_buffer"], "pacto://diff");
    assert_eq!(
        r["quickfix_title"],
        format!("pacto validate {}", dir.display()),
        "from pacto://diff"
    );
}

/// Issue 17 in a real editor: in Neovim, the "Migrate to Pacto 2.0" action on a 1.x contract
/// (with comments) applies one workspace edit; the file written is byte for byte what
/// `pacto migrate -o` writes, validates clean as 2.0, keeps the comments, and the report is
/// shown as a message.
#[test]
fn neovim_migrate_code_action() {
    let Some(nvim) = nvim() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bundle");
    copy_dir(&repo().join("fixtures/migrate/full"), &dir);
    let file = dir.join("pacto.yaml");
    // A comment on an untouched line and one on a moved section.
    let original = std::fs::read_to_string(&file).unwrap();
    let original = original
        .replacen("service:\n", "# owned by the payments team\nservice:\n", 1)
        .replacen("interfaces:\n", "interfaces: # what callers use\n", 1);
    std::fs::write(&file, &original).unwrap();

    // Ground truth: the CLI's migrated copy of the same bundle.
    let cli_out = tmp.path().join("cli");
    let cli = pacto(
        &[
            "migrate",
            dir.to_str().unwrap(),
            "-o",
            cli_out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    let want = std::fs::read_to_string(cli_out.join("pacto.yaml")).unwrap();

    let out = tmp.path().join("out.json");
    let spec = json!({
        "plugin": repo().join("editors/nvim"),
        "pacto": PACTO,
        "file": file,
        "out": out,
        "title": "Migrate to Pacto 2.0",
        "timeout_ms": WAIT_MS,
    });
    let spec_path = tmp.path().join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let driver = repo().join("editors/nvim/test/migrate.lua");
    let mut cmd = Command::new(&nvim);
    cmd.args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
        .arg(format!("luafile {}", driver.display()))
        .current_dir(tmp.path())
        .env("PACTO_NVIM_SPEC", &spec_path);
    nvim_env(&mut cmd, &tmp.path().join("home"));
    let run = run_bounded(&mut cmd, RUN_LIMIT);
    let raw = std::fs::read_to_string(&out).unwrap_or_else(|e| {
        panic!(
            "no result from the driver ({e}); status {:?}\nstderr: {}",
            run.status,
            String::from_utf8_lossy(&run.stderr)
        )
    });
    let r: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(r["errors"], json!([]), "driver reported problems: {raw}");
    assert_eq!(r["written"], json!(true));

    let got = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        got, want,
        "the editor's result differs from pacto migrate's"
    );
    assert!(
        got.contains("\n# owned by the payments team\nservice:\n"),
        "{got}"
    );
    assert!(got.contains("interfaces: # what callers use\n"), "{got}");
    assert!(
        got.lines()
            .any(|l| l.starts_with("pactoVersion:") && l.contains("2.0")),
        "{got}"
    );
    // The report was shown, naming what was dropped.
    let messages = r["messages"].as_array().unwrap();
    let report = messages
        .iter()
        .filter_map(Value::as_str)
        .find(|m| m.starts_with("Migrated to Pacto 2.0"))
        .unwrap_or_else(|| panic!("no report message: {raw}"));
    assert!(report.contains("port"), "{report}");
    // The written file validates clean as 2.0, with the CLI and in the editor.
    let v = pacto(&["validate", dir.to_str().unwrap()], tmp.path());
    assert!(
        v.status.success(),
        "{}{}",
        String::from_utf8_lossy(&v.stdout),
        String::from_utf8_lossy(&v.stderr)
    );
    let errors: Vec<&Value> = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        // Errors only: offline, a remote policy is not enforced (a warning, as in the CLI).
        .filter(|d| d["severity"] == 1)
        .collect();
    assert!(
        errors.is_empty(),
        "the editor still shows errors: {errors:?}"
    );
    assert!(
        !r["diagnostics"].as_array().unwrap().is_empty(),
        "the migrated buffer was not re-validated: {raw}"
    );
}

/// yaml-language-server for the mixed-workspace test: `npm ci` of the version pinned in
/// `scripts/bench-lsp.d` (the benchmark's peer) into `target/nvim-yamlls`, once; None (skip)
/// without npm.
fn yamlls() -> Option<PathBuf> {
    let dest = repo().join("target/nvim-yamlls");
    let bin = dest.join("node_modules/yaml-language-server/bin/yaml-language-server");
    std::fs::create_dir_all(&dest).unwrap();
    let lock = std::fs::File::create(dest.join(".lock")).unwrap();
    lock.lock().unwrap();
    let spec = repo().join("scripts/bench-lsp.d");
    let pinned = std::fs::read(spec.join("package-lock.json")).unwrap();
    if bin.exists() && std::fs::read(dest.join("package-lock.json")).ok() == Some(pinned.clone()) {
        return Some(bin);
    }
    let npm = Command::new("npm")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !npm {
        if std::env::var_os("CI").is_some() {
            panic!("npm is not installed (needed for yaml-language-server)");
        }
        eprintln!("skipping: npm is not installed (needed for yaml-language-server)");
        return None;
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
    Some(bin)
}

/// A mixed workspace in Neovim: a Pacto 2.0 contract, a new 2.0 contract and a 1.x contract,
/// each with `pacto lsp` (the plugin) and yaml-language-server configured through
/// `require('pacto.yamlls').config()`. Each file gets the diagnostics of its generation exactly
/// once (the CLI's, at its places; yamlls's schema errors on contracts are dropped), yamlls gets
/// the schema of each file's pactoVersion, and both servers complete the generation's keys.
#[test]
fn neovim_mixed_workspace_v2_and_yamlls() {
    let Some(nvim) = nvim() else { return };
    let Some(yls) = yamlls() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    let v1 = ws.join("v1");
    let v2 = ws.join("v2");
    let fresh = ws.join("fresh");
    copy_dir(
        &repo().join("fixtures/invalid/health-interface-not-found"),
        &v1,
    );
    copy_dir(
        &repo().join("fixtures/v2/invalid/capability-interface-unknown"),
        &v2,
    );
    // A 1.x section in the 2.0 contract: a schema error both servers see (yamlls's is dropped).
    let mut v2_text = std::fs::read_to_string(v2.join("pacto.yaml")).unwrap();
    v2_text.push_str("runtime:\n  workload: service\n");
    std::fs::write(v2.join("pacto.yaml"), &v2_text).unwrap();
    std::fs::create_dir_all(&fresh).unwrap();
    let fresh_text = "pactoVersion: \"2.0\"\nservice:\n  name: fresh\n  version: 1.0.0\n";
    std::fs::write(fresh.join("pacto.yaml"), fresh_text).unwrap();

    // Ground truth: the CLI on each bundle.
    let cli = |dir: &Path| -> Vec<Value> {
        let out = pacto(
            &["validate", "--output-format", "json", dir.to_str().unwrap()],
            tmp.path(),
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut all = v["Errors"].as_array().cloned().unwrap_or_default();
        all.extend(v["Warnings"].as_array().cloned().unwrap_or_default());
        all
    };
    let want_v2 = cli(&v2);
    let codes: Vec<&str> = want_v2
        .iter()
        .map(|d| d["Code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["CAPABILITY_INTERFACE_UNKNOWN", "UNKNOWN_FIELD"]);
    let want_v1 = cli(&v1);
    let codes: Vec<&str> = want_v1
        .iter()
        .map(|d| d["Code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["HEALTH_INTERFACE_NOT_FOUND"]);
    assert!(cli(&fresh).is_empty(), "the fresh 2.0 contract is valid");

    let files = [
        (
            v2.join("pacto.yaml"),
            want_v2.len(),
            line_of(&v2_text, "interfaces:"),
        ),
        (fresh.join("pacto.yaml"), 0, 4),
        (
            v1.join("pacto.yaml"),
            want_v1.len(),
            line_of(
                &std::fs::read_to_string(v1.join("pacto.yaml")).unwrap(),
                "interfaces:",
            ),
        ),
    ];
    let out = tmp.path().join("out.json");
    let spec = json!({
        "plugin": repo().join("editors/nvim"),
        "pacto": PACTO,
        "yamlls_cmd": ["node", yls, "--stdio"],
        "workspace": ws,
        "files": files.iter().map(|(p, n, l)| json!({"path": p, "min_diagnostics": n, "completion_line": l})).collect::<Vec<_>>(),
        "out": out,
        "timeout_ms": WAIT_MS,
    });
    let spec_path = tmp.path().join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let driver = repo().join("editors/nvim/test/v2.lua");
    let mut cmd = Command::new(&nvim);
    cmd.args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
        .arg(format!("luafile {}", driver.display()))
        .current_dir(tmp.path())
        .env("PACTO_NVIM_SPEC", &spec_path);
    nvim_env(&mut cmd, &tmp.path().join("home"));
    let t = Instant::now();
    let run = run_bounded(&mut cmd, RUN_LIMIT);
    let raw = std::fs::read_to_string(&out).unwrap_or_else(|e| {
        panic!(
            "no result from the driver ({e}); status {:?}\nstderr: {}",
            run.status,
            String::from_utf8_lossy(&run.stderr)
        )
    });
    eprintln!("neovim mixed workspace: {} ms", t.elapsed().as_millis());
    let r: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(r["errors"], json!([]), "driver reported problems: {raw}");
    let file = |p: &Path| &r["files"][p.to_str().unwrap()];
    let raw_yamlls = |p: &Path| {
        r["yamlls_raw"][p.to_str().unwrap()]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let schemas = repo().join("schemas");

    // Each contract: exactly the CLI's diagnostics, each once, from pacto, at the CLI's places.
    for (path, want) in [
        (v2.join("pacto.yaml"), &want_v2),
        (v1.join("pacto.yaml"), &want_v1),
        (fresh.join("pacto.yaml"), &Vec::new()),
    ] {
        let f = file(&path);
        assert_eq!(f["filetype"], "yaml.pacto");
        let got = f["diagnostics"].as_array().unwrap();
        assert_eq!(got.len(), want.len(), "{}: {got:?}", path.display());
        for (g, w) in got.iter().zip(want.iter()) {
            assert_eq!(g["code"], w["Code"], "{}", path.display());
            assert_eq!(g["source"], "pacto");
            assert_eq!(g["lnum"].as_u64().unwrap() + 1, w["Line"].as_u64().unwrap());
            assert_eq!(
                g["col"].as_u64().unwrap() + 1,
                w["Column"].as_u64().unwrap()
            );
        }
    }
    let v2_file = file(&v2.join("pacto.yaml"));
    let d = &v2_file["diagnostics"][0];
    assert_eq!(d["code"], "CAPABILITY_INTERFACE_UNKNOWN");
    assert_eq!(
        (d["lnum"].as_u64(), d["col"].as_u64()),
        (Some(13), Some(17))
    );

    // yamlls validated each contract with the schema of its pactoVersion: in the 2.0 contract it
    // saw the 1.x `runtime` (and nothing of 2.0's capabilities); its schema errors were dropped.
    assert_eq!(
        v2_file["yamlls_schema"],
        json!(format!(
            "file://{}/pacto-v2.0.schema.json",
            schemas.display()
        ))
    );
    assert_eq!(
        file(&v1.join("pacto.yaml"))["yamlls_schema"],
        json!(format!(
            "file://{}/pacto-v1.0.schema.json",
            schemas.display()
        ))
    );
    // Without the schema files (the plugin installed apart from the repository): no schema
    // rather than one yamlls cannot load.
    assert_eq!(v2_file["yamlls_schema_missing_dir"], Value::Null);
    let seen = raw_yamlls(&v2.join("pacto.yaml"));
    assert!(!seen.is_empty(), "yamlls published nothing: {raw}");
    for d in &seen {
        assert_eq!(
            d["source"], "yaml-schema: Pacto Service Contract v2.0",
            "{seen:?}"
        );
        assert!(
            d["message"].as_str().unwrap().contains("runtime"),
            "{seen:?}"
        );
    }
    assert_eq!(raw_yamlls(&v1.join("pacto.yaml")), Vec::<Value>::new());
    assert_eq!(raw_yamlls(&fresh.join("pacto.yaml")), Vec::<Value>::new());

    // Completion on a new top-level line, from both servers: the generation's keys.
    let fresh_file = file(&fresh.join("pacto.yaml"));
    for server in ["pacto_completion", "yamlls_completion"] {
        let keys = strs(&fresh_file[server]);
        for k in ["capabilities", "interfaces", "workload", "state"] {
            assert!(
                keys.iter().any(|x| x == k),
                "{server}: {k} not offered in a 2.0 contract: {keys:?}"
            );
        }
        for k in ["runtime", "scaling"] {
            assert!(
                !keys.iter().any(|x| x == k),
                "{server}: 1.x key {k} offered in a 2.0 contract: {keys:?}"
            );
        }
        let keys = strs(&v2_file[server]);
        assert!(keys.iter().any(|x| x == "workload"), "{server}: {keys:?}");
        assert!(!keys.iter().any(|x| x == "scaling"), "{server}: {keys:?}");
        let keys = strs(&file(&v1.join("pacto.yaml"))[server]);
        assert!(
            keys.iter().any(|x| x == "scaling"),
            "{server}: 1.x keys in the 1.x contract: {keys:?}"
        );
        assert!(
            !keys.iter().any(|x| x == "capabilities" || x == "workload"),
            "{server}: {keys:?}"
        );
    }
}
