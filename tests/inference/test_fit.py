"""fit(): known answers, refusals, degenerate and singular cases, inputs and outputs."""

import math
import warnings

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import opinionsim as osim
from opinionsim import OpinionSimError

from .conftest import simulate_panel

G = nx.watts_strogatz_graph(120, 6, 0.1, seed=2)


@pytest.fixture(scope="module")
def attention_panel():
    return simulate_panel(25, graph=G, dim=2, temperature=0.2, affinity="distance", noise=0.05,
                          seed=11)


def linear_gaussian_closed_form(X, graph):
    """ML step size, σ and se(â) of x(t+1) − x(t) = a·(m − x) + σε by least squares.

    Written from scratch with numpy: m is the mean over the neighbourhood and self.
    """
    A = nx.to_numpy_array(graph, nodelist=list(graph)) + np.eye(len(graph))
    A /= A.sum(axis=1, keepdims=True)
    D = np.concatenate([(A @ X[t] - X[t]).ravel() for t in range(len(X) - 1)])
    y = np.concatenate([(X[t + 1] - X[t]).ravel() for t in range(len(X) - 1)])
    (a,), rss, *_ = np.linalg.lstsq(D[:, None], y, rcond=None)
    sigma2 = rss[0] / len(y)
    loglik = -0.5 * len(y) * (math.log(2 * math.pi * sigma2) + 1)
    return a, math.sqrt(sigma2), math.sqrt(sigma2 / (D @ D)), loglik


@pytest.mark.parametrize("spec", [dict(rule="uniform"),
                                  dict(rule="attention", fixed={"temperature": float("inf")})])
def test_infinite_temperature_matches_the_linear_gaussian_regression(spec):
    X = simulate_panel(20, graph=G, dim=2, temperature=float("inf"), step_size=0.3, noise=0.05,
                       seed=3)
    res = osim.fit(X, G, free=("step_size", "noise"), seed=0, **spec)
    a, sigma, se_a, loglik = linear_gaussian_closed_form(X, G)
    assert res.params["step_size"] == pytest.approx(a, rel=1e-7)
    assert res.params["noise"] == pytest.approx(sigma, rel=1e-7)
    assert res.loglik == pytest.approx(loglik, rel=1e-10)
    assert res.stderr["step_size"] == pytest.approx(se_a, rel=1e-4)
    # σ̂ of a Gaussian sample of n·d values: se = σ̂/√(2nd).
    assert res.stderr["noise"] == pytest.approx(sigma / math.sqrt(2 * X[1:].size), rel=1e-4)
    assert res.converged


def test_noise_free_panel_is_reported_as_degenerate():
    X = simulate_panel(10, graph=G, dim=2, temperature=0.3, noise=0.0, seed=4)
    with pytest.raises(OpinionSimError, match="degenerate likelihood.*noise = 0"):
        osim.fit(X, G, seed=0)
    frozen = np.repeat(X[:1], 3, axis=0)
    with pytest.raises(OpinionSimError, match="no opinion changes at all"):
        osim.fit(frozen, G, seed=0)


def test_a_known_noise_gives_a_proper_likelihood_even_for_noise_free_data():
    X = simulate_panel(10, graph=G, dim=2, temperature=0.3, noise=0.0, seed=4)
    res = osim.fit(X, G, free=("temperature", "step_size"), fixed={"noise": 0.01}, seed=0)
    assert res.params["temperature"] == pytest.approx(0.3, rel=1e-6)
    assert res.params["step_size"] == pytest.approx(0.5, rel=1e-6)


