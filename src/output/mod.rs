//! Findings as text, JSON, SARIF 2.1.0 and GitHub annotations; diffs; the
//! end-of-run report ([`report`]).

pub mod report;

use dfix_grammar::Document;
use dfix_transforms::{Applicability, Diagnostic, RuleMeta};
use serde_json::{json, Value};

use crate::cli::OutputFormat;

/// A 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
}

/// One edit of a fix, located.
#[derive(Debug, Clone)]
pub struct LocatedEdit {
    /// Where the replaced text starts.
    pub start: Position,
    /// Where it ends.
    pub end: Position,
    /// The new text.
    pub content: String,
}

/// A fix, located.
#[derive(Debug, Clone)]
pub struct LocatedFix {
    /// Safe, unsafe or display-only.
    pub applicability: Applicability,
    /// What the fix does.
    pub message: String,
    /// Its edits.
    pub edits: Vec<LocatedEdit>,
}

/// A finding with its file and positions, ready to print.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The file as given or discovered (or the stdin filename).
    pub path: String,
    /// The rule.
    pub rule: &'static RuleMeta,
    /// What is wrong.
    pub message: String,
    /// Start of the span.
    pub start: Position,
    /// End of the span.
    pub end: Position,
    /// The fix, if any.
    pub fix: Option<LocatedFix>,
    /// True when the fix is applied with the current settings (`[*]`).
    pub fixable: bool,
}

fn pos(doc: &Document, offset: usize) -> Position {
    let (line, col) = doc.line_col(offset);
    Position { line, col }
}

impl Finding {
    /// Locates a diagnostic of `doc`.
    pub fn new(path: &str, doc: &Document, d: &Diagnostic, unsafe_fixes: bool) -> Finding {
        Finding::located(path, d, unsafe_fixes, |o| pos(doc, o))
    }

    /// Locates a diagnostic of a Compose file.
    pub fn in_compose(
        path: &str,
        file: &dfix_grammar::compose::ComposeFile,
        d: &Diagnostic,
        unsafe_fixes: bool,
    ) -> Finding {
        Finding::located(path, d, unsafe_fixes, |o| {
            let (line, col) = file.line_col(o);
            Position { line, col }
        })
    }

    /// Locates a diagnostic with `pos`, which turns a byte offset into a
    /// position: the one place both file kinds share.
    fn located(
        path: &str,
        d: &Diagnostic,
        unsafe_fixes: bool,
        pos: impl Fn(usize) -> Position,
    ) -> Finding {
        Finding {
            path: path.to_string(),
            rule: d.rule,
            message: d.message.clone(),
            start: pos(d.span.start),
            end: pos(d.span.end),
            fix: d.fix.as_ref().map(|f| LocatedFix {
                applicability: f.applicability,
                message: f.message.clone(),
                edits: f
                    .edits
                    .iter()
                    .map(|e| LocatedEdit {
                        start: pos(e.range.start),
                        end: pos(e.range.end),
                        content: e.replacement.clone(),
                    })
                    .collect(),
            }),
            fixable: d.is_fixable(unsafe_fixes),
        }
    }
}

/// `path:line:col: ID message [*]`.
pub fn text_line(f: &Finding) -> String {
    format!(
        "{}:{}:{}: {} {}{}",
        f.path,
        f.start.line,
        f.start.col,
        f.rule.id,
        f.message,
        if f.fixable { " [*]" } else { "" }
    )
}

fn location(p: Position) -> Value {
    json!({"row": p.line, "column": p.col})
}

/// The JSON array of findings.
pub fn json(findings: &[Finding]) -> String {
    let items: Vec<Value> = findings
        .iter()
        .map(|f| {
            json!({
                "code": f.rule.id,
                "name": f.rule.name,
                "aliases": f.rule.aliases,
                "severity": f.rule.severity.as_str(),
                "message": f.message,
                "filename": f.path,
                "location": location(f.start),
                "end_location": location(f.end),
                "fixable": f.fixable,
                "fix": f.fix.as_ref().map(|x| json!({
                    "applicability": x.applicability.as_str(),
                    "message": x.message,
                    "edits": x.edits.iter().map(|e| json!({
                        "content": e.content,
                        "location": location(e.start),
                        "end_location": location(e.end),
                    })).collect::<Vec<_>>(),
                })),
            })
        })
        .collect();
    serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_string())
}

