//! DF313: `pip install` without `--no-cache-dir`.

use dfix_grammar::shell::{Command, Word};

use crate::diagnostic::Diagnostic;
use crate::edit::Fix;
use crate::pkg::{cache_mount_matching, editable, env_before, insert_after, runs};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds `pip install` (also `pip3`, `pip3.12`, `python -m pip install`)
without `--no-cache-dir` and adds the flag after `install`.

## Why is this bad?
pip keeps every downloaded and built wheel under `~/.cache/pip`. In an
image that cache is never used again and only makes the layer bigger.

## Example
```dockerfile
RUN pip install -r requirements.txt
```

## Fixed
```dockerfile
RUN pip install --no-cache-dir -r requirements.txt
```

## Fix safety
Safe: the same packages are installed; only the cache is not written.
Nothing is reported when `PIP_NO_CACHE_DIR` is set to a true value by an
`ENV` of the stage (or a stage it is built from) or on the command line
(`PIP_NO_CACHE_DIR=1 pip install`) or exported earlier in the same RUN
(`export PIP_NO_CACHE_DIR=1 && pip install`), when a cache or tmpfs mount targets
the pip cache (`.cache/pip`, `/root/.cache`), when the command passes
`--cache-dir`, and for the wrappers `pipx`, `pipenv` and `uv`.

## Aliases
- hadolint: `DL3042`

## References
- https://pip.pypa.io/en/stable/topics/caching/
"#;

/// The rule.
pub struct PipNoCacheDir;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF313",
    name: "pip-missing-no-cache-dir",
    aliases: &["DL3042"],
    severity: Severity::Warning,
    summary: "Use `pip install --no-cache-dir` so that the wheel cache stays out of the image",
    doc: DOC,
    fix: FixAvailability::Always,
    options: &[],
};

fn truthy(v: &str) -> bool {
    matches!(
        v.trim_matches(['"', '\'']).to_ascii_lowercase().as_str(),
        "1" | "true" | "on" | "yes"
    )
}

/// True for `pip`, `pip3`, `pip3.12`.
fn is_pip_name(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    base.strip_prefix("pip")
        .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// True for `python`, `python3`, `python3.12`.
fn is_python_name(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    base.strip_prefix("python")
        .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// The `install` word of a pip install command, if `cmd` is one.
fn install_word(cmd: &Command) -> Option<&Word> {
    let name = cmd.name_str()?;
    let args: &[Word] = if is_pip_name(name) {
        &cmd.args
    } else if is_python_name(name) {
        let m = cmd.args.iter().position(|w| w.is("-m"))?;
        let module = cmd.args.get(m + 1)?;
        if !module.value.as_deref().is_some_and(is_pip_name) {
            return None;
        }
        &cmd.args[m + 2..]
    } else {
        return None;
    };
    args.iter()
        .find(|w| !w.value.as_deref().is_some_and(|v| v.starts_with('-')))
        .filter(|w| w.is("install"))
}

fn opted_out(cmd: &Command) -> bool {
    cmd.has_long_flag("no-cache-dir")
        || cmd.has_long_flag("cache-dir")
        || cmd.assignments.iter().any(|a| {
            a.value
                .as_deref()
                .and_then(|v| v.strip_prefix("PIP_NO_CACHE_DIR="))
                .is_some_and(truthy)
        })
}

/// True for `export PIP_NO_CACHE_DIR=1` (any true value).
fn exports_no_cache(cmd: &Command) -> bool {
    cmd.name_is("export")
        && cmd.args.iter().any(|w| {
            w.value
                .as_deref()
                .and_then(|v| v.strip_prefix("PIP_NO_CACHE_DIR="))
                .is_some_and(truthy)
        })
}

impl Rule for PipNoCacheDir {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (i, ins, scripts) in runs(ctx.doc) {
            if cache_mount_matching(ins, ".cache/pip")
                || cache_mount_matching(ins, "/root/.cache")
                || env_before(ctx.doc, i, "PIP_NO_CACHE_DIR").is_some_and(|v| truthy(&v))
            {
                continue;
            }
            for rs in &scripts {
                // `export PIP_NO_CACHE_DIR=1` earlier in the script turns the
                // cache off for every later pip.
                let mut exported = false;
                for cmd in rs.commands() {
                    if exports_no_cache(cmd) {
                        exported = true;
                        continue;
                    }
                    let Some(install) = install_word(cmd) else {
                        continue;
                    };
                    if exported || opted_out(cmd) {
                        continue;
                    }
                    let fix = editable(install).then(|| {
                        Fix::safe(
                            "Add `--no-cache-dir`",
                            vec![insert_after(install, "--no-cache-dir")],
                        )
                    });
                    out.push(
                        Diagnostic::new(
                            &META,
                            "`pip install` without `--no-cache-dir` keeps its wheel cache in the layer",
                            cmd.span.clone(),
                        )
                        .with_optional_fix(fix),
                    );
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
            "forms",
            include_str!("fixtures/pkg_pip_no_cache_dir.Dockerfile"),
        );
    }

    #[test]
    fn guards() {
        for keep in [
            "RUN pip install --no-cache-dir x\n",
            "RUN PIP_NO_CACHE_DIR=1 pip install x\n",
            "RUN --mount=type=cache,target=/root/.cache/pip pip install x\n",
            "RUN pipx install black\n",
            "RUN pipenv install\n",
            "RUN uv pip install x\n",
            "RUN pip download x\n",
            "ENV PIP_NO_CACHE_DIR=true\nRUN pip install x\n",
            "ENV PIP_NO_CACHE_DIR 1\nRUN pip install x\n",
            "RUN export PIP_NO_CACHE_DIR=1 && pip install x\n",
            "RUN set -e; export PIP_NO_CACHE_DIR=true; pip3 install x; pip3 install y\n",
        ] {
            assert!(
                findings(&META, &format!("FROM a\n{keep}")).is_empty(),
                "{keep}"
            );
        }
        // ENV in the parent stage counts; a false value does not.
        assert!(findings(
            &META,
            "FROM a AS b\nENV PIP_NO_CACHE_DIR=1\nFROM b\nRUN pip install x\n"
        )
        .is_empty());
        assert_eq!(
            findings(&META, "FROM a\nENV PIP_NO_CACHE_DIR=0\nRUN pip install x\n").len(),
            1
        );
        // The export only covers the pip commands after it, with a true value.
        assert_eq!(
            findings(
                &META,
                "FROM a\nRUN pip install x && export PIP_NO_CACHE_DIR=1\n"
            )
            .len(),
            1
        );
        assert_eq!(
            findings(
                &META,
                "FROM a\nRUN export PIP_NO_CACHE_DIR=0 && pip install x\n"
            )
            .len(),
            1
        );
    }
}
