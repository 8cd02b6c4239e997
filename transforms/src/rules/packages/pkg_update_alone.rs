//! DF301: a RUN that only updates the package index.

use dfix_grammar::shell::Command;
use dfix_grammar::{Document, Kind};

use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::pkg::{
    is_sub, runs, RunScript, ScriptKind, APT_VALUE_FLAGS, RPM_VALUE_FLAGS, ZYPPER_VALUE_FLAGS,
};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::style::instruction_lines;

const DOC: &str = r#"## What it does
Finds RUN instructions that only refresh a package index (`apt-get
update`, `apt update`, `apk update`, `yum makecache`, `dnf makecache`,
`zypper refresh`) and moves the update to the front of the next RUN that
uses the same package manager, deleting the lone RUN. Comments above the
lone RUN stay where they are.

## Why is this bad?
The index is cached in a layer of its own. When the install RUN changes,
the build cache may reuse the old update layer and install from a stale
index (missing packages, 404s, old security fixes). The index must be
refreshed in the same RUN that installs.

## Example
```dockerfile
RUN apt-get update
RUN apt-get install -y curl
```

## Fixed
```dockerfile
RUN apt-get update && apt-get install -y curl
```

## Fix safety
Safe when its guards hold, and reported without a fix otherwise: the next
RUN must follow with only `ARG`, `ENV`, `LABEL`, `EXPOSE`, `WORKDIR` or
comments in between (a `COPY` could change the package sources, a `USER`
could make the update fail), be in shell form without heredocs, have the
same flags (`--mount`, `--network`), and use the same package manager. When
that RUN already updates the index, the lone RUN is only deleted. A lone
RUN with comments inside its continuation lines is not moved.

## Aliases
- Trivy: `DS-0017` (`AVD-DS-0017`)
- Checkov: `CKV_DOCKER_5`

## References
- https://docs.docker.com/build/building/best-practices/#apt-get
"#;

/// The rule.
pub struct UpdateAlone;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF301",
    name: "package-index-update-alone",
    aliases: &["DS-0017", "CKV_DOCKER_5"],
    severity: Severity::Warning,
    summary: "Update the package index in the RUN that installs, not in a RUN of its own",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

/// The package managers and their index-update commands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Manager {
    Apt,
    Apk,
    Yum,
    Dnf,
    Zypper,
}

fn update_of(cmd: &Command) -> Option<Manager> {
    if is_sub(cmd, &["apt-get", "apt"], APT_VALUE_FLAGS, &["update"]) {
        Some(Manager::Apt)
    } else if is_sub(cmd, &["apk"], &[], &["update"]) {
        Some(Manager::Apk)
    } else if is_sub(cmd, &["yum"], RPM_VALUE_FLAGS, &["makecache"]) {
        Some(Manager::Yum)
    } else if is_sub(cmd, &["dnf", "microdnf"], RPM_VALUE_FLAGS, &["makecache"]) {
        Some(Manager::Dnf)
    } else if is_sub(cmd, &["zypper"], ZYPPER_VALUE_FLAGS, &["refresh", "ref"]) {
        Some(Manager::Zypper)
    } else {
        None
    }
}

fn uses(cmd: &Command, m: Manager) -> bool {
    let names: &[&str] = match m {
        Manager::Apt => &["apt-get", "apt", "apt-cache", "aptitude"],
        Manager::Apk => &["apk"],
        Manager::Yum => &["yum"],
        Manager::Dnf => &["dnf", "microdnf"],
        Manager::Zypper => &["zypper"],
    };
    names.iter().any(|n| cmd.name_is(n))
}

/// The manager when the script is nothing but index updates of one manager.
fn only_updates(rs: &RunScript) -> Option<Manager> {
    let statements = rs.statements();
    let mut found = None;
    for s in statements {
        for it in &s.items {
            if it.pipeline.is_piped() || it.pipeline.elements.len() != 1 {
                return None;
            }
            let cmd = it.pipeline.commands().next()?;
            let m = update_of(cmd)?;
            if found.is_some_and(|f| f != m) {
                return None;
            }
            found = Some(m);
        }
    }
    found
}

fn flags_of(doc: &Document, i: usize) -> Vec<String> {
    let mut f: Vec<String> = doc.instructions[i]
        .flags
        .iter()
        .map(|f| f.raw.clone())
        .collect();
    f.sort();
    f
}

