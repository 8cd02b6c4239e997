//! DF114: `FROM --platform=$TARGETPLATFORM`, which is the default.

use dfix_grammar::Kind;

use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds `FROM --platform=$TARGETPLATFORM` (or `${TARGETPLATFORM}`) and
removes the flag.

## Why is this bad?
A stage is built for the target platform unless told otherwise, so the
flag only adds noise. BuildKit's `RedundantTargetPlatform` check warns
about it.

## Example
```dockerfile
FROM --platform=$TARGETPLATFORM alpine:3.20
```

## Fixed
```dockerfile
FROM alpine:3.20
```

## Fix safety
Safe: `TARGETPLATFORM` is what BuildKit uses when no `--platform` is given.
Guard: a global `ARG TARGETPLATFORM=<value>` gives the variable a default
of the file's own, and then the flag is not redundant; nothing is reported.

## Aliases
- hadolint: `DL3065`
- BuildKit: `RedundantTargetPlatform`

## References
- https://docs.docker.com/reference/build-checks/redundant-target-platform/
"#;

/// The rule.
pub struct RedundantTargetPlatform;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF114",
    name: "redundant-target-platform",
    aliases: &["DL3065", "RedundantTargetPlatform"],
    severity: Severity::Warning,
    summary: "`FROM --platform=$TARGETPLATFORM` is the default",
    doc: DOC,
    fix: FixAvailability::Always,
    options: &[],
};

impl Rule for RedundantTargetPlatform {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let doc = ctx.doc;
        let source = ctx.source();
        let first_from = doc
            .instructions
            .iter()
            .position(|i| i.kind == Kind::From)
            .unwrap_or(doc.instructions.len());
        let overridden = doc.instructions[..first_from].iter().any(|i| {
            i.kind == Kind::Arg
                && i.words
                    .iter()
                    .any(|w| w.value().starts_with("TARGETPLATFORM="))
        });
        if overridden {
            return Vec::new();
        }
        let mut out = Vec::new();
        for ins in doc.instructions.iter().filter(|i| i.kind == Kind::From) {
            for flag in ins.flags.iter().filter(|f| f.name == "platform") {
                let Some(value) = flag.value.as_deref() else {
                    continue;
                };
                if value != "$TARGETPLATFORM" && value != "${TARGETPLATFORM}" {
                    continue;
                }
                // The flag and the blanks after it, so `FROM img` is left.
                let rest = &source[flag.span.end..];
                let blanks = rest.len() - rest.trim_start_matches([' ', '\t']).len();
                out.push(
                    Diagnostic::new(
                        &META,
                        format!("`--platform={value}` is the default and can be removed"),
                        flag.span.clone(),
                    )
                    .with_fix(Fix::safe(
                        "Remove the `--platform` flag",
                        vec![Edit::delete(flag.span.start..flag.span.end + blanks)],
                    )),
                );
            }
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
            "platforms",
            include_str!("fixtures/redundant_target_platform.Dockerfile"),
        );
    }

    #[test]
    fn removes_the_flag() {
        assert_eq!(
            fix_rule(&META, "FROM --platform=$TARGETPLATFORM a AS b\n"),
            "FROM a AS b\n"
        );
        assert_eq!(
            fix_rule(&META, "FROM --platform=${TARGETPLATFORM} \\\n  a\n"),
            "FROM \\\n  a\n"
        );
        assert!(findings(&META, "FROM --platform=$BUILDPLATFORM a\n").is_empty());
        assert!(findings(&META, "FROM --platform=linux/amd64 a\n").is_empty());
        assert!(findings(
            &META,
            "ARG TARGETPLATFORM=linux/arm64\nFROM --platform=$TARGETPLATFORM a\n"
        )
        .is_empty());
        assert_eq!(
            findings(
                &META,
                "ARG TARGETPLATFORM\nFROM --platform=$TARGETPLATFORM a\n"
            )
            .len(),
            1
        );
    }
}
