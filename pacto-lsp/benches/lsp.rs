//! Language-server latency: `pacto lsp` against yaml-language-server, side by side.
//!
//! Run it with `scripts/bench-lsp`, which installs the pinned yaml-language-server, builds
//! `pacto` in release and passes the paths in the environment:
//!
//! - `PACTO_BENCH_LSP_PACTO`: the `pacto` binary (started as `pacto lsp`);
//! - `PACTO_BENCH_LSP_NODE`, `PACTO_BENCH_LSP_YAML_LS`: node and yaml-language-server's
//!   `bin/yaml-language-server` (started as `node <bin> --stdio`, so the measured process is
//!   the server itself);
//! - `PACTO_BENCH_LSP_SCHEMA`, `PACTO_BENCH_LSP_SCHEMA_V2`: `schemas/pacto-v1.0.schema.json` and
//!   `schemas/pacto-v2.0.schema.json`, which yaml-language-server is configured with for
//!   `pacto.yaml` on the 1.x and the 2.0 contract;
//! - `PACTO_BENCH_LSP_EDITS`: number of edits (default 100);
//! - `PACTO_BENCH_KEEP`: keep the generated bundle in `<dir>/lsp/bundle` (and the servers'
//!   stderr in `<dir>/lsp/*.stderr.log`).
//!
//! The driver generates two 10,000-line `pacto.yaml` bundles of the same service and shape, one
//! `pactoVersion: "1.0"` and one `"2.0"` (deterministic; each must validate clean in process and
//! with `pacto validate`), then for each contract and each server: initialize (answering
//! the server's `workspace/configuration`, `client/registerCapability` and
//! `window/workDoneProgress/create` requests), `didOpen`, wait for the first
//! `publishDiagnostics`, and make the edits, each one small incremental `didChange`, waiting for
//! the `publishDiagnostics` of that version (the next publish when the server sends no
//! version). The latency of an edit is the time from writing `didChange` to reading that
//! publish. Peak RSS is `VmHWM` of the server process just before shutdown. Edits alternate
//! between a metadata description and a dependency's compatibility range; every tenth edit
//! breaks a dependency's `required` (a string instead of a boolean) and the next one fixes it,
//! and the driver checks that the published diagnostics follow (so a server that does not
//! validate cannot look fast). It also times `pacto_core::validate::validate` on the same text
//! in process: the floor under `pacto lsp`'s figures. It ends with both contracts side by side and
//! whether pacto lsp's 2.0 p95 is within 10% of its 1.x p95.
//!
//! Figures go to stdout, progress to stderr. Timings are printed, never asserted. Without
//! `--bench` (as under `cargo test --benches`) it runs a smoke version: 10 edits, and only the
//! servers whose paths are in the environment.

use pacto_core::bundle::DirBundle;
use pacto_core::syntax::{parse, Limits};
use pacto_core::validate::{validate, validate_dir, LocalResolver, Options};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitCode, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Lines of the generated `pacto.yaml`.
const LINES: usize = 10_000;
const INTERFACES: usize = 400;
const DEPENDENCIES: usize = 900;
const CONFIGURATIONS: usize = 12;
/// Longest wait for one publish (yaml-language-server takes seconds on big files).
const EDIT_TIMEOUT: Duration = Duration::from_secs(60);
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// Largest LSP message the driver reads.
const MAX_MESSAGE: usize = 64 << 20;
/// Repetitions of the in-process validation.
const FLOOR_REPS: usize = 50;

