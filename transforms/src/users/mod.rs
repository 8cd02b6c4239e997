//! The non-root user pass, shared by the rules `last-user-root` (DF201) and
//! `missing-user` (DF202): which stage runs as root, which non-root user
//! exists in it, and the edits that make it run as that user (or create
//! one with the tools of the base image's family).
//!
//! The knowledge of image families lives in `transforms/data/images.toml`
//! ([`db`]); the application extends it per config and passes the result
//! in as [`crate::Facts::images`], read through [`Context::images`].

pub mod analysis;
pub mod create;
pub mod db;

use std::ops::Range;
use std::sync::{Arc, LazyLock};

use dfix_grammar::{Document, Form, Kind, Stage};

use crate::edit::Edit;
use crate::rule::{Context, OptionKind, OptionMeta};
use crate::style::case_like;

use analysis::{global_args, is_root, stage_users, StageUsers, UserValue, Vars};
use db::ImageDb;

/// The built-in data, parsed once: immutable, so sharing it between
/// threads and configs is safe (a config's own data comes in as facts).
static BUILTIN: LazyLock<Arc<ImageDb>> = LazyLock::new(|| Arc::new(ImageDb::builtin()));

/// The built-in image database (what [`Context::images`] gives when the
/// facts carry none).
pub fn builtin_image_db() -> &'static ImageDb {
    &BUILTIN
}

/// The per-rule options both rules accept (`[rules.last-user-root]`,
/// `[rules.missing-user]`).
pub static OPTIONS: &[OptionMeta] = &[
    OptionMeta {
        name: "user-name",
        kind: OptionKind::Str { choices: &[] },
        doc: "Name of the user (and group) the fix creates. Default `app`.",
    },
    OptionMeta {
        name: "uid",
        kind: OptionKind::Int,
        doc: "UID of the created user, and of the numeric `USER` for images where no user can be created. Default 10001.",
    },
    OptionMeta {
        name: "gid",
        kind: OptionKind::Int,
        doc: "GID of the created group. Default: the uid.",
    },
    OptionMeta {
        name: "numeric-user",
        kind: OptionKind::Bool,
        doc: "Write the created user as `USER uid:gid` (hadolint DL3066, Kubernetes `runAsNonRoot` can check it) rather than by name. Default true.",
    },
    OptionMeta {
        name: "build-stages",
        kind: OptionKind::Bool,
        doc: "Also fix build stages that no other stage is built `FROM` (their `RUN`s are then the last ones to run as root). Default false: only the final stage.",
    },
];

/// The options, read from a rule's context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Name of a created user and group.
    pub user_name: String,
    /// Its uid.
    pub uid: u32,
    /// Its gid.
    pub gid: u32,
    /// Write `USER uid:gid` for a created user.
    pub numeric_user: bool,
    /// Fix leaf build stages too.
    pub build_stages: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            user_name: "app".into(),
            uid: 10001,
            gid: 10001,
            numeric_user: true,
            build_stages: false,
        }
    }
}

impl Options {
    /// Reads the options of `ctx`, falling back to the defaults for missing
    /// or unusable values (a name `useradd` would refuse, a root id).
    pub fn from_context(ctx: &Context) -> Options {
        let d = Options::default();
        let int = |key: &str, default: u32| match ctx.options.get(key) {
            Some(crate::rule::OptionValue::Int(n)) if *n > 0 && *n < i64::from(u32::MAX) => {
                *n as u32
            }
            _ => default,
        };
        let name = ctx.option_str("user-name", &d.user_name).to_string();
        let uid = int("uid", d.uid);
        Options {
            user_name: if analysis::valid_user_name(&name) && !is_root(&name) {
                name
            } else {
                d.user_name
            },
            uid,
            gid: int("gid", uid),
            numeric_user: ctx.option_bool("numeric-user", d.numeric_user),
            build_stages: ctx.option_bool("build-stages", d.build_stages),
        }
    }
}

/// What is wrong with a stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The last `USER` (instruction index) is root.
    RootUser(usize),
    /// The last `USER` (instruction index) uses a variable without a known
    /// value: it may be root.
    Unresolved(usize, String),
    /// No `USER` anywhere in the stage's chain.
    NoUser,
}

