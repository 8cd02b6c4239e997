//! Parse speed: dfix's parse + document model against BuildKit's own
//! parser on the same files, in the same run, on one core; dfix's shell
//! analysis (which BuildKit does not do) timed on its own. Reads the real-world part of the corpus from `DFIX_CORPUS`.
//!
//! Run: `DFIX_CORPUS=../shared/corpus cargo bench --bench parse`

use std::path::{Path, PathBuf};
use std::time::Instant;

use dfix_grammar::Document;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    let Some(corpus) = std::env::var_os("DFIX_CORPUS") else {
        eprintln!("set DFIX_CORPUS to the shared corpus");
        return;
    };
    let real = Path::new(&corpus).join("real");
    let mut paths = Vec::new();
    files(&real, &mut paths);
    paths.sort();
    let texts: Vec<String> = paths
        .iter()
        .filter_map(|p| String::from_utf8(std::fs::read(p).ok()?).ok())
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let rounds = 20;
    // Like with like: BuildKit's parser does no shell analysis, so the
    // comparison is dfix's parse + document model; shell analysis (lazy in
    // the product: only for instructions a rule asks about) is timed alone.
    let mut best_parse = f64::MAX;
    for _ in 0..rounds {
        let t0 = Instant::now();
        let mut n = 0;
        for t in &texts {
            n += Document::parse(t).instructions.len();
        }
        std::hint::black_box(n);
        best_parse = best_parse.min(t0.elapsed().as_secs_f64());
    }
    let mut best_shell = f64::MAX;
    let mut commands = 0usize;
    for _ in 0..rounds {
        // Fresh documents each round: their shell analyses are cached.
        let docs: Vec<Document> = texts.iter().map(|t| Document::parse(t)).collect();
        let t0 = Instant::now();
        commands = 0;
        for (doc, t) in docs.iter().zip(&texts) {
            for ins in &doc.instructions {
                if let Some(script) = ins.shell_script(t) {
                    commands += script.commands().len();
                }
                for script in ins.heredoc_scripts(t) {
                    commands += script.commands().len();
                }
            }
        }
        best_shell = best_shell.min(t0.elapsed().as_secs_f64());
    }
    let parse_mbs = bytes as f64 / best_parse / 1e6;
    let shell_mbs = bytes as f64 / best_shell / 1e6;
    if std::env::var_os("DFIX_BENCH_BREAKDOWN").is_some() {
        let t0 = Instant::now();
        let docs: Vec<Document> = texts.iter().map(|t| Document::parse(t)).collect();
        let parse = t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let mut n = 0;
        for (d, t) in docs.iter().zip(&texts) {
            for ins in &d.instructions {
                if let Some(s) = ins.shell_script(t) {
                    n += s.commands().len();
                }
            }
        }
        let shell = t1.elapsed().as_secs_f64();
        // Fresh documents: the first pass cached their shell analyses.
        let docs: Vec<Document> = texts.iter().map(|t| Document::parse(t)).collect();
        let t2 = Instant::now();
        let mut m = 0;
        for (d, t) in docs.iter().zip(&texts) {
            for ins in &d.instructions {
                if let Some(s) = ins.shell_script(t) {
                    m += s.tree().map_or(0, |t| t.root_node().child_count());
                }
            }
        }
        let shell_parse = t2.elapsed().as_secs_f64();
        let t3 = Instant::now();
        let mut ts = 0;
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&dfix_grammar::language())
            .expect("language");
        for t in &texts {
            ts += parser
                .parse(t, None)
                .map(|x| x.root_node().child_count())
                .unwrap_or(0);
        }
        let ts_alone = t3.elapsed().as_secs_f64();
        println!(
            "breakdown: parse+model {parse:.3} s (tree-sitter alone {ts_alone:.3} s), shell analysis {shell:.3} s \
             (bash parse alone {shell_parse:.3} s; {n} commands, {m} nodes, {ts} nodes)"
        );
    }
    println!(
        "dfix parse+model: {} files, {:.2} MB, best of {rounds}: {best_parse:.3} s = {parse_mbs:.2} MB/s",
        texts.len(),
        bytes as f64 / 1e6
    );
    println!(
        "dfix shell analysis (alone): best of {rounds}: {best_shell:.3} s = {shell_mbs:.2} MB/s ({commands} shell commands)"
    );

    let list = std::env::temp_dir().join("dfix-bench-files.txt");
    let listing: String = paths.iter().map(|p| format!("{}\n", p.display())).collect();
    std::fs::write(&list, listing).expect("write file list");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/buildkit_parse_speed.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(&list)
        .arg(rounds.to_string())
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let s = String::from_utf8_lossy(&o.stdout);
            let mut it = s.split_whitespace();
            let bk_bytes: f64 = it.next().and_then(|x| x.parse().ok()).unwrap_or(0.0);
            let bk_secs: f64 = it.next().and_then(|x| x.parse().ok()).unwrap_or(f64::NAN);
            let bk_mbs = bk_bytes / bk_secs / 1e6;
            println!("BuildKit: best of {rounds}: {bk_secs:.3} s = {bk_mbs:.2} MB/s (PyPI dockerfile 3.4.0, BuildKit v0.12 parser)");
            println!(
                "ratio:    dfix parse+model is {:.2}x BuildKit's parser throughput (one core, same run)",
                parse_mbs / bk_mbs
            );
        }
        Ok(o) => println!(
            "BuildKit parser not measured: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => println!("BuildKit parser not measured: {e}"),
    }
}
