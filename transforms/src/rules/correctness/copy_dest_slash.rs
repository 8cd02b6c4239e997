//! DF142: `COPY` of several sources to a destination without a trailing `/`.

use dfix_grammar::{Form, Instruction, Kind};

use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds `COPY` instructions with more than one source (more than two
arguments, heredocs included) whose destination does not end in `/`, and
appends the slash.

## Why is this bad?
With several sources the destination can only be a directory. Docker's
reference requires it to end in `/`; the classic builder fails without it,
and a reader cannot tell whether a file or a directory was meant.

## Example
```dockerfile
COPY package.json package-lock.json /app
COPY ["a.txt", "b.txt", "/data"]
```

## Fixed
```dockerfile
COPY package.json package-lock.json /app/
COPY ["a.txt", "b.txt", "/data/"]
```

## Fix safety
Safe: with several sources the destination is a directory whichever way
it is written, so the slash only says what the build does. The slash goes
inside the destination's closing quote (`"/app"` → `"/app/"`, also in the
JSON form) and after a variable (`$DEST` → `$DEST/`; a doubled slash is
harmless). No fix when the destination ends in the escape character.

As in hadolint, `ADD` is not checked.

## Aliases
- hadolint: `DL3021`
- Trivy: `DS-0011` (`AVD-DS-0011`)

## References
- https://docs.docker.com/reference/dockerfile/#copy
"#;

/// The rule.
pub struct CopyDestSlash;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF142",
    name: "copy-dest-slash",
    aliases: &["DL3021", "DS-0011"],
    severity: Severity::Error,
    summary: "`COPY` with more than one source needs a destination ending in `/`",
    doc: DOC,
    fix: FixAvailability::Always,
    options: &[],
};

/// Where to insert the `/`: inside a closing quote, else after the word.
fn slash_at(source: &str, ins: &Instruction, escape: char) -> Option<usize> {
    match &ins.form {
        Form::Exec(_) => {
            // The span ends at `]`; the last element's closing quote is
            // the last `"` before it, with only blanks in between.
            let span = ins.args_span();
            let text = source.get(span.clone())?;
            let body = text.strip_suffix(']')?.trim_end_matches([' ', '\t']);
            body.ends_with('"').then(|| span.start + body.len() - 1)
        }
        Form::Shell => {
            let word = ins.words.last()?;
            let raw = source.get(word.span.clone())?;
            if raw != word.raw {
                return None;
            }
            let before_last = raw[..raw.len().saturating_sub(1)].chars().next_back();
            match raw.chars().next_back()? {
                '"' | '\'' if before_last != Some(escape) && raw.len() >= 2 => {
                    Some(word.span.end - 1)
                }
                c if c == escape => None,
                _ => Some(word.span.end),
            }
        }
    }
}

fn check_instruction(source: &str, escape: char, ins: &Instruction, out: &mut Vec<Diagnostic>) {
    let args: Vec<String> = match &ins.form {
        Form::Exec(items) => items.clone(),
        Form::Shell => ins.words.iter().map(|w| w.value().to_string()).collect(),
    };
    if args.len() <= 2 {
        return;
    }
    let Some(dest) = args.last() else {
        return;
    };
    if dest.ends_with('/') {
        return;
    }
    let diag = Diagnostic::new(
        &META,
        format!(
            "`COPY` with {} sources: the destination `{dest}` must end with `/`",
            args.len() - 1
        ),
        ins.span.clone(),
    );
    out.push(match slash_at(source, ins, escape) {
        Some(at) => diag.with_fix(Fix::safe(
            "Append `/` to the destination",
            vec![Edit::insert(at, "/")],
        )),
        None => diag,
    });
}

impl Rule for CopyDestSlash {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for ins in &ctx.doc.instructions {
            let ins = ins.effective();
            if ins.kind == Kind::Copy {
                check_instruction(ctx.source(), ctx.doc.escape, ins, &mut out);
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
            "destinations",
            include_str!("fixtures/copy_dest_slash.Dockerfile"),
        );
    }

    fn count(src: &str) -> usize {
        findings(&META, src).len()
    }

    #[test]
    fn hadolint_cases() {
        assert_eq!(count("FROM a\nCOPY x y z\n"), 1);
        assert_eq!(count("FROM a\nCOPY x y \"z\"\n"), 1);
        assert_eq!(count("FROM a\nCOPY x y \"z/\"\n"), 0);
        assert_eq!(count("FROM a\nCOPY x y z/\n"), 0);
        assert_eq!(count("FROM a\nCOPY x y\n"), 0);
        assert_eq!(count("FROM a\nCOPY --from=b x y z/\n"), 0);
        assert_eq!(count("FROM a\nCOPY --from=b x y z\n"), 1);
        assert_eq!(count("FROM a\nADD x y z\n"), 0);
        assert_eq!(count("FROM a\nONBUILD COPY x y z\n"), 1);
    }

    #[test]
    fn fixes() {
        for (src, want) in [
            ("FROM a\nCOPY x y z\n", "FROM a\nCOPY x y z/\n"),
            ("FROM a\nCOPY x y \"z\"\n", "FROM a\nCOPY x y \"z/\"\n"),
            ("FROM a\nCOPY x y 'z'\n", "FROM a\nCOPY x y 'z/'\n"),
            ("FROM a\nCOPY x y .\n", "FROM a\nCOPY x y ./\n"),
            ("FROM a\nCOPY x y $D\n", "FROM a\nCOPY x y $D/\n"),
            (
                "FROM a\nCOPY [\"x\", \"y\", \"/z\" ]\n",
                "FROM a\nCOPY [\"x\", \"y\", \"/z/\" ]\n",
            ),
            (
                "FROM a\nCOPY --parents \\\n  a/b \\\n  c/d \\\n  /out\n",
                "FROM a\nCOPY --parents \\\n  a/b \\\n  c/d \\\n  /out/\n",
            ),
            (
                "FROM a\nONBUILD COPY x y z\n",
                "FROM a\nONBUILD COPY x y z/\n",
            ),
        ] {
            assert_eq!(fix_rule(&META, src), want, "{src}");
        }
    }
}
