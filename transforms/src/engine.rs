//! The fix engine: runs the selected rules, and applies fixes round after
//! round until nothing changes.
//!
//! Each round parses the text, runs the rules, keeps the fixes whose
//! applicability is allowed, and applies those whose edits do not conflict
//! with a fix already taken in this round (first in source order wins; the
//! others wait for the next round, where they are recomputed on the new
//! text). The loop is bounded by [`MAX_ROUNDS`]. A round whose result has a
//! parse error the input did not have is discarded and reported: dfix never
//! writes a Dockerfile that BuildKit would reject because of a fix.

use std::collections::HashMap;

use dfix_grammar::{Document, ParseError};

use crate::diagnostic::Diagnostic;
use crate::edit::{apply_edits, Applicability, CompanionEdit, Edit, EditError};
use crate::rule::{Context, Facts, RuleMeta, RuleOptions};
use crate::settings::Settings;
use crate::style::Style;
use crate::suppression::Suppressions;
use crate::validate::{unknown_instruction, UnknownInstruction};

/// The most fix rounds before giving up with [`FixError::NotConverged`].
pub const MAX_ROUNDS: usize = 20;

/// Findings on one document.
pub struct Checked {
    /// The parsed document the findings refer to.
    pub document: Document,
    /// Unsuppressed findings, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

/// A fix that was applied.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The rule whose fix it was.
    pub rule: &'static RuleMeta,
    /// The fix's message.
    pub message: String,
    /// The file beside the fixed one that goes with the fix's edits.
    pub companion: Option<CompanionEdit>,
}

/// The result of fixing one document.
pub struct Fixed {
    /// The fixed document (its source is the output text).
    pub document: Document,
    /// The fixes applied, in order.
    pub applied: Vec<Applied>,
    /// The findings left in the fixed document.
    pub remaining: Vec<Diagnostic>,
    /// How many rounds applied fixes.
    pub rounds: usize,
}

impl Fixed {
    /// The fixed text.
    pub fn output(&self) -> &str {
        self.document.source()
    }
}

/// Why fixing failed. [`FixError::UnknownInstruction`] is a problem of the
/// input; the others are bugs in a rule, and name the rules involved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixError {
    /// The input has an instruction BuildKit does not know, so it cannot be
    /// built (or is not a Dockerfile at all): no rule runs on it.
    UnknownInstruction(UnknownInstruction),
    /// Fixes kept coming after [`MAX_ROUNDS`] rounds.
    NotConverged {
        /// Ids of the rules whose fixes were applied in the last round.
        rules: Vec<&'static str>,
    },
    /// A round's result had parse errors the input did not have; the round
    /// was discarded.
    BrokeParse {
        /// Ids of the rules whose fixes were applied in that round.
        rules: Vec<&'static str>,
        /// The new errors.
        errors: Vec<ParseError>,
    },
    /// A rule produced edits that cannot be applied (overlapping or out of
    /// bounds).
    InvalidEdit {
        /// Id of the rule.
        rule: &'static str,
        /// What is wrong with the edits.
        error: EditError,
    },
}

impl std::fmt::Display for FixError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FixError::UnknownInstruction(u) => write!(f, "line {}: {u}", u.line),
            FixError::NotConverged { rules } => write!(
                f,
                "internal error: fixes did not converge after {MAX_ROUNDS} rounds (rules: {})",
                rules.join(", ")
            ),
            FixError::BrokeParse { rules, errors } => {
                write!(
                    f,
                    "internal error: fixes by {} would break the file",
                    rules.join(", ")
                )?;
                if let Some(e) = errors.first() {
                    write!(f, " (line {}: {})", e.line, e.message)?;
                }
                Ok(())
            }
            FixError::InvalidEdit { rule, error } => {
                write!(
                    f,
                    "internal error: rule {rule} made an invalid edit: {error}"
                )
            }
        }
    }
}

impl std::error::Error for FixError {}

static NO_OPTIONS: std::sync::LazyLock<RuleOptions> = std::sync::LazyLock::new(RuleOptions::new);

