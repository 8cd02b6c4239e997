//! Pieces shared by several rules.

use dfix_grammar::{Document, Kind};

use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::rule::{Context, RuleMeta};
use crate::style::instruction_lines;

/// Findings for every instruction of `kind` in a stage that a later one of
/// the same kind overrides, each with a safe fix that deletes it (only the
/// last one in a stage takes effect). ONBUILD instructions are not counted:
/// they act in a later build.
pub fn earlier_duplicates(ctx: &Context, kind: Kind, meta: &'static RuleMeta) -> Vec<Diagnostic> {
    let doc: &Document = ctx.doc;
    let mut out = Vec::new();
    for stage in doc.stages() {
        let of_kind: Vec<usize> = stage
            .instructions
            .clone()
            .filter(|&i| doc.instructions[i].kind == kind)
            .collect();
        let Some((_, earlier)) = of_kind.split_last() else {
            continue;
        };
        let last_line = of_kind
            .last()
            .map_or(0, |&i| doc.instructions[i].start_line);
        for &i in earlier {
            let ins = &doc.instructions[i];
            let keyword = kind.canonical().unwrap_or("instruction");
            out.push(
                Diagnostic::new(
                    meta,
                    format!(
                        "Multiple {keyword} instructions in one stage: only the last one (line {last_line}) takes effect"
                    ),
                    ins.span.clone(),
                )
                .with_fix(Fix::safe(
                    format!("Remove the overridden {keyword}"),
                    vec![Edit::delete(instruction_lines(doc, ins))],
                )),
            );
        }
    }
    out
}

/// The fix that gives the image reference written at `span` the tag
/// `new_tag` (`tag` is the old tag's range inside the reference), dropping
/// a digest pin. The edit also covers the character after the reference,
/// so that it conflicts with the pinning rule's insertion at the tag's end
/// (a digest of the old tag must never land on the new one); at the very
/// end of the file, where there is no such character, the fix takes a
/// round of its own instead.
pub fn retag_fix(
    source: &str,
    span: &std::ops::Range<usize>,
    tag: &std::ops::Range<usize>,
    new_tag: &str,
    message: String,
) -> Fix {
    let start = span.start + tag.start;
    match source[span.end..].chars().next() {
        Some(c) => Fix::unsafe_fix(
            message,
            vec![Edit::replace(
                start..span.end + c.len_utf8(),
                format!("{new_tag}{c}"),
            )],
        ),
        None => Fix::unsafe_fix(message, vec![Edit::replace(start..span.end, new_tag)]).exclusive(),
    }
}
