//! `dfix parse --json`: the parsed instructions in the same shape as the
//! BuildKit oracle of the corpus, so the two can be compared directly.

use dfix_grammar::{Document, Instruction};
use serde_json::{json, Value};

/// The document as `{"instructions": [...], "errors": [...]}`.
pub fn to_json(doc: &Document) -> Value {
    let instructions: Vec<Value> = doc.instructions.iter().map(instruction_json).collect();
    let errors: Vec<Value> = doc
        .errors
        .iter()
        .map(|e| json!({"line": e.line, "message": e.message}))
        .collect();
    json!({"instructions": instructions, "errors": errors})
}

fn instruction_json(ins: &Instruction) -> Value {
    let flags: Vec<&str> = ins.flags.iter().map(|f| f.raw.as_str()).collect();
    let heredocs: Vec<Value> = ins
        .heredocs
        .iter()
        .map(
            |h| json!({"name": h.name, "file_descriptor": h.file_descriptor, "content": h.content}),
        )
        .collect();
    json!({
        "cmd": ins.keyword.to_lowercase(),
        "sub_cmd": ins.sub.as_ref().map(|s| s.keyword.to_lowercase()),
        "start_line": ins.start_line,
        "end_line": ins.end_line,
        "flags": flags,
        "json": ins.is_exec_form(),
        "heredocs": heredocs,
        "original": ins.logical.text,
    })
}
