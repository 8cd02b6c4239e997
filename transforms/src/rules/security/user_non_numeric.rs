//! DF230: a `USER` given by name rather than by numeric id.

use std::collections::HashMap;

use dfix_grammar::{Document, Instruction, Kind};

use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::users::analysis::{
    created_ids, declare_args, env_pairs, expand, global_args, stage_chain, Vars,
};

const DOC: &str = r#"## What it does
Finds `USER` instructions whose user is a name (`USER app`,
`USER app:app`) rather than a numeric id (`USER 10001`,
`USER 10001:10001`). When the Dockerfile itself creates that user with an
explicit id (`useradd -u 10001 app`, `adduser -u 10001 app`) earlier in the
stage or in a stage it is built `FROM`, the fix writes the id.

A `USER` whose value comes from a variable is checked after expanding
`ARG` defaults and `ENV` values; one with no known value is reported too,
as hadolint does, since it may hold a name.

## Why is this bad?
A name only means something inside the image's `/etc/passwd`. Tools
outside the container cannot resolve it: Kubernetes' `runAsNonRoot` refuses
to start a pod whose image user is a name, because it cannot prove the
uid is not 0, and host-side volume permissions are set by number.

## Example
```dockerfile
FROM debian:bookworm-slim
RUN groupadd -g 10001 app && useradd -u 10001 -g app app
USER app:app
```

## Fixed
```dockerfile
FROM debian:bookworm-slim
RUN groupadd -g 10001 app && useradd -u 10001 -g app app
USER 10001:10001
```

## Fix safety
Safe with a guard, and offered only when it holds: the user (and the
group, when one is given) is created with a literal numeric id by a
`useradd`/`adduser` (`groupadd`/`addgroup`) before the `USER`, in the same
stage or a stage it is built `FROM`, without `-o`/`--non-unique`. The id
then names exactly that account, and Docker resolves a numeric `USER`
through the same `/etc/passwd` entry (home, primary and supplementary
groups), so the process runs as before. Names created without an id, or
that come from the base image, are reported without a fix: their id is
not known from the Dockerfile. `ONBUILD USER` is reported, never fixed.

DF201 (`last-user-root`) writes numeric users in its own fix (option
`numeric-user`), so the two rules agree.

## Aliases
- hadolint: `DL3066`

## References
- https://docs.docker.com/reference/dockerfile/#user
- https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
"#;

/// The rule.
pub struct NonNumericUser;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF230",
    name: "non-numeric-user",
    aliases: &["DL3066"],
    severity: Severity::Info,
    summary: "`USER` names a user instead of a numeric id",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

fn is_numeric(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Ids the chain has created so far, by name.
#[derive(Default)]
struct Ids {
    users: HashMap<String, String>,
    groups: HashMap<String, String>,
}

/// What one stage's walk needs: the variables and ids known at each point.
struct Walk<'a> {
    doc: &'a Document,
    globals: Vars,
}

impl Walk<'_> {
    /// Feeds one instruction of the chain into the scope.
    fn feed(&self, ins: &Instruction, args: &mut Vars, env: &mut Vars, ids: &mut Ids) {
        let mut scope = args.clone();
        scope.extend(env.clone());
        match ins.kind {
            Kind::Arg => declare_args(ins, args, &self.globals),
            Kind::Env => env.extend(env_pairs(ins, &scope)),
            Kind::Run => {
                for c in created_ids(ins, self.doc.source(), &scope) {
                    let map = if c.group {
                        &mut ids.groups
                    } else {
                        &mut ids.users
                    };
                    map.insert(c.name, c.id);
                }
            }
            _ => {}
        }
    }
}

fn check_user(ins: &Instruction, scope: &Vars, ids: Option<&Ids>, out: &mut Vec<Diagnostic>) {
    let user_ins = ins.effective();
    let Some(word) = user_ins.words.first() else {
        return;
    };
    let value = if word.has_variable() {
        match expand(word.value(), scope, false) {
            Some(v) => v,
            None => {
                let user = word.value().split(':').next().unwrap_or("");
                if is_numeric(user) {
                    return;
                }
                out.push(Diagnostic::new(
                    &META,
                    format!(
                        "`USER {}` uses a variable with no known value, which may hold a name rather than a numeric id",
                        word.value()
                    ),
                    user_ins.args_span(),
                ));
                return;
            }
        }
    } else {
        word.value().to_string()
    };
    let (user, group) = match value.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (value.as_str(), None),
    };
    if is_numeric(user) {
        return;
    }
    let mut diag = Diagnostic::new(
        &META,
        format!("`USER {value}` names a user: use its numeric id so tools outside the image can check it"),
        user_ins.args_span(),
    );
    let fix_ids = ids.filter(|_| !word.has_variable() && ins.kind == Kind::User);
    if let Some(ids) = fix_ids {
        let uid = ids.users.get(user);
        let gid = match group {
            None => Some(None),
            Some(g) if is_numeric(g) => Some(Some(g.to_string())),
            Some(g) => ids.groups.get(g).map(|id| Some(id.clone())),
        };
        if let (Some(uid), Some(gid)) = (uid, gid) {
            let new = match gid {
                Some(g) => format!("{uid}:{g}"),
                None => uid.clone(),
            };
            diag = diag.with_fix(Fix::safe(
                format!("Write `USER {new}` (the ids the Dockerfile creates `{value}` with)"),
                vec![Edit::replace(word.span.clone(), new)],
            ));
        }
    }
    out.push(diag);
}

