//! The application: runs the command line.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use clap::Parser;
use dfix_grammar::Document;
use dfix_transforms::{engine, rules_for, Facts, OptionValue, Settings};

use crate::cli::{Cli, Command, OutputFormat, RunArgs};
use crate::config::{default_config, Config};
use crate::discover::discover;
use crate::output::{self, plural, Finding};
use crate::write::{read_dockerfile, read_stdin, write_atomic};
use crate::{pinning, registry};

/// What the run does with each file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Fix,
    Diff,
    Check,
}

/// What happened to one file.
#[derive(Debug, Default)]
struct Outcome {
    findings: Vec<Finding>,
    /// Fixes applied (or that would be, in `--diff`).
    fixed: usize,
    hidden: usize,
    changed: bool,
    diff: String,
    /// The fixed text (stdin mode prints it).
    output: Option<String>,
    error: Option<String>,
}

impl Outcome {
    fn error(message: String) -> Outcome {
        Outcome {
            error: Some(message),
            ..Outcome::default()
        }
    }
}

/// Exit codes of DESIGN.md.
const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;

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
        Some(Command::Rules { output_format }) => list_rules(output_format),
        Some(Command::Explain { id }) => explain(&id),
        Some(Command::Parse { json, path }) => parse(&path, json),
        None => run(&cli.run),
    }
}

fn list_rules(format: OutputFormat) -> ExitCode {
    let all = dfix_transforms::rules::ALL;
    let mut out = String::new();
    if format == OutputFormat::Json {
        let items: Vec<serde_json::Value> = all
            .iter()
            .map(|r| {
                let m = r.meta();
                serde_json::json!({
                    "code": m.id, "name": m.name, "aliases": m.aliases,
                    "severity": m.severity.as_str(), "fix": m.fix.as_str(),
                    "summary": m.summary,
                })
            })
            .collect();
        out = serde_json::to_string_pretty(&items).unwrap_or_default() + "\n";
    } else {
        for r in all {
            let m = r.meta();
            out.push_str(&format!(
                "{}  {:<32} {:<9} {}  [{}]\n",
                m.id,
                m.name,
                m.fix.as_str(),
                m.summary,
                m.aliases.join(", ")
            ));
        }
    }
    print!("{out}");
    ExitCode::SUCCESS
}

fn explain(id: &str) -> ExitCode {
    let found = rules_for(id);
    if found.is_empty() {
        eprintln!("error: no rule is named `{id}` (see `dfix rules`)");
        return ExitCode::from(EXIT_ERROR);
    }
    let mut out = String::new();
    for (i, r) in found.iter().enumerate() {
        let m = r.meta();
        if i > 0 {
            out.push_str("\n---\n\n");
        }
        out.push_str(&format!("# {} ({})\n\n", m.name, m.id));
        out.push_str(&format!(
            "{}\n\nSeverity: {}. Fix: {}.\n\n",
            m.summary,
            m.severity.as_str(),
            m.fix.as_str()
        ));
        out.push_str(m.doc);
        if !m.doc.ends_with('\n') {
            out.push('\n');
        }
    }
    print!("{out}");
    ExitCode::SUCCESS
}

/// `dfix parse [--json] PATH`: JSON on stdout even when the file has
/// errors; the first error on stderr and exit 2 then.
fn parse(path: &Path, json: bool) -> ExitCode {
    let shown = path.display();
    let Ok(bytes) = std::fs::read(path) else {
        eprintln!("error: {shown}: cannot read");
        return ExitCode::from(EXIT_ERROR);
    };
    let Ok(text) = String::from_utf8(bytes) else {
        eprintln!("error: {shown}: not UTF-8");
        return ExitCode::from(EXIT_ERROR);
    };
    let doc = Document::parse(&text);
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&crate::parse_output::to_json(&doc)).unwrap_or_default()
        );
    } else {
        for ins in &doc.instructions {
            println!(
                "{}-{} {}",
                ins.start_line,
                ins.end_line,
                ins.logical.text.trim_end()
            );
        }
    }
    if let Some(e) = doc.errors.first() {
        eprintln!("error: {shown}:{}: {}", e.line, e.message);
        return ExitCode::from(EXIT_ERROR);
    }
    ExitCode::SUCCESS
}

/// Resolves the config of each file (cached per folder).
struct Configs {
    explicit: Option<Arc<Config>>,
    by_dir: HashMap<PathBuf, Arc<Config>>,
}

