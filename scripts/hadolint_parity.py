#!/usr/bin/env python3
"""hadolint beside dfix, rule by rule, on every corpus Dockerfile hadolint parses.

For each file: hadolint's findings (code, line) and dfix's findings (`--check
--offline --output-format json`, every rule selected), with each dfix rule
standing for the hadolint codes it lists as aliases (`dfix rules
--output-format json`). A hadolint finding is *matched* when dfix reports a
rule aliasing that code on the same instruction (BuildKit's instruction
ranges from the corpus oracle, `expected/`). Per DL code the table gives
hadolint's count, dfix's count, matched, missed (hadolint only) and extra
(dfix only), and the recall.

With --fixed, also: each file fixed by `dfix --unsafe-fixes --offline -`
(stdin mode, nothing written), and hadolint's findings per code before and
after the fixes.

Usage:
  scripts/hadolint_parity.py DFIX [--corpus DIR] [--code DL3008 ...]
                             [--show missed|extra] [--json OUT] [--fixed]

hadolint's answers are cached in target/hadolint-cache.json (by file content
and hadolint version), since they do not change while dfix does.
"""

import argparse
import collections
import hashlib
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CACHE = os.path.join(ROOT, "target", "hadolint-cache.json")
FOLDERS = ["real", "hard", "buildkit-testfiles"]
# Every DL rule of hadolint 2.15 (DL1001 is its inline-pragma rule, DL1000
# its parse error): the table lists each, found on the corpus or not.
HADOLINT_CODES = ["DL1001"] + [f"DL30{n:02d}" for n in range(0, 68) if n not in (5, 17, 31, 39)] \
    + ["DL4000", "DL4001", "DL4003", "DL4004", "DL4005", "DL4006"]


def corpus_files(corpus):
    out = []
    for folder in FOLDERS:
        base = os.path.join(corpus, folder)
        for d, _, names in os.walk(base):
            for n in names:
                if n == "result":
                    continue
                out.append(os.path.join(d, n))
    return sorted(out)


def instruction_ranges(corpus, path):
    """[(start, end)] physical lines of each instruction, from the oracle."""
    rel = os.path.relpath(path, corpus)
    exp = os.path.join(corpus, "expected", rel + ".json")
    try:
        with open(exp) as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError):
        return None
    if not data.get("ok"):
        return None
    return [(i["start_line"], i["end_line"]) for i in data["instructions"]]


def hadolint_version():
    p = subprocess.run(["hadolint", "--version"], capture_output=True, text=True)
    return p.stdout.strip()


def hadolint(path, text=None):
    """Findings as [(code, line)], or None when hadolint cannot parse the file
    (or the text given instead of the file)."""
    if text is not None:
        p = subprocess.run(["hadolint", "--no-fail", "-f", "json", "-"], input=text,
                           capture_output=True)
    else:
        p = subprocess.run(["hadolint", "--no-fail", "-f", "json", path], capture_output=True)
    try:
        items = json.loads(p.stdout or b"[]")
    except json.JSONDecodeError:
        return None
    if any(i["code"] == "DL1000" for i in items):
        return None
    return [(i["code"], i["line"]) for i in items]


def dfix_findings(dfix, path):
    p = subprocess.run([dfix, "--check", "--offline", "--select", "ALL",
                        "--output-format", "json", path], capture_output=True)
    if p.returncode == 2:
        return None
    try:
        items = json.loads(p.stdout or b"[]")
    except json.JSONDecodeError:
        return None
    return [(i["code"], i["location"]["row"]) for i in items]


def aliases(dfix):
    p = subprocess.run([dfix, "rules", "--output-format", "json"],
                       capture_output=True, check=True)
    out = collections.defaultdict(set)
    for r in json.loads(p.stdout):
        for a in r["aliases"]:
            if a.startswith("DL"):
                out[r["code"]].add(a)
    return out


