//! DF324: unpinned packages in `zypper install`.

use dfix_grammar::shell::{Command, Word};

use crate::diagnostic::Diagnostic;
use crate::pkg::ZYPPER_VALUE_FLAGS;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::shell_cmds::{args_after_sub, unpinned, PinSpec};

const DOC: &str = r#"## What it does
Finds `zypper install` (`zypper in`) commands with a package that has no
version: `curl` rather than `curl=8.0.1`.

## Why is this bad?
Without a version the build installs whatever the repository serves that
day: two builds of the same Dockerfile can differ, and a new release can
break the image without any change to the file.

## Example
```dockerfile
RUN zypper install -y curl
```

## Fixed
```dockerfile
RUN zypper install -y curl=8.0.1
```

Pinned or exempt: `pkg=version`, `pkg<version`, `pkg>version` (quoted:
unquoted, `>` is a redirection), `.rpm` files, paths and URLs.

## Fix safety
No fix: pinning needs the repository's index (which version exists, and
for how long), which a rewriter does not have. A package list in a
variable (`apt-get install $buildDeps`) is read from its assignment earlier
in the same RUN (`buildDeps='gcc make'`) or from an `ENV` of the stage; a
variable with no known value is not judged (hadolint reports it as
unpinned without knowing what it holds).
RUNs under a PowerShell or cmd `SHELL` are read too when their text
parses as shell: an install command line reads the same there.

## Aliases
- hadolint: `DL3037`

## References
- https://en.opensuse.org/SDB:Zypper_manual
"#;

/// The rule.
pub struct ZypperUnpinned;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF324",
    name: "zypper-unpinned-package",
    aliases: &["DL3037"],
    severity: Severity::Warning,
    summary: "Pin versions in `zypper install`",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

fn packages(cmd: &Command) -> Option<Vec<&Word>> {
    args_after_sub(cmd, &["zypper"], ZYPPER_VALUE_FLAGS, &["install", "in"])
}

fn pinned(p: &str) -> bool {
    p.contains(['=', '<', '>', '/']) || p.ends_with(".rpm")
}

static SPEC: PinSpec = PinSpec {
    packages,
    pinned,
    what: "zypper install",
    how: "pkg=version",
};

impl Rule for ZypperUnpinned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        unpinned(ctx, &META, &SPEC)
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
            include_str!("fixtures/pkg_zypper_unpinned.Dockerfile"),
        );
    }

    #[test]
    fn catches() {
        for case in [
            "RUN zypper install -y curl\n",
            "RUN zypper -n in git curl=8\n",
            "RUN zypper install -y foo>=1\n",
        ] {
            assert_eq!(
                findings(&META, &format!("FROM a\n{case}")).len(),
                1,
                "{case}"
            );
        }
    }

    #[test]
    fn spares() {
        for case in [
            "RUN zypper install -y curl=8.0.1 'git>=2'\n",
            "RUN zypper install -y /tmp/x.rpm\n",
            "RUN zypper refresh\n",
        ] {
            assert!(
                findings(&META, &format!("FROM a\n{case}")).is_empty(),
                "{case}"
            );
        }
    }
}
