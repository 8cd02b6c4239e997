//! DF140: a relative `WORKDIR`.

use dfix_grammar::{Document, Instruction, Kind};

use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::users::analysis::{global_args, stage_chain};

const DOC: &str = r#"## What it does
Finds `WORKDIR` instructions with a relative path. When an earlier
`WORKDIR` of the stage, or of the stage it is built `FROM` (followed back
through the file), gives an absolute directory, the fix writes the joined,
normalised absolute path.

A path that starts with a variable (`WORKDIR $HOME/app`) is not reported:
its value is usually absolute. Windows paths with a drive (`C:\app`,
`C:/app`) are absolute.

## Why is this bad?
A relative `WORKDIR` is resolved against the current working directory,
which comes from the base image when the Dockerfile never set it. If the
base image changes its `WORKDIR`, the build silently puts files
elsewhere. An absolute path says where they go.

## Example
```dockerfile
FROM node:22-slim
WORKDIR /srv
WORKDIR app/../web
```

## Fixed
```dockerfile
FROM node:22-slim
WORKDIR /srv
WORKDIR /srv/web
```

## Fix safety
Safe with a guard, and offered only when it holds: the previous absolute
directory is known from the file (a literal absolute `WORKDIR` earlier in
the stage or its parent stages, with every `WORKDIR` since literal too),
and neither path uses a variable. BuildKit joins a relative `WORKDIR` to
the current one and cleans the result (`.`, `..`, repeated and trailing
slashes), which is what the fix writes, so the directory is the same. The
fix is not offered when the new path would need quoting or for `ONBUILD
WORKDIR`, which runs in another build.

BuildKit's `WorkdirRelativePath` looks only at the first `WORKDIR` of a
stage and reports it when it is relative; hadolint's `DL3000` reports
every relative path, and so does this rule (a superset of BuildKit's
findings).

## Aliases
- hadolint: `DL3000`
- BuildKit: `WorkdirRelativePath`
- Trivy: `DS-0009` (`AVD-DS-0009`)
- Checkov: `CKV_DOCKER_10`

## References
- https://docs.docker.com/reference/dockerfile/#workdir
- https://docs.docker.com/reference/build-checks/workdir-relative-path/
"#;

/// The rule.
pub struct RelativeWorkdir;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF140",
    name: "relative-workdir",
    aliases: &["DL3000", "WorkdirRelativePath", "DS-0009", "CKV_DOCKER_10"],
    severity: Severity::Error,
    summary: "Use an absolute `WORKDIR`",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

