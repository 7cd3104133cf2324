"""Echo-chamber metrics: constructed cases, hand computations, agreement with networkx."""

import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.linalg import LinearOperator

from opinionsim._errors import OpinionSimError
from opinionsim.metrics import (
    AttentionEntropy,
    attention_entropy,
    echo_chamber_index,
    attention_homophily,
    echo_chamber_modularity,
    neighbor_correlation,
    opinion_assortativity,
    opinion_clusters,
)
from opinionsim.metrics._common import principal_axis


def complete_operator(n):
    """``ones - identity`` as a LinearOperator, never materialised."""
    def matvec(v):
        v = np.ravel(v)
        return v.sum() - v
    return LinearOperator((n, n), matvec=matvec, dtype=np.float64)


def two_cliques(m):
    return nx.disjoint_union(nx.complete_graph(m), nx.complete_graph(m))


def random_digraph(n, p, seed, self_loops=False):
    G = nx.gnp_random_graph(n, p, seed=seed, directed=True)
    if self_loops:
        G.add_edges_from((i, i) for i in range(0, n, 3))
    return G


# ---------------------------------------------------------- neighbor correlation


@pytest.mark.parametrize("n", [3, 10, 50])
def test_neighbor_correlation_complete_graph_is_minus_one(n):
    y = np.random.default_rng(n).normal(size=n)
    G = nx.complete_graph(n)
    assert neighbor_correlation(y, G) == pytest.approx(-1.0, abs=1e-12)
    assert neighbor_correlation(y, nx.to_scipy_sparse_array(G)) == pytest.approx(-1.0, abs=1e-12)
    assert neighbor_correlation(y, complete_operator(n)) == pytest.approx(-1.0, abs=1e-12)


def test_neighbor_correlation_two_cliques_is_plus_one():
    y = np.array([-1.0] * 5 + [1.0] * 5)
    assert neighbor_correlation(y, two_cliques(5)) == 1.0


def test_neighbor_correlation_hand_computation_directed():
    # 0 -> 1, 2 ; 1 -> 0 ; 2 -> 3 ; 3 -> 1, 2 ; 4 listens to nobody (left out).
    A = sp.csr_array(([1.0] * 6, ([0, 0, 1, 2, 3, 3], [1, 2, 0, 3, 1, 2])), shape=(5, 5))
    y = np.array([0.0, 1.0, 3.0, 2.0, 100.0])
    neigh = np.array([2.0, 0.0, 2.0, 2.0])
    expected = np.corrcoef(y[:4], neigh)[0, 1]
    assert neighbor_correlation(y, A) == pytest.approx(expected, rel=1e-12)


def test_neighbor_correlation_reads_structure_not_weights():
    rng = np.random.default_rng(1)
    A = sp.random_array((30, 30), density=0.2, format="csr", rng=rng)
    y = rng.normal(size=30)
    binary = sp.csr_array((np.ones(A.nnz), A.indices, A.indptr), shape=A.shape)
    assert neighbor_correlation(y, A) == pytest.approx(neighbor_correlation(y, binary), rel=1e-12)
    # An explicitly stored zero is not an edge; a duplicate entry counts once.
    with_zero = binary.copy()
    with_zero.data[0] = 0.0
    pruned = with_zero.copy()
    pruned.eliminate_zeros()
    assert neighbor_correlation(y, with_zero) == pytest.approx(neighbor_correlation(y, pruned))
    coo = binary.tocoo()
    dup = sp.coo_array((np.r_[coo.data, 1.0], (np.r_[coo.row, coo.row[0]],
                                               np.r_[coo.col, coo.col[0]])), shape=A.shape)
    assert neighbor_correlation(y, dup) == pytest.approx(neighbor_correlation(y, binary))


def test_neighbor_correlation_accepts_sparse_matrix_and_dense():
    G = nx.path_graph(6)
    y = np.arange(6.0) ** 2
    ref = neighbor_correlation(y, G)
    assert neighbor_correlation(y, sp.csr_matrix(nx.to_numpy_array(G))) == pytest.approx(ref)
    assert neighbor_correlation(y, nx.to_numpy_array(G)) == pytest.approx(ref)


