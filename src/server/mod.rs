//! `dfix server`: a language server over stdio, on `lsp-server`.
//!
//! One thread handles the messages in order: a file takes milliseconds.
//! Each handler is a function of the session and the request's params, so
//! a worker pool later would change no handler. Every handler runs under
//! `catch_unwind`: a panic answers that request with an error and the
//! session goes on; so do a malformed message, an unknown method and a
//! position out of range. Logs go to stderr only (stdout is the protocol).

pub mod code_action;
pub mod convert;
pub mod diagnostics;
pub mod formatting;
pub mod hover;
pub mod session;
pub mod transport;

use std::panic::{catch_unwind, AssertUnwindSafe};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    PublishDiagnosticsParams, Uri,
};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use convert::Encoding;
use session::{ClientCaps, Document, EditorSettings, Session};

/// Runs the server on stdin/stdout until `exit` or the end of input.
pub fn run_stdio() -> Result<(), String> {
    let (connection, threads) = transport::stdio().map_err(|e| e.to_string())?;
    let result = serve(&connection);
    drop(connection);
    threads.join();
    result
}

/// Serves one client over `connection` until `exit` (an error when no
/// `shutdown` came first, as the protocol asks) or until the client is
/// gone.
pub fn serve(connection: &Connection) -> Result<(), String> {
    let mut session: Option<Session> = None;
    let mut shut_down = false;
    let send = |m: Message| {
        // The client is gone: nothing to tell it.
        let _ = connection.sender.send(m);
    };
    for message in &connection.receiver {
        match message {
            Message::Request(req) => {
                let Some(s) = session.as_mut() else {
                    if req.method == "initialize" {
                        let (s, result) = initialize(&req.params);
                        session = Some(s);
                        send(Response::new_ok(req.id, result).into());
                    } else {
                        send(error(
                            req.id,
                            ErrorCode::ServerNotInitialized,
                            "not initialized",
                        ));
                    }
                    continue;
                };
                if shut_down {
                    send(error(req.id, ErrorCode::InvalidRequest, "shut down"));
                    continue;
                }
                if req.method == "shutdown" {
                    shut_down = true;
                    send(Response::new_ok(req.id, Value::Null).into());
                    continue;
                }
                let id = req.id.clone();
                let method = req.method.clone();
                let mut out = Vec::new();
                let response = catch_unwind(AssertUnwindSafe(|| request(s, req, &mut out)))
                    .unwrap_or_else(|_| {
                        eprintln!("dfix server: internal error in {method}");
                        Err((
                            ErrorCode::InternalError,
                            format!("dfix panicked in {method}"),
                        ))
                    });
                out.into_iter().for_each(send);
                send(match response {
                    Ok(v) => Response::new_ok(id, v).into(),
                    Err((code, msg)) => error(id, code, &msg),
                });
            }
            Message::Notification(n) => {
                if n.method == "exit" {
                    return if shut_down {
                        Ok(())
                    } else {
                        Err("exit without shutdown".into())
                    };
                }
                let Some(s) = session.as_mut() else {
                    continue;
                };
                let method = n.method.clone();
                let mut out = Vec::new();
                if catch_unwind(AssertUnwindSafe(|| notification(s, n, &mut out))).is_err() {
                    eprintln!("dfix server: internal error in {method}");
                }
                out.into_iter().for_each(send);
            }
            // Replies to our own requests (registerCapability): nothing to do.
            Message::Response(_) => {}
        }
    }
    Ok(())
}

fn error(id: RequestId, code: ErrorCode, message: &str) -> Message {
    Response::new_err(id, code as i32, message.to_string()).into()
}

