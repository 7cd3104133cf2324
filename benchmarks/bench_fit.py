"""Inference: interval coverage, error scaling and the speed of a fit (issue 17).

Prints, in one run (not part of the unit tests):

1. **Coverage** of 95% Wald and profile-likelihood intervals of (temperature,
   step size, σ) over ``--reps`` replications (default 200): each simulates a
   fresh Watts–Strogatz network (N = 200, k = 6, p = 0.1) and a 50-step panel
   with ``OpinionModel`` at known parameters and fits it. Coverage is printed
   with its 95% Clopper–Pearson interval; the target is 90–99%. Profile
   intervals are computed for ``--profile`` affinities (default: distance;
   they cost ~10 optimisations per side and parameter).
2. **Error against observations**: the RMSE of T̂ over ``--scaling-reps``
   replications as N grows (100 … 800, 50 steps) and as the panel grows
   (12 … 100 steps, N = 200). With n = transitions × dim, RMSE·√n should stay
   roughly constant; the slope of log RMSE on log n should be about −1/2.
3. **Speed**: a fit of (temperature, step size, σ) to N = 1000 (k = 10), 100
   steps, dim 2, with the default 4 starts and the standard errors, intervals
   excluded (target: under 10 s on 2 cores), against one evaluation of the
   log-likelihood and its gradient measured in the same run, and the time to
   simulate the panel.

Replications run in ``--jobs`` processes (default 2); each replication's seeds
come from its index, so results do not depend on the number of workers.

Usage::

    python benchmarks/bench_fit.py                   # everything: ~10 minutes on 2 cores
    python benchmarks/bench_fit.py --quick           # 40 replications, smaller grids: ~2 min
    python benchmarks/bench_fit.py --skip-coverage --skip-scaling   # timing only
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import time
import warnings
from concurrent.futures import ProcessPoolExecutor

import networkx as nx
import numpy as np

TRUTH = {"dot": 0.5, "cosine": 0.2, "distance": 0.2}  # temperatures
STEP_SIZE, NOISE = 0.5, 0.05
TARGET_COVERAGE = (0.90, 0.99)
TARGET_FIT_S = 10.0


def simulate(n, steps, *, k=6, affinity="distance", temperature=0.2, seed=0, graph_seed=0):
    from opinionsim import OpinionModel

    g = nx.watts_strogatz_graph(n, k, 0.1, seed=graph_seed)
    model = OpinionModel(graph=g, dim=2, affinity=affinity, temperature=temperature,
                         step_size=STEP_SIZE, noise=NOISE, seed=seed, record_opinions=True,
                         reporters=[])
    model.run(steps)
    return np.stack([x for _, x in model.opinion_history]), g


def _coverage_replication(job):
    """One replication: which intervals cover the truth."""
    import opinionsim as osim

    affinity, rep, profile = job
    X, g = simulate(200, 50, affinity=affinity, temperature=TRUTH[affinity], seed=100_000 + rep,
                    graph_seed=rep)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = osim.fit(X, g, affinity=affinity, seed=rep, n_starts=2)
    truth = np.array([TRUTH[affinity], STEP_SIZE, NOISE])
    out = {"converged": res.converged}
    methods = ("wald", "profile") if profile else ("wald",)
    for method in methods:
        ci = res.ci(0.95, method)
        out[method] = (ci["low"].to_numpy() <= truth) & (truth <= ci["high"].to_numpy())
    return affinity, out


def _scaling_replication(job):
    import opinionsim as osim

    n, steps, rep = job
    X, g = simulate(n, steps, seed=200_000 + rep, graph_seed=rep)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = osim.fit(X, g, affinity="distance", seed=rep, n_starts=1)
    return (n, steps), (res.params.to_numpy(), res.stderr.to_numpy(), res.n_obs)


def clopper_pearson(k, n, level=0.95):
    from scipy.stats import beta

    a = (1 - level) / 2
    low = 0.0 if k == 0 else beta.ppf(a, k, n - k + 1)
    high = 1.0 if k == n else beta.ppf(1 - a, k + 1, n - k)
    return low, high


def coverage(args, pool):
    jobs = [(aff, rep, aff in args.profile) for aff in sorted(TRUTH) for rep in range(args.reps)]
    t0 = time.perf_counter()
    results = {}
    for aff, out in pool.map(_coverage_replication, jobs, chunksize=4):
        results.setdefault(aff, []).append(out)
    print(f"\n1. Coverage of 95% intervals, {args.reps} replications per affinity "
          f"(N = 200, 50 steps, WS k = 6; truth: T as listed, a = {STEP_SIZE}, σ = {NOISE}); "
          f"{time.perf_counter() - t0:.0f} s\n")
    print("| affinity | T | method | parameter | coverage | 95% CI of the coverage | in 90–99%? |")
    print("|---|---|---|---|---|---|---|")
    verdicts = []
    for aff, outs in results.items():
        for method in ("wald", "profile"):
            if method not in outs[0]:
                continue
            hits = np.sum([o[method] for o in outs], axis=0)
            for name, k in zip(["temperature", "step_size", "noise"], hits):
                low, high = clopper_pearson(int(k), len(outs))
                ok = TARGET_COVERAGE[0] <= k / len(outs) <= TARGET_COVERAGE[1]
                verdicts.append(ok)
                print(f"| {aff} | {TRUTH[aff]} | {method} | {name} | {k / len(outs):.3f} | "
                      f"[{low:.3f}, {high:.3f}] | {'yes' if ok else 'NO'} |")
        conv = np.mean([o["converged"] for o in outs])
        print(f"|  |  |  | (fits converged: {conv:.1%}) |  |  |  |")
    return all(verdicts)


def scaling(args, pool):
    reps = args.scaling_reps
    sizes = [100, 200, 400] if args.quick else [100, 200, 400, 800]
    lengths = [12, 25, 50] if args.quick else [12, 25, 50, 100]
    grid = [(n, 50) for n in sizes] + [(200, s) for s in lengths if s != 50]
    jobs = [(n, s, rep) for n, s in grid for rep in range(reps)]
    t0 = time.perf_counter()
    results = {}
    for key, out in pool.map(_scaling_replication, jobs, chunksize=2):
        results.setdefault(key, []).append(out)
    truth = np.array([0.2, STEP_SIZE, NOISE])
    print(f"\n2. Relative RMSE of the estimates against the number of observations n = "
          f"transitions × dim, {reps} replications each (distance affinity, T = 0.2, "
          f"a = {STEP_SIZE}, σ = {NOISE}); {time.perf_counter() - t0:.0f} s\n")
    print("| N | steps | n | RMSE T̂/T | RMSE â/a | RMSE σ̂/σ | RMSE·√n (T, a, σ) | "
          "RMSE/mean se (T, a, σ) |")
    print("|---|---|---|---|---|---|---|---|")
    for label, keys in (("N", [(n, 50) for n in sizes]), ("steps", [(200, s) for s in lengths])):
        ns, rmses = [], []
        for key in keys:
            est = np.array([r[0] for r in results[key]])
            se = np.array([r[1] for r in results[key]])
            n_obs = results[key][0][2]
            rmse = np.sqrt(np.mean((est - truth) ** 2, axis=0))
            ns.append(n_obs)
            rmses.append(rmse)
            rel = rmse / truth
            print(f"| {key[0]} | {key[1]} | {int(n_obs)} | {rel[0]:.4f} | {rel[1]:.4f} | "
                  f"{rel[2]:.4f} | {', '.join(f'{x:.2f}' for x in rel * math.sqrt(n_obs))} | "
                  f"{', '.join(f'{x:.2f}' for x in rmse / se.mean(axis=0))} |")
        slopes = np.polyfit(np.log(ns), np.log(np.array(rmses)), 1)[0]
        print(f"|  |  | varying {label}: slope of log RMSE on log n (1/√n: −0.50) | "
              f"**{slopes[0]:.2f}** | **{slopes[1]:.2f}** | **{slopes[2]:.2f}** |  |  |")


def timing(args):
    import opinionsim as osim
    from opinionsim.inference.estimation import FitProblem

    t0 = time.perf_counter()
    X, g = simulate(1000, 100, k=10, seed=7, graph_seed=7)
    t_sim = time.perf_counter() - t0
    fits = []
    for rep in range(args.repeat):
        t0 = time.perf_counter()
        res = osim.fit(X, g, affinity="distance", seed=rep)
        fits.append(time.perf_counter() - t0)
    problem = FitProblem.build(X, g, free=("temperature", "step_size", "noise"),
                               affinity="distance")
    theta = {"temperature": 0.2, "step_size": 0.5}
    evals = []
    for i in range(5):
        problem.lik._cache = []  # a new T each time: the softmax is recomputed
        t0 = time.perf_counter()
        problem.lik.rss({**theta, "temperature": 0.2 + 1e-3 * i}, ["temperature", "step_size"])
        evals.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    res.ci(method="profile")
    t_profile = time.perf_counter() - t0
    best, one = min(fits), min(evals)
    ok = best < TARGET_FIT_S
    print(f"\n3. Speed: N = 1000 (WS k = 10), 100 steps, dim 2, distance affinity; "
          f"{res.n_terms} transitions, {problem.lik.tr.indptr[-1]} edge terms\n")
    print("| measurement | seconds | ratio |")
    print("|---|---|---|")
    print(f"| simulate the panel (100 OpinionModel steps) | {t_sim:.2f} | |")
    print(f"| one log-likelihood + gradient evaluation | {one:.4f} | 1 |")
    print(f"| fit of T, a, σ with standard errors (4 starts; best of {args.repeat}) | "
          f"**{best:.2f}** | {best / one:.0f} evaluations |")
    print(f"| profile intervals of all three (after the fit) | {t_profile:.2f} | "
          f"{t_profile / one:.0f} evaluations |")
    print(f"\nFit under {TARGET_FIT_S:g} s: {'yes' if ok else 'NO'} "
          f"(estimates {', '.join(f'{k} = {v:.4g}' for k, v in res.params.items())}; "
          f"truth T = 0.2, a = {STEP_SIZE}, σ = {NOISE})")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=200, help="coverage replications")
    parser.add_argument("--scaling-reps", type=int, default=40)
    parser.add_argument("--profile", nargs="*", default=["distance"],
                        help="affinities whose profile intervals are checked too")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="timed fits (best is reported)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip-coverage", action="store_true")
    parser.add_argument("--skip-scaling", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.reps, args.scaling_reps = min(args.reps, 40), min(args.scaling_reps, 16)
    print(f"bench_fit: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}; numpy {np.__version__}")
    ok = timing(args)
    if not (args.skip_coverage and args.skip_scaling):
        with ProcessPoolExecutor(args.jobs) as pool:
            if not args.skip_coverage:
                ok &= coverage(args, pool)
            if not args.skip_scaling:
                scaling(args, pool)
    print(f"\nAll targets met: {'yes' if ok else 'NO'}")


if __name__ == "__main__":
    main()
