//! DF102: several `CMD` instructions in one stage.

use dfix_grammar::Kind;

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::helpers::earlier_duplicates;

const DOC: &str = r#"## What it does
Finds `CMD` instructions that a later `CMD` in the same stage overrides,
and removes them.

## Why is this bad?
Only the last `CMD` of a stage takes effect. The earlier ones are dead
code that misleads readers about what the image does.

## Example
```dockerfile
FROM alpine:3.20
CMD ["sh"]
RUN apk add --no-cache curl
CMD ["curl", "--version"]
```

## Fixed
```dockerfile
FROM alpine:3.20
RUN apk add --no-cache curl
CMD ["curl", "--version"]
```

## Fix safety
Safe: the overridden instruction has no effect on the image config, so
removing it changes nothing. `ONBUILD CMD` is not counted (it acts in a
later build). Comment lines above the removed instruction are kept.

Where the finding sits differs from hadolint by design: like BuildKit's
`MultipleInstructionsDisallowed`, dfix reports the overridden instructions
(all but the last `CMD` of a stage, where the fix acts), while hadolint's
`DL4003` reports every `CMD` after the first. The count per stage is the
same; matched line by line, each stage with several `CMD`s shows one
hadolint-only line (its last) and one dfix-only line (its first). `CMD`
lines before the first `FROM` belong to no stage and are not counted
(hadolint counts them): BuildKit refuses such a file, and
`first-instruction-not-from` (DF116) reports each of them.

## Aliases
- hadolint: `DL4003`
- Trivy: `DS-0016` (`AVD-DS-0016`)
- BuildKit: `MultipleInstructionsDisallowed`

## References
- https://docs.docker.com/reference/dockerfile/#cmd
"#;

/// The rule.
pub struct MultipleCmd;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF102",
    name: "multiple-cmd",
    aliases: &["DL4003", "DS-0016", "MultipleInstructionsDisallowed"],
    severity: Severity::Warning,
    summary: "Only the last `CMD` of a stage takes effect",
    doc: DOC,
    fix: FixAvailability::Always,
    options: &[],
};

impl Rule for MultipleCmd {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        earlier_duplicates(ctx, Kind::Cmd, &META)
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
            include_str!("fixtures/multiple_cmd.Dockerfile"),
        );
    }

    #[test]
    fn keeps_the_last_per_stage() {
        assert_eq!(
            fix_rule(&META, "FROM a\nCMD a\nCMD b\nFROM c\nCMD d\n"),
            "FROM a\nCMD b\nFROM c\nCMD d\n"
        );
        assert_eq!(
            fix_rule(&META, "FROM a\nCMD a\nONBUILD CMD x\nCMD [\"b\"]"),
            "FROM a\nONBUILD CMD x\nCMD [\"b\"]"
        );
        assert!(findings(&META, "FROM a\nCMD a\nONBUILD CMD b\n").is_empty());
    }
}
