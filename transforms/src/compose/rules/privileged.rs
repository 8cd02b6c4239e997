//! DF501 privileged-service: `privileged: true`.

use super::{editable, ComposeRule};
use crate::compose::edits::delete_pair;
use crate::compose::guards::value_guard;
use crate::compose::ComposeContext;
use crate::diagnostic::Diagnostic;
use crate::edit::Fix;
use crate::rule::{FixAvailability, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds services with `privileged: true`.

## Why is this bad?
A privileged container gets every capability, every device and no seccomp
or AppArmor confinement: root in it is root on the host (docker-bench 5.5,
OWASP Docker rule #3).

## Example
```yaml
services:
  app:
    image: myapp
    privileged: true
```

## Fixed
```yaml
services:
  app:
    image: myapp
```

## Fix safety
Unsafe: software that needs devices or kernel access (Docker-in-Docker,
cAdvisor) stops working. Images known to need it (`docker`, cAdvisor, see
`data/compose.toml` `[privileged]`) are reported without a fix; so are
values that are interpolated or come from an anchor or a merge key.

## Aliases
KICS `ae5b6871`, Semgrep `privileged-service`, compose-lint `CL-0002`.

## References
- https://docs.docker.com/reference/compose-file/services/#privileged
- docker-bench-security 5.5; OWASP Docker Security Cheat Sheet rule #3
"#;

/// The rule's metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF501",
    name: "privileged-service",
    aliases: &["ae5b6871", "privileged-service", "CL-0002"],
    severity: Severity::Error,
    summary: "A service runs privileged",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

/// True for the values Compose reads as `true` (YAML 1.2, and the YAML 1.1
/// spellings compose-go still accepts).
pub(crate) fn is_true(v: &str) -> bool {
    matches!(v.to_ascii_lowercase().as_str(), "true" | "yes" | "on" | "y")
}

/// DF501.
pub struct Privileged;

impl ComposeRule for Privileged {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &ComposeContext) -> Vec<Diagnostic> {
        let file = ctx.file;
        let mut out = Vec::new();
        for svc in file.services() {
            if ctx.overridden(svc.name, "privileged") {
                continue;
            }
            let Some(pair) = svc.get("privileged") else {
                continue;
            };
            let Some(v) = &pair.value else { continue };
            if !v.as_scalar().is_some_and(|s| is_true(&s.value)) {
                continue;
            }
            let d = Diagnostic::new(
                &META,
                format!("service `{}` runs privileged", svc.name),
                pair.span.clone(),
            );
            let needs = super::image(&svc).is_some_and(|i| ctx.data().needs_privileged(i));
            let fix = (!needs && value_guard(v).is_none() && editable(file, &svc))
                .then(|| delete_pair(file, svc.map()?, pair))
                .flatten()
                .map(|e| Fix::unsafe_fix("Remove `privileged: true`", vec![e]));
            out.push(d.with_optional_fix(fix));
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
        insta::assert_snapshot!(snapshot(&META, include_str!("fixtures/DF501.yaml")));
    }
}
