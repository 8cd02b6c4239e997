//! Inline suppressions: dfix's own comments, hadolint's pragmas and
//! BuildKit's `# check=skip=` directive.
//!
//! - `# dfix: ignore=ID[,ID]` in the comment lines right before an
//!   instruction: that instruction only.
//! - `# dfix: file-ignore=ID[,ID]` anywhere: the whole file.
//! - `# hadolint ignore=DL3008,DL3009` right before an instruction: that
//!   instruction only; `# hadolint global ignore=...` anywhere: the whole
//!   file; `# hadolint stage ignore=...`: from the next `FROM` to the end of
//!   that stage.
//! - `# check=skip=Name[,Name]` (parser directive): the whole file; `all`
//!   means every rule that aliases a BuildKit check.
//!
//! Ids match through [`RuleMeta::is_named`], so a hadolint id suppresses the
//! dfix rule that aliases it. `ALL` matches every rule.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use dfix_grammar::Document;

use crate::diagnostic::Diagnostic;
use crate::rule::RuleMeta;

/// The suppressions of one document.
#[derive(Debug, Clone, Default)]
pub struct Suppressions {
    global: Vec<String>,
    /// Lines of an instruction (or a stage) and the codes ignored there.
    scoped: Vec<(RangeInclusive<usize>, Vec<String>)>,
}

pub(crate) enum Scope {
    Next,
    Stage,
    File,
}

/// Reads one comment's text (after `#`, trimmed) as a pragma.
pub(crate) fn parse_pragma(text: &str) -> Option<(Scope, Vec<String>)> {
    let lower = text.to_ascii_lowercase();
    let (scope, rest) = if let Some(rest) = lower.strip_prefix("dfix:") {
        let rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("file-ignore") {
            (Scope::File, r)
        } else {
            (Scope::Next, rest.strip_prefix("ignore")?)
        }
    } else if let Some(rest) = lower.strip_prefix("hadolint") {
        if !rest.starts_with([' ', '\t']) {
            return None;
        }
        let rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("global") {
            (Scope::File, r.trim_start().strip_prefix("ignore")?)
        } else if let Some(r) = rest.strip_prefix("stage") {
            (Scope::Stage, r.trim_start().strip_prefix("ignore")?)
        } else {
            (Scope::Next, rest.strip_prefix("ignore")?)
        }
    } else {
        return None;
    };
    let rest = rest.trim_start().strip_prefix('=')?;
    // The codes come from the original text (same byte offsets: ASCII lower-casing).
    let start = text.len() - rest.len();
    let codes_text = &text[start..];
    // A trailing `# reason` is allowed.
    let codes_text = codes_text.split('#').next().unwrap_or("");
    let codes: Vec<String> = codes_text
        .split(',')
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    if codes.is_empty() {
        return None;
    }
    Some((scope, codes))
}

/// True for a BuildKit check name such as `FromAsCasing`.
fn is_buildkit_name(alias: &str) -> bool {
    alias.starts_with(|c: char| c.is_ascii_uppercase())
        && alias.chars().all(|c| c.is_ascii_alphanumeric())
        && alias.chars().any(|c| c.is_ascii_lowercase())
}

pub(crate) fn code_matches(code: &str, meta: &RuleMeta) -> bool {
    code.eq_ignore_ascii_case("ALL") || meta.is_named(code)
}

impl Suppressions {
    /// Collects the suppressions of `doc`.
    pub fn parse(doc: &Document) -> Suppressions {
        let mut s = Suppressions::default();
        for d in &doc.directives {
            if d.name != "check" {
                continue;
            }
            for part in d.value.split(';') {
                if let Some(list) = part.trim().strip_prefix("skip=") {
                    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                        if name.eq_ignore_ascii_case("all") {
                            s.global.push("buildkit:all".to_string());
                        } else {
                            s.global.push(name.to_string());
                        }
                    }
                }
            }
        }
        let comment_lines: HashMap<usize, &str> = doc
            .comments
            .iter()
            .map(|c| (doc.line_of(c.span.start), c.text.as_str()))
            .collect();
        for c in &doc.comments {
            let Some((scope, codes)) = parse_pragma(&c.text) else {
                continue;
            };
            let line = doc.line_of(c.span.start);
            match scope {
                Scope::File => s.global.extend(codes),
                Scope::Stage => {
                    let stages = doc.stages();
                    if let Some(st) = stages
                        .iter()
                        .find(|st| doc.instructions[st.from].start_line > line)
                    {
                        let first = doc.instructions[st.from].start_line;
                        let last = doc.instructions[st.instructions.end - 1].end_line;
                        s.scoped.push((first..=last, codes));
                    }
                }
                Scope::Next => {
                    // The first instruction after the comment block that holds it.
                    let mut l = line + 1;
                    while comment_lines.contains_key(&l) {
                        l += 1;
                    }
                    if let Some(ins) = doc.instructions.iter().find(|i| i.start_line == l) {
                        s.scoped.push((ins.start_line..=ins.end_line, codes));
                    }
                }
            }
        }
        s
    }

    /// True when the finding is suppressed.
    pub fn is_suppressed(&self, doc: &Document, diag: &Diagnostic) -> bool {
        let meta = diag.rule;
        let global = self.global.iter().any(|c| {
            if c == "buildkit:all" {
                meta.aliases.iter().any(|a| is_buildkit_name(a))
            } else {
                code_matches(c, meta)
            }
        });
        if global {
            return true;
        }
        let line = doc.line_of(diag.span.start);
        self.scoped.iter().any(|(lines, codes)| {
            lines.contains(&line) && codes.iter().any(|c| code_matches(c, meta))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pragma_grammar() {
        let (_, codes) = parse_pragma("hadolint ignore=DL3008, DL3009 # reason").unwrap();
        assert_eq!(codes, ["DL3008", "DL3009"]);
        assert!(matches!(
            parse_pragma("hadolint global ignore=DL3003"),
            Some((Scope::File, _))
        ));
        assert!(matches!(
            parse_pragma("hadolint stage ignore = DL3011"),
            Some((Scope::Stage, _))
        ));
        assert!(matches!(
            parse_pragma("dfix: ignore=DF101,from-as-casing"),
            Some((Scope::Next, c)) if c == ["DF101", "from-as-casing"]
        ));
        assert!(matches!(
            parse_pragma("dfix: file-ignore=ALL"),
            Some((Scope::File, _))
        ));
        assert!(parse_pragma("hadolintignore=DL3000").is_none());
        assert!(parse_pragma("just a comment").is_none());
        assert!(parse_pragma("hadolint ignore=").is_none());
    }

    #[test]
    fn buildkit_names() {
        assert!(is_buildkit_name("FromAsCasing"));
        assert!(!is_buildkit_name("DL3020"));
        assert!(!is_buildkit_name("CKV_DOCKER_4"));
        assert!(!is_buildkit_name("DS-0005"));
    }
}
