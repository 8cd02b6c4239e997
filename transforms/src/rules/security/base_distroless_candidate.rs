//! DF262: a runtime stage that could run on a distroless image.

use std::sync::Arc;

use dfix_grammar::image_ref::ImageRef;
use dfix_grammar::Kind;

use crate::bases::guard::{entry_programs, root_image, runtime_stage_images, stage_named};
use crate::bases::BaseImages;
use crate::diagnostic::Diagnostic;
use crate::multistage::analysis::analyse;
use crate::multistage::Recipes;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds a runtime stage (the final stage, or one no later stage builds on or
copies from) on an official image (`debian`, `alpine`, `node`,
`eclipse-temurin`...) that has no RUN, runs its CMD/ENTRYPOINT in exec form, has no
HEALTHCHECK, and runs one of:
- a binary copied from a Go build: `gcr.io/distroless/static-debian13`
  with `CGO_ENABLED=0`, else `base-debian13`;
- a binary copied from a Rust build: `cc-debian13` (`static-debian13` for
  an Alpine/musl builder);
- `java` on a Java image: `java17|java21|java25-debian13`;
- `node` on a Node image: `nodejs22|nodejs24|nodejs26-debian13`.

The finding names the image, always with the `:nonroot` tag. Distroless
images are maintained only on Debian 13 (`-debian13`): the Debian 12 ones
are past end of life (see DF263). The image list is data
(`transforms/data/bases.toml`).

## Why is this bad?
A distroless image holds the program's runtime and nothing else: no
shell, no package manager, no coreutils. It is the smallest base that
still has CA certificates, time zones and `/etc/passwd`, and what is not
there cannot be exploited or reported by a scanner.

## Example
```dockerfile
FROM golang:1.25 AS build
RUN CGO_ENABLED=0 go build -o /out/api ./cmd/api

FROM debian:trixie-slim
COPY --from=build /out/api /api
ENTRYPOINT ["/api"]
```

## Fixed
```dockerfile
FROM golang:1.25 AS build
RUN CGO_ENABLED=0 go build -o /out/api ./cmd/api

FROM gcr.io/distroless/static-debian13:nonroot
COPY --from=build /out/api /api
ENTRYPOINT ["/api"]
```

## Fix safety
No automatic fix: without a shell, anything the program starts through
`sh`, any tool a script or an operator expects in the container, and
debugging with `docker exec` stop working; the Java and Node images have
their own ENTRYPOINT (`java -jar`, `node`), so CMD keeps only the
arguments. The split of a single-stage build (DF401) writes distroless
runtimes itself where it can.

## Aliases
None: hadolint, Trivy, BuildKit and Checkov have no equivalent check.

## References
- https://github.com/GoogleContainerTools/distroless
- https://github.com/GoogleContainerTools/distroless/blob/main/SUPPORT_POLICY.md
"#;

/// The rule.
pub struct DistrolessCandidate;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF262",
    name: "distroless-candidate",
    aliases: &[],
    severity: Severity::Info,
    summary: "A runtime stage that needs no shell could run on a distroless image",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

impl Rule for DistrolessCandidate {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let bases = ctx.bases();
        let recipes: &Recipes = match &ctx.facts.multistage {
            Some(r) => Arc::as_ref(r),
            None => Recipes::builtin(),
        };
        let doc = ctx.doc;
        let stages = doc.stages();
        let mut out = Vec::new();
        for (s, u, reference) in runtime_stage_images(doc, stages) {
            // Only official images (debian, alpine, node, eclipse-temurin...):
            // another image may hold programs the binary runs.
            if reference.domain() != "docker.io" || !reference.path().starts_with("library/") {
                continue;
            }
            let stage = &stages[s];
            let mut has_entry = false;
            let mut shell_needed = false;
            for i in stage.instructions.clone() {
                let ins = doc.instructions[i].effective();
                match ins.kind {
                    Kind::Run => shell_needed = true,
                    Kind::Healthcheck if !ins.args_text().eq_ignore_ascii_case("none") => {
                        shell_needed = true
                    }
                    Kind::Cmd | Kind::Entrypoint => {
                        has_entry = true;
                        if !ins.is_exec_form() {
                            shell_needed = true;
                        }
                    }
                    _ => {}
                }
            }
            if shell_needed || !has_entry {
                continue;
            }
            let Some((image, what)) = candidate(ctx, bases, recipes, stages, s, &reference) else {
                continue;
            };
            out.push(Diagnostic::new(
                &META,
                format!(
                    "The runtime stage on `{}` runs {what} with no RUN and an exec-form entrypoint: it could run on `{image}` (no shell or package manager; uid 65532)",
                    u.reference
                ),
                u.span.clone(),
            ));
        }
        out
    }
}

