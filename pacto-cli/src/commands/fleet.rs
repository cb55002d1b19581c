//! `pacto fleet snapshot|status|search|get|graph|explain`: queries over a snapshot of many
//! contracts (`pacto_core::fleet`, the engine the MCP server and the dashboard share). Every
//! answer carries `asOf`, `completeness` and `limitations`; a partial answer says so on stderr.

use pacto_core::fleet::{
    self, time, BuildOptions, Direction, GraphQuery, GraphRoot, Meta, QueryError, SearchFilter,
    Snapshot, SourceSpec, StatusQuery,
};
use pacto_core::report::OutputFormat;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Where the snapshot comes from (Go's `pacto fleet` source flags).
#[derive(Debug, Clone, clap::Args)]
pub struct SourceArgs {
    /// A local bundle root to scan: a bundle, or a directory of `<service>/<version>/` bundles (repeatable).
    #[arg(long, value_name = "DIR", default_value = ".", global = true)]
    pub local: Vec<PathBuf>,
    /// A registry reference to include as a published revision (repeatable).
    #[arg(long, value_name = "REF", global = true)]
    pub oci: Vec<String>,
    /// An offline target-state file (`schemaVersion: pacto.dev/fleet-targets/v1`) supplying targets (repeatable).
    #[arg(long = "target-state", value_name = "FILE", global = true)]
    pub target_state: Vec<PathBuf>,
    /// An OTLP/JSON trace file: observed dependency edges (repeatable).
    #[arg(long, value_name = "FILE", global = true)]
    pub traces: Vec<PathBuf>,
    /// Include the live Pacto resources of the current Kubernetes cluster as targets (kubeconfig:
    /// KUBECONFIG or ~/.kube/config, its current context; else the in-cluster account). Read-only,
    /// at most 20s; an unreachable cluster or a refused list is a SOURCE_UNAVAILABLE limitation.
    #[arg(long, global = true)]
    pub k8s: bool,
    /// The namespace to read Pacto resources from with --k8s (empty: all namespaces).
    #[arg(long, value_name = "NS", global = true)]
    pub namespace: Option<String>,
    /// Include every bundle of the local OCI cache (not supported here: a limitation says so).
    #[arg(long, global = true)]
    pub cache: bool,
    /// A catalog root (not supported here: a limitation says so; repeatable).
    #[arg(long, value_name = "REF", global = true)]
    pub root: Vec<String>,
    /// An Evidence Server URL (not supported here: a limitation says so; repeatable).
    #[arg(long = "evidence-url", value_name = "URL", global = true)]
    pub evidence_url: Vec<String>,
    /// Mark target evidence older than this as stale (`24h`, `90m`; 0 disables).
    #[arg(long, value_name = "DURATION", global = true)]
    pub freshness: Option<String>,
    /// The snapshot's `asOf` (RFC 3339, e.g. 2026-01-01T00:00:00Z) instead of the clock: deterministic answers.
    #[arg(long = "as-of", value_name = "TIME", global = true)]
    pub as_of: Option<String>,
}

impl SourceArgs {
    /// The build options, or a usage error naming the flag.
    pub fn options(&self) -> anyhow::Result<BuildOptions> {
        if let Some(a) = &self.as_of {
            if time::parse_rfc3339(a).is_none() {
                anyhow::bail!("--as-of {a:?}: not an RFC 3339 time (e.g. 2026-01-01T00:00:00Z)");
            }
        }
        let freshness_secs = match &self.freshness {
            None => None,
            Some(f) => Some(time::parse_duration(f).ok_or_else(|| {
                anyhow::anyhow!("--freshness {f:?}: not a duration (e.g. 24h, 90m, 30s)")
            })?),
        };
        Ok(BuildOptions {
            as_of: self.as_of.clone(),
            freshness_secs,
            validate: true,
        })
    }

    /// The sources, in Go's order (local, target-state, traces, oci, k8s), plus an unavailable
    /// entry for each kind this build cannot read. `--k8s` reads the cluster here.
    pub fn specs(&self, with_traces: bool) -> Vec<SourceSpec> {
        let mut specs: Vec<SourceSpec> =
            self.local.iter().cloned().map(SourceSpec::Local).collect();
        specs.extend(
            self.target_state
                .iter()
                .cloned()
                .map(SourceSpec::TargetState),
        );
        if with_traces {
            specs.extend(self.traces.iter().cloned().map(SourceSpec::Traces));
        }
        specs.extend(self.oci.iter().cloned().map(SourceSpec::Oci));
        let unsupported = |id: &str, kind: &str, flag: &str| {
            SourceSpec::Unsupported {
            id: id.into(),
            kind: kind.into(),
            reason: format!(
                "{flag} is not supported by this build's CLI; its records are missing from the snapshot (pull the bundles and use --local, or supply targets with --target-state)"
            ),
        }
        };
        if self.cache {
            specs.push(unsupported("cache", "cache", "--cache"));
        }
        if self.k8s {
            specs.push(k8s_spec(self.namespace.as_deref().unwrap_or_default()));
        }
        for (i, _) in self.root.iter().enumerate() {
            specs.push(unsupported(&format!("root-{}", i + 1), "catalog", "--root"));
        }
        for (i, _) in self.evidence_url.iter().enumerate() {
            specs.push(unsupported(
                &format!("evidence-http-{}", i + 1),
                "evidence-http",
                "--evidence-url",
            ));
        }
        specs
    }

    /// Build the snapshot (registry references through the CLI's registry client).
    pub fn snapshot(&self, with_traces: bool) -> anyhow::Result<Snapshot> {
        let options = self.options()?;
        let specs = self.specs(with_traces);
        let registry = (!self.oci.is_empty()).then(crate::net::registry);
        let oci: Option<&dyn pacto_core::graph::Fetcher> = registry
            .as_ref()
            .map(|r| r.as_ref() as &dyn pacto_core::graph::Fetcher);
        Ok(fleet::build(&specs, oci, &options))
    }
}

/// The cluster's Pacto resources as a source (Go's K8sSource): its targets, or why it is
/// unavailable; the source id is the kubeconfig's current context (`k8s` without one).
fn k8s_spec(namespace: &str) -> SourceSpec {
    let read = pacto_dashboard::k8s_fleet::read_pactos(
        namespace,
        pacto_dashboard::k8s_fleet::DEFAULT_TIMEOUT,
    );
    let kind = fleet::k8s::KIND.to_string();
    let mapped = read
        .result
        .and_then(|list| fleet::k8s::targets_from_list(&list));
    match mapped {
        Ok(t) => SourceSpec::Targets {
            id: read.source_id,
            kind,
            targets: t.targets,
            invalid: t.invalid,
        },
        Err(reason) => SourceSpec::Unsupported {
            id: read.source_id,
            kind,
            reason,
        },
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    sources: SourceArgs,
    #[command(subcommand)]
    command: FleetCommand,
}

#[derive(Debug, clap::Subcommand)]
enum FleetCommand {
    /// Emit the whole fleet snapshot.
    Snapshot,
    /// Report services, revisions and targets needing attention.
    Status(StatusArgs),
    /// Search logical services (by name, owner, interface, text), bounded with --limit/--offset.
    Search(SearchArgs),
    /// Inspect a logical service, or an operational target with --target.
    Get(GetArgs),
    /// Traverse the dependencies or dependents from an explicit root: a service (aggregated
    /// across its revisions), --revision or --target (an exact revision, never 'latest').
    Graph(GraphArgs),
    /// Explain the reasons for a service's or target's state.
    Explain(ExplainArgs),
}

#[derive(Debug, clap::Args)]
struct StatusArgs {
    /// Every attention category (the default when none is chosen).
    #[arg(long)]
    needs_attention: bool,
    /// Non-compliant targets.
    #[arg(long)]
    non_compliant: bool,
    /// Targets with unknown compliance.
    #[arg(long)]
    unknown: bool,
    /// Invalid contracts.
    #[arg(long)]
    invalid: bool,
    /// Targets with stale evidence.
    #[arg(long)]
    stale: bool,
    /// Revisions without a readiness assessment.
    #[arg(long)]
    missing_readiness: bool,
    /// Unresolved declared dependencies.
    #[arg(long)]
    unresolved_deps: bool,
    /// Revisions below their readiness gate.
    #[arg(long)]
    not_ready: bool,
    /// Most items (0: 200).
    #[arg(long, default_value_t = 0)]
    limit: usize,
}

#[derive(Debug, clap::Args)]
struct SearchArgs {
    /// Text matched against the name and the owner (case-insensitive substring).
    text: Option<String>,
    /// Owner: team, DRI or a contact value (substring).
    #[arg(long)]
    owner: Option<String>,
    /// An interface name or type some revision declares.
    #[arg(long)]
    interface: Option<String>,
    /// Aggregate status (Compliant, NonCompliant, Unknown, Warning, Invalid, Reference, NotEvaluated).
    #[arg(long)]
    status: Option<String>,
    /// A target of the service has this compliance.
    #[arg(long)]
    compliance: Option<String>,
    /// Seen by this source id.
    #[arg(long)]
    source: Option<String>,
    /// Some revision declares this workload (service, job, scheduled).
    #[arg(long)]
    workload: Option<String>,
    /// A target label key=value (repeatable; all must hold for one target).
    #[arg(long, value_name = "KEY=VALUE")]
    label: Vec<String>,
    /// A target of the service has this scope.
    #[arg(long)]
    scope: Option<String>,
    /// Only services with a revision passing its readiness gate.
    #[arg(long)]
    ready: bool,
    /// Only services with a revision below its readiness gate.
    #[arg(long)]
    not_ready: bool,
    /// Only services declaring a capability.
    #[arg(long)]
    has_capability: bool,
    /// Only services declaring a dependency.
    #[arg(long)]
    has_dependency: bool,
    /// Most results (0: 100; at most 500).
    #[arg(long, default_value_t = 0)]
    limit: usize,
    /// Results to skip.
    #[arg(long, default_value_t = 0)]
    offset: usize,
}

#[derive(Debug, clap::Args)]
struct GetArgs {
    /// The service name.
    service: Option<String>,
    /// An operational target key or name instead.
    #[arg(long)]
    target: Option<String>,
}

#[derive(Debug, clap::Args)]
struct GraphArgs {
    /// The root service (its revisions' edges aggregated).
    service: Option<String>,
    /// Root an exact contract revision: its key (`service@sha256:…`, see `fleet get`) or
    /// `service@version` when one revision of the service has that version.
    #[arg(long, value_name = "REVISION")]
    revision: Option<String>,
    /// Root the revision a target runs: the target's key or unique name (its service,
    /// aggregated, when the snapshot links it to no revision).
    #[arg(long, value_name = "TARGET")]
    target: Option<String>,
    /// dependencies or dependents.
    #[arg(long, default_value = "dependencies")]
    direction: String,
    /// Traverse transitively (cycle-safe).
    #[arg(long)]
    transitive: bool,
    /// Deepest level with --transitive (0: unlimited).
    #[arg(long, default_value_t = 0)]
    max_depth: usize,
}

#[derive(Debug, clap::Args)]
struct ExplainArgs {
    /// A service name, or a target key or name.
    subject: String,
}

pub fn run(args: &Args, format: OutputFormat) -> anyhow::Result<ExitCode> {
    let snap = args.sources.snapshot(true)?;
    let not_found = |e: QueryError| -> anyhow::Result<ExitCode> {
        eprintln!("Error: {e}");
        Ok(ExitCode::from(1))
    };
    match &args.command {
        FleetCommand::Snapshot => emit(
            format,
            &snap,
            serde_json::to_string_pretty,
            None,
            snapshot_text,
            snapshot_md,
        ),
        FleetCommand::Status(a) => {
            let r = snap.status(&StatusQuery {
                needs_attention: a.needs_attention,
                non_compliant: a.non_compliant,
                unknown: a.unknown,
                invalid: a.invalid,
                stale: a.stale,
                missing_readiness: a.missing_readiness,
                unresolved_deps: a.unresolved_deps,
                not_ready: a.not_ready,
                limit: a.limit,
            });
            emit(
                format,
                &r,
                serde_json::to_string_pretty,
                Some(&r.meta),
                status_text,
                status_md,
            )
        }
        FleetCommand::Search(a) => {
            let mut labels = BTreeMap::new();
            for l in &a.label {
                let (k, v) = l
                    .split_once('=')
                    .ok_or_else(|| anyhow::anyhow!("--label {l:?}: expected KEY=VALUE"))?;
                labels.insert(k.to_string(), v.to_string());
            }
            let s = |o: &Option<String>| o.clone().unwrap_or_default();
            let filter = SearchFilter {
                text: s(&a.text),
                owner: s(&a.owner),
                interface: s(&a.interface),
                status: s(&a.status),
                compliance: s(&a.compliance),
                source: s(&a.source),
                workload: s(&a.workload),
                scope: s(&a.scope),
                labels,
                has_capability: a.has_capability,
                has_dependency: a.has_dependency,
                ready: a.ready,
                not_ready: a.not_ready,
                limit: a.limit,
                offset: a.offset,
            };
            match snap.search(&filter) {
                Ok(r) => emit(
                    format,
                    &r,
                    serde_json::to_string_pretty,
                    Some(&r.meta),
                    search_text,
                    search_md,
                ),
                Err(e) => Err(anyhow::anyhow!("{e}")),
            }
        }
        FleetCommand::Get(a) => {
            if let Some(t) = &a.target {
                return match snap.get_target(t) {
                    Ok(v) => emit(
                        format,
                        &v,
                        serde_json::to_string_pretty,
                        Some(&v.meta),
                        target_text,
                        target_md,
                    ),
                    Err(e) => not_found(e),
                };
            }
            let Some(name) = &a.service else {
                anyhow::bail!("provide a service name or --target");
            };
            match snap.get_service(name) {
                Ok(v) => emit(
                    format,
                    &v,
                    serde_json::to_string_pretty,
                    Some(&v.meta),
                    service_text,
                    service_md,
                ),
                Err(e) => not_found(e),
            }
        }
        FleetCommand::Graph(a) => {
            let direction = Direction::parse(&a.direction).map_err(|e| anyhow::anyhow!("{e}"))?;
            // Go's precedence: a target, then a revision, then the service.
            let from = match (&a.target, &a.revision, &a.service) {
                (Some(t), _, _) => GraphRoot::Target(t.clone()),
                (None, Some(r), _) => GraphRoot::Revision(r.clone()),
                (None, None, Some(s)) => GraphRoot::Service(s.clone()),
                (None, None, None) => {
                    anyhow::bail!("provide a root: a service name, --revision or --target")
                }
            };
            let q = GraphQuery {
                service: a.service.clone().unwrap_or_default(),
                direction,
                transitive: a.transitive,
                max_depth: a.max_depth,
            };
            match snap.graph_from(&from, &q) {
                Ok(r) => emit(
                    format,
                    &r,
                    serde_json::to_string_pretty,
                    Some(&r.meta),
                    graph_text,
                    graph_md,
                ),
                Err(e) => not_found(e),
            }
        }
        FleetCommand::Explain(a) => match snap.explain(&a.subject) {
            Ok(r) => emit(
                format,
                &r,
                serde_json::to_string_pretty,
                Some(&r.meta),
                explain_text,
                explain_md,
            ),
            Err(e) => not_found(e),
        },
    }
}

/// Print `value` as JSON, or as text/Markdown through the renderers; warn on stderr when the
/// answer is not complete (text and Markdown; JSON carries it in the envelope).
fn emit<T>(
    format: OutputFormat,
    value: &T,
    json: impl FnOnce(&T) -> serde_json::Result<String>,
    meta: Option<&Meta>,
    text: fn(&T) -> String,
    markdown: fn(&T) -> String,
) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        OutputFormat::Json | OutputFormat::Sarif => {
            writeln!(out, "{}", json(value)?)?;
        }
        OutputFormat::Markdown => write!(out, "{}", markdown(value))?,
        OutputFormat::Text => {
            write!(out, "{}", text(value))?;
            if let Some(m) = meta {
                warn_partial(m);
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Most limitations a text warning lists.
const MAX_WARNED: usize = 20;

/// Go's `warnPartial`: a partial answer is never silently presented as complete.
pub fn warn_partial(m: &Meta) {
    warn_partial_of(m.completeness, &m.as_of, &m.limitations);
}

pub fn warn_partial_of(c: fleet::Completeness, as_of: &str, limitations: &[fleet::Limitation]) {
    if c == fleet::Completeness::Complete {
        return;
    }
    eprintln!("warning: answer is {} (as of {as_of})", c.as_str());
    for l in limitations.iter().take(MAX_WARNED) {
        eprintln!("  - [{}] {}", l.code, l.message);
    }
    if limitations.len() > MAX_WARNED {
        eprintln!(
            "  … and {} more limitation(s) (--output-format json lists them all)",
            limitations.len() - MAX_WARNED
        );
    }
}

pub fn or_dash(s: &str) -> &str {
    if s.is_empty() {
        "-"
    } else {
        s
    }
}

fn snapshot_text(s: &Snapshot) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Fleet snapshot (as of {}, {}):",
        s.generated_at,
        s.completeness.as_str()
    );
    let _ = writeln!(
        o,
        "  services={} revisions={} targets={} relationships={}",
        s.services.len(),
        s.revisions.len(),
        s.targets.len(),
        s.relationships.len()
    );
    let _ = writeln!(o, "Sources ({}):", s.sources.len());
    for src in &s.sources {
        let _ = writeln!(
            o,
            "  {} ({}): {} revs={} targets={}",
            src.id, src.kind, src.status, src.revision_count, src.target_count
        );
    }
    for l in &s.limitations {
        let _ = writeln!(o, "  limitation [{}] {}", l.code, l.message);
    }
    o
}

fn snapshot_md(s: &Snapshot) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Fleet snapshot\n");
    let _ = writeln!(
        o,
        "As of {} · {} · {} services, {} revisions, {} targets, {} relationships\n",
        s.generated_at,
        s.completeness.as_str(),
        s.services.len(),
        s.revisions.len(),
        s.targets.len(),
        s.relationships.len()
    );
    let _ = writeln!(o, "| Service | Owner | Status | Revisions | Targets |");
    let _ = writeln!(o, "|---|---|---|---|---|");
    for svc in s.services.values() {
        let versions: Vec<&str> = svc
            .revisions
            .iter()
            .filter_map(|k| s.revisions.get(k))
            .map(|r| r.version.as_str())
            .collect();
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} |",
            md(&svc.name),
            md(or_dash(&svc.owner_display())),
            or_dash(&svc.status),
            md(&versions.join(", ")),
            svc.targets.len()
        );
    }
    limitations_md(&mut o, &s.limitations);
    o
}

