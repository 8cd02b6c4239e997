//! The server never dies: random and truncated messages on the real
//! binary's stdin, and random requests, params and edits in process. A
//! small deterministic generator (seeded, so a failure can be replayed)
//! keeps this free of a fuzzing dependency; `fuzz/` holds the parser's
//! libFuzzer targets.

mod lsp;

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use lsp::{uri, TestClient};
#[path = "common/rng.rs"]
mod rng;
use rng::Rng;
use serde_json::{json, Value};

const METHODS: &[&str] = &[
    "textDocument/codeAction",
    "textDocument/formatting",
    "textDocument/hover",
    "textDocument/didOpen",
    "textDocument/didChange",
    "textDocument/didClose",
    "workspace/didChangeConfiguration",
    "workspace/didChangeWatchedFiles",
    "textDocument/completion",
    "$/cancelRequest",
    "initialize",
];

/// Pieces Dockerfiles are made of, including the awkward ones.
const PIECES: &[&str] = &[
    "FROM debian:12\n",
    "from alpine AS b\n",
    "RUN apt-get install curl\n",
    "ADD a.py /a\n",
    "CMD run it\n",
    "USER root\n",
    "RUN <<EOF\n",
    "EOF\n",
    "\\\n",
    "\r\n",
    "\r",
    "é",
    "🐳",
    "# dfix: ignore=DF101\n",
    "# escape=`\n",
    "RNU x\n",
    "ENV a b\n",
    "  ",
    "\"",
    "[",
    "\u{0}",
    "ONBUILD RUN x\n",
    "ARG V=1\nFROM x:$V\n",
    "COPY --from=b / /\n",
];

fn random_json(r: &mut Rng, depth: usize) -> Value {
    match r.below(if depth > 2 { 5 } else { 8 }) {
        0 => Value::Null,
        1 => json!(r.below(3) == 0),
        2 => json!(r.next() as i64),
        3 => json!(*r.pick(PIECES)),
        4 => json!(u32::MAX),
        5 => json!([random_json(r, depth + 1), random_json(r, depth + 1)]),
        _ => {
            let keys = [
                "textDocument",
                "uri",
                "range",
                "position",
                "context",
                "settings",
                "only",
                "text",
                "version",
                "contentChanges",
                "line",
                "character",
            ];
            let mut m = serde_json::Map::new();
            for _ in 0..r.below(4) {
                m.insert(r.pick(&keys).to_string(), random_json(r, depth + 1));
            }
            Value::Object(m)
        }
    }
}

fn random_text(r: &mut Rng) -> String {
    (0..r.below(30)).map(|_| *r.pick(PIECES)).collect()
}

fn position(r: &mut Rng) -> Value {
    let big = [0u32, 1, 2, 5, 40, 1000, u32::MAX];
    json!({"line": r.pick(&big), "character": r.pick(&big)})
}

/// Well-formed-ish params for a method, or garbage.
fn params(r: &mut Rng, method: &str, u: &str, version: &mut i32) -> Value {
    if r.below(5) == 0 {
        return random_json(r, 0);
    }
    let doc = json!({"uri": u});
    match method {
        "textDocument/didOpen" => {
            json!({"textDocument": {"uri": u, "languageId": "dockerfile", "version": 1, "text": random_text(r)}})
        }
        "textDocument/didChange" => {
            *version += 1;
            let change = if r.below(3) == 0 {
                json!({"range": {"start": position(r), "end": position(r)}, "text": random_text(r)})
            } else {
                json!({"text": random_text(r)})
            };
            json!({"textDocument": {"uri": u, "version": version}, "contentChanges": [change]})
        }
        "textDocument/codeAction" => {
            let only = r
                .pick(&[
                    json!(null),
                    json!(["quickfix"]),
                    json!(["source"]),
                    json!([""]),
                ])
                .clone();
            json!({"textDocument": doc, "range": {"start": position(r), "end": position(r)}, "context": {"diagnostics": [], "only": only}})
        }
        "textDocument/hover" => json!({"textDocument": doc, "position": position(r)}),
        "workspace/didChangeConfiguration" => {
            json!({"settings": {"select": [r.pick(&["DF1", "ALL", "NOPE"])], "unsafeFixes": r.below(2) == 0}})
        }
        _ => json!({"textDocument": doc, "options": {"tabSize": 4, "insertSpaces": true}}),
    }
}

