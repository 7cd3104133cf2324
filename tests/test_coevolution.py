"""Issue 13: Deffuant encounters, sampled contacts and attention-driven unfollowing."""

import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from opinionsim import OpinionModel, OpinionSimError, Unfollow, kernels
from opinionsim.interventions import CutTies
from opinionsim.metrics import cross_cutting_fraction, null_model


def major_clusters(x, frac=0.02, gap=1e-3):
    """Clusters of at least ``frac`` of the agents, split where sorted opinions jump by > gap."""
    x = np.sort(x)
    cuts = np.flatnonzero(np.diff(x) > gap)
    sizes = np.diff(np.r_[0, cuts + 1, len(x)])
    return int(np.sum(sizes >= frac * len(x)))


# ---- Deffuant -------------------------------------------------------------------------------
@pytest.mark.parametrize("eps", [0.3, 0.2, 0.15, 0.1])
def test_deffuant_leaves_about_one_over_two_epsilon_major_clusters(eps):
    # Deffuant et al. (2000): on the complete graph, opinions uniform on [0, 1], mu = 0.5,
    # the number of major clusters is close to floor(1 / (2 eps)); median over 10 seeds.
    counts = []
    for seed in range(10):
        x0 = np.random.default_rng(seed).uniform(0, 1, 500)
        m = OpinionModel(n_agents=500, rule="deffuant", confidence=eps, step_size=0.5,
                         include_self=False, initial_opinions=x0, seed=seed, reporters=[])
        m.run(600)
        counts.append(major_clusters(m.opinions[:, 0]))
    assert abs(np.median(counts) - math.floor(1 / (2 * eps))) <= 1


@pytest.mark.parametrize("interaction", ["weighted", "sampled"])
@pytest.mark.parametrize("complete", [True, False])
def test_compiled_encounters_equal_the_reference(interaction, complete):
    kw = {"n_agents": 40} if complete else {"graph": nx.watts_strogatz_graph(40, 6, 0.2, seed=1)}
    args = dict(dim=2, rule="deffuant", confidence=0.6, step_size=0.3, zealots=[3],
                interaction=interaction, affinity="log_distance", temperature=0.3, seed=5,
                reporters=[])
    fast = OpinionModel(**kw, **args)
    fast.run(4)
    with kernels.disabled():
        ref = OpinionModel(**kw, **args)
        ref.run(4)
    assert np.array_equal(fast.opinions, ref.opinions)
    assert np.array_equal(fast.opinions[3], fast.initial_opinions[3])  # the zealot


def test_deffuant_pairs_move_toward_each_other_only_within_confidence():
    x0 = np.array([0.0, 0.3, 1.0])
    m = OpinionModel(n_agents=3, rule="deffuant", confidence=0.35, step_size=0.5,
                     include_self=False, initial_opinions=x0, seed=0, reporters=[])
    m.run(200)
    x = m.opinions[:, 0]
    # 0 and 1 meet (0.3 apart) and meet at 0.15; agent 2 is never within 0.35 of them
    np.testing.assert_allclose(x[:2], 0.15, atol=1e-12)
    assert x[2] == 1.0
    assert x[:2].sum() == pytest.approx(0.3, abs=1e-12)  # each encounter conserves the sum


def test_deffuant_refuses_what_it_does_not_use():
    with pytest.raises(OpinionSimError, match="confidence == None"):
        OpinionModel(n_agents=5, rule="deffuant")
    with pytest.raises(OpinionSimError, match="noise"):
        OpinionModel(n_agents=5, rule="deffuant", confidence=0.2, noise=0.1)


# ---- sampled contacts ------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:opinionsim. no compiled kernel for interaction 'sampled'")
def test_the_expected_sampled_update_is_the_weighted_update():
    g = nx.watts_strogatz_graph(15, 4, 0.3, seed=2)
    X0 = np.random.default_rng(3).uniform(-1, 1, size=(15, 2))
    common = dict(graph=g, dim=2, affinity="distance", temperature=0.3, initial_opinions=X0,
                  reporters=[])
    weighted = OpinionModel(**common, seed=0)
    weighted.step()
    draws = []
    for seed in range(300):
        m = OpinionModel(**common, interaction="sampled", contacts=2, seed=seed)
        m.step()
        draws.append(m.opinions)
    draws = np.array(draws)
    se = draws.std(axis=0, ddof=1) / math.sqrt(len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - weighted.opinions) <= 4 * se + 1e-12)
    # one draw is a choice, not a weighting: each agent moves toward one speaker's opinion
    assert not np.allclose(draws[0], weighted.opinions)


# ---- unfollowing -----------------------------------------------------------------------------
def directed_random(n, k, seed):
    return nx.random_regular_graph(k, n, seed=seed).to_directed()


def test_rate_zero_rewiring_is_the_static_model_bit_for_bit():
    g = directed_random(60, 6, 1)
    a = OpinionModel(graph=g, dim=2, temperature=0.1, affinity="distance", seed=4,
                     reporters=["variance"])
    b = OpinionModel(graph=g, dim=2, temperature=0.1, affinity="distance", seed=4,
                     reporters=["variance"], rewiring=Unfollow(rate=0.0))
    a.run(10)
    b.run(10)
    assert np.array_equal(a.opinions, b.opinions)
    assert b.network.version == 0