/// How a stage is made to run as non-root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// `USER x` for a user that exists (or a numeric id).
    Switch {
        /// The `USER` value.
        user: String,
        /// Why this user, for the fix message.
        why: String,
    },
    /// A `RUN` that creates the user, then `USER`.
    Create {
        /// The shell command.
        command: String,
        /// The `USER` value.
        user: String,
        /// The family, for the fix message.
        family: String,
    },
}

/// One stage that runs as root, and how to fix it.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The stage.
    pub stage: usize,
    /// What is wrong.
    pub problem: Problem,
    /// How to fix it (`None` when it is not fixed).
    pub plan: Option<Plan>,
    /// The edits of the fix.
    pub edits: Vec<Edit>,
}

/// The stages the pass looks at: the final one, and with `build_stages`
/// every stage no other stage is built `FROM`.
fn target_stages(stages: &[Stage], globals: &Vars, build_stages: bool) -> Vec<usize> {
    let Some(last) = stages.last() else {
        return Vec::new();
    };
    if !build_stages {
        return vec![last.index];
    }
    let parents: Vec<usize> = stages
        .iter()
        .filter_map(|s| analysis::parent_stage(stages, s, globals))
        .collect();
    stages
        .iter()
        .map(|s| s.index)
        .filter(|i| *i == last.index || !parents.contains(i))
        .collect()
}

/// Every stage the pass looks at that runs as root, with its fix.
pub fn check(ctx: &Context) -> Vec<Finding> {
    let doc = ctx.doc;
    let opts = Options::from_context(ctx);
    let db = ctx.images();
    let stages = doc.stages();
    let globals = global_args(doc);
    let mut out = Vec::new();
    for s in target_stages(stages, &globals, opts.build_stages) {
        let users = stage_users(doc, stages, s, &globals);
        let problem = match users.last_user() {
            Some((i, UserValue::Known(u))) if is_root(u) => Problem::RootUser(i),
            Some((i, UserValue::Unresolved(raw))) => Problem::Unresolved(i, raw.clone()),
            Some(_) => continue,
            None => Problem::NoUser,
        };
        let plan = match problem {
            Problem::Unresolved(..) => None,
            _ => Some(plan_for(doc, &users, db, &opts)),
        };
        let edits = plan
            .as_ref()
            .and_then(|p| edits_for(ctx, &stages[s], p, &opts, &users))
            .unwrap_or_default();
        out.push(Finding {
            stage: s,
            problem,
            plan,
            edits,
        });
    }
    out
}

/// Chooses the user: one the stage already has, one the image ships, or
/// a new one made with the family's tools.
pub fn plan_for(doc: &Document, users: &StageUsers, db: &ImageDb, opts: &Options) -> Plan {
    if let Some(u) = users.known_non_root() {
        return Plan::Switch {
            why: format!("switch back to `{u}`, which the stage already uses or creates"),
            user: u,
        };
    }
    let info = users
        .base_image
        .as_deref()
        .map(|b| db.lookup(b))
        .unwrap_or_default();
    if let Some(u) = info.default_user.filter(|u| !is_root(u)) {
        return Plan::Switch {
            why: format!("`{}` runs as `{u}` by default", users.base_raw),
            user: u,
        };
    }
    if let Some(u) = info.users.iter().find(|u| !is_root(u)) {
        return Plan::Switch {
            why: format!("`{}` ships the user `{u}`", users.base_raw),
            user: u.clone(),
        };
    }
    let family = info.family.or_else(|| {
        (doc.escape == '`' || users.windows_shell)
            .then(|| db.family("windows"))
            .flatten()
    });
    let numeric = format!("{}:{}", opts.uid, opts.gid);
    let Some((name, spec)) = family else {
        return Plan::Switch {
            why: format!(
                "unknown base image `{}`: a numeric user, which needs no entry in /etc/passwd",
                users.base_raw
            ),
            user: numeric,
        };
    };
    if let Some(u) = spec.user.filter(|u| !is_root(u)) {
        return Plan::Switch {
            why: format!("{name} images run as `{u}`"),
            user: u,
        };
    }
    match create::create_user_command(spec.create, &opts.user_name, opts.uid, opts.gid) {
        Some(command) => Plan::Create {
            command,
            user: if opts.numeric_user {
                numeric
            } else {
                opts.user_name.clone()
            },
            family: name,
        },
        None => Plan::Switch {
            why: format!("{name} images have no tool to create a user: a numeric user"),
            user: numeric,
        },
    }
}

