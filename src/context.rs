//! Build-context facts for the multi-stage split: which files sit next to
//! the Dockerfile and what its manifests say (Cargo.toml, package.json,
//! go.mod, pom.xml). Read once per folder and run; anything unreadable is just
//! not known.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use dfix_transforms::context::BuildContext;
use dfix_transforms::Facts;

/// Most files listed from a context (a huge folder is not walked further).
const MAX_FILES: usize = 5000;
/// Folder depth listed below the context root.
const MAX_DEPTH: usize = 3;
const SKIP: &[&str] = &[
    ".git",
    "node_modules",
    "target",
    ".venv",
    "venv",
    "__pycache__",
    "dist",
    "build",
];

/// Facts for a Dockerfile at `dockerfile` (its folder is taken as the
/// build context). Stdin (`-`) gets none.
pub fn facts_for(dockerfile: &Path) -> Facts {
    let mut facts = Facts::new();
    if dockerfile.as_os_str() == "-" {
        return facts;
    }
    let dir = match dockerfile.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if let Some((ctx, files)) = cached_context(dir) {
        facts.context_files = Some(files);
        facts.context = Some(ctx);
    }
    facts
}

/// A folder's context and its file list, shared by every Dockerfile in it.
type Shared = (Arc<BuildContext>, Arc<BTreeSet<String>>);

/// Many Dockerfiles can share a folder: it is listed once per run.
fn cached_context(dir: &Path) -> Option<Shared> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<std::path::PathBuf, Option<Shared>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let key = dir.to_path_buf();
    if let Some(hit) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return hit.clone();
    }
    let shared = read_context(dir).map(|ctx| {
        let files = Arc::new(ctx.files.clone());
        (Arc::new(ctx), files)
    });
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, shared.clone());
    shared
}

/// Reads the build context at `dir`.
pub fn read_context(dir: &Path) -> Option<BuildContext> {
    if !dir.is_dir() {
        return None;
    }
    let mut ctx = BuildContext::default();
    list(dir, "", 0, &mut ctx.files);
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
    if let Some(text) = read("Cargo.toml") {
        cargo(&text, &mut ctx);
    }
    if let Some(text) = read("package.json") {
        package_json(&text, &mut ctx);
    }
    if let Some(text) = read("go.mod") {
        ctx.go_module = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("module "))
            .map(|m| m.trim().trim_matches('"').to_string());
    }
    if let Some(text) = read("pom.xml") {
        ctx.maven_jar = maven_jar(&text);
    }
    Some(ctx)
}

fn list(dir: &Path, prefix: &str, depth: usize, out: &mut BTreeSet<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        if out.len() >= MAX_FILES {
            return;
        }
        let name = e.file_name().to_string_lossy().to_string();
        let rel = format!("{prefix}{name}");
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        if is_dir {
            if depth < MAX_DEPTH && !SKIP.contains(&name.as_str()) {
                list(&e.path(), &format!("{rel}/"), depth + 1, out);
            }
        } else {
            out.insert(rel);
        }
    }
}

fn cargo(text: &str, ctx: &mut BuildContext) {
    let Ok(doc) = text.parse::<toml::Table>() else {
        return;
    };
    ctx.cargo_package = doc
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .map(str::to_string);
    let bins: Vec<String> = doc
        .get("bin")
        .and_then(|b| b.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|b| b.get("name").and_then(|n| n.as_str()).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    ctx.cargo_bins = if bins.is_empty() {
        ctx.cargo_package.iter().cloned().collect()
    } else {
        bins
    };
}

fn package_json(text: &str, ctx: &mut BuildContext) {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return;
    };
    ctx.node_main = v.get("main").and_then(|m| m.as_str()).map(str::to_string);
    if let Some(scripts) = v.get("scripts").and_then(|s| s.as_object()) {
        for (k, s) in scripts {
            if let Some(s) = s.as_str() {
                ctx.node_scripts.insert(k.clone(), s.to_string());
            }
        }
    }
}

/// The text of the first `<tag>` in `xml`.
fn tag_text(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(xml[start..end].trim().to_string())
}

fn strip_block(xml: &str, tag: &str) -> String {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut s = xml.to_string();
    while let (Some(a), Some(b)) = (s.find(&open), s.find(&close)) {
        if b < a {
            break;
        }
        s.replace_range(a..b + close.len(), "");
    }
    s
}

/// `<finalName>` or `<artifactId>-<version>` of the project (not of its
/// parent or dependencies), plus `.jar`.
fn maven_jar(xml: &str) -> Option<String> {
    let mut own = xml.to_string();
    for block in [
        "parent",
        "dependencies",
        "dependencyManagement",
        "plugins",
        "pluginManagement",
        "profiles",
    ] {
        own = strip_block(&own, block);
    }
    if let Some(f) = tag_text(&own, "finalName") {
        return (!f.contains('$')).then(|| format!("{f}.jar"));
    }
    let id = tag_text(&own, "artifactId")?;
    let version = tag_text(&own, "version")?;
    (!version.contains('$')).then(|| format!("{id}-{version}.jar"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_manifests() {
        let d = tempfile::tempdir().unwrap();
        let w = |n: &str, t: &str| std::fs::write(d.path().join(n), t).unwrap();
        w(
            "Cargo.toml",
            "[package]\nname = \"web\"\n[[bin]]\nname = \"api\"\n[[bin]]\nname = \"worker\"\n",
        );
        w(
            "package.json",
            r#"{"main": "dist/index.js", "scripts": {"start": "node dist/index.js"}}"#,
        );
        w("go.mod", "module github.com/acme/svc/v2\n\ngo 1.22\n");
        w(
            "pom.xml",
            "<project><parent><artifactId>spring-boot-starter-parent</artifactId><version>3.2.0</version></parent>\
             <artifactId>demo</artifactId><version>0.0.1-SNAPSHOT</version>\
             <dependencies><dependency><artifactId>x</artifactId><version>1</version></dependency></dependencies></project>",
        );
        std::fs::create_dir(d.path().join("src")).unwrap();
        w("src/main.rs", "");
        let facts = facts_for(&d.path().join("Dockerfile"));
        let ctx = facts.context.unwrap();
        assert_eq!(ctx.cargo_package.as_deref(), Some("web"));
        assert_eq!(ctx.cargo_bins, ["api", "worker"]);
        assert_eq!(ctx.node_main.as_deref(), Some("dist/index.js"));
        assert_eq!(ctx.node_scripts["start"], "node dist/index.js");
        assert_eq!(ctx.go_binary(), Some("svc"));
        assert_eq!(ctx.maven_jar.as_deref(), Some("demo-0.0.1-SNAPSHOT.jar"));
        assert!(ctx.has_file("src/main.rs") && ctx.has_file("./go.mod"));
        assert!(facts.context_files.unwrap().contains("pom.xml"));
        // Bad manifests are just unknown.
        w("Cargo.toml", "[package\n");
        w("package.json", "{");
        let ctx = read_context(d.path()).unwrap();
        assert!(ctx.cargo_bins.is_empty() && ctx.node_scripts.is_empty());
        assert!(facts_for(Path::new("-")).context.is_none());
    }
}
