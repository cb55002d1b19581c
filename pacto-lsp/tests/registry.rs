//! Registry-backed language features against the real registry that `scripts/test-infra` starts
//! (`PACTO_TEST_REGISTRY`): dependency hover, tag/repository/compatibility completion, the code
//! lens against the published version and its diff command, inlay hints, go-to-definition into
//! the cache, the pin-to-digest quick fix, `$/progress`, and silence when the registry is down.
#![allow(clippy::unwrap_used)]

mod common;

use common::{file_uri, Client};
use pacto_core::bundle::archive::pack_dir;
use pacto_core::registry::{BundleMeta, Registry, RegistryOptions};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn registry_or_skip(test: &str) -> Option<String> {
    match std::env::var("PACTO_TEST_REGISTRY") {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            if std::env::var_os("CI").is_some() {
                panic!("PACTO_TEST_REGISTRY is not set: run `eval \"$(scripts/test-infra start)\"` first");
            }
            eprintln!("skipping {test}: PACTO_TEST_REGISTRY is not set (run `eval \"$(scripts/test-infra start)\"`)");
            None
        }
    }
}

fn unique(test: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "lsp/{test}-{}-{nanos}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

fn contract(name: &str, version: &str, port: u16, deps: &str) -> String {
    format!(
        "pactoVersion: \"1.0\"\nservice:\n  name: {name}\n  version: {version}\n  owner: team-{name}\ninterfaces:\n  - name: api\n    type: http\n    port: {port}\n{deps}"
    )
}

fn push(registry: &str, repo: &str, text: &str, version: &str, name: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pacto.yaml"), text).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let r = Registry::from_env(RegistryOptions {
        no_cache: true,
        cache_dir: Some(cache.path().to_path_buf()),
        ..Default::default()
    });
    let packed = pack_dir(dir.path()).unwrap();
    let meta = BundleMeta {
        name: name.to_string(),
        version: version.to_string(),
        pacto_version: "1.0".to_string(),
    };
    r.push(
        &format!("oci://{registry}/{repo}:{version}"),
        &packed,
        &meta,
        false,
    )
    .unwrap();
}

struct Setup {
    _bundle: tempfile::TempDir,
    cache: tempfile::TempDir,
    uri: String,
    text: String,
    dep_repo: String,
    svc_repo: String,
}

/// `dep` published at 1.0.0, 1.2.0 and 2.0.0; `svc` published at 1.0.0 on port 8080. The
/// buffer is `svc` 1.1.0 on port 9090 (a breaking change) depending on `dep` with `^1.0.0`
/// and on a tagged `dep:1.0.0`.
fn setup(registry: &str, test: &str) -> Setup {
    let base = unique(test);
    let dep_repo = format!("{registry}/{base}/dep");
    let svc_repo = format!("{registry}/{base}/svc");
    for v in ["1.0.0", "1.2.0", "2.0.0"] {
        push(
            registry,
            &format!("{base}/dep"),
            &contract("dep", v, 7000, ""),
            v,
            "dep",
        );
    }
    push(
        registry,
        &format!("{base}/svc"),
        &contract("svc", "1.0.0", 8080, ""),
        "1.0.0",
        "svc",
    );
    let deps = format!(
        "dependencies:\n  - name: dep\n    ref: oci://{dep_repo}\n    required: true\n    compatibility: \"^1.0.0\"\n  - name: pinned\n    ref: \"oci://{dep_repo}:1.0.0\"\n    required: false\n"
    );
    let text = contract("svc", "1.1.0", 9090, &deps);
    let bundle = tempfile::tempdir().unwrap();
    let path = bundle.path().join("pacto.yaml");
    std::fs::write(&path, &text).unwrap();
    Setup {
        uri: file_uri(&path),
        _bundle: bundle,
        cache: tempfile::tempdir().unwrap(),
        text,
        dep_repo,
        svc_repo,
    }
}

fn options(s: &Setup, repository: Option<&str>) -> Value {
    json!({"pacto": {
        "repository": repository,
        "plainHttp": true,
        "registryTimeoutMs": 5000,
        "cacheDir": s.cache.path(),
    }})
}

/// Position of the first occurrence of `needle` in `text` (+ `delta` columns), ASCII text.
fn pos_of(text: &str, needle: &str, delta: usize) -> Value {
    let at = text.find(needle).unwrap() + delta;
    let line = text[..at].matches('\n').count();
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": col})
}

fn td(uri: &str) -> Value {
    json!({"uri": uri})
}

