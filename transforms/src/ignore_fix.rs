//! What a build context's `.dockerignore` should say: the shared planner of
//! DF601 (create one), DF602 (append the secret patterns it misses) and
//! DF604 (anchor a slash-less pattern that was meant for every depth).
//! Pure: the Dockerfile, the context listing and the ignore file's text in;
//! findings and the ignore file's edits out. The application writes the
//! file (or not: stdin mode and editors only report).
//!
//! The guards, run with the real matcher ([`IgnoreFile`], `!` included) on
//! the final text:
//! - a path a `COPY`/`ADD`/bind mount names literally is never excluded: a
//!   pattern that would catch it is followed by `!path` (re-included), and
//!   the message says so;
//! - a glob source (`COPY *.pem /certs/`) whose files a pattern would catch
//!   keeps them by leaving that pattern out (a re-include of today's files
//!   would miss tomorrow's), and the message says so;
//! - a folder or whole-context source (`COPY . .`, `COPY src/ /app/`) that
//!   loses files is the purpose of the fix, but it changes the image: the
//!   fix is then unsafe. With no source losing a file the image cannot
//!   change (RUN sees the context only through bind mounts), so it is safe;
//! - other Dockerfiles of the context that read the same root ignore file
//!   ([`ContextListing::siblings`]) count as sources too.

use std::collections::HashMap;
use std::ops::Range;

use dfix_grammar::{Document, Kind};

use crate::context::ContextListing;
use crate::dockerignore::{IgnoreFile, Pattern};
use crate::edit::{CompanionEdit, Edit};

/// Files that hold secrets, in the recursive form (`.dockerignore` anchors
/// slash-less patterns at the context root).
pub const SECRET_PATTERNS: &[&str] = &[
    "**/.env",
    "**/.env.*",
    "**/*.pem",
    "**/*.key",
    "**/.aws",
    "**/.ssh",
    "**/id_rsa*",
    "**/id_ed25519*",
    "**/id_ecdsa*",
    "**/credentials.json",
    "**/*.p12",
    "**/*.pfx",
];

/// Name endings of templates and public halves that secret patterns catch
/// but that hold no secret (`.env.example`, `id_rsa.pub`).
const NOT_SECRET_SUFFIXES: &[&str] = &[
    ".example",
    ".sample",
    ".template",
    ".tmpl",
    ".dist",
    ".pub",
    ".defaults",
];

/// Which rule a planned finding belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// DF601: no ignore file.
    Missing,
    /// DF602: secret patterns missing.
    Secrets,
    /// DF604: a slash-less pattern that misses deeper files.
    Unanchored,
}

/// One planned finding.
#[derive(Debug, Clone)]
pub struct Planned {
    /// Its rule.
    pub which: Which,
    /// The finding's message.
    pub message: String,
    /// Where in the Dockerfile (the first instruction that uses the context).
    pub span: Range<usize>,
    /// The fix: its message, whether it is safe, and the ignore file edit.
    pub fix: Option<(String, bool, CompanionEdit)>,
}

/// How a Dockerfile takes files from the build context.
#[derive(Debug, Clone, PartialEq, Eq)]
enum SourceKind {
    /// A file or folder named literally.
    Literal,
    /// A glob (`*`, `?`, `[`).
    Glob,
    /// The whole context (`.`, a variable, a bind mount without source).
    Whole,
}

#[derive(Debug, Clone)]
struct Source {
    /// Cleaned: no `./`, no leading or trailing `/`.
    path: String,
    kind: SourceKind,
    /// `Dockerfile:3`, for messages.
    at: String,
}

impl Source {
    fn selects(&self, matcher: &Option<IgnoreFile>, file: &str) -> bool {
        match self.kind {
            SourceKind::Whole => true,
            SourceKind::Literal => {
                file == self.path
                    || file
                        .strip_prefix(self.path.as_str())
                        .is_some_and(|r| r.starts_with('/'))
            }
            SourceKind::Glob => matcher.as_ref().is_some_and(|m| m.excludes(file)),
        }
    }
}

fn clean_source(v: &str) -> String {
    let mut p = v;
    while let Some(r) = p.strip_prefix("./") {
        p = r;
    }
    p.trim_start_matches('/').trim_end_matches('/').to_string()
}

/// The context sources of `doc` (its own and, through `name`, named in
/// messages), with the span of the first instruction that uses the context.
fn sources_of(doc: &Document, name: &str) -> (Vec<Source>, Option<Range<usize>>) {
    let mut out = Vec::new();
    let mut first = None;
    for ins in &doc.instructions {
        let at = format!("{name}:{}", ins.start_line);
        let before = out.len();
        match ins.kind {
            Kind::Copy | Kind::Add if ins.flag("from").is_none() => {
                let Some((_, sources)) = ins.words.split_last() else {
                    continue;
                };
                for w in sources {
                    let v = w.value();
                    if v.starts_with("<<") || v.contains("://") || v.starts_with("git@") {
                        continue;
                    }
                    let path = clean_source(v);
                    let kind = if w.has_variable() || path.is_empty() || path == "." {
                        SourceKind::Whole
                    } else if path.contains(['*', '?', '[']) {
                        SourceKind::Glob
                    } else {
                        SourceKind::Literal
                    };
                    out.push(Source {
                        path,
                        kind,
                        at: at.clone(),
                    });
                }
            }
            Kind::Run => {
                for f in &ins.flags {
                    if !f.name.eq_ignore_ascii_case("mount") {
                        continue;
                    }
                    let Some(value) = &f.value else { continue };
                    let mut bind = true;
                    let mut from = false;
                    let mut source = String::from(".");
                    for field in value.split(',') {
                        let (k, v) = field.split_once('=').unwrap_or((field, ""));
                        match k.trim().to_ascii_lowercase().as_str() {
                            "type" => bind = v.trim().eq_ignore_ascii_case("bind"),
                            "from" => from = true,
                            "source" | "src" => source = v.trim().to_string(),
                            _ => {}
                        }
                    }
                    if !bind || from {
                        continue;
                    }
                    let path = clean_source(&source);
                    let kind = if path.is_empty() || path == "." || path.contains('$') {
                        SourceKind::Whole
                    } else if path.contains(['*', '?', '[']) {
                        SourceKind::Glob
                    } else {
                        SourceKind::Literal
                    };
                    out.push(Source {
                        path,
                        kind,
                        at: at.clone(),
                    });
                }
            }
            _ => {}
        }
        if first.is_none() && out.len() > before {
            first = Some(ins.span.clone());
        }
    }
    (out, first)
}

