//! Every conversion between dfix's byte offsets and LSP's positions, and
//! between `file:` URIs and paths. Nothing else in the server counts
//! columns.

use std::path::{Path, PathBuf};

use lsp_types::{Position, Range, TextEdit, Uri};

/// How the client counts columns (`positionEncoding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Bytes of UTF-8 (dfix's own offsets).
    Utf8,
    /// UTF-16 code units (the LSP default).
    Utf16,
}

impl Encoding {
    /// The width of `c` in this encoding.
    fn width(self, c: char) -> usize {
        match self {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        }
    }
}

/// The line starts of a text, for converting offsets and positions. LSP
/// ends lines at `\n`, `\r\n` and a lone `\r`.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset where each line starts; the first is 0.
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    starts.push(i + 2);
                    i += 1;
                }
                b'\r' => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    /// The end of line `line`'s content (before its line break).
    fn content_end(&self, text: &str, line: usize) -> usize {
        let end = self.starts.get(line + 1).copied().unwrap_or(self.len);
        let content = &text[self.starts[line]..end];
        self.starts[line] + content.trim_end_matches(['\n', '\r']).len()
    }

    /// The position of byte `offset` (clamped to the text and moved back
    /// to a character boundary).
    pub fn position(&self, text: &str, offset: usize, enc: Encoding) -> Position {
        let mut offset = offset.min(self.len);
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let character: usize = text[start..offset].chars().map(|c| enc.width(c)).sum();
        Position {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            character: u32::try_from(character).unwrap_or(u32::MAX),
        }
    }

    /// The byte offset of `pos`. Out of range is clamped as the protocol
    /// says: a line past the end means the end of the text, a column past
    /// the line's end means its end; a column inside a character (half a
    /// surrogate pair, inside a UTF-8 sequence) means that character's
    /// start.
    pub fn offset(&self, text: &str, pos: Position, enc: Encoding) -> usize {
        let line = pos.line as usize;
        if line >= self.starts.len() {
            return self.len;
        }
        let start = self.starts[line];
        let end = self.content_end(text, line);
        let want = pos.character as usize;
        let mut units = 0;
        for (i, c) in text[start..end].char_indices() {
            let w = enc.width(c);
            if units + w > want {
                return start + i;
            }
            units += w;
        }
        end
    }

    /// The LSP range of bytes `start..end`.
    pub fn range(&self, text: &str, start: usize, end: usize, enc: Encoding) -> Range {
        Range {
            start: self.position(text, start, enc),
            end: self.position(text, end, enc),
        }
    }
}

/// One edit that turns `old` into `new`, over the lines that differ (the
/// shape ruff's server answers formatting with: editors keep the cursor
/// and folds of the lines outside it). `None` when the texts are equal.
pub fn replacement(old: &str, new: &str, enc: Encoding) -> Option<TextEdit> {
    if old == new {
        return None;
    }
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let max_suffix = a.len().min(b.len()) - prefix;
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(max_suffix)
        .take_while(|(x, y)| x == y)
        .count();
    let bytes = |lines: &[&str]| lines.iter().map(|l| l.len()).sum::<usize>();
    let old_start = bytes(&a[..prefix]);
    let old_end = old.len() - bytes(&a[a.len() - suffix..]);
    let new_start = bytes(&b[..prefix]);
    let new_end = new.len() - bytes(&b[b.len() - suffix..]);
    let index = LineIndex::new(old);
    Some(TextEdit {
        range: index.range(old, old_start, old_end, enc),
        new_text: new[new_start..new_end].to_string(),
    })
}

/// Applies LSP edits to `text` (as a client does), for tests and the
/// server's own checks. Edits are applied from the last to the first, so
/// each range refers to the original text.
pub fn apply(text: &str, edits: &[TextEdit], enc: Encoding) -> String {
    let index = LineIndex::new(text);
    let mut located: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                index.offset(text, e.range.start, enc),
                index.offset(text, e.range.end, enc),
                e.new_text.as_str(),
            )
        })
        .collect();
    located.sort_by_key(|&(s, e, _)| (s, e));
    let mut out = text.to_string();
    for (s, e, new) in located.into_iter().rev() {
        out.replace_range(s..e.max(s), new);
    }
    out
}

