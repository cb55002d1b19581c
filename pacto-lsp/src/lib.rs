//! `pacto-lsp`: the language server for `pacto.yaml`.
//!
//! Handlers live in one module per request family; every offset/position conversion goes through
//! [`to_proto`]. Edits are applied synchronously, in notification order, before any `.await`.

mod actions;
mod completion;
mod diagnostics;
mod folding;
mod guard;
mod handlers;
mod hover;
mod migrate;
mod navigation;
mod registry_features;
mod registry_handlers;
pub mod remote;
mod schema_nav;
pub mod settings;
mod store;
mod symbols;
pub mod to_proto;
pub mod transport;
mod worker;

use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use to_proto::Encoding;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService};

/// Serve LSP over stdin/stdout until the client exits; returns the process status LSP asks
/// for (0 after `shutdown`, 1 when `exit` or the end of input comes without it). Unusable input
/// is answered and skipped, never the end of the session (see [`transport`]).
pub fn run_stdio() -> std::io::Result<u8> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    // Blocking reads on a thread of their own: at `exit` the process ends without waiting for
    // a read that may never return.
    std::thread::Builder::new()
        .name("pacto-lsp-stdin".to_string())
        .spawn(move || {
            let mut framer = transport::Framer::new(std::io::stdin().lock());
            loop {
                match framer.next_frame() {
                    Ok(Some(frame)) => {
                        if tx.blocking_send(frame).is_err() {
                            return;
                        }
                    }
                    Ok(None) => return,
                    Err(e) => {
                        log(&format!("reading stdin: {e}"));
                        return;
                    }
                }
            }
        })?;
    let ended = rt.block_on(transport::serve(rx, tokio::io::stdout()));
    rt.shutdown_background();
    Ok(ended.status())
}

/// The service, for in-process use (tests, embedding).
pub fn service() -> (LspService<Backend>, tower_lsp_server::ClientSocket) {
    let builder = LspService::build(Backend::new);
    #[cfg(debug_assertions)]
    let builder = builder
        .custom_method("pacto/debug/panic", Backend::debug_panic)
        .custom_method("pacto/debug/settings", Backend::debug_settings);
    builder.finish()
}

/// A line on stderr (stdout is the protocol). A closed stderr is ignored, never a panic.
fn log(msg: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "pacto-lsp: {msg}");
}

#[derive(Default)]
struct State {
    store: store::Store,
    /// Documents with a diagnostics run in flight, and whether it must go again when done.
    validating: HashMap<Uri, bool>,
    encoding: Encoding,
    /// The user's settings (see [`settings`]), kept current by the handlers.
    settings: settings::Settings,
    /// Client capabilities, setting sources and open contracts (see [`handlers::Session`]).
    session: handlers::Session,
    /// Registry answers, for the registry settings they were made with.
    remote: Option<(registry_handlers::RemoteKey, Arc<remote::Remote>)>,
    /// Repositories whose published version is being fetched for the per-line diff
    /// diagnostics (a re-check of the open contracts follows when it lands).
    awaiting_published: std::collections::HashSet<String>,
    /// The last published contract known per repository (see [`published_for_diff`]).
    last_published: HashMap<String, Arc<remote::Published>>,
}

pub struct Backend {
    client: Client,
    state: Arc<Mutex<State>>,
    /// Runs every diagnostics computation (see [`worker`]).
    worker: Arc<worker::Worker>,
}

