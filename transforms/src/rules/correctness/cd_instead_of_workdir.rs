//! DF171: `cd` in a RUN instead of `WORKDIR`.

use dfix_grammar::shell::{Operator, PipelineElement};
use dfix_grammar::{Instruction, Kind};

use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::pkg::{indent_of_line, line_start, run_scripts_in, ScriptKind};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::shell_cmds::each_command;
use crate::style::case_like;

const DOC: &str = r#"## What it does
Finds `cd` commands in RUN (anywhere in the script: chains, `if` bodies,
subshells, heredoc scripts).

## Why is this bad?
A `cd` lasts for one RUN only: the next RUN starts in the `WORKDIR` again,
which is easy to forget, and long `cd a && … && cd b && …` chains are
hard to follow. `WORKDIR` states the directory once, for every later
instruction, and creates it when it is missing.

## Example
```dockerfile
RUN cd /app && make
```

## Fixed
```dockerfile
WORKDIR /app
RUN make
```

## Fix safety
Unsafe, and only in the one form that can be rewritten exactly:
`RUN cd /abs/dir && rest` (the `cd` first, joined by `&&`, a static
absolute directory) in a stage whose current `WORKDIR` is set by an
earlier `WORKDIR` of the stage to a static absolute path. The fix writes
`WORKDIR /abs/dir`, `RUN rest`, and `WORKDIR <previous>` to restore the
directory for the instructions after. What still changes: `WORKDIR`
creates the directory where `cd` would have failed. Everything else
(`cd` later in the script, in a subshell, after `;`, to a variable, or
with an unknown previous `WORKDIR`) is reported without a fix.

## Aliases
- hadolint: `DL3003`
- Trivy: `DS-0013` (`AVD-DS-0013`)

## References
- https://docs.docker.com/reference/dockerfile/#workdir
- https://docs.docker.com/build/building/best-practices/#workdir
"#;

/// The rule.
pub struct CdInsteadOfWorkdir;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF171",
    name: "cd-instead-of-workdir",
    aliases: &["DL3003", "DS-0013"],
    severity: Severity::Warning,
    summary: "Use `WORKDIR` to switch to a directory rather than `cd` in RUN",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

/// The static absolute `WORKDIR` in effect at instruction `index`, when an
/// earlier `WORKDIR` of its stage sets it.
fn known_workdir(ctx: &Context, index: usize) -> Option<String> {
    let stage = ctx
        .doc
        .stages()
        .iter()
        .find(|s| s.instructions.contains(&index))?;
    let ins = ctx.doc.instructions[stage.instructions.start..index]
        .iter()
        .rev()
        .find(|i| i.kind == Kind::Workdir)?;
    let dir = ins.words.first()?.value();
    (ins.words.len() == 1 && dir.starts_with('/') && !dir.contains('$')).then(|| dir.to_string())
}

/// `RUN cd /dir && rest` → `WORKDIR /dir`, `RUN rest`, `WORKDIR <previous>`.
fn workdir_fix(ctx: &Context, index: usize, ins: &Instruction) -> Option<Fix> {
    if ins.kind != Kind::Run || !ins.heredocs.is_empty() {
        return None;
    }
    let scripts = run_scripts_in(ctx.doc, ins);
    let [rs] = scripts.as_slice() else {
        return None;
    };
    if rs.kind != ScriptKind::Shell || rs.has_errors() {
        return None;
    }
    let [stmt] = rs.statements() else {
        return None;
    };
    let (first, second) = (stmt.items.first()?, stmt.items.get(1)?);
    if !matches!(first.operator_after, Some((Operator::And, _))) {
        return None;
    }
    let [PipelineElement::Command(cd)] = first.pipeline.elements.as_slice() else {
        return None;
    };
    let [dir] = cd.args.as_slice() else {
        return None;
    };
    let dir = dir.value.as_deref()?;
    let static_path =
        |d: &str| d.starts_with('/') && !d.contains(['$', '*', '?', '~', '`', '"', '\'']);
    if !cd.name_is("cd")
        || !cd.redirects.is_empty()
        || !cd.assignments.is_empty()
        || !static_path(dir)
    {
        return None;
    }
    let previous = known_workdir(ctx, index)?;
    let removed = cd.span.start..second.pipeline.span.start;
    if ins
        .inner_comments
        .iter()
        .any(|c| c.start < removed.end && removed.start < c.end)
    {
        return None;
    }
    let src = ctx.source();
    let eol = ctx.style.line_ending;
    let indent = indent_of_line(src, ins.span.start);
    let keyword = case_like("WORKDIR", &ins.keyword);
    let mut edits = vec![Edit::delete(removed)];
    if previous != dir {
        edits.push(Edit::insert(
            line_start(src, ins.span.start),
            format!("{indent}{keyword} {dir}{eol}"),
        ));
        edits.push(Edit::insert(
            ins.span.end,
            format!("{eol}{indent}{keyword} {previous}"),
        ));
    }
    Some(Fix::unsafe_fix(
        format!("Use `WORKDIR {dir}` for this RUN, then restore `{previous}`"),
        edits,
    ))
}

