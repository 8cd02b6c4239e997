//! DF213: a credential written in the Dockerfile (found by its shape).

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::secrets::credentials;

const DOC: &str = r#"## What it does
Finds credentials by their well-known shapes anywhere in the file (ENV and
ARG values, LABELs, RUN commands, heredocs, comments): AWS access key ids
(`AKIA...`, `ASIA...`), GitHub tokens (`ghp_`, `gho_`, `ghu_`, `ghs_`,
`ghr_`, `github_pat_`), GitLab personal access tokens (`glpat-`), Slack
tokens (`xoxb-`, `xoxp-`, ...), npm access tokens (`npm_`), Stripe secret
keys (`sk_live_`) and PEM private key blocks. Documentation placeholders
such as AWS's `AKIAIOSFODNN7EXAMPLE` are skipped.

Every output (text, JSON, SARIF, GitHub annotations, the language server)
shows the credential's public prefix only, e.g. `ghp_********`.

## Why is this bad?
A credential in a Dockerfile is in version control and, for most
instructions, in the image's layers or configuration: everyone who can
read either can use it. It has leaked and must be revoked.

## Example
```dockerfile
FROM alpine:3.22
RUN wget --header "Authorization: token ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX" https://api.github.com/repos/acme/app/tarball
```

## Fixed
```dockerfile
# syntax=docker/dockerfile:1
FROM alpine:3.22
RUN --mount=type=secret,id=GITHUB_TOKEN,env=GITHUB_TOKEN wget --header "Authorization: token $GITHUB_TOKEN" https://api.github.com/repos/acme/app/tarball
```

## Fix safety
No automatic fix: the credential must be revoked first, and only the
author knows which variable the build should read it from. Pass it as a
build secret (`docker build --secret id=GITHUB_TOKEN,env=GITHUB_TOKEN`)
and at run time as an environment variable or a mounted secret file.

## Aliases
None: Trivy's secret scanner and gitleaks find the same shapes outside
Dockerfile checks; hadolint, BuildKit and Checkov have no equivalent.

## References
- https://docs.github.com/en/code-security/secret-scanning/introduction/supported-secret-scanning-patterns
- https://github.com/gitleaks/gitleaks
- https://docs.docker.com/build/building/secrets/
"#;

/// The rule.
pub struct HardcodedCredential;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF213",
    name: "hardcoded-credential",
    aliases: &[],
    severity: Severity::Error,
    summary: "A credential is written in the Dockerfile",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

impl Rule for HardcodedCredential {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        credentials::find(ctx.source())
            .into_iter()
            .map(|c| {
                Diagnostic::new(
                    &META,
                    format!(
                        "Hard-coded {} `{}`: it has leaked with the Dockerfile (and the image); revoke it and pass a new one as a build secret",
                        c.kind, c.redacted
                    ),
                    c.span,
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::findings;

    #[test]
    fn fixture_and_redaction() {
        let src = include_str!("fixtures/hardcoded_credential/tokens.Dockerfile");
        let doc = dfix_grammar::Document::parse(src);
        assert!(doc.errors.is_empty());
        let f = findings(&META, src);
        let kinds: Vec<String> = f.iter().map(|d| d.message.clone()).collect();
        assert_eq!(f.len(), 6, "{kinds:#?}");
        for d in &f {
            let value = &src[d.span.clone()];
            // Nothing past the prefix shows: neither the middle nor (for
            // tokens) the last characters of the value.
            let mid = value.len() / 2;
            assert!(!d.message.contains(&value[mid..mid + 8]), "{}", d.message);
            if !d.message.contains("private key") {
                assert!(
                    !d.message.contains(&value[value.len() - 6..]),
                    "{}",
                    d.message
                );
            }
            assert!(d.fix.is_none());
        }
        assert!(f[0].message.contains("`AKIA********`"));
    }
}
