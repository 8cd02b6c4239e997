//! Who a stage runs as: variables (`ARG` defaults, `ENV`), the chain of
//! stages a stage is built `FROM`, its `USER` instructions, the users its
//! `RUN`s create, and the base image at the root of the chain.

use std::collections::HashMap;

use dfix_grammar::shell::{Command, ShellScript};
use dfix_grammar::{Document, Form, Instruction, Kind, Stage};

/// Variables in scope: `None` is a variable that is declared but has no
/// known value (an `ARG` without default).
pub type Vars = HashMap<String, Option<String>>;

/// Expands `$X`, `${X}`, `${X:-word}`, `${X-word}`, `${X:+word}` and
/// `${X+word}` as BuildKit does, with the values in `vars`. `None` when a
/// variable has no known value (undeclared variables expand to nothing,
/// like BuildKit, only when `undeclared_empty` is set).
pub fn expand(text: &str, vars: &Vars, undeclared_empty: bool) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    let lookup = |name: &str| -> Option<Option<String>> {
        match vars.get(name) {
            Some(v) => Some(v.clone()),
            None if undeclared_empty => Some(Some(String::new())),
            None => None,
        }
    };
    while i < b.len() {
        if b[i] != b'$' {
            let c = text[i..].chars().next()?;
            out.push(c);
            i += c.len_utf8();
            continue;
        }
        if i + 1 < b.len() && b[i + 1] == b'{' {
            let close = text[i..].find('}')? + i;
            let inner = &text[i + 2..close];
            let name_len = inner
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(inner.len());
            let (name, op) = inner.split_at(name_len);
            let value = lookup(name);
            let set = matches!(&value, Some(Some(v)) if !v.is_empty());
            let declared = value.is_some();
            let piece = if let Some(word) = op.strip_prefix(":-") {
                if set {
                    value??
                } else if declared && matches!(value, Some(None)) {
                    return None;
                } else {
                    expand(word, vars, undeclared_empty)?
                }
            } else if let Some(word) = op.strip_prefix('-') {
                match value {
                    Some(v) => v?,
                    None => expand(word, vars, undeclared_empty)?,
                }
            } else if let Some(word) = op.strip_prefix(":+") {
                match value {
                    Some(Some(v)) if !v.is_empty() => expand(word, vars, undeclared_empty)?,
                    Some(None) => return None,
                    _ => String::new(),
                }
            } else if let Some(word) = op.strip_prefix('+') {
                match value {
                    Some(Some(_)) => expand(word, vars, undeclared_empty)?,
                    Some(None) => return None,
                    None => String::new(),
                }
            } else if op.is_empty() {
                value??
            } else {
                return None;
            };
            out.push_str(&piece);
            i = close + 1;
            continue;
        }
        let name_len = text[i + 1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(text.len() - i - 1);
        if name_len == 0 {
            out.push('$');
            i += 1;
            continue;
        }
        out.push_str(&lookup(&text[i + 1..i + 1 + name_len])??);
        i += 1 + name_len;
    }
    Some(out)
}

/// The `ARG`s before the first `FROM`, with their defaults (usable in `FROM`
/// lines and by stages that redeclare them).
pub fn global_args(doc: &Document) -> Vars {
    let mut vars = Vars::new();
    for ins in doc.instructions.iter().take_while(|i| i.kind != Kind::From) {
        if ins.kind == Kind::Arg {
            declare_args(ins, &mut vars, &Vars::new());
        }
    }
    vars
}

/// Records the variables an `ARG` declares; an `ARG X` without default
/// takes the global default when there is one.
pub(crate) fn declare_args(ins: &Instruction, vars: &mut Vars, globals: &Vars) {
    for w in &ins.words {
        let v = w.value();
        match v.split_once('=') {
            Some((name, default)) => {
                let value = expand(default, vars, true);
                vars.insert(name.to_string(), value);
            }
            None => {
                let value = globals.get(v).cloned().flatten();
                vars.insert(v.to_string(), value);
            }
        }
    }
}

/// The variables an `ENV` sets (`k=v` pairs or legacy `ENV k v`), values
/// expanded with the variables before it (as BuildKit does, every pair of
/// one `ENV` sees the values from before the instruction).
pub(crate) fn env_pairs(ins: &Instruction, vars: &Vars) -> Vec<(String, Option<String>)> {
    let words = &ins.words;
    let Some(first) = words.first() else {
        return Vec::new();
    };
    if !first.value().contains('=') {
        let rest: Vec<&str> = words[1..].iter().map(|w| w.value()).collect();
        return vec![(
            first.value().to_string(),
            expand(&rest.join(" "), vars, true),
        )];
    }
    words
        .iter()
        .filter_map(|w| w.value().split_once('='))
        .map(|(k, v)| (k.to_string(), expand(v, vars, true)))
        .collect()
}

