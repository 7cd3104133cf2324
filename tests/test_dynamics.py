"""Registries of the dynamics: a user's affinity, weighting rule and per-step process, by name."""

import inspect
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import opinionsim as osim
from opinionsim import OpinionModel, OpinionSimError
from opinionsim.dynamics import (
    AFFINITIES,
    PARAMETERS,
    PROCESSES,
    WEIGHTING_RULES,
    Process,
    UpdateRule,
    register_affinity,
    register_process,
    register_rule,
)
from opinionsim.interventions import SetAffinity, SetRule


def negative_l1(Q, K):
    """A user's affinity: −‖q − k‖₁ (module level, so sweeps on processes can import it)."""
    return -np.abs(Q - K).sum(axis=1)


def closer_than_half(Q, K, indptr, indices, params):
    """A user's weighting rule: weight 2 on neighbours within 0.5 (L∞), 1 on the others."""
    rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    near = np.max(np.abs(Q[rows] - K[indices]), axis=1) <= 0.5
    return np.where(near, 2.0, 1.0)


@pytest.fixture(scope="module", autouse=True)
def registered():
    register_affinity("test_negative_l1", negative_l1, doc="−‖q − k‖₁", overwrite=True)
    register_rule("test_closer_than_half", closer_than_half, overwrite=True)
    yield
    AFFINITIES.pop("test_negative_l1", None)
    WEIGHTING_RULES.pop("test_closer_than_half", None)


def small_problem():
    rng = np.random.default_rng(3)
    n = 7
    A = (rng.random((n, n)) < 0.5).astype(float)
    np.fill_diagonal(A, 0.0)
    A[0] = 0.0  # agent 0 listens to nobody (but itself): a row with one entry
    X = rng.uniform(-1, 1, size=(n, 2))
    return sp.csr_array(A), X


def hand_step(A, X, weight_of, step_size):
    """One synchronous update computed agent by agent, the way one would on paper."""
    n = X.shape[0]
    new = X.copy()
    for i in range(n):
        heard = [j for j in range(n) if A[i, j] or i == j]  # include_self=True
        w = np.array([weight_of(X[i], X[j]) for j in heard])
        social = (w[:, None] * X[heard]).sum(axis=0) / w.sum()
        new[i] = X[i] + step_size * (social - X[i])
    return new


def test_a_registered_affinity_runs_by_name_and_matches_a_hand_computation(monkeypatch):
    from opinionsim.kernels import threads

    monkeypatch.setattr(threads, "_warned", set())  # whatever ran before in this process
    A, X = small_problem()
    T = 0.3
    with pytest.warns(RuntimeWarning, match="affinity 'test_negative_l1'.*reference engine"):
        m = OpinionModel(graph=A, dim=2, affinity="test_negative_l1", temperature=T,
                         step_size=0.7, initial_opinions=X, seed=0, reporters=["variance"])
        m.step()
    expected = hand_step(A.toarray(), X, lambda xi, xj: np.exp(-np.abs(xi - xj).sum() / T), 0.7)
    np.testing.assert_allclose(m.opinions, expected, rtol=1e-13, atol=1e-15)
    # It is not run as something else: the built-in distance affinity moves agents elsewhere.
    other = OpinionModel(graph=A, dim=2, affinity="distance", temperature=T, step_size=0.7,
                         initial_opinions=X, seed=0, reporters=["variance"])
    other.step()
    assert not np.allclose(other.opinions, m.opinions)


