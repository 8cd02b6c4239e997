//! The one code path from a file's text to its findings and fixed text,
//! shared by every front end: the fix run over files, stdin mode, and later
//! the language server and `dfix verify`. Nothing here writes a file or
//! prints: the caller decides what to do with the [`Outcome`].
//!
//! The steps, in order: decide the file's kind ([`crate::kind`]; a file of
//! another kind is skipped), stop at a parse error or an instruction
//! BuildKit does not know (an error naming file and line), then run the
//! rules and the fix loop. Compose files take the same steps through
//! [`process_compose`]: a YAML error, or YAML that is not a Compose file,
//! is an error naming file and line.

use std::path::Path;

use dfix_grammar::compose::ComposeFile;
use dfix_grammar::Document;
use dfix_transforms::{compose, engine, unknown_instruction, Diagnostic, Facts, Settings};

use crate::compose_project::{
    compose_builds, compose_includes, compose_overrides, dockerfile_settings, secret_files,
    DockerfileSettings,
};
use crate::facts::{gather_facts, gather_facts_with, lookups_failed, with_user_data};
use crate::kind::{self, FileKind, Other};
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
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    /// Findings left after fixing (in `Check` mode: all findings).
    pub findings: Vec<Finding>,
    /// `Check` mode only: the same findings as the rules gave them, with
    /// byte spans into the input and every fix (for the language server,
    /// which locates them in its own position encoding and offers each
    /// fix as a quick fix). Empty in the other modes.
    pub diagnostics: Vec<Diagnostic>,
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
    /// Why the file was not taken as a Dockerfile (`path: not a Dockerfile
    /// (reason)`); the file must then be left as it is.
    pub skipped: Option<String>,
    /// A registry look-up failed ([`process_one`] only; the fix run over
    /// files tracks look-ups for the whole run).
    pub lookup_failed: bool,
    /// Other files the applicable fixes create or change (the build
    /// context's `.dockerignore`), `Fix` and `Diff` modes. Nothing here
    /// writes them: the fix run over files does
    /// ([`crate::commands::fix`]), once per path; stdin mode and the
    /// language server cannot write a second file and leave the findings.
    pub companions: Vec<Companion>,
    /// How many of [`Outcome::companions`] were written (or shown by
    /// `--diff`): files changed besides the Dockerfile.
    pub companions_changed: usize,
}

/// A file beside the Dockerfile that its fixes create or change.
#[derive(Debug, Clone)]
pub struct Companion {
    /// Where it is (the context root joined with its relative path).
    pub path: std::path::PathBuf,
    /// Its current text; `None` when it is created.
    pub original: Option<String>,
    /// Its new text.
    pub text: String,
    /// The findings (rule id and message) that writing it resolves: they
    /// leave [`Outcome::findings`] and count as fixed once it is written.
    pub resolves: Vec<(&'static str, String)>,
}

impl Companion {
    /// The unified diff of the change; from `/dev/null` for a new file.
    pub fn diff(&self) -> String {
        let shown = self.path.display().to_string();
        match &self.original {
            Some(old) => output::unified_diff(&shown, old, &self.text),
            None => output::new_file_diff(&shown, &self.text),
        }
    }
}

impl Outcome {
    /// The outcome of a file that could not be processed.
    pub fn error(message: String) -> Outcome {
        Outcome {
            error: Some(message),
            ..Outcome::default()
        }
    }