def test_neighbor_correlation_degenerate_cases_are_zero():
    G = nx.complete_graph(5)
    assert neighbor_correlation(np.full(5, 0.3), G) == 0.0  # constant opinions
    # self-loops on a complete graph: every neighbourhood mean is the global mean
    G_loops = nx.complete_graph(5)
    G_loops.add_edges_from((i, i) for i in range(5))
    assert neighbor_correlation(np.arange(5.0), G_loops) == 0.0
    # only one agent listens to anyone
    A = sp.csr_array(([1.0], ([0], [1])), shape=(3, 3))
    assert neighbor_correlation([0.0, 1.0, 2.0], A) == 0.0
    assert neighbor_correlation([0.0, 1.0, 2.0], sp.csr_array((3, 3))) == 0.0
    assert neighbor_correlation([1.0], nx.empty_graph(1)) == 0.0


def test_neighbor_correlation_pc1_and_axis():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(40, 3)) * [3.0, 1.0, 0.2]
    G = nx.gnp_random_graph(40, 0.2, seed=2)
    proj = X @ principal_axis(X)
    assert neighbor_correlation(X, G) == pytest.approx(neighbor_correlation(proj, G))
    assert neighbor_correlation(X, G, axis=2) == pytest.approx(neighbor_correlation(X[:, 2], G))
    assert neighbor_correlation(X, G, axis=-1) == neighbor_correlation(X, G, axis=2)


@pytest.mark.parametrize("axis", ["pc2", 3, -4, 1.0, True, None])
def test_unknown_axis(axis):
    with pytest.raises(OpinionSimError, match="axis.*pc1"):
        neighbor_correlation(np.zeros((4, 3)), nx.complete_graph(4), axis=axis)


def test_adjacency_size_and_type_errors():
    y = np.arange(4.0)
    with pytest.raises(OpinionSimError, match="adjacency"):
        neighbor_correlation(y, nx.complete_graph(5))
    with pytest.raises(OpinionSimError, match="adjacency"):
        neighbor_correlation(y, sp.csr_array((4, 5)))
    with pytest.raises(OpinionSimError, match="adjacency"):
        neighbor_correlation(y, complete_operator(3))
    with pytest.raises(OpinionSimError, match="adjacency"):
        neighbor_correlation(y, [[0, 1], [1, 0]])
    bad = sp.csr_array(np.ones((4, 4)))
    bad.data[2] = np.nan
    with pytest.raises(OpinionSimError, match="adjacency"):
        neighbor_correlation(y, bad)


# ------------------------------------------------------------------ assortativity


def nx_assortativity(G, values):
    H = G.copy()
    nx.set_node_attributes(H, dict(zip(H.nodes, values)), "x")
    return nx.numeric_assortativity_coefficient(H, "x")


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("directed", [False, True])
def test_assortativity_matches_networkx(seed, directed):
    rng = np.random.default_rng(seed)
    G = nx.gnp_random_graph(30, 0.15, seed=seed, directed=directed)
    G.add_edges_from((i, i) for i in range(0, 30, 7))  # self-loops too
    values = rng.integers(-3, 4, size=30).astype(float)
    expected = nx_assortativity(G, values)
    assert opinion_assortativity(values, G) == pytest.approx(expected, abs=1e-12)
    A = nx.to_scipy_sparse_array(G, nodelist=list(G))
    assert opinion_assortativity(values, A) == pytest.approx(expected, abs=1e-12)


def test_assortativity_float_values_and_relabelled_nodes():
    G = nx.relabel_nodes(nx.karate_club_graph(), lambda v: f"n{(v * 7) % 34}")
    values = np.random.default_rng(5).normal(size=34)
    assert opinion_assortativity(values, G) == pytest.approx(nx_assortativity(G, values))


