#!/usr/bin/env bash
# Installs what tests/registry_e2e.rs needs: a real registry (distribution 2.8,
# Debian's docker-registry), openssl (TLS and token-signing certificates),
# apache2-utils (htpasswd -B for the registry's bcrypt htpasswd file) and
# python3 (the small token server under tests/support/).
# Idempotent: installs only what is missing, and runs `apt-get update` only
# when there is something to install.
set -euo pipefail

declare -A want=(
  [docker-registry]=docker-registry
  [openssl]=openssl
  [htpasswd]=apache2-utils
  [python3]=python3
)

missing=()
for cmd in "${!want[@]}"; do
  if ! command -v "$cmd" >/dev/null 2>&1; then
    missing+=("${want[$cmd]}")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-registry-deps: everything present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

echo "install-registry-deps: installing ${missing[*]}"
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"

# The package ships a systemd unit / init script listening on :5000 with its
# default config; tests start their own instances, so make sure nothing else
# from the package occupies ports (in containers without systemd nothing starts).
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet docker-registry 2>/dev/null; then
  $SUDO systemctl stop docker-registry || true
fi