@pytest.mark.parametrize("kwargs,match", [
    (dict(free=("temperature", "salience", "noise")), "'salience'.*temperature/salience"),
    (dict(free=("temperature", "key_norm_clip", "noise"), affinity="cosine"),
     "'key_norm_clip'.*cosine"),
    (dict(free=("temperature", "step_size", "noise"), rule="uniform"), "'temperature'.*uniform"),
    (dict(free=("confidence", "noise")), "'confidence'.*bounded_confidence"),
    (dict(free=("step_size", "noise"), rule="bounded_confidence"), "confidence == None"),
    (dict(free=("temperature", "heads")), "'heads'.*cannot be fitted.*temperature"),
    (dict(free=("step_size",)), "noise == 0.0.*noise > 0"),
    (dict(free=("step_size",), fixed={"noise": -1.0}), "noise == -1.0"),
    (dict(fixed={"activation": "random_sequential"}), "activation.*synchronous"),
    (dict(fixed={"opinion_space": "sphere"}), "opinion_space.*euclidean"),
    (dict(fixed={"dim": 2}), "fixed names 'dim'"),
    (dict(fixed={"rule": "uniform"}), "argument of fit itself"),
    (dict(fixed={"noise": 0.1}), "'noise' is both free and fixed"),
    (dict(fixed={"heads": [[0], [1]]}), "one head"),
    (dict(fixed={"zealots": [999]}), "zealots.*999"),
    (dict(rule="hk"), "rule == 'hk'"),
    (dict(affinity="euclid"), "affinity == 'euclid'"),
    (dict(start={"noise": 0.1}), "start names 'noise'"),
    (dict(start={"step_size": 1.5}), r"start\['step_size'\] == 1.5"),
    (dict(n_starts=0), "n_starts == 0"),
])
def test_bad_or_unidentified_requests_are_refused_by_name(attention_panel, kwargs, match):
    with pytest.raises(OpinionSimError, match=match):
        osim.fit(attention_panel, G, **kwargs)


def test_bad_panels_are_refused():
    with pytest.raises(OpinionSimError, match="120 nodes"):
        osim.fit(np.zeros((3, 50, 2)), G)
    with pytest.raises(OpinionSimError, match="at least 2 steps"):
        osim.fit(np.zeros((1, 120, 2)), G)
    X = np.full((3, 120, 1), np.nan)
    X[0] = 1.0
    with pytest.raises(OpinionSimError, match="no agent observed at two consecutive"):
        osim.fit(X, G)
    X = np.ones((3, 120, 1))
    X[1, 5] = np.inf
    with pytest.raises(OpinionSimError, match="infinite opinion"):
        osim.fit(X, G)


def test_information_singular_names_the_identified_ratio():
    # Every key is clipped to norm c, so dot scores are c·⟨x_i, x̂_j⟩/√d: only T/c matters.
    X = simulate_panel(15, graph=G, dim=2, temperature=0.003, key_norm_clip=0.01, noise=0.05,
                       seed=5)
    with pytest.warns(UserWarning, match="only the combination temperature/key_norm_clip"):
        res = osim.fit(X, G, free=("temperature", "key_norm_clip", "step_size", "noise"),
                       start={"key_norm_clip": 0.01}, seed=0)
    assert math.isinf(res.stderr["temperature"]) and math.isinf(res.stderr["key_norm_clip"])
    assert np.isfinite(res.stderr["step_size"])
    ratio = res.params["temperature"] / res.params["key_norm_clip"]
    assert ratio == pytest.approx(0.003 / 0.01, rel=0.1)
    assert "temperature/key_norm_clip" in res.summary()


def test_uniform_data_put_temperature_at_infinity_with_a_warning():
    # DeGroot data without noise, fitted with a known noise: the RSS falls all the way to T = inf.
    X = simulate_panel(15, graph=G, dim=2, temperature=float("inf"), seed=6)
    with pytest.warns(UserWarning, match=r"temperature = inf: uniform attention \(DeGroot\)"):
        res = osim.fit(X, G, affinity="distance", free=("temperature", "step_size"),
                       fixed={"noise": 0.05}, seed=0)
    assert res.params["temperature"] == math.inf and "temperature" in res.at_edge
    assert np.isnan(res.stderr["temperature"]) and np.isnan(res.ci().loc["temperature", "low"])
    assert res.params["step_size"] == pytest.approx(0.5, rel=1e-9)
    low, high = res.ci(method="profile").loc["temperature"]
    assert 0 < low < math.inf and high == math.inf
    assert res.model().temperature == math.inf
    # Without a known noise the same data are reproduced exactly: a degenerate likelihood.
    with pytest.raises(OpinionSimError, match="temperature = inf, step_size = 0.5"):
        osim.fit(X, G, affinity="distance", seed=0)


