//! The label schema shared by the label rules (DF150–DF158): the labels of
//! a file with their values, and the value formats hadolint's
//! `label-schema` knows. Each rule reads the label names it checks from its
//! own `labels` option in `dfix.toml` and finds nothing when it has none.

use std::ops::Range;

use dfix_grammar::{Document, Kind};

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, OptionKind, OptionMeta, RuleMeta};

/// The `labels` option of the label-format rules.
pub(crate) static LABELS_OPTION: &[OptionMeta] = &[OptionMeta {
    name: "labels",
    kind: OptionKind::StrList,
    doc: "The label keys whose values are checked (default: none, the rule is off).",
}];

/// One label a `LABEL` sets.
pub(crate) struct LabelSet {
    /// The instruction's index.
    pub instruction: usize,
    /// The key, quotes removed.
    pub key: String,
    /// The value, quotes removed; `None` when it uses a variable.
    pub value: Option<String>,
    /// The bytes of the `key=value` word (or of the whole legacy form).
    pub span: Range<usize>,
}

/// Every label of the file (ONBUILD ones left out: they label another
/// image), in order.
pub(crate) fn labels(doc: &Document) -> Vec<LabelSet> {
    let mut out = Vec::new();
    for (i, ins) in doc.instructions.iter().enumerate() {
        if ins.kind != Kind::Label {
            continue;
        }
        let words = &ins.words;
        match words.first() {
            Some(first) if !first.value().contains('=') => {
                let rest = &words[1..];
                let variable = rest.iter().any(|w| w.has_variable());
                let value: Vec<&str> = rest.iter().map(|w| w.value()).collect();
                out.push(LabelSet {
                    instruction: i,
                    key: first.value().to_string(),
                    value: (!variable).then(|| value.join(" ")),
                    span: ins.args_span(),
                });
            }
            _ => {
                for w in words {
                    if let Some((k, v)) = w.value().split_once('=') {
                        out.push(LabelSet {
                            instruction: i,
                            key: k.to_string(),
                            value: (!w.has_variable()).then(|| v.to_string()),
                            span: w.span.clone(),
                        });
                    }
                }
            }
        }
    }
    out
}

/// Findings for every configured label whose known value `valid` rejects.
pub(crate) fn check_values(
    ctx: &Context,
    meta: &'static RuleMeta,
    what: &str,
    valid: fn(&str) -> bool,
) -> Vec<Diagnostic> {
    let names = ctx.option_strs("labels");
    if names.is_empty() {
        return Vec::new();
    }
    labels(ctx.doc)
        .into_iter()
        .filter(|l| names.contains(&l.key.as_str()))
        .filter_map(|l| {
            let value = l.value?;
            (!valid(&value)).then(|| {
                Diagnostic::new(
                    meta,
                    format!("Label `{}` is not {what}: `{value}`", l.key),
                    l.span,
                )
            })
        })
        .collect()
}

/// An absolute URI: a scheme, `:`, and no character a URI cannot hold.
pub(crate) fn is_url(v: &str) -> bool {
    let Some((scheme, rest)) = v.split_once(':') else {
        return false;
    };
    scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && rest.chars().all(|c| {
            c.is_ascii_graphic()
                && !matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '\\' | '^' | '`')
        })
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// An RFC 3339 date-time: `2024-01-31T12:00:00Z`, fractions and
/// `+01:00`-style offsets allowed (`t`/`z` in lower case too).
pub(crate) fn is_rfc3339(v: &str) -> bool {
    let Some((date, time)) = v.split_once(['T', 't']) else {
        return false;
    };
    let d: Vec<&str> = date.split('-').collect();
    let date_ok = d.len() == 3
        && digits(d[0], 4)
        && digits(d[1], 2)
        && digits(d[2], 2)
        && (1..=12).contains(&d[1].parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&d[2].parse::<u32>().unwrap_or(0));
    let (clock, offset) = if let Some(c) = time.strip_suffix(['Z', 'z']) {
        (c, None)
    } else if let Some(at) = time.rfind(['+', '-']) {
        (&time[..at], Some(&time[at + 1..]))
    } else {
        return false;
    };
    let offset_ok = offset.is_none_or(|o| {
        o.split_once(':')
            .is_some_and(|(h, m)| digits(h, 2) && digits(m, 2))
    });
    let (hms, frac) = match clock.split_once('.') {
        Some((hms, frac)) => (hms, Some(frac)),
        None => (clock, None),
    };
    let t: Vec<&str> = hms.split(':').collect();
    date_ok
        && offset_ok
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
        && t.len() == 3
        && t.iter().all(|p| digits(p, 2))
        && t[0] < "24"
        && t[1] < "60"
        && t[2] <= "60"
}

