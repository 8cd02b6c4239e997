//! DF152: a configured label with an empty value.

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::label_schema::{check_values, LABELS_OPTION};

const DOC: &str = r#"## What it does
Finds `LABEL`s, among the keys listed in the rule's `labels` option, set
to an empty value (`LABEL owner=""`). Values written with a variable are
not checked.

The rule is off until it is configured:
```toml
[rules.label-empty]
labels = ["owner"]
```

## Why is this bad?
An empty label passes a "label is present" check while telling nobody
anything.

## Example
```dockerfile
LABEL owner=""
```

## Fixed
```dockerfile
LABEL owner="team-payments"
```

## Fix safety
No fix: the value is not known.

## Options
- `labels` (list of label keys, default none): the labels that must not
  be empty.

## Aliases
- hadolint: `DL3051`

## References
- https://docs.docker.com/reference/dockerfile/#label
"#;

/// The rule.
pub struct LabelEmpty;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF152",
    name: "label-empty",
    aliases: &["DL3051"],
    severity: Severity::Warning,
    summary: "A configured label is empty",
    doc: DOC,
    fix: FixAvailability::None,
    options: LABELS_OPTION,
};

fn not_empty(v: &str) -> bool {
    !v.trim().is_empty()
}

impl Rule for LabelEmpty {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        check_values(ctx, &META, "set (it is empty)", not_empty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::{OptionValue, RuleOptions};
    use crate::rules::test_support::*;

    #[test]
    fn cases() {
        let src = "FROM a\nLABEL owner=\"\" other=\n";
        assert!(findings(&META, src).is_empty());
        let mut o = RuleOptions::new();
        o.insert(
            "labels".into(),
            OptionValue::List(vec![OptionValue::Str("owner".into())]),
        );
        let settings = crate::settings::Settings::default()
            .with_selection(&[META.id.to_string()], &[])
            .unwrap()
            .with_rule_options(META.name, o)
            .unwrap();
        let n = |s: &str| {
            crate::engine::check(s, &settings, &crate::rule::Facts::new())
                .diagnostics
                .len()
        };
        assert_eq!(n(src), 1);
        assert_eq!(n("FROM a\nLABEL owner=me\n"), 0);
    }
}
