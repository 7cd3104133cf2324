"""The model-level reporters that wrap the metrics: what they pass and what they read."""

import math

import networkx as nx
import numpy as np
import pytest

from opinionsim import OpinionModel, metrics, reporters
from opinionsim.engine import attention_weights, make_keys


GRAPH = nx.watts_strogatz_graph(300, 10, 0.1, seed=1)
DEGREES = np.array([d for _, d in GRAPH.degree()])  # 8 to 13 neighbours each


def low_t_model(seed=7, steps=60, **kw):
    g = GRAPH
    m = OpinionModel(graph=g, dim=2, temperature=0.001, affinity="distance", include_self=False,
                     seed=seed, reporters=[], **kw)
    m.run(steps)
    return m


def entropy_by_rows(dense, sizes):
    """Normalised entropy of each dense attention row over its neighbourhood size."""
    out = []
    for row, k in zip(dense, sizes):
        s = row.sum()
        if k < 2 or s == 0:
            continue
        p = row[row > 0] / s
        out.append(-np.sum(p * np.log(p)) / math.log(k))
    return float(np.mean(out))


def test_attention_entropy_reporter_counts_underflowed_weights():
    m = low_t_model()
    A = m.attention()
    assert np.count_nonzero(A.data == 0) > 0.2 * A.nnz  # most weights underflow at T = 0.001
    value = reporters.attention_entropy(m)
    assert value == pytest.approx(entropy_by_rows(A.toarray(), DEGREES), rel=1e-12)
    pruned = A.copy()
    pruned.eliminate_zeros()
    assert value < metrics.attention_entropy(pruned).mean - 0.05  # the old, biased reading


def test_attention_entropy_reporter_with_heads_uses_the_network_degrees():
    """Averaging heads adds sparse matrices, which drops stored zeros; the reporter does not care."""
    m = low_t_model(heads=[[0], [1]], steps=30)
    X = m.opinions
    dense = np.zeros((300, 300))
    for dims in ([0], [1]):
        K = make_keys(X[:, dims])
        dense += attention_weights(X[:, dims], K, m.network.adjacency, temperature=0.001,
                                   affinity="distance").toarray() / 2
    assert m.attention().nnz < DEGREES.sum()  # zeros were dropped on the way
    assert reporters.attention_entropy(m) == pytest.approx(
        entropy_by_rows(dense, DEGREES), rel=1e-10)


def test_attention_entropy_reporter_uniform_and_complete_graph():
    g = nx.watts_strogatz_graph(200, 6, 0.3, seed=2)
    m = OpinionModel(graph=g, temperature=float("inf"), seed=1, reporters=[])
    assert reporters.attention_entropy(m) == pytest.approx(1.0, abs=1e-12)
    implicit = OpinionModel(n_agents=40, dim=2, temperature=0.01, affinity="distance", seed=3,
                            include_self=False, reporters=[])
    explicit = OpinionModel(graph=nx.complete_graph(40), dim=2, temperature=0.01,
                            affinity="distance", seed=3, include_self=False, reporters=[])
    np.testing.assert_array_equal(implicit.opinions, explicit.opinions)
    assert reporters.attention_entropy(implicit) == pytest.approx(
        reporters.attention_entropy(explicit), rel=1e-10)


def test_polarisation_reporters_use_the_published_forms():
    m = low_t_model(steps=20)
    X = m.opinions
    assert reporters.morales_index(m) == pytest.approx(
        np.mean([metrics.morales_index(X[:, d]) for d in range(2)]))
    assert reporters.esteban_ray(m) == metrics.esteban_ray(X, groups="clusters",
                                                           tol=reporters.CLUSTER_TOL)
    listening = m.network.listening()
    assert reporters.echo_chamber_index(m) == metrics.echo_chamber_index(X, listening)
    consensus = OpinionModel(graph=nx.watts_strogatz_graph(300, 10, 0.1, seed=1), dim=2,
                             temperature=1.0, affinity="distance", seed=1, reporters=[])
    consensus.run(200)
    assert metrics.variance(consensus.opinions) < 1e-6
    assert reporters.morales_index(consensus) < 0.05
    assert abs(reporters.echo_chamber_index(consensus)) < 1e-6
    assert reporters.neighbor_correlation(consensus) > 0.9  # scale-free, as documented


def test_z_reporters_are_registered_never_default_and_leave_the_run_alone():
    names = [f"{name}_z" for name in metrics.GRAPH_METRICS]
    assert set(names) <= set(reporters.REPORTERS)
    assert not any(r.endswith("_z") for r in reporters.DEFAULT_REPORTERS)
    g = nx.watts_strogatz_graph(100, 6, 0.1, seed=3)
    kw = dict(graph=g, dim=2, temperature=0.01, affinity="distance", seed=5)
    with_z = OpinionModel(reporters=["echo_chamber_index_z", "echo_chamber_modularity_z"], **kw)
    plain = OpinionModel(reporters=["variance"], **kw)
    with_z.run(5)
    plain.run(5)
    np.testing.assert_array_equal(with_z.opinions, plain.opinions)
    again = OpinionModel(reporters=["echo_chamber_index_z"], **kw)
    again.run(5)
    a = with_z.datacollector.get_model_vars_dataframe()["echo_chamber_index_z"]
    b = again.datacollector.get_model_vars_dataframe()["echo_chamber_index_z"]
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())


def test_modularity_z_separates_low_temperature_from_consensus():
    """Over seeds: at T = 0.005 the opinion clusters sit on the network (z > 3); at T = 1 the
    population is one cluster and reads exactly the null (z = 0)."""
    for seed in range(3):
        low = low_t_model(seed=seed, steps=100)
        assert reporters.REPORTERS["echo_chamber_modularity_z"](low) > 3
    g = nx.watts_strogatz_graph(300, 10, 0.1, seed=1)
    high = OpinionModel(graph=g, dim=2, temperature=1.0, affinity="distance", seed=0,
                        include_self=False, reporters=[])
    high.run(200)
    assert reporters.REPORTERS["echo_chamber_modularity_z"](high) == 0.0


def test_cluster_reporters_share_one_clustering_and_match_the_metrics():
    from opinionsim import metrics

    m = OpinionModel(graph=nx.watts_strogatz_graph(120, 8, 0.1, seed=1), dim=2,
                     temperature=0.05, seed=3, reporters=["n_clusters", "echo_chamber_modularity"])
    m.run(30)
    tol = reporters.CLUSTER_TOL
    X, A = m.opinions, m.network.listening()
    assert reporters.REPORTERS["n_clusters"](m) == metrics.n_clusters(X, tol=tol)
    assert reporters.REPORTERS["echo_chamber_modularity"](m) == \
        metrics.echo_chamber_modularity(X, A, tol=tol)
    m.step()  # a new state: the kept clustering is not reused
    assert reporters.REPORTERS["n_clusters"](m) == metrics.n_clusters(m.opinions, tol=tol)
