//! Validation cost of a Pacto 2.0 contract against a 1.x contract of the same size and shape: two
//! generated contracts of 10,000 lines each, with many interfaces (one per kind in turn, each
//! naming a spec file of the bundle), configurations with schema and values, dependencies,
//! policies and readiness claims, validated with every layer (schema, cross-field with the bundle's
//! files, policies). The 2.0 contract also declares extension capabilities, 1.x has no such section.
//!
//! Run with `cargo bench -p pacto-core --bench validate_v2`. The issue asks that validating a
//! 10,000-line 2.0 contract cost about what a 1.x one of the same size costs: both figures and
//! their ratio are printed, never asserted. The assertions are that both contracts validate as
//! valid with no problem at all, so the benchmark cannot silently measure failures.
//!
//! Without `--bench` (as under `cargo test --benches`) it runs a small smoke version (1,000
//! lines, one repetition). `PACTO_BENCH_KEEP=<dir>` writes the two bundles to `<dir>/v1` and
//! `<dir>/v2` and keeps them (`scripts/bench-validate-v2` times `pacto validate` on them).

mod common;

use common::{fmt_dur, ms, Sample, Table};
use pacto_core::bundle::DirBundle;
use pacto_core::syntax::{parse, Limits};
use pacto_core::validate::{validate, validate_dir, LocalResolver, Options};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, PartialEq)]
enum Gen {
    V1,
    V2,
}

impl Gen {
    fn label(self) -> &'static str {
        match self {
            Gen::V1 => "1.x (pactoVersion 1.2)",
            Gen::V2 => "2.0",
        }
    }
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let (lines, reps) = if bench { (10_000, 9) } else { (1_000, 1) };
    let keep = std::env::var_os("PACTO_BENCH_KEEP").map(PathBuf::from);
    let _guard;
    let root = match &keep {
        Some(dir) => dir.clone(),
        None => {
            let tmp = tempfile::tempdir().expect("create temporary directory");
            let path = tmp.path().to_path_buf();
            _guard = tmp;
            path
        }
    };

    println!(
        "pacto-core 2.0 vs 1.x validation benchmark ({} mode, {reps} repetitions per case; min / median)",
        if bench { "bench" } else { "smoke" }
    );
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "machine: {} logical CPUs available; load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );

    let options = Options::default();
    let mut table = Table::new();
    let mut medians = Vec::new();
    for generation in [Gen::V1, Gen::V2] {
        let dir = root.join(match generation {
            Gen::V1 => "v1",
            Gen::V2 => "v2",
        });
        let (text, units) = contract(generation, lines);
        write_bundle(&dir, &text, generation);
        let n_lines = text.lines().count();
        let kb = text.len() as f64 / 1000.0;
        println!(
            "{}: {n_lines} lines, {kb:.0} KB, {units} interfaces/configurations/dependencies/claims, in {}",
            generation.label(),
            dir.display()
        );

        let bundle = DirBundle::new(&dir);
        let resolver = LocalResolver::new(&dir);
        // The first validation in a process compiles the embedded schema of the generation.
        let t = Instant::now();
        check(&validate(&text, Some(&bundle), &resolver, &options).diagnostics);
        table.note(
            &format!("{}: first validation (schema compile)", generation.label()),
            t.elapsed(),
            String::new(),
        );
        let parse_only = measure(reps, || {
            let p = parse(&text, &Limits::default());
            assert!(p.tree.is_some() && p.errors.is_empty(), "{:?}", p.errors);
        });
        table.row(
            &format!("{}: parse only", generation.label()),
            &parse_only,
            String::new(),
        );
        let full = measure(reps, || {
            check(&validate(&text, Some(&bundle), &resolver, &options).diagnostics);
        });
        table.row(
            &format!("{}: full validation", generation.label()),
            &full,
            format!(
                "{:.2} ms per 1,000 lines",
                ms(full.median) * 1000.0 / n_lines as f64
            ),
        );
        let dir_str = dir.to_string_lossy().into_owned();
        let e2e = measure(reps, || {
            let r = validate_dir(&dir_str, None, &options);
            assert!(
                r.valid() && r.diagnostics.is_empty(),
                "{:?}",
                r.diagnostics.first()
            );
        });
        table.row(
            &format!("{}: validate_dir (read + all)", generation.label()),
            &e2e,
            String::new(),
        );
        medians.push((generation, full.median, n_lines));
    }
    println!();
    table.print();
    println!();
    if let [(_, v1, v1_lines), (_, v2, v2_lines)] = medians[..] {
        let per_line = |d: Duration, n: usize| d.as_secs_f64() / n as f64;
        println!(
            "full validation, median: 1.x {:.2} ms, 2.0 {:.2} ms; 2.0 / 1.x = {:.2} (per line {:.2})",
            ms(v1),
            ms(v2),
            v2.as_secs_f64() / v1.as_secs_f64(),
            per_line(v2, v2_lines) / per_line(v1, v1_lines)
        );
        println!(
            "(1.x {} per validation, 2.0 {} per validation)",
            fmt_dur(v1),
            fmt_dur(v2)
        );
    }
    if keep.is_some() {
        println!("kept the bundles in {}", root.display());
    }
}

