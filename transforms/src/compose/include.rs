//! `include:`: the other Compose files a file pulls into its project. This
//! module reads which local files a top-level `include:` names
//! ([`include_paths`]); the application reads and parses them and passes
//! them in as [`crate::Facts::compose_includes`], so rules that judge the
//! whole project (networks, top-level secrets) see the included services
//! and resources. Nothing here does I/O.

use dfix_grammar::compose::{ComposeFile, Node_};

use super::guards::interpolated;

/// The local paths a file's top-level `include:` names, as written
/// (relative to the file's folder), in order: a string item, or an item's
/// `path:` (a string or a list of strings). `None` when the file includes
/// something this reading cannot follow: a remote source (`oci://`, a Git
/// URL), an interpolated path, an alias or an item of another shape. A
/// file with no `include:` gives an empty list.
pub fn include_paths(file: &ComposeFile) -> Option<Vec<String>> {
    let Some(pair) = file.top().and_then(|t| t.get("include")) else {
        return Some(Vec::new());
    };
    let value = pair.value.as_ref()?;
    if value.is_shared() || value.tag.is_some() {
        return None;
    }
    let mut out = Vec::new();
    for item in &value.as_seq()?.items {
        let v = item.value.as_ref()?;
        match (v.as_scalar(), v.as_map()) {
            (Some(_), _) => out.push(local_path(v)?),
            (_, Some(m)) => {
                let path = m.get("path")?.value.as_ref()?;
                match path.as_seq() {
                    Some(seq) => {
                        for p in &seq.items {
                            out.push(local_path(p.value.as_ref()?)?);
                        }
                    }
                    None => out.push(local_path(path)?),
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

/// A path to a file on this machine: a literal string that is not a URL.
fn local_path(node: &Node_) -> Option<String> {
    if node.is_shared() || node.tag.is_some() {
        return None;
    }
    let s = &node.as_scalar()?.value;
    let remote = s.contains("://") || s.starts_with("git@");
    (!s.is_empty() && !interpolated(s) && !remote).then(|| s.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(src: &str) -> Option<Vec<String>> {
        include_paths(&ComposeFile::parse(src))
    }

    #[test]
    fn every_form_compose_accepts() {
        assert_eq!(paths("services: {}\n"), Some(vec![]));
        assert_eq!(
            paths("include:\n  - a.yaml\n  - path: ../b/compose.yaml\n    project_directory: ..\n  - path:\n      - c.yaml\n      - c.override.yaml\nservices: {}\n"),
            Some(vec![
                "a.yaml".to_string(),
                "../b/compose.yaml".to_string(),
                "c.yaml".to_string(),
                "c.override.yaml".to_string()
            ])
        );
        assert_eq!(
            paths("include: [a.yaml, {path: b.yaml}]\n"),
            Some(vec!["a.yaml".to_string(), "b.yaml".to_string()])
        );
    }

    #[test]
    fn what_cannot_be_followed() {
        for src in [
            "include:\n  - oci://docker.io/org/app:1\n",
            "include:\n  - git@github.com:org/repo.git\n",
            "include:\n  - https://github.com/org/repo.git#main:compose.yaml\n",
            "include:\n  - ${DIR}/compose.yaml\n",
            "include:\n  - project_directory: ..\n",
            "x: &i [a.yaml]\ninclude: *i\n",
            "include: a.yaml\n",
        ] {
            assert_eq!(paths(src), None, "{src}");
        }
    }
}