impl Backend {
    pub fn new(client: Client) -> Backend {
        Backend {
            client,
            state: Arc::default(),
            worker: Arc::default(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Validate `uri` (see [`schedule`]).
    fn schedule_diagnostics(&self, uri: Uri) {
        schedule(
            self.client.clone(),
            Arc::clone(&self.state),
            Arc::clone(&self.worker),
            uri,
        );
    }

    /// Check every open contract again (the settings changed).
    fn recheck_open(&self) {
        recheck_open(&self.client, &self.state, &self.worker);
    }
}

fn recheck_open(client: &Client, state: &Arc<Mutex<State>>, worker: &Arc<worker::Worker>) {
    let open: Vec<Uri> = lock(state).session.open_contracts.iter().cloned().collect();
    for uri in open {
        schedule(client.clone(), Arc::clone(state), Arc::clone(worker), uri);
    }
}

/// The published contract the per-line breaking-change diagnostics of a run compare against:
/// `Some` when `diffDiagnostics` is on, a repository is configured and its published version is
/// known. A version not known yet is fetched in the background, and every open contract is
/// checked again when it lands (once per repository at a time); meanwhile the last one known for
/// the repository, if any, is used.
fn published_for_diff(
    client: &Client,
    state: &Arc<Mutex<State>>,
    worker: &Arc<worker::Worker>,
) -> Option<Arc<remote::Published>> {
    let (repo, wait) = {
        let st = lock(state);
        if !st.settings.diff_diagnostics {
            return None;
        }
        (
            st.settings.repository.clone()?,
            std::time::Duration::from_millis(st.settings.registry_timeout_ms),
        )
    };
    let remote = registry_handlers::remote_for(client, state);
    match remote.published(&repo) {
        remote::Lookup::Ready(p) => {
            lock(state)
                .last_published
                .insert(repo, std::sync::Arc::clone(&p));
            Some(p)
        }
        remote::Lookup::Failed(_) => {
            lock(state).last_published.remove(&repo);
            None
        }
        remote::Lookup::Pending => {
            if lock(state).awaiting_published.insert(repo.clone()) {
                let (client, state, worker, repo) = (
                    client.clone(),
                    Arc::clone(state),
                    Arc::clone(worker),
                    repo.clone(),
                );
                tokio::spawn(async move {
                    // Bounded: the fetch itself is bounded by the same timeout.
                    let landed = remote.settle(wait + wait, || remote.published(&repo)).await;
                    lock(&state).awaiting_published.remove(&repo);
                    if matches!(landed, remote::Lookup::Ready(_)) {
                        recheck_open(&client, &state, &worker);
                    }
                });
            }
            // While an answer older than the registry cache keeps is fetched again, the last
            // one stands in: the diagnostics do not blink off and on every few minutes.
            lock(state).last_published.get(&repo).cloned()
        }
    }
}

/// Validate `uri` now, or, if a run for it is already in flight, have that run go again on the
/// latest text when it finishes. One run per document at a time: results publish in edit order,
/// a run whose text went stale is dropped before publishing (latest wins), and the last edit
/// always gets its diagnostics. No fixed debounce: an isolated edit is checked at once, a burst
/// of edits coalesces into the runs the validator has time for. The same run adds the per-line
/// breaking changes against the published version (source `pacto diff`), so one publish carries
/// both and neither set replaces the other.
fn schedule(client: Client, state: Arc<Mutex<State>>, worker: Arc<worker::Worker>, uri: Uri) {
    if !diagnostics::is_contract(&uri) {
        return;
    }
    {
        let mut st = lock(&state);
        if let Some(again) = st.validating.get_mut(&uri) {
            *again = true;
            return;
        }
        st.validating.insert(uri.clone(), false);
    }
    tokio::spawn(async move {
        loop {
            let (latest, enc) = {
                let mut st = lock(&state);
                if let Some(again) = st.validating.get_mut(&uri) {
                    *again = false;
                }
                (st.store.latest(&uri), st.encoding)
            };
            let Some(store::Latest {
                text,
                version,
                seq,
                prior,
            }) = latest
            else {
                // Closed while we were running: clear what an earlier run published.
                lock(&state).validating.remove(&uri);
                client.publish_diagnostics(uri, Vec::new(), None).await;
                return;
            };
            let published = published_for_diff(&client, &state, &worker);
            let u = uri.clone();
            let run = worker
                .run(move || {
                    let (mut diags, parsed) = diagnostics::compute_with(&u, &text, enc, prior);
                    if let Some(p) = published {
                        diags.extend(registry_features::diff_diagnostics(&p, &u, &text, enc));
                    }
                    (diags, store::Cached { seq, text, parsed })
                })
                .await;
            let diags = match run {
                Some((diags, cached)) => {
                    lock(&state).store.keep_parse(&uri, cached);
                    Some(diags)
                }
                None => {
                    log(&format!("validation of {} panicked", uri.as_str()));
                    None
                }
            };
            let current = lock(&state).store.seq(&uri) == Some(seq);
            if let (true, Some(diags)) = (current, diags) {
                client
                    .publish_diagnostics(uri.clone(), diags, Some(version))
                    .await;
            }
            let mut st = lock(&state);
            if st.validating.get(&uri) == Some(&false) && st.store.seq(&uri) == Some(seq) {
                st.validating.remove(&uri);
                return;
            }
        }
    });
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let offered = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_deref());
        let enc = Encoding::negotiate(offered);
        self.state().encoding = enc;
        self.init_session(&params);
        Ok(InitializeResult {
            capabilities: handlers::capabilities(enc),
            server_info: Some(ServerInfo {
                name: "pacto-lsp".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            ..Default::default()
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        log("initialized");
        self.after_initialized();
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        guard::notify("didChangeConfiguration", || {
            self.on_change_configuration(params)
        });
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        guard::notify("didChangeWatchedFiles", || self.on_watched_files(params));
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        self.track(&doc.uri, true);
        self.state()
            .store
            .open(doc.uri.clone(), &doc.text, doc.version);
        self.schedule_diagnostics(doc.uri);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let seq = {
            let mut st = self.state();
            let enc = st.encoding;
            st.store.change(
                &uri,
                params.text_document.version,
                &params.content_changes,
                enc,
            )
        };
        match seq {
            Some(_) => self.schedule_diagnostics(uri),
            None => log("didChange for a document that is not open"),
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        self.track(&uri, false);
        let in_flight = {
            let mut st = self.state();
            st.store.close(&uri);
            st.validating
                .get_mut(&uri)
                .map(|again| *again = true)
                .is_some()
        };
        // A run in flight clears the diagnostics itself, after its own publish.
        if !in_flight && diagnostics::is_contract(&uri) {
            self.client.publish_diagnostics(uri, Vec::new(), None).await;
        }
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        self.on_hover(params).await
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        self.on_completion(params).await
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        self.on_document_symbol(params)
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        self.on_folding_range(params)
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        self.on_definition(params).await
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        self.on_references(params)
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        self.on_prepare_rename(params)
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        self.on_rename(params)
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        self.on_code_action(params)
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        self.on_inlay_hint(params)
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        self.on_code_lens(params)
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<Value>> {
        self.on_execute_command(params).await
    }
}
