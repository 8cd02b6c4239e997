//! Typed lookup failures. Every error carries the reference being resolved and
//! the host that was contacted, so a message is actionable on its own.

use std::fmt;
use std::time::Duration;

/// Why resolving one reference failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupError {
    /// The reference that was being resolved, fully qualified
    /// (e.g. `docker.io/library/python:3.12`).
    pub reference: String,
    /// The host that was contacted (the mirror's host when one is configured),
    /// or the registry domain when nothing was contacted.
    pub host: String,
    /// What went wrong.
    pub kind: LookupErrorKind,
}

/// The category of a [`LookupError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupErrorKind {
    /// The repository or tag does not exist (404 on both HEAD and GET).
    NotFound,
    /// The registry refused access: missing or rejected credentials.
    Unauthorized(String),
    /// 429 Too Many Requests, after the bounded retries.
    RateLimited {
        /// When the registry says to retry (`Retry-After`), if it said so.
        retry_after: Option<Duration>,
        /// Rate-limit headers the registry sent (`ratelimit-limit`, …), for the message.
        detail: String,
    },
    /// A connect or total timeout expired.
    Timeout,
    /// TLS handshake or certificate verification failed.
    Tls(String),
    /// Nothing listens on the registry's port.
    ConnectionRefused,
    /// The body's sha256 does not match the digest the registry announced
    /// (or the digest that was asked for).
    DigestMismatch {
        /// Digest announced in `Docker-Content-Digest` or requested.
        expected: String,
        /// sha256 of the bytes actually received.
        actual: String,
    },
    /// Another transport failure (DNS, reset connection, …).
    Network(String),
    /// An unexpected HTTP status (after retries for 5xx).
    Status {
        /// The HTTP status code.
        status: u16,
        /// The registry's error message, if it sent one.
        detail: String,
    },
    /// The registry or token server answered something unusable.
    InvalidResponse(String),
    /// Reading credentials (docker config, credential helper) failed.
    Credentials(String),
    /// The per-registry configuration is unusable (bad mirror URL, unreadable CA file).
    Config(String),
    /// Offline mode and the on-disk cache has no entry for the reference.
    NotCached,
}

impl LookupError {
    pub(crate) fn new(reference: &str, host: &str, kind: LookupErrorKind) -> Self {
        LookupError {
            reference: reference.to_string(),
            host: host.to_string(),
            kind,
        }
    }
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (r, h) = (&self.reference, &self.host);
        match &self.kind {
            LookupErrorKind::NotFound => write!(f, "{r}: not found on {h}"),
            LookupErrorKind::Unauthorized(why) => write!(f, "{r}: unauthorized on {h}: {why}"),
            LookupErrorKind::RateLimited {
                retry_after,
                detail,
            } => {
                write!(f, "{r}: rate limited by {h}")?;
                if let Some(after) = retry_after {
                    write!(f, ", retry in {}s", after.as_secs())?;
                }
                if !detail.is_empty() {
                    write!(f, " ({detail})")?;
                }
                write!(f, "; logging in (docker login) usually raises the limit")
            }
            LookupErrorKind::Timeout => write!(f, "{r}: timed out talking to {h}"),
            LookupErrorKind::Tls(why) => write!(f, "{r}: TLS error with {h}: {why}"),
            LookupErrorKind::ConnectionRefused => {
                write!(
                    f,
                    "{r}: connection refused by {h} (is the registry running?)"
                )
            }
            LookupErrorKind::DigestMismatch { expected, actual } => write!(
                f,
                "{r}: digest mismatch from {h}: expected {expected}, the body hashes to {actual}"
            ),
            LookupErrorKind::Network(why) => write!(f, "{r}: network error with {h}: {why}"),
            LookupErrorKind::Status { status, detail } => {
                write!(f, "{r}: {h} answered HTTP {status}")?;
                if !detail.is_empty() {
                    write!(f, ": {detail}")?;
                }
                Ok(())
            }
            LookupErrorKind::InvalidResponse(why) => {
                write!(f, "{r}: invalid response from {h}: {why}")
            }
            LookupErrorKind::Credentials(why) => {
                write!(f, "{r}: cannot read credentials for {h}: {why}")
            }
            LookupErrorKind::Config(why) => {
                write!(f, "{r}: bad registry configuration for {h}: {why}")
            }
            LookupErrorKind::NotCached => write!(
                f,
                "{r}: not in the digest cache and offline mode forbids asking {h}"
            ),
        }
    }
}

impl std::error::Error for LookupError {}
