//! DF520 obsolete-version-key: the top-level `version:`.

use super::ComposeRule;
use crate::compose::edits::delete_pair;
use crate::compose::ComposeContext;
use crate::diagnostic::Diagnostic;
use crate::edit::Fix;
use crate::rule::{FixAvailability, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds the top-level `version:` key.

## Why is this bad?
Compose v2 ignores it and warns (`the attribute version is obsolete, it
will be ignored`); it suggests a file format that no longer exists, and
tools that still branch on it (KICS, Semgrep rules with `pattern-inside:
version:`) silently skip files without it.

## Example
```yaml
version: "3.8"
services:
  web:
    image: nginx
```

## Fixed
```yaml
services:
  web:
    image: nginx
```

## Fix safety
Safe: Compose v2 ignores the key.

## Aliases
dclint `no-version-field`.

## References
- https://docs.docker.com/reference/compose-file/version-and-name/
"#;

/// The rule's metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF520",
    name: "obsolete-version-key",
    aliases: &["no-version-field"],
    severity: Severity::Style,
    summary: "The top-level `version` key is obsolete",
    doc: DOC,
    fix: FixAvailability::Always,
    options: &[],
};

/// DF520.
pub struct ObsoleteVersion;

impl ComposeRule for ObsoleteVersion {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &ComposeContext) -> Vec<Diagnostic> {
        let Some(top) = ctx.file.top() else {
            return Vec::new();
        };
        let Some(pair) = top.pairs.iter().find(|p| p.key == "version") else {
            return Vec::new();
        };
        // A mapping or list under `version:` is not the old version string:
        // deleting it would take whatever it holds along.
        let scalar = pair.value.as_ref().is_none_or(|v| v.as_scalar().is_some());
        let fix = scalar
            .then(|| delete_pair(ctx.file, top, pair))
            .flatten()
            .map(|e| Fix::safe("Remove the obsolete `version` key", vec![e]));
        vec![Diagnostic::new(
            &META,
            "the top-level `version` key is obsolete; Compose ignores it",
            pair.span.clone(),
        )
        .with_optional_fix(fix)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::test_support::snapshot;

    /// A mapping under `version:` is reported, never deleted with it.
    #[test]
    fn a_mapping_under_version_is_not_deleted() {
        let src = "version:\n  services:\n    a:\n      image: x\nservices:\n  b:\n    image: y\n";
        let found =
            crate::compose::test_support::applied_fixes(&META, src, &crate::rule::Facts::new());
        assert_eq!(found.len(), 1);
        assert!(!found[0].1, "{found:?}");
    }

    #[test]
    fn fixture() {
        insta::assert_snapshot!(snapshot(&META, include_str!("fixtures/DF520.yaml")));
    }

    #[test]
    fn crlf_and_last_line() {
        insta::assert_snapshot!(
            "crlf",
            snapshot(&META, "services:\r\n  a:\r\n    image: x\r\nversion: '2'")
        );
    }
}
