//! Language server latency on a 300-line Dockerfile, in process (no pipe,
//! so this is dfix's own time): for each of 1,000 edits, the time from a
//! full-text `didChange` to its `publishDiagnostics`, and the time of a
//! `source.fixAll.dfix` code action right after. Prints p50, p99 and max.
//! The server is single-threaded, so this measures one core.
//!
//! Run: `cargo bench --bench server`

use std::time::{Duration, Instant};

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{json, Value};

/// A 300-line Dockerfile with findings and fixes for most rule groups:
/// unpinned images, apt/apk/pip layers, ADD, legacy ENV, shell-form CMD,
/// several stages.
fn dockerfile(edit: usize) -> String {
    let mut out = String::from("# syntax=docker/dockerfile:1\nARG BASE=debian:12\n");
    let mut stage = 0;
    while out.lines().count() < 290 {
        stage += 1;
        out.push_str(&format!("\nfrom $BASE AS stage{stage}\n"));
        out.push_str(&format!(
            "ENV APP_HOME /srv/app{stage}\nWORKDIR /srv/app{stage}\n"
        ));
        out.push_str("RUN apt-get update\n");
        out.push_str("RUN apt-get install curl ca-certificates \\\n    git \\\n    make\n");
        out.push_str(&format!("ADD src{stage}.py /srv/app{stage}/\n"));
        out.push_str("RUN pip install flask requests\n");
        for i in 0..8 {
            out.push_str(&format!(
                "# step {i} of stage {stage}\nRUN echo {i} > /tmp/f{i}\n"
            ));
        }
        out.push_str(&format!(
            "COPY --from=stage{} /etc/hostname /tmp/h\n",
            stage.max(2) - 1
        ));
    }
    // The edit: one line that changes every time, as typing does.
    out.push_str(&format!(
        "LABEL revision=\"{edit}\"\nUSER root\nCMD python3 app.py --port {edit}\n"
    ));
    out
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn report(name: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{name}: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms over {} edits",
        percentile(&times, 0.50).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.last().map_or(0.0, |t| t.as_secs_f64() * 1e3),
        times.len()
    );
}

fn main() {
    let edits = 1_000;
    let (server, client) = Connection::memory();
    let thread = std::thread::spawn(move || dfix::server::serve(&server));
    let send = |m: Message| client.sender.send(m).expect("server alive");
    let request = |id: i32, method: &str, params: Value| -> Value {
        send(Request::new(RequestId::from(id), method.into(), params).into());
        loop {
            match client.receiver.recv().expect("a reply") {
                Message::Response(r) if r.id == RequestId::from(id) => {
                    return r.response_result.expect("no error");
                }
                _ => {}
            }
        }
    };
    let diagnostics = || loop {
        if let Message::Notification(n) = client.receiver.recv().expect("diagnostics") {
            if n.method == "textDocument/publishDiagnostics" {
                return n.params;
            }
        }
    };
    request(0, "initialize", json!({"capabilities": {}}));
    send(Notification::new("initialized".into(), json!({})).into());
    let dir = std::env::temp_dir().join("dfix-bench-server");
    let _ = std::fs::create_dir_all(&dir);
    let uri = format!("file://{}/Dockerfile", dir.display());
    let text = dockerfile(0);
    assert!(
        text.lines().count() >= 300,
        "{} lines",
        text.lines().count()
    );
    send(Notification::new(
        "textDocument/didOpen".into(),
        json!({"textDocument": {"uri": uri, "languageId": "dockerfile", "version": 0, "text": text}}),
    )
    .into());
    let first = diagnostics();
    let found = first["diagnostics"].as_array().map_or(0, Vec::len);
    println!("{} lines, {found} findings", text.lines().count());
    let (mut change, mut fix_all) = (Vec::new(), Vec::new());
    for i in 1..=edits {
        let text = dockerfile(i);
        let start = Instant::now();
        send(Notification::new(
            "textDocument/didChange".into(),
            json!({"textDocument": {"uri": uri, "version": i}, "contentChanges": [{"text": text}]}),
        )
        .into());
        let d = diagnostics();
        change.push(start.elapsed());
        assert_eq!(d["version"], i);
        let start = Instant::now();
        let actions = request(
            i as i32,
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                   "context": {"diagnostics": [], "only": ["source.fixAll.dfix"]}}),
        );
        fix_all.push(start.elapsed());
        assert_eq!(actions.as_array().map(Vec::len), Some(1), "{actions}");
    }
    report("didChange -> publishDiagnostics", change);
    report("codeAction source.fixAll.dfix", fix_all);
    request(edits as i32 + 1, "shutdown", Value::Null);
    send(Notification::new("exit".into(), Value::Null).into());
    let _ = thread.join();
}
