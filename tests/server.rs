//! `dfix server` end to end, in process: the protocol as a client sees it,
//! with snapshots of whole exchanges and assertions that each answer does
//! what it says (a quick fix removes its finding, formatting equals
//! `dfix -`, ...).

mod lsp;

use std::path::Path;

use lsp::{action_edits, apply, dfix_stdin, range, uri, whole, TestClient};
use serde_json::{json, Value};

/// A Dockerfile with safe, unsafe and unfixable findings.
const TEXT: &str = "from debian:12\nADD app.py /srv/\nRUN apt-get update\nRUN apt-get install curl\n# dfix: ignore=DL3025\nCMD run it\n";

/// The ids of a publishDiagnostics' diagnostics, in order.
fn ids(diags: &Value) -> Vec<String> {
    diags["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["code"].as_str().unwrap_or("").to_string())
        .collect()
}

/// A pretty transcript with the temporary folder replaced.
fn redact(v: &Value, dir: &Path) -> String {
    serde_json::to_string_pretty(v)
        .unwrap()
        .replace(&uri(dir), "file:///WORKSPACE")
}

fn snapshot(name: &str, text: String) {
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn a_whole_session() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("Dockerfile");
    let u = uri(&path);
    let (mut c, init) = TestClient::initialized(json!({}), Value::Null);
    let mut t = json!({ "initialize": init });
    let diags = c.open(&u, TEXT);
    t["open"] = diags.clone();
    // DF105 is ignored by its hadolint alias in the comment above CMD.
    assert!(!ids(&diags).contains(&"DF105".to_string()), "{diags}");
    t["codeAction ADD line"] = c.code_actions(&u, range(1, 0, 1, 0), None);
    t["codeAction only source.fixAll"] = c.code_actions(&u, whole(), Some(&["source.fixAll"]));
    t["formatting"] = c.format(&u).unwrap();
    t["hover DL3025"] = c
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": u}, "position": {"line": 4, "character": 17}}),
        )
        .unwrap();
    t["change"] = c.change(&u, 2, "FROM debian:12\nUSER 1000\n");
    c.notify("textDocument/didClose", json!({"textDocument": {"uri": u}}));
    t["close"] = c.diagnostics();
    snapshot("server_session", redact(&t, d.path()));
    // The hover is `dfix explain`'s text.
    let hover = t["hover DL3025"]["contents"]["value"].as_str().unwrap();
    assert!(
        hover.starts_with("# json-args-recommended (DF105)"),
        "{hover}"
    );
    assert_eq!(t["close"]["diagnostics"], json!([]));
    assert_eq!(c.shutdown(), Ok(()));
}

#[test]
fn a_client_that_pulls_gets_the_same_diagnostics_and_no_pushes() {
    let d = tempfile::tempdir().unwrap();
    let u = uri(&d.path().join("Dockerfile"));
    // The same text in a pushing session gives the reference.
    let (mut push, init) = TestClient::initialized(json!({}), Value::Null);
    assert!(init["capabilities"].get("diagnosticProvider").is_none());
    let pushed = push.open(&u, TEXT);
    assert!(!ids(&pushed).is_empty());

    let caps = json!({
        "textDocument": {"diagnostic": {"dynamicRegistration": false}},
        "workspace": {"diagnostics": {"refreshSupport": true}},
    });
    let (mut c, init) = TestClient::initialized(caps, Value::Null);
    assert_eq!(
        init["capabilities"]["diagnosticProvider"]["interFileDependencies"],
        false
    );
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": u, "languageId": "dockerfile", "version": 1, "text": TEXT}}),
    );
    let pull = |c: &mut TestClient| {
        c.request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": u}}),
        )
        .expect("a diagnostic report")
    };
    let report = pull(&mut c);
    assert_eq!(report["kind"], "full");
    assert_eq!(report["items"], pushed["diagnostics"]);
    // A new text is pulled, never pushed.
    let second = "FROM debian:12\nUSER 1000\n";
    let pushed = push.change(&u, 2, second);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 2}, "contentChanges": [{"text": second}]}),
    );
    let report = pull(&mut c);
    assert_eq!(report["items"], pushed["diagnostics"]);
    assert!(ids(&pushed).contains(&"DF250".to_string()));
    assert!(
        !c.unread_methods()
            .contains(&"textDocument/publishDiagnostics".to_string()),
        "a pulling client got a push"
    );
    // New settings: the client is asked to pull again.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"ignore": ["DF2"]}}),
    );
    assert!(c
        .unread_methods()
        .contains(&"workspace/diagnostic/refresh".to_string()));
    assert_eq!(pull(&mut c)["items"], json!([]));
    assert_eq!(c.shutdown(), Ok(()));
    assert_eq!(push.shutdown(), Ok(()));
}

