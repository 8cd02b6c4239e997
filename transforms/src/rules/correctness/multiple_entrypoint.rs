//! DF103: several `ENTRYPOINT` instructions in one stage.

use dfix_grammar::Kind;

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::helpers::earlier_duplicates;

const DOC: &str = r#"## What it does
Finds `ENTRYPOINT` instructions that a later `ENTRYPOINT` in the same stage overrides,
and removes them.

## Why is this bad?
Only the last `ENTRYPOINT` of a stage takes effect. The earlier ones are dead
code that misleads readers about what the image does.

## Example
```dockerfile
FROM alpine:3.20
ENTRYPOINT ["sh"]
ENTRYPOINT ["/entrypoint.sh"]
```

## Fixed
```dockerfile
FROM alpine:3.20
ENTRYPOINT ["/entrypoint.sh"]
```

## Fix safety
Safe: the overridden instruction has no effect on the image config, so
removing it changes nothing. An `ENTRYPOINT` resets a `CMD` inherited from the base image only when the stage has set no `CMD` before it; removing an earlier `ENTRYPOINT` does not change whether `CMD` was set, so the final `CMD` is the same. `ONBUILD ENTRYPOINT` is not counted (it acts in a
later build). Comment lines above the removed instruction are kept.

Where the finding sits differs from hadolint by design: like BuildKit's
`MultipleInstructionsDisallowed`, dfix reports the overridden instructions
(all but the last `ENTRYPOINT` of a stage, where the fix acts), while hadolint's
`DL4004` reports every `ENTRYPOINT` after the first. The count per stage is the
same; matched line by line, each stage with several `ENTRYPOINT`s shows one
hadolint-only line (its last) and one dfix-only line (its first). `ENTRYPOINT`
lines before the first `FROM` belong to no stage and are not counted
(hadolint counts them): BuildKit refuses such a file, and
`first-instruction-not-from` (DF116) reports each of them.

## Aliases
- hadolint: `DL4004`
- Trivy: `DS-0007` (`AVD-DS-0007`)
- BuildKit: `MultipleInstructionsDisallowed`

## References
- https://docs.docker.com/reference/dockerfile/#entrypoint
"#;

/// The rule.
pub struct MultipleEntrypoint;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF103",
    name: "multiple-entrypoint",
    aliases: &["DL4004", "DS-0007", "MultipleInstructionsDisallowed"],
    severity: Severity::Warning,
    summary: "Only the last `ENTRYPOINT` of a stage takes effect",
    doc: DOC,
    fix: FixAvailability::Always,
    options: &[],
};

impl Rule for MultipleEntrypoint {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        earlier_duplicates(ctx, Kind::Entrypoint, &META)
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
            "stages",
            include_str!("fixtures/multiple_entrypoint.Dockerfile"),
        );
    }

    #[test]
    fn keeps_the_last() {
        assert_eq!(
            fix_rule(&META, "FROM a\nENTRYPOINT a\nCMD x\nENTRYPOINT [\"b\"]\n"),
            "FROM a\nCMD x\nENTRYPOINT [\"b\"]\n"
        );
    }
}
