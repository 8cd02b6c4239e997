//! Shared analysis of the secret rules (DF210 secret-in-arg, DF211
//! secret-in-env, DF213 hardcoded-credential): which names are secret-like
//! (`transforms/data/secrets.toml`), which of them hold public values, who
//! reads a variable, and the edits that move a variable into a BuildKit
//! secret mount.

pub mod credentials;

use std::ops::Range;
use std::sync::OnceLock;

use dfix_grammar::{Document, Instruction, Kind};
use serde::Deserialize;

use crate::edit::Edit;

/// The built-in data: `transforms/data/secrets.toml`.
pub const BUILTIN: &str = include_str!("../../data/secrets.toml");

/// A name whose value is public however secret it sounds.
#[derive(Debug, Clone, Deserialize)]
pub struct PublicName {
    /// Upper-case pattern; `*` is any run of characters.
    pub name: String,
    /// Why the value is public, for the finding.
    pub why: String,
}

/// Which value shapes count as public.
#[derive(Debug, Clone, Deserialize)]
pub struct PublicValues {
    /// `scheme://...`
    pub url: bool,
    /// `/...`, `./...`, `~/...`
    pub path: bool,
    /// Hex fingerprints and key ids.
    pub fingerprint: bool,
    /// true/false/yes/no/on/off/0/1.
    pub switch: bool,
}

/// The name heuristic and its exclusions.
#[derive(Debug, Clone, Deserialize)]
pub struct SecretNames {
    /// Words that make a name secret-like (BuildKit's deny list).
    pub deny: Vec<String>,
    /// Words that make it not (BuildKit's allow list).
    pub allow: Vec<String>,
    /// Names reported whatever their words (Trivy's list).
    pub exact: Vec<String>,
    /// Prefixes under which the exact names are reported too.
    pub prefixes: Vec<String>,
    /// Names with public values.
    pub public: Vec<PublicName>,
    /// Value shapes with public values.
    pub values: PublicValues,
}

impl SecretNames {
    /// The built-in data. The file is part of the source: a syntax error in
    /// it fails the unit test below, so the fallback (no names at all) never
    /// ships.
    pub fn builtin() -> &'static SecretNames {
        static DATA: OnceLock<SecretNames> = OnceLock::new();
        DATA.get_or_init(|| {
            crate::builtin_data::parse(crate::builtin_data::SECRETS).unwrap_or_else(|_| {
                SecretNames {
                    deny: Vec::new(),
                    allow: Vec::new(),
                    exact: Vec::new(),
                    prefixes: Vec::new(),
                    public: Vec::new(),
                    values: PublicValues {
                        url: true,
                        path: true,
                        fingerprint: true,
                        switch: true,
                    },
                }
            })
        })
    }

    /// One of Trivy's exact names, bare or behind a prefix.
    fn is_exact(&self, name: &str) -> bool {
        let upper = name.to_ascii_uppercase();
        let bare = self
            .prefixes
            .iter()
            .find_map(|p| upper.strip_prefix(p.as_str()))
            .unwrap_or(&upper);
        self.exact.iter().any(|e| *e == upper || e == bare)
    }

    /// True when `name` sounds secret: BuildKit's word heuristic (a `_`
    /// word is a deny word and none is an allow word), or Trivy's names.
    pub fn is_secret(&self, name: &str) -> bool {
        if self.is_exact(name) {
            return true;
        }
        let words: Vec<String> = name.split('_').map(str::to_ascii_lowercase).collect();
        let has = |list: &[String]| words.iter().any(|w| list.iter().any(|l| l == w));
        has(&self.deny) && !has(&self.allow)
    }

    /// Why the value of `name` (with `value`, when known and literal) is
    /// public, or `None` when it may be secret. Trivy's exact names are
    /// always secret.
    pub fn public_reason(&self, name: &str, value: Option<&str>) -> Option<String> {
        if self.is_exact(name) {
            return None;
        }
        let upper = name.to_ascii_uppercase();
        if let Some(p) = self.public.iter().find(|p| glob(&p.name, &upper)) {
            return Some(format!("`{name}` names {}", p.why));
        }
        let v = value?.trim();
        let shape = if self.values.url && v.contains("://") {
            "a URL"
        } else if self.values.path
            && (v.starts_with('/') || v.starts_with("./") || v.starts_with("~/"))
        {
            "a path"
        } else if self.values.fingerprint && names_a_key(name) && is_fingerprint(v) {
            "a key fingerprint or id"
        } else if self.values.switch
            && ["true", "false", "yes", "no", "on", "off", "0", "1"]
                .iter()
                .any(|s| v.eq_ignore_ascii_case(s))
        {
            "a switch"
        } else {
            return None;
        };
        Some(format!("the value of `{name}` is {shape}, which is public"))
    }
}

