//! BuildKit's splitting of a logical line: flags, words, exec-form JSON,
//! name=value lists and heredoc markers. Re-implemented from BuildKit's
//! documented behaviour; every word keeps its span in the file.

use std::ops::Range;

use crate::document::{Flag, Heredoc, Kind};
use crate::logical::LogicalLine;

/// A word of an instruction's arguments, split as BuildKit's parseWords does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// As written (quotes and escapes kept), from the logical line.
    pub raw: String,
    /// Quotes removed and escapes processed; variables are not expanded.
    pub unquoted: String,
    /// Range in the instruction's logical line.
    pub text_range: Range<usize>,
    /// Bytes in the file (may cross a line continuation).
    pub span: Range<usize>,
}

impl Word {
    /// The word with quotes removed (variables not expanded).
    pub fn value(&self) -> &str {
        &self.unquoted
    }

    /// True when the word uses a variable (`$X`, `${X}`) outside single quotes.
    pub fn has_variable(&self) -> bool {
        let mut quote = None;
        let mut chars = self.raw.chars().peekable();
        while let Some(c) = chars.next() {
            match (quote, c) {
                (Some('\''), '\'') => quote = None,
                (Some('\''), _) => {}
                (_, '\\') => {
                    chars.next();
                }
                (None, '\'') => quote = Some('\''),
                (None, '"') => quote = Some('"'),
                (Some('"'), '"') => quote = None,
                (_, '$') => {
                    if matches!(chars.peek(), Some(c) if c.is_ascii_alphanumeric() || *c == '_' || *c == '{')
                    {
                        return true;
                    }
                }
                _ => {}
            }
        }
        false
    }
}

/// Go's unicode.IsSpace.
pub fn is_go_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | ' ' | '\u{85}' | '\u{A0}'
    ) || (c > '\u{FF}' && c.is_whitespace())
}

/// BuildKit's reWhitespace: `[\t\v\f\r ]`.
fn is_command_space(c: char) -> bool {
    matches!(c, '\t' | '\u{0B}' | '\u{0C}' | '\r' | ' ')
}

/// Splits the logical line after the keyword (which takes `keyword_len`
/// bytes) into flags and the trimmed arguments range, as BuildKit's
/// splitCommand and extractBuilderFlags do.
pub fn split_flags(line: &LogicalLine, keyword_len: usize) -> (Vec<Flag>, Range<usize>) {
    let text = &line.text;
    let mut pos = keyword_len.min(text.len());
    while let Some(c) = text[pos..].chars().next() {
        if !is_command_space(c) {
            break;
        }
        pos += c.len_utf8();
    }
    let bytes = text.as_bytes();
    let mut flags = Vec::new();
    loop {
        // Skip blanks between flags.
        while pos < bytes.len() && (bytes[pos] as char).is_ascii_whitespace() {
            pos += 1;
        }
        if pos + 1 >= bytes.len() || bytes[pos] != b'-' || bytes[pos + 1] != b'-' {
            break;
        }
        let start = pos;
        let mut word = String::new();
        let mut quote: Option<u8> = None;
        while pos < bytes.len() {
            let b = bytes[pos];
            if quote.is_none() && (b as char).is_ascii_whitespace() {
                break;
            }
            if let Some(q) = quote {
                if b == q {
                    quote = None;
                    pos += 1;
                    continue;
                }
            } else if b == b'\'' || b == b'"' {
                quote = Some(b);
                pos += 1;
                continue;
            }
            if b == b'\\' {
                if pos + 1 == bytes.len() {
                    pos += 1;
                    continue;
                }
                pos += 1;
            }
            let ch = text[pos..].chars().next().unwrap_or('\u{FFFD}');
            word.push(ch);
            pos += ch.len_utf8().max(1);
        }
        if word == "--" {
            // End of flags.
            break;
        }
        let span = line.file_span(start..pos);
        let body = word.trim_start_matches('-');
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (body.to_string(), None),
        };
        flags.push(Flag {
            raw: word,
            name,
            value,
            span,
        });
    }
    // Arguments: the rest, trimmed.
    let rest = &text[pos.min(text.len())..];
    let lead = rest.len() - rest.trim_start().len();
    let trimmed = rest.trim();
    let start = pos + lead;
    (flags, start..start + trimmed.len())
}

