//! DF245: downloads over plain `http://`.

use dfix_grammar::Kind;

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::shell_cmds::each_command;

const DOC: &str = r#"## What it does
Finds `curl` and `wget` downloads and `ADD` sources with a plain
`http://` URL.

## Why is this bad?
Nothing authenticates the server or protects the bytes on the way: a
proxy, a hijacked DNS entry or anyone on the network path can replace
what the build downloads, unless the file's checksum or signature is
checked afterwards.

## Example
```dockerfile
RUN curl -fsSLo /tmp/tool.tgz http://example.com/tool.tgz
```

## Fixed
```dockerfile
RUN curl -fsSLo /tmp/tool.tgz https://example.com/tool.tgz
```

## Fix safety
No fix: the server may not serve HTTPS, or serve it under another name.
Addresses of the build machine itself (`localhost`, `127.0.0.1`) are not
reported.

## Aliases
None.

## References
- https://docs.docker.com/reference/dockerfile/#add
"#;

/// The rule.
pub struct PlainHttpDownload;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF245",
    name: "plain-http-download",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Download over `https://`, not plain `http://`",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

/// True for a plain-HTTP URL to another machine.
fn plain_http(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("http://") else {
        return false;
    };
    let host = rest.split(['/', ':', '?']).next().unwrap_or("");
    !(host == "localhost" || host.starts_with("127.") || host == "[::1]")
}

impl Rule for PlainHttpDownload {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        each_command(ctx.doc, |_, _, cmd, _| {
            if !(cmd.name_is("curl") || cmd.name_is("wget")) {
                return;
            }
            for w in &cmd.args {
                // `http://$HOST/x` still says plain HTTP.
                let text = w.value.as_deref().unwrap_or(&w.raw);
                let text = text.trim_matches(['"', '\'']);
                if plain_http(text) {
                    out.push(Diagnostic::new(
                        &META,
                        format!(
                            "`{}` downloads over plain HTTP",
                            cmd.name_str().unwrap_or("curl")
                        ),
                        w.span.clone(),
                    ));
                }
            }
        });
        for ins in &ctx.doc.instructions {
            let ins = ins.effective();
            if ins.kind != Kind::Add {
                continue;
            }
            let n = ins.words.len();
            for w in ins.words.iter().take(n.saturating_sub(1)) {
                if plain_http(w.value()) {
                    out.push(Diagnostic::new(
                        &META,
                        "`ADD` downloads over plain HTTP",
                        ins.span.clone(),
                    ));
                }
            }
        }
        out.sort_by_key(|d| d.span.start);
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
            "forms",
            include_str!("fixtures/plain_http_download.Dockerfile"),
        );
    }

    #[test]
    fn cases() {
        for (src, n) in [
            ("RUN curl -fsSLO http://example.com/x.tgz\n", 1),
            ("RUN wget \"http://$MIRROR/x.tgz\"\n", 1),
            ("ADD http://example.com/x.tgz /tmp/\n", 1),
            ("RUN curl -fsSLO https://example.com/x.tgz\n", 0),
            ("RUN curl http://localhost:8080/health\n", 0),
            ("RUN echo http://example.com\n", 0),
            ("ADD https://example.com/x.tgz /tmp/\n", 0),
        ] {
            assert_eq!(findings(&META, &format!("FROM a\n{src}")).len(), n, "{src}");
        }
    }
}
