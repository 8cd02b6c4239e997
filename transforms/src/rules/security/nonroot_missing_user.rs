//! DF202: the image never switches to a non-root user.

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::security::nonroot_last_user_root::fix_of;
use crate::users::{self, Problem};

const DOC: &str = r#"## What it does
Finds a final stage that has no `USER` instruction, neither in itself nor
in the stages it is built `FROM`, so the image runs as whatever its base
image runs as (root for nearly every base). The fix makes it run as a
non-root user that exists in the image, or creates one.

## Why is this bad?
A process running as root in a container is root on the host's kernel:
a container escape, a writable host mount or a mis-set capability gives
the attacker root. Inserting `USER someone` is not enough: a user that
does not exist makes the container fail to start (the fix of Semgrep's
`missing-user` rule has that bug), so the fix only names users that exist.

## Example
```dockerfile
FROM python:3.12-slim
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir .
CMD ["python", "-m", "app"]
```

## Fixed
```dockerfile
FROM python:3.12-slim
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir .
RUN groupadd --system --gid 10001 app && useradd --system --no-log-init --uid 10001 --gid app --create-home app && chown app:app /app
USER 10001:10001
CMD ["python", "-m", "app"]
```

## Fix safety
Unsafe: the container's processes get another uid (see `last-user-root`
for what can break). Placement and the choice of user are the same as in
`last-user-root`: an existing user first (`useradd` in the file, `node`'s
`node`, distroless' `nonroot`, Windows' `ContainerUser`), else one created
with the family's tools (Debian/Ubuntu, RHEL/UBI/Fedora, Alpine/BusyBox),
else a numeric `USER` (scratch `65534:65534`, unknown bases `10001:10001`).
`WORKDIR` has no `--chown` flag (BuildKit rejects it), so when the fix
creates the user it gives it the stage's `WORKDIR` with `chown` in the same
`RUN`.

## Options
The same as `last-user-root`: `user-name`, `uid`, `gid`, `numeric-user`,
`build-stages`.

## Aliases
- Trivy: `DS-0002` (`AVD-DS-0002`)
- Checkov: `CKV_DOCKER_3`

## References
- https://docs.docker.com/reference/dockerfile/#user
- https://docs.docker.com/build/building/best-practices/#user
"#;

/// The rule.
pub struct MissingUser;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF202",
    name: "missing-user",
    aliases: &["DS-0002", "CKV_DOCKER_3"],
    severity: Severity::Warning,
    summary: "The image never switches to a non-root `USER`",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: users::OPTIONS,
};

impl Rule for MissingUser {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let doc = ctx.doc;
        let stages = doc.stages();
        users::check(ctx)
            .into_iter()
            .filter(|f| f.problem == Problem::NoUser)
            .map(|f| {
                let from = &doc.instructions[stages[f.stage].from];
                Diagnostic::new(
                    &META,
                    "The image runs as root: no `USER` switches to a non-root user",
                    from.span.clone(),
                )
                .with_optional_fix(fix_of(&f))
            })
            .collect()
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
            "python",
            include_str!("fixtures/nonroot/debian.Dockerfile"),
        );
    }

    #[test]
    fn nothing_can_follow_an_open_continuation_at_the_end() {
        // BuildKit joins whatever follows a trailing `\` at end of file to
        // the ENV, so the USER goes in front of it.
        assert_eq!(
            fix_rule_with(&META, "FROM node:20\nRUN npm ci\nENV A=b \\", None, true),
            "FROM node:20\nRUN npm ci\nUSER node\nENV A=b \\"
        );
        // When the anchor itself is last there is no place: reported only.
        let found = findings(&META, "FROM node:20\nRUN npm ci \\");
        assert_eq!(found.len(), 1);
        assert!(found[0].fix.is_none());
    }

    #[test]
    fn windows_by_escape_or_shell() {
        let out = fix_rule_with(&META, "# escape=`\nFROM myorg/win:1\nCMD x\n", None, true);
        assert_eq!(
            out,
            "# escape=`\nFROM myorg/win:1\nUSER ContainerUser\nCMD x\n"
        );
        let out = fix_rule_with(
            &META,
            "FROM myorg/win:1\nSHELL [\"pwsh\", \"-c\"]\nRUN x\n",
            None,
            true,
        );
        assert!(out.ends_with("RUN x\nUSER ContainerUser\n"), "{out}");
    }

    #[test]
    fn only_the_final_stage_and_existing_users_win() {
        // A user created in an unrelated build stage does not exist in the final one.
        let src = "FROM debian AS b\nRUN useradd x\nFROM alpine\nRUN true\n";
        let out = fix_rule_with(&META, src, None, true);
        assert!(
            out.contains("FROM alpine\nRUN true\nRUN addgroup -S"),
            "{out}"
        );
        assert!(findings(&META, "FROM a AS b\nFROM c\nUSER 1000\n").is_empty());
    }
}
