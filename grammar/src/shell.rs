//! Shell analysis of the text run by `RUN` (and shell-form `CMD` /
//! `ENTRYPOINT`, and heredoc bodies run by `RUN`).
//!
//! The Dockerfile parser hands us the shell text as a list of byte ranges of
//! the file: line continuations (escape character + newline) and whole-line
//! comments inside continuations are cut out, so the text the shell sees is
//! the concatenation of those ranges. [`ShellSource`] keeps that map,
//! [`ShellScript`] parses the text with tree-sitter-bash and exposes
//! statements, `&&`/`||` chains, pipelines and simple commands, with every
//! position mapped back to **file** byte offsets so that rules can edit the
//! Dockerfile byte for byte.
//!
//! Everything here is total: any input (garbage, empty, huge, deeply nested)
//! gives a result, never a panic. Traversals use explicit stacks or tree
//! cursors rather than recursion, because a hostile Dockerfile can nest
//! `$(`…`)` or `&&` chains deep enough to overflow the call stack.

use std::cell::RefCell;
use std::collections::HashSet;
use std::ops::Range;

use tree_sitter::{Node, Parser, Tree};

/// One contiguous piece of shell text and where it sits in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    /// Offset of the piece's first byte in [`ShellSource::text`].
    text_start: usize,
    /// Offset of the piece's first byte in the file.
    file_start: usize,
    /// Length in bytes (never zero: empty pieces are not stored).
    len: usize,
}

impl Piece {
    fn text_end(&self) -> usize {
        self.text_start + self.len
    }
}

/// Shell text cut out of a Dockerfile, with the map back to file offsets.
///
/// The text is private so that it cannot drift from the offset map; read it
/// with [`ShellSource::text`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShellSource {
    text: String,
    pieces: Vec<Piece>,
    /// File offset that an empty text maps to: the start of the first range
    /// given, so that an insertion into an empty `RUN` lands where it should.
    anchor: usize,
}

impl ShellSource {
    /// Build from the file text and the ranges that make up the shell text,
    /// in order.
    ///
    /// Ranges that lie outside `file`, are reversed, or do not fall on UTF-8
    /// character boundaries are skipped (the Dockerfile parser never produces
    /// them; skipping keeps this function total). Empty ranges add no text.
    pub fn from_ranges(file: &str, ranges: &[Range<usize>]) -> ShellSource {
        let mut text = String::new();
        let mut pieces = Vec::with_capacity(ranges.len());
        let anchor = ranges
            .iter()
            .find(|r| r.start <= file.len() && file.is_char_boundary(r.start))
            .map_or(0, |r| r.start);
        for range in ranges {
            let Some(slice) = file.get(range.clone()) else {
                continue;
            };
            if slice.is_empty() {
                continue;
            }
            pieces.push(Piece {
                text_start: text.len(),
                file_start: range.start,
                len: slice.len(),
            });
            text.push_str(slice);
        }
        ShellSource {
            text,
            pieces,
            anchor,
        }
    }

    /// Shell text that is one contiguous run of the file starting at file
    /// offset `file_start` (handy for tests and for text that has no
    /// continuations).
    pub fn from_text(text: &str, file_start: usize) -> ShellSource {
        let pieces = if text.is_empty() {
            Vec::new()
        } else {
            vec![Piece {
                text_start: 0,
                file_start,
                len: text.len(),
            }]
        };
        ShellSource {
            text: text.to_owned(),
            pieces,
            anchor: file_start,
        }
    }

    /// The shell text (the concatenation of the pieces).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The file ranges that make up the text, in order (empty and invalid
    /// input ranges are not included).
    pub fn pieces(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        self.pieces
            .iter()
            .map(|p| p.file_start..p.file_start + p.len)
    }

    /// Map an offset in the text to a file offset, for use as a **start**
    /// position.
    ///
    /// An offset at a boundary between two pieces maps to the start of the
    /// later piece (the position of the byte that follows in the text), so a
    /// span that begins there does not swallow the removed continuation.
    /// The end of the text maps to the end of the last piece. Offsets past the
    /// end are clamped to it.
    pub fn file_offset(&self, text_offset: usize) -> usize {
        let t = text_offset.min(self.text.len());
        // Last piece whose start is <= t: at a boundary this is the later one.
        let idx = self.pieces.partition_point(|p| p.text_start <= t);
        match idx.checked_sub(1).and_then(|i| self.pieces.get(i)) {
            Some(p) => p.file_start + (t - p.text_start),
            None => self.anchor,
        }
    }

