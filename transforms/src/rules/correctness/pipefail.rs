//! DF170: a RUN with a pipe and no `pipefail`.

use dfix_grammar::{Document, Form, Kind};

use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::pkg::run_scripts_in;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::shell_cmds::{base_family, pipe_offsets};
use crate::style::case_like;

const DOC: &str = r#"## What it does
Finds shell-form RUNs with a pipe (`curl … | tar x`, also inside `if`,
loops and `$( )`) when the shell does not run with `-o pipefail`.

## Why is this bad?
A pipeline's status is the status of its last command: in
`RUN wget -O - https://example.com/x.tgz | tar xz` a failed download
gives `tar` an empty input, and depending on `tar` the step may pass and
the image ship without the files. With `pipefail` the first failing
command fails the step.

## Example
```dockerfile
FROM debian:bookworm
RUN curl -fsSL https://example.com/install.sh | bash
```

## Fixed
```dockerfile
FROM debian:bookworm
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN curl -fsSL https://example.com/install.sh | bash
```

Nothing is reported after a `SHELL` that runs `bash`, `zsh`, `ash` or
`ksh` with `-o pipefail` (`-eo pipefail` too), after a non-POSIX `SHELL`
(PowerShell, cmd), and, unlike hadolint, when the script itself runs
`set -o pipefail` (`set -euo pipefail`) as a top-level command before the
pipe: either the shell supports it and pipes fail, or `set` fails and
stops the script. A `SHELL` set in a stage carries over to the stages
built `FROM` it (hadolint forgets it at every `FROM`).

## Fix safety
Unsafe, and only offered when the stage has no `SHELL` and its base image
is known to ship the shell: the fix inserts
`SHELL ["/bin/bash", "-o", "pipefail", "-c"]` before the first such RUN
of the stage for Debian, Ubuntu and RHEL-family bases, and
`SHELL ["/bin/ash", "-o", "pipefail", "-c"]` for Alpine and BusyBox. It
switches every later RUN of the stage (and the stages built on it) to
that shell, and pipelines that used to pass may now fail: that is the
point, but it is a change of behaviour. For other bases there is no fix.

## Aliases
- hadolint: `DL4006`

## References
- https://www.gnu.org/software/bash/manual/bash.html#Pipelines
- https://docs.docker.com/reference/dockerfile/#shell
"#;

/// The rule.
pub struct Pipefail;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF170",
    name: "pipe-without-pipefail",
    aliases: &["DL4006"],
    severity: Severity::Warning,
    summary: "Set `-o pipefail` in `SHELL` before a RUN with a pipe",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

/// What the `SHELL` in effect says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ShellState {
    /// No `SHELL`: `/bin/sh -c`.
    Default,
    /// A POSIX shell without pipefail.
    NoPipefail,
    /// A shell with `-o pipefail`.
    Pipefail,
    /// PowerShell, cmd, or something else: not our business.
    Other,
}

fn shell_state(argv: &[String]) -> ShellState {
    let Some(exe) = argv.first() else {
        return ShellState::Other;
    };
    let base = exe.rsplit(['/', '\\']).next().unwrap_or(exe);
    if !matches!(
        base,
        "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh" | "busybox"
    ) {
        return ShellState::Other;
    }
    let pipefail = matches!(base, "bash" | "zsh" | "ash" | "ksh")
        && argv.windows(2).any(|w| {
            w[0].starts_with('-')
                && !w[0].starts_with("--")
                && w[0].contains('o')
                && w[1] == "pipefail"
        });
    if pipefail {
        ShellState::Pipefail
    } else {
        ShellState::NoPipefail
    }
}

