#!/usr/bin/env bash
# Installs what the build check (scripts/build_check.py) needs: buildah to
# build and run images without a daemon, debootstrap to make the stand-in
# base images from Debian's packages (scripts/standins.sh). The registry
# comes from install-registry-deps.sh. Idempotent.
set -euo pipefail

declare -A want=(
  [buildah]=buildah
  [debootstrap]=debootstrap
)
missing=()
for cmd in "${!want[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${want[$cmd]}")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-build-deps: everything present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-build-deps: installing ${missing[*]}"
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
