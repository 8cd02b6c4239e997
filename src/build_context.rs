//! The build context model for the `.dockerignore` rules: every file the
//! context folder holds, and which ignore file applies to a Dockerfile
//! (`<Dockerfile>.dockerignore` beside the Dockerfile wins over the context
//! root's `.dockerignore`, as in BuildKit). The context root is the
//! Dockerfile's folder, as `docker build -f X .` run from there.
//!
//! The walk never follows symlinks (the builder sends them as links), so a
//! link loop cannot trap it; loops and unreadable folders are reported in
//! [`ContextListing::problems`], never fatal.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use dfix_grammar::Document;
use dfix_transforms::context::{ContextListing, IgnoreSource, SiblingDockerfile};
use dfix_transforms::dockerignore::IgnoreFile;

/// Most entries listed (a context this big is reported as cut short).
pub const MAX_ENTRIES: usize = 2_000_000;

/// One file of the listing and whether the ignore file leaves it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Path relative to the context root, `/`-separated.
    pub path: String,
    /// True when the ignore file excludes it.
    pub excluded: bool,
}

/// The result of walking a context.
#[derive(Debug, Default)]
pub struct Walk {
    /// Files and symlinks, in walk order.
    pub entries: Vec<Entry>,
    /// What could not be read, and symlink loops.
    pub problems: Vec<String>,
}

/// The ignore file BuildKit reads for `dockerfile` in the context `root`:
/// `<Dockerfile>.dockerignore` beside it, else `<root>/.dockerignore`.
pub fn ignore_file_for(dockerfile: &Path, root: &Path) -> Option<(PathBuf, String)> {
    let mut own = dockerfile.as_os_str().to_owned();
    own.push(".dockerignore");
    for path in [PathBuf::from(own), root.join(".dockerignore")] {
        if let Ok(text) = std::fs::read_to_string(&path) {
            return Some((path, text));
        }
    }
    None
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Lists `root` and matches every entry against `ignore` on the way: one
/// match per pattern per entry (a folder's matches are inherited by what
/// is under it).
pub fn walk(root: &Path, ignore: &IgnoreFile) -> Walk {
    let mut out = Walk::default();
    let mut stack = vec![(root.to_path_buf(), ignore.root())];
    while let Some((dir, state)) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                out.problems.push(format!(
                    "cannot read folder {}: {e}",
                    relative(root, &dir).trim_start_matches('/')
                ));
                continue;
            }
        };
        let mut names: Vec<(PathBuf, std::fs::FileType)> = entries
            .filter_map(|e| {
                let e = e.ok()?;
                Some((e.path(), e.file_type().ok()?))
            })
            .collect();
        names.sort_by(|a, b| a.0.cmp(&b.0));
        for (path, kind) in names.into_iter().rev() {
            if out.entries.len() >= MAX_ENTRIES {
                out.problems.push(format!(
                    "more than {MAX_ENTRIES} files: the rest of the context is not listed"
                ));
                return out;
            }
            let rel = relative(root, &path);
            let here = ignore.child(&state, &rel);
            if kind.is_dir() {
                stack.push((path, here));
                continue;
            }
            if kind.is_symlink() {
                // Not followed; a loop is worth a word, since `COPY` of it
                // fails in the build.
                if let Err(e) = std::fs::metadata(&path) {
                    if e.raw_os_error() == Some(40) {
                        out.problems.push(format!("symlink loop at {rel}"));
                    }
                }
            }
            let excluded = here.excluded(ignore);
            out.entries.push(Entry {
                path: rel,
                excluded,
            });
        }
    }
    out
}

/// The listing handed to the rules for a Dockerfile at `dockerfile`;
/// `None` for stdin, when its folder cannot be read, or when no ignore
/// file applies to it and `without_ignore` is false (only the rule that
/// creates one needs the walk then).
pub fn listing_for(dockerfile: &Path, without_ignore: bool) -> Option<ContextListing> {
    if dockerfile.as_os_str() == "-" {
        return None;
    }
    let root = context_root(dockerfile);
    if !root.is_dir() {
        return None;
    }
    let ignore = ignore_file_for(dockerfile, root);
    if ignore.is_none() && !without_ignore {
        return None;
    }
    let own_ignore = ignore
        .as_ref()
        .is_some_and(|(p, _)| p != &root.join(".dockerignore"));
    let (files, problems) = cached_files(root);
    Some(ContextListing {
        files,
        ignore: ignore.map(|(path, text)| IgnoreSource {
            path: relative(root, &path),
            text,
        }),
        dockerfile: relative(root, dockerfile),
        problems,
        siblings: if own_ignore {
            std::sync::Arc::default()
        } else {
            cached_siblings(root)
        },
    })
}