fn status_text(r: &fleet::StatusResult) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{} attention item(s):", r.items.len());
    for it in &r.items {
        let _ = writeln!(o, "  [{}] {} {} — {}", it.code, it.kind, it.name, it.reason);
    }
    if r.total > r.items.len() {
        let _ = writeln!(o, "  … {} more (raise --limit)", r.total - r.items.len());
    }
    o
}

fn status_md(r: &fleet::StatusResult) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Fleet status\n");
    let _ = writeln!(o, "{} of {} attention item(s)\n", r.items.len(), r.total);
    let _ = writeln!(o, "| Code | Kind | Name | Reason |");
    let _ = writeln!(o, "|---|---|---|---|");
    for it in &r.items {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            it.code,
            it.kind,
            md(&it.name),
            md(&it.reason)
        );
    }
    footer_md(&mut o, &r.meta);
    o
}

fn search_text(r: &fleet::SearchResult) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{} of {} service(s):", r.count, r.total);
    for s in &r.services {
        let _ = writeln!(
            o,
            "  {:<28} {:<12} owner={:<14} revs={} targets={}",
            s.name,
            or_dash(&s.status),
            or_dash(&s.owner),
            s.revision_count,
            s.target_count
        );
    }
    o
}

fn search_md(r: &fleet::SearchResult) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Fleet search\n");
    let _ = writeln!(
        o,
        "{} of {} service(s) (offset {})\n",
        r.count, r.total, r.offset
    );
    let _ = writeln!(o, "| Service | Owner | Status | Revisions | Targets |");
    let _ = writeln!(o, "|---|---|---|---|---|");
    for s in &r.services {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} |",
            md(&s.name),
            md(or_dash(&s.owner)),
            or_dash(&s.status),
            s.revision_count,
            s.target_count
        );
    }
    footer_md(&mut o, &r.meta);
    o
}

