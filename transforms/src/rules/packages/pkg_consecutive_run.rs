//! DF315: consecutive RUN instructions that could be one.

use dfix_grammar::shell::{CompoundKind, Operator, PipelineElement};
use dfix_grammar::{Document, Kind};

use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::pkg::{line_start, runs, RunScript, ScriptKind};
use crate::rule::{Context, FixAvailability, OptionKind, OptionMeta, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds a RUN that directly follows another RUN (comment lines between them
do not count) with the same flags, where both are short: at most
`max-commands` commands each, 1 by default, as hadolint's DL3059 (a RUN
that already chains commands, `a && b` or `a; b`, was most likely split on
purpose). The fix joins the two with `&&` when at least one of them runs a
package manager (`apt-get`, `apt`, `apk`, `yum`, `dnf`, `microdnf`,
`zypper`, `pip`); `scope = "all"` merges any reported pair. Comment lines
between them are kept as comment lines inside the continuation.

## Why is this bad?
Each RUN is a layer. Package-manager RUNs in a row add layers, repeat the
index and cache handling, and let an install layer be cached apart from
the update it depends on.

## Example
```dockerfile
RUN apk add --no-cache py3-pip
RUN pip install --no-cache-dir requests
```

## Fixed
```dockerfile
RUN apk add --no-cache py3-pip && pip install --no-cache-dir requests
```

## Fix safety
Unsafe: the build cache is split differently, and a failing second half
now also reruns the first. The merge is never made (only reported) when
shell state could leak from the first RUN into the second: `cd`,
`pushd`/`popd`, `export`, `set`, `source`/`.`, `unset`, `alias`, `shopt`,
`umask`, `ulimit`, `trap`, `exec`, `eval`, `exit`, `declare`, a bare
assignment or a function definition; nor when either RUN is in exec form
or uses a heredoc, the second RUN has several statements (`a; b`), the
first ends in `&` or a shell comment, or a linter pragma comment sits
between them, nor (with the default scope) when neither RUN runs a
package manager. RUNs with different flags are not reported.

## Aliases
- hadolint: `DL3059`

## References
- https://docs.docker.com/build/building/best-practices/#minimize-the-number-of-layers
"#;

/// The rule.
pub struct ConsecutiveRun;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF315",
    name: "consecutive-run",
    aliases: &["DL3059"],
    severity: Severity::Info,
    summary: "Merge consecutive single-command RUN instructions",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[
        OptionMeta {
            name: "scope",
            kind: OptionKind::Str {
                choices: &["package-managers", "all"],
            },
            doc: "Which reported pairs the fix merges: `package-managers` (default): pairs where a RUN runs a package manager; `all`: any pair.",
        },
        OptionMeta {
            name: "max-commands",
            kind: OptionKind::Int,
            doc: "Pairs where a RUN has more commands than this are left alone (default 1, as hadolint's DL3059).",
        },
    ],
};

const STATEFUL: &[&str] = &[
    "cd", "pushd", "popd", "export", "set", "source", ".", "unset", "alias", "unalias", "shopt",
    "umask", "ulimit", "trap", "exec", "eval", "exit", "return", "declare", "typeset", "readonly",
    "local", "hash", "enable", "builtin", "shift",
];

const MANAGERS: &[&str] = &["apt-get", "apt", "apk", "yum", "dnf", "microdnf", "zypper"];

fn uses_manager(rs: &RunScript) -> bool {
    rs.commands().iter().any(|c| {
        MANAGERS.iter().any(|m| c.name_is(m))
            || c.name_str().is_some_and(|n| {
                let base = n.rsplit('/').next().unwrap_or(n);
                base.strip_prefix("pip")
                    .is_some_and(|r| r.chars().all(|ch| ch.is_ascii_digit() || ch == '.'))
                    || (base.starts_with("python")
                        && c.args.first().is_some_and(|a| a.is("-m"))
                        && c.args.get(1).is_some_and(|a| {
                            a.value.as_deref().is_some_and(|v| v.starts_with("pip"))
                        }))
            })
    })
}

fn leaks_state(rs: &RunScript) -> bool {
    let statements = rs.statements();
    let function = statements.iter().any(|s| {
        s.items.iter().any(|it| {
            it.pipeline.elements.iter().any(
                |e| matches!(e, PipelineElement::Compound(c) if c.kind == CompoundKind::Function),
            )
        })
    });
    function
        || rs.commands().iter().any(|c| {
            (c.name.is_none() && !c.assignments.is_empty()) || STATEFUL.iter().any(|s| c.name_is(s))
        })
}

fn flags_of(doc: &Document, i: usize) -> Vec<String> {
    let mut f: Vec<String> = doc.instructions[i]
        .flags
        .iter()
        .map(|f| f.raw.clone())
        .collect();
    f.sort();
    f
}

