//! Compose files: a lossless YAML tree (tree-sitter-yaml) read into a small
//! owned model of mappings, sequences and scalars, each with its byte span,
//! plus what a fixer must not touch (anchors, aliases, merge keys, tags).
//!
//! The model never changes the text: fixes are byte splices on
//! [`ComposeFile::source`], and an unedited file prints back byte for byte.
//! Parsing never fails; problems are values in [`ComposeFile::errors`] (YAML
//! syntax errors) and [`ComposeFile::not_compose`] (valid YAML that is not a
//! Compose file, or that the model cannot place).

use std::ops::Range;

use tree_sitter::{Node, Parser};

use crate::document::ParseError;

/// How a scalar is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    /// `value`
    Plain,
    /// `'value'`
    Single,
    /// `"value"`
    Double,
    /// `|` or `>`
    Block,
}

/// A scalar: its value (quotes removed, simple escapes decoded) and style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar {
    /// The value as YAML reads it (block scalars: the raw text).
    pub value: String,
    /// How it is written.
    pub style: ScalarStyle,
}

/// One key of a mapping, with its value.
#[derive(Debug, Clone)]
pub struct Pair {
    /// The key's value (`<<` for a merge key).
    pub key: String,
    /// The key's bytes.
    pub key_span: Range<usize>,
    /// The whole pair, from the key to the end of the value.
    pub span: Range<usize>,
    /// The value; `None` for `key:` with nothing after it (null).
    pub value: Option<Node_>,
}

/// A mapping: block (`k: v` lines) or flow (`{k: v}`).
#[derive(Debug, Clone)]
pub struct Map {
    /// Written `{...}`.
    pub flow: bool,
    /// The pairs in source order.
    pub pairs: Vec<Pair>,
}

/// One sequence item.
#[derive(Debug, Clone)]
pub struct Item {
    /// The item's bytes (block: from `-` to the end of its value).
    pub span: Range<usize>,
    /// The value; `None` for an empty `-`.
    pub value: Option<Node_>,
}

/// A sequence: block (`- x` lines) or flow (`[x, y]`).
#[derive(Debug, Clone)]
pub struct Seq {
    /// Written `[...]`.
    pub flow: bool,
    /// The items in source order.
    pub items: Vec<Item>,
}

/// What a node holds.
#[derive(Debug, Clone)]
pub enum Value {
    /// A mapping.
    Map(Map),
    /// A sequence.
    Seq(Seq),
    /// A scalar.
    Scalar(Scalar),
    /// `*name`: a copy of an anchored node elsewhere.
    Alias(String),
}

/// A YAML node: its value, where its content is, and its anchor and tag.
/// (Named with a trailing underscore so it does not shadow tree-sitter's.)
#[derive(Debug, Clone)]
pub struct Node_ {
    /// The content's bytes (without anchor and tag).
    pub span: Range<usize>,
    /// `&name` before it.
    pub anchor: Option<String>,
    /// `!tag` before it (`!reset`, `!override`).
    pub tag: Option<String>,
    /// The value.
    pub value: Value,
}

impl Node_ {
    /// The mapping, if it is one.
    pub fn as_map(&self) -> Option<&Map> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The sequence, if it is one.
    pub fn as_seq(&self) -> Option<&Seq> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The scalar, if it is one.
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// True when this node or anything inside it is an alias, or carries an
    /// anchor or a tag: then editing it changes (or is changed by) text
    /// elsewhere, and a fixer leaves it alone.
    pub fn is_shared(&self) -> bool {
        if self.anchor.is_some() || self.tag.is_some() {
            return true;
        }
        match &self.value {
            Value::Alias(_) => true,
            Value::Scalar(_) => false,
            Value::Map(m) => m
                .pairs
                .iter()
                .any(|p| p.key == "<<" || p.value.as_ref().is_some_and(Node_::is_shared)),
            Value::Seq(s) => s
                .items
                .iter()
                .any(|i| i.value.as_ref().is_some_and(Node_::is_shared)),
        }
    }
}

impl Map {
    /// The pair with this key (the last one, as YAML loaders keep it).
    pub fn get(&self, key: &str) -> Option<&Pair> {
        self.pairs.iter().rev().find(|p| p.key == key)
    }

    /// True when the mapping has a merge key (`<<: *x`): keys it does not
    /// list may still be set.
    pub fn has_merge(&self) -> bool {
        self.pairs.iter().any(|p| p.key == "<<")
    }
}

