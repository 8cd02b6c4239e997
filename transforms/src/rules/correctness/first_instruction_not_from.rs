//! DF116: an instruction other than `ARG` before the first `FROM`.

use dfix_grammar::Kind;

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds instructions before the first `FROM` other than `ARG`. Parser
directives (`# syntax=`, `# escape=`, `# check=`), comments and empty lines
may come first; so may `ARG`, which declares the global arguments `FROM`
lines can use.

## Why is this bad?
BuildKit refuses the file: every other instruction needs a build stage,
and there is none before the first `FROM` (`no build stage in current
context`). Often the `FROM` line was lost, or a block was pasted above it.

## Example
```dockerfile
ENV LANG=C.UTF-8
FROM debian:12
```

## Fixed
```dockerfile
FROM debian:12
ENV LANG=C.UTF-8
```

## Fix safety
No fix: where the instruction belongs is a guess.

Every such instruction is reported, as hadolint does, also in a file
without any `FROM`.

## Aliases
- hadolint: `DL3061`

## References
- https://docs.docker.com/reference/dockerfile/#format
"#;

/// The rule.
pub struct FirstInstructionNotFrom;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF116",
    name: "first-instruction-not-from",
    aliases: &["DL3061"],
    severity: Severity::Error,
    summary: "A Dockerfile must begin with `FROM` or `ARG`",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

impl Rule for FirstInstructionNotFrom {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        ctx.doc
            .instructions
            .iter()
            .take_while(|i| i.kind != Kind::From)
            .filter(|i| i.kind != Kind::Arg)
            .map(|i| {
                Diagnostic::new(
                    &META,
                    format!(
                        "`{}` before the first `FROM`: only `ARG` may come before it",
                        i.keyword
                    ),
                    i.keyword_span.clone(),
                )
            })
            .collect()
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
            "order",
            include_str!("fixtures/first_instruction_not_from.Dockerfile"),
        );
    }

    #[test]
    fn only_arg_before_from() {
        let n = |s: &str| findings(&META, s).len();
        assert_eq!(
            n("# syntax=docker/dockerfile:1\n# hi\n\nARG X\nFROM a\nENV A=1\n"),
            0
        );
        assert_eq!(n("ENV X=1\nFROM a\n"), 1);
        assert_eq!(n("ARG X\nLABEL a=b\nRUN x\nFROM a\n"), 2);
        assert_eq!(n("CMD a\nCMD b\n"), 2);
        assert_eq!(n(""), 0);
    }
}
