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
use std::collections::HashMap;
use std::ops::Range;

use tree_sitter::{Node, Parser, Tree};

/// `node.kind()` from a table (see [`crate::kinds`]).
fn kind(node: &Node) -> &'static str {
    crate::kinds::bash().of(*node)
}

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
    /// For a heredoc (`<<EOF`): the file span of its body, the lines up to
    /// (not including) the terminator line. The redirect's own span covers
    /// only `<<EOF`, as written on the command's line.
    pub heredoc_body: Option<Range<usize>>,
}

/// A simple command: assignments, a name, arguments and redirections.
///
/// `export`/`declare`/`local`/`readonly`/`typeset` and `unset` are commands
/// too (name = the keyword, args = the rest, `A=1` included), and so is a
/// statement made only of assignments (`FOO=1`, no name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// Span in the file. Includes redirections written after the command
    /// (`cmd >/dev/null 2>&1`, also when tree-sitter-bash hangs them on the
    /// enclosing chain), so deleting the span deletes them too. A heredoc
    /// counts as its `<<EOF` only; its body is in
    /// [`Redirect::heredoc_body`].
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
        // The text after the last `/` is `n`; spelled out with `ends_with`
        // because rules ask this of every command for many names, and
        // most answers are a quick no on the last byte.
        value == n
            || (value.len() > n.len()
                && value.ends_with(n)
                && value.as_bytes()[value.len() - n.len() - 1] == b'/'
                && !n.contains('/'))
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

    /// The element's span in the shell text.
    pub fn text_span(&self) -> Range<usize> {
        match self {
            PipelineElement::Command(c) => c.text_span.clone(),
            PipelineElement::Compound(c) => c.text_span.clone(),
        }
    }

    /// File span, text span and redirections, for attaching redirections.
    fn parts_mut(&mut self) -> (&mut Range<usize>, &mut Range<usize>, &mut Vec<Redirect>) {
        match self {
            PipelineElement::Command(c) => (&mut c.span, &mut c.text_span, &mut c.redirects),
            PipelineElement::Compound(c) => (&mut c.span, &mut c.text_span, &mut c.redirects),
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
    /// Span in the file, without the separator that ends the statement
    /// (but with the body of any heredoc the statement opens).
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
    /// The tree and the analysis of this text, shared with every script of
    /// the same text (see [`Shared`]).
    shared: std::sync::Arc<Shared>,
    /// How far this script's file offsets are from `shared.source`'s when
    /// the two lay the text out the same way (`None`: another layout, so
    /// the analysis is this script's own).
    shift: Option<isize>,
    /// Built once on first use: many rules read the same script.
    statements_cache: std::sync::OnceLock<Vec<Statement>>,
    commands_cache: std::sync::OnceLock<Vec<Command>>,
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

/// What does not depend on where a shell text sits in its Dockerfile,
/// shared by all threads: the same RUN text comes back in every pass of the
/// fix loop, in every edit the language server sees, and in the variants of
/// one image. Parsing it (tree-sitter-bash was a quarter of a `--check`
/// run) and reading its statements and commands out of the tree (another
/// quarter) is then done once; a script at another place in the file gets
/// a copy with its file offsets moved.
struct Shared {
    /// `None` only if tree-sitter refused to parse (it never should without
    /// a timeout or cancellation; kept optional so that we never panic).
    tree: Option<Tree>,
    /// The source the analysis below was built with.
    source: ShellSource,
    statements: std::sync::OnceLock<Vec<Statement>>,
    commands: std::sync::OnceLock<Vec<Command>>,
}

impl Shared {
    fn statements(&self) -> &[Statement] {
        self.statements
            .get_or_init(|| build_statements(&self.source, self.tree.as_ref()))
    }

    fn commands(&self) -> &[Command] {
        self.commands
            .get_or_init(|| build_commands(&self.source, self.tree.as_ref()))
    }
}

/// [`Shared`] analyses by text. The map holds them weakly: an analysis
/// lives as long as a document uses it (every file of a `--check` run stays
/// parsed to the end), plus the last [`RECENT`] looked up, which carry a
/// text from one pass of the fix loop, or one edit in the language server,
/// to the next. Memory then stays what the documents take.
struct SharedCache {
    by_text: HashMap<String, std::sync::Weak<Shared>>,
    recent: std::collections::VecDeque<std::sync::Arc<Shared>>,
}

/// Analyses kept alive after their documents are gone (a RUN's is some
/// kilobytes; a long Dockerfile has a few hundred RUNs).
const RECENT: usize = 64;

/// Entries in [`SharedCache::by_text`] past which the dead ones go.
const PRUNE_AT: usize = 4 * RECENT;

impl SharedCache {
    fn keep(&mut self, shared: &std::sync::Arc<Shared>) {
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(shared.clone());
    }
}

fn shared_for(source: &ShellSource) -> std::sync::Arc<Shared> {
    use std::sync::{Arc, Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<SharedCache>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| {
        Mutex::new(SharedCache {
            by_text: HashMap::new(),
            recent: std::collections::VecDeque::with_capacity(RECENT),
        })
    });
    // A poisoned lock only means another thread panicked while holding
    // it; the map itself is always consistent.
    let lock = || cache.lock().unwrap_or_else(|e| e.into_inner());
    {
        let mut held = lock();
        if let Some(hit) = held
            .by_text
            .get(&source.text)
            .and_then(std::sync::Weak::upgrade)
        {
            held.keep(&hit);
            return hit;
        }
    }
    // Parsed outside the lock: two threads may parse one text at once,
    // and then the later one is kept.
    let shared = Arc::new(Shared {
        tree: parse_text(&source.text),
        source: source.clone(),
        statements: OnceLock::new(),
        commands: OnceLock::new(),
    });
    let mut held = lock();
    if held.by_text.len() >= PRUNE_AT {
        held.by_text.retain(|_, w| w.strong_count() > 0);
    }
    held.by_text
        .insert(source.text.clone(), Arc::downgrade(&shared));
    held.keep(&shared);
    shared
}

/// How far `b`'s file offsets are from `a`'s when both lay the same text out
/// the same way (same pieces, each moved by the same amount); `None` when
/// they do not.
fn layout_shift(a: &ShellSource, b: &ShellSource) -> Option<isize> {
    let offset = |from: usize, to: usize| {
        isize::try_from(to)
            .ok()?
            .checked_sub(isize::try_from(from).ok()?)
    };
    let shift = offset(a.anchor, b.anchor)?;
    let same = a.text == b.text
        && a.pieces.len() == b.pieces.len()
        && a.pieces.iter().zip(&b.pieces).all(|(p, q)| {
            p.text_start == q.text_start
                && p.len == q.len
                && offset(p.file_start, q.file_start) == Some(shift)
        });
    same.then_some(shift)
}

fn build_statements(source: &ShellSource, tree: Option<&Tree>) -> Vec<Statement> {
    let Some(tree) = tree else {
        return Vec::new();
    };
    let b = Builder { src: source };
    let root = tree.root_node();
    let mut out: Vec<Statement> = Vec::new();
    let mut cursor = root.walk();
    for child in root.children(&mut cursor) {
        if child.is_named() {
            if matches!(kind(&child), "comment" | "ERROR") {
                continue;
            }
            if let Some(prev) = out.last_mut() {
                b.newline_terminator(prev, child.start_byte());
            }
            out.push(b.statement(child));
        } else if let Some(op) = separator(kind(&child)) {
            let last_item = out.last_mut().and_then(|s| s.items.last_mut());
            if let Some(item) = last_item {
                if item.operator_after.is_none() {
                    item.operator_after = Some((op, b.src.file_span(child.byte_range())));
                }
            }
        }
    }
    if let Some(prev) = out.last_mut() {
        b.newline_terminator(prev, source.text.len());
    }
    out
}

fn build_commands(source: &ShellSource, tree: Option<&Tree>) -> Vec<Command> {
    match tree {
        Some(tree) => Builder { src: source }.commands_in(tree.root_node()),
        None => Vec::new(),
    }
}

/// A file range moved by `by` bytes.
fn moved(r: &Range<usize>, by: isize) -> Range<usize> {
    r.start.wrapping_add_signed(by)..r.end.wrapping_add_signed(by)
}

/// The same analysis for a script laid out `by` bytes further in its file:
/// every file range moves (text ranges and text stay). Moving is a copy,
/// several times cheaper than walking the tree again.
trait Moved {
    fn moved(&self, by: isize) -> Self;
}

impl Moved for Word {
    fn moved(&self, by: isize) -> Word {
        // Every field spelled out (here and below): a file range added to
        // these types must be moved too, and the compiler says where.
        Word {
            raw: self.raw.clone(),
            value: self.value.clone(),
            span: moved(&self.span, by),
            text_span: self.text_span.clone(),
            contiguous: self.contiguous,
        }
    }
}

impl Moved for Redirect {
    fn moved(&self, by: isize) -> Redirect {
        Redirect {
            raw: self.raw.clone(),
            span: moved(&self.span, by),
            text_span: self.text_span.clone(),
            fd: self.fd.clone(),
            operator: self.operator.clone(),
            target: self.target.as_ref().map(|w| w.moved(by)),
            heredoc_body: self.heredoc_body.as_ref().map(|r| moved(r, by)),
        }
    }
}

impl Moved for Command {
    fn moved(&self, by: isize) -> Command {
        Command {
            span: moved(&self.span, by),
            text_span: self.text_span.clone(),
            name: self.name.as_ref().map(|w| w.moved(by)),
            args: self.args.iter().map(|w| w.moved(by)).collect(),
            assignments: self.assignments.iter().map(|w| w.moved(by)).collect(),
            redirects: self.redirects.iter().map(|r| r.moved(by)).collect(),
        }
    }
}

impl Moved for Compound {
    fn moved(&self, by: isize) -> Compound {
        Compound {
            kind: self.kind,
            span: moved(&self.span, by),
            text_span: self.text_span.clone(),
            commands: self.commands.iter().map(|c| c.moved(by)).collect(),
            redirects: self.redirects.iter().map(|r| r.moved(by)).collect(),
        }
    }
}

impl Moved for PipelineElement {
    fn moved(&self, by: isize) -> PipelineElement {
        match self {
            PipelineElement::Command(c) => PipelineElement::Command(c.moved(by)),
            PipelineElement::Compound(c) => PipelineElement::Compound(c.moved(by)),
        }
    }
}

impl Moved for Statement {
    fn moved(&self, by: isize) -> Statement {
        Statement {
            span: moved(&self.span, by),
            text_span: self.text_span.clone(),
            items: self
                .items
                .iter()
                .map(|item| ListItem {
                    pipeline: Pipeline {
                        span: moved(&item.pipeline.span, by),
                        text_span: item.pipeline.text_span.clone(),
                        negated: item.pipeline.negated,
                        elements: item.pipeline.elements.iter().map(|e| e.moved(by)).collect(),
                    },
                    operator_after: item
                        .operator_after
                        .as_ref()
                        .map(|(op, r)| (*op, moved(r, by))),
                })
                .collect(),
        }
    }
}

impl ShellScript {
    /// Parse the shell text. Never panics; on syntax errors the tree holds
    /// ERROR nodes and [`ShellScript::has_errors`] is true, but statements
    /// and commands are still reported where tree-sitter recovered them.
    pub fn parse(source: ShellSource) -> ShellScript {
        let shared = shared_for(&source);
        let shift = layout_shift(&shared.source, &source);
        ShellScript {
            source,
            shared,
            shift,
            statements_cache: std::sync::OnceLock::new(),
            commands_cache: std::sync::OnceLock::new(),
        }
    }

    /// The source text and offset map.
    pub fn source(&self) -> &ShellSource {
        &self.source
    }

    /// The tree-sitter-bash tree, for analyses this module does not offer.
    /// Its byte offsets are shell-text offsets; map them with
    /// [`ShellScript::source`].
    pub fn tree(&self) -> Option<&Tree> {
        self.shared.tree.as_ref()
    }

    /// Whether the text has syntax errors (rules should not edit it then).
    pub fn has_errors(&self) -> bool {
        self.tree().is_none_or(|t| t.root_node().has_error())
    }

    /// File spans of the syntax errors (ERROR nodes and missing tokens).
    pub fn error_spans(&self) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        if let Some(tree) = self.tree() {
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
    pub fn statements(&self) -> &[Statement] {
        match self.shift {
            Some(0) => self.shared.statements(),
            Some(by) => self.statements_cache.get_or_init(|| {
                self.shared
                    .statements()
                    .iter()
                    .map(|s| s.moved(by))
                    .collect()
            }),
            None => self
                .statements_cache
                .get_or_init(|| build_statements(&self.source, self.tree())),
        }
    }

    /// Every simple command anywhere (inside subshells, `if`/`for` bodies,
    /// `$( )`, including commands tree-sitter recovered inside ERROR nodes),
    /// in source order.
    pub fn commands(&self) -> &[Command] {
        match self.shift {
            Some(0) => self.shared.commands(),
            Some(by) => self
                .commands_cache
                .get_or_init(|| self.shared.commands().iter().map(|c| c.moved(by)).collect()),
            None => self
                .commands_cache
                .get_or_init(|| build_commands(&self.source, self.tree())),
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
            parents.push(kind(&node));
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
    match kind(&node) {
        "command" | "declaration_command" | "unset_command" => true,
        "variable_assignment" | "variable_assignments" => {
            parent.is_some_and(|p| STATEMENT_PARENTS.contains(&p))
        }
        _ => false,
    }
}

/// The node a `redirected_statement`'s redirections apply to: its body, or,
/// when tree-sitter-bash made the body a whole list or pipeline, the last
/// element of it (see [`Builder::statement`]). `None` when there is no body.
fn redirect_target(rs: Node) -> Option<Node> {
    let mut node = rs.child_by_field_name("body")?;
    loop {
        node = match kind(&node) {
            "list" | "pipeline" => {
                let mut cursor = node.walk();
                let last = node
                    .named_children(&mut cursor)
                    .filter(|c| kind(c) != "comment")
                    .last();
                last?
            }
            "negated_command" | "redirected_statement" => {
                let field = node.child_by_field_name("body");
                let mut cursor = node.walk();
                let first = node.named_children(&mut cursor).next();
                field.or(first)?
            }
            _ => return Some(node),
        };
    }
}

/// What follows `<<EOF` on its line inside the heredoc redirections of a
/// `redirected_statement`: the `&&`/`||` token and the statement after it,
/// or the pipeline after `|`, in order.
fn heredoc_continuations(rs: Node) -> Vec<Node> {
    let mut out = Vec::new();
    let mut cursor = rs.walk();
    for child in rs.named_children(&mut cursor) {
        if kind(&child) != "heredoc_redirect" {
            continue;
        }
        let mut inner = child.walk();
        for (i, part) in child.children(&mut inner).enumerate() {
            let field = u32::try_from(i)
                .ok()
                .and_then(|i| child.field_name_for_child(i));
            let wanted = matches!(kind(&part), "&&" | "||")
                || field == Some("right")
                || (field.is_none() && kind(&part) == "pipeline");
            if wanted {
                out.push(part);
            }
        }
    }
    out
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
        match kind(&node) {
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
                    .all(|c| kind(&c) == "string_content");
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
            if kind(&child) == "word" {
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
        let mut text_span = node.byte_range();
        let mut heredoc_body = None;
        let mut fd = None;
        let mut operator = String::new();
        let mut target = None;
        let mut cursor = node.walk();
        for (i, child) in node.children(&mut cursor).enumerate() {
            let field = u32::try_from(i)
                .ok()
                .and_then(|i| node.field_name_for_child(i));
            match (field, kind(&child)) {
                (Some("descriptor"), _) => fd = Some(self.raw(child).to_owned()),
                (Some("destination"), _) => {
                    target = target.or_else(|| Some(self.word(child)));
                }
                // The node also holds the body, the terminator, and what
                // follows `<<EOF` on its line (more redirections, `&& next`);
                // the redirection itself ends with the delimiter.
                (_, "heredoc_start") => {
                    text_span.end = child.end_byte();
                    target = target.or_else(|| Some(self.word(child)));
                }
                (_, "heredoc_body") => {
                    heredoc_body = Some(self.src.file_span(child.byte_range()));
                }
                // The here-string operand has no field name.
                (None, _) if child.is_named() && kind(&node) == "herestring_redirect" => {
                    target = target.or_else(|| Some(self.word(child)));
                }
                (None, _) if !child.is_named() && operator.is_empty() => {
                    operator = self.raw(child).to_owned();
                }
                _ => {}
            }
        }
        Redirect {
            raw: self
                .src
                .text
                .get(text_span.clone())
                .unwrap_or("")
                .to_owned(),
            span: self.src.file_span(text_span.clone()),
            text_span,
            fd,
            operator,
            target,
            heredoc_body,
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
        match kind(&node) {
            // The cursor knows each child's field as it goes;
            // `field_name_for_child(i)` walks the children again for every
            // `i`.
            "command" if cursor.goto_first_child() => loop {
                let child = cursor.node();
                match (cursor.field_name(), kind(&child)) {
                    (Some("name"), _) => cmd.name = Some(self.word(child)),
                    (Some("argument"), _) => cmd.args.push(self.word(child)),
                    (Some("redirect"), _) => cmd.redirects.push(self.redirect(child)),
                    (_, "variable_assignment") => cmd.assignments.push(self.word(child)),
                    _ => {}
                }
                if !cursor.goto_next_sibling() {
                    break;
                }
            },
            "declaration_command" | "unset_command" => {
                for child in node.children(&mut cursor) {
                    if kind(&child) == "comment" {
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
            if !kind(&child).ends_with("_redirect") {
                continue;
            }
            out.push(self.redirect(child));
            if kind(&child) == "heredoc_redirect" {
                // `cat <<EOF >/etc/x`: the `>/etc/x` is nested in the heredoc.
                let mut inner = child.walk();
                for (i, grandchild) in child.children(&mut inner).enumerate() {
                    let field = u32::try_from(i)
                        .ok()
                        .and_then(|i| child.field_name_for_child(i));
                    if field == Some("redirect") {
                        out.push(self.redirect(grandchild));
                    }
                }
            }
        }
        out
    }

    /// Apply the redirections of the `redirected_statement` `rs` to the
    /// element whose parts are given: add them and stretch the span over
    /// them (not over the whole `rs`, which may hold a whole chain or a
    /// heredoc body).
    fn attach(
        &self,
        rs: Node,
        (span, text_span, redirects): (&mut Range<usize>, &mut Range<usize>, &mut Vec<Redirect>),
    ) {
        for r in self.outer_redirects(rs) {
            text_span.start = text_span.start.min(r.text_span.start);
            text_span.end = text_span.end.max(r.text_span.end);
            redirects.push(r);
        }
        *span = self.src.file_span(text_span.clone());
    }

    /// Every command in `root`'s subtree (root included), in source order.
    fn commands_in(&self, root: Node) -> Vec<Command> {
        let mut out = Vec::new();
        // Redirected statements waiting for the command they apply to, by
        // that command's node id, outermost first.
        let mut pending: HashMap<usize, Vec<Node>> = HashMap::new();
        walk(root, |node, parent| {
            if kind(&node) == "redirected_statement" {
                match redirect_target(node) {
                    Some(target) => pending.entry(target.id()).or_default().push(node),
                    // `>file` alone: a command with nothing but redirections.
                    None => out.push(self.command(node, Some(node))),
                }
            } else if is_command_node(node, parent) {
                let mut cmd = self.command(node, None);
                for rs in pending
                    .remove(&node.id())
                    .unwrap_or_default()
                    .into_iter()
                    .rev()
                {
                    self.attach(rs, (&mut cmd.span, &mut cmd.text_span, &mut cmd.redirects));
                }
                out.push(cmd);
            }
            true
        });
        out
    }

    fn compound(&self, node: Node) -> Compound {
        let text_span = node.byte_range();
        // tree-sitter-bash parses `(( ... ))` as a group of expressions.
        let kind = match compound_kind(kind(&node)) {
            CompoundKind::Group if self.raw(node).starts_with("((") => CompoundKind::Arithmetic,
            kind => kind,
        };
        Compound {
            kind,
            span: self.src.file_span(text_span.clone()),
            text_span,
            commands: self.commands_in(node),
            redirects: Vec::new(),
        }
    }

    fn element(&self, node: Node) -> PipelineElement {
        if is_command_node(node, Some("pipeline")) {
            PipelineElement::Command(self.command(node, None))
        } else {
            PipelineElement::Compound(self.compound(node))
        }
    }

    /// Build a statement from a top-level node.
    ///
    /// tree-sitter-bash attaches a redirection written after the last
    /// command of a chain to the whole chain (`a && b >f` parses as
    /// `(a && b) >f`, and `a || b >f | c` as `(a || b >f) | c`), while the
    /// shell applies it to the last command. So the statement is first
    /// flattened into elements and operators, each redirection attached to
    /// the element before it, and then regrouped with the shell's precedence
    /// (`|` binds tighter than `&&`/`||`, both left-associative). An explicit
    /// stack is used because long chains nest deeply.
    fn statement(&self, node: Node) -> Statement {
        enum Work<'t> {
            Visit(Node<'t>),
            Attach(Node<'t>),
        }
        enum Tok {
            Element(PipelineElement),
            AndOr(Operator, Range<usize>),
            Bang(usize),
        }
        let mut toks: Vec<Tok> = Vec::new();
        let mut stack = vec![Work::Visit(node)];
        while let Some(work) = stack.pop() {
            let n = match work {
                Work::Attach(rs) => {
                    if let Some(Tok::Element(e)) = toks.last_mut() {
                        self.attach(rs, e.parts_mut());
                    }
                    continue;
                }
                Work::Visit(n) => n,
            };
            match kind(&n) {
                "list" | "pipeline" | "negated_command" => {
                    if kind(&n) == "negated_command" {
                        toks.push(Tok::Bang(n.start_byte()));
                    }
                    let mut cursor = n.walk();
                    let children: Vec<Node> = n.children(&mut cursor).collect();
                    stack.extend(children.into_iter().rev().map(Work::Visit));
                }
                "redirected_statement" => match n.child_by_field_name("body") {
                    Some(body) => {
                        // `cat <<EOF && next` / `cat <<EOF | sh`: the rest of
                        // the heredoc's line is nested in the heredoc node.
                        for rest in heredoc_continuations(n).into_iter().rev() {
                            stack.push(Work::Visit(rest));
                        }
                        stack.push(Work::Attach(n));
                        stack.push(Work::Visit(body));
                    }
                    None => toks.push(Tok::Element(PipelineElement::Command(
                        self.command(n, Some(n)),
                    ))),
                },
                "&&" => toks.push(Tok::AndOr(Operator::And, n.byte_range())),
                "||" => toks.push(Tok::AndOr(Operator::Or, n.byte_range())),
                // `|`, `|&`, `!` and stray tokens: the grouping says it all.
                _ if !n.is_named() => {}
                "comment" => {}
                _ => toks.push(Tok::Element(self.element(n))),
            }
        }

        let mut items = Vec::new();
        let mut elements: Vec<PipelineElement> = Vec::new();
        let mut negated: Option<usize> = None;
        let finish = |elements: &mut Vec<PipelineElement>, negated: &mut Option<usize>| {
            let bang = negated.take();
            let start = bang.or(elements.first().map(|e| e.text_span().start))?;
            let end = elements.last().map_or(start, |e| e.text_span().end);
            Some(Pipeline {
                span: self.src.file_span(start..end),
                text_span: start..end,
                negated: bang.is_some(),
                elements: std::mem::take(elements),
            })
        };
        for tok in toks {
            match tok {
                Tok::Bang(at) => {
                    if elements.is_empty() {
                        negated = Some(at);
                    }
                }
                Tok::Element(e) => elements.push(e),
                Tok::AndOr(op, range) => {
                    if let Some(pipeline) = finish(&mut elements, &mut negated) {
                        items.push(ListItem {
                            pipeline,
                            operator_after: Some((op, self.src.file_span(range))),
                        });
                    }
                }
            }
        }
        if let Some(pipeline) = finish(&mut elements, &mut negated) {
            items.push(ListItem {
                pipeline,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Parse text that sits at file offset 0 with no continuations.
    fn script(text: &str) -> ShellScript {
        ShellScript::parse(ShellSource::from_text(text, 0))
    }

    /// What the Dockerfile parser will hand us: the shell text of the
    /// instruction whose arguments start at `start`, with `\`+newline
    /// continuations and whole-line comments and blank lines (inside
    /// continuations, as BuildKit skips them) cut out.
    fn continuation_ranges(file: &str, start: usize) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let mut pos = start;
        let mut first = true;
        while pos <= file.len() {
            let line_end = file[pos..].find('\n').map_or(file.len(), |i| pos + i);
            let line = &file[pos..line_end];
            let skipped = line.trim().is_empty() || line.trim_start().starts_with('#');
            if !first && skipped {
                pos = line_end + 1;
                continue;
            }
            first = false;
            match line.strip_suffix('\\') {
                Some(kept) => {
                    out.push(pos..pos + kept.len());
                    pos = line_end + 1;
                }
                None => {
                    out.push(pos..line_end);
                    break;
                }
            }
        }
        out
    }

    /// The shell script of the first `RUN` in a Dockerfile.
    fn first_run(file: &str) -> ShellScript {
        let start = file.find("RUN ").map_or(0, |i| i + 4);
        ShellScript::parse(ShellSource::from_ranges(
            file,
            &continuation_ranges(file, start),
        ))
    }

    fn names(cmds: &[Command]) -> Vec<String> {
        cmds.iter()
            .map(|c| c.name.as_ref().map_or("<none>".into(), |w| w.raw.clone()))
            .collect()
    }

    fn values<'a>(words: impl IntoIterator<Item = &'a Word>) -> Vec<Option<&'a str>> {
        words.into_iter().map(|w| w.value.as_deref()).collect()
    }

    /// Every word of every command, redirect targets included.
    fn all_words(cmds: &[Command]) -> Vec<&Word> {
        let mut out = Vec::new();
        for c in cmds {
            out.extend(c.name.iter());
            out.extend(c.args.iter());
            out.extend(c.assignments.iter());
            out.extend(c.redirects.iter().filter_map(|r| r.target.as_ref()));
        }
        out
    }

    #[test]
    fn apt_chain() {
        let s = script(
            "apt-get update && apt-get install -y --no-install-recommends curl ca-certificates && rm -rf /var/lib/apt/lists/*",
        );
        assert!(!s.has_errors());
        let stmts = s.statements();
        assert_eq!(stmts.len(), 1);
        let items = &stmts[0].items;
        assert_eq!(items.len(), 3);
        let ops: Vec<_> = items
            .iter()
            .map(|i| i.operator_after.as_ref().map(|o| o.0))
            .collect();
        assert_eq!(ops, [Some(Operator::And), Some(Operator::And), None]);
        // The `&&` spans point at the operators.
        let text = s.source().text();
        for item in &items[..2] {
            let (_, span) = item.operator_after.clone().unwrap();
            assert_eq!(&text[span], "&&");
        }

        let cmds = s.commands();
        assert_eq!(names(cmds), ["apt-get", "apt-get", "rm"]);
        let install = &cmds[1];
        assert!(install.name_is("apt-get"));
        assert_eq!(
            install.subcommand().map(|w| w.raw.as_str()),
            Some("install")
        );
        assert!(install.has_flag('y'));
        assert!(!install.has_flag('q'));
        assert!(install.has_long_flag("no-install-recommends"));
        assert!(install.has_long_flag("--no-install-recommends"));
        assert!(!install.has_long_flag("no-install"));
        assert_eq!(
            values(install.positional_args()),
            [Some("install"), Some("curl"), Some("ca-certificates")]
        );
        assert_eq!(
            &text[install.text_span.clone()],
            "apt-get install -y --no-install-recommends curl ca-certificates"
        );
        let rm = &cmds[2];
        assert!(rm.has_flag('r') && rm.has_flag('f'));
        assert_eq!(values(rm.positional_args()), [Some("/var/lib/apt/lists/*")]);
        // Statement-level commands are the same commands.
        let direct: Vec<_> = stmts[0].commands().cloned().collect();
        assert_eq!(direct, cmds);
    }

    #[test]
    fn set_apk_cd_export() {
        let s = script(
            "set -eux; apk add --no-cache git make; cd /src && export PATH=/opt/bin:$PATH CGO=0 && FOO=1 make build; unset FOO",
        );
        assert!(!s.has_errors());
        let stmts = s.statements();
        assert_eq!(stmts.len(), 4);
        let terms: Vec<_> = stmts.iter().map(|s| s.terminator().map(|t| t.0)).collect();
        assert_eq!(
            terms,
            [
                Some(Operator::Semi),
                Some(Operator::Semi),
                Some(Operator::Semi),
                None
            ]
        );
        let cmds = s.commands();
        assert_eq!(names(cmds), ["set", "apk", "cd", "export", "make", "unset"]);
        let set = &cmds[0];
        assert!(set.has_flag('e') && set.has_flag('u') && set.has_flag('x'));
        assert!(!set.has_flag('o'));
        let apk = &cmds[1];
        assert_eq!(
            apk.subcommand().and_then(|w| w.value.as_deref()),
            Some("add")
        );
        assert!(apk.has_long_flag("no-cache"));
        assert_eq!(cmds[2].positional_args()[0].value.as_deref(), Some("/src"));
        let export = &cmds[3];
        assert!(export.name_is("export"));
        assert_eq!(export.args.len(), 2);
        assert_eq!(export.args[0].raw, "PATH=/opt/bin:$PATH");
        assert_eq!(export.args[0].value, None, "has an expansion");
        assert_eq!(export.args[1].value.as_deref(), Some("CGO=0"));
        let make = &cmds[4];
        assert_eq!(values(&make.assignments), [Some("FOO=1")]);
        assert_eq!(values(&make.args), [Some("build")]);
        assert_eq!(values(&cmds[5].args), [Some("FOO")]);
        // `cd /src && export ... && make` is one statement of three items.
        assert_eq!(stmts[2].items.len(), 3);
    }

    #[test]
    fn pipelines_and_background() {
        let s = script("curl -fsSL https://example.org/install.sh | sh -s -- --yes & wait || true");
        assert!(!s.has_errors());
        let stmts = s.statements();
        assert_eq!(stmts.len(), 2);
        let first = &stmts[0].items[0];
        assert!(first.pipeline.is_piped());
        assert_eq!(
            first.operator_after.as_ref().map(|o| o.0),
            Some(Operator::Background)
        );
        let cmds: Vec<_> = first.pipeline.commands().collect();
        assert!(cmds[0].name_is("curl"));
        assert!(cmds[0].has_flag('f') && cmds[0].has_flag('L'));
        assert!(cmds[1].name_is("sh"));
        // After `--` nothing is a flag.
        assert!(!cmds[1].has_long_flag("yes"));
        assert_eq!(values(cmds[1].positional_args()), [Some("--yes")]);
        assert_eq!(
            stmts[1].items[0].operator_after.as_ref().map(|o| o.0),
            Some(Operator::Or)
        );
        let negated = script("! grep -q x f | cat && echo ok");
        let item = &negated.statements()[0].items[0];
        assert!(item.pipeline.negated);
        assert_eq!(item.pipeline.elements.len(), 2);
    }

    #[test]
    fn compound_bodies_and_substitutions() {
        let text = "if [ -f /etc/os-release ]; then . /etc/os-release; else echo none; fi; \
                    for p in a b; do pip install \"$p\"; done && \
                    (cd /tmp && make) | tee log; \
                    VERSION=$(curl -s https://x/y | jq -r .tag) && echo \"v`uname -r`\"";
        let s = script(text);
        assert!(!s.has_errors(), "{:?}", s.error_spans());
        let cmds = s.commands();
        assert_eq!(
            names(cmds),
            ["., ", "echo", "pip", "cd", "make", "tee", "<none>", "curl", "jq", "echo", "uname"]
                .map(|n| n.replace(", ", ""))
        );
        let stmts = s.statements();
        assert_eq!(stmts.len(), 3);
        let if_item = &stmts[0].items[0];
        match &if_item.pipeline.elements[0] {
            PipelineElement::Compound(c) => {
                assert_eq!(c.kind, CompoundKind::If);
                assert_eq!(names(&c.commands), [".", "echo"]);
            }
            other => panic!("expected if, got {other:?}"),
        }
        let for_stmt = &stmts[1];
        assert_eq!(for_stmt.items.len(), 2);
        let kinds: Vec<_> = for_stmt
            .items
            .iter()
            .flat_map(|i| i.pipeline.elements.iter())
            .map(|e| match e {
                PipelineElement::Compound(c) => Some(c.kind),
                PipelineElement::Command(_) => None,
            })
            .collect();
        assert_eq!(
            kinds,
            [Some(CompoundKind::For), Some(CompoundKind::Subshell), None]
        );
        // The assignment-only command with a substitution.
        let assign = &cmds[6];
        assert!(assign.name.is_none());
        assert_eq!(assign.assignments[0].value, None);
        assert!(cmds[8].name_is("jq"));
    }

    #[test]
    fn quoting_and_values() {
        let s = script(
            r#"echo 'a b' "c d" e\ f "g\$h\n" $'i\tj' k"l"'m' {x,y} ~/z "$HOME" find {} \; "/usr/bin/apt-get""#,
        );
        let cmds = s.commands();
        assert_eq!(
            values(&cmds[0].args),
            [
                Some("a b"),
                Some("c d"),
                Some("e f"),
                Some("g$h\\n"),
                Some("i\tj"),
                Some("klm"),
                None,
                None,
                None,
                Some("find"),
                Some("{}"),
                Some(";"),
                Some("/usr/bin/apt-get"),
            ]
        );
        let quoted = script(r#""/usr/bin/apt-get" -qy install x"#);
        let c = &quoted.commands()[0];
        assert!(c.name_is("apt-get"));
        assert!(c.has_flag('q') && c.has_flag('y'));
        assert!(!c.name_is("get"));
        let dynamic = script("$APT install -y x");
        assert!(!dynamic.commands()[0].name_is("install"));
        assert_eq!(dynamic.commands()[0].name_str(), None);
    }

    #[test]
    fn flags_with_values() {
        let s =
            script("apt-get -o Dpkg::Options::=--force-confold --assume-yes=true install -q nginx");
        let c = &s.commands()[0];
        assert_eq!(
            c.subcommand().map(|w| w.raw.as_str()),
            Some("Dpkg::Options::=--force-confold")
        );
        assert_eq!(
            c.subcommand_with(&["-o"]).map(|w| w.raw.as_str()),
            Some("install")
        );
        assert!(c.has_long_flag("assume-yes"));
        assert!(!c.has_long_flag("assume"));
        assert!(c.has_flag('q') && c.has_flag('o'));
        let flag_with_expansion = script("pip install --index-url=$URL pkg");
        assert!(flag_with_expansion.commands()[0].has_long_flag("index-url"));
    }

    #[test]
    fn redirects() {
        let s = script(
            "apt-get update >/dev/null 2>&1 && make 2>&1 | tee build.log > out.txt; cat <<<\"$x\"",
        );
        let cmds = s.commands();
        let update = &cmds[0];
        let text = s.source().text();
        assert_eq!(
            &text[update.text_span.clone()],
            "apt-get update >/dev/null 2>&1"
        );
        let ops: Vec<_> = update
            .redirects
            .iter()
            .map(|r| r.operator.as_str())
            .collect();
        assert_eq!(ops, [">", ">&"]);
        assert_eq!(update.redirects[1].fd.as_deref(), Some("2"));
        assert_eq!(
            update.redirects[0]
                .target
                .as_ref()
                .and_then(|w| w.value.as_deref()),
            Some("/dev/null")
        );
        // `a | b > f` redirects b only.
        let stmt = &s.statements()[0];
        let pipeline = &stmt.items[1].pipeline;
        let pcmds: Vec<_> = pipeline.commands().collect();
        assert_eq!(pcmds.len(), 2);
        assert_eq!(pcmds[0].redirects.len(), 1);
        assert_eq!(pcmds[1].redirects.len(), 1);
        assert_eq!(&text[pcmds[1].text_span.clone()], "tee build.log > out.txt");
        assert_eq!(values(&pcmds[1].args), [Some("build.log")]);
        let cat = &cmds[3];
        assert!(cat.name_is("cat"));
        assert_eq!(cat.redirects[0].operator, "<<<");
        assert_eq!(
            cat.redirects[0].target.as_ref().map(|w| w.raw.as_str()),
            Some("\"$x\"")
        );
    }

    #[test]
    fn trailing_redirect_binds_to_last_command() {
        // tree-sitter-bash attaches these redirections to the whole chain;
        // the shell (and we) attach them to the last command.
        let s = script("apt-get update && apt-get install -y nginx > /dev/null");
        let stmts = s.statements();
        let items = &stmts[0].items;
        assert_eq!(items.len(), 2);
        let update = items[0].pipeline.commands().next().unwrap();
        let install = items[1].pipeline.commands().next().unwrap();
        assert!(update.redirects.is_empty());
        assert_eq!(install.redirects.len(), 1);
        assert_eq!(
            &s.source().text()[install.text_span.clone()],
            "apt-get install -y nginx > /dev/null"
        );
        assert_eq!(s.commands(), [update.clone(), install.clone()]);

        let s = script("a || b >f | c");
        let stmts = s.statements();
        let items = &stmts[0].items;
        assert_eq!(items.len(), 2, "{items:?}");
        assert_eq!(
            items[0].operator_after.as_ref().map(|o| o.0),
            Some(Operator::Or)
        );
        let second: Vec<_> = items[1].pipeline.commands().collect();
        assert_eq!(
            names(&second.iter().map(|c| (*c).clone()).collect::<Vec<_>>()),
            ["b", "c"]
        );
        assert_eq!(second[0].redirects.len(), 1);
        assert_eq!(
            s.commands()
                .iter()
                .map(|c| c.redirects.len())
                .collect::<Vec<_>>(),
            [0, 1, 0]
        );

        let s = script("a | b 2>&1 | c >> log");
        let p = &s.statements()[0].items[0].pipeline;
        let counts: Vec<_> = p.commands().map(|c| c.redirects.len()).collect();
        assert_eq!(counts, [0, 1, 1]);
        let all: Vec<_> = s.commands().iter().map(|c| c.redirects.len()).collect();
        assert_eq!(all, [0, 1, 1]);

        let s = script("while read -r l; do echo \"$l\"; done < list.txt; >empty");
        let stmts = s.statements();
        match &stmts[0].items[0].pipeline.elements[0] {
            PipelineElement::Compound(c) => {
                assert_eq!(c.kind, CompoundKind::While);
                assert_eq!(c.redirects.len(), 1);
                assert_eq!(
                    &s.source().text()[c.text_span.clone()],
                    "while read -r l; do echo \"$l\"; done < list.txt"
                );
            }
            other => panic!("expected while, got {other:?}"),
        }
        let empty = stmts[1].commands().next().unwrap();
        assert!(empty.name.is_none());
        assert_eq!(
            empty.redirects[0].target.as_ref().map(|w| w.raw.as_str()),
            Some("empty")
        );
    }

    #[test]
    fn heredoc_in_run_text() {
        let text = "cat <<'EOF' > /etc/apt/sources.list && apt-get update || exit 1\ndeb http://deb.debian.org/debian bookworm main\nEOF\nrm -f x";
        let s = script(text);
        assert!(!s.has_errors(), "{:?}", s.error_spans());
        let stmts = s.statements();
        assert_eq!(stmts.len(), 2, "{stmts:#?}");
        let items = &stmts[0].items;
        assert_eq!(items.len(), 3);
        let ops: Vec<_> = items
            .iter()
            .map(|i| i.operator_after.as_ref().map(|o| o.0))
            .collect();
        assert_eq!(
            ops,
            [
                Some(Operator::And),
                Some(Operator::Or),
                Some(Operator::Newline)
            ]
        );
        let cat = items[0].pipeline.commands().next().unwrap();
        assert_eq!(
            &text[cat.text_span.clone()],
            "cat <<'EOF' > /etc/apt/sources.list"
        );
        let heredoc = &cat.redirects[0];
        assert_eq!(heredoc.raw, "<<'EOF'");
        assert_eq!(heredoc.operator, "<<");
        assert_eq!(
            heredoc.target.as_ref().and_then(|w| w.value.as_deref()),
            Some("EOF")
        );
        let body = heredoc.heredoc_body.clone().unwrap();
        assert_eq!(
            &text[body],
            "deb http://deb.debian.org/debian bookworm main\n"
        );
        assert_eq!(
            cat.redirects[1].target.as_ref().map(|w| w.raw.as_str()),
            Some("/etc/apt/sources.list")
        );
        assert_eq!(names(s.commands()), ["cat", "apt-get", "exit", "rm"]);

        let piped = script("cat <<EOF | sh -s\necho hi\nEOF\n");
        assert!(!piped.has_errors());
        let p = &piped.statements()[0].items[0].pipeline;
        assert!(p.is_piped());
        let cmds: Vec<_> = p.commands().cloned().collect();
        assert_eq!(names(&cmds), ["cat", "sh"]);
        assert_eq!(cmds, piped.commands());
    }

    #[test]
    fn newline_separated_heredoc_body() {
        let s = script("set -e\n# refresh indexes\napt-get update\napt-get install -y jq\n");
        assert!(!s.has_errors());
        let stmts = s.statements();
        assert_eq!(stmts.len(), 3);
        let text = s.source().text();
        for st in stmts {
            let (op, span) = st.terminator().cloned().unwrap();
            assert_eq!(op, Operator::Newline);
            assert_eq!(&text[span], "\n");
        }
        assert_eq!(names(s.commands()), ["set", "apt-get", "apt-get"]);
    }

    const DOCKERFILE: &str = "FROM debian:12\n\
RUN apt-get update \\\n    # tools we need at build time\n    && apt-get inst\\\nall -y \\\n  curl \\\n\n    && rm -rf /var/lib/apt/lists/*\n\
CMD [\"sh\"]\n";

    /// A script whose text was analysed before, at another place or with
    /// another layout, gets exactly what a fresh analysis of it gives.
    #[test]
    fn shared_analysis_equals_a_fresh_one() {
        let text = "apt-get update && (cd /x; make >/log 2>&1) | tee y <<EOF && z\nbody\nEOF\necho \"$(id -u)\" 'q' ; f=1 g";
        let fresh = |source: &ShellSource| {
            let tree = parse_text(&source.text);
            (
                build_statements(source, tree.as_ref()),
                build_commands(source, tree.as_ref()),
            )
        };
        let file = format!("RUN {text}\n# pad\nRUN {text}\n");
        let second = file.rfind("RUN ").unwrap() + 4;
        let split = 20;
        for source in [
            ShellSource::from_text(text, 4),
            ShellSource::from_text(text, second),
            // Another layout of the same text: two pieces.
            ShellSource::from_ranges(
                &file,
                &[second..second + split, second + split..second + text.len()],
            ),
            ShellSource::from_ranges(&file, &[4..4 + split, 4 + split..4 + text.len()]),
        ] {
            let script = ShellScript::parse(source.clone());
            let (statements, commands) = fresh(&source);
            assert!(!commands.is_empty());
            assert_eq!(script.statements(), &statements[..]);
            assert_eq!(script.commands(), &commands[..]);
        }
    }

    #[test]
    fn name_is_matches_the_last_path_element() {
        let names = [
            "apt-get",
            "/usr/bin/apt-get",
            "x/apt-get",
            "/apt-get",
            "apt-get/",
            "aapt-get",
            "usr/bin/apt",
            "a/b",
            "/",
            "",
            "//apt-get",
            "bin/apt-get/x",
        ];
        let wanted = ["apt-get", "apt", "a/b", "b", "", "/", "x"];
        for name in names {
            let script = ShellScript::parse(ShellSource::from_text(&format!("'{name}' y"), 0));
            let cmd = &script.commands()[0];
            for n in wanted {
                let expected = name == n || name.rsplit('/').next() == Some(n);
                assert_eq!(cmd.name_is(n), expected, "{name:?} is {n:?}");
            }
        }
    }

    #[test]
    fn pieces_map_back_to_file() {
        let file = "FROM debian:12\n\
RUN apt-get update \\\n  # comment line\n  && apt-get install -y \\\n    curl \\\n  && rm -rf /var/lib/apt/lists/*\n\
CMD [\"sh\"]\n";
        let s = first_run(file);
        assert_eq!(
            s.source().text(),
            "apt-get update   && apt-get install -y     curl   && rm -rf /var/lib/apt/lists/*"
        );
        assert!(!s.has_errors());
        let cmds = s.commands();
        let install = cmds[1].subcommand().unwrap();
        assert_eq!(install.raw, "install");
        let at = file.find("install").unwrap();
        assert_eq!(install.span, at..at + "install".len());
        assert_eq!(&file[install.span.clone()], "install");
        let curl = &cmds[1].args[2];
        let at = file.find("curl").unwrap();
        assert_eq!(curl.span, at..at + 4);
        // The install command spans two pieces: from `apt-get` on line 3 to
        // `curl` on line 4, the continuation in between included.
        let start = file.find("apt-get install").unwrap();
        assert_eq!(cmds[1].span, start..at + 4);
        // The statement ends at the end of the glob, before the newline.
        let end = file.find("/*\n").unwrap() + 2;
        let stmts = s.statements();
        assert_eq!(stmts[0].span, file.find("apt-get update").unwrap()..end);
        // The first `&&` sits after the comment line.
        let (_, amp) = stmts[0].items[0].operator_after.clone().unwrap();
        assert_eq!(amp.start, file.find("&& apt-get").unwrap());
    }

    #[test]
    fn word_split_by_continuation() {
        let s = first_run(DOCKERFILE);
        assert!(!s.has_errors());
        let cmds = s.commands();
        let install = cmds[1].subcommand().unwrap();
        assert_eq!(install.raw, "install");
        assert!(!install.contiguous);
        // The file span starts at `inst` and ends after `all`: it covers the
        // continuation that was cut out.
        let start = DOCKERFILE.find("inst\\").unwrap();
        let end = DOCKERFILE.find("all -y").unwrap() + 3;
        assert_eq!(install.span, start..end);
        assert_eq!(&DOCKERFILE[install.span.clone()], "inst\\\nall");
        // The blank line inside the continuation is skipped, as BuildKit does.
        assert_eq!(names(cmds), ["apt-get", "apt-get", "rm"]);
        let rm = &cmds[2];
        let at = DOCKERFILE.find("rm -rf").unwrap();
        assert_eq!(rm.span, at..at + "rm -rf /var/lib/apt/lists/*".len());
    }

    #[test]
    fn word_spans_slice_back_to_raw() {
        let files = [
            DOCKERFILE,
            "FROM alpine\nRUN set -eux; \\\n    apk add --no-cache \\\n        git=2.45.2-r0 'openssh-client' \\\n# pinned by hand\n        \"ca-certificates\" \\\n    && git --version >/dev/null \\\n    && X=$(id -u) sh -c 'echo $X' | tee /tmp/o\n",
            "FROM x\nRUN for d in /a /b; do \\\n  (cd $d && make -j\"$(nproc)\" install) ; \\\n  done; if [ -n \"$V\" ]; then \\\n  echo \"$V\" > /v; fi\n",
        ];
        for file in files {
            let s = first_run(file);
            assert!(!s.has_errors(), "{file}");
            let cmds = s.commands();
            assert!(cmds.len() >= 3, "{}: {cmds:?}", s.source().text());
            let mut checked = 0;
            for w in all_words(cmds) {
                assert_eq!(w.raw, s.source().text()[w.text_span.clone()]);
                if w.contiguous {
                    assert_eq!(&file[w.span.clone()], w.raw, "{w:?}");
                    checked += 1;
                } else {
                    assert!(file[w.span.clone()].contains('\n'), "{w:?}");
                }
            }
            assert!(checked > 5);
            // Command spans too, when they do not cross a continuation.
            for c in cmds {
                if s.source().is_contiguous(c.text_span.clone()) {
                    assert_eq!(file[c.span.clone()], s.source().text()[c.text_span.clone()]);
                }
            }
        }
    }

    #[test]
    fn source_offsets() {
        let file = "0123456789abcdef";
        let src = ShellSource::from_ranges(file, &[2..5, 5..5, 8..10, 12..16]);
        assert_eq!(src.text(), "234891234".replace("91234", "9cdef"));
        assert_eq!(src.pieces().collect::<Vec<_>>(), [2..5, 8..10, 12..16]);
        assert_eq!(src.file_offset(0), 2);
        assert_eq!(src.file_offset(2), 4);
        // Boundary: start of the later piece / end of the earlier one.
        assert_eq!(src.file_offset(3), 8);
        assert_eq!(src.file_offset_end(3), 5);
        assert_eq!(src.file_offset(5), 12);
        assert_eq!(src.file_offset_end(5), 10);
        assert_eq!(src.file_offset(9), 16);
        assert_eq!(src.file_offset_end(9), 16);
        assert_eq!(src.file_offset(100), 16);
        assert_eq!(src.file_span(0..3), 2..5);
        assert_eq!(src.file_span(3..5), 8..10);
        assert_eq!(src.file_span(1..4), 3..9);
        assert_eq!(src.file_span(3..3), 8..8);
        assert!(src.is_contiguous(0..3));
        assert!(!src.is_contiguous(2..4));
        assert!(src.is_contiguous(3..5));
        assert_eq!(src.text_offset(9), Some(4));
        assert_eq!(src.text_offset(6), None);
        // Bad ranges are skipped, never a panic.
        let reversed = Range { start: 7, end: 3 };
        let bad = ShellSource::from_ranges("héllo", &[0..2, reversed, 4..99, 3..6]);
        assert_eq!(bad.text(), "llo");
        assert_eq!(bad.file_offset(0), 3);
    }

    #[test]
    fn empty_text() {
        for src in [
            ShellSource::from_text("", 42),
            ShellSource::from_ranges("RUN \n", std::slice::from_ref(&(4..4))),
            ShellSource::default(),
        ] {
            let anchor = src.file_offset(0);
            let s = ShellScript::parse(src);
            assert!(!s.has_errors());
            assert!(s.statements().is_empty());
            assert!(s.commands().is_empty());
            assert_eq!(s.source().file_span(0..0), anchor..anchor);
        }
        assert_eq!(ShellSource::from_text("", 42).file_offset(0), 42);
        assert_eq!(
            ShellSource::from_ranges("RUN \n", std::slice::from_ref(&(4..4))).file_offset(0),
            4
        );
        let blank = script("   \n\t ");
        assert!(blank.statements().is_empty());
    }

    #[test]
    fn garbage_does_not_panic() {
        let inputs = [
            "echo \"unterminated && (",
            "if then fi do done esac ;; && || |",
            "$( ( { [[ ` ' \"",
            ")))) }}}} ]]]] fi done",
            "a && && b || | ; ; & &",
            "cat <<EOF\nno end",
            "\u{0}\u{1}\u{7f} \u{feff} 日本語 && ünïcödé | 🦀",
            "case $x in (a|b) echo ;; *) ;;",
            "f() { echo; }; f | f",
            "((x = 1 + 2)); echo $((x * 3)) ${y:-z} ${#arr[@]}",
            "<<<",
            ">",
            "\\",
        ];
        for input in inputs {
            let s = script(input);
            let _ = s.has_errors();
            let _ = s.error_spans();
            let stmts = s.statements();
            let cmds = s.commands();
            for st in stmts {
                assert!(st.span.end <= input.len());
            }
            for w in all_words(cmds) {
                assert!(w.span.start <= w.span.end && w.span.end <= input.len());
            }
        }
        let arith = script("((n = 1 + 2)) && { echo; }");
        let kinds: Vec<_> = arith.statements()[0]
            .items
            .iter()
            .map(|i| match &i.pipeline.elements[0] {
                PipelineElement::Compound(c) => Some(c.kind),
                PipelineElement::Command(_) => None,
            })
            .collect();
        assert_eq!(
            kinds,
            [Some(CompoundKind::Arithmetic), Some(CompoundKind::Group)]
        );
        let broken = script("echo \"unterminated && (");
        assert!(broken.has_errors());
        assert!(!broken.error_spans().is_empty());
    }

    #[test]
    fn one_megabyte() {
        let mut text = String::from("set -eux");
        let mut i = 0;
        while text.len() < 1 << 20 {
            text.push_str(&format!(
                " && apt-get install -y --no-install-recommends pkg{i}"
            ));
            i += 1;
        }
        let s = script(&text);
        assert!(!s.has_errors());
        let stmts = s.statements();
        assert_eq!(stmts.len(), 1);
        assert_eq!(stmts[0].items.len(), i + 1);
        let cmds = s.commands();
        assert_eq!(cmds.len(), i + 1);
        assert!(cmds.iter().skip(1).all(|c| c.has_flag('y')));
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let depth = 20_000;
        let text = format!("{}echo hi{}", "$(".repeat(depth), ")".repeat(depth));
        let s = script(&text);
        let _ = s.statements();
        let cmds = s.commands();
        assert!(cmds.iter().any(|c| c.name_is("echo")));
        // Spaced, or `((` would start an arithmetic command.
        let subshells = format!("{}true{}", "( ".repeat(depth), " )".repeat(depth));
        let s = script(&subshells);
        assert_eq!(s.commands().len(), 1);
        assert_eq!(s.statements().len(), 1);
    }
}
