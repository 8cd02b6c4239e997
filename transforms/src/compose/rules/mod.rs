//! The Compose rules (`DF5xx`): one file each (metadata, documentation,
//! detection, fix and tests, fixtures in `fixtures/`, snapshots in
//! `snapshots/`), and the registry [`ALL`].

use dfix_grammar::compose::{ComposeFile, Map, Node_, Pair, Service, Value};

use super::guards::service_guard;
use super::ComposeRule;
use crate::diagnostic::Diagnostic;
use crate::rule::RuleMeta;

pub mod build_secret_not_passed;
pub mod cap_add_dangerous;
pub mod cap_drop_missing;
pub mod database_port_published;
pub mod docker_socket;
pub mod explicit_root_user;
pub mod host_namespace;
pub mod image_not_pinned;
pub mod no_network_segmentation;
pub mod no_new_privileges;
pub mod obsolete_version;
pub mod port_all_interfaces;
pub mod privileged;
pub mod read_only_root;
pub mod resource_limits;
pub mod secret_in_environment;
pub mod security_profile_disabled;
pub mod sensitive_host_mount;
pub mod shared_mount_propagation;
pub mod unquoted_port;
pub mod yaml11_boolean;

/// Every Compose rule, in id order.
pub static ALL: &[&dyn ComposeRule] = &[
    &privileged::Privileged,
    &no_new_privileges::NoNewPrivileges,
    &cap_drop_missing::CapDropMissing,
    &cap_add_dangerous::CapAddDangerous,
    &read_only_root::ReadOnlyRoot,
    &resource_limits::ResourceLimits,
    &port_all_interfaces::PortAllInterfaces,
    &database_port_published::DatabasePortPublished,
    &no_network_segmentation::NoNetworkSegmentation,
    &secret_in_environment::SecretInEnvironment,
    &docker_socket::DockerSocket,
    &host_namespace::HostNamespace,
    &security_profile_disabled::SecurityProfileDisabled,
    &sensitive_host_mount::SensitiveHostMount,
    &shared_mount_propagation::SharedMountPropagation,
    &image_not_pinned::ImageNotPinned,
    &build_secret_not_passed::BuildSecretNotPassed,
    &explicit_root_user::ExplicitRootUser,
    &obsolete_version::ObsoleteVersion,
    &unquoted_port::UnquotedPort,
    &yaml11_boolean::Yaml11Boolean,
];

/// A finding on a service as a whole (a missing key): at its name.
pub(crate) fn on_service(meta: &'static RuleMeta, svc: &Service, message: String) -> Diagnostic {
    Diagnostic::new(meta, message, svc.pair.key_span.clone())
}

/// The end of a message for a key an override file resets (`!reset`).
pub(crate) fn reset_note(reset: bool) -> &'static str {
    if reset {
        " (the override file resets it with `!reset`)"
    } else {
        ""
    }
}

/// The service's `image:` value, if it is a plain string here.
pub(crate) fn image<'a>(svc: &Service<'a>) -> Option<&'a str> {
    svc.scalar("image")
}

/// The scalar items of a sequence value: (index, value, node).
pub(crate) fn scalar_items(node: &Node_) -> Vec<(usize, &str, &Node_)> {
    let Some(seq) = node.as_seq() else {
        return Vec::new();
    };
    seq.items
        .iter()
        .enumerate()
        .filter_map(|(i, it)| {
            let v = it.value.as_ref()?;
            Some((i, v.as_scalar()?.value.as_str(), v))
        })
        .collect()
}

/// The services a fix may add keys to: a block mapping that no guard
/// protects. The others get findings without fixes.
pub(crate) fn editable(file: &ComposeFile, svc: &Service) -> bool {
    service_guard(file, svc).is_none() && svc.map().is_some_and(|m| !m.flow)
}