/// The session and the `initialize` result for the client's params.
fn initialize(params: &Value) -> (Session, Value) {
    let caps = &params["capabilities"];
    let utf8 = caps["general"]["positionEncodings"]
        .as_array()
        .is_some_and(|a| a.iter().any(|e| e == "utf-8"));
    let encoding = if utf8 {
        Encoding::Utf8
    } else {
        Encoding::Utf16
    };
    let client = ClientCaps {
        document_changes: caps["workspace"]["workspaceEdit"]["documentChanges"] == true,
        watch_files: caps["workspace"]["didChangeWatchedFiles"]["dynamicRegistration"] == true,
        pull_diagnostics: caps["textDocument"]["diagnostic"].is_object(),
        diagnostic_refresh: caps["workspace"]["diagnostics"]["refreshSupport"] == true,
        create_files: caps["workspace"]["workspaceEdit"]["resourceOperations"]
            .as_array()
            .is_some_and(|a| a.iter().any(|o| o == "create")),
    };
    let settings = match params.get("initializationOptions") {
        Some(v) => EditorSettings::from_json(v).unwrap_or_else(|e| {
            eprintln!("dfix server: initializationOptions: {e}; using the defaults");
            EditorSettings::default()
        }),
        None => EditorSettings::default(),
    };
    let mut result = json!({
        "capabilities": {
            "positionEncoding": if utf8 { "utf-8" } else { "utf-16" },
            "textDocumentSync": { "openClose": true, "change": 1 },
            "codeActionProvider": {
                "codeActionKinds": ["quickfix", code_action::FIX_ALL],
            },
            "documentFormattingProvider": true,
            "hoverProvider": true,
        },
        "serverInfo": { "name": "dfix", "version": env!("CARGO_PKG_VERSION") },
    });
    if client.pull_diagnostics {
        // One file's findings depend on that file (and its config) only.
        result["capabilities"]["diagnosticProvider"] = json!({
            "identifier": "dfix",
            "interFileDependencies": false,
            "workspaceDiagnostics": false,
        });
    }
    (Session::new(encoding, client, settings), result)
}

type Reply = Result<Value, (ErrorCode, String)>;

fn params<P: DeserializeOwned>(v: Value) -> Result<P, (ErrorCode, String)> {
    serde_json::from_value(v).map_err(|e| (ErrorCode::InvalidParams, e.to_string()))
}

fn reply<R: serde::Serialize>(r: Option<R>) -> Reply {
    serde_json::to_value(r).map_err(|e| (ErrorCode::InternalError, e.to_string()))
}

/// Handles one request; notifications to send go to `out`.
fn request(s: &mut Session, req: Request, _out: &mut Vec<Message>) -> Reply {
    match req.method.as_str() {
        "textDocument/codeAction" => reply(code_action::code_actions(s, params(req.params)?)),
        "textDocument/formatting" => reply(formatting::format(s, params(req.params)?)),
        "textDocument/hover" => reply(hover::hover(s, params(req.params)?)),
        "textDocument/diagnostic" => reply(Some(diagnostics::pull(s, params(req.params)?))),
        // Only in unit tests: a handler that panics.
        #[cfg(test)]
        "dfix/testPanic" => panic!("a handler panicked"),
        m => Err((ErrorCode::MethodNotFound, format!("unknown method {m}"))),
    }
}

/// Pushes a document's diagnostics, unless the client pulls them.
fn publish(s: &mut Session, uri: &Uri, out: &mut Vec<Message>) {
    if s.caps.pull_diagnostics {
        return;
    }
    if let Some(p) = diagnostics::publish(s, uri) {
        out.push(Notification::new("textDocument/publishDiagnostics".into(), p).into());
    }
}

/// Every open document's diagnostics again (settings or a config changed):
/// pushed, or the client asked to pull them again.
fn publish_all(s: &mut Session, out: &mut Vec<Message>) {
    if s.caps.pull_diagnostics {
        if s.caps.diagnostic_refresh {
            s.requests_sent += 1;
            out.push(
                Request::new(
                    RequestId::from(format!("dfix-refresh-{}", s.requests_sent)),
                    "workspace/diagnostic/refresh".into(),
                    Value::Null,
                )
                .into(),
            );
        }
        return;
    }
    let uris: Vec<String> = s.documents.keys().cloned().collect();
    for u in uris {
        if let Ok(uri) = u.parse::<Uri>() {
            publish(s, &uri, out);
        }
    }
}

