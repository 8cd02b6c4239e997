//! DF112: two stages with the same name.

use std::collections::HashMap;

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::stage_names::stage_names;

const DOC: &str = r#"## What it does
Finds a `FROM ... AS <name>` whose name an earlier stage already uses.
Names are compared case-insensitively, as BuildKit does.

## Why is this bad?
BuildKit refuses the file (`duplicate stage name`); older builders let the
later stage silently shadow the earlier one for every later reference.

## Example
```dockerfile
FROM golang:1.22 AS build
RUN go build -o /app .

FROM node:20 AS build
RUN npm run build
```

## Fixed
```dockerfile
FROM golang:1.22 AS build
RUN go build -o /app .

FROM node:20 AS assets
RUN npm run build
```

## Fix safety
No fix: a new name must also be chosen for the references, `--target`
and bake files, which the file does not show.

hadolint's `DL3024` compares names exactly (`AS build` and `AS Build` are
not reported there); BuildKit, and so dfix, see the same name.

## Aliases
- hadolint: `DL3024`
- BuildKit: `DuplicateStageName`
- Trivy: `DS-0012` (`AVD-DS-0012`)
- Checkov: `CKV_DOCKER_11`

## References
- https://docs.docker.com/reference/build-checks/duplicate-stage-name/
"#;

/// The rule.
pub struct DuplicateStageName;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF112",
    name: "duplicate-stage-name",
    aliases: &["DL3024", "DuplicateStageName", "DS-0012", "CKV_DOCKER_11"],
    severity: Severity::Error,
    summary: "Stage names should be unique",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

impl Rule for DuplicateStageName {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut first_line: HashMap<String, usize> = HashMap::new();
        let mut out = Vec::new();
        for name in stage_names(ctx.doc) {
            let line = ctx.doc.instructions[name.instruction].start_line;
            match first_line.get(&name.key()) {
                Some(first) => out.push(Diagnostic::new(
                    &META,
                    format!(
                        "Stage name `{}` is already used by the stage at line {first}",
                        name.word.value()
                    ),
                    name.word.span.clone(),
                )),
                None => {
                    first_line.insert(name.key(), line);
                }
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
            "stages",
            include_str!("fixtures/duplicate_stage_name.Dockerfile"),
        );
    }

    #[test]
    fn later_duplicates_case_insensitively() {
        let n = |s: &str| findings(&META, s).len();
        assert_eq!(n("FROM a AS b\nFROM c AS b\nFROM d AS b\n"), 2);
        assert_eq!(n("FROM a AS b\nFROM c as B\n"), 1);
        assert_eq!(n("FROM a AS b\nFROM c AS d\nFROM b\n"), 0);
    }
}