def uneven_int32(n=80, seed=2):
    """Out-degrees from 2 to 12, as a scipy CSR with int32 indices (what sweeps pass): rows of
    unequal length are padded when re-sorted, which once corrupted them."""
    rng = np.random.default_rng(seed)
    rows = [np.sort(rng.choice(np.delete(np.arange(n), i), rng.integers(2, 13), replace=False))
            for i in range(n)]
    indptr = np.r_[0, np.cumsum([len(r) for r in rows])].astype(np.int32)
    A = sp.csr_array((np.ones(indptr[-1]), np.concatenate(rows).astype(np.int32), indptr),
                     shape=(n, n))
    assert A.indices.dtype == np.int32
    return A


@pytest.mark.parametrize("graph", ["regular", "uneven_int32"])
@pytest.mark.parametrize("recommend", ["random", "friends_of_friends", "similar"])
def test_rewiring_keeps_out_degrees_and_makes_no_self_loops(recommend, graph):
    g = directed_random(80, 6, 2) if graph == "regular" else uneven_int32()
    m = OpinionModel(graph=g, dim=2, temperature=0.05, affinity="distance", include_self=False,
                     seed=7, reporters=[], rewiring=Unfollow(rate=0.3, threshold=0.8,
                                                              recommend=recommend))
    before = m.network.out_degree.copy()
    m.run(15)
    A = m.network.adjacency
    assert m.network.version > 0
    np.testing.assert_array_equal(m.network.out_degree, before)
    assert A.diagonal().sum() == 0
    assert A.has_sorted_indices and A.nnz == len(set(zip(*A.nonzero())))  # no duplicate ties
    for i in range(A.shape[0]):  # each row strictly increasing, read from the arrays themselves
        assert np.all(np.diff(A.indices[A.indptr[i]:A.indptr[i + 1]]) > 0), i


def test_rewiring_is_reproducible_and_common_random_numbers():
    g = directed_random(60, 6, 3)
    runs = []
    for _ in range(2):
        m = OpinionModel(graph=g, dim=2, temperature=0.05, affinity="distance", seed=9,
                         reporters=[], rewiring=Unfollow(rate=0.2, threshold=0.8))
        m.run(10)
        runs.append((m.opinions.copy(), m.network.adjacency.copy()))
    assert np.array_equal(runs[0][0], runs[1][0])
    assert (runs[0][1] != runs[1][1]).nnz == 0


def test_a_new_tie_on_a_weighted_network_takes_the_mean_weight_of_the_others():
    rng = np.random.default_rng(0)
    g = directed_random(40, 4, 4)
    for u, v in g.edges:
        g[u][v]["w"] = float(rng.uniform(1, 3))
    m = OpinionModel(graph=g, weight="w", temperature=0.02, affinity="distance",
                     include_self=False, seed=1, reporters=[],
                     rewiring=Unfollow(rate=1.0, threshold=1.0))
    old = {(u, v): g[u][v]["w"] for u, v in g.edges}
    m.step()
    A = m.network.adjacency.tocoo()
    new = [(i, j, w) for i, j, w in zip(A.row, A.col, A.data) if (i, j) not in old]
    assert new
    for i, j, w in new:
        others = [old[(i, k)] for k in g.successors(i) if (i, k) in old
                  and m.network.adjacency[i, k] != 0]
        assert w == pytest.approx(np.mean(others), rel=1e-12)


def test_rewiring_refuses_the_complete_graph_and_works_with_cut_ties():
    with pytest.raises(OpinionSimError, match="complete graph"):
        OpinionModel(n_agents=10, rewiring=Unfollow(rate=0.1))
    g = directed_random(30, 4, 5)
    m = OpinionModel(graph=g, temperature=0.05, seed=2, reporters=[],
                     rewiring=Unfollow(rate=0.2, threshold=1.0))
    m.run(3)
    u, v = next((i, int(j)) for i in range(30) for j in
                m.network.adjacency.indices[m.network.adjacency.indptr[i]:
                                            m.network.adjacency.indptr[i + 1]] if j != i)
    version = m.network.version
    m.do(CutTies(edges=[(u, v)]))
    assert m.network.version == version + 1 and m.network.adjacency[u, v] == 0
    m.run(3)


def test_unfollowing_segregates_the_network_beyond_the_static_control():
    # Low temperature: agents attend to the like-minded, drop the others and, with a
    # "similar" recommender, follow the like-minded: cross-cutting ties fall below the
    # static network's, and below what the same opinions on a shuffled null would give.
    def run(rate, seed):
        g = directed_random(200, 8, seed)
        m = OpinionModel(graph=g, dim=1, temperature=0.02, affinity="distance",
                         include_self=False, step_size=0.2, seed=seed, reporters=[],
                         rewiring=Unfollow(rate=rate, threshold=0.8, recommend="similar",
                                           candidates=10, temperature=0.05))
        m.run(60)
        return m

    diffs, zs = [], []
    for seed in range(6):
        rewired, static = run(0.2, seed), run(0.0, seed)
        listen = rewired.network.listening()
        diffs.append(cross_cutting_fraction(rewired.opinions, listen)
                     - cross_cutting_fraction(static.opinions, static.network.listening()))
        zs.append(null_model("cross_cutting_fraction", rewired.opinions, listen,
                             n_samples=100, rng=seed).z)
    diffs = np.array(diffs)
    t = diffs.mean() / (diffs.std(ddof=1) / math.sqrt(len(diffs)))
    assert diffs.mean() < 0 and t < -3
    assert np.median(zs) < -3
