//! Dependency-graph resolution against a real OCI registry: a generated graph of 200 services
//! with 3 versions each (1.0.0, 1.1.0, 2.0.0), resolved from the root through
//! `graph::resolve` + `Router { oci: Registry }`, with a cold cache and a warm one, sequentially
//! and with 8 fetch threads.
//!
//! Run with `eval "$(scripts/test-infra start)"` then `cargo bench -p pacto-core --bench graph`.
//! Without `PACTO_TEST_REGISTRY` it prints why it cannot run and exits successfully. Without
//! `--bench` (as under `cargo test --benches`) it runs a smoke version over 10 services.
//!
//! Goals, from the issue: warm under 100 ms; cold with parallel fetches at least 3x faster than
//! sequential. The figures are printed, never asserted. What is asserted is that every run built
//! the whole graph: every service exactly once, at the version its constraint picks, no error
//! edge, no unsatisfied constraint, no cycle, no conflict, one fetch per service.
//!
//! The graph: service `i` depends on 2-4 lower-numbered services (always `i - 1`, so the root
//! reaches all of them; the others pseudo-random) through untagged refs
//! `oci://<registry>/<run prefix>/svc-NNN`. Every ref to one service carries the same
//! `compatibility` (the resolver fetches an untagged ref once per distinct constraint), mostly
//! `^1.0.0` (picks 1.1.0), some `~1.0.0` (1.0.0) and `^2.0.0` (2.0.0). The root depends on the
//! 10 highest-numbered services. Every run pushes its 600 artifacts under a fresh repository
//! prefix.
//!
//! Cases:
//! * cold: a new `Registry` (empty in-memory memo) over an empty cache directory;
//! * warm, same process: the `Registry` of a finished cold run resolves again (its memory holds
//!   every tag list and pulled bundle: what a second resolution in one `pacto` run costs);
//! * warm, new process: a new `Registry` over the disk cache a cold run filled, tag answers fresh
//!   (within the TTL): what the next `pacto graph` invocation costs;
//! * offline: the same with `offline` (no network at all).
//!
//! The last section times the pieces of one fetch on their own (HTTP round trips, cache reads
//! and writes, sha256, unpacking, parsing) and how HTTP and cache writes scale with threads,
//! including bare HTTP round trips (ureq configured as the registry client is and otherwise, raw
//! `TcpStream`s) to separate the registry's latency from the client's.
//!
//! Each case also reports this process's CPU time and, when `PACTO_BENCH_REGISTRY_PID` holds the
//! registry server's pid (`scripts/test-infra` writes it to `target/test-infra/registry/pid`),
//! the server's.

use pacto_core::bundle::archive::{self, pack_bundle, ArchiveLimits, Packed};
use pacto_core::bundle::{decode_utf8, Bundle, MemBundle};
use pacto_core::graph::{self, Fetched, Fetcher, Graph, LocalFetcher, ResolveOptions, Router};
use pacto_core::model::Contract;
use pacto_core::registry::auth::Anonymous;
use pacto_core::registry::cache::sha256_hex;
use pacto_core::registry::{artifact, BundleMeta, Registry, RegistryOptions, Target};
use pacto_core::syntax::{parse, Limits};
use pacto_core::validate::{validate, NoResolver, Options};
use pacto_core::version::{highest_matching, Constraint};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const VERSIONS: [&str; 3] = ["1.0.0", "1.1.0", "2.0.0"];
const ROOT: &str = "bench-root";
const PARALLEL: usize = 8;
const TAG_TTL: Duration = Duration::from_secs(600);

