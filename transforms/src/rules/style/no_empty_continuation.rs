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

/// Byte ranges of the grammar's `empty_continuation` nodes, in file order.
///
/// The grammar puts them directly under the file or an instruction; a
/// subtree is walked only when it holds an error (recovery can put them
/// anywhere) or a blank line, the only text such a node can span (a whole
/// line of white space). Walking every node of every file was 3% of a
/// `--check` run for a rule that rarely fires.
fn empty_continuations(doc: &Document) -> Vec<Range<usize>> {
    let kinds = dfix_grammar::kinds::dockerfile();
    let source = doc.source();
    let mut out = Vec::new();
    let root = doc.tree().root_node();
    let mut top = root.walk();
    for child in root.children(&mut top) {
        if kinds.of(child) == "empty_continuation" {
            out.push(child.byte_range());
        } else if child.has_error() || has_blank_line(&source[child.byte_range()]) {
            walk(child, kinds, &mut out);
        }
    }
    out
}

/// Whether `text` has a line of white space only between two line ends
/// (`char::is_whitespace` is wider than the grammar's blanks: when in
/// doubt, the subtree is walked).
fn has_blank_line(text: &str) -> bool {
    let mut lines = text.split('\n');
    lines.next();
    // What follows the last line end is no whole line.
    lines.next_back();
    lines.any(|line| line.chars().all(char::is_whitespace))
}

/// Collects the `empty_continuation` nodes under `node` (iterative walk: a
/// hostile file must not overflow the stack).
fn walk(
    node: tree_sitter::Node,
    kinds: &'static dfix_grammar::kinds::KindNames,
    out: &mut Vec<Range<usize>>,
) {
    let mut cursor = node.walk();
    let mut descend = true;
    loop {
        if descend && kinds.of(cursor.node()) == "empty_continuation" {
            out.push(cursor.node().byte_range());
            descend = false;
        }
        if descend && cursor.goto_first_child() {
            continue;
        }
        if cursor.depth() == 0 {
            break;
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