def test_assortativity_constructed_cases():
    assert opinion_assortativity([0.0, 1.0, 2.0, 3.0], nx.path_graph(4)) == pytest.approx(5 / 11)
    assert opinion_assortativity([0.0, 1.0, 0.0, 1.0], nx.cycle_graph(4)) == -1.0
    assert opinion_assortativity([-1.0] * 3 + [1.0] * 3, two_cliques(3)) == 1.0


def test_assortativity_degenerate_is_zero():
    assert opinion_assortativity([1.0, 2.0, 3.0], nx.empty_graph(3)) == 0.0
    assert opinion_assortativity(np.full(4, 2.0), nx.cycle_graph(4)) == 0.0


def test_assortativity_rejects_operator_and_mismatch():
    with pytest.raises(OpinionSimError, match="graph"):
        opinion_assortativity(np.arange(3.0), complete_operator(3))
    with pytest.raises(OpinionSimError, match="graph"):
        opinion_assortativity(np.arange(3.0), nx.path_graph(4))


# --------------------------------------------------------------------- modularity


@pytest.mark.parametrize("m", [2, 3, 6])
def test_modularity_two_equal_cliques_is_half(m):
    y = [-1.0] * m + [1.0] * m
    assert echo_chamber_modularity(y, two_cliques(m), tol=0.5) == pytest.approx(0.5, abs=1e-15)
    A = nx.to_scipy_sparse_array(two_cliques(m))
    assert echo_chamber_modularity(y, A, tol=0.5) == pytest.approx(0.5, abs=1e-15)


def nx_modularity(G, labels):
    nodes = list(G)
    communities = [{nodes[i] for i in np.flatnonzero(labels == c)} for c in np.unique(labels)]
    return nx.community.modularity(G, communities)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("directed", [False, True])
def test_modularity_matches_networkx(seed, directed):
    rng = np.random.default_rng(seed)
    G = nx.gnp_random_graph(40, 0.1, seed=seed, directed=directed)
    G.add_edges_from((i, i) for i in range(0, 40, 5))
    X = rng.uniform(size=(40, 2))
    labels = opinion_clusters(X, tol=0.1)
    assert len(np.unique(labels)) > 1
    ours = echo_chamber_modularity(X, G, tol=0.1)
    assert ours == pytest.approx(nx_modularity(G, labels), abs=1e-12)


def test_modularity_sparse_is_directed_and_symmetric_equals_undirected():
    G = nx.gnp_random_graph(30, 0.2, seed=9)
    y = np.random.default_rng(9).uniform(size=30)
    labels = opinion_clusters(y, tol=0.05)
    A = nx.to_scipy_sparse_array(G)
    assert echo_chamber_modularity(y, A, tol=0.05) == pytest.approx(nx_modularity(G, labels))
    D = nx.gnp_random_graph(30, 0.2, seed=10, directed=True)
    A = nx.to_scipy_sparse_array(D)
    assert echo_chamber_modularity(y, A, tol=0.05) == pytest.approx(nx_modularity(D, labels))


def test_modularity_degenerate():
    assert echo_chamber_modularity([0.0, 1.0], nx.empty_graph(2), tol=0.5) == 0.0
    # one cluster holding everyone: Q = 1 - 1 = 0
    assert echo_chamber_modularity(np.zeros(5), nx.cycle_graph(5), tol=0.5) == pytest.approx(0.0)


def test_modularity_errors():
    with pytest.raises(OpinionSimError, match="tol"):
        echo_chamber_modularity([0.0, 1.0], nx.path_graph(2), tol=0.0)
    with pytest.raises(OpinionSimError, match="graph"):
        echo_chamber_modularity([0.0, 1.0], nx.path_graph(3), tol=0.5)
    with pytest.raises(OpinionSimError, match="graph"):
        echo_chamber_modularity([0.0, 1.0], complete_operator(2), tol=0.5)


# ------------------------------------------------------------ attention homophily


def test_homophily_hand_computation():
    A = sp.csr_array(np.array([[0, 0.75, 0.25], [0.5, 0, 0.5], [0, 0, 0]]))
    mean, h = attention_homophily(A, [0, 0, 1], per_agent=True)
    # listener 0 keeps 0.75 in group 0, listener 1 keeps 0.5; agent 2 listens to nobody.
    assert mean == pytest.approx(0.625)
    np.testing.assert_allclose(h, [0.75, 0.5, 0.0])
    assert isinstance(attention_homophily(A, [0, 0, 1]), float)


