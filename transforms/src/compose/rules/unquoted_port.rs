//! DF521 unquoted-port-mapping: a `HOST:CONTAINER` port entry left unquoted.

use dfix_grammar::compose::ScalarStyle;

use super::ComposeRule;
use crate::compose::ComposeContext;
use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::rule::{FixAvailability, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds `ports` entries with a colon written as plain (unquoted) YAML
scalars, such as `- 22:22`.

## Why is this bad?
A YAML 1.1 parser reads digits separated by colons as a base-60 number:
`22:22` is `1342`. Compose v2 reads YAML 1.2 and gets the string, but other
tools that read the file do not, and the Compose documentation asks for
quotes on port mappings for that reason.

## Example
```yaml
services:
  ssh:
    image: myorg/ssh
    ports:
      - 2222:22
```

## Fixed
```yaml
services:
  ssh:
    image: myorg/ssh
    ports:
      - "2222:22"
```

## Fix safety
Safe: Compose reads the same string.

## Aliases
dclint `require-quotes-in-ports`.

## References
- https://docs.docker.com/reference/compose-file/services/#ports
- https://yaml.org/type/int.html (base 60)
"#;

/// The rule's metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF521",
    name: "unquoted-port-mapping",
    aliases: &["require-quotes-in-ports"],
    severity: Severity::Style,
    summary: "A `HOST:CONTAINER` port mapping is not quoted",
    doc: DOC,
    fix: FixAvailability::Always,
    options: &[],
};

/// DF521.
pub struct UnquotedPort;

impl ComposeRule for UnquotedPort {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &ComposeContext) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for svc in ctx.file.services() {
            let Some(ports) = svc.get("ports").and_then(|p| p.value.as_ref()) else {
                continue;
            };
            let Some(seq) = ports.as_seq() else { continue };
            for item in &seq.items {
                let Some(v) = &item.value else { continue };
                let Some(s) = v.as_scalar() else { continue };
                if s.style != ScalarStyle::Plain
                    || !s.value.contains(':')
                    || v.anchor.is_some()
                    || v.tag.is_some()
                {
                    continue;
                }
                // The text must be the value itself (no escapes to care for).
                if ctx.source().get(v.span.clone()) != Some(s.value.as_str())
                    || s.value.contains(['"', '\\'])
                {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        &META,
                        format!(
                            "service `{}`: quote the port mapping `{}`",
                            svc.name, s.value
                        ),
                        v.span.clone(),
                    )
                    .with_fix(Fix::safe(
                        "Quote the port mapping",
                        vec![Edit::replace(v.span.clone(), format!("\"{}\"", s.value))],
                    )),
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::test_support::snapshot;

    #[test]
    fn fixture() {
        insta::assert_snapshot!(snapshot(&META, include_str!("fixtures/DF521.yaml")));
    }
}
