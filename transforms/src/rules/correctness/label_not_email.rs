//! DF158: a configured label whose value is not a valid e-mail address.

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::label_schema::{check_values, is_email, LABELS_OPTION};

const DOC: &str = r#"## What it does
Finds `LABEL`s, among the keys listed in the rule's `labels` option, whose
value is not an e-mail address (`jane@example.com`): a local part and a domain, no display name or spaces. Values written with a variable are not checked.

Like hadolint's label schema, the rule is off until it is configured:
```toml
[rules.label-not-email]
labels = ["org.example.x"]
```

## Why is this bad?
Tools read these labels by their documented format; a value in another
format is silently ignored or breaks the tool that parses it.

## Example
```dockerfile
LABEL org.example.x="Jane Doe"
```

## Fixed
```dockerfile
LABEL org.example.x="jane@example.com"
```

## Fix safety
No fix: the right value is not known.

## Options
- `labels` (list of label keys, default none): the labels checked.

## Aliases
- hadolint: `DL3058`

## References
- https://github.com/opencontainers/image-spec/blob/main/annotations.md
- https://docs.docker.com/reference/dockerfile/#label
"#;

/// The rule.
pub struct LabelNotEmail;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF158",
    name: "label-not-email",
    aliases: &["DL3058"],
    severity: Severity::Warning,
    summary: "Label is not a valid e-mail address",
    doc: DOC,
    fix: FixAvailability::None,
    options: LABELS_OPTION,
};

impl Rule for LabelNotEmail {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        check_values(ctx, &META, "a valid e-mail address", is_email)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::*;

    fn configured(src: &str) -> usize {
        label_findings(&META, src)
    }

    #[test]
    fn cases() {
        let bad = "FROM a\nLABEL org.example.x=\"Jane Doe\" other=\"Jane Doe\"\n";
        // Off without configuration.
        assert!(findings(&META, bad).is_empty());
        assert_eq!(configured(bad), 1);
        assert_eq!(
            configured("FROM a\nLABEL org.example.x=\"jane@example.com\"\n"),
            0
        );
        assert_eq!(configured("FROM a\nLABEL org.example.x=$X\n"), 0);
    }
}
