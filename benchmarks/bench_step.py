"""Seconds per engine step, from a laptop-sized population to a million agents.

Prints, in one run (not part of the unit tests):

1. **Synchronous step** of ``OpinionModel`` (attention rule, temperature 1) on
   random graphs, N in ``--sizes`` (default 1e3 1e4 1e5 1e6), mean degree
   k in {10, 50}, dim in {3, 16}: seconds per ``model.step()`` (engine,
   finiteness check and ``max_change``; the statistics a user chooses to record
   cost extra, see 2.) and per engine tick alone, ns per edge, and the ratio
   to two floors measured in the same run:
   the *streaming* floor (the bytes a step must touch, read at the measured
   streaming bandwidth) and the *random-read* floor (gathering every
   neighbour's opinion row once, in CSR order, with prefetching, on the same
   threads). N = 1e6 is timed with both "dot" and "distance" affinities.
2. **The naive Mesa baseline**: the same rule written as a typical Mesa model
   (``mesa.Agent`` subclasses that read their neighbours' opinions in Python,
   compute softmax attention and update, two buffers, ``agents.do``), and the
   speed-up of ``OpinionModel.step`` over it at N = 1e3 and 1e4 (k = 10,
   dim = 3), recording ``max_change`` only (the naive model records nothing)
   and with the default reporters. Both compute the same opinions (checked).
3. Activation regimes at N = 1e5 (random_sequential and random_async against
   synchronous), the complete graph at N = 1e4 (dense path, against the
   numpy reference), 1 versus 2 threads and the numpy/scipy reference at N = 1e6,
   model construction at N = 1e6, peak memory at N = 1e6, k = 50, dim = 16, and
   start-up costs (``import opinionsim``; first step in a fresh process).

Timings are the best of ``--repeat`` calls: slower calls measure interference
from other processes (the load average is printed first).

4. With ``--against REV``: the same steps (N = 1e5 and 1e6, k = 10, dim = 3, dot and
   distance; ``model.step`` with ``reporters=["max_change"]``) on this tree and on
   git revision ``REV``, each in a fresh process, interleaved (old, new, old, new, ...)
   over ``--rounds`` rounds, and the median of the per-round ratios new / old: what a
   refactoring costs in speed.

Usage::

    python benchmarks/bench_step.py                 # everything: ~1 minute on 2 cores
    python benchmarks/bench_step.py --against 577000e --rounds 7   # old commit vs this tree
    python benchmarks/bench_step.py --quick         # N <= 1e5, small combos: ~20 s
    python benchmarks/bench_step.py --sizes 1e3 1e4 --no-extras
    python benchmarks/bench_step.py --cold-compile  # also time a compile from scratch
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy.sparse as sp

# Targets from the issues, checked at the end of the run.
TARGET_1E6_K10_D3_S = 0.12
TARGET_1E6_K50_D16_S = 1.5
TARGET_MESA_SPEEDUP = 300.0
TARGET_DENSE_1E4_S = 0.4
TARGET_THREADS = 1.6
TARGET_ACTIVATION_RATIO = 3.0


# ---- inputs ----------------------------------------------------------------------------

def random_graph(n, k, rng):
    """CSR adjacency built with numpy only: each agent listens to k uniform others.

    Targets are sorted per row and duplicates dropped (canonical CSR), no
    self-loops (the model adds them: ``include_self=True``).
    """
    targets = rng.integers(0, n - 1, size=(n, k), dtype=np.int64)
    targets += targets >= np.arange(n)[:, None]
    targets.sort(axis=1)
    keep = np.ones((n, k), dtype=bool)
    keep[:, 1:] = targets[:, 1:] != targets[:, :-1]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(keep.sum(axis=1), out=indptr[1:])
    indices = targets[keep].astype(np.int32)
    del targets, keep
    return sp.csr_array((np.ones(indices.size), indices, indptr), shape=(n, n))


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


# ---- floors ----------------------------------------------------------------------------

def _floor_kernels():
    import numba

    from opinionsim.kernels.intrinsics import prefetch_row as _prefetch_row

    @numba.njit(nogil=True, boundscheck=False)
    def stream(a, lo, hi):
        s0 = 0.0
        s1 = 0.0
        s2 = 0.0
        s3 = 0.0
        for i in range(lo, hi - 3, 4):
            s0 += a[i]
            s1 += a[i + 1]
            s2 += a[i + 2]
            s3 += a[i + 3]
        return s0 + s1 + s2 + s3

    @numba.njit(nogil=True, boundscheck=False)
    def gather(indptr, indices, X, lo, hi):
        # Every neighbour's row once, in CSR order, prefetched ahead: the work a step
        # cannot avoid on a random graph, without any arithmetic.
        end = indptr[hi]
        s = 0.0
        for e in range(indptr[lo], end):
            if e + 24 < end:
                _prefetch_row(X, indices[e + 24])
            j = indices[e]
            for c in range(X.shape[1]):
                s += X[j, c]
        return s

    return stream, gather


def _threaded(fn, chunks, threads):
    from opinionsim.kernels.threads import run_chunks as _run_chunks

    _run_chunks(lambda c: fn(*chunks[c]), len(chunks), threads)


def streaming_bandwidth(threads, repeat):
    """Bytes per second read by ``threads`` threads streaming through 1 GiB."""
    stream, _ = _floor_kernels()
    a = np.ones(2**27)
    stream(a, 0, 1024)
    bounds = np.linspace(0, a.size, 4 * threads + 1).astype(np.int64)
    chunks = [(a, bounds[c], bounds[c + 1]) for c in range(len(bounds) - 1)]
    t = best_of(lambda: _threaded(stream, chunks, threads), repeat)
    return a.nbytes / t


def gather_floor(adjacency, X, threads, repeat):
    _, gather = _floor_kernels()
    indptr, indices = adjacency.indptr, adjacency.indices
    gather(indptr, indices, X, 0, min(10, X.shape[0]))
    n = X.shape[0]
    bounds = np.searchsorted(indptr, np.linspace(0, indptr[-1], 4 * threads + 1))
    bounds[0], bounds[-1] = 0, n
    chunks = [(indptr, indices, X, bounds[c], bounds[c + 1]) for c in range(len(bounds) - 1)]
    return best_of(lambda: _threaded(gather, chunks, threads), repeat)


def step_bytes(adjacency, n, dim):
    """Bytes a synchronous step must move at least: the adjacency once, every opinion read
    once, every new opinion written once (counted twice: write-allocate)."""
    return adjacency.indptr.nbytes + adjacency.indices.nbytes + 3 * 8 * n * dim


# ---- the naive Mesa model --------------------------------------------------------------

def naive_mesa_model(adjacency, X, *, temperature, step_size):
    import mesa

    class NaiveAgent(mesa.Agent):
        """One agent, as a typical Mesa model writes it: its own opinion and neighbour list."""

        def __init__(self, model, opinion):
            super().__init__(model)
            self.opinion = opinion
            self.next_opinion = opinion
            self.neighbours = []

        def step(self):
            q = self.opinion
            scale = math.sqrt(len(q))
            scores = [float(np.dot(q, other.opinion)) / scale for other in self.neighbours]
            top = max(scores)
            weights = [math.exp((s - top) / temperature) for s in scores]
            total = sum(weights)
            social = sum(w * other.opinion for w, other in zip(weights, self.neighbours)) / total
            self.next_opinion = q + step_size * (social - q)

        def advance(self):
            self.opinion = self.next_opinion

    class NaiveModel(mesa.Model):
        def __init__(self):
            super().__init__(seed=0)
            people = [NaiveAgent(self, X[i].copy()) for i in range(X.shape[0])]
            for i, person in enumerate(people):
                row = adjacency.indices[adjacency.indptr[i]:adjacency.indptr[i + 1]]
                person.neighbours = [people[j] for j in row]
            self.people = people

        def step(self):
            self.agents.do("step")
            self.agents.do("advance")

        def opinions(self):
            return np.array([p.opinion for p in self.people])

    return NaiveModel()


# ---- measurements ----------------------------------------------------------------------

#: Reporters of the timed models: the step's own cost, not that of the statistics recorded.
#: (The default reporters include attention entropy, which rebuilds the attention matrix
#: with the numpy reference at every step; the Mesa table shows what they cost.)
REPORTERS = ["max_change"]


def build_model(adjacency, dim, rng, **kw):
    from opinionsim import OpinionModel

    n = adjacency.shape[0]
    X = rng.uniform(-1.0, 1.0, size=(n, dim))
    return OpinionModel(graph=adjacency, dim=dim, initial_opinions=X, seed=1,
                        reporters=REPORTERS, **kw)


def time_model(model, repeat):
    from opinionsim.dynamics import advance

    model.step()  # compile or load the kernels
    step_s = best_of(model.step, repeat)
    net = model.network
    X = model.opinions
    engine_s = best_of(lambda: advance("synchronous", X, model.initial_opinions,
                                       net.adjacency, model.rule), repeat)
    return step_s, engine_s


def main_table(args, bandwidth, threads, results):
    rng = np.random.default_rng(0)
    combos = [(10, 3), (10, 16), (50, 3), (50, 16)]
    print("\n## Synchronous step on random graphs (attention, temperature 1)\n")
    print("| N | k | dim | affinity | model.step s | engine s | ns/edge | x streaming floor "
          "| x random-read floor |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        for k, dim in combos:
            if args.quick and (n >= 10**6 or (n >= 10**5 and (k, dim) != (10, 3))):
                continue
            if n >= 10**6 and (k, dim) in ((10, 16), (50, 3)) and not args.all_combos:
                continue
            graph = random_graph(n, k, rng)
            model = build_model(graph, dim, rng)
            adjacency = model.network.adjacency
            repeat = args.repeat if n < 10**6 else max(2, args.repeat // 2)
            floor_s = step_bytes(adjacency, n, dim) / bandwidth
            gather_s = gather_floor(adjacency, model.opinions, threads, repeat)
            affinities = ("dot", "distance") if n >= 10**6 else ("dot",)
            for affinity in affinities:
                if affinity != model.rule.affinity:
                    model.rule = model.rule.replace(affinity=affinity)
                step_s, engine_s = time_model(model, repeat)
                ns_edge = engine_s / adjacency.nnz * 1e9
                print(f"| {n:.0e} | {k} | {dim} | {affinity} | {step_s:.4f} | {engine_s:.4f} | "
                      f"{ns_edge:.1f} | {engine_s / floor_s:.1f} | {engine_s / gather_s:.2f} |",
                      flush=True)
                results[(n, k, dim, affinity)] = (step_s, engine_s)
            del model, graph, adjacency


def mesa_comparison(args, results):
    from opinionsim import OpinionModel

    print("\n## Against a naive per-agent Mesa model (k = 10, dim = 3, same rule)\n")
    print("| N | naive Mesa s/step | us/agent | OpinionModel.step s | speed-up "
          "| with the default reporters s | speed-up |")
    print("|---|---|---|---|---|---|---|")
    rng = np.random.default_rng(1)
    for n in (1000, 10000):
        graph = random_graph(n, 10, rng)
        X = rng.uniform(-1.0, 1.0, size=(n, 3))
        kw = dict(graph=graph, dim=3, initial_opinions=X, temperature=1.0, step_size=0.5,
                  seed=1)
        model = OpinionModel(reporters=REPORTERS, **kw)
        reporting = OpinionModel(**kw)
        naive = naive_mesa_model(model.network.adjacency, X, temperature=1.0, step_size=0.5)
        naive.step()
        model.step()
        reporting.step()
        np.testing.assert_allclose(naive.opinions(), model.opinions, rtol=1e-10, atol=1e-12)
        naive_s = best_of(naive.step, max(2, args.repeat // 2))
        fast_s = best_of(model.step, args.repeat * 4)
        full_s = best_of(reporting.step, args.repeat)
        results[("mesa", n)] = naive_s / fast_s
        print(f"| {n:.0e} | {naive_s:.3f} | {naive_s / n * 1e6:.0f} | {fast_s:.5f} | "
              f"{naive_s / fast_s:.0f}x | {full_s:.4f} | {naive_s / full_s:.0f}x |", flush=True)


def activation_comparison(args, results):
    from opinionsim import OpinionModel

    n = 10**5
    print(f"\n## Activation regimes at N = {n:.0e} (k = 10, dim = 3)\n")
    print("| activation | model.step s | / synchronous |")
    print("|---|---|---|")
    graph = random_graph(n, 10, np.random.default_rng(2))
    X = np.random.default_rng(3).uniform(-1, 1, size=(n, 3))
    base = None
    for activation in ("synchronous", "random_sequential", "random_async"):
        model = OpinionModel(graph=graph, dim=3, initial_opinions=X, activation=activation,
                             activation_rate=0.5, seed=1, reporters=REPORTERS)
        model.step()
        t = best_of(model.step, args.repeat)
        base = t if base is None else base
        results[("activation", activation)] = t / base
        print(f"| {activation} | {t:.4f} | {t / base:.2f} |", flush=True)


def dense_comparison(args, results):
    from opinionsim import OpinionModel
    from opinionsim import kernels as _kernels
    from opinionsim.scheduler import synchronous

    n = 10**4
    print(f"\n## Complete graph (n_agents = {n:.0e}, dim = 3), dense path\n")
    print("| affinity | model.step s | numpy reference s | speed-up |")
    print("|---|---|---|---|")
    for affinity in ("dot", "distance"):
        model = OpinionModel(n_agents=n, dim=3, affinity=affinity, seed=1, reporters=REPORTERS)
        model.step()
        t = best_of(model.step, args.repeat)
        with _kernels.disabled():
            ref = best_of(lambda: synchronous(model.opinions, model.initial_opinions,
                                              model.network.adjacency, model.rule), 1)
        results[("dense", affinity)] = t
        print(f"| {affinity} | {t:.3f} | {ref:.3f} | {ref / t:.1f}x |", flush=True)


def million_extras(args, threads, results):
    from opinionsim import OpinionModel
    from opinionsim import kernels as _kernels
    from opinionsim.dynamics import advance, synchronous

    n = 10**6
    print(f"\n## N = {n:.0e}: threads, numpy reference, construction (k = 10, dim = 3)\n")
    rng = np.random.default_rng(4)
    graph = random_graph(n, 10, rng)
    X = rng.uniform(-1, 1, size=(n, 3))
    start = time.perf_counter()
    model = OpinionModel(graph=graph, dim=3, initial_opinions=X, seed=1, reporters=REPORTERS)
    build_s = time.perf_counter() - start
    results["build"] = build_s
    adjacency = model.network.adjacency

    def tick():
        advance("synchronous", model.opinions, model.initial_opinions, adjacency, model.rule)

    tick()
    per_threads = {}
    for t in sorted({1, threads}):
        old = _kernels.set_num_threads(t)
        per_threads[t] = best_of(tick, args.repeat)
        _kernels.set_num_threads(old)
    with _kernels.disabled():
        ref_s = best_of(lambda: synchronous(model.opinions, model.initial_opinions, adjacency,
                                            model.rule), 1)
    print("| measurement | value |")
    print("|---|---|")
    print(f"| model construction from a scipy CSR (k = 10) | {build_s:.2f} s |")
    for t, s in per_threads.items():
        print(f"| engine tick, {t} thread(s) | {s:.4f} s |")
    if threads > 1:
        results["threads"] = per_threads[1] / per_threads[threads]
        print(f"| speed-up of {threads} threads over 1 | {results['threads']:.2f}x |")
    print(f"| numpy + scipy.sparse reference tick | {ref_s:.3f} s "
          f"({ref_s / per_threads[threads]:.1f}x slower) |", flush=True)
    del model, graph, adjacency


def peak_memory(args, results):
    """VmHWM while stepping N = 1e6, k = 50, dim = 16, against the adjacency + opinions."""
    code = f"""if True:
        import sys, time
        sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r})
        import numpy as np
        from bench_step import random_graph
        from opinionsim import OpinionModel
        n, k, dim = 10**6, 50, 16
        graph = random_graph(n, k, np.random.default_rng(5))
        model = OpinionModel(graph=graph, dim=dim, seed=1, reporters=["max_change"])
        del graph
        adj = model.network.adjacency
        held = adj.data.nbytes + adj.indices.nbytes + adj.indptr.nbytes
        held += model.opinions.nbytes + model.initial_opinions.nbytes
        model.step()
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset the peak resident set size
        for _ in range(2):
            model.step()
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM"):
                peak = int(line.split()[1]) * 1024
        print(held, peak)
    """
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode != 0:
        print("\npeak memory: measurement failed:", out.stderr.strip().splitlines()[-1:])
        return
    held, peak = map(int, out.stdout.split())
    results["memory"] = peak / held
    print("\n## Peak memory while stepping N = 1e6, k = 50, dim = 16\n")
    print(f"adjacency (data, indices, indptr) + opinions (current and initial): "
          f"{held / 2**20:.0f} MiB; peak resident set while stepping: {peak / 2**20:.0f} MiB "
          f"= {peak / held:.2f}x (process total, interpreter and libraries included)")


def startup(args, results):
    print("\n## Start-up\n")
    code_import = ("import time; t = time.perf_counter(); import opinionsim; "
                   "print(time.perf_counter() - t)")
    imports = [float(subprocess.run([sys.executable, "-c", code_import], capture_output=True,
                                    text=True, check=True).stdout) for _ in range(3)]
    code_first = """if True:
        import time, numpy as np, scipy.sparse as sp
        from opinionsim import OpinionModel
        g = sp.random_array((1000, 1000), density=0.01, rng=0, format="csr")
        m = OpinionModel(graph=g, dim=3, seed=1, reporters=["max_change"])
        t = time.perf_counter(); m.step(); first = time.perf_counter() - t
        t = time.perf_counter(); m.step(); second = time.perf_counter() - t
        print(first, second)
    """
    first, second = map(float, subprocess.run([sys.executable, "-c", code_first],
                                              capture_output=True, text=True,
                                              check=True).stdout.split())
    results["import"] = min(imports)
    print(f"`import opinionsim`: {min(imports):.2f} s (best of 3, fresh processes)  ")
    print(f"first step in a fresh process (kernels loaded from the on-disk cache): "
          f"{first:.2f} s; second step: {second * 1e3:.2f} ms")
    if args.cold_compile:
        with tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ, NUMBA_CACHE_DIR=cache)
            code = "from opinionsim import kernels; print(kernels.precompile())"
            cold = float(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                        text=True, check=True, env=env).stdout)
            warm = float(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                        text=True, check=True, env=env).stdout)
        print(f"`_kernels.precompile()` (the common kernels): {cold:.1f} s from scratch, "
              f"{warm:.2f} s from the on-disk cache")


def verdicts(results, threads):
    print("\n## Targets\n")
    checks = []

    def add(name, value, target, ok, fmt):
        checks.append(f"- {'met' if ok else 'NOT met'}: {name}: {fmt(value)} "
                      f"(target {fmt(target)})")

    for affinity in ("dot", "distance"):
        key = (10**6, 10, 3, affinity)
        if key in results:
            add(f"N=1e6 k=10 dim=3 {affinity}, model.step", results[key][0],
                TARGET_1E6_K10_D3_S, results[key][0] <= TARGET_1E6_K10_D3_S,
                lambda v: f"{v:.3f} s")
        key = (10**6, 50, 16, affinity)
        if key in results:
            add(f"N=1e6 k=50 dim=16 {affinity}, model.step", results[key][0],
                TARGET_1E6_K50_D16_S, results[key][0] <= TARGET_1E6_K50_D16_S,
                lambda v: f"{v:.2f} s")
    if ("mesa", 10000) in results:
        v = results[("mesa", 10000)]
        add("speed-up over naive Mesa at N=1e4", v, TARGET_MESA_SPEEDUP,
            v >= TARGET_MESA_SPEEDUP, lambda v: f"{v:.0f}x")
    for act in ("random_sequential", "random_async"):
        if ("activation", act) in results:
            v = results[("activation", act)]
            add(f"{act} / synchronous at N=1e5", v, TARGET_ACTIVATION_RATIO,
                v <= TARGET_ACTIVATION_RATIO, lambda v: f"{v:.2f}x")
    if ("dense", "dot") in results:
        v = max(results[("dense", "dot")], results[("dense", "distance")])
        add("complete graph N=1e4 dim=3 (slower affinity)", v, TARGET_DENSE_1E4_S,
            v <= TARGET_DENSE_1E4_S, lambda v: f"{v:.3f} s")
    if "threads" in results:
        v = results["threads"]
        add(f"{threads} threads over 1 at N=1e6", v, TARGET_THREADS, v >= TARGET_THREADS,
            lambda v: f"{v:.2f}x")
    if "memory" in results:
        add("peak memory / (adjacency + opinions)", results["memory"], 2.0,
            results["memory"] <= 2.0, lambda v: f"{v:.2f}x")
    if "import" in results:
        add("import opinionsim", results["import"], 1.0, results["import"] < 1.0,
            lambda v: f"{v:.2f} s")
    print("\n".join(checks))


_AGAINST_SNIPPET = """
import json, sys, time
import numpy as np
sys.path.insert(0, {tree!r})
sys.path.insert(0, {bench!r})
from bench_step import random_graph
from opinionsim import OpinionModel
out = {{}}
for n in {sizes!r}:
    rng = np.random.default_rng(0)
    adj = random_graph(n, 10, rng)
    X = rng.uniform(-1.0, 1.0, size=(n, 3))
    for affinity in ("dot", "distance"):
        m = OpinionModel(graph=adj, dim=3, initial_opinions=X, seed=1, affinity=affinity,
                         reporters=["max_change"])
        m.step()
        best = float("inf")
        for _ in range({repeat}):
            t = time.perf_counter(); m.step(); best = min(best, time.perf_counter() - t)
        out[f"{{n}} {{affinity}}"] = best
