//! DF314: `yarn install` without `yarn cache clean` in the same RUN.

use dfix_grammar::shell::Command;
use dfix_grammar::{Instruction, Kind};

use crate::diagnostic::Diagnostic;
use crate::pkg::{
    cache_mount_matching, missing_cleanup, run_scripts, MissingCleanup, SEPARATOR_OPTION,
};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds RUN instructions that run `yarn install` (or `yarn add`, `yarn
global add`) and do not run `yarn cache clean`, and appends ` && yarn
cache clean` at the end of the RUN.

## Why is this bad?
Yarn 1 copies every package it downloads into its global cache
(`/usr/local/share/.cache/yarn`). In an image the cache is never used
again and often doubles the size of `node_modules`.

## Example
```dockerfile
RUN yarn install --frozen-lockfile
```

## Fixed
```dockerfile
RUN yarn install --frozen-lockfile && yarn cache clean
```

## Fix safety
Safe for Yarn 1, whose cache only speeds up later installs. Yarn 2+
(berry) can keep packages in a cache the project itself reads (zero
installs, `.yarn/cache`), so the fix is not offered when the file shows
signs of it: a `corepack` command, `yarn set version`, or a COPY/ADD of
`.yarnrc.yml` or `.yarn`. Nothing is reported when a cache or tmpfs mount
targets a yarn folder. The `separator` option chooses how the command is
joined; `;` is only used under `set -e`.

## Aliases
- hadolint: `DL3060`

## References
- https://classic.yarnpkg.com/lang/en/docs/cli/cache/
"#;

/// The rule.
pub struct YarnCacheClean;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF314",
    name: "yarn-cache-not-cleaned",
    aliases: &["DL3060"],
    severity: Severity::Info,
    summary: "Run `yarn cache clean` after `yarn install` in the same RUN",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[SEPARATOR_OPTION],
};

fn fills(cmd: &Command) -> bool {
    if !cmd.name_is("yarn") {
        return false;
    }
    let pos = cmd.positional_args();
    match pos.first().and_then(|w| w.value.as_deref()) {
        Some("install" | "add") => true,
        Some("global") => pos.get(1).is_some_and(|w| w.is("add")),
        _ => false,
    }
}

fn cleans(cmd: &Command) -> bool {
    let pos = cmd.positional_args();
    cmd.name_is("yarn")
        && pos.first().is_some_and(|w| w.is("cache"))
        && pos.get(1).is_some_and(|w| w.is("clean"))
}

fn command(_: &Command) -> String {
    "yarn cache clean".to_string()
}

/// Signs of Yarn 2+ anywhere in the file.
fn berry(ctx: &Context, _: usize, _: &Instruction) -> Option<&'static str> {
    let doc = ctx.doc;
    for ins in &doc.instructions {
        let ins = ins.effective();
        if matches!(ins.kind, Kind::Copy | Kind::Add)
            && ins.words.iter().any(|w| {
                w.value().contains(".yarnrc.yml")
                    || w.value().trim_end_matches('/').ends_with(".yarn")
            })
        {
            return Some("the file uses Yarn 2+ (.yarnrc.yml)");
        }
        for s in run_scripts(doc.source(), ins) {
            for c in s.commands() {
                let pos = c.positional_args();
                if c.name_is("corepack")
                    || (c.name_is("yarn")
                        && pos.first().is_some_and(|w| w.is("set"))
                        && pos.get(1).is_some_and(|w| w.is("version")))
                {
                    return Some("the file may use Yarn 2+ (corepack / yarn set version)");
                }
            }
        }
    }
    None
}

fn yarn_cache_mount(ins: &Instruction) -> bool {
    cache_mount_matching(ins, "yarn")
}

static SPEC: MissingCleanup = MissingCleanup {
    fills,
    cleans,
    cache_dirs: &["/usr/local/share/.cache/yarn"],
    command,
    message:
        "`yarn install` leaves the yarn cache in the layer: run `yarn cache clean` in the same RUN",
    block_run: berry,
    skip_run: yarn_cache_mount,
};

impl Rule for YarnCacheClean {
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
            include_str!("fixtures/pkg_yarn_cache_clean.Dockerfile"),
        );
    }

    #[test]
    fn guards() {
        for keep in [
            "RUN yarn install && yarn cache clean\n",
            "RUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install\n",
            "RUN --mount=type=cache,target=/root/.yarn yarn install\n",
            "RUN yarn build\n",
        ] {
            assert!(
                findings(&META, &format!("FROM a\n{keep}")).is_empty(),
                "{keep}"
            );
        }
        for berry in [
            "COPY .yarnrc.yml ./\nRUN yarn install\n",
            "RUN corepack enable\nRUN yarn install\n",
            "RUN yarn set version stable && yarn install\n",
        ] {
            let src = format!("FROM a\n{berry}");
            let f = findings(&META, &src);
            assert_eq!(f.len(), 1, "{berry}");
            assert!(f[0].fix.is_none());
            assert_eq!(fix_rule(&META, &src), src);
        }
    }
}
