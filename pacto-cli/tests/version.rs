//! `pacto version` (Go's four fields), `pacto completion SHELL` and `pacto logout REGISTRY`, end
//! to end through the binary.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn pacto(args: &[&str], config_home: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pacto"));
    cmd.env_remove("PACTO_OUTPUT_FORMAT").args(args);
    if let Some(dir) = config_home {
        cmd.env("XDG_CONFIG_HOME", dir).env("HOME", dir);
    }
    cmd.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn go_platform() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        o => o,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        a => a,
    };
    format!("{os}/{arch}")
}

#[test]
fn version_prints_gos_fields() {
    let out = pacto(&["version"], None);
    assert!(out.status.success());
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    let field = |i: usize, label: &str| -> String {
        let l = lines[i];
        // Go's alignment: the label, then the value from column 23.
        assert!(l.starts_with(label), "{l}");
        assert_eq!(l[..22].trim_end(), label, "{l}");
        assert!(!l[22..].starts_with(' '), "{l}");
        l[22..].to_string()
    };
    assert_eq!(field(0, "Pacto:"), env!("CARGO_PKG_VERSION"));
    // A test build is not stamped by scripts/release: commit and date are "unknown", never
    // the clock, so the output is the same on every run.
    let commit = field(1, "Git Commit:");
    let date = field(2, "Build Date:");
    if option_env!("PACTO_GIT_COMMIT").is_none() {
        assert_eq!(commit, "unknown");
        assert_eq!(date, "unknown");
    }
    assert_eq!(field(3, "OS/Arch:"), go_platform());
    assert_eq!(
        stdout(&pacto(&["version"], None)),
        text,
        "not deterministic"
    );

    let json = pacto(&["version", "--output-format", "json"], None);
    assert!(json.status.success());
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["Version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["GitCommit"], commit.as_str());
    assert_eq!(v["BuildDate"], date.as_str());
    assert_eq!(v["Platform"], go_platform().as_str());
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["Version", "GitCommit", "BuildDate", "Platform"]);

    // A format version cannot render is a usage error; from the environment it falls back.
    let sarif = pacto(&["version", "--output-format", "sarif"], None);
    assert_eq!(sarif.status.code(), Some(2));
    let env = Command::new(env!("CARGO_BIN_EXE_pacto"))
        .arg("version")
        .env("PACTO_OUTPUT_FORMAT", "sarif")
        .output()
        .unwrap();
    assert!(env.status.success());
    assert_eq!(stdout(&env), text);
}

#[test]
fn completion_scripts_for_four_shells() {
    let expect = [
        ("bash", "_pacto()"),
        ("zsh", "#compdef pacto"),
        ("fish", "complete -c pacto"),
        ("powershell", "Register-ArgumentCompleter"),
    ];
    for (shell, marker) in expect {
        let out = pacto(&["completion", shell], None);
        assert!(out.status.success(), "{shell}");
        let script = stdout(&out);
        assert!(script.contains(marker), "{shell}: no {marker}");
        for cmd in ["validate", "diff", "logout", "completion", "migrate"] {
            assert!(script.contains(cmd), "{shell}: no {cmd}");
        }
    }
    let bad = pacto(&["completion", "tcsh"], None);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr)
        .contains("possible values: bash, zsh, fish, powershell"));

    // The bash script loads in bash and completes subcommands.
    let have_bash = Command::new("bash").arg("-c").arg("true").status().is_ok();
    if have_bash {
        let script = stdout(&pacto(&["completion", "bash"], None));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pacto.bash");
        std::fs::write(&file, script).unwrap();
        let probe = format!(
            "source '{}'; COMP_WORDS=(pacto lo); COMP_CWORD=1; COMP_LINE='pacto lo'; COMP_POINT=8; _pacto pacto lo pacto; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            file.display()
        );
        let out = Command::new("bash")
            .args(["--norc", "-c", &probe])
            .output()
            .unwrap();
        let words = stdout(&out);
        assert!(words.lines().any(|w| w == "login"), "{words}");
        assert!(words.lines().any(|w| w == "logout"), "{words}");
        // Closed vocabularies complete too: the output formats.
        let probe = format!(
            "source '{}'; COMP_WORDS=(pacto validate --output-format ''); COMP_CWORD=3; _pacto pacto '' --output-format; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            file.display()
        );
        let out = Command::new("bash")
            .args(["--norc", "-c", &probe])
            .output()
            .unwrap();
        assert_eq!(stdout(&out), "text\njson\nmarkdown\nsarif\n");
    }
}