fn service_text(v: &fleet::ServiceView) -> String {
    let mut o = String::new();
    let s = &v.service;
    let _ = writeln!(o, "Service: {}", s.name);
    let _ = writeln!(o, "Owner: {}", or_dash(&s.owner_display()));
    let _ = writeln!(o, "Status: {}", or_dash(&s.status));
    let _ = writeln!(o, "Sources: [{}]", s.sources.join(" "));
    if !v.revisions.is_empty() {
        let _ = writeln!(o, "Revisions ({}):", v.revisions.len());
        for r in &v.revisions {
            let _ = writeln!(
                o,
                "  {}  version={} valid={} digest={}",
                r.key,
                or_dash(&r.version),
                r.valid,
                or_dash(&r.digest)
            );
        }
    }
    if !v.targets.is_empty() {
        let _ = writeln!(o, "Targets ({}):", v.targets.len());
        for t in &v.targets {
            let _ = writeln!(
                o,
                "  {}  compliance={} stale={}",
                t.key, t.compliance, t.stale
            );
        }
    }
    if !v.dependencies.is_empty() {
        let _ = writeln!(o, "Dependencies ({}):", v.dependencies.len());
        for d in &v.dependencies {
            let _ = writeln!(
                o,
                "  {}  resolved={} ref={}",
                d.to,
                d.resolved,
                or_dash(&d.requested_ref)
            );
        }
    }
    if !v.dependents.is_empty() {
        let _ = writeln!(
            o,
            "Dependents ({}): [{}]",
            v.dependents.len(),
            v.dependents.join(" ")
        );
    }
    o
}

