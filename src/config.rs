//! `dfix.toml` / `.dfix.toml`: found nearest above a file, or given with
//! `--config`. Unknown keys are errors that name the key and the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dfix_transforms::{OptionValue, RuleOptions, Settings};
use serde::Deserialize;

/// The names a config file may have, in lookup order within one folder.
pub const CONFIG_NAMES: &[&str] = &["dfix.toml", ".dfix.toml"];

/// Settings for one registry host (`[registries."docker.io"]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RegistryConfig {
    /// Send look-ups for this registry to this URL instead.
    pub mirror: Option<String>,
    /// Allow plain HTTP / unverified TLS for this registry.
    pub insecure: Option<bool>,
    /// Extra CA certificate (PEM) to trust for this registry.
    pub ca_file: Option<PathBuf>,
}

/// The contents of a config file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    /// Rules to run (ids, prefixes, names, aliases, `ALL`).
    pub select: Option<Vec<String>>,
    /// Rules not to run.
    pub ignore: Option<Vec<String>>,
    /// Apply unsafe fixes too.
    pub unsafe_fixes: Option<bool>,
    /// Never use the network.
    pub offline: Option<bool>,
    /// Per-rule options: `[rules.<rule-name>]`.
    pub rules: Option<BTreeMap<String, toml::Table>>,
    /// Per-registry settings: `[registries."host"]`.
    pub registries: Option<BTreeMap<String, RegistryConfig>>,
    /// Extra image families and shipped users for the non-root rules
    /// (same shape as `transforms/data/images.toml`).
    pub nonroot: Option<toml::Table>,
    /// Extra multi-stage recipes and package lists (same shape as
    /// `transforms/data/multistage.toml`).
    pub multistage: Option<toml::Table>,
    /// Extra facts about base images: variants, suites, end-of-life dates,
    /// deprecated images (same shape as `transforms/data/bases.toml`).
    pub bases: Option<toml::Table>,
    /// Extra image facts for the Compose rules: tmpfs paths, capabilities,
    /// database ports, `_FILE` variables (same shape as
    /// `transforms/data/compose.toml`; user images are matched first).
    pub compose: Option<toml::Table>,
}

/// A config file read from disk.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where it was read from.
    pub path: PathBuf,
    /// What it says.
    pub file: ConfigFile,
    /// The built-in image data merged with `[nonroot]`, built once at load.
    pub image_db: Option<std::sync::Arc<dfix_transforms::users::db::ImageDb>>,
    /// The built-in recipes merged with `[multistage]`, built once at load.
    pub recipes: Option<std::sync::Arc<dfix_transforms::multistage::Recipes>>,
    /// The built-in base image facts merged with `[bases]`, built once at load.
    pub base_images: Option<std::sync::Arc<dfix_transforms::bases::BaseImages>>,
    /// The built-in Compose image facts merged with `[compose]`, built once at load.
    pub compose_data: Option<std::sync::Arc<dfix_transforms::compose::ComposeData>>,
}

fn option_value(v: &toml::Value) -> Option<OptionValue> {
    Some(match v {
        toml::Value::Boolean(b) => OptionValue::Bool(*b),
        toml::Value::Integer(i) => OptionValue::Int(*i),
        toml::Value::String(s) => OptionValue::Str(s.clone()),
        toml::Value::Array(a) => {
            OptionValue::List(a.iter().map(option_value).collect::<Option<Vec<_>>>()?)
        }
        _ => return None,
    })
}

impl Config {
    /// Reads and validates a config file (rule options included).
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read config: {e}", path.display()))?;
        let file: ConfigFile = toml::from_str(&text)
            .map_err(|e| format!("{}: invalid config: {}", path.display(), e.message()))?;
        let config = Config {
            path: path.to_path_buf(),
            file,
            image_db: None,
            recipes: None,
            base_images: None,
            compose_data: None,
        };
        // Reject unknown rules and options now, with the file's name.
        config.settings(&[], &[], false, false, false)?;
        let image_db = config.image_db()?.map(std::sync::Arc::new);
        let recipes = config.recipes()?.map(std::sync::Arc::new);
        let base_images = config.base_images()?.map(std::sync::Arc::new);
        let compose_data = config.compose_data()?.map(std::sync::Arc::new);
        Ok(Config {
            image_db,
            recipes,
            base_images,
            compose_data,
            ..config
        })
    }

    /// The nearest config file in `dir` or a folder above it.
    pub fn find_above(dir: &Path) -> Option<PathBuf> {
        let mut cur = Some(dir);
        while let Some(d) = cur {
            for name in CONFIG_NAMES {
                let p = d.join(name);
                if p.is_file() {
                    return Some(p);
                }
            }
            cur = d.parent();
        }
        None
    }

    /// Rule settings from this config and the command line: `--select`
    /// replaces `select`, `--ignore` adds to `ignore`, the flags turn on
    /// what the config leaves off. `offline_default` is the value when
    /// neither says (stdin mode is offline unless the config asks).
    pub fn settings(
        &self,
        cli_select: &[String],
        cli_ignore: &[String],
        cli_unsafe: bool,
        cli_offline: bool,
        offline_default: bool,
    ) -> Result<Settings, String> {
        let select = if cli_select.is_empty() {
            self.file.select.clone().unwrap_or_default()
        } else {
            cli_select.to_vec()
        };
        let mut ignore = self.file.ignore.clone().unwrap_or_default();
        ignore.extend(cli_ignore.iter().cloned());
        let origin = self.path.display();
        let mut settings = Settings::default()
            .with_selection(&select, &ignore)
            .map_err(|e| format!("{origin}: {e}"))?;
        settings.unsafe_fixes = cli_unsafe || self.file.unsafe_fixes.unwrap_or(false);
        settings.offline = cli_offline || self.file.offline.unwrap_or(offline_default);
        for (rule, table) in self.file.rules.iter().flatten() {
            let mut options = RuleOptions::new();
            for (key, value) in table {
                let v = option_value(value).ok_or_else(|| {
                    format!("{origin}: option `rules.{rule}.{key}`: unsupported value type")
                })?;
                options.insert(key.clone(), v);
            }
            settings = settings
                .with_rule_options(rule, options)
                .map_err(|e| format!("{origin}: {e}"))?;
        }
        Ok(settings)
    }
}

