#!/usr/bin/env python3
"""Corpus measurement of dfix's package-manager rules (DF3xx).

For every corpus file that hadolint can parse:
  1. hadolint counts per DL rule before;
  2. `dfix --unsafe-fixes --offline -` (stdin mode) fixes it;
  3. hadolint counts after; BuildKit's parser (the oracle,
     ../shared/tools/buildkit_parse.py) must accept the output;
  4. a second dfix run must change nothing;
  5. RUNs that no package-manager rule targets must be byte-identical;
  6. the DF3xx findings left after fixing (`--check`) give the blocked cases
     with their guard ("not fixed: ...").

Usage: scripts/measure_pkg.py [--corpus DIR] [--dfix BIN] [--jobs N] [--verbose]
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

RULES = ["DL3009", "DL3014", "DL3015", "DL3019", "DL3027", "DL3030", "DL3032",
         "DL3034", "DL3036", "DL3038", "DL3040", "DL3042", "DL3059", "DL3060"]
PM_WORDS = re.compile(r"(?<![\w./-])(?:\S*/)?(apt-get|apt|apk|yum|dnf|microdnf|zypper|pip[0-9.]*|python[0-9.]*\s+-m\s+pip)(?![\w-])")
YARN = re.compile(r"(?<![\w./-])yarn(?![\w-])")
HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, stdin=None):
    p = subprocess.run(cmd, input=stdin, capture_output=True)
    return p.returncode, p.stdout, p.stderr


def hadolint(path):
    """Findings as (code, line), or None when hadolint cannot parse the file."""
    rc, out, _ = run(["hadolint", "--no-fail", "-f", "json", path])
    try:
        items = json.loads(out or b"[]")
    except json.JSONDecodeError:
        return None
    if any(i["code"] == "DL1000" for i in items):
        return None
    return [(i["code"], i["line"]) for i in items]


def oracle(path):
    rc, out, _ = run([sys.executable, ORACLE, path])
    try:
        return json.loads(out)
    except json.JSONDecodeError:
        return {"ok": False, "error": "oracle crashed"}


def run_texts(data, parsed):
    """(start_line, end_line, raw text, logical text) of each RUN."""
    lines = data.split(b"\n")
    out = []
    for ins in parsed.get("instructions", []):
        if ins["cmd"] == "run" or ins.get("sub_cmd") == "run":
            raw = b"\n".join(lines[ins["start_line"] - 1: ins["end_line"]])
            logical = ins.get("original", "")
            for h in ins.get("heredocs") or []:
                logical += "\n" + (h.get("content") or "")
            out.append((ins["start_line"], ins["end_line"], raw, logical))
    return out


def pm_line_set(runs):
    """Lines of RUNs that use a package manager."""
    s = set()
    for start, end, _, logical in runs:
        if PM_WORDS.search(logical):
            s.update(range(start, end + 1))
    return s


def measure(path):
    res = {"path": path, "skipped": None}
    before = hadolint(path)
    if before is None:
        res["skipped"] = "hadolint cannot parse"
        return res
    with open(path, "rb") as f:
        data = f.read()
    parsed_in = oracle(path)
    if not parsed_in.get("ok"):
        res["skipped"] = "not a Dockerfile BuildKit accepts"
        return res
    rc, out, err = run([DFIX, "--unsafe-fixes", "--offline", "-"], stdin=data)
    if rc not in (0, 1):
        res["dfix_error"] = err.decode(errors="replace").strip()
        out = data
    res["changed"] = out != data
    with tempfile.TemporaryDirectory() as d:
        fixed = os.path.join(d, "Dockerfile")
        with open(fixed, "wb") as f:
            f.write(out)
        after = hadolint(fixed) or []
        parsed_out = oracle(fixed)
        res["oracle_ok_in"] = bool(parsed_in.get("ok"))
        res["oracle_ok_out"] = bool(parsed_out.get("ok"))
        rc2, out2, _ = run([DFIX, "--unsafe-fixes", "--offline", "-"], stdin=out)
        res["idempotent"] = out2 == out
        rc3, chk, _ = run([DFIX, "--check", "--unsafe-fixes", "--offline", "--select", "DF3",
                           "--output-format", "json", fixed])
        try:
            left = json.loads(chk or b"[]")
        except json.JSONDecodeError:
            left = []
        res["blocked"] = [(d_["code"], d_["location"]["row"], d_["message"]) for d_ in left]
        res["after_lines"] = [(c, l) for c, l in after if c in RULES]
        # Our rules alone, for the byte-identity check of untargeted RUNs.
        _, only_pm, _ = run([DFIX, "--unsafe-fixes", "--offline", "--select", "DF3", "-"], stdin=data)
        res["powershell"] = any(
            i["cmd"] == "shell" and "powershell" in " ".join(i.get("value", [])).lower()
            or i["cmd"] == "shell" and "cmd" in (i.get("value") or [""])[0].lower()
            for i in parsed_in.get("instructions", []))
    # DL3059 counts only where one of the two RUNs uses a package manager.
    def count(findings, runs):
        pm_lines = pm_line_set(runs)
        run_starts = sorted(r[0] for r in runs)
        c = collections.Counter()
        for code, line in findings:
            if code not in RULES:
                continue
            if code == "DL3059":
                prev = [s for s in run_starts if s < line]
                if line not in pm_lines and not (prev and prev[-1] in pm_lines):
                    continue
            c[code] += 1
        return c
    runs_in = run_texts(data, parsed_in)
    runs_out = run_texts(out, parsed_out) if parsed_out.get("ok") else []
    res["before"] = count(before, runs_in)
    res["after"] = count(after, runs_out)
    # RUNs no rule targets: no package manager, no yarn, and not in a run of
    # consecutive RUNs (only comments between) holding a package-manager RUN
    # (the merge rule may take those).
    chains, cur = [], []
    for ins in parsed_in.get("instructions", []):
        if ins["cmd"] == "run":
            cur.append(ins["start_line"])
        else:
            chains.append(cur)
            cur = []
    chains.append(cur)
    pm_starts = {r[0] for r in runs_in if PM_WORDS.search(r[3])}
    chain_of = {s_: c for c in chains for s_ in c}
    untouched_bad = []
    for start, end, raw, logical in runs_in:
        if PM_WORDS.search(logical) or YARN.search(logical):
            continue
        if any(n in pm_starts for n in chain_of.get(start, [])):
            continue
        if raw not in only_pm:
            untouched_bad.append(start)
    res["untargeted_changed"] = untouched_bad
    return res


def corpus_files(root):
    out = []
    for sub in ("real", "hard", "buildkit-testfiles"):
        for dp, _, fs in os.walk(os.path.join(root, sub)):
            for f in fs:
                if f in ("result",) or f.endswith(".json"):
                    continue
                out.append(os.path.join(dp, f))
    return sorted(out)


def main():
    global DFIX, ORACLE
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=os.environ.get("DFIX_CORPUS", os.path.join(HERE, "../../shared/corpus")))
    ap.add_argument("--dfix", default=os.path.join(HERE, "../target/debug/dfix"))
    ap.add_argument("--oracle", default=os.path.join(HERE, "../../shared/tools/buildkit_parse.py"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--json", help="write per-file results here")
    a = ap.parse_args()
    DFIX, ORACLE = os.path.abspath(a.dfix), os.path.abspath(a.oracle)
    files = corpus_files(os.path.abspath(a.corpus))
    with ThreadPoolExecutor(a.jobs) as ex:
        results = list(ex.map(measure, files))
    measured = [r for r in results if not r["skipped"]]
    for why, n in collections.Counter(r["skipped"] for r in results if r["skipped"]).items():
        print(f"skipped: {n} ({why})")
    before, after = collections.Counter(), collections.Counter()
    for r in measured:
        before.update(r["before"])
        after.update(r["after"])
    print(f"files: {len(files)}, hadolint parses: {len(measured)}, changed by dfix: {sum(r['changed'] for r in measured)}")
    print(f"{'rule':8} {'before':>7} {'after':>7}")
    for code in RULES:
        print(f"{code:8} {before[code]:7} {after[code]:7}")
    print(f"{'total':8} {sum(before.values()):7} {sum(after.values()):7}")
    ok_in = [r for r in measured if r["oracle_ok_in"]]
    ok_out = [r for r in ok_in if r["oracle_ok_out"]]
    print(f"oracle: {len(ok_out)}/{len(ok_in)} outputs parse (of inputs the oracle accepts)")
    bad = [r["path"] for r in ok_in if not r["oracle_ok_out"]]
    for p in bad:
        print("  oracle rejects output:", p)
    nonidem = [r["path"] for r in measured if not r["idempotent"]]
    print(f"second run changes nothing: {len(measured) - len(nonidem)}/{len(measured)}")
    for p in nonidem:
        print("  not idempotent:", p)
    errs = [r for r in measured if r.get("dfix_error")]
    print(f"dfix errors: {len(errs)}")
    for r in errs:
        print("  ", r["path"], r["dfix_error"][:200])
    un = [(r["path"], r["untargeted_changed"]) for r in measured if r["untargeted_changed"]]
    print(f"files where an untargeted RUN changed: {len(un)}")
    for p, lines in un:
        print("  ", p, lines)
    blocked = collections.Counter()
    for r in measured:
        for code, line, msg in r["blocked"]:
            m = re.search(r"\(not fixed: (.*)\)$", msg)
            blocked[(code, m.group(1) if m else "no fix offered: " + msg)] += 1
    print("DF3xx findings left after fixing, by rule and guard:")
    for (code, why), n in sorted(blocked.items()):
        print(f"  {code} x{n}: {why}")
    print("hadolint findings left after fixing (counted rules), with the guard that blocked them:")
    for r in measured:
        rows = r["after"]
        if not sum(rows.values()):
            continue
        for code, line in r["after_lines"]:
            why = [m for c, l, m in r["blocked"] if l == line]
            if why:
                reason = why[0]
            elif r["powershell"]:
                reason = "SHELL is PowerShell/cmd: the RUNs are not POSIX shell, no rule edits them"
            else:
                reason = "UNEXPLAINED"
            if code == "DL3059" and not r["after"].get("DL3059"):
                continue
            print(f"  {os.path.relpath(r['path'], a.corpus)}:{line} {code}: {reason}")
    if a.verbose:
        for r in measured:
            for code, line, msg in r["blocked"]:
                print(f"    {os.path.relpath(r['path'], a.corpus)}:{line} {code} {msg}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1, default=list)
    after_total = sum(after.values())
    return 0 if not bad and not nonidem and not errs else 1


if __name__ == "__main__":
    sys.exit(main())
