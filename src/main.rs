use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() >= 4 && args[1] == "parse" && args[2] == "--json" {
        let path = &args[3];
        let Ok(bytes) = std::fs::read(path) else {
            eprintln!("error: {path}: cannot read");
            return ExitCode::from(2);
        };
        let Ok(text) = String::from_utf8(bytes) else {
            eprintln!("error: {path}: not UTF-8");
            return ExitCode::from(2);
        };
        let doc = dfix_grammar::Document::parse(&text);
        println!(
            "{}",
            serde_json::to_string_pretty(&dfix::parse_output::to_json(&doc)).unwrap_or_default()
        );
        if let Some(e) = doc.errors.first() {
            eprintln!("error: {path}:{}: {}", e.line, e.message);
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}