/// True when `path` is absolute for Linux or Windows (`/x`, `C:\x`,
/// `C:/x`, `\x`).
pub(crate) fn is_absolute(path: &str) -> bool {
    let b = path.as_bytes();
    path.starts_with('/')
        || path.starts_with('\\')
        || (b.len() >= 3
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && matches!(b[2], b'\\' | b'/'))
        || (b.len() == 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
}

/// `dir` joined with `rel` and cleaned as Go's `path.Join` does.
fn join_clean(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for piece in dir.split('/').chain(rel.split('/')) {
        match piece {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Characters a path may contain to be written unquoted in a fix.
fn plain(path: &str) -> bool {
    path.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(c, '/' | '.' | '_' | '-' | '+' | '@' | ',' | '%' | '=')
    })
}

/// The single path of a `WORKDIR`, when it has exactly one word.
fn workdir_path(ins: &Instruction) -> Option<&dfix_grammar::words::Word> {
    match ins.words.as_slice() {
        [w] => Some(w),
        _ => None,
    }
}

fn check_stage(
    doc: &Document,
    chain: &[usize],
    stages: &[dfix_grammar::Stage],
    out: &mut Vec<Diagnostic>,
) {
    let Some(&target) = chain.last() else {
        return;
    };
    // The current directory when the file says it: `None` until a literal
    // absolute WORKDIR (the base image's is unknown).
    let mut cwd: Option<String> = None;
    for &s in chain {
        for i in stages[s].instructions.clone() {
            let ins = &doc.instructions[i];
            let effective = ins.effective();
            if effective.kind != Kind::Workdir {
                continue;
            }
            let onbuild = ins.kind == Kind::Onbuild;
            let Some(word) = workdir_path(effective) else {
                if !onbuild {
                    cwd = None;
                }
                continue;
            };
            let path = word.value();
            let variable = word.has_variable();
            // `C:\app` as written: the escape processing would drop the
            // backslash, and hadolint (like a Windows author) reads it raw.
            let raw = word.raw.trim_matches(|c| c == '"' || c == '\'');
            if path.starts_with('$') || is_absolute(path) || is_absolute(raw) {
                if !onbuild {
                    cwd = (!variable && path.starts_with('/')).then(|| join_clean(path, ""));
                }
                continue;
            }
            let fixed = match (&cwd, variable || onbuild) {
                (Some(dir), false) => Some(join_clean(dir, path)),
                _ => None,
            };
            if s == target {
                let mut diag = Diagnostic::new(
                    &META,
                    format!("`WORKDIR {path}` is relative: use an absolute path"),
                    effective.args_span(),
                );
                if let Some(new) = fixed.as_ref().filter(|p| plain(p)) {
                    diag = diag.with_fix(Fix::safe(
                        format!("Write `WORKDIR {new}`"),
                        vec![Edit::replace(word.span.clone(), new.clone())],
                    ));
                }
                out.push(diag);
            }
            if !onbuild {
                cwd = fixed;
            }
        }
    }
}

impl Rule for RelativeWorkdir {
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
            check_stage(doc, &chain, stages, &mut out);
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
            "paths",
            include_str!("fixtures/relative_workdir.Dockerfile"),
        );
    }

    fn count(src: &str) -> usize {
        findings(&META, src).len()
    }

    #[test]
    fn hadolint_cases() {
        assert_eq!(count("FROM a\nWORKDIR relative/dir\n"), 1);
        assert_eq!(count("FROM a\nWORKDIR /usr/local\n"), 0);
        assert_eq!(count("FROM a\nWORKDIR ${work}\n"), 0);
        assert_eq!(count("FROM a\nWORKDIR 'relative/dir'\n"), 1);
        assert_eq!(count("FROM a\nWORKDIR '/usr/local'\n"), 0);
        assert_eq!(count("FROM a\nWORKDIR \"relative/dir\"\n"), 1);
        assert_eq!(count("FROM a\nWORKDIR \"/usr/local\"\n"), 0);
        assert_eq!(count("FROM a\nWORKDIR \"${dir}\"\n"), 0);
        assert_eq!(count("FROM a\nWORKDIR 'C:\\'\n"), 0);
        assert_eq!(count("FROM a\nWORKDIR C:/\n"), 0);
        assert_eq!(count("FROM a\nWORKDIR \"C:/\"\n"), 0);
    }

    #[test]
    fn fixes_from_a_known_directory() {
        assert_eq!(
            fix_rule(&META, "FROM a\nWORKDIR /srv/\nWORKDIR ./app//x/../y\n"),
            "FROM a\nWORKDIR /srv/\nWORKDIR /srv/app/y\n"
        );
        // Relative after relative: both resolved.
        assert_eq!(
            fix_rule(&META, "FROM a\nWORKDIR /srv\nWORKDIR a\nWORKDIR \"b\"\n"),
            "FROM a\nWORKDIR /srv\nWORKDIR /srv/a\nWORKDIR /srv/a/b\n"
        );
        // From the parent stage.
        assert_eq!(
            fix_rule(
                &META,
                "FROM a AS base\nWORKDIR /app\nFROM base\nWORKDIR ../lib\n"
            ),
            "FROM a AS base\nWORKDIR /app\nFROM base\nWORKDIR /lib\n"
        );
        for keep in [
            // The base image's directory is unknown.
            "FROM a\nWORKDIR app\n",
            // Another stage, not a parent.
            "FROM a AS one\nWORKDIR /app\nFROM a\nWORKDIR app\n",
            // A variable on either side.
            "FROM a\nWORKDIR $HOME\nWORKDIR app\n",
            "FROM a\nWORKDIR /app\nWORKDIR sub/$X\n",
            // ONBUILD runs in another build.
            "FROM a\nWORKDIR /app\nONBUILD WORKDIR sub\n",
            // Would need quoting.
            "FROM a\nWORKDIR /app\nWORKDIR \"my dir\"\n",
        ] {
            assert_eq!(fix_rule(&META, keep), keep, "{keep}");
            assert_eq!(count(keep), 1, "{keep}");
        }
    }
}
