//! DF146: a `WORKDIR` in a system directory.

use dfix_grammar::Kind;

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::users::analysis::{expand, scopes};

const DOC: &str = r#"## What it does
Finds `WORKDIR` instructions in a kernel or boot directory: `/proc`,
`/sys`, `/dev`, `/boot`, `/initrd`, `/lost+found` or below (variables are
expanded with the known `ARG` and `ENV` values).

## Why is this bad?
`/proc`, `/sys` and `/dev` are filled by the kernel and the runtime when
the container starts, and `/boot` belongs to the host's boot loader:
files written there are hidden, rejected, or reach the kernel's
interfaces. An application working from there has escalated its reach or
is simply broken.

## Example
```dockerfile
WORKDIR /proc/app
```

## Fixed
```dockerfile
WORKDIR /app
```

## Fix safety
No fix: the right directory is the author's choice.

Trivy reports paths *below* these directories (`/proc/x`, not `/proc`)
and not `/sys`; this rule reports both the directory itself and `/sys`.

## Aliases
- Trivy: `DS-0030` (`AVD-DS-0030`)

## References
- https://docs.docker.com/reference/dockerfile/#workdir
- https://avd.aquasec.com/misconfig/dockerfile/general/avd-ds-0030/
"#;

/// The rule.
pub struct WorkdirSystemDirectory;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF146",
    name: "workdir-system-directory",
    aliases: &["DS-0030"],
    severity: Severity::Error,
    summary: "`WORKDIR` in a system directory (`/proc`, `/sys`, `/dev`, `/boot`)",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

const SYSTEM_DIRS: &[&str] = &["/proc", "/sys", "/dev", "/boot", "/initrd", "/lost+found"];

fn in_system_dir(path: &str) -> Option<&'static str> {
    let mut clean = String::from("/");
    for piece in path.split('/').filter(|p| !p.is_empty() && *p != ".") {
        if !clean.ends_with('/') {
            clean.push('/');
        }
        clean.push_str(piece);
    }
    SYSTEM_DIRS.iter().copied().find(|d| {
        clean == *d
            || clean
                .strip_prefix(d)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

impl Rule for WorkdirSystemDirectory {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        // The variables in scope cost a pass over the file: only when a
        // WORKDIR needs them.
        let vars = std::cell::OnceCell::new();
        let mut out = Vec::new();
        for (i, ins) in ctx.doc.instructions.iter().enumerate() {
            let ins = ins.effective();
            if ins.kind != Kind::Workdir {
                continue;
            }
            let Some(word) = ins.words.first() else {
                continue;
            };
            let path = if word.has_variable() {
                let vars = vars.get_or_init(|| scopes(ctx.doc));
                match vars.get(i).and_then(|v| expand(word.value(), v, false)) {
                    Some(p) => p,
                    None => continue,
                }
            } else {
                word.value().to_string()
            };
            if !path.starts_with('/') || path.split('/').any(|p| p == "..") {
                continue;
            }
            if let Some(dir) = in_system_dir(&path) {
                out.push(Diagnostic::new(
                    &META,
                    format!("`WORKDIR {path}` is in the system directory `{dir}`"),
                    ins.args_span(),
                ));
            }
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
            "dirs",
            include_str!("fixtures/workdir_system_directory.Dockerfile"),
        );
    }

    #[test]
    fn cases() {
        let n = |s: &str| findings(&META, s).len();
        for bad in [
            "/proc",
            "/proc/x",
            "\"/dev/shm\"",
            "//sys//kernel",
            "/boot/",
        ] {
            assert_eq!(n(&format!("FROM a\nWORKDIR {bad}\n")), 1, "{bad}");
        }
        for ok in ["/process", "/app/proc", "/devices", "proc", "/usr/src"] {
            assert_eq!(n(&format!("FROM a\nWORKDIR {ok}\n")), 0, "{ok}");
        }
        assert_eq!(n("FROM a\nARG D=/proc/1\nWORKDIR $D\n"), 1);
    }
}