/// Where a service's key comes from, on the merged model of the file.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Lookup<'a> {
    /// Written in the service itself.
    Local(&'a Pair),
    /// Inherited through `<<` or `extends` from this file.
    Inherited(&'a Pair),
    /// Not set anywhere this file shows.
    Absent,
    /// May come from what the model cannot see (`extends` of another file,
    /// an alias it cannot resolve, a tag): rules stay silent.
    Unknown,
}

fn merged_from<'a>(file: &'a ComposeFile, map: &'a Map, key: &str, depth: usize) -> Lookup<'a> {
    if depth > 8 {
        return Lookup::Unknown;
    }
    for p in map.pairs.iter().filter(|p| p.key == "<<") {
        let Some(v) = &p.value else { continue };
        let aliases: Vec<&Node_> = match &v.value {
            Value::Alias(_) => vec![v],
            Value::Seq(s) => s.items.iter().filter_map(|i| i.value.as_ref()).collect(),
            Value::Map(_) => vec![v],
            Value::Scalar(_) => return Lookup::Unknown,
        };
        for a in aliases {
            let target = match &a.value {
                Value::Alias(name) => match file.anchored(name, a.span.start) {
                    Some(t) => t,
                    None => return Lookup::Unknown,
                },
                _ => a,
            };
            let Some(m) = target.as_map() else {
                return Lookup::Unknown;
            };
            if let Some(found) = m.pairs.iter().rev().find(|q| q.key == key) {
                return Lookup::Inherited(found);
            }
            match merged_from(file, m, key, depth + 1) {
                Lookup::Absent => {}
                other => return other,
            }
        }
    }
    Lookup::Absent
}

/// Looks `key` up in a service: its own keys, then `<<` merges, then a
/// service of this file it `extends`.
pub(crate) fn lookup<'a>(file: &'a ComposeFile, svc: &Service<'a>, key: &str) -> Lookup<'a> {
    lookup_depth(file, svc, key, 0)
}

fn lookup_depth<'a>(
    file: &'a ComposeFile,
    svc: &Service<'a>,
    key: &str,
    depth: usize,
) -> Lookup<'a> {
    let Some(node) = svc.node() else {
        return Lookup::Unknown;
    };
    if node.tag.is_some() || depth > 8 {
        return Lookup::Unknown;
    }
    let Some(map) = node.as_map() else {
        return Lookup::Unknown;
    };
    if let Some(p) = map.get(key) {
        return Lookup::Local(p);
    }
    match merged_from(file, map, key, 0) {
        Lookup::Absent => {}
        other => return other,
    }
    if let Some(ext) = map.get("extends").and_then(|p| p.value.as_ref()) {
        let base = match (ext.as_scalar(), ext.as_map()) {
            (Some(s), _) => Some(s.value.as_str()),
            (_, Some(m)) if m.get("file").is_none() => m
                .get("service")
                .and_then(|p| p.value.as_ref())
                .and_then(Node_::as_scalar)
                .map(|s| s.value.as_str()),
            _ => None,
        };
        let Some(base) = base else {
            return Lookup::Unknown;
        };
        let services = file.services();
        let Some(b) = services.iter().find(|s| s.name == base) else {
            return Lookup::Unknown;
        };
        return match lookup_depth(file, b, key, depth + 1) {
            Lookup::Local(p) => Lookup::Inherited(p),
            other => other,
        };
    }
    Lookup::Absent
}

