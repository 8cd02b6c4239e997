//! DF157: a configured label whose value is not a semantic version.

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::label_schema::{check_values, is_semver, LABELS_OPTION};

const DOC: &str = r#"## What it does
Finds `LABEL`s, among the keys listed in the rule's `labels` option, whose
value is not a semantic version (`1.2.3`, `1.2.3-rc.1+build.5`, no `v` prefix). Values written with a variable are not checked.

Like hadolint's label schema, the rule is off until it is configured:
```toml
[rules.label-not-semver]
labels = ["org.example.x"]
```

## Why is this bad?
Tools read these labels by their documented format; a value in another
format is silently ignored or breaks the tool that parses it.

## Example
```dockerfile
LABEL org.example.x="v1.2"
```

## Fixed
```dockerfile
LABEL org.example.x="1.2.0"
```

## Fix safety
No fix: the right value is not known.

## Options
- `labels` (list of label keys, default none): the labels checked.

## Aliases
- hadolint: `DL3056`

## References
- https://github.com/opencontainers/image-spec/blob/main/annotations.md
- https://docs.docker.com/reference/dockerfile/#label
"#;

/// The rule.
pub struct LabelNotSemver;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF157",
    name: "label-not-semver",
    aliases: &["DL3056"],
    severity: Severity::Warning,
    summary: "Label does not conform to semantic versioning",
    doc: DOC,
    fix: FixAvailability::None,
    options: LABELS_OPTION,
};

impl Rule for LabelNotSemver {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        check_values(ctx, &META, "a semantic version", is_semver)
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
        let bad = "FROM a\nLABEL org.example.x=\"v1.2\" other=\"v1.2\"\n";
        // Off without configuration.
        assert!(findings(&META, bad).is_empty());
        assert_eq!(configured(bad), 1);
        assert_eq!(configured("FROM a\nLABEL org.example.x=\"1.2.0\"\n"), 0);
        assert_eq!(configured("FROM a\nLABEL org.example.x=$X\n"), 0);
    }
}
