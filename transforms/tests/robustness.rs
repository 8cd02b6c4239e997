//! The engine on damaged and unusual input: no panic, never a new parse
//! error, a text with an unknown instruction never changed, and fixing a
//! fixed text changes nothing.

use dfix_grammar::Document;
use dfix_transforms::{check, fix, unknown_instruction, Facts, FixError, Settings};

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
    let doc = Document::parse(text);
    let input_errors = doc.errors.len();
    let unknown = unknown_instruction(&doc);
    for settings in all_settings() {
        // Truncations cut keywords (`FRO`): those texts cannot be built and
        // must come back refused, never fixed.
        if let Some(u) = &unknown {
            match fix(text, &settings, &facts) {
                Err(FixError::UnknownInstruction(e)) => assert_eq!(&e, u),
                other => panic!(
                    "{text:?} has {u} but fix gave {:?}",
                    other.map(|f| f.rounds)
                ),
            }
            continue;
        }
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
fn a_misspelled_instruction_anywhere_stops_every_fix() {
    let mut refused = 0;
    for fixture in FIXTURES {
        let lines: Vec<&str> = fixture.split_inclusive('\n').collect();
        for at in 0..=lines.len() {
            let mut text: String = lines[..at].concat();
            text.push_str("RNU echo hi\n");
            text.push_str(&lines[at..].concat());
            let doc = Document::parse(&text);
            // Inside a heredoc the line is not an instruction; inside a
            // continuation it joins the instruction, and the next line may
            // become the unknown one.
            let Some(u) = unknown_instruction(&doc) else {
                continue;
            };
            for settings in all_settings() {
                match fix(&text, &settings, &Facts::new()) {
                    Err(FixError::UnknownInstruction(e)) => assert_eq!(e, u),
                    Err(e) => panic!("{text:?}: refused for another reason: {e}"),
                    Ok(f) => panic!("{text:?} was fixed into {:?}", f.output()),
                }
            }
            refused += usize::from(u.keyword == "RNU");
        }
    }
    // Most insertion points are between instructions.
    assert!(refused > 100, "only {refused} texts had the misspelling");
}

#[test]
fn whole_fixtures_converge() {
    for fixture in FIXTURES {
        exercise(fixture);
    }
}