#[test]
fn each_diagnostic_names_its_rule_and_source() {
    let d = tempfile::tempdir().unwrap();
    let u = uri(&d.path().join("Dockerfile"));
    let (mut c, _) = TestClient::initialized(json!({}), Value::Null);
    let diags = c.open(&u, TEXT);
    for diag in diags["diagnostics"].as_array().unwrap() {
        assert_eq!(diag["source"], "dfix");
        let code = diag["code"].as_str().unwrap();
        assert!(code.starts_with("DF"), "{diag}");
        let href = diag["codeDescription"]["href"].as_str().unwrap();
        assert!(href.ends_with(&code.to_ascii_lowercase()), "{href}");
        assert!(diag["severity"]
            .as_u64()
            .is_some_and(|s| (1..=4).contains(&s)));
    }
    assert_eq!(diags["version"], 1);
}

#[test]
fn formatting_and_fix_all_equal_dfix_stdin_in_both_encodings() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("Dockerfile");
    let u = uri(&path);
    // Non-ASCII before the edits on the same lines, CRLF line ends.
    let texts = [
        TEXT.to_string(),
        "FROM debian:12\r\nLABEL description=\"café 🐳\"\r\nrun apt-get install curl\r\nADD é.py /srv/\r\n"
            .to_string(),
        "FROM alpine:3\nLABEL x=\"日本\" \\\n  y=1\nrun apk update && apk add curl".to_string(),
    ];
    for enc in ["utf-8", "utf-16"] {
        let caps = json!({"general": {"positionEncodings": [enc]}});
        let (mut c, init) = TestClient::initialized(caps, Value::Null);
        assert_eq!(init["capabilities"]["positionEncoding"], enc);
        for (i, text) in texts.iter().enumerate() {
            let want = dfix_stdin(&path, text, &[]).expect("dfix - prints the file");
            assert_ne!(&want, text, "the fixture has something to fix");
            if i == 0 {
                c.open(&u, text);
            } else {
                c.change(&u, i as i32 + 1, text);
            }
            let edits = c.format(&u).unwrap();
            assert_eq!(edits.as_array().unwrap().len(), 1, "one edit: {edits}");
            assert_eq!(
                apply(text, &edits, enc),
                want,
                "formatting, {enc}, text {i}"
            );
            let actions = c.code_actions(&u, range(0, 0, 0, 0), Some(&["source.fixAll.dfix"]));
            let [fix_all] = actions.as_array().unwrap().as_slice() else {
                panic!("one fix-all action: {actions}");
            };
            assert_eq!(fix_all["kind"], "source.fixAll.dfix");
            assert_eq!(
                apply(text, &action_edits(fix_all, &u), enc),
                want,
                "fix-all"
            );
        }
        // Already fixed: no edit.
        let fixed = dfix_stdin(&path, &texts[0], &[]).unwrap();
        c.change(&u, 10, &fixed);
        assert_eq!(c.format(&u).unwrap(), json!([]));
    }
}

#[test]
fn a_quick_fix_removes_its_finding_and_unsafe_ones_are_marked() {
    let d = tempfile::tempdir().unwrap();
    let u = uri(&d.path().join("Dockerfile"));
    let text = "FROM debian:12\nADD app.py /srv/\nCMD run it\n";
    let (mut c, _) = TestClient::initialized(json!({}), Value::Null);
    assert!(ids(&c.open(&u, text)).contains(&"DF101".to_string()));
    let actions = c.code_actions(&u, range(1, 2, 1, 2), Some(&["quickfix"]));
    let titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    // Only the finding at the cursor: the ADD line.
    assert!(
        titles.iter().all(|t| t.starts_with("dfix (DF101)")),
        "{titles:?}"
    );
    let fix = &actions[0];
    assert_eq!(
        (&fix["kind"], &fix["isPreferred"]),
        (&json!("quickfix"), &json!(true))
    );
    let after = apply(text, &action_edits(fix, &u), "utf-16");
    assert_eq!(after, "FROM debian:12\nCOPY app.py /srv/\nCMD run it\n");
    assert!(!ids(&c.change(&u, 2, &after)).contains(&"DF101".to_string()));
    // The shell-form CMD's fix may change behaviour: labelled, not preferred.
    let actions = c.code_actions(&u, range(2, 5, 2, 5), Some(&["quickfix"]));
    let cmd = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| {
            a["title"].as_str().unwrap().starts_with("dfix (DF105)")
                && a["title"].as_str().unwrap().ends_with("(unsafe)")
        })
        .unwrap_or_else(|| panic!("an unsafe DF105 fix: {actions}"));
    assert_eq!(cmd["isPreferred"], false);
    let after = apply(&after, &action_edits(cmd, &u), "utf-16");
    assert!(after.ends_with("CMD [\"run\", \"it\"]\n"), "{after}");
}

