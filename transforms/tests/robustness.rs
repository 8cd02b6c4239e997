//! The engine on damaged and unusual input: no panic, never a new parse
//! error, a text with an unknown instruction never changed, and fixing a
//! fixed text changes nothing.

use dfix_grammar::Document;
use dfix_transforms::{check, fix, unknown_instruction, Facts, FixError, Settings};

/// Texts written here for the engine's edge cases; every rule's fixtures
/// (`src/rules/<area>/fixtures/*.Dockerfile`) are added by [`fixtures`].
const EDGE_CASES: &[&str] = &[
    "\u{feff}from a AS b\r\nmaintainer \"x\" `y`\r\nenv A b c\r\nadd x /y\r\n",
    "# escape=`\nFROM a\nENV P C:\\x `\n    y\nMAINTAINER C:\\me\nRUN a `\n\n  b\n",
    "FROM a\nONBUILD ADD . /src\nONBUILD maintainer me\nCMD a\nCMD b\nHEALTHCHECK NONE\nHEALTHCHECK CMD x\n",
    "FROM a\nENV A 'x' \"y\" z\\ w\nLABEL é ünïcode välue\nCMD ünï côde\n",
];

/// The edge cases and every rule fixture file, read from the rule areas so a
/// new rule's fixture is exercised without being listed here.
fn fixtures() -> Vec<String> {
    let rules = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
    let mut paths = Vec::new();
    for area in std::fs::read_dir(&rules).expect("rules folder") {
        let dir = area.expect("rules entry").path().join("fixtures");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("fixture entry").path();
            if path.extension().is_some_and(|e| e == "Dockerfile") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    assert!(paths.len() >= 10, "rule fixtures not found under {rules:?}");
    let mut texts: Vec<String> = EDGE_CASES.iter().map(|s| s.to_string()).collect();
    texts.extend(
        paths
            .iter()
            .map(|p| std::fs::read_to_string(p).expect("fixture")),
    );
    texts
}

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
    for fixture in &fixtures() {
        // Every byte of short texts; about 100 cuts of long ones, so the
        // test stays quick as rules add fixtures.
        let stride = (fixture.len() / 100).max(1);
        let cuts: Vec<usize> = (0..=fixture.len())
            .filter(|&i| fixture.is_char_boundary(i) && (i % stride == 0 || i == fixture.len()))
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
    for fixture in &fixtures() {
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
    for fixture in &fixtures() {
        exercise(fixture);
    }
}
