//! DF175: `useradd` with a high UID and without `-l`.

use dfix_grammar::shell::Command;

use crate::diagnostic::Diagnostic;
use crate::edit::Fix;
use crate::pkg::{editable, insert_after};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::shell_cmds::each_command;

const DOC: &str = r#"## What it does
Finds `useradd` with a UID of six digits or more (`-u 100000`,
`--uid=1000000`) and without `-l`/`--no-log-init`, and adds `-l`.

## Why is this bad?
`useradd` writes the new user's record into `/var/log/lastlog` and
`/var/log/faillog` at the offset of its UID. For a high UID the files
become huge sparse files, and a layer stores them in full: gigabytes for
nothing.

## Example
```dockerfile
RUN useradd -u 1000000 app
```

## Fixed
```dockerfile
RUN useradd -l -u 1000000 app
```

## Fix safety
Safe: `-l` only keeps the user out of the lastlog and faillog databases,
which a container does not use. As in hadolint, UIDs of five digits or
fewer are not reported; unlike hadolint 2.15.1, which only reads `-u`,
the long `--uid` form is reported too (same effect on lastlog).

## Aliases
- hadolint: `DL3046`

## References
- https://manpages.debian.org/stable/passwd/useradd.8.en.html
- https://github.com/moby/moby/issues/5419
"#;

/// The rule.
pub struct UseraddNoLogInit;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF175",
    name: "useradd-without-no-log-init",
    aliases: &["DL3046"],
    severity: Severity::Warning,
    summary: "Use `useradd -l` with a high UID so lastlog does not bloat the layer",
    doc: DOC,
    fix: FixAvailability::Always,
    options: &[],
};

/// The UID given with `-u`/`--uid`, as written.
fn uid(cmd: &Command) -> Option<String> {
    let mut args = cmd.args.iter();
    while let Some(w) = args.next() {
        let t = w.value.as_deref().unwrap_or(&w.raw);
        if t == "-u" || t == "--uid" {
            return args
                .next()
                .map(|v| v.value.clone().unwrap_or_else(|| v.raw.clone()));
        }
        if let Some(v) = t.strip_prefix("--uid=") {
            return Some(v.to_string());
        }
        if let Some(v) = t
            .strip_prefix("-u")
            .filter(|v| !v.is_empty() && !t.starts_with("--"))
        {
            return Some(v.to_string());
        }
    }
    None
}

impl Rule for UseraddNoLogInit {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        each_command(ctx.doc, |_, _, cmd, clean| {
            if !cmd.name_is("useradd") || cmd.has_flag('l') || cmd.has_long_flag("no-log-init") {
                return;
            }
            if uid(cmd).is_none_or(|u| u.len() <= 5) {
                return;
            }
            let Some(name) = cmd.name.as_ref() else {
                return;
            };
            let fix = (clean && editable(name))
                .then(|| Fix::safe("Add `-l`", vec![insert_after(name, "-l")]));
            out.push(
                Diagnostic::new(
                    &META,
                    "`useradd` with a high UID and without `-l` writes a huge sparse lastlog into the layer",
                    cmd.span.clone(),
                )
                .with_optional_fix(fix),
            );
        });
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
            "forms",
            include_str!("fixtures/useradd_no_log_init.Dockerfile"),
        );
    }

    #[test]
    fn cases() {
        for (src, n) in [
            ("RUN useradd -u 100000 bob\n", 1),
            ("RUN useradd --uid=1000000 x\n", 1),
            ("RUN useradd -u1000000 x\n", 1),
            ("RUN useradd -l -u 200000 al\n", 0),
            ("RUN useradd --no-log-init -u 200000 al\n", 0),
            ("RUN useradd -rlu 200000 al\n", 0),
            ("RUN useradd -u 99999 y\n", 0),
            ("RUN useradd bob\n", 0),
            ("RUN useradd -u $UID bob\n", 0),
        ] {
            assert_eq!(findings(&META, &format!("FROM a\n{src}")).len(), n, "{src}");
        }
        assert_eq!(
            fix_rule(&META, "FROM a\nRUN useradd -u 100000 bob\n"),
            "FROM a\nRUN useradd -l -u 100000 bob\n"
        );
    }
}
