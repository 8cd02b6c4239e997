//! DF263: images that are deprecated or past end of life.

use dfix_grammar::image_ref::ImageRef;

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::image_refs::image_uses;

const DOC: &str = r#"## What it does
Finds images that no longer get updates: deprecated images (`openjdk`,
which publishes only early-access builds; distroless `-debian12` and older
images, whose support ended), official language images whose version is
past its end of life (`python:3.8`, `node:20`, `ruby:3.1`, `golang:1.22`),
and official images on a Debian suite past its long-term support
(`debian:bullseye`, `python:3.11-bullseye`). The finding names the
replacement. Dates are data (`transforms/data/bases.toml`, with the date
the facts were read; extendable under `[bases]` in `dfix.toml`) and
compared with today's date.

## Why is this bad?
An image past its end of life gets no security fixes: every vulnerability
found after that date stays in every build, and scanners report more of
them each month.

## Example
```dockerfile
FROM openjdk:17-jdk-slim
FROM gcr.io/distroless/static-debian12
```

## Fixed
```dockerfile
FROM eclipse-temurin:17-jdk
FROM gcr.io/distroless/static-debian13:nonroot
```

## Fix safety
No automatic fix: a new major version of a language, a new Debian release
or another vendor's build can change behaviour, and only the author can
test it.

## Aliases
None: hadolint, Trivy, BuildKit and Checkov have no equivalent check
(Trivy reports the vulnerabilities, not the end of life).

## References
- https://hub.docker.com/_/openjdk (deprecation notice)
- https://github.com/GoogleContainerTools/distroless/blob/main/SUPPORT_POLICY.md
- https://endoflife.date/
- https://wiki.debian.org/LTS
"#;

/// The rule.
pub struct DeprecatedImage;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF263",
    name: "deprecated-image",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Images should be maintained: not deprecated, not past end of life",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

impl Rule for DeprecatedImage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let bases = ctx.bases();
        let today = ctx.today();
        let (uses, _) = image_uses(ctx.doc);
        let mut out = Vec::new();
        for u in uses {
            let Ok(reference) = ImageRef::parse(&u.reference) else {
                continue;
            };
            if let Some((entry, replacement)) = bases.deprecation(&reference, today) {
                out.push(Diagnostic::new(
                    &META,
                    format!(
                        "`{}`: {} (since {}); use `{replacement}`",
                        u.reference, entry.why, entry.since
                    ),
                    u.span.clone(),
                ));
                continue;
            }
            let Some(official) = bases.official(&reference) else {
                continue;
            };
            if let Some(eol) = bases.end_of_life(&official, today) {
                let since = match &eol.since {
                    Some(d) => format!("reached its end of life on {d}"),
                    None => "is past its end of life".to_string(),
                };
                let instead = match &eol.replacement {
                    Some(r) => format!("; use a maintained one such as `{r}`"),
                    None => "; use a maintained version".to_string(),
                };
                out.push(Diagnostic::new(
                    &META,
                    format!("`{}`: {} {since}{instead}", u.reference, eol.what),
                    u.span.clone(),
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine;
    use crate::rule::Facts;
    use crate::rules::test_support::{assert_fixture, findings};
    use crate::settings::Settings;

    #[test]
    fn fixture() {
        assert_fixture(
            &META,
            "images",
            include_str!("fixtures/base_deprecated_image/images.Dockerfile"),
        );
    }

    #[test]
    fn dates_are_compared_with_today() {
        let src = "FROM gcr.io/distroless/cc-debian12\nFROM python:3.10-slim\n";
        let settings = Settings::default()
            .with_selection(&["DF263".to_string()], &[])
            .unwrap();
        let at = |today: &str| {
            let mut facts = Facts::new();
            facts.today = Some(today.to_string());
            engine::check(src, &settings, &facts).diagnostics.len()
        };
        assert_eq!(at("2026-05-01"), 0);
        assert_eq!(at("2026-10-01"), 1);
        assert_eq!(at("2026-11-29"), 2);
    }

    #[test]
    fn maintained_images_are_quiet() {
        for src in [
            "FROM python:3.13-slim\n",
            "FROM node:24-bookworm-slim\n",
            "FROM debian:bookworm-slim\n",
            "FROM debian:stable\n",
            "FROM gcr.io/distroless/static-debian13:nonroot\n",
            "FROM eclipse-temurin:21-jre\n",
            "FROM golang:1.27\n",
            "FROM bitnami/python:2.7\n",
        ] {
            assert!(findings(&META, src).is_empty(), "{src}");
        }
    }
}
