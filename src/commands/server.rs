//! `dfix server`: the language server over stdin/stdout.

use std::process::ExitCode;

use super::EXIT_ERROR;

/// Runs the language server until the client says `exit` or goes away.
pub fn run() -> ExitCode {
    match crate::server::run_stdio() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: dfix server: {e}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}
