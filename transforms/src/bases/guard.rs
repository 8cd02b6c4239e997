//! The guard for swapping a runtime stage's base for a smaller variant:
//! which stages are runtime stages, and what in a stage needs the full
//! image (compiling, installing language packages, tools the smaller
//! variant lacks, artifacts compiled in a builder of another family).

use std::collections::HashMap;

use dfix_grammar::image_ref::ImageRef;
use dfix_grammar::{Document, Form, Instruction, Kind, Stage};

use super::BaseImages;
use crate::multistage::analysis::{instruction_entry, run_scripts, EntryItem};
use crate::multistage::paths::basename;

/// Why a stage keeps its full base image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A RUN compiles (`RUN line 7: gcc`).
    Compiles(String),
    /// A RUN installs language packages (`RUN line 5: pip install`).
    InstallsPackages(String),
    /// The stage runs a program the smaller variant lacks, not installed
    /// first (`RUN line 3: curl`).
    UsesTool(String),
    /// The stage copies from a builder of another family that compiles or
    /// installs (its files may need libraries the smaller variant lacks).
    CopiesFromBuilder(String),
    /// The entrypoint is not a program the rule can read (JDK → JRE only:
    /// the stage must run `java` itself).
    EntrypointNotJava(String),
}

impl Block {
    /// A short reason for messages.
    pub fn describe(&self) -> String {
        match self {
            Block::Compiles(what) => format!("it compiles ({what})"),
            Block::InstallsPackages(what) => format!("it installs language packages ({what})"),
            Block::UsesTool(what) => {
                format!("it runs a program the smaller image lacks ({what})")
            }
            Block::CopiesFromBuilder(what) => format!(
                "it copies from a builder of another family ({what}), whose files may need libraries the smaller image lacks"
            ),
            Block::EntrypointNotJava(what) => format!(
                "what it runs ({what}) is not `java` itself, and may need the JDK"
            ),
        }
    }
}

/// Programs that compile.
const COMPILERS: &[&str] = &[
    "gcc", "cc", "g++", "c++", "clang", "clang++", "make", "cmake", "ninja", "rustc", "javac",
    "node-gyp", "cython", "gfortran",
];

/// Commands that install language packages or build (program and the
/// words that must follow among its positional arguments).
const INSTALLS: &[&str] = &[
    "pip install",
    "pip3 install",
    "uv pip",
    "uv sync",
    "poetry install",
    "pipenv install",
    "pipenv sync",
    "npm ci",
    "npm install",
    "npm i",
    "npm add",
    "yarn install",
    "yarn add",
    "pnpm install",
    "pnpm i",
    "pnpm add",
    "gem install",
    "bundle install",
    "cargo install",
    "go install",
    "go get",
    "composer install",
];

/// Commands that build.
const BUILDS: &[&str] = &[
    "cargo build",
    "cargo b",
    "go build",
    "mvn",
    "mvnw",
    "gradle",
    "gradlew",
    "python setup.py",
    "python3 setup.py",
];

/// For each stage, the line of the first later instruction that uses it
/// (as a base, `COPY --from` or `RUN --mount=from=`); `None`: unused.
pub fn users_of_stages(doc: &Document, stages: &[Stage]) -> Vec<Option<usize>> {
    let mut used: Vec<Option<usize>> = vec![None; stages.len()];
    for (si, stage) in stages.iter().enumerate() {
        for i in stage.instructions.clone() {
            let ins = doc.instructions[i].effective();
            let line = doc.instructions[i].start_line;
            let mut refs: Vec<String> = Vec::new();
            if ins.kind == Kind::From {
                if let Some(w) = ins.words.first() {
                    refs.push(w.value().to_string());
                }
            }
            if let Some(v) = ins.flag("from").and_then(|f| f.value.clone()) {
                refs.push(v);
            }
            for f in ins
                .flags
                .iter()
                .filter(|f| f.name.eq_ignore_ascii_case("mount"))
            {
                for opt in f.value.as_deref().unwrap_or("").split(',') {
                    if let Some(v) = opt.strip_prefix("from=") {
                        refs.push(v.to_string());
                    }
                }
            }
            for r in refs {
                if let Some(s) = stage_named(stages, &r, si) {
                    used[s].get_or_insert(line);
                }
            }
        }
    }
    used
}

