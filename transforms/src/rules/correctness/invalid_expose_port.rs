//! DF141: an `EXPOSE` port that is not a valid port number.

use dfix_grammar::{Document, Kind, Word};

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::users::analysis::{expand, scopes};

const DOC: &str = r#"## What it does
Finds `EXPOSE` ports that are not valid: a number above 65535, a range
whose end is below its start (`8080-8000`), something that is not a
number (`EXPOSE http`), or a protocol other than `tcp`, `udp` or `sctp`.
Ports written with variables are checked with the values of `ARG`
defaults and `ENV`; a variable with no known value is skipped.

## Why is this bad?
Ports are 16-bit numbers: the build fails on what it cannot parse, and a
port above 65535 can never be published.

## Example
```dockerfile
EXPOSE 80000
EXPOSE 9000-8000/tcp
```

## Fixed
```dockerfile
EXPOSE 8000
EXPOSE 8000-9000/tcp
```

## Fix safety
No fix: the intended port cannot be known.

## Aliases
- hadolint: `DL3011`
- Trivy: `DS-0008` (`AVD-DS-0008`)

## References
- https://docs.docker.com/reference/dockerfile/#expose
"#;

/// The rule.
pub struct InvalidExposePort;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF141",
    name: "invalid-expose-port",
    aliases: &["DL3011", "DS-0008"],
    severity: Severity::Error,
    summary: "`EXPOSE` port outside 0-65535 or not a port",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

/// One `EXPOSE` argument, split as Docker parses `[ip:][hostport:]port[/proto]`.
#[derive(Debug)]
pub(crate) struct PortSpec<'a> {
    /// The word in the file.
    pub word: &'a Word,
    /// The word's value, variables expanded.
    pub value: String,
    /// The word has no variable, quote or escape: `value` is the file text.
    pub literal: bool,
    /// The container port or range (after the last `:`).
    pub container: String,
    /// What comes before the container port (`ip:hostport` or
    /// `hostport`), when anything does.
    pub host: Option<String>,
    /// The protocol after `/`, with its byte offset in `value`.
    pub proto: Option<(String, usize)>,
}

/// The ports of every `EXPOSE` (ONBUILD ones included) whose value is
/// known, with the instruction index.
pub(crate) fn expose_ports(doc: &Document) -> Vec<(usize, PortSpec<'_>)> {
    // The variables in scope cost a pass over the file: only when an
    // EXPOSE needs them.
    let vars = std::cell::OnceCell::new();
    let mut out = Vec::new();
    for (i, ins) in doc.instructions.iter().enumerate() {
        let ins = ins.effective();
        if ins.kind != Kind::Expose {
            continue;
        }
        for word in &ins.words {
            let value = if word.has_variable() {
                let vars = vars.get_or_init(|| scopes(doc));
                match vars.get(i).and_then(|v| expand(word.value(), v, false)) {
                    Some(v) => v,
                    None => continue,
                }
            } else {
                word.value().to_string()
            };
            let literal = !word.has_variable() && word.raw == value;
            // BuildKit cuts the protocol at the first `/`.
            let (port, proto) = match value.find('/') {
                Some(at) => (&value[..at], Some((value[at + 1..].to_string(), at + 1))),
                None => (value.as_str(), None),
            };
            let (container, host) = match port.rfind(':') {
                Some(at) => (port[at + 1..].to_string(), Some(port[..at].to_string())),
                None => (port.to_string(), None),
            };
            out.push((
                i,
                PortSpec {
                    word,
                    literal,
                    container,
                    host,
                    proto,
                    value: value.clone(),
                },
            ));
        }
    }
    out
}

/// The ports a port or range covers, `None` when it is not one.
pub(crate) fn port_range(text: &str) -> Option<(u64, u64)> {
    let number = |s: &str| -> Option<u64> {
        if s.is_empty() || s.len() > 12 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    match text.split_once('-') {
        Some((a, b)) => Some((number(a)?, number(b)?)),
        None => number(text).map(|p| (p, p)),
    }
}

/// Why a port is invalid, if it is.
fn problem(spec: &PortSpec) -> Option<String> {
    let Some((start, end)) = port_range(&spec.container) else {
        return Some(format!(
            "`{}` is not a port number or range",
            spec.container
        ));
    };
    if start > 65535 || end > 65535 {
        return Some(format!(
            "`{}`: valid ports range from 0 to 65535",
            spec.container
        ));
    }
    if end < start {
        return Some(format!(
            "`{}`: the range ends before it starts",
            spec.container
        ));
    }
    if let Some((proto, _)) = &spec.proto {
        if !["tcp", "udp", "sctp"].contains(&proto.to_ascii_lowercase().as_str()) {
            return Some(format!(
                "`{}`: the protocol must be `tcp`, `udp` or `sctp`",
                spec.value
            ));
        }
    }
    None
}

impl Rule for InvalidExposePort {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        expose_ports(ctx.doc)
            .into_iter()
            .filter_map(|(_, spec)| {
                let why = problem(&spec)?;
                Some(Diagnostic::new(
                    &META,
                    format!("Invalid `EXPOSE` port {why}"),
                    spec.word.span.clone(),
                ))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::*;

    #[test]
    fn fixture() {
        assert_fixture(
            &META,
            "ports",
            include_str!("fixtures/invalid_expose_port.Dockerfile"),
        );
    }

    fn count(src: &str) -> usize {
        findings(&META, src).len()
    }

    #[test]
    fn cases() {
        assert_eq!(count("FROM a\nEXPOSE 80000\n"), 1);
        assert_eq!(count("FROM a\nEXPOSE 60000\n"), 0);
        assert_eq!(count("FROM a\nEXPOSE 0 65535 80/tcp 53/UDP 9/sctp\n"), 0);
        assert_eq!(count("FROM a\nEXPOSE 8000-9000 8000-70000\n"), 1);
        assert_eq!(count("FROM a\nEXPOSE 9000-8000\n"), 1);
        assert_eq!(count("FROM a\nEXPOSE http 80/icmp\n"), 2);
        assert_eq!(count("FROM a\nEXPOSE 127.0.0.1:8080:80\n"), 0);
        assert_eq!(count("FROM a\nARG PORT=99999\nEXPOSE $PORT\n"), 1);
        assert_eq!(count("FROM a\nENV PORT=8080\nEXPOSE ${PORT}/tcp\n"), 0);
        assert_eq!(count("FROM a\nARG PORT\nEXPOSE $PORT\n"), 0);
        assert_eq!(count("FROM a\nEXPOSE $UNSET\n"), 0);
        assert_eq!(count("FROM a\nONBUILD EXPOSE 123456\n"), 1);
    }
}
