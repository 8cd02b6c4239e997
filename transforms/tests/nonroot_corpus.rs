//! The non-root pass on the shared corpus (the in-repo part of
//! `scripts/measure_nonroot.py`, which also runs BuildKit's parser and
//! hadolint on the outputs): every file the BuildKit oracle accepts is
//! fixed by DF201/DF202 with unsafe fixes, as is, and with `USER root`
//! appended; the output must parse, a second run must change nothing, and
//! the final stage's last `USER` must be non-root, except for the listed
//! files, whose reason is checked.
//!
//! The corpus is read from `DFIX_CORPUS` (skipped when unset, a failure in
//! CI).

use std::path::{Path, PathBuf};

use dfix_grammar::Document;
use dfix_transforms::users::analysis::{global_args, is_root, stage_users, UserValue};
use dfix_transforms::{fix, unknown_instruction, Facts, FixError, Settings};

/// Files whose final user stays unknown or root, and why.
const EXCEPTIONS: &[(&str, &str)] = &[
    // USER ${UID}:${GID} with no ARG default: reported, not rewritten.
    ("hard/48-user-var-group.df", "unresolved"),
    // `RUN something \` is the last text of the file: whatever follows it
    // joins the RUN, so there is no place for a USER (reported only).
    ("buildkit-testfiles/continue-at-eof/Dockerfile", "no user"),
    // The same with a comment line after the last `\`: the continuation is
    // still open at the end of the file.
    ("hard/01-trailing-comment-after-cont.df", "no user"),
];

fn corpus() -> Option<PathBuf> {
    match std::env::var_os("DFIX_CORPUS") {
        Some(p) => Some(PathBuf::from(p)),
        None if std::env::var_os("CI").is_some() => panic!("CI is set but DFIX_CORPUS is not"),
        None => {
            eprintln!("skipped: set DFIX_CORPUS to the shared corpus");
            None
        }
    }
}

/// Source files the oracle accepts, by relative path.
fn accepted(root: &Path) -> Vec<(String, String)> {
    let expected = root.join("expected");
    let mut out = Vec::new();
    let mut stack = vec![expected.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("corpus dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(&expected)
                .unwrap()
                .to_string_lossy()
                .to_string();
            let Some(rel) = rel.strip_suffix(".json") else {
                continue;
            };
            let oracle: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            if oracle["ok"] != serde_json::Value::Bool(true) {
                continue;
            }
            if let Ok(text) = std::fs::read_to_string(root.join(rel)) {
                out.push((rel.to_string(), text));
            }
        }
    }
    out.sort();
    out
}

fn final_user(doc: &Document) -> &'static str {
    let stages = doc.stages();
    let Some(last) = stages.last() else {
        return "no stage";
    };
    match stage_users(doc, stages, last.index, &global_args(doc)).last_user() {
        Some((_, UserValue::Known(u))) if is_root(u) => "root",
        Some((_, UserValue::Known(_))) => "non-root",
        Some((_, UserValue::Unresolved(_))) => "unresolved",
        None => "no user",
    }
}

#[test]
fn corpus_runs_as_non_root() {
    let Some(root) = corpus() else { return };
    let settings = Settings {
        unsafe_fixes: true,
        ..Settings::default()
    }
    .with_selection(&["DF201".into(), "DF202".into()], &[])
    .unwrap();
    let files = accepted(&root);
    assert!(files.len() > 700, "only {} corpus files", files.len());
    let (mut total, mut non_root, mut refused) = (0, 0, 0);
    for (rel, text) in &files {
        let le = if text.matches("\r\n").count() * 2 > text.matches('\n').count() {
            "\r\n"
        } else {
            "\n"
        };
        let injected = format!(
            "{text}{}USER root{le}",
            if text.ends_with('\n') || text.is_empty() {
                ""
            } else {
                le
            }
        );
        for (variant, src) in [("as is", text.clone()), ("USER root appended", injected)] {
            let before = Document::parse(&src);
            if before.stages().is_empty() || !before.errors.is_empty() {
                continue;
            }
            // BuildKit parses it but cannot build it (templates, `FOO`):
            // refused, never fixed.
            if let Some(u) = unknown_instruction(&before) {
                match fix(&src, &settings, &Facts::new()) {
                    Err(FixError::UnknownInstruction(e)) => assert_eq!(e, u, "{rel}"),
                    _ => panic!("{rel} ({variant}): {u} was not refused"),
                }
                refused += 1;
                continue;
            }
            total += 1;
            let out = fix(&src, &settings, &Facts::new())
                .unwrap_or_else(|e| panic!("{rel} ({variant}): {e}"));
            let doc = Document::parse(out.output());
            assert!(doc.errors.is_empty(), "{rel} ({variant}): {:?}", doc.errors);
            let again = fix(out.output(), &settings, &Facts::new()).unwrap();
            assert_eq!(
                again.output(),
                out.output(),
                "{rel} ({variant}): not idempotent"
            );
            let user = final_user(&doc);
            if user == "non-root" {
                non_root += 1;
                continue;
            }
            let expected = EXCEPTIONS
                .iter()
                .find(|(p, _)| p == rel)
                .map(|(_, why)| *why);
            // Appending `USER root` after an open continuation joins the RUN.
            assert!(
                expected == Some(user),
                "{rel} ({variant}): final user is {user}"
            );
        }
    }
    eprintln!(
        "non-root after the fix: {non_root}/{total} ({refused} refused: unknown instruction)"
    );
    // hard/22-unknown-instruction.df and the two docker-library-python
    // templates (`{{ ... }}` lines), both variants of each.
    assert!(refused <= 6, "{refused} files refused");
    assert!(non_root + 2 * EXCEPTIONS.len() >= total);
}
