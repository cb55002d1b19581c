//! The request and notification handlers behind `impl LanguageServer for Backend`.
//!
//! Every request takes a snapshot of the document (text, encoding, settings) under the state
//! lock, releases the lock, and runs its synchronous work through [`guard::run`]: a panic becomes
//! an internal-error response, an unknown document or an out-of-range position an empty answer.

use crate::settings::{self, Settings};
use crate::to_proto::Encoding;
use crate::{
    actions, completion, diagnostics, folding, guard, hover, log, navigation, registry_features,
    registry_handlers, symbols, Backend,
};
use serde_json::Value;
use std::collections::HashSet;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;

/// `RequestFailed`: the request was valid but could not be carried out (LSP 3.17).
pub const REQUEST_FAILED: i64 = -32803;

/// Registration id of the `**/*` file watcher.
pub const WATCHER_ID: &str = "pacto-watched-files";

/// What the client told us at `initialize`, and the setting sources.
#[derive(Debug, Default)]
pub struct Session {
    /// `workspace.configuration`: the client answers `workspace/configuration`.
    pub configuration: bool,
    /// `workspace.didChangeWatchedFiles.dynamicRegistration`.
    pub watch_registration: bool,
    pub sources: settings::Sources,
    /// Open `pacto.yaml` documents (for re-checking when bundle files change).
    pub open_contracts: HashSet<Uri>,
    /// What the client supports for our background registry fetches.
    pub client: crate::registry_handlers::ClientFeatures,
}

/// An open document, copied out of the store.
pub struct Snapshot {
    pub uri: Uri,
    pub text: String,
    pub enc: Encoding,
    pub settings: Settings,
}

impl Snapshot {
    fn doc(&self) -> navigation::Doc<'_> {
        navigation::Doc {
            uri: &self.uri,
            text: &self.text,
            enc: self.enc,
        }
    }
}

impl Backend {
    pub(crate) fn snapshot(&self, uri: &Uri) -> Option<Snapshot> {
        let st = self.state();
        let text = st.store.text(uri)?;
        Some(Snapshot {
            uri: uri.clone(),
            text,
            enc: st.encoding,
            settings: st.settings.clone(),
        })
    }

    /// Run `f` on the snapshot of `uri`: `Ok(None)` when the document is not open.
    fn on_doc<T>(
        &self,
        name: &str,
        uri: &Uri,
        f: impl FnOnce(&Snapshot) -> Result<Option<T>>,
    ) -> Result<Option<T>> {
        match self.snapshot(uri) {
            Some(snap) => guard::run(name, || f(&snap)),
            None => Ok(None),
        }
    }

    /// Record the client's capabilities and `initializationOptions`.
    pub(crate) fn init_session(&self, params: &InitializeParams) {
        let workspace = params.capabilities.workspace.as_ref();
        let mut st = self.state();
        st.session.client = crate::registry_handlers::ClientFeatures::of(&params.capabilities);
        st.session.configuration = workspace.and_then(|w| w.configuration) == Some(true);
        st.session.watch_registration = workspace
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            == Some(true);
        st.session.sources.init = params
            .initialization_options
            .as_ref()
            .and_then(settings::unwrap_section);
        st.settings = st.session.sources.settings();
    }

    /// After `initialized`: register the file watcher and pull the configuration, in the
    /// background (the client answers those requests while we keep serving).
    pub(crate) fn after_initialized(&self) {
        let (watch, configuration) = {
            let st = self.state();
            (st.session.watch_registration, st.session.configuration)
        };
        if watch {
            let client = self.client.clone();
            tokio::spawn(async move {
                let options = DidChangeWatchedFilesRegistrationOptions {
                    watchers: vec![FileSystemWatcher {
                        glob_pattern: GlobPattern::String("**/*".to_string()),
                        kind: None,
                    }],
                };
                let registration = Registration {
                    id: WATCHER_ID.to_string(),
                    method: "workspace/didChangeWatchedFiles".to_string(),
                    register_options: serde_json::to_value(options).ok(),
                };
                if let Err(e) = client.register_capability(vec![registration]).await {
                    log(&format!("file watcher registration failed: {e}"));
                }
            });
        }
        if configuration {
            self.pull_configuration();
        }
    }

