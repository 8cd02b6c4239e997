//! What one stage does: variables, working directory, packages kept,
//! files produced and copied, builds per recipe, users created, and what
//! its CMD/ENTRYPOINT/HEALTHCHECK run.

use std::collections::{BTreeMap, HashMap};

use dfix_grammar::shell::{Command, ShellScript, ShellSource};
use dfix_grammar::{Document, Form, Instruction, Kind, Stage};

use super::paths::{basename, expand, resolve};
use super::recipes::{Recipe, Recipes};
use crate::context::BuildContext;

/// An OS package the stage installs and keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// As written (`curl=7.88*`).
    pub name: String,
    /// Installed with `apk` (else apt/yum/dnf).
    pub apk: bool,
    /// The `apk add --virtual` group, if any.
    group: Option<String>,
}

/// A file or folder the stage's RUN commands write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    /// Absolute path.
    pub path: String,
    /// A folder: everything under it counts as produced.
    pub dir: bool,
    /// What produced it (`go build`), for messages.
    pub by: String,
}

/// Where COPY/ADD put files from the build context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// Absolute destination.
    pub path: String,
    /// A folder (or several sources): everything under it may come from here.
    pub dir: bool,
}

/// One thing the image runs or names at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryItem {
    /// A program looked up on PATH (`node`, `gunicorn`, `app`).
    Program(String),
    /// A file path, absolute (resolved against the working directory).
    File(String),
    /// Something that could not be read, with the reason.
    Unknown(String),
}

/// The analysis of one stage.
#[derive(Debug, Clone, Default)]
pub struct StageAnalysis {
    /// ARG defaults and ENV values at the end of the stage.
    pub vars: HashMap<String, String>,
    /// Index of the ARG instruction that declares each name.
    pub arg_instr: HashMap<String, usize>,
    /// The working directory at the end of the stage (`None`: a variable
    /// without a value).
    pub cwd: Option<String>,
    /// Packages installed and not removed.
    pub packages: Vec<Package>,
    /// Files and folders RUN commands write.
    pub products: Vec<Product>,
    /// Destinations of COPY/ADD from the build context.
    pub copied: Vec<Copied>,
    /// Destinations of `COPY --from=...`.
    pub copied_from: Vec<Copied>,
    /// Recipe name → build commands found (`RUN line 5: go build`).
    pub builds: BTreeMap<String, Vec<String>>,
    /// Recipe name → install commands found.
    pub installs: BTreeMap<String, Vec<String>>,
    /// `CGO_ENABLED` seen on a `go build` (false when `=0`).
    pub cgo_disabled: bool,
    /// The Node package manager used (`npm`, `yarn`, `pnpm`).
    pub node_pm: Option<String>,
    /// `pip install --user/--target/--prefix`: the flag.
    pub pip_outside_venv: Option<String>,
    /// `useradd`/`groupadd`/`adduser`/`addgroup` commands, as written.
    pub user_commands: Vec<String>,
    /// The `--chown` or `chown` owner seen.
    pub chown: Option<String>,
    /// Outputs that could not be named (`go build` without `-o`).
    pub unknown_outputs: Vec<String>,
    /// The last CMD, ENTRYPOINT, HEALTHCHECK, USER, WORKDIR, SHELL.
    pub last: HashMap<Kind, usize>,
}

fn word_text(w: &dfix_grammar::shell::Word, vars: &HashMap<String, String>) -> Option<String> {
    w.value.clone().or_else(|| expand(&w.raw, vars))
}

/// Global ARG defaults (before the first FROM).
pub fn global_args(doc: &Document) -> HashMap<String, String> {
    let mut vars = HashMap::new();
    for ins in &doc.instructions {
        if ins.kind == Kind::From {
            break;
        }
        if ins.kind == Kind::Arg {
            for w in &ins.words {
                if let Some((k, v)) = w.value().split_once('=') {
                    vars.insert(k.to_string(), v.to_string());
                }
            }
        }
    }
    vars
}

