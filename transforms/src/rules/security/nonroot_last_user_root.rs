//! DF201: the image's last `USER` is root.

use crate::diagnostic::Diagnostic;
use crate::edit::Fix;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::users::{self, Plan, Problem};

const DOC: &str = r#"## What it does
Finds a final stage whose last `USER` (in the stage, or in the stage it is
built `FROM`) is root: `root`, `0`, `root:group`, `0:0`, Windows'
`ContainerAdministrator`, or a variable whose default is one of those. The
fix makes the image run as a non-root user that exists in it.

A `USER` with a variable that has no known value (an `ARG` without
default) is reported, since it may be root, and not rewritten.

## Why is this bad?
A process running as root in a container is root on the host's kernel:
a container escape, a writable host mount or a mis-set capability gives
the attacker root. Running as an unprivileged user is the cheapest
defence in depth.

## Example
```dockerfile
FROM python:3.12-slim
RUN useradd --system app
USER app
COPY . /app
USER root
RUN pip install --no-cache-dir /app
CMD ["python", "-m", "app"]
```

## Fixed
```dockerfile
FROM python:3.12-slim
RUN useradd --system app
USER app
COPY . /app
USER root
RUN pip install --no-cache-dir /app
USER app
CMD ["python", "-m", "app"]
```

## Fix safety
Unsafe: the container's processes get another uid. Files the build wrote
as root are not writable by it, ports below 1024 cannot be bound (without
`CAP_NET_BIND_SERVICE`) and entrypoints that drop privileges themselves
(`gosu`, `su-exec`) fail. The new `USER` goes after the stage's last `RUN`
(build steps keep running as root) and before `CMD`/`ENTRYPOINT`/
`HEALTHCHECK`. The user is one that exists in the image:
1. a non-root user the stage (or a stage it is built on) already switched
   to or created with `useradd`/`adduser`;
2. else one the base image runs as or ships (`node`'s `node`, distroless'
   `nonroot`, Windows' `ContainerUser`), from the image database
   (`transforms/data/images.toml`, extensible in `dfix.toml`);
3. else one created with the tools of the base image's family, found by
   following `FROM` through earlier stages and `ARG` defaults:
   Debian/Ubuntu `groupadd --system` / `useradd --system --no-log-init`,
   RHEL/UBI/Fedora `groupadd -r` / `useradd -r -l`, Alpine/BusyBox
   `addgroup -S` / `adduser -S -D`, with a fixed uid/gid (10001); the
   stage's `WORKDIR` is given to that user (`chown` of the directory
   itself, not of what `COPY` put there);
4. else (scratch, minimal images without `useradd`, unknown bases) a
   numeric `USER uid:gid`, which needs no passwd entry.

## Options
- `user-name` (default `app`), `uid` (10001), `gid` (the uid);
- `numeric-user` (default true): a created user is written `USER uid:gid`;
- `build-stages` (default false): also fix build stages no other stage is
  built `FROM`.

## Aliases
- hadolint: `DL3002`
- Trivy: `DS-0002` (`AVD-DS-0002`)
- Checkov: `CKV_DOCKER_8`

## References
- https://docs.docker.com/reference/dockerfile/#user
- https://docs.docker.com/build/building/best-practices/#user
"#;

/// The rule.
pub struct LastUserRoot;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF201",
    name: "last-user-root",
    aliases: &["DL3002", "DS-0002", "CKV_DOCKER_8"],
    severity: Severity::Warning,
    summary: "The image runs as root: its last `USER` is root",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: users::OPTIONS,
};

/// The fix of a finding, as the diagnostic carries it.
pub(crate) fn fix_of(finding: &users::Finding) -> Option<Fix> {
    let plan = finding.plan.as_ref()?;
    if finding.edits.is_empty() {
        return None;
    }
    let message = match plan {
        Plan::Switch { user, why } => format!("Run as `{user}` ({why})"),
        Plan::Create { user, family, .. } => {
            format!("Create a user with the {family} tools and run as `{user}`")
        }
    };
    Some(Fix::unsafe_fix(message, finding.edits.clone()))
}

impl Rule for LastUserRoot {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let doc = ctx.doc;
        users::check(ctx)
            .into_iter()
            .filter_map(|f| {
                let (ins, message) = match &f.problem {
                    Problem::RootUser(i) => (*i, "The last `USER` of the image is root".to_string()),
                    Problem::Unresolved(i, raw) => (
                        *i,
                        format!("The last `USER` ({raw}) uses a variable without a known value: it may be root"),
                    ),
                    Problem::NoUser => return None,
                };
                let span = doc.instructions[ins].span.clone();
                Some(Diagnostic::new(&META, message, span).with_optional_fix(fix_of(&f)))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::*;

    fn fix(src: &str) -> String {
        fix_rule_with(&META, src, None, true)
    }

    #[test]
    fn switches_back_to_the_earlier_user() {
        assert_eq!(
            fix("FROM debian\nRUN useradd -m dev\nUSER dev\nUSER root\nRUN apt-get update\nCMD [\"x\"]\n"),
            "FROM debian\nRUN useradd -m dev\nUSER dev\nUSER root\nRUN apt-get update\nUSER dev\nCMD [\"x\"]\n"
        );
        // Root spelled every way.
        for root in ["root", "0", "root:root", "0:0", "root:x"] {
            let src = format!("FROM alpine\nRUN adduser -D web\nUSER {root}\n");
            assert_eq!(fix(&src), format!("{src}USER web\n"), "{root}");
        }
    }

    #[test]
    fn variable_users() {
        let src = "FROM debian\nARG U=root\nUSER $U\n";
        assert_eq!(findings(&META, src).len(), 1);
        let src = "FROM debian\nARG U\nUSER ${U}\n";
        let found = findings(&META, src);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].fix.is_none(),
            "unresolved variables are not rewritten"
        );
        assert_eq!(fix(src), src);
        assert!(findings(&META, "FROM debian\nARG U=app\nUSER $U\n").is_empty());
    }

    #[test]
    fn non_root_and_build_stages_are_left_alone() {
        assert!(findings(&META, "FROM a AS b\nUSER root\nFROM c\nUSER app\n").is_empty());
        // Only the final stage, unless build-stages is set.
        assert!(findings(&META, "FROM a AS b\nUSER root\nRUN x\nFROM c\nUSER 1000\n").is_empty());
        // Inherited through FROM <stage>.
        let src = "FROM node:20 AS base\nUSER root\nFROM base\nCOPY . /app\n";
        assert_eq!(
            fix(src),
            "FROM node:20 AS base\nUSER root\nFROM base\nCOPY . /app\nUSER node\n"
        );
    }

    #[test]
    fn fixture() {
        assert_fixture(
            &META,
            "root_at_end",
            include_str!("fixtures/nonroot/root_at_end.Dockerfile"),
        );
    }
}