fn target_text(v: &fleet::TargetView) -> String {
    let mut o = String::new();
    let t = &v.target;
    let _ = writeln!(o, "Target: {}", t.key);
    let _ = writeln!(o, "Service: {}", t.service);
    let _ = writeln!(o, "Compliance: {}", t.compliance);
    let mut rev = or_dash(&t.contract_revision).to_string();
    if !t.contract_revision.is_empty() && !t.revision_match.is_empty() {
        rev = format!("{rev} ({})", t.revision_match);
    }
    let _ = writeln!(o, "Revision: {rev}");
    let _ = writeln!(o, "Stale: {}", t.stale);
    if let Some(c) = &t.coverage {
        let _ = writeln!(o, "Coverage: {}/{} evaluated", c.evaluated, c.required);
    }
    for f in &t.findings {
        let _ = writeln!(o, "  finding [{}] {}: {}", f.severity, f.code, f.message);
    }
    o
}

fn graph_text(r: &fleet::GraphResult) -> String {
    let mut o = String::new();
    let mut root = r.root.clone();
    if r.aggregated {
        root.push_str(" (aggregated across revisions)");
    } else if !r.revision.is_empty() {
        root = format!("{root} (revision {})", r.revision);
    }
    let _ = writeln!(
        o,
        "{} of {} ({} node(s)):",
        r.direction.as_str(),
        root,
        r.nodes.len()
    );
    for n in &r.nodes {
        let _ = writeln!(
            o,
            "  {:indent$}{} (depth {})",
            "",
            n.name,
            n.depth,
            indent = n.depth * 2
        );
    }
    for c in &r.cycles {
        let _ = writeln!(o, "  cycle: [{}]", c.join(" "));
    }
    for u in &r.unresolved {
        let _ = writeln!(
            o,
            "  unresolved: {} -> {} ({})",
            u.from_service,
            u.to,
            or_dash(&u.reason)
        );
    }
    o
}

