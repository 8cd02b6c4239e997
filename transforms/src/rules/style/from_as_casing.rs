//! DF002: the `AS` of `FROM ... AS name` should match the `FROM` keyword's casing.

use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::style::{is_lower, is_upper};
use dfix_grammar::Kind;

const DOC: &str = r#"## What it does
Checks that the `AS` keyword of a named stage uses the same casing as its
`FROM` keyword: `FROM ... AS name` or `from ... as name`.

## Why is this bad?
`FROM image as name` mixes casings within one instruction. BuildKit's
`FromAsCasing` check warns about it.

## Example
```dockerfile
FROM golang:1.22 as build
```

## Fixed
```dockerfile
FROM golang:1.22 AS build
```

## Fix safety
Safe: `AS` is read case-insensitively. A `FROM` keyword in mixed case
(`From`) is left to `consistent-instruction-casing`, after which this rule
applies.

## Aliases
- BuildKit: `FromAsCasing`

## References
- https://docs.docker.com/reference/build-checks/from-as-casing/
"#;

/// The rule.
pub struct FromAsCasing;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF002",
    name: "from-as-casing",
    aliases: &["FromAsCasing"],
    severity: Severity::Style,
    summary: "The `AS` keyword should match the casing of `FROM`",
    doc: DOC,
    fix: FixAvailability::Always,
    options: &[],
};

impl Rule for FromAsCasing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for ins in &ctx.doc.instructions {
            if ins.kind != Kind::From || ins.words.len() < 3 {
                continue;
            }
            let as_word = &ins.words[1];
            if !as_word.raw.eq_ignore_ascii_case("as") {
                continue;
            }
            let want = if is_upper(&ins.keyword) {
                "AS"
            } else if is_lower(&ins.keyword) {
                "as"
            } else {
                continue;
            };
            if as_word.raw != want {
                out.push(
                    Diagnostic::new(
                        &META,
                        format!(
                            "`{}` and `{}` keywords' casing do not match",
                            as_word.raw, ins.keyword
                        ),
                        as_word.span.clone(),
                    )
                    .with_fix(Fix::safe(
                        format!("Use `{want}`"),
                        vec![Edit::replace(as_word.span.clone(), want)],
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
            "stages",
            include_str!("fixtures/from_as_casing.Dockerfile"),
        );
    }

    #[test]
    fn follows_the_from_keyword() {
        assert_eq!(fix_rule(&META, "FROM a as b\n"), "FROM a AS b\n");
        assert_eq!(fix_rule(&META, "from a AS b\n"), "from a as b\n");
        assert_eq!(fix_rule(&META, "from a As b\n"), "from a as b\n");
        // Mixed-case FROM: no opinion.
        assert!(findings(&META, "From a as b\n").is_empty());
        assert!(findings(&META, "FROM a AS b\nFROM b\n").is_empty());
    }
}