/// Splits `range` of the logical line into words (BuildKit's parseWords).
pub fn split_words(line: &LogicalLine, range: Range<usize>, escape: char) -> Vec<Word> {
    let text = &line.text[range.clone()];
    let base = range.start;
    let mut words = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut start = 0;
    let mut blank_ok = false;
    let mut raw = String::new();
    let push = |words: &mut Vec<Word>, raw: &mut String, start: usize, end: usize| {
        let text_range = base + start..base + end;
        words.push(Word {
            unquoted: unquote(raw, escape),
            raw: std::mem::take(raw),
            span: line.file_span(text_range.clone()),
            text_range,
        });
    };
    while let Some((i, c)) = chars.next() {
        if !in_word {
            if is_go_space(c) {
                continue;
            }
            in_word = true;
            start = i;
            blank_ok = false;
        }
        match quote {
            None => {
                if is_go_space(c) {
                    if blank_ok || !raw.is_empty() {
                        push(&mut words, &mut raw, start, i);
                    }
                    in_word = false;
                    raw.clear();
                    continue;
                }
                if c == '\'' || c == '"' {
                    quote = Some(c);
                    blank_ok = true;
                }
                if c == escape {
                    match chars.next() {
                        None => continue,
                        Some((_, n)) => {
                            raw.push(c);
                            raw.push(n);
                            continue;
                        }
                    }
                }
                raw.push(c);
            }
            Some(q) => {
                if c == q {
                    quote = None;
                }
                if c == escape && q != '\'' {
                    match chars.next() {
                        None => {
                            quote = None;
                            continue;
                        }
                        Some((_, n)) => {
                            raw.push(c);
                            raw.push(n);
                            continue;
                        }
                    }
                }
                raw.push(c);
            }
        }
    }
    if in_word && (blank_ok || !raw.is_empty()) {
        push(&mut words, &mut raw, start, text.len());
    }
    words
}

/// Removes quotes and processes escapes as BuildKit's shell lexer does,
/// without expanding variables.
pub fn unquote(raw: &str, escape: char) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some('\'') => {
                if c == '\'' {
                    quote = None;
                } else {
                    out.push(c);
                }
            }
            Some(_) => {
                if c == '"' {
                    quote = None;
                } else if c == escape {
                    match chars.peek() {
                        Some(&n) if n == '"' || n == '$' || n == escape => {
                            out.push(n);
                            chars.next();
                        }
                        None => {}
                        _ => out.push(c),
                    }
                } else {
                    out.push(c);
                }
            }
            None => {
                if c == '\'' || c == '"' {
                    quote = Some(c);
                } else if c == escape {
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                } else {
                    out.push(c);
                }
            }
        }
    }
    out
}

/// BuildKit's parseJSON: `Ok(None)` when the text is not a JSON array (shell
/// form), `Err` when it is an array with something other than strings.
pub fn parse_json_array(text: &str) -> Result<Option<Vec<String>>, String> {
    let t = text.trim_start();
    if !t.starts_with('[') {
        return Ok(None);
    }
    let Ok(values) = serde_json::from_str::<Vec<serde_json::Value>>(t) else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(values.len());
    for v in values {
        match v {
            serde_json::Value::String(s) => out.push(s),
            _ => {
                return Err(
                    "when using JSON array syntax, arrays must be comprised of strings only"
                        .to_string(),
                )
            }
        }
    }
    Ok(Some(out))
}

/// BuildKit's parseNameVal checks for ENV and LABEL.
pub fn check_name_values(kind: Kind, words: &[Word], args: &str) -> Option<String> {
    let key = if kind == Kind::Env { "ENV" } else { "LABEL" };
    let first = words.first()?;
    if !first.raw.contains('=') {
        // Legacy `KEY value`: needs a value.
        let mut parts = args.splitn(2, is_command_space);
        parts.next();
        if parts.next().is_none() {
            return Some(format!("{key} must have two arguments"));
        }
        return None;
    }
    for w in words {
        if !w.raw.contains('=') {
            return Some(format!(
                "Syntax error - can't find = in {:?}. Must be of the form: name=value",
                w.raw
            ));
        }
    }
    None
}

