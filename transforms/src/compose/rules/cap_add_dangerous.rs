//! DF504 dangerous-cap-add: a powerful capability in `cap_add`.

use super::{scalar_items, ComposeRule};
use crate::compose::ComposeContext;
use crate::diagnostic::Diagnostic;
use crate::rule::{FixAvailability, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds `cap_add` items that give a container host-level power: `ALL`,
`SYS_ADMIN`, `NET_ADMIN`, `SYS_PTRACE`, `SYS_MODULE`, `SYS_RAWIO`,
`DAC_READ_SEARCH`, `SYS_BOOT`, `SYS_TIME`, `BPF`, `PERFMON`, `MAC_ADMIN`,
`MAC_OVERRIDE`.

## Why is this bad?
Each of these is a known container escape or host tampering path
(`SYS_ADMIN` mounts, `SYS_MODULE` loads kernel modules, `SYS_PTRACE` reads
other processes, `DAC_READ_SEARCH` opens host files by handle).

## Example
```yaml
services:
  vpn:
    image: myvpn
    cap_add: [NET_ADMIN]
```

## Fixed
No automatic fix: whether the service needs the capability is the
author's call. Remove it, or keep it with `# dfix: ignore=DF504`.

## Fix safety
No fix.

## Aliases
compose-lint `CL-0011`, `CL-0024` (capabilities that give code execution on the host).

## References
- https://man7.org/linux/man-pages/man7/capabilities.7.html
- docker-bench-security 5.4
"#;

/// The rule's metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF504",
    name: "dangerous-cap-add",
    aliases: &["CL-0011", "CL-0024"],
    severity: Severity::Warning,
    summary: "A service adds a dangerous capability",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

const DANGEROUS: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "NET_ADMIN",
    "SYS_PTRACE",
    "SYS_MODULE",
    "SYS_RAWIO",
    "DAC_READ_SEARCH",
    "SYS_BOOT",
    "SYS_TIME",
    "BPF",
    "PERFMON",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
];

/// DF504.
pub struct CapAddDangerous;

impl ComposeRule for CapAddDangerous {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &ComposeContext) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for svc in ctx.file.services() {
            if ctx.replaced(svc.name, "cap_add") {
                continue;
            }
            let Some(v) = svc.get("cap_add").and_then(|p| p.value.as_ref()) else {
                continue;
            };
            for (_, cap, node) in scalar_items(v) {
                let up = cap.trim().to_ascii_uppercase();
                let name = up.strip_prefix("CAP_").unwrap_or(&up);
                if DANGEROUS.contains(&name) {
                    out.push(Diagnostic::new(
                        &META,
                        format!("service `{}` adds capability `{name}`", svc.name),
                        node.span.clone(),
                    ));
                }
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
        insta::assert_snapshot!(snapshot(&META, include_str!("fixtures/DF504.yaml")));
    }
}
