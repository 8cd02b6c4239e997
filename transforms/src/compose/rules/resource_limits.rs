//! DF506 no-resource-limits: no CPU, memory or PID limit.

use dfix_grammar::compose::Map;

use super::{editable, lookup, on_service, reset_note, ComposeRule, Lookup};
use crate::compose::edits::{insert_into_map, New};
use crate::compose::guards::value_guard;
use crate::compose::ComposeContext;
use crate::diagnostic::Diagnostic;
use crate::edit::Fix;
use crate::rule::{FixAvailability, OptionKind, OptionMeta, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds services with no resource limit: neither `deploy.resources.limits`
nor the legacy `mem_limit`, `cpus` or `pids_limit`.

## Why is this bad?
One runaway or attacked container can take all the host's memory, CPU or
process table and starve the others (docker-bench 5.11, 5.12, 5.29; OWASP
rule #7). `docker compose` applies `deploy.resources.limits` without swarm.

## Example
```yaml
services:
  api:
    image: myorg/api
```

## Fixed
```yaml
services:
  api:
    image: myorg/api
    deploy:
      resources:
        limits:
          cpus: "1.0"
          memory: 512M
          pids: 256
```

## Fix safety
Unsafe: a service that needs more is throttled or killed (OOM). The values
come from the options below; `memory` is always written as a string (an
integer fails Compose's schema). An existing `deploy` or `resources`
mapping gets the missing level, in its own style (flow or block); one
from an anchor, a merge key or `extends` is not edited. When an override file resets a
limit key with `!reset`, the merged model lacks it: the finding stands,
without a fix; any other override of these keys makes the rule silent.

## Options
- `cpus` (string, default `"1.0"`), `memory` (string, default `512M`),
  `pids` (string of digits, default `256`).

## Aliases
KICS `bb9ac4f7` (memory), `6b610c50` (cpus), `221e0658` (pids), compose-lint `CL-0026`.

## References
- https://docs.docker.com/reference/compose-file/deploy/#resources
- docker/compose `pkg/compose/create.go` (`setLimits`)
- docker-bench-security 5.11, 5.12, 5.29; OWASP Docker Security Cheat Sheet rule #7
"#;

/// The rule's metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF506",
    name: "no-resource-limits",
    aliases: &["bb9ac4f7", "6b610c50", "221e0658", "CL-0026"],
    severity: Severity::Warning,
    summary: "A service has no CPU, memory or PID limit",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[
        OptionMeta {
            name: "cpus",
            kind: OptionKind::Str { choices: &[] },
            doc: "CPU limit written by the fix (default \"1.0\")",
        },
        OptionMeta {
            name: "memory",
            kind: OptionKind::Str { choices: &[] },
            doc: "memory limit written by the fix (default 512M)",
        },
        OptionMeta {
            name: "pids",
            kind: OptionKind::Str { choices: &[] },
            doc: "PID limit written by the fix (default 256)",
        },
    ],
};

/// The keys that set a limit: `deploy` (its `resources.limits`) and the
/// legacy service-level ones.
const LIMIT_KEYS: [&str; 4] = ["deploy", "mem_limit", "cpus", "pids_limit"];

fn sub_map<'a>(m: &'a Map, key: &str) -> Result<Option<&'a Map>, ()> {
    match m.get(key) {
        None => Ok(None),
        Some(p) => match p.value.as_ref() {
            Some(v) if value_guard(v).is_none() => match v.as_map() {
                Some(mm) => Ok(Some(mm)),
                _ => Err(()),
            },
            _ => Err(()),
        },
    }
}

/// DF506.
pub struct ResourceLimits;

impl ComposeRule for ResourceLimits {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &ComposeContext) -> Vec<Diagnostic> {
        let file = ctx.file;
        let mut out = Vec::new();
        let cpus = format!("\"{}\"", ctx.option_str("cpus", "1.0").trim_matches('"'));
        let memory = ctx
            .option_str("memory", "512M")
            .trim_matches('"')
            .to_string();
        let pids = ctx.option_str("pids", "256").to_string();
        let limits = New::Map(vec![
            ("cpus".into(), New::Scalar(cpus)),
            ("memory".into(), New::Scalar(memory)),
            ("pids".into(), New::Scalar(pids)),
        ]);
        for svc in file.services() {
            // A key an override resets (`!reset`) is gone from the merged
            // model; any other override of one decides, so stay silent.
            let reset = LIMIT_KEYS.map(|k| ctx.reset(svc.name, k));
            if LIMIT_KEYS
                .iter()
                .zip(reset)
                .any(|(k, r)| !r && ctx.overridden(svc.name, k))
            {
                continue;
            }
            let seen = |i: usize| {
                if reset[i] {
                    Lookup::Absent
                } else {
                    lookup(file, &svc, LIMIT_KEYS[i])
                }
            };
            if (1..LIMIT_KEYS.len()).any(|i| !matches!(seen(i), Lookup::Absent)) {
                continue;
            }
            let deploy = seen(0);
            let reset_any = reset.contains(&true);
            let has_limits = match deploy {
                Lookup::Unknown => true,
                Lookup::Absent => false,
                Lookup::Local(p) | Lookup::Inherited(p) => p
                    .value
                    .as_ref()
                    .map(|v| match v.as_map() {
                        Some(m) => m
                            .get("resources")
                            .and_then(|r| r.value.as_ref())
                            .map(|r| r.as_map().is_none_or(|rm| rm.get("limits").is_some()))
                            .unwrap_or(false),
                        None => true,
                    })
                    .unwrap_or(false),
            };
            if has_limits {
                continue;
            }
            let d = on_service(
                &META,
                &svc,
                format!(
                    "service `{}` has no resource limits{}",
                    svc.name,
                    reset_note(reset_any)
                ),
            );
            // A key written here would be reset again.
            let edit = if reset_any || !editable(file, &svc) {
                None
            } else {
                let map = svc.map().expect("editable");
                match deploy {
                    Lookup::Absent => insert_into_map(
                        file,
                        map,
                        &[(
                            "deploy".into(),
                            New::Map(vec![(
                                "resources".into(),
                                New::Map(vec![("limits".into(), limits.clone())]),
                            )]),
                        )],
                        ctx.style,
                    ),
                    Lookup::Local(_) => match sub_map(map, "deploy") {
                        Ok(Some(dm)) => match sub_map(dm, "resources") {
                            Ok(None) => insert_into_map(
                                file,
                                dm,
                                &[(
                                    "resources".into(),
                                    New::Map(vec![("limits".into(), limits.clone())]),
                                )],
                                ctx.style,
                            ),
                            Ok(Some(rm)) => insert_into_map(
                                file,
                                rm,
                                &[("limits".into(), limits.clone())],
                                ctx.style,
                            ),
                            Err(()) => None,
                        },
                        _ => None,
                    },
                    _ => None,
                }
            };
            let fix = edit.map(|e| Fix::unsafe_fix("Add `deploy.resources.limits`", vec![e]));
            out.push(d.with_optional_fix(fix));
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
        insta::assert_snapshot!(snapshot(&META, include_str!("fixtures/DF506.yaml")));
    }
}