/// One service of `services:`.
#[derive(Debug, Clone, Copy)]
pub struct Service<'a> {
    /// Its name.
    pub name: &'a str,
    /// The `name: {...}` pair under `services:`.
    pub pair: &'a Pair,
}

impl<'a> Service<'a> {
    /// The service's mapping; `None` when it is not a mapping here (an
    /// alias, a null, a scalar).
    pub fn map(&self) -> Option<&'a Map> {
        self.pair.value.as_ref().and_then(Node_::as_map)
    }

    /// The service's own node.
    pub fn node(&self) -> Option<&'a Node_> {
        self.pair.value.as_ref()
    }

    /// The value of `key` in the service, if the service has it here.
    pub fn get(&self, key: &str) -> Option<&'a Pair> {
        self.map()?.get(key)
    }

    /// A scalar value of `key`.
    pub fn scalar(&self, key: &str) -> Option<&'a str> {
        Some(self.get(key)?.value.as_ref()?.as_scalar()?.value.as_str())
    }
}

/// A parsed Compose file.
#[derive(Debug, Clone)]
pub struct ComposeFile {
    source: String,
    line_starts: Vec<usize>,
    /// The top-level mapping, if the document is one.
    pub root: Option<Node_>,
    /// YAML syntax errors (the file is then neither checked nor fixed).
    pub errors: Vec<ParseError>,
    /// Valid YAML that is not a Compose file, or one the model cannot
    /// place: the line and why.
    pub not_compose: Option<ParseError>,
}

/// The top-level keys of the Compose specification.
pub const TOP_LEVEL_KEYS: &[&str] = &[
    "version", "name", "include", "services", "networks", "volumes", "secrets", "configs", "models",
];

fn yaml_language() -> tree_sitter::Language {
    tree_sitter_yaml::LANGUAGE.into()
}

impl ComposeFile {
    /// Parses `source`. Never fails: see [`ComposeFile::errors`] and
    /// [`ComposeFile::not_compose`].
    pub fn parse(source: &str) -> ComposeFile {
        let mut line_starts = vec![0];
        line_starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        let mut file = ComposeFile {
            source: source.to_string(),
            line_starts,
            root: None,
            errors: Vec::new(),
            not_compose: None,
        };
        let mut parser = Parser::new();
        if parser.set_language(&yaml_language()).is_err() {
            file.errors.push(ParseError {
                line: 1,
                message: "internal error: the YAML grammar did not load".into(),
            });
            return file;
        }
        let Some(tree) = parser.parse(source, None) else {
            file.errors.push(ParseError {
                line: 1,
                message: "the YAML parser gave up".into(),
            });
            return file;
        };
        let root = tree.root_node();
        if root.has_error() {
            let at = first_error(root).unwrap_or(root);
            file.errors.push(ParseError {
                line: error_line(source, at),
                message: if at.is_missing() {
                    format!("invalid YAML: missing `{}`", at.kind())
                } else {
                    "invalid YAML".to_string()
                },
            });
            return file;
        }
        let mut cursor = root.walk();
        let documents: Vec<Node> = root
            .named_children(&mut cursor)
            .filter(|n| n.kind() == "document")
            .collect();
        let place = |line: usize, message: &str| ParseError {
            line,
            message: message.to_string(),
        };
        if documents.len() > 1 {
            file.not_compose = Some(place(
                documents[1].start_position().row + 1,
                "more than one YAML document; a Compose file holds one",
            ));
            return file;
        }
        let Some(doc) = documents.first() else {
            file.not_compose = Some(place(1, "empty YAML: no Compose keys"));
            return file;
        };
        let mut c = doc.walk();
        let body = doc
            .named_children(&mut c)
            .find(|n| matches!(n.kind(), "block_node" | "flow_node"));
        let Some(body) = body else {
            file.not_compose = Some(place(1, "empty YAML: no Compose keys"));
            return file;
        };
        let node = read_node(source, body);
        match node.as_map() {
            Some(m) => {
                let known = m
                    .pairs
                    .iter()
                    .any(|p| TOP_LEVEL_KEYS.contains(&p.key.as_str()) || p.key.starts_with("x-"));
                if !known {
                    file.not_compose = Some(place(
                        file.line_of(node.span.start),
                        "no top-level Compose key (`services`, `include`, ...): not a Compose file",
                    ));
                } else if let Some(s) = m.get("services") {
                    let ok = match &s.value {
                        None => true,
                        Some(v) => v.as_map().is_some() && v.anchor.is_none() && v.tag.is_none(),
                    };
                    if !ok {
                        file.not_compose = Some(place(
                            file.line_of(s.key_span.start),
                            "`services` is not a plain mapping here (an alias, anchor, tag or scalar)",
                        ));
                    }
                }
            }
            None => {
                file.not_compose = Some(place(
                    file.line_of(node.span.start),
                    "the document is not a mapping: not a Compose file",
                ));
            }
        }
        file.root = Some(node);
        file
    }

