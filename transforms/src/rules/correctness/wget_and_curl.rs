//! DF172: both `wget` and `curl` in one stage.

use std::collections::BTreeSet;

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::shell_cmds::each_command;

const DOC: &str = r#"## What it does
Finds stages whose RUNs use both `wget` and `curl`, and reports each RUN
that uses one of them once both have been seen in the stage.

## Why is this bad?
Both tools download files. Using both means both must be installed, and
the image carries two tools (and their libraries) where one would do.

## Example
```dockerfile
FROM debian:bookworm
RUN wget -q https://example.com/a.tgz
RUN curl -fsSLO https://example.com/b.tgz
```

## Fixed
```dockerfile
FROM debian:bookworm
RUN curl -fsSLO https://example.com/a.tgz
RUN curl -fsSLO https://example.com/b.tgz
```

## Fix safety
No fix: the two tools' options differ, and which one to keep is the
author's choice. As in hadolint, each stage starts afresh at its `FROM`
(Trivy's DS-0014 looks at the whole file: a build stage with `wget` and a
runtime stage with `curl` are reported by Trivy, not here).

## Aliases
- hadolint: `DL4001`
- Trivy: `DS-0014` (`AVD-DS-0014`)

## References
- https://docs.docker.com/build/building/best-practices/
"#;

/// The rule.
pub struct WgetAndCurl;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF172",
    name: "wget-and-curl",
    aliases: &["DL4001", "DS-0014"],
    severity: Severity::Warning,
    summary: "Use either `wget` or `curl`, not both",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

impl Rule for WgetAndCurl {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        // Tools used by each RUN, by instruction index.
        let mut used: Vec<(usize, BTreeSet<&'static str>)> = Vec::new();
        each_command(ctx.doc, |i, _, cmd, _| {
            let tool = if cmd.name_is("wget") {
                "wget"
            } else if cmd.name_is("curl") {
                "curl"
            } else {
                return;
            };
            match used.last_mut() {
                Some((j, set)) if *j == i => {
                    set.insert(tool);
                }
                _ => used.push((i, BTreeSet::from([tool]))),
            }
        });
        let mut out = Vec::new();
        for stage in ctx.doc.stages() {
            let mut seen = BTreeSet::new();
            for (i, tools) in used.iter().filter(|(i, _)| stage.instructions.contains(i)) {
                seen.extend(tools.iter().copied());
                if seen.len() >= 2 {
                    out.push(Diagnostic::new(
                        &META,
                        "this stage uses both `wget` and `curl`: pick one",
                        ctx.doc.instructions[*i].span.clone(),
                    ));
                }
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
            "forms",
            include_str!("fixtures/wget_and_curl.Dockerfile"),
        );
    }

    #[test]
    fn cases() {
        for (src, n) in [
            ("FROM a\nRUN wget x && curl y\n", 1),
            ("FROM a\nRUN wget x\nRUN curl y\nRUN curl z\n", 2),
            ("FROM a\nRUN wget x\nFROM b\nRUN curl y\n", 0),
            ("FROM a\nRUN curl x && curl y\n", 0),
            ("FROM a\nRUN echo wget curl\n", 0),
        ] {
            assert_eq!(findings(&META, src).len(), n, "{src}");
        }
    }
}
