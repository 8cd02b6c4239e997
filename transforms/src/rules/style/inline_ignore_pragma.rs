//! DF008: inline ignore pragmas (`# hadolint ignore=`, `# dfix: ignore=`),
//! for teams that want every exception in the configuration. Opt-in.

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, OptionKind, OptionMeta, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Off unless enabled: with `enabled = true` in `[rules.inline-ignore-pragma]`,
finds the comments that silence findings of the next instruction:
`# hadolint ignore=DL3008` and `# dfix: ignore=DF301`.

## Why is this bad?
Some teams want every exception to the rules in one reviewed place, the
configuration (`dfix.toml`, or `.hadolint.yaml` for hadolint), rather than
scattered through Dockerfiles where a reviewer may miss them. hadolint's
`DL1001` serves this policy and is likewise off by default (severity
"ignore"). File-wide pragmas (`# hadolint global ignore=`,
`# dfix: file-ignore=`) and BuildKit's `# check=skip=` directive are not
reported: they are configuration that happens to live in the file.

## Example
```dockerfile
FROM debian:12
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y curl
```

## Fixed
No fix: removing the pragma would bring its findings back. Move the
exception to the configuration (`ignore = ["DL3008"]`) or fix the finding.

## Fix safety
No fix is offered.

## Aliases
- hadolint: `DL1001`

## References
- https://github.com/hadolint/hadolint#inline-ignores
"#;

const ENABLED: OptionMeta = OptionMeta {
    name: "enabled",
    kind: OptionKind::Bool,
    doc: "Report inline ignore pragmas (default: false, as in hadolint)",
};

/// The rule.
pub struct InlineIgnorePragma;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF008",
    name: "inline-ignore-pragma",
    aliases: &["DL1001"],
    severity: Severity::Info,
    summary: "Inline ignore pragmas (opt-in policy)",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[ENABLED],
};

/// True for a comment (text after `#`, trimmed) that silences the next
/// instruction: `hadolint ignore=...` or `dfix: ignore=...`.
fn is_inline_pragma(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let rest = if let Some(r) = lower.strip_prefix("hadolint") {
        if !r.starts_with([' ', '\t']) {
            return false;
        }
        r
    } else if let Some(r) = lower.strip_prefix("dfix:") {
        r
    } else {
        return false;
    };
    rest.trim_start()
        .strip_prefix("ignore")
        .is_some_and(|r| r.trim_start().starts_with('='))
}

impl Rule for InlineIgnorePragma {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        if !ctx.option_bool("enabled", false) {
            return Vec::new();
        }
        ctx.doc
            .comments
            .iter()
            .filter(|c| is_inline_pragma(&c.text))
            .map(|c| {
                Diagnostic::new(
                    &META,
                    "Inline ignore pragma: keep exceptions in the configuration",
                    c.span.clone(),
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

    fn enabled_findings(source: &str) -> usize {
        let mut options = RuleOptions::new();
        options.insert("enabled".into(), OptionValue::Bool(true));
        let settings = crate::settings::Settings::default()
            .with_selection(&[META.id.to_string()], &[])
            .unwrap()
            .with_rule_options(META.name, options)
            .unwrap();
        crate::engine::check(source, &settings, &crate::rule::Facts::new())
            .diagnostics
            .len()
    }

    #[test]
    fn off_by_default() {
        assert!(findings(&META, "FROM a\n# hadolint ignore=DL3008\nRUN x\n").is_empty());
    }

    #[test]
    fn reports_inline_pragmas_when_enabled() {
        assert_eq!(
            enabled_findings("FROM a\n# hadolint ignore=DL3008\nRUN x\n"),
            1
        );
        assert_eq!(enabled_findings("FROM a\n# dfix: ignore=DF301\nRUN x\n"), 1);
        assert_eq!(
            enabled_findings("FROM a\n# hadolint global ignore=DL3008\nRUN x\n"),
            0
        );
        assert_eq!(
            enabled_findings("FROM a\n# dfix: file-ignore=DF301\nRUN x\n"),
            0
        );
        assert_eq!(
            enabled_findings("FROM a\n# hadolintignore=DL3008\n# ignore this\nRUN x\n"),
            0
        );
    }
}
