//! Image facts for the Compose rules: `data/compose.toml`, extendable from
//! the config's `[compose]` table (user images are matched first).

use serde::Deserialize;

/// The built-in data.
pub const BUILTIN: &str = include_str!("../../data/compose.toml");

/// Facts about one image family.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageFacts {
    /// Image names (`postgres`, `nginxinc/nginx-unprivileged`).
    pub names: Vec<String>,
    /// Paths written at run time, for tmpfs mounts under a read-only root.
    #[serde(default)]
    pub tmpfs: Vec<String>,
    /// Capabilities to keep next to `cap_drop: [ALL]`; `None`: not vetted.
    #[serde(default)]
    pub cap_add: Option<Vec<String>>,
    /// The database port.
    #[serde(default)]
    pub port: Option<u16>,
    /// Variables the image also reads from a file named in another
    /// variable (`<NAME>_FILE`, or the `file_env_form`); an entry ending in
    /// `*` names every variable that starts with what comes before it.
    #[serde(default)]
    pub file_env: Vec<String>,
    /// How the variable that names the file is spelled, `{name}` standing
    /// for the variable: `{name}_FILE` when unset (docker-library images),
    /// `FILE__{name}` (LinuxServer.io), `{name}__FILE` (Grafana).
    #[serde(default)]
    pub file_env_form: Option<String>,
}

impl ImageFacts {
    /// The variable the image reads `name`'s value from a file with
    /// (`POSTGRES_PASSWORD` → `POSTGRES_PASSWORD_FILE`), when it does.
    pub fn file_variable(&self, name: &str) -> Option<String> {
        let listed = self.file_env.iter().any(|e| match e.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => e == name,
        });
        let form = self.file_env_form.as_deref().unwrap_or("{name}_FILE");
        listed.then(|| form.replace("{name}", name))
    }

    /// True when `names` has `name`, or a `namespace/*` entry it is under.
    fn named(&self, name: &str) -> bool {
        self.names.iter().any(|n| match n.strip_suffix("/*") {
            Some(ns) => name
                .strip_prefix(ns)
                .is_some_and(|rest| rest.starts_with('/') && !rest[1..].contains('/')),
            None => n == name,
        })
    }
}

/// Images that need privileges by design.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Privileged {
    /// Image names.
    #[serde(default)]
    pub names: Vec<String>,
}

/// The Compose rules' image data.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComposeData {
    /// Image families, first match wins.
    #[serde(default)]
    pub images: Vec<ImageFacts>,
    /// Images that need `privileged: true`.
    #[serde(default)]
    pub privileged: Privileged,
}

static BUILTIN_DATA: std::sync::LazyLock<ComposeData> = std::sync::LazyLock::new(|| {
    crate::builtin_data::parse(crate::builtin_data::COMPOSE).expect("data/compose.toml is valid")
});

/// The name part of an image reference: no registry `docker.io/`, no
/// `library/`, no tag, no digest. `None` when it is interpolated.
pub fn image_name(image: &str) -> Option<&str> {
    if image.contains('$') {
        return None;
    }
    let no_digest = image.split('@').next().unwrap_or(image);
    // A tag's colon comes after the last slash (a registry port's before it).
    let name = match no_digest.rfind(':') {
        Some(i) if !no_digest[i..].contains('/') => &no_digest[..i],
        _ => no_digest,
    };
    let name = name.strip_prefix("docker.io/").unwrap_or(name);
    let name = name.strip_prefix("index.docker.io/").unwrap_or(name);
    Some(name.strip_prefix("library/").unwrap_or(name))
}

impl ComposeData {
    /// The built-in data.
    pub fn builtin() -> &'static ComposeData {
        &BUILTIN_DATA
    }

    /// Parses data from TOML text (the shape of `data/compose.toml`).
    pub fn from_toml_str(text: &str) -> Result<ComposeData, String> {
        toml::from_str(text).map_err(|e| format!("invalid Compose image data: {}", e.message()))
    }

    /// The built-in data extended by `extra` (the user's `[compose]` table).
    pub fn builtin_merged_with(extra: &toml::Table) -> Result<ComposeData, String> {
        let user = ComposeData::deserialize(toml::Value::Table(extra.clone()))
            .map_err(|e| format!("invalid `[compose]` table: {}", e.message()))?;
        let builtin = ComposeData::builtin();
        let mut images = user.images;
        images.extend(builtin.images.iter().cloned());
        let mut privileged = builtin.privileged.names.clone();
        privileged.extend(user.privileged.names);
        Ok(ComposeData {
            images,
            privileged: Privileged { names: privileged },
        })
    }

    /// The facts of the image an `image:` value names.
    pub fn image(&self, image: &str) -> Option<&ImageFacts> {
        let name = image_name(image)?;
        self.images.iter().find(|i| i.named(name))
    }

    /// True when the image needs privileges by design (Docker-in-Docker,
    /// cAdvisor).
    pub fn needs_privileged(&self, image: &str) -> bool {
        image_name(image).is_some_and(|n| self.privileged.names.iter().any(|p| p == n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_lookup() {
        assert_eq!(image_name("postgres:16"), Some("postgres"));
        assert_eq!(
            image_name("docker.io/library/nginx@sha256:ab"),
            Some("nginx")
        );
        assert_eq!(image_name("reg:5000/a/b:1"), Some("reg:5000/a/b"));
        assert_eq!(image_name("${IMG}"), None);
        let d = ComposeData::builtin();
        assert_eq!(d.image("postgres:16-alpine").unwrap().port, Some(5432));
        assert!(d
            .image("nginx")
            .unwrap()
            .tmpfs
            .contains(&"/var/cache/nginx".to_string()));
        assert!(d.image("myorg/app").is_none());
        assert!(d.needs_privileged("docker:27-dind"));
        let extra: toml::Table =
            toml::from_str("[[images]]\nnames = [\"postgres\", \"myorg/db\"]\nport = 6000\n")
                .unwrap();
        let m = ComposeData::builtin_merged_with(&extra).unwrap();
        assert_eq!(m.image("postgres").unwrap().port, Some(6000));
        assert_eq!(m.image("myorg/db").unwrap().port, Some(6000));
        assert_eq!(m.image("mysql").unwrap().port, Some(3306));
        // A namespace entry, and variables read from files by prefix.
        let lsio = d.image("lscr.io/linuxserver/code-server:4.9").unwrap();
        assert_eq!(
            lsio.file_variable("PASSWORD").as_deref(),
            Some("FILE__PASSWORD")
        );
        assert!(d.image("lscr.io/linuxserver/a/b").is_none());
        assert!(d.image("lscr.io/linuxservers/a").is_none());
        let grafana = d.image("grafana/grafana-oss:11.2.0").unwrap();
        assert_eq!(
            grafana
                .file_variable("GF_SECURITY_ADMIN_PASSWORD")
                .as_deref(),
            Some("GF_SECURITY_ADMIN_PASSWORD__FILE")
        );
        assert_eq!(grafana.file_variable("ADMIN_PASSWORD"), None);
        assert_eq!(
            d.image("postgres")
                .unwrap()
                .file_variable("POSTGRES_PASSWORD")
                .as_deref(),
            Some("POSTGRES_PASSWORD_FILE")
        );
        assert_eq!(d.image("postgres").unwrap().file_variable("PGDATA"), None);
        let bad: toml::Table = toml::from_str("[[images]]\nnames = []\nnope = 1\n").unwrap();
        assert!(ComposeData::builtin_merged_with(&bad).is_err());
    }
}