/// How big a run is: the real benchmark, or the smoke version for `cargo test --benches`.
struct Plan {
    services: usize,
    root_deps: usize,
    runs: usize,
    push_threads: usize,
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let Some(reg) = std::env::var("PACTO_TEST_REGISTRY")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        println!(
            "graph benchmark skipped: PACTO_TEST_REGISTRY is not set. Start the test registry \
             with `eval \"$(scripts/test-infra start)\"` (scripts/bench does it), then run \
             `cargo bench -p pacto-core --bench graph`."
        );
        return;
    };
    let plan = if bench {
        Plan {
            services: 200,
            root_deps: 10,
            runs: 5,
            push_threads: 4,
        }
    } else {
        Plan {
            services: 10,
            root_deps: 3,
            runs: 1,
            push_threads: 4,
        }
    };
    let total = Instant::now();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "pacto-core graph benchmark ({} mode): {} services x {} versions, registry {reg}, \
         {} runs per case (min / median)",
        if bench { "bench" } else { "smoke" },
        plan.services,
        VERSIONS.len(),
        plan.runs
    );
    println!(
        "machine: {} logical CPUs available; load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );

    // Generate and push.
    let gen = Generated::new(&reg, &plan);
    let t = Instant::now();
    let artifacts = gen.artifacts();
    let packed_in = t.elapsed();
    let t = Instant::now();
    push_all(&artifacts, plan.push_threads);
    println!(
        "packed {} artifacts in {}, pushed them under {}/{} in {} ({} threads)",
        artifacts.len(),
        fmt_dur(packed_in),
        reg,
        gen.prefix,
        fmt_dur(t.elapsed()),
        plan.push_threads
    );
    let root = gen.root_contract();

    let mut table = Table::default();
    let n = plan.services;
    let opts = |dir: &Path, offline: bool| RegistryOptions {
        cache_dir: Some(dir.to_path_buf()),
        tag_ttl: Some(TAG_TTL),
        offline,
        ..RegistryOptions::default()
    };

    // (1) Cold: a new Registry over an empty cache directory, sequential and parallel runs
    // interleaved so that drift in the machine's load hits both alike.
    let mut cold_seq = Vec::new();
    let mut cold_par = Vec::new();
    let mut warm: Option<(tempfile::TempDir, Arc<Registry>)> = None;
    for r in 0..plan.runs {
        let order: [usize; 2] = if r % 2 == 0 {
            [1, PARALLEL]
        } else {
            [PARALLEL, 1]
        };
        for par in order {
            let dir = tempfile::tempdir().expect("create cache directory");
            let registry = Arc::new(Registry::new(opts(dir.path(), false), Arc::new(Anonymous)));
            let d = run(&root, &registry, par, &gen);
            if par == 1 {
                cold_seq.push(d);
            } else {
                cold_par.push(d);
                warm = Some((dir, registry));
            }
        }
    }
    let (warm_dir, warm_registry) = warm.expect("at least one cold run");
    table.row("cold: new Registry, empty cache", 1, &cold_seq, n);
    table.row("cold: new Registry, empty cache", PARALLEL, &cold_par, n);

    // (2a) Warm, same process: the Registry's in-memory memo answers everything.
    for par in [PARALLEL, 1] {
        let runs: Vec<Sample> = (0..plan.runs)
            .map(|_| run(&root, &warm_registry, par, &gen))
            .collect();
        table.row("warm, same process (in-memory memo)", par, &runs, n);
    }

    // (2b) Warm, new process: a new Registry over the filled disk cache, tag answers fresh.
    for par in [PARALLEL, 1] {
        let runs: Vec<Sample> = (0..plan.runs)
            .map(|_| {
                let registry = Arc::new(Registry::new(
                    opts(warm_dir.path(), false),
                    Arc::new(Anonymous),
                ));
                run(&root, &registry, par, &gen)
            })
            .collect();
        table.row("warm, new Registry over disk cache", par, &runs, n);
    }

    // (3) Offline over the same cache: no network at all.
    for par in [PARALLEL, 1] {
        let runs: Vec<Sample> = (0..plan.runs)
            .map(|_| {
                let registry = Arc::new(Registry::new(
                    opts(warm_dir.path(), true),
                    Arc::new(Anonymous),
                ));
                run(&root, &registry, par, &gen)
            })
            .collect();
        table.row("offline, new Registry over disk cache", par, &runs, n);
    }

    println!();
    println!(
        "graph::resolve of the root ({} services reached, {} fetches per run; every run checked)",
        n, n
    );
    table.print();
    println!(
        "  (CPU: medians of user + system time from /proc, 10 ms resolution; server CPU needs \
         PACTO_BENCH_REGISTRY_PID, e.g. $(cat target/test-infra/registry/pid); in flight: the \
         most fetches running at once)"
    );
    let speedup = median(&walls(&cold_seq)).as_secs_f64() / median(&walls(&cold_par)).as_secs_f64();
    println!();
    println!(
        "cold speedup, {PARALLEL} threads vs sequential (medians): {speedup:.2}x (goal: >= 3x)"
    );
    let warm_new = table.median_of("warm, new Registry over disk cache", PARALLEL);
    let warm_mem = table.median_of("warm, same process (in-memory memo)", PARALLEL);
    println!(
        "warm, {PARALLEL} threads (medians): new Registry over disk cache {}, same process {} \
         (goal: < 100 ms)",
        fmt_dur(warm_new),
        fmt_dur(warm_mem)
    );

    // (4) Where the time of one fetch goes.
    println!();
    phases(&gen, bench);
    println!();
    println!("total benchmark time: {}", fmt_dur(total.elapsed()));
}

