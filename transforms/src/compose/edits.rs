//! Byte-exact edits of a Compose file: insert keys into a block mapping,
//! append items to a sequence (block or flow, as written), delete a key or
//! an item, replace a scalar keeping its quotes. New text copies the file's
//! [`YamlStyle`], flow or block as the node is written. Every function
//! returns `None` for a shape it cannot edit cleanly (an empty flow
//! mapping, a key that shares its line); the rule then reports without a
//! fix.

use dfix_grammar::compose::{ComposeFile, Map, Node_, Pair, ScalarStyle, Seq};

use super::style::{column, YamlStyle};
use crate::edit::Edit;

/// A value to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum New {
    /// A scalar, written as given (quote it yourself if it needs quotes).
    Scalar(String),
    /// A block sequence of scalars.
    List(Vec<String>),
    /// A block mapping.
    Map(Vec<(String, New)>),
}

/// `key: value` lines at column `col`, each ending in the file's newline.
pub fn render(key: &str, value: &New, col: usize, style: &YamlStyle) -> String {
    let nl = style.newline;
    let pad = " ".repeat(col);
    match value {
        New::Scalar(s) => format!("{pad}{key}: {s}{nl}"),
        New::List(items) => {
            let item_pad = " ".repeat(col + style.seq_indent);
            let mut out = format!("{pad}{key}:{nl}");
            for i in items {
                out.push_str(&format!("{item_pad}- {i}{nl}"));
            }
            out
        }
        New::Map(entries) => {
            let mut out = format!("{pad}{key}:{nl}");
            for (k, v) in entries {
                out.push_str(&render(k, v, col + style.step, style));
            }
            out
        }
    }
}

/// The offset just after the line that holds the byte before `end` (where a
/// new line after a node goes).
fn line_end(file: &ComposeFile, end: usize) -> usize {
    let src = file.source();
    if end > 0 && src.as_bytes().get(end - 1) == Some(&b'\n') {
        return end;
    }
    match src[end..].find('\n') {
        Some(i) => end + i + 1,
        None => src.len(),
    }
}

/// True when only spaces come before `offset` on its line.
fn first_on_line(file: &ComposeFile, offset: usize) -> bool {
    let start = file.line_start(file.line_of(offset));
    file.source()[start..offset].bytes().all(|b| b == b' ')
}

/// Inserts text (whole lines) at `at`, taking care of a last line without a
/// newline.
fn insert_lines(file: &ComposeFile, at: usize, lines: String, style: &YamlStyle) -> Edit {
    let src = file.source();
    if at == src.len() && !src.is_empty() && !src.ends_with('\n') {
        let trimmed = lines.strip_suffix(style.newline).unwrap_or(&lines);
        return Edit::insert(at, format!("{}{trimmed}", style.newline));
    }
    Edit::insert(at, lines)
}

/// Inserts whole `lines` after the line that holds the byte before `end`
/// (after a node and any comment that ends its line).
pub fn insert_after_line(file: &ComposeFile, end: usize, lines: String, style: &YamlStyle) -> Edit {
    insert_lines(file, line_end(file, end), lines, style)
}

/// A value in flow style: `[a, b]`, `{k: v}`.
fn render_flow(value: &New) -> String {
    match value {
        New::Scalar(s) => s.clone(),
        New::List(items) => format!("[{}]", items.join(", ")),
        New::Map(entries) => {
            let pairs: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{k}: {}", render_flow(v)))
                .collect();
            format!("{{{}}}", pairs.join(", "))
        }
    }
}

/// Adds `entries` after the last key of a mapping in its own style: a block
/// mapping gets new lines at the column of its keys, a flow mapping `, k:
/// v` after its last pair (an empty `{}` is not edited).
pub fn insert_into_map(
    file: &ComposeFile,
    map: &Map,
    entries: &[(String, New)],
    style: &YamlStyle,
) -> Option<Edit> {
    if entries.is_empty() {
        return None;
    }
    let first = map.pairs.first()?;
    let last = map.pairs.last()?;
    if map.flow {
        let text: String = entries
            .iter()
            .map(|(k, v)| format!(", {k}: {}", render_flow(v)))
            .collect();
        return Some(Edit::insert(last.span.end, text));
    }
    // The pair's own start: an explicit key (`? key`) starts at its `?`.
    let col = column(file, first.span.start);
    let mut text = String::new();
    for (k, v) in entries {
        text.push_str(&render(k, v, col, style));
    }
    let at = line_end(file, last.span.end);
    Some(insert_lines(file, at, text, style))
}

