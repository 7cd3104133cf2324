"""The activity-driven engine: activities, contact choice, the interaction network, RK4.

Closed forms where they exist (the power law's mean and CDF, contact
probabilities |x_i − x_j|^(−β) normalised, x(t) = x(0) e^(−t) without influence,
RK4's amplification factor and its 4th order), the compiled sampler against
the reference draw for draw, and the sampling law against the probabilities
by chi-square over many independent draws.
"""

import math

import numpy as np
import pytest
import scipy.sparse as sp
from scipy import stats
from scipy.integrate import solve_ivp

from opinionsim import kernels
from opinionsim._activity_kernels import _log_array
from opinionsim._activity_kernels import sample_contacts as compiled_contacts
from opinionsim.activity_driven import (
    contact_probabilities, draw_activities, drift, interaction_network, mean_activity, regime,
    rk4_step, sample_contacts, sample_contacts_reference, valley_ratio,
)

DELTA = 1e-12


# ---- activities ------------------------------------------------------------------------
@pytest.mark.parametrize("gamma, eps", [(2.1, 0.01), (1.0, 0.05), (0.0, 0.2), (3.5, 0.1)])
def test_activities_follow_the_truncated_power_law(gamma, eps):
    a = draw_activities(20_000, exponent=gamma, min_activity=eps, rng=np.random.default_rng(7))
    assert a.min() >= eps and a.max() <= 1.0

    def cdf(v):
        v = np.clip(v, eps, 1.0)
        if gamma == 1.0:
            return np.log(v / eps) / np.log(1 / eps)
        return (v ** (1 - gamma) - eps ** (1 - gamma)) / (1 - eps ** (1 - gamma))

    assert stats.kstest(a, cdf).pvalue > 1e-3
    se = a.std() / math.sqrt(len(a))
    assert abs(a.mean() - mean_activity(gamma, eps)) < 4 * se


def test_mean_activity_at_the_papers_parameters():
    # (1−γ)/(1−ε^(1−γ)) · (1−ε^(2−γ))/(2−γ) at γ = 2.1, ε = 0.01
    g, e = 2.1, 0.01
    expected = (1 - g) / (1 - e ** (1 - g)) * (1 - e ** (2 - g)) / (2 - g)
    assert mean_activity(g, e) == pytest.approx(expected, rel=1e-12)
    assert mean_activity(2.1, 1.0) == 1.0


# ---- contact probabilities -------------------------------------------------------------
def test_contact_probabilities_are_the_normalised_power_law():
    rng = np.random.default_rng(1)
    x = rng.uniform(-2, 2, 30)
    rows = np.array([0, 4, 29])
    for beta in (0.0, 0.5, 3.0):
        P = contact_probabilities(x, rows, beta).toarray()
        for k, i in enumerate(rows):
            w = np.abs(x[i] - np.delete(x, i)) ** -beta
            w = np.insert(w, i, 0.0)
            np.testing.assert_allclose(P[k], w / w.sum(), rtol=1e-12, atol=1e-15)


def test_equal_opinions_get_a_large_finite_weight_never_nan():
    x = np.array([0.0, 0.0, 1.0, 2.0])
    P = contact_probabilities(x, np.array([0]), 3.0).toarray()[0]
    assert np.all(np.isfinite(P)) and P[0] == 0
    # the tie at distance 0 takes (1 / δ)^β = 1e36 times the weight of distance 1
    assert P[1] == pytest.approx(1.0) and 0 < P[2] < 1e-35


