//! DF105: shell-form `CMD` / `ENTRYPOINT`; exec (JSON) form is recommended.

use dfix_grammar::{Form, Instruction, Kind};

use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds `CMD` and `ENTRYPOINT` in shell form (`CMD nginx -g daemon off;`)
and, for a `CMD` made of plain words, offers the exec (JSON) form.

## Why is this bad?
The shell form runs the command as `/bin/sh -c "…"`: the shell is PID 1,
so `docker stop` sends SIGTERM to the shell, not to the program, which is
then killed after the timeout. The exec form runs the program directly.
Not reported when the file sets a `SHELL`, as BuildKit's
`JSONArgsRecommended` check does.

## Example
```dockerfile
CMD python app.py --port 8080
```

## Fixed
```dockerfile
CMD ["python", "app.py", "--port", "8080"]
```

## Fix safety
Unsafe: without `/bin/sh -c` there is no variable expansion, no `&&`, `|`
or globbing, and signals reach the program instead of the shell. So the fix
is offered only for a `CMD` whose every word is a plain literal (no `$`,
quotes, escapes, `;&|<>*?~(){}[]#!=` or backtick) and does not start with a
shell builtin (`exec`, `cd`, `export`, …), with no `ENTRYPOINT` in the
file and no `SHELL` (an exec-form `CMD` is appended to `ENTRYPOINT`
differently). Even then the base image may define an `ENTRYPOINT` that the
change affects. For `ENTRYPOINT` the conversion is only displayed, never
applied: with the exec form, `CMD` and `docker run` arguments are passed to
it, while the shell form ignores them.

Differences from hadolint's `DL3025`: a shell-form `HEALTHCHECK CMD` is not
reported (hadolint 2.15 reports it): the health check is a probe that
Docker runs and times out on its own, not the container's main process, so
the signal argument does not apply, and probes such as
`curl -f http://localhost/ || exit 1` need the shell. An exec form that
hadolint's JSON reader rejects but BuildKit's accepts (an escaped slash,
`"\/usr/bin/app"`) is exec form and is not reported either.

## Aliases
- hadolint: `DL3025`
- BuildKit: `JSONArgsRecommended`

## References
- https://docs.docker.com/reference/build-checks/json-args-recommended/
- https://docs.docker.com/reference/dockerfile/#shell-and-exec-form
"#;

/// The rule.
pub struct JsonArgsRecommended;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF105",
    name: "json-args-recommended",
    aliases: &["DL3025", "JSONArgsRecommended"],
    severity: Severity::Warning,
    summary: "Use the exec (JSON) form for `CMD` and `ENTRYPOINT`",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

/// True when the word means the same to `sh -c` as to an exec array.
fn is_plain(raw: &str, escape: char) -> bool {
    !raw.is_empty()
        && !raw.chars().any(|c| {
            c == escape
                || c.is_control()
                || matches!(
                    c,
                    '$' | '`'
                        | '\\'
                        | '\''
                        | '"'
                        | ';'
                        | '&'
                        | '|'
                        | '<'
                        | '>'
                        | '*'
                        | '?'
                        | '~'
                        | '('
                        | ')'
                        | '{'
                        | '}'
                        | '#'
                        | '['
                        | ']'
                        | '!'
                        | '='
                )
        })
}

fn json_string(s: &str) -> String {
    // Plain words hold no quote, backslash or control character, so no
    // escaping is needed; keep the guard local anyway.
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Words that only the shell understands: as an exec-form program they fail.
const SHELL_ONLY: &[&str] = &[
    "exec", "cd", "export", "set", "source", ".", "eval", "trap", "ulimit", "umask", "unset",
    "alias", "readonly", "shift", "wait", "if", "for", "while", "until", "case", "function",
    "local", "return", "exit", "break", "continue",
];

fn exec_form(ins: &Instruction, escape: char) -> Option<String> {
    if !ins.inner_comments.is_empty()
        || ins.words.is_empty()
        || SHELL_ONLY.contains(&ins.words[0].raw.as_str())
        || !ins.words.iter().all(|w| is_plain(&w.raw, escape))
    {
        return None;
    }
    let items: Vec<String> = ins.words.iter().map(|w| json_string(&w.raw)).collect();
    Some(format!("[{}]", items.join(", ")))
}

impl Rule for JsonArgsRecommended {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let doc = ctx.doc;
        if doc.instructions.iter().any(|i| i.kind == Kind::Shell) {
            return Vec::new();
        }
        let has_entrypoint = doc
            .instructions
            .iter()
            .any(|i| i.effective().kind == Kind::Entrypoint);
        let mut out = Vec::new();
        for ins in &doc.instructions {
            if !matches!(ins.kind, Kind::Cmd | Kind::Entrypoint)
                || ins.form != Form::Shell
                || ins.args_text().is_empty()
            {
                continue;
            }
            let keyword = ins.keyword.to_ascii_uppercase();
            let diag = Diagnostic::new(
                &META,
                format!("JSON arguments recommended for {keyword} to prevent unintended behavior related to OS signals"),
                ins.args_span(),
            );
            let fix = exec_form(ins, ctx.style.escape).map(|json| {
                let edits = vec![Edit::replace(ins.args_span(), json)];
                let message = "Convert to exec (JSON) form";
                if ins.kind == Kind::Cmd && !has_entrypoint {
                    Fix::unsafe_fix(message, edits)
                } else {
                    Fix::display_only(message, edits)
                }
            });
            out.push(diag.with_optional_fix(fix));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::Applicability;
    use crate::rules::test_support::*;

    #[test]
    fn healthcheck_and_escaped_slash_are_left_alone() {
        // Deliberate differences from hadolint 2.15's DL3025 (see the doc).
        assert!(findings(
            &META,
            "FROM a\nHEALTHCHECK CMD curl -f http://x/ || exit 1\n"
        )
        .is_empty());
        assert!(findings(&META, "FROM a\nCMD [ \"\\/usr\\\\bin/app\", \"-f\" ]\n").is_empty());
        assert_eq!(findings(&META, "FROM a\nCMD app -f\n").len(), 1);
    }

    #[test]
    fn fixture() {
        assert_fixture(
            &META,
            "commands",
            include_str!("fixtures/json_args_recommended.Dockerfile"),
        );
    }

    #[test]
    fn unsafe_for_plain_cmd_only() {
        let src = "FROM a\nCMD python app.py --port 8080\n";
        assert_eq!(fix_rule(&META, src), src, "unsafe fixes are opt-in");
        assert_eq!(
            fix_rule_with(&META, src, None, true),
            "FROM a\nCMD [\"python\", \"app.py\", \"--port\", \"8080\"]\n"
        );
        let f = findings(&META, "FROM a\nCMD echo $HOME\n");
        assert!(f[0].fix.is_none());
        let f = findings(&META, "FROM a\nCMD exec nginx\n");
        assert!(f[0].fix.is_none());
        let f = findings(&META, "FROM a\nCMD A=1 run\n");
        assert!(f[0].fix.is_none());
        let f = findings(&META, "FROM a\nENTRYPOINT run me\n");
        assert_eq!(f[0].applicability(), Some(Applicability::DisplayOnly));
        let f = findings(&META, "FROM a\nENTRYPOINT [\"x\"]\nCMD run me\n");
        assert_eq!(f[0].applicability(), Some(Applicability::DisplayOnly));
        assert!(findings(&META, "FROM a\nSHELL [\"bash\", \"-c\"]\nCMD run me\n").is_empty());
        assert!(findings(&META, "FROM a\nCMD [\"run\"]\n").is_empty());
    }
}
