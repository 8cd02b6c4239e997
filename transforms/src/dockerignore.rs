//! `.dockerignore` files with BuildKit's exact semantics (moby's
//! patternmatcher, not gitignore): patterns are anchored at the context
//! root (`.env` is the root's only; `**/.env` is any depth), `*` and `?`
//! never cross `/`, `**` crosses any number of folders, a pattern that
//! matches a folder excludes everything under it, `!` re-includes, and the
//! last matching line wins (a file can be re-included inside an excluded
//! folder). Pure: text in, answers out.

/// One pattern line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// The pattern after cleaning (no leading `/`, no `./`, no trailing `/`).
    pub text: String,
    /// `!pattern`: re-includes what it matches.
    pub negate: bool,
    /// 1-based line in the file.
    pub line: usize,
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A literal character.
    Char(char),
    /// `?`: one character but `/`.
    One,
    /// `*`: any run without `/`.
    Star,
    /// `**` before more pattern: any run of whole folders, `(.*/)?`.
    Dirs,
    /// `**` at the end: anything, `.*`.
    Rest,
    /// `[...]`: a character class (`^` negates), as Go's regexp reads it.
    Class {
        negate: bool,
        items: Vec<(char, char)>,
    },
}

/// Go's `filepath.Clean` on a `/`-separated path, as patternmatcher applies
/// it to every pattern.
fn clean(p: &str) -> String {
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            _ => out.push(part),
        }
    }
    let joined = out.join("/");
    if joined.is_empty() {
        ".".to_string()
    } else {
        joined
    }
}

fn compile(p: &str) -> Vec<Token> {
    let chars: Vec<char> = p.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '*' if chars.get(i) == Some(&'*') => {
                i += 1;
                // `**/` is `**`: the slash is eaten.
                if chars.get(i) == Some(&'/') {
                    i += 1;
                }
                out.push(if i >= chars.len() {
                    Token::Rest
                } else {
                    Token::Dirs
                });
            }
            '*' => out.push(Token::Star),
            '?' => out.push(Token::One),
            '\\' if i < chars.len() => {
                out.push(Token::Char(chars[i]));
                i += 1;
            }
            '[' => {
                let start = i;
                let negate = matches!(chars.get(i), Some('^') | Some('!'));
                if negate {
                    i += 1;
                }
                let mut items = Vec::new();
                let mut closed = false;
                while i < chars.len() {
                    let mut a = chars[i];
                    if a == ']' && i > start + usize::from(negate) {
                        closed = true;
                        i += 1;
                        break;
                    }
                    if a == '\\' && i + 1 < chars.len() {
                        i += 1;
                        a = chars[i];
                    }
                    i += 1;
                    if chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(|c| *c != ']') {
                        let b = chars[i + 1];
                        items.push((a, b));
                        i += 2;
                    } else {
                        items.push((a, a));
                    }
                }
                if closed {
                    out.push(Token::Class { negate, items });
                } else {
                    // An unclosed class is a bad pattern for BuildKit (the
                    // build fails); here it matches the text literally.
                    i = start;
                    out.push(Token::Char('['));
                }
            }
            c => out.push(Token::Char(c)),
        }
    }
    out
}

/// Does `tokens` match all of `s`? Backtracking over the few wildcards a
/// pattern has.
fn match_tokens(tokens: &[Token], s: &[char]) -> bool {
    let Some((first, rest)) = tokens.split_first() else {
        return s.is_empty();
    };
    match first {
        Token::Char(c) => s.first() == Some(c) && match_tokens(rest, &s[1..]),
        Token::One => s.first().is_some_and(|c| *c != '/') && match_tokens(rest, &s[1..]),
        Token::Class { negate, items } => {
            s.first().is_some_and(|c| {
                *c != '/' && items.iter().any(|(a, b)| (a..=b).contains(&c)) != *negate
            }) && match_tokens(rest, &s[1..])
        }
        Token::Star => {
            let max = s.iter().position(|c| *c == '/').unwrap_or(s.len());
            (0..=max).any(|n| match_tokens(rest, &s[n..]))
        }
        Token::Rest => true,
        Token::Dirs => {
            // Zero folders, or any prefix that ends with `/`.
            match_tokens(rest, s)
                || (0..s.len()).any(|n| s[n] == '/' && match_tokens(rest, &s[n + 1..]))
        }
    }
}

