//! Harness for tests against a real registry: Debian's `docker-registry`
//! (distribution 2.8) started on a free loopback port with its own data folder,
//! images pushed with the plain HTTP API, and killed when dropped.
//!
//! Several registry processes can serve one storage folder: the tests push
//! once through an open registry and point the htpasswd / token / TLS
//! variants at the same folder.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
pub const DOCKER_LAYER: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
pub const ALL_MANIFEST_TYPES: &str = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

pub const USER: &str = "testuser";
pub const PASSWORD: &str = "testpass";
pub const REFRESH_TOKEN: &str = "dfix-refresh-token";
const ISSUER: &str = "dfix-test-issuer";
const SERVICE: &str = "dfix-test-registry";

/// Whether the external tools are present. Without them the tests fail when
/// `CI` is set (the setup script must install them) and skip otherwise.
pub fn tools_available() -> bool {
    let missing: Vec<&str> = ["docker-registry", "openssl", "htpasswd", "python3"]
        .into_iter()
        .filter(|tool| which(tool).is_none())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let msg = format!(
        "registry end-to-end tests need {} (run scripts/install-registry-deps.sh)",
        missing.join(", ")
    );
    if std::env::var_os("CI").is_some() {
        panic!("{msg}");
    }
    eprintln!("SKIPPED: {msg}");
    false
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(tool))
            .find(|p| p.is_file())
    })
}

/// A temporary folder removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "dfix-e2e-{}-{}-{tag}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind an ephemeral port")
        .port()
}

