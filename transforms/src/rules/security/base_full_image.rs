//! DF260: a runtime stage on a full official image where a smaller variant
//! of the same family, version and Debian suite exists.

use crate::bases::guard::{runtime_stage_images, Block, StageCheck};
use crate::bases::TagGrammar;
use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::helpers::retag_finding;

const DOC: &str = r#"## What it does
Finds a runtime stage (the final stage, or one no later stage builds on or
copies from) based on a full official image that has a smaller variant of
the same version and Debian suite: `python`, `ruby` and `rust`
(`3.12` → `3.12-slim`, `3.12-bookworm` → `3.12-slim-bookworm`), `node`
(`22-bookworm` → `22-bookworm-slim`) and `debian` (`bookworm` →
`bookworm-slim`). The variants, suites and what each smaller variant lacks
are data (`transforms/data/bases.toml`, extendable under `[bases]` in
`dfix.toml`).

The tag is rewritten only when the stage needs nothing the full image has:
no RUN compiles (`gcc`, `make`, `cargo build`, `go build`, `mvn`...) or
installs language packages (`pip install`, `npm ci`, `gem install`,
`bundle install`...); no RUN, CMD, ENTRYPOINT or HEALTHCHECK calls a
program the smaller variant lacks (`curl`, `wget`, `git`, `gcc`, `make`,
`pkg-config`...) unless the stage installs it first; and no
`COPY --from` brings files from a builder of another family that compiles
or installs (its binaries may need shared libraries the smaller variant
lacks). Otherwise the finding names the smaller tag and what keeps the
full one.

## Why is this bad?
The full images are `buildpack-deps`: compilers, headers, version control
and ~35 `-dev` packages, several hundred MB that a runtime never uses and
that scanners report and attackers can use. The slim variants keep the
language runtime and what it needs to run.

## Example
```dockerfile
FROM python:3.12-bookworm AS build
RUN python -m venv /opt/venv && /opt/venv/bin/pip install flask

FROM python:3.12-bookworm
COPY --from=build /opt/venv /opt/venv
CMD ["/opt/venv/bin/flask", "run"]
```

## Fixed
```dockerfile
FROM python:3.12-bookworm AS build
RUN python -m venv /opt/venv && /opt/venv/bin/pip install flask

FROM python:3.12-slim-bookworm
COPY --from=build /opt/venv /opt/venv
CMD ["/opt/venv/bin/flask", "run"]
```

## Fix safety
Unsafe: the image changes, and some failures show only at run time (a
shared library a copied artifact needs, a tool a script calls that the
guard cannot see). The version and Debian suite are kept, so the language
runtime and the C library are the same. A digest pin is removed with the
old tag, since it names the full image: the pinning rule (DF250) pins the
new tag when it can reach the registry, and reports it unpinned
otherwise. Images named through an `ARG` default are reported, not
rewritten (other stages may share the variable).

## Aliases
None: hadolint, Trivy, BuildKit and Checkov have no equivalent check.

## References
- https://hub.docker.com/_/python (Image Variants)
- https://github.com/docker-library/buildpack-deps
- https://docs.docker.com/build/building/best-practices/#choose-the-right-base-image
"#;

/// The rule.
pub struct FullBaseImage;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF260",
    name: "full-base-image",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A runtime stage should use the slim variant of its official image",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