/// True when a command matches a pattern such as `go build` or
/// `mvn package`: same program (by basename, `./mvnw` is `mvnw`), and the
/// pattern's other words among its positional arguments, in order.
pub fn command_matches(cmd: &[String], pattern: &str) -> bool {
    match cmd.split_first() {
        Some((first, args)) => named_command_matches(basename(first), args, pattern),
        None => false,
    }
}

/// [`command_matches`] for a command whose program's base name is known:
/// the recipe loop asks this for every command and pattern, so the name is
/// computed once and a pattern naming another program is rejected without
/// splitting it.
fn named_command_matches(name: &str, args: &[String], pattern: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    let rest = match pattern.trim_start().strip_prefix(name) {
        Some(rest) if rest.is_empty() || rest.starts_with(char::is_whitespace) => rest,
        _ => return false,
    };
    let mut positional = args.iter().filter(|a| !a.starts_with('-'));
    rest.split_whitespace().all(|p| positional.any(|a| a == p))
}

/// Words of a shell command: name and arguments, expanded where possible
/// (unexpandable words keep their raw text).
fn command_words(c: &Command, vars: &HashMap<String, String>) -> Vec<String> {
    c.name
        .iter()
        .chain(c.args.iter())
        .map(|w| word_text(w, vars).unwrap_or_else(|| w.raw.clone()))
        .collect()
}

/// The shell scripts a RUN executes.
pub fn run_scripts(doc: &Document, ins: &Instruction) -> Vec<std::sync::Arc<ShellScript>> {
    let mut out = Vec::new();
    match &ins.form {
        Form::Exec(items) => {
            // `RUN ["sh", "-c", "..."]`.
            if let Some(p) = items.iter().position(|a| a == "-c") {
                if let Some(script) = items.get(p + 1) {
                    out.push(std::sync::Arc::new(ShellScript::parse(
                        ShellSource::from_text(script, ins.span.start),
                    )));
                }
            }
        }
        Form::Shell => out.extend(ins.shell_script(doc.source())),
    }
    out.extend(ins.heredoc_scripts(doc.source()));
    out
}

const TAKES_VALUE: &[&str] = &[
    "-o",
    "-ldflags",
    "-gcflags",
    "-tags",
    "-mod",
    "-p",
    "-C",
    "--bin",
    "--target",
    "--profile",
    "--root",
    "--features",
    "-F",
    "--manifest-path",
    "-f",
    "-m",
    "-g",
    "-t",
    "--virtual",
    "--repository",
    "-X",
    "--target-dir",
    "-j",
    "--jobs",
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-e",
    "--index-url",
    "-i",
    "--extra-index-url",
    "--workspace",
];

fn flag_value(args: &[String], names: &[&str]) -> Option<String> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        for n in names {
            if a == n {
                return it.next().cloned();
            }
            if let Some(v) = a.strip_prefix(&format!("{n}=")) {
                return Some(v.to_string());
            }
        }
    }
    None
}

fn positionals(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--" {
            out.extend(it.by_ref().cloned());
            break;
        }
        if a.len() > 1 && a.starts_with('-') {
            if TAKES_VALUE.contains(&a.as_str()) {
                it.next();
            }
            continue;
        }
        out.push(a.clone());
    }
    out
}

struct Walker<'a> {
    doc: &'a Document,
    recipes: &'a Recipes,
    context: Option<&'a BuildContext>,
    a: StageAnalysis,
}

