//! DF522 yaml11-boolean: `yes`/`no`/`on`/`off` on a boolean key.

use dfix_grammar::compose::{Map, ScalarStyle};

use super::ComposeRule;
use crate::compose::edits::replace_scalar;
use crate::compose::ComposeContext;
use crate::diagnostic::Diagnostic;
use crate::edit::Fix;
use crate::rule::{FixAvailability, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds YAML 1.1 booleans (`yes`, `no`, `on`, `off`) as the value of a
Compose key that takes a boolean (`privileged`, `read_only`, `tty`,
`stdin_open`, `init`, `external`, `internal`, `attachable`, `enable_ipv6`
...).

## Why is this bad?
YAML 1.2, which Compose v2 reads, has only `true` and `false`; compose-go
still accepts the old spellings for these keys but warns, and other tools
reading the file as YAML 1.2 see the string `"yes"`.

## Example
```yaml
services:
  web:
    image: nginx
    read_only: yes
```

## Fixed
```yaml
services:
  web:
    image: nginx
    read_only: true
```

## Fix safety
Safe: Compose reads the same value.

## Aliases
None.

## References
- https://yaml.org/spec/1.2.2/#10212-boolean
- compose-spec `compose-spec.json` (`boolean|string` keys)
"#;

/// The rule's metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF522",
    name: "yaml11-boolean",
    aliases: &[],
    severity: Severity::Style,
    summary: "A YAML 1.1 boolean (`yes`, `on`, ...) on a boolean key",
    doc: DOC,
    fix: FixAvailability::Always,
    options: &[],
};

const SERVICE_KEYS: &[&str] = &[
    "privileged",
    "read_only",
    "tty",
    "stdin_open",
    "init",
    "oom_kill_disable",
];
const RESOURCE_KEYS: &[&str] = &[
    "external",
    "internal",
    "attachable",
    "enable_ipv6",
    "enable_ipv4",
];

fn as_bool(v: &str) -> Option<&'static str> {
    match v.to_ascii_lowercase().as_str() {
        "yes" | "on" => Some("true"),
        "no" | "off" => Some("false"),
        _ => None,
    }
}

fn scan(map: &Map, keys: &[&str], out: &mut Vec<Diagnostic>) {
    for p in &map.pairs {
        if !keys.contains(&p.key.as_str()) {
            continue;
        }
        let Some(v) = &p.value else { continue };
        let Some(s) = v.as_scalar() else { continue };
        if s.style != ScalarStyle::Plain || v.anchor.is_some() || v.tag.is_some() {
            continue;
        }
        let Some(b) = as_bool(&s.value) else { continue };
        let fix = replace_scalar(v, b).map(|e| Fix::safe(format!("Write `{b}`"), vec![e]));
        out.push(
            Diagnostic::new(
                &META,
                format!(
                    "`{}: {}` is a YAML 1.1 boolean; write `{b}`",
                    p.key, s.value
                ),
                v.span.clone(),
            )
            .with_optional_fix(fix),
        );
    }
}

/// DF522.
pub struct Yaml11Boolean;

impl ComposeRule for Yaml11Boolean {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &ComposeContext) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for svc in ctx.file.services() {
            if let Some(m) = svc.map() {
                scan(m, SERVICE_KEYS, &mut out);
            }
        }
        let Some(top) = ctx.file.top() else {
            return out;
        };
        for section in ["networks", "volumes", "secrets", "configs"] {
            let Some(m) = top.get(section).and_then(|p| p.value.as_ref()?.as_map()) else {
                continue;
            };
            for p in &m.pairs {
                if let Some(inner) = p.value.as_ref().and_then(|v| v.as_map()) {
                    scan(inner, RESOURCE_KEYS, &mut out);
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
        insta::assert_snapshot!(snapshot(&META, include_str!("fixtures/DF522.yaml")));
    }
}