def test_the_fallback_warns_once_per_cause():
    A, X = small_problem()
    m = OpinionModel(graph=A, dim=2, affinity="test_negative_l1", initial_opinions=X, seed=0,
                     reporters=["variance"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m.run(3)  # the warning was already given in this process


def test_set_affinity_and_set_rule_take_registered_names():
    A, X = small_problem()
    m = OpinionModel(graph=A, dim=2, initial_opinions=X, seed=0, reporters=["variance"])
    m.do(SetAffinity("test_negative_l1"))
    assert m.affinity == "test_negative_l1"
    m.do(SetRule("test_closer_than_half"))
    assert m.rule.rule == "test_closer_than_half"
    with pytest.raises(OpinionSimError, match="test_negative_l1"):
        SetAffinity("no_such_affinity")


def test_a_registered_weighting_rule_is_normalised_and_matches_a_hand_computation():
    A, X = small_problem()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        m = OpinionModel(graph=A, dim=2, rule="test_closer_than_half", step_size=1.0,
                         initial_opinions=X, seed=0, reporters=["variance"])
        m.step()
    expected = hand_step(A.toarray(), X,
                         lambda xi, xj: 2.0 if np.max(np.abs(xi - xj)) <= 0.5 else 1.0, 1.0)
    np.testing.assert_allclose(m.opinions, expected, rtol=1e-13, atol=1e-15)
    W = OpinionModel(graph=A, dim=2, rule="test_closer_than_half", initial_opinions=X,
                     seed=0, reporters=[]).attention()
    np.testing.assert_allclose(W.sum(axis=1), 1.0, rtol=1e-14)


def test_a_registered_affinity_works_in_a_sweep():
    df = osim.sweep({"n_agents": 6, "dim": 2, "affinity": "test_negative_l1"},
                    {"temperature": [0.1, 1.0]}, seeds=1, steps=2, metrics=["variance"],
                    n_jobs=1, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        m = OpinionModel(n_agents=6, dim=2, affinity="test_negative_l1", temperature=0.1,
                         seed=int(df.seed.iloc[0]), reporters=["variance"])
        m.run(2)
    assert df.variance.iloc[0] == pytest.approx(m.datacollector.get_model_vars_dataframe()
                                                .variance.iloc[-1], rel=1e-12)


class Shift(Process):
    """A user's per-step process: every opinion moves by +0.1 after the influence step."""

    name = "test_shift"

    def step(self, model, t):
        model._set_state(opinions=model.opinions + 0.1)


def test_a_registered_process_runs_after_influence_every_tick():
    register_process("test_shift", Shift, overwrite=True)
    try:
        X = np.array([[0.0], [1.0]])
        m = OpinionModel(n_agents=2, temperature=float("inf"), step_size=1.0,
                         initial_opinions=X, processes=["test_shift"], seed=0,
                         reporters=["variance"])
        m.run(2)
        # tick 1: both go to the mean 0.5, then +0.1; tick 2: mean 0.6, then +0.1
        np.testing.assert_allclose(m.opinions.ravel(), [0.7, 0.7], rtol=1e-15)
        assert [type(p).__name__ for p in m.processes] == ["Influence", "Shift"]
    finally:
        PROCESSES.pop("test_shift", None)


def test_registration_refuses_built_ins_duplicates_and_non_callables():
    with pytest.raises(OpinionSimError, match="already registered"):
        register_affinity("dot", negative_l1)
    with pytest.raises(OpinionSimError, match="already registered"):
        register_affinity("test_negative_l1", negative_l1)
    with pytest.raises(OpinionSimError, match="callable"):
        register_affinity("x", 3)
    with pytest.raises(OpinionSimError, match="already registered"):
        register_rule("uniform", closer_than_half, overwrite=True)
    with pytest.raises(OpinionSimError, match="already registered"):
        register_process("influence", Shift, overwrite=True)
    with pytest.raises(OpinionSimError, match="not registered"):
        OpinionModel(n_agents=3, processes=["no_such_process"])


def test_an_unknown_name_is_refused_naming_what_is_registered():
    with pytest.raises(OpinionSimError, match="affinity == 'manhatan'.*'dot'"):
        OpinionModel(n_agents=3, affinity="manhatan")
    with pytest.raises(OpinionSimError, match="rule == 'degroot'.*'uniform'"):
        OpinionModel(n_agents=3, rule="degroot")


def test_the_parameter_table_is_the_model_signature_and_the_rule_fields():
    sig = inspect.signature(OpinionModel)
    public = [name for name, p in PARAMETERS.items() if p.public]
    for name in public:
        assert name in sig.parameters
        assert sig.parameters[name].default == PARAMETERS[name].default
    rule = UpdateRule.create(n=2, dim=1)
    assert set(rule.params()) == {name for name, p in PARAMETERS.items() if p.rule}
    with pytest.raises(OpinionSimError, match="unexpected keyword argument 'temprature'"):
        OpinionModel(n_agents=3, temprature=0.1)
    # SetRule checks values with the table's own messages, before any model exists.
    with pytest.raises(OpinionSimError, match=r"step_size == 2.0, must be in \(0, 1\]"):
        SetRule("attention", step_size=2.0)
