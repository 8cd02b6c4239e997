#!/usr/bin/env bash
# Builds the stand-in base images of the build check (tests/build/) and pushes
# them to a running registry under the names dfix reads and writes:
#
#   scripts/standins.sh 127.0.0.1:PORT
#
# There is no public container registry here, so `debian:bookworm`,
# `python:3.11`, `gcr.io/distroless/static-debian12` and the rest are built
# from a debootstrap'd Debian bookworm plus Debian packages, following the
# official images' conventions that Dockerfiles and dfix rely on (full images
# carry compilers and -dev headers, slim ones do not; `python`, `pip`; the
# `node` user 1000; distroless has no shell and the users root, nobody and
# nonroot 65532). Tags name the version the Debian package really has
# (python:3.11, node:18, golang:1.19), so DF401's version templates see the
# truth. docker.io images go to `library/NAME`, gcr.io ones to their path:
# the build check points both registries' mirrors at the one local registry.
#
# Disk: each root filesystem is deleted once its image is in the registry,
# and buildah's storage for the push is a folder under $STANDIN_WORK
# (default target/standins) that is emptied after every image, so the peak
# is the debootstrap'd base plus one image (about 3 GB for the biggest), not
# every image at once. A run that stops half-way resumes: finished roots
# carry a .done marker. Pushed images are not kept in local storage, so every
# build pulls them from the registry as it would from Docker Hub.
set -euo pipefail
cd "$(dirname "$0")/.."

REGISTRY=${1:?usage: scripts/standins.sh HOST:PORT}
WORK=${STANDIN_WORK:-$PWD/target/standins}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
mkdir -p "$WORK"
STORAGE=$WORK/storage
bah() { buildah --root "$STORAGE/root" --runroot "$STORAGE/run" "$@"; }

log() { echo "standins: $*" >&2; }
free() { df -h --output=avail "$WORK" | tail -1 | tr -d ' '; }

# Debian's own CA bundle plus this machine's: HTTPS from inside a build
# (pip, npm, cargo) goes through the machine's egress proxy.
HOST_CA=/etc/ssl/certs/ca-certificates.crt

mounted=()
cleanup() {
  local m
  for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null || true; done
}
trap cleanup EXIT

in_root() { # ROOTFS CMD... : run a command inside a root filesystem
  local root=$1; shift
  mount --bind /dev "$root/dev" && mounted+=("$root/dev")
  mount -t proc proc "$root/proc" && mounted+=("$root/proc")
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  local rc=0
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@" || rc=$?
  umount -l "$root/proc" "$root/dev"
  mounted=()
  : >"$root/etc/resolv.conf"
  return $rc
}

base_root() {
  local root=$WORK/base
  if [ -f "$root/.done" ]; then return; fi
  rm -rf "$root"
  log "debootstrap $SUITE (minbase)"
  debootstrap --variant=minbase "$SUITE" "$root" "$DEBIAN_MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -20 "$WORK/debootstrap.log" >&2; exit 1; }
  cat >"$root/etc/apt/sources.list" <<EOF
deb $DEBIAN_MIRROR $SUITE main
deb $DEBIAN_MIRROR $SUITE-updates main
deb http://deb.debian.org/debian-security $SUITE-security main
EOF
  # No service starts inside the image build.
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod +x "$root/usr/sbin/policy-rc.d"
  in_root "$root" apt-get update -qq
  in_root "$root" apt-get -y -qq upgrade >/dev/null
  touch "$root/.done"
}

# derive NAME SLIM PACKAGES...: the base plus Debian packages, caches removed.
derive() {
  local name=$1 slim=$2; shift 2
  local root=$WORK/$name
  if [ -f "$root/.done" ]; then return; fi
  rm -rf "$root"
  log "root filesystem $name: $*"
  cp -a "$WORK/base" "$root"
  rm -f "$root/.done"
  if [ "$#" -gt 0 ]; then
    in_root "$root" apt-get install -y -qq --no-install-recommends "$@" >"$WORK/$name.log" 2>&1 ||
      { tail -20 "$WORK/$name.log" >&2; exit 1; }
  fi
  finish_root "$root" "$slim"
  touch "$root/.done"
}

