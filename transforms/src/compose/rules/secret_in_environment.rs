//! DF510 secret-in-environment: a literal secret in `environment`.

use dfix_grammar::compose::Node_;

use super::{image, ComposeRule};
use crate::compose::edits::replace_scalar;
use crate::compose::guards::interpolated;
use crate::compose::ComposeContext;
use crate::diagnostic::Diagnostic;
use crate::edit::Fix;
use crate::rule::{FixAvailability, RuleMeta, Severity};
use crate::secrets::SecretNames;

const DOC: &str = r#"## What it does
Finds `environment` entries whose name says secret (`*_PASSWORD`,
`*_TOKEN`, `*_SECRET`, `API_KEY` ...) and whose value is written in the
file, in either form (`KEY: value` or `- KEY=value`).

## Why is this bad?
The file is committed, copied and shared; the value also shows in `docker
inspect` and in every process's environment. Compose `secrets:` mount the
value as a file instead (OWASP rule #12), and most official database images
read `<NAME>_FILE`.

## Example
```yaml
services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: hunter2
```

## Fixed
A suggestion (display-only): take the value from the environment, and fail
when it is not set.

```yaml
services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}
```

For images that read `<NAME>_FILE` (the `file_env` list in
`data/compose.toml`), the message names that variable: set it to
`/run/secrets/<name>` and add a `secrets:` entry.

## Fix safety
Display-only: the value has to go somewhere (an `.env` file or a secret
file) that dfix does not create.

## Aliases
compose-lint `CL-0020`.

## References
- https://docs.docker.com/compose/how-tos/use-secrets/
- OWASP Docker Security Cheat Sheet rule #12
"#;

/// The rule's metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF510",
    name: "secret-in-environment",
    aliases: &["CL-0020"],
    severity: Severity::Error,
    summary: "A secret is written in `environment`",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

/// DF510.
pub struct SecretInEnvironment;

impl ComposeRule for SecretInEnvironment {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &ComposeContext) -> Vec<Diagnostic> {
        let names = SecretNames::builtin();
        let mut out = Vec::new();
        for svc in ctx.file.services() {
            let Some(env) = svc.get("environment").and_then(|p| p.value.as_ref()) else {
                continue;
            };
            let facts = image(&svc).and_then(|i| ctx.data().image(i));
            let mut entries: Vec<(String, String, &Node_, bool)> = Vec::new();
            if let Some(m) = env.as_map() {
                for p in &m.pairs {
                    if let Some(v) = p.value.as_ref() {
                        if let Some(s) = v.as_scalar() {
                            entries.push((p.key.clone(), s.value.clone(), v, true));
                        }
                    }
                }
            } else if let Some(seq) = env.as_seq() {
                for i in &seq.items {
                    let Some(v) = &i.value else { continue };
                    let Some(s) = v.as_scalar() else { continue };
                    if let Some((k, val)) = s.value.split_once('=') {
                        entries.push((k.to_string(), val.to_string(), v, false));
                    }
                }
            }
            for (key, value, node, map_form) in entries {
                if value.is_empty() || interpolated(&value) || !names.is_secret(&key) {
                    continue;
                }
                if names.public_reason(&key, Some(&value)).is_some() {
                    continue;
                }
                let file_hint = facts
                    .filter(|f| f.file_env.contains(&key))
                    .map(|_| format!("; the image reads `{key}_FILE`: use a Compose secret"))
                    .unwrap_or_default();
                let reference = format!("${{{key}:?set {key}}}");
                let edit = if map_form {
                    replace_scalar(node, &reference)
                } else {
                    replace_scalar(node, &format!("{key}={reference}"))
                };
                let fix = edit.map(|e| {
                    Fix::display_only(format!("Read `{key}` from the environment"), vec![e])
                });
                out.push(
                    Diagnostic::new(
                        &META,
                        format!(
                            "service `{}` has a literal secret in `{key}`{file_hint}",
                            svc.name
                        ),
                        node.span.clone(),
                    )
                    .with_optional_fix(fix),
                );
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
        insta::assert_snapshot!(snapshot(&META, include_str!("fixtures/DF510.yaml")));
    }
}
