//! Parity on the shared corpus: for every file BuildKit accepts (the oracle
//! in `expected/` says `"ok": true`), the server's formatting edit applied
//! to the file equals what `dfix - --stdin-filename FILE` prints (and the
//! server gives no edit where that prints nothing).
//!
//! The corpus is read from `DFIX_CORPUS`; in CI (`CI` set) a missing corpus
//! is a failure, elsewhere the test says it skipped.

#[path = "common/corpus.rs"]
mod common_corpus;
mod lsp;

use std::path::PathBuf;

use lsp::{apply, dfix_stdin, uri, TestClient};
use serde_json::{json, Value};

#[test]
fn formatting_equals_dfix_stdin_on_every_accepted_corpus_file() {
    let root = match std::env::var_os("DFIX_CORPUS") {
        Some(p) => PathBuf::from(p),
        None if std::env::var_os("CI").is_some() => panic!("CI is set but DFIX_CORPUS is not"),
        None => {
            eprintln!("skipped: set DFIX_CORPUS to the shared corpus");
            return;
        }
    };
    let files = common_corpus::accepted_files(&root);
    assert!(
        files.len() >= 650,
        "corpus looks incomplete: {} files",
        files.len()
    );
    // `dfix -` for every file first, on a few threads (process start-up,
    // not CPU, is most of its time).
    let texts: Vec<Option<String>> = files
        .iter()
        .map(|p| String::from_utf8(std::fs::read(p).unwrap()).ok())
        .collect();
    let mut wants: Vec<Option<String>> = vec![None; files.len()];
    std::thread::scope(|scope| {
        for (chunk, (paths, texts)) in wants
            .chunks_mut(64)
            .zip(files.chunks(64).zip(texts.chunks(64)))
        {
            scope.spawn(move || {
                for ((w, p), t) in chunk.iter_mut().zip(paths).zip(texts) {
                    *w = t.as_ref().and_then(|t| dfix_stdin(p, t, &[]));
                }
            });
        }
    });
    let (mut c, _) = TestClient::initialized(json!({}), Value::Null);
    let (mut same, mut both_refuse, mut not_utf8) = (0, 0, 0);
    let mut failures = Vec::new();
    for (i, path) in files.iter().enumerate() {
        let Some(text) = &texts[i] else {
            not_utf8 += 1;
            continue;
        };
        let u = uri(path);
        c.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": u, "languageId": "dockerfile", "version": i, "text": text}}),
        );
        c.diagnostics();
        let edits = c.format(&u).expect("a formatting reply");
        c.notify("textDocument/didClose", json!({"textDocument": {"uri": u}}));
        c.diagnostics();
        let want = &wants[i];
        let rel = path.strip_prefix(&root).unwrap().display();
        match (want, edits.is_null()) {
            (None, true) => both_refuse += 1,
            (Some(w), false) if apply(text, &edits, "utf-16") == *w => same += 1,
            (Some(_), false) => failures.push(format!("{rel}: the edit gives another text")),
            (None, false) => failures.push(format!("{rel}: an edit where dfix - prints nothing")),
            (Some(_), true) => {
                failures.push(format!("{rel}: no edit where dfix - prints the file"))
            }
        }
    }
    eprintln!(
        "server corpus parity: {same} files equal to dfix -, {both_refuse} refused by both, \
         {not_utf8} not UTF-8, {} differ (of {} accepted)",
        failures.len(),
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(same > files.len() / 2, "most files are fixed: {same}");
    assert_eq!(c.shutdown(), Ok(()));
}
