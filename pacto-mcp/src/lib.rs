//! `pacto-mcp`: the Pacto MCP server (spec §9). Every Pacto operation as a tool for AI
//! assistants, over stdio or streamable HTTP, on the official Rust SDK (`rmcp`).
//!
//! * Tools: the Go Pacto set (same names and inputs), the authoring set (`pacto_create`,
//!   `pacto_edit`, `pacto_check`), `pacto_diff`, `pacto_list_versions`, `pacto_graph` and
//!   `pacto_migrate` (1.x to 2.0, a dry run unless asked to write); each
//!   with an input schema, an output schema, structured content and a text block
//!   ([`tools::catalog`]).
//! * Resources: the contract JSON Schema and the `pacto.yaml` files under the roots.
//! * Prompt: `review-breaking-changes`, which runs the diff and asks for an explanation.
//! * Modes ([`Mode`]): the default above; a bundle's OpenAPI operations as tools plus
//!   `pacto_skill` ([`capability`]); Go's read-only contract catalog ([`catalog`]); the
//!   default tools plus the read-only fleet queries and `pacto_impact` ([`fleet`]).
//! * Every call is checked against the tool's input schema first (invalid params, -32602).
//! * Safety: tools read and write only inside the [`roots::Roots`]; a tool failure is an
//!   `isError` result; the server never writes to stdout except protocol messages.

/// A line on stderr that never panics: `eprintln!` panics when stderr is a closed pipe (a
/// client that stopped reading the server's log), which would take a request down with it.
macro_rules! log {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub mod capability;
pub mod catalog;
pub mod fleet;
pub mod roots;
pub mod tools;
pub mod transport;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, GetPromptRequestParams,
    GetPromptResponse, GetPromptResult, Implementation, ListPromptsResult, ListResourcesResult,
    ListToolsResult, PaginatedRequestParams, Prompt, PromptArgument, PromptMessage,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource,
    ResourceContents, Role, ServerCapabilities, ServerConfig, Tool, ToolAnnotations,
};
use rmcp::service::{NotificationContext, RequestContext};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler, ServiceExt};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tools::{Ctx, ToolError};

/// URI of the 1.x contract JSON Schema resource.
pub const SCHEMA_URI: &str = "pacto://schema/pacto-v1.0.schema.json";
/// URI of the Pacto 2.0 contract JSON Schema resource.
pub const SCHEMA_V2_URI: &str = "pacto://schema/pacto-v2.0.schema.json";
/// Name of the prompt that reviews a diff.
pub const REVIEW_PROMPT: &str = "review-breaking-changes";
/// How many contract files the resource list shows at most, and how deep it looks.
const MAX_RESOURCES: usize = 500;
const MAX_SCAN_DEPTH: usize = 6;
/// Largest resource file served.
const MAX_RESOURCE_BYTES: u64 = 1024 * 1024;

const INSTRUCTIONS: &str = "Pacto describes how a cloud-native service operates (interfaces, \
configurations, dependencies, workload, state, capabilities, readiness) in a pacto.yaml contract; \
new contracts are pactoVersion 2.0 (pass pactoVersion \"1.0\" to pacto_create or pacto_schema \
for a 1.x one). Call pacto_schema before creating or editing contracts. Use pacto_check or pacto_validate after every change, \
pacto_diff to classify changes between versions, and pacto_edit (with dry_run first) to change \
an existing contract while keeping its comments. pacto_migrate carries a 1.x contract to Pacto \
2.0 (a dry run unless write is true).";

/// What the server serves besides its defaults.
#[derive(Default)]
pub enum Mode {
    /// The authoring tools and the rest of Pacto's tools.
    #[default]
    Authoring,
    /// `pacto mcp BUNDLE_OR_REF`: the authoring tools plus one tool per OpenAPI operation of
    /// the bundle and `pacto_skill`.
    Bundle(capability::Capabilities),
    /// `pacto mcp --root REF...`: the read-only contract catalog (resources `pacto://catalog`
    /// and `pacto://catalog/closure`, tool `pacto_catalog_revision`) and nothing else.
    Catalog(catalog::Catalog),
    /// `pacto mcp --fleet`: the authoring tools plus the read-only fleet tools
    /// (`pacto_fleet_search|get|graph|status|explain`, `pacto_impact`) over one snapshot.
    Fleet(Box<fleet::Fleet>),
}

