//! DF010: an upper-case protocol in `EXPOSE`.

use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::correctness::invalid_expose_port::expose_ports;

const DOC: &str = r#"## What it does
Finds `EXPOSE` ports whose protocol is not lower case (`80/TCP`,
`53/Udp`) and lowercases it.

## Why is this bad?
Docker lowercases the protocol when it records the port, so the upper
case only makes the file inconsistent; BuildKit warns about it.

## Example
```dockerfile
EXPOSE 80/TCP 53/Udp
```

## Fixed
```dockerfile
EXPOSE 80/tcp 53/udp
```

## Fix safety
Safe: the image records the same ports. Ports written with a variable,
quotes or escapes are reported without a fix.

## Aliases
- BuildKit: `ExposeProtoCasing`

## References
- https://docs.docker.com/reference/build-checks/expose-proto-casing/
"#;

/// The rule.
pub struct ExposeProtoCasing;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF010",
    name: "expose-proto-casing",
    aliases: &["ExposeProtoCasing"],
    severity: Severity::Style,
    summary: "Protocol in `EXPOSE` should be lower case",
    doc: DOC,
    fix: FixAvailability::Always,
    options: &[],
};

impl Rule for ExposeProtoCasing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (_, spec) in expose_ports(ctx.doc) {
            let Some((proto, at)) = &spec.proto else {
                continue;
            };
            let lower = proto.to_ascii_lowercase();
            if &lower == proto {
                continue;
            }
            let diag = Diagnostic::new(
                &META,
                format!("`EXPOSE {}`: write the protocol in lower case", spec.value),
                spec.word.span.clone(),
            );
            out.push(if spec.literal {
                let start = spec.word.span.start + at;
                diag.with_fix(Fix::safe(
                    format!("Write `{lower}`"),
                    vec![Edit::replace(start..spec.word.span.end, lower)],
                ))
            } else {
                diag
            });
        }
        out
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
            "protocols",
            include_str!("fixtures/expose_proto_casing.Dockerfile"),
        );
    }

    #[test]
    fn cases() {
        assert_eq!(
            fix_rule(&META, "FROM a\nEXPOSE 80/TCP 53/udp 9-10/Sctp\n"),
            "FROM a\nEXPOSE 80/tcp 53/udp 9-10/sctp\n"
        );
        assert!(findings(&META, "FROM a\nEXPOSE 80/tcp 80\n").is_empty());
        let quoted = "FROM a\nEXPOSE \"80/TCP\"\n";
        assert_eq!(findings(&META, quoted).len(), 1);
        assert_eq!(fix_rule(&META, quoted), quoted);
    }
}