// ---------------------------------------------------------------------------------------------
// The generated graph

struct Generated {
    registry: String,
    prefix: String,
    /// Per service: its dependencies (lower-numbered services), highest first.
    deps: Vec<Vec<usize>>,
    root_deps: Vec<usize>,
}

/// The constraint every ref to service `j` carries.
fn constraint_of(j: usize) -> &'static str {
    match j % 10 {
        7 => "^2.0.0",
        3 => "~1.0.0",
        _ => "^1.0.0",
    }
}

/// The version `constraint_of(j)` picks among [`VERSIONS`].
fn resolved_version(j: usize) -> &'static str {
    match j % 10 {
        7 => "2.0.0",
        3 => "1.0.0",
        _ => "1.1.0",
    }
}

fn service_name(j: usize) -> String {
    format!("svc-{j:03}")
}

/// A small deterministic generator (xorshift64*), so every run builds the same graph.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

impl Generated {
    fn new(registry: &str, plan: &Plan) -> Generated {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let prefix = format!(
            "pacto-bench/graph-{}-{}",
            std::process::id(),
            nanos % 1_000_000_000
        );
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let deps = (0..plan.services)
            .map(|i| {
                let want = (2 + rng.below(3)).min(i);
                let mut d: Vec<usize> = Vec::new();
                if i > 0 {
                    d.push(i - 1);
                }
                while d.len() < want {
                    let j = rng.below(i);
                    if !d.contains(&j) {
                        d.push(j);
                    }
                }
                d
            })
            .collect();
        let root_deps = (plan.services.saturating_sub(plan.root_deps)..plan.services)
            .rev()
            .collect();
        Generated {
            registry: registry.to_string(),
            prefix,
            deps,
            root_deps,
        }
    }

    /// The untagged ref of service `j`.
    fn reference(&self, j: usize) -> String {
        format!(
            "oci://{}/{}/{}",
            self.registry,
            self.prefix,
            service_name(j)
        )
    }

    /// `(ref, compatibility)` of the dependencies of service `i` at `version`: 1.0.0 has the
    /// first two, the later versions all of them.
    fn deps_of(&self, i: usize, version: &str) -> Vec<(String, &'static str)> {
        let all = &self.deps[i];
        let take = if version == "1.0.0" {
            all.len().min(2)
        } else {
            all.len()
        };
        all[..take]
            .iter()
            .map(|&j| (self.reference(j), constraint_of(j)))
            .collect()
    }

    fn root_contract(&self) -> Contract {
        let deps: Vec<(String, &str)> = self
            .root_deps
            .iter()
            .map(|&j| (self.reference(j), constraint_of(j)))
            .collect();
        let text = contract_text(ROOT, "1.0.0", &deps);
        let parsed = parse(&text, &Limits::default());
        Contract::from_tree(&parsed.tree.expect("the root contract parses"))
    }

    /// Every service at every version, packed, with where it is pushed.
    fn artifacts(&self) -> Vec<(String, Packed, BundleMeta)> {
        let mut out = Vec::new();
        for i in 0..self.deps.len() {
            let name = service_name(i);
            for v in VERSIONS {
                let text = contract_text(&name, v, &self.deps_of(i, v));
                let bundle = MemBundle::new(format!("{name}@{v}")).with("pacto.yaml", text);
                if i == 0 || i + 1 == self.deps.len() {
                    // The contracts are valid, so the benchmark measures real bundles.
                    let text = bundle_text(&bundle);
                    let val = validate(&text, Some(&bundle), &NoResolver, &Options::default());
                    assert!(val.valid(), "{name}@{v} is invalid: {:?}", val.diagnostics);
                }
                let packed = pack_bundle(&bundle).expect("pack a generated bundle");
                let meta = BundleMeta {
                    name: name.clone(),
                    version: v.to_string(),
                    pacto_version: "1.0".to_string(),
                };
                out.push((format!("{}:{v}", self.reference(i)), packed, meta));
            }
        }
        out
    }

