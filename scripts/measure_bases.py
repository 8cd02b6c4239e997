#!/usr/bin/env python3
"""Counts what the base-image rules do on the corpus, by image family.

Usage: scripts/measure_bases.py [CORPUS] [--dfix PATH] [--fixtures DIR]

CORPUS defaults to $DFIX_CORPUS or ../shared/corpus. Every file of the
corpus (except expected/) is checked with `dfix --check --select
DF260,DF261,DF262,DF263 --output-format json`:

- DF260 full-base-image and DF261 jdk-in-runtime-stage: a finding with an
  unsafe fix is a rewrite, a display-only one a guard block (grouped by the
  guard: the text after "kept because");
- DF262 distroless-candidate and DF263 deprecated-image: findings.

The family is read from the image reference the message starts with.
Each file with a rewrite is then fixed with `dfix --unsafe-fixes --select
DF260,DF261 -` and verified: BuildKit's parser (PyPI `dockerfile`) accepts
it and a second run changes nothing.

With --fixtures DIR (e.g. transforms/src/rules/fixtures), every
`*.Dockerfile` under DIR's base_* folders and split_build_and_runtime/ is
fixed with every rule and --unsafe-fixes (offline) and verified the same way.
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

RULES = "DF260,DF261,DF262,DF263"

GUARDS = [
    ("compiles", "compiles"),
    ("installs language packages", "installs language packages"),
    ("program the smaller image lacks", "calls a tool the smaller image lacks"),
    ("copies from a builder of another family", "artifact from another family's builder"),
    ("ARG default", "image from an ARG default"),
    ("is not `java` itself", "entrypoint is not java"),
]


def family(message: str) -> str:
    m = re.search(r"`([^`]+)`", message)
    if not m:
        return "other"
    ref = m.group(1).split("@")[0]
    name = ref.rsplit(":", 1)[0] if ":" in ref.rsplit("/", 1)[-1] else ref
    for prefix in ("docker.io/library/", "library/", "docker.io/"):
        if name.startswith(prefix):
            name = name[len(prefix):]
    if name.startswith("gcr.io/distroless/"):
        return "distroless"
    return name


def distroless_suggestion(message: str) -> str:
    m = re.search(r"could run on `gcr\.io/distroless/([^`:]+)", message)
    return m.group(1) if m else "?"


def guard(message: str) -> list:
    m = re.search(r"kept because (.*)$", message)
    text = m.group(1) if m else ""
    found = [label for needle, label in GUARDS if needle in text]
    return found or ["other"]


def run(args, stdin=None):
    return subprocess.run(args, input=stdin, capture_output=True, text=True)


def verify(dfix, text, args, name):
    out = run([dfix, *args, "--stdin-filename", name, "-"], text)
    if out.returncode == 2:
        return out.stdout, [f"dfix error: {out.stderr.strip()}"]
    again = run([dfix, *args, "--stdin-filename", name, "-"], out.stdout).stdout
    problems = []
    if again != out.stdout:
        problems.append("second run changes the file")
    if dockerfile is not None:
        try:
            dockerfile.parse_string(out.stdout)
        except dockerfile.GoParseError as e:
            problems.append(f"BuildKit rejects it: {e}")
    else:
        problems.append("BuildKit oracle missing (pip install dockerfile==3.4.0)")
    return out.stdout, problems


def main() -> int:
    args = sys.argv[1:]
    dfix = "target/debug/dfix"
    fixtures = None
    if "--dfix" in args:
        i = args.index("--dfix")
        dfix = args[i + 1]
        del args[i : i + 2]
    if "--fixtures" in args:
        i = args.index("--fixtures")
        fixtures = Path(args[i + 1])
        del args[i : i + 2]
    corpus = Path(args[0] if args else os.environ.get("DFIX_CORPUS", "../shared/corpus"))
    files = sorted(
        p for p in corpus.rglob("*")
        if p.is_file() and "expected" not in p.relative_to(corpus).parts
        and "compose" not in p.relative_to(corpus).parts
        and p.name not in ("README.md", "result")
    )
    rewrites = collections.Counter()
    blocks = collections.Counter()
    block_reasons = collections.defaultdict(collections.Counter)
    candidates = collections.Counter()
    deprecated = collections.Counter()
    rewritten_files = []
    errors = 0
    for f in files:
        r = run([dfix, "--check", "--select", RULES, "--output-format", "json", str(f)])
        if r.returncode == 2:
            errors += 1
            continue
        try:
            findings = json.loads(r.stdout or "[]")
        except json.JSONDecodeError:
            errors += 1
            continue
        rewrote = False
        for d in findings:
            code, msg = d.get("code"), d["message"]
            fam = family(msg)
            applic = (d.get("fix") or {}).get("applicability")
            if code in ("DF260", "DF261"):
                key = f"{fam} ({code})"
                if applic == "unsafe":
                    rewrites[key] += 1
                    rewrote = True
                else:
                    blocks[key] += 1
                    for g in guard(msg):
                        block_reasons[key][g] += 1
            elif code == "DF262":
                candidates[f"{fam} -> {distroless_suggestion(msg)}"] += 1
            elif code == "DF263":
                deprecated[fam] += 1
        if rewrote:
            rewritten_files.append(f)

    print(f"corpus: {corpus} ({len(files)} files, {errors} not checked: parse errors or not Dockerfiles)")
    print(f"\nDF260/DF261 rewrites (unsafe fix): {sum(rewrites.values())}; guard blocks (display-only): {sum(blocks.values())}")
    for key in sorted(set(rewrites) | set(blocks)):
        print(f"  {key:32} rewrites {rewrites[key]:4}   blocks {blocks[key]:4}")
        for why, n in block_reasons[key].most_common():
            print(f"      {n:4}  {why}")
    print(f"\nDF262 distroless candidates: {sum(candidates.values())}")
    for key, n in candidates.most_common():
        print(f"  {key:40} {n:4}")
    print(f"\nDF263 deprecated or end-of-life images: {sum(deprecated.values())}")
    for key, n in deprecated.most_common():
        print(f"  {key:40} {n:4}")

    failures = []
    for f in rewritten_files:
        _, problems = verify(dfix, f.read_text(encoding="utf-8"),
                             ["--unsafe-fixes", "--select", "DF260,DF261"], str(f))
        if problems:
            failures.append((str(f), problems))
    print(f"\nverification of corpus rewrites ({len(rewritten_files)} files): "
          f"{len(rewritten_files) - len(failures)} ok, {len(failures)} failed")

    if fixtures is not None:
        fx = sorted(
            p for d in fixtures.iterdir()
            if d.is_dir() and (d.name.startswith("base_") or d.name == "split_build_and_runtime")
            for p in d.glob("*.Dockerfile")
        )
        fx_fail = []
        for p in fx:
            _, problems = verify(dfix, p.read_text(encoding="utf-8"),
                                 ["--unsafe-fixes", "--offline"], str(p))
            if problems:
                fx_fail.append((str(p), problems))
        failures.extend(fx_fail)
        print(f"verification of fixtures, all rules with --unsafe-fixes ({len(fx)} files): "
              f"{len(fx) - len(fx_fail)} ok, {len(fx_fail)} failed")
    for f, p in failures:
        print(f"    {f}: {'; '.join(p)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
