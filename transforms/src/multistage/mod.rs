//! The multi-stage split: recipes (data), the analysis of a stage, the
//! decision and rewrite, and a checker for the result.

pub mod analysis;
pub mod paths;
pub mod plan;
pub mod recipes;

pub use plan::{decide, Decision};
pub use recipes::Recipes;

use dfix_grammar::{Document, Kind};

use analysis::{analyse, instruction_entry, EntryItem};
use paths::{dirname, is_under};

/// Problems with a split result, empty when it is good: it parses, has at
/// least two stages, its final stage installs no build toolchain, runs no
/// build, is not based on a toolchain image, and every file its CMD and
/// ENTRYPOINT name is copied into it (or written by one of its RUNs).
pub fn check_split(doc: &Document, recipes: &Recipes) -> Vec<String> {
    let mut problems = Vec::new();
    for e in &doc.errors {
        problems.push(format!("parse error: {e}"));
    }
    let stages = doc.stages();
    if stages.len() < 2 {
        problems.push(format!("{} stage(s), expected at least 2", stages.len()));
    }
    let Some(last) = stages.last() else {
        return problems;
    };
    let base = last
        .base
        .as_ref()
        .map(|w| w.value().to_string())
        .unwrap_or_default();
    if is_toolchain_image(&base, recipes) {
        problems.push(format!(
            "the final stage is based on the toolchain image `{base}`"
        ));
    }
    let a = analyse(doc, last, recipes, None);
    for p in a.toolchain_packages(recipes) {
        problems.push(format!(
            "the final stage installs the build package `{}`",
            p.name
        ));
    }
    for (r, ev) in &a.builds {
        problems.push(format!("the final stage builds ({r}: {})", ev.join("; ")));
    }
    let cwd = a.cwd.clone().unwrap_or_else(|| "/".into());
    let mut shell = false;
    for kind in [Kind::Entrypoint, Kind::Cmd] {
        let Some(&i) = a.last.get(&kind) else {
            continue;
        };
        let as_args = kind == Kind::Cmd && a.last.contains_key(&Kind::Entrypoint);
        for item in instruction_entry(
            doc,
            &doc.instructions[i],
            &a.vars,
            &cwd,
            None,
            as_args,
            &mut shell,
        ) {
            let EntryItem::File(f) = item else { continue };
            let covered = a.copied.iter().chain(&a.copied_from).any(|c| {
                c.path == f
                    || (c.dir && is_under(&f, &c.path))
                    || (f.contains('*') && is_under(dirname(&f), &c.path))
            }) || a
                .products
                .iter()
                .any(|p| p.path == f || (p.dir && is_under(&f, &p.path)));
            if !covered {
                problems.push(format!(
                    "`{f}` (named by {}) is not copied into the final stage",
                    kind.canonical().unwrap_or("")
                ));
            }
        }
    }
    problems
}

/// True for images that are a compiler toolchain: a recipe's builder image
/// that is not also its runtime image, or a JDK (not a JRE).
pub fn is_toolchain_image(image: &str, recipes: &Recipes) -> bool {
    let name = recipes::image_name(image);
    let tag = recipes::image_tag(image);
    recipes.recipes.values().any(|r| {
        r.builder_images.iter().any(|b| b == name)
            && (recipes::image_name(&r.runtime) != name || tag.contains("jdk"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checker_finds_each_problem() {
        let r = Recipes::builtin();
        let good = "FROM golang:1.22 AS build\nRUN go build -o /out/app .\n\
                    FROM gcr.io/distroless/static-debian13:nonroot\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n";
        assert!(check_split(&Document::parse(good), r).is_empty());
        let single = "FROM golang:1.22\nRUN go build -o /out/app .\nCMD [\"/out/app\"]\n";
        let p = check_split(&Document::parse(single), r);
        assert!(p.iter().any(|x| x.contains("1 stage")), "{p:?}");
        assert!(p.iter().any(|x| x.contains("toolchain image")), "{p:?}");
        assert!(p.iter().any(|x| x.contains("builds")), "{p:?}");
        let uncopied = "FROM golang:1.22 AS build\nRUN go build -o /out/app .\n\
                        FROM debian:bookworm-slim\nRUN apt-get install -y gcc\nCOPY --from=build /out/app /app\n\
                        WORKDIR /srv\nCMD [\"./run.sh\", \"/app\"]\n";
        let p = check_split(&Document::parse(uncopied), r);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("`gcc`"));
        assert!(p[1].contains("/srv/run.sh"));
        assert!(!is_toolchain_image("eclipse-temurin:17-jre", r));
        assert!(is_toolchain_image("eclipse-temurin:17-jdk", r));
        assert!(!is_toolchain_image("node:20-slim", r));
        assert!(is_toolchain_image("rust:1.77", r));
    }
}