impl Rule for FullBaseImage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let bases = ctx.bases();
        let doc = ctx.doc;
        let stages = doc.stages();
        let mut out = Vec::new();
        for (s, u, reference) in runtime_stage_images(doc, stages) {
            let Some(official) = bases.official(&reference) else {
                continue;
            };
            if official.family.tag == TagGrammar::Temurin {
                continue;
            }
            let Some(slim) = bases.slim_tag(&official) else {
                continue;
            };
            let suggested = format!("{}:{slim}", reference.familiar_name());
            let check = StageCheck {
                doc,
                stages,
                index: s,
                bases,
                lacks: &official.family.lacks,
            };
            let blocks: Vec<String> = check
                .blocks(true, official.family_name)
                .iter()
                .map(Block::describe)
                .collect();
            let found = format!(
                "`{}` is a full image in a runtime stage; `{suggested}` is its smaller variant",
                u.reference
            );
            let d = retag_finding(
                &META,
                ctx.source(),
                &u,
                &reference,
                &slim,
                &suggested,
                found,
                "the full image",
                blocks,
            );
            out.push(d);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::Applicability;
    use crate::rules::test_support::{assert_fixture, findings, fix_rule_with};

    #[test]
    fn fixtures() {
        for (name, src) in [
            (
                "python",
                include_str!("fixtures/base_full_image/python.Dockerfile"),
            ),
            (
                "node",
                include_str!("fixtures/base_full_image/node.Dockerfile"),
            ),
            (
                "ruby",
                include_str!("fixtures/base_full_image/ruby.Dockerfile"),
            ),
            (
                "rust",
                include_str!("fixtures/base_full_image/rust.Dockerfile"),
            ),
            (
                "debian",
                include_str!("fixtures/base_full_image/debian.Dockerfile"),
            ),
            (
                "guards",
                include_str!("fixtures/base_full_image/guards.Dockerfile"),
            ),
        ] {
            assert_fixture(&META, name, src);
        }
    }

    fn applicability(src: &str) -> Vec<Option<Applicability>> {
        findings(&META, src)
            .iter()
            .map(|d| d.applicability())
            .collect()
    }

    #[test]
    fn rewrites_each_family_keeping_version_and_suite() {
        for (from, to) in [
            ("python:3.12", "python:3.12-slim"),
            ("python:3.12-bookworm", "python:3.12-slim-bookworm"),
            ("node:22-bookworm", "node:22-bookworm-slim"),
            ("node:22", "node:22-slim"),
            ("debian:bookworm", "debian:bookworm-slim"),
            ("debian:12", "debian:12-slim"),
            ("rust:1.85", "rust:1.85-slim"),
            ("ruby:3.3-bookworm", "ruby:3.3-slim-bookworm"),
            (
                "docker.io/library/python:3.12",
                "docker.io/library/python:3.12-slim",
            ),
        ] {
            let src = format!("FROM {from}\nCOPY app /app\nCMD [\"/app/run\"]\n");
            let out = fix_rule_with(&META, &src, None, true);
            assert_eq!(
                out,
                format!("FROM {to}\nCOPY app /app\nCMD [\"/app/run\"]\n"),
                "{from}"
            );
        }
    }

    #[test]
    fn the_digest_pin_goes_with_the_old_tag() {
        let src = "FROM python:3.12@sha256:1111111111111111111111111111111111111111111111111111111111111111\nCMD [\"python\", \"-V\"]\n";
        let out = fix_rule_with(&META, src, None, true);
        assert_eq!(out, "FROM python:3.12-slim\nCMD [\"python\", \"-V\"]\n");
    }

    #[test]
    fn a_digest_of_the_full_image_never_lands_on_the_slim_tag() {
        use crate::rule::{DigestLookup, Facts};
        use crate::settings::Settings;
        let full = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
        let slim = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
        let settings = Settings {
            unsafe_fixes: true,
            ..Settings::default()
        }
        .with_selection(&["DF250".to_string(), "DF260".to_string()], &[])
        .unwrap();
        for src in ["FROM python:3.12\nCMD [\"python\"]\n", "FROM python:3.12"] {
            let mut facts = Facts::new();
            facts
                .digests
                .insert("python:3.12".into(), DigestLookup::Found(full.into()));
            let out = crate::engine::fix(src, &settings, &facts).unwrap();
            let text = out.output().to_string();
            assert!(text.starts_with("FROM python:3.12-slim"), "{text}");
            assert!(!text.contains(full), "{text}");
            // Once the slim tag's digest is known, it is pinned.
            facts
                .digests
                .insert("python:3.12-slim".into(), DigestLookup::Found(slim.into()));
            let again = crate::engine::fix(&text, &settings, &facts).unwrap();
            assert!(
                again
                    .output()
                    .starts_with(&format!("FROM python:3.12-slim@{slim}")),
                "{}",
                again.output()
            );
        }
    }

    #[test]
    fn builders_small_images_and_unknown_tags_are_left_alone() {
        for src in [
            // A builder: a later stage copies from it.
            "FROM python:3.12 AS build\nRUN true\nFROM python:3.12-slim\nCOPY --from=build /x /x\n",
            // A builder used as a base.
            "FROM node:22 AS base\nFROM base\nCMD [\"node\", \"a.js\"]\n",
            "FROM python:3.12-slim\n",
            "FROM python:3.12-alpine\n",
            "FROM python\n",
            "FROM python:latest\n",
            "FROM golang:1.22\n",
            "FROM ubuntu:24.04\n",
            "FROM bitnami/python:3.12\n",
            "FROM python:3.12-windowsservercore-ltsc2022\n",
        ] {
            assert!(findings(&META, src).is_empty(), "{src}");
        }
    }

    #[test]
    fn each_guard_blocks() {
        for src in [
            "FROM python:3.12\nRUN pip install flask\n",
            "FROM python:3.12\nRUN python -m pip install flask\n",
            "FROM node:22\nCOPY . .\nRUN npm ci --omit=dev\n",
            "FROM ruby:3.3\nRUN bundle install\n",
            "FROM rust:1.85\nRUN cargo build --release\n",
            "FROM python:3.12\nRUN make\n",
            "FROM python:3.12\nHEALTHCHECK CMD curl -f http://localhost/\n",
            "FROM node:22\nCMD git pull && node a.js\n",
            "FROM debian:bookworm\nCOPY --from=golang:1.22 /usr/local/go /usr/local/go\n",
            "FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM debian:bookworm\nCOPY --from=build /app /app\n",
            "ARG BASE=python:3.12\nFROM ${BASE}\nCMD [\"python\"]\n",
        ] {
            assert_eq!(
                applicability(src),
                [Some(Applicability::DisplayOnly)],
                "{src}"
            );
        }
    }

    #[test]
    fn a_tool_installed_first_does_not_block() {
        let src = "FROM python:3.12\nRUN apt-get update && apt-get install -y --no-install-recommends curl\nHEALTHCHECK CMD curl -f http://localhost/\n";
        assert_eq!(applicability(src), [Some(Applicability::Unsafe)]);
        // Same family builder: its artifacts fit.
        let src = "FROM python:3.12 AS build\nRUN pip install --prefix=/install flask\nFROM python:3.12\nCOPY --from=build /install /usr/local\n";
        assert_eq!(applicability(src), [Some(Applicability::Unsafe)]);
    }
}