fn graph_md(r: &fleet::GraphResult) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# {} of {}\n", r.direction.as_str(), md(&r.root));
    if !r.revision.is_empty() {
        let _ = writeln!(o, "Revision `{}`\n", r.revision);
    }
    let _ = writeln!(o, "| Service | Depth | Path |");
    let _ = writeln!(o, "|---|---|---|");
    for n in &r.nodes {
        let _ = writeln!(
            o,
            "| {} | {} | {} |",
            md(&n.name),
            n.depth,
            md(&n.path.join(" → "))
        );
    }
    footer_md(&mut o, &r.meta);
    o
}

fn explain_text(r: &fleet::ExplainResult) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{} {}: {}", r.kind, r.subject, or_dash(&r.status));
    if r.reasons.is_empty() {
        let _ = writeln!(o, "  no reasons recorded");
    }
    for x in &r.reasons {
        let _ = writeln!(o, "  [{}] {}", x.code, x.message);
    }
    o
}

/// A table cell: pipes escaped, newlines flattened.
pub fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn limitations_md(o: &mut String, ls: &[fleet::Limitation]) {
    if ls.is_empty() {
        return;
    }
    let _ = writeln!(o, "\n**Limitations**\n");
    for l in ls {
        let _ = writeln!(o, "- `{}` {}", l.code, md(&l.message));
    }
}

