//! The registry-backed handlers on [`Backend`]: one [`Remote`] per effective registry setting,
//! `$/progress` for its fetches, client refreshes when answers land, inlay hints, code lenses
//! and the `pacto.showDiff` command.

use crate::registry_features::{self as rf, SHOW_DIFF};
use crate::remote::{Events, Lookup, Remote};
use crate::settings::Settings;
use crate::{guard, log, Backend};
use futures::FutureExt;
use pacto_core::registry::RegistryOptions;
use serde_json::Value;
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::Client;

/// The registry settings a [`Remote`] was built for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteKey {
    offline: bool,
    plain_http: bool,
    timeout_ms: u64,
    cache_dir: Option<std::path::PathBuf>,
}

impl RemoteKey {
    pub fn of(s: &Settings) -> RemoteKey {
        RemoteKey {
            offline: s.offline,
            plain_http: s.plain_http,
            timeout_ms: s.registry_timeout_ms,
            cache_dir: s.cache_dir.clone(),
        }
    }
}

/// What the client can do with our background fetches.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientFeatures {
    /// `window.workDoneProgress`: we may create progress tokens.
    pub progress: bool,
    /// `workspace.codeLens.refreshSupport`.
    pub lens_refresh: bool,
    /// `workspace.inlayHint.refreshSupport`.
    pub hint_refresh: bool,
    /// `window.showDocument.support`.
    pub show_document: bool,
    /// `workspace.workspaceEdit`: `documentChanges` with the `create` resource operation.
    pub create_files: bool,
    /// `textDocument.codeAction.disabledSupport`: a refused migration is shown disabled.
    pub disabled_actions: bool,
}

impl ClientFeatures {
    pub fn of(caps: &ClientCapabilities) -> ClientFeatures {
        let window = caps.window.as_ref();
        let workspace = caps.workspace.as_ref();
        let edits = workspace.and_then(|w| w.workspace_edit.as_ref());
        ClientFeatures {
            disabled_actions: caps
                .text_document
                .as_ref()
                .and_then(|t| t.code_action.as_ref())
                .and_then(|c| c.disabled_support)
                == Some(true),
            create_files: edits.and_then(|e| e.document_changes) == Some(true)
                && edits
                    .and_then(|e| e.resource_operations.as_ref())
                    .is_some_and(|ops| ops.contains(&ResourceOperationKind::Create)),
            progress: window.and_then(|w| w.work_done_progress) == Some(true),
            show_document: window
                .and_then(|w| w.show_document.as_ref())
                .is_some_and(|d| d.support),
            lens_refresh: workspace
                .and_then(|w| w.code_lens.as_ref())
                .and_then(|c| c.refresh_support)
                == Some(true),
            hint_refresh: workspace
                .and_then(|w| w.inlay_hint.as_ref())
                .and_then(|c| c.refresh_support)
                == Some(true),
        }
    }
}

/// Reports fetches as `$/progress` and asks the client to refresh when one lands.
struct ClientEvents {
    client: Client,
    features: ClientFeatures,
    open: Mutex<HashMap<u64, oneshot::Sender<bool>>>,
}

/// Bound on every request we send the client for our own bookkeeping.
const CLIENT_WAIT: Duration = Duration::from_secs(5);

impl Events for ClientEvents {
    fn started(&self, id: u64, title: &str) {
        if !self.features.progress {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (tx, rx) = oneshot::channel();
        self.open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(id, tx);
        let client = self.client.clone();
        let title = title.to_string();
        handle.spawn(async move {
            let token = NumberOrString::String(format!("pacto/registry/{id}"));
            let created =
                tokio::time::timeout(CLIENT_WAIT, client.create_work_done_progress(token.clone()))
                    .await;
            if !matches!(created, Ok(Ok(()))) {
                return;
            }
            let progress = client.progress(token, title).begin().await;
            let ok = rx.await.unwrap_or(false);
            progress
                .finish_with_message(if ok { "done" } else { "failed" })
                .await;
        });
    }

    fn finished(&self, id: u64, ok: bool) {
        if let Some(tx) = self
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&id)
        {
            let _ = tx.send(ok);
        }
        if !ok {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (client, f) = (self.client.clone(), self.features);
        handle.spawn(async move {
            if f.hint_refresh {
                let _ = tokio::time::timeout(CLIENT_WAIT, client.inlay_hint_refresh()).await;
            }
            if f.lens_refresh {
                let _ = tokio::time::timeout(CLIENT_WAIT, client.code_lens_refresh()).await;
            }
        });
    }
}

/// Run an async handler body, turning a panic into an internal error response.
pub async fn guarded<T>(
    name: &str,
    fut: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    match AssertUnwindSafe(fut).catch_unwind().await {
        Ok(r) => r,
        Err(_) => {
            log(&format!("{name} panicked"));
            Err(Error {
                code: ErrorCode::InternalError,
                message: format!("pacto-lsp: internal error in {name}").into(),
                data: None,
            })
        }
    }
}

/// The [`Remote`] for the current settings (rebuilt when a registry setting changes).
pub(crate) fn remote_for(client: &Client, state: &Mutex<crate::State>) -> Arc<Remote> {
    let mut st = crate::lock(state);
    let key = RemoteKey::of(&st.settings);
    if let Some((k, r)) = &st.remote {
        if *k == key {
            return Arc::clone(r);
        }
    }
    let mut options = RegistryOptions::from_env();
    options.offline |= key.offline;
    options.client.plain_http |= key.plain_http;
    if key.cache_dir.is_some() {
        options.cache_dir = key.cache_dir.clone();
    }
    let events = Arc::new(ClientEvents {
        client: client.clone(),
        features: st.session.client,
        open: Mutex::default(),
    });
    let remote =
        Arc::new(Remote::new(options, Duration::from_millis(key.timeout_ms)).with_events(events));
    st.remote = Some((key, Arc::clone(&remote)));
    remote
}

impl Backend {
    /// The [`Remote`] for the current settings (rebuilt when a registry setting changes).
    pub(crate) fn remote(&self) -> Arc<Remote> {
        remote_for(&self.client, &self.state)
    }

