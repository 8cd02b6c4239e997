//! Deciding the split and writing it: the runtime image, the artifacts, the
//! instructions carried over, and the edits.

use std::collections::BTreeSet;
use std::ops::Range;

use dfix_grammar::{Document, Kind, Stage};

use super::analysis::{analyse, global_args, instruction_entry, EntryItem, StageAnalysis};
use super::paths::{basename, dirname, expand, is_under, referenced_vars, resolve};
use super::recipes::{fill_template, image_tag, Recipe, Recipes};
use crate::bases::BaseImages;
use crate::context::BuildContext;
use crate::edit::Edit;
use crate::style::{case_like, instruction_lines, Style};

/// What the pass decided for a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Nothing to do: no build in the final stage.
    Nothing,
    /// Split: the edits and what they do.
    Split {
        /// Where the finding points.
        span: Range<usize>,
        /// What was found.
        found: String,
        /// The fix's message.
        message: String,
        /// The edits.
        edits: Vec<Edit>,
    },
    /// Only a suggestion: what was found and what is missing.
    Suggest {
        /// Where the finding points.
        span: Range<usize>,
        /// What was found.
        found: String,
        /// Why there is no rewrite.
        missing: Vec<String>,
    },
}

/// Instructions the runtime stage takes over from the original stage;
/// those of [`MOVED`] are removed from the builder.
const CARRIED: &[Kind] = &[
    Kind::Env,
    Kind::Workdir,
    Kind::Expose,
    Kind::User,
    Kind::Label,
    Kind::Healthcheck,
    Kind::Cmd,
    Kind::Entrypoint,
    Kind::Volume,
    Kind::Stopsignal,
    Kind::Shell,
];
const MOVED: &[Kind] = &[
    Kind::Expose,
    Kind::Healthcheck,
    Kind::Cmd,
    Kind::Entrypoint,
    Kind::Volume,
    Kind::Stopsignal,
];
/// Only the last one of these matters.
const LAST_ONLY: &[Kind] = &[
    Kind::User,
    Kind::Healthcheck,
    Kind::Cmd,
    Kind::Entrypoint,
    Kind::Stopsignal,
    Kind::Shell,
    Kind::Workdir,
];
/// The artifacts are copied before the first of these.
const AFTER_COPIES: &[Kind] = &[
    Kind::User,
    Kind::Expose,
    Kind::Volume,
    Kind::Healthcheck,
    Kind::Cmd,
    Kind::Entrypoint,
    Kind::Stopsignal,
];
/// Programs an image with a shell has.
const SHELL_PROGRAMS: &[&str] = &[
    "sh", "bash", "env", "echo", "cat", "sleep", "test", "[", "exec", "true", "false", "printf",
    "mkdir", "ls", "rm", "cp", "mv", "id", "chmod", "chown", "export", "set", "trap", "wait",
];

fn builder_name(doc: &Document, stage: &Stage) -> String {
    if let Some(n) = &stage.name {
        return n.value().to_string();
    }
    let used: BTreeSet<String> = doc
        .instructions
        .iter()
        .filter_map(|i| i.effective().flag("from").and_then(|f| f.value.clone()))
        .map(|v| v.to_ascii_lowercase())
        .collect();
    ["build", "builder", "build-stage"]
        .into_iter()
        .find(|n| !used.contains(*n))
        .map_or_else(|| "dfix-build".to_string(), str::to_string)
}

fn is_root_user(u: &str) -> bool {
    let name = u.split(':').next().unwrap_or(u);
    name == "root" || name == "0"
}

struct Ctx<'a> {
    doc: &'a Document,
    stage: &'a Stage,
    a: StageAnalysis,
    recipe_name: &'a str,
    recipe: &'a Recipe,
    recipes: &'a Recipes,
    bases: &'a BaseImages,
    context: Option<&'a BuildContext>,
}