/// Appends scalar `items` to a sequence, in its own style (block: new `-`
/// lines at the column of the first; flow: `, item` before the `]`).
pub fn append_items(
    file: &ComposeFile,
    node: &Node_,
    items: &[String],
    style: &YamlStyle,
) -> Option<Edit> {
    let seq = node.as_seq()?;
    if items.is_empty() {
        return None;
    }
    if seq.flow {
        return Some(match seq.items.last() {
            Some(last) => Edit::insert(last.span.end, format!(", {}", items.join(", "))),
            None => Edit::insert(node.span.start + 1, items.join(", ")),
        });
    }
    let first = seq.items.first()?;
    if !first_on_line(file, first.span.start) {
        return None;
    }
    let pad = " ".repeat(column(file, first.span.start));
    let text: String = items
        .iter()
        .map(|i| format!("{pad}- {i}{}", style.newline))
        .collect();
    let at = line_end(file, seq.items.last()?.span.end);
    Some(insert_lines(file, at, text, style))
}

/// Deletes whole lines `start..end` (`end` after a newline or at the end of
/// the text); a last line without a newline takes the newline before it.
fn delete_lines(file: &ComposeFile, start: usize, end: usize) -> Edit {
    let src = file.source();
    if end == src.len() && !src.ends_with('\n') && start > 0 {
        let nl = if src[..start].ends_with("\r\n") { 2 } else { 1 };
        return Edit::delete(start - nl..end);
    }
    Edit::delete(start..end)
}

/// Deletes a key and its value (its whole lines) from a block mapping that
/// keeps at least one other key.
pub fn delete_pair(file: &ComposeFile, map: &Map, pair: &Pair) -> Option<Edit> {
    if map.flow || map.pairs.len() < 2 || !first_on_line(file, pair.key_span.start) {
        return None;
    }
    let start = file.line_start(file.line_of(pair.key_span.start));
    let end = line_end(file, pair.span.end);
    // Nothing else may share the pair's lines.
    let next_on_line = map
        .pairs
        .iter()
        .any(|p| p.key_span.start > pair.key_span.start && p.key_span.start < end);
    if next_on_line {
        return None;
    }
    Some(delete_lines(file, start, end))
}

/// Deletes item `index` of a sequence that keeps at least one other item.
pub fn delete_item(file: &ComposeFile, seq: &Seq, index: usize) -> Option<Edit> {
    let item = seq.items.get(index)?;
    if seq.items.len() < 2 {
        return None;
    }
    if seq.flow {
        return Some(match seq.items.get(index + 1) {
            Some(next) => Edit::delete(item.span.start..next.span.start),
            None => Edit::delete(seq.items[index - 1].span.end..item.span.end),
        });
    }
    if !first_on_line(file, item.span.start) {
        return None;
    }
    let start = file.line_start(file.line_of(item.span.start));
    Some(delete_lines(file, start, line_end(file, item.span.end)))
}

/// Joins insertions at the same offset into one, in the order given (an
/// item appended to the service's last list and a key added after it land
/// on the same byte): the fix engine refuses two insertions at one offset.
pub fn merge_inserts(edits: Vec<Edit>) -> Vec<Edit> {
    let mut out: Vec<Edit> = Vec::new();
    for e in edits {
        match out
            .iter_mut()
            .find(|o| o.range.is_empty() && e.range.is_empty() && o.range.start == e.range.start)
        {
            Some(o) => o.replacement.push_str(&e.replacement),
            None => out.push(e),
        }
    }
    out
}

/// Replaces a scalar's value, keeping its quote style.
pub fn replace_scalar(node: &Node_, new: &str) -> Option<Edit> {
    let s = node.as_scalar()?;
    let text = match s.style {
        ScalarStyle::Plain => new.to_string(),
        ScalarStyle::Single => format!("'{}'", new.replace('\'', "''")),
        ScalarStyle::Double => format!("\"{}\"", new.replace('\\', "\\\\").replace('"', "\\\"")),
        ScalarStyle::Block => return None,
    };
    Some(Edit::replace(node.span.clone(), text))
}

