//! `pacto-lsp`: the language server for `pacto.yaml`.
//!
//! Handlers live in one module per request family; every offset/position conversion goes through
//! [`to_proto`]. Edits are applied synchronously, in notification order, before any `.await`.

mod completion;
mod diagnostics;
mod hover;
mod schema_nav;
mod store;
mod symbols;
pub mod to_proto;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use to_proto::Encoding;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

/// How long to wait after an edit before validating ("latest wins").
pub const DEBOUNCE: Duration = Duration::from_millis(50);

/// Serve LSP over stdin/stdout until the client exits.
pub fn run_stdio() -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let (service, socket) = service();
        Server::new(tokio::io::stdin(), tokio::io::stdout(), socket)
            .serve(service)
            .await;
    });
    Ok(())
}

/// The service, for in-process use (tests, embedding).
pub fn service() -> (LspService<Backend>, tower_lsp_server::ClientSocket) {
    LspService::new(Backend::new)
}

fn log(msg: &str) {
    eprintln!("pacto-lsp: {msg}");
}

#[derive(Default)]
struct State {
    store: store::Store,
    encoding: Encoding,
}

pub struct Backend {
    client: Client,
    state: Arc<Mutex<State>>,
}

impl Backend {
    pub fn new(client: Client) -> Backend {
        Backend {
            client,
            state: Arc::default(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Validate `uri` after the debounce, publishing only if `seq` is still the latest edit.
    fn schedule_diagnostics(&self, uri: Uri, seq: u64) {
        if !diagnostics::is_contract(&uri) {
            return;
        }
        let client = self.client.clone();
        let state = Arc::clone(&self.state);
        tokio::spawn(async move {
            tokio::time::sleep(DEBOUNCE).await;
            let (snapshot, enc) = {
                let st = lock(&state);
                (st.store.snapshot_if_latest(&uri, seq), st.encoding)
            };
            let Some((text, version)) = snapshot else {
                return;
            };
            let u = uri.clone();
            let diags =
                match tokio::task::spawn_blocking(move || diagnostics::compute(&u, &text, enc))
                    .await
                {
                    Ok(d) => d,
                    Err(e) => {
                        log(&format!("validation failed: {e}"));
                        return;
                    }
                };
            if lock(&state).store.snapshot_if_latest(&uri, seq).is_none() {
                return;
            }
            client.publish_diagnostics(uri, diags, Some(version)).await;
        });
    }

    fn with_doc<T>(&self, uri: &Uri, f: impl FnOnce(&str, Encoding) -> Option<T>) -> Option<T> {
        let st = self.state();
        let text = st.store.text(uri)?;
        f(&text, st.encoding)
    }
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
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(enc.kind()),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        ..Default::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec![":".to_string(), " ".to_string()]),
                    ..Default::default()
                }),
                document_symbol_provider: Some(OneOf::Left(true)),
                ..Default::default()
            },
            server_info: Some(ServerInfo {
                name: "pacto-lsp".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            ..Default::default()
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        log("initialized");
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        let seq = self
            .state()
            .store
            .open(doc.uri.clone(), &doc.text, doc.version);
        self.schedule_diagnostics(doc.uri, seq);
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
            Some(seq) => self.schedule_diagnostics(uri, seq),
            None => log("didChange for a document that is not open"),
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        self.state().store.close(&uri);
        if diagnostics::is_contract(&uri) {
            self.client.publish_diagnostics(uri, Vec::new(), None).await;
        }
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let p = params.text_document_position_params;
        Ok(self.with_doc(&p.text_document.uri, |text, enc| {
            hover::hover(text, p.position, enc)
        }))
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let p = params.text_document_position;
        Ok(self.with_doc(&p.text_document.uri, |text, enc| {
            let items = completion::complete(text, p.position, enc);
            Some(CompletionResponse::Array(items))
        }))
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        Ok(self.with_doc(&params.text_document.uri, |text, enc| {
            Some(DocumentSymbolResponse::Nested(symbols::symbols(text, enc)))
        }))
    }
}
