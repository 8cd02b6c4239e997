//! DF505 writable-root-filesystem: no `read_only: true`.

use dfix_grammar::compose::{ScalarStyle, Service};

use super::{editable, image, lookup, on_service, reset_note, scalar_items, ComposeRule, Lookup};
use crate::compose::edits::{append_items, insert_into_map, merge_inserts, New};
use crate::compose::guards::value_guard;
use crate::compose::ComposeContext;
use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::rule::{FixAvailability, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds services whose root filesystem is writable (no `read_only: true`).

## Why is this bad?
A writable root lets an attacker change binaries and configuration and
persist in the container; a read-only root with tmpfs mounts for the few
paths the software writes to is the recommended default (docker-bench 5.13,
OWASP rule #8).

## Example
```yaml
services:
  web:
    image: nginx:1.27
```

## Fixed
```yaml
services:
  web:
    image: nginx:1.27
    read_only: true
    tmpfs:
      - /tmp
      - /var/cache/nginx
      - /var/run
```

## Fix safety
Unsafe: software that writes outside the tmpfs paths and its volumes fails
with "Read-only file system". The tmpfs paths come from the image table in
`data/compose.toml` (nginx, postgres, redis, mysql, mariadb, mongo, node,
python; extendable with `[[compose.images]]` in `dfix.toml`); for other
images, and those the table lists without `tmpfs`, the fix (`read_only: true` plus `/tmp`) is a suggestion only
(display-only). A tmpfs path that is already a volume target is left out
(Compose rejects the clash); an existing `tmpfs` list is extended; values
from anchors, merge keys or `extends` are not edited.

When an override file (`compose.override.yaml`) resets the key with
`!reset`, the merged model has none: the finding stands, without a fix (a
key written in this file would be reset again); any other override of the
key leaves the judgement to the override file.

## Aliases
Semgrep `writable-filesystem-service`, compose-lint `CL-0007`.

## References
- https://docs.docker.com/reference/compose-file/services/#read_only
- docker-library/docs PRs #1260, #2198 (nginx); docker-library/postgres #154
- docker-bench-security 5.13; OWASP Docker Security Cheat Sheet rule #8
"#;

/// The rule's metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF505",
    name: "writable-root-filesystem",
    aliases: &["writable-filesystem-service", "CL-0007"],
    severity: Severity::Warning,
    summary: "A service's root filesystem is writable (no `read_only: true`)",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

/// The container paths of the service's own `volumes`.
pub(crate) fn volume_targets(svc: &Service) -> Vec<String> {
    let Some(v) = svc.get("volumes").and_then(|p| p.value.as_ref()) else {
        return Vec::new();
    };
    let Some(seq) = v.as_seq() else {
        return Vec::new();
    };
    seq.items
        .iter()
        .filter_map(|i| {
            let n = i.value.as_ref()?;
            if let Some(s) = n.as_scalar() {
                let parts: Vec<&str> = s.value.split(':').collect();
                return Some(if parts.len() == 1 { parts[0] } else { parts[1] }.to_string());
            }
            n.as_map()?
                .get("target")?
                .value
                .as_ref()?
                .as_scalar()
                .map(|s| s.value.clone())
        })
        .map(|t| t.trim_end_matches('/').to_string())
        .collect()
}

/// DF505.
pub struct ReadOnlyRoot;

impl ComposeRule for ReadOnlyRoot {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &ComposeContext) -> Vec<Diagnostic> {
        let file = ctx.file;
        let mut out = Vec::new();
        for svc in file.services() {
            let reset = ctx.reset(svc.name, "read_only");
            if ctx.overridden(svc.name, "read_only") && !reset {
                continue;
            }
            let found = if reset {
                Lookup::Absent
            } else {
                lookup(file, &svc, "read_only")
            };
            match found {
                Lookup::Unknown => continue,
                Lookup::Local(p) | Lookup::Inherited(p) => {
                    let v = p.value.as_ref().and_then(|v| v.as_scalar());
                    // Set to anything but a literal false: not ours to judge.
                    if !v.is_some_and(|s| {
                        s.style == ScalarStyle::Plain
                            && matches!(
                                s.value.to_ascii_lowercase().as_str(),
                                "false" | "no" | "off"
                            )
                    }) {
                        continue;
                    }
                    out.push(Diagnostic::new(
                        &META,
                        format!("service `{}` sets `read_only: false`", svc.name),
                        p.span.clone(),
                    ));
                    continue;
                }
                Lookup::Absent => {}
            }
            let d = on_service(
                &META,
                &svc,
                format!(
                    "service `{}` has a writable root filesystem{}",
                    svc.name,
                    reset_note(reset)
                ),
            );
            if reset || !editable(file, &svc) {
                out.push(d);
                continue;
            }
            let facts = image(&svc).and_then(|i| ctx.data().image(i));
            // An entry with no tmpfs list is vetted for capabilities only.
            let known = facts.is_some_and(|f| !f.tmpfs.is_empty()) && svc.get("build").is_none();
            let mut paths: Vec<String> =
                facts.map_or_else(|| vec!["/tmp".to_string()], |f| f.tmpfs.clone());
            if paths.is_empty() {
                paths.push("/tmp".into());
            }
            let targets = volume_targets(&svc);
            paths.retain(|p| !targets.contains(p));
            let mut edits: Vec<Edit> = Vec::new();
            let mut new_keys = vec![("read_only".to_string(), New::Scalar("true".into()))];
            let ok = match lookup(file, &svc, "tmpfs") {
                Lookup::Absent => {
                    if !paths.is_empty() {
                        new_keys.push(("tmpfs".into(), New::List(paths.clone())));
                    }
                    true
                }
                Lookup::Local(p) => match p.value.as_ref().filter(|v| value_guard(v).is_none()) {
                    Some(v) if v.as_seq().is_some() => {
                        let have: Vec<String> = scalar_items(v)
                            .iter()
                            .map(|(_, s, _)| {
                                s.split(':')
                                    .next()
                                    .unwrap_or(s)
                                    .trim_end_matches('/')
                                    .to_string()
                            })
                            .collect();
                        let missing: Vec<String> = paths
                            .iter()
                            .filter(|p| !have.contains(p))
                            .cloned()
                            .collect();
                        if missing.is_empty() {
                            true
                        } else if let Some(e) = append_items(file, v, &missing, ctx.style) {
                            edits.push(e);
                            true
                        } else {
                            false
                        }
                    }
                    // A scalar `tmpfs: /run`: left as it is.
                    Some(v) if v.as_scalar().is_some() => true,
                    _ => false,
                },
                _ => false,
            };
            let insert = ok
                .then(|| insert_into_map(file, svc.map().expect("editable"), &new_keys, ctx.style))
                .flatten();
            let Some(insert) = insert else {
                out.push(d);
                continue;
            };
            edits.push(insert);
            let msg = format!("Add `read_only: true` with tmpfs {}", paths.join(", "));
            let fix = if known {
                Fix::unsafe_fix(msg, merge_inserts(edits))
            } else {
                Fix::display_only(msg, merge_inserts(edits))
            };
            out.push(d.with_fix(fix));
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
        insta::assert_snapshot!(snapshot(&META, include_str!("fixtures/DF505.yaml")));
    }
}
