//! End-to-end tests of the registry client against a real registry
//! (Debian's `docker-registry`, distribution 2.8) on loopback: no mocks.
//!
//! Needs `docker-registry`, `openssl`, `htpasswd` (apache2-utils) and
//! `python3`; `scripts/install-registry-deps.sh` installs them. Without them
//! the tests fail when `CI` is set and are skipped otherwise.

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use dfix::registry::{LookupErrorKind, RegistryConfig, Resolver, ResolverOptions};
use dfix_grammar::image_ref::ImageRef;
use support::*;

/// A storage folder with fixtures, served by an open registry.
struct Env {
    storage: TempDir,
    open: Registry,
    pusher: Pusher,
    /// `library/multi:1`: OCI index, two platforms.
    multi: Pushed,
    /// `library/list:1`: Docker manifest list, two platforms.
    list: Pushed,
    /// `library/single:1`: one OCI image manifest.
    single: Pushed,
    /// `public/multi:1` and `private/app:1`, for the token server's rules.
    public: Pushed,
    private: Pushed,
    work: TempDir,
}

fn setup() -> Option<Env> {
    // First, before anything spawns a process: PATH gains the test helper.
    credential_helper_dir();
    if !tools_available() {
        return None;
    }
    let storage = TempDir::new("storage");
    let open = Registry::start(storage.path(), Mode::Open);
    let pusher = Pusher::new(&open.url());
    let multi = pusher.push_multi("library/multi", "1", true);
    let list = pusher.push_multi("library/list", "1", false);
    let single = pusher.push_single("library/single", "1");
    let public = pusher.push_multi("public/multi", "1", true);
    let private = pusher.push_single("private/app", "1");
    Some(Env {
        storage,
        open,
        pusher,
        multi,
        list,
        single,
        public,
        private,
        work: TempDir::new("work"),
    })
}

impl Env {
    /// Options isolated from the user's machine: own cache file, empty docker config.
    fn options(&self) -> ResolverOptions {
        let docker_config = self.work.path().join("docker-empty");
        let _ = std::fs::create_dir_all(&docker_config);
        let mut registries = HashMap::new();
        // Plain HTTP, as configured in dfix.toml; the unconfigured loopback
        // fallback has its own test.
        registries.insert(
            self.open.host(),
            RegistryConfig {
                insecure: true,
                ..RegistryConfig::default()
            },
        );
        ResolverOptions {
            registries,
            cache_path: Some(self.work.path().join("cache.json")),
            docker_config_dir: Some(docker_config),
            timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(5),
            max_retries: 1,
            ..ResolverOptions::default()
        }
    }

    /// A docker config folder holding `config`.
    fn docker_config(&self, name: &str, config: &str) -> PathBuf {
        let dir = self.work.path().join(name);
        std::fs::create_dir_all(&dir).expect("docker config dir");
        std::fs::write(dir.join("config.json"), config).expect("write config.json");
        dir
    }
}

