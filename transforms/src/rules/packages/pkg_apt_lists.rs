//! DF304: `apt-get update` without `rm -rf /var/lib/apt/lists/*` in the same RUN.

use dfix_grammar::shell::{Command, Operator};
use dfix_grammar::Instruction;

use crate::diagnostic::Diagnostic;
use crate::edit::Edit;
use crate::pkg::{
    is_apt_update, is_sub, later_in_lineage, missing_cleanup_with, op_after, reads_apt_lists,
    removes_under, run_scripts, run_scripts_in, skip_none, MissingCleanup, ScriptKind,
    APT_VALUE_FLAGS, SEPARATOR_OPTION,
};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds RUN instructions that download the apt package lists (`apt-get
update`) and do not delete them, and appends ` && rm -rf
/var/lib/apt/lists/*` at the end of the RUN (on a new continuation line,
in the author's style, when the RUN has several lines).

## Why is this bad?
The lists take tens of megabytes and stay in the layer for good. They are
also stale the moment the image is built: installing from them later gives
404s, so every RUN that installs should run `apt-get update` itself anyway.

## Example
```dockerfile
RUN apt-get update && apt-get install -y curl
```

## Fixed
```dockerfile
RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
```

## Fix safety
Safe when its guards hold, and reported without a fix otherwise:
- a later RUN of the stage, or of a stage built `FROM` it, that uses the
  lists (`apt-get install`, `apt-cache`, ...) without its own `apt-get
  update` would fail once they are gone. The fix is then unsafe: each such
  RUN also gets `apt-get update && ` before the pipeline that first uses
  the lists (and this rule deletes its lists in turn), so no RUN depends on
  lists an earlier layer left. That changes what those RUNs install (fresh
  lists give newer versions), hence unsafe. Where the pipeline follows
  `||`, the RUN is ONBUILD or opens a heredoc on its command line, there is
  no fix;
- `apt-get distclean` (or `dist-clean`, apt 2.7 and later, as in Debian 13)
  deletes the lists but the small Release files: nothing is
  reported. hadolint only knows `rm -rf /var/lib/apt/lists/*` and reports
  such RUNs (the official `python:*-trixie` images, for one);
- a cache or tmpfs mount covering `/var/lib/apt/lists` means the lists are
  not in the layer: nothing is reported;
- a stage that is not the last one and that no later `FROM` builds on
  (one only copied from with `COPY --from`, or not used at all) does not
  put its lists in the image: nothing is reported, as in hadolint (a
  build with `--target` on such a stage keeps them);
- a RUN line that opens a heredoc (`cat <<EOF >/x && apt-get update`) and
  ONBUILD RUNs are not edited.
The `separator` option chooses how the command is joined (`auto`, `&&`,
`;`); `;` is only used under `set -e`, where it cannot hide a failure.

## Aliases
- hadolint: `DL3009`

## References
- https://docs.docker.com/build/building/best-practices/#apt-get
"#;

/// The rule.
pub struct AptLists;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF304",
    name: "apt-lists-not-removed",
    aliases: &["DL3009"],
    severity: Severity::Info,
    summary: "Delete the apt lists in the RUN that downloads them",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[SEPARATOR_OPTION],
};

/// `rm -rf /var/lib/apt/lists/*`, or `apt-get distclean` (`dist-clean`,
/// apt 2.7+), which deletes everything under the lists folder but the
/// Release files.
fn cleans(cmd: &Command) -> bool {
    removes_under(cmd, &["/var/lib/apt/lists"])
        || is_sub(
            cmd,
            &["apt-get", "apt"],
            APT_VALUE_FLAGS,
            &["distclean", "dist-clean"],
        )
}

fn command(_: &Command) -> String {
    "rm -rf /var/lib/apt/lists/*".to_string()
}

/// Blocks the fix when a later RUN reads the lists without updating them.
fn later_reader(ctx: &Context, index: usize, _: &Instruction) -> Option<&'static str> {
    let doc = ctx.doc;
    for j in later_in_lineage(doc, index) {
        let ins = &doc.instructions[j];
        let scripts = run_scripts(doc.source(), ins);
        let cmds = || scripts.iter().flat_map(|s| s.commands().iter());
        if cmds().any(reads_apt_lists) && !cmds().any(is_apt_update) {
            return Some("a later RUN installs without `apt-get update`");
        }
    }
    None
}