    /// The outcome of a file of another kind.
    fn skipped(shown: &str, why: &Other) -> Outcome {
        Outcome {
            skipped: Some(format!("{shown}: not a Dockerfile ({why})")),
            ..Outcome::default()
        }
    }
}

/// The outcome for a file whose name alone says it is not a Dockerfile
/// (`compose.yaml`, `*.json`, ...), so that callers need not read it; `None`
/// when the name does not decide (the content will, in [`process_text`]).
pub fn skip_by_name(path: &Path) -> Option<Outcome> {
    match kind::by_name(path)? {
        FileKind::Other(why) => Some(Outcome::skipped(&path.display().to_string(), &why)),
        FileKind::Dockerfile | FileKind::Compose => None,
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

/// Processes one text from start to end: decides its kind, resolves its
/// settings (the config nearest to `path`, with `options.overrides` on top),
/// gathers its facts (digest look-ups, build context), parses and checks or
/// fixes it. `path` names the file in messages and findings, and its name
/// counts for the kind; it also finds the config and build context. Nothing
/// is read from it or written to it.
///
/// Check [`Outcome::error`] and [`Outcome::skipped`] first: with either,
/// `output` is `None` and the file must be left alone.
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
/// if let Some(e) = outcome.error.as_ref().or(outcome.skipped.as_ref()) {
///     eprintln!("{e}");
/// } else if let Some(after) = &outcome.output {
///     print!("{after}"); // the fixed text; outcome.findings: what remains
/// }
/// ```
pub fn process_one(
    path: &Path,
    text: &str,
    configs: &mut Configs,
    options: &RunOptions,
) -> Outcome {
    let shown = path.display().to_string();
    if let Some(skipped) = skip_by_name(path) {
        return skipped;
    }
    let settings = match configs.settings_for(path, &options.overrides, options.stdin) {
        Ok(s) => s,
        Err(e) => return Outcome::error(e),
    };
    let config = match configs.for_file(path) {
        Ok(c) => c,
        Err(e) => return Outcome::error(e),
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if kind::by_name(path) == Some(FileKind::Compose) {
            let file = ComposeFile::parse(text);
            let (mut facts, _) = gather_facts_with(&[], &[&file], &[&settings], &[&config]);
            with_user_data(&mut facts, &config);
            let built =
                dockerfile_settings(path, &file, configs, &options.overrides, options.stdin);
            // Stdin mode and the editor write no file beside this one.
            let mut outcome = process_compose(
                &shown,
                &file,
                &settings,
                &built,
                &facts,
                options.mode,
                false,
            );
            outcome.lookup_failed = lookups_failed(&facts);
            return outcome;
        }
        let doc = Document::parse(text);
        let (mut facts, resolver) = gather_facts(&[&doc], &[&settings], &[&config]);
        with_user_data(&mut facts, &config);
        let lookup_failed = lookups_failed(&facts);
        let mut outcome = process_text(
            &shown,
            &doc,
            &settings,
            facts,
            resolver.as_ref(),
            options.mode,
        );
        outcome.lookup_failed = lookup_failed;
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

/// Checks or fixes one parsed text with its `facts` (digests, its config's
/// user data; the per-file build context is added here, replacing any the
/// caller's facts had). The facts are taken, not copied: the digests of a
/// whole run are a big map, and copying them for every file showed in the
/// profile. `shown` names the file
/// in messages, and is its path for the kind and the build context. Returns
/// the fixed text instead of writing it.
pub fn process_text(
    shown: &str,
    doc: &Document,
    settings: &Settings,
    facts: Facts,
    resolver: Option<&registry::Resolver>,
    mode: Mode,
) -> Outcome {
    let text = doc.source();
    // The kind first: a file of another kind gets no parse error and no
    // rule, only the reason it was skipped.
    let kind = kind::by_name(Path::new(shown)).unwrap_or_else(|| kind::by_content(doc));
    match kind {
        FileKind::Other(why) => return Outcome::skipped(shown, &why),
        // Callers route Compose files to `process_compose`; one that
        // arrives here parsed as a Dockerfile is handled all the same.
        FileKind::Compose => {
            return process_compose(
                shown,
                &ComposeFile::parse(text),
                settings,
                &DockerfileSettings::new(),
                &facts,
                mode,
                false,
            )
        }
        FileKind::Dockerfile => {}
    }
    if let Some(e) = doc.errors.first() {
        return Outcome::error(format!("{shown}:{}: {}", e.line, e.message));
    }
    // BuildKit's build fails on it: an error, never something to fix (the
    // engine refuses it too; checking here also covers `--check`).
    if let Some(u) = unknown_instruction(doc) {
        return Outcome::error(format!(
            "{shown}:{}: {u}; BuildKit cannot build this file (left unchanged)",
            u.line
        ));
    }
    // Build-context facts (files beside the Dockerfile) only for the rule
    // that reads them: walking folders for every file costs time.
    let mut facts = facts;
    let here = if settings
        .rules
        .iter()
        .any(|r| r.meta().is_named("split-build-and-runtime"))
    {
        crate::context::facts_for(Path::new(shown))
    } else {
        Facts::new()
    };
    facts.context_files = here.context_files;
    facts.context = here.context;
    facts.listing = None;
    // The whole context and its ignore file, only for the rules that read
    // them and only when the Dockerfile takes files from the context (a
    // big context takes a walk). Without an ignore file only the rule that
    // creates one needs it.
    let enabled = |name: &str| settings.rules.iter().any(|r| r.meta().is_named(name));
    let creates = enabled("missing-dockerignore");
    let reads_ignore = creates
        || enabled("copy-ignored-file")
        || enabled("dockerignore-missing-secret-patterns")
        || enabled("dockerignore-unanchored-pattern");
    let uses_context = doc.instructions.iter().any(|i| match i.kind {
        dfix_grammar::Kind::Copy | dfix_grammar::Kind::Add => true,
        dfix_grammar::Kind::Run => i.flag("mount").is_some(),
        _ => false,
    });
    if reads_ignore && uses_context {
        facts.listing =
            crate::build_context::listing_for(Path::new(shown), creates).map(std::sync::Arc::new);
    }
    let facts = &facts;
    if mode == Mode::Check {
        let checked = engine::check_document(doc, settings, facts);
        return Outcome {
            hidden: engine::hidden_unsafe_fixes(&checked, settings.unsafe_fixes),
            findings: checked
                .iter()
                .map(|d| Finding::new(shown, doc, d, settings.unsafe_fixes))
                .collect(),
            diagnostics: checked,
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
    let root = crate::build_context::context_root(Path::new(shown));
    outcome.companions = engine::companion_files(&fixed.remaining, settings.unsafe_fixes)
        .into_iter()
        .map(|c| Companion {
            path: root.join(&c.path),
            original: c.original,
            text: c.text,
            resolves: c
                .resolves
                .into_iter()
                .map(|d| (d.rule.id, d.message))
                .collect(),
        })
        .collect();
    outcome
}

/// Checks or fixes one parsed Compose file with its `facts` (digests, its
/// config's image data; the override files beside it and what the images
/// its services build do are added here).
/// `shown` names the file in messages and is its path for the overrides.
/// Returns the fixed text instead of writing it.
pub fn process_compose(
    shown: &str,
    file: &ComposeFile,
    settings: &Settings,
    dockerfile_settings: &DockerfileSettings,
    facts: &Facts,
    mode: Mode,
    writes_companions: bool,
) -> Outcome {
    let text = file.source();
    if let Some(p) = file.problem() {
        return Outcome::error(format!(
            "{shown}:{}: {} (left unchanged)",
            p.line, p.message
        ));
    }
    let mut facts = facts.clone();
    facts.compose_overrides = compose_overrides(shown);
    (facts.compose_includes, facts.compose_includes_read) =
        compose_includes(shown, file, &facts.compose_overrides);
    facts.compose_builds = compose_builds(shown, file, settings, dockerfile_settings, &facts);
    let folder = Path::new(shown).parent().unwrap_or(Path::new(""));
    if writes_companions {
        facts.compose_secret_files = Some(secret_files(folder));
    }
    if mode == Mode::Check {
        let checked = compose::check_file(file, settings, &facts);
        return Outcome {
            hidden: engine::hidden_unsafe_fixes(&checked, settings.unsafe_fixes),
            findings: checked
                .iter()
                .map(|d| Finding::in_compose(shown, file, d, settings.unsafe_fixes))
                .collect(),
            diagnostics: checked,
            ..Outcome::default()
        };
    }
    let fixed = match compose::fix(text, settings, &facts) {
        Ok(f) => f,
        Err(e) => return Outcome::error(format!("{shown}: {e} (file left unchanged)")),
    };
    let out = fixed.output();
    let changed = out != text;
    let mut outcome = Outcome {
        findings: fixed
            .remaining
            .iter()
            .map(|d| Finding::in_compose(shown, &fixed.file, d, settings.unsafe_fixes))
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
    // The files the applied fixes' edits go with (a secret's value): the
    // fixed text is written only with them.
    match engine::applied_companions(&fixed.applied) {
        Ok(files) => {
            outcome.companions = files
                .into_iter()
                .map(|c| Companion {
                    path: folder.join(&c.path),
                    original: c.original,
                    text: c.text,
                    resolves: Vec::new(),
                })
                .collect()
        }
        Err(e) => return Outcome::error(format!("{shown}: {e} (file left unchanged)")),
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `process_one` as `dfix verify` will call it: unsafe fixes on, the
    /// fixed text back, nothing written.
    #[test]
    fn process_one_returns_the_fixed_text_and_refuses_what_it_must() {
        let d = tempfile::tempdir().unwrap();
        let config = d.path().join("dfix.toml");
        // Correctness rules only: no registry, no build context.
        std::fs::write(&config, "select = [\"DF1\"]\n").unwrap();
        let mut configs = Configs::new(Some(&config)).unwrap();
        let options = RunOptions {
            mode: Mode::Diff,
            overrides: Overrides {
                unsafe_fixes: true,
                offline: true,
                ..Overrides::default()
            },
            stdin: false,
        };
        let path = d.path().join("Dockerfile");
        let text = "FROM a\nADD x /x\nCMD run it\n";
        let o = process_one(&path, text, &mut configs, &options);
        assert_eq!((&o.error, &o.skipped), (&None, &None));
        assert_eq!(
            o.output.as_deref(),
            Some("FROM a\nCOPY x /x\nCMD [\"run\", \"it\"]\n")
        );
        assert!(o.changed && o.diff.contains("+COPY x /x"), "{}", o.diff);
        assert_eq!(o.fixed, 2);
        assert!(o.findings.is_empty());
        assert!(!path.exists(), "nothing is written");

        let o = process_one(&path, "FROM a\nRNU x\n", &mut configs, &options);
        let e = o.error.unwrap();
        assert!(e.ends_with("Dockerfile:2: unknown instruction `RNU` (did you mean `RUN`?); BuildKit cannot build this file (left unchanged)"), "{e}");
        assert_eq!(o.output, None);

        let notes = d.path().join("notes.md");
        let o = process_one(&notes, "FROM a\n", &mut configs, &options);
        assert!(o
            .skipped
            .unwrap()
            .ends_with("notes.md: not a Dockerfile (`.md` names a text file)"));
        assert_eq!(o.output, None);
    }

    /// A Compose file is judged with the override file Compose merges on
    /// top of it: a key the override sets is not reported (nor written) in
    /// the base; the override itself is checked as a file of its own; the
    /// config's `[compose]` image data reaches the rules.
    #[test]
    fn compose_files_are_judged_with_their_override_and_config_data() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("dfix.toml"),
            "select = [\"DF505\"]\n[[compose.images]]\nnames = [\"myorg/web\"]\ntmpfs = [\"/tmp\", \"/var/cache/web\"]\n",
        )
        .unwrap();
        let base = "services:\n  web:\n    image: myorg/web:1\n  db:\n    image: postgres:16\n";
        std::fs::write(
            d.path().join("compose.override.yaml"),
            "services:\n  db:\n    read_only: true\n",
        )
        .unwrap();
        let mut configs = Configs::new(None).unwrap();
        let options = RunOptions {
            mode: Mode::Fix,
            overrides: Overrides {
                unsafe_fixes: true,
                offline: true,
                ..Overrides::default()
            },
            stdin: false,
        };
        let o = process_one(&d.path().join("compose.yaml"), base, &mut configs, &options);
        assert_eq!((&o.error, &o.skipped), (&None, &None));
        assert_eq!(
            o.output.as_deref(),
            Some("services:\n  web:\n    image: myorg/web:1\n    read_only: true\n    tmpfs:\n      - /tmp\n      - /var/cache/web\n  db:\n    image: postgres:16\n")
        );
        // Without the override, db is reported too.
        let o = process_one(
            &d.path().join("docker-compose.prod.yml"),
            base,
            &mut configs,
            &options,
        );
        assert!(o.output.unwrap().contains("/var/run/postgresql"));
        // Not a Compose file, and broken YAML: errors naming file and line.
        let o = process_one(
            &d.path().join("compose.yaml"),
            "a: 1\n",
            &mut configs,
            &options,
        );
        assert!(o.error.unwrap().ends_with("compose.yaml:1: no top-level Compose key (`services`, `include`, ...): not a Compose file (left unchanged)"));
        let o = process_one(
            &d.path().join("compose.yaml"),
            "services:\n  a: {\n",
            &mut configs,
            &options,
        );
        assert!(o.error.unwrap().contains("compose.yaml:"));
        assert_eq!(o.output, None);
    }

    /// Two configs used through one `Configs` (two workspaces of one
    /// language server, or two folders of one run): each file gets its own
    /// config's image data, whichever config was loaded first.
    #[test]
    fn each_file_gets_its_own_configs_image_data() {
        let d = tempfile::tempdir().unwrap();
        for (dir, extra) in [
            (
                "org",
                "[[nonroot.images]]\nnames = [\"myorg/*\"]\nfamily = \"alpine\"\n",
            ),
            ("plain", ""),
        ] {
            std::fs::create_dir(d.path().join(dir)).unwrap();
            let config = format!("select = [\"DF202\"]\nunsafe-fixes = true\n{extra}");
            std::fs::write(d.path().join(dir).join("dfix.toml"), config).unwrap();
        }
        let mut configs = Configs::new(None).unwrap();
        let options = RunOptions {
            mode: Mode::Fix,
            overrides: Overrides {
                offline: true,
                ..Overrides::default()
            },
            stdin: false,
        };
        let text = "FROM myorg/runtime:1\nRUN true\n";
        let fixed = |configs: &mut Configs, dir: &str| {
            let o = process_one(
                &d.path().join(dir).join("Dockerfile"),
                text,
                configs,
                &options,
            );
            assert_eq!((&o.error, &o.skipped), (&None, &None));
            o.output.unwrap()
        };
        // The config with the data first, then the one without, then back.
        assert!(fixed(&mut configs, "org").contains("adduser -S -D"));
        let plain = fixed(&mut configs, "plain");
        assert!(!plain.contains("adduser"), "{plain}");
        assert!(plain.contains("USER 10001:10001"), "{plain}");
        assert!(fixed(&mut configs, "org").contains("adduser -S -D"));
    }
}
