//! DF309: `dnf`/`microdnf` install without `-y`.

use dfix_grammar::shell::Command;

use crate::diagnostic::Diagnostic;
use crate::pkg::{missing_flag, never, MissingFlag, RPM_VALUE_FLAGS};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds `dnf` and `microdnf` commands that ask for confirmation (`install`,
`groupinstall`, `localinstall`, `reinstall`, `update`, `upgrade`,
`remove`, `erase`, `downgrade`, `module`) without `-y`, and adds `-y`
after the subcommand.

## Why is this bad?
A build cannot answer the prompt: `dnf` stops and the build fails.

## Example
```dockerfile
RUN dnf install httpd && dnf clean all
```

## Fixed
```dockerfile
RUN dnf install -y httpd && dnf clean all
```

## Fix safety
Safe: `-y` only answers the prompt that would otherwise abort the build.
Commands with `-y` or `--assumeyes` are left alone.

## Aliases
- hadolint: `DL3038`

## References
- https://dnf.readthedocs.io/en/latest/command_ref.html
"#;

/// The rule.
pub struct DnfYes;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF309",
    name: "dnf-missing-yes",
    aliases: &["DL3038"],
    severity: Severity::Warning,
    summary: "Use `dnf -y` so that the build never waits for a prompt",
    doc: DOC,
    fix: FixAvailability::Always,
    options: &[],
};

fn present(cmd: &Command) -> bool {
    cmd.has_flag('y') || cmd.has_long_flag("assumeyes") || cmd.has_long_flag("assume-yes")
}

static SPEC: MissingFlag = MissingFlag {
    names: &["dnf", "microdnf"],
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
        "module",
    ],
    present,
    insert: "-y",
    message: "`dnf` without `-y` stops at the confirmation prompt",
    safe: true,
    skip_run: never,
};

impl Rule for DnfYes {
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
            include_str!("fixtures/pkg_dnf_yes.Dockerfile"),
        );
    }

    #[test]
    fn guards() {
        for keep in [
            "RUN dnf install -y httpd\n",
            "RUN microdnf --assumeyes install httpd\n",
            "RUN dnf makecache\n",
        ] {
            assert!(
                findings(&META, &format!("FROM a\n{keep}")).is_empty(),
                "{keep}"
            );
        }
    }
}
