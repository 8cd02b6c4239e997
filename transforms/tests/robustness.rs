//! The engine on damaged and unusual input: no panic, never a new parse
//! error, and fixing a fixed text changes nothing.

use dfix_grammar::Document;
use dfix_transforms::{check, fix, Facts, Settings};

const FIXTURES: &[&str] = &[
    include_str!("../src/rules/fixtures/add_instead_of_copy.Dockerfile"),
    include_str!("../src/rules/fixtures/consistent_instruction_casing.Dockerfile"),
    include_str!("../src/rules/fixtures/from_as_casing.Dockerfile"),
    include_str!("../src/rules/fixtures/json_args_recommended.Dockerfile"),
    include_str!("../src/rules/fixtures/legacy_key_value_format.Dockerfile"),
    include_str!("../src/rules/fixtures/maintainer_deprecated.Dockerfile"),
    include_str!("../src/rules/fixtures/multiple_cmd.Dockerfile"),
    include_str!("../src/rules/fixtures/multiple_entrypoint.Dockerfile"),
    include_str!("../src/rules/fixtures/multiple_healthcheck.Dockerfile"),
    include_str!("../src/rules/fixtures/no_empty_continuation.Dockerfile"),
    "\u{feff}from a AS b\r\nmaintainer \"x\" `y`\r\nenv A b c\r\nadd x /y\r\n",
    "# escape=`\nFROM a\nENV P C:\\x `\n    y\nMAINTAINER C:\\me\nRUN a `\n\n  b\n",
    "FROM a\nONBUILD ADD . /src\nONBUILD maintainer me\nCMD a\nCMD b\nHEALTHCHECK NONE\nHEALTHCHECK CMD x\n",
    "FROM a\nENV A 'x' \"y\" z\\ w\nLABEL é ünïcode välue\nCMD ünï côde\n",
];

fn all_settings() -> [Settings; 2] {
    [
        Settings::default(),
        Settings {
            unsafe_fixes: true,
            ..Settings::default()
        },
    ]
}

fn exercise(text: &str) {
    let facts = Facts::new();
    let input_errors = Document::parse(text).errors.len();
    for settings in all_settings() {
        let checked = check(text, &settings, &facts);
        for d in &checked.diagnostics {
            assert!(d.span.start <= d.span.end && d.span.end <= text.len());
        }
        // Refusing is fine (the input may be broken); panicking is not.
        if let Ok(fixed) = fix(text, &settings, &facts) {
            let out = fixed.output().to_string();
            if input_errors == 0 {
                assert!(
                    fixed.document.errors.is_empty(),
                    "fix broke {text:?} into {out:?}"
                );
            }
            let again = fix(&out, &settings, &facts).expect("fixed text fixes again");
            assert_eq!(again.output(), out, "not idempotent on {text:?}");
        }
    }
}

#[test]
fn truncations_and_line_deletions() {
    for fixture in FIXTURES {
        let cuts: Vec<usize> = (0..=fixture.len())
            .filter(|&i| fixture.is_char_boundary(i))
            .collect();
        for &cut in &cuts {
            exercise(&fixture[..cut]);
        }
        let lines: Vec<&str> = fixture.split_inclusive('\n').collect();
        for skip in 0..lines.len() {
            let text: String = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, l)| *l)
                .collect();
            exercise(&text);
        }
    }
}

#[test]
fn whole_fixtures_converge() {
    for fixture in FIXTURES {
        exercise(fixture);
    }
}
