//! Shared pieces of the rules that read what RUN commands do: every simple
//! command of every RUN (inside `if`/`case`/loops, `$( )`, heredoc bodies
//! run by `RUN <<EOF`), package lists of install commands, and the pinning
//! check the `packages` rules share.
//!
//! Everything works on the tree-sitter-bash model ([`dfix_grammar::shell`]);
//! words whose value depends on an expansion (`$PKGS`, `${APT_FLAGS}`) have
//! no static value and are never guessed at.

use dfix_grammar::shell::{Command, Word};
use dfix_grammar::{Document, Instruction, Kind};

use crate::diagnostic::Diagnostic;
use crate::pkg::{non_posix_shell_before, run_scripts_in};
use crate::rule::{Context, RuleMeta};

/// Calls `f` with the instruction index, the instruction, each simple
/// command of every shell-form RUN (ONBUILD RUN too), in file order, and
/// whether its script parsed cleanly. Scripts with syntax errors are still
/// read (tree-sitter recovers their commands, as hadolint's parser does),
/// but rules must not edit them (`clean` is false). RUNs after a non-POSIX
/// `SHELL` are skipped.
pub fn each_command<'d>(
    doc: &'d Document,
    mut f: impl FnMut(usize, &'d Instruction, &Command, bool),
) {
    // Whether a non-POSIX SHELL came before, kept in one pass (asking
    // `non_posix_shell_before` for each RUN is quadratic).
    let mut non_posix_before = false;
    for (i, ins) in doc.instructions.iter().enumerate() {
        let skip = non_posix_before;
        non_posix_before = non_posix_before || crate::pkg::sets_non_posix_shell(ins);
        if ins.effective().kind != Kind::Run || skip {
            continue;
        }
        for rs in run_scripts_in(doc, ins) {
            let clean = !rs.has_errors();
            for cmd in rs.commands() {
                f(i, ins, cmd, clean);
            }
        }
    }
}

/// The positional arguments after the subcommand when `cmd` is
/// `<name> <sub>` for one of `names` and `subs`; `None` otherwise.
pub fn args_after_sub<'c>(
    cmd: &'c Command,
    names: &[&str],
    value_flags: &[&str],
    subs: &[&str],
) -> Option<Vec<&'c Word>> {
    if !names.iter().any(|n| cmd.name_is(n)) {
        return None;
    }
    let positional = cmd.positional_args_with(value_flags);
    let (sub, rest) = positional.split_first()?;
    if !sub.value.as_deref().is_some_and(|v| subs.contains(&v)) {
        return None;
    }
    Some(rest.to_vec())
}

/// How one package manager's install command names its packages and what
/// counts as pinned.
pub struct PinSpec {
    /// The package words of an install command, `None` when `cmd` is not one.
    pub packages: for<'c> fn(&'c Command) -> Option<Vec<&'c Word>>,
    /// True when a package word (static value) is pinned or needs no pin.
    pub pinned: fn(&str) -> bool,
    /// The command as the message names it (`apt-get install`).
    pub what: &'static str,
    /// How to pin, for the message (`pkg=version`).
    pub how: &'static str,
}

/// Findings for every install command of `spec` with a package that is not
/// pinned (also under a PowerShell or cmd `SHELL`, when the RUN's text
/// parses as shell). A package list in a variable (`apt-get install $buildDeps`) is
/// read from the assignment earlier in the same script (`buildDeps='gcc
/// make'`) or from an `ENV` of the stage; a variable with no known
/// value is not judged.
pub fn unpinned(ctx: &Context, meta: &'static RuleMeta, spec: &PinSpec) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, ins) in ctx.doc.instructions.iter().enumerate() {
        if ins.effective().kind != Kind::Run {
            continue;
        }
        // Under PowerShell or cmd an install command line (`pip install
        // flask`) reads the same; only scripts that also parse cleanly as
        // shell are read there.
        let foreign = non_posix_shell_before(ctx.doc, i);
        for rs in &run_scripts_in(ctx.doc, ins) {
            if foreign && rs.has_errors() {
                continue;
            }
            let assigned = assignments(rs.commands());
            for cmd in rs.commands() {
                let Some(pkgs) = (spec.packages)(cmd) else {
                    continue;
                };
                let mut loose: Vec<String> = Vec::new();
                for w in pkgs {
                    let values: Vec<String> = match &w.value {
                        Some(v) => vec![v.clone()],
                        None => variable_value(ctx, i, &assigned, cmd.span.start, &w.raw)
                            .map(|v| v.split_whitespace().map(str::to_string).collect())
                            .unwrap_or_default(),
                    };
                    loose.extend(
                        values
                            .into_iter()
                            .filter(|v| !v.is_empty() && !v.starts_with('-') && !(spec.pinned)(v)),
                    );
                }
                if loose.is_empty() {
                    continue;
                }
                let names: Vec<&str> = loose.iter().map(String::as_str).collect();
                out.push(Diagnostic::new(
                    meta,
                    format!(
                        "`{}` without a version for {}: write `{}`",
                        spec.what,
                        quote_list(&names),
                        spec.how
                    ),
                    cmd.span.clone(),
                ));
            }
        }
    }
    out
}

