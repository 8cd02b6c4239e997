//! What a run prints at the end (findings, diffs, the summary line) and the
//! exit code it picks.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::OutputFormat;
use crate::commands::{EXIT_ERROR, EXIT_FINDINGS};
use crate::output::{self, plural, Finding};
use crate::pipeline::{Mode, Outcome};

/// How findings and fixes turn into the exit code (ruff's flags).
#[derive(Debug, Clone, Copy, Default)]
pub struct ExitPolicy {
    /// `--exit-zero`: exit 0 even when findings remain or changes would be
    /// made (errors still exit 2).
    pub exit_zero: bool,
    /// `--exit-non-zero-on-fix`: in fix mode, exit 1 when anything was
    /// fixed, even if no finding remains.
    pub exit_non_zero_on_fix: bool,
}

impl From<&crate::cli::RunArgs> for ExitPolicy {
    fn from(args: &crate::cli::RunArgs) -> ExitPolicy {
        ExitPolicy {
            exit_zero: args.exit_zero,
            exit_non_zero_on_fix: args.exit_non_zero_on_fix,
        }
    }
}

/// Prints what happened to the files and picks the exit code (the table in
/// `dfix --help`). `failed` is true when something outside the outcomes
/// already failed (a folder that could not be walked); `lookup_failed` when
/// a registry look-up failed.
pub fn report(
    format: OutputFormat,
    mode: Mode,
    outcomes: Vec<Outcome>,
    mut failed: bool,
    lookup_failed: bool,
    policy: ExitPolicy,
) -> ExitCode {
    let mut findings = Vec::new();
    let (mut fixed, mut hidden, mut changed_files) = (0, 0, 0);
    let mut diffs = String::new();
    let (mut errors, mut skipped, mut processed) = (0, 0, 0);
    for o in outcomes {
        if let Some(e) = o.error {
            eprintln!("error: {e}");
            errors += 1;
            continue;
        }
        if let Some(why) = o.skipped {
            eprintln!("warning: {why}; skipped, left unchanged");
            skipped += 1;
            continue;
        }
        processed += 1;
        fixed += o.fixed;
        hidden += o.hidden;
        if o.changed {
            changed_files += 1;
        }
        changed_files += o.companions_changed;
        diffs.push_str(&o.diff);
        findings.extend(o.findings);
    }
    let mut stdout = std::io::stdout().lock();
    let mut out = String::new();
    // Nothing was checked: "All checks passed!" or "No changes." would mislead.
    let only_skipped = processed == 0 && skipped > 0;
    match mode {
        Mode::Diff if only_skipped => {}
        Mode::Diff => {
            out.push_str(&diffs);
            let would = if changed_files == 0 {
                "No changes.".to_string()
            } else {
                format!(
                    "Would fix {} in {}.",
                    plural(fixed, "finding"),
                    plural(changed_files, "file")
                )
            };
            eprintln!("{would}");
            if let Some(h) = output::hidden_hint(hidden) {
                eprintln!("{h}");
            }
        }
        Mode::Check | Mode::Fix => {
            out.push_str(&output::render(format, &findings));
            if format == OutputFormat::Text && !only_skipped {
                out.push_str(&summary(
                    mode,
                    &findings,
                    fixed,
                    changed_files,
                    hidden,
                    errors,
                ));
            } else if let Some(h) = output::hidden_hint(hidden) {
                eprintln!("{h}");
            }
        }
    }
    if stdout
        .write_all(out.as_bytes())
        .and_then(|_| stdout.flush())
        .is_err()
    {
        return ExitCode::from(EXIT_ERROR);
    }
    if errors > 0 {
        eprintln!(
            "{} could not be processed (left unchanged).",
            plural(errors, "file")
        );
        failed = true;
    }
    if only_skipped && errors == 0 {
        // Every file given was of another kind: the command did nothing the
        // user asked for (`dfix compose.yaml`). With other files processed,
        // skipped ones are only reported.
        eprintln!("error: no Dockerfile to process: every file given is of another kind");
        failed = true;
    }
    if failed {
        return ExitCode::from(EXIT_ERROR);
    }
    let problems = match mode {
        Mode::Check => !findings.is_empty(),
        Mode::Diff => changed_files > 0,
        Mode::Fix => !findings.is_empty() || (policy.exit_non_zero_on_fix && changed_files > 0),
    } || lookup_failed;
    if problems && !policy.exit_zero {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}

/// The summary line of the text format.
fn summary(
    mode: Mode,
    findings: &[Finding],
    fixed: usize,
    changed_files: usize,
    hidden: usize,
    errors: usize,
) -> String {
    let mut s = String::new();
    let fixable = findings.iter().filter(|f| f.fixable).count();
    if mode == Mode::Fix {
        if fixed > 0 {
            s.push_str(&format!(
                "Fixed {} in {} ({} remaining).\n",
                plural(fixed, "finding"),
                plural(changed_files, "file"),
                findings.len()
            ));
        } else if findings.is_empty() {
            if errors == 0 {
                s.push_str("All checks passed!\n");
            }
        } else {
            s.push_str(&format!(
                "Found {}; nothing to fix.\n",
                plural(findings.len(), "finding")
            ));
        }
    } else if findings.is_empty() {
        if errors == 0 {
            s.push_str("All checks passed!\n");
        }
    } else {
        s.push_str(&format!("Found {}.\n", plural(findings.len(), "finding")));
        if fixable > 0 {
            s.push_str(&format!(
                "[*] {fixable} fixable with `dfix` (without --check).\n"
            ));
        }
    }
    if let Some(h) = output::hidden_hint(hidden) {
        s.push_str(&h);
        s.push('\n');
    }
    s
}
