//! DF171: `cd` in a RUN instead of `WORKDIR`.

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::shell_cmds::each_command;

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
No fix: `WORKDIR` is not the same thing. It persists into every later
RUN, CMD and relative COPY of the stage and of the stages built on it, it
creates the directory where `cd` would fail, and a `cd` inside a
subshell or in the middle of a chain only applies to part of the script.
Restoring the previous `WORKDIR` after the RUN is only possible when it is
known. The rewrite is left to the author.

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
    fix: FixAvailability::None,
    options: &[],
};

impl Rule for CdInsteadOfWorkdir {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        each_command(ctx.doc, |_, _, cmd, _| {
            if cmd.name_is("cd") {
                out.push(Diagnostic::new(
                    &META,
                    "`cd` only lasts for this RUN: use `WORKDIR` to switch to a directory",
                    cmd.span.clone(),
                ));
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
}
