#!/usr/bin/env python3
"""The BuildKit check: fix every corpus file with all rules and
--unsafe-fixes --offline, then ask BuildKit's own parser (the oracle,
PyPI `dockerfile`) whether the result still parses, whether every
instruction no fix touched is unchanged in its parse, and whether a second
run changes nothing.

A file BuildKit parses but cannot build, because the oracle's parse has an
instruction BuildKit does not know (templates, `FOO`), must instead be
refused: exit 2, nothing on stdout, and a message naming its line (or
saying it is not a Dockerfile at all).

usage: buildkit_check.py DFIX_BINARY CORPUS_DIR
Exits 1 if any file fails a check.
"""
import collections, json, os, subprocess, sys

import dockerfile  # BuildKit's parser (PyPI dockerfile==3.4.0, see ../shared/tools/buildkit_parse.py)


# The instructions BuildKit's build knows (frontend/dockerfile/instructions).
KNOWN = {"from", "run", "cmd", "label", "maintainer", "expose", "env", "add", "copy",
         "entrypoint", "volume", "user", "workdir", "arg", "onbuild", "stopsignal",
         "healthcheck", "shell"}

# Where current BuildKit reads the file differently from the v0.12 oracle
# (tests/corpus.rs, CURRENT_BUILDKIT_DIFFERS): `RUN << EOF` opens a heredoc
# today, so its body is not a run of unknown instructions.
ORACLE_READS_DIFFERENTLY = {"hard/37-space-heredoc.df"}


def oracle(text):
    try:
        return [(c.cmd.lower(), c.sub_cmd, c.json, c.original, tuple(c.flags), tuple(c.value),
                 c.start_line, c.end_line) for c in dockerfile.parse_string(text)]
    except dockerfile.GoParseError as e:
        return e


def fix(dfix, path, text):
    p = subprocess.run([dfix, "-", "--unsafe-fixes", "--offline", "--stdin-filename", path],
                       input=text.encode(), capture_output=True)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def fixable_findings(dfix, path, text):
    p = subprocess.run([dfix, "-", "--check", "--unsafe-fixes", "--offline", "--stdin-filename", path,
                        "--output-format", "json"], input=text.encode(), capture_output=True)
    try:
        return [f for f in json.loads(p.stdout) if f.get("fix")]
    except ValueError:
        return None


def files(corpus):
    for sub in ("real", "hard", "buildkit-testfiles"):
        for root, _, names in os.walk(os.path.join(corpus, sub)):
            for n in sorted(names):
                if n in ("result", "LICENSE"):
                    continue
                yield os.path.join(root, n)


def main(dfix, corpus):
    stats = collections.Counter()
    failures = []
    for path in files(corpus):
        with open(path, "rb") as f:
            raw = f.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        before = oracle(text)
        if isinstance(before, Exception):
            continue  # BuildKit rejects the input: nothing to compare
        stats["files"] += 1
        rel = os.path.relpath(path, corpus)
        code, out, err = fix(dfix, path, text)
        unknown = [b for b in before if b[0] not in KNOWN]
        if unknown and rel not in ORACLE_READS_DIFFERENTLY:
            stats["refused"] += 1
            said = f":{unknown[0][6]}: unknown instruction" in err or "not a Dockerfile" in err
            if code != 2 or out or not said:
                failures.append(f"{rel}: has unknown instruction `{unknown[0][0]}` at line "
                                f"{unknown[0][6]}, but dfix exit {code}, {len(out)} bytes out: "
                                f"{err.strip()[:300]}")
            continue
        if code != 0:
            failures.append(f"{rel}: dfix exit {code}: {err.strip()[:300]}")
            continue
        if out != text:
            stats["changed"] += 1
        else:
            stats["unchanged"] += 1
        fixable = fixable_findings(dfix, path, text)
        if fixable is None:
            failures.append(f"{rel}: --check --output-format json did not give JSON")
            continue
        if not fixable and out != text:
            failures.append(f"{rel}: no rule has a fix for it, yet the bytes changed")
            continue
        after = oracle(out)
        if isinstance(after, Exception):
            failures.append(f"{rel}: the fixed file does not parse under BuildKit: {after}")
            continue
        # Instructions whose physical lines are still in the output verbatim
        # were not touched by any fix: BuildKit must read them the same way.
        lines = text.splitlines(keepends=True)
        after_set = collections.Counter((a[0], a[1], a[2], a[3], a[4], a[5]) for a in after)
        for b in before:
            block = "".join(lines[b[6] - 1:b[7]])
            if block and block in out:
                key = (b[0], b[1], b[2], b[3], b[4], b[5])
                if after_set[key] > 0:
                    after_set[key] -= 1
                else:
                    failures.append(f"{rel}: untouched instruction at line {b[6]} reads differently after the fix")
                    break
        code2, out2, err2 = fix(dfix, path, out)
        if code2 != 0 or out2 != out:
            failures.append(f"{rel}: not idempotent (second run exit {code2}, {'changed' if out2 != out else 'same'})")
    for f in failures:
        print("FAIL", f)
    print(f"BuildKit check: {stats['files']} files accepted by BuildKit, {stats['changed']} changed by dfix "
          f"({stats['unchanged']} byte-identical, {stats['refused']} refused for an unknown instruction), "
          f"{stats['files'] - len(failures)} passed, {len(failures)} failed")
    return 1 if failures or stats["files"] == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