const DOMAINS: [&str; 10] = [
    "payments", "orders", "billing", "search", "identity", "catalog", "shipping", "ledger",
    "notify", "reports",
];

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-lsp: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let bench = std::env::args().any(|a| a == "--bench");
    let edits = match std::env::var("PACTO_BENCH_LSP_EDITS") {
        Ok(n) => n
            .parse::<usize>()
            .map_err(|e| format!("PACTO_BENCH_LSP_EDITS={n}: {e}"))?,
        Err(_) if bench => 100,
        Err(_) => 10,
    };
    let keep = std::env::var_os("PACTO_BENCH_KEEP").map(|d| PathBuf::from(d).join("lsp"));
    let _tmp;
    let root = match keep {
        Some(d) => {
            if d.exists() {
                std::fs::remove_dir_all(&d).map_err(|e| format!("{}: {e}", d.display()))?;
            }
            d
        }
        None => {
            // No leading dot: yaml-language-server's `schemas` globs skip dot directories
            // (with the default `.tmpXXXX` name the schema is silently never applied).
            let t = tempfile::Builder::new()
                .prefix("pacto-bench-lsp-")
                .tempdir()
                .map_err(|e| format!("temporary directory: {e}"))?;
            let p = t.path().to_path_buf();
            _tmp = t;
            p
        }
    };
    let pacto = env_path("PACTO_BENCH_LSP_PACTO");
    let node = env_path("PACTO_BENCH_LSP_NODE");
    let yaml_ls = env_path("PACTO_BENCH_LSP_YAML_LS");
    let schemas = [
        env_path("PACTO_BENCH_LSP_SCHEMA"),
        env_path("PACTO_BENCH_LSP_SCHEMA_V2"),
    ];
    if pacto.is_none() && bench {
        return Err("PACTO_BENCH_LSP_PACTO is not set: run scripts/bench-lsp".into());
    }
    if bench && (node.is_none() || yaml_ls.is_none() || schemas.iter().any(Option::is_none)) {
        return Err(
            "PACTO_BENCH_LSP_NODE, PACTO_BENCH_LSP_YAML_LS, PACTO_BENCH_LSP_SCHEMA and PACTO_BENCH_LSP_SCHEMA_V2 must be set: run scripts/bench-lsp".into(),
        );
    }
    let mut prepared = Vec::new();
    for (g, schema) in [Gen::V1, Gen::V2].into_iter().zip(schemas) {
        // The bundle in `<root>/<gen>/bundle`, the servers' stderr in
        // `<root>/<gen>/<server>.stderr.log`.
        let dir = root.join(g.dir()).join("bundle");
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let dir = std::fs::canonicalize(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;

        let gen = generate(g);
        write_bundle(&dir, &gen.text, g)?;
        let contract = dir.join("pacto.yaml");
        eprintln!(
            "generated {} ({} lines, {} bytes)",
            contract.display(),
            gen.text.lines().count(),
            gen.text.len()
        );
        check_clean(&dir)?;
        if let Some(pacto) = &pacto {
            check_clean_cli(pacto, &dir)?;
        }

        let mut servers = Vec::new();
        match &pacto {
            Some(p) => servers.push(ServerSpec {
                name: "pacto lsp".to_string(),
                program: p.clone(),
                args: vec!["lsp".to_string()],
                settings: json!({}),
                wait_for_configuration: false,
            }),
            None => eprintln!("smoke: PACTO_BENCH_LSP_PACTO is not set, pacto lsp not run"),
        }
        match (&node, &yaml_ls, &schema) {
            (Some(node), Some(yls), Some(schema)) => {
                let schema_uri = file_uri(schema);
                servers.push(ServerSpec {
                    name: format!("yaml-language-server {}", yaml_ls_version(yls)),
                    program: node.clone(),
                    args: vec![yls.display().to_string(), "--stdio".to_string()],
                    settings: json!({
                        "validate": true,
                        "hover": true,
                        "completion": true,
                        "schemaStore": {"enable": false},
                        "schemas": {schema_uri: "pacto.yaml"},
                    }),
                    wait_for_configuration: true,
                });
            }
            _ => eprintln!(
                "smoke: yaml-language-server paths are not set, it is not run on {}",
                g.label()
            ),
        }

        let plan = edit_plan(&gen, edits);
        prepared.push((g, dir, gen, plan, servers));
    }
    // Server by server, each on both contracts back to back, so the two figures of one server
    // are taken under the same load of the machine.
    let mut runs: Vec<Vec<Run>> = prepared.iter().map(|_| Vec::new()).collect();
    let most = prepared.iter().map(|p| p.4.len()).max().unwrap_or(0);
    for s in 0..most {
        for (i, (g, dir, gen, plan, servers)) in prepared.iter().enumerate() {
            let Some(spec) = servers.get(s) else {
                continue;
            };
            eprintln!(
                "running {} on {} ({} edits)",
                spec.name,
                g.label(),
                plan.len()
            );
            runs[i].push(run_server(spec, dir, &gen.text, plan)?);
        }
    }
    let mut cases = Vec::new();
    for ((g, dir, gen, plan, _), runs) in prepared.into_iter().zip(runs) {
        let floor = measure_floor(&dir, &gen.text);
        println!("=== {}", g.label());
        print_report(&gen, &plan, &runs, &floor);
        println!();
        cases.push((g, runs));
    }
    print_side_by_side(&cases);
    Ok(())
}

/// The two generations side by side: p50/p95 of each server on each contract, and the issue's
/// goal (2.0's p95 within 10% of 1.x's for pacto lsp).
fn print_side_by_side(cases: &[(Gen, Vec<Run>)]) {
    println!("=== side by side: didChange -> publishDiagnostics on 10,000-line contracts");
    let mut rows: Vec<[String; 5]> = vec![[
        "contract".into(),
        "server".into(),
        "p50".into(),
        "p95".into(),
        "mean".into(),
    ]];
    for (g, runs) in cases {
        for r in runs {
            let s = stats(&r.latencies);
            rows.push([
                g.label().to_string(),
                r.name.clone(),
                ms(s.p50),
                ms(s.p95),
                ms(s.mean),
            ]);
        }
    }
    let widths: Vec<usize> = (0..5)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for (i, r) in rows.iter().enumerate() {
        let line = format!(
            "{:<w0$}  {:<w1$}  {:>w2$}  {:>w3$}  {:>w4$}",
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3],
            w4 = widths[4]
        );
        println!("{line}");
        if i == 0 {
            println!("{}", "-".repeat(line.chars().count()));
        }
    }
    let p95_of = |g: Gen| {
        cases
            .iter()
            .find(|(c, _)| *c == g)
            .and_then(|(_, runs)| runs.iter().find(|r| r.name.starts_with("pacto")))
            .map(|r| stats(&r.latencies).p95)
    };
    if let (Some(v1), Some(v2)) = (p95_of(Gen::V1), p95_of(Gen::V2)) {
        let ratio = v2.as_secs_f64() / v1.as_secs_f64().max(1e-9);
        println!(
            "goal: pacto lsp p95 on 2.0 within 10% of 1.x: {} (2.0 {} vs 1.x {}: {:+.1}%)",
            if ratio <= 1.10 { "MET" } else { "NOT MET" },
            ms(v2),
            ms(v1),
            (ratio - 1.0) * 100.0
        );
    }
}

fn env_path(key: &str) -> Option<PathBuf> {
    std::env::var_os(key)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn file_uri(p: &Path) -> String {
    format!("file://{}", p.display())
}

fn yaml_ls_version(bin: &Path) -> String {
    let pkg = bin
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("package.json"));
    pkg.and_then(|p| std::fs::read(p).ok())
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .and_then(|v| v["version"].as_str().map(str::to_string))
        .unwrap_or_else(|| "?".to_string())
}

