//! Edits and fixes: byte-range replacements and how safe they are to apply.

use std::ops::Range;

/// One replacement of a byte range of the source.
///
/// An empty range is an insertion; an empty replacement is a deletion.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Edit {
    /// Bytes of the source that are replaced.
    pub range: Range<usize>,
    /// The new text.
    pub replacement: String,
}

impl Edit {
    /// Replace `range` with `replacement`.
    pub fn replace(range: Range<usize>, replacement: impl Into<String>) -> Edit {
        Edit {
            range,
            replacement: replacement.into(),
        }
    }

    /// Delete `range`.
    pub fn delete(range: Range<usize>) -> Edit {
        Edit::replace(range, String::new())
    }

    /// Insert `text` at `at`.
    pub fn insert(at: usize, text: impl Into<String>) -> Edit {
        Edit::replace(at..at, text)
    }

    /// True when applying both edits in one pass would be ambiguous or
    /// would touch the same bytes.
    ///
    /// Ranges that merely touch do not conflict, except two insertions at
    /// the same offset (their relative order would be arbitrary).
    pub fn conflicts_with(&self, other: &Edit) -> bool {
        let (a, b) = (&self.range, &other.range);
        if a.is_empty() && b.is_empty() {
            return a.start == b.start;
        }
        a.start < b.end && b.start < a.end
    }
}

/// How safe a fix is to apply, as in ruff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Applicability {
    /// Shown to the user, never applied.
    DisplayOnly,
    /// Valid output, but behaviour may change: applied only with `--unsafe-fixes`.
    Unsafe,
    /// Meaning preserved: applied by default.
    Safe,
}

impl Applicability {
    /// The lower-case name used in machine-readable output.
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
            Applicability::DisplayOnly => "display-only",
        }
    }

    /// True when a fix of this applicability is applied with the given setting.
    pub fn is_applied(self, unsafe_fixes: bool) -> bool {
        match self {
            Applicability::Safe => true,
            Applicability::Unsafe => unsafe_fixes,
            Applicability::DisplayOnly => false,
        }
    }
}

/// A set of edits that together fix one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// Non-overlapping edits, applied together or not at all.
    pub edits: Vec<Edit>,
    /// Whether the fix is applied by default.
    pub applicability: Applicability,
    /// What the fix does, e.g. ``Replace `ADD` with `COPY` ``.
    pub message: String,
    /// The fix restructures the file (e.g. splits a stage): it is applied in
    /// a round of its own, so that other rules see the new structure before
    /// they edit (a user added to the build stage that is about to become a
    /// builder would be wasted work).
    pub exclusive: bool,
    /// Edits to another file: the `.dockerignore` of the build context
    /// instead of the Dockerfile (`edits` then empty:
    /// [`crate::engine::companion_files`] gathers them and the application
    /// decides whether it may write the file), or a file beside a Compose
    /// file that goes with `edits` (the secret file a value moves to):
    /// written with the fixed file or not at all
    /// ([`crate::engine::applied_companions`]).
    pub companion: Option<CompanionEdit>,
}

/// A fix's edits to a file beside the Dockerfile (the `.dockerignore` of
/// its build context), created when it does not exist yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanionEdit {
    /// The file, relative to the build context root, `/`-separated.
    pub path: String,
    /// Its current text; `None` when the fix creates it.
    pub original: Option<String>,
    /// Edits to `original` (to the empty text when it is created).
    pub edits: Vec<Edit>,
}

