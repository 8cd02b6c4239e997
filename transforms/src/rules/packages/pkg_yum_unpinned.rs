//! DF322: unpinned packages in `yum install`.

use dfix_grammar::shell::{Command, Word};

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::shell_cmds::{rpm_install_packages, rpm_pinned, unpinned, PinSpec};

const DOC: &str = r#"## What it does
Finds `yum install` commands with a package that has no version:
`httpd` rather than `httpd-2.4.57`. `yum module install` needs a stream
(`nodejs:18`).

## Why is this bad?
Without a version the build installs whatever the repository serves that
day: two builds of the same Dockerfile can differ, and a new release can
break the image without any change to the file.

## Example
```dockerfile
RUN yum install -y httpd
```

## Fixed
```dockerfile
RUN yum install -y httpd-2.4.57
```

Pinned or exempt: `name-version` (a dash followed by a digit, as hadolint
2.15 judges it: `python3-devel` is a name), `.rpm` files, paths and URLs.

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
- hadolint: `DL3033`

## References
- https://docs.docker.com/build/building/best-practices/
"#;

/// The rule.
pub struct YumUnpinned;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF322",
    name: "yum-unpinned-package",
    aliases: &["DL3033"],
    severity: Severity::Warning,
    summary: "Pin versions in `yum install`",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

const NAMES: &[&str] = &["yum"];

fn packages(cmd: &Command) -> Option<Vec<&Word>> {
    rpm_install_packages(cmd, NAMES)
}

static SPEC: PinSpec = PinSpec {
    packages,
    pinned: rpm_pinned,
    what: "yum install",
    how: "name-version",
};

impl Rule for YumUnpinned {
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
            include_str!("fixtures/pkg_yum_unpinned.Dockerfile"),
        );
    }

    #[test]
    fn catches() {
        for case in [
            "RUN yum install -y httpd\n",
            "RUN yum install -y httpd-2.4.57 mod_ssl\n",
            "RUN yum module install -y nodejs\n",
            "RUN yum install -y python3-devel\n",
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
            "RUN yum install -y httpd-2.4.57 mod_ssl-2.4.57\n",
            "RUN yum install -y /tmp/x.rpm https://example.com/y.rpm\n",
            "RUN yum module install -y nodejs:18\n",
            "RUN yum install -y $PKGS\n",
            "RUN yum clean all\n",
        ] {
            assert!(
                findings(&META, &format!("FROM a\n{case}")).is_empty(),
                "{case}"
            );
        }
    }
}
