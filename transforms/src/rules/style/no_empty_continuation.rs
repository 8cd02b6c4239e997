//! DF004: empty lines inside an instruction's continuation lines.

use std::ops::Range;

use dfix_grammar::Document;

use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds empty (or blank) lines inside an instruction that continues over
several lines, and removes them.

## Why is this bad?
BuildKit skips such lines with a warning today, and its
`NoEmptyContinuation` check says they will become errors in a future
release. They also make it look as if the instruction ended.

## Example
```dockerfile
RUN apk add --no-cache \

    curl
```

## Fixed
```dockerfile
RUN apk add --no-cache \
    curl
```

## Fix safety
Safe: BuildKit already ignores these lines, so the instruction is read the
same.

## Aliases
- BuildKit: `NoEmptyContinuation`

## References
- https://docs.docker.com/reference/build-checks/no-empty-continuation/
"#;

/// The rule.
pub struct NoEmptyContinuation;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF004",
    name: "no-empty-continuation",
    aliases: &["NoEmptyContinuation"],
    severity: Severity::Warning,
    summary: "Empty continuation lines will become errors in a future release",
    doc: DOC,
    fix: FixAvailability::Always,
    options: &[],
};

/// Byte ranges of the grammar's `empty_continuation` nodes (iterative walk:
/// a hostile file must not overflow the stack).
fn empty_continuations(doc: &Document) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut cursor = doc.tree().walk();
    let mut descend = true;
    loop {
        if descend && cursor.node().kind() == "empty_continuation" {
            out.push(cursor.node().byte_range());
            descend = false;
        }
        if descend && cursor.goto_first_child() {
            continue;
        }
        if cursor.goto_next_sibling() {
            descend = true;
            continue;
        }
        if !cursor.goto_parent() {
            break;
        }
        descend = false;
    }
    out
}

impl Rule for NoEmptyContinuation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        empty_continuations(ctx.doc)
            .into_iter()
            .filter(|r| !r.is_empty())
            .map(|r| {
                Diagnostic::new(&META, "Empty continuation line", r.clone())
                    .with_fix(Fix::safe("Remove the empty line", vec![Edit::delete(r)]))
            })
            .collect()
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
            "blank_lines",
            include_str!("fixtures/no_empty_continuation.Dockerfile"),
        );
    }

    #[test]
    fn removes_blank_lines_only_inside_continuations() {
        assert_eq!(
            fix_rule(&META, "FROM a\nRUN a \\\n\n   \n  b\n\nRUN c\n"),
            "FROM a\nRUN a \\\n  b\n\nRUN c\n"
        );
        assert_eq!(
            fix_rule(&META, "FROM a\r\nRUN a \\\r\n\r\n  b\r\n"),
            "FROM a\r\nRUN a \\\r\n  b\r\n"
        );
        assert!(findings(&META, "FROM a\n\nRUN b\n").is_empty());
    }
}
