//! Where the Dockerfile side and the Compose side meet: which Dockerfile a
//! service builds ([`build_refs`], read from the Compose file), and what the
//! image built from it needs or does ([`BuiltImage`], read from that
//! Dockerfile as dfix fixed it). The application reads the Dockerfile,
//! fixes it in memory and passes the result in as
//! [`crate::Facts::compose_builds`]; nothing here does I/O.

use std::collections::BTreeSet;

use dfix_grammar::compose::{ComposeFile, Node_, ScalarStyle, Service};
use dfix_grammar::{Document, Kind, Stage};

use super::guards::interpolated;
use crate::users::analysis::{global_args, is_root, parent_stage, stage_users, Event, UserValue};
use crate::users::db::ImageDb;

/// What a service's `build:` says about its Dockerfile, as written in the
/// Compose file (paths relative to the Compose file's folder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildRef {
    /// The service name.
    pub service: String,
    /// The build context (`build: ./dir` or `context:`; `.` when the long
    /// form has none).
    pub context: String,
    /// `dockerfile:` (relative to the context), when set.
    pub dockerfile: Option<String>,
    /// `dockerfile_inline:`, the Dockerfile's text itself, when set.
    pub inline: Option<String>,
    /// `target:`, the stage built, when set (else the last stage).
    pub target: Option<String>,
}

impl BuildRef {
    /// The Dockerfile's path relative to the Compose file's folder (`None`
    /// for an inline Dockerfile).
    pub fn dockerfile_path(&self) -> Option<String> {
        if self.inline.is_some() {
            return None;
        }
        let name = self.dockerfile.as_deref().unwrap_or("Dockerfile");
        if name.starts_with('/') {
            return Some(name.to_string());
        }
        Some(format!("{}/{name}", self.context.trim_end_matches('/')))
    }
}

/// A plain string value that Compose does not interpolate.
fn literal(node: Option<&Node_>) -> Option<String> {
    let s = node?.as_scalar()?;
    (!interpolated(&s.value) && !s.value.is_empty()).then(|| s.value.clone())
}

