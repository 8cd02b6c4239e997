//! Which kind of file a path holds, decided once per file from its name and
//! content before any rule runs (DESIGN.md, "Two file kinds"). dfix edits
//! Dockerfiles and Compose files; every other file is skipped, untouched,
//! with a one-line reason.

use std::path::Path;

use dfix_grammar::{Document, Kind};

/// The kind of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileKind {
    /// A Dockerfile: parsed, checked and fixed.
    Dockerfile,
    /// A Compose file (by its name: a `.yml`/`.yaml` file with `compose`
    /// in its name, as `compose.yaml`, `docker-compose.prod.yml`,
    /// `app_compose.yaml`; not `composer`): parsed as YAML,
    /// checked and fixed by the `DF5xx` rules.
    Compose,
    /// Not a file dfix edits; the reason says why.
    Other(Other),
}

/// Why a file is not taken as a Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Other {
    /// The extension belongs to another kind of file.
    Extension {
        /// The extension as written, without the dot.
        ext: String,
        /// What kind of file it names ("YAML", "JSON", "shell script" ...).
        what: &'static str,
    },
    /// Most instructions are not ones BuildKit knows, and it does not start
    /// with `FROM` (or `ARG` then `FROM`).
    Content {
        /// Instructions BuildKit does not know.
        unknown: usize,
        /// All instructions.
        total: usize,
        /// It has a `FROM` (not at the start).
        has_from: bool,
    },
}

impl std::fmt::Display for Other {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Other::Extension { ext, what } => write!(f, "`.{ext}` names a {what} file"),
            Other::Content {
                unknown,
                total,
                has_from,
            } => write!(
                f,
                "{}, and {unknown} of its {total} instructions are not Dockerfile instructions",
                if *has_from {
                    "it does not start with FROM"
                } else {
                    "no FROM"
                }
            ),
        }
    }
}

/// Extensions of other kinds of file, lower case, and what they name.
const OTHER_EXTENSIONS: &[(&[&str], &str)] = &[
    (&["yml", "yaml"], "YAML"),
    (&["json", "jsonc", "json5"], "JSON"),
    (
        &["toml", "ini", "cfg", "conf", "properties", "env"],
        "configuration",
    ),
    (&["xml", "html", "htm", "css", "svg"], "markup"),
    (
        &[
            "sh", "bash", "zsh", "fish", "ksh", "ps1", "psm1", "bat", "cmd",
        ],
        "shell script",
    ),
    (&["md", "markdown", "rst", "adoc", "txt", "org"], "text"),
    (
        &[
            "py", "js", "mjs", "cjs", "ts", "tsx", "jsx", "go", "rs", "rb", "java", "kt", "scala",
            "c", "h", "cc", "cpp", "hpp", "cs", "php", "pl", "lua", "swift", "tf", "hcl", "mk",
        ],
        "source",
    ),
    (
        &["lock", "sum", "patch", "diff", "log", "csv", "tsv"],
        "data",
    ),
    (
        &[
            "png", "jpg", "jpeg", "gif", "ico", "webp", "pdf", "zip", "gz", "tgz", "bz2", "xz",
            "zst", "tar", "7z", "jar", "war", "whl", "so", "dylib", "dll", "exe", "bin", "wasm",
        ],
        "binary",
    ),
];

