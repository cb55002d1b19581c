//! Fleet mode, `pacto mcp --fleet` (Go Pacto 3.2+'s fleet tools): the authoring tools plus the
//! read-only fleet queries over one snapshot built at startup (`pacto_core::fleet`, the engine
//! `pacto fleet` and the dashboard use) and `pacto_impact` (`pacto_core::impact`, as
//! `pacto impact`).
//!
//! * `pacto_fleet_search`, `pacto_fleet_get`, `pacto_fleet_graph`, `pacto_fleet_status`,
//!   `pacto_fleet_explain`: the JSON `pacto fleet search|get|graph|status|explain
//!   --output-format json` prints for the same snapshot (`meta` with `asOf`, `completeness`,
//!   `limitations`).
//! * `pacto_impact` (`old_ref`, `new_ref`, `include_observed`, `traces`): the JSON
//!   `pacto impact OLD NEW --output-format json` prints with the same fleet sources.
//!
//! Every call is checked against the tool's input schema first; nothing here writes.

use crate::tools::{check_arguments, check_size, compile_input, Ctx, Output, ToolError};
use pacto_core::diff::Which;
use pacto_core::fleet::{self, Direction, GraphQuery, SearchFilter, Snapshot, StatusQuery};
use pacto_core::graph;
use pacto_core::impact;
use rmcp::model::{Tool, ToolAnnotations};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub const SEARCH_TOOL: &str = "pacto_fleet_search";
pub const GET_TOOL: &str = "pacto_fleet_get";
pub const GRAPH_TOOL: &str = "pacto_fleet_graph";
pub const STATUS_TOOL: &str = "pacto_fleet_status";
pub const EXPLAIN_TOOL: &str = "pacto_fleet_explain";
pub const IMPACT_TOOL: &str = "pacto_impact";

/// Go Pacto's fleet instructions, appended to the authoring ones.
pub const INSTRUCTIONS: &str = "Pacto also exposes READ-ONLY fleet tools over the operational \
graph: pacto_fleet_search, pacto_fleet_get, pacto_fleet_graph, pacto_fleet_status and \
pacto_fleet_explain, plus pacto_impact, which projects a contract diff (old to new revision) onto \
the graph to report the blast radius of a change: breaking changes, affected consumers with \
confidence and compatibility, active targets and owners to review. Authoring tools \
(pacto_create/edit/check/schema) create and check contracts; fleet tools only OBSERVE: they never \
modify contracts, deploy or invoke services. Every fleet answer includes asOf and completeness \
(in meta for the fleet queries). Treat a partial or stale answer as incomplete knowledge: a \
missing result does not prove absence when source coverage is incomplete.";

/// Builds the snapshot `pacto_impact` reads, on its first call.
pub type ImpactSnapshot = Box<dyn Fn() -> Snapshot + Send + Sync>;

/// The snapshot the queries read (frozen at startup) and the one `pacto_impact` reads (built
/// as `pacto impact` builds it: local bundles and target states, no traces; on the first
/// `pacto_impact` call, so a server that is only queried does not build it).
pub struct Fleet {
    snapshot: Snapshot,
    build_impact: ImpactSnapshot,
    impact_snapshot: std::sync::OnceLock<Snapshot>,
    validators: HashMap<&'static str, jsonschema::Validator>,
}

impl Fleet {
    pub fn new(snapshot: Snapshot, build_impact: ImpactSnapshot) -> Fleet {
        let validators = schemas()
            .into_iter()
            .filter_map(|(name, _, schema)| compile_input(&schema).map(|v| (name, v)))
            .collect();
        Fleet {
            snapshot,
            build_impact,
            impact_snapshot: std::sync::OnceLock::new(),
            validators,
        }
    }

    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// Whether `name` is one of the fleet tools.
    pub fn handles(name: &str) -> bool {
        matches!(
            name,
            SEARCH_TOOL | GET_TOOL | GRAPH_TOOL | STATUS_TOOL | EXPLAIN_TOOL | IMPACT_TOOL
        )
    }

