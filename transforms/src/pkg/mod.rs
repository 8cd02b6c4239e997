//! Shared pieces of the package-manager rules (`DF3xx`): which shell scripts
//! a RUN executes, finding package-manager commands in them, and the edits
//! the rules make (a flag after a subcommand, a command appended at the end
//! of a RUN in the author's continuation style, a command removed from a
//! chain, two RUNs joined).
//!
//! Everything works on the tree-sitter-bash analysis of the RUN
//! ([`dfix_grammar::shell`]), never on regular expressions over the text.

use std::ops::Range;

use dfix_grammar::shell::{Command, Operator, ShellScript, ShellSource, Statement, Word};
use dfix_grammar::{Document, Instruction, Kind};

use crate::diagnostic::Diagnostic;
use crate::edit::Fix;
use crate::rule::{Context, RuleMeta};

pub mod layout;
pub mod mounts;

pub use layout::*;
pub use mounts::*;

/// How a script is embedded in its RUN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptKind {
    /// The shell-form arguments of the RUN (continuations removed).
    Shell,
    /// The body of `RUN <<EOF`: the heredoc is the script.
    HeredocBody,
    /// A shell-form command line that opens heredocs (`cat <<EOF >/x`): the
    /// line and the bodies, analysed together; the bodies are data.
    ShellWithHeredoc,
}

/// One shell script a RUN executes.
pub struct RunScript {
    /// The parsed script.
    pub script: std::sync::Arc<ShellScript>,
    /// How it is embedded.
    pub kind: ScriptKind,
    /// The escape character of line continuations inside it: the
    /// Dockerfile's for shell form, `\` (the shell's) inside heredoc bodies.
    pub escape: char,
}

impl RunScript {
    /// Top-level statements.
    pub fn statements(&self) -> &[Statement] {
        self.script.statements()
    }

    /// Every simple command, anywhere in the script.
    pub fn commands(&self) -> &[Command] {
        self.script.commands()
    }

    /// True when the script has syntax errors: rules must not edit it.
    pub fn has_errors(&self) -> bool {
        self.script.has_errors()
    }
}

/// True when every word of the arguments is a heredoc marker (`<<EOF`,
/// `<<-"EOF"`): the heredoc bodies are the script.
fn only_heredoc_markers(ins: &Instruction) -> bool {
    !ins.words.is_empty() && ins.words.iter().all(|w| w.raw.starts_with("<<"))
}

/// The shell scripts a RUN executes, or none for exec form and for other
/// instructions. ONBUILD RUN gives its sub-instruction's scripts.
pub fn run_scripts(src: &str, ins: &Instruction) -> Vec<RunScript> {
    let ins = ins.effective();
    if ins.kind != Kind::Run || ins.is_exec_form() {
        return Vec::new();
    }
    if ins.heredocs.is_empty() {
        return ins
            .shell_script(src)
            .map(|script| RunScript {
                script,
                kind: ScriptKind::Shell,
                escape: '\\',
            })
            .into_iter()
            .collect();
    }
    if only_heredoc_markers(ins) {
        return ins
            .heredoc_scripts(src)
            .into_iter()
            .map(|script| RunScript {
                script,
                kind: ScriptKind::HeredocBody,
                escape: '\\',
            })
            .collect();
    }
    // A command line with heredocs: the line and the bodies with their
    // terminators, as the shell would read them.
    let mut ranges = ins.logical.file_ranges(ins.args_range.clone());
    let line_end = ranges.last().map_or(ins.span.start, |r| r.end);
    let end = ins
        .heredocs
        .iter()
        .filter_map(|h| h.end_span.as_ref().map(|e| e.end))
        .max()
        .unwrap_or(line_end);
    if end > line_end {
        ranges.push(line_end..end);
    }
    let script = std::sync::Arc::new(ShellScript::parse(ShellSource::from_ranges(src, &ranges)));
    vec![RunScript {
        script,
        kind: ScriptKind::ShellWithHeredoc,
        escape: '\\',
    }]
}

/// Sets the escape character of shell-form scripts to the document's.
pub fn run_scripts_in(doc: &Document, ins: &Instruction) -> Vec<RunScript> {
    let mut scripts = run_scripts(doc.source(), ins);
    for s in &mut scripts {
        if s.kind != ScriptKind::HeredocBody {
            s.escape = doc.escape;
        }
    }
    scripts
}

