//! The shared corpus as the integration tests read it: every file of
//! `expected/` with the source file it describes (shared by the tests that
//! compare with BuildKit's oracle).

use std::path::{Path, PathBuf};

use serde_json::Value;

/// (relative path, source file, oracle json) for every corpus file.
pub fn corpus_files(root: &Path) -> Vec<(String, PathBuf, Value)> {
    let mut out = Vec::new();
    let expected = root.join("expected");
    let mut stack = vec![expected.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read corpus dir") {
            let path = entry.expect("dir entry").path();
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
            let src = root.join(rel);
            if !src.exists() {
                continue;
            }
            let json: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            out.push((rel.to_string(), src, json));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The source files BuildKit accepts (`"ok": true` in the oracle), sorted.
#[allow(dead_code)]
pub fn accepted_files(root: &Path) -> Vec<PathBuf> {
    corpus_files(root)
        .into_iter()
        .filter(|(_, src, oracle)| oracle["ok"] == true && src.is_file())
        .map(|(_, src, _)| src)
        .collect()
}
