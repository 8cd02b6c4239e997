//! `WWW-Authenticate` challenge parsing and token-server responses
//! (distribution `docs/spec/auth/token.md`, RFC 7235 / RFC 6750).

use std::collections::HashMap;
use std::time::Duration;

/// One authentication challenge from a `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Challenge {
    /// Lower-cased scheme: `bearer`, `basic`, …
    pub scheme: String,
    /// Lower-cased parameter names → values (quotes removed, escapes resolved).
    pub params: HashMap<String, String>,
}

impl Challenge {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
}

/// Parses a `WWW-Authenticate` value, which may hold several challenges:
/// `Bearer realm="https://x/token",service="x",Basic realm="x"`.
///
/// Values may be quoted strings containing commas and `\"` escapes, so this is
/// a small tokenizer rather than a split on `,`.
pub(crate) fn parse_challenges(header: &str) -> Vec<Challenge> {
    let mut out: Vec<Challenge> = Vec::new();
    let b = header.as_bytes();
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && (b[*i] == b' ' || b[*i] == b'\t' || b[*i] == b',') {
            *i += 1;
        }
    };
    let is_token = |c: u8| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~/".contains(&c);
    loop {
        skip_ws(&mut i);
        if i >= b.len() {
            break;
        }
        let start = i;
        while i < b.len() && is_token(b[i]) {
            i += 1;
        }
        if i == start {
            // Garbage character: skip it rather than loop forever.
            i += 1;
            continue;
        }
        let word = &header[start..i];
        // Is this `name=value` (a parameter) or a new scheme?
        let mut j = i;
        while j < b.len() && b[j] == b' ' {
            j += 1;
        }
        if j < b.len() && b[j] == b'=' && !out.is_empty() {
            j += 1;
            while j < b.len() && b[j] == b' ' {
                j += 1;
            }
            let (value, next) = if j < b.len() && b[j] == b'"' {
                let mut v = String::new();
                let mut k = j + 1;
                while k < b.len() && b[k] != b'"' {
                    if b[k] == b'\\' && k + 1 < b.len() {
                        k += 1;
                    }
                    // Safe: only ASCII bytes are treated specially, and we copy
                    // whole chars below.
                    let ch_len = utf8_len(b[k]);
                    v.push_str(header.get(k..k + ch_len).unwrap_or(""));
                    k += ch_len;
                }
                (v, (k + 1).min(b.len()))
            } else {
                let vs = j;
                let mut k = j;
                while k < b.len() && b[k] != b',' && b[k] != b' ' {
                    k += 1;
                }
                (header[vs..k].to_string(), k)
            };
            if let Some(last) = out.last_mut() {
                last.params.insert(word.to_ascii_lowercase(), value);
            }
            i = next;
        } else {
            out.push(Challenge {
                scheme: word.to_ascii_lowercase(),
                params: HashMap::new(),
            });
        }
    }
    out
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// A bearer token and how long it may be reused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub token: String,
    pub expires_in: Duration,
}

/// Parses a token-server response: `token` and/or `access_token`, optional
/// `expires_in` (the spec's default is 60 seconds).
pub(crate) fn parse_token_response(body: &[u8]) -> Result<Token, String> {
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("token response is not JSON: {e}"))?;
    let token = ["token", "access_token"]
        .iter()
        .find_map(|k| v.get(*k).and_then(|t| t.as_str()).filter(|t| !t.is_empty()))
        .ok_or("token response has neither \"token\" nor \"access_token\"")?;
    let secs = v
        .get("expires_in")
        .and_then(|e| e.as_u64())
        .filter(|&s| s > 0)
        .unwrap_or(60);
    Ok(Token {
        token: token.to_string(),
        expires_in: Duration::from_secs(secs),
    })
}

/// Percent-encodes a query-string value (RFC 3986 unreserved characters kept).
pub(crate) fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_bearer_challenge() {
        let c = parse_challenges(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push""#,
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].scheme, "bearer");
        assert_eq!(c[0].param("realm"), Some("https://auth.docker.io/token"));
        assert_eq!(c[0].param("service"), Some("registry.docker.io"));
        assert_eq!(
            c[0].param("scope"),
            Some("repository:samalba/my-app:pull,push")
        );
    }

    #[test]
    fn several_challenges_in_one_header() {
        let c = parse_challenges(
            r#"Bearer realm="https://codeberg.org/v2/token",service="container_registry",scope="*",Basic realm="https://codeberg.org/v2",charset="UTF-8""#,
        );
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].param("scope"), Some("*"));
        assert_eq!(c[1].scheme, "basic");
        assert_eq!(c[1].param("realm"), Some("https://codeberg.org/v2"));
        assert_eq!(c[1].param("charset"), Some("UTF-8"));
    }

    #[test]
    fn basic_and_odd_spellings() {
        let c = parse_challenges(r#"Basic realm="test-realm""#);
        assert_eq!(c[0].scheme, "basic");
        assert_eq!(c[0].param("realm"), Some("test-realm"));
        let c = parse_challenges(r#"BEARER Realm = "a\"b", error=insufficient_scope"#);
        assert_eq!(c[0].scheme, "bearer");
        assert_eq!(c[0].param("realm"), Some("a\"b"));
        assert_eq!(c[0].param("error"), Some("insufficient_scope"));
        // Never panics on junk.
        for junk in [
            "",
            "=",
            "\"",
            "Bearer realm=\"unterminated",
            ",,,",
            "Bearer =x",
            "é",
        ] {
            let _ = parse_challenges(junk);
        }
    }

    #[test]
    fn token_responses() {
        let t = parse_token_response(br#"{"token":"abc","expires_in":300}"#).unwrap();
        assert_eq!(t.token, "abc");
        assert_eq!(t.expires_in, Duration::from_secs(300));
        let t = parse_token_response(br#"{"access_token":"xyz"}"#).unwrap();
        assert_eq!(t.token, "xyz");
        assert_eq!(t.expires_in, Duration::from_secs(60));
        assert!(parse_token_response(b"{}").is_err());
        assert!(parse_token_response(b"<html>").is_err());
    }

    #[test]
    fn encodes_scopes() {
        assert_eq!(
            url_encode("repository:library/x:pull"),
            "repository%3Alibrary%2Fx%3Apull"
        );
    }
}
