//! Validation throughput: 1,000 generated bundles in one process (one and two threads), and one
//! ~5 MB contract (parse only and full validation).
//!
//! Run with `cargo bench -p pacto-core --bench validate` (or `scripts/bench`, which adds the
//! process-per-bundle figures). Goals, from the issue: 1,000 bundles in under 1 s of wall time on
//! 2 cores; process start + validation of one bundle under 10 ms. The figures are printed, never
//! asserted: the only assertions are that every generated contract validated as valid, so the
//! benchmark cannot silently measure failures.
//!
//! Without `--bench` (as under `cargo test --benches`) it runs a small smoke version.
//! `PACTO_BENCH_KEEP=<dir>` generates the bundles into `<dir>` (`svc-0000` … `svc-0999`, plus
//! `large/` for the big contract), keeps them, and writes the figures to
//! `<dir>/bench-results.txt` as `key value` lines.

mod common;

use common::{fmt_dur, ms, Sample, Table};
use pacto_core::bundle::DirBundle;
use pacto_core::report::FileReport;
use pacto_core::syntax::{parse, Limits};
use pacto_core::validate::{validate, validate_dir, LocalResolver, Options};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const DOMAINS: [&str; 10] = [
    "payments", "orders", "billing", "search", "identity", "catalog", "shipping", "ledger",
    "notify", "reports",
];
const KINDS: [&str; 5] = ["api", "worker", "gateway", "svc", "sync"];
const LANGUAGES: [&str; 5] = ["go", "rust", "java", "python", "typescript"];

/// How big a run is: the real benchmark, or the smoke version for `cargo test --benches`.
struct Plan {
    bundles: usize,
    reps: usize,
    large_bytes: usize,
    threads: usize,
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let plan = if bench {
        Plan {
            bundles: 1_000,
            reps: 7,
            large_bytes: 5 * 1024 * 1024,
            threads: 2,
        }
    } else {
        Plan {
            bundles: 20,
            reps: 1,
            large_bytes: 256 * 1024,
            threads: 2,
        }
    };
    let keep = std::env::var_os("PACTO_BENCH_KEEP").map(PathBuf::from);
    let _guard;
    let root = match &keep {
        Some(dir) => {
            std::fs::create_dir_all(dir).expect("create PACTO_BENCH_KEEP directory");
            dir.clone()
        }
        None => {
            let tmp = tempfile::tempdir().expect("create temporary directory");
            let path = tmp.path().to_path_buf();
            _guard = tmp;
            path
        }
    };
    let mut results = Results::default();

    // Generate.
    let t = Instant::now();
    let dirs: Vec<String> = (0..plan.bundles)
        .map(|i| write_bundle(&root, i, plan.bundles))
        .collect();
    let generated = t.elapsed();
    let contract_bytes: usize = dirs
        .iter()
        .map(|d| file_len(&Path::new(d).join("pacto.yaml")))
        .sum();
    let large_dir = root.join("large");
    let large_text = large_contract(plan.large_bytes);
    write_large_bundle(&large_dir, &large_text);