/// The `SHELL` state at the end of each stage, following `FROM <stage>`.
fn stage_states(doc: &Document) -> Vec<(ShellState, Vec<usize>)> {
    let stages = doc.stages();
    let mut out: Vec<(ShellState, Vec<usize>)> = Vec::new();
    for s in stages {
        let parent = s.base.as_ref().and_then(|b| {
            let b = b.value();
            stages[..s.index]
                .iter()
                .rev()
                .find(|p| {
                    p.name
                        .as_ref()
                        .is_some_and(|n| n.value().eq_ignore_ascii_case(b))
                })
                .map(|p| p.index)
        });
        let mut state = parent.map_or(ShellState::Default, |p| out[p].0);
        let mut offending = Vec::new();
        for i in s.instructions.clone() {
            let ins = &doc.instructions[i];
            match ins.kind {
                Kind::Shell => {
                    state = match &ins.form {
                        Form::Exec(argv) => shell_state(argv),
                        Form::Shell => ShellState::Other,
                    }
                }
                Kind::Run
                    if matches!(state, ShellState::Default | ShellState::NoPipefail)
                        && unprotected_pipe(doc, i) =>
                {
                    offending.push(i);
                }
                _ => {}
            }
        }
        out.push((state, offending));
    }
    out
}

/// True when the RUN has a pipe that no earlier top-level
/// `set -o pipefail` of its script covers.
fn unprotected_pipe(doc: &Document, index: usize) -> bool {
    let ins = &doc.instructions[index];
    run_scripts_in(doc, ins).iter().any(|rs| {
        let pipes = pipe_offsets(&rs.script);
        let Some(&first) = pipes.first() else {
            return false;
        };
        let set_at = rs.statements().iter().find_map(|st| {
            st.commands()
                .find(|c| {
                    c.name_is("set")
                        && c.args.windows(2).any(|w| {
                            w[0].value.as_deref().is_some_and(|v| {
                                v.starts_with('-') && !v.starts_with("--") && v.contains('o')
                            }) && w[1].is("pipefail")
                        })
                })
                .map(|c| c.span.start)
        });
        set_at.is_none_or(|at| at > first)
    })
}

impl Rule for Pipefail {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let doc = ctx.doc;
        let stages = doc.stages();
        let mut out = Vec::new();
        for (si, (_, offending)) in stage_states(doc).into_iter().enumerate() {
            // A SHELL anywhere before the first offending RUN in this stage
            // or its parents: never write a second one.
            let shell_seen = |upto: usize| {
                let mut at = Some(si);
                while let Some(s) = at {
                    let st = &stages[s];
                    if st
                        .instructions
                        .clone()
                        .any(|i| i < upto && doc.instructions[i].kind == Kind::Shell)
                    {
                        return true;
                    }
                    at = st.base.as_ref().and_then(|b| {
                        stages[..s]
                            .iter()
                            .rev()
                            .find(|p| {
                                p.name
                                    .as_ref()
                                    .is_some_and(|n| n.value().eq_ignore_ascii_case(b.value()))
                            })
                            .map(|p| p.index)
                    });
                }
                false
            };
            for (k, &i) in offending.iter().enumerate() {
                let ins = &doc.instructions[i];
                let d = Diagnostic::new(
                    &META,
                    "RUN with a pipe: without `-o pipefail` only the last command's failure fails the step",
                    ins.span.clone(),
                );
                let fix = (k == 0 && !shell_seen(i))
                    .then(|| shell_line(ctx, i))
                    .flatten()
                    .map(|line| {
                        let start = crate::pkg::line_start(ctx.source(), ins.span.start);
                        let indent = crate::pkg::indent_of_line(ctx.source(), ins.span.start);
                        Fix::unsafe_fix(
                            "Insert a `SHELL` with `-o pipefail` before this RUN",
                            vec![Edit::insert(
                                start,
                                format!("{indent}{line}{}", ctx.style.line_ending),
                            )],
                        )
                    });
                out.push(d.with_optional_fix(fix));
            }
        }
        out
    }
}

