//! DF005: `MAINTAINER` is deprecated; use the OCI authors label.

use dfix_grammar::Kind;

use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::style::case_like;

const DOC: &str = r#"## What it does
Replaces the deprecated `MAINTAINER` instruction with the label
`org.opencontainers.image.authors`.

## Why is this bad?
`MAINTAINER` has been deprecated since Docker 1.13. It writes the image
config's `author` field, which tools hardly read; the OCI annotation
`org.opencontainers.image.authors` is the standard place for it. BuildKit's
`MaintainerDeprecated` check warns about it.

## Example
```dockerfile
FROM alpine:3.20
MAINTAINER Jane Doe <jane@example.com>
```

## Fixed
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.authors="Jane Doe <jane@example.com>"
```

## Fix safety
Safe for the build: no file in the image changes. The value is copied
exactly as `MAINTAINER` stored it (it is not processed for quotes or
variables), so `"`, `$` and the escape character are escaped in the label.
The image's `author` config field is no longer set, and the new label
overrides an `org.opencontainers.image.authors` label inherited from the
base image. No fix is offered when the same stage already sets that label
(it would be overridden or override it), when the instruction is empty, or
when comment lines sit inside its continuation lines.

## Aliases
- hadolint: `DL4000`
- Trivy: `DS-0022` (`AVD-DS-0022`)
- BuildKit: `MaintainerDeprecated`
- Checkov: `CKV_DOCKER_6`

## References
- https://docs.docker.com/reference/build-checks/maintainer-deprecated/
- https://github.com/opencontainers/image-spec/blob/main/annotations.md
"#;

/// The rule.
pub struct MaintainerDeprecated;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF005",
    name: "maintainer-deprecated",
    aliases: &["DL4000", "DS-0022", "MaintainerDeprecated", "CKV_DOCKER_6"],
    severity: Severity::Warning,
    summary: "`MAINTAINER` is deprecated: use `LABEL org.opencontainers.image.authors`",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

/// The OCI annotation for image authors.
pub const AUTHORS: &str = "org.opencontainers.image.authors";

/// True when the instructions set the authors label.
fn sets_authors(ctx: &Context, range: std::ops::Range<usize>) -> bool {
    ctx.doc.instructions[range].iter().any(|i| {
        let i = i.effective();
        i.kind == Kind::Label
            && i.words.iter().any(|w| {
                let v = w.value();
                v.split_once('=').map_or(v, |(k, _)| k) == AUTHORS
            })
    })
}

impl Rule for MaintainerDeprecated {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let doc = ctx.doc;
        let stages = doc.stages();
        let mut out = Vec::new();
        for (i, ins) in doc.instructions.iter().enumerate() {
            if ins.kind != Kind::Maintainer {
                continue;
            }
            let value = ins.args_text();
            let in_stage = stages
                .iter()
                .find(|s| s.instructions.contains(&i))
                .map_or(0..doc.instructions.len(), |s| s.instructions.clone());
            let diag = Diagnostic::new(
                &META,
                "`MAINTAINER` is deprecated: use the `org.opencontainers.image.authors` label",
                ins.span.clone(),
            );
            let fix = (!value.is_empty()
                && ins.inner_comments.is_empty()
                && !sets_authors(ctx, in_stage))
            .then(|| {
                let label = case_like("LABEL", &ins.keyword);
                Fix::safe(
                    format!("Replace with `LABEL {AUTHORS}`"),
                    vec![Edit::replace(
                        ins.span.clone(),
                        format!("{label} {AUTHORS}={}", ctx.style.double_quoted(value)),
                    )],
                )
            });
            out.push(diag.with_optional_fix(fix));
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
            "authors",
            include_str!("fixtures/maintainer_deprecated.Dockerfile"),
        );
    }

    #[test]
    fn escapes_and_casing() {
        assert_eq!(
            fix_rule(&META, "FROM a\nMAINTAINER \"Jane\" $USER \\o/\n"),
            "FROM a\nLABEL org.opencontainers.image.authors=\"\\\"Jane\\\" \\$USER \\\\o/\"\n"
        );
        assert_eq!(
            fix_rule(&META, "from a\nmaintainer me\n"),
            "from a\nlabel org.opencontainers.image.authors=\"me\"\n"
        );
        assert_eq!(
            fix_rule(&META, "# escape=`\r\nFROM a\r\nMAINTAINER C:\\me \"x\"\r\n"),
            "# escape=`\r\nFROM a\r\nLABEL org.opencontainers.image.authors=\"C:\\me `\"x`\"\"\r\n"
        );
    }

    #[test]
    fn no_fix_when_the_stage_sets_the_label() {
        let f = findings(
            &META,
            "FROM a\nMAINTAINER me\nLABEL org.opencontainers.image.authors=you\n",
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].fix.is_none());
        // Another stage's label does not matter.
        let f = findings(
            &META,
            "FROM a\nLABEL org.opencontainers.image.authors=you\nFROM b\nMAINTAINER me\n",
        );
        assert!(f[0].fix.is_some());
    }
}
