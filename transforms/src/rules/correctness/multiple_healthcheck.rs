//! DF104: several `HEALTHCHECK` instructions in one stage.

use dfix_grammar::Kind;

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::helpers::earlier_duplicates;

const DOC: &str = r#"## What it does
Finds `HEALTHCHECK` instructions that a later `HEALTHCHECK` in the same stage overrides,
and removes them.

## Why is this bad?
Only the last `HEALTHCHECK` of a stage takes effect. The earlier ones are dead
code that misleads readers about what the image does.

## Example
```dockerfile
FROM nginx:1.27
HEALTHCHECK CMD curl -f http://localhost/ || exit 1
HEALTHCHECK --interval=30s CMD curl -fs http://localhost/health || exit 1
```

## Fixed
```dockerfile
FROM nginx:1.27
HEALTHCHECK --interval=30s CMD curl -fs http://localhost/health || exit 1
```

## Fix safety
Safe: the overridden instruction has no effect on the image config, so
removing it changes nothing. This includes `HEALTHCHECK NONE`: only the last one counts. `ONBUILD HEALTHCHECK` is not counted (it acts in a
later build). Comment lines above the removed instruction are kept.

Where the finding sits differs from hadolint by design: like BuildKit's
`MultipleInstructionsDisallowed`, dfix reports the overridden instructions
(all but the last `HEALTHCHECK` of a stage, where the fix acts), while hadolint's
`DL3012` reports every `HEALTHCHECK` after the first. The count per stage is the
same; matched line by line, each stage with several `HEALTHCHECK`s shows one
hadolint-only line (its last) and one dfix-only line (its first). `HEALTHCHECK`
lines before the first `FROM` belong to no stage and are not counted
(hadolint counts them): BuildKit refuses such a file, and
`first-instruction-not-from` (DF116) reports each of them.

## Aliases
- hadolint: `DL3012`
- Trivy: `DS-0023` (`AVD-DS-0023`)
- BuildKit: `MultipleInstructionsDisallowed`

## References
- https://docs.docker.com/reference/dockerfile/#healthcheck
"#;

/// The rule.
pub struct MultipleHealthcheck;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF104",
    name: "multiple-healthcheck",
    aliases: &["DL3012", "DS-0023", "MultipleInstructionsDisallowed"],
    severity: Severity::Warning,
    summary: "Only the last `HEALTHCHECK` of a stage takes effect",
    doc: DOC,
    fix: FixAvailability::Always,
    options: &[],
};

impl Rule for MultipleHealthcheck {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        earlier_duplicates(ctx, Kind::Healthcheck, &META)
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
            include_str!("fixtures/multiple_healthcheck.Dockerfile"),
        );
    }

    #[test]
    fn keeps_the_last() {
        assert_eq!(
            fix_rule(&META, "FROM a\nHEALTHCHECK NONE\nHEALTHCHECK CMD true\n"),
            "FROM a\nHEALTHCHECK CMD true\n"
        );
    }
}
