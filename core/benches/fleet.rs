//! The fleet and impact engine at scale: a generated fleet of 10,000 Pacto 2.0 services with
//! dependencies, as one snapshot (`fleet::build` / `fleet::Builder`), then impact and search on
//! it.
//!
//! Run with `cargo bench -p pacto-core --bench fleet`. Goals, from issue 20: impact < 1 s,
//! search < 100 ms. The figures are printed against them, never asserted (the machine is
//! shared). What is asserted is that every run saw the whole fleet: every service, every edge
//! resolved, the expected consumers, so the benchmark cannot silently measure failures.
//! Without `--bench` (as under `cargo test --benches`) it runs a smoke version of 500 services.
//!
//! The fleet: service `i` (`svc-NNNNN`, owner `team-<i mod 50>`) depends on `i - 1` and on up to
//! three pseudo-random lower-numbered services, through untagged `oci://` refs with
//! `compatibility: ^1.0.0`; every 10th service has a second revision (1.1.0). Interfaces are
//! `openapi` or (every 7th) `grpc`. Cases:
//! * snapshot, in memory: `Builder::add_bundles` over prepared bundles (no disk);
//! * snapshot, from disk: `fleet::build(--local DIR)` over the same fleet written as
//!   `<service>/<version>/pacto.yaml` (what `pacto impact --local` does), and again with
//!   every revision validated (what `pacto fleet` does);
//! * impact: `impact::analyze` of `svc-00000` 1.0.0 -> 2.0.0 (BREAKING: every other service is a
//!   direct or transitive consumer, the largest blast radius) and of a mid-fleet service;
//! * search: text, owner, interface, a page deep in the list, and the unfiltered first page.

use pacto_core::bundle::{Bundle, MemBundle};
use pacto_core::fleet::{self, BuildOptions, Builder, SearchFilter, SourceSpec};
use pacto_core::graph::{parse_fetched, Fetched};
use pacto_core::impact;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

const OPENAPI: &str = "openapi: 3.0.3\ninfo: {title: api, version: 1.0.0}\npaths:\n  /items:\n    get:\n      responses:\n        '200': {description: ok}\n  /items/{id}:\n    delete:\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n      responses:\n        '204': {description: gone}\n";

fn name(i: usize) -> String {
    format!("svc-{i:05}")
}

/// Deterministic pseudo-random numbers (xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn deps_of(i: usize, rng: &mut Rng) -> Vec<usize> {
    let mut d = Vec::new();
    if i > 0 {
        d.push(i - 1);
        for _ in 0..(rng.next() % 4) {
            let j = (rng.next() % i as u64) as usize;
            if !d.contains(&j) {
                d.push(j);
            }
        }
    }
    d
}

fn contract(i: usize, version: &str, deps: &[usize], stateful: bool) -> String {
    let mut s = String::new();
    let kind = if i.is_multiple_of(7) {
        "grpc"
    } else {
        "openapi"
    };
    let file = if kind == "grpc" {
        "interfaces/api.proto"
    } else {
        "interfaces/openapi.yaml"
    };
    let _ = write!(
        s,
        "pactoVersion: \"2.0\"\nservice:\n  name: {}\n  version: {version}\n  owner:\n    team: team-{}\n    dri: person-{}\ninterfaces:\n  - name: api\n    type: {kind}\n    ref: {file}\n",
        name(i),
        i % 50,
        i % 300
    );
    if !deps.is_empty() {
        s.push_str("dependencies:\n");
        for d in deps {
            let _ = write!(
                s,
                "  - name: {n}\n    ref: oci://registry.example/fleet/{n}\n    required: true\n    compatibility: \"^1.0.0\"\n",
                n = name(*d)
            );
        }
    }
    let _ = write!(
        s,
        "workload: service\nstate:\n  type: {}\n  persistence:\n    scope: local\n    durability: ephemeral\n  dataCriticality: low\n",
        if stateful { "stateful" } else { "stateless" }
    );
    s
}

fn bundle(i: usize, text: &str) -> MemBundle {
    MemBundle::new(name(i))
        .with("pacto.yaml", text.as_bytes().to_vec())
        .with("interfaces/openapi.yaml", OPENAPI.as_bytes().to_vec())
        .with(
            "interfaces/api.proto",
            b"syntax = \"proto3\";\npackage x;\nservice S { rpc Get(R) returns (R); }\nmessage R { string id = 1; }\n".to_vec(),
        )
}

struct Fleet {
    /// (service index, version, contract text)
    revisions: Vec<(usize, String, String)>,
}

fn generate(n: usize) -> Fleet {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut revisions = Vec::new();
    for i in 0..n {
        let deps = deps_of(i, &mut rng);
        revisions.push((i, "1.0.0".to_string(), contract(i, "1.0.0", &deps, false)));
        if i.is_multiple_of(10) {
            revisions.push((i, "1.1.0".to_string(), contract(i, "1.1.0", &deps, false)));
        }
    }
    Fleet { revisions }
}

