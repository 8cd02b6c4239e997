//! DF515 shared-mount-propagation: a bind mount with `shared` or `rshared`
//! propagation.

use dfix_grammar::compose::{Map, Node_, Value};

use super::{editable, ComposeRule};
use crate::compose::edits::{delete_pair, replace_scalar};
use crate::compose::guards::interpolated;
use crate::compose::ComposeContext;
use crate::diagnostic::Diagnostic;
use crate::edit::Fix;
use crate::rule::{FixAvailability, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds bind mounts whose propagation is `shared` or `rshared`: the option
in the short syntax (`/srv/data:/data:rshared`, `...:ro,shared`) and
`bind.propagation` in the long syntax.

## Why is this bad?
With shared propagation, mounts made inside the container under that
path appear on the host, and the host's appear in the container. A
process in the container can then mount over host paths (docker-bench
5.20). The default, `rprivate`, keeps the two mount tables apart; the few
programs that need shared propagation (storage drivers, CSI plugins)
should be the only ones to set it.

## Example
```yaml
services:
  agent:
    image: myorg/agent
    volumes:
      - /srv/data:/data:ro,rshared
      - type: bind
        source: /mnt
        target: /mnt
        bind:
          propagation: shared
```

## Fixed
```yaml
services:
  agent:
    image: myorg/agent
    volumes:
      - /srv/data:/data:ro
      - type: bind
        source: /mnt
        target: /mnt
```

## Fix safety
Unsafe: a program that relies on seeing the host's later mounts under the
path (or on publishing its own to the host) stops doing so. The fix drops
`shared`/`rshared` from the short syntax's options (the whole `:options`
part when nothing else is left, keeping the quotes) and deletes the long
syntax's `propagation` key (with `bind:` when nothing else is in it). Not
fixed: interpolated items, lists that come from an anchor or alias, flow
mappings, and services that use an anchor, a merge key or `extends`.
`slave`/`rslave` (host mounts reach the container, not the reverse) are
not reported, nor are the items of a `volumes` list that an override file
resets (`!reset`) or replaces (`!override`).

## Aliases
compose-lint `CL-0017`. KICS `baa452f0` also reports `slave` and
`rslave`, so it is not an alias.

## References
- https://docs.docker.com/engine/storage/bind-mounts/#configure-bind-propagation
- https://docs.docker.com/reference/compose-file/services/#volumes
- docker-bench-security 5.20
"#;

/// The rule's metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF515",
    name: "shared-mount-propagation",
    aliases: &["CL-0017"],
    severity: Severity::Warning,
    summary: "A bind mount shares mount propagation with the host",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

/// The words the short syntax's last part may hold.
const OPTIONS: &[&str] = &[
    "ro",
    "rw",
    "z",
    "Z",
    "nocopy",
    "shared",
    "rshared",
    "slave",
    "rslave",
    "private",
    "rprivate",
    "cached",
    "delegated",
    "consistent",
];

fn is_shared(word: &str) -> bool {
    matches!(word, "shared" | "rshared")
}

/// For a short-syntax volume with a shared propagation option, the value
/// without it; `None` when it has none. The options are the last
/// `:`-separated part, when there are at least three parts and every
/// comma-separated word is an option.
pub(crate) fn without_shared(volume: &str) -> Option<String> {
    let (head, opts) = volume.rsplit_once(':')?;
    if !head.contains(':') {
        return None;
    }
    let words: Vec<&str> = opts.split(',').collect();
    if !words.iter().all(|w| OPTIONS.contains(w)) || !words.iter().any(|w| is_shared(w)) {
        return None;
    }
    let kept: Vec<&str> = words.into_iter().filter(|w| !is_shared(w)).collect();
    Some(if kept.is_empty() {
        head.to_string()
    } else {
        format!("{head}:{}", kept.join(","))
    })
}

/// DF515.
pub struct SharedMountPropagation;

