//! DF518 explicit-root-user: `user: root` (or uid 0).

use super::ComposeRule;
use crate::compose::ComposeContext;
use crate::diagnostic::Diagnostic;
use crate::rule::{FixAvailability, RuleMeta, Severity};
use crate::users::analysis::is_root;

const DOC: &str = r#"## What it does
Finds services that set `user:` to root: `root`, `0`, or either with a
group (`root:root`, `0:0`).

## Why is this bad?
The key overrides the image's own `USER`: an image built to run as an
unprivileged user runs as root again, with every default capability, and a
process that escapes the container is root on the host unless user
namespaces remap it (docker-bench 4.1, OWASP Docker rule #2).

## Example
```yaml
services:
  worker:
    image: myorg/worker
    user: root
```

## Fixed
```yaml
services:
  worker:
    image: myorg/worker
    user: "10001:10001"
```

## Fix safety
No fix: whether the service works without root depends on what it does
(it may chown a volume, bind a port below 1024 on the host network, or
install packages at start); removing the key runs the image's own user,
which may be root too. Pick a non-root user the image supports, or drop the
key when the image runs as its own user.

## Aliases
compose-lint `CL-0018`.

## References
- https://docs.docker.com/reference/compose-file/services/#user
- docker-bench-security 4.1; OWASP Docker Security Cheat Sheet rule #2
"#;

/// The rule's metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF518",
    name: "explicit-root-user",
    aliases: &["CL-0018"],
    severity: Severity::Warning,
    summary: "A service sets `user:` to root",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

/// DF518.
pub struct ExplicitRootUser;

impl ComposeRule for ExplicitRootUser {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &ComposeContext) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for svc in ctx.file.services() {
            if ctx.overridden(svc.name, "user") {
                continue;
            }
            let Some(pair) = svc.get("user") else {
                continue;
            };
            let Some(user) = pair.value.as_ref().and_then(|v| v.as_scalar()) else {
                continue;
            };
            if is_root(&user.value) {
                out.push(Diagnostic::new(
                    &META,
                    format!(
                        "service `{}` runs as root (`user: {}`)",
                        svc.name, user.value
                    ),
                    pair.span.clone(),
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::test_support::snapshot;

    #[test]
    fn fixture() {
        insta::assert_snapshot!(snapshot(&META, include_str!("fixtures/DF518.yaml")));
    }

    #[test]
    fn root_spellings() {
        for v in ["root", "0", "00", "root:root", "0:0", "0:1000"] {
            assert!(is_root(v), "{v}");
        }
        for v in ["1000", "1000:0", "node", "rootless", "", "${UID}"] {
            assert!(!is_root(v), "{v}");
        }
    }
}
