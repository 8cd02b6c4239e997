//! `textDocument/hover` on a rule id in a suppression comment
//! (`# dfix: ignore=DF302`, `# hadolint ignore=DL3008`): the rule's
//! documentation, as `dfix explain` prints it.

use dfix_grammar::Document;
use lsp_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

use super::session::Session;

/// The rule id under byte `at` in a suppression comment, with its bytes.
fn id_at(doc: &Document, at: usize) -> Option<(usize, usize, &str)> {
    let src = doc.source();
    let c = doc
        .comments
        .iter()
        .find(|c| c.span.start <= at && at <= c.span.end)?;
    let raw = &src[c.span.clone()];
    let lower = raw
        .trim_start_matches('#')
        .trim_start()
        .to_ascii_lowercase();
    if !(lower.starts_with("dfix:") || lower.starts_with("hadolint")) {
        return None;
    }
    // The codes run from `=` to the end or to a `# reason`.
    let eq = raw.find('=')?;
    let codes_end = raw[eq + 1..].find('#').map_or(raw.len(), |i| eq + 1 + i);
    let mut start = c.span.start + eq + 1;
    for part in raw[eq + 1..codes_end].split(',') {
        let lead = part.len() - part.trim_start().len();
        let id = part.trim();
        let (s, e) = (start + lead, start + lead + id.len());
        if !id.is_empty() && s <= at && at <= e {
            return Some((s, e, id));
        }
        start += part.len() + 1;
    }
    None
}

/// Answers a hover request.
pub fn hover(session: &mut Session, params: HoverParams) -> Option<Hover> {
    let enc = session.encoding;
    let p = params.text_document_position_params;
    let doc = session.documents.get(p.text_document.uri.as_str())?;
    let at = doc.index.offset(&doc.text, p.position, enc);
    let parsed = Document::parse(&doc.text);
    let (s, e, id) = id_at(&parsed, at)?;
    let text = crate::commands::explain::text(id)?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(doc.index.range(&doc.text, s, e, enc)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_pragmas_only() {
        let src = "# dfix: ignore=DF101, DL3008 # why\nADD a /a\n# just DF101\nRUN x\n";
        let doc = Document::parse(src);
        let at = src.find("DL3008").unwrap();
        assert_eq!(id_at(&doc, at + 2).map(|x| x.2), Some("DL3008"));
        assert_eq!(
            id_at(&doc, src.find("DF101").unwrap()).map(|x| x.2),
            Some("DF101")
        );
        assert_eq!(id_at(&doc, src.find("why").unwrap()), None);
        assert_eq!(id_at(&doc, src.find("just DF101").unwrap() + 6), None);
    }
}
