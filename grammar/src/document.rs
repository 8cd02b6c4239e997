//! The typed, lossless document model over the tree.
//!
//! The tree gives every token its bytes; this module reads the tree the way
//! BuildKit reads a Dockerfile: it joins each instruction's physical lines into
//! the logical line (continuations, comment lines and empty lines inside a
//! continuation removed), splits it into keyword, flags and arguments, decides
//! exec form versus shell form, and reads heredoc bodies. Every piece keeps its
//! byte span in the file so that fixes can make byte-exact edits.

use std::ops::Range;

use tree_sitter::{Node, Parser, Tree};

/// `node.kind()` from a table (see [`crate::kinds`]).
fn node_kind(node: &Node) -> &'static str {
    crate::kinds::dockerfile().of(*node)
}

use crate::logical::LogicalLine;
use crate::words::{self, Word};

/// BuildKit's limit on a physical line (bufio.Scanner's maximum token size).
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// A parse error, as BuildKit would report it: a message and the 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line where the problem is.
    pub line: usize,
    /// What is wrong, in BuildKit's words where it has words for it.
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The instructions BuildKit knows; anything else is [`Kind::Unknown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    From,
    Run,
    Cmd,
    Label,
    Maintainer,
    Expose,
    Env,
    Add,
    Copy,
    Entrypoint,
    Volume,
    User,
    Workdir,
    Arg,
    Onbuild,
    Stopsignal,
    Healthcheck,
    Shell,
    Unknown,
}

impl Kind {
    /// The kind for a keyword, in any casing.
    pub fn from_keyword(keyword: &str) -> Kind {
        match keyword.to_ascii_lowercase().as_str() {
            "from" => Kind::From,
            "run" => Kind::Run,
            "cmd" => Kind::Cmd,
            "label" => Kind::Label,
            "maintainer" => Kind::Maintainer,
            "expose" => Kind::Expose,
            "env" => Kind::Env,
            "add" => Kind::Add,
            "copy" => Kind::Copy,
            "entrypoint" => Kind::Entrypoint,
            "volume" => Kind::Volume,
            "user" => Kind::User,
            "workdir" => Kind::Workdir,
            "arg" => Kind::Arg,
            "onbuild" => Kind::Onbuild,
            "stopsignal" => Kind::Stopsignal,
            "healthcheck" => Kind::Healthcheck,
            "shell" => Kind::Shell,
            _ => Kind::Unknown,
        }
    }

    /// The canonical upper-case keyword (`None` for unknown instructions).
    pub fn canonical(self) -> Option<&'static str> {
        Some(match self {
            Kind::From => "FROM",
            Kind::Run => "RUN",
            Kind::Cmd => "CMD",
            Kind::Label => "LABEL",
            Kind::Maintainer => "MAINTAINER",
            Kind::Expose => "EXPOSE",
            Kind::Env => "ENV",
            Kind::Add => "ADD",
            Kind::Copy => "COPY",
            Kind::Entrypoint => "ENTRYPOINT",
            Kind::Volume => "VOLUME",
            Kind::User => "USER",
            Kind::Workdir => "WORKDIR",
            Kind::Arg => "ARG",
            Kind::Onbuild => "ONBUILD",
            Kind::Stopsignal => "STOPSIGNAL",
            Kind::Healthcheck => "HEALTHCHECK",
            Kind::Shell => "SHELL",
            Kind::Unknown => return None,
        })
    }

    fn can_contain_heredoc(self) -> bool {
        matches!(self, Kind::Run | Kind::Copy | Kind::Add)
    }
}

/// A parser directive from the leading comment block (`# escape=`...).
#[derive(Debug, Clone)]
pub struct Directive {
    /// Lower-case name: `syntax`, `escape` or `check`.
    pub name: String,
    /// The value, trimmed.
    pub value: String,
    /// Bytes of the whole directive line (without the line end).
    pub span: Range<usize>,
}

/// A whole-line comment outside instructions.
#[derive(Debug, Clone)]
pub struct Comment {
    /// The text after `#`, trimmed.
    pub text: String,
    /// Bytes of the comment (from `#` to the end of the line, without the line end).
    pub span: Range<usize>,
}

/// A `--name[=value]` flag before an instruction's arguments.
#[derive(Debug, Clone)]
pub struct Flag {
    /// The flag as BuildKit keeps it: quotes and escapes processed, e.g. `--mount=type=cache,target=/x`.
    pub raw: String,
    /// The name without dashes, e.g. `mount`.
    pub name: String,
    /// The value after `=`, if any.
    pub value: Option<String>,
    /// Bytes of the flag in the file.
    pub span: Range<usize>,
}

/// Exec form (`["a", "b"]`) or shell form of RUN/CMD/ENTRYPOINT/SHELL/HEALTHCHECK CMD
/// and the list forms of COPY/ADD/VOLUME.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    /// A JSON array of strings.
    Exec(Vec<String>),
    /// Anything else.
    Shell,
}

