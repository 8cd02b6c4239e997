//! Compose files dfix has never seen the like of: the repository's own
//! Compose fixtures (and the shared corpus, with `DFIX_CORPUS`) mutated at
//! random, line by line, with the shapes the rules guard against (anchors,
//! merge keys, tags, flow style, interpolation, tabs, CRLF, multibyte
//! text, truncation). Whatever comes in, parsing, checking and fixing never
//! panic, and no rule's fix breaks the file (the engine would refuse it:
//! safe, but a bug); the fixed text parses as a Compose file again and a
//! second fix leaves it as it is. Seeded, so a failure names what to
//! replay. It found the two shapes fixed with it: an explicit key (`? k`)
//! first in a mapping, and a mapping under `version:`.

use std::path::{Path, PathBuf};

use dfix_grammar::compose::ComposeFile;
use dfix_transforms::{compose, Facts, Settings};

#[path = "common/rng.rs"]
mod rng;
use rng::Rng;

/// Lines the mutations insert, at the indentation of a neighbour.
const SNIPPETS: &[&str] = &[
    "read_only: true",
    "read_only: yes",
    "<<: *base",
    "x-base: &base {read_only: true}",
    "cap_drop: !reset []",
    "cap_add: !override [NET_ADMIN]",
    "- \"8080:80\"",
    "- ${APP_PORT}:80",
    "ports: [${P}:80, 9000]",
    "user: root",
    "environment:",
    "  POSTGRES_PASSWORD: hunter2",
    "- DATABASE_URL=postgres://a:b@db/x",
    "deploy: {resources: {}}",
    "deploy:",
    "extends: other",
    "include:",
    "- other.yaml",
    "secrets: [a]",
    "build: {context: .}",
    "image: postgres:16",
    "image: \"${IMAGE}\"",
    "volumes: [/var/run/docker.sock:/s]",
    "privileged: true",
    "# dfix: ignore=DF505",
    "\tindented: with a tab",
    "név: érték ✓",
    "\"unterminated",
    "{",
    "]",
    "---",
    "? complex",
    "key: |",
    "  block text",
];

fn mutate(r: &mut Rng, text: &str) -> String {
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    for _ in 0..1 + r.below(4) {
        let n = lines.len();
        let i = r.below(n);
        match r.below(8) {
            0 if n > 1 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 | 3 => {
                let indent: String = lines[i].chars().take_while(|c| *c == ' ').collect();
                let s = r.pick(SNIPPETS);
                lines.insert(i + usize::from(r.below(2) == 0), format!("{indent}{s}"));
            }
            4 => {
                let l = &mut lines[i];
                if r.below(2) == 0 {
                    l.insert_str(0, &" ".repeat(1 + r.below(2)));
                } else if l.starts_with(' ') {
                    l.remove(0);
                }
            }
            5 => {
                let l = &mut lines[i];
                let cut: usize = l
                    .char_indices()
                    .map(|(k, _)| k)
                    .nth(r.below(l.chars().count().max(1)))
                    .unwrap_or(0);
                l.truncate(cut);
            }
            _ => {}
        }
    }
    let mut out = lines.join("\n");
    match r.below(6) {
        0 => out = out.replace('\n', "\r\n"),
        1 => out = out.trim_end_matches('\n').to_string(),
        2 => {
            let cut = out
                .char_indices()
                .map(|(k, _)| k)
                .nth(r.below(out.chars().count().max(1)));
            out.truncate(cut.unwrap_or(0));
        }
        _ => {}
    }
    out
}

fn sources() -> Vec<(PathBuf, String)> {
    let mut dirs =
        vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("transforms/src/compose/rules/fixtures")];
    if let Some(c) = std::env::var_os("DFIX_CORPUS") {
        dirs.push(PathBuf::from(c).join("compose"));
    }
    let mut out = Vec::new();
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
                let text = std::fs::read_to_string(&p).unwrap();
                out.push((p, text));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn mutated_compose_files_never_panic_and_fix_to_a_fixpoint() {
    let settings = Settings {
        unsafe_fixes: true,
        ..Settings::default()
    };
    let files = sources();
    assert!(files.len() >= 20, "{} source files", files.len());
    let (mut tried, mut fixed, mut refused) = (0, 0, 0);
    for (path, original) in &files {
        for seed in 1..=10u64 {
            let mut r = Rng::seeded(seed ^ original.len() as u64);
            let text = mutate(&mut r, original);
            let what = format!("{} with seed {seed}:\n{text}", path.display());
            let mut facts = Facts::new();
            if seed % 2 == 0 {
                // Judged with the unmutated file as its override.
                facts.compose_overrides = vec![std::sync::Arc::new(ComposeFile::parse(original))];
            }
            let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let file = ComposeFile::parse(&text);
                if !file.is_ok() {
                    return None;
                }
                compose::check_file(&file, &settings, &facts);
                Some(compose::fix(&text, &settings, &facts))
            }));
            let Ok(result) = run else {
                panic!("panicked on {what}");
            };
            tried += 1;
            match result {
                None => {}
                // The engine refuses a fix that breaks the file: safe for
                // the user (nothing is written), but a rule's bug.
                Some(Err(e)) => {
                    eprintln!("refused ({e}): {what}");
                    refused += 1;
                }
                Some(Ok(out)) => {
                    let out = out.output().to_string();
                    fixed += usize::from(out != text);
                    assert!(
                        ComposeFile::parse(&out).is_ok(),
                        "fixed text does not parse: {what}\n---\n{out}"
                    );
                    let again = compose::fix(&out, &settings, &facts)
                        .unwrap_or_else(|e| panic!("second fix refused ({e}): {what}\n---\n{out}"));
                    assert_eq!(again.output(), out, "not a fixpoint: {what}");
                }
            }
        }
    }
    eprintln!("compose fuzz: {tried} mutated files, {fixed} changed by the fix, {refused} refused");
    assert_eq!(refused, 0, "fixes that would break the file (see above)");
    assert!(
        fixed > tried / 4,
        "too few fixes ({fixed} of {tried}): the mutations broke everything"
    );
}