/// A user as a `USER` instruction or a fix names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserValue {
    /// The value, variables expanded.
    Known(String),
    /// The value uses a variable with no known value: the raw text.
    Unresolved(String),
}

/// True when the user part of `user[:group]` is root: `root`, `0` (also
/// `00`), or Windows' `ContainerAdministrator`.
pub fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or("").trim();
    name == "root"
        || name.eq_ignore_ascii_case("ContainerAdministrator")
        || (!name.is_empty() && name.bytes().all(|c| c == b'0'))
}

/// One fact about users, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `USER x`.
    User(UserValue),
    /// A `RUN` creates this user (`useradd`, `adduser`).
    Created(String),
}

/// What the chain of stages ending at one stage says about users.
#[derive(Debug, Clone, Default)]
pub struct StageUsers {
    /// Stage indices from the root of the chain to the stage itself.
    pub chain: Vec<usize>,
    /// The external base image at the root of the chain, variables
    /// expanded; `None` when it could not be resolved.
    pub base_image: Option<String>,
    /// The root's `FROM` word as written, for messages.
    pub base_raw: String,
    /// Events with the instruction index they come from, in order.
    pub events: Vec<(usize, Event)>,
    /// A `SHELL` of the chain runs PowerShell or cmd.
    pub windows_shell: bool,
    /// Variables in scope at the end of the stage.
    pub vars: Vars,
}

impl StageUsers {
    /// The last `USER` of the chain.
    pub fn last_user(&self) -> Option<(usize, &UserValue)> {
        self.events.iter().rev().find_map(|(i, e)| match e {
            Event::User(u) => Some((*i, u)),
            Event::Created(_) => None,
        })
    }

    /// The latest non-root user the chain switched to or created (a `USER`
    /// wins over a created user), with the instruction index.
    pub fn known_non_root(&self) -> Option<String> {
        let switched = self.events.iter().rev().find_map(|(_, e)| match e {
            Event::User(UserValue::Known(u)) if !is_root(u) => Some(u.clone()),
            _ => None,
        });
        switched.or_else(|| {
            self.events.iter().rev().find_map(|(_, e)| match e {
                Event::Created(u) if !is_root(u) => Some(u.clone()),
                _ => None,
            })
        })
    }
}

/// The index of the stage that `stage` is built `FROM`, when its base names
/// an earlier stage.
pub fn parent_stage(stages: &[Stage], stage: &Stage, globals: &Vars) -> Option<usize> {
    let base = stage.base.as_ref()?;
    let name = expand(base.value(), globals, true)?;
    stages[..stage.index].iter().rev().find_map(|s| {
        s.name
            .as_ref()
            .filter(|n| n.value().eq_ignore_ascii_case(&name))
            .map(|_| s.index)
    })
}

/// The stages `target` is built on, root first, ending with `target`
/// itself (`FROM <stage>` followed back through earlier stages).
pub fn stage_chain(stages: &[Stage], target: usize, globals: &Vars) -> Vec<usize> {
    let mut chain = vec![target];
    let mut at = target;
    while let Some(p) = stages
        .get(at)
        .and_then(|s| parent_stage(stages, s, globals))
    {
        if chain.contains(&p) {
            break;
        }
        chain.push(p);
        at = p;
    }
    chain.reverse();
    chain
}

/// The variables in scope before each instruction (by instruction index;
/// empty before the first `FROM`): the stage's `ARG`s and the `ENV`s of its
/// chain of stages, `ENV` winning over an `ARG` of the same name.
pub fn scopes(doc: &Document) -> Vec<Vars> {
    let globals = global_args(doc);
    let stages = doc.stages();
    let mut out = vec![Vars::new(); doc.instructions.len()];
    for stage in stages {
        let chain = stage_chain(stages, stage.index, &globals);
        let mut env = Vars::new();
        for &s in &chain {
            let mut args = Vars::new();
            for i in stages[s].instructions.clone() {
                let ins = &doc.instructions[i];
                let mut scope = args.clone();
                scope.extend(env.clone());
                match ins.kind {
                    Kind::Arg => declare_args(ins, &mut args, &globals),
                    Kind::Env => env.extend(env_pairs(ins, &scope)),
                    _ => {}
                }
                if s == stage.index {
                    out[i] = scope;
                }
            }
        }
    }
    out
}

