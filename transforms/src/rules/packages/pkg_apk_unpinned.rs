//! DF321: unpinned packages in `apk add`.

use dfix_grammar::shell::{Command, Word};

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::shell_cmds::{args_after_sub, unpinned, PinSpec};

const DOC: &str = r#"## What it does
Finds `apk add` commands with a package that has no version constraint:
`curl` rather than `curl=8.5.0-r0` or `curl~8.5`.

## Why is this bad?
Without a version the build installs whatever the repository serves that
day: two builds of the same Dockerfile can differ, and a new release can
break the image without any change to the file.

## Example
```dockerfile
RUN apk add --no-cache curl
```

## Fixed
```dockerfile
RUN apk add --no-cache curl=8.5.0-r0
```

Pinned or exempt, as in hadolint: `pkg=version`, `pkg~version`,
`pkg>version`, `pkg<version` and `.apk` files. The values of `-t`/`--virtual`,
`-X`/`--repository`, `-p`/`--root`, `--arch`, `--cache-dir` and
`--keys-dir` are not packages.

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
- hadolint: `DL3018`

## References
- https://wiki.alpinelinux.org/wiki/Alpine_Package_Keeper#Advanced_Usage
"#;

/// The rule.
pub struct ApkUnpinned;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF321",
    name: "apk-unpinned-package",
    aliases: &["DL3018"],
    severity: Severity::Warning,
    summary: "Pin versions in `apk add`",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

const APK_VALUE_FLAGS: &[&str] = &[
    "-t",
    "--virtual",
    "-X",
    "--repository",
    "-p",
    "--root",
    "--arch",
    "--cache-dir",
    "--keys-dir",
    "--repositories-file",
];

fn packages(cmd: &Command) -> Option<Vec<&Word>> {
    args_after_sub(cmd, &["apk"], APK_VALUE_FLAGS, &["add"])
}

fn pinned(p: &str) -> bool {
    p.contains(['=', '~', '<', '>']) || p.ends_with(".apk")
}

static SPEC: PinSpec = PinSpec {
    packages,
    pinned,
    what: "apk add",
    how: "pkg=version",
};

impl Rule for ApkUnpinned {
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
            include_str!("fixtures/pkg_apk_unpinned.Dockerfile"),
        );
    }

    #[test]
    fn catches() {
        for case in [
            "RUN apk add curl\n",
            "RUN apk add --no-cache -t .deps curl=8.5 git\n",
            "RUN apk add --virtual .build gcc\n",
            "RUN apk --no-cache add musl-dev\n",
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
            "RUN apk add --no-cache curl=8.5.0-r0 git~2.43\n",
            "RUN apk add -t .deps curl=8 --repository http://dl-cdn.alpinelinux.org/alpine/edge/main\n",
            "RUN apk add ./local.apk\n",
            "RUN apk add $DEPS\n",
            "RUN apk update\n",
        ] {
            assert!(
                findings(&META, &format!("FROM a\n{case}")).is_empty(),
                "{case}"
            );
        }
    }
}
