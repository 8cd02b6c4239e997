//! Bad input never panics: a clear error from BuildKit's rules or a
//! best-effort tree, and printing still gives the bytes back.

use dfix_grammar::Document;

fn check_round_trip(text: &str) -> Document {
    let doc = Document::parse(text);
    assert_eq!(doc.print(), text, "round trip");
    doc
}

#[test]
fn nul_bytes_parse_as_text() {
    let doc = check_round_trip("FROM x\0y\nRUN echo \0\0 done\n\0\n");
    assert_eq!(doc.instructions.len(), 3);
    assert_eq!(doc.instructions[1].words.len(), 3);
}

#[test]
fn twenty_megabyte_file() {
    let mut text = String::from("FROM alpine\n");
    let line = "RUN echo aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa \\\n  && true\n";
    while text.len() < 20 * 1024 * 1024 {
        text.push_str(line);
    }
    let doc = check_round_trip(&text);
    assert!(doc.errors.is_empty());
    assert_eq!(doc.instructions.len(), 1 + (text.len() - 12) / line.len());
}

#[test]
fn line_over_64_kib_is_an_error_naming_the_line() {
    let text = format!("FROM x\nRUN echo {}\n", "a".repeat(70 * 1024));
    let doc = check_round_trip(&text);
    let e = doc.errors.first().expect("an error");
    assert_eq!(e.line, 2);
    assert!(
        e.message.contains("greater than max allowed size"),
        "{}",
        e.message
    );
    // Exactly at the limit is fine.
    let ok = format!("FROM x\nRUN {}\n", "a".repeat(65536 - 5));
    assert!(Document::parse(&ok).errors.is_empty());
}

#[test]
fn truncated_heredoc_is_an_error() {
    let doc = check_round_trip("FROM x\nRUN <<EOF\necho hi\n");
    assert_eq!(doc.errors.len(), 1);
    assert_eq!(doc.errors[0].message, "unterminated heredoc");
    assert_eq!(doc.errors[0].line, 2);
    // Cut right after the marker, with and without the line end.
    assert!(!Document::parse("FROM x\nRUN <<EOF\n").errors.is_empty());
    assert!(!Document::parse("FROM x\nRUN <<EOF").errors.is_empty());
}

#[test]
fn empty_and_comment_only_files_have_no_instructions() {
    for text in ["", "# only a comment\n", "\n\n  \n"] {
        let doc = check_round_trip(text);
        assert_eq!(doc.errors[0].message, "file with no instructions");
    }
}

#[test]
fn buildkit_rejections() {
    let cases = [
        ("FROM x\nENV PATH\n", "ENV must have two arguments"),
        (
            "FROM x\nCMD [\"a\", [\"b\"]]\n",
            "arrays must be comprised of strings only",
        ),
        ("FROM x\nLABEL a=b c\n", "can't find = in"),
        ("# escape=x\nFROM x\n", "invalid escape token"),
        (
            "# escape=`\n# escape=\\\nFROM x\n",
            "only one escape parser directive",
        ),
    ];
    for (text, message) in cases {
        let doc = check_round_trip(text);
        assert!(
            doc.errors.iter().any(|e| e.message.contains(message)),
            "{text:?}: {:?}",
            doc.errors
        );
    }
}

#[test]
fn binary_garbage_never_panics() {
    // A deterministic pseudo-random byte soup, made valid UTF-8 lossily.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut bytes = Vec::new();
    for _ in 0..200_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let b = (state & 0xFF) as u8;
        bytes.push(match b % 7 {
            0 => b'\n',
            1 => b'\\',
            2 => b'<',
            3 => b'"',
            _ => b,
        });
    }
    let text = String::from_utf8_lossy(&bytes).into_owned();
    for chunk in text.as_bytes().chunks(997) {
        let s = String::from_utf8_lossy(chunk);
        check_round_trip(&s);
    }
    check_round_trip(&text);
}

#[test]
fn open_continuation_at_end_of_file_is_known() {
    for (text, open) in [
        ("FROM x\nRUN ls \\\n", true),
        ("FROM x\nRUN ls \\\n# trailing comment\n", true),
        ("FROM x\nRUN ls \\\n\n", true),
        ("FROM x\nRUN ls \\\n  -la\n", false),
        ("FROM x\nRUN ls\n", false),
        ("FROM x\nONBUILD RUN ls \\\n", true),
        ("FROM x\nONBUILD \\\n  RUN ls\n", false),
    ] {
        let doc = Document::parse(text);
        assert_eq!(
            doc.instructions.last().unwrap().open_continuation,
            open,
            "{text:?}"
        );
    }
}

#[test]
fn escape_character_inside_a_keyword_stays_in_it() {
    // BuildKit's command is the whole first word; only a line continuation
    // ends it at the escape character.
    let doc = check_round_trip("FROM a\nt.log(\"\\texpected:\")\nRUN\\\n  echo hi\n# x\n");
    let kws: Vec<&str> = doc
        .instructions
        .iter()
        .map(|i| i.keyword.as_str())
        .collect();
    assert_eq!(kws, ["FROM", "t.log(\"\\texpected:\")", "RUN"]);
    assert_eq!(doc.instructions[2].words.len(), 2);
    let doc = check_round_trip("# escape=`\nFROM a\nx`ty z\nRUN`\n  echo hi\n");
    let kws: Vec<&str> = doc
        .instructions
        .iter()
        .map(|i| i.keyword.as_str())
        .collect();
    assert_eq!(kws, ["FROM", "x`ty", "RUN"]);
}
