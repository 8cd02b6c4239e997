//! Node kind names, looked up in a table built once per language.
//!
//! `tree_sitter::Node::kind` finds the name's C string, measures it and
//! checks it is UTF-8 on every call; the models call it for every node they
//! walk, and under callgrind that was 6% of a whole `dfix --check` run. The
//! names are fixed per language, so they are converted once here and a node's
//! kind is then its id's slot.

use std::sync::OnceLock;

use tree_sitter::{Language, Node};

/// The kind names of one language, indexed by kind id.
pub struct KindNames {
    names: Vec<String>,
}

/// tree-sitter's id for error nodes (`ts_builtin_sym_error`), outside the
/// language's own ids.
const ERROR_ID: u16 = u16::MAX;
/// tree-sitter's id for repeated error nodes (`ts_builtin_sym_error_repeat`).
const ERROR_REPEAT_ID: u16 = u16::MAX - 1;

impl KindNames {
    fn new(language: &Language) -> KindNames {
        let count = u16::try_from(language.node_kind_count()).unwrap_or(ERROR_REPEAT_ID);
        let names = (0..count)
            .map(|id| language.node_kind_for_id(id).unwrap_or("").to_owned())
            .collect();
        KindNames { names }
    }

    /// The kind of `node`: the same text as `node.kind()` (`node` must come
    /// from this table's language).
    pub fn of(&'static self, node: Node) -> &'static str {
        match node.kind_id() {
            ERROR_ID => "ERROR",
            ERROR_REPEAT_ID => "_ERROR",
            id => self.names.get(usize::from(id)).map_or("", String::as_str),
        }
    }
}

/// The Dockerfile grammar's kind names.
pub fn dockerfile() -> &'static KindNames {
    static NAMES: OnceLock<KindNames> = OnceLock::new();
    NAMES.get_or_init(|| KindNames::new(&crate::language()))
}

/// tree-sitter-bash's kind names.
pub fn bash() -> &'static KindNames {
    static NAMES: OnceLock<KindNames> = OnceLock::new();
    NAMES.get_or_init(|| KindNames::new(&tree_sitter_bash::LANGUAGE.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tree_sitter::Parser;

    /// Every node of both trees gets exactly the name `Node::kind` gives,
    /// error and missing nodes included.
    fn same_as_tree_sitter(language: Language, names: &'static KindNames, text: &str) {
        let mut parser = Parser::new();
        parser.set_language(&language).unwrap();
        let tree = parser.parse(text, None).unwrap();
        let mut cursor = tree.walk();
        let mut seen = 0;
        'walk: loop {
            let node = cursor.node();
            assert_eq!(names.of(node), node.kind(), "{node:?}");
            seen += 1;
            if cursor.goto_first_child() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    break 'walk;
                }
            }
        }
        assert!(seen > 10);
    }

    #[test]
    fn names_match_node_kind() {
        let text = "# syntax=docker/dockerfile:1\nFROM a AS b\nRUN x \\\n\n  && y <<EOF\nbody\nEOF\nONBUILD COPY --from=b . /\n\"oops\nCOPY [\"a\", \"b\"\nRNU x\n";
        same_as_tree_sitter(crate::language(), dockerfile(), text);
        let script = "a && b | c; (d) > e 2>&1 <<EOF\nx\nEOF\nif [ \"$x\" ]; then f=$(g '1' $'2'); fi\n)( ;; done {";
        same_as_tree_sitter(tree_sitter_bash::LANGUAGE.into(), bash(), script);
    }
}