def instruction_of(ranges, line):
    for i, (s, e) in enumerate(ranges):
        if s <= line <= e:
            return i
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dfix")
    ap.add_argument("--corpus", default=os.environ.get("DFIX_CORPUS", os.path.join(ROOT, "..", "shared", "corpus")))
    ap.add_argument("--code", nargs="*", default=None, help="only these DL codes")
    ap.add_argument("--show", choices=["missed", "extra"], help="list the disagreements")
    ap.add_argument("--json", help="write the table as JSON here")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--fixed", action="store_true",
                    help="also count hadolint's findings after dfix --unsafe-fixes --offline")
    args = ap.parse_args()

    files = corpus_files(args.corpus)
    version = hadolint_version()
    cache = {}
    if os.path.exists(CACHE):
        with open(CACHE) as f:
            cache = json.load(f)
        if cache.get("version") != version:
            cache = {}
    cache["version"] = version
    answers = cache.setdefault("answers", {})

    def key(path):
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()

    keys = {p: key(p) for p in files}
    todo = [p for p in files if keys[p] not in answers]
    with ThreadPoolExecutor(args.jobs) as ex:
        for p, r in zip(todo, ex.map(hadolint, todo)):
            answers[keys[p]] = r
    os.makedirs(os.path.dirname(CACHE), exist_ok=True)
    with open(CACHE, "w") as f:
        json.dump(cache, f)

    alias = aliases(args.dfix)
    parsed = [p for p in files if answers[keys[p]] is not None]
    with ThreadPoolExecutor(args.jobs) as ex:
        dfix_all = dict(zip(parsed, ex.map(lambda p: dfix_findings(args.dfix, p), parsed)))

    counts = collections.defaultdict(lambda: collections.Counter())
    shown = []
    skipped = 0
    for path in parsed:
        ranges = instruction_ranges(args.corpus, path)
        found = dfix_all[path]
        if ranges is None or found is None:
            skipped += 1
            continue
        had = collections.Counter()
        for code, line in answers[keys[path]]:
            if code.startswith("DL") and code != "DL1000":
                had[(code, instruction_of(ranges, line))] += 1
        ours = collections.Counter()
        for code, line in found:
            for dl in alias.get(code, ()):
                ours[(dl, instruction_of(ranges, line))] += 1
        # One finding per code and instruction on each side: hadolint
        # reports some codes once per instruction, dfix once per command.
        for k in set(had) | set(ours):
            code = k[0]
            if args.code and code not in args.code:
                continue
            h, d = k in had, k in ours
            counts[code]["hadolint"] += h
            counts[code]["dfix"] += d
            counts[code]["matched"] += h and d
            counts[code]["missed"] += h and not d
            counts[code]["extra"] += d and not h
            if args.show == "missed" and h and not d or args.show == "extra" and d and not h:
                line = ranges[k[1]][0] if k[1] is not None else "?"
                shown.append(f"{os.path.relpath(path, args.corpus)}:{line} {code}")

    print(f"files hadolint parses: {len(parsed)} of {len(files)}"
          f" ({skipped} skipped: no oracle parse or dfix refused)")
    rule_of = collections.defaultdict(list)
    for rule, codes in alias.items():
        for c in codes:
            rule_of[c].append(rule)
    print(f"{'code':8} {'dfix rule':11} {'hadolint':>8} {'dfix':>6} {'matched':>7} {'missed':>6} {'extra':>6} {'recall':>7}")
    tot = collections.Counter()
    listed = sorted(set(counts) | ({c for c in HADOLINT_CODES if not args.code or c in args.code}))
    for code in listed:
        c = counts[code]
        tot.update(c)
        recall = f"{100 * c['matched'] / c['hadolint']:.1f}%" if c["hadolint"] else "-"
        rules = ",".join(sorted(rule_of.get(code, []))) or "-"
        print(f"{code:8} {rules:11} {c['hadolint']:>8} {c['dfix']:>6} {c['matched']:>7} {c['missed']:>6} {c['extra']:>6} {recall:>7}")
    recall = f"{100 * tot['matched'] / tot['hadolint']:.1f}%" if tot["hadolint"] else "-"
    print(f"{'all':8} {'':11} {tot['hadolint']:>8} {tot['dfix']:>6} {tot['matched']:>7} {tot['missed']:>6} {tot['extra']:>6} {recall:>7}")
    for s in shown:
        print(s)
    if args.fixed:
        after_counts(args, parsed, answers, cache)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({c: dict(v) for c, v in counts.items()}, f, indent=1)


def fixed_text(dfix, path):
    with open(path, "rb") as f:
        text = f.read()
    p = subprocess.run([dfix, "--unsafe-fixes", "--offline", "-", "--stdin-filename", path],
                       input=text, capture_output=True)
    return p.stdout if p.returncode in (0, 1) else text


def after_counts(args, parsed, answers, cache):
    """hadolint per code before and after dfix's fixes (unsafe included)."""
    with ThreadPoolExecutor(args.jobs) as ex:
        fixed = dict(zip(parsed, ex.map(lambda p: fixed_text(args.dfix, p), parsed)))
    keys = {p: hashlib.sha256(t).hexdigest() for p, t in fixed.items()}
    todo = [p for p in parsed if keys[p] not in answers]
    with ThreadPoolExecutor(args.jobs) as ex:
        for p, r in zip(todo, ex.map(lambda p: hadolint(p, fixed[p]), todo)):
            answers[keys[p]] = r
    with open(CACHE, "w") as f:
        json.dump(cache, f)
    before, after = collections.Counter(), collections.Counter()
    unparsed = 0
    for p in parsed:
        with open(p, "rb") as f:
            k0 = hashlib.sha256(f.read()).hexdigest()
        before.update(c for c, _ in answers[k0] if c.startswith("DL"))
        got = answers[keys[p]]
        if got is None:
            unparsed += 1
            continue
        after.update(c for c, _ in got if c.startswith("DL"))
    print(f"\nhadolint before -> after `dfix --unsafe-fixes --offline`"
          f" ({unparsed} fixed files hadolint cannot parse)")
    print(f"{'code':8} {'before':>7} {'after':>7}")
    for code in sorted(set(before) | set(after)):
        if args.code and code not in args.code:
            continue
        print(f"{code:8} {before[code]:>7} {after[code]:>7}")
    print(f"{'all':8} {sum(before.values()):>7} {sum(after.values()):>7}")


if __name__ == "__main__":
    sys.exit(main())