/// Runs the selected rules on `doc`; suppressed findings are dropped.
pub fn check_document(doc: &Document, settings: &Settings, facts: &Facts) -> Vec<Diagnostic> {
    let style = Style::of(doc);
    let suppressions = Suppressions::parse(doc);
    let mut out = Vec::new();
    for rule in &settings.rules {
        let meta = rule.meta();
        let ctx = Context {
            doc,
            options: settings.rule_options.get(meta.name).unwrap_or(&NO_OPTIONS),
            facts,
            style: &style,
        };
        out.extend(
            rule.check(&ctx)
                .into_iter()
                .filter(|d| !suppressions.is_suppressed(doc, d)),
        );
    }
    // Stable: for one position, registry order decides.
    out.sort_by_key(|d| d.span.start);
    out
}

/// Parses `source` and runs the selected rules.
pub fn check(source: &str, settings: &Settings, facts: &Facts) -> Checked {
    let document = Document::parse(source);
    let diagnostics = check_document(&document, settings, facts);
    Checked {
        document,
        diagnostics,
    }
}

fn error_counts(errors: &[ParseError]) -> HashMap<&str, usize> {
    let mut m = HashMap::new();
    for e in errors {
        *m.entry(e.message.as_str()).or_insert(0) += 1;
    }
    m
}

/// Parse errors of `after` that `before` did not have (compared by message,
/// since fixes move lines).
fn new_errors(before: &[ParseError], after: &[ParseError]) -> Vec<ParseError> {
    let mut budget = error_counts(before);
    let mut out = Vec::new();
    for e in after {
        match budget.get_mut(e.message.as_str()) {
            Some(n) if *n > 0 => *n -= 1,
            _ => out.push(e.clone()),
        }
    }
    out
}

/// The fixes to apply this round: allowed by applicability, each fix's own
/// edits valid, no conflict with a fix taken earlier in the round. An
/// exclusive fix (one that restructures the file) goes alone.
pub(crate) fn pick_fixes<'d>(
    diagnostics: &'d [Diagnostic],
    text: &str,
    unsafe_fixes: bool,
) -> Result<Vec<&'d Diagnostic>, FixError> {
    let mut taken: Vec<&Diagnostic> = Vec::new();
    let applicable = |d: &&'d Diagnostic| {
        d.fix
            .as_ref()
            .is_some_and(|f| f.applicability.is_applied(unsafe_fixes) && !f.edits.is_empty())
    };
    if let Some(d) = diagnostics
        .iter()
        .filter(applicable)
        .find(|d| d.fix.as_ref().is_some_and(|f| f.exclusive))
    {
        if let Some(fix) = &d.fix {
            apply_edits(text, &fix.edits).map_err(|error| FixError::InvalidEdit {
                rule: d.rule.id,
                error,
            })?;
        }
        return Ok(vec![d]);
    }
    for d in diagnostics.iter().filter(applicable) {
        let Some(fix) = &d.fix else { continue };
        apply_edits(text, &fix.edits).map_err(|error| FixError::InvalidEdit {
            rule: d.rule.id,
            error,
        })?;
        let conflicts = taken
            .iter()
            .any(|t| t.fix.as_ref().is_some_and(|tf| tf.conflicts_with(fix)));
        if !conflicts {
            taken.push(d);
        }
    }
    Ok(taken)
}

