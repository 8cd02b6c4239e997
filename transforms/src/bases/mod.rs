//! Facts about official base images, as data: the tag grammar of each
//! family and its smaller variant, Debian suites, end-of-life dates,
//! distroless images, deprecated images. The built-in data is
//! `transforms/data/bases.toml`; users extend it from `dfix.toml` under
//! `[bases]`. Read by the base-image rules (DF260-DF263) and the
//! multi-stage split (DF401).

pub mod guard;

use std::collections::BTreeMap;
use std::sync::LazyLock;

use dfix_grammar::image_ref::ImageRef;
use serde::Deserialize;

/// The built-in data, as TOML text.
pub const BUILTIN: &str = include_str!("../../data/bases.toml");

/// Debian suites.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DebianFacts {
    /// The suite official tags mean when they name none.
    pub default_suite: String,
    /// Codename → release number.
    #[serde(default)]
    pub numbers: BTreeMap<String, String>,
    /// Moving names (`stable`) → the codename they point at today.
    #[serde(default)]
    pub moving: BTreeMap<String, String>,
    /// Codename → end of long-term support.
    #[serde(default)]
    pub end_of_life: BTreeMap<String, String>,
}

/// How a family's tags are built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TagGrammar {
    /// `<version>[-<suite>]` with the smaller variant's parts in `slim`
    /// order (python, node, ruby, rust, golang).
    #[default]
    Language,
    /// `<codename|number|moving>[-<YYYYMMDD>]` (debian).
    Debian,
    /// `<version>[-jdk|-jre][-<os>]` (eclipse-temurin).
    Temurin,
}

/// One family of official images.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Family {
    /// Image names of the family (Docker Hub official names, short).
    #[serde(default)]
    pub names: Vec<String>,
    /// The tag grammar.
    #[serde(default)]
    pub tag: TagGrammar,
    /// Parts of the smaller variant's tag, in order (`version`, `slim`,
    /// `suite`); empty when the family has none.
    #[serde(default)]
    pub slim: Vec<String>,
    /// Words that stand where a version does (`lts`).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Versions older than a key default to the suite it names.
    #[serde(default)]
    pub suite_before: BTreeMap<String, String>,
    /// Programs the full image has and the smaller variant lacks.
    #[serde(default)]
    pub lacks: Vec<String>,
    /// Version → end-of-life date.
    #[serde(default)]
    pub end_of_life: BTreeMap<String, String>,
    /// Versions older than this are past end of life too.
    #[serde(default)]
    pub eol_older_than: Option<String>,
    /// A maintained version, for messages.
    #[serde(default)]
    pub maintained: Option<String>,
}

/// Distroless images.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Distroless {
    /// `gcr.io/distroless`.
    pub registry: String,
    /// Debian suite → maintained image suffix (`trixie` → `debian13`).
    #[serde(default)]
    pub suites: BTreeMap<String, String>,
    /// The suffix for static binaries.
    pub current: String,
    /// The tag written.
    pub tag: String,
    /// The working directory of the nonroot tags.
    #[serde(default)]
    pub nonroot_workdir: Option<String>,
    /// Java versions with an image on the current suffix.
    #[serde(default)]
    pub java: Vec<String>,
    /// Node.js versions with an image on the current suffix.
    #[serde(default)]
    pub nodejs: Vec<String>,
}

/// A deprecated image and what replaces it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Deprecated {
    /// Name patterns (`*` matches anything).
    pub names: Vec<String>,
    /// Unmaintained from this date.
    pub since: String,
    /// The replacement template.
    pub replacement: String,
    /// Why, for the message.
    pub why: String,
}

/// All the facts.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BaseImages {
    /// The day the facts were true (`YYYY-MM-DD`).
    pub facts_date: String,
    /// Debian suites.
    pub debian: DebianFacts,
    /// Families by name.
    #[serde(default)]
    pub families: BTreeMap<String, Family>,
    /// Program → packages that install it.
    #[serde(default)]
    pub tools: BTreeMap<String, Vec<String>>,
    /// Distroless images.
    pub distroless: Distroless,
    /// Deprecated images, first match wins.
    #[serde(default)]
    pub deprecated: Vec<Deprecated>,
}

static BUILTIN_BASES: LazyLock<BaseImages> = LazyLock::new(|| {
    crate::builtin_data::parse(crate::builtin_data::BASES)
        .expect("the built-in bases.toml is valid")
});

