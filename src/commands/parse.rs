//! `dfix parse [--json] PATH`: the parsed instructions.

use std::path::Path;
use std::process::ExitCode;

use dfix_grammar::Document;

use super::EXIT_ERROR;

/// Prints the instructions of `path`: JSON on stdout even when the file has
/// errors; the first error on stderr and exit 2 then.
pub fn run(path: &Path, json: bool) -> ExitCode {
    let shown = path.display();
    let Ok(bytes) = std::fs::read(path) else {
        eprintln!("error: {shown}: cannot read");
        return ExitCode::from(EXIT_ERROR);
    };
    let Ok(text) = String::from_utf8(bytes) else {
        eprintln!("error: {shown}: not UTF-8");
        return ExitCode::from(EXIT_ERROR);
    };
    let doc = Document::parse(&text);
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&crate::parse_output::to_json(&doc)).unwrap_or_default()
        );
    } else {
        for ins in &doc.instructions {
            println!(
                "{}-{} {}",
                ins.start_line,
                ins.end_line,
                ins.logical.text.trim_end()
            );
        }
    }
    if let Some(e) = doc.errors.first() {
        eprintln!("error: {shown}:{}: {}", e.line, e.message);
        return ExitCode::from(EXIT_ERROR);
    }
    ExitCode::SUCCESS
}
