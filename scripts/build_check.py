#!/usr/bin/env python3
"""The build check: every fixture under tests/build/ is built and run before
and after `dfix --unsafe-fixes`, with real parts only.

    scripts/build_check.py target/release/dfix [FIXTURE...]
    scripts/build_check.py --show target/release/dfix FIXTURE...

- A real `docker-registry` on 127.0.0.1 serves stand-in base images under
  their real names (scripts/standins.sh builds them once; the registry's
  storage is kept in target/build-check/ and rebuilt when the script changes).
- dfix pins against that registry through `[registries."docker.io"] mirror`;
  buildah pulls through a `registries.conf` mirror.
- `dfix verify` builds and runs each fixture's Dockerfile as written and as
  fixed (with buildah), and reports builds, outputs, the user the fixed image
  runs as, sizes and layer counts.
- This script asserts, per fixture: both images build; both runs print the
  texts of `check.toml`'s `expect`; every rule of `fixes` was found before
  and is gone after; the fixed image runs as a non-root user that exists in
  its /etc/passwd (or a numeric one); every FROM carries the digest the
  registry serves; the image is not bigger than before where a layer or
  split fix applied.

A fixture that fails is a failure, never a skip. Exit 1 on any failure.
"""

import hashlib
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "build"
STATE = ROOT / "target" / "build-check"
STANDINS = ROOT / "scripts" / "standins.sh"
# Rules whose fixes may only make an image smaller (layers and splits).
SHRINKING = re.compile(r"^DF(3\d\d|401)$")
# What creating the non-root user adds to an image (/etc/passwd, group,
# shadow, gshadow, the home folder and the layer's tar headers): a layer fix
# must save more than this, a fixture with nothing to save may grow by it.
USER_FILES = 64 * 1024
# Pulled base images stay in buildah's storage between fixtures (pulling
# again costs time) while the disk has this much free; below it they go
# after each fixture. CI machines' disks differ; the biggest fixture needs
# about 4 GB (two bases of ~1 GB, its build layers, the run).
KEEP_IMAGES_FREE = 12 * 1024**3
MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)


def log(msg):
    print(msg, flush=True)


