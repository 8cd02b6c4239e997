//! Facts about the build context (the folder the Dockerfile is built from),
//! as plain data. The application reads them; the rules only look.

use std::collections::{BTreeMap, BTreeSet};

/// What the build context's manifests say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildContext {
    /// Files present, relative to the context root, `/`-separated.
    pub files: BTreeSet<String>,
    /// `Cargo.toml`: the package name.
    pub cargo_package: Option<String>,
    /// `Cargo.toml`: the binary names (`[[bin]]` names, else the package).
    pub cargo_bins: Vec<String>,
    /// `package.json`: `main`.
    pub node_main: Option<String>,
    /// `package.json`: `scripts`.
    pub node_scripts: BTreeMap<String, String>,
    /// `go.mod`: the module path.
    pub go_module: Option<String>,
    /// `pom.xml`: the jar Maven builds (`<finalName>` or
    /// `<artifactId>-<version>`), file name only.
    pub maven_jar: Option<String>,
}

impl BuildContext {
    /// True when the context has `path` (relative to its root).
    pub fn has_file(&self, path: &str) -> bool {
        self.files.contains(path.trim_start_matches("./"))
    }

    /// The package manager the Node project uses, from its lock file.
    pub fn node_package_manager(&self) -> Option<&'static str> {
        if self.has_file("pnpm-lock.yaml") {
            Some("pnpm")
        } else if self.has_file("yarn.lock") {
            Some("yarn")
        } else if self.has_file("package-lock.json") {
            Some("npm")
        } else {
            None
        }
    }

    /// The binary `go build` writes without `-o`: the last element of the
    /// module path.
    pub fn go_binary(&self) -> Option<&str> {
        let m = self.go_module.as_deref()?;
        let last = m.rsplit('/').next()?;
        // `example.com/app/v2` builds `app`.
        if last.len() > 1 && last.starts_with('v') && last[1..].chars().all(|c| c.is_ascii_digit())
        {
            return m.rsplit('/').nth(1);
        }
        Some(last)
    }
}

/// The build context as the builder receives it: every file (the whole
/// tree, unlike [`BuildContext::files`]) and the ignore file that applies
/// to the Dockerfile, for the `.dockerignore` rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContextListing {
    /// Every file and symlink, relative to the context root,
    /// `/`-separated, sorted.
    pub files: Vec<String>,
    /// The ignore file BuildKit reads for this Dockerfile, if any.
    pub ignore: Option<IgnoreSource>,
    /// Where the Dockerfile sits, relative to the context root (`Dockerfile`).
    pub dockerfile: String,
    /// Folders that could not be read and symlink loops: reported, skipped.
    pub problems: Vec<String>,
    /// The Dockerfiles in the context root folder that read the root
    /// `.dockerignore` (this one included, when it does; the planner skips
    /// it by [`ContextListing::dockerfile`]): an ignore-file fix must not
    /// exclude what they copy either. Shared: read once per folder.
    pub siblings: std::sync::Arc<Vec<SiblingDockerfile>>,
}

/// Another Dockerfile of the same build context.
#[derive(Clone)]
pub struct SiblingDockerfile {
    /// Its path relative to the context root.
    pub path: String,
    /// Its text.
    pub text: String,
    /// What it takes from the context and what its RUNs call, read from
    /// `text` the first time a plan needs it (most never do).
    uses: std::sync::OnceLock<crate::ignore_fix::ContextUse>,
    /// The document of `text` when the run has parsed it already (the CLI
    /// parses every file it was given up front): read from it instead of
    /// parsing the text a second time.
    parsed: Option<std::sync::Arc<dfix_grammar::Document>>,
}

impl std::fmt::Debug for SiblingDockerfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiblingDockerfile")
            .field("path", &self.path)
            .field("text", &self.text)
            .field("parsed", &self.parsed.is_some())
            .finish()
    }
}

impl PartialEq for SiblingDockerfile {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path && self.text == other.text
    }
}

impl Eq for SiblingDockerfile {}

impl SiblingDockerfile {
    /// The sibling at `path` (relative to the context root) with `text`.
    pub fn new(path: &str, text: &str) -> SiblingDockerfile {
        SiblingDockerfile {
            path: path.to_string(),
            text: text.to_string(),
            uses: std::sync::OnceLock::new(),
            parsed: None,
        }
    }

    /// The sibling with the document the run parsed from its text (ignored
    /// when the texts differ: the file changed in between).
    pub fn with_document(
        mut self,
        doc: std::sync::Arc<dfix_grammar::Document>,
    ) -> SiblingDockerfile {
        if doc.source() == self.text {
            self.parsed = Some(doc);
        }
        self
    }

    /// What it takes from the context (read once).
    pub fn uses(&self) -> &crate::ignore_fix::ContextUse {
        self.uses.get_or_init(|| match &self.parsed {
            Some(doc) => crate::ignore_fix::ContextUse::of_document(doc, &self.path),
            None => crate::ignore_fix::ContextUse::of(&self.text, &self.path),
        })
    }
}

/// An ignore file and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreSource {
    /// Its path relative to the context root (`.dockerignore`, or
    /// `<Dockerfile>.dockerignore` beside the Dockerfile, which wins).
    pub path: String,
    /// Its text.
    pub text: String,
}

impl ContextListing {
    /// The files the ignore file leaves out of the build (none without one).
    pub fn excluded(&self) -> Vec<&str> {
        let Some(ignore) = &self.ignore else {
            return Vec::new();
        };
        let file = crate::dockerignore::IgnoreFile::parse(&ignore.text);
        self.files
            .iter()
            .filter(|f| file.excludes(f))
            .map(String::as_str)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dfix_grammar::Document;
    use std::sync::Arc;

    /// A sibling read from the run's document gives what reading its text
    /// gives; a document of another text (the file changed since) is not
    /// used.
    #[test]
    fn a_sibling_reads_the_same_from_its_document_as_from_its_text() {
        let text = "FROM alpine\nCOPY app /app\nRUN git log && apk add curl\n";
        let doc = Arc::new(Document::parse(text));
        let from_doc = SiblingDockerfile::new("Dockerfile.a", text).with_document(doc.clone());
        let from_text = SiblingDockerfile::new("Dockerfile.a", text);
        assert!(format!("{from_doc:?}").contains("parsed: true"));
        assert_eq!(
            format!("{:?}", from_doc.uses()),
            format!("{:?}", from_text.uses())
        );
        assert!(format!("{:?}", from_doc.uses()).contains("git"));
        let stale = SiblingDockerfile::new("Dockerfile.a", "FROM alpine\n").with_document(doc);
        assert!(format!("{stale:?}").contains("parsed: false"));
    }
}
