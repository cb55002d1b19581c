//! `scripts/release` and `scripts/install.sh` together: the release directory `scripts/release`
//! packs (Go's asset names, checksums.txt, the SPDX SBOM) is served by a file server on
//! 127.0.0.1 laid out as GitHub Releases are (`download/<tag>/...`, `latest/download/...`), and
//! install.sh installs from it and runs `pacto version`, or refuses a tampered binary or
//! checksums file with a clear message and nothing installed. The release packs this test
//! build's binary (`--prebuilt`): a real release build takes minutes. Linux x86_64 only (the
//! asset this host installs); needs bash and curl or wget.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure
#![cfg(all(target_os = "linux", target_arch = "x86_64"))]

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn tag() -> String {
    format!("v{}", env!("CARGO_PKG_VERSION"))
}

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd} >/dev/null")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn skip() -> bool {
    if !have("bash") || !(have("curl") || have("wget")) || !have("python3") {
        eprintln!("skipped: bash, curl or wget, and python3 (the SBOM) are needed");
        return true;
    }
    false
}

/// `scripts/release --prebuilt` of this build into `<dir>/releases/download/<tag>`, copied to
/// `<dir>/releases/latest/download`.
fn release(dir: &Path) -> PathBuf {
    let assets = dir.join("releases/download").join(tag());
    let out = Command::new(root().join("scripts/release"))
        .arg("--prebuilt")
        .arg(format!(
            "x86_64-unknown-linux-gnu={}",
            env!("CARGO_BIN_EXE_pacto")
        ))
        .args(["--version", &tag(), "--out"])
        .arg(&assets)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "scripts/release failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let latest = dir.join("releases/latest/download");
    std::fs::create_dir_all(&latest).unwrap();
    for e in std::fs::read_dir(&assets).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), latest.join(e.file_name())).unwrap();
    }
    assets
}

/// A GET-only static file server on 127.0.0.1 for `root`, in a thread; returns its base URL.
fn serve(root: PathBuf) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let root = root.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request = String::new();
                if reader.read_line(&mut request).is_err() {
                    return;
                }
                loop {
                    let mut header = String::new();
                    match reader.read_line(&mut header) {
                        Ok(0) | Err(_) => break,
                        Ok(_) if header == "\r\n" || header == "\n" => break,
                        Ok(_) => {}
                    }
                }
                let path = request.split_whitespace().nth(1).unwrap_or("/");
                let file = root.join(path.trim_start_matches('/'));
                let ok = !path.contains("..") && file.is_file();
                let (status, body) = if ok {
                    ("200 OK", std::fs::read(&file).unwrap())
                } else {
                    ("404 Not Found", b"not found".to_vec())
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(&body);
            });
        }
    });
    format!("http://{addr}")
}

