//! The default command: fix the files in place, or `--diff` / `--check`
//! them, over the paths given (files, or folders searched for Dockerfiles
//! and Compose files).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use dfix_grammar::compose::ComposeFile;
use dfix_grammar::Document;
use dfix_transforms::{Facts, Settings};

use super::EXIT_ERROR;
use crate::cli::RunArgs;
use crate::compose_project::{dockerfile_settings, write_compose_companions, DockerfileSettings};
use crate::config::Config;
use crate::discover::discover;
use crate::facts::{gather_facts_with, lookups_failed, with_user_data};
use crate::kind::{self, FileKind};
use crate::output::report::{report, ExitPolicy};
use crate::parallel::parallel_map;
use crate::pipeline::{process_compose, process_text, skip_by_name, Mode, Outcome};
use crate::registry;
use crate::resolve::{Configs, Overrides};
use crate::write::{read_dockerfile, write_atomic, write_or_create};

/// The mode the flags ask for.
pub fn mode_of(args: &RunArgs) -> Mode {
    if args.diff {
        Mode::Diff
    } else if args.check {
        Mode::Check
    } else {
        Mode::Fix
    }
}

/// A file read and parsed, of either kind.
enum Parsed {
    Dockerfile(std::sync::Arc<Document>),
    Compose(ComposeFile),
}

/// Runs over the paths (stdin mode goes to [`super::stdin`]).
pub fn run(args: &RunArgs) -> ExitCode {
    let mode = mode_of(args);
    let mut configs = match Configs::new(args.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    // Selectors given on the command line are checked once, up front.
    if let Err(e) = Settings::default().with_selection(&args.select, &args.ignore) {
        eprintln!("error: {e}");
        return ExitCode::from(EXIT_ERROR);
    }
    let stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    if stdin {
        if args.paths.len() > 1 {
            eprintln!("error: `-` (stdin) cannot be combined with other paths");
            return ExitCode::from(EXIT_ERROR);
        }
        return super::stdin::run(args, mode, &mut configs);
    }
    let overrides = Overrides::from(args);
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let (files, walk_errors) = discover(&paths);
    let mut failed = false;
    for (p, e) in &walk_errors {
        eprintln!("error: {}: {e}", p.display());
        failed = true;
    }
    let mut jobs = Vec::with_capacity(files.len());
    for f in files {
        let resolved = configs
            .settings_for(&f, &overrides, false)
            .and_then(|s| Ok((s, configs.for_file(&f)?)));
        match resolved {
            Ok((s, c)) => jobs.push((f, s, c)),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_ERROR);
            }
        }
    }
    // Read and parse every file once, in parallel: the digest look-ups need
    // all their images first, and the rules then reuse the parsed documents.
    // A file whose name says it is of another kind is not even read.
    let inputs: Vec<Result<Parsed, Box<Outcome>>> = parallel_map(&jobs, |(path, _, _)| {
        if let Some(skipped) = skip_by_name(path) {
            return Err(Box::new(skipped));
        }
        let shown = path.display();
        let text =
            read_dockerfile(path).map_err(|e| Box::new(Outcome::error(format!("{shown}: {e}"))))?;
        let compose = kind::by_name(path) == Some(FileKind::Compose);
        std::panic::catch_unwind(|| {
            if compose {
                Parsed::Compose(ComposeFile::parse(&text))
            } else {
                let doc = std::sync::Arc::new(Document::parse(&text));
                crate::build_context::remember_parsed(path, doc.clone());
                Parsed::Dockerfile(doc)
            }
        })
        .map_err(|_| {
            Box::new(Outcome::error(format!(
                "{shown}: internal error: the parser panicked (file left unchanged)"
            )))
        })
    });
    let docs: Vec<&Document> = inputs
        .iter()
        .filter_map(|d| match d {
            Ok(Parsed::Dockerfile(doc)) => Some(&**doc),
            _ => None,
        })
        .collect();
    let composes: Vec<&ComposeFile> = inputs
        .iter()
        .filter_map(|d| match d {
            Ok(Parsed::Compose(f)) => Some(f),
            _ => None,
        })
        .collect();
    // Each Dockerfile a Compose service builds is read with its own config.
    let built: Vec<DockerfileSettings> = jobs
        .iter()
        .zip(&inputs)
        .map(|((path, _, _), input)| match input {
            Ok(Parsed::Compose(f)) => dockerfile_settings(path, f, &mut configs, &overrides, false),
            _ => DockerfileSettings::new(),
        })
        .collect();
    let all_settings: Vec<&Settings> = jobs.iter().map(|(_, s, _)| s).collect();
    let all_configs: Vec<&Config> = configs.all().map(|c| &**c).collect();
    let (facts, resolver) = gather_facts_with(&docs, &composes, &all_settings, &all_configs);
    let outcomes = process_all(&jobs, &inputs, &built, &facts, resolver.as_ref(), mode);
    let code = report(
        args.output_format,
        mode,
        outcomes,
        failed,
        lookups_failed(&facts),
        ExitPolicy::from(args),
    );
    // The process ends right after this: freeing every file's trees and
    // model one by one, on this one thread, was 5% of a `--check` run.
    std::mem::forget(inputs);
    code
}

