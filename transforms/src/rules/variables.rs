//! Build variables: where a word of an instruction reads `$NAME` or
//! `${NAME...}` as BuildKit's word expansion sees it (not inside single
//! quotes, not after the escape character), and the arguments BuildKit
//! defines on its own. Shared by the variable rules (undefined variables,
//! ARGs in FROM, ENV self-references).

use std::ops::Range;

/// The arguments BuildKit defines without an `ARG` line: the platform ones
/// (in `FROM`, and in a stage once declared) and the proxy ones, which
/// `--build-arg` may set and which BuildKit never reports.
pub const PREDEFINED_ARGS: &[&str] = &[
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
    "SOURCE_DATE_EPOCH",
    "BUILDKIT_SBOM_SCAN_CONTEXT",
    "BUILDKIT_SBOM_SCAN_STAGE",
];

/// True for an argument BuildKit defines on its own.
pub fn is_predefined(name: &str) -> bool {
    PREDEFINED_ARGS.contains(&name)
}

/// One variable read in a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarUse {
    /// The variable's name.
    pub name: String,
    /// Bytes of the whole `$NAME` / `${...}` in the word's raw text.
    pub range: Range<usize>,
    /// `${NAME:-x}`, `${NAME-x}`, `${NAME:?x}`, `${NAME?x}`, `${NAME:+x}`
    /// or `${NAME+x}` (and `$NAME` inside the `x` of the last two): the
    /// word says itself what happens when the variable is unset.
    pub handles_unset: bool,
    /// For `${NAME:-word}` / `${NAME-word}`: the default word's range in
    /// the raw text.
    pub default: Option<Range<usize>>,
}

