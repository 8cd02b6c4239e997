//! DF252: images named without a tag or digest.

use dfix_grammar::image_ref::ImageRef;

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::image_refs::image_uses;

const DOC: &str = r#"## What it does
Checks for images named without a tag or a digest (`FROM ubuntu`), in
`FROM`, `COPY --from=` and `RUN --mount=...,from=`, and in the default of a
global `ARG` that a `FROM` reads whole (`ARG BASE=ubuntu` + `FROM
${BASE}`). `scratch` and the names of earlier stages are not images.

## Why is this bad?
Without a tag the image is `latest`: whatever was pushed last. A rebuild
can silently jump a major version, and nothing in the Dockerfile says
which version it was written for.

## Example
```dockerfile
FROM ubuntu
```

## Fixed
```dockerfile
FROM ubuntu:24.04
```

## Fix safety
No automatic fix: only the author knows which version to choose (writing
`:latest` would say nothing new). An explicit `:latest` is DF251's.

Where dfix and hadolint's DL3006 differ, on purpose: hadolint only looks
at `FROM`, and flags references that are not image names at all
(template placeholders such as `FROM %%BASE%%` or `FROM PLACEHOLDER`,
which BuildKit rejects) and references built from variables whose value
dfix cannot see (`FROM base-${TARGETARCH}` usually names a stage); dfix
reports neither, and resolves a global `ARG` default that hadolint does
not read.

## Aliases
- hadolint: `DL3006`

## References
- https://docs.docker.com/build/building/best-practices/#from
- https://docs.docker.com/reference/dockerfile/#from
"#;

/// The rule.
pub struct UntaggedImage;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF252",
    name: "untagged-image",
    aliases: &["DL3006"],
    severity: Severity::Warning,
    summary: "Images should name a tag",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

impl Rule for UntaggedImage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let (uses, _) = image_uses(ctx.doc);
        uses.into_iter()
            .filter_map(|u| {
                let r = ImageRef::parse(&u.reference).ok()?;
                (r.tag().is_none() && r.digest().is_none()).then(|| {
                    Diagnostic::new(
                        &META,
                        format!(
                            "`{}` has no tag: it means whatever `latest` is at build time",
                            u.reference
                        ),
                        u.span,
                    )
                })
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
            "forms",
            include_str!("fixtures/untagged_image.Dockerfile"),
        );
    }

    #[test]
    fn hadolint_cases() {
        for catch in ["FROM debian\n", "FROM debian AS builder\n"] {
            assert_eq!(findings(&META, catch).len(), 1, "{catch}");
        }
        for keep in [
            "FROM ruby@sha256:1111111111111111111111111111111111111111111111111111111111111111\n",
            "FROM ruby:2\n",
            "FROM ${VALUE}\n",
            "FROM scratch\n",
            "FROM alpine:latest\n",
            "FROM golang:1.9.3-alpine3.7 AS build\nRUN foo\nFROM build as unit-test\nRUN bar\nFROM alpine:3.7\n",
            // Not image references: template placeholders, stage names
            // built from variables.
            "FROM %%BASE%%\n",
            "FROM PLACEHOLDER\n",
            "FROM a:1 AS base-amd64\nFROM base-${TARGETARCH}\n",
        ] {
            assert!(findings(&META, keep).is_empty(), "{keep}");
        }
        let f = findings(
            &META,
            "FROM golang:1.9.3-alpine3.7 AS build\nRUN foo\nFROM node as unit-test\nRUN bar\nFROM alpine:3.7\n",
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("`node`"));
    }
}