finish_root() { # ROOTFS SLIM
  local root=$1 slim=$2
  # Official images ship an empty package index and no downloaded packages.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
  if [ -f "$root/etc/ssl/certs/ca-certificates.crt" ]; then
    mkdir -p "$root/etc/ssl/certs"
    cp "$HOST_CA" "$root/etc/ssl/certs/ca-certificates.crt"
  fi
  if [ "$slim" = slim ]; then
    rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/*
  fi
}

# image ROOTFS TAGS CONFIG...: commit a root filesystem as one layer, tag it
# with every name in TAGS (space-separated), push each to the registry.
image() {
  local root=$1 tags=$2; shift 2
  local first=${tags%% *}
  log "image $tags"
  local ctr
  ctr=$(bah from --quiet scratch)
  bah copy --quiet "$ctr" "$root/" / >/dev/null
  bah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env LANG=C.UTF-8 --os linux --arch amd64 "$@" "$ctr"
  bah commit --quiet --format docker --rm "$ctr" "dfix-standin/$first" >/dev/null
  local tag
  for tag in $tags; do
    # Uncompressed: gzip of a 900 MB image costs more than it saves here.
    bah push --quiet --disable-compression --tls-verify=false "dfix-standin/$first" "docker://$REGISTRY/$tag"
  done
  bah rmi --force "dfix-standin/$first" >/dev/null
  empty_storage
}

empty_storage() {
  if [ -d "$STORAGE" ]; then
    bah rm --all >/dev/null 2>&1 || true
    bah rmi --all --force >/dev/null 2>&1 || true
    # overlay mounts of the storage, if any, before the folder goes.
    grep -o " $STORAGE[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    rm -rf "$STORAGE"
  fi
}

# drop_root NAME: delete a root filesystem, never through a mount left in it
# (a bind of /dev still there would take the machine's /dev with it).
drop_root() {
  local root=$WORK/$1
  if grep -q " $root/" /proc/mounts; then
    log "$root still has mounts; not deleting it"
    exit 1
  fi
  rm -rf "${root:?}"
}

# publish NAME TAGS CONFIG...: push a finished root filesystem, then drop it.
publish() {
  local name=$1; shift
  image "$WORK/$name" "$@"
  drop_root "$name"
  log "$name pushed; $(free) free"
}

# A root filesystem for distroless: the users, certificates and tmp, plus the
# files of the given Debian packages (no shell, no package manager).
distroless_root() {
  local name=$1; shift
  local root=$WORK/$name
  if [ -f "$root/.done" ]; then return; fi
  rm -rf "$root"
  log "root filesystem $name: $*"
  mkdir -p "$root"/{etc/ssl/certs,tmp,home/nonroot,root,usr/bin,usr/lib,usr/sbin,usr/lib64,var}
  chmod 1777 "$root/tmp"
  chown 65532:65532 "$root/home/nonroot"
  # Debian 12 and later: /bin, /lib, /sbin and /lib64 are links into /usr.
  ln -s usr/bin "$root/bin"; ln -s usr/lib "$root/lib"; ln -s usr/sbin "$root/sbin"; ln -s usr/lib64 "$root/lib64"
  cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
  cat >"$root/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
tty:x:5:
staff:x:50:
nonroot:x:65532:
EOF
  echo 'hosts: files dns' >"$root/etc/nsswitch.conf"
  cp "$HOST_CA" "$root/etc/ssl/certs/ca-certificates.crt"
  local pkg list
  for pkg in "$@"; do
    list=$(chroot "$WORK/runtime-libs" dpkg -L "$pkg")
    while IFS= read -r f; do
      if [ -L "$WORK/runtime-libs$f" ] || [ -f "$WORK/runtime-libs$f" ]; then
        printf '.%s\n' "$f"
      fi
    done <<<"$list" | tar -C "$WORK/runtime-libs" --no-recursion -cf - -T - |
      tar -C "$root" --keep-directory-symlink -xf -
  done
  touch "$root/.done"
}

empty_storage
base_root
log "base ready; $(free) free"

derive debian full
publish debian "library/debian:bookworm library/debian:12 library/debian:latest" --cmd bash
derive debian-slim slim
publish debian-slim "library/debian:bookworm-slim library/debian:12-slim" --cmd bash

python_like() { # official python images: python, pip, no PEP 668 marker
  ln -sf python3 "$WORK/$1/usr/bin/python"
  ln -sf pip3 "$WORK/$1/usr/bin/pip"
  rm -f "$WORK/$1"/usr/lib/python3*/EXTERNALLY-MANAGED
}
derive python full build-essential python3 python3-dev python3-pip python3-venv git curl ca-certificates libffi-dev libssl-dev
python_like python
publish python "library/python:3.11 library/python:3.11-bookworm library/python:3" --cmd python3
derive python-slim slim python3 python3-pip python3-venv ca-certificates
python_like python-slim
publish python-slim "library/python:3.11-slim library/python:3.11-slim-bookworm library/python:3-slim" --cmd python3

derive golang full golang-go gcc libc6-dev git ca-certificates
publish golang "library/golang:1.19 library/golang:1.19-bookworm" \
  --env GOPATH=/go --env PATH=/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --workingdir /go
derive rust full rustc-web cargo-web gcc libc6-dev git ca-certificates
publish rust "library/rust:1.96 library/rust:1.96-bookworm library/rust:1" --cmd bash

node_like() { # official node images: the node user, uid 1000
  if ! grep -q '^node:' "$WORK/$1/etc/passwd"; then
    in_root "$WORK/$1" sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
  fi
}
derive node full nodejs npm build-essential python3 git ca-certificates
node_like node
publish node "library/node:18 library/node:18-bookworm" --cmd node
derive node-slim slim nodejs npm ca-certificates
node_like node-slim
publish node-slim "library/node:18-slim library/node:18-bookworm-slim" --cmd node

derive temurin-jdk full openjdk-17-jdk-headless ca-certificates
publish temurin-jdk "library/eclipse-temurin:17-jdk library/eclipse-temurin:17" \
  --env JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 --cmd jshell
derive temurin-jre slim openjdk-17-jre-headless ca-certificates
publish temurin-jre "library/eclipse-temurin:17-jre" --env JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64

# Distroless: files of Debian packages taken from an installed runtime root.
derive runtime-libs full libssl3 libgcc-s1 libstdc++6 zlib1g
distroless_root distroless-static
distroless_root distroless-base libc6 libssl3 zlib1g
distroless_root distroless-cc libc6 libssl3 zlib1g libgcc-s1 libstdc++6
drop_root runtime-libs
for kind in static base cc; do
  for suite in debian12 debian13; do
    image "$WORK/distroless-$kind" "distroless/$kind-$suite:latest" --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
    image "$WORK/distroless-$kind" "distroless/$kind-$suite:nonroot" --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
      --user 65532 --workingdir /home/nonroot
  done
  drop_root "distroless-$kind"
done
log "done; $(free) free"