    /// Map an offset in the text to a file offset, for use as an **end**
    /// position.
    ///
    /// An offset at a boundary between two pieces maps to the end of the
    /// earlier piece, so a span that ends there does not include the removed
    /// continuation. Offset 0 maps like [`ShellSource::file_offset`].
    pub fn file_offset_end(&self, text_offset: usize) -> usize {
        let t = text_offset.min(self.text.len());
        // Last piece whose start is < t: at a boundary this is the earlier one.
        let idx = self.pieces.partition_point(|p| p.text_start < t);
        match idx.checked_sub(1).and_then(|i| self.pieces.get(i)) {
            Some(p) => p.file_start + (t - p.text_start),
            None => self.file_offset(t),
        }
    }

    /// Map a text span to a file span: the start with
    /// [`ShellSource::file_offset`], the end with
    /// [`ShellSource::file_offset_end`]. An empty span maps to an empty span
    /// at `file_offset(start)`.
    ///
    /// If the span crosses a piece boundary the file span also covers the
    /// removed bytes (continuations, comment lines) in between; see
    /// [`ShellSource::is_contiguous`].
    pub fn file_span(&self, text_span: Range<usize>) -> Range<usize> {
        let start = self.file_offset(text_span.start);
        if text_span.end <= text_span.start {
            return start..start;
        }
        let end = self.file_offset_end(text_span.end).max(start);
        start..end
    }

    /// Whether a text span lies within one piece, i.e. its file span sliced
    /// from the file gives exactly the same bytes as the text span.
    pub fn is_contiguous(&self, text_span: Range<usize>) -> bool {
        if text_span.end <= text_span.start {
            return true;
        }
        let idx = self
            .pieces
            .partition_point(|p| p.text_start <= text_span.start);
        match idx.checked_sub(1).and_then(|i| self.pieces.get(i)) {
            Some(p) => text_span.end <= p.text_end(),
            None => false,
        }
    }

    /// Map a file offset back to a text offset, if the file byte at that
    /// offset is part of the shell text (or the offset is the end of a
    /// piece).
    pub fn text_offset(&self, file_offset: usize) -> Option<usize> {
        self.pieces
            .iter()
            .find(|p| p.file_start <= file_offset && file_offset <= p.file_start + p.len)
            .map(|p| p.text_start + (file_offset - p.file_start))
    }
}

/// A word of shell text: a command name, an argument, an assignment, a
/// redirect target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The word as written in the shell text (quotes and escapes included).
    pub raw: String,
    /// The value after quote removal when it is static (no parameter,
    /// command, arithmetic, tilde or brace expansion); `None` otherwise.
    /// Pathname expansion is not performed: an unquoted `*` stays `*`.
    pub value: Option<String>,
    /// Span in the file.
    pub span: Range<usize>,
    /// Span in the shell text.
    pub text_span: Range<usize>,
    /// Whether the word lies within one piece of the file, i.e.
    /// `&file[span] == raw`. False when a line continuation (or a comment
    /// line) was cut out of the middle of the word.
    pub contiguous: bool,
}

impl Word {
    /// Whether the word's static value is exactly `s`.
    pub fn is(&self, s: &str) -> bool {
        self.value.as_deref() == Some(s)
    }

    /// The text used to recognise flags: the static value, or the raw text
    /// when the word has expansions (`--opt=$X` is still a flag).
    fn flag_text(&self) -> &str {
        self.value.as_deref().unwrap_or(&self.raw)
    }
}

/// A redirection such as `>/dev/null`, `2>&1`, `<<EOF`, `<<<"$x"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The whole redirection as written in the shell text.
    pub raw: String,
    /// Span in the file.
    pub span: Range<usize>,
    /// Span in the shell text.
    pub text_span: Range<usize>,
    /// Explicit file descriptor (`2` in `2>&1`).
    pub fd: Option<String>,
    /// The operator: `>`, `>>`, `<`, `>&`, `&>`, `<<`, `<<-`, `<<<`, ...
    pub operator: String,
    /// The target: file name, descriptor, heredoc delimiter or here-string.
    pub target: Option<Word>,
}

/// A simple command: assignments, a name, arguments and redirections.
///
/// `export`/`declare`/`local`/`readonly`/`typeset` and `unset` are commands
/// too (name = the keyword, args = the rest, `A=1` included), and so is a
/// statement made only of assignments (`FOO=1`, no name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// Span in the file. Includes redirections written after the command
    /// (`cmd >/dev/null 2>&1`), so deleting the span deletes them too.
    pub span: Range<usize>,
    /// Span in the shell text.
    pub text_span: Range<usize>,
    /// The command name (`None` for assignment-only or redirect-only
    /// commands).
    pub name: Option<Word>,
    /// Arguments in order.
    pub args: Vec<Word>,
    /// `FOO=bar` prefixes (or the whole statement when it is only
    /// assignments).
    pub assignments: Vec<Word>,
    /// Redirections, wherever they appear in the command.
    pub redirects: Vec<Redirect>,
}