/// The kind a file's name alone says, if it says one. `None` leaves the
/// decision to the content ([`by_content`]).
///
/// Unambiguous Dockerfile names (`Dockerfile`, `Containerfile`,
/// `*.Dockerfile`, `*.dockerfile`, `*.Containerfile`) are Dockerfiles
/// whatever they hold: an unknown instruction in them is an error, as it
/// is for BuildKit. Names of other kinds come next, so `Dockerfile.md` (a
/// note about a Dockerfile) is not taken for one; `Dockerfile.*` names and
/// names that say nothing are decided by content.
pub fn by_name(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?;
    if name == "Dockerfile"
        || name == "Containerfile"
        || name.ends_with(".Dockerfile")
        || name.ends_with(".dockerfile")
        || name.ends_with(".Containerfile")
    {
        return Some(FileKind::Dockerfile);
    }
    let lower = name.to_ascii_lowercase();
    let (stem, ext) = match lower.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, ext),
        _ => (lower.as_str(), ""),
    };
    // `compose` anywhere in a YAML name (`compose-override.yaml`,
    // `docker-compose-dev.yml`), but not `composer`.
    if matches!(ext, "yml" | "yaml") && stem.replace("composer", "").contains("compose") {
        return Some(FileKind::Compose);
    }
    let original_ext = &name[name.len() - ext.len()..];
    OTHER_EXTENSIONS
        .iter()
        .find(|(exts, _)| exts.contains(&ext))
        .map(|(_, what)| {
            FileKind::Other(Other::Extension {
                ext: original_ext.to_string(),
                what,
            })
        })
}

/// True for the names a folder walk takes as Compose files: the names
/// Compose reads by itself (`compose.yaml`, `compose.yml`,
/// `docker-compose.yaml`, `docker-compose.yml`), their `.override.` files,
/// and the `compose.<env>.yaml` / `docker-compose.<env>.yml` variants
/// projects pass with `-f`.
pub fn is_compose_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let Some(stem) = lower
        .strip_suffix(".yaml")
        .or_else(|| lower.strip_suffix(".yml"))
    else {
        return false;
    };
    let base = stem.split('.').next().unwrap_or(stem);
    matches!(base, "compose" | "docker-compose")
}

/// The override files Compose merges on top of `path` by itself, when
/// `path` is one of the default names: `compose.override.yaml` and the
/// other three spellings, in the same folder.
pub fn override_names(path: &Path) -> Vec<std::path::PathBuf> {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return Vec::new();
    };
    if !matches!(
        name,
        "compose.yaml" | "compose.yml" | "docker-compose.yaml" | "docker-compose.yml"
    ) {
        return Vec::new();
    }
    let dir = path.parent().unwrap_or(Path::new(""));
    [
        "compose.override.yml",
        "compose.override.yaml",
        "docker-compose.override.yml",
        "docker-compose.override.yaml",
    ]
    .iter()
    .map(|o| dir.join(o))
    .collect()
}

