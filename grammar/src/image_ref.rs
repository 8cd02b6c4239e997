//! Image references (`python:3.12-slim`, `ghcr.io/o/img:1@sha256:…`), parsed
//! and normalised exactly the way Docker, BuildKit and containerd do it
//! (`distribution/reference`: `ParseNormalizedNamed`, `splitDockerDomain`,
//! the `referencePat` grammar and `go-digest` validation).
//!
//! The parser is hand-written rather than regex-based: the grammar is small,
//! every sub-pattern is anchored by a separator character (`/`, `:`, `@`), so
//! there is never any backtracking ambiguity to emulate.
//!
//! Besides the normalised parts (`docker.io`, `library/ubuntu`), an
//! [`ImageRef`] keeps the text the user wrote and byte spans into it, so a fix
//! can append `@sha256:…` while keeping the user's spelling.

use std::fmt;
use std::ops::Range;

/// Docker Hub's canonical domain.
const DEFAULT_DOMAIN: &str = "docker.io";
/// Legacy Docker Hub alias, canonicalised to [`DEFAULT_DOMAIN`].
const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";
/// The host that actually serves Docker Hub's v2 API.
const DEFAULT_REGISTRY_HOST: &str = "registry-1.docker.io";
/// Namespace of Docker Hub's official images.
const OFFICIAL_REPO_PREFIX: &str = "library/";
/// `RepositoryNameTotalLengthMax` in distribution/reference: applies to the path.
const NAME_TOTAL_LENGTH_MAX: usize = 255;
/// Tag regex is `[\w][\w.-]{0,127}`.
const TAG_MAX: usize = 128;

/// A parsed, normalised image reference.
///
/// Equality and hashing compare the text as written; use [`ImageRef::canonical`]
/// to compare references that mean the same image.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    /// The reference exactly as written.
    original: String,
    /// Normalised domain (`docker.io` for Docker Hub, otherwise as written).
    domain: String,
    /// Normalised repository path (`library/` added for official images).
    path: String,
    /// End of the name (domain + path as written) in `original`.
    name_end: usize,
    /// Span of the tag (without the `:`) in `original`.
    tag: Option<Range<usize>>,
    /// Span of the digest (without the `@`) in `original`.
    digest: Option<Range<usize>>,
}

/// Why a string is not a valid image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRefError {
    input: String,
    kind: ImageRefErrorKind,
}

/// The category of an [`ImageRefError`], mirroring distribution/reference's errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageRefErrorKind {
    /// The input is empty (`ErrNameEmpty`).
    Empty,
    /// The input does not match the reference grammar (`ErrReferenceInvalidFormat`).
    InvalidFormat(String),
    /// The repository path contains uppercase letters (`ErrNameContainsUppercase`).
    Uppercase(String),
    /// The repository path is longer than 255 bytes (`ErrNameTooLong`).
    NameTooLong(usize),
    /// The whole input is a 64-hex identifier, which would be ambiguous with an image id.
    HexIdentifier,
    /// The digest is malformed (bad length or characters for its algorithm).
    InvalidDigest(String),
    /// The digest algorithm is not one of sha256, sha384, sha512.
    UnsupportedDigest(String),
}

impl ImageRefError {
    fn new(input: &str, kind: ImageRefErrorKind) -> Self {
        ImageRefError {
            input: input.to_string(),
            kind,
        }
    }

    /// The text that failed to parse.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// What was wrong with it.
    pub fn kind(&self) -> &ImageRefErrorKind {
        &self.kind
    }
}

