//! DF153: a configured label whose value is not a valid URL.

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::label_schema::{check_values, is_url, LABELS_OPTION};

const DOC: &str = r#"## What it does
Finds `LABEL`s, among the keys listed in the rule's `labels` option, whose
value is not an absolute URI: a scheme (`https:`) and no spaces or characters URIs cannot hold. Values written with a variable are not checked.

Like hadolint's label schema, the rule is off until it is configured:
```toml
[rules.label-not-url]
labels = ["org.example.x"]
```

## Why is this bad?
Tools read these labels by their documented format; a value in another
format is silently ignored or breaks the tool that parses it.

## Example
```dockerfile
LABEL org.example.x="example.com"
```

## Fixed
```dockerfile
LABEL org.example.x="https://example.com"
```

## Fix safety
No fix: the right value is not known.

## Options
- `labels` (list of label keys, default none): the labels checked.

## Aliases
- hadolint: `DL3052`

## References
- https://github.com/opencontainers/image-spec/blob/main/annotations.md
- https://docs.docker.com/reference/dockerfile/#label
"#;

/// The rule.
pub struct LabelNotUrl;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF153",
    name: "label-not-url",
    aliases: &["DL3052"],
    severity: Severity::Warning,
    summary: "Label is not a valid URL",
    doc: DOC,
    fix: FixAvailability::None,
    options: LABELS_OPTION,
};

impl Rule for LabelNotUrl {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        check_values(ctx, &META, "a valid URL", is_url)
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
        let bad = "FROM a\nLABEL org.example.x=\"example.com\" other=\"example.com\"\n";
        // Off without configuration.
        assert!(findings(&META, bad).is_empty());
        assert_eq!(configured(bad), 1);
        assert_eq!(
            configured("FROM a\nLABEL org.example.x=\"https://example.com\"\n"),
            0
        );
        assert_eq!(configured("FROM a\nLABEL org.example.x=$X\n"), 0);
    }
}
