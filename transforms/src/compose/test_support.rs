//! Helpers for the Compose rules' tests: a snapshot of one rule on one
//! fixture (input, findings, safe output, unsafe output), with the checks
//! every fix must pass: the output parses as a Compose file with the same
//! services, and fixing it again changes nothing.

use dfix_grammar::compose::ComposeFile;

use super::{check_file, fix};
use crate::rule::{Facts, RuleMeta};
use crate::settings::Settings;

fn settings(meta: &RuleMeta, unsafe_fixes: bool) -> Settings {
    let mut s = Settings::default()
        .with_selection(&[meta.id.to_string()], &[])
        .expect("the rule's id selects it");
    s.unsafe_fixes = unsafe_fixes;
    s
}

fn fixed(meta: &RuleMeta, source: &str, facts: &Facts, unsafe_fixes: bool) -> String {
    let s = settings(meta, unsafe_fixes);
    let out = match fix(source, &s, facts) {
        Ok(f) => f.output().to_string(),
        Err(e) => panic!("{}: {e}", meta.id),
    };
    let again = fix(&out, &s, facts).unwrap_or_else(|e| panic!("{} again: {e}", meta.id));
    assert_eq!(
        again.output(),
        out,
        "{}: fixing twice changes the text",
        meta.id
    );
    out
}

/// Adds a text to a snapshot, marking a missing final newline.
fn push_text(s: &mut String, text: &str) {
    s.push_str(text);
    if !text.ends_with('\n') {
        s.push_str("\n(no newline at end)\n");
    }
}

/// The snapshot text of `meta` on `source` with `facts`.
pub fn snapshot_with(meta: &RuleMeta, source: &str, facts: &Facts) -> String {
    let file = ComposeFile::parse(source);
    assert!(file.is_ok(), "fixture does not parse: {:?}", file.problem());
    let found = check_file(&file, &settings(meta, true), facts);
    let mut s = String::from("--- input\n");
    push_text(&mut s, source);
    s.push_str("--- findings\n");
    for d in &found {
        let (line, col) = file.line_col(d.span.start);
        s.push_str(&format!("{line}:{col} {} {}", d.rule.id, d.message));
        match &d.fix {
            Some(f) => s.push_str(&format!(
                " [{} fix: {}]\n",
                f.applicability.as_str(),
                f.message
            )),
            None => s.push('\n'),
        }
    }
    for (title, unsafe_fixes) in [("safe", false), ("unsafe", true)] {
        let out = fixed(meta, source, facts, unsafe_fixes);
        s.push_str(&format!("--- {title}\n"));
        if out == source {
            s.push_str("(unchanged)\n");
        } else {
            push_text(&mut s, &out);
        }
    }
    s
}

/// The snapshot text of `meta` on `source`, no facts.
pub fn snapshot(meta: &RuleMeta, source: &str) -> String {
    snapshot_with(meta, source, &Facts::new())
}

/// Each finding of rule `meta` on `source` with `facts`: its text and
/// whether it carries a fix that `--unsafe-fixes` applies.
pub fn applied_fixes(meta: &RuleMeta, source: &str, facts: &Facts) -> Vec<(String, bool)> {
    let file = dfix_grammar::compose::ComposeFile::parse(source);
    check_file(&file, &settings(meta, true), facts)
        .iter()
        .map(|d| {
            let applied = d
                .fix
                .as_ref()
                .is_some_and(|f| f.applicability != crate::edit::Applicability::DisplayOnly);
            (source[d.span.clone()].to_string(), applied)
        })
        .collect()
}

/// Facts whose `include:` files were all read: the texts given, parsed.
pub fn with_includes(texts: &[&str]) -> Facts {
    let mut f = Facts::new();
    f.compose_includes = texts
        .iter()
        .map(|t| std::sync::Arc::new(ComposeFile::parse(t)))
        .collect();
    f.compose_includes_read = true;
    f
}
