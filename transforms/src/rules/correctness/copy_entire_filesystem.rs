//! DF117: `COPY --from=<stage> / /`, the whole file system of a stage.

use dfix_grammar::{Form, Kind};

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds `COPY --from=<stage or image>` with `/` as a source and `/` as the
destination.

## Why is this bad?
It copies everything, package databases, caches, build tools, secrets left
on disk, into one layer over the new stage's own file system, undoing the
point of a multi-stage build and hiding which files the image really needs.
Copy the directories the program needs instead.

## Example
```dockerfile
FROM golang:1.22 AS build
RUN go build -o /out/app .

FROM gcr.io/distroless/static
COPY --from=build / /
```

## Fixed
```dockerfile
FROM golang:1.22 AS build
RUN go build -o /out/app .

FROM gcr.io/distroless/static
COPY --from=build /out/app /app
```

## Fix safety
No fix: which files are needed is for the author to say.

## Aliases
- hadolint: `DL3067`

## References
- https://docs.docker.com/build/building/multi-stage/
"#;

/// The rule.
pub struct CopyEntireFilesystem;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF117",
    name: "copy-entire-filesystem",
    aliases: &["DL3067"],
    severity: Severity::Warning,
    summary: "Do not copy a stage's entire file system",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

impl Rule for CopyEntireFilesystem {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for ins in &ctx.doc.instructions {
            if ins.kind != Kind::Copy || ins.flag("from").is_none() {
                continue;
            }
            let paths: Vec<String> = match &ins.form {
                Form::Exec(items) => items.clone(),
                Form::Shell => ins.words.iter().map(|w| w.value().to_string()).collect(),
            };
            let Some((dest, sources)) = paths.split_last() else {
                continue;
            };
            if dest == "/" && sources.iter().any(|s| s == "/") {
                out.push(Diagnostic::new(
                    &META,
                    "`COPY --from` copies the entire file system of another stage: copy what is needed",
                    ins.span.clone(),
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::*;

    #[test]
    fn fixture() {
        assert_fixture(
            &META,
            "root",
            include_str!("fixtures/copy_entire_filesystem.Dockerfile"),
        );
    }

    #[test]
    fn root_to_root_only() {
        let n = |s: &str| findings(&META, s).len();
        assert_eq!(n("FROM a AS b\nFROM c\nCOPY --from=b / /\n"), 1);
        assert_eq!(n("FROM a AS b\nFROM c\nCOPY --from=b \"/\" \"/\"\n"), 1);
        assert_eq!(n("FROM a AS b\nFROM c\nCOPY --from=b [\"/\", \"/\"]\n"), 1);
        assert_eq!(n("FROM a AS b\nFROM c\nCOPY --from=b / /x\n"), 0);
        assert_eq!(n("FROM a AS b\nFROM c\nCOPY --from=b /. /\n"), 0);
        assert_eq!(n("FROM a\nCOPY / /\n"), 0);
    }
}