/// The insertion of `apt-get update && ` that makes RUN `ins` fetch the
/// lists itself: before the top-level pipeline holding its first command
/// that reads them. `None` when that pipeline follows `||` (the update
/// would change which commands run), when the RUN is ONBUILD, opens a
/// heredoc on its command line, or its shell text has syntax errors.
fn own_update(ctx: &Context, ins: &Instruction) -> Option<Edit> {
    if ins.sub.is_some() {
        return None;
    }
    let scripts = run_scripts_in(ctx.doc, ins);
    for rs in &scripts {
        if rs.kind == ScriptKind::ShellWithHeredoc || rs.has_errors() {
            return None;
        }
        for stmt in rs.statements() {
            for (n, item) in stmt.items.iter().enumerate() {
                let span = &item.pipeline.span;
                let reads = rs.commands().iter().any(|c| {
                    reads_apt_lists(c) && span.start <= c.span.start && c.span.end <= span.end
                });
                if !reads {
                    continue;
                }
                if n > 0 && op_after(stmt, n - 1) != Some(Operator::And) {
                    return None;
                }
                return Some(Edit::insert(span.start, "apt-get update && "));
            }
        }
    }
    None
}

/// Lifts the later-reader guard (unsafe): every later RUN of the lineage
/// that reads the lists without `apt-get update` gets its own update, so
/// no RUN depends on lists an earlier layer left (DF304 then deletes them
/// in that RUN too).
fn update_in_later_readers(ctx: &Context, index: usize) -> Option<(Vec<Edit>, String)> {
    let doc = ctx.doc;
    let mut edits = Vec::new();
    for j in later_in_lineage(doc, index) {
        let ins = &doc.instructions[j];
        let scripts = run_scripts(doc.source(), ins);
        let cmds = || scripts.iter().flat_map(|s| s.commands().iter());
        if cmds().any(reads_apt_lists) && !cmds().any(is_apt_update) {
            edits.push(own_update(ctx, ins)?);
        }
    }
    let message = match edits.len() {
        0 => return None,
        1 => "Append `rm -rf /var/lib/apt/lists/*` and run `apt-get update` in the later RUN that uses the lists".to_string(),
        n => format!("Append `rm -rf /var/lib/apt/lists/*` and run `apt-get update` in the {n} later RUNs that use the lists"),
    };
    Some((edits, message))
}

static SPEC: MissingCleanup = MissingCleanup {
    fills: is_apt_update,
    cleans,
    cache_dirs: &["/var/lib/apt/lists"],
    command,
    message: "`apt-get update` leaves the package lists in the layer: delete them in the same RUN",
    block_run: later_reader,
    skip_run: skip_none,
};

impl Rule for AptLists {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let doc = ctx.doc;
        let stages = doc.stages();
        // Like hadolint, only the final stage and the stages a later FROM
        // builds on keep their lists in an image; a stage that is only
        // copied from (or not used at all) leaves them behind.
        let kept = |ins_start: usize| {
            let Some(k) = stages.iter().position(|st| {
                st.instructions
                    .clone()
                    .any(|j| doc.instructions[j].span.contains(&ins_start))
            }) else {
                return true;
            };
            if k + 1 == stages.len() {
                return true;
            }
            let st = &stages[k];
            let mut names = vec![st.index.to_string()];
            if let Some(n) = &st.name {
                names.push(n.value().to_ascii_lowercase());
            }
            stages[k + 1..].iter().any(|t| {
                t.base
                    .as_ref()
                    .is_some_and(|b| names.contains(&b.value().to_ascii_lowercase()))
            })
        };
        missing_cleanup_with(ctx, &META, &SPEC, update_in_later_readers)
            .into_iter()
            .filter(|d| kept(d.span.start))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::{OptionValue, RuleOptions};
    use crate::rules::test_support::*;

    #[test]
    fn fixture() {
        assert_fixture(
            &META,
            "forms",
            include_str!("fixtures/pkg_apt_lists.Dockerfile"),
        );
    }

