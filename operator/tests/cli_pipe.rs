//! `pacto-operator crds | head`: a reader that goes away is no reason to panic. The binary
//! stops writing and exits quietly (status 0, nothing on stderr).

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

fn operator() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pacto-operator"))
}

/// Run `args` with stdout on a pipe whose reader takes `lines` lines (0: none at all) and
/// closes; returns the exit status and stderr.
fn run_into_closing_reader(args: &[&str], lines: usize) -> (std::process::ExitStatus, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    let mut child = operator()
        .args(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut r = BufReader::new(reader);
        for _ in 0..lines {
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
            assert!(!line.is_empty(), "{args:?}: no output");
        }
        // The reader closes here; the child's next write meets a broken pipe.
    }
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (child.wait().unwrap(), stderr)
}

#[test]
fn crds_into_a_closed_pipe_exit_quietly() {
    // The reader closes at once (deterministic: the first write already fails), then after
    // one line, as `| head -1` does.
    for lines in [0, 1] {
        let (status, stderr) = run_into_closing_reader(&["crds"], lines);
        assert!(
            !stderr.contains("panicked"),
            "after {lines} line(s): {stderr}"
        );
        assert!(stderr.is_empty(), "after {lines} line(s): {stderr}");
        assert!(status.success(), "after {lines} line(s): {status:?}");
    }
}

#[test]
fn help_and_version_into_a_closed_pipe_do_not_panic() {
    for args in [&["--help"][..], &["--version"], &["crds", "--help"]] {
        let (_, stderr) = run_into_closing_reader(args, 0);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn crds_still_print_in_full() {
    let out = operator().arg("crds").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.matches("kind: CustomResourceDefinition").count(), 2);
    assert!(text.contains("\n---\n"));
}
