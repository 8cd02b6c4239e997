//! A parse that starts from a recent similar text's tree (what an editor's
//! next version and the fix loop's next round get) gives exactly the tree a
//! fresh parse gives: edits at every kind of place (continuations, quotes,
//! heredocs, the escape directive, comments) applied one after another, as
//! typing does. Our own texts always; every Dockerfile of the shared corpus
//! when `DFIX_CORPUS` is set.

use dfix_grammar::document::parse_tree_fresh;
use dfix_grammar::Document;
use tree_sitter::Tree;

/// Every node as (kind, byte range, error/missing), in document order.
fn shape(tree: &Tree) -> Vec<(u16, usize, usize, bool, bool)> {
    let mut out = Vec::new();
    let mut cursor = tree.walk();
    'walk: loop {
        let n = cursor.node();
        out.push((
            n.kind_id(),
            n.start_byte(),
            n.end_byte(),
            n.is_error(),
            n.is_missing(),
        ));
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                continue 'walk;
            }
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }
    out
}

/// Snippets typed into the text: each can change how what follows reads.
const SNIPPETS: &[&str] = &[
    "RUN echo hi\n",
    " \\\n",
    "\\",
    "\"",
    "'",
    " && apt-get install -y curl",
    "<<EOF\nline\nEOF\n",
    "# escape=`\n",
    "# syntax=docker/dockerfile:1\n",
    "FROM alpine AS build\n",
    "#",
    "\n",
    "\r\n",
    "`\n",
    "COPY <<-X /a\n\tx\n\tX\n",
    "é",
    "ONBUILD ",
    "$",
    "{",
];

/// A small deterministic generator (no dependency for tests' randomness).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, bound: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % bound.max(1)
    }
}

fn char_floor(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One edit: an insertion, a deletion or a replacement at a random place.
fn edit(text: &str, rng: &mut Lcg) -> String {
    let at = char_floor(text, rng.next(text.len() + 1));
    let len = char_floor(&text[at..], rng.next(12.min(text.len() - at) + 1));
    let snippet = SNIPPETS[rng.next(SNIPPETS.len())];
    match rng.next(3) {
        0 => format!("{}{}{}", &text[..at], snippet, &text[at..]),
        1 => format!("{}{}", &text[..at], &text[at + len..]),
        _ => format!("{}{}{}", &text[..at], snippet, &text[at + len..]),
    }
}

/// Parses `text` and `edits` successive edits of it, each through the
/// recent parses, and compares each tree with a fresh parse.
fn check(name: &str, text: &str, edits: usize, seed: u64) {
    let mut rng = Lcg(seed);
    let mut text = text.to_string();
    Document::parse(&text);
    for k in 0..edits {
        text = edit(&text, &mut rng);
        let doc = Document::parse(&text);
        let fresh = parse_tree_fresh(&text).expect("parses");
        assert_eq!(
            shape(doc.tree()),
            shape(&fresh),
            "{name}, edit {k}: the tree from a recent parse differs from a fresh one for:\n{text}"
        );
    }
}

const OWN: &str = "# syntax=docker/dockerfile:1\n\
ARG BASE=debian:12\n\
FROM ${BASE} AS build\n\
RUN apt-get update \\\n    && apt-get install -y --no-install-recommends curl \\\n    && rm -rf /var/lib/apt/lists/*\n\
COPY <<EOF /etc/app.conf\nkey = \"value\"\nEOF\n\
RUN <<-SCRIPT bash\n\tset -e\n\techo 'done'\n\tSCRIPT\n\
# a comment\n\
ENV A=1 B=\"two words\"\n\
FROM scratch\n\
COPY --from=build /etc/app.conf /\n\
ONBUILD RUN echo later\n\
CMD [\"/app\", \"--flag\"]\n";

#[test]
fn recent_parse_gives_the_fresh_tree_on_our_texts() {
    for seed in 0..200 {
        check("own", OWN, 12, seed);
    }
    let crlf = OWN.replace('\n', "\r\n");
    for seed in 0..50 {
        check("own, CRLF", &crlf, 12, seed);
    }
    let backtick = format!("# escape=`\n{}", OWN.replace('\\', "`"));
    for seed in 0..50 {
        check("own, escape=`", &backtick, 12, seed);
    }
}

#[test]
fn recent_parse_gives_the_fresh_tree_on_the_corpus() {
    let Some(corpus) = std::env::var_os("DFIX_CORPUS") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but DFIX_CORPUS is not"
        );
        eprintln!("skipped: DFIX_CORPUS is not set");
        return;
    };
    let mut files = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(corpus)];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("corpus readable").flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            if path.is_dir() && name != "expected" {
                dirs.push(path);
            } else if name.contains("Dockerfile") || name.ends_with(".dockerfile") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() > 500, "{} Dockerfiles", files.len());
    for (i, path) in files.iter().enumerate() {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        check(&path.display().to_string(), &text, 4, i as u64);
    }
}
