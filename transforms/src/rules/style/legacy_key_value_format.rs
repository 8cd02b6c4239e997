//! DF003: `ENV key value` / `LABEL key value` (legacy form) should be `key="value"`.

use dfix_grammar::words::is_go_space;
use dfix_grammar::{Instruction, Kind};

use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds `ENV` and `LABEL` instructions in the legacy `KEY value` form (a
space instead of `=`) and rewrites them to `KEY="value"`.

## Why is this bad?
In the legacy form the whole rest of the line is the value, which surprises
readers (`ENV A 1 B 2` sets `A` to `1 B 2`), and it cannot set several
variables in one instruction. BuildKit's `LegacyKeyValueFormat` check warns
about it, and the form may be removed in a future release.

## Example
```dockerfile
ENV JAVA_HOME /opt/java
ENV GREETING hello world
LABEL description A small image
```

## Fixed
```dockerfile
ENV JAVA_HOME="/opt/java"
ENV GREETING="hello world"
LABEL description="A small image"
```

## Fix safety
Safe: the value is rewritten so that BuildKit reads exactly the same
string. A value without quotes or escape characters is wrapped in double
quotes (variables are expanded inside double quotes as before). A value
with quotes or escapes is kept as written, with each unquoted blank
escaped, so that it stays one word. No fix is offered when the key itself
has quotes or escapes, when a quote is left open, or when comment lines sit
inside the instruction's continuation lines (the fix would drop them).

## Aliases
- BuildKit: `LegacyKeyValueFormat`

## References
- https://docs.docker.com/reference/build-checks/legacy-key-value-format/
"#;

/// The rule.
pub struct LegacyKeyValueFormat;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF003",
    name: "legacy-key-value-format",
    aliases: &["LegacyKeyValueFormat"],
    severity: Severity::Warning,
    summary: "`ENV`/`LABEL` should use `key=value`, not the legacy `key value`",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

/// BuildKit's reWhitespace, which splits the legacy key from its value.
fn is_command_space(c: char) -> bool {
    matches!(c, '\t' | '\u{0B}' | '\u{0C}' | '\r' | ' ')
}

/// The value as one word that BuildKit's shell lexer reads as the same
/// string, or `None` when that cannot be done with confidence.
fn as_one_word(raw: &str, escape: char) -> Option<String> {
    if !raw.contains(['"', '\'']) && !raw.contains(escape) {
        return Some(format!("\"{raw}\""));
    }
    let mut out = String::with_capacity(raw.len() + 4);
    let mut quote: Option<char> = None;
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match quote {
            None if c == escape => {
                out.push(c);
                out.push(chars.next()?);
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if is_go_space(c) => {
                out.push(escape);
                out.push(c);
            }
            None => out.push(c),
            Some('\'') => {
                out.push(c);
                if c == '\'' {
                    quote = None;
                }
            }
            Some(_) => {
                out.push(c);
                if c == escape {
                    out.push(chars.next()?);
                } else if c == '"' {
                    quote = None;
                }
            }
        }
    }
    quote.is_none().then_some(out)
}

fn check_instruction(ctx: &Context, ins: &Instruction, out: &mut Vec<Diagnostic>) {
    if !matches!(ins.kind, Kind::Env | Kind::Label) {
        return;
    }
    let Some(first) = ins.words.first() else {
        return;
    };
    if first.raw.contains('=') {
        return;
    }
    let args = ins.args_text();
    let Some(split) = args.find(is_command_space) else {
        // `ENV key` alone is a parse error, not this rule's business.
        return;
    };
    let key = &args[..split];
    let value = args[split..].trim_start_matches(is_command_space);
    let keyword = ins.keyword.to_ascii_uppercase();
    let diag = Diagnostic::new(
        &META,
        format!("`{keyword} key=value` should be used instead of the legacy `{keyword} key value` format"),
        ins.args_span(),
    );
    let escape = ctx.style.escape;
    let fixable_key = !key.contains(['"', '\'', '=']) && !key.contains(escape);
    let fix = if fixable_key && ins.inner_comments.is_empty() && !value.is_empty() {
        as_one_word(value, escape).map(|v| {
            Fix::safe(
                format!("Rewrite as `{key}=…`"),
                vec![Edit::replace(ins.args_span(), format!("{key}={v}"))],
            )
        })
    } else {
        None
    };
    out.push(diag.with_optional_fix(fix));
}

impl Rule for LegacyKeyValueFormat {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for ins in &ctx.doc.instructions {
            check_instruction(ctx, ins.effective(), &mut out);
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
            "values",
            include_str!("fixtures/legacy_key_value_format.Dockerfile"),
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(
            fix_rule(&META, "FROM a\nENV A 1 B 2\n"),
            "FROM a\nENV A=\"1 B 2\"\n"
        );
        assert_eq!(
            fix_rule(&META, "FROM a\nENV P $HOME/bin\n"),
            "FROM a\nENV P=\"$HOME/bin\"\n"
        );
        assert_eq!(
            fix_rule(&META, "FROM a\nENV Q \"a b\"\n"),
            "FROM a\nENV Q=\"a b\"\n"
        );
        assert_eq!(
            fix_rule(&META, "FROM a\nENV M 'x y' z\n"),
            "FROM a\nENV M='x y'\\ z\n"
        );
        assert_eq!(
            fix_rule(&META, "FROM a\nLABEL k a\\ b  c\n"),
            "FROM a\nLABEL k=a\\ b\\ \\ c\n"
        );
        assert_eq!(
            fix_rule(&META, "# escape=`\nFROM a\nENV W C:\\x y\n"),
            "# escape=`\nFROM a\nENV W=\"C:\\x y\"\n"
        );
        assert_eq!(
            fix_rule(&META, "FROM a\nONBUILD ENV A b\n"),
            "FROM a\nONBUILD ENV A=\"b\"\n"
        );
        assert!(findings(&META, "FROM a\nENV A=b C=\"d e\"\n").is_empty());
    }

    #[test]
    fn no_fix_when_unsure() {
        let f = findings(&META, "FROM a\nENV A \"open\n");
        assert_eq!(f.len(), 1);
        assert!(f[0].fix.is_none());
        let f = findings(&META, "FROM a\nENV A b \\\n# note\n  c\n");
        assert_eq!(f.len(), 1);
        assert!(f[0].fix.is_none());
    }

    #[test]
    fn one_word_conversion_preserves_the_value() {
        // The word that comes out must read back (quotes removed, escapes
        // processed) as the same string as the input did.
        use dfix_grammar::words::unquote;
        for raw in [
            "a b",
            "'a b' c",
            "\"x\" y z",
            "a\\ b c",
            "tab\there",
            "'it''s' \"q\\\"\" e",
        ] {
            let word = as_one_word(raw, '\\').unwrap();
            assert_eq!(unquote(&word, '\\'), unquote(raw, '\\'), "{raw} -> {word}");
        }
    }
}
