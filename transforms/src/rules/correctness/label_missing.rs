//! DF150: a stage without a configured label.

use dfix_grammar::Kind;

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::label_schema::{labels, LABELS_OPTION};
use crate::users::analysis::{global_args, stage_chain};

const DOC: &str = r#"## What it does
Finds stages that do not set a label listed in the rule's `labels`
option: not in the stage, nor in the stage it is built `FROM`. The finding
is on the stage's `FROM`. As in hadolint, stages that only serve as a
`COPY --from` source are not reported (their labels never reach an
image).

The rule is off until it is configured:
```toml
[rules.label-missing]
labels = ["org.opencontainers.image.source"]
```

## Why is this bad?
Labels the team relies on (source repository, owner, version) are missing
from the image, so registries and scanners cannot link it back.

## Example
```dockerfile
FROM alpine:3.20
```

## Fixed
```dockerfile
FROM alpine:3.20
LABEL org.opencontainers.image.source="https://github.com/acme/app"
```

## Fix safety
No fix: the value is not known.

## Options
- `labels` (list of label keys, default none): the labels every stage sets.

## Aliases
- hadolint: `DL3049`

## References
- https://github.com/opencontainers/image-spec/blob/main/annotations.md
"#;

/// The rule.
pub struct LabelMissing;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF150",
    name: "label-missing",
    aliases: &["DL3049"],
    severity: Severity::Info,
    summary: "A configured label is missing",
    doc: DOC,
    fix: FixAvailability::None,
    options: LABELS_OPTION,
};

impl Rule for LabelMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let names = ctx.option_strs("labels");
        if names.is_empty() {
            return Vec::new();
        }
        let doc = ctx.doc;
        let globals = global_args(doc);
        let stages = doc.stages();
        let set = labels(doc);
        // Stage names that a `COPY --from` reads.
        let sources: Vec<String> = doc
            .instructions
            .iter()
            .filter(|i| i.kind == Kind::Copy)
            .filter_map(|i| i.flag("from").and_then(|f| f.value.clone()))
            .map(|v| v.to_ascii_lowercase())
            .collect();
        let mut out = Vec::new();
        for stage in stages {
            let is_source = stage
                .name
                .as_ref()
                .is_some_and(|n| sources.contains(&n.value().to_ascii_lowercase()))
                || sources.contains(&stage.index.to_string());
            if is_source {
                continue;
            }
            let chain = stage_chain(stages, stage.index, &globals);
            for name in &names {
                let present = set.iter().any(|l| {
                    l.key == *name
                        && chain
                            .iter()
                            .any(|&s| stages[s].instructions.contains(&l.instruction))
                });
                if !present {
                    out.push(Diagnostic::new(
                        &META,
                        format!("Label `{name}` is missing"),
                        doc.instructions[stage.from].span.clone(),
                    ));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::{OptionValue, RuleOptions};
    use crate::rules::test_support::*;

    fn configured(src: &str) -> usize {
        let mut o = RuleOptions::new();
        o.insert(
            "labels".into(),
            OptionValue::List(vec![OptionValue::Str("owner".into())]),
        );
        crate::engine::check(
            src,
            &crate::settings::Settings::default()
                .with_selection(&[META.id.to_string()], &[])
                .unwrap()
                .with_rule_options(META.name, o)
                .unwrap(),
            &crate::rule::Facts::new(),
        )
        .diagnostics
        .len()
    }

    #[test]
    fn cases() {
        assert!(findings(&META, "FROM a\n").is_empty());
        assert_eq!(configured("FROM a\n"), 1);
        assert_eq!(configured("FROM a\nLABEL owner=me\n"), 0);
        assert_eq!(configured("FROM a\nLABEL owner me\n"), 0);
        assert_eq!(configured("FROM a AS base\nLABEL owner=me\nFROM base\n"), 0);
        assert_eq!(
            configured(
                "FROM a AS build\nRUN make\nFROM b\nCOPY --from=build /x /x\nLABEL owner=me\n"
            ),
            0
        );
        assert_eq!(configured("FROM a AS one\nLABEL owner=me\nFROM a\n"), 1);
        assert_eq!(configured("FROM a\nONBUILD LABEL owner=me\n"), 1);
    }
}