# ---- sampling --------------------------------------------------------------------------
@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0, 2.5, 3.0, 40.0, 400.0])
def test_compiled_sampling_draws_the_reference_contacts(beta):
    rng = np.random.default_rng(int(beta * 10) + 3)
    for trial in range(4):
        n = int(rng.integers(12, 150))
        x = rng.uniform(-1, 1, n)
        if trial == 1:
            x = np.round(x, 1)  # many exact ties
        if trial == 2:
            x[: n // 2] = 0.25  # a block of equal opinions
        rows = np.flatnonzero(rng.random(n) < 0.4)
        m = int(rng.integers(1, min(11, n)))
        ref = sample_contacts_reference(x, rows, m, beta, key=987654321, step=trial)
        fast = compiled_contacts(x, rows, m, beta, key=987654321, step=trial, delta=DELTA)
        if beta == 0:  # Floyd's draws are a set
            np.testing.assert_array_equal(np.sort(ref, axis=1), np.sort(fast, axis=1))
        else:
            np.testing.assert_array_equal(ref, fast)
        for i, row in zip(rows, fast):
            assert len(set(row.tolist())) == m and i not in row
            assert row.min() >= 0 and row.max() < n


def test_threads_and_chunks_do_not_change_the_draws():
    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, 3000)
    rows = np.flatnonzero(rng.random(3000) < 0.1)
    one = compiled_contacts(x, rows, 10, 3.0, key=11, step=2, delta=DELTA, n_threads=1)
    two = compiled_contacts(x, rows, 10, 3.0, key=11, step=2, delta=DELTA, n_threads=2)
    np.testing.assert_array_equal(one, two)


def test_sample_contacts_uses_the_reference_when_kernels_are_off():
    x = np.linspace(-1, 1, 40)
    rows = np.array([1, 5, 30])
    with kernels.disabled():
        off = sample_contacts(x, rows, 4, 2.0, key=3, step=9)
    np.testing.assert_array_equal(off, sample_contacts_reference(x, rows, 4, 2.0, key=3, step=9))
    np.testing.assert_array_equal(off, sample_contacts(x, rows, 4, 2.0, key=3, step=9))


def _chi2_pvalue(counts, probs):
    keep = probs * counts.sum() >= 5  # pool the rare cells
    obs = np.append(counts[keep], counts[~keep].sum())
    exp = np.append(probs[keep], probs[~keep].sum()) * counts.sum()
    if exp[-1] == 0:
        obs, exp = obs[:-1], exp[:-1]
    return stats.chisquare(obs, exp).pvalue


@pytest.mark.parametrize("beta", [0.0, 1.5, 3.0])
def test_first_contact_follows_the_attention_probabilities(beta):
    x = np.random.default_rng(2).uniform(-1, 1, 25)
    p = contact_probabilities(x, np.array([7]), beta).toarray()[0]
    draws = np.concatenate([sample_contacts(x, np.array([7]), 1, beta, key=99, step=s)[:, 0]
                            for s in range(20_000)])
    assert _chi2_pvalue(np.bincount(draws, minlength=25).astype(float), p) > 1e-3


def test_m_contacts_follow_successive_sampling():
    # Inclusion frequencies of the m drawn agents against numpy's weighted sampling without
    # replacement (the same law: successive draws among those not yet drawn).
    x = np.random.default_rng(3).uniform(-1, 1, 15)
    m, n_draws = 4, 20_000
    p = contact_probabilities(x, np.array([0]), 2.0).toarray()[0]
    ours = np.concatenate([sample_contacts(x, np.array([0]), m, 2.0, key=5, step=s).ravel()
                           for s in range(n_draws)])
    gen = np.random.default_rng(4)
    theirs = np.concatenate([gen.choice(15, m, replace=False, p=p) for _ in range(n_draws)])
    a = np.bincount(ours, minlength=15)[1:]
    b = np.bincount(theirs, minlength=15)[1:]
    assert stats.chi2_contingency(np.array([a, b])).pvalue > 1e-3


def test_uniform_contacts_are_uniform_over_the_others():
    n, m = 12, 5
    draws = np.concatenate([sample_contacts(np.zeros(n), np.array([3]), m, 0.0, key=1,
                                            step=s).ravel() for s in range(10_000)])
    counts = np.bincount(draws, minlength=n).astype(float)
    assert counts[3] == 0
    others = np.delete(counts, 3)
    assert stats.chisquare(others).pvalue > 1e-3


def test_kernel_log_is_within_a_few_ulp():
    q = np.concatenate([np.geomspace(1e-300, 1e300, 50_001),
                        np.random.default_rng(0).uniform(1e-24, 10.0, 50_000), [1e-24, 1.0]])
    got, want = _log_array(q), np.log(q)
    assert np.max(np.abs(got - want) / np.spacing(np.maximum(np.abs(want), 1e-300))) <= 4


