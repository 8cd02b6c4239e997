//! DF320: unpinned packages in `apt-get install`.

use dfix_grammar::shell::{Command, Word};

use crate::diagnostic::Diagnostic;
use crate::pkg::APT_VALUE_FLAGS;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::shell_cmds::{args_after_sub, unpinned, PinSpec};

const DOC: &str = r#"## What it does
Finds `apt-get install` commands (anywhere in a RUN: chains, `if`/`case`
bodies, `$( )`, heredoc scripts) with a package that has no version:
`curl` rather than `curl=7.88.1-10+deb12u5`.

## Why is this bad?
Without a version the build installs whatever the repository serves that
day: two builds of the same Dockerfile can differ, and a new release can
break the image without any change to the file.

## Example
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends curl
```

## Fixed
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5
```

Pinned or exempt, as in hadolint: `pkg=version`, `pkg/release` (a target
release), and `.deb` files. Values of `-o`, `-t`, `-c`, `-a` are not
packages. `apt install` is left to `apt-instead-of-apt-get` (DL3027),
whose fix turns it into `apt-get install`, which this rule then sees.

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
- hadolint: `DL3008`

## References
- https://docs.docker.com/build/building/best-practices/#apt-get
- https://manpages.debian.org/stable/apt/apt-get.8.en.html
"#;

/// The rule.
pub struct AptUnpinned;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF320",
    name: "apt-get-unpinned-package",
    aliases: &["DL3008"],
    severity: Severity::Warning,
    summary: "Pin versions in `apt-get install`",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

fn packages(cmd: &Command) -> Option<Vec<&Word>> {
    args_after_sub(cmd, &["apt-get"], APT_VALUE_FLAGS, &["install"])
}

fn pinned(p: &str) -> bool {
    p.contains('=') || p.contains('/') || p.ends_with(".deb")
}

static SPEC: PinSpec = PinSpec {
    packages,
    pinned,
    what: "apt-get install",
    how: "pkg=version",
};

impl Rule for AptUnpinned {
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
            include_str!("fixtures/pkg_apt_unpinned.Dockerfile"),
        );
    }

    #[test]
    fn catches() {
        for case in [
            "RUN apt-get install -y curl\n",
            "RUN apt-get update && apt-get install -y curl=7.88 git\n",
            "RUN if [ -n \"$X\" ]; then apt-get install -y vim; fi\n",
            "RUN apt-get -o Dpkg::Options::=--force-confnew install -y jq\n",
            "RUN set -ex; deps='ca-certificates curl'; apt-get install -y $deps\n",
            "ENV PKGS=\"curl git=1\"\nRUN apt-get install -y ${PKGS}\n",
            "RUN <<EOF\napt-get install -y wget\nEOF\n",
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
            "RUN apt-get install -y curl=7.88 git=1:2.39\n",
            "RUN apt-get install -y -t bookworm-backports golang=2:1.21\n",
            "RUN apt-get install -y ./local.deb nginx/bookworm-backports\n",
            "RUN apt-get install -y $PKGS\n",
            "RUN deps='curl=1 git=2' && apt-get install -y $deps\n",
            "RUN apt-get install -y $deps && deps='curl'\n",
            "RUN apt-get update\n",
            "RUN apt install -y curl\n",
            "RUN [\"apt-get\", \"install\", \"-y\", \"curl\"]\n",
        ] {
            assert!(
                findings(&META, &format!("FROM a\n{case}")).is_empty(),
                "{case}"
            );
        }
    }
}
