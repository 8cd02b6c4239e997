//! `textDocument/formatting`: exactly what `dfix - --stdin-filename PATH`
//! prints, as one edit over the changed lines; nothing when that command
//! would print nothing (a parse error, an unknown instruction, a file of
//! another kind).

use lsp_types::{DocumentFormattingParams, TextEdit, Uri};

use super::convert::replacement;
use super::session::Session;

/// The edit that turns the document into the fixed text; `None` when
/// there is no fixed text (the client keeps its buffer), an empty list
/// when nothing changes.
pub fn fix_all_edits(session: &mut Session, uri: &Uri) -> Option<Vec<TextEdit>> {
    let enc = session.encoding;
    let outcome = session.fixed(uri)?;
    if outcome.error.is_some() || outcome.skipped.is_some() {
        return None;
    }
    let after = outcome.output.clone()?;
    let doc = session.documents.get(uri.as_str())?;
    Some(replacement(&doc.text, &after, enc).into_iter().collect())
}

/// Answers a formatting request.
pub fn format(session: &mut Session, params: DocumentFormattingParams) -> Option<Vec<TextEdit>> {
    fix_all_edits(session, &params.text_document.uri)
}
