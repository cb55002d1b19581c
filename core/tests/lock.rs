//! `pacto.lock` over the bundles of `fixtures/lock/`: the committed locks (matching, drifted,
//! stale, duplicated, a new dependency) give Go Pacto 3.x's codes through
//! [`lock::verify_committed`] and `lock --check`, a written lock is accepted by `--check` and
//! is byte-identical when written again, and `oci://` entries are pinned by manifest digest.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use pacto_core::bundle::MemBundle;
use pacto_core::graph::Fetched;
use pacto_core::lock::{self, Mode, OciPinner, Pinned};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/lock")
}

fn case(name: &str) -> String {
    fixtures().join(name).to_string_lossy().into_owned()
}

/// A copy of `fixtures/lock` to write into.
fn scratch() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    copy_dir(&fixtures(), d.path());
    d
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn codes(dir: &str) -> Vec<&'static str> {
    lock::verify_committed(dir, None)
        .iter()
        .map(|d| d.code)
        .collect()
}

#[test]
fn a_matching_committed_lock_verifies() {
    assert_eq!(codes(&case("matching")), Vec::<&str>::new());
    let o = lock::run(Path::new(&case("matching")), None, &check()).unwrap();
    assert!(o.up_to_date && !o.written);
    // The committed file is what `pacto lock` writes for this bundle, byte for byte.
    let text = std::fs::read_to_string(fixtures().join("matching/pacto.lock")).unwrap();
    assert_eq!(o.lock.render(), text);
}

fn check() -> Mode {
    Mode {
        check: true,
        ..Mode::default()
    }
}

#[test]
fn drifted_local_content_is_lock_local_drift() {
    let d = lock::verify_committed(&case("drifted"), None);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, "LOCK_LOCAL_DRIFT");
    assert_eq!(d[0].path, "");
    assert_eq!(
        d[0].message,
        "LOCK_LOCAL_DRIFT: local dependency lib content changed since lock; run `pacto lock --update`"
    );
    // On the dependency in pacto.yaml, and the help names the pinned line of pacto.lock.
    let yaml = std::fs::read_to_string(fixtures().join("drifted/pacto.yaml")).unwrap();
    let span = d[0].span.unwrap();
    assert_eq!(&yaml[span.start as usize..span.end as usize], "../lib");
    assert!(
        d[0].help
            .as_deref()
            .unwrap()
            .starts_with("see pacto.lock:19:20"),
        "{:?}",
        d[0].help
    );
    let e = lock::run(Path::new(&case("drifted")), None, &check()).unwrap_err();
    assert_eq!(e.code, "LOCK_LOCAL_DRIFT");
}

#[test]
fn a_lock_version_2_is_lock_stale() {
    let d = lock::verify_committed(&case("stale"), None);
    assert_eq!(d[0].code, "LOCK_STALE");
    assert_eq!(
        d[0].message,
        "LOCK_STALE: lockVersion 2 predates the current schema (3); run `pacto lock`"
    );
    assert_eq!(d[0].help.as_deref(), Some("see pacto.lock:1:14"));
}

#[test]
fn no_lock_is_a_no_op_for_verification_and_lock_missing_for_check() {
    assert!(codes(&case("missing")).is_empty());
    let e = lock::run(Path::new(&case("missing")), None, &check()).unwrap_err();
    assert_eq!(e.code, "LOCK_MISSING");
    assert_eq!(e.message, "LOCK_MISSING: no pacto.lock found");
    assert!(
        !fixtures().join("missing/pacto.lock").exists(),
        "--check wrote a lock"
    );
}

#[test]
fn a_name_declared_twice_is_lock_duplicate_declaration() {
    let d = lock::verify_committed(&case("duplicated"), None);
    assert_eq!(d[0].code, "LOCK_DUPLICATE_DECLARATION");
    assert_eq!(
        d[0].message,
        "LOCK_DUPLICATE_DECLARATION: config \"shared\" declared by the root contract more than once; a name is unique within its kind in one contract, and a lock has no way to tell two declarations of it apart"
    );
    let yaml = std::fs::read_to_string(fixtures().join("duplicated/pacto.yaml")).unwrap();
    let span = d[0].span.unwrap();
    // The repeat, on its own line (the 2nd declaration).
    assert_eq!(&yaml[span.start as usize..span.end as usize], "shared");
    assert_eq!(yaml[..span.start as usize].lines().count(), 9);
}

#[test]
fn an_added_dependency_is_lock_stale() {
    let d = lock::verify_committed(&case("new-dep"), None);
    assert_eq!(d[0].code, "LOCK_STALE");
    assert_eq!(
        d[0].message,
        "LOCK_STALE: dependency set changed; run `pacto lock`"
    );
}

