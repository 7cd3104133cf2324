"""Polarisation metrics: exact values on constructed cases and hand computations."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist
from scipy.stats import kurtosis, skew

from opinionsim._errors import OpinionSimError
from opinionsim.metrics import (
    PairwiseDistance,
    bimodality_coefficient,
    esteban_ray,
    mean_pairwise_distance,
    morales_index,
    n_clusters,
    opinion_clusters,
    opinion_entropy,
    polarization_index,
    variance,
)
from opinionsim.metrics import _common, polarization

TWO_CAMPS = np.array([-1.0, 1.0] * 5)


def same_partition(a, b):
    """True when two label arrays describe the same partition."""
    pairs = set(zip(a.tolist(), b.tolist()))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


# --------------------------------------------------------------------- variance


def test_variance_exact_square():
    X = [[-1.0, 0.0], [1.0, 0.0], [1.0, 2.0], [-1.0, 2.0]]
    assert variance(X) == pytest.approx(2.0, abs=1e-15)


def test_variance_is_population_trace_of_covariance():
    X = np.random.default_rng(0).normal(size=(50, 3))
    assert variance(X) == pytest.approx(np.trace(np.cov(X.T, ddof=0)), rel=1e-12)
    assert variance(X[:, 0]) == pytest.approx(np.var(X[:, 0]), rel=1e-12)


def test_variance_single_agent_and_constant():
    assert variance([[3.0, 4.0]]) == 0.0
    assert variance(np.full((7, 2), 0.1)) == pytest.approx(0.0, abs=1e-30)


def test_covariance_fast_and_centred_paths_agree():
    rng = np.random.default_rng(1)
    n = _common._FAST_COVARIANCE_MIN_N + 10
    X = rng.normal(size=(n, 3)) * [1.0, 2.0, 0.5]
    exact = np.cov(X.T, ddof=0)
    np.testing.assert_allclose(_common.covariance(X), exact, rtol=1e-10, atol=1e-12)
    # A large offset forces the centred path, which stays accurate.
    shifted = X + 1e6
    np.testing.assert_allclose(_common.covariance(shifted), exact, rtol=1e-6, atol=1e-8)


# ------------------------------------------------------- mean pairwise distance


def test_mean_pairwise_distance_triangle():
    res = mean_pairwise_distance([[0.0, 0.0], [3.0, 4.0], [3.0, 0.0]])
    assert res == PairwiseDistance(4.0, 0.0, True)
    assert isinstance(res.value, float) and isinstance(res.exact, bool)


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_mean_pairwise_distance_matches_pdist(dim):
    X = np.random.default_rng(dim).normal(size=(57, dim))
    res = mean_pairwise_distance(X)
    assert res.exact and res.stderr == 0.0
    assert res.value == pytest.approx(pdist(X).mean(), rel=1e-12)


def test_mean_pairwise_distance_blocked(monkeypatch):
    monkeypatch.setattr(polarization, "_BLOCK_ENTRIES", 100)  # blocks of 2 rows
    X = np.random.default_rng(3).normal(size=(41, 2))
    assert mean_pairwise_distance(X).value == pytest.approx(pdist(X).mean(), rel=1e-12)


def test_mean_pairwise_distance_1d_is_always_exact():
    y = np.random.default_rng(4).normal(size=300)
    res = mean_pairwise_distance(y, max_exact=10)
    assert res.exact
    assert res.value == pytest.approx(pdist(y[:, None]).mean(), rel=1e-12)


def test_sampled_pairwise_distance_within_three_standard_errors():
    X = np.random.default_rng(5).normal(size=(3000, 2))
    exact = mean_pairwise_distance(X).value
    est = mean_pairwise_distance(X, max_exact=1000, n_samples=200_000, rng=0)
    assert not est.exact and est.stderr > 0
    assert abs(est.value - exact) < 3 * est.stderr
    # The standard error is what it claims to be: ~ sd / sqrt(m).
    assert est.stderr == pytest.approx(pdist(X).std() / math.sqrt(200_000), rel=0.05)


def test_sampled_pairwise_distance_is_reproducible():
    X = np.random.default_rng(6).normal(size=(500, 3))
    a = mean_pairwise_distance(X, max_exact=10, n_samples=1000, rng=42)
    b = mean_pairwise_distance(X, max_exact=10, n_samples=1000,
                               rng=np.random.default_rng(42))
    assert a == b


def test_sampled_pairs_are_never_self_pairs():
    # Two agents at distance 1: any self-pair would pull the estimate below 1.
    res = mean_pairwise_distance([[0.0, 0.0], [0.0, 1.0]], max_exact=1, n_samples=500, rng=0)
    assert res.value == pytest.approx(1.0) and res.stderr == pytest.approx(0.0)


def test_mean_pairwise_distance_single_agent():
    assert mean_pairwise_distance([[1.0, 2.0]]) == PairwiseDistance(0.0, 0.0, True)


@pytest.mark.parametrize("kw", [{"max_exact": 0}, {"max_exact": 2.5}, {"n_samples": 1},
                                {"n_samples": True}])
def test_mean_pairwise_distance_bad_options(kw):
    name = next(iter(kw))
    with pytest.raises(OpinionSimError, match=name):
        mean_pairwise_distance([[0.0, 0.0], [1.0, 1.0]], **kw)


# ------------------------------------------------------------------- Esteban-Ray


@pytest.mark.parametrize("alpha", [0.25, 0.5, 1.0, 1.3, 1.6])
def test_esteban_ray_two_equal_masses(alpha):
    assert esteban_ray(TWO_CAMPS, alpha=alpha) == pytest.approx(2.0 ** -alpha, rel=1e-14)


def test_esteban_ray_hand_computation():
    # shares (1/2, 1/4, 1/4) at (0, 1, 3), alpha = 1:
    # 1/4*(1/4*1 + 1/4*3) + 1/16*(1/2*1 + 1/4*2) + 1/16*(1/2*3 + 1/4*2) = 0.4375
    y = [0.0, 0.0, 1.0, 3.0]
    assert esteban_ray(y, alpha=1.0) == pytest.approx(0.4375, rel=1e-14)


def test_esteban_ray_matches_double_sum():
    y = np.random.default_rng(7).normal(size=1000)
    for bins in (5, 64, 200):
        counts, edges = np.histogram(y, bins=bins, range=(y.min(), y.max()))
        pi = counts / y.size
        c = 0.5 * (edges[1:] + edges[:-1])
        brute = np.sum(pi[:, None] ** 1.8 * pi[None, :] * np.abs(c[:, None] - c[None, :]))
        assert esteban_ray(y, alpha=0.8, bins=bins) == pytest.approx(brute, rel=1e-10)


def test_esteban_ray_single_group_is_zero():
    assert esteban_ray(np.full(5, 2.0)) == 0.0
    assert esteban_ray([0.0, 1.0], bins=1) == 0.0


def test_esteban_ray_default_bins():
    few = np.repeat(np.arange(64.0), 2)
    assert esteban_ray(few) == esteban_ray(few, bins=np.arange(-0.5, 64.0))
    many = np.random.default_rng(8).normal(size=500)
    assert esteban_ray(many) == esteban_ray(many, bins=64)


def test_esteban_ray_bin_edges_clip_outside_values():
    # +-5.0 fall beyond the end edges and join the end bins (centres -+0.5):
    # two equal masses at distance 1 give 2 * (1/2)^2 * 1/2 * 1 = 1/4.
    assert esteban_ray([-0.5, 0.5, 5.0, -5.0], bins=[-1.0, 0.0, 1.0]) == pytest.approx(0.25)


@pytest.mark.parametrize("alpha", [0.0, -0.1, 1.61, 2, float("nan"), float("inf"), "1", None])
def test_esteban_ray_alpha_range(alpha):
    with pytest.raises(OpinionSimError, match="alpha"):
        esteban_ray(TWO_CAMPS, alpha=alpha)


@pytest.mark.parametrize("bins", [0, -3, True, "auto", [1.0], [0.0, 0.0, 1.0], [[0, 1]],
                                  [0.0, float("nan")]])
def test_bad_bins(bins):
    with pytest.raises(OpinionSimError, match="bins"):
        esteban_ray(TWO_CAMPS, bins=bins)
    with pytest.raises(OpinionSimError, match="bins"):
        opinion_entropy(TWO_CAMPS, bins=bins)


# ----------------------------------------------------------- polarization index


def test_polarization_index_equal_masses_is_one():
    assert polarization_index(TWO_CAMPS) == 1.0
    # Translation invariance: two equal groups anywhere.
    assert polarization_index(TWO_CAMPS + 3.0) == 1.0


def test_polarization_index_everyone_equal_is_zero():
    assert polarization_index(np.full(6, 0.7)) == 0.0
    assert polarization_index([[0.1, 0.2]] * 4) == 0.0


def test_polarization_index_unequal_camps():
    # 90 % at -1, 10 % at +1: mean -0.8, dA = 0.8, d = 2 / (2 * 1.8).
    y = [-1.0] * 9 + [1.0]
    assert polarization_index(y) == pytest.approx(0.2 * 2 / 3.6, rel=1e-12)


def test_polarization_index_hand_computation_with_neutral_agents():
    # Mean 0: negative side {-2}, neutral {0, 0}, positive side {1, 1}.
    # dA = |2 - 1| / 5, gc+ = 1, gc- = -2, x_max = 2: mu = 0.8 * 3 / 4.
    assert polarization_index([-2.0, 0.0, 0.0, 1.0, 1.0]) == pytest.approx(0.6, rel=1e-12)


def test_polarization_index_agent_at_the_mean_is_neutral_despite_rounding():
    # np.mean([0.1, 0.2, 0.3]) is 0.2 + 4e-17: the middle agent must still be
    # neutral, leaving two equal sides at distance 2 * x_max.
    assert np.mean([0.1, 0.2, 0.3]) != 0.2
    for y in ([0.1, 0.2, 0.3], [0.3, 0.2, 0.1], [2.1, 2.2, 2.3]):
        assert polarization_index(y) == pytest.approx(1.0, rel=1e-12)


def test_polarization_index_in_unit_interval_and_reflection_invariant():
    rng = np.random.default_rng(9)
    for _ in range(20):
        y = rng.normal(size=rng.integers(2, 40)) ** 3
        mu = polarization_index(y)
        assert 0.0 <= mu <= 1.0
        assert polarization_index(-y) == pytest.approx(mu, rel=1e-12)


def test_polarization_index_uses_pc1_in_several_dimensions():
    # Two camps along the diagonal: the first principal component separates them.
    X = np.array([[-1.0, -1.0], [1.0, 1.0]] * 3)
    assert polarization_index(X) == pytest.approx(1.0)
    assert polarization_index(X, axis=1) == pytest.approx(1.0)


# ------------------------------------------------------------------- bimodality


def test_bimodality_matches_scipy_definitions():
    y = np.random.default_rng(10).gamma(2.0, size=200)
    g = skew(y, bias=False)
    k = kurtosis(y, bias=False)
    n = y.size
    expected = (g**2 + 1) / (k + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))
    assert bimodality_coefficient(y) == pytest.approx(expected, rel=1e-10)


def test_bimodality_uniform_limit_is_five_ninths():
    assert bimodality_coefficient(np.linspace(-1, 1, 200_001)) == pytest.approx(5 / 9, abs=1e-4)


def test_bimodality_two_point_masses():
    # g = 0, biased kurtosis -2: BC = (n-2)(n-3) / (n^2 - 1) exactly.
    for n in (4, 10, 1000):
        y = np.array([-1.0, 1.0] * (n // 2))
        assert bimodality_coefficient(y) == pytest.approx((n - 2) * (n - 3) / (n**2 - 1))
    assert bimodality_coefficient(np.array([-1.0, 1.0] * 500)) > 5 / 9


def test_bimodality_normal_is_about_one_third():
    y = np.random.default_rng(11).normal(size=200_000)
    assert bimodality_coefficient(y) == pytest.approx(1 / 3, abs=0.01)


def test_bimodality_constant_and_too_few_agents():
    assert bimodality_coefficient(np.full(10, 0.1)) == 0.0
    with pytest.raises(OpinionSimError, match="X"):
        bimodality_coefficient([0.0, 1.0, 2.0])


# ---------------------------------------------------------------------- entropy


def test_entropy_equal_groups():
    for k in (1, 2, 3, 7):
        y = np.repeat(np.arange(k, dtype=float), 4)
        assert opinion_entropy(y) == pytest.approx(math.log(k), abs=1e-15)


def test_entropy_hand_computation_and_edges():
    # shares 1/2, 1/4, 1/4
    expected = -(0.5 * math.log(0.5) + 2 * 0.25 * math.log(0.25))
    assert opinion_entropy([5.0, 5.0, 6.0, 9.0]) == pytest.approx(expected)
    assert opinion_entropy([0.1, 0.2, 0.7, 3.0], bins=[0.0, 0.5, 1.0]) == pytest.approx(
        math.log(2))
    assert opinion_entropy(np.linspace(0, 1, 1000), bins=10) == pytest.approx(math.log(10))


# --------------------------------------------------------------------- clusters


def test_clusters_1d_canonical_labels():
    labels = opinion_clusters([0.5, 0.0, 0.1, 0.2, 0.55, 2.0], tol=0.15)
    np.testing.assert_array_equal(labels, [0, 1, 1, 1, 0, 2])
    assert labels.dtype == np.int64


def test_clusters_threshold_is_inclusive():
    np.testing.assert_array_equal(opinion_clusters([0.0, 0.5, 1.0], tol=0.5), [0, 0, 0])
    np.testing.assert_array_equal(opinion_clusters([0.0, 0.5, 1.0], tol=0.49), [0, 1, 2])
    np.testing.assert_array_equal(opinion_clusters([[0, 0], [3, 4]], tol=5.0), [0, 0])


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_clusters_match_single_linkage(dim):
    rng = np.random.default_rng(dim)
    X = np.round(rng.uniform(size=(120, dim)), 2)  # duplicates included
    tol = 0.07
    ours = opinion_clusters(X, tol=tol)
    ref = fcluster(linkage(X, method="single"), t=tol, criterion="distance")
    assert same_partition(ours, ref)
    # canonical: first appearances are 0, 1, 2, ...
    _, first = np.unique(ours, return_index=True)
    assert np.all(np.diff(first) > 0) and ours[0] == 0


def brute_components(X, tol):
    """Connected components of the graph of all pairs within tol, from the full distance matrix."""
    from scipy.sparse.csgraph import connected_components

    D = np.linalg.norm(X[:, None] - X[None], axis=-1)
    return connected_components(D <= tol, directed=False)[1]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), dim=st.sampled_from([2, 3]),
       n_blobs=st.integers(1, 5), gap=st.floats(0.5, 3.0))
def test_dense_clusters_match_the_brute_force_partition(seed, dim, n_blobs, gap):
    """Dense blobs (the grid path) at distances around tol, some chained by bridges."""
    rng = np.random.default_rng(seed)
    tol = 0.05
    centres = np.cumsum(rng.normal(size=(n_blobs, dim)) * gap * tol, axis=0)
    X = np.concatenate([c + rng.normal(size=(rng.integers(20, 120), dim)) * tol * rng.uniform(0.05, 0.6)
                        for c in centres])
    bridge = centres[0] + np.outer(np.linspace(0, 1, rng.integers(2, 8)), centres[-1] - centres[0])
    X = np.concatenate([X, bridge])
    assert same_partition(opinion_clusters(X, tol=tol), brute_components(X, tol))


def test_dense_segments_joined_only_where_their_ends_are_within_tol():
    """Dense segments along x: A = [0, 0.04], B = [0.08, 0.12] (ends 0.04 apart: joined),
    C = [0.18, 0.22] (0.06 from B: separate). The ends' cells are neither touching nor
    entirely within tol of each other, so their points are compared one by one."""
    rng = np.random.default_rng(1)

    def segment(a, b):
        x = np.concatenate([[a, b], rng.uniform(a, b, 2000)])
        return np.column_stack([x, 1e-4 * rng.normal(size=x.size)])

    X = np.concatenate([segment(0.0, 0.04), segment(0.08, 0.12), segment(0.18, 0.22)])
    labels = opinion_clusters(X, tol=0.05)
    assert labels[0] == labels[2002] != labels[4004]
    assert n_clusters(X, tol=0.05) == 2
    assert n_clusters(X, tol=0.039) == 3


def test_dense_grid_path_is_taken_and_fast():
    rng = np.random.default_rng(0)
    camps = np.concatenate([rng.normal(size=(100_000, 2)) * 0.01 - 0.5,
                            rng.normal(size=(100_000, 2)) * 0.01 + 0.5])
    assert n_clusters(camps, tol=0.05) == 2  # 2e10 pairs within tol if listed one by one
    assert n_clusters(0.3 + 1e-6 * rng.normal(size=(200_000, 2)), tol=0.05) == 1


def test_clusters_1d_and_padded_2d_agree():
    y = np.random.default_rng(12).uniform(size=200)
    X = np.column_stack([y, np.zeros_like(y)])
    np.testing.assert_array_equal(opinion_clusters(y, tol=0.01), opinion_clusters(X, tol=0.01))


def test_n_clusters_and_min_size():
    y = [0.0, 0.05, 0.5, 1.0, 1.02]
    assert n_clusters(y, tol=0.1) == 3
    assert n_clusters(y, tol=0.1, min_size=2) == 2
    assert n_clusters(y, tol=0.1, min_size=6) == 0
    assert n_clusters(y, tol=10.0) == 1


@pytest.mark.parametrize("tol", [0.0, -1.0, float("nan"), float("inf"), "0.1", None])
def test_bad_tol(tol):
    with pytest.raises(OpinionSimError, match="tol"):
        opinion_clusters([0.0, 1.0], tol=tol)
    with pytest.raises(OpinionSimError, match="tol"):
        n_clusters([0.0, 1.0], tol=tol)


@pytest.mark.parametrize("min_size", [0, 1.5, True])
def test_bad_min_size(min_size):
    with pytest.raises(OpinionSimError, match="min_size"):
        n_clusters([0.0, 1.0], tol=0.1, min_size=min_size)


# ------------------------------------------------------------ Esteban-Ray groups


def test_esteban_ray_clusters_hand_computation():
    # Three clusters (tol 0.1) of 2, 1 and 3 agents at means 0, 1, 2 (pi = 1/3, 1/6, 1/2):
    # P = sum_ij pi_i^2 pi_j |y_i - y_j|.
    y = [-0.05, 0.05, 1.0, 1.95, 2.0, 2.05]
    pi = np.array([2, 1, 3]) / 6
    loc = np.array([0.0, 1.0, 2.0])
    expected = sum(pi[i] ** 2 * pi[j] * abs(loc[i] - loc[j]) for i in range(3) for j in range(3))
    assert esteban_ray(y, groups="clusters", tol=0.1) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("alpha", [0.5, 1.0, 1.6])
def test_esteban_ray_clusters_two_camps_independent_of_n(alpha):
    """Two equal camps at +-1 (spread 0.01): 2^-alpha for every N, no bin count involved."""
    for n in (10, 1000, 100_000):
        rng = np.random.default_rng(n)
        y = np.concatenate([-1 + 0.01 * rng.uniform(-1, 1, n), 1 + 0.01 * rng.uniform(-1, 1, n)])
        value = esteban_ray(y, alpha=alpha, groups="clusters", tol=0.05)
        assert value == pytest.approx(2.0 ** -alpha, rel=0.02)


def test_esteban_ray_bins_depend_on_the_bin_count_clusters_do_not():
    y = np.random.default_rng(0).uniform(-1, 1, 100_000)
    binned = [esteban_ray(y, bins=b) for b in (16, 64, 256)]
    # pi ~ 1/B: P ~ 1/B for alpha = 1 (4x the bins, about a quarter of the value)
    for a, b in zip(binned, binned[1:]):
        assert b / a == pytest.approx(0.25, rel=0.1)
    assert esteban_ray(y, groups="clusters", tol=0.05) == 0.0  # a continuum is one group


def test_esteban_ray_clusters_consensus_is_zero():
    y = 0.3 + 1e-8 * np.random.default_rng(1).normal(size=1000)
    assert esteban_ray(y, groups="clusters", tol=0.05) == 0.0


def test_esteban_ray_groups_arguments():
    with pytest.raises(OpinionSimError, match="groups"):
        esteban_ray([0.0, 1.0], groups="kmeans")
    with pytest.raises(OpinionSimError, match="tol"):
        esteban_ray([0.0, 1.0], groups="clusters")
    with pytest.raises(OpinionSimError, match="tol"):
        esteban_ray([0.0, 1.0], tol=0.1)
    with pytest.raises(OpinionSimError, match="tol"):
        esteban_ray([0.0, 1.0], groups="clusters", tol=0.0)


# ------------------------------------------------------------------ Morales index


def test_morales_published_values():
    assert morales_index([-1.0, 1.0] * 5) == 1.0
    assert morales_index([-1.0] * 9 + [1.0]) == pytest.approx(0.2, rel=1e-14)
    # sides at -0.5 and +1, in equal numbers: d = 1.5 / 2
    assert morales_index([-0.5, 1.0] * 3) == pytest.approx(0.75, rel=1e-14)
    # unequal sides: A+ = 3/5, A- = 2/5, gc+ = 0.6, gc- = -0.4 -> 0.8 * 0.5
    assert morales_index([0.2, 0.6, 1.0, -0.3, -0.5]) == pytest.approx(0.4, rel=1e-14)


def test_morales_neutral_agents_are_on_neither_side():
    # A+ = A- = 1/4, half the population neutral: Delta A = 0, d = 1
    assert morales_index([-1.0, 0.0, 0.0, 1.0]) == 1.0
    assert morales_index([0.0, 0.0, 0.0]) == 0.0
    assert morales_index([0.0, 0.5, 0.7]) == 0.0  # one side empty


def test_morales_center_and_scale():
    rng = np.random.default_rng(3)
    u = rng.uniform(-1, 1, 200)
    for center, scale in [(3.0, 2.0), (-10.0, 0.25), (0.0, 7.0)]:
        assert morales_index(center + scale * u, center=center, scale=scale) == pytest.approx(
            morales_index(u), rel=1e-12)


def test_morales_reads_zero_at_consensus_where_the_scale_free_variant_does_not():
    rng = np.random.default_rng(4)
    for offset in (0.3, 0.0, -0.8):
        y = offset + 1e-8 * rng.normal(size=1000)
        assert morales_index(y) < 1e-7
        assert polarization_index(y) > 0.1  # shape of the residual, whatever its size


def test_morales_does_not_drift_with_n():
    """Uniform opinions on the scale: mu -> 1/2, and every sample size is within sampling
    error of it (Delta A ~ |2 Bin(N, 1/2)/N - 1|, about 0.8 / sqrt(N))."""
    for n in (100, 10_000, 1_000_000):
        values = [morales_index(np.random.default_rng(seed).uniform(-1, 1, n))
                  for seed in range(10)]
        assert np.mean(values) == pytest.approx(0.5, abs=4.0 / math.sqrt(n))


def test_morales_dimensions_and_outside_values():
    X = np.array([[-1.0, 0.5], [1.0, 0.5], [-1.0, -0.5], [1.0, -0.5]])
    assert morales_index(X, axis=0) == 1.0
    assert morales_index(X, axis=-1) == 0.5
    with pytest.raises(OpinionSimError, match="axis"):
        morales_index(X)
    with pytest.raises(OpinionSimError, match="axis"):
        morales_index(X, axis="pc1")
    with pytest.raises(OpinionSimError, match="outside the scale"):
        morales_index([-1.5, 1.0])
    assert morales_index([-1.5, 1.0, -1.0, 3.0], outside="clip") == 1.0
    with pytest.raises(OpinionSimError, match="outside"):
        morales_index([0.0], outside="ignore")
    with pytest.raises(OpinionSimError, match="scale"):
        morales_index([0.0], scale=0.0)


def test_polarization_index_keeps_its_value_and_its_n_dependence():
    """The scale-free variant is unchanged (issue 11, measurement 6: 0.228 / 0.202 / 0.158)."""
    rng = np.random.default_rng(1)
    values = [polarization_index(rng.standard_normal(n)) for n in (100, 10_000, 1_000_000)]
    np.testing.assert_allclose(values, [0.228, 0.202, 0.158], atol=5e-4)


@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_unique_rows_is_numpys_unique_up_to_order(dtype):
    from opinionsim.metrics.clusters import _unique_rows

    rng = np.random.default_rng(7)
    A = rng.integers(-3, 4, size=(500, 3)).astype(dtype)  # many repeated rows
    rows, inverse = _unique_rows(A)
    np.testing.assert_array_equal(rows[inverse], A)  # every row maps to its copy
    ref = np.unique(A, axis=0)
    assert len(rows) == len(ref)
    np.testing.assert_array_equal(np.unique(rows, axis=0), ref)