/// Whether an instruction is one the new `USER` goes before. `VOLUME` is
/// one: the user-creating RUN must chown a volume's folder before it is
/// declared, since the classic builder drops later changes to it.
fn is_runtime(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Cmd | Kind::Entrypoint | Kind::Healthcheck | Kind::Volume
    )
}

/// The edits: the new lines go after the stage's last `RUN` or `USER`, in
/// front of the first `CMD`/`ENTRYPOINT`/`HEALTHCHECK` after it (and the
/// comment lines just above it), else after the stage's last instruction.
fn edits_for(
    ctx: &Context,
    stage: &Stage,
    plan: &Plan,
    opts: &Options,
    users: &StageUsers,
) -> Option<Vec<Edit>> {
    let doc = ctx.doc;
    let src = doc.source();
    let le = ctx.style.line_ending;
    let range = stage.instructions.clone();
    let anchor = range
        .clone()
        .rev()
        .find(|&i| matches!(doc.instructions[i].kind, Kind::Run | Kind::User))
        .unwrap_or(stage.from);
    let from_kw = &doc.instructions[stage.from].keyword;
    let mut before = (anchor + 1..range.end).find(|&i| is_runtime(doc.instructions[i].kind));
    let mut chown_edits = Vec::new();
    if let Plan::Switch { user, .. } = plan {
        // No RUN can chown the working directory (the image may have no
        // shell, as distroless has not). BuildKit creates a WORKDIR as the
        // current USER: switch before the stage's WORKDIR. buildah with
        // `--layers` (podman's default) creates the folder with the first
        // COPY into it instead: those COPYs get `--chown` of the user.
        // Only when no RUN follows the WORKDIR, so nothing else runs as
        // the user.
        if let Some((w, dir)) = workdir_made_after(doc, stage, anchor, before, &users.vars) {
            let end = before.unwrap_or(range.end);
            chown_edits = copies_into(doc, w + 1..end, &dir, &users.vars)
                .into_iter()
                .map(|i| {
                    let at = doc.instructions[i].keyword_span.end;
                    Edit::insert(at, format!(" --chown={user}"))
                })
                .collect();
            before = Some(w);
        }
    }
    if before.is_none() && doc.instructions[range.end - 1].open_continuation {
        // Nothing can follow a last line that ends with the escape
        // character: it would join that instruction. Go in front of the
        // first instruction after the anchor, or give up.
        before = Some(anchor + 1).filter(|&i| i < range.end);
        before?;
    }
    let reference = before.unwrap_or(range.end - 1);
    let indent = line_indent(doc, doc.instructions[reference].span.start);

    let mut lines = Vec::new();
    let user = match plan {
        Plan::Switch { user, .. } => user,
        Plan::Create { command, user, .. } => {
            let mut command = command.clone();
            // The working directory in effect where the new RUN goes: a
            // WORKDIR after the stage's last RUN (the split's runtime stage
            // has one) counts too.
            let last_before_insert = before.map_or(range.end - 1, |i| i - 1);
            let mut dirs: Vec<String> =
                workdir_to_chown(doc, stage, last_before_insert, &users.vars)
                    .into_iter()
                    .collect();
            let volumes: Vec<String> = volumes_to_chown(doc, stage, &users.vars)
                .into_iter()
                .filter(|d| !dirs.contains(d))
                .collect();
            if !volumes.is_empty() {
                // A volume's folder need not exist before VOLUME makes it.
                command.push_str(" && mkdir -p ");
                command.push_str(&volumes.join(" "));
                dirs.extend(volumes);
            }
            if !dirs.is_empty() {
                command.push_str(" && ");
                command.push_str(&create::chown_command(&opts.user_name, &dirs.join(" ")));
            }
            lines.push(format!("{indent}{} {command}", case_like("RUN", from_kw)));
            user
        }
    };
    lines.push(format!("{indent}{} {user}", case_like("USER", from_kw)));

    match before {
        Some(i) => {
            let anchor_end_line = doc.line_of(doc.instructions[anchor].span.end);
            let mut line = doc.line_of(doc.instructions[i].span.start);
            // Keep comments that describe the CMD with it.
            while line > anchor_end_line + 1 && is_comment_line(doc, line - 1) {
                line -= 1;
            }
            let at = doc.line_start(line);
            let text: String = lines.iter().map(|l| format!("{l}{le}")).collect();
            let mut edits = vec![Edit::insert(at, text)];
            edits.extend(chown_edits);
            Some(edits)
        }
        None => {
            let end = doc.instructions[reference].span.end;
            match src[end..].find('\n') {
                Some(n) => {
                    let text: String = lines.iter().map(|l| format!("{l}{le}")).collect();
                    Some(vec![Edit::insert(end + n + 1, text)])
                }
                None => {
                    let text: String = lines.iter().map(|l| format!("{le}{l}")).collect();
                    Some(vec![Edit::insert(src.len(), text)])
                }
            }
        }
    }
}

