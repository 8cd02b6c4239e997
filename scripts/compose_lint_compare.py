#!/usr/bin/env python3
"""A peer as judge: compose-lint's findings on the Compose corpus before and
after `dfix --unsafe-fixes --offline`, and after compose-lint's own
`fix --apply`, in one run.

usage: compose_lint_compare.py DFIX CORPUS [--jobs N] [--config FILE]

CORPUS is the shared corpus (its compose/ folder is read) or any folder of
Compose files.

Each file is copied into a temporary folder under its own name (the corpus
is never written to) and linted on its own (`--no-merge-overrides --no-env
--allow-partial-coverage`, so a missing env file or include does not stop
the count). Files compose-lint cannot lint at all are left out of every
count. Each fixed text is also checked with Docker Compose v2 (the same
oracle as compose_check.py) when the original passes it: a fixer that
breaks a file is reported. Prints totals, the share of findings each fixer
removes, and counts per compose-lint rule. For what is left after dfix, it
says why, from dfix's own findings on its fixed text (matched by the
compose-lint id among each finding's aliases): dfix reports it with a
suggestion only (an edit shown, never applied: unknown images), dfix
reports it with no fix (a guard, or no digest offline), or dfix has no
such finding (no rule for it).
"""

import argparse
import collections
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compose_check import find_oracle, oracle  # noqa: E402


def lint(path):
    r = subprocess.run(
        [
            "compose-lint", "check", "--format", "json", "--no-merge-overrides", "--no-env",
            "--allow-partial-coverage", "--fail-on", "critical", path,
        ],
        capture_output=True,
        cwd=os.path.dirname(path),
        timeout=120,
    )
    try:
        data = json.loads(r.stdout)
    except json.JSONDecodeError:
        return None
    return collections.Counter(
        f["rule_id"] for f in data.get("findings", []) if not f.get("suppressed")
    )


# `--config FILE` (a registry that serves the images, see
# registry_standin.py) instead of `--offline`.
CONFIG = None


def network_args():
    return ["--config", CONFIG] if CONFIG else ["--offline"]


def dfix_env():
    env = dict(os.environ)
    if CONFIG:
        env.pop("DFIX_OFFLINE", None)
    else:
        env["DFIX_OFFLINE"] = "1"
    return env


def dfix_left(dfix_bin, text, path):
    """dfix's findings on its own fixed text, as (compose-lint id, how, dfix id):
    how is `suggestion` (an edit shown, never applied) or `no fix`."""
    out = subprocess.run(
        [dfix_bin, "--check", "--unsafe-fixes", *network_args(), "--output-format", "json",
         "-", "--stdin-filename", path],
        input=text, capture_output=True, env=dfix_env(), timeout=60,
    )
    left = collections.Counter()
    try:
        findings = json.loads(out.stdout)
    except json.JSONDecodeError:
        return left
    for f in findings:
        fix = f.get("fix")
        how = "suggestion" if fix and fix.get("applicability") == "display-only" else "no fix"
        for alias in f.get("aliases", []):
            if alias.startswith("CL-"):
                left[(alias, how, f["code"])] += 1
    return left