    /// Service name → the version the graph must resolve it to.
    fn expected(&self) -> BTreeMap<String, &'static str> {
        (0..self.deps.len())
            .map(|j| (service_name(j), resolved_version(j)))
            .collect()
    }
}

fn bundle_text(b: &MemBundle) -> String {
    decode_utf8(b.read("pacto.yaml").expect("pacto.yaml")).expect("UTF-8")
}

fn contract_text(name: &str, version: &str, deps: &[(String, &str)]) -> String {
    let mut s = format!(
        "pactoVersion: \"1.0\"\nservice:\n  name: {name}\n  version: {version}\n  owner: team/bench\n"
    );
    if !deps.is_empty() {
        s.push_str("dependencies:\n");
        for (r, c) in deps {
            s.push_str(&format!(
                "  - ref: {r}\n    required: true\n    compatibility: \"{c}\"\n"
            ));
        }
    }
    s
}

fn push_all(artifacts: &[(String, Packed, BundleMeta)], threads: usize) {
    // The pusher keeps no cache: the cases below start from their own cache directories.
    let registry = Registry::new(
        RegistryOptions {
            no_cache: true,
            ..RegistryOptions::default()
        },
        Arc::new(Anonymous),
    );
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((reference, packed, meta)) = artifacts.get(i) else {
                    return;
                };
                if let Err(e) = registry.push(reference, packed, meta, true) {
                    panic!("pushing {reference} failed: {e}");
                }
            });
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Resolution runs

/// One timed resolution: wall time, this process's CPU time, the registry server's CPU time
/// (when `PACTO_BENCH_REGISTRY_PID` names it), and the most fetches that ran at once.
#[derive(Debug, Clone, Copy)]
struct Sample {
    wall: Duration,
    cpu: Option<Duration>,
    server_cpu: Option<Duration>,
    max_in_flight: usize,
}

/// Counts the fetches running at once (the graph's shape bounds the useful parallelism).
struct InFlight<F> {
    inner: F,
    now: AtomicUsize,
    max: AtomicUsize,
}

impl<F: Fetcher> Fetcher for InFlight<F> {
    fn fetch(
        &self,
        reference: &str,
        compatibility: Option<&Constraint>,
    ) -> Result<Fetched, String> {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(now, Ordering::SeqCst);
        let r = self.inner.fetch(reference, compatibility);
        self.now.fetch_sub(1, Ordering::SeqCst);
        r
    }
}

/// Resolve the root once through `registry` and check the whole graph came back.
fn run(root: &Contract, registry: &Arc<Registry>, parallelism: usize, gen: &Generated) -> Sample {
    let fetcher = InFlight {
        inner: Router {
            local: Arc::new(LocalFetcher::default()),
            oci: Some(registry.clone()),
        },
        now: AtomicUsize::new(0),
        max: AtomicUsize::new(0),
    };
    let server = server_pid();
    let (cpu0, srv0) = (cpu_of("self"), server.as_deref().and_then(cpu_of));
    let t = Instant::now();
    let g = graph::resolve(root, &fetcher, &ResolveOptions { parallelism });
    let wall = t.elapsed();
    let (cpu1, srv1) = (cpu_of("self"), server.as_deref().and_then(cpu_of));
    check(&g, gen);
    Sample {
        wall,
        cpu: cpu1.zip(cpu0).map(|(b, a)| b.saturating_sub(a)),
        server_cpu: srv1.zip(srv0).map(|(b, a)| b.saturating_sub(a)),
        max_in_flight: fetcher.max.load(Ordering::SeqCst),
    }
}

