"""Echo-chamber metrics: constructed cases, hand computations, agreement with networkx."""

import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator

from opinionsim._errors import OpinionSimError
from opinionsim.metrics import (
    AttentionEntropy,
    attention_entropy,
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


def test_attention_entropy_hand_computation():
    A = sp.csr_array(np.array([[0, 0.5, 0.5], [1.0, 0, 0], [0.9, 0.1, 0]]))
    res = attention_entropy(A)
    assert isinstance(res, AttentionEntropy)
    h = -(0.9 * math.log(0.9) + 0.1 * math.log(0.1))
    np.testing.assert_allclose(res.per_agent, [1.0, 0.0, h / math.log(2)], atol=1e-15)
    assert res.mean == pytest.approx((1.0 + h / math.log(2)) / 3)
    raw = attention_entropy(A, normalized=False)
    np.testing.assert_allclose(raw.per_agent, [math.log(2), 0.0, h], atol=1e-15)


def test_attention_entropy_uniform_is_one():
    A = nx.to_scipy_sparse_array(nx.complete_graph(6))
    A = sp.csr_array(A / 5.0)
    res = attention_entropy(A)
    np.testing.assert_allclose(res.per_agent, 1.0)
    assert res.mean == pytest.approx(1.0)
    np.testing.assert_allclose(attention_entropy(A, normalized=False).per_agent, math.log(5))


def test_attention_entropy_stored_zero_is_in_the_neighbourhood():
    A = sp.csr_array((np.array([0.5, 0.5, 0.0]), np.array([0, 1, 2]), np.array([0, 3])),
                     shape=(1, 3))
    A = sp.csr_array((A.data, A.indices, np.array([0, 3, 3, 3])), shape=(3, 3))
    res = attention_entropy(A)
    np.testing.assert_allclose(res.per_agent, [math.log(2) / math.log(3), 0.0, 0.0])
    assert res.mean == pytest.approx(math.log(2) / math.log(3))  # rows 1, 2 listen to nobody


def test_attention_entropy_matches_row_loop_and_normalises_rows():
    rng = np.random.default_rng(3)
    A = sp.random_array((60, 60), density=0.1, format="csr", rng=rng)
    per = []
    for i in range(60):
        row = A[[i], :].toarray().ravel()
        k = np.count_nonzero(row)
        if k <= 1:
            per.append(0.0)
            continue
        p = row[row > 0] / row.sum()
        per.append(-np.sum(p * np.log(p)) / math.log(k))
    res = attention_entropy(A)  # rows do not sum to 1: read as proportions
    np.testing.assert_allclose(res.per_agent, per, atol=1e-12)
    listeners = np.diff(A.indptr) > 0
    assert res.mean == pytest.approx(np.mean(np.asarray(per)[listeners]))


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
    A = sp.csr_array(np.array([[1 / 3, 1 / 3, 1 / 3], [0.0, 1.0, 0.0]]))
    A.eliminate_zeros()
    result = attention_entropy(A)
    np.testing.assert_allclose(result.per_agent, [1.0, 0.0], atol=1e-15)