/// A pattern the planner may add: `**/SEG` (any depth) or `SEG` (root).
struct Candidate {
    text: String,
    seg: Pattern,
    anywhere: bool,
    group: &'static str,
    /// A dependency or build folder: kept only when every Dockerfile that
    /// copies it through a folder or the whole context recreates it.
    recreate: Option<fn(&Use) -> bool>,
}

fn candidate(text: &str, group: &'static str) -> Candidate {
    let (anywhere, seg) = match text.strip_prefix("**/") {
        Some(s) => (true, s),
        None => (false, text),
    };
    let seg = IgnoreFile::parse(seg)
        .patterns
        .into_iter()
        .next()
        .expect("candidate patterns are valid");
    Candidate {
        text: text.to_string(),
        seg,
        anywhere,
        group,
        recreate: None,
    }
}

fn is_secret_name(name: &str) -> bool {
    !NOT_SECRET_SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// Which candidates match each file (the file or a parent folder), and
/// which of those matches are secrets. One memo per distinct file or
/// folder name, so a `node_modules` of 100,000 files costs one hash
/// look-up per path component.
struct Masks {
    all: Vec<u64>,
    secret: Vec<u64>,
}

fn masks(files: &[String], cands: &[Candidate]) -> Masks {
    let root_only: u64 = cands
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.anywhere)
        .fold(0, |m, (i, _)| m | (1 << i));
    let mut memo: HashMap<&str, u64> = HashMap::new();
    let mut all = Vec::with_capacity(files.len());
    let mut secret = Vec::with_capacity(files.len());
    for f in files {
        let (mut a, mut s) = (0u64, 0u64);
        for (depth, name) in f.split('/').enumerate() {
            let m = *memo.entry(name).or_insert_with(|| {
                cands
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.seg.matches(name))
                    .fold(0, |m, (i, _)| m | (1 << i))
            });
            let m = if depth == 0 { m } else { m & !root_only };
            a |= m;
            if m != 0 && is_secret_name(name) {
                s |= m;
            }
        }
        all.push(a);
        secret.push(s);
    }
    Masks { all, secret }
}

/// Does candidate `c` exclude the literal path `p` (it or a parent)?
fn catches(c: &Candidate, p: &str) -> bool {
    p.split('/')
        .enumerate()
        .any(|(depth, name)| (c.anywhere || depth == 0) && c.seg.matches(name))
}

fn has_name(files: &[String], name: &str) -> bool {
    files.iter().any(|f| f.split('/').any(|n| n == name))
}

/// True when a literal or glob source takes `file`: the Dockerfile needs
/// it, so it is no secret that leaks by accident.
fn needed(sources: &[(Source, Option<IgnoreFile>)], file: &str) -> bool {
    sources
        .iter()
        .any(|(s, m)| s.kind != SourceKind::Whole && s.selects(m, file))
}

fn has_basename(files: &[String], pred: impl Fn(&str) -> bool) -> bool {
    files
        .iter()
        .any(|f| pred(f.rsplit('/').next().unwrap_or(f)))
}

/// The commands the Dockerfile's RUNs call, as `name sub` pairs.
fn run_commands(doc: &Document) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (_, _, scripts) in crate::pkg::runs(doc) {
        for s in &scripts {
            for cmd in s.commands() {
                let Some(name) = cmd.name_str() else { continue };
                let sub = cmd
                    .args
                    .iter()
                    .filter_map(|w| w.value.as_deref())
                    .find(|a| !a.starts_with('-'))
                    .unwrap_or("")
                    .to_string();
                out.push((name.rsplit('/').next().unwrap_or(name).to_string(), sub));
            }
        }
    }
    out
}

/// What one Dockerfile takes from the build context and what its RUNs
/// call: the part of another Dockerfile of the context the planner needs,
/// read once from its text.
#[derive(Debug, Clone)]
pub struct ContextUse(Use);

impl ContextUse {
    /// Reads the Dockerfile `text`, named `name` in messages.
    pub fn of(text: &str, name: &str) -> ContextUse {
        ContextUse::of_document(&Document::parse(text), name)
    }

    /// Reads the parsed Dockerfile `doc`, named `name` in messages.
    pub fn of_document(doc: &Document, name: &str) -> ContextUse {
        ContextUse(Use {
            cmds: run_commands(doc),
            sources: sources_of(doc, name).0,
        })
    }
}

/// One Dockerfile of the context: the commands its RUNs call and its
/// context sources.
#[derive(Debug, Clone)]
struct Use {
    cmds: Vec<(String, String)>,
    sources: Vec<Source>,
}

impl Use {
    fn runs(&self, name: &str, subs: &[&str]) -> bool {
        self.cmds
            .iter()
            .any(|(n, s)| n == name && (subs.is_empty() || subs.contains(&s.as_str())))
    }