/// Ask `method` until `done` holds for the result (the registry answers in the background).
async fn poll(c: &mut Client, method: &str, params: Value, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let r = c.request(method, params.clone()).await;
        if done(&r) || std::time::Instant::now() > deadline {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn hover_completion_hints_definition_and_pinning_come_from_the_registry() {
    let Some(registry) = registry_or_skip("hover_completion_hints") else {
        return;
    };
    let s = setup(&registry, "features");
    let (mut c, init) = Client::initialized_with(json!({}), Some(options(&s, None))).await;
    let caps = &init["capabilities"];
    assert_eq!(caps["inlayHintProvider"], true);
    assert!(caps["codeLensProvider"].is_object());
    assert!(caps["executeCommandProvider"]["commands"]
        .as_array()
        .unwrap()
        .contains(&json!("pacto.showDiff")));
    c.open(&s.uri, &s.text).await;

    // Hover on the untagged ref: the highest 1.x, with digest, owner, interfaces, compatibility.
    let ref_text = format!("oci://{}", s.dep_repo);
    let hover = c
        .request(
            "textDocument/hover",
            json!({"textDocument": td(&s.uri), "position": pos_of(&s.text, &ref_text, 3)}),
        )
        .await;
    let md = hover["contents"]["value"].as_str().unwrap();
    assert!(md.starts_with("**dep** `1.2.0`"), "{md}");
    assert!(
        md.contains(&format!("resolved `oci://{}:1.2.0`", s.dep_repo)),
        "{md}"
    );
    assert!(md.contains("digest `sha256:"), "{md}");
    assert!(md.contains("owner: team-dep"), "{md}");
    assert!(md.contains("| api | http | 7000 |"), "{md}");
    assert!(md.contains("compatibility `^1.0.0`: satisfied"), "{md}");
    let ref_line = pos_of(&s.text, &ref_text, 0)["line"].clone();
    assert_eq!(hover["range"]["start"]["line"], ref_line);
    assert_eq!(hover["range"]["start"]["character"], 9);

    // Inlay hints: the resolved version after each oci ref.
    let hints = poll(
        &mut c,
        "textDocument/inlayHint",
        json!({"textDocument": td(&s.uri), "range": {"start": {"line": 0, "character": 0}, "end": {"line": 99, "character": 0}}}),
        |r| r.as_array().is_some_and(|a| a.len() == 2),
    )
    .await;
    let labels: Vec<&str> = hints
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["→ 1.2.0", "→ 1.0.0"]);
    let first_ref_end = text_end_of(&s.text, &ref_text);
    assert_eq!(hints[0]["position"], first_ref_end);

    // Tags after `ref: oci://…:`, newest first; the tag typed so far is replaced.
    let edited = s.text.replace(
        &format!("ref: oci://{}\n", s.dep_repo),
        &format!("ref: oci://{}:1\n", s.dep_repo),
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": s.uri, "version": 2}, "contentChanges": [{"text": edited}]}),
    )
    .await;
    let at = pos_of(
        &edited,
        &format!("oci://{}:1\n", s.dep_repo),
        ref_text.len() + 2,
    );
    let items = c
        .request(
            "textDocument/completion",
            json!({"textDocument": td(&s.uri), "position": at}),
        )
        .await;
    let tags: Vec<String> = items_of(&items)
        .iter()
        .filter(|i| {
            i["detail"]
                .as_str()
                .is_some_and(|d| d.starts_with("tag of"))
        })
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(tags, ["2.0.0", "1.2.0", "1.0.0"]);
    let edit = &items_of(&items)[0]["textEdit"];
    assert_eq!(
        edit["range"]["start"]["character"],
        at["character"].as_u64().unwrap() - 1
    );

    // Compatibility ranges from the published versions.
    let at = pos_of(&edited, "compatibility: \"^1.0.0\"", 15);
    let items = c
        .request(
            "textDocument/completion",
            json!({"textDocument": td(&s.uri), "position": at}),
        )
        .await;
    let ranges: Vec<String> = items_of(&items)
        .iter()
        .filter(|i| i["kind"] == 12)
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ranges[..4], ["^2.0.0", "~2.0.0", "^1.2.0", "~1.2.0"]);

    // Repositories seen in the cache after `ref: oci://`.
    let with_prefix = edited.replace(&format!("ref: oci://{}:1\n", s.dep_repo), "ref: oci://\n");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": s.uri, "version": 3}, "contentChanges": [{"text": with_prefix}]}),
    )
    .await;
    let at = pos_of(&with_prefix, "ref: oci://\n", 11);
    let items = c
        .request(
            "textDocument/completion",
            json!({"textDocument": td(&s.uri), "position": at}),
        )
        .await;
    assert!(
        items_of(&items)
            .iter()
            .any(|i| i["label"] == format!("oci://{}", s.dep_repo)),
        "{items}"
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": s.uri, "version": 4}, "contentChanges": [{"text": s.text}]}),
    )
    .await;

    // Go to definition: the resolved pacto.yaml, written into the cache.
    let def = c
        .request(
            "textDocument/definition",
            json!({"textDocument": td(&s.uri), "position": pos_of(&s.text, &ref_text, 3)}),
        )
        .await;
    let target = def["uri"].as_str().or(def[0]["uri"].as_str()).unwrap();
    let path = target.strip_prefix("file://").unwrap();
    assert!(path.starts_with(s.cache.path().to_str().unwrap()), "{path}");
    let body = std::fs::read_to_string(path).unwrap();
    assert!(
        body.contains("name: dep") && body.contains("version: 1.2.0"),
        "{body}"
    );

    // Pin the tagged ref to its digest.
    let pinned_ref = format!("oci://{}:1.0.0", s.dep_repo);
    let at = pos_of(&s.text, &pinned_ref, 2);
    let actions = poll(
        &mut c,
        "textDocument/codeAction",
        json!({"textDocument": td(&s.uri), "range": {"start": at, "end": at}, "context": {"diagnostics": []}}),
        |r| r.as_array().is_some_and(|a| a.iter().any(|x| x["title"].as_str().is_some_and(|t| t.starts_with("Pin ")))),
    )
    .await;
    let pin = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"].as_str().unwrap().starts_with("Pin "))
        .unwrap();
    let edits = &pin["edit"]["changes"][&s.uri];
    let new_text = edits[0]["newText"].as_str().unwrap();
    assert!(
        new_text.starts_with(&format!("{pinned_ref}@sha256:")),
        "{new_text}"
    );
    assert_eq!(new_text.len(), pinned_ref.len() + 1 + 71);
    // Inside the quotes: the quotes stay.
    assert_eq!(edits[0]["range"]["start"], pos_of(&s.text, &pinned_ref, 0));
}

