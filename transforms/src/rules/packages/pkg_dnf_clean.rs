//! DF310: `dnf`/`microdnf` install without `clean all` in the same RUN.

use dfix_grammar::shell::Command;
use dfix_grammar::Instruction;

use crate::diagnostic::Diagnostic;
use crate::pkg::{
    is_sub, missing_cleanup, removes_under, skip_none, MissingCleanup, RPM_VALUE_FLAGS,
    SEPARATOR_OPTION,
};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds RUN instructions that install or update packages with `dnf` or
`microdnf` and do not run `clean all` afterwards, and appends ` && dnf
clean all` (or ` && microdnf clean all`, after the tool that installed) at
the end of the RUN.

## Why is this bad?
`dnf` keeps the downloaded metadata and packages under `/var/cache/dnf`
(`microdnf` under `/var/cache/yum`). Left in the layer they make the image
bigger and are never used again.

## Example
```dockerfile
RUN dnf install -y httpd
```

## Fixed
```dockerfile
RUN dnf install -y httpd && dnf clean all
```

## Fix safety
Safe: only the cache is removed; a later `dnf` command downloads the
metadata again. Nothing is reported when the RUN already cleans (`dnf
clean all`, `microdnf clean all`, `rm -rf /var/cache/dnf`) or when a cache
or tmpfs mount covers `/var/cache/dnf` or dnf5's `/var/cache/libdnf5`.
The `separator` option chooses how the command is joined; `;` is only
used under `set -e`.

## Aliases
- hadolint: `DL3040`
- Trivy: `DS-0019` (`AVD-DS-0019`) for dnf, `DS-0027` (`AVD-DS-0027`) for microdnf

## References
- https://dnf.readthedocs.io/en/latest/command_ref.html#clean-command
"#;

/// The rule.
pub struct DnfClean;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF310",
    name: "dnf-clean-missing",
    aliases: &["DL3040", "DS-0019", "DS-0027"],
    severity: Severity::Warning,
    summary: "Run `dnf clean all` after `dnf install` in the same RUN",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[SEPARATOR_OPTION],
};

const FILLS: &[&str] = &[
    "install",
    "groupinstall",
    "localinstall",
    "reinstall",
    "update",
    "upgrade",
    "downgrade",
    "makecache",
];

fn fills(cmd: &Command) -> bool {
    is_sub(cmd, &["dnf", "microdnf"], RPM_VALUE_FLAGS, FILLS)
}

fn cleans(cmd: &Command) -> bool {
    is_sub(cmd, &["dnf", "microdnf"], RPM_VALUE_FLAGS, &["clean"])
        || removes_under(
            cmd,
            &["/var/cache/dnf", "/var/cache/yum", "/var/cache/libdnf5"],
        )
}

fn command(cmd: &Command) -> String {
    if cmd.name_is("microdnf") {
        "microdnf clean all".to_string()
    } else {
        "dnf clean all".to_string()
    }
}

fn block(_: &Context, _: usize, _: &Instruction) -> Option<&'static str> {
    None
}

static SPEC: MissingCleanup = MissingCleanup {
    fills,
    cleans,
    // dnf5 keeps its cache in /var/cache/libdnf5.
    cache_dirs: &["/var/cache/dnf", "/var/cache/libdnf5"],
    command,
    message: "`dnf` leaves its cache in the layer: run `dnf clean all` in the same RUN",
    block_run: block,
    skip_run: skip_none,
};

impl Rule for DnfClean {
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
            include_str!("fixtures/pkg_dnf_clean.Dockerfile"),
        );
    }

    #[test]
    fn guards() {
        for keep in [
            "RUN dnf install -y x && dnf clean all\n",
            "RUN microdnf install -y x && microdnf clean all\n",
            "RUN dnf install -y x && rm -rf /var/cache/dnf\n",
            "RUN --mount=type=cache,target=/var/cache/dnf dnf install -y x\n",
            "RUN --mount=type=cache,target=/var/cache/libdnf5 dnf install -y x\n",
            "RUN --mount=type=tmpfs,target=/var/cache/libdnf5 dnf install -y x\n",
            "RUN dnf install -y x && rm -rf /var/cache/libdnf5\n",
        ] {
            assert!(
                findings(&META, &format!("FROM a\n{keep}")).is_empty(),
                "{keep}"
            );
        }
        assert_eq!(
            fix_rule(&META, "FROM a\nRUN microdnf install -y x\n"),
            "FROM a\nRUN microdnf install -y x && microdnf clean all\n"
        );
    }
}