/// The build context root of a Dockerfile: its folder.
pub fn context_root(dockerfile: &Path) -> &Path {
    match dockerfile.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// The Dockerfiles of the folder `root`, listed once per run (a folder
/// may hold hundreds, each of them asking).
fn cached_siblings(root: &Path) -> std::sync::Arc<Vec<SiblingDockerfile>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    // One cell per folder: the threads asking for the same folder at once
    // wait for one reading instead of each reading it.
    type Cell = Arc<OnceLock<Arc<Vec<SiblingDockerfile>>>>;
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Cell>>> = OnceLock::new();
    let cell = CACHE
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(root.to_path_buf())
        .or_default()
        .clone();
    cell.get_or_init(|| Arc::new(siblings(root))).clone()
}

/// The Dockerfiles in the context root folder that read the root
/// `.dockerignore` (they have no `<name>.dockerignore` of their own).
fn siblings(root: &Path) -> Vec<SiblingDockerfile> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut out: Vec<SiblingDockerfile> = entries
        .filter_map(|e| {
            let e = e.ok()?;
            let name = e.file_name();
            let name_str = name.to_str()?;
            let is_dockerfile = matches!(
                crate::kind::by_name(&e.path()),
                Some(crate::kind::FileKind::Dockerfile)
            ) || (name_str.starts_with("Dockerfile.")
                && !name_str.ends_with(".dockerignore"));
            if !is_dockerfile || !e.file_type().ok()?.is_file() {
                return None;
            }
            let mut own_ignore = e.path().into_os_string();
            own_ignore.push(".dockerignore");
            if Path::new(&own_ignore).exists() {
                return None;
            }
            let text = std::fs::read_to_string(e.path()).ok()?;
            let sibling = SiblingDockerfile::new(name_str, &text);
            Some(match parsed_document(&e.path()) {
                Some(doc) => sibling.with_document(doc),
                None => sibling,
            })
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The Dockerfiles this run has parsed already, by canonical path. The
/// CLI parses every file it was given before any rule runs; the
/// `.dockerignore` planner then reads a folder's other Dockerfiles from
/// those documents instead of parsing them a second time (that was a
/// quarter of a `--check` over a folder of Dockerfiles).
type ParsedDocuments = std::sync::Mutex<HashMap<PathBuf, std::sync::Arc<Document>>>;

fn parsed_documents() -> &'static ParsedDocuments {
    static PARSED: std::sync::OnceLock<ParsedDocuments> = std::sync::OnceLock::new();
    PARSED.get_or_init(Default::default)
}

/// Records the document the run parsed from the file at `path`.
pub fn remember_parsed(path: &Path, doc: std::sync::Arc<Document>) {
    if let Ok(key) = std::fs::canonicalize(path) {
        parsed_documents()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, doc);
    }
}

/// The document the run parsed from the file at `path`, if any.
fn parsed_document(path: &Path) -> Option<std::sync::Arc<Document>> {
    let docs = parsed_documents().lock().unwrap_or_else(|e| e.into_inner());
    if docs.is_empty() {
        return None;
    }
    docs.get(&std::fs::canonicalize(path).ok()?).cloned()
}

