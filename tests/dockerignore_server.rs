//! The `.dockerignore` fixes in the language server: the quick fix of
//! DF601 creates the file through a `CreateFile` when the client can, and
//! is not offered when it cannot; the fix-all (formatting) edits the
//! Dockerfile only and never another file.

mod lsp;

use lsp::{range, uri, TestClient};
use serde_json::{json, Value};

const TEXT: &str = "FROM alpine:3.22\nCOPY app.sh config/app.key /srv/\n";

fn context() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (f, t) in [
        (".env", "T=1\n"),
        ("app.sh", "#!/bin/sh\n"),
        ("config/app.key", "k\n"),
        ("dfix.toml", "select = [\"DF6\"]\n"),
    ] {
        let p = d.path().join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, t).unwrap();
    }
    d
}

fn df601_actions(actions: &Value) -> Vec<Value> {
    actions
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| {
            a["title"]
                .as_str()
                .is_some_and(|t| t.starts_with("dfix (DF601): Create"))
        })
        .cloned()
        .collect()
}

#[test]
fn the_quick_fix_creates_the_file_when_the_client_can() {
    let d = context();
    let df = d.path().join("Dockerfile");
    let u = uri(&df);
    let caps = json!({"workspace": {"workspaceEdit": {
        "documentChanges": true,
        "resourceOperations": ["create", "rename", "delete"]
    }}});
    let (mut c, _) = TestClient::initialized(caps, Value::Null);
    c.open(&u, TEXT);
    let actions = c.code_actions(&u, range(1, 0, 1, 0), Some(&["quickfix"]));
    let fix = df601_actions(&actions);
    assert_eq!(fix.len(), 1, "{actions}");
    let changes = fix[0]["edit"]["documentChanges"].as_array().unwrap();
    let target = uri(&d.path().join(".dockerignore"));
    assert_eq!(changes[0]["kind"], "create");
    assert_eq!(changes[0]["uri"], target.as_str());
    assert_eq!(changes[0]["options"]["overwrite"], false);
    assert_eq!(changes[1]["textDocument"]["uri"], target.as_str());
    let text = changes[1]["edits"][0]["newText"].as_str().unwrap();
    let f = dfix_transforms::dockerignore::IgnoreFile::parse(text);
    assert!(
        f.excludes(".env") && !f.excludes("config/app.key"),
        "{text}"
    );
    // Nothing was written by the server itself.
    assert!(!d.path().join(".dockerignore").exists());
    // The fix-all edits this buffer only: nothing to change in it here.
    let all = c.code_actions(&u, range(0, 0, 0, 0), Some(&["source.fixAll"]));
    for a in all.as_array().unwrap() {
        let edit = &a["edit"];
        let s = edit.to_string();
        assert!(!s.contains(".dockerignore"), "{s}");
    }
    assert!(!d.path().join(".dockerignore").exists());
}

#[test]
fn no_quick_fix_for_another_file_when_the_client_cannot_create_it() {
    let d = context();
    let u = uri(&d.path().join("Dockerfile"));
    let (mut c, _) = TestClient::initialized(json!({}), Value::Null);
    let diags = c.open(&u, TEXT);
    assert!(diags.to_string().contains("DF601"), "{diags}");
    let actions = c.code_actions(&u, range(1, 0, 1, 0), Some(&["quickfix"]));
    assert!(df601_actions(&actions).is_empty(), "{actions}");
}
