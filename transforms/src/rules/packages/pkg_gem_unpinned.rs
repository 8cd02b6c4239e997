//! DF327: unpinned packages in `gem install`.

use dfix_grammar::shell::{Command, Word};

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::shell_cmds::{args_after_sub, unpinned, PinSpec};

const DOC: &str = r#"## What it does
Finds `gem install` with a gem named without a version: `rails` rather
than `rails:7.1.3` (or `-v 7.1.3`).

## Why is this bad?
Without a version the build installs whatever the repository serves that
day: two builds of the same Dockerfile can differ, and a new release can
break the image without any change to the file.

## Example
```dockerfile
RUN gem install bundler
```

## Fixed
```dockerfile
RUN gem install bundler:2.5.6
```

As in hadolint, a command with `-v`/`--version` is pinned as a whole, and
`gem:version` pins one gem.

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
- hadolint: `DL3028`

## References
- https://guides.rubygems.org/command-reference/#gem-install
"#;

/// The rule.
pub struct GemUnpinned;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF327",
    name: "gem-unpinned-package",
    aliases: &["DL3028"],
    severity: Severity::Warning,
    summary: "Pin versions in `gem install`",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

const GEM_VALUE_FLAGS: &[&str] = &[
    "-i",
    "--install-dir",
    "-n",
    "--bindir",
    "-s",
    "--source",
    "-P",
    "--trust-policy",
    "--platform",
    "-g",
    "--file",
    "--build-root",
];

fn packages(cmd: &Command) -> Option<Vec<&Word>> {
    let gems = args_after_sub(cmd, &["gem"], GEM_VALUE_FLAGS, &["install", "i"])?;
    let versioned = cmd.args.iter().any(|w| {
        w.value
            .as_deref()
            .is_some_and(|v| v == "-v" || v == "--version" || v.starts_with("--version="))
    });
    Some(if versioned { Vec::new() } else { gems })
}

fn pinned(p: &str) -> bool {
    p.contains(':') || p.ends_with(".gem") || p.contains('/')
}

static SPEC: PinSpec = PinSpec {
    packages,
    pinned,
    what: "gem install",
    how: "gem:version",
};

impl Rule for GemUnpinned {
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
            include_str!("fixtures/pkg_gem_unpinned.Dockerfile"),
        );
    }

    #[test]
    fn catches() {
        for case in [
            "RUN gem install bundler\n",
            "RUN gem install rails:7.1 rake\n",
            "RUN gem i -N nokogiri\n",
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
            "RUN gem install bundler:2.5.6\n",
            "RUN gem install bundler -v 2.5.6\n",
            "RUN gem install bundler --version=2.5.6\n",
            "RUN gem install ./local.gem\n",
            "RUN gem update --system\n",
        ] {
            assert!(
                findings(&META, &format!("FROM a\n{case}")).is_empty(),
                "{case}"
            );
        }
    }
}
