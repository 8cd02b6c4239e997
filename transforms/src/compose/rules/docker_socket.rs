//! DF511 docker-socket-mounted: the Docker socket inside a container.

use super::ComposeRule;
use crate::compose::ComposeContext;
use crate::diagnostic::Diagnostic;
use crate::rule::{FixAvailability, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds services that mount the Docker socket (`/var/run/docker.sock`,
`/run/docker.sock`, short or long volume syntax) or set
`use_api_socket: true`.

## Why is this bad?
Access to the socket is root on the host: any process in the container can
start a privileged container with the host's filesystem mounted. `:ro`
does not help, the API is still writable (OWASP rule #1, docker-bench 5.32).

## Example
```yaml
services:
  agent:
    image: myorg/agent
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
```

## Fixed
No automatic fix. Use a socket proxy that allows only the API calls the
service needs, or keep it with `# dfix: ignore=DF511`.

## Fix safety
No fix.

## Aliases
KICS `d6355c88`, Semgrep `exposing-docker-socket-volume`, compose-lint `CL-0001`.

## References
- https://docs.docker.com/engine/security/#docker-daemon-attack-surface
- docker-bench-security 5.32; OWASP Docker Security Cheat Sheet rule #1
"#;

/// The rule's metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF511",
    name: "docker-socket-mounted",
    aliases: &["d6355c88", "exposing-docker-socket-volume", "CL-0001"],
    severity: Severity::Error,
    summary: "A service mounts the Docker socket",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

/// The host side of a volume entry (short or long form).
pub(crate) fn volume_sources(
    svc: &dfix_grammar::compose::Service,
) -> Vec<(String, std::ops::Range<usize>)> {
    let Some(seq) = svc
        .get("volumes")
        .and_then(|p| p.value.as_ref())
        .and_then(|v| v.as_seq())
    else {
        return Vec::new();
    };
    seq.items
        .iter()
        .filter_map(|i| {
            let v = i.value.as_ref()?;
            if let Some(s) = v.as_scalar() {
                let parts: Vec<&str> = s.value.split(':').collect();
                return (parts.len() > 1).then(|| (parts[0].to_string(), v.span.clone()));
            }
            let m = v.as_map()?;
            let src = m.get("source")?.value.as_ref()?.as_scalar()?;
            Some((src.value.clone(), v.span.clone()))
        })
        .collect()
}

/// DF511.
pub struct DockerSocket;

impl ComposeRule for DockerSocket {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &ComposeContext) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for svc in ctx.file.services() {
            let volumes = if ctx.replaced(svc.name, "volumes") {
                Vec::new()
            } else {
                volume_sources(&svc)
            };
            for (src, span) in volumes {
                if src.ends_with("/docker.sock") {
                    out.push(Diagnostic::new(
                        &META,
                        format!("service `{}` mounts the Docker socket `{src}`", svc.name),
                        span,
                    ));
                }
            }
            if let Some(p) = svc
                .get("use_api_socket")
                .filter(|_| !ctx.overridden(svc.name, "use_api_socket"))
            {
                if svc
                    .scalar("use_api_socket")
                    .is_some_and(super::privileged::is_true)
                {
                    out.push(Diagnostic::new(
                        &META,
                        format!("service `{}` sets `use_api_socket`", svc.name),
                        p.span.clone(),
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
        insta::assert_snapshot!(snapshot(&META, include_str!("fixtures/DF511.yaml")));
    }
}
