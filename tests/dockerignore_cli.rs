//! The `.dockerignore` rules through the binary (DF601 create, DF602
//! append, DF604 anchor): the second file is written atomically in fix
//! mode, shown as a diff (from `/dev/null` when new) by `--diff`, only
//! reported by `--check` and by stdin mode, and written once when two
//! Dockerfiles share the context.

use std::fs;
use std::path::Path;
use std::process::Output;

use dfix_transforms::dockerignore::IgnoreFile;

#[path = "common/run.rs"]
mod run;
use run::{dfix, dfix_stdin};

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A context with secrets, a Node project and version control.
fn context(extra: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let files: &[(&str, &str)] = &[
        (".env", "TOKEN=abc\n"),
        ("id_rsa", "-----BEGIN OPENSSH PRIVATE KEY-----\n"),
        ("id_rsa.pub", "ssh-ed25519 AAAA\n"),
        ("package.json", "{}\n"),
        ("package-lock.json", "{}\n"),
        ("server.js", "//\n"),
        ("node_modules/express/index.js", "//\n"),
        ("config/app.key", "k\n"),
        ("config/app.toml", "\n"),
        (".git/HEAD", "ref: refs/heads/main\n"),
    ];
    for (name, text) in files.iter().chain(extra) {
        let p = d.path().join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    d
}

const EXPLICIT: &str = "FROM node:22-slim\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY server.js config/app.key ./\n";

/// Only the context rules: the other rules' findings are not the subject.
const DF6: &[&str] = &["--select", "DF6"];

fn args<'a>(more: &[&'a str]) -> Vec<&'a str> {
    DF6.iter().copied().chain(more.iter().copied()).collect()
}

fn ignore_of(d: &Path) -> IgnoreFile {
    IgnoreFile::parse(&fs::read_to_string(d.join(".dockerignore")).unwrap())
}

#[test]
fn creates_the_ignore_file_and_a_second_run_changes_nothing() {
    let d = context(&[("Dockerfile", EXPLICIT)]);
    let o = dfix(d.path(), &args(&[]));
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("Fixed 1 finding in 1 file (0 remaining)."),
        "{}",
        stdout(&o)
    );
    let written = fs::read_to_string(d.path().join(".dockerignore")).unwrap();
    let f = ignore_of(d.path());
    for gone in [
        ".env",
        "id_rsa",
        "node_modules/express/index.js",
        ".git/HEAD",
    ] {
        assert!(f.excludes(gone), "{gone}:\n{written}");
    }
    // What the Dockerfile copies stays: `config/app.key` is re-included.
    for kept in [
        "server.js",
        "package.json",
        "package-lock.json",
        "config/app.key",
    ] {
        assert!(!f.excludes(kept), "{kept}:\n{written}");
    }
    assert!(written.ends_with("\n!config/app.key\n"), "{written}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(d.path().join(".dockerignore"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644);
    }
    // The Dockerfile is not touched by these rules.
    assert_eq!(
        fs::read_to_string(d.path().join("Dockerfile")).unwrap(),
        EXPLICIT
    );
    let o = dfix(d.path(), &args(&[]));
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("All checks passed!"), "{}", stdout(&o));
    assert_eq!(
        fs::read_to_string(d.path().join(".dockerignore")).unwrap(),
        written
    );
}

#[test]
fn diff_shows_a_new_file_from_dev_null_and_writes_nothing() {
    let d = context(&[("Dockerfile", EXPLICIT)]);
    let o = dfix(d.path(), &args(&["--diff"]));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("--- /dev/null\n+++ b/.dockerignore\n@@ -0,0 +1,"),
        "{out}"
    );
    assert!(
        out.contains("\n+**/.env\n") && out.contains("\n+!config/app.key\n"),
        "{out}"
    );
    assert!(
        stderr(&o).contains("Would fix 1 finding in 1 file."),
        "{}",
        stderr(&o)
    );
    assert!(!d.path().join(".dockerignore").exists());
}

#[test]
fn check_reports_and_writes_nothing() {
    let d = context(&[("Dockerfile", EXPLICIT)]);
    let o = dfix(d.path(), &args(&["--check"]));
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(
        out.contains("Dockerfile:2:1: DF601 The build context has no `.dockerignore`: secret files (`.env`, `id_rsa`) are sent to the builder [*]\n"),
        "{out}"
    );
    assert!(!d.path().join(".dockerignore").exists());
}

