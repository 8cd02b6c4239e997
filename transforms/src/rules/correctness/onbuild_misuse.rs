//! DF118: `ONBUILD` with `FROM`, `MAINTAINER` or `ONBUILD`.

use dfix_grammar::Kind;

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds `ONBUILD FROM`, `ONBUILD MAINTAINER` and `ONBUILD ONBUILD`.

## Why is this bad?
These instructions cannot be triggers: BuildKit refuses them
(`FROM isn't allowed as an ONBUILD trigger`, and likewise for the others).
An image that registers them breaks every build that starts from it.

## Example
```dockerfile
FROM node:20
ONBUILD ONBUILD RUN npm ci
```

## Fixed
```dockerfile
FROM node:20
ONBUILD RUN npm ci
```

## Fix safety
No fix: what was meant is a guess.

## Aliases
- hadolint: `DL3043`

## References
- https://docs.docker.com/reference/dockerfile/#onbuild
"#;

/// The rule.
pub struct OnbuildMisuse;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF118",
    name: "onbuild-misuse",
    aliases: &["DL3043"],
    severity: Severity::Error,
    summary: "`ONBUILD` cannot trigger `FROM`, `MAINTAINER` or `ONBUILD`",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

impl Rule for OnbuildMisuse {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        ctx.doc
            .instructions
            .iter()
            .filter_map(|ins| {
                let sub = ins.sub.as_deref()?;
                matches!(sub.kind, Kind::From | Kind::Maintainer | Kind::Onbuild).then(|| {
                    Diagnostic::new(
                        &META,
                        format!("`{}` cannot be an `ONBUILD` trigger", sub.keyword),
                        sub.keyword_span.clone(),
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
            "triggers",
            include_str!("fixtures/onbuild_misuse.Dockerfile"),
        );
    }

    #[test]
    fn forbidden_triggers() {
        let n = |s: &str| findings(&META, s).len();
        assert_eq!(
            n("FROM a\nONBUILD FROM b\nONBUILD maintainer x\nONBUILD ONBUILD RUN x\n"),
            3
        );
        assert_eq!(n("FROM a\nONBUILD RUN x\nONBUILD COPY . /\n"), 0);
    }
}
