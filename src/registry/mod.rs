//! Resolving image tags to manifest digests: the only network I/O dfix does.
//!
//! [`Resolver::resolve_all`] takes the references found in Dockerfiles,
//! deduplicates them, answers what it can from the on-disk cache and asks the
//! registries for the rest, a few at a time. The digest returned for a tag is
//! the digest of the manifest the tag points to: for a multi-platform image,
//! the index / manifest list, never one platform's manifest.
//!
//! Protocol details and the reasons behind them: `docs/reference/registry.md`.

mod auth;
mod cache;
mod client;
mod credentials;
mod error;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use dfix_grammar::image_ref::ImageRef;

pub use client::Resolved;
pub use error::{LookupError, LookupErrorKind};

use cache::{DigestCache, Entry};
use client::{Client, ClientSettings, Endpoint, Target};

/// Per-registry settings, filled from `[registries."host"]` in `dfix.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistryConfig {
    /// Base URL that lookups for this registry go to instead
    /// (e.g. `http://127.0.0.1:5000`); its scheme is used as written.
    /// Credentials are those of the mirror's host, never the upstream's.
    pub mirror: Option<String>,
    /// Talk plain HTTP to this registry.
    pub insecure: bool,
    /// PEM file with the CA certificate(s) to trust for this registry (instead
    /// of the built-in public roots).
    pub ca_file: Option<PathBuf>,
}

/// How a [`Resolver`] behaves.
#[derive(Debug, Clone)]
pub struct ResolverOptions {
    /// Use only the cache; a reference missing from it is a
    /// [`LookupErrorKind::NotCached`] error. Cached entries are used whatever their age.
    pub offline: bool,
    /// Cache file; `None` means `$XDG_CACHE_HOME/dfix/digests.json` or
    /// `~/.cache/dfix/digests.json`.
    pub cache_path: Option<PathBuf>,
    /// How long a cached digest is trusted when online.
    pub cache_ttl: Duration,
    /// Per-registry settings keyed by registry domain as written in references
    /// (`docker.io`, `ghcr.io`, `localhost:5000`).
    pub registries: HashMap<String, RegistryConfig>,
    /// Folder holding `config.json`; `None` means `$DOCKER_CONFIG`, else `~/.docker`.
    pub docker_config_dir: Option<PathBuf>,
    /// Total time allowed for one HTTP request, body included.
    pub timeout: Duration,
    /// Time allowed to establish a connection (TCP and TLS).
    pub connect_timeout: Duration,
    /// Retries after a 5xx, a 429 or a dropped connection (so at most
    /// `max_retries + 1` attempts per request).
    pub max_retries: u32,
    /// Lookups running at the same time.
    pub max_concurrency: usize,
}

impl Default for ResolverOptions {
    fn default() -> Self {
        ResolverOptions {
            offline: false,
            cache_path: None,
            cache_ttl: Duration::from_secs(3600),
            registries: HashMap::new(),
            docker_config_dir: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_retries: 3,
            max_concurrency: 8,
        }
    }
}

/// Resolves references to digests, with caching and bounded concurrency.
pub struct Resolver {
    opts: ResolverOptions,
    client: Client,
    cache: Mutex<DigestCache>,
    cache_hits: AtomicUsize,
}

/// One network (or cache) lookup, shared by all references that need it.
struct Job {
    key: String,
    domain: String,
    target: Target,
}

impl Resolver {
    /// Creates a resolver; loads the cache file (a missing or corrupt cache is empty).
    pub fn new(opts: ResolverOptions) -> Self {
        let client = Client::new(ClientSettings {
            timeout: opts.timeout,
            connect_timeout: opts.connect_timeout,
            max_retries: opts.max_retries,
            docker_config_dir: opts.docker_config_dir.clone(),
        });
        let cache_path = opts.cache_path.clone().or_else(cache::default_path);
        Resolver {
            cache: Mutex::new(DigestCache::load(cache_path)),
            client,
            opts,
            cache_hits: AtomicUsize::new(0),
        }
    }

    /// HTTP requests sent so far (each attempt counts, token requests too).
    pub fn requests_made(&self) -> usize {
        self.client.requests_made()
    }

    /// Lookups answered from the cache so far.
    pub fn cache_hits(&self) -> usize {
        self.cache_hits.load(Ordering::SeqCst)
    }

    /// Resolves one reference (see [`Resolver::resolve_all_detailed`]).
    pub fn resolve(&self, r: &ImageRef) -> Result<Resolved, LookupError> {
        self.resolve_all_detailed(std::slice::from_ref(r))
            .remove(&r.canonical())
            .unwrap_or_else(|| {
                Err(LookupError::new(
                    &r.canonical(),
                    r.domain(),
                    LookupErrorKind::InvalidResponse("no result".into()),
                ))
            })
    }

    /// Resolves every reference to a digest, keyed by [`ImageRef::canonical`].
    pub fn resolve_all(&self, refs: &[ImageRef]) -> HashMap<String, Result<String, LookupError>> {
        self.resolve_all_detailed(refs)
            .into_iter()
            .map(|(k, v)| (k, v.map(|r| r.digest)))
            .collect()
    }

