"""Time the metrics and the null models on a large random population (not part of the unit tests).

The per-step default reporters (variance, polarization_index, morales_index,
neighbor_correlation, echo_chamber_index, attention_entropy, max_change) must
each take under 0.2 s at N = 1e6, k = 10, dim = 3, so that a million-agent run
can record every step. The other metrics are timed for information. Each metric
is called ``--repeat`` times; the table shows the best and the median time, and
the verdict uses the best (as ``timeit`` advises: slower calls measure
interference from other processes, which the load average printed first
reveals). The baseline is one CSR mat-vec ``A @ y`` over the same graph,
measured in the same run.

The null models are timed last, once each, as seconds per null sample of
``echo_chamber_index`` (shuffle, configuration model, rewiring with 10 swaps
per edge) and of ``echo_chamber_modularity`` (shuffle), so that the cost of a
``<metric>_z`` reporter (100 samples) can be read off. ``--null-n`` sets their
population sizes (default 1e5 and 1e6).

Usage::

    python benchmarks/bench_metrics.py            # N = 1e6
    python benchmarks/bench_metrics.py --n 100000 --repeat 3 --null-n 100000
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import scipy.sparse as sp

from opinionsim import metrics

TARGET_S = 0.2


def random_graph(n, k, rng):
    """CSR adjacency, each agent listening to ~k random others (no self-loops).

    Built with numpy only: k uniform targets per row, sorted, duplicates
    dropped, so the matrix is in canonical form.
    """
    targets = rng.integers(0, n - 1, size=(n, k))
    targets += targets >= np.arange(n)[:, None]  # skip self
    targets.sort(axis=1)
    keep = np.ones((n, k), dtype=bool)
    keep[:, 1:] = targets[:, 1:] != targets[:, :-1]
    indptr = np.concatenate(([0], np.cumsum(keep.sum(axis=1))))
    indices = targets[keep].astype(np.int32)
    return sp.csr_array((np.ones(indices.size), indices, indptr), shape=(n, n))


def attention_matrix(adjacency, rng):
    """Row-stochastic attention over each agent's neighbours plus itself."""
    n = adjacency.shape[0]
    A = sp.csr_array(adjacency + sp.eye_array(n, format="csr"))
    A.sort_indices()
    A.data = rng.exponential(size=A.nnz)
    rows = np.repeat(np.arange(n), np.diff(A.indptr))
    A.data /= np.bincount(rows, weights=A.data, minlength=n)[rows]
    return A


