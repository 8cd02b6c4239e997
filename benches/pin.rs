//! Pinning speed: 200 distinct image references across 50 Dockerfiles,
//! resolved against a real local registry (Debian's docker-registry) cold,
//! then again warm from the on-disk cache (which must make zero requests).
//!
//! Run: `cargo bench --bench pin`

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use dfix::pinning;
use dfix::registry::{Resolver, ResolverOptions};
use dfix_grammar::Document;

fn main() {
    if !support::tools_available() {
        return;
    }
    let data = support::TempDir::new("bench-pin-data");
    let registry = support::Registry::start(data.path(), support::Mode::Open);
    let pusher = support::Pusher::new(&registry.url());
    let host = registry.host();
    let t0 = Instant::now();
    let mut texts = Vec::new();
    for f in 0..50 {
        let mut text = String::new();
        for k in 0..4 {
            let n = f * 4 + k;
            let repo = format!("bench/app{}", n % 20);
            let tag = format!("v{n}");
            pusher.push_multi(&repo, &tag, n % 2 == 0);
            text.push_str(&format!("FROM {host}/{repo}:{tag} AS s{k}\nRUN true\n"));
        }
        texts.push(text);
    }
    println!(
        "pushed 200 multi-platform images in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    let docs: Vec<Document> = texts.iter().map(|t| Document::parse(t)).collect();
    let refs = pinning::references(&docs);
    assert_eq!(refs.len(), 200);

    let cache = support::TempDir::new("bench-pin-cache");
    let options = || ResolverOptions {
        cache_path: Some(cache.path().join("digests.json")),
        cache_ttl: Duration::from_secs(3600),
        ..ResolverOptions::default()
    };
    let cold = Resolver::new(options());
    let t1 = Instant::now();
    let found = pinning::lookup(&cold, &refs);
    let cold_time = t1.elapsed();
    let ok = found
        .values()
        .filter(|v| matches!(v, dfix_transforms::rule::DigestLookup::Found(_)))
        .count();
    assert_eq!(ok, 200, "every reference resolves");
    println!(
        "cold: {:.3} s, {} requests, {} concurrent look-ups at most",
        cold_time.as_secs_f64(),
        cold.requests_made(),
        ResolverOptions::default().max_concurrency
    );

    let warm = Resolver::new(options());
    let t2 = Instant::now();
    let again = pinning::lookup(&warm, &refs);
    let warm_time = t2.elapsed();
    assert_eq!(again, found);
    println!(
        "warm: {:.4} s, {} requests (cache hits: {})",
        warm_time.as_secs_f64(),
        warm.requests_made(),
        warm.cache_hits()
    );
    assert_eq!(warm.requests_made(), 0, "a warm run makes no request");
}
