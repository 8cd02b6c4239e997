//! Running the `dfix` binary in the CLI tests: offline (no digest look-ups
//! over the network; the tests are about the engine and the CLI, not the
//! registry), with a cache folder of the test's own.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_dfix");

/// Runs dfix in `dir` with `args`, `stdin` written to its standard input
/// (closed at once when `None`).
pub fn run(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env("DFIX_OFFLINE", "1")
        .env("DFIX_CACHE_DIR", dir.join(".no-cache"))
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dfix runs");
    let mut pipe = child.stdin.take().unwrap();
    if let Some(input) = stdin {
        pipe.write_all(input).unwrap();
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

/// Runs dfix in `dir` with `args` and no input.
pub fn dfix(dir: &Path, args: &[&str]) -> Output {
    run(dir, args, None)
}

/// Runs dfix in `dir` with `args` and `input` on its standard input.
#[allow(dead_code)]
pub fn dfix_stdin(dir: &Path, args: &[&str], input: &[u8]) -> Output {
    run(dir, args, Some(input))
}

/// A temporary project folder holding `files` (a path below the folder and
/// its bytes each).
#[allow(dead_code)]
pub fn project(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let p = d.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    d
}

/// [`project`] for text files.
#[allow(dead_code)]
pub fn text_project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let bytes: Vec<(&str, &[u8])> = files.iter().map(|(n, c)| (*n, c.as_bytes())).collect();
    project(&bytes)
}

/// The text of file `name` in folder `dir`.
#[allow(dead_code)]
pub fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}