    /// True when a folder or whole-context source takes files that `c`
    /// catches (`COPY . .` with a `node_modules` in the context).
    fn takes(&self, caught: &[&str]) -> bool {
        self.sources
            .iter()
            .any(|s| s.kind != SourceKind::Glob && caught.iter().any(|f| s.selects(&None, f)))
    }
}

fn installs_node(u: &Use) -> bool {
    u.runs("npm", &["install", "ci", "i"])
        || u.runs("yarn", &[])
        || u.runs("pnpm", &["install", "i"])
        || u.runs("bun", &["install", "i"])
}

fn installs_python(u: &Use) -> bool {
    u.runs("pip", &["install"])
        || u.runs("pip3", &["install"])
        || u.runs("poetry", &["install"])
        || u.runs("uv", &["sync", "pip"])
        || u.runs("pipenv", &["install"])
}

fn builds_rust(u: &Use) -> bool {
    u.runs("cargo", &["build", "install"])
}

/// The patterns a new ignore file starts from: secrets always, version
/// control, and each ecosystem the context shows. A dependency or build
/// folder only when every Dockerfile of the context that copies it
/// (`COPY . .`) recreates it (`npm ci`, `pip install`, `cargo build`);
/// `.git` not when a RUN reads the history. Every Dockerfile of the
/// context gets the same answer, so two of them plan the same file.
fn default_candidates(uses: &[Use], files: &[String]) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = SECRET_PATTERNS
        .iter()
        .map(|p| candidate(p, "secrets"))
        .collect();
    let reads_history = uses.iter().any(|u| {
        u.runs(
            "git",
            &[
                "describe",
                "rev-parse",
                "log",
                "rev-list",
                "show",
                "status",
                "diff",
                "submodule",
                "ls-files",
            ],
        )
    });
    if !reads_history {
        out.push(candidate("**/.git", "version control"));
        for vcs in [".hg", ".svn"] {
            if has_name(files, vcs) {
                out.push(candidate(&format!("**/{vcs}"), "version control"));
            }
        }
    }
    let dependency = |text: &str, group: &'static str, makes: fn(&Use) -> bool| Candidate {
        recreate: Some(makes),
        ..candidate(text, group)
    };
    if has_basename(files, |n| n == "package.json") {
        out.push(dependency("**/node_modules", "Node.js", installs_node));
        out.push(candidate("**/npm-debug.log*", "Node.js"));
        out.push(candidate("**/yarn-error.log*", "Node.js"));
    }
    if has_basename(files, |n| {
        n == "pyproject.toml"
            || n == "setup.py"
            || n == "Pipfile"
            || (n.starts_with("requirements") && n.ends_with(".txt"))
    }) {
        for p in [
            "**/__pycache__",
            "**/*.py[cod]",
            "**/.pytest_cache",
            "**/.mypy_cache",
            "**/.ruff_cache",
            "**/.tox",
        ] {
            out.push(candidate(p, "Python"));
        }
        out.push(dependency("**/.venv", "Python", installs_python));
    }
    if files.iter().any(|f| f == "Cargo.toml") {
        out.push(candidate("**/*.rs.bk", "Rust"));
        out.push(dependency("target", "Rust", builds_rust));
    }
    if has_basename(files, |n| {
        n == "build.gradle" || n == "build.gradle.kts" || n == "settings.gradle"
    }) {
        out.push(candidate("**/.gradle", "Gradle"));
    }
    out.truncate(64);
    out
}

/// What a candidate does to the sources: the literal paths to re-include,
/// whether a glob source loses files (then the candidate is left out), and
/// whether a folder or whole-context source loses files (unsafe).
#[derive(Default)]
struct Effect {
    reinclude: Vec<String>,
    glob_loses: Option<String>,
    folder_loses: bool,
}

fn effect(
    c: &Candidate,
    bit: u64,
    files: &[String],
    masks: &Masks,
    sources: &[(Source, Option<IgnoreFile>)],
    current: &IgnoreFile,
) -> Effect {
    let mut e = Effect::default();
    // The files the candidate catches that are in the build now: usually
    // none, so the sources below cost nothing.
    let caught: Vec<&str> = files
        .iter()
        .zip(&masks.all)
        .filter(|(f, mask)| *mask & bit != 0 && !current.excludes(f))
        .map(|(f, _)| f.as_str())
        .collect();
    for (s, m) in sources {
        if s.kind == SourceKind::Literal && catches(c, &s.path) {
            if !e.reinclude.contains(&s.path) {
                e.reinclude.push(s.path.clone());
            }
            continue;
        }
        let loses = caught.iter().any(|f| s.selects(m, f));
        if !loses {
            continue;
        }
        match s.kind {
            SourceKind::Glob => e.glob_loses = Some(format!("{} ({})", s.path, s.at)),
            _ => e.folder_loses = true,
        }
    }
    e
}

fn eol_of(text: &str) -> &'static str {
    if text.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    }
}

fn quote_list(items: &[String], max: usize) -> String {
    let mut s: Vec<String> = items.iter().take(max).map(|i| format!("`{i}`")).collect();
    if items.len() > max {
        s.push(format!("{} more", items.len() - max));
    }
    s.join(", ")
}

/// The findings of the `.dockerignore` rules for `doc` in the context
/// `listing`.
pub fn plan(doc: &Document, listing: &ContextListing) -> Vec<Planned> {
    plan_only(doc, listing, None)
}