def test_tidy_frame_with_missing_rows_equals_the_array_with_nans(attention_panel):
    X = attention_panel.copy()
    rng = np.random.default_rng(0)
    holes = rng.random(X.shape[:2]) < 0.03
    X[holes] = np.nan
    steps, agents = np.nonzero(~holes)
    labels = list(G)
    frame = pd.DataFrame({"step": steps + 7, "agent": [labels[a] for a in agents],
                          "x": X[steps, agents, 0], "y": X[steps, agents, 1]})
    a = osim.fit(X, G, affinity="distance", seed=0, n_starts=2)
    b = osim.fit(frame.sample(frac=1.0, random_state=1), G, affinity="distance", seed=0,
                 n_starts=2)
    pd.testing.assert_series_equal(a.params, b.params, rtol=1e-9)
    assert a.n_dropped == b.n_dropped > 0
    assert a.n_terms + a.n_dropped == 25 * 120
    assert f"{a.n_dropped} dropped" in a.summary()


def test_result_api(attention_panel):
    res = osim.fit(attention_panel, G, affinity="distance", seed=0)
    assert list(res.params.index) == ["temperature", "step_size", "noise"]
    assert list(res.stderr.index) == list(res.params.index)
    assert res.aic == pytest.approx(2 * 3 - 2 * res.loglik)
    assert res.bic == pytest.approx(3 * math.log(res.n_obs) - 2 * res.loglik)
    assert res.n_obs == 25 * 120 * 2
    wald, profile = res.ci(), res.ci(method="profile")
    for table in (wald, profile):
        assert list(table.columns) == ["low", "high"]
        assert ((table["low"] < res.params) & (res.params < table["high"])).all()
    # With 6000 observations the likelihood is close to quadratic: the two intervals agree.
    np.testing.assert_allclose(profile.to_numpy(), wald.to_numpy(), rtol=0.02)
    assert (res.ci(0.5)["high"] < wald["high"]).all()
    text = res.summary()
    assert "converged" in text and "temperature" in text and "0 dropped" in text
    model = res.model()
    assert isinstance(model, osim.OpinionModel)
    assert model.temperature == res.params["temperature"]
    assert model.rule.noise == res.params["noise"] and model.affinity == "distance"
    np.testing.assert_array_equal(model.opinions, attention_panel[0])
    profile_T = res.profile("temperature", [res.params["temperature"]])
    assert profile_T["loglik"].iloc[0] == pytest.approx(res.loglik, abs=1e-6)
    with pytest.raises(OpinionSimError, match="method == 'bayes'"):
        res.ci(method="bayes")
    with pytest.raises(OpinionSimError, match="level == 1.5"):
        res.ci(level=1.5)


def test_friedkin_johnsen_and_zealots():
    X = simulate_panel(20, graph=G, dim=2, rule="uniform", stubbornness=0.3, noise=0.05,
                       zealots=[0, 1, 2], seed=7)
    res = osim.fit(X, G, rule="uniform", free=("stubbornness", "step_size", "noise"),
                   fixed={"zealots": [0, 1, 2]}, seed=0)
    assert res.n_terms == 20 * 117
    ci = res.ci()
    assert ci.loc["stubbornness", "low"] < 0.3 < ci.loc["stubbornness", "high"]
    assert res.model().zealots == [0, 1, 2]


def test_bounded_confidence_radius_is_found_between_two_distances():
    X = simulate_panel(25, graph=G, dim=1, rule="bounded_confidence", confidence=0.3,
                       noise=0.02, seed=8)
    res = osim.fit(X, G, rule="bounded_confidence", free=("confidence", "step_size", "noise"),
                   seed=0)
    assert np.isnan(res.stderr["confidence"])
    assert np.isnan(res.ci().loc["confidence", "low"])
    # The likelihood jumps at every query–key distance, so the likelihood region is narrow
    # (Wilks' theorem does not apply); it brackets the estimate, which is close to the truth.
    low, high = res.ci(method="profile").loc["confidence"]
    assert low <= res.params["confidence"] <= high and high - low < 0.05
    assert abs(res.params["confidence"] - 0.3) < 0.01


def test_relabelling_the_agents_does_not_change_the_fit(attention_panel):
    perm = np.random.default_rng(3).permutation(len(G))
    labels = list(G)
    relabelled = nx.relabel_nodes(G, {labels[p]: i for i, p in enumerate(perm)})
    H = nx.Graph()
    H.add_nodes_from(range(len(G)))
    H.add_edges_from(relabelled.edges)
    a = osim.fit(attention_panel, G, affinity="distance", seed=0, n_starts=2)
    b = osim.fit(attention_panel[:, perm], H, affinity="distance", seed=0, n_starts=2)
    assert b.loglik == pytest.approx(a.loglik, rel=1e-10)
    pd.testing.assert_series_equal(a.params, b.params, rtol=1e-6)
