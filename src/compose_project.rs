//! What the application gathers about a Compose file's project before its
//! rules run, and writes beside it after: the override files Compose
//! merges on top of it, the files its `include:` pulls in, the Dockerfiles
//! its services build (each fixed in memory with its own config), the
//! files of its `secrets/` folder, and the secret files its fixes create.
//! The rules ([`dfix_transforms::compose`]) get all of it as data
//! ([`Facts`]); [`crate::pipeline::process_compose`] calls these.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use dfix_grammar::compose::ComposeFile;
use dfix_grammar::Document;
use dfix_transforms::{compose, Facts, Settings};

use crate::kind::{self, FileKind};
use crate::pipeline::{process_text, Mode, Outcome};
use crate::resolve::{Configs, Overrides};

/// The override files Compose merges on top of the file named `shown`
/// (its folder's `compose.override.yaml` ...), parsed; unreadable or
/// broken ones are left out (they are reported when they are processed
/// themselves).
pub(crate) fn compose_overrides(shown: &str) -> Vec<std::sync::Arc<ComposeFile>> {
    kind::override_names(Path::new(shown))
        .into_iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|t| ComposeFile::parse(&t))
        .filter(ComposeFile::is_ok)
        .map(std::sync::Arc::new)
        .collect()
}

/// The settings of the Dockerfiles a Compose file's services build, by
/// path (the Compose file's folder joined with the `build:` path): each
/// Dockerfile is fixed with the config nearest to it, as the run fixes it
/// when it reaches that file, so both sides agree. A Dockerfile missing
/// here is fixed with the Compose file's settings.
pub type DockerfileSettings = std::collections::HashMap<PathBuf, Settings>;

/// The [`DockerfileSettings`] of the Dockerfiles `file` (named `shown`)
/// builds; a config that fails to load leaves that Dockerfile out (the
/// error is reported when the run reaches the Dockerfile itself).
pub fn dockerfile_settings(
    shown: &Path,
    file: &ComposeFile,
    configs: &mut Configs,
    overrides: &Overrides,
    stdin: bool,
) -> DockerfileSettings {
    let folder = shown.parent().unwrap_or(Path::new(""));
    compose::build::build_refs(file)
        .iter()
        .filter_map(|r| r.dockerfile_path())
        .filter_map(|rel| {
            let path = folder.join(rel);
            let settings = configs.settings_for(&path, overrides, stdin).ok()?;
            Some((path, settings))
        })
        .collect()
}

/// The files the top-level `include:` of `file` and of its `overrides` pulls
/// into the project (relative to the folder of `shown`, the including
/// file's path), and those they include in turn, parsed; and whether every
/// one was read. A remote or interpolated path, a missing or broken file
/// leaves the list incomplete: rules then hold back as if none was read.
pub(crate) fn compose_includes(
    shown: &str,
    file: &ComposeFile,
    overrides: &[std::sync::Arc<ComposeFile>],
) -> (Vec<std::sync::Arc<ComposeFile>>, bool) {
    // Compose's own limit on nesting is far above what real files use;
    // this one only stops a cycle the visited set would miss (symlinks).
    const DEPTH: usize = 8;
    let folder = Path::new(shown).parent().unwrap_or(Path::new(""));
    let mut pending: Vec<(PathBuf, usize)> = Vec::new();
    let mut complete = true;
    for f in std::iter::once(file).chain(overrides.iter().map(|o| o.as_ref())) {
        match compose::include::include_paths(f) {
            Some(paths) => pending.extend(paths.iter().map(|p| (folder.join(p), 1))),
            None => complete = false,
        }
    }
    let mut seen: HashSet<PathBuf> = std::fs::canonicalize(shown).into_iter().collect();
    let mut out = Vec::new();
    while let Some((path, depth)) = pending.pop() {
        let Ok(canonical) = std::fs::canonicalize(&path) else {
            complete = false;
            continue;
        };
        if depth > DEPTH {
            complete = false;
            continue;
        }
        // Included twice, or itself: read once.
        if !seen.insert(canonical.clone()) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&canonical) else {
            complete = false;
            continue;
        };
        let included = ComposeFile::parse(&text);
        if !included.is_ok() {
            complete = false;
            continue;
        }
        let dir = path.parent().unwrap_or(Path::new(""));
        match compose::include::include_paths(&included) {
            Some(paths) => pending.extend(paths.iter().map(|p| (dir.join(p), depth + 1))),
            None => complete = false,
        }
        out.push(std::sync::Arc::new(included));
    }
    (out, complete)
}

