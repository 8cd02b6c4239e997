//! DF020: `wget` without a progress option.

use dfix_grammar::shell::Command;

use crate::diagnostic::Diagnostic;
use crate::edit::Fix;
use crate::pkg::{editable, insert_after};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::shell_cmds::{base_family, each_command};

const DOC: &str = r#"## What it does
Finds `wget` commands in RUN without `--progress`, `-q`/`--quiet`,
`-nv`/`--no-verbose`, `-o`/`--output-file` or `-a`/`--append-output`, and
adds `--progress=dot:giga`.

## Why is this bad?
Without a terminal, GNU wget prints its default progress display as a dot
per kilobyte: a large download fills the build log with thousands of
lines. `--progress=dot:giga` prints a dot per 64 KiB block and a line per
3 MiB.

## Example
```dockerfile
FROM debian:bookworm
RUN wget https://example.com/big.tar.gz
```

## Fixed
```dockerfile
FROM debian:bookworm
RUN wget --progress=dot:giga https://example.com/big.tar.gz
```

## Fix safety
Safe with a guard: only the log changes, and the fix is only offered when
the stage's base image is known to ship GNU wget's family (Debian,
Ubuntu, RHEL and the images built on them). On Alpine and BusyBox, `wget`
may be BusyBox's, whose option set differs; there, and on unknown bases,
the finding comes without a fix.

## Aliases
- hadolint: `DL3047`

## References
- https://www.gnu.org/software/wget/manual/wget.html#Download-Options
"#;

/// The rule.
pub struct WgetProgress;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF020",
    name: "wget-without-progress",
    aliases: &["DL3047"],
    severity: Severity::Info,
    summary: "Use `wget --progress=dot:giga` (or `-q`/`-nv`) so the build log stays short",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

/// True when the command already says how verbose to be.
fn quiet_enough(cmd: &Command) -> bool {
    cmd.has_long_flag("progress")
        || cmd.has_long_flag("quiet")
        || cmd.has_long_flag("no-verbose")
        || cmd.has_long_flag("output-file")
        || cmd.has_long_flag("append-output")
        || cmd.has_flag('q')
        || cmd.has_flag('o')
        || cmd.has_flag('a')
        || cmd.args.iter().any(|w| w.is("-nv"))
}

impl Rule for WgetProgress {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        each_command(ctx.doc, |i, _, cmd, clean| {
            if !cmd.name_is("wget") || quiet_enough(cmd) {
                return;
            }
            let Some(name) = cmd.name.as_ref() else {
                return;
            };
            let gnu = base_family(ctx, i).is_some_and(|f| matches!(f.as_str(), "debian" | "rhel"));
            let fix = (gnu && clean && editable(name)).then(|| {
                Fix::safe(
                    "Add `--progress=dot:giga`",
                    vec![insert_after(name, "--progress=dot:giga")],
                )
            });
            out.push(
                Diagnostic::new(
                    &META,
                    "`wget` without `--progress=dot:giga`, `-q` or `-nv` fills the build log",
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
            include_str!("fixtures/wget_progress.Dockerfile"),
        );
    }

    #[test]
    fn quiet_forms_are_left_alone() {
        for keep in [
            "RUN wget --progress=dot:giga my.xyz\n",
            "RUN wget -q my.xyz\n",
            "RUN wget -qO- my.xyz\n",
            "RUN wget --quiet my.xyz\n",
            "RUN wget -nv my.xyz\n",
            "RUN wget --no-verbose my.xyz\n",
            "RUN wget --output-file=/tmp/wget.log my.xyz\n",
            "RUN wget -o /tmp/wget.log my.xyz\n",
            "RUN wget --append-output=/tmp/wget.log my.xyz\n",
            "RUN wget -a /tmp/wget.log my.xyz\n",
            "RUN [\"wget\", \"my.xyz\"]\n",
        ] {
            assert!(
                findings(&META, &format!("FROM debian\n{keep}")).is_empty(),
                "{keep}"
            );
        }
        assert_eq!(
            findings(&META, "FROM node AS foo\nRUN wget my.xyz\n").len(),
            1
        );
        assert_eq!(findings(&META, "FROM a\nRUN wget -O x my.xyz\n").len(), 1);
    }

    #[test]
    fn fix_only_where_wget_is_gnu() {
        assert_eq!(
            fix_rule(&META, "FROM debian:12\nRUN wget -O /x https://e.com/x\n"),
            "FROM debian:12\nRUN wget --progress=dot:giga -O /x https://e.com/x\n"
        );
        for keep in [
            "FROM alpine:3.19\nRUN wget https://e.com/x\n",
            "FROM example.com/x\nRUN wget https://e.com/x\n",
        ] {
            assert_eq!(fix_rule(&META, keep), keep);
        }
    }
}
