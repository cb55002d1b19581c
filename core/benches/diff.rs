//! Diff throughput: two generated ~10 MB OpenAPI 3.0 JSON documents (parse and diff), and 1,000
//! generated contract pairs (load, parse and compare; one and two threads).
//!
//! Run with `cargo bench -p pacto-core --bench diff` (or `scripts/bench`, which adds the
//! `pacto diff` process on the 10 MB pair). Goals, from the issue: the 10 MB diff under 300 ms
//! and the 1,000 pairs under 1 s on this machine (2 cores). The figures are printed, never
//! asserted: the assertions are that every diff found exactly the changes the generator made, so
//! the benchmark cannot silently measure failures.
//!
//! Without `--bench` (as under `cargo test --benches`) it runs a small smoke version.
//! `PACTO_BENCH_KEEP=<dir>` generates into `<dir>/diff/` and keeps the files: the OpenAPI pair as
//! two bundles (`openapi-old/`, `openapi-new/`, each a `pacto.yaml` and
//! `interfaces/openapi.json`), the contract pairs (`pairs/pair-0000/{old,new}` …), and the
//! figures in `bench-results.txt` as `key value` lines.

mod common;

use common::{fmt_dur, ms, Sample, Table};
use pacto_core::bundle;
use pacto_core::diff::openapi::{self, OpenApiDoc};
use pacto_core::diff::{compare, Change, Side};
use pacto_core::model::Contract;
use pacto_core::syntax::{parse, Limits, Tree};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How big a run is: the real benchmark, or the smoke version for `cargo test --benches`.
struct Plan {
    openapi_bytes: usize,
    /// Changes of each kind made to the OpenAPI document.
    edits: usize,
    pairs: usize,
    reps: usize,
    threads: usize,
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let plan = if bench {
        Plan {
            openapi_bytes: 10_000_000,
            edits: 60,
            pairs: 1_000,
            reps: 5,
            threads: 2,
        }
    } else {
        Plan {
            openapi_bytes: 300_000,
            edits: 6,
            pairs: 20,
            reps: 1,
            threads: 2,
        }
    };
    let keep = std::env::var_os("PACTO_BENCH_KEEP").map(PathBuf::from);
    let _guard;
    let root = match &keep {
        Some(dir) => dir.join("diff"),
        None => {
            let tmp = tempfile::tempdir().expect("create temporary directory");
            let path = tmp.path().to_path_buf();
            _guard = tmp;
            path
        }
    };
    std::fs::create_dir_all(&root).expect("create the benchmark directory");
    let mut results = Results::default();

