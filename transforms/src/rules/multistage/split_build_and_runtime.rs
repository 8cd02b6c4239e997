//! DF401: a stage that builds software and runs it in the same image.

use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::edit::Fix;
use crate::multistage::{decide, Decision, Recipes};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds a single-stage Dockerfile whose stage builds software and then runs
it in the same image: a Go, Rust, Node, Python or Java build (build
commands such as `go build`, `cargo build --release`, `npm run build`,
`mvn package`, `gradle build`, or `pip install` next to compilers and `-dev`
packages). The fix renames the stage `AS build` and appends a runtime stage
on a small base that copies only what the image runs (`COPY --from=build`)
and takes over `ENV`, `WORKDIR`, `EXPOSE`, `USER` (and the commands that
created that user), `LABEL`, `HEALTHCHECK`, `CMD`, `ENTRYPOINT`, `VOLUME`,
`STOPSIGNAL`, `SHELL` and the OS packages that are not build-only.

What each ecosystem gets (the recipes are data, `transforms/data/
multistage.toml`, and can be extended from `dfix.toml`):
- Go: the binary from `go build -o X` (or `go install`), on
  `gcr.io/distroless/static-debian13:nonroot` when `CGO_ENABLED=0`, else
  `gcr.io/distroless/base-debian13:nonroot`; `debian:<codename>-slim`
  when the runtime needs a shell or packages, `alpine` for Alpine
  builders.
- Rust: `target/<profile>/<bin>` (bin names from the build context's
  `Cargo.toml` when known), on `gcr.io/distroless/cc-debian13:nonroot` or
  `debian:<codename>-slim`.
- Node: `package.json`, `node_modules` pruned to production dependencies
  (`npm prune --omit=dev` at the end of the builder) and the folder of the
  entry file, on `node:<same major>[-<codename>]-slim` (`-alpine` for
  Alpine builders).
- Python: a virtualenv created in the builder (`/opt/venv`) and the working
  directory, on `python:<same version>-slim[-<codename>]`.

The runtime stays on the builder's Debian suite (a binary built on trixie
can fail on bookworm's older glibc): the codename its tag names, else the
default suite of that version (data: `transforms/data/bases.toml`).
Distroless images are maintained only on Debian 13; a builder on an older
suite that needs glibc gets `debian:<codename>-slim` instead. Distroless
runtimes are written with the `nonroot` tag (`latest` runs as root); when
the CMD names files relative to `/`, `WORKDIR /` is kept, since the
nonroot tags work in `/home/nonroot`.
- Java: the jar CMD runs, on `eclipse-temurin:<same major>-jre`.

