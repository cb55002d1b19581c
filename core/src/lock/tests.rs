use super::*;

fn sample() -> Lock {
    Lock {
        lock_version: CURRENT_LOCK_VERSION,
        pacto: PactoInfo {
            version: "3.2.1".into(),
        },
        root: RootInfo {
            name: "payments-api".into(),
            version: "2.1.0".into(),
        },
        dependencies: vec![
            Entry {
                name: "zeta".into(),
                source: "oci".into(),
                reference: "oci://r/zeta".into(),
                constraint: "^1.0.0".into(),
                version: "1.2.0".into(),
                digest: "sha256:z".into(),
                depends_on: vec!["beta".into(), "alpha".into()],
                ..Entry::default()
            },
            Entry {
                name: "local-lib".into(),
                source: "local".into(),
                path: "../local-lib".into(),
                constraint: ">=1.0.0 <2.0.0".into(),
                version: "1.5.0".into(),
                content_hash: "sha256:l".into(),
                ..Entry::default()
            },
        ],
        references: vec![
            Reference {
                from: "oci:sha256:c".into(),
                kind: "config".into(),
                name: "limits".into(),
                source: "oci".into(),
                reference: "oci://r/limits".into(),
                version: "4.0.0".into(),
                digest: "sha256:d".into(),
                ..Reference::default()
            },
            Reference {
                kind: "policy".into(),
                name: "sec".into(),
                source: "oci".into(),
                reference: "oci://r/sec".into(),
                version: "1.3.0".into(),
                digest: "sha256:s".into(),
                ..Reference::default()
            },
            Reference {
                kind: "config".into(),
                name: "cfg".into(),
                source: "local".into(),
                path: "../cfg".into(),
                version: "2.0".into(),
                content_hash: "sha256:c".into(),
                ..Reference::default()
            },
        ],
        version_span: None,
    }
}

/// Go's `Marshal` of this lock (sorted, yaml.v3 with its 4-space indentation).
const GOLDEN: &str = "lockVersion: 3
pacto:
    version: 3.2.1
root:
    name: payments-api
    version: 2.1.0
dependencies:
    - name: local-lib
      source: local
      path: ../local-lib
      constraint: '>=1.0.0 <2.0.0'
      version: 1.5.0
      contentHash: sha256:l
    - name: zeta
      source: oci
      ref: oci://r/zeta
      constraint: ^1.0.0
      version: 1.2.0
      digest: sha256:z
      dependsOn:
        - alpha
        - beta
references:
    - kind: config
      name: cfg
      source: local
      path: ../cfg
      version: \"2.0\"
      contentHash: sha256:c
    - kind: policy
      name: sec
      source: oci
      ref: oci://r/sec
      version: 1.3.0
      digest: sha256:s
    - from: oci:sha256:c
      kind: config
      name: limits
      source: oci
      ref: oci://r/limits
      version: 4.0.0
      digest: sha256:d
";

#[test]
fn renders_as_go_marshals() {
    assert_eq!(sample().render(), GOLDEN);
    assert_eq!(sample().render(), sample().render());
}

#[test]
fn parse_reads_back_what_render_writes_with_places() {
    let l = parse(GOLDEN).unwrap();
    assert_eq!(l.lock_version, 3);
    assert_eq!(l.root.name, "payments-api");
    assert_eq!(l.dependencies.len(), 2);
    assert_eq!(l.references.len(), 3);
    assert_eq!(l.references[0].version, "2.0");
    assert_eq!(l.dependencies[1].depends_on, vec!["alpha", "beta"]);
    let pin = l.dependencies[1].at.pin.unwrap();
    assert_eq!(&GOLDEN[pin.start as usize..pin.end as usize], "sha256:z");
    // Rendering the parsed lock gives the same bytes.
    assert_eq!(l.render(), GOLDEN);
    compare(&l, &sample()).unwrap();
}