/// What the images the services of `file` build do, by service name: each
/// `build:` Dockerfile (relative to the folder of `shown`, the Compose
/// file's path) read and fixed in memory by the Dockerfile pipeline with
/// its own settings from `dockerfile_settings` (the config nearest to it),
/// else the Compose file's `settings` (nothing is written here: the Dockerfile is fixed
/// when the run reaches it, by the same pipeline, so both agree). A
/// Dockerfile that cannot be read is left out; one dfix refuses to fix is
/// taken as it is (it stays so); one with a parse error is left out. An
/// inline `dockerfile_inline:` is taken as written: dfix does not edit it.
pub(crate) fn compose_builds(
    shown: &str,
    file: &ComposeFile,
    settings: &Settings,
    dockerfile_settings: &DockerfileSettings,
    facts: &Facts,
) -> std::collections::HashMap<String, compose::build::BuiltImage> {
    let mut out = std::collections::HashMap::new();
    let refs = compose::build::build_refs(file);
    if refs.is_empty() {
        return out;
    }
    let folder = Path::new(shown).parent().unwrap_or(Path::new(""));
    let db = facts.image_db();
    for r in refs {
        let text = match (&r.inline, r.dockerfile_path()) {
            (Some(inline), _) => inline.clone(),
            (None, Some(rel)) => {
                let path = folder.join(&rel);
                let Ok(original) = std::fs::read_to_string(&path) else {
                    continue;
                };
                let doc = Document::parse(&original);
                // A name dfix takes for another kind (a YAML file) is not
                // fixed as a Dockerfile: no fix pipeline, no recursion.
                let other_kind = kind::by_name(&path).is_some_and(|k| k != FileKind::Dockerfile);
                if !doc.errors.is_empty() || other_kind {
                    continue;
                }
                let mut dockerfile_facts = facts.clone();
                dockerfile_facts.compose_overrides.clear();
                dockerfile_facts.compose_includes.clear();
                dockerfile_facts.compose_builds.clear();
                let fixed = process_text(
                    &path.display().to_string(),
                    &doc,
                    dockerfile_settings.get(&path).unwrap_or(settings),
                    dockerfile_facts,
                    None,
                    Mode::Fix,
                );
                fixed.output.unwrap_or(original)
            }
            (None, None) => continue,
        };
        let doc = Document::parse(&text);
        if !doc.errors.is_empty() {
            continue;
        }
        if let Some(b) = compose::build::built_image(&doc, r.target.as_deref(), db) {
            out.insert(r.service, b);
        }
    }
    out
}

/// The names of the files in the `secrets/` folder beside a Compose file
/// (empty when there is none).
pub(crate) fn secret_files(folder: &Path) -> std::collections::BTreeSet<String> {
    std::fs::read_dir(folder.join("secrets"))
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect()
}

/// Writes the files a Compose file's fixes create beside it (a secret's
/// value), before the Compose file itself: if one cannot be written, the
/// Compose file is left as it was, so no value is lost.
pub fn write_compose_companions(outcome: &mut Outcome) -> Result<(), String> {
    for c in std::mem::take(&mut outcome.companions) {
        if let Some(dir) = c.path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
        }
        crate::write::write_or_create(&c.path, &c.text, c.original.is_some())
            .map_err(|e| format!("{}: cannot write: {e}", c.path.display()))?;
        outcome.companions_changed += 1;
    }
    Ok(())
}
