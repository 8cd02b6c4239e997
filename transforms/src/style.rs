//! The document's layout conventions, so that text written by fixes looks
//! like the text around it: line ending, escape character, indentation.

use std::ops::Range;

use dfix_grammar::{Document, Instruction};

/// Layout conventions of one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Style {
    /// `"\n"` or `"\r\n"`: what the file mostly uses.
    pub line_ending: &'static str,
    /// The escape character (`\` or `` ` `` after `# escape=`).
    pub escape: char,
    /// Indentation of continuation lines (the first one found; four spaces
    /// when the file has none).
    pub continuation_indent: String,
}

impl Style {
    /// Reads the conventions of `doc`.
    pub fn of(doc: &Document) -> Style {
        let indent = doc
            .instructions
            .iter()
            .find_map(|ins| continuation_indent(doc, ins))
            .unwrap_or_else(|| "    ".to_string());
        Style {
            line_ending: doc.line_ending(),
            escape: doc.escape,
            continuation_indent: indent,
        }
    }

    /// The text that continues an instruction on the next line: ` \` + line end
    /// + indentation (with the document's escape character and line ending).
    pub fn continuation(&self) -> String {
        format!(
            " {}{}{}",
            self.escape, self.line_ending, self.continuation_indent
        )
    }

    /// `value` as a double-quoted word that BuildKit's shell lexer reads back
    /// as exactly `value` (no variable expansion): `"`, `$` and the escape
    /// character are escaped.
    pub fn double_quoted(&self, value: &str) -> String {
        let mut out = String::with_capacity(value.len() + 2);
        out.push('"');
        for c in value.chars() {
            if c == '"' || c == '$' || c == self.escape {
                out.push(self.escape);
            }
            out.push(c);
        }
        out.push('"');
        out
    }
}

/// The indentation of an instruction's second physical line, if it has one.
pub fn continuation_indent(doc: &Document, ins: &Instruction) -> Option<String> {
    if ins.end_line <= ins.start_line || !ins.heredocs.is_empty() {
        return None;
    }
    let src = doc.source();
    let start = doc.line_start(ins.start_line + 1);
    let rest = src.get(start..)?;
    let indent: String = rest
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    // A blank continuation line says nothing about indentation.
    let after = &rest[indent.len()..];
    if after.starts_with(['\n', '\r']) || after.is_empty() {
        return None;
    }
    Some(indent)
}

/// The bytes to delete to remove an instruction with its whole lines: from
/// the start of its first line to after the line end of its last line. A
/// last line without a line end takes the previous line end instead, so
/// that no empty line is left behind.
pub fn instruction_lines(doc: &Document, ins: &Instruction) -> Range<usize> {
    let src = doc.source();
    let start = doc.line_start(doc.line_of(ins.span.start));
    let end = match src[ins.span.end..].find('\n') {
        Some(i) => ins.span.end + i + 1,
        None => src.len(),
    };
    if end == src.len() && !src.ends_with('\n') && start > 0 {
        let mut s = start - 1;
        if s > 0 && src.as_bytes()[s - 1] == b'\r' {
            s -= 1;
        }
        return s..end;
    }
    start..end
}

/// `keyword` recased like `like`: all lower when `like` is all lower, else
/// all upper.
pub fn case_like(keyword: &str, like: &str) -> String {
    if is_lower(like) {
        keyword.to_ascii_lowercase()
    } else {
        keyword.to_ascii_uppercase()
    }
}

/// True when the word has letters and none of them is upper case.
pub fn is_lower(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_alphabetic()) && !s.chars().any(|c| c.is_ascii_uppercase())
}

/// True when the word has letters and none of them is lower case.
pub fn is_upper(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_alphabetic()) && !s.chars().any(|c| c.is_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_line_ending_escape_and_indent() {
        let doc = Document::parse("# escape=`\r\nFROM a\r\nRUN a `\r\n\tb\r\n");
        let s = Style::of(&doc);
        assert_eq!(s.line_ending, "\r\n");
        assert_eq!(s.escape, '`');
        assert_eq!(s.continuation_indent, "\t");
        assert_eq!(s.continuation(), " `\r\n\t");
        let plain = Style::of(&Document::parse("FROM a\n"));
        assert_eq!(plain.continuation_indent, "    ");
        assert_eq!(plain.line_ending, "\n");
    }

    #[test]
    fn double_quoted_escapes_with_the_escape_character() {
        let doc = Document::parse("FROM a\n");
        let s = Style::of(&doc);
        assert_eq!(s.double_quoted(r#"a "b" $c \d"#), r#""a \"b\" \$c \\d""#);
        let bt = Style::of(&Document::parse("# escape=`\nFROM a\n"));
        assert_eq!(bt.double_quoted(r#"C:\x "y""#), r#""C:\x `"y`"""#);
    }

    #[test]
    fn instruction_lines_cover_whole_lines() {
        let src = "FROM a\n  CMD x \\\n  y\nCMD z";
        let doc = Document::parse(src);
        assert_eq!(
            &src[instruction_lines(&doc, &doc.instructions[1])],
            "  CMD x \\\n  y\n"
        );
        // Last line without a line end: the previous line end goes instead.
        assert_eq!(
            &src[instruction_lines(&doc, &doc.instructions[2])],
            "\nCMD z"
        );
    }

    #[test]
    fn casing_helpers() {
        assert_eq!(case_like("as", "FROM"), "AS");
        assert_eq!(case_like("AS", "from"), "as");
        assert!(is_lower("from") && !is_lower("From") && is_upper("FROM"));
        assert!(!is_upper("123"));
    }
}
