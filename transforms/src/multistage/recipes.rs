//! Recipes for the multi-stage split, as data: the built-in
//! `data/multistage.toml`, extended by the user's `[multistage]` table.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

use crate::bases::BaseImages;

/// The built-in recipes, as TOML text.
pub const BUILTIN: &str = include_str!("../../data/multistage.toml");

/// Which packages are build-only and which runtime library a `-dev`
/// package needs.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Packages {
    /// Build-only package names; `*` at the end or start matches a prefix
    /// or suffix.
    #[serde(default)]
    pub toolchain: Vec<String>,
    /// `-dev` package → runtime library package (`name@apk` for Alpine).
    #[serde(default)]
    pub runtime_of: BTreeMap<String, String>,
}

/// One ecosystem's recipe.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Recipe {
    /// What the recipe builds, for messages.
    #[serde(default)]
    pub summary: String,
    /// Image names (last path component) that are this ecosystem's toolchain.
    #[serde(default)]
    pub builder_images: Vec<String>,
    /// Commands that build (`go build`; the words after the program must
    /// appear among its positional arguments, in order).
    #[serde(default)]
    pub build_commands: Vec<String>,
    /// Commands that install dependencies (count as a build together with
    /// a build command, or with a toolchain package when `needs-toolchain`).
    #[serde(default)]
    pub install_commands: Vec<String>,
    /// Install commands count as a build only with a toolchain package.
    #[serde(default)]
    pub needs_toolchain: bool,
    /// The runtime image template.
    #[serde(default)]
    pub runtime: String,
    /// For Go with cgo enabled.
    #[serde(default)]
    pub runtime_cgo: Option<String>,
    /// When the runtime stage needs a shell or a package manager.
    #[serde(default)]
    pub runtime_shell: Option<String>,
    /// When the builder image is Alpine-based.
    #[serde(default)]
    pub runtime_alpine: Option<String>,
    /// Programs every runtime image of the recipe has.
    #[serde(default)]
    pub provides: Vec<String>,
    /// Programs the shell runtime image has on top.
    #[serde(default)]
    pub shell_provides: Vec<String>,
    /// OS packages that are build-only for this ecosystem (on top of
    /// `packages.toolchain`), e.g. `python3` for Node's native modules.
    #[serde(default)]
    pub build_packages: Vec<String>,
    /// Users the runtime image already has (besides `root`).
    #[serde(default)]
    pub users: Vec<String>,
    /// Files of the working directory the runtime needs (Node).
    #[serde(default)]
    pub app_files: Vec<String>,
    /// Commands that drop development dependencies, by package manager.
    #[serde(default)]
    pub prune: BTreeMap<String, String>,
    /// Build a virtualenv here and copy it (Python).
    #[serde(default)]
    pub venv: Option<String>,
    /// Copy the whole working directory (interpreted languages).
    #[serde(default)]
    pub copy_workdir: bool,
}

/// Every recipe and the package tables.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Recipes {
    /// Package classification.
    #[serde(default)]
    pub packages: Packages,
    /// Recipes by name.
    #[serde(default)]
    pub recipes: BTreeMap<String, Recipe>,
}

static BUILTIN_RECIPES: LazyLock<Recipes> = LazyLock::new(|| {
    crate::builtin_data::parse(crate::builtin_data::MULTISTAGE)
        .expect("the built-in recipes are valid")
});

