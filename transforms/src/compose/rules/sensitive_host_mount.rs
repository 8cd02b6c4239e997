//! DF514 sensitive-host-mount: a host system path mounted in a container.

use super::docker_socket::volume_sources;
use super::ComposeRule;
use crate::compose::ComposeContext;
use crate::diagnostic::Diagnostic;
use crate::rule::{FixAvailability, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds bind mounts of the host's system paths: `/`, `/usr`, `/lib`,
`/var`, `/run`, and anything under `/etc`, `/proc`, `/sys`, `/boot`,
`/dev` (a device belongs in `devices:`), `/root` and `/home` (users' keys
and data), `/var/lib/docker` and the system bus (`/run/dbus`). The Docker
socket is DF511's.

## Why is this bad?
A container that can read or write these can read host secrets
(`/etc/shadow`), change host configuration or reach the kernel
(docker-bench 5.6).

## Example
```yaml
services:
  agent:
    image: myorg/agent
    volumes:
      - /etc:/host/etc
```

## Fixed
No automatic fix: mount only the file the service needs, read-only
(`/etc/timezone:/etc/timezone:ro`), or keep it with `# dfix: ignore=DF514`.

## Fix safety
No fix.

## Aliases
KICS `1c1325ff`, compose-lint `CL-0013`.

## References
- https://docs.docker.com/engine/storage/bind-mounts/
- docker-bench-security 5.6
"#;

/// The rule's metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF514",
    name: "sensitive-host-mount",
    aliases: &["1c1325ff", "CL-0013"],
    severity: Severity::Warning,
    summary: "A service mounts a sensitive host path",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

const EXACT: &[&str] = &["/", "/usr", "/lib", "/var", "/run", "/var/run"];
const TREES: &[&str] = &[
    "/etc",
    "/proc",
    "/sys",
    "/boot",
    "/root",
    "/home",
    "/dev",
    "/var/lib/docker",
    "/run/dbus",
    "/var/run/dbus",
];

fn sensitive(path: &str) -> bool {
    let p = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    // Read-only time zone files are the common, harmless case.
    if p.ends_with("/docker.sock") || p == "/etc/localtime" || p == "/etc/timezone" {
        return false;
    }
    EXACT.contains(&p)
        || TREES
            .iter()
            .any(|t| p == *t || p.starts_with(&format!("{t}/")))
}

/// DF514.
pub struct SensitiveHostMount;

impl ComposeRule for SensitiveHostMount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &ComposeContext) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for svc in ctx.file.services() {
            if ctx.replaced(svc.name, "volumes") {
                continue;
            }
            for (src, span) in volume_sources(&svc) {
                if sensitive(&src) {
                    out.push(Diagnostic::new(
                        &META,
                        format!("service `{}` mounts host path `{src}`", svc.name),
                        span,
                    ));
                }
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
        insta::assert_snapshot!(snapshot(&META, include_str!("fixtures/DF514.yaml")));
    }

    #[test]
    fn paths() {
        assert!(sensitive("/") && sensitive("/proc/") && sensitive("/var/lib/docker/volumes"));
        assert!(
            sensitive("/home")
                && sensitive("/dev/dri")
                && sensitive("/var/run/dbus/system_bus_socket")
        );
        assert!(
            !sensitive("/etcetera")
                && !sensitive("/srv/data")
                && !sensitive("/run/docker.sock")
                && !sensitive("/homes")
                && !sensitive("/device")
        );
    }
}
