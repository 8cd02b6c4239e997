//! DF001: instruction keywords should all use the same casing.

use std::ops::Range;

use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::rule::{Context, FixAvailability, OptionKind, OptionMeta, Rule, RuleMeta, Severity};
use crate::style::{is_lower, is_upper};

const DOC: &str = r#"## What it does
Checks that every instruction keyword uses the same casing: all upper case
or all lower case, whichever the majority of the file uses (upper case on a
tie). Keywords in mixed case (`From`) always get the majority casing.

## Why is this bad?
Keywords are case-insensitive, so mixing `RUN` and `run` means nothing to
BuildKit but makes the file harder to read and to search. BuildKit's
`ConsistentInstructionCasing` check warns about it.

## Example
```dockerfile
FROM alpine
run apk add --no-cache curl
Copy . /app
```

## Fixed
```dockerfile
FROM alpine
RUN apk add --no-cache curl
COPY . /app
```

## Fix safety
Safe: BuildKit reads keywords case-insensitively, so the build is
unchanged.

## Options
- `style`: `"majority"` (default) uses the casing most keywords already
  have; `"upper"` or `"lower"` force one.

## Aliases
- BuildKit: `ConsistentInstructionCasing`

## References
- https://docs.docker.com/reference/build-checks/consistent-instruction-casing/
"#;

/// The rule.
pub struct ConsistentInstructionCasing;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF001",
    name: "consistent-instruction-casing",
    aliases: &["ConsistentInstructionCasing"],
    severity: Severity::Style,
    summary: "Instruction keywords should all use the same casing",
    doc: DOC,
    fix: FixAvailability::Always,
    options: &[OptionMeta {
        name: "style",
        kind: OptionKind::Str {
            choices: &["majority", "upper", "lower"],
        },
        doc: "`majority` (default), `upper` or `lower`",
    }],
};

impl Rule for ConsistentInstructionCasing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        // Keywords of instructions and of ONBUILD's sub-instructions.
        let mut keywords: Vec<(&str, Range<usize>)> = Vec::new();
        for ins in &ctx.doc.instructions {
            keywords.push((&ins.keyword, ins.keyword_span.clone()));
            if let Some(sub) = &ins.sub {
                keywords.push((&sub.keyword, sub.keyword_span.clone()));
            }
        }
        let upper = keywords.iter().filter(|(k, _)| is_upper(k)).count();
        let lower = keywords.iter().filter(|(k, _)| is_lower(k)).count();
        let want_lower = match ctx.option_str("style", "majority") {
            "upper" => false,
            "lower" => true,
            _ => lower > upper,
        };
        let casing = if want_lower { "lower" } else { "upper" };
        keywords
            .into_iter()
            .filter_map(|(kw, span)| {
                let want = if want_lower {
                    kw.to_ascii_lowercase()
                } else {
                    kw.to_ascii_uppercase()
                };
                (kw != want).then(|| {
                    Diagnostic::new(
                        &META,
                        format!("Instruction `{kw}` should be {casing} case like the others"),
                        span.clone(),
                    )
                    .with_fix(Fix::safe(
                        format!("Rename to `{want}`"),
                        vec![Edit::replace(span, want)],
                    ))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::{OptionValue, RuleOptions};
    use crate::rules::test_support::*;

    #[test]
    fn fixture() {
        assert_fixture(
            &META,
            "mixed",
            include_str!("fixtures/consistent_instruction_casing.Dockerfile"),
        );
    }

    #[test]
    fn majority_wins_and_tie_goes_upper() {
        assert_eq!(
            fix_rule(&META, "from a\nrun x\nCOPY a b\n"),
            "from a\nrun x\ncopy a b\n"
        );
        assert_eq!(fix_rule(&META, "from a\nRUN x\n"), "FROM a\nRUN x\n");
        assert_eq!(
            fix_rule(&META, "FROM a\nOnbuild run x\n"),
            "FROM a\nONBUILD RUN x\n"
        );
        assert!(findings(&META, "FROM a\nRUN x\n").is_empty());
    }

    #[test]
    fn style_option_forces_a_casing() {
        let mut o = RuleOptions::new();
        o.insert("style".into(), OptionValue::Str("lower".into()));
        assert_eq!(
            fix_rule_with(&META, "FROM a\nRUN x\n", Some(o), false),
            "from a\nrun x\n"
        );
    }
}
