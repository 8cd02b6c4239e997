//! DF242: TLS certificate verification turned off.

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::verification::tls;

const DOC: &str = r#"## What it does
Finds downloads and tools told not to verify TLS certificates:
`curl -k`/`--insecure`, `wget --no-check-certificate`,
`pip --trusted-host`, `PIP_TRUSTED_HOST`, `PYTHONHTTPSVERIFY=0`,
`NODE_TLS_REJECT_UNAUTHORIZED=0`, `NPM_CONFIG_STRICT_SSL=false`,
`npm`/`yarn config set strict-ssl false`, `GIT_SSL_NO_VERIFY`,
`git -c http.sslVerify=false`, and `sslverify=0` for yum and dnf, in RUN
commands (also as `VAR=value cmd` and `export`) and in `ENV`.

## Why is this bad?
Without certificate checks anyone on the network path (a proxy, a
hijacked DNS entry, a hostile Wi-Fi) can serve their own files, and the
build installs them. An `ENV` keeps the check off in the running
container too.

## Example
```dockerfile
RUN curl -k -fsSLo /tmp/tool.tgz https://example.com/tool.tgz
```

## Fixed
```dockerfile
RUN curl -fsSLo /tmp/tool.tgz https://example.com/tool.tgz
```

## Fix safety
No fix: the check may have been turned off because the certificate really
is not trusted by the image (a company proxy); the right fix is to add
that CA to the image, which only the author can do.

## Aliases
Checkov has one id per form; each is an alias of this rule, so ignoring
any of them ignores the whole rule:
- Checkov: `CKV2_DOCKER_2` (curl), `CKV2_DOCKER_3` (wget),
  `CKV2_DOCKER_4` (pip `--trusted-host`), `CKV2_DOCKER_5`
  (`PYTHONHTTPSVERIFY`), `CKV2_DOCKER_6` (`NODE_TLS_REJECT_UNAUTHORIZED`),
  `CKV2_DOCKER_12` (`NPM_CONFIG_STRICT_SSL`), `CKV2_DOCKER_13` (npm/yarn
  `strict-ssl`), `CKV2_DOCKER_14` (git), `CKV2_DOCKER_15` (yum/dnf
  `sslverify`), `CKV2_DOCKER_16` (`PIP_TRUSTED_HOST`)

## References
- https://curl.se/docs/sslcerts.html
- https://pip.pypa.io/en/stable/topics/https-certificates/
"#;

/// The rule.
pub struct TlsVerificationDisabled;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF242",
    name: "tls-verification-disabled",
    aliases: &[
        "CKV2_DOCKER_2",
        "CKV2_DOCKER_3",
        "CKV2_DOCKER_4",
        "CKV2_DOCKER_5",
        "CKV2_DOCKER_6",
        "CKV2_DOCKER_12",
        "CKV2_DOCKER_13",
        "CKV2_DOCKER_14",
        "CKV2_DOCKER_15",
        "CKV2_DOCKER_16",
    ],
    severity: Severity::Error,
    summary: "Do not turn TLS certificate verification off",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

impl Rule for TlsVerificationDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        tls(ctx.doc)
            .into_iter()
            .map(|f| {
                Diagnostic::new(
                    &META,
                    format!(
                        "{} turns TLS certificate verification off ({})",
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
            include_str!("fixtures/tls_verification_disabled.Dockerfile"),
        );
    }

    #[test]
    fn cases() {
        for (src, n) in [
            ("RUN curl -k https://x\n", 1),
            ("RUN curl -fsSLk https://x\n", 1),
            ("RUN curl --insecure https://x\n", 1),
            ("RUN wget --no-check-certificate https://x\n", 1),
            ("RUN pip install --trusted-host pypi.org flask==1\n", 1),
            ("ENV PYTHONHTTPSVERIFY=0\n", 1),
            ("ENV NODE_TLS_REJECT_UNAUTHORIZED 0\n", 1),
            ("RUN NODE_TLS_REJECT_UNAUTHORIZED=0 npm ci\n", 1),
            ("RUN npm config set strict-ssl false\n", 1),
            ("ENV GIT_SSL_NO_VERIFY=true\n", 1),
            ("RUN git -c http.sslVerify=false clone https://x\n", 1),
            ("RUN dnf install -y --setopt=sslverify=false x\n", 1),
            ("RUN echo 'sslverify=0' >> /etc/yum.conf\n", 1),
            ("ENV PIP_TRUSTED_HOST=pypi.org\n", 1),
            ("RUN curl -fsSL https://x\n", 0),
            ("RUN curl -o k https://x\n", 0),
            ("ENV NODE_TLS_REJECT_UNAUTHORIZED=1\n", 0),
            ("ENV GIT_SSL_NO_VERIFY=false\n", 0),
            ("RUN npm config set strict-ssl true\n", 0),
            ("RUN echo --insecure\n", 0),
        ] {
            assert_eq!(findings(&META, &format!("FROM a\n{src}")).len(), n, "{src}");
        }
    }
}
