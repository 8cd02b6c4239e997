//! DF011: an IP address or host port in `EXPOSE`.

use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::correctness::invalid_expose_port::{expose_ports, port_range};

const DOC: &str = r#"## What it does
Finds `EXPOSE` ports written with an IP address or a host port
(`EXPOSE 127.0.0.1:8080:80`, `EXPOSE 8080:80/tcp`) and keeps only the
container port and protocol.

## Why is this bad?
`EXPOSE` only documents which container ports the image listens on; the
IP address and the host port are ignored (they belong to `docker run -p`).
BuildKit warns that this form will become an error.

## Example
```dockerfile
EXPOSE 127.0.0.1:8080:80/tcp 5000:5000
```

## Fixed
```dockerfile
EXPOSE 80/tcp 5000
```

## Fix safety
Safe with a guard: the image records only the container port and
protocol, which the fix keeps as written; the fix is offered only when
the word has no variable, quote or escape and its container port is a
valid port or range (DF141 reports the others).

## Aliases
- BuildKit: `ExposeInvalidFormat`

## References
- https://docs.docker.com/reference/build-checks/expose-invalid-format/
- https://docs.docker.com/reference/dockerfile/#expose
"#;

/// The rule.
pub struct ExposeInvalidFormat;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF011",
    name: "expose-invalid-format",
    aliases: &["ExposeInvalidFormat"],
    severity: Severity::Warning,
    summary: "IP address and host-port mapping should not be used in `EXPOSE`",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

impl Rule for ExposeInvalidFormat {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (_, spec) in expose_ports(ctx.doc) {
            if !spec.mapped {
                continue;
            }
            let kept = match &spec.proto {
                Some((p, _)) => format!("{}/{p}", spec.container),
                None => spec.container.clone(),
            };
            let diag = Diagnostic::new(
                &META,
                format!(
                    "`EXPOSE {}`: an IP address or host port is ignored here; expose the container port only",
                    spec.value
                ),
                spec.word.span.clone(),
            );
            let valid = port_range(&spec.container).is_some_and(|(a, b)| a <= b && b <= 65535);
            out.push(if spec.literal && valid {
                diag.with_fix(Fix::safe(
                    format!("Write `{kept}`"),
                    vec![Edit::replace(spec.word.span.clone(), kept)],
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
            "mappings",
            include_str!("fixtures/expose_invalid_format.Dockerfile"),
        );
    }

    #[test]
    fn cases() {
        assert_eq!(
            fix_rule(
                &META,
                "FROM a\nEXPOSE 127.0.0.1:8080:80/tcp 5000:5000 [::1]:53:53/udp 22\n"
            ),
            "FROM a\nEXPOSE 80/tcp 5000 53/udp 22\n"
        );
        assert!(findings(&META, "FROM a\nEXPOSE 80/tcp 8000-8010\n").is_empty());
        for keep in [
            "FROM a\nEXPOSE \"8080:80\"\n",
            "FROM a\nARG H=8080\nEXPOSE $H:80\n",
            "FROM a\nEXPOSE 8080:http\n",
        ] {
            assert_eq!(findings(&META, keep).len(), 1, "{keep}");
            assert_eq!(fix_rule(&META, keep), keep, "{keep}");
        }
    }
}