/// The leading blanks of the line holding `offset`.
fn line_indent(doc: &Document, offset: usize) -> String {
    let start = doc.line_start(doc.line_of(offset));
    doc.source()[start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

/// True when 1-based `line` is a comment line (not a parser directive
/// position: directives only exist before the first instruction).
fn is_comment_line(doc: &Document, line: usize) -> bool {
    let start = doc.line_start(line);
    let end = doc.line_start(line + 1);
    if start >= end {
        return false;
    }
    doc.source()[start..end].trim_start().starts_with('#')
}

/// The stage's working directory after instruction `last` when the
/// stage's own `WORKDIR` set it to a plain absolute directory that the
/// created user should own.
fn workdir_to_chown(doc: &Document, stage: &Stage, last: usize, vars: &Vars) -> Option<String> {
    let i = (stage.from..=last)
        .rev()
        .find(|&i| doc.instructions[i].kind == Kind::Workdir)?;
    let word = doc.instructions[i].words.first()?;
    let dir = analysis::expand(word.value(), vars, false)?;
    create::chownable_dir(&dir).then_some(dir)
}

/// The stage's last `WORKDIR` when it comes after instruction `anchor`
/// (the last RUN or USER) and before `limit` (where the USER would go), and
/// names a plain absolute directory the user should own; with that
/// directory.
fn workdir_made_after(
    doc: &Document,
    stage: &Stage,
    anchor: usize,
    limit: Option<usize>,
    vars: &Vars,
) -> Option<(usize, String)> {
    let end = limit.unwrap_or(stage.instructions.end);
    let w = (anchor + 1..end)
        .rev()
        .find(|&i| doc.instructions[i].kind == Kind::Workdir)?;
    let dir = analysis::expand(doc.instructions[w].words.first()?.value(), vars, false)?;
    create::chownable_dir(&dir).then_some((w, dir))
}

/// The `COPY`/`ADD` instructions of `range` without `--chown` whose
/// destination is `dir` or inside it (a relative destination is inside
/// the working directory `dir`).
fn copies_into(doc: &Document, range: Range<usize>, dir: &str, vars: &Vars) -> Vec<usize> {
    let dir = dir.trim_end_matches('/');
    range
        .filter(|&i| {
            let ins = &doc.instructions[i];
            if !matches!(ins.kind, Kind::Copy | Kind::Add) || ins.flag("chown").is_some() {
                return false;
            }
            let dest = match &ins.form {
                Form::Exec(items) => items.last().cloned(),
                Form::Shell => ins.words.last().map(|w| w.value().to_string()),
            };
            let Some(dest) = dest.and_then(|d| analysis::expand(&d, vars, false)) else {
                return false;
            };
            !dest.starts_with('/')
                || dest.trim_end_matches('/') == dir
                || dest.starts_with(&format!("{dir}/"))
        })
        .collect()
}

/// The folders the stage declares as volumes (its data folders: the app
/// writes there), where they are plain absolute directories the created user
/// may own.
fn volumes_to_chown(doc: &Document, stage: &Stage, vars: &Vars) -> Vec<String> {
    let mut dirs = Vec::new();
    for i in stage.instructions.clone() {
        let ins = &doc.instructions[i];
        if ins.kind != Kind::Volume {
            continue;
        }
        let paths: Vec<String> = match &ins.form {
            Form::Exec(items) => items.clone(),
            Form::Shell => ins.words.iter().map(|w| w.value().to_string()).collect(),
        };
        for p in paths {
            if let Some(dir) = analysis::expand(&p, vars, false) {
                if create::chownable_dir(&dir) && !dirs.contains(&dir) {
                    dirs.push(dir);
                }
            }
        }
    }
    dirs
}

#[cfg(test)]
mod tests;