/// `*`-only glob over the whole text.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// True when the name is about a key and nothing more secret: a hex
/// value is then a fingerprint (`RELEASE_KEY=0x...`), while under
/// `API_TOKEN` or `SECRET_KEY` the same hex is a secret.
fn names_a_key(name: &str) -> bool {
    let words: Vec<String> = name.split('_').map(str::to_ascii_lowercase).collect();
    words.iter().any(|w| w == "key" || w == "keys")
        && !words.iter().any(|w| {
            [
                "secret",
                "token",
                "password",
                "passwd",
                "pword",
                "apikey",
                "api",
                "auth",
                "credential",
                "credentials",
                "private",
                "access",
                "client",
                "license",
            ]
            .contains(&w.as_str())
        })
}

/// A key fingerprint or key id: 8 or more hex digits (optionally `0x`),
/// alone or several separated by blanks or commas (lists of key ids).
fn is_fingerprint(v: &str) -> bool {
    let groups: Vec<&str> = v
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|g| !g.is_empty())
        .collect();
    let hex = |g: &str| {
        let g = g.strip_prefix("0x").unwrap_or(g);
        g.len() >= 4 && g.chars().all(|c| c.is_ascii_hexdigit())
    };
    let digits: usize = groups
        .iter()
        .map(|g| g.strip_prefix("0x").unwrap_or(g).len())
        .sum();
    !groups.is_empty() && groups.iter().all(|g| hex(g)) && digits >= 8
        // A random hex token is as secret as any other: fingerprints are
        // 8 (short id), 16 (long id) or 40 (v4 fingerprint) digits each.
        && groups.iter().all(|g| {
            let n = g.strip_prefix("0x").unwrap_or(g).len();
            (groups.len() > 1 && n == 4) || matches!(n, 8 | 16 | 40)
        })
}

/// True when `text` expands the variable `name` (`$NAME`, `${NAME}`,
/// `${NAME:-x}`, ...).
pub fn references(text: &str, name: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(off) = text[i..].find('$') {
        let mut j = i + off + 1;
        if b.get(j) == Some(&b'{') {
            j += 1;
        }
        let start = j;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
            j += 1;
        }
        if &text[start..j] == name {
            return true;
        }
        i = (i + off + 1).max(start);
    }
    false
}

/// The single variable a value consists of (`$X`, `${X}`), if it is one.
pub fn sole_variable(value: &str) -> Option<&str> {
    let v = value.strip_prefix('$')?;
    let v = match v.strip_prefix('{') {
        Some(inner) => inner.strip_suffix('}')?,
        None => v,
    };
    (!v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then_some(v)
}

/// One `NAME[=value]` of an ARG or ENV.
#[derive(Debug, Clone)]
pub struct Pair {
    /// The name.
    pub name: String,
    /// The value (quotes removed, variables kept); `None` for `ARG NAME`.
    pub value: Option<String>,
    /// The value as written (for variable checks outside quotes).
    pub raw_value: Option<String>,
    /// Bytes of the pair (for legacy `ENV k v`: the whole arguments).
    pub span: Range<usize>,
    /// Index of the word among the instruction's words (0 for legacy ENV).
    pub word: usize,
}

/// The pairs of an ARG or ENV instruction.
pub fn pairs(ins: &Instruction) -> Vec<Pair> {
    let legacy = ins.kind == Kind::Env && ins.words.first().is_some_and(|w| !w.raw.contains('='));
    if legacy {
        let Some(first) = ins.words.first() else {
            return Vec::new();
        };
        let rest: Vec<&str> = ins.words[1..].iter().map(|w| w.value()).collect();
        let raw: Vec<&str> = ins.words[1..].iter().map(|w| w.raw.as_str()).collect();
        return vec![Pair {
            name: first.value().to_string(),
            value: Some(rest.join(" ")),
            raw_value: Some(raw.join(" ")),
            span: ins.args_span(),
            word: 0,
        }];
    }
    ins.words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let (name, value, raw_value) = match (w.raw.find('='), w.unquoted.find('=')) {
                (Some(r), Some(u)) => (
                    w.unquoted[..u].to_string(),
                    Some(w.unquoted[u + 1..].to_string()),
                    Some(w.raw[r + 1..].to_string()),
                ),
                _ => (w.unquoted.clone(), None, None),
            };
            Pair {
                name,
                value,
                raw_value,
                span: w.span.clone(),
                word: i,
            }
        })
        .collect()
}