impl fmt::Display for ImageRefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid image reference {:?}: ", self.input)?;
        match &self.kind {
            ImageRefErrorKind::Empty => write!(f, "the reference is empty"),
            ImageRefErrorKind::InvalidFormat(why) => write!(f, "{why}"),
            ImageRefErrorKind::Uppercase(name) => {
                write!(f, "repository name ({name}) must be lowercase")
            }
            ImageRefErrorKind::NameTooLong(len) => write!(
                f,
                "repository name is {len} characters long, the maximum is {NAME_TOTAL_LENGTH_MAX}"
            ),
            ImageRefErrorKind::HexIdentifier => write!(
                f,
                "a 64-character hexadecimal string is an image id, not a repository name"
            ),
            ImageRefErrorKind::InvalidDigest(why) => write!(f, "invalid digest: {why}"),
            ImageRefErrorKind::UnsupportedDigest(alg) => write!(
                f,
                "unsupported digest algorithm {alg:?} (expected sha256, sha384 or sha512)"
            ),
        }
    }
}

impl std::error::Error for ImageRefError {}

impl ImageRef {
    /// Parses a reference as it appears in a Dockerfile (`ParseNormalizedNamed`
    /// semantics): Docker Hub is the default registry, official images get
    /// `library/`, and `index.docker.io` means `docker.io`.
    ///
    /// One deliberate difference: distribution accepts a first component that
    /// looks like a host but is not a valid one (`a.b_c/d`) as a domain-less
    /// path; such a reference has no registry to talk to, so it is an error here.
    pub fn parse(s: &str) -> Result<ImageRef, ImageRefError> {
        let err = |kind| ImageRefError::new(s, kind);
        if s.is_empty() {
            return Err(err(ImageRefErrorKind::Empty));
        }
        if s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(err(ImageRefErrorKind::HexIdentifier));
        }

        // splitDockerDomain: only a name with a '/' can start with a domain.
        let (written_domain, remainder_start) = match s.find('/') {
            Some(slash) if is_domain_like(&s[..slash]) => (Some(&s[..slash]), slash + 1),
            _ => (None, 0),
        };
        let remainder = &s[remainder_start..];

        // Split the remainder into name / tag / digest. Path components cannot
        // contain ':' or '@', tags cannot contain '@': the separators are unambiguous.
        let (before_digest, digest_start) = match remainder.find('@') {
            Some(at) => (&remainder[..at], Some(remainder_start + at + 1)),
            None => (remainder, None),
        };
        let (remote, tag_start) = match before_digest.find(':') {
            Some(colon) => (&before_digest[..colon], Some(remainder_start + colon + 1)),
            None => (before_digest, None),
        };
        let name_end = remainder_start + remote.len();
        let tag_end = digest_start.map_or(s.len(), |d| d - 1);

        let domain = match written_domain {
            None => DEFAULT_DOMAIN,
            Some(d) if d == LEGACY_DEFAULT_DOMAIN => DEFAULT_DOMAIN,
            Some(d) => d,
        };
        let path = if domain == DEFAULT_DOMAIN && !remainder.contains('/') {
            format!("{OFFICIAL_REPO_PREFIX}{remote}")
        } else {
            remote.to_string()
        };