fn install(base: &str, install_dir: &Path, args: &[&str]) -> Output {
    Command::new("bash")
        .arg(root().join("scripts/install.sh"))
        .args(args)
        .env("PACTO_INSTALL_DIR", install_dir)
        .env("PACTO_RELEASE_URL", format!("{base}/releases"))
        .env("PACTO_LIBC", "gnu")
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_TOKEN")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn installs_a_verified_release_and_runs_pacto_version() {
    if skip() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    release(tmp.path());
    let base = serve(tmp.path().to_path_buf());

    // --version: from download/<tag>/.
    let bin = tmp.path().join("bin");
    let out = install(&base, &bin, &["--no-sudo", "--version", &tag()]);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Checksum verified: pacto_linux_amd64 sha256 "),
        "{stdout}"
    );
    let installed = bin.join("pacto");
    let version = Command::new(&installed).arg("version").output().unwrap();
    assert!(version.status.success());
    let version = String::from_utf8_lossy(&version.stdout);
    assert!(
        version.starts_with(&format!(
            "Pacto:                {}\n",
            env!("CARGO_PKG_VERSION")
        )),
        "{version}"
    );
    assert!(
        version.contains("OS/Arch:              linux/amd64"),
        "{version}"
    );

    // The same version again: nothing downloaded (get-pacto.sh's check).
    let again = install(&base, &bin, &["--no-sudo", "-v", &tag()]);
    assert!(again.status.success(), "{}", text(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("is already installed"),
        "{}",
        text(&again)
    );

    // No --version: latest/download/, into a directory that does not exist yet.
    let latest = tmp.path().join("latest-bin/nested");
    let out = install(&base, &latest, &["--no-sudo"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(latest.join("pacto").is_file());

    // A version that was never released: a clear error, nothing installed.
    let none = tmp.path().join("none");
    let out = install(&base, &none, &["--no-sudo", "--version", "v99.0.0"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot download"),
        "{}",
        text(&out)
    );
    assert!(!none.join("pacto").exists());
}

#[test]
fn refuses_a_tampered_binary_or_checksums_file() {
    if skip() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let assets = release(tmp.path());
    let base = serve(tmp.path().to_path_buf());

    // The binary changed after checksums.txt was written (one byte appended).
    let binary = assets.join("pacto_linux_amd64");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&binary)
        .unwrap();
    f.write_all(b"\0").unwrap();
    drop(f);
    let bin = tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let out = install(&base, &bin, &["--no-sudo", "--version", &tag()]);
    assert!(!out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .contains("checksum verification failed for pacto_linux_amd64: nothing was installed"),
        "{stderr}"
    );
    assert!(stderr.contains("expected (checksums.txt): "), "{stderr}");
    assert_eq!(
        std::fs::read_dir(&bin).unwrap().count(),
        0,
        "something was installed"
    );

    // checksums.txt without a line for the asset.
    let sums = assets.join("checksums.txt");
    let kept: String = std::fs::read_to_string(&sums)
        .unwrap()
        .lines()
        .filter(|l| !l.ends_with("  pacto_linux_amd64"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&sums, kept).unwrap();
    let out = install(&base, &bin, &["--no-sudo", "--version", &tag()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("checksums.txt has no line for pacto_linux_amd64"),
        "{}",
        text(&out)
    );

    // No checksums.txt at all: refused too (Go's script would install unverified).
    std::fs::remove_file(&sums).unwrap();
    let out = install(&base, &bin, &["--no-sudo", "--version", &tag()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("refusing to install an unverified binary"),
        "{}",
        text(&out)
    );
    assert_eq!(std::fs::read_dir(&bin).unwrap().count(), 0);
}

#[test]
fn release_assets_have_go_names_checksums_and_an_spdx_sbom() {
    if skip() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let assets = release(tmp.path());
    let mut names: Vec<String> = std::fs::read_dir(&assets)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["checksums.txt", "pacto.spdx.json", "pacto_linux_amd64"]
    );

    // checksums.txt is sha256sum -c's format and covers every other asset.
    let check = Command::new("sha256sum")
        .args(["-c", "checksums.txt"])
        .current_dir(&assets)
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", text(&check));
    let sums = std::fs::read_to_string(assets.join("checksums.txt")).unwrap();
    let listed: Vec<&str> = sums
        .lines()
        .map(|l| l.split("  ").nth(1).unwrap())
        .collect();
    assert_eq!(listed, ["pacto.spdx.json", "pacto_linux_amd64"]);

    // SPDX 2.3: the binary's crates (normal dependencies only), licences, purls, checksums and
    // the dependency graph.
    let sbom: Value =
        serde_json::from_str(&std::fs::read_to_string(assets.join("pacto.spdx.json")).unwrap())
            .unwrap();
    assert_eq!(sbom["spdxVersion"], "SPDX-2.3");
    assert_eq!(sbom["dataLicense"], "CC0-1.0");
    assert_eq!(sbom["SPDXID"], "SPDXRef-DOCUMENT");
    // What the SPDX validator (spdx-tools' pyspdxtools) checks first: a namespace URI without a
    // fragment, and an RFC 3339 UTC creation time.
    let namespace = sbom["documentNamespace"].as_str().unwrap();
    assert!(
        namespace.starts_with("https://") && !namespace.contains('#'),
        "{namespace}"
    );
    let created = sbom["creationInfo"]["created"].as_str().unwrap();
    assert!(
        created.len() == 20 && created.ends_with('Z') && created.as_bytes()[10] == b'T',
        "{created}"
    );
    let packages = sbom["packages"].as_array().unwrap();
    let find = |name: &str| packages.iter().find(|p| p["name"] == name);
    let cli = find("pacto-cli").expect("the root package");
    assert_eq!(cli["versionInfo"], env!("CARGO_PKG_VERSION"));
    assert_eq!(cli["primaryPackagePurpose"], "APPLICATION");
    let clap = find("clap").expect("clap is linked");
    assert_eq!(clap["licenseDeclared"], "MIT OR Apache-2.0");
    assert_eq!(clap["checksums"][0]["algorithm"], "SHA256");
    assert!(clap["externalRefs"][0]["referenceLocator"]
        .as_str()
        .unwrap()
        .starts_with("pkg:cargo/clap@"));
    assert!(find("pacto-core").is_some());
    // dev-dependencies are not shipped.
    assert!(find("proptest").is_none(), "a dev-dependency in the SBOM");
    let rels = sbom["relationships"].as_array().unwrap();
    assert_eq!(rels[0]["relationshipType"], "DESCRIBES");
    assert_eq!(rels[0]["relatedSpdxElement"], cli["SPDXID"]);
    assert!(rels.iter().any(|r| r["spdxElementId"] == cli["SPDXID"]
        && r["relationshipType"] == "DEPENDS_ON"
        && r["relatedSpdxElement"] == clap["SPDXID"]));

    // Deterministic for a commit: packing again gives the same SBOM and checksums.
    let again = tempfile::tempdir().unwrap();
    let assets2 = release(again.path());
    for f in ["pacto.spdx.json", "checksums.txt"] {
        assert_eq!(
            std::fs::read(assets.join(f)).unwrap(),
            std::fs::read(assets2.join(f)).unwrap(),
            "{f} differs between two runs"
        );
    }
}

/// `--help` and an unknown option, as get-pacto.sh.
#[test]
fn install_sh_help_and_usage_errors() {
    if skip() {
        return;
    }
    let out = Command::new("bash")
        .arg(root().join("scripts/install.sh"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("--version")
            && help.contains("--no-sudo")
            && help.contains("PACTO_INSTALL_DIR")
    );
    let out = Command::new("bash")
        .arg(root().join("scripts/install.sh"))
        .arg("--bogus")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let mut err = String::new();
    out.stderr.as_slice().read_to_string(&mut err).unwrap();
    assert!(err.contains("unknown option: --bogus"), "{err}");
}

/// A target this host cannot build is skipped with the reason, and nothing built is an error.
#[test]
fn release_skips_what_it_cannot_build_and_says_why() {
    if skip() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(root().join("scripts/release"))
        .args(["--target", "riscv64gc-unknown-linux-gnu", "--out"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nothing was built"), "{err}");
    assert!(
        err.contains("riscv64gc-unknown-linux-gnu: no asset name for this target"),
        "{err}"
    );
    // A missing toolchain names the command that installs it.
    let out = Command::new(root().join("scripts/release"))
        .args(["--target", "aarch64-pc-windows-msvc", "--out"])
        .arg(tmp.path())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    if !err.contains("building aarch64-pc-windows-msvc") {
        assert!(
            err.contains("rustup target add aarch64-pc-windows-msvc") || err.contains("no rustup"),
            "{err}"
        );
    }
}