// ------------------------------------------------------------------------------------------
// The generated bundle.

struct Generated {
    text: String,
    /// Line numbers (0-based) of the values the edits change.
    description_line: usize,
    compatibility_line: usize,
    required_line: usize,
    components: usize,
}

/// A deterministic 64-bit mix (splitmix64).
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn digest(k: usize) -> String {
    let mut s = String::from("sha256:");
    for part in 0..4u64 {
        let _ = write!(s, "{:016x}", mix((k as u64) << 2 | part));
    }
    s
}

/// Which generation of contract to generate: the same service, shape and size in each.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Gen {
    V1,
    V2,
}

impl Gen {
    fn dir(self) -> &'static str {
        match self {
            Gen::V1 => "v1",
            Gen::V2 => "v2",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Gen::V1 => "pactoVersion 1.0",
            Gen::V2 => "pactoVersion 2.0",
        }
    }
}

fn generate(g: Gen) -> Generated {
    let mut l: Vec<String> = Vec::with_capacity(LINES);
    let push = |l: &mut Vec<String>, s: String| l.push(s);
    push(
        &mut l,
        match g {
            Gen::V1 => "pactoVersion: \"1.0\"",
            Gen::V2 => "pactoVersion: \"2.0\"",
        }
        .to_string(),
    );
    for s in [
        "",
        "service:",
        "  name: bench-platform",
        "  version: 3.14.0",
        "  owner:",
        "    team: platform-team",
        "    dri: jane.doe",
        "    contacts:",
        "      - type: email",
        "        value: platform-team@acme.com",
        "        purpose: ownership",
        "      - type: chat",
        "        value: \"#platform\"",
        "        purpose: support",
    ] {
        push(&mut l, s.to_string());
    }
    if g == Gen::V1 {
        push(&mut l, "  image:".into());
        push(&mut l, "    ref: ghcr.io/acme/bench-platform:3.14.0".into());
        push(&mut l, "    private: true".into());
    }
    push(&mut l, String::new());
    push(&mut l, "interfaces:".into());
    for k in 0..INTERFACES {
        let vis = if k % 4 == 1 { "internal" } else { "public" };
        if g == Gen::V2 {
            // 2.0: the spec kind is the type, the file its `ref`, no port.
            let (name, kind, file, vis) = match k % 3 {
                0 => ("http", "openapi", "openapi.yaml", vis),
                1 => ("grpc", "grpc", "service.proto", "internal"),
                _ => ("events", "asyncapi", "events.yaml", vis),
            };
            push(&mut l, format!("  - name: {name}-{k:04}"));
            push(&mut l, format!("    type: {kind}"));
            push(&mut l, format!("    ref: interfaces/{file}"));
            push(&mut l, format!("    visibility: {vis}"));
            continue;
        }
        match k % 3 {
            0 => {
                push(&mut l, format!("  - name: http-{k:04}"));
                push(&mut l, "    type: http".into());
                push(&mut l, format!("    port: {}", 10_000 + k));
                push(&mut l, format!("    visibility: {vis}"));
                push(&mut l, "    contract: interfaces/openapi.yaml".into());
            }
            1 => {
                push(&mut l, format!("  - name: grpc-{k:04}"));
                push(&mut l, "    type: grpc".into());
                push(&mut l, format!("    port: {}", 20_000 + k));
                push(&mut l, "    visibility: internal".into());
                push(&mut l, "    contract: interfaces/service.proto".into());
            }
            _ => {
                push(&mut l, format!("  - name: events-{k:04}"));
                push(&mut l, "    type: event".into());
                push(&mut l, format!("    visibility: {vis}"));
                push(&mut l, "    contract: interfaces/events.yaml".into());
            }
        }
    }
    push(&mut l, String::new());
    push(&mut l, "configurations:".into());
    for k in 0..CONFIGURATIONS {
        push(&mut l, format!("  - name: cfg-{k:02}"));
        push(&mut l, "    schema: configuration/schema.json".into());
        if g == Gen::V2 {
            // 2.0 asks whether a configuration must be provided.
            push(&mut l, "    required: true".into());
        }
        push(&mut l, "    values:".into());
        push(
            &mut l,
            format!("      LOG_LEVEL: {}", ["info", "debug", "warn"][k % 3]),
        );
        push(&mut l, format!("      PORT: {}", 8080 + k));
        push(&mut l, format!("      FEATURE_FLAGS: {}", k % 2 == 0));
        push(
            &mut l,
            format!(
                "      DATABASE_URL: \"postgresql://db-{k:02}:5432/{}\"",
                DOMAINS[k % DOMAINS.len()]
            ),
        );
    }
    push(&mut l, String::new());
    push(&mut l, "dependencies:".into());
    let mut compat_lines = Vec::new();
    let mut required_lines = Vec::new();
    for k in 0..DEPENDENCIES {
        let domain = DOMAINS[k % DOMAINS.len()];
        push(&mut l, format!("  - name: {domain}-{k:04}"));
        push(
            &mut l,
            format!(
                "    ref: oci://ghcr.io/acme/{domain}-{k:04}-pacto@{}",
                digest(k)
            ),
        );
        required_lines.push(l.len());
        push(&mut l, format!("    required: {}", k % 3 != 0));
        compat_lines.push(l.len());
        push(
            &mut l,
            format!("    compatibility: \"^{}.{}.0\"", 1 + k % 7, k % 13),
        );
    }
    let tail_v2 = [
        "",
        "workload: service",
        "",
        "state:",
        "  type: stateful",
        "  persistence:",
        "    scope: shared",
        "    durability: persistent",
        "  dataCriticality: high",
        "",
        "capabilities:",
        "  - type: health",
        "    binding:",
        "      type: http",
        "      interface: http-0000",
        "      path: /health",
        "  - type: metrics",
        "    binding:",
        "      type: http",
        "      interface: http-0000",
        "      path: /metrics",
        "",
        "metadata:",
        "  tier: critical",
        "  domain: platform",
        "  language: rust",
        "  repository: github.com/acme/bench-platform",
    ];
    let tail_v1 = [
        "",
        "runtime:",
        "  workload: service",
        "  state:",
        "    type: stateful",
        "    persistence:",
        "      scope: shared",
        "      durability: persistent",
        "    dataCriticality: high",
        "  health:",
        "    interface: http-0000",
        "    path: /health",
        "  metrics:",
        "    interface: http-0000",
        "    path: /metrics",
        "",
        "scaling:",
        "  min: 3",
        "  max: 30",
        "",
        "metadata:",
        "  tier: critical",
        "  domain: platform",
        "  language: rust",
        "  repository: github.com/acme/bench-platform",
    ];
    for s in match g {
        Gen::V1 => &tail_v1[..],
        Gen::V2 => &tail_v2[..],
    } {
        push(&mut l, s.to_string());
    }
    let mut description_lines = Vec::new();
    let mut components = 0;
    while l.len() + 6 <= LINES {
        let k = components;
        push(&mut l, format!("  component-{k:05}:"));
        push(&mut l, format!("    owner: team-{:02}", k % 40));
        description_lines.push(l.len());
        push(
            &mut l,
            format!(
                "    description: \"component {k} of the platform, kept for the migration plan\""
            ),
        );
        push(&mut l, format!("    weight: {}", mix(k as u64) % 1000));
        push(&mut l, format!("    enabled: {}", k % 2 == 0));
        push(
            &mut l,
            format!(
                "    tags: [{}, tier-{}]",
                DOMAINS[(mix(k as u64 + 7) % 10) as usize],
                k % 3
            ),
        );
        components += 1;
    }
    let mut j = 0;
    while l.len() < LINES {
        push(&mut l, format!("  label-{j}: value-{j}"));
        j += 1;
    }
    let middle = LINES / 2;
    let nearest = |lines: &[usize], to: usize| {
        lines
            .iter()
            .copied()
            .min_by_key(|&n| n.abs_diff(to))
            .unwrap_or_default()
    };
    let compatibility_line = nearest(&compat_lines, middle);
    let required_line = nearest(&required_lines, middle);
    // The middle of the metadata block (after the dependencies).
    let description_line = description_lines[description_lines.len() / 2];
    let mut text = l.join("\n");
    text.push('\n');
    assert!(text.is_ascii(), "positions are computed on ASCII text");
    Generated {
        text,
        description_line,
        compatibility_line,
        required_line,
        components,
    }
}