/// The `SHELL` line for the stage's base, when its shell is known.
fn shell_line(ctx: &Context, index: usize) -> Option<String> {
    let argv = match base_family(ctx, index)?.as_str() {
        "debian" | "rhel" => r#"["/bin/bash", "-o", "pipefail", "-c"]"#,
        "alpine" | "busybox" => r#"["/bin/ash", "-o", "pipefail", "-c"]"#,
        _ => return None,
    };
    let keyword = case_like("SHELL", &ctx.doc.instructions[index].keyword);
    Some(format!("{keyword} {argv}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::*;

    #[test]
    fn fixture() {
        assert_fixture(&META, "forms", include_str!("fixtures/pipefail.Dockerfile"));
    }

    #[test]
    fn catches() {
        for case in [
            "FROM scratch\nRUN wget -O - https://some.site | wc -l > /number\n",
            "FROM a\nSHELL [\"/bin/sh\", \"-o\", \"pipefail\", \"-c\"]\nRUN a | b\n",
            "FROM a\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN a\nFROM b\nRUN a | b\n",
            "FROM a\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nSHELL [\"/bin/sh\", \"-c\"]\nRUN a | b\n",
            "FROM a\nRUN if true; then a | b; fi\n",
            "FROM a\nRUN x=$(a | b)\n",
            "FROM a\nRUN a | b; set -o pipefail\n",
            "FROM a\nRUN <<EOF\na | b\nEOF\n",
        ] {
            assert_eq!(findings(&META, case).len(), 1, "{case}");
        }
    }

    #[test]
    fn spares() {
        for case in [
            "FROM a\nRUN wget -O - https://some.site && wc -l file > /number\n",
            "FROM a\nSHELL [\"/bin/bash\", \"-eo\", \"pipefail\", \"-c\"]\nRUN a | b\n",
            "FROM a\nSHELL [\"/bin/bash\", \"-e\", \"-o\", \"pipefail\", \"-c\"]\nRUN a | b\n",
            "FROM a\nSHELL [\"/bin/bash\", \"-o\", \"errexit\", \"-o\", \"pipefail\", \"-c\"]\nRUN a | b\n",
            "FROM a\nSHELL [\"/usr/local/bin/zsh\", \"-o\", \"pipefail\", \"-c\"]\nRUN a | b\n",
            "FROM a\nSHELL [\"pwsh\", \"-c\"]\nRUN Get-Variable PSVersionTable | Select-Object -ExpandProperty Value\n",
            "FROM a\nSHELL [\"cmd.exe\", \"/c\"]\nRUN a | b\n",
            "FROM a\nRUN set -euo pipefail; a | b\n",
            "FROM a\nRUN set -o pipefail && a | b\n",
            "FROM a AS base\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nFROM base\nRUN a | b\n",
            "FROM a\nRUN a || b\n",
            "FROM a\nRUN [\"sh\", \"-c\", \"a | b\"]\n",
        ] {
            assert!(findings(&META, case).is_empty(), "{case}");
        }
    }

    #[test]
    fn fix_needs_a_known_shell() {
        // Unknown base: finding without a fix.
        let src = "FROM example.com/custom\nRUN a | b\n";
        assert_eq!(fix_rule_with(&META, src, None, true), src);
        // A SHELL already set (even without pipefail): no second one.
        let src = "FROM debian:12\nSHELL [\"/bin/sh\", \"-c\"]\nRUN a | b\n";
        assert_eq!(fix_rule_with(&META, src, None, true), src);
        assert_eq!(
            fix_rule_with(&META, "FROM alpine:3.19\nRUN a | b\nRUN c | d\n", None, true),
            "FROM alpine:3.19\nSHELL [\"/bin/ash\", \"-o\", \"pipefail\", \"-c\"]\nRUN a | b\nRUN c | d\n"
        );
        assert_eq!(
            fix_rule_with(&META, "from debian:12\nrun a | b\n", None, false),
            "from debian:12\nrun a | b\n"
        );
        assert_eq!(
            fix_rule_with(&META, "from debian:12\nrun a | b\n", None, true),
            "from debian:12\nshell [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nrun a | b\n"
        );
    }
}
