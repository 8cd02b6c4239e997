//! What makes a Dockerfile impossible to build although it parses: an
//! instruction BuildKit does not know. BuildKit's parser accepts any first
//! word of a line as an instruction (so a YAML file or a typo parses), and
//! its build then fails with `unknown instruction`. Such a file is an error
//! for dfix, never something to fix: the engine refuses it
//! ([`crate::FixError::UnknownInstruction`]) and the application reports it.

use dfix_grammar::{Document, Kind};

/// The instructions BuildKit knows, upper case.
pub const KEYWORDS: &[&str] = &[
    "FROM",
    "RUN",
    "CMD",
    "LABEL",
    "MAINTAINER",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "VOLUME",
    "USER",
    "WORKDIR",
    "ARG",
    "ONBUILD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
];

/// An instruction BuildKit does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownInstruction {
    /// 1-based line of the instruction.
    pub line: usize,
    /// The word as written.
    pub keyword: String,
    /// The known instruction it is most likely a misspelling of.
    pub suggestion: Option<&'static str>,
}

impl std::fmt::Display for UnknownInstruction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown instruction `{}`", self.keyword)?;
        if let Some(s) = self.suggestion {
            write!(f, " (did you mean `{s}`?)")?;
        }
        Ok(())
    }
}

/// The first instruction of `doc` that BuildKit does not know. Only
/// top-level instructions count: BuildKit checks an ONBUILD trigger when a
/// child image builds, not when this one does.
pub fn unknown_instruction(doc: &Document) -> Option<UnknownInstruction> {
    let ins = doc.instructions.iter().find(|i| i.kind == Kind::Unknown)?;
    Some(UnknownInstruction {
        line: ins.start_line,
        keyword: ins.keyword.clone(),
        suggestion: suggest(&ins.keyword),
    })
}

/// The known instruction closest to `word`, when it is close enough to be
/// a typo: at most one edit for short words, two for longer ones (an edit
/// being an insertion, deletion, substitution or swap of neighbours).
fn suggest(word: &str) -> Option<&'static str> {
    let upper = word.to_ascii_uppercase();
    let limit = if upper.chars().count() <= 4 { 1 } else { 2 };
    KEYWORDS
        .iter()
        .map(|k| (edit_distance(&upper, k), *k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Optimal string alignment distance between `a` and `b`, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // rows[i][j]: distance between a[..i] and b[..j]; three rows suffice.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(before[j - 2] + 1);
            }
        }
        before = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_the_known_kinds() {
        assert_eq!(KEYWORDS.len(), 18);
        for k in KEYWORDS {
            assert_eq!(Kind::from_keyword(k).canonical(), Some(*k));
        }
    }

    #[test]
    fn finds_the_first_unknown_top_level_instruction() {
        let doc = Document::parse("FROM a\nrun ls\nRNU echo hi\nCPOY . .\n");
        let u = unknown_instruction(&doc).unwrap();
        assert_eq!(u.line, 3);
        assert_eq!(u.keyword, "RNU");
        assert_eq!(u.suggestion, Some("RUN"));
        assert_eq!(
            u.to_string(),
            "unknown instruction `RNU` (did you mean `RUN`?)"
        );
        // Lower case and ONBUILD triggers are not unknown.
        let doc = Document::parse("from a\nonbuild FOO bar\nworkdir /x\n");
        assert_eq!(unknown_instruction(&doc), None);
    }

    #[test]
    fn suggests_only_close_words() {
        assert_eq!(suggest("WORKDIRR"), Some("WORKDIR"));
        assert_eq!(suggest("entrypiont"), Some("ENTRYPOINT"));
        assert_eq!(suggest("services:"), None);
        assert_eq!(suggest("image:"), None);
        assert_eq!(suggest("XYZ"), None);
        assert_eq!(edit_distance("RNU", "RUN"), 1);
        assert_eq!(edit_distance("", "ARG"), 3);
        assert_eq!(edit_distance("COPY", "COPY"), 0);
    }
}