/// The path of a `file:` URI (percent-decoded); for other schemes
/// (`untitled:Dockerfile`) the last segment of the URI's path, a relative
/// path that still names the kind of file. `None` when nothing usable.
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    let s = uri.as_str();
    let (scheme, rest) = s.split_once(':')?;
    if scheme.eq_ignore_ascii_case("file") {
        // `file:///p`, `file://localhost/p`; a UNC host is not a local path.
        let rest = rest.strip_prefix("//")?;
        let path = match rest.find('/') {
            Some(0) => rest,
            Some(i) if rest[..i].eq_ignore_ascii_case("localhost") => &rest[i..],
            _ => return None,
        };
        let path = path.split(['?', '#']).next().unwrap_or(path);
        return Some(PathBuf::from(percent_decode(path)?));
    }
    let last = rest.rsplit('/').next().filter(|l| !l.is_empty())?;
    Some(PathBuf::from(percent_decode(last)?))
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The `file:` URI of an absolute path (percent-encoding all but the
/// unreserved characters and `/`), as clients send them.
pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let mut s = String::from("file://");
    for b in path.to_str()?.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            s.push(char::from(b));
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    #[test]
    fn non_ascii_and_crlf_in_both_encodings() {
        // é: 2 bytes, 1 UTF-16 unit; 🐳: 4 bytes, 2 UTF-16 units.
        let text = "FROM a\r\nLABEL x=\"é🐳\" y=1\r\nRUN b\n";
        let ix = LineIndex::new(text);
        let y = text.find("y=1").unwrap();
        // `LABEL x="` is 9, then é🐳 is 6 bytes or 3 units, then `" `.
        assert_eq!(ix.position(text, y, Encoding::Utf8), pos(1, 17));
        assert_eq!(ix.position(text, y, Encoding::Utf16), pos(1, 14));
        assert_eq!(ix.offset(text, pos(1, 17), Encoding::Utf8), y);
        assert_eq!(ix.offset(text, pos(1, 14), Encoding::Utf16), y);
        // Line 2 starts after the CRLF; its end is before the `\n`.
        let run = text.find("RUN").unwrap();
        assert_eq!(ix.position(text, run, Encoding::Utf16), pos(2, 0));
        assert_eq!(
            ix.offset(text, pos(0, 99), Encoding::Utf16),
            6,
            "before \\r\\n"
        );
        // Half a surrogate pair, or inside a UTF-8 sequence: the char start.
        let whale = text.find('🐳').unwrap();
        assert_eq!(ix.offset(text, pos(1, 11), Encoding::Utf16), whale);
        assert_eq!(ix.offset(text, pos(1, 13), Encoding::Utf8), whale);
        // Past the last line: the end.
        assert_eq!(ix.offset(text, pos(40, 0), Encoding::Utf8), text.len());
        assert_eq!(ix.position(text, text.len(), Encoding::Utf8), pos(3, 0));
        // An offset inside a character moves back to its start.
        assert_eq!(
            ix.position(text, whale + 1, Encoding::Utf16),
            ix.position(text, whale, Encoding::Utf16)
        );
    }

    #[test]
    fn a_lone_cr_ends_a_line() {
        let text = "a\rb\nc";
        let ix = LineIndex::new(text);
        assert_eq!(ix.position(text, 2, Encoding::Utf8), pos(1, 0));
        assert_eq!(ix.position(text, 4, Encoding::Utf8), pos(2, 0));
    }

    #[test]
    fn replacement_covers_only_the_changed_lines() {
        let old = "FROM a\nrun x\nADD y /y\nCMD z\n";
        let new = "FROM a\nRUN x\nCOPY y /y\nCMD z\n";
        let e = replacement(old, new, Encoding::Utf16).unwrap();
        assert_eq!(e.range, Range::new(pos(1, 0), pos(3, 0)));
        assert_eq!(e.new_text, "RUN x\nCOPY y /y\n");
        assert_eq!(apply(old, &[e], Encoding::Utf16), new);
        assert!(replacement(old, old, Encoding::Utf8).is_none());
        // No final newline, lines added at the end, CRLF and non-ASCII.
        for (old, new) in [
            ("FROM a", "FROM a\nUSER 1"),
            ("FROM é\r\nrun x\r\n", "FROM é\r\nRUN x\r\nUSER 1\r\n"),
            ("x\ny\n", ""),
            ("", "FROM a\n"),
            ("a\nb\na\n", "a\n"),
        ] {
            for enc in [Encoding::Utf8, Encoding::Utf16] {
                let e = replacement(old, new, enc).unwrap();
                assert_eq!(apply(old, &[e], enc), new, "{old:?} -> {new:?}");
            }
        }
    }

    #[test]
    fn uris_and_paths() {
        let p = Path::new("/tmp/my dir/é/Dockerfile");
        let uri = path_to_uri(p).unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/my%20dir/%C3%A9/Dockerfile");
        assert_eq!(uri_to_path(&uri).unwrap(), p);
        let local: Uri = "file://localhost/a/Dockerfile".parse().unwrap();
        assert_eq!(uri_to_path(&local).unwrap(), Path::new("/a/Dockerfile"));
        let untitled: Uri = "untitled:Dockerfile".parse().unwrap();
        assert_eq!(uri_to_path(&untitled).unwrap(), Path::new("Dockerfile"));
        assert_eq!(percent_decode("a%ZZ"), None);
        assert_eq!(percent_decode("a%2"), Some("a%2".to_string()));
        assert_eq!(percent_decode("%FF"), None, "not UTF-8");
    }
}