/// Both generated contracts are valid with no warning: anything else is a generator bug.
fn check(diagnostics: &[pacto_core::Diagnostic]) {
    assert!(diagnostics.is_empty(), "{:?}", diagnostics.first());
}

fn measure(reps: usize, mut f: impl FnMut()) -> Sample {
    let mut times: Vec<Duration> = (0..reps.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    Sample {
        min: times[0],
        median: times[times.len() / 2],
    }
}

/// A deterministic hex digest for dependency `k`.
fn digest(k: usize) -> String {
    let mut z = (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xBF58_476D_1CE4_E5B9;
    (0..4).fold(String::from("sha256:"), |mut s, _| {
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        let _ = write!(s, "{:016x}", z ^ (z >> 31));
        s
    })
}

/// Sections written one unit at a time, so the contract grows evenly to its line count.
#[derive(Default)]
struct Sections {
    interfaces: String,
    configurations: String,
    dependencies: String,
    capabilities: String,
    claims: String,
}

impl Sections {
    fn lines(&self) -> usize {
        [
            &self.interfaces,
            &self.configurations,
            &self.dependencies,
            &self.capabilities,
            &self.claims,
        ]
        .iter()
        .map(|s| s.matches('\n').count())
        .sum()
    }

    fn add(&mut self, g: Gen, k: usize) {
        let (v1_type, v2_type, file) = match k % 3 {
            0 => ("http", "openapi", "openapi.yaml"),
            1 => ("grpc", "grpc", "service.proto"),
            _ => ("event", "asyncapi", "events.yaml"),
        };
        let visibility = if k.is_multiple_of(2) {
            "public"
        } else {
            "internal"
        };
        match g {
            Gen::V1 => {
                let _ = write!(
                    self.interfaces,
                    "  - name: api-{k:05}\n    type: {v1_type}\n"
                );
                if v1_type != "event" {
                    let _ = writeln!(self.interfaces, "    port: {}", 1024 + k % 60_000);
                }
                let _ = write!(
                    self.interfaces,
                    "    visibility: {visibility}\n    contract: interfaces/{file}\n"
                );
            }
            Gen::V2 => {
                let _ = write!(
                    self.interfaces,
                    "  - name: api-{k:05}\n    type: {v2_type}\n    ref: interfaces/{file}\n    visibility: {visibility}\n"
                );
            }
        }
        let _ = write!(
            self.configurations,
            "  - name: cfg-{k:05}\n    schema: configuration/schema.json\n"
        );
        if g == Gen::V2 {
            let _ = writeln!(self.configurations, "    required: {}", k.is_multiple_of(2));
        }
        let _ = write!(
            self.configurations,
            "    values:\n      LOG_LEVEL: {}\n      MAX_CONNECTIONS: {}\n      DATABASE_URL: \"postgresql://db-{}:5432/app\"\n",
            ["debug", "info", "warn", "error"][k % 4],
            1 + k % 9_999,
            k % 7
        );
        let _ = write!(
            self.dependencies,
            "  - name: dep-{k:05}\n    ref: \"oci://ghcr.io/acme/dep-{k:05}@{}\"\n    required: {}\n    compatibility: \"^{}.{}.0\"\n",
            digest(k),
            k.is_multiple_of(2),
            k % 7,
            k % 13
        );
        if g == Gen::V2 {
            let _ = write!(
                self.capabilities,
                "  - type: extension\n    ref: example.com/ext-{k:05}\n"
            );
        }
        let _ = write!(
            self.claims,
            "    - id: claim-{k:05}\n      type: ticket\n      category: {}\n      status: {}\n      weight: {}\n      evidence: OPS-{k}\n      description: {}\n",
            ["testing", "observability", "security", "documentation"][k % 4],
            ["done", "partial", "not-done", "deferred"][k % 4],
            k % 10,
            serde_json::to_string(&format!("claim {k} of the monolith")).expect("a string")
        );
    }
}

/// A valid contract of about `lines` lines, and how many units (one interface, configuration,
/// dependency and claim each) it holds.
fn contract(g: Gen, lines: usize) -> (String, usize) {
    let head = match g {
        Gen::V1 => "pactoVersion: \"1.2\"\n\nservice:\n  name: monolith\n  version: 9.8.7\n  owner:\n    team: platform-team\n    dri: jane.doe\n  image:\n    ref: ghcr.io/acme/monolith:9.8.7\n",
        Gen::V2 => "pactoVersion: \"2.0\"\n\nservice:\n  name: monolith\n  version: 9.8.7\n  owner:\n    team: platform-team\n    dri: jane.doe\n",
    };
    let policies = "\npolicies:\n  - name: owners\n    schema: policy/schema.json\n  - name: platform\n    schema: policy/schema.json\n  - name: security\n    schema: policy/schema.json\n";
    let state = "  type: stateful\n  persistence:\n    scope: shared\n    durability: persistent\n  dataCriticality: high\n";
    let tail = match g {
        Gen::V1 => format!(
            "\nruntime:\n  workload: service\n  state:\n{}  health:\n    interface: api-00000\n    path: /health\n  metrics:\n    interface: api-00000\n    path: /metrics\n\nscaling:\n  min: 3\n  max: 30\n",
            state.lines().map(|l| format!("  {l}\n")).collect::<String>()
        ),
        Gen::V2 => format!("\nworkload: service\n\nstate:\n{state}"),
    };
    let fixed = head.lines().count() + policies.lines().count() + tail.lines().count() + 20;
    let mut s = Sections::default();
    let mut units = 0;
    while fixed + s.lines() < lines {
        s.add(g, units);
        units += 1;
    }
    let mut y = String::with_capacity(lines * 40);
    y.push_str(head);
    y.push_str("\ninterfaces:\n");
    y.push_str(&s.interfaces);
    y.push_str("\nconfigurations:\n");
    y.push_str(&s.configurations);
    y.push_str(policies);
    y.push_str("\ndependencies:\n");
    y.push_str(&s.dependencies);
    y.push_str(&tail);
    if g == Gen::V2 {
        y.push_str("\ncapabilities:\n  - type: health\n    binding:\n      type: http\n      interface: api-00000\n      path: /health\n  - type: metrics\n    binding:\n      type: http\n      interface: api-00000\n      path: /metrics\n");
        y.push_str(&s.capabilities);
    }
    let claims_key = if g == Gen::V2 { "claims" } else { "checks" };
    let _ = write!(
        y,
        "\nreadiness:\n  minScore: 10\n  expires: \"2099-12-31\"\n  partialCredit: 0.5\n  history:\n    - date: \"2026-11-02\"\n      version: 9.8.7\n      author: jane.doe\n      description: Generated assessment.\n  {claims_key}:\n"
    );
    y.push_str(&s.claims);
    y.push_str("\nmetadata:\n  tier: critical\n");
    (y, units)
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create bundle directory");
    }
    std::fs::write(path, text).expect("write bundle file");
}

fn write_bundle(dir: &Path, text: &str, g: Gen) {
    write(&dir.join("pacto.yaml"), text);
    write(
        &dir.join("interfaces/openapi.yaml"),
        "openapi: 3.0.3\ninfo:\n  title: monolith\n  version: 9.8.7\npaths:\n  /health:\n    get:\n      operationId: health\n      responses:\n        \"200\":\n          description: ok\n  /metrics:\n    get:\n      operationId: metrics\n      responses:\n        \"200\":\n          description: metrics\n  /v1/items/{id}:\n    get:\n      operationId: getItem\n      parameters:\n        - name: id\n          in: path\n          required: true\n          schema:\n            type: string\n      responses:\n        \"200\":\n          description: the item\n        \"404\":\n          description: not found\n",
    );
    write(
        &dir.join("interfaces/service.proto"),
        "syntax = \"proto3\";\n\npackage acme.monolith.v1;\n\nservice Items {\n  rpc Get (GetRequest) returns (Item);\n}\n\nmessage GetRequest { string id = 1; }\nmessage Item { string id = 1; string body = 2; }\n",
    );
    let events = match g {
        Gen::V1 => "asyncapi: 2.6.0\ninfo:\n  title: monolith events\n  version: 9.8.7\nchannels:\n  monolith.changed:\n    publish:\n      message:\n        payload:\n          type: object\n          properties:\n            id:\n              type: string\n",
        Gen::V2 => "asyncapi: 3.0.0\ninfo:\n  title: monolith events\n  version: 9.8.7\nchannels:\n  changed:\n    address: monolith.changed\n    messages:\n      changed:\n        payload:\n          type: object\n          properties:\n            id:\n              type: string\noperations:\n  publishChanged:\n    action: send\n    channel:\n      $ref: \"#/channels/changed\"\n",
    };
    write(&dir.join("interfaces/events.yaml"), events);
    write(
        &dir.join("configuration/schema.json"),
        r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "required": ["LOG_LEVEL", "DATABASE_URL"],
  "properties": {
    "LOG_LEVEL": { "type": "string", "enum": ["debug", "info", "warn", "error"] },
    "MAX_CONNECTIONS": { "type": "integer", "minimum": 1, "maximum": 10000 },
    "DATABASE_URL": { "type": "string", "pattern": "^postgres(ql)?://" }
  }
}
"#,
    );
    write(
        &dir.join("policy/schema.json"),
        r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "required": ["service", "interfaces", "metadata"],
  "properties": {
    "service": { "type": "object", "required": ["owner"] },
    "interfaces": { "type": "array", "minItems": 1, "items": { "type": "object", "required": ["name", "type"] } },
    "metadata": { "type": "object", "required": ["tier"], "properties": { "tier": { "enum": ["critical", "standard"] } } }
  }
}
"#,
    );
}
