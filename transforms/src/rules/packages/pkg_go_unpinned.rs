//! DF328: unpinned packages in `go install`.

use dfix_grammar::shell::{Command, Word};

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::shell_cmds::{args_after_sub, unpinned, PinSpec};

const DOC: &str = r#"## What it does
Finds `go install`, `go get` and `go run` of a module path without a
version, or with `@latest` (`@none` for `go get`): `golang.org/x/tools/gopls`
rather than `golang.org/x/tools/gopls@v0.15.3`.

## Why is this bad?
Without a version the build installs whatever the repository serves that
day: two builds of the same Dockerfile can differ, and a new release can
break the image without any change to the file.

## Example
```dockerfile
RUN go install golang.org/x/tools/gopls@latest
```

## Fixed
```dockerfile
RUN go install golang.org/x/tools/gopls@v0.15.3
```

As in hadolint, local packages (`.`, `./cmd/...`, `/src/x`) and `.go`
files are pinned by the build context (hadolint 2.15.1 still reports
`go run make.go`; later versions do not). For `go run` only the package is
judged; the words after it are the program's arguments. Values of
`-o`, `-ldflags`, `-tags`, `-C` and the other value-taking build flags are
not packages.

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
- hadolint: `DL3062`

## References
- https://go.dev/ref/mod#go-install
"#;

/// The rule.
pub struct GoUnpinned;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF328",
    name: "go-unpinned-package",
    aliases: &["DL3062"],
    severity: Severity::Warning,
    summary: "Pin versions in `go install`",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

const GO_VALUE_FLAGS: &[&str] = &[
    "-o",
    "-C",
    "-p",
    "-tags",
    "-ldflags",
    "-gcflags",
    "-asmflags",
    "-gccgoflags",
    "-mod",
    "-modfile",
    "-pkgdir",
    "-toolexec",
    "-exec",
    "-overlay",
    "-buildmode",
    "-compiler",
    "-installsuffix",
    "-pgo",
    "-coverpkg",
];

fn packages(cmd: &Command) -> Option<Vec<&Word>> {
    if let Some(args) = args_after_sub(cmd, &["go"], GO_VALUE_FLAGS, &["run"]) {
        // Everything after the package is the program's arguments.
        return Some(args.into_iter().take(1).collect());
    }
    let args = args_after_sub(cmd, &["go"], GO_VALUE_FLAGS, &["install", "get"])?;
    Some(args.into_iter().filter(|w| !w.is("tool")).collect())
}

fn pinned(p: &str) -> bool {
    if p.starts_with('.') || p.starts_with('/') || p.ends_with(".go") {
        return true;
    }
    match p.rsplit_once('@') {
        Some((_, version)) => version != "latest" && version != "none" && !version.is_empty(),
        None => false,
    }
}

static SPEC: PinSpec = PinSpec {
    packages,
    pinned,
    what: "go install",
    how: "module@version",
};

impl Rule for GoUnpinned {
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
            include_str!("fixtures/pkg_go_unpinned.Dockerfile"),
        );
    }

    #[test]
    fn catches() {
        for case in [
            "RUN go install golang.org/x/tools/gopls\n",
            "RUN go install golang.org/x/tools/gopls@latest\n",
            "RUN go get -u example.com/z@none\n",
            "RUN go run example.com/gen arg\n",
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
            "RUN go install golang.org/x/tools/gopls@v0.15.3\n",
            "RUN go install ./cmd/...\n",
            "RUN go install -ldflags \"-s -w\" example.com/y@v1.2.3\n",
            "RUN go run ./main.go arg\n",
            "RUN go run example.com/gen@v1 unpinned-arg\n",
            "RUN go build ./...\n",
            "RUN go install $PKG\n",
        ] {
            assert!(
                findings(&META, &format!("FROM a\n{case}")).is_empty(),
                "{case}"
            );
        }
    }
}