/// The edit that removes one pair from its instruction: the whole
/// instruction when it is the only one, else the word and the blank (and
/// continuation) before it.
pub fn remove_pair(doc: &Document, ins: &Instruction, pair: &Pair) -> Edit {
    let legacy_env =
        ins.kind == Kind::Env && ins.words.first().is_some_and(|w| !w.raw.contains('='));
    if ins.words.len() <= 1 || legacy_env {
        return Edit::delete(crate::style::instruction_lines(doc, ins));
    }
    let w = &ins.words[pair.word];
    if pair.word == 0 {
        Edit::delete(w.span.start..ins.words[1].span.start)
    } else {
        Edit::delete(ins.words[pair.word - 1].span.end..w.span.end)
    }
}

/// The index range of the stage holding instruction `i` (global
/// instructions before the first FROM: `0..first FROM`), and the stage's
/// index (`None` for the global ones).
pub fn stage_of(doc: &Document, i: usize) -> (Option<usize>, Range<usize>) {
    let stages = doc.stages();
    for s in stages {
        if s.instructions.contains(&i) {
            return (Some(s.index), s.instructions.clone());
        }
    }
    let first = stages.first().map_or(doc.instructions.len(), |s| s.from);
    (None, 0..first)
}

/// The stages that build on stage `s` (`FROM <name of s>`), transitively,
/// as instruction ranges.
pub fn child_stages(doc: &Document, s: usize) -> Vec<Range<usize>> {
    let stages = doc.stages();
    let mut parents = vec![s];
    let mut out = Vec::new();
    for st in &stages[s + 1..] {
        let base = st.base.as_ref().map(|b| b.value().to_ascii_lowercase());
        let child = parents.iter().any(|&p| {
            stages[p]
                .name
                .as_ref()
                .is_some_and(|n| Some(n.value().to_ascii_lowercase()) == base)
        });
        if child {
            parents.push(st.index);
            out.push(st.instructions.clone());
        }
    }
    out
}

/// Who reads a variable in a run of instructions.
#[derive(Debug, Default)]
pub struct Readers {
    /// RUN instructions (indices) that get the variable in their
    /// environment.
    pub runs: Vec<usize>,
    /// Why the variable cannot become a secret mount: non-RUN readers.
    pub blockers: Vec<String>,
}

const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh"];

/// True when the RUN feeds its heredocs to a shell (`RUN <<EOF`,
/// `RUN bash <<EOF`); otherwise a heredoc is a file body or a program's
/// input, and what it expands stays in that file.
fn runs_heredoc(ins: &Instruction) -> bool {
    let first = ins.words.first().map(|w| w.value()).unwrap_or("");
    first.starts_with("<<") || SHELLS.contains(&first.rsplit('/').next().unwrap_or(first))
}

/// The readers of variable `name` among the instructions `range`: every
/// RUN gets it in its environment; any other instruction that expands it
/// (ENV, LABEL, COPY, FROM, ...), a RUN flag, or a heredoc written to a
/// file is a blocker.
pub fn readers(doc: &Document, range: Range<usize>, name: &str) -> Readers {
    let mut out = Readers::default();
    for i in range {
        let ins = &doc.instructions[i];
        let line = ins.start_line;
        match ins.kind {
            // Run-time instructions and ONBUILD (a later build, with its own
            // arguments) do not see build arguments.
            Kind::Cmd
            | Kind::Entrypoint
            | Kind::Healthcheck
            | Kind::Shell
            | Kind::Onbuild
            | Kind::Maintainer => {}
            Kind::Run => {
                if ins.flags.iter().any(|f| references(&f.raw, name)) {
                    out.blockers
                        .push(format!("a flag of the RUN on line {line} expands it"));
                }
                if !runs_heredoc(ins)
                    && ins
                        .heredocs
                        .iter()
                        .any(|h| h.expand && references(&h.content, name))
                {
                    out.blockers.push(format!(
                        "the heredoc of the RUN on line {line} writes it into a file"
                    ));
                }
                out.runs.push(i);
            }
            _ => {
                let text = &ins.logical.text;
                let in_heredoc = ins
                    .heredocs
                    .iter()
                    .any(|h| h.expand && references(&h.content, name));
                if references(text, name) || in_heredoc {
                    let what = ins
                        .kind
                        .canonical()
                        .unwrap_or(ins.keyword.as_str())
                        .to_string();
                    let how = if in_heredoc {
                        "writes it into a file"
                    } else {
                        "expands it"
                    };
                    out.blockers
                        .push(format!("the {what} on line {line} {how}"));
                }
            }
        }
    }
    out
}