#[test]
fn a_1x_contract_is_locked_too() {
    assert!(codes(&case("v1")).is_empty());
    let o = lock::run(Path::new(&case("v1")), None, &check()).unwrap();
    assert_eq!(o.lock.dependencies.len(), 2);
}

#[test]
fn written_then_checked_and_byte_identical_on_rerun() {
    let d = scratch();
    let dir = d.path().join("missing");
    let first = lock::run(&dir, None, &Mode::default()).unwrap();
    assert!(first.written);
    let bytes = std::fs::read(dir.join("pacto.lock")).unwrap();
    let checked = lock::run(&dir, None, &check()).unwrap();
    assert!(checked.up_to_date);
    let second = lock::run(&dir, None, &Mode::default()).unwrap();
    assert!(!second.written && second.up_to_date);
    assert_eq!(std::fs::read(dir.join("pacto.lock")).unwrap(), bytes);
    // --update rewrites the same closure to the same bytes.
    let update = Mode {
        update: true,
        ..Mode::default()
    };
    lock::run(&dir, None, &update).unwrap();
    assert_eq!(std::fs::read(dir.join("pacto.lock")).unwrap(), bytes);
    // The closure: lib and its own dependency base, the config and the policy references.
    let l = lock::parse(std::str::from_utf8(&bytes).unwrap()).unwrap();
    let names: Vec<&str> = l.dependencies.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["base", "lib"]);
    assert_eq!(l.dependencies[1].depends_on, ["base"]);
    assert_eq!(l.dependencies[1].path, "../lib");
    assert!(l.dependencies[1].content_hash.starts_with("sha256:"));
    let refs: Vec<(&str, &str, &str)> = l
        .references
        .iter()
        .map(|r| (r.kind.as_str(), r.name.as_str(), r.path.as_str()))
        .collect();
    assert_eq!(
        refs,
        [
            ("config", "shared", "../settings"),
            ("policy", "guardrails", "../guard")
        ]
    );
}

#[test]
fn local_drift_needs_update_and_plain_lock_keeps_the_pin() {
    let d = scratch();
    let dir = d.path().join("missing");
    lock::run(&dir, None, &Mode::default()).unwrap();
    std::fs::write(d.path().join("lib/interfaces/notes.txt"), "changed\n").unwrap();
    assert_eq!(
        lock::run(&dir, None, &check()).unwrap_err().code,
        "LOCK_LOCAL_DRIFT"
    );
    // Go: plain `pacto lock` keeps a pin whose constraint is unchanged...
    lock::run(&dir, None, &Mode::default()).unwrap();
    assert_eq!(
        lock::run(&dir, None, &check()).unwrap_err().code,
        "LOCK_LOCAL_DRIFT"
    );
    // ...and `--update-name lib` re-pins it.
    let by_name = Mode {
        update_names: vec!["lib".into()],
        ..Mode::default()
    };
    lock::run(&dir, None, &by_name).unwrap();
    lock::run(&dir, None, &check()).unwrap();
}

#[test]
fn a_broken_local_dependency_is_lock_unresolved() {
    let d = scratch();
    std::fs::remove_dir_all(d.path().join("base")).unwrap();
    let e = lock::run(&d.path().join("missing"), None, &Mode::default()).unwrap_err();
    assert_eq!(e.code, "LOCK_UNRESOLVED");
    assert!(
        e.message
            .starts_with("LOCK_UNRESOLVED: cannot resolve ../base: "),
        "{}",
        e.message
    );
}

#[test]
fn an_unreadable_lock_is_lock_error_for_verification() {
    let d = scratch();
    let dir = d.path().join("matching");
    std::fs::write(dir.join("pacto.lock"), "lockVersion: 9\n").unwrap();
    let diags = lock::verify_committed(&dir.to_string_lossy(), None);
    assert_eq!(diags[0].code, "LOCK_ERROR");
    assert_eq!(diags[0].message, "unsupported lockVersion 9 (want 1..3)");
    // `--check` reads it as no lock (Go: any read error there is LOCK_MISSING).
    let e = lock::run(&dir, None, &check()).unwrap_err();
    assert_eq!(e.code, "LOCK_MISSING");
}

/// Bundles "in a registry": every ref pulls a contract named after the repository, with a
/// digest that changes with `generation`.
struct FakeRegistry {
    generation: u32,
}

