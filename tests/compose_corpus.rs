//! The Compose side on the shared corpus (`DFIX_CORPUS`/compose), in
//! process: every file parses without a panic; every file the model takes
//! is fixed with every rule and unsafe fixes on without an engine error
//! (each round re-parsed, same services), the result is a Compose file
//! again, and fixing it twice changes nothing. The oracle (Docker Compose
//! v2) runs on the same files in `scripts/compose_check.py`.

use std::path::{Path, PathBuf};

use dfix_grammar::compose::ComposeFile;
use dfix_transforms::{compose, Facts, Settings};

fn corpus() -> Option<PathBuf> {
    match std::env::var_os("DFIX_CORPUS") {
        Some(p) => Some(PathBuf::from(p)),
        None if std::env::var_os("CI").is_some() => panic!("CI is set but DFIX_CORPUS is not"),
        None => {
            eprintln!("skipped: set DFIX_CORPUS to the shared corpus");
            None
        }
    }
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
            out.push(p);
        }
    }
}

#[test]
fn every_corpus_file_is_fixed_to_a_fixpoint_or_refused() {
    let Some(root) = corpus() else { return };
    let mut files = Vec::new();
    yaml_files(&root.join("compose"), &mut files);
    files.sort();
    assert!(files.len() >= 270, "{} files", files.len());
    let settings = Settings {
        unsafe_fixes: true,
        ..Settings::default()
    };
    let (mut taken, mut changed) = (0, 0);
    let mut refused = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let parsed = ComposeFile::parse(&text);
        if let Some(p) = parsed.problem() {
            refused.push(format!("{}:{}: {}", f.display(), p.line, p.message));
            continue;
        }
        taken += 1;
        let fixed = compose::fix(&text, &settings, &Facts::new())
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let out = fixed.output().to_string();
        changed += usize::from(out != text);
        assert!(ComposeFile::parse(&out).is_ok(), "{}", f.display());
        let again = compose::fix(&out, &settings, &Facts::new()).unwrap();
        assert_eq!(again.output(), out, "{}: not idempotent", f.display());
    }
    eprintln!(
        "compose corpus: {} files, {taken} taken, {changed} changed, {} refused:\n{}",
        files.len(),
        refused.len(),
        refused.join("\n")
    );
    // awesome-compose is valid Compose throughout: none may be refused.
    assert!(
        !refused.iter().any(|r| r.contains("awesome-compose")),
        "{refused:?}"
    );
    assert!(
        taken * 10 >= files.len() * 9,
        "too many refused: {refused:?}"
    );
}
