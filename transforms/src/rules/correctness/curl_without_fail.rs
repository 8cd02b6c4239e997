//! DF178: `curl` without `--fail`.

use dfix_grammar::shell::Command;

use crate::diagnostic::Diagnostic;
use crate::edit::Fix;
use crate::pkg::{editable, insert_after};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::shell_cmds::each_command;

const DOC: &str = r#"## What it does
Finds `curl` commands in RUN without `-f`/`--fail` (or
`--fail-with-body`).

## Why is this bad?
Without `--fail`, curl exits 0 on an HTTP error: a 404 page is saved as
the "downloaded" archive or piped into the next command, and the step
passes. The failure shows up later, far from its cause (`tar: not in gzip
format`), or not at all.

## Example
```dockerfile
RUN curl -sSLo /tmp/tool.tgz https://example.com/tool.tgz
```

## Fixed
```dockerfile
RUN curl -f -sSLo /tmp/tool.tgz https://example.com/tool.tgz
```

## Fix safety
Unsafe: with `-f` an HTTP error now fails the step, which is the point
but changes behaviour (a script that expected to read an error body, or
a mirror that answers 404 for an optional file, now breaks the build).
The fix adds `-f` only; it does not add `-s`, `-S` or `-L`, which change
the log and redirect handling. Commands that read the status themselves
(`-w`/`--write-out`) and `curl --version` are not reported.

## Aliases
None: hadolint, Trivy and Checkov have no such check.

## References
- https://curl.se/docs/manpage.html#-f
"#;

/// The rule.
pub struct CurlWithoutFail;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF178",
    name: "curl-without-fail",
    aliases: &[],
    severity: Severity::Info,
    summary: "Use `curl -f` so that an HTTP error fails the step",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

fn fails_or_checks(cmd: &Command) -> bool {
    cmd.has_flag('f')
        || cmd.has_long_flag("fail")
        || cmd.has_long_flag("fail-with-body")
        || cmd.has_flag('w')
        || cmd.has_long_flag("write-out")
        // `curl --version` downloads nothing.
        || cmd.has_long_flag("version")
        || cmd.has_long_flag("help")
        || cmd.has_flag('V')
}

impl Rule for CurlWithoutFail {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        each_command(ctx.doc, |_, _, cmd, clean| {
            if !cmd.name_is("curl") || fails_or_checks(cmd) || cmd.args.is_empty() {
                return;
            }
            let Some(name) = cmd.name.as_ref() else {
                return;
            };
            let fix = (clean && editable(name))
                .then(|| Fix::unsafe_fix("Add `-f`", vec![insert_after(name, "-f")]));
            out.push(
                Diagnostic::new(
                    &META,
                    "`curl` without `-f` exits 0 on an HTTP error and keeps the error page",
                    cmd.span.clone(),
                )
                .with_optional_fix(fix),
            );
        });
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
            include_str!("fixtures/curl_without_fail.Dockerfile"),
        );
    }

    #[test]
    fn cases() {
        for (src, n) in [
            ("RUN curl -sSLO https://x\n", 1),
            ("RUN curl https://x | tar xz\n", 1),
            ("RUN curl -fsSLO https://x\n", 0),
            ("RUN curl --fail -L https://x\n", 0),
            ("RUN curl --fail-with-body https://x\n", 0),
            ("RUN curl -s -o /dev/null -w '%{http_code}' https://x\n", 0),
            ("RUN curl --version\n", 0),
            ("RUN echo curl\n", 0),
        ] {
            assert_eq!(findings(&META, &format!("FROM a\n{src}")).len(), n, "{src}");
        }
        let src = "FROM a\nRUN curl -sSLO https://x\n";
        assert_eq!(fix_rule(&META, src), src);
        assert_eq!(
            fix_rule_with(&META, src, None, true),
            "FROM a\nRUN curl -f -sSLO https://x\n"
        );
    }
}
