//! An in-process LSP client for the server's tests: `dfix::server::serve`
//! runs on a thread over `lsp_server::Connection::memory()`.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::path::Path;
use std::thread::JoinHandle;
use std::time::Duration;

use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use serde_json::{json, Value};

/// How long a test waits for one message before failing.
const WAIT: Duration = Duration::from_secs(30);

/// A client connected to a server running on a thread.
pub struct TestClient {
    conn: Connection,
    server: Option<JoinHandle<Result<(), String>>>,
    next_id: i32,
    /// Notifications and server requests received while waiting for a reply.
    pending: VecDeque<Message>,
}

impl TestClient {
    /// Starts a server; no message sent yet.
    pub fn start() -> TestClient {
        let (server_side, client_side) = Connection::memory();
        let server = std::thread::spawn(move || dfix::server::serve(&server_side));
        TestClient {
            conn: client_side,
            server: Some(server),
            next_id: 0,
            pending: VecDeque::new(),
        }
    }

    /// Starts a server and initializes it with `capabilities` and
    /// `options` (`initializationOptions`); returns the `initialize` result.
    pub fn initialized(capabilities: Value, options: Value) -> (TestClient, Value) {
        let mut c = TestClient::start();
        let result = c
            .request(
                "initialize",
                json!({"capabilities": capabilities, "initializationOptions": options}),
            )
            .expect("initialize");
        c.notify("initialized", json!({}));
        (c, result)
    }

    /// Sends a raw message.
    pub fn send(&self, m: Message) {
        self.conn.sender.send(m).expect("server alive");
    }

    /// Sends a notification.
    pub fn notify(&self, method: &str, params: Value) {
        self.send(Notification::new(method.into(), params).into());
    }

    /// Sends a request and waits for its reply: `Ok(result)` or
    /// `Err((code, message))`.
    pub fn request(&mut self, method: &str, params: Value) -> Result<Value, (i32, String)> {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        self.send(Request::new(id.clone(), method.into(), params).into());
        self.reply(id)
    }

    /// Waits for the reply to `id`, keeping whatever else comes.
    pub fn reply(&mut self, id: RequestId) -> Result<Value, (i32, String)> {
        loop {
            match self.recv() {
                Message::Response(Response {
                    id: rid,
                    response_result,
                }) if rid == id => {
                    return response_result.map_err(|e| (e.code, e.message));
                }
                other => self.pending.push_back(other),
            }
        }
    }

    fn recv(&self) -> Message {
        self.conn
            .receiver
            .recv_timeout(WAIT)
            .expect("a message from the server in time")
    }

    /// The next notification `method` (earlier ones of other methods are
    /// kept); its params.
    pub fn notification(&mut self, method: &str) -> Value {
        if let Some(i) = self
            .pending
            .iter()
            .position(|m| matches!(m, Message::Notification(n) if n.method == method))
        {
            if let Some(Message::Notification(n)) = self.pending.remove(i) {
                return n.params;
            }
        }
        loop {
            match self.recv() {
                Message::Notification(n) if n.method == method => return n.params,
                other => self.pending.push_back(other),
            }
        }
    }

    /// The methods of the notifications and server requests received so far
    /// and not yet taken, after a round trip (so everything the server sent
    /// before has arrived).
    pub fn unread_methods(&mut self) -> Vec<String> {
        // Unknown to the server: the error reply comes after everything
        // sent before it.
        let _ = self.request("dfix/roundTrip", Value::Null);
        self.pending
            .iter()
            .filter_map(|m| match m {
                Message::Notification(n) => Some(n.method.clone()),
                Message::Request(r) => Some(r.method.clone()),
                Message::Response(_) => None,
            })
            .collect()
    }

    /// The next diagnostics published.
    pub fn diagnostics(&mut self) -> Value {
        self.notification("textDocument/publishDiagnostics")
    }

