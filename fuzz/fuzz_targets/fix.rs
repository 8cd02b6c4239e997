//! Every rule with unsafe fixes on arbitrary input: no panic, a file with an
//! instruction BuildKit does not know is never changed (the engine refuses
//! it, naming its line), the engine's output parses whenever the input did
//! and has no unknown instruction, and fixing twice changes nothing.
#![no_main]

use dfix_grammar::Document;
use dfix_transforms::{engine, unknown_instruction, Facts, FixError, Settings};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let doc = Document::parse(text);
    let facts = Facts::new();
    if let Some(unknown) = unknown_instruction(&doc) {
        // Checked before parse errors: a broken file with an unknown
        // instruction must not be changed either.
        for unsafe_fixes in [false, true] {
            let settings = Settings { unsafe_fixes, ..Settings::default() };
            match engine::fix(text, &settings, &facts) {
                Err(FixError::UnknownInstruction(u)) => assert_eq!(u, unknown),
                Err(e) => panic!("refused for another reason: {e}"),
                Ok(f) => panic!("fixed a file with {unknown}: {:?}", f.output()),
            }
        }
        return;
    }
    if !doc.errors.is_empty() {
        return;
    }
    let settings = Settings { unsafe_fixes: true, ..Settings::default() };
    let Ok(fixed) = engine::fix(text, &settings, &facts) else { return };
    let out = fixed.output().to_string();
    assert!(Document::parse(&out).errors.is_empty(), "output does not parse");
    assert_eq!(unknown_instruction(&fixed.document), None, "output has an unknown instruction");
    if let Ok(again) = engine::fix(&out, &settings, &facts) {
        assert_eq!(again.output(), out, "not idempotent");
    }
});
