//! `pacto push`, `pacto pull` and `pacto login` end to end, against the loopback registries of
//! `scripts/test-infra start` (`PACTO_TEST_REGISTRY`, `PACTO_TEST_REGISTRY_AUTH`) and a tiny
//! scripted server for faults. Without the registries these tests print "skipping" and pass,
//! unless `CI` is set.
//!
//! Each run of the binary gets its own HOME, XDG_CACHE_HOME, XDG_CONFIG_HOME and DOCKER_CONFIG,
//! and each test its own repositories, so tests run in parallel and repeatedly.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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

fn unique_repo(test: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "pacto-cli-test/{}-{}-{}-{}",
        test.replace('_', "-"),
        std::process::id(),
        nanos % 1_000_000_000,
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// An isolated home for the binary: its own cache, config and Docker config.
struct Home {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Home {
    fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        let p = |s: &str| dir.path().join(s).to_string_lossy().into_owned();
        let env = vec![
            ("HOME".to_string(), p("home")),
            ("XDG_CACHE_HOME".to_string(), p("cache")),
            ("XDG_CONFIG_HOME".to_string(), p("config")),
            ("DOCKER_CONFIG".to_string(), p("docker")),
        ];
        std::fs::create_dir_all(dir.path().join("work")).unwrap();
        Home { dir, env }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn work(&self) -> PathBuf {
        self.path("work")
    }

    fn set(&mut self, k: &str, v: &str) {
        self.env.push((k.to_string(), v.to_string()));
    }

    fn pacto(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_pacto"));
        for k in [
            "PACTO_OUTPUT_FORMAT",
            "PACTO_OFFLINE",
            "PACTO_NO_CACHE",
            "PACTO_PLAIN_HTTP",
            "PACTO_REGISTRY_TOKEN",
            "PACTO_REGISTRY_USERNAME",
            "PACTO_REGISTRY_PASSWORD",
            "PACTO_CACHE_TAG_TTL",
        ] {
            c.env_remove(k);
        }
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c.args(args).current_dir(self.work());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.pacto(args).stdin(Stdio::null()).output().unwrap()
    }

    fn run_stdin(&self, args: &[&str], input: &str) -> Output {
        let mut child = self
            .pacto(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// Write a valid bundle `work/<dir>` for service `name@version`.
    fn bundle(&self, dir: &str, name: &str, version: &str, extra: &str) -> String {
        let root = self.work().join(dir);
        std::fs::create_dir_all(root.join("interfaces")).unwrap();
        std::fs::write(
            root.join("pacto.yaml"),
            format!(
                "pactoVersion: \"1.0\"\nservice:\n  name: {name}\n  version: {version}\n  owner: team/test\ninterfaces:\n  - name: api\n    type: http\n    port: 8080\n    visibility: internal\n    contract: interfaces/openapi.yaml\n{extra}"
            ),
        )
        .unwrap();
        std::fs::write(
            root.join("interfaces/openapi.yaml"),
            "openapi: 3.0.0\ninfo:\n  title: t\n  version: 1.0.0\npaths: {}\n",
        )
        .unwrap();
        root.to_string_lossy().into_owned()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        stdout(o),
        stderr(o)
    );
}

fn fails(o: &Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(1),
        "stdout: {}\nstderr: {}",
        stdout(o),
        stderr(o)
    );
    stderr(o)
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn push_then_pull_with_go_texts() {
    let Some(reg) = env_or_skip("PACTO_TEST_REGISTRY", "push/pull") else {
        return;
    };
    let home = Home::new();
    let dir = home.bundle("svc", "orders", "1.4.0", "");
    let repo = format!("{reg}/{}", unique_repo("push_pull"));

    // Untagged: tagged with service.version. Silent stderr (not a terminal: no progress bars).
    let o = home.run(&["push", &format!("oci://{repo}"), "-p", &dir]);
    ok(&o);
    let out = stdout(&o);
    let mut lines = out.lines();
    assert_eq!(
        lines.next().unwrap(),
        format!("Pushed orders@1.4.0 -> {repo}:1.4.0")
    );
    let digest_line = lines.next().unwrap();
    assert!(digest_line.starts_with("Digest: sha256:"), "{out}");
    assert_eq!(digest_line.len(), "Digest: sha256:".len() + 64);
    assert_eq!(
        stderr(&o),
        "",
        "no progress output when stderr is not a terminal"
    );

    // Again: skipped with Go's warning, exit 0, nothing on stdout.
    let o = home.run(&["push", &format!("oci://{repo}:1.4.0"), "--path", &dir]);
    ok(&o);
    assert_eq!(stdout(&o), "");
    assert_eq!(
        stderr(&o),
        format!("Warning: artifact already exists: {repo}:1.4.0 (use --force to overwrite)\n")
    );

    // Forced, JSON: same content, same digest (reproducible).
    let o = home.run(&[
        "--output-format",
        "json",
        "push",
        &format!("oci://{repo}:1.4.0"),
        "-p",
        &dir,
        "--force",
    ]);
    ok(&o);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["Ref"], format!("{repo}:1.4.0"));
    assert_eq!(v["Name"], "orders");
    assert_eq!(v["Version"], "1.4.0");
    assert_eq!(
        format!("Digest: {}", v["Digest"].as_str().unwrap()),
        digest_line
    );
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["Ref", "Digest", "Name", "Version"]);

    // Pull into a directory: the same files.
    let o = home.run(&["pull", &format!("oci://{repo}:1.4.0"), "-o", "out"]);
    ok(&o);
    assert_eq!(stdout(&o), "Pulled orders@1.4.0 -> out/\n");
    for f in ["pacto.yaml", "interfaces/openapi.yaml"] {
        assert_eq!(
            std::fs::read(home.work().join("out").join(f)).unwrap(),
            std::fs::read(Path::new(&dir).join(f)).unwrap()
        );
    }
    // The pulled bundle validates.
    let o = home.run(&["validate", "out"]);
    ok(&o);

    // Untagged pull, default output = service name, JSON with the resolved ref.
    home.run(&[
        "push",
        &format!("oci://{repo}:1.10.0"),
        "-p",
        &home.bundle("svc2", "orders", "1.10.0", ""),
    ]);
    let o = home.run(&["--output-format", "json", "pull", &format!("oci://{repo}")]);
    ok(&o);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["Ref"], format!("{repo}:1.10.0"));
    assert_eq!(v["Output"], "orders");
    assert_eq!(v["Version"], "1.10.0");
    assert!(home.work().join("orders/pacto.yaml").is_file());

    // By digest.
    let digest = digest_line.trim_start_matches("Digest: ");
    let o = home.run(&["pull", &format!("oci://{repo}@{digest}"), "-o", "by-digest"]);
    ok(&o);
    assert!(
        std::fs::read_to_string(home.work().join("by-digest/pacto.yaml"))
            .unwrap()
            .contains("version: 1.4.0")
    );
}

#[test]
fn push_refuses_bad_input_before_the_registry() {
    let Some(reg) = env_or_skip("PACTO_TEST_REGISTRY", "push refusals") else {
        return;
    };
    let home = Home::new();
    let repo = format!("{reg}/{}", unique_repo("refusals"));

    let e = fails(&home.run(&["push", "localdir"]));
    assert_eq!(
        e,
        "Error: push requires an OCI reference (oci://...): got \"localdir\"\n"
    );

    // An invalid contract never reaches the registry.
    let bad = home.bundle("bad", "Bad_Name", "1.0.0", "");
    let e = fails(&home.run(&["push", &format!("oci://{repo}:1.0.0"), "-p", &bad]));
    assert!(e.contains("contract validation failed with"), "{e}");
    let e = fails(&home.run(&["pull", &format!("oci://{repo}:1.0.0"), "-o", "x"]));
    assert!(
        e.starts_with(&format!("Error: artifact not found: {repo}:1.0.0\n")),
        "{e}"
    );
    assert!(!home.work().join("x").exists());

    // Local dependencies: Go's two lines.
    let local = home.bundle(
        "local",
        "withdep",
        "1.0.0",
        "dependencies:\n  - ref: ../svc\n    required: true\n    compatibility: \"^1.0.0\"\n",
    );
    home.bundle("svc", "svc", "1.0.0", "");
    let e = fails(&home.run(&["push", &format!("oci://{repo}:1.0.0"), "-p", &local]));
    assert_eq!(
        e,
        "Error: local dependency detected: ../svc\nLocal dependencies are not allowed when publishing. All dependencies must use OCI references (oci://...)\n"
    );
}

#[test]
fn pull_failures_leave_nothing_behind() {
    let home = Home::new();
    // A closed port.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let reference = format!("127.0.0.1:{port}/acme/svc:1.0.0");
    let e = fails(&home.run(&["pull", &format!("oci://{reference}"), "-o", "out"]));
    assert!(
        e.starts_with(&format!("Error: registry unreachable for {reference}: ")),
        "{e}"
    );
    assert!(e.contains("--plain-http"), "the hint is printed: {e}");
    assert!(!home.work().join("out").exists());

    // Offline and not cached.
    let e = fails(&home.run(&["pull", &format!("oci://{reference}"), "--offline"]));
    assert!(e.contains("not in the local cache"), "{e}");

    // A registry that serves a corrupt layer.
    let fake = FakeRegistry::start(true);
    let e = fails(&home.run(&["pull", &fake.reference, "-o", "out"]));
    assert!(e.contains("digest mismatch for layer of"), "{e}");
    assert!(
        e.contains(fake.reference.trim_start_matches("oci://")),
        "{e}"
    );
    assert!(!home.work().join("out").exists());
    assert!(files_under(&home.path("cache")).is_empty());

    // The same served whole: pulled, then served offline from the cache.
    let fake = FakeRegistry::start(false);
    ok(&home.run(&["pull", &fake.reference, "-o", "out"]));
    assert!(home.work().join("out/pacto.yaml").is_file());
    let before = fake.requests();
    let o = home.run(&["pull", &fake.reference, "-o", "again", "--offline"]);
    ok(&o);
    assert_eq!(fake.requests(), before, "offline: no request");
    // Online within the tag TTL: served from the cache too.
    ok(&home.run(&["pull", &fake.reference, "-o", "cached"]));
    assert_eq!(fake.requests(), before, "fresh tag answer: no request");
    // With the TTL at zero the tag is asked again (the blobs still come from the cache).
    let mut expired = Home::new();
    expired.env = home.env.clone();
    expired.set("PACTO_CACHE_TAG_TTL", "0");
    std::fs::create_dir_all(expired.work()).unwrap();
    ok(&expired.run(&["pull", &fake.reference, "-o", "refetched"]));
    let after = fake.requests();
    assert_eq!(
        after[before.len()..],
        ["GET /v2/acme/fake/manifests/1.0.0".to_string()],
        "only the tag is asked again"
    );
    // --no-cache: fetched again, nothing written to the cache.
    let home2 = Home::new();
    ok(&home2.run(&["pull", &fake.reference, "-o", "nc", "--no-cache"]));
    assert!(home2.work().join("nc/pacto.yaml").is_file());
    assert!(files_under(&home2.path("cache")).is_empty());
}

#[test]
fn login_then_push_to_the_auth_registry() {
    let Some(reg) = env_or_skip("PACTO_TEST_REGISTRY_AUTH", "login") else {
        return;
    };
    let home = Home::new();
    let dir = home.bundle("svc", "secured", "1.0.0", "");
    let repo = format!("{reg}/{}", unique_repo("login"));

    // Without credentials: Go's message.
    let e = fails(&home.run(&["push", &format!("oci://{repo}"), "-p", &dir]));
    assert!(
        e.starts_with(&format!("Error: authentication failed for {repo}:1.0.0: ")),
        "{e}"
    );
    assert!(
        e.trim_end()
            .ends_with("— run `pacto login` or check PACTO_REGISTRY_TOKEN"),
        "{e}"
    );

    // A wrong password: refused, nothing stored.
    let e = fails(&home.run_stdin(
        &["login", &reg, "-u", "pacto", "--password-stdin"],
        "wrong\n",
    ));
    assert!(e.contains("refused the credentials"), "{e}");
    let config = home.path("config/pacto/config.json");
    assert!(!config.exists());
    let e = fails(&home.run(&["login", &reg]));
    assert_eq!(e, "Error: --username is required\n");

    // The right one.
    let o = home.run_stdin(
        &["login", &reg, "-u", "pacto", "--password-stdin"],
        "secret\n",
    );
    ok(&o);
    assert_eq!(stdout(&o), format!("Login succeeded for {reg}\n"));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    assert_eq!(v["auths"][&reg]["auth"], "cGFjdG86c2VjcmV0");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&config).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let mode = std::fs::metadata(config.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }
    ok(&home.run(&["push", &format!("oci://{repo}"), "-p", &dir]));
    ok(&home.run(&["pull", &format!("oci://{repo}:1.0.0"), "-o", "out"]));
}