pub(crate) fn rule_ids(diags: &[&Diagnostic]) -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = diags.iter().map(|d| d.rule.id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Fixes `source`: applies every allowed fix, round after round, until no
/// fix is left (see the module documentation). A source with an unknown
/// instruction is refused before any rule runs.
pub fn fix(source: &str, settings: &Settings, facts: &Facts) -> Result<Fixed, FixError> {
    let document = Document::parse(source);
    if let Some(u) = unknown_instruction(&document) {
        return Err(FixError::UnknownInstruction(u));
    }
    let input_errors = document.errors.clone();
    let done = fix_rounds(
        document,
        settings,
        |d| check_document(d, settings, facts),
        |text| {
            let next = Document::parse(text);
            let mut broken = new_errors(&input_errors, &next.errors);
            // A fix must not make an instruction unknown (the build would fail).
            if let Some(u) = unknown_instruction(&next) {
                broken.push(ParseError {
                    line: u.line,
                    message: u.to_string(),
                });
            }
            (next, broken)
        },
    )?;
    Ok(Fixed {
        document: done.parsed,
        applied: done.applied,
        remaining: done.remaining,
        rounds: done.rounds,
    })
}

/// A parsed text the fix loop runs on (a Dockerfile, a Compose file).
pub(crate) trait FixableText {
    /// The text.
    fn text(&self) -> &str;
}

impl FixableText for Document {
    fn text(&self) -> &str {
        self.source()
    }
}

/// What the fix loop ends with.
pub(crate) struct Rounds<T> {
    /// The last parsed text (its text is the output).
    pub parsed: T,
    /// The fixes applied, in order.
    pub applied: Vec<Applied>,
    /// The findings left in it.
    pub remaining: Vec<Diagnostic>,
    /// How many rounds applied fixes.
    pub rounds: usize,
}

/// The fix loop of every file kind: applies every allowed fix, round after
/// round, until none is left (see the module documentation). `check` finds
/// a parsed text's diagnostics; `reparse` parses a fixed text and lists
/// what the round broke in it (anything listed refuses the round).
pub(crate) fn fix_rounds<T: FixableText>(
    mut current: T,
    settings: &Settings,
    check: impl Fn(&T) -> Vec<Diagnostic>,
    reparse: impl Fn(&str) -> (T, Vec<ParseError>),
) -> Result<Rounds<T>, FixError> {
    let mut applied = Vec::new();
    let mut rounds = 0;
    loop {
        let diagnostics = check(&current);
        let taken = pick_fixes(&diagnostics, current.text(), settings.unsafe_fixes)?;
        if taken.is_empty() {
            return Ok(Rounds {
                parsed: current,
                applied,
                remaining: diagnostics,
                rounds,
            });
        }
        if rounds == MAX_ROUNDS {
            return Err(FixError::NotConverged {
                rules: rule_ids(&taken),
            });
        }
        let edits: Vec<Edit> = taken
            .iter()
            .flat_map(|d| d.fix.iter().flat_map(|f| f.edits.iter().cloned()))
            .collect();
        // Conflicts were excluded above, so this only fails on a bug here.
        let text = apply_edits(current.text(), &edits).map_err(|error| FixError::InvalidEdit {
            rule: taken[0].rule.id,
            error,
        })?;
        if text == current.text() {
            // Fixes that change nothing would loop forever: report as is.
            return Ok(Rounds {
                parsed: current,
                applied,
                remaining: diagnostics,
                rounds,
            });
        }
        let (next, broken) = reparse(&text);
        if !broken.is_empty() {
            return Err(FixError::BrokeParse {
                rules: rule_ids(&taken),
                errors: broken,
            });
        }
        applied.extend(taken.iter().map(|d| {
            Applied {
                rule: d.rule,
                message: d
                    .fix
                    .as_ref()
                    .map_or_else(|| d.message.clone(), |f| f.message.clone()),
                companion: d.fix.as_ref().and_then(|f| f.companion.clone()),
            }
        }));
        rounds += 1;
        current = next;
    }
}

/// How many findings have a fix that was not applied because it is unsafe
/// and `unsafe_fixes` is off (for the "hidden fixes" hint).
pub fn hidden_unsafe_fixes(diagnostics: &[Diagnostic], unsafe_fixes: bool) -> usize {
    if unsafe_fixes {
        return 0;
    }
    diagnostics
        .iter()
        .filter(|d| d.applicability() == Some(Applicability::Unsafe))
        .count()
}

/// A file beside the Dockerfile that fixes create or change (the build
/// context's `.dockerignore`), with the findings it resolves.
#[derive(Debug, Clone)]
pub struct CompanionFile {
    /// The file, relative to the build context root.
    pub path: String,
    /// Its current text; `None` when it is created.
    pub original: Option<String>,
    /// Its new text.
    pub text: String,
    /// The findings whose fixes made `text`.
    pub resolves: Vec<Diagnostic>,
}

/// The other files that the applicable fixes of `diagnostics` edit, one
/// per path: each fix's edits applied to the file's current text, in
/// finding order, a fix whose edits conflict with one taken before left
/// for the next run. Pure: the application decides whether it may write
/// them (never in stdin mode or from an editor's fix-all).
pub fn companion_files(diagnostics: &[Diagnostic], unsafe_fixes: bool) -> Vec<CompanionFile> {
    let mut out: Vec<(CompanionFile, Vec<Edit>)> = Vec::new();
    for d in diagnostics {
        let Some(fix) = &d.fix else { continue };
        let Some(edit) = &fix.companion else { continue };
        // A companion that goes with edits is written only with them.
        if !fix.applicability.is_applied(unsafe_fixes)
            || edit.edits.is_empty()
            || !fix.edits.is_empty()
        {
            continue;
        }
        let at = match out.iter().position(|(c, _)| c.path == edit.path) {
            Some(i) => i,
            None => {
                out.push((
                    CompanionFile {
                        path: edit.path.clone(),
                        original: edit.original.clone(),
                        text: String::new(),
                        resolves: Vec::new(),
                    },
                    Vec::new(),
                ));
                out.len() - 1
            }
        };
        let (file, taken) = &mut out[at];
        let conflicts = taken
            .iter()
            .any(|t| edit.edits.iter().any(|e| e.conflicts_with(t)));
        let base = file.original.as_deref().unwrap_or("");
        let mut all = taken.clone();
        all.extend(edit.edits.iter().cloned());
        if conflicts || apply_edits(base, &all).is_err() {
            continue;
        }
        *taken = all;
        file.resolves.push(d.clone());
    }
    out.into_iter()
        .filter_map(|(mut file, edits)| {
            let base = file.original.as_deref().unwrap_or("");
            file.text = apply_edits(base, &edits).ok()?;
            (file.original.as_deref() != Some(file.text.as_str())).then_some(file)
        })
        .collect()
}

/// The files beside the fixed one that the applied fixes' companions
/// create or change, one per path, each fix's edits in order. An error
/// when two of them clash: the fixed text must then not be written either
/// (its edits went with those files).
pub fn applied_companions(applied: &[Applied]) -> Result<Vec<CompanionFile>, String> {
    let mut out: Vec<(CompanionFile, Vec<Edit>)> = Vec::new();
    for a in applied {
        let Some(edit) = &a.companion else { continue };
        match out.iter_mut().find(|(c, _)| c.path == edit.path) {
            Some((c, edits)) if c.original == edit.original => {
                edits.extend(edit.edits.iter().cloned())
            }
            Some(_) => return Err(format!("two fixes disagree on `{}`", edit.path)),
            None => out.push((
                CompanionFile {
                    path: edit.path.clone(),
                    original: edit.original.clone(),
                    text: String::new(),
                    resolves: Vec::new(),
                },
                edit.edits.clone(),
            )),
        }
    }
    out.into_iter()
        .map(|(mut file, edits)| {
            let base = file.original.as_deref().unwrap_or("");
            file.text = apply_edits(base, &edits)
                .map_err(|e| format!("the fixes' edits to `{}` clash: {e}", file.path))?;
            Ok(file)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Companions of applied fixes: one file per path, edits in order; two
    /// fixes that disagree on a file's current text are an error.
    #[test]
    fn applied_companions_merge_or_refuse() {
        let meta = &crate::rules::style::from_as_casing::META;
        let applied = |path: &str, original: Option<&str>, text: &str| Applied {
            rule: meta,
            message: String::new(),
            companion: Some(CompanionEdit {
                path: path.into(),
                original: original.map(str::to_string),
                edits: vec![Edit::insert(original.map_or(0, str::len), text)],
            }),
        };
        let files = applied_companions(&[
            applied("a.txt", None, "x"),
            applied("b.txt", Some("1\n"), "2\n"),
            Applied {
                rule: meta,
                message: String::new(),
                companion: None,
            },
        ])
        .unwrap();
        let got: Vec<(&str, &str)> = files
            .iter()
            .map(|f| (f.path.as_str(), f.text.as_str()))
            .collect();
        assert_eq!(got, [("a.txt", "x"), ("b.txt", "1\n2\n")]);
        assert!(applied_companions(&[
            applied("a.txt", None, "x"),
            applied("a.txt", Some(""), "y")
        ])
        .is_err());
    }

    #[test]
    fn an_exclusive_fix_takes_a_round_of_its_own() {
        let meta = &crate::rules::style::from_as_casing::META;
        let text = "FROM a as b\nRUN x\n";
        let plain = Diagnostic::new(meta, "plain", 0..1)
            .with_fix(Fix::safe("p", vec![Edit::insert(0, "#")]));
        let restructure = Diagnostic::new(meta, "split", 7..8)
            .with_fix(Fix::unsafe_fix("s", vec![Edit::insert(text.len(), "FROM c\n")]).exclusive());
        let both = [plain.clone(), restructure.clone()];
        let taken = pick_fixes(&both, text, true).unwrap();
        assert_eq!(taken.len(), 1);
        assert_eq!(taken[0].message, "split");
        // Without unsafe fixes the exclusive one does not apply, and the rest go ahead.
        let taken = pick_fixes(&both, text, false).unwrap();
        assert_eq!(taken.len(), 1);
        assert_eq!(taken[0].message, "plain");
        // Two non-conflicting plain fixes go together.
        let other = Diagnostic::new(meta, "other", 9..10)
            .with_fix(Fix::safe("o", vec![Edit::insert(9, "#")]));
        assert_eq!(pick_fixes(&[plain, other], text, false).unwrap().len(), 2);
    }
    use crate::diagnostic::Diagnostic;
    use crate::edit::Fix;
    use crate::rule::{FixAvailability, Rule, Severity};

    static LOOP: RuleMeta = RuleMeta {
        id: "DF900",
        name: "test-loop",
        aliases: &[],
        severity: Severity::Style,
        summary: "flips a word forever",
        doc: "",
        fix: FixAvailability::Always,
        options: &[],
    };

    /// Turns `x` into `y` and `y` into `x`: never converges.
    struct Flip;
    impl Rule for Flip {
        fn meta(&self) -> &'static RuleMeta {
            &LOOP
        }
        fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
            let src = ctx.source();
            let Some(at) = src.find(['x', 'y']) else {
                return vec![];
            };
            let new = if &src[at..at + 1] == "x" { "y" } else { "x" };
            vec![Diagnostic::new(&LOOP, "flip", at..at + 1)
                .with_fix(Fix::safe("flip", vec![Edit::replace(at..at + 1, new)]))]
        }
    }

    static BREAK: RuleMeta = RuleMeta {
        id: "DF901",
        name: "test-break",
        aliases: &[],
        severity: Severity::Style,
        summary: "breaks the file",
        doc: "",
        fix: FixAvailability::Always,
        options: &[],
    };

    /// Deletes every instruction: the result has no instructions, a parse error.
    struct Breaker;
    impl Rule for Breaker {
        fn meta(&self) -> &'static RuleMeta {
            &BREAK
        }
        fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
            if ctx.doc.instructions.is_empty() {
                return vec![];
            }
            let all = 0..ctx.source().len();
            vec![Diagnostic::new(&BREAK, "gone", all.clone())
                .with_fix(Fix::safe("delete", vec![Edit::delete(all)]))]
        }
    }

    fn only(rule: &'static dyn Rule) -> Settings {
        Settings {
            rules: vec![rule],
            ..Settings::default()
        }
    }

    #[test]
    fn non_convergence_names_the_rule() {
        let err = match fix("FROM x\n", &only(&Flip), &Facts::new()) {
            Err(e) => e,
            Ok(_) => panic!("a flip-flopping rule must not converge"),
        };
        assert_eq!(
            err,
            FixError::NotConverged {
                rules: vec!["DF900"]
            }
        );
        assert!(err.to_string().contains("DF900"));
    }

    #[test]
    fn a_round_that_breaks_the_parse_is_refused() {
        let err = match fix("FROM a\n", &only(&Breaker), &Facts::new()) {
            Err(e) => e,
            Ok(_) => panic!("deleting every instruction must be refused"),
        };
        assert!(matches!(&err, FixError::BrokeParse { rules, .. } if rules == &["DF901"]));
    }

    static TYPO: RuleMeta = RuleMeta {
        id: "DF902",
        name: "test-typo",
        aliases: &[],
        severity: Severity::Style,
        summary: "misspells RUN",
        doc: "",
        fix: FixAvailability::Always,
        options: &[],
    };

    /// Rewrites the first `RUN` as `RNU`: its output cannot be built.
    struct Typo;
    impl Rule for Typo {
        fn meta(&self) -> &'static RuleMeta {
            &TYPO
        }
        fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
            let Some(at) = ctx.source().find("RUN") else {
                return vec![];
            };
            vec![Diagnostic::new(&TYPO, "typo", at..at + 3)
                .with_fix(Fix::safe("typo", vec![Edit::replace(at..at + 3, "RNU")]))]
        }
    }

    #[test]
    fn an_unknown_instruction_stops_every_fix() {
        // `add` would be fixed (casing, ADD -> COPY) if the file could be built.
        let src = "FROM a\nadd a /a\nRNU echo hi\n";
        let err = match fix(src, &Settings::default(), &Facts::new()) {
            Err(e) => e,
            Ok(f) => panic!("fixed a file with an unknown instruction: {:?}", f.output()),
        };
        let FixError::UnknownInstruction(u) = &err else {
            panic!("{err:?}");
        };
        assert_eq!((u.line, u.keyword.as_str()), (3, "RNU"));
        assert_eq!(
            err.to_string(),
            "line 3: unknown instruction `RNU` (did you mean `RUN`?)"
        );
    }

    #[test]
    fn a_round_that_makes_an_instruction_unknown_is_refused() {
        let err = match fix("FROM a\nRUN ls\n", &only(&Typo), &Facts::new()) {
            Err(e) => e,
            Ok(f) => panic!("kept an unbuildable fix: {:?}", f.output()),
        };
        assert!(
            matches!(&err, FixError::BrokeParse { rules, errors } if rules == &["DF902"] && errors[0].line == 2),
            "{err:?}"
        );
    }

    #[test]
    fn fixes_safe_by_default_and_converges() {
        let src = "from alpine AS build\nMAINTAINER me\nadd a.txt /a\n";
        let out = fix(src, &Settings::default(), &Facts::new()).unwrap();
        assert_eq!(
            out.output(),
            "from alpine as build\nlabel org.opencontainers.image.authors=\"me\"\ncopy a.txt /a\n"
        );
        assert!(out.rounds >= 1);
        // Idempotence: the output re-fixed is unchanged.
        let again = fix(out.output(), &Settings::default(), &Facts::new()).unwrap();
        assert_eq!(again.output(), out.output());
        assert!(again.applied.is_empty());
    }

    #[test]
    fn unsafe_fixes_only_on_request() {
        // `USER`: the image already runs as non-root (no non-root user finding).
        let src = "FROM a\nUSER 1000\nCMD echo hi\n";
        let safe = fix(src, &Settings::default(), &Facts::new()).unwrap();
        assert_eq!(safe.output(), src);
        assert_eq!(hidden_unsafe_fixes(&safe.remaining, false), 1);
        let settings = Settings {
            unsafe_fixes: true,
            ..Settings::default()
        };
        let out = fix(src, &settings, &Facts::new()).unwrap();
        assert_eq!(out.output(), "FROM a\nUSER 1000\nCMD [\"echo\", \"hi\"]\n");
    }

    #[test]
    fn suppressed_findings_are_neither_reported_nor_fixed() {
        let src = "FROM a\n# hadolint ignore=DL3020\nADD a /a\n# dfix: ignore=DF101\nADD b /b\nADD c /c\n";
        let out = fix(src, &Settings::default(), &Facts::new()).unwrap();
        assert_eq!(
            out.output(),
            "FROM a\n# hadolint ignore=DL3020\nADD a /a\n# dfix: ignore=DF101\nADD b /b\nCOPY c /c\n"
        );
        // `scratch`: no image for the pinning rules to report.
        let global = "# hadolint global ignore=DL3020\nFROM scratch\nADD c /c\nUSER 1000\n";
        assert!(check(global, &Settings::default(), &Facts::new())
            .diagnostics
            .is_empty());
        let directive = "# check=skip=FromAsCasing\nFROM scratch as b\nUSER 1000\n";
        assert!(check(directive, &Settings::default(), &Facts::new())
            .diagnostics
            .is_empty());
    }

    #[test]
    fn conflicting_fixes_wait_for_the_next_round() {
        // Casing and MAINTAINER both edit the keyword of line 2.
        let src = "FROM a\nmaintainer me\n";
        let out = fix(src, &Settings::default(), &Facts::new()).unwrap();
        assert_eq!(
            out.output(),
            "FROM a\nLABEL org.opencontainers.image.authors=\"me\"\n"
        );
        assert!(out.rounds >= 2);
    }
}