#[test]
fn json_locks_parse_too() {
    let l = parse(r#"{"lockVersion":3,"pacto":{"version":"x"},"root":{"name":"a","version":"1.0.0"},"dependencies":[{"name":"b","source":"oci","ref":"oci://r/b","digest":"sha256:1"}]}"#).unwrap();
    assert_eq!(l.dependencies[0].digest, "sha256:1");
}

#[test]
fn unsupported_and_unreadable_locks_are_lock_errors() {
    for (text, want) in [
        (
            "lockVersion: 999\n",
            "unsupported lockVersion 999 (want 1..3)",
        ),
        ("", "unsupported lockVersion 0 (want 1..3)"),
        (
            "lockVersion: abc\n",
            "cannot unmarshal !!str `abc` into int",
        ),
        ("lockVersion: [\n", "parse pacto.lock: yaml: line"),
    ] {
        let e = parse(text).unwrap_err();
        assert_eq!(e.code, LOCK_ERROR, "{text:?}");
        assert!(e.message.contains(want), "{text:?}: {}", e.message);
    }
}

#[test]
fn older_versions_parse_but_compare_stale() {
    let mut old = sample();
    old.lock_version = 2;
    let text = old.render().replacen("lockVersion: 3", "lockVersion: 2", 1);
    let parsed = parse(&text).unwrap();
    assert_eq!(parsed.lock_version, 2);
    let e = compare(&parsed, &sample()).unwrap_err();
    assert_eq!(e.code, LOCK_STALE);
    assert_eq!(
        e.message,
        "LOCK_STALE: lockVersion 2 predates the current schema (3); run `pacto lock`"
    );
    assert_eq!(e.lock_position(&text), Some((1, 14)));
}

#[test]
fn compare_reports_go_codes_and_messages() {
    let fresh = sample();
    let mut l = sample();
    l.dependencies[0].digest = "sha256:old".into();
    let e = compare(&l, &fresh).unwrap_err();
    assert_eq!(e.code, LOCK_DIGEST_MISMATCH);
    assert_eq!(e.message, "LOCK_DIGEST_MISMATCH: zeta locked at sha256:old but resolves to sha256:z; run `pacto lock --update` to re-pin");

    let mut l = sample();
    l.dependencies[1].content_hash = "sha256:old".into();
    let e = compare(&l, &fresh).unwrap_err();
    assert_eq!(e.code, LOCK_LOCAL_DRIFT);
    assert_eq!(e.message, "LOCK_LOCAL_DRIFT: local dependency local-lib content changed since lock; run `pacto lock --update`");

    let mut l = sample();
    l.dependencies.pop();
    assert_eq!(
        compare(&l, &fresh).unwrap_err().message,
        "LOCK_STALE: dependency set changed; run `pacto lock`"
    );

    let mut l = sample();
    l.dependencies[0].name = "other".into();
    assert_eq!(
        compare(&l, &fresh).unwrap_err().message,
        "LOCK_STALE: new dependency zeta; run `pacto lock`"
    );

    let mut l = sample();
    l.references[1].name = "other".into();
    assert_eq!(
        compare(&l, &fresh).unwrap_err().message,
        "LOCK_STALE: new reference: policy \"sec\" declared by the root contract; run `pacto lock`"
    );

    let mut l = sample();
    l.references[1].reference = "oci://r/moved".into();
    assert_eq!(
        compare(&l, &fresh).unwrap_err().message,
        "LOCK_STALE: policy \"sec\" declared by the root contract now points at a different source; run `pacto lock`"
    );
}

#[test]
fn merge_keeps_pins_with_an_unchanged_constraint_unless_named() {
    let mut existing = sample();
    existing.dependencies[0].digest = "sha256:old".into();
    let merged = merge_preserving_pins(&existing, &sample(), &[]);
    assert_eq!(merged.dependencies[0].digest, "sha256:old");
    let merged = merge_preserving_pins(&existing, &sample(), &["zeta".to_string()]);
    assert_eq!(merged.dependencies[0].digest, "sha256:z");
}
