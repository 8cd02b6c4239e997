//! `textDocument/codeAction`: a quick fix per fixable finding in the range
//! (unsafe ones labelled and never preferred), "ignore this rule here"
//! (the suppression comment on the line before the instruction), and
//! `source.fixAll.dfix`, the CLI's whole fix loop.

use std::collections::{BTreeSet, HashMap};

use dfix_grammar::Document;
use dfix_transforms::Applicability;
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams,
    OptionalVersionedTextDocumentIdentifier, TextDocumentEdit, TextEdit, Uri, WorkspaceEdit,
};

use super::convert::Encoding;
use super::diagnostics::to_lsp;
use super::formatting::fix_all_edits;
use super::session::Session;

/// The fix-all kind (a `source.fixAll` action, as VS Code, Zed and Helix
/// run on save).
pub const FIX_ALL: &str = "source.fixAll.dfix";

/// True when an action of `kind` was asked for: no `only`, or an `only`
/// kind equal to it or a prefix of it at a dot (`source` asks for
/// `source.fixAll.dfix`).
fn wanted(only: Option<&Vec<CodeActionKind>>, kind: &str) -> bool {
    only.is_none_or(|o| {
        o.iter().any(|k| {
            let k = k.as_str();
            kind == k || kind.strip_prefix(k).is_some_and(|r| r.starts_with('.'))
        })
    })
}

/// A workspace edit of one document; with the version when the client
/// checks it.
fn edit_of(session: &Session, uri: &Uri, edits: Vec<TextEdit>) -> WorkspaceEdit {
    let version = session.documents.get(uri.as_str()).map(|d| d.version);
    if session.caps.document_changes {
        WorkspaceEdit {
            document_changes: Some(lsp_types::DocumentChanges::Edits(vec![TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier {
                    uri: uri.clone(),
                    version,
                },
                edits: edits.into_iter().map(lsp_types::OneOf::Left).collect(),
            }])),
            ..WorkspaceEdit::default()
        }
    } else {
        WorkspaceEdit {
            changes: Some(HashMap::from([(uri.clone(), edits)])),
            ..WorkspaceEdit::default()
        }
    }
}

/// The workspace edit of a fix to another file of the build context (the
/// `.dockerignore` DF601 creates, DF602 and DF604 change), for the
/// document saved at `dockerfile`: a `CreateFile` and the text for a new
/// file (only when the client can create files), an edit of the file
/// otherwise. `None` when the client cannot take it: no versioned
/// document changes, or no file creation for a new file.
fn companion_edit(
    session: &Session,
    dockerfile: &std::path::Path,
    edit: &dfix_transforms::CompanionEdit,
) -> Option<WorkspaceEdit> {
    use lsp_types::{
        CreateFile, CreateFileOptions, DocumentChangeOperation, DocumentChanges, ResourceOp,
    };
    if !session.caps.document_changes {
        return None;
    }
    let root = crate::build_context::context_root(dockerfile);
    let target = root.join(&edit.path);
    let target = if target.is_absolute() {
        target
    } else {
        std::env::current_dir().ok()?.join(target)
    };
    let uri = super::convert::path_to_uri(&target)?;
    let before = edit.original.as_deref().unwrap_or("");
    let after = dfix_transforms::apply_edits(before, &edit.edits).ok()?;
    let text_edit = |edits: Vec<TextEdit>| TextDocumentEdit {
        text_document: OptionalVersionedTextDocumentIdentifier {
            uri: uri.clone(),
            version: None,
        },
        edits: edits.into_iter().map(lsp_types::OneOf::Left).collect(),
    };
    let changes = match &edit.original {
        None if session.caps.create_files => DocumentChanges::Operations(vec![
            DocumentChangeOperation::Op(ResourceOp::Create(CreateFile {
                uri: uri.clone(),
                // Never over a file that appeared since the check.
                options: Some(CreateFileOptions {
                    overwrite: Some(false),
                    ignore_if_exists: Some(false),
                }),
                annotation_id: None,
            })),
            DocumentChangeOperation::Edit(text_edit(vec![TextEdit {
                range: lsp_types::Range::default(),
                new_text: after,
            }])),
        ]),
        None => return None,
        Some(_) => DocumentChanges::Edits(vec![text_edit(
            super::convert::replacement(before, &after, session.encoding)
                .into_iter()
                .collect(),
        )]),
    };
    Some(WorkspaceEdit {
        document_changes: Some(changes),
        ..WorkspaceEdit::default()
    })
}

