//! DF312: `zypper install` without `zypper clean` in the same RUN.

use dfix_grammar::shell::Command;
use dfix_grammar::Instruction;

use crate::diagnostic::Diagnostic;
use crate::pkg::{
    is_sub, missing_cleanup, removes_under, skip_none, MissingCleanup, SEPARATOR_OPTION,
    ZYPPER_VALUE_FLAGS,
};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds RUN instructions that install or update packages with `zypper` and
do not run `zypper clean` afterwards, and appends ` && zypper clean -a` at
the end of the RUN.

## Why is this bad?
`zypper` keeps repository metadata and packages under `/var/cache/zypp`.
Left in the layer they make the image bigger and are never used again.

## Example
```dockerfile
RUN zypper -n install curl
```

## Fixed
```dockerfile
RUN zypper -n install curl && zypper clean -a
```

## Fix safety
Safe: only the cache is removed; a later `zypper` command downloads the
metadata again. Nothing is reported when the RUN already cleans (`zypper
clean`, `zypper cc`, `rm -rf /var/cache/zypp`) or when a cache or tmpfs
mount covers `/var/cache/zypp`. The `separator` option chooses how the
command is joined; `;` is only used under `set -e`.

## Aliases
- hadolint: `DL3036`
- Trivy: `DS-0020` (`AVD-DS-0020`)

## References
- https://en.opensuse.org/SDB:Zypper_manual
"#;

/// The rule.
pub struct ZypperClean;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF312",
    name: "zypper-clean-missing",
    aliases: &["DL3036", "DS-0020"],
    severity: Severity::Warning,
    summary: "Run `zypper clean -a` after `zypper install` in the same RUN",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[SEPARATOR_OPTION],
};

const FILLS: &[&str] = &[
    "install",
    "in",
    "update",
    "up",
    "dist-upgrade",
    "dup",
    "patch",
    "source-install",
    "si",
    "refresh",
    "ref",
];

fn fills(cmd: &Command) -> bool {
    is_sub(cmd, &["zypper"], ZYPPER_VALUE_FLAGS, FILLS)
}

fn cleans(cmd: &Command) -> bool {
    is_sub(cmd, &["zypper"], ZYPPER_VALUE_FLAGS, &["clean", "cc"])
        || removes_under(cmd, &["/var/cache/zypp"])
}

fn command(_: &Command) -> String {
    "zypper clean -a".to_string()
}

fn block(_: &Context, _: usize, _: &Instruction) -> Option<&'static str> {
    None
}

static SPEC: MissingCleanup = MissingCleanup {
    fills,
    cleans,
    cache_dirs: &["/var/cache/zypp"],
    command,
    message: "`zypper` leaves its cache in the layer: run `zypper clean -a` in the same RUN",
    block_run: block,
    skip_run: skip_none,
};

impl Rule for ZypperClean {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        missing_cleanup(ctx, &META, &SPEC)
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
            include_str!("fixtures/pkg_zypper_clean.Dockerfile"),
        );
    }

    #[test]
    fn guards() {
        for keep in [
            "RUN zypper -n in x && zypper clean -a\n",
            "RUN zypper -n in x && zypper cc\n",
            "RUN zypper -n in x && rm -rf /var/cache/zypp/*\n",
            "RUN --mount=type=cache,target=/var/cache/zypp zypper -n in x\n",
        ] {
            assert!(
                findings(&META, &format!("FROM a\n{keep}")).is_empty(),
                "{keep}"
            );
        }
    }
}