When the file is already multi-stage, or the artifact or entrypoint cannot
be determined (no CMD, a program or file CMD names that the stage neither
builds nor copies, `go build` without `-o` and no `go.mod`, `npm start`
without `package.json`, no version in the builder's tag, `pip install
--user`), the finding is display-only and says what was found and what is
missing.

## Why is this bad?
Compilers, `-dev` headers, package caches, source code and development
dependencies stay in the image that runs in production: it is several
times larger than it needs to be, pulls slower, and carries tools an
attacker can use. A refactoring study found 32% smaller images from such
splits.

## Example
```dockerfile
FROM golang:1.22
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/server ./cmd/server
EXPOSE 8080
CMD ["/out/server"]
```

## Fixed
```dockerfile
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/server ./cmd/server

FROM gcr.io/distroless/static-debian13:nonroot
WORKDIR /src
COPY --from=build /out/server /out/server
EXPOSE 8080
CMD ["/out/server"]
```

## Fix safety
Unsafe: the image changes. Files the program reads at run time that its
CMD does not name (templates, static assets, config files outside the
copied folders) are not in the runtime stage; shared libraries installed
by a non-package step are missing; tools the old base image had (`curl`
for a health check is added back, others are not) are gone; the
distroless bases have no shell. Files are copied to the same paths, so
CMD and ENTRYPOINT are unchanged. Review and run the image before
shipping it.

## Aliases
None: hadolint, Trivy, BuildKit and Checkov have no equivalent check.

## References
- https://docs.docker.com/build/building/multi-stage/
- https://github.com/GoogleContainerTools/distroless
- Ksontini et al., "Refactoring for Dockerfile Quality", MSR 2025
"#;

/// The rule.
pub struct SplitBuildAndRuntime;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF401",
    name: "split-build-and-runtime",
    aliases: &[],
    severity: Severity::Warning,
    summary:
        "Build and runtime share one image: split into a build stage and a small runtime stage",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

impl Rule for SplitBuildAndRuntime {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let builtin;
        let recipes: &Recipes = match &ctx.facts.multistage {
            Some(r) => Arc::as_ref(r),
            None => {
                builtin = Recipes::builtin();
                builtin
            }
        };
        let mut decision = decide(
            ctx.doc,
            recipes,
            ctx.bases(),
            ctx.facts.context.as_deref(),
            ctx.style,
        );
        // A file that ends inside a continuation (`ENV A=1 \` as its last
        // line) would join the appended runtime stage to that instruction.
        if let (Decision::Split { span, found, .. }, Some(last)) =
            (&decision, ctx.doc.instructions.last())
        {
            if last.open_continuation {
                decision = Decision::Suggest {
                    span: span.clone(),
                    found: found.clone(),
                    missing: vec![format!(
                        "the file ends inside the continuation of line {}, so nothing can be appended after it",
                        last.start_line
                    )],
                };
            }
        }
        match decision {
            Decision::Nothing => Vec::new(),
            Decision::Split {
                span,
                found,
                message,
                edits,
            } => vec![Diagnostic::new(
                &META,
                format!("Build and runtime share one image: found {found}"),
                span,
            )
            .with_fix(Fix::unsafe_fix(message, edits).exclusive())],
            Decision::Suggest {
                span,
                found,
                missing,
            } => vec![Diagnostic::new(
                &META,
                format!(
                    "Build and runtime share one image: found {found}; no rewrite, missing {}",
                    missing.join("; ")
                ),
                span,
            )
            .with_fix(Fix::display_only(
                format!("Split the build by hand: {}", missing.join("; ")),
                Vec::new(),
            ))],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::BuildContext;
    use crate::edit::Applicability;
    use crate::engine;
    use crate::multistage::check_split;
    use crate::rule::Facts;
    use crate::rules::test_support::findings;
    use crate::settings::Settings;
    use dfix_grammar::Document;

    macro_rules! fixture {
        ($name:literal) => {
            (
                $name,
                include_str!(concat!(
                    "fixtures/split_build_and_runtime/",
                    $name,
                    ".Dockerfile"
                )),
            )
        };
    }

    /// Fixtures that are rewritten, with the build-context facts they get.
    const SPLIT: &[(&str, &str)] = &[
        fixture!("go_basic"),
        fixture!("go_arg_output"),
        fixture!("go_entrypoint_script"),
        fixture!("go_no_output"),
        fixture!("rust_release"),
        fixture!("rust_install"),
        fixture!("rust_heredoc"),
        fixture!("rust_trixie"),
        fixture!("go_cgo_trixie"),
        fixture!("node_build"),
        fixture!("node_yarn_workdir"),
        fixture!("node_npm_start"),
        fixture!("python_psycopg"),
        fixture!("python_entrypoint"),
        fixture!("python_heredoc"),
        fixture!("java_maven"),
        fixture!("java_gradle_cp"),
        fixture!("java_mvnw_glob"),
    ];

    /// Fixtures that only get a display-only suggestion (without facts).
    const SUGGEST: &[(&str, &str)] = &[
        fixture!("multistage_already"),
        fixture!("python_user"),
        fixture!("go_no_output"),
        fixture!("node_npm_start"),
    ];

    fn facts_for(name: &str) -> Facts {
        let mut facts = Facts::new();
        let mut ctx = BuildContext::default();
        match name {
            "go_no_output" => ctx.go_module = Some("github.com/example/app".into()),
            "node_npm_start" => {
                ctx.node_scripts
                    .insert("start".into(), "node dist/main.js".into());
                ctx.files.insert("package-lock.json".into());
                ctx.files.insert("package.json".into());
            }
            "rust_install" => ctx.cargo_bins = vec!["ingest".into()],
            _ => return facts,
        }
        facts.context = Some(std::sync::Arc::new(ctx));
        facts
    }

    fn all_unsafe() -> Settings {
        Settings {
            unsafe_fixes: true,
            ..Settings::default()
        }
    }

    fn describe(doc: &Document, diags: &[Diagnostic]) -> String {
        let mut s = String::new();
        for d in diags {
            let (line, col) = doc.line_col(d.span.start);
            let fix = d
                .fix
                .as_ref()
                .map(|f| format!("\n    [{}] {}", f.applicability.as_str(), f.message))
                .unwrap_or_default();
            s.push_str(&format!("{line}:{col} {} {}{fix}\n", d.rule.id, d.message));
        }
        s
    }

    fn snapshot(name: &str, text: String) {
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/../snapshots"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("DF401_{name}"), text);
        });
    }

    /// The whole pipeline with unsafe fixes: every rule of the branch.
    #[test]
    fn no_rewrite_when_the_file_ends_inside_a_continuation() {
        let src = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\nCMD [\"/out/app\"]\nENV A=1 \\\n";
        let f = crate::rules::test_support::findings(&META, src);
        assert_eq!(f.len(), 1);
        let fix = f[0].fix.as_ref().expect("a suggestion");
        assert_eq!(fix.applicability, crate::edit::Applicability::DisplayOnly);
        assert!(f[0].message.contains("continuation"), "{}", f[0].message);
    }

    #[test]
    fn split_fixtures() {
        let settings = all_unsafe();
        for (name, src) in SPLIT {
            let facts = facts_for(name);
            let input = Document::parse(src);
            assert!(input.errors.is_empty(), "{name}: {:?}", input.errors);
            let checked = engine::check(src, &settings, &facts);
            let ours: Vec<&Diagnostic> = checked
                .diagnostics
                .iter()
                .filter(|d| d.rule.id == "DF401")
                .collect();
            assert_eq!(ours.len(), 1, "{name}");
            assert_eq!(
                ours[0].applicability(),
                Some(Applicability::Unsafe),
                "{name}: {}",
                ours[0].message
            );
            let fixed =
                engine::fix(src, &settings, &facts).unwrap_or_else(|e| panic!("{name}: {e}"));
            let out = fixed.output().to_string();
            let doc = Document::parse(&out);
            let problems = check_split(&doc, Recipes::builtin());
            assert!(problems.is_empty(), "{name}:\n{out}\n{problems:#?}");
            let again = engine::fix(&out, &settings, &facts).unwrap();
            assert_eq!(again.output(), out, "{name}: a second run changes the file");
            assert!(
                !again.remaining.iter().any(|d| d.rule.id == "DF401"),
                "{name}: still reported after the split"
            );
            snapshot(
                name,
                format!(
                    "---- input\n{src}---- findings\n{}---- fixed (all rules, --unsafe-fixes)\n{out}",
                    describe(&checked.document, &checked.diagnostics)
                ),
            );
        }
    }

    #[test]
    fn suggestion_fixtures() {
        for (name, src) in SUGGEST {
            let found = findings(&META, src);
            assert_eq!(found.len(), 1, "{name}");
            assert_eq!(
                found[0].applicability(),
                Some(Applicability::DisplayOnly),
                "{name}: {}",
                found[0].message
            );
            let fixed = engine::fix(src, &all_unsafe(), &Facts::new()).unwrap();
            assert!(
                fixed.applied.iter().all(|a| a.rule.id != "DF401"),
                "{name}: rewritten"
            );
            snapshot(
                &format!("suggest_{name}"),
                format!(
                    "---- input\n{src}---- findings\n{}",
                    describe(&Document::parse(src), &found)
                ),
            );
        }
    }

    #[test]
    fn no_finding_without_a_build() {
        for src in [
            "FROM nginx:1.25\nCOPY site /usr/share/nginx/html\n",
            "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci --omit=dev\nCMD [\"node\", \"index.js\"]\n",
            "FROM python:3.12-slim\nCOPY . /app\nRUN pip install -r /app/requirements.txt\nCMD [\"python\", \"/app/main.py\"]\n",
            "FROM debian:bookworm\nRUN apt-get update && apt-get install -y gcc && make && apt-get purge -y gcc\n",
        ] {
            assert!(findings(&META, src).is_empty(), "{src}");
        }
    }

    #[test]
    fn builder_name_avoids_clashes_and_keeps_casing() {
        let src = "from golang:1.22\nworkdir /s\ncopy --from=build /x /x\nrun go build -o /app .\ncmd [\"/app\"]\n";
        let out = engine::fix(src, &all_unsafe(), &Facts::new()).unwrap();
        let text = out.output();
        assert!(text.starts_with("from golang:1.22 as builder\n"), "{text}");
        assert!(text.contains("copy --from=builder /app /app\n"), "{text}");
        assert!(check_split(&Document::parse(text), Recipes::builtin()).is_empty());
    }

    #[test]
    fn user_recipes_change_the_runtime_image() {
        let recipes = Recipes::builtin_merged_with_str(
            "[recipes.go]\nruntime = \"cgr.dev/chainguard/static\"\n",
        )
        .unwrap();
        let mut facts = Facts::new();
        facts.multistage = Some(Arc::new(recipes));
        let src = "FROM golang:1.22\nENV CGO_ENABLED=0\nRUN go build -o /app .\nCMD [\"/app\"]\n";
        let out = engine::fix(src, &all_unsafe(), &facts).unwrap();
        assert!(
            out.output().contains("\nFROM cgr.dev/chainguard/static\n"),
            "{}",
            out.output()
        );
    }

    #[test]
    fn one_blank_line_before_the_runtime_stage() {
        // Blank lines at the end and before the moved instructions are
        // replaced with the runtime stage, not piled up before it.
        let src = "FROM golang:1.25\nENV CGO_ENABLED=0\nRUN go build -o /app .\n\nEXPOSE 80\nCMD [\"/app\"]\n\n\n";
        let out = engine::fix(src, &all_unsafe(), &Facts::new()).unwrap();
        let text = out.output();
        assert!(
            text.contains(
                "RUN go build -o /app .\n\nFROM gcr.io/distroless/static-debian13:nonroot\n"
            ),
            "{text}"
        );
        assert!(!text.contains("\n\n\n"), "{text}");
        assert!(text.ends_with("CMD [\"/app\"]\n"), "{text}");
    }

    #[test]
    fn distroless_runtimes_keep_the_builder_suite_and_a_real_tag() {
        let run = |from: &str, cgo: bool| {
            let env = if cgo { "" } else { "ENV CGO_ENABLED=0\n" };
            let src = format!("FROM {from}\n{env}RUN go build -o /app .\nCMD [\"/app\"]\n");
            let out = engine::fix(&src, &all_unsafe(), &Facts::new()).unwrap();
            let doc = Document::parse(out.output());
            let stages = doc.stages();
            stages
                .last()
                .and_then(|s| s.base.as_ref())
                .map(|w| w.value().to_string())
                .unwrap_or_default()
        };
        assert_eq!(
            run("golang:1.25", false),
            "gcr.io/distroless/static-debian13:nonroot"
        );
        assert_eq!(
            run("golang:1.22-bookworm", false),
            "gcr.io/distroless/static-debian13:nonroot"
        );
        assert_eq!(
            run("golang:1.25", true),
            "gcr.io/distroless/base-debian13:nonroot"
        );
        assert_eq!(
            run("golang:1.25-trixie", true),
            "gcr.io/distroless/base-debian13:nonroot"
        );
        // Distroless no longer maintains bookworm: Debian slim of that suite.
        assert_eq!(run("golang:1.25-bookworm", true), "debian:bookworm-slim");
        assert_eq!(run("golang:1.22", true), "debian:bookworm-slim");
    }

    #[test]
    fn a_relative_cmd_keeps_the_root_working_directory() {
        let src = "FROM golang:1.25\nCOPY . /\nENV CGO_ENABLED=0\nRUN go build -o app .\nCMD [\"./app\"]\n";
        let out = engine::fix(src, &all_unsafe(), &Facts::new()).unwrap();
        assert!(
            out.output()
                .contains("FROM gcr.io/distroless/static-debian13:nonroot\nWORKDIR /\n"),
            "{}",
            out.output()
        );
        let abs = src.replace("./app", "/app");
        let out = engine::fix(&abs, &all_unsafe(), &Facts::new()).unwrap();
        assert!(!out.output().contains("WORKDIR"), "{}", out.output());
    }

    #[test]
    fn crlf_and_no_final_newline_are_kept() {
        let src =
            "FROM golang:1.22\r\nENV CGO_ENABLED=0\r\nRUN go build -o /app .\r\nCMD [\"/app\"]";
        let out = engine::fix(src, &all_unsafe(), &Facts::new()).unwrap();
        let text = out.output();
        assert!(!text.ends_with('\n'), "{text:?}");
        assert!(!text.replace("\r\n", "").contains('\n'), "{text:?}");
        assert!(check_split(&Document::parse(text), Recipes::builtin()).is_empty());
    }
}