fn time<T>(reps: usize, mut f: impl FnMut() -> T) -> (Duration, Duration, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..reps {
        let t = Instant::now();
        last = Some(f());
        times.push(t.elapsed());
    }
    times.sort();
    (times[0], times[times.len() / 2], last.expect("reps > 0"))
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn verdict(d: Duration, goal: Duration) -> &'static str {
    if d <= goal {
        "meets"
    } else {
        "MISSES"
    }
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let (n, reps) = if bench { (10_000, 5) } else { (500, 1) };
    println!(
        "pacto-core fleet/impact benchmark ({} mode: {n} services, {reps} repetitions; min / median)",
        if bench { "bench" } else { "smoke" }
    );
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "machine: {} logical CPUs; load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let fleet = generate(n);
    let options = BuildOptions {
        as_of: Some("2026-12-01T00:00:00Z".into()),
        freshness_secs: None,
        validate: false,
    };

    // Snapshot in memory.
    let prepared: Vec<(Arc<dyn Bundle>, String)> = fleet
        .revisions
        .iter()
        .map(|(i, _, text)| (Arc::new(bundle(*i, text)) as Arc<dyn Bundle>, text.clone()))
        .collect();
    let mut finish = Vec::new();
    let (min, med, snap) = time(reps, || {
        let mut b = Builder::new(options.clone());
        b.add_bundles("memory", prepared.clone());
        let t = Instant::now();
        let snap = b.finish();
        finish.push(t.elapsed());
        snap
    });
    finish.sort();
    assert_eq!(snap.services.len(), n);
    assert_eq!(snap.revisions.len(), fleet.revisions.len());
    assert!(
        snap.relationships.iter().all(|r| r.resolved),
        "every edge resolves"
    );
    println!(
        "snapshot (in memory, {} revisions, {} edges): {} / {} (of which sealing — relationships, indexes, snapshot id: {})",
        snap.revisions.len(),
        snap.relationships.len(),
        ms(min),
        ms(med),
        ms(finish[finish.len() / 2])
    );

    // Snapshot from disk, as `--local`.
    let dir = tempfile::tempdir().expect("temporary directory");
    for (i, version, text) in &fleet.revisions {
        let d = dir.path().join(name(*i)).join(version);
        std::fs::create_dir_all(d.join("interfaces")).expect("mkdir");
        std::fs::write(d.join("pacto.yaml"), text).expect("write");
        std::fs::write(d.join("interfaces/openapi.yaml"), OPENAPI).expect("write");
    }
    let specs = [SourceSpec::Local(dir.path().to_path_buf())];
    let (min, med, disk) = time(reps.min(3), || fleet::build(&specs, None, &options));
    assert_eq!(disk.services.len(), n);
    println!("snapshot (from disk, --local): {} / {}", ms(min), ms(med));
    // What `pacto fleet` pays: every revision also validated.
    let validated = BuildOptions {
        validate: true,
        ..options.clone()
    };
    let (min, _, checked) = time(1, || fleet::build(&specs, None, &validated));
    assert_eq!(checked.services.len(), n);
    println!(
        "snapshot (from disk, --local, every revision validated as `pacto fleet` does): {}",
        ms(min)
    );

    // Impact.
    let side = |i: usize, version: &str, stateful: bool| {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut deps = Vec::new();
        for k in 0..=i {
            deps = deps_of(k, &mut rng);
        }
        let text = contract(i, version, &deps, stateful);
        parse_fetched(Fetched {
            bundle: Arc::new(bundle(i, &text)),
            contract_text: text,
            resolved_ref: name(i),
        })
        .expect("generated contract parses")
    };
    let goal_impact = Duration::from_secs(1);
    for i in [0, n / 2] {
        let (old, new) = (side(i, "1.0.0", false), side(i, "2.0.0", true));
        let (min, med, r) = time(reps, || {
            impact::analyze(&old.side(), &new.side(), &snap, &impact::Options::default())
                .expect("diff")
        });
        assert_eq!(r.classification.as_str(), "BREAKING");
        assert!(!r.consumers.is_empty());
        if i == 0 {
            assert_eq!(
                r.consumers.len(),
                n - 1,
                "every service depends on svc-00000"
            );
        }
        let direct = r.consumers.iter().filter(|c| c.direct).count();
        let incompatible = r
            .consumers
            .iter()
            .filter(|c| c.compatibility_verdict == "incompatible")
            .count();
        println!(
            "impact {} 1.0.0 -> 2.0.0 ({} consumers, {direct} direct, {incompatible} incompatible, max depth {}): {} / {} — goal < 1 s: {}",
            name(i),
            r.consumers.len(),
            r.consumers.iter().map(|c| c.depth).max().unwrap_or(0),
            ms(min),
            ms(med),
            verdict(med, goal_impact)
        );
    }

    // Search.
    let goal_search = Duration::from_millis(100);
    let needle = name(n - 1)[..8].to_string();
    let cases: [(String, SearchFilter); 5] = [
        (
            format!("text {needle:?}"),
            SearchFilter {
                text: needle.clone(),
                ..SearchFilter::default()
            },
        ),
        (
            "owner team-7".to_string(),
            SearchFilter {
                owner: "team-7".into(),
                ..SearchFilter::default()
            },
        ),
        (
            "interface grpc".to_string(),
            SearchFilter {
                interface: "grpc".into(),
                ..SearchFilter::default()
            },
        ),
        (
            "page at offset n/2".to_string(),
            SearchFilter {
                offset: n / 2,
                limit: 100,
                ..SearchFilter::default()
            },
        ),
        ("unfiltered first page".to_string(), SearchFilter::default()),
    ];
    for (label, f) in cases {
        let (min, med, r) = time(reps * 20, || snap.search(&f).expect("valid filter"));
        assert!(r.total > 0, "{label} matched nothing");
        println!(
            "search {label} ({} matches, {} returned): {} / {} — goal < 100 ms: {}",
            r.total,
            r.count,
            ms(min),
            ms(med),
            verdict(med, goal_search)
        );
    }
}