def test_homophily_extremes_and_unnormalised_rows():
    A = nx.to_scipy_sparse_array(two_cliques(4))
    assert attention_homophily(A, [0] * 4 + [1] * 4) == 1.0
    assert attention_homophily(A, [0, 1] * 4) == pytest.approx(1 / 3)  # 1 of 3 neighbours
    W = sp.csr_array(A * 7.0)
    assert attention_homophily(W, [0, 1] * 4) == pytest.approx(1 / 3)


def test_homophily_with_opinion_clusters_and_no_listeners():
    y = np.array([0.0, 0.1, 1.0, 1.1])
    A = sp.csr_array(np.array([[0, 1, 0, 0], [0.5, 0, 0.5, 0], [0, 0, 0, 1], [0, 0, 0, 0.0]]))
    assert attention_homophily(A, opinion_clusters(y, tol=0.2)) == pytest.approx(2.5 / 3)
    assert attention_homophily(sp.csr_array((3, 3)), [0, 1, 2]) == 0.0


@pytest.mark.parametrize("labels", [[0, 1], [0.0, 1.0, 1.0], [[0, 1, 2]], ["a", "b", "c"]])
def test_homophily_bad_labels(labels):
    with pytest.raises(OpinionSimError, match="labels"):
        attention_homophily(sp.eye_array(3, format="csr"), labels)


# --------------------------------------------------------------- attention entropy


def csr_rows(rows, n_cols):
    """A CSR array whose row i stores exactly the (column, weight) pairs of rows[i], zeros kept."""
    indptr = np.cumsum([0] + [len(r) for r in rows])
    cols = [c for r in rows for c, _ in r]
    data = [w for r in rows for _, w in r]
    return sp.csr_array((np.array(data, dtype=float), np.array(cols, dtype=np.int64), indptr),
                        shape=(len(rows), n_cols))


def test_attention_entropy_normalises_by_the_whole_neighbourhood():
    # Row 0: (1, 0, 0) over three neighbours -> 0 (one voice), not "uniform over one".
    # Row 1: uniform over three -> 1. Row 2: (0.5, 0.5, 0) over three -> ln 2 / ln 3.
    # Row 3: one neighbour -> no choice: not counted. Row 4: nobody -> not counted.
    A = csr_rows([[(1, 1.0), (2, 0.0), (3, 0.0)],
                  [(0, 1 / 3), (2, 1 / 3), (3, 1 / 3)],
                  [(0, 0.5), (1, 0.5), (4, 0.0)],
                  [(0, 1.0)],
                  []], 5)
    res = attention_entropy(A)
    assert isinstance(res, AttentionEntropy)
    np.testing.assert_allclose(res.per_agent, [0.0, 1.0, math.log(2) / math.log(3), 0.0, 0.0],
                               atol=1e-15)
    np.testing.assert_array_equal(res.counted, [True, True, True, False, False])
    assert res.mean == pytest.approx((0.0 + 1.0 + math.log(2) / math.log(3)) / 3, abs=1e-15)
    raw = attention_entropy(A, normalized=False)
    np.testing.assert_allclose(raw.per_agent, [0.0, math.log(3), math.log(2), 0.0, 0.0],
                               atol=1e-15)


def test_attention_entropy_hand_computation():
    h = -(0.9 * math.log(0.9) + 0.1 * math.log(0.1))
    A = csr_rows([[(1, 0.9), (2, 0.1)], [(0, 0.9), (1, 0.0), (2, 0.1)]], 3)
    np.testing.assert_allclose(attention_entropy(A).per_agent,
                               [h / math.log(2), h / math.log(3)], atol=1e-15)


