"""Null models: the p-value and z-score contract, degree preservation, calibration under the null."""

import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator

from opinionsim._errors import OpinionSimError
from opinionsim.metrics import GRAPH_METRICS, NullResult, echo_chamber_index, null_model
from opinionsim.metrics.null import _summarise, random_graph


def csr(G):
    return nx.to_scipy_sparse_array(G, nodelist=list(G), format="csr", dtype=float)


def degrees(A):
    return np.diff(A.indptr), np.bincount(A.indices, minlength=A.shape[0])


def edge_set(A):
    rows = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
    return set(zip(rows.tolist(), A.indices.tolist()))


# ------------------------------------------------------------------ the summary


def test_summary_p_and_z_hand_computation():
    null = np.array([1.0, 2.0, 3.0, 4.0])
    res = _summarise(5.0, null)
    assert isinstance(res, NullResult)
    assert res.null_mean == 2.5 and res.null_sd == pytest.approx(np.std(null, ddof=1))
    assert res.z == pytest.approx(2.5 / np.std(null, ddof=1))
    assert res.p == pytest.approx(2 * 1 / 5)  # none above, +1 correction, two-sided
    assert _summarise(2.0, null).p == 1.0  # 2 below-or-equal (+1) and 3 above (+1): capped
    assert _summarise(1.0, null).p == pytest.approx(2 * 2 / 5)


def test_summary_without_spread():
    flat = np.zeros(10)
    assert _summarise(0.0, flat).z == 0.0 and _summarise(0.0, flat).p == 1.0
    assert _summarise(1.0, flat).z == math.inf and _summarise(-1.0, flat).z == -math.inf
    assert _summarise(1.0, flat).p == pytest.approx(2 / 11)


# ------------------------------------------------------------------ the contract


def test_two_camps_are_far_from_every_null():
    G = nx.disjoint_union(nx.complete_graph(15), nx.complete_graph(15))
    X = np.array([-1.0] * 15 + [1.0] * 15)
    for kind in ("shuffle", "configuration", "rewire"):
        res = null_model("echo_chamber_index", X, G, kind=kind, n_samples=50, rng=3)
        assert res.observed == 1.0
        assert res.z > 5 and res.p == pytest.approx(2 / 51), kind


def test_reproducible_from_rng_and_names_equal_callables():
    G = nx.watts_strogatz_graph(100, 6, 0.2, seed=1)
    X = np.random.default_rng(1).normal(size=(100, 2))
    for kind in ("shuffle", "configuration", "rewire"):
        a = null_model("echo_chamber_index", X, G, kind=kind, n_samples=20, rng=11)
        b = null_model(echo_chamber_index, X, G, kind=kind, n_samples=20,
                       rng=np.random.default_rng(11))
        assert a == b, kind
        c = null_model("echo_chamber_index", X, G, kind=kind, n_samples=20, rng=12)
        assert c.null_mean != a.null_mean


def test_the_callable_receives_the_structure():
    seen = []

    def metric(X, graph):
        seen.append(graph)
        return float(graph.nnz)

    G = nx.cycle_graph(6)
    res = null_model(metric, np.arange(6.0), G, kind="rewire", n_samples=3, rng=0)
    assert all(isinstance(g, sp.csr_array) for g in seen) and res.observed == 12.0
    assert res.null_sd == 0.0 and res.z == 0.0  # the swaps keep the edge count


@pytest.mark.parametrize("name", sorted(GRAPH_METRICS))
def test_p_values_are_calibrated_under_the_null(name):
    """Opinions that ignore the network: P(p <= 0.1) is about 0.1 and z about N(0, 1)."""
    G = nx.watts_strogatz_graph(120, 6, 0.1, seed=2)
    A = csr(G)
    ps, zs = [], []
    for seed in range(150):
        X = np.random.default_rng(seed).uniform(-1, 1, size=(120, 2))
        res = null_model(name, X, A, n_samples=39, rng=seed + 10_000)
        ps.append(res.p)
        zs.append(res.z)
    ps = np.array(ps)
    share = np.mean(ps <= 0.1)
    assert abs(share - 0.1) <= 3 * math.sqrt(0.1 * 0.9 / 150)
    assert abs(np.mean(zs)) < 0.3 and 0.7 < np.std(zs) < 1.3