    let options = Options::default();
    println!(
        "pacto-core validation benchmark ({} mode, {} repetitions per case; min / median)",
        if bench { "bench" } else { "smoke" },
        plan.reps
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
    println!(
        "generated {} bundles (pacto.yaml mean {:.1} KB, 6 files each) in {} under {}",
        dirs.len(),
        contract_bytes as f64 / dirs.len() as f64 / 1000.0,
        fmt_dur(generated),
        root.display()
    );
    println!();

    // The first validation in a process compiles the embedded contract schema: that is part of
    // what every `pacto validate` process pays.
    let t = Instant::now();
    let first = validate_dir(&dirs[0], None, &options);
    let cold = t.elapsed();
    assert_valid(&first);
    results.put("cold_first_ms", ms(cold));

    let mut table = Table::new();
    table.note(
        "first validation in a process (schema compile)",
        cold,
        "one bundle, cold".to_string(),
    );

    // (a) sequential, one thread.
    let mut warnings = 0;
    let seq = measure(plan.reps, || {
        warnings = 0;
        for d in &dirs {
            let r = validate_dir(d, None, &options);
            assert_valid(&r);
            warnings += r.warnings().count();
        }
    });
    let per = seq.median / dirs.len() as u32;
    table.row(
        &format!("{} bundles, 1 thread", dirs.len()),
        &seq,
        format!("{} per bundle", fmt_dur(per)),
    );
    results.put("bundles", dirs.len() as f64);
    results.put("seq_min_ms", ms(seq.min));
    results.put("seq_median_ms", ms(seq.median));
    results.put("seq_per_bundle_us", ms(per) * 1000.0);

    // (b) the same list split over threads.
    let par = measure(plan.reps, || {
        let valid = validate_parallel(&dirs, plan.threads, &options);
        assert_eq!(valid, dirs.len(), "every bundle must validate as valid");
    });
    table.row(
        &format!("{} bundles, {} threads", dirs.len(), plan.threads),
        &par,
        format!(
            "{} per bundle, {:.2}x",
            fmt_dur(par.median / dirs.len() as u32),
            seq.median.as_secs_f64() / par.median.as_secs_f64()
        ),
    );
    results.put("par_threads", plan.threads as f64);
    results.put("par_min_ms", ms(par.min));
    results.put("par_median_ms", ms(par.median));

    // Phases of the sequential case, to see where the time goes.
    let texts: Vec<String> = dirs
        .iter()
        .map(|d| std::fs::read_to_string(Path::new(d).join("pacto.yaml")).expect("read contract"))
        .collect();
    let parse_all = measure(plan.reps, || {
        for t in &texts {
            let p = parse(t, &Limits::default());
            assert!(p.tree.is_some() && p.errors.is_empty());
        }
    });
    table.row(
        &format!("  of which: parse only ({} contracts)", texts.len()),
        &parse_all,
        format!(
            "{} per contract",
            fmt_dur(parse_all.median / texts.len() as u32)
        ),
    );
    results.put("seq_parse_median_ms", ms(parse_all.median));

    // (c) one large contract.
    let mb = large_text.len() as f64 / 1e6;
    let large_parse = measure(plan.reps, || {
        let p = parse(&large_text, &Limits::default());
        assert!(p.tree.is_some() && p.errors.is_empty(), "{:?}", p.errors);
    });
    table.row(
        &format!("{mb:.1} MB contract: parse only"),
        &large_parse,
        format!("{:.1} MB/s", mb / large_parse.median.as_secs_f64()),
    );
    let bundle = DirBundle::new(&large_dir);
    let resolver = LocalResolver::new(&large_dir);
    let large_full = measure(plan.reps, || {
        let v = validate(&large_text, Some(&bundle), &resolver, &options);
        assert!(v.valid(), "large contract: {:?}", v.diagnostics.first());
        assert!(v.diagnostics.is_empty(), "{:?}", v.diagnostics.first());
    });
    table.row(
        &format!("{mb:.1} MB contract: full validation"),
        &large_full,
        format!("{:.1} MB/s", mb / large_full.median.as_secs_f64()),
    );
    let large_dir_str = large_dir.to_string_lossy().into_owned();
    let large_e2e = measure(plan.reps, || {
        assert_valid(&validate_dir(&large_dir_str, None, &options));
    });
    table.row(
        &format!("{mb:.1} MB contract: validate_dir (read + all)"),
        &large_e2e,
        format!("{:.1} MB/s", mb / large_e2e.median.as_secs_f64()),
    );
    results.put("large_bytes", large_text.len() as f64);
    results.put("large_parse_median_ms", ms(large_parse.median));
    results.put("large_parse_mbps", mb / large_parse.median.as_secs_f64());
    results.put("large_full_median_ms", ms(large_full.median));
    results.put("large_full_mbps", mb / large_full.median.as_secs_f64());

    table.print();
    println!();
    println!(
        "all {} bundles and the large contract validated as valid ({} warnings per pass)",
        dirs.len(),
        warnings
    );
    if bench {
        let met = par.median < Duration::from_secs(1);
        println!(
            "goal: {} bundles in < 1 s wall on {} threads: {} (median {})",
            dirs.len(),
            plan.threads,
            if met { "met" } else { "NOT met" },
            fmt_dur(par.median)
        );
    }
    if let Some(dir) = keep {
        let file = dir.join("bench-results.txt");
        std::fs::write(&file, results.text).expect("write bench-results.txt");
        println!(
            "kept the bundles in {}; figures in {}",
            dir.display(),
            file.display()
        );
    }
}

fn assert_valid(r: &FileReport) {
    assert!(
        r.valid(),
        "{} did not validate: {:?}",
        r.path,
        r.errors().next()
    );
}

fn validate_parallel(dirs: &[String], threads: usize, options: &Options) -> usize {
    let chunk = dirs.len().div_ceil(threads.max(1));
    std::thread::scope(|s| {
        let workers: Vec<_> = dirs
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .filter(|d| validate_dir(d, None, options).valid())
                        .count()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("worker thread panicked"))
            .sum()
    })
}