/// The distroless image that fits stage `s`, and what the stage runs.
fn candidate(
    ctx: &Context,
    bases: &BaseImages,
    recipes: &Recipes,
    stages: &[dfix_grammar::Stage],
    s: usize,
    reference: &ImageRef,
) -> Option<(String, String)> {
    let doc = ctx.doc;
    let d = &bases.distroless;
    let programs = entry_programs(doc, &stages[s]);
    let tag = reference.tag().unwrap_or("latest");
    let major: String = tag.chars().take_while(|c| c.is_ascii_digit()).collect();
    let path = reference.path();
    let java_image = [
        "eclipse-temurin",
        "openjdk",
        "amazoncorretto",
        "ibm-semeru-runtimes",
        "sapmachine",
    ]
    .iter()
    .any(|n| path.ends_with(n));
    if java_image && programs.iter().any(|p| p == "java") {
        let v = BaseImages::distroless_version(&d.java, &major)?;
        return Some((
            bases.distroless_image(&format!("java{v}"), &d.current),
            "a Java application (its ENTRYPOINT is `java -jar`)".to_string(),
        ));
    }
    if path.ends_with("library/node") && programs.iter().any(|p| p == "node") {
        let v = BaseImages::distroless_version(&d.nodejs, &major)?;
        return Some((
            bases.distroless_image(&format!("nodejs{v}"), &d.current),
            "a Node.js application (its ENTRYPOINT is `node`)".to_string(),
        ));
    }
    // A binary copied from a Go or Rust builder.
    for i in stages[s].instructions.clone() {
        let ins = doc.instructions[i].effective();
        if ins.kind != Kind::Copy {
            continue;
        }
        let Some(from) = ins.flag("from").and_then(|f| f.value.clone()) else {
            continue;
        };
        let Some(src) = stage_named(stages, &from, s) else {
            continue;
        };
        let a = analyse(doc, &stages[src], recipes, ctx.facts.context.as_deref());
        let builder = root_image(stages, src).unwrap_or_default();
        let builder_ref = ImageRef::parse(&builder).ok();
        let alpine = builder.contains("alpine");
        let suite = builder_ref
            .as_ref()
            .and_then(|r| bases.official(r))
            .and_then(|o| bases.suite_of(&o));
        let suffix = suite.as_deref().and_then(|x| bases.distroless_suffix(x));
        if a.builds.contains_key("go") {
            if a.cgo_disabled {
                return Some((
                    bases.distroless_image("static", &d.current),
                    format!("a static Go binary from stage `{from}`"),
                ));
            }
            if alpine {
                continue;
            }
            return Some((
                bases.distroless_image("base", suffix?),
                format!("a Go binary (cgo) from stage `{from}`"),
            ));
        }
        if a.builds.contains_key("rust") {
            if alpine {
                return Some((
                    bases.distroless_image("static", &d.current),
                    format!("a Rust binary (musl) from stage `{from}`"),
                ));
            }
            return Some((
                bases.distroless_image("cc", suffix?),
                format!("a Rust binary from stage `{from}`"),
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{assert_fixture, findings};

    #[test]
    fn fixture() {
        assert_fixture(
            &META,
            "runtimes",
            include_str!("fixtures/base_distroless_candidate/runtimes.Dockerfile"),
        );
    }

    fn suggested(src: &str) -> Vec<String> {
        findings(&META, src)
            .iter()
            .filter_map(|d| {
                d.message
                    .split("could run on `")
                    .nth(1)
                    .and_then(|r| r.split('`').next())
                    .map(str::to_string)
            })
            .collect()
    }

    #[test]
    fn the_image_fits_the_artifact() {
        let go = "FROM golang:1.25 AS b\nRUN CGO_ENABLED=0 go build -o /app .\nFROM debian:trixie-slim\nCOPY --from=b /app /app\nENTRYPOINT [\"/app\"]\n";
        assert_eq!(suggested(go), ["gcr.io/distroless/static-debian13:nonroot"]);
        let cgo = go.replace("CGO_ENABLED=0 ", "");
        assert_eq!(suggested(&cgo), ["gcr.io/distroless/base-debian13:nonroot"]);
        // A bookworm builder has no maintained distroless of its suite.
        let old = cgo.replace("golang:1.25", "golang:1.25-bookworm");
        assert!(suggested(&old).is_empty());
        let rust = "FROM rust:1.90 AS b\nRUN cargo build --release\nFROM debian:trixie-slim\nCOPY --from=b /target/release/app /app\nCMD [\"/app\"]\n";
        assert_eq!(suggested(rust), ["gcr.io/distroless/cc-debian13:nonroot"]);
        let java = "FROM eclipse-temurin:21-jre\nCOPY app.jar /app.jar\nCMD [\"java\", \"-jar\", \"/app.jar\"]\n";
        assert_eq!(
            suggested(java),
            ["gcr.io/distroless/java21-debian13:nonroot"]
        );
        let node = "FROM node:20-slim\nCOPY . /app\nCMD [\"node\", \"/app/index.js\"]\n";
        assert_eq!(
            suggested(node),
            ["gcr.io/distroless/nodejs22-debian13:nonroot"]
        );
    }

    #[test]
    fn a_shell_or_a_run_keeps_the_image() {
        for src in [
            "FROM node:22-slim\nRUN npm ci\nCMD [\"node\", \"a.js\"]\n",
            "FROM node:22-slim\nCMD node a.js\n",
            "FROM node:22-slim\nHEALTHCHECK CMD [\"node\", \"h.js\"]\nCMD [\"node\", \"a.js\"]\n",
            "FROM node:22-slim\nCOPY a.js /\n",
            "FROM eclipse-temurin:21-jre\nCMD [\"/start.sh\"]\n",
            "FROM gcr.io/distroless/java21-debian13:nonroot\nCMD [\"app.jar\"]\n",
            // An application image may hold programs the binary runs.
            "FROM golang:1.25 AS b\nRUN CGO_ENABLED=0 go build -o /app .\nFROM acme/scanner:1\nCOPY --from=b /app /app\nENTRYPOINT [\"/app\"]\n",
            "FROM python:3.12-slim\nCMD [\"python\", \"app.py\"]\n",
        ] {
            assert!(findings(&META, src).is_empty(), "{src}");
        }
    }
}