/// Decides what to do with `doc`; `bases` says which Debian suite the
/// builder runs on and which distroless images are maintained.
pub fn decide(
    doc: &Document,
    recipes: &Recipes,
    bases: &BaseImages,
    context: Option<&BuildContext>,
    style: &Style,
) -> Decision {
    let stages = doc.stages();
    let Some(stage) = stages.last() else {
        return Decision::Nothing;
    };
    let a = analyse(doc, stage, recipes, context);
    // Install-only evidence (`pip install` next to gcc) counts only on the
    // ecosystem's own image: elsewhere it is usually a base image or tool.
    let base = stage
        .base
        .as_ref()
        .map(|w| w.value().to_string())
        .unwrap_or_default();
    let base_name = super::recipes::image_name(&base).to_string();
    let built: Vec<(&str, &Recipe)> = a
        .built_recipes(recipes)
        .into_iter()
        .filter(|(n, r)| a.builds.contains_key(*n) || r.builder_images.contains(&base_name))
        .collect();
    if built.is_empty() {
        return Decision::Nothing;
    }
    let from = &doc.instructions[stage.from];
    let span = from.span.clone();
    let mut found: Vec<String> = built
        .iter()
        .map(|(n, r)| {
            let ev = a.builds.get(*n).or_else(|| a.installs.get(*n));
            let first = ev.and_then(|e| e.first()).cloned().unwrap_or_default();
            format!(
                "a {} build ({first})",
                if r.summary.is_empty() {
                    *n
                } else {
                    r.summary.as_str()
                }
            )
        })
        .collect();
    let tool: Vec<String> = a
        .toolchain_packages(recipes)
        .iter()
        .map(|p| format!("`{}`", p.name))
        .collect();
    if !tool.is_empty() {
        found.push(format!(
            "build packages kept in the image: {}",
            tool.join(", ")
        ));
    }
    let found = found.join("; ");
    let suggest = |missing: Vec<String>| Decision::Suggest {
        span: span.clone(),
        found: found.clone(),
        missing,
    };
    if stages.len() > 1 {
        return suggest(vec![format!(
            "the file is already multi-stage: the final stage{} builds and runs in one image; \
             move its build into an earlier stage and copy only the output",
            stage
                .name
                .as_ref()
                .map(|n| format!(" `{}`", n.value()))
                .unwrap_or_default()
        )]);
    }
    if built.len() > 1 {
        let names: Vec<&str> = built.iter().map(|(n, _)| *n).collect();
        return suggest(vec![format!(
            "one recipe: the stage builds with several ({}), so which artifacts the runtime needs is unclear",
            names.join(", ")
        )]);
    }
    let (recipe_name, recipe) = built[0];
    let c = Ctx {
        doc,
        stage,
        a,
        recipe_name,
        recipe,
        recipes,
        bases,
        context,
    };
    match c.plan(style) {
        Ok((edits, message)) => Decision::Split {
            span,
            found,
            message,
            edits,
        },
        Err(missing) => suggest(missing),
    }
}

/// Where the end of the file starts that holds only blank lines and the
/// `moved` line ranges (instructions the runtime stage takes over): the
/// runtime stage replaces it.
fn tail_start(src: &str, moved: &[Range<usize>]) -> usize {
    let mut at = src.len();
    loop {
        if let Some(r) = moved.iter().find(|r| r.end == at && r.start < at) {
            at = r.start;
            continue;
        }
        // The line before `at` (its line end included).
        let before = &src[..at];
        let body = before.strip_suffix('\n').unwrap_or(before);
        let line_start = body.rfind('\n').map_or(0, |i| i + 1);
        if at > 0 && src[line_start..at].trim().is_empty() && line_start < at {
            at = line_start;
            continue;
        }
        return at;
    }
}

struct Artifact {
    path: String,
    /// Where it goes in the runtime stage (`None`: the same path).
    dest: Option<String>,
    chown: bool,
}