fn server_pid() -> Option<String> {
    std::env::var("PACTO_BENCH_REGISTRY_PID")
        .ok()
        .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// User + system CPU time of a process (`self` or a pid), from `/proc/<pid>/stat` (Linux; in
/// clock ticks, assumed to be 100 Hz, so 10 ms resolution).
fn cpu_of(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat
        .get(stat.rfind(')')? + 2..)?
        .split_whitespace()
        .collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn check(g: &Graph, gen: &Generated) {
    for e in g.edges() {
        assert!(
            e.error.is_none(),
            "error edge {}: {}",
            e.reference,
            e.error.as_deref().unwrap_or("")
        );
        assert!(
            e.unsatisfied.is_none(),
            "unsatisfied edge {}: {:?}",
            e.reference,
            e.unsatisfied
        );
    }
    assert!(g.cycles.is_empty(), "cycles: {:?}", g.cycles);
    assert!(g.conflicts.is_empty(), "conflicts: {:?}", g.conflicts);
    let nodes = g.nodes_by_name();
    let got: BTreeMap<String, &str> = nodes
        .iter()
        .filter(|(name, _)| **name != ROOT)
        .map(|(name, n)| (name.to_string(), n.version.as_str()))
        .collect();
    let want = gen.expected();
    assert_eq!(got.len(), want.len(), "distinct services in the graph");
    for (name, version) in &want {
        assert_eq!(got.get(name), Some(version), "version of {name}");
    }
    assert_eq!(g.stats.fetches, want.len(), "one fetch per service");
}

// ---------------------------------------------------------------------------------------------
// Phases of one fetch

/// Time the steps `Registry::fetch` takes for an untagged ref, one by one, for every service
/// (sequentially, fresh cache), then how HTTP round trips and cache writes scale with threads.
fn phases(gen: &Generated, bench: bool) {
    let dir = tempfile::tempdir().expect("create cache directory");
    let registry = Registry::new(
        RegistryOptions {
            cache_dir: Some(dir.path().to_path_buf()),
            tag_ttl: Some(TAG_TTL),
            ..RegistryOptions::default()
        },
        Arc::new(Anonymous),
    );
    let client = registry.client();
    let cache = registry.cache();
    let limits = client.options().limits;
    let n = gen.deps.len();
    let mut p = Phases::default();
    let mut targets = Vec::new();
    for j in 0..n {
        let reference = gen.reference(j);
        let target = Target::parse(&reference).expect("a valid ref");
        let original = target.original.as_str();
        let repo = &target.repo;
        let constraint = Constraint::parse(constraint_of(j)).expect("a valid constraint");

        let t = Mark::now();
        p.add("(empty step: what measuring costs)", t);

        let t = Mark::now();
        client.ping(repo, original).expect("ping");
        p.add("HTTP GET /v2/ (ping: one bare round trip)", t);

        let t = Mark::now();
        let tags = client.list_tags(repo, original).expect("list tags");
        p.add("HTTP GET tags/list", t);
        let (tag, _) = highest_matching(tags.iter().map(String::as_str), Some(&constraint))
            .expect("a matching tag");
        let tag = tag.to_string();
        let tagged = format!("{original}:{tag}");

        let t = Mark::now();
        let m = client
            .get_manifest(repo, &tag, &tagged)
            .expect("get manifest");
        p.add("HTTP GET manifests/<tag> (+ sha256)", t);

        let t = Mark::now();
        let layer = artifact::bundle_layer(&m.bytes, &m.media_type, &tagged).expect("layer");
        p.add("manifest JSON decode", t);

        let t = Mark::now();
        let layer_bytes = client
            .get_blob(
                repo,
                &layer.digest,
                Some(layer.size),
                limits.layer,
                "layer",
                &tagged,
            )
            .expect("get blob");
        p.add("HTTP GET blobs/<layer> (+ sha256)", t);

        let t = Mark::now();
        let bundle = archive::unpack_named(
            &layer_bytes,
            &ArchiveLimits::default(),
            &format!("oci://{tagged}"),
        )
        .expect("unpack");
        p.add("unpack tar.gz", t);

        let t = Mark::now();
        let text = bundle_text(&bundle);
        let parsed = parse(&text, &Limits::default());
        let contract = Contract::from_tree(&parsed.tree.expect("parses"));
        assert_eq!(contract.service_version(), resolved_version(j));
        p.add("parse pacto.yaml + model", t);

        let t = Mark::now();
        cache.put_blob(&m.digest, &m.bytes).expect("cache manifest");
        p.add("cache write manifest (sha256 + temp file + rename)", t);
        let t = Mark::now();
        cache
            .put_blob(&layer.digest, &layer_bytes)
            .expect("cache layer");
        p.add("cache write layer (sha256 + temp file + rename)", t);
        let t = Mark::now();
        cache.put_tag(repo, &tag, &m.digest).expect("cache tag");
        p.add("cache write tag answer (temp file + rename)", t);

        let t = Mark::now();
        let entry = cache.get_tag(repo, &tag).expect("cached tag");
        assert!(!entry.expired);
        p.add("cache read tag answer", t);
        let t = Mark::now();
        cache
            .get_blob(&entry.digest, limits.manifest)
            .expect("cached manifest");
        p.add("cache read manifest (+ sha256)", t);
        let t = Mark::now();
        cache
            .get_blob(&layer.digest, limits.layer)
            .expect("cached layer");
        p.add("cache read layer (+ sha256)", t);
        let t = Mark::now();
        let _ = sha256_hex(&layer_bytes);
        p.add("  of which sha256 of the layer alone", t);

        let t = Mark::now();
        let cached = cache.cached_tags(repo);
        assert!(!cached.is_empty());
        p.add("cache list tags (offline only)", t);
        targets.push((target, tag, layer_bytes.len()));
    }
    let mean_layer = targets.iter().map(|t| t.2).sum::<usize>() / n.max(1);
    println!(
        "one fetch, step by step (sequential over all {n} services, fresh cache; layer ~{mean_layer} bytes):"
    );
    p.print(n);

    // Scaling with threads: the HTTP round trip a warm fetch still makes (tags/list), and the
    // fsync'd writes a cold fetch makes, each with 1 and PARALLEL threads.
    let reps = if bench { 2 } else { 1 };
    println!();
    println!("scaling with threads ({n} operations each, best of {reps}):");
    let mut rows = Vec::new();
    for threads in [1, PARALLEL] {
        let best = (0..reps)
            .map(|_| {
                timed_parallel(n, threads, |j| {
                    let (target, _, _) = &targets[j];
                    client
                        .list_tags(&target.repo, &target.original)
                        .expect("list tags");
                })
            })
            .min()
            .unwrap_or_default();
        rows.push(("HTTP GET tags/list", threads, best));
    }
    for threads in [1, PARALLEL] {
        let best = (0..reps)
            .map(|_| {
                timed_parallel(n, threads, |j| {
                    let (target, _, _) = &targets[j];
                    client.ping(&target.repo, &target.original).expect("ping");
                })
            })
            .min()
            .unwrap_or_default();
        rows.push(("HTTP GET /v2/ (pacto client)", threads, best));
    }
    for (what, resolve_timeout, idle) in [
        ("ureq GET /v2/ as Client::new configures it", true, 3),
        ("ureq GET /v2/ without timeout_resolve", false, 3),
        ("  same, 8 idle connections per host", false, PARALLEL),
    ] {
        for threads in [1, PARALLEL] {
            let best = (0..reps)
                .map(|_| ureq_pings(&gen.registry, n, threads, resolve_timeout, idle))
                .min()
                .unwrap_or_default();
            rows.push((what, threads, best));
        }
    }
    for (what, keep_alive) in [
        ("raw GET /v2/, keep-alive", true),
        ("raw GET /v2/, new connection each", false),
    ] {
        for threads in [1, PARALLEL] {
            let best = (0..reps)
                .map(|_| raw_pings(&gen.registry, n, threads, keep_alive))
                .min()
                .unwrap_or_default();
            rows.push((what, threads, best));
        }
    }
    for threads in [1, PARALLEL] {
        let best = (0..reps)
            .map(|_| {
                let dir = tempfile::tempdir().expect("create cache directory");
                let cache = pacto_core::registry::Cache::new(dir.path(), TAG_TTL);
                timed_parallel(n, threads, |j| {
                    let (target, tag, _) = &targets[j];
                    let bytes = format!("blob {j} {threads} {:?}", Instant::now()).into_bytes();
                    let digest = format!("sha256:{}", sha256_hex(&bytes));
                    cache.put_blob(&digest, &bytes).expect("put blob");
                    cache.put_tag(&target.repo, tag, &digest).expect("put tag");
                })
            })
            .min()
            .unwrap_or_default();
        rows.push(("cache write blob + tag", threads, best));
    }
    for threads in [1, PARALLEL] {
        let best = (0..reps)
            .map(|_| {
                timed_parallel(n, threads, |j| {
                    let (target, tag, _) = &targets[j];
                    let tagged = format!("{}:{tag}", target.original);
                    let m = client
                        .get_manifest(&target.repo, tag, &tagged)
                        .expect("get manifest");
                    let layer =
                        artifact::bundle_layer(&m.bytes, &m.media_type, &tagged).expect("layer");
                    client
                        .get_blob(
                            &target.repo,
                            &layer.digest,
                            Some(layer.size),
                            limits.layer,
                            "layer",
                            &tagged,
                        )
                        .expect("get blob");
                })
            })
            .min()
            .unwrap_or_default();
        rows.push(("HTTP GET manifest + blob", threads, best));
    }
    for (what, threads, d) in &rows {
        let one = rows
            .iter()
            .find(|r| r.0 == *what && r.1 == 1)
            .map_or(*d, |r| r.2);
        println!(
            "  {:<44} {:>2} thread(s) {:>10}  {:>8.1} µs/op  {:.2}x",
            what,
            threads,
            fmt_dur(*d),
            d.as_secs_f64() * 1e6 / n as f64,
            one.as_secs_f64() / d.as_secs_f64()
        );
    }
}

/// `n` `GET /v2/` requests through one ureq agent configured as `registry::Client::new` does
/// (10 s connect timeout, no proxy, statuses not errors), with or without its resolve timeout
/// (with it, ureq resolves the host on a new thread on every request, pooled connection or
/// not), and with `idle` pooled connections per host (ureq's default is 3).
fn ureq_pings(
    host: &str,
    n: usize,
    threads: usize,
    resolve_timeout: bool,
    idle: usize,
) -> Duration {
    let timeout = Some(Duration::from_secs(10));
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(timeout)
        .timeout_resolve(if resolve_timeout { timeout } else { None })
        .max_idle_connections_per_host(idle)
        .proxy(None)
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let url = format!("http://{host}/v2/");
    timed_parallel(n, threads, |_| {
        let mut resp = agent.get(&url).call().expect("GET /v2/");
        assert_eq!(resp.status(), 200);
        resp.body_mut().read_to_vec().expect("read the body");
    })
}

/// `n` bare `GET /v2/` requests over std `TcpStream`s on `threads` threads, one connection per
/// thread (`keep_alive`) or one per request: the registry's own round-trip time, without the
/// HTTP client.
fn raw_pings(host: &str, n: usize, threads: usize, keep_alive: bool) -> Duration {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpStream;
    let connect = || {
        let s = TcpStream::connect(host).expect("connect to the registry");
        s.set_nodelay(true).expect("TCP_NODELAY");
        BufReader::new(s)
    };
    let request = format!(
        "GET /v2/ HTTP/1.1\r\nHost: {host}\r\nUser-Agent: pacto-bench\r\n{}\r\n",
        if keep_alive {
            ""
        } else {
            "Connection: close\r\n"
        }
    );
    let next = AtomicUsize::new(0);
    let t = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut conn = keep_alive.then(connect);
                while next.fetch_add(1, Ordering::Relaxed) < n {
                    let mut fresh;
                    let c = match conn.as_mut() {
                        Some(c) => c,
                        None => {
                            fresh = connect();
                            &mut fresh
                        }
                    };
                    c.get_mut()
                        .write_all(request.as_bytes())
                        .expect("send the request");
                    let mut status = String::new();
                    c.read_line(&mut status).expect("read the status line");
                    assert!(status.starts_with("HTTP/1.1 200"), "GET /v2/: {status}");
                    let mut length = 0usize;
                    loop {
                        let mut line = String::new();
                        c.read_line(&mut line).expect("read a header");
                        let line = line.trim_end();
                        if line.is_empty() {
                            break;
                        }
                        if let Some((k, v)) = line.split_once(':') {
                            if k.eq_ignore_ascii_case("content-length") {
                                length = v.trim().parse().expect("a Content-Length");
                            }
                        }
                    }
                    let mut body = vec![0u8; length];
                    c.read_exact(&mut body).expect("read the body");
                }
            });
        }
    });
    t.elapsed()
}

