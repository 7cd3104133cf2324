"""The default ``opinionsim sweep`` cold and warm, and against its kernel-time floor (issue 14).

Prints, in one run (not part of the unit tests):

1. **Cold vs warm**: the wall time of ``python -m opinionsim sweep --out DIR`` (the
   default sweep, plot included) in a fresh process, with ``NUMBA_CACHE_DIR``
   pointed at an empty folder (cold: every kernel the sweep needs is compiled)
   and then at the folder that run filled (warm: the kernels load from the
   cache). Cold and warm alternate ``--repeat`` times, each cold with a new
   empty folder, each run with a new ``--out``. Target: cold at most 10 s slower
   than warm (medians). The compiled signatures are counted from the cache
   index files the cold run wrote.
2. **The floor**: the sweep's edge updates (runs × steps × edges) times the
   nanoseconds per edge of one engine tick on one thread on the sweep's own
   network and parameters (measured here), over 2 cores. Target: the warm sweep
   within 2× of it.

Usage::

    python benchmarks/bench_cold.py               # ~2 minutes on 2 cores
    python benchmarks/bench_cold.py --repeat 3
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def sweep_once(cache_dir, out):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache_dir)}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "opinionsim", "sweep", "--out", str(out)],
                          env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"opinionsim sweep exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return wall


def compiled_signatures(cache_dir):
    """(function, signatures) per kernel the cache holds: one .nbi index per function,
    one .nbc file per compiled signature."""
    counts = {}
    for path in Path(cache_dir).rglob("*.nbc"):
        # name: <module>.<function>-<line>.py<ver>.<n>.nbc
        fn = path.name.split(".py")[0]
        counts[fn] = counts.get(fn, 0) + 1
    return counts


def floor_table(warm_s):
    from bench_sweep import default_sweep_kwargs

    from opinionsim import OpinionModel
    from opinionsim import kernels as _kernels
    from opinionsim.dynamics import advance

    kw = default_sweep_kwargs()
    params = dict(kw["params"])
    g = params.pop("graph")
    n_runs = len(kw["grid"]["temperature"]) * kw["seeds"]
    steps = kw["steps"]
    previous = _kernels.limit_threads(1)
    try:
        ns = []
        import networkx as nx

        G = nx.watts_strogatz_graph(g["n"], g["k"], g["p"], seed=1)
        for T in kw["grid"]["temperature"]:
            m = OpinionModel(graph=G, temperature=float(T), reporters=[], seed=1, **params)
            adj = m.structure()
            tick = lambda m=m, adj=adj: advance(
                "synchronous", m.opinions, m.initial_opinions, adj, m.rule)
            tick()
            times = []
            for _ in range(50):
                t = time.perf_counter()
                tick()
                times.append(time.perf_counter() - t)
            ns.append(statistics.median(times) / adj.nnz * 1e9)
        edges = adj.nnz
    finally:
        _kernels.set_num_threads(previous)
    per_edge = statistics.median(ns)
    total = n_runs * steps * edges
    floor = total * per_edge * 1e-9 / 2
    print("\n## 2. The default sweep against its kernel-time floor\n")
    print(f"- {n_runs} runs × {steps} steps × {edges} edges = {total / 1e6:.0f} M edge updates")
    print(f"- one engine tick on one thread, the sweep's network and parameters: "
          f"{per_edge:.2f} ns/edge (median over the {len(ns)} temperatures; "
          f"range {min(ns):.2f}–{max(ns):.2f})")
    print(f"- floor on 2 cores: {floor:.2f} s; warm sweep {warm_s:.2f} s = "
          f"**{warm_s / floor:.1f}×** the floor (target ≤ 2×: "
          f"{'PASS' if warm_s <= 2 * floor else 'MISS'})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    print(f"# bench_cold: {platform.node()}, {os.cpu_count()} CPUs, "
          f"{time.strftime('%Y-%m-%d %H:%M')}, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    cold, warm = [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for rep in range(args.repeat):
            cache = tmp / f"cache{rep}"
            cache.mkdir()
            cold.append(sweep_once(cache, tmp / f"cold{rep}"))
            if rep == 0:
                sigs = compiled_signatures(cache)
            warm.append(sweep_once(cache, tmp / f"warm{rep}"))
            print(f"  repeat {rep}: cold {cold[-1]:.2f} s, warm {warm[-1]:.2f} s", flush=True)
    c, w = statistics.median(cold), statistics.median(warm)
    print("\n## 1. `python -m opinionsim sweep` (defaults), fresh process each\n")
    print("| numba cache | wall s (median) | runs |")
    print("|---|---|---|")
    print(f"| empty (cold) | {c:.2f} | {', '.join(f'{x:.2f}' for x in cold)} |")
    print(f"| filled (warm) | {w:.2f} | {', '.join(f'{x:.2f}' for x in warm)} |")
    print(f"\ncold − warm = **{c - w:.2f} s** (target ≤ 10 s: "
          f"{'PASS' if c - w <= 10 else 'MISS'})")
    print(f"compiled in the cold run: {sum(sigs.values())} signatures of {len(sigs)} "
          "functions: " + ", ".join(f"{k} ×{v}" for k, v in sorted(sigs.items())))
    floor_table(w)
    print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