/// Analyses the chain of stages ending at `target`.
pub fn stage_users(doc: &Document, stages: &[Stage], target: usize, globals: &Vars) -> StageUsers {
    let mut chain = vec![target];
    let mut at = target;
    while let Some(p) = parent_stage(stages, &stages[at], globals) {
        if chain.contains(&p) {
            break;
        }
        chain.push(p);
        at = p;
    }
    chain.reverse();
    let root = &stages[chain[0]];
    let base_raw = root
        .base
        .as_ref()
        .map(|w| w.value().to_string())
        .unwrap_or_default();
    let mut out = StageUsers {
        base_image: expand(&base_raw, globals, false)
            .or_else(|| {
                // `debian:${SUITE}`: the name still tells the family.
                let known: Vars = globals
                    .iter()
                    .map(|(k, v)| (k.clone(), Some(v.clone().unwrap_or_default())))
                    .collect();
                expand(&base_raw, &known, true)
            })
            .filter(|s| !s.is_empty()),
        base_raw,
        chain: chain.clone(),
        ..StageUsers::default()
    };
    let src = doc.source();
    let mut env = Vars::new();
    for &s in &chain {
        // ARGs are per stage; ENV is inherited by stages built on this one.
        let mut args = Vars::new();
        for i in stages[s].instructions.clone() {
            let ins = &doc.instructions[i];
            // ENV wins over an ARG of the same name.
            let mut scope = args.clone();
            scope.extend(env.clone());
            match ins.kind {
                Kind::Arg => declare_args(ins, &mut args, globals),
                Kind::Env => env.extend(env_pairs(ins, &scope)),
                Kind::User => {
                    let raw = ins.args_text().trim().to_string();
                    let value = match ins.words.first() {
                        Some(w) => match expand(w.value(), &scope, false) {
                            Some(v) => UserValue::Known(v),
                            None => UserValue::Unresolved(raw),
                        },
                        None => UserValue::Unresolved(raw),
                    };
                    out.events.push((i, Event::User(value)));
                }
                Kind::Run => {
                    for name in created_users(ins, src, &scope) {
                        out.events.push((i, Event::Created(name)));
                    }
                }
                Kind::Shell => {
                    if let Form::Exec(argv) = &ins.form {
                        let first = argv
                            .first()
                            .map(|s| s.to_ascii_lowercase())
                            .unwrap_or_default();
                        if first.contains("powershell")
                            || first.contains("pwsh")
                            || first == "cmd"
                            || first.ends_with("cmd.exe")
                        {
                            out.windows_shell = true;
                        }
                    }
                }
                _ => {}
            }
        }
        let mut scope = args;
        scope.extend(env.clone());
        out.vars = scope;
    }
    out
}

/// Options of `useradd` (shadow) that take a separate value.
const USERADD_VALUE_FLAGS: &[&str] = &[
    "-b",
    "--base-dir",
    "-c",
    "--comment",
    "-d",
    "--home-dir",
    "-e",
    "--expiredate",
    "-f",
    "--inactive",
    "-g",
    "--gid",
    "-G",
    "--groups",
    "-k",
    "--skel",
    "-K",
    "--key",
    "-p",
    "--password",
    "-R",
    "--root",
    "-P",
    "--prefix",
    "-s",
    "--shell",
    "-u",
    "--uid",
    "-Z",
    "--selinux-user",
    "--selinux-range",
];

/// Options of `adduser` (Debian's and BusyBox's) that take a separate value.
const ADDUSER_VALUE_FLAGS: &[&str] = &[
    "--home",
    "--shell",
    "--uid",
    "--gid",
    "--ingroup",
    "--gecos",
    "--comment",
    "--firstuid",
    "--lastuid",
    "--firstgid",
    "--lastgid",
    "--conf",
    "-c",
    "--add-extra-groups",
    "-h",
    "-g",
    "-s",
    "-G",
    "-u",
    "-k",
];

/// The users a `RUN` creates with `useradd` or `adduser` (shell form,
/// heredocs run by the shell, or exec form), names expanded with `vars`.
pub fn created_users(ins: &Instruction, src: &str, vars: &Vars) -> Vec<String> {
    let mut out = Vec::new();
    if let Form::Exec(argv) = &ins.form {
        if let Some(name) = exec_created_user(argv) {
            out.push(name);
        }
        return out;
    }
    let mut scripts: Vec<std::sync::Arc<ShellScript>> = ins.shell_script(src).into_iter().collect();
    scripts.extend(ins.heredoc_scripts(src));
    for script in scripts {
        for cmd in script.commands() {
            if let Some(name) = command_created_user(cmd, vars) {
                out.push(name);
            }
        }
    }
    out
}

