//! DF507 port-on-all-interfaces: a published port without a host IP.

use dfix_grammar::compose::{Node_, Service};

use super::{editable, ComposeRule};
use crate::compose::edits::{insert_into_map, replace_scalar, New};
use crate::compose::guards::{interpolated, value_guard};
use crate::compose::ComposeContext;
use crate::diagnostic::Diagnostic;
use crate::edit::Fix;
use crate::rule::{FixAvailability, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds `ports` entries published on every host interface: no host IP
(`"8080:80"`, `"80"`), `0.0.0.0`, or a long-form entry without `host_ip`.

## Why is this bad?
Docker publishes such ports on all interfaces and adds firewall rules that
bypass most host firewalls (ufw), so a service meant for the local machine
or a reverse proxy is reachable from the network (docker-bench 5.14, OWASP
rule #5a).

## Example
```yaml
services:
  admin:
    image: myorg/admin
    ports:
      - "8080:80"
```

## Fixed
```yaml
services:
  admin:
    image: myorg/admin
    ports:
      - "127.0.0.1:8080:80"
```

## Fix safety
Unsafe: other machines lose access, which is the point but may not be what
the service is for. Not fixed: interpolated entries, values from anchors or
`extends`, services with `network_mode: host` (ports do not apply), and
entries that already name an address.

## Aliases
KICS `451d79dc`, compose-lint `CL-0005`, dclint `no-unbound-port-interfaces`.

## References
- https://docs.docker.com/reference/compose-file/services/#ports
- docker-bench-security 5.14; OWASP Docker Security Cheat Sheet rule #5a
"#;

/// The rule's metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF507",
    name: "port-on-all-interfaces",
    aliases: &["451d79dc", "CL-0005", "no-unbound-port-interfaces"],
    severity: Severity::Warning,
    summary: "A port is published on every host interface",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

/// A short-form port entry split into (host IP, host port, container
/// port); `None` when it cannot be read (IPv6 brackets, interpolation).
pub(crate) fn parse_short(s: &str) -> Option<(Option<&str>, Option<&str>, &str)> {
    if s.contains('[') || interpolated(s) {
        return None;
    }
    let no_proto = s.split('/').next().unwrap_or(s);
    let parts: Vec<&str> = no_proto.split(':').collect();
    match parts.as_slice() {
        [c] => Some((None, None, c)),
        [h, c] => Some((None, Some(h), c)),
        [ip, h, c] => Some((Some(ip), (!h.is_empty()).then_some(*h), c)),
        _ => None,
    }
}

/// True when the service uses the host's network (ports do not apply).
pub(crate) fn host_network(svc: &Service) -> bool {
    svc.scalar("network_mode").is_some_and(|m| m == "host")
}

/// DF507.
pub struct PortAllInterfaces;

impl ComposeRule for PortAllInterfaces {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &ComposeContext) -> Vec<Diagnostic> {
        let file = ctx.file;
        let mut out = Vec::new();
        for svc in file.services() {
            if host_network(&svc) || ctx.overridden(svc.name, "ports") {
                continue;
            }
            let Some(ports) = svc.get("ports").and_then(|p| p.value.as_ref()) else {
                continue;
            };
            let Some(seq) = ports.as_seq() else { continue };
            let can_edit = editable(file, &svc) && ports.anchor.is_none() && ports.tag.is_none();
            for item in &seq.items {
                let Some(v) = &item.value else { continue };
                let msg = |what: &str| {
                    format!("service `{}` publishes {what} on all interfaces", svc.name)
                };
                if let Some(s) = v.as_scalar() {
                    let Some((ip, _, container)) = parse_short(&s.value) else {
                        continue;
                    };
                    // A replacement of the whole scalar, not an insertion at
                    // its start: an insertion only touches another rule's
                    // edit of the same scalar (DF521's quotes), and touching
                    // edits are applied together.
                    let edit = match ip {
                        None => replace_scalar(
                            v,
                            &format!(
                                "127.0.0.1:{}{}",
                                if s.value.contains(':') { "" } else { ":" },
                                s.value
                            ),
                        ),
                        Some("0.0.0.0") | Some("") => {
                            let rest = s.value.split_once(':').map_or("", |x| x.1);
                            replace_scalar(v, &format!("127.0.0.1:{rest}"))
                        }
                        Some(_) => continue,
                    };
                    let fix = edit
                        .filter(|_| can_edit && value_guard(v).is_none())
                        .map(|e| Fix::unsafe_fix("Publish on 127.0.0.1 only", vec![e]));
                    out.push(
                        Diagnostic::new(&META, msg(&format!("port {container}")), v.span.clone())
                            .with_optional_fix(fix),
                    );
                } else if let Some(m) = v.as_map() {
                    let host_ip = m
                        .get("host_ip")
                        .and_then(|p| p.value.as_ref())
                        .and_then(Node_::as_scalar);
                    match host_ip {
                        Some(h) if h.value != "0.0.0.0" => continue,
                        _ => {}
                    }
                    let target = m
                        .get("target")
                        .and_then(|p| p.value.as_ref())
                        .and_then(Node_::as_scalar)
                        .map_or("?".to_string(), |s| s.value.clone());
                    let edit = match host_ip {
                        None => insert_into_map(
                            file,
                            m,
                            &[("host_ip".into(), New::Scalar("127.0.0.1".into()))],
                            ctx.style,
                        ),
                        Some(_) => m
                            .get("host_ip")
                            .and_then(|p| p.value.as_ref())
                            .and_then(|n| replace_scalar(n, "127.0.0.1")),
                    };
                    let fix = edit
                        .filter(|_| can_edit && value_guard(v).is_none())
                        .map(|e| Fix::unsafe_fix("Publish on 127.0.0.1 only", vec![e]));
                    out.push(
                        Diagnostic::new(&META, msg(&format!("port {target}")), v.span.clone())
                            .with_optional_fix(fix),
                    );
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
        insta::assert_snapshot!(snapshot(&META, include_str!("fixtures/DF507.yaml")));
    }

    #[test]
    fn short_forms() {
        assert_eq!(parse_short("8080:80/udp"), Some((None, Some("8080"), "80")));
        assert_eq!(parse_short("80"), Some((None, None, "80")));
        assert_eq!(
            parse_short("127.0.0.1::80"),
            Some((Some("127.0.0.1"), None, "80"))
        );
        assert_eq!(parse_short("[::1]:80:80"), None);
        assert_eq!(parse_short("${P}:80"), None);
    }
}
