//! DF110: `COPY --from=` names no stage defined before it.

use dfix_grammar::Kind;

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::stage_names::{is_stage_index, stage_names, stage_refs, RefSite};

const DOC: &str = r#"## What it does
Finds `COPY --from=<name>` where `<name>` is not a stage defined earlier in
the file: a typo, a stage defined only later, or a stage index past the
last stage. A value with a tag or digest (`nginx:1.27`, `img@sha256:...`)
is an image and is not reported; a bare name (`nginx`) is, because it reads
as a stage name: write the image's tag to make the intent clear.

## Why is this bad?
BuildKit treats an unknown `--from` value as an image to pull: a misspelt
stage name becomes a pull of `docker.io/library/<name>:latest`, which fails
or, worse, copies from an unrelated image.

## Example
```dockerfile
FROM golang:1.22 AS build
RUN go build -o /app .

FROM alpine:3.20
COPY --from=biuld /app /app
```

## Fixed
```dockerfile
FROM golang:1.22 AS build
RUN go build -o /app .

FROM alpine:3.20
COPY --from=build /app /app
```

## Fix safety
No fix: which stage was meant is a guess.

Differences from hadolint's `DL3022`: names are compared
case-insensitively, as BuildKit does (`--from=Build` matches `AS build`;
hadolint reports it), and a value built from variables (`--from=${BASE}`)
is not reported, since only the build knows it. A reference to the
stage's own name is `DF111`'s finding.

## Aliases
- hadolint: `DL3022`

## References
- https://docs.docker.com/reference/dockerfile/#copy---from
"#;

/// The rule.
pub struct CopyFromUndefinedStage;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF110",
    name: "copy-from-undefined-stage",
    aliases: &["DL3022"],
    severity: Severity::Warning,
    summary: "`COPY --from` should name a stage defined before it",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

impl Rule for CopyFromUndefinedStage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let names = stage_names(ctx.doc);
        let stage_count = ctx.doc.stages().len();
        let mut out = Vec::new();
        for r in stage_refs(ctx.doc) {
            if r.site != RefSite::CopyFrom || ctx.doc.instructions[r.instruction].kind != Kind::Copy
            {
                continue;
            }
            let value = r.value.as_str();
            if value.contains('$') || value.contains(':') || value.contains('@') {
                continue;
            }
            if is_stage_index(value) {
                if value.parse::<usize>().is_ok_and(|n| n < stage_count) {
                    continue;
                }
                out.push(Diagnostic::new(
                    &META,
                    format!("`COPY --from={value}`: the file has no stage {value} (stages count from 0)"),
                    r.span.clone(),
                ));
                continue;
            }
            let matching: Vec<_> = names
                .iter()
                .filter(|n| n.word.value().eq_ignore_ascii_case(value))
                .collect();
            if matching.iter().any(|n| n.stage <= r.stage) {
                // Defined earlier (or the stage itself: DF111).
                continue;
            }
            let message = match matching.first() {
                Some(later) => format!(
                    "`COPY --from={value}` names a stage defined later (line {}): define it before it is used",
                    ctx.doc.instructions[later.instruction].start_line
                ),
                None => format!(
                    "`COPY --from={value}` names no stage defined before it; if it is an image, give it a tag"
                ),
            };
            out.push(Diagnostic::new(&META, message, r.span.clone()));
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
            include_str!("fixtures/copy_from_undefined_stage.Dockerfile"),
        );
    }

    #[test]
    fn stages_indices_and_images() {
        let n = |s: &str| findings(&META, s).len();
        assert_eq!(n("FROM a AS b\nFROM c\nCOPY --from=b /x /y\n"), 0);
        assert_eq!(n("FROM a AS b\nFROM c\nCOPY --from=B /x /y\n"), 0);
        assert_eq!(n("FROM a AS b\nFROM c\nCOPY --from=0 /x /y\n"), 0);
        assert_eq!(n("FROM a AS b\nFROM c\nCOPY --from=2 /x /y\n"), 1);
        assert_eq!(n("FROM a\nCOPY --from=nginx:1.27 /x /y\n"), 0);
        assert_eq!(n("FROM a\nCOPY --from=nginx@sha256:abcd /x /y\n"), 0);
        assert_eq!(n("FROM a\nCOPY --from=${BASE} /x /y\n"), 0);
        assert_eq!(n("FROM a\nCOPY --from=nginx /x /y\n"), 1);
        assert_eq!(n("FROM a\nCOPY --from=docker.io/library/nginx /x /y\n"), 1);
        assert_eq!(n("FROM a\nCOPY --from=c /x /y\nFROM b AS c\n"), 1);
        // Its own name is DF111's; ONBUILD refers to a later build's stages.
        assert_eq!(n("FROM a AS b\nCOPY --from=b /x /y\n"), 0);
        assert_eq!(n("FROM a\nONBUILD COPY --from=x /x /y\n"), 0);
        assert_eq!(n("FROM a\nRUN --mount=from=x ls\n"), 0);
    }
}
