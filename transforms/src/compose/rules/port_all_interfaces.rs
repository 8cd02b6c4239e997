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
the service is for. A host port taken from one variable named like a port
(`"${APP_PORT}:80"`, `${WEB_PORT:-8080}:80`) is read as a port, and the
fix writes the address before it (`"127.0.0.1:${APP_PORT}:80"`); if that
variable held an address too, Compose rejects the result at `config`
rather than publishing anything. Not reported: other interpolated entries.
Not fixed: values from anchors or `extends`, services with `network_mode:
host` (ports do not apply), and entries that already name an address.

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
/// One interpolation is read: a host port that is a single variable named
/// like a port (`${APP_PORT}:80`, `${WEB_PORT:-8080}:80`), with no host IP
/// and a literal container port. Whatever port it holds, the entry names
/// no address, so Docker publishes it on every interface.
pub(crate) fn parse_short(s: &str) -> Option<(Option<&str>, Option<&str>, &str)> {
    if s.contains('[') {
        return None;
    }
    let no_proto = s.split('/').next().unwrap_or(s);
    let parts = split_outside_braces(no_proto);
    let parsed = match parts.as_slice() {
        [c] => (None, None, *c),
        [h, c] => (None, Some(*h), *c),
        [ip, h, c] => (Some(*ip), (!h.is_empty()).then_some(*h), *c),
        _ => return None,
    };
    if interpolated(s) {
        match parsed {
            (None, Some(h), c) if port_variable(h) && !interpolated(c) && !s.contains('/') => {}
            _ => return None,
        }
    }
    Some(parsed)
}

/// `s` split at the colons that are not inside `${...}`.
fn split_outside_braces(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'{' if i > 0 && b[i - 1] == b'$' => depth += 1,
            b'}' if depth > 0 => depth -= 1,
            b':' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// `${NAME}`, `${NAME:-8080}`, `${NAME-8080}` or `$NAME`, where NAME says
/// it is a port and a default, if any, is a port number (not an address).
fn port_variable(h: &str) -> bool {
    let (name, default) = match h.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        Some(inner) => match inner.find([':', '-']) {
            Some(i) => {
                let d = inner[i..].trim_start_matches(':');
                match d.strip_prefix('-') {
                    Some(d) => (&inner[..i], Some(d)),
                    None => return false,
                }
            }
            None => (inner, None),
        },
        None => (h.strip_prefix('$').unwrap_or(""), None),
    };
    !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && name.to_ascii_uppercase().contains("PORT")
        && default.is_none_or(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
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
                    // An interpolated entry that parses holds only a port
                    // variable, which the edit keeps as written.
                    let fix = edit
                        .filter(|_| can_edit && !v.is_shared())
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
        // A host port from a variable named like a port.
        assert_eq!(
            parse_short("${APP_PORT}:80"),
            Some((None, Some("${APP_PORT}"), "80"))
        );
        assert_eq!(
            parse_short("${WEB_PORT:-8080}:80"),
            Some((None, Some("${WEB_PORT:-8080}"), "80"))
        );
        assert_eq!(parse_short("$PORT:80"), Some((None, Some("$PORT"), "80")));
        for unread in [
            "${BIND}:80",
            "${WEB_PORT:-127.0.0.1:8080}:80",
            "${WEB_PORT:?}:80",
            "${IP}:${PORT}:80",
            "${PORT}:${PORT}",
            "${PORT}",
            "${PORT}:53/udp",
            "127.0.0.1:${PORT}:80",
        ] {
            assert_eq!(parse_short(unread), None, "{unread}");
        }
    }
}