print(json.dumps(out))
"""


def against(rev, rounds, repeat, sizes):
    """Interleaved fresh-process timings of this tree and of git revision ``rev``."""
    import json
    import shutil

    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    old = tempfile.mkdtemp(prefix="opinionsim-against-")
    subprocess.run(["git", "-C", root, "worktree", "add", "--detach", old, rev], check=True,
                   capture_output=True)
    try:
        def run(tree):
            code = _AGAINST_SNIPPET.format(tree=tree, bench=here, sizes=sizes, repeat=repeat)
            done = subprocess.run([sys.executable, "-c", code], cwd=tree, check=True,
                                  capture_output=True, text=True)
            return json.loads(done.stdout.strip().splitlines()[-1])

        print(f"# bench_step --against {rev}: load average {os.getloadavg()[0]:.2f}")
        run(old), run(root)  # compile (or load) both trees' kernels
        ratios = {}
        for r in range(rounds):
            t_old, t_new = run(old), run(root)
            for key in t_new:
                ratios.setdefault(key, []).append((t_old[key], t_new[key]))
            print(f"round {r + 1}/{rounds} done", flush=True)
        print(f"\n| N, affinity | {rev} s (median) | this tree s (median) | median ratio new/old |")
        print("|---|---|---|---|")
        worst = 0.0
        for key, pairs in ratios.items():
            olds, news = np.array(pairs).T
            ratio = float(np.median(news / olds))
            worst = max(worst, ratio)
            print(f"| {key} | {np.median(olds):.4f} | {np.median(news):.4f} | {ratio:.3f} |")
        print(f"\nworst median ratio {worst:.3f} (target <= 1.05): "
              f"{'met' if worst <= 1.05 else 'NOT met'}")
    finally:
        subprocess.run(["git", "-C", root, "worktree", "remove", "--force", old],
                       capture_output=True)
        shutil.rmtree(old, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1e3, 1e4, 1e5, 1e6],
                        help="population sizes N (default: 1e3 1e4 1e5 1e6)")
    parser.add_argument("--quick", action="store_true",
                        help="skip N >= 1e6 and the large combos at N = 1e5")
    parser.add_argument("--all-combos", action="store_true",
                        help="at N = 1e6 also time k=10/dim=16 and k=50/dim=3")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per figure")
    parser.add_argument("--no-extras", action="store_true",
                        help="only the main table and the Mesa comparison")
    parser.add_argument("--cold-compile", action="store_true",
                        help="also time compiling the kernels from scratch (~1 min)")
    parser.add_argument("--against", metavar="REV",
                        help="only compare this tree with git revision REV (interleaved)")
    parser.add_argument("--rounds", type=int, default=7, help="rounds for --against")
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes]
    if args.against:
        against(args.against, args.rounds, args.repeat,
                [n for n in args.sizes if n >= 10**5] or [10**5])
        return

    from opinionsim import kernels as _kernels

    threads = _kernels.get_num_threads()
    print(f"# bench_step: {platform.node()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}")
    print(f"load average {os.getloadavg()[0]:.2f}; kernels enabled: {_kernels.enabled()}; "
          f"threads: {threads}; numpy {np.__version__}")
    compile_s = _kernels.precompile()
    print(f"kernels ready in {compile_s:.2f} s (compiled or loaded from the on-disk cache)")
    bandwidth = streaming_bandwidth(threads, args.repeat)
    print(f"streaming read bandwidth ({threads} threads): {bandwidth / 1e9:.1f} GB/s")

    results = {}
    main_table(args, bandwidth, threads, results)
    mesa_comparison(args, results)
    if not args.no_extras:
        activation_comparison(args, results)
        dense_comparison(args, results)
        if not args.quick and max(args.sizes) >= 10**6:
            million_extras(args, threads, results)
            peak_memory(args, results)
        startup(args, results)
    verdicts(results, threads)


if __name__ == "__main__":
    main()
