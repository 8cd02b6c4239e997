//! Inline suppressions in Compose files, the Dockerfile form in YAML
//! comments:
//!
//! - `# dfix: ignore=ID[,ID]` on its own line: the key (or list item) on the
//!   next line that is not a comment, with everything under it (above a
//!   service: the whole service);
//! - the same at the end of a line: that line's key or item;
//! - `# dfix: file-ignore=ID[,ID]` anywhere: the whole file.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use dfix_grammar::compose::{ComposeFile, Map, Node_, Value};

use crate::diagnostic::Diagnostic;
use crate::suppression::{code_matches, parse_pragma, Scope};

/// The suppressions of one Compose file.
#[derive(Debug, Default)]
pub struct ComposeSuppressions {
    global: Vec<String>,
    scoped: Vec<(RangeInclusive<usize>, Vec<String>)>,
}

/// First line → last line of every key and item that starts on it.
fn spans(file: &ComposeFile, node: &Node_, out: &mut BTreeMap<usize, usize>) {
    match &node.value {
        Value::Map(m) => map_spans(file, m, out),
        Value::Seq(s) => {
            for i in &s.items {
                let first = file.line_of(i.span.start);
                let last = file.line_of(i.span.end.saturating_sub(1).max(i.span.start));
                let e = out.entry(first).or_insert(last);
                *e = (*e).max(last);
                if let Some(v) = &i.value {
                    spans(file, v, out);
                }
            }
        }
        _ => {}
    }
}

fn map_spans(file: &ComposeFile, m: &Map, out: &mut BTreeMap<usize, usize>) {
    for p in &m.pairs {
        let first = file.line_of(p.key_span.start);
        let last = file.line_of(p.span.end.saturating_sub(1).max(p.key_span.start));
        let e = out.entry(first).or_insert(last);
        *e = (*e).max(last);
        if let Some(v) = &p.value {
            spans(file, v, out);
        }
    }
}

/// The pragma text of a comment at the end of `line`, if there is one.
fn trailing_comment(line: &str) -> Option<&str> {
    let i = line.find("# dfix:")?;
    (i == 0 || line[..i].ends_with([' ', '\t'])).then(|| &line[i + 1..])
}

impl ComposeSuppressions {
    /// Collects the suppressions of `file`.
    pub fn parse(file: &ComposeFile) -> ComposeSuppressions {
        let mut s = ComposeSuppressions::default();
        let mut starts = BTreeMap::new();
        if let Some(root) = &file.root {
            spans(file, root, &mut starts);
        }
        let lines: Vec<&str> = file.source().lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let n = i + 1;
            let trimmed = line.trim();
            let (own_line, text) = if let Some(c) = trimmed.strip_prefix('#') {
                (true, c.trim())
            } else if let Some(c) = trailing_comment(line) {
                (false, c.trim())
            } else {
                continue;
            };
            let Some((scope, codes)) = parse_pragma(text) else {
                continue;
            };
            if matches!(scope, Scope::File) {
                s.global.extend(codes);
                continue;
            }
            let mut target = n;
            if own_line {
                target += 1;
                while lines.get(target - 1).is_some_and(|l| {
                    let t = l.trim();
                    t.is_empty() || t.starts_with('#')
                }) {
                    target += 1;
                }
            }
            let last = starts.get(&target).copied().unwrap_or(target);
            s.scoped.push((target..=last, codes));
        }
        s
    }

    /// True when the finding is suppressed.
    pub fn is_suppressed(&self, file: &ComposeFile, d: &Diagnostic) -> bool {
        if self.global.iter().any(|c| code_matches(c, d.rule)) {
            return true;
        }
        let line = file.line_of(d.span.start);
        self.scoped.iter().any(|(lines, codes)| {
            lines.contains(&line) && codes.iter().any(|c| code_matches(c, d.rule))
        })
    }
}