/// True when the RUN already mounts a secret into the variable `env`.
fn has_secret_env(ins: &Instruction, env: &str) -> bool {
    ins.flags.iter().any(|f| {
        f.name.eq_ignore_ascii_case("mount")
            && f.value.as_deref().is_some_and(|v| {
                let parts: Vec<&str> = v.split(',').map(str::trim).collect();
                parts.contains(&"type=secret") && parts.contains(&format!("env={env}").as_str())
            })
    })
}

/// The insertions that give each RUN in `runs` a secret mount of `id` in
/// the variable `env` (before its other flags), skipping RUNs that have
/// one already.
pub fn mount_edits(doc: &Document, runs: &[usize], id: &str, env: &str) -> Vec<Edit> {
    runs.iter()
        .map(|&i| &doc.instructions[i])
        .filter(|ins| !has_secret_env(ins, env))
        .map(|ins| {
            let at = ins
                .flags
                .first()
                .map_or_else(|| ins.args_span().start, |f| f.span.start);
            Edit::insert(at, format!("--mount=type=secret,id={id},env={env} "))
        })
        .collect()
}

/// The Dockerfile frontend version that knows `--mount=type=secret,env=`.
const ENV_MOUNT_SINCE: (u32, u32) = (1, 10);

/// The edit that adds `# syntax=docker/dockerfile:1` at the top when the
/// file has no syntax directive (`Ok(None)` when its directive is recent
/// enough), or why the file's directive rules out `env=` secret mounts.
pub fn syntax_edit(doc: &Document) -> Result<Option<Edit>, String> {
    let Some(d) = doc.directives.iter().find(|d| d.name == "syntax") else {
        let at = if doc.source().starts_with('\u{feff}') {
            '\u{feff}'.len_utf8()
        } else {
            0
        };
        return Ok(Some(Edit::insert(
            at,
            format!("# syntax=docker/dockerfile:1{}", doc.line_ending()),
        )));
    };
    let value = d.value.split('@').next().unwrap_or("").trim();
    let (image, tag) = value.rsplit_once(':').unwrap_or((value, "latest"));
    let image = image.trim_start_matches("docker.io/");
    if !matches!(image, "docker/dockerfile" | "docker/dockerfile-upstream") {
        return Err(format!(
            "the syntax directive names another frontend (`{value}`)"
        ));
    }
    let version = tag.split('-').next().unwrap_or("");
    let nums: Vec<u32> = version.split('.').map_while(|n| n.parse().ok()).collect();
    let ok = match nums.as_slice() {
        _ if version == "latest" || version == "labs" => true,
        [major] => *major >= 1,
        [major, minor, ..] => (*major, *minor) >= ENV_MOUNT_SINCE,
        [] => false,
    };
    if ok {
        Ok(None)
    } else {
        Err(format!(
            "the syntax directive pins `{value}`, older than the 1.10 frontend that knows `env=` secret mounts"
        ))
    }
}

/// True when the stage at `from` (a FROM instruction) builds a Windows
/// image, where secret mounts do not work.
pub fn is_windows(doc: &Document, range: &Range<usize>) -> bool {
    let Some(ins) = doc.instructions.get(range.start) else {
        return false;
    };
    if ins.kind != Kind::From {
        return false;
    }
    let base = ins
        .words
        .first()
        .map(|w| w.value().to_ascii_lowercase())
        .unwrap_or_default();
    ["windows", "nanoserver", "servercore"]
        .iter()
        .any(|w| base.contains(w))
}

/// "the RUN that follows" / "the 3 RUNs that follow", for fix messages.
pub fn runs_phrase(n: usize) -> String {
    if n == 1 {
        "the RUN that follows".to_string()
    } else {
        format!("the {n} RUNs that follow")
    }
}