impl Command {
    /// Whether the command name is `n`, also when written as a path
    /// (`/usr/bin/apt-get` matches `apt-get`) or quoted/escaped.
    pub fn name_is(&self, n: &str) -> bool {
        let Some(value) = self.name.as_ref().and_then(|w| w.value.as_deref()) else {
            return false;
        };
        value == n || value.rsplit('/').next() == Some(n)
    }

    /// The command name's static value, if any.
    pub fn name_str(&self) -> Option<&str> {
        self.name.as_ref().and_then(|w| w.value.as_deref())
    }

    /// Arguments before the end-of-options marker `--`.
    fn option_args(&self) -> impl Iterator<Item = &Word> {
        self.args.iter().take_while(|w| !w.is("--"))
    }

    /// Whether a short flag is given, alone (`-y`) or combined (`-qy`).
    ///
    /// Looks at every argument before `--` that starts with a single `-`.
    /// A short option with an attached value (`-oFoo=y`) is read as combined
    /// flags, as getopt cannot tell without knowing the command.
    pub fn has_flag(&self, short: char) -> bool {
        self.option_args().any(|w| {
            let t = w.flag_text();
            t.len() > 1
                && t.starts_with('-')
                && !t.starts_with("--")
                && t[1..].chars().any(|c| c == short)
        })
    }

    /// Whether a long flag is given: `--yes` or `--assume-yes=...`.
    /// `name` may be given with or without the leading `--`.
    pub fn has_long_flag(&self, name: &str) -> bool {
        let name = name.trim_start_matches("--");
        if name.is_empty() {
            return false;
        }
        self.option_args().any(|w| {
            w.flag_text()
                .strip_prefix("--")
                .and_then(|rest| rest.strip_prefix(name))
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('='))
        })
    }

    /// Arguments that are not flags, with flags that take a separate value
    /// listed in `takes_value` (e.g. `&["-o", "--option"]` for apt-get): the
    /// argument after such a flag is its value, not a positional.
    ///
    /// Everything after `--` is positional. A lone `-` is positional (stdin).
    /// Arguments with expansions that do not start with `-` count as
    /// positional.
    pub fn positional_args_with(&self, takes_value: &[&str]) -> Vec<&Word> {
        let mut out = Vec::new();
        let mut args = self.args.iter();
        while let Some(w) = args.next() {
            if w.is("--") {
                out.extend(args.by_ref());
                break;
            }
            let t = w.flag_text();
            if t.len() > 1 && t.starts_with('-') {
                if takes_value.contains(&t) {
                    args.next();
                }
                continue;
            }
            out.push(w);
        }
        out
    }

    /// Arguments that are not flags (no flag is assumed to take a separate
    /// value; see [`Command::positional_args_with`]).
    pub fn positional_args(&self) -> Vec<&Word> {
        self.positional_args_with(&[])
    }

    /// The first positional argument (`install` in `apt-get -y install x`).
    pub fn subcommand(&self) -> Option<&Word> {
        self.subcommand_with(&[])
    }

    /// The first positional argument, with flags that take a separate value
    /// listed in `takes_value` (`apt-get -o Foo=1 install`).
    pub fn subcommand_with(&self, takes_value: &[&str]) -> Option<&Word> {
        self.positional_args_with(takes_value).into_iter().next()
    }
}

/// What kind of compound command a [`Compound`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompoundKind {
    /// `( ... )`
    Subshell,
    /// `{ ...; }`
    Group,
    /// `if ... fi`
    If,
    /// `for ...; do ... done` (also the C-style `for ((...))`)
    For,
    /// `while`/`until ...; do ... done`
    While,
    /// `case ... esac`
    Case,
    /// `name() { ... }`
    Function,
    /// `[ ... ]`, `[[ ... ]]`
    Test,
    /// `(( ... ))`
    Arithmetic,
    /// Anything else, including parse errors.
    Other,
}

/// A compound command inside a pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compound {
    /// What it is.
    pub kind: CompoundKind,
    /// Span in the file (including redirections after it).
    pub span: Range<usize>,
    /// Span in the shell text.
    pub text_span: Range<usize>,
    /// Every simple command inside, in source order.
    pub commands: Vec<Command>,
    /// Redirections applied to the whole compound (`done < file`).
    pub redirects: Vec<Redirect>,
}