/// Flags of `apt-get`/`apt` that take their value as the next argument.
pub const APT_VALUE_FLAGS: &[&str] = &[
    "-o",
    "--option",
    "-c",
    "--config-file",
    "-t",
    "--target-release",
    "--default-release",
    "-a",
    "--host-architecture",
];

/// Flags of `yum`/`dnf`/`microdnf` that take their value as the next argument.
pub const RPM_VALUE_FLAGS: &[&str] = &[
    "-c",
    "--config",
    "-d",
    "--debuglevel",
    "-e",
    "--errorlevel",
    "-x",
    "--exclude",
    "--enablerepo",
    "--disablerepo",
    "--repo",
    "--repoid",
    "--releasever",
    "--installroot",
    "--setopt",
    "--forcearch",
    "--downloaddir",
    "--destdir",
];

/// Global flags of `zypper` that take their value as the next argument.
pub const ZYPPER_VALUE_FLAGS: &[&str] = &[
    "-c",
    "--config",
    "-R",
    "--root",
    "-D",
    "--reposd-dir",
    "-C",
    "--cache-dir",
    "--raw-cache-dir",
    "--solv-cache-dir",
    "--pkg-cache-dir",
];

/// The subcommand of a package-manager command whose name is one of
/// `names`, with its value-taking flags.
pub fn subcommand<'c>(cmd: &'c Command, names: &[&str], value_flags: &[&str]) -> Option<&'c Word> {
    if !names.iter().any(|n| cmd.name_is(n)) {
        return None;
    }
    cmd.subcommand_with(value_flags)
}

/// True when `cmd` is `<one of names> <one of subs> ...`.
pub fn is_sub(cmd: &Command, names: &[&str], value_flags: &[&str], subs: &[&str]) -> bool {
    subcommand(cmd, names, value_flags)
        .and_then(|w| w.value.as_deref())
        .is_some_and(|v| subs.contains(&v))
}

/// `apt-get` (or `apt`) with subcommand `install`.
pub fn is_apt_install(cmd: &Command) -> bool {
    is_sub(cmd, &["apt-get", "apt"], APT_VALUE_FLAGS, &["install"])
}

/// `apt-get update` (or `apt update`).
pub fn is_apt_update(cmd: &Command) -> bool {
    is_sub(cmd, &["apt-get", "apt"], APT_VALUE_FLAGS, &["update"])
}

/// `apt-get`/`apt`/`apt-cache`/`aptitude` commands that read the package
/// lists (so lists must exist when they run).
pub fn reads_apt_lists(cmd: &Command) -> bool {
    if cmd.name_is("apt-cache") || cmd.name_is("aptitude") {
        return true;
    }
    is_sub(
        cmd,
        &["apt-get", "apt"],
        APT_VALUE_FLAGS,
        &[
            "install",
            "upgrade",
            "dist-upgrade",
            "full-upgrade",
            "build-dep",
            "source",
            "download",
            "reinstall",
            "satisfy",
        ],
    )
}

/// True when the word can be edited in place: the file holds exactly its
/// text (no continuation inside it).
pub fn editable(w: &Word) -> bool {
    w.contiguous
}

/// True when the script starts with `set -e` (or `-eux`, `-o errexit`):
/// a failing command stops it, so `;` and newlines chain like `&&`.
pub fn sets_errexit(statements: &[Statement]) -> bool {
    let Some(first) = statements.first() else {
        return false;
    };
    let Some(cmd) = first.commands().next() else {
        return false;
    };
    if !cmd.name_is("set") {
        return false;
    }
    cmd.has_flag('e')
        || cmd
            .args
            .windows(2)
            .any(|w| w[0].is("-o") && w[1].is("errexit"))
}

/// The shells that `SHELL` may set for the rules to still write POSIX
/// shell text (`&&`, `rm -rf`).
fn is_posix_shell(exe: &str) -> bool {
    let base = exe.rsplit('/').next().unwrap_or(exe);
    matches!(
        base,
        "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh" | "busybox"
    )
}

