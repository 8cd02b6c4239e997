//! DF177: an archive copied in and then extracted by a RUN.

use dfix_grammar::shell::Command;
use dfix_grammar::{Form, Kind};

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::shell_cmds::each_command;

const DOC: &str = r#"## What it does
Finds a `COPY` of a local tar archive (`.tar`, `.tar.gz`, `.tgz`,
`.tar.bz2`, `.tar.xz`, …) that a later RUN of the same stage extracts
with `tar -x`.

## Why is this bad?
The archive is copied into one layer and its contents written into
another: the image carries both. `ADD` extracts a local tar archive
while copying it, in one layer, and the archive itself never lands in the
image.

## Example
```dockerfile
COPY app.tar.gz /tmp/
RUN tar -xzf /tmp/app.tar.gz -C /opt && rm /tmp/app.tar.gz
```

## Fixed
```dockerfile
ADD app.tar.gz /opt/
```

## Fix safety
No fix: `ADD` extracts into the destination with the archive's own
ownership and permissions and no `tar` options (`--strip-components`,
excludes), so the result can differ. Unlike hadolint, zip files and
`unzip`/`gunzip` are not reported: `ADD` only extracts tar archives, so
it would not help there.

## Aliases
- hadolint: `DL3010`

## References
- https://docs.docker.com/reference/dockerfile/#adding-local-tar-archives
"#;

/// The rule.
pub struct CopyThenExtract;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF177",
    name: "copy-then-extract",
    aliases: &["DL3010"],
    severity: Severity::Info,
    summary: "Use `ADD` to extract a local tar archive rather than `COPY` and `tar -x`",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

const TAR_EXTENSIONS: &[&str] = &[
    ".tar",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz",
    ".tbz2",
    ".tb2",
    ".tar.xz",
    ".txz",
    ".tar.lzma",
    ".tlz",
    ".tar.lz",
];

fn basename(p: &str) -> &str {
    let p = p.trim_matches(['"', '\'']);
    p.rsplit(['/', '\\']).next().unwrap_or(p)
}

fn is_tar(p: &str) -> bool {
    let lower = p.to_ascii_lowercase();
    TAR_EXTENSIONS.iter().any(|e| lower.ends_with(e))
}

fn extracts(cmd: &Command) -> bool {
    if !cmd.name_is("tar") {
        return false;
    }
    cmd.has_long_flag("extract")
        || cmd.has_long_flag("get")
        || cmd.has_flag('x')
        // Old-style first argument without a dash: `tar xzf a.tgz`.
        || cmd.args.first().and_then(|w| w.value.as_deref()).is_some_and(|v| {
            !v.starts_with('-') && v.contains('x') && v.chars().all(|c| c.is_ascii_alphabetic())
        })
}

impl Rule for CopyThenExtract {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        // Archive base names each COPY brings in, by instruction index.
        let mut copies: Vec<(usize, Vec<String>)> = Vec::new();
        for (i, ins) in ctx.doc.instructions.iter().enumerate() {
            if ins.kind != Kind::Copy || ins.flag("from").is_some() {
                continue;
            }
            let paths: Vec<String> = match &ins.form {
                Form::Exec(items) => items.clone(),
                Form::Shell => ins.words.iter().map(|w| w.value().to_string()).collect(),
            };
            let Some((dest, sources)) = paths.split_last() else {
                continue;
            };
            let mut names: Vec<String> = sources
                .iter()
                .filter(|s| is_tar(s))
                .map(|s| basename(s).to_string())
                .collect();
            if is_tar(dest) {
                names.push(basename(dest).to_string());
            }
            if !names.is_empty() {
                copies.push((i, names));
            }
        }
        if copies.is_empty() {
            return Vec::new();
        }
        let stages = ctx.doc.stages();
        let mut flagged: Vec<usize> = Vec::new();
        each_command(ctx.doc, |i, _, cmd, _| {
            if !extracts(cmd) {
                return;
            }
            let Some(stage) = stages.iter().find(|s| s.instructions.contains(&i)) else {
                return;
            };
            for (c, names) in &copies {
                let hit = *c < i
                    && stage.instructions.contains(c)
                    && cmd.args.iter().any(|w| {
                        w.value.as_deref().is_some_and(|v| {
                            let b = basename(v);
                            names.iter().any(|n| n == b)
                        })
                    });
                if hit && !flagged.contains(c) {
                    flagged.push(*c);
                }
            }
        });
        flagged.sort_unstable();
        flagged
            .into_iter()
            .map(|c| {
                Diagnostic::new(
                    &META,
                    "this archive is copied and then extracted by a RUN: `ADD` extracts it in one layer",
                    ctx.doc.instructions[c].span.clone(),
                )
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
            "forms",
            include_str!("fixtures/copy_then_extract.Dockerfile"),
        );
    }

    #[test]
    fn cases() {
        for (src, n) in [
            (
                "COPY app.tar.gz /tmp/\nRUN tar -xzf /tmp/app.tar.gz -C /opt\n",
                1,
            ),
            ("COPY src/app.tgz /tmp/a.tgz\nRUN tar xzf /tmp/a.tgz\n", 1),
            (
                "COPY [\"app.tar\", \"/tmp/\"]\nRUN tar --extract -f /tmp/app.tar\n",
                1,
            ),
            (
                "COPY app.tar.gz /tmp/\nRUN tar -czf /tmp/app.tar.gz /opt\n",
                0,
            ),
            ("COPY app.zip /tmp/\nRUN unzip /tmp/app.zip\n", 0),
            (
                "COPY --from=build /app.tar /tmp/\nRUN tar -xf /tmp/app.tar\n",
                0,
            ),
            ("RUN tar -xf /tmp/app.tar\nCOPY app.tar /tmp/\n", 0),
            ("COPY app.tar /tmp/\nFROM b\nRUN tar -xf /tmp/app.tar\n", 0),
        ] {
            assert_eq!(findings(&META, &format!("FROM a\n{src}")).len(), n, "{src}");
        }
    }
}