        // Same order of checks as ParseNormalizedNamed then Parse.
        if path.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(err(ImageRefErrorKind::Uppercase(path)));
        }
        if let Some(d) = written_domain {
            if !is_valid_domain_and_port(d) {
                return Err(err(ImageRefErrorKind::InvalidFormat(format!(
                    "{d:?} is not a valid registry host[:port]"
                ))));
            }
        }
        if let Err(why) = check_remote_name(remote) {
            return Err(err(ImageRefErrorKind::InvalidFormat(why)));
        }
        if let Some(t) = tag_start {
            if !is_valid_tag(&s[t..tag_end]) {
                return Err(err(ImageRefErrorKind::InvalidFormat(format!(
                    "invalid tag {:?}: a tag is 1 to 128 of [A-Za-z0-9_.-] and cannot start with '.' or '-'",
                    &s[t..tag_end]
                ))));
            }
        }
        if path.len() > NAME_TOTAL_LENGTH_MAX {
            return Err(err(ImageRefErrorKind::NameTooLong(path.len())));
        }
        if let Some(d) = digest_start {
            check_digest(&s[d..]).map_err(err)?;
        }

        Ok(ImageRef {
            original: s.to_string(),
            domain: domain.to_string(),
            path,
            name_end,
            tag: tag_start.map(|t| t..tag_end),
            digest: digest_start.map(|d| d..s.len()),
        })
    }

    /// The normalised registry domain, e.g. `docker.io`, `ghcr.io`, `localhost:5000`.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The host that serves the registry API for [`ImageRef::domain`]: Docker
    /// Hub's API lives on `registry-1.docker.io`, every other domain serves itself.
    pub fn registry_host(&self) -> &str {
        if self.domain == DEFAULT_DOMAIN {
            DEFAULT_REGISTRY_HOST
        } else {
            &self.domain
        }
    }

    /// The normalised repository path, e.g. `library/ubuntu`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The tag as written, if any.
    pub fn tag(&self) -> Option<&str> {
        self.tag.clone().map(|r| &self.original[r])
    }

    /// The digest as written (`sha256:…`), if any.
    pub fn digest(&self) -> Option<&str> {
        self.digest.clone().map(|r| &self.original[r])
    }

    /// The name exactly as the user spelled it, without tag or digest.
    pub fn familiar_name(&self) -> &str {
        &self.original[..self.name_end]
    }

    /// The whole reference as written.
    pub fn as_str(&self) -> &str {
        &self.original
    }

    /// The fully qualified form, e.g. `docker.io/library/ubuntu:latest`.
    /// The tag defaults to `latest` unless the reference has a digest.
    pub fn canonical(&self) -> String {
        let mut out = format!("{}/{}", self.domain, self.path);
        match (self.tag(), self.digest()) {
            (Some(tag), _) => {
                out.push(':');
                out.push_str(tag);
            }
            (None, None) => out.push_str(":latest"),
            (None, Some(_)) => {}
        }
        if let Some(digest) = self.digest() {
            out.push('@');
            out.push_str(digest);
        }
        out
    }

    /// Byte range of the name (domain and path as written) in the original text.
    pub fn name_span(&self) -> Range<usize> {
        0..self.name_end
    }

    /// Byte range of the tag (without the leading `:`) in the original text.
    pub fn tag_span(&self) -> Option<Range<usize>> {
        self.tag.clone()
    }

    /// Byte range of the digest (without the leading `@`) in the original text.
    pub fn digest_span(&self) -> Option<Range<usize>> {
        self.digest.clone()
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

impl std::str::FromStr for ImageRef {
    type Err = ImageRefError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ImageRef::parse(s)
    }
}

/// splitDockerDomain's test for the first of several `/`-separated components.
fn is_domain_like(first: &str) -> bool {
    first == "localhost"
        || first == LEGACY_DEFAULT_DOMAIN
        || first.contains(['.', ':'])
        || first.bytes().any(|b| b.is_ascii_uppercase())
}

/// `domainAndPort = (domainName | \[ipv6\]) (:[0-9]+)?`
fn is_valid_domain_and_port(s: &str) -> bool {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        // ipv6address = \[[a-fA-F0-9:]+\]
        let Some(close) = rest.find(']') else {
            return false;
        };
        let inner = &rest[..close];
        if inner.is_empty() || !inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            return false;
        }
        let after = &rest[close + 1..];
        if after.is_empty() {
            return true;
        }
        match after.strip_prefix(':') {
            Some(port) => ("", Some(port)),
            None => return false,
        }
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    if let Some(port) = port {
        if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    // The IPv6 branch has already validated its host.
    s.starts_with('[') || host.split('.').all(is_domain_component)
}

/// `domainNameComponent = [a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]`
fn is_domain_component(c: &str) -> bool {
    let b = c.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|&x| x.is_ascii_alphanumeric() || x == b'-')
}