fn sarif_level(rule: &RuleMeta) -> &'static str {
    match rule.severity {
        dfix_transforms::Severity::Error => "error",
        dfix_transforms::Severity::Warning => "warning",
        _ => "note",
    }
}

/// The SARIF 2.1.0 log GitHub code scanning accepts: every rule in
/// `tool.driver.rules`, results with relative artifact URIs.
pub fn sarif(findings: &[Finding]) -> String {
    let all = dfix_transforms::all_metas();
    let rules: Vec<Value> = all
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "name": m.name,
                "shortDescription": {"text": m.summary},
                "fullDescription": {"text": m.summary},
                "help": {"text": m.doc, "markdown": m.doc},
                "defaultConfiguration": {"level": sarif_level(m)},
                "properties": {"tags": m.aliases},
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let index = all.iter().position(|m| m.id == f.rule.id).unwrap_or(0);
            json!({
                "ruleId": f.rule.id,
                "ruleIndex": index,
                "level": sarif_level(f.rule),
                "message": {"text": f.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": sarif_uri(&f.path)},
                        "region": {
                            "startLine": f.start.line,
                            "startColumn": f.start.col,
                            "endLine": f.end.line,
                            "endColumn": f.end.col.max(1),
                        }
                    }
                }],
            })
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "dfix",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&log).unwrap_or_default()
}

/// A relative URI reference for a path: forward slashes, percent-encoded
/// where URIs need it.
fn sarif_uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn gh_escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn gh_escape_property(s: &str) -> String {
    gh_escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A GitHub Actions annotation per finding.
pub fn github(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let level = match f.rule.severity {
            dfix_transforms::Severity::Error => "error",
            dfix_transforms::Severity::Warning => "warning",
            _ => "notice",
        };
        out.push_str(&format!(
            "::{level} title={},file={},line={},col={},endLine={},endColumn={}::{}\n",
            gh_escape_property(&format!("dfix ({})", f.rule.id)),
            gh_escape_property(&f.path),
            f.start.line,
            f.start.col,
            f.end.line,
            f.end.col,
            gh_escape_data(&text_line(f)),
        ));
    }
    out
}

/// Findings in the chosen format (text: one line each, no summary).
pub fn render(format: OutputFormat, findings: &[Finding]) -> String {
    match format {
        OutputFormat::Text => findings.iter().map(|f| text_line(f) + "\n").collect(),
        OutputFormat::Json => json(findings) + "\n",
        OutputFormat::Sarif => sarif(findings) + "\n",
        OutputFormat::Github => github(findings),
    }
}

/// The hint for unsafe fixes that were not applied.
pub fn hidden_hint(hidden: usize) -> Option<String> {
    match hidden {
        0 => None,
        1 => Some("1 hidden fix can be enabled with --unsafe-fixes".to_string()),
        n => Some(format!(
            "{n} hidden fixes can be enabled with --unsafe-fixes"
        )),
    }
}

/// A unified diff that `git apply` accepts (`a/` and `b/` prefixes).
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    let p = path.trim_start_matches("./");
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{p}"), &format!("b/{p}"))
        .to_string()
}

/// The unified diff of a file that does not exist yet: from `/dev/null`,
/// as `git diff` shows a new file.
pub fn new_file_diff(path: &str, new: &str) -> String {
    let p = path.trim_start_matches("./");
    similar::TextDiff::from_lines("", new)
        .unified_diff()
        .context_radius(3)
        .header("/dev/null", &format!("b/{p}"))
        .to_string()
}

/// "1 finding" / "2 findings".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_and_escapes() {
        assert_eq!(sarif_uri("dir/My Dockerfile"), "dir/My%20Dockerfile");
        assert_eq!(gh_escape_property("a:b,c"), "a%3Ab%2Cc");
        assert_eq!(gh_escape_data("50%\n"), "50%25%0A");
    }

    #[test]
    fn diff_headers() {
        let d = unified_diff("./x/Dockerfile", "a\nb\n", "a\nc\n");
        assert!(d.starts_with("--- a/x/Dockerfile\n+++ b/x/Dockerfile\n@@"));
        assert!(d.contains("-b\n+c\n"));
        let d = new_file_diff("./x/.dockerignore", "a\nb\n");
        assert_eq!(
            d,
            "--- /dev/null\n+++ b/x/.dockerignore\n@@ -0,0 +1,2 @@\n+a\n+b\n"
        );
    }
}
