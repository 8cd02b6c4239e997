//! Findings as LSP diagnostics, pushed with `textDocument/publishDiagnostics`
//! or, when the client pulls, answered to `textDocument/diagnostic`.

use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticSeverity, DiagnosticTag, DocumentDiagnosticParams,
    DocumentDiagnosticReport, FullDocumentDiagnosticReport, NumberOrString, Position,
    PublishDiagnosticsParams, Range, RelatedFullDocumentDiagnosticReport, Uri,
};

use super::convert::{Encoding, LineIndex};
use super::session::Session;
use crate::pipeline::Outcome;
use dfix_transforms::Severity;

/// Where a rule's documentation is linked from each diagnostic
/// (`codeDescription.href`): `docs/rules.md` of the repository named in
/// `Cargo.toml`, generated from the rules (`dfix::commands::rules::markdown`),
/// with an anchor per rule id, which is appended.
pub const RULE_DOCS: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/rules.md#");

/// The LSP diagnostic of one finding of `text`.
pub fn to_lsp(
    d: &dfix_transforms::Diagnostic,
    text: &str,
    index: &LineIndex,
    enc: Encoding,
) -> Diagnostic {
    let meta = d.rule;
    let severity = match meta.severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info | Severity::Style => DiagnosticSeverity::INFORMATION,
    };
    // MAINTAINER is deprecated; editors strike it through.
    let tags = meta
        .is_named("maintainer-deprecated")
        .then(|| vec![DiagnosticTag::DEPRECATED]);
    Diagnostic {
        range: index.range(text, d.span.start, d.span.end, enc),
        severity: Some(severity),
        code: Some(NumberOrString::String(meta.id.to_string())),
        code_description: format!("{RULE_DOCS}{}", meta.id.to_ascii_lowercase())
            .parse()
            .ok()
            .map(|href| CodeDescription { href }),
        source: Some("dfix".to_string()),
        message: d.message.clone(),
        related_information: None,
        tags,
        data: None,
    }
}

/// The diagnostics of a document's check: its findings, or its one error
/// (a parse error, an unknown instruction, a bad config) at the line the
/// message names. A file of another kind gets none.
pub fn of_outcome(o: &Outcome, text: &str, index: &LineIndex, enc: Encoding) -> Vec<Diagnostic> {
    if let Some(e) = &o.error {
        let line = error_line(e).unwrap_or(1).saturating_sub(1);
        let start = Position::new(u32::try_from(line).unwrap_or(0), 0);
        let end = index.position(
            text,
            index.offset(text, Position::new(start.line, u32::MAX), enc),
            enc,
        );
        return vec![Diagnostic {
            range: Range::new(start, end),
            severity: Some(DiagnosticSeverity::ERROR),
            source: Some("dfix".to_string()),
            message: e.clone(),
            ..Diagnostic::default()
        }];
    }
    o.diagnostics
        .iter()
        .map(|d| to_lsp(d, text, index, enc))
        .collect()
}

/// The 1-based line of a pipeline error, `path:LINE: message` (a path
/// holds no `: ` followed by digits and `:`, but may hold colons).
fn error_line(message: &str) -> Option<usize> {
    message.match_indices(':').find_map(|(i, _)| {
        let rest = &message[i + 1..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        (!digits.is_empty() && rest[digits.len()..].starts_with(": "))
            .then(|| digits.parse().ok())
            .flatten()
    })
}

/// The `publishDiagnostics` params of an open document (`None` when not
/// open).
pub fn publish(session: &mut Session, uri: &Uri) -> Option<PublishDiagnosticsParams> {
    let enc = session.encoding;
    let outcome = session.check(uri)?.clone();
    let doc = session.documents.get(uri.as_str())?;
    if let Some(s) = &outcome.skipped {
        eprintln!("dfix server: {s}");
    }
    Some(PublishDiagnosticsParams {
        uri: uri.clone(),
        diagnostics: of_outcome(&outcome, &doc.text, &doc.index, enc),
        version: Some(doc.version),
    })
}

/// The answer to `textDocument/diagnostic`: the document's diagnostics in
/// full (empty for a document that is not open). Results are cached per
/// version, so a pull after a push-free edit costs one check.
pub fn pull(session: &mut Session, params: DocumentDiagnosticParams) -> DocumentDiagnosticReport {
    let items = publish(session, &params.text_document.uri)
        .map(|p| p.diagnostics)
        .unwrap_or_default();
    DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
        related_documents: None,
        full_document_diagnostic_report: FullDocumentDiagnosticReport {
            result_id: None,
            items,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_lines() {
        assert_eq!(
            error_line("/a:b/Dockerfile:12: unknown instruction"),
            Some(12)
        );
        assert_eq!(error_line("/a/dfix.toml: invalid config: x"), None);
        assert_eq!(error_line("C:12x: y"), None);
    }
}
