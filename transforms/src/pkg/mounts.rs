//! `RUN --mount=...` flags: which folders a cache or tmpfs mount covers.

use dfix_grammar::Instruction;

/// One `--mount` of a RUN, as the fields the rules care about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// `bind` (the default), `cache`, `tmpfs`, `secret`, `ssh`.
    pub kind: String,
    /// The mount point.
    pub target: Option<String>,
}

/// Parses a `--mount` value (`type=cache,target=/x,sharing=locked`).
pub fn parse_mount(value: &str) -> Mount {
    let mut kind = "bind".to_string();
    let mut target = None;
    for field in value.split(',') {
        let (k, v) = field.split_once('=').unwrap_or((field, ""));
        match k.trim().to_ascii_lowercase().as_str() {
            "type" => kind = v.trim().to_ascii_lowercase(),
            "target" | "dst" | "destination" => target = Some(v.trim().to_string()),
            _ => {}
        }
    }
    Mount { kind, target }
}

/// The mounts of a RUN.
pub fn mounts(ins: &Instruction) -> Vec<Mount> {
    ins.effective()
        .flags
        .iter()
        .filter(|f| f.name.eq_ignore_ascii_case("mount"))
        .filter_map(|f| f.value.as_deref().map(parse_mount))
        .collect()
}

fn normalize(path: &str) -> String {
    let t = path.trim_end_matches('/');
    if t.is_empty() {
        "/".to_string()
    } else {
        t.to_string()
    }
}

/// True when a cache or tmpfs mount of the RUN covers `dir`: its target is
/// `dir` or a parent of it.
pub fn cache_mount_covers(ins: &Instruction, dir: &str) -> bool {
    let dir = normalize(dir);
    mounts(ins).iter().any(|m| {
        (m.kind == "cache" || m.kind == "tmpfs")
            && m.target.as_deref().is_some_and(|t| {
                let t = normalize(t);
                t == "/" || dir == t || dir.starts_with(&format!("{t}/"))
            })
    })
}

/// True when a cache or tmpfs mount of the RUN has a target containing
/// `needle` (e.g. `.cache/pip`, `yarn`).
pub fn cache_mount_matching(ins: &Instruction, needle: &str) -> bool {
    mounts(ins).iter().any(|m| {
        (m.kind == "cache" || m.kind == "tmpfs")
            && m.target.as_deref().is_some_and(|t| t.contains(needle))
    })
}