# ---- the network -----------------------------------------------------------------------
def test_interaction_network_direction_reciprocity_and_no_duplicates():
    rows = np.array([0, 2])
    contacts = np.array([[1, 2], [0, 1]])
    back = np.array([[True, False], [True, True]])
    A = interaction_network(rows, contacts, back, 4).toarray()
    # 0 hears 1, 2; 2 hears 0, 1; reciprocated: 1 hears 0, 0 hears 2 (already), 1 hears 2.
    assert A.tolist() == [[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 0], [0, 0, 0, 0]]
    empty = interaction_network(np.zeros(0, int), np.zeros((0, 3), int), np.zeros((0, 3), bool), 5)
    assert empty.shape == (5, 5) and empty.nnz == 0


# ---- the ODE ---------------------------------------------------------------------------
def test_without_influence_opinions_decay_as_exp_minus_t():
    x0 = np.random.default_rng(0).uniform(-1, 1, 50)
    A = sp.csr_array((50, 50))
    dense = sp.csr_array(np.ones((50, 50)) - np.eye(50))
    dt, steps = 0.01, 500
    R = 1 - dt + dt**2 / 2 - dt**3 / 6 + dt**4 / 24  # RK4's amplification factor
    x, y = x0.copy(), x0.copy()
    for _ in range(steps):
        x = rk4_step(x, A, social_influence=3.0, controversialness=3.0, dt=dt)
        y = rk4_step(y, dense, social_influence=0.0, controversialness=3.0, dt=dt)
    np.testing.assert_allclose(x, x0 * R**steps, rtol=1e-12)
    np.testing.assert_array_equal(x, y)
    t = steps * dt
    # Global error of RK4 on x' = −x: t · dt⁴/120 · |x(t)| to leading order.
    np.testing.assert_allclose(x, x0 * np.exp(-t), rtol=1.1 * t * dt**4 / 120, atol=0)


def test_fixed_agents_do_not_move():
    A = sp.csr_array(np.ones((3, 3)) - np.eye(3))
    fixed = np.array([True, False, False])
    x = rk4_step(np.array([0.7, -1.0, 0.2]), A, social_influence=3.0, controversialness=1.0,
                 dt=0.1, fixed=fixed)
    assert x[0] == 0.7 and x[1] != -1.0


def test_rk4_is_fourth_order_on_a_fixed_contact_network():
    rng = np.random.default_rng(8)
    n = 40
    A = sp.csr_array((rng.random((n, n)) < 0.1) & ~np.eye(n, dtype=bool), dtype=float)
    x0 = rng.uniform(-1, 1, n)
    K, alpha, T = 3.0, 3.0, 1.0

    def f(_, y):
        return drift(y, A, social_influence=K, controversialness=alpha)

    exact = solve_ivp(f, (0, T), x0, method="DOP853", rtol=1e-13, atol=1e-13).y[:, -1]
    errors = []
    for dt in (0.02, 0.01, 0.005, 0.0025):
        x = x0.copy()
        for _ in range(int(round(T / dt))):
            x = rk4_step(x, A, social_influence=K, controversialness=alpha, dt=dt)
        errors.append(np.max(np.abs(x - exact)))
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    orders = np.log2(ratios)
    # Halving dt divides the error by ~2⁴ = 16 (measured: 3.89, 3.94, 3.97).
    assert np.all((orders > 3.8) & (orders < 4.2)), (errors, orders)


# ---- regimes ---------------------------------------------------------------------------
def test_valley_ratio_reads_one_for_unimodal_and_zero_for_two_camps():
    rng = np.random.default_rng(0)
    assert 0.8 < valley_ratio(rng.laplace(size=50_000)) <= 1.2
    assert 0.8 < valley_ratio(rng.uniform(-1, 1, 50_000)) < 1.2
    camps = np.concatenate([rng.normal(-2, 0.3, 2000), rng.normal(2, 0.3, 2000)])
    assert valley_ratio(camps) < 0.01
    assert valley_ratio(np.zeros(5)) == math.inf


def test_regime_definitions():
    assert regime(np.full(10, 0.049)) == "consensus"
    assert regime(np.r_[np.full(96, 2.0), np.full(4, -2.0)]) == "radicalisation"
    camps = np.r_[np.linspace(-3, -0.5, 30), np.linspace(0.5, 3, 70)]
    assert regime(camps) == "polarisation"
    assert regime(np.linspace(-1, 1, 101)) == "mixed"  # two-sided but unimodal
