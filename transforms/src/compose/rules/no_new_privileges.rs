//! DF502 missing-no-new-privileges: `security_opt` without
//! `no-new-privileges:true`.

use super::{editable, lookup, on_service, reset_note, scalar_items, ComposeRule, Lookup};
use crate::compose::edits::{append_items, insert_into_map, New};
use crate::compose::guards::value_guard;
use crate::compose::ComposeContext;
use crate::diagnostic::Diagnostic;
use crate::edit::Fix;
use crate::rule::{FixAvailability, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds services whose `security_opt` does not hold `no-new-privileges:true`.

## Why is this bad?
Without it a process can gain privileges through setuid or file-capability
binaries (`su`, `sudo`, `ping`), which turns a code-execution bug into root
in the container (docker-bench 5.26, OWASP rule #4).

## Example
```yaml
services:
  web:
    image: nginx
```

## Fixed
```yaml
services:
  web:
    image: nginx
    security_opt:
      - no-new-privileges:true
```

## Fix safety
Unsafe (low risk): programs that rely on setuid binaries as a non-root user
(`sudo`) stop working; entrypoints that start as root and drop privileges
with gosu or su-exec are unaffected. A list that comes from an anchor, a
merge key or `extends` is not edited (a local `security_opt` would replace
the inherited one, not extend it).

When an override file (`compose.override.yaml`) resets the key with
`!reset`, the merged model has none: the finding stands, without a fix (a
key written in this file would be reset again); any other override of the
key leaves the judgement to the override file.

## Aliases
KICS `27fcc7d6`, Semgrep `no-new-privileges`, compose-lint `CL-0003`.

## References
- https://docs.docker.com/reference/cli/docker/container/run/#security-opt
- docker-bench-security 5.26; OWASP Docker Security Cheat Sheet rule #4
"#;

/// The rule's metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF502",
    name: "missing-no-new-privileges",
    aliases: &["27fcc7d6", "no-new-privileges", "CL-0003"],
    severity: Severity::Warning,
    summary: "A service can gain privileges (no `no-new-privileges:true`)",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

const ITEM: &str = "no-new-privileges:true";

/// True when a `security_opt` item turns the setting on (any spelling
/// Docker takes: `no-new-privileges`, `:true`, `=true`).
fn sets_it(item: &str) -> Option<bool> {
    let rest = item.trim().strip_prefix("no-new-privileges")?;
    match rest.trim_start_matches([':', '=']) {
        "" | "true" => Some(true),
        _ => Some(false),
    }
}

/// DF502.
pub struct NoNewPrivileges;

impl ComposeRule for NoNewPrivileges {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &ComposeContext) -> Vec<Diagnostic> {
        let file = ctx.file;
        let mut out = Vec::new();
        for svc in file.services() {
            let reset = ctx.reset(svc.name, "security_opt");
            if ctx.overridden(svc.name, "security_opt") && !reset {
                continue;
            }
            let found = if reset {
                Lookup::Absent
            } else {
                lookup(file, &svc, "security_opt")
            };
            let items = found
                .pair()
                .and_then(|p| p.value.as_ref())
                .map(scalar_items)
                .unwrap_or_default();
            let set: Vec<bool> = items.iter().filter_map(|(_, v, _)| sets_it(v)).collect();
            if set.contains(&true) || matches!(found, Lookup::Unknown) {
                continue;
            }
            let message = format!(
                "service `{}` does not set `{ITEM}`{}",
                svc.name,
                reset_note(reset)
            );
            let fix = if reset || !set.is_empty() || !editable(file, &svc) {
                None
            } else {
                match found {
                    Lookup::Absent => insert_into_map(
                        file,
                        svc.map().expect("editable"),
                        &[("security_opt".into(), New::List(vec![ITEM.into()]))],
                        ctx.style,
                    ),
                    Lookup::Local(p) => p
                        .value
                        .as_ref()
                        .filter(|v| value_guard(v).is_none())
                        .and_then(|v| append_items(file, v, &[ITEM.into()], ctx.style)),
                    _ => None,
                }
            };
            let fix =
                fix.map(|e| Fix::unsafe_fix(format!("Add `{ITEM}` to `security_opt`"), vec![e]));
            out.push(on_service(&META, &svc, message).with_optional_fix(fix));
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
        insta::assert_snapshot!(snapshot(&META, include_str!("fixtures/DF502.yaml")));
    }

    #[test]
    fn spellings() {
        assert_eq!(sets_it("no-new-privileges"), Some(true));
        assert_eq!(sets_it("no-new-privileges=true"), Some(true));
        assert_eq!(sets_it("no-new-privileges:false"), Some(false));
        assert_eq!(sets_it("label:disable"), None);
    }
}
