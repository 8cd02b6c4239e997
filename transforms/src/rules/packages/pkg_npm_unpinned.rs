//! DF326: unpinned packages in `npm install`.

use dfix_grammar::shell::{Command, Word};

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::shell_cmds::{args_after_sub, unpinned, PinSpec};

const DOC: &str = r#"## What it does
Finds `npm install` (`npm i`, `npm add`) with a package named without a
version: `express` rather than `express@4.19.2`.

## Why is this bad?
Without a version the build installs whatever the repository serves that
day: two builds of the same Dockerfile can differ, and a new release can
break the image without any change to the file.

## Example
```dockerfile
RUN npm install -g typescript
```

## Fixed
```dockerfile
RUN npm install -g typescript@5.4.5
```

As in hadolint, these are pinned or exempt: `pkg@version` (also scoped,
`@scope/pkg@1`), git URLs with `#ref`, tarballs (`.tgz`, `.tar`,
`.tar.gz`), folders (`/`, `./`, `../`, `~/`). `npm install` without
packages installs the lock file and is fine. hadolint only reads
`npm install`; `npm i` and `npm add` are the same command.

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
- hadolint: `DL3016`

## References
- https://docs.npmjs.com/cli/commands/npm-install
"#;

/// The rule.
pub struct NpmUnpinned;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF326",
    name: "npm-unpinned-package",
    aliases: &["DL3016"],
    severity: Severity::Warning,
    summary: "Pin versions in `npm install`",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

const NPM_VALUE_FLAGS: &[&str] = &[
    "--prefix",
    "--registry",
    "--cache",
    "--userconfig",
    "-w",
    "--workspace",
    "--tag",
    "--omit",
    "--include",
    "--install-strategy",
    "--loglevel",
];

fn packages(cmd: &Command) -> Option<Vec<&Word>> {
    args_after_sub(cmd, &["npm"], NPM_VALUE_FLAGS, &["install", "i", "add"])
}

fn pinned(p: &str) -> bool {
    if [
        "git://",
        "git+ssh://",
        "git+http://",
        "git+https://",
        "github:",
    ]
    .iter()
    .any(|g| p.starts_with(g))
    {
        return p.contains('#');
    }
    if [".tar", ".tar.gz", ".tgz"].iter().any(|s| p.ends_with(s))
        || ["/", "./", "../", "~/", "file:", "http://", "https://"]
            .iter()
            .any(|s| p.starts_with(s))
    {
        return true;
    }
    // `@scope/name@1`: the version is the `@` after the scope.
    let unscoped = match p.strip_prefix('@') {
        Some(rest) => rest.split_once('/').map_or("", |(_, name)| name),
        None => p,
    };
    unscoped.contains('@')
}

static SPEC: PinSpec = PinSpec {
    packages,
    pinned,
    what: "npm install",
    how: "pkg@version",
};

impl Rule for NpmUnpinned {
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
            include_str!("fixtures/pkg_npm_unpinned.Dockerfile"),
        );
    }

    #[test]
    fn catches() {
        for case in [
            "RUN npm install express\n",
            "RUN npm install -g @angular/cli\n",
            "RUN npm i -g typescript@5 ts-node\n",
            "RUN npm install git+https://github.com/a/b.git\n",
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
            "RUN npm install\n",
            "RUN npm ci\n",
            "RUN npm install -g @angular/cli@17 typescript@5.4\n",
            "RUN npm install ./local ../other /abs ~/home.tgz\n",
            "RUN npm install git+https://github.com/a/b.git#v1\n",
            "RUN npm install $PKG\n",
            "RUN npm run build\n",
        ] {
            assert!(
                findings(&META, &format!("FROM a\n{case}")).is_empty(),
                "{case}"
            );
        }
    }
}
