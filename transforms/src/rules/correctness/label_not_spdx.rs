//! DF155: a configured label whose value is not a valid SPDX license expression.

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::label_schema::{check_values, is_spdx, LABELS_OPTION};

const DOC: &str = r#"## What it does
Finds `LABEL`s, among the keys listed in the rule's `labels` option, whose
value is not an SPDX license expression: ids (`MIT`, `Apache-2.0`, `LicenseRef-x`) joined by `AND`/`OR`, with `WITH` exceptions and parentheses. Only the syntax is checked: unlike hadolint, an id missing from the SPDX list (a typo such as `Apache-2`) is not reported. Values written with a variable are not checked.

Like hadolint's label schema, the rule is off until it is configured:
```toml
[rules.label-not-spdx]
labels = ["org.example.x"]
```

## Why is this bad?
Tools read these labels by their documented format; a value in another
format is silently ignored or breaks the tool that parses it.

## Example
```dockerfile
LABEL org.example.x="My License"
```

## Fixed
```dockerfile
LABEL org.example.x="Apache-2.0 OR MIT"
```

## Fix safety
No fix: the right value is not known.

## Options
- `labels` (list of label keys, default none): the labels checked.

## Aliases
- hadolint: `DL3054`

## References
- https://github.com/opencontainers/image-spec/blob/main/annotations.md
- https://docs.docker.com/reference/dockerfile/#label
"#;

/// The rule.
pub struct LabelNotSpdx;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF155",
    name: "label-not-spdx",
    aliases: &["DL3054"],
    severity: Severity::Warning,
    summary: "Label is not a valid SPDX license expression",
    doc: DOC,
    fix: FixAvailability::None,
    options: LABELS_OPTION,
};

impl Rule for LabelNotSpdx {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        check_values(ctx, &META, "a valid SPDX license expression", is_spdx)
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
        let bad = "FROM a\nLABEL org.example.x=\"My License\" other=\"My License\"\n";
        // Off without configuration.
        assert!(findings(&META, bad).is_empty());
        assert_eq!(configured(bad), 1);
        assert_eq!(
            configured("FROM a\nLABEL org.example.x=\"Apache-2.0 OR MIT\"\n"),
            0
        );
        assert_eq!(configured("FROM a\nLABEL org.example.x=$X\n"), 0);
    }
}
