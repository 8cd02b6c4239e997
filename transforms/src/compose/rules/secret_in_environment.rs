//! DF510 secret-in-environment: a literal secret in `environment`.

use std::ops::Range;

use dfix_grammar::compose::{Node_, Service};

use super::{editable, image, lookup, scalar_items, ComposeRule, Lookup};
use crate::compose::edits::{append_items, insert_into_map, merge_inserts, replace_scalar, New};
use crate::compose::guards::{interpolated, value_guard};
use crate::compose::ComposeContext;
use crate::diagnostic::Diagnostic;
use crate::edit::{CompanionEdit, Edit, Fix};
use crate::rule::{FixAvailability, RuleMeta, Severity};
use crate::secrets::SecretNames;

const DOC: &str = r#"## What it does
Finds `environment` entries whose name says secret (`*_PASSWORD`,
`*_TOKEN`, `*_SECRET`, `API_KEY` ...) and whose value is written in the
file, in either form (`KEY: value` or `- KEY=value`), and entries of any
name whose value is a URL with a password in it
(`DATABASE_URL: postgres://app:hunter2@db/app`).

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
For images that read the value from a file (the `file_env` list in
`data/compose.toml`: `<NAME>_FILE` for postgres, mysql, mariadb, mongo and
nextcloud, `FILE__<NAME>` for any variable of a LinuxServer.io image,
`<NAME>__FILE` for Grafana's `GF_` settings), a Compose secret:

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
Unsafe for the `_FILE` form. On the command line (files, not stdin mode
or an editor) the value moves to a new file `./secrets/<name>.txt` beside
the Compose file, written before the Compose file (if it cannot be, the
Compose file is left as it was); keep that file out of version control.
When such a file exists already, or nothing is written beside the Compose
file, the fix only points at it: the file must then hold the value before
the next start, and a database reads the password only when it initialises
an empty data folder.
The secret is named after the variable (`postgres_password`), or after the
service and the variable (`db_postgres_password`) when another service of
the file sets the same variable, so that two services never share a secret
by accident.
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
compose-lint `CL-0020`, `CL-0021` (connection strings).

## References
- https://docs.docker.com/compose/how-tos/use-secrets/
- OWASP Docker Security Cheat Sheet rule #12
"#;

/// The rule's metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF510",
    name: "secret-in-environment",
    aliases: &["CL-0020", "CL-0021"],
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
        let services = ctx.file.services();
        // Every service's `environment` entries, read once.
        let envs: Vec<Vec<EnvEntry>> = services
            .iter()
            .map(|s| {
                s.get("environment")
                    .and_then(|p| p.value.as_ref())
                    .map(env_entries)
                    .unwrap_or_default()
            })
            .collect();
        for (i, svc) in services.iter().enumerate() {
            if ctx.replaced(svc.name, "environment") {
                continue;
            }
            let Some(env) = svc.get("environment").and_then(|p| p.value.as_ref()) else {
                continue;
            };
            let facts = image(svc).and_then(|i| ctx.data().image(i));
            let entries = &envs[i];
            let names_here: Vec<&String> = entries.iter().map(|e| &e.0).collect();
            // The variables the file's other services set: a secret named
            // after a variable they share gets the service's name too, so
            // two services never end up reading one secret file.
            let elsewhere: Vec<&String> = envs
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .flat_map(|(_, e)| e.iter().map(|x| &x.0))
                .collect();
            for (key, value, node, key_span) in entries.iter().cloned() {
                let map_form = key_span.is_some();
                if value.is_empty() || interpolated(&value) {
                    continue;
                }
                let in_url = url_password(&value);
                if !in_url
                    && (!names.is_secret(&key) || names.public_reason(&key, Some(&value)).is_some())
                {
                    continue;
                }
                let file_var = facts.and_then(|f| f.file_variable(&key));
                let file_hint = file_var
                    .as_ref()
                    .map(|v| format!("; the image reads `{v}`: use a Compose secret"))
                    .unwrap_or_default();
                let reference = format!("${{{key}:?set {key}}}");
                let edit = if map_form {
                    replace_scalar(node, &reference)
                } else {
                    replace_scalar(node, &format!("{key}={reference}"))
                };
                let secret = if elsewhere
                    .iter()
                    .any(|k| Some(*k) == file_var.as_ref() || **k == key)
                {
                    format!("{}_{key}", svc.name)
                } else {
                    key.clone()
                }
                .to_ascii_lowercase();
                let secret_fix = file_var
                    .as_ref()
                    .filter(|v| !names_here.contains(v))
                    .and_then(|v| {
                        let spot = Spot {
                            env,
                            key: &key,
                            node,
                            key_span: key_span.as_ref(),
                        };
                        file_secret_edits(ctx, svc, spot, v, &secret)
                    });
                // A new secret file keeps the value, when the application
                // writes it and none is there yet.
                let file_name = format!("{secret}.txt");
                let keeps_value = secret_fix.as_ref().is_some_and(|(_, new)| *new)
                    && ctx
                        .facts
                        .compose_secret_files
                        .as_ref()
                        .is_some_and(|files| !files.contains(&file_name));
                let fix = match secret_fix {
                    Some((edits, _)) if keeps_value => Some(
                        Fix::unsafe_fix(
                            format!(
                                "Read `{key}` from the Compose secret `{secret}` (its value moves to ./secrets/{file_name}; keep that file out of version control)"
                            ),
                            edits,
                        )
                        .with_companion(CompanionEdit {
                            path: format!("secrets/{file_name}"),
                            original: None,
                            // Compose reads `$$` in a value as `$`.
                            edits: vec![Edit::insert(0, value.replace("$$", "$"))],
                        }),
                    ),
                    Some((edits, _)) => Some(Fix::unsafe_fix(
                        format!(
                            "Read `{key}` from the Compose secret `{secret}` (create ./secrets/{file_name})"
                        ),
                        edits,
                    )),
                    None => edit.map(|e| {
                        Fix::display_only(format!("Read `{key}` from the environment"), vec![e])
                    }),
                };
                let what = if in_url && !names.is_secret(&key) {
                    "a password in the connection string"
                } else {
                    "a literal secret in"
                };
                out.push(
                    Diagnostic::new(
                        &META,
                        format!("service `{}` has {what} `{key}`{file_hint}", svc.name),
                        node.span.clone(),
                    )
                    .with_optional_fix(fix),
                );
            }
        }
        out
    }
}