impl OciPinner for FakeRegistry {
    fn pin(&self, reference: &str, _: Option<&str>) -> Result<Pinned, String> {
        let name = reference
            .rsplit('/')
            .next()
            .unwrap()
            .split([':', '@'])
            .next()
            .unwrap();
        let text = format!(
            "pactoVersion: \"2.0\"\nservice:\n  name: {name}\n  version: 1.0.{}\n",
            self.generation
        );
        Ok(Pinned {
            digest: format!("sha256:{:064x}", self.generation),
            fetched: Fetched {
                bundle: Arc::new(MemBundle::new(reference).with("pacto.yaml", text.clone())),
                contract_text: text,
                resolved_ref: reference.to_string(),
            },
        })
    }
}

#[test]
fn oci_entries_are_pinned_by_digest_and_a_republish_is_a_digest_mismatch() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("pacto.yaml"),
        "pactoVersion: \"2.0\"\nservice:\n  name: app\n  version: 1.0.0\ndependencies:\n  - name: auth\n    ref: oci://reg.example/acme/auth\n    required: true\n    compatibility: \"^1.0.0\"\npolicies:\n  - name: org\n    ref: oci://reg.example/acme/org-policy:1.0.0\n",
    )
    .unwrap();
    let v1: Arc<dyn OciPinner> = Arc::new(FakeRegistry { generation: 1 });
    lock::run(d.path(), Some(v1.clone()), &Mode::default()).unwrap();
    let text = std::fs::read_to_string(d.path().join("pacto.lock")).unwrap();
    let want_digest = format!("sha256:{:064x}", 1);
    assert!(text.contains(&format!(
        "    - name: auth\n      source: oci\n      ref: oci://reg.example/acme/auth\n      constraint: ^1.0.0\n      version: 1.0.1\n      digest: {want_digest}\n"
    )), "{text}");
    assert!(text.contains("    - kind: policy\n      name: org\n      source: oci\n      ref: oci://reg.example/acme/org-policy:1.0.0\n"), "{text}");
    lock::run(d.path(), Some(v1), &check()).unwrap();
    let v2: Arc<dyn OciPinner> = Arc::new(FakeRegistry { generation: 2 });
    let e = lock::run(d.path(), Some(v2.clone()), &check()).unwrap_err();
    assert_eq!(e.code, "LOCK_DIGEST_MISMATCH");
    assert!(e.message.starts_with(&format!(
        "LOCK_DIGEST_MISMATCH: auth locked at {want_digest} but resolves to sha256:"
    )));
    let diags = lock::verify_committed(&d.path().to_string_lossy(), Some(v2));
    assert_eq!(diags[0].code, "LOCK_DIGEST_MISMATCH");
    let yaml = std::fs::read_to_string(d.path().join("pacto.yaml")).unwrap();
    let span = diags[0].span.unwrap();
    assert_eq!(
        &yaml[span.start as usize..span.end as usize],
        "oci://reg.example/acme/auth"
    );
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn contract(name: &str, version: &str, extra: &str) -> String {
    format!("pactoVersion: \"2.0\"\nservice:\n  name: {name}\n  version: {version}\n{extra}")
}

#[test]
fn one_service_at_two_versions_is_lock_conflict() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(&p.join("base/pacto.yaml"), &contract("base", "1.0.0", ""));
    write(&p.join("base2/pacto.yaml"), &contract("base", "2.0.0", ""));
    write(
        &p.join("lib/pacto.yaml"),
        &contract(
            "lib",
            "1.0.0",
            "dependencies:\n  - name: base\n    ref: ../base\n    required: true\n",
        ),
    );
    write(
        &p.join("app/pacto.yaml"),
        &contract("app", "1.0.0", "dependencies:\n  - name: lib\n    ref: ../lib\n    required: true\n  - name: base\n    ref: ../base2\n    required: true\n"),
    );
    let e = lock::run(&p.join("app"), None, &Mode::default()).unwrap_err();
    assert_eq!(e.code, "LOCK_CONFLICT");
    assert_eq!(
        e.message,
        "LOCK_CONFLICT: base required at conflicting versions"
    );
    assert!(e.contract_span.is_some());
    assert!(!p.join("app/pacto.lock").exists());
}