fn items_of(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        Value::Object(o) => o
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn text_end_of(text: &str, needle: &str) -> Value {
    let at = text.find(needle).unwrap() + needle.len();
    let line = text[..at].matches('\n').count();
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": col})
}

#[tokio::test]
async fn code_lens_shows_breaking_changes_against_the_published_version() {
    let Some(registry) = registry_or_skip("code_lens") else {
        return;
    };
    let s = setup(&registry, "lens");
    let repo = format!("oci://{}", s.svc_repo);
    let caps = json!({"window": {"workDoneProgress": true}});
    let (mut c, _) = Client::initialized_with(caps, Some(options(&s, Some(&repo)))).await;
    c.open(&s.uri, &s.text).await;
    let params = json!({"textDocument": td(&s.uri)});
    let lenses = poll(&mut c, "textDocument/codeLens", params.clone(), |r| {
        r.as_array().is_some_and(|a| !a.is_empty())
    })
    .await;
    let lens = &lenses[0];
    let title = lens["command"]["title"].as_str().unwrap();
    assert!(
        title.starts_with("vs published 1.0.0: 1 breaking · "),
        "{title}"
    );
    assert_eq!(lens["range"]["start"], pos_of(&s.text, "1.1.0", 0));
    assert_eq!(lens["command"]["command"], "pacto.showDiff");

    // The fetch was reported with $/progress (the client offered workDoneProgress).
    let create = c.server_request("window/workDoneProgress/create").await;
    c.respond(create["id"].clone(), Value::Null).await;

    // The command returns the classified diff.
    let r = c
        .request(
            "workspace/executeCommand",
            json!({"command": "pacto.showDiff", "arguments": [s.uri]}),
        )
        .await;
    assert_eq!(r["classification"], "BREAKING");
    assert_eq!(r["publishedVersion"], "1.0.0");
    let paths: Vec<&str> = r["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"interfaces.port"), "{paths:?}");
    assert!(r["markdown"].as_str().unwrap().contains("interfaces.port"));
    // Without window/showDocument the server shows it as a message...
    let shown = c.notification("window/showMessage").await;
    assert!(shown["message"]
        .as_str()
        .unwrap()
        .contains("interfaces.port"));
    // ...unless the client renders the result itself (`{"show": false}`, the VS Code extension):
    // then nothing else opens, one click gives one diff.
    let r = c
        .request(
            "workspace/executeCommand",
            json!({"command": "pacto.showDiff", "arguments": [s.uri, {"show": false}]}),
        )
        .await;
    assert_eq!(r["classification"], "BREAKING");
    assert!(
        c.no_notification("window/showMessage", Duration::from_millis(500))
            .await
    );

    // Fixing the port leaves only the version bump: no breaking change in the lens.
    let fixed = s.text.replace("port: 9090", "port: 8080");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": s.uri, "version": 2}, "contentChanges": [{"text": fixed}]}),
    )
    .await;
    let lenses = c.request("textDocument/codeLens", params).await;
    let title = lenses[0]["command"]["title"].as_str().unwrap();
    assert!(
        title.starts_with("vs published 1.0.0: 0 breaking · "),
        "{title}"
    );
}

/// When either side cannot be read as a contract, the lens says so: never "0 breaking".
#[tokio::test]
async fn code_lens_says_when_a_side_cannot_be_compared() {
    let Some(registry) = registry_or_skip("code_lens_unloadable") else {
        return;
    };
    let s = setup(&registry, "lens-unloadable");
    let base = unique("lens-future");
    // Published in a pactoVersion this build does not read.
    let future = contract("svc", "1.0.0", 9090, "").replace("\"1.0\"", "\"9.9\"");
    push(&registry, &base, &future, "1.0.0", "svc");
    let repo = format!("oci://{registry}/{base}");
    let (mut c, _) = Client::initialized_with(json!({}), Some(options(&s, Some(&repo)))).await;
    let same = contract("svc", "1.0.0", 9090, "");
    c.open(&s.uri, &same).await;
    let params = json!({"textDocument": td(&s.uri)});
    let lenses = poll(&mut c, "textDocument/codeLens", params.clone(), |r| {
        r.as_array().is_some_and(|a| !a.is_empty())
    })
    .await;
    let title = lenses[0]["command"]["title"].as_str().unwrap();
    assert!(
        title.starts_with("vs published 1.0.0: cannot compare: the published contract ")
            && title.contains("\"9.9\""),
        "{title}"
    );
    assert!(!title.contains("breaking"), "{title}");

    // The buffer side: a pactoVersion this build does not read, against a readable publication.
    let repo = format!("oci://{}", s.svc_repo);
    let (mut c, _) = Client::initialized_with(json!({}), Some(options(&s, Some(&repo)))).await;
    c.open(&s.uri, &future).await;
    let lenses = poll(&mut c, "textDocument/codeLens", params.clone(), |r| {
        r.as_array().is_some_and(|a| !a.is_empty())
    })
    .await;
    let title = lenses[0]["command"]["title"].as_str().unwrap();
    assert!(
        title.starts_with("vs published 1.0.0: cannot compare: this pacto.yaml is written in pactoVersion \"9.9\""),
        "{title}"
    );
    // And one that is not a contract at all (a list): still a lens, on line 1.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": s.uri, "version": 2}, "contentChanges": [{"text": "- a\n- b\n"}]}),
    )
    .await;
    let lenses = c.request("textDocument/codeLens", params).await;
    let title = lenses[0]["command"]["title"].as_str().unwrap();
    assert!(
        title.starts_with("vs published 1.0.0: cannot compare: this pacto.yaml is a list"),
        "{title}"
    );
    assert_eq!(
        lenses[0]["range"]["start"],
        json!({"line": 0, "character": 0})
    );
}

