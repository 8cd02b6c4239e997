//! DF503 capabilities-not-dropped: no `cap_drop: [ALL]`.

use dfix_grammar::compose::Service;

use super::{editable, image, lookup, on_service, reset_note, scalar_items, ComposeRule, Lookup};
use crate::compose::edits::{append_items, insert_into_map, merge_inserts, New};
use crate::compose::guards::{interpolated, value_guard};
use crate::compose::ComposeContext;
use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::rule::{FixAvailability, RuleMeta, Severity};
use crate::users::analysis::is_root;

const DOC: &str = r#"## What it does
Finds services that do not drop every capability (`cap_drop: [ALL]`).

## Why is this bad?
Docker keeps 14 capabilities by default (`CHOWN`, `DAC_OVERRIDE`, `SETUID`,
`NET_RAW` ...). Most services need none of them; each one is a tool for an
attacker who gets code execution (docker-bench 5.4, OWASP rule #3).

## Example
```yaml
services:
  db:
    image: postgres:16
```

## Fixed
```yaml
services:
  db:
    image: postgres:16
    cap_drop:
      - ALL
    cap_add:
      - CHOWN
      - DAC_OVERRIDE
      - FOWNER
      - SETGID
      - SETUID
```

## Fix safety
Unsafe: an image whose entrypoint starts as root and chowns or switches
users fails without the capabilities it needs. The fix is offered only
when the service runs as a non-root user (nothing to add back) or the
image has a vetted list in `data/compose.toml` (`cap_add`, added back next
to `cap_drop`); otherwise the edit is a suggestion only (shown in the
editor and in JSON output, never applied), as for DF505: what the image
needs back is unknown. Lists that come from an
anchor, a merge key or `extends` are not edited.

The service runs as a non-root user when it sets one in `user:`, or, with
no `user:` key, when it `build:`s a Dockerfile whose built stage ends with
a non-root `USER` (a numeric id, or a name the Dockerfile creates or its
base image ships), read after dfix's own fixes to that Dockerfile with its
own settings (the config nearest to it), or, with no `user:` key and no
`build:`, when its image runs as its own non-root user (`default-user` in
`data/images.toml`: bitnami, distroless `nonroot`, Chainguard, grafana,
the Prometheus images, memcached, jenkins, elasticsearch ...): a Dockerfile that `--unsafe-fixes` switches to `USER
10001:10001` counts, so the Compose file needs no `user:` of its own.

When an override file (`compose.override.yaml`) resets the key with
`!reset`, the merged model has none: the finding stands, without a fix (a
key written in this file would be reset again); any other override of the
key leaves the judgement to the override file.

## Aliases
KICS `ce76b7d0`, compose-lint `CL-0006`.

## References
- https://docs.docker.com/engine/containers/run/#runtime-privilege-and-linux-capabilities
- docker-library/postgres #907, #1070
- docker-bench-security 5.4; OWASP Docker Security Cheat Sheet rule #3
"#;

/// The rule's metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF503",
    name: "capabilities-not-dropped",
    aliases: &["ce76b7d0", "CL-0006"],
    severity: Severity::Warning,
    summary: "A service keeps Docker's default capabilities (no `cap_drop: [ALL]`)",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

/// True when the service's own `user:` is a non-root user.
pub(crate) fn non_root_user(svc: &Service) -> bool {
    let Some(u) = svc.scalar("user") else {
        return false;
    };
    let name = u.split(':').next().unwrap_or(u).trim();
    !(name.is_empty() || is_root(u) || interpolated(u))
}

/// The non-root user the service runs as: its own `user:`, else (no
/// `user:` key at all) the user the image it builds ends with, from its
/// Dockerfile as dfix fixes it, or the non-root user the image it runs
/// runs as by default (`default-user` in `data/images.toml`: grafana,
/// bitnami, distroless `nonroot` ...). `None` when it runs as root or
/// nothing says.
pub(crate) fn runs_as_non_root(ctx: &ComposeContext, svc: &Service) -> Option<String> {
    if non_root_user(svc) {
        return svc.scalar("user").map(str::to_string);
    }
    if svc.get("user").is_some() || ctx.overridden(svc.name, "user") {
        return None;
    }
    if svc.get("build").is_some() {
        return ctx.built(svc.name)?.non_root_user.clone();
    }
    let reference = image(svc).filter(|i| !interpolated(i))?;
    ctx.facts
        .image_db()
        .lookup(reference)
        .default_user
        .filter(|u| !is_root(u))
}

fn cap_name(s: &str) -> String {
    let up = s.trim().to_ascii_uppercase();
    up.strip_prefix("CAP_").map(str::to_string).unwrap_or(up)
}

/// DF503.
pub struct CapDropMissing;

impl ComposeRule for CapDropMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &ComposeContext) -> Vec<Diagnostic> {
        let file = ctx.file;
        let mut out = Vec::new();
        for svc in file.services() {
            let reset = ctx.reset(svc.name, "cap_drop");
            if ctx.overridden(svc.name, "cap_drop") && !reset {
                continue;
            }
            let found = if reset {
                Lookup::Absent
            } else {
                lookup(file, &svc, "cap_drop")
            };
            let dropped = found
                .pair()
                .and_then(|p| p.value.as_ref())
                .map(scalar_items)
                .unwrap_or_default();
            if matches!(found, Lookup::Unknown)
                || dropped.iter().any(|(_, v, _)| cap_name(v) == "ALL")
            {
                continue;
            }
            let message = format!(
                "service `{}` does not drop all capabilities{}",
                svc.name,
                reset_note(reset)
            );
            let d = on_service(&META, &svc, message);
            // An empty list vouches for an image that runs as its own
            // non-root user: a `user:` key (root here) overrules it.
            let vetted = image(&svc)
                .and_then(|i| ctx.data().image(i))
                .and_then(|f| f.cap_add.clone())
                .filter(|caps| !caps.is_empty() || svc.get("user").is_none());
            // An image with no vetted list gets the edit as a suggestion
            // only: shown, never applied (what it needs back is unknown).
            let (keep, suggestion) = if runs_as_non_root(ctx, &svc).is_some() {
                (Some(Vec::new()), false)
            } else if vetted.is_some() {
                (vetted, false)
            } else {
                (Some(Vec::new()), true)
            };
            let Some(keep) = keep.filter(|_| !reset && editable(file, &svc)) else {
                out.push(d);
                continue;
            };
            let map = svc.map().expect("editable");
            let mut edits: Vec<Edit> = Vec::new();
            let mut new_keys: Vec<(String, New)> = Vec::new();
            match found {
                Lookup::Absent => new_keys.push(("cap_drop".into(), New::List(vec!["ALL".into()]))),
                Lookup::Local(p) => {
                    match p
                        .value
                        .as_ref()
                        .filter(|v| value_guard(v).is_none())
                        .and_then(|v| append_items(file, v, &["ALL".into()], ctx.style))
                    {
                        Some(e) => edits.push(e),
                        None => {
                            out.push(d);
                            continue;
                        }
                    }
                }
                _ => {
                    out.push(d);
                    continue;
                }
            }
            let ok = match lookup(file, &svc, "cap_add") {
                _ if keep.is_empty() => true,
                Lookup::Absent => {
                    new_keys.push(("cap_add".into(), New::List(keep.clone())));
                    true
                }
                Lookup::Local(p) => match p.value.as_ref().filter(|v| value_guard(v).is_none()) {
                    Some(v) => {
                        let have: Vec<String> = scalar_items(v)
                            .iter()
                            .map(|(_, s, _)| cap_name(s))
                            .collect();
                        let missing: Vec<String> =
                            keep.iter().filter(|c| !have.contains(c)).cloned().collect();
                        if !missing.is_empty() {
                            match append_items(file, v, &missing, ctx.style) {
                                Some(e) => edits.push(e),
                                None => {
                                    out.push(d);
                                    continue;
                                }
                            }
                        }
                        true
                    }
                    None => false,
                },
                _ => false,
            };
            if !ok {
                out.push(d);
                continue;
            }
            if !new_keys.is_empty() {
                match insert_into_map(file, map, &new_keys, ctx.style) {
                    Some(e) => edits.push(e),
                    None => {
                        out.push(d);
                        continue;
                    }
                }
            }
            let fix = if suggestion {
                Fix::display_only(
                    "Add `cap_drop: [ALL]`, then add back in `cap_add` what the image needs \
                     (a suggestion: dfix has no vetted list for this image)",
                    merge_inserts(edits),
                )
            } else if keep.is_empty() {
                Fix::unsafe_fix("Add `cap_drop: [ALL]`", merge_inserts(edits))
            } else {
                let msg = format!("Add `cap_drop: [ALL]` and keep {}", keep.join(", "));
                Fix::unsafe_fix(msg, merge_inserts(edits))
            };
            out.push(d.with_fix(fix));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::test_support::{applied_fixes, snapshot, snapshot_with};

    #[test]
    fn fixture() {
        insta::assert_snapshot!(snapshot(&META, include_str!("fixtures/DF503.yaml")));
    }

    /// The user the built image ends with stands in for a missing `user:`.
    #[test]
    fn a_built_image_that_ends_non_root_needs_no_user_key() {
        use crate::compose::build::BuiltImage;
        use crate::rule::Facts;
        let src = "services:\n  app:\n    build: .\n  root:\n    build: .\n    user: root\n  unknown:\n    build: ./u\n  other:\n    build: ./o\n";
        let mut facts = Facts::new();
        let non_root = BuiltImage {
            non_root_user: Some("10001:10001".into()),
            secrets: Vec::new(),
        };
        facts.compose_builds.insert("app".into(), non_root.clone());
        facts.compose_builds.insert("root".into(), non_root);
        facts
            .compose_builds
            .insert("other".into(), BuiltImage::default());
        let file = dfix_grammar::compose::ComposeFile::parse(src);
        let s = crate::settings::Settings::default()
            .with_selection(&["DF503".to_string()], &[])
            .unwrap();
        let found = crate::compose::check_file(&file, &s, &facts);
        // `app`: fixed with nothing added back; `root`'s own `user: root`
        // wins over the image; no fact or a root image: a suggestion only.
        let expected = [
            ("app", true),
            ("root", false),
            ("unknown", false),
            ("other", false),
        ]
        .map(|(name, applied)| (name.to_string(), applied));
        assert_eq!(applied_fixes(&META, src, &facts), expected);
        let fix = found[0].fix.as_ref().unwrap();
        assert_eq!(fix.message, "Add `cap_drop: [ALL]`");
        insta::assert_snapshot!("built_non_root", snapshot_with(&META, src, &facts));
    }

    /// An image that runs as its own non-root user (`default-user` in the
    /// image database): everything dropped, nothing added back; DF505
    /// stays a suggestion (its writes are not vetted). A `user: root` key
    /// overrules the image's user, and a distroless tag without `nonroot`
    /// runs as root: a suggestion only.
    #[test]
    fn an_image_that_runs_non_root_loses_every_capability() {
        use crate::rule::Facts;
        let src = "services:\n  grafana:\n    image: grafana/grafana:11.2.0\n  as_root:\n    image: grafana/grafana:11.2.0\n    user: root\n  bitnami:\n    image: bitnami/postgresql:16\n  nonroot:\n    image: gcr.io/distroless/static-debian12:nonroot\n  root:\n    image: gcr.io/distroless/static-debian12\n";
        let expected = [
            ("grafana", true),
            ("as_root", false),
            ("bitnami", true),
            ("nonroot", true),
            ("root", false),
        ]
        .map(|(name, applied)| (name.to_string(), applied));
        assert_eq!(applied_fixes(&META, src, &Facts::new()), expected);
        let read_only = applied_fixes(
            &crate::compose::rules::read_only_root::META,
            src,
            &Facts::new(),
        );
        assert_eq!(read_only[0], ("grafana".to_string(), false));
        assert_eq!(read_only[1], ("as_root".to_string(), false));
    }
}