/// True when a `SHELL` instruction before instruction `index` sets a shell
/// that is not a POSIX shell (PowerShell, cmd): the rules leave such RUNs
/// alone.
pub fn non_posix_shell_before(doc: &Document, index: usize) -> bool {
    doc.instructions[..index.min(doc.instructions.len())]
        .iter()
        .any(sets_non_posix_shell)
}

/// Whether `ins` is a SHELL that sets a shell other than a POSIX one.
pub fn sets_non_posix_shell(ins: &Instruction) -> bool {
    ins.kind == Kind::Shell
        && match &ins.form {
            dfix_grammar::Form::Exec(items) => items.first().is_none_or(|e| !is_posix_shell(e)),
            dfix_grammar::Form::Shell => true,
        }
}

/// The index of the stage holding instruction `index`, and the stage's
/// instruction indices.
pub fn stage_of(doc: &Document, index: usize) -> Option<dfix_grammar::Stage> {
    doc.stages()
        .iter()
        .find(|s| s.instructions.contains(&index))
        .cloned()
}

/// Indices of every instruction that runs after `index` on top of its
/// result: the rest of its stage and every stage built `FROM` that stage
/// (by name, transitively).
pub fn later_in_lineage(doc: &Document, index: usize) -> Vec<usize> {
    let stages = doc.stages();
    let Some(own) = stages.iter().position(|s| s.instructions.contains(&index)) else {
        return ((index + 1)..doc.instructions.len()).collect();
    };
    let mut out: Vec<usize> = ((index + 1)..stages[own].instructions.end).collect();
    let mut names: Vec<String> = Vec::new();
    let mut reached = vec![own];
    let mut i = 0;
    while i < reached.len() {
        let s = &stages[reached[i]];
        if let Some(n) = &s.name {
            names.push(n.value().to_ascii_lowercase());
        }
        names.push(s.index.to_string());
        for (j, t) in stages.iter().enumerate() {
            if j <= reached[i] || reached.contains(&j) {
                continue;
            }
            let base = t
                .base
                .as_ref()
                .map(|b| b.value().to_ascii_lowercase())
                .unwrap_or_default();
            if names.contains(&base) {
                reached.push(j);
                out.extend(t.instructions.clone().skip(1));
            }
        }
        i += 1;
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The operator joining `stmt`'s items at `i` to the next, if any.
pub fn op_after(stmt: &Statement, i: usize) -> Option<Operator> {
    stmt.items
        .get(i)
        .and_then(|it| it.operator_after.as_ref().map(|(o, _)| *o))
}

/// Byte range helper: the start of the line holding `at`.
pub fn line_start(src: &str, at: usize) -> usize {
    src[..at.min(src.len())].rfind('\n').map_or(0, |i| i + 1)
}

/// The indentation (spaces and tabs) of the line holding `at`.
pub fn indent_of_line(src: &str, at: usize) -> &str {
    let start = line_start(src, at);
    let rest = &src[start..];
    let n = rest
        .find(|c: char| c != ' ' && c != '\t')
        .unwrap_or(rest.len());
    &rest[..n]
}

/// True when `range` of `src` contains a line break.
pub fn spans_lines(src: &str, range: Range<usize>) -> bool {
    src[range].contains('\n')
}

/// The RUN instructions a package-manager rule looks at, with their index
/// and scripts: plain and ONBUILD RUNs, not after a non-POSIX `SHELL`, and
/// only scripts without syntax errors.
pub fn runs(doc: &Document) -> Vec<(usize, &Instruction, Vec<RunScript>)> {
    let mut out = Vec::new();
    // `non_posix_shell_before` for each index in turn, in one pass: asking
    // it for every RUN was quadratic, and many rules call `runs`.
    let mut non_posix_before = false;
    for (i, ins) in doc.instructions.iter().enumerate() {
        let skip = non_posix_before;
        non_posix_before = non_posix_before || sets_non_posix_shell(ins);
        if ins.effective().kind != Kind::Run || skip {
            continue;
        }
        let scripts: Vec<RunScript> = run_scripts_in(doc, ins)
            .into_iter()
            .filter(|s| !s.has_errors())
            .collect();
        if !scripts.is_empty() {
            out.push((i, ins, scripts));
        }
    }
    out
}

/// A flag that a package-manager subcommand should carry.
pub struct MissingFlag {
    /// Command names (`apt-get`).
    pub names: &'static [&'static str],
    /// Flags of the command that take a separate value.
    pub value_flags: &'static [&'static str],
    /// Subcommands that need the flag (`install`).
    pub subs: &'static [&'static str],
    /// True when the command already has the flag or an equivalent.
    pub present: fn(&Command) -> bool,
    /// The flag to insert after the subcommand.
    pub insert: &'static str,
    /// The finding's message.
    pub message: &'static str,
    /// Whether the fix keeps the meaning.
    pub safe: bool,
    /// Extra guard on the RUN: `Some(reason)` skips it.
    pub skip_run: fn(&Context, usize, &Instruction) -> Option<&'static str>,
}

