//! `dfix rules`: the list of rules, as text or JSON.

use std::process::ExitCode;

use dfix_transforms::rules::{area_of, is_opt_in, AREAS};
use dfix_transforms::RuleMeta;

use crate::cli::OutputFormat;

/// Every rule of both file kinds, by area, each area's rules in id order.
fn by_area() -> Vec<(
    &'static dfix_transforms::rules::Area,
    Vec<&'static RuleMeta>,
)> {
    let all = dfix_transforms::all_metas();
    AREAS
        .iter()
        .map(|area| {
            let metas = all
                .iter()
                .copied()
                .filter(|m| m.id.starts_with(area.prefix))
                .collect::<Vec<_>>();
            (area, metas)
        })
        .filter(|(_, metas)| !metas.is_empty())
        .collect()
}

/// Prints every rule (id, name, fix availability, summary, aliases, and
/// whether it is in the default selection), grouped by area with the count
/// of each.
pub fn run(format: OutputFormat) -> ExitCode {
    let all = dfix_transforms::all_metas();
    let mut out = String::new();
    if format == OutputFormat::Json {
        let items: Vec<serde_json::Value> = all
            .iter()
            .map(|m| {
                serde_json::json!({
                    "code": m.id, "name": m.name, "aliases": m.aliases,
                    "area": area_of(m.id).map(|a| a.name),
                    "severity": m.severity.as_str(), "fix": m.fix.as_str(),
                    "summary": m.summary,
                    "default": !is_opt_in(m.id),
                })
            })
            .collect();
        out = serde_json::to_string_pretty(&items).unwrap_or_default() + "\n";
    } else {
        let mut counts = Vec::new();
        for (area, metas) in by_area() {
            counts.push(format!("{} {}", area.name, metas.len()));
            out.push_str(&format!(
                "{} ({}xx, {}): {} rules\n",
                area.name,
                area.prefix,
                area.summary,
                metas.len()
            ));
            for m in metas {
                let opt_in = if is_opt_in(m.id) {
                    " (opt-in: runs only when selected)"
                } else {
                    ""
                };
                out.push_str(&format!(
                    "  {}  {:<32} {:<9} {}{opt_in}  [{}]\n",
                    m.id,
                    m.name,
                    m.fix.as_str(),
                    m.summary,
                    m.aliases.join(", ")
                ));
            }
        }
        out.push_str(&format!("{} rules: {}\n", all.len(), counts.join(", ")));
    }
    print!("{out}");
    ExitCode::SUCCESS
}

/// Every rule's documentation as one markdown page, grouped by area: the
/// `docs/rules.md` the language server links each diagnostic to (anchor:
/// the lowercase id). A test keeps the committed page current.
pub fn markdown() -> String {
    let mut out = String::from(
        "# dfix rules\n\n<!-- Generated from the rules' documentation by \
         `DFIX_UPDATE_DOCS=1 cargo test --test rule_docs`; do not edit. -->\n\n",
    );
    out.push_str(&format!(
        "{} rules. `dfix explain ID` prints one of these sections.\n",
        dfix_transforms::all_metas().len()
    ));
    for (area, metas) in by_area() {
        out.push_str(&format!(
            "\n## {} ({}xx): {}\n",
            area.name, area.prefix, area.summary
        ));
        for m in metas {
            out.push_str(&format!(
                "\n<a id=\"{}\"></a>\n\n### {} {}\n\n{}\n\nSeverity: {}. Fix: {}.\n",
                m.id.to_ascii_lowercase(),
                m.id,
                m.name,
                m.summary,
                m.severity.as_str(),
                m.fix.as_str()
            ));
            if is_opt_in(m.id) {
                out.push_str("Opt-in: runs only when selected by id, name or alias.\n");
            }
            if !m.aliases.is_empty() {
                out.push_str(&format!("Aliases: {}.\n", m.aliases.join(", ")));
            }
            // The rule's own headings sit two levels below its title; a
            // `#` inside a code block is a Dockerfile comment.
            let mut in_code = false;
            for line in m.doc.lines() {
                out.push('\n');
                if line.starts_with("```") {
                    in_code = !in_code;
                } else if !in_code && line.starts_with('#') {
                    out.push_str("##");
                }
                out.push_str(line);
            }
            out.push('\n');
        }
    }
    out
}