def timings(fn, repeat):
    """(best, median) wall time of ``repeat`` calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="number of agents")
    parser.add_argument("--k", type=int, default=10, help="out-degree of the random graph")
    parser.add_argument("--dim", type=int, default=3, help="opinion dimensions")
    parser.add_argument("--repeat", type=int, default=7, help="timed calls per metric")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-step-only", action="store_true",
                        help="skip the metrics that are not per-step reporters")
    parser.add_argument("--null-n", type=float, nargs="*", default=[1e5, 1e6],
                        help="population sizes for the null-model timings (none: skip them)")
    parser.add_argument("--null-samples", type=int, default=3,
                        help="null samples per timing")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    n, dim = args.n, args.dim
    # Two opinion camps plus noise, so clusters and correlations are non-trivial.
    camp = rng.integers(0, 2, size=n)
    X = rng.normal(scale=0.3, size=(n, dim))
    X[:, 0] += np.where(camp == 1, 1.0, -1.0)
    X_prev = X + rng.normal(scale=1e-3, size=X.shape)
    adjacency = random_graph(n, args.k, rng)
    attention = attention_matrix(adjacency, rng)
    labels = camp.astype(np.int64)
    y = X[:, 0].copy()

    print(f"N = {n:,}, k = {args.k}, dim = {dim}, adjacency nnz = {adjacency.nnz:,}, "
          f"attention nnz = {attention.nnz:,} ({attention.nnz / n:.1f} per row), "
          f"{args.repeat} timed calls each, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}")
    baseline, _ = timings(lambda: adjacency @ y, args.repeat)

    sizes = np.diff(attention.indptr)
    per_step = {
        "variance": lambda: metrics.variance(X),
        "polarization_index": lambda: metrics.polarization_index(X),
        "morales_index (per dimension)": lambda: [
            metrics.morales_index(X, axis=d, scale=3.0, outside="clip") for d in range(dim)],
        "neighbor_correlation": lambda: metrics.neighbor_correlation(X, adjacency),
        "echo_chamber_index": lambda: metrics.echo_chamber_index(X, adjacency, scale=3.0),
        "attention_entropy": lambda: metrics.attention_entropy(attention),
        "attention_entropy (sizes=)": lambda: metrics.attention_entropy(attention, sizes=sizes),
        "max_change": lambda: metrics.max_change(X_prev, X),
    }
    other = {
        "esteban_ray": lambda: metrics.esteban_ray(X),
        "esteban_ray (clusters, tol=1e-3)": lambda: metrics.esteban_ray(
            X, groups="clusters", tol=1e-3),
        "bimodality_coefficient": lambda: metrics.bimodality_coefficient(X),
        "opinion_entropy": lambda: metrics.opinion_entropy(X),
        "mean_pairwise_distance": lambda: metrics.mean_pairwise_distance(X, rng=1),
        "consensus_reached": lambda: metrics.consensus_reached(X, tol=0.1),
        "opinion_assortativity": lambda: metrics.opinion_assortativity(X, adjacency),
        "attention_homophily": lambda: metrics.attention_homophily(attention, labels),
        "n_clusters (1-D, tol=1e-3)": lambda: metrics.n_clusters(X[:, 0], tol=1e-3),
        "echo_chamber_modularity (1-D)": lambda: metrics.echo_chamber_modularity(
            X[:, 0], adjacency, tol=1e-3),
        # two dense camps in 2-D: listing all pairs within tol would be ~N^2 / 4 of them
        "n_clusters (2-D camps, tol=0.05)": lambda: metrics.n_clusters(camps_2d, tol=0.05),
    }
    camps_2d = np.column_stack([np.where(camp == 1, 0.5, -0.5), np.zeros(n)])
    camps_2d += rng.normal(scale=0.005, size=camps_2d.shape)

    rows = [(name, *timings(fn, args.repeat), True) for name, fn in per_step.items()]
    if not args.per_step_only:
        rows += [(name, *timings(fn, max(1, min(args.repeat, 3))), False)
                 for name, fn in other.items()]

    width = max(len(name) for name, *_ in rows) + 2
    print(f"\n{'metric':<{width}}{'best s':>10}{'median s':>10}{'best/matvec':>13}")
    print(f"{'(baseline: A @ y)':<{width}}{baseline:>10.4f}{'':>10}{1.0:>13.1f}")
    for name, best, median, _ in rows:
        print(f"{name:<{width}}{best:>10.4f}{median:>10.4f}{best / baseline:>13.1f}")

    print(f"\nPer-step reporters vs the {TARGET_S} s target (best of {args.repeat}):")
    failed = 0
    for name, best, median, is_step in rows:
        if is_step:
            ok = best < TARGET_S
            failed += not ok
            print(f"{'PASS' if ok else 'FAIL'}  {name}: {best:.4f} s (median {median:.4f} s)")
    for null_n in args.null_n:
        null_timings(int(null_n), args.k, dim, args.null_samples, args.seed)
    return 1 if failed else 0


def null_timings(n, k, dim, n_samples, seed):
    """Seconds per null sample at N = n: (null_model time - one metric call) / n_samples."""
    rng = np.random.default_rng(seed)
    adjacency = random_graph(n, k, rng)
    # Opinions aligned with the graph (each agent near the mean of whom it listens to),
    # so that the null models have something to destroy.
    X = rng.normal(size=(n, dim))
    degree = np.diff(adjacency.indptr)[:, None]
    for _ in range(3):
        X = 0.5 * X + 0.5 * (adjacency @ X) / np.maximum(degree, 1)
    symmetric = sp.csr_array(((adjacency + adjacency.T) > 0).astype(np.float64))
    cases = [
        ("echo_chamber_index", "shuffle", adjacency),
        ("echo_chamber_index", "configuration", adjacency),
        ("echo_chamber_index", "configuration", symmetric),
        ("echo_chamber_index", "rewire", adjacency),
        ("echo_chamber_index", "rewire", symmetric),
        ("echo_chamber_modularity", "shuffle", adjacency),
    ]
    print(f"\nnull_model at N = {n:,} (k = {k}, dim = {dim}), {n_samples} samples each, "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"{'metric':<26}{'kind':<15}{'graph':<11}{'metric s':>10}{'s/sample':>10}"
          f"{f'z ({n_samples})':>9}")
    for name, kind, graph in cases:
        func = metrics.GRAPH_METRICS[name]
        start = time.perf_counter()
        func(X, graph)
        one = time.perf_counter() - start
        start = time.perf_counter()
        res = metrics.null_model(name, X, graph, kind=kind, n_samples=n_samples, rng=seed)
        total = time.perf_counter() - start
        label = "undirected" if graph is symmetric else "directed"
        print(f"{name:<26}{kind:<15}{label:<11}{one:>10.3f}"
              f"{(total - one) / n_samples:>10.3f}{res.z:>9.1f}")


if __name__ == "__main__":
    raise SystemExit(main())