#[test]
fn logout_removes_what_login_stored() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("pacto/config.json");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(
        &config,
        r#"{"auths":{"localhost:5000":{"auth":"dTpw"},"ghcr.io":{"auth":"djpx"}},"other":1}"#,
    )
    .unwrap();

    let out = pacto(&["logout", "localhost:5000"], Some(home.path()));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout(&out), "Logout succeeded for localhost:5000\n");
    let cfg: Value = serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    assert!(cfg["auths"].get("localhost:5000").is_none());
    assert_eq!(cfg["auths"]["ghcr.io"]["auth"], "djpx");
    assert_eq!(cfg["other"], 1);

    // Again: nothing stored, not an error (Go's message).
    let out = pacto(&["logout", "https://localhost:5000/"], Some(home.path()));
    assert!(out.status.success());
    assert_eq!(stdout(&out), "No stored credentials for localhost:5000\n");

    let json = pacto(
        &["logout", "ghcr.io", "--output-format", "json"],
        Some(home.path()),
    );
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["Registry"], "ghcr.io");
    assert_eq!(v["Removed"], true);

    // No config file at all.
    let empty = tempfile::tempdir().unwrap();
    let out = pacto(&["logout", "ghcr.io"], Some(empty.path()));
    assert!(out.status.success());
    assert_eq!(stdout(&out), "No stored credentials for ghcr.io\n");
    assert!(!empty.path().join("pacto/config.json").exists());

    // A broken file is an error and stays as it was.
    std::fs::write(&config, "{broken").unwrap();
    let out = pacto(&["logout", "ghcr.io"], Some(home.path()));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not valid JSON"));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "{broken");

    // Not a registry host.
    let out = pacto(&["logout", "ghcr.io/acme/orders"], Some(home.path()));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a registry"));
}

/// Against the htpasswd registry of `scripts/test-infra` (PACTO_TEST_REGISTRY_AUTH): login,
/// push, logout, and the same push is refused again: logout removed what login stored, and
/// nothing else answers for this registry.
#[test]
fn logout_against_the_auth_registry() {
    let Some(reg) = std::env::var("PACTO_TEST_REGISTRY_AUTH")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        eprintln!("skipping logout: PACTO_TEST_REGISTRY_AUTH is not set (run `eval \"$(scripts/test-infra start)\"`)");
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str], stdin: Option<&str>| -> Output {
        use std::io::Write;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pacto"));
        for k in [
            "PACTO_OUTPUT_FORMAT",
            "PACTO_OFFLINE",
            "PACTO_NO_CACHE",
            "PACTO_REGISTRY_TOKEN",
            "PACTO_REGISTRY_USERNAME",
            "PACTO_REGISTRY_PASSWORD",
        ] {
            cmd.env_remove(k);
        }
        cmd.env("HOME", home.path().join("home"))
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .env("DOCKER_CONFIG", home.path().join("docker"))
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let mut pipe = child.stdin.take().unwrap();
        if let Some(input) = stdin {
            pipe.write_all(input.as_bytes()).unwrap();
        }
        drop(pipe);
        child.wait_with_output().unwrap()
    };
    let bundle = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/v2/valid/minimal");
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let repo = format!(
        "oci://{reg}/pacto-cli-test/logout-{}-{}",
        std::process::id(),
        nanos % 1_000_000_000
    );
    let bundle = bundle.to_string_lossy().into_owned();

    let login = run(
        &["login", &reg, "-u", "pacto", "--password-stdin"],
        Some("secret\n"),
    );
    assert!(
        login.status.success(),
        "{}",
        String::from_utf8_lossy(&login.stderr)
    );
    let push = run(&["push", &repo, "-p", &bundle], None);
    assert!(
        push.status.success(),
        "{}",
        String::from_utf8_lossy(&push.stderr)
    );

    let logout = run(&["logout", &reg], None);
    assert!(logout.status.success());
    assert_eq!(stdout(&logout), format!("Logout succeeded for {reg}\n"));
    let push = run(&["push", &repo, "-p", &bundle, "--force"], None);
    assert!(!push.status.success(), "pushed after logout");
    let err = String::from_utf8_lossy(&push.stderr);
    assert!(err.contains("authentication failed"), "{err}");
}