#[test]
fn ignore_this_rule_here_inserts_a_comment_that_works() {
    let d = tempfile::tempdir().unwrap();
    let u = uri(&d.path().join("Dockerfile"));
    // The finding is on the continuation line; the comment goes above the RUN.
    let text = "FROM debian:12\r\n  RUN set -e \\\r\n    && apt-get install curl\r\n";
    let (mut c, _) = TestClient::initialized(json!({}), Value::Null);
    assert!(ids(&c.open(&u, text)).contains(&"DF302".to_string()));
    let actions = c.code_actions(&u, range(2, 8, 2, 8), Some(&["quickfix"]));
    let ignore = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "dfix (DF302): ignore this rule here")
        .unwrap_or_else(|| panic!("{actions}"));
    let after = apply(text, &action_edits(ignore, &u), "utf-16");
    assert_eq!(
        after,
        "FROM debian:12\r\n  # dfix: ignore=DF302\r\n  RUN set -e \\\r\n    && apt-get install curl\r\n"
    );
    let diags = ids(&c.change(&u, 2, &after));
    assert!(!diags.contains(&"DF302".to_string()), "{diags:?}");
    assert!(
        diags.contains(&"DF303".to_string()),
        "other rules still apply: {diags:?}"
    );
}

#[test]
fn unsafe_fixes_only_when_configured_and_settings_change_live() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("Dockerfile");
    let u = uri(&path);
    let text = "FROM debian:12\nCMD run it\n";
    let (mut c, _) = TestClient::initialized(json!({}), json!({"settings": {"select": ["DF1"]}}));
    c.open(&u, text);
    let safe = c.format(&u).unwrap();
    assert_eq!(safe, json!([]), "the CMD fix is unsafe");
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"dfix": {"unsafeFixes": true, "select": ["DF1"]}}}),
    );
    c.diagnostics();
    let edits = c.format(&u).unwrap();
    let want = dfix_stdin(&path, text, &["--unsafe-fixes", "--select", "DF1"]).unwrap();
    assert_eq!(apply(text, &edits, "utf-16"), want);
    assert!(want.contains("CMD [\"run\", \"it\"]"), "{want}");
    // `ignore` from the editor.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"ignore": ["DF105"], "select": ["DF1"]}}),
    );
    assert_eq!(ids(&c.diagnostics()), Vec::<String>::new());
}

#[test]
fn the_nearest_dfix_toml_counts_and_is_read_again_when_it_changes() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join("app")).unwrap();
    let config = d.path().join("dfix.toml");
    std::fs::write(&config, "select = [\"DF101\"]\n").unwrap();
    let path = d.path().join("app/Dockerfile");
    let u = uri(&path);
    let text = "FROM debian:12\nADD a.py /a\nCMD run it\n";
    let (mut c, _) = TestClient::initialized(
        json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}),
        Value::Null,
    );
    // The server asks to watch config files.
    let reg = loop {
        match c.notification_or_request() {
            Some(v) => break v,
            None => continue,
        }
    };
    assert_eq!(
        reg["registrations"][0]["method"],
        "workspace/didChangeWatchedFiles"
    );
    assert_eq!(ids(&c.open(&u, text)), ["DF101"]);
    std::fs::write(&config, "select = [\"DF105\"]\n").unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&config), "type": 2}]}),
    );
    assert_eq!(ids(&c.diagnostics()), ["DF105"]);
    // `configuration` names one config for every document.
    let other = d.path().join("other.toml");
    std::fs::write(&other, "select = [\"DF001\"]\n").unwrap();
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"configuration": other.to_str().unwrap()}}),
    );
    assert_eq!(ids(&c.diagnostics()), Vec::<String>::new());
}

