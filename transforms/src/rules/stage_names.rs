//! Stage names and the places that refer to a stage: `FROM <stage>`,
//! `COPY --from=<stage>` and `RUN --mount=...,from=<stage>`. Shared by the
//! stage rules (casing, duplicates, reserved names, undefined and
//! self references). BuildKit compares stage names case-insensitively (it
//! lower-cases them when it parses `FROM ... AS name` and when it looks a
//! reference up), so every comparison here does too.

use std::ops::Range;

use dfix_grammar::{Document, Kind, Word};

/// A named stage: `FROM image AS name`.
#[derive(Debug, Clone)]
pub struct StageName {
    /// 0-based index of the stage.
    pub stage: usize,
    /// Index of its FROM in [`Document::instructions`].
    pub instruction: usize,
    /// The name word as written.
    pub word: Word,
}

impl StageName {
    /// The name as BuildKit keeps it (lower-cased).
    pub fn key(&self) -> String {
        self.word.value().to_ascii_lowercase()
    }
}

/// Where a reference to a stage (or an image) is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefSite {
    /// The base of a `FROM`.
    From,
    /// `COPY --from=`.
    CopyFrom,
    /// `RUN --mount=...,from=`.
    MountFrom,
}

/// A place that names a stage or an image by a plain value.
#[derive(Debug, Clone)]
pub struct StageRef {
    /// The value as BuildKit reads it (quotes removed).
    pub value: String,
    /// Where it is written.
    pub site: RefSite,
    /// Index of the instruction.
    pub instruction: usize,
    /// 0-based index of the stage the instruction belongs to.
    pub stage: usize,
    /// Bytes of the value in the file when written literally there (so a
    /// fix can edit it); `None` otherwise.
    pub literal_span: Option<Range<usize>>,
    /// Bytes to point a finding at.
    pub span: Range<usize>,
}

/// Every named stage, in order.
pub fn stage_names(doc: &Document) -> Vec<StageName> {
    doc.stages()
        .iter()
        .filter_map(|s| {
            s.name.clone().map(|word| StageName {
                stage: s.index,
                instruction: s.from,
                word,
            })
        })
        .collect()
}

/// Every `FROM` base, `COPY --from` and `RUN --mount from=` value of the
/// document's own instructions (not those ONBUILD registers for a later
/// build, which refer to that build's stages). Instructions before the
/// first FROM belong to no stage and are left out.
pub fn stage_refs(doc: &Document) -> Vec<StageRef> {
    let source = doc.source();
    let mut out = Vec::new();
    for stage in doc.stages() {
        for i in stage.instructions.clone() {
            let ins = &doc.instructions[i];
            if ins.sub.is_some() {
                continue;
            }
            match ins.kind {
                Kind::From => {
                    if let Some(base) = ins.words.first() {
                        let literal = (base.raw == base.unquoted
                            && source.get(base.span.clone()) == Some(base.raw.as_str()))
                        .then(|| base.span.clone());
                        out.push(StageRef {
                            value: base.value().to_string(),
                            site: RefSite::From,
                            instruction: i,
                            stage: stage.index,
                            literal_span: literal,
                            span: base.span.clone(),
                        });
                    }
                }
                Kind::Copy => {
                    for flag in ins.flags.iter().filter(|f| f.name == "from") {
                        let Some(value) = flag.value.as_deref() else {
                            continue;
                        };
                        out.push(StageRef {
                            value: value.to_string(),
                            site: RefSite::CopyFrom,
                            instruction: i,
                            stage: stage.index,
                            literal_span: option_value_span(source, &flag.span, "from", value),
                            span: flag.span.clone(),
                        });
                    }
                }
                Kind::Run => {
                    for flag in ins.flags.iter().filter(|f| f.name == "mount") {
                        let Some(opts) = flag.value.as_deref() else {
                            continue;
                        };
                        for opt in opts.split(',') {
                            let Some((key, value)) = opt.split_once('=') else {
                                continue;
                            };
                            if !key.trim().eq_ignore_ascii_case("from") {
                                continue;
                            }
                            out.push(StageRef {
                                value: value.to_string(),
                                site: RefSite::MountFrom,
                                instruction: i,
                                stage: stage.index,
                                literal_span: option_value_span(source, &flag.span, "from", value),
                                span: flag.span.clone(),
                            });
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// The file bytes of `key=value` 's value inside the flag at `flag_span`,
/// when it is written there literally and exactly once, with `key=`
/// starting the flag's value or an option and the value ending one.
pub fn option_value_span(
    source: &str,
    flag_span: &Range<usize>,
    key: &str,
    value: &str,
) -> Option<Range<usize>> {
    if value.is_empty() {
        return None;
    }
    let text = source.get(flag_span.clone())?;
    let needle = format!("{key}={value}");
    let mut found = None;
    let mut from = 0;
    while let Some(at) = text[from..].find(&needle).map(|a| a + from) {
        let before = text[..at].chars().next_back();
        let after = text[at + needle.len()..].chars().next();
        let starts = matches!(before, Some('-' | ',' | '='));
        let ends = after.is_none_or(|c| c == ',' || c.is_whitespace());
        if starts && ends {
            if found.is_some() {
                return None;
            }
            let start = flag_span.start + at + key.len() + 1;
            found = Some(start..start + value.len());
        }
        from = at + 1;
    }
    found
}

/// True when `value` names a stage by its index (`--from=0`).
pub fn is_stage_index(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_names_and_references() {
        let doc = Document::parse(
            "FROM a AS Build\nRUN --mount=type=cache,from=Build,target=/x ls\nFROM Build\nCOPY --from=build /a /b\nONBUILD COPY --from=x / /\n",
        );
        let names = stage_names(&doc);
        assert_eq!(names.len(), 1);
        assert_eq!(names[0].key(), "build");
        let refs = stage_refs(&doc);
        let src = doc.source();
        let values: Vec<(&str, RefSite, Option<&str>)> = refs
            .iter()
            .map(|r| {
                (
                    r.value.as_str(),
                    r.site,
                    r.literal_span.clone().map(|s| &src[s]),
                )
            })
            .collect();
        assert_eq!(
            values,
            vec![
                ("a", RefSite::From, Some("a")),
                ("Build", RefSite::MountFrom, Some("Build")),
                ("Build", RefSite::From, Some("Build")),
                ("build", RefSite::CopyFrom, Some("build")),
            ]
        );
    }

    #[test]
    fn quoted_values_are_not_literal() {
        let doc = Document::parse("FROM a AS b\nRUN --mount=\"type=bind,from=b\" ls\n");
        let refs = stage_refs(&doc);
        assert_eq!(refs[1].value, "b");
        assert_eq!(refs[1].site, RefSite::MountFrom);
        assert_eq!(refs[1].literal_span, None);
    }
}