fn write_file(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn write_bundle(dir: &Path, text: &str, g: Gen) -> Result<(), String> {
    write_file(&dir.join("pacto.yaml"), text)?;
    write_file(
        &dir.join("interfaces/openapi.yaml"),
        "openapi: 3.0.3\ninfo:\n  title: bench-platform\n  version: 3.14.0\npaths:\n  /health:\n    get:\n      responses:\n        \"200\":\n          description: ok\n",
    )?;
    write_file(
        &dir.join("interfaces/service.proto"),
        "syntax = \"proto3\";\n\npackage bench.platform.v1;\n\nservice Platform {\n  rpc Ping (PingRequest) returns (PingReply);\n}\n\nmessage PingRequest {}\nmessage PingReply {}\n",
    )?;
    write_file(
        &dir.join("interfaces/events.yaml"),
        match g {
            Gen::V1 => "asyncapi: 2.6.0\ninfo:\n  title: bench-platform events\n  version: 3.14.0\nchannels:\n  platform.changed:\n    subscribe:\n      message:\n        payload:\n          type: object\n",
            // 2.0 reads AsyncAPI 3.
            Gen::V2 => "asyncapi: 3.0.0\ninfo:\n  title: bench-platform events\n  version: 3.14.0\nchannels:\n  changed:\n    address: platform.changed\n    messages:\n      changed:\n        payload:\n          type: object\noperations:\n  publishChanged:\n    action: send\n    channel:\n      $ref: \"#/channels/changed\"\n",
        },
    )?;
    write_file(
        &dir.join("configuration/schema.json"),
        r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "required": ["LOG_LEVEL", "PORT"],
  "properties": {
    "LOG_LEVEL": {"type": "string", "enum": ["debug", "info", "warn", "error"]},
    "PORT": {"type": "integer", "minimum": 1, "maximum": 65535},
    "FEATURE_FLAGS": {"type": "boolean"},
    "DATABASE_URL": {"type": "string", "minLength": 1}
  }
}
"#,
    )
}

/// The generated bundle must be clean: no error and no warning, in process...
fn check_clean(dir: &Path) -> Result<(), String> {
    let report = validate_dir(&dir.display().to_string(), None, &Options::default());
    if report.diagnostics.is_empty() {
        return Ok(());
    }
    let mut msg = format!(
        "the generated bundle {} does not validate clean:",
        dir.display()
    );
    for d in report.diagnostics.iter().take(10) {
        let _ = write!(msg, "\n  {} {}: {}", d.code, d.path, d.message);
    }
    Err(msg)
}

