"""Wall time of the default ``opinionsim sweep`` with 1 and 2 worker processes, and its overhead.

    python benchmarks/bench_sweep.py [--repeat 3] [--quick]

Runs the sweep that ``opinionsim sweep`` runs with no arguments (same
parameters, grid, seeds, steps and metrics; results into temporary
directories, no plot), in one process:

1. ``n_jobs=1``: in this process (the compiled kernels may use several threads);
2. ``n_jobs=1`` with the kernels limited to one thread (the one-core baseline);
3. ``n_jobs=2``: two worker processes of one thread each.

It checks that the three tables are identical, then prints the wall times,
the speed-ups over (1) and (2) (target: >= 1.7 on 2 cores), and the per-run
overhead of (3): ``(2 * wall - sum of the runs' model time) / runs``, where a
run's model time is building the model, stepping it and computing its metrics
(as timed inside the worker). The overhead is therefore everything else:
starting the workers, building each run's graph, sending the result back,
writing its Parquet file, and idle cores at the end (target: < 10 % of a
run's model time). With ``--repeat R`` each configuration runs R times
(interleaved) and the fastest is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

import pandas as pd
import pyarrow.parquet as pq


def default_sweep_kwargs(quick=False):
    from opinionsim.cli import _build_sweep, _sweep_settings, build_parser

    argv = ["sweep"] + (["--temperature", "0.001:1:8:log", "--seeds", "4"] if quick else [])
    kwargs = _build_sweep(*_sweep_settings(build_parser().parse_args(argv)))
    kwargs.pop("out")
    kwargs.pop("overwrite")
    kwargs["progress"] = False
    return kwargs


def run_timings(out):
    """Per-run (graph_s, model_s) recorded by the workers in the Parquet metadata."""
    graph, model = [], []
    for name in sorted(os.listdir(os.path.join(out, "runs"))):
        meta = pq.read_schema(os.path.join(out, "runs", name)).metadata
        timing = json.loads(meta[b"opinionsim.run"])["timing"]
        graph.append(timing["graph_s"])
        model.append(timing["model_s"])
    return graph, model


def best_so_far(walls):
    return walls[-1] == min(walls)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="8 temperatures x 4 seeds")
    args = parser.parse_args(argv)

    from opinionsim import kernels as _kernels
    from opinionsim.sweep import sweep

    kwargs = default_sweep_kwargs(args.quick)
    n_runs = (len(kwargs["grid"]["temperature"]) * kwargs["seeds"])
    print(f"default sweep: {n_runs} runs ({len(kwargs['grid']['temperature'])} temperatures x "
          f"{kwargs['seeds']} seeds), {kwargs['steps']} steps, graph "
          f"{kwargs['params']['graph']}, cores available: {len(os.sched_getaffinity(0))}")

    # Warm the compiled kernels' on-disk cache so that no configuration pays the compile.
    sweep(kwargs["params"], {"temperature": [0.1]}, seeds=1, steps=2, n_jobs=1, progress=False)

    configs = {"n_jobs=1": 1, "n_jobs=1, 1 thread": "1t", "n_jobs=2": 2}
    walls = {name: [] for name in configs}
    cpu = {name: [] for name in configs}
    tables = {}
    timings = {}
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(args.repeat):
            for name, jobs in configs.items():
                out = os.path.join(tmp, f"{rep}-{name.replace(' ', '').replace(',', '-')}")
                previous = None
                if jobs == "1t":
                    previous = _kernels.limit_threads(1)
                try:
                    c0 = os.times()
                    t = time.perf_counter()
                    df = sweep(**kwargs, n_jobs=1 if jobs == "1t" else jobs, out=out)
                    walls[name].append(time.perf_counter() - t)
                    c1 = os.times()
                    # forked workers are reaped children, so their CPU time is counted
                    cpu[name].append(sum(c1[i] - c0[i] for i in range(4)))
                finally:
                    if previous is not None:
                        _kernels.set_num_threads(previous)
                tables[name] = df
                if best_so_far(walls[name]):
                    timings[name] = run_timings(out)
        base = tables["n_jobs=1"]
        for name, df in tables.items():
            pd.testing.assert_frame_equal(base, df)
    print("tables identical across configurations: yes")

    best = {name: min(w) for name, w in walls.items()}
    for name, w in walls.items():
        spread = f" (runs: {', '.join(f'{x:.2f}' for x in w)})" if len(w) > 1 else ""
        i = w.index(best[name])
        cores = cpu[name][i] / best[name]
        print(f"  {name:<20s} {best[name]:7.2f} s wall, {cpu[name][i]:6.2f} s CPU "
              f"({cores:.2f} cores busy){spread}")
    print("  (a configuration that kept fewer cores busy than it has workers shared the "
          "machine with other processes)")
    print(f"speed-up n_jobs=2 vs n_jobs=1:            {best['n_jobs=1'] / best['n_jobs=2']:.2f}x")
    print(f"speed-up n_jobs=2 vs n_jobs=1 (1 thread): "
          f"{best['n_jobs=1, 1 thread'] / best['n_jobs=2']:.2f}x   (target >= 1.7x)")

    for name, workers in (("n_jobs=2", 2), ("n_jobs=1, 1 thread", 1)):
        graph_s, model_s = timings[name]
        mean_model = statistics.fmean(model_s)
        overhead = (workers * best[name] - sum(model_s)) / len(model_s)
        print(f"{name}: mean run (model + metrics) {1e3 * mean_model:.1f} ms; per-run overhead "
              f"{1e3 * overhead:.1f} ms = {100 * overhead / mean_model:.1f} % of a run"
              + (" (target < 10 %)" if workers == 2 else "")
              + f"; graph build {1e3 * statistics.fmean(graph_s):.1f} ms of it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
