//! DF210: a build argument with a secret-like name; the fix moves it into
//! BuildKit secret mounts.

use dfix_grammar::Kind;

use crate::diagnostic::Diagnostic;
use crate::edit::Fix;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::secrets::{self, SecretNames};

const DOC: &str = r#"## What it does
Finds build arguments (`ARG`, in a stage or before the first `FROM`) whose
name sounds secret: BuildKit's `SecretsUsedInArgOrEnv` heuristic word for
word (a `_`-separated word of the name is `apikey`, `auth`, `credential`,
`credentials`, `key`, `password`, `pword`, `passwd`, `secret` or `token`,
and none is `public`, `file` or `version`), plus Trivy's exact names
(`AWS_ACCESS_KEY_ID`, `AZURE_CLIENT_ID`, `HF_TOKEN`, ..., also behind
`VITE_` and `REACT_APP_`).

The fix drops the `ARG` and gives every later `RUN` of the stage
`--mount=type=secret,id=NAME,env=NAME`, so the value reaches the same
commands under the same variable without being stored anywhere. A build
argument is in the environment of every later `RUN` of its stage (tools
such as `npm`, `gh` or `aws` read it without a `$NAME` in the command), so
every one of them gets the mount. The file gets
`# syntax=docker/dockerfile:1` as its first line when it has no syntax
directive: `env=` needs the Dockerfile frontend 1.10, and the directive
makes older BuildKit builders fetch it.

Names whose value is public stay as they are, with the reason in the
finding: release-key fingerprints and key ids (`GPG_KEY`,
`*_PGP_KEY_ID(S)`, `GOSU_KEY`), `APT_KEY_DONT_WARN_ON_DANGEROUS_USAGE`,
sockets (`SSH_AUTH_SOCK`), URLs (`*_KEY_URL`), paths, switches, and
defaults shaped like them. The list is data: `transforms/data/secrets.toml`.

Only a finding, no fix, when anything but a `RUN` reads the argument
(`ENV X=$TOKEN`, `LABEL`, `COPY --chown=$X`, `FROM`, a heredoc written to a
file, a flag of a `RUN`), when a syntax directive pins a frontend older
than 1.10, or in a Windows stage.

## Why is this bad?
Build arguments are not secret: their values show in `docker history`, in
the image's build metadata and in `mode=max` provenance attestations, which
CI actions attach by default for public repositories. A secret mount
exposes the value to the one command only and stores it nowhere (not even
in the build cache key).

## Example
```dockerfile
FROM node:22-slim
ARG NPM_TOKEN
RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci && rm .npmrc
```

## Fixed
```dockerfile
# syntax=docker/dockerfile:1
FROM node:22-slim
RUN --mount=type=secret,id=NPM_TOKEN,env=NPM_TOKEN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci && rm .npmrc
```

## Fix safety
Unsafe: the build must now pass the value as a secret instead of a build
argument: `docker build --secret id=NPM_TOKEN,env=NPM_TOKEN .` (the value
from the variable `NPM_TOKEN`), Compose `build: {secrets: [NPM_TOKEN]}`
with a top-level `secrets: {NPM_TOKEN: {environment: NPM_TOKEN}}`, or the
`secrets:` input of CI build actions. A `--build-arg NPM_TOKEN=...` left in
a build script no longer reaches the commands. The mount is optional, as
the argument was: without the secret the variable is unset. A default
value written in the Dockerfile is dropped with the `ARG`: it has leaked
and must be rotated.

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
- https://docs.docker.com/reference/dockerfile/#run---mounttypesecret
- https://docs.docker.com/build/building/secrets/
"#;

/// The rule.
pub struct SecretInArg;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF210",
    name: "secret-in-arg",
    aliases: &["SecretsUsedInArgOrEnv", "DL3064", "DS-0031"],
    severity: Severity::Warning,
    summary: "A secret-like build argument should be a secret mount",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

