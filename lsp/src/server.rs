//! The protocol layer: tower-lsp-server moves JSON-RPC in and out; every answer comes from
//! the [`World`] behind a mutex. tower-lsp-server answers a request sent before `initialize`
//! or after `shutdown` with an error, and a malformed message with a parse error.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::features;
use crate::world::World;

pub struct Backend {
    client: Client,
    /// Where diagnostics go out, serialized here rather than by tower-lsp-server (see
    /// [`outbox`](crate::outbox)).
    outbox: crate::outbox::Outbox,
    world: Arc<Mutex<World>>,
    /// Wakes the publisher (see [`Backend::publish`]); `None` outside a tokio runtime, where
    /// each change publishes at once.
    publisher: Option<Arc<tokio::sync::Notify>>,
    /// Whether the client lets the server ask to be told of file changes on disk.
    watch: std::sync::atomic::AtomicBool,
}

impl Backend {
    pub fn new(client: Client, outbox: crate::outbox::Outbox) -> Self {
        let world = Arc::new(Mutex::new(World::new()));
        let publisher = tokio::runtime::Handle::try_current().ok().map(|runtime| {
            let wanted = Arc::new(tokio::sync::Notify::new());
            let (world, outbox, woken) = (world.clone(), outbox.clone(), wanted.clone());
            runtime.spawn(async move {
                loop {
                    woken.notified().await;
                    // A panic in a check must not end publishing for the rest of the session:
                    // it is reported, and the next change is checked afresh.
                    let published = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        publish(&world, &outbox)
                    }));
                    if published.is_err() {
                        eprintln!("pbxc lsp: checking the changes failed; waiting for the next");
                    }
                }
            });
            wanted
        });
        Backend {
            client,
            outbox,
            world,
            publisher,
            watch: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The world, even if the publisher panicked while holding it (the state is still a
    /// consistent database).
    fn world(&self) -> std::sync::MutexGuard<'_, World> {
        lock(&self.world)
    }

    /// Asks for the diagnostics of the world as it now is. A task of its own publishes them,
    /// after the handlers of the messages already read have run: changes that reach the
    /// server together (keystrokes typed faster than a check of a large file takes) are all
    /// applied before it checks, and checked once.
    async fn publish(&self) {
        match &self.publisher {
            Some(wanted) => wanted.notify_one(),
            None => publish(&self.world, &self.outbox),
        }
    }
}

fn lock(world: &Mutex<World>) -> std::sync::MutexGuard<'_, World> {
    world.lock().unwrap_or_else(|e| e.into_inner())
}

/// Checks what changed and sends each file's diagnostics to the writer.
fn publish(world: &Mutex<World>, outbox: &crate::outbox::Outbox) {
    let batch = lock(world).publish();
    for publication in batch {
        // Only fails once the writer has stopped, when the server is exiting.
        let _ = outbox.send(crate::outbox::Message::Diagnostics {
            uri: publication.uri.as_str().to_string(),
            frame: publication.frame,
        });
    }
}

/// What [`frames`](crate::frames) put in place of a bad message.
#[derive(serde::Deserialize)]
pub struct Malformed {
    code: i64,
    message: String,
}

/// A request [`frames`](crate::frames) diverted to [`Backend::direct`]: its id, method and
/// parameters as the client sent them.
#[derive(serde::Deserialize)]
pub struct Direct {
    id: serde_json::Value,
    method: String,
    #[serde(default)]
    params: serde_json::Value,
}

/// A response written by the server itself; `result` is serialized straight into the frame.
#[derive(serde::Serialize)]
struct Answer<'a, T: serde::Serialize> {
    jsonrpc: &'static str,
    id: &'a serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Error>,
}

