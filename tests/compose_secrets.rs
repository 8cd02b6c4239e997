//! End-to-end: a literal secret in a Compose file's `environment` moves to
//! a Compose secret, and its value to a new file `secrets/<name>.txt`
//! beside the Compose file, written before the Compose file (if it cannot
//! be, the Compose file is left as it was). `--diff` shows the new file and
//! writes nothing; stdin mode writes no file, so its fix asks the user to
//! create it. Compose v2 accepts the fixed project.

#[path = "common/run.rs"]
mod common_run;
use common_run::{dfix, dfix_stdin, read, text_project as project};
#[path = "common/compose_oracle.rs"]
mod compose_oracle;
use compose_oracle::{assert_still_accepted, compose_accepts};

fn compose() -> String {
    // The list form and a `$$` (a literal `$` once Compose reads it).
    "services:\n  db:\n    image: mariadb:11\n    environment:\n      - MARIADB_ROOT_PASSWORD=pa$$word\n      - MARIADB_DATABASE=app\n".to_string()
}

#[test]
fn the_value_moves_to_a_secret_file() {
    let src = compose();
    let d = project(&[("compose.yaml", &src)]);
    let before = compose_accepts(d.path(), "compose.yaml");
    let o = dfix(d.path(), &["--unsafe-fixes", "--select", "DF510", "."]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let fixed = read(d.path(), "compose.yaml");
    assert!(
        fixed.contains("      - MARIADB_ROOT_PASSWORD_FILE=/run/secrets/mariadb_root_password\n"),
        "{fixed}"
    );
    assert!(
        fixed.ends_with(
            "secrets:\n  mariadb_root_password:\n    file: ./secrets/mariadb_root_password.txt\n"
        ),
        "{fixed}"
    );
    assert_eq!(
        read(d.path(), "secrets/mariadb_root_password.txt"),
        "pa$word"
    );
    assert_still_accepted(before, d.path(), "compose.yaml", &fixed);
    // A second run changes nothing and writes nothing.
    let again = dfix(d.path(), &["--unsafe-fixes", "--select", "DF510", "."]);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(read(d.path(), "compose.yaml"), fixed);
    assert_eq!(
        read(d.path(), "secrets/mariadb_root_password.txt"),
        "pa$word"
    );
}

#[test]
fn diff_shows_the_new_file_and_writes_nothing() {
    let src = compose();
    let d = project(&[("compose.yaml", &src)]);
    let o = dfix(
        d.path(),
        &[
            "--diff",
            "--unsafe-fixes",
            "--select",
            "DF510",
            "compose.yaml",
        ],
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("+++ b/compose.yaml"), "{out}");
    assert!(out.contains("secrets/mariadb_root_password.txt"), "{out}");
    assert!(out.contains("+pa$word"), "{out}");
    assert_eq!(read(d.path(), "compose.yaml"), src);
    assert!(!d.path().join("secrets").exists());
}

#[test]
fn stdin_mode_writes_no_file_beside_it() {
    let src = compose();
    let d = project(&[]);
    let o = dfix_stdin(
        d.path(),
        &[
            "--unsafe-fixes",
            "--select",
            "DF510",
            "-",
            "--stdin-filename",
            "compose.yaml",
        ],
        src.as_bytes(),
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("MARIADB_ROOT_PASSWORD_FILE="), "{out}");
    assert!(!d.path().join("secrets").exists());
}

/// A secret file that cannot be written (here `secrets` is a file, not a
/// folder): an error, and the Compose file keeps its value.
#[test]
fn no_secret_file_no_change() {
    let src = compose();
    let d = project(&[("compose.yaml", &src), ("secrets", "not a folder\n")]);
    let o = dfix(d.path(), &["--unsafe-fixes", "--select", "DF510", "."]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("compose.yaml left unchanged"));
    assert_eq!(read(d.path(), "compose.yaml"), src);
}