/// Handles one notification; notifications and requests to send go to
/// `out`. Bad params are logged and dropped (there is no one to answer).
fn notification(s: &mut Session, n: Notification, out: &mut Vec<Message>) {
    let method = n.method.clone();
    let logged = |e: serde_json::Error| eprintln!("dfix server: {method}: bad params: {e}");
    match n.method.as_str() {
        "initialized" if s.caps.watch_files => {
            // Watch config files so a changed dfix.toml is read again.
            let watchers: Vec<Value> = crate::config::CONFIG_NAMES
                .iter()
                .map(|name| json!({ "globPattern": format!("**/{name}") }))
                .collect();
            let register = json!({ "registrations": [{
                "id": "dfix-config-watch",
                "method": "workspace/didChangeWatchedFiles",
                "registerOptions": { "watchers": watchers },
            }]});
            out.push(
                Request::new(
                    RequestId::from("dfix-config-watch".to_string()),
                    "client/registerCapability".into(),
                    register,
                )
                .into(),
            );
        }
        "textDocument/didOpen" => {
            match serde_json::from_value::<DidOpenTextDocumentParams>(n.params) {
                Ok(p) => {
                    let d = p.text_document;
                    // The kind and config come from the path, never the language id.
                    let Some(path) = convert::uri_to_path(&d.uri) else {
                        eprintln!("dfix server: {}: not a file path", d.uri.as_str());
                        return;
                    };
                    s.documents.insert(
                        d.uri.as_str().to_string(),
                        Document::new(d.text, d.version, path),
                    );
                    publish(s, &d.uri, out);
                }
                Err(e) => logged(e),
            }
        }
        "textDocument/didChange" => {
            match serde_json::from_value::<DidChangeTextDocumentParams>(n.params) {
                Ok(p) => {
                    let uri = p.text_document.uri;
                    let enc = s.encoding;
                    let Some(doc) = s.documents.get_mut(uri.as_str()) else {
                        return;
                    };
                    let mut text = doc.text.clone();
                    for c in p.content_changes {
                        match c.range {
                            // Full sync is what we ask for; a range is applied
                            // anyway, should a client send one.
                            Some(r) => {
                                text = convert::apply(
                                    &text,
                                    &[lsp_types::TextEdit::new(r, c.text)],
                                    enc,
                                )
                            }
                            None => text = c.text,
                        }
                    }
                    doc.set_text(text, p.text_document.version);
                    publish(s, &uri, out);
                }
                Err(e) => logged(e),
            }
        }
        "textDocument/didClose" => {
            match serde_json::from_value::<DidCloseTextDocumentParams>(n.params) {
                Ok(p) => {
                    let uri = p.text_document.uri;
                    s.documents.remove(uri.as_str());
                    if s.caps.pull_diagnostics {
                        return;
                    }
                    let clear = PublishDiagnosticsParams {
                        uri,
                        diagnostics: Vec::new(),
                        version: None,
                    };
                    out.push(
                        Notification::new("textDocument/publishDiagnostics".into(), clear).into(),
                    );
                }
                Err(e) => logged(e),
            }
        }
        "workspace/didChangeConfiguration" => {
            match EditorSettings::from_json(&n.params["settings"]) {
                Ok(settings) => {
                    s.set_settings(settings);
                    publish_all(s, out);
                }
                Err(e) => eprintln!("dfix server: settings: {e}; kept the previous ones"),
            }
        }
        "workspace/didChangeWatchedFiles" => {
            s.reload();
            publish_all(s, out);
        }
        // Everything else (didSave, $/cancelRequest, $/setTrace, ...) needs
        // nothing from us.
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A panic inside one request answers it with InternalError; the next
    /// request is served.
    #[test]
    fn a_panicking_handler_does_not_end_the_session() {
        let (server, client) = Connection::memory();
        let thread = std::thread::spawn(move || serve(&server));
        let req = |id: i32, method: &str| -> Message {
            Request::new(
                RequestId::from(id),
                method.into(),
                json!({"capabilities": {}}),
            )
            .into()
        };
        let reply = || match client.receiver.recv().unwrap() {
            Message::Response(r) => r,
            other => panic!("{other:?}"),
        };
        client.sender.send(req(1, "initialize")).unwrap();
        assert!(reply().response_result.is_ok());
        client.sender.send(req(2, "dfix/testPanic")).unwrap();
        let r = reply();
        assert_eq!(r.id, RequestId::from(2));
        assert_eq!(
            r.response_result.unwrap_err().code,
            ErrorCode::InternalError as i32
        );
        client.sender.send(req(3, "shutdown")).unwrap();
        assert_eq!(reply().response_result.ok(), Some(Value::Null));
        client
            .sender
            .send(Notification::new("exit".into(), Value::Null).into())
            .unwrap();
        assert_eq!(thread.join().unwrap(), Ok(()));
    }
}
