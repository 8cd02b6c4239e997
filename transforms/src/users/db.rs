//! The image database: families of base images (how a user is created in
//! them) and the users images ship. The built-in data is
//! `transforms/data/images.toml`; users extend it from `dfix.toml`.

use std::collections::BTreeMap;

use dfix_grammar::image_ref::ImageRef;
use serde::Deserialize;

/// The built-in data file.
pub const BUILTIN_TOML: &str = include_str!("../../data/images.toml");

/// How a user is created in an image of a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CreateStyle {
    /// shadow's `groupadd --system` / `useradd --system --no-log-init`,
    /// long options (Debian, Ubuntu and the images built on them).
    Debian,
    /// shadow's `groupadd -r` / `useradd -r -l`, short options (RHEL, UBI,
    /// Fedora, CentOS, Rocky, Alma).
    Rhel,
    /// BusyBox's `addgroup -S` / `adduser -S -D` (Alpine, BusyBox).
    Busybox,
    /// No RUN: the image has no tool (or no shell) to create a user.
    None,
}

/// A family of images.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct FamilySpec {
    /// How a user is created.
    pub create: CreateStyle,
    /// The user to run as when the Dockerfile names none and none is
    /// created (distroless `nonroot:nonroot`, Windows `ContainerUser`).
    #[serde(default)]
    pub user: Option<String>,
}

/// What is known about images whose name matches.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ImageSpec {
    /// Name patterns (`*` matches anything): Docker Hub names short
    /// (`python`, `bitnami/python`), others with their registry.
    pub names: Vec<String>,
    /// Tag patterns the entry is limited to (empty: every tag).
    #[serde(default)]
    pub tags: Vec<String>,
    /// The family.
    #[serde(default)]
    pub family: Option<String>,
    /// Non-root users the image ships.
    #[serde(default)]
    pub users: Vec<String>,
    /// The user the image already runs as, when not root.
    #[serde(default)]
    pub default_user: Option<String>,
    /// Whether `[[tags]]` hints may override the family.
    #[serde(default = "yes")]
    pub tag_hints: bool,
}

fn yes() -> bool {
    true
}

/// A tag that tells the family (`-alpine`, `-bookworm`, `-nanoserver`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct TagHint {
    /// Text the tag contains.
    pub contains: String,
    /// The family of such tags.
    pub family: String,
}

/// The whole database.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ImageDb {
    /// Families by name.
    #[serde(default)]
    pub families: BTreeMap<String, FamilySpec>,
    /// Image entries, first match wins.
    #[serde(default)]
    pub images: Vec<ImageSpec>,
    /// Tag hints, first match wins.
    #[serde(default)]
    pub tags: Vec<TagHint>,
}

/// What the database says about one image reference.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageInfo {
    /// The family name and spec, when known.
    pub family: Option<(String, FamilySpec)>,
    /// Non-root users the image ships.
    pub users: Vec<String>,
    /// The non-root user the image runs as by default.
    pub default_user: Option<String>,
}

impl ImageDb {
    /// The built-in database.
    pub fn builtin() -> ImageDb {
        let db: ImageDb = crate::builtin_data::parse(crate::builtin_data::IMAGES)
            .expect("the built-in images.toml is valid");
        db.validate()
            .expect("the built-in images.toml is consistent");
        db
    }

    /// Parses a database from TOML text (the shape of `images.toml`).
    pub fn from_toml(text: &str) -> Result<ImageDb, String> {
        let db: ImageDb = toml::from_str(text).map_err(|e| e.to_string())?;
        db.validate()?;
        Ok(db)
    }

    /// Every family that entries refer to exists.
    fn validate(&self) -> Result<(), String> {
        let known = |f: &str| self.families.contains_key(f);
        for img in &self.images {
            if let Some(f) = &img.family {
                if !known(f) {
                    return Err(format!("image entry {:?}: unknown family `{f}`", img.names));
                }
            }
        }
        for t in &self.tags {
            if !known(&t.family) {
                return Err(format!(
                    "tag hint `{}`: unknown family `{}`",
                    t.contains, t.family
                ));
            }
        }
        Ok(())
    }