/// Run `op(0..n)` on `threads` threads; the wall time.
fn timed_parallel(n: usize, threads: usize, op: impl Fn(usize) + Sync) -> Duration {
    let next = AtomicUsize::new(0);
    let t = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let j = next.fetch_add(1, Ordering::Relaxed);
                if j >= n {
                    return;
                }
                op(j);
            });
        }
    });
    t.elapsed()
}

/// A point in wall time and in this process's CPU time.
struct Mark {
    wall: Instant,
    cpu: Option<Duration>,
}

impl Mark {
    fn now() -> Mark {
        Mark {
            cpu: cpu_of("self"),
            wall: Instant::now(),
        }
    }
}

#[derive(Default)]
struct Phases {
    order: Vec<&'static str>,
    /// Wall time and CPU time (all threads of this process) per step.
    total: BTreeMap<&'static str, (Duration, Duration)>,
}

impl Phases {
    fn add(&mut self, what: &'static str, since: Mark) {
        let wall = since.wall.elapsed();
        let cpu = cpu_of("self")
            .zip(since.cpu)
            .map_or(Duration::ZERO, |(b, a)| b.saturating_sub(a));
        if !self.total.contains_key(what) {
            self.order.push(what);
        }
        let e = self.total.entry(what).or_default();
        e.0 += wall;
        e.1 += cpu;
    }