def free_bytes(path: Path) -> int:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def gib(n):
    return f"{n / 1024**3:.1f} GiB"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Registry:
    """A real docker-registry on a free loopback port over a kept storage folder."""

    def __init__(self, storage: Path):
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        storage.mkdir(parents=True, exist_ok=True)
        self.config = STATE / "registry.yml"
        self.config.write_text(
            "version: 0.1\n"
            "log:\n  level: error\n"
            f"storage:\n  filesystem:\n    rootdirectory: {storage}\n  delete:\n    enabled: true\n"
            f"http:\n  addr: {self.host}\n"
        )
        self.proc = subprocess.Popen(
            ["docker-registry", "serve", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=open(STATE / "registry.log", "w"),
        )
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://{self.host}/v2/", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("build check: docker-registry did not start")

    def digest(self, repo: str, tag: str) -> str:
        req = urllib.request.Request(
            f"http://{self.host}/v2/{repo}/manifests/{tag}",
            method="GET",
            headers={"Accept": MANIFEST_TYPES},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return "sha256:" + hashlib.sha256(resp.read()).hexdigest()

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def ensure_standins(registry: Registry):
    """Builds and pushes the stand-ins unless the kept storage has them for
    this very version of standins.sh; True when they were (re)built."""
    stamp = STATE / "standins.stamp"
    want = hashlib.sha256(STANDINS.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == want:
        return False
    log("== stand-in base images: building (scripts/standins.sh)")
    started = time.time()
    subprocess.run([str(STANDINS), registry.host], check=True)
    stamp.write_text(want)
    log(f"stand-ins built in {time.time() - started:.0f} s")
    return True


class BuildahRoot:
    """buildah 1.39 from Debian trixie in a root filesystem of its own (Debian
    12's buildah 1.28 builds no heredocs). Kept in target/build-check/,
    made by debootstrap when missing. While the check runs, the root is a
    mount point of its own (containers/storage remounts it) with /proc, /dev
    and /tmp mounted in it; scripts/trixie-buildah/buildah runs buildah in
    it and is put first on PATH."""

    PACKAGES = ["buildah", "netavark"]

    def __init__(self, path: Path):
        self.path = path
        self.mounts = []
        done = path / ".dfix-done"
        if not done.exists() or done.read_text() != " ".join(self.PACKAGES):
            log("== buildah root: debootstrap trixie and install buildah")
            started = time.time()
            shutil.rmtree(path, ignore_errors=True)
            subprocess.run(
                ["debootstrap", "--variant=minbase", "trixie", str(path), "http://deb.debian.org/debian"],
                check=True, stdout=subprocess.DEVNULL,
            )
            shutil.copy("/etc/resolv.conf", path / "etc" / "resolv.conf")
            self._mount("proc", "proc", ["-t", "proc"])
            try:
                subprocess.run(
                    ["chroot", str(path), "apt-get", "install", "-y", "-qq", "--no-install-recommends", *self.PACKAGES],
                    check=True, stdout=subprocess.DEVNULL,
                    env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"),
                )
                subprocess.run(["chroot", str(path), "apt-get", "clean"], check=True)
            finally:
                self.unmount()
            done.write_text(" ".join(self.PACKAGES))
            log(f"buildah root made in {time.time() - started:.0f} s")
        # Builds resolve names with the root's resolv.conf.
        shutil.copy("/etc/resolv.conf", path / "etc" / "resolv.conf")
        # OCI runtimes may not raise limits here: containers get this
        # machine's own limits.
        (path / "etc" / "containers").mkdir(parents=True, exist_ok=True)
        nofile = resource.getrlimit(resource.RLIMIT_NOFILE)
        nproc = resource.getrlimit(resource.RLIMIT_NPROC)
        limit = lambda v: "-1" if v == resource.RLIM_INFINITY else str(v)
        (path / "etc" / "containers" / "containers.conf").write_text(
            "[containers]\ndefault_ulimits = [\"nofile={}:{}\", \"nproc={}:{}\"]\n".format(
                *map(limit, nofile), *map(limit, nproc)
            )
        )
        self._mount(str(path), "", ["--bind"])
        self._mount("proc", "proc", ["-t", "proc"])
        self._mount("/dev", "dev", ["--bind"])
        self._mount("/tmp", "tmp", ["--bind"])

    def _mount(self, source, target, how):
        where = self.path / target
        subprocess.run(["mount", *how, source, str(where)], check=True)
        self.mounts.append(where)

    def unmount(self):
        for where in reversed(self.mounts):
            subprocess.run(["umount", "-l", str(where)], capture_output=True)
        self.mounts = []


def registry_repo(ref: str):
    """(repository path on the mirror, tag) of an image reference, or None."""
    ref = ref.split("@", 1)[0]
    name, _, tag = ref.rpartition(":")
    if not name or "/" in tag:
        name, tag = ref, "latest"
    parts = name.split("/")
    if len(parts) == 1:
        return f"library/{name}", tag
    if "." in parts[0] or ":" in parts[0] or parts[0] == "localhost":
        return "/".join(parts[1:]), tag
    return name, tag


def unpinned_from_lines(text: str, registry: Registry):
    """Every FROM image (ARG defaults expanded) that has no digest or a
    digest other than the one the registry serves for its tag."""
    args, stages, problems = {}, set(), []
    for line in text.splitlines():
        m = re.match(r"\s*ARG\s+(\w+)=(\S+)", line, re.I)
        if m and not stages:
            args[m.group(1)] = m.group(2).strip("\"'")
        m = re.match(r"\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", line, re.I)
        if not m:
            continue
        image = re.sub(r"\$\{?(\w+)\}?", lambda v: args.get(v.group(1), v.group(0)), m.group(1))
        if image.lower() in stages or image == "scratch":
            pass
        elif "@sha256:" not in image:
            problems.append(f"FROM {image} has no digest")
        else:
            repo, tag = registry_repo(image)
            served = registry.digest(repo, tag)
            pinned = image.split("@", 1)[1]
            if pinned != served:
                problems.append(f"FROM {image}: the registry serves {served}")
        if m.group(2):
            stages.add(m.group(2).lower())
    return problems


def findings(dfix, cfg, dockerfile, env):
    out = subprocess.run(
        [dfix, "--check", "--unsafe-fixes", "--output-format", "json", "--config", str(cfg), str(dockerfile)],
        capture_output=True, text=True, env=env,
    )
    if out.returncode not in (0, 1):
        raise RuntimeError(f"dfix --check failed: {out.stderr.strip()}")
    return {f["code"] for f in json.loads(out.stdout)}


def human(n):
    return f"{n / 1e6:.1f} MB"


def forced_build_fails(ctx, original, forced, env):
    """A guard's proof: the original with the rewrite the guard refused
    (`forced.from` → `forced.to` in its FROM) must not build, or must not
    run. Returns the errors (none when it fails as it should)."""
    text, n = re.subn(
        rf"^(\s*FROM\s+){re.escape(forced['from'])}(\s|$)",
        lambda m: m.group(1) + forced["to"] + m.group(2),
        original,
        flags=re.M | re.I,
    )
    if n == 0:
        return [f"forced: no FROM {forced['from']} to rewrite"]
    path = ctx / "Dockerfile.forced"
    path.write_text(text)
    tag = f"localhost/dfix-build-check-forced-{ctx.name}"
    built = subprocess.run(
        ["buildah", "build", "-f", str(path), "-t", tag, str(ctx)],
        capture_output=True, text=True, env=env, timeout=1800,
    )
    subprocess.run(["buildah", "rmi", "--force", tag], capture_output=True, env=env)
    if built.returncode == 0:
        return [f"forced: FROM {forced['to']} builds, so the guard that kept {forced['from']} is not needed"]
    log(f"   forced FROM {forced['to']}: does not build, as the guard expects ({built.stdout.strip().splitlines()[-1:]} {built.stderr.strip().splitlines()[-1:]})")
    return []


def check_fixture(name, dfix, registry, cfg, env, work):
    spec = tomllib.loads((FIXTURES / name / "check.toml").read_text())
    ctx = work / name
    shutil.copytree(FIXTURES / name, ctx)
    (ctx / "check.toml").unlink()
    dockerfile = ctx / "Dockerfile"
    original = dockerfile.read_text()
    errors = []

    before_codes = findings(dfix, cfg, dockerfile, env)
    # Secrets the build needs: a build argument as written, a secret mount
    # once dfix has moved it (both taken from the environment, never argv).
    secrets = spec.get("secrets", {})
    inputs = []
    for secret in secrets:
        inputs += ["--build-arg", secret, "--secret", f"id={secret},env={secret}"]
    verify = subprocess.run(
        [dfix, "verify", "--unsafe-fixes", "--config", str(cfg), "--output-format", "json", *inputs, str(dockerfile)],
        capture_output=True, text=True, env=dict(env, **secrets),
    )
    try:
        report = json.loads(verify.stdout)[0]
    except (ValueError, IndexError):
        return {"name": name, "errors": [f"dfix verify gave no report (exit {verify.returncode}): {verify.stderr[-2000:]}"]}
    if dockerfile.read_text() != original:
        errors.append("dfix verify changed the Dockerfile")
    before, after = report["before"], report["after"]
    # A limit of this machine's builder, asserted rather than skipped: the
    # fixed file must fail with exactly this error, so that a builder that
    # learns the feature turns the check into a full one (and red until the
    # fixture says so).
    limit = spec.get("after_build_error")
    sides = (("before", before), ("after", after))
    if limit:
        sides = sides[:1]
        if after.get("built"):
            errors.append(f"after: builds, but check.toml expects the builder to refuse it ({limit!r})")
        elif limit not in after.get("error", ""):
            errors.append(f"after: does not build, and not for the expected reason {limit!r}: {after.get('error', '')[-1500:]}")
    for label, side in sides:
        if not side.get("built"):
            errors.append(f"{label}: does not build: {side.get('error', '')[-1500:]}")
            continue
        if side.get("exit_code") != 0:
            errors.append(f"{label}: the container exited {side.get('exit_code')}: {side.get('output', '')[-1500:]}")
        for line in spec.get("expect", []):
            if line not in side.get("output", ""):
                errors.append(f"{label}: output lacks {line!r}: {side.get('output', '')[-1500:]}")
    fixed = report.get("fixed_dockerfile", "")
    if fixed == original:
        errors.append("dfix changed nothing")
    if after.get("built") and not limit:
        user = after.get("user", {})
        if user.get("uid") in (None, 0):
            errors.append(f"after: runs as {user}")
        elif not user.get("in_passwd") and not user.get("numeric"):
            errors.append(f"after: user {user.get('name')} is not in the image's /etc/passwd")
    errors += [f"after: {p}" for p in unpinned_from_lines(fixed, registry)]
    (ctx / "Dockerfile.checked").write_text(fixed)
    after_codes = findings(dfix, cfg, ctx / "Dockerfile.checked", env)
    for rule in spec.get("fixes", []):
        if rule not in before_codes:
            errors.append(f"{rule} not found before the fix")
        elif rule in after_codes:
            errors.append(f"{rule} still found after the fix")
    forced = spec.get("forced")
    if forced:
        errors += forced_build_fails(ctx, original, forced, env)
    shrink = [r for r in spec.get("fixes", []) if SHRINKING.match(r)]
    if shrink and before.get("built") and after.get("built") and after["size"] > before["size"] + USER_FILES:
        errors.append(f"after: bigger than before ({human(before['size'])} -> {human(after['size'])}) despite {shrink}")
    return {
        "name": name,
        "errors": errors,
        "before": before,
        "after": after,
        "seconds": report.get("seconds", 0),
    }


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    args = sys.argv[1:]
    # --show: print `dfix verify`'s own text report for each fixture
    # (no assertions): what a user sees, with the stand-ins behind it.
    show = "--show" in args
    args = [a for a in args if a != "--show"]
    dfix = str(Path(args[0]).resolve())
    names = args[1:] or sorted(p.name for p in FIXTURES.iterdir() if (p / "check.toml").exists())
    started = time.time()
    STATE.mkdir(parents=True, exist_ok=True)
    log(f"disk: {gib(free_bytes(STATE))} free on {STATE}'s file system")
    registry = Registry(STATE / "registry")
    root = None
    try:
        rebuilt = ensure_standins(registry)
        root = BuildahRoot(STATE / "buildah-root")
        work = Path(tempfile.mkdtemp(prefix="dfix-build-check-"))
        conf = work / "registries.conf"
        mirror = (
            '[[registry]]\nprefix = "{p}"\nlocation = "{p}"\n'
            '[[registry.mirror]]\nlocation = "{h}"\ninsecure = true\n'
        )
        conf.write_text(
            'unqualified-search-registries = ["docker.io"]\nshort-name-mode = "permissive"\n'
            + mirror.format(p="docker.io", h=registry.host)
            + mirror.format(p="gcr.io", h=registry.host)
        )
        cfg = work / "dfix.toml"
        cfg.write_text(
            f'[registries."docker.io"]\nmirror = "http://{registry.host}"\n'
            f'[registries."gcr.io"]\nmirror = "http://{registry.host}"\n'
        )
        # This machine has no cgroups for OCI runtimes: buildah builds and runs
        # in a chroot (as root), which it reads from BUILDAH_ISOLATION.
        env = dict(
            os.environ,
            CONTAINERS_REGISTRIES_CONF=str(conf),
            DFIX_CACHE_DIR=str(work / "cache"),
            BUILDAH_ISOLATION=os.environ.get("BUILDAH_ISOLATION", "chroot"),
            DFIX_BUILDAH_ROOT=str(root.path),
            PATH=f"{ROOT / 'scripts' / 'trixie-buildah'}:{os.environ['PATH']}",
        )
        if rebuilt:
            # Base images pulled from an older registry content must go.
            subprocess.run(["buildah", "rmi", "--all", "--force"], env=env, capture_output=True)
        if show:
            for name in names:
                shutil.copytree(FIXTURES / name, work / name)
                out = subprocess.run(
                    [dfix, "verify", "--unsafe-fixes", "--config", str(cfg), str(work / name / "Dockerfile")],
                    capture_output=True, text=True, env=env,
                )
                log(f"$ dfix verify --unsafe-fixes {name}/Dockerfile   (exit {out.returncode})")
                log(out.stdout.replace(str(work) + "/", "") + out.stderr)
            return
        results = []
        for name in names:
            log(f"== {name}")
            t = time.time()
            try:
                r = check_fixture(name, dfix, registry, cfg, env, work)
            except Exception as e:  # a harness error is a failure of this fixture
                r = {"name": name, "errors": [f"harness: {e}"]}
            # The layers `--layers` cached for this fixture: disk, not reuse.
            subprocess.run(["buildah", "rmi", "--prune"], env=env, capture_output=True)
            if free_bytes(STATE) < KEEP_IMAGES_FREE:
                subprocess.run(["buildah", "rmi", "--all", "--force"], env=env, capture_output=True)
                log(f"   disk: {gib(free_bytes(STATE))} free after removing the pulled images")
            r.setdefault("seconds", time.time() - t)
            for e in r["errors"]:
                log(f"   FAIL {e}")
            results.append(r)
        shutil.rmtree(work, ignore_errors=True)
    finally:
        if root:
            root.unmount()
        registry.stop()

    log("\n| fixture | size before → after | layers before → after | fixed image runs as | result |")
    log("|---|---|---|---|---|")
    for r in results:
        b, a = r.get("before", {}), r.get("after", {})
        size = f"{human(b['size'])} → {human(a['size'])}" if b.get("size") and a.get("size") else "-"
        layers = f"{b.get('layers', '-')} → {a.get('layers', '-')}"
        user = a.get("user", {})
        runs_as = f"{user.get('name', '?')} (uid {user.get('uid', '?')})" if user else "-"
        log(f"| {r['name']} | {size} | {layers} | {runs_as} | {'FAIL' if r['errors'] else 'ok'} |")
    failed = sum(1 for r in results if r["errors"])
    disk = subprocess.run(["du", "-sh", "--one-file-system", str(STATE)], capture_output=True, text=True).stdout
    log(f"\nbuild check: {len(results) - failed} passed, {failed} failed, {time.time() - started:.0f} s")
    log("disk:\n" + disk.strip() + f"\n{gib(free_bytes(STATE))} free")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
