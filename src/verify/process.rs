//! Runs an external tool (a container builder) with a time limit. Both of
//! its output streams go straight to one log file, so a build that prints a
//! lot can never block on a full pipe; the caller reads the file afterwards.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// It exited with this code (`-1` when killed by a signal).
    Code(i32),
    /// Still running at the time limit: it was killed.
    TimedOut,
}

impl Exit {
    /// True for exit code 0.
    pub fn success(&self) -> bool {
        *self == Exit::Code(0)
    }
}

/// What a command printed and how it ended.
#[derive(Debug, Clone)]
pub struct Finished {
    /// How it ended.
    pub exit: Exit,
    /// Its standard output and error, interleaved as written.
    pub output: String,
}

/// Runs `argv` with stdin closed, both output streams appended to `log`,
/// for at most `limit`; returns how it ended and what it printed (the log's
/// new part). A command that cannot be started is an `Err` naming it.
pub fn run(argv: &[String], log: &Path, limit: Duration) -> Result<Finished, String> {
    let (program, args) = argv.split_first().ok_or("empty command")?;
    let start_len = std::fs::metadata(log).map(|m| m.len()).unwrap_or(0);
    let open = || {
        File::options()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| format!("{}: {e}", log.display()))
    };
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(open()?)
        .stderr(open()?)
        .spawn()
        .map_err(|e| format!("cannot run `{program}`: {e}"))?;
    let started = Instant::now();
    let exit = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Exit::Code(status.code().unwrap_or(-1)),
            Ok(None) if started.elapsed() >= limit => {
                let _ = child.kill();
                let _ = child.wait();
                break Exit::TimedOut;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("waiting for `{program}`: {e}")),
        }
    };
    let bytes = std::fs::read(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let new = bytes.get(start_len as usize..).unwrap_or_default();
    Ok(Finished {
        exit,
        output: String::from_utf8_lossy(new).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn output_and_exit_code() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        let done = run(
            &argv(&["sh", "-c", "echo out; echo err >&2; exit 3"]),
            &log,
            Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(done.exit, Exit::Code(3));
        assert!(done.output.contains("out\n") && done.output.contains("err\n"));
        // A second command's result holds only its own output.
        let again = run(&argv(&["echo", "second"]), &log, Duration::from_secs(10)).unwrap();
        assert_eq!(again.output, "second\n");
        assert!(again.exit.success());
    }

    #[test]
    fn a_big_output_does_not_block() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        let done = run(
            &argv(&["sh", "-c", "head -c 5000000 /dev/zero | tr '\\0' x"]),
            &log,
            Duration::from_secs(20),
        )
        .unwrap();
        assert!(done.exit.success());
        assert_eq!(done.output.len(), 5_000_000);
    }

    #[test]
    fn killed_at_the_time_limit() {
        let dir = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let done = run(
            &argv(&["sleep", "30"]),
            &dir.path().join("log"),
            Duration::from_millis(300),
        )
        .unwrap();
        assert_eq!(done.exit, Exit::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn a_missing_program_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = run(
            &argv(&["dfix-no-such-program"]),
            &dir.path().join("log"),
            Duration::from_secs(1),
        )
        .unwrap_err();
        assert!(err.contains("dfix-no-such-program"), "{err}");
    }
}