/// Folders on the default PATH of every base image.
const PATH_DIRS: &[&str] = &[
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

impl Ctx<'_> {
    fn plan(&self, style: &Style) -> Result<(Vec<Edit>, String), Vec<String>> {
        let doc = self.doc;
        let a = &self.a;
        let r = self.recipe;
        let mut missing = Vec::new();
        let Some(cwd) = a.cwd.clone() else {
            return Err(vec![
                "a working directory: WORKDIR uses a variable with no value".into(),
            ]);
        };
        let base_raw = self
            .stage
            .base
            .as_ref()
            .map(|w| w.value().to_string())
            .unwrap_or_default();
        let base = expand(&base_raw, &global_args(doc)).unwrap_or(base_raw.clone());
        let tag = image_tag(&base).to_string();
        if let Some(f) = &a.pip_outside_venv {
            missing.push(format!(
                "a virtualenv install: `pip install {f}` puts packages outside the virtualenv the runtime stage would copy"
            ));
        }
        // What the image runs.
        let last_cmd = a.last.get(&Kind::Cmd).copied();
        let last_ep = a.last.get(&Kind::Entrypoint).copied();
        if last_cmd.is_none() && last_ep.is_none() {
            missing.push("a CMD or ENTRYPOINT: what the image runs is not known".into());
        }
        let mut needs_shell = false;
        let mut items = Vec::new();
        if let Some(i) = last_ep {
            items.extend(instruction_entry(
                doc,
                &doc.instructions[i],
                &a.vars,
                &cwd,
                self.context,
                false,
                &mut needs_shell,
            ));
        }
        if let Some(i) = last_cmd {
            items.extend(instruction_entry(
                doc,
                &doc.instructions[i],
                &a.vars,
                &cwd,
                self.context,
                last_ep.is_some(),
                &mut needs_shell,
            ));
        }
        for it in &items {
            if let EntryItem::Program(p) = it {
                if matches!(
                    p.as_str(),
                    "go" | "cargo"
                        | "mvn"
                        | "mvnw"
                        | "gradle"
                        | "gradlew"
                        | "rustc"
                        | "javac"
                        | "tsc"
                        | "ts-node"
                ) {
                    missing.push(format!(
                        "a built artifact to run: CMD runs the toolchain (`{p}`) itself"
                    ));
                }
            }
        }
        if items
            .iter()
            .any(|it| matches!(it, EntryItem::File(f) if f.ends_with(".sh")))
        {
            needs_shell = true;
        }
        let mut health_programs = Vec::new();
        if let Some(i) = a.last.get(&Kind::Healthcheck) {
            for it in instruction_entry(
                doc,
                &doc.instructions[*i],
                &a.vars,
                &cwd,
                self.context,
                false,
                &mut needs_shell,
            ) {
                if let EntryItem::Program(p) = it {
                    health_programs.push(p);
                }
            }
        }
        // Runtime packages.
        let apk = a.packages.iter().any(|p| p.apk);
        let alpine = tag.contains("alpine") || apk;
        let mut runtime_pkgs: Vec<String> = Vec::new();
        for p in &a.packages {
            let base_name = p.name.split(['=', ':']).next().unwrap_or(&p.name);
            if r.build_packages.iter().any(|b| b == base_name) {
                continue;
            }
            let name = if self.recipes.is_toolchain_package(&p.name) {
                match self.recipes.runtime_of(&p.name, p.apk) {
                    Some(rt) => rt.to_string(),
                    None => continue,
                }
            } else {
                p.name.clone()
            };
            if !runtime_pkgs.contains(&name) {
                runtime_pkgs.push(name);
            }
        }
        let provides = |p: &str, shell: bool| {
            r.provides.iter().any(|x| x == p)
                || (shell
                    && (r.shell_provides.iter().any(|x| x == p) || SHELL_PROGRAMS.contains(&p)))
        };
        for p in &health_programs {
            let has = provides(p, true)
                || runtime_pkgs
                    .iter()
                    .any(|x| x.split('=').next() == Some(p.as_str()));
            if !has && matches!(p.as_str(), "curl" | "wget") {
                runtime_pkgs.push(p.clone());
            }
        }
        // Users the runtime must create.
        let user = a
            .last
            .get(&Kind::User)
            .map(|i| doc.instructions[*i].args_text().to_string());
        let mut user_cmds = Vec::new();
        if let Some(u) = &user {
            let name = u.split(':').next().unwrap_or(u);
            if !is_root_user(u) && !name.chars().all(|c| c.is_ascii_digit()) {
                user_cmds = a.user_commands.clone();
                if user_cmds.is_empty() && !r.users.iter().any(|x| x == name) {
                    // A user of the builder image: create it.
                    user_cmds.push(if alpine {
                        format!("addgroup -S {name} && adduser -S -G {name} {name}")
                    } else {
                        format!("groupadd --system {name} && useradd --system --gid {name} --no-create-home {name}")
                    });
                }
            }
        }
        let shell = needs_shell || !runtime_pkgs.is_empty() || !user_cmds.is_empty();
        let mut template = if alpine {
            r.runtime_alpine.as_ref()
        } else if shell {
            r.runtime_shell.as_ref()
        } else if self.recipe_name == "go" && !a.cgo_disabled {
            r.runtime_cgo.as_ref()
        } else {
            None
        }
        .unwrap_or(&r.runtime);
        let mut has_shell = alpine
            || shell
            || Some(template) == r.runtime_shell.as_ref()
            || r.runtime_shell.as_deref() == Some(&r.runtime);
        let mut filled = fill_template(template, &base, self.bases);
        if filled.is_none() && template.contains("{distroless}") {
            // Distroless no longer maintains the builder's suite: the
            // recipe's shell runtime on that suite instead.
            if let Some(t) = r.runtime_shell.as_ref() {
                template = t;
                has_shell = true;
                filled = fill_template(t, &base, self.bases);
            }
        }
        let image = match filled {
            Some(i) => i,
            None => {
                missing.push(format!(
                    "the {} version for the runtime image `{template}`: the builder image `{base}` has none in its tag",
                    self.recipe_name
                ));
                String::new()
            }
        };
        // Artifacts.
        let mut arts: Vec<Artifact> = Vec::new();
        let add = |path: String, chown: bool, arts: &mut Vec<Artifact>| {
            if !arts.iter().any(|x| x.path == path) {
                arts.push(Artifact {
                    path,
                    dest: None,
                    chown,
                });
            }
        };
        let node_build = self.recipe_name == "node" && a.builds.contains_key("node");
        let whole_workdir = r.copy_workdir || (!r.app_files.is_empty() && !node_build);
        if (whole_workdir || !r.app_files.is_empty()) && cwd == "/" {
            missing.push(
                "a WORKDIR: the application's folder is not known (the stage works in `/`)".into(),
            );
        }
        if let Some(v) = &r.venv {
            add(v.clone(), false, &mut arts);
        }
        if whole_workdir && cwd != "/" {
            add(cwd.clone(), true, &mut arts);
        } else if !r.app_files.is_empty() && cwd != "/" {
            for f in &r.app_files {
                add(resolve(&cwd, f), true, &mut arts);
            }
        }
        let venv_bin = r.venv.is_some();
        for it in &items {
            match it {
                EntryItem::Unknown(why) => missing.push(format!("the entrypoint: {why}")),
                EntryItem::Program(p) => {
                    if provides(p, has_shell) || venv_bin || runtime_pkgs.iter().any(|x| x == p) {
                        continue;
                    }
                    let on_path = |x: &str| PATH_DIRS.contains(&dirname(x));
                    let named: Vec<&super::analysis::Product> = a
                        .products
                        .iter()
                        .filter(|x| !x.dir && basename(&x.path) == p)
                        .collect();
                    let found = named
                        .iter()
                        .find(|x| on_path(&x.path))
                        .or(named.first())
                        .map(|x| x.path.clone())
                        .or_else(|| {
                            a.products
                                .iter()
                                .find(|x| x.dir && x.path.trim_end_matches('/').ends_with("/bin"))
                                .map(|d| format!("{}/{p}", d.path.trim_end_matches('/')))
                        });
                    if let Some(path) = found {
                        // A program looked up on PATH goes where every base has PATH.
                        let dest = (!on_path(&path)).then(|| format!("/usr/local/bin/{p}"));
                        add(path.clone(), false, &mut arts);
                        if let Some(x) = arts.iter_mut().find(|x| x.path == path) {
                            x.dest = dest;
                        }
                    } else {
                        missing.push(format!(
                            "the program `{p}` that CMD/ENTRYPOINT runs: the stage does not build it and `{}` may not have it",
                            if image.is_empty() { template } else { &image }
                        ));
                    }
                }
                EntryItem::File(f) => {
                    if arts.iter().any(|x| is_under(f, &x.path)) {
                        continue;
                    }
                    if !r.app_files.is_empty()
                        && node_build
                        && is_under(f, &cwd)
                        && f.trim_end_matches('/') != cwd
                    {
                        // Node: the top folder of the entry file under the app.
                        let rel = f[cwd.trim_end_matches('/').len()..].trim_start_matches('/');
                        let top = rel.split('/').next().unwrap_or(rel);
                        add(resolve(&cwd, top), true, &mut arts);
                        continue;
                    }
                    let produced = a
                        .products
                        .iter()
                        .any(|x| x.path == *f || (x.dir && is_under(f, &x.path)));
                    let copied = a
                        .copied
                        .iter()
                        .any(|x| x.path == *f || (x.dir && is_under(f, &x.path)));
                    if f.contains('*') {
                        let dir = dirname(f).to_string();
                        if a.products
                            .iter()
                            .chain([].iter())
                            .any(|x| x.dir && is_under(&dir, &x.path))
                            || a.copied.iter().any(|x| x.dir && is_under(&dir, &x.path))
                        {
                            add(f.clone(), false, &mut arts);
                            continue;
                        }
                    }
                    let unnamed_build =
                        !produced && !a.unknown_outputs.is_empty() && !basename(f).contains('.');
                    if unnamed_build {
                        missing.extend(a.unknown_outputs.iter().cloned());
                    } else if produced || copied {
                        add(f.clone(), false, &mut arts);
                    } else {
                        missing.push(format!(
                            "the file `{f}` that CMD/ENTRYPOINT names: the stage neither builds nor copies it"
                        ));
                        missing.extend(a.unknown_outputs.iter().cloned());
                    }
                }
            }
        }
        if arts.is_empty() && missing.is_empty() {
            missing.push("an artifact: CMD/ENTRYPOINT names no file the build produces".into());
        }
        if !missing.is_empty() {
            missing.dedup();
            return Err(missing);
        }
        // Drop artifacts inside others.
        let all: Vec<String> = arts.iter().map(|x| x.path.clone()).collect();
        arts.retain(|x| {
            !all.iter()
                .any(|o| *o != x.path && !o.contains('*') && is_under(&x.path, o))
        });
        Ok(self.edits(
            style,
            &image,
            &cwd,
            &arts,
            &runtime_pkgs,
            &user_cmds,
            apk || alpine,
        ))
    }

    /// True when `image` is a distroless nonroot tag, whose working
    /// directory is not `/`.
    fn image_has_own_workdir(&self, image: &str) -> bool {
        let d = &self.bases.distroless;
        d.nonroot_workdir.is_some()
            && image.starts_with(&format!("{}/", d.registry))
            && image.ends_with(&format!(":{}", d.tag))
    }

    /// True when the last CMD or ENTRYPOINT names a path relative to the
    /// working directory (`./app`, `bin/app`).
    fn entry_is_relative(&self) -> bool {
        [Kind::Entrypoint, Kind::Cmd].iter().any(|k| {
            let Some(&i) = self.a.last.get(k) else {
                return false;
            };
            let ins = &self.doc.instructions[i];
            let words: Vec<String> = match &ins.form {
                dfix_grammar::Form::Exec(items) => items.clone(),
                dfix_grammar::Form::Shell => {
                    ins.words.iter().map(|w| w.value().to_string()).collect()
                }
            };
            words.iter().any(|w| {
                !w.starts_with('/')
                    && !w.starts_with('-')
                    && !w.contains("://")
                    && !w.contains('=')
                    && (w.starts_with('.') || w.contains('/'))
            })
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn edits(
        &self,
        style: &Style,
        image: &str,
        cwd: &str,
        arts: &[Artifact],
        runtime_pkgs: &[String],
        user_cmds: &[String],
        apk: bool,
    ) -> (Vec<Edit>, String) {
        let doc = self.doc;
        let src = doc.source();
        let le = style.line_ending;
        let from = &doc.instructions[self.stage.from];
        let kw = |k: &str| case_like(k, &from.keyword);
        let name = builder_name(doc, self.stage);
        let mut edits = Vec::new();
        if self.stage.name.is_none() {
            edits.push(Edit::insert(
                from.args_span().end,
                format!(" {} {name}", kw("AS")),
            ));
        }
        if let Some(v) = &self.recipe.venv {
            let at = instruction_lines(doc, from).end;
            let mut text = String::new();
            if !src[..at].ends_with('\n') {
                text.push_str(le);
            }
            text.push_str(&format!(
                "{} python -m venv {v}{le}{} PATH=\"{v}/bin:$PATH\"{le}",
                kw("RUN"),
                kw("ENV")
            ));
            edits.push(Edit::insert(at, text));
        }
        let moved: Vec<std::ops::Range<usize>> = self
            .stage
            .instructions
            .clone()
            .map(|i| &doc.instructions[i])
            .filter(|ins| MOVED.contains(&ins.kind))
            .map(|ins| instruction_lines(doc, ins))
            .collect();
        // The end of the file that only holds blank lines and moved
        // instructions is replaced as a whole, so that exactly one blank
        // line separates the builder from the runtime stage.
        let tail = tail_start(src, &moved);
        for r in &moved {
            if r.start < tail {
                edits.push(Edit::delete(r.clone()));
            }
        }
        // The runtime stage.
        let mut out = String::new();
        if !src[..tail].ends_with('\n') && tail > 0 {
            out.push_str(le);
        }
        let prune_at = self
            .stage
            .instructions
            .clone()
            .rev()
            .find(|&i| doc.instructions[i].kind == Kind::Run)
            .map(|i| instruction_lines(doc, &doc.instructions[i]).end);
        if let Some(pm) = (self.recipe_name == "node")
            .then(|| {
                self.a.node_pm.clone().or_else(|| {
                    self.context
                        .and_then(|c| c.node_package_manager())
                        .map(str::to_string)
                })
            })
            .flatten()
            .or_else(|| (self.recipe_name == "node").then(|| "npm".to_string()))
        {
            if let (Some(cmd), Some(at)) = (self.recipe.prune.get(&pm), prune_at) {
                // Right after the last RUN: same user, before the metadata.
                let pre = if src[..at].ends_with('\n') { "" } else { le };
                let text = format!("{pre}{} {cmd}{le}", kw("RUN"));
                if at == tail {
                    // Where the runtime stage starts: one edit for both
                    // (`out` already ends the last line).
                    out.push_str(&format!("{} {cmd}{le}", kw("RUN")));
                } else {
                    edits.push(Edit::insert(at, text));
                }
            }
        }
        out.push_str(le);
        out.push_str(&format!("{} {image}{le}", kw("FROM")));
        if cwd == "/" && self.image_has_own_workdir(image) && self.entry_is_relative() {
            // The nonroot distroless tags work in /home/nonroot: keep `/`
            // for a CMD that names files relative to it.
            out.push_str(&format!("{} /{le}", kw("WORKDIR")));
        }
        if !runtime_pkgs.is_empty() {
            let cont = style.continuation();
            let pk = runtime_pkgs.join(" ");
            if apk {
                out.push_str(&format!("{} apk add --no-cache {pk}{le}", kw("RUN")));
            } else {
                out.push_str(&format!(
                    "{} apt-get update{cont}&& apt-get install -y --no-install-recommends {pk}{cont}&& rm -rf /var/lib/apt/lists/*{le}",
                    kw("RUN")
                ));
            }
        }
        if !user_cmds.is_empty() {
            out.push_str(&format!("{} {}{le}", kw("RUN"), user_cmds.join(" && ")));
        }
        // Carried instructions, in order.
        let range = self.stage.instructions.clone();
        let carried: Vec<usize> = range
            .clone()
            .filter(|&i| {
                let k = doc.instructions[i].kind;
                CARRIED.contains(&k) && (!LAST_ONLY.contains(&k) || self.a.last.get(&k) == Some(&i))
            })
            .collect();
        let text_of = |i: usize| src[doc.instructions[i].span.clone()].to_string();
        let mut referenced: BTreeSet<String> = BTreeSet::new();
        for &i in &carried {
            referenced.extend(referenced_vars(&text_of(i)));
        }
        let owner = self
            .a
            .last
            .get(&Kind::User)
            .map(|i| doc.instructions[*i].args_text().to_string())
            .filter(|u| !is_root_user(u))
            .and(self.a.chown.clone());
        let copies = {
            let mut s = String::new();
            for art in arts {
                let chown = match (&owner, art.chown) {
                    (Some(o), true) => format!(" --chown={o}"),
                    _ => String::new(),
                };
                let dest = if let Some(d) = &art.dest {
                    d.clone()
                } else if art.path.contains('*') {
                    format!("{}/", dirname(&art.path).trim_end_matches('/'))
                } else {
                    art.path.clone()
                };
                if art.path.contains(' ') {
                    s.push_str(&format!(
                        "{} --from={name}{chown} [\"{}\", \"{}\"]{le}",
                        kw("COPY"),
                        art.path,
                        dest
                    ));
                } else {
                    s.push_str(&format!(
                        "{} --from={name}{chown} {} {dest}{le}",
                        kw("COPY"),
                        art.path
                    ));
                }
            }
            if let Some(v) = &self.recipe.venv {
                s.push_str(&format!("{} PATH=\"{v}/bin:$PATH\"{le}", kw("ENV")));
            }
            s
        };
        let mut copies_done = false;
        for i in range {
            let ins = &doc.instructions[i];
            if ins.kind == Kind::Arg {
                let names: Vec<String> = ins
                    .words
                    .iter()
                    .map(|w| w.value().split('=').next().unwrap_or("").to_string())
                    .collect();
                if names.iter().any(|n| referenced.contains(n)) {
                    out.push_str(&text_of(i));
                    out.push_str(le);
                }
                continue;
            }
            if !carried.contains(&i) {
                continue;
            }
            if !copies_done && AFTER_COPIES.contains(&ins.kind) {
                out.push_str(&copies);
                copies_done = true;
            }
            if ins.kind == Kind::Workdir {
                if cwd == "/" {
                    continue;
                }
                let raw = ins.args_text();
                if raw.starts_with('/') {
                    out.push_str(&text_of(i));
                } else {
                    out.push_str(&format!("{} {cwd}", kw("WORKDIR")));
                }
                out.push_str(le);
                continue;
            }
            out.push_str(&text_of(i));
            out.push_str(le);
        }
        if !copies_done {
            out.push_str(&copies);
        }
        if !src.ends_with('\n') && !src.is_empty() {
            // Keep the file's own "no final newline".
            let trimmed = out.trim_end_matches(['\r', '\n']).len();
            out.truncate(trimmed);
        }
        edits.push(Edit::replace(tail..src.len(), out));
        let list: Vec<String> = arts.iter().map(|x| format!("`{}`", x.path)).collect();
        let message = format!(
            "Split into a `{name}` stage and a runtime stage on `{image}` that copies {}",
            list.join(", ")
        );
        (edits, message)
    }
}