/// The files of the context at `root`, sorted, and the walk's problems:
/// listed once per run, since Dockerfiles often share a folder.
fn cached_files(root: &Path) -> (Vec<String>, Vec<String>) {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    type Cache = Mutex<HashMap<PathBuf, (Vec<String>, Vec<String>)>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(hit) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(root) {
        return hit.clone();
    }
    let w = walk(root, &IgnoreFile::default());
    let mut files: Vec<String> = w.entries.into_iter().map(|e| e.path).collect();
    files.sort();
    let value = (files, w.problems);
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(root.to_path_buf(), value.clone());
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(root: &Path, rel: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "x").unwrap();
    }

    /// A real context with secrets, dependencies and `COPY . .`: the
    /// listing says exactly which files leave the build, and the copy
    /// of an excluded file is found through the whole pipeline.
    #[test]
    fn listing_shows_which_files_leave_the_build() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        for f in [
            ".env",
            "id_rsa",
            "package.json",
            "server.js",
            "node_modules/express/index.js",
            "node_modules/express/lib/router.js",
            "config/app.key",
            "config/app.toml",
            "docs/keep.md",
        ] {
            touch(root, f);
        }
        std::fs::write(
            root.join("Dockerfile"),
            "FROM node:22-slim\nCOPY . .\nCOPY config/app.key /etc/app.key\nCMD [\"node\", \"server.js\"]\n",
        )
        .unwrap();
        std::fs::write(
            root.join(".dockerignore"),
            "**/.env\n**/id_rsa*\n**/*.key\n**/node_modules\n",
        )
        .unwrap();
        let listing = listing_for(&root.join("Dockerfile"), false).unwrap();
        assert_eq!(
            listing.excluded(),
            [
                ".env",
                "config/app.key",
                "id_rsa",
                "node_modules/express/index.js",
                "node_modules/express/lib/router.js"
            ]
        );
        assert_eq!(listing.dockerfile, "Dockerfile");
        assert!(listing.problems.is_empty());

        let mut configs = crate::resolve::Configs::new(None).unwrap();
        let options = crate::pipeline::RunOptions {
            mode: crate::pipeline::Mode::Check,
            overrides: crate::resolve::Overrides {
                offline: true,
                ..crate::resolve::Overrides::default()
            },
            stdin: false,
        };
        let path = root.join("Dockerfile");
        let text = std::fs::read_to_string(&path).unwrap();
        let o = crate::pipeline::process_one(&path, &text, &mut configs, &options);
        let df605: Vec<&str> = o
            .findings
            .iter()
            .filter(|f| f.rule.id == "DF605")
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(df605.len(), 1, "{df605:?}");
        assert!(df605[0].contains("`config/app.key`") && df605[0].contains("line 3"));
    }

    /// The case: a context with `.env`, `id_rsa`, `node_modules`
    /// and a `COPY . .`: the `.dockerignore` DF601 creates (unsafe: the
    /// image changes) excludes them, and the listing with the matcher
    /// applied says exactly which files leave the build.
    #[test]
    fn created_ignore_file_keeps_secrets_and_dependencies_out() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        for f in [
            ".env",
            "id_rsa",
            "package.json",
            "package-lock.json",
            "server.js",
            "src/app.js",
            "node_modules/express/index.js",
            "node_modules/express/lib/router.js",
            ".git/HEAD",
        ] {
            touch(root, f);
        }
        let path = root.join("Dockerfile");
        let text = "FROM node:22-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n";
        std::fs::write(&path, text).unwrap();
        let config = root.join("dfix.toml");
        std::fs::write(&config, "select = [\"DF6\"]\n").unwrap();
        let mut configs = crate::resolve::Configs::new(Some(&config)).unwrap();
        let options = crate::pipeline::RunOptions {
            mode: crate::pipeline::Mode::Fix,
            overrides: crate::resolve::Overrides {
                offline: true,
                unsafe_fixes: true,
                ..crate::resolve::Overrides::default()
            },
            stdin: false,
        };
        let o = crate::pipeline::process_one(&path, text, &mut configs, &options);
        assert_eq!(o.companions.len(), 1, "{:?}", o.findings);
        let c = &o.companions[0];
        assert_eq!(c.path, root.join(".dockerignore"));
        assert!(c.original.is_none());
        assert!(!c.path.exists(), "the pipeline writes nothing");
        std::fs::write(&c.path, &c.text).unwrap();
        let listing = listing_for(&path, false).unwrap();
        assert_eq!(listing.ignore.as_ref().unwrap().path, ".dockerignore");
        assert_eq!(
            listing.excluded(),
            [
                ".env",
                ".git/HEAD",
                "id_rsa",
                "node_modules/express/index.js",
                "node_modules/express/lib/router.js"
            ]
        );
    }

    #[test]
    fn dockerfile_specific_ignore_file_wins() {
        let d = tempfile::tempdir().unwrap();
        touch(d.path(), "Dockerfile");
        std::fs::write(d.path().join(".dockerignore"), "a\n").unwrap();
        let (p, t) = ignore_file_for(&d.path().join("Dockerfile"), d.path()).unwrap();
        assert!(p.ends_with(".dockerignore") && t == "a\n");
        std::fs::write(d.path().join("Dockerfile.dockerignore"), "b\n").unwrap();
        let (p, t) = ignore_file_for(&d.path().join("Dockerfile"), d.path()).unwrap();
        assert!(p.ends_with("Dockerfile.dockerignore") && t == "b\n");
    }

    #[test]
    #[cfg(unix)]
    fn loops_and_unreadable_folders_are_reported_not_fatal() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        touch(d.path(), "src/main.rs");
        std::os::unix::fs::symlink("loop", d.path().join("loop")).unwrap();
        std::os::unix::fs::symlink(d.path(), d.path().join("src/up")).unwrap();
        let locked = d.path().join("locked");
        std::fs::create_dir(&locked).unwrap();
        touch(d.path(), "locked/f");
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        let w = walk(d.path(), &IgnoreFile::default());
        // Root can read anything: the unreadable folder only shows for others.
        let readable_anyway = std::fs::read_dir(&locked).is_ok();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
        let paths: Vec<&str> = w.entries.iter().map(|e| e.path.as_str()).collect();
        assert!(paths.contains(&"src/main.rs") && paths.contains(&"src/up"));
        assert!(
            w.problems.iter().any(|p| p == "symlink loop at loop"),
            "{:?}",
            w.problems
        );
        assert!(
            readable_anyway
                || w.problems
                    .iter()
                    .any(|p| p.starts_with("cannot read folder locked"))
        );
    }
}