#[test]
fn stdin_mode_reports_and_never_writes_a_second_file() {
    let d = context(&[("Dockerfile", EXPLICIT)]);
    let o = dfix_stdin(
        d.path(),
        &args(&["-", "--stdin-filename", "Dockerfile"]),
        EXPLICIT.as_bytes(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), EXPLICIT);
    // Left to file runs (a walk of the folder on every editor save) ...
    assert!(!stderr(&o).contains("DF601"), "{}", stderr(&o));
    // ... unless selected by name: then reported, never written.
    let o = dfix_stdin(
        d.path(),
        &args(&["-", "--stdin-filename", "Dockerfile", "--select", "DF601"]),
        EXPLICIT.as_bytes(),
    );
    assert_eq!(stdout(&o), EXPLICIT);
    assert!(stderr(&o).contains("DF601"), "{}", stderr(&o));
    assert!(!d.path().join(".dockerignore").exists());
    let o = dfix_stdin(
        d.path(),
        &args(&[
            "-",
            "--stdin-filename",
            "Dockerfile",
            "--diff",
            "--select",
            "DF601",
        ]),
        EXPLICIT.as_bytes(),
    );
    assert!(!stdout(&o).contains("/dev/null"), "{}", stdout(&o));
    assert!(!d.path().join(".dockerignore").exists());
}

#[test]
fn whole_context_copy_is_an_unsafe_fix() {
    let df = "FROM node:22-slim\nCOPY . .\nRUN npm ci\n";
    let d = context(&[("Dockerfile", df)]);
    let o = dfix(d.path(), &args(&[]));
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("DF601"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("copied into the image"),
        "{}",
        stdout(&o)
    );
    assert!(!d.path().join(".dockerignore").exists());
    let o = dfix(d.path(), &args(&["--unsafe-fixes"]));
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let f = ignore_of(d.path());
    // The case: `.env`, `id_rsa` and `node_modules` leave the
    // build; the public key and the sources stay.
    for gone in [
        ".env",
        "id_rsa",
        "node_modules/express/index.js",
        "config/app.key",
    ] {
        assert!(f.excludes(gone), "{gone}");
    }
    for kept in ["server.js", "package.json", "config/app.toml"] {
        assert!(!f.excludes(kept), "{kept}");
    }
}

#[test]
fn appends_missing_secret_patterns_keeping_user_lines() {
    let user = "# mine\nnode_modules\n!.env.example";
    let d = context(&[
        ("Dockerfile", EXPLICIT),
        (".dockerignore", user),
        (".env.example", "TOKEN=\n"),
        ("certs/server.pem", "x\n"),
    ]);
    let o = dfix(d.path(), &args(&[]));
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let text = fs::read_to_string(d.path().join(".dockerignore")).unwrap();
    assert!(text.starts_with("# mine\nnode_modules\n"), "{text}");
    assert!(text.contains("!.env.example"), "{text}");
    let f = ignore_of(d.path());
    for gone in [".env", "id_rsa", "certs/server.pem", ".git/HEAD"] {
        let secret = gone != ".git/HEAD";
        assert_eq!(f.excludes(gone), secret, "{gone}:\n{text}");
    }
    assert!(
        !f.excludes(".env.example"),
        "the user's re-include holds:\n{text}"
    );
    assert!(
        !f.excludes("config/app.key"),
        "copied by the Dockerfile:\n{text}"
    );
    // Complete now: a second run is a no-op, byte for byte.
    let o = dfix(d.path(), &args(&["--check"]));
    assert!(!stdout(&o).contains("DF602"), "{}", stdout(&o));
    let o = dfix(d.path(), &args(&[]));
    assert_eq!(code(&o), 0);
    assert_eq!(
        fs::read_to_string(d.path().join(".dockerignore")).unwrap(),
        text
    );
}

