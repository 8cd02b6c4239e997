//! DF240: `sudo` in a RUN.

use dfix_grammar::shell::Command;

use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::shell_cmds::each_command;
use crate::users::analysis::{global_args, is_root, stage_users, Event, UserValue};

const DOC: &str = r#"## What it does
Finds `sudo` commands in RUN.

## Why is this bad?
`sudo` is meant for interactive sessions: it may ask for a password,
needs a TTY under some configurations, resets the environment and `PATH`,
and puts a set-uid binary in the image. A build step runs as the `USER`
of the Dockerfile; switch with `USER root` … `USER app` around the steps
that need root, and use `gosu`/`su-exec` to drop privileges at run time.

## Example
```dockerfile
USER root
RUN sudo apt-get update
```

## Fixed
```dockerfile
USER root
RUN apt-get update
```

## Fix safety
Unsafe, and only offered when the step provably runs as root (the last
`USER` before it in the stage, or a stage it is built from, is `root` or
`0`) and `sudo` has no options and no `VAR=value` arguments: then `sudo`
only resets the environment, which the fix stops doing (the command now
sees the image's `ENV` and `PATH`). Otherwise the finding has no fix.

## Aliases
- hadolint: `DL3004`
- Trivy: `DS-0010` (`AVD-DS-0010`)
- Checkov: `CKV2_DOCKER_1`

## References
- https://docs.docker.com/build/building/best-practices/#user
- https://github.com/tianon/gosu
"#;

/// The rule.
pub struct SudoInRun;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF240",
    name: "sudo-in-run",
    aliases: &["DL3004", "DS-0010", "CKV2_DOCKER_1"],
    severity: Severity::Error,
    summary: "Do not use `sudo` in RUN: switch with `USER`, drop privileges with gosu",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

/// True when the last `USER` before instruction `index`, along the chain of
/// stages, is root.
fn root_at(ctx: &Context, index: usize) -> bool {
    let stages = ctx.doc.stages();
    let Some(stage) = stages.iter().position(|s| s.instructions.contains(&index)) else {
        return false;
    };
    let su = stage_users(ctx.doc, stages, stage, &global_args(ctx.doc));
    su.events
        .iter()
        .rev()
        .filter(|(i, _)| *i < index)
        .find_map(|(_, e)| match e {
            Event::User(u) => Some(matches!(u, UserValue::Known(name) if is_root(name))),
            Event::Created(_) => None,
        })
        .unwrap_or(false)
}

/// The edit removing `sudo ` when it is a plain prefix.
fn removal(ctx: &Context, cmd: &Command) -> Option<Edit> {
    let name = cmd.name.as_ref()?;
    let next = cmd.args.first()?;
    let v = next.value.as_deref()?;
    if v.starts_with('-') || v.contains('=') || !cmd.assignments.is_empty() {
        return None;
    }
    let gap = ctx.source().get(name.span.end..next.span.start)?;
    if !name.contiguous || gap.is_empty() || !gap.chars().all(|c| c == ' ' || c == '\t') {
        return None;
    }
    Some(Edit::delete(name.span.start..next.span.start))
}

impl Rule for SudoInRun {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        each_command(ctx.doc, |i, ins, cmd, clean| {
            if !cmd.name_is("sudo") {
                return;
            }
            let fix = (clean && ins.kind == dfix_grammar::Kind::Run && root_at(ctx, i))
                .then(|| removal(ctx, cmd))
                .flatten()
                .map(|e| Fix::unsafe_fix("Remove `sudo` (the step already runs as root)", vec![e]));
            out.push(
                Diagnostic::new(
                    &META,
                    "`sudo` in a build step: use `USER` to switch users",
                    cmd.span.clone(),
                )
                .with_optional_fix(fix),
            );
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
            include_str!("fixtures/sudo_in_run.Dockerfile"),
        );
    }

    #[test]
    fn cases() {
        for (src, n) in [
            ("RUN sudo apt-get update\n", 1),
            ("RUN if true; then sudo make install; fi\n", 1),
            ("RUN apt-get install -y sudo\n", 0),
            ("RUN echo sudo\n", 0),
        ] {
            assert_eq!(findings(&META, &format!("FROM a\n{src}")).len(), n, "{src}");
        }
    }

    #[test]
    fn fix_only_when_root_is_proven() {
        let fixed = |s: &str| fix_rule_with(&META, s, None, true);
        assert_eq!(
            fixed("FROM a\nUSER root\nRUN sudo make install\n"),
            "FROM a\nUSER root\nRUN make install\n"
        );
        assert_eq!(
            fixed("FROM a AS b\nUSER 0\nFROM b\nRUN sudo make install\n"),
            "FROM a AS b\nUSER 0\nFROM b\nRUN make install\n"
        );
        for keep in [
            "FROM a\nRUN sudo make install\n",
            "FROM a\nUSER root\nUSER app\nRUN sudo make install\n",
            "FROM a\nUSER root\nRUN sudo -u app make\n",
            "FROM a\nUSER root\nRUN sudo FOO=1 make\n",
            "FROM a\nUSER root\nRUN X=1 sudo make\n",
            "FROM a\nUSER $U\nRUN sudo make\n",
        ] {
            assert_eq!(fixed(keep), keep);
        }
        // Safe fixes alone never touch it.
        let src = "FROM a\nUSER root\nRUN sudo make install\n";
        assert_eq!(fix_rule(&META, src), src);
    }
}
