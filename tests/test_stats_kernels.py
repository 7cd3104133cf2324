"""The compiled reductions behind the default reporters, against exactly rounded sums."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from opinionsim import OpinionModel, kernels
from opinionsim.kernels.stats import mean_finite_ratio, moments

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


def exact_moments(X):
    """Column means and total variance with math.fsum (exactly rounded sums)."""
    n = X.shape[0]
    mean = np.array([math.fsum(X[:, c]) / n for c in range(X.shape[1])])
    return mean, math.fsum(((X - mean) ** 2).ravel()) / n


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 1200), st.integers(1, 5)), elements=finite))
def test_moments_match_exact_sums(X):
    mean, var = moments(X)
    ref_mean, ref_var = exact_moments(X)
    scale = np.abs(X).max(initial=0.0)
    np.testing.assert_allclose(mean, ref_mean, rtol=0, atol=1e-13 * max(scale, 1e-300))
    assert var == pytest.approx(ref_var, rel=1e-12, abs=1e-13 * scale ** 2)


def test_variance_is_accurate_near_consensus():
    # A one-pass E[x^2] - E[x]^2 would return noise (or a negative number) here: the spread
    # is 1e-6 around an opinion of 1e3, far below the rounding of x^2.
    rng = np.random.default_rng(3)
    X = 1e3 + 1e-6 * rng.standard_normal((100_000, 3))
    _, var = moments(X)
    assert var == pytest.approx(exact_moments(X)[1], rel=1e-9)
    assert var == pytest.approx(3e-12, rel=0.02)  # three unit-variance columns, scaled


def test_moments_of_a_hand_case_and_a_view():
    X = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 8.0]])
    mean, var = moments(X[:, ::-1])  # a non-contiguous view is read correctly
    assert mean.tolist() == [4.0, 2.0]
    assert var == pytest.approx((26 / 3) + (8 / 3))  # per column: (16+1+16)/3, (4+0+4)/3


def test_mean_finite_ratio_skips_what_is_not_finite():
    a = np.array([1.0, np.nan, 2.0, 3.0, 1.0])
    b = np.array([2.0, 1.0, np.nan, 0.0, 4.0])
    assert mean_finite_ratio(a, b) == pytest.approx((0.5 + 0.25) / 2)
    assert math.isnan(mean_finite_ratio(np.array([np.nan]), np.array([1.0])))


def test_reporters_agree_with_and_without_kernels():
    import networkx as nx

    from opinionsim.reporters import COMPILED_ROWS

    n = COMPILED_ROWS + 10  # the compiled reductions read it
    A = dict(graph=nx.watts_strogatz_graph(n, 6, 0.1, seed=1), dim=3, temperature=0.4,
             seed=5, reporters=["mean_opinion", "variance", "step_attention_entropy"])
    fast = OpinionModel(**A)
    fast.run(5)
    with kernels.disabled():
        ref = OpinionModel(**A)
        ref.run(5)
    a = fast.datacollector.get_model_vars_dataframe()
    b = ref.datacollector.get_model_vars_dataframe()
    np.testing.assert_allclose(a.to_numpy(float), b.to_numpy(float), rtol=1e-12,
                               equal_nan=True)


def test_same_bits_on_any_number_of_threads():
    rng = np.random.default_rng(8)
    X = rng.standard_normal((300_001, 3)) + 5.0
    a, b = rng.standard_normal(300_001), rng.uniform(0.5, 2.0, 300_001)
    a[::7] = np.nan
    previous = kernels.set_num_threads(1)
    try:
        one = moments(X), mean_finite_ratio(a, b)
        kernels.set_num_threads(2)
        two = moments(X), mean_finite_ratio(a, b)
    finally:
        kernels.set_num_threads(previous)
    assert one[0][0].tobytes() == two[0][0].tobytes() and one[0][1] == two[0][1]
    assert one[1] == two[1]
    ref_mean, ref_var = exact_moments(X)
    np.testing.assert_allclose(one[0][0], ref_mean, rtol=1e-14)
    assert one[0][1] == pytest.approx(ref_var, rel=1e-13)
