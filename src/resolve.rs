//! Which settings apply to a file: the nearest `dfix.toml` / `.dfix.toml`
//! above it (or the one `--config` names), with the command line's
//! [`Overrides`] on top. Shared by every front end (fix run, stdin mode,
//! and later the language server and `dfix verify`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use dfix_transforms::{OptionValue, Settings};

use crate::config::{default_config, Config};

/// The pinning rule's name (its options take `--refresh-pins`).
pub const UNPINNED_IMAGE: &str = "unpinned-image";

/// What a front end changes in a config's settings: today the command-line
/// flags, later an editor's settings. `Default` changes nothing.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// Replaces the config's `select` when not empty.
    pub select: Vec<String>,
    /// Added to the config's `ignore`.
    pub ignore: Vec<String>,
    /// Apply unsafe fixes even if the config does not say so.
    pub unsafe_fixes: bool,
    /// Never use the network, whatever the config says.
    pub offline: bool,
    /// Rewrite pinned digests their tag no longer serves.
    pub refresh_pins: bool,
}

impl From<&crate::cli::RunArgs> for Overrides {
    fn from(args: &crate::cli::RunArgs) -> Overrides {
        Overrides {
            select: args.select.clone(),
            ignore: args.ignore.clone(),
            unsafe_fixes: args.unsafe_fixes,
            offline: args.offline,
            refresh_pins: args.refresh_pins,
        }
    }
}

/// Resolves the config of each file. Each config file is read once per run,
/// and its settings computed once, however many folders share it.
#[derive(Default)]
pub struct Configs {
    explicit: Option<Arc<Config>>,
    /// A folder → its nearest config (canonical folder paths).
    by_dir: HashMap<PathBuf, Arc<Config>>,
    /// A config file → the config read from it.
    by_path: HashMap<PathBuf, Arc<Config>>,
    /// Configs in the order they were first used (explicit one first), so
    /// "the first config that has it" does not depend on hash order.
    loaded: Vec<Arc<Config>>,
    /// Settings per config file and stdin-ness (the overrides are the same
    /// for the whole run).
    settings: HashMap<(PathBuf, bool), Settings>,
}

impl Configs {
    /// Configs found next to the files (`explicit: None`), or the one
    /// `--config` file for every file. Fails when that file is invalid.
    pub fn new(explicit: Option<&Path>) -> Result<Configs, String> {
        let mut configs = Configs::default();
        if let Some(p) = explicit {
            let c = Arc::new(Config::load(p)?);
            configs.loaded.push(c.clone());
            configs.explicit = Some(c);
        }
        Ok(configs)
    }

    /// The config that applies to `file`: the explicit one, else the
    /// nearest one above its folder, else the defaults.
    pub fn for_file(&mut self, file: &Path) -> Result<Arc<Config>, String> {
        if let Some(c) = &self.explicit {
            return Ok(c.clone());
        }
        let dir = match file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
        if let Some(c) = self.by_dir.get(&dir) {
            return Ok(c.clone());
        }
        let path = Config::find_above(&dir);
        let key = path.clone().unwrap_or_else(|| PathBuf::from("<defaults>"));
        let config = match self.by_path.get(&key) {
            Some(c) => c.clone(),
            None => {
                let c = Arc::new(match &path {
                    Some(p) => Config::load(p)?,
                    None => default_config(),
                });
                self.by_path.insert(key, c.clone());
                self.loaded.push(c.clone());
                c
            }
        };
        self.by_dir.insert(dir, config.clone());
        Ok(config)
    }

    /// Every config used so far, the explicit one first, then in the order
    /// they were first needed.
    pub fn all(&self) -> impl Iterator<Item = &Arc<Config>> {
        self.loaded.iter()
    }

    /// The settings for `file`: its config with `overrides` on top.
    /// `stdin` is true in stdin mode, which stays off the network unless
    /// the config asks for it (editors call it on every save).
    pub fn settings_for(
        &mut self,
        file: &Path,
        overrides: &Overrides,
        stdin: bool,
    ) -> Result<Settings, String> {
        let config = self.for_file(file)?;
        let key = (config.path.clone(), stdin);
        if let Some(s) = self.settings.get(&key) {
            return Ok(s.clone());
        }
        let settings = settings_of(&config, overrides, stdin)?;
        self.settings.insert(key, settings.clone());
        Ok(settings)
    }
}

fn settings_of(config: &Config, overrides: &Overrides, stdin: bool) -> Result<Settings, String> {
    let mut settings = config.settings(
        &overrides.select,
        &overrides.ignore,
        overrides.unsafe_fixes,
        overrides.offline,
        // Editors call the stdin mode on save: no network unless asked.
        stdin,
    )?;
    if overrides.refresh_pins {
        let mut options = settings
            .rule_options
            .get(UNPINNED_IMAGE)
            .cloned()
            .unwrap_or_default();
        options.insert("refresh-pins".to_string(), OptionValue::Bool(true));
        settings = settings
            .with_rule_options(UNPINNED_IMAGE, options)
            .map_err(|e| e.to_string())?;
    }
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_config_file_is_read_once_for_all_folders_under_it() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("dfix.toml"), "ignore = [\"DF001\"]\n").unwrap();
        for sub in ["a", "b/c"] {
            std::fs::create_dir_all(d.path().join(sub)).unwrap();
        }
        let mut configs = Configs::new(None).unwrap();
        let a = configs.for_file(&d.path().join("a/Dockerfile")).unwrap();
        let c = configs.for_file(&d.path().join("b/c/Dockerfile")).unwrap();
        assert!(Arc::ptr_eq(&a, &c));
        assert_eq!(configs.all().count(), 1);
        let s = configs
            .settings_for(&d.path().join("a/Dockerfile"), &Overrides::default(), false)
            .unwrap();
        assert!(!s.is_enabled("DF001"));
        // A nearer config is a second one.
        std::fs::write(d.path().join("b/.dfix.toml"), "").unwrap();
        let near = configs.for_file(&d.path().join("b/Dockerfile")).unwrap();
        assert!(!Arc::ptr_eq(&a, &near));
        let s = configs
            .settings_for(&d.path().join("b/Dockerfile"), &Overrides::default(), false)
            .unwrap();
        assert!(s.is_enabled("DF001"));
    }

    #[test]
    fn overrides_apply_on_top_of_the_config() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("dfix.toml");
        std::fs::write(&p, "select = [\"DF0\"]\n").unwrap();
        let mut configs = Configs::new(Some(&p)).unwrap();
        let overrides = Overrides {
            select: vec!["DF1".into()],
            unsafe_fixes: true,
            refresh_pins: true,
            ..Overrides::default()
        };
        let s = configs
            .settings_for(Path::new("x/Dockerfile"), &overrides, true)
            .unwrap();
        assert!(s.is_enabled("DF101") && !s.is_enabled("DF001"));
        assert!(s.unsafe_fixes);
        // Stdin mode is offline by default.
        assert!(s.offline);
    }
}