/// ... and with `pacto validate`.
fn check_clean_cli(pacto: &Path, dir: &Path) -> Result<(), String> {
    let out = Command::new(pacto)
        .arg("validate")
        .arg(dir)
        .output()
        .map_err(|e| format!("{}: {e}", pacto.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() || stdout.contains("warning") || stderr.contains("warning") {
        return Err(format!(
            "pacto validate {} is not clean ({}):\n{stdout}{stderr}",
            dir.display(),
            out.status
        ));
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Edits.

#[derive(Clone, Copy, PartialEq)]
enum EditKind {
    Description,
    Version,
    Break,
    Fix,
}

struct Edit {
    kind: EditKind,
    line: usize,
    value: String,
}

fn edit_plan(gen: &Generated, n: usize) -> Vec<Edit> {
    (1..=n)
        .map(|i| {
            if i % 10 == 9 {
                Edit {
                    kind: EditKind::Break,
                    line: gen.required_line,
                    value: "\"yes\"".to_string(),
                }
            } else if i % 10 == 0 {
                Edit {
                    kind: EditKind::Fix,
                    line: gen.required_line,
                    value: "true".to_string(),
                }
            } else if i % 2 == 1 {
                Edit {
                    kind: EditKind::Description,
                    line: gen.description_line,
                    value: format!("\"component of the platform, revision {i}\""),
                }
            } else {
                Edit {
                    kind: EditKind::Version,
                    line: gen.compatibility_line,
                    value: format!("\"^{}.{}.0\"", 1 + i % 5, i),
                }
            }
        })
        .collect()
}

/// The client's copy of the document, to compute the ranges of incremental changes.
struct Doc {
    lines: Vec<String>,
}

impl Doc {
    fn new(text: &str) -> Doc {
        Doc {
            lines: text.lines().map(str::to_string).collect(),
        }
    }

    /// Replace the value after `key: ` on `line`; the LSP content change that does it.
    fn set_value(&mut self, line: usize, value: &str) -> Result<Value, String> {
        let l = self
            .lines
            .get_mut(line)
            .ok_or_else(|| format!("no line {line}"))?;
        let start = l
            .find(": ")
            .map(|c| c + 2)
            .ok_or_else(|| format!("line {line} has no value: {l}"))?;
        let end = l.len();
        l.replace_range(start.., value);
        // ASCII text: UTF-16 code units are bytes.
        Ok(json!({
            "range": {
                "start": {"line": line, "character": start},
                "end": {"line": line, "character": end},
            },
            "rangeLength": end - start,
            "text": value,
        }))
    }
}

// ------------------------------------------------------------------------------------------
// An LSP client over a child's stdio.

struct ServerSpec {
    name: String,
    program: PathBuf,
    args: Vec<String>,
    /// The `yaml` settings section (sent by didChangeConfiguration, returned from
    /// workspace/configuration).
    settings: Value,
    /// Wait until the server has pulled its configuration before opening the document.
    wait_for_configuration: bool,
}

struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Result<(Instant, Value), String>>,
    settings: Value,
    next_id: i64,
    configuration_requests: usize,
    /// `PACTO_BENCH_LSP_TRACE` set: every message read goes to stderr, in short.
    trace: bool,
}

fn trace(msg: &Value) {
    let p = &msg["params"];
    eprintln!(
        "<- {} id={} version={} diagnostics={} {}",
        msg["method"].as_str().unwrap_or("(response)"),
        msg["id"],
        p["version"],
        p["diagnostics"].as_array().map_or(0, Vec::len),
        p["diagnostics"][0]["message"]
    );
}

/// Read framed messages from `r`, stamping each with the time it was read in full.
fn reader(r: impl Read, tx: mpsc::Sender<Result<(Instant, Value), String>>) {
    let mut r = BufReader::new(r);
    loop {
        let mut length = None;
        loop {
            let mut header = String::new();
            match r.read_line(&mut header) {
                Ok(0) => {
                    let _ = tx.send(Err("the server closed its stdout".to_string()));
                    return;
                }
                Ok(_) => {}
                Err(e) => {
                    let _ = tx.send(Err(format!("reading the server's stdout: {e}")));
                    return;
                }
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((k, v)) = header.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse::<usize>().ok();
                }
            }
        }
        let Some(n) = length.filter(|&n| n <= MAX_MESSAGE) else {
            let _ = tx.send(Err("a message without a valid Content-Length".to_string()));
            return;
        };
        let mut body = vec![0; n];
        if let Err(e) = r.read_exact(&mut body) {
            let _ = tx.send(Err(format!("reading a message body: {e}")));
            return;
        }
        let at = Instant::now();
        let msg = serde_json::from_slice::<Value>(&body)
            .map(|v| (at, v))
            .map_err(|e| format!("a message that is not JSON: {e}"));
        if tx.send(msg).is_err() {
            return;
        }
    }
}

/// What a wait for a publish found.
struct Published {
    at: Instant,
    count: usize,
}

impl Client {
    fn start(spec: &ServerSpec, log: &Path) -> Result<Client, String> {
        let stderr = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let mut child = Command::new(&spec.program)
            .args(&spec.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("starting {}: {e}", spec.program.display()))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || reader(stdout, tx));
        Ok(Client {
            child,
            stdin,
            rx,
            settings: spec.settings.clone(),
            next_id: 1,
            configuration_requests: 0,
            trace: std::env::var_os("PACTO_BENCH_LSP_TRACE").is_some(),
        })
    }

    /// Write one message; the time just before writing it.
    fn send(&mut self, msg: &Value) -> Result<Instant, String> {
        let body = msg.to_string();
        let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        frame.extend_from_slice(body.as_bytes());
        let at = Instant::now();
        self.stdin
            .write_all(&frame)
            .and_then(|()| self.stdin.flush())
            .map_err(|e| format!("writing to the server: {e}"))?;
        Ok(at)
    }

    fn notify(&mut self, method: &str, params: Value) -> Result<Instant, String> {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}))
    }

    fn request(&mut self, method: &str, params: Value, timeout: Duration) -> Result<Value, String> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))?;
        let deadline = Instant::now() + timeout;
        loop {
            let (_, msg) = self.next(deadline, method)?;
            if msg.get("method").is_none() && msg["id"] == json!(id) {
                if let Some(err) = msg.get("error") {
                    return Err(format!("{method} failed: {err}"));
                }
                return Ok(msg["result"].clone());
            }
        }
    }

    /// The next message (server requests answered on the way), or an error at `deadline`.
    fn next(&mut self, deadline: Instant, waiting_for: &str) -> Result<(Instant, Value), String> {
        let wait = deadline.saturating_duration_since(Instant::now());
        match self.rx.recv_timeout(wait) {
            Ok(Ok((at, msg))) => {
                if self.trace {
                    trace(&msg);
                }
                self.answer(&msg)?;
                Ok((at, msg))
            }
            Ok(Err(e)) => Err(e),
            Err(RecvTimeoutError::Timeout) => Err(format!("timed out waiting for {waiting_for}")),
            Err(RecvTimeoutError::Disconnected) => Err("the server's stdout reader stopped".into()),
        }
    }

    /// Answer a request from the server.
    fn answer(&mut self, msg: &Value) -> Result<(), String> {
        let (Some(method), Some(id)) = (msg["method"].as_str(), msg.get("id")) else {
            return Ok(());
        };
        let id = id.clone();
        let result = match method {
            "workspace/configuration" => {
                self.configuration_requests += 1;
                let items = msg["params"]["items"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                Value::Array(
                    items
                        .iter()
                        .map(|item| match item["section"].as_str() {
                            Some("yaml") => self.settings.clone(),
                            _ => Value::Null,
                        })
                        .collect(),
                )
            }
            "client/registerCapability"
            | "client/unregisterCapability"
            | "window/workDoneProgress/create"
            | "window/showMessageRequest"
            | "workspace/semanticTokens/refresh"
            | "workspace/codeLens/refresh"
            | "workspace/inlayHint/refresh"
            | "workspace/diagnostic/refresh" => Value::Null,
            "workspace/workspaceFolders" => Value::Null,
            _ => {
                let reply = json!({"jsonrpc": "2.0", "id": id,
                    "error": {"code": -32601, "message": format!("{method} is not supported by the benchmark client")}});
                self.send(&reply)?;
                return Ok(());
            }
        };
        self.send(&json!({"jsonrpc": "2.0", "id": id, "result": result}))?;
        Ok(())
    }

    /// Answer whatever the server has sent so far, without waiting.
    fn drain(&mut self) -> Result<(), String> {
        while let Ok(m) = self.rx.try_recv() {
            let (_, msg) = m?;
            if self.trace {
                trace(&msg);
            }
            self.answer(&msg)?;
        }
        Ok(())
    }

    /// Wait for the publishDiagnostics of `uri` at `version` (or the next one without a
    /// version).
    fn wait_publish(&mut self, uri: &str, version: i64) -> Result<Published, String> {
        let deadline = Instant::now() + EDIT_TIMEOUT;
        loop {
            let (at, msg) = self.next(deadline, &format!("diagnostics of version {version}"))?;
            if msg["method"] != "textDocument/publishDiagnostics" || msg["params"]["uri"] != uri {
                continue;
            }
            let matches = match msg["params"].get("version").and_then(Value::as_i64) {
                Some(v) => v == version,
                None => true,
            };
            if matches {
                let count = msg["params"]["diagnostics"].as_array().map_or(0, Vec::len);
                return Ok(Published { at, count });
            }
        }
    }

    /// Read until the server has been quiet for a while; the diagnostics count of the last
    /// publish for `uri` (`count` if there is none).
    fn settle(&mut self, uri: &str, mut count: usize, open: Duration) -> Result<usize, String> {
        let quiet = (open * 3).clamp(Duration::from_secs(1), Duration::from_secs(20));
        loop {
            match self.rx.recv_timeout(quiet) {
                Ok(m) => {
                    let (_, msg) = m?;
                    if self.trace {
                        trace(&msg);
                    }
                    self.answer(&msg)?;
                    if msg["method"] == "textDocument/publishDiagnostics"
                        && msg["params"]["uri"] == uri
                    {
                        count = msg["params"]["diagnostics"].as_array().map_or(0, Vec::len);
                    }
                }
                Err(RecvTimeoutError::Timeout) => return Ok(count),
                Err(RecvTimeoutError::Disconnected) => {
                    return Err("the server's stdout reader stopped".into())
                }
            }
        }
    }

    fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
    }

    fn shutdown(mut self) {
        let ok = self
            .request("shutdown", Value::Null, Duration::from_secs(10))
            .is_ok();
        if ok {
            let _ = self.notify("exit", Value::Null);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Run {
    name: String,
    initialize: Duration,
    open: Duration,
    latencies: Vec<Duration>,
    peak_rss_kib: Option<u64>,
    clean_count: usize,
    broken_count: usize,
}

fn run_server(spec: &ServerSpec, dir: &Path, text: &str, plan: &[Edit]) -> Result<Run, String> {
    let log = dir.with_file_name(format!(
        "{}.stderr.log",
        spec.name.split(' ').next().unwrap_or("server")
    ));
    let mut c = Client::start(spec, &log)?;
    let result = drive(&mut c, spec, dir, text, plan);
    let peak = c.peak_rss_kib();
    c.shutdown();
    match result {
        Ok(mut run) => {
            run.peak_rss_kib = peak;
            if std::env::var_os("PACTO_BENCH_KEEP").is_none() {
                let _ = std::fs::remove_file(&log);
            }
            Ok(run)
        }
        Err(e) => {
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = tail.lines().rev().take(20).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            Err(format!(
                "{}: {e}\nstderr ({}):\n{}",
                spec.name,
                log.display(),
                tail.join("\n")
            ))
        }
    }
}

fn drive(
    c: &mut Client,
    spec: &ServerSpec,
    dir: &Path,
    text: &str,
    plan: &[Edit],
) -> Result<Run, String> {
    let root = file_uri(dir);
    let uri = file_uri(&dir.join("pacto.yaml"));
    let t = Instant::now();
    c.request(
        "initialize",
        json!({
            "processId": std::process::id(),
            "clientInfo": {"name": "pacto-bench-lsp"},
            "rootUri": root,
            "workspaceFolders": [{"uri": root, "name": "bench"}],
            "capabilities": {
                "workspace": {
                    "configuration": true,
                    "didChangeConfiguration": {"dynamicRegistration": true},
                    "workspaceFolders": true,
                },
                "textDocument": {
                    "synchronization": {"dynamicRegistration": false},
                    "publishDiagnostics": {"versionSupport": true},
                },
                "window": {"workDoneProgress": true},
            },
        }),
        START_TIMEOUT,
    )?;
    let initialize = t.elapsed();
    c.notify("initialized", json!({}))?;
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"yaml": spec.settings}}),
    )?;
    if spec.wait_for_configuration {
        let deadline = Instant::now() + START_TIMEOUT;
        while c.configuration_requests == 0 {
            c.next(deadline, "the server's workspace/configuration request")?;
        }
    }
    c.drain()?;

    let mut version = 1;
    let t = c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": version, "text": text}}),
    )?;
    let first = c.wait_publish(&uri, version)?;
    let open = first.at.saturating_duration_since(t);
    // A server may validate again once its configuration arrives (yaml-language-server pulls
    // it twice): let it settle, so that no late publish is taken for an edit's.
    let clean_count = c.settle(&uri, first.count, open)?;

    let mut doc = Doc::new(text);
    let mut latencies = Vec::with_capacity(plan.len());
    let mut broken_count = None;
    for (i, edit) in plan.iter().enumerate() {
        c.drain()?;
        version += 1;
        let change = doc.set_value(edit.line, &edit.value)?;
        if c.trace {
            eprintln!("-> didChange version={version} {change}");
        }
        let sent = c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}),
        )?;
        let p = c
            .wait_publish(&uri, version)
            .map_err(|e| format!("edit {}: {e}", i + 1))?;
        latencies.push(p.at.saturating_duration_since(sent));
        // The diagnostics must follow the edits.
        match edit.kind {
            EditKind::Break => {
                if p.count <= clean_count {
                    return Err(format!(
                        "edit {} broke `required` but the server published {} diagnostics (clean: {clean_count})",
                        i + 1,
                        p.count
                    ));
                }
                broken_count = Some(p.count);
            }
            _ => {
                if p.count != clean_count {
                    return Err(format!(
                        "edit {} left the document clean but the server published {} diagnostics (clean: {clean_count})",
                        i + 1,
                        p.count
                    ));
                }
            }
        }
    }
    Ok(Run {
        name: spec.name.clone(),
        initialize,
        open,
        latencies,
        peak_rss_kib: None,
        clean_count,
        broken_count: broken_count.unwrap_or(clean_count),
    })
}

