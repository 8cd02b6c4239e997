//! DF307: `yum install` without `-y`.

use dfix_grammar::shell::Command;

use crate::diagnostic::Diagnostic;
use crate::pkg::{missing_flag, never, MissingFlag, RPM_VALUE_FLAGS};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds `yum` commands that ask for confirmation (`install`, `groupinstall`,
`localinstall`, `reinstall`, `update`, `upgrade`, `remove`, `erase`,
`downgrade`) without `-y`, and adds `-y` after the subcommand.

## Why is this bad?
A build cannot answer the prompt: `yum` stops and the build fails.

## Example
```dockerfile
RUN yum install httpd && yum clean all
```

## Fixed
```dockerfile
RUN yum install -y httpd && yum clean all
```

## Fix safety
Safe: `-y` only answers the prompt that would otherwise abort the build.
Commands with `-y` or `--assumeyes` are left alone.

## Aliases
- hadolint: `DL3030`

## References
- https://man7.org/linux/man-pages/man8/yum.8.html
"#;

/// The rule.
pub struct YumYes;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF307",
    name: "yum-missing-yes",
    aliases: &["DL3030"],
    severity: Severity::Warning,
    summary: "Use `yum -y` so that the build never waits for a prompt",
    doc: DOC,
    fix: FixAvailability::Always,
    options: &[],
};

fn present(cmd: &Command) -> bool {
    cmd.has_flag('y') || cmd.has_long_flag("assumeyes") || cmd.has_long_flag("assume-yes")
}

static SPEC: MissingFlag = MissingFlag {
    names: &["yum"],
    value_flags: RPM_VALUE_FLAGS,
    subs: &[
        "install",
        "groupinstall",
        "localinstall",
        "reinstall",
        "update",
        "upgrade",
        "remove",
        "erase",
        "downgrade",
    ],
    present,
    insert: "-y",
    message: "`yum` without `-y` stops at the confirmation prompt",
    safe: true,
    skip_run: never,
};

impl Rule for YumYes {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        missing_flag(ctx, &META, &SPEC)
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
            include_str!("fixtures/pkg_yum_yes.Dockerfile"),
        );
    }

    #[test]
    fn guards() {
        for keep in [
            "RUN yum install -y httpd\n",
            "RUN yum --assumeyes install httpd\n",
            "RUN yum -q -y update\n",
            "RUN yum makecache\n",
        ] {
            assert!(
                findings(&META, &format!("FROM a\n{keep}")).is_empty(),
                "{keep}"
            );
        }
        assert_eq!(
            fix_rule(&META, "FROM a\nRUN yum --enablerepo epel install x\n"),
            "FROM a\nRUN yum --enablerepo epel install -y x\n"
        );
    }
}
