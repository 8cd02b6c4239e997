//! DF251: images should not use the `latest` tag.

use dfix_grammar::image_ref::ImageRef;

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::image_refs::image_uses;

const DOC: &str = r#"## What it does
Checks for images that name the `latest` tag (`FROM ubuntu:latest`), in
`FROM`, `COPY --from=`, `RUN --mount=...,from=` and the global `ARG`
defaults a `FROM` reads. An image without any tag (`FROM ubuntu`, where
`latest` is implied) is DF252's (`untagged-image`).

## Why is this bad?
`latest` is whatever was pushed last: a rebuild can silently jump a major
version. Even pinned to a digest, `latest` says nothing about what version
the image is, and refreshing the pin can bring any version.

## Example
```dockerfile
FROM ubuntu:latest
```

## Fixed
```dockerfile
FROM ubuntu:24.04
```

## Fix safety
No automatic fix: only the author knows which version to choose.

## Aliases
- hadolint: `DL3007` (hadolint looks at `FROM` only)
- Trivy: `DS-0001` (Trivy's check also covers untagged images, which dfix
  reports as DF252)

## References
- https://docs.docker.com/build/building/best-practices/#from
"#;

/// The rule.
pub struct LatestTag;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF251",
    name: "latest-tag",
    aliases: &["DL3007", "DS-0001"],
    severity: Severity::Warning,
    summary: "Images should name a version, not `latest`",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

impl Rule for LatestTag {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let (uses, _) = image_uses(ctx.doc);
        uses.into_iter()
            .filter_map(|u| {
                let r = ImageRef::parse(&u.reference).ok()?;
                (r.tag() == Some("latest")).then(|| {
                    Diagnostic::new(
                        &META,
                        format!("`{}` uses the `latest` tag", u.reference),
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
    use crate::rules::test_support::findings;

    #[test]
    fn written_latest_only() {
        // `FROM ubuntu` (no tag at all) is DF252's.
        let src = "FROM ubuntu\nFROM alpine:latest\nFROM debian:12\nFROM busybox@sha256:1111111111111111111111111111111111111111111111111111111111111111\nCOPY --from=nginx:latest /a /a\n";
        let f = findings(&META, src);
        assert_eq!(f.len(), 2);
        assert!(f[0].message.contains("alpine:latest"));
        assert!(f[1].message.contains("nginx:latest"));
    }
}