/// Findings for every command of `spec` without its flag, with a fix that
/// inserts the flag after the subcommand.
pub fn missing_flag(ctx: &Context, meta: &'static RuleMeta, spec: &MissingFlag) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, ins, scripts) in runs(ctx.doc) {
        if (spec.skip_run)(ctx, i, ins).is_some() {
            continue;
        }
        for rs in &scripts {
            for cmd in rs.commands() {
                let Some(sub) = subcommand(cmd, spec.names, spec.value_flags) else {
                    continue;
                };
                if !sub.value.as_deref().is_some_and(|v| spec.subs.contains(&v))
                    || (spec.present)(cmd)
                {
                    continue;
                }
                let d = Diagnostic::new(meta, spec.message, cmd.span.clone());
                let fix = editable(sub).then(|| {
                    let edits = vec![insert_after(sub, spec.insert)];
                    let msg = format!("Add `{}`", spec.insert);
                    if spec.safe {
                        Fix::safe(msg, edits)
                    } else {
                        Fix::unsafe_fix(msg, edits)
                    }
                });
                out.push(d.with_optional_fix(fix));
            }
        }
    }
    out
}

/// A `skip_run` that skips nothing.
pub fn never(_: &Context, _: usize, _: &Instruction) -> Option<&'static str> {
    None
}

/// A cache that a RUN should clean after a package-manager command.
pub struct MissingCleanup {
    /// True for a command that fills the cache (`yum install`).
    pub fills: fn(&Command) -> bool,
    /// True for a command that cleans it (`yum clean all`, `rm -rf /var/cache/yum`).
    pub cleans: fn(&Command) -> bool,
    /// Cache folders: a cache or tmpfs mount covering one of them means
    /// there is nothing to clean.
    pub cache_dirs: &'static [&'static str],
    /// The command to append, from the last command that fills the cache.
    pub command: fn(&Command) -> String,
    /// The finding's message.
    pub message: &'static str,
    /// Extra guard on the RUN: `Some(reason)` reports without a fix.
    pub block_run: fn(&Context, usize, &Instruction) -> Option<&'static str>,
    /// True when the RUN needs no cleaning (e.g. a cache mount): no finding.
    pub skip_run: fn(&Instruction) -> bool,
}

/// A `skip_run` that skips nothing.
pub fn skip_none(_: &Instruction) -> bool {
    false
}

/// The `separator` option shared by the rules that append a command.
pub const SEPARATOR_OPTION: crate::rule::OptionMeta = crate::rule::OptionMeta {
    name: "separator",
    kind: crate::rule::OptionKind::Str {
        choices: &["auto", "&&", ";"],
    },
    doc: "How the appended command is joined: `auto` (default) uses `;` in scripts that \
          run under `set -e` and chain with `;`, `&&` otherwise; `&&` always uses `&&`; \
          `;` uses `;` under `set -e` and `&&` otherwise.",
};

/// Findings for every RUN that fills a cache and does not clean it, with a
/// fix appending the cleaning command at the end of the RUN.
pub fn missing_cleanup(
    ctx: &Context,
    meta: &'static RuleMeta,
    spec: &MissingCleanup,
) -> Vec<Diagnostic> {
    missing_cleanup_with(ctx, meta, spec, no_unblock)
}

/// Edits elsewhere in the file that lift a `block_run` guard of RUN
/// `index` at the price of changing what another instruction does, with
/// the fix's message; `None` when the guard cannot be lifted.
pub type Unblock = fn(&Context, usize) -> Option<(Vec<crate::edit::Edit>, String)>;

/// An [`Unblock`] that lifts nothing.
pub fn no_unblock(_: &Context, _: usize) -> Option<(Vec<crate::edit::Edit>, String)> {
    None
}