/// How the build passes the secret now, for the messages.
pub fn how_to_pass(id: &str, env: &str) -> String {
    format!(
        "pass it with `docker build --secret id={id},env={env}` (Compose: `build.secrets: [{id}]` and a top-level `secrets: {{{id}: {{environment: {env}}}}}`; CI: the build action's `secrets:`)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_parses_and_heuristic_matches_buildkit() {
        toml::from_str::<SecretNames>(BUILTIN).unwrap();
        let n = SecretNames::builtin();
        // BuildKit's own test cases (dockerfile_check_test.go).
        for yes in [
            "DATABASE_PASSWORD",
            "GITHUB_TOKEN",
            "NPM_TOKEN",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "API_KEY",
            "apiKey",
            "SECRET_KEY_BASE",
            "git_key",
            "super_duper_secret_token",
            "GPG_KEY",
            "AZURE_CLIENT_ID",
            "VITE_OPENAI_API_KEY",
        ] {
            assert!(n.is_secret(yes), "{yes}");
        }
        for no in [
            "DB_PASS",
            "githubToken",
            "KEYCLOAK_URL",
            "TOKENIZERS_PARALLELISM",
            "PUBLIC_KEY",
            "public_token",
            "SECRET_PASSPHRASE_FILE",
            "password_file",
            "AUTH_MODULE_VERSION",
        ] {
            assert!(!n.is_secret(no), "{no}");
        }
    }

    #[test]
    fn public_values() {
        let n = SecretNames::builtin();
        for (name, value) in [
            ("GPG_KEY", None),
            ("RABBITMQ_PGP_KEY_ID", None),
            ("OPENSSL_PGP_KEY_IDS", None),
            ("WORDPRESS_CLI_GPG_KEY", None),
            ("GOSU_KEY", None),
            ("APT_KEY_DONT_WARN_ON_DANGEROUS_USAGE", Some("1")),
            ("SSH_AUTH_SOCK", None),
            ("NODE_GPG_KEY_URL", None),
            ("RELEASE_KEY", Some("0x8C718D3B5072E1F5")),
            (
                "SIGNING_KEY",
                Some("B42F 6819 007F 00F8 8E36  4FD4 036A 9C25 BF35 7DD4"),
            ),
            ("AUTH_TOKEN", Some("https://example.com/token")),
            ("SECRET_KEY", Some("/run/secrets/key")),
        ] {
            assert!(n.public_reason(name, value).is_some(), "{name}");
        }
        for (name, value) in [
            ("LICENSE_KEY", Some("lgNvGyhnUKpa5PJi")),
            ("AWS_ACCESS_KEY_ID", None),
            ("NPM_TOKEN", None),
            (
                "API_TOKEN",
                Some("3f2a9c7e1b5d4f6a8c0e2b4d6f8a0c1e3b5d7f9a2c4e6b8d"),
            ),
        ] {
            assert!(n.public_reason(name, value).is_none(), "{name}");
        }
    }

    #[test]
    fn variable_references() {
        assert!(references("echo $NPM_TOKEN", "NPM_TOKEN"));
        assert!(references("x=${NPM_TOKEN:-}", "NPM_TOKEN"));
        assert!(!references("echo $NPM_TOKEN2 ${NPM_TOKENS}", "NPM_TOKEN"));
        assert!(!references("echo $$ NPM_TOKEN", "NPM_TOKEN"));
        assert_eq!(sole_variable("${A_B}"), Some("A_B"));
        assert_eq!(sole_variable("$A"), Some("A"));
        assert_eq!(sole_variable("x$A"), None);
        assert!(glob("*GPG_KEY*", "PYTHON_GPG_KEY_URL"));
        assert!(glob("GOSU_KEY", "GOSU_KEY") && !glob("GOSU_KEY", "GOSU_KEYS"));
    }

    #[test]
    fn syntax_directive_versions() {
        let ok = |v: &str| syntax_edit(&Document::parse(&format!("# syntax={v}\nFROM a\n")));
        assert!(matches!(ok("docker/dockerfile:1"), Ok(None)));
        assert!(matches!(ok("docker/dockerfile:1.10"), Ok(None)));
        assert!(matches!(ok("docker/dockerfile:1.12-labs"), Ok(None)));
        assert!(matches!(ok("docker/dockerfile"), Ok(None)));
        assert!(ok("docker/dockerfile:1.4").is_err());
        assert!(ok("example.com/frontend:2").is_err());
        let none = syntax_edit(&Document::parse("FROM a\r\n"))
            .unwrap()
            .unwrap();
        assert_eq!(none.replacement, "# syntax=docker/dockerfile:1\r\n");
    }
}