#[test]
fn random_requests_and_edits_never_end_the_server() {
    let d = tempfile::tempdir().unwrap();
    let u = uri(&d.path().join("Dockerfile"));
    for seed in 1..=8u64 {
        let mut r = Rng::seeded(seed);
        let (mut c, _) = TestClient::initialized(json!({}), Value::Null);
        let mut version = 1;
        c.notify("textDocument/didOpen", json!({"textDocument": {"uri": u, "languageId": "dockerfile", "version": 1, "text": random_text(&mut r)}}));
        for _ in 0..150 {
            let method = *r.pick(METHODS);
            let p = params(&mut r, method, &u, &mut version);
            if method.starts_with("textDocument/did")
                || method.starts_with("workspace/")
                || method.starts_with('$')
            {
                c.notify(method, p);
            } else {
                // Every request gets a reply, error or not.
                let _ = c.request(method, p);
            }
        }
        assert!(c.alive(), "seed {seed}");
        // Still serving: a fresh document gets its diagnostics.
        let fresh = uri(&d.path().join(format!("s{seed}/Dockerfile")));
        let mut diags = c.open(&fresh, "FROM a\nADD x.py /x\n");
        // Diagnostics of the random edits come first.
        while diags["uri"] != fresh.as_str() {
            diags = c.diagnostics();
        }
        assert_eq!(diags["diagnostics"][0]["source"], "dfix", "seed {seed}");
        assert_eq!(c.shutdown(), Ok(()), "seed {seed}");
    }
}

/// Valid JSON that is no message, or a request with a bad method.
const NOT_MESSAGES: &[&str] = &[
    r#"{"id":5}"#,
    r#"[1,2]"#,
    r#"{"jsonrpc":"2.0","id":9,"method":42}"#,
    "null",
];

/// A framed message.
fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

#[test]
fn random_and_truncated_bytes_on_stdin_never_end_the_server() {
    let init = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#;
    let open = r#"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///tmp/dfix-fuzz/Dockerfile","languageId":"dockerfile","version":1,"text":"FROM a\nADD x.py /x\n"}}}"#;
    let mut r = Rng(0xDF1C);
    let mut input = Vec::new();
    input.extend(frame(init));
    for _ in 0..300 {
        match r.below(6) {
            // Random bytes.
            0 => input.extend((0..r.below(64)).map(|_| r.next() as u8)),
            // A real message cut short, framed with its full length: the
            // next message's bytes are read as the rest of its body.
            1 => {
                let cut = &open[..r.below(open.len())];
                input.extend(format!("Content-Length: {}\r\n\r\n{cut}", open.len()).into_bytes());
            }
            // A real message cut short, framed with its cut length.
            2 => input.extend(frame(&open[..r.below(open.len())])),
            // Broken headers.
            3 => input.extend(
                r.pick(&[
                    &b"Content-Length: x\r\n\r\n"[..],
                    b"Content-Length: 99999999999999\r\n\r\n",
                    b"\r\n\r\n",
                    b"Content-Type: a\r\n\r\n{}",
                ])
                .to_vec(),
            ),
            // Valid JSON that is no message, or a request with a bad method.
            4 => input.extend(frame(NOT_MESSAGES[r.below(NOT_MESSAGES.len())])),
            _ => input.extend(frame(open)),
        }
    }
    // Re-synchronise on a blank line, then a request that must be answered.
    input.extend(b"\r\n\r\n\r\n");
    let hover = r#"{"jsonrpc":"2.0","id":"last","method":"textDocument/hover","params":{"textDocument":{"uri":"file:///tmp/dfix-fuzz/Dockerfile"},"position":{"line":0,"character":0}}}"#;
    let shutdown = r#"{"jsonrpc":"2.0","id":"bye","method":"shutdown"}"#;
    let exit = r#"{"jsonrpc":"2.0","method":"exit"}"#;
    let tail = [frame(hover), frame(hover), frame(shutdown), frame(exit)].concat();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dfix"))
        .arg("server")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
        let _ = stdin.write_all(&tail);
    });
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    writer.join().unwrap();
    let status = child.wait().unwrap();
    // A truncated message may swallow the first hover: the second one, the
    // shutdown and the exit are then read in order.
    assert!(
        out.contains(r#""id":"bye","result":null"#),
        "{}",
        &out[out.len().saturating_sub(500)..]
    );
    assert!(out.contains(r#""id":"last""#));
    assert!(status.success(), "{status:?}");
}
