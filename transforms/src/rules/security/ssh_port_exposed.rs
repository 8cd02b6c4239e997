//! DF232: `EXPOSE` of the SSH port.

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::correctness::invalid_expose_port::{expose_ports, port_range};

const DOC: &str = r#"## What it does
Finds `EXPOSE` of port 22 over TCP (`22`, `22/tcp`, a range that covers
22, or a variable whose known value is one of those).

## Why is this bad?
Port 22 means an SSH server in the container: one more daemon, with its
own keys and credentials to manage, and a way in that bypasses Docker's
own access control. `docker exec` reaches a running container without it.

## Example
```dockerfile
EXPOSE 22 8080
```

## Fixed
```dockerfile
EXPOSE 8080
```

## Fix safety
No fix: removing the port changes what `docker run -P` publishes, and the
SSH server itself is still in the image.

## Aliases
- Trivy: `DS-0004` (`AVD-DS-0004`)
- Checkov: `CKV_DOCKER_1`

## References
- https://docs.docker.com/reference/dockerfile/#expose
- https://docs.docker.com/reference/cli/docker/container/exec/
"#;

/// The rule.
pub struct SshPortExposed;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF232",
    name: "ssh-port-exposed",
    aliases: &["DS-0004", "CKV_DOCKER_1"],
    severity: Severity::Warning,
    summary: "Port 22 (SSH) is exposed",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

impl Rule for SshPortExposed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        expose_ports(ctx.doc)
            .into_iter()
            .filter(|(_, spec)| {
                let tcp = spec
                    .proto
                    .as_ref()
                    .is_none_or(|(p, _)| p.eq_ignore_ascii_case("tcp"));
                tcp && port_range(&spec.container).is_some_and(|(a, b)| a <= 22 && 22 <= b)
            })
            .map(|(_, spec)| {
                Diagnostic::new(
                    &META,
                    format!("`EXPOSE {}` exposes the SSH port", spec.value),
                    spec.word.span.clone(),
                )
            })
            .collect()
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
            "ports",
            include_str!("fixtures/ssh_port_exposed.Dockerfile"),
        );
    }

    #[test]
    fn cases() {
        let n = |s: &str| findings(&META, s).len();
        assert_eq!(n("FROM a\nEXPOSE 22\n"), 1);
        assert_eq!(n("FROM a\nEXPOSE 22/TCP 20-25\n"), 2);
        assert_eq!(n("FROM a\nARG P=22\nEXPOSE $P\n"), 1);
        assert_eq!(n("FROM a\nEXPOSE 2222 22/udp 220\n"), 0);
        assert_eq!(n("FROM a\nEXPOSE 2222:22\n"), 1);
    }
}
