"""The cost of each attention option over the plain step (issue 12's targets).

Prints, in one run (not part of the unit tests), ``model.step()`` with
``reporters=["max_change"]`` for the plain attention model and for the same
model with one option on, on the same random graph (each agent listens to
k = 10 uniform others, plus itself; dim 3, dot affinity, temperature 0.5, step
size 0.5):

- ``query_map``, ``key_map``, ``value_map``: a random 3 × 3 matrix each;
- ``temperature``: a per-agent array of shape (N,), uniform on [0.2, 1];
- ``attention_entropy_floor=0.5``;
- ``weight=True``: the graph's edges weighted uniformly on [0.1, 1];
- ``attention_dropout=0.2``;
- ``sources=SourceSet(...)``: two fixed sources heard by everyone;
- ``heads=[[0], [1, 2]]`` (two heads, both attending); ``AblateHead(1,
  mode="uniform")`` and ``AblateHead(1, mode="freeze")`` applied to that two-head
  model (a head's mode is set this way: the model takes no ``head_modes``).

The plain model and one option's model are timed alternately, one step each,
``--repeat`` times; each repeat gives a ratio (option / plain, adjacent in
time), and the table shows the medians. Targets: at most 1.5× the plain step,
3× with the entropy floor, 1.1× with per-agent temperature.

Usage::

    python benchmarks/bench_options.py                 # N = 1e6, ~2 minutes on 2 cores
    python benchmarks/bench_options.py --quick         # N = 1e5
    python benchmarks/bench_options.py --sizes 1e5 1e6 --repeat 9
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_step import random_graph

PLAIN = dict(dim=3, temperature=0.5, step_size=0.5, reporters=["max_change"], seed=1)
TARGET = 1.5
TARGETS = {"attention_entropy_floor": 3.0, "per-agent temperature": 1.1}


def options(n, rng):
    """(label, keyword arguments over PLAIN, weighted graph?, intervention or None)."""
    from opinionsim.interventions import AblateHead
    from opinionsim.sources import SourceSet

    m3 = lambda: rng.normal(size=(3, 3)) / np.sqrt(3)
    two = [[0], [1, 2]]
    return [
        ("query_map", dict(query_map=m3()), False, None),
        ("key_map", dict(key_map=m3()), False, None),
        ("value_map", dict(value_map=0.5 * np.eye(3) + 0.1 * m3()), False, None),
        ("per-agent temperature", dict(temperature=rng.uniform(0.2, 1.0, n)), False, None),
        ("attention_entropy_floor", dict(attention_entropy_floor=0.5), False, None),
        ("weight (weighted edges)", dict(weight=True), True, None),
        ("attention_dropout", dict(attention_dropout=0.2), False, None),
        ("sources (2, heard by all)", dict(sources=SourceSet(rng.uniform(-1, 1, (2, 3)))),
         False, None),
        ("heads [[0], [1, 2]]", dict(heads=two), False, None),
        ("AblateHead(1, uniform)", dict(heads=two), False, lambda: AblateHead(1, mode="uniform")),
        ("AblateHead(1, freeze)", dict(heads=two), False, lambda: AblateHead(1, mode="freeze")),
    ]


def timed_step(model):
    start = time.perf_counter()
    model.step()
    return time.perf_counter() - start


def run_size(n, repeat, only=None):
    from opinionsim import OpinionModel

    rng = np.random.default_rng(0)
    A = random_graph(n, 10, rng)
    Aw = A.copy()
    Aw.data = rng.uniform(0.1, 1.0, A.nnz)
    plain = OpinionModel(graph=A, **PLAIN)
    plain.step()
    rows = []
    for label, extra, weighted, intervention in options(n, rng):
        if only and not any(s in label for s in only):
            continue
        m = OpinionModel(graph=Aw if weighted else A, **{**PLAIN, **extra})
        if intervention is not None:
            m.do(intervention())
        m.step()  # compile or load the kernels for this option outside the timing
        t_plain, t_opt, ratios = [], [], []
        for r in range(repeat):
            # Alternate which goes first so that neither always follows the other.
            if r % 2:
                a, b = timed_step(plain), timed_step(m)
            else:
                b, a = timed_step(m), timed_step(plain)
            t_plain.append(a)
            t_opt.append(b)
            ratios.append(b / a)
        ratio = statistics.median(ratios)
        target = TARGETS.get(label, TARGET)
        rows.append((label, statistics.median(t_plain), statistics.median(t_opt), ratio,
                     min(ratios), max(ratios), target))
        print(f"| {n:.0e} | {label} | {rows[-1][1]:.4f} | {rows[-1][2]:.4f} | "
              f"**{ratio:.2f}** ({min(ratios):.2f}–{max(ratios):.2f}) | ≤ {target} | "
              f"{'PASS' if ratio <= target else 'MISS'} |", flush=True)
        del m
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=None)
    parser.add_argument("--quick", action="store_true", help="N = 1e5")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--only", nargs="+", help="options whose label contains one of these")
    args = parser.parse_args(argv)
    sizes = args.sizes or ([1e5] if args.quick else [1e6])

    from opinionsim import kernels  # noqa: F401  (threads as configured)

    print(f"# bench_options: {platform.node()}, {os.cpu_count()} CPUs, "
          f"{time.strftime('%Y-%m-%d %H:%M')}, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("\nmodel.step() with reporters=['max_change'], k = 10 (+ self), dim 3, T = 0.5; "
          f"medians of {args.repeat} alternated steps\n")
    print("| N | option | plain s | with option s | ratio (min–max) | target | |")
    print("|---|---|---|---|---|---|---|")
    misses = []
    for n in sizes:
        for row in run_size(int(n), args.repeat, args.only):
            if row[3] > row[6]:
                misses.append((int(n), row[0], row[3]))
    print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("all targets met" if not misses else
          "missed: " + "; ".join(f"{label} at {n:.0e} ({r:.2f}×)" for n, label, r in misses))


if __name__ == "__main__":
    main()
