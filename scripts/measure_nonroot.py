#!/usr/bin/env python3
"""Measures the non-root pass (DF201 last-user-root, DF202 missing-user) on
the corpus.

usage: measure_nonroot.py DFIX_BINARY CORPUS_DIR [--select IDS] [--json OUT]
                          [--inject-root] [--no-hadolint] [--verbose]

For every corpus file that the BuildKit oracle accepts
(CORPUS_DIR/expected/<path>.json has "ok": true), runs
`dfix --unsafe-fixes --offline -` on it (stdin to stdout; by default every
rule, as a user would run it; `--select DF201,DF202` runs only the pass) and
counts:

- files whose final stage's last USER is non-root after the fix (following
  FROM <stage> chains and ARG/ENV defaults, as BuildKit would at build time
  with no --build-arg); every exception is listed with its reason;
- outputs that BuildKit's parser (the oracle, via ../tools/buildkit_parse.py)
  accepts;
- outputs that a second dfix run leaves unchanged;
- hadolint DL3002 findings on the outputs (hadolint 2.x must be on PATH).

With --inject-root every file first gets `USER root` appended (in its own
line ending), the smell-injection protocol of DockerCleaner: files where the
injected text does not end up as the final stage's last USER (a trailing
continuation at end of file, no FROM) are skipped.

Exits 1 when any output is rejected by the oracle or changes on a second
run, or when dfix fails on a file.
"""
import argparse, json, os, re, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def load_oracle(corpus):
    sys.path.insert(0, os.path.join(corpus, "..", "tools"))
    import buildkit_parse  # noqa: E402  (the oracle lives next to the corpus)

    return buildkit_parse.parse_bytes


def accepted_files(corpus):
    expected = os.path.join(corpus, "expected")
    for root, _, files in os.walk(expected):
        for name in sorted(files):
            exp_path = os.path.join(root, name)
            rel = os.path.relpath(exp_path, expected)[: -len(".json")]
            src = os.path.join(corpus, rel)
            if not os.path.exists(src):
                continue
            with open(exp_path) as f:
                if json.load(f).get("ok"):
                    yield rel, src


VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


def expand(text, env):
    """BuildKit-like expansion; None when a variable has no known value."""
    unknown = False

    def sub(m):
        nonlocal unknown
        name = m.group(1) or m.group(3)
        default = m.group(2)
        value = env.get(name)
        if value:
            return value
        if default is not None:
            return default
        unknown = True
        return ""

    out = VAR.sub(sub, text)
    return None if unknown else out


def is_root(user):
    name = user.split(":", 1)[0].strip()
    return name == "root" or name.lower() == "containeradministrator" or (name != "" and set(name) == {"0"})


def final_user(instructions):
    """(user or None, reason) for the final stage's last USER."""
    globals_, stages = {}, []
    for ins in instructions:
        cmd = ins["cmd"]
        if cmd == "from":
            value = ins["value"]
            name = value[2].lower() if len(value) >= 3 and value[1].lower() == "as" else None
            stages.append({"base": value[0] if value else "", "name": name, "ins": []})
        elif not stages:
            if cmd == "arg":
                for v in ins["value"]:
                    k, _, d = v.partition("=")
                    globals_[k] = d if "=" in v else None
        else:
            stages[-1]["ins"].append(ins)
    if not stages:
        return None, "no FROM"
    chain, at = [len(stages) - 1], len(stages) - 1
    while True:
        base = expand(stages[at]["base"], {k: v for k, v in globals_.items() if v}) or ""
        parent = next((i for i in range(at - 1, -1, -1) if stages[i]["name"] == base.lower()), None)
        if parent is None or parent in chain:
            break
        chain.append(parent)
        at = parent
    env, last = {}, None
    for s in reversed(chain):
        args = {}
        for ins in stages[s]["ins"]:
            scope = {**args, **env}
            if ins["cmd"] == "arg":
                for v in ins["value"]:
                    k, eq, d = v.partition("=")
                    args[k] = expand(d, scope) if eq else globals_.get(k)
            elif ins["cmd"] == "env":
                vals = ins["value"]
                for k, v in zip(vals[::2], vals[1::2]):
                    env[k] = expand(v, scope)
            elif ins["cmd"] == "user":
                raw = ins["value"][0] if ins["value"] else ""
                last = (raw, expand(raw, {k: v for k, v in scope.items() if v is not None}))
    if last is None:
        return None, "no USER in the final stage"
    raw, value = last
    if value is None:
        return None, f"USER {raw}: variable without a known value"
    if is_root(value):
        return None, f"USER {raw} is root"
    return value, ""


