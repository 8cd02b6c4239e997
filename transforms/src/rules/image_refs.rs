//! Where a Dockerfile names images from a registry: `FROM`, `COPY --from=`,
//! `RUN --mount=...,from=`, and global `ARG` defaults that a `FROM` uses.
//! Shared by the pinning rules and by the application, which looks up the
//! digests of exactly these references before the rules run.

use std::collections::HashMap;
use std::ops::Range;

use dfix_grammar::image_ref::ImageRef;
use dfix_grammar::{Document, Kind, Word};

/// Where an image reference was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageSite {
    /// The base image of a stage.
    From,
    /// `COPY --from=<image>`.
    CopyFrom,
    /// `RUN --mount=...,from=<image>`.
    MountFrom,
    /// The default of a global `ARG` that a `FROM` uses (`FROM ${BASE}`).
    ArgDefault,
}

/// An image reference that names a registry image.
#[derive(Debug, Clone)]
pub struct ImageUse {
    /// The reference as written (after resolving a global ARG default).
    pub reference: String,
    /// Where it was found.
    pub site: ImageSite,
    /// Bytes of the reference text in the file when it is written there
    /// literally (no quotes, escapes or continuations inside), so a fix can
    /// edit it; `None` otherwise.
    pub literal_span: Option<Range<usize>>,
    /// Bytes to point a finding at.
    pub span: Range<usize>,
    /// Index of the instruction.
    pub instruction: usize,
}

/// A reference that cannot be pinned, and why.
#[derive(Debug, Clone)]
pub struct SkippedImage {
    /// The text as written.
    pub text: String,
    /// Why it is skipped.
    pub reason: String,
    /// Bytes to point a finding at.
    pub span: Range<usize>,
}

/// Every registry image the document uses, and the references skipped with a reason.
/// `scratch` and stage names are not images and are silently left out.
pub fn image_uses(doc: &Document) -> (Vec<ImageUse>, Vec<SkippedImage>) {
    let source = doc.source();
    let mut uses = Vec::new();
    let mut skipped = Vec::new();
    // Global ARGs: those before the first FROM, with their default's word.
    let mut global_args: HashMap<String, (String, Option<Range<usize>>)> = HashMap::new();
    let mut stage_names: Vec<String> = Vec::new();
    let mut seen_from = false;
    for (i, ins) in doc.instructions.iter().enumerate() {
        let ins_eff = ins.effective();
        match ins_eff.kind {
            Kind::Arg if !seen_from => {
                for w in &ins.words {
                    if let Some((name, value)) = w.value().split_once('=') {
                        let span = literal_value_span(source, w, name.len() + 1);
                        global_args.insert(name.to_string(), (value.to_string(), span));
                    }
                }
            }
            Kind::From if ins.sub.is_none() => {
                seen_from = true;
                let Some(base) = ins.words.first() else {
                    continue;
                };
                let name = ins
                    .words
                    .get(1)
                    .filter(|w| w.value().eq_ignore_ascii_case("as"))
                    .and_then(|_| ins.words.get(2))
                    .map(|w| w.value().to_string());
                let text = base.value().to_string();
                let is_stage = |t: &str| stage_names.iter().any(|s| s.eq_ignore_ascii_case(t));
                if let Some(var) = whole_variable(&base.raw) {
                    match global_args.get(var) {
                        Some((value, span)) if !value.is_empty() && !value.contains('$') => {
                            if !value.eq_ignore_ascii_case("scratch") && !is_stage(value) {
                                uses.push(ImageUse {
                                    reference: value.clone(),
                                    site: ImageSite::ArgDefault,
                                    literal_span: span.clone(),
                                    span: span.clone().unwrap_or(base.span.clone()),
                                    instruction: i,
                                });
                            }
                        }
                        _ => skipped.push(SkippedImage {
                            text: base.raw.clone(),
                            reason: format!(
                                "the variable `{var}` has no global ARG default to pin"
                            ),
                            span: base.span.clone(),
                        }),
                    }
                } else if base.has_variable() {
                    skipped.push(SkippedImage {
                        text: base.raw.clone(),
                        reason: "the reference is built from variables".to_string(),
                        span: base.span.clone(),
                    });
                } else if !text.eq_ignore_ascii_case("scratch") && !is_stage(&text) {
                    uses.push(ImageUse {
                        reference: text,
                        site: ImageSite::From,
                        literal_span: literal_value_span(source, base, 0),
                        span: base.span.clone(),
                        instruction: i,
                    });
                }
                if let Some(n) = name {
                    stage_names.push(n);
                }
            }
            Kind::Copy if ins.sub.is_none() => {
                if let Some(flag) = ins.flag("from") {
                    let Some(value) = flag.value.as_deref() else {
                        continue;
                    };
                    if is_stage_ref(value, &stage_names) {
                        continue;
                    }
                    push_flag_use(
                        &mut uses,
                        &mut skipped,
                        source,
                        flag.span.clone(),
                        "--from=",
                        value,
                        ImageSite::CopyFrom,
                        i,
                    );
                }
            }
            Kind::Run if ins.sub.is_none() => {
                for flag in ins
                    .flags
                    .iter()
                    .filter(|f| f.name.eq_ignore_ascii_case("mount"))
                {
                    let Some(opts) = flag.value.as_deref() else {
                        continue;
                    };
                    for opt in opts.split(',') {
                        if let Some(value) = opt.strip_prefix("from=") {
                            if is_stage_ref(value, &stage_names) {
                                continue;
                            }
                            push_flag_use(
                                &mut uses,
                                &mut skipped,
                                source,
                                flag.span.clone(),
                                "from=",
                                value,
                                ImageSite::MountFrom,
                                i,
                            );
                        }
                    }
                }
            }
            _ => {}
        }
    }
    (uses, skipped)
}

