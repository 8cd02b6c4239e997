//! `dfix explain ID`: a rule's documentation.

use std::process::ExitCode;

use dfix_transforms::metas_for;

use super::EXIT_ERROR;

/// Prints the documentation of every rule `id` names (id, name or alias).
pub fn run(id: &str) -> ExitCode {
    match text(id) {
        Some(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("error: no rule is named `{id}` (see `dfix rules`)");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// What `dfix explain ID` prints (markdown), or `None` when no rule has
/// that id, name or alias. The language server's hover shows the same.
pub fn text(id: &str) -> Option<String> {
    let found = metas_for(id);
    if found.is_empty() {
        return None;
    }
    let mut out = String::new();
    for (i, m) in found.iter().enumerate() {
        if i > 0 {
            out.push_str("\n---\n\n");
        }
        out.push_str(&format!("# {} ({})\n\n", m.name, m.id));
        out.push_str(&format!(
            "{}\n\nSeverity: {}. Fix: {}.\n\n",
            m.summary,
            m.severity.as_str(),
            m.fix.as_str()
        ));
        out.push_str(m.doc);
        if !m.doc.ends_with('\n') {
            out.push('\n');
        }
    }
    Some(out)
}