/// True when `value` is a URL whose user info holds a password
/// (`postgres://app:hunter2@db:5432/app`).
fn url_password(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once("://") else {
        return false;
    };
    let scheme_ok = scheme
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-'));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let Some((user_info, _host)) = authority.rsplit_once('@') else {
        return false;
    };
    scheme_ok
        && user_info
            .split_once(':')
            .is_some_and(|(_, pw)| !pw.is_empty())
}

/// Each `environment` entry: name, value, value node, and the key's span
/// in the mapping form (`None` in the list form, `- KEY=value`).
type EnvEntry<'a> = (String, String, &'a Node_, Option<Range<usize>>);

fn env_entries(env: &Node_) -> Vec<EnvEntry<'_>> {
    let mut entries = Vec::new();
    if let Some(m) = env.as_map() {
        for p in &m.pairs {
            if let Some(v) = p.value.as_ref() {
                if let Some(s) = v.as_scalar() {
                    entries.push((p.key.clone(), s.value.clone(), v, Some(p.key_span.clone())));
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
    entries
}

/// Where a literal secret sits: the service's `environment` node, the
/// variable, its value node, and its key's span (mapping form).
struct Spot<'a> {
    env: &'a Node_,
    key: &'a str,
    node: &'a Node_,
    key_span: Option<&'a Range<usize>>,
}

/// The edits that move a variable to the Compose secret `name`: the file
/// variable `file_var` (`<KEY>_FILE`, `FILE__<KEY>` ...) pointing at
/// `/run/secrets/<name>`, the service's `secrets` list, and a top-level
/// secret read from `./secrets/<name>.txt`; with whether that top-level
/// secret is new (written by these edits). `None` when any part would
/// touch a shared value.
fn file_secret_edits(
    ctx: &ComposeContext,
    svc: &Service,
    spot: Spot,
    file_var: &str,
    name: &str,
) -> Option<(Vec<Edit>, bool)> {
    let Spot {
        env,
        key,
        node,
        key_span,
    } = spot;
    let file = ctx.file;
    if !editable(file, svc) || value_guard(env).is_some() {
        return None;
    }
    let name = name.to_string();
    let target = format!("/run/secrets/{name}");
    let mut edits = Vec::new();
    match key_span {
        Some(ks) => {
            // A quoted key is left alone: its text is not the key.
            if ctx.source().get(ks.clone()) != Some(key) {
                return None;
            }
            edits.push(Edit::replace(ks.clone(), file_var.to_string()));
            edits.push(replace_scalar(node, &target)?);
        }
        None => edits.push(replace_scalar(node, &format!("{file_var}={target}"))?),
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
        return Some((merge_inserts(edits), false));
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
    Some((merge_inserts(edits), !defined_here))
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

    /// The file variable's spelling comes from the image table: LinuxServer
    /// images read `FILE__<NAME>` for any variable, Grafana `<NAME>__FILE`
    /// for its `GF_` settings. Two services that set the same variable get
    /// a secret each, named after the service.
    #[test]
    fn file_variable_forms_and_shared_names() {
        let src = "services:\n  code:\n    image: lscr.io/linuxserver/code-server:4.9\n    environment:\n      - PASSWORD=hunter2\n  flame:\n    image: linuxserver/heimdall\n    environment:\n      PASSWORD: other\n  grafana:\n    image: grafana/grafana-oss:11.2.0\n    environment:\n      GF_SECURITY_ADMIN_PASSWORD: admin123\n      ADMIN_TOKEN: abc123\n";
        let s = crate::settings::Settings {
            unsafe_fixes: true,
            ..crate::settings::Settings::default()
                .with_selection(&["DF510".to_string()], &[])
                .unwrap()
        };
        let out = crate::compose::fix(src, &s, &Facts::new()).unwrap();
        let text = out.output();
        for want in [
            "      - FILE__PASSWORD=/run/secrets/code_password\n    secrets:\n      - code_password\n",
            "      FILE__PASSWORD: /run/secrets/flame_password\n    secrets:\n      - flame_password\n",
            "      GF_SECURITY_ADMIN_PASSWORD__FILE: /run/secrets/gf_security_admin_password\n",
            "  code_password:\n    file: ./secrets/code_password.txt\n",
            "  flame_password:\n    file: ./secrets/flame_password.txt\n",
        ] {
            assert!(text.contains(want), "{want}\n---\n{text}");
        }
        // Grafana does not read ADMIN_TOKEN from a file: a suggestion only.
        assert!(text.contains("      ADMIN_TOKEN: abc123\n"), "{text}");
        assert_eq!(
            out.remaining
                .iter()
                .filter(|d| d.rule.id == "DF510")
                .count(),
            1,
            "{:?}",
            out.remaining
        );
    }

    #[test]
    fn passwords_in_connection_strings() {
        for (v, yes) in [
            ("postgres://app:hunter2@db:5432/app", true),
            ("mysql+pymysql://root:pw@db/x?ssl=1", true),
            ("redis://:s3cret@cache:6379/0", true),
            ("postgres://app@db/app", false),
            ("https://example.org/a:b@c", false),
            ("http://user:@host/", false),
            ("not a url", false),
        ] {
            assert_eq!(url_password(v), yes, "{v}");
        }
        let src = "services:\n  app:\n    image: myorg/app\n    environment:\n      DATABASE_URL: postgres://app:hunter2@db/app\n      CACHE_URL: redis://cache:6379\n      DB_URL: postgres://app:${DB_PASSWORD}@db/app\n";
        let found = applied_fixes(&META, src, &Facts::new());
        assert_eq!(
            found,
            [("postgres://app:hunter2@db/app".to_string(), false)]
        );
        let file = dfix_grammar::compose::ComposeFile::parse(src);
        let s = crate::settings::Settings::default()
            .with_selection(&["DF510".to_string()], &[])
            .unwrap();
        let d = crate::compose::check_file(&file, &s, &Facts::new());
        assert_eq!(
            d[0].message,
            "service `app` has a password in the connection string `DATABASE_URL`"
        );
    }

    /// When the application writes files beside the Compose file, the
    /// value moves to a new `secrets/<name>.txt` with the fix (`$$` read as
    /// `$`); not when that file exists already, nor when the top-level
    /// secret exists, nor when nothing is written beside it.
    #[test]
    fn the_value_goes_to_a_new_secret_file() {
        let src = "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: \"pa$$word\"\n";
        let companion = |files: Option<&[&str]>, src: &str| {
            let mut facts = Facts::new();
            facts.compose_secret_files = files.map(|f| f.iter().map(|s| s.to_string()).collect());
            let file = dfix_grammar::compose::ComposeFile::parse(src);
            let s = crate::settings::Settings::default()
                .with_selection(&["DF510".to_string()], &[])
                .unwrap();
            let found = crate::compose::check_file(&file, &s, &facts);
            found[0].fix.as_ref().unwrap().companion.clone()
        };
        let c = companion(Some(&[]), src).expect("a new secret file");
        assert_eq!(c.path, "secrets/postgres_password.txt");
        assert_eq!(c.original, None);
        assert_eq!(crate::edit::apply_edits("", &c.edits).unwrap(), "pa$word");
        assert_eq!(companion(Some(&["postgres_password.txt"]), src), None);
        assert_eq!(companion(None, src), None);
        let defined = format!("{src}secrets:\n  postgres_password:\n    file: ./pw.txt\n");
        assert_eq!(companion(Some(&[]), &defined), None);
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