/// One element of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipelineElement {
    /// A simple command.
    Command(Command),
    /// A compound command (subshell, group, if, for, ...).
    Compound(Compound),
}

impl PipelineElement {
    /// The element's span in the file.
    pub fn span(&self) -> Range<usize> {
        match self {
            PipelineElement::Command(c) => c.span.clone(),
            PipelineElement::Compound(c) => c.span.clone(),
        }
    }
}

/// Commands joined by `|` (a single command is a pipeline of one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    /// Span in the file.
    pub span: Range<usize>,
    /// Span in the shell text.
    pub text_span: Range<usize>,
    /// Whether the pipeline is negated with `!`.
    pub negated: bool,
    /// The elements in order.
    pub elements: Vec<PipelineElement>,
}

impl Pipeline {
    /// The simple commands that are direct elements (not inside compounds).
    pub fn commands(&self) -> impl Iterator<Item = &Command> {
        self.elements.iter().filter_map(|e| match e {
            PipelineElement::Command(c) => Some(c),
            PipelineElement::Compound(_) => None,
        })
    }

    /// Whether more than one element is joined by `|`.
    pub fn is_piped(&self) -> bool {
        self.elements.len() > 1
    }
}

/// The operator that follows a list item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `&&`
    And,
    /// `||`
    Or,
    /// `;`
    Semi,
    /// `&`
    Background,
    /// A newline ending the statement.
    Newline,
}

/// One pipeline of a statement and the operator written after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListItem {
    /// The pipeline.
    pub pipeline: Pipeline,
    /// The operator after it with its file span: `&&`/`||` inside the
    /// statement; `;`/`&`/newline after the statement's last item; `None`
    /// at the end of the text.
    pub operator_after: Option<(Operator, Range<usize>)>,
}

/// A top-level statement: an and-or list of pipelines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Span in the file, without the separator that ends the statement.
    pub span: Range<usize>,
    /// Span in the shell text.
    pub text_span: Range<usize>,
    /// The pipelines, joined by `&&`/`||`.
    pub items: Vec<ListItem>,
}

impl Statement {
    /// The simple commands that are direct pipeline elements of the
    /// statement (not inside compounds), in order.
    pub fn commands(&self) -> impl Iterator<Item = &Command> {
        self.items.iter().flat_map(|i| i.pipeline.commands())
    }

    /// The separator after the statement (`;`, `&`, newline), if any.
    pub fn terminator(&self) -> Option<&(Operator, Range<usize>)> {
        self.items.last().and_then(|i| i.operator_after.as_ref())
    }
}

/// Parsed shell text: owns the [`ShellSource`] and the syntax tree.
pub struct ShellScript {
    source: ShellSource,
    /// `None` only if tree-sitter refused to parse (it never should without
    /// a timeout or cancellation; kept optional so that we never panic).
    tree: Option<Tree>,
}

impl std::fmt::Debug for ShellScript {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShellScript")
            .field("source", &self.source)
            .field("has_errors", &self.has_errors())
            .finish()
    }
}

thread_local! {
    /// Creating a parser and loading the language for every RUN would cost
    /// more than parsing a typical RUN, so each thread keeps one.
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

fn new_parser() -> Option<Parser> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_bash::LANGUAGE.into())
        .ok()?;
    Some(parser)
}

fn parse_text(text: &str) -> Option<Tree> {
    let cached = PARSER.try_with(|cell| {
        let mut slot = cell.try_borrow_mut().ok()?;
        if slot.is_none() {
            *slot = new_parser();
        }
        let parser = slot.as_mut()?;
        // A parse that stopped half way leaves state behind; start clean.
        parser.reset();
        parser.parse(text, None)
    });
    match cached {
        Ok(Some(tree)) => Some(tree),
        // Thread-local storage being torn down (or a failed parse): use a
        // fresh parser rather than giving up.
        _ => new_parser()?.parse(text, None),
    }
}

impl ShellScript {
    /// Parse the shell text. Never panics; on syntax errors the tree holds
    /// ERROR nodes and [`ShellScript::has_errors`] is true, but statements
    /// and commands are still reported where tree-sitter recovered them.
    pub fn parse(source: ShellSource) -> ShellScript {
        let tree = parse_text(&source.text);
        ShellScript { source, tree }
    }

    /// The source text and offset map.
    pub fn source(&self) -> &ShellSource {
        &self.source
    }

    /// The tree-sitter-bash tree, for analyses this module does not offer.
    /// Its byte offsets are shell-text offsets; map them with
    /// [`ShellScript::source`].
    pub fn tree(&self) -> Option<&Tree> {
        self.tree.as_ref()
    }

