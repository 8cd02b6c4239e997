//! The whole pipeline on single-stage builds, through the `dfix` command with
//! `--unsafe-fixes` and a real registry (Debian's docker-registry, reached
//! through `[registries]` mirrors): the build is split into a builder and a
//! runtime stage, every image is pinned to the digest the registry serves,
//! the final stage runs as a non-root user, package layers are cleaned, and a
//! second run changes nothing. The result is snapshotted with each digest
//! shown as the registry reference it was checked against.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use dfix_grammar::image_ref::ImageRef;
use dfix_grammar::{Document, Kind};

const FIXTURES: &[(&str, &str)] = &[
    (
        "go_basic",
        include_str!(
            "../transforms/src/rules/multistage/fixtures/split_build_and_runtime/go_basic.Dockerfile"
        ),
    ),
    (
        "python_psycopg",
        include_str!(
            "../transforms/src/rules/multistage/fixtures/split_build_and_runtime/python_psycopg.Dockerfile"
        ),
    ),
    (
        "node_build",
        include_str!(
            "../transforms/src/rules/multistage/fixtures/split_build_and_runtime/node_build.Dockerfile"
        ),
    ),
    (
        "rust_release",
        include_str!(
            "../transforms/src/rules/multistage/fixtures/split_build_and_runtime/rust_release.Dockerfile"
        ),
    ),
    (
        "java_maven",
        include_str!(
            "../transforms/src/rules/multistage/fixtures/split_build_and_runtime/java_maven.Dockerfile"
        ),
    ),
];

fn dfix(dir: &Path, cache: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dfix"))
        .current_dir(dir)
        .env("DFIX_CACHE_DIR", cache)
        .args(args)
        .output()
        .expect("run dfix")
}

/// (domain, path, tag) of every registry image the FROM lines name.
fn from_images(text: &str) -> Vec<ImageRef> {
    let doc = Document::parse(text);
    let stages: Vec<String> = doc
        .stages()
        .iter()
        .filter_map(|s| s.name.as_ref().map(|n| n.value().to_lowercase()))
        .collect();
    doc.instructions
        .iter()
        .filter(|i| i.kind == Kind::From)
        .filter_map(|i| i.words.first())
        .filter(|w| !stages.contains(&w.value().to_lowercase()) && w.value() != "scratch")
        .filter_map(|w| ImageRef::parse(w.value()).ok())
        .collect()
}

#[test]
fn split_pin_nonroot_and_clean_with_a_real_registry() {
    if !support::tools_available() {
        return;
    }
    let data = support::TempDir::new("pipeline-data");
    let registry = support::Registry::start(data.path(), support::Mode::Open);
    let pusher = support::Pusher::new(&registry.url());
    let host = registry.host();
    let config = format!(
        "[registries.\"docker.io\"]\nmirror = \"http://{host}\"\n[registries.\"gcr.io\"]\nmirror = \"http://{host}\"\n"
    );
    let mut snapshots = BTreeMap::new();
    for (name, original) in FIXTURES {
        let work = support::TempDir::new("pipeline-work");
        std::fs::write(work.path().join("dfix.toml"), &config).unwrap();
        let file = work.path().join("Dockerfile");
        // A first run with nothing in the registry tells which images the
        // result uses (the new runtime stage's base included).
        std::fs::write(&file, original).unwrap();
        let probe_cache = support::TempDir::new("pipeline-probe");
        dfix(
            work.path(),
            probe_cache.path(),
            &["--unsafe-fixes", "Dockerfile"],
        );
        let probe = std::fs::read_to_string(&file).unwrap();
        let images = from_images(&probe);
        assert!(images.len() >= 2, "{name}: not split:\n{probe}");
        let mut pushed = BTreeMap::new();
        for r in &images {
            let tag = r.tag().unwrap_or("latest");
            let digest = pusher.push_multi(r.path(), tag, true).digest;
            pushed.insert(format!("{}:{tag}", r.familiar_name()), digest);
        }

        // The real run.
        std::fs::write(&file, original).unwrap();
        let cache = support::TempDir::new("pipeline-cache");
        let out = dfix(work.path(), cache.path(), &["--unsafe-fixes", "Dockerfile"]);
        let fixed = std::fs::read_to_string(&file).unwrap();
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let doc = Document::parse(&fixed);
        assert!(doc.errors.is_empty(), "{name}: {:?}\n{fixed}", doc.errors);
        let stages = doc.stages();
        assert!(stages.len() >= 2, "{name}: {fixed}");

        // Every image is pinned to what the registry itself serves (checked
        // with a GET and the full Accept list), tags kept.
        let mut redacted = fixed.clone();
        for r in from_images(&fixed) {
            let digest = r
                .digest()
                .unwrap_or_else(|| panic!("{name}: `{r:?}` not pinned:\n{fixed}\n{report}"));
            let tag = r.tag().expect("the tag is kept");
            assert_eq!(
                digest,
                pusher.get_digest(r.path(), tag, None),
                "{name}: {}",
                r.familiar_name()
            );
            assert_eq!(
                Some(&digest.to_string()),
                pushed.get(&format!("{}:{tag}", r.familiar_name()))
            );
            redacted = redacted.replace(
                &format!(":{tag}@{digest}"),
                &format!(":{tag}@sha256:<checked against the registry>"),
            );
        }

        // The final stage runs as a non-root user.
        let last = stages.last().unwrap();
        let user = doc.instructions[last.instructions.clone()]
            .iter()
            .rev()
            .find(|i| i.kind == Kind::User)
            .map(|i| i.args_text().to_string())
            .unwrap_or_else(|| panic!("{name}: no USER in the final stage:\n{fixed}"));
        assert!(
            !["root", "0", "0:0", "root:root"].contains(&user.as_str()),
            "{name}: {user}"
        );

        // No compiler in the runtime, every file CMD/ENTRYPOINT names is there.
        let problems = dfix_transforms::multistage::check_split(
            &doc,
            dfix_transforms::multistage::Recipes::builtin(),
        );
        assert!(problems.is_empty(), "{name}: {problems:?}\n{fixed}");

        // A second run changes nothing and needs no registry request to say so.
        let again = dfix(
            work.path(),
            cache.path(),
            &["--unsafe-fixes", "--diff", "--offline", "Dockerfile"],
        );
        assert!(
            again.stdout.is_empty() || !String::from_utf8_lossy(&again.stdout).contains("@@"),
            "{name}: second run changes:\n{}",
            String::from_utf8_lossy(&again.stdout)
        );
        snapshots.insert(*name, redacted);
    }
    for (name, text) in snapshots {
        insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(format!("pipeline_{name}"), text);
        });
    }
}