/// [`plan`] for one rule only (`Some(which)`), which skips the others'
/// work: each rule runs in every fix round over the whole listing.
pub fn plan_only(doc: &Document, listing: &ContextListing, only: Option<Which>) -> Vec<Planned> {
    let wanted = |w: Which| only.is_none_or(|o| o == w);
    if listing.ignore.is_none() && !wanted(Which::Missing)
        || listing.ignore.is_some() && !wanted(Which::Secrets) && !wanted(Which::Unanchored)
    {
        return Vec::new();
    }
    let name = if listing.dockerfile.is_empty() {
        "Dockerfile"
    } else {
        listing.dockerfile.as_str()
    };
    let (own, first) = sources_of(doc, name);
    let Some(span) = first else {
        // The Dockerfile takes nothing from the context.
        return Vec::new();
    };
    let files = &listing.files;
    // The model takes the Dockerfile's folder as the context; a literal
    // source that is not there says the real context is elsewhere.
    let exists = |p: &str| {
        files.binary_search_by(|f| f.as_str().cmp(p)).is_ok()
            || files
                .iter()
                .any(|f| f.strip_prefix(p).is_some_and(|r| r.starts_with('/')))
    };
    if own
        .iter()
        .any(|s| s.kind == SourceKind::Literal && !exists(&s.path))
    {
        return Vec::new();
    }
    let root_file = listing
        .ignore
        .as_ref()
        .is_none_or(|i| i.path == ".dockerignore");
    let mut uses = vec![Use {
        cmds: run_commands(doc),
        sources: own,
    }];
    if root_file {
        for sib in listing
            .siblings
            .iter()
            .filter(|s| s.path != listing.dockerfile)
        {
            uses.push(sib.uses().0.clone());
        }
    }
    let sources: Vec<Source> = uses.iter().flat_map(|u| u.sources.clone()).collect();
    let sources: Vec<(Source, Option<IgnoreFile>)> = sources
        .into_iter()
        .map(|s| {
            let m = (s.kind == SourceKind::Glob).then(|| IgnoreFile::parse(&s.path));
            (s, m)
        })
        .collect();
    match &listing.ignore {
        None => plan_missing(&uses, files, &sources, span)
            .into_iter()
            .collect(),
        Some(ignore) => {
            let mut out = Vec::new();
            if wanted(Which::Secrets) {
                out.extend(plan_secrets(
                    &ignore.path,
                    &ignore.text,
                    files,
                    &sources,
                    span.clone(),
                ));
            }
            if wanted(Which::Unanchored) {
                out.extend(plan_unanchored(
                    &ignore.path,
                    &ignore.text,
                    files,
                    &sources,
                    span,
                ));
            }
            out
        }
    }
}

/// Checks a candidate ignore text against the sources: every literal
/// source still in, no glob source loses a file; and whether a folder or
/// whole-context source loses one (`Some(true)`: unsafe).
fn verify(
    before: &IgnoreFile,
    after_text: &str,
    files: &[String],
    changed: &[bool],
    sources: &[(Source, Option<IgnoreFile>)],
) -> Option<bool> {
    let after = IgnoreFile::parse(after_text);
    let mut unsafe_ = false;
    for (s, m) in sources {
        if s.kind == SourceKind::Literal && !before.excludes(&s.path) && after.excludes(&s.path) {
            return None;
        }
        // Cheap tests first; stops at the first file lost (matching a
        // path against the whole file is the slow part).
        let loses = files
            .iter()
            .zip(changed)
            .any(|(f, c)| *c && s.selects(m, f) && !before.excludes(f) && after.excludes(f));
        if loses {
            if s.kind == SourceKind::Glob {
                return None;
            }
            unsafe_ = true;
        }
    }
    Some(unsafe_)
}

fn plan_missing(
    uses: &[Use],
    files: &[String],
    sources: &[(Source, Option<IgnoreFile>)],
    span: Range<usize>,
) -> Option<Planned> {
    let cands = default_candidates(uses, files);
    let m = masks(files, &cands);
    let none = IgnoreFile::default();
    let mut kept: Vec<(usize, Effect)> = Vec::new();
    let mut left_out = Vec::new();
    for (i, c) in cands.iter().enumerate() {
        if let Some(makes) = c.recreate {
            let caught: Vec<&str> = files
                .iter()
                .zip(&m.all)
                .filter(|(_, mask)| *mask & (1 << i) != 0)
                .map(|(f, _)| f.as_str())
                .collect();
            if !caught.is_empty() && !uses.iter().all(|u| makes(u) || !u.takes(&caught)) {
                continue;
            }
        }
        let e = effect(c, 1 << i, files, &m, sources, &none);
        match &e.glob_loses {
            Some(why) => left_out.push(format!("`{}` (needed by `COPY {why}`)", c.text)),
            None => kept.push((i, e)),
        }
    }
    let mut text = String::from(
        "# Created by dfix (DF601): keeps secrets, version control data and local\n\
         # build output out of the build context. Patterns are anchored at the\n\
         # context root: `**/` makes one match at any depth.\n",
    );
    let mut group = "";
    let mut reinclude: Vec<String> = Vec::new();
    let mut bits = 0u64;
    for (i, e) in &kept {
        let c = &cands[*i];
        if c.group != group {
            group = c.group;
            text.push_str(&format!("\n# {group}\n"));
        }
        text.push_str(&c.text);
        text.push('\n');
        bits |= 1 << i;
        for r in &e.reinclude {
            if !reinclude.contains(r) {
                reinclude.push(r.clone());
            }
        }
    }
    if !reinclude.is_empty() {
        text.push_str("\n# Named by COPY/ADD: kept in the build context\n");
        for r in &reinclude {
            text.push_str(&format!("!{r}\n"));
        }
    }
    let changed: Vec<bool> = m.all.iter().map(|a| a & bits != 0).collect();
    let unsafe_ = verify(&none, &text, files, &changed, sources)?;
    let secret_bits: u64 = cands
        .iter()
        .enumerate()
        .filter(|(_, c)| c.group == "secrets")
        .fold(0, |m, (i, _)| m | (1 << i));
    let secret: Vec<String> = files
        .iter()
        .zip(&m.secret)
        .filter(|(f, s)| **s & secret_bits != 0 && !needed(sources, f))
        .map(|(f, _)| f.clone())
        .collect();
    let leaving = changed.iter().filter(|c| **c).count();
    let mut message = String::from("The build context has no `.dockerignore`");
    if secret.is_empty() {
        message.push_str(": every file in it is sent to the builder");
    } else {
        message.push_str(&format!(
            ": secret files ({}) are sent to the builder",
            quote_list(&secret, 3)
        ));
    }
    if sources.iter().any(|(s, _)| s.kind == SourceKind::Whole) {
        message.push_str(" and copied into the image");
    }
    let mut fix_message = format!(
        "Create `.dockerignore` with {} patterns ({} files leave the build context)",
        kept.len(),
        leaving
    );
    if !reinclude.is_empty() {
        let named: Vec<String> = reinclude.iter().map(|r| format!("!{r}")).collect();
        fix_message.push_str(&format!(
            "; re-included because the Dockerfile copies them: {}",
            quote_list(&named, 5)
        ));
    }
    if !left_out.is_empty() {
        fix_message.push_str(&format!("; left out: {}", left_out.join(", ")));
    }
    Some(Planned {
        which: Which::Missing,
        message,
        span,
        fix: Some((
            fix_message,
            !unsafe_,
            CompanionEdit {
                path: ".dockerignore".into(),
                original: None,
                edits: vec![Edit::insert(0, text)],
            },
        )),
    })
}