def test_attention_entropy_sizes_replace_dropped_zeros():
    full = csr_rows([[(0, 0.0), (1, 0.8), (2, 0.2), (3, 0.0)], [(0, 0.5), (3, 0.5)]], 4)
    pruned = full.copy()
    pruned.eliminate_zeros()
    with_sizes = attention_entropy(pruned, sizes=[4, 2])
    np.testing.assert_allclose(with_sizes.per_agent, attention_entropy(full).per_agent)
    # Without sizes the pruned row looks like a choice between 2, and reads higher.
    assert attention_entropy(pruned).per_agent[0] > with_sizes.per_agent[0]
    # sizes may also declare a row to have no choice
    assert not attention_entropy(full, sizes=[1, 2]).counted[0]


@pytest.mark.parametrize("sizes", [[1], [4.0, 2.0], [[4, 2]], [4, -1]])
def test_attention_entropy_bad_sizes(sizes):
    A = csr_rows([[(0, 1.0)], [(1, 1.0)]], 2)
    with pytest.raises(OpinionSimError, match="sizes"):
        attention_entropy(A, sizes=sizes)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 30), p=st.floats(0.05, 0.9))
def test_uniform_attention_reads_exactly_one_on_any_graph(seed, n, p):
    """T = inf: every agent with a choice splits evenly, so the mean is 1 whatever the degrees."""
    G = nx.gnp_random_graph(n, p, seed=seed % 2**31, directed=True)
    A = nx.to_scipy_sparse_array(G, format="csr", dtype=float)
    degree = np.diff(A.indptr)
    A.data /= np.repeat(np.maximum(degree, 1), degree)
    res = attention_entropy(A)
    np.testing.assert_array_equal(res.counted, degree >= 2)
    assert res.mean == (pytest.approx(1.0, abs=1e-12) if (degree >= 2).any() else 0.0)


def test_attention_entropy_matches_row_loop_and_normalises_rows():
    rng = np.random.default_rng(3)
    A = sp.random_array((60, 60), density=0.1, format="csr", rng=rng)
    A.data[rng.random(A.nnz) < 0.3] = 0.0  # stored zeros: neighbours given nothing
    per, counted = [], []
    for i in range(60):
        w = A.data[A.indptr[i]:A.indptr[i + 1]]
        k = w.size
        if k <= 1 or w.sum() == 0:
            per.append(0.0)
            counted.append(False)
            continue
        p = w[w > 0] / w.sum()
        per.append(-np.sum(p * np.log(p)) / math.log(k))
        counted.append(True)
    res = attention_entropy(A)  # rows do not sum to 1: read as proportions
    np.testing.assert_allclose(res.per_agent, per, atol=1e-12)
    np.testing.assert_array_equal(res.counted, counted)
    assert res.mean == pytest.approx(np.mean(np.asarray(per)[counted]))


def test_attention_entropy_no_listeners():
    res = attention_entropy(sp.csr_array((4, 4)))
    assert res.mean == 0.0 and np.all(res.per_agent == 0.0)


@pytest.mark.parametrize("value", [-0.1, np.nan, np.inf])
def test_attention_bad_weights(value):
    A = sp.csr_array(np.array([[0.5, 0.5], [1.0, 0.0]]))
    A.data[0] = value
    with pytest.raises(OpinionSimError, match="A"):
        attention_entropy(A)
    with pytest.raises(OpinionSimError, match="A"):
        attention_homophily(A, [0, 1])


def test_attention_bad_type_and_shape():
    with pytest.raises(OpinionSimError, match="A"):
        attention_entropy([[1.0]])
    with pytest.raises(OpinionSimError, match="A"):
        attention_entropy(sp.csr_array((0, 3)))


def test_attention_entropy_accepts_cross_attention_rows():
    # two listeners, three speakers (e.g. outlets): uniform row -> 1, one-hot row -> 0
    A = csr_rows([[(0, 1 / 3), (1, 1 / 3), (2, 1 / 3)], [(0, 0.0), (1, 1.0), (2, 0.0)]], 3)
    result = attention_entropy(A)
    np.testing.assert_allclose(result.per_agent, [1.0, 0.0], atol=1e-15)
    assert result.counted.all() and result.mean == pytest.approx(0.5)