    /// Opens a document; returns its first diagnostics.
    pub fn open(&mut self, uri: &str, text: &str) -> Value {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "dockerfile", "version": 1, "text": text}}),
        );
        self.diagnostics()
    }

    /// Replaces a document's text; returns the new diagnostics.
    pub fn change(&mut self, uri: &str, version: i32, text: &str) -> Value {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
        self.diagnostics()
    }

    /// `textDocument/formatting`.
    pub fn format(&mut self, uri: &str) -> Result<Value, (i32, String)> {
        self.request(
            "textDocument/formatting",
            json!({"textDocument": {"uri": uri}, "options": {"tabSize": 4, "insertSpaces": true}}),
        )
    }

    /// `textDocument/codeAction` over `range` with `only` kinds (none: all).
    pub fn code_actions(&mut self, uri: &str, range: Value, only: Option<&[&str]>) -> Value {
        let mut context = json!({"diagnostics": []});
        if let Some(o) = only {
            context["only"] = json!(o);
        }
        self.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": range, "context": context}),
        )
        .expect("code actions")
    }

    /// Shuts the server down and waits for it to end; its result.
    pub fn shutdown(mut self) -> Result<(), String> {
        assert_eq!(self.request("shutdown", Value::Null), Ok(Value::Null));
        self.notify("exit", Value::Null);
        self.server
            .take()
            .expect("running")
            .join()
            .expect("no panic")
    }

    /// True while the server thread runs.
    pub fn alive(&self) -> bool {
        self.server.as_ref().is_some_and(|s| !s.is_finished())
    }
}

/// A range from (line, character) to (line, character).
pub fn range(l1: u32, c1: u32, l2: u32, c2: u32) -> Value {
    json!({"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}})
}

/// The whole-document range as editors send it for on-save actions.
pub fn whole() -> Value {
    range(0, 0, 100_000, 0)
}

/// The file URI of a path.
pub fn uri(p: &Path) -> String {
    dfix::server::convert::path_to_uri(p)
        .expect("a UTF-8 path")
        .as_str()
        .to_string()
}

/// `text` with LSP `edits` applied (`enc`: "utf-8" or "utf-16").
pub fn apply(text: &str, edits: &Value, enc: &str) -> String {
    let edits: Vec<lsp_types::TextEdit> =
        serde_json::from_value(edits.clone()).expect("a list of TextEdit");
    let enc = if enc == "utf-8" {
        dfix::server::convert::Encoding::Utf8
    } else {
        dfix::server::convert::Encoding::Utf16
    };
    dfix::server::convert::apply(text, &edits, enc)
}

/// The edits of a code action's workspace edit for `uri` (either shape).
pub fn action_edits(action: &Value, uri: &str) -> Value {
    let edit = &action["edit"];
    if let Some(changes) = edit["documentChanges"].as_array() {
        return changes
            .iter()
            .find(|c| c["textDocument"]["uri"] == uri)
            .map(|c| c["edits"].clone())
            .unwrap_or(json!([]));
    }
    edit["changes"][uri].clone()
}

/// What `dfix -` prints for `text` named `name` (`None` when it prints
/// nothing: an error or a file of another kind), run as a process.
pub fn dfix_stdin(name: &Path, text: &str, extra: &[&str]) -> Option<String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_dfix"))
        .arg("-")
        .arg("--stdin-filename")
        .arg(name)
        .args(extra)
        .env("DFIX_OFFLINE", "1")
        .env_remove("DFIX_CACHE_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dfix runs");
    let mut stdin = child.stdin.take().expect("stdin");
    let body = text.to_string();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(body.as_bytes());
    });
    let out = child.wait_with_output().expect("dfix ends");
    let _ = writer.join();
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).expect("UTF-8 output"))
}

impl TestClient {
    /// The params of the next request the server sends (`None` for other
    /// messages, which are kept).
    pub fn notification_or_request(&mut self) -> Option<Value> {
        match self.recv() {
            Message::Request(r) => Some(r.params),
            other => {
                self.pending.push_back(other);
                None
            }
        }
    }

    /// Waits for the server thread to end; its result.
    pub fn join(&mut self) -> Result<(), String> {
        self.server
            .take()
            .expect("running")
            .join()
            .expect("no panic")
    }
}