fn plan_secrets(
    path: &str,
    text: &str,
    files: &[String],
    sources: &[(Source, Option<IgnoreFile>)],
    span: Range<usize>,
) -> Option<Planned> {
    let cands: Vec<Candidate> = SECRET_PATTERNS
        .iter()
        .map(|p| candidate(p, "secrets"))
        .collect();
    let m = masks(files, &cands);
    let current = IgnoreFile::parse(text);
    // Secret files the current file lets through, per candidate.
    let mut exposed: Vec<Vec<&str>> = vec![Vec::new(); cands.len()];
    // Per candidate: the first line it must go before (a user's `!` that
    // re-includes a file that is not a secret) and the last line it must
    // go after (a user's `!` that re-includes a secret).
    let mut before: Vec<Option<usize>> = vec![None; cands.len()];
    let mut after: Vec<usize> = vec![0; cands.len()];
    for ((f, all), secret) in files.iter().zip(&m.all).zip(&m.secret) {
        if *all == 0 {
            continue;
        }
        if needed(sources, f) {
            continue;
        }
        let deciding = current.deciding(f);
        let reinclude = deciding.filter(|p| p.negate).map(|p| p.line);
        for i in 0..cands.len() {
            let bit = 1u64 << i;
            if all & bit == 0 {
                continue;
            }
            if secret & bit != 0 {
                if deciding.is_none_or(|p| p.negate) {
                    exposed[i].push(f);
                }
                if let Some(l) = reinclude {
                    after[i] = after[i].max(l);
                }
            } else if let Some(l) = reinclude {
                before[i] = Some(before[i].map_or(l, |b| b.min(l)));
            }
        }
    }
    let mut left_out = Vec::new();
    let mut overridden: Vec<usize> = Vec::new();
    let mut end: Vec<(usize, Effect)> = Vec::new();
    let mut mid: Vec<(usize, usize, Effect)> = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    for i in 0..cands.len() {
        if exposed[i].is_empty() {
            continue;
        }
        let c = &cands[i];
        missing.push(format!("`{}` ({})", exposed[i][0], c.text));
        let e = effect(c, 1 << i, files, &m, sources, &current);
        if let Some(why) = &e.glob_loses {
            left_out.push(format!("`{}` (needed by `COPY {why}`)", c.text));
            continue;
        }
        match before[i] {
            Some(b) if b <= after[i] => {
                left_out.push(format!(
                    "`{}` (line {b} re-includes a file it catches, line {} a secret)",
                    c.text, after[i]
                ));
            }
            Some(b) => mid.push((i, b, e)),
            None => {
                if after[i] > 0 {
                    overridden.push(after[i]);
                }
                end.push((i, e))
            }
        }
    }
    if missing.is_empty() {
        return None;
    }
    let message = format!(
        "`{path}` lets secret files into the build context: {}",
        missing.join(", ")
    );
    if end.is_empty() && mid.is_empty() {
        return Some(Planned {
            which: Which::Secrets,
            message: format!(
                "{message}; no pattern can be added: {}",
                left_out.join(", ")
            ),
            span,
            fix: None,
        });
    }
    let eol = eol_of(text);
    let mut edits: Vec<Edit> = Vec::new();
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let mut by_line: Vec<(usize, Vec<usize>)> = Vec::new();
    for (i, line, _) in &mid {
        match by_line.iter_mut().find(|(l, _)| l == line) {
            Some((_, v)) => v.push(*i),
            None => by_line.push((*line, vec![*i])),
        }
    }
    let mut bits = 0u64;
    for (line, idx) in &by_line {
        let at = line_starts.get(line - 1).copied().unwrap_or(text.len());
        let mut block =
            format!("# Added by dfix (DF602): secret files; before the re-include below{eol}");
        for i in idx {
            block.push_str(&cands[*i].text);
            block.push_str(eol);
            bits |= 1 << i;
        }
        edits.push(Edit::insert(at, block));
    }
    let mut reinclude: Vec<String> = Vec::new();
    for e in end
        .iter()
        .map(|(_, e)| e)
        .chain(mid.iter().map(|(_, _, e)| e))
    {
        for r in &e.reinclude {
            if !reinclude.contains(r) {
                reinclude.push(r.clone());
            }
        }
    }
    if !end.is_empty() || !reinclude.is_empty() {
        let mut block = String::new();
        if !text.is_empty() && !text.ends_with('\n') {
            block.push_str(eol);
        }
        block.push_str(&format!(
            "# Added by dfix (DF602): secret files present in the build context{eol}"
        ));
        for (i, _) in &end {
            block.push_str(&cands[*i].text);
            block.push_str(eol);
            bits |= 1 << i;
        }
        for r in &reinclude {
            block.push_str(&format!("!{r}{eol}"));
        }
        edits.push(Edit::insert(text.len(), block));
    }
    let new_text = crate::edit::apply_edits(text, &edits).ok()?;
    let changed: Vec<bool> = m.all.iter().map(|a| a & bits != 0).collect();
    let unsafe_ = verify(&current, &new_text, files, &changed, sources)?;
    let added: Vec<String> = end
        .iter()
        .map(|(i, _)| i)
        .chain(mid.iter().map(|(i, _, _)| i))
        .map(|i| format!("`{}`", cands[*i].text))
        .collect();
    let mut fix_message = format!("Add {} to `{path}`", added.join(", "));
    if !mid.is_empty() {
        fix_message.push_str(" (some before a `!` line that re-includes a file that is no secret)");
    }
    if !overridden.is_empty() {
        overridden.sort_unstable();
        overridden.dedup();
        let lines: Vec<String> = overridden.iter().map(|l| format!("line {l}")).collect();
        fix_message.push_str(&format!(
            "; the `!` on {} re-included a secret and is now overridden",
            lines.join(", ")
        ));
    }
    if !left_out.is_empty() {
        fix_message.push_str(&format!("; left out: {}", left_out.join(", ")));
    }
    Some(Planned {
        which: Which::Secrets,
        message,
        span,
        fix: Some((
            fix_message,
            !unsafe_,
            CompanionEdit {
                path: path.to_string(),
                original: Some(text.to_string()),
                edits,
            },
        )),
    })
}

