//! DF510 secret-in-environment: a literal secret in `environment`.

use std::ops::Range;

use dfix_grammar::compose::{Node_, Service};

use super::{editable, image, lookup, scalar_items, ComposeRule, Lookup};
use crate::compose::edits::{append_items, insert_into_map, merge_inserts, replace_scalar, New};
use crate::compose::guards::{interpolated, value_guard};
use crate::compose::ComposeContext;
use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
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
For images that read `<NAME>_FILE` (the `file_env` list in
`data/compose.toml`: postgres, mysql, mariadb, mongo), a Compose secret:

```yaml
services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password
    secrets:
      - postgres_password
secrets:
  postgres_password:
    file: ./secrets/postgres_password.txt
```

Otherwise a suggestion (display-only): take the value from the
environment, and fail when it is not set.

```yaml
services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}
```

## Fix safety
Unsafe for the `_FILE` form: the secret file (`./secrets/<name>.txt`, to
be git-ignored) must be created with the value before the next start, and a
database reads the password only when it initialises an empty data folder.
Not offered when the `environment`, `secrets` or top-level `secrets` it
would edit comes from an anchor, a merge key or `extends`, or when a
top-level secret of that name exists already with another meaning (then
only the service side is written), or when the file has a top-level
`include:` that dfix cannot read (a remote or interpolated path, a missing
file) and does not define that secret itself (an included file may, and
Compose refuses a resource defined twice). A secret an included file
defines is used as it is. The `${VAR:?}` form is display-only:
the value has to go somewhere dfix does not create.

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
            if ctx.replaced(svc.name, "environment") {
                continue;
            }
            let Some(env) = svc.get("environment").and_then(|p| p.value.as_ref()) else {
                continue;
            };
            let facts = image(&svc).and_then(|i| ctx.data().image(i));
            let mut entries: Vec<(String, String, &Node_, Option<Range<usize>>)> = Vec::new();
            if let Some(m) = env.as_map() {
                for p in &m.pairs {
                    if let Some(v) = p.value.as_ref() {
                        if let Some(s) = v.as_scalar() {
                            entries.push((
                                p.key.clone(),
                                s.value.clone(),
                                v,
                                Some(p.key_span.clone()),
                            ));
                        }
                    }
                }
            } else if let Some(seq) = env.as_seq() {
                for i in &seq.items {
                    let Some(v) = &i.value else { continue };
                    let Some(s) = v.as_scalar() else { continue };
                    if let Some((k, val)) = s.value.split_once('=') {
                        entries.push((k.to_string(), val.to_string(), v, None));
                    }
                }
            }
            let names_here: Vec<String> = entries.iter().map(|e| e.0.clone()).collect();
            for (key, value, node, key_span) in entries {
                let map_form = key_span.is_some();
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
                let with_file = facts.is_some_and(|f| f.file_env.contains(&key))
                    && !names_here.contains(&format!("{key}_FILE"));
                let secret_fix = with_file
                    .then(|| file_secret_edits(ctx, &svc, env, &key, node, key_span.as_ref()))
                    .flatten();
                let fix = match secret_fix {
                    Some(edits) => Some(Fix::unsafe_fix(
                        format!(
                            "Read `{key}` from the Compose secret `{}` (create ./secrets/{}.txt)",
                            key.to_ascii_lowercase(),
                            key.to_ascii_lowercase()
                        ),
                        edits,
                    )),
                    None => edit.map(|e| {
                        Fix::display_only(format!("Read `{key}` from the environment"), vec![e])
                    }),
                };
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

/// The edits that move `key` to a Compose secret: `<KEY>_FILE` pointing at
/// `/run/secrets/<key>`, the service's `secrets` list, and a top-level
/// secret read from `./secrets/<key>.txt`. `None` when any part would touch
/// a shared or flow-style value.
fn file_secret_edits(
    ctx: &ComposeContext,
    svc: &Service,
    env: &Node_,
    key: &str,
    node: &Node_,
    key_span: Option<&Range<usize>>,
) -> Option<Vec<Edit>> {
    let file = ctx.file;
    if !editable(file, svc) || value_guard(env).is_some() {
        return None;
    }
    let name = key.to_ascii_lowercase();
    let target = format!("/run/secrets/{name}");
    let mut edits = Vec::new();
    match key_span {
        Some(ks) => {
            // A quoted key is left alone: its text is not the key.
            if ctx.source().get(ks.clone()) != Some(key) {
                return None;
            }
            edits.push(Edit::replace(ks.clone(), format!("{key}_FILE")));
            edits.push(replace_scalar(node, &target)?);
        }
        None => edits.push(replace_scalar(node, &format!("{key}_FILE={target}"))?),
    }
    let mut service_keys = Vec::new();
    match lookup(file, svc, "secrets") {
        Lookup::Absent => service_keys.push(("secrets".to_string(), New::List(vec![name.clone()]))),
        Lookup::Local(p) => {
            let v = p.value.as_ref()?;
            let seq = v.as_seq()?;
            // Long-form items (`source:`) are not compared: leave them be.
            if value_guard(v).is_some()
                || seq
                    .items
                    .iter()
                    .any(|i| i.value.as_ref().is_some_and(|n| n.as_map().is_some()))
            {
                return None;
            }
            if !scalar_items(v).iter().any(|(_, s, _)| *s == name) {
                edits.push(append_items(
                    file,
                    v,
                    std::slice::from_ref(&name),
                    ctx.style,
                )?);
            }
        }
        _ => return None,
    }
    if !service_keys.is_empty() {
        edits.push(insert_into_map(file, svc.map()?, &service_keys, ctx.style)?);
    }
    let top = file.top()?;
    let defined_here = top
        .get("secrets")
        .and_then(|p| p.value.as_ref())
        .and_then(|v| v.as_map())
        .is_some_and(|m| m.get(&name).is_some());
    // One an included file defines is the project's already.
    if !defined_here && ctx.included_defines("secrets", &name) {
        return Some(merge_inserts(edits));
    }
    // An included file dfix could not read may define the secret: a
    // second definition is an error.
    if ctx.includes_unseen() && !defined_here {
        return None;
    }
    let entry = New::Map(vec![(
        "file".to_string(),
        New::Scalar(format!("./secrets/{name}.txt")),
    )]);
    match top.get("secrets") {
        None => edits.push(insert_into_map(
            file,
            top,
            &[("secrets".into(), New::Map(vec![(name.clone(), entry)]))],
            ctx.style,
        )?),
        Some(p) => {
            let v = p.value.as_ref()?;
            let m = v.as_map()?;
            if value_guard(v).is_some() {
                return None;
            }
            if m.get(&name).is_none() {
                edits.push(insert_into_map(
                    file,
                    m,
                    &[(name.clone(), entry)],
                    ctx.style,
                )?);
            }
        }
    }
    Some(merge_inserts(edits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::test_support::{applied_fixes, snapshot, with_includes};
    use crate::rule::Facts;

    #[test]
    fn fixture() {
        insta::assert_snapshot!(snapshot(&META, include_str!("fixtures/DF510.yaml")));
    }

    #[test]
    fn list_form_and_existing_secrets() {
        insta::assert_snapshot!(
            "existing",
            snapshot(
                &META,
                "services:\n  db:\n    image: mariadb:11\n    environment:\n      - MARIADB_ROOT_PASSWORD=secret\n      - \"MARIADB_PASSWORD=other\"\n    secrets: [mariadb_root_password]\nsecrets:\n  mariadb_root_password:\n    file: ./root.txt\n  # more below\n"
            )
        );
    }

    /// With `include:`, an included file may define the secret: no fix
    /// that writes a second top-level definition.
    #[test]
    fn include_keeps_top_level_secrets_unwritten() {
        let src = "services:\n  db:\n    image: mariadb:11\n    environment:\n      MARIADB_ROOT_PASSWORD: secret\n";
        let fixed = |s: &str| {
            applied_fixes(&META, s, &Facts::new())
                .iter()
                .any(|(_, a)| *a)
        };
        assert!(fixed(src));
        assert!(!fixed(&format!("include:\n  - other.yaml\n{src}")));
    }

    /// With the included files read: a secret one of them defines is used
    /// as it is (no second definition); one none defines is written here.
    #[test]
    fn include_read_reuses_or_writes_the_top_level_secret() {
        let src = "include:\n  - other.yaml\nservices:\n  db:\n    image: mariadb:11\n    environment:\n      MARIADB_ROOT_PASSWORD: secret\n";
        let out = |facts: &Facts| {
            let s = crate::settings::Settings {
                unsafe_fixes: true,
                ..crate::settings::Settings::default()
                    .with_selection(&["DF510".to_string()], &[])
                    .unwrap()
            };
            crate::compose::fix(src, &s, facts)
                .unwrap()
                .output()
                .to_string()
        };
        let defined = out(&with_includes(&[
            "secrets:\n  mariadb_root_password:\n    file: ../db.txt\n",
        ]));
        assert!(
            defined.contains("MARIADB_ROOT_PASSWORD_FILE: /run/secrets/mariadb_root_password"),
            "{defined}"
        );
        assert!(
            defined.contains("    secrets:\n      - mariadb_root_password\n"),
            "{defined}"
        );
        assert!(!defined.contains("\nsecrets:"), "{defined}");
        let elsewhere = out(&with_includes(&["services:\n  x:\n    image: x\n"]));
        assert!(
            elsewhere.ends_with("secrets:\n  mariadb_root_password:\n    file: ./secrets/mariadb_root_password.txt\n"),
            "{elsewhere}"
        );
    }
}
