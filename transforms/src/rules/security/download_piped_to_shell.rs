//! DF241: a download piped straight into a shell.

use dfix_grammar::shell::Command;

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::shell_cmds::{each_command, each_script, pipelines};

const DOC: &str = r#"## What it does
Finds RUNs that download a script and run it in the same breath:
`curl … | sh`, `wget -O- … | bash`, `curl … | sudo bash`, and
`sh -c "$(curl …)"`.

## Why is this bad?
Whatever the server returns that day runs as the build user, usually
root, with nothing checking it: a compromised host, a hijacked DNS name or
a truncated download (the shell runs the half it got) end up in the image.
Download the script to a file, check its checksum or signature, then run
it.

## Example
```dockerfile
RUN curl -fsSL https://get.example.com | sh
```

## Fixed
```dockerfile
RUN curl -fsSLo /tmp/install.sh https://get.example.com/v1.2.3/install.sh \
 && echo "<sha256>  /tmp/install.sh" | sha256sum -c - \
 && sh /tmp/install.sh \
 && rm /tmp/install.sh
```

## Fix safety
No fix: the checksum to verify against is not in the Dockerfile.

## Aliases
None: hadolint, Trivy and Checkov have no such check.

## References
- https://docs.docker.com/build/building/best-practices/#run
"#;

/// The rule.
pub struct DownloadPipedToShell;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF241",
    name: "download-piped-to-shell",
    aliases: &[],
    severity: Severity::Warning,
    summary: "Do not pipe a download into a shell: fetch, verify, then run",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh"];

/// The command a stage really runs: `sudo bash` runs `bash`.
fn runs_shell(cmd: &Command) -> bool {
    if SHELLS.iter().any(|s| cmd.name_is(s)) {
        // `bash script.sh` reads a file and `bash -c '…'` a string, not
        // its input; `-s` and `-` read stdin.
        if cmd.has_flag('s') {
            return true;
        }
        if cmd.has_flag('c') {
            return false;
        }
        let first = cmd
            .args
            .iter()
            .take_while(|w| !w.is("--"))
            .find(|w| !w.raw.starts_with('-') || w.is("-"));
        return first.is_none_or(|w| w.is("-"));
    }
    if cmd.name_is("sudo") || cmd.name_is("env") {
        return cmd
            .positional_args()
            .first()
            .and_then(|w| w.value.as_deref())
            .is_some_and(|v| SHELLS.contains(&v.rsplit('/').next().unwrap_or(v)));
    }
    false
}

fn downloads(cmd: &Command) -> bool {
    cmd.name_is("curl") || cmd.name_is("wget")
}

impl Rule for DownloadPipedToShell {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        each_script(ctx.doc, |_, rs| {
            for stages in pipelines(&rs.script) {
                let Some(first) = stages.iter().position(|c| c.is_some_and(downloads)) else {
                    continue;
                };
                let shell = stages[first + 1..].iter().flatten().find(|c| runs_shell(c));
                if let (Some(Some(from)), Some(to)) = (stages.get(first), shell) {
                    out.push(Diagnostic::new(
                        &META,
                        "a download piped into a shell runs whatever the server sends, unchecked",
                        from.span.start..to.span.end,
                    ));
                }
            }
        });
        // `sh -c "$(curl -fsSL …)"`.
        each_command(ctx.doc, |_, _, cmd, _| {
            let shell = SHELLS.iter().any(|s| cmd.name_is(s));
            let fetched = cmd
                .args
                .iter()
                .any(|w| w.raw.contains("$(curl ") || w.raw.contains("$(wget "));
            if shell && fetched {
                out.push(Diagnostic::new(
                    &META,
                    "a downloaded script run by the shell runs whatever the server sends, unchecked",
                    cmd.span.clone(),
                ));
            }
        });
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
            include_str!("fixtures/download_piped_to_shell.Dockerfile"),
        );
    }

    #[test]
    fn cases() {
        for (src, n) in [
            ("RUN curl -fsSL https://get.example.com | sh\n", 1),
            ("RUN wget -qO- https://x | sudo -E bash -\n", 1),
            ("RUN curl -sL https://deb.nodesource.com/setup_20.x | bash - && apt-get install -y nodejs\n", 1),
            ("RUN if true; then curl https://x | /bin/bash -s -- --yes; fi\n", 1),
            ("RUN sh -c \"$(curl -fsSL https://x/install.sh)\"\n", 1),
            ("RUN curl -fsSL https://x | gpg --dearmor -o /k.gpg\n", 0),
            ("RUN curl -fsSL https://x | tar -xz\n", 0),
            ("RUN curl -fsSLo /tmp/i.sh https://x && sh /tmp/i.sh\n", 0),
            ("RUN echo hi | sh\n", 0),
            ("RUN curl https://x | bash /tmp/other.sh\n", 0),
        ] {
            assert_eq!(findings(&META, &format!("FROM a\n{src}")).len(), n, "{src}");
        }
    }
}
