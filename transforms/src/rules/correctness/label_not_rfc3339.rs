//! DF154: a configured label whose value is not an RFC 3339 date-time.

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::label_schema::{check_values, is_rfc3339, LABELS_OPTION};

const DOC: &str = r#"## What it does
Finds `LABEL`s, among the keys listed in the rule's `labels` option, whose
value is not an RFC 3339 date-time (`2024-01-31T12:00:00Z`, fractions and `+01:00` offsets allowed). Values written with a variable are not checked.

Like hadolint's label schema, the rule is off until it is configured:
```toml
[rules.label-not-rfc3339]
labels = ["org.example.x"]
```

## Why is this bad?
Tools read these labels by their documented format; a value in another
format is silently ignored or breaks the tool that parses it.

## Example
```dockerfile
LABEL org.example.x="2024-01-31"
```

## Fixed
```dockerfile
LABEL org.example.x="2024-01-31T12:00:00Z"
```

## Fix safety
No fix: the right value is not known.

## Options
- `labels` (list of label keys, default none): the labels checked.

## Aliases
- hadolint: `DL3053`

## References
- https://github.com/opencontainers/image-spec/blob/main/annotations.md
- https://docs.docker.com/reference/dockerfile/#label
"#;

/// The rule.
pub struct LabelNotRfc3339;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF154",
    name: "label-not-rfc3339",
    aliases: &["DL3053"],
    severity: Severity::Warning,
    summary: "Label is not a valid RFC 3339 date-time",
    doc: DOC,
    fix: FixAvailability::None,
    options: LABELS_OPTION,
};

impl Rule for LabelNotRfc3339 {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        check_values(ctx, &META, "an RFC 3339 date-time", is_rfc3339)
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
        let bad = "FROM a\nLABEL org.example.x=\"2024-01-31\" other=\"2024-01-31\"\n";
        // Off without configuration.
        assert!(findings(&META, bad).is_empty());
        assert_eq!(configured(bad), 1);
        assert_eq!(
            configured("FROM a\nLABEL org.example.x=\"2024-01-31T12:00:00Z\"\n"),
            0
        );
        assert_eq!(configured("FROM a\nLABEL org.example.x=$X\n"), 0);
    }
}