    /// Like [`Resolver::resolve_all`], also reporting the media type that was pinned.
    ///
    /// A reference with a tag resolves the tag (an existing digest in it is
    /// ignored: it may be stale); a digest-only reference is checked to exist.
    pub fn resolve_all_detailed(
        &self,
        refs: &[ImageRef],
    ) -> HashMap<String, Result<Resolved, LookupError>> {
        // Deduplicate: several spellings (and stale pins) share one lookup.
        let mut jobs: Vec<Job> = Vec::new();
        let mut job_of: HashMap<String, usize> = HashMap::new();
        let mut wanted: Vec<(String, usize)> = Vec::new();
        for r in refs {
            let (key, reference, is_digest) = match (r.tag(), r.digest()) {
                (Some(tag), _) => (
                    format!("{}/{}:{tag}", r.domain(), r.path()),
                    tag.to_string(),
                    false,
                ),
                (None, Some(d)) => (
                    format!("{}/{}@{d}", r.domain(), r.path()),
                    d.to_string(),
                    true,
                ),
                (None, None) => (
                    format!("{}/{}:latest", r.domain(), r.path()),
                    "latest".to_string(),
                    false,
                ),
            };
            let idx = *job_of.entry(key.clone()).or_insert_with(|| {
                jobs.push(Job {
                    key: key.clone(),
                    domain: r.domain().to_string(),
                    target: Target {
                        display: key.clone(),
                        repo: r.path().to_string(),
                        reference,
                        is_digest,
                    },
                });
                jobs.len() - 1
            });
            wanted.push((r.canonical(), idx));
        }

        let mut results: Vec<Option<Result<Resolved, LookupError>>> = vec![None; jobs.len()];
        let mut pending: Vec<usize> = Vec::new();
        {
            let cache = lock(&self.cache);
            let ttl = (!self.opts.offline).then_some(self.opts.cache_ttl);
            for (i, job) in jobs.iter().enumerate() {
                if let Some(e) = cache.get(&job.key, ttl) {
                    self.cache_hits.fetch_add(1, Ordering::SeqCst);
                    results[i] = Some(Ok(Resolved {
                        digest: e.digest.clone(),
                        media_type: e.media_type.clone(),
                    }));
                } else if self.opts.offline {
                    results[i] = Some(Err(LookupError::new(
                        &job.key,
                        &job.domain,
                        LookupErrorKind::NotCached,
                    )));
                } else {
                    pending.push(i);
                }
            }
        }

        let done: Mutex<Vec<(usize, Result<Resolved, LookupError>)>> = Mutex::new(Vec::new());
        let next = AtomicUsize::new(0);
        let workers = self.opts.max_concurrency.clamp(1, pending.len().max(1));
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| loop {
                    let n = next.fetch_add(1, Ordering::SeqCst);
                    let Some(&i) = pending.get(n) else {
                        break;
                    };
                    let job = &jobs[i];
                    let res = self
                        .endpoint(&job.domain, &job.key)
                        .and_then(|ep| self.client.resolve(&ep, &job.target));
                    lock(&done).push((i, res));
                });
            }
        });

        let mut fresh: HashMap<String, Entry> = HashMap::new();
        let now = cache::now_secs();
        for (i, res) in done.into_inner().unwrap_or_else(|p| p.into_inner()) {
            if let Ok(r) = &res {
                fresh.insert(
                    jobs[i].key.clone(),
                    Entry {
                        digest: r.digest.clone(),
                        media_type: r.media_type.clone(),
                        resolved_at: now,
                    },
                );
            }
            results[i] = Some(res);
        }
        if !fresh.is_empty() {
            let mut cache = lock(&self.cache);
            for (k, e) in &fresh {
                cache.insert(k.clone(), e.clone());
            }
            // The cache only saves requests: failing to write it must not fail a run.
            let _ = cache.save(&fresh);
        }

        wanted
            .into_iter()
            .map(|(canonical, i)| {
                let res = results[i].clone().unwrap_or_else(|| {
                    Err(LookupError::new(
                        &jobs[i].key,
                        &jobs[i].domain,
                        LookupErrorKind::InvalidResponse("lookup did not run".into()),
                    ))
                });
                (canonical, res)
            })
            .collect()
    }

    /// Where lookups for `domain` go.
    fn endpoint(&self, domain: &str, display: &str) -> Result<Endpoint, LookupError> {
        let api_host = if domain == "docker.io" {
            "registry-1.docker.io"
        } else {
            domain
        };
        let cfg = self
            .config_for(domain, api_host)
            .cloned()
            .unwrap_or_default();
        if let Some(mirror) = cfg.mirror.as_deref() {
            let base = mirror.trim_end_matches('/');
            let authority = base
                .split_once("://")
                .filter(|(scheme, _)| *scheme == "http" || *scheme == "https")
                .map(|(_, rest)| rest.split('/').next().unwrap_or(""))
                .filter(|a| !a.is_empty())
                .ok_or_else(|| {
                    LookupError::new(
                        display,
                        domain,
                        LookupErrorKind::Config(format!(
                            "mirror {mirror:?} is not an http:// or https:// URL"
                        )),
                    )
                })?;
            return Ok(Endpoint {
                base: base.to_string(),
                host: authority.to_string(),
                plain_http_fallback: false,
                ca_file: cfg.ca_file,
            });
        }
        let scheme = if cfg.insecure { "http" } else { "https" };
        Ok(Endpoint {
            base: format!("{scheme}://{api_host}"),
            host: api_host.to_string(),
            plain_http_fallback: !cfg.insecure
                && cfg.ca_file.is_none()
                && client::is_loopback(api_host),
            ca_file: cfg.ca_file,
        })
    }

    fn config_for(&self, domain: &str, api_host: &str) -> Option<&RegistryConfig> {
        let regs = &self.opts.registries;
        regs.get(domain).or_else(|| regs.get(api_host)).or_else(|| {
            (domain == "docker.io")
                .then(|| regs.get("index.docker.io"))
                .flatten()
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
