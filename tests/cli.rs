//! End-to-end tests of the `dfix` binary: modes, exit codes, bad inputs,
//! config, suppressions, selection, output formats.

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use std::io::Write;

#[path = "common/run.rs"]
mod run;
use run::{dfix, dfix_stdin, project};

fn fixture(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A temporary folder holding `files` (name, content).
#[test]
fn check_lists_findings_and_exits_1() {
    let d = project(&[("Dockerfile", fixture("app.Dockerfile").as_bytes())]);
    let o = dfix(d.path(), &["--check"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains(
            "Dockerfile:2:1: DF001 Instruction `from` should be upper case like the others [*]\n"
        ),
        "{out}"
    );
    assert!(out.contains("Dockerfile:3:1: DF005 "), "{out}");
    // Unsafe fix: listed without [*], counted in the hint.
    assert!(out.contains("Dockerfile:13:5: DF105 JSON arguments recommended for CMD to prevent unintended behavior related to OS signals\n"), "{out}");
    // Suppressed by the hadolint pragma.
    assert!(!out.contains("Dockerfile:11:"), "{out}");
    assert!(out.contains("Found "), "{out}");
    assert!(
        out.contains("hidden fixes can be enabled with --unsafe-fixes"),
        "{out}"
    );
    // --check writes nothing.
    assert_eq!(
        fs::read_to_string(d.path().join("Dockerfile")).unwrap(),
        fixture("app.Dockerfile")
    );

    let clean = project(&[("Dockerfile", fixture("clean.Dockerfile").as_bytes())]);
    let o = dfix(clean.path(), &["--check"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("All checks passed!"));
}

#[test]
fn fix_in_place_is_idempotent() {
    let d = project(&[("Dockerfile", fixture("app.Dockerfile").as_bytes())]);
    let o = dfix(d.path(), &[]);
    // Findings remain after fixing (an unsafe fix not applied, unpinned
    // images offline): exit 1, as ruff does.
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(d.path().join("Dockerfile")).unwrap(),
        fixture("app.fixed.Dockerfile")
    );
    assert!(stdout(&o).contains("Fixed "), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("Dockerfile:11:5: DF105"),
        "{}",
        stdout(&o)
    );
    // Again: nothing changes (the same findings remain), and --diff agrees.
    let o = dfix(d.path(), &["Dockerfile"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        fs::read_to_string(d.path().join("Dockerfile")).unwrap(),
        fixture("app.fixed.Dockerfile")
    );
    let o = dfix(d.path(), &["--diff"]);
    assert_eq!(code(&o), 0);
    assert_eq!(stdout(&o), "");
}

#[test]
fn crlf_stays_crlf_and_mode_is_kept() {
    use std::os::unix::fs::PermissionsExt;
    let d = project(&[("svc.Dockerfile", fixture("crlf.Dockerfile").as_bytes())]);
    let p = d.path().join("svc.Dockerfile");
    fs::set_permissions(&p, fs::Permissions::from_mode(0o600)).unwrap();
    let o = dfix(d.path(), &["."]);
    // Fixed, with findings left (exit 1).
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stdout(&o).contains("Fixed "), "{}", stdout(&o));
    assert_eq!(
        fs::read_to_string(&p).unwrap(),
        fixture("crlf.fixed.Dockerfile")
    );
    assert_eq!(
        fs::metadata(&p).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn diff_applies_with_git_to_the_in_place_result() {
    let (app, crlf, clean) = (
        fixture("app.Dockerfile"),
        fixture("crlf.Dockerfile"),
        fixture("clean.Dockerfile"),
    );
    let files: &[(&str, &[u8])] = &[
        ("Dockerfile", app.as_bytes()),
        ("svc/api.Dockerfile", crlf.as_bytes()),
        ("clean/Dockerfile", clean.as_bytes()),
    ];
    let a = project(files);
    let o = dfix(a.path(), &["--diff"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let diff = o.stdout;
    assert!(String::from_utf8_lossy(&diff)
        .contains("--- a/svc/api.Dockerfile\n+++ b/svc/api.Dockerfile\n"));
    // --diff wrote nothing.
    assert_eq!(
        fs::read_to_string(a.path().join("Dockerfile")).unwrap(),
        fixture("app.Dockerfile")
    );

    // The same tree fixed in place ...
    let b = project(files);
    // Findings remain in the fixed tree: exit 1.
    assert_eq!(code(&dfix(b.path(), &[])), 1);
    // ... equals the tree with the diff applied by git.
    let mut git = Command::new("git")
        .args(["apply", "--whitespace=nowarn", "-"])
        .current_dir(a.path())
        .stdin(Stdio::piped())
        .spawn()
        .expect("git is installed");
    git.stdin.take().unwrap().write_all(&diff).unwrap();
    assert!(git.wait().unwrap().success(), "git apply failed");
    for (name, _) in files {
        assert_eq!(
            fs::read(a.path().join(name)).unwrap(),
            fs::read(b.path().join(name)).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn stdin_prints_the_in_place_result() {
    let d = project(&[("Dockerfile", fixture("app.Dockerfile").as_bytes())]);
    let o = dfix_stdin(
        d.path(),
        &["--stdin-filename", "Dockerfile", "-"],
        fixture("app.Dockerfile").as_bytes(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), fixture("app.fixed.Dockerfile"));
    // Remaining findings go to stderr, named after --stdin-filename.
    assert!(
        stderr(&o).contains("Dockerfile:11:5: DF105"),
        "{}",
        stderr(&o)
    );
    // An unchanged file is printed whole.
    let o = dfix_stdin(d.path(), &["-"], fixture("clean.Dockerfile").as_bytes());
    assert_eq!(code(&o), 0);
    assert_eq!(stdout(&o), fixture("clean.Dockerfile"));
    // --check on stdin.
    let o = dfix_stdin(
        d.path(),
        &["--check", "-"],
        fixture("app.Dockerfile").as_bytes(),
    );
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("-:3:1: DF005"), "{}", stdout(&o));
}

#[test]
fn stdin_parse_error_prints_nothing_on_stdout() {
    let d = project(&[]);
    for bad in [
        fixture("parse-error.Dockerfile").into_bytes(),
        fixture("truncated-heredoc.Dockerfile").into_bytes(),
        b"FROM a\0\n".to_vec(),
        b"FROM \xff\n".to_vec(),
    ] {
        let o = dfix_stdin(d.path(), &["--stdin-filename", "x/Dockerfile", "-"], &bad);
        assert_eq!(code(&o), 2);
        assert!(o.stdout.is_empty());
        assert!(stderr(&o).contains("x/Dockerfile"), "{}", stderr(&o));
    }
}

#[test]
fn bad_inputs_exit_2_name_the_file_and_stay_untouched() {
    let mut long_line = b"FROM alpine\nRUN echo ".to_vec();
    long_line.extend(std::iter::repeat_n(b'x', 70 * 1024));
    long_line.push(b'\n');
    let mut huge = b"FROM alpine\n".to_vec();
    huge.extend(std::iter::repeat_n(b"RUN true\n".as_slice(), 20 * 1024 * 1024 / 9 + 1).flatten());
    let bad: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "latin1.Dockerfile",
            b"FROM alpine\nLABEL a=\"caf\xe9\"\n".to_vec(),
            "UTF-8",
        ),
        ("nul.Dockerfile", b"FROM alpine\nRUN a\0b\n".to_vec(), "NUL"),
        ("huge.Dockerfile", huge, "too large"),
        ("long.Dockerfile", long_line, "max allowed size"),
        (
            "heredoc.Dockerfile",
            fixture("truncated-heredoc.Dockerfile").into_bytes(),
            "unterminated heredoc",
        ),
        (
            "parse.Dockerfile",
            fixture("parse-error.Dockerfile").into_bytes(),
            "ENV must have two arguments",
        ),
        ("empty.Dockerfile", Vec::new(), "no instructions"),
    ];
    let mut files: Vec<(&str, &[u8])> = bad.iter().map(|(n, c, _)| (*n, c.as_slice())).collect();
    let good = fixture("app.Dockerfile");
    files.push(("good.Dockerfile", good.as_bytes()));
    let d = project(&files);
    // A dangling symlink: discovered, unreadable.
    std::os::unix::fs::symlink(d.path().join("missing"), d.path().join("gone.Dockerfile")).unwrap();
    for mode in [&[][..], &["--check"][..], &["--diff"][..]] {
        let o = dfix(d.path(), mode);
        assert_eq!(code(&o), 2, "{mode:?}");
        let err = stderr(&o);
        for (name, content, message) in &bad {
            let line = err
                .lines()
                .find(|l| l.contains(name))
                .unwrap_or_else(|| panic!("{mode:?}: no error for {name}: {err}"));
            assert!(line.contains(message), "{name}: {line}");
            assert_eq!(
                &fs::read(d.path().join(name)).unwrap(),
                content,
                "{name} changed"
            );
        }
        assert!(err.contains("gone.Dockerfile: cannot read"), "{err}");
    }
    // The good file was still processed (fixed by the first run).
    assert_eq!(
        fs::read_to_string(d.path().join("good.Dockerfile")).unwrap(),
        fixture("app.fixed.Dockerfile")
    );
    // Parse errors carry the line.
    let o = dfix(d.path(), &["--check", "parse.Dockerfile"]);
    assert!(
        stderr(&o).contains("parse.Dockerfile:2: ENV must have two arguments"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("1 file could not be processed"),
        "{}",
        stderr(&o)
    );
    assert!(!stdout(&o).contains("All checks passed"), "{}", stdout(&o));
    // A path that does not exist.
    let o = dfix(d.path(), &["nope/Dockerfile"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("nope/Dockerfile"));
}

#[test]
fn discovery_honours_gitignore_and_names() {
    let app = fixture("app.Dockerfile");
    let d = project(&[
        ("Dockerfile", app.as_bytes()),
        ("a/Containerfile", app.as_bytes()),
        ("b/Dockerfile.dev", app.as_bytes()),
        ("b/Dockerfile.dockerignore", b"node_modules\n"),
        ("c/web.dockerfile", app.as_bytes()),
        ("vendor/Dockerfile", app.as_bytes()),
        ("notes.txt", app.as_bytes()),
        (".gitignore", b"vendor/\n"),
    ]);
    let o = dfix(d.path(), &["--check", "--select", "DF005"]);
    assert_eq!(code(&o), 1);
    let mut files: Vec<String> = stdout(&o)
        .lines()
        .filter(|l| l.contains(": DF005"))
        .map(|l| l.split(':').next().unwrap().to_string())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "Dockerfile",
            "a/Containerfile",
            "b/Dockerfile.dev",
            "c/web.dockerfile"
        ]
    );
}

#[test]
fn select_and_ignore_by_alias() {
    let d = project(&[("Dockerfile", fixture("app.Dockerfile").as_bytes())]);
    let o = dfix(d.path(), &["--select", "DL3020"]);
    assert_eq!(code(&o), 0);
    let text = fs::read_to_string(d.path().join("Dockerfile")).unwrap();
    assert_eq!(
        text,
        fixture("app.Dockerfile").replace("ADD requirements", "COPY requirements")
    );

    let d = project(&[("Dockerfile", fixture("app.Dockerfile").as_bytes())]);
    let o = dfix(
        d.path(),
        &[
            "--check",
            "--ignore",
            "FromAsCasing,DS-0022,CKV_DOCKER_4,ConsistentInstructionCasing",
        ],
    );
    let out = stdout(&o);
    assert!(
        !out.contains("DF002")
            && !out.contains("DF005")
            && !out.contains("DF101")
            && !out.contains("DF001"),
        "{out}"
    );
    assert!(out.contains("DF102"), "{out}");

    let o = dfix(d.path(), &["--check", "--select", "DL9999"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("DL9999"));
}

#[test]
fn suppression_comments() {
    let src = "FROM alpine\n# dfix: ignore=add-instead-of-copy\nADD a /a\n# hadolint ignore=DL3020,DL4000\nADD b /b\nADD c /c\n";
    let d = project(&[("Dockerfile", src.as_bytes())]);
    let o = dfix(d.path(), &[]);
    // The suppressed ADDs stay; other findings (root user, unpinned) remain.
    assert_eq!(code(&o), 1);
    assert!(!stdout(&o).contains("DF101"), "{}", stdout(&o));
    assert_eq!(
        fs::read_to_string(d.path().join("Dockerfile")).unwrap(),
        src.replace("ADD c", "COPY c")
    );
    let global = "FROM scratch\nADD c /c\nUSER 65534\n# hadolint global ignore=DL3020\n";
    let d = project(&[("Dockerfile", global.as_bytes())]);
    let o = dfix(d.path(), &["--check"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
}

#[test]
fn config_files() {
    let app = fixture("app.Dockerfile");
    let d = project(&[
        ("dfix.toml", b"ignore = [\"DL3020\"]\nunsafe-fixes = true\n"),
        ("svc/Dockerfile", app.as_bytes()),
        ("other/.dfix.toml", b"select = [\"DF005\"]\n"),
        ("other/Dockerfile", app.as_bytes()),
    ]);
    let o = dfix(d.path(), &[]);
    // Fixed; findings the fixes cannot remove remain (exit 1).
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let svc = fs::read_to_string(d.path().join("svc/Dockerfile")).unwrap();
    assert!(svc.contains("ADD requirements.txt"), "{svc}");
    assert!(
        svc.contains("CMD [\"python\", \"app.py\"]"),
        "unsafe-fixes from config: {svc}"
    );
    let other = fs::read_to_string(d.path().join("other/Dockerfile")).unwrap();
    assert_eq!(
        other,
        app.replace(
            "MAINTAINER Jane Doe <jane@example.com>",
            "LABEL org.opencontainers.image.authors=\"Jane Doe <jane@example.com>\""
        )
    );

    // --config overrides discovery.
    let d = project(&[
        ("conf.toml", b"select = [\"DF101\"]\n"),
        ("dfix.toml", b"select = [\"DF005\"]\n"),
        ("Dockerfile", app.as_bytes()),
    ]);
    let o = dfix(d.path(), &["--check", "--config", "conf.toml"]);
    let out = stdout(&o);
    assert!(out.contains("DF101") && !out.contains("DF005"), "{out}");

    // Unknown keys name the key and the file; nothing is written.
    let d = project(&[
        ("dfix.toml", b"select = [\"ALL\"]\n[registries.\"docker.io\"]\nmirror = \"http://127.0.0.1:5000\"\nmirorr = \"x\"\n"),
        ("Dockerfile", app.as_bytes()),
    ]);
    let o = dfix(d.path(), &[]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("mirorr") && err.contains("dfix.toml"), "{err}");
    assert_eq!(
        fs::read_to_string(d.path().join("Dockerfile")).unwrap(),
        app
    );

    // Rule options reach the rule.
    let d = project(&[
        (
            "dfix.toml",
            b"[rules.consistent-instruction-casing]\nstyle = \"lower\"\n",
        ),
        ("Dockerfile", b"FROM a\nRUN b\n"),
    ]);
    // Root user and unpinned image remain: exit 1.
    assert_eq!(code(&dfix(d.path(), &[])), 1);
    assert_eq!(
        fs::read_to_string(d.path().join("Dockerfile")).unwrap(),
        "from a\nrun b\n"
    );
}

#[test]
fn json_output() {
    let d = project(&[("Dockerfile", fixture("app.Dockerfile").as_bytes())]);
    let o = dfix(d.path(), &["--check", "--output-format", "json"]);
    assert_eq!(code(&o), 1);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let items = v.as_array().unwrap();
    let add = items.iter().find(|i| i["code"] == "DF101").unwrap();
    assert_eq!(add["filename"], "Dockerfile");
    assert_eq!(add["location"]["row"], 5);
    assert_eq!(add["fix"]["applicability"], "safe");
    assert_eq!(add["fix"]["edits"][0]["content"], "COPY");
    assert!(add["aliases"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == "DL3020"));
    let cmd = items.iter().find(|i| i["code"] == "DF105").unwrap();
    assert_eq!(cmd["fixable"], false);
}

/// Checks the fields GitHub code scanning needs from a SARIF 2.1.0 log.
/// With `SARIF_SCHEMA` pointing at the official schema file and python's
/// `jsonschema` installed, the log is also validated against the schema.
#[test]
fn sarif_output_has_what_github_needs() {
    let d = project(&[("sub dir/Dockerfile", fixture("app.Dockerfile").as_bytes())]);
    let o = dfix(d.path(), &["--check", "--output-format", "sarif"]);
    assert_eq!(code(&o), 1);
    let log: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "dfix");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"DF101"));
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let id = r["ruleId"].as_str().unwrap();
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(ids[index], id);
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "sub%20dir/Dockerfile");
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(loc["region"]["startColumn"].as_u64().unwrap() >= 1);
    }
    let schema = std::env::var("SARIF_SCHEMA");
    if schema.is_err() && std::env::var_os("CI").is_some() {
        panic!("CI must validate SARIF against the schema: scripts/test.sh sets SARIF_SCHEMA");
    }
    if let Ok(schema) = schema {
        let log_path = d.path().join("log.sarif");
        fs::write(&log_path, &o.stdout).unwrap();
        let script = "import json,sys,jsonschema\n\
            s=json.load(open(sys.argv[1]));l=json.load(open(sys.argv[2]))\n\
            jsonschema.validate(l,s)\n";
        let status = Command::new("python3")
            .args(["-c", script, &schema, log_path.to_str().unwrap()])
            .status()
            .expect("python3 runs");
        assert!(
            status.success(),
            "SARIF log does not validate against {schema}"
        );
    }
}

#[test]
fn github_output() {
    let d = project(&[("Dockerfile", fixture("app.Dockerfile").as_bytes())]);
    let o = dfix(d.path(), &["--check", "--output-format", "github"]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(out.lines().all(|l| l.starts_with("::")), "{out}");
    assert!(
        out.contains("::error title=dfix (DF101),file=Dockerfile,line=5,col=1,"),
        "{out}"
    );
}

#[test]
fn rules_and_explain() {
    let d = project(&[]);
    let o = dfix(d.path(), &["rules"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("DF101  add-instead-of-copy"));
    // Grouped by area, with the counts in the last line matching the list.
    let text = stdout(&o);
    let listed = text.lines().filter(|l| l.starts_with("  DF")).count();
    let last = text.lines().last().unwrap();
    assert!(
        last.starts_with(&format!("{listed} rules: style ")),
        "{last}"
    );
    assert!(text.contains("correctness (DF1xx"), "{text}");
    for alias in [
        "DL3020",
        "DS-0005",
        "AVD-DS-0005",
        "CKV_DOCKER_4",
        "add-instead-of-copy",
        "df101",
    ] {
        let o = dfix(d.path(), &["explain", alias]);
        assert_eq!(code(&o), 0, "{alias}");
        let out = stdout(&o);
        assert!(
            out.starts_with("# add-instead-of-copy (DF101)"),
            "{alias}: {out}"
        );
        assert!(out.contains("## Fix safety"));
    }
    let o = dfix(d.path(), &["explain", "MultipleInstructionsDisallowed"]);
    let out = stdout(&o);
    assert!(out.contains("(DF102)") && out.contains("(DF103)") && out.contains("(DF104)"));
    let o = dfix(d.path(), &["explain", "DL0000"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("DL0000"));
}

#[test]
fn parse_json_keeps_its_contract() {
    let d = project(&[
        ("Dockerfile", fixture("app.Dockerfile").as_bytes()),
        (
            "bad.Dockerfile",
            fixture("parse-error.Dockerfile").as_bytes(),
        ),
    ]);
    let o = dfix(d.path(), &["parse", "--json", "Dockerfile"]);
    assert_eq!(code(&o), 0);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let first = &v["instructions"][0];
    assert_eq!(first["cmd"], "from");
    assert_eq!(first["start_line"], 2);
    assert!(v["errors"].as_array().unwrap().is_empty());
    let run = v["instructions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["cmd"] == "run")
        .unwrap();
    assert_eq!(
        (run["start_line"].as_u64(), run["end_line"].as_u64()),
        (Some(6), Some(8))
    );

    let o = dfix(d.path(), &["parse", "--json", "bad.Dockerfile"]);
    assert_eq!(code(&o), 2);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["errors"][0]["line"], 2);
    assert!(stderr(&o).contains("bad.Dockerfile:2:"));
}

#[test]
fn usage_errors_exit_2() {
    let d = project(&[]);
    assert_eq!(code(&dfix(d.path(), &["--no-such-flag"])), 2);
    assert_eq!(code(&dfix(d.path(), &["--check", "--diff"])), 2);
    assert_eq!(code(&dfix(d.path(), &["--output-format", "xml"])), 2);
    let o = dfix(d.path(), &["-", "Dockerfile"]);
    assert_eq!(code(&o), 2);
}

#[test]
fn config_extends_image_families_and_recipes() {
    let src = "FROM myorg/base:1\nRUN make\nCMD [\"/app\"]\n";
    let config = "select = [\"DF202\"]\nunsafe-fixes = true\n[[nonroot.images]]\nnames = [\"myorg/base*\"]\nfamily = \"alpine\"\n";
    let d = project(&[
        ("Dockerfile", src.as_bytes()),
        ("dfix.toml", config.as_bytes()),
    ]);
    let o = dfix(d.path(), &[]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let fixed = fs::read_to_string(d.path().join("Dockerfile")).unwrap();
    assert!(
        fixed.contains("adduser -S"),
        "the Alpine tools for a user-declared family: {fixed}"
    );

    // Without the config entry the base is unknown: a numeric USER, no RUN.
    let d = project(&[
        ("Dockerfile", src.as_bytes()),
        ("dfix.toml", b"select = [\"DF202\"]\nunsafe-fixes = true\n"),
    ]);
    dfix(d.path(), &[]);
    let fixed = fs::read_to_string(d.path().join("Dockerfile")).unwrap();
    assert!(
        !fixed.contains("adduser") && fixed.contains("USER "),
        "{fixed}"
    );

    // A bad entry is an error naming the file.
    let bad = "[[nonroot.images]]\nnames = [\"x\"]\nfamily = \"no-such-family\"\n";
    let d = project(&[
        ("Dockerfile", src.as_bytes()),
        ("dfix.toml", bad.as_bytes()),
    ]);
    let o = dfix(d.path(), &["--check"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("dfix.toml") && stderr(&o).contains("[nonroot]"),
        "{}",
        stderr(&o)
    );
    let bad = "[multistage.recipes.go]\nno-such-key = 1\n";
    let d = project(&[
        ("Dockerfile", src.as_bytes()),
        ("dfix.toml", bad.as_bytes()),
    ]);
    let o = dfix(d.path(), &["--check"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("[multistage]"), "{}", stderr(&o));
}

#[test]
fn config_extends_base_image_facts() {
    // A user-declared deprecated image is reported with its replacement.
    let src = "FROM acme/runtime:2\nCMD [\"/app\"]\n";
    let config = "select = [\"DF263\"]\n[[bases.deprecated]]\nnames = [\"acme/runtime\"]\nsince = \"2020-01-01\"\nreplacement = \"acme/runtime-ng:{tag}\"\nwhy = \"renamed\"\n";
    let d = project(&[
        ("Dockerfile", src.as_bytes()),
        ("dfix.toml", config.as_bytes()),
    ]);
    let o = dfix(d.path(), &["--check"]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("acme/runtime-ng:2"), "{}", stdout(&o));

    // A tool the user declares missing from python slim keeps the full image.
    let src = "FROM python:3.12\nRUN protoc --version\nCMD [\"python\"]\n";
    let config = "select = [\"DF260\"]\nunsafe-fixes = true\n[bases.families.python]\nlacks = [\"protoc\"]\n";
    let d = project(&[
        ("Dockerfile", src.as_bytes()),
        ("dfix.toml", config.as_bytes()),
    ]);
    dfix(d.path(), &[]);
    let fixed = fs::read_to_string(d.path().join("Dockerfile")).unwrap();
    assert_eq!(fixed, src);

    let bad = "[bases.families.python]\nlack = []\n";
    let d = project(&[
        ("Dockerfile", src.as_bytes()),
        ("dfix.toml", bad.as_bytes()),
    ]);
    let o = dfix(d.path(), &["--check"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("dfix.toml") && stderr(&o).contains("[bases]"),
        "{}",
        stderr(&o)
    );
}
