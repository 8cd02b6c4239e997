//! DF119: `ENV A=1 B=$A`, a variable read in the ENV that defines it.

use std::collections::HashSet;

use dfix_grammar::Kind;

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::variables::var_uses;

const DOC: &str = r#"## What it does
Finds an `ENV` instruction that reads a variable it also defines, in
another pair: `ENV A=1 B=$A`. A variable that an earlier `ARG` or `ENV`
line already defines is not reported (the reader then sees its old value,
which may be what was meant).

## Why is this bad?
BuildKit expands the whole instruction before it sets anything, so `$A`
is not the `1` written next to it: here `B` is empty. Split the
instruction so that the definition comes first.

## Example
```dockerfile
FROM debian:12
ENV APP_HOME=/opt/app APP_BIN=$APP_HOME/bin
```

## Fixed
```dockerfile
FROM debian:12
ENV APP_HOME=/opt/app
ENV APP_BIN=$APP_HOME/bin
```

## Fix safety
No fix: splitting changes what `B` holds, which is the point but a change
in behaviour the author should look at.

References inside single quotes, or escaped (`\$A`), are not expanded by
BuildKit and are not reported (hadolint's `DL3044` reports them).

## Aliases
- hadolint: `DL3044`

## References
- https://docs.docker.com/reference/dockerfile/#env
"#;

/// The rule.
pub struct EnvSelfReference;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF119",
    name: "env-self-reference",
    aliases: &["DL3044"],
    severity: Severity::Error,
    summary: "Do not read a variable in the `ENV` instruction that defines it",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

impl Rule for EnvSelfReference {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let escape = ctx.doc.escape;
        let mut defined: HashSet<String> = HashSet::new();
        let mut out = Vec::new();
        for ins in &ctx.doc.instructions {
            let ins = ins.effective();
            match ins.kind {
                Kind::Arg => {
                    for w in &ins.words {
                        defined.insert(w.value().split('=').next().unwrap_or("").to_string());
                    }
                }
                Kind::Env => {
                    // Only the `KEY=value` form defines several variables.
                    let pairs: Vec<(&str, &str)> = ins
                        .words
                        .iter()
                        .filter_map(|w| {
                            let (key, _) = w.value().split_once('=')?;
                            let raw_value = w.raw.split_once('=').map_or("", |(_, v)| v);
                            Some((key, raw_value))
                        })
                        .collect();
                    let mut reads: Vec<&str> = Vec::new();
                    for (idx, (key, _)) in pairs.iter().enumerate() {
                        if defined.contains(*key) || reads.contains(key) {
                            continue;
                        }
                        let read = pairs.iter().enumerate().any(|(j, (_, value))| {
                            j != idx && var_uses(value, escape).iter().any(|u| u.name == *key)
                        });
                        if read {
                            reads.push(key);
                        }
                    }
                    if !reads.is_empty() {
                        let names = reads
                            .iter()
                            .map(|r| format!("`{r}`"))
                            .collect::<Vec<_>>()
                            .join(", ");
                        out.push(Diagnostic::new(
                            &META,
                            format!(
                                "{names} is read in the same `ENV` that defines it: the new value is not visible yet"
                            ),
                            ins.span.clone(),
                        ));
                    }
                    for (key, _) in pairs {
                        defined.insert(key.to_string());
                    }
                    if ins.words.len() >= 2 && !ins.words[0].value().contains('=') {
                        defined.insert(ins.words[0].value().to_string());
                    }
                }
                _ => {}
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
            "pairs",
            include_str!("fixtures/env_self_reference.Dockerfile"),
        );
    }

    #[test]
    fn reads_of_the_same_instruction() {
        let n = |s: &str| findings(&META, s).len();
        assert_eq!(n("FROM a\nENV A=1 B=$A\n"), 1);
        assert_eq!(n("FROM a\nENV A=1 B=${A}x C=${A:-y}\n"), 1);
        assert_eq!(n("FROM a\nENV C=1 C=$C\n"), 1);
        assert_eq!(n("FROM a\nENV D=$D\n"), 0);
        assert_eq!(n("FROM a\nENV E=1 G=$Ex\n"), 0);
        assert_eq!(n("FROM a\nENV A=1 B='$A' C=\\$A\n"), 0);
        assert_eq!(n("ARG A=1\nFROM a\nENV A=2 B=$A\n"), 0);
        assert_eq!(n("FROM a\nENV A=0\nENV A=2 B=$A\n"), 0);
        assert_eq!(n("FROM a\nENV A 1 $A\n"), 0);
    }
}