/// The text of a literal block scalar (`|`, `|-`, `|+`), from its raw text
/// (header line and indented body); `None` for a folded one (`>`) or an
/// explicit indentation indicator, which this reading does not decode.
fn literal_block(raw: &str) -> Option<String> {
    let (header, body) = raw.split_once('\n')?;
    let header = header.split('#').next().unwrap_or("").trim();
    let chomp = match header {
        "|" => "clip",
        "|-" => "strip",
        "|+" => "keep",
        _ => return None,
    };
    let lines: Vec<&str> = body.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    let mut text: String = lines
        .iter()
        .map(|l| l.get(indent..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    match chomp {
        "strip" => text.truncate(text.trim_end_matches('\n').len()),
        "clip" => {
            text.truncate(text.trim_end_matches('\n').len());
            text.push('\n');
        }
        _ => {}
    }
    Some(text)
}

/// A context that is a folder on this machine (not a Git or HTTP URL, not
/// another service's image `service:x`, not a named additional context).
fn local_context(c: &str) -> bool {
    !(c.contains("://") || c.starts_with("git@") || c.contains(':') && !c.starts_with('.'))
}

/// The service's own `build:` (not one merged in or extended: those
/// services are not edited anyway), when every part of it that locates the
/// Dockerfile is a literal.
pub fn build_ref(svc: &Service) -> Option<BuildRef> {
    let node = svc.get("build")?.value.as_ref()?;
    if node.is_shared() {
        return None;
    }
    let mut out = BuildRef {
        service: svc.name.to_string(),
        context: ".".into(),
        dockerfile: None,
        inline: None,
        target: None,
    };
    if node.as_scalar().is_some() {
        out.context = literal(Some(node))?;
    } else {
        let map = node.as_map()?;
        if map.has_merge() {
            return None;
        }
        let get = |k: &str| map.get(k).map(|p| p.value.as_ref());
        if let Some(c) = get("context") {
            out.context = literal(c)?;
        }
        if let Some(d) = get("dockerfile") {
            out.dockerfile = Some(literal(d)?);
        }
        if let Some(i) = get("dockerfile_inline") {
            // Compose interpolates the text too: one with a `$` is left out.
            let s = i?.as_scalar()?;
            if interpolated(&s.value) {
                return None;
            }
            out.inline = Some(match s.style {
                ScalarStyle::Block => literal_block(&s.value)?,
                _ => s.value.clone(),
            });
        }
        if let Some(t) = get("target") {
            out.target = Some(literal(t)?);
        }
    }
    (out.inline.is_some() || local_context(&out.context)).then_some(out)
}

/// The services of `file` that build a Dockerfile this machine can read.
pub fn build_refs(file: &ComposeFile) -> Vec<BuildRef> {
    if !file.is_ok() {
        return Vec::new();
    }
    file.services().iter().filter_map(build_ref).collect()
}

/// What the image a service builds does, from its Dockerfile after dfix's
/// own fixes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuiltImage {
    /// The non-root user the built stage ends with (`USER 10001`, or a
    /// named user the stage creates or its base image ships); `None` when
    /// it runs as root or dfix cannot tell.
    pub non_root_user: Option<String>,
    /// The ids of the secrets its `RUN --mount=type=secret` read, in
    /// order of first use, without duplicates.
    pub secrets: Vec<String>,
}

/// The stage index `name` (a stage name or index) refers to.
fn stage_named(stages: &[Stage], name: &str) -> Option<usize> {
    if let Ok(i) = name.parse::<usize>() {
        return (i < stages.len()).then_some(i);
    }
    stages.iter().position(|s| {
        s.name
            .as_ref()
            .is_some_and(|n| n.value().eq_ignore_ascii_case(name))
    })
}

/// `key=value` pairs of a `--mount` value.
fn mount_options(value: &str) -> Vec<(String, String)> {
    value
        .split(',')
        .map(|part| {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            (
                k.trim().to_ascii_lowercase(),
                v.trim().trim_matches('"').to_string(),
            )
        })
        .collect()
}

/// The secret id of a `--mount` value, when it is a secret mount: its `id`,
/// else the base name of its `target`/`dst`/`destination` (BuildKit's
/// default).
pub fn secret_id(mount: &str) -> Option<String> {
    let opts = mount_options(mount);
    let get = |keys: &[&str]| {
        opts.iter()
            .rev()
            .find(|(k, _)| keys.contains(&k.as_str()))
            .map(|(_, v)| v.clone())
    };
    if get(&["type"]).as_deref() != Some("secret") {
        return None;
    }
    if let Some(id) = get(&["id"]).filter(|i| !i.is_empty()) {
        return Some(id);
    }
    let target = get(&["target", "dst", "destination"])?;
    let base = target.trim_end_matches('/').rsplit('/').next()?;
    (!base.is_empty()).then(|| base.to_string())
}

/// The stages BuildKit runs to build stage `target`: its `FROM` chain and
/// every stage a `COPY --from`, `ADD --from` or `RUN --mount=from=` reads,
/// transitively. Other stages are skipped by BuildKit, so their secrets
/// are never asked for.
fn needed_stages(doc: &Document, stages: &[Stage], target: usize) -> BTreeSet<usize> {
    let globals = global_args(doc);
    let mut seen = BTreeSet::new();
    let mut todo = vec![target];
    while let Some(s) = todo.pop() {
        if !seen.insert(s) {
            continue;
        }
        if let Some(p) = parent_stage(stages, &stages[s], &globals) {
            todo.push(p);
        }
        for ins in &doc.instructions[stages[s].instructions.clone()] {
            for f in &ins.flags {
                let Some(v) = f.value.as_deref() else {
                    continue;
                };
                let from = match (ins.kind, f.name.to_ascii_lowercase().as_str()) {
                    (Kind::Copy | Kind::Add, "from") => Some(v.to_string()),
                    (Kind::Run, "mount") => mount_options(v)
                        .into_iter()
                        .find(|(k, _)| k == "from")
                        .map(|(_, v)| v),
                    _ => None,
                };
                if let Some(i) = from.and_then(|n| stage_named(stages, &n)) {
                    todo.push(i);
                }
            }
        }
    }
    seen
}

/// Reads what the image built from `doc` (stage `target`, else the last
/// one) does. `db` tells which users a base image ships. `None` when the
/// target stage does not exist (the build would fail).
pub fn built_image(doc: &Document, target: Option<&str>, db: &ImageDb) -> Option<BuiltImage> {
    let stages = doc.stages();
    let at = match target {
        Some(t) => stage_named(stages, t).filter(|_| t.parse::<usize>().is_err())?,
        None => stages.last()?.index,
    };
    let globals = global_args(doc);
    let users = stage_users(doc, stages, at, &globals);
    let non_root_user = match users.last_user() {
        Some((_, UserValue::Known(u))) if !is_root(u) => {
            let name = u.split(':').next().unwrap_or("").trim();
            let numeric = !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit());
            let created = users
                .events
                .iter()
                .any(|(_, e)| matches!(e, Event::Created(c) if c == name));
            let shipped = users.base_image.as_deref().is_some_and(|b| {
                let info = db.lookup(b);
                info.users.iter().any(|x| x == name) || info.default_user.as_deref() == Some(name)
            });
            (numeric || created || shipped).then(|| u.clone())
        }
        _ => None,
    };
    let mut secrets: Vec<String> = Vec::new();
    for s in needed_stages(doc, stages, at) {
        for ins in &doc.instructions[stages[s].instructions.clone()] {
            if ins.kind != Kind::Run {
                continue;
            }
            for f in ins
                .flags
                .iter()
                .filter(|f| f.name.eq_ignore_ascii_case("mount"))
            {
                if let Some(id) = f.value.as_deref().and_then(secret_id) {
                    if !secrets.contains(&id) {
                        secrets.push(id);
                    }
                }
            }
        }
    }
    Some(BuiltImage {
        non_root_user,
        secrets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built(text: &str, target: Option<&str>) -> Option<BuiltImage> {
        built_image(&Document::parse(text), target, &ImageDb::builtin())
    }

    #[test]
    fn build_refs_short_long_inline_and_what_is_left_out() {
        let f = ComposeFile::parse(
            "services:\n  a:\n    build: ./app\n  b:\n    build:\n      context: web\n      dockerfile: Dockerfile.prod\n      target: runtime\n  c:\n    build:\n      dockerfile_inline: |\n        FROM x\n  d:\n    build: ${DIR}\n  e:\n    build: https://github.com/a/b.git\n  f:\n    image: x\n  g:\n    build: &b {context: .}\n  h:\n    build:\n      dockerfile: /abs/Dockerfile\n",
        );
        let refs = build_refs(&f);
        let names: Vec<&str> = refs.iter().map(|r| r.service.as_str()).collect();
        assert_eq!(names, ["a", "b", "c", "h"]);
        assert_eq!(
            refs[0].dockerfile_path().as_deref(),
            Some("./app/Dockerfile")
        );
        assert_eq!(
            refs[1].dockerfile_path().as_deref(),
            Some("web/Dockerfile.prod")
        );
        assert_eq!(refs[1].target.as_deref(), Some("runtime"));
        assert_eq!(refs[2].dockerfile_path(), None);
        assert_eq!(refs[2].inline.as_deref(), Some("FROM x\n"));
        assert_eq!(
            literal_block("|-\n    FROM a\n\n      RUN b\n\n").as_deref(),
            Some("FROM a\n\n  RUN b")
        );
        assert_eq!(literal_block(">\n  a\n"), None);
        assert_eq!(
            refs[3].dockerfile_path().as_deref(),
            Some("/abs/Dockerfile")
        );
    }

    #[test]
    fn secret_ids_as_buildkit_defaults_them() {
        assert_eq!(
            secret_id("type=secret,id=NPM_TOKEN,env=NPM_TOKEN").as_deref(),
            Some("NPM_TOKEN")
        );
        assert_eq!(
            secret_id("type=secret,target=/root/.aws/credentials").as_deref(),
            Some("credentials")
        );
        assert_eq!(
            secret_id("type=secret,dst=/run/s/tok").as_deref(),
            Some("tok")
        );
        assert_eq!(secret_id("type=cache,target=/root/.cache"), None);
        assert_eq!(secret_id("type=secret,env=X"), None);
        assert_eq!(secret_id("id=x,type=secret").as_deref(), Some("x"));
    }

    #[test]
    fn the_user_the_image_ends_with() {
        let user = |t: &str| built(t, None).unwrap().non_root_user;
        assert_eq!(
            user("FROM debian\nUSER 10001:10001\n").as_deref(),
            Some("10001:10001")
        );
        assert_eq!(
            user("FROM debian\nRUN useradd -r app\nUSER app\n").as_deref(),
            Some("app")
        );
        // A name nothing creates may not exist: not known to be non-root.
        assert_eq!(user("FROM debian\nUSER app\n"), None);
        assert_eq!(user("FROM debian\nUSER 1000\nUSER root\n"), None);
        assert_eq!(user("FROM debian\nUSER 0\n"), None);
        assert_eq!(user("FROM debian\n"), None);
        assert_eq!(user("FROM debian\nARG U\nUSER $U\n"), None);
        // The image ships the user (data/images.toml).
        assert_eq!(user("FROM node:22\nUSER node\n").as_deref(), Some("node"));
        // The stage chain counts: USER set in the parent stage.
        assert_eq!(
            user("FROM debian AS base\nUSER 1000\nFROM base\nRUN x\n").as_deref(),
            Some("1000")
        );
    }

    #[test]
    fn secrets_of_the_stages_the_target_needs() {
        let text = "FROM a AS deps\nRUN --mount=type=secret,id=NPM_TOKEN,env=NPM_TOKEN npm ci\nFROM a AS tools\nRUN --mount=type=secret,id=UNUSED make\nFROM a AS test\nRUN --mount=type=secret,id=TEST_KEY x\nFROM b AS runtime\nCOPY --from=deps /app /app\nRUN --mount=type=secret,id=NPM_TOKEN --mount=type=secret,target=/run/secrets/aws y\nUSER 1000\n";
        let b = built(text, Some("runtime")).unwrap();
        assert_eq!(b.secrets, ["NPM_TOKEN", "aws"]);
        assert_eq!(b.non_root_user.as_deref(), Some("1000"));
        // The default target is the last stage: the same.
        assert_eq!(built(text, None).unwrap(), b);
        let t = built(text, Some("test")).unwrap();
        assert_eq!(
            (t.secrets.as_slice(), t.non_root_user),
            (&["TEST_KEY".to_string()][..], None)
        );
        // A target that is not a stage: the build fails, no fact.
        assert_eq!(built(text, Some("nope")), None);
        // RUN --mount=from= reads a stage too.
        let b = built(
            "FROM a AS s\nRUN --mount=type=secret,id=K x\nFROM b\nRUN --mount=type=bind,from=s,target=/s y\n",
            None,
        )
        .unwrap();
        assert_eq!(b.secrets, ["K"]);
    }
}
