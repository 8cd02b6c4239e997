//! `dfix rules`: the list of rules, as text or JSON.

use std::process::ExitCode;

use crate::cli::OutputFormat;

/// Prints every rule (id, name, fix availability, summary, aliases).
pub fn run(format: OutputFormat) -> ExitCode {
    let all = dfix_transforms::rules::ALL;
    let mut out = String::new();
    if format == OutputFormat::Json {
        let items: Vec<serde_json::Value> = all
            .iter()
            .map(|r| {
                let m = r.meta();
                serde_json::json!({
                    "code": m.id, "name": m.name, "aliases": m.aliases,
                    "severity": m.severity.as_str(), "fix": m.fix.as_str(),
                    "summary": m.summary,
                })
            })
            .collect();
        out = serde_json::to_string_pretty(&items).unwrap_or_default() + "\n";
    } else {
        for r in all {
            let m = r.meta();
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