/// The MCP server: the tool context plus the server's identity.
#[derive(Clone)]
pub struct PactoServer {
    ctx: Ctx,
    version: String,
    mode: Arc<Mode>,
}

impl PactoServer {
    pub fn new(ctx: Ctx, version: impl Into<String>) -> PactoServer {
        PactoServer {
            ctx,
            version: version.into(),
            mode: Arc::new(Mode::Authoring),
        }
    }

    /// The same server in `mode`.
    pub fn with_mode(mut self, mode: Mode) -> PactoServer {
        self.mode = Arc::new(mode);
        self
    }

    pub fn ctx(&self) -> &Ctx {
        &self.ctx
    }

    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    /// The tools of this server's mode, as `tools/list` shows them.
    pub fn tools(&self) -> Vec<Tool> {
        match self.mode.as_ref() {
            Mode::Authoring => Self::authoring_tools(),
            Mode::Bundle(caps) => {
                let mut list = Self::authoring_tools();
                for t in &caps.tools {
                    let input = match &t.input_schema {
                        Value::Object(m) => m.clone(),
                        _ => Map::new(),
                    };
                    list.push(
                        Tool::new(t.name.clone(), t.description.clone(), Arc::new(input))
                            .with_annotations(
                                ToolAnnotations::new()
                                    .read_only(!matches!(
                                        t.method.as_str(),
                                        "post" | "put" | "patch" | "delete"
                                    ))
                                    .open_world(true),
                            ),
                    );
                }
                let Value::Object(skill) = capability::Capabilities::skill_schema() else {
                    return list;
                };
                list.push(
                    Tool::new(
                        capability::SKILL_TOOL,
                        "Lists the bundle's domain skills (skills/*.md) when called with no arguments, or returns one skill's markdown content when given its name.",
                        Arc::new(skill),
                    )
                    .with_annotations(ToolAnnotations::new().read_only(true).open_world(false)),
                );
                list
            }
            Mode::Catalog(_) => catalog::tools(),
            Mode::Fleet(_) => {
                let mut list = Self::authoring_tools();
                list.extend(fleet::tools());
                list
            }
        }
    }

    /// The tools of the default mode (Pacto's own).
    pub fn authoring_tools() -> Vec<Tool> {
        tools::catalog()
            .into_iter()
            .map(|d| {
                let input = match d.input_schema {
                    Value::Object(m) => m,
                    _ => Map::new(),
                };
                let output = match d.output_schema {
                    Value::Object(m) => m,
                    _ => Map::new(),
                };
                Tool::new(d.name, d.description, Arc::new(input))
                    .with_title(d.title)
                    .with_raw_output_schema(Arc::new(output))
                    .with_annotations(
                        ToolAnnotations::with_title(d.title)
                            .read_only(d.read_only)
                            .destructive(false)
                            .open_world(d.network),
                    )
            })
            .collect()
    }