    /// Adds user-provided entries: their families replace or add to the
    /// built-in ones, their images and tag hints are looked at first.
    /// Fails when an entry names a family that neither defines.
    pub fn merge(&mut self, extra: ImageDb) -> Result<(), String> {
        let mut merged = self.clone();
        merged.families.extend(extra.families);
        let mut images = extra.images;
        images.append(&mut merged.images);
        merged.images = images;
        let mut tags = extra.tags;
        tags.append(&mut merged.tags);
        merged.tags = tags;
        merged.validate()?;
        *self = merged;
        Ok(())
    }

    /// Parses user-provided entries without checking family names (they may
    /// refer to built-in families); [`ImageDb::merge`] checks them.
    pub fn parse_extra(text: &str) -> Result<ImageDb, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// The built-in database extended with `extra_toml` (the `[nonroot]`
    /// table of `dfix.toml`, serialised back to TOML).
    pub fn with_extra(extra_toml: &str) -> Result<ImageDb, String> {
        let extra = ImageDb::parse_extra(extra_toml)?;
        let mut db = ImageDb::builtin();
        db.merge(extra)?;
        Ok(db)
    }

    /// The built-in database extended with an already-parsed TOML table
    /// (the `[nonroot]` table of `dfix.toml` as the config loader holds it).
    pub fn with_extra_table(table: toml::Table) -> Result<ImageDb, String> {
        let extra: ImageDb = table
            .try_into()
            .map_err(|e: toml::de::Error| e.to_string())?;
        let mut db = ImageDb::builtin();
        db.merge(extra)?;
        Ok(db)
    }

    /// A family by name.
    pub fn family(&self, name: &str) -> Option<(String, FamilySpec)> {
        self.families
            .get(name)
            .map(|f| (name.to_string(), f.clone()))
    }

    /// What is known about `image` (a reference as written, variables
    /// already expanded). `scratch` is recognised by name.
    pub fn lookup(&self, image: &str) -> ImageInfo {
        let (name, tag) = match ImageRef::parse(image) {
            Ok(r) => (match_key(&r), r.tag().unwrap_or("").to_string()),
            // Not a valid reference (`python:-alpine` from an empty
            // variable, `debian:%%SUITE%%` templates): split it by hand.
            Err(_) => {
                let slash = image.rfind('/').map_or(0, |i| i + 1);
                let (name, tag) = match image[slash..].find([':', '@']) {
                    Some(i) => (&image[..slash + i], &image[slash + i + 1..]),
                    None => (image, ""),
                };
                let name = name.to_ascii_lowercase();
                let name = name.strip_prefix("docker.io/").unwrap_or(&name);
                let name = name.strip_prefix("library/").unwrap_or(name);
                (name.to_string(), tag.to_string())
            }
        };
        let entry = self.images.iter().find(|e| {
            e.names.iter().any(|p| glob(p, &name))
                && (e.tags.is_empty() || e.tags.iter().any(|p| glob(p, &tag)))
        });
        let hint = || {
            self.tags
                .iter()
                .find(|t| tag.contains(&t.contains))
                .and_then(|t| self.family(&t.family))
        };
        match entry {
            Some(e) => {
                let family = if e.tag_hints { hint() } else { None }
                    .or_else(|| e.family.as_deref().and_then(|f| self.family(f)));
                ImageInfo {
                    family,
                    users: e.users.clone(),
                    default_user: e.default_user.clone(),
                }
            }
            None => ImageInfo {
                family: hint(),
                ..ImageInfo::default()
            },
        }
    }
}

/// The name patterns are matched against: Docker Hub names short
/// (`python`, `bitnami/python`), others as `registry/path`.
fn match_key(r: &ImageRef) -> String {
    if r.domain() == "docker.io" {
        r.path()
            .strip_prefix("library/")
            .unwrap_or(r.path())
            .to_string()
    } else {
        format!("{}/{}", r.domain(), r.path())
    }
}