impl Walker<'_> {
    fn cwd(&self) -> String {
        self.a.cwd.clone().unwrap_or_else(|| "/".to_string())
    }

    fn product(&mut self, path: String, dir: bool, by: &str) {
        self.a.products.push(Product {
            path,
            dir,
            by: by.to_string(),
        });
    }

    fn instruction(&mut self, idx: usize) {
        let ins = &self.doc.instructions[idx];
        let line = ins.start_line;
        match ins.kind {
            Kind::Arg => {
                for w in &ins.words {
                    let v = w.value();
                    let (k, val) = match v.split_once('=') {
                        Some((k, val)) => (k.to_string(), Some(val.to_string())),
                        None => (v.to_string(), None),
                    };
                    if let Some(val) = val {
                        let val = expand(&val, &self.a.vars).unwrap_or(val);
                        self.a.vars.insert(k.clone(), val);
                    }
                    self.a.arg_instr.insert(k, idx);
                }
            }
            Kind::Env => {
                let words = &ins.words;
                if words.len() >= 2 && !words[0].raw.contains('=') {
                    let val: Vec<&str> = words[1..].iter().map(|w| w.raw.as_str()).collect();
                    let raw = val.join(" ");
                    let v = expand(&raw, &self.a.vars).unwrap_or(raw);
                    self.a.vars.insert(words[0].value().to_string(), v);
                } else {
                    for w in words {
                        if let Some((k, v)) = w.raw.split_once('=') {
                            let val = expand(v, &self.a.vars).unwrap_or_else(|| v.to_string());
                            self.a.vars.insert(k.to_string(), val);
                        }
                    }
                }
            }
            Kind::Workdir => {
                self.a.last.insert(Kind::Workdir, idx);
                let raw = ins.args_text();
                self.a.cwd = match (expand(raw, &self.a.vars), &self.a.cwd) {
                    (Some(p), Some(cwd)) => Some(resolve(cwd, &p)),
                    (Some(p), None) if p.starts_with('/') => Some(resolve("/", &p)),
                    _ => None,
                };
            }
            Kind::Copy | Kind::Add => {
                if let Some(c) = ins.flag("chown").and_then(|f| f.value.clone()) {
                    self.a.chown.get_or_insert(c);
                }
                let words: Vec<String> = match &ins.form {
                    Form::Exec(items) => items.clone(),
                    Form::Shell => ins.words.iter().map(|w| w.raw.clone()).collect(),
                };
                let Some((dest, sources)) = words.split_last() else {
                    return;
                };
                let Some(dest_val) = expand(dest, &self.a.vars) else {
                    return;
                };
                let dest_abs = resolve(&self.cwd(), &dest_val);
                let single_file = sources.len() == 1
                    && !dest_val.ends_with('/')
                    && (basename(&sources[0]).contains('.') || sources[0].starts_with("<<"))
                    && sources[0] != "."
                    && !sources[0].ends_with('/');
                let c = Copied {
                    path: dest_abs,
                    dir: !single_file,
                };
                if ins.flag("from").is_some() {
                    self.a.copied_from.push(c);
                } else {
                    self.a.copied.push(c);
                }
            }
            Kind::Run => {
                for script in run_scripts(self.doc, ins) {
                    self.script(&script, line);
                }
            }
            Kind::Cmd
            | Kind::Entrypoint
            | Kind::Healthcheck
            | Kind::User
            | Kind::Shell
            | Kind::Stopsignal => {
                self.a.last.insert(ins.kind, idx);
            }
            _ => {}
        }
    }

    /// The variables a command sees when it sets some of its own
    /// (`VAR=x cmd`); `None` when it sets none and sees the stage's.
    fn command_vars(&self, c: &Command) -> Option<HashMap<String, String>> {
        if c.assignments.is_empty() {
            return None;
        }
        let mut local = self.a.vars.clone();
        for asg in &c.assignments {
            if let Some((k, v)) = asg.raw.split_once('=') {
                let v = expand(v, &self.a.vars).unwrap_or_else(|| v.to_string());
                local.insert(k.to_string(), v);
            }
        }
        Some(local)
    }

    fn script(&mut self, script: &ShellScript, line: usize) {
        let mut cwd = self.cwd();
        let packages_before = self.a.packages.len();
        for c in script.commands() {
            // `VAR=x cmd`: the command sees the stage's variables plus its
            // own; copied only when it has some (most commands have none).
            let local = self.command_vars(c);
            let words = command_words(c, local.as_ref().unwrap_or(&self.a.vars));
            let Some(name) = words.first().map(|n| basename(n).to_string()) else {
                // Assignment-only statement: a shell variable.
                for asg in &c.assignments {
                    if let Some((k, v)) = asg.raw.split_once('=') {
                        if let Some(v) = expand(v, &self.a.vars) {
                            self.a.vars.insert(k.to_string(), v);
                        }
                    }
                }
                continue;
            };
            let args = &words[1..];
            let text = &self.doc.source()[c.span.clone()];
            // Where the command is, for messages: written only for a match.
            let here = || format!("RUN line {line}: `{}`", short(text));
            // Recipes.
            for (rname, recipe) in &self.recipes.recipes {
                if recipe
                    .build_commands
                    .iter()
                    .any(|p| named_command_matches(&name, args, p))
                {
                    let at = here();
                    self.a.builds.entry(rname.clone()).or_default().push(at);
                } else if recipe
                    .install_commands
                    .iter()
                    .any(|p| named_command_matches(&name, args, p))
                {
                    let at = here();
                    self.a.installs.entry(rname.clone()).or_default().push(at);
                }
            }
            match name.as_str() {
                "cd" => {
                    if let Some(d) = args.first() {
                        cwd = resolve(&cwd, d);
                    }
                }
                "export" => {
                    for a in args {
                        if let Some((k, v)) = a.split_once('=') {
                            self.a.vars.insert(k.to_string(), v.to_string());
                        }
                    }
                }
                "apt-get" | "apt" | "yum" | "dnf" | "microdnf" | "apk" => {
                    // `apt-get purge --auto-remove $savedAptMark`-style cleanups
                    // remove what this RUN installed.
                    let sweeping = args
                        .iter()
                        .any(|a| a == "--auto-remove" || a == "autoremove")
                        || args.iter().any(|a| a.contains('$'))
                            && args
                                .iter()
                                .any(|a| matches!(a.as_str(), "purge" | "remove" | "del"));
                    if sweeping {
                        self.a
                            .packages
                            .truncate(packages_before.min(self.a.packages.len()));
                    }
                    self.packages(&name, args);
                }
                "cp" | "mv" | "install" | "ln" => {
                    let pos = positionals(args);
                    if name == "install" && args.iter().any(|a| a == "-d") {
                        continue;
                    }
                    if let Some((dest, srcs)) = pos.split_last() {
                        let d = resolve(&cwd, dest);
                        let recursive = args.iter().any(|a| a == "-r" || a == "-R" || a == "-a");
                        self.product(d.clone(), recursive || srcs.len() > 1, &name);
                        for s in srcs {
                            let into = format!("{}/{}", d.trim_end_matches('/'), basename(s));
                            self.product(into, recursive, &name);
                        }
                    }
                }
                "useradd" | "adduser" | "groupadd" | "addgroup" => {
                    self.a.user_commands.push(text.to_string());
                }
                "chown" => {
                    if let Some(owner) = positionals(args).first() {
                        self.a.chown.get_or_insert(owner.clone());
                    }
                }
                "go" => {
                    let vars = local.unwrap_or_else(|| self.a.vars.clone());
                    self.go(args, &cwd, &vars)
                }
                "cargo" => {
                    let vars = local.unwrap_or_else(|| self.a.vars.clone());
                    self.cargo(args, &cwd, &vars)
                }
                "mvn" | "mvnw" if self.a.builds.contains_key("java") => {
                    let dir = flag_value(args, &["-f", "--file"])
                        .map(|f| super::paths::dirname(&resolve(&cwd, &f)).to_string())
                        .unwrap_or_else(|| cwd.clone());
                    self.product(resolve(&dir, "target/"), true, "mvn");
                    if let Some(jar) = self.context.and_then(|c| c.maven_jar.clone()) {
                        self.product(resolve(&dir, &format!("target/{jar}")), false, "mvn");
                    }
                }
                "gradle" | "gradlew" => {
                    self.product(resolve(&cwd, "build/"), true, "gradle");
                }
                "npm" | "yarn" | "pnpm" => {
                    self.a.node_pm.get_or_insert(name.clone());
                }
                "pip" | "pip3" | "python" | "python3" => {
                    let is_pip = name.starts_with("pip")
                        || (args.first().is_some_and(|a| a == "-m")
                            && args.get(1).is_some_and(|a| a.starts_with("pip")));
                    if is_pip && args.iter().any(|a| a == "install") {
                        for f in ["--user", "--target", "-t", "--prefix", "--root"] {
                            if args
                                .iter()
                                .any(|a| a == f || a.starts_with(&format!("{f}=")))
                            {
                                self.a.pip_outside_venv.get_or_insert(f.to_string());
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn packages(&mut self, manager: &str, args: &[String]) {
        let apk = manager == "apk";
        let pos = positionals(args);
        let Some(sub) = pos.first() else { return };
        let names = &pos[1..];
        let install = if apk { sub == "add" } else { sub == "install" };
        let remove = if apk {
            sub == "del"
        } else {
            matches!(sub.as_str(), "remove" | "purge" | "autoremove" | "erase")
        };
        if install {
            let group = if apk {
                flag_value(args, &["--virtual", "-t"])
            } else {
                None
            };
            for n in names {
                self.a.packages.push(Package {
                    name: n.clone(),
                    apk,
                    group: group.clone(),
                });
            }
        } else if remove {
            self.a.packages.retain(|p| {
                !names.iter().any(|n| {
                    p.group.as_deref() == Some(n.as_str())
                        || super::recipes::glob_match(
                            n,
                            p.name.split(['=', ':']).next().unwrap_or(""),
                        )
                })
            });
        }
    }

    fn go(&mut self, args: &[String], cwd: &str, vars: &HashMap<String, String>) {
        let pos = positionals(args);
        match pos.first().map(String::as_str) {
            Some("build") => {
                if vars.get("CGO_ENABLED").is_some_and(|v| v == "0") {
                    self.a.cgo_disabled = true;
                }
                if let Some(o) = flag_value(args, &["-o"]) {
                    let p = resolve(cwd, &o);
                    let dir = o.ends_with('/');
                    self.product(p, dir, "go build");
                    return;
                }
                let pkgs: Vec<&String> = pos[1..].iter().collect();
                let named = match pkgs.as_slice() {
                    [p] if p.starts_with("./") && p.len() > 2 && !p.contains("...") => {
                        Some(basename(p).to_string())
                    }
                    _ => self.context.and_then(|c| c.go_binary()).map(str::to_string),
                };
                match named {
                    Some(n) => self.product(resolve(cwd, &n), false, "go build"),
                    None => self.a.unknown_outputs.push(
                        "`go build` without `-o` names its binary after the module in go.mod, which was not read".into(),
                    ),
                }
            }
            Some("install") => {
                let bin = vars
                    .get("GOBIN")
                    .cloned()
                    .or_else(|| vars.get("GOPATH").map(|g| format!("{g}/bin")))
                    .unwrap_or_else(|| "/go/bin".to_string());
                self.product(
                    format!("{}/", bin.trim_end_matches('/')),
                    true,
                    "go install",
                );
            }
            _ => {}
        }
    }

    fn cargo(&mut self, args: &[String], cwd: &str, vars: &HashMap<String, String>) {
        let pos = positionals(args);
        let bins: Vec<String> = match flag_value(args, &["--bin"]) {
            Some(b) => vec![b],
            None => self
                .context
                .map(|c| c.cargo_bins.clone())
                .unwrap_or_default(),
        };
        match pos.first().map(String::as_str) {
            Some("build") | Some("b") => {
                let profile = if let Some(p) = flag_value(args, &["--profile"]) {
                    if p == "dev" {
                        "debug".to_string()
                    } else {
                        p
                    }
                } else if args.iter().any(|a| a == "--release" || a == "-r") {
                    "release".to_string()
                } else {
                    "debug".to_string()
                };
                let target_dir = flag_value(args, &["--target-dir"])
                    .or_else(|| vars.get("CARGO_TARGET_DIR").cloned())
                    .unwrap_or_else(|| "target".to_string());
                let mut dir = resolve(cwd, &target_dir);
                if let Some(t) = flag_value(args, &["--target"]) {
                    dir = format!("{dir}/{t}");
                }
                let out = format!("{dir}/{profile}/");
                for b in &bins {
                    self.product(format!("{out}{b}"), false, "cargo build");
                }
                self.product(out, true, "cargo build");
            }
            Some("install") => {
                let root = flag_value(args, &["--root"])
                    .or_else(|| vars.get("CARGO_HOME").cloned())
                    .unwrap_or_else(|| "/usr/local/cargo".to_string());
                let bin = format!("{}/bin/", root.trim_end_matches('/'));
                for b in &bins {
                    self.product(format!("{bin}{b}"), false, "cargo install");
                }
                self.product(bin, true, "cargo install");
            }
            _ => {}
        }
    }
}

fn short(text: &str) -> String {
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 60 {
        format!("{}…", one.chars().take(60).collect::<String>())
    } else {
        one
    }
}

/// Analyses `stage` of `doc`.
pub fn analyse(
    doc: &Document,
    stage: &Stage,
    recipes: &Recipes,
    context: Option<&BuildContext>,
) -> StageAnalysis {
    let mut w = Walker {
        doc,
        recipes,
        context,
        a: StageAnalysis {
            cwd: Some("/".to_string()),
            ..StageAnalysis::default()
        },
    };
    let globals = global_args(doc);
    for i in stage.instructions.clone() {
        if doc.instructions[i].kind == Kind::Arg {
            // A re-declared global ARG takes the global default.
            for word in &doc.instructions[i].words {
                if let Some(v) = globals.get(word.value()) {
                    w.a.vars.insert(word.value().to_string(), v.clone());
                }
            }
        }
        w.instruction(i);
    }
    w.a
}

impl StageAnalysis {
    /// Packages kept that are build-only.
    pub fn toolchain_packages<'r>(&'r self, recipes: &Recipes) -> Vec<&'r Package> {
        self.packages
            .iter()
            .filter(|p| recipes.is_toolchain_package(&p.name))
            .collect()
    }

    /// The recipes this stage builds with (build command, or install
    /// command plus a toolchain package).
    pub fn built_recipes<'r>(&self, recipes: &'r Recipes) -> Vec<(&'r str, &'r Recipe)> {
        let toolchain = !self.toolchain_packages(recipes).is_empty();
        recipes
            .recipes
            .iter()
            .filter(|(name, r)| {
                self.builds.contains_key(name.as_str())
                    || (self.installs.contains_key(name.as_str())
                        && (toolchain || !r.needs_toolchain))
            })
            .map(|(n, r)| (n.as_str(), r))
            .collect()
    }
}

/// What an instruction runs: its program and file arguments.
pub fn instruction_entry(
    doc: &Document,
    ins: &Instruction,
    vars: &HashMap<String, String>,
    cwd: &str,
    context: Option<&BuildContext>,
    as_args: bool,
    needs_shell: &mut bool,
) -> Vec<EntryItem> {
    let mut out = Vec::new();
    let mut ins = ins;
    let hc;
    if ins.kind == Kind::Healthcheck {
        // `HEALTHCHECK [opts] CMD ...`: parse the part after CMD as a CMD.
        let text = ins.args_text();
        let Some(p) = text.find("CMD").or_else(|| text.find("cmd")) else {
            return out;
        };
        let cmd_src = format!("FROM x\nCMD {}\n", &text[p + 3..]);
        hc = Document::parse(&cmd_src);
        let Some(c) = hc.instructions.get(1) else {
            return out;
        };
        return instruction_entry(&hc, c, vars, cwd, context, false, needs_shell);
    }
    ins = ins.effective();
    match &ins.form {
        Form::Exec(items) => {
            // With an ENTRYPOINT, CMD's words are its arguments.
            let words: Vec<String> = as_args
                .then(|| ARGS_ONLY.to_string())
                .into_iter()
                .chain(
                    items
                        .iter()
                        .map(|a| expand(a, vars).unwrap_or_else(|| a.clone())),
                )
                .collect();
            entry_words(&words, vars, cwd, context, needs_shell, &mut out, 0);
        }
        Form::Shell => {
            *needs_shell = true;
            if let Some(script) = ins.shell_script(doc.source()) {
                for c in script.commands() {
                    let words = command_words(c, vars);
                    entry_words(&words, vars, cwd, context, needs_shell, &mut out, 0);
                }
            }
        }
    }
    out
}

/// A stand-in program for CMD words that are ENTRYPOINT's arguments.
const ARGS_ONLY: &str = "\u{0}args";

const SCRIPT_EXTENSIONS: &[&str] = &[
    ".js", ".mjs", ".cjs", ".ts", ".py", ".jar", ".war", ".sh", ".rb", ".php", ".pl", ".bash",
];

/// Reads a command's words: program, files, and what `sh -c`, `npm start`
/// and friends run.
fn entry_words(
    words: &[String],
    vars: &HashMap<String, String>,
    cwd: &str,
    context: Option<&BuildContext>,
    needs_shell: &mut bool,
    out: &mut Vec<EntryItem>,
    depth: usize,
) {
    let mut words: Vec<&String> = words.iter().collect();
    while words
        .first()
        .is_some_and(|w| *w == "exec" || w.contains('=') && !w.starts_with('-'))
    {
        words.remove(0);
    }
    let Some(prog) = words.first() else { return };
    let name = basename(prog);
    if matches!(name, "sh" | "bash" | "ash" | "dash") {
        *needs_shell = true;
        if let Some(p) = words
            .iter()
            .position(|w| *w == "-c" || *w == "-ec" || *w == "-ex")
        {
            if let Some(script) = words.get(p + 1) {
                let s = ShellScript::parse(ShellSource::from_text(script, 0));
                for c in s.commands() {
                    let cw = command_words(c, vars);
                    entry_words(&cw, vars, cwd, context, needs_shell, out, depth + 1);
                }
                return;
            }
        }
    }
    // `npm start`, `npm run x`, `yarn x`: the package.json script.
    if matches!(name, "npm" | "yarn" | "pnpm") && depth < 4 {
        out.push(EntryItem::Program(name.to_string()));
        out.push(EntryItem::File(resolve(cwd, "package.json")));
        let rest: Vec<&String> = words[1..]
            .iter()
            .filter(|w| !w.starts_with('-'))
            .copied()
            .collect();
        let script = match rest.as_slice() {
            [s] if *s == "start" || *s == "test" => Some(s.as_str()),
            [r, s, ..] if *r == "run" || *r == "run-script" => Some(s.as_str()),
            [s] if name != "npm" => Some(s.as_str()),
            _ => None,
        };
        if let Some(script) = script {
            let manifest = context.filter(|c| c.has_file("package.json"));
            match manifest.map(|c| c.node_scripts.get(script)) {
                Some(Some(text)) => {
                    let s = ShellScript::parse(ShellSource::from_text(text, 0));
                    for c in s.commands() {
                        let cw = command_words(c, vars);
                        entry_words(&cw, vars, cwd, context, needs_shell, out, depth + 1);
                    }
                }
                Some(None) if script == "start" => {
                    // npm's default start script.
                    out.push(EntryItem::File(resolve(cwd, "server.js")));
                }
                _ => out.push(EntryItem::Unknown(format!(
                    "`{name} {script}` runs a package.json script, and package.json was not read"
                ))),
            }
        }
        return;
    }
    if *prog == ARGS_ONLY {
    } else if prog.contains('/') {
        out.push(EntryItem::File(resolve(cwd, prog)));
    } else if prog.contains('$') {
        out.push(EntryItem::Unknown(format!(
            "the program `{prog}` uses a variable with no value"
        )));
    } else {
        out.push(EntryItem::Program(prog.to_string()));
    }
    let mut prev_flag = false;
    let mut skip_module = false;
    for w in &words[1..] {
        let is_flag = w.starts_with('-');
        if is_flag {
            // `-jar X` names a file; `-m module` names none.
            skip_module = *w == "-m";
            prev_flag = !matches!(w.as_str(), "-jar" | "-u" | "-O" | "-B" | "--");
            continue;
        }
        if skip_module {
            skip_module = false;
            prev_flag = false;
            continue;
        }
        let ext = SCRIPT_EXTENSIONS.iter().any(|e| w.ends_with(e));
        let path_like = w.contains('/') && !w.contains("://") && !w.contains('=') && !prev_flag;
        if (ext || path_like) && !w.contains(':') {
            if w.contains('$') {
                out.push(EntryItem::Unknown(format!(
                    "`{w}` uses a variable with no value"
                )));
            } else {
                out.push(EntryItem::File(resolve(cwd, w)));
            }
        }
        prev_flag = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage0(src: &str) -> StageAnalysis {
        let doc = Document::parse(src);
        let st = doc.stages()[0].clone();
        analyse(&doc, &st, Recipes::builtin(), None)
    }

    #[test]
    fn tracks_workdir_vars_products_and_packages() {
        let a = stage0(
            "FROM golang:1.22\nARG BIN=server\nWORKDIR /src\nWORKDIR cmd\n\
             RUN apt-get update && apt-get install -y gcc curl && apt-get purge -y gcc\n\
             RUN apk add --virtual .deps make && apk del .deps\n\
             RUN cd .. && CGO_ENABLED=0 go build -o ./bin/${BIN} ./cmd/server\n\
             RUN cp bin/server /usr/local/bin/\n",
        );
        assert_eq!(a.cwd.as_deref(), Some("/src/cmd"));
        assert_eq!(
            a.packages
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>(),
            ["curl"]
        );
        assert!(a.products.iter().any(|p| p.path == "/src/bin/server"));
        assert!(a.products.iter().any(|p| p.path == "/usr/local/bin/server"));
        assert!(a.cgo_disabled);
        assert!(a.builds.contains_key("go"));
    }

    #[test]
    fn command_patterns() {
        let w = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        assert!(command_matches(
            &w("./mvnw -B clean package -DskipTests"),
            "mvnw package"
        ));
        assert!(command_matches(&w("go build -o app ."), "go build"));
        assert!(!command_matches(&w("go test ./..."), "go build"));
        assert!(command_matches(&w("npm run build"), "npm run build"));
        assert!(!command_matches(&w("npm run lint"), "npm run build"));
    }

    #[test]
    fn entry_items() {
        let doc = Document::parse(
            "FROM a\nCMD [\"java\", \"-Xmx1g\", \"-jar\", \"target/app.jar\"]\n\
             ENTRYPOINT exec /docker-entrypoint.sh node dist/main.js --port 80\n",
        );
        let vars = HashMap::new();
        let mut shell = false;
        let items = instruction_entry(
            &doc,
            &doc.instructions[1],
            &vars,
            "/app",
            None,
            false,
            &mut shell,
        );
        assert_eq!(
            items,
            [
                EntryItem::Program("java".into()),
                EntryItem::File("/app/target/app.jar".into())
            ]
        );
        assert!(!shell);
        let items = instruction_entry(
            &doc,
            &doc.instructions[2],
            &vars,
            "/app",
            None,
            false,
            &mut shell,
        );
        assert_eq!(
            items,
            [
                EntryItem::File("/docker-entrypoint.sh".into()),
                EntryItem::File("/app/dist/main.js".into())
            ]
        );
        assert!(shell);
    }
}
