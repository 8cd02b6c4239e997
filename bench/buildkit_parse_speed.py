#!/usr/bin/env python3
"""Times BuildKit's own parser (PyPI `dockerfile`, Go) over a list of files.

usage: buildkit_parse_speed.py LISTFILE ROUNDS
Prints `bytes seconds` for the best round (file reading excluded).
"""
import sys, time

import dockerfile

paths = [p for p in open(sys.argv[1]).read().splitlines() if p]
texts = []
for p in paths:
    with open(p, "rb") as f:
        try:
            texts.append(f.read().decode("utf-8"))
        except UnicodeDecodeError:
            pass
total = sum(len(t.encode()) for t in texts)
best = None
for _ in range(int(sys.argv[2])):
    t0 = time.perf_counter()
    for t in texts:
        try:
            dockerfile.parse_string(t)
        except dockerfile.GoParseError:
            pass
    dt = time.perf_counter() - t0
    best = dt if best is None else min(best, dt)
print(total, best)
