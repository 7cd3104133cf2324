"""The pure engine: exact weights on hand-computed cases, stability, cross-attention."""

import math

import numpy as np
import pytest
import scipy.sparse as sp

from opinionsim.engine import (
    CompleteGraph,
    attend,
    attention_weights,
    edge_scores,
    make_keys,
    segment_softmax,
    update_opinions,
)

INF = float("inf")


def full(n):
    return sp.csr_array(np.ones((n, n)))


def test_softmax_weights_match_hand_computation_for_each_affinity():
    X = np.array([[1.0], [0.0], [-1.0]])
    e = np.exp([1.0, 0.0, -1.0])
    A = attention_weights(X, X, full(3), temperature=1.0, affinity="dot").toarray()
    np.testing.assert_allclose(A[0], e / e.sum(), rtol=1e-14)
    # distance: row 0 scores are -(0, 1, 4)
    e = np.exp([0.0, -1.0, -4.0])
    A = attention_weights(X, X, full(3), temperature=1.0, affinity="distance").toarray()
    np.testing.assert_allclose(A[0], e / e.sum(), rtol=1e-14)
    # cosine: row 0 scores (1, 0 for the zero vector, -1), temperature 0.5
    e = np.exp(np.array([1.0, 0.0, -1.0]) / 0.5)
    A = attention_weights(X, X, full(3), temperature=0.5, affinity="cosine").toarray()
    np.testing.assert_allclose(A[0], e / e.sum(), rtol=1e-14)


def test_dot_affinity_is_scaled_by_sqrt_dim():
    Q = np.array([[1.0, 1.0, 1.0, 1.0]])
    K = np.array([[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]])
    s = edge_scores(Q, K, np.array([0, 2]), np.array([0, 1]), affinity="dot")
    np.testing.assert_array_equal(s, [4.0 / 2.0, 0.0])


def test_zero_temperature_limit_is_one_hot_and_ties_split():
    X = np.array([[0.0], [0.5], [-0.5], [3.0]])
    A = attention_weights(X, X, full(4), temperature=1e-12, affinity="distance").toarray()
    np.testing.assert_array_equal(A, np.eye(4))
    # agent 0 without itself sees two neighbours at the same distance: an even split
    adj = sp.csr_array(np.array([[0, 1, 1, 1]] + [[1, 1, 1, 1]] * 3, dtype=float))
    A = attention_weights(X, X, adj, temperature=1e-12, affinity="distance").toarray()
    np.testing.assert_array_equal(A[0], [0.0, 0.5, 0.5, 0.0])


def test_infinite_temperature_is_uniform_over_the_neighbourhood():
    X = np.random.default_rng(0).normal(size=(5, 2))
    adj = sp.csr_array(np.triu(np.ones((5, 5))))
    A = attention_weights(X, X, adj, temperature=INF, affinity="dot").toarray()
    expected = np.triu(np.ones((5, 5))) / np.arange(5, 0, -1)[:, None]
    np.testing.assert_array_equal(A, expected)


@pytest.mark.parametrize("affinity", ["dot", "cosine", "distance"])
@pytest.mark.parametrize("temperature", [1e-12, 1.0, 1e6, INF])
def test_huge_opinions_never_overflow(affinity, temperature):
    X = np.array([[1e100, -3e99], [-1e100, 2e99], [5e99, 5e99]])
    A = attention_weights(X, X, full(3), temperature=temperature, affinity=affinity)
    assert np.all(np.isfinite(A.data))
    np.testing.assert_allclose(A.sum(axis=1), 1.0, rtol=1e-12)
    mean, silent = attend(X, X, X, full(3), temperature=temperature, affinity=affinity)
    assert np.all(np.isfinite(mean)) and not silent.any()


def test_empty_rows_are_silent():
    X = np.array([[1.0], [2.0], [3.0]])
    adj = sp.csr_array(np.array([[0, 1, 0], [0, 0, 0], [1, 1, 0]], dtype=float))
    mean, silent = attend(X, X, X, adj, temperature=1.0, affinity="distance")
    np.testing.assert_array_equal(silent, [False, True, False])
    assert mean[0, 0] == 2.0


def test_bounded_confidence_is_inclusive_uniform_within_radius():
    X = np.array([[0.0], [0.3], [0.6], [1.0]])
    A = attention_weights(X, X, full(4), rule="bounded_confidence", confidence=0.3).toarray()
    np.testing.assert_allclose(A[0], [0.5, 0.5, 0, 0])
    np.testing.assert_allclose(A[1], [1 / 3, 1 / 3, 1 / 3, 0])
    np.testing.assert_allclose(A[3], [0, 0, 0, 1.0])


def test_cross_attention_population_to_outlets():
    agents = np.array([[1.0, 0.0], [0.0, 1.0], [0.7, 0.7]])
    outlets = np.array([[1.0, 0.0], [0.0, 1.0]])
    everyone_reads_both = sp.csr_array(np.ones((3, 2)))
    mean, _ = attend(agents, outlets, outlets, everyone_reads_both, temperature=1e-12,
                     affinity="cosine")
    np.testing.assert_array_equal(mean[:2], outlets)
    np.testing.assert_allclose(mean[2], [0.5, 0.5])


@pytest.mark.parametrize("affinity", ["dot", "cosine", "distance"])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("temperature", [1e-12, 0.3, INF])
def test_dense_complete_path_matches_sparse(affinity, include_self, temperature):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 3))  # more rows than one dense block
    graph = CompleteGraph(300, include_self)
    dense, s1 = attend(X, X, X, graph, temperature=temperature, affinity=affinity)
    sparse, s2 = attend(X, X, X, graph.to_csr(), temperature=temperature, affinity=affinity)
    np.testing.assert_allclose(dense, sparse, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(s1, s2)


def test_keys_salience_and_clipping():
    X = np.array([[3.0, 4.0], [0.3, 0.4]])
    K = make_keys(X, salience=np.array([10.0, 1.0]), key_norm_clip=5.0)
    np.testing.assert_allclose(np.linalg.norm(K, axis=1), [5.0, 0.5])
    np.testing.assert_allclose(K[0] / 5.0, X[0] / 5.0)


def test_segment_softmax_handles_empty_rows_anywhere():
    w = segment_softmax(np.array([2.0, 1.0]), np.array([0, 0, 2, 2]), temperature=1.0)
    np.testing.assert_allclose(w, np.exp([0.0, -1.0]) / (1 + math.exp(-1)))


def test_update_opinions_formula():
    X = np.array([[1.0], [2.0]])
    X0 = np.array([[0.0], [10.0]])
    social = np.array([[3.0], [0.0]])
    new = update_opinions(X, social, X0, step_size=0.25, stubbornness=np.array([0.5, 0.0]),
                          noise_term=np.array([[0.1], [0.0]]), fixed=np.array([False, True]))
    # s x0 + (1 - s) [(1 - a) x + a social] + noise
    assert new[0, 0] == pytest.approx(0.5 * 0.0 + 0.5 * (0.75 * 1.0 + 0.25 * 3.0) + 0.1)
    assert new[1, 0] == 2.0
