//! The one code path from a file's text to its findings and fixed text,
//! shared by every front end: the fix run over files, stdin mode, and later
//! the language server and `dfix verify`. Nothing here writes a file or
//! prints: the caller decides what to do with the [`Outcome`].

use std::path::Path;

use dfix_grammar::Document;
use dfix_transforms::{engine, Facts, Settings};

use crate::facts::{gather_facts, lookups_failed};
use crate::output::{self, Finding};
use crate::registry;
use crate::resolve::{Configs, Overrides};

/// What the run does with each file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Fix: [`Outcome::output`] is the fixed text (the caller writes it).
    Fix,
    /// Fix, and also give the unified diff in [`Outcome::diff`].
    Diff,
    /// Only list findings: no fix is computed, [`Outcome::output`] is `None`.
    Check,
}

/// What happened to one file.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Findings left after fixing (in `Check` mode: all findings).
    pub findings: Vec<Finding>,
    /// Fixes applied (or that would be, in `--diff`).
    pub fixed: usize,
    /// Unsafe fixes not applied because unsafe fixes are off.
    pub hidden: usize,
    /// True when the fixed text differs from the input.
    pub changed: bool,
    /// The unified diff (`Diff` mode, when changed).
    pub diff: String,
    /// The fixed text (`Fix` and `Diff` modes; the input itself when nothing
    /// changed). `None` in `Check` mode and on error.
    pub output: Option<String>,
    /// Why the file could not be processed (`path:line: message`); the
    /// file must then be left as it is.
    pub error: Option<String>,
    /// A registry look-up failed ([`process_one`] only; the fix run over
    /// files tracks look-ups for the whole run).
    pub lookup_failed: bool,
}

impl Outcome {
    /// The outcome of a file that could not be processed.
    pub fn error(message: String) -> Outcome {
        Outcome {
            error: Some(message),
            ..Outcome::default()
        }
    }
}

/// How [`process_one`] runs.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Fix, diff or check.
    pub mode: Mode,
    /// Changes to the config's settings (`unsafe_fixes: true` to apply the
    /// unsafe fixes too).
    pub overrides: Overrides,
    /// The text comes from an editor (stdin mode): no network unless the
    /// config asks for it.
    pub stdin: bool,
}

/// Processes one text from start to end: resolves its settings (the config
/// nearest to `path`, with `options.overrides` on top), gathers its facts
/// (digest look-ups, build context), parses and checks or fixes it. `path`
/// names the file in messages and findings and finds its config and build
/// context; nothing is read from it or written to it.
///
/// ```no_run
/// use std::path::Path;
/// use dfix::pipeline::{process_one, Mode, RunOptions};
/// use dfix::resolve::{Configs, Overrides};
///
/// let path = Path::new("app/Dockerfile");
/// let text = std::fs::read_to_string(path).unwrap();
/// let mut configs = Configs::new(None).unwrap();
/// let options = RunOptions {
///     mode: Mode::Diff,
///     overrides: Overrides { unsafe_fixes: true, ..Overrides::default() },
///     stdin: false,
/// };
/// let outcome = process_one(path, &text, &mut configs, &options);
/// match (&outcome.error, &outcome.output) {
///     (Some(e), _) => eprintln!("error: {e}"),
///     (None, Some(after)) => print!("{after}"),
///     (None, None) => unreachable!("Diff mode always gives the output"),
/// }
/// ```
pub fn process_one(
    path: &Path,
    text: &str,
    configs: &mut Configs,
    options: &RunOptions,
) -> Outcome {
    let shown = path.display().to_string();
    let settings = match configs.settings_for(path, &options.overrides, options.stdin) {
        Ok(s) => s,
        Err(e) => return Outcome::error(e),
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let doc = Document::parse(text);
        let (facts, resolver) = gather_facts(&[&doc], &[&settings], configs);
        let mut outcome = process_text(
            &shown,
            &doc,
            &settings,
            &facts,
            resolver.as_ref(),
            options.mode,
        );
        outcome.lookup_failed = lookups_failed(&facts);
        outcome
    }))
    .unwrap_or_else(|_| {
        Outcome::error(format!(
            "{shown}: internal error: dfix panicked on this file (file left unchanged)"
        ))
    })
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
        let missing: Vec<String> = crate::pinning::references([&fixed.document])
            .into_iter()
            .filter(|r| !more.digests.contains_key(r))
            .collect();
        if missing.is_empty() {
            break;
        }
        let found = crate::pinning::lookup(resolver, &missing);
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

/// Checks or fixes one parsed text with run-wide `facts` (digests, user
/// data; the per-file build context is added here). `shown` names the file
/// in messages and is its path for the build context. Returns the fixed
/// text instead of writing it.
pub fn process_text(
    shown: &str,
    doc: &Document,
    settings: &Settings,
    facts: &Facts,
    resolver: Option<&registry::Resolver>,
    mode: Mode,
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
    outcome
}
