//! `dfix verify`: build and run each Dockerfile as written and as fixed,
//! and report whether the fixes kept the image working.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use super::{EXIT_ERROR, EXIT_FINDINGS};
use crate::cli::{OutputFormat, VerifyArgs};
use crate::discover::discover;
use crate::pipeline::{process_one, Mode, RunOptions};
use crate::resolve::{Configs, Overrides};
use crate::verify::builder::{BuildInputs, CliBuilder, Engine};
use crate::verify::{report, split_words, verify, Job, Scratch, Verdict};
use crate::write::{decode, read_dockerfile};

/// Runs `dfix verify`.
pub fn run(args: &VerifyArgs) -> ExitCode {
    match run_inner(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run_inner(args: &VerifyArgs) -> Result<ExitCode, String> {
    let engine = args
        .engine
        .or_else(Engine::find)
        .ok_or("no container engine found: install buildah, podman or docker, or give --engine")?;
    let smoke = args.smoke.as_deref().map(split_words).transpose()?;
    let mut configs = Configs::new(args.config.as_deref())?;
    let options = RunOptions {
        mode: Mode::Fix,
        overrides: Overrides {
            select: args.select.clone(),
            ignore: args.ignore.clone(),
            unsafe_fixes: args.unsafe_fixes,
            offline: args.offline,
            refresh_pins: false,
        },
        stdin: false,
    };
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let (files, walk_errors) = discover(&paths);
    let mut error = !walk_errors.is_empty();
    for (p, e) in &walk_errors {
        eprintln!("error: {}: {e}", p.display());
    }
    let mut scratch = Scratch::new()?;
    let builder = CliBuilder {
        engine,
        log: scratch.dir.join("engine.log"),
        build_limit: Duration::from_secs(args.build_timeout),
        inputs: BuildInputs {
            build_args: args.build_arg.clone(),
            secrets: args.secret.clone(),
        },
    };
    let mut reports = Vec::new();
    let mut regression = false;
    for file in &files {
        let text = match read_dockerfile(file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {}: {e}", file.display());
                error = true;
                continue;
            }
        };
        let before = match &args.base {
            Some(rev) => match at_revision(file, rev) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("error: {e}");
                    error = true;
                    continue;
                }
            },
            None => text.clone(),
        };
        let outcome = process_one(file, &text, &mut configs, &options);
        if let Some(why) = &outcome.skipped {
            eprintln!("warning: {why}; not built");
            continue;
        }
        let after = match (outcome.error, outcome.output) {
            (Some(e), _) => {
                eprintln!("error: {e}");
                error = true;
                continue;
            }
            (None, Some(after)) => after,
            (None, None) => text.clone(),
        };
        let context = match &args.context {
            Some(c) => c.clone(),
            None => context_of(file),
        };
        let report = verify(
            &builder,
            &Job {
                path: file,
                context: &context,
                before: &before,
                after: &after,
                fixes: outcome.fixed,
                smoke: smoke.as_deref(),
                run_limit: Duration::from_secs(args.run_timeout),
                scratch: &scratch.dir,
                keep_images: args.keep_images,
            },
        );
        match report.verdict {
            Verdict::Regression => regression = true,
            Verdict::OriginalBroken => error = true,
            Verdict::Ok | Verdict::Unchanged => {}
        }
        if args.output_format != OutputFormat::Json {
            print!("{}", report::text(&report));
        }
        reports.push(report);
    }
    if args.output_format == OutputFormat::Json {
        println!("{}", report::json(&reports));
    }
    if error || regression {
        scratch.keep();
        eprintln!("build logs: {}", scratch.dir.display());
    }
    Ok(if error {
        ExitCode::from(EXIT_ERROR)
    } else if regression {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    })
}

/// The folder holding the Dockerfile: the build context `docker build`
/// users give most often.
fn context_of(file: &Path) -> PathBuf {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The Dockerfile's text at a git revision.
fn at_revision(file: &Path, rev: &str) -> Result<String, String> {
    let dir = context_of(file);
    let name = file.file_name().ok_or("no file name")?.to_string_lossy();
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(&dir)
        .arg("show")
        .arg(format!("{rev}:./{name}"))
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{}: not at {rev}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    decode(out.stdout).map_err(|e| format!("{} at {rev}: {e}", file.display()))
}
