//! DF250: images are pinned to the digest the registry serves for their tag.

use dfix_grammar::image_ref::ImageRef;

use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::rule::{
    Context, DigestLookup, FixAvailability, OptionKind, OptionMeta, Rule, RuleMeta, Severity,
};
use crate::rules::image_refs::{image_uses, pin_edit, ImageSite};

const DOC: &str = r#"## What it does
Checks that every image the Dockerfile pulls (`FROM`, `COPY --from=`,
`RUN --mount=...,from=`, and global `ARG` defaults used by `FROM`) is pinned
to a digest, and that a pinned digest is still the one its tag serves.

## Why is this bad?
A tag moves: `python:3.12` today is not `python:3.12` next month. Builds
from an unpinned tag are not reproducible, and a compromised or broken
upstream push lands in your image silently. A digest names exactly one
manifest.

## Example
```dockerfile
FROM python:3.12-slim
COPY --from=ghcr.io/acme/tools:1.4 /bin/tool /usr/local/bin/
```

## Fixed
```dockerfile
FROM python:3.12-slim@sha256:4f1c...e2
COPY --from=ghcr.io/acme/tools:1.4@sha256:9ab0...17 /bin/tool /usr/local/bin/
```

## Fix safety
Safe: the digest written is the one the registry serves for the tag at the
time of the fix (for multi-platform images the index digest, never a
per-platform one), so the build pulls exactly what it pulled before. The
tag is kept, so tools such as Renovate can refresh the pin later. An
untagged reference gets its implicit `:latest` written out. A digest that
no longer matches its tag is reported; it is rewritten only with the
`refresh-pins` option (`--refresh-pins`), because that does change what is
built. Stage names, `scratch`, references built from variables without a
global `ARG` default, and digest-only references are left alone.

A tag that comes from a global `ARG` (`ARG GO_VERSION=1.22` + `FROM
golang:${GO_VERSION}`) is pinned through the default: `ARG
GO_VERSION=1.22@sha256:…` makes the reference `golang:1.22@sha256:…`, and
`--build-arg GO_VERSION=1.23` still picks another tag (unpinned, as asked).
Only when the default is a tag and nothing but such FROM lines reads the
ARG: when a stage re-declares it (its RUNs could read the digest), another
ARG expands it, a FROM uses it in another way (`golang:${V}-alpine`) or
with another image, the finding stays and says why.

## Aliases
- Semgrep: `dockerfile-source-not-pinned`

hadolint's `DL3006` means "no tag at all", not "no digest": it is an alias
of DF252 (`untagged-image`), so `--ignore DL3006` does not turn pinning off.

## References
- https://docs.docker.com/reference/dockerfile/#from
- https://github.com/opencontainers/distribution-spec/blob/main/spec.md
"#;

/// The rule.
pub struct UnpinnedImage;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF250",
    name: "unpinned-image",
    aliases: &["dockerfile-source-not-pinned"],
    severity: Severity::Warning,
    summary: "Images should be pinned to the digest their tag serves",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[OptionMeta {
        name: "refresh-pins",
        kind: OptionKind::Bool,
        doc: "Rewrite a pinned digest that its tag no longer serves (default false).",
    }],
};