/// The text and place of the suppression comment for a finding at byte
/// `at`: on its own line right before the instruction that holds `at`
/// (where `# dfix: ignore=` applies), indented like it. `None` outside an
/// instruction.
fn ignore_edit(doc: &Document, at: usize, id: &str) -> Option<(usize, String)> {
    let line = doc.line_of(at);
    let ins = doc
        .instructions
        .iter()
        .find(|i| i.start_line <= line && line <= i.end_line)?;
    let start = doc.line_start(ins.start_line);
    let src = doc.source();
    let indent: String = src[start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let le = dfix_transforms::style::Style::of(doc).line_ending;
    Some((start, format!("{indent}# dfix: ignore={id}{le}")))
}

/// The same for a Compose file: a comment line above the finding's line at
/// its indentation (the `-` of a list item, the key of a mapping), which
/// the Compose suppressions read as "this key or item".
fn compose_ignore_edit(text: &str, at: usize, id: &str) -> (usize, String) {
    let start = text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let indent: String = text[start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let le = if text.contains("\r\n") { "\r\n" } else { "\n" };
    (start, format!("{indent}# dfix: ignore={id}{le}"))
}

/// Answers a code action request.
pub fn code_actions(
    session: &mut Session,
    params: CodeActionParams,
) -> Option<Vec<CodeActionOrCommand>> {
    let uri = params.text_document.uri;
    let only = params.context.only.as_ref();
    let enc: Encoding = session.encoding;
    let mut actions = Vec::new();
    if wanted(only, CodeActionKind::QUICKFIX.as_str()) {
        let outcome = session.check(&uri)?.clone();
        let doc = session.documents.get(uri.as_str())?;
        let (text, index) = (&doc.text, &doc.index);
        let from = index.offset(text, params.range.start, enc);
        let to = index.offset(text, params.range.end, enc);
        let parsed = Document::parse(text);
        let compose = crate::kind::by_name(&doc.path) == Some(crate::kind::FileKind::Compose);
        let mut ignored = BTreeSet::new();
        let mut ignores = Vec::new();
        for d in &outcome.diagnostics {
            if d.span.start > to || d.span.end < from {
                continue;
            }
            let lsp = to_lsp(d, text, index, enc);
            let id = d.rule.id;
            if let Some(fix) = d
                .fix
                .as_ref()
                .filter(|f| f.applicability != Applicability::DisplayOnly)
            {
                let safe = fix.applicability == Applicability::Safe;
                // A fix of another file (the context's `.dockerignore`):
                // offered only when the client can take that edit.
                let other_file = match &fix.companion {
                    Some(c) => match companion_edit(session, &doc.path, c) {
                        Some(edit) => Some(edit),
                        None => continue,
                    },
                    None => None,
                };
                let edits = fix
                    .edits
                    .iter()
                    .map(|e| TextEdit {
                        range: index.range(text, e.range.start, e.range.end, enc),
                        new_text: e.replacement.clone(),
                    })
                    .collect();
                actions.push(CodeAction {
                    title: format!(
                        "dfix ({id}): {}{}",
                        fix.message,
                        if safe { "" } else { " (unsafe)" }
                    ),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![lsp.clone()]),
                    edit: Some(other_file.unwrap_or_else(|| edit_of(session, &uri, edits))),
                    is_preferred: Some(safe),
                    ..CodeAction::default()
                });
            }
            let ignore = if compose {
                Some(compose_ignore_edit(text, d.span.start, id))
            } else {
                ignore_edit(&parsed, d.span.start, id)
            };
            if let Some((at, comment)) = ignore {
                // One comment per rule and instruction, however many findings.
                if ignored.insert((id, at)) {
                    let pos = index.position(text, at, enc);
                    let edit = TextEdit {
                        range: lsp_types::Range::new(pos, pos),
                        new_text: comment,
                    };
                    ignores.push(CodeAction {
                        title: format!("dfix ({id}): ignore this rule here"),
                        kind: Some(CodeActionKind::QUICKFIX),
                        diagnostics: Some(vec![lsp]),
                        edit: Some(edit_of(session, &uri, vec![edit])),
                        is_preferred: Some(false),
                        ..CodeAction::default()
                    });
                }
            }
        }
        // Fixes first: editors offer the first action first.
        actions.extend(ignores);
    }
    if wanted(only, FIX_ALL) {
        if let Some(edits) = fix_all_edits(session, &uri) {
            actions.push(CodeAction {
                title: "dfix: fix all".to_string(),
                kind: Some(CodeActionKind::new(FIX_ALL)),
                edit: Some(edit_of(session, &uri, edits)),
                ..CodeAction::default()
            });
        }
    }
    Some(
        actions
            .into_iter()
            .map(CodeActionOrCommand::CodeAction)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_matches_by_prefix_at_a_dot() {
        let only = |k: &[&'static str]| -> Vec<CodeActionKind> {
            k.iter().map(|s| CodeActionKind::new(s)).collect()
        };
        assert!(wanted(None, FIX_ALL));
        for k in [
            &["source"][..],
            &["source.fixAll"],
            &[FIX_ALL],
            &["quickfix", "source"],
        ] {
            assert!(wanted(Some(&only(k)), FIX_ALL), "{k:?}");
        }
        for k in [
            &["source.fix"][..],
            &["quickfix"],
            &["source.fixAll.ruff"],
            &[],
        ] {
            assert!(!wanted(Some(&only(k)), FIX_ALL), "{k:?}");
        }
    }
}
