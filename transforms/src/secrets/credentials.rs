//! Well-known credential shapes found by value (the patterns gitleaks and
//! GitHub secret scanning publish): AWS access key ids, GitHub, GitLab,
//! Slack, npm and Stripe tokens, private key blocks. Hand-written matchers
//! over bytes: each shape is a fixed prefix plus a run of allowed
//! characters, which needs no regex engine.

use std::ops::Range;

/// A credential found in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// Bytes of the credential.
    pub span: Range<usize>,
    /// What it is, e.g. "GitHub personal access token".
    pub kind: &'static str,
    /// The value with everything after its public prefix masked: what the
    /// findings show instead of the value.
    pub redacted: String,
}

/// A shape: prefixes, the characters of the body, its length range.
struct Shape {
    kind: &'static str,
    prefixes: &'static [&'static str],
    body: fn(u8) -> bool,
    min: usize,
    max: usize,
}

fn alnum(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}
fn word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}
fn word_dash(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}
fn base32_upper(c: u8) -> bool {
    c.is_ascii_uppercase() || (b'2'..=b'7').contains(&c)
}

const SHAPES: &[Shape] = &[
    Shape {
        kind: "AWS access key id",
        prefixes: &["AKIA", "ASIA", "ABIA", "ACCA"],
        body: base32_upper,
        min: 16,
        max: 16,
    },
    Shape {
        kind: "GitHub fine-grained personal access token",
        prefixes: &["github_pat_"],
        body: word,
        min: 82,
        max: 82,
    },
    Shape {
        kind: "GitHub token",
        prefixes: &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
        body: alnum,
        min: 36,
        max: 36,
    },
    Shape {
        kind: "GitLab personal access token",
        prefixes: &["glpat-"],
        body: word_dash,
        min: 20,
        max: 20,
    },
    Shape {
        kind: "Slack token",
        prefixes: &["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"],
        body: word_dash,
        min: 20,
        max: 255,
    },
    Shape {
        kind: "npm access token",
        prefixes: &["npm_"],
        body: alnum,
        min: 36,
        max: 36,
    },
    Shape {
        kind: "Stripe secret key",
        prefixes: &["sk_live_", "rk_live_"],
        body: alnum,
        min: 10,
        max: 99,
    },
];

/// The bytes a credential can start with: the first byte of a token
/// prefix, and `-` of a PEM header.
static STARTS: std::sync::LazyLock<[bool; 256]> = std::sync::LazyLock::new(|| {
    let mut starts = [false; 256];
    starts[b'-' as usize] = true;
    for s in SHAPES {
        for p in s.prefixes {
            if let Some(&c) = p.as_bytes().first() {
                starts[c as usize] = true;
            }
        }
    }
    starts
});

/// Every credential in `text`, in order.
pub fn find(text: &str) -> Vec<Credential> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        // Most bytes cannot start a credential: skip them without trying
        // every shape (this loop sees every byte of every file).
        if !STARTS[b[i] as usize] {
            i += 1;
            continue;
        }
        if let Some(c) = private_key_at(text, i).or_else(|| token_at(b, i)) {
            i = c.span.end;
            out.push(c);
        } else {
            i += 1;
        }
    }
    out
}

/// A token shape starting at `i`, on a word boundary at both ends.
fn token_at(b: &[u8], i: usize) -> Option<Credential> {
    if i > 0 && word(b[i - 1]) {
        return None;
    }
    for s in SHAPES {
        for p in s.prefixes {
            if !b[i..].starts_with(p.as_bytes()) {
                continue;
            }
            let start = i + p.len();
            let n = b[start..].iter().take_while(|&&c| (s.body)(c)).count();
            let end = start + n;
            if n < s.min || n > s.max || b.get(end).is_some_and(|&c| word(c)) {
                continue;
            }
            let value = std::str::from_utf8(&b[i..end]).ok()?;
            // Documentation placeholders (AWS's own `AKIAIOSFODNN7EXAMPLE`).
            if value.ends_with("EXAMPLE") || value.to_ascii_lowercase().contains("xxxxxxxx") {
                return None;
            }
            return Some(Credential {
                span: i..end,
                kind: s.kind,
                redacted: format!("{p}{}", "*".repeat(8)),
            });
        }
    }
    None
}

/// A PEM private key block starting at `i` (`-----BEGIN ... PRIVATE
/// KEY-----`); the span covers the header (and body and footer when they
/// are there).
fn private_key_at(text: &str, i: usize) -> Option<Credential> {
    let rest = text.get(i..)?;
    let header = rest.strip_prefix("-----BEGIN ")?;
    let close = header.find("-----")?;
    let label = &header[..close];
    if close > 100
        || !label.ends_with("PRIVATE KEY")
        || !label
            .bytes()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b' ' || c == b'_')
    {
        return None;
    }
    let header_len = "-----BEGIN ".len() + close + 5;
    let footer = format!("-----END {label}-----");
    let end = rest
        .find(&footer)
        .map_or(i + header_len, |f| i + f + footer.len());
    Some(Credential {
        span: i..end,
        kind: "private key",
        redacted: format!("-----BEGIN {label}----- ********"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_shapes_and_masks_them() {
        let gh = format!("ghp_{}", &"a1B2c3D4e5".repeat(4)[..36]);
        let text = format!(
            "ENV A=AKIA2E3A7F3BZ44CQ7R6 B={gh} C=glpat-abcdefghij0123456789\n\
             RUN echo npm_{} && x=xoxb-123456789012-abcdefghijkl\n\
             RUN key='-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----'\n",
            &"abcdef0123".repeat(4)[..36]
        );
        let found = find(&text);
        let kinds: Vec<&str> = found.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            [
                "AWS access key id",
                "GitHub token",
                "GitLab personal access token",
                "npm access token",
                "Slack token",
                "private key"
            ]
        );
        assert_eq!(&text[found[1].span.clone()], gh);
        assert_eq!(found[1].redacted, "ghp_********");
        assert!(text[found[5].span.clone()].ends_with("-----END RSA PRIVATE KEY-----"));
        for c in &found {
            assert!(!c.redacted.contains(&text[c.span.start + 8..c.span.end]));
        }
    }

    #[test]
    fn leaves_lookalikes() {
        for t in [
            "AKIAIOSFODNN7EXAMPLE",
            "XAKIA2E3A7F3BZ44CQ7R6",
            "ghp_short",
            "npm_install",
            "-----BEGIN PUBLIC KEY-----",
            "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ] {
            assert!(find(t).is_empty(), "{t}");
        }
    }
}
