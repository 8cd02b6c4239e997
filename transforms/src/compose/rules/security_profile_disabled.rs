//! DF513 security-profile-disabled: seccomp, AppArmor or SELinux turned off.

use super::{editable, scalar_items, ComposeRule};
use crate::compose::edits::{delete_item, delete_pair};
use crate::compose::guards::value_guard;
use crate::compose::ComposeContext;
use crate::diagnostic::Diagnostic;
use crate::edit::Fix;
use crate::rule::{FixAvailability, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds `security_opt` items that turn a kernel security profile off:
`seccomp:unconfined`, `apparmor:unconfined`, `label:disable`,
`systempaths=unconfined` (either `:` or `=`).

## Why is this bad?
Docker's default seccomp profile blocks about 44 dangerous system calls and
the default AppArmor/SELinux policies confine file access; turning them off
removes a layer that has stopped real container escapes (docker-bench 5.2,
5.3, 5.22; OWASP rule #6).

## Example
```yaml
services:
  app:
    image: myorg/app
    security_opt:
      - seccomp:unconfined
      - no-new-privileges:true
```

## Fixed
```yaml
services:
  app:
    image: myorg/app
    security_opt:
      - no-new-privileges:true
```

## Fix safety
Unsafe: a program that needs a blocked system call fails; write a custom
profile that allows just that call. Lists from anchors or `extends` are not
edited.

## Aliases
KICS `404fde2c`, Semgrep `seccomp-confinement-disabled`, Semgrep `selinux-separation-disabled`, compose-lint `CL-0009`.

## References
- https://docs.docker.com/engine/security/seccomp/
- docker-bench-security 5.2, 5.3, 5.22; OWASP Docker Security Cheat Sheet rule #6
"#;

/// The rule's metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF513",
    name: "security-profile-disabled",
    aliases: &[
        "404fde2c",
        "seccomp-confinement-disabled",
        "selinux-separation-disabled",
        "CL-0009",
    ],
    severity: Severity::Error,
    summary: "A service turns off seccomp, AppArmor or SELinux",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

fn disables(item: &str) -> bool {
    let norm = item.trim().replace('=', ":").to_ascii_lowercase();
    matches!(
        norm.as_str(),
        "seccomp:unconfined" | "apparmor:unconfined" | "label:disable" | "systempaths:unconfined"
    )
}

/// DF513.
pub struct SecurityProfileDisabled;

impl ComposeRule for SecurityProfileDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &ComposeContext) -> Vec<Diagnostic> {
        let file = ctx.file;
        let mut out = Vec::new();
        for svc in file.services() {
            if ctx.replaced(svc.name, "security_opt") {
                continue;
            }
            let Some(pair) = svc.get("security_opt") else {
                continue;
            };
            let Some(v) = pair.value.as_ref() else {
                continue;
            };
            let Some(seq) = v.as_seq() else { continue };
            let items = scalar_items(v);
            let bad: Vec<usize> = items
                .iter()
                .filter(|(_, s, _)| disables(s))
                .map(|(i, _, _)| *i)
                .collect();
            let can_edit = editable(file, &svc) && value_guard(v).is_none();
            for (n, &(index, text, node)) in
                items.iter().filter(|(i, _, _)| bad.contains(i)).enumerate()
            {
                // The first bad item carries the fix; when every item is bad
                // the whole key goes.
                let edit = if !can_edit || n > 0 {
                    None
                } else if bad.len() == seq.items.len() {
                    svc.map().and_then(|m| delete_pair(file, m, pair))
                } else {
                    delete_item(file, seq, index)
                };
                let fix = edit.map(|e| Fix::unsafe_fix(format!("Remove `{text}`"), vec![e]));
                out.push(
                    Diagnostic::new(
                        &META,
                        format!(
                            "service `{}` disables a security profile (`{text}`)",
                            svc.name
                        ),
                        node.span.clone(),
                    )
                    .with_optional_fix(fix),
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
        insta::assert_snapshot!(snapshot(&META, include_str!("fixtures/DF513.yaml")));
    }
}
