#!/usr/bin/env python3
"""Whole-run speed, measured side by side in one run:

1. `dfix --check` over the real-world corpus files against `hadolint` over
   the same files (both given the same explicit file list, one process each,
   median of N rounds);
2. the whole fix: `dfix --unsafe-fixes --offline` in place over a fresh copy
   of the same files: files per second and peak RSS (median of N rounds);
3. the editor round trip: `dfix - --stdin-filename Dockerfile` on a typical
   40-line Dockerfile (bench/typical.Dockerfile), process start included,
   median of 200 runs;
4. the language server (`dfix server` over its stdio, as an editor drives
   it): on a 300-line Dockerfile, for each of 1,000 edits, the time from a
   full-text `didChange` to its `publishDiagnostics`, and the time of the
   `source.fixAll.dfix` code action right after, until the reply has been
   read off the pipe (before the client decodes its JSON); p50 and p99 (the same
   document and edits as `cargo bench --bench server`, which measures in
   process, without the pipes and JSON framing).

Each figure is compared with the committed baseline (bench/baseline.json,
measured on the same kind of machine); a figure more than 10% worse is
flagged. `--write-baseline` records this run as the new baseline.

usage: bench/cli_speed.py DFIX_BINARY CORPUS_DIR [ROUNDS] [--write-baseline]
"""
import json, os, shutil, statistics, subprocess, sys, tempfile, time

SERVER_EDITS = 1000

BASELINE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "baseline.json")


def corpus_files(corpus):
    out = []
    for root, _, names in os.walk(os.path.join(corpus, "real")):
        for n in sorted(names):
            if n != "LICENSE":
                out.append(os.path.join(root, n))
    return out


def median_time(cmd, rounds, setup=None):
    """Median wall time of `rounds` runs, and the largest peak RSS (KiB) of
    those runs, read from each child's own rusage."""
    times, rss = [], 0
    for _ in range(rounds):
        args = setup() if setup else cmd
        t0 = time.perf_counter()
        child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(child.pid, 0)
        times.append(time.perf_counter() - t0)
        rss = max(rss, usage.ru_maxrss)
    return statistics.median(times), rss


def server_dockerfile(edit):
    """The 300-line Dockerfile of benches/server.rs, with edit number `edit`."""
    out = "# syntax=docker/dockerfile:1\nARG BASE=debian:12\n"
    stage = 0
    while len(out.splitlines()) < 290:
        stage += 1
        out += f"\nfrom $BASE AS stage{stage}\n"
        out += f"ENV APP_HOME /srv/app{stage}\nWORKDIR /srv/app{stage}\n"
        out += "RUN apt-get update\n"
        out += "RUN apt-get install curl ca-certificates \\\n    git \\\n    make\n"
        out += f"ADD src{stage}.py /srv/app{stage}/\n"
        out += "RUN pip install flask requests\n"
        for i in range(8):
            out += f"# step {i} of stage {stage}\nRUN echo {i} > /tmp/f{i}\n"
        out += f"COPY --from=stage{max(stage, 2) - 1} /etc/hostname /tmp/h\n"
    out += f'LABEL revision="{edit}"\nUSER root\nCMD python3 app.py --port {edit}\n'
    return out


class Lsp:
    """A minimal LSP client over a child's stdio."""

    def __init__(self, cmd, cwd):
        self.p = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL)

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def recv(self):
        length = 0
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise RuntimeError("the server closed its output")
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode().partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        body = self.p.stdout.read(length)
        # When the message was in: the client's own JSON decoding (slow in
        # Python, an editor's is not) is not the server's latency.
        self.received_at = time.perf_counter()
        return json.loads(body)

    def wait_for(self, pred):
        while True:
            m = self.recv()
            if pred(m):
                return m

    def request(self, id, method, params):
        self.send({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
        return self.wait_for(lambda m: m.get("id") == id and "method" not in m)

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})


def server_latency(dfix):
    """p50 and p99 (ms) of didChange -> publishDiagnostics and of fix-all."""
    work = tempfile.mkdtemp(prefix="dfix-server-bench-")
    uri = "file://" + os.path.join(work, "Dockerfile")
    lsp = Lsp([dfix, "server"], work)
    lsp.request(0, "initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    lsp.notify("initialized", {})
    lsp.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "dockerfile", "version": 0, "text": server_dockerfile(0)}})
    is_diag = lambda v: lambda m: (m.get("method") == "textDocument/publishDiagnostics"
                                   and m["params"].get("version") == v)
    lsp.wait_for(is_diag(0))
    change, fix_all = [], []
    for i in range(1, SERVER_EDITS + 1):
        text = server_dockerfile(i)
        t0 = time.perf_counter()
        lsp.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": i},
                                              "contentChanges": [{"text": text}]})
        lsp.wait_for(is_diag(i))
        change.append(lsp.received_at - t0)
        t0 = time.perf_counter()
        reply = lsp.request(i, "textDocument/codeAction", {
            "textDocument": {"uri": uri},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "context": {"diagnostics": [], "only": ["source.fixAll.dfix"]}})
        fix_all.append(lsp.received_at - t0)
        assert len(reply.get("result") or []) == 1, reply
    lsp.request(SERVER_EDITS + 1, "shutdown", None)
    lsp.notify("exit", None)
    lsp.p.wait(timeout=10)
    shutil.rmtree(work, ignore_errors=True)

    def pct(times, p):
        times = sorted(times)
        return times[round((len(times) - 1) * p)] * 1000
    return {"server_change_p50_ms": pct(change, 0.5), "server_change_p99_ms": pct(change, 0.99),
            "server_fix_all_p50_ms": pct(fix_all, 0.5), "server_fix_all_p99_ms": pct(fix_all, 0.99)}


