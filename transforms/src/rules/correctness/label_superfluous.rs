//! DF151: a label that the configured schema does not list.

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, OptionKind, OptionMeta, Rule, RuleMeta, Severity};
use crate::rules::label_schema::labels;

const DOC: &str = r#"## What it does
Finds `LABEL` keys that are not in the rule's `allowed` option, for teams
that keep a strict label schema (hadolint's `strict-labels`).

The rule is off until it is configured:
```toml
[rules.label-superfluous]
allowed = ["org.opencontainers.image.source", "org.opencontainers.image.version"]
```

## Why is this bad?
Labels outside the schema are usually typos of a schema key
(`org.opencontainers.image.sources`) or leftovers nobody reads.

## Example
```dockerfile
LABEL org.opencontainers.image.sources="https://github.com/acme/app"
```

## Fixed
```dockerfile
LABEL org.opencontainers.image.source="https://github.com/acme/app"
```

## Fix safety
No fix: whether the label is a typo or should go is the author's call.

## Options
- `allowed` (list of label keys, default none: the rule is off).

## Aliases
- hadolint: `DL3050`

## References
- https://github.com/opencontainers/image-spec/blob/main/annotations.md
"#;

/// The rule.
pub struct LabelSuperfluous;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF151",
    name: "label-superfluous",
    aliases: &["DL3050"],
    severity: Severity::Info,
    summary: "Label not in the configured schema",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[OptionMeta {
        name: "allowed",
        kind: OptionKind::StrList,
        doc: "The label keys allowed (default: none, the rule is off).",
    }],
};

impl Rule for LabelSuperfluous {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let allowed = ctx.option_strs("allowed");
        if allowed.is_empty() {
            return Vec::new();
        }
        labels(ctx.doc)
            .into_iter()
            .filter(|l| !allowed.contains(&l.key.as_str()))
            .map(|l| {
                Diagnostic::new(
                    &META,
                    format!("Label `{}` is not in the label schema", l.key),
                    l.span,
                )
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
    fn cases() {
        let src = "FROM a\nLABEL owner=me extra=1\n";
        assert!(findings(&META, src).is_empty());
        let mut o = RuleOptions::new();
        o.insert(
            "allowed".into(),
            OptionValue::List(vec![OptionValue::Str("owner".into())]),
        );
        let settings = crate::settings::Settings::default()
            .with_selection(&[META.id.to_string()], &[])
            .unwrap()
            .with_rule_options(META.name, o)
            .unwrap();
        let d = crate::engine::check(src, &settings, &crate::rule::Facts::new()).diagnostics;
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("`extra`"));
    }
}