/// Reads a heredoc marker word (`<<EOF`, `3<<-"EOF"`, `<< EOF`) as BuildKit
/// does: `^(\d*)<<(-?)([^<]*)$`, the name unquoted with backslash escapes.
pub fn parse_heredoc_marker(word: &str) -> Option<Heredoc> {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let rest = word[digits..].strip_prefix("<<")?;
    let (chomp, rest) = match rest.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    if rest.is_empty() || rest.contains('<') {
        return None;
    }
    let name_raw = rest.trim_start_matches(is_go_space);
    let name = unquote(name_raw, '\\');
    if name.is_empty() {
        return None;
    }
    let quoted_raw = name_raw.matches(['\'', '"']).count();
    let quoted_name = name.matches(['\'', '"']).count();
    Some(Heredoc {
        name,
        file_descriptor: word[..digits].parse().unwrap_or(0),
        chomp,
        expand: quoted_raw == quoted_name,
        content: String::new(),
        marker_span: 0..0,
        body_span: 0..0,
        end_span: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(s: &str) -> LogicalLine {
        LogicalLine::from_file(s, 0..s.len(), &[])
    }

    #[test]
    fn flags_with_quotes_and_end_marker() {
        let l = line("RUN --mount=type=secret,id=x,env=\"A\" --network=none -- echo");
        let (flags, args) = split_flags(&l, 3);
        let raws: Vec<_> = flags.iter().map(|f| f.raw.as_str()).collect();
        assert_eq!(raws, ["--mount=type=secret,id=x,env=A", "--network=none"]);
        assert_eq!(flags[1].name, "network");
        assert_eq!(flags[1].value.as_deref(), Some("none"));
        assert_eq!(&l.text[args], "echo");
        let (flags, args) = split_flags(&line("COPY --link --from=b a /"), 4);
        assert_eq!(flags.len(), 2);
        assert_eq!(flags[0].value, None);
        assert_eq!(&line("COPY --link --from=b a /").text[args], "a /");
    }

    #[test]
    fn words_keep_quotes_and_escapes() {
        let l = line(r#"ENV a="x y" b=c\ d 'e f'"#);
        let w = split_words(&l, 4..l.text.len(), '\\');
        let raw: Vec<_> = w.iter().map(|w| w.raw.as_str()).collect();
        assert_eq!(raw, [r#"a="x y""#, r"b=c\ d", "'e f'"]);
        assert_eq!(w[0].value(), "a=x y");
        assert_eq!(w[1].value(), "b=c d");
        assert_eq!(w[0].span, 4..11);
    }

    #[test]
    fn json_forms() {
        assert_eq!(
            parse_json_array(r#"["a", "b"]"#),
            Ok(Some(vec!["a".into(), "b".into()]))
        );
        assert_eq!(parse_json_array("['a']"), Ok(None));
        assert_eq!(parse_json_array(r#"["a""#), Ok(None));
        assert_eq!(parse_json_array("[ -f x ]"), Ok(None));
        assert!(parse_json_array(r#"["a", ["b"]]"#).is_err());
        assert_eq!(parse_json_array("[]"), Ok(Some(vec![])));
    }

    #[test]
    fn heredoc_markers() {
        let h = parse_heredoc_marker("<<EOF").unwrap();
        assert_eq!((h.name.as_str(), h.chomp, h.expand), ("EOF", false, true));
        let h = parse_heredoc_marker("3<<-'E O'").unwrap();
        assert_eq!(
            (h.name.as_str(), h.chomp, h.expand, h.file_descriptor),
            ("E O", true, false, 3)
        );
        assert_eq!(parse_heredoc_marker("<< EOF").unwrap().name, "EOF");
        assert_eq!(parse_heredoc_marker(r"<<eo\'f").unwrap().name, "eo'f");
        assert!(parse_heredoc_marker(r"<<eo\'f").unwrap().expand);
        assert!(!parse_heredoc_marker("<<eo'f'").unwrap().expand);
        assert!(parse_heredoc_marker("<<<EOF").is_none());
        assert!(parse_heredoc_marker("cat<<EOF").is_none());
        assert!(parse_heredoc_marker("<<").is_none());
    }
}