/// Merges `extra` into `base`: tables key by key; `deprecated` and `lacks`
/// lists are appended to, other values replaced.
fn merge_tables(base: &mut toml::Table, extra: &toml::Table) {
    for (key, value) in extra {
        match (base.get_mut(key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(e)) => merge_tables(b, e),
            (Some(toml::Value::Array(b)), toml::Value::Array(e))
                if key == "deprecated" || key == "lacks" =>
            {
                b.extend(e.iter().cloned())
            }
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

/// A tag of a `language` family, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanguageTag {
    /// The version or alias (`3.12`, `3.14-rc`, `lts`); `None` for tags
    /// such as `bookworm` or `slim`.
    pub version: Option<String>,
    /// The Debian suite the tag names.
    pub suite: Option<String>,
    /// Already the smaller variant.
    pub slim: bool,
}

/// An eclipse-temurin tag, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemurinTag {
    /// `21`, `21.0.5_11`, `8u432-b06`.
    pub version: String,
    /// `jdk`, `jre` or none (none is a JDK).
    pub kind: Option<String>,
    /// The rest: `noble`, `alpine`, `ubi9-minimal`.
    pub os: Option<String>,
}

/// What is known about an official image reference.
#[derive(Debug, Clone)]
pub struct Official<'a> {
    /// The family's key in the data (`python`).
    pub family_name: &'a str,
    /// The family.
    pub family: &'a Family,
    /// The tag (`None`: untagged).
    pub tag: Option<String>,
}

/// An end of life that has passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndOfLife {
    /// What reached it (`Python 3.8`, `Debian bullseye`).
    pub what: String,
    /// Since when (`None`: older than every listed date).
    pub since: Option<String>,
    /// The suggested replacement reference.
    pub replacement: Option<String>,
}

