//! `dfix explain ID`: a rule's documentation.

use std::process::ExitCode;

use dfix_transforms::rules_for;

use super::EXIT_ERROR;

/// Prints the documentation of every rule `id` names (id, name or alias).
pub fn run(id: &str) -> ExitCode {
    let found = rules_for(id);
    if found.is_empty() {
        eprintln!("error: no rule is named `{id}` (see `dfix rules`)");
        return ExitCode::from(EXIT_ERROR);
    }
    let mut out = String::new();
    for (i, r) in found.iter().enumerate() {
        let m = r.meta();
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
    print!("{out}");
    ExitCode::SUCCESS
}