/// A heredoc attached to RUN/COPY/ADD.
#[derive(Debug, Clone)]
pub struct Heredoc {
    /// The terminator name, quotes removed.
    pub name: String,
    /// The file descriptor before `<<` (0 when absent).
    pub file_descriptor: u32,
    /// `<<-`: leading tabs are stripped from the body and terminator.
    pub chomp: bool,
    /// Variables in the body are expanded (the name was not quoted).
    pub expand: bool,
    /// The body exactly as in the file (line ends included), not chomped.
    pub content: String,
    /// Bytes of the `<<EOF` marker word.
    pub marker_span: Range<usize>,
    /// Bytes of the body.
    pub body_span: Range<usize>,
    /// Bytes of the terminator line including its line end; `None` when unterminated.
    pub end_span: Option<Range<usize>>,
}

/// One instruction, with everything BuildKit's parser knows about it.
#[derive(Debug, Clone)]
pub struct Instruction {
    /// What kind of instruction.
    pub kind: Kind,
    /// The keyword as written.
    pub keyword: String,
    /// Bytes of the keyword.
    pub keyword_span: Range<usize>,
    /// Bytes of the whole instruction: keyword to the end of its last line, heredocs included, line end excluded.
    pub span: Range<usize>,
    /// 1-based first line, as BuildKit counts.
    pub start_line: usize,
    /// 1-based last line, as BuildKit counts (heredoc bodies included).
    pub end_line: usize,
    /// The logical line: physical lines joined as BuildKit joins them.
    pub logical: LogicalLine,
    /// Flags before the arguments.
    pub flags: Vec<Flag>,
    /// The arguments text (after keyword and flags), trimmed, as a range of the logical line.
    pub args_range: Range<usize>,
    /// The arguments split into words as BuildKit's parseWords does.
    pub words: Vec<Word>,
    /// Exec form or shell form (only meaningful for instructions that have both).
    pub form: Form,
    /// Heredocs, in marker order.
    pub heredocs: Vec<Heredoc>,
    /// For ONBUILD: the instruction it registers.
    pub sub: Option<Box<Instruction>>,
    /// Comment lines inside the instruction's continuation lines.
    pub inner_comments: Vec<Range<usize>>,
    /// The logical line was still continued when the file ended (`RUN ls \`
    /// as the last line, possibly followed by comment or empty lines): text
    /// appended after it would join this instruction.
    pub open_continuation: bool,
    /// Shell analyses, computed once on first use: many rules read the same RUN.
    shell_cache: std::sync::OnceLock<Option<std::sync::Arc<crate::shell::ShellScript>>>,
    heredoc_cache: std::sync::OnceLock<Vec<std::sync::Arc<crate::shell::ShellScript>>>,
}

impl Instruction {
    /// The arguments text after keyword and flags, as BuildKit sees it (trimmed).
    pub fn args_text(&self) -> &str {
        &self.logical.text[self.args_range.clone()]
    }

    /// Bytes in the file covering the arguments (from the first to the last argument byte).
    pub fn args_span(&self) -> Range<usize> {
        if self.args_range.is_empty() {
            let at = self.logical.file_offset(self.args_range.start);
            return at..at;
        }
        self.logical.file_span(self.args_range.clone())
    }

    /// True when the arguments are in exec (JSON) form.
    pub fn is_exec_form(&self) -> bool {
        matches!(self.form, Form::Exec(_))
    }

