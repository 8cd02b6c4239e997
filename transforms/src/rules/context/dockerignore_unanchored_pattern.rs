//! DF604: a slash-less `.dockerignore` pattern meant for every depth.

use crate::diagnostic::Diagnostic;
use crate::ignore_fix::{diagnostics, Which};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds a slash-less pattern in the ignore file applying to the Dockerfile
that names something meant for every depth (secrets, `.git`,
`node_modules`, `__pycache__`, `.venv`, `*.log`, `.DS_Store`, editor
folders, ...) while files of that name below the context root stay in the
build context. `.dockerignore` anchors every pattern at the context root:
`node_modules` excludes `./node_modules` only, unlike `.gitignore`, where
it matches at any depth. Patterns written with a leading `/` are anchored
on purpose and not reported; other names (`README.md`) are not guessed at.

## Why is this bad?
The author copied a `.gitignore` habit: `packages/web/node_modules` or
`app/.env` are sent to the builder and copied by `COPY . .`.

## Example
```
# .dockerignore; the context also holds web/node_modules/
node_modules
```

## Fixed
```
**/node_modules
```

## Fix safety
The fix inserts `**/` before the pattern on its line. Safe when no
`COPY`/`ADD`/bind source loses a file; unsafe when a folder or
whole-context source does (the image changes, which is the purpose). No
fix when a path the Dockerfile names literally, or a glob source, would
lose a file: that copy needs the file, so maybe the root anchoring was
meant. The fix edits the ignore file, never the Dockerfile; see DF601.

## Aliases
None.

## References
- https://docs.docker.com/build/concepts/context/#dockerignore-files
"#;

/// The rule.
pub struct DockerignoreUnanchoredPattern;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF604",
    name: "dockerignore-unanchored-pattern",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A slash-less `.dockerignore` pattern matches only at the context root",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

impl Rule for DockerignoreUnanchoredPattern {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        diagnostics(ctx, Which::Unanchored, &META)
    }
}