/// Inserts `prefix` at the start of a scalar's value (inside its quotes).
pub fn prefix_scalar(node: &Node_, prefix: &str) -> Option<Edit> {
    let s = node.as_scalar()?;
    let at = match s.style {
        ScalarStyle::Plain => node.span.start,
        ScalarStyle::Single | ScalarStyle::Double => node.span.start + 1,
        ScalarStyle::Block => return None,
    };
    Some(Edit::insert(at, prefix))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::apply_edits;

    fn apply(src: &str, e: Option<Edit>) -> String {
        apply_edits(src, &[e.expect("an edit")]).unwrap()
    }

    fn svc_map(f: &ComposeFile) -> &Map {
        f.services()[0].map().unwrap()
    }

    #[test]
    fn insert_keys_in_the_files_style() {
        let src =
            "services:\n    web:\n        image: x  # c\n        ports:\n        - 80:80\n# end\n";
        let f = ComposeFile::parse(src);
        let style = YamlStyle::of(&f);
        let e = insert_into_map(
            &f,
            svc_map(&f),
            &[("cap_drop".into(), New::List(vec!["ALL".into()]))],
            &style,
        );
        assert_eq!(
            apply(src, e),
            "services:\n    web:\n        image: x  # c\n        ports:\n        - 80:80\n        cap_drop:\n        - ALL\n# end\n"
        );
        // CRLF and no final newline.
        let src = "services:\r\n  web:\r\n    image: x";
        let f = ComposeFile::parse(src);
        let style = YamlStyle::of(&f);
        let e = insert_into_map(
            &f,
            svc_map(&f),
            &[("read_only".into(), New::Scalar("true".into()))],
            &style,
        );
        assert_eq!(
            apply(src, e),
            "services:\r\n  web:\r\n    image: x\r\n    read_only: true"
        );
        // An explicit key (`? k`) first: new keys at the column of its `?`.
        let src = "services:\n  web:\n    ? odd\n    image: x\n";
        let f = ComposeFile::parse(src);
        let e = insert_into_map(
            &f,
            svc_map(&f),
            &[("read_only".into(), New::Scalar("true".into()))],
            &YamlStyle::of(&f),
        );
        assert_eq!(apply(src, e), format!("{src}    read_only: true\n"));
        // A flow mapping gets flow text after its last pair.
        let src = "services:\n  web: {image: x, ports: [80] }  # c\n";
        let f = ComposeFile::parse(src);
        let style = YamlStyle::of(&f);
        let e = insert_into_map(
            &f,
            svc_map(&f),
            &[
                ("a".into(), New::List(vec!["b".into(), "c".into()])),
                (
                    "d".into(),
                    New::Map(vec![("e".into(), New::Scalar("\"1\"".into()))]),
                ),
            ],
            &style,
        );
        assert_eq!(
            apply(src, e),
            "services:\n  web: {image: x, ports: [80], a: [b, c], d: {e: \"1\"} }  # c\n"
        );
        // An empty one is not edited.
        let f = ComposeFile::parse("services:\n  web: {}\n");
        assert!(insert_into_map(
            &f,
            svc_map(&f),
            &[("a".into(), New::Scalar("b".into()))],
            &style
        )
        .is_none());
    }

    #[test]
    fn append_and_delete_items() {
        let src = "services:\n  web:\n    image: x\n    security_opt: [label:disable]\n    cap_add:\n      - A  # keep\n      # inner comment\n      - B\n";
        let f = ComposeFile::parse(src);
        let style = YamlStyle::of(&f);
        let web = f.services()[0];
        let so = web.get("security_opt").unwrap().value.as_ref().unwrap();
        assert_eq!(
            apply(
                src,
                append_items(&f, so, &["no-new-privileges:true".into()], &style)
            ),
            src.replace("[label:disable]", "[label:disable, no-new-privileges:true]")
        );
        let caps = web.get("cap_add").unwrap().value.as_ref().unwrap();
        assert_eq!(
            apply(src, append_items(&f, caps, &["C".into()], &style)),
            src.replace("      - B\n", "      - B\n      - C\n")
        );
        assert_eq!(
            apply(src, delete_item(&f, caps.as_seq().unwrap(), 0)),
            src.replace("      - A  # keep\n", "")
        );
        assert!(delete_item(&f, so.as_seq().unwrap(), 0).is_none());
        let flow = ComposeFile::parse("a: [x, y, z]\n");
        let seq = flow
            .top()
            .unwrap()
            .get("a")
            .unwrap()
            .value
            .as_ref()
            .unwrap()
            .as_seq()
            .unwrap();
        assert_eq!(
            apply("a: [x, y, z]\n", delete_item(&flow, seq, 2)),
            "a: [x, y]\n"
        );
        assert_eq!(
            apply("a: [x, y, z]\n", delete_item(&flow, seq, 0)),
            "a: [y, z]\n"
        );
    }

    #[test]
    fn delete_pairs_and_replace_scalars() {
        let src = "version: '3.8'\nservices:\n  web:\n    privileged: true\n    image: \"x\"";
        let f = ComposeFile::parse(src);
        let top = f.top().unwrap();
        assert_eq!(
            apply(src, delete_pair(&f, top, top.get("version").unwrap())),
            &src["version: '3.8'\n".len()..]
        );
        let web = svc_map(&f);
        assert_eq!(
            apply(src, delete_pair(&f, web, web.get("privileged").unwrap())),
            src.replace("    privileged: true\n", "")
        );
        // The last line without a newline takes the newline before it.
        assert_eq!(
            apply(src, delete_pair(&f, web, web.get("image").unwrap())),
            src.replace("\n    image: \"x\"", "")
        );
        let img = web.get("image").unwrap().value.as_ref().unwrap();
        assert_eq!(
            apply(src, replace_scalar(img, "y")),
            src.replace("\"x\"", "\"y\"")
        );
        assert_eq!(
            apply(src, prefix_scalar(img, "a/")),
            src.replace("\"x\"", "\"a/x\"")
        );
    }
}
