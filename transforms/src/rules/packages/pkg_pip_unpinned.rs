//! DF325: unpinned packages in `pip install`.

use dfix_grammar::shell::{Command, Word};

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::shell_cmds::{unpinned, PinSpec};

const DOC: &str = r#"## What it does
Finds `pip install` (also `pip3`, `pip3.12`, `python -m pip`) with a
requirement that has no version specifier: `flask` rather than
`flask==3.0.2`.

## Why is this bad?
Without a version the build installs whatever the repository serves that
day: two builds of the same Dockerfile can differ, and a new release can
break the image without any change to the file.

## Example
```dockerfile
RUN pip install --no-cache-dir flask
```

## Fixed
```dockerfile
RUN pip install --no-cache-dir flask==3.0.2
```

As in hadolint, nothing is reported when the command installs from a
requirements file (`-r`, `--requirement`), installs the current folder
(`.`) or passes a constraints file (`-c`, `--constraint`), and these count
as pinned: a version specifier (`==`, `>=`, `<=`, `<`, `>`, `!=`, `~=`,
`===`), a VCS URL with `@ref`, a `.whl`/`.tar.gz`/`.zip` file, a local
path. The values of index, target and other value-taking options are not
requirements.

## Fix safety
No fix: pinning needs the repository's index (which version exists, and
for how long), which a rewriter does not have. A package list in a
variable (`apt-get install $buildDeps`) is read from its assignment earlier
in the same RUN (`buildDeps='gcc make'`) or from an `ENV` of the stage; a
variable with no known value is not judged (hadolint reports it as
unpinned without knowing what it holds).
RUNs under a PowerShell or cmd `SHELL` are read too when their text
parses as shell: an install command line reads the same there.

## Aliases
- hadolint: `DL3013`

## References
- https://pip.pypa.io/en/stable/topics/repeatable-installs/
"#;

/// The rule.
pub struct PipUnpinned;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF325",
    name: "pip-unpinned-package",
    aliases: &["DL3013"],
    severity: Severity::Warning,
    summary: "Pin versions in `pip install`",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

/// Options of `pip install` that take their value as the next argument.
const PIP_VALUE_FLAGS: &[&str] = &[
    "--abi",
    "-b",
    "--build",
    "-c",
    "--constraint",
    "-e",
    "--editable",
    "--extra-index-url",
    "-f",
    "--find-links",
    "-i",
    "--index-url",
    "--implementation",
    "--no-binary",
    "--only-binary",
    "--platform",
    "--prefix",
    "--progress-bar",
    "--proxy",
    "--python-version",
    "-r",
    "--requirement",
    "--root",
    "--src",
    "-t",
    "--target",
    "--trusted-host",
    "--upgrade-strategy",
    "--cache-dir",
    "--log",
    "--timeout",
    "--retries",
    "--cert",
    "--client-cert",
    "--config-settings",
    "-C",
    "--global-option",
    "--python",
];

fn is_versioned_name(name: &str, stem: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    base.strip_prefix(stem)
        .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// The words after `install` of a pip install command.
fn packages(cmd: &Command) -> Option<Vec<&Word>> {
    let name = cmd.name_str()?;
    let args: &[Word] = if is_versioned_name(name, "pip") {
        &cmd.args
    } else if is_versioned_name(name, "python") {
        let m = cmd.args.iter().position(|w| w.is("-m"))?;
        if !cmd
            .args
            .get(m + 1)?
            .value
            .as_deref()
            .is_some_and(|v| is_versioned_name(v, "pip"))
        {
            return None;
        }
        &cmd.args[m + 2..]
    } else {
        return None;
    };
    let mut words = args.iter();
    // Global options before `install` (`pip --no-cache-dir install`).
    let install = loop {
        let w = words.next()?;
        match w.value.as_deref() {
            Some(v) if v.starts_with('-') => {
                if PIP_VALUE_FLAGS.contains(&v) {
                    words.next();
                }
            }
            _ => break w,
        }
    };
    if !install.is("install") {
        return None;
    }
    let rest: Vec<&Word> = words.collect();
    let exempt = rest.iter().any(|w| {
        w.value.as_deref().is_some_and(|v| {
            v == "."
                || v == "-r"
                || v == "-c"
                || v.starts_with("--requirement")
                || v.starts_with("--constraint")
                || (v.starts_with("-r") && !v.starts_with("--"))
                || (v.starts_with("-c") && !v.starts_with("--"))
        })
    });
    if exempt {
        return Some(Vec::new());
    }
    let mut out = Vec::new();
    let mut it = rest.into_iter();
    while let Some(w) = it.next() {
        let t = w.value.as_deref().unwrap_or(&w.raw);
        if t == "--" {
            out.extend(it.by_ref());
            break;
        }
        if t.len() > 1 && t.starts_with('-') {
            if PIP_VALUE_FLAGS.contains(&t) {
                it.next();
            }
            continue;
        }
        out.push(w);
    }
    Some(out)
}

const VCS: &[&str] = &["git+", "git:", "hg+", "svn+", "svn:", "bzr+"];

fn pinned(p: &str) -> bool {
    let vcs = VCS.iter().any(|s| p.starts_with(s));
    ["==", ">=", "<=", "!=", "~=", ">", "<"]
        .iter()
        .any(|s| p.contains(s))
        || (vcs && p.contains('@'))
        || [".whl", ".tar.gz", ".zip", ".tgz"]
            .iter()
            .any(|s| p.ends_with(s))
        || (!vcs && (p.contains('/') || p.starts_with('.')))
}

static SPEC: PinSpec = PinSpec {
    packages,
    pinned,
    what: "pip install",
    how: "pkg==version",
};

impl Rule for PipUnpinned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        unpinned(ctx, &META, &SPEC)
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
            include_str!("fixtures/pkg_pip_unpinned.Dockerfile"),
        );
    }

    #[test]
    fn catches() {
        for case in [
            "RUN pip install flask\n",
            "RUN pip3 install --no-cache-dir flask==3.0 requests\n",
            "RUN python3 -m pip install --upgrade pip\n",
            "RUN pip install git+https://github.com/a/b\n",
            "RUN pip install -i https://pypi.org/simple flask\n",
            "SHELL [\"powershell\", \"-Command\"]\nRUN pip install --no-cache-dir virtualenv\n",
        ] {
            assert_eq!(
                findings(&META, &format!("FROM a\n{case}")).len(),
                1,
                "{case}"
            );
        }
    }

    #[test]
    fn spares() {
        for case in [
            "RUN pip install flask==3.0.2 'requests>=2,<3'\n",
            "RUN pip install -r requirements.txt\n",
            "RUN pip install --requirement=requirements.txt flask\n",
            "RUN pip install -c constraints.txt flask\n",
            "RUN pip install .\n",
            "RUN pip install -e . flask\n",
            "RUN pip install ./dist/pkg-1.0-py3-none-any.whl /src/pkg\n",
            "RUN pip install git+https://github.com/a/b@v1.2\n",
            "RUN pip install $PKGS\n",
            "RUN pip download flask\n",
            "RUN pipx install black\n",
        ] {
            assert!(
                findings(&META, &format!("FROM a\n{case}")).is_empty(),
                "{case}"
            );
        }
    }
}