fn is_stage_ref(value: &str, stages: &[String]) -> bool {
    value.parse::<usize>().is_ok()
        || stages.iter().any(|s| s.eq_ignore_ascii_case(value))
        || value.eq_ignore_ascii_case("scratch")
}

#[allow(clippy::too_many_arguments)]
fn push_flag_use(
    uses: &mut Vec<ImageUse>,
    skipped: &mut Vec<SkippedImage>,
    source: &str,
    flag_span: Range<usize>,
    key: &str,
    value: &str,
    site: ImageSite,
    i: usize,
) {
    if value.contains('$') {
        skipped.push(SkippedImage {
            text: value.to_string(),
            reason: "the reference is built from variables".to_string(),
            span: flag_span,
        });
        return;
    }
    // The value is literal when `key=value` appears as is in the flag's text.
    let flag_text = &source[flag_span.clone()];
    let needle = format!("{key}{value}");
    let literal_span = flag_text.find(&needle).and_then(|at| {
        let start = flag_span.start + at + key.len();
        let end = start + value.len();
        // Not followed by more of the value (e.g. a longer name).
        let next = source[end..].chars().next();
        (next.is_none_or(|c| c == ',' || c.is_whitespace() || c == '"' || c == '\''))
            .then_some(start..end)
    });
    uses.push(ImageUse {
        reference: value.to_string(),
        site,
        literal_span,
        span: flag_span,
        instruction: i,
    });
}

/// `$X` or `${X}` alone: the variable name.
fn whole_variable(raw: &str) -> Option<&str> {
    let name = raw
        .strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .or_else(|| raw.strip_prefix('$'))?;
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then_some(name)
}

/// The file span of `word`'s value after `skip` bytes when the word is
/// written literally (its raw text equals its value and lies in one line).
fn literal_value_span(source: &str, word: &Word, skip: usize) -> Option<Range<usize>> {
    if word.raw != word.unquoted
        || word.span.len() != word.raw.len()
        || source.get(word.span.clone())? != word.raw
    {
        return None;
    }
    Some(word.span.start + skip..word.span.end)
}

/// The edit that pins `reference` (literally at `span`) to `digest`:
/// `name[:tag]` → `name:tag@digest` (an untagged name gets its implicit
/// `:latest` made explicit). `None` for digest-only references.
pub fn pin_edit(
    reference: &ImageRef,
    span: &Range<usize>,
    digest: &str,
) -> Option<(usize, String)> {
    if reference.digest().is_some() {
        return None;
    }
    match reference.tag_span() {
        Some(t) => Some((span.start + t.end, format!("@{digest}"))),
        None => Some((
            span.start + reference.name_span().end,
            format!(":latest@{digest}"),
        )),
    }
}
