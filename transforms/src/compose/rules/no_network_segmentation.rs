//! DF509 no-network-segmentation: a database shares Compose's default
//! network with a service that publishes ports.

use dfix_grammar::compose::{ComposeFile, Service};

use super::{image, lookup, on_service, ComposeRule, Lookup};
use crate::compose::ComposeContext;
use crate::diagnostic::Diagnostic;
use crate::rule::{FixAvailability, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds Compose files where every service sits on the one default network
although a database (an image with a database port in
`data/compose.toml`: postgres, mysql, mariadb, redis, mongo ...) runs next
to a service that publishes ports on the host. Only a suggestion: the
finding has no fix.

## Why is this bad?
On the default network every container reaches every other one on every
port. The service that publishes ports is the one exposed to the outside;
if it is compromised, the database is one hop away, and so is everything
else in the file. Separate networks limit what each service can reach
(docker-bench 5.30 and OWASP rule #5 ask for it): the published service
on a `frontend` network and on a `backend` network, the database only on
`backend`, which `internal: true` also cuts off from the outside.

## Example
```yaml
services:
  web:
    image: myorg/web
    ports:
      - "127.0.0.1:8080:8080"
  db:
    image: postgres:16
```

## Fixed
```yaml
services:
  web:
    image: myorg/web
    ports:
      - "127.0.0.1:8080:8080"
    networks: [frontend, backend]
  db:
    image: postgres:16
    networks: [backend]
networks:
  frontend:
  backend:
    internal: true
```

## Fix safety
No fix: which service must reach which is the application's design (a
worker that talks to the database and to an outside API, a reverse proxy
in front of several services), and a wrong guess breaks connections at
run time, where no check before the start can see it. A database on an
`internal: true` network also loses outbound access (replication to an
outside host, extensions that download).

Not reported when any service sets `networks`, `network_mode` or `links`,
or the file (or its override file) has a top-level `networks:`: the
author already decides the topology. Services whose keys come from
another file (`extends` with `file:`) keep the rule silent. The services
and networks of the files a top-level `include:` pulls in count as the
file's own (a database in this file next to a publishing service in an
included one is reported); an `include:` that dfix cannot read (a remote
or interpolated path, a missing file) keeps the rule silent.

## Aliases
None. KICS `ce14a68b` (networks_not_set) reports every service without
`networks`, whatever runs next to it, so it is not the same check.

## References
- https://docs.docker.com/compose/how-tos/networking/
- https://docs.docker.com/reference/compose-file/networks/#internal
- docker-bench-security 5.30; OWASP Docker Security Cheat Sheet rule #5
"#;

/// The rule's metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF509",
    name: "no-network-segmentation",
    aliases: &[],
    severity: Severity::Info,
    summary: "A database shares the default network with a service that publishes ports",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

/// The keys that choose a service's networks.
const NETWORK_KEYS: &[&str] = &["networks", "network_mode", "links"];

/// DF509.
pub struct NoNetworkSegmentation;

