//! DF316: `npm install` / `npm ci` without `npm cache clean` in the same RUN.

use dfix_grammar::shell::Command;
use dfix_grammar::Instruction;

use crate::diagnostic::Diagnostic;
use crate::pkg::{cache_mount_matching, missing_cleanup, MissingCleanup, SEPARATOR_OPTION};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds RUN instructions that run `npm install` (`npm i`, `npm ci`,
`npm add`, also with `-g`) and do not clean npm's cache, and appends
` && npm cache clean --force` at the end of the RUN.

## Why is this bad?
npm keeps a copy of every package tarball it downloads in `~/.npm/_cacache`.
In an image that cache is never read again, yet it stays in the layer and
often weighs as much as `node_modules` itself.

## Example
```dockerfile
RUN npm ci --omit=dev
```

## Fixed
```dockerfile
RUN npm ci --omit=dev && npm cache clean --force
```

## Fix safety
Safe: the cache only speeds up later installs in the same container; the
installed packages are untouched (`--force` is what npm asks for to clear
it). Nothing is reported when a cache or tmpfs mount targets an npm folder
(`--mount=type=cache,target=/root/.npm`), or when the RUN already runs
`npm cache clean` or removes `~/.npm`. The `separator` option chooses how
the command is joined.

## Aliases
None: hadolint, Trivy and Checkov have no rule for npm's cache; this is the
npm counterpart of hadolint's `DL3060` for yarn.

## References
- https://docs.npmjs.com/cli/commands/npm-cache
"#;

/// The rule.
pub struct NpmCacheClean;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF316",
    name: "npm-cache-not-cleaned",
    aliases: &[],
    severity: Severity::Info,
    summary: "Run `npm cache clean --force` after `npm install` in the same RUN",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[SEPARATOR_OPTION],
};

fn fills(cmd: &Command) -> bool {
    cmd.name_is("npm")
        && cmd
            .positional_args()
            .first()
            .and_then(|w| w.value.as_deref())
            .is_some_and(|s| matches!(s, "install" | "i" | "ci" | "add" | "isntall" | "in"))
}

fn cleans(cmd: &Command) -> bool {
    let pos = cmd.positional_args();
    if cmd.name_is("npm") {
        return pos.first().is_some_and(|w| w.is("cache"))
            && pos.get(1).is_some_and(|w| w.is("clean") || w.is("clear"));
    }
    // `rm -rf ~/.npm` (or the root user's folder) does the same.
    cmd.name_is("rm")
        && pos.iter().any(|w| {
            let t = w.raw.trim_end_matches('/');
            t.ends_with("/.npm") || t == "~/.npm" || t.ends_with("/.npm/_cacache")
        })
}

fn command(_: &Command) -> String {
    "npm cache clean --force".to_string()
}

fn no_block(_: &Context, _: usize, _: &Instruction) -> Option<&'static str> {
    None
}

fn npm_cache_mount(ins: &Instruction) -> bool {
    cache_mount_matching(ins, ".npm")
}

static SPEC: MissingCleanup = MissingCleanup {
    fills,
    cleans,
    cache_dirs: &["/root/.npm"],
    command,
    message: "`npm install` leaves npm's cache in the layer: run `npm cache clean --force` in the same RUN",
    block_run: no_block,
    skip_run: npm_cache_mount,
};

impl Rule for NpmCacheClean {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        missing_cleanup(ctx, &META, &SPEC)
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
            include_str!("fixtures/pkg_npm_cache_clean.Dockerfile"),
        );
    }

    #[test]
    fn appends_once_and_respects_guards() {
        assert_eq!(
            fix_rule(&META, "FROM a\nRUN npm ci --omit=dev\n"),
            "FROM a\nRUN npm ci --omit=dev && npm cache clean --force\n"
        );
        for keep in [
            "RUN npm ci && npm cache clean --force\n",
            "RUN npm install && rm -rf /root/.npm\n",
            "RUN --mount=type=cache,target=/root/.npm npm ci\n",
            "RUN npm run build\n",
            "RUN [\"npm\", \"ci\"]\n",
        ] {
            assert!(
                findings(&META, &format!("FROM a\n{keep}")).is_empty(),
                "{keep}"
            );
        }
    }
}
