//! Registry credentials the way the Docker CLI finds them, so that "it works
//! if `docker pull` works": `$DOCKER_CONFIG/config.json` (default
//! `~/.docker/config.json`), `credHelpers[host]` → `credsStore` → `auths[host]`.
//!
//! Credential helpers are run as `docker-credential-<name> get` with the
//! server URL on stdin and `{"ServerURL","Username","Secret"}` on stdout.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;

/// Docker Hub's key in config.json and for credential helpers.
const DOCKER_HUB_SERVER: &str = "https://index.docker.io/v1/";
/// A helper that prompts or hangs must not block a run forever.
const HELPER_TIMEOUT: Duration = Duration::from_secs(30);

/// Credentials for one registry host.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Credential {
    /// Username and password (or a token used as a password).
    Basic { username: String, password: String },
    /// An OAuth2 refresh token (`identitytoken`, or a helper answering `<token>`).
    IdentityToken { username: String, token: String },
}

// Never print secrets, even in debug output.
impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Basic { username, .. } => write!(f, "Basic({username}, ***)"),
            Credential::IdentityToken { username, .. } => {
                write!(f, "IdentityToken({username}, ***)")
            }
        }
    }
}

/// Finds credentials per host, once per host and run.
pub(crate) struct CredentialStore {
    config_dir: Option<PathBuf>,
    cache: Mutex<HashMap<String, Result<Option<Credential>, String>>>,
}

impl CredentialStore {
    /// `config_dir` overrides `$DOCKER_CONFIG` / `~/.docker`.
    pub fn new(config_dir: Option<PathBuf>) -> Self {
        let config_dir = config_dir
            .or_else(|| std::env::var_os("DOCKER_CONFIG").map(PathBuf::from))
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker")));
        CredentialStore {
            config_dir,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Credentials for `host` (`host[:port]` as contacted), `Ok(None)` when
    /// the config has none.
    pub fn get(&self, host: &str) -> Result<Option<Credential>, String> {
        let key = normalize_host(host);
        // Holding the lock while a helper runs means each helper runs once per
        // host even when many threads need the same credentials at once.
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(found) = cache.get(&key) {
            return found.clone();
        }
        let found = self.lookup(&key);
        cache.insert(key, found.clone());
        found
    }

    fn lookup(&self, key: &str) -> Result<Option<Credential>, String> {
        let Some(dir) = &self.config_dir else {
            return Ok(None);
        };
        let path = dir.join("config.json");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let config: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not valid JSON: {e}", path.display()))?;
        let server_url = if key == "docker.io" {
            DOCKER_HUB_SERVER.to_string()
        } else {
            key.to_string()
        };

        let helper = find_by_host(config.get("credHelpers"), key)
            .and_then(|(_, v)| v.as_str())
            .or_else(|| config.get("credsStore").and_then(|v| v.as_str()))
            .filter(|h| !h.is_empty());
        if let Some(helper) = helper {
            if let Some(cred) = run_helper(helper, &server_url)? {
                return Ok(Some(cred));
            }
            // The store has nothing for this host: fall back to inline auths,
            // which a user may have added by hand.
        }
        match find_by_host(config.get("auths"), key) {
            Some((_, entry)) => parse_auth_entry(entry, &path),
            None => Ok(None),
        }
    }
}

/// Normalises a config key or a host to compare them: no scheme, no path,
/// lower case, and Docker Hub's aliases folded into `docker.io`.
pub(crate) fn normalize_host(key: &str) -> String {
    let no_scheme = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let host = no_scheme
        .split('/')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match host.as_str() {
        "docker.io" | "index.docker.io" | "registry-1.docker.io" => "docker.io".to_string(),
        _ => host,
    }
}

fn find_by_host<'a>(
    map: Option<&'a serde_json::Value>,
    key: &str,
) -> Option<(&'a String, &'a serde_json::Value)> {
    let obj = map?.as_object()?;
    // An exact key wins over a normalised match.
    obj.iter()
        .find(|(k, _)| k.as_str() == key)
        .or_else(|| obj.iter().find(|(k, _)| normalize_host(k) == key))
}

fn parse_auth_entry(entry: &serde_json::Value, path: &Path) -> Result<Option<Credential>, String> {
    let field = |name: &str| {
        entry
            .get(name)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
    };
    let (mut username, mut password) = (
        field("username").map(String::from),
        field("password").map(String::from),
    );
    if let Some(auth) = field("auth") {
        // docker writes padded base64, some tools do not: accept both.
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(auth.trim()))
            .map_err(|_| format!("the \"auth\" field in {} is not base64", path.display()))?;
        let decoded = String::from_utf8(decoded)
            .map_err(|_| format!("the \"auth\" field in {} is not UTF-8", path.display()))?;
        let (u, p) = decoded.split_once(':').ok_or_else(|| {
            format!(
                "the \"auth\" field in {} is not base64(user:password)",
                path.display()
            )
        })?;
        username = Some(u.to_string());
        password = Some(p.to_string());
    }
    if let Some(token) = field("identitytoken") {
        return Ok(Some(Credential::IdentityToken {
            username: username.unwrap_or_default(),
            token: token.to_string(),
        }));
    }
    Ok(match (username, password) {
        (Some(username), Some(password)) => Some(Credential::Basic { username, password }),
        _ => None,
    })
}