impl Configs {
    fn for_file(&mut self, file: &Path) -> Result<Arc<Config>, String> {
        if let Some(c) = &self.explicit {
            return Ok(c.clone());
        }
        let dir = match file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
        if let Some(c) = self.by_dir.get(&dir) {
            return Ok(c.clone());
        }
        let config = match Config::find_above(&dir) {
            Some(p) => Arc::new(Config::load(&p)?),
            None => Arc::new(default_config()),
        };
        self.by_dir.insert(dir, config.clone());
        Ok(config)
    }
}

fn settings_for(
    configs: &mut Configs,
    file: &Path,
    args: &RunArgs,
    stdin: bool,
) -> Result<Settings, String> {
    let config = configs.for_file(file)?;
    let mut settings = config.settings(
        &args.select,
        &args.ignore,
        args.unsafe_fixes,
        args.offline,
        // Editors call the stdin mode on save: no network unless asked.
        stdin,
    )?;
    if args.refresh_pins {
        let mut options = settings
            .rule_options
            .get(UNPINNED_IMAGE)
            .cloned()
            .unwrap_or_default();
        options.insert("refresh-pins".to_string(), OptionValue::Bool(true));
        settings = settings
            .with_rule_options(UNPINNED_IMAGE, options)
            .map_err(|e| e.to_string())?;
    }
    Ok(settings)
}

/// The pinning rule's name (its options take `--refresh-pins`).
const UNPINNED_IMAGE: &str = "unpinned-image";

/// Today's date (UTC) for the end-of-life rules; `None` if the clock is
/// before 1970.
fn today() -> Option<String> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some(dfix_transforms::bases::date_from_unix_days(
        (secs / 86_400) as i64,
    ))
}

/// Looks up the digests of every image the files use, once each, when a
/// selected rule needs them. Offline (or stdin mode without a config that
/// allows the network) only the on-disk cache answers.
fn gather_facts(
    docs: &[&Document],
    settings: &[&Settings],
    configs: &Configs,
) -> (Facts, Option<registry::Resolver>) {
    let mut facts = Facts::new();
    // User data for the non-root and multi-stage rules: the first config
    // (the explicit one, else the nearest ones found) that has it.
    let all = || configs.explicit.iter().chain(configs.by_dir.values());
    facts.multistage = all().find_map(|c| c.recipes.clone());
    facts.bases = all().find_map(|c| c.base_images.clone());
    facts.today = today();
    if let Some(db) = all().find_map(|c| c.image_db.clone()) {
        dfix_transforms::users::set_image_db(Some(db));
    }
    let wanted = settings.iter().any(|s| {
        s.rules
            .iter()
            .any(|r| r.meta().is_named(UNPINNED_IMAGE) || r.meta().is_named("latest-tag"))
    });
    if !wanted {
        return (facts, None);
    }
    let references = pinning::references(docs.iter().copied().filter(|d| d.errors.is_empty()));
    let mut registries = HashMap::new();
    for config in configs.explicit.iter().chain(configs.by_dir.values()) {
        for (host, r) in config.file.registries.iter().flatten() {
            registries.insert(
                host.clone(),
                registry::RegistryConfig {
                    mirror: r.mirror.clone(),
                    insecure: r.insecure.unwrap_or(false),
                    ca_file: r.ca_file.clone(),
                },
            );
        }
    }
    let resolver = registry::Resolver::new(registry::ResolverOptions {
        // DFIX_OFFLINE=1 keeps a whole environment (CI, tests) off the network.
        offline: settings.iter().all(|s| s.offline)
            || std::env::var_os("DFIX_OFFLINE").is_some_and(|v| v != "0" && !v.is_empty()),
        cache_path: std::env::var_os("DFIX_CACHE_DIR")
            .map(|d| PathBuf::from(d).join("digests.json")),
        registries,
        ..registry::ResolverOptions::default()
    });
    if !references.is_empty() {
        facts.digests = pinning::lookup(&resolver, &references);
    }
    (facts, Some(resolver))
}

/// Fixes can bring in images that were not in the file (the runtime stage
/// of a split build): look those up too and fix again, so they come out
/// pinned like the others. Bounded: each pass only adds look-ups.
fn fix_with_lookups(
    text: &str,
    settings: &Settings,
    facts: &Facts,
    resolver: Option<&registry::Resolver>,
) -> Result<engine::Fixed, engine::FixError> {
    let mut fixed = engine::fix(text, settings, facts)?;
    let Some(resolver) = resolver else {
        return Ok(fixed);
    };
    let mut more = facts.clone();
    for _ in 0..3 {
        let missing: Vec<String> = pinning::references([&fixed.document])
            .into_iter()
            .filter(|r| !more.digests.contains_key(r))
            .collect();
        if missing.is_empty() {
            break;
        }
        let found = pinning::lookup(resolver, &missing);
        if found.is_empty() {
            break;
        }
        more.digests.extend(found);
        let again = engine::fix(fixed.output(), settings, &more)?;
        fixed = engine::Fixed {
            applied: fixed.applied.into_iter().chain(again.applied).collect(),
            ..again
        };
    }
    Ok(fixed)
}

