//! DF516 compose-image-not-pinned: `image:` without a digest.

use dfix_grammar::compose::{ComposeFile, ScalarStyle};
use dfix_grammar::image_ref::ImageRef;

use super::ComposeRule;
use crate::compose::guards::interpolated;
use crate::compose::ComposeContext;
use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::rule::{DigestLookup, FixAvailability, RuleMeta, Severity};
use crate::rules::image_refs::pin_edit;

const DOC: &str = r#"## What it does
Checks that every service's `image:` is pinned to the digest its tag
serves, as DF250 does for a Dockerfile's `FROM`.

## Why is this bad?
A tag moves: `postgres:16` today is not `postgres:16` next month. Running
an unpinned tag is not reproducible, and a compromised or broken upstream
push lands in production silently.

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
    image: postgres:16@sha256:4f1c...e2
```

## Fix safety
Safe: the digest written is the one the registry serves for the tag now
(the index digest for multi-platform images), so Compose pulls what it
pulled before; the tag stays for tools like Renovate. Needs the registry
(not with `--offline` unless the pin cache has it). Not pinned:
interpolated images (`${IMAGE}`), services with `build:` (the image names
the local build result), and quoted values with escapes.

## Aliases
compose-lint `CL-0004` (mutable or missing tag) and `CL-0019` (a version tag without a digest): a digest settles both, Trivy custom check `USR-COMPOSE-0001`.

## References
- https://docs.docker.com/reference/compose-file/services/#image
- https://github.com/opencontainers/distribution-spec/blob/main/spec.md
"#;

/// The rule's metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF516",
    name: "compose-image-not-pinned",
    aliases: &["CL-0004", "CL-0019", "USR-COMPOSE-0001"],
    severity: Severity::Warning,
    summary: "A service's image is not pinned to a digest",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

/// The image references of a Compose file's services that DF516 would pin,
/// as written: what the application looks up in the registry.
pub fn references(file: &ComposeFile) -> Vec<String> {
    file.services()
        .iter()
        .filter(|s| s.get("build").is_none())
        .filter_map(|s| s.scalar("image"))
        .filter(|i| !interpolated(i) && !i.contains('@'))
        .map(str::to_string)
        .collect()
}

/// DF516.
pub struct ImageNotPinned;

impl ComposeRule for ImageNotPinned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &ComposeContext) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for svc in ctx.file.services() {
            if svc.get("build").is_some() || ctx.overridden(svc.name, "image") {
                continue;
            }
            let Some(node) = svc.get("image").and_then(|p| p.value.as_ref()) else {
                continue;
            };
            let Some(s) = node.as_scalar() else { continue };
            if interpolated(&s.value) || node.anchor.is_some() || node.tag.is_some() {
                continue;
            }
            let Ok(reference) = ImageRef::parse(&s.value) else {
                continue;
            };
            if reference.digest().is_some() {
                continue;
            }
            let content = match s.style {
                ScalarStyle::Plain => node.span.clone(),
                ScalarStyle::Single | ScalarStyle::Double => node.span.start + 1..node.span.end - 1,
                ScalarStyle::Block => continue,
            };
            let exact = ctx.source().get(content.clone()) == Some(s.value.as_str());
            let fix = match ctx.facts.digests.get(&s.value) {
                Some(DigestLookup::Found(digest)) if exact => {
                    pin_edit(&reference, &content, digest).map(|(at, text)| {
                        Fix::safe(format!("Pin to {digest}"), vec![Edit::insert(at, text)])
                    })
                }
                _ => None,
            };
            out.push(
                Diagnostic::new(
                    &META,
                    format!(
                        "service `{}`: `{}` is not pinned to a digest",
                        svc.name, s.value
                    ),
                    node.span.clone(),
                )
                .with_optional_fix(fix),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::test_support::snapshot_with;
    use crate::rule::Facts;

    #[test]
    fn fixture() {
        let src = include_str!("fixtures/DF516.yaml");
        let mut facts = Facts::new();
        let d = "sha256:".to_string() + &"a".repeat(64);
        for r in ["postgres:16", "redis", "ghcr.io/acme/api:1.2"] {
            facts
                .digests
                .insert(r.into(), DigestLookup::Found(d.clone()));
        }
        assert_eq!(
            references(&ComposeFile::parse(src)),
            ["postgres:16", "redis", "ghcr.io/acme/api:1.2", "nginx:1.27"]
        );
        insta::assert_snapshot!(snapshot_with(&META, src, &facts));
    }
}
