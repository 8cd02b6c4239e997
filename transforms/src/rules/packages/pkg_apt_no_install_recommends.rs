//! DF303: `apt-get install` without `--no-install-recommends`.

use dfix_grammar::shell::Command;

use crate::diagnostic::Diagnostic;
use crate::pkg::{missing_flag, never, MissingFlag, APT_VALUE_FLAGS};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds `apt-get install` without `--no-install-recommends` and adds the flag
after `install`.

## Why is this bad?
By default apt also installs every package that the requested ones
*recommend*: documentation, optional tools, sometimes a whole desktop
stack. They make the image bigger, slower to pull and widen its attack
surface, and nothing asked for them.

## Example
```dockerfile
RUN apt-get update && apt-get install -y curl
```

## Fixed
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends curl
```

## Fix safety
Unsafe: packages that were installed as recommendations are no longer
installed, and something in the image may have relied on one of them
(e.g. `ca-certificates` recommended by `curl`). Applied only with
`--unsafe-fixes`; check the build after applying it. Commands that already
set `--no-install-recommends` or `-o APT::Install-Recommends=...` are left
alone.

## Aliases
- hadolint: `DL3015`
- Trivy: `DS-0029` (`AVD-DS-0029`)

## References
- https://manpages.debian.org/stable/apt/apt-get.8.en.html
- https://docs.docker.com/build/building/best-practices/#apt-get
"#;

/// The rule.
pub struct AptNoInstallRecommends;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF303",
    name: "apt-get-install-recommends",
    aliases: &["DL3015", "DS-0029"],
    severity: Severity::Info,
    summary: "Use `--no-install-recommends` to avoid installing packages nobody asked for",
    doc: DOC,
    fix: FixAvailability::Always,
    options: &[],
};

fn present(cmd: &Command) -> bool {
    cmd.has_long_flag("no-install-recommends")
        || cmd.args.iter().any(|w| {
            w.value
                .as_deref()
                .is_some_and(|v| v.to_ascii_lowercase().contains("install-recommends"))
        })
}

static SPEC: MissingFlag = MissingFlag {
    names: &["apt-get"],
    value_flags: APT_VALUE_FLAGS,
    subs: &["install"],
    present,
    insert: "--no-install-recommends",
    message:
        "`apt-get install` without `--no-install-recommends` also installs recommended packages",
    safe: false,
    skip_run: never,
};

impl Rule for AptNoInstallRecommends {
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
            include_str!("fixtures/pkg_apt_no_install_recommends.Dockerfile"),
        );
    }

    #[test]
    fn unsafe_only_and_guards() {
        let src = "FROM a\nRUN apt-get install -y curl\n";
        assert_eq!(fix_rule(&META, src), src);
        assert_eq!(
            fix_rule_with(&META, src, None, true),
            "FROM a\nRUN apt-get install --no-install-recommends -y curl\n"
        );
        for keep in [
            "RUN apt-get install -y --no-install-recommends curl\n",
            "RUN apt-get -o APT::Install-Recommends=false install -y curl\n",
            "RUN apt-get update\n",
        ] {
            assert!(
                findings(&META, &format!("FROM a\n{keep}")).is_empty(),
                "{keep}"
            );
        }
    }
}
