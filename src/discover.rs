//! Finding Dockerfiles and Compose files under the given paths, honouring
//! `.gitignore`.

use std::path::{Path, PathBuf};

/// True for the names dfix treats as Dockerfiles: `Dockerfile`,
/// `Containerfile`, `*.Dockerfile`, `*.dockerfile`, `*.Containerfile`,
/// `Dockerfile.*` and `Containerfile.*` (but not `Dockerfile.dockerignore`,
/// which is BuildKit's per-Dockerfile ignore file).
pub fn is_dockerfile_name(name: &str) -> bool {
    if name.ends_with(".dockerignore") {
        return false;
    }
    name == "Dockerfile"
        || name == "Containerfile"
        || name.starts_with("Dockerfile.")
        || name.starts_with("Containerfile.")
        || name.ends_with(".Dockerfile")
        || name.ends_with(".dockerfile")
        || name.ends_with(".Containerfile")
}

/// The files to process: explicit files as given, directories walked
/// (hidden folders included, `.git` skipped, `.gitignore` honoured even
/// outside a git repository). Sorted, without duplicates. Folders that
/// cannot be walked are returned as errors.
pub fn discover(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<(PathBuf, String)>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(clean(path));
            continue;
        }
        let walker = ignore::WalkBuilder::new(path)
            .hidden(false)
            .require_git(false)
            .filter_entry(|e| e.file_name() != ".git")
            .build();
        for entry in walker {
            match entry {
                Ok(e) => {
                    let is_file_like = e.file_type().is_some_and(|t| t.is_file() || t.is_symlink());
                    let wanted = e
                        .file_name()
                        .to_str()
                        .is_some_and(|n| is_dockerfile_name(n) || crate::kind::is_compose_name(n));
                    if is_file_like && wanted {
                        files.push(clean(e.path()));
                    }
                }
                Err(err) => {
                    let p = match &err {
                        ignore::Error::WithPath { path, .. } => path.clone(),
                        _ => path.clone(),
                    };
                    errors.push((p, err.to_string()));
                }
            }
        }
    }
    files.sort();
    files.dedup();
    (files, errors)
}

/// `./a/b` → `a/b`, for messages and diff headers.
fn clean(p: &Path) -> PathBuf {
    p.strip_prefix(".")
        .map_or_else(|_| p.to_path_buf(), Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for yes in [
            "Dockerfile",
            "Containerfile",
            "app.Dockerfile",
            "app.dockerfile",
            "Dockerfile.dev",
        ] {
            assert!(is_dockerfile_name(yes), "{yes}");
        }
        for no in [
            "Dockerfile.dockerignore",
            "dockerfile.txt",
            "README.md",
            "Dockerfiles",
        ] {
            assert!(!is_dockerfile_name(no), "{no}");
        }
    }

    #[test]
    fn walks_and_honours_gitignore() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        for f in [
            "Dockerfile",
            "svc/api.Dockerfile",
            "svc/notes.txt",
            "svc/compose.yaml",
            "svc/ci.yml",
            "build/Dockerfile",
            ".devcontainer/Dockerfile",
        ] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "FROM a\n").unwrap();
        }
        std::fs::write(root.join(".gitignore"), "build/\n").unwrap();
        let (files, errors) = discover(&[root.to_path_buf()]);
        assert!(errors.is_empty());
        let rel: Vec<_> = files
            .iter()
            .map(|f| f.strip_prefix(root).unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            rel,
            [
                ".devcontainer/Dockerfile",
                "Dockerfile",
                "svc/api.Dockerfile",
                "svc/compose.yaml"
            ]
        );
    }
}