impl Rule for UpdateAlone {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let doc = ctx.doc;
        let all = runs(doc);
        let mut out = Vec::new();
        for (i, ins, scripts) in &all {
            if ins.sub.is_some() || scripts.len() != 1 || scripts[0].kind != ScriptKind::Shell {
                continue;
            }
            let Some(m) = only_updates(&scripts[0]) else {
                continue;
            };
            let message = "The package index is updated in a RUN of its own";
            let plan = plan_fix(ctx, &all, *i, m);
            out.push(match plan {
                Ok(fix) => Diagnostic::new(&META, message, ins.span.clone()).with_fix(fix),
                Err(reason) => Diagnostic::new(
                    &META,
                    format!("{message} (not fixed: {reason})"),
                    ins.span.clone(),
                ),
            });
        }
        out
    }
}

fn plan_fix(
    ctx: &Context,
    all: &[(usize, &dfix_grammar::Instruction, Vec<RunScript>)],
    i: usize,
    m: Manager,
) -> Result<Fix, &'static str> {
    let doc = ctx.doc;
    let ins = &doc.instructions[i];
    if !ins.inner_comments.is_empty() {
        return Err("comments inside the RUN");
    }
    let mut j = i + 1;
    while let Some(next) = doc.instructions.get(j) {
        match next.kind {
            Kind::Arg | Kind::Env | Kind::Label | Kind::Expose | Kind::Workdir => j += 1,
            _ => break,
        }
    }
    let Some(next) = doc.instructions.get(j) else {
        return Err("no RUN follows");
    };
    if next.kind != Kind::Run {
        return Err("the next instruction is not a RUN");
    }
    if flags_of(doc, i) != flags_of(doc, j) {
        return Err("the next RUN has other flags");
    }
    let Some((_, _, scripts)) = all.iter().find(|(k, _, _)| *k == j) else {
        return Err("the next RUN is in exec form or does not parse");
    };
    if scripts.len() != 1 || scripts[0].kind != ScriptKind::Shell {
        return Err("the next RUN uses a heredoc");
    }
    let cmds = scripts[0].commands();
    let delete = Edit::delete(instruction_lines(doc, ins));
    if cmds.iter().any(|c| update_of(c) == Some(m)) {
        return Ok(Fix::safe(
            "Remove the RUN: the next RUN updates the index itself",
            vec![delete],
        ));
    }
    if !cmds.iter().any(|c| uses(c, m)) {
        return Err("the next RUN does not use the package manager");
    }
    let src = doc.source();
    let args = ins.args_span();
    let text = &src[args.clone()];
    if text.contains('\n') {
        return Err("the update spans several lines");
    }
    let first = scripts[0]
        .statements()
        .first()
        .map(|s| s.span.start)
        .ok_or("the next RUN is empty")?;
    Ok(Fix::safe(
        format!("Move `{text}` into the next RUN"),
        vec![delete, Edit::insert(first, format!("{text} && "))],
    ))
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
            include_str!("fixtures/pkg_update_alone.Dockerfile"),
        );
    }

    #[test]
    fn guards() {
        for (src, why) in [
            (
                "RUN apt-get update\nCOPY sources.list /etc/apt/\nRUN apt-get install -y x\n",
                "not a RUN",
            ),
            (
                "RUN apt-get update\nRUN --network=none apt-get install -y x\n",
                "other flags",
            ),
            (
                "RUN apt-get update\nRUN [\"apt-get\", \"install\", \"-y\", \"x\"]\n",
                "exec form",
            ),
            ("RUN apt-get update\nRUN pip install x\n", "does not use"),
            ("RUN apt-get update\n", "no RUN follows"),
        ] {
            let src = format!("FROM a\n{src}");
            let f = findings(&META, &src);
            assert_eq!(f.len(), 1, "{src}");
            assert!(
                f[0].fix.is_none() && f[0].message.contains(why),
                "{src}: {}",
                f[0].message
            );
            assert_eq!(fix_rule(&META, &src), src);
        }
        assert!(findings(
            &META,
            "FROM a\nRUN apt-get update && apt-get install -y x\n"
        )
        .is_empty());
        // CRLF: the whole lone line goes, line end included.
        assert_eq!(
            fix_rule(&META, "FROM a\r\nRUN apk update\r\nRUN apk add x\r\n"),
            "FROM a\r\nRUN apk update && apk add x\r\n"
        );
    }
}