/// [`missing_cleanup`], where a RUN blocked by `spec.block_run` still gets
/// an unsafe fix when `unblock` gives the edits that lift the guard.
pub fn missing_cleanup_with(
    ctx: &Context,
    meta: &'static RuleMeta,
    spec: &MissingCleanup,
    unblock: Unblock,
) -> Vec<Diagnostic> {
    let separator = Separator::from_option(ctx.option_str("separator", "auto"));
    let mut out = Vec::new();
    for (i, ins, scripts) in runs(ctx.doc) {
        if spec.cache_dirs.iter().any(|d| cache_mount_covers(ins, d)) || (spec.skip_run)(ins) {
            continue;
        }
        let mut last: Option<(usize, &Command)> = None;
        let mut cleaned = false;
        for (k, rs) in scripts.iter().enumerate() {
            for cmd in rs.commands() {
                if (spec.fills)(cmd) {
                    last = Some((k, cmd));
                } else if (spec.cleans)(cmd) {
                    cleaned = true;
                }
            }
        }
        let Some((k, cmd)) = last else { continue };
        if cleaned {
            continue;
        }
        let command = (spec.command)(cmd);
        let blocked = if ins.sub.is_some() {
            Some("ONBUILD")
        } else {
            (spec.block_run)(ctx, i, ins)
        };
        let lifted = match blocked {
            Some(_) if ins.sub.is_none() => unblock(ctx, i),
            _ => None,
        };
        if let Some((mut edits, message)) = lifted {
            if let Ok(edit) = append_command(ctx.doc, ins, &scripts[k], &command, separator) {
                edits.insert(0, edit);
                out.push(
                    Diagnostic::new(meta, spec.message, cmd.span.clone())
                        .with_fix(Fix::unsafe_fix(message, edits)),
                );
                continue;
            }
        }
        let fix = match blocked {
            Some(reason) => Err(reason),
            None => append_command(ctx.doc, ins, &scripts[k], &command, separator),
        };
        let d = match fix {
            Ok(edit) => Diagnostic::new(meta, spec.message, cmd.span.clone())
                .with_fix(Fix::safe(format!("Append `{command}`"), vec![edit])),
            Err(reason) => Diagnostic::new(
                meta,
                format!("{} (not fixed: {reason})", spec.message),
                cmd.span.clone(),
            ),
        };
        out.push(d);
    }
    out
}

/// True when `cmd` is `rm` with an argument under one of `dirs`.
pub fn removes_under(cmd: &Command, dirs: &[&str]) -> bool {
    cmd.name_is("rm")
        && cmd.args.iter().any(|w| {
            w.value
                .as_deref()
                .is_some_and(|v| dirs.iter().any(|d| v.starts_with(d)))
        })
}

/// The value an `ENV` (or an `ARG` default) before instruction `index`
/// gives `name` in the stage of `index` or the stages it is built from;
/// `None` when no such instruction sets it.
pub fn env_before(doc: &Document, index: usize, name: &str) -> Option<String> {
    let stages = doc.stages();
    let mut own = stages
        .iter()
        .position(|s| s.instructions.contains(&index))?;
    let mut upto = index;
    loop {
        let s = &stages[own];
        for ins in doc.instructions[s.instructions.start..upto].iter().rev() {
            if ins.kind != Kind::Env {
                continue;
            }
            let words = &ins.words;
            if words.first().is_some_and(|w| !w.value().contains('=')) {
                // Legacy `ENV name value...`.
                if words[0].value() == name {
                    let rest: Vec<&str> = words[1..].iter().map(|w| w.value()).collect();
                    return Some(rest.join(" "));
                }
                continue;
            }
            for w in words.iter().rev() {
                if let Some((k, v)) = w.value().split_once('=') {
                    if k == name {
                        return Some(v.to_string());
                    }
                }
            }
        }
        // The parent stage, when the base names an earlier stage.
        let base = s.base.as_ref()?.value().to_ascii_lowercase();
        let parent = stages[..own].iter().rposition(|p| {
            p.name
                .as_ref()
                .is_some_and(|n| n.value().eq_ignore_ascii_case(&base))
                || p.index.to_string() == base
        })?;
        own = parent;
        upto = stages[parent].instructions.end;
    }
}
