//! DF115: `FROM --platform=` with a constant platform.

use dfix_grammar::Kind;

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds `FROM --platform=<value>` where the value is a constant such as
`linux/amd64`.

## Why is this bad?
A constant platform pins the stage to one platform: the Dockerfile can no
longer build a multi-platform image, and on another machine it builds under
emulation. Leave `--platform` out (the build's target platform applies) or
use a variable such as `$BUILDPLATFORM` for stages that cross-compile.

## Example
```dockerfile
FROM --platform=linux/amd64 alpine:3.20
```

## Fixed
```dockerfile
FROM alpine:3.20
```

## Fix safety
No fix: removing the flag changes the platform the stage is built for.

Like BuildKit's `FromPlatformFlagConstDisallowed`, a stage whose name
contains the platform's OS or architecture (`AS build_amd64`) is not
reported: it is meant for that platform. hadolint's `DL3029` reports that
case too, and also any value that is not exactly `$BUILDPLATFORM` or
`$TARGETPLATFORM` (`linux/$TARGETARCH`); dfix does not, since a value built
from the build's platform variables follows the build.

## Aliases
- hadolint: `DL3029`
- BuildKit: `FromPlatformFlagConstDisallowed`

## References
- https://docs.docker.com/reference/build-checks/from-platform-flag-const-disallowed/
"#;

/// The rule.
pub struct FromPlatformConstant;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF115",
    name: "from-platform-constant",
    aliases: &["DL3029", "FromPlatformFlagConstDisallowed"],
    severity: Severity::Warning,
    summary: "`FROM --platform` should not be a constant",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

impl Rule for FromPlatformConstant {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for stage in ctx.doc.stages() {
            let ins = &ctx.doc.instructions[stage.from];
            if ins.kind != Kind::From {
                continue;
            }
            for flag in ins.flags.iter().filter(|f| f.name == "platform") {
                let Some(value) = flag.value.as_deref() else {
                    continue;
                };
                if value.is_empty() || value.contains('$') {
                    continue;
                }
                let name = stage
                    .name
                    .as_ref()
                    .map(|w| w.value().to_ascii_lowercase())
                    .unwrap_or_default();
                let meant_for_it = value
                    .to_ascii_lowercase()
                    .split('/')
                    .any(|part| !part.is_empty() && name.contains(part));
                if meant_for_it {
                    continue;
                }
                out.push(Diagnostic::new(
                    &META,
                    format!("`FROM --platform={value}` pins the stage to one platform"),
                    flag.span.clone(),
                ));
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
            include_str!("fixtures/from_platform_constant.Dockerfile"),
        );
    }

    #[test]
    fn constants_only() {
        let n = |s: &str| findings(&META, s).len();
        assert_eq!(n("FROM --platform=linux/amd64 a\n"), 1);
        assert_eq!(n("FROM --platform=\"linux/arm64\" a AS b\n"), 1);
        assert_eq!(n("FROM --platform=$BUILDPLATFORM a\n"), 0);
        assert_eq!(n("FROM --platform=linux/$TARGETARCH a\n"), 0);
        assert_eq!(n("FROM --platform=linux/amd64 a AS build_amd64\n"), 0);
        assert_eq!(n("FROM a\n"), 0);
    }
}