/// Static shell assignments of a script (`deps='a b'`, `export deps=a`):
/// file offset, name, value.
fn assignments(commands: &[Command]) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    for cmd in commands {
        // Prefix assignments of a special builtin (`deps='a b' set -x`)
        // stay in the shell, as POSIX says and dash does.
        let words: Box<dyn Iterator<Item = &Word>> = match cmd.name_str() {
            None | Some(":" | "set" | "eval" | "shift") => Box::new(cmd.assignments.iter()),
            Some("export" | "readonly" | "declare" | "local" | "typeset") => {
                Box::new(cmd.assignments.iter().chain(cmd.args.iter()))
            }
            Some(_) => continue,
        };
        for w in words {
            if let Some((k, v)) = w.value.as_deref().and_then(|v| v.split_once('=')) {
                out.push((w.span.start, k.to_string(), v.to_string()));
            }
        }
    }
    out
}

/// The value of a word that is exactly one variable (`$x`, `${x}`,
/// `"$x"`): the latest static assignment before `at` in the script, else
/// the value an `ENV` of the stage gives it.
fn variable_value(
    ctx: &Context,
    index: usize,
    assigned: &[(usize, String, String)],
    at: usize,
    raw: &str,
) -> Option<String> {
    let raw = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(raw);
    let name = raw.strip_prefix('$')?;
    let name = name
        .strip_prefix('{')
        .and_then(|n| n.strip_suffix('}'))
        .unwrap_or(name);
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    assigned
        .iter()
        .rev()
        .find(|(pos, k, _)| *pos < at && k == name)
        .map(|(_, _, v)| v.clone())
        .or_else(|| crate::pkg::env_before(ctx.doc, index, name))
        .map(|v| v.trim_matches(['"', '\'']).to_string())
}

/// `a`, `b`, `c` (the first five, then a count).
pub fn quote_list(items: &[&str]) -> String {
    let mut s: Vec<String> = items.iter().take(5).map(|i| format!("`{i}`")).collect();
    if items.len() > 5 {
        s.push(format!("{} more", items.len() - 5));
    }
    s.join(", ")
}

/// The family of the external base image at the root of the stage holding
/// instruction `index` (`debian`, `rhel`, `alpine`, `busybox`, ...), when the
/// image database knows it.
pub fn base_family(ctx: &Context, index: usize) -> Option<String> {
    use crate::users::analysis::{global_args, stage_users};
    let stages = ctx.doc.stages();
    let stage = stages
        .iter()
        .position(|s| s.instructions.contains(&index))?;
    let globals = global_args(ctx.doc);
    let su = stage_users(ctx.doc, stages, stage, &globals);
    let image = su.base_image?;
    ctx.images().lookup(&image).family.map(|(name, _)| name)
}

/// File offsets of the pipes (`a | b`, `a |& b`) of a script, anywhere
/// (inside `if`, loops, subshells, `$( )`), in source order.
pub fn pipe_offsets(script: &dfix_grammar::shell::ShellScript) -> Vec<usize> {
    let mut out = Vec::new();
    // Most scripts have no pipe at all: skip the walk of their tree.
    if !script.source().text().contains('|') {
        return out;
    }
    let Some(tree) = script.tree() else {
        return out;
    };
    // Explicit stack: a hostile RUN may nest deeply.
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.kind() == "pipeline" {
            let mut cursor = node.walk();
            for child in node.children(&mut cursor) {
                if matches!(child.kind(), "|" | "|&") {
                    out.push(script.source().file_offset(child.start_byte()));
                }
            }
        }
        let mut cursor = node.walk();
        let children: Vec<_> = node.children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    out.sort_unstable();
    out
}

