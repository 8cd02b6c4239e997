//! DF302: `apt-get install` without `-y`.

use dfix_grammar::shell::Command;

use crate::diagnostic::Diagnostic;
use crate::pkg::{missing_flag, never, MissingFlag, APT_VALUE_FLAGS};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds `apt-get` commands that would ask for confirmation (`install`,
`upgrade`, `dist-upgrade`, `remove`, `purge`, `autoremove`, `build-dep`)
and adds `-y` after the subcommand.

## Why is this bad?
A build has no terminal to answer the prompt: without `-y`, `apt-get`
aborts as soon as it needs confirmation, and the build fails (or only
works until a package pulls in a new dependency).

## Example
```dockerfile
RUN apt-get update && apt-get install curl
```

## Fixed
```dockerfile
RUN apt-get update && apt-get install -y curl
```

## Fix safety
Safe: `-y` only answers the prompt that would otherwise abort the build.
Commands that already say yes (`-y`, `--yes`, `--assume-yes`, `-qq`,
`--quiet --quiet`,
`-q=2`, `--quiet=2`, `-o APT::Get::Assume-Yes=true`) are left alone.

## Aliases
- hadolint: `DL3014`
- Trivy: `DS-0021` (`AVD-DS-0021`)

## References
- https://manpages.debian.org/stable/apt/apt-get.8.en.html
- https://docs.docker.com/build/building/best-practices/#apt-get
"#;

/// The rule.
pub struct AptGetYes;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF302",
    name: "apt-get-missing-yes",
    aliases: &["DL3014", "DS-0021"],
    severity: Severity::Warning,
    summary: "Use `apt-get -y` so that the build never waits for a prompt",
    doc: DOC,
    fix: FixAvailability::Always,
    options: &[],
};

/// True when the command already answers yes.
fn says_yes(cmd: &Command) -> bool {
    let quiet_twice = cmd
        .args
        .iter()
        .filter_map(|w| w.value.as_deref())
        .filter(|v| v.starts_with('-') && !v.starts_with("--"))
        .map(|v| v.matches('q').count())
        .sum::<usize>()
        // `--quiet --quiet` counts like `-qq`.
        + cmd.args.iter().filter(|w| w.is("--quiet")).count()
        >= 2;
    cmd.has_flag('y')
        || cmd.has_long_flag("yes")
        || cmd.has_long_flag("assume-yes")
        || quiet_twice
        || cmd.args.iter().any(|w| {
            w.value.as_deref().is_some_and(|v| {
                v == "-q=2" || v == "--quiet=2" || v.to_ascii_lowercase().contains("assume-yes")
            })
        })
}

static SPEC: MissingFlag = MissingFlag {
    names: &["apt-get"],
    value_flags: APT_VALUE_FLAGS,
    subs: &[
        "install",
        "upgrade",
        "dist-upgrade",
        "remove",
        "purge",
        "autoremove",
        "build-dep",
    ],
    present: says_yes,
    insert: "-y",
    message: "`apt-get` without `-y` stops at the confirmation prompt",
    safe: true,
    skip_run: never,
};

impl Rule for AptGetYes {
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
            include_str!("fixtures/pkg_apt_get_yes.Dockerfile"),
        );
    }

    #[test]
    fn already_yes() {
        for keep in [
            "RUN apt-get install -y curl\n",
            "RUN apt-get -qy install curl\n",
            "RUN apt-get --yes install curl\n",
            "RUN apt-get install --assume-yes curl\n",
            "RUN apt-get -qq install curl\n",
            "RUN apt-get --quiet --quiet install curl\n",
            "RUN apt-get -q --quiet install curl\n",
            "RUN apt-get -q -q install curl\n",
            "RUN apt-get -o APT::Get::Assume-Yes=true install curl\n",
            "RUN apt-get update\n",
            "RUN [\"apt-get\", \"install\", \"curl\"]\n",
        ] {
            assert!(
                findings(&META, &format!("FROM a\n{keep}")).is_empty(),
                "{keep}"
            );
        }
    }

    #[test]
    fn crlf_and_backtick() {
        assert_eq!(
            fix_rule(
                &META,
                "# escape=`\r\nFROM a\r\nRUN apt-get update && `\r\n    apt-get install curl\r\n"
            ),
            "# escape=`\r\nFROM a\r\nRUN apt-get update && `\r\n    apt-get install -y curl\r\n"
        );
        assert_eq!(
            fix_rule(
                &META,
                "FROM a\nRUN apt-get -o Dpkg::Options::=--force-confnew install x\n"
            ),
            "FROM a\nRUN apt-get -o Dpkg::Options::=--force-confnew install -y x\n"
        );
    }
}
