/*
 * External scanner for dfix's Dockerfile grammar.
 *
 * It owns the physical-line layer of BuildKit's parser
 * (moby/buildkit frontend/dockerfile/parser), re-implemented from its
 * documented behaviour:
 *   - a UTF-8 BOM at the start of the file;
 *   - parser directives (`# syntax=`, `# escape=`, `# check=`) only in the
 *     leading block of comment lines; `# escape=` switches the escape
 *     character between `\` and the backtick;
 *   - line continuations: the escape character, optional blanks, the line end,
 *     unless the escape character is itself escaped; whole-line comments and
 *     blank lines inside a continuation are skipped by BuildKit and get their
 *     own tokens here;
 *   - heredocs on RUN/COPY/ADD (also under ONBUILD): a word matching
 *     `^(\d*)<<(-?)\s*([^<]*)$` opens one; bodies are read after the logical
 *     line, in marker order, each ending at a line equal to the name (only
 *     `\r\n` trimmed; with `<<-` leading tabs trimmed too).
 * Every byte of the input becomes part of some token, so the tree is lossless.
 */

#include "tree_sitter/alloc.h"
#include "tree_sitter/parser.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum TokenType {
  BOM,
  DIRECTIVE,
  COMMENT,
  NEWLINE,
  SPACE,
  KW_FROM,
  KW_RUN,
  KW_CMD,
  KW_LABEL,
  KW_MAINTAINER,
  KW_EXPOSE,
  KW_ENV,
  KW_ADD,
  KW_COPY,
  KW_ENTRYPOINT,
  KW_VOLUME,
  KW_USER,
  KW_WORKDIR,
  KW_ARG,
  KW_ONBUILD,
  KW_STOPSIGNAL,
  KW_HEALTHCHECK,
  KW_SHELL,
  KW_OTHER,
  LINE_END,
  LINE_CONTINUATION,
  CONTINUATION_COMMENT,
  EMPTY_CONTINUATION,
  FLAG,
  END_OF_FLAGS,
  ARGUMENTS,
  HEREDOC_MARKER,
  HEREDOC_BODY,
  HEREDOC_END,
  BLANK,
  ERROR_SENTINEL,
};

static const char *const KEYWORDS[] = {
    "from",   "run",     "cmd",        "label",      "maintainer",  "expose",
    "env",    "add",     "copy",       "entrypoint", "volume",      "user",
    "workdir", "arg",    "onbuild",    "stopsignal", "healthcheck", "shell",
};
#define KEYWORD_COUNT 18

enum Phase { PHASE_FLAGS = 0, PHASE_ARGS = 1 };

#define MAX_HEREDOCS 16
#define MAX_NAME 200
/* Longest keyword we classify; longer words are unknown instructions anyway. */
#define MAX_KEYWORD 16

typedef struct {
  uint8_t chomp;
  uint8_t len;
  char name[MAX_NAME];
} Heredoc;

typedef struct {
  int32_t escape;
  bool started;           /* the BOM check at offset 0 is done */
  bool directives_done;   /* the leading directive block is over */
  bool in_instruction;    /* inside a logical line */
  bool at_line_start;     /* at the start of a physical line inside a continuation */
  bool in_heredocs;       /* reading heredoc bodies after the logical line */
  bool heredoc_capable;   /* RUN/COPY/ADD (also under ONBUILD) */
  bool onbuild;           /* the next non-flag word is ONBUILD's instruction */
  bool after_comment;     /* the current top-level line held a comment or directive */
  uint8_t phase;
  int32_t quote;          /* open quote carried across a continuation */
  /* Transient (not serialized): while looking ahead, positions are not marked;
   * a word scan stopped before an escape that may start a continuation. */
  bool no_mark;
  bool stopped_at_escape;
  uint8_t heredoc_count;
  uint8_t heredoc_index;
  Heredoc heredocs[MAX_HEREDOCS];
} Scanner;

/* ---------- helpers ---------- */

static inline void advance(TSLexer *lexer) { lexer->advance(lexer, false); }

static inline bool at_eof(TSLexer *lexer) { return lexer->eof(lexer); }

/* Horizontal blanks that BuildKit's line regexes accept after the escape. */
static inline bool is_blank(int32_t c) { return c == ' ' || c == '\t'; }