impl ComposeRule for NoNetworkSegmentation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &ComposeContext) -> Vec<Diagnostic> {
        let file = ctx.file;
        let services = file.services();
        // Every service of the project, each with the file it is in.
        let project: Vec<(&ComposeFile, Service)> = std::iter::once(file)
            .chain(ctx.included_files())
            .flat_map(|f| f.services().into_iter().map(move |s| (f, s)))
            .collect();
        if project.len() < 2 || ctx.has_top_level("networks") || ctx.includes_unseen() {
            return Vec::new();
        }
        for (f, svc) in &project {
            for key in NETWORK_KEYS {
                if ctx.overridden(svc.name, key) || !matches!(lookup(f, svc, key), Lookup::Absent) {
                    return Vec::new();
                }
            }
        }
        let publishing: Vec<&str> = project
            .iter()
            .filter(|(f, s)| match lookup(f, s, "ports").pair() {
                Some(p) => p
                    .value
                    .as_ref()
                    .and_then(|v| v.as_seq())
                    .is_none_or(|seq| !seq.items.is_empty()),
                None => false,
            })
            .map(|(_, s)| s.name)
            .collect();
        let mut out = Vec::new();
        for svc in &services {
            let Some(port) = image(svc)
                .and_then(|i| ctx.data().image(i))
                .and_then(|f| f.port)
            else {
                continue;
            };
            let Some(front) = publishing.iter().find(|p| **p != svc.name) else {
                continue;
            };
            out.push(on_service(
                &META,
                svc,
                format!(
                    "database service `{}` (port {port}) shares the default network with `{front}`, which publishes ports; put it on an `internal: true` network of its own",
                    svc.name
                ),
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::test_support::{applied_fixes, snapshot, with_includes};
    use crate::rule::Facts;

    #[test]
    fn fixture() {
        insta::assert_snapshot!(snapshot(&META, include_str!("fixtures/DF509.yaml")));
    }

    fn count(src: &str) -> usize {
        let file = dfix_grammar::compose::ComposeFile::parse(src);
        let s = crate::settings::Settings::default()
            .with_selection(&["DF509".to_string()], &[])
            .unwrap();
        crate::compose::check_file(&file, &s, &crate::rule::Facts::new()).len()
    }

    #[test]
    fn stays_quiet_where_the_author_decides_the_topology() {
        let base = "services:\n  web:\n    image: w\n    ports: ['8080:80']\n  db:\n    image: postgres:16\n";
        assert_eq!(count(base), 1);
        // Any network key, or top-level networks.
        assert_eq!(
            count(&format!("{base}    networks: [x]\nnetworks:\n  x:\n")),
            0
        );
        assert_eq!(
            count(&format!("{base}networks:\n  default:\n    name: n\n")),
            0
        );
        assert_eq!(
            count(&base.replace("    ports", "    links: [db]\n    ports")),
            0
        );
        assert_eq!(
            count(&base.replace("    ports", "    network_mode: host\n    ports")),
            0
        );
        // Nothing published, or the database publishes its own port only.
        assert_eq!(count(&base.replace("    ports: ['8080:80']\n", "")), 0);
        assert_eq!(
            count("services:\n  db:\n    image: redis\n    ports: ['6379:6379']\n  w:\n    image: w\n"),
            0
        );
        // One service alone.
        assert_eq!(
            count("services:\n  db:\n    image: mongo\n    ports: ['1:1']\n"),
            0
        );
        // Keys from another file: silent.
        assert_eq!(
            count(&format!(
                "{base}  x:\n    extends: {{file: o.yaml, service: s}}\n"
            )),
            0
        );
    }

    /// With an `include:` dfix could not read, other files may add
    /// services and networks: silent. With the included files read, their
    /// services and networks count as the file's own.
    #[test]
    fn include_counts_the_included_files() {
        let src = "include:\n  - db.yaml\nservices:\n  web:\n    image: myorg/web\n    ports:\n      - \"8080:8080\"\n  db:\n    image: postgres:16\n";
        let without = src.replacen("include:\n  - db.yaml\n", "", 1);
        assert_eq!(applied_fixes(&META, &without, &Facts::new()).len(), 1);
        assert!(applied_fixes(&META, src, &Facts::new()).is_empty());
        // Read, and plain: the same finding as without the include.
        let plain = with_includes(&["services:\n  cache:\n    image: myorg/cache\n"]);
        assert_eq!(applied_fixes(&META, src, &plain).len(), 1);
        // The publishing service is in the included file.
        let db_only = src.replace("    ports:\n      - \"8080:8080\"\n", "");
        assert!(applied_fixes(&META, &db_only, &plain).is_empty());
        let front =
            with_includes(&["services:\n  proxy:\n    image: caddy\n    ports: [\"443:443\"]\n"]);
        assert_eq!(applied_fixes(&META, &db_only, &front).len(), 1);
        // The included file chooses networks: silent.
        for text in [
            "services:\n  proxy:\n    image: caddy\n    networks: [edge]\nnetworks:\n  edge:\n",
            "services:\n  x:\n    image: x\n    network_mode: host\n",
        ] {
            assert!(
                applied_fixes(&META, src, &with_includes(&[text])).is_empty(),
                "{text}"
            );
        }
    }
}
