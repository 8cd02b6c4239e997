//! DF243: package signature verification turned off.

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::verification::signatures;

const DOC: &str = r#"## What it does
Finds package managers told to install packages whose signature is
missing or wrong: `apk --allow-untrusted`, `apt-get
--allow-unauthenticated` (and `APT::Get::AllowUnauthenticated=true`),
`apt-get --force-yes`, `yum`/`dnf`/`tdnf --nogpgcheck`, and `rpm
--nosignature`/`--nodigest`/`--noverify`/`--nofiledigest`.

## Why is this bad?
Signatures are what ties a package to the distribution that built it.
Without the check, a mirror, a proxy or anyone on the network path can
hand the build a different package, and it is installed as root.

## Example
```dockerfile
RUN apt-get install -y --allow-unauthenticated nginx
```

## Fixed
```dockerfile
RUN apt-get install -y nginx
```

## Fix safety
No fix: the check was probably turned off because the repository's key
is not installed; the fix is to install the key, which only the author
can do.

## Aliases
Checkov has one id per form; each is an alias of this rule, so ignoring
any of them ignores the whole rule:
- Checkov: `CKV2_DOCKER_7` (apk), `CKV2_DOCKER_8` (apt-get
  `--allow-unauthenticated`), `CKV2_DOCKER_9` (`--nogpgcheck`),
  `CKV2_DOCKER_10` (rpm), `CKV2_DOCKER_11` (`--force-yes`)

## References
- https://wiki.debian.org/SecureApt
- https://wiki.alpinelinux.org/wiki/Alpine_Package_Keeper
"#;

/// The rule.
pub struct SignatureVerificationDisabled;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF243",
    name: "signature-verification-disabled",
    aliases: &[
        "CKV2_DOCKER_7",
        "CKV2_DOCKER_8",
        "CKV2_DOCKER_9",
        "CKV2_DOCKER_10",
        "CKV2_DOCKER_11",
    ],
    severity: Severity::Error,
    summary: "Do not turn package signature verification off",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

impl Rule for SignatureVerificationDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        signatures(ctx.doc)
            .into_iter()
            .map(|f| {
                Diagnostic::new(
                    &META,
                    format!(
                        "{} installs packages without checking their signature ({})",
                        f.what, f.checkov
                    ),
                    f.span,
                )
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
            "forms",
            include_str!("fixtures/signature_verification_disabled.Dockerfile"),
        );
    }

    #[test]
    fn cases() {
        for (src, n) in [
            ("RUN apk add --allow-untrusted /tmp/x.apk\n", 1),
            ("RUN apt-get install -y --allow-unauthenticated x\n", 1),
            (
                "RUN apt-get -o APT::Get::AllowUnauthenticated=true install x\n",
                1,
            ),
            ("RUN apt-get install -y --force-yes x\n", 1),
            ("RUN yum install -y --nogpgcheck x\n", 1),
            ("RUN rpm -i --nosignature x.rpm\n", 1),
            ("RUN apt-get install -y x\n", 0),
            ("RUN rpm --import key.asc\n", 0),
            ("RUN echo --nogpgcheck\n", 0),
        ] {
            assert_eq!(findings(&META, &format!("FROM a\n{src}")).len(), n, "{src}");
        }
    }
}