/// The answer to `pbxc/status`: what the server has done since it started.
#[derive(serde::Serialize)]
pub struct Status {
    /// Checks of a root (a configuration directory, or a file alone).
    pub analyses: usize,
    /// Files parsed.
    pub parses: usize,
    /// Lines those parses read (after an edit, the lines it touched; the others are copied).
    #[serde(rename = "linesRead")]
    pub lines_read: usize,
    /// Changes to files and directories the server has applied.
    pub changes: u64,
    /// What the last check copied from the one before: sections whose context it did not
    /// lower again, priorities whose jumps it did not resolve again.
    #[serde(rename = "sectionsReused")]
    pub sections_reused: usize,
    #[serde(rename = "jumpsReused")]
    pub jumps_reused: usize,
}

impl Backend {
    /// `pbxc/status` (no parameters): counts that show what the server spends its time on.
    pub async fn status(&self) -> Result<Status> {
        let world = self.world();
        Ok(Status {
            analyses: world.db.analysis_count(),
            parses: world.db.parse_count(),
            lines_read: world.db.lines_read(),
            changes: world.db.revision(),
            sections_reused: world.db.reused().sections,
            jumps_reused: world.db.reused().jumps,
        })
    }

    /// Answers a request [`frames`](crate::frames) diverted: the same features as the
    /// protocol's methods below, the result serialized straight into the response's frame.
    pub async fn direct(&self, request: Direct) {
        let body = match request.method.as_str() {
            "textDocument/documentSymbol" => {
                self.answer(&request, |world, p: DocumentSymbolParams| {
                    features::symbols::document_symbols(world, &p.text_document.uri)
                        .map(DocumentSymbolResponse::Nested)
                })
            }
            "textDocument/semanticTokens/full" => {
                self.answer(&request, |world, p: SemanticTokensParams| {
                    features::tokens::semantic_tokens(world, &p.text_document.uri)
                        .map(SemanticTokensResult::Tokens)
                })
            }
            "textDocument/formatting" => {
                self.answer(&request, |world, p: DocumentFormattingParams| {
                    features::format::formatting(world, &p.text_document.uri)
                })
            }
            _ => respond::<()>(&request.id, Err(Error::method_not_found())),
        };
        // Only fails once the writer has stopped, when the server is exiting.
        let _ = self
            .outbox
            .send(crate::outbox::Message::Frame(crate::outbox::frame(&body)));
    }

    /// The response body to `request`, its parameters read as `P`, as tower-lsp-server would
    /// answer them: invalid parameters are an `InvalidParams` error.
    fn answer<P: serde::de::DeserializeOwned, T: serde::Serialize>(
        &self,
        request: &Direct,
        feature: impl FnOnce(&mut World, P) -> T,
    ) -> Vec<u8> {
        let result = serde_json::from_value::<P>(request.params.clone())
            .map_err(|e| Error::invalid_params(e.to_string()))
            .map(|params| feature(&mut self.world(), params));
        respond(&request.id, result)
    }

    /// Answers a bad message with the error it deserves.
    pub async fn malformed(&self, params: Malformed) -> Result<()> {
        Err(Error {
            code: tower_lsp_server::jsonrpc::ErrorCode::from(params.code),
            message: params.message.into(),
            data: None,
        })
    }
}

/// The body of the response to request `id`.
fn respond<T: serde::Serialize>(id: &serde_json::Value, result: Result<T>) -> Vec<u8> {
    let (result, error) = match result {
        Ok(result) => (Some(result), None),
        Err(error) => (None, Some(error)),
    };
    let answer = Answer {
        jsonrpc: "2.0",
        id,
        result,
        error,
    };
    serde_json::to_vec(&answer).unwrap_or_else(|e| {
        // A result serde cannot write (a map with keys that are not strings, which no
        // feature builds) is still answered, as tower-lsp-server answers it.
        serde_json::to_vec(&Answer::<()> {
            jsonrpc: "2.0",
            id,
            result: None,
            error: Some(Error {
                code: tower_lsp_server::jsonrpc::ErrorCode::InternalError,
                message: e.to_string().into(),
                data: None,
            }),
        })
        .unwrap_or_default()
    })
}