/// The stage `name` (a name or an index) refers to, before `before`.
pub fn stage_named(stages: &[Stage], name: &str, before: usize) -> Option<usize> {
    if let Ok(n) = name.parse::<usize>() {
        return (n < before).then_some(n);
    }
    stages[..before].iter().rposition(|s| {
        s.name
            .as_ref()
            .is_some_and(|w| w.value().eq_ignore_ascii_case(name))
    })
}

/// The image a stage is ultimately based on (following stage names).
pub fn root_image(stages: &[Stage], index: usize) -> Option<String> {
    let mut i = index;
    for _ in 0..stages.len() {
        let base = stages[i].base.as_ref()?.value().to_string();
        match stage_named(stages, &base, i) {
            Some(parent) => i = parent,
            None => return Some(base),
        }
    }
    None
}

/// The simple commands of a RUN, with their words (raw text when not
/// literal), in order.
fn run_commands(doc: &Document, ins: &Instruction) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    if let Form::Exec(items) = &ins.form {
        if !items.iter().any(|a| a == "-c") {
            out.push(items.clone());
        }
    }
    for script in run_scripts(doc, ins) {
        for c in script.commands() {
            let words: Vec<String> = c
                .name
                .iter()
                .chain(c.args.iter())
                .map(|w| w.value.clone().unwrap_or_else(|| w.raw.clone()))
                .collect();
            if !words.is_empty() {
                out.push(words);
            }
        }
    }
    out
}

fn matches_command(words: &[String], pattern: &str) -> bool {
    let mut pat = pattern.split_whitespace();
    let Some(prog) = pat.next() else { return false };
    let Some(first) = words.first() else {
        return false;
    };
    if basename(first) != prog {
        return false;
    }
    let rest: Vec<&str> = pat.collect();
    if rest.is_empty() {
        return true;
    }
    // `python -m pip install` reads as `pip install`.
    let positional: Vec<&String> = words[1..].iter().filter(|a| !a.starts_with('-')).collect();
    rest.iter()
        .zip(positional.iter())
        .all(|(p, a)| a.as_str() == *p)
        && positional.len() >= rest.len()
}

/// `python -m pip install x` → `pip install x`; `sudo x` → `x`.
fn normalise(words: &[String]) -> Vec<String> {
    let mut w: Vec<String> = words.to_vec();
    while w.first().is_some_and(|f| {
        f == "sudo" || f == "exec" || f == "env" || (f.contains('=') && !f.starts_with('-'))
    }) {
        w.remove(0);
    }
    if w.len() >= 3 && matches!(basename(&w[0]), "python" | "python3") && w[1] == "-m" {
        w.drain(..2);
    }
    w
}

fn is_package_install(words: &[String]) -> Option<Vec<String>> {
    let prog = basename(words.first()?);
    let pos: Vec<&String> = words[1..].iter().filter(|a| !a.starts_with('-')).collect();
    let sub = pos.first()?.as_str();
    let ok = match prog {
        "apt-get" | "apt" | "yum" | "dnf" | "microdnf" | "zypper" => sub == "install",
        "apk" => sub == "add",
        _ => false,
    };
    ok.then(|| {
        pos[1..]
            .iter()
            .map(|p| p.split(['=', ':']).next().unwrap_or(p).to_string())
            .collect()
    })
}

/// What in a stage needs its full image, for a family whose smaller
/// variant lacks `lacks`. `check_compiles` adds compiling and installing
/// language packages (the slim swap); the JDK → JRE swap checks tools
/// only.
pub struct StageCheck<'a> {
    /// The document.
    pub doc: &'a Document,
    /// Its stages.
    pub stages: &'a [Stage],
    /// The stage.
    pub index: usize,
    /// The data.
    pub bases: &'a BaseImages,
    /// Programs the smaller variant lacks.
    pub lacks: &'a [String],
}

