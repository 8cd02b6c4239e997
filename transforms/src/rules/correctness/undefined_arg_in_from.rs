//! DF120: `FROM` reads a variable that no global `ARG` declares.

use std::collections::HashSet;

use dfix_grammar::Kind;

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::variables::{is_predefined, var_uses};

const DOC: &str = r#"## What it does
Finds a variable in a `FROM` line (the image or `--platform`) that no
`ARG` before the first `FROM` declares and that BuildKit does not define
itself (`TARGETPLATFORM`, `BUILDPLATFORM`, `TARGETARCH`... and the proxy
arguments).

## Why is this bad?
`FROM` sees only the global arguments, those declared before the first
`FROM`. An `ARG` inside a stage, or none at all, leaves the variable empty
there, so `FROM node:${NODE_VERSION}` becomes `FROM node:`, unless every
build passes `--build-arg`. Declaring the argument (with a default) makes
the file build on its own and documents the knob.

## Example
```dockerfile
FROM node:${NODE_VERSION}-alpine
```

## Fixed
```dockerfile
ARG NODE_VERSION=20
FROM node:${NODE_VERSION}-alpine
```

## Fix safety
No fix: a declaration needs a default only the author knows, and adding
an empty `ARG` changes nothing for the build.

A variable written with its own fallback (`${TAG:-3.20}`) is not
reported: the line says what happens when it is unset.

## Aliases
- BuildKit: `UndefinedArgInFrom`

## References
- https://docs.docker.com/reference/build-checks/undefined-arg-in-from/
- https://docs.docker.com/reference/dockerfile/#understand-how-arg-and-from-interact
"#;

/// The rule.
pub struct UndefinedArgInFrom;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF120",
    name: "undefined-arg-in-from",
    aliases: &["UndefinedArgInFrom"],
    severity: Severity::Warning,
    summary: "`FROM` should only use declared global ARGs",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

impl Rule for UndefinedArgInFrom {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let doc = ctx.doc;
        let mut global: HashSet<String> = HashSet::new();
        let mut seen_from = false;
        let mut out = Vec::new();
        for ins in &doc.instructions {
            match ins.kind {
                Kind::Arg if !seen_from => {
                    for w in &ins.words {
                        global.insert(w.value().split('=').next().unwrap_or("").to_string());
                    }
                }
                Kind::From => {
                    seen_from = true;
                    let mut texts: Vec<(&str, std::ops::Range<usize>)> = Vec::new();
                    if let Some(base) = ins.words.first() {
                        texts.push((&base.raw, base.span.clone()));
                    }
                    for flag in ins.flags.iter().filter(|f| f.name == "platform") {
                        if let Some(v) = flag.value.as_deref() {
                            texts.push((v, flag.span.clone()));
                        }
                    }
                    let mut reported: HashSet<String> = HashSet::new();
                    for (text, span) in texts {
                        for u in var_uses(text, doc.escape) {
                            if u.handles_unset
                                || global.contains(&u.name)
                                || is_predefined(&u.name)
                                || !reported.insert(u.name.clone())
                            {
                                continue;
                            }
                            out.push(Diagnostic::new(
                                &META,
                                format!(
                                    "`FROM` uses `${}`, which no global `ARG` (before the first `FROM`) declares",
                                    u.name
                                ),
                                span.clone(),
                            ));
                        }
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
            "args",
            include_str!("fixtures/undefined_arg_in_from.Dockerfile"),
        );
    }

    #[test]
    fn global_args_only() {
        let n = |s: &str| findings(&META, s).len();
        assert_eq!(n("ARG V=1\nFROM a:$V\n"), 0);
        assert_eq!(n("ARG V\nFROM a:${V}\n"), 0);
        assert_eq!(n("FROM a:$V\n"), 1);
        assert_eq!(n("FROM a AS b\nARG V=1\nFROM c:$V\n"), 1);
        assert_eq!(n("FROM --platform=$BUILDPLATFORM a:${TAG:-1}\n"), 0);
        assert_eq!(n("FROM --platform=$PLAT a\n"), 1);
        assert_eq!(n("FROM a:$V-$V\n"), 1);
        assert_eq!(n("FROM build_${TARGETARCH}\n"), 0);
    }
}
