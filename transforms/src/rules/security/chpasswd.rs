//! DF244: `chpasswd` in a RUN.

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::shell_cmds::each_command;

const DOC: &str = r#"## What it does
Finds `chpasswd` in RUN (`echo 'root:secret' | chpasswd`).

## Why is this bad?
The password is written in the Dockerfile and stays in the image
history, so anyone with the image can read it; and an image with a known
password (or an emptied one, `chpasswd -e` with an empty hash) invites
logins. Containers do not need passwords: run as a user without one and
switch with `USER`.

## Example
```dockerfile
RUN echo 'root:secret' | chpasswd
```

## Fixed
```dockerfile
USER app
```

## Fix safety
No fix: what needs the password is the author's to say.

## Aliases
- Checkov: `CKV2_DOCKER_17`

## References
- https://manpages.debian.org/stable/passwd/chpasswd.8.en.html
"#;

/// The rule.
pub struct Chpasswd;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF244",
    name: "chpasswd-in-run",
    aliases: &["CKV2_DOCKER_17"],
    severity: Severity::Warning,
    summary: "Do not set or remove passwords with `chpasswd` in a build",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

impl Rule for Chpasswd {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        each_command(ctx.doc, |_, _, cmd, _| {
            if cmd.name_is("chpasswd") {
                out.push(Diagnostic::new(
                    &META,
                    "`chpasswd` writes a password into the image and its history",
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
        assert_fixture(&META, "forms", include_str!("fixtures/chpasswd.Dockerfile"));
    }

    #[test]
    fn cases() {
        for (src, n) in [
            ("RUN echo 'root:x' | chpasswd\n", 1),
            ("RUN /usr/sbin/chpasswd < /tmp/p\n", 1),
            ("RUN echo chpasswd\n", 0),
            ("RUN passwd -d app\n", 0),
        ] {
            assert_eq!(findings(&META, &format!("FROM a\n{src}")).len(), n, "{src}");
        }
    }
}