def one(dfix_bin, oracle_bin, path):
    name = os.path.basename(path)
    text = open(path, "rb").read()
    home = os.path.dirname(os.path.abspath(path))
    res = {"path": path}
    with tempfile.TemporaryDirectory() as tmp:
        def at(sub, body):
            d = os.path.join(tmp, sub)
            os.makedirs(d)
            p = os.path.join(d, name)
            with open(p, "wb") as f:
                f.write(body)
            return p

        res["before"] = lint(at("before", text))
        if res["before"] is None:
            return res
        ok, _ = oracle(oracle_bin, text, home)
        res["oracle"] = ok
        fixed = subprocess.run(
            [dfix_bin, "--unsafe-fixes", *network_args(), "-", "--stdin-filename", path],
            input=text,
            capture_output=True,
            env=dfix_env(),
            timeout=60,
        )
        dfix_text = fixed.stdout if fixed.returncode == 0 else text
        res["dfix_refused"] = fixed.returncode != 0
        res["after_dfix"] = lint(at("dfix", dfix_text)) or collections.Counter()
        res["dfix_left"] = dfix_left(dfix_bin, dfix_text, path)
        cl = at("cl", text)
        subprocess.run(
            ["compose-lint", "fix", "--apply", "--no-merge-overrides", "--no-env", cl],
            capture_output=True,
            cwd=os.path.dirname(cl),
            timeout=120,
        )
        cl_text = open(cl, "rb").read()
        res["after_cl"] = lint(cl) or collections.Counter()
        if ok:
            res["dfix_valid"] = oracle(oracle_bin, dfix_text, home)[0]
            res["cl_valid"] = oracle(oracle_bin, cl_text, home)[0]
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dfix")
    ap.add_argument("corpus")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument(
        "--config",
        help="run dfix with this config (a registry mirror, offline = false) instead of --offline",
    )
    a = ap.parse_args()
    global CONFIG
    CONFIG = os.path.abspath(a.config) if a.config else None
    if not shutil.which("compose-lint"):
        print("compose-lint not found (pip install compose-lint==0.36.2)", file=sys.stderr)
        return 1
    oracle_bin = find_oracle("docker-compose")
    # The shared corpus keeps its Compose files under compose/; any other
    # folder of Compose files (files this project has not seen) is taken
    # as it is.
    root = os.path.join(a.corpus, "compose")
    if not os.path.isdir(root):
        root = a.corpus
    files = sorted(
        os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.endswith((".yml", ".yaml"))
    )
    dfix_bin = os.path.abspath(a.dfix)
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
        results = list(ex.map(lambda p: one(dfix_bin, oracle_bin, p), files))
    linted = [r for r in results if r["before"] is not None]
    tot = {k: collections.Counter() for k in ("before", "after_dfix", "after_cl")}
    for r in linted:
        for k in tot:
            tot[k].update(r[k])
    b = sum(tot["before"].values())

    def share(k):
        n = sum(tot[k].values())
        return f"{n} ({100 * (b - n) / b:.1f}% removed)" if b else str(n)

    valid = [r for r in linted if r.get("oracle")]
    print(f"compose-lint comparison: {len(files)} files, {len(linted)} linted by compose-lint")
    print(f"  compose-lint findings before:                 {b}")
    how = "--config FILE" if CONFIG else "--offline"
    print(f"  {'after dfix --unsafe-fixes ' + how + ':':<46}{share('after_dfix')}")
    print(f"  after compose-lint fix --apply:               {share('after_cl')}")
    print(
        f"  valid for Compose v2 after the fix (of {len(valid)} valid before): "
        f"dfix {sum(1 for r in valid if r.get('dfix_valid'))}, "
        f"compose-lint {sum(1 for r in valid if r.get('cl_valid'))}"
    )
    print(f"  refused by dfix: {sum(1 for r in linted if r.get('dfix_refused'))}")
    print("  per rule: before / after dfix / after compose-lint fix")
    for rule in sorted(tot["before"]):
        print(f"    {rule}: {tot['before'][rule]} / {tot['after_dfix'][rule]} / {tot['after_cl'][rule]}")
    # Why what is left after dfix is left: per file, dfix's own findings with
    # that compose-lint id explain at most as many as compose-lint counts.
    why = collections.defaultdict(collections.Counter)
    for r in linted:
        left = r.get("dfix_left", collections.Counter())
        for rule, n in r["after_dfix"].items():
            for (cl, how, code), m in sorted(left.items()):
                if cl != rule or n == 0:
                    continue
                k = min(n, m)
                why[rule][f"{how} ({code})"] += k
                n -= k
            if n:
                why[rule]["no dfix finding"] += n
    print("  left after dfix, and why (dfix's own findings on its fixed text):")
    for rule in sorted(why):
        parts = ", ".join(f"{k}: {v}" for k, v in why[rule].most_common())
        print(f"    {rule}: {parts}")
    for r in valid:
        if not r.get("dfix_valid"):
            print(f"FAIL dfix broke {os.path.relpath(r['path'], root)}")
    return 1 if any(not r.get("dfix_valid") for r in valid) else 0


if __name__ == "__main__":
    sys.exit(main())