#[test]
fn a_complete_ignore_file_is_left_alone() {
    let complete = "**/.env\n**/id_rsa*\n**/.git\n**/node_modules\n";
    let d = context(&[("Dockerfile", EXPLICIT), (".dockerignore", complete)]);
    let o = dfix(d.path(), &args(&["--check"]));
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).contains("All checks passed!"));
    dfix(d.path(), &args(&[]));
    assert_eq!(
        fs::read_to_string(d.path().join(".dockerignore")).unwrap(),
        complete
    );
}

#[test]
fn anchors_a_slashless_pattern_in_place() {
    let user = "node_modules\r\n**/.env\r\n**/id_rsa\r\n.git\r\n";
    let d = context(&[
        ("Dockerfile", EXPLICIT),
        (".dockerignore", user),
        ("web/node_modules/x.js", "//\n"),
    ]);
    let o = dfix(d.path(), &args(&["--check"]));
    let out = stdout(&o);
    assert!(
        out.contains("DF604 `.dockerignore` line 1: `node_modules` matches only at the context root in `.dockerignore` (unlike `.gitignore`), so `web/node_modules/x.js` stay in the build context [*]"),
        "{out}"
    );
    let o = dfix(d.path(), &args(&[]));
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert_eq!(
        fs::read_to_string(d.path().join(".dockerignore")).unwrap(),
        "**/node_modules\r\n**/.env\r\n**/id_rsa\r\n.git\r\n"
    );
}

#[test]
fn two_dockerfiles_sharing_a_context_write_it_once_and_guard_each_other() {
    let dev = "FROM node:22-slim\nCOPY id_rsa /root/.ssh/id_rsa\nCOPY server.js ./\n";
    let d = context(&[("Dockerfile", EXPLICIT), ("dev.Dockerfile", dev)]);
    let o = dfix(d.path(), &args(&["--diff"]));
    let out = stdout(&o);
    assert_eq!(out.matches("+++ b/.dockerignore").count(), 1, "{out}");
    assert!(
        stderr(&o).contains("Would fix 2 findings in 1 file."),
        "{}",
        stderr(&o)
    );
    let o = dfix(d.path(), &args(&[]));
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(
        stdout(&o).contains("Fixed 2 findings in 1 file"),
        "{}",
        stdout(&o)
    );
    let text = fs::read_to_string(d.path().join(".dockerignore")).unwrap();
    assert_eq!(text.matches("# Created by dfix").count(), 1, "{text}");
    let f = ignore_of(d.path());
    assert!(!f.excludes("id_rsa"), "dev.Dockerfile copies it:\n{text}");
    assert!(
        !f.excludes("config/app.key"),
        "Dockerfile copies it:\n{text}"
    );
    assert!(f.excludes(".env"));
    let o = dfix(d.path(), &args(&["--check"]));
    assert_eq!(code(&o), 0, "{}", stdout(&o));
}

#[test]
fn a_copy_source_the_defaults_would_exclude_is_kept_and_the_fix_says_how() {
    let df = "FROM alpine:3.22\nCOPY config/app.key /etc/app.key\nCOPY certs/*.pem /certs/\n";
    let d = context(&[("Dockerfile", df), ("certs/ca.pem", "x\n")]);
    let o = dfix(d.path(), &args(&["--check", "--output-format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let fix = v[0]["fix"]["message"].as_str().unwrap().to_string();
    assert!(
        fix.contains("re-included because the Dockerfile copies them: `!config/app.key`"),
        "{fix}"
    );
    assert!(
        fix.contains("left out: `**/*.pem` (needed by `COPY certs/*.pem (Dockerfile:3)`)"),
        "{fix}"
    );
    dfix(d.path(), &args(&[]));
    let f = ignore_of(d.path());
    assert!(!f.excludes("config/app.key") && !f.excludes("certs/ca.pem"));
    assert!(f.excludes(".env") && f.excludes("id_rsa"));
}

#[test]
fn deselecting_the_rule_keeps_dfix_from_writing_ignore_files() {
    let d = context(&[
        ("Dockerfile", EXPLICIT),
        ("dfix.toml", "ignore = [\"DF601\"]\n"),
    ]);
    let o = dfix(d.path(), &args(&[]));
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(!d.path().join(".dockerignore").exists());
    let d = context(&[("Dockerfile", EXPLICIT)]);
    dfix(d.path(), &args(&["--ignore", "DF601"]));
    assert!(!d.path().join(".dockerignore").exists());
}
