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