    /// Whether the text has syntax errors (rules should not edit it then).
    pub fn has_errors(&self) -> bool {
        self.tree.as_ref().is_none_or(|t| t.root_node().has_error())
    }

    /// File spans of the syntax errors (ERROR nodes and missing tokens).
    pub fn error_spans(&self) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        if let Some(tree) = &self.tree {
            walk(tree.root_node(), |node, _| {
                if node.is_error() || node.is_missing() {
                    out.push(self.source.file_span(node.byte_range()));
                    return false;
                }
                node.has_error()
            });
        }
        out
    }

    /// Top-level statements in order. Each is an and-or list of pipelines
    /// joined by `&&`/`||`; statements are separated by `;`, `&` or a
    /// newline. Comments and ERROR nodes at the top level are skipped.
    pub fn statements(&self) -> Vec<Statement> {
        let Some(tree) = &self.tree else {
            return Vec::new();
        };
        let b = Builder { src: &self.source };
        let root = tree.root_node();
        let mut out: Vec<Statement> = Vec::new();
        let mut cursor = root.walk();
        for child in root.children(&mut cursor) {
            if child.is_named() {
                if matches!(child.kind(), "comment" | "ERROR") {
                    continue;
                }
                if let Some(prev) = out.last_mut() {
                    b.newline_terminator(prev, child.start_byte());
                }
                out.push(b.statement(child));
            } else if let Some(op) = separator(child.kind()) {
                let last_item = out.last_mut().and_then(|s| s.items.last_mut());
                if let Some(item) = last_item {
                    if item.operator_after.is_none() {
                        item.operator_after = Some((op, b.src.file_span(child.byte_range())));
                    }
                }
            }
        }
        if let Some(prev) = out.last_mut() {
            b.newline_terminator(prev, self.source.text.len());
        }
        out
    }

    /// Every simple command anywhere (inside subshells, `if`/`for` bodies,
    /// `$( )`, including commands tree-sitter recovered inside ERROR nodes),
    /// in source order.
    pub fn commands(&self) -> Vec<Command> {
        match &self.tree {
            Some(tree) => Builder { src: &self.source }.commands_in(tree.root_node()),
            None => Vec::new(),
        }
    }
}

/// The statement separator a token stands for.
fn separator(kind: &str) -> Option<Operator> {
    match kind {
        ";" => Some(Operator::Semi),
        "&" => Some(Operator::Background),
        _ => None,
    }
}

/// Pre-order walk over `root`'s subtree without recursion. `visit` gets each
/// node and its parent's kind and returns whether to descend into it.
fn walk<'t>(root: Node<'t>, mut visit: impl FnMut(Node<'t>, Option<&'t str>) -> bool) {
    let mut cursor = root.walk();
    // Kinds of the ancestors of the cursor's node, up to `root`.
    let mut parents: Vec<&'t str> = Vec::new();
    loop {
        let node = cursor.node();
        let descend = visit(node, parents.last().copied());
        if descend && cursor.goto_first_child() {
            parents.push(node.kind());
            continue;
        }
        // Move to the next sibling, climbing up until there is one.
        loop {
            if parents.is_empty() {
                // Back at root (or root had no children): done. The root's
                // siblings are not part of the walk.
                return;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
            parents.pop();
        }
    }
}

/// Node kinds whose children are statements: a bare assignment directly
/// inside them is a statement of its own (an assignment-only command).
const STATEMENT_PARENTS: &[&str] = &[
    "program",
    "list",
    "pipeline",
    "subshell",
    "compound_statement",
    "do_group",
    "if_statement",
    "elif_clause",
    "else_clause",
    "while_statement",
    "case_item",
    "redirected_statement",
    "negated_command",
    "heredoc_redirect",
    "command_substitution",
];

/// Whether `node` (with the given parent kind) is a simple command.
fn is_command_node(node: Node, parent: Option<&str>) -> bool {
    match node.kind() {
        "command" | "declaration_command" | "unset_command" => true,
        "variable_assignment" | "variable_assignments" => {
            parent.is_some_and(|p| STATEMENT_PARENTS.contains(&p))
        }
        _ => false,
    }
}

fn compound_kind(kind: &str) -> CompoundKind {
    match kind {
        "subshell" => CompoundKind::Subshell,
        "compound_statement" => CompoundKind::Group,
        "if_statement" => CompoundKind::If,
        "for_statement" | "c_style_for_statement" => CompoundKind::For,
        "while_statement" => CompoundKind::While,
        "case_statement" => CompoundKind::Case,
        "function_definition" => CompoundKind::Function,
        "test_command" => CompoundKind::Test,
        "arithmetic_expansion" => CompoundKind::Arithmetic,
        _ => CompoundKind::Other,
    }
}

/// Builds the public structures from tree nodes.
struct Builder<'s> {
    src: &'s ShellSource,
}