def test_linear_operator_only_with_shuffle():
    n = 30
    op = LinearOperator((n, n), dtype=float,
                        matvec=lambda v: np.sum(v, axis=0) - v,
                        matmat=lambda V: np.sum(V, axis=0, keepdims=True) - V)
    X = np.random.default_rng(0).normal(size=(n, 2))
    res = null_model("echo_chamber_index", X, op, n_samples=5, rng=0)
    assert res.observed == pytest.approx(0.0, abs=1e-14)
    with pytest.raises(OpinionSimError, match="LinearOperator"):
        null_model("echo_chamber_index", X, op, kind="rewire", rng=0)


@pytest.mark.parametrize("kwargs, match", [
    ({"metric": "variance"}, "registered"),
    ({"metric": 3}, "callable"),
    ({"kind": "erdos"}, "kind"),
    ({"n_samples": 1}, "n_samples"),
    ({"n_samples": 2.5}, "n_samples"),
    ({"swaps_per_edge": 0}, "swaps_per_edge"),
    ({"metric": lambda X, G: float("nan")}, "finite"),
])
def test_errors(kwargs, match):
    args = {"metric": "echo_chamber_index", "X": np.arange(5.0), "graph": nx.path_graph(5),
            "rng": 0} | kwargs
    with pytest.raises(OpinionSimError, match=match):
        null_model(args.pop("metric"), args.pop("X"), args.pop("graph"), **args)


# ------------------------------------------------------------------ random graphs


def null_graph(kind, directed, n, seed):
    """A sparse test graph (directed G(n, m) or a small world) and one null version of it,
    checked for what every null graph must be: 0/1, no self-loops, symmetric if undirected."""
    G = (nx.gnm_random_graph(n, 5 * n, seed=seed, directed=True) if directed
         else nx.watts_strogatz_graph(n, 10, 0.05, seed=seed))
    A = csr(G)
    R = random_graph(A, kind=kind, directed=directed, rng=np.random.default_rng(seed))
    assert R.diagonal().sum() == 0 and R.data.max() == 1.0
    assert directed or (R != R.T).nnz == 0
    return A, R


@pytest.mark.parametrize("directed", [False, True])
def test_rewiring_preserves_every_degree_exactly_and_mixes(directed):
    A, R = null_graph("rewire", directed, 300, 4)
    assert degrees(R)[0].tolist() == degrees(A)[0].tolist()
    assert degrees(R)[1].tolist() == degrees(A)[1].tolist()
    assert R.nnz == A.nnz
    kept = len(edge_set(R) & edge_set(A)) / A.nnz
    assert kept < 0.2  # ten attempted swaps per edge: the lattice is gone


@pytest.mark.parametrize("directed", [False, True])
def test_configuration_model_preserves_degrees_up_to_dropped_edges(directed):
    A, R = null_graph("configuration", directed, 2000, 5)
    for got, want in zip(degrees(R), degrees(A)):
        assert np.all(got <= want)  # only self-loops and repeats are removed...
    assert A.nnz - R.nnz <= 0.01 * A.nnz  # ...and on a sparse graph they are few
    assert len(edge_set(R) & edge_set(A)) < 0.02 * A.nnz


def test_configuration_null_of_echo_chamber_index_is_centred():
    """A random graph with the same degrees carries no alignment: the null mean is about 0."""
    G = nx.watts_strogatz_graph(500, 10, 0.1, seed=6)
    ring = np.arange(500) / 500 * 2 * np.pi
    X = np.column_stack([np.cos(ring), np.sin(ring)])  # aligned with the ring lattice
    for kind in ("configuration", "rewire"):
        res = null_model("echo_chamber_index", X, G, kind=kind, n_samples=30, rng=2)
        assert abs(res.null_mean) < 3 * res.null_sd / math.sqrt(30) + 0.01
        assert res.z > 10