    pub(crate) fn on_inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let remote = self.remote();
        let uri = params.text_document.uri;
        match self.snapshot(&uri) {
            Some(s) => guard::run("inlayHint", || {
                Ok(Some(rf::inlay_hints(&remote, &s.text, params.range, s.enc)))
            }),
            None => Ok(None),
        }
    }

    pub(crate) fn on_code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        let uri = params.text_document.uri;
        let Some(s) = self.snapshot(&uri) else {
            return Ok(None);
        };
        if !crate::diagnostics::is_contract(&uri) {
            return Ok(Some(Vec::new()));
        }
        let remote = self.remote();
        guard::run("codeLens", || {
            Ok(Some(rf::code_lens(
                &remote,
                s.settings.repository.as_deref(),
                &uri,
                &s.text,
                s.enc,
            )))
        })
    }

    pub(crate) async fn on_execute_command(
        &self,
        params: ExecuteCommandParams,
    ) -> Result<Option<Value>> {
        if params.command == crate::migrate::MIGRATE_REPORT {
            let report = params
                .arguments
                .first()
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    Error::invalid_params("pacto.migrateReport takes the report text")
                })?;
            let report = crate::migrate::bounded(report.to_string());
            self.client.show_message(MessageType::INFO, report).await;
            return Ok(None);
        }
        if params.command != SHOW_DIFF {
            return Err(Error::invalid_params(format!(
                "unknown command {}",
                params.command
            )));
        }
        let failed = |message: String| Error {
            code: ErrorCode::ServerError(crate::handlers::REQUEST_FAILED),
            message: message.into(),
            data: None,
        };
        let uri: Uri = params
            .arguments
            .first()
            .and_then(Value::as_str)
            .and_then(|u| u.parse().ok())
            .ok_or_else(|| Error::invalid_params("pacto.showDiff takes the document URI"))?;
        let s = self
            .snapshot(&uri)
            .ok_or_else(|| failed(format!("{} is not open", uri.as_str())))?;
        let repo = s.settings.repository.clone().ok_or_else(|| {
            failed("set pacto.repository to compare against the published version".into())
        })?;
        let remote = self.remote();
        let wait = Duration::from_millis(s.settings.registry_timeout_ms);
        let published = match remote.settle(wait, || remote.published(&repo)).await {
            Lookup::Ready(p) => p,
            Lookup::Pending => return Err(failed(format!("{repo} did not answer in time"))),
            Lookup::Failed(why) => return Err(failed(why)),
        };
        let (value, markdown) = guard::run("pacto.showDiff", || {
            rf::show_diff(&published, &uri, &s.text).map_err(failed)
        })?;
        // `{"show": false}` after the URI: the client renders the result itself (VS Code).
        let show = params
            .arguments
            .get(1)
            .and_then(|o| o.get("show"))
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let show_document = self.state().session.client.show_document;
        if show && show_document {
            self.show_markdown(&uri, &markdown).await;
        } else if show {
            self.client.show_message(MessageType::INFO, markdown).await;
        }
        Ok(Some(value))
    }

    /// Write `markdown` next to the cache and ask the client to show it.
    async fn show_markdown(&self, uri: &Uri, markdown: &str) {
        let dir = std::env::temp_dir().join("pacto-lsp");
        let name = format!(
            "diff-{}.md",
            pacto_core::registry::cache::sha256_hex(uri.as_str().as_bytes())
                .get(..12)
                .unwrap_or("contract")
        );
        let path = dir.join(name);
        let written = std::fs::create_dir_all(&dir)
            .and_then(|()| pacto_core::registry::cache::write_atomic(&path, markdown.as_bytes()));
        let target = written.ok().and_then(|()| Uri::from_file_path(&path));
        match target {
            Some(target) => {
                let params = ShowDocumentParams {
                    uri: target,
                    external: None,
                    take_focus: Some(true),
                    selection: None,
                };
                let _ = tokio::time::timeout(CLIENT_WAIT, self.client.show_document(params)).await;
            }
            None => {
                self.client
                    .show_message(MessageType::INFO, markdown.to_string())
                    .await
            }
        }
    }
}
