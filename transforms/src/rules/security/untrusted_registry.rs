//! DF220: a `FROM` image from a registry outside the configured allow-list.

use dfix_grammar::image_ref::ImageRef;

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, OptionKind, OptionMeta, Rule, RuleMeta, Severity};
use crate::rules::stage_names::{stage_names, stage_refs, RefSite};

const DOC: &str = r#"## What it does
Off until configured: with an allow-list of registries,
```toml
[rules.untrusted-registry]
trusted-registries = "docker.io, ghcr.io, *.corp.example"
```
finds `FROM` images pulled from any other registry. An image without a
registry comes from `docker.io`; `*.corp.example` allows every subdomain
of `corp.example`.

## Why is this bad?
Organisations often allow base images only from registries they trust or
mirror; an image from elsewhere escapes their scanning and may vanish or
change.

## Example
```dockerfile
FROM quay.io/someone/tool:1.0
```

## Fixed
```dockerfile
FROM registry.corp.example/mirror/tool:1.0
```

## Fix safety
No fix: which mirror holds the image is not known.

Like hadolint's `DL3026` without `trustedRegistries`, the rule reports
nothing when no list is configured. Stage names, `scratch` and images
built from variables are not checked.

## Aliases
- hadolint: `DL3026`

## References
- https://github.com/hadolint/hadolint#configure
"#;

const TRUSTED: OptionMeta = OptionMeta {
    name: "trusted-registries",
    kind: OptionKind::Str { choices: &[] },
    doc: "Comma-separated registries to allow, e.g. `docker.io, *.corp.example` (default: none, the rule is off)",
};

/// The rule.
pub struct UntrustedRegistry;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF220",
    name: "untrusted-registry",
    aliases: &["DL3026"],
    severity: Severity::Error,
    summary: "Use only an allowed registry in `FROM` (when a list is configured)",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[TRUSTED],
};

/// True when `registry` is in `trusted` (exact, or `*.suffix`).
fn is_trusted(registry: &str, trusted: &[String]) -> bool {
    let registry = registry.to_ascii_lowercase();
    trusted.iter().any(|t| match t.strip_prefix("*.") {
        Some(suffix) => registry.ends_with(&format!(".{suffix}")),
        None => *t == registry,
    })
}

impl Rule for UntrustedRegistry {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let trusted: Vec<String> = ctx
            .option_str("trusted-registries", "")
            .split(',')
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty())
            .collect();
        if trusted.is_empty() {
            return Vec::new();
        }
        let names = stage_names(ctx.doc);
        let mut out = Vec::new();
        for r in stage_refs(ctx.doc) {
            if r.site != RefSite::From
                || r.value.contains('$')
                || r.value.eq_ignore_ascii_case("scratch")
                || names
                    .iter()
                    .any(|n| n.stage < r.stage && n.word.value().eq_ignore_ascii_case(&r.value))
            {
                continue;
            }
            let Ok(image) = ImageRef::parse(&r.value) else {
                continue;
            };
            if !is_trusted(image.domain(), &trusted) {
                out.push(Diagnostic::new(
                    &META,
                    format!(
                        "`{}` comes from `{}`, which is not a trusted registry",
                        r.value,
                        image.domain()
                    ),
                    r.span.clone(),
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::{Facts, OptionValue, RuleOptions};
    use crate::rules::test_support::*;

    fn with_list(source: &str, list: &str) -> usize {
        let mut options = RuleOptions::new();
        options.insert("trusted-registries".into(), OptionValue::Str(list.into()));
        let settings = crate::settings::Settings::default()
            .with_selection(&[META.id.to_string()], &[])
            .unwrap()
            .with_rule_options(META.name, options)
            .unwrap();
        crate::engine::check(source, &settings, &Facts::new())
            .diagnostics
            .len()
    }

    #[test]
    fn off_without_a_list() {
        assert!(findings(&META, "FROM quay.io/a/b:1\n").is_empty());
    }

    #[test]
    fn allow_list() {
        let src = "FROM ubuntu:24.04 AS a\nFROM quay.io/a/b:1\nFROM registry.corp.example/x:1\nFROM a\nFROM scratch\nFROM ${IMG}\n";
        assert_eq!(with_list(src, "docker.io"), 2);
        assert_eq!(with_list(src, "docker.io, *.corp.example"), 1);
        assert_eq!(with_list(src, "quay.io,docker.io,registry.corp.example"), 0);
        assert_eq!(with_list("FROM ghcr.io/x/y:1\n", "*.ghcr.io"), 1);
    }
}
