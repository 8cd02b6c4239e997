//! DF601: the build context has no `.dockerignore`.

use crate::diagnostic::Diagnostic;
use crate::ignore_fix::{diagnostics, Which};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds a Dockerfile that takes files from its build context (`COPY`, `ADD`,
`RUN --mount=type=bind` without `from=`) while no ignore file applies to
it: neither `<Dockerfile>.dockerignore` beside it nor `.dockerignore` at
the context root. The context root is taken to be the Dockerfile's folder
(`docker build -f X .` from there); when a literal `COPY` source is not in
that folder, the real context is elsewhere and the rule stays quiet.

## Why is this bad?
Without an ignore file every file of the folder is sent to the builder:
`.env` files, private keys, cloud credentials, `.git`, `node_modules`. A
`COPY . .` then bakes them into a layer of the image, where anyone who
pulls it can read them, and every change to one of them invalidates the
build cache.

## Example
```dockerfile
# context: Dockerfile, package.json, server.js, .env, id_rsa, .git/
FROM node:22-slim
COPY package.json ./
RUN npm ci
COPY server.js ./
```

## Fixed
A new `.dockerignore` at the context root (shown as a new file by
`--diff`):
```
# Created by dfix (DF601): ...
# secrets
**/.env
**/.env.*
**/*.pem
**/*.key
**/.aws
**/.ssh
**/id_rsa*
...
# version control
**/.git
# Node.js
**/node_modules
**/npm-debug.log*
**/yarn-error.log*
```
Secret patterns always; `.git` unless a `RUN` reads the history (`git
describe`, `git rev-parse`, ...); the patterns of each ecosystem the
context shows (`package.json`, `pyproject.toml`/`requirements*.txt`,
`Cargo.toml`, Gradle). Dependency and build folders (`node_modules`,
`.venv`, `target`) only when the Dockerfile recreates them (`npm ci`,
`pip install`, `cargo build`), since a `COPY . .` may otherwise need them.
Patterns use `**/` because `.dockerignore` anchors slash-less patterns at
the context root.

A path the Dockerfile (or another Dockerfile of the same context that
reads the same file) names literally is never excluded: it is re-included
with `!path` after the patterns, and the fix message lists it. A glob
source (`COPY certs/*.pem /certs/`) whose files a pattern would catch keeps
them by leaving that pattern out (a re-include of today's files would miss
tomorrow's); the message says which.

## Fix safety
Safe when no `COPY`/`ADD`/bind source loses a file: the image cannot
change, only what the builder receives. Unsafe when a folder or
whole-context source (`COPY . .`) loses files: that is the purpose, but
the image changes (and a build step may have needed one of them).

The fix writes a second file. `dfix` writes it atomically beside the
Dockerfile (never over a file that appeared meanwhile), `--diff` shows it
as a new file (`--- /dev/null`), `--check` only reports; stdin mode
(`dfix -`) cannot write a second file and only reports. In the language
server the fix-all (formatting) edits the open Dockerfile only; the quick
fix creates the file with a `CreateFile` edit when the editor supports
resource operations, and is not offered otherwise. When two Dockerfiles of
one run share the context, the file is written once: each plans it with
the other's sources guarded, so both plan the same text. To keep dfix from writing ignore files, deselect the
rules as with any rule: `ignore = ["DF601", "DF602", "DF604"]` in
`dfix.toml` (or `--ignore DF601`).

## Aliases
None: no other linter checks for a missing `.dockerignore`.

## References
- https://docs.docker.com/build/concepts/context/#dockerignore-files
- https://docs.docker.com/build/building/best-practices/#exclude-with-dockerignore
"#;

/// The rule.
pub struct MissingDockerignore;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF601",
    name: "missing-dockerignore",
    aliases: &[],
    severity: Severity::Warning,
    summary: "The build context has no `.dockerignore`",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

impl Rule for MissingDockerignore {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        diagnostics(ctx, Which::Missing, &META)
    }
}