#[test]
fn one_declaration_resolving_to_two_bundles_is_lock_ambiguous_reference() {
    // Two byte-identical config bundles (one content identity) whose relative `../inner`
    // reaches two different siblings: one declaration, two resolutions.
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let cfg = contract(
        "cfg",
        "1.0.0",
        "configurations:\n  - name: inner\n    ref: ../inner\n    required: false\n",
    );
    write(&p.join("one/cfg/pacto.yaml"), &cfg);
    write(&p.join("two/cfg/pacto.yaml"), &cfg);
    write(
        &p.join("one/inner/pacto.yaml"),
        &contract("inner", "1.0.0", ""),
    );
    write(
        &p.join("two/inner/pacto.yaml"),
        &contract("inner", "2.0.0", ""),
    );
    write(
        &p.join("app/pacto.yaml"),
        &contract("app", "1.0.0", "configurations:\n  - name: a\n    ref: ../one/cfg\n    required: false\n  - name: b\n    ref: ../two/cfg\n    required: false\n"),
    );
    let e = lock::run(&p.join("app"), None, &Mode::default()).unwrap_err();
    assert_eq!(e.code, "LOCK_AMBIGUOUS_REFERENCE");
    assert!(
        e.message
            .starts_with("LOCK_AMBIGUOUS_REFERENCE: config \"inner\" declared by local:sha256:"),
        "{}",
        e.message
    );
    assert!(
        e.message
            .contains(" resolves to both ../inner (local:sha256:"),
        "{}",
        e.message
    );
}

#[test]
fn transitive_references_are_tagged_with_the_declaring_bundle() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(
        &p.join("cfg/pacto.yaml"),
        &contract(
            "cfg",
            "1.0.0",
            "policies:\n  - name: limits\n    ref: ../limits\n",
        ),
    );
    write(
        &p.join("limits/pacto.yaml"),
        &contract("limits", "4.0.0", ""),
    );
    write(
        &p.join("app/pacto.yaml"),
        &contract(
            "app",
            "1.0.0",
            "configurations:\n  - name: settings\n    ref: ../cfg\n    required: false\n",
        ),
    );
    let o = lock::run(&p.join("app"), None, &Mode::default()).unwrap();
    let refs = &o.lock.references;
    assert_eq!(refs.len(), 2);
    let cfg_hash = lock::hash::hash_dir(&p.join("cfg")).unwrap();
    assert_eq!(refs[1].from, format!("local:{cfg_hash}"));
    assert_eq!(
        (refs[1].kind.as_str(), refs[1].name.as_str()),
        ("policy", "limits")
    );
    let text = std::fs::read_to_string(p.join("app/pacto.lock")).unwrap();
    // Sorted by `from` first: the root's own reference (empty `from`) comes first.
    assert!(text.contains(&format!("references:\n    - kind: config\n      name: settings\n      source: local\n      path: ../cfg\n      version: 1.0.0\n      contentHash: {cfg_hash}\n    - from: local:{cfg_hash}\n      kind: policy\n      name: limits\n")), "{text}");
}

#[test]
fn a_transitive_local_ref_resolves_against_its_declarer_as_go_3_3_does() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(
        &p.join("svc/a/pacto.yaml"),
        &contract(
            "a",
            "1.0.0",
            "dependencies:\n  - name: b\n    ref: ../b\n    required: true\n",
        ),
    );
    write(&p.join("svc/b/pacto.yaml"), &contract("b", "1.0.0", ""));
    // A decoy where a root-relative reading of `../b` would land.
    write(&p.join("b/pacto.yaml"), &contract("b", "9.0.0", ""));
    write(
        &p.join("app/pacto.yaml"),
        &contract(
            "app",
            "1.0.0",
            "dependencies:\n  - name: a\n    ref: ../svc/a\n    required: true\n",
        ),
    );
    let o = lock::run(&p.join("app"), None, &Mode::default()).unwrap();
    let b = o.lock.dependency("b").unwrap();
    assert_eq!(b.version, "1.0.0");
    assert_eq!(b.path, "../b");
    assert_eq!(
        b.content_hash,
        lock::hash::hash_dir(&p.join("svc/b")).unwrap()
    );
}

#[test]
fn a_dependency_cycle_is_lock_unresolved() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(
        &p.join("a/pacto.yaml"),
        &contract(
            "a",
            "1.0.0",
            "dependencies:\n  - name: b\n    ref: ../b\n    required: true\n",
        ),
    );
    write(
        &p.join("b/pacto.yaml"),
        &contract(
            "b",
            "1.0.0",
            "dependencies:\n  - name: a\n    ref: ../a\n    required: true\n",
        ),
    );
    write(
        &p.join("app/pacto.yaml"),
        &contract(
            "app",
            "1.0.0",
            "dependencies:\n  - name: a\n    ref: ../a\n    required: true\n",
        ),
    );
    let e = lock::run(&p.join("app"), None, &Mode::default()).unwrap_err();
    assert_eq!(e.code, "LOCK_UNRESOLVED");
    assert_eq!(
        e.message,
        "LOCK_UNRESOLVED: cannot resolve ../a: cycle detected: ../a"
    );
}