/// Slash-less names that authors mean for every depth (the `.gitignore`
/// habit): secrets, version control, dependency and cache folders, logs.
const MEANT_EVERYWHERE: &[&str] = &[
    ".env",
    ".env.*",
    ".env*",
    "*.pem",
    "*.key",
    ".aws",
    ".ssh",
    "id_rsa*",
    "id_ed25519*",
    "credentials.json",
    "*.p12",
    "*.pfx",
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "npm-debug.log*",
    "yarn-error.log*",
    "__pycache__",
    "*.pyc",
    "*.py[cod]",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".tox",
    ".venv",
    "*.log",
    ".DS_Store",
    "Thumbs.db",
    "*.swp",
    ".idea",
    ".vscode",
    ".cache",
    "*.rs.bk",
    ".gradle",
];

fn plan_unanchored(
    path: &str,
    text: &str,
    files: &[String],
    sources: &[(Source, Option<IgnoreFile>)],
    span: Range<usize>,
) -> Vec<Planned> {
    let current = IgnoreFile::parse(text);
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let mut out = Vec::new();
    for p in &current.patterns {
        if p.negate || !MEANT_EVERYWHERE.contains(&p.text.as_str()) {
            continue;
        }
        let start = line_starts[p.line - 1];
        let end = text[start..].find('\n').map_or(text.len(), |e| start + e);
        let raw = &text[start..end];
        let lead = raw.len() - raw.trim_start().len();
        // `/node_modules` is anchored on purpose.
        if raw.trim_start().starts_with('/') {
            continue;
        }
        let c = candidate(&format!("**/{}", p.text), "");
        let mut memo: HashMap<&str, bool> = HashMap::new();
        let deeper: Vec<bool> = files
            .iter()
            .map(|f| {
                f.split('/')
                    .skip(1)
                    .any(|n| *memo.entry(n).or_insert_with(|| c.seg.matches(n)))
            })
            .collect();
        let missed: Vec<String> = files
            .iter()
            .zip(&deeper)
            .filter(|(f, d)| **d && !current.excludes(f))
            .map(|(f, _)| f.clone())
            .collect();
        if missed.is_empty() {
            continue;
        }
        let message = format!(
            "`{path}` line {}: `{}` matches only at the context root in `.dockerignore` (unlike `.gitignore`), so {} stay in the build context",
            p.line,
            p.text,
            quote_list(&missed, 3)
        );
        let edit = Edit::insert(start + lead, "**/");
        let new_text = crate::edit::apply_edits(text, std::slice::from_ref(&edit)).ok();
        let fix = new_text
            .and_then(|t| verify(&current, &t, files, &deeper, sources))
            .map(|unsafe_| {
                (
                    format!("Write `**/{}` so it matches at any depth", p.text),
                    !unsafe_,
                    CompanionEdit {
                        path: path.to_string(),
                        original: Some(text.to_string()),
                        edits: vec![edit],
                    },
                )
            });
        out.push(Planned {
            which: Which::Unanchored,
            message,
            span: span.clone(),
            fix,
        });
    }
    out
}

