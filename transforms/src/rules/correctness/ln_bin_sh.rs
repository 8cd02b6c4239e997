//! DF176: `ln` replacing `/bin/sh` instead of `SHELL`.

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::shell_cmds::each_command;

const DOC: &str = r#"## What it does
Finds `ln` commands in RUN that name `/bin/sh` (`ln -sf /bin/bash /bin/sh`).

## Why is this bad?
Relinking `/bin/sh` to change the shell of later RUNs also changes it for
everything in the running container that calls `/bin/sh` (scripts with
`#!/bin/sh`, `system()` calls), which usually was not the intent. The
`SHELL` instruction changes the shell of the build's RUN steps only.

## Example
```dockerfile
RUN ln -sf /bin/bash /bin/sh
```

## Fixed
```dockerfile
SHELL ["/bin/bash", "-c"]
```

## Fix safety
No fix: `SHELL` leaves `/bin/sh` of the running container alone, which
changes behaviour when something at run time relied on the link.

## Aliases
- hadolint: `DL4005`

## References
- https://docs.docker.com/reference/dockerfile/#shell
"#;

/// The rule.
pub struct LnBinSh;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF176",
    name: "ln-bin-sh",
    aliases: &["DL4005"],
    severity: Severity::Warning,
    summary: "Use `SHELL` to change the build's shell rather than relinking `/bin/sh`",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

impl Rule for LnBinSh {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        each_command(ctx.doc, |_, _, cmd, _| {
            if cmd.name_is("ln") && cmd.args.iter().any(|w| w.is("/bin/sh")) {
                out.push(Diagnostic::new(
                    &META,
                    "relinking `/bin/sh` also changes the shell of the running container: use `SHELL`",
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
            include_str!("fixtures/ln_bin_sh.Dockerfile"),
        );
    }

    #[test]
    fn cases() {
        for (src, n) in [
            ("RUN ln -sf /bin/bash /bin/sh\n", 1),
            ("RUN rm /bin/sh && ln -s /bin/bash /bin/sh\n", 1),
            ("RUN ln -s /bin/sh /usr/local/bin/sh2\n", 1),
            ("RUN ln -s /bin/bash /usr/local/bin/sh\n", 0),
            ("SHELL [\"/bin/bash\", \"-c\"]\n", 0),
        ] {
            assert_eq!(findings(&META, &format!("FROM a\n{src}")).len(), n, "{src}");
        }
    }
}
