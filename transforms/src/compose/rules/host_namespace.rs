//! DF512 host-namespace: a service shares a host namespace.

use super::ComposeRule;
use crate::compose::edits::delete_pair;
use crate::compose::ComposeContext;
use crate::diagnostic::Diagnostic;
use crate::edit::Fix;
use crate::rule::{FixAvailability, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds services that join a host namespace: `network_mode: host`,
`pid: host`, `ipc: host`, `uts: host`, `userns_mode: host`, `cgroup: host`.

## Why is this bad?
The container then sees and can act on the host's network stack, processes,
shared memory, hostname, users or cgroups; the isolation that makes it a
container is gone for that resource (docker-bench 5.10, 5.16, 5.17, 5.21,
5.31).

## Example
```yaml
services:
  app:
    image: myorg/app
    pid: host
```

## Fixed
```yaml
services:
  app:
    image: myorg/app
```

## Fix safety
Display-only: monitoring agents, VPNs and network tools need the host
namespace, and removing `network_mode: host` changes how every port is
reached.

## Aliases
KICS `071a71ff` (network), `4f31dd9f` (pid), `baa3890f` (ipc), `8af7162d` (user), compose-lint `CL-0008`.

## References
- https://docs.docker.com/reference/compose-file/services/#pid
- docker-bench-security 5.10, 5.16, 5.17, 5.21, 5.31
"#;

/// The rule's metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF512",
    name: "host-namespace",
    aliases: &["071a71ff", "4f31dd9f", "baa3890f", "8af7162d", "CL-0008"],
    severity: Severity::Warning,
    summary: "A service shares a host namespace",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

const KEYS: &[&str] = &["network_mode", "pid", "ipc", "uts", "userns_mode", "cgroup"];

/// DF512.
pub struct HostNamespace;

impl ComposeRule for HostNamespace {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &ComposeContext) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for svc in ctx.file.services() {
            for key in KEYS {
                // A scalar an override file sets (plainly or with a tag)
                // is the override's to judge.
                if svc.scalar(key) != Some("host") || ctx.overridden(svc.name, key) {
                    continue;
                }
                let pair = svc.get(key).expect("has the key");
                let fix = svc
                    .map()
                    .and_then(|m| delete_pair(ctx.file, m, pair))
                    .map(|e| Fix::display_only(format!("Remove `{key}: host`"), vec![e]));
                out.push(
                    Diagnostic::new(
                        &META,
                        format!(
                            "service `{}` shares the host's namespace (`{key}: host`)",
                            svc.name
                        ),
                        pair.span.clone(),
                    )
                    .with_optional_fix(fix),
                );
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
        insta::assert_snapshot!(snapshot(&META, include_str!("fixtures/DF512.yaml")));
    }
}