impl Rule for UnpinnedImage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let refresh = ctx.option_bool("refresh-pins", false);
        let (uses, skipped) = image_uses(ctx.doc);
        let mut out = Vec::new();
        // Several FROMs can read the same ARG default: one finding for it.
        let mut arg_defaults_seen: Vec<std::ops::Range<usize>> = Vec::new();
        for s in skipped {
            out.push(Diagnostic::new(
                &META,
                format!("`{}` cannot be pinned: {}", s.text, s.reason),
                s.span,
            ));
        }
        for u in uses {
            if u.site == ImageSite::ArgTag {
                if arg_defaults_seen.contains(&u.span) {
                    continue;
                }
                arg_defaults_seen.push(u.span.clone());
            }
            let Ok(reference) = ImageRef::parse(&u.reference) else {
                out.push(Diagnostic::new(
                    &META,
                    format!("`{}` is not a valid image reference", u.reference),
                    u.span,
                ));
                continue;
            };
            let lookup = ctx.facts.digests.get(&u.reference);
            if let Some(pinned) = reference.digest() {
                if reference.tag().is_none() {
                    continue; // digest only: exactly one manifest already
                }
                if let Some(DigestLookup::Found(current)) = lookup {
                    if current != pinned {
                        let mut d = Diagnostic::new(
                            &META,
                            format!(
                                "`{}` is pinned to {pinned}, but its tag now serves {current}",
                                u.reference
                            ),
                            u.span.clone(),
                        );
                        if let (true, Some(span), Some(ds)) =
                            (refresh, &u.literal_span, reference.digest_span())
                        {
                            // An ARG tag default holds the end of the
                            // reference: the digest ends where it ends.
                            let range = if u.site == ImageSite::ArgTag {
                                span.end - (ds.end - ds.start)..span.end
                            } else {
                                span.start + ds.start..span.start + ds.end
                            };
                            d = d.with_fix(Fix::safe(
                                format!("Refresh the pin to {current}"),
                                vec![Edit::replace(range, current.clone())],
                            ));
                        }
                        out.push(d);
                    }
                }
                continue;
            }
            let message = match lookup {
                Some(DigestLookup::Found(_)) | None => {
                    format!("`{}` is not pinned to a digest", u.reference)
                }
                Some(DigestLookup::NotFound) => {
                    format!(
                        "`{}` is not pinned, and the registry {} has no such image",
                        u.reference,
                        reference.domain()
                    )
                }
                Some(DigestLookup::Failed(why)) => {
                    format!("`{}` is not pinned: look-up failed: {why}", u.reference)
                }
            };
            let mut d = Diagnostic::new(&META, message, u.span.clone());
            if let (Some(DigestLookup::Found(digest)), Some(span)) = (lookup, &u.literal_span) {
                let edit = if u.site == ImageSite::ArgTag {
                    Some((span.end, format!("@{digest}")))
                } else {
                    pin_edit(&reference, span, digest)
                };
                if let Some((at, text)) = edit {
                    d = d.with_fix(Fix::safe(
                        format!("Pin to {digest}"),
                        vec![Edit::insert(at, text)],
                    ));
                }
            }
            out.push(d);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine;
    use crate::rule::Facts;
    use crate::settings::Settings;

    const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    fn facts(pairs: &[(&str, DigestLookup)]) -> Facts {
        let mut f = Facts::new();
        for (k, v) in pairs {
            f.digests.insert(k.to_string(), v.clone());
        }
        f
    }

    fn run(source: &str, facts: &Facts, refresh: bool) -> (String, Vec<String>) {
        let mut s = Settings::default()
            .with_selection(&["DF250".to_string()], &[])
            .unwrap();
        if refresh {
            let mut o = crate::rule::RuleOptions::new();
            o.insert("refresh-pins".into(), crate::rule::OptionValue::Bool(true));
            s = s.with_rule_options("unpinned-image", o).unwrap();
        }
        let fixed = engine::fix(source, &s, facts).unwrap();
        let again = engine::fix(fixed.output(), &s, facts).unwrap();
        assert_eq!(again.output(), fixed.output(), "idempotent");
        let msgs = engine::check(source, &s, facts)
            .diagnostics
            .iter()
            .map(|d| d.message.clone())
            .collect();
        (fixed.output().to_string(), msgs)
    }

    #[test]
    fn pins_every_site_keeping_the_spelling() {
        let src = "ARG BASE=python:3.12\nFROM ${BASE} AS build\nFROM --platform=$BUILDPLATFORM Alpine_ok AS x\nFROM ubuntu\nCOPY --from=ghcr.io/a/b:1 /x /y\nCOPY --from=build /a /b\nRUN --mount=type=bind,from=busybox:1.36,target=/bb true\nFROM scratch\n";
        let f = facts(&[
            ("python:3.12", DigestLookup::Found(D1.into())),
            ("ubuntu", DigestLookup::Found(D2.into())),
            ("ghcr.io/a/b:1", DigestLookup::Found(D1.into())),
            ("busybox:1.36", DigestLookup::Found(D2.into())),
        ]);
        let (out, msgs) = run(src, &f, false);
        assert!(
            out.contains(&format!("ARG BASE=python:3.12@{D1}\n")),
            "{out}"
        );
        assert!(out.contains("FROM ${BASE} AS build\n"));
        assert!(out.contains(&format!("FROM ubuntu:latest@{D2}\n")));
        assert!(out.contains(&format!("COPY --from=ghcr.io/a/b:1@{D1} /x /y")));
        assert!(out.contains("COPY --from=build /a /b"));
        assert!(out.contains(&format!("from=busybox:1.36@{D2},target=/bb")));
        assert!(out.contains("FROM scratch\n"));
        // Alpine_ok is not a valid reference (upper case): reported, untouched.
        assert!(
            msgs.iter()
                .any(|m| m.contains("Alpine_ok") && m.contains("not a valid")),
            "{msgs:?}"
        );
    }

    #[test]
    fn failures_are_findings_and_leave_the_text() {
        let src = "FROM a:1\nFROM b:2\nFROM c:3\n";
        let f = facts(&[
            ("a:1", DigestLookup::NotFound),
            (
                "b:2",
                DigestLookup::Failed("timeout talking to docker.io".into()),
            ),
        ]);
        let (out, msgs) = run(src, &f, false);
        assert_eq!(out, src);
        assert_eq!(msgs.len(), 3);
        assert!(msgs[0].contains("no such image"));
        assert!(msgs[1].contains("timeout"));
        assert!(msgs[2].contains("not pinned"));
    }

    #[test]
    fn stale_pins_are_reported_and_refreshed_only_on_request() {
        let src = format!("FROM a:1@{D1}\nFROM b@{D1}\n");
        let key = format!("a:1@{D1}");
        let f = facts(&[(key.as_str(), DigestLookup::Found(D2.into()))]);
        let (out, msgs) = run(&src, &f, false);
        assert_eq!(out, src);
        assert_eq!(msgs.len(), 1, "{msgs:?}");
        let (out, _) = run(&src, &f, true);
        assert_eq!(out, format!("FROM a:1@{D2}\nFROM b@{D1}\n"));
    }

    #[test]
    fn pins_a_tag_through_its_arg_default() {
        let src = "ARG GO_VERSION=1.22\nFROM golang:${GO_VERSION} AS build\nRUN go build\nFROM golang:$GO_VERSION\n";
        let f = facts(&[("golang:1.22", DigestLookup::Found(D1.into()))]);
        let (out, msgs) = run(src, &f, false);
        assert_eq!(
            out,
            format!("ARG GO_VERSION=1.22@{D1}\nFROM golang:${{GO_VERSION}} AS build\nRUN go build\nFROM golang:$GO_VERSION\n")
        );
        // One finding for the default both FROMs read.
        assert_eq!(msgs.len(), 1, "{msgs:?}");
        // Pinned: the digest is checked, and refreshed on request.
        let src = format!("ARG V=1.22@{D1}\nFROM golang:${{V}}\n");
        let key = format!("golang:1.22@{D1}");
        let f = facts(&[(key.as_str(), DigestLookup::Found(D2.into()))]);
        let (out, msgs) = run(&src, &f, false);
        assert_eq!(out, src);
        assert!(msgs[0].contains("now serves"), "{msgs:?}");
        let (out, _) = run(&src, &f, true);
        assert_eq!(out, format!("ARG V=1.22@{D2}\nFROM golang:${{V}}\n"));
    }

    #[test]
    fn a_tag_arg_read_elsewhere_is_not_pinned() {
        let f = facts(&[("golang:1.22", DigestLookup::Found(D1.into()))]);
        for (src, why) in [
            (
                "ARG V=1.22\nFROM golang:${V}\nARG V\nRUN echo $V\n",
                "re-declares",
            ),
            (
                "ARG V=1.22\nFROM golang:${V}\nFROM golang:${V}-alpine\n",
                "golang:${V}-alpine",
            ),
            (
                "ARG V=1.22\nFROM golang:${V}\nFROM node:${V}\n",
                "node:${V}",
            ),
            (
                "ARG V=1.22\nARG IMG=golang:${V}\nFROM golang:${V}\n",
                "also reads",
            ),
            ("ARG V=1.22\nFROM --platform=${V} golang:${V}\n", "flag"),
            ("ARG V=golang:1.22\nFROM golang:${V}\n", "not only a tag"),
            ("ARG V\nFROM golang:${V}\n", "no global ARG default"),
            ("ARG V=1.21\nARG V=1.22\nFROM golang:${V}\n", "single"),
        ] {
            let (out, msgs) = run(src, &f, false);
            assert_eq!(out, src, "{src}");
            assert!(
                msgs.iter()
                    .any(|m| m.contains("cannot be pinned") && m.contains(why)),
                "{src}: {msgs:?}"
            );
        }
    }

    #[test]
    fn variables_without_defaults_are_said_so() {
        let (_, msgs) = run("ARG V\nFROM img:${V}\nFROM $V\n", &Facts::new(), false);
        assert_eq!(msgs.len(), 2);
        assert!(msgs.iter().all(|m| m.contains("cannot be pinned")));
    }
}
