#!/usr/bin/env python3
"""The editor check: a real Neovim (headless, 0.11) drives `dfix server` on
every fixture of tests/editor/fixtures/: opens it, waits for the
diagnostics, saves it with fix-all on save (tests/editor/drive.lua). Then
the written file must equal what `dfix - --stdin-filename FILE` prints for
the original, and the diagnostics Neovim received must equal the findings
of `dfix --check --output-format json FILE` (row, column in characters,
code, message). A fixture `NAME.dfix.toml` is the fixture's config.

    python3 scripts/editor_check.py [DFIX_BINARY]   (default target/release/dfix)

Neovim comes from scripts/install-editor-deps.sh (or $DFIX_NVIM). Prints one
line per fixture and `N passed, N failed`; exit 1 when any failed.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests/editor/fixtures"
DRIVER = ROOT / "tests/editor/drive.lua"


def findings(dfix, path, env):
    """(row, column, code, message) of `dfix --check`, sorted."""
    out = subprocess.run(
        [dfix, "--check", "--output-format", "json", str(path)],
        capture_output=True, text=True, env=env, timeout=60,
    )
    if out.returncode not in (0, 1):
        raise RuntimeError(f"dfix --check exited {out.returncode}: {out.stderr.strip()}")
    return sorted(
        (f["location"]["row"], f["location"]["column"], f["code"], f["message"])
        for f in json.loads(out.stdout)
    )


def check(dfix, nvim, fixture, env):
    """(True, what was seen) when the fixture passes, else (False, why not)."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / fixture.name
        shutil.copyfile(fixture, work)
        config = fixture.with_name(fixture.name.removesuffix(".Dockerfile") + ".dfix.toml")
        if config.exists():
            shutil.copyfile(config, Path(tmp) / "dfix.toml")
        original = work.read_bytes().decode()
        stdin = subprocess.run(
            [dfix, "-", "--stdin-filename", str(work)],
            input=original.encode(), capture_output=True, env=env, timeout=60,
        )
        if stdin.returncode != 0:
            return False, f"dfix - failed: {stdin.stderr.decode().strip()}"
        want_text = stdin.stdout.decode()
        want_diags = findings(dfix, work, env)
        diag_file = Path(tmp) / "diagnostics.json"
        run = subprocess.run(
            [nvim, "--headless", "--clean", "-l", str(DRIVER), str(work), str(diag_file),
             dfix, "server"],
            capture_output=True, text=True, env=env, timeout=120, cwd=tmp,
        )
        if run.returncode != 0:
            return False, f"neovim exited {run.returncode}: {(run.stdout + run.stderr).strip()[-500:]}"
        got_diags = sorted(
            (d["row"], d["column"], d["code"], d["message"])
            for d in json.loads(diag_file.read_text())
        )
        if got_diags != want_diags:
            return False, f"diagnostics differ:\n  neovim:  {got_diags}\n  --check: {want_diags}"
        got_text = work.read_bytes().decode()
        if got_text != want_text:
            return False, f"written file differs from dfix -:\n--- neovim\n{got_text}\n--- dfix -\n{want_text}"
        if got_text == original and want_text != original:
            return False, "nothing was fixed"
        how = run.stdout.strip().splitlines()[-1].removeprefix("diagnostics ") if run.stdout.strip() else "?"
    return True, f"{len(got_diags)} diagnostics {how}, {'fixed' if want_text != original else 'unchanged'}"


def main():
    dfix = str(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "target/release/dfix").resolve())
    nvim = os.environ.get("DFIX_NVIM") or str(ROOT / "target/editor-deps/venv/bin/nvim")
    if not Path(nvim).exists():
        sys.exit(f"editor check: no Neovim at {nvim} (run scripts/install-editor-deps.sh)")
    env = dict(os.environ)
    # Same answers from CLI and server: no network, no digest cache.
    env["DFIX_OFFLINE"] = "1"
    env.pop("DFIX_CACHE_DIR", None)
    started = time.monotonic()
    passed = failed = 0
    for fixture in sorted(FIXTURES.glob("*.Dockerfile")):
        try:
            ok, why = check(dfix, nvim, fixture, env)
        except (subprocess.TimeoutExpired, RuntimeError, ValueError) as e:
            ok, why = False, f"error: {e}"
        if ok:
            passed += 1
            print(f"ok    {fixture.name}: {why}")
        else:
            failed += 1
            print(f"FAIL  {fixture.name}: {why}")
    print(f"editor check: {passed} passed, {failed} failed ({time.monotonic() - started:.1f} s)")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
