//! Helpers for the rules' unit tests: run one rule, fix with one rule, and
//! before/after snapshots stored in the repository's `snapshots/` folder.

use crate::diagnostic::Diagnostic;
use crate::engine;
use crate::rule::{Facts, RuleMeta, RuleOptions};
use crate::settings::Settings;

fn settings_for(meta: &RuleMeta, options: Option<RuleOptions>, unsafe_fixes: bool) -> Settings {
    let mut s = Settings::default()
        .with_selection(&[meta.id.to_string()], &[])
        .expect("the rule's id selects it");
    if let Some(o) = options {
        s = s.with_rule_options(meta.name, o).expect("valid options");
    }
    s.unsafe_fixes = unsafe_fixes;
    s
}

/// The findings of one rule on `source`.
pub fn findings(meta: &RuleMeta, source: &str) -> Vec<Diagnostic> {
    engine::check(source, &settings_for(meta, None, false), &Facts::new()).diagnostics
}

/// The findings of one rule on `source` with its options.
pub fn findings_with(meta: &RuleMeta, options: RuleOptions, source: &str) -> Vec<Diagnostic> {
    engine::check(
        source,
        &settings_for(meta, Some(options), false),
        &Facts::new(),
    )
    .diagnostics
}

/// The number of findings of a label rule on `source` when its `labels`
/// option names `org.example.x` (the label rules find nothing unconfigured).
pub fn label_findings(meta: &RuleMeta, source: &str) -> usize {
    let mut o = RuleOptions::new();
    o.insert(
        "labels".into(),
        crate::rule::OptionValue::List(vec![crate::rule::OptionValue::Str("org.example.x".into())]),
    );
    findings_with(meta, o, source).len()
}

/// `source` fixed by one rule, safe fixes only.
pub fn fix_rule(meta: &RuleMeta, source: &str) -> String {
    fix_rule_with(meta, source, None, false)
}

/// `source` fixed by one rule with options and the unsafe-fixes setting.
/// Also checks that the output parses as well as the input did and that
/// fixing it again changes nothing.
pub fn fix_rule_with(
    meta: &RuleMeta,
    source: &str,
    options: Option<RuleOptions>,
    unsafe_fixes: bool,
) -> String {
    let settings = settings_for(meta, options, unsafe_fixes);
    let fixed = match engine::fix(source, &settings, &Facts::new()) {
        Ok(f) => f,
        Err(e) => panic!("{}: {e}", meta.id),
    };
    let out = fixed.output().to_string();
    let again = match engine::fix(&out, &settings, &Facts::new()) {
        Ok(f) => f,
        Err(e) => panic!("{} on its own output: {e}", meta.id),
    };
    assert_eq!(
        again.output(),
        out,
        "{}: fixing twice changes the text",
        meta.id
    );
    out
}

fn describe(doc: &dfix_grammar::Document, diags: &[Diagnostic]) -> String {
    let mut s = String::new();
    for d in diags {
        let (line, col) = doc.line_col(d.span.start);
        let fix = match &d.fix {
            Some(f) => format!(" [{}: {}]", f.applicability.as_str(), f.message),
            None => String::new(),
        };
        s.push_str(&format!("{line}:{col} {} {}{fix}\n", d.rule.id, d.message));
    }
    s
}

/// Snapshot of one rule on a fixture: the input, the findings, the output
/// with safe fixes and (when different) with unsafe fixes too. Stored as
/// `snapshots/<ID>_<name>.snap`.
pub fn assert_fixture(meta: &'static RuleMeta, name: &str, source: &str) {
    let checked = engine::check(source, &settings_for(meta, None, false), &Facts::new());
    assert!(
        checked.document.errors.is_empty(),
        "fixture {name} does not parse: {:?}",
        checked.document.errors
    );
    assert!(
        !checked.diagnostics.is_empty(),
        "fixture {name} finds nothing"
    );
    let safe = fix_rule_with(meta, source, None, false);
    let unsafe_out = fix_rule_with(meta, source, None, true);
    let mut text = format!(
        "rule: {} {}\n---- input\n{source}\n---- findings\n{}",
        meta.id,
        meta.name,
        describe(&checked.document, &checked.diagnostics)
    );
    text.push_str(&format!("---- fixed\n{safe}"));
    if unsafe_out != safe {
        text.push_str(&format!("\n---- fixed with --unsafe-fixes\n{unsafe_out}"));
    }
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/../snapshots"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(format!("{}_{name}", meta.id), text);
    });
}
