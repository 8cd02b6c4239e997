//! DF605: `COPY`/`ADD` of a file the `.dockerignore` leaves out of the
//! build context.

use dfix_grammar::Kind;

use crate::diagnostic::Diagnostic;
use crate::dockerignore::IgnoreFile;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds `COPY` and `ADD` sources from the build context (not `--from`, not
URLs, not heredocs) that the ignore file applying to the Dockerfile
excludes: `<Dockerfile>.dockerignore` beside the Dockerfile, else the
context root's `.dockerignore`. The ignore file is evaluated with
BuildKit's own rules: patterns anchored at the context root, `**`,
parent folders, and `!` re-includes with the last matching line winning.
Unlike BuildKit's check, a file with `!` lines is still evaluated.

## Why is this bad?
The builder never receives an excluded file, so the `COPY` fails ("not
found") or, for a folder, silently copies less than the author expects.

## Example
```dockerfile
# .dockerignore: config/*.key
FROM alpine:3.22
COPY config/app.key /etc/app/app.key
```

## Fixed
```dockerfile
# Either stop excluding the file (`!config/app.key` at the end of
# .dockerignore) or, for a secret, mount it where it is needed:
FROM alpine:3.22
RUN --mount=type=secret,id=app_key,target=/etc/app/app.key ./configure
```

## Fix safety
No automatic fix: either the ignore line or the `COPY` is wrong, and only
the author knows which.

## Aliases
- BuildKit: `CopyIgnoredFile`

## References
- https://docs.docker.com/reference/build-checks/copy-ignored-file/
- https://docs.docker.com/build/concepts/context/#dockerignore-files
"#;

/// The rule.
pub struct CopyIgnoredFile;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF605",
    name: "copy-ignored-file",
    aliases: &["CopyIgnoredFile"],
    severity: Severity::Warning,
    summary: "`COPY`/`ADD` names a file the `.dockerignore` excludes",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

impl Rule for CopyIgnoredFile {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let Some(listing) = &ctx.facts.listing else {
            return Vec::new();
        };
        let Some(source) = &listing.ignore else {
            return Vec::new();
        };
        let ignore = IgnoreFile::parse(&source.text);
        let mut out = Vec::new();
        for ins in &ctx.doc.instructions {
            if !matches!(ins.kind, Kind::Copy | Kind::Add) || ins.flag("from").is_some() {
                continue;
            }
            let Some((_, sources)) = ins.words.split_last() else {
                continue;
            };
            for w in sources {
                let v = w.value();
                if v.starts_with("<<")
                    || v.contains("://")
                    || v.starts_with("git@")
                    || w.has_variable()
                {
                    continue;
                }
                let path = v
                    .trim_start_matches("./")
                    .trim_start_matches('/')
                    .trim_end_matches('/');
                if path.is_empty() || path == "." || path.contains(['*', '?', '[']) {
                    continue;
                }
                if let Some(p) = ignore.deciding(path).filter(|p| !p.negate) {
                    out.push(Diagnostic::new(
                        &META,
                        format!(
                            "`{v}` is excluded from the build context by `{}` (line {}: `{}`), so the builder never receives it",
                            source.path, p.line, p.text
                        ),
                        w.span.clone(),
                    ));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::context::{ContextListing, IgnoreSource};
    use crate::rule::Facts;
    use crate::settings::Settings;

    fn run(ignore: &str, dockerfile: &str) -> Vec<String> {
        let mut facts = Facts::new();
        facts.listing = Some(std::sync::Arc::new(ContextListing {
            ignore: Some(IgnoreSource {
                path: ".dockerignore".into(),
                text: ignore.into(),
            }),
            ..ContextListing::default()
        }));
        let settings = Settings::default()
            .with_selection(&["DF605".to_string()], &[])
            .unwrap();
        crate::engine::check(dockerfile, &settings, &facts)
            .diagnostics
            .into_iter()
            .map(|d| d.message)
            .collect()
    }

    #[test]
    fn finds_excluded_sources() {
        let ignore = "**/.env\nconfig/*.key\nsecrets\n!secrets/public.pem\n";
        let f = run(
            ignore,
            "FROM a\nCOPY .env app/.env /app/\nCOPY config/app.key ./config/other.txt /etc/\r\nADD secrets/x secrets/public.pem /s/\nCOPY --from=b secrets/x /y\nCOPY . /app\nCOPY <<EOF /f\nx\nEOF\n",
        );
        assert_eq!(f.len(), 4, "{f:#?}");
        assert!(f[0].contains("`.env`") && f[0].contains("line 1: `**/.env`"));
        assert!(f[1].contains("`app/.env`"));
        assert!(f[2].contains("`config/app.key`") && f[2].contains("line 2"));
        assert!(f[3].contains("`secrets/x`") && f[3].contains("line 3"));
    }

    #[test]
    fn silent_without_an_ignore_file_or_listing() {
        let settings = Settings::default()
            .with_selection(&["DF605".to_string()], &[])
            .unwrap();
        assert!(
            crate::engine::check("FROM a\nCOPY .env /\n", &settings, &Facts::new())
                .diagnostics
                .is_empty()
        );
        assert!(run("", "FROM a\nCOPY .env /\n").is_empty());
    }
}
