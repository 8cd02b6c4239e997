//! `dfix -`: read stdin, write the fixed file to stdout (for editors), or
//! `--diff` / `--check` it.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use super::EXIT_ERROR;
use crate::cli::{OutputFormat, RunArgs};
use crate::output;
use crate::output::report::{report, ExitPolicy};
use crate::pipeline::{process_one, Mode, RunOptions};
use crate::resolve::{Configs, Overrides};
use crate::write::read_stdin;

/// Runs stdin mode. On any error, and for a text that is not a Dockerfile,
/// nothing is printed on stdout and the exit code is 2, so an editor keeps
/// its buffer. In fix mode the exit code is 0 whenever the file is printed,
/// findings or not: editors discard a formatter's output when it exits
/// non-zero.
pub fn run(args: &RunArgs, mode: Mode, configs: &mut Configs) -> ExitCode {
    // The name finds the config and names the file in messages.
    let name = args
        .stdin_filename
        .clone()
        .unwrap_or_else(|| PathBuf::from("-"));
    let text = match read_stdin() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {}: {e}", name.display());
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let mut overrides = Overrides::from(args);
    // A buffer cannot get a second file written, and finding that a context
    // lacks a `.dockerignore` takes a walk of the whole folder on every
    // save (an editor calls this per save): DF601 is left to file runs
    // unless selected by name here.
    let missing_ignore = &dfix_transforms::rules::context::missing_dockerignore::META;
    if !overrides.select.iter().any(|s| missing_ignore.is_named(s)) {
        overrides.ignore.push(missing_ignore.id.to_string());
    }
    let options = RunOptions {
        mode,
        overrides,
        stdin: true,
    };
    let outcome = process_one(&name, &text, configs, &options);
    if let Some(e) = &outcome.error {
        // Nothing on stdout: an editor keeps its buffer.
        eprintln!("error: {e}");
        return ExitCode::from(EXIT_ERROR);
    }
    if let Some(why) = &outcome.skipped {
        // The only file given is of another kind, as `dfix compose.yaml`.
        eprintln!("error: {why}; skipped, left unchanged");
        return ExitCode::from(EXIT_ERROR);
    }
    if mode == Mode::Fix {
        let mut stdout = std::io::stdout().lock();
        let body = outcome.output.as_deref().unwrap_or(&text);
        if stdout
            .write_all(body.as_bytes())
            .and_then(|_| stdout.flush())
            .is_err()
        {
            return ExitCode::from(EXIT_ERROR);
        }
        // Remaining findings go to stderr; stdout is the file.
        let rest = output::render(OutputFormat::Text, &outcome.findings);
        eprint!("{rest}");
        if let Some(h) = output::hidden_hint(outcome.hidden) {
            eprintln!("{h}");
        }
        return ExitCode::SUCCESS;
    }
    let lookup_failed = outcome.lookup_failed;
    report(
        args.output_format,
        mode,
        vec![outcome],
        false,
        lookup_failed,
        ExitPolicy::from(args),
    )
}