// ------------------------------------------------------------------------------------------
// The floor: pacto_core validation in process.

struct Floor {
    validate: Vec<Duration>,
    parse: Vec<Duration>,
}

fn measure_floor(dir: &Path, text: &str) -> Floor {
    let bundle = DirBundle::new(dir.to_path_buf());
    let resolver = LocalResolver::new(dir.to_path_buf());
    // As the language server runs it: offline.
    let options = Options {
        offline: true,
        ..Options::default()
    };
    let v = validate(text, Some(&bundle), &resolver, &options); // warm up (schema compile)
    assert!(v.diagnostics.is_empty(), "the generated contract is clean");
    let mut validate_times = Vec::with_capacity(FLOOR_REPS);
    let mut parse_times = Vec::with_capacity(FLOOR_REPS);
    for _ in 0..FLOOR_REPS {
        let t = Instant::now();
        let v = validate(text, Some(&bundle), &resolver, &options);
        validate_times.push(t.elapsed());
        std::hint::black_box(v);
        let t = Instant::now();
        let p = parse(text, &Limits::default());
        parse_times.push(t.elapsed());
        std::hint::black_box(p);
    }
    Floor {
        validate: validate_times,
        parse: parse_times,
    }
}

// ------------------------------------------------------------------------------------------
// Report.

