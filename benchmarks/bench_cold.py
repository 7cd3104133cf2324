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
2. **The floor**: the time the compiled kernel alone takes for the sweep's
   runs (each temperature's 200 ticks timed on one thread from its own initial
   opinions, times the seeds), over 2 cores. Target: the sweep within 2× of
   it, read as what the issue lists (per-run overhead, reporters, storage):
   the ``sweep()`` call in a fresh process, its imports done. The whole warm
   command (interpreter start, imports, sweep, plot) is printed beside it.

Usage::

    python benchmarks/bench_cold.py               # about a minute on 2 cores
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


SWEEP_PHASE = """
import sys, tempfile, time
sys.path.insert(0, {here!r})
from bench_sweep import default_sweep_kwargs
import opinionsim.model, opinionsim.kernels, opinionsim.experiments.sweep  # imports: not timed
from opinionsim.sweep import sweep
kwargs = default_sweep_kwargs()
with tempfile.TemporaryDirectory() as out:
    start = time.perf_counter()
    sweep(**kwargs, out=out)
    print(time.perf_counter() - start)
"""


def sweep_phase(cache_dir):
    """Wall time of the default sweep's ``sweep()`` call alone in a fresh process (warm cache):
    checking, two workers' runs and metrics, storage; not the interpreter, imports or plot."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache_dir)}
    proc = subprocess.run([sys.executable, "-c", SWEEP_PHASE.format(here=str(HERE))], env=env,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"sweep phase failed:\n{proc.stderr[-2000:]}")
    return float(proc.stdout.split()[-1])


def floor_table(warm_s, phase_s):
    """The kernel-time floor: each run's 200 ticks through the compiled kernel alone.

    Each temperature's run is timed as ``kernels.attention_run`` (the row kernel's
    compiled entry point called tick after tick; ~6 µs of Python loop per tick)
    from the run's own initial opinions, best of 3, on one thread; the floor is
    the sum over the sweep's runs (seeds × that time), over 2 cores.
    """
    from bench_sweep import default_sweep_kwargs

    from opinionsim import OpinionModel
    from opinionsim import kernels as _kernels

    kw = default_sweep_kwargs()
    params = dict(kw["params"])
    g = params.pop("graph")
    temps = [float(t) for t in kw["grid"]["temperature"]]
    n_runs = len(temps) * kw["seeds"]
    steps = kw["steps"]
    previous = _kernels.limit_threads(1)
    try:
        import networkx as nx

        G = nx.watts_strogatz_graph(g["n"], g["k"], g["p"], seed=1)
        per_run = []
        for T in temps:
            m = OpinionModel(graph=G, temperature=T, reporters=[], seed=1, **params)
            adj, X0 = m.structure(), m.initial_opinions

            def run(m=m, adj=adj, X0=X0):
                if _kernels.attention_run(m.opinions, X0, adj, m.rule, steps, None,
                                          False) is None:
                    raise SystemExit("attention_run declined the default sweep's rule")

            run()
            times = []
            for _ in range(3):
                t = time.perf_counter()
                run()
                times.append(time.perf_counter() - t)
            per_run.append(min(times))
        edges = adj.nnz
    finally:
        _kernels.set_num_threads(previous)
    floor = sum(per_run) * kw["seeds"] / 2
    ns = [t / steps / edges * 1e9 for t in per_run]
    print("\n## 2. The default sweep against its kernel-time floor\n")
    print(f"- {n_runs} runs × {steps} steps × {edges} edges = "
          f"{n_runs * steps * edges / 1e6:.0f} M edge updates")
    print(f"- the compiled kernel alone, one thread, each temperature's run from its own initial "
          f"opinions: {statistics.median(ns):.2f} ns/edge (median over the {len(temps)} "
          f"temperatures; range {min(ns):.2f}–{max(ns):.2f})")
    print(f"- floor on 2 cores: **{floor:.2f} s**")
    print("\n| what | wall s | × floor | target ≤ 2× |")
    print("|---|---|---|---|")
    print(f"| `sweep()` alone: checks, runs on 2 workers, metrics, storage | {phase_s:.2f} | "
          f"**{phase_s / floor:.2f}** | {'PASS' if phase_s <= 2 * floor else 'MISS'} |")
    print(f"| the whole command, warm: interpreter, imports, sweep, plot | {warm_s:.2f} | "
          f"{warm_s / floor:.2f} | (for reference) |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    print(f"# bench_cold: {platform.node()}, {os.cpu_count()} CPUs, "
          f"{time.strftime('%Y-%m-%d %H:%M')}, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    cold, warm, phase = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for rep in range(args.repeat):
            cache = tmp / f"cache{rep}"
            cache.mkdir()
            cold.append(sweep_once(cache, tmp / f"cold{rep}"))
            if rep == 0:
                sigs = compiled_signatures(cache)
            warm.append(sweep_once(cache, tmp / f"warm{rep}"))
            phase.append(sweep_phase(cache))
            print(f"  repeat {rep}: cold {cold[-1]:.2f} s, warm {warm[-1]:.2f} s, sweep() "
                  f"{phase[-1]:.2f} s", flush=True)
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
    floor_table(w, statistics.median(phase))
    print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