impl Rule for CdInsteadOfWorkdir {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let mut fixed: Vec<usize> = Vec::new();
        each_command(ctx.doc, |i, ins, cmd, _| {
            if cmd.name_is("cd") {
                // Only the first `cd` of a RUN can carry the rewrite.
                let fix = (!fixed.contains(&i))
                    .then(|| workdir_fix(ctx, i, ins))
                    .flatten()
                    .filter(|f| f.edits.iter().any(|e| e.range.start == cmd.span.start));
                if fix.is_some() {
                    fixed.push(i);
                }
                out.push(
                    Diagnostic::new(
                        &META,
                        "`cd` only lasts for this RUN: use `WORKDIR` to switch to a directory",
                        cmd.span.clone(),
                    )
                    .with_optional_fix(fix),
                );
            }
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::*;

    #[test]
    fn fixture() {
        assert_fixture(
            &META,
            "forms",
            include_str!("fixtures/cd_instead_of_workdir.Dockerfile"),
        );
    }

    #[test]
    fn cases() {
        for (src, n) in [
            ("RUN cd /usr/src/app && git pull\n", 1),
            ("RUN (cd /x && make) && cd /y\n", 2),
            ("RUN if true; then cd /x; fi\n", 1),
            ("RUN <<EOF\ncd /x\nmake\nEOF\n", 1),
            ("RUN make -C /x\n", 0),
            ("RUN echo cd /x\n", 0),
            ("RUN [\"cd\", \"/x\"]\n", 0),
            ("WORKDIR /x\n", 0),
        ] {
            assert_eq!(findings(&META, &format!("FROM a\n{src}")).len(), n, "{src}");
        }
    }

    #[test]
    fn workdir_rewrite_only_where_exact() {
        let fixed = |s: &str| fix_rule_with(&META, s, None, true);
        assert_eq!(
            fixed("FROM a\nWORKDIR /app\nRUN cd /src && make && make install\nCMD x\n"),
            "FROM a\nWORKDIR /app\nWORKDIR /src\nRUN make && make install\nWORKDIR /app\nCMD x\n"
        );
        assert_eq!(
            fixed("FROM a\nWORKDIR /app\nRUN --mount=type=cache,target=/c cd /src \\\n && make\n"),
            "FROM a\nWORKDIR /app\nWORKDIR /src\nRUN --mount=type=cache,target=/c make\nWORKDIR /app\n"
        );
        assert_eq!(
            fixed("FROM a\nWORKDIR /src\nRUN cd /src && make\n"),
            "FROM a\nWORKDIR /src\nRUN make\n"
        );
        for keep in [
            "FROM a\nRUN cd /src && make\n",
            "FROM a\nWORKDIR /app\nRUN cd src && make\n",
            "FROM a\nWORKDIR /app\nRUN cd $DIR && make\n",
            "FROM a\nWORKDIR /app\nRUN cd /src; make\n",
            "FROM a\nWORKDIR /app\nRUN make && cd /src && make\n",
            "FROM a\nWORKDIR /app\nRUN (cd /src && make)\n",
            "FROM a\nWORKDIR $HOME\nRUN cd /src && make\n",
        ] {
            assert_eq!(fixed(keep), keep);
        }
        // Safe fixes alone never rewrite.
        let src = "FROM a\nWORKDIR /app\nRUN cd /src && make\n";
        assert_eq!(fix_rule(&META, src), src);
    }
}