impl ComposeRule for SharedMountPropagation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &ComposeContext) -> Vec<Diagnostic> {
        let file = ctx.file;
        let mut out = Vec::new();
        for svc in file.services() {
            if ctx.replaced(svc.name, "volumes") {
                continue;
            }
            let Some(mut volumes) = svc.get("volumes").and_then(|p| p.value.as_ref()) else {
                continue;
            };
            let mut can_edit = editable(file, &svc) && !volumes.is_shared();
            // `volumes: *list`: judged on the anchored list, never edited
            // (the anchor's other users would change too).
            if let Value::Alias(name) = &volumes.value {
                match file.anchored(name, volumes.span.start) {
                    Some(target) => volumes = target,
                    None => continue,
                }
                can_edit = false;
            }
            let Some(seq) = volumes.as_seq() else {
                continue;
            };
            for item in &seq.items {
                let Some(node) = item.value.as_ref() else {
                    continue;
                };
                if let Some(s) = node.as_scalar() {
                    let Some(new) = without_shared(&s.value) else {
                        continue;
                    };
                    let fix = (can_edit && !interpolated(&s.value))
                        .then(|| replace_scalar(node, &new))
                        .flatten()
                        .map(|e| Fix::unsafe_fix("Remove the shared propagation", vec![e]));
                    out.push(
                        Diagnostic::new(
                            &META,
                            format!(
                                "service `{}` mounts `{}` with shared propagation",
                                svc.name, s.value
                            ),
                            node.span.clone(),
                        )
                        .with_optional_fix(fix),
                    );
                } else if let Some(m) = node.as_map() {
                    if let Some(d) = long_syntax(ctx, svc.name, node, m, can_edit) {
                        out.push(d);
                    }
                }
            }
        }
        out
    }
}

/// A long-syntax item whose `bind.propagation` is shared.
fn long_syntax(
    ctx: &ComposeContext,
    service: &str,
    node: &Node_,
    item: &Map,
    can_edit: bool,
) -> Option<Diagnostic> {
    let bind_pair = item.get("bind")?;
    let bind_node = bind_pair.value.as_ref()?;
    let bind = bind_node.as_map()?;
    let prop_pair = bind.get("propagation")?;
    let prop = prop_pair.value.as_ref()?.as_scalar()?;
    if !is_shared(&prop.value) {
        return None;
    }
    let target = item
        .get("target")
        .and_then(|p| p.value.as_ref())
        .and_then(Node_::as_scalar)
        .map(|s| s.value.as_str())
        .unwrap_or("?");
    let can_edit = can_edit && !node.is_shared() && !bind_node.is_shared();
    let edit = if !can_edit {
        None
    } else if bind.pairs.len() > 1 {
        delete_pair(ctx.file, bind, prop_pair)
    } else {
        delete_pair(ctx.file, item, bind_pair)
    };
    let fix = edit.map(|e| Fix::unsafe_fix("Remove the shared propagation", vec![e]));
    Some(
        Diagnostic::new(
            &META,
            format!(
                "service `{service}` mounts `{target}` with `{}` propagation",
                prop.value
            ),
            prop_pair.key_span.clone(),
        )
        .with_optional_fix(fix),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::test_support::snapshot;

    #[test]
    fn fixture() {
        insta::assert_snapshot!(snapshot(&META, include_str!("fixtures/DF515.yaml")));
    }

    #[test]
    fn short_syntax_options() {
        let w = |v: &str| without_shared(v);
        assert_eq!(w("/a:/b:rshared").as_deref(), Some("/a:/b"));
        assert_eq!(w("/a:/b:ro,shared").as_deref(), Some("/a:/b:ro"));
        assert_eq!(w("/a:/b:shared,z").as_deref(), Some("/a:/b:z"));
        assert_eq!(
            w("C:\\data:/data:rshared").as_deref(),
            Some("C:\\data:/data")
        );
        // Two parts: the last is the target, not options.
        assert_eq!(w("data:/shared"), None);
        assert_eq!(w("/a:/b:ro"), None);
        assert_eq!(w("/a:/b:rslave"), None);
        // A last part with a word that is not an option is a path.
        assert_eq!(w("/a:/b:shared,x"), None);
        assert_eq!(w("/a:/b"), None);
    }
}