fn r(s: &str) -> ImageRef {
    ImageRef::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

fn no_cache(opts: ResolverOptions) -> ResolverOptions {
    ResolverOptions {
        cache_ttl: Duration::ZERO,
        ..opts
    }
}

fn resolve_one(
    opts: ResolverOptions,
    reference: &str,
) -> Result<String, dfix::registry::LookupError> {
    Resolver::new(opts).resolve(&r(reference)).map(|x| x.digest)
}

fn basic_auth_value(user: &str, pass: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
}

#[test]
fn oci_index_resolves_to_the_index_digest() {
    let Some(env) = setup() else { return };
    let reference = format!("{}/library/multi:1", env.open.host());
    let resolver = Resolver::new(env.options());
    let got = resolver.resolve(&r(&reference)).expect("resolve");

    let oracle = env.pusher.get_digest("library/multi", "1", None);
    assert_eq!(got.digest, oracle, "digest = sha256 of the GET body");
    assert_eq!(
        got.digest, env.multi.digest,
        "digest = sha256 of the pushed index"
    );
    assert!(
        !env.multi.children.contains(&got.digest),
        "never a per-platform digest"
    );
    assert_eq!(got.media_type, OCI_INDEX);
    assert!(got.is_index());
    // The registry sends Docker-Content-Digest on HEAD: one request is enough.
    assert_eq!(resolver.requests_made(), 1);
}

#[test]
fn docker_manifest_list_resolves_to_the_list_digest() {
    let Some(env) = setup() else { return };
    let reference = format!("{}/library/list:1", env.open.host());
    let got = Resolver::new(env.options())
        .resolve(&r(&reference))
        .expect("resolve");
    assert_eq!(got.digest, env.pusher.get_digest("library/list", "1", None));
    assert_eq!(got.digest, env.list.digest);
    assert!(
        !env.list.children.contains(&got.digest),
        "not the amd64 child"
    );
    assert_eq!(got.media_type, DOCKER_LIST);
}

#[test]
fn single_platform_manifest_resolves_to_its_digest() {
    let Some(env) = setup() else { return };
    let reference = format!("{}/library/single:1", env.open.host());
    let got = Resolver::new(env.options())
        .resolve(&r(&reference))
        .expect("resolve");
    assert_eq!(got.digest, env.single.digest);
    assert_eq!(
        got.digest,
        env.pusher.get_digest("library/single", "1", None)
    );
    assert_eq!(got.media_type, OCI_MANIFEST);
    assert!(!got.is_index());
}

#[test]
fn stale_pin_resolves_the_tag_and_digest_only_refs_are_verified() {
    let Some(env) = setup() else { return };
    let host = env.open.host();
    let stale = format!("sha256:{}", "0".repeat(64));
    let refs = [
        r(&format!("{host}/library/multi:1@{stale}")),
        r(&format!("{host}/library/multi@{}", env.multi.children[0])),
        r(&format!("{host}/library/multi@sha256:{}", "1".repeat(64))),
    ];
    let res = Resolver::new(env.options()).resolve_all(&refs);
    assert_eq!(
        res[&refs[0].canonical()].as_ref().unwrap(),
        &env.multi.digest
    );
    assert_eq!(
        res[&refs[1].canonical()].as_ref().unwrap(),
        &env.multi.children[0]
    );
    let missing = res[&refs[2].canonical()].as_ref().unwrap_err();
    assert_eq!(missing.kind, LookupErrorKind::NotFound);
}

#[test]
fn mirror_serves_docker_hub_lookups_and_spellings_are_deduplicated() {
    let Some(env) = setup() else { return };
    let mut opts = env.options();
    opts.registries.insert(
        "docker.io".into(),
        RegistryConfig {
            mirror: Some(format!("{}/", env.open.url())),
            ..RegistryConfig::default()
        },
    );
    let refs = [
        r("docker.io/library/multi:1"),
        r("multi:1"),
        r("index.docker.io/library/multi:1"),
        r("docker.io/library/list:1"),
    ];
    let resolver = Resolver::new(opts);
    let res = resolver.resolve_all(&refs);
    assert_eq!(
        res.len(),
        2,
        "three spellings of one image share a key: {res:?}"
    );
    assert_eq!(
        res["docker.io/library/multi:1"].as_ref().unwrap(),
        &env.multi.digest
    );
    assert_eq!(
        res["docker.io/library/list:1"].as_ref().unwrap(),
        &env.list.digest
    );
    assert_eq!(resolver.requests_made(), 2, "one HEAD per distinct image");

    // An unknown image on the mirror names the mirror's host.
    let mut opts = no_cache(env.options());
    opts.registries.insert(
        "docker.io".into(),
        RegistryConfig {
            mirror: Some(env.open.url()),
            ..RegistryConfig::default()
        },
    );
    let err = resolve_one(opts, "python:3.12").unwrap_err();
    assert_eq!(err.kind, LookupErrorKind::NotFound);
    assert_eq!(err.host, env.open.host());
    assert!(
        err.to_string().contains("docker.io/library/python:3.12"),
        "{err}"
    );
}

#[test]
fn tls_with_a_private_ca() {
    let Some(env) = setup() else { return };
    let certs = TempDir::new("tls");
    let (ca, cert, key) = make_tls_certs(certs.path());
    let tls = Registry::start(env.storage.path(), Mode::Tls { cert, key });
    let reference = format!("{}/library/multi:1", tls.host());

    let mut opts = no_cache(env.options());
    opts.registries.insert(
        tls.host(),
        RegistryConfig {
            ca_file: Some(ca.clone()),
            ..RegistryConfig::default()
        },
    );
    assert_eq!(
        resolve_one(opts, &reference).expect("resolve over TLS"),
        env.multi.digest
    );

    // Without the CA the certificate is not trusted, and the plain-HTTP
    // fallback for loopback must not hide that.
    let err = resolve_one(no_cache(env.options()), &reference).unwrap_err();
    eprintln!("{err}");
    assert!(matches!(err.kind, LookupErrorKind::Tls(_)), "{err:?}");
    assert!(err.to_string().contains(&tls.host()), "{err}");

    // A CA file that is not PEM is a configuration error, not a panic.
    let bogus = certs.path().join("bogus.pem");
    std::fs::write(&bogus, "not a certificate").unwrap();
    let mut opts = no_cache(env.options());
    opts.registries.insert(
        tls.host(),
        RegistryConfig {
            ca_file: Some(bogus),
            ..RegistryConfig::default()
        },
    );
    let err = resolve_one(opts, &reference).unwrap_err();
    assert!(matches!(err.kind, LookupErrorKind::Config(_)), "{err:?}");
}

#[test]
fn insecure_flag_and_loopback_fallback_use_plain_http() {
    let Some(env) = setup() else { return };
    let reference = format!("localhost:{}/library/single:1", env.open.port);
    // Loopback without configuration: HTTPS fails, the port speaks plain HTTP.
    assert_eq!(
        resolve_one(no_cache(env.options()), &reference).unwrap(),
        env.single.digest
    );
    // Explicitly insecure: plain HTTP straight away (a single request).
    let mut opts = no_cache(env.options());
    opts.registries.insert(
        format!("localhost:{}", env.open.port),
        RegistryConfig {
            insecure: true,
            ..RegistryConfig::default()
        },
    );
    let resolver = Resolver::new(opts);
    assert_eq!(
        resolver.resolve(&r(&reference)).unwrap().digest,
        env.single.digest
    );
    assert_eq!(resolver.requests_made(), 1);
}

#[test]
fn htpasswd_basic_auth_with_credentials_from_docker_config() {
    let Some(env) = setup() else { return };
    let files = TempDir::new("htpasswd");
    let htpasswd = make_htpasswd(files.path());
    let reg = Registry::start(env.storage.path(), Mode::Htpasswd(htpasswd));
    let reference = format!("{}/library/multi:1", reg.host());

    // Credentials keyed the way `docker login 127.0.0.1:PORT` writes them.
    let good = env.docker_config(
        "cfg-good",
        &format!(
            r#"{{"auths":{{"{}":{{"auth":"{}"}}}}}}"#,
            reg.host(),
            basic_auth_value(USER, PASSWORD)
        ),
    );
    let mut opts = no_cache(env.options());
    opts.docker_config_dir = Some(good);
    let got = resolve_one(opts, &reference).expect("resolve with Basic auth");
    assert_eq!(got, env.multi.digest);
    let oracle = env.pusher.get_digest("library/multi", "1", None);
    assert_eq!(got, oracle);

    // No credentials at all.
    let err = resolve_one(no_cache(env.options()), &reference).unwrap_err();
    match &err.kind {
        LookupErrorKind::Unauthorized(why) => assert!(why.contains("no credentials"), "{why}"),
        other => panic!("expected Unauthorized, got {other:?}"),
    }
    assert_eq!(err.host, reg.host());
}

#[test]
fn wrong_password_is_unauthorized() {
    let Some(env) = setup() else { return };
    let files = TempDir::new("htpasswd");
    let reg = Registry::start(
        env.storage.path(),
        Mode::Htpasswd(make_htpasswd(files.path())),
    );
    let reference = format!("{}/library/multi:1", reg.host());
    // A URL-style key, as older docker versions wrote them.
    let bad = env.docker_config(
        "cfg-bad",
        &format!(
            r#"{{"auths":{{"http://{}/v2/":{{"auth":"{}"}}}}}}"#,
            reg.host(),
            basic_auth_value(USER, "wrong")
        ),
    );
    let mut opts = no_cache(env.options());
    opts.docker_config_dir = Some(bad);
    let err = resolve_one(opts, &reference).unwrap_err();
    match &err.kind {
        LookupErrorKind::Unauthorized(why) => assert!(why.contains("rejected"), "{why}"),
        other => panic!("expected Unauthorized, got {other:?}"),
    }
    let msg = err.to_string();
    eprintln!("{msg}");
    assert!(
        msg.contains(&reference) && msg.contains(&reg.host()),
        "{msg}"
    );
    assert!(
        !msg.contains("wrong"),
        "the password never appears in messages: {msg}"
    );
}

#[test]
fn token_auth_anonymous_and_with_a_credential_helper() {
    let Some(env) = setup() else { return };
    let tokens = TokenServer::start();
    let reg = Registry::start(
        env.storage.path(),
        Mode::Token {
            realm: tokens.realm(),
            root_cert: tokens.cert.clone(),
        },
    );
    let host = reg.host();

    // public/: an anonymous token is enough.
    let public = format!("{host}/public/multi:1");
    assert_eq!(
        resolve_one(no_cache(env.options()), &public).unwrap(),
        env.public.digest
    );

    // private/: anonymous gets a token without access.
    let private = format!("{host}/private/app:1");
    let err = resolve_one(no_cache(env.options()), &private).unwrap_err();
    eprintln!("{err}");
    assert!(
        matches!(err.kind, LookupErrorKind::Unauthorized(_)),
        "{err:?}"
    );

    // With credentials from `docker-credential-test`.
    let helper = credential_helper_dir();
    let store_file = helper.join("store").join(host.replace([':', '/'], "_"));
    std::fs::write(
        &store_file,
        format!(r#"{{"ServerURL":"{host}","Username":"{USER}","Secret":"{PASSWORD}"}}"#),
    )
    .unwrap();
    let cfg = env.docker_config(
        "cfg-helper",
        &format!(r#"{{"credHelpers":{{"{host}":"test"}},"auths":{{}}}}"#),
    );
    let mut opts = no_cache(env.options());
    opts.docker_config_dir = Some(cfg.clone());
    let resolver = Resolver::new(opts);
    let refs = [r(&private), r(&public)];
    let res = resolver.resolve_all(&refs);
    assert_eq!(
        res[&refs[0].canonical()].as_ref().unwrap(),
        &env.private.digest
    );
    assert_eq!(
        res[&refs[1].canonical()].as_ref().unwrap(),
        &env.public.digest
    );
    let token = tokens.basic_token("repository:private/app:pull");
    let oracle = env_oracle(&reg, "private/app", &token);
    assert_eq!(res[&refs[0].canonical()].as_ref().unwrap(), &oracle);
    let calls = std::fs::read_to_string(helper.join("calls.log")).unwrap_or_default();
    assert_eq!(
        calls.lines().filter(|l| *l == host).count(),
        1,
        "the helper runs once per host and is asked for that host: {calls:?}"
    );

    // The helper knows nothing for this host → anonymous → denied.
    std::fs::remove_file(&store_file).unwrap();
    let mut opts = no_cache(env.options());
    opts.docker_config_dir = Some(cfg);
    let err = resolve_one(opts, &private).unwrap_err();
    assert!(
        matches!(err.kind, LookupErrorKind::Unauthorized(_)),
        "{err:?}"
    );
}

fn env_oracle(reg: &Registry, repo: &str, token: &str) -> String {
    Pusher::new(&reg.url()).get_digest(repo, "1", Some(&format!("Bearer {token}")))
}

#[test]
fn token_auth_with_an_identity_token() {
    let Some(env) = setup() else { return };
    let tokens = TokenServer::start();
    let reg = Registry::start(
        env.storage.path(),
        Mode::Token {
            realm: tokens.realm(),
            root_cert: tokens.cert.clone(),
        },
    );
    let private = format!("{}/private/app:1", reg.host());
    let cfg = env.docker_config(
        "cfg-idtoken",
        &format!(
            r#"{{"auths":{{"{}":{{"identitytoken":"{REFRESH_TOKEN}"}}}}}}"#,
            reg.host()
        ),
    );
    let mut opts = no_cache(env.options());
    opts.docker_config_dir = Some(cfg);
    assert_eq!(resolve_one(opts, &private).unwrap(), env.private.digest);

    let bad = env.docker_config(
        "cfg-idtoken-bad",
        &format!(
            r#"{{"auths":{{"{}":{{"identitytoken":"nope"}}}}}}"#,
            reg.host()
        ),
    );
    let mut opts = no_cache(env.options());
    opts.docker_config_dir = Some(bad);
    let err = resolve_one(opts, &private).unwrap_err();
    assert!(
        matches!(err.kind, LookupErrorKind::Unauthorized(_)),
        "{err:?}"
    );
}

#[test]
fn missing_tag_and_missing_repository_are_not_found() {
    let Some(env) = setup() else { return };
    let host = env.open.host();
    for reference in [
        format!("{host}/library/multi:nope"),
        format!("{host}/no/such-repo:1"),
    ] {
        let err = resolve_one(no_cache(env.options()), &reference).unwrap_err();
        assert_eq!(err.kind, LookupErrorKind::NotFound, "{reference}");
        assert_eq!(err.to_string(), format!("{reference}: not found on {host}"));
    }
}

#[test]
fn registry_down_is_connection_refused() {
    let Some(env) = setup() else { return };
    let port = free_port();
    let reference = format!("127.0.0.1:{port}/library/multi:1");
    let mut opts = no_cache(env.options());
    opts.registries.insert(
        format!("127.0.0.1:{port}"),
        RegistryConfig {
            insecure: true,
            ..RegistryConfig::default()
        },
    );
    let err = resolve_one(opts, &reference).unwrap_err();
    eprintln!("{err}");
    assert_eq!(err.kind, LookupErrorKind::ConnectionRefused, "{err}");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
    // Unconfigured loopback: HTTPS and the plain-HTTP probe both fail.
    let err = resolve_one(no_cache(env.options()), &reference).unwrap_err();
    assert_eq!(err.kind, LookupErrorKind::ConnectionRefused, "{err}");
}

#[test]
fn warm_cache_makes_no_requests_and_offline_works_with_the_registry_stopped() {
    let Some(mut env) = setup() else { return };
    let host = env.open.host();
    let refs: Vec<ImageRef> = ["library/multi:1", "library/list:1", "library/single:1"]
        .iter()
        .map(|p| r(&format!("{host}/{p}")))
        .collect();

    let cold = Resolver::new(env.options());
    let first = cold.resolve_all(&refs);
    assert!(first.values().all(|v| v.is_ok()), "{first:?}");
    assert!(cold.requests_made() >= 3);
    assert!(Path::new(&env.work.path().join("cache.json")).is_file());

    env.open.stop();

    // Warm and online: everything comes from the cache, no request at all.
    let warm = Resolver::new(env.options());
    assert_eq!(warm.resolve_all(&refs), first);
    assert_eq!(warm.requests_made(), 0);
    assert_eq!(warm.cache_hits(), 3);

    // Offline: cache only, even for entries past the TTL.
    let offline = Resolver::new(ResolverOptions {
        offline: true,
        cache_ttl: Duration::ZERO,
        ..env.options()
    });
    assert_eq!(offline.resolve_all(&refs), first);
    let missing = offline
        .resolve(&r(&format!("{host}/library/other:1")))
        .unwrap_err();
    assert_eq!(missing.kind, LookupErrorKind::NotCached);
    assert_eq!(offline.requests_made(), 0);

    // Online with an expired cache: the registry is asked, and is down.
    let expired = Resolver::new(no_cache(env.options()));
    let res = expired.resolve_all(&refs[..1]);
    let err = res.values().next().unwrap().as_ref().unwrap_err();
    assert_eq!(err.kind, LookupErrorKind::ConnectionRefused, "{err}");
}

#[test]
fn many_references_resolve_concurrently() {
    let Some(env) = setup() else { return };
    let pusher = &env.pusher;
    let mut expected = HashMap::new();
    for i in 0..12 {
        let tag = format!("t{i}");
        let p = pusher.push_single("library/many", &tag);
        expected.insert(format!("{}/library/many:{tag}", env.open.host()), p.digest);
    }
    let refs: Vec<ImageRef> = expected.keys().map(|k| r(k)).collect();
    let resolver = Resolver::new(ResolverOptions {
        max_concurrency: 4,
        ..env.options()
    });
    let res = resolver.resolve_all(&refs);
    // The 12 tags share one manifest (same content), so one digest, 12 lookups.
    for (k, v) in &res {
        assert_eq!(v.as_ref().unwrap(), &expected[k]);
    }
    assert_eq!(resolver.requests_made(), 12);
}

#[test]
fn a_registry_that_never_answers_times_out() {
    // Not an HTTP server: a socket that accepts connections (via the kernel
    // backlog) and never says anything, like a hung registry.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let host = format!("127.0.0.1:{}", listener.local_addr().unwrap().port());
    let work = TempDir::new("timeout");
    let mut registries = HashMap::new();
    registries.insert(
        host.clone(),
        RegistryConfig {
            insecure: true,
            ..RegistryConfig::default()
        },
    );
    let opts = ResolverOptions {
        cache_path: Some(work.path().join("cache.json")),
        docker_config_dir: Some(work.path().to_path_buf()),
        registries,
        timeout: Duration::from_millis(700),
        connect_timeout: Duration::from_millis(700),
        max_retries: 0,
        ..ResolverOptions::default()
    };
    let started = std::time::Instant::now();
    let err = resolve_one(opts, &format!("{host}/library/x:1")).unwrap_err();
    assert_eq!(err.kind, LookupErrorKind::Timeout, "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the total timeout bounds the wait"
    );
    assert_eq!(
        err.to_string(),
        format!("{host}/library/x:1: timed out talking to {host}")
    );
    drop(listener);
}
