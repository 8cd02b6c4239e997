//! End-to-end tests of what dfix refuses to edit and how it exits: files of
//! another kind (the real Compose files of the shared corpus), Dockerfiles
//! with an instruction BuildKit does not know, and ruff's exit codes.
//!
//! The Compose corpus is read from `DFIX_CORPUS`, as `tests/corpus.rs`
//! does: in CI (`CI` set) a missing corpus is a failure; elsewhere the test
//! says it skipped.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

#[path = "common/run.rs"]
mod common_run;
use common_run::{dfix, read, run, text_project as project};

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn corpus() -> Option<PathBuf> {
    match std::env::var_os("DFIX_CORPUS") {
        Some(p) if Path::new(&p).join("compose").is_dir() => Some(PathBuf::from(p)),
        Some(p) => panic!(
            "DFIX_CORPUS={} has no compose/ folder",
            Path::new(&p).display()
        ),
        None if std::env::var_os("CI").is_some() => panic!("CI is set but DFIX_CORPUS is not"),
        None => {
            eprintln!("skipped: set DFIX_CORPUS to the shared corpus to run the Compose test");
            None
        }
    }
}

/// Every `*.yml` / `*.yaml` under `compose/`, as (folder, file name, bytes).
fn compose_files(root: &Path) -> Vec<(String, String, Vec<u8>)> {
    let mut out = Vec::new();
    for folder in fs::read_dir(root.join("compose")).unwrap() {
        let folder = folder.unwrap().path();
        if !folder.is_dir() {
            continue;
        }
        for f in fs::read_dir(&folder).unwrap() {
            let p = f.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".yml") || name.ends_with(".yaml") {
                let folder_name = folder.file_name().unwrap().to_string_lossy().into_owned();
                out.push((folder_name, name, fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// Every Compose file of the corpus, named on the command line (each alone)
/// in `--check` and `--diff`: its bytes are never changed, and a file dfix
/// cannot take (invalid YAML, not a Compose file) exits 2 with a message
/// naming it. Copied without an extension (and on stdin without a name)
/// only the content can tell, and YAML is not a Dockerfile: exit 2, nothing
/// on stdout. On stdin with its Compose name it is fixed like the file.
#[test]
fn compose_files_are_a_kind_of_their_own() {
    let Some(root) = corpus() else { return };
    let files = compose_files(&root);
    // The corpus README counts 39 + 203 + 28.
    assert!(
        files.len() >= 270,
        "Compose corpus looks incomplete: {} files",
        files.len()
    );
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("dfix.toml"), "offline = true\n").unwrap();
    for (i, (folder, name, bytes)) in files.iter().enumerate() {
        let by_name = format!("{folder}/{name}");
        let stem = name.rsplit_once('.').unwrap().0;
        let by_content = format!("content/{i}/{stem}");
        for rel in [&by_name, &by_content] {
            let p = d.path().join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(&p, bytes).unwrap();
        }
        for mode in ["--diff", "--check"] {
            let o = dfix(d.path(), &[mode, &by_name]);
            let err = stderr(&o);
            match code(&o) {
                0 | 1 => assert!(!err.contains("error:"), "{by_name}: {err}"),
                2 => assert!(
                    err.contains(&format!("error: {by_name}:")) && err.contains("left unchanged"),
                    "{by_name}: {err}"
                ),
                c => panic!("{by_name} {mode}: exit {c}: {err}"),
            }
            assert_eq!(
                &fs::read(d.path().join(&by_name)).unwrap(),
                bytes,
                "{by_name}"
            );
            let o = dfix(d.path(), &[mode, &by_content]);
            assert_eq!(code(&o), 2, "{by_content}: {}", stderr(&o));
            assert!(stderr(&o).contains("not a Dockerfile ("), "{}", stderr(&o));
            assert_eq!(&fs::read(d.path().join(&by_content)).unwrap(), bytes);
        }
        let o = run(d.path(), &["-"], Some(bytes));
        assert_eq!(code(&o), 2, "{by_name}: {}", stderr(&o));
        assert!(o.stdout.is_empty(), "{by_name}");
        let o = run(d.path(), &["-", "--stdin-filename", &by_name], Some(bytes));
        match code(&o) {
            0 => assert!(!o.stdout.is_empty() || bytes.is_empty(), "{by_name}"),
            2 => assert!(o.stdout.is_empty(), "{by_name}"),
            c => panic!("{by_name} stdin: exit {c}: {}", stderr(&o)),
        }
    }
}

const MISSPELLED: &str = "FROM alpine:3.20\nRUN apk add curl\nRNU echo hi\nadd . /app\n";

#[test]
fn a_misspelled_instruction_exits_2_untouched_with_the_line_named() {
    let d = project(&[("Dockerfile", MISSPELLED), ("svc/Dockerfile", MISSPELLED)]);
    let said = "Dockerfile:3: unknown instruction `RNU` (did you mean `RUN`?)";
    let modes: [&[&str]; 7] = [
        &["Dockerfile"],
        &["--diff", "Dockerfile"],
        &["--check", "Dockerfile"],
        &["--unsafe-fixes", "Dockerfile"],
        // --exit-zero only silences findings, never errors.
        &["--exit-zero", "Dockerfile"],
        // Found by directory search.
        &["svc"],
        &["--check", "--output-format", "json", "svc"],
    ];
    for args in modes {
        let o = dfix(d.path(), args);
        let err = stderr(&o);
        assert_eq!(code(&o), 2, "{args:?}: {err}");
        assert!(err.contains(said), "{args:?}: {err}");
        assert_eq!(read(d.path(), "Dockerfile"), MISSPELLED, "{args:?}");
        assert_eq!(read(d.path(), "svc/Dockerfile"), MISSPELLED, "{args:?}");
    }
    for args in [
        &["-", "--stdin-filename", "Dockerfile"][..],
        &["-", "--diff"][..],
        &["-", "--check"][..],
    ] {
        let o = run(d.path(), args, Some(MISSPELLED.as_bytes()));
        let err = stderr(&o);
        assert_eq!(code(&o), 2, "{args:?}: {err}");
        assert!(o.stdout.is_empty(), "{args:?}: {}", stdout(&o));
        assert!(
            err.contains(":3: unknown instruction `RNU`"),
            "{args:?}: {err}"
        );
    }
    // Another file in the same run is still fixed; the exit code says error.
    let d = project(&[
        ("a/Dockerfile", MISSPELLED),
        ("b/Dockerfile", "FROM scratch\nadd a /a\nUSER 65534\n"),
    ]);
    let o = dfix(d.path(), &[]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert_eq!(read(d.path(), "a/Dockerfile"), MISSPELLED);
    assert_eq!(
        read(d.path(), "b/Dockerfile"),
        "FROM scratch\nCOPY a /a\nUSER 65534\n"
    );
    // A file named Dockerfile is one whatever it holds: YAML in it is an
    // unknown instruction, as BuildKit says.
    let yaml = "services:\n  web:\n    image: nginx\n";
    let d = project(&[("Dockerfile", yaml)]);
    let o = dfix(d.path(), &["Dockerfile"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("Dockerfile:1: unknown instruction `services:`"),
        "{}",
        stderr(&o)
    );
    assert_eq!(read(d.path(), "Dockerfile"), yaml);
}

#[test]
fn parse_json_still_mirrors_the_parser_on_unknown_instructions() {
    let d = project(&[("Dockerfile", MISSPELLED)]);
    let o = dfix(d.path(), &["parse", "--json", "Dockerfile"]);
    // BuildKit's parser accepts the word; only its build fails.
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["errors"], serde_json::json!([]));
    let cmds: Vec<(&str, u64)> = v["instructions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["cmd"].as_str().unwrap(),
                i["start_line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(cmds, [("from", 1), ("run", 2), ("rnu", 3), ("add", 4)]);
}

#[test]
fn other_kinds_are_skipped_with_a_reason_and_directories_keep_their_patterns() {
    let files = [
        ("package.json", "{\"name\": \"x\"}\n"),
        ("run.sh", "#!/bin/sh\nexec app\n"),
        ("README.md", "# App\n\nfrom the docs: run it.\n"),
        ("ci.yml", "jobs:\n  build:\n    runs-on: x\n"),
        ("notes", "remember to\nupdate the base image\n"),
        ("Dockerfile", "FROM scratch\nadd a /a\nUSER 65534\n"),
    ];
    let d = project(&files);
    let others = ["package.json", "run.sh", "README.md", "ci.yml", "notes"];
    let o = dfix(d.path(), &others);
    let err = stderr(&o);
    assert_eq!(code(&o), 2, "{err}");
    for (name, why) in [
        ("package.json", "`.json` names a JSON file"),
        ("run.sh", "`.sh` names a shell script file"),
        ("README.md", "`.md` names a text file"),
        ("ci.yml", "`.yml` names a YAML file"),
        (
            "notes",
            "no FROM, and 2 of its 2 instructions are not Dockerfile instructions",
        ),
    ] {
        let line = format!("warning: {name}: not a Dockerfile ({why}); skipped, left unchanged");
        assert!(err.lines().any(|l| l == line), "{line}\n{err}");
    }
    // Beside a Dockerfile that is fixed clean: skipped, and exit 0.
    let mut args = others.to_vec();
    args.push("Dockerfile");
    let o = dfix(d.path(), &args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stderr(&o).matches("not a Dockerfile").count(), 5);
    for (name, content) in &files[..5] {
        assert_eq!(&read(d.path(), name), content, "{name}");
    }
    assert_eq!(
        read(d.path(), "Dockerfile"),
        "FROM scratch\nCOPY a /a\nUSER 65534\n"
    );
    // A directory run only looks at Dockerfile names: nothing is skipped.
    let o = dfix(d.path(), &["."]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!stderr(&o).contains("not a Dockerfile"), "{}", stderr(&o));
    assert!(stdout(&o).contains("All checks passed!"), "{}", stdout(&o));
}

/// A Dockerfile the safe fixes clean up entirely (offline: `scratch` has no
/// digest to pin, USER is non-root).
const FIXES_CLEAN: &str = "FROM scratch\nadd a /a\nUSER 65534\n";
/// One the fixes cannot clean: the unsafe exec-form fix stays hidden.
const FINDINGS_REMAIN: &str = "FROM scratch\nadd a /a\nUSER 65534\nCMD run it\n";

#[test]
fn exit_codes_as_ruff() {
    // Fix mode: 0 when nothing remains, 1 when findings remain.
    let d = project(&[("Dockerfile", FIXES_CLEAN)]);
    let o = dfix(d.path(), &[]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("(0 remaining)"), "{}", stdout(&o));

    let d = project(&[("Dockerfile", FINDINGS_REMAIN)]);
    let o = dfix(d.path(), &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("Dockerfile:4:5: DF105"),
        "{}",
        stdout(&o)
    );
    // The fix was still applied.
    assert!(read(d.path(), "Dockerfile").contains("COPY a /a"));
    // The same on a directory.
    let d = project(&[("svc/Dockerfile", FINDINGS_REMAIN)]);
    assert_eq!(code(&dfix(d.path(), &["."])), 1);

    // --exit-zero: 0 with findings in every mode, and it still fixes.
    let d = project(&[("Dockerfile", FINDINGS_REMAIN)]);
    for mode in [&["--check"][..], &["--diff"][..], &[][..]] {
        let mut args = mode.to_vec();
        args.push("--exit-zero");
        let o = dfix(d.path(), &args);
        assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
        assert!(
            stdout(&o).contains("DF105") || stdout(&o).contains("+COPY a /a"),
            "{args:?}: {}",
            stdout(&o)
        );
    }
    assert!(read(d.path(), "Dockerfile").contains("COPY a /a"));
    // Without it, --check and --diff exit 1.
    let d = project(&[("Dockerfile", FINDINGS_REMAIN)]);
    assert_eq!(code(&dfix(d.path(), &["--check"])), 1);
    assert_eq!(code(&dfix(d.path(), &["--diff"])), 1);

    // --exit-non-zero-on-fix: 1 when anything was fixed, 0 once clean.
    let d = project(&[("Dockerfile", FIXES_CLEAN)]);
    let o = dfix(d.path(), &["--exit-non-zero-on-fix"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(read(d.path(), "Dockerfile").contains("COPY a /a"));
    assert_eq!(code(&dfix(d.path(), &["--exit-non-zero-on-fix"])), 0);

    // The two conflict, as in ruff: a usage error.
    let o = dfix(d.path(), &["--exit-zero", "--exit-non-zero-on-fix"]);
    assert_eq!(code(&o), 2);

    // Stdin fix mode: 0 whenever the file is printed, findings or fixes.
    for args in [&["-"][..], &["-", "--exit-non-zero-on-fix"][..]] {
        let o = run(d.path(), args, Some(FINDINGS_REMAIN.as_bytes()));
        assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), FINDINGS_REMAIN.replace("add", "COPY"));
        assert!(stderr(&o).contains("-:4:5: DF105"), "{}", stderr(&o));
    }
    // Stdin --check still reports findings with exit 1.
    let o = run(
        d.path(),
        &["-", "--check"],
        Some(FINDINGS_REMAIN.as_bytes()),
    );
    assert_eq!(code(&o), 1);
}

#[test]
fn help_states_the_exit_codes() {
    let o = dfix(Path::new("."), &["--help"]);
    assert_eq!(code(&o), 0);
    let help = stdout(&o);
    for needle in [
        "--exit-zero",
        "--exit-non-zero-on-fix",
        "Exit codes:",
        "findings remain after fixing",
        "every file given is of another kind",
        "unknown instruction",
    ] {
        assert!(help.contains(needle), "{needle}\n{help}");
    }
}
