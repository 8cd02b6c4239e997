//! The HTTP side: `HEAD`/`GET /v2/<repo>/manifests/<tag>` with the four
//! manifest media types, the 401 → token (or Basic) dance, redirects that
//! never carry credentials to another origin, bounded retries, and error
//! classification (registry.md §2, §3).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use sha2::{Digest, Sha256};
use ureq::http::{HeaderMap, Response};
use ureq::Agent;

use super::auth::{parse_challenges, parse_token_response, url_encode, Challenge};
use super::credentials::{Credential, CredentialStore};
use super::error::{LookupError, LookupErrorKind};

/// All four manifest types: without the two index types a registry silently
/// answers with the linux/amd64 manifest of a multi-arch image (registry.md §2.2).
pub(crate) const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
     application/vnd.docker.distribution.manifest.list.v2+json, \
     application/vnd.oci.image.manifest.v1+json, \
     application/vnd.docker.distribution.manifest.v2+json";

/// distribution refuses manifests above 4 MiB; anything bigger is not a manifest.
const MAX_MANIFEST_BYTES: u64 = 4 << 20;
const MAX_TOKEN_BYTES: u64 = 1 << 20;
const MAX_REDIRECTS: usize = 5;
/// A `Retry-After` longer than this is reported instead of waited for.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);
const BASE_BACKOFF: Duration = Duration::from_millis(200);
/// Refresh tokens a little before they expire, to absorb clock and network delay.
const TOKEN_SLACK: Duration = Duration::from_secs(10);

/// Where lookups for one registry go, derived from the reference and the
/// per-registry configuration.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    /// `https://host[:port]` (or the mirror's base URL), without trailing `/`.
    pub base: String,
    /// `host[:port]` actually contacted: credentials are looked up for it, and
    /// errors name it.
    pub host: String,
    /// An unconfigured loopback registry: try HTTPS, fall back to plain HTTP
    /// if the port speaks plain HTTP (what Docker does for 127.0.0.0/8).
    pub plain_http_fallback: bool,
    /// Extra root certificate(s) for this registry.
    pub ca_file: Option<PathBuf>,
}

/// What to resolve: a tag, or an existing digest to verify.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// For messages: the fully qualified reference.
    pub display: String,
    pub repo: String,
    /// Tag, or `sha256:…` when `is_digest`.
    pub reference: String,
    pub is_digest: bool,
}

/// A resolved manifest digest and the media type the registry served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// `sha256:` + 64 lowercase hex: the digest of the manifest the tag points
    /// to (the index / manifest list for multi-platform images).
    pub digest: String,
    /// The `Content-Type` of that manifest (empty when the registry sent none).
    pub media_type: String,
}

impl Resolved {
    /// Whether the digest names a multi-platform index / manifest list.
    pub fn is_index(&self) -> bool {
        self.media_type.contains("image.index") || self.media_type.contains("manifest.list")
    }
}

enum Method<'a> {
    Head,
    Get,
    PostForm(&'a str),
}

/// Settings the client needs from the resolver options.
pub(crate) struct ClientSettings {
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub max_retries: u32,
    pub docker_config_dir: Option<PathBuf>,
}

/// A registry client shared by all resolver threads.
pub(crate) struct Client {
    settings: ClientSettings,
    /// One agent per set of root certificates (`None`: the built-in web PKI roots).
    agents: Mutex<HashMap<Option<PathBuf>, Agent>>,
    /// Bearer tokens by realm, service and scope.
    tokens: Mutex<HashMap<String, (String, Instant)>>,
    /// The challenge each endpoint answered with, so later repositories can
    /// authenticate up front instead of collecting a 401 first.
    challenges: Mutex<HashMap<String, Vec<Challenge>>>,
    /// Unconfigured loopback endpoints: whether they speak plain HTTP.
    plain_http: Mutex<HashMap<String, bool>>,
    /// Serialises the probe that fills `plain_http`.
    probe_lock: Mutex<()>,
    creds: CredentialStore,
    requests: AtomicUsize,
}

type Resp = Response<ureq::Body>;