impl Rule for NonNumericUser {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let doc = ctx.doc;
        let walk = Walk {
            doc,
            globals: global_args(doc),
        };
        let stages = doc.stages();
        let mut out = Vec::new();
        for stage in stages {
            let chain = stage_chain(stages, stage.index, &walk.globals);
            let mut env = Vars::new();
            let mut ids = Ids::default();
            for &s in &chain {
                let mut args = Vars::new();
                for i in stages[s].instructions.clone() {
                    let ins = &doc.instructions[i];
                    if s == stage.index && ins.effective().kind == Kind::User {
                        let mut scope = args.clone();
                        scope.extend(env.clone());
                        check_user(ins, &scope, Some(&ids), &mut out);
                    }
                    walk.feed(ins, &mut args, &mut env, &mut ids);
                }
            }
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
            "users",
            include_str!("fixtures/user_non_numeric.Dockerfile"),
        );
    }

    fn count(src: &str) -> usize {
        findings(&META, src).len()
    }

    #[test]
    fn hadolint_cases() {
        assert_eq!(count("FROM a\nUSER 12345\n"), 0);
        assert_eq!(count("FROM a\nUSER 1234:5678\n"), 0);
        assert_eq!(count("FROM a\nUSER foobar\n"), 1);
        assert_eq!(count("FROM a\nUSER foobar:barfoo\n"), 1);
        // Only the user part counts, as in hadolint.
        assert_eq!(count("FROM a\nUSER 1000:staff\n"), 0);
        assert_eq!(count("FROM a\nUSER \"nobody:nobody\"\n"), 1);
        assert_eq!(count("FROM a\nONBUILD USER app\n"), 1);
    }

    #[test]
    fn variables() {
        assert_eq!(count("FROM a\nARG UID=1000\nUSER $UID\n"), 0);
        assert_eq!(count("FROM a\nENV APP_USER=app\nUSER ${APP_USER}\n"), 1);
        // Unknown values may be names: reported, never fixed.
        let src = "FROM a\nUSER ${UID}:${GID}\n";
        let f = findings(&META, src);
        assert_eq!(f.len(), 1);
        assert!(f[0].fix.is_none());
    }

    #[test]
    fn fixes_only_with_known_ids() {
        assert_eq!(
            fix_rule(&META, "FROM a\nRUN useradd -u 10001 app\nUSER app\n"),
            "FROM a\nRUN useradd -u 10001 app\nUSER 10001\n"
        );
        assert_eq!(
            fix_rule(
                &META,
                "FROM a\nRUN addgroup -g 2000 grp && adduser -D -u 2001 -G grp me\nUSER me:grp\n"
            ),
            "FROM a\nRUN addgroup -g 2000 grp && adduser -D -u 2001 -G grp me\nUSER 2001:2000\n"
        );
        // Through the parent stage.
        assert_eq!(
            fix_rule(
                &META,
                "FROM a AS base\nRUN useradd --uid=42 app\nFROM base\nUSER app:0\n"
            ),
            "FROM a AS base\nRUN useradd --uid=42 app\nFROM base\nUSER 42:0\n"
        );
        for keep in [
            // No id given.
            "FROM a\nRUN useradd app\nUSER app\n",
            // Created after the USER.
            "FROM a\nUSER app\nRUN useradd -u 5 app\n",
            // Non-unique ids.
            "FROM a\nRUN useradd -o -u 5 app\nUSER app\n",
            // The group's id is unknown.
            "FROM a\nRUN useradd -u 5 app\nUSER app:app\n",
            // Another stage, not a parent.
            "FROM a AS one\nRUN useradd -u 5 app\nFROM a\nUSER app\n",
            // ONBUILD acts in another build.
            "FROM a\nRUN useradd -u 5 app\nONBUILD USER app\n",
            // A variable id.
            "FROM a\nRUN useradd -u $ID app\nUSER app\n",
            // Debian's `adduser user group` adds to a group.
            "FROM a\nRUN adduser --uid 5 app staff\nUSER app\n",
        ] {
            assert_eq!(fix_rule(&META, keep), keep, "{keep}");
            assert_eq!(count(keep), 1, "{keep}");
        }
    }
}