    /// Ask the client for the `pacto` section and apply it when it answers.
    fn pull_configuration(&self) {
        let client = self.client.clone();
        let state = std::sync::Arc::clone(&self.state);
        let worker = std::sync::Arc::clone(&self.worker);
        tokio::spawn(async move {
            let items = vec![ConfigurationItem {
                scope_uri: None,
                section: Some(settings::SECTION.to_string()),
            }];
            match client.configuration(items).await {
                Ok(values) => {
                    let value = values.into_iter().next().unwrap_or(Value::Null);
                    // `null`: the client has no such section; keep what we have.
                    if value.is_object() {
                        {
                            let mut st = crate::lock(&state);
                            st.session.sources.workspace = settings::unwrap_section(&value);
                            st.settings = st.session.sources.settings();
                        }
                        // The repository or diffDiagnostics may have changed.
                        crate::recheck_open(&client, &state, &worker);
                    }
                }
                Err(e) => log(&format!("workspace/configuration failed: {e}")),
            }
        });
    }

    pub(crate) fn on_change_configuration(&self, params: DidChangeConfigurationParams) {
        let pushed = params
            .settings
            .as_object()
            .and_then(|o| o.get(settings::SECTION))
            .filter(|v| v.is_object())
            .cloned();
        let configuration = self.state().session.configuration;
        match pushed {
            Some(obj) => {
                let mut st = self.state();
                st.session.sources.workspace = Some(obj);
                st.settings = st.session.sources.settings();
            }
            None if configuration => self.pull_configuration(),
            None => {
                if params.settings.is_object() {
                    let mut st = self.state();
                    st.session.sources.workspace = settings::unwrap_section(&params.settings);
                    st.settings = st.session.sources.settings();
                }
            }
        }
        // The repository or diffDiagnostics may have changed (a pull re-checks when answered).
        self.recheck_open();
    }

    /// A document was opened or closed: keep the list of open contracts.
    pub(crate) fn track(&self, uri: &Uri, open: bool) {
        if !diagnostics::is_contract(uri) {
            return;
        }
        let mut st = self.state();
        if open {
            st.session.open_contracts.insert(uri.clone());
        } else {
            st.session.open_contracts.remove(uri);
        }
    }