    /// The source text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// True when the file can be checked and fixed.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty() && self.not_compose.is_none()
    }

    /// The first problem that stops checking, if any.
    pub fn problem(&self) -> Option<&ParseError> {
        self.errors.first().or(self.not_compose.as_ref())
    }

    /// The top-level mapping.
    pub fn top(&self) -> Option<&Map> {
        self.root.as_ref()?.as_map()
    }

    /// The services, in source order.
    pub fn services(&self) -> Vec<Service<'_>> {
        let Some(services) = self
            .top()
            .and_then(|t| t.get("services"))
            .and_then(|p| p.value.as_ref())
            .and_then(Node_::as_map)
        else {
            return Vec::new();
        };
        services
            .pairs
            .iter()
            .filter(|p| p.key != "<<" && !p.key.starts_with("x-"))
            .map(|pair| Service {
                name: &pair.key,
                pair,
            })
            .collect()
    }

    /// The node that carries anchor `&name` (the last one before `before`,
    /// as YAML resolves an alias to the closest anchor above it).
    pub fn anchored(&self, name: &str, before: usize) -> Option<&Node_> {
        fn walk<'a>(n: &'a Node_, name: &str, before: usize, best: &mut Option<&'a Node_>) {
            if n.span.start < before && n.anchor.as_deref() == Some(name) {
                *best = Some(n);
            }
            match &n.value {
                Value::Map(m) => {
                    for p in &m.pairs {
                        if let Some(v) = &p.value {
                            walk(v, name, before, best);
                        }
                    }
                }
                Value::Seq(s) => {
                    for i in &s.items {
                        if let Some(v) = &i.value {
                            walk(v, name, before, best);
                        }
                    }
                }
                _ => {}
            }
        }
        let mut best = None;
        walk(self.root.as_ref()?, name, before, &mut best);
        best
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    /// 1-based (line, column) of a byte offset; the column counts characters.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = self.line_of(offset);
        let start = self.line_starts[line - 1];
        let end = offset.min(self.source.len());
        let col = self.source.get(start..end).map_or(0, |s| s.chars().count()) + 1;
        (line, col)
    }

    /// Byte offset where a 1-based line starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.source.len())
    }

    /// The line ending the file uses (`\r\n` when its first line ends so).
    pub fn newline(&self) -> &'static str {
        match self.source.find('\n') {
            Some(i) if i > 0 && self.source.as_bytes()[i - 1] == b'\r' => "\r\n",
            _ => "\n",
        }
    }
}

/// The line to name for a syntax error. tree-sitter-yaml's ERROR node
/// starts where the last good structure started (often line 1) and ends
/// where parsing stopped: the problem is on the line after it when it ends
/// a line and more text follows, else on its last line.
fn error_line(source: &str, at: Node) -> usize {
    if at.is_missing() {
        return at.start_position().row + 1;
    }
    let end = at.end_byte();
    let line = at.end_position().row + 1;
    let rest = &source[end.min(source.len())..];
    let (this, next) = rest.split_once('\n').unwrap_or((rest, ""));
    if this.trim().is_empty() && !next.trim().is_empty() {
        line + 1
    } else {
        line
    }
}

fn first_error(node: Node) -> Option<Node> {
    if node.is_error() || node.is_missing() {
        return Some(node);
    }
    let mut cursor = node.walk();
    let children: Vec<Node> = node.children(&mut cursor).collect();
    children
        .into_iter()
        .filter(|c| c.has_error() || c.is_missing())
        .find_map(first_error)
}

/// Where a node's content ends: tree-sitter lets a block node end after
/// comment lines that follow it (`# end` below an indentless sequence), and
/// a fix must insert before those, not after.
fn end_of(n: Node) -> usize {
    if !matches!(
        n.kind(),
        "block_node"
            | "block_mapping"
            | "block_mapping_pair"
            | "block_sequence"
            | "block_sequence_item"
    ) {
        return n.end_byte();
    }
    let mut cursor = n.walk();
    let children: Vec<Node> = n.children(&mut cursor).collect();
    children
        .iter()
        .rev()
        .find(|c| c.kind() != "comment")
        .map_or(n.end_byte(), |c| end_of(*c))
}

