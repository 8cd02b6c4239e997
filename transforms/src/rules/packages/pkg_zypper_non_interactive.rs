//! DF311: `zypper install` without `-n`/`-y`.

use dfix_grammar::shell::Command;

use crate::diagnostic::Diagnostic;
use crate::pkg::{missing_flag, never, MissingFlag, ZYPPER_VALUE_FLAGS};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds `zypper` commands that ask for confirmation (`install`/`in`,
`remove`/`rm`, `update`/`up`, `dist-upgrade`/`dup`, `patch`,
`source-install`/`si`) without a non-interactive switch, and adds `-y`
(`--no-confirm`) after the subcommand.

## Why is this bad?
A build cannot answer the prompt: `zypper` stops and the build fails.

## Example
```dockerfile
RUN zypper install curl && zypper clean -a
```

## Fixed
```dockerfile
RUN zypper install -y curl && zypper clean -a
```

## Fix safety
Safe: `-y` only answers the prompt that would otherwise abort the build.
Commands with the global `-n`/`--non-interactive` or the subcommand's
`-y`/`--no-confirm` are left alone.

## Aliases
- hadolint: `DL3034`

## References
- https://en.opensuse.org/SDB:Zypper_manual
"#;

/// The rule.
pub struct ZypperNonInteractive;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF311",
    name: "zypper-missing-non-interactive",
    aliases: &["DL3034"],
    severity: Severity::Warning,
    summary: "Use `zypper -n` / `install -y` so that the build never waits for a prompt",
    doc: DOC,
    fix: FixAvailability::Always,
    options: &[],
};

fn present(cmd: &Command) -> bool {
    cmd.has_flag('n')
        || cmd.has_flag('y')
        || cmd.has_long_flag("non-interactive")
        || cmd.has_long_flag("no-confirm")
}

static SPEC: MissingFlag = MissingFlag {
    names: &["zypper"],
    value_flags: ZYPPER_VALUE_FLAGS,
    subs: &[
        "install",
        "in",
        "remove",
        "rm",
        "update",
        "up",
        "dist-upgrade",
        "dup",
        "patch",
        "source-install",
        "si",
    ],
    present,
    insert: "-y",
    message: "`zypper` without `-n` or `-y` stops at the confirmation prompt",
    safe: true,
    skip_run: never,
};

impl Rule for ZypperNonInteractive {
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
            include_str!("fixtures/pkg_zypper_non_interactive.Dockerfile"),
        );
    }

    #[test]
    fn guards() {
        for keep in [
            "RUN zypper -n install curl\n",
            "RUN zypper --non-interactive in curl\n",
            "RUN zypper install --no-confirm curl\n",
            "RUN zypper refresh\n",
        ] {
            assert!(
                findings(&META, &format!("FROM a\n{keep}")).is_empty(),
                "{keep}"
            );
        }
    }
}