    /// Run a tool off the async runtime and turn the outcome into a tool result. Arguments
    /// that do not match the tool's input schema are a JSON-RPC invalid-params error (-32602)
    /// naming the fields, as Go Pacto 3.3 answers them; every other failure is an `isError`
    /// result.
    pub async fn run_tool(
        &self,
        name: String,
        args: Map<String, Value>,
    ) -> Result<CallToolResult, McpError> {
        let ctx = self.ctx.clone();
        let mode = self.mode.clone();
        let outcome = tokio::task::spawn_blocking(move || match mode.as_ref() {
            Mode::Bundle(caps) if caps.handles(&name) => caps.call(&name, &args),
            Mode::Catalog(cat) => cat.call(&name, &args),
            Mode::Fleet(f) if fleet::Fleet::handles(&name) => f.call(&ctx, &name, &args),
            _ => tools::call(&ctx, &name, &args),
        })
        .await;
        Ok(match outcome {
            Ok(Ok(out)) => {
                let mut r = CallToolResult::success(vec![ContentBlock::text(out.text)]);
                r.structured_content = Some(out.structured);
                r
            }
            Ok(Err(ToolError::InvalidParams { message, fields })) => {
                return Err(McpError::invalid_params(
                    message,
                    Some(serde_json::json!({ "fields": fields })),
                ))
            }
            Ok(Err(e)) => tool_error(&e),
            Err(join) => CallToolResult::error(vec![ContentBlock::text(format!(
                "the tool failed unexpectedly: {join}"
            ))]),
        })
    }

    /// `pacto.yaml` files under the roots (bounded), as resources.
    fn contract_resources(&self) -> Vec<Resource> {
        let mut out = Vec::new();
        for root in self.ctx.roots.all() {
            scan(&root, 0, &mut out);
            if out.len() >= MAX_RESOURCES {
                break;
            }
        }
        out.sort();
        out.dedup();
        out.truncate(MAX_RESOURCES);
        out.into_iter()
            .map(|p| {
                let dir = p
                    .parent()
                    .and_then(|d| d.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                Resource::new(file_uri(&p), format!("{dir}/pacto.yaml"))
                    .with_description(format!("Pacto contract in {}", p.display()))
                    .with_mime_type("application/yaml")
            })
            .collect()
    }

    fn read_resource_text(&self, uri: &str) -> Result<(String, &'static str), String> {
        if let Mode::Catalog(cat) = self.mode.as_ref() {
            return cat
                .read(uri)
                .map(|t| (t, "application/json"))
                .ok_or_else(|| {
                    format!(
                        "unknown resource {uri:?}: a catalog server serves {} and {}",
                        catalog::CATALOG_URI,
                        catalog::CLOSURE_URI
                    )
                });
        }
        if uri == SCHEMA_V2_URI {
            return Ok((
                pacto_core::schema::SCHEMA_V2_JSON.to_string(),
                "application/schema+json",
            ));
        }
        if uri == SCHEMA_URI {
            return Ok((
                pacto_core::schema::SCHEMA_JSON.to_string(),
                "application/schema+json",
            ));
        }
        let path =
            roots::path_of_file_uri(uri).ok_or_else(|| format!("unknown resource {uri:?}"))?;
        let checked = self
            .ctx
            .roots
            .check(&path.to_string_lossy())
            .map_err(|e| e.to_string())?;
        let meta = std::fs::metadata(&checked).map_err(|e| e.to_string())?;
        if !meta.is_file() {
            return Err(format!("{uri} is not a file"));
        }
        if meta.len() > MAX_RESOURCE_BYTES {
            return Err(format!("{uri} is larger than {MAX_RESOURCE_BYTES} bytes"));
        }
        // `checked` is canonical (links resolved) and inside the roots; the bounded read
        // refuses a FIFO or device without blocking.
        let bytes = pacto_core::bundle::read_bounded(&checked, uri).map_err(|e| e.to_string())?;
        if bytes.len() as u64 > MAX_RESOURCE_BYTES {
            return Err(format!("{uri} is larger than {MAX_RESOURCE_BYTES} bytes"));
        }
        let text = pacto_core::bundle::decode_utf8(bytes).map_err(|offset| {
            format!("{uri} is not UTF-8 text (first bad byte at offset {offset})")
        })?;
        Ok((text, "application/yaml"))
    }

    /// Roots are deprecated by SEP-2577 in the 2026-07-28 protocol, but clients on earlier
    /// protocols (Claude Code, VS Code) still offer them.
    #[allow(deprecated)]
    async fn refresh_client_roots(&self, peer: rmcp::Peer<RoleServer>) {
        let offers = peer
            .peer_info()
            .is_some_and(|i| i.capabilities.roots.is_some());
        if !offers {
            return;
        }
        match tokio::time::timeout(Duration::from_secs(10), peer.list_roots()).await {
            Ok(Ok(list)) => {
                let dirs: Vec<PathBuf> = list
                    .roots
                    .iter()
                    .filter_map(|r| roots::path_of_file_uri(&r.uri))
                    .collect();
                let n = self.ctx.roots.set_client_roots(dirs);
                log!("pacto mcp: {n} client root(s) in use");
            }
            Ok(Err(e)) => log!("pacto mcp: roots/list failed: {e}"),
            Err(_) => log!("pacto mcp: roots/list timed out"),
        }
    }
}

fn tool_error(e: &ToolError) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(e.to_string())])
}