    /// Files changed on disk: re-check every open contract whose bundle directory holds one.
    pub(crate) fn on_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let changed: Vec<std::path::PathBuf> = params
            .changes
            .iter()
            .filter_map(|c| c.uri.to_file_path().map(|p| p.into_owned()))
            .collect();
        let open: Vec<Uri> = self
            .state()
            .session
            .open_contracts
            .iter()
            .cloned()
            .collect();
        for uri in open {
            let Some(dir) = navigation::bundle_dir(&uri) else {
                continue;
            };
            if changed.iter().any(|p| p.starts_with(&dir)) {
                self.schedule_diagnostics(uri);
            }
        }
    }

    /// Hover: on an `oci://` dependency ref, what the registry resolves it to; elsewhere the
    /// schema documentation.
    pub(crate) async fn on_hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let p = params.text_document_position_params;
        let Some(s) = self.snapshot(&p.text_document.uri) else {
            return Ok(None);
        };
        let remote = self.remote();
        let resolved = registry_handlers::guarded("hover", async {
            Ok(registry_features::hover(&remote, &s.text, p.position, s.enc).await)
        })
        .await?;
        if resolved.is_some() {
            return Ok(resolved);
        }
        guard::run("hover", || Ok(hover::hover(&s.text, p.position, s.enc)))
    }

    /// Completion: schema keys, enums, names, files and snippets, plus repositories, tags and
    /// compatibility ranges from the registry.
    pub(crate) async fn on_completion(
        &self,
        params: CompletionParams,
    ) -> Result<Option<CompletionResponse>> {
        let p = params.text_document_position;
        let Some(s) = self.snapshot(&p.text_document.uri) else {
            return Ok(None);
        };
        let mut items = guard::run("completion", || {
            let dir = navigation::bundle_dir(&s.uri);
            Ok(completion::complete(
                &s.text,
                p.position,
                s.enc,
                dir.as_deref(),
            ))
        })?;
        let remote = self.remote();
        let remote_items = registry_handlers::guarded("completion", async {
            Ok(registry_features::completion(&remote, &s.text, p.position, s.enc).await)
        })
        .await?;
        items.extend(remote_items);
        Ok(Some(CompletionResponse::Array(items)))
    }

    pub(crate) fn on_document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        self.on_doc("documentSymbol", &params.text_document.uri, |s| {
            Ok(Some(DocumentSymbolResponse::Nested(symbols::symbols(
                &s.text, s.enc,
            ))))
        })
    }

    pub(crate) fn on_folding_range(
        &self,
        params: FoldingRangeParams,
    ) -> Result<Option<Vec<FoldingRange>>> {
        self.on_doc("foldingRange", &params.text_document.uri, |s| {
            Ok(Some(folding::folding_ranges(&s.text)))
        })
    }

    /// Definition: interfaces and bundle files locally; a dependency's resolved `pacto.yaml`
    /// from the registry cache.
    pub(crate) async fn on_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let p = params.text_document_position_params;
        let Some(s) = self.snapshot(&p.text_document.uri) else {
            return Ok(None);
        };
        let local = guard::run("definition", || {
            Ok(navigation::definition(&s.doc(), p.position))
        })?;
        if local.is_some() {
            return Ok(local);
        }
        let remote = self.remote();
        registry_handlers::guarded("definition", async {
            Ok(
                registry_features::definition(&remote, &s.text, p.position, s.enc)
                    .await
                    .map(GotoDefinitionResponse::Scalar),
            )
        })
        .await
    }

    pub(crate) fn on_references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let p = params.text_document_position;
        let include = params.context.include_declaration;
        self.on_doc("references", &p.text_document.uri, |s| {
            Ok(navigation::references(&s.doc(), p.position, include))
        })
    }

    pub(crate) fn on_prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        self.on_doc("prepareRename", &params.text_document.uri, |s| {
            Ok(navigation::prepare_rename(&s.doc(), params.position))
        })
    }

    pub(crate) fn on_rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let p = params.text_document_position;
        self.on_doc("rename", &p.text_document.uri, |s| {
            navigation::rename(&s.doc(), p.position, &params.new_name).map_err(|e| Error {
                code: ErrorCode::ServerError(REQUEST_FAILED),
                message: e.to_string().into(),
                data: None,
            })
        })
    }

    pub(crate) fn on_code_action(
        &self,
        params: CodeActionParams,
    ) -> Result<Option<CodeActionResponse>> {
        let remote = self.remote();
        let create_files = self.state().session.client.create_files;
        let disabled_actions = self.state().session.client.disabled_actions;
        self.on_doc("codeAction", &params.text_document.uri, |s| {
            let mut actions = actions::code_actions(
                &s.uri,
                &s.text,
                s.enc,
                &params.context.diagnostics,
                create_files,
            );
            actions.extend(registry_features::pin_actions(
                &remote,
                &s.uri,
                &s.text,
                params.range,
                s.enc,
            ));
            if crate::migrate::wanted(params.context.only.as_deref()) {
                actions.extend(crate::migrate::action(
                    &s.uri,
                    &s.text,
                    s.enc,
                    disabled_actions,
                ));
            }
            Ok(Some(actions))
        })
    }

    /// `pacto/debug/panic` (debug builds only): panics inside the guard, to prove that a handler
    /// panic becomes an error response and the server keeps serving.
    /// `pacto/debug/settings` (debug builds only): the settings in effect, for tests.
    #[cfg(debug_assertions)]
    pub(crate) async fn debug_settings(&self) -> Result<Value> {
        let settings = self.state().settings.clone();
        serde_json::to_value(settings).map_err(|_| Error::internal_error())
    }

    #[cfg(debug_assertions)]
    pub(crate) async fn debug_panic(&self) -> Result<Option<Value>> {
        guard::run("pacto/debug/panic", || {
            panic!("requested by pacto/debug/panic")
        })
    }
}

/// The capabilities the server advertises, for the negotiated encoding.
pub fn capabilities(enc: Encoding) -> ServerCapabilities {
    ServerCapabilities {
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
            trigger_characters: Some(vec![":".to_string(), " ".to_string(), "/".to_string()]),
            ..Default::default()
        }),
        document_symbol_provider: Some(OneOf::Left(true)),
        folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![
                CodeActionKind::QUICKFIX,
                CodeActionKind::REFACTOR_REWRITE,
            ]),
            ..Default::default()
        })),
        inlay_hint_provider: Some(OneOf::Left(true)),
        code_lens_provider: Some(CodeLensOptions {
            resolve_provider: Some(false),
        }),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: vec![
                registry_features::SHOW_DIFF.to_string(),
                crate::migrate::MIGRATE_REPORT.to_string(),
            ],
            ..Default::default()
        }),
        ..Default::default()
    }
}
