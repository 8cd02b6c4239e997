//! DF508 database-port-published: a database port published on the host.

use super::port_all_interfaces::{host_network, parse_short};
use super::{editable, image, lookup, scalar_items, ComposeRule, Lookup};
use crate::compose::edits::{append_items, delete_item, delete_pair, insert_into_map, New};
use crate::compose::guards::value_guard;
use crate::compose::ComposeContext;
use crate::diagnostic::Diagnostic;
use crate::edit::Fix;
use crate::rule::{FixAvailability, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds `ports` entries that publish a database's own port (postgres 5432,
mysql and mariadb 3306, redis 6379, mongo 27017; the image table in
`data/compose.toml`) on the host.

## Why is this bad?
The other services of the project reach the database over the Compose
network without any published port; publishing it exposes the database to
the host and, without a host IP, to the network, where default and weak
passwords are scanned for (docker-bench 5.9).

## Example
```yaml
services:
  db:
    image: postgres:16
    ports:
      - "5432:5432"
```

## Fixed
```yaml
services:
  db:
    image: postgres:16
    expose:
      - "5432"
```

## Fix safety
Unsafe: tools on the host (a local psql, a GUI) lose access. Only the
database port's entry moves; other entries stay. Not fixed: services with
`network_mode`, interpolated entries, and lists from anchors or `extends`.

## Aliases
None (KICS `bc2908f3` covers ports below 1024 only).

## References
- https://docs.docker.com/reference/compose-file/services/#expose
- docker-bench-security 5.9
"#;

/// The rule's metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF508",
    name: "database-port-published",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A database port is published on the host",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

/// DF508.
pub struct DatabasePortPublished;

impl ComposeRule for DatabasePortPublished {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &ComposeContext) -> Vec<Diagnostic> {
        let file = ctx.file;
        let mut out = Vec::new();
        for svc in file.services() {
            let Some(port) = image(&svc)
                .and_then(|i| ctx.data().image(i))
                .and_then(|f| f.port)
            else {
                continue;
            };
            if host_network(&svc) || ctx.overridden(svc.name, "ports") {
                continue;
            }
            let Some(ports_pair) = svc.get("ports") else {
                continue;
            };
            let Some(ports) = ports_pair.value.as_ref() else {
                continue;
            };
            let Some(seq) = ports.as_seq() else { continue };
            let port_s = port.to_string();
            for (index, item) in seq.items.iter().enumerate() {
                let Some(v) = &item.value else { continue };
                let container = match v.as_scalar() {
                    Some(s) => parse_short(&s.value).map(|(_, _, c)| c.to_string()),
                    None => v
                        .as_map()
                        .and_then(|m| m.get("target"))
                        .and_then(|p| p.value.as_ref()?.as_scalar())
                        .map(|s| s.value.clone()),
                };
                if container.as_deref() != Some(port_s.as_str()) {
                    continue;
                }
                let d = Diagnostic::new(
                    &META,
                    format!(
                        "service `{}` publishes database port {port} on the host",
                        svc.name
                    ),
                    v.span.clone(),
                );
                let mut fix = None;
                if editable(file, &svc)
                    && value_guard(ports).is_none()
                    && svc.get("network_mode").is_none()
                {
                    let map = svc.map().expect("editable");
                    let remove = if seq.items.len() == 1 {
                        delete_pair(file, map, ports_pair)
                    } else {
                        delete_item(file, seq, index)
                    };
                    let quoted = format!("\"{port}\"");
                    let add = match lookup(file, &svc, "expose") {
                        Lookup::Absent => Some(insert_into_map(
                            file,
                            map,
                            &[("expose".into(), New::List(vec![quoted]))],
                            ctx.style,
                        )),
                        Lookup::Local(p) => p
                            .value
                            .as_ref()
                            .filter(|e| value_guard(e).is_none())
                            .map(|e| {
                                if scalar_items(e).iter().any(|(_, s, _)| *s == port_s) {
                                    None
                                } else {
                                    append_items(file, e, &[quoted], ctx.style)
                                }
                            }),
                        _ => None,
                    };
                    if let (Some(r), Some(a)) = (remove, add) {
                        let mut edits = vec![r];
                        edits.extend(a);
                        // The insertion may fall inside the removed lines
                        // (ports last in the service): then it is written
                        // where they were.
                        if edits.len() == 2 && edits[0].conflicts_with(&edits[1]) {
                            edits.clear();
                        }
                        if !edits.is_empty() {
                            fix = Some(Fix::unsafe_fix(
                                format!("Move port {port} from `ports` to `expose`"),
                                edits,
                            ));
                        }
                    }
                }
                out.push(d.with_optional_fix(fix));
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
        insta::assert_snapshot!(snapshot(&META, include_str!("fixtures/DF508.yaml")));
    }
}
