//! Facts the pure rules cannot get themselves: image digests from the
//! registries and today's date (run-wide), and the user data of a file's
//! config (image families for the non-root rules, multi-stage recipes, base
//! image facts).

use std::collections::HashMap;
use std::path::PathBuf;

use dfix_grammar::Document;
use dfix_transforms::{Facts, Settings};

use crate::config::Config;
use crate::resolve::UNPINNED_IMAGE;
use crate::{pinning, registry};

/// Today's date (UTC) for the end-of-life rules; `None` if the clock is
/// before 1970.
fn today() -> Option<String> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some(dfix_transforms::bases::date_from_unix_days(
        (secs / 86_400) as i64,
    ))
}

/// Puts the user data of `config` (its `[nonroot]`, `[multistage]` and
/// `[bases]` tables merged with the built-in data) into `facts`: each file gets its
/// own config's data, never a process-wide one.
pub fn with_user_data(facts: &mut Facts, config: &Config) {
    facts.images = config.image_db.clone();
    facts.multistage = config.recipes.clone();
    facts.bases = config.base_images.clone();
    facts.compose_data = config.compose_data.clone();
}

/// Looks up the digests of every image the files use, once each, when a
/// selected rule needs them. Offline (or stdin mode without a config that
/// allows the network) only the on-disk cache answers. Also returns the
/// registry resolver, for images that fixes bring in later. `configs` are
/// the configs of the files (their `[registries]` tables); the user data
/// of each is added per file with [`with_user_data`].
pub fn gather_facts(
    docs: &[&Document],
    settings: &[&Settings],
    configs: &[&Config],
) -> (Facts, Option<registry::Resolver>) {
    gather_facts_with(docs, &[], settings, configs)
}

/// [`gather_facts`] for Dockerfiles and Compose files together: the
/// Compose files' `image:` references (DF516) are looked up with the
/// Dockerfiles' images, through the same resolver and cache.
pub fn gather_facts_with(
    docs: &[&Document],
    compose: &[&dfix_grammar::compose::ComposeFile],
    settings: &[&Settings],
    configs: &[&Config],
) -> (Facts, Option<registry::Resolver>) {
    let mut facts = Facts::new();
    facts.today = today();
    let wanted = settings.iter().any(|s| {
        s.rules
            .iter()
            .any(|r| r.meta().is_named(UNPINNED_IMAGE) || r.meta().is_named("latest-tag"))
            || (!compose.is_empty()
                && s.compose_rules
                    .iter()
                    .any(|r| r.meta().is_named("compose-image-not-pinned")))
    });
    if !wanted {
        return (facts, None);
    }
    let mut references = pinning::references(docs.iter().copied().filter(|d| d.errors.is_empty()));
    for f in compose.iter().filter(|f| f.is_ok()) {
        for r in dfix_transforms::compose::rules::image_not_pinned::references(f) {
            if !references.contains(&r) {
                references.push(r);
            }
        }
    }
    let mut registries = HashMap::new();
    for config in configs {
        for (host, r) in config.file.registries.iter().flatten() {
            registries.insert(
                host.clone(),
                registry::RegistryConfig {
                    mirror: r.mirror.clone(),
                    insecure: r.insecure.unwrap_or(false),
                    ca_file: r.ca_file.clone(),
                },
            );
        }
    }
    let resolver = registry::Resolver::new(registry::ResolverOptions {
        // DFIX_OFFLINE=1 keeps a whole environment (CI, tests) off the network.
        offline: settings.iter().all(|s| s.offline)
            || std::env::var_os("DFIX_OFFLINE").is_some_and(|v| v != "0" && !v.is_empty()),
        cache_path: std::env::var_os("DFIX_CACHE_DIR")
            .map(|d| PathBuf::from(d).join("digests.json")),
        registries,
        ..registry::ResolverOptions::default()
    });
    if !references.is_empty() {
        facts.digests = pinning::lookup(&resolver, &references);
    }
    (facts, Some(resolver))
}

/// True when a registry look-up failed (the finding says why; the exit
/// code must say so too, even when everything else was fixed).
pub fn lookups_failed(facts: &Facts) -> bool {
    facts
        .digests
        .values()
        .any(|d| !matches!(d, dfix_transforms::DigestLookup::Found(_)))
}
