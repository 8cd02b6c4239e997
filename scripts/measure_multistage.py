#!/usr/bin/env python3
"""Counts what DF401 (split-build-and-runtime) does on the corpus.

Usage: scripts/measure_multistage.py [CORPUS] [--dfix PATH] [--show N]

CORPUS defaults to $DFIX_CORPUS or ../shared/corpus. Every file of the
corpus (except expected/) is checked with `dfix --check --select DF401
--output-format json`; a finding with an unsafe fix counts as rewritten, a
display-only one as a suggestion (its reason is the text after "missing").
Each rewrite is then produced with `dfix --unsafe-fixes --select DF401 -`
and verified: BuildKit's parser (PyPI `dockerfile`) accepts it, it has at
least two FROMs, and a second run changes nothing. Counts are printed by
ecosystem.
"""

import collections
import json
import os
import re
import subprocess
import sys
from pathlib import Path

try:
    import dockerfile  # BuildKit's parser (PyPI `dockerfile`)
except ImportError:  # pragma: no cover
    dockerfile = None

ECOSYSTEMS = {
    "Go binary": "go",
    "Rust binary": "rust",
    "Node.js application": "node",
    "Python application in a virtualenv": "python",
    "Java application (jar)": "java",
}


def ecosystem(message: str) -> str:
    found = [eco for label, eco in ECOSYSTEMS.items() if f"a {label} build" in message]
    return "+".join(sorted(found)) or "other"


def reason(message: str) -> str:
    m = re.search(r"no rewrite, missing (.*)$", message)
    text = m.group(1) if m else message
    # Generalise file names and programs so that reasons group.
    text = re.sub(r"`[^`]*`", "`…`", text)
    return text.split(";")[0].strip()


def run(args, stdin=None):
    return subprocess.run(args, input=stdin, capture_output=True, text=True)


def main() -> int:
    args = sys.argv[1:]
    dfix = "target/debug/dfix"
    show = 3
    if "--dfix" in args:
        i = args.index("--dfix")
        dfix = args[i + 1]
        del args[i : i + 2]
    if "--show" in args:
        i = args.index("--show")
        show = int(args[i + 1])
        del args[i : i + 2]
    corpus = Path(args[0] if args else os.environ.get("DFIX_CORPUS", "../shared/corpus"))
    files = sorted(
        p for p in corpus.rglob("*")
        if p.is_file() and "expected" not in p.relative_to(corpus).parts and p.name != "README.md"
        and p.name != "result"
    )
    rewritten = collections.Counter()
    suggested = collections.Counter()
    reasons = collections.defaultdict(collections.Counter)
    examples = collections.defaultdict(list)
    verify_fail = []
    errors = 0
    for f in files:
        r = run([dfix, "--check", "--select", "DF401", "--output-format", "json", str(f)])
        if r.returncode == 2:
            errors += 1
            continue
        try:
            findings = json.loads(r.stdout or "[]")
        except json.JSONDecodeError:
            errors += 1
            continue
        for d in findings:
            if d.get("code") != "DF401":
                continue
            msg = d["message"]
            eco = ecosystem(msg)
            applic = (d.get("fix") or {}).get("applicability")
            if applic == "unsafe":
                rewritten[eco] += 1
                out = run([dfix, "--unsafe-fixes", "--select", "DF401", "--stdin-filename", str(f), "-"],
                          f.read_text(encoding="utf-8")).stdout
                again = run([dfix, "--unsafe-fixes", "--select", "DF401", "--stdin-filename", str(f), "-"],
                            out).stdout
                problems = []
                if again != out:
                    problems.append("second run changes the file")
                if len(re.findall(r"(?im)^\s*from\s", out)) < 2:
                    problems.append("fewer than 2 stages")
                if dockerfile is not None:
                    try:
                        dockerfile.parse_string(out)
                    except dockerfile.GoParseError as e:
                        problems.append(f"BuildKit rejects it: {e}")
                if problems:
                    verify_fail.append((str(f), problems))
                if len(examples[eco]) < show:
                    examples[eco].append(str(f.relative_to(corpus)))
            else:
                suggested[eco] += 1
                reasons[eco][reason(msg)] += 1
    print(f"corpus: {corpus} ({len(files)} files, {errors} not checked: parse errors or not Dockerfiles)")
    print(f"rewritten (unsafe fix): {sum(rewritten.values())}; display-only: {sum(suggested.values())}")
    for eco in sorted(set(rewritten) | set(suggested)):
        print(f"\n{eco}: rewritten {rewritten[eco]}, display-only {suggested[eco]}")
        for why, n in reasons[eco].most_common():
            print(f"    {n:4}  missing {why}")
        for e in examples[eco]:
            print(f"    e.g. rewritten: {e}")
    print(f"\nverification of rewrites: {sum(rewritten.values()) - len(verify_fail)} ok, {len(verify_fail)} failed")
    for f, p in verify_fail:
        print(f"    {f}: {'; '.join(p)}")
    return 1 if verify_fail else 0


if __name__ == "__main__":
    sys.exit(main())
