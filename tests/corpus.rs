//! Corpus conformance: every Dockerfile of the shared corpus, parsed by dfix,
//! against BuildKit's own parse of it (the oracle in `expected/`).
//!
//! The corpus is read from `DFIX_CORPUS`. In CI (`CI` set) a missing corpus is
//! a failure; elsewhere the test says it skipped.

use std::path::{Path, PathBuf};

use dfix_grammar::Document;
use serde_json::Value;

#[path = "common/corpus.rs"]
mod common_corpus;
use common_corpus::corpus_files;

/// Files where current BuildKit differs from the v0.12 oracle; we follow
/// current BuildKit (its parser.go), and check that behaviour here instead.
const CURRENT_BUILDKIT_DIFFERS: &[(&str, &str)] = &[
    // Current BuildKit's shell lexer keeps blanks after `<<` in the word, so
    // `RUN << EOF` opens a heredoc; v0.12 read `EOF` as a plain word.
    ("hard/37-space-heredoc.df", "run heredoc EOF"),
    // BuildKit attaches ONBUILD RUN's heredocs to the ONBUILD node; the
    // oracle's binding does not report them (its end_line shows the body was read).
    ("hard/14-onbuild-heredoc.df", "onbuild heredoc EOF"),
];

fn corpus() -> Option<PathBuf> {
    match std::env::var_os("DFIX_CORPUS") {
        Some(p) if Path::new(&p).join("expected").is_dir() => Some(PathBuf::from(p)),
        Some(p) => panic!(
            "DFIX_CORPUS={} has no expected/ folder",
            Path::new(&p).display()
        ),
        None if std::env::var_os("CI").is_some() => panic!("CI is set but DFIX_CORPUS is not"),
        None => {
            eprintln!("skipped: set DFIX_CORPUS to the shared corpus to run the conformance test");
            None
        }
    }
}

fn compare(doc: &Document, oracle: &Value) -> Result<(), String> {
    let want = oracle["instructions"]
        .as_array()
        .ok_or("oracle has no instructions")?;
    if doc.instructions.len() != want.len() {
        return Err(format!(
            "{} instructions, oracle {}",
            doc.instructions.len(),
            want.len()
        ));
    }
    for (i, (got, w)) in doc.instructions.iter().zip(want).enumerate() {
        let flags: Vec<&str> = got.flags.iter().map(|f| f.raw.as_str()).collect();
        let wflags: Vec<&str> = w["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        let checks = [
            (
                "cmd",
                got.keyword.to_lowercase() == w["cmd"].as_str().unwrap(),
            ),
            (
                "start_line",
                got.start_line as u64 == w["start_line"].as_u64().unwrap(),
            ),
            (
                "end_line",
                got.end_line as u64 == w["end_line"].as_u64().unwrap(),
            ),
            ("flags", flags == wflags),
            ("json", got.is_exec_form() == w["json"].as_bool().unwrap()),
        ];
        if let Some((k, _)) = checks.iter().find(|(_, ok)| !ok) {
            return Err(format!(
                "instruction {i} ({}) differs in {k}: oracle {}",
                got.keyword, w
            ));
        }
        let wh: Vec<(String, String)> = w["heredocs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                (
                    h["name"].as_str().unwrap().to_string(),
                    h["content"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let gh: Vec<(String, String)> = got
            .heredocs
            .iter()
            .map(|h| (h.name.clone(), h.content.clone()))
            .collect();
        if gh != wh {
            return Err(format!("instruction {i}: heredocs {gh:?}, oracle {wh:?}"));
        }
    }
    Ok(())
}

#[test]
fn corpus_matches_buildkit_and_round_trips() {
    let Some(root) = corpus() else { return };
    let files = corpus_files(&root);
    assert!(
        files.len() >= 700,
        "corpus looks incomplete: {} files",
        files.len()
    );
    let mut failures = Vec::new();
    let (mut accepted, mut rejected) = (0, 0);
    for (rel, src, oracle) in &files {
        let bytes = std::fs::read(src).unwrap();
        let Ok(text) = String::from_utf8(bytes.clone()) else {
            if oracle["ok"].as_bool() == Some(true) {
                failures.push(format!("{rel}: not UTF-8 but the oracle accepts it"));
            }
            continue;
        };
        let doc = Document::parse(&text);
        // Round trip: printing the unedited tree gives the bytes back.
        if doc.print().as_bytes() != bytes.as_slice() {
            failures.push(format!("{rel}: round trip differs"));
        }
        let root_node = doc.tree().root_node();
        // tree-sitter's runtime itself skips a UTF-8 BOM at offset 0.
        let start = if bytes.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        if root_node.byte_range() != (start..bytes.len()) && !(bytes.is_empty()) {
            failures.push(format!(
                "{rel}: tree covers {:?} of {} bytes",
                root_node.byte_range(),
                bytes.len()
            ));
        }
        if let Some((_, expect)) = CURRENT_BUILDKIT_DIFFERS.iter().find(|(f, _)| f == rel) {
            let mut it = expect.split(' ');
            let (cmd, _, name) = (it.next().unwrap(), it.next(), it.next().unwrap());
            let ok = doc.instructions.iter().any(|i| {
                i.keyword.eq_ignore_ascii_case(cmd) && i.heredocs.iter().any(|h| h.name == name)
            });
            if !ok || !doc.errors.is_empty() {
                failures.push(format!(
                    "{rel}: expected current BuildKit's reading: {expect}"
                ));
            }
            accepted += 1;
            continue;
        }
        if oracle["ok"].as_bool() == Some(true) {
            accepted += 1;
            if root_node.has_error() {
                failures.push(format!("{rel}: ERROR or MISSING node in the tree"));
            }
            if let Some(e) = doc.errors.first() {
                failures.push(format!("{rel}: dfix rejects a file BuildKit accepts: {e}"));
                continue;
            }
            if let Err(e) = compare(&doc, oracle) {
                failures.push(format!("{rel}: {e}"));
            }
        } else {
            rejected += 1;
            if doc.errors.is_empty() {
                failures.push(format!(
                    "{rel}: BuildKit rejects it ({}) but dfix accepts it",
                    oracle["error"]
                ));
            }
        }
    }
    eprintln!(
        "corpus: {} files, {accepted} accepted and {rejected} rejected by BuildKit",
        files.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} files fail:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
