/**
 * @file Dockerfile grammar for dfix: lossless and as permissive as BuildKit's parser.
 *
 * BuildKit reads a Dockerfile in two layers: physical lines (BOM, parser
 * directives, the escape character, line continuations, comment and empty
 * lines inside continuations, heredoc bodies) and logical instructions
 * (keyword, flags, arguments). The first layer is stateful (the escape
 * character, the queue of open heredocs), so the external scanner in
 * src/scanner.c owns every token; this file only arranges them into
 * instructions. Validation (unknown flags, ENV without value, ...) is left to
 * the document model and the rules, so one odd line never turns the rest of
 * the file into ERROR nodes.
 */

/* eslint-disable arrow-parens */
/* eslint-disable camelcase */
/* eslint-disable-next-line spaced-comment */
/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

const INSTRUCTIONS = [
  'from', 'run', 'cmd', 'label', 'maintainer', 'expose', 'env', 'add', 'copy',
  'entrypoint', 'volume', 'user', 'workdir', 'arg', 'onbuild', 'stopsignal',
  'healthcheck', 'shell',
];

module.exports = grammar({
  name: 'dockerfile',

  // Every byte is a token of the scanner: nothing is skipped silently.
  extras: _ => [],

  externals: $ => [
    $.bom,
    $.directive,
    $.comment,
    $._newline,
    $._space,
    ...INSTRUCTIONS.map(name => $['_kw_' + name]),
    $._kw_other,
    $._line_end,
    $.line_continuation,
    $.continuation_comment,
    $.empty_continuation,
    $.flag,
    $.end_of_flags,
    $.word,
    $.heredoc_marker,
    $.heredoc_body,
    $.heredoc_end,
    $._blank,
    $._error_sentinel,
  ],

  rules: {
    source_file: $ => seq(
      optional($.bom),
      repeat(choice(
        $.directive, $.comment, $._space, $._newline, $._instruction,
        // A line that is only the escape character continues into the next instruction.
        $.line_continuation, $.continuation_comment, $.empty_continuation,
      )),
    ),

    _instruction: $ => choice(
      ...INSTRUCTIONS.filter(name => name !== 'onbuild').map(name => $[name + '_instruction']),
      $.onbuild_instruction,
      $.unknown_instruction,
    ),

    ...Object.fromEntries(INSTRUCTIONS.filter(name => name !== 'onbuild').map(name => [
      name + '_instruction',
      $ => prec.right(seq(alias($['_kw_' + name], $.keyword), optional($._body))),
    ])),

    unknown_instruction: $ => prec.right(seq(alias($._kw_other, $.keyword), optional($._body))),

    // ONBUILD's argument is itself an instruction (BuildKit's parseSubCommand).
    onbuild_instruction: $ => prec.right(seq(
      alias($._kw_onbuild, $.keyword),
      repeat(choice($._gap, $.flag, $.end_of_flags)),
      optional(choice($._instruction, $._line_end)),
    )),

    _body: $ => prec.right(choice(
      seq(repeat1($._part), optional($._end)),
      $._end,
    )),

    _end: $ => prec.right(seq($._line_end, repeat($.heredoc))),

    _gap: $ => choice($._blank, $.line_continuation, $.continuation_comment, $.empty_continuation),

    _part: $ => choice($._gap, $.flag, $.end_of_flags, $.word, $.heredoc_marker),

    // A heredoc body and its terminator line; an unterminated heredoc has no end.
    heredoc: $ => prec.right(choice(
      seq($.heredoc_body, optional($.heredoc_end)),
      $.heredoc_end,
    )),
  },
});