fn footer_md(o: &mut String, m: &Meta) {
    let _ = writeln!(
        o,
        "\n_As of {} · {} · snapshot `{}`_",
        m.as_of,
        m.completeness.as_str(),
        m.snapshot_id
    );
    limitations_md(o, &m.limitations);
}

fn service_md(v: &fleet::ServiceView) -> String {
    let mut o = String::new();
    let s = &v.service;
    let _ = writeln!(o, "# {}\n", md(&s.name));
    let _ = writeln!(
        o,
        "Owner: {} · Status: {} · Sources: {}\n",
        md(or_dash(&s.owner_display())),
        or_dash(&s.status),
        md(&s.sources.join(", "))
    );
    let _ = writeln!(o, "| Revision | Version | Valid |\n|---|---|---|");
    for r in &v.revisions {
        let _ = writeln!(o, "| `{}` | {} | {} |", r.key, or_dash(&r.version), r.valid);
    }
    if !v.dependencies.is_empty() {
        let _ = writeln!(
            o,
            "\n## Dependencies\n\n| To | Resolved | Compatibility |\n|---|---|---|"
        );
        for d in &v.dependencies {
            let _ = writeln!(
                o,
                "| {} | {} | {} |",
                md(&d.to),
                d.resolved,
                md(or_dash(&d.compatibility))
            );
        }
    }
    if !v.dependents.is_empty() {
        let _ = writeln!(o, "\n**Dependents:** {}", md(&v.dependents.join(", ")));
    }
    footer_md(&mut o, &v.meta);
    o
}

fn target_md(v: &fleet::TargetView) -> String {
    let mut o = String::new();
    let t = &v.target;
    let _ = writeln!(o, "# Target {}\n", md(&t.key));
    let _ = writeln!(
        o,
        "Service: {} · Compliance: {} · Stale: {}\n",
        md(&t.service),
        t.compliance,
        t.stale
    );
    for f in &t.findings {
        let _ = writeln!(
            o,
            "- `{}` ({}) {}",
            f.code,
            or_dash(&f.severity),
            md(&f.message)
        );
    }
    footer_md(&mut o, &v.meta);
    o
}

fn explain_md(r: &fleet::ExplainResult) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# {} {}: {}\n",
        r.kind,
        md(&r.subject),
        or_dash(&r.status)
    );
    if r.reasons.is_empty() {
        let _ = writeln!(o, "No reasons recorded.");
    }
    for x in &r.reasons {
        let _ = writeln!(o, "- `{}` {}", x.code, md(&x.message));
    }
    footer_md(&mut o, &r.meta);
    o
}