fn command_created_user(cmd: &Command, vars: &Vars) -> Option<String> {
    let word = if cmd.name_is("useradd") {
        if cmd.has_flag('D') || cmd.has_long_flag("defaults") {
            return None;
        }
        cmd.positional_args_with(USERADD_VALUE_FLAGS)
            .into_iter()
            .last()
    } else if cmd.name_is("adduser") {
        cmd.positional_args_with(ADDUSER_VALUE_FLAGS)
            .into_iter()
            .next()
    } else {
        return None;
    }?;
    let name = match &word.value {
        Some(v) => v.clone(),
        None => expand(word.raw.trim_matches('"'), vars, false)?,
    };
    valid_user_name(&name).then_some(name)
}

fn exec_created_user(argv: &[String]) -> Option<String> {
    let tool = argv.first()?.rsplit('/').next()?;
    let (flags, first) = match tool {
        "useradd" => (USERADD_VALUE_FLAGS, false),
        "adduser" => (ADDUSER_VALUE_FLAGS, true),
        _ => return None,
    };
    let mut positional = Vec::new();
    let mut it = argv[1..].iter();
    while let Some(a) = it.next() {
        if a.starts_with('-') && a.len() > 1 {
            if flags.contains(&a.as_str()) {
                it.next();
            }
            continue;
        }
        positional.push(a.clone());
    }
    let name = if first {
        positional.first()
    } else {
        positional.last()
    }?
    .clone();
    valid_user_name(&name).then_some(name)
}

/// A user or group that a `RUN` creates with an explicit numeric id
/// (`useradd -u 1000 app`, `adduser --uid 1000 app`, `groupadd -g 1000 app`,
/// `addgroup -g 1000 app`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedId {
    /// The user or group name.
    pub name: String,
    /// The numeric id, digits only.
    pub id: String,
    /// A group (`groupadd`, `addgroup`) rather than a user.
    pub group: bool,
}

/// The users and groups a `RUN` (shell form or heredocs run by the shell)
/// creates with an explicit numeric id. Creations that allow a duplicate id
/// (`-o`, `--non-unique`) are left out: the id would not name one account.
/// `adduser`/`addgroup` with two names add a user to a group and create
/// nothing, so they count only with exactly one name.
pub fn created_ids(ins: &Instruction, src: &str, vars: &Vars) -> Vec<CreatedId> {
    let mut scripts: Vec<std::sync::Arc<ShellScript>> = ins.shell_script(src).into_iter().collect();
    scripts.extend(ins.heredoc_scripts(src));
    let mut out = Vec::new();
    for script in scripts {
        for cmd in script.commands() {
            if let Some(created) = command_created_id(cmd, vars) {
                out.push(created);
            }
        }
    }
    out
}

fn command_created_id(cmd: &Command, vars: &Vars) -> Option<CreatedId> {
    let (flags, group, first, short, long) = if cmd.name_is("useradd") {
        (USERADD_VALUE_FLAGS, false, false, "-u", "--uid")
    } else if cmd.name_is("adduser") {
        (ADDUSER_VALUE_FLAGS, false, true, "-u", "--uid")
    } else if cmd.name_is("groupadd") {
        (USERADD_VALUE_FLAGS, true, false, "-g", "--gid")
    } else if cmd.name_is("addgroup") {
        (ADDUSER_VALUE_FLAGS, true, true, "-g", "--gid")
    } else {
        return None;
    };
    let defaults = cmd.name_is("useradd") && (cmd.has_flag('D') || cmd.has_long_flag("defaults"));
    if defaults || cmd.has_flag('o') || cmd.has_long_flag("non-unique") {
        return None;
    }
    let positional = cmd.positional_args_with(flags);
    if first && positional.len() != 1 {
        return None;
    }
    let word = positional.last()?;
    let name = match &word.value {
        Some(v) => v.clone(),
        None => expand(word.raw.trim_matches('"'), vars, false)?,
    };
    if !valid_user_name(&name) {
        return None;
    }
    let mut id = None;
    let mut args = cmd.args.iter();
    while let Some(w) = args.next() {
        let Some(t) = w.value.as_deref() else {
            continue;
        };
        if t == "--" {
            break;
        }
        if t == short || t == long {
            id = args.next().and_then(|v| v.value.clone());
        } else if let Some(v) = t.strip_prefix(long).and_then(|r| r.strip_prefix('=')) {
            id = Some(v.to_string());
        } else if let Some(v) = t.strip_prefix(short).filter(|_| !t.starts_with("--")) {
            if !v.is_empty() {
                id = Some(v.to_string());
            }
        }
    }
    let id = id.filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))?;
    Some(CreatedId { name, id, group })
}

