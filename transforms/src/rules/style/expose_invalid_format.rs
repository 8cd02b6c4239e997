//! DF011: an IP address or host port in `EXPOSE`.

use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::correctness::invalid_expose_port::{expose_ports, port_range};

const DOC: &str = r#"## What it does
Finds `EXPOSE` ports written with an IP address or a host port
(`EXPOSE 127.0.0.1:8080:80`, `EXPOSE 8080:80/tcp`) and keeps only the
container port and protocol.

## Why is this bad?
`EXPOSE` only documents which container ports the image listens on; the
IP address and the host port are ignored (they belong to `docker run -p`).
BuildKit warns that this form will become an error.

## Example
```dockerfile
EXPOSE 127.0.0.1:8080:80/tcp 5000:5000
```

## Fixed
```dockerfile
EXPOSE 80/tcp 5000
```

## Fix safety
Safe with a guard: BuildKit records only the container port and
protocol, which the fix keeps as written. The fix is offered only when
the word has no variable, quote or escape, its container port is a valid
port or range (DF141 reports the others), and BuildKit accepts the part
it drops (a valid IP address, a host port or range that fits the
container's): otherwise the build fails today and the fix would make it
pass.

## Aliases
- BuildKit: `ExposeInvalidFormat`

## References
- https://docs.docker.com/reference/build-checks/expose-invalid-format/
- https://docs.docker.com/reference/dockerfile/#expose
"#;

/// The rule.
pub struct ExposeInvalidFormat;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF011",
    name: "expose-invalid-format",
    aliases: &["ExposeInvalidFormat"],
    severity: Severity::Warning,
    summary: "IP address and host-port mapping should not be used in `EXPOSE`",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

/// True when BuildKit accepts the `ip:hostport` part (before the container
/// port): a valid IP address when there is one, and a host port or range
/// that fits the container range. Otherwise the build fails today, and
/// dropping the part would make it pass: not the same meaning.
fn host_valid(host: &str, container: (u64, u64)) -> bool {
    let (ip, host_port) = match host.rsplit_once(':') {
        Some((ip, port)) => (Some(ip), port),
        None => (None, host),
    };
    let ip_ok = ip.is_none_or(|ip| {
        let bare = ip
            .strip_prefix('[')
            .and_then(|i| i.strip_suffix(']'))
            .unwrap_or(ip);
        bare.parse::<std::net::IpAddr>().is_ok()
    });
    let port_ok = host_port.is_empty()
        || port_range(host_port).is_some_and(|(a, b)| {
            a <= b
                && b <= 65535
                && (b - a == container.1 - container.0 || container.0 == container.1)
        });
    ip_ok && port_ok
}

impl Rule for ExposeInvalidFormat {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (_, spec) in expose_ports(ctx.doc) {
            let Some(host) = &spec.host else {
                continue;
            };
            let kept = match &spec.proto {
                Some((p, _)) => format!("{}/{p}", spec.container),
                None => spec.container.clone(),
            };
            let diag = Diagnostic::new(
                &META,
                format!(
                    "`EXPOSE {}`: an IP address or host port is ignored here; expose the container port only",
                    spec.value
                ),
                spec.word.span.clone(),
            );
            let valid = port_range(&spec.container)
                .filter(|&(a, b)| a <= b && b <= 65535)
                .is_some_and(|container| host_valid(host, container));
            out.push(if spec.literal && valid {
                diag.with_fix(Fix::safe(
                    format!("Write `{kept}`"),
                    vec![Edit::replace(spec.word.span.clone(), kept)],
                ))
            } else {
                diag
            });
        }
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
            "mappings",
            include_str!("fixtures/expose_invalid_format.Dockerfile"),
        );
    }

    #[test]
    fn cases() {
        assert_eq!(
            fix_rule(
                &META,
                "FROM a\nEXPOSE 127.0.0.1:8080:80/tcp 5000:5000 [::1]:53:53/udp 22\n"
            ),
            "FROM a\nEXPOSE 80/tcp 5000 53/udp 22\n"
        );
        assert_eq!(
            fix_rule(
                &META,
                "FROM a\nEXPOSE ::1:8000-8009:9000-9009 8000-8009:80\n"
            ),
            "FROM a\nEXPOSE 9000-9009 80\n"
        );
        assert!(findings(&META, "FROM a\nEXPOSE 80/tcp 8000-8010\n").is_empty());
        for keep in [
            "FROM a\nEXPOSE \"8080:80\"\n",
            "FROM a\nARG H=8080\nEXPOSE $H:80\n",
            "FROM a\nEXPOSE 8080:http\n",
            // The build fails on these today: the fix would make it pass.
            "FROM a\nEXPOSE 999.1.1.1:8080:80\n",
            "FROM a\nEXPOSE 8080-8081:80-90\n",
            "FROM a\nEXPOSE x:80\n",
        ] {
            assert_eq!(findings(&META, keep).len(), 1, "{keep}");
            assert_eq!(fix_rule(&META, keep), keep, "{keep}");
        }
    }
}
