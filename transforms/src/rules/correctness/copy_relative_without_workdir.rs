//! DF143: `COPY` to a relative destination while the stage never set a
//! `WORKDIR`.

use dfix_grammar::{Form, Instruction, Kind};

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::correctness::relative_workdir::is_absolute;
use crate::users::analysis::{global_args, stage_chain};

const DOC: &str = r#"## What it does
Finds `COPY` instructions whose destination is relative (`COPY app.py
app/`) in a stage where no `WORKDIR` was set before: not in the stage
itself, nor in the stage it is built `FROM` (followed back through the
file). An `ONBUILD COPY` also counts an `ONBUILD WORKDIR` before it.

Destinations that start with a variable (`$APP_HOME`) and Windows paths
with a drive (`C:\app`, `C:/app`) are not reported.

## Why is this bad?
A relative destination is resolved against the working directory, which
then comes from the base image. If the base image sets another
`WORKDIR`, or none, the files land somewhere else without any error.

## Example
```dockerfile
FROM python:3.12-slim
COPY requirements.txt app/
```

## Fixed
```dockerfile
FROM python:3.12-slim
WORKDIR /srv
COPY requirements.txt app/
```

## Fix safety
No fix: the directory the base image sets is not known from the
Dockerfile, so neither an absolute destination nor a `WORKDIR` can be
written without changing where the files may go. Set a `WORKDIR` (or
write the absolute destination) yourself.

As in hadolint, `ADD` is not checked, and a `WORKDIR` in a stage that is
not a parent (another `FROM` of the same image) does not count.

## Aliases
- hadolint: `DL3045`

## References
- https://docs.docker.com/reference/dockerfile/#copy
- https://docs.docker.com/reference/dockerfile/#workdir
"#;

/// The rule.
pub struct CopyRelativeWithoutWorkdir;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF143",
    name: "copy-relative-without-workdir",
    aliases: &["DL3045"],
    severity: Severity::Warning,
    summary: "`COPY` to a relative destination without `WORKDIR` set",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

/// The destination of a `COPY`: the last argument, quotes removed, and
/// as written (quotes removed only around it: `c:\app` keeps its
/// backslashes, which the escape processing would take away).
fn copy_destination(ins: &Instruction) -> Option<(String, String)> {
    match &ins.form {
        Form::Exec(items) if items.len() >= 2 => items.last().map(|d| (d.clone(), d.clone())),
        Form::Exec(_) => None,
        Form::Shell if ins.words.len() >= 2 => ins.words.last().map(|w| {
            let raw = w.raw.trim_matches(|c| c == '"' || c == '\'');
            (w.value().to_string(), raw.to_string())
        }),
        Form::Shell => None,
    }
}

impl Rule for CopyRelativeWithoutWorkdir {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let doc = ctx.doc;
        let globals = global_args(doc);
        let stages = doc.stages();
        let mut out = Vec::new();
        for stage in stages {
            let chain = stage_chain(stages, stage.index, &globals);
            let mut workdir = false;
            let mut onbuild_workdir = false;
            for &s in &chain {
                for i in stages[s].instructions.clone() {
                    let ins = &doc.instructions[i];
                    let onbuild = ins.kind == Kind::Onbuild;
                    let effective = ins.effective();
                    match effective.kind {
                        Kind::Workdir if onbuild => onbuild_workdir = true,
                        Kind::Workdir => workdir = true,
                        Kind::Copy if s == stage.index => {
                            if workdir || (onbuild && onbuild_workdir) {
                                continue;
                            }
                            let Some((dest, raw)) = copy_destination(effective) else {
                                continue;
                            };
                            if dest.starts_with('$') || is_absolute(&dest) || is_absolute(&raw) {
                                continue;
                            }
                            out.push(Diagnostic::new(
                                &META,
                                format!(
                                    "`COPY` to the relative destination `{dest}` without `WORKDIR` set: it depends on the base image's working directory"
                                ),
                                effective.span.clone(),
                            ));
                        }
                        _ => {}
                    }
                }
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
            "destinations",
            include_str!("fixtures/copy_relative_without_workdir.Dockerfile"),
        );
    }

    fn count(src: &str) -> usize {
        findings(&META, src).len()
    }

    #[test]
    fn hadolint_cases() {
        for ok in [
            "FROM a\nCOPY bla.sh /usr/local/bin/blubb.sh\n",
            "FROM a\nCOPY bla.sh \"/usr/local/bin/blubb.sh\"\n",
            "FROM a\nCOPY bla.sh c:\\system32\\blubb.sh\n",
            "FROM a\nCOPY bla.sh d:/mypath/blubb.sh\n",
            "FROM scratch\nWORKDIR /usr\nCOPY bla.sh blubb.sh\n",
            "FROM scratch\nWORKDIR c:\\system32\nCOPY bla.sh blubb.sh\n",
            "FROM a\nCOPY src.sh ${SRC_BASE_ENV}\n",
            "FROM a\nCOPY src.sh $SRC_BASE_ENV\n",
            "FROM a\nCOPY src.sh \"${SRC_BASE_ENV}\"\n",
            "FROM debian:buster as base\nWORKDIR /usr\nFROM debian:buster as mid\nRUN foo\nFROM base\nCOPY foo bar\n",
            "FROM debian:buster as base1\nWORKDIR /usr\nFROM base1 as base2\nRUN foo\nFROM base2\nCOPY foo bar\n",
            "FROM debian:buster\nONBUILD WORKDIR /usr/local/lib\nONBUILD COPY foo bar\n",
            "FROM a\nADD foo bar\n",
        ] {
            assert_eq!(count(ok), 0, "{ok}");
        }
        for bad in [
            "FROM a\nCOPY bla.sh blubb.sh\n",
            "FROM a\nCOPY bla.sh \"blubb.sh\"\n",
            "FROM a\nONBUILD COPY bla.sh blubb.sh\n",
            "FROM debian:buster as stage1\nWORKDIR /usr\nFROM debian:buster\nCOPY foo bar\n",
            "FROM a\nCOPY a b\n",
            "FROM a\nCOPY [\"a\", \"b\", \"./\"]\n",
            "FROM a\nCOPY --parents \\\n  a \\\n  ./\n",
            // A WORKDIR after the COPY does not help it.
            "FROM a\nCOPY a b\nWORKDIR /x\n",
        ] {
            assert_eq!(count(bad), 1, "{bad}");
        }
    }
}