impl StageCheck<'_> {
    /// Every reason that blocks the swap (empty: the guard holds). With
    /// `builds`, compiling, installing language packages and copying from
    /// builders of another family block too (`family`: this stage's).
    pub fn blocks(&self, builds: bool, family: &str) -> Vec<Block> {
        self.blocks_with(builds, family, true)
    }

    /// [`StageCheck::blocks`]; without `copies`, `COPY --from` is not
    /// followed (no [`Block::CopiesFromBuilder`]): the check of a builder
    /// stage only looks for compiling and installing, and following its
    /// own copies made every stage re-check all the stages before it.
    fn blocks_with(&self, builds: bool, family: &str, copies: bool) -> Vec<Block> {
        let doc = self.doc;
        let stage = &self.stages[self.index];
        let mut out = Vec::new();
        let mut installed: Vec<String> = Vec::new();
        let lacks = |p: &str, installed: &[String]| {
            self.lacks.iter().any(|l| l == p)
                && !self
                    .bases
                    .providers(p)
                    .iter()
                    .any(|pk| installed.iter().any(|i| i == pk))
        };
        for i in stage.instructions.clone() {
            let ins = doc.instructions[i].effective();
            let line = doc.instructions[i].start_line;
            match ins.kind {
                Kind::Run => {
                    for words in run_commands(doc, ins) {
                        let words = normalise(&words);
                        let Some(first) = words.first() else { continue };
                        let prog = basename(first).to_string();
                        if let Some(pkgs) = is_package_install(&words) {
                            installed.extend(pkgs);
                            continue;
                        }
                        let here = format!("RUN line {line}: `{prog}`");
                        if builds {
                            if COMPILERS.contains(&prog.as_str()) {
                                out.push(Block::Compiles(here));
                                continue;
                            }
                            if let Some(p) = BUILDS.iter().find(|p| matches_command(&words, p)) {
                                out.push(Block::Compiles(format!("RUN line {line}: `{p}`")));
                                continue;
                            }
                            if let Some(p) = INSTALLS.iter().find(|p| matches_command(&words, p)) {
                                out.push(Block::InstallsPackages(format!(
                                    "RUN line {line}: `{p}`"
                                )));
                                continue;
                            }
                            // `yarn` alone installs.
                            if prog == "yarn" && words.len() == 1 {
                                out.push(Block::InstallsPackages(format!(
                                    "RUN line {line}: `yarn`"
                                )));
                                continue;
                            }
                        }
                        if lacks(&prog, &installed) {
                            out.push(Block::UsesTool(here));
                        }
                    }
                }
                Kind::Cmd | Kind::Entrypoint | Kind::Healthcheck => {
                    let mut shell = false;
                    let vars = HashMap::new();
                    for item in instruction_entry(doc, ins, &vars, "/", None, false, &mut shell) {
                        let p = match &item {
                            EntryItem::Program(p) | EntryItem::File(p) => basename(p).to_string(),
                            EntryItem::Unknown(_) => continue,
                        };
                        if lacks(&p, &installed) {
                            out.push(Block::UsesTool(format!(
                                "{} line {line}: `{p}`",
                                ins.kind.canonical().unwrap_or("")
                            )));
                        }
                    }
                }
                Kind::Copy | Kind::Add if builds && copies => {
                    if let Some(from) = ins.flag("from").and_then(|f| f.value.clone()) {
                        if let Some(why) = self.foreign_builder(&from, family) {
                            out.push(Block::CopiesFromBuilder(format!("line {line}: {why}")));
                        }
                    }
                }
                _ => {}
            }
        }
        out.dedup();
        out
    }

    /// Why `COPY --from=<from>` brings files from a builder of another
    /// family, if it does.
    fn foreign_builder(&self, from: &str, family: &str) -> Option<String> {
        let image_family = |image: &str| -> Option<String> {
            let r = ImageRef::parse(image).ok()?;
            self.bases.official(&r).map(|o| o.family_name.to_string())
        };
        match stage_named(self.stages, from, self.index) {
            Some(src) => {
                let image = root_image(self.stages, src)?;
                let theirs = image_family(&image);
                if theirs.as_deref() == Some(family) {
                    return None;
                }
                // Only a stage (or its parents) that compiles or installs.
                let mut chain = Some(src);
                let mut guard = 0;
                while let (Some(s), true) = (chain, guard < self.stages.len()) {
                    guard += 1;
                    let check = StageCheck {
                        index: s,
                        lacks: &[],
                        ..*self
                    };
                    let found = check.blocks_with(true, "", false);
                    if let Some(b) = found
                        .iter()
                        .find(|b| matches!(b, Block::Compiles(_) | Block::InstallsPackages(_)))
                    {
                        let what = match b {
                            Block::Compiles(w) | Block::InstallsPackages(w) => w.clone(),
                            _ => String::new(),
                        };
                        return Some(format!("stage `{from}` on `{image}`, {what}"));
                    }
                    chain = self.stages[s]
                        .base
                        .as_ref()
                        .and_then(|b| stage_named(self.stages, b.value(), s));
                }
                None
            }
            None => {
                // An image: a full official image of another family.
                let r = ImageRef::parse(from).ok()?;
                let o = self.bases.official(&r)?;
                if o.family_name == family {
                    return None;
                }
                let small = o
                    .tag
                    .as_deref()
                    .is_some_and(|t| t.contains("slim") || t.contains("alpine"));
                (!small).then(|| format!("image `{from}`"))
            }
        }
    }
}