/// `remoteName = pathComponent (/ pathComponent)*`
fn check_remote_name(remote: &str) -> Result<(), String> {
    if remote.is_empty() {
        return Err("the repository name is empty".to_string());
    }
    for component in remote.split('/') {
        if !is_path_component(component) {
            return Err(if component.is_empty() {
                format!("repository name {remote:?} has an empty path component")
            } else {
                format!(
                    "invalid repository path component {component:?}: use [a-z0-9] separated by '.', '_', '__' or '-'"
                )
            });
        }
    }
    Ok(())
}

/// `pathComponent = [a-z0-9]+ ((?:[._]|__|[-]+) [a-z0-9]+)*`
fn is_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    let mut i = 0;
    loop {
        // One alphanumeric run.
        let start = i;
        while i < b.len() && alnum(b[i]) {
            i += 1;
        }
        if i == start {
            return false;
        }
        if i == b.len() {
            return true;
        }
        // One separator: '.', '_', '__', or any number of '-'.
        match b[i] {
            b'.' => i += 1,
            b'_' => {
                i += 1;
                if i < b.len() && b[i] == b'_' {
                    i += 1;
                }
            }
            b'-' => {
                while i < b.len() && b[i] == b'-' {
                    i += 1;
                }
            }
            _ => return false,
        }
    }
}

/// `tag = [\w][\w.-]{0,127}`
fn is_valid_tag(t: &str) -> bool {
    let word = |x: u8| x.is_ascii_alphanumeric() || x == b'_';
    let b = t.as_bytes();
    !b.is_empty()
        && b.len() <= TAG_MAX
        && word(b[0])
        && b.iter().all(|&x| word(x) || x == b'.' || x == b'-')
}

