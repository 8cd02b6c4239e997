//! DF173: commands that make no sense in a RUN.

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::shell_cmds::each_command;

const DOC: &str = r#"## What it does
Finds RUN commands that act on a running system or need a person at a
terminal: `ssh`, `vim`, `shutdown`, `service`, `ps`, `free`, `top`,
`kill`, `mount`, `ifconfig`.

## Why is this bad?
A RUN step executes once, without a terminal, in a throw-away container:
starting a service (`service nginx start`) does not leave it running in
the image, `vim` waits for input that never comes, `ps`/`free`/`top`
describe the build container, `mount` and `shutdown` need privileges a
build does not have.

## Example
```dockerfile
RUN service nginx start
```

## Fixed
```dockerfile
CMD ["nginx", "-g", "daemon off;"]
```

## Fix safety
No fix: what was meant is the author's to say.

## Aliases
- hadolint: `DL3001`

## References
- https://docs.docker.com/build/building/best-practices/
"#;

/// The rule.
pub struct NonsensicalCommand;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF173",
    name: "nonsensical-command",
    aliases: &["DL3001"],
    severity: Severity::Info,
    summary: "Avoid commands that make no sense in a build step (`ssh`, `vim`, `service`, ...)",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

const NONSENSE: &[&str] = &[
    "ssh", "vim", "shutdown", "service", "ps", "free", "top", "kill", "mount", "ifconfig",
];

impl Rule for NonsensicalCommand {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        each_command(ctx.doc, |_, _, cmd, _| {
            if let Some(n) = NONSENSE.iter().find(|n| cmd.name_is(n)) {
                out.push(Diagnostic::new(
                    &META,
                    format!("`{n}` makes no sense in a build step: it acts on a running system"),
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
            include_str!("fixtures/nonsensical_command.Dockerfile"),
        );
    }

    #[test]
    fn cases() {
        for (src, n) in [
            ("RUN service nginx start\n", 1),
            ("RUN if true; then ps aux; fi && /bin/kill 1\n", 2),
            ("RUN apt-get install -y vim openssh-client procps\n", 0),
            ("RUN echo top\n", 0),
            ("CMD [\"top\"]\n", 0),
        ] {
            assert_eq!(findings(&META, &format!("FROM a\n{src}")).len(), n, "{src}");
        }
    }
}