impl Pattern {
    /// True when the pattern matches `path` itself (not its parents).
    pub fn matches(&self, path: &str) -> bool {
        let chars: Vec<char> = path.chars().collect();
        match_tokens(&self.tokens, &chars)
    }

    /// True when the pattern has no `/` (it then matches at the root only,
    /// unlike in gitignore).
    pub fn is_slashless(&self) -> bool {
        !self.text.contains('/')
    }
}

/// A parsed `.dockerignore`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IgnoreFile {
    /// The patterns, in file order.
    pub patterns: Vec<Pattern>,
    /// Lines BuildKit rejects (a lone `!`): the build fails on them.
    pub errors: Vec<usize>,
}

impl IgnoreFile {
    /// Parses the file as BuildKit's `ignorefile.ReadAll` does: BOM
    /// stripped, `#` comments in column 1, blanks trimmed, empty lines
    /// dropped, each pattern cleaned and its leading `/` removed; the
    /// pattern `.` is dropped.
    pub fn parse(text: &str) -> IgnoreFile {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut out = IgnoreFile::default();
        for (n, line) in text.lines().enumerate() {
            if line.starts_with('#') {
                continue;
            }
            let mut p = line.trim();
            if p.is_empty() {
                continue;
            }
            let negate = p.starts_with('!');
            if negate {
                p = p[1..].trim();
                if p.is_empty() {
                    out.errors.push(n + 1);
                    continue;
                }
            }
            let cleaned = clean(p);
            let cleaned = cleaned.trim_start_matches('/').to_string();
            if cleaned == "." {
                continue;
            }
            out.patterns.push(Pattern {
                tokens: compile(&cleaned),
                text: cleaned,
                negate,
                line: n + 1,
            });
        }
        out
    }

    /// The matcher state of the context root.
    pub fn root(&self) -> State {
        State {
            hits: vec![false; self.patterns.len()],
        }
    }

    /// The state of `path` (relative to the context root), whose parent
    /// folder has state `parent`: the patterns that match it or a parent.
    /// Walking a tree with this costs one match per pattern per entry.
    pub fn child(&self, parent: &State, path: &str) -> State {
        let mut hits = parent.hits.clone();
        // One conversion per entry, not one per pattern.
        let chars: Vec<char> = path.chars().collect();
        for (h, p) in hits.iter_mut().zip(&self.patterns) {
            if !*h && match_tokens(&p.tokens, &chars) {
                *h = true;
            }
        }
        State { hits }
    }

    /// The pattern that decides `path`: the last one that matches it or a
    /// parent folder, if any.
    pub fn deciding(&self, path: &str) -> Option<&Pattern> {
        let path = path.trim_start_matches("./").trim_matches('/');
        // Plain form: parents checked one by one.
        let mut last = None;
        for p in &self.patterns {
            let mut hit = p.matches(path);
            let mut at = 0;
            while !hit {
                match path[at..].find('/') {
                    Some(j) => {
                        hit = p.matches(&path[..at + j]);
                        at += j + 1;
                    }
                    None => break,
                }
            }
            if hit {
                last = Some(p);
            }
        }
        last
    }

    /// True when `path` is left out of the build context.
    pub fn excludes(&self, path: &str) -> bool {
        self.deciding(path).is_some_and(|p| !p.negate)
    }

    /// True when the file has an `!` line (BuildKit's CopyIgnoredFile then
    /// stays silent; dfix still evaluates it).
    pub fn has_negation(&self) -> bool {
        self.patterns.iter().any(|p| p.negate)
    }
}