/// The findings of rule `meta` (one of the `.dockerignore` rules, `which`)
/// on the rule's context: none without a context listing.
pub fn diagnostics(
    ctx: &crate::rule::Context,
    which: Which,
    meta: &'static crate::rule::RuleMeta,
) -> Vec<crate::diagnostic::Diagnostic> {
    let Some(listing) = &ctx.facts.listing else {
        return Vec::new();
    };
    plan_only(ctx.doc, listing, Some(which))
        .into_iter()
        .filter(|p| p.which == which)
        .map(|p| {
            crate::diagnostic::Diagnostic::new(meta, p.message, p.span).with_optional_fix(
                p.fix
                    .map(|(message, safe, edit)| crate::edit::Fix::companion(message, safe, edit)),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{IgnoreSource, SiblingDockerfile};

    fn listing(files: &[&str], ignore: Option<&str>) -> ContextListing {
        let mut files: Vec<String> = files.iter().map(|f| f.to_string()).collect();
        files.sort();
        ContextListing {
            files,
            ignore: ignore.map(|t| IgnoreSource {
                path: ".dockerignore".into(),
                text: t.into(),
            }),
            dockerfile: "Dockerfile".into(),
            ..ContextListing::default()
        }
    }

    fn run(dockerfile: &str, l: &ContextListing) -> Vec<Planned> {
        plan(&Document::parse(dockerfile), l)
    }

    /// The new text of the planned fix of `which`.
    fn fixed(p: &[Planned], which: Which, original: &str) -> String {
        let f = p.iter().find(|p| p.which == which).expect("a finding");
        let (_, _, e) = f.fix.as_ref().expect("a fix");
        crate::edit::apply_edits(original, &e.edits).unwrap()
    }

    const CONTEXT: &[&str] = &[
        ".env",
        ".env.example",
        "id_rsa",
        "id_rsa.pub",
        "package.json",
        "package-lock.json",
        "server.js",
        "node_modules/express/index.js",
        "config/app.key",
        "config/app.toml",
        ".git/HEAD",
        "certs/ca.pem",
    ];

    #[test]
    fn creates_a_file_that_keeps_secrets_out_and_named_files_in() {
        let l = listing(CONTEXT, None);
        let df = "FROM node:22-slim\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY server.js config/app.key ./\n";
        let p = run(df, &l);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].which, Which::Missing);
        assert!(p[0].message.contains("`.env`"), "{}", p[0].message);
        let (msg, safe, edit) = p[0].fix.as_ref().unwrap();
        assert!(*safe, "explicit sources only: safe");
        assert_eq!(edit.path, ".dockerignore");
        assert!(msg.contains("`!config/app.key`"), "{msg}");
        let text = fixed(&p, Which::Missing, "");
        let f = IgnoreFile::parse(&text);
        for gone in [
            ".env",
            "id_rsa",
            "node_modules/express/index.js",
            ".git/HEAD",
            "certs/ca.pem",
        ] {
            assert!(f.excludes(gone), "{gone}\n{text}");
        }
        for kept in [
            "server.js",
            "package.json",
            "config/app.key",
            "config/app.toml",
        ] {
            assert!(!f.excludes(kept), "{kept}\n{text}");
        }
        assert!(text.ends_with("!config/app.key\n"), "{text}");
        // Second run: the file exists and says everything: nothing to do.
        let l2 = listing(CONTEXT, Some(&text));
        assert!(run(df, &l2).is_empty());
    }

    #[test]
    fn whole_context_copy_makes_the_fix_unsafe() {
        let l = listing(CONTEXT, None);
        let p = run("FROM node:22\nCOPY . .\nRUN npm ci\n", &l);
        let (_, safe, _) = p[0].fix.as_ref().unwrap();
        assert!(!*safe);
        assert!(p[0].message.contains("copied into the image"));
    }

    #[test]
    fn dependency_folders_only_when_the_dockerfile_recreates_them() {
        let l = listing(CONTEXT, None);
        let text = fixed(&run("FROM node:22\nCOPY . .\n", &l), Which::Missing, "");
        assert!(!text.contains("node_modules"), "{text}");
        let text = fixed(
            &run("FROM node:22\nCOPY . .\nRUN git describe --tags\n", &l),
            Which::Missing,
            "",
        );
        assert!(!text.contains(".git"), "{text}");
    }

    #[test]
    fn a_glob_source_keeps_its_files_by_leaving_the_pattern_out() {
        let l = listing(CONTEXT, None);
        let p = run("FROM a\nCOPY certs/*.pem /certs/\n", &l);
        let (msg, _, _) = p[0].fix.as_ref().unwrap();
        assert!(msg.contains("left out: `**/*.pem`"), "{msg}");
        let text = fixed(&p, Which::Missing, "");
        assert!(!text.contains("*.pem"), "{text}");
        assert!(!IgnoreFile::parse(&text).excludes("certs/ca.pem"));
    }

    #[test]
    fn nothing_without_context_use_or_when_the_context_is_elsewhere() {
        let l = listing(CONTEXT, None);
        assert!(run("FROM a\nRUN echo hi\n", &l).is_empty());
        assert!(run("FROM a\nCOPY src/main.go /src/\n", &l).is_empty());
        assert!(run("FROM a\nCOPY --from=b /x /y\n", &l).is_empty());
    }

    #[test]
    fn a_sibling_dockerfile_sharing_the_root_file_is_guarded_too() {
        let mut l = listing(CONTEXT, None);
        l.siblings = std::sync::Arc::new(vec![
            SiblingDockerfile::new("Dockerfile", "FROM a\nCOPY missing.txt /\n"),
            SiblingDockerfile::new("Dockerfile.dev", "FROM a\nCOPY id_rsa /root/.ssh/id_rsa\n"),
        ]);
        let text = fixed(&run("FROM a\nCOPY server.js /\n", &l), Which::Missing, "");
        assert!(!IgnoreFile::parse(&text).excludes("id_rsa"), "{text}");
        assert!(IgnoreFile::parse(&text).excludes(".env"));
    }

    #[test]
    fn appends_missing_secret_patterns_only_for_files_present() {
        let ignore = "node_modules\n.git";
        let l = listing(CONTEXT, Some(ignore));
        let p = run("FROM a\nCOPY server.js /\n", &l);
        let s: Vec<&Planned> = p.iter().filter(|p| p.which == Which::Secrets).collect();
        assert_eq!(s.len(), 1);
        let text = fixed(&p, Which::Secrets, ignore);
        assert!(
            text.starts_with("node_modules\n.git\n# Added by dfix (DF602)"),
            "{text}"
        );
        for pat in ["**/.env\n", "**/*.pem\n", "**/*.key\n", "**/id_rsa*\n"] {
            assert!(text.contains(pat), "{pat}: {text}");
        }
        // Not present in the context: not added.
        assert!(!text.contains(".aws") && !text.contains("*.p12"), "{text}");
        // `.env.example` is no secret: `**/.env.*` is not needed for it.
        assert!(!text.contains("**/.env.*"), "{text}");
        let l2 = listing(CONTEXT, Some(&text));
        assert!(run("FROM a\nCOPY server.js /\n", &l2)
            .iter()
            .all(|p| p.which != Which::Secrets));
    }

    #[test]
    fn a_users_reinclude_of_a_non_secret_survives_the_append() {
        // `.env.local` is a secret; `.env.example` is re-included on purpose.
        let files = [".env.local", ".env.example", "app.js"];
        let ignore = "*.log\n!.env.example\n";
        let l = listing(&files, Some(ignore));
        let p = run("FROM a\nCOPY . .\n", &l);
        let text = fixed(&p, Which::Secrets, ignore);
        let f = IgnoreFile::parse(&text);
        assert!(f.excludes(".env.local"), "{text}");
        assert!(!f.excludes(".env.example"), "{text}");
        assert!(text.find("**/.env.*").unwrap() < text.find("!.env.example").unwrap());
        // `COPY . .` loses `.env.local`: unsafe.
        assert!(!p[0].fix.as_ref().unwrap().1);
    }

    #[test]
    fn a_users_reinclude_of_a_secret_is_overridden_and_said() {
        let files = ["id_rsa", "app.js"];
        let ignore = "id_rsa\n!id_rsa\n";
        let l = listing(&files, Some(ignore));
        let p = run("FROM a\nCOPY app.js /\n", &l);
        let (msg, safe, _) = p[0].fix.as_ref().unwrap();
        assert!(msg.contains("line 2 re-included a secret"), "{msg}");
        assert!(*safe);
        assert!(IgnoreFile::parse(&fixed(&p, Which::Secrets, ignore)).excludes("id_rsa"));
        // Unless the Dockerfile copies it: then it stays.
        let p = run("FROM a\nCOPY id_rsa /root/.ssh/\n", &l);
        assert!(p.iter().all(|p| p.which != Which::Secrets), "{p:?}");
    }

    #[test]
    fn anchors_slashless_patterns_meant_for_every_depth() {
        let files = [
            "node_modules/a.js",
            "web/node_modules/b.js",
            "web/app.js",
            "README.md",
            "docs/README.md",
        ];
        let ignore = "node_modules\r\nREADME.md\r\n/.git\r\n";
        let l = listing(&files, Some(ignore));
        let p = run("FROM a\nCOPY web/app.js /\n", &l);
        let u: Vec<&Planned> = p.iter().filter(|p| p.which == Which::Unanchored).collect();
        assert_eq!(u.len(), 1, "README.md is not a junk name: {p:?}");
        assert!(u[0].message.contains("`web/node_modules/b.js`"));
        let (_, safe, _) = u[0].fix.as_ref().unwrap();
        assert!(*safe);
        assert_eq!(
            fixed(&p, Which::Unanchored, ignore),
            "**/node_modules\r\nREADME.md\r\n/.git\r\n"
        );
        // With a folder copy of `web/` the fix changes the image: unsafe.
        let p = run("FROM a\nCOPY web /app\n", &l);
        let u = p.iter().find(|p| p.which == Which::Unanchored).unwrap();
        assert!(!u.fix.as_ref().unwrap().1);
        // A literal source under it: no fix.
        let p = run("FROM a\nCOPY web/node_modules/b.js /\n", &l);
        let u = p.iter().find(|p| p.which == Which::Unanchored).unwrap();
        assert!(u.fix.is_none());
    }

    /// Through the rules and the engine: DF602's append and DF604's
    /// anchoring of one file combine into one new text; unsafe ones wait
    /// for `--unsafe-fixes`; the Dockerfile itself is never edited.
    #[test]
    fn the_engine_combines_the_rules_edits_of_one_file() {
        let files = [
            ".env",
            "web/.env",
            "node_modules/a.js",
            "web/node_modules/b.js",
            "app.js",
        ];
        let ignore = "node_modules\n";
        let mut facts = crate::rule::Facts::new();
        facts.listing = Some(std::sync::Arc::new(listing(&files, Some(ignore))));
        let settings = crate::settings::Settings::default()
            .with_selection(&["DF6".to_string()], &[])
            .unwrap();
        let df = "FROM a\nCOPY app.js /\n";
        let fixed = crate::engine::fix(df, &settings, &facts).unwrap();
        assert_eq!(fixed.output(), df);
        let ids: Vec<&str> = fixed.remaining.iter().map(|d| d.rule.id).collect();
        assert_eq!(ids, ["DF602", "DF604"]);
        let files = crate::engine::companion_files(&fixed.remaining, false);
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].path, ".dockerignore");
        assert_eq!(files[0].resolves.len(), 2);
        assert_eq!(
            files[0].text,
            "**/node_modules\n# Added by dfix (DF602): secret files present in the build context\n**/.env\n"
        );
        // `COPY . .` makes both unsafe: nothing without --unsafe-fixes.
        let fixed = crate::engine::fix("FROM a\nCOPY . .\n", &settings, &facts).unwrap();
        assert!(crate::engine::companion_files(&fixed.remaining, false).is_empty());
        assert_eq!(
            crate::engine::companion_files(&fixed.remaining, true).len(),
            1
        );
    }
}
