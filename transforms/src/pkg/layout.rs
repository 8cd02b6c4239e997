//! Edits that keep the author's layout: a flag after a word, a command
//! appended at the end of a RUN, a command removed from a chain, and the
//! text that joins two RUNs.

use std::ops::Range;

use dfix_grammar::shell::{Operator, Statement, Word};
use dfix_grammar::{Document, Instruction};

use super::{indent_of_line, line_start, op_after, sets_errexit, RunScript, ScriptKind};
use crate::edit::Edit;

/// Inserts ` text` right after `word` (e.g. ` -y` after `install`).
pub fn insert_after(word: &Word, text: &str) -> Edit {
    Edit::insert(word.span.end, format!(" {text}"))
}

/// Where the chain operators of a multi-line RUN sit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainStyle {
    /// `a && \` then `    b`: the operator ends the line.
    Trailing,
    /// `a \` then `    && b`: the operator starts the line.
    Leading,
}

/// How to join an appended command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Separator {
    /// `;` when the script runs under `set -e` and already chains its
    /// statements with `;` only, else `&&`.
    Auto,
    /// Always `&&`.
    And,
    /// `;` when the script runs under `set -e`, else `&&` (a `;` without
    /// `set -e` would hide a failure of the command before it).
    Semicolon,
}

impl Separator {
    /// Reads the `separator` option value.
    pub fn from_option(s: &str) -> Separator {
        match s {
            "&&" | "and" => Separator::And,
            ";" | "semicolon" => Separator::Semicolon,
            _ => Separator::Auto,
        }
    }
}

/// The style of a shell-form RUN's chains, and the indentation of the line
/// holding the last operator that starts a line (for the leading style).
fn chain_style(src: &str, statements: &[Statement], escape: char) -> (ChainStyle, Option<usize>) {
    let mut style = ChainStyle::Trailing;
    let mut at = None;
    for s in statements {
        for it in &s.items {
            let Some((op, r)) = &it.operator_after else {
                continue;
            };
            if matches!(op, Operator::Newline | Operator::Background) {
                continue;
            }
            let before = &src[line_start(src, r.start)..r.start];
            let after = src[r.end..].trim_start_matches([' ', '\t']);
            let esc = escape.to_string();
            if after.starts_with(&format!("{esc}\n")) || after.starts_with(&format!("{esc}\r\n")) {
                style = ChainStyle::Trailing;
            } else if before.trim().is_empty() {
                style = ChainStyle::Leading;
                at = Some(r.start);
            }
        }
    }
    (style, at)
}

/// True when top-level statements are chained with `;`/newlines only
/// (no `&&` or `||` between pipelines).
fn semicolon_style(statements: &[Statement]) -> bool {
    statements.len() > 1 && statements.iter().all(|s| s.items.len() == 1)
}

/// The indentation for a new continuation line of `ins`: that of the
/// physical line where the last pipeline of the script starts, or of the
/// instruction's second line when that pipeline starts on the first.
fn continuation_indent_at(doc: &Document, ins: &Instruction, at: usize) -> String {
    let src = doc.source();
    if line_start(src, at) > line_start(src, ins.span.start) {
        return indent_of_line(src, at).to_string();
    }
    match src[ins.span.start..ins.span.end].find('\n') {
        Some(i) => indent_of_line(src, ins.span.start + i + 1).to_string(),
        None => "    ".to_string(),
    }
}

/// Why an edit could not be made.
pub type Blocked = &'static str;

/// An edit appending `command` at the end of the script `rs` of `ins`,
/// joined to the last statement in the author's style: inline on a
/// one-line RUN (` && command`), on a new continuation line otherwise
/// (` && \` + line end + indentation + `command`, or the leading-operator
/// form), a new line under `set -e` in a heredoc body.
pub fn append_command(
    doc: &Document,
    ins: &Instruction,
    rs: &RunScript,
    command: &str,
    separator: Separator,
) -> Result<Edit, Blocked> {
    let src = doc.source();
    if rs.kind == ScriptKind::ShellWithHeredoc {
        return Err("the RUN line opens a heredoc");
    }
    let statements = rs.statements();
    let Some(last) = statements.last() else {
        return Err("empty RUN");
    };
    if matches!(last.terminator(), Some((Operator::Background, _))) {
        return Err("the last command runs in the background");
    }
    let anchor = last.span.end;
    let errexit = sets_errexit(statements);
    let eol = doc.line_ending();
    if rs.kind == ScriptKind::HeredocBody {
        if errexit {
            let indent = indent_of_line(src, last.span.start);
            let body_eol = if src[anchor..].starts_with("\r\n") {
                "\r\n"
            } else {
                "\n"
            };
            return Ok(Edit::insert(anchor, format!("{body_eol}{indent}{command}")));
        }
        return Ok(Edit::insert(anchor, format!(" && {command}")));
    }
    let sep = match separator {
        Separator::And => "&&",
        Separator::Semicolon if errexit => ";",
        Separator::Auto if errexit && semicolon_style(statements) => ";",
        _ => "&&",
    };
    let multi_line = src[ins.span.start..anchor].contains('\n');
    if !multi_line {
        return Ok(Edit::insert(anchor, format!(" {sep} {command}")));
    }
    let esc = rs.escape;
    let (style, leading_at) = chain_style(src, statements, esc);
    let last_item = last
        .items
        .last()
        .map_or(last.span.start, |i| i.pipeline.span.start);
    let text = match (style, leading_at) {
        (ChainStyle::Leading, Some(op_at)) => {
            let indent = indent_of_line(src, op_at);
            format!(" {esc}{eol}{indent}{sep} {command}")
        }
        _ => {
            let indent = continuation_indent_at(doc, ins, last_item);
            let sep_text = if sep == ";" {
                ";".to_string()
            } else {
                format!(" {sep}")
            };
            format!("{sep_text} {esc}{eol}{indent}{command}")
        }
    };
    Ok(Edit::insert(anchor, text))
}

/// The bytes to delete to remove item `item` of statement `stmt` of the
/// script, with the operator that joins it to its neighbours, so that the
/// rest of the chain keeps its meaning. `None` when removing it would
/// change the meaning of the chain (`a || b`), leave nothing behind, or
/// drop a comment.
pub fn removal_range(
    ins: &Instruction,
    statements: &[Statement],
    stmt: usize,
    item: usize,
) -> Option<Range<usize>> {
    let s = statements.get(stmt)?;
    let range = if s.items.len() == 1 {
        if let Some(next) = statements.get(stmt + 1) {
            s.span.start..next.span.start
        } else if stmt > 0 {
            statements[stmt - 1].span.end..s.span.end
        } else {
            return None;
        }
    } else {
        let and_before = item == 0 || op_after(s, item - 1) == Some(Operator::And);
        let and_after = item + 1 == s.items.len() || op_after(s, item) == Some(Operator::And);
        if !and_before || !and_after {
            return None;
        }
        if item + 1 < s.items.len() {
            s.items[item].pipeline.span.start..s.items[item + 1].pipeline.span.start
        } else {
            s.items[item - 1].pipeline.span.end..s.items[item].pipeline.span.end
        }
    };
    let drops_comment = ins
        .effective()
        .inner_comments
        .iter()
        .any(|c| c.start < range.end && range.start < c.end);
    (!drops_comment).then_some(range)
}
