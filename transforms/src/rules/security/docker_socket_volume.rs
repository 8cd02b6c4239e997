//! DF231: a `VOLUME` on the Docker daemon's socket.

use dfix_grammar::{Form, Kind};

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds `VOLUME` instructions that declare the Docker daemon's socket
(`/var/run/docker.sock`, `/run/docker.sock`) as a volume, in the JSON or
the plain form.

## Why is this bad?
A volume there exists to have the host's Docker socket mounted into the
container. Whoever can talk to that socket controls the Docker daemon,
which means root on the host: any compromise of the container becomes a
compromise of the machine.

## Example
```dockerfile
VOLUME ["/var/run/docker.sock"]
```

## Fixed
```dockerfile
# No socket volume: give the container a narrowly scoped API
# (a socket proxy, or rootless BuildKit) if it must build or run images.
```

## Fix safety
No fix: removing the volume breaks whatever relied on the mounted daemon.

## Aliases
None: Semgrep's `dockerfile-dockerd-socket-mount` is the same check, but
it has no id dfix can take as an alias.

## References
- https://docs.docker.com/engine/security/#docker-daemon-attack-surface
- https://docs.docker.com/reference/dockerfile/#volume
"#;

/// The rule.
pub struct DockerSocketVolume;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF231",
    name: "docker-socket-volume",
    aliases: &[],
    severity: Severity::Error,
    summary: "`VOLUME` on the Docker daemon's socket",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

fn is_socket(path: &str) -> bool {
    let trimmed = path.trim_end_matches('/');
    let clean = trimmed.replace("//", "/");
    matches!(clean.as_str(), "/var/run/docker.sock" | "/run/docker.sock")
}

impl Rule for DockerSocketVolume {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for ins in &ctx.doc.instructions {
            let ins = ins.effective();
            if ins.kind != Kind::Volume {
                continue;
            }
            let paths: Vec<String> = match &ins.form {
                Form::Exec(items) => items.clone(),
                Form::Shell => ins.words.iter().map(|w| w.value().to_string()).collect(),
            };
            if let Some(p) = paths.iter().find(|p| is_socket(p)) {
                out.push(Diagnostic::new(
                    &META,
                    format!("`VOLUME {p}` exposes the Docker daemon's socket: whoever reaches it is root on the host"),
                    ins.span.clone(),
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::*;

    #[test]
    fn fixture() {
        assert_fixture(
            &META,
            "volumes",
            include_str!("fixtures/docker_socket_volume.Dockerfile"),
        );
    }

    #[test]
    fn cases() {
        for bad in [
            "FROM a\nVOLUME /var/run/docker.sock\n",
            "FROM a\nVOLUME [\"/data\", \"/run/docker.sock\"]\n",
            "FROM a\nVOLUME /data \"/var/run/docker.sock\"\n",
        ] {
            assert_eq!(findings(&META, bad).len(), 1, "{bad}");
        }
        for ok in [
            "FROM a\nVOLUME /var/run\n",
            "FROM a\nVOLUME /var/run/docker.sock.d\n",
            "FROM a\nRUN ls /var/run/docker.sock\n",
        ] {
            assert!(findings(&META, ok).is_empty(), "{ok}");
        }
    }
}