/// `digestPat` from the reference grammar, then go-digest's `Validate`: the
/// algorithm must be registered and the hex lowercase with the right length.
fn check_digest(d: &str) -> Result<(), ImageRefErrorKind> {
    let invalid =
        |why: &str| ImageRefErrorKind::InvalidFormat(format!("invalid digest {d:?}: {why}"));
    let Some((alg, hex)) = d.split_once(':') else {
        return Err(invalid("expected algorithm:hex"));
    };
    // algorithm = [A-Za-z][A-Za-z0-9]* ([-_+.][A-Za-z][A-Za-z0-9]*)*
    let alg_ok = !alg.is_empty()
        && alg.split(['-', '_', '+', '.']).all(|comp| {
            let b = comp.as_bytes();
            !b.is_empty() && b[0].is_ascii_alphabetic() && b.iter().all(u8::is_ascii_alphanumeric)
        });
    if !alg_ok {
        return Err(invalid("malformed algorithm"));
    }
    if hex.len() < 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid(
            "the encoded part must be at least 32 hexadecimal digits",
        ));
    }
    let expected_len = match alg {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        other => return Err(ImageRefErrorKind::UnsupportedDigest(other.to_string())),
    };
    if hex.len() != expected_len {
        return Err(ImageRefErrorKind::InvalidDigest(format!(
            "{alg} needs {expected_len} hexadecimal digits, got {}",
            hex.len()
        )));
    }
    if hex.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(ImageRefErrorKind::InvalidDigest(format!(
            "{alg} hex must be lowercase"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const D64: &str = "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

    fn ok(s: &str) -> ImageRef {
        match ImageRef::parse(s) {
            Ok(r) => r,
            Err(e) => panic!("{s:?} should parse: {e}"),
        }
    }

    fn bad(s: &str) -> ImageRefErrorKind {
        match ImageRef::parse(s) {
            Ok(r) => panic!("{s:?} should be rejected, got {r:?}"),
            Err(e) => e.kind().clone(),
        }
    }

    /// (input, registry host to contact, domain, path, tag, canonical)
    /// The table of registry.md §1.3, row by row.
    #[test]
    fn registry_md_examples_table() {
        let digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let pinned = format!("python:3.12@{digest}");
        type Row<'a> = (&'a str, &'a str, &'a str, &'a str, Option<&'a str>, String);
        let rows: Vec<Row> = vec![
            (
                "python:3.12-slim",
                "registry-1.docker.io",
                "docker.io",
                "library/python",
                Some("3.12-slim"),
                "docker.io/library/python:3.12-slim".into(),
            ),
            (
                "ubuntu",
                "registry-1.docker.io",
                "docker.io",
                "library/ubuntu",
                None,
                "docker.io/library/ubuntu:latest".into(),
            ),
            (
                "docker.io/ubuntu:24.04",
                "registry-1.docker.io",
                "docker.io",
                "library/ubuntu",
                Some("24.04"),
                "docker.io/library/ubuntu:24.04".into(),
            ),
            (
                "index.docker.io/library/ubuntu",
                "registry-1.docker.io",
                "docker.io",
                "library/ubuntu",
                None,
                "docker.io/library/ubuntu:latest".into(),
            ),
            (
                "bitnami/redis:7.2",
                "registry-1.docker.io",
                "docker.io",
                "bitnami/redis",
                Some("7.2"),
                "docker.io/bitnami/redis:7.2".into(),
            ),
            (
                "ghcr.io/owner/img:1",
                "ghcr.io",
                "ghcr.io",
                "owner/img",
                Some("1"),
                "ghcr.io/owner/img:1".into(),
            ),
            (
                "localhost/app:dev",
                "localhost",
                "localhost",
                "app",
                Some("dev"),
                "localhost/app:dev".into(),
            ),
            (
                "localhost:5000/app",
                "localhost:5000",
                "localhost:5000",
                "app",
                None,
                "localhost:5000/app:latest".into(),
            ),
            (
                "myreg:5000/team/app:1.0",
                "myreg:5000",
                "myreg:5000",
                "team/app",
                Some("1.0"),
                "myreg:5000/team/app:1.0".into(),
            ),
            (
                "[::1]:5000/app:1",
                "[::1]:5000",
                "[::1]:5000",
                "app",
                Some("1"),
                "[::1]:5000/app:1".into(),
            ),
            (
                "MyHost/app",
                "MyHost",
                "MyHost",
                "app",
                None,
                "MyHost/app:latest".into(),
            ),
            (
                "foo/bar:8080",
                "registry-1.docker.io",
                "docker.io",
                "foo/bar",
                Some("8080"),
                "docker.io/foo/bar:8080".into(),
            ),
            (
                "test.com:5000",
                "registry-1.docker.io",
                "docker.io",
                "library/test.com",
                Some("5000"),
                "docker.io/library/test.com:5000".into(),
            ),
            (
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1",
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
                "app",
                Some("1"),
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1".into(),
            ),
            (
                "europe-docker.pkg.dev/proj/repo/img:1",
                "europe-docker.pkg.dev",
                "europe-docker.pkg.dev",
                "proj/repo/img",
                Some("1"),
                "europe-docker.pkg.dev/proj/repo/img:1".into(),
            ),
            (
                &pinned,
                "registry-1.docker.io",
                "docker.io",
                "library/python",
                Some("3.12"),
                format!("docker.io/library/python:3.12@{digest}"),
            ),
        ];
        for (input, host, domain, path, tag, canonical) in rows {
            let r = ok(input);
            assert_eq!(r.registry_host(), host, "host of {input}");
            assert_eq!(r.domain(), domain, "domain of {input}");
            assert_eq!(r.path(), path, "path of {input}");
            assert_eq!(r.tag(), tag, "tag of {input}");
            assert_eq!(r.canonical(), canonical, "canonical of {input}");
            assert_eq!(r.as_str(), input);
        }
        assert_eq!(ok(&pinned).digest(), Some(digest));
    }

    #[test]
    fn spans_keep_the_users_spelling() {
        let s = format!("python:3.12@{D64}");
        let r = ok(&s);
        assert_eq!(r.familiar_name(), "python");
        assert_eq!(r.name_span(), 0..6);
        assert_eq!(r.tag_span(), Some(7..11));
        assert_eq!(&s[r.tag_span().unwrap()], "3.12");
        assert_eq!(r.digest_span(), Some(12..s.len()));
        assert_eq!(r.digest(), Some(D64));

        let r = ok("index.docker.io/ubuntu:22.04");
        assert_eq!(r.familiar_name(), "index.docker.io/ubuntu");
        assert_eq!(r.path(), "library/ubuntu");
        assert_eq!(r.tag_span(), Some(23..28));

        let r = ok("localhost:5000/app");
        assert_eq!(r.familiar_name(), "localhost:5000/app");
        assert_eq!(r.tag_span(), None);
        assert_eq!(r.digest_span(), None);
        // Inserting a digest after the tag keeps everything else byte for byte.
        let r = ok("Foo.io/x/y:1");
        let end = r.tag_span().unwrap().end;
        let fixed = format!("{}@{D64}{}", &r.as_str()[..end], &r.as_str()[end..]);
        assert_eq!(fixed, format!("Foo.io/x/y:1@{D64}"));
    }

    #[test]
    fn digest_only_and_tag_plus_digest() {
        let r = ok(&format!("redis@{D64}"));
        assert_eq!(r.tag(), None);
        assert_eq!(r.canonical(), format!("docker.io/library/redis@{D64}"));
        let r = ok(&format!("busybox:latest@{D64}"));
        assert_eq!(
            r.canonical(),
            format!("docker.io/library/busybox:latest@{D64}")
        );
        let r = ok(&format!("test:5000/repo:tag@{D64}"));
        assert_eq!(
            (r.domain(), r.path(), r.tag()),
            ("test:5000", "repo", Some("tag"))
        );
        let sha512 = format!("sha512:{}", "f".repeat(128));
        let r = ok(&format!("xn--7o8h.com/myimage:xn--7o8h.com@{sha512}"));
        assert_eq!(r.digest(), Some(sha512.as_str()));
        assert_eq!(r.tag(), Some("xn--7o8h.com"));
    }

    /// Valid names from distribution/reference's normalize_test.go and
    /// reference_test.go, with their expected domain and path.
    #[test]
    fn distribution_valid_names() {
        let cases = [
            ("docker/docker", "docker.io", "docker/docker"),
            ("library/debian", "docker.io", "library/debian"),
            ("debian", "docker.io", "library/debian"),
            ("docker.io/docker/docker", "docker.io", "docker/docker"),
            ("docker.io/library/debian", "docker.io", "library/debian"),
            ("docker.io/debian", "docker.io", "library/debian"),
            (
                "index.docker.io/docker/docker",
                "docker.io",
                "docker/docker",
            ),
            (
                "index.docker.io/library/debian",
                "docker.io",
                "library/debian",
            ),
            ("index.docker.io/debian", "docker.io", "library/debian"),
            (
                "127.0.0.1:5000/docker/docker",
                "127.0.0.1:5000",
                "docker/docker",
            ),
            (
                "127.0.0.1:5000/library/debian",
                "127.0.0.1:5000",
                "library/debian",
            ),
            ("127.0.0.1:5000/debian", "127.0.0.1:5000", "debian"),
            ("192.168.0.1", "docker.io", "library/192.168.0.1"),
            ("192.168.0.1:80", "docker.io", "library/192.168.0.1"),
            ("192.168.0.1:8/debian", "192.168.0.1:8", "debian"),
            ("192.168.0.2:25000/debian", "192.168.0.2:25000", "debian"),
            (
                "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
                "docker.io",
                "library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
            ),
            ("[fc00::1]:5000/docker", "[fc00::1]:5000", "docker"),
            (
                "[fc00::1]:5000/docker/docker",
                "[fc00::1]:5000",
                "docker/docker",
            ),
            (
                "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
                "[fc00:1:2:3:4:5:6:7]:5000",
                "library/debian",
            ),
            (
                "docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
                "docker.io",
                "library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
            ),
            ("Docker/docker", "Docker", "docker"),
            ("DOCKER/docker", "DOCKER", "docker"),
            ("docker-rules/docker", "docker.io", "docker-rules/docker"),
            (
                "docker---rules/docker",
                "docker.io",
                "docker---rules/docker",
            ),
            ("d/docker", "docker.io", "d/docker"),
            ("jess/t", "docker.io", "jess/t"),
            ("dock__er/docker", "docker.io", "dock__er/docker"),
            ("test.com/foo", "test.com", "foo"),
            ("test_com/foo", "docker.io", "test_com/foo"),
            ("test_com", "docker.io", "library/test_com"),
            ("docker/migrator", "docker.io", "docker/migrator"),
            ("test.com:8080/foo", "test.com:8080", "foo"),
            ("test-com:8080/foo", "test-com:8080", "foo"),
            ("foo", "docker.io", "library/foo"),
            ("xn--n3h.com/foo", "xn--n3h.com", "foo"),
            ("xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo"),
            ("docker.io/library/foo/bar", "docker.io", "library/foo/bar"),
            ("library/foo/bar", "docker.io", "library/foo/bar"),
            ("store/foo/bar", "docker.io", "store/foo/bar"),
            ("other/library", "docker.io", "other/library"),
            (
                "127.0.0.1:8000/private/moonbase",
                "127.0.0.1:8000",
                "private/moonbase",
            ),
            (
                "example.com:8000/privatebasee",
                "example.com:8000",
                "privatebasee",
            ),
            (
                "ubuntu-12.04-base",
                "docker.io",
                "library/ubuntu-12.04-base",
            ),
            (
                "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
                "sub-dom1.foo.com",
                "bar/baz/quux",
            ),
            (
                "b.gcr.io/test.example.com/my-app:test.example.com",
                "b.gcr.io",
                "test.example.com/my-app",
            ),
            ("foo_bar.com:8080", "docker.io", "library/foo_bar.com"),
            ("192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo"),
            ("192.168.1.1/repo", "192.168.1.1", "repo"),
            ("[2001:db8::1]/repo", "[2001:db8::1]", "repo"),
            (
                "[2001:db8:1:2:3:4:5:6]/repo:tag",
                "[2001:db8:1:2:3:4:5:6]",
                "repo",
            ),
            ("[2001:db8::]:5000/repo", "[2001:db8::]:5000", "repo"),
            ("lowercase:Uppercase", "docker.io", "library/lowercase"),
            ("dbcc1", "docker.io", "library/dbcc1"),
            // 63 hex characters is a name, not an identifier.
            (
                "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9",
                "docker.io",
                "library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9",
            ),
        ];
        for (input, domain, path) in cases {
            let r = ok(input);
            assert_eq!((r.domain(), r.path()), (domain, path), "{input}");
        }
        assert_eq!(ok("lowercase:Uppercase").tag(), Some("Uppercase"));
        assert_eq!(ok("foo/foo_bar.com:8080").tag(), Some("8080"));
    }

    #[test]
    fn distribution_invalid_names() {
        use ImageRefErrorKind as K;
        let invalid = [
            "https://github.com/docker/docker",
            "-docker",
            "-docker/docker",
            "-docker.io/docker/docker",
            "docker///docker",
            "docker.io/docker///docker",
            "[fc00::1]",
            "[fc00::1]:5000",
            "fc00::1:5000/debian",
            "[fe80::1%eth0]:5000/debian",
            "[2001:db8:3:4::192.0.2.33]:5000/debian",
            "docker-/docker",
            "-docker-/docker",
            "____/____",
            "_docker/_docker",
            "dock..er/docker",
            "dock_.er/docker",
            "dock-.er/docker",
            "docker/",
            ":justtag",
            "aa/asdf$$^/aa",
            "[2001:db8::1]:tag",
            "[fe80::1%@invalidzone]:5000/repo",
            "test.com:",
            "ubuntu:",
            "ubuntu@",
            "ubuntu:-tag",
            "ubuntu:.tag",
            "a.b_c/d",
            "foo:bar/baz",
            "host:/x",
            "ubuntu:22.04 ",
            " ubuntu",
        ];
        for input in invalid {
            bad(input);
        }
        assert_eq!(bad(""), K::Empty);
        assert_eq!(bad(&format!("@{D64}")), bad(&format!("@{D64}")));
        assert!(matches!(bad(&format!("@{D64}")), K::InvalidFormat(_)));
        assert_eq!(
            bad("1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a"),
            K::HexIdentifier
        );
        assert_eq!(bad("docker/Docker"), K::Uppercase("docker/Docker".into()));
        assert_eq!(
            bad("docker.io/docker/Docker"),
            K::Uppercase("docker/Docker".into())
        );
        assert_eq!(
            bad("Uppercase:tag"),
            K::Uppercase("library/Uppercase".into())
        );
        assert_eq!(
            bad("test:5000/Uppercase/lowercase:tag"),
            K::Uppercase("Uppercase/lowercase".into())
        );
        assert!(matches!(
            bad("repo@sha256:ffffffffffffffffffffffffffffffffff"),
            K::InvalidDigest(_)
        ));
        assert_eq!(
            bad(&format!("validname@invaliddigest:{}", "f".repeat(64))),
            K::UnsupportedDigest("invaliddigest".into())
        );
        assert!(matches!(
            bad(&format!("ubuntu@sha256:{}", "F".repeat(64))),
            K::InvalidDigest(_)
        ));
        assert!(matches!(bad("ubuntu@sha256:abc"), K::InvalidFormat(_)));
        assert!(matches!(
            bad(&format!("ubuntu@sha256:{}", "g".repeat(64))),
            K::InvalidFormat(_)
        ));
    }

    #[test]
    fn length_limits() {
        // 128 * "a/" + "a" = 257 characters of path.
        let too_long = format!("{}a:tag", "a/".repeat(128));
        assert_eq!(bad(&too_long), ImageRefErrorKind::NameTooLong(257));
        // 255 characters of path is fine, the tag does not count.
        let max = format!("{}a:tag-puts-this-over-max", "a/".repeat(127));
        let r = ok(&max);
        assert_eq!(r.path().len(), 255);
        assert_eq!(r.tag(), Some("tag-puts-this-over-max"));
        // The docker.io "library/" prefix counts towards the limit.
        let single = "a".repeat(250);
        assert_eq!(bad(&single), ImageRefErrorKind::NameTooLong(258));
        // Tags are at most 128 characters.
        ok(&format!("ubuntu:{}", "t".repeat(128)));
        bad(&format!("ubuntu:{}", "t".repeat(129)));
    }

    #[test]
    fn error_messages_name_the_input() {
        let e = ImageRef::parse("docker/Docker").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid image reference \"docker/Docker\": repository name (docker/Docker) must be lowercase"
        );
        let e = ImageRef::parse("ubuntu:-x").unwrap_err();
        assert!(e.to_string().contains("invalid tag \"-x\""), "{e}");
        assert!(ImageRef::parse("")
            .unwrap_err()
            .to_string()
            .contains("empty"));
    }

    #[test]
    fn parse_never_panics_on_odd_input() {
        for s in [
            "/",
            "//",
            ":",
            "@",
            "[",
            "[]",
            "[]/x",
            "[:]/x",
            "a@b@c",
            "é/ü:ß",
            "a:b:c",
            "x/y@",
            "localhost",
            "localhost/",
        ] {
            let _ = ImageRef::parse(s);
        }
        assert_eq!(ok("localhost").path(), "library/localhost");
        assert_eq!(ok("localhost:5000").tag(), Some("5000"));
    }
}
