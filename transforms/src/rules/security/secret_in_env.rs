//! DF211: an environment variable with a secret-like name and a value, or
//! one that copies a secret-like build argument into the image.

use dfix_grammar::{Document, Kind};

use crate::diagnostic::Diagnostic;
use crate::edit::Fix;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::secrets::{self, Pair, SecretNames};

const DOC: &str = r#"## What it does
Finds `ENV` variables that put a secret into the image: a secret-like name
(the same heuristic and exclusions as DF210 secret-in-arg, BuildKit's
`SecretsUsedInArgOrEnv`) with a value written in the Dockerfile
(`ENV DATABASE_PASSWORD=supersecret`), or any `ENV` whose value is a
secret-like build argument (`ENV NPM_TOKEN=$NPM_TOKEN`).

The fix removes the variable from the image (the pair, or the whole `ENV`
when it is the only one). Every later `RUN` of the stage, and of the stages
built `FROM` it, had the variable in its environment: each gets
`--mount=type=secret,id=ID,env=NAME` (ID is the build argument for a copied
argument, else the variable's own name), and the file gets
`# syntax=docker/dockerfile:1` when it has no syntax directive.

Only a finding, no fix, when another instruction expands the variable
(`ENV DSN=postgres://u:${DB_PASSWORD}@db`, `LABEL`, `COPY`, a heredoc
written to a file), when the value mixes text and variables, when it is
empty or comes from a variable the Dockerfile does not declare (nothing
leaked here), for names whose value is public (`GPG_KEY` and the like: see
DF210), in Windows stages, and under a syntax directive older than 1.10.

## Why is this bad?
`ENV` values are part of the image configuration: anyone who can pull the
image reads them with `docker inspect`, and every image built `FROM` it
inherits them. A secret written in the Dockerfile is also in version
control. It has leaked: removing it from the Dockerfile does not unpublish
the images already pushed, so the value must be rotated.

## Example
```dockerfile
FROM python:3.13-slim
ENV DATABASE_PASSWORD=supersecret
RUN python manage.py migrate
CMD ["python", "app.py"]
```

## Fixed
```dockerfile
# syntax=docker/dockerfile:1
FROM python:3.13-slim
RUN --mount=type=secret,id=DATABASE_PASSWORD,env=DATABASE_PASSWORD python manage.py migrate
CMD ["python", "app.py"]
```

## Fix safety
Unsafe: the variable is no longer in the image's environment. The
container must now get it at run time (`docker run -e DATABASE_PASSWORD`,
`--env-file`, Compose `environment:` or, better, Compose or Kubernetes
secrets read from a file: many official images accept `*_FILE`
variables such as `POSTGRES_PASSWORD_FILE`), and a build that needs it
passes it with `docker build --secret id=DATABASE_PASSWORD,env=DATABASE_PASSWORD`.
Rotate the old value: it is in every image pushed so far and in the
Dockerfile's history.

## Aliases
- BuildKit: `SecretsUsedInArgOrEnv`
- hadolint: `DL3064`
- Trivy: `DS-0031`

The three tools flag the same concern with different name lists. dfix
catches every case of hadolint's own DL3064 tests and stays quiet where
they say so; it does not follow hadolint in flagging names that only
contain `username` or `private`, or its fixed entries that are not secrets
(`TRAVIS_OS_NAME`, `STRIPE_DEVICE_NAME`, `OKTA_CLIENT_ORGURL`), and it
reports, like BuildKit, names with a `key` word that hadolint's list
misses (`GPG_KEY`, `*_PGP_KEY_IDS`: reported without a fix as public).

## References
- https://docs.docker.com/reference/build-checks/secrets-used-in-arg-or-env/
- https://docs.docker.com/build/building/secrets/
- https://docs.docker.com/compose/how-tos/use-secrets/
"#;

/// The rule.
pub struct SecretInEnv;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF211",
    name: "secret-in-env",
    aliases: &["SecretsUsedInArgOrEnv", "DL3064", "DS-0031"],
    severity: Severity::Error,
    summary: "A secret must not be stored in the image's environment",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

/// A secret-like build argument named `name` declared before instruction
/// `i` (in its stage, or globally).
fn secret_arg_before(doc: &Document, i: usize, name: &str) -> bool {
    let names = SecretNames::builtin();
    doc.instructions[..i].iter().any(|ins| {
        ins.kind == Kind::Arg
            && secrets::pairs(ins).iter().any(|p| {
                p.name == name
                    && names.is_secret(name)
                    && names.public_reason(name, p.value.as_deref()).is_none()
            })
    })
}

/// What one pair is.
enum Case {
    /// Not a secret.
    None,
    /// Reported only, for this reason.
    Kept(String),
    /// A value written in the Dockerfile.
    Literal,
    /// A copy of the build argument.
    Copy(String),
}

fn classify(doc: &Document, i: usize, pair: &Pair) -> Case {
    let names = SecretNames::builtin();
    let raw = pair.raw_value.as_deref().unwrap_or("");
    let value = pair.value.as_deref().unwrap_or("");
    let unquoted_var = secrets::sole_variable(value);
    if let Some(arg) = unquoted_var.filter(|a| secret_arg_before(doc, i, a)) {
        return Case::Copy(arg.to_string());
    }
    if !names.is_secret(&pair.name) {
        return Case::None;
    }
    let literal = (!raw.contains('$')).then_some(value);
    if let Some(why) = names.public_reason(&pair.name, literal) {
        return Case::Kept(why);
    }
    if value.trim().is_empty() {
        return Case::Kept("its value is empty, so nothing leaked".into());
    }
    if let Some(var) = unquoted_var {
        return Case::Kept(format!(
            "its value comes from `${var}`, which is not a build argument declared here"
        ));
    }
    if raw.contains('$') {
        return Case::Kept("its value is built from variables".into());
    }
    Case::Literal
}

impl Rule for SecretInEnv {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let doc = ctx.doc;
        let mut out = Vec::new();
        for (i, ins) in doc.instructions.iter().enumerate() {
            if ins.kind != Kind::Env {
                continue;
            }
            for pair in secrets::pairs(ins) {
                let name = pair.name.clone();
                let case = classify(doc, i, &pair);
                let (found, id) = match &case {
                    Case::None => continue,
                    Case::Kept(why) => {
                        out.push(Diagnostic::new(
                            &META,
                            format!("Environment variable `{name}` has a secret-like name, but is kept: {why}"),
                            pair.span.clone(),
                        ));
                        continue;
                    }
                    Case::Literal => (
                        format!(
                            "Environment variable `{name}` stores a secret in the image, where `docker inspect` shows it: the value has leaked and must be rotated; supply it at run time (`docker run -e {name}`, Compose `environment:` or `secrets:`)"
                        ),
                        name.clone(),
                    ),
                    Case::Copy(arg) => (
                        format!(
                            "Environment variable `{name}` copies the build argument `{arg}` into the image, where `docker inspect` shows it: rotate the value; supply it at run time (`docker run -e {name}`, Compose `environment:` or `secrets:`)"
                        ),
                        arg.clone(),
                    ),
                };
                let (stage, range) = secrets::stage_of(doc, i);
                let mut blockers = Vec::new();
                let mut runs = Vec::new();
                let Some(stage) = stage else {
                    // ENV before FROM is a parse error in BuildKit.
                    continue;
                };
                if secrets::is_windows(doc, &range) {
                    blockers.push("a Windows stage has no secret mounts".to_string());
                }
                let mut ranges = Vec::new();
                ranges.push(i + 1..range.end);
                for child in secrets::child_stages(doc, stage) {
                    if secrets::is_windows(doc, &child) {
                        blockers.push("a Windows stage has no secret mounts".to_string());
                    }
                    // The child's FROM does not expand the variable.
                    ranges.push(child.start + 1..child.end);
                }
                for r in ranges {
                    let found = secrets::readers(doc, r, &name);
                    blockers.extend(found.blockers);
                    runs.extend(found.runs);
                }
                let syntax = if runs.is_empty() {
                    Ok(None)
                } else {
                    secrets::syntax_edit(doc)
                };
                if let Err(why) = &syntax {
                    blockers.push(why.clone());
                }
                blockers.dedup();
                if !blockers.is_empty() {
                    out.push(Diagnostic::new(
                        &META,
                        format!("{found}; not removed because {}", blockers.join("; ")),
                        pair.span.clone(),
                    ));
                    continue;
                }
                let mut edits = vec![secrets::remove_pair(doc, ins, &pair)];
                edits.extend(secrets::mount_edits(doc, &runs, &id, &name));
                edits.extend(syntax.ok().flatten());
                let fix = if runs.is_empty() {
                    format!("Remove `{name}` from the image")
                } else {
                    format!(
                        "Remove `{name}` from the image and mount it as a secret into {}; {}",
                        secrets::runs_phrase(runs.len()),
                        secrets::how_to_pass(&id, &name)
                    )
                };
                out.push(
                    Diagnostic::new(&META, found, pair.span.clone())
                        .with_fix(Fix::unsafe_fix(fix, edits)),
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{assert_fixture, findings, fix_rule_with};

    #[test]
    fn hadolint_dl3064_cases_for_env() {
        for catch in [
            "FROM debian:bullseye\nENV AWS_ACCESS_KEY_ID=abcdefghijklmnopqrstuvwxyz\nRUN foobar\n",
            "FROM debian:bullseye\nENV my_password=abcdefghijklmnopqrstuvwxyz\nRUN foobar\n",
        ] {
            assert_eq!(findings(&META, catch).len(), 1, "{catch}");
        }
        assert!(findings(
            &META,
            "FROM debian:bullseye\nENV foobar=barfoo\nRUN foobar\n"
        )
        .is_empty());
    }

    #[test]
    fn fixtures() {
        for (name, text) in [
            (
                "literal",
                include_str!("fixtures/secret_in_env/literal.Dockerfile"),
            ),
            (
                "copy",
                include_str!("fixtures/secret_in_env/copy.Dockerfile"),
            ),
            (
                "crlf",
                include_str!("fixtures/secret_in_env/crlf.Dockerfile"),
            ),
            (
                "backtick",
                include_str!("fixtures/secret_in_env/backtick.Dockerfile"),
            ),
            (
                "continuation",
                include_str!("fixtures/secret_in_env/continuation.Dockerfile"),
            ),
            (
                "heredoc",
                include_str!("fixtures/secret_in_env/heredoc.Dockerfile"),
            ),
        ] {
            assert_fixture(&META, name, text);
        }
    }

    #[test]
    fn removes_and_mounts_into_child_stages() {
        let src = "FROM a AS base\nENV API_TOKEN=abc123def456\nRUN fetch\nFROM base\nRUN fetch again\nFROM other\nRUN no\n";
        assert_eq!(
            fix_rule_with(&META, src, None, true),
            "# syntax=docker/dockerfile:1\nFROM a AS base\nRUN --mount=type=secret,id=API_TOKEN,env=API_TOKEN fetch\nFROM base\nRUN --mount=type=secret,id=API_TOKEN,env=API_TOKEN fetch again\nFROM other\nRUN no\n"
        );
    }

    #[test]
    fn legacy_form_and_one_pair_of_several() {
        assert_eq!(
            fix_rule_with(
                &META,
                "FROM a\nENV SECRET_KEY s3cr3t-v4lu3\nCMD run\n",
                None,
                true
            ),
            "FROM a\nCMD run\n"
        );
        assert_eq!(
            fix_rule_with(&META, "FROM a\nENV A=1 DB_PASSWORD=pw0rd B=2\n", None, true),
            "FROM a\nENV A=1 B=2\n"
        );
    }

    #[test]
    fn copy_of_an_argument_mounts_the_argument() {
        let src = "FROM a\nARG NPM_TOKEN\nENV NODE_AUTH_TOKEN=${NPM_TOKEN}\nRUN npm ci\n";
        assert_eq!(
            fix_rule_with(&META, src, None, true),
            "# syntax=docker/dockerfile:1\nFROM a\nARG NPM_TOKEN\nRUN --mount=type=secret,id=NPM_TOKEN,env=NODE_AUTH_TOKEN npm ci\n"
        );
        // Not a secret-like argument: nothing.
        assert!(findings(&META, "FROM a\nARG VERSION\nENV V=$VERSION\n").is_empty());
    }

    #[test]
    fn kept_with_reason() {
        for (src, why) in [
            (
                "FROM a\nENV GPG_KEY 0D96DF4D4110E5C43FBFB17F2D347EA6AA65421D\n",
                "GPG",
            ),
            ("FROM a\nENV API_TOKEN=\n", "empty"),
            ("FROM a\nENV API_TOKEN=$FROM_BASE\n", "not a build argument"),
            ("FROM a\nENV DB_PASSWORD=x${Y}\n", "built from variables"),
            (
                "FROM a\nENV DB_PASSWORD=pw\nENV DSN=postgres://u:${DB_PASSWORD}@db\n",
                "ENV on line 3",
            ),
        ] {
            let f = findings(&META, src);
            assert_eq!(f.len(), 1, "{src}");
            assert!(
                f[0].fix.is_none() && f[0].message.contains(why),
                "{src}: {}",
                f[0].message
            );
        }
    }

    #[test]
    fn value_is_not_printed() {
        let f = findings(&META, "FROM a\nENV LICENSE_KEY lgNvGyhnUKpa5PJi\n");
        assert!(f[0].message.contains("rotated") && !f[0].message.contains("lgNv"));
    }
}
