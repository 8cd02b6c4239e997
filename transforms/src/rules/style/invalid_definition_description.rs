//! DF007: a comment right above `FROM ... AS name` or `ARG` that does not
//! start with the name it would describe.

use dfix_grammar::Kind;

use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds a comment line directly above a named `FROM` or an `ARG` (no empty
line between them) whose first word is not the stage's or argument's name,
and inserts an empty line between the comment and the instruction.

## Why is this bad?
`docker build --call=outline` and `--call=targets` show the comment right
above a named stage or an argument as its description when it starts with
that name (`# VERSION the release to build`). A comment that does not is
not meant as a description; BuildKit's experimental
`InvalidDefinitionDescription` check asks for an empty line between them so
that the intent is clear.

## Example
```dockerfile
# compile the program
FROM golang:1.22 AS build
# pinned for reproducible builds
ARG VERSION=1.4
```

## Fixed
```dockerfile
# compile the program

FROM golang:1.22 AS build
# pinned for reproducible builds

ARG VERSION=1.4
```

Off by default, as in BuildKit, where the check is experimental: select
it by id or name (`select = ["DF007"]`); `ALL` and `DF0` leave it off.

## Fix safety
Safe: comments and empty lines do not change the build; the only effect is
that the comment no longer shows as a description in the outline, which it
was not meant to be. Like BuildKit, only the comment line nearest to the
instruction is compared, the name case-sensitively; an unnamed stage has
nothing to describe and is not checked.

## Aliases
- BuildKit: `InvalidDefinitionDescription`

## References
- https://docs.docker.com/reference/build-checks/invalid-definition-description/
"#;

/// The rule.
pub struct InvalidDefinitionDescription;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF007",
    name: "invalid-definition-description",
    aliases: &["InvalidDefinitionDescription"],
    severity: Severity::Style,
    summary: "A comment above a stage or ARG should start with its name, or be set apart by an empty line",
    doc: DOC,
    fix: FixAvailability::Always,
    options: &[],
};

impl Rule for InvalidDefinitionDescription {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let doc = ctx.doc;
        let mut out = Vec::new();
        for ins in &doc.instructions {
            let keys: Vec<String> = match ins.kind {
                Kind::From
                    if ins.words.len() >= 3 && ins.words[1].value().eq_ignore_ascii_case("as") =>
                {
                    vec![ins.words[2].value().to_ascii_lowercase()]
                }
                Kind::Arg => ins
                    .words
                    .iter()
                    .map(|w| w.value().split('=').next().unwrap_or("").to_string())
                    .filter(|k| !k.is_empty())
                    .collect(),
                _ => continue,
            };
            if keys.is_empty() || ins.start_line < 2 {
                continue;
            }
            let line_start = doc.line_start(ins.start_line);
            // The keyword must begin its line for a comment to sit above it.
            if !doc.source()[line_start..ins.span.start].trim().is_empty() {
                continue;
            }
            let above = ins.start_line - 1;
            let Some(comment) = doc
                .comments
                .iter()
                .find(|c| doc.line_of(c.span.start) == above)
            else {
                continue;
            };
            let first = comment.text.split(' ').next().unwrap_or("");
            if keys.iter().any(|k| k == first) {
                continue;
            }
            let what = if ins.kind == Kind::From {
                format!("stage `{}`", keys[0])
            } else if keys.len() == 1 {
                format!("ARG `{}`", keys[0])
            } else {
                "ARG".to_string()
            };
            out.push(
                Diagnostic::new(
                    &META,
                    format!(
                        "The comment above {what} is not a description (it does not start with the name): set it apart with an empty line"
                    ),
                    comment.span.clone(),
                )
                .with_fix(Fix::safe(
                    "Insert an empty line",
                    vec![Edit::insert(line_start, doc.line_ending())],
                )),
            );
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
            "comments",
            include_str!("fixtures/invalid_definition_description.Dockerfile"),
        );
    }

    #[test]
    fn only_the_nearest_comment_counts() {
        assert_eq!(
            fix_rule(&META, "# note\nFROM a AS b\n"),
            "# note\n\nFROM a AS b\n"
        );
        assert!(findings(&META, "# b builds things\nFROM a AS b\n").is_empty());
        assert!(findings(&META, "# other\n# X the version\nARG X=1 Y\n").is_empty());
        assert!(findings(&META, "# Y too\nARG X=1 Y\n").is_empty());
        // Unnamed stage, empty line, other instruction, case-sensitive name.
        assert!(findings(&META, "# note\nFROM a\n").is_empty());
        assert!(findings(&META, "# note\n\nARG X\n").is_empty());
        assert!(findings(&META, "FROM a\n# note\nRUN x\n").is_empty());
        assert_eq!(findings(&META, "# x the version\nARG X\n").len(), 1);
        assert_eq!(
            fix_rule(&META, "FROM a\r\n# note\r\nARG X\r\n"),
            "FROM a\r\n# note\r\n\r\nARG X\r\n"
        );
    }
}