/// Beyond this nesting depth a word's value is not computed (it is then
/// `None`); words are shallow in practice, this only bounds recursion.
const MAX_WORD_DEPTH: usize = 32;

impl<'s> Builder<'s> {
    fn raw(&self, node: Node) -> &'s str {
        self.src.text.get(node.byte_range()).unwrap_or("")
    }

    fn word(&self, node: Node) -> Word {
        let text_span = node.byte_range();
        Word {
            raw: self.raw(node).to_owned(),
            value: self.value(node, 0),
            span: self.src.file_span(text_span.clone()),
            contiguous: self.src.is_contiguous(text_span.clone()),
            text_span,
        }
    }

    /// Static value of a word node after quote removal, or `None`.
    fn value(&self, node: Node, depth: usize) -> Option<String> {
        if depth > MAX_WORD_DEPTH {
            return None;
        }
        let raw = self.raw(node);
        if !node.is_named() {
            // Operator-like tokens used as arguments (`==`, `$`).
            return Some(raw.to_owned());
        }
        match node.kind() {
            "command_name" => {
                let mut cursor = node.walk();
                let inner = node.named_children(&mut cursor).next()?;
                self.value(inner, depth + 1)
            }
            "word" => {
                if raw.starts_with('~') || has_brace_expansion(raw) {
                    return None;
                }
                Some(unescape_unquoted(raw))
            }
            "number" | "variable_name" | "file_descriptor" => Some(raw.to_owned()),
            "raw_string" => raw
                .strip_prefix('\'')
                .and_then(|r| r.strip_suffix('\''))
                .map(str::to_owned),
            "string" => {
                let mut cursor = node.walk();
                let only_text = node
                    .named_children(&mut cursor)
                    .all(|c| c.kind() == "string_content");
                let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
                // A `$` that is an anonymous token inside the quotes is a
                // literal dollar; anything else named is an expansion.
                only_text.then(|| unescape_double_quoted(inner))
            }
            "ansi_c_string" => {
                let inner = raw.strip_prefix("$'")?.strip_suffix('\'')?;
                unescape_ansi_c(inner)
            }
            "heredoc_start" => Some(
                raw.chars()
                    .filter(|c| !matches!(c, '\'' | '"' | '\\'))
                    .collect(),
            ),
            "concatenation" | "variable_assignment" => self.concat_value(node, depth),
            _ => None,
        }
    }

    /// Value of a node whose children are written back to back.
    fn concat_value(&self, node: Node, depth: usize) -> Option<String> {
        let mut out = String::new();
        // The unquoted words alone, to spot brace expansion split over
        // several word nodes (`{a,b}` is `{` `a,b` `}`).
        let mut unquoted = String::new();
        let mut pos = node.start_byte();
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            if child.start_byte() != pos {
                return None;
            }
            pos = child.end_byte();
            if child.kind() == "word" {
                unquoted.push_str(self.raw(child));
            }
            out.push_str(&self.value(child, depth + 1)?);
        }
        if pos != node.end_byte() || has_brace_expansion(&unquoted) {
            return None;
        }
        Some(out)
    }

    fn redirect(&self, node: Node) -> Redirect {
        let text_span = node.byte_range();
        let mut fd = None;
        let mut operator = String::new();
        let mut target = None;
        let mut cursor = node.walk();
        for (i, child) in node.children(&mut cursor).enumerate() {
            let field = u32::try_from(i)
                .ok()
                .and_then(|i| node.field_name_for_child(i));
            match (field, child.kind()) {
                (Some("descriptor"), _) => fd = Some(self.raw(child).to_owned()),
                (Some("destination"), _) | (_, "heredoc_start") => {
                    if target.is_none() {
                        target = Some(self.word(child));
                    }
                }
                // The here-string operand has no field name.
                (None, _) if child.is_named() && node.kind() == "herestring_redirect" => {
                    if target.is_none() {
                        target = Some(self.word(child));
                    }
                }
                (None, _) if !child.is_named() && operator.is_empty() => {
                    operator = self.raw(child).to_owned();
                }
                _ => {}
            }
        }
        Redirect {
            raw: self.raw(node).to_owned(),
            span: self.src.file_span(text_span.clone()),
            text_span,
            fd,
            operator,
            target,
        }
    }

    /// Build a command from a command-like node; `outer` is the
    /// `redirected_statement` around it, whose redirections belong to it.
    fn command(&self, node: Node, outer: Option<Node>) -> Command {
        let mut cmd = Command {
            span: 0..0,
            text_span: node.byte_range(),
            name: None,
            args: Vec::new(),
            assignments: Vec::new(),
            redirects: Vec::new(),
        };
        let mut cursor = node.walk();
        match node.kind() {
            "command" => {
                for (i, child) in node.children(&mut cursor).enumerate() {
                    let field = u32::try_from(i)
                        .ok()
                        .and_then(|i| node.field_name_for_child(i));
                    match (field, child.kind()) {
                        (Some("name"), _) => cmd.name = Some(self.word(child)),
                        (Some("argument"), _) => cmd.args.push(self.word(child)),
                        (Some("redirect"), _) => cmd.redirects.push(self.redirect(child)),
                        (_, "variable_assignment") => cmd.assignments.push(self.word(child)),
                        _ => {}
                    }
                }
            }
            "declaration_command" | "unset_command" => {
                for child in node.children(&mut cursor) {
                    if child.kind() == "comment" {
                        continue;
                    }
                    if cmd.name.is_none() && !child.is_named() {
                        cmd.name = Some(self.word(child));
                    } else if child.is_named() {
                        cmd.args.push(self.word(child));
                    }
                }
            }
            "variable_assignment" => cmd.assignments.push(self.word(node)),
            "variable_assignments" => {
                for child in node.named_children(&mut cursor) {
                    cmd.assignments.push(self.word(child));
                }
            }
            _ => {}
        }
        if let Some(outer) = outer {
            cmd.redirects.extend(self.outer_redirects(outer));
            cmd.text_span = outer.byte_range();
        }
        cmd.span = self.src.file_span(cmd.text_span.clone());
        cmd
    }

    /// The redirections of a `redirected_statement` (not its body).
    fn outer_redirects(&self, outer: Node) -> Vec<Redirect> {
        let mut out = Vec::new();
        let mut cursor = outer.walk();
        for child in outer.named_children(&mut cursor) {
            if child.kind().ends_with("_redirect") {
                out.push(self.redirect(child));
            }
        }
        out
    }

    /// Every command in `root`'s subtree (root included), in source order.
    fn commands_in(&self, root: Node) -> Vec<Command> {
        let mut out = Vec::new();
        // Bodies of redirected statements, already emitted with their
        // redirections when the redirected statement was visited.
        let mut done: HashSet<usize> = HashSet::new();
        walk(root, |node, parent| {
            if node.kind() == "redirected_statement" {
                match node.child_by_field_name("body") {
                    Some(body) if is_command_node(body, Some("redirected_statement")) => {
                        out.push(self.command(body, Some(node)));
                        done.insert(body.id());
                    }
                    // `>file` alone: a command with nothing but redirections.
                    None => out.push(self.command(node, Some(node))),
                    Some(_) => {}
                }
            } else if is_command_node(node, parent) && !done.contains(&node.id()) {
                out.push(self.command(node, None));
            }
            true
        });
        out
    }

    fn compound(&self, node: Node, outer: Option<Node>) -> Compound {
        let text_span = outer.unwrap_or(node).byte_range();
        Compound {
            kind: compound_kind(node.kind()),
            span: self.src.file_span(text_span.clone()),
            text_span,
            commands: self.commands_in(node),
            redirects: outer.map(|o| self.outer_redirects(o)).unwrap_or_default(),
        }
    }

    fn element(&self, node: Node) -> PipelineElement {
        if is_command_node(node, Some("pipeline")) {
            return PipelineElement::Command(self.command(node, None));
        }
        if node.kind() == "redirected_statement" {
            return match node.child_by_field_name("body") {
                Some(body) if is_command_node(body, Some("redirected_statement")) => {
                    PipelineElement::Command(self.command(body, Some(node)))
                }
                Some(body) => PipelineElement::Compound(self.compound(body, Some(node))),
                None => PipelineElement::Command(self.command(node, Some(node))),
            };
        }
        PipelineElement::Compound(self.compound(node, None))
    }

    /// Build a pipeline from a statement-level node that is not a `list`.
    fn pipeline(&self, node: Node) -> Pipeline {
        let text_span = node.byte_range();
        let mut negated = false;
        let mut elements = Vec::new();
        let mut cursor = node.walk();
        match node.kind() {
            "pipeline" => {
                for child in node.named_children(&mut cursor) {
                    if child.kind() == "comment" {
                        continue;
                    }
                    elements.push(self.negatable_element(child, &mut negated));
                }
            }
            // `a | b > f`: tree-sitter-bash wraps the whole pipeline, but the
            // shell applies the redirection to the last command only.
            "redirected_statement"
                if node
                    .child_by_field_name("body")
                    .is_some_and(|b| b.kind() == "pipeline") =>
            {
                if let Some(body) = node.child_by_field_name("body") {
                    let mut inner = self.pipeline(body);
                    let redirects = self.outer_redirects(node);
                    if let Some(last) = inner.elements.last_mut() {
                        let (span, text_span, list) = match last {
                            PipelineElement::Command(c) => {
                                (&mut c.span, &mut c.text_span, &mut c.redirects)
                            }
                            PipelineElement::Compound(c) => {
                                (&mut c.span, &mut c.text_span, &mut c.redirects)
                            }
                        };
                        text_span.end = node.end_byte();
                        *span = self.src.file_span(text_span.clone());
                        list.extend(redirects);
                    }
                    negated = inner.negated;
                    elements = inner.elements;
                }
            }
            _ => elements.push(self.negatable_element(node, &mut negated)),
        }
        Pipeline {
            span: self.src.file_span(text_span.clone()),
            text_span,
            negated,
            elements,
        }
    }

    fn negatable_element(&self, node: Node, negated: &mut bool) -> PipelineElement {
        if node.kind() == "negated_command" {
            *negated = true;
            let mut cursor = node.walk();
            let inner = node.named_children(&mut cursor).next();
            if let Some(inner) = inner {
                return self.element(inner);
            }
        }
        self.element(node)
    }

    /// Flatten a statement node (nested `list`s of `&&`/`||`) into items,
    /// with an explicit stack: long chains nest deeply on the left.
    fn statement(&self, node: Node) -> Statement {
        let mut items: Vec<ListItem> = Vec::new();
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            if n.kind() == "list" {
                let mut cursor = n.walk();
                let children: Vec<Node> = n.children(&mut cursor).collect();
                stack.extend(children.into_iter().rev());
                continue;
            }
            if !n.is_named() {
                let op = match n.kind() {
                    "&&" => Operator::And,
                    "||" => Operator::Or,
                    _ => continue,
                };
                if let Some(last) = items.last_mut() {
                    last.operator_after = Some((op, self.src.file_span(n.byte_range())));
                }
                continue;
            }
            if n.kind() == "comment" {
                continue;
            }
            items.push(ListItem {
                pipeline: self.pipeline(n),
                operator_after: None,
            });
        }
        let text_span = node.byte_range();
        Statement {
            span: self.src.file_span(text_span.clone()),
            text_span,
            items,
        }
    }

    /// If `stmt` has no separator yet and a newline follows it before
    /// `next_start`, record the newline as its separator.
    fn newline_terminator(&self, stmt: &mut Statement, next_start: usize) {
        let Some(item) = stmt.items.last_mut() else {
            return;
        };
        if item.operator_after.is_some() {
            return;
        }
        let from = stmt.text_span.end;
        let Some(gap) = self.src.text.get(from..next_start.max(from)) else {
            return;
        };
        if let Some(i) = gap.find('\n') {
            let at = from + i;
            item.operator_after = Some((Operator::Newline, self.src.file_span(at..at + 1)));
        }
    }
}