    /// The flag named `name` (without dashes), if present.
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The shell script of a shell-form RUN, CMD or ENTRYPOINT (the
    /// arguments, Dockerfile continuations and comment lines removed), with
    /// offsets mapped back to `source`, the document's text.
    /// Parsed once and shared.
    pub fn shell_script(&self, source: &str) -> Option<std::sync::Arc<crate::shell::ShellScript>> {
        let ins = self.effective();
        ins.shell_cache
            .get_or_init(|| {
                if !matches!(ins.kind, Kind::Run | Kind::Cmd | Kind::Entrypoint)
                    || ins.is_exec_form()
                {
                    return None;
                }
                let ranges = ins.logical.file_ranges(ins.args_range.clone());
                Some(std::sync::Arc::new(crate::shell::ShellScript::parse(
                    crate::shell::ShellSource::from_ranges(source, &ranges),
                )))
            })
            .clone()
    }

    /// The shell scripts of heredocs that RUN executes (bodies fed to the
    /// shell: `RUN <<EOF` without a command, or `bash <<EOF`, `sh <<EOF`).
    /// Parsed once and shared.
    pub fn heredoc_scripts(&self, source: &str) -> Vec<std::sync::Arc<crate::shell::ShellScript>> {
        let ins = self.effective();
        ins.heredoc_cache
            .get_or_init(|| {
                if ins.kind != Kind::Run {
                    return Vec::new();
                }
                ins.heredocs
                    .iter()
                    .filter(|h| !h.body_span.is_empty())
                    .map(|h| {
                        std::sync::Arc::new(crate::shell::ShellScript::parse(
                            crate::shell::ShellSource::from_ranges(
                                source,
                                std::slice::from_ref(&h.body_span),
                            ),
                        ))
                    })
                    .collect()
            })
            .clone()
    }

    /// The instruction that takes effect: the ONBUILD's sub-instruction or this one.
    pub fn effective(&self) -> &Instruction {
        self.sub.as_deref().unwrap_or(self)
    }
}

/// A build stage: a FROM and the instructions up to the next FROM.
#[derive(Debug, Clone)]
pub struct Stage {
    /// 0-based index among the stages.
    pub index: usize,
    /// Index of the FROM instruction in [`Document::instructions`].
    pub from: usize,
    /// Indices of the instructions of the stage (FROM included).
    pub instructions: Range<usize>,
    /// The base image word, as written.
    pub base: Option<Word>,
    /// The `AS name`, if any.
    pub name: Option<Word>,
    /// The `--platform` flag value, if any.
    pub platform: Option<String>,
}

/// A parsed Dockerfile.
pub struct Document {
    source: String,
    tree: Tree,
    line_starts: Vec<usize>,
    /// The escape character (`\` or `` ` ``).
    pub escape: char,
    /// The leading parser directives.
    pub directives: Vec<Directive>,
    /// Whole-line comments outside instructions.
    pub comments: Vec<Comment>,
    /// The instructions, in order.
    pub instructions: Vec<Instruction>,
    /// What BuildKit would reject (empty when the file is valid for BuildKit).
    pub errors: Vec<ParseError>,
    /// The build stages, computed once: rules ask for them many times.
    stages: Vec<Stage>,
    /// The line ending the file mostly uses, computed once.
    line_ending: &'static str,
}

/// `"\r\n"` when most lines of `source` end so, else `"\n"`.
fn mostly_used_line_ending(source: &str) -> &'static str {
    let crlf = source.matches("\r\n").count();
    let lf = source.matches('\n').count();
    if crlf * 2 > lf {
        "\r\n"
    } else {
        "\n"
    }
}

thread_local! {
    static PARSER: std::cell::RefCell<Option<Parser>> = const { std::cell::RefCell::new(None) };
}

/// A text parsed on this thread and its tree.
struct ParsedText {
    source: String,
    tree: Tree,
}

/// How many recent parses are kept to start the next one from.
const RECENT_PARSES: usize = 4;