/// Merges `extra` into `base`: tables merge key by key, except that a
/// recipe (`recipes.<name>`) given in `extra` replaces the keys it gives,
/// and lists under `packages` are appended to.
fn merge_tables(base: &mut toml::Table, extra: &toml::Table, path: &str) {
    for (key, value) in extra {
        let here = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        match (base.get_mut(key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(e)) => merge_tables(b, e, &here),
            (Some(toml::Value::Array(b)), toml::Value::Array(e))
                if here.starts_with("packages") =>
            {
                b.extend(e.iter().cloned())
            }
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

impl Recipes {
    /// The built-in recipes.
    pub fn builtin() -> &'static Recipes {
        &BUILTIN_RECIPES
    }

    /// Parses recipes from TOML text (the shape of `data/multistage.toml`).
    pub fn from_toml_str(text: &str) -> Result<Recipes, String> {
        toml::from_str(text).map_err(|e| format!("invalid multistage recipes: {}", e.message()))
    }

    /// The built-in recipes extended by `extra` (the user's `[multistage]`
    /// table of `dfix.toml`): new recipes are added, keys of an existing
    /// recipe replaced, package lists appended to. Unknown keys are errors.
    pub fn builtin_merged_with(extra: &toml::Table) -> Result<Recipes, String> {
        let mut base: toml::Table =
            toml::from_str(BUILTIN).map_err(|e| format!("built-in recipes: {e}"))?;
        merge_tables(&mut base, extra, "");
        Recipes::deserialize(toml::Value::Table(base))
            .map_err(|e| format!("invalid multistage recipes: {}", e.message()))
    }

    /// Same as [`Recipes::builtin_merged_with`], from TOML text.
    pub fn builtin_merged_with_str(text: &str) -> Result<Recipes, String> {
        let extra: toml::Table = toml::from_str(text)
            .map_err(|e| format!("invalid multistage recipes: {}", e.message()))?;
        Recipes::builtin_merged_with(&extra)
    }

    /// True when `name` (an OS package) is build-only.
    pub fn is_toolchain_package(&self, name: &str) -> bool {
        let name = base_package_name(name);
        self.packages.toolchain.iter().any(|p| glob_match(p, name))
    }

    /// The runtime library a `-dev` package needs, for `manager`.
    pub fn runtime_of(&self, name: &str, apk: bool) -> Option<&str> {
        let name = base_package_name(name);
        if apk {
            if let Some(v) = self.packages.runtime_of.get(&format!("{name}@apk")) {
                return Some(v);
            }
        }
        self.packages.runtime_of.get(name).map(String::as_str)
    }

    /// The recipe whose builder images include the image `name` (its last
    /// path component, no tag).
    pub fn recipe_for_image(&self, image: &str) -> Option<(&str, &Recipe)> {
        let last = image_name(image);
        self.recipes
            .iter()
            .find(|(_, r)| r.builder_images.iter().any(|b| b == last))
            .map(|(n, r)| (n.as_str(), r))
    }
}

/// `name=1.2*` / `name:amd64` → `name`.
fn base_package_name(p: &str) -> &str {
    p.split(['=', ':']).next().unwrap_or(p)
}

/// The last path component of an image reference, without tag or digest.
pub fn image_name(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split(':').next().unwrap_or(last)
}

/// The tag of an image reference (`latest` when none).
pub fn image_tag(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split_once(':').map_or("latest", |(_, t)| t)
}

/// `*` at the start or end of the pattern, or in the middle once.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((pre, post)) => {
            name.len() >= pre.len() + post.len() && name.starts_with(pre) && name.ends_with(post)
        }
    }
}

/// Fills a runtime image template from the builder image; `None` when a
/// placeholder has no value. The Debian placeholders keep the runtime on
/// the builder's suite (`bases` says which suite an untagged version has):
/// `{debian}` the suite's codename, `{-suite}` `-<codename>` when the
/// builder's tag names one (else nothing: the runtime's own tag then has
/// the same default suite), `{distroless}` the distroless suffix of the
/// suite (`None` when distroless no longer maintains it) and
/// `{distroless-current}` the newest suffix (for static binaries).
pub fn fill_template(template: &str, builder: &str, bases: &BaseImages) -> Option<String> {
    let builder_tag = image_tag(builder);
    let mut out = template.to_string();
    if out.contains("{major}") {
        out = out.replace("{major}", &tag_version(builder_tag, 1)?);
    }
    if out.contains("{version}") {
        out = out.replace("{version}", &tag_version(builder_tag, 2)?);
    }
    if out.contains("{java}") {
        out = out.replace("{java}", &java_version(builder_tag)?);
    }
    let (suite, named) = bases.builder_suite(builder);
    if out.contains("{debian}") {
        out = out.replace("{debian}", &suite);
    }
    if out.contains("{-suite}") {
        out = out.replace(
            "{-suite}",
            &if named {
                format!("-{suite}")
            } else {
                String::new()
            },
        );
    }
    if out.contains("{distroless}") {
        out = out.replace("{distroless}", bases.distroless_suffix(&suite)?);
    }
    if out.contains("{distroless-current}") {
        out = out.replace("{distroless-current}", &bases.distroless.current);
    }
    if out.contains("{alpine}") {
        let v = builder_tag
            .split_once("alpine")
            .map(|(_, rest)| {
                rest.chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.')
                    .collect::<String>()
            })
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "3".to_string());
        out = out.replace("{alpine}", &v);
    }
    Some(out)
}

/// The first `parts` numbers of the version the tag starts with
/// (`3.12.1-slim` → `3.12`); `None` when the tag has fewer.
fn tag_version(tag: &str, parts: usize) -> Option<String> {
    let lead: String = tag
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let nums: Vec<&str> = lead.split('.').filter(|s| !s.is_empty()).collect();
    if nums.len() < parts {
        return None;
    }
    Some(nums[..parts].join("."))
}