/// Whether an unquoted word contains a brace expansion (`{a,b}`, `{1..3}`).
/// A `{}` or `{x}` alone is literal, as in `find -exec {} \;`.
fn has_brace_expansion(s: &str) -> bool {
    let mut rest = s;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return false;
        };
        let inner = &after[..close];
        if inner.contains(',') || inner.contains("..") {
            return true;
        }
        rest = &after[close + 1..];
    }
    false
}

/// Quote removal for an unquoted word: a backslash escapes the next
/// character; backslash-newline disappears.
fn unescape_unquoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('\n') => {}
                Some(next) => out.push(next),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Quote removal inside double quotes: a backslash escapes only `$`, `` ` ``,
/// `"`, `\` and newline; before anything else it stays.
fn unescape_double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek().copied() {
                Some('\n') => {
                    chars.next();
                }
                Some(next @ ('$' | '`' | '"' | '\\')) => {
                    chars.next();
                    out.push(next);
                }
                _ => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Decode the common escapes of a `$'...'` string; `None` for the rarer
/// numeric and control escapes (the value is then treated as dynamic).
fn unescape_ansi_c(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            'a' => '\x07',
            'b' => '\x08',
            'e' | 'E' => '\x1b',
            'f' => '\x0c',
            'v' => '\x0b',
            c @ ('\\' | '\'' | '"' | '?') => c,
            _ => return None,
        });
    }
    Some(out)
}