#[test]
fn credentials_from_env_docker_config_and_helper() {
    let Some(reg) = env_or_skip("PACTO_TEST_REGISTRY_AUTH", "credential sources") else {
        return;
    };
    let repo = format!("{reg}/{}", unique_repo("cred_sources"));
    let mut env_home = Home::new();
    let dir = env_home.bundle("svc", "creds", "1.0.0", "");
    env_home.set("PACTO_REGISTRY_USERNAME", "pacto");
    env_home.set("PACTO_REGISTRY_PASSWORD", "secret");
    ok(&env_home.run(&["push", &format!("oci://{repo}"), "-p", &dir]));

    // Docker's config.json `auths`.
    let home = Home::new();
    std::fs::create_dir_all(home.path("docker")).unwrap();
    std::fs::write(
        home.path("docker/config.json"),
        format!(r#"{{"auths":{{"{reg}":{{"auth":"cGFjdG86c2VjcmV0"}}}}}}"#),
    )
    .unwrap();
    ok(&home.run(&["pull", &format!("oci://{repo}:1.0.0"), "-o", "out"]));

    // A docker-credential-* helper on PATH (`credsStore`).
    let mut home = Home::new();
    let bin = home.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let helper = bin.join("docker-credential-pactotest");
    std::fs::write(
        &helper,
        "#!/bin/sh\n[ \"$1\" = get ] || exit 3\nread server\necho \"{\\\"ServerURL\\\":\\\"$server\\\",\\\"Username\\\":\\\"pacto\\\",\\\"Secret\\\":\\\"secret\\\"}\"\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::create_dir_all(home.path("docker")).unwrap();
    std::fs::write(
        home.path("docker/config.json"),
        r#"{"credsStore":"pactotest"}"#,
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    home.set("PATH", &path);
    ok(&home.run(&["pull", &format!("oci://{repo}:1.0.0"), "-o", "out"]));
    // A token in PACTO_REGISTRY_TOKEN wins over everything, and htpasswd refuses it.
    home.set("PACTO_REGISTRY_TOKEN", "not-a-token");
    let e = fails(&home.run(&[
        "pull",
        &format!("oci://{repo}:1.0.0"),
        "-o",
        "out2",
        "--no-cache",
    ]));
    assert!(e.contains("authentication failed for"), "{e}");
    assert!(!home.work().join("out2").exists());
}

// ---------------------------------------------------------------------------------------------
// A scripted fake registry serving one artifact, optionally with a corrupt layer.

struct FakeRegistry {
    reference: String,
    log: Arc<std::sync::Mutex<Vec<String>>>,
}

impl FakeRegistry {
    fn start(corrupt: bool) -> FakeRegistry {
        use pacto_core::bundle::archive::pack_bundle;
        use pacto_core::bundle::MemBundle;
        use pacto_core::registry::artifact::{build, BundleMeta};
        let b = MemBundle::new("fake")
            .with(
                "pacto.yaml",
                "pactoVersion: \"1.0\"\nservice:\n  name: fake\n  version: 1.0.0\n",
            )
            .with("docs/a.md", "a\n");
        let art = build(
            &pack_bundle(&b).unwrap(),
            &BundleMeta {
                name: "fake".into(),
                version: "1.0.0".into(),
                pacto_version: "1.0".into(),
            },
        );
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log2 = log.clone();
        std::thread::spawn(move || {
            for s in listener.incoming() {
                let Ok(s) = s else { continue };
                let art = art.clone();
                let log = log2.clone();
                std::thread::spawn(move || serve(s, &art, corrupt, &log));
            }
        });
        FakeRegistry {
            reference: format!("oci://{addr}/acme/fake:1.0.0"),
            log,
        }
    }

    fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

fn serve(
    mut s: TcpStream,
    art: &pacto_core::registry::artifact::Artifact,
    corrupt: bool,
    log: &std::sync::Mutex<Vec<String>>,
) {
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    loop {
        let mut head = Vec::new();
        let mut b = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            match s.read(&mut b) {
                Ok(1) => head.push(b[0]),
                _ => return,
            }
        }
        let text = String::from_utf8_lossy(&head).to_string();
        let first = text.lines().next().unwrap_or_default().to_string();
        let mut parts = first.split(' ');
        let method = parts.next().unwrap_or_default().to_string();
        let path = parts.next().unwrap_or_default().to_string();
        log.lock().unwrap().push(format!("{method} {path}"));
        let (status, ctype, body) = if path == "/v2/acme/fake/manifests/1.0.0"
            || path == format!("/v2/acme/fake/manifests/{}", art.manifest_digest)
        {
            (
                200,
                "application/vnd.oci.image.manifest.v1+json",
                art.manifest.clone(),
            )
        } else if path == format!("/v2/acme/fake/blobs/{}", art.layer_digest) {
            let mut l = art.layer.clone();
            if corrupt {
                let i = l.len() / 2;
                l[i] ^= 1;
            }
            (200, "application/octet-stream", l)
        } else {
            (404, "application/json", b"{}".to_vec())
        };
        let header = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        if s.write_all(header.as_bytes()).is_err() {
            return;
        }
        if method != "HEAD" && s.write_all(&body).is_err() {
            return;
        }
    }
}

/// `validate`, `diff` and `graph` accept `oci://` bundles: by tag, untagged (highest semver) and
/// with dependencies resolved through the registry by `compatibility`.
#[test]
fn oci_refs_work_in_validate_diff_and_graph() {
    let Some(reg) = env_or_skip("PACTO_TEST_REGISTRY", "oci refs") else {
        return;
    };
    let home = Home::new();
    let repo = format!("{reg}/{}", unique_repo("oci_refs"));
    let db_repo = format!("{reg}/{}", unique_repo("oci_refs_db"));
    let db1 = home.bundle("db1", "db", "1.0.0", "");
    let db2 = home.bundle("db2", "db", "1.3.0", "");
    ok(&home.run(&["push", &format!("oci://{db_repo}"), "-p", &db1]));
    ok(&home.run(&["push", &format!("oci://{db_repo}"), "-p", &db2]));
    let deps = format!(
        "dependencies:\n  - ref: oci://{db_repo}\n    required: true\n    compatibility: ^1.0.0\n"
    );
    let v1 = home.bundle("v1", "orders", "1.0.0", &deps);
    let v2 = home.bundle("v2", "orders", "2.0.0", &deps);
    std::fs::write(
        Path::new(&v2).join("pacto.yaml"),
        std::fs::read_to_string(Path::new(&v2).join("pacto.yaml"))
            .unwrap()
            .replace("port: 8080", "port: 9090"),
    )
    .unwrap();
    ok(&home.run(&["push", &format!("oci://{repo}"), "-p", &v1]));
    ok(&home.run(&["push", &format!("oci://{repo}"), "-p", &v2]));

    // validate by tag and untagged.
    let o = home.run(&["validate", &format!("oci://{repo}:1.0.0")]);
    ok(&o);
    assert_eq!(stdout(&o), format!("oci://{repo}:1.0.0 is valid\n"));
    ok(&home.run(&["validate", &format!("oci://{repo}")]));
    // A tag that does not exist is a located, named error.
    let o = home.run(&["validate", &format!("oci://{repo}:9.9.9")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("artifact not found"), "{}", stderr(&o));

    // diff between two registry versions: the port change is BREAKING (exit 1).
    let o = home.run(&[
        "diff",
        &format!("oci://{repo}:1.0.0"),
        &format!("oci://{repo}:2.0.0"),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains(
            "[BREAKING] interfaces.port (modified): interfaces[api].port modified [8080 -> 9090]"
        ),
        "{out}"
    );

    // graph of a pulled root: the untagged dependency resolves to the highest ^1.0.0 tag.
    let o = home.run(&["graph", &format!("oci://{repo}:2.0.0")]);
    ok(&o);
    assert!(stdout(&o).contains("db@1.3.0"), "{}", stdout(&o));
}

/// Issue 15: `pacto pull` into an existing directory overwrote edited files, kept stale ones and
/// exited 0. A non-empty directory is refused (nothing touched); `--force` replaces it as a
/// whole, through a sibling staging directory that is gone afterwards.
#[test]
fn pull_over_local_edits_needs_force_and_replaces_the_whole_directory() {
    let Some(reg) = env_or_skip("PACTO_TEST_REGISTRY", "pull over local edits") else {
        return;
    };
    let home = Home::new();
    let dir = home.bundle("svc", "orders", "2.0.0", "");
    let repo = format!("{reg}/{}", unique_repo("pull_force"));
    ok(&home.run(&["push", &format!("oci://{repo}:2.0.0"), "-p", &dir]));
    let reference = format!("oci://{repo}:2.0.0");
    let out = home.work().join("out");
    ok(&home.run(&["pull", &reference, "-o", "out"]));
    let pulled = std::fs::read(out.join("pacto.yaml")).unwrap();

    // Local edits: one file changed, one added.
    std::fs::write(out.join("pacto.yaml"), "# my edit\n").unwrap();
    std::fs::write(out.join("notes.md"), "mine\n").unwrap();
    let o = home.run(&["pull", &reference, "-o", "out"]);
    let e = fails(&o);
    assert!(
        e.contains("out already exists and is not empty: pass --force"),
        "{e}"
    );
    assert!(!e.contains(".pactoignore"), "pull-time help: {e}");
    assert_eq!(
        std::fs::read(out.join("pacto.yaml")).unwrap(),
        b"# my edit\n"
    );
    assert!(out.join("notes.md").is_file());

    // --force: exactly the bundle, nothing stale, no staging left beside it.
    let o = home.run(&["pull", &reference, "-o", "out", "--force"]);
    ok(&o);
    assert_eq!(std::fs::read(out.join("pacto.yaml")).unwrap(), pulled);
    assert!(!out.join("notes.md").exists(), "stale files are gone");
    let mut files: Vec<String> = files_under(&out)
        .iter()
        .map(|p| p.strip_prefix(&out).unwrap().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["interfaces/openapi.yaml", "pacto.yaml"]);
    let leftovers: Vec<_> = std::fs::read_dir(home.work())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".pacto-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // An empty directory is filled without --force; a file in the way is refused.
    std::fs::create_dir_all(home.work().join("empty")).unwrap();
    ok(&home.run(&["pull", &reference, "-o", "empty"]));
    assert!(home.work().join("empty/pacto.yaml").is_file());
    std::fs::write(home.work().join("afile"), "x").unwrap();
    fails(&home.run(&["pull", &reference, "-o", "afile", "--force"]));
    assert_eq!(std::fs::read(home.work().join("afile")).unwrap(), b"x");
    // A link to a directory is never written through, even with --force.
    std::os::unix::fs::symlink(&out, home.work().join("link")).unwrap();
    let e = fails(&home.run(&["pull", &reference, "-o", "link", "--force"]));
    assert!(e.contains("symbolic link"), "{e}");
}

/// A registry that answers every request with a 200 whose body trickles one byte every 200 ms.
fn trickling_registry() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for s in listener.incoming() {
            let Ok(mut s) = s else { continue };
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut b = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match s.read(&mut b) {
                        Ok(1) => head.push(b[0]),
                        _ => return,
                    }
                }
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n");
                for _ in 0..100_000 {
                    std::thread::sleep(Duration::from_millis(200));
                    if s.write_all(b" ").is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

/// Run with a bound: the command is killed and the test fails after `secs`.
fn run_bounded(home: &Home, args: &[&str], secs: u64) -> (Output, Duration) {
    let start = std::time::Instant::now();
    let mut child = home
        .pacto(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    loop {
        if child.try_wait().unwrap().is_some() {
            return (child.wait_with_output().unwrap(), start.elapsed());
        }
        if start.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("pacto {args:?} still running after {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Issue 15: a registry trickling one byte every so often kept `pull`, `validate` and `graph`
/// running for hours. Each registry operation has a deadline (PACTO_REGISTRY_TIMEOUT).
#[test]
fn a_trickling_registry_cannot_hold_pull_validate_or_graph() {
    let addr = trickling_registry();
    let mut home = Home::new();
    home.set("PACTO_REGISTRY_TIMEOUT", "2");
    let reference = format!("oci://{addr}/acme/slow:1.0.0");
    let (o, took) = run_bounded(&home, &["pull", &reference, "-o", "out"], 30);
    let e = fails(&o);
    assert!(e.contains("timed out after 2 s"), "{e}");
    assert!(e.contains("PACTO_REGISTRY_TIMEOUT"), "{e}");
    assert!(!e.contains("--plain-http"), "no unrelated hint: {e}");
    assert!(took < Duration::from_secs(10), "pull took {took:?}");
    assert!(!home.work().join("out").exists());

    let (o, took) = run_bounded(&home, &["validate", &reference], 30);
    assert!(!o.status.success());
    assert!(stdout(&o).contains("timed out") || stderr(&o).contains("timed out"));
    assert!(took < Duration::from_secs(10), "validate took {took:?}");

    let dir = home.bundle(
        "root",
        "root",
        "1.0.0",
        &format!(
            "dependencies:\n  - ref: {reference}\n    required: true\n    compatibility: ^1.0.0\n"
        ),
    );
    let (o, took) = run_bounded(&home, &["graph", &dir], 30);
    ok(&o);
    assert!(stdout(&o).contains("timed out after 2 s"), "{}", stdout(&o));
    assert!(took < Duration::from_secs(10), "graph took {took:?}");
}