fn path(uri: &Uri) -> Option<PathBuf> {
    uri.to_file_path().map(|p| p.into_owned())
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let dynamic = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        self.watch
            .store(dynamic, std::sync::atomic::Ordering::Relaxed);
        Ok(self.world().initialize(&params))
    }

    /// Tells the user of settings that were ignored, and asks to hear of configuration files
    /// changing on disk (a file no buffer holds may be included by one that is open).
    async fn initialized(&self, _: InitializedParams) {
        let warnings = self.world().take_warnings();
        for warning in warnings {
            self.client
                .show_message(MessageType::WARNING, warning)
                .await;
        }
        if !self.watch.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let options = DidChangeWatchedFilesRegistrationOptions {
            watchers: ["**/*.conf", "**/*.conf.*"]
                .into_iter()
                .map(|glob| FileSystemWatcher {
                    glob_pattern: GlobPattern::String(glob.into()),
                    kind: None,
                })
                .collect(),
        };
        let registration = Registration {
            id: "pbxc-watch".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: serde_json::to_value(options).ok(),
        };
        let _ = self.client.register_capability(vec![registration]).await;
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        if let Some(path) = path(&doc.uri) {
            self.world().open(&path, doc.text, doc.version);
            self.publish().await;
        }
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let doc = params.text_document;
        if let Some(path) = path(&doc.uri) {
            self.world()
                .change(&path, params.content_changes, doc.version);
            self.publish().await;
        }
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        if let Some(path) = path(&params.text_document.uri) {
            self.world().disk_changed(&path);
            self.publish().await;
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        if let Some(path) = path(&params.text_document.uri) {
            self.world().close(&path);
            self.publish().await;
        }
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        {
            let mut world = self.world();
            for change in params.changes {
                if let Some(path) = path(&change.uri) {
                    world.disk_changed(&path);
                }
            }
        }
        self.publish().await;
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        {
            let mut world = self.world();
            let mut folders = world.folders().to_vec();
            for removed in params.event.removed {
                if let Some(p) = path(&removed.uri) {
                    folders.retain(|f| *f != p);
                }
            }
            folders.extend(params.event.added.iter().filter_map(|f| path(&f.uri)));
            world.set_folders(folders);
        }
        self.publish().await;
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let p = params.text_document_position_params;
        Ok(features::hover::hover(
            &mut self.world(),
            &p.text_document.uri,
            p.position,
        ))
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let p = params.text_document_position_params;
        Ok(
            features::navigation::definition(&mut self.world(), &p.text_document.uri, p.position)
                .filter(|l| !l.is_empty())
                .map(GotoDefinitionResponse::Array),
        )
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let p = params.text_document_position;
        Ok(features::navigation::references(
            &mut self.world(),
            &p.text_document.uri,
            p.position,
            params.context.include_declaration,
        ))
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        Ok(features::navigation::prepare_rename(
            &mut self.world(),
            &params.text_document.uri,
            params.position,
        ))
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let p = params.text_document_position;
        features::navigation::rename(
            &mut self.world(),
            &p.text_document.uri,
            p.position,
            &params.new_name,
        )
        .map_err(Error::invalid_params)
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let p = params.text_document_position;
        Ok(
            features::completion::completion(&mut self.world(), &p.text_document.uri, p.position)
                .map(CompletionResponse::Array),
        )
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        Ok(
            features::symbols::document_symbols(&mut self.world(), &params.text_document.uri)
                .map(DocumentSymbolResponse::Nested),
        )
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        let mut world = self.world();
        let open = world.open_files();
        Ok(Some(WorkspaceSymbolResponse::Flat(
            features::symbols::workspace_symbols(&mut world, &params.query, &open),
        )))
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        Ok(
            features::tokens::semantic_tokens(&mut self.world(), &params.text_document.uri)
                .map(SemanticTokensResult::Tokens),
        )
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        Ok(features::format::formatting(
            &mut self.world(),
            &params.text_document.uri,
        ))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        Ok(features::actions::code_actions(
            &mut self.world(),
            &params.text_document.uri,
            params.range,
        ))
    }
}
