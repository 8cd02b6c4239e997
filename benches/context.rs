//! Build-context speed: listing and matching a context with a
//! `node_modules` of 100,000 files against a typical `.dockerignore`
//! (the bar: under a second). The tree is created in a temporary folder.
//!
//! The `.dockerignore` rules' planner (DF601/DF602/DF604) runs over the
//! same listing, in every fix round: it is timed too, without an ignore
//! file (the file DF601 creates) and with the typical one (the checks of
//! DF602 and DF604), against the same bar.
//!
//! Run: `cargo bench --bench context`

use std::time::Instant;

use dfix::build_context::walk;
use dfix_transforms::context::{ContextListing, IgnoreSource};
use dfix_transforms::dockerignore::IgnoreFile;

const FILES: usize = 100_000;

fn main() {
    let d = tempfile::tempdir().expect("a temporary folder");
    let root = d.path();
    let t = Instant::now();
    // 1,000 packages of 100 files in nested folders, like npm's layout.
    for p in 0..FILES / 100 {
        let pkg = root.join(format!("node_modules/pkg{p}/lib/sub{}", p % 7));
        std::fs::create_dir_all(&pkg).expect("create");
        for f in 0..100 {
            std::fs::write(pkg.join(format!("f{f}.js")), "").expect("write");
        }
    }
    for f in ["package.json", "server.js", ".env", "id_rsa", "Dockerfile"] {
        std::fs::write(root.join(f), "").expect("write");
    }
    eprintln!("created {FILES} files in {:.2?}", t.elapsed());
    let ignore_text =
        "# secrets\n**/.env\n**/.env.*\n**/*.pem\n**/*.key\n**/.aws\n**/.ssh\n**/id_rsa*\n\
         **/id_ed25519*\n**/credentials.json\n**/*.p12\n**/*.pfx\n.git\n**/.git\n\
         # node\n**/node_modules\n**/npm-debug.log*\n**/yarn-error.log*\n**/.npm\n!README.md\n";
    let ignore = IgnoreFile::parse(ignore_text);
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let w = walk(root, &ignore);
        let secs = t.elapsed().as_secs_f64();
        best = best.min(secs);
        let excluded = w.entries.iter().filter(|e| e.excluded).count();
        eprintln!(
            "listed {} files, {excluded} excluded, in {secs:.3} s",
            w.entries.len()
        );
        assert_eq!(w.entries.len(), FILES + 5);
        assert_eq!(excluded, FILES + 2);
    }
    println!("context listing + matching, {FILES} files: best {best:.3} s");
    let mut files: Vec<String> = walk(root, &IgnoreFile::default())
        .entries
        .into_iter()
        .map(|e| e.path)
        .collect();
    files.sort();
    let doc = dfix_grammar::Document::parse(
        "FROM node:22-slim\nCOPY package.json ./\nRUN npm ci\nCOPY . .\n",
    );
    let mut plan_worst: f64 = 0.0;
    for ignore in [None, Some(ignore_text)] {
        let listing = ContextListing {
            files: files.clone(),
            ignore: ignore.map(|t| IgnoreSource {
                path: ".dockerignore".into(),
                text: t.into(),
            }),
            dockerfile: "Dockerfile".into(),
            ..ContextListing::default()
        };
        let t = Instant::now();
        let planned = dfix_transforms::ignore_fix::plan(&doc, &listing);
        let secs = t.elapsed().as_secs_f64();
        eprintln!(
            "planned the ignore file ({}): {} findings in {secs:.3} s",
            if ignore.is_some() {
                "existing"
            } else {
                "missing"
            },
            planned.len()
        );
        plan_worst = plan_worst.max(secs);
    }
    println!(".dockerignore planner, {FILES} files: slowest {plan_worst:.3} s");
    if best >= 1.0 || plan_worst >= 1.0 {
        eprintln!("slower than the 1 s bar");
        std::process::exit(1);
    }
}