/* Whitespace that separates words (Go's unicode.IsSpace without '\n'). */
static inline bool is_space(int32_t c) {
  switch (c) {
    case ' ':
    case '\t':
    case '\v':
    case '\f':
    case '\r':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

/* Whitespace that ends the instruction keyword (BuildKit's reWhitespace). */
static inline bool is_keyword_space(int32_t c) {
  return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

static inline int32_t lower(int32_t c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

static int utf8_encode(int32_t c, char *out) {
  if (c < 0x80) {
    out[0] = (char)c;
    return 1;
  }
  if (c < 0x800) {
    out[0] = (char)(0xC0 | (c >> 6));
    out[1] = (char)(0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    out[0] = (char)(0xE0 | (c >> 12));
    out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[2] = (char)(0x80 | (c & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (c >> 18));
  out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
  out[3] = (char)(0x80 | (c & 0x3F));
  return 4;
}

/* A small growable-free text buffer: overflow is remembered, not written. */
typedef struct {
  char data[MAX_NAME + 8];
  int len;
  bool overflow;
} Buf;

static void buf_push(Buf *b, int32_t c) {
  char tmp[4];
  int n = utf8_encode(c, tmp);
  if (b->len + n > MAX_NAME) {
    b->overflow = true;
    return;
  }
  memcpy(b->data + b->len, tmp, (size_t)n);
  b->len += n;
}

static void reset_instruction(Scanner *s) {
  s->in_instruction = false;
  s->at_line_start = false;
  s->in_heredocs = false;
  s->heredoc_capable = false;
  s->onbuild = false;
  s->phase = PHASE_FLAGS;
  s->quote = 0;
  s->heredoc_count = 0;
  s->heredoc_index = 0;
}

/* Consume '\r'* '\n'. Returns true when a line end was consumed; when only
 * '\r's were consumed it returns false (they are then ordinary blanks). */
static bool consume_line_end(TSLexer *lexer) {
  while (lexer->lookahead == '\r') advance(lexer);
  if (lexer->lookahead == '\n') {
    advance(lexer);
    return true;
  }
  return false;
}

/* ---------- parser directives ---------- */

static bool is_alpha(int32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_alnum(int32_t c) { return is_alpha(c) || (c >= '0' && c <= '9'); }
static bool is_re_space(int32_t c) { return c == ' ' || c == '\t' || c == '\f' || c == '\r'; }

/* Reads a comment line starting at '#', up to (not including) the line end.
 * Recognises BuildKit's directive regex `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`
 * with a known key. Sets *escape to the escape value when the key is escape. */
static bool scan_comment_line(TSLexer *lexer, bool *is_directive, int32_t *escape_value) {
  char key[16];
  int key_len = 0;
  int state = 0; /* 0 before key, 1 in key, 2 after key, 3 after '=', 4 value, 9 no match */
  int32_t first_value = 0;
  int value_chars = 0; /* non-space chars in value */
  int32_t last_value = 0;
  advance(lexer); /* '#' */
  while (!at_eof(lexer) && lexer->lookahead != '\n') {
    int32_t c = lexer->lookahead;
    switch (state) {
      case 0:
        if (is_re_space(c)) break;
        if (is_alpha(c)) {
          state = 1;
          if (key_len < 15) key[key_len++] = (char)lower(c);
        } else {
          state = 9;
        }
        break;
      case 1:
        if (is_alnum(c)) {
          if (key_len < 15) key[key_len++] = (char)lower(c);
          else state = 9;
        } else if (is_re_space(c)) {
          state = 2;
        } else if (c == '=') {
          state = 3;
        } else {
          state = 9;
        }
        break;
      case 2:
        if (is_re_space(c)) break;
        state = c == '=' ? 3 : 9;
        break;
      case 3:
        if (is_re_space(c)) break;
        state = 4;
        first_value = c;
        value_chars = 1;
        last_value = c;
        break;
      case 4:
        if (!is_re_space(c)) {
          value_chars++;
          last_value = c;
        }
        break;
      default:
        break;
    }
    advance(lexer);
  }
  (void)last_value;
  *is_directive = false;
  if (state == 4) {
    key[key_len] = 0;
    if (strcmp(key, "syntax") == 0 || strcmp(key, "check") == 0) {
      *is_directive = true;
    } else if (strcmp(key, "escape") == 0) {
      *is_directive = true;
      /* Only a one-character value can be valid; the model reports others. */
      *escape_value = value_chars == 1 ? first_value : 0;
    }
  }
  return true;
}

/* ---------- keywords ---------- */

static int classify_keyword(const char *kw, int len, bool overflow) {
  if (overflow) return KW_OTHER;
  for (int i = 0; i < KEYWORD_COUNT; i++) {
    if ((int)strlen(KEYWORDS[i]) == len && memcmp(KEYWORDS[i], kw, (size_t)len) == 0) {
      return KW_FROM + i;
    }
  }
  return KW_OTHER;
}

/* Is the escape character (already consumed) a line continuation? Consumes the
 * blanks after it; on true the line end is consumed too. */
static bool finish_continuation(TSLexer *lexer, int *blanks) {
  *blanks = 0;
  while (is_blank(lexer->lookahead)) {
    advance(lexer);
    (*blanks)++;
  }
  if (at_eof(lexer)) return true;
  if (lexer->lookahead == '\r' || lexer->lookahead == '\n') {
    /* A lone '\r' followed by text is not a line end; tolerate it as a blank. */
    consume_line_end(lexer);
    return true;
  }
  return false;
}

static void push_keyword_char(char *kw, int *len, bool *overflow, int32_t c) {
  if (*len < MAX_KEYWORD && c < 128) {
    kw[(*len)++] = (char)lower(c);
  } else {
    *overflow = true;
  }
}

static bool scan_keyword(Scanner *s, TSLexer *lexer) {
  char kw[MAX_KEYWORD + 1];
  int len = 0;
  bool overflow = false;
  bool ended_at_escape = false;
  /* BuildKit's command is the first whitespace-separated word, escape
   * characters included (`t.log("\texpected:")` is one word). The escape
   * ends it only where it is a line continuation, so that `RUN\` + newline
   * keeps its continuation. An escape followed by blanks and more text
   * (`x\ y`) also ends the keyword here, one byte before BuildKit's `x\`
   * ends: telling the two apart would need the blanks in the token. Both
   * are unknown instructions either way. */
  while (!at_eof(lexer) && lexer->lookahead != '\n' && !is_keyword_space(lexer->lookahead)) {
    int32_t c = lexer->lookahead;
    if (c == s->escape) {
      lexer->mark_end(lexer);
      advance(lexer);
      if (at_eof(lexer) || lexer->lookahead == '\n' || is_keyword_space(lexer->lookahead)) {
        ended_at_escape = true;
        break;
      }
      push_keyword_char(kw, &len, &overflow, c);
      c = lexer->lookahead;
    }
    push_keyword_char(kw, &len, &overflow, c);
    advance(lexer);
  }
  if (!ended_at_escape) lexer->mark_end(lexer);
  if (len == 0 && !overflow) return false;
  lexer->result_symbol = (TSSymbol)classify_keyword(kw, len, overflow);
  return true;
}

static void start_instruction(Scanner *s, int symbol) {
  bool sub = s->onbuild;
  if (!sub) reset_instruction(s);
  s->in_instruction = true;
  s->directives_done = true;
  s->phase = PHASE_FLAGS;
  s->onbuild = symbol == KW_ONBUILD;
  s->heredoc_capable = symbol == KW_RUN || symbol == KW_COPY || symbol == KW_ADD;
}

/* ---------- words ---------- */

static inline void mark(Scanner *s, TSLexer *lexer) {
  if (!s->no_mark) lexer->mark_end(lexer);
}

/* Scans the rest of a word (some of it may already be consumed). Follows
 * BuildKit's parseWords: quotes keep blanks inside the word, the escape
 * character escapes the next character (except inside single quotes). The
 * word ends before an escape character that may start a line continuation,
 * so that the continuation is its own token; an open quote is remembered in
 * the scanner so the word resumes correctly on the next line. `raw`, when
 * given, receives the word's text. Returns the number of characters read. */
static int scan_word_chars(Scanner *s, TSLexer *lexer, Buf *raw, bool absorb_first_blanks) {
  int count = 0;
  s->stopped_at_escape = false;
  for (;;) {
    int32_t c = lexer->lookahead;
    if (at_eof(lexer) || c == '\n') break;
    if (s->quote == 0 && is_space(c)) {
      if (absorb_first_blanks) {
        /* BuildKit's shell lexer keeps blanks after `<<` in the heredoc word. */
        while (is_space(lexer->lookahead) && lexer->lookahead != '\n') {
          if (raw) buf_push(raw, lexer->lookahead);
          advance(lexer);
          count++;
        }
        absorb_first_blanks = false;
        mark(s, lexer);
        continue;
      }
      break;
    }
    absorb_first_blanks = false;
    if (c == s->escape) {
      mark(s, lexer);
      advance(lexer);
      int32_t next = lexer->lookahead;
      if (at_eof(lexer) || next == '\n' || next == '\r' || is_blank(next)) {
        /* Possibly a continuation (BuildKit's line layer ignores quotes):
         * end the word here, before the escape; the next token decides. */
        s->stopped_at_escape = true;
        return count;
      }
      if (s->quote == '\'') {
        /* Inside single quotes the escape is a plain character. */
        if (raw) buf_push(raw, c);
        count++;
        mark(s, lexer);
        continue;
      }
      if (raw) {
        buf_push(raw, c);
        buf_push(raw, next);
      }
      advance(lexer);
      count += 2;
      mark(s, lexer);
      continue;
    }
    if (s->quote != 0) {
      if (c == s->quote) s->quote = 0;
    } else if (c == '\'' || c == '"') {
      s->quote = c;
    }
    if (raw) buf_push(raw, c);
    advance(lexer);
    count++;
    mark(s, lexer);
  }
  mark(s, lexer);
  if (s->quote != 0 && (at_eof(lexer) || lexer->lookahead == '\n')) {
    /* BuildKit ends an unterminated quote at the end of the logical line. */
    s->quote = 0;
  }
  return count;
}

/* Removes shell quoting from a heredoc name as BuildKit's shell lexer does
 * (backslash is the escape there, whatever the file's escape character). */
static int unquote_name(const char *in, int len, char *out, int *words) {
  int o = 0;
  int32_t quote = 0;
  bool any = false;
  for (int i = 0; i < len; i++) {
    char c = in[i];
    if (quote == '\'') {
      if (c == '\'') quote = 0;
      else out[o++] = c;
      continue;
    }
    if (quote == '"') {
      if (c == '"') {
        quote = 0;
      } else if (c == '\\' && i + 1 < len && (in[i + 1] == '"' || in[i + 1] == '\\' || in[i + 1] == '$')) {
        out[o++] = in[++i];
      } else {
        out[o++] = c;
      }
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      any = true;
      continue;
    }
    if (c == '\\' && i + 1 < len) {
      out[o++] = in[++i];
      any = true;
      continue;
    }
    if (c == ' ' || c == '\t') {
      if (any || o > 0) {
        /* a second word follows: not a single heredoc word */
        for (int j = i; j < len; j++) {
          if (in[j] != ' ' && in[j] != '\t') {
            *words = 2;
            return o;
          }
        }
      }
      continue;
    }
    out[o++] = c;
    any = true;
  }
  *words = (any || o > 0) ? 1 : 0;
  return o;
}

/* Reads a word that starts with digits or `<` and says whether it opens a
 * heredoc (BuildKit: `^(\d*)<<(-?)([^<]*)$` on the shell word, the name
 * lexed as exactly one word); the name goes to *h. */
static bool read_heredoc_word(Scanner *s, TSLexer *lexer, Heredoc *h) {
  Buf raw = {.len = 0, .overflow = false};
  s->stopped_at_escape = false;
  while (lexer->lookahead >= '0' && lexer->lookahead <= '9') {
    buf_push(&raw, lexer->lookahead);
    advance(lexer);
  }
  mark(s, lexer);
  int lt = 0;
  while (lt < 2 && lexer->lookahead == '<') {
    buf_push(&raw, '<');
    advance(lexer);
    lt++;
  }
  mark(s, lexer);
  if (lt < 2) {
    scan_word_chars(s, lexer, NULL, false);
    return false;
  }
  bool chomp = false;
  int prefix = raw.len;
  if (lexer->lookahead == '-') {
    chomp = true;
    buf_push(&raw, '-');
    advance(lexer);
    mark(s, lexer);
    prefix = raw.len;
    /* `<<-` followed by blanks: BuildKit's lexer ends the word there. */
    scan_word_chars(s, lexer, &raw, false);
  } else {
    scan_word_chars(s, lexer, &raw, true);
  }
  if (raw.overflow || s->stopped_at_escape) return false;
  const char *rest = raw.data + prefix;
  int rest_len = raw.len - prefix;
  if (rest_len == 0) return false;
  for (int i = 0; i < rest_len; i++) {
    if (rest[i] == '<') return false;
  }
  char name[MAX_NAME + 8];
  int words = 0;
  int name_len = unquote_name(rest, rest_len, name, &words);
  if (words != 1 || name_len == 0) return false;
  h->chomp = chomp;
  h->len = (uint8_t)name_len;
  memcpy(h->name, name, (size_t)name_len);
  return true;
}

/* The rest of an instruction's arguments on this physical line, after a
 * first word: more words and the blanks between them, up to the line end,
 * an escape that may start a continuation, or a heredoc marker (which gets
 * its own token). One token for many words keeps the tree small and the
 * parse fast; the document model splits words as BuildKit does. */
static void scan_arguments(Scanner *s, TSLexer *lexer) {
  for (;;) {
    if (s->stopped_at_escape) return;
    while (s->quote == 0 && !at_eof(lexer) && is_space(lexer->lookahead) && lexer->lookahead != '\r') {
      advance(lexer);
    }
    int32_t c = lexer->lookahead;
    if (at_eof(lexer) || c == '\n' || c == '\r' || c == s->escape) return;
    if (s->heredoc_capable && s->quote == 0 && ((c >= '0' && c <= '9') || c == '<')) {
      /* Look ahead without marking: a marker ends this token before it. */
      Heredoc h;
      s->no_mark = true;
      bool marker = read_heredoc_word(s, lexer, &h);
      s->no_mark = false;
      if (marker || s->stopped_at_escape) {
        s->quote = 0;
        s->stopped_at_escape = false;
        return;
      }
      lexer->mark_end(lexer);
      continue;
    }
    scan_word_chars(s, lexer, NULL, false);
  }
}

/* A word in the arguments of RUN/COPY/ADD that may open a heredoc. */
static bool scan_maybe_heredoc(Scanner *s, TSLexer *lexer) {
  Heredoc h;
  if (read_heredoc_word(s, lexer, &h)) {
    if (s->heredoc_count < MAX_HEREDOCS) s->heredocs[s->heredoc_count++] = h;
    lexer->result_symbol = HEREDOC_MARKER;
    return true;
  }
  scan_arguments(s, lexer);
  lexer->result_symbol = ARGUMENTS;
  return true;
}

/* ---------- heredoc bodies ---------- */

/* Reads one physical line and says whether it is the terminator of `h`.
 * The line end is not consumed. */
static bool line_is_terminator(TSLexer *lexer, const Heredoc *h, bool *empty_at_eof) {
  Buf line = {.len = 0, .overflow = false};
  bool leading = true;
  int read = 0;
  while (!at_eof(lexer) && lexer->lookahead != '\n') {
    int32_t c = lexer->lookahead;
    read++;
    if (leading && h->chomp && c == '\t') {
      advance(lexer);
      continue;
    }
    leading = false;
    buf_push(&line, c);
    advance(lexer);
  }
  *empty_at_eof = read == 0 && at_eof(lexer);
  if (line.overflow) return false;
  /* BuildKit trims trailing '\r' and '\n' only. */
  while (line.len > 0 && line.data[line.len - 1] == '\r') line.len--;
  return line.len == h->len && memcmp(line.data, h->name, (size_t)h->len) == 0;
}

static bool scan_heredoc(Scanner *s, TSLexer *lexer, const bool *valid) {
  const Heredoc *h = &s->heredocs[s->heredoc_index];
  int body_lines = 0;
  for (;;) {
    lexer->mark_end(lexer);
    bool empty_at_eof = false;
    bool is_end = line_is_terminator(lexer, h, &empty_at_eof);
    if (is_end) {
      if (body_lines > 0) {
        if (!valid[HEREDOC_BODY]) return false;
        lexer->result_symbol = HEREDOC_BODY;
        return true;
      }
      if (!valid[HEREDOC_END]) return false;
      if (lexer->lookahead == '\n') advance(lexer);
      lexer->mark_end(lexer);
      lexer->result_symbol = HEREDOC_END;
      s->heredoc_index++;
      if (s->heredoc_index >= s->heredoc_count) reset_instruction(s);
      return true;
    }
    if (empty_at_eof) break;
    if (lexer->lookahead == '\n') advance(lexer);
    body_lines++;
    if (at_eof(lexer)) {
      lexer->mark_end(lexer);
      break;
    }
  }
  /* Unterminated: the body runs to the end of the file. */
  reset_instruction(s);
  if (body_lines == 0 || !valid[HEREDOC_BODY]) return false;
  lexer->result_symbol = HEREDOC_BODY;
  return true;
}

/* ---------- the scanner ---------- */

static bool scan_continuation_line_start(Scanner *s, TSLexer *lexer, bool *done);

static bool scan_top_level(Scanner *s, TSLexer *lexer, const bool *valid) {
  if (s->at_line_start) {
    /* After a line that was only the escape character (BuildKit: a
     * continuation with nothing before it), comment and blank lines are
     * skipped until the instruction starts. */
    bool done = false;
    bool r = scan_continuation_line_start(s, lexer, &done);
    if (done) {
      if (lexer->result_symbol == BLANK) lexer->result_symbol = SPACE;
      return r;
    }
  }
  int32_t c = lexer->lookahead;
  if (at_eof(lexer)) return false;
  if (c == s->escape) {
    advance(lexer);
    int blanks = 0;
    if (finish_continuation(lexer, &blanks)) {
      lexer->mark_end(lexer);
      lexer->result_symbol = LINE_CONTINUATION;
      s->at_line_start = true;
      s->directives_done = true;
      return true;
    }
    return false;
  }
  if (is_space(c) && c != '\r') {
    while (!at_eof(lexer) && is_space(lexer->lookahead) && lexer->lookahead != '\r') advance(lexer);
    lexer->mark_end(lexer);
    if (!valid[SPACE]) return false;
    lexer->result_symbol = SPACE;
    return true;
  }
  if (c == '\r' || c == '\n') {
    bool newline = consume_line_end(lexer);
    lexer->mark_end(lexer);
    if (newline) {
      /* BuildKit: an empty line ends the directive block. */
      if (!s->after_comment) s->directives_done = true;
      s->after_comment = false;
      lexer->result_symbol = NEWLINE;
    } else {
      lexer->result_symbol = SPACE;
    }
    return true;
  }
  if (c == '#') {
    bool is_directive = false;
    int32_t escape_value = 0;
    scan_comment_line(lexer, &is_directive, &escape_value);
    lexer->mark_end(lexer);
    s->after_comment = true;
    if (is_directive && !s->directives_done) {
      if (escape_value == '`' || escape_value == '\\') s->escape = escape_value;
      lexer->result_symbol = DIRECTIVE;
    } else {
      s->directives_done = true;
      lexer->result_symbol = COMMENT;
    }
    return true;
  }
  if (!scan_keyword(s, lexer)) return false;
  start_instruction(s, lexer->result_symbol);
  return true;
}

/* At the start of a physical line inside a continuation. Sets *done when a
 * token was produced (or the scan must stop); otherwise nothing was consumed
 * and the caller goes on with the line's content. */
static bool scan_continuation_line_start(Scanner *s, TSLexer *lexer, bool *done) {
  int32_t c;
    /* A physical line inside a continuation: BuildKit skips whole-line
     * comments and blank lines there, whatever quotes are open. */
    int leading = 0;
    while (!at_eof(lexer) && lexer->lookahead != '\n' && is_space(lexer->lookahead) &&
           lexer->lookahead != '\r') {
      advance(lexer);
      leading++;
    }
    c = lexer->lookahead;
    if (c == '#') {
      while (!at_eof(lexer) && lexer->lookahead != '\n') advance(lexer);
      if (lexer->lookahead == '\n') advance(lexer);
      lexer->mark_end(lexer);
      lexer->result_symbol = CONTINUATION_COMMENT;
      *done = true;
      return true;
    }
    if (c == '\r' || c == '\n') {
      if (consume_line_end(lexer)) {
        lexer->mark_end(lexer);
        lexer->result_symbol = EMPTY_CONTINUATION;
        *done = true;
      return true;
      }
      /* '\r' inside a line: part of the leading blanks. */
      while (is_space(lexer->lookahead) && lexer->lookahead != '\n') advance(lexer);
      if (lexer->lookahead == '\n') {
        advance(lexer);
        lexer->mark_end(lexer);
        lexer->result_symbol = EMPTY_CONTINUATION;
        *done = true;
      return true;
      }
    }
    s->at_line_start = false;
    if (leading > 0) {
      lexer->mark_end(lexer);
      lexer->result_symbol = BLANK;
      *done = true;
      return true;
    }
    if (at_eof(lexer)) {
      *done = true;
      return false;
    }
    c = lexer->lookahead;
    return false;
}

static bool scan_instruction(Scanner *s, TSLexer *lexer, const bool *valid) {
  int32_t c = lexer->lookahead;

  if (s->at_line_start) {
    bool done = false;
    bool r = scan_continuation_line_start(s, lexer, &done);
    if (done) return r;
    c = lexer->lookahead;
  }

  if (at_eof(lexer)) return false;

  if (c == '\n' || c == '\r') {
    if (consume_line_end(lexer)) {
      lexer->mark_end(lexer);
      lexer->result_symbol = LINE_END;
      s->quote = 0;
      if (s->heredoc_count > 0) {
        s->in_heredocs = true;
        s->heredoc_index = 0;
        s->in_instruction = false;
      } else {
        reset_instruction(s);
      }
      return true;
    }
    /* stray '\r': a blank */
    while (is_space(lexer->lookahead) && lexer->lookahead != '\n' && lexer->lookahead != '\r') advance(lexer);
    lexer->mark_end(lexer);
    lexer->result_symbol = BLANK;
    return true;
  }

  if (is_space(c) && s->quote == 0) {
    while (!at_eof(lexer) && is_space(lexer->lookahead) && lexer->lookahead != '\r') advance(lexer);
    lexer->mark_end(lexer);
    lexer->result_symbol = BLANK;
    return true;
  }

  if (c == s->escape) {
    advance(lexer);
    lexer->mark_end(lexer);
    int32_t next = lexer->lookahead;
    if (at_eof(lexer) || next == '\n' || next == '\r' || is_blank(next)) {
      bool escaped_blank = false;
      if (is_blank(next)) {
        /* `\ ` is an escaped blank unless only blanks follow to the line end. */
        advance(lexer);
        lexer->mark_end(lexer);
        escaped_blank = true;
      }
      int blanks = 0;
      if (finish_continuation(lexer, &blanks)) {
        lexer->mark_end(lexer);
        lexer->result_symbol = LINE_CONTINUATION;
        s->at_line_start = true;
        return true;
      }
      if (escaped_blank && blanks == 0 && s->quote != '\'') {
        scan_word_chars(s, lexer, NULL, false);
        scan_arguments(s, lexer);
      }
    } else if (s->quote == '\'') {
      scan_word_chars(s, lexer, NULL, false);
      scan_arguments(s, lexer);
    } else {
      advance(lexer);
      lexer->mark_end(lexer);
      scan_word_chars(s, lexer, NULL, false);
      scan_arguments(s, lexer);
    }
    if (s->phase == PHASE_FLAGS && !s->onbuild) s->phase = PHASE_ARGS;
    lexer->result_symbol = ARGUMENTS;
    return true;
  }

  if (s->phase == PHASE_FLAGS && s->quote == 0) {
    if (c == '-') {
      advance(lexer);
      lexer->mark_end(lexer);
      if (lexer->lookahead == '-') {
        advance(lexer);
        lexer->mark_end(lexer);
        if (at_eof(lexer) || lexer->lookahead == '\n' || is_space(lexer->lookahead)) {
          lexer->result_symbol = END_OF_FLAGS;
          if (s->onbuild) {
            /* BuildKit then reads the sub-instruction from the rest. */
          } else {
            s->phase = PHASE_ARGS;
          }
          return true;
        }
        scan_word_chars(s, lexer, NULL, false);
        lexer->result_symbol = FLAG;
        return true;
      }
      if (!s->onbuild) s->phase = PHASE_ARGS;
      scan_word_chars(s, lexer, NULL, false);
      scan_arguments(s, lexer);
      lexer->result_symbol = ARGUMENTS;
      return true;
    }
    if (s->onbuild) {
      if (!scan_keyword(s, lexer)) return false;
      start_instruction(s, lexer->result_symbol);
      return true;
    }
    s->phase = PHASE_ARGS;
  }

  if (s->heredoc_capable && s->quote == 0 && ((c >= '0' && c <= '9') || c == '<')) {
    return scan_maybe_heredoc(s, lexer);
  }

  scan_word_chars(s, lexer, NULL, false);
  scan_arguments(s, lexer);
  lexer->result_symbol = ARGUMENTS;
  return true;
}

bool tree_sitter_dockerfile_external_scanner_scan(void *payload, TSLexer *lexer, const bool *valid) {
  Scanner *s = (Scanner *)payload;
  if (valid[ERROR_SENTINEL]) return false;

  if (!s->started) {
    s->started = true;
    if (lexer->lookahead == 0xFEFF) {
      advance(lexer);
      lexer->mark_end(lexer);
      lexer->result_symbol = BOM;
      return true;
    }
  }

  if (s->in_heredocs) {
    if (s->heredoc_index < s->heredoc_count && !at_eof(lexer)) {
      return scan_heredoc(s, lexer, valid);
    }
    reset_instruction(s);
  }

  if (s->in_instruction) return scan_instruction(s, lexer, valid);
  return scan_top_level(s, lexer, valid);
}

/* ---------- lifecycle and state ---------- */

void *tree_sitter_dockerfile_external_scanner_create(void) {
  static Scanner proto;
  Scanner *s = (Scanner *)ts_calloc(1, sizeof(Scanner));
  (void)proto;
  s->escape = '\\';
  reset_instruction(s);
  return s;
}

void tree_sitter_dockerfile_external_scanner_destroy(void *payload) { ts_free(payload); }

unsigned tree_sitter_dockerfile_external_scanner_serialize(void *payload, char *buffer) {
  Scanner *s = (Scanner *)payload;
  unsigned n = 0;
  buffer[n++] = (char)(s->escape == '`' ? 1 : 0);
  buffer[n++] = (char)((s->started ? 1 : 0) | (s->directives_done ? 2 : 0) | (s->in_instruction ? 4 : 0) |
                       (s->at_line_start ? 8 : 0) | (s->in_heredocs ? 16 : 0) |
                       (s->heredoc_capable ? 32 : 0) | (s->onbuild ? 64 : 0) | (s->after_comment ? 128 : 0));
  buffer[n++] = (char)s->phase;
  buffer[n++] = (char)(s->quote == '\'' ? 1 : s->quote == '"' ? 2 : 0);
  unsigned count_pos = n++;
  buffer[n++] = (char)s->heredoc_index;
  uint8_t stored = 0;
  for (uint8_t i = 0; i < s->heredoc_count; i++) {
    const Heredoc *h = &s->heredocs[i];
    if (n + 2 + h->len > TREE_SITTER_SERIALIZATION_BUFFER_SIZE) break;
    buffer[n++] = (char)h->chomp;
    buffer[n++] = (char)h->len;
    memcpy(buffer + n, h->name, h->len);
    n += h->len;
    stored++;
  }
  buffer[count_pos] = (char)stored;
  return n;
}

void tree_sitter_dockerfile_external_scanner_deserialize(void *payload, const char *buffer, unsigned length) {
  Scanner *s = (Scanner *)payload;
  s->escape = '\\';
  s->started = false;
  s->directives_done = false;
  s->after_comment = false;
  reset_instruction(s);
  if (length < 6) return;
  unsigned n = 0;
  s->escape = buffer[n++] ? '`' : '\\';
  uint8_t bits = (uint8_t)buffer[n++];
  s->started = bits & 1;
  s->directives_done = bits & 2;
  s->in_instruction = bits & 4;
  s->at_line_start = bits & 8;
  s->in_heredocs = bits & 16;
  s->heredoc_capable = bits & 32;
  s->onbuild = bits & 64;
  s->after_comment = bits & 128;
  s->phase = (uint8_t)buffer[n++];
  uint8_t q = (uint8_t)buffer[n++];
  s->quote = q == 1 ? '\'' : q == 2 ? '"' : 0;
  uint8_t count = (uint8_t)buffer[n++];
  s->heredoc_index = (uint8_t)buffer[n++];
  s->heredoc_count = 0;
  for (uint8_t i = 0; i < count && n + 2 <= length; i++) {
    Heredoc *h = &s->heredocs[s->heredoc_count];
    h->chomp = (uint8_t)buffer[n++];
    h->len = (uint8_t)buffer[n++];
    if (n + h->len > length) break;
    memcpy(h->name, buffer + n, h->len);
    n += h->len;
    s->heredoc_count++;
  }
}
