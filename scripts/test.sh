#!/usr/bin/env bash
# The whole test suite (the README's test command; CI runs exactly this).
set -euo pipefail
cd "$(dirname "$0")/.."
suite_started=$SECONDS
trap 'echo "== test suite: $((SECONDS - suite_started)) s"' EXIT

disk() { echo "disk: $(df -h --output=avail . | tail -1 | tr -d ' ') free ($1)"; }

# CI machines' disks differ (one run ran out of space in the build check):
# no incremental state and line tables only for the debug build, and the
# debug build goes before the build check, which needs ~10 GB of its own.
if [ -n "${CI:-}" ]; then
  export CARGO_INCREMENTAL=0 CARGO_PROFILE_DEV_DEBUG=line-tables-only
fi
disk "start"

scripts/setup.sh

# The shared corpus sits beside the repository, in development and in CI.
if [ -z "${DFIX_CORPUS:-}" ] && [ -d ../shared/corpus ]; then
  DFIX_CORPUS=$(cd ../shared/corpus && pwd)
fi
export DFIX_CORPUS
# The SARIF output is validated against the official schema (see setup.sh).
export SARIF_SCHEMA="$PWD/target/sarif-schema/package/lib/schemas/sarif-2.1.0-rtm.5.json"

echo "== grammar: regenerate, compare, tree-sitter test"
scripts/check-grammar.sh

echo "== format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "== cargo test"
cargo test --workspace

echo "== BuildKit check: fixed corpus files still parse, untouched instructions unchanged"
cargo build --release --quiet
if [ -n "${DFIX_CORPUS:-}" ]; then
  python3 scripts/buildkit_check.py target/release/dfix "$DFIX_CORPUS"
else
  echo "skipped: no corpus (set DFIX_CORPUS)"
fi

echo "== Compose check: round trip, Docker Compose v2 accepts every fixed corpus file, idempotent"
if [ -n "${DFIX_CORPUS:-}" ]; then
  python3 scripts/compose_check.py target/release/dfix "$DFIX_CORPUS"
else
  echo "skipped: no corpus (set DFIX_CORPUS)"
fi

echo "== editor check: headless Neovim drives dfix server"
python3 scripts/editor_check.py target/release/dfix

if [ -n "${CI:-}" ]; then
  disk "before removing the debug build"
  rm -rf target/debug
fi
disk "before the build check"
echo "== build check: every tests/build fixture built and run before and after dfix --unsafe-fixes"
python3 scripts/build_check.py target/release/dfix
