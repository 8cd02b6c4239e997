//! `docs/rules.md`, the page the language server links every diagnostic to,
//! is generated from the rules and must match them. Regenerate with
//! `DFIX_UPDATE_DOCS=1 cargo test --test rule_docs`.

use std::path::Path;

#[test]
fn the_committed_rule_docs_are_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    let want = dfix::commands::rules::markdown();
    if std::env::var_os("DFIX_UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/rules.md is out of date: run `DFIX_UPDATE_DOCS=1 cargo test --test rule_docs`"
    );
    // Every rule has its anchor, which the server's links end with.
    for m in dfix_transforms::all_metas() {
        let id = m.id.to_ascii_lowercase();
        assert!(have.contains(&format!("<a id=\"{id}\"></a>")), "{id}");
    }
    assert!(dfix::server::diagnostics::RULE_DOCS.ends_with("/docs/rules.md#"));
}