    /// Run fleet tool `name` (schema-checked first).
    pub fn call(
        &self,
        ctx: &Ctx,
        name: &str,
        args: &Map<String, Value>,
    ) -> Result<Output, ToolError> {
        check_size(args)?;
        let Some(v) = self.validators.get(name) else {
            return Err(ToolError::msg(format!("unknown fleet tool {name:?}")));
        };
        check_arguments(name, v, args)?;
        let s = |k: &str| {
            args.get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let b = |k: &str| args.get(k).and_then(Value::as_bool).unwrap_or(false);
        let n = |k: &str| {
            args.get(k)
                .and_then(Value::as_u64)
                .and_then(|x| usize::try_from(x).ok())
                .unwrap_or(0)
        };
        let snap = &self.snapshot;
        let fail = |e: fleet::QueryError| ToolError::msg(e.to_string());
        match name {
            SEARCH_TOOL => {
                let mut labels = BTreeMap::new();
                if let Some(Value::Object(m)) = args.get("labels") {
                    for (k, v) in m {
                        labels.insert(k.clone(), v.as_str().unwrap_or("").to_string());
                    }
                }
                let filter = SearchFilter {
                    text: s("text"),
                    owner: s("owner"),
                    interface: s("interface"),
                    status: s("status"),
                    compliance: s("compliance"),
                    source: s("source"),
                    workload: s("workload"),
                    scope: s("scope"),
                    labels,
                    has_capability: b("has_capability"),
                    has_dependency: b("has_dependency"),
                    ready: b("ready"),
                    not_ready: b("not_ready"),
                    limit: n("limit"),
                    offset: n("offset"),
                };
                to_output(&snap.search(&filter).map_err(fail)?)
            }
            GET_TOOL => {
                let (service, target) = (s("service"), s("target"));
                if !target.is_empty() {
                    to_output(&snap.get_target(&target).map_err(fail)?)
                } else if !service.is_empty() {
                    to_output(&snap.get_service(&service).map_err(fail)?)
                } else {
                    Err(ToolError::InvalidParams {
                        message: "provide either 'service' or 'target'".into(),
                        fields: vec!["service".into(), "target".into()],
                    })
                }
            }
            GRAPH_TOOL => {
                let direction = Direction::parse(&s("direction")).map_err(fail)?;
                to_output(
                    &snap
                        .graph(&GraphQuery {
                            service: s("service"),
                            direction,
                            transitive: b("transitive"),
                            max_depth: n("max_depth"),
                        })
                        .map_err(fail)?,
                )
            }
            STATUS_TOOL => to_output(&snap.status(&StatusQuery {
                needs_attention: b("needs_attention"),
                non_compliant: b("non_compliant"),
                unknown: b("unknown"),
                invalid: b("invalid"),
                stale: b("stale"),
                missing_readiness: b("missing_readiness"),
                unresolved_deps: b("unresolved_deps"),
                not_ready: b("not_ready"),
                limit: n("limit"),
            })),
            EXPLAIN_TOOL => to_output(&snap.explain(&s("subject")).map_err(fail)?),
            IMPACT_TOOL => self.impact(
                ctx,
                &s("old_ref"),
                &s("new_ref"),
                b("include_observed"),
                &s("traces"),
            ),
            _ => Err(ToolError::msg(format!("unknown fleet tool {name:?}"))),
        }
    }

    /// `pacto impact OLD NEW [--include-observed] [--traces FILE]` over the impact snapshot.
    /// Local revisions and the trace file must lie inside the workspace roots.
    fn impact(
        &self,
        ctx: &Ctx,
        old_ref: &str,
        new_ref: &str,
        include_observed: bool,
        traces: &str,
    ) -> Result<Output, ToolError> {
        let base = ctx.roots.base().to_path_buf();
        let local = |r: &str| -> Result<(), ToolError> {
            if r.starts_with("oci://") || r.starts_with("git:") {
                return Ok(());
            }
            ctx.roots.check(r)?;
            Ok(())
        };
        local(old_ref)?;
        local(new_ref)?;
        let fetcher = ctx
            .registry
            .as_ref()
            .map(|r| r.as_ref() as &dyn graph::Fetcher);
        let open = |arg: &str, which| {
            graph::open_side(arg, &base, fetcher, which).map_err(|e| ToolError::msg(e.to_string()))
        };
        let old = open(old_ref, Which::Old)?;
        let new = open(new_ref, Which::New)?;
        let observed = if traces.is_empty() {
            None
        } else {
            let path = ctx.roots.check(traces)?;
            Some(
                fleet::traces::read_file(&path)
                    .map_err(|e| ToolError::msg(format!("parse traces: {e}")))?,
            )
        };
        let options = impact::Options {
            include_observed: include_observed || observed.is_some(),
            observed,
        };
        let snap = self.impact_snapshot.get_or_init(|| (self.build_impact)());
        let result = impact::analyze(&old.side(), &new.side(), snap, &options)
            .map_err(|e| ToolError::msg(e.to_string()))?;
        to_output(&result)
    }
}

/// The value as structured content; its text block is the same JSON, pretty-printed as the CLI
/// prints it.
fn to_output<T: serde::Serialize>(value: &T) -> Result<Output, ToolError> {
    let v = serde_json::to_value(value)
        .map_err(|e| ToolError::msg(format!("cannot serialize the answer: {e}")))?;
    Ok(Output::json(v))
}

/// (name, description, input schema) of every fleet tool.
fn schemas() -> Vec<(&'static str, &'static str, Value)> {
    let statuses: Vec<&str> = fleet::STATUSES.to_vec();
    let str_ = |d: &str| json!({"type": "string", "description": d});
    let bool_ = |d: &str| json!({"type": "boolean", "description": d});
    let int_ = |d: &str, max: Option<u64>| {
        let mut v = json!({"type": "integer", "minimum": 0, "description": d});
        if let Some(m) = max {
            v["maximum"] = json!(m);
        }
        v
    };
    vec![
        (
            SEARCH_TOOL,
            "Search logical services in the operational graph. Read-only. Returns a bounded, deterministically ordered list (total, count, offset, limit) with meta.asOf and meta.completeness.",
            json!({"type": "object", "additionalProperties": false, "properties": {
                "text": str_("Case-insensitive substring of the service name or owner"),
                "owner": str_("Owner team, DRI or contact (substring)"),
                "interface": str_("An interface name or type some revision declares"),
                "status": {"type": "string", "enum": statuses, "description": "Aggregate status"},
                "compliance": {"type": "string", "enum": statuses, "description": "A target of the service has this compliance"},
                "source": str_("Seen by this source id"),
                "workload": {"type": "string", "enum": ["service", "job", "scheduled"], "description": "Some revision declares this workload"},
                "scope": str_("A target of the service has this scope"),
                "labels": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Target labels key: value, all holding for one target"},
                "has_capability": bool_("Only services declaring a capability"),
                "has_dependency": bool_("Only services declaring a dependency"),
                "ready": bool_("Only services with a revision passing its readiness gate"),
                "not_ready": bool_("Only services with a revision below its readiness gate"),
                "limit": int_("Most results (0: 100)", Some(fleet::query::MAX_SEARCH_LIMIT as u64)),
                "offset": int_("Results to skip", None),
            }}),
        ),
        (
            GET_TOOL,
            "Inspect a logical service (revisions, targets, dependencies, dependents) or an operational target (compliance, findings, coverage, freshness). Give service or target. Read-only.",
            json!({"type": "object", "additionalProperties": false, "properties": {
                "service": {"type": "string", "minLength": 1, "description": "Logical service name"},
                "target": {"type": "string", "minLength": 1, "description": "Operational target key or name (instead of service)"},
            }}),
        ),
        (
            GRAPH_TOOL,
            "Traverse fleet dependencies or dependents from a service, aggregated across its revisions. Cycle-safe. Reports reached nodes with depth and path, cycles and unresolved dependencies. Read-only.",
            json!({"type": "object", "additionalProperties": false, "properties": {
                "service": {"type": "string", "minLength": 1, "description": "Root logical service name"},
                "direction": {"type": "string", "enum": ["dependencies", "dependents"], "description": "Traversal direction (default dependencies)"},
                "transitive": bool_("Traverse transitively"),
                "max_depth": int_("Deepest level with transitive (0: unlimited)", None),
            }, "required": ["service"]}),
        ),
        (
            STATUS_TOOL,
            "Report services, revisions and targets needing attention: non-compliant, unknown, invalid, stale evidence, missing readiness, unresolved dependencies, below the readiness gate (every category when none is chosen). Read-only.",
            json!({"type": "object", "additionalProperties": false, "properties": {
                "needs_attention": bool_("Every attention category"),
                "non_compliant": bool_("Non-compliant targets"),
                "unknown": bool_("Targets with unknown compliance"),
                "invalid": bool_("Invalid contracts"),
                "stale": bool_("Targets with stale evidence"),
                "missing_readiness": bool_("Revisions without a readiness assessment"),
                "unresolved_deps": bool_("Unresolved declared dependencies"),
                "not_ready": bool_("Revisions below their readiness gate"),
                "limit": int_("Most items (0: 200)", None),
            }}),
        ),
        (
            EXPLAIN_TOOL,
            "Explain the deterministic reasons for a service's or target's state (findings, missing evidence, staleness, unresolved dependencies). Structured reasons, not prose. Read-only.",
            json!({"type": "object", "additionalProperties": false, "properties": {
                "subject": {"type": "string", "minLength": 1, "description": "A service name, or a target key or name"},
            }, "required": ["subject"]}),
        ),
        (
            IMPACT_TOOL,
            "Analyze the blast radius of a change from an old to a new contract revision, projected onto the fleet: classification, breaking and potentially breaking changes, affected consumers (depth, path, compatibility verdict, confidence), active targets and owners to review, with asOf, completeness and limitations. Read-only: it lists review targets, never acts.",
            json!({"type": "object", "additionalProperties": false, "properties": {
                "old_ref": {"type": "string", "minLength": 1, "description": "Old revision: a bundle directory inside the workspace roots, git:REV[:DIR] or oci://REF"},
                "new_ref": {"type": "string", "minLength": 1, "description": "New revision: a bundle directory inside the workspace roots, git:REV[:DIR] or oci://REF"},
                "include_observed": bool_("Let observed (runtime) relationships raise consumer confidence"),
                "traces": {"type": "string", "minLength": 1, "description": "An OTLP/JSON trace file inside the workspace roots; its observed edges corroborate and surface consumers (implies include_observed)"},
            }, "required": ["old_ref", "new_ref"]}),
        ),
    ]
}

/// The fleet tools, read-only, as `tools/list` shows them.
pub fn tools() -> Vec<Tool> {
    schemas()
        .into_iter()
        .filter_map(|(name, description, schema)| {
            let Value::Object(input) = schema else {
                return None;
            };
            let network = name == IMPACT_TOOL;
            Some(
                Tool::new(name, description, Arc::new(input)).with_annotations(
                    ToolAnnotations::new()
                        .read_only(true)
                        .destructive(false)
                        .open_world(network),
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::roots::Roots;
    use crate::{Mode, PactoServer};
    use pacto_core::fleet::{BuildOptions, SourceSpec};
    use std::path::{Path, PathBuf};

    fn fixtures() -> PathBuf {
        std::fs::canonicalize(Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")).unwrap()
    }

    fn options() -> BuildOptions {
        BuildOptions {
            as_of: Some("2026-01-01T00:00:00Z".into()),
            freshness_secs: None,
            validate: true,
        }
    }

    /// demo-v2 with its targets and traces, as `pacto mcp --fleet` builds it.
    fn server() -> (PactoServer, Snapshot) {
        let fx = fixtures();
        let specs = vec![
            SourceSpec::Local(fx.join("demo-v2")),
            SourceSpec::TargetState(fx.join("fleet/targets.yaml")),
            SourceSpec::Traces(fx.join("fleet/traces.json")),
        ];
        let snap = fleet::build(&specs, None, &options());
        let again = fleet::build(&specs, None, &options());
        let impact_specs = specs[..2].to_vec();
        let impact_snap: ImpactSnapshot = Box::new(move || {
            fleet::build(
                &impact_specs,
                None,
                &BuildOptions {
                    validate: false,
                    ..options()
                },
            )
        });
        let ctx = Ctx {
            roots: Roots::new(&[fx]).unwrap(),
            registry: None,
        };
        let server = PactoServer::new(ctx, "test")
            .with_mode(Mode::Fleet(Box::new(Fleet::new(again, impact_snap))));
        (server, snap)
    }

    fn args(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => panic!("args"),
        }
    }

    async fn call(s: &PactoServer, name: &str, a: Value) -> Value {
        let r = s.run_tool(name.to_string(), args(a)).await.unwrap();
        assert_ne!(r.is_error, Some(true), "{name}: {r:?}");
        r.structured_content.unwrap()
    }

    /// Each query tool answers what the engine answers for the same snapshot (what the CLI
    /// serializes), with the envelope.
    #[tokio::test]
    async fn the_query_tools_answer_the_engine() {
        let (s, snap) = server();
        let search = call(
            &s,
            SEARCH_TOOL,
            json!({"text": "or", "limit": 2, "offset": 1}),
        )
        .await;
        let want = snap
            .search(&SearchFilter {
                text: "or".into(),
                limit: 2,
                offset: 1,
                ..SearchFilter::default()
            })
            .unwrap();
        assert_eq!(search, serde_json::to_value(&want).unwrap());
        assert_eq!(search["meta"]["asOf"], "2026-01-01T00:00:00Z");
        assert_eq!(search["meta"]["completeness"], "complete");
        assert_eq!(search["limit"], 2);

        let graph = call(
            &s,
            GRAPH_TOOL,
            json!({"service": "inventory", "direction": "dependents", "transitive": true}),
        )
        .await;
        let want = snap
            .graph(&GraphQuery {
                service: "inventory".into(),
                direction: Direction::Dependents,
                transitive: true,
                max_depth: 0,
            })
            .unwrap();
        assert_eq!(graph, serde_json::to_value(&want).unwrap());
        assert!(!graph["nodes"].as_array().unwrap().is_empty(), "{graph}");

        let status = call(&s, STATUS_TOOL, json!({"not_ready": true})).await;
        let want = snap.status(&StatusQuery {
            not_ready: true,
            ..StatusQuery::default()
        });
        assert_eq!(status, serde_json::to_value(&want).unwrap());

        let get = call(&s, GET_TOOL, json!({"service": "orders"})).await;
        assert_eq!(
            get,
            serde_json::to_value(snap.get_service("orders").unwrap()).unwrap()
        );
        let explain = call(&s, EXPLAIN_TOOL, json!({"subject": "dispatch"})).await;
        assert_eq!(
            explain,
            serde_json::to_value(snap.explain("dispatch").unwrap()).unwrap()
        );
    }

    /// Arguments off the schema are invalid params (-32602) naming the field; `get` needs one
    /// of service/target; a subject absent from the snapshot is a tool error.
    #[tokio::test]
    async fn arguments_are_checked_against_the_schemas() {
        let (s, _) = server();
        for (tool, a, field) in [
            (SEARCH_TOOL, json!({"status": "Broken"}), "status"),
            (SEARCH_TOOL, json!({"limit": -1}), "limit"),
            (SEARCH_TOOL, json!({"colour": "red"}), "colour"),
            (GET_TOOL, json!({}), "service"),
            (
                GRAPH_TOOL,
                json!({"service": "orders", "direction": "sideways"}),
                "direction",
            ),
            (EXPLAIN_TOOL, json!({}), "subject"),
            (
                IMPACT_TOOL,
                json!({"old_ref": "demo-v2/orders/1.0.0"}),
                "new_ref",
            ),
        ] {
            let e = s
                .run_tool(tool.to_string(), args(a.clone()))
                .await
                .unwrap_err();
            assert_eq!(e.code.0, -32602, "{tool} {a}: {e:?}");
            assert!(format!("{e:?}").contains(field), "{tool} {a}: {e:?}");
        }
        let r = s
            .run_tool(EXPLAIN_TOOL.into(), args(json!({"subject": "nobody"})))
            .await
            .unwrap();
        assert_eq!(r.is_error, Some(true));
    }

    /// `pacto_impact` over demo-v2: BREAKING, storefront an incompatible consumer, the
    /// envelope; a revision outside the workspace roots is refused.
    #[tokio::test]
    async fn impact_projects_the_diff_onto_the_fleet() {
        let (s, _) = server();
        let fx = fixtures();
        let side = |v: &str| {
            fx.join("demo-v2/orders")
                .join(v)
                .to_string_lossy()
                .into_owned()
        };
        let r = call(
            &s,
            IMPACT_TOOL,
            json!({"old_ref": side("1.0.0"), "new_ref": side("2.0.0")}),
        )
        .await;
        assert_eq!(r["schemaVersion"], "pacto.dev/impact/v1");
        assert_eq!(r["classification"], "BREAKING");
        assert_eq!(r["asOf"], "2026-01-01T00:00:00Z");
        assert_eq!(r["completeness"], "complete");
        let storefront = r["consumers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["service"] == "storefront")
            .unwrap();
        assert_eq!(
            storefront["compatibilityVerdict"], "incompatible",
            "{storefront}"
        );
        let out = s
            .run_tool(
                IMPACT_TOOL.into(),
                args(json!({"old_ref": "/", "new_ref": side("2.0.0")})),
            )
            .await
            .unwrap();
        assert_eq!(out.is_error, Some(true));
    }

    /// Fleet mode lists the authoring tools plus the six fleet tools, all read-only.
    #[test]
    fn fleet_mode_lists_read_only_tools() {
        let (s, _) = server();
        let tools = s.tools();
        for name in [
            SEARCH_TOOL,
            GET_TOOL,
            GRAPH_TOOL,
            STATUS_TOOL,
            EXPLAIN_TOOL,
            IMPACT_TOOL,
        ] {
            let t = tools.iter().find(|t| t.name == name).unwrap();
            assert_eq!(
                t.annotations.as_ref().unwrap().read_only_hint,
                Some(true),
                "{name}"
            );
        }
        assert!(tools.iter().any(|t| t.name == "pacto_create"));
        assert!(!PactoServer::authoring_tools()
            .iter()
            .any(|t| t.name == SEARCH_TOOL));
    }
}