def run_dfix(dfix, text, select):
    cmd = [dfix, "--unsafe-fixes", "--offline"]
    if select:
        cmd += ["--select", select]
    cmd.append("-")
    p = subprocess.run(cmd, input=text.encode(), capture_output=True)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def hadolint_dl3002(text):
    with tempfile.NamedTemporaryFile("w", suffix=".Dockerfile", delete=False) as f:
        f.write(text)
        path = f.name
    try:
        p = subprocess.run(["hadolint", "--no-fail", "--format", "json", path], capture_output=True, text=True)
        try:
            findings = json.loads(p.stdout or "[]")
        except json.JSONDecodeError:
            return None
        return sum(1 for x in findings if x.get("code") == "DL3002")
    finally:
        os.unlink(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dfix")
    ap.add_argument("corpus")
    ap.add_argument("--select", default=None)
    ap.add_argument("--json", default=None, help="write per-file results here")
    ap.add_argument("--inject-root", action="store_true")
    ap.add_argument("--no-hadolint", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    parse = load_oracle(a.corpus)

    totals = dict(files=0, dfix_errors=0, non_root=0, parses=0, idempotent=0,
                  dl3002_before=0, dl3002_after=0, hadolint_failed=0, non_root_before=0)
    exceptions, rows = [], []
    for rel, src in accepted_files(a.corpus):
        with open(src, "rb") as f:
            data = f.read()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if a.inject_root:
            le = "\r\n" if text.count("\r\n") * 2 > text.count("\n") else "\n"
            sep = "" if text.endswith("\n") or text == "" else le
            text = f"{text}{sep}USER root{le}"
            data = text.encode()
            injected = parse(data)
            if not injected.get("ok") or final_user(injected["instructions"])[1] != "USER root is root":
                continue
        totals["files"] += 1
        row = {"file": rel}
        before = parse(data)
        if before.get("ok") and final_user(before["instructions"])[0] is not None:
            totals["non_root_before"] += 1
        code, out, err = run_dfix(a.dfix, text, a.select)
        if code not in (0, 1):
            totals["dfix_errors"] += 1
            row["dfix_error"] = err.strip()
            exceptions.append((rel, f"dfix exit {code}: {err.strip()[:200]}"))
            rows.append(row)
            continue
        parsed = parse(out.encode())
        row["parses"] = parsed.get("ok", False)
        if row["parses"]:
            totals["parses"] += 1
            user, reason = final_user(parsed["instructions"])
            row["user"] = user
            if user is not None:
                totals["non_root"] += 1
            else:
                exceptions.append((rel, reason))
        else:
            exceptions.append((rel, f"output rejected by the oracle: {parsed.get('error')}"))
        code2, out2, _ = run_dfix(a.dfix, out, a.select)
        row["idempotent"] = code2 in (0, 1) and out2 == out
        if row["idempotent"]:
            totals["idempotent"] += 1
        else:
            exceptions.append((rel, "a second run changes the output"))
        if not a.no_hadolint:
            b, n = hadolint_dl3002(text), hadolint_dl3002(out)
            if n is None:
                totals["hadolint_failed"] += 1
            else:
                totals["dl3002_after"] += n
                totals["dl3002_before"] += b or 0
            row["dl3002_after"] = n
        rows.append(row)
        if a.verbose:
            print(rel, row, file=sys.stderr)

    n = totals["files"]
    pct = lambda k: f"{totals[k]}/{n} ({100.0 * totals[k] / max(n, 1):.1f}%)"
    print(f"files accepted by the oracle: {n}" + (" (USER root injected)" if a.inject_root else ""))
    print(f"final USER non-root before:   {pct('non_root_before')}")
    print(f"final USER non-root after:    {pct('non_root')}")
    print(f"output parses (oracle):       {pct('parses')}")
    print(f"second run changes nothing:   {pct('idempotent')}")
    print(f"dfix errors:                  {totals['dfix_errors']}")
    if not a.no_hadolint:
        print(f"hadolint DL3002 before/after: {totals['dl3002_before']} / {totals['dl3002_after']}"
              f" (hadolint failed on {totals['hadolint_failed']} outputs)")
    if exceptions:
        print(f"exceptions ({len(exceptions)}):")
        for rel, why in exceptions:
            print(f"  {rel}: {why}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"totals": totals, "files": rows}, f, indent=1)
    bad = totals["dfix_errors"] or totals["parses"] < n - totals["dfix_errors"] or totals["idempotent"] < n - totals["dfix_errors"]
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
