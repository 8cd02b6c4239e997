#!/usr/bin/env python3
"""Compares `dfix parse --json` with the BuildKit oracle for every corpus file.

usage: compare_oracle.py DFIX_BINARY CORPUS_DIR [--verbose]
Prints one line per mismatch and a summary; exits 1 when any file differs.
"""
import json, os, subprocess, sys

KEYS = ("cmd", "start_line", "end_line", "flags", "json")


def compare(dfix, corpus, verbose):
    expected_root = os.path.join(corpus, "expected")
    total = mismatched = 0
    for root, _, files in os.walk(expected_root):
        for name in sorted(files):
            exp_path = os.path.join(root, name)
            rel = os.path.relpath(exp_path, expected_root)[: -len(".json")]
            src = os.path.join(corpus, rel)
            if not os.path.exists(src):
                continue
            total += 1
            with open(exp_path) as f:
                exp = json.load(f)
            p = subprocess.run([dfix, "parse", "--json", src], capture_output=True, text=True)
            problem = None
            if not exp["ok"]:
                if p.returncode != 2:
                    problem = f"oracle rejects ({exp['error']}) but dfix exit {p.returncode}"
            else:
                if p.returncode != 0:
                    problem = f"dfix rejects: {p.stderr.strip()}"
                else:
                    got = json.loads(p.stdout)["instructions"]
                    want = exp["instructions"]
                    if len(got) != len(want):
                        problem = f"{len(got)} instructions, oracle {len(want)}"
                    else:
                        for i, (g, w) in enumerate(zip(got, want)):
                            for k in KEYS:
                                if g[k] != w[k]:
                                    problem = f"#{i} {k}: {g[k]!r} != {w[k]!r}"
                                    break
                            if not problem:
                                gh = [(h["name"], h["content"]) for h in g["heredocs"]]
                                wh = [(h["name"], h["content"]) for h in w["heredocs"]]
                                if gh != wh:
                                    problem = f"#{i} heredocs: {gh!r} != {wh!r}"
                            if problem:
                                break
            if problem:
                mismatched += 1
                print(f"MISMATCH {rel}: {problem}")
    print(f"{total - mismatched} of {total} files match the oracle")
    return 1 if mismatched else 0


if __name__ == "__main__":
    sys.exit(compare(sys.argv[1], sys.argv[2], "--verbose" in sys.argv))