    println!(
        "pacto-core diff benchmark ({} mode, {} repetitions per case; min / median)",
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

    // -----------------------------------------------------------------------------------------
    // (a) Two large OpenAPI documents.
    let t = Instant::now();
    let (v1, v2, expected) = generate_pair(plan.openapi_bytes, plan.edits);
    let old_text = serde_json::to_string_pretty(&v1.render()).expect("serialise v1");
    let new_text = serde_json::to_string_pretty(&v2.render()).expect("serialise v2");
    let generated = t.elapsed();
    write_openapi_bundle(&root.join("openapi-old"), &old_text, "1.0.0");
    write_openapi_bundle(&root.join("openapi-new"), &new_text, "2.0.0");
    let mb = (old_text.len() + new_text.len()) as f64 / 2e6;
    let ops: usize = v1.paths.iter().map(|p| p.ops.len()).sum();
    println!(
        "generated two OpenAPI 3.0 JSON documents of {:.2} / {:.2} MB ({} paths, {} operations, \
         {} component schemas; {} lines) in {}",
        old_text.len() as f64 / 1e6,
        new_text.len() as f64 / 1e6,
        v1.paths.len(),
        ops,
        v1.models.len(),
        old_text.lines().count(),
        fmt_dur(generated)
    );
    println!(
        "expected changes: {} ({})",
        expected.values().sum::<usize>(),
        expected
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!();

    let mut table = Table::new();
    let syntax_parse = measure(plan.reps, || {
        let t = Instant::now();
        let parsed = [
            parse(&old_text, &openapi_limits()),
            parse(&new_text, &openapi_limits()),
        ];
        let elapsed = t.elapsed();
        for p in &parsed {
            assert!(p.tree.is_some() && p.errors.is_empty(), "{:?}", p.errors);
        }
        elapsed
    });
    table.row(
        "OpenAPI: syntax::parse, both documents",
        &syntax_parse,
        format!("{:.0} MB/s", 2.0 * mb / syntax_parse.median.as_secs_f64()),
    );
    let mut docs = None;
    let doc_parse = measure(plan.reps, || {
        // Drop the previous run's documents outside the timed part.
        let old = docs.take();
        let t = Instant::now();
        let o = OpenApiDoc::parse("interfaces/openapi.json", &old_text).expect("parse v1");
        let n = OpenApiDoc::parse("interfaces/openapi.json", &new_text).expect("parse v2");
        let elapsed = t.elapsed();
        docs = Some((o, n));
        drop(old);
        elapsed
    });
    table.row(
        "OpenAPI: OpenApiDoc::parse, both (1 thread)",
        &doc_parse,
        format!("{:.0} MB/s", 2.0 * mb / doc_parse.median.as_secs_f64()),
    );
    let par_parse = measure(plan.reps, || {
        let old = docs.take();
        let t = Instant::now();
        let (o, n) = std::thread::scope(|s| {
            let o = s.spawn(|| OpenApiDoc::parse("interfaces/openapi.json", &old_text));
            let n = OpenApiDoc::parse("interfaces/openapi.json", &new_text);
            (o.join().expect("parse thread panicked"), n)
        });
        let elapsed = t.elapsed();
        docs = Some((o.expect("parse v1"), n.expect("parse v2")));
        drop(old);
        elapsed
    });
    table.row(
        "OpenAPI: OpenApiDoc::parse, both (2 threads)",
        &par_parse,
        format!("{:.0} MB/s", 2.0 * mb / par_parse.median.as_secs_f64()),
    );
    let (old_doc, new_doc) = docs.take().expect("documents parsed");
    let mut changes = Vec::new();
    let diff = measure(plan.reps, || {
        let previous = std::mem::take(&mut changes);
        let t = Instant::now();
        changes = openapi::diff(&old_doc, &new_doc);
        let elapsed = t.elapsed();
        drop(previous);
        elapsed
    });
    assert_changes(&changes, &expected);
    table.row(
        "OpenAPI: openapi::diff",
        &diff,
        format!("{} changes", changes.len()),
    );
    let total = Sample {
        min: doc_parse.min + diff.min,
        median: doc_parse.median + diff.median,
    };
    table.row(
        "OpenAPI: parse both + diff (1 thread)",
        &total,
        "sum of the two rows above".to_string(),
    );
    let total_par = Sample {
        min: par_parse.min + diff.min,
        median: par_parse.median + diff.median,
    };
    table.row(
        "OpenAPI: parse both + diff (2 threads)",
        &total_par,
        goal(bench, "< 300 ms"),
    );
    drop((old_doc, new_doc));
    results.put("openapi_bytes", old_text.len() as f64);
    results.put("openapi_changes", changes.len() as f64);
    results.put("openapi_syntax_parse_median_ms", ms(syntax_parse.median));
    results.put("openapi_parse_median_ms", ms(doc_parse.median));
    results.put("openapi_parse_par_median_ms", ms(par_parse.median));
    results.put("openapi_diff_median_ms", ms(diff.median));
    results.put("openapi_total_median_ms", ms(total.median));
    results.put("openapi_total_par_median_ms", ms(total_par.median));

    // -----------------------------------------------------------------------------------------
    // (b) Contract pairs.
    let t = Instant::now();
    let template = Template::load();
    let pairs: Vec<(String, String, usize)> = (0..plan.pairs)
        .map(|i| template.write_pair(&root.join("pairs"), i))
        .collect();
    let expected_pair_changes: usize = pairs.iter().map(|p| p.2).sum();
    println!(
        "generated {} contract pairs (from fixtures/diff/contract/readme-example) in {}",
        pairs.len(),
        fmt_dur(t.elapsed())
    );
    println!();
    let seq = measure(plan.reps, || {
        let t = Instant::now();
        let found: usize = pairs
            .iter()
            .map(|(o, n, want)| diff_pair(o, n, *want))
            .sum();
        let elapsed = t.elapsed();
        assert_eq!(found, expected_pair_changes);
        elapsed
    });
    table.row(
        &format!("{} contract pairs: load + compare, 1 thread", pairs.len()),
        &seq,
        format!("{} per pair", fmt_dur(seq.median / pairs.len() as u32)),
    );
    let par = measure(plan.reps, || {
        let t = Instant::now();
        let chunk = pairs.len().div_ceil(plan.threads.max(1));
        let found: usize = std::thread::scope(|s| {
            let workers: Vec<_> = pairs
                .chunks(chunk)
                .map(|part| {
                    s.spawn(move || {
                        part.iter()
                            .map(|(o, n, want)| diff_pair(o, n, *want))
                            .sum::<usize>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("worker thread panicked"))
                .sum()
        });
        let elapsed = t.elapsed();
        assert_eq!(found, expected_pair_changes);
        elapsed
    });
    table.row(
        &format!(
            "{} contract pairs: load + compare, {} threads",
            pairs.len(),
            plan.threads
        ),
        &par,
        format!(
            "{:.2}x{}",
            seq.median.as_secs_f64() / par.median.as_secs_f64(),
            if bench { "; goal: < 1 s" } else { "" }
        ),
    );
    results.put("pairs", pairs.len() as f64);
    results.put("pairs_changes", expected_pair_changes as f64);
    results.put("pairs_seq_median_ms", ms(seq.median));
    results.put("pairs_par_median_ms", ms(par.median));
    results.put("pairs_par_threads", plan.threads as f64);

    table.print();
    println!();
    println!(
        "the OpenAPI diff found the {} expected changes; the {} contract pairs the {} expected",
        changes.len(),
        pairs.len(),
        expected_pair_changes
    );
    if bench {
        let met = |d: Duration, goal: u64| {
            if d < Duration::from_millis(goal) {
                "met"
            } else {
                "NOT met"
            }
        };
        println!(
            "goal: two {:.0} MB OpenAPI documents parsed and diffed in < 300 ms: {} with 2 parse \
             threads (median {}), {} on one thread (median {})",
            mb,
            met(total_par.median, 300),
            fmt_dur(total_par.median),
            met(total.median, 300),
            fmt_dur(total.median)
        );
        println!(
            "goal: {} contract pairs in < 1 s on {} threads: {} (median {})",
            pairs.len(),
            plan.threads,
            met(par.median, 1000),
            fmt_dur(par.median)
        );
    }
    if let Some(dir) = keep {
        let file = root.join("bench-results.txt");
        std::fs::write(&file, results.text).expect("write bench-results.txt");
        println!(
            "kept the generated files in {}; figures in {}",
            Path::new(&dir).join("diff").display(),
            file.display()
        );
    }
}

/// The goal note of a row (only at full size).
fn goal(bench: bool, goal: &str) -> String {
    if bench {
        format!("goal: {goal}")
    } else {
        "(smoke size)".to_string()
    }
}

/// The limits [`OpenApiDoc::parse`] uses, so `syntax::parse` is measured on the same terms.
fn openapi_limits() -> Limits {
    let d = Limits::default();
    Limits {
        max_bytes: openapi::MAX_DOCUMENT_BYTES,
        max_nodes: d.max_nodes * 2,
        max_expanded_nodes: d.max_expanded_nodes * 2,
        ..d
    }
}

/// The kind of an OpenAPI change, from its path and type.
fn change_kind(c: &Change) -> String {
    let p = &c.path;
    let what = if p.ends_with(".request-body") {
        "request-body"
    } else if p.contains(".responses[") {
        "response"
    } else if p.contains(".parameters[") {
        "parameter"
    } else if p.contains(".methods[") {
        "method"
    } else {
        "path"
    };
    format!("{what} {}", c.change_type)
}

fn assert_changes(changes: &[Change], expected: &BTreeMap<String, usize>) {
    let mut found: BTreeMap<String, usize> = BTreeMap::new();
    for c in changes {
        *found.entry(change_kind(c)).or_default() += 1;
    }
    assert_eq!(
        &found,
        expected,
        "the OpenAPI diff did not find the generated changes; first changes: {:#?}",
        &changes[..changes.len().min(5)]
    );
}

// ---------------------------------------------------------------------------------------------
// Contract pairs.

/// Load, parse and compare one pair, as `pacto diff` does; returns the number of changes.
fn diff_pair(old_dir: &str, new_dir: &str, want: usize) -> usize {
    let load = |dir: &str| -> (bundle::DirBundle, String, Tree) {
        let l = bundle::load_dir(dir).expect("load bundle");
        let parsed = parse(&l.text, &Limits::default());
        assert!(parsed.errors.is_empty(), "{dir}: {:?}", parsed.errors);
        (l.bundle, l.contract_path, parsed.tree.expect("a tree"))
    };
    let (ob, of, ot) = load(old_dir);
    let (nb, nf, nt) = load(new_dir);
    let (oc, nc) = (Contract::from_tree(&ot), Contract::from_tree(&nt));
    let diff = compare(
        &Side {
            contract: &oc,
            tree: &ot,
            bundle: &ob,
            file: &of,
        },
        &Side {
            contract: &nc,
            tree: &nt,
            bundle: &nb,
            file: &nf,
        },
    )
    .expect("compare");
    assert_eq!(
        diff.changes.len(),
        want,
        "{old_dir} -> {new_dir}: {:#?}",
        diff.changes
    );
    diff.changes.len()
}

/// The files of `fixtures/diff/contract/readme-example/{old,new}`.
struct Template {
    old: Vec<(String, String)>,
    new: Vec<(String, String)>,
}

impl Template {
    fn load() -> Template {
        let base =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/diff/contract/readme-example");
        let read = |side: &str| {
            let dir = base.join(side);
            let mut files = Vec::new();
            let mut stack = vec![dir.clone()];
            while let Some(d) = stack.pop() {
                for e in std::fs::read_dir(&d).expect("read the template directory") {
                    let path = e.expect("template entry").path();
                    if path.is_dir() {
                        stack.push(path);
                    } else {
                        let rel = path
                            .strip_prefix(&dir)
                            .expect("under the template")
                            .to_string_lossy()
                            .into_owned();
                        let text = std::fs::read_to_string(&path).expect("read a template file");
                        files.push((rel, text));
                    }
                }
            }
            files.sort();
            files
        };
        Template {
            old: read("old"),
            new: read("new"),
        }
    }

    /// Write pair `i` under `dir`; returns both directories and the number of changes expected.
    ///
    /// The template's changes are `service.version`, `interfaces.port`, a removed OpenAPI path
    /// and a removed configuration property. Every pair gets its own service name, image, port
    /// and versions; every fifth pair keeps its port (three changes instead of four).
    fn write_pair(&self, dir: &Path, i: usize) -> (String, String, usize) {
        let domain = pick(&DOMAINS, i, 1);
        let name = format!("{domain}-{}{i:04}", pick(&KINDS, i, 2));
        let port = 8000 + (mix(i, 3) % 1000) as usize;
        let same_port = i % 5 == 4;
        let new_port = if same_port { port } else { port + 1 };
        let (major, minor) = (1 + i % 3, i % 17);
        let old_version = format!("{major}.{minor}.0");
        let new_version = format!("{major}.{}.0", minor + 1);
        let pair = dir.join(format!("pair-{i:04}"));
        for (side, files, version, port) in [
            ("old", &self.old, &old_version, port),
            ("new", &self.new, &new_version, new_port),
        ] {
            for (rel, text) in files {
                let text = match rel.as_str() {
                    "pacto.yaml" => {
                        let template_version = if side == "old" { "1.0.0" } else { "1.1.0" };
                        let template_port = if side == "old" { "8080" } else { "9090" };
                        let t = replace(
                            text,
                            &format!("  version: {template_version}\n  owner: team/orders"),
                            &format!("  version: {version}\n  owner: team/{domain}"),
                        );
                        let t = replace(&t, "name: orders", &format!("name: {name}"));
                        let t = replace(&t, "acme/orders:", &format!("acme/{name}:"));
                        let t = replace(&t, "charts/orders", &format!("charts/{name}"));
                        replace(
                            &t,
                            &format!("port: {template_port}"),
                            &format!("port: {port}"),
                        )
                    }
                    "interfaces/openapi.yaml" => {
                        let t = replace(text, "title: orders", &format!("title: {name}"));
                        replace(&t, "/orders:", &format!("/{domain}/{name}:"))
                    }
                    _ => text.clone(),
                };
                let path = pair.join(side).join(rel);
                std::fs::create_dir_all(path.parent().expect("a parent"))
                    .expect("create a pair directory");
                std::fs::write(&path, text).expect("write a pair file");
            }
        }
        let s = |side: &str| pair.join(side).to_string_lossy().into_owned();
        (s("old"), s("new"), if same_port { 3 } else { 4 })
    }
}

/// `text` with `from` replaced by `to`; `from` must occur (so a changed fixture fails loudly).
fn replace(text: &str, from: &str, to: &str) -> String {
    assert!(
        text.contains(from),
        "the readme-example template no longer contains {from:?}"
    );
    text.replace(from, to)
}

fn write_openapi_bundle(dir: &Path, openapi_text: &str, version: &str) {
    std::fs::create_dir_all(dir.join("interfaces")).expect("create the OpenAPI bundle");
    std::fs::write(dir.join("interfaces/openapi.json"), openapi_text).expect("write openapi.json");
    let contract = format!(
        "pactoVersion: \"1.0\"\nservice:\n  name: catalog-api\n  version: {version}\n  owner: team/catalog\n\
         interfaces:\n  - name: api\n    type: http\n    port: 8080\n    visibility: public\n    \
         contract: interfaces/openapi.json\n"
    );
    std::fs::write(dir.join("pacto.yaml"), contract).expect("write pacto.yaml");
}

// ---------------------------------------------------------------------------------------------
// OpenAPI generation. Everything is deterministic.

const DOMAINS: [&str; 10] = [
    "payments", "orders", "billing", "search", "identity", "catalog", "shipping", "ledger",
    "notify", "reports",
];
const KINDS: [&str; 5] = ["api", "worker", "gateway", "svc", "sync"];
const NOUNS: [&str; 12] = [
    "accounts",
    "invoices",
    "items",
    "users",
    "carts",
    "refunds",
    "events",
    "tokens",
    "reports",
    "addresses",
    "plans",
    "quotes",
];
const PROP_TYPES: [&str; 6] = [
    "string",
    "integer",
    "number",
    "boolean",
    "date-time",
    "array",
];
/// Component schemas `1..=LEAVES` are referenced by other schemas; the rest only by operations.
const LEAVES: usize = 40;

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

/// `0..n` in a deterministic shuffled order.
fn shuffled(n: usize, salt: u64) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).collect();
    v.sort_by_key(|i| mix(*i, salt));
    v
}

#[derive(Clone)]
struct Api {
    paths: Vec<PathItem>,
    /// `models[0]` is `Error`.
    models: Vec<Model>,
}

#[derive(Clone)]
struct PathItem {
    path: String,
    domain: &'static str,
    templated: bool,
    ops: Vec<Op>,
}

#[derive(Clone)]
struct Op {
    method: &'static str,
    id: String,
    filter_type: &'static str,
    extra_params: Vec<String>,
    body: Option<usize>,
    response: usize,
    list: bool,
}

#[derive(Clone)]
struct Model {
    /// The component name (what `$ref`s point at).
    name: String,
    /// What descriptions call it (kept when the component is renamed).
    label: String,
    /// Name, type, and for references the index of a leaf schema.
    props: Vec<(String, &'static str, Option<usize>)>,
}

impl Api {
    fn generate(paths: usize, models: usize) -> Api {
        let models = models.max(LEAVES + 20);
        let mut out = Api {
            paths: Vec::new(),
            models: Vec::new(),
        };
        out.models.push(Model {
            name: "Error".to_string(),
            label: "error".to_string(),
            props: vec![
                ("code".to_string(), "integer", None),
                ("message".to_string(), "string", None),
            ],
        });
        for j in 1..models {
            let n = 6 + (mix(j, 11) % 9) as usize;
            let props = (0..n)
                .map(|k| {
                    let name = format!(
                        "{}{k}",
                        pick(&["field", "attr", "value", "ref"], j * 31 + k, 12)
                    );
                    if j > LEAVES && k == n - 1 {
                        let leaf = 1 + (mix(j, 13) % LEAVES as u64) as usize;
                        (name, "ref", Some(leaf))
                    } else {
                        (name, pick(&PROP_TYPES, j * 31 + k, 14), None)
                    }
                })
                .collect();
            let name = format!("{}Model{j}", capitalise(pick(&NOUNS, j, 15)));
            out.models.push(Model {
                label: name.clone(),
                name,
                props,
            });
        }
        let top = |salt: u64, i: usize| {
            LEAVES + 1 + (mix(i, salt) % (models - LEAVES - 1) as u64) as usize
        };
        for i in 0..paths {
            let domain = pick(&DOMAINS, i, 21);
            let noun = pick(&NOUNS, i, 22);
            let templated = mix(i, 23).is_multiple_of(2);
            let path = if templated {
                format!("/v1/{domain}/{noun}{i}/{{id}}")
            } else {
                format!("/v1/{domain}/{noun}{i}")
            };
            let mut methods = vec!["get"];
            for (m, salt) in [("post", 24), ("put", 25), ("patch", 26), ("delete", 27)] {
                if mix(i, salt).is_multiple_of(3) {
                    methods.push(m);
                }
            }
            let ops = methods
                .into_iter()
                .enumerate()
                .map(|(k, method)| Op {
                    method,
                    id: format!("{method}{}{i}", capitalise(noun)),
                    filter_type: "string",
                    extra_params: Vec::new(),
                    body: matches!(method, "post" | "put" | "patch").then(|| top(31, i * 8 + k)),
                    response: top(32, i * 8 + k),
                    list: method == "get" && !templated,
                })
                .collect();
            out.paths.push(PathItem {
                path,
                domain,
                templated,
                ops,
            });
        }
        out
    }

    fn schema_ref(&self, model: usize) -> Value {
        json!({ "$ref": format!("#/components/schemas/{}", self.models[model].name) })
    }

    fn render(&self) -> Value {
        let mut paths = Map::new();
        for p in &self.paths {
            let mut item = Map::new();
            for op in &p.ops {
                item.insert(op.method.to_string(), self.render_op(p, op));
            }
            paths.insert(p.path.clone(), Value::Object(item));
        }
        let mut schemas = Map::new();
        for m in &self.models {
            let mut props = Map::new();
            for (name, ty, leaf) in &m.props {
                let schema = match (*ty, leaf) {
                    ("ref", Some(l)) => self.schema_ref(*l),
                    ("date-time", _) => json!({"type": "string", "format": "date-time",
                        "description": format!("When the {name} happened, in RFC 3339.")}),
                    ("array", _) => json!({"type": "array", "items": {"type": "string"},
                        "description": format!("The {name} values, in order.")}),
                    (ty, _) => {
                        json!({"type": ty, "description": format!("The {name} of the {}.", m.label),
                        "example": if ty == "string" { json!(format!("{name}-example")) } else { json!(1) }})
                    }
                };
                props.insert(name.clone(), schema);
            }
            let required: Vec<&str> = m.props.iter().take(2).map(|p| p.0.as_str()).collect();
            schemas.insert(
                m.name.clone(),
                json!({"type": "object", "description": format!("A {} resource.", m.label),
                    "required": required, "properties": props}),
            );
        }
        json!({
            "openapi": "3.0.3",
            "info": {"title": "Generated API", "version": "1.0.0",
                "description": "A large generated API for the diff benchmark."},
            "servers": [{"url": "https://api.example.com"}],
            "paths": paths,
            "components": {
                "schemas": schemas,
                "parameters": {
                    "Limit": {"name": "limit", "in": "query", "required": false,
                        "description": "Page size.", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
                    "Cursor": {"name": "cursor", "in": "query", "required": false,
                        "description": "Opaque pagination cursor.", "schema": {"type": "string"}},
                    "RequestId": {"name": "X-Request-Id", "in": "header", "required": false,
                        "description": "Correlation id.", "schema": {"type": "string", "format": "uuid"}}
                },
                "responses": {
                    "BadRequest": {"description": "The request is invalid.",
                        "content": {"application/json": {"schema": self.schema_ref(0)}}},
                    "NotFound": {"description": "No such resource.",
                        "content": {"application/json": {"schema": self.schema_ref(0)}}}
                }
            }
        })
    }

    fn render_op(&self, p: &PathItem, op: &Op) -> Value {
        let mut params = Vec::new();
        if p.templated {
            params.push(json!({"name": "id", "in": "path", "required": true,
                "description": "The resource id.", "schema": {"type": "string", "format": "uuid"}}));
        }
        params.push(json!({"$ref": "#/components/parameters/RequestId"}));
        if op.method == "get" {
            params.push(json!({"$ref": "#/components/parameters/Limit"}));
            params.push(json!({"$ref": "#/components/parameters/Cursor"}));
        }
        params.push(json!({"name": "filter", "in": "query", "required": false,
            "description": "A filter expression.", "schema": {"type": op.filter_type}}));
        for extra in &op.extra_params {
            params.push(json!({"name": extra, "in": "query", "required": false,
                "description": "Added in v2.", "schema": {"type": "string"}}));
        }
        let ok = if op.list {
            json!({"type": "array", "items": self.schema_ref(op.response)})
        } else {
            self.schema_ref(op.response)
        };
        let code = if op.method == "post" { "201" } else { "200" };
        let mut responses = Map::new();
        responses.insert(
            code.to_string(),
            json!({"description": "Success.", "content": {"application/json": {"schema": ok}}}),
        );
        responses.insert(
            "400".to_string(),
            json!({"$ref": "#/components/responses/BadRequest"}),
        );
        if p.templated {
            responses.insert(
                "404".to_string(),
                json!({"$ref": "#/components/responses/NotFound"}),
            );
        }
        responses.insert(
            "default".to_string(),
            json!({"description": "Unexpected error.",
                "content": {"application/json": {"schema": self.schema_ref(0)}}}),
        );
        let mut o = Map::new();
        o.insert("operationId".to_string(), json!(op.id));
        o.insert(
            "summary".to_string(),
            json!(format!("{} {}", op.method.to_uppercase(), p.path)),
        );
        o.insert(
            "description".to_string(),
            json!(format!(
                "Operation {} of the {} domain. Generated for the diff benchmark.",
                op.id, p.domain
            )),
        );
        o.insert("tags".to_string(), json!([p.domain]));
        o.insert("parameters".to_string(), Value::Array(params));
        if let Some(body) = op.body {
            o.insert(
                "requestBody".to_string(),
                json!({"required": true, "content": {"application/json": {"schema": self.schema_ref(body)}}}),
            );
        }
        o.insert("responses".to_string(), Value::Object(responses));
        Value::Object(o)
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// v1 of about `bytes` bytes (pretty-printed), v2 with `edits` changes of each kind, and the
/// changes the diff must find, by [`change_kind`].
fn generate_pair(bytes: usize, edits: usize) -> (Api, Api, BTreeMap<String, usize>) {
    // Calibrate the number of paths: the size is close to linear in it.
    let size = |paths: usize| {
        serde_json::to_string_pretty(&Api::generate(paths, paths / 8).render())
            .expect("serialise")
            .len() as f64
    };
    let mut paths = 400;
    for _ in 0..3 {
        let ratio = bytes as f64 / size(paths);
        if (0.98..1.02).contains(&ratio) {
            break;
        }
        paths = ((paths as f64 * ratio).round() as usize).max(50);
    }
    let v1 = Api::generate(paths, paths / 8);
    let mut v2 = v1.clone();
    let order = shuffled(paths, 41);
    let mut cursor = order.into_iter();
    let mut take = |n: usize, ok: &dyn Fn(&PathItem) -> bool| -> Vec<usize> {
        cursor
            .by_ref()
            .filter(|i| ok(&v1.paths[*i]))
            .take(n)
            .collect()
    };
    let removed_paths = take(edits, &|_| true);
    let removed_methods = take(edits, &|p| p.ops.len() >= 2);
    let added_params = take(edits, &|_| true);
    let narrowed_params = take(edits, &|_| true);
    let mut expected: BTreeMap<String, usize> = BTreeMap::new();
    let mut count = |k: &str, n: usize| {
        if n > 0 {
            *expected.entry(k.to_string()).or_default() += n;
        }
    };
    // Removed methods: the last operation (never `get`, which comes first).
    for &i in &removed_methods {
        v2.paths[i].ops.pop();
    }
    count("method removed", removed_methods.len());
    for &i in &added_params {
        v2.paths[i].ops[0].extra_params.push("expand".to_string());
    }
    count("parameter added", added_params.len());
    // string -> integer narrows the accepted type: a modified (breaking) parameter.
    for &i in &narrowed_params {
        v2.paths[i].ops[0].filter_type = "integer";
    }
    count("parameter modified", narrowed_params.len());
    // Component schemas referenced only by operations: a new property changes every request
    // body and response using them; renamed ones (every reference updated) change nothing.
    let tops = shuffled(v1.models.len() - LEAVES - 1, 42);
    let (modified, renamed): (Vec<usize>, Vec<usize>) = (
        tops[..edits / 6].iter().map(|t| t + LEAVES + 1).collect(),
        tops[edits / 6..edits / 6 + edits / 3]
            .iter()
            .map(|t| t + LEAVES + 1)
            .collect(),
    );
    for &m in &modified {
        v2.models[m]
            .props
            .push(("addedInV2".to_string(), "string", None));
    }
    for &m in &renamed {
        v2.models[m].name = format!("{}Renamed", v2.models[m].name);
    }
    // Removed paths last, so the indices above stay valid; the usage count only looks at
    // operations present on both sides.
    let mut bodies = 0;
    let mut responses = 0;
    for (i, p) in v2.paths.iter().enumerate() {
        if removed_paths.contains(&i) {
            continue;
        }
        for op in &p.ops {
            bodies += op.body.is_some_and(|b| modified.contains(&b)) as usize;
            responses += modified.contains(&op.response) as usize;
        }
    }
    count("request-body modified", bodies);
    count("response modified", responses);
    let mut removed_sorted = removed_paths.clone();
    removed_sorted.sort_unstable_by(|a, b| b.cmp(a));
    for i in removed_sorted {
        v2.paths.remove(i);
    }
    count("path removed", removed_paths.len());
    let added = edits * 2 / 3;
    let extra = Api::generate(paths + added, 0);
    for (k, mut p) in extra.paths.into_iter().skip(paths).enumerate() {
        p.path = format!("/v2/new{k}{}", p.path);
        for op in &mut p.ops {
            op.body = op.body.map(|_| LEAVES + 1);
            op.response = LEAVES + 1;
        }
        v2.paths.push(p);
    }
    count("path added", added);
    (v1, v2, expected)
}

// ---------------------------------------------------------------------------------------------
// Measurement and output.

/// Run `f` `reps` times; `f` returns the time of its timed part.
fn measure(reps: usize, mut f: impl FnMut() -> Duration) -> Sample {
    let mut times: Vec<Duration> = (0..reps.max(1)).map(|_| f()).collect();
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