/// A name `useradd`/`adduser` accepts (and that is safe to write after
/// `USER`): letters, digits, `_`, `-`, `.`, not starting with `-`.
pub fn valid_user_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && name.len() <= 32
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, Option<&str>)]) -> Vars {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
            .collect()
    }

    #[test]
    fn expands_like_buildkit() {
        let v = vars(&[("A", Some("x")), ("E", Some("")), ("N", None)]);
        assert_eq!(expand("$A:${A}", &v, false).as_deref(), Some("x:x"));
        assert_eq!(expand("${E:-d}", &v, false).as_deref(), Some("d"));
        assert_eq!(expand("${E-d}", &v, false).as_deref(), Some(""));
        assert_eq!(expand("${Z:-img}:1", &v, false).as_deref(), Some("img:1"));
        assert_eq!(expand("${A:+y}${Z:+y}", &v, false).as_deref(), Some("y"));
        assert_eq!(expand("$N", &v, false), None);
        assert_eq!(expand("$Z", &v, false), None);
        assert_eq!(expand("$Z", &v, true).as_deref(), Some(""));
        assert_eq!(expand("a$", &v, false).as_deref(), Some("a$"));
    }

    #[test]
    fn root_users() {
        for u in [
            "root",
            "0",
            "root:root",
            "0:0",
            "root:x",
            "00",
            "ContainerAdministrator",
        ] {
            assert!(is_root(u), "{u}");
        }
        for u in [
            "app",
            "1000",
            "10001:10001",
            "nonroot:nonroot",
            "rooty",
            "ContainerUser",
            "0x",
        ] {
            assert!(!is_root(u), "{u}");
        }
    }

    #[test]
    fn follows_stages_args_and_finds_users() {
        let src = "ARG BASE=python:3.12\nARG WHO\nFROM $BASE AS base\nRUN useradd -m -u 1000 -s /bin/bash dev && adduser --disabled-password --gecos '' other\nFROM base AS final\nARG WHO=svc\nENV HOME_USER=$WHO\nUSER root\nUSER $HOME_USER\nUSER $NOPE\n";
        let doc = Document::parse(src);
        let stages = doc.stages();
        let g = global_args(&doc);
        let su = stage_users(&doc, stages, 1, &g);
        assert_eq!(su.chain, [0, 1]);
        assert_eq!(su.base_image.as_deref(), Some("python:3.12"));
        let events: Vec<&Event> = su.events.iter().map(|(_, e)| e).collect();
        assert_eq!(
            events,
            [
                &Event::Created("dev".into()),
                &Event::Created("other".into()),
                &Event::User(UserValue::Known("root".into())),
                &Event::User(UserValue::Known("svc".into())),
                &Event::User(UserValue::Unresolved("$NOPE".into())),
            ]
        );
        assert_eq!(su.known_non_root().as_deref(), Some("svc"));
    }

    #[test]
    fn created_users_in_heredocs_exec_form_and_busybox() {
        let src = "FROM alpine\nRUN <<EOF\naddgroup -S g\nadduser -S -D -G g -h /srv web\nEOF\nRUN [\"/usr/sbin/useradd\", \"-u\", \"5\", \"ex\"]\n";
        let doc = Document::parse(src);
        let stages = doc.stages();
        let su = stage_users(&doc, stages, 0, &Vars::new());
        let created: Vec<&Event> = su.events.iter().map(|(_, e)| e).collect();
        assert_eq!(
            created,
            [&Event::Created("web".into()), &Event::Created("ex".into())]
        );
    }

    #[test]
    fn unresolved_base_and_windows_shell() {
        let src = "ARG IMG\nFROM $IMG\nSHELL [\"powershell\", \"-Command\"]\n";
        let doc = Document::parse(src);
        let stages = doc.stages();
        let su = stage_users(&doc, stages, 0, &global_args(&doc));
        assert_eq!(su.base_image, None);
        assert!(su.windows_shell);
        let doc = Document::parse("ARG SUITE\nFROM debian:${SUITE}-slim\n");
        let su = stage_users(&doc, doc.stages(), 0, &global_args(&doc));
        assert_eq!(su.base_image.as_deref(), Some("debian:-slim"));
    }
}
