#!/usr/bin/env bash
# Regenerates the parser from grammar.js and fails if the committed
# src/parser.c (or node-types.json, grammar.json) differs; then runs the
# grammar's own test corpus.
set -euo pipefail
cd "$(dirname "$0")/../grammar"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r grammar.js tree-sitter.json package.json src "$tmp/"
(cd "$tmp" && tree-sitter generate >/dev/null)
for f in parser.c grammar.json node-types.json; do
  if ! cmp -s "src/$f" "$tmp/src/$f"; then
    echo "check-grammar: src/$f is out of date: run 'tree-sitter generate' in grammar/ and commit" >&2
    exit 1
  fi
done
echo "check-grammar: generated parser matches grammar.js"
tree-sitter test