/// `*` matches any run of characters (including `/`); everything else
/// matches itself, ASCII case-insensitively.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p = pattern.as_bytes();
    let t = text.as_bytes();
    // Classic two-pointer wildcard match with backtracking to the last `*`.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi].eq_ignore_ascii_case(&t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn family_of(db: &ImageDb, image: &str) -> Option<String> {
        db.lookup(image).family.map(|(n, _)| n)
    }

    #[test]
    fn builtin_parses_and_classifies() {
        let db = ImageDb::builtin();
        for (image, family) in [
            ("debian:bookworm", "debian"),
            ("ubuntu", "debian"),
            ("python:3.12-slim", "debian"),
            ("docker.io/library/python:3.12", "debian"),
            ("python:3.12-alpine3.20", "alpine"),
            ("node:20-alpine", "alpine"),
            ("golang:1.22", "debian"),
            ("eclipse-temurin:21-jre", "debian"),
            ("eclipse-temurin:21-ubi9-minimal", "rhel-minimal"),
            ("alpine:3.20", "alpine"),
            ("busybox:1.36", "busybox"),
            ("registry.access.redhat.com/ubi9/ubi:9.4", "rhel"),
            ("fedora:40", "rhel"),
            ("rockylinux:9", "rhel"),
            ("amazonlinux:2023", "rhel-minimal"),
            ("gcr.io/distroless/static-debian12:nonroot", "distroless"),
            ("gcr.io/distroless/python3-debian12", "distroless"),
            ("scratch", "scratch"),
            ("mcr.microsoft.com/windows/servercore:ltsc2022", "windows"),
            ("mcr.microsoft.com/windows/nanoserver:ltsc2022", "windows"),
            ("python:3.12-windowsservercore-ltsc2022", "windows"),
            ("cgr.dev/chainguard/static", "distroless"),
            ("cgr.dev/chainguard/python:latest-dev", "alpine"),
        ] {
            assert_eq!(family_of(&db, image).as_deref(), Some(family), "{image}");
        }
        assert_eq!(family_of(&db, "myorg/thing:1"), None);
        // Templates and empty variables still name the image.
        assert_eq!(
            family_of(&db, "debian:%%SUITE%%").as_deref(),
            Some("debian")
        );
        assert_eq!(family_of(&db, "python:-alpine").as_deref(), Some("alpine"));
        assert_eq!(
            family_of(&db, "docker.io/library/php:").as_deref(),
            Some("debian")
        );
        assert_eq!(db.lookup("node:20").users, ["node"]);
        assert_eq!(db.lookup("node:20-alpine").users, ["node"]);
        assert_eq!(
            db.lookup("bitnami/python:3").default_user.as_deref(),
            Some("1001")
        );
        let nano = db.lookup("mcr.microsoft.com/windows/nanoserver:ltsc2022");
        assert_eq!(nano.default_user.as_deref(), Some("ContainerUser"));
    }

    #[test]
    fn user_entries_come_first_and_are_checked() {
        let mut db = ImageDb::builtin();
        db.merge(
            ImageDb::parse_extra(
                r#"
[families.wolfi]
create = "busybox"

[[images]]
names = ["myorg/*"]
family = "wolfi"
users = ["svc"]

[[images]]
names = ["python"]
family = "rhel"
"#,
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(family_of(&db, "myorg/base:1").as_deref(), Some("wolfi"));
        assert_eq!(db.lookup("myorg/base").users, ["svc"]);
        assert_eq!(family_of(&db, "python:3").as_deref(), Some("rhel"));
        // Tag hints still apply to the user's entry.
        assert_eq!(family_of(&db, "python:3-alpine").as_deref(), Some("alpine"));
        assert!(ImageDb::with_extra("[[images]]\nnames = [\"x\"]\nfamily = \"nope\"\n").is_err());
        assert!(ImageDb::with_extra("[[images]]\nname = \"x\"\n").is_err());
        assert!(ImageDb::with_extra("[families.x]\ncreate = \"rhel\"\n").is_ok());
        let table: toml::Table =
            toml::from_str("[[images]]\nnames = [\"acme/*\"]\nfamily = \"rhel\"\n").unwrap();
        let db = ImageDb::with_extra_table(table).unwrap();
        assert_eq!(family_of(&db, "acme/base:1").as_deref(), Some("rhel"));
    }

    #[test]
    fn glob_matches() {
        assert!(glob(
            "gcr.io/distroless/*",
            "gcr.io/distroless/static-debian12"
        ));
        assert!(glob("*-dev", "latest-dev"));
        assert!(glob(
            "registry.access.redhat.com/ubi*/ubi",
            "registry.access.redhat.com/ubi9/ubi"
        ));
        assert!(!glob("python", "pythonx"));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("a*b*c", "axxbyy"));
        assert!(glob("*", ""));
    }
}