/// The registry image of each runtime stage (one no later stage builds on
/// or copies from), with its parsed reference, by stage index: what the
/// base-image rules look at. Stages based on another stage, `scratch`, an
/// unresolvable variable or an unparsable reference are left out.
pub fn runtime_stage_images(
    doc: &Document,
    stages: &[Stage],
) -> Vec<(usize, crate::rules::image_refs::ImageUse, ImageRef)> {
    use crate::rules::image_refs::{image_uses, ImageSite};
    let used = users_of_stages(doc, stages);
    let (uses, _) = image_uses(doc);
    uses.into_iter()
        .filter(|u| {
            matches!(
                u.site,
                ImageSite::From | ImageSite::ArgDefault | ImageSite::ArgTag
            )
        })
        .filter_map(|u| {
            let s = stages.iter().position(|s| s.from == u.instruction)?;
            if used[s].is_some() {
                return None;
            }
            let reference = ImageRef::parse(&u.reference).ok()?;
            Some((s, u, reference))
        })
        .collect()
}

/// The programs and files the stage's last ENTRYPOINT and CMD name
/// (basenames).
pub fn entry_programs(doc: &Document, stage: &Stage) -> Vec<String> {
    let mut last: HashMap<Kind, usize> = HashMap::new();
    for i in stage.instructions.clone() {
        let k = doc.instructions[i].effective().kind;
        if matches!(k, Kind::Cmd | Kind::Entrypoint) {
            last.insert(k, i);
        }
    }
    let mut out = Vec::new();
    let vars = HashMap::new();
    for k in [Kind::Entrypoint, Kind::Cmd] {
        let Some(&i) = last.get(&k) else { continue };
        let as_args = k == Kind::Cmd && last.contains_key(&Kind::Entrypoint);
        let mut shell = false;
        for item in instruction_entry(
            doc,
            doc.instructions[i].effective(),
            &vars,
            "/",
            None,
            as_args,
            &mut shell,
        ) {
            // `/opt/java/openjdk/bin/java` is a file but names the program.
            if let EntryItem::Program(p) | EntryItem::File(p) = item {
                out.push(basename(&p).to_string());
            }
        }
    }
    out
}