pub fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn sha256(bytes: &[u8]) -> String {
    let h = Sha256::digest(bytes);
    format!(
        "sha256:{}",
        h.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// How a registry instance authenticates and serves.
pub enum Mode {
    Open,
    Htpasswd(PathBuf),
    Token { realm: String, root_cert: PathBuf },
    Tls { cert: PathBuf, key: PathBuf },
}

/// A running `docker-registry serve` process, killed on drop.
pub struct Registry {
    child: Option<Child>,
    pub port: u16,
    pub log: PathBuf,
    _dir: TempDir,
}

impl Registry {
    /// Starts a registry over `storage` and waits until it accepts connections.
    pub fn start(storage: &Path, mode: Mode) -> Registry {
        // A port picked free can be taken before the registry binds it; try again then.
        let mut last_log = String::new();
        for _ in 0..5 {
            let dir = TempDir::new("registry");
            let port = free_port();
            let mut config = format!(
                "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n\
                 storage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n\
                 http:\n  addr: 127.0.0.1:{port}\n  secret: dfix-test-secret\n",
                storage.display()
            );
            match &mode {
                Mode::Open => {}
                Mode::Htpasswd(file) => config.push_str(&format!(
                    "auth:\n  htpasswd:\n    realm: dfix-test-realm\n    path: {}\n",
                    file.display()
                )),
                Mode::Token { realm, root_cert } => config.push_str(&format!(
                    "auth:\n  token:\n    realm: {realm}\n    service: {SERVICE}\n    issuer: {ISSUER}\n    rootcertbundle: {}\n",
                    root_cert.display()
                )),
                Mode::Tls { cert, key } => config.push_str(&format!(
                    "  tls:\n    certificate: {}\n    key: {}\n",
                    cert.display(),
                    key.display()
                )),
            }
            let config_path = dir.path().join("config.yml");
            std::fs::write(&config_path, config).expect("write registry config");
            let log = dir.path().join("registry.log");
            let log_file = std::fs::File::create(&log).expect("create registry log");
            let child = Command::new("docker-registry")
                .arg("serve")
                .arg(&config_path)
                .stdin(Stdio::null())
                .stdout(log_file.try_clone().expect("clone log handle"))
                .stderr(log_file)
                .spawn()
                .expect("spawn docker-registry");
            let mut reg = Registry {
                child: Some(child),
                port,
                log,
                _dir: dir,
            };
            if reg.wait_ready() {
                return reg;
            }
            last_log = reg.log_text();
            // Dropping `reg` kills the process if it is still alive.
        }
        panic!("docker-registry did not start; last log:\n{last_log}");
    }

    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if !self.alive() {
                return false;
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                // Make sure the listener is ours: a registry that lost the
                // race for the port exits with "address already in use".
                std::thread::sleep(Duration::from_millis(150));
                return self.alive() && !self.log_text().contains("address already in use");
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        false
    }

    fn alive(&mut self) -> bool {
        match self.child.as_mut() {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Kills the process and waits for it, so its port refuses connections.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A plain HTTP client for pushing fixtures (the code under test is not used).
pub struct Pusher {
    agent: ureq::Agent,
    base: String,
}

/// What was pushed for one tag.
#[derive(Debug, Clone)]
pub struct Pushed {
    /// Digest of the manifest the tag points to (index, list or single manifest).
    pub digest: String,
    /// Digests of the per-platform manifests (empty for a single manifest).
    pub children: Vec<String>,
}

impl Pusher {
    pub fn new(base: &str) -> Pusher {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        Pusher {
            agent,
            base: base.trim_end_matches('/').to_string(),
        }
    }

    fn upload_blob(&self, repo: &str, bytes: &[u8]) -> String {
        let digest = sha256(bytes);
        let resp = self
            .agent
            .post(format!("{}/v2/{repo}/blobs/uploads/", self.base))
            .send_empty()
            .expect("POST blob upload");
        assert_eq!(resp.status().as_u16(), 202, "start upload to {repo}");
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .expect("upload Location")
            .to_string();
        let mut url = if location.starts_with("http") {
            location
        } else {
            format!("{}{location}", self.base)
        };
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&format!("digest={digest}"));
        let resp = self
            .agent
            .put(&url)
            .header("Content-Type", "application/octet-stream")
            .send(bytes)
            .expect("PUT blob");
        assert_eq!(resp.status().as_u16(), 201, "finish upload to {repo}");
        digest
    }

    /// PUTs a manifest and checks the registry stored exactly these bytes.
    pub fn put_manifest(
        &self,
        repo: &str,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> String {
        let resp = self
            .agent
            .put(format!("{}/v2/{repo}/manifests/{reference}", self.base))
            .header("Content-Type", media_type)
            .send(bytes)
            .expect("PUT manifest");
        let status = resp.status().as_u16();
        let mut body = String::new();
        let _ = resp.into_body().into_reader().read_to_string(&mut body);
        assert_eq!(status, 201, "PUT manifest {repo}:{reference}: {body}");
        sha256(bytes)
    }

    /// A single-platform image manifest (`oci`: OCI types, else Docker v2 types).
    fn image_manifest(&self, repo: &str, arch: &str, oci: bool) -> (Vec<u8>, &'static str) {
        let (mt, cfg_mt, layer_mt) = if oci {
            (OCI_MANIFEST, OCI_CONFIG, OCI_LAYER)
        } else {
            (DOCKER_MANIFEST, DOCKER_CONFIG, DOCKER_LAYER)
        };
        // Registries do not look inside layers: any bytes do for a fixture.
        let layer = format!("layer of {repo} for {arch}").into_bytes();
        let config = format!(
            r#"{{"architecture":"{arch}","os":"linux","rootfs":{{"type":"layers","diff_ids":[]}},"config":{{}}}}"#
        )
        .into_bytes();
        let layer_digest = self.upload_blob(repo, &layer);
        let config_digest = self.upload_blob(repo, &config);
        let manifest = format!(
            r#"{{"schemaVersion":2,"mediaType":"{mt}","config":{{"mediaType":"{cfg_mt}","digest":"{config_digest}","size":{}}},"layers":[{{"mediaType":"{layer_mt}","digest":"{layer_digest}","size":{}}}]}}"#,
            config.len(),
            layer.len()
        );
        (manifest.into_bytes(), mt)
    }

    /// Pushes a two-platform image: an OCI index (`oci`) or a Docker manifest list.
    pub fn push_multi(&self, repo: &str, tag: &str, oci: bool) -> Pushed {
        let mut descs = Vec::new();
        let mut children = Vec::new();
        for arch in ["amd64", "arm64"] {
            let (bytes, mt) = self.image_manifest(repo, arch, oci);
            let d = sha256(&bytes);
            self.put_manifest(repo, &d, mt, &bytes);
            descs.push(format!(
                r#"{{"mediaType":"{mt}","digest":"{d}","size":{},"platform":{{"architecture":"{arch}","os":"linux"}}}}"#,
                bytes.len()
            ));
            children.push(d);
        }
        let index_mt = if oci { OCI_INDEX } else { DOCKER_LIST };
        let index = format!(
            r#"{{"schemaVersion":2,"mediaType":"{index_mt}","manifests":[{}]}}"#,
            descs.join(",")
        );
        let digest = self.put_manifest(repo, tag, index_mt, index.as_bytes());
        Pushed { digest, children }
    }

    /// Pushes a single-platform image (OCI manifest).
    pub fn push_single(&self, repo: &str, tag: &str) -> Pushed {
        let (bytes, mt) = self.image_manifest(repo, "amd64", true);
        let digest = self.put_manifest(repo, tag, mt, &bytes);
        Pushed {
            digest,
            children: Vec::new(),
        }
    }

    /// Independent oracle: GET with the full Accept list and hash the raw body.
    pub fn get_digest(&self, repo: &str, reference: &str, auth: Option<&str>) -> String {
        let mut req = self
            .agent
            .get(format!("{}/v2/{repo}/manifests/{reference}", self.base))
            .header("Accept", ALL_MANIFEST_TYPES);
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        let resp = req.call().expect("GET manifest");
        assert_eq!(resp.status().as_u16(), 200, "GET {repo}:{reference}");
        let mut body = Vec::new();
        resp.into_body()
            .into_reader()
            .read_to_end(&mut body)
            .expect("read manifest");
        sha256(&body)
    }
}

/// Creates a self-signed CA and a server certificate for 127.0.0.1 / localhost
/// signed by it. Returns (ca.crt, server.crt, server.key).
pub fn make_tls_certs(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let p = |n: &str| dir.join(n);
    run(Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=dfix test CA",
        ])
        .arg("-keyout")
        .arg(p("ca.key"))
        .arg("-out")
        .arg(p("ca.crt")));
    run(Command::new("openssl")
        .args([
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
        ])
        .arg("-keyout")
        .arg(p("server.key"))
        .arg("-out")
        .arg(p("server.csr")));
    std::fs::write(
        p("ext.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write ext.cnf");
    run(Command::new("openssl")
        .args(["x509", "-req", "-days", "2", "-CAcreateserial"])
        .arg("-in")
        .arg(p("server.csr"))
        .arg("-CA")
        .arg(p("ca.crt"))
        .arg("-CAkey")
        .arg(p("ca.key"))
        .arg("-extfile")
        .arg(p("ext.cnf"))
        .arg("-out")
        .arg(p("server.crt")));
    (p("ca.crt"), p("server.crt"), p("server.key"))
}

/// A bcrypt htpasswd file made by `htpasswd -B` (apache2-utils).
pub fn make_htpasswd(dir: &Path) -> PathBuf {
    let path = dir.join("htpasswd");
    let out = Command::new("htpasswd")
        .args(["-Bbn", USER, PASSWORD])
        .output()
        .expect("run htpasswd");
    assert!(out.status.success(), "htpasswd failed");
    std::fs::write(&path, out.stdout).expect("write htpasswd");
    path
}

/// The Python token server of tests/support, killed on drop.
pub struct TokenServer {
    child: Child,
    pub port: u16,
    pub cert: PathBuf,
    _dir: TempDir,
}

impl TokenServer {
    pub fn start() -> TokenServer {
        let dir = TempDir::new("token");
        let key = dir.path().join("token.key");
        let cert = dir.path().join("token.crt");
        run(Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=dfix token signer",
            ])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert));
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/token_server.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(&key)
            .arg(&cert)
            .arg(ISSUER)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn token server");
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = BufReader::new(out).read_line(&mut line);
        }
        let port: u16 = match line.trim().parse() {
            Ok(p) => p,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("token server did not report its port (got {line:?})");
            }
        };
        TokenServer {
            child,
            port,
            cert,
            _dir: dir,
        }
    }

    pub fn realm(&self) -> String {
        format!("http://127.0.0.1:{}/token", self.port)
    }

    /// A push-capable token for seeding (the code under test is not used).
    pub fn basic_token(&self, scope: &str) -> String {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        use base64::Engine;
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
        let resp = agent
            .get(format!("{}?service={SERVICE}&scope={scope}", self.realm()))
            .header("Authorization", format!("Basic {basic}"))
            .call()
            .expect("token request");
        let mut body = String::new();
        let _ = resp.into_body().into_reader().read_to_string(&mut body);
        let v: serde_json::Value = serde_json::from_str(&body).expect("token JSON");
        v["token"].as_str().expect("token field").to_string()
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Puts a `docker-credential-test` helper on PATH (once per test process).
/// The helper answers from `<dir>/store/<server url with / and : as _>` and
/// appends each server URL it was asked for to `<dir>/calls.log`.
pub fn credential_helper_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("dfix-e2e-helper-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("store")).expect("helper dir");
        let script = dir.join("docker-credential-test");
        std::fs::write(
            &script,
            r#"#!/bin/sh
# Test credential helper: `get` only.
[ "$1" = get ] || { echo "unsupported action $1" >&2; exit 1; }
here=$(dirname "$0")
read -r server
echo "$server" >> "$here/calls.log"
file="$here/store/$(printf '%s' "$server" | tr '/:' '__')"
if [ -f "$file" ]; then cat "$file"; else echo "credentials not found in native keychain"; exit 1; fi
"#,
        )
        .expect("write helper");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
            .expect("chmod helper");
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![dir.clone()];
        paths.extend(std::env::split_paths(&path));
        // Every test calls this first (see `setup`), so PATH changes before
        // any test spawns a process.
        std::env::set_var("PATH", std::env::join_paths(paths).expect("join PATH"));
        dir
    })
}
