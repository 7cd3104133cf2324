"""The likelihood: its mean is OpinionModel's step, its gradient is exact, its value is Gaussian."""

import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.stats import norm

from opinionsim.inference.likelihood import (
    GaussianLikelihood, Transitions, to_natural, to_working,
)
from opinionsim.inference.panel import as_panel
from opinionsim.network import build_network

from .conftest import simulate_panel

WS = nx.watts_strogatz_graph(40, 4, 0.2, seed=3)


def likelihood(X, graph=None, *, n_agents=None, include_self=True, anchored=False,
               rule="attention", affinity="dot", exclude=None, **values):
    net = build_network(graph, n_agents, include_self=include_self)
    tr = Transitions(as_panel(X, nodes=net.nodes), net, anchored=anchored, exclude=exclude)
    return GaussianLikelihood(tr, rule=rule, affinity=affinity, values=values)


MODEL_CASES = [
    dict(affinity="dot", temperature=0.4),
    dict(affinity="cosine", temperature=0.1),
    dict(affinity="distance", temperature=0.05, include_self=False),
    dict(affinity="dot", temperature=0.5, salience="per-agent", key_norm_clip=0.8),
    dict(affinity="distance", temperature=0.2, stubbornness=0.3, step_size=0.7),
    dict(affinity="distance", temperature=0.2, stubbornness="per-agent"),
    dict(rule="uniform"),
    dict(rule="bounded_confidence", confidence=0.4, step_size=1.0),
    dict(affinity="dot", temperature=float("inf")),
]


@pytest.mark.parametrize("case", MODEL_CASES, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
@pytest.mark.parametrize("complete", [False, True], ids=["ws", "complete"])
def test_mean_is_the_models_noise_free_step(case, complete):
    rng = np.random.default_rng(0)
    case = dict(case)
    for name in ("salience", "stubbornness"):
        if case.get(name) == "per-agent":
            case[name] = rng.uniform(0.2, 1.5 if name == "salience" else 0.6, 40)
    where = {"n_agents": 40} if complete else {"graph": WS}
    X = simulate_panel(6, dim=2, seed=5, noise=0.0, **where, **case)
    rule_values = {k: v for k, v in case.items() if k not in ("include_self", "rule", "affinity")}
    lik = likelihood(X, WS if not complete else None, n_agents=40 if complete else None,
                     include_self=case.get("include_self", True),
                     anchored=np.any(np.asarray(case.get("stubbornness", 0.0)) != 0),
                     rule=case.get("rule", "attention"), affinity=case.get("affinity", "dot"),
                     **rule_values)
    assert lik.n_terms == 6 * 40
    np.testing.assert_allclose(lik.mean(), lik.tr.Y, rtol=0, atol=1e-12)


def test_an_agent_with_nobody_to_listen_to_hears_itself():
    g = nx.path_graph(5)
    g.add_node(5)  # isolated: empty attention row without self-loops
    X = simulate_panel(3, graph=g, include_self=False, temperature=0.3, seed=1)
    lik = likelihood(X, g, include_self=False, temperature=0.3)
    np.testing.assert_allclose(lik.mean(), lik.tr.Y, atol=1e-12)


def test_log_likelihood_is_the_sum_of_gaussian_log_densities():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(4, 40, 3))
    lik = likelihood(X, WS, affinity="distance", temperature=0.7, step_size=0.3)
    f = lik.mean()
    sigma = 0.8
    expected = norm.logpdf(lik.tr.Y, loc=f, scale=sigma).sum()
    assert lik.loglik(noise=sigma) == pytest.approx(expected, rel=1e-12)
    rss = ((lik.tr.Y - f) ** 2).sum()
    profiled = norm.logpdf(lik.tr.Y, loc=f, scale=math.sqrt(rss / f.size)).sum()
    assert lik.loglik() == pytest.approx(profiled, rel=1e-12)