# ------------------------------------------------------------ echo-chamber index


def brute_echo_chamber_index(X, A, scale=1.0):
    """The definition, agent by agent (self-loops ignored)."""
    X = np.asarray(X, dtype=float).reshape(len(X), -1)
    n, dim = X.shape
    A = sp.csr_array(A).toarray() != 0
    np.fill_diagonal(A, False)
    V = np.sum(X.var(axis=0))
    d, c = [], []
    for i in range(n):
        nb = np.flatnonzero(A[i])
        if nb.size:
            d.append(np.sum((X[i] - X[nb].mean(axis=0)) ** 2))
            c.append(n / (n - 1) * (1 + 1 / nb.size))
    return (V - sum(d) / sum(c)) / (dim * scale**2)


def test_echo_chamber_index_hand_computation():
    # Path 0-1-2 with opinions 0, 1, 3: V = 14/9; d = (1, 1/4, 4) over c = (3, 9/4, 3).
    assert echo_chamber_index([0.0, 1.0, 3.0], nx.path_graph(3)) == pytest.approx(91 / 99,
                                                                                  rel=1e-14)
    assert echo_chamber_index([0.0, 1.0, 3.0], nx.path_graph(3), scale=2.0) == pytest.approx(
        91 / 396, rel=1e-14)


@pytest.mark.parametrize("seed", range(4))
def test_echo_chamber_index_matches_the_definition(seed):
    rng = np.random.default_rng(seed)
    G = random_digraph(25, 0.15, seed, self_loops=True)
    X = rng.normal(size=(25, 3))
    assert echo_chamber_index(X, G) == pytest.approx(brute_echo_chamber_index(
        X, nx.to_scipy_sparse_array(G)), rel=1e-12, abs=1e-15)


def test_echo_chamber_index_two_camps_and_complete_graph():
    for m in (2, 5, 50):
        assert echo_chamber_index([-1.0] * m + [1.0] * m, two_cliques(m)) == 1.0
        # corners of the square: V = 2 = dim * scale^2
        X = np.array([[-1.0, -1.0]] * m + [[1.0, 1.0]] * m)
        assert echo_chamber_index(X, two_cliques(m)) == pytest.approx(1.0, abs=1e-15)
    rng = np.random.default_rng(5)
    for n in (3, 10, 40):
        X = rng.normal(size=(n, 2))
        assert echo_chamber_index(X, nx.complete_graph(n)) == pytest.approx(0.0, abs=1e-14)
        assert echo_chamber_index(X, complete_operator(n)) == pytest.approx(0.0, abs=1e-14)


def test_echo_chamber_index_is_exactly_zero_on_average_over_all_permutations():
    """The shuffled null, enumerated: E_pi[E] = 0 exactly, for any graph and opinions."""
    import itertools

    rng = np.random.default_rng(7)
    G = random_digraph(6, 0.4, 7, self_loops=True)
    G.add_edge(0, 1)
    A = nx.to_scipy_sparse_array(G)
    X = rng.normal(size=(6, 2))
    values = [echo_chamber_index(X[list(p)], A) for p in itertools.permutations(range(6))]
    assert np.mean(values) == pytest.approx(0.0, abs=1e-14)
    assert np.std(values) > 0.01


def test_echo_chamber_index_scale_and_units():
    rng = np.random.default_rng(2)
    G = nx.watts_strogatz_graph(60, 6, 0.1, seed=2)
    X = rng.normal(size=(60, 2))
    e = echo_chamber_index(X, G)
    assert echo_chamber_index(3.0 * X, G) == pytest.approx(9.0 * e, rel=1e-12)
    assert echo_chamber_index(3.0 * X, G, scale=3.0) == pytest.approx(e, rel=1e-12)
    assert echo_chamber_index(X + 1e6, G) == pytest.approx(e, rel=1e-8)