struct Stats {
    p50: Duration,
    p95: Duration,
    max: Duration,
    mean: Duration,
}

/// Nearest-rank percentiles.
fn stats(samples: &[Duration]) -> Stats {
    let mut s = samples.to_vec();
    s.sort();
    let rank = |p: f64| {
        let r = (p * s.len() as f64).ceil() as usize;
        s.get(r.saturating_sub(1)).copied().unwrap_or_default()
    };
    let total: Duration = s.iter().sum();
    Stats {
        p50: rank(0.50),
        p95: rank(0.95),
        max: s.last().copied().unwrap_or_default(),
        mean: if s.is_empty() {
            Duration::ZERO
        } else {
            total / s.len() as u32
        },
    }
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.2} s", ms / 1e3)
    }
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or("?".to_string(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}

fn print_report(gen: &Generated, plan: &[Edit], runs: &[Run], floor: &Floor) {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "didChange -> publishDiagnostics on a {}-line pacto.yaml ({:.0} KB: {INTERFACES} interfaces, {DEPENDENCIES} dependencies, {CONFIGURATIONS} configurations, {} metadata components)",
        gen.text.lines().count(),
        gen.text.len() as f64 / 1000.0,
        gen.components
    );
    let breaks = plan.iter().filter(|e| e.kind == EditKind::Break).count();
    println!(
        "{} incremental edits (one-line changes at lines {}, {} and {}; {breaks} of them break a dependency's `required`, each fixed by the next edit)",
        plan.len(),
        gen.description_line + 1,
        gen.compatibility_line + 1,
        gen.required_line + 1,
    );
    println!(
        "machine: {} CPUs; load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!();
    if runs.is_empty() {
        println!("no language server was run (smoke mode without their paths)");
    } else {
        print_table(runs);
    }
    // Each server's figures by kind of edit (a value typed, or a type error made and fixed).
    for r in runs {
        let of = |kinds: &[EditKind]| {
            let lat: Vec<Duration> = plan
                .iter()
                .zip(&r.latencies)
                .filter(|(e, _)| kinds.contains(&e.kind))
                .map(|(_, l)| *l)
                .collect();
            let s = stats(&lat);
            format!("p50 {}, p95 {}", ms(s.p50), ms(s.p95))
        };
        println!(
            "{} by edit: description {}; compatibility {}; required broken/fixed {}",
            r.name,
            of(&[EditKind::Description]),
            of(&[EditKind::Version]),
            of(&[EditKind::Break, EditKind::Fix])
        );
    }
    let pacto = runs.iter().find(|r| r.name.starts_with("pacto"));
    let yls = runs
        .iter()
        .find(|r| r.name.starts_with("yaml-language-server"));
    if let Some(p) = pacto {
        let s = stats(&p.latencies);
        println!(
            "goal: pacto lsp p95 < 5 ms: {} (p95 {})",
            if s.p95 < Duration::from_millis(5) {
                "MET"
            } else {
                "NOT MET"
            },
            ms(s.p95)
        );
    }
    if let (Some(p), Some(y)) = (pacto, yls) {
        let (ps, ys) = (stats(&p.latencies), stats(&y.latencies));
        let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
        let (r50, r95, rmean) = (
            ratio(ys.p50, ps.p50),
            ratio(ys.p95, ps.p95),
            ratio(ys.mean, ps.mean),
        );
        println!(
            "goal: pacto lsp >= 20x faster than yaml-language-server (p50 and p95): {} (p50 {r50:.1}x, p95 {r95:.1}x, mean {rmean:.1}x)",
            if r50 >= 20.0 && r95 >= 20.0 {
                "MET"
            } else {
                "NOT MET"
            }
        );
        if let (Some(pk), Some(yk)) = (p.peak_rss_kib, y.peak_rss_kib) {
            println!(
                "peak RSS: pacto lsp {} vs yaml-language-server {} ({:.1}x less)",
                mib(Some(pk)),
                mib(Some(yk)),
                yk as f64 / pk.max(1) as f64
            );
        }
        let delay = Duration::from_millis(200);
        println!(
            "note: yaml-language-server waits a fixed {} (validationDelayMs) after a change before validating; net of it: p50 {}, p95 {}",
            ms(delay),
            ms(ys.p50.saturating_sub(delay)),
            ms(ys.p95.saturating_sub(delay))
        );
    }
    let v = stats(&floor.validate);
    let p = stats(&floor.parse);
    println!(
        "floor, in process: pacto_core::validate::validate on the same text (offline, with the bundle): p50 {}, p95 {}; parse only: p50 {} ({FLOOR_REPS} runs each)",
        ms(v.p50),
        ms(v.p95),
        ms(p.p50)
    );
}

fn print_table(runs: &[Run]) {
    let header = [
        "server",
        "initialize",
        "open->diags",
        "p50",
        "p95",
        "max",
        "mean",
        "peak RSS",
        "diags clean/broken",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for r in runs {
        let s = stats(&r.latencies);
        rows.push(vec![
            r.name.clone(),
            ms(r.initialize),
            ms(r.open),
            ms(s.p50),
            ms(s.p95),
            ms(s.max),
            ms(s.mean),
            mib(r.peak_rss_kib),
            format!("{}/{}", r.clean_count, r.broken_count),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for (i, r) in rows.iter().enumerate() {
        let mut line = format!("{:<w$}", r[0], w = widths[0]);
        for (c, cell) in r.iter().enumerate().skip(1) {
            let _ = write!(line, "  {:>w$}", cell, w = widths[c]);
        }
        println!("{line}");
        if i == 0 {
            println!("{}", "-".repeat(line.chars().count()));
        }
    }
    println!();
}