def main():
    args = [a for a in sys.argv[1:] if a != "--write-baseline"]
    write = "--write-baseline" in sys.argv
    # Absolute: the server runs in a folder of its own.
    dfix, corpus = os.path.abspath(args[0]), args[1]
    rounds = int(args[2]) if len(args) > 2 else 3
    files = corpus_files(corpus)
    os.environ["DFIX_OFFLINE"] = "1"
    now = {}

    t_dfix, _ = median_time([dfix, "--check", "--offline", *files], rounds)
    t_hado, _ = median_time(["hadolint", "--no-fail", *files], rounds)
    now["check_s"] = t_dfix
    now["check_ratio_vs_hadolint"] = t_hado / t_dfix
    print(f"machine: {os.cpu_count()} cores; {len(files)} files of {corpus}/real; median of {rounds}")
    print(f"dfix --check: {t_dfix:.3f} s   hadolint: {t_hado:.3f} s   ratio: dfix {t_hado / t_dfix:.1f}x faster")

    work = tempfile.mkdtemp(prefix="dfix-fix-bench-")
    def fresh_copy():
        shutil.rmtree(work, ignore_errors=True)
        copies = []
        for i, f in enumerate(files):
            d = os.path.join(work, str(i))
            os.makedirs(d)
            # Each file alone in a folder named like a Dockerfile, so that
            # the split's build-context look-up sees no sibling files.
            dest = os.path.join(d, "Dockerfile")
            shutil.copyfile(f, dest)
            copies.append(dest)
        return [dfix, "--unsafe-fixes", "--offline", "--exit-zero", *copies]
    t_fix, rss_kb = median_time(None, rounds, setup=fresh_copy)
    shutil.rmtree(work, ignore_errors=True)
    now["fix_files_per_s"] = len(files) / t_fix
    now["fix_peak_rss_kb"] = rss_kb
    print(f"dfix --unsafe-fixes in place: {t_fix:.3f} s = {len(files) / t_fix:.0f} files/s; "
          f"peak RSS {rss_kb / 1024:.1f} MiB")

    typical = os.path.join(os.path.dirname(os.path.abspath(__file__)), "typical.Dockerfile")
    text = open(typical, "rb").read()
    times = []
    for _ in range(200):
        t0 = time.perf_counter()
        subprocess.run([dfix, "-", "--stdin-filename", "Dockerfile"], input=text,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    now["editor_round_trip_ms"] = statistics.median(times) * 1000
    print(f"editor round trip (dfix - < {len(text.splitlines())}-line file, process start included): "
          f"median {statistics.median(times) * 1000:.2f} ms, p90 {sorted(times)[179] * 1000:.2f} ms")

    lat = server_latency(dfix)
    now.update(lat)
    print(f"language server, 300-line file, {SERVER_EDITS} edits over stdio: "
          f"didChange -> diagnostics p50 {lat['server_change_p50_ms']:.2f} ms, "
          f"p99 {lat['server_change_p99_ms']:.2f} ms; "
          f"fix-all p50 {lat['server_fix_all_p50_ms']:.2f} ms, "
          f"p99 {lat['server_fix_all_p99_ms']:.2f} ms")

    # Higher is better for rates and ratios, lower for times and memory.
    higher = {"check_ratio_vs_hadolint", "fix_files_per_s"}
    if os.path.exists(BASELINE):
        base = json.load(open(BASELINE))
        print("\nagainst bench/baseline.json:")
        worse = 0
        for key, value in now.items():
            if key not in base:
                continue
            change = (value - base[key]) / base[key]
            bad = -change if key in higher else change
            flag = "  REGRESSION (>10%)" if bad > 0.10 else ""
            worse += bool(flag)
            print(f"  {key}: {base[key]:.3f} -> {value:.3f} ({change:+.1%}){flag}")
        if worse:
            print(f"{worse} figure(s) regressed by more than 10%")
    if write:
        json.dump({k: round(v, 4) for k, v in now.items()}, open(BASELINE, "w"), indent=2)
        print(f"baseline written: {BASELINE}")


if __name__ == "__main__":
    main()
