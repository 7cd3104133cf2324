"""run_until and the ready-made conditions, against closed forms of DeGroot averaging."""

import math

import networkx as nx
import numpy as np
import pytest

from opinionsim import OpinionModel, conditions
from opinionsim._errors import OpinionSimError

N = 12
STEP = 0.5  # the model's default step_size


def degroot_model(seed, **kw):
    """Uniform attention (T = inf) on a cycle, each agent also hearing itself."""
    return OpinionModel(graph=nx.cycle_graph(N), temperature=float("inf"), seed=seed, **kw)


def degroot_spectrum():
    """Eigenpairs of the one-step map x <- (1 - a) x + a W x, W = (I + A) / 3 (symmetric)."""
    A = nx.to_numpy_array(nx.cycle_graph(N))
    M = (1 - STEP) * np.eye(N) + STEP * (np.eye(N) + A) / 3
    return np.linalg.eigh(M)


def predicted_convergence_step(x0, tol):
    """First step s at which max_i |x_i(s) - x_i(s-1)| <= tol * sigma_0, from the second
    eigenvalue alone: the change is mu^(s-1) (1 - mu) |P x0|_inf for large s, with P the
    projector on mu's eigenspace (two-dimensional on a cycle)."""
    vals, vecs = degroot_spectrum()
    mu = vals[-2]
    assert np.isclose(vals[-3], mu) and vals[-4] < mu - 0.05  # a double eigenvalue, a gap below
    P = vecs[:, -3:-1] @ vecs[:, -3:-1].T
    amplitude = (1 - mu) * np.abs(P @ x0).max()
    sigma0 = math.sqrt(x0.var())
    return 1 + math.ceil(math.log(tol * sigma0 / amplitude) / math.log(mu))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("tol", [1e-4, 1e-7, 1e-10])
def test_max_change_stops_where_the_second_eigenvalue_says(seed, tol):
    model = degroot_model(seed)
    x0 = model.initial_opinions[:, 0].copy()
    steps, converged = model.run_until(conditions.max_change(tol), max_steps=5000)
    assert converged
    assert abs(steps - predicted_convergence_step(x0, tol)) <= 1
    assert model.last_change <= tol * math.sqrt(x0.var())


@pytest.mark.parametrize("check_every", [3, 7, 50])
def test_check_every_stops_at_the_first_check_after_convergence(check_every):
    every_step, _ = degroot_model(1).run_until(conditions.max_change(1e-6), max_steps=5000)
    steps, converged = degroot_model(1).run_until(conditions.max_change(1e-6), max_steps=5000,
                                                  check_every=check_every)
    assert converged and steps == check_every * math.ceil(every_step / check_every)


def test_horizon_reached_and_last_partial_block_checked():
    model = degroot_model(2)
    assert model.run_until(conditions.max_change(1e-12), max_steps=5) == (5, False)
    assert model.steps == 5
    # checks at 4, 8 and after the last step, 10
    seen = []

    def at_ten(m):
        seen.append(m.steps)
        return m.steps >= 10

    fresh = degroot_model(2)
    assert fresh.run_until(at_ten, max_steps=10, check_every=4) == (10, True)
    assert seen == [4, 8, 10]


def test_stable_window_exact():
    """A metric 1/t: the range over checks c - w ... c is 1/(c - w) - 1/c."""
    tol, window = 1e-3, 4
    expected = next(c for c in range(window + 1, 10**6) if 1 / (c - window) - 1 / c <= tol)
    model = degroot_model(3, reporters=[])
    cond = conditions.stable(lambda m: 1.0 / m.steps, tol, window)
    assert model.run_until(cond, max_steps=10**4) == (expected, True)


def test_stable_variance_follows_the_spectrum():
    """Var(t) = (1/N) sum_k mu_k^(2t) |P_k x0|^2 exactly (the mean is conserved)."""
    vals, vecs = degroot_spectrum()
    tol, window, every = 1e-9, 3, 5
    model = degroot_model(4)
    coeff = (vecs.T @ model.initial_opinions[:, 0]) ** 2 / N
    coeff[-1] = 0.0  # the consensus mode carries the mean, not the variance
    var = [float(np.dot(vals ** (2 * t), coeff)) for t in range(0, 3000, every)]
    checks = next(c for c in range(window + 1, len(var))
                  if max(var[c - window:c + 1]) - min(var[c - window:c + 1]) <= tol)
    steps, converged = model.run_until(conditions.stable("variance", tol, window),
                                       max_steps=5000, check_every=every)
    assert converged and abs(steps - checks * every) <= every


def test_stable_starts_afresh_on_another_model():
    cond = conditions.stable("variance", 1e-9, 3)
    a, b = degroot_model(5), degroot_model(5)
    first = a.run_until(cond, max_steps=5000, check_every=5)
    assert b.run_until(cond, max_steps=5000, check_every=5) == first


def test_max_change_with_equal_initial_opinions():
    model = OpinionModel(graph=nx.cycle_graph(5), initial_opinions=np.full(5, 0.2),
                         temperature=float("inf"), seed=0)
    assert conditions.initial_spread(model) == 0.0
    assert model.run_until(conditions.max_change(1e-3), max_steps=10) == (1, True)


def test_max_change_refuses_noise_and_sparse_activation():
    noisy = degroot_model(0, noise=0.01)
    with pytest.raises(OpinionSimError, match="noise"):
        noisy.run_until(conditions.max_change(1e-3), max_steps=10)
    sparse = degroot_model(0, activation="random_async", activation_rate=0.2)
    with pytest.raises(OpinionSimError, match="random_async"):
        sparse.run_until(conditions.max_change(1e-3), max_steps=10)
    # stable() accepts noisy models (its tol is in the units of the metric)
    steps, converged = noisy.run_until(conditions.stable("mean_opinion", 1.0, 2), max_steps=10)
    assert converged and steps == 3


@pytest.mark.parametrize("kwargs, match", [
    ({"condition": 3}, "condition"),
    ({"max_steps": 0}, "max_steps"),
    ({"max_steps": 2.5}, "max_steps"),
    ({"max_steps": True}, "max_steps"),
    ({"check_every": 0}, "check_every"),
])
def test_run_until_validates(kwargs, match):
    args = {"condition": conditions.max_change(1e-3), "max_steps": 10} | kwargs
    with pytest.raises(OpinionSimError, match=match):
        degroot_model(0).run_until(args.pop("condition"), **args)


@pytest.mark.parametrize("make, match", [
    (lambda: conditions.max_change(0.0), "tol"),
    (lambda: conditions.max_change(float("nan")), "tol"),
    (lambda: conditions.stable("no_such_reporter", 1e-3, 2), "reporter"),
    (lambda: conditions.stable(3.0, 1e-3, 2), "metric"),
    (lambda: conditions.stable("variance", -1.0, 2), "tol"),
    (lambda: conditions.stable("variance", 1e-3, 0), "window"),
])
def test_condition_arguments(make, match):
    with pytest.raises(OpinionSimError, match=match):
        make()


def test_stable_refuses_non_finite_values():
    cond = conditions.stable(lambda m: float("nan"), 1e-3, 2)
    with pytest.raises(OpinionSimError, match="finite"):
        degroot_model(0).run_until(cond, max_steps=5)