impl Rule for SecretInArg {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let doc = ctx.doc;
        let names = SecretNames::builtin();
        let mut out = Vec::new();
        for (i, ins) in doc.instructions.iter().enumerate() {
            if ins.kind != Kind::Arg {
                continue;
            }
            for pair in secrets::pairs(ins) {
                if !names.is_secret(&pair.name) {
                    continue;
                }
                let name = &pair.name;
                let found = format!("Build argument `{name}` has a secret-like name");
                if let Some(why) = names.public_reason(name, pair.value.as_deref()) {
                    out.push(Diagnostic::new(
                        &META,
                        format!("{found}, but is kept: {why}"),
                        pair.span.clone(),
                    ));
                    continue;
                }
                let leaked = if pair.value.as_deref().is_some_and(|v| !v.is_empty()) {
                    "; its default value is written in the Dockerfile: rotate it"
                } else {
                    ""
                };
                let (stage, range) = secrets::stage_of(doc, i);
                let mut blockers = Vec::new();
                let mut runs = Vec::new();
                match stage {
                    None => {
                        // A global argument reaches FROM lines, and the
                        // stages that declare it again.
                        for s in doc.stages() {
                            let from = &doc.instructions[s.from];
                            if secrets::references(&from.logical.text, name) {
                                blockers.push(format!(
                                    "the FROM on line {} expands it",
                                    from.start_line
                                ));
                            }
                            let again = s.instructions.clone().find(|&j| {
                                doc.instructions[j].kind == Kind::Arg
                                    && secrets::pairs(&doc.instructions[j])
                                        .iter()
                                        .any(|p| p.name == *name)
                            });
                            if let Some(j) = again {
                                blockers.push(format!(
                                    "the stage declares it again on line {} (fixed there first)",
                                    doc.instructions[j].start_line
                                ));
                            }
                        }
                    }
                    Some(_) => {
                        if secrets::is_windows(doc, &range) {
                            blockers.push(
                                "the stage builds a Windows image, which has no secret mounts"
                                    .into(),
                            );
                        }
                        let r = secrets::readers(doc, i + 1..range.end, name);
                        blockers.extend(r.blockers);
                        runs = r.runs;
                    }
                }
                let syntax = if runs.is_empty() {
                    Ok(None)
                } else {
                    secrets::syntax_edit(doc)
                };
                if let Err(why) = &syntax {
                    blockers.push(why.clone());
                }
                if !blockers.is_empty() {
                    out.push(Diagnostic::new(
                        &META,
                        format!(
                            "{found}{leaked}; not rewritten into a secret mount because {}",
                            blockers.join("; ")
                        ),
                        pair.span.clone(),
                    ));
                    continue;
                }
                let mut edits = vec![secrets::remove_pair(doc, ins, &pair)];
                edits.extend(secrets::mount_edits(doc, &runs, name, name));
                edits.extend(syntax.ok().flatten());
                let (message, fix) = if runs.is_empty() {
                    (
                        format!("{found}{leaked}; no RUN reads it"),
                        format!("Drop `ARG {name}`"),
                    )
                } else {
                    (
                        format!(
                            "{found}{leaked}; its value shows in `docker history` and provenance: {}",
                            secrets::how_to_pass(name, name)
                        ),
                        format!(
                            "Drop `ARG {name}` and mount it as a secret into {}",
                            crate::secrets::runs_phrase(runs.len())
                        ),
                    )
                };
                out.push(
                    Diagnostic::new(&META, message, pair.span.clone())
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
    use crate::edit::Applicability;
    use crate::rules::test_support::{assert_fixture, findings, fix_rule_with};

    #[test]
    fn fixtures() {
        for (name, text) in [
            ("npm", include_str!("fixtures/secret_in_arg/npm.Dockerfile")),
            (
                "crlf",
                include_str!("fixtures/secret_in_arg/crlf.Dockerfile"),
            ),
            (
                "backtick",
                include_str!("fixtures/secret_in_arg/backtick.Dockerfile"),
            ),
            (
                "continuation",
                include_str!("fixtures/secret_in_arg/continuation.Dockerfile"),
            ),
            (
                "heredoc",
                include_str!("fixtures/secret_in_arg/heredoc.Dockerfile"),
            ),
            (
                "public",
                include_str!("fixtures/secret_in_arg/public.Dockerfile"),
            ),
        ] {
            assert_fixture(&META, name, text);
        }
    }

    #[test]
    fn hadolint_dl3064_cases_for_arg() {
        for catch in [
            "ARG AWS_ACCESS_KEY_ID\nFROM debian:bullseye\nRUN foobar\n",
            "ARG openai_api_key\nFROM debian:bullseye\nRUN foobar\n",
        ] {
            assert_eq!(findings(&META, catch).len(), 1, "{catch}");
        }
        for keep in [
            "FROM debian:bullseye\nRUN foobar\n",
            "ARG foobar\nFROM debian:bullseye\nRUN foobar\n",
        ] {
            assert!(findings(&META, keep).is_empty(), "{keep}");
        }
    }

    #[test]
    fn rewrites_every_later_run_of_the_stage() {
        let src = "FROM a\nRUN before\nARG GITHUB_TOKEN\nRUN gh repo clone x\nRUN --network=none make\nFROM b\nRUN other\n";
        assert_eq!(
            fix_rule_with(&META, src, None, true),
            "# syntax=docker/dockerfile:1\nFROM a\nRUN before\nRUN --mount=type=secret,id=GITHUB_TOKEN,env=GITHUB_TOKEN gh repo clone x\nRUN --mount=type=secret,id=GITHUB_TOKEN,env=GITHUB_TOKEN --network=none make\nFROM b\nRUN other\n"
        );
    }

    #[test]
    fn one_name_of_several_and_existing_directive() {
        let src = "# syntax=docker/dockerfile:1.10\nFROM a\nARG VERSION=1 API_KEY B\nRUN [\"sh\", \"-c\", \"curl -H $API_KEY x\"]\n";
        assert_eq!(
            fix_rule_with(&META, src, None, true),
            "# syntax=docker/dockerfile:1.10\nFROM a\nARG VERSION=1 B\nRUN --mount=type=secret,id=API_KEY,env=API_KEY [\"sh\", \"-c\", \"curl -H $API_KEY x\"]\n"
        );
    }

    #[test]
    fn global_argument() {
        // Unused global: dropped. Redeclared: the stage's goes first, then
        // the global one.
        let src = "ARG NPM_TOKEN\nFROM a\nARG NPM_TOKEN\nRUN npm ci\n";
        assert_eq!(
            fix_rule_with(&META, src, None, true),
            "# syntax=docker/dockerfile:1\nFROM a\nRUN --mount=type=secret,id=NPM_TOKEN,env=NPM_TOKEN npm ci\n"
        );
        let f = findings(&META, "ARG REGISTRY_TOKEN\nFROM reg/${REGISTRY_TOKEN}/a\n");
        assert_eq!(f.len(), 1);
        assert!(
            f[0].fix.is_none() && f[0].message.contains("FROM on line 2"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn non_run_readers_block() {
        for (src, why) in [
            ("FROM a\nARG TOKEN\nENV T=$TOKEN\n", "ENV on line 3"),
            ("FROM a\nARG TOKEN\nLABEL t=${TOKEN}\n", "LABEL on line 3"),
            (
                "FROM a\nARG TOKEN\nCOPY --chown=$TOKEN a b\n",
                "COPY on line 3",
            ),
            (
                "FROM a\nARG TOKEN\nCOPY <<EOF /etc/t\n$TOKEN\nEOF\n",
                "writes it into a file",
            ),
            (
                "FROM a\nARG TOKEN\nRUN cat <<EOF > /t\n${TOKEN}\nEOF\n",
                "heredoc of the RUN",
            ),
            (
                "# syntax=docker/dockerfile:1.4\nFROM a\nARG TOKEN\nRUN x\n",
                "older than the 1.10",
            ),
            (
                "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nARG TOKEN\nRUN x\n",
                "Windows",
            ),
        ] {
            let f = findings(&META, src);
            assert_eq!(f.len(), 1, "{src}");
            assert!(f[0].fix.is_none(), "{src}");
            assert!(f[0].message.contains(why), "{src}: {}", f[0].message);
        }
        // An executed heredoc is a RUN like any other.
        let f = findings(&META, "FROM a\nARG TOKEN\nRUN <<EOF\necho $TOKEN\nEOF\n");
        assert_eq!(f[0].applicability(), Some(Applicability::Unsafe));
    }

    #[test]
    fn public_names_keep_a_finding_without_fix() {
        for src in [
            "FROM a\nARG GPG_KEY=0D96DF4D4110E5C43FBFB17F2D347EA6AA65421D\nRUN gpg --recv-keys $GPG_KEY\n",
            "FROM a\nARG NODE_GPG_KEY_URL\nRUN curl $NODE_GPG_KEY_URL\n",
            "FROM a\nARG SSH_AUTH_SOCK\nRUN ssh x\n",
        ] {
            let f = findings(&META, src);
            assert_eq!(f.len(), 1, "{src}");
            assert!(f[0].fix.is_none() && f[0].message.contains("kept"), "{src}");
        }
        assert!(findings(
            &META,
            "FROM a\nARG PUBLIC_KEY\nARG TOKENIZERS_PARALLELISM\n"
        )
        .is_empty());
    }

    #[test]
    fn default_value_is_not_printed() {
        let f = findings(&META, "FROM a\nARG DB_PASSWORD=hunter2hunter2\nRUN x\n");
        assert!(f[0].message.contains("rotate") && !f[0].message.contains("hunter2"));
    }
}