/// The variables a word's raw text reads, outermost first; variables in a
/// `${X:-...}` default are listed after the outer one.
pub fn var_uses(raw: &str, escape: char) -> Vec<VarUse> {
    let mut out = Vec::new();
    scan(raw, 0, raw.len(), escape, &mut out);
    out
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn scan(raw: &str, start: usize, end: usize, escape: char, out: &mut Vec<VarUse>) {
    let bytes = raw.as_bytes();
    let esc = escape as u32 as u8;
    let mut i = start;
    let mut in_double = false;
    while i < end {
        let c = bytes[i];
        if escape.is_ascii() && c == esc {
            // The escaped character is literal; skip it whole.
            i += 1;
            if i < end {
                i += raw[i..].chars().next().map_or(1, char::len_utf8);
            }
            continue;
        }
        match c {
            b'\'' if !in_double => {
                // Single quotes: nothing expands up to the closing quote.
                i += 1;
                while i < end && bytes[i] != b'\'' {
                    i += 1;
                }
                i += 1;
            }
            b'"' => {
                in_double = !in_double;
                i += 1;
            }
            b'$' => {
                i = dollar(raw, i, end, escape, out);
            }
            _ => i += 1,
        }
    }
}

/// Reads the variable at `at` (a `$`); returns where scanning goes on.
fn dollar(raw: &str, at: usize, end: usize, escape: char, out: &mut Vec<VarUse>) -> usize {
    let bytes = raw.as_bytes();
    let mut i = at + 1;
    if i >= end {
        return end;
    }
    if bytes[i] == b'{' {
        i += 1;
        let name_start = i;
        while i < end && is_name_char(bytes[i]) {
            i += 1;
        }
        let name = &raw[name_start..i];
        // The matching brace, counting nested `${`.
        let mut depth = 1;
        let mut j = i;
        while j < end {
            match bytes[j] {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            j += 1;
        }
        if name.is_empty() || j >= end {
            return j.min(end);
        }
        let modifier = &raw[i..j];
        // `-` and `?` say what an unset variable gives; `+` gives nothing
        // when unset (and its word only when set).
        let handles_unset = [":-", "-", ":?", "?", ":+", "+"]
            .iter()
            .any(|m| modifier.starts_with(m));
        let default = if modifier.starts_with(":-") || modifier.starts_with(":+") {
            Some(i + 2..j)
        } else if modifier.starts_with('-') || modifier.starts_with('+') {
            Some(i + 1..j)
        } else {
            None
        };
        out.push(VarUse {
            name: name.to_string(),
            range: at..j + 1,
            handles_unset,
            default: default
                .clone()
                .filter(|_| modifier.starts_with(":-") || modifier.starts_with('-')),
        });
        if let Some(d) = default {
            let from = out.len();
            scan(raw, d.start, d.end, escape, out);
            if modifier.starts_with(":+") || modifier.starts_with('+') {
                // `${X:+...$X...}` reads X only when it is set.
                for u in &mut out[from..] {
                    if u.name == name {
                        u.handles_unset = true;
                    }
                }
            }
        }
        return j + 1;
    }
    let name_start = i;
    while i < end && is_name_char(bytes[i]) {
        i += 1;
    }
    if i > name_start {
        out.push(VarUse {
            name: raw[name_start..i].to_string(),
            range: at..i,
            handles_unset: false,
            default: None,
        });
    }
    i
}

/// The value of a word with its variables replaced through `lookup`
/// (`None`: unset), the way BuildKit expands `FROM` with the global ARGs'
/// defaults; quotes are dropped and escapes resolved. `None` when the word
/// uses a form this does not evaluate (`${X:+y}`, `${X#...}`...).
pub fn expand(raw: &str, escape: char, lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    let mut in_double = false;
    while i < raw.len() {
        let c = raw[i..].chars().next()?;
        if c == escape {
            i += c.len_utf8();
            if let Some(n) = raw[i..].chars().next() {
                out.push(n);
                i += n.len_utf8();
            }
            continue;
        }
        match c {
            '\'' if !in_double => {
                let close = raw[i + 1..].find('\'')? + i + 1;
                out.push_str(&raw[i + 1..close]);
                i = close + 1;
            }
            '"' => {
                in_double = !in_double;
                i += 1;
            }
            '$' => {
                let mut uses = Vec::new();
                let next = dollar(raw, i, raw.len(), escape, &mut uses);
                let Some(u) = uses.first() else {
                    out.push('$');
                    i += 1;
                    continue;
                };
                let value = lookup(&u.name);
                if bytes.get(i + 1) == Some(&b'{') {
                    let modifier = &raw[i + 2 + u.name.len()..u.range.end - 1];
                    let colon = modifier.starts_with(':');
                    let rest = modifier.strip_prefix(':').unwrap_or(modifier);
                    if modifier.is_empty() {
                        out.push_str(&value.unwrap_or_default());
                    } else if let Some(default) = rest.strip_prefix('-') {
                        let unset = value.is_none()
                            || (colon && value.as_deref().is_some_and(str::is_empty));
                        if unset {
                            out.push_str(&expand(default, escape, lookup)?);
                        } else {
                            out.push_str(&value.unwrap_or_default());
                        }
                    } else {
                        return None;
                    }
                } else {
                    out.push_str(&value.unwrap_or_default());
                }
                i = next;
            }
            _ => {
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(raw: &str) -> Vec<String> {
        var_uses(raw, '\\').into_iter().map(|u| u.name).collect()
    }

    #[test]
    fn reads_variables_as_buildkit_expands_them() {
        assert_eq!(names("$A/${B}x$C_d"), ["A", "B", "C_d"]);
        assert_eq!(names("'$A'\"$B\"\\$C"), ["B"]);
        assert_eq!(names("${A:-$B}"), ["A", "B"]);
        assert_eq!(names("$ ${} $1x"), ["1x"]);
        let u = &var_uses("x${A:-d}", '\\')[0];
        assert!(u.handles_unset);
        assert_eq!(u.range, 1..8);
        assert!(var_uses("${A:+d}", '\\')[0].handles_unset);
        let inner = var_uses("${A:+$A:}$B", '\\');
        assert_eq!(
            inner
                .iter()
                .map(|u| (u.name.as_str(), u.handles_unset))
                .collect::<Vec<_>>(),
            [("A", true), ("A", true), ("B", false)]
        );
        assert_eq!(var_uses("`$A", '`').len(), 0);
    }

    #[test]
    fn expands_with_defaults() {
        let lookup = |n: &str| (n == "T").then(|| "1.2".to_string());
        assert_eq!(expand("a:${T}", '\\', &lookup).as_deref(), Some("a:1.2"));
        assert_eq!(expand("a:$U", '\\', &lookup).as_deref(), Some("a:"));
        assert_eq!(
            expand("a:${U:-3.1}", '\\', &lookup).as_deref(),
            Some("a:3.1")
        );
        assert_eq!(expand("a:${T:+x}", '\\', &lookup), None);
    }
}
