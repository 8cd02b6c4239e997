//! DF012: a `LABEL` key that breaks Docker's key format recommendations.

use dfix_grammar::{Instruction, Kind, Word};

use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds `LABEL` keys that do not follow Docker's recommended format: a key
must start with a lower-case letter, end with a lower-case letter or a
digit, contain only lower-case letters, digits, `.`, `-` and `_`
(hadolint 2.15 accepts `_`), have no
`..` or `--`, and not use the namespaces Docker reserves
(`com.docker.`, `io.docker.`, `org.dockerproject.`).

## Why is this bad?
Tools that read labels (registries, scanners, orchestrators) expect
reverse-DNS keys such as `org.opencontainers.image.source`; keys in other
forms are easily mistyped and collide with what Docker itself sets.

## Example
```dockerfile
LABEL Version=1.0 com.docker.tag=x
```

## Fixed
```dockerfile
LABEL version=1.0 org.example.tag=x
```

## Fix safety
Unsafe, and offered only when lower-casing the key is all it takes:
renaming a label changes the metadata that consumers of the image read
(`docker inspect`, registry UIs, policies matching the old key). Other
keys are reported without a fix.

## Aliases
- hadolint: `DL3048`

## References
- https://docs.docker.com/engine/manage-resources/labels/#key-format-recommendations
- https://docs.docker.com/reference/dockerfile/#label
"#;

/// The rule.
pub struct LabelInvalidKey;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF012",
    name: "label-invalid-key",
    aliases: &["DL3048"],
    severity: Severity::Style,
    summary: "Invalid `LABEL` key",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

/// Why a key is invalid, if it is.
pub(crate) fn key_problem(key: &str) -> Option<&'static str> {
    if !key.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Some("must start with a lower-case letter");
    }
    if !key.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        return Some("must end with a lower-case letter or a digit");
    }
    if !key
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
    {
        return Some("may only contain lower-case letters, digits, `.`, `-` and `_`");
    }
    if ["com.docker.", "io.docker.", "org.dockerproject."]
        .iter()
        .any(|p| key.starts_with(p))
    {
        return Some("uses a namespace Docker reserves");
    }
    if key.contains("..") || key.contains("--") {
        return Some("must not contain `..` or `--`");
    }
    None
}

/// The keys of a `LABEL` with their words: `k=v` pairs, or the first word
/// of the legacy `LABEL k v` form.
pub(crate) fn label_keys(ins: &Instruction) -> Vec<(&Word, String)> {
    let words = &ins.words;
    match words.first() {
        Some(first) if !first.value().contains('=') => vec![(first, first.value().to_string())],
        _ => words
            .iter()
            .filter_map(|w| w.value().split_once('=').map(|(k, _)| (w, k.to_string())))
            .collect(),
    }
}

impl Rule for LabelInvalidKey {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for ins in &ctx.doc.instructions {
            let ins = ins.effective();
            if ins.kind != Kind::Label {
                continue;
            }
            for (word, key) in label_keys(ins) {
                let Some(why) = key_problem(&key) else {
                    continue;
                };
                let diag = Diagnostic::new(
                    &META,
                    format!("Invalid label key `{key}`: it {why}"),
                    word.span.clone(),
                );
                let lower = key.to_ascii_lowercase();
                // The key is written as is (no quote or escape in it).
                let literal = ctx
                    .source()
                    .get(word.span.clone())
                    .is_some_and(|text| text.starts_with(&key));
                out.push(if literal && key_problem(&lower).is_none() {
                    diag.with_fix(Fix::unsafe_fix(
                        format!("Rename the label to `{lower}`"),
                        vec![Edit::replace(
                            word.span.start..word.span.start + key.len(),
                            lower,
                        )],
                    ))
                } else {
                    diag
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::*;

    #[test]
    fn fixture() {
        assert_fixture(
            &META,
            "keys",
            include_str!("fixtures/label_invalid_key.Dockerfile"),
        );
    }

    #[test]
    fn cases() {
        let n = |s: &str| findings(&META, s).len();
        for bad in [
            "Version=1",
            "1abc=x",
            "abc.=x",
            "a:b=x",
            "aB=x",
            "com.docker.x=y",
            "io.docker.x=y",
            "org.dockerproject.x=y",
            "a..b=x",
            "a--b=x",
            "A=$B",
            "Maintainer someone",
        ] {
            assert_eq!(n(&format!("FROM a\nLABEL {bad}\n")), 1, "{bad}");
        }
        for ok in [
            "version=1",
            "org.opencontainers.image.source=https://x",
            "a-b.c2=\"x y\"",
            "ab_c=x",
            "\"registry_image\"=x",
            "maintainer someone",
        ] {
            assert_eq!(n(&format!("FROM a\nLABEL {ok}\n")), 0, "{ok}");
        }
        assert_eq!(
            fix_rule_with(&META, "FROM a\nLABEL Version=1 x=2\n", None, true),
            "FROM a\nLABEL version=1 x=2\n"
        );
        assert_eq!(
            fix_rule(&META, "FROM a\nLABEL Version=1\n"),
            "FROM a\nLABEL Version=1\n"
        );
        let quoted = "FROM a\nLABEL \"Version\"=1 my_key=2\n";
        assert_eq!(fix_rule_with(&META, quoted, None, true), quoted);
    }
}
