//! The application: parses the command line and runs the command.

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::commands::{self, EXIT_ERROR};

/// Runs dfix with the process's arguments.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_ERROR } else { 0 });
        }
    };
    match cli.command {
        Some(Command::Rules { output_format }) => commands::rules::run(output_format),
        Some(Command::Explain { id }) => commands::explain::run(&id),
        Some(Command::Parse { json, path }) => commands::parse::run(&path, json),
        Some(Command::Verify(args)) => commands::verify::run(&args),
        Some(Command::Server) => commands::server::run(),
        None => commands::fix::run(&cli.run),
    }
}
