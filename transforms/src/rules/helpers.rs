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

/// The finding of a rule that moves a runtime stage's image to another tag
/// of its family (DF260 to the slim variant, DF261 to the JRE): with the
/// retag fix when nothing in `blocks` stands in the way and the image is
/// written in its FROM itself, else naming every reason it is kept, with a
/// display-only suggestion. `found` says what is wrong; `keeps` what the
/// stage still needs (for the suggestion).
#[allow(clippy::too_many_arguments)]
pub fn retag_finding(
    meta: &'static crate::rule::RuleMeta,
    source: &str,
    u: &crate::rules::image_refs::ImageUse,
    reference: &dfix_grammar::image_ref::ImageRef,
    new_tag: &str,
    suggested: &str,
    found: String,
    keeps: &str,
    mut blocks: Vec<String>,
) -> crate::diagnostic::Diagnostic {
    use crate::diagnostic::Diagnostic;
    use crate::rules::image_refs::ImageSite;
    let literal = match (&u.site, &u.literal_span) {
        (ImageSite::From, Some(span)) => Some(span.clone()),
        _ => None,
    };
    if literal.is_none() {
        blocks.push("the image comes from an ARG default, which other stages may share".into());
    }
    match (blocks.is_empty(), literal, reference.tag_span()) {
        (true, Some(span), Some(tag)) => {
            let note = if reference.digest().is_some() {
                " (the digest pin goes with the old tag; DF250 pins the new one)"
            } else {
                ""
            };
            Diagnostic::new(meta, found, u.span.clone()).with_fix(retag_fix(
                source,
                &span,
                &tag,
                new_tag,
                format!("Use `{suggested}`{note}"),
            ))
        }
        _ => Diagnostic::new(
            meta,
            format!("{found}; kept because {}", blocks.join("; ")),
            u.span.clone(),
        )
        .with_fix(Fix::display_only(
            format!("Use `{suggested}` once the stage no longer needs {keeps}"),
            Vec::new(),
        )),
    }
}