/// A node's bytes without trailing comments.
fn range(n: Node) -> Range<usize> {
    n.start_byte()..end_of(n)
}

fn text<'s>(source: &'s str, n: Node) -> &'s str {
    &source[n.byte_range()]
}

/// Reads a `block_node` or `flow_node` (or a bare content node).
fn read_node(source: &str, n: Node) -> Node_ {
    let mut anchor = None;
    let mut tag = None;
    let mut content = None;
    if matches!(n.kind(), "block_node" | "flow_node") {
        let mut cursor = n.walk();
        for c in n.named_children(&mut cursor) {
            match c.kind() {
                "anchor" => anchor = Some(text(source, c).trim_start_matches('&').to_string()),
                "tag" => tag = Some(text(source, c).to_string()),
                "comment" => {}
                _ => content = Some(c),
            }
        }
    } else {
        content = Some(n);
    }
    let Some(c) = content else {
        // An anchor or tag with nothing after it: a null.
        let end = n.end_byte();
        return Node_ {
            span: end..end,
            anchor,
            tag,
            value: Value::Scalar(Scalar {
                value: String::new(),
                style: ScalarStyle::Plain,
            }),
        };
    };
    let value = match c.kind() {
        "block_mapping" | "flow_mapping" => Value::Map(read_map(source, c)),
        "block_sequence" | "flow_sequence" => Value::Seq(read_seq(source, c)),
        "alias" => Value::Alias(text(source, c).trim_start_matches('*').to_string()),
        "single_quote_scalar" => Value::Scalar(Scalar {
            value: unquote_single(text(source, c)),
            style: ScalarStyle::Single,
        }),
        "double_quote_scalar" => Value::Scalar(Scalar {
            value: unquote_double(text(source, c)),
            style: ScalarStyle::Double,
        }),
        "block_scalar" => Value::Scalar(Scalar {
            value: text(source, c).to_string(),
            style: ScalarStyle::Block,
        }),
        _ => Value::Scalar(Scalar {
            value: text(source, c).trim().to_string(),
            style: ScalarStyle::Plain,
        }),
    };
    Node_ {
        span: range(c),
        anchor,
        tag,
        value,
    }
}

fn read_map(source: &str, n: Node) -> Map {
    let flow = n.kind() == "flow_mapping";
    let mut pairs = Vec::new();
    let mut cursor = n.walk();
    for c in n.named_children(&mut cursor) {
        match c.kind() {
            "block_mapping_pair" | "flow_pair" => {
                let key = c.child_by_field_name("key");
                let value = c.child_by_field_name("value");
                let key_node = key.map(|k| read_node(source, k));
                let key_text = match key_node.as_ref().map(|k| &k.value) {
                    Some(Value::Scalar(s)) => s.value.clone(),
                    Some(Value::Alias(a)) => format!("*{a}"),
                    _ => String::new(),
                };
                pairs.push(Pair {
                    key: key_text,
                    key_span: key.map_or(c.start_byte()..c.start_byte(), |k| k.byte_range()),
                    span: range(c),
                    value: value.map(|v| read_node(source, v)),
                });
            }
            // A lone key in a flow mapping (`{a, b: c}`).
            "flow_node" => {
                let k = read_node(source, c);
                pairs.push(Pair {
                    key: k.as_scalar().map(|s| s.value.clone()).unwrap_or_default(),
                    key_span: c.byte_range(),
                    span: c.byte_range(),
                    value: None,
                });
            }
            _ => {}
        }
    }
    Map { flow, pairs }
}