impl Client {
    pub fn new(settings: ClientSettings) -> Self {
        let creds = CredentialStore::new(settings.docker_config_dir.clone());
        Client {
            settings,
            agents: Mutex::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
            challenges: Mutex::new(HashMap::new()),
            plain_http: Mutex::new(HashMap::new()),
            probe_lock: Mutex::new(()),
            creds,
            requests: AtomicUsize::new(0),
        }
    }

    /// HTTP requests sent so far (every attempt, token requests included).
    pub fn requests_made(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Resolves `target` on `ep` to the digest of the manifest it names.
    pub fn resolve(&self, ep: &Endpoint, target: &Target) -> Result<Resolved, LookupError> {
        let base = self.base_for(ep);
        self.resolve_at(ep, &base, target)
    }

    /// The base URL to use for `ep`. For an unconfigured loopback registry,
    /// Docker's rule: HTTPS if the port speaks TLS, else plain HTTP if it
    /// speaks the registry API. Decided once per endpoint and run, by one
    /// thread while the others wait, so the probe costs at most two requests.
    fn base_for(&self, ep: &Endpoint) -> String {
        if !ep.plain_http_fallback {
            return ep.base.clone();
        }
        let _one_prober = lock(&self.probe_lock);
        if let Some(&plain) = lock(&self.plain_http).get(&ep.base) {
            return if plain {
                to_http(&ep.base)
            } else {
                ep.base.clone()
            };
        }
        let Ok(agent) = self.agent(ep.ca_file.as_ref()) else {
            return ep.base.clone();
        };
        self.requests.fetch_add(1, Ordering::SeqCst);
        let https = agent.get(format!("{}/v2/", ep.base)).call();
        let decision = match https {
            Ok(_) => Some(false),
            Err(e) => match transport_kind(e, &ep.base) {
                LookupErrorKind::Tls(_) | LookupErrorKind::Network(_) => {
                    Some(self.speaks_registry_api(&to_http(&ep.base)))
                }
                // Nothing listens (or answers): decide later, the lookup
                // itself reports the error.
                _ => None,
            },
        };
        match decision {
            Some(plain) => {
                lock(&self.plain_http).insert(ep.base.clone(), plain);
                if plain {
                    to_http(&ep.base)
                } else {
                    ep.base.clone()
                }
            }
            None => ep.base.clone(),
        }
    }

    /// Whether `http_base` answers `/v2/` like a registry.
    fn speaks_registry_api(&self, http_base: &str) -> bool {
        let Ok(agent) = self.agent(None) else {
            return false;
        };
        self.requests.fetch_add(1, Ordering::SeqCst);
        match agent.get(format!("{http_base}/v2/")).call() {
            Ok(r) => {
                let s = r.status().as_u16();
                s == 200 || s == 401 || r.headers().contains_key("docker-distribution-api-version")
            }
            Err(_) => false,
        }
    }

    fn resolve_at(&self, ep: &Endpoint, base: &str, t: &Target) -> Result<Resolved, LookupError> {
        let err = |kind| LookupError::new(&t.display, &ep.host, kind);
        let url = format!("{base}/v2/{}/manifests/{}", t.repo, t.reference);
        let mut auth = self.auth_from_known_challenge(ep, base, t)?;

        // HEAD first: free on Docker Hub (not counted as a pull).
        let head = self.send_authed(ep, base, t, Method::Head, &url, &mut auth)?;
        let status = head.status().as_u16();
        if status == 200 {
            check_not_schema1(head.headers()).map_err(err)?;
            if let Some(d) = header_digest(head.headers()) {
                if !t.is_digest || d == t.reference {
                    return Ok(Resolved {
                        digest: d,
                        media_type: content_type(head.headers()),
                    });
                }
            }
        }
        match status {
            // Some registries and proxies mishandle HEAD, or omit the header:
            // the GET body is the authority.
            200 | 400 | 404 | 405 => {}
            _ => return Err(self.status_error(ep, t, head)),
        }

        let mut get = self.send_authed(ep, base, t, Method::Get, &url, &mut auth)?;
        if get.status().as_u16() != 200 {
            return Err(self.status_error(ep, t, get));
        }
        check_not_schema1(get.headers()).map_err(err)?;
        let announced = header_digest(get.headers());
        let media_type = content_type(get.headers());
        let body = get
            .body_mut()
            .with_config()
            .limit(MAX_MANIFEST_BYTES)
            .read_to_vec()
            .map_err(|e| err(transport_kind(e, base)))?;
        // Hash the raw bytes: re-serialising JSON would change the digest.
        let digest = sha256_digest(&body);
        let expected = if t.is_digest && t.reference.starts_with("sha256:") {
            Some(t.reference.clone())
        } else {
            announced.filter(|d| d.starts_with("sha256:"))
        };
        if let Some(expected) = expected {
            if expected != digest {
                return Err(err(LookupErrorKind::DigestMismatch {
                    expected,
                    actual: digest,
                }));
            }
        }
        if let Some(body_type) = body_media_type(&body) {
            if !media_type.is_empty() && body_type != media_type {
                return Err(err(LookupErrorKind::InvalidResponse(format!(
                    "Content-Type {media_type} but the manifest says {body_type}"
                ))));
            }
            return Ok(Resolved {
                digest,
                media_type: body_type,
            });
        }
        Ok(Resolved { digest, media_type })
    }

    /// Sends a request with the current authorization; on 401, authenticates
    /// from the challenge once and retries.
    fn send_authed(
        &self,
        ep: &Endpoint,
        base: &str,
        t: &Target,
        method: Method<'_>,
        url: &str,
        auth: &mut Option<String>,
    ) -> Result<Resp, LookupError> {
        let is_head = matches!(method, Method::Head);
        let resp = self.send(ep, t, &method, url, auth.as_deref(), Some(MANIFEST_ACCEPT))?;
        if resp.status().as_u16() != 401 {
            return Ok(resp);
        }
        let challenges = www_authenticate(resp.headers());
        if challenges.is_empty() {
            return Err(self.unauthorized(ep, t, "401 without a WWW-Authenticate challenge"));
        }
        let insufficient = challenges
            .iter()
            .any(|c| c.param("error") == Some("insufficient_scope"));
        if auth.is_some() && insufficient {
            return Err(self.unauthorized(ep, t, "access to the repository was denied"));
        }
        lock(&self.challenges).insert(base.to_string(), challenges.clone());
        *auth = Some(self.authorize(ep, base, t, &challenges)?);
        let method = if is_head { Method::Head } else { Method::Get };
        let resp = self.send(ep, t, &method, url, auth.as_deref(), Some(MANIFEST_ACCEPT))?;
        if resp.status().as_u16() == 401 {
            return Err(self.unauthorized(ep, t, "access to the repository was denied"));
        }
        Ok(resp)
    }

    /// An Unauthorized error that says whether credentials were found at all.
    fn unauthorized(&self, ep: &Endpoint, t: &Target, what: &str) -> LookupError {
        let detail = match self.creds.get(&ep.host) {
            Ok(Some(_)) => format!(
                "{what}; the credentials for {} were rejected or lack pull access",
                ep.host
            ),
            Ok(None) => format!(
                "{what}; no credentials for {} in the docker config (run `docker login {}`)",
                ep.host, ep.host
            ),
            Err(e) => format!("{what}; reading credentials failed: {e}"),
        };
        LookupError::new(&t.display, &ep.host, LookupErrorKind::Unauthorized(detail))
    }

    fn auth_from_known_challenge(
        &self,
        ep: &Endpoint,
        base: &str,
        t: &Target,
    ) -> Result<Option<String>, LookupError> {
        let known = lock(&self.challenges).get(base).cloned();
        match known {
            Some(ch) => self.authorize(ep, base, t, &ch).map(Some),
            None => Ok(None),
        }
    }

    /// Turns challenges into an `Authorization` header value: Bearer (token
    /// flow, anonymous or with credentials) preferred over Basic.
    fn authorize(
        &self,
        ep: &Endpoint,
        base: &str,
        t: &Target,
        challenges: &[Challenge],
    ) -> Result<String, LookupError> {
        let err = |kind| LookupError::new(&t.display, &ep.host, kind);
        let creds = self
            .creds
            .get(&ep.host)
            .map_err(|e| err(LookupErrorKind::Credentials(e)))?;
        if let Some(bearer) = challenges.iter().find(|c| c.scheme == "bearer") {
            return self
                .token(ep, base, t, bearer, creds.as_ref())
                .map(|tok| format!("Bearer {tok}"));
        }
        if challenges.iter().any(|c| c.scheme == "basic") {
            return match creds {
                Some(Credential::Basic { username, password }) => Ok(basic(&username, &password)),
                Some(Credential::IdentityToken { username, token }) => Ok(basic(&username, &token)),
                None => Err(self.unauthorized(ep, t, "the registry requires Basic authentication")),
            };
        }
        let schemes: Vec<&str> = challenges.iter().map(|c| c.scheme.as_str()).collect();
        Err(err(LookupErrorKind::Unauthorized(format!(
            "unsupported authentication scheme(s): {}",
            schemes.join(", ")
        ))))
    }

    /// The token flow of distribution's token.md / oauth.md.
    fn token(
        &self,
        ep: &Endpoint,
        base: &str,
        t: &Target,
        bearer: &Challenge,
        creds: Option<&Credential>,
    ) -> Result<String, LookupError> {
        let err = |kind| LookupError::new(&t.display, &ep.host, kind);
        let realm = bearer
            .param("realm")
            .filter(|r| !r.is_empty())
            .ok_or_else(|| {
                err(LookupErrorKind::InvalidResponse(
                    "Bearer challenge without a realm".into(),
                ))
            })?;
        let service = bearer.param("service").unwrap_or("");
        // Our own scope: a /v2/ challenge has none, and the registry's may be for another repo.
        let scope = format!("repository:{}:pull", t.repo);
        let key = format!("{realm}\n{service}\n{scope}");
        if let Some((tok, until)) = lock(&self.tokens).get(&key) {
            if Instant::now() < *until {
                return Ok(tok.clone());
            }
        }

        let (realm_scheme, realm_host) = split_url(realm).ok_or_else(|| {
            err(LookupErrorKind::InvalidResponse(format!(
                "token realm {realm:?} is not an http(s) URL"
            )))
        })?;
        if creds.is_some()
            && realm_scheme == "http"
            && !base.starts_with("http://")
            && !is_loopback(&realm_host)
        {
            return Err(err(LookupErrorKind::Unauthorized(format!(
                "refusing to send credentials over plain HTTP to the token realm {realm}"
            ))));
        }
        let mut query = format!("scope={}", url_encode(&scope));
        if !service.is_empty() {
            query = format!("service={}&{query}", url_encode(service));
        }
        let sep = if realm.contains('?') { '&' } else { '?' };
        let url = format!("{realm}{sep}{query}");
        // The token server may share the registry's private CA; a different
        // host uses the default roots.
        let token_ep = Endpoint {
            base: format!("{realm_scheme}://{realm_host}"),
            host: realm_host.clone(),
            plain_http_fallback: false,
            ca_file: if realm_host == authority_of(base) {
                ep.ca_file.clone()
            } else {
                None
            },
        };

        let mut resp = match creds {
            Some(Credential::IdentityToken { username, token }) => {
                let form = format!(
                    "grant_type=refresh_token&client_id=dfix&refresh_token={}&service={}&scope={}",
                    url_encode(token),
                    url_encode(service),
                    url_encode(&scope)
                );
                let r = self.send(&token_ep, t, &Method::PostForm(&form), realm, None, None)?;
                if matches!(r.status().as_u16(), 404 | 405) {
                    // oauth.md: servers without the OAuth2 endpoint take the
                    // identity token as a Basic password.
                    let auth = basic(username, token);
                    self.send(&token_ep, t, &Method::Get, &url, Some(&auth), None)?
                } else {
                    r
                }
            }
            Some(Credential::Basic { username, password }) => {
                let auth = basic(username, password);
                self.send(&token_ep, t, &Method::Get, &url, Some(&auth), None)?
            }
            None => self.send(&token_ep, t, &Method::Get, &url, None, None)?,
        };
        match resp.status().as_u16() {
            200 => {}
            401 | 403 => {
                let what = if creds.is_some() {
                    format!(
                        "the token server {realm_host} rejected the credentials for {}",
                        ep.host
                    )
                } else {
                    format!("the token server {realm_host} refused anonymous access")
                };
                return Err(err(LookupErrorKind::Unauthorized(what)));
            }
            _ => return Err(self.status_error(ep, t, resp)),
        }
        let body = resp
            .body_mut()
            .with_config()
            .limit(MAX_TOKEN_BYTES)
            .read_to_vec()
            .map_err(|e| err(transport_kind(e, realm)))?;
        let token =
            parse_token_response(&body).map_err(|e| err(LookupErrorKind::InvalidResponse(e)))?;
        let life = token.expires_in.saturating_sub(TOKEN_SLACK);
        lock(&self.tokens).insert(key, (token.token.clone(), Instant::now() + life));
        Ok(token.token)
    }

    /// One logical request: retries 5xx and 429 with backoff (honouring
    /// `Retry-After`), follows redirects itself so that `Authorization` is
    /// only ever sent to the origin it was meant for.
    fn send(
        &self,
        ep: &Endpoint,
        t: &Target,
        method: &Method<'_>,
        url: &str,
        auth: Option<&str>,
        accept: Option<&str>,
    ) -> Result<Resp, LookupError> {
        let err = |kind| LookupError::new(&t.display, &ep.host, kind);
        let agent = self
            .agent(ep.ca_file.as_ref())
            .map_err(|e| err(LookupErrorKind::Config(e)))?;
        let origin = url.to_string();
        let mut url = url.to_string();
        let mut attempt: u32 = 0;
        let mut redirects = 0;
        loop {
            let auth_now = auth.filter(|_| may_carry_auth(&origin, &url));
            self.requests.fetch_add(1, Ordering::SeqCst);
            let result = match method {
                Method::Head | Method::Get => {
                    let mut req = if matches!(method, Method::Head) {
                        agent.head(&url)
                    } else {
                        agent.get(&url)
                    };
                    if let Some(a) = accept {
                        req = req.header("Accept", a);
                    }
                    if let Some(a) = auth_now {
                        req = req.header("Authorization", a);
                    }
                    req.call()
                }
                Method::PostForm(form) => {
                    let mut req = agent.post(&url);
                    if let Some(a) = auth_now {
                        req = req.header("Authorization", a);
                    }
                    req.content_type("application/x-www-form-urlencoded")
                        .send(form.as_bytes())
                }
            };
            let resp = match result {
                Ok(r) => r,
                Err(e) => {
                    let kind = transport_kind(e, &url);
                    // Resets and the like are worth another try; refused
                    // connections, TLS failures and timeouts are not.
                    if matches!(kind, LookupErrorKind::Network(_))
                        && attempt < self.settings.max_retries
                    {
                        std::thread::sleep(backoff(attempt));
                        attempt += 1;
                        continue;
                    }
                    return Err(err(kind));
                }
            };
            let status = resp.status().as_u16();
            if (status == 429 || status >= 500) && attempt < self.settings.max_retries {
                let wait = retry_after(resp.headers()).unwrap_or_else(|| backoff(attempt));
                if wait <= MAX_RETRY_WAIT {
                    std::thread::sleep(wait);
                    attempt += 1;
                    continue;
                }
                return Ok(resp);
            }
            if matches!(status, 301 | 302 | 303 | 307 | 308)
                && !matches!(method, Method::PostForm(_))
            {
                let location = resp
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| {
                        err(LookupErrorKind::InvalidResponse(format!(
                            "HTTP {status} without Location"
                        )))
                    })?;
                redirects += 1;
                if redirects > MAX_REDIRECTS {
                    return Err(err(LookupErrorKind::InvalidResponse(
                        "too many redirects".into(),
                    )));
                }
                let next = join_url(&url, location);
                if next.starts_with("http://") && url.starts_with("https://") {
                    return Err(err(LookupErrorKind::InvalidResponse(format!(
                        "refusing a redirect from HTTPS to plain HTTP ({next})"
                    ))));
                }
                url = next;
                continue;
            }
            return Ok(resp);
        }
    }

