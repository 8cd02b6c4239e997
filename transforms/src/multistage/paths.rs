//! Paths and variables: expanding `$VAR` / `${VAR}` with what a stage
//! declared, and resolving paths against the working directory.

use std::collections::HashMap;

/// Expands `$NAME`, `${NAME}`, `${NAME:-default}` and `${NAME-default}` in
/// `raw` and removes quotes. `None` when a variable has no known value or
/// the word uses other expansions (`$(...)`, `${#X}`, ...).
pub fn expand(raw: &str, vars: &HashMap<String, String>) -> Option<String> {
    let mut out = String::new();
    let chars: Vec<char> = raw.chars().collect();
    let mut i = 0;
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' if quote.is_none() => quote = Some('\''),
            '\'' if quote == Some('\'') => quote = None,
            '"' if quote.is_none() => quote = Some('"'),
            '"' if quote == Some('"') => quote = None,
            '\\' if quote != Some('\'') && i + 1 < chars.len() => {
                out.push(chars[i + 1]);
                i += 1;
            }
            '$' if quote != Some('\'') && i + 1 < chars.len() => {
                if chars[i + 1] == '{' {
                    let close = chars[i..].iter().position(|&c| c == '}')? + i;
                    let inner: String = chars[i + 2..close].iter().collect();
                    let (name, default) = match inner.find([':', '-']) {
                        Some(p) => {
                            let rest = inner[p..].trim_start_matches(':');
                            let d = rest.strip_prefix('-')?;
                            (inner[..p].to_string(), Some(d.to_string()))
                        }
                        None => (inner.clone(), None),
                    };
                    if !is_name(&name) {
                        return None;
                    }
                    match vars
                        .get(&name)
                        .filter(|v| !v.is_empty())
                        .or(default.as_ref())
                    {
                        Some(v) => out.push_str(v),
                        None => return None,
                    }
                    i = close;
                } else if chars[i + 1].is_ascii_alphabetic() || chars[i + 1] == '_' {
                    let mut j = i + 1;
                    while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                        j += 1;
                    }
                    let name: String = chars[i + 1..j].iter().collect();
                    out.push_str(vars.get(&name)?);
                    i = j - 1;
                } else {
                    return None;
                }
            }
            '`' if quote != Some('\'') => return None,
            _ => out.push(c),
        }
        i += 1;
    }
    Some(out)
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// The variable names `raw` refers to.
pub fn referenced_vars(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    let b = raw.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            let start = if b.get(i + 1) == Some(&b'{') {
                i + 2
            } else {
                i + 1
            };
            let mut j = start;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            if j > start {
                out.push(raw[start..j].to_string());
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// `path` made absolute against `cwd` and normalised (`.`, `..`, `//`);
/// a trailing `/` is kept.
pub fn resolve(cwd: &str, path: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{}/{}", cwd.trim_end_matches('/'), path)
    };
    let trailing = joined.ends_with('/') && joined.len() > 1;
    let mut parts: Vec<&str> = Vec::new();
    for p in joined.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let mut out = format!("/{}", parts.join("/"));
    if trailing && out != "/" {
        out.push('/');
    }
    out
}

/// True when `path` is `dir` or inside it.
pub fn is_under(path: &str, dir: &str) -> bool {
    let d = dir.trim_end_matches('/');
    let p = path.trim_end_matches('/');
    d.is_empty() || p == d || p.starts_with(&format!("{d}/"))
}

/// The last component of a path.
pub fn basename(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
}

/// The folder of a path (`/a/b` → `/a`).
pub fn dirname(path: &str) -> &str {
    let t = path.trim_end_matches('/');
    match t.rfind('/') {
        Some(0) => "/",
        Some(i) => &t[..i],
        None => ".",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_and_resolves() {
        let vars: HashMap<String, String> = [("BIN".to_string(), "server".to_string())]
            .into_iter()
            .collect();
        assert_eq!(expand("/out/${BIN}", &vars).as_deref(), Some("/out/server"));
        assert_eq!(
            expand("\"/out/$BIN\"", &vars).as_deref(),
            Some("/out/server")
        );
        assert_eq!(expand("${X:-a}/b", &vars).as_deref(), Some("a/b"));
        assert_eq!(expand("'$BIN'", &vars).as_deref(), Some("$BIN"));
        assert!(expand("$NOPE", &vars).is_none());
        assert!(expand("$(pwd)/x", &vars).is_none());
        assert_eq!(referenced_vars("/a/${B}/$C_1"), ["B", "C_1"]);
        assert_eq!(resolve("/src", "./bin/../out/app"), "/src/out/app");
        assert_eq!(resolve("/src/", "dist/"), "/src/dist/");
        assert_eq!(resolve("/", "/x"), "/x");
        assert!(is_under("/app/dist/a.js", "/app/dist/"));
        assert!(!is_under("/application", "/app"));
        assert_eq!(basename("/a/b/"), "b");
        assert_eq!(dirname("/a/b"), "/a");
        assert_eq!(dirname("/a"), "/");
    }
}