thread_local! {
    /// The last texts parsed on this thread: the next parse of a similar
    /// text (the next version in an editor, the next round of the fix loop)
    /// starts from the most similar one's tree, edited, and tree-sitter
    /// re-parses only around the change.
    static RECENT: std::cell::RefCell<Vec<ParsedText>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn parse_tree(source: &str) -> Option<Tree> {
    let old = RECENT.with(|recent| {
        let recent = recent.borrow();
        recent
            .iter()
            .filter_map(|p| edited_tree(p, source))
            .max_by_key(|(kept, _)| *kept)
            .map(|(_, tree)| tree)
    });
    let tree = parse_with(source, old.as_ref())?;
    RECENT.with(|recent| {
        let mut recent = recent.borrow_mut();
        if recent.len() == RECENT_PARSES {
            recent.remove(0);
        }
        recent.push(ParsedText {
            source: source.to_string(),
            tree: tree.clone(),
        });
    });
    Some(tree)
}

/// Parses `source` from scratch, without the recent parses (for tests that
/// compare both ways).
#[doc(hidden)]
pub fn parse_tree_fresh(source: &str) -> Option<Tree> {
    parse_with(source, None)
}

fn parse_with(source: &str, old: Option<&Tree>) -> Option<Tree> {
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let mut parser = Parser::new();
            parser.set_language(&crate::language()).ok()?;
            *slot = Some(parser);
        }
        slot.as_mut()?.parse(source, old)
    })
}

/// `old`'s tree edited into the shape of `new` (one changed range between
/// the common prefix and suffix), with the number of bytes kept; `None` when
/// less than half of `new` is kept (a fresh parse is cheaper then).
fn edited_tree(old: &ParsedText, new: &str) -> Option<(usize, Tree)> {
    let (a, b) = (old.source.as_bytes(), new.as_bytes());
    let mut prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    while !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let room = a.len().min(b.len()) - prefix;
    let mut suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(room)
        .take_while(|(x, y)| x == y)
        .count();
    while !new.is_char_boundary(b.len() - suffix) || !old.source.is_char_boundary(a.len() - suffix)
    {
        suffix -= 1;
    }
    if (prefix + suffix) * 2 < b.len() {
        return None;
    }
    let old_end = a.len() - suffix;
    let new_end = b.len() - suffix;
    let mut tree = old.tree.clone();
    tree.edit(&tree_sitter::InputEdit {
        start_byte: prefix,
        old_end_byte: old_end,
        new_end_byte: new_end,
        start_position: point_at(a, prefix),
        old_end_position: point_at(a, old_end),
        new_end_position: point_at(b, new_end),
    });
    Some((prefix + suffix, tree))
}

/// The row and byte column of `offset` in `text`.
fn point_at(text: &[u8], offset: usize) -> tree_sitter::Point {
    let before = &text[..offset];
    let row = before.iter().filter(|&&c| c == b'\n').count();
    let line_start = before
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |i| i + 1);
    tree_sitter::Point::new(row, offset - line_start)
}

impl Document {
    /// Parses a Dockerfile. Never fails: problems BuildKit would reject are in
    /// [`Document::errors`], and the tree is best effort.
    pub fn parse(source: &str) -> Document {
        let tree =
            parse_tree(source).expect("the dockerfile language loads and parsing is not cancelled");
        let mut line_starts = vec![0];
        line_starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        let mut doc = Document {
            source: source.to_string(),
            tree,
            line_starts,
            escape: '\\',
            directives: Vec::new(),
            comments: Vec::new(),
            instructions: Vec::new(),
            errors: Vec::new(),
            stages: Vec::new(),
            line_ending: mostly_used_line_ending(source),
        };
        doc.build();
        doc.stages = doc.find_stages();
        doc
    }

    /// Parses and returns the first error BuildKit would report, if any.
    pub fn parse_strict(source: &str) -> Result<Document, ParseError> {
        let doc = Document::parse(source);
        match doc.errors.first() {
            Some(e) => Err(e.clone()),
            None => Ok(doc),
        }
    }

    /// The source text, byte for byte.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The syntax tree.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// Prints the document: the concatenation of every token of the tree,
    /// which is the input byte for byte.
    pub fn print(&self) -> String {
        let mut out = String::with_capacity(self.source.len());
        let mut pos = 0;
        let mut cursor = self.tree.walk();
        print_leaves(&mut cursor, &self.source, &mut out, &mut pos);
        out.push_str(&self.source[pos..]);
        out
    }