impl BaseImages {
    /// The built-in facts.
    pub fn builtin() -> &'static BaseImages {
        &BUILTIN_BASES
    }

    /// Parses facts from TOML text (the shape of `data/bases.toml`).
    pub fn from_toml_str(text: &str) -> Result<BaseImages, String> {
        toml::from_str(text).map_err(|e| format!("invalid base image data: {}", e.message()))
    }

    /// The built-in facts extended by `extra` (the user's `[bases]` table).
    /// Unknown keys are errors.
    pub fn builtin_merged_with(extra: &toml::Table) -> Result<BaseImages, String> {
        let mut base: toml::Table =
            toml::from_str(BUILTIN).map_err(|e| format!("built-in base image data: {e}"))?;
        merge_tables(&mut base, extra);
        BaseImages::deserialize(toml::Value::Table(base))
            .map_err(|e| format!("invalid base image data: {}", e.message()))
    }

    /// Same as [`BaseImages::builtin_merged_with`], from TOML text.
    pub fn builtin_merged_with_str(text: &str) -> Result<BaseImages, String> {
        let extra: toml::Table = toml::from_str(text)
            .map_err(|e| format!("invalid base image data: {}", e.message()))?;
        BaseImages::builtin_merged_with(&extra)
    }

    /// The family of an official Docker Hub image (`python`,
    /// `docker.io/library/python`), with its tag.
    pub fn official<'a>(&'a self, reference: &ImageRef) -> Option<Official<'a>> {
        if reference.domain() != "docker.io" {
            return None;
        }
        let name = reference.path().strip_prefix("library/")?;
        let (family_name, family) = self
            .families
            .iter()
            .find(|(_, f)| f.names.iter().any(|n| n == name))?;
        Some(Official {
            family_name,
            family,
            tag: reference.tag().map(str::to_string),
        })
    }

    /// True for a Debian codename (`bookworm`, `sid`).
    pub fn is_suite(&self, word: &str) -> bool {
        self.debian.numbers.contains_key(word) || word == "sid"
    }

    /// The Debian suite an image runs on, and whether its tag names it:
    /// the codename in the tag, else the default suite of the official
    /// image's version, else the current default. Used to keep a runtime
    /// on the builder's suite.
    pub fn builder_suite(&self, image: &str) -> (String, bool) {
        let tag = crate::multistage::recipes::image_tag(image);
        if let Some(named) = tag.split('-').find(|p| self.is_suite(p)) {
            return (named.to_string(), true);
        }
        let official = ImageRef::parse(image).ok();
        let suite = official
            .as_ref()
            .and_then(|r| self.official(r))
            .and_then(|o| self.suite_of(&o));
        (
            suite.unwrap_or_else(|| self.debian.default_suite.clone()),
            false,
        )
    }

    /// Splits a tag of a `language` family; `None` when a part is not
    /// understood (alpine, windowsservercore, rc builds of odd shape...).
    pub fn language_tag(&self, family: &Family, tag: &str) -> Option<LanguageTag> {
        let mut parts: Vec<&str> = tag.split('-').collect();
        let mut out = LanguageTag {
            version: None,
            suite: None,
            slim: false,
        };
        let first = *parts.first()?;
        if is_version(first) || family.aliases.iter().any(|a| a == first) {
            let mut v = first.to_string();
            parts.remove(0);
            // `3.14-rc`, `3.14.0rc1` stay part of the version.
            if parts.first().is_some_and(|p| p.starts_with("rc")) {
                v.push('-');
                v.push_str(parts.remove(0));
            }
            out.version = Some(v);
        }
        for p in parts {
            if p == "slim" && !out.slim {
                out.slim = true;
            } else if self.is_suite(p) && out.suite.is_none() {
                out.suite = Some(p.to_string());
            } else {
                return None;
            }
        }
        if out.version.is_none() && out.suite.is_none() && !out.slim {
            return None;
        }
        Some(out)
    }

    /// Splits an eclipse-temurin tag.
    pub fn temurin_tag(&self, tag: &str) -> Option<TemurinTag> {
        let mut parts: Vec<&str> = tag.split('-').collect();
        let first = *parts.first()?;
        if !first.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        let mut version = parts.remove(0).to_string();
        // `8u432-b06`.
        if parts
            .first()
            .is_some_and(|p| p.starts_with('b') && p[1..].chars().all(|c| c.is_ascii_digit()))
        {
            version.push('-');
            version.push_str(parts.remove(0));
        }
        let kind = match parts.first() {
            Some(&k) if k == "jdk" || k == "jre" => {
                parts.remove(0);
                Some(k.to_string())
            }
            _ => None,
        };
        let os = (!parts.is_empty()).then(|| parts.join("-"));
        Some(TemurinTag { version, kind, os })
    }

    /// The tag of the smaller variant of `official` (same version and
    /// suite), or `None` when it is already small, has none, or the tag is
    /// not understood. Untagged and `latest` references get none: the
    /// version must be named first.
    pub fn slim_tag(&self, official: &Official) -> Option<String> {
        let tag = official.tag.as_deref()?;
        let family = official.family;
        if family.slim.is_empty() || tag == "latest" {
            return None;
        }
        match family.tag {
            TagGrammar::Language => {
                let t = self.language_tag(family, tag)?;
                if t.slim || t.version.is_none() {
                    return None;
                }
                let parts: Vec<&str> = family
                    .slim
                    .iter()
                    .filter_map(|p| match p.as_str() {
                        "version" => t.version.as_deref(),
                        "suite" => t.suite.as_deref(),
                        "slim" => Some("slim"),
                        _ => None,
                    })
                    .collect();
                Some(parts.join("-"))
            }
            TagGrammar::Debian => {
                let (_, _, slim) = self.debian_tag(tag)?;
                (!slim).then(|| format!("{tag}-slim"))
            }
            TagGrammar::Temurin => None,
        }
    }

    /// Splits a debian tag: (release word, date, slim).
    fn debian_tag<'t>(&self, tag: &'t str) -> Option<(String, Option<&'t str>, bool)> {
        let mut parts: Vec<&str> = tag.split('-').collect();
        let slim = parts.last() == Some(&"slim");
        if slim {
            parts.pop();
        }
        let release = *parts.first()?;
        let known = self.is_suite(release)
            || self.debian.moving.contains_key(release)
            || is_version(release);
        if !known {
            return None;
        }
        let date = match parts.get(1..) {
            Some([]) | None => None,
            Some([d]) if d.len() == 8 && d.chars().all(|c| c.is_ascii_digit()) => Some(*d),
            _ => return None,
        };
        Some((release.to_string(), date, slim))
    }

    /// The JRE tag for an eclipse-temurin JDK tag (`21-jdk-noble` →
    /// `21-jre-noble`, `21` → `21-jre`); `None` when already a JRE.
    pub fn jre_tag(&self, tag: &str) -> Option<String> {
        let t = self.temurin_tag(tag)?;
        if t.kind.as_deref() == Some("jre") {
            return None;
        }
        Some(match &t.os {
            Some(os) => format!("{}-jre-{os}", t.version),
            None => format!("{}-jre", t.version),
        })
    }

    /// The Debian suite an official image runs on: the one its tag names,
    /// else the default of that version (`suite-before`), else the current
    /// default. `None` for images that are not Debian-based by tag (alpine,
    /// temurin's Ubuntu).
    pub fn suite_of(&self, official: &Official) -> Option<String> {
        let family = official.family;
        let tag = official.tag.as_deref().unwrap_or("latest");
        match family.tag {
            TagGrammar::Debian => {
                let (release, _, _) = self
                    .debian_tag(tag)
                    .or_else(|| (tag == "latest").then(|| ("stable".to_string(), None, false)))?;
                if let Some(c) = self.debian.moving.get(&release) {
                    return Some(c.clone());
                }
                if self.is_suite(&release) {
                    return Some(release);
                }
                let major = release.split('.').next().unwrap_or(&release);
                self.debian
                    .numbers
                    .iter()
                    .find(|(_, n)| n.as_str() == major)
                    .map(|(c, _)| c.clone())
            }
            TagGrammar::Language => {
                let t = if tag == "latest" {
                    LanguageTag {
                        version: None,
                        suite: None,
                        slim: false,
                    }
                } else {
                    self.language_tag(family, tag)?
                };
                if let Some(s) = t.suite {
                    return Some(s);
                }
                Some(self.default_suite(family, t.version.as_deref()))
            }
            TagGrammar::Temurin => None,
        }
    }

    /// The suite a version of `family` defaults to.
    pub fn default_suite(&self, family: &Family, version: Option<&str>) -> String {
        if let Some(v) = version.filter(|v| is_version(v)) {
            let mut keys: Vec<(&String, &String)> = family.suite_before.iter().collect();
            keys.sort_by(|a, b| compare_versions(a.0, b.0));
            for (k, suite) in keys {
                if version_older(v, k) {
                    return suite.clone();
                }
            }
        }
        self.debian.default_suite.clone()
    }

    /// The distroless suffix (`debian13`) for a suite, when maintained.
    pub fn distroless_suffix(&self, suite: &str) -> Option<&str> {
        self.distroless.suites.get(suite).map(String::as_str)
    }

    /// A distroless image reference: `gcr.io/distroless/<name>-<suffix>:<tag>`.
    pub fn distroless_image(&self, name: &str, suffix: &str) -> String {
        format!(
            "{}/{name}-{suffix}:{}",
            self.distroless.registry, self.distroless.tag
        )
    }

    /// The first available version in `list` at or above `major`.
    pub fn distroless_version<'l>(list: &'l [String], major: &str) -> Option<&'l str> {
        let m: u32 = major.parse().ok()?;
        list.iter()
            .filter_map(|v| v.parse::<u32>().ok().map(|n| (n, v)))
            .filter(|(n, _)| *n >= m)
            .min_by_key(|(n, _)| *n)
            .map(|(_, v)| v.as_str())
    }

    /// Whether `reference` is deprecated as of `today`: the matching entry
    /// and the filled-in replacement.
    pub fn deprecation(&self, reference: &ImageRef, today: &str) -> Option<(&Deprecated, String)> {
        let name = if reference.domain() == "docker.io" {
            reference
                .path()
                .strip_prefix("library/")
                .unwrap_or(reference.path())
                .to_string()
        } else {
            format!("{}/{}", reference.domain(), reference.path())
        };
        let entry = self.deprecated.iter().find(|d| {
            d.since.as_str() <= today && d.names.iter().any(|p| crate::users::db::glob(p, &name))
        })?;
        let tag = reference.tag().unwrap_or("latest");
        let java: String = tag.chars().take_while(|c| c.is_ascii_digit()).collect();
        let java = if java.is_empty() {
            "21".to_string()
        } else {
            java
        };
        let kind = if tag.contains("jre") { "jre" } else { "jdk" };
        let os = if tag.contains("alpine") {
            "-alpine"
        } else {
            ""
        };
        let mut renamed = name.clone();
        for old in ["-debian10", "-debian11", "-debian12"] {
            if let Some(stem) = name.strip_suffix(old) {
                renamed = format!("{stem}-{}", self.distroless.current);
            }
        }
        let keep_tag = match reference.tag() {
            Some(t) if t != "latest" => t,
            _ => self.distroless.tag.as_str(),
        };
        let replacement = entry
            .replacement
            .replace("{tag}", keep_tag)
            .replace("{java}", &java)
            .replace("{kind}", kind)
            .replace("{os}", os)
            .replace("{name-debian13}", &renamed);
        Some((entry, replacement))
    }

    /// The end of life `official` has passed as of `today`: its version's,
    /// or the Debian suite's its tag names.
    pub fn end_of_life(&self, official: &Official, today: &str) -> Option<EndOfLife> {
        let family = official.family;
        let tag = official.tag.as_deref()?;
        let (version, suite, slim_word) = match family.tag {
            TagGrammar::Language => {
                let t = self.language_tag(family, tag)?;
                (t.version, t.suite, t.slim)
            }
            TagGrammar::Debian => {
                let suite = self.suite_of(official)?;
                let (release, _, slim) = self.debian_tag(tag)?;
                if self.debian.moving.contains_key(&release) {
                    return None;
                }
                (None, Some(suite), slim)
            }
            TagGrammar::Temurin => return None,
        };
        let suite_eol = suite.as_deref().and_then(|s| {
            let d = self.debian.end_of_life.get(s)?;
            (d.as_str() <= today).then(|| (s.to_string(), d.clone()))
        });
        let version_eol = version.as_deref().and_then(|v| {
            if !is_version(v) {
                return None;
            }
            let listed = family
                .end_of_life
                .iter()
                .find(|(k, _)| version_matches(v, k))
                .map(|(k, d)| (k.clone(), Some(d.clone())));
            match listed {
                Some((k, Some(d))) if d.as_str() <= today => Some((k, Some(d))),
                Some(_) => None,
                None => family
                    .eol_older_than
                    .as_deref()
                    .filter(|o| version_older(v, o))
                    .map(|_| (v.to_string(), None)),
            }
        });
        if version_eol.is_none() && suite_eol.is_none() {
            return None;
        }
        let default = self.debian.default_suite.clone();
        let new_suite = match &suite_eol {
            Some(_) => Some(default.clone()),
            None => suite.clone(),
        };
        let (what, since, replacement) = match (version_eol, suite_eol) {
            (Some((v, since)), _) => {
                let pretty = pretty_family(official.family_name);
                let replacement = family.maintained.as_ref().map(|m| {
                    let t = LanguageTag {
                        version: Some(m.clone()),
                        suite: new_suite.clone().filter(|s| *s != default),
                        slim: slim_word,
                    };
                    format!(
                        "{}:{}",
                        official.family_name,
                        self.language_tag_text(family, &t)
                    )
                });
                (format!("{pretty} {v}"), since, replacement)
            }
            (None, Some((s, since))) => {
                let new_tag = match family.tag {
                    TagGrammar::Debian => {
                        let mut t = default.clone();
                        if slim_word {
                            t.push_str("-slim");
                        }
                        t
                    }
                    _ => tag.replace(&s, &default),
                };
                (
                    format!("Debian {s}"),
                    Some(since),
                    Some(format!("{}:{new_tag}", official.family_name)),
                )
            }
            (None, None) => return None,
        };
        Some(EndOfLife {
            what,
            since,
            replacement,
        })
    }

    /// The text of a language tag in the family's order (slim or full).
    fn language_tag_text(&self, family: &Family, t: &LanguageTag) -> String {
        let order: Vec<&str> = if t.slim && !family.slim.is_empty() {
            family.slim.iter().map(String::as_str).collect()
        } else {
            vec!["version", "suite"]
        };
        order
            .into_iter()
            .filter_map(|p| match p {
                "version" => t.version.as_deref(),
                "suite" => t.suite.as_deref(),
                "slim" => Some("slim"),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("-")
    }

    /// The packages that install `program`.
    pub fn providers<'a>(&'a self, program: &'a str) -> Vec<&'a str> {
        match self.tools.get(program) {
            Some(p) => p.iter().map(String::as_str).collect(),
            None => vec![program],
        }
    }
}

fn pretty_family(name: &str) -> String {
    match name {
        "python" => "Python".into(),
        "node" => "Node.js".into(),
        "ruby" => "Ruby".into(),
        "golang" => "Go".into(),
        "rust" => "Rust".into(),
        other => other.to_string(),
    }
}

/// A dotted number (`3`, `3.12`, `1.85.0`), possibly with an `rc` suffix.
pub fn is_version(word: &str) -> bool {
    let core = word.split("-rc").next().unwrap_or(word);
    let core = core.split("rc").next().unwrap_or(core);
    !core.is_empty()
        && core.starts_with(|c: char| c.is_ascii_digit())
        && core
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

fn numbers(v: &str) -> Vec<u64> {
    v.split(['-', 'r'])
        .next()
        .unwrap_or(v)
        .split('.')
        .map(|p| p.parse().unwrap_or(0))
        .collect()
}

fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    numbers(a).cmp(&numbers(b))
}

/// True when `v` is older than `than`, comparing only the parts both name:
/// `3` is not older than `3.9` (it means the newest 3.x).
pub fn version_older(v: &str, than: &str) -> bool {
    for (a, b) in numbers(v).iter().zip(numbers(than).iter()) {
        if a != b {
            return a < b;
        }
    }
    false
}

/// True when `v` is the version `key` or a patch of it (`3.10.4` of `3.10`).
fn version_matches(v: &str, key: &str) -> bool {
    let (a, b) = (numbers(v), numbers(key));
    a.len() >= b.len() && a[..b.len()] == b[..]
}

/// A civil date `YYYY-MM-DD` from days since 1970-01-01 (for the
/// application, which reads the clock; the rules only compare strings).
pub fn date_from_unix_days(days: i64) -> String {
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn official(b: &BaseImages, r: &str) -> Option<(String, Option<String>, Option<String>)> {
        let r = ImageRef::parse(r).ok()?;
        let o = b.official(&r)?;
        Some((o.family_name.to_string(), b.slim_tag(&o), b.suite_of(&o)))
    }

    #[test]
    fn slim_tags_per_family() {
        let b = BaseImages::builtin();
        for (image, slim) in [
            ("python:3.12", Some("3.12-slim")),
            ("python:3.12-bookworm", Some("3.12-slim-bookworm")),
            ("python:3.14-rc-bookworm", Some("3.14-rc-slim-bookworm")),
            ("docker.io/library/python:3.12.4", Some("3.12.4-slim")),
            ("python:3.12-slim", None),
            ("python:3.12-alpine", None),
            ("python:latest", None),
            ("python", None),
            ("python:3.12-windowsservercore", None),
            ("node:22-bookworm", Some("22-bookworm-slim")),
            ("node:22", Some("22-slim")),
            ("node:lts-trixie", Some("lts-trixie-slim")),
            ("node:22-bookworm-slim", None),
            ("debian:bookworm", Some("bookworm-slim")),
            ("debian:12", Some("12-slim")),
            ("debian:bookworm-20240311", Some("bookworm-20240311-slim")),
            ("debian:stable", Some("stable-slim")),
            ("debian:bookworm-slim", None),
            ("debian:bookworm-backports", None),
            ("rust:1.85", Some("1.85-slim")),
            ("rust:1.85-bookworm", Some("1.85-slim-bookworm")),
            ("ruby:3.3", Some("3.3-slim")),
            ("golang:1.22", None),
            ("eclipse-temurin:21-jdk", None),
        ] {
            let got = official(b, image).and_then(|o| o.1);
            assert_eq!(got.as_deref(), slim, "{image}");
        }
        assert!(official(b, "bitnami/python:3.12").is_none());
        assert!(official(b, "ghcr.io/library/python:3.12").is_none());
    }

    #[test]
    fn suites_from_tag_or_version() {
        let b = BaseImages::builtin();
        for (image, suite) in [
            ("golang:1.22", "bookworm"),
            ("golang:1.25", "trixie"),
            ("golang:1.22-bullseye", "bullseye"),
            ("rust:1.85", "bookworm"),
            ("rust:1.90", "trixie"),
            ("rust:1", "trixie"),
            ("node:22", "bookworm"),
            ("node:26", "trixie"),
            ("python:3.8", "bookworm"),
            ("python:3.13", "trixie"),
            ("debian:12", "bookworm"),
            ("debian:stable-slim", "trixie"),
            ("debian:latest", "trixie"),
        ] {
            assert_eq!(
                official(b, image).and_then(|o| o.2).as_deref(),
                Some(suite),
                "{image}"
            );
        }
        assert_eq!(b.distroless_suffix("trixie"), Some("debian13"));
        assert_eq!(b.distroless_suffix("bookworm"), None);
    }

    #[test]
    fn jre_tags() {
        let b = BaseImages::builtin();
        for (tag, jre) in [
            ("21-jdk", Some("21-jre")),
            ("21", Some("21-jre")),
            ("21-jdk-noble", Some("21-jre-noble")),
            ("21-noble", Some("21-jre-noble")),
            ("17.0.12_7-jdk-alpine", Some("17.0.12_7-jre-alpine")),
            ("8u432-b06-jdk", Some("8u432-b06-jre")),
            ("21-jre", None),
            ("latest", None),
        ] {
            assert_eq!(b.jre_tag(tag).as_deref(), jre, "{tag}");
        }
    }

    #[test]
    fn end_of_life_and_deprecation() {
        let b = BaseImages::builtin();
        let today = "2026-11-29";
        let eol = |r: &str| {
            let r = ImageRef::parse(r).unwrap();
            let o = b.official(&r)?;
            b.end_of_life(&o, today)
        };
        let e = eol("python:3.8-slim").unwrap();
        assert_eq!(e.what, "Python 3.8");
        assert_eq!(e.replacement.as_deref(), Some("python:3.14-slim"));
        let e = eol("python:3.5-slim-stretch").unwrap();
        assert_eq!(e.since, None);
        assert_eq!(e.replacement.as_deref(), Some("python:3.14-slim"));
        assert!(eol("python:3.12").is_none());
        let e = eol("debian:bullseye-slim").unwrap();
        assert_eq!(e.replacement.as_deref(), Some("debian:trixie-slim"));
        assert!(eol("debian:bookworm").is_none());
        assert!(eol("debian:stable").is_none());
        let e = eol("node:20-alpine");
        assert!(e.is_none(), "alpine tags are not understood: {e:?}");
        assert_eq!(
            eol("node:20").unwrap().replacement.as_deref(),
            Some("node:24")
        );
        let dep = |r: &str| {
            b.deprecation(&ImageRef::parse(r).unwrap(), today)
                .map(|(_, rep)| rep)
        };
        assert_eq!(
            dep("openjdk:8-jdk-slim").as_deref(),
            Some("eclipse-temurin:8-jdk")
        );
        assert_eq!(
            dep("openjdk:11-jre").as_deref(),
            Some("eclipse-temurin:11-jre")
        );
        assert_eq!(
            dep("openjdk:8-alpine").as_deref(),
            Some("eclipse-temurin:8-jdk-alpine")
        );
        assert_eq!(
            dep("gcr.io/distroless/static-debian12:nonroot").as_deref(),
            Some("gcr.io/distroless/static-debian13:nonroot")
        );
        assert_eq!(
            dep("gcr.io/distroless/java17-debian11").as_deref(),
            Some("gcr.io/distroless/java17-debian13:nonroot")
        );
        assert!(dep("gcr.io/distroless/static-debian13:nonroot").is_none());
        // Before the end-of-life date, not deprecated.
        assert!(b
            .deprecation(
                &ImageRef::parse("gcr.io/distroless/cc-debian12").unwrap(),
                "2026-05-01"
            )
            .is_none());
    }

    #[test]
    fn user_data_extends_the_builtin() {
        let b = BaseImages::builtin_merged_with_str(
            "[families.python]\nlacks = [\"protoc\"]\n[[deprecated]]\nnames = [\"acme/old\"]\nsince = \"2020-01-01\"\nreplacement = \"acme/new\"\nwhy = \"renamed\"\n",
        )
        .unwrap();
        assert!(b.families["python"].lacks.iter().any(|t| t == "protoc"));
        assert!(b.families["python"].lacks.iter().any(|t| t == "gcc"));
        assert_eq!(b.deprecated.last().unwrap().replacement, "acme/new");
        assert!(b.deprecated.len() > 1);
        let err =
            BaseImages::builtin_merged_with_str("[families.python]\nlack = []\n").unwrap_err();
        assert!(err.contains("lack"), "{err}");
    }

    #[test]
    fn civil_dates() {
        assert_eq!(date_from_unix_days(0), "1970-01-01");
        assert_eq!(date_from_unix_days(20_786), "2026-11-29");
        assert_eq!(date_from_unix_days(11_016), "2000-02-29");
    }
}
