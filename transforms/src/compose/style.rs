//! A Compose file's layout, read once so that new keys and items look like
//! the author's: the indentation step, where a block sequence's `-` sits
//! under its key, and the line ending.

use dfix_grammar::compose::{ComposeFile, Map, Node_, Value};

/// Layout conventions of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlStyle {
    /// Spaces per nesting level of mappings (2 when nothing says).
    pub step: usize,
    /// Spaces from a key to the `-` of its block sequence's items: 0 for
    /// "indentless" sequences (`key:` then `- x` in the same column).
    pub seq_indent: usize,
    /// `\n` or `\r\n`.
    pub newline: &'static str,
}

/// The column (bytes from the line start) of a byte offset.
pub fn column(file: &ComposeFile, offset: usize) -> usize {
    offset - file.line_start(file.line_of(offset))
}

fn first_nested(file: &ComposeFile, map: &Map, found: &mut (Option<usize>, Option<usize>)) {
    if map.flow {
        return;
    }
    for p in &map.pairs {
        let Some(v) = &p.value else { continue };
        let key_col = column(file, p.key_span.start);
        match &v.value {
            Value::Map(m) if !m.flow => {
                if found.0.is_none() {
                    if let Some(first) = m.pairs.first() {
                        let col = column(file, first.key_span.start);
                        // Only a map that starts on its own line says the step.
                        if col > key_col
                            && file.line_of(first.key_span.start) > file.line_of(p.key_span.start)
                        {
                            found.0 = Some(col - key_col);
                        }
                    }
                }
                first_nested(file, m, found);
            }
            Value::Seq(s) if !s.flow => {
                if found.1.is_none() {
                    if let Some(first) = s.items.first() {
                        let col = column(file, first.span.start);
                        if col >= key_col {
                            found.1 = Some(col - key_col);
                        }
                    }
                }
                for i in &s.items {
                    if let Some(Node_ {
                        value: Value::Map(m),
                        ..
                    }) = &i.value
                    {
                        first_nested(file, m, found);
                    }
                }
            }
            _ => {}
        }
        if found.0.is_some() && found.1.is_some() {
            return;
        }
    }
}

impl YamlStyle {
    /// Reads the layout of `file`.
    pub fn of(file: &ComposeFile) -> YamlStyle {
        let mut found = (None, None);
        if let Some(top) = file.top() {
            first_nested(file, top, &mut found);
        }
        let step = found.0.unwrap_or(2).clamp(1, 8);
        YamlStyle {
            step,
            seq_indent: found.1.unwrap_or(step),
            newline: file.newline(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_step_sequence_indent_and_newline() {
        let s = YamlStyle::of(&ComposeFile::parse(
            "services:\n    web:\n        ports:\n        - 80:80\n",
        ));
        assert_eq!((s.step, s.seq_indent, s.newline), (4, 0, "\n"));
        let s = YamlStyle::of(&ComposeFile::parse(
            "services:\r\n  web:\r\n    ports:\r\n      - 80:80\r\n",
        ));
        assert_eq!((s.step, s.seq_indent, s.newline), (2, 2, "\r\n"));
        let s = YamlStyle::of(&ComposeFile::parse("services: {}\n"));
        assert_eq!((s.step, s.seq_indent), (2, 2));
    }
}