    /// True when the tree has ERROR or MISSING nodes.
    pub fn has_syntax_errors(&self) -> bool {
        self.tree.root_node().has_error()
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
        let col = self.source[start..offset.min(self.source.len())]
            .chars()
            .count()
            + 1;
        (line, col)
    }

    /// Byte offset where a 1-based line starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.source.len())
    }

    /// The line ending the file mostly uses (`"\r\n"` or `"\n"`).
    pub fn line_ending(&self) -> &'static str {
        self.line_ending
    }

    /// The build stages.
    pub fn stages(&self) -> &[Stage] {
        &self.stages
    }

    fn find_stages(&self) -> Vec<Stage> {
        let mut stages: Vec<Stage> = Vec::new();
        for (i, ins) in self.instructions.iter().enumerate() {
            if ins.kind != Kind::From {
                if let Some(last) = stages.last_mut() {
                    last.instructions.end = i + 1;
                }
                continue;
            }
            let base = ins.words.first().cloned();
            let name = if ins.words.len() >= 3 && ins.words[1].value().eq_ignore_ascii_case("as") {
                Some(ins.words[2].clone())
            } else {
                None
            };
            stages.push(Stage {
                index: stages.len(),
                from: i,
                instructions: i..i + 1,
                base,
                name,
                platform: ins.flag("platform").and_then(|f| f.value.clone()),
            });
        }
        stages
    }

    fn build(&mut self) {
        // The tree and the text are read while the outputs are written.
        let tree = self.tree.clone();
        let source = std::mem::take(&mut self.source);
        self.build_from(&tree, &source);
        self.source = source;
    }

    fn build_from(&mut self, tree: &Tree, src: &str) {
        let root = tree.root_node();
        let mut cursor = root.walk();
        let children: Vec<Node> = root.named_children(&mut cursor).collect();
        let mut seen_directives: Vec<String> = Vec::new();
        // A top-level continuation line starts the next instruction early.
        let mut pending_start: Option<usize> = None;
        for node in children {
            match node_kind(&node) {
                "line_continuation" | "continuation_comment" | "empty_continuation" => {
                    if pending_start.is_none() && node_kind(&node) == "line_continuation" {
                        pending_start = Some(node.start_byte());
                    }
                }
                "directive" => {
                    let span = node.byte_range();
                    let text = &src[span.clone()];
                    let (name, value) = split_directive(text);
                    if seen_directives.contains(&name) {
                        self.errors.push(ParseError {
                            line: self.line_of(span.start),
                            message: format!("only one {name} parser directive can be used"),
                        });
                    }
                    if name == "escape" {
                        if value == "`" || value == "\\" {
                            self.escape = value.chars().next().unwrap_or('\\');
                        } else {
                            self.errors.push(ParseError {
                                line: self.line_of(span.start),
                                message: format!(
                                    "invalid escape token '{value}' does not match ` or \\"
                                ),
                            });
                        }
                    }
                    seen_directives.push(name.clone());
                    self.directives.push(Directive { name, value, span });
                }
                "comment" => {
                    let span = node.byte_range();
                    let text = src[span.clone()]
                        .trim_start()
                        .trim_start_matches('#')
                        .trim()
                        .to_string();
                    self.comments.push(Comment { text, span });
                }
                "bom" => {}
                k if k.ends_with("_instruction") => {
                    let mut ins = self.instruction(src, node);
                    if let Some(start) = pending_start.take() {
                        ins.start_line = self.line_of(start);
                    }
                    self.instructions.push(ins);
                }
                _ => {
                    self.errors.push(ParseError {
                        line: self.line_of(node.start_byte()),
                        message: format!("cannot parse {:?}", node_kind(&node)),
                    });
                }
            }
        }
        self.check_line_lengths(src);
        if self.instructions.is_empty() {
            self.errors.push(ParseError {
                line: self.line_starts.len(),
                message: "file with no instructions".to_string(),
            });
        }
        self.errors.sort_by_key(|e| e.line);
    }

    fn check_line_lengths(&mut self, src: &str) {
        let mut start = 0;
        let bytes = src.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' {
                if i + 1 - start > MAX_LINE_BYTES {
                    self.errors.push(ParseError {
                        line: self.line_of(start),
                        message: format!(
                            "dockerfile line greater than max allowed size of {}",
                            MAX_LINE_BYTES - 1
                        ),
                    });
                    return;
                }
                start = i + 1;
            }
        }
        if bytes.len() - start > MAX_LINE_BYTES {
            self.errors.push(ParseError {
                line: self.line_of(start),
                message: format!(
                    "dockerfile line greater than max allowed size of {}",
                    MAX_LINE_BYTES - 1
                ),
            });
        }
    }

    fn instruction(&mut self, src: &str, node: Node) -> Instruction {
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        let keyword_node = children
            .iter()
            .find(|c| node_kind(c) == "keyword")
            .copied()
            .unwrap_or(node);
        let keyword_span = keyword_node.byte_range();
        let keyword = src[keyword_span.clone()].to_string();
        let kind = Kind::from_keyword(&keyword);

        // The logical line: from the keyword to the first heredoc (or the end),
        // without continuations and the comment/empty lines inside them.
        let sub_node = children
            .iter()
            .find(|c| node_kind(c).ends_with("_instruction"))
            .copied();
        let mut line_end = node.end_byte();
        if let Some(h) = children.iter().find(|c| node_kind(c) == "heredoc") {
            line_end = h.start_byte();
        }
        if let Some(sub) = sub_node {
            line_end = sub.start_byte();
        }
        let mut removed: Vec<Range<usize>> = Vec::new();
        let mut inner_comments = Vec::new();
        for c in &children {
            match node_kind(c) {
                "line_continuation" | "empty_continuation" => removed.push(c.byte_range()),
                "continuation_comment" => {
                    removed.push(c.byte_range());
                    inner_comments.push(c.byte_range());
                }
                _ => {}
            }
        }
        // Trailing line end of the logical line.
        let bytes = src.as_bytes();
        let mut logical_end = line_end;
        while logical_end > keyword_span.start && matches!(bytes[logical_end - 1], b'\n' | b'\r') {
            logical_end -= 1;
        }
        let mut logical = LogicalLine::from_file(src, keyword_span.start..logical_end, &removed);

        let mut sub = None;
        let (flags, args_range) = if let Some(sub_node) = sub_node {
            // ONBUILD: only its own flags are in the logical line so far.
            let (flags, _) = words::split_flags(&logical, keyword_span.end - keyword_span.start);
            let inner = self.instruction(src, sub_node);
            let args_start = logical.text.len();
            // The ONBUILD's logical line continues into the sub-instruction.
            logical.append(&inner.logical);
            sub = Some(Box::new(inner));
            (flags, args_start..logical.text.len())
        } else {
            words::split_flags(&logical, keyword_span.end - keyword_span.start)
        };
        let flags: Vec<Flag> = flags;

        let args_text = &logical.text[args_range.clone()];
        let mut form = Form::Shell;
        let mut words_list = Vec::new();
        let start_line = self.line_of(keyword_span.start);
        if sub.is_none() {
            match kind {
                Kind::Run
                | Kind::Cmd
                | Kind::Entrypoint
                | Kind::Shell
                | Kind::Add
                | Kind::Copy
                | Kind::Volume => match words::parse_json_array(args_text) {
                    Ok(Some(items)) => form = Form::Exec(items),
                    Ok(None) => {}
                    Err(msg) => self.errors.push(ParseError {
                        line: start_line,
                        message: msg,
                    }),
                },
                Kind::Healthcheck => {
                    let t = args_text;
                    if let Some(sep) = t.find(|c: char| c.is_whitespace()) {
                        let rest = t[sep..].trim_start();
                        match words::parse_json_array(rest) {
                            Ok(Some(items)) => form = Form::Exec(items),
                            Ok(None) => {}
                            Err(msg) => self.errors.push(ParseError {
                                line: start_line,
                                message: msg,
                            }),
                        }
                    }
                }
                _ => {}
            }
            words_list = words::split_words(&logical, args_range.clone(), self.escape);
            if matches!(kind, Kind::Env | Kind::Label) {
                if let Some(msg) = words::check_name_values(kind, &words_list, args_text) {
                    self.errors.push(ParseError {
                        line: start_line,
                        message: msg,
                    });
                }
            }
        }

        // Heredocs.
        let mut heredocs = Vec::new();
        if sub.is_none() && kind.can_contain_heredoc() && form == Form::Shell {
            let markers: Vec<Node> = children
                .iter()
                .filter(|c| node_kind(c) == "heredoc_marker")
                .copied()
                .collect();
            let bodies: Vec<Node> = children
                .iter()
                .filter(|c| node_kind(c) == "heredoc")
                .copied()
                .collect();
            for (i, m) in markers.iter().enumerate() {
                let marker_text = &src[m.byte_range()];
                let Some(mut h) = words::parse_heredoc_marker(marker_text) else {
                    continue;
                };
                h.marker_span = m.byte_range();
                match bodies.get(i) {
                    Some(b) => {
                        let mut bc = b.walk();
                        for part in b.named_children(&mut bc) {
                            match node_kind(&part) {
                                "heredoc_body" => {
                                    h.body_span = part.byte_range();
                                    h.content = src[part.byte_range()].to_string();
                                }
                                "heredoc_end" => h.end_span = Some(part.byte_range()),
                                _ => {}
                            }
                        }
                        if h.body_span.is_empty() {
                            let at = b.start_byte();
                            h.body_span = at..at;
                        }
                    }
                    None => {
                        h.body_span = node.end_byte()..node.end_byte();
                    }
                }
                if h.end_span.is_none() {
                    self.errors.push(ParseError {
                        line: start_line,
                        message: "unterminated heredoc".to_string(),
                    });
                }
                heredocs.push(h);
            }
        }
        if let Some(s) = &sub {
            // BuildKit attaches the sub-instruction's heredocs and JSON-ness to ONBUILD.
            heredocs = s.heredocs.clone();
            form = s.form.clone();
        }

        // The last token still continues the line (an ONBUILD's is its
        // sub-instruction's).
        let open_continuation = match &sub {
            Some(s) => s.open_continuation,
            None => children
                .iter()
                .rev()
                .find(|c| node_kind(c) != "heredoc")
                .is_some_and(|c| {
                    matches!(
                        node_kind(c),
                        "line_continuation" | "continuation_comment" | "empty_continuation"
                    )
                }),
        };
        let span = keyword_span.start..node.end_byte();
        // BuildKit's end line: the last physical line the instruction consumed
        // (a consumed line end belongs to the line before it).
        let mut end = node.end_byte();
        if end > span.start && bytes[end - 1] == b'\n' {
            end -= 1;
        }
        let end_line = self.line_of(end.max(span.start));
        let mut span_end = node.end_byte();
        while span_end > span.start && matches!(bytes[span_end - 1], b'\n' | b'\r') {
            span_end -= 1;
        }
        Instruction {
            kind,
            keyword,
            keyword_span: keyword_span.clone(),
            span: keyword_span.start..span_end.max(keyword_span.end),
            start_line,
            end_line,
            logical,
            flags,
            args_range,
            words: words_list,
            form,
            heredocs,
            sub,
            inner_comments,
            open_continuation,
            shell_cache: std::sync::OnceLock::new(),
            heredoc_cache: std::sync::OnceLock::new(),
        }
    }
}

fn print_leaves(
    cursor: &mut tree_sitter::TreeCursor,
    source: &str,
    out: &mut String,
    pos: &mut usize,
) {
    let node = cursor.node();
    if node.child_count() == 0 {
        let r = node.byte_range();
        if r.start > *pos {
            out.push_str(&source[*pos..r.start]);
        }
        if r.end > *pos {
            out.push_str(&source[r.start.max(*pos)..r.end]);
            *pos = r.end;
        }
        return;
    }
    if cursor.goto_first_child() {
        loop {
            print_leaves(cursor, source, out, pos);
            if !cursor.goto_next_sibling() {
                break;
            }
        }
        cursor.goto_parent();
    }
}

/// Splits `# name = value` into the lower-case name and the trimmed value.
fn split_directive(text: &str) -> (String, String) {
    let body = text.trim_start().trim_start_matches('#');
    match body.split_once('=') {
        Some((name, value)) => (name.trim().to_ascii_lowercase(), value.trim().to_string()),
        None => (body.trim().to_ascii_lowercase(), String::new()),
    }
}