/// The text that replaces everything from the end of the first RUN's last
/// statement to the start of the second RUN's first statement.
fn joiner(ctx: &Context, a: usize, b: usize, a_end: usize) -> Result<String, &'static str> {
    let doc = ctx.doc;
    let src = doc.source();
    let (ia, ib) = (&doc.instructions[a], &doc.instructions[b]);
    // After the last statement: only `;`, blanks and continuations.
    let rest = &src[a_end..ia.span.end];
    let esc = doc.escape;
    if rest
        .chars()
        .any(|c| !matches!(c, ';' | ' ' | '\t' | '\r' | '\n') && c != esc)
    {
        return Err("the first RUN ends with a shell comment");
    }
    let mut comments = Vec::new();
    for c in &doc.comments {
        if c.span.start > ia.span.end && c.span.end <= ib.span.start {
            let t = c.text.to_ascii_lowercase();
            if t.starts_with("hadolint") || t.starts_with("dfix:") || t.starts_with("check=") {
                return Err("a linter pragma sits between the RUNs");
            }
            let start = line_start(src, c.span.start);
            comments.push(src[start..c.span.end].trim_end_matches('\r'));
        }
    }
    let eol = ctx.style.line_ending;
    let multi = src[ia.span.clone()].contains('\n') || src[ib.span.clone()].contains('\n');
    if comments.is_empty() && !multi {
        return Ok(" && ".to_string());
    }
    let indent = &ctx.style.continuation_indent;
    let mut out = String::new();
    // The operator goes where the first RUN puts its operators.
    let leading = src[ia.span.clone()]
        .lines()
        .skip(1)
        .any(|l| l.trim_start().starts_with("&&"));
    if leading {
        out.push_str(&format!(" {esc}{eol}"));
    } else {
        out.push_str(&format!(" && {esc}{eol}"));
    }
    for c in comments {
        out.push_str(c);
        out.push_str(eol);
    }
    out.push_str(indent);
    if leading {
        out.push_str("&& ");
    }
    Ok(out)
}

impl Rule for ConsecutiveRun {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let doc = ctx.doc;
        let all_scope = ctx.option_str("scope", "package-managers") == "all";
        let max = match ctx.options.get("max-commands") {
            Some(crate::rule::OptionValue::Int(n)) => usize::try_from(*n).unwrap_or(1),
            _ => 1,
        };
        let parsed = runs(doc);
        let script = |i: usize| parsed.iter().find(|(k, _, _)| *k == i).map(|(_, _, s)| s);
        let mut out = Vec::new();
        for b in 1..doc.instructions.len() {
            let a = b - 1;
            let (ia, ib) = (&doc.instructions[a], &doc.instructions[b]);
            if ia.kind != Kind::Run || ib.kind != Kind::Run || flags_of(doc, a) != flags_of(doc, b)
            {
                continue;
            }
            let (sa, sb) = (script(a), script(b));
            let count = |s: Option<&Vec<RunScript>>| {
                s.map_or(0, |v| v.iter().map(|r| r.commands().len()).sum::<usize>())
            };
            if count(sa) > max || count(sb) > max {
                continue;
            }
            let pm = sa.is_some_and(|v| v.iter().any(uses_manager))
                || sb.is_some_and(|v| v.iter().any(uses_manager));
            let message = "Consecutive RUN instructions: merge them into one layer";
            let d = Diagnostic::new(&META, message, ib.span.clone());
            // Exec form and non-POSIX shells get plan()'s own reason.
            let planned = if all_scope || pm || sa.is_none() || sb.is_none() {
                plan(ctx, a, b, sa, sb)
            } else {
                Err("neither RUN runs a package manager (`scope = \"all\"` merges them)")
            };
            out.push(match planned {
                Ok(edit) => d.with_fix(Fix::unsafe_fix("Merge into the previous RUN", vec![edit])),
                Err(reason) => Diagnostic::new(
                    &META,
                    format!("{message} (not fixed: {reason})"),
                    ib.span.clone(),
                ),
            });
        }
        out
    }
}

