//! Logical lines: an instruction's physical lines joined the way BuildKit
//! joins them, with a map from every byte of the joined text back to the file.

use std::ops::Range;

/// One contiguous run of the logical text taken from the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    text_start: usize,
    file_start: usize,
    len: usize,
}

/// An instruction's logical line and its map back to file offsets.
#[derive(Debug, Clone, Default)]
pub struct LogicalLine {
    /// The joined text (continuations, and comment and empty lines inside them, removed).
    pub text: String,
    pieces: Vec<Piece>,
}

impl LogicalLine {
    /// Takes `range` of `file` without the `removed` ranges (sorted, inside `range`).
    pub fn from_file(file: &str, range: Range<usize>, removed: &[Range<usize>]) -> LogicalLine {
        let mut line = LogicalLine::default();
        let mut pos = range.start;
        for r in removed {
            let (s, e) = (r.start.max(pos), r.end.min(range.end));
            if s > pos {
                line.push(file, pos..s);
            }
            pos = pos.max(e);
        }
        if range.end > pos {
            line.push(file, pos..range.end);
        }
        line
    }

    fn push(&mut self, file: &str, r: Range<usize>) {
        self.pieces.push(Piece {
            text_start: self.text.len(),
            file_start: r.start,
            len: r.len(),
        });
        self.text.push_str(&file[r]);
    }

    /// Appends another logical line (used for ONBUILD's sub-instruction).
    pub fn append(&mut self, other: &LogicalLine) {
        let base = self.text.len();
        for p in &other.pieces {
            self.pieces.push(Piece {
                text_start: base + p.text_start,
                ..*p
            });
        }
        self.text.push_str(&other.text);
    }

    /// The file offset of a text offset. An offset at a piece boundary maps
    /// to the start of the later piece.
    pub fn file_offset(&self, text_offset: usize) -> usize {
        let idx = self.pieces.partition_point(|p| p.text_start <= text_offset);
        if idx == 0 {
            return self.pieces.first().map_or(0, |p| p.file_start);
        }
        let p = self.pieces[idx - 1];
        if text_offset - p.text_start >= p.len {
            // Past the end of this piece: the start of the next one, or its own end.
            return self
                .pieces
                .get(idx)
                .map_or(p.file_start + p.len, |n| n.file_start);
        }
        p.file_start + (text_offset - p.text_start)
    }

    /// The file offset just after the character ending at `text_offset`
    /// (an offset at a piece boundary maps to the end of the earlier piece).
    pub fn file_end_offset(&self, text_offset: usize) -> usize {
        if text_offset == 0 {
            return self.file_offset(0);
        }
        self.file_offset(text_offset - 1) + 1
    }

    /// The file bytes covering a range of the text.
    pub fn file_span(&self, r: Range<usize>) -> Range<usize> {
        if r.is_empty() {
            let at = self.file_offset(r.start);
            return at..at;
        }
        self.file_offset(r.start)..self.file_end_offset(r.end)
    }

    /// The file ranges that make up a range of the text, in order.
    pub fn file_ranges(&self, r: Range<usize>) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        for p in &self.pieces {
            let (ps, pe) = (p.text_start, p.text_start + p.len);
            let (s, e) = (r.start.max(ps), r.end.min(pe));
            if s < e {
                out.push(p.file_start + (s - ps)..p.file_start + (e - ps));
            }
        }
        out
    }

    /// True when the text range comes from one contiguous run of the file.
    pub fn is_contiguous(&self, r: Range<usize>) -> bool {
        let s = self.file_span(r.clone());
        s.len() == r.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_across_removed_ranges() {
        let file = "RUN a \\\n# c\n  b\n";
        // remove "\\\n" (6..8) and "# c\n" (8..12)
        let l = LogicalLine::from_file(file, 0..15, &[6..8, 8..12]);
        assert_eq!(l.text, "RUN a   b");
        assert_eq!(l.file_offset(0), 0);
        assert_eq!(l.file_offset(6), 12);
        assert_eq!(l.file_offset(8), 14);
        assert_eq!(l.file_span(4..9), 4..15);
        assert!(!l.is_contiguous(4..9));
        assert!(l.is_contiguous(0..5));
        assert_eq!(l.file_ranges(4..9), vec![4..6, 12..15]);
    }
}