impl Fix {
    /// A fix that keeps the meaning of the Dockerfile.
    pub fn safe(message: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            edits,
            applicability: Applicability::Safe,
            message: message.into(),
            exclusive: false,
            companion: None,
        }
    }

    /// A fix that may change behaviour.
    pub fn unsafe_fix(message: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            edits,
            applicability: Applicability::Unsafe,
            message: message.into(),
            exclusive: false,
            companion: None,
        }
    }

    /// A fix that is only shown.
    pub fn display_only(message: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            edits,
            applicability: Applicability::DisplayOnly,
            message: message.into(),
            exclusive: false,
            companion: None,
        }
    }

    /// A fix that edits (or creates) another file of the build context and
    /// not the Dockerfile; `safe` says whether it is applied by default.
    pub fn companion(message: impl Into<String>, safe: bool, edit: CompanionEdit) -> Fix {
        Fix {
            edits: Vec::new(),
            applicability: if safe {
                Applicability::Safe
            } else {
                Applicability::Unsafe
            },
            message: message.into(),
            exclusive: false,
            companion: Some(edit),
        }
    }

    /// The fix with a companion file that goes with its edits.
    pub fn with_companion(mut self, edit: CompanionEdit) -> Fix {
        self.companion = Some(edit);
        self
    }

    /// Marks the fix as one that is applied in a round of its own.
    pub fn exclusive(mut self) -> Fix {
        self.exclusive = true;
        self
    }

    /// True when any edit of `self` conflicts with any edit of `other`.
    pub fn conflicts_with(&self, other: &Fix) -> bool {
        self.edits
            .iter()
            .any(|a| other.edits.iter().any(|b| a.conflicts_with(b)))
    }
}

/// Why a set of edits cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditError {
    /// Two edits overlap.
    Overlap(Range<usize>, Range<usize>),
    /// An edit lies outside the text or splits a UTF-8 character.
    OutOfBounds(Range<usize>),
}

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EditError::Overlap(a, b) => write!(f, "edits {a:?} and {b:?} overlap"),
            EditError::OutOfBounds(r) => write!(f, "edit {r:?} is outside the text"),
        }
    }
}

impl std::error::Error for EditError {}

/// Applies non-overlapping edits to `source`, in any order given.
pub fn apply_edits(source: &str, edits: &[Edit]) -> Result<String, EditError> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    // Stable: insertions before a replacement starting at the same offset.
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    for e in &sorted {
        let r = &e.range;
        if r.start > r.end
            || r.end > source.len()
            || !source.is_char_boundary(r.start)
            || !source.is_char_boundary(r.end)
        {
            return Err(EditError::OutOfBounds(r.clone()));
        }
    }
    for pair in sorted.windows(2) {
        if pair[0].conflicts_with(pair[1]) {
            return Err(EditError::Overlap(
                pair[0].range.clone(),
                pair[1].range.clone(),
            ));
        }
    }
    let mut out = String::with_capacity(source.len());
    let mut pos = 0;
    for e in sorted {
        out.push_str(&source[pos..e.range.start]);
        out.push_str(&e.replacement);
        pos = e.range.end;
    }
    out.push_str(&source[pos..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_in_offset_order() {
        let out = apply_edits(
            "hello world",
            &[Edit::replace(6..11, "there"), Edit::insert(0, ">> ")],
        )
        .unwrap();
        assert_eq!(out, ">> hello there");
    }

    #[test]
    fn insertion_before_replacement_at_same_offset() {
        let out = apply_edits("abc", &[Edit::replace(1..2, "X"), Edit::insert(1, "+")]).unwrap();
        assert_eq!(out, "a+Xc");
    }

    #[test]
    fn rejects_overlaps_and_bad_ranges() {
        assert!(matches!(
            apply_edits("abcdef", &[Edit::delete(0..3), Edit::delete(2..4)]),
            Err(EditError::Overlap(..))
        ));
        assert!(matches!(
            apply_edits("ab", &[Edit::insert(1, "x"), Edit::insert(1, "y")]),
            Err(EditError::Overlap(..))
        ));
        assert!(matches!(
            apply_edits("ab", &[Edit::delete(1..5)]),
            Err(EditError::OutOfBounds(_))
        ));
        // Splitting a multi-byte character.
        assert!(matches!(
            apply_edits("é", &[Edit::delete(0..1)]),
            Err(EditError::OutOfBounds(_))
        ));
    }

    #[test]
    fn touching_ranges_do_not_conflict() {
        assert!(!Edit::delete(0..2).conflicts_with(&Edit::delete(2..4)));
        assert!(!Edit::insert(2, "x").conflicts_with(&Edit::delete(2..4)));
        assert!(Edit::insert(3, "x").conflicts_with(&Edit::delete(2..4)));
    }

    #[test]
    fn applicability_gate() {
        assert!(Applicability::Safe.is_applied(false));
        assert!(!Applicability::Unsafe.is_applied(false));
        assert!(Applicability::Unsafe.is_applied(true));
        assert!(!Applicability::DisplayOnly.is_applied(true));
    }
}
