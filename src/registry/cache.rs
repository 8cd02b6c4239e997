//! On-disk cache of resolved digests: one JSON file, entries with the time
//! they were resolved so that a TTL can be applied when reading.
//!
//! Writes go to a temporary file in the same folder and are renamed over the
//! cache, after merging with what is on disk, so that concurrent dfix runs
//! neither corrupt the file nor drop each other's entries.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

const FORMAT_VERSION: u32 = 1;

/// One cached resolution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub digest: String,
    #[serde(default)]
    pub media_type: String,
    /// Seconds since the Unix epoch.
    pub resolved_at: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    version: u32,
    entries: HashMap<String, Entry>,
}

/// The digest cache, loaded once per resolver.
#[derive(Debug)]
pub(crate) struct DigestCache {
    path: Option<PathBuf>,
    entries: HashMap<String, Entry>,
}

/// The default location: `$XDG_CACHE_HOME/dfix/digests.json`, else
/// `~/.cache/dfix/digests.json`; `None` when neither variable is set.
pub(crate) fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("dfix").join("digests.json"))
}

pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn read_file(path: &Path) -> HashMap<String, Entry> {
    // A missing, unreadable, corrupt or future-format cache is just empty: it
    // only ever saves requests, it is never the source of truth.
    std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<File>(&bytes).ok())
        .filter(|f| f.version == FORMAT_VERSION)
        .map(|f| f.entries)
        .unwrap_or_default()
}

impl DigestCache {
    /// Loads the cache at `path` (no path: an in-memory cache that is never saved).
    pub fn load(path: Option<PathBuf>) -> Self {
        let entries = path.as_deref().map(read_file).unwrap_or_default();
        DigestCache { path, entries }
    }

    /// The entry for `key` if it is younger than `ttl` (any age when `ttl` is `None`).
    pub fn get(&self, key: &str, ttl: Option<Duration>) -> Option<&Entry> {
        let entry = self.entries.get(key)?;
        match ttl {
            None => Some(entry),
            Some(ttl) => {
                let age = now_secs().saturating_sub(entry.resolved_at);
                (age < ttl.as_secs()).then_some(entry)
            }
        }
    }

    pub fn insert(&mut self, key: String, entry: Entry) {
        self.entries.insert(key, entry);
    }

    /// Writes `new` entries to disk, merged over the current file content.
    pub fn save(&self, new: &HashMap<String, Entry>) -> std::io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        if new.is_empty() {
            return Ok(());
        }
        let mut merged = read_file(path);
        merged.extend(new.iter().map(|(k, v)| (k.clone(), v.clone())));
        let file = File {
            version: FORMAT_VERSION,
            entries: merged,
        };
        let bytes = serde_json::to_vec_pretty(&file).map_err(std::io::Error::other)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(
            ".{}.{}.tmp",
            path.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("digests.json"),
            std::process::id()
        ));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_ttl_and_merge() {
        let dir = std::env::temp_dir().join(format!("dfix-cache-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("sub").join("digests.json");
        let entry = |d: &str, at: u64| Entry {
            digest: d.into(),
            media_type: "application/vnd.oci.image.index.v1+json".into(),
            resolved_at: at,
        };

        let cache = DigestCache::load(Some(path.clone()));
        let mut new = HashMap::new();
        new.insert("a".to_string(), entry("sha256:aa", now_secs()));
        new.insert("old".to_string(), entry("sha256:00", now_secs() - 7200));
        cache.save(&new).unwrap();

        // Another run adds an entry: the first run's entries survive.
        let other = DigestCache::load(Some(path.clone()));
        let mut more = HashMap::new();
        more.insert("b".to_string(), entry("sha256:bb", now_secs()));
        other.save(&more).unwrap();

        let cache = DigestCache::load(Some(path.clone()));
        let hour = Some(Duration::from_secs(3600));
        assert_eq!(cache.get("a", hour).unwrap().digest, "sha256:aa");
        assert_eq!(cache.get("b", hour).unwrap().digest, "sha256:bb");
        assert!(cache.get("old", hour).is_none(), "expired by the TTL");
        assert_eq!(cache.get("old", None).unwrap().digest, "sha256:00");

        std::fs::write(&path, "garbage").unwrap();
        assert!(DigestCache::load(Some(path)).get("a", None).is_none());
        let _ = std::fs::remove_dir_all(dir);
    }
}
