//! `dfix rules`: the list of rules, as text or JSON.

use std::process::ExitCode;

use crate::cli::OutputFormat;

/// Prints every rule (id, name, fix availability, summary, aliases).
pub fn run(format: OutputFormat) -> ExitCode {
    let all = dfix_transforms::all_metas();
    let mut out = String::new();
    if format == OutputFormat::Json {
        let items: Vec<serde_json::Value> = all
            .iter()
            .map(|m| {
                serde_json::json!({
                    "code": m.id, "name": m.name, "aliases": m.aliases,
                    "severity": m.severity.as_str(), "fix": m.fix.as_str(),
                    "summary": m.summary,
                })
            })
            .collect();
        out = serde_json::to_string_pretty(&items).unwrap_or_default() + "\n";
    } else {
        for m in all {
            out.push_str(&format!(
                "{}  {:<32} {:<9} {}  [{}]\n",
                m.id,
                m.name,
                m.fix.as_str(),
                m.summary,
                m.aliases.join(", ")
            ));
        }
    }
    print!("{out}");
    ExitCode::SUCCESS
}