/// Runs `docker-credential-<helper> get`.
fn run_helper(helper: &str, server_url: &str) -> Result<Option<Credential>, String> {
    let program = format!("docker-credential-{helper}");
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run credential helper {program}: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading gives EPIPE: its exit status tells more.
        let _ = stdin.write_all(server_url.as_bytes());
    }
    let deadline = Instant::now() + HELPER_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "credential helper {program} did not answer within {}s",
                    HELPER_TIMEOUT.as_secs()
                ));
            }
            Err(e) => return Err(format!("waiting for {program}: {e}")),
        }
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_string(&mut stdout);
    }
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut stderr);
    }
    if !status.success() {
        // docker-credential-helpers' ErrCredentialsNotFound message.
        if stdout.contains("credentials not found") || stderr.contains("credentials not found") {
            return Ok(None);
        }
        let msg = if stdout.trim().is_empty() {
            stderr.trim()
        } else {
            stdout.trim()
        };
        return Err(format!("{program} get failed ({status}): {msg}"));
    }
    let v: serde_json::Value = serde_json::from_str(&stdout)
        .map_err(|e| format!("{program} get printed something that is not JSON: {e}"))?;
    let username = v.get("Username").and_then(|u| u.as_str()).unwrap_or("");
    let secret = v.get("Secret").and_then(|s| s.as_str()).unwrap_or("");
    if secret.is_empty() {
        return Ok(None);
    }
    Ok(Some(if username == "<token>" {
        Credential::IdentityToken {
            username: String::new(),
            token: secret.to_string(),
        }
    } else {
        Credential::Basic {
            username: username.to_string(),
            password: secret.to_string(),
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_keys() {
        assert_eq!(normalize_host("https://index.docker.io/v1/"), "docker.io");
        assert_eq!(normalize_host("registry-1.docker.io"), "docker.io");
        assert_eq!(normalize_host("http://Host:5000/v2/"), "host:5000");
        assert_eq!(normalize_host("ghcr.io"), "ghcr.io");
    }

    fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("dfix-cred-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn reads_inline_auths_and_identity_tokens() {
        let dir = temp_dir("inline");
        let auth = base64::engine::general_purpose::STANDARD.encode("me:s3cr:et");
        std::fs::write(
            dir.join("config.json"),
            format!(
                r#"{{"auths":{{"https://index.docker.io/v1/":{{"auth":"{auth}"}},
                   "ghcr.io":{{"identitytoken":"idt"}},
                   "empty.example":{{}}}}}}"#
            ),
        )
        .unwrap();
        let store = CredentialStore::new(Some(dir.clone()));
        assert_eq!(
            store.get("registry-1.docker.io").unwrap(),
            Some(Credential::Basic {
                username: "me".into(),
                password: "s3cr:et".into()
            })
        );
        assert_eq!(
            store.get("ghcr.io").unwrap(),
            Some(Credential::IdentityToken {
                username: String::new(),
                token: "idt".into()
            })
        );
        assert_eq!(store.get("empty.example").unwrap(), None);
        assert_eq!(store.get("other.example").unwrap(), None);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn missing_config_means_anonymous_and_bad_json_is_an_error() {
        let dir = temp_dir("missing");
        let store = CredentialStore::new(Some(dir.join("nope")));
        assert_eq!(store.get("ghcr.io").unwrap(), None);
        std::fs::write(dir.join("config.json"), "{not json").unwrap();
        let store = CredentialStore::new(Some(dir.clone()));
        assert!(store.get("ghcr.io").unwrap_err().contains("not valid JSON"));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn missing_helper_is_a_clear_error() {
        let dir = temp_dir("nohelper");
        std::fs::write(
            dir.join("config.json"),
            r#"{"credHelpers":{"ghcr.io":"dfix-surely-not-installed"}}"#,
        )
        .unwrap();
        let store = CredentialStore::new(Some(dir.clone()));
        let err = store.get("ghcr.io").unwrap_err();
        assert!(
            err.contains("docker-credential-dfix-surely-not-installed"),
            "{err}"
        );
        // Other hosts do not use that helper.
        assert_eq!(store.get("quay.io").unwrap(), None);
        let _ = std::fs::remove_dir_all(dir);
    }
}