/// An SPDX license expression, by its syntax: license ids (`MIT`,
/// `Apache-2.0`, `LicenseRef-x`, `GPL-2.0+`) joined by `AND`/`OR`, an
/// optional `WITH` exception, and parentheses.
pub(crate) fn is_spdx(v: &str) -> bool {
    let spaced = v.replace('(', " ( ").replace(')', " ) ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let id = |t: &str| {
        !t.is_empty()
            && !matches!(t, "AND" | "OR" | "WITH" | "(" | ")")
            && t.trim_end_matches('+')
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
            && t.starts_with(|c: char| c.is_ascii_alphanumeric())
    };
    // expr := term (("AND"|"OR") term)* ; term := id ["WITH" id] | "(" expr ")"
    fn expr(t: &[&str], at: &mut usize, id: &dyn Fn(&str) -> bool, depth: usize) -> bool {
        if depth > 32 {
            return false;
        }
        loop {
            match t.get(*at) {
                Some(&"(") => {
                    *at += 1;
                    if !expr(t, at, id, depth + 1) || t.get(*at) != Some(&")") {
                        return false;
                    }
                    *at += 1;
                }
                Some(x) if id(x) => {
                    *at += 1;
                    if t.get(*at) == Some(&"WITH") {
                        if !t.get(*at + 1).is_some_and(|x| id(x)) {
                            return false;
                        }
                        *at += 2;
                    }
                }
                _ => return false,
            }
            match t.get(*at) {
                Some(&"AND") | Some(&"OR") => *at += 1,
                _ => return true,
            }
        }
    }
    let mut at = 0;
    !tokens.is_empty() && expr(&tokens, &mut at, &id, 0) && at == tokens.len()
}

/// A git commit hash as hadolint accepts it: 7 or 40 lower-case hex digits.
pub(crate) fn is_git_hash(v: &str) -> bool {
    (v.len() == 7 || v.len() == 40)
        && v.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A semantic version (`1.2.3`, `1.2.3-rc.1+build.5`), per semver.org.
pub(crate) fn is_semver(v: &str) -> bool {
    let (rest, build) = match v.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (v, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    let number = |p: &str| {
        !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && (p == "0" || !p.starts_with('0'))
    };
    let ident = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| number(p))
        && pre.is_none_or(|p| {
            p.split('.')
                .all(|i| ident(i) && (!i.bytes().all(|b| b.is_ascii_digit()) || number(i)))
        })
        && build.is_none_or(|b| b.split('.').all(ident))
}

/// An e-mail address (`name@example.com`): a local part and a domain of
/// dot-separated labels, no spaces.
pub(crate) fn is_email(v: &str) -> bool {
    let Some((local, domain)) = v.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let domain_ok = !domain.is_empty()
        && domain.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    local_ok && domain_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert!(is_url("https://example.com/a?b=c"));
        assert!(is_url("mailto:a@b.c"));
        assert!(!is_url("example.com"));
        assert!(!is_url("https://exa mple.com"));
        assert!(is_rfc3339("2024-01-31T12:00:00Z"));
        assert!(is_rfc3339("2024-01-31T12:00:00.123+01:00"));
        assert!(!is_rfc3339("2024-01-31"));
        assert!(!is_rfc3339("2024-13-01T00:00:00Z"));
        assert!(!is_rfc3339("2024-01-31 12:00:00Z"));
        assert!(is_spdx("MIT"));
        assert!(is_spdx(
            "(MIT OR Apache-2.0) AND GPL-2.0+ WITH Classpath-exception-2.0"
        ));
        assert!(!is_spdx("MIT OR"));
        assert!(!is_spdx("My License!"));
        assert!(!is_spdx("(MIT"));
        assert!(is_git_hash("0123abc"));
        assert!(is_git_hash(&"a".repeat(40)));
        assert!(!is_git_hash("0123ABC"));
        assert!(!is_git_hash("0123abcd"));
        assert!(is_semver("1.2.3"));
        assert!(is_semver("1.0.0-rc.1+build.5"));
        assert!(!is_semver("1.2"));
        assert!(!is_semver("v1.2.3"));
        assert!(!is_semver("01.2.3"));
        assert!(is_email("a.b+c@example.com"));
        assert!(!is_email("a@"));
        assert!(!is_email("a b@example.com"));
        assert!(!is_email("example.com"));
    }
}