// ---------------------------------------------------------------------------------------------
// Measurement and output.

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

#[derive(Default)]
struct Results {
    text: String,
}

impl Results {
    fn put(&mut self, key: &str, value: f64) {
        let _ = writeln!(self.text, "{key} {value:.3}");
    }
}

// ---------------------------------------------------------------------------------------------
// Generation. Everything is deterministic in the bundle index.

/// SplitMix64: a cheap, well-spread hash of (index, salt).
fn mix(i: usize, salt: u64) -> u64 {
    let mut z = (i as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(salt.wrapping_mul(0xBF58_476D_1CE4_E5B9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn pick<T: Copy>(items: &[T], i: usize, salt: u64) -> T {
    items[(mix(i, salt) % items.len() as u64) as usize]
}

fn digest(i: usize, salt: u64) -> String {
    (0..4).fold(String::from("sha256:"), |mut s, k| {
        let _ = write!(s, "{:016x}", mix(i, salt * 8 + k));
        s
    })
}

/// A YAML double-quoted scalar (JSON string syntax is valid YAML).
fn q(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

fn service_name(i: usize) -> String {
    format!("{}-{}-{i:04}", pick(&DOMAINS, i, 1), pick(&KINDS, i, 2))
}

fn dir_name(i: usize) -> String {
    format!("svc-{i:04}")
}

fn semver_of(i: usize) -> (u64, u64, String) {
    let (major, minor, patch) = (mix(i, 3) % 5, mix(i, 4) % 20, mix(i, 5) % 40);
    let mut v = format!("{major}.{minor}.{patch}");
    if i.is_multiple_of(11) {
        let _ = write!(v, "-rc.{}", i % 4 + 1);
    }
    if i.is_multiple_of(17) {
        let _ = write!(v, "+build.{i}");
    }
    (major, minor, v)
}

/// One configuration property: (name, schema, value as YAML lines under `values:`).
fn config_properties(i: usize, name: &str) -> Vec<(String, String, String)> {
    let mut props = vec![
        (
            "LOG_LEVEL".to_string(),
            r#"{ "type": "string", "enum": ["debug", "info", "warn", "error"], "default": "info" }"#
                .to_string(),
            q(pick(&["debug", "info", "warn", "error"], i, 6)),
        ),
        (
            "DATABASE_URL".to_string(),
            r#"{ "type": "string", "pattern": "^postgres(ql)?://" }"#.to_string(),
            q(&format!("postgresql://db-{}:5432/{name}", i % 7)),
        ),
    ];
    let optional: [(&str, &str, String); 7] = [
        (
            "REDIS_URL",
            r#"{ "type": "string", "pattern": "^rediss?://" }"#,
            q(&format!("redis://cache-{}:6379/{}", i % 3, i % 16)),
        ),
        (
            "CURRENCY_DEFAULT",
            r#"{ "type": "string", "pattern": "^[A-Z]{3}$" }"#,
            q(pick(&["EUR", "USD", "GBP", "JPY"], i, 7)),
        ),
        (
            "MAX_CONNECTIONS",
            r#"{ "type": "integer", "minimum": 1, "maximum": 10000 }"#,
            (1 + mix(i, 8) % 9999).to_string(),
        ),
        (
            "TIMEOUT_SECONDS",
            r#"{ "type": "number", "exclusiveMinimum": 0 }"#,
            format!("{}.5", 1 + i % 60),
        ),
        (
            "ENABLE_CACHE",
            r#"{ "type": "boolean", "default": false }"#,
            i.is_multiple_of(2).to_string(),
        ),
        (
            "ALLOWED_ORIGINS",
            r#"{ "type": "array", "minItems": 1, "items": { "type": "string", "pattern": "^https://" } }"#,
            format!(
                "\n        - \"https://{name}.example.com\"\n        - \"https://admin-{}.example.com\"",
                i % 10
            ),
        ),
        (
            "RETRY",
            r#"{ "type": "object", "additionalProperties": false, "required": ["attempts"], "properties": { "attempts": { "type": "integer", "minimum": 0 }, "backoff": { "type": "string", "enum": ["fixed", "exponential"] } } }"#,
            format!(
                "\n        attempts: {}\n        backoff: {}",
                i % 6,
                pick(&["fixed", "exponential"], i, 9)
            ),
        ),
    ];
    let bits = mix(i, 10);
    for (k, (n, s, v)) in optional.into_iter().enumerate() {
        if bits >> k & 1 == 1 {
            props.push((n.to_string(), s.to_string(), v));
        }
    }
    props.push((
        format!(
            "FEATURE_{}_ENABLED",
            pick(&DOMAINS, i, 11).to_ascii_uppercase()
        ),
        r#"{ "type": "boolean" }"#.to_string(),
        i.is_multiple_of(3).to_string(),
    ));
    props
}

fn config_schema(name: &str, props: &[(String, String, String)]) -> String {
    let body: Vec<String> = props
        .iter()
        .map(|(n, s, _)| format!("    {}: {s}", q(n)))
        .collect();
    format!(
        "{{\n  \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n  \"title\": {},\n  \"type\": \"object\",\n  \"additionalProperties\": false,\n  \"required\": [\"LOG_LEVEL\", \"DATABASE_URL\"],\n  \"properties\": {{\n{}\n  }}\n}}\n",
        q(&format!("{name} configuration")),
        body.join(",\n")
    )
}

fn policy_schema(i: usize) -> String {
    let min = 1 + i % 2;
    format!(
        r#"{{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "{domain} platform policy",
  "type": "object",
  "required": ["service", "runtime", "metadata", "scaling"],
  "properties": {{
    "service": {{ "type": "object", "required": ["owner", "image"] }},
    "runtime": {{ "type": "object", "required": ["health"] }},
    "scaling": {{
      "type": "object",
      "properties": {{
        "min": {{ "type": "integer", "minimum": {min} }},
        "replicas": {{ "type": "integer", "minimum": {min} }}
      }}
    }},
    "metadata": {{
      "type": "object",
      "required": ["tier"],
      "properties": {{ "tier": {{ "enum": ["critical", "standard", "best-effort"] }} }}
    }}
  }}
}}
"#,
        domain = pick(&DOMAINS, i, 1),
    )
}

fn openapi(i: usize, name: &str, version: &str) -> String {
    let mut s = format!(
        "openapi: 3.0.3\ninfo:\n  title: {name}\n  version: {}\nservers:\n  - url: https://api.example.com/{name}\npaths:\n  /health:\n    get:\n      operationId: health\n      responses:\n        \"200\":\n          description: ready\n  /metrics:\n    get:\n      operationId: metrics\n      responses:\n        \"200\":\n          description: Prometheus metrics\n",
        q(version)
    );
    for p in 0..2 + i % 6 {
        let _ = write!(
            s,
            "  /v{}/items{p}/{{id}}:\n    get:\n      operationId: getItem{p}\n      parameters:\n        - name: id\n          in: path\n          required: true\n          schema:\n            type: string\n      responses:\n        \"200\":\n          description: the item\n        \"404\":\n          description: not found\n",
            1 + i % 3
        );
    }
    s
}

fn proto(i: usize, name: &str) -> String {
    let pkg = name.replace('-', "_");
    format!(
        "syntax = \"proto3\";\n\npackage acme.{pkg}.v{};\n\nservice Service {{\n  rpc Get (GetRequest) returns (GetResponse);\n  rpc List (ListRequest) returns (stream GetResponse);\n}}\n\nmessage GetRequest {{ string id = 1; }}\nmessage ListRequest {{ int32 limit = 1; string cursor = 2; }}\nmessage GetResponse {{ string id = 1; string body = 2; int64 updated_at = 3; }}\n",
        1 + i % 3
    )
}

fn events(name: &str) -> String {
    format!(
        "asyncapi: 2.6.0\ninfo:\n  title: {name} events\n  version: 1.0.0\nchannels:\n  {name}.changed:\n    publish:\n      message:\n        payload:\n          type: object\n          required: [id]\n          properties:\n            id:\n              type: string\n"
    )
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create bundle directory");
    }
    std::fs::write(path, text).expect("write bundle file");
}

fn file_len(path: &Path) -> usize {
    std::fs::metadata(path).map_or(0, |m| m.len() as usize)
}

/// Write bundle `i` of `n` under `root` and return its directory.
fn write_bundle(root: &Path, i: usize, n: usize) -> String {
    let dir = root.join(dir_name(i));
    let name = service_name(i);
    let (_, _, version) = semver_of(i);
    let domain = pick(&DOMAINS, i, 1);
    let mut y = String::with_capacity(4096);
    let _ = write!(
        y,
        "pactoVersion: \"1.0\"\n\nservice:\n  name: {name}\n  version: {version}\n"
    );
    if i.is_multiple_of(7) {
        let _ = writeln!(y, "  owner: team/{domain}");
    } else {
        let _ = write!(
            y,
            "  owner:\n    team: {domain}-team\n    dri: dev{}.{domain}\n    contacts:\n      - type: email\n        value: {domain}-team@acme.com\n        purpose: ownership\n",
            i % 50
        );
        if !i.is_multiple_of(3) {
            let _ = write!(
                y,
                "      - type: chat\n        value: \"#{domain}-{}\"\n        purpose: support\n      - type: oncall\n        value: {domain}-primary\n        purpose: oncall\n",
                i % 4
            );
        }
    }
    let tag = version.replace('+', "-");
    if i.is_multiple_of(2) {
        let _ = write!(
            y,
            "  image:\n    ref: ghcr.io/acme/{name}:{tag}\n    private: {}\n",
            i.is_multiple_of(4)
        );
    } else {
        let _ = write!(
            y,
            "  image:\n    ref: registry.example.com/{domain}/{name}@{}\n",
            digest(i, 12)
        );
    }
    if i.is_multiple_of(6) {
        let _ = write!(
            y,
            "  chart:\n    ref: oci://ghcr.io/acme/charts/{name}\n    version: 1.{}.{}\n",
            i % 10,
            i % 3
        );
    }

    // Interfaces: always REST; gRPC, events and an admin port on some.
    let grpc = i.is_multiple_of(2);
    let event = i.is_multiple_of(3);
    let rest_port = 1024 + mix(i, 13) % 60_000;
    let _ = write!(
        y,
        "\ninterfaces:\n  - name: rest-api\n    type: http\n    port: {rest_port}\n    visibility: {}\n    contract: interfaces/openapi.yaml\n",
        if i % 4 == 1 { "internal" } else { "public" }
    );
    if grpc {
        let _ = write!(
            y,
            "  - name: grpc-api\n    type: grpc\n    port: {}\n    visibility: internal\n    contract: interfaces/service.proto\n",
            rest_port + 1
        );
    }
    if event {
        y.push_str(
            "  - name: events\n    type: event\n    visibility: internal\n    contract: interfaces/events.yaml\n",
        );
    }
    if i.is_multiple_of(5) {
        let _ = write!(
            y,
            "  - name: admin\n    type: http\n    port: {}\n",
            rest_port + 2
        );
    }

    // Configuration (single or list form) with values that match the schema.
    let props = config_properties(i, &name);
    let list_form = i % 4 == 3;
    if list_form {
        y.push_str("\nconfigurations:\n  - name: main\n    schema: configuration/schema.json\n    values:\n");
    } else {
        y.push_str("\nconfiguration:\n  schema: configuration/schema.json\n  values:\n");
    }
    let indent = if list_form { "      " } else { "    " };
    for (k, _, v) in &props {
        // Block values (lists, maps) were written for the 4-space form; re-indent them.
        let v = if list_form {
            v.replace("\n        ", "\n          ")
        } else {
            v.clone()
        };
        let _ = writeln!(y, "{indent}{k}: {v}");
    }
    if list_form {
        let _ = write!(
            y,
            "  - name: shared\n    ref: oci://ghcr.io/acme/shared-config@{}\n",
            digest(i, 14)
        );
        y.push_str("\npolicies:\n  - name: platform\n    schema: policy/schema.json\n");
    } else {
        y.push_str("\npolicy:\n  schema: policy/schema.json\n");
    }

    // Dependencies on other generated bundles: OCI by digest, OCI tag + digest, local paths.
    y.push_str("\ndependencies:\n");
    for k in 0..1 + i % 4 {
        let j = (i + 7 * k + 1) % n;
        let dep = service_name(j);
        let (dmaj, dmin, dver) = semver_of(j);
        let reference = match (i + k) % 3 {
            0 => format!("oci://ghcr.io/acme/{dep}@{}", digest(j, 15)),
            1 => format!(
                "oci://registry.example.com/{}/{dep}:{}@{}",
                pick(&DOMAINS, j, 1),
                dver.replace('+', "-"),
                digest(j, 15)
            ),
            _ => format!("file://../{}", dir_name(j)),
        };
        let compat = match (i + k) % 4 {
            0 => format!("^{dmaj}.{dmin}.0"),
            1 => format!("~{dmaj}.{dmin}"),
            2 => format!(">={dmaj}.0.0 <{}.0.0", dmaj + 1),
            _ => format!("{dmaj}.x"),
        };
        let _ = write!(
            y,
            "  - name: {dep}\n    ref: {}\n    required: {}\n    compatibility: {}\n",
            q(&reference),
            k == 0,
            q(&compat)
        );
    }

    // Runtime and scaling.
    let (state, durability) = pick(
        &[
            ("stateless", "ephemeral"),
            ("stateful", "persistent"),
            ("hybrid", "persistent"),
        ],
        i,
        16,
    );
    let workload = if i % 10 == 9 { "scheduled" } else { "service" };
    let strategy = if state == "stateful" {
        pick(&["rolling", "recreate", "ordered"], i, 17)
    } else {
        pick(&["rolling", "recreate"], i, 17)
    };
    let _ = write!(
        y,
        "\nruntime:\n  workload: {workload}\n  state:\n    type: {state}\n    persistence:\n      scope: {}\n      durability: {durability}\n    dataCriticality: {}\n  lifecycle:\n    upgradeStrategy: {strategy}\n    gracefulShutdownSeconds: {}\n",
        pick(&["local", "shared"], i, 18),
        pick(&["low", "medium", "high"], i, 19),
        5 + i % 55
    );
    if grpc && i.is_multiple_of(4) {
        y.push_str("  health:\n    interface: grpc-api\n");
    } else {
        let _ = write!(
            y,
            "  health:\n    interface: rest-api\n    path: {}\n    initialDelaySeconds: {}\n",
            pick(&["/health", "/healthz", "/ready"], i, 20),
            i % 30
        );
    }
    y.push_str("  metrics:\n    interface: rest-api\n    path: /metrics\n");
    let min = 2 + (i % 3) as u64;
    if i % 5 == 1 {
        let _ = write!(y, "\nscaling:\n  replicas: {min}\n");
    } else {
        let _ = write!(
            y,
            "\nscaling:\n  min: {min}\n  max: {}\n",
            min + mix(i, 21) % 20
        );
    }

    // Metadata: a handful of fixed keys and a varying tail.
    let _ = write!(
        y,
        "\nmetadata:\n  tier: {}\n  domain: {domain}\n  language: {}\n  repository: github.com/acme/{name}\n  pci-scope: {}\n  tags:\n    - {domain}\n    - {}\n",
        pick(&["critical", "standard", "best-effort"], i, 22),
        pick(&LANGUAGES, i, 23),
        i.is_multiple_of(9),
        pick(&KINDS, i, 2)
    );
    if i % 2 == 1 {
        let _ = write!(
            y,
            "  labels:\n    cost-center: cc-{}\n    region: {}\n",
            1000 + i % 97,
            pick(&["eu-west-1", "us-east-1", "ap-south-1"], i, 24)
        );
    }
    for k in 0..i % 6 {
        let _ = writeln!(
            y,
            "  x-annotation-{k}: {}",
            q(&format!("note {k} for {name}"))
        );
    }
    if i % 3 == 2 {
        let _ = write!(
            y,
            "  sla:\n    availability: 99.{}\n    latencyP99Ms: {}\n",
            9 - i % 3,
            50 + i % 400
        );
    }

    write(&dir.join("pacto.yaml"), &y);
    write(
        &dir.join("interfaces/openapi.yaml"),
        &openapi(i, &name, &version),
    );
    write(&dir.join("interfaces/service.proto"), &proto(i, &name));
    write(&dir.join("interfaces/events.yaml"), &events(&name));
    write(
        &dir.join("configuration/schema.json"),
        &config_schema(&name, &props),
    );
    write(&dir.join("policy/schema.json"), &policy_schema(i));
    dir.to_string_lossy().into_owned()
}

/// A valid contract of at least `target` bytes: thousands of interfaces and dependencies, and a
/// metadata map that fills the rest.
fn large_contract(target: usize) -> String {
    let mut y = String::with_capacity(target + 4096);
    y.push_str("pactoVersion: \"1.0\"\n\nservice:\n  name: monolith\n  version: 9.8.7\n  owner:\n    team: platform-team\n    dri: jane.doe\n  image:\n    ref: ghcr.io/acme/monolith:9.8.7\n\ninterfaces:\n");
    let interfaces = target / 900;
    for k in 0..interfaces {
        match k % 3 {
            0 => {
                let _ = write!(
                    y,
                    "  - name: http-{k:05}\n    type: http\n    port: {}\n    visibility: public\n    contract: interfaces/openapi.yaml\n",
                    1 + k % 65_535
                );
            }
            1 => {
                let _ = write!(
                    y,
                    "  - name: grpc-{k:05}\n    type: grpc\n    port: {}\n    visibility: internal\n    contract: interfaces/service.proto\n",
                    1 + k % 65_535
                );
            }
            _ => {
                let _ = write!(
                    y,
                    "  - name: events-{k:05}\n    type: event\n    contract: interfaces/events.yaml\n"
                );
            }
        }
    }
    y.push_str("\nconfiguration:\n  schema: configuration/schema.json\n  values:\n    LOG_LEVEL: info\n    DATABASE_URL: \"postgresql://db:5432/monolith\"\n");
    y.push_str("\npolicy:\n  schema: policy/schema.json\n\ndependencies:\n");
    let dependencies = target / 600;
    for k in 0..dependencies {
        let _ = write!(
            y,
            "  - name: dep-{k:05}\n    ref: \"oci://ghcr.io/acme/dep-{k:05}@{}\"\n    required: {}\n    compatibility: \"^{}.{}.0\"\n",
            digest(k, 30),
            k % 2 == 0,
            k % 7,
            k % 13
        );
    }
    y.push_str("\nruntime:\n  workload: service\n  state:\n    type: stateful\n    persistence:\n      scope: shared\n      durability: persistent\n    dataCriticality: high\n  health:\n    interface: http-00000\n    path: /health\n  metrics:\n    interface: http-00000\n    path: /metrics\n\nscaling:\n  min: 3\n  max: 30\n\nmetadata:\n  tier: critical\n");
    let mut k = 0;
    while y.len() < target {
        let _ = write!(
            y,
            "  component-{k:06}:\n    owner: team-{}\n    description: {}\n    weight: {}\n    enabled: {}\n    tags: [{}, {}]\n",
            k % 40,
            q(&format!("component {k} of the monolith, kept for the migration plan")),
            mix(k, 31) % 1000,
            k % 2 == 0,
            pick(&DOMAINS, k, 32),
            pick(&KINDS, k, 33)
        );
        k += 1;
    }
    y
}

fn write_large_bundle(dir: &Path, text: &str) {
    write(&dir.join("pacto.yaml"), text);
    write(
        &dir.join("interfaces/openapi.yaml"),
        &openapi(0, "monolith", "9.8.7"),
    );
    write(&dir.join("interfaces/service.proto"), &proto(0, "monolith"));
    write(&dir.join("interfaces/events.yaml"), &events("monolith"));
    write(
        &dir.join("configuration/schema.json"),
        &config_schema("monolith", &config_properties(0, "monolith")[..2]),
    );
    write(&dir.join("policy/schema.json"), &policy_schema(0));
}