#[tokio::test]
async fn unreachable_or_unconfigured_registry_gives_no_lens_and_no_error() {
    let cache = tempfile::tempdir().unwrap();
    let bundle = tempfile::tempdir().unwrap();
    let path = bundle.path().join("pacto.yaml");
    let text = contract(
        "svc",
        "1.0.0",
        8080,
        "dependencies:\n  - name: gone\n    ref: oci://127.0.0.1:9/nobody/gone:1.0.0\n    required: true\n",
    );
    std::fs::write(&path, &text).unwrap();
    let uri = file_uri(&path);
    let opts = |repo: Option<&str>| json!({"pacto": {"repository": repo, "plainHttp": true, "registryTimeoutMs": 1500, "cacheDir": cache.path()}});
    // Unconfigured: no lens at all.
    let (mut c, _) = Client::initialized_with(json!({}), Some(opts(None))).await;
    c.open(&uri, &text).await;
    let lenses = c
        .request("textDocument/codeLens", json!({"textDocument": td(&uri)}))
        .await;
    assert_eq!(lenses, json!([]));

    // Unreachable: still no lens, hover says why, the server keeps answering.
    let (mut c, _) =
        Client::initialized_with(json!({}), Some(opts(Some("oci://127.0.0.1:9/nobody/svc")))).await;
    c.open(&uri, &text).await;
    let diags = c.notification("textDocument/publishDiagnostics").await;
    assert!(diags["diagnostics"].is_array());
    for _ in 0..3 {
        let lenses = c
            .request("textDocument/codeLens", json!({"textDocument": td(&uri)}))
            .await;
        assert_eq!(lenses, json!([]));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let hover = c
        .request(
            "textDocument/hover",
            json!({"textDocument": td(&uri), "position": pos_of(&text, "oci://127.0.0.1:9", 3)}),
        )
        .await;
    let md = hover["contents"]["value"].as_str().unwrap();
    assert!(md.contains("could not be resolved"), "{md}");
    let hints = c
        .request(
            "textDocument/inlayHint",
            json!({"textDocument": td(&uri), "range": {"start": {"line": 0, "character": 0}, "end": {"line": 99, "character": 0}}}),
        )
        .await;
    assert_eq!(hints, json!([]));
}