    fn print(&self, n: usize) {
        println!(
            "  {:<50} {:>14} {:>10} {:>14}",
            "step", "wall per fetch", "wall total", "our CPU/fetch"
        );
        for what in &self.order {
            let (wall, cpu) = self.total[what];
            println!(
                "  {:<50} {:>11.1} µs {:>10} {:>11.0} µs",
                what,
                wall.as_secs_f64() * 1e6 / n as f64,
                fmt_dur(wall),
                cpu.as_secs_f64() * 1e6 / n as f64,
            );
        }
        println!(
            "  (our CPU: process-wide ticks summed over the {n} fetches, so ±10 ms / {n} per step)"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Figures

fn median(runs: &[Duration]) -> Duration {
    let mut v = runs.to_vec();
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn fmt_dur(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1e-3 {
        format!("{:.1} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{s:.3} s")
    }
}

fn walls(runs: &[Sample]) -> Vec<Duration> {
    runs.iter().map(|s| s.wall).collect()
}

/// The median of the samples that have a value, as text (`-` when none has).
fn median_text(values: impl Iterator<Item = Option<Duration>>) -> String {
    let v: Vec<Duration> = values.flatten().collect();
    if v.is_empty() {
        "-".to_string()
    } else {
        fmt_dur(median(&v))
    }
}

#[derive(Default)]
struct Table {
    rows: Vec<(String, usize, Vec<Sample>, usize)>,
}

impl Table {
    fn row(&mut self, case: &str, parallelism: usize, runs: &[Sample], fetches: usize) {
        self.rows
            .push((case.to_string(), parallelism, runs.to_vec(), fetches));
    }

    fn median_of(&self, case: &str, parallelism: usize) -> Duration {
        self.rows
            .iter()
            .find(|r| r.0 == case && r.1 == parallelism)
            .map_or(Duration::ZERO, |r| median(&walls(&r.2)))
    }

    fn print(&self) {
        println!(
            "  {:<40} {:>7} {:>4} {:>10} {:>10} {:>12} {:>10} {:>10} {:>9}",
            "case",
            "threads",
            "runs",
            "min",
            "median",
            "median/fetch",
            "our CPU",
            "server CPU",
            "in flight"
        );
        for (case, par, runs, fetches) in &self.rows {
            let w = walls(runs);
            let min = w.iter().min().copied().unwrap_or_default();
            let med = median(&w);
            println!(
                "  {:<40} {:>7} {:>4} {:>10} {:>10} {:>12} {:>10} {:>10} {:>9}",
                case,
                par,
                runs.len(),
                fmt_dur(min),
                fmt_dur(med),
                fmt_dur(med / (*fetches).max(1) as u32),
                median_text(runs.iter().map(|s| s.cpu)),
                median_text(runs.iter().map(|s| s.server_cpu)),
                runs.iter().map(|s| s.max_in_flight).max().unwrap_or(0),
            );
        }
    }
}
