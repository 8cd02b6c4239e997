//! Parse + round trip + document model + shell analysis on arbitrary input.
#![no_main]

use dfix_grammar::{Document, Form, Kind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let doc = Document::parse(text);
    assert_eq!(doc.print(), text, "round trip");
    for ins in &doc.instructions {
        assert!(ins.span.start <= ins.span.end && ins.span.end <= text.len());
        for w in &ins.words {
            assert!(w.span.start <= w.span.end && w.span.end <= text.len());
        }
        let _ = doc.line_col(ins.span.start);
        let _ = ins.args_span();
        if matches!(ins.kind, Kind::Run | Kind::Cmd | Kind::Entrypoint) && ins.form == Form::Shell {
            let script = ins.shell_script(text).expect("shell form has a script");
            for c in script.commands() {
                assert!(c.span.end <= text.len());
            }
            let _ = script.statements();
        }
        for script in ins.heredoc_scripts(text) {
            let _ = script.commands();
        }
        for h in &ins.heredocs {
            assert!(h.body_span.end <= text.len());
        }
    }
    let _ = doc.stages();
});