/// The pipelines of a script (`a | b | c`), anywhere in it, as the simple
/// command each stage starts with (`None` for a compound stage such as a
/// subshell), in order.
pub fn pipelines(script: &dfix_grammar::shell::ShellScript) -> Vec<Vec<Option<&Command>>> {
    let mut out = Vec::new();
    if !script.source().text().contains('|') {
        return out;
    }
    let Some(tree) = script.tree() else {
        return out;
    };
    let commands = script.commands();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.kind() == "pipeline" {
            let mut cursor = node.walk();
            let stages: Vec<Option<&Command>> = node
                .children(&mut cursor)
                .filter(|c| c.is_named() && c.kind() != "comment")
                .map(|c| {
                    let r = c.byte_range();
                    commands.iter().find(|cmd| cmd.text_span.start == r.start)
                })
                .collect();
            out.push(stages);
        }
        let mut cursor = node.walk();
        let children: Vec<_> = node.children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    out
}

/// Calls `f` with the instruction index and every script of every
/// shell-form RUN (ONBUILD RUN too), scripts with syntax errors included,
/// skipping RUNs after a non-POSIX `SHELL`.
pub fn each_script(doc: &Document, mut f: impl FnMut(usize, &crate::pkg::RunScript)) {
    // Whether a non-POSIX SHELL came before, kept in one pass (asking
    // `non_posix_shell_before` for each RUN is quadratic).
    let mut non_posix_before = false;
    for (i, ins) in doc.instructions.iter().enumerate() {
        let skip = non_posix_before;
        non_posix_before = non_posix_before || crate::pkg::sets_non_posix_shell(ins);
        if ins.effective().kind != Kind::Run || skip {
            continue;
        }
        for rs in run_scripts_in(doc, ins) {
            f(i, &rs);
        }
    }
}

/// The packages of an rpm-family install (`yum`, `dnf`, `microdnf`: the
/// program `names`): `install`'s arguments, and `module install`'s
/// unpinned streams (`nodejs:18` is pinned by its stream).
pub fn rpm_install_packages<'a>(cmd: &'a Command, names: &[&str]) -> Option<Vec<&'a Word>> {
    if let Some(args) = args_after_sub(cmd, names, crate::pkg::RPM_VALUE_FLAGS, &["module"]) {
        let (sub, rest) = args.split_first()?;
        if !sub.is("install") {
            return None;
        }
        return Some(
            rest.iter()
                .copied()
                .filter(|w| w.value.as_deref().is_some_and(|v| !v.contains(':')))
                .collect(),
        );
    }
    args_after_sub(cmd, names, crate::pkg::RPM_VALUE_FLAGS, &["install"])
}

/// True for an rpm package written `name-version` (a dash followed by a
/// digit), `.rpm` files, paths and URLs. hadolint 2.15 judges the same way:
/// `python3-devel` is a name, not a pin.
pub fn rpm_pinned(p: &str) -> bool {
    p.ends_with(".rpm")
        || p.contains('/')
        || p.char_indices()
            .any(|(i, c)| c == '-' && p[i + 1..].starts_with(|d: char| d.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use dfix_grammar::shell::{ShellScript, ShellSource};

    fn first(text: &str) -> Command {
        let s = ShellScript::parse(ShellSource::from_text(text, 0));
        s.commands()[0].clone()
    }

    #[test]
    fn args_after_subcommand() {
        let c = first("apt-get -o A=1 install -y curl git=1");
        let v: Vec<_> = args_after_sub(&c, &["apt-get"], crate::pkg::APT_VALUE_FLAGS, &["install"])
            .unwrap()
            .into_iter()
            .filter_map(|w| w.value.clone())
            .collect();
        assert_eq!(v, ["curl", "git=1"]);
        assert!(args_after_sub(&c, &["apt-get"], &[], &["remove"]).is_none());
        assert!(args_after_sub(&c, &["apk"], &[], &["install"]).is_none());
    }

    #[test]
    fn lists_are_capped() {
        assert_eq!(quote_list(&["a", "b"]), "`a`, `b`");
        assert_eq!(
            quote_list(&["a", "b", "c", "d", "e", "f", "g"]),
            "`a`, `b`, `c`, `d`, `e`, 2 more"
        );
    }
}