#[test]
fn errors_are_diagnostics_and_get_no_edit() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("Dockerfile");
    let u = uri(&path);
    let (mut c, _) = TestClient::initialized(json!({}), Value::Null);
    for (version, text, line) in [
        (1, "FROM debian:12\nRUN <<EOF\necho never ends\n", 2),
        (2, "FROM debian:12\nadd a /a\nRNU make\n", 3),
    ] {
        let diags = if version == 1 {
            c.open(&u, text)
        } else {
            c.change(&u, version, text)
        };
        let list = diags["diagnostics"].as_array().unwrap();
        assert_eq!(list.len(), 1, "{diags}");
        assert_eq!(list[0]["severity"], 1);
        assert_eq!(list[0]["range"]["start"]["line"], line - 1, "{diags}");
        assert_eq!(dfix_stdin(&path, text, &[]), None, "dfix - prints nothing");
        assert_eq!(c.format(&u).unwrap(), Value::Null);
        let actions = c.code_actions(&u, whole(), None);
        assert_eq!(actions, json!([]));
    }
}

#[test]
fn the_kind_comes_from_the_path_not_the_language_id() {
    let d = tempfile::tempdir().unwrap();
    let u = uri(&d.path().join("notes.md"));
    let (mut c, _) = TestClient::initialized(json!({}), Value::Null);
    // Sent as a Dockerfile, and even looks like one.
    let diags = c.open(&u, "from debian\nADD a.py /a\n");
    assert_eq!(diags["diagnostics"], json!([]));
    assert_eq!(c.format(&u).unwrap(), Value::Null);
}

/// A Compose document: the DF5xx findings, formatting equal to `dfix -`
/// with its name, and "ignore this rule here" as a YAML comment that works.
#[test]
fn compose_documents_get_diagnostics_fixes_and_ignores() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("compose.yaml");
    let u = uri(&path);
    let text = "version: '3'\r\nservices:\r\n  web:\r\n    image: nginx\r\n    read_only: yes\r\n    ports:\r\n      - \"80:80\"\r\n";
    let (mut c, _) = TestClient::initialized(json!({}), Value::Null);
    let found = ids(&c.open(&u, text));
    for id in ["DF520", "DF522", "DF507"] {
        assert!(found.contains(&id.to_string()), "{found:?}");
    }
    let want = dfix_stdin(&path, text, &[]).expect("dfix - prints the file");
    assert!(
        !want.contains("version") && want.contains("read_only: true\r\n"),
        "{want}"
    );
    assert_eq!(apply(text, &c.format(&u).unwrap(), "utf-16"), want);
    let actions = c.code_actions(&u, range(6, 9, 6, 9), Some(&["quickfix"]));
    let ignore = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "dfix (DF507): ignore this rule here")
        .unwrap_or_else(|| panic!("{actions}"));
    let after = apply(text, &action_edits(ignore, &u), "utf-16");
    assert!(
        after.contains("    ports:\r\n      # dfix: ignore=DF507\r\n      - \"80:80\""),
        "{after}"
    );
    let diags = ids(&c.change(&u, 2, &after));
    assert!(!diags.contains(&"DF507".to_string()), "{diags:?}");
    assert!(diags.contains(&"DF520".to_string()), "{diags:?}");
}

#[test]
fn bad_requests_get_errors_and_the_server_goes_on() {
    let d = tempfile::tempdir().unwrap();
    let u = uri(&d.path().join("Dockerfile"));
    let mut c = TestClient::start();
    // Before initialize.
    assert_eq!(
        c.request("textDocument/hover", json!({})).unwrap_err().0,
        -32002
    );
    let caps = json!({"capabilities": {}});
    c.request("initialize", caps).unwrap();
    c.notify("initialized", json!({}));
    assert_eq!(
        c.request("no/such/method", json!({})).unwrap_err().0,
        -32601
    );
    assert_eq!(
        c.request("textDocument/formatting", json!({"x": 1}))
            .unwrap_err()
            .0,
        -32602
    );
    c.notify("textDocument/didOpen", json!({"bad": true}));
    c.notify("no/such/notification", json!(null));
    c.open(&u, "FROM a\nADD é.py /x\n");
    // Far past the end, and inside a character.
    let far = range(9999, 9999, 99999, 0);
    assert!(c.code_actions(&u, far, None).is_array());
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": u}, "position": {"line": 1, "character": 5000}}),
    );
    assert_eq!(hover, Ok(Value::Null));
    // A document never opened.
    let other = uri(&d.path().join("other/Dockerfile"));
    assert_eq!(c.format(&other), Ok(Value::Null));
    assert!(c.alive());
    assert_eq!(c.shutdown(), Ok(()));
}

#[test]
fn exit_without_shutdown_is_an_error() {
    let (c, _) = TestClient::initialized(json!({}), Value::Null);
    c.notify("exit", Value::Null);
    let mut c = c;
    assert!(c.join().is_err());
}
