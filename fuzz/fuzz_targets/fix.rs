//! Every rule with unsafe fixes on arbitrary input: no panic, the engine's
//! output parses whenever the input did, and fixing twice changes nothing.
#![no_main]

use dfix_grammar::Document;
use dfix_transforms::{engine, Facts, Settings};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if !Document::parse(text).errors.is_empty() {
        return;
    }
    let settings = Settings { unsafe_fixes: true, ..Settings::default() };
    let facts = Facts::new();
    let Ok(fixed) = engine::fix(text, &settings, &facts) else { return };
    let out = fixed.output().to_string();
    assert!(Document::parse(&out).errors.is_empty(), "output does not parse");
    if let Ok(again) = engine::fix(&out, &settings, &facts) {
        assert_eq!(again.output(), out, "not idempotent");
    }
});
