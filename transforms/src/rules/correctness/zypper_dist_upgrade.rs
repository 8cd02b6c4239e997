//! DF174: `zypper dist-upgrade` in a RUN.

use crate::diagnostic::Diagnostic;
use crate::pkg::{subcommand, ZYPPER_VALUE_FLAGS};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::shell_cmds::each_command;

const DOC: &str = r#"## What it does
Finds `zypper dist-upgrade` (`zypper dup`) in RUN.

## Why is this bad?
A distribution upgrade moves the image to whatever the repositories hold
that day, possibly a new release of the distribution, behind the back of
the base image's tag. Pick a base image of the release you want and
install what you need from it instead.

## Example
```dockerfile
FROM opensuse/leap:15.5
RUN zypper --non-interactive dist-upgrade
```

## Fixed
```dockerfile
FROM opensuse/leap:15.6
```

## Fix safety
No fix: the upgrade may be what the image relies on.

## Aliases
- hadolint: `DL3035`

## References
- https://en.opensuse.org/SDB:Zypper_usage#Distribution_upgrade
"#;

/// The rule.
pub struct ZypperDistUpgrade;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF174",
    name: "zypper-dist-upgrade",
    aliases: &["DL3035"],
    severity: Severity::Warning,
    summary: "Do not use `zypper dist-upgrade` in a build",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

impl Rule for ZypperDistUpgrade {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        each_command(ctx.doc, |_, _, cmd, _| {
            let dup = subcommand(cmd, &["zypper"], ZYPPER_VALUE_FLAGS)
                .is_some_and(|w| w.is("dist-upgrade") || w.is("dup"));
            if dup {
                out.push(Diagnostic::new(
                    &META,
                    "`zypper dist-upgrade` moves the image past its base image's release",
                    cmd.span.clone(),
                ));
            }
        });
        out
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
            include_str!("fixtures/zypper_dist_upgrade.Dockerfile"),
        );
    }

    #[test]
    fn cases() {
        for (src, n) in [
            ("RUN zypper dist-upgrade\n", 1),
            ("RUN zypper -n dup -y\n", 1),
            ("RUN zypper update -y\n", 0),
            ("RUN zypper install dup\n", 0),
        ] {
            assert_eq!(findings(&META, &format!("FROM a\n{src}")).len(), n, "{src}");
        }
    }
}
