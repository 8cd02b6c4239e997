//! DF101: `ADD` of local files that `COPY` does the same for.

use dfix_grammar::{Form, Instruction, Kind};

use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::style::case_like;

const DOC: &str = r#"## What it does
Finds `ADD` instructions that copy local files or folders, where `COPY`
does the same, and turns them into `COPY`.

## Why is this bad?
`ADD` also downloads URLs, clones git repositories and unpacks local tar
archives. Using it for plain files hides which of those the author meant,
and a file that happens to be an archive gets unpacked. `COPY` does only
what it says.

## Example
```dockerfile
ADD requirements.txt /app/
ADD --chown=app:app src/ /app/src/
```

## Fixed
```dockerfile
COPY requirements.txt /app/
COPY --chown=app:app src/ /app/src/
```

## Fix safety
Safe when every guard holds, and no finding is reported otherwise:
every source is a local path (no `scheme://` URL, no `git@…`, no `*.git`);
no source has an archive suffix (`.tar .gz .tgz .bz2 .tbz .tbz2 .tb2 .xz
.txz .lz .tlz .lzma .Z .tZ .tpz .zst .tzst`); no source uses a variable
(it could expand to any of those); a glob source must end in a literal,
non-archive extension (`*.py`); there is no heredoc; and the only flags are
ones `COPY` shares (`--chown`, `--chmod`, `--link`, `--exclude`,
`--parents`). Residual risk: `ADD` recognises archives by content, so a tar
archive named without a suffix (`ADD data /x`) was unpacked before and is
copied after.

## Aliases
- hadolint: `DL3020`
- Trivy: `DS-0005` (`AVD-DS-0005`)
- Checkov: `CKV_DOCKER_4`

## References
- https://docs.docker.com/reference/dockerfile/#add
- https://docs.docker.com/build/building/best-practices/#add-or-copy
"#;

/// The rule.
pub struct AddInsteadOfCopy;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF101",
    name: "add-instead-of-copy",
    aliases: &["DL3020", "DS-0005", "CKV_DOCKER_4"],
    severity: Severity::Error,
    summary: "Use `COPY` instead of `ADD` for local files and folders",
    doc: DOC,
    fix: FixAvailability::Always,
    options: &[],
};

const ARCHIVE_SUFFIXES: &[&str] = &[
    ".tar", ".z", ".bz2", ".gz", ".lz", ".lzma", ".tz", ".tb2", ".tbz", ".tbz2", ".tgz", ".tlz",
    ".tpz", ".txz", ".xz", ".zst", ".tzst",
];

const SHARED_FLAGS: &[&str] = &["chown", "chmod", "link", "exclude", "parents"];

/// True when `src` is a local path that `COPY` copies exactly as `ADD` does.
fn is_plain_local(src: &str, has_variable: bool) -> bool {
    let lower = src.to_ascii_lowercase();
    if has_variable
        || lower.contains("://")
        || lower.starts_with("git@")
        || lower.ends_with(".git")
        || lower.contains(".git#")
        || ARCHIVE_SUFFIXES.iter().any(|s| lower.ends_with(s))
    {
        return false;
    }
    let last = lower.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    if last.contains(['*', '?', '[']) {
        // A glob could match an archive unless it ends in a literal extension.
        let Some((_, ext)) = last.rsplit_once('.') else {
            return false;
        };
        return !ext.is_empty() && ext.chars().all(|c| c.is_ascii_alphanumeric());
    }
    true
}

fn check_instruction(ins: &Instruction, out: &mut Vec<Diagnostic>) {
    if ins.kind != Kind::Add || !ins.heredocs.is_empty() {
        return;
    }
    if !ins
        .flags
        .iter()
        .all(|f| SHARED_FLAGS.iter().any(|s| f.name.eq_ignore_ascii_case(s)))
    {
        return;
    }
    let local = match &ins.form {
        Form::Exec(items) => {
            items.len() >= 2
                && items[..items.len() - 1]
                    .iter()
                    .all(|s| is_plain_local(s, s.contains('$')))
        }
        Form::Shell => {
            ins.words.len() >= 2
                && ins.words[..ins.words.len() - 1]
                    .iter()
                    .all(|w| is_plain_local(w.value(), w.has_variable()))
        }
    };
    if !local {
        return;
    }
    let copy = case_like("COPY", &ins.keyword);
    out.push(
        Diagnostic::new(
            &META,
            "Use `COPY` instead of `ADD` for local files and folders",
            ins.keyword_span.clone(),
        )
        .with_fix(Fix::safe(
            format!("Replace `{}` with `{copy}`", ins.keyword),
            vec![Edit::replace(ins.keyword_span.clone(), copy)],
        )),
    );
}

impl Rule for AddInsteadOfCopy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for ins in &ctx.doc.instructions {
            check_instruction(ins.effective(), &mut out);
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
            "sources",
            include_str!("fixtures/add_instead_of_copy.Dockerfile"),
        );
    }

    #[test]
    fn guards() {
        for keep in [
            "ADD https://example.com/a.txt /a\n",
            "ADD git@github.com:a/b.git /b\n",
            "ADD https://github.com/a/b.git#main /b\n",
            "ADD app.tar.gz /app\n",
            "ADD app.TGZ /app\n",
            "ADD a.txt b.tar.zst /app/\n",
            "ADD $SRC /app\n",
            "ADD dist/* /app/\n",
            "ADD --checksum=sha256:abc a.txt /a\n",
            "ADD --keep-git-dir a /a\n",
            "ADD --unpack=false a /a\n",
            "ADD [\"a.tar\", \"/a\"]\n",
            "ADD <<EOF /a\nhello\nEOF\n",
            "ADD /only-one-arg\n",
        ] {
            let src = format!("FROM a\n{keep}");
            assert!(findings(&META, &src).is_empty(), "{keep}");
        }
        assert_eq!(
            fix_rule(&META, "FROM a\nADD --chown=1:1 --link *.py dir/ /app/\n"),
            "FROM a\nCOPY --chown=1:1 --link *.py dir/ /app/\n"
        );
        assert_eq!(
            fix_rule(&META, "FROM a\nadd [\"a b.txt\", \"/x/\"]\n"),
            "FROM a\ncopy [\"a b.txt\", \"/x/\"]\n"
        );
        assert_eq!(
            fix_rule(&META, "FROM a\nONBUILD ADD . /src\n"),
            "FROM a\nONBUILD COPY . /src\n"
        );
    }
}
