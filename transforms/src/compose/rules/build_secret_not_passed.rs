//! DF517 build-secret-not-passed: the service's Dockerfile mounts a build
//! secret that its `build.secrets` does not pass.

use dfix_grammar::compose::{Map, Node_, Pair, Service};

use super::{editable, ComposeRule};
use crate::compose::edits::{append_items, insert_after_line, insert_into_map, merge_inserts, New};
use crate::compose::guards::{interpolated, value_guard};
use crate::compose::style::column;
use crate::compose::ComposeContext;
use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::rule::{FixAvailability, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds services that `build:` a Dockerfile whose `RUN
--mount=type=secret,id=X` reads a secret that the service's
`build.secrets` does not pass. The Dockerfile is read as dfix fixes it
with its own settings (the config nearest to it, and the command line's),
so a secret build argument that `secret-in-arg` (DF210) turns into a
secret mount counts. The id is the mount's `id`, or
the base name of its `target` when it has none (BuildKit's default). Only
the stages the build runs count: the target stage (`build.target`, else
the last), the stages it is built `FROM`, and those it copies or mounts
from.

## Why is this bad?
Compose hands a build only the secrets listed in `build.secrets`. A secret
mount is optional by default, so the build does not fail: the command runs
without the token (`npm ci` without the registry credentials, `pip
install` without the index password) and fails later or, worse, builds
something else. When the Dockerfile's build argument has just become a
secret mount, the `args:` value that used to carry it no longer reaches
the build at all.

## Example
```yaml
services:
  web:
    build: ./web
```
with `./web/Dockerfile`:
```dockerfile
FROM node:22-slim
ARG NPM_TOKEN
RUN npm ci
```

## Fixed
```yaml
services:
  web:
    build:
      context: ./web
      secrets:
        - NPM_TOKEN
secrets:
  NPM_TOKEN:
    environment: NPM_TOKEN
```
(and the Dockerfile, by DF210: `RUN
--mount=type=secret,id=NPM_TOKEN,env=NPM_TOKEN npm ci`).

## Fix safety
Unsafe: the build now reads the secret from the variable `X` of the
environment `docker compose build` runs in, which must be set there
(before, it came through `args:` or not at all). The fix writes the id
into `build.secrets` (turning `build: ./dir` into the long form with
`context: ./dir`, in the file's own indentation) and, when the file has no
top-level secret of that name, adds `secrets: {X: {environment: X}}`.
`environment:` as a secret source needs Docker Compose 2.22 or later (the
oracle used in the tests, Compose v2.40.3, accepts it); a top-level secret
that already exists is used as it is (its `file:` or `environment:`).
No item is written twice: short items (`- X`) and long ones (`target: X`,
else `source: X`) count as passing `X`.

Only a finding, no fix, when the service uses an anchor, a merge key or
`extends`, when `build`, `build.secrets` or the top-level `secrets` comes
from an anchor or alias or is interpolated, or when a
new top-level secret would need an id that is not a variable name
(`environment:` reads a variable of that name). A service whose `build` an
override file sets is judged there. A secret an included file defines is
used as it is. With a top-level `include:` that dfix cannot read (a remote
or interpolated path, a missing file), a new top-level secret is not
written (an included file may define it, and Compose refuses a resource
defined twice): only a finding, unless this file defines the secret
already.

## Aliases
None: no other Compose linter reads the Dockerfile a service builds.

## References
- https://docs.docker.com/reference/compose-file/build/#secrets
- https://docs.docker.com/reference/compose-file/secrets/
- https://docs.docker.com/reference/dockerfile/#run---mounttypesecret
"#;

/// The rule's metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF517",
    name: "build-secret-not-passed",
    aliases: &[],
    severity: Severity::Warning,
    summary: "The service's Dockerfile mounts a build secret that `build.secrets` does not pass",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

/// The secret ids a `build.secrets` list passes (short items by name, long
/// ones by `target`, else `source`); `None` when the list cannot be read
/// (an alias, an interpolated or unreadable item).
fn passed_ids(node: &Node_) -> Option<Vec<String>> {
    if node.is_shared() {
        return None;
    }
    let seq = node.as_seq()?;
    let mut out = Vec::new();
    for item in &seq.items {
        let v = item.value.as_ref()?;
        let id = match (v.as_scalar(), v.as_map()) {
            (Some(s), _) => s.value.clone(),
            (_, Some(m)) => {
                let field = |k: &str| {
                    m.get(k)
                        .and_then(|p| p.value.as_ref())
                        .and_then(Node_::as_scalar)
                        .map(|s| s.value.clone())
                };
                field("target").or_else(|| field("source"))?
            }
            _ => return None,
        };
        if interpolated(&id) {
            return None;
        }
        out.push(id);
    }
    Some(out)
}

/// An id written as a plain YAML scalar means itself.
fn plain_id(id: &str) -> bool {
    id.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// A name `environment:` can read: a shell variable name.
fn variable_name(id: &str) -> bool {
    id.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// DF517.
pub struct BuildSecretNotPassed;

impl ComposeRule for BuildSecretNotPassed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &ComposeContext) -> Vec<Diagnostic> {
        let file = ctx.file;
        let mut out = Vec::new();
        for svc in file.services() {
            let Some(built) = ctx.built(svc.name).filter(|b| !b.secrets.is_empty()) else {
                continue;
            };
            let Some(build) = svc.get("build") else {
                continue;
            };
            if ctx.overridden(svc.name, "build") {
                continue;
            }
            let Some(value) = build.value.as_ref() else {
                continue;
            };
            let secrets = value
                .as_map()
                .and_then(|m| m.get("secrets"))
                .and_then(|p| p.value.as_ref());
            let passed = match secrets {
                Some(n) => match passed_ids(n) {
                    Some(p) => p,
                    None => continue,
                },
                None => Vec::new(),
            };
            let missing: Vec<String> = built
                .secrets
                .iter()
                .filter(|s| !passed.contains(s))
                .cloned()
                .collect();
            if missing.is_empty() {
                continue;
            }
            let list = missing
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let d = Diagnostic::new(
                &META,
                format!(
                    "service `{}` builds a Dockerfile that mounts the build secret{} {list}, which `build.secrets` does not pass",
                    svc.name,
                    if missing.len() == 1 { "" } else { "s" }
                ),
                build.key_span.clone(),
            );
            let fix = fix_edits(ctx, &svc, build, &missing).map(|edits| {
                Fix::unsafe_fix(format!("Pass {list} to the build"), merge_inserts(edits))
            });
            out.push(d.with_optional_fix(fix));
        }
        out
    }
}

/// The edits that pass `missing` to the build and define them at the top
/// level; `None` for a shape the fix does not edit.
fn fix_edits(
    ctx: &ComposeContext,
    svc: &Service,
    build: &Pair,
    missing: &[String],
) -> Option<Vec<Edit>> {
    let file = ctx.file;
    let style = ctx.style;
    if !editable(file, svc) || !missing.iter().all(|m| plain_id(m)) {
        return None;
    }
    let value = build.value.as_ref()?;
    if value_guard(value).is_some() {
        return None;
    }
    let mut edits = Vec::new();
    if let Some(s) = value.as_scalar() {
        // `build: ./dir` → the long form, the context written as it was.
        if s.style == dfix_grammar::compose::ScalarStyle::Block {
            return None;
        }
        let between = file.source().get(build.key_span.end..value.span.start)?;
        if between.trim() != ":" || between.contains('\n') {
            return None;
        }
        let col = column(file, build.key_span.start) + style.step;
        let pad = " ".repeat(col);
        edits.push(Edit::replace(
            build.key_span.end..value.span.start,
            format!(":{}{pad}context: ", style.newline),
        ));
        let mut lines = String::new();
        lines.push_str(&crate::compose::edits::render(
            "secrets",
            &New::List(missing.to_vec()),
            col,
            style,
        ));
        edits.push(insert_after_line(file, value.span.end, lines, style));
    } else {
        let map = value.as_map()?;
        match map.get("secrets") {
            None => edits.push(insert_into_map(
                file,
                map,
                &[("secrets".into(), New::List(missing.to_vec()))],
                style,
            )?),
            Some(p) => edits.push(append_items(file, p.value.as_ref()?, missing, style)?),
        }
    }
    edits.extend(top_level_edits(ctx, missing)?);
    Some(edits)
}

/// The top-level `secrets:` entries `missing` lacks, as `X: {environment:
/// X}`; `None` when the top-level `secrets` cannot take them.
fn top_level_edits(ctx: &ComposeContext, missing: &[String]) -> Option<Vec<Edit>> {
    let file = ctx.file;
    let top = file.top()?;
    let existing: Option<&Map> = match top.get("secrets") {
        None => None,
        Some(p) => {
            let v = p.value.as_ref()?;
            if value_guard(v).is_some() {
                return None;
            }
            let m = v.as_map()?;
            if m.has_merge() {
                return None;
            }
            Some(m)
        }
    };
    // One an included file defines is the project's already.
    let undefined = |id: &&String| {
        existing.is_none_or(|m| m.get(id).is_none()) && !ctx.included_defines("secrets", id)
    };
    // An included file dfix could not read may define it: a second
    // definition is an error.
    if ctx.includes_unseen() && missing.iter().any(|id| undefined(&id)) {
        return None;
    }
    let new: Vec<(String, New)> = missing
        .iter()
        .filter(undefined)
        .map(|id| {
            (
                id.clone(),
                New::Map(vec![("environment".into(), New::Scalar(id.clone()))]),
            )
        })
        .collect();
    if new.is_empty() {
        return Some(Vec::new());
    }
    if !new.iter().all(|(id, _)| variable_name(id)) {
        return None;
    }
    let edit = match existing {
        Some(m) => insert_into_map(file, m, &new, ctx.style)?,
        None => insert_into_map(file, top, &[("secrets".into(), New::Map(new))], ctx.style)?,
    };
    Some(vec![edit])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::build::BuiltImage;
    use crate::compose::test_support::{applied_fixes, snapshot_with, with_includes};
    use crate::rule::Facts;

    /// Facts: every service named in `secrets` builds an image that mounts
    /// those ids.
    fn facts(secrets: &[(&str, &[&str])]) -> Facts {
        let mut f = Facts::new();
        for (svc, ids) in secrets {
            f.compose_builds.insert(
                svc.to_string(),
                BuiltImage {
                    non_root_user: None,
                    secrets: ids.iter().map(|s| s.to_string()).collect(),
                },
            );
        }
        f
    }

    #[test]
    fn fixture() {
        let f = facts(&[
            ("short", &["NPM_TOKEN"]),
            ("long", &["NPM_TOKEN", "PIP_INDEX_PASSWORD"]),
            ("passed", &["NPM_TOKEN", "aws"]),
            ("flow", &["NPM_TOKEN"]),
            ("anchored", &["NPM_TOKEN"]),
            ("dotted", &["my.secret"]),
        ]);
        insta::assert_snapshot!(snapshot_with(
            &META,
            include_str!("fixtures/DF517.yaml"),
            &f
        ));
    }

    /// Four-space indent, CRLF, a comment after `build:`, an existing
    /// top-level `secrets:` with a `file:` source: kept and reused.
    #[test]
    fn style_and_existing_top_level_secret() {
        let src = "services:\r\n    app:\r\n        build: ./app  # the app\r\n        image: app\r\nsecrets:\r\n    NPM_TOKEN:\r\n        file: ./npm.txt\r\n";
        let f = facts(&[("app", &["NPM_TOKEN", "GH_TOKEN"])]);
        insta::assert_snapshot!("style", snapshot_with(&META, src, &f));
        // Snapshots normalise line ends: every new line ends in CRLF too.
        let s = crate::settings::Settings {
            unsafe_fixes: true,
            ..crate::settings::Settings::default()
                .with_selection(&["DF517".to_string()], &[])
                .unwrap()
        };
        let out = crate::compose::fix(src, &s, &f).unwrap();
        assert!(!out.output().replace("\r\n", "").contains('\n'));
        assert!(out
            .output()
            .contains("            context: ./app  # the app\r\n            secrets:\r\n"));
    }

    /// Two services that need the same new top-level secret get one entry.
    #[test]
    fn one_top_level_entry_for_two_services() {
        let src = "services:\n  a:\n    build: ./a\n  b:\n    build: ./b\n";
        let f = facts(&[("a", &["TOKEN"]), ("b", &["TOKEN"])]);
        let s = crate::settings::Settings {
            unsafe_fixes: true,
            ..crate::settings::Settings::default()
                .with_selection(&["DF517".to_string()], &[])
                .unwrap()
        };
        let out = crate::compose::fix(src, &s, &f).unwrap();
        assert_eq!(
            out.output(),
            "services:\n  a:\n    build:\n      context: ./a\n      secrets:\n        - TOKEN\n  b:\n    build:\n      context: ./b\n      secrets:\n        - TOKEN\nsecrets:\n  TOKEN:\n    environment: TOKEN\n"
        );
        assert!(out.remaining.is_empty());
    }

    #[test]
    fn no_fact_no_finding() {
        let src = "services:\n  a:\n    build: ./a\n";
        let file = dfix_grammar::compose::ComposeFile::parse(src);
        let s = crate::settings::Settings::default()
            .with_selection(&["DF517".to_string()], &[])
            .unwrap();
        assert!(crate::compose::check_file(&file, &s, &Facts::new()).is_empty());
        assert!(crate::compose::check_file(&file, &s, &facts(&[("a", &[])])).is_empty());
    }

    /// With `include:`, an included file may define the secret: the
    /// finding stands, with no fix writing a second definition; one
    /// defined here is reused as before.
    #[test]
    fn include_keeps_top_level_secrets_unwritten() {
        let f = facts(&[("app", &["TOKEN"])]);
        let src = "include:\n  - other.yaml\nservices:\n  app:\n    build: ./app\n";
        assert_eq!(
            applied_fixes(&META, src, &f),
            [("build".to_string(), false)]
        );
        let defined = format!("{src}secrets:\n  TOKEN:\n    environment: TOKEN\n");
        assert_eq!(
            applied_fixes(&META, &defined, &f),
            [("build".to_string(), true)]
        );
        // The included files read: one that defines the secret lends it,
        // else it is written here.
        let s = crate::settings::Settings {
            unsafe_fixes: true,
            ..crate::settings::Settings::default()
                .with_selection(&["DF517".to_string()], &[])
                .unwrap()
        };
        let mut lent = with_includes(&["secrets:\n  TOKEN:\n    file: ./t.txt\n"]);
        lent.compose_builds = f.compose_builds.clone();
        assert_eq!(
            crate::compose::fix(src, &s, &lent).unwrap().output(),
            "include:\n  - other.yaml\nservices:\n  app:\n    build:\n      context: ./app\n      secrets:\n        - TOKEN\n"
        );
        let mut plain = with_includes(&["services: {}\n"]);
        plain.compose_builds = f.compose_builds.clone();
        assert!(crate::compose::fix(src, &s, &plain)
            .unwrap()
            .output()
            .ends_with("secrets:\n  TOKEN:\n    environment: TOKEN\n"));
    }
}
