//! DF111: `COPY --from=` names the stage it is in.

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::stage_names::{stage_names, stage_refs, RefSite};

const DOC: &str = r#"## What it does
Finds `COPY --from=<stage>` inside that same stage, by name or by index.

## Why is this bad?
A stage cannot copy from itself: BuildKit fails with a circular dependency.
The author usually meant an earlier stage or the build context.

## Example
```dockerfile
FROM golang:1.22 AS build
COPY --from=build /src /src
```

## Fixed
```dockerfile
FROM golang:1.22 AS build
COPY . /src
```

## Fix safety
No fix: what was meant is a guess.

Names are compared case-insensitively, as BuildKit does (hadolint's
`DL3023` compares them exactly), and `--from=<index>` of the stage itself
is reported too.

## Aliases
- hadolint: `DL3023`
- Trivy: `DS-0006` (`AVD-DS-0006`)

## References
- https://docs.docker.com/reference/dockerfile/#copy---from
"#;

/// The rule.
pub struct CopyFromOwnStage;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF111",
    name: "copy-from-own-stage",
    aliases: &["DL3023", "DS-0006"],
    severity: Severity::Error,
    summary: "`COPY --from` cannot name its own stage",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

impl Rule for CopyFromOwnStage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let names = stage_names(ctx.doc);
        stage_refs(ctx.doc)
            .into_iter()
            .filter(|r| r.site == RefSite::CopyFrom)
            .filter(|r| {
                r.value.parse::<usize>().is_ok_and(|i| i == r.stage)
                    || names.iter().any(|n| {
                        n.stage == r.stage && n.word.value().eq_ignore_ascii_case(&r.value)
                    })
            })
            .map(|r| {
                Diagnostic::new(
                    &META,
                    format!("`COPY --from={}` names the stage it is in", r.value),
                    r.span.clone(),
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
            "self",
            include_str!("fixtures/copy_from_own_stage.Dockerfile"),
        );
    }

    #[test]
    fn own_name_or_index() {
        let n = |s: &str| findings(&META, s).len();
        assert_eq!(n("FROM a AS b\nCOPY --from=b /x /y\n"), 1);
        assert_eq!(n("FROM a AS b\nCOPY --from=B /x /y\n"), 1);
        assert_eq!(n("FROM a\nCOPY --from=0 /x /y\n"), 1);
        assert_eq!(
            n("FROM a AS b\nFROM c\nCOPY --from=b /x /y\nCOPY --from=0 /x /y\n"),
            0
        );
        assert_eq!(n("FROM a AS b\nONBUILD COPY --from=b /x /y\n"), 0);
    }
}