/// Which patterns match an entry or one of its parent folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    hits: Vec<bool>,
}

impl State {
    /// True when the entry is excluded: the last pattern that matches it
    /// (or a parent) is not a `!` one.
    pub fn excluded(&self, file: &IgnoreFile) -> bool {
        self.hits
            .iter()
            .zip(&file.patterns)
            .rev()
            .find(|(h, _)| **h)
            .is_some_and(|(_, p)| !p.negate)
    }

    /// True when some pattern under which an entry below could be
    /// re-included follows: a subtree whose folder is excluded and no later
    /// `!` pattern exists can be skipped whole.
    pub fn final_exclusion(&self, file: &IgnoreFile) -> bool {
        let Some(last) = self.hits.iter().rposition(|h| *h) else {
            return false;
        };
        !file.patterns[last].negate && !file.patterns[last + 1..].iter().any(|p| p.negate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(file: &str, path: &str) -> bool {
        IgnoreFile::parse(file).excludes(path)
    }

    #[test]
    fn anchored_at_the_root() {
        assert!(ex(".env", ".env"));
        assert!(!ex(".env", "app/.env"));
        assert!(ex("**/.env", "app/.env") && ex("**/.env", ".env"));
        assert!(ex("*.pem", "key.pem") && !ex("*.pem", "certs/key.pem"));
        assert!(ex("/foo/bar/", "foo/bar") && ex("./foo//bar", "foo/bar"));
    }

    #[test]
    fn stars_and_folders() {
        assert!(ex("node_modules", "node_modules/a/b/index.js"));
        assert!(ex("**/node_modules", "packages/x/node_modules/y.js"));
        assert!(!ex("*/x", "a/b/x") && ex("*/x", "a/x"));
        assert!(ex("a/**/b", "a/b") && ex("a/**/b", "a/x/y/b"));
        assert!(ex("a/**", "a/x/y") && ex("**", "anything/at/all"));
        assert!(ex("?.txt", "a.txt") && !ex("?.txt", "ab.txt"));
        assert!(ex("[a-c].txt", "b.txt") && !ex("[^a-c].txt", "b.txt"));
        assert!(ex("\\*.txt", "*.txt") && !ex("\\*.txt", "a.txt"));
        assert!(ex(".env*", ".env.local") && !ex(".env*", "x/.env.local"));
    }

    #[test]
    fn last_match_wins_and_reinclude_inside_excluded_folder() {
        let f = "docs\n!docs/keep.md\n*.md\n!README.md\n";
        assert!(ex(f, "docs/a.txt"));
        // `*.md` is anchored at the root: it does not reach docs/keep.md.
        assert!(!ex(f, "docs/keep.md"));
        assert!(!ex(f, "README.md") && ex(f, "CHANGES.md"));
        let f = IgnoreFile::parse("docs\n!docs/keep.md\n");
        assert!(
            !f.excludes("docs/keep.md"),
            "re-included inside an excluded folder"
        );
        assert_eq!(f.deciding("docs/keep.md").map(|p| p.line), Some(2));
    }

    #[test]
    fn parsing() {
        let f = IgnoreFile::parse("\u{feff}# comment\n  .git  \n\n .\n!\n #x\n");
        let texts: Vec<&str> = f.patterns.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts, [".git", "#x"]);
        assert_eq!(f.errors, [5]);
    }

    #[test]
    fn walking_states_agree_with_direct_answers() {
        let f = IgnoreFile::parse("a\n!a/b\na/b/c\n**/*.log\n");
        for path in ["a/x", "a/b/y", "a/b/c/z", "q/w.log", "w.log", "keep"] {
            let mut state = f.root();
            for (i, c) in path.char_indices() {
                if c == '/' {
                    state = f.child(&state, &path[..i]);
                }
            }
            state = f.child(&state, path);
            assert_eq!(state.excluded(&f), f.excludes(path), "{path}");
        }
    }
}
