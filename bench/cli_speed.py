#!/usr/bin/env python3
"""CLI speed, measured side by side in one run:

1. `dfix --check` over the real-world corpus files against `hadolint` over
   the same files (both given the same explicit file list, one process each,
   best of N rounds);
2. the editor round trip: `dfix - --stdin-filename Dockerfile` on a typical
   40-line Dockerfile (bench/typical.Dockerfile), process start included,
   median of many runs.

usage: bench/cli_speed.py DFIX_BINARY CORPUS_DIR [ROUNDS]
"""
import os, statistics, subprocess, sys, time


def corpus_files(corpus):
    out = []
    for root, _, names in os.walk(os.path.join(corpus, "real")):
        for n in sorted(names):
            if n != "LICENSE":
                out.append(os.path.join(root, n))
    return out


def best_time(cmd, rounds):
    best = None
    for _ in range(rounds):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    return best


def main():
    dfix, corpus = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    files = corpus_files(corpus)
    env = dict(os.environ, DFIX_OFFLINE="1")
    os.environ.update(env)
    t_dfix = best_time([dfix, "--check", "--offline", *files], rounds)
    t_hado = best_time(["hadolint", "--no-fail", *files], rounds)
    print(f"machine: {os.cpu_count()} cores; {len(files)} files of {corpus}/real")
    print(f"dfix --check: {t_dfix:.3f} s   hadolint: {t_hado:.3f} s   ratio: dfix {t_hado / t_dfix:.1f}x faster")

    typical = os.path.join(os.path.dirname(os.path.abspath(__file__)), "typical.Dockerfile")
    text = open(typical, "rb").read()
    times = []
    for _ in range(200):
        t0 = time.perf_counter()
        subprocess.run([dfix, "-", "--stdin-filename", "Dockerfile"], input=text,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    print(f"editor round trip (dfix - < {len(text.splitlines())}-line file, process start included): "
          f"median {statistics.median(times) * 1000:.2f} ms, p90 {sorted(times)[179] * 1000:.2f} ms")


if __name__ == "__main__":
    main()