fn read_seq(source: &str, n: Node) -> Seq {
    let flow = n.kind() == "flow_sequence";
    let mut items = Vec::new();
    let mut cursor = n.walk();
    for c in n.named_children(&mut cursor) {
        match c.kind() {
            "block_sequence_item" => {
                let mut cc = c.walk();
                let v = c
                    .named_children(&mut cc)
                    .find(|x| matches!(x.kind(), "block_node" | "flow_node"));
                items.push(Item {
                    span: range(c),
                    value: v.map(|v| read_node(source, v)),
                });
            }
            "flow_node" => items.push(Item {
                span: c.byte_range(),
                value: Some(read_node(source, c)),
            }),
            // `[a: b]`: a single-pair mapping as an item.
            "flow_pair" => {
                let mut m = read_map(source, n);
                m.pairs.retain(|p| p.span == c.byte_range());
                items.push(Item {
                    span: c.byte_range(),
                    value: Some(Node_ {
                        span: c.byte_range(),
                        anchor: None,
                        tag: None,
                        value: Value::Map(Map {
                            flow: true,
                            pairs: m.pairs,
                        }),
                    }),
                });
            }
            _ => {}
        }
    }
    Seq { flow, items }
}

fn unquote_single(s: &str) -> String {
    let inner = s
        .strip_prefix('\'')
        .and_then(|x| x.strip_suffix('\''))
        .unwrap_or(s);
    inner.replace("''", "'")
}

fn unquote_double(s: &str) -> String {
    let inner = s
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(s);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_services_keys_and_styles() {
        let src = "version: '3'\nservices:\n  web:\n    image: \"nginx:1.27\"\n    ports: ['80:80']\n    cap_add:\n      - NET_ADMIN  # why\n  db: &db\n    image: postgres\n  other:\n    <<: *db\n";
        let f = ComposeFile::parse(src);
        assert!(f.is_ok(), "{:?}", f.problem());
        let s = f.services();
        let names: Vec<&str> = s.iter().map(|s| s.name).collect();
        assert_eq!(names, ["web", "db", "other"]);
        let web = s[0];
        assert_eq!(web.scalar("image"), Some("nginx:1.27"));
        let img = web.get("image").unwrap().value.as_ref().unwrap();
        assert_eq!(img.as_scalar().unwrap().style, ScalarStyle::Double);
        assert_eq!(&src[img.span.clone()], "\"nginx:1.27\"");
        let ports = web.get("ports").unwrap().value.as_ref().unwrap();
        assert!(ports.as_seq().unwrap().flow);
        let caps = web.get("cap_add").unwrap().value.as_ref().unwrap();
        let caps = caps.as_seq().unwrap();
        assert!(!caps.flow);
        assert_eq!(
            caps.items[0]
                .value
                .as_ref()
                .unwrap()
                .as_scalar()
                .unwrap()
                .value,
            "NET_ADMIN"
        );
        assert_eq!(s[1].node().unwrap().anchor.as_deref(), Some("db"));
        assert!(s[1].node().unwrap().is_shared());
        assert!(s[2].map().unwrap().has_merge());
        assert!(!web.node().unwrap().is_shared());
        assert_eq!(f.line_of(web.pair.key_span.start), 3);
    }

    #[test]
    fn errors_and_other_files() {
        let bad = ComposeFile::parse("services:\n  web:\n    image: [unclosed\n");
        assert!(!bad.errors.is_empty());
        for (text, line) in [
            ("services:\n  a:\n    image: x\n    ports: [\n", 4),
            ("services:\n  a:\n    image: x\n   bad: 1\n  b: 2\n", 4),
            ("services:\n  a:\n    image: \"x\n", 3),
            ("services:\n  a:\n    image: x\n\tb: 1\n", 4),
        ] {
            assert_eq!(ComposeFile::parse(text).errors[0].line, line, "{text}");
        }
        let list = ComposeFile::parse("- a\n- b\n");
        assert!(list.not_compose.is_some());
        let ci = ComposeFile::parse("jobs:\n  build:\n    runs-on: x\n");
        assert!(ci
            .not_compose
            .unwrap()
            .message
            .contains("not a Compose file"));
        let two = ComposeFile::parse("services: {}\n---\nservices: {}\n");
        assert_eq!(two.not_compose.unwrap().line, 2);
        let alias = ComposeFile::parse("x-s: &s\n  a: {}\nservices: *s\n");
        assert!(alias.not_compose.is_some());
        assert!(ComposeFile::parse("include:\n  - a.yaml\n").is_ok());
    }

    #[test]
    fn crlf_and_decoding() {
        let f = ComposeFile::parse(
            "services:\r\n  a:\r\n    command: 'it''s'\r\n    x: \"a\\\"b\"\r\n",
        );
        assert!(f.is_ok());
        assert_eq!(f.newline(), "\r\n");
        let a = f.services()[0];
        assert_eq!(a.scalar("command"), Some("it's"));
        assert_eq!(a.scalar("x"), Some("a\"b"));
    }
}