fn run(args: &RunArgs) -> ExitCode {
    let mode = if args.diff {
        Mode::Diff
    } else if args.check {
        Mode::Check
    } else {
        Mode::Fix
    };
    let mut configs = Configs {
        explicit: None,
        by_dir: HashMap::new(),
    };
    if let Some(p) = &args.config {
        match Config::load(p) {
            Ok(c) => configs.explicit = Some(Arc::new(c)),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_ERROR);
            }
        }
    }
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
        return run_stdin(args, mode, &mut configs);
    }
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
        match settings_for(&mut configs, &f, args, false) {
            Ok(s) => jobs.push((f, s)),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_ERROR);
            }
        }
    }
    // Read and parse every file once, in parallel: the digest look-ups need
    // all their images first, and the rules then reuse the parsed documents.
    let inputs: Vec<Result<Document, String>> = parallel_map(&jobs, |(path, _)| {
        let shown = path.display();
        let text = read_dockerfile(path).map_err(|e| format!("{shown}: {e}"))?;
        std::panic::catch_unwind(|| Document::parse(&text)).map_err(|_| {
            format!("{shown}: internal error: the parser panicked (file left unchanged)")
        })
    });
    let docs: Vec<&Document> = inputs.iter().filter_map(|d| d.as_ref().ok()).collect();
    let all_settings: Vec<&Settings> = jobs.iter().map(|(_, s)| s).collect();
    let (facts, resolver) = gather_facts(&docs, &all_settings, &configs);
    let outcomes = process_all(&jobs, &inputs, &facts, resolver.as_ref(), mode);
    report(args, mode, &jobs, outcomes, failed, lookups_failed(&facts))
}

/// Runs `f` over `items` on up to two threads (the machines have two
/// cores), keeping the input order.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 2)
        .min(items.len().max(1));
    let next = AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let tx = tx.clone();
            let (next, f) = (&next, &f);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                if tx.send((i, f(item))).is_err() {
                    break;
                }
            });
        }
    });
    drop(tx);
    let mut slots: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    for (i, r) in rx {
        slots[i] = Some(r);
    }
    slots.into_iter().flatten().collect()
}

/// Processes the files in parallel, keeping the input order for the report.
/// A panic in one file is that file's error; the others go on.
fn process_all(
    jobs: &[(PathBuf, Settings)],
    inputs: &[Result<Document, String>],
    facts: &Facts,
    resolver: Option<&registry::Resolver>,
    mode: Mode,
) -> Vec<Outcome> {
    let indexed: Vec<usize> = (0..jobs.len()).collect();
    parallel_map(&indexed, |&i| {
        let (path, settings) = &jobs[i];
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match &inputs[i] {
            Ok(doc) => process_file(path, doc, settings, facts, resolver, mode),
            Err(e) => Outcome::error(e.clone()),
        }))
        .unwrap_or_else(|_| {
            Outcome::error(format!(
                "{}: internal error: dfix panicked on this file (file left unchanged)",
                path.display()
            ))
        })
    })
}