fn plan(
    ctx: &Context,
    a: usize,
    b: usize,
    sa: Option<&Vec<RunScript>>,
    sb: Option<&Vec<RunScript>>,
) -> Result<Edit, &'static str> {
    let (Some(sa), Some(sb)) = (sa, sb) else {
        return Err("exec form, a non-POSIX SHELL or a shell syntax error");
    };
    let (Some(ra), Some(rb)) = (sa.first(), sb.first()) else {
        return Err("empty RUN");
    };
    if sa.len() != 1
        || sb.len() != 1
        || ra.kind != ScriptKind::Shell
        || rb.kind != ScriptKind::Shell
    {
        return Err("a heredoc");
    }
    if ctx.doc.instructions[a].sub.is_some() || ctx.doc.instructions[b].sub.is_some() {
        return Err("ONBUILD");
    }
    if leaks_state(ra) {
        return Err("the first RUN changes shell state (cd, export, set, ...)");
    }
    let (stmts_a, stmts_b) = (ra.statements(), rb.statements());
    let (Some(last_a), Some(first_b)) = (stmts_a.last(), stmts_b.first()) else {
        return Err("empty RUN");
    };
    if stmts_b.len() > 1 {
        return Err("the second RUN has several statements");
    }
    if matches!(last_a.terminator(), Some((Operator::Background, _))) {
        return Err("the first RUN ends in the background");
    }
    let text = joiner(ctx, a, b, last_a.span.end)?;
    Ok(Edit::replace(last_a.span.end..first_b.span.start, text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::{OptionValue, RuleOptions};
    use crate::rules::test_support::*;

    #[test]
    fn fixture() {
        assert_fixture(
            &META,
            "forms",
            include_str!("fixtures/pkg_consecutive_run.Dockerfile"),
        );
    }

    #[test]
    fn guards() {
        for (src, why) in [
            ("RUN cd /src\nRUN pip install .\n", "shell state"),
            ("RUN export A=1\nRUN apk add --no-cache x\n", "shell state"),
            ("RUN apk add --no-cache x\nRUN [\"echo\"]\n", "exec form"),
            (
                "SHELL [\"pwsh\", \"-Command\"]\nRUN Write-Host a\nRUN Write-Host b\n",
                "non-POSIX SHELL",
            ),
            ("RUN echo a\nRUN echo b\n", "package manager"),
            ("RUN apk add --no-cache x # why\nRUN b\n", "shell comment"),
            (
                "RUN apk add --no-cache x\n# hadolint ignore=DL3018\nRUN apk add y\n",
                "pragma",
            ),
            ("RUN apk add --no-cache x\nRUN <<EOF\nb\nEOF\n", "heredoc"),
        ] {
            let src = format!("FROM a\n{src}");
            let f = findings(&META, &src);
            assert_eq!(f.len(), 1, "{src}");
            assert!(
                f[0].fix.is_none() && f[0].message.contains(why),
                "{src}: {}",
                f[0].message
            );
            assert_eq!(fix_rule_with(&META, &src, None, true), src);
        }
        for keep in [
            "RUN apk add x\nRUN --network=none make\n",
            "RUN apk add x\nENV A=1\nRUN apk add y\n",
            // hadolint's DL3059 cases: a RUN that chains commands was split
            // on purpose.
            "RUN foo && bar\nRUN foobar\n",
            "RUN foo; bar\nRUN foobar\n",
            "RUN foobar\nRUN foo && bar\n",
            "RUN foobar\nRUN foo; bar\n",
            "RUN apt-get update && apt-get install -y x\nRUN pip install y\n",
            "RUN --mount=type=secret,id=foo /foo.sh\nRUN --mount=type=secret,id=bar /bar.sh\n",
            "RUN apk add x && a && b\nRUN apk add y\n",
        ] {
            assert!(
                findings(&META, &format!("FROM a\n{keep}")).is_empty(),
                "{keep}"
            );
        }
        // Comments between do not separate; the one-command pair after a
        // chained RUN is reported.
        for (src, line) in [
            ("RUN /foo.sh\n# a comment\n# another\nRUN /bar.sh\n", 5),
            ("RUN foo && bar\nRUN foo\nRUN bar\n", 4),
            (
                "RUN --mount=type=secret,id=foo /foo.sh\nRUN --mount=type=secret,id=foo /bar.sh\n",
                3,
            ),
        ] {
            let src = format!("FROM a\n{src}");
            let f = findings(&META, &src);
            assert_eq!(f.len(), 1, "{src}");
            assert_eq!(src[..f[0].span.start].lines().count() + 1, line, "{src}");
        }
        // With a higher max-commands, the second RUN's statements guard.
        let mut o = RuleOptions::new();
        o.insert("max-commands".into(), OptionValue::Int(2));
        let src = "FROM a\nRUN apk add --no-cache x\nRUN a; b\n";
        assert_eq!(fix_rule_with(&META, src, Some(o), true), src);
        let mut o = RuleOptions::new();
        o.insert("scope".into(), OptionValue::Str("all".into()));
        assert_eq!(
            fix_rule_with(&META, "FROM a\nRUN echo a\nRUN echo b\n", Some(o), true),
            "FROM a\nRUN echo a && echo b\n"
        );
    }

    #[test]
    fn unsafe_only_crlf_backtick() {
        let src = "# escape=`\r\nFROM a\r\nRUN apk add x\r\n# then y\r\nRUN apk add y\r\n";
        assert_eq!(fix_rule(&META, src), src);
        assert_eq!(
            fix_rule_with(&META, src, None, true),
            "# escape=`\r\nFROM a\r\nRUN apk add x && `\r\n# then y\r\n    apk add y\r\n"
        );
    }
}
