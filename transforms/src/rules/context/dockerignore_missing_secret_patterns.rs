//! DF602: the `.dockerignore` lets secret files of the context through.

use crate::diagnostic::Diagnostic;
use crate::ignore_fix::{diagnostics, Which};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds secret files in the build context (`.env`, `.env.*`, `*.pem`,
`*.key`, `.aws/`, `.ssh/`, `id_rsa*`, `id_ed25519*`, `id_ecdsa*`,
`credentials.json`, `*.p12`, `*.pfx`, at any depth) that the ignore file
applying to the Dockerfile does not exclude, evaluated with BuildKit's own
matching (anchored patterns, `**`, `!`, last match wins). Templates and
public halves (`.env.example`, `id_rsa.pub`, `*.sample`, `*.template`,
`*.dist`) are no secrets; files a `COPY`/`ADD` names are needed, not leaked.
Only files that exist count: the rule does not ask for patterns for
secrets the project does not have.

## Why is this bad?
A secret in the build context reaches the builder, and with `COPY . .`
the image, where everyone who pulls it can read it.

## Example
```
# .dockerignore (the context also holds .env and deploy/server.key)
node_modules
```

## Fixed
```
node_modules
# Added by dfix (DF602): secret files present in the build context
**/.env
**/*.key
```

## Fix safety
The patterns are appended in a commented block; no user line is changed,
dropped or reordered. Order matters (the last matching line wins), so:
- a user's `!` line that re-includes a file that is *not* a secret (say
  `!.env.example` under an appended `**/.env.*`) is respected: the pattern
  goes right before that line instead of at the end, so the re-include
  still wins;
- a user's `!` line that re-includes a *secret* the Dockerfile does not
  name (`!id_rsa`) is what leaks it: the appended pattern goes after it and
  wins, and the fix message names the overridden line;
- a path the Dockerfile names literally is never excluded (`!path` after
  the block); a glob source's files are kept by leaving the pattern out.
When a pattern would have to go both before and after user lines, it is
left out and the message says why.

Safe when no `COPY`/`ADD`/bind source loses a file (the image cannot
change); unsafe when a folder or whole-context source (`COPY . .`) does.
The fix edits the ignore file, never the Dockerfile; see DF601 for how the
second file is written, shown and turned off.

## Aliases
None.

## References
- https://docs.docker.com/build/concepts/context/#dockerignore-files
"#;

/// The rule.
pub struct DockerignoreMissingSecretPatterns;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF602",
    name: "dockerignore-missing-secret-patterns",
    aliases: &[],
    severity: Severity::Warning,
    summary: "The `.dockerignore` lets secret files of the build context through",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

impl Rule for DockerignoreMissingSecretPatterns {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        diagnostics(ctx, Which::Secrets, &META)
    }
}
