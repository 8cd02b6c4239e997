//! What a Compose fix must not touch. A value that comes from elsewhere
//! (an anchor, an alias, a merge key, `extends`, a `!reset`/`!override`
//! tag) or that Compose interpolates cannot be edited locally without
//! changing, or being undone by, text the rule does not see.

use dfix_grammar::compose::{ComposeFile, Node_, Service};

/// True when Compose interpolates `s` (a `$` that is not `$$`).
pub fn interpolated(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            if b.get(i + 1) == Some(&b'$') {
                i += 2;
                continue;
            }
            return true;
        }
        i += 1;
    }
    false
}

/// Why the service itself cannot take edits, if it cannot: it is anchored
/// or tagged (copied elsewhere), merges keys with `<<`, uses `extends`, or
/// another service extends it.
pub fn service_guard(file: &ComposeFile, svc: &Service) -> Option<&'static str> {
    let node = svc.node()?;
    if node.anchor.is_some() || node.tag.is_some() {
        return Some("the service is anchored or tagged, so an edit would change its copies");
    }
    let map = svc.map()?;
    if map.has_merge() {
        return Some("the service merges keys with `<<`, which a new key would override");
    }
    if map.get("extends").is_some() {
        return Some("the service uses `extends`");
    }
    let extended = file.services().iter().any(|other| {
        let Some(ext) = other.get("extends").and_then(|p| p.value.as_ref()) else {
            return false;
        };
        match (ext.as_scalar(), ext.as_map()) {
            (Some(s), _) => s.value == svc.name,
            (_, Some(m)) => {
                m.get("file").is_none()
                    && m.get("service")
                        .and_then(|p| p.value.as_ref())
                        .and_then(Node_::as_scalar)
                        .is_some_and(|s| s.value == svc.name)
            }
            _ => false,
        }
    });
    if extended {
        return Some("another service extends this one");
    }
    None
}

/// Why an existing value cannot be edited, if it cannot: it is (or holds)
/// an alias, an anchor or a tag, or it is interpolated.
pub fn value_guard(node: &Node_) -> Option<&'static str> {
    if node.is_shared() {
        return Some("the value comes from an anchor, an alias or a tag");
    }
    let interp = match &node.value {
        dfix_grammar::compose::Value::Scalar(s) => interpolated(&s.value),
        dfix_grammar::compose::Value::Seq(s) => s.items.iter().any(|i| {
            i.value
                .as_ref()
                .and_then(Node_::as_scalar)
                .is_some_and(|s| interpolated(&s.value))
        }),
        _ => false,
    };
    interp.then_some("the value is interpolated")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards() {
        assert!(interpolated("${A}") && interpolated("a$B") && !interpolated("a$$b"));
        let f = ComposeFile::parse(
            "x-base: &base\n  read_only: true\nservices:\n  a:\n    <<: *base\n  b: &b\n    image: x\n  c:\n    extends: d\n  d:\n    image: y\n  e:\n    extends: {service: f, file: other.yaml}\n  f:\n    cap_add: !reset []\n    ports: ['${P}:80']\n    image: z\n",
        );
        let s = f.services();
        let reason = |i: usize| service_guard(&f, &s[i]);
        assert!(reason(0).unwrap().contains("<<"));
        assert!(reason(1).unwrap().contains("anchored"));
        assert!(reason(2).unwrap().contains("extends"));
        assert!(reason(3).unwrap().contains("extends this"));
        assert!(reason(4).unwrap().contains("extends"));
        assert_eq!(reason(5), None, "extended only from another file");
        let f5 = s[5];
        assert!(value_guard(f5.get("cap_add").unwrap().value.as_ref().unwrap()).is_some());
        assert_eq!(
            value_guard(f5.get("ports").unwrap().value.as_ref().unwrap()),
            Some("the value is interpolated")
        );
        assert_eq!(
            value_guard(f5.get("image").unwrap().value.as_ref().unwrap()),
            None
        );
    }
}
