//! DF306: `apk add` without `--no-cache`.

use dfix_grammar::shell::Command;
use dfix_grammar::Instruction;

use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::pkg::{
    cache_mount_covers, editable, insert_after, is_sub, later_in_lineage, removal_range,
    run_scripts, runs, RunScript,
};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds `apk add` without `--no-cache` and adds the flag after `add`. Once
every `apk add` of a RUN has it, an `apk update` and an `rm -rf
/var/cache/apk/*` in that RUN do nothing useful and are removed too.

## Why is this bad?
Without `--no-cache`, `apk` stores the package index under
`/var/cache/apk` and it stays in the layer. `--no-cache` fetches a fresh
index for the command and keeps nothing, which makes a separate `apk
update` (and deleting the cache afterwards) unnecessary.

## Example
```dockerfile
RUN apk update && apk add curl && rm -rf /var/cache/apk/*
```

## Fixed
```dockerfile
RUN apk add --no-cache curl
```

## Fix safety
Safe: the same packages are installed from a freshly fetched index.
Nothing is reported when a cache or tmpfs mount covers `/var/cache/apk` or
`/etc/apk/cache` (the cache is wanted there). `apk update` is only removed
when it is a whole command joined by `&&` or `;` (not `||`), when the RUN
runs no other `apk` command that reads the index, and when no later RUN of
the stage or its child stages runs such a command without `--no-cache`;
`rm` is only removed when all it deletes is under `/var/cache/apk`. A
removal that would drop a comment inside the RUN is not made.

## Aliases
- hadolint: `DL3019`
- Trivy: `DS-0025` (`AVD-DS-0025`)

## References
- https://wiki.alpinelinux.org/wiki/Alpine_Package_Keeper
"#;

/// The rule.
pub struct ApkNoCache;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF306",
    name: "apk-add-missing-no-cache",
    aliases: &["DL3019", "DS-0025"],
    severity: Severity::Info,
    summary: "Use `apk add --no-cache` instead of `apk update` and deleting the cache",
    doc: DOC,
    fix: FixAvailability::Always,
    options: &[],
};

const APK_VALUE_FLAGS: &[&str] = &[
    "-X",
    "--repository",
    "-p",
    "--root",
    "--arch",
    "--cache-dir",
    "--keys-dir",
    "--repositories-file",
    "-t",
    "--virtual",
];

fn no_cache(cmd: &Command) -> bool {
    cmd.has_long_flag("no-cache")
}

/// An apk command that reads the local index (anything but `add`/`del`
/// with `--no-cache`, and `update` itself).
fn reads_index(cmd: &Command) -> bool {
    cmd.name_is("apk")
        && !no_cache(cmd)
        && !is_sub(cmd, &["apk"], APK_VALUE_FLAGS, &["add", "del", "update"])
}

fn is_apk_update(cmd: &Command) -> bool {
    is_sub(cmd, &["apk"], APK_VALUE_FLAGS, &["update"])
}

/// `rm` whose every operand is under `/var/cache/apk`.
fn removes_apk_cache(cmd: &Command) -> bool {
    let operands: Vec<&str> = cmd
        .positional_args()
        .iter()
        .filter_map(|w| w.value.as_deref())
        .collect();
    cmd.name_is("rm")
        && !operands.is_empty()
        && operands.len() == cmd.positional_args().len()
        && operands.iter().all(|v| v.starts_with("/var/cache/apk"))
}

fn later_reads_index(ctx: &Context, index: usize) -> bool {
    later_in_lineage(ctx.doc, index).into_iter().any(|j| {
        run_scripts(ctx.doc.source(), &ctx.doc.instructions[j])
            .iter()
            .flat_map(|s| s.commands())
            .any(reads_index)
    })
}

/// `scripts`: the RUN's scripts as [`runs`] gives them.
fn check_run(
    ctx: &Context,
    index: usize,
    ins: &Instruction,
    scripts: &[RunScript],
    out: &mut Vec<Diagnostic>,
) {
    if cache_mount_covers(ins, "/var/cache/apk") || cache_mount_covers(ins, "/etc/apk/cache") {
        return;
    }
    let mut adds = 0;
    let mut all_no_cache = true;
    for rs in scripts {
        for cmd in rs.commands() {
            let Some(sub) = cmd.subcommand_with(APK_VALUE_FLAGS) else {
                continue;
            };
            if !cmd.name_is("apk") || !sub.is("add") {
                continue;
            }
            adds += 1;
            if no_cache(cmd) {
                continue;
            }
            all_no_cache = false;
            let fix = editable(sub)
                .then(|| Fix::safe("Add `--no-cache`", vec![insert_after(sub, "--no-cache")]));
            out.push(
                Diagnostic::new(
                    &META,
                    "`apk add` without `--no-cache` leaves the package index in the layer",
                    cmd.span.clone(),
                )
                .with_optional_fix(fix),
            );
        }
    }
    if adds == 0 || !all_no_cache || ins.sub.is_some() {
        return;
    }
    let reads = scripts.iter().flat_map(|s| s.commands()).any(reads_index);
    if reads || later_reads_index(ctx, index) {
        return;
    }
    for rs in scripts {
        let statements = rs.statements();
        for (si, s) in statements.iter().enumerate() {
            for (ii, item) in s.items.iter().enumerate() {
                let cmds: Vec<&Command> = item.pipeline.commands().collect();
                if item.pipeline.is_piped() || cmds.len() != 1 || item.pipeline.elements.len() != 1
                {
                    continue;
                }
                let cmd = cmds[0];
                let what = if is_apk_update(cmd) {
                    "`apk update` is useless with `apk add --no-cache`"
                } else if removes_apk_cache(cmd) {
                    "`/var/cache/apk` is empty with `apk add --no-cache`"
                } else {
                    continue;
                };
                let Some(range) = removal_range(ins, statements, si, ii) else {
                    continue;
                };
                out.push(
                    Diagnostic::new(&META, what, cmd.span.clone())
                        .with_fix(Fix::safe("Remove the command", vec![Edit::delete(range)])),
                );
            }
        }
    }
}

impl Rule for ApkNoCache {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (i, ins, scripts) in runs(ctx.doc) {
            check_run(ctx, i, ins, &scripts, &mut out);
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
            include_str!("fixtures/pkg_apk_no_cache.Dockerfile"),
        );
    }

    #[test]
    fn guards() {
        for keep in [
            "RUN apk add --no-cache curl\n",
            "RUN --mount=type=cache,target=/var/cache/apk apk add curl\n",
            "RUN --mount=type=cache,target=/etc/apk/cache apk update && apk add curl\n",
        ] {
            assert!(
                findings(&META, &format!("FROM a\n{keep}")).is_empty(),
                "{keep}"
            );
        }
        // `||` after `apk update`: removing it would change the chain.
        let src = "FROM a\nRUN apk update || true && apk add --no-cache x\n";
        assert_eq!(fix_rule(&META, src), src);
        // A later `apk upgrade` reads the index `apk update` fetched.
        let src = "FROM a\nRUN apk update && apk add --no-cache x\nRUN apk upgrade\n";
        assert_eq!(fix_rule(&META, src), src);
        // `rm` that also deletes something else stays.
        assert_eq!(
            fix_rule(
                &META,
                "FROM a\nRUN apk add x && rm -rf /var/cache/apk/* /tmp/*\n"
            ),
            "FROM a\nRUN apk add --no-cache x && rm -rf /var/cache/apk/* /tmp/*\n"
        );
    }
}