/// The Java major version in a tag: after `temurin-`, `jdk`, `openjdk`,
/// `java`, `corretto`, or the leading number of an eclipse-temurin/openjdk
/// tag (`17-jdk`).
fn java_version(tag: &str) -> Option<String> {
    for marker in ["temurin-", "jdk-", "jdk", "openjdk-", "java", "corretto-"] {
        if let Some((_, rest)) = tag.split_once(marker) {
            let v: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            if !v.is_empty() {
                return Some(v);
            }
        }
    }
    let lead: String = tag.chars().take_while(|c| c.is_ascii_digit()).collect();
    let n: u32 = lead.parse().ok()?;
    (n >= 8 && tag[lead.len()..].contains("jdk")).then_some(lead)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_parses_and_has_the_five_ecosystems() {
        let r = Recipes::builtin();
        for name in ["go", "rust", "node", "python", "java"] {
            assert!(r.recipes.contains_key(name), "{name}");
        }
        assert!(r.is_toolchain_package("build-essential"));
        assert!(r.is_toolchain_package("libpq-dev=15.*"));
        assert!(r.is_toolchain_package("openjdk-17-jdk"));
        assert!(!r.is_toolchain_package("curl"));
        assert_eq!(r.runtime_of("libpq-dev", false), Some("libpq5"));
        assert_eq!(r.runtime_of("libpq-dev", true), Some("libpq"));
        assert_eq!(
            r.recipe_for_image("docker.io/library/golang:1.22")
                .unwrap()
                .0,
            "go"
        );
    }

    #[test]
    fn merge_adds_replaces_and_appends() {
        let r = Recipes::builtin_merged_with_str(
            r#"
[packages]
toolchain = ["protobuf-compiler"]
[recipes.go]
runtime = "cgr.dev/chainguard/static"
[recipes.deno]
builder-images = ["deno"]
build-commands = ["deno compile"]
runtime = "gcr.io/distroless/cc-debian12"
"#,
        )
        .unwrap();
        assert!(r.is_toolchain_package("protobuf-compiler"));
        assert!(r.is_toolchain_package("gcc"));
        assert_eq!(r.recipes["go"].runtime, "cgr.dev/chainguard/static");
        assert_eq!(r.recipes["go"].build_commands, ["go build", "go install"]);
        assert!(r.recipes.contains_key("deno"));
        let err = Recipes::builtin_merged_with_str("[recipes.go]\nruntme = \"x\"\n").unwrap_err();
        assert!(err.contains("runtme"), "{err}");
    }

    #[test]
    fn templates() {
        let b = BaseImages::builtin();
        let fill = |t: &str, image: &str| fill_template(t, image, b);
        assert_eq!(
            fill("node:{major}{-suite}-slim", "node:20.11-alpine3.19").unwrap(),
            "node:20-slim"
        );
        assert_eq!(
            fill("node:{major}{-suite}-slim", "node:22-bookworm").unwrap(),
            "node:22-bookworm-slim"
        );
        assert_eq!(
            fill("alpine:{alpine}", "golang:1.22-alpine3.19").unwrap(),
            "alpine:3.19"
        );
        assert_eq!(
            fill("python:{version}-slim{-suite}", "python:3.12.1-bookworm").unwrap(),
            "python:3.12-slim-bookworm"
        );
        assert_eq!(
            fill("python:{version}-slim{-suite}", "python:3.12").unwrap(),
            "python:3.12-slim"
        );
        assert!(fill("python:{version}-slim", "python:latest").is_none());
        assert_eq!(
            fill("debian:{debian}-slim", "rust:1.75-slim-bullseye").unwrap(),
            "debian:bullseye-slim"
        );
        // No suite in the tag: the default suite of that version.
        assert_eq!(
            fill("debian:{debian}-slim", "golang:1.22").unwrap(),
            "debian:bookworm-slim"
        );
        assert_eq!(
            fill("debian:{debian}-slim", "golang:1.25").unwrap(),
            "debian:trixie-slim"
        );
        assert_eq!(
            fill("gcr.io/distroless/cc-{distroless}:nonroot", "rust:1.90").unwrap(),
            "gcr.io/distroless/cc-debian13:nonroot"
        );
        // Distroless no longer maintains Debian 12.
        assert!(fill("gcr.io/distroless/cc-{distroless}:nonroot", "rust:1.85").is_none());
        assert_eq!(
            fill(
                "gcr.io/distroless/static-{distroless-current}:nonroot",
                "golang:1.22-bookworm"
            )
            .unwrap(),
            "gcr.io/distroless/static-debian13:nonroot"
        );
        for (tag, v) in [
            ("3.9-eclipse-temurin-17", "17"),
            ("8.5-jdk17", "17"),
            ("17-jdk-slim", "17"),
            ("21-jdk", "21"),
            ("3-amazoncorretto-21", "21"),
        ] {
            assert_eq!(java_version(tag).as_deref(), Some(v), "{tag}");
        }
        assert!(java_version("3.9").is_none());
        assert!(glob_match("*-dev", "libpq-dev") && glob_match("openjdk-*-jdk", "openjdk-17-jdk"));
    }
}
