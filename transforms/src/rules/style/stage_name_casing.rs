//! DF006: stage names should be lower case.

use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::stage_names::{stage_names, stage_refs};

const DOC: &str = r#"## What it does
Finds stage names with upper-case letters (`FROM golang AS Build`) and
lower-cases the name where it is defined and everywhere it is referred to:
`FROM <stage>`, `COPY --from=<stage>` and `RUN --mount=...,from=<stage>`.

## Why is this bad?
BuildKit lower-cases stage names when it reads them, so `Build`, `build`
and `BUILD` are the same stage. Writing them in several casings suggests
they are different; BuildKit's `StageNameCasing` check warns about it.

## Example
```dockerfile
FROM golang:1.22 AS Build
RUN go build -o /app .

FROM alpine:3.20
COPY --from=Build /app /app
```

## Fixed
```dockerfile
FROM golang:1.22 AS build
RUN go build -o /app .

FROM alpine:3.20
COPY --from=build /app /app
```

## Fix safety
Safe: BuildKit looks stage names up lower-cased, so the build is the same.
A name written in quotes is reported without a fix; references written
through quotes or variables are left as they are (they still match). `ONBUILD` instructions are not touched: they refer to the
stages of a later build. `docker build --target Build` also keeps working,
since the target is lower-cased too.

## Aliases
- BuildKit: `StageNameCasing`

## References
- https://docs.docker.com/reference/build-checks/stage-name-casing/
"#;

/// The rule.
pub struct StageNameCasing;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF006",
    name: "stage-name-casing",
    aliases: &["StageNameCasing"],
    severity: Severity::Style,
    summary: "Stage names should be lower case",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

impl Rule for StageNameCasing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let source = ctx.source();
        let refs = stage_refs(ctx.doc);
        let mut out = Vec::new();
        for name in stage_names(ctx.doc) {
            let written = name.word.value();
            if !written.chars().any(|c| c.is_ascii_uppercase()) {
                continue;
            }
            let lower = written.to_ascii_lowercase();
            let mut edits = Vec::new();
            if name.word.raw == name.word.unquoted
                && source.get(name.word.span.clone()) == Some(name.word.raw.as_str())
            {
                edits.push(Edit::replace(name.word.span.clone(), lower.clone()));
            }
            // References after the definition that name this stage (a FROM
            // before it names an image, not this stage).
            for r in refs.iter().filter(|r| {
                r.instruction > name.instruction
                    && r.value.eq_ignore_ascii_case(written)
                    && r.value != lower
            }) {
                if let Some(span) = &r.literal_span {
                    edits.push(Edit::replace(span.clone(), lower.clone()));
                }
            }
            let diag = Diagnostic::new(
                &META,
                format!("Stage name `{written}` should be lower case"),
                name.word.span.clone(),
            );
            out.push(if edits.is_empty() {
                diag
            } else {
                diag.with_fix(Fix::safe(format!("Rename the stage `{lower}`"), edits))
            });
        }
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
            "references",
            include_str!("fixtures/stage_name_casing.Dockerfile"),
        );
    }

    #[test]
    fn lowercases_definition_and_references() {
        assert_eq!(
            fix_rule(
                &META,
                "FROM a AS Base\nRUN --mount=from=BASE,target=/x ls\nFROM Base AS b\nCOPY --from=base /a /b\nCOPY --from=Base /c /d\n"
            ),
            "FROM a AS base\nRUN --mount=from=base,target=/x ls\nFROM base AS b\nCOPY --from=base /a /b\nCOPY --from=base /c /d\n"
        );
        // A FROM before the definition names an image, and ONBUILD belongs
        // to a later build.
        assert_eq!(
            fix_rule(&META, "FROM x AS X\nONBUILD COPY --from=X / /\n"),
            "FROM x AS x\nONBUILD COPY --from=X / /\n"
        );
        assert!(findings(&META, "FROM a AS base\nCOPY --from=Base / /x\n").is_empty());
        assert!(findings(&META, "FROM a\n").is_empty());
    }
}