def test_echo_chamber_index_ignores_self_loops_and_isolated_agents():
    G = two_cliques(3)
    G.add_node(6)  # listens to nobody
    X = [-1.0] * 3 + [1.0] * 3 + [0.0]
    A = nx.to_scipy_sparse_array(G)
    loops = sp.csr_array(A + sp.eye_array(7))
    assert echo_chamber_index(X, loops) == echo_chamber_index(X, A)
    assert echo_chamber_index(X, A) == pytest.approx(brute_echo_chamber_index(X, A))
    assert echo_chamber_index([1.0, 2.0], sp.csr_array((2, 2))) == 0.0


@pytest.mark.parametrize("scale", [0.0, -1.0, np.inf, np.nan, "1"])
def test_echo_chamber_index_bad_scale(scale):
    with pytest.raises(OpinionSimError, match="scale"):
        echo_chamber_index([0.0, 1.0], nx.path_graph(2), scale=scale)


def smooth_mode(G, seed):
    """A slow eigenvector of the graph Laplacian plus a little noise: what averaging leaves."""
    L = nx.laplacian_matrix(G).toarray().astype(float)
    _, vecs = np.linalg.eigh(L)
    rng = np.random.default_rng(seed)
    v = vecs[:, 1:4] @ rng.normal(size=3)
    return v / np.abs(v).max() + 0.01 * rng.normal(size=len(v))


SCALE_AWARE = {
    "echo_chamber_index": lambda X, G: echo_chamber_index(X, G),
    "echo_chamber_modularity": lambda X, G: echo_chamber_modularity(X, G, tol=0.05),
}


@pytest.mark.parametrize("name", list(SCALE_AWARE))
def test_scale_aware_metrics_read_zero_at_consensus(name):
    """Over 20 seeds, a consensus of spread 1e-8 (whatever its pattern) reads below 0.05."""
    G = nx.watts_strogatz_graph(300, 10, 0.1, seed=3)
    values = []
    for seed in range(20):
        X = 0.3 + 1e-8 * np.column_stack([smooth_mode(G, seed), smooth_mode(G, seed + 100)])
        values.append(SCALE_AWARE[name](X, G))
        # ...while the scale-free correlation reads the leftover pattern
        assert neighbor_correlation(X, G) > 0.8
    assert max(abs(v) for v in values) < 0.05


@pytest.mark.parametrize("name", list(SCALE_AWARE))
def test_scale_aware_metrics_read_zero_on_shuffled_opinions(name):
    """Opinions aligned with the network, then shuffled: each shuffle reads within 3 null
    standard deviations of 0 (at least 19 of 20 seeds), and the mean over seeds is 0."""
    G = nx.watts_strogatz_graph(300, 10, 0.1, seed=4)
    X = np.column_stack([smooth_mode(G, 0), smooth_mode(G, 1)]) * 0.9
    fn = SCALE_AWARE[name]
    assert fn(X, G) > 0.05  # aligned: a real echo chamber before the shuffle
    null = np.array([fn(X[np.random.default_rng(1000 + s).permutation(300)], G)
                     for s in range(200)])
    sd = null.std(ddof=1)
    values = np.array([fn(X[np.random.default_rng(s).permutation(300)], G) for s in range(20)])
    assert np.count_nonzero(np.abs(values) <= 3 * sd) >= 19
    assert abs(values.mean()) <= 3 * sd / np.sqrt(20) + 1.0 / 300


def test_modularity_with_given_labels_is_the_same_and_checked():
    from opinionsim import OpinionSimError
    from opinionsim.metrics import opinion_clusters

    rng = np.random.default_rng(4)
    X = np.concatenate([rng.normal(-1, 0.05, 40), rng.normal(1, 0.05, 40)])
    G = nx.watts_strogatz_graph(80, 6, 0.1, seed=2)
    labels = opinion_clusters(X, tol=0.2)
    assert echo_chamber_modularity(X, G, tol=0.2, labels=labels) == \
        echo_chamber_modularity(X, G, tol=0.2)
    with pytest.raises(OpinionSimError, match="labels"):
        echo_chamber_modularity(X, G, tol=0.2, labels=labels[:-1])
    with pytest.raises(OpinionSimError, match="labels"):
        echo_chamber_modularity(X, G, tol=0.2, labels=labels.astype(float))
