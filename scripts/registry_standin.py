#!/usr/bin/env python3
"""A local registry that serves every image a folder of Compose files names,
for measuring what dfix does online without the network.

usage: registry_standin.py FOLDER CONFIG_OUT [--storage DIR]

Starts Debian's `docker-registry` on a free loopback port, pushes one small
image under every `repository:tag` that an `image:` line of FOLDER's Compose
files names (interpolated references and ones already pinned are left out),
and writes a dfix config to CONFIG_OUT that sends every registry those
references use (docker.io, ghcr.io, lscr.io ...) to it as a mirror, with
`offline = false`. Then it waits: the registry runs until this process is
stopped (SIGTERM or Ctrl-C). It prints `ready` on its own line when the
config is written.

The digests dfix pins are those of the stand-in images, not the real ones:
what this measures is that dfix resolves and pins every reference it is
given, not which digest Docker Hub serves today.
"""

import argparse
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

IMAGE_LINE = re.compile(r"^\s*(?:-\s+)?image:\s*(.+?)\s*$")


def refs(folder):
    """Every literal `image:` value of the YAML files under `folder`."""
    out = set()
    for d, _, fs in os.walk(folder):
        for f in fs:
            if not f.endswith((".yml", ".yaml")):
                continue
            for line in open(os.path.join(d, f), encoding="utf-8", errors="replace"):
                m = IMAGE_LINE.match(line)
                if not m:
                    continue
                v = re.sub(r"\s+#.*$", "", m.group(1)).strip().strip("\"'")
                if v and "$" not in v and "@" not in v and " " not in v:
                    out.add(v)
    return sorted(out)


def split(ref):
    """(registry, repository, tag) the way Docker reads a reference."""
    name, tag = ref, "latest"
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        name, tag = ref[:colon], ref[colon + 1 :]
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, repo = first, rest
    else:
        registry, repo = "docker.io", name
    if registry in ("docker.io", "index.docker.io"):
        registry = "docker.io"
        if "/" not in repo:
            repo = "library/" + repo
    return registry, repo.lower(), tag


def request(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, dict(r.headers), r.read()


def push_blob(base, repo, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    _, headers, _ = request("POST", f"{base}/v2/{repo}/blobs/uploads/")
    location = headers["Location"]
    if location.startswith("/"):
        location = base + location
    sep = "&" if "?" in location else "?"
    request("PUT", f"{location}{sep}digest={digest}", data, {"Content-Type": "application/octet-stream"})
    return digest, len(data)


def push_image(base, repo, tag):
    config = json.dumps(
        {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}, "config": {}}
    ).encode()
    layer = f"stand-in for {repo}:{tag}".encode()
    cd, cs = push_blob(base, repo, config)
    ld, ls = push_blob(base, repo, layer)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "digest": cd, "size": cs},
            "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "digest": ld, "size": ls}],
        }
    ).encode()
    request(
        "PUT",
        f"{base}/v2/{repo}/manifests/{tag}",
        manifest,
        {"Content-Type": "application/vnd.docker.distribution.manifest.v2+json"},
    )


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("config_out")
    ap.add_argument("--storage")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="dfix-standin-registry-")
    storage = a.storage or os.path.join(work, "storage")
    port = free_port()
    cfg = os.path.join(work, "config.yml")
    with open(cfg, "w") as f:
        f.write(
            "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n"
            f"storage:\n  filesystem:\n    rootdirectory: {storage}\n"
            f"http:\n  addr: 127.0.0.1:{port}\n  secret: dfix-standin\n"
        )
    log = open(os.path.join(work, "registry.log"), "w")
    proc = subprocess.Popen(["docker-registry", "serve", cfg], stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            request("GET", f"{base}/v2/")
            break
        except Exception:
            time.sleep(0.1)
    else:
        print("registry_standin: docker-registry did not start", file=sys.stderr)
        proc.kill()
        return 1
    registries = set()
    all_refs = refs(a.folder)
    for ref in all_refs:
        registry, repo, tag = split(ref)
        registries.add(registry)
        push_image(base, repo, tag)
    with open(a.config_out, "w") as f:
        f.write("offline = false\n")
        for r in sorted(registries):
            f.write(f'\n[registries."{r}"]\nmirror = "{base}"\n')
    print(f"registry_standin: {len(all_refs)} references from {len(registries)} registries on {base}", file=sys.stderr)
    print("ready", flush=True)
    stop = lambda *_: (proc.terminate(), sys.exit(0))  # noqa: E731
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