fn file_uri(p: &Path) -> String {
    let mut out = String::from("file://");
    for b in p.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn scan(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > MAX_SCAN_DEPTH || out.len() >= MAX_RESOURCES {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name();
        let name = name.to_string_lossy();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_file() && name == "pacto.yaml" {
            out.push(e.path());
        } else if ft.is_dir()
            && !name.starts_with('.')
            && !matches!(name.as_ref(), "target" | "node_modules" | "vendor")
        {
            scan(&e.path(), depth + 1, out);
        }
    }
}

impl ServerHandler for PactoServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .enable_prompts()
                .build(),
        )
        .with_server_info(Implementation::new("pacto", self.version.clone()))
        .with_instructions(match self.mode.as_ref() {
            Mode::Authoring => INSTRUCTIONS.to_string(),
            Mode::Bundle(caps) => format!("{INSTRUCTIONS}\n\n{}", caps.instructions()),
            Mode::Catalog(_) => catalog::INSTRUCTIONS.to_string(),
            Mode::Fleet(_) => format!("{INSTRUCTIONS}\n\n{}", fleet::INSTRUCTIONS),
        })
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(self.tools()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools().into_iter().find(|t| t.name == name)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let args = request.arguments.unwrap_or_default();
        Ok(self.run_tool(request.name.to_string(), args).await?.into())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        if matches!(self.mode.as_ref(), Mode::Catalog(_)) {
            return Ok(ListResourcesResult::with_all_items(
                catalog::Catalog::resources(),
            ));
        }
        let this = self.clone();
        let mut list = vec![
            Resource::new(SCHEMA_V2_URI, "pacto-v2.0.schema.json")
                .with_description("JSON Schema of pacto.yaml (pactoVersion 2.0)")
                .with_mime_type("application/schema+json"),
            Resource::new(SCHEMA_URI, "pacto-v1.0.schema.json")
                .with_description("JSON Schema of pacto.yaml (pactoVersion 1.x)")
                .with_mime_type("application/schema+json"),
        ];
        let contracts = tokio::task::spawn_blocking(move || this.contract_resources())
            .await
            .unwrap_or_default();
        list.extend(contracts);
        Ok(ListResourcesResult::with_all_items(list))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let this = self.clone();
        let uri = request.uri.clone();
        let read = tokio::task::spawn_blocking(move || this.read_resource_text(&uri))
            .await
            .map_err(|e| McpError::internal_error(e.to_string(), None))?;
        match read {
            Ok((text, mime)) => {
                Ok(ReadResourceResult::new(vec![
                    ResourceContents::text(text, request.uri).with_mime_type(mime)
                ])
                .into())
            }
            Err(e) => Err(McpError::resource_not_found(e, None)),
        }
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        Ok(ListPromptsResult::with_all_items(vec![Prompt::new(
            REVIEW_PROMPT,
            Some("Diff two versions of a contract and explain the breaking changes, who they affect and how to roll them out"),
            Some(vec![
                PromptArgument::new("old")
                    .with_description("The old contract: a bundle path or oci:// ref")
                    .with_required(true),
                PromptArgument::new("new")
                    .with_description("The new contract: a bundle path or oci:// ref")
                    .with_required(true),
            ]),
        )]))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        if request.name != REVIEW_PROMPT {
            return Err(McpError::invalid_params(
                format!("unknown prompt {:?}", request.name),
                None,
            ));
        }
        let args = request.arguments.unwrap_or_default();
        let mut call = Map::new();
        for k in ["old", "new"] {
            let v = args.get(k).and_then(Value::as_str).unwrap_or_default();
            if v.is_empty() {
                return Err(McpError::invalid_params(format!("{k} is required"), None));
            }
            call.insert(k.to_string(), Value::String(v.to_string()));
        }
        let ctx = self.ctx.clone();
        let diff = tokio::task::spawn_blocking(move || tools::call(&ctx, "pacto_diff", &call))
            .await
            .map_err(|e| McpError::internal_error(e.to_string(), None))?
            .map_err(|e| McpError::invalid_params(e.to_string(), None))?;
        let text = format!(
            "Review the changes between two versions of a Pacto service contract.\n\n\
             Pacto classified them as follows (`pacto diff`):\n\n```\n{}```\n\n\
             For every BREAKING or POTENTIAL_BREAKING change: explain in plain words what \
             changes for the consumers of this service, who is affected (callers of which \
             interface, dependents, operators), and propose a safe rollout (deprecation window, \
             version bump, compatibility shims). Then say whether the new version number is \
             appropriate for these changes (a breaking change needs a major bump). Keep \
             NON_BREAKING changes to a one-line summary.",
            diff.text
        );
        Ok(
            GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
                .with_description("Review the breaking changes between two contract versions")
                .into(),
        )
    }

    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        let this = self.clone();
        tokio::spawn(async move { this.refresh_client_roots(context.peer).await });
    }

    async fn on_roots_list_changed(&self, context: NotificationContext<RoleServer>) {
        let this = self.clone();
        tokio::spawn(async move { this.refresh_client_roots(context.peer).await });
    }
}

