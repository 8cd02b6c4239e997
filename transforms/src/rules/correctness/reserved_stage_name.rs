//! DF113: a stage named `scratch` or `context`.

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::stage_names::stage_names;

const DOC: &str = r#"## What it does
Finds stages named with a word BuildKit reserves: `scratch` (the empty
base image) and `context` (the build context in `--from` and named
contexts). Names are compared case-insensitively, as BuildKit does.

## Why is this bad?
`FROM scratch` and `COPY --from=context` already mean something; a stage
with that name makes such lines ambiguous to readers and to tools.

## Example
```dockerfile
FROM alpine:3.20 AS scratch
RUN echo hi > /greeting
```

## Fixed
```dockerfile
FROM alpine:3.20 AS base
RUN echo hi > /greeting
```

## Fix safety
No fix: renaming a stage breaks `--target` and bake files that name it,
which the file does not show.

## Aliases
- hadolint: `DL3063`
- BuildKit: `ReservedStageName`

## References
- https://docs.docker.com/reference/build-checks/reserved-stage-name/
"#;

/// The rule.
pub struct ReservedStageName;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF113",
    name: "reserved-stage-name",
    aliases: &["DL3063", "ReservedStageName"],
    severity: Severity::Warning,
    summary: "Stage names should not be reserved words (`scratch`, `context`)",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

impl Rule for ReservedStageName {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        stage_names(ctx.doc)
            .into_iter()
            .filter(|n| matches!(n.key().as_str(), "scratch" | "context"))
            .map(|n| {
                Diagnostic::new(
                    &META,
                    format!(
                        "`{}` is reserved and should not name a stage",
                        n.word.value()
                    ),
                    n.word.span.clone(),
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
            "names",
            include_str!("fixtures/reserved_stage_name.Dockerfile"),
        );
    }

    #[test]
    fn reserved_words_only() {
        let n = |s: &str| findings(&META, s).len();
        assert_eq!(n("FROM a AS scratch\nFROM b AS Context\n"), 2);
        assert_eq!(n("FROM scratch AS base\nFROM scratch\n"), 0);
    }
}
