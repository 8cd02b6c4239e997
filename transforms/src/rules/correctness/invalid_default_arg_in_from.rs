//! DF122: with the global ARGs' defaults, a `FROM` image is empty or invalid.

use std::collections::HashMap;

use dfix_grammar::image_ref::ImageRef;
use dfix_grammar::Kind;

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::stage_names::stage_names;
use crate::rules::variables::{expand, is_predefined, var_uses};

const DOC: &str = r#"## What it does
Expands each `FROM` image that uses variables with the defaults of the
global `ARG`s (an `ARG` without a default is empty) and reports the line
when the result is empty or not a valid image reference.

## Why is this bad?
A build without `--build-arg` then fails (`FROM busybox:` has an empty
tag). A Dockerfile should build with its own defaults; give the argument a
default, or write the fallback in the reference (`${TAG:-3.20}`).

## Example
```dockerfile
ARG TAG
FROM busybox:${TAG}
```

## Fixed
```dockerfile
ARG TAG=1.36
FROM busybox:${TAG}
```

## Fix safety
No fix: the default is for the author to choose.

Lines that use BuildKit's own platform arguments (`build_${TARGETARCH}`)
are not evaluated, since their value is known only at build time.

## Aliases
- BuildKit: `InvalidDefaultArgInFrom`

## References
- https://docs.docker.com/reference/build-checks/invalid-default-arg-in-from/
"#;

/// The rule.
pub struct InvalidDefaultArgInFrom;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF122",
    name: "invalid-default-arg-in-from",
    aliases: &["InvalidDefaultArgInFrom"],
    severity: Severity::Warning,
    summary: "The global ARGs' defaults should give `FROM` a valid image",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

impl Rule for InvalidDefaultArgInFrom {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let doc = ctx.doc;
        let escape = doc.escape;
        let names = stage_names(doc);
        let mut defaults: HashMap<String, Option<String>> = HashMap::new();
        let mut seen_from = false;
        let mut out = Vec::new();
        for ins in &doc.instructions {
            match ins.kind {
                Kind::Arg if !seen_from => {
                    for w in &ins.words {
                        let (name, value) = match w.raw.split_once('=') {
                            Some((n, v)) => {
                                // A default may read earlier global ARGs.
                                let lookup = |k: &str| defaults.get(k).cloned().flatten();
                                (n.to_string(), expand(v, escape, &lookup))
                            }
                            None => (w.value().to_string(), None),
                        };
                        defaults.insert(name, value);
                    }
                }
                Kind::From => {
                    seen_from = true;
                    let Some(base) = ins.words.first() else {
                        continue;
                    };
                    let uses = var_uses(&base.raw, escape);
                    if uses.is_empty() || uses.iter().any(|u| is_predefined(&u.name)) {
                        continue;
                    }
                    let lookup = |k: &str| defaults.get(k).cloned().flatten();
                    let Some(image) = expand(&base.raw, escape, &lookup) else {
                        continue;
                    };
                    let problem = if image.is_empty() {
                        Some("an empty image name".to_string())
                    } else if image.eq_ignore_ascii_case("scratch")
                        || names
                            .iter()
                            .any(|n| n.word.value().eq_ignore_ascii_case(&image))
                    {
                        None
                    } else {
                        ImageRef::parse(&image)
                            .err()
                            .map(|_| format!("`{image}`, not a valid image reference"))
                    };
                    if let Some(problem) = problem {
                        out.push(Diagnostic::new(
                            &META,
                            format!(
                                "With the global ARGs' defaults, `{}` gives {problem}: give the ARG a default",
                                base.raw
                            ),
                            base.span.clone(),
                        ));
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
            "defaults",
            include_str!("fixtures/invalid_default_arg_in_from.Dockerfile"),
        );
    }

    #[test]
    fn buildkit_doc_cases() {
        let n = |s: &str| findings(&META, s).len();
        assert_eq!(n("ARG TAG\nFROM busybox:${TAG}\n"), 1);
        assert_eq!(n("ARG TAG=latest\nFROM busybox:${TAG}\n"), 0);
        assert_eq!(n("ARG VARIANT\nFROM busybox:stable${VARIANT}\n"), 0);
        assert_eq!(n("ARG TAG\nFROM alpine:${TAG:-3.14}\n"), 0);
        assert_eq!(n("ARG IMAGE\nFROM $IMAGE\n"), 1);
        assert_eq!(n("ARG V=1\nARG IMAGE=alpine:$V\nFROM $IMAGE\n"), 0);
        assert_eq!(n("FROM a AS build_amd64\nFROM build_${TARGETARCH}\n"), 0);
        assert_eq!(n("ARG S=Build\nFROM a AS build\nFROM $S\n"), 0);
    }
}