/// Processes the files in parallel, keeping the input order for the report,
/// and writes the fixed ones in fix mode. A panic in one file is that
/// file's error; the others go on.
fn process_all(
    jobs: &[(PathBuf, Settings, Arc<Config>)],
    inputs: &[Result<Parsed, Box<Outcome>>],
    built: &[DockerfileSettings],
    facts: &Facts,
    resolver: Option<&registry::Resolver>,
    mode: Mode,
) -> Vec<Outcome> {
    let indexed: Vec<usize> = (0..jobs.len()).collect();
    let mut outcomes = parallel_map(&indexed, |&i| {
        let (path, settings, config) = &jobs[i];
        let shown = path.display().to_string();
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match &inputs[i] {
            Ok(parsed) => {
                // The run's digests with this file's own config's data.
                let mut facts = facts.clone();
                with_user_data(&mut facts, config);
                let mut outcome = match parsed {
                    Parsed::Dockerfile(doc) => {
                        process_text(&shown, doc, settings, facts, resolver, mode)
                    }
                    Parsed::Compose(file) => {
                        let mut o =
                            process_compose(&shown, file, settings, &built[i], &facts, mode, true);
                        // The files its fixes' edits go with come first.
                        if mode == Mode::Fix && o.changed {
                            if let Err(e) = write_compose_companions(&mut o) {
                                return Outcome::error(format!("{e} ({shown} left unchanged)"));
                            }
                        }
                        o
                    }
                };
                // Only the language server reads these; freed here, in
                // parallel, rather than by the report on one thread.
                outcome.diagnostics = Vec::new();
                match &outcome.output {
                    Some(out) if mode == Mode::Fix && outcome.changed => {
                        match write_atomic(path, out) {
                            Ok(()) => outcome,
                            Err(e) => Outcome::error(format!("{shown}: cannot write: {e}")),
                        }
                    }
                    _ => outcome,
                }
            }
            Err(not_read) => (**not_read).clone(),
        }))
        .unwrap_or_else(|_| {
            Outcome::error(format!(
                "{shown}: internal error: dfix panicked on this file (file left unchanged)"
            ))
        })
    });
    // After every Dockerfile was planned: each one saw the ignore files as
    // they were, whatever the order the threads ran in.
    apply_companions(&mut outcomes, mode);
    outcomes
}

/// A path as a key that two spellings of one file share (`./x` and
/// `/abs/x`).
fn same_file_key(path: &Path) -> PathBuf {
    let parent = crate::build_context::context_root(path);
    match (std::fs::canonicalize(parent), path.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => path.to_path_buf(),
    }
}

/// Writes (fix mode) or shows (`--diff`) the other files the fixes change
/// (the build context's `.dockerignore`), in input order and once per
/// path: two Dockerfiles of one context plan the same text (each guards
/// the other's sources), so the second finds it written and counts its
/// findings as fixed; a different text for a file already taken is left
/// for the next run, its findings kept.
fn apply_companions(outcomes: &mut [Outcome], mode: Mode) {
    let mut taken: HashMap<PathBuf, String> = HashMap::new();
    for o in outcomes.iter_mut() {
        if o.error.is_some() || o.skipped.is_some() {
            continue;
        }
        for c in std::mem::take(&mut o.companions) {
            let key = same_file_key(&c.path);
            match taken.get(&key) {
                Some(text) if *text == c.text => {}
                Some(_) => continue,
                None => {
                    match mode {
                        Mode::Fix => {
                            if let Err(e) = write_or_create(&c.path, &c.text, c.original.is_some())
                            {
                                o.error = Some(format!("{}: cannot write: {e}", c.path.display()));
                                break;
                            }
                        }
                        Mode::Diff => o.diff.push_str(&c.diff()),
                        Mode::Check => continue,
                    }
                    o.companions_changed += 1;
                    taken.insert(key, c.text.clone());
                }
            }
            for (rule, message) in &c.resolves {
                if let Some(i) = o
                    .findings
                    .iter()
                    .position(|f| f.rule.id == *rule && f.message == *message)
                {
                    o.findings.remove(i);
                    o.fixed += 1;
                }
            }
        }
    }
}
