//! Gathers the digests the pinning rules need: every registry image the
//! documents use, looked up once each (deduplicated across files, resolved
//! concurrently, cached on disk) and handed to the pure rules as data.

use std::collections::HashMap;

use dfix_grammar::image_ref::ImageRef;
use dfix_grammar::Document;
use dfix_transforms::rule::DigestLookup;
use dfix_transforms::rules::image_refs::image_uses;

use crate::registry::{LookupErrorKind, Resolver};

/// The image references (as written) that `docs` use and that can be looked up.
pub fn references<'a>(docs: impl IntoIterator<Item = &'a Document>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for doc in docs {
        for u in image_uses(doc).0 {
            if !out.contains(&u.reference) {
                out.push(u.reference);
            }
        }
    }
    out
}

/// Looks up every reference: written text → what the registry says.
/// References that do not parse, and digest-only references, are left out
/// (the rules report or skip them without a look-up).
pub fn lookup(resolver: &Resolver, written: &[String]) -> HashMap<String, DigestLookup> {
    let mut parsed = Vec::new();
    for w in written {
        if let Ok(r) = ImageRef::parse(w) {
            if r.tag().is_some() || r.digest().is_none() {
                parsed.push((w.clone(), r));
            }
        }
    }
    let refs: Vec<ImageRef> = parsed.iter().map(|(_, r)| r.clone()).collect();
    let results = resolver.resolve_all(&refs);
    let mut out = HashMap::new();
    for (w, r) in parsed {
        let Some(result) = results.get(&r.canonical()) else {
            continue;
        };
        let lookup = match result {
            Ok(digest) => DigestLookup::Found(digest.clone()),
            Err(e) if matches!(e.kind, LookupErrorKind::NotFound) => DigestLookup::NotFound,
            Err(e) => DigestLookup::Failed(e.to_string()),
        };
        out.insert(w, lookup);
    }
    out
}