/// Errors of the transports.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("MCP session failed: {0}")]
    Session(String),
}

/// Serve on stdin/stdout until the client closes the stream. Logs go to stderr.
pub async fn serve_stdio(server: PactoServer) -> Result<(), ServeError> {
    log!("MCP server running on stdio");
    let (stdin, stdout) = rmcp::transport::stdio();
    let wire = transport::LineTransport::new(stdin, stdout, transport::MAX_MESSAGE_BYTES);
    let running = server
        .serve(wire)
        .await
        .map_err(|e| ServeError::Session(e.to_string()))?;
    running
        .waiting()
        .await
        .map_err(|e| ServeError::Session(e.to_string()))?;
    Ok(())
}

/// Serve streamable HTTP at `http://<addr>/mcp` until `shutdown` resolves. Any other path is a
/// 404. `on_bound` gets the actual address (port 0 picks a free one).
///
/// As the MCP specification asks, a request whose `Origin` header is neither a loopback origin
/// nor one of `allowed_origins` is refused with 403 (a request without `Origin`, from a
/// non-browser client, is served). A body larger than [`transport::MAX_MESSAGE_BYTES`] is
/// answered with 413 and a JSON-RPC error for its request.
pub async fn serve_http(
    server: PactoServer,
    addr: std::net::SocketAddr,
    allowed_origins: &[String],
    on_bound: impl FnOnce(std::net::SocketAddr),
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), ServeError> {
    use hyper::service::service_fn;
    use hyper_util::rt::TokioIo;
    use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
    use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};

    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let mut hosts = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    let ip = bound.ip().to_string();
    if !hosts.contains(&ip) {
        hosts.push(ip);
    }
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(hosts)
        .with_max_request_body_bytes(transport::MAX_MESSAGE_BYTES);
    let origins: Arc<Vec<String>> = Arc::new(allowed_origins.to_vec());
    let factory_server = server.clone();
    let service = StreamableHttpService::new(
        move || Ok(factory_server.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    on_bound(bound);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    log!("pacto mcp: accept failed: {e}");
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let svc = service.clone();
        let origins = origins.clone();
        tokio::spawn(async move {
            let handler = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let mut svc = svc.clone();
                let origins = origins.clone();
                async move {
                    if req.uri().path() != "/mcp" {
                        return Ok::<_, std::convert::Infallible>(plain(
                            hyper::StatusCode::NOT_FOUND,
                            "404 page not found\n",
                        ));
                    }
                    if let Some(origin) = req.headers().get(hyper::header::ORIGIN) {
                        let text = String::from_utf8_lossy(origin.as_bytes()).into_owned();
                        if !transport::origin_allowed(&text, &origins) {
                            log!("pacto mcp: refused a request from origin {text:?}");
                            return Ok(json_error(
                                hyper::StatusCode::FORBIDDEN,
                                &serde_json::json!({"jsonrpc": "2.0", "id": null, "error": {
                                    "code": -32600,
                                    "message": format!("origin {text:?} is not allowed: only loopback origins are, unless `pacto mcp` is started with --allowed-origin {text}"),
                                }}),
                            ));
                        }
                    }
                    let (parts, body) = req.into_parts();
                    match read_body(body, transport::MAX_MESSAGE_BYTES).await {
                        Ok(bytes) => {
                            let req =
                                hyper::Request::from_parts(parts, http_body_util::Full::new(bytes));
                            tower_service::Service::call(&mut svc, req).await
                        }
                        Err(BodyError::TooLarge { prefix, size }) => {
                            log!(
                                "pacto mcp: refused a request body of {size} bytes (limit {})",
                                transport::MAX_MESSAGE_BYTES
                            );
                            Ok(json_error(
                                hyper::StatusCode::PAYLOAD_TOO_LARGE,
                                &transport::oversized_error(
                                    &prefix,
                                    size,
                                    transport::MAX_MESSAGE_BYTES,
                                ),
                            ))
                        }
                        Err(BodyError::Read(e)) => Ok(plain(
                            hyper::StatusCode::BAD_REQUEST,
                            &format!("cannot read the request body: {e}\n"),
                        )),
                    }
                }
            });
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), handler)
                .await
            {
                log!("pacto mcp: connection error: {e}");
            }
        });
    }
    Ok(())
}

