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
    /// The default of a global `ARG` that a `FROM` uses as the whole tag
    /// (`ARG GO_VERSION=1.22` + `FROM golang:${GO_VERSION}`): the reference
    /// is the name with the default as tag, and `literal_span` covers the
    /// default only, so a pin goes at its end (`1.22@sha256:…`).
    ArgTag,
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
                } else if let Some((image, var)) = tag_variable(&base.raw) {
                    match tag_through_arg(doc, image, var) {
                        Ok((tag, span)) => uses.push(ImageUse {
                            reference: format!("{image}:{tag}"),
                            site: ImageSite::ArgTag,
                            literal_span: span.clone(),
                            span: span.unwrap_or(base.span.clone()),
                            instruction: i,
                        }),
                        Err(reason) => skipped.push(SkippedImage {
                            text: base.raw.clone(),
                            reason,
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

/// `name:${VAR}` (or `name:$VAR`) with a literal name: the name and the
/// variable.
fn tag_variable(raw: &str) -> Option<(&str, &str)> {
    let (image, tag) = raw.rsplit_once(':')?;
    if image.is_empty() || image.contains(['$', '@', '"', '\'', '\\', '`']) {
        return None;
    }
    Some((image, whole_variable(tag)?))
}

/// True when `text` expands the variable `var` (`$var`, `${var}`,
/// `${var:-x}`, ...).
fn expands(text: &str, var: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(at) = text[i..].find('$') {
        let mut j = i + at + 1;
        if b.get(j) == Some(&b'{') {
            j += 1;
        }
        let end = text[j..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(text.len(), |k| j + k);
        if &text[j..end] == var {
            return true;
        }
        i = j;
    }
    false
}

/// A valid tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn is_tag(v: &str) -> bool {
    let mut chars = v.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && v.len() <= 128
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// For `FROM image:${var}`: the default of the global ARG `var` (a tag,
/// possibly already pinned `tag@sha256:…`) and the span of that default
/// when it is written literally, when pinning through the default keeps
/// every other reader's meaning: `var` is declared once before the first
/// FROM, with a default; no stage re-declares it (a RUN could read it
/// there); no other global ARG expands it; every FROM that expands it does
/// so as the whole tag of the same image. Otherwise why not.
fn tag_through_arg(
    doc: &Document,
    image: &str,
    var: &str,
) -> Result<(String, Option<Range<usize>>), String> {
    let source = doc.source();
    let mut seen_from = false;
    let mut default: Option<(String, Option<Range<usize>>)> = None;
    let mut declared = 0;
    for ins in &doc.instructions {
        let eff = ins.effective();
        match eff.kind {
            Kind::From if ins.sub.is_none() => {
                seen_from = true;
                if ins.flags.iter().any(|f| expands(&f.raw, var)) {
                    return Err(format!("a FROM flag also reads `{var}`"));
                }
                for (k, w) in ins.words.iter().enumerate() {
                    if !expands(&w.raw, var) {
                        continue;
                    }
                    if k != 0 || tag_variable(&w.raw) != Some((image, var)) {
                        return Err(format!(
                            "`{var}` is also used in `{}`, which the pinned default would break",
                            w.raw
                        ));
                    }
                }
            }
            Kind::Arg => {
                for w in &ins.words {
                    let (name, value) = w
                        .value()
                        .split_once('=')
                        .map_or((w.value(), None), |(n, v)| (n, Some(v)));
                    if name == var {
                        if seen_from || ins.sub.is_some() {
                            return Err(format!(
                                "a stage re-declares `ARG {var}`, so its instructions can read it"
                            ));
                        }
                        declared += 1;
                        let span =
                            value.and_then(|_| literal_value_span(source, w, name.len() + 1));
                        default = value.map(|v| (v.to_string(), span));
                    } else if expands(&w.raw, var) {
                        return Err(format!("the ARG `{name}` also reads `{var}`"));
                    }
                }
            }
            _ => {
                if !seen_from && expands(&source[ins.span.clone()], var) {
                    return Err(format!("another instruction reads `{var}`"));
                }
            }
        }
    }
    if declared != 1 {
        return Err(format!(
            "the variable `{var}` has no single global ARG default to pin through"
        ));
    }
    let Some((value, span)) = default else {
        return Err(format!(
            "the variable `{var}` has no global ARG default to pin"
        ));
    };
    let tag = value.split_once('@').map_or(value.as_str(), |(t, _)| t);
    if !is_tag(tag) {
        return Err(format!(
            "the default of `{var}` (`{value}`) is not only a tag"
        ));
    }
    Ok((value, span))
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
