//! DF308: `yum install` without `yum clean all` in the same RUN.

use dfix_grammar::shell::Command;
use dfix_grammar::Instruction;

use crate::diagnostic::Diagnostic;
use crate::pkg::{
    is_sub, missing_cleanup, removes_under, skip_none, MissingCleanup, RPM_VALUE_FLAGS,
    SEPARATOR_OPTION,
};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds RUN instructions that install or update packages with `yum` and do
not run `yum clean all` afterwards, and appends ` && yum clean all` at the
end of the RUN (on a new continuation line when the RUN has several lines).

## Why is this bad?
`yum` keeps the downloaded metadata and packages under `/var/cache/yum`.
Left in the layer they make the image bigger and are never used again.

## Example
```dockerfile
RUN yum install -y httpd
```

## Fixed
```dockerfile
RUN yum install -y httpd && yum clean all
```

## Fix safety
Safe: only the cache is removed; a later `yum` command downloads the
metadata again. Nothing is reported when the RUN already cleans (`yum
clean all`, `rm -rf /var/cache/yum`) or when a cache or tmpfs mount covers
`/var/cache/yum`. The `separator` option chooses how the command is
joined; `;` is only used under `set -e`, where it cannot hide a failure.

## Aliases
- hadolint: `DL3032`
- Trivy: `DS-0015` (`AVD-DS-0015`)

## References
- https://man7.org/linux/man-pages/man8/yum.8.html
"#;

/// The rule.
pub struct YumClean;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF308",
    name: "yum-clean-missing",
    aliases: &["DL3032", "DS-0015"],
    severity: Severity::Warning,
    summary: "Run `yum clean all` after `yum install` in the same RUN",
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
    is_sub(cmd, &["yum"], RPM_VALUE_FLAGS, FILLS)
}

fn cleans(cmd: &Command) -> bool {
    is_sub(cmd, &["yum"], RPM_VALUE_FLAGS, &["clean"]) || removes_under(cmd, &["/var/cache/yum"])
}

fn command(_: &Command) -> String {
    "yum clean all".to_string()
}

fn block(_: &Context, _: usize, _: &Instruction) -> Option<&'static str> {
    None
}

static SPEC: MissingCleanup = MissingCleanup {
    fills,
    cleans,
    cache_dirs: &["/var/cache/yum"],
    command,
    message: "`yum` leaves its cache in the layer: run `yum clean all` in the same RUN",
    block_run: block,
    skip_run: skip_none,
};

impl Rule for YumClean {
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
            include_str!("fixtures/pkg_yum_clean.Dockerfile"),
        );
    }

    #[test]
    fn guards_and_styles() {
        for keep in [
            "RUN yum install -y x && yum clean all\n",
            "RUN yum install -y x && rm -rf /var/cache/yum\n",
            "RUN --mount=type=cache,target=/var/cache/yum yum install -y x\n",
            "RUN yum clean all\n",
        ] {
            assert!(
                findings(&META, &format!("FROM a\n{keep}")).is_empty(),
                "{keep}"
            );
        }
        // Backtick escape and CRLF: the new continuation copies both.
        assert_eq!(
            fix_rule(&META, "# escape=`\r\nFROM a\r\nRUN yum install -y a && `\r\n  yum install -y b\r\n"),
            "# escape=`\r\nFROM a\r\nRUN yum install -y a && `\r\n  yum install -y b && `\r\n  yum clean all\r\n"
        );
    }
}
