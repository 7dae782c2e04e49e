#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A/B comparison of two builds of one Google Benchmark program, in one session.

Runs program A and program B alternately with the same filter (A B, B A,
A B, ...: neither side always goes first), so that both see the same machine
load over the same minutes, and
prints, per benchmark, the median CPU time of each side over all rounds and
repetitions and the ratio B / A (below 1: B is faster). A difference is only
worth reading when it is larger than the spread between rounds of one side,
which is printed too (the largest median of a round over the smallest, per
side).

    benchmarks/ab_compare.py --a main/irqmatrix-scale --b branch/irqmatrix-scale \
        --filter '^alloc_free/cpus:(4|64)/fill:50/lib' --rounds 4 --repetitions 3

Prefix it with `nice -n 19` on a shared machine; every side then runs niced.
"""
import argparse
import json
import statistics
import subprocess
import sys


NS_PER_UNIT = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def run_once(program, flt, repetitions):
    """One run of a program: {benchmark name: [cpu time in ns per repetition]}."""
    cmd = [program, f"--benchmark_filter={flt}", f"--benchmark_repetitions={repetitions}",
           "--benchmark_format=json", "--benchmark_report_aggregates_only=false"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    times = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        name = b.get("run_name", b["name"])
        times.setdefault(name, []).append(float(b["cpu_time"]) * NS_PER_UNIT[b.get("time_unit", "ns")])
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--a", required=True, help="program A (the reference)")
    ap.add_argument("--b", required=True, help="program B (the change)")
    ap.add_argument("--filter", required=True, help="--benchmark_filter for both")
    ap.add_argument("--rounds", type=int, default=4, help="alternations of A and B")
    ap.add_argument("--repetitions", type=int, default=3, help="repetitions per run")
    ap.add_argument("--label-a", default="A")
    ap.add_argument("--label-b", default="B")
    args = ap.parse_args()

    sides = {"a": {}, "b": {}}  # side -> name -> list of per-round medians
    samples = {"a": {}, "b": {}}  # side -> name -> every repetition
    for r in range(args.rounds):
        for side in (("a", "b") if r % 2 == 0 else ("b", "a")):
            times = run_once(getattr(args, side), args.filter, args.repetitions)
            for name, t in times.items():
                sides[side].setdefault(name, []).append(statistics.median(t))
                samples[side].setdefault(name, []).extend(t)
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)

    names = [n for n in samples["a"] if n in samples["b"]]
    if not names:
        sys.exit("ab_compare.py: the filter matched no benchmark that both programs have")
    print(f"| benchmark | {args.label_a} (ns) | {args.label_b} (ns) | "
          f"{args.label_b} / {args.label_a} | spread {args.label_a} | spread {args.label_b} |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in names:
        a = statistics.median(samples["a"][name])
        b = statistics.median(samples["b"][name])
        if min(min(sides["a"][name]), min(sides["b"][name])) <= 0:
            continue  # a row that failed or was skipped: no time to compare
        spread = {s: max(sides[s][name]) / min(sides[s][name]) for s in ("a", "b")}
        print(f"| {name} | {a:.2f} | {b:.2f} | {b / a:.3f} | {spread['a']:.3f} | {spread['b']:.3f} |")


if __name__ == "__main__":
    main()