    fn status_error(&self, ep: &Endpoint, t: &Target, mut resp: Resp) -> LookupError {
        let status = resp.status().as_u16();
        let kind = match status {
            404 => LookupErrorKind::NotFound,
            401 | 403 => {
                return self.unauthorized(ep, t, &format!("HTTP {status}"));
            }
            429 => LookupErrorKind::RateLimited {
                retry_after: retry_after(resp.headers()),
                detail: rate_limit_detail(resp.headers()),
            },
            _ => {
                let body = resp
                    .body_mut()
                    .with_config()
                    .limit(64 * 1024)
                    .read_to_vec()
                    .unwrap_or_default();
                LookupErrorKind::Status {
                    status,
                    detail: registry_error_message(&body),
                }
            }
        };
        LookupError::new(&t.display, &ep.host, kind)
    }

    fn agent(&self, ca_file: Option<&PathBuf>) -> Result<Agent, String> {
        let key = ca_file.cloned();
        if let Some(a) = lock(&self.agents).get(&key) {
            return Ok(a.clone());
        }
        let mut builder = Agent::config_builder()
            .http_status_as_error(false)
            // Redirects are followed by `send`, which decides about credentials.
            .max_redirects(0)
            .timeout_connect(Some(self.settings.connect_timeout))
            .timeout_global(Some(self.settings.timeout))
            .user_agent(concat!("dfix/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| format!("cannot read ca_file {}: {e}", path.display()))?;
            let mut certs = Vec::new();
            for item in ureq::tls::parse_pem(&pem) {
                match item {
                    Ok(ureq::tls::PemItem::Certificate(c)) => certs.push(c),
                    Ok(_) => {}
                    Err(e) => {
                        return Err(format!("ca_file {} is not valid PEM: {e}", path.display()))
                    }
                }
            }
            if certs.is_empty() {
                return Err(format!("ca_file {} holds no certificate", path.display()));
            }
            // Only the configured CA is trusted for this registry, like a
            // pinned private CA; public registries use the default agent.
            let tls = ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::Specific(Arc::new(certs)))
                .build();
            builder = builder.tls_config(tls);
        }
        let agent: Agent = builder.build().into();
        lock(&self.agents).insert(key, agent.clone());
        Ok(agent)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panicking thread cannot leave these maps half-updated in a harmful way.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn basic(user: &str, pass: &str) -> String {
    let enc = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
    format!("Basic {enc}")
}

/// `sha256:` + lowercase hex of the bytes.
pub(crate) fn sha256_digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut out = String::with_capacity(71);
    out.push_str("sha256:");
    for b in hash.iter() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// A well-formed sha256 `Docker-Content-Digest`, if present.
fn header_digest(h: &HeaderMap) -> Option<String> {
    let v = h.get("docker-content-digest")?.to_str().ok()?.trim();
    let hex = v.strip_prefix("sha256:")?;
    (hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .then(|| v.to_string())
}

fn content_type(h: &HeaderMap) -> String {
    h.get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_string())
        .unwrap_or_default()
}

fn check_not_schema1(h: &HeaderMap) -> Result<(), LookupErrorKind> {
    let ct = content_type(h);
    if ct.starts_with("application/vnd.docker.distribution.manifest.v1") {
        return Err(LookupErrorKind::InvalidResponse(format!(
            "the registry only offers a schema1 manifest ({ct}), which cannot be pinned"
        )));
    }
    Ok(())
}

fn body_media_type(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    v.get("mediaType")?.as_str().map(String::from)
}

fn www_authenticate(h: &HeaderMap) -> Vec<Challenge> {
    h.get_all("www-authenticate")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(parse_challenges)
        .collect()
}

/// `Retry-After` in delta-seconds (the HTTP-date form is treated as absent).
fn retry_after(h: &HeaderMap) -> Option<Duration> {
    let v = h.get("retry-after")?.to_str().ok()?.trim();
    v.parse::<u64>().ok().map(Duration::from_secs)
}

fn rate_limit_detail(h: &HeaderMap) -> String {
    ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"]
        .iter()
        .filter_map(|k| Some(format!("{k}: {}", h.get(*k)?.to_str().ok()?)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn backoff(attempt: u32) -> Duration {
    BASE_BACKOFF * 2u32.saturating_pow(attempt.min(6))
}

/// The first error message of a registry error body
/// (`{"errors":[{"code":"…","message":"…"}]}`), or nothing.
fn registry_error_message(body: &[u8]) -> String {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return String::new();
    };
    v.get("errors")
        .and_then(|e| e.get(0))
        .map(|e| {
            let code = e.get("code").and_then(|c| c.as_str()).unwrap_or("");
            let msg = e.get("message").and_then(|c| c.as_str()).unwrap_or("");
            format!("{code} {msg}").trim().to_string()
        })
        .unwrap_or_default()
}

/// Classifies a transport error.
fn transport_kind(e: ureq::Error, url: &str) -> LookupErrorKind {
    use std::io::ErrorKind as Io;
    match e {
        ureq::Error::Timeout(_) => LookupErrorKind::Timeout,
        ureq::Error::Io(io) if io.kind() == Io::ConnectionRefused => {
            LookupErrorKind::ConnectionRefused
        }
        ureq::Error::Io(io) if io.kind() == Io::TimedOut => LookupErrorKind::Timeout,
        // rustls reports handshake and certificate failures as InvalidData
        // I/O errors while the stream is being read.
        ureq::Error::Io(io) if io.kind() == Io::InvalidData && url.starts_with("https://") => {
            LookupErrorKind::Tls(io.to_string())
        }
        e @ (ureq::Error::Rustls(_) | ureq::Error::Tls(_) | ureq::Error::Pem(_)) => {
            LookupErrorKind::Tls(e.to_string())
        }
        ureq::Error::HostNotFound => {
            LookupErrorKind::Network("cannot resolve the host name".into())
        }
        ureq::Error::BodyExceedsLimit(_) => {
            LookupErrorKind::InvalidResponse("the response is larger than a manifest can be".into())
        }
        other => LookupErrorKind::Network(other.to_string()),
    }
}

/// `(scheme, authority)` of an http(s) URL.
fn split_url(url: &str) -> Option<(String, String)> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() {
        return None;
    }
    Some((scheme, authority.to_ascii_lowercase()))
}

fn authority_of(url: &str) -> String {
    split_url(url).map(|(_, a)| a).unwrap_or_default()
}

/// `scheme://authority` (with the default port made explicit), for origin comparisons.
fn origin_of(url: &str) -> String {
    match split_url(url) {
        Some((scheme, authority)) => {
            let has_port = authority
                .rsplit_once(':')
                .is_some_and(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()) && !p.is_empty());
            if has_port {
                format!("{scheme}://{authority}")
            } else {
                let port = if scheme == "https" { 443 } else { 80 };
                format!("{scheme}://{authority}:{port}")
            }
        }
        None => String::new(),
    }
}

/// Credentials belong to the origin (scheme, host, port) of the first
/// request only: a redirect elsewhere goes without `Authorization` (OCI
/// distribution spec, "API": MUST NOT forward it across hosts).
fn may_carry_auth(first_url: &str, url: &str) -> bool {
    let origin = origin_of(first_url);
    !origin.is_empty() && origin == origin_of(url)
}

/// Resolves a `Location` header against the URL that produced it.
fn join_url(current: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        return location.to_string();
    }
    let (scheme, authority) = split_url(current).unwrap_or_default();
    if let Some(rest) = location.strip_prefix("//") {
        return format!("{scheme}://{rest}");
    }
    if location.starts_with('/') {
        return format!("{scheme}://{authority}{location}");
    }
    // Relative path: replace the last segment.
    let path_start = current.find("://").map(|i| i + 3).unwrap_or(0);
    match current[path_start..].rfind('/') {
        Some(i) => format!("{}/{location}", &current[..path_start + i]),
        None => format!("{current}/{location}"),
    }
}

fn to_http(https_base: &str) -> String {
    match https_base.strip_prefix("https://") {
        Some(rest) => format!("http://{rest}"),
        None => https_base.to_string(),
    }
}

/// `localhost`, 127.0.0.0/8 or ::1, with or without a port.
pub(crate) fn is_loopback(authority: &str) -> bool {
    let host = if let Some(rest) = authority.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        authority.split(':').next().unwrap_or("")
    };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_and_headers() {
        assert_eq!(
            sha256_digest(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let mut h = HeaderMap::new();
        h.insert(
            "Docker-Content-Digest",
            format!("sha256:{}", "a".repeat(64)).parse().unwrap(),
        );
        h.insert(
            "Content-Type",
            "application/vnd.oci.image.index.v1+json; charset=utf-8"
                .parse()
                .unwrap(),
        );
        h.insert("Retry-After", "7".parse().unwrap());
        assert_eq!(
            header_digest(&h),
            Some(format!("sha256:{}", "a".repeat(64)))
        );
        assert_eq!(content_type(&h), "application/vnd.oci.image.index.v1+json");
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert("Docker-Content-Digest", "sha256:ABC".parse().unwrap());
        assert_eq!(header_digest(&h), None);
        h.insert(
            "Content-Type",
            "application/vnd.docker.distribution.manifest.v1+prettyjws"
                .parse()
                .unwrap(),
        );
        assert!(check_not_schema1(&h).is_err());
    }

    #[test]
    fn urls_and_origins() {
        assert_eq!(origin_of("https://Ghcr.io/v2/x"), "https://ghcr.io:443");
        assert_eq!(
            origin_of("http://127.0.0.1:5000/v2/"),
            "http://127.0.0.1:5000"
        );
        assert_ne!(origin_of("https://a.io/x"), origin_of("https://b.a.io/x"));
        assert_ne!(origin_of("https://a.io/x"), origin_of("http://a.io/x"));
        assert_eq!(
            join_url("https://a.io/v2/x/manifests/1", "/v2/y"),
            "https://a.io/v2/y"
        );
        assert_eq!(
            join_url("https://a.io/v2/x", "https://s3.example/blob"),
            "https://s3.example/blob"
        );
        assert_eq!(
            join_url("https://a.io/v2/x", "//cdn.example/b"),
            "https://cdn.example/b"
        );
        assert_eq!(join_url("https://a.io/v2/x/y", "z"), "https://a.io/v2/x/z");
        let first = "https://reg.example/v2/x/manifests/1";
        assert!(may_carry_auth(
            first,
            "https://reg.example:443/v2/x/manifests/sha256:1"
        ));
        assert!(!may_carry_auth(first, "https://s3.example/blob"));
        assert!(!may_carry_auth(first, "https://reg.example:8443/v2/"));
        assert!(!may_carry_auth(first, "http://reg.example/v2/"));
        assert!(!may_carry_auth("not a url", "not a url"));
        assert!(is_loopback("127.0.0.1:5000"));
        assert!(is_loopback("localhost"));
        assert!(is_loopback("[::1]:5000"));
        assert!(!is_loopback("ghcr.io"));
        assert!(!is_loopback("10.0.0.1:5000"));
    }

    #[test]
    fn registry_errors_and_backoff() {
        assert_eq!(
            registry_error_message(
                br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#
            ),
            "MANIFEST_UNKNOWN manifest unknown"
        );
        assert_eq!(registry_error_message(b"<html>"), "");
        assert_eq!(backoff(0), Duration::from_millis(200));
        assert_eq!(backoff(2), Duration::from_millis(800));
        assert!(backoff(100) <= Duration::from_secs(13));
    }
}