GRADIENT_CASES = [
    ("dot", ["temperature", "step_size"], {}),
    ("cosine", ["temperature", "step_size", "stubbornness"], {"stubbornness": 0.3}),
    ("distance", ["temperature", "step_size", "stubbornness"], {"stubbornness": 0.6}),
    ("dot", ["temperature", "key_norm_clip"], {"key_norm_clip": 1.0}),
    ("distance", ["temperature", "key_norm_clip", "salience"],
     {"key_norm_clip": 1.5, "salience": 0.8}),
    ("dot", ["salience"], {"salience": 1.3}),
]


@pytest.mark.parametrize("affinity,wrt,values", GRADIENT_CASES)
def test_gradient_matches_central_differences(affinity, wrt, values):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(6, 40, 2))
    X[2, 3] = np.nan  # missing values must not leak into the gradient
    X[4, 10:12, 1] = np.nan
    v = {"temperature": 0.7, "step_size": 0.4, **values}
    lik = likelihood(X, WS, affinity=affinity, anchored="stubbornness" in wrt, **v)
    _, grad = lik.rss(None, wrt)
    h = 1e-5
    for k, name in enumerate(wrt):
        eta = to_working(name, v[name])
        up = lik.rss({name: to_natural(name, eta + h)})[0]
        down = lik.rss({name: to_natural(name, eta - h)})[0]
        assert grad[k] == pytest.approx((up - down) / (2 * h), rel=1e-6, abs=1e-8), name


def test_full_gradient_includes_log_noise():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(5, 40, 2))
    lik = likelihood(X, WS, affinity="distance", temperature=0.5, step_size=0.5)
    wrt = ["temperature", "step_size", "noise"]
    theta = {"temperature": 0.5, "step_size": 0.5}
    grad = lik.loglik_gradient(theta, 0.9, wrt)
    h = 1e-6

    def ll(name, delta):
        t, s = dict(theta), 0.9
        if name == "noise":
            s = math.exp(math.log(s) + delta)
        else:
            t[name] = to_natural(name, to_working(name, t[name]) + delta)
        return lik.loglik(t, noise=s)

    for k, name in enumerate(wrt):
        assert grad[k] == pytest.approx((ll(name, h) - ll(name, -h)) / (2 * h), rel=1e-6)


def test_missing_values_drop_exactly_the_transitions_that_read_them():
    # Path 0-1-2-3-4 with self-loops; agent 2 missing at step 1.
    g = nx.path_graph(5)
    X = np.arange(3 * 5, dtype=float).reshape(3, 5, 1) / 10
    X[1, 2] = np.nan
    lik = likelihood(X, g, temperature=1.0)
    # Dropped: (t=0, i=2) whose response is missing; at t=1 agent 2 itself and its
    # neighbours 1 and 3, whose social means read x_2(1).
    assert lik.tr.n_possible == 10
    assert lik.tr.n_dropped == 4
    kept = set(zip(lik.tr.term_step.tolist(), lik.tr.term_agent.tolist()))
    assert kept == {(0, 0), (0, 1), (0, 3), (0, 4), (1, 0), (1, 4)}
    # Anchoring reads x_i(0): an agent missing at step 0 loses every transition.
    X[0, 4] = np.nan
    anchored = likelihood(X, g, anchored=True, temperature=1.0, stubbornness=0.2)
    assert (4 not in anchored.tr.term_agent.tolist()) and anchored.tr.n_dropped == 4 + 3


def test_zealots_transitions_are_excluded():
    X = np.random.default_rng(0).normal(size=(3, 6, 1))
    lik = likelihood(X, n_agents=6, exclude=np.array([1, 4]), temperature=1.0)
    assert lik.tr.n_possible == 2 * 4 and lik.n_terms == 8
    assert not np.isin(lik.tr.term_agent, [1, 4]).any()


def test_sparse_adjacency_and_networkx_graph_give_the_same_likelihood():
    X = np.random.default_rng(1).normal(size=(4, 40, 2))
    A = sp.csr_array(__import__("networkx").to_scipy_sparse_array(WS, nodelist=list(WS)))
    a = likelihood(X, WS, affinity="distance", temperature=0.3).loglik()
    b = likelihood(X, A, affinity="distance", temperature=0.3).loglik()
    assert a == pytest.approx(b, rel=1e-13)