/// The kind a parsed text's content says. More than half of its
/// instructions unknown to BuildKit (YAML keys, prose and shell commands all
/// parse as unknown instructions) makes it another kind of file, unless it
/// starts as a Dockerfile must (its first instruction `FROM`, or `ARG`
/// before a `FROM`): then it is a Dockerfile with misspelled instructions,
/// an error. Compose files with inline Dockerfiles (`dockerfile_inline: |`
/// then `FROM alpine`) have a `FROM`, but start with a YAML key.
/// A text without instructions stays a Dockerfile, so that its parse error
/// ("file with no instructions") is reported as BuildKit reports it.
pub fn by_content(doc: &Document) -> FileKind {
    let total = doc.instructions.len();
    let unknown = doc
        .instructions
        .iter()
        .filter(|i| i.kind == Kind::Unknown)
        .count();
    let has_from = doc.instructions.iter().any(|i| i.kind == Kind::From);
    let starts_right = doc
        .instructions
        .first()
        .is_some_and(|i| matches!(i.kind, Kind::From | Kind::Arg));
    if unknown * 2 > total && !(has_from && starts_right) {
        FileKind::Other(Other::Content {
            unknown,
            total,
            has_from,
        })
    } else {
        FileKind::Dockerfile
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(n: &str) -> Option<FileKind> {
        by_name(Path::new(n))
    }

    #[test]
    fn names() {
        for d in [
            "Dockerfile",
            "x/Containerfile",
            "api.Dockerfile",
            "api.dockerfile",
            "a.Containerfile",
        ] {
            assert_eq!(name(d), Some(FileKind::Dockerfile), "{d}");
        }
        for c in [
            "compose.yaml",
            "compose.yml",
            "docker-compose.yml",
            "docker-compose.prod.yaml",
            "compose.override.yml",
            "flask-redis_compose.yaml",
            "Docker-Compose.YML",
            "compose-override.yaml",
        ] {
            assert_eq!(name(c), Some(FileKind::Compose), "{c}");
        }
        let yml = Other::Extension {
            ext: "yml".into(),
            what: "YAML",
        };
        assert_eq!(yml.to_string(), "`.yml` names a YAML file");
        assert_eq!(name("ci/build.yml"), Some(FileKind::Other(yml)));
        for o in [
            "Dockerfile.md",
            "package.json",
            "entrypoint.sh",
            "README.MD",
            "logo.png",
        ] {
            assert!(matches!(name(o), Some(FileKind::Other(_))), "{o}");
        }
        // The content decides.
        for u in [
            "Dockerfile.dev",
            "Containerfile.prod",
            "Makefile",
            "build",
            "-",
        ] {
            assert_eq!(name(u), None, "{u}");
        }
    }

    #[test]
    fn compose_names_for_walks_and_overrides() {
        for c in [
            "compose.yaml",
            "docker-compose.yml",
            "compose.override.yml",
            "docker-compose.prod.yaml",
        ] {
            assert!(is_compose_name(c), "{c}");
        }
        for o in [
            "app_compose.yaml",
            "compose.json",
            "composer.yaml",
            "ci.yml",
        ] {
            assert!(!is_compose_name(o), "{o}");
        }
        assert_eq!(override_names(Path::new("a/compose.yaml")).len(), 4);
        assert!(override_names(Path::new("a/compose.override.yaml")).is_empty());
        assert!(override_names(Path::new("a/docker-compose.prod.yml")).is_empty());
    }

    #[test]
    fn content() {
        let compose = "services:\n  web:\n    image: nginx\n    ports:\n      - '80:80'\n";
        assert_eq!(
            by_content(&Document::parse(compose)),
            FileKind::Other(Other::Content {
                unknown: 5,
                total: 5,
                has_from: false
            })
        );
        // An inline Dockerfile in a Compose file has a FROM, not at the start.
        let inline =
            "services:\n  app:\n    build:\n      dockerfile_inline: |\n        FROM alpine\n";
        assert_eq!(
            by_content(&Document::parse(inline)),
            FileKind::Other(Other::Content {
                unknown: 4,
                total: 5,
                has_from: true
            })
        );
        // Many typos, but it starts as a Dockerfile: an error later, not skipped.
        let typos = "ARG V\nFROM a\nRNU x\nCPOY . .\nWROKDIR /\nENTRYPIONT x\n";
        assert_eq!(by_content(&Document::parse(typos)), FileKind::Dockerfile);
        // A misspelled instruction in a real Dockerfile: still a Dockerfile.
        let typo = "FROM alpine\nRNU echo hi\nCPOY . .\n";
        assert_eq!(by_content(&Document::parse(typo)), FileKind::Dockerfile);
        // A fragment without FROM but with known instructions.
        let fragment = "ARG V=1\nRUN make\nCOPY . .\n";
        assert_eq!(by_content(&Document::parse(fragment)), FileKind::Dockerfile);
        // Half unknown, no FROM: a Dockerfile (and an error later), not skipped.
        let half = "RUN make\nfoo bar\n";
        assert_eq!(by_content(&Document::parse(half)), FileKind::Dockerfile);
        assert_eq!(by_content(&Document::parse("")), FileKind::Dockerfile);
        assert_eq!(
            Other::Content {
                unknown: 3,
                total: 4,
                has_from: false
            }
            .to_string(),
            "no FROM, and 3 of its 4 instructions are not Dockerfile instructions"
        );
        assert_eq!(
            Other::Content {
                unknown: 4,
                total: 5,
                has_from: true
            }
            .to_string(),
            "it does not start with FROM, and 4 of its 5 instructions are not Dockerfile instructions"
        );
    }
}