impl<'a> Lookup<'a> {
    /// The pair, local or inherited.
    pub(crate) fn pair(self) -> Option<&'a Pair> {
        match self {
            Lookup::Local(p) | Lookup::Inherited(p) => Some(p),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Every rule at once, unsafe fixes on: rules that edit the same
    /// scalar (DF507's host IP and DF521's quotes) take turns instead of
    /// writing `127.0.0.1:"80:80"`.
    #[test]
    fn rules_editing_one_scalar_take_turns() {
        let settings = crate::settings::Settings {
            unsafe_fixes: true,
            ..crate::settings::Settings::default()
        };
        let src =
            "services:\n  web:\n    image: x\n    user: \"1000\"\n    ports:\n      - 4200:4200\n";
        let out = crate::compose::fix(src, &settings, &crate::rule::Facts::new()).unwrap();
        assert!(
            out.output().contains("      - \"127.0.0.1:4200:4200\"\n"),
            "{}",
            out.output()
        );
    }

    /// Every rule at once, unsafe fixes on, on a base file judged with an
    /// override file that resets (`!reset`) and replaces (`!override`)
    /// keys: the merged model Compose builds decides (checked with
    /// `docker-compose config`: the reset keys are gone, the replaced list
    /// holds only the override's items).
    #[test]
    fn override_tags_decide_on_the_merged_model() {
        let base = "services:\n  web:\n    image: myorg/web@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n    user: \"1000\"\n    read_only: true\n    cap_drop: [ALL]\n    cap_add: [SYS_ADMIN]\n    security_opt:\n      - no-new-privileges:true\n      - seccomp:unconfined\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n      - /srv:/srv:rshared\n    environment:\n      API_TOKEN: abc123\n    pid: host\n    deploy:\n      resources:\n        limits: {cpus: '1', memory: 512M, pids: 100}\n";
        let over = "services:\n  web:\n    read_only: !reset null\n    cap_drop: !reset []\n    cap_add: !override [NET_BIND_SERVICE]\n    security_opt: !reset []\n    volumes: !override\n      - ./data:/data\n    environment: !override {}\n    pid: !reset null\n    deploy: !reset {}\n";
        let mut facts = crate::rule::Facts::new();
        facts.compose_overrides = vec![std::sync::Arc::new(ComposeFile::parse(over))];
        let settings = crate::settings::Settings {
            unsafe_fixes: true,
            ..crate::settings::Settings::default()
        };
        let file = ComposeFile::parse(base);
        let found: Vec<String> = crate::compose::check_file(&file, &settings, &facts)
            .iter()
            .map(|d| format!("{} {} fix={}", d.rule.id, d.message, d.fix.is_some()))
            .collect();
        assert_eq!(
            found,
            [
                "DF502 service `web` does not set `no-new-privileges:true` (the override file resets it with `!reset`) fix=false",
                "DF503 service `web` does not drop all capabilities (the override file resets it with `!reset`) fix=false",
                "DF505 service `web` has a writable root filesystem (the override file resets it with `!reset`) fix=false",
                "DF506 service `web` has no resource limits (the override file resets it with `!reset`) fix=false",
            ]
        );
        // Without the override every finding is about this file's values.
        let alone = crate::compose::check_file(&file, &settings, &crate::rule::Facts::new());
        let ids: Vec<&str> = alone.iter().map(|d| d.rule.id).collect();
        assert_eq!(ids, ["DF504", "DF513", "DF511", "DF515", "DF510", "DF512"]);
        // Fixing with the override changes nothing: no key the override
        // resets is written here.
        let out = crate::compose::fix(base, &settings, &facts).unwrap();
        assert_eq!(out.output(), base);
    }

    #[test]
    fn ids_names_and_docs() {
        let mut seen = HashSet::new();
        let mut last = "";
        for r in ALL {
            let m = r.meta();
            assert!(m.id.starts_with("DF5") && m.id.len() == 5, "{}", m.id);
            assert!(m.id > last, "registry not in id order at {}", m.id);
            last = m.id;
            assert!(
                seen.insert(m.id) && seen.insert(m.name),
                "{} duplicated",
                m.id
            );
            for section in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Fixed",
                "## Fix safety",
                "## Aliases",
                "## References",
            ] {
                assert!(m.doc.contains(section), "{} lacks {section}", m.id);
            }
            for alias in m.aliases {
                assert!(m.doc.contains(alias), "{} doc does not list {alias}", m.id);
            }
        }
        // No id or name is shared with a Dockerfile rule.
        for r in crate::rules::ALL {
            assert!(!seen.contains(r.meta().id) && !seen.contains(r.meta().name));
        }
    }
}