impl Config {
    /// The non-root rules' image data with this config's `[nonroot]` entries.
    fn image_db(&self) -> Result<Option<dfix_transforms::users::db::ImageDb>, String> {
        let Some(table) = &self.file.nonroot else {
            return Ok(None);
        };
        dfix_transforms::users::db::ImageDb::with_extra_table(table.clone())
            .map(Some)
            .map_err(|e| format!("{}: [nonroot]: {e}", self.path.display()))
    }

    /// The multi-stage recipes with this config's `[multistage]` entries.
    fn recipes(&self) -> Result<Option<dfix_transforms::multistage::Recipes>, String> {
        let Some(table) = &self.file.multistage else {
            return Ok(None);
        };
        dfix_transforms::multistage::Recipes::builtin_merged_with(table)
            .map(Some)
            .map_err(|e| format!("{}: [multistage]: {e}", self.path.display()))
    }
}

impl Config {
    /// The base image facts with this config's `[bases]` entries.
    fn base_images(&self) -> Result<Option<dfix_transforms::bases::BaseImages>, String> {
        let Some(table) = &self.file.bases else {
            return Ok(None);
        };
        dfix_transforms::bases::BaseImages::builtin_merged_with(table)
            .map(Some)
            .map_err(|e| format!("{}: [bases]: {e}", self.path.display()))
    }

    /// The Compose image facts with this config's `[compose]` entries.
    fn compose_data(&self) -> Result<Option<dfix_transforms::compose::ComposeData>, String> {
        let Some(table) = &self.file.compose else {
            return Ok(None);
        };
        dfix_transforms::compose::ComposeData::builtin_merged_with(table)
            .map(Some)
            .map_err(|e| format!("{}: [compose]: {e}", self.path.display()))
    }
}

/// A config for when no file is found: defaults.
pub fn default_config() -> Config {
    Config {
        path: PathBuf::from("<defaults>"),
        file: ConfigFile::default(),
        image_db: None,
        recipes: None,
        base_images: None,
        compose_data: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn loads_all_keys() {
        let d = tempfile::tempdir().unwrap();
        let p = write(
            d.path(),
            "dfix.toml",
            r#"
select = ["ALL"]
ignore = ["DL3020"]
unsafe-fixes = true
offline = true

[rules.consistent-instruction-casing]
style = "upper"

[registries."docker.io"]
mirror = "http://127.0.0.1:5000"
insecure = true
ca-file = "ca.pem"
"#,
        );
        let c = Config::load(&p).unwrap();
        let r = &c.file.registries.as_ref().unwrap()["docker.io"];
        assert_eq!(r.mirror.as_deref(), Some("http://127.0.0.1:5000"));
        assert_eq!(r.insecure, Some(true));
        assert_eq!(r.ca_file.as_deref(), Some(Path::new("ca.pem")));
        let s = c.settings(&[], &[], false, false, false).unwrap();
        assert!(s.unsafe_fixes && s.offline);
        assert!(!s.is_enabled("DF101"));
        assert_eq!(
            s.rule_options["consistent-instruction-casing"]["style"],
            OptionValue::Str("upper".into())
        );
        // --select replaces, --ignore adds.
        let s = c
            .settings(&["DF1".into()], &["DL4003".into()], false, false, false)
            .unwrap();
        assert!(s.is_enabled("DF103") && !s.is_enabled("DF101") && !s.is_enabled("DF102"));
        assert!(!s.is_enabled("DF001"));
    }

    #[test]
    fn unknown_keys_name_key_and_file() {
        let d = tempfile::tempdir().unwrap();
        for (text, key) in [
            ("selct = [\"ALL\"]\n", "selct"),
            ("[registries.\"x\"]\nmirorr = \"y\"\n", "mirorr"),
            (
                "[rules.consistent-instruction-casing]\nstyl = \"upper\"\n",
                "styl",
            ),
            ("[rules.no-such-rule]\nx = 1\n", "no-such-rule"),
            ("select = [\"DL0000\"]\n", "DL0000"),
        ] {
            let p = write(d.path(), "dfix.toml", text);
            let err = Config::load(&p).unwrap_err();
            assert!(err.contains(key), "{err}");
            assert!(err.contains(&p.display().to_string()), "{err}");
        }
    }

    #[test]
    fn finds_the_nearest_file() {
        let d = tempfile::tempdir().unwrap();
        let sub = d.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        let top = write(d.path(), "dfix.toml", "");
        assert_eq!(Config::find_above(&sub), Some(top));
        let near = write(&d.path().join("a"), ".dfix.toml", "");
        assert_eq!(Config::find_above(&sub), Some(near));
    }
}