/// Checks or fixes one text. `write` gets the fixed text in fix mode.
fn process_text(
    shown: &str,
    doc: &Document,
    settings: &Settings,
    facts: &Facts,
    resolver: Option<&registry::Resolver>,
    mode: Mode,
    write: &dyn Fn(&str) -> Result<(), String>,
) -> Outcome {
    let text = doc.source();
    if let Some(e) = doc.errors.first() {
        return Outcome::error(format!("{shown}:{}: {}", e.line, e.message));
    }
    // Build-context facts (files beside the Dockerfile) only for the rule
    // that reads them: walking folders for every file costs time.
    let mut facts_here = if settings
        .rules
        .iter()
        .any(|r| r.meta().is_named("split-build-and-runtime"))
    {
        crate::context::facts_for(Path::new(shown))
    } else {
        Facts::new()
    };
    facts_here.digests = facts.digests.clone();
    facts_here.multistage = facts.multistage.clone();
    facts_here.bases = facts.bases.clone();
    facts_here.today = facts.today.clone();
    let facts = &facts_here;
    if mode == Mode::Check {
        let checked = engine::check_document(doc, settings, facts);
        return Outcome {
            hidden: engine::hidden_unsafe_fixes(&checked, settings.unsafe_fixes),
            findings: checked
                .iter()
                .map(|d| Finding::new(shown, doc, d, settings.unsafe_fixes))
                .collect(),
            ..Outcome::default()
        };
    }
    let fixed = match fix_with_lookups(text, settings, facts, resolver) {
        Ok(f) => f,
        Err(e) => return Outcome::error(format!("{shown}: {e} (file left unchanged)")),
    };
    let out = fixed.output();
    let changed = out != text;
    let mut outcome = Outcome {
        findings: fixed
            .remaining
            .iter()
            .map(|d| Finding::new(shown, &fixed.document, d, settings.unsafe_fixes))
            .collect(),
        fixed: fixed.applied.len(),
        hidden: engine::hidden_unsafe_fixes(&fixed.remaining, settings.unsafe_fixes),
        changed,
        output: Some(out.to_string()),
        ..Outcome::default()
    };
    if mode == Mode::Diff && changed {
        outcome.diff = output::unified_diff(shown, text, out);
    }
    if mode == Mode::Fix && changed {
        if let Err(e) = write(out) {
            return Outcome::error(format!("{shown}: cannot write: {e}"));
        }
    }
    outcome
}

fn process_file(
    path: &Path,
    doc: &Document,
    settings: &Settings,
    facts: &Facts,
    resolver: Option<&registry::Resolver>,
    mode: Mode,
) -> Outcome {
    let shown = path.display().to_string();
    process_text(&shown, doc, settings, facts, resolver, mode, &|out| {
        write_atomic(path, out).map_err(|e| e.to_string())
    })
}

fn run_stdin(args: &RunArgs, mode: Mode, configs: &mut Configs) -> ExitCode {
    let name = args
        .stdin_filename
        .clone()
        .unwrap_or_else(|| PathBuf::from("-"));
    let shown = name.display().to_string();
    let config_anchor = if args.stdin_filename.is_some() {
        name.clone()
    } else {
        PathBuf::from("./-")
    };
    let settings = match settings_for(configs, &config_anchor, args, true) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let text = match read_stdin() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {shown}: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let doc = Document::parse(&text);
    let (facts, resolver) = gather_facts(&[&doc], &[&settings], configs);
    let outcome = process_text(
        &shown,
        &doc,
        &settings,
        &facts,
        resolver.as_ref(),
        mode,
        &|_| Ok(()),
    );
    if let Some(e) = &outcome.error {
        // Nothing on stdout: an editor keeps its buffer.
        eprintln!("error: {e}");
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
    let jobs = vec![(name, settings)];
    report(
        args,
        mode,
        &jobs,
        vec![outcome],
        false,
        lookups_failed(&facts),
    )
}

/// True when a registry look-up failed (the finding says why; the exit
/// code must say so too, even when everything else was fixed).
fn lookups_failed(facts: &Facts) -> bool {
    facts
        .digests
        .values()
        .any(|d| !matches!(d, dfix_transforms::DigestLookup::Found(_)))
}

/// Prints what happened and picks the exit code.
fn report(
    args: &RunArgs,
    mode: Mode,
    jobs: &[(PathBuf, Settings)],
    outcomes: Vec<Outcome>,
    mut failed: bool,
    lookup_failed: bool,
) -> ExitCode {
    let format = args.output_format;
    let mut findings = Vec::new();
    let (mut fixed, mut hidden, mut changed_files) = (0, 0, 0);
    let mut diffs = String::new();
    let mut errors = 0;
    for o in outcomes {
        if let Some(e) = o.error {
            eprintln!("error: {e}");
            errors += 1;
            continue;
        }
        fixed += o.fixed;
        hidden += o.hidden;
        if o.changed {
            changed_files += 1;
        }
        diffs.push_str(&o.diff);
        findings.extend(o.findings);
    }
    let mut stdout = std::io::stdout().lock();
    let mut out = String::new();
    match mode {
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
            if format == OutputFormat::Text {
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
    let _ = jobs;
    if errors > 0 {
        eprintln!(
            "{} could not be processed (left unchanged).",
            plural(errors, "file")
        );
        failed = true;
    }
    if failed {
        ExitCode::from(EXIT_ERROR)
    } else if (mode == Mode::Check && !findings.is_empty())
        || (mode == Mode::Diff && changed_files > 0)
        || lookup_failed
    {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}

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