type HttpResponse =
    hyper::Response<http_body_util::combinators::BoxBody<bytes::Bytes, std::convert::Infallible>>;

fn plain(status: hyper::StatusCode, text: &str) -> HttpResponse {
    let body = http_body_util::Full::new(bytes::Bytes::from(text.to_string()));
    let mut r = hyper::Response::new(http_body_util::BodyExt::boxed(body));
    *r.status_mut() = status;
    r
}

fn json_error(status: hyper::StatusCode, value: &Value) -> HttpResponse {
    let body = http_body_util::Full::new(bytes::Bytes::from(value.to_string()));
    let mut r = hyper::Response::new(http_body_util::BodyExt::boxed(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    r
}

enum BodyError {
    /// Larger than the limit: its first bytes and its whole size (the rest was read and
    /// dropped, so the client can read the answer on a connection it is still writing to).
    TooLarge {
        prefix: Vec<u8>,
        size: usize,
    },
    Read(String),
}

/// The body, at most `limit` bytes.
async fn read_body(
    mut body: hyper::body::Incoming,
    limit: usize,
) -> Result<bytes::Bytes, BodyError> {
    use http_body_util::BodyExt;
    let mut buf = bytes::BytesMut::new();
    let mut size = 0usize;
    let mut over = false;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| BodyError::Read(e.to_string()))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        size = size.saturating_add(data.len());
        if over {
            continue;
        }
        if size > limit {
            over = true;
            let keep = (64 * 1024usize).saturating_sub(buf.len()).min(data.len());
            buf.extend_from_slice(&data[..keep]);
            buf.truncate(64 * 1024);
            continue;
        }
        buf.extend_from_slice(&data);
    }
    if over {
        Err(BodyError::TooLarge {
            prefix: buf.to_vec(),
            size,
        })
    } else {
        Ok(buf.freeze())
    }
}