    #[test]
    fn guards() {
        for keep in [
            "RUN apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*\n",
            "RUN set -eux; apt-get update; apt-get install -y x; apt-get dist-clean\n",
            "RUN apt-get update && apt-get install -y x && apt-get distclean\n",
            "RUN --mount=type=cache,target=/var/lib/apt/lists apt-get update && apt-get install -y x\n",
            "RUN --mount=type=cache,target=/var/lib/apt,sharing=locked apt-get update && apt-get install -y x\n",
            "RUN --mount=type=tmpfs,target=/var/lib/apt/lists apt-get update\n",
        ] {
            assert!(findings(&META, &format!("FROM a\n{keep}")).is_empty(), "{keep}");
        }
        // A later RUN (here in a child stage) installs from the lists: no
        // safe fix; the unsafe one gives that RUN its own update, and the
        // next pass deletes its lists too.
        let src = "FROM a AS base\nRUN apt-get update && apt-get install -y x\nFROM base\nRUN apt-get install -y y\n";
        let f = findings(&META, src);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].fix.as_ref().map(|x| x.applicability),
            Some(crate::edit::Applicability::Unsafe)
        );
        assert_eq!(fix_rule(&META, src), src);
        assert_eq!(
            fix_rule_with(&META, src, None, true),
            "FROM a AS base\nRUN apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*\nFROM base\nRUN apt-get update && apt-get install -y y && rm -rf /var/lib/apt/lists/*\n"
        );
        // Several later readers, one inside a chain after `&&`, one piped.
        let src = "FROM a\nRUN apt-get update\nRUN set -e; cd /x && apt-get install -y y\nRUN echo y | apt-get install z\n";
        assert_eq!(
            fix_rule_with(&META, src, None, true),
            "FROM a\nRUN apt-get update && rm -rf /var/lib/apt/lists/*\nRUN set -e; cd /x && apt-get update && apt-get install -y y && rm -rf /var/lib/apt/lists/*\nRUN apt-get update && echo y | apt-get install z && rm -rf /var/lib/apt/lists/*\n"
        );
        // After `||` the update would change which commands run; ONBUILD
        // RUNs are not edited: no fix at all.
        for later in [
            "RUN test -f /done || apt-get install -y y\n",
            "ONBUILD RUN apt-get install -y y\n",
        ] {
            let src = format!("FROM a\nRUN apt-get update\n{later}");
            let f = findings(&META, &src);
            assert!(
                f[0].fix.is_none() && f[0].message.contains("later RUN"),
                "{later}"
            );
            assert_eq!(fix_rule_with(&META, &src, None, true), src);
        }
        // A stage only copied from (or unused) leaves its lists behind:
        // nothing to report; an unrelated stage does not block the fix of
        // one a later FROM builds on.
        let src = "FROM a AS base\nRUN apt-get update && apt-get install -y x\nFROM other\nCOPY --from=base /x /x\nRUN apt-get install -y y\n";
        assert!(findings(&META, src).is_empty());
        let src = "FROM a AS base\nRUN apt-get update && apt-get install -y x\nFROM other\nRUN apt-get install -y y\nFROM base\n";
        assert_eq!(
            fix_rule(&META, src),
            "FROM a AS base\nRUN apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*\nFROM other\nRUN apt-get install -y y\nFROM base\n"
        );
    }

    #[test]
    fn separator_option() {
        let src = "FROM a\nRUN set -eux; \\\n    apt-get update; \\\n    apt-get install -y x\n";
        assert_eq!(
            fix_rule(&META, src),
            "FROM a\nRUN set -eux; \\\n    apt-get update; \\\n    apt-get install -y x; \\\n    rm -rf /var/lib/apt/lists/*\n"
        );
        let mut o = RuleOptions::new();
        o.insert("separator".into(), OptionValue::Str("&&".into()));
        assert_eq!(
            fix_rule_with(&META, src, Some(o), false),
            "FROM a\nRUN set -eux; \\\n    apt-get update; \\\n    apt-get install -y x && \\\n    rm -rf /var/lib/apt/lists/*\n"
        );
        // Without `set -e`, `;` would hide a failed install: `&&` it is.
        let mut o = RuleOptions::new();
        o.insert("separator".into(), OptionValue::Str(";".into()));
        assert_eq!(
            fix_rule_with(
                &META,
                "FROM a\nRUN apt-get update; apt-get install -y x\n",
                Some(o),
                false
            ),
            "FROM a\nRUN apt-get update; apt-get install -y x && rm -rf /var/lib/apt/lists/*\n"
        );
    }

    #[test]
    fn crlf_backtick() {
        assert_eq!(
            fix_rule(&META, "# escape=`\r\nFROM a\r\nRUN apt-get update `\r\n\t&& apt-get install -y x\r\n"),
            "# escape=`\r\nFROM a\r\nRUN apt-get update `\r\n\t&& apt-get install -y x `\r\n\t&& rm -rf /var/lib/apt/lists/*\r\n"
        );
    }
}
